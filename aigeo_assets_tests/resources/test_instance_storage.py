"""The event log and run storage on a connection each process keeps (``resources.instance_storage``):
the same events and runs as Dagster's own storages, in the same files, one connection instead of one
per read or write, SQLite's ``synchronous=NORMAL`` on it, and a forked child that opens its own."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import event

from aigeo_assets import cli
from aigeo_assets.resources import instance_storage
from aigeo_assets.resources.instance_storage import KeptConnectionSqliteEventLogStorage, KeptConnectionSqliteRunStorage, kept_engine


@dg.asset(partitions_def=dg.StaticPartitionsDefinition(["a", "b"]))
def letters(context):
    return dg.MaterializeResult(metadata={"key": context.partition_key})


@dg.asset
def one() -> int:
    return 1


def _home(tmp_path: Path, name: str, config=lambda home: cli.instance_config(1, home)) -> Path:
    """A Dagster home ``tmp_path/name`` whose ``dagster.yaml`` is ``config(home)`` (aigeo's by default)."""
    home = tmp_path / name
    home.mkdir()
    (home / "dagster.yaml").write_text(config(home))
    return home


def _consolidated(home: Path) -> str:
    return ("event_log_storage:\n  module: dagster._core.storage.event_log\n  class: ConsolidatedSqliteEventLogStorage\n"
            f"  config:\n    base_dir: {str(home)!r}\n")


def _materialize(instance: dg.DagsterInstance) -> None:
    for key in ("a", "b"):
        assert dg.materialize([letters], instance=instance, partition_key=key).success
    assert dg.materialize([one], instance=instance).success


def _events(instance: dg.DagsterInstance) -> list[tuple]:
    records = instance.fetch_materializations(dg.AssetKey("letters"), limit=10).records
    records += instance.fetch_materializations(dg.AssetKey("one"), limit=10).records
    return sorted((r.asset_key.to_user_string(), r.partition_key, r.asset_materialization.metadata.get("key")) for r in records)


def _runs(instance: dg.DagsterInstance) -> list[tuple]:
    return sorted((r.tags.get("dagster/partition", ""), r.status.value) for r in instance.get_runs())


def test_aigeo_instance_uses_it_and_stores_what_dagster_own_storage_stores(tmp_path):
    ours = _home(tmp_path, "ours")
    theirs = _home(tmp_path, "theirs", _consolidated)
    found = []
    for home in (ours, theirs):
        with dg.DagsterInstance.from_config(str(home)) as instance:
            _materialize(instance)
            found.append((type(instance.event_log_storage), type(instance.run_storage), _events(instance), _runs(instance)))
    assert found[0][:2] == (KeptConnectionSqliteEventLogStorage, KeptConnectionSqliteRunStorage)
    assert KeptConnectionSqliteEventLogStorage not in found[1][:2] and KeptConnectionSqliteRunStorage not in found[1][:2]
    assert found[0][2] == found[1][2] == [("letters", "a", dg.TextMetadataValue("a")), ("letters", "b", dg.TextMetadataValue("b")),
                                          ("one", None, None)]
    assert found[0][3] == found[1][3] == [("", "SUCCESS"), ("a", "SUCCESS"), ("b", "SUCCESS")]
    # the same files (the runs where Dagster's default keeps them), readable by Dagster's own storages
    assert (ours / "history" / "runs.db").is_file()
    (ours / "dagster.yaml").write_text(_consolidated(ours))
    with dg.DagsterInstance.from_config(str(ours)) as instance:
        assert type(instance.run_storage) is not KeptConnectionSqliteRunStorage
        assert (_events(instance), _runs(instance)) == (found[0][2], found[0][3])


@pytest.mark.parametrize("storage_of", [lambda i: (i.event_log_storage, i.event_log_storage.index_connection),
                                        lambda i: (i.run_storage, i.run_storage.connect)], ids=["event_log", "runs"])
def test_one_connection_for_many_events_with_synchronous_normal(tmp_path, storage_of):
    home = _home(tmp_path, "home")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        storage, connect = storage_of(instance)
        engine = kept_engine(storage._conn_string)
        connects, uses = [], []
        event.listen(engine, "connect", lambda *a: connects.append(1))
        event.listen(engine, "checkout", lambda *a: uses.append(1))
        _materialize(instance)
        opened = len(connects)
        assert opened <= 3  # a connection per thread, or per connection opened inside another
        for _ in range(3):
            _materialize(instance)  # nine runs, about 150 events and 30 status changes
        assert len(uses) > 20, "every read and write goes through the kept engine"
        assert len(connects) == opened, "the connections are kept: none is opened for the later events or runs"
        with connect() as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_many_threads_at_once_never_wait_for_a_connection(tmp_path):
    """The UI's server answers requests on many threads: more connections at once than the pool
    keeps are opened, not waited for (a bounded pool would block the sixteenth for its 30 s timeout)."""
    import threading

    home = _home(tmp_path, "home")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        engine = kept_engine(instance.run_storage._conn_string)
        engine.pool._timeout = 2  # a wait would fail fast
        held, failures, ready = [], [], threading.Barrier(24)

        def hold():
            try:
                with instance.run_storage.connect() as conn:
                    held.append(conn.exec_driver_sql("SELECT count(*) FROM runs").scalar())
                    ready.wait(timeout=20)
            except Exception as exc:  # noqa: BLE001 - any failure is the test's finding
                failures.append(repr(exc))

        threads = [threading.Thread(target=hold) for _ in range(24)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not failures and held == [0] * 24


def _child(home: str, parent_engine_id: int, out) -> None:
    with dg.DagsterInstance.from_config(home) as instance:
        assert dg.materialize([letters], instance=instance, partition_key="b").success
        engine = kept_engine(instance.event_log_storage._conn_string)
        runs = kept_engine(instance.run_storage._conn_string)
        out.put((id(engine) != parent_engine_id and runs is not engine,
                 any(id(e) == parent_engine_id for e in instance_storage._INHERITED)))


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="fork is a Unix start method")
def test_a_forked_child_opens_its_own_connection_and_both_write(tmp_path):
    home = _home(tmp_path, "home")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert dg.materialize([letters], instance=instance, partition_key="a").success
        parent = kept_engine(instance.event_log_storage._conn_string)
        ctx = multiprocessing.get_context("fork")
        out = ctx.Queue()
        child = ctx.Process(target=_child, args=(str(home), id(parent), out))
        child.start()
        own, parent_kept_unused = out.get(timeout=120)
        child.join(120)
        assert child.exitcode == 0 and own and parent_kept_unused
        assert dg.materialize([one], instance=instance).success  # the parent's connection still works
        assert kept_engine(instance.event_log_storage._conn_string) is parent
        assert _events(instance) == [("letters", "a", dg.TextMetadataValue("a")), ("letters", "b", dg.TextMetadataValue("b")),
                                     ("one", None, None)]
