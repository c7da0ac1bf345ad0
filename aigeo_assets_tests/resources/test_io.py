"""The parquet IO manager's atomic writes and partition loading; the tables of a multi-asset
partition published together (a kill between outputs, concurrent readers, an old-layout
warehouse); leftovers of killed writers cleaned; the missing-institution quarantine."""

import functools
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import dagster as dg
import pandas as pd
import pyarrow as pa
import pytest

import aigeo_assets.resources.io as io_module
from aigeo_assets.geo.geocode import unknown_institutions
from aigeo_assets.resources.io import (
    ParquetIOManager,
    PickleIOManager,
    concat_partitions,
    current_table_paths,
    table_path,
    write_parquet_atomic,
)
from aigeo_assets.resources.warehouse_files import (
    STALE_AFTER_SECONDS,
    VERSIONS_DIR,
    Link,
    group_dir,
    process_start_time,
    publish,
    resolve_tables,
    sweep,
    writer_gone,
)
from aigeo_assets.schemas import SCHEMAS, SchemaError, conform
from aigeo_assets.resources.settings import REPO_ROOT
from aigeo_assets_tests.support.io_group_fixtures import TABLES, YEARS, generations_seen, joined, joined_while_publishing, write_generation, year_tables


def test_interrupted_write_keeps_the_previous_partition(tmp_path, monkeypatch):
    path = tmp_path / "core_papers" / "2015.parquet"
    write_parquet_atomic(pd.DataFrame({"a": [1, 2]}), path)

    def broken(self, target, **kwargs):
        with open(target, "wb") as fh:
            fh.write(b"PAR1 half a file")
        raise KeyboardInterrupt("killed mid-write")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", broken)
    with pytest.raises(KeyboardInterrupt):
        write_parquet_atomic(pd.DataFrame({"a": [3]}), path)
    monkeypatch.undo()
    assert pd.read_parquet(path)["a"].tolist() == [1, 2]
    assert [p.name for p in path.parent.iterdir()] == ["2015.parquet"], "no temporary file left behind"


def test_io_manager_round_trips_partitions_and_names_what_is_missing(tmp_path):
    years = dg.TimeWindowPartitionsDefinition(start="2014", end="2017", cron_schedule="0 0 1 1 *", fmt="%Y")

    @dg.asset(partitions_def=years)
    def numbers(context: dg.AssetExecutionContext) -> pd.DataFrame:
        return pd.DataFrame({"year": [int(context.partition_key)]})

    @dg.asset
    def total(numbers) -> pd.DataFrame:
        assert isinstance(numbers, dict) and sorted(numbers) == ["2014", "2015", "2016"]
        return concat_partitions(numbers)

    io = ParquetIOManager(base_dir=str(tmp_path))
    instance = dg.DagsterInstance.ephemeral()
    for y in ("2014", "2015"):
        dg.materialize([numbers], partition_key=y, resources={"io_manager": io}, instance=instance)
    with pytest.raises(Exception, match="numbers partition 2016 has not been materialized"):
        dg.materialize([numbers, total], selection=[total], resources={"io_manager": io}, instance=instance)
    dg.materialize([numbers], partition_key="2016", resources={"io_manager": io}, instance=instance)
    result = dg.materialize([numbers, total], selection=[total], resources={"io_manager": io}, instance=instance)
    assert result.output_for_node("total")["year"].tolist() == [2014, 2015, 2016]
    assert (tmp_path / "total.parquet").exists() and (tmp_path / "numbers" / "2015.parquet").exists()


def test_schema_errors_name_the_table_and_column():
    with pytest.raises(SchemaError, match="quarantine: missing column"):
        conform(pd.DataFrame({"file": ["x"]}), "quarantine")
    bad = pd.DataFrame({"file": ["f"], "line": ["seven"], "reason": ["r"], "detail": ["d"]})
    with pytest.raises(SchemaError, match=r"quarantine\.line"):
        conform(bad, "quarantine")



