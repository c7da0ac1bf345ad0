"""The deploy/ profile on a loopback cluster: Debian's PostgreSQL holds the Dagster instance
(deploy/dagster.yaml as it ships), Redis is the celery broker and result backend, and two celery
workers (separate processes) run the steps of the tiny world's foundation (reference tables, then
ingest -> geo -> corpus for three years) into a warehouse named by a ``file://`` URL (the fsspec
code path object storage takes). The warehouse tables must equal those of an in-process run of the
same world into a local folder, and the event log must show steps taken by both workers.

Before it, the object-storage publishing of a multi-table group (pointer object, no symlinks) on
fsspec's ``memory://`` filesystem, with the same multi-asset the local layout is tested with.

Skips only where the Debian binaries are missing and we are not root (CI is root: bootstrap installs
``postgresql`` and ``redis-server``, so there it runs)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from aigeo_assets.code_location import build_definitions
from aigeo_assets.resources.io import ParquetIOManager, PickleIOManager, table_path
from aigeo_assets.resources.settings import Settings
from aigeo_assets.resources.warehouse_files import (
    POINTER,
    Link,
    current_object_version,
    group_dir,
    new_version_name,
    publish_objects,
    sweep_object_group,
    warehouse_root,
    write_object_atomic,
)
from aigeo_assets.resources.settings import REPO_ROOT
from aigeo_assets_tests.support.io_group_fixtures import TABLES, generations_seen, joined, joined_while_publishing, write_generation, year_tables

FIRST, LAST = 2012, 2013  # the years run: two keep the test short (each worker's first step pays for the imports)
FOUNDATION = ["raw_works", "raw_references", "raw_quarantine", "core_affiliations", "core_papers", "core_citations"]
REFERENCE = ["raw_institutions", "core_institutions"]
WORLD_ENV = {
    "AIGEO_SOURCE": "sample",
    "AIGEO_SAMPLE_SCALE": "tiny",
    "AIGEO_SAMPLE_SEED": "7",
    "AIGEO_START_YEAR": str(FIRST),
    "AIGEO_END_YEAR": "2018",  # the tiny world's years (the default analysis windows must overlap them)
}


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


def _servers_available() -> bool:
    return _postgres_bin() is not None and shutil.which("redis-server") is not None


needs_servers = pytest.mark.skipif(
    not _servers_available() and os.geteuid() != 0,
    reason="Debian's postgresql and redis-server are not installed (scripts/bootstrap.sh installs them as root)",
)
# the celery executor registers its task on the orchestrator's app once per run
pytestmark = [pytest.mark.cluster, pytest.mark.filterwarnings("ignore:Task name 'execute_plan' is already registered")]


def _memory_warehouse(name: str) -> str:
    from fsspec.implementations.memory import MemoryFileSystem

    MemoryFileSystem().rm(f"/{name}", recursive=True) if MemoryFileSystem().exists(f"/{name}") else None
    return f"memory://{name}/warehouse"


def test_object_storage_publishes_a_group_through_its_pointer_and_carries_unselected_tables():
    base = _memory_warehouse("publish")
    assert write_generation(base, 1).success
    group = group_dir(warehouse_root(base), "year_tables", "2015")
    first = current_object_version(group)
    assert first is not None and sorted(p.name for p in first.iterdir()) == [
        "authorships.parquet", "model.pkl", "references.parquet", "works.parquet"
    ]
    assert generations_seen(base) == {"works": 1, "authorships": 1, "references": 1, "model": 1}

    assert write_generation(base, 2, selection=["works"]).success
    second = current_object_version(group)
    assert second.name != first.name and (group / POINTER).read_text() == second.name
    assert sorted(p.name for p in second.iterdir()) == ["authorships.parquet", "model.pkl", "references.parquet", "works.parquet"]
    assert generations_seen(base) == {"works": 2, "authorships": 1, "references": 1, "model": 1}
    loaded = dg.materialize(
        [year_tables, joined], selection=[joined], partition_key="2015",
        resources={"io_manager": ParquetIOManager(base_dir=base), "model_io_manager": PickleIOManager(base_dir=base)},
    )
    assert dict(loaded.output_for_node("joined").itertuples(index=False)) == {"works": 2, "authorships": 1, "references": 1}


def test_object_storage_a_step_failing_between_outputs_publishes_nothing():
    base = _memory_warehouse("failing")
    assert write_generation(base, 1).success
    group = group_dir(warehouse_root(base), "year_tables", "2015")
    before = current_object_version(group).name
    assert not write_generation(base, 2, raise_after=2).success
    assert current_object_version(group).name == before
    assert generations_seen(base) == {"works": 1, "authorships": 1, "references": 1, "model": 1}


def test_object_storage_a_step_loads_one_version_even_if_a_run_publishes_between_its_inputs():
    base = _memory_warehouse("midload")
    assert write_generation(base, 1).success
    group = group_dir(warehouse_root(base), "year_tables", "2015")

    def publish_generation_2():
        version = group / new_version_name("concurrent")
        for t in TABLES:
            write_object_atomic(version / f"{t}.parquet", lambda fh: pd.DataFrame({"generation": [2]}).to_parquet(fh))
        links = [Link(table_path(base, t, "2015"), f"{t}.parquet") for t in TABLES]
        links.append(Link(table_path(base, "model", "2015", ".pkl"), "model.pkl"))
        return publish_objects(group, version, links)

    result = joined_while_publishing(base, publish_generation_2)
    assert dict(result.output_for_node("joined").itertuples(index=False)) == {"works": 1, "authorships": 1, "references": 1}
    assert generations_seen(base) == {"works": 2, "authorships": 2, "references": 2, "model": 1}, "the concurrent publish happened"


def test_object_storage_sweeps_old_versions_by_age_keeping_the_current_and_previous():
    base = _memory_warehouse("sweep")
    group = group_dir(warehouse_root(base), "year_tables", "2015")
    names = ["20200101T000000.000000Z-aaaaaaaa", "20200102T000000.000000Z-bbbbbbbb", "20200103T000000.000000Z-cccccccc"]
    for name in names:
        write_object_atomic(group / name / "works.parquet", lambda fh: fh.write(b"x"))
    write_object_atomic(group / new_version_name("fresh") / "works.parquet", lambda fh: fh.write(b"x"))
    removed = sweep_object_group(group, keep={names[1], names[2]})
    assert removed == [names[0]]
    assert len([p for p in group.iterdir() if p.name != POINTER]) == 3, "the young (maybe still being written) version stays"


def test_a_file_url_write_leaves_no_temporary_and_replaces_whole(tmp_path):
    target = warehouse_root(f"file://{tmp_path}/w") / "t" / "2015.parquet"
    write_object_atomic(target, lambda fh: pd.DataFrame({"a": [1]}).to_parquet(fh))
    write_object_atomic(target, lambda fh: pd.DataFrame({"a": [2]}).to_parquet(fh))
    assert pd.read_parquet(tmp_path / "w" / "t" / "2015.parquet")["a"].tolist() == [2]
    assert [p.name for p in (tmp_path / "w" / "t").iterdir()] == ["2015.parquet"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, proc: subprocess.Popen, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{what} did not listen on 127.0.0.1:{port} within {timeout:.0f} s")


def _stop(proc: subprocess.Popen, timeout: float = 20.0) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def postgres(tmp_path_factory):
    """A throwaway PostgreSQL cluster on a free loopback port (trust auth, user ``postgres``). Root may
    not run postgres: then the cluster's folder belongs to the ``postgres`` account (``nobody`` where
    Debian's package made none) and the server runs as that account."""
    bindir = _postgres_bin()
    assert bindir is not None, "postgresql is not installed: run scripts/bootstrap.sh as root"
    root = tmp_path_factory.mktemp("pg")
    data, sockets = root / "data", root / "sock"
    run_as: list[str] = []
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            account = pwd.getpwnam("nobody")
        for p in (root, sockets):
            p.mkdir(exist_ok=True)
            os.chown(p, account.pw_uid, account.pw_gid)
        root.chmod(0o755)
        for parent in root.parents:  # the account must reach the folder
            if parent == Path(parent.anchor):
                break
            parent.chmod(parent.stat().st_mode | 0o011)
        run_as = ["runuser", "-u", account.pw_name, "--"]
    else:
        sockets.mkdir()
    subprocess.run(
        [*run_as, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"],
        check=True, capture_output=True,
    )
    port = _free_port()
    server = subprocess.Popen(
        [*run_as, str(bindir / "postgres"), "-D", str(data), "-p", str(port), "-h", "127.0.0.1", "-k", str(sockets),
         "-c", "fsync=off", "-c", "max_connections=200"],
        stdout=subprocess.DEVNULL, stderr=open(root / "server.log", "wb"), start_new_session=True,
    )
    try:
        _wait_for_port(port, server, "postgres")
        for _ in range(50):
            created = subprocess.run(
                [str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "aigeo"], capture_output=True
            )
            if created.returncode == 0:
                break
            time.sleep(0.2)
        else:
            raise RuntimeError(f"createdb failed: {created.stderr.decode()}")
        yield port
    finally:
        _stop(server)


@pytest.fixture(scope="module")
def redis(tmp_path_factory):
    """Redis on a free loopback port, nothing persisted."""
    assert shutil.which("redis-server"), "redis-server is not installed: run scripts/bootstrap.sh as root"
    root = tmp_path_factory.mktemp("redis")
    port = _free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(root)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        _wait_for_port(port, server, "redis-server")
        yield port
    finally:
        _stop(server)


@pytest.fixture(scope="module")
def cluster_env(tmp_path_factory, postgres, redis, tiny_world):
    """What every process of the cluster sees: the settings, the instance's database, the broker."""
    home = tmp_path_factory.mktemp("dagster_home")
    shutil.copy(REPO_ROOT / "deploy" / "dagster.yaml", home / "dagster.yaml")
    data_dir = tmp_path_factory.mktemp("cluster_data")
    tiny_world(data_dir, int(WORLD_ENV["AIGEO_SAMPLE_SEED"]))  # the session's world (conftest), not made again here
    env = {
        "CLUSTER_WAREHOUSE_URL": f"file://{data_dir}/objects/warehouse",
        **WORLD_ENV,
        "AIGEO_DATA_DIR": str(data_dir),
        "DAGSTER_HOME": str(home),
        "DAGSTER_PG_HOST": "127.0.0.1",
        "DAGSTER_PG_PORT": str(postgres),
        "DAGSTER_PG_USER": "postgres",
        "DAGSTER_PG_PASSWORD": "",
        "DAGSTER_PG_DB": "aigeo",
        "DAGSTER_COMPUTE_LOG_DIR": str(home / "compute_logs"),
        "DAGSTER_CELERY_BROKER_URL": f"redis://127.0.0.1:{redis}/0",
        "DAGSTER_CELERY_BACKEND_URL": f"redis://127.0.0.1:{redis}/1",
    }
    return env


@pytest.fixture(scope="module")
def workers(cluster_env, tmp_path_factory):
    """Two celery workers, each its own process (pool ``solo``: one step at a time), on the ``dagster``
    queue, with the broker settings in a ``dagster_celery_config`` module as ``dagster-celery worker
    start`` would write it."""
    config_dir = tmp_path_factory.mktemp("celery_config")
    (config_dir / "dagster_celery_config.py").write_text(
        f"broker_url = {cluster_env['DAGSTER_CELERY_BROKER_URL']!r}\n"
        f"result_backend = {cluster_env['DAGSTER_CELERY_BACKEND_URL']!r}\n"
    )
    env = {**os.environ, **cluster_env, "PYTHONPATH": os.pathsep.join([str(config_dir), str(REPO_ROOT)])}
    logs = tmp_path_factory.mktemp("celery_logs")
    procs = []
    try:
        for name in ("w1", "w2"):
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "celery", "-A", "dagster_celery.app", "worker", "-n", f"{name}@%h",
                     "-Q", "dagster", "--pool", "solo", "--prefetch-multiplier", "1", "--without-gossip",
                     "--without-mingle", "--without-heartbeat", "--loglevel", "INFO"],
                    cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(logs / f"{name}.log", "wb"),
                    start_new_session=True,
                )
            )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            for proc in procs:
                if proc.poll() is not None:
                    raise RuntimeError(f"a celery worker exited with {proc.returncode}")
            if all("ready" in (logs / f"{n}.log").read_text(errors="replace") for n in ("w1", "w2")):
                break
            time.sleep(0.5)
        else:
            raise TimeoutError("the celery workers did not report ready within 120 s")
        yield procs
    finally:
        for proc in procs:
            _stop(proc)