def test_tables_are_written_as_pandas_writes_them_with_statistics_for_numbers_only(tmp_path):
    """``write_parquet`` (every warehouse table, the PubMed parse cache): read back, the table
    ``DataFrame.to_parquet`` gives (values, dtypes, ``attrs``); the footer holds min/max statistics
    for the numeric, boolean and date columns, none for the strings."""
    import pyarrow.parquet as pq

    from aigeo_assets.schemas import write_parquet

    n = 3_000
    df = conform(pd.DataFrame({
        "work_id": [f"W{i}" for i in range(n)], "publication_year": [2000 + i // 1_000 for i in range(n)],
        "is_ai": [i % 3 == 0 for i in range(n)], "doc_type": ["journal", "conference", "other"] * (n // 3),
        "doc_type_rule": "venue_type", "in_corpus": True, "venue_id": None, "n_authors": 2, "city_geonames_id": None,
        "city_name": None, "city_latitude": 1.5, "city_longitude": None, "city_country_code": "US", "bloc": "West",
        "lead_country_code": "US", "lead_world_region": "Northern America", "lead_rule": "last_author",
    }), "core_papers")
    df.attrs["year"] = 2001
    ours, theirs = tmp_path / "ours.parquet", tmp_path / "theirs.parquet"
    write_parquet(df, ours)
    df.to_parquet(theirs, index=False)
    back = pd.read_parquet(ours)
    pd.testing.assert_frame_equal(back, pd.read_parquet(theirs))
    assert back.attrs == {"year": 2001}
    footer = pq.read_metadata(ours).row_group(0)
    with_stats = {footer.column(i).path_in_schema for i in range(footer.num_columns) if footer.column(i).statistics is not None}
    assert with_stats == {"publication_year", "is_ai", "in_corpus", "n_authors", "city_geonames_id", "city_latitude", "city_longitude"}

def test_csv_copies_read_back_as_pandas_copies_do(tmp_path):
    """``write_csv`` (Arrow's writer): read back, the table pandas' own CSV gives, every float to the
    last bit and a column of whole floats still floats (as on the real records' shares); booleans
    written ``True``/``False``, a null empty, strings that need it escaped."""
    import numpy as np

    from aigeo_assets.resources.io import write_csv

    rng = np.random.default_rng(2)
    x = np.concatenate([rng.normal(size=500) * 10.0 ** rng.integers(-30, 30, 500), [1.0, 100.0, 1e-5, 1 / 3, np.nan]])
    df = pd.DataFrame({
        "x": x, "n": pd.array(range(len(x)), dtype="Int64"), "whole": np.arange(len(x), dtype=float) - 3,
        "flag": pd.array([True, False, None, True, False] * 101, dtype="boolean"),
        "name": pd.array(["a,b", 'he said "hi"', "é", None, "line\nbreak"] * 101, dtype="string"),
    })
    ours, theirs = tmp_path / "ours.csv", tmp_path / "theirs.csv"
    write_csv(df, ours)
    df.to_csv(theirs, index=False)
    back = pd.read_csv(ours, float_precision="round_trip")
    pd.testing.assert_frame_equal(back, pd.read_csv(theirs, float_precision="round_trip"))
    np.testing.assert_array_equal(back["x"].to_numpy(), x)
    assert ours.read_text(encoding="utf-8").splitlines()[1].endswith(',"True","a,b"')
    # a table put together from pieces, one of them empty, as the models' coefficient tables are: its
    # columns come in chunks that do not line up, which made Arrow's writer repeat a row
    pieces = pd.concat([df.iloc[:2], df.iloc[2:3], df.iloc[3:3], df.iloc[3:6]], ignore_index=True)
    write_csv(pieces, ours)
    pd.testing.assert_frame_equal(pd.read_csv(ours, float_precision="round_trip"), back.iloc[:6])
    auth = conform(
        pd.DataFrame(
            {
                "work_id": ["W1", "W1", "W2"],
                "author_seq": [0, 1, 0],
                "institution_id": ["I1", "I404", None],
            }
        ).reindex(columns=SCHEMAS["raw_authorships"].names),
        "raw_authorships",
    )
    inst = conform(pd.DataFrame({"institution_id": ["I1"]}).reindex(columns=SCHEMAS["core_institutions"].names), "core_institutions")
    q = unknown_institutions(auth, inst, "raw_authorships[2015]")
    assert q[["file", "line", "reason"]].values.tolist() == [["raw_authorships[2015]", 2, "institution_missing"]]
    assert "I404" in q.loc[0, "detail"]


def _resources(base: Path) -> dict:
    return {"io_manager": ParquetIOManager(base_dir=str(base)), "model_io_manager": PickleIOManager(base_dir=str(base))}


def _generations_loaded(base: Path) -> dict[str, int]:
    """Each table's generation as a downstream asset loads it through the IO manager."""
    result = dg.materialize([year_tables, joined], selection=[joined], partition_key="2015", resources=_resources(base))
    return dict(result.output_for_node("joined").itertuples(index=False))


def test_a_process_killed_between_outputs_leaves_every_table_of_the_partition_as_it_was(tmp_path):
    assert write_generation(tmp_path, 1).success
    script = f"from aigeo_assets_tests.support.io_group_fixtures import write_generation; write_generation({str(tmp_path)!r}, 2, die_after=2)"
    killed = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert killed.returncode == 9, killed.stderr[-2000:]
    staging = list((group_dir(tmp_path, "year_tables", "2015")).glob(".staging-*"))
    assert len(staging) == 1 and len(list(staging[0].glob("*.p*"))) == 2, "two tables of generation 2 were staged before the kill"

    assert generations_seen(tmp_path) == {"works": 1, "authorships": 1, "references": 1, "model": 1}
    assert _generations_loaded(tmp_path) == {"works": 1, "authorships": 1, "references": 1}

    assert not write_generation(tmp_path, 3, raise_after=3).success
    assert generations_seen(tmp_path) == {"works": 1, "authorships": 1, "references": 1, "model": 1}

    assert write_generation(tmp_path, 4).success
    assert generations_seen(tmp_path) == {"works": 4, "authorships": 4, "references": 4, "model": 4}
    assert not staging[0].exists(), "the killed writer's staging folder is swept"


def test_a_subset_run_carries_the_other_tables_of_the_partition_over(tmp_path):
    assert write_generation(tmp_path, 1).success
    assert write_generation(tmp_path, 2, selection=["works"]).success
    assert generations_seen(tmp_path) == {"works": 2, "authorships": 1, "references": 1, "model": 1}
    assert table_path(tmp_path, "works", "2015").is_symlink(), "a one-table subset still publishes through the group"
    current = os.readlink(group_dir(tmp_path, "year_tables", "2015") / "current")
    assert sorted(p.name for p in (group_dir(tmp_path, "year_tables", "2015") / current).iterdir()) == [
        "authorships.parquet", "model.pkl", "references.parquet", "works.parquet"
    ]


def test_readers_never_see_a_mix_while_runs_publish(tmp_path):
    assert write_generation(tmp_path, 0).success
    stop = threading.Event()
    mixes, seen, errors = [], set(), []

    def read_in_a_loop():
        while not stop.is_set():
            try:
                paths = current_table_paths(tmp_path, list(TABLES), "2015")
                generations = {t: int(pd.read_parquet(p)["generation"].iloc[0]) for t, p in paths.items()}
            except Exception as exc:  # noqa: BLE001 - any failure to read is a finding
                errors.append(repr(exc))
                continue
            seen.update(generations.values())
            if len(set(generations.values())) > 1:
                mixes.append(generations)

    reader = threading.Thread(target=read_in_a_loop)
    reader.start()
    instance = dg.DagsterInstance.ephemeral()
    try:
        for generation in range(1, 9):
            assert write_generation(tmp_path, generation, instance=instance).success
    finally:
        stop.set()
        reader.join()
    assert not errors and not mixes
    assert len(seen) >= 3, f"the reader ran during the writes (saw generations {sorted(seen)})"


def test_a_step_loads_one_version_of_a_group_even_if_a_run_publishes_between_its_inputs(tmp_path):
    assert write_generation(tmp_path, 1).success
    group = group_dir(tmp_path, "year_tables", "2015")

    def publish_generation_2():
        staging = group / ".staging-concurrent"
        for t in TABLES:
            write_parquet_atomic(pd.DataFrame({"generation": [2]}), staging / f"{t}.parquet")
        links = [Link(table_path(tmp_path, t, "2015"), f"{t}.parquet") for t in TABLES]
        links.append(Link(table_path(tmp_path, "model", "2015", ".pkl"), "model.pkl"))
        return publish(group, staging, links, "concurrent")

    result = joined_while_publishing(tmp_path, publish_generation_2)
    assert dict(result.output_for_node("joined").itertuples(index=False)) == {"works": 1, "authorships": 1, "references": 1}
    assert generations_seen(tmp_path) == {"works": 2, "authorships": 2, "references": 2, "model": 1}, "the concurrent publish happened"


def test_an_old_layout_warehouse_loads_and_is_migrated_by_the_first_write(tmp_path):
    for t in TABLES:
        write_parquet_atomic(pd.DataFrame({"generation": [0]}), tmp_path / t / "2015.parquet")
    assert _generations_loaded(tmp_path) == {"works": 0, "authorships": 0, "references": 0}

    assert not write_generation(tmp_path, 1, raise_after=2).success
    assert _generations_loaded(tmp_path) == {"works": 0, "authorships": 0, "references": 0}

    assert write_generation(tmp_path, 2, selection=["works", "model"]).success
    assert _generations_loaded(tmp_path) == {"works": 2, "authorships": 0, "references": 0}
    assert all(table_path(tmp_path, t, "2015").is_symlink() for t in TABLES)

    assert write_generation(tmp_path, 3).success
    assert _generations_loaded(tmp_path) == {"works": 3, "authorships": 3, "references": 3}


class _SwapAfterFirst(dict):
    """Table paths whose iteration publishes a new version of the group after the first one."""

    def __init__(self, paths, swap):
        super().__init__(paths)
        self.swap = swap

    def items(self):
        for i, item in enumerate(super().items()):
            if i == 1:
                self.swap()
            yield item


def test_tables_resolved_together_come_from_one_version_even_if_a_swap_happens_meanwhile(tmp_path):
    assert write_generation(tmp_path, 1).success
    paths = _SwapAfterFirst({t: table_path(tmp_path, t, "2015") for t in TABLES}, lambda: write_generation(tmp_path, 2))
    resolved = resolve_tables(paths)
    assert {t: int(pd.read_parquet(p)["generation"].iloc[0]) for t, p in resolved.items()} == {t: 1 for t in TABLES}
    assert generations_seen(tmp_path)["works"] == 2, "the swap happened while resolving"


def test_superseded_versions_are_kept_for_readers_then_removed(tmp_path):
    group = group_dir(tmp_path, "year_tables", "2015")
    for generation in (1, 2):
        assert write_generation(tmp_path, generation).success
    assert len([p for p in group.iterdir() if p.name[0].isdigit()]) == 2, "the superseded version is kept a while"
    report = sweep(tmp_path, keep_superseded=0.0, now=time.time() + 1)
    assert len(report.superseded) == 1
    assert [p.name for p in group.iterdir() if p.name[0].isdigit()] == [os.readlink(group / "current")]
    assert generations_seen(tmp_path)["works"] == 2


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_leftovers_of_dead_writers_are_swept_and_a_live_writers_are_kept(tmp_path):
    assert write_generation(tmp_path, 1).success
    group = group_dir(tmp_path, "year_tables", "2015")
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        time.sleep(0.2)
        dead = _dead_pid()
        (tmp_path / "works").mkdir(exist_ok=True)
        dead_tmp = tmp_path / "works" / f".2016.parquet.{dead}.tmp"
        live_tmp = tmp_path / "works" / f".2016.parquet.{live.pid}.tmp"
        reused_tmp = tmp_path / f".single.parquet.{live.pid}.tmp"
        dead_staging = group / f".staging-{dead}-run-0"
        live_staging = group / f".staging-{live.pid}-run-0"
        for p in (dead_tmp, live_tmp, reused_tmp):
            p.write_bytes(b"x" * 1000)
        for d in (dead_staging, live_staging):
            (d / "works.parquet").parent.mkdir(parents=True)
            (d / "works.parquet").write_bytes(b"x")
        an_hour_before_the_live_process = time.time() - 3600
        os.utime(reused_tmp, (an_hour_before_the_live_process,) * 2)
        cache_tmp = tmp_path / "_year_split" / f".abc-123-deadbeef.{dead}.tmp"  # a split being built
        (cache_tmp / "2015.jsonl.gz").parent.mkdir(parents=True)
        (cache_tmp / "2015.jsonl.gz").write_bytes(b"x")
        live_cache_tmp = tmp_path / "_pubmed_parsed" / f".pubmed19n0001.{live.pid}.tmp"
        live_cache_tmp.mkdir(parents=True)
        inside_cache = tmp_path / "_year_split" / "abc-123" / f".deep.{dead}.tmp"
        inside_cache.parent.mkdir()
        inside_cache.write_bytes(b"x")

        io_module._last_sweep.clear()  # a process that has not swept this warehouse yet
        assert write_generation(tmp_path, 2).success  # the IO manager sweeps when the run starts

        assert not dead_tmp.exists() and not dead_staging.exists()
        assert not reused_tmp.exists(), "a pid reused by a process started after the file was written"
        assert live_tmp.exists() and live_staging.exists(), "a live writer's files are never touched"
        assert not cache_tmp.exists(), "a cache entry a killed writer was building"
        assert live_cache_tmp.exists() and inside_cache.exists(), "a live builder's, and a cache's own folders, are not touched"
        assert generations_seen(tmp_path) == {"works": 2, "authorships": 2, "references": 2, "model": 2}
    finally:
        live.kill()
        live.wait()
    report = sweep(tmp_path, keep_superseded=600.0)
    assert sorted(report.temp_files + report.staging) == sorted(
        [p.relative_to(tmp_path).as_posix() for p in (live_tmp, live_staging, live_cache_tmp)]
    )


def test_a_process_sweeps_a_warehouse_at_most_once_per_interval(tmp_path, monkeypatch):
    assert write_generation(tmp_path, 1).success  # this process's first run here sweeps
    dead_tmp = tmp_path / f".single.parquet.{_dead_pid()}.tmp"
    dead_tmp.write_bytes(b"x")
    assert write_generation(tmp_path, 2).success
    assert dead_tmp.exists(), "the next runs of the same process within the interval do not walk the warehouse again"
    later = time.monotonic() + io_module.SWEEP_EVERY_SECONDS
    monkeypatch.setattr(io_module.time, "monotonic", lambda: later)
    assert write_generation(tmp_path, 3).success
    assert not dead_tmp.exists()


def test_single_output_assets_keep_one_plain_file_per_partition(tmp_path):
    @dg.asset(partitions_def=YEARS)
    def single(context: dg.AssetExecutionContext) -> pd.DataFrame:
        return pd.DataFrame({"year": [int(context.partition_key)]})

    dg.materialize([single], partition_key="2015", resources={"io_manager": ParquetIOManager(base_dir=str(tmp_path))})
    path = tmp_path / "single" / "2015.parquet"
    assert path.is_file() and not path.is_symlink() and not (tmp_path / VERSIONS_DIR).exists()


def test_writer_gone_tells_dead_reused_and_live_pids_apart():
    now = time.time()
    assert writer_gone(_dead_pid(), now - 5, now)
    assert writer_gone(2**40, now - 5, now), "a pid no process can have"
    assert not writer_gone(os.getpid(), now - 10**6, now), "this process's own files are its to clean"
    assert not writer_gone(os.getppid(), now, now), "a live process that started before the file"
    assert writer_gone(os.getppid(), process_start_time(os.getppid()) - 60, now), "the pid was reused since"
    assert not writer_gone(0, now - 60, now) and writer_gone(0, now - 2 * STALE_AFTER_SECONDS, now)


def test_an_input_that_names_columns_reads_only_those(tmp_path):
    """``dg.AssetIn(metadata={"columns": [...]})``: the city metrics read six of core_citations' columns."""
    from aigeo_assets.resources.io import ParquetIOManager

    years = dg.StaticPartitionsDefinition(["2015", "2016"])

    @dg.asset(partitions_def=years)
    def wide(context) -> pd.DataFrame:
        return pd.DataFrame({"a": [1, 2], "b": ["x", "y"], "c": [0.5, 1.5], "year": [int(context.partition_key)] * 2})

    seen = {}

    @dg.asset(ins={"wide": dg.AssetIn(metadata={"columns": ["c", "a"]})})
    def narrow(wide) -> pd.DataFrame:
        seen.update({k: list(v.columns) for k, v in wide.items()})
        return pd.concat(wide.values(), ignore_index=True)

    io = {"io_manager": ParquetIOManager(base_dir=str(tmp_path))}
    for year in ("2015", "2016"):
        assert dg.materialize([wide], partition_key=year, resources=io).success
    assert dg.materialize([wide, narrow], selection=[narrow], resources=io).success
    assert seen == {"2015": ["c", "a"], "2016": ["c", "a"]}
    assert list(pd.read_parquet(tmp_path / "narrow.parquet").columns) == ["c", "a"]


def test_an_input_that_sets_rows_reads_only_the_rows_that_meet_it(tmp_path):
    """``dg.AssetIn(metadata={ROWS: [...]})``: the migration assets read the AI scientists' rows of
    core_author_years; a null never meets a condition; with ``columns`` and with several partitions
    (read on access too)."""
    from aigeo_assets.resources.io import LOAD_ON_ACCESS, ROWS, ParquetIOManager

    years = dg.StaticPartitionsDefinition(["2015", "2016"])

    @dg.asset(partitions_def=years)
    def people(context) -> pd.DataFrame:
        y = int(context.partition_key)
        return pd.DataFrame({"who": ["a", "b", "c", "d"], "year": [y] * 4,
                             "flag": pd.array([True, False, None, True], dtype="boolean")})

    seen = {}
    rows = [("flag", "==", True)]

    @dg.asset(ins={"people": dg.AssetIn(metadata={ROWS: rows})})
    def flagged(people) -> pd.DataFrame:
        seen["all"] = {k: v["who"].tolist() for k, v in people.items()}
        return pd.concat(people.values(), ignore_index=True)

    @dg.asset(ins={"people": dg.AssetIn(partition_mapping=dg.SpecificPartitionsPartitionMapping(["2016"]),
                                        metadata={ROWS: [*rows, ("year", ">=", 2016)], "columns": ["who"]})})
    def flagged_2016(people) -> pd.DataFrame:
        seen["2016"] = list(people.columns), people["who"].tolist()
        return people

    @dg.asset(ins={"people": dg.AssetIn(metadata={ROWS: rows, LOAD_ON_ACCESS: True})})
    def flagged_lazily(people) -> pd.DataFrame:
        seen["lazy"] = {k: people[k]["who"].tolist() for k in people}
        return people["2015"]

    io = {"io_manager": ParquetIOManager(base_dir=str(tmp_path))}
    for year in ("2015", "2016"):
        assert dg.materialize([people], partition_key=year, resources=io).success
    assert dg.materialize([people, flagged, flagged_2016, flagged_lazily], selection=[flagged, flagged_2016, flagged_lazily], resources=io).success
    assert seen == {"all": {"2015": ["a", "d"], "2016": ["a", "d"]}, "2016": (["who"], ["a", "d"]),
                    "lazy": {"2015": ["a", "d"], "2016": ["a", "d"]}}


# ------------------------------------------------------------------ a run over a range of partitions

RANGE = {"dagster/asset_partition_range_start": "2014", "dagster/asset_partition_range_end": "2016"}


def _by_year(context: dg.AssetExecutionContext, what: str) -> dict[str, pd.DataFrame]:
    return {k: pd.DataFrame({"year": [int(k)] * (int(k) - 2012), "what": what}) for k in context.partition_keys}


def test_a_range_run_writes_one_file_per_partition_and_one_materialization_each(tmp_path):
    @dg.asset(partitions_def=YEARS, backfill_policy=dg.BackfillPolicy.single_run())
    def single(context: dg.AssetExecutionContext):
        return _by_year(context, "single")

    io = {"io_manager": ParquetIOManager(base_dir=str(tmp_path))}
    instance = dg.DagsterInstance.ephemeral()
    assert dg.materialize([single], tags=RANGE, resources=io, instance=instance).success
    for year in ("2014", "2015", "2016"):
        path = tmp_path / "single" / f"{year}.parquet"
        assert path.is_file() and not path.is_symlink()
        pd.testing.assert_frame_equal(pd.read_parquet(path), pd.DataFrame({"year": [int(year)] * (int(year) - 2012), "what": "single"}))
        assert instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=dg.AssetKey("single"), asset_partitions=[year]), limit=1).records
    assert not (tmp_path / "single" / "2017.parquet").exists()


def test_a_range_run_of_a_multi_asset_publishes_each_partitions_tables_together(tmp_path):
    @dg.multi_asset(outs={"left": dg.AssetOut(), "right": dg.AssetOut()}, partitions_def=YEARS, backfill_policy=dg.BackfillPolicy.single_run())
    def pair(context: dg.AssetExecutionContext):
        yield dg.Output(_by_year(context, "left"), output_name="left")
        yield dg.Output(_by_year(context, "right"), output_name="right")

    io = {"io_manager": ParquetIOManager(base_dir=str(tmp_path))}
    assert dg.materialize([pair], tags=RANGE, resources=io).success
    for year in ("2014", "2015", "2016"):
        tables = current_table_paths(tmp_path, ["left", "right"], year)
        assert tables["left"].parent == tables["right"].parent, "one version of the partition's group"
        assert pd.read_parquet(tables["right"])["what"].tolist() == ["right"] * (int(year) - 2012)
        assert table_path(tmp_path, "left", year).is_symlink()
        assert len([p for p in group_dir(tmp_path, "pair", year).iterdir() if p.name.startswith(".staging")]) == 0


def test_a_range_run_must_give_one_table_per_partition(tmp_path):
    @dg.asset(partitions_def=YEARS, backfill_policy=dg.BackfillPolicy.single_run())
    def short(context: dg.AssetExecutionContext):
        return {k: pd.DataFrame({"a": [1]}) for k in context.partition_keys[:-1]}

    @dg.asset(partitions_def=YEARS, backfill_policy=dg.BackfillPolicy.single_run())
    def whole(context: dg.AssetExecutionContext):
        return pd.DataFrame({"a": [1]})

    io = {"io_manager": ParquetIOManager(base_dir=str(tmp_path))}
    with pytest.raises(ValueError, match=r"short: a run over partitions 2014\.\.2016 must give one value per partition.*missing: \['2016'\]"):
        dg.materialize([short], tags=RANGE, resources=io)
    with pytest.raises(TypeError, match=r"whole: a run over 3 partitions \(2014\.\.2016\) must give \{partition_key: value\}, got DataFrame"):
        dg.materialize([whole], tags=RANGE, resources=io)
    assert not (tmp_path / "short").exists() and not (tmp_path / "whole").exists(), "nothing written"