@pytest.fixture(scope="module")
def cluster_run(cluster_env, workers, monkeypatch_module):
    """The foundation of every year through the celery executor, on the PostgreSQL instance."""
    for name, value in cluster_env.items():
        monkeypatch_module.setenv(name, value)
    from dagster._core.definitions.reconstruct import ReconstructableRepository

    repo = ReconstructableRepository.for_module("aigeo_assets_tests.support.cluster_location", "defs", working_directory=str(REPO_ROOT))
    instance = dg.DagsterInstance.get()
    run_ids = []
    with instance:
        yearly = [(job, str(y)) for y in range(FIRST, LAST + 1) for job in ("yearly_refresh", "yearly_corpus")]
        for job, partition in [("reference_tables", None), *yearly]:
            tags = {"dagster/partition": partition} if partition else {}
            result = dg.execute_job(repo.get_reconstructable_job(job), instance=instance, tags=tags)
            assert result.success, f"{job} {partition or ''} failed on the cluster"
            run_ids.append(result.run_id)
        hosts = _celery_hosts(instance, run_ids)
        storage = type(instance.run_storage).__name__
    return Path(cluster_env["AIGEO_DATA_DIR"]), hosts, storage


def _celery_hosts(instance: dg.DagsterInstance, run_ids: list[str]) -> dict[str, str]:
    """Step key -> the celery worker that ran it, from the engine events the workers logged."""
    hosts = {}
    for run_id in run_ids:
        for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT):
            event = record.dagster_event
            meta = event.engine_event_data.metadata if event and event.engine_event_data else {}
            if "Celery worker" in meta:
                hosts[f"{run_id[:8]}:{event.step_key}"] = str(meta["Celery worker"].value)
    return hosts


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