def test_an_input_loaded_on_access_reads_a_partition_when_it_is_looked_up(tmp_path, monkeypatch):
    from aigeo_assets.resources.io import LOAD_ON_ACCESS, LazyPartitions

    @dg.asset(partitions_def=YEARS)
    def yearly(context: dg.AssetExecutionContext) -> pd.DataFrame:
        return pd.DataFrame({"year": [int(context.partition_key)]})

    reads: list[str] = []
    seen = {}

    @dg.asset(ins={"yearly": dg.AssetIn(metadata={LOAD_ON_ACCESS: True})})
    def total(yearly) -> pd.DataFrame:
        seen["type"], seen["reads_before"] = type(yearly), list(reads)
        return concat_partitions(yearly)

    io = {"io_manager": ParquetIOManager(base_dir=str(tmp_path))}
    for year in ("2014", "2015", "2016"):
        assert dg.materialize([yearly], partition_key=year, resources=io).success
    original = ParquetIOManager._load
    monkeypatch.setattr(ParquetIOManager, "_load", lambda self, path, columns=None, rows=None: reads.append(path.name) or original(self, path, columns, rows))
    assert dg.materialize([yearly, total], selection=[total], resources=io).success
    assert seen == {"type": LazyPartitions, "reads_before": []}
    assert reads == ["2014.parquet", "2015.parquet", "2016.parquet"]
    assert pd.read_parquet(tmp_path / "total.parquet")["year"].tolist() == [2014, 2015, 2016]


def test_a_lazy_range_output_is_computed_one_partition_at_a_time_as_it_is_written(tmp_path):
    from aigeo_assets.resources.io import LazyPartitions

    written_before: dict[str, list[str]] = {}

    @dg.asset(partitions_def=YEARS, backfill_policy=dg.BackfillPolicy.single_run())
    def streamed(context: dg.AssetExecutionContext):
        def year(key: str) -> pd.DataFrame:
            written_before[key] = sorted(p.stem for p in (tmp_path / "streamed").glob("*.parquet")) if (tmp_path / "streamed").exists() else []
            context.add_asset_metadata({"year": int(key)}, partition_key=key)
            return pd.DataFrame({"year": [int(key)]})

        return LazyPartitions({k: functools.partial(year, k) for k in context.partition_keys})

    instance = dg.DagsterInstance.ephemeral()
    assert dg.materialize([streamed], tags=RANGE, resources={"io_manager": ParquetIOManager(base_dir=str(tmp_path))}, instance=instance).success
    assert written_before == {"2014": [], "2015": ["2014"], "2016": ["2014", "2015"]}
    for year in ("2014", "2015", "2016"):
        record = instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=dg.AssetKey("streamed"), asset_partitions=[year]), limit=1).records[0]
        assert record.asset_materialization.metadata["year"].value == int(year), "metadata added while writing reaches its partition"  # type: ignore[union-attr]