@pytest.fixture(scope="module")
def in_process_run(tmp_path_factory, tiny_world):
    """The same world and jobs, in this process, on an ephemeral instance: the oracle."""
    data_dir = tmp_path_factory.mktemp("in_process_data")
    tiny_world(data_dir, int(WORLD_ENV["AIGEO_SAMPLE_SEED"]))
    settings = Settings.from_env({**WORLD_ENV, "AIGEO_DATA_DIR": str(data_dir)})
    defs = build_definitions(settings)
    instance = dg.DagsterInstance.ephemeral()
    assert defs.resolve_job_def("reference_tables").execute_in_process(instance=instance).success
    for year in range(FIRST, LAST + 1):
        for job in ("yearly_refresh", "yearly_corpus"):  # the year's OpenAlex tables, then its papers and citations
            assert defs.resolve_job_def(job).execute_in_process(instance=instance, partition_key=str(year)).success
    return data_dir


def _table(data_dir: Path, asset: str, warehouse: str = "warehouse") -> pd.DataFrame:
    """Every partition of a warehouse table (or the single file), sorted on all its columns."""
    base = data_dir / warehouse / asset
    files = [base.with_suffix(".parquet")] if base.with_suffix(".parquet").exists() else sorted(base.glob("*.parquet"))
    assert files, f"{asset} has no table under {base}"
    frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    prefix = str(data_dir)
    for column in frame.columns:  # quarantine rows name the source file: the data folders differ
        if pd.api.types.is_string_dtype(frame[column]) or frame[column].dtype == object:
            frame[column] = frame[column].map(lambda v: v.replace(prefix, "<data>") if isinstance(v, str) else v)
    columns = list(frame.columns)
    key = frame.astype(str)
    return frame.loc[key.sort_values(columns).index].reset_index(drop=True)


@needs_servers
def test_the_cluster_ran_on_postgres_and_on_both_workers(cluster_run):
    _, hosts, storage = cluster_run
    assert storage == "PostgresRunStorage"
    assert hosts, "no step reported a celery worker"
    workers = {h.split("@", 1)[0] for h in hosts.values()}
    assert workers == {"w1", "w2"}, hosts


@needs_servers
@pytest.mark.parametrize("asset", [*REFERENCE, *FOUNDATION])
def test_the_cluster_warehouse_equals_the_in_process_one(cluster_run, in_process_run, asset):
    data_dir, *_ = cluster_run
    assert not (data_dir / "warehouse" / asset).exists(), "the cluster wrote through the URL, not the local folder"
    pd.testing.assert_frame_equal(_table(data_dir, asset, "objects/warehouse"), _table(in_process_run, asset))


def test_executors_are_chosen_by_name_and_an_unknown_name_is_refused():
    from aigeo_assets.resources.executors import EXECUTORS, build_executor, with_executor

    assert build_executor("in_process") is dg.in_process_executor
    assert build_executor("multiprocess") is dg.multiprocess_executor
    celery = build_executor("celery")
    assert celery.name == "celery" and celery.config_schema is not None
    with pytest.raises(ValueError, match="one of in_process, multiprocess, celery"):
        build_executor("k8s")
    assert set(EXECUTORS) == {"in_process", "multiprocess", "celery"}

    @dg.asset
    def one() -> int:
        return 1

    defs = with_executor(dg.Definitions(assets=[one]), "in_process")
    job = defs.resolve_implicit_global_asset_job_def()
    assert job.executor_def is dg.in_process_executor