def test_partition_rows_reads_only_the_rows_given_when_reading_and_filters_a_loaded_table_alike(tmp_path, monkeypatch):
    """``partition_rows``: an input read on access reads one partition with its declared ``ROWS`` and
    the rows given at the time (a value set known only then), the file filtered as it is read; an
    input already loaded (one partition, or a dict) gives the same rows."""
    from aigeo_assets.resources.io import LOAD_ON_ACCESS, ROWS, LazyPartitions, partition_rows

    @dg.asset(partitions_def=YEARS)
    def refs(context: dg.AssetExecutionContext) -> pd.DataFrame:
        y = int(context.partition_key)
        return pd.DataFrame({"citing": pd.array([f"W{y}1", f"W{y}2", f"W{y}3", None], dtype="string"),
                             "cited": pd.array(["W1", "W2", "W1", "W1"], dtype="string"), "n": [1, 2, 3, 4]})

    got = {}

    @dg.asset(ins={"refs": dg.AssetIn(metadata={LOAD_ON_ACCESS: True, ROWS: [("n", "<=", 3)]})})
    def kept(refs) -> pd.DataFrame:
        assert isinstance(refs, LazyPartitions)
        got["lazy"] = partition_rows(refs, "2015", [("cited", "in", pa.array(["W1"]))])
        got["none"] = partition_rows(refs, "2016", [("cited", "in", pa.array([], pa.large_string()))])
        return got["lazy"]

    io = {"io_manager": ParquetIOManager(base_dir=str(tmp_path))}
    for year in ("2014", "2015", "2016"):
        assert dg.materialize([refs], partition_key=year, resources=io).success
    loads = []
    original = ParquetIOManager._load
    monkeypatch.setattr(ParquetIOManager, "_load",
                        lambda self, path, columns=None, rows=None: loads.append((path.name, rows)) or original(self, path, columns, rows))
    assert dg.materialize([refs, kept], selection=[kept], resources=io).success
    assert got["lazy"]["citing"].tolist() == ["W20151", "W20153"] and got["lazy"]["n"].tolist() == [1, 3]
    assert got["none"].empty and list(got["none"].columns) == ["citing", "cited", "n"]
    assert [name for name, _ in loads] == ["2015.parquet", "2016.parquet"], "only the partitions asked for, once each"
    assert loads[0][1][0] == ("n", "<=", 3) and loads[0][1][1][:2] == ("cited", "in"), "declared rows and the rows given, at the read"
    whole = pd.read_parquet(tmp_path / "refs" / "2015.parquet")
    for loaded in (whole, {"2015": whole}):
        in_memory = partition_rows(loaded, "2015", [("n", "<=", 3), ("cited", "in", pa.array(["W1"]))])
        pd.testing.assert_frame_equal(in_memory, got["lazy"])


def _papers(n: int) -> pd.DataFrame:
    return conform(pd.DataFrame({
        "work_id": [f"W{i}" for i in range(n)], "publication_year": [2000 + i // 1_000 for i in range(n)],
        "is_ai": [i % 3 == 0 for i in range(n)], "doc_type": (["journal", "conference", "other"] * n)[:n],
        "doc_type_rule": "venue_type", "in_corpus": True, "venue_id": None, "n_authors": 2, "city_geonames_id": None,
        "city_name": None, "city_latitude": 1.5, "city_longitude": None, "city_country_code": "US", "bloc": "West",
        "lead_country_code": "US", "lead_world_region": "Northern America", "lead_rule": "last_author",
    }), "core_papers")


def test_a_table_written_in_pieces_reads_back_as_the_table_written_whole(tmp_path):
    """``TableFileWriter`` (a year of ``raw_works`` written as it is assembled): the pieces, one of them
    empty, read back as ``write_parquet`` of the whole table; row groups of the size asked; the same
    statistics columns; a table with no rows is a file with the declared columns."""
    import pyarrow.parquet as pq

    from aigeo_assets.schemas import TableFileWriter, write_parquet

    df = _papers(2_500)
    writer = TableFileWriter(tmp_path / "pieces.parquet", "core_papers", row_group_rows=1_000)
    for piece in (df.iloc[:700], df.iloc[700:700], df.iloc[700:1_900], df.iloc[1_900:]):
        writer.add(piece)
    got = writer.close()
    write_parquet(df, tmp_path / "whole.parquet")
    pd.testing.assert_frame_equal(got.read(), pd.read_parquet(tmp_path / "whole.parquet"), check_exact=True)
    assert len(got) == 2_500 and got.head["work_id"].tolist() == [f"W{i}" for i in range(5)]
    meta = pq.read_metadata(got.path)
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [1_000, 1_000, 500]

    def stats(path):
        group = pq.read_metadata(path).row_group(0)
        return {group.column(i).path_in_schema for i in range(group.num_columns) if group.column(i).statistics is not None}

    assert stats(got.path) == stats(tmp_path / "whole.parquet")
    empty = TableFileWriter(tmp_path / "empty.parquet", "core_papers").close()
    pd.testing.assert_frame_equal(empty.read(), df.iloc[:0].reset_index(drop=True), check_index_type=False)


def test_a_table_file_an_asset_wrote_is_moved_into_place_and_a_wrong_one_refused(tmp_path):
    """An asset that wrote its table itself hands the IO manager the file (``TableFile``): moved into
    the warehouse, not copied, and read back as any table; a file of another table, or whose columns
    are not the declared ones, fails the write naming the asset."""
    from aigeo_assets.assets.metadata import table_spec_metadata
    from aigeo_assets.schemas import TableFile, TableFileWriter

    staged = tmp_path / "staged"
    made: dict[str, TableFile] = {}

    @dg.asset(metadata=table_spec_metadata("core_papers"))
    def papers_written():
        writer = TableFileWriter(staged / "papers.parquet", "core_papers")
        writer.add(_papers(30))
        made["file"] = writer.close()
        return made["file"]

    staged.mkdir()
    warehouse = tmp_path / "warehouse"
    result = dg.materialize([papers_written], resources={"io_manager": ParquetIOManager(base_dir=str(warehouse))})
    assert result.success and not (staged / "papers.parquet").exists()
    pd.testing.assert_frame_equal(pd.read_parquet(warehouse / "papers_written.parquet"), _papers(30), check_exact=True)
    assert made["file"].path == warehouse / "papers_written.parquet"

    @dg.asset(metadata=table_spec_metadata("core_papers"))
    def papers_wrong():
        writer = TableFileWriter(staged / "venues.parquet", "raw_venues")
        writer.add(pd.DataFrame({"venue_id": ["S1"], "display_name": ["J"], "issn_l": [None], "venue_type": ["journal"]}))
        return writer.close()

    with pytest.raises(SchemaError, match="papers_wrong: declared 'core_papers', given a file of 'raw_venues'"):
        dg.materialize([papers_wrong], resources={"io_manager": ParquetIOManager(base_dir=str(warehouse))})

    @dg.asset(metadata=table_spec_metadata("core_papers"))
    def papers_other_columns():
        _papers(3).drop(columns=["bloc"]).to_parquet(staged / "short.parquet", index=False)
        return TableFile(staged / "short.parquet", "core_papers", 3, _papers(3))

    with pytest.raises(SchemaError, match="papers_other_columns: short.parquet holds"):
        dg.materialize([papers_other_columns], resources={"io_manager": ParquetIOManager(base_dir=str(warehouse))})
    assert not (warehouse / "papers_other_columns.parquet").exists()


@pytest.mark.parametrize("where", ["local", "memory"])
def test_a_table_given_in_pieces_is_written_a_piece_at_a_time_and_read_back_in_batches(tmp_path, where):
    """An asset that gives its table as pieces (``TableBatches``, ``core_citations``' years): the IO
    manager writes each piece as it comes, straight into the file that becomes the table (locally and on
    object storage), and tells the asset the rows it wrote; an input read ``IN_BATCHES`` gives one
    partition's rows a batch at a time, the columns asked for, the same as the table read whole. Pieces
    that fail half-way leave no table, and pieces of another table are refused."""
    from fsspec.implementations.memory import MemoryFileSystem

    from aigeo_assets.assets.metadata import table_spec_metadata
    from aigeo_assets.resources.io import IN_BATCHES, partition_batches
    from aigeo_assets.schemas import TableBatches

    if where == "memory":
        if MemoryFileSystem().exists("/batches"):
            MemoryFileSystem().rm("/batches", recursive=True)
        base = "memory://batches/warehouse"
    else:
        base = str(tmp_path / "warehouse")
    years = dg.StaticPartitionsDefinition(["2000", "2001"])
    df = _papers(2_000)
    produced: list[int] = []
    written: dict[str, int] = {}

    def pieces(key: str):
        for lo in range(0, 1_000, 300):
            produced.append(lo)
            base = 0 if key == "2000" else 1_000
            yield df.iloc[base + lo:base + min(lo + 300, 1_000)]

    @dg.asset(metadata=table_spec_metadata("core_papers"), partitions_def=years, name="papers")
    def papers(context: dg.AssetExecutionContext):
        key = context.partition_key
        return TableBatches("core_papers", pieces(key), lambda table: written.__setitem__(key, len(table)))

    @dg.asset(partitions_def=years, ins={"papers": dg.AssetIn(metadata={IN_BATCHES: True})}, io_manager_key="mem")
    def batch_sizes(context: dg.AssetExecutionContext, papers):
        got = list(partition_batches(papers, context.partition_key, 400, ["work_id", "is_ai"]))
        return [len(b) for b in got], pd.concat(got, ignore_index=True)

    resources = {"io_manager": ParquetIOManager(base_dir=base), "mem": dg.InMemoryIOManager()}
    for key, rows in (("2000", df.iloc[:1_000]), ("2001", df.iloc[1_000:])):
        result = dg.materialize([papers, batch_sizes], partition_key=key, resources=resources)
        sizes, read = result.output_for_node("batch_sizes")
        assert sizes == [400, 400, 200]
        pd.testing.assert_frame_equal(read, rows[["work_id", "is_ai"]].reset_index(drop=True), check_exact=True)
    assert written == {"2000": 1_000, "2001": 1_000} and len(produced) == 8

    def failing():
        yield df.iloc[:10]
        raise RuntimeError("the third batch failed")

    @dg.asset(metadata=table_spec_metadata("core_papers"), name="papers_failing")
    def papers_failing():
        return TableBatches("core_papers", failing())

    with pytest.raises(RuntimeError, match="third batch"):
        dg.materialize([papers_failing], resources=resources)

    @dg.asset(metadata=table_spec_metadata("core_papers"), name="papers_wrong")
    def papers_wrong():
        return TableBatches("raw_venues", iter([]))

    with pytest.raises(SchemaError, match="papers_wrong: declared 'core_papers', given pieces of 'raw_venues'"):
        dg.materialize([papers_wrong], resources=resources)
    if where == "local":
        assert sorted(p.name for p in (tmp_path / "warehouse").iterdir()) == ["papers"]
    else:
        assert not MemoryFileSystem().exists("/batches/warehouse/papers_failing.parquet")


def test_parquet_batches_read_whole_row_groups_and_cut_only_a_large_one(tmp_path):
    """``parquet_batches``: row groups gathered until they hold the batch's rows (read as stored), a row
    group of more than twice the batch cut into batches; the rows in order, as the whole file reads."""
    import pyarrow.parquet as pq

    from aigeo_assets.resources.io import parquet_batches
    from aigeo_assets.schemas import TableFileWriter

    df = _papers(2_000)
    writer = TableFileWriter(tmp_path / "groups.parquet", "core_papers", row_group_rows=300)
    writer.add(df.iloc[:1_000])
    writer.add(df.iloc[1_000:])
    path = writer.close().path
    assert [pq.read_metadata(path).row_group(i).num_rows for i in range(pq.read_metadata(path).num_row_groups)] == [300] * 6 + [200]
    got = list(parquet_batches(pq.ParquetFile(path), ["work_id", "bloc"], 400))
    assert [len(b) for b in got] == [600, 600, 600, 200]
    pd.testing.assert_frame_equal(pd.concat(got, ignore_index=True), pd.read_parquet(path, columns=["work_id", "bloc"]), check_exact=True)
    got = list(parquet_batches(pq.ParquetFile(path), None, 100))  # the groups of 300 cut
    assert [len(b) for b in got] == [100] * 18 + [200]  # the last group, 200 rows, is not more than twice 100
    pd.testing.assert_frame_equal(pd.concat(got, ignore_index=True), df, check_exact=True)
