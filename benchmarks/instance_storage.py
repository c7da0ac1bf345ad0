"""The Dagster instance's SQLite storages as aigeo configures them (``resources.instance_storage``:
the event log and the runs' records on a connection each process keeps, ``synchronous=NORMAL``)
beside Dagster's own (``ConsolidatedSqliteEventLogStorage`` and ``SqliteRunStorage``: an engine, a
connection and a sync per read or write), and beside aigeo's kept event log with Dagster's run
storage (the step between them), as ``aigeo run`` uses them: two worker processes, forked from a
parent that opened the instance, each materializing small runs into one Dagster home (a
year-partitioned asset with metadata and a check, like aigeo's per-year tables, and nothing else:
the cost measured is the instance's). Rounds alternate the configurations in one run, each in a
fresh home; all must store the same materializations and runs.

Usage: ``python benchmarks/instance_storage.py [--runs 40] [--rounds 3] [--name instance_storage]``;
writes ``benchmarks/results/<name>.json``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

import dagster as dg  # noqa: E402
from results_file import speed_probe, write_results  # noqa: E402

from aigeo_assets import cli  # noqa: E402

YEARS = [str(y) for y in range(1990, 2030)]
DAGSTER_EVENT_LOG = "  module: dagster._core.storage.event_log\n  class: ConsolidatedSqliteEventLogStorage\n"
STORAGES = ("dagster_consolidated", "aigeo_kept_event_log", "aigeo_kept_connection")
"""Dagster's storages; aigeo's kept event log with Dagster's run storage; aigeo's instance as configured."""


@dg.asset(partitions_def=dg.StaticPartitionsDefinition(YEARS),
          check_specs=[dg.AssetCheckSpec("rows_positive", asset="year_table")])
def year_table(context):
    year = int(context.partition_key)
    yield dg.MaterializeResult(metadata={"rows": year, "year": year, "columns": dg.MetadataValue.json(["a", "b", "c"])})
    yield dg.AssetCheckResult(check_name="rows_positive", passed=True)


def _home(root: Path, storage: str) -> Path:
    """A Dagster home with aigeo's instance config, its storages those of ``storage`` (``STORAGES``):
    without aigeo's run storage block, Dagster's default run storage in the same file."""
    home = Path(tempfile.mkdtemp(prefix=f"{storage}-", dir=root))
    config = cli.instance_config(2, home)
    ours_event_log = "  module: aigeo_assets.resources.instance_storage\n  class: KeptConnectionSqliteEventLogStorage\n"
    if ours_event_log not in config or "\nrun_storage:\n" not in config:
        raise SystemExit("aigeo's instance config names no kept event log and run storage to replace")
    if storage != "aigeo_kept_connection":
        config = config[: config.index("\nrun_storage:\n") + 1]
    if storage == "dagster_consolidated":
        config = config.replace(ours_event_log, DAGSTER_EVENT_LOG)
    (home / "dagster.yaml").write_text(config)
    return home


def _worker(home: str, keys: list[str]) -> None:
    with dg.DagsterInstance.from_config(home) as instance:
        for key in keys:
            assert dg.materialize([year_table], instance=instance, partition_key=key).success


def measure(root: Path, storage: str, runs: int) -> dict:
    """Two forked workers, ``runs`` runs each, into one fresh home: wall, the workers' CPU, the
    materializations stored."""
    home = _home(root, storage)
    with dg.DagsterInstance.from_config(str(home)) as instance:  # the parent opens it first, as aigeo run does
        instance.get_runs(limit=1)
        ctx = multiprocessing.get_context("fork")
        keys = [YEARS[i % len(YEARS)] for i in range(2 * runs)]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        procs = [ctx.Process(target=_worker, args=(str(home), keys[w::2])) for w in range(2)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if any(p.exitcode for p in procs):
            raise SystemExit(f"{storage}: a worker failed")
        stored = len(instance.fetch_materializations(dg.AssetKey("year_table"), limit=10 * runs).records)
        succeeded = instance.get_runs_count(dg.RunsFilter(statuses=[dg.DagsterRunStatus.SUCCESS]))
        kinds = type(instance.event_log_storage).__name__, type(instance.run_storage).__name__
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": round(wall, 3), "workers_cpu_s": round(cpu, 3), "materializations": stored, "runs_succeeded": succeeded,
            "storages": kinds}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=40, help="runs per worker and storage in each round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--name", default="instance_storage")
    args = ap.parse_args(argv)
    probe = speed_probe()
    rounds = []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            order = list(STORAGES) if r % 2 == 0 else list(STORAGES)[::-1]
            got = {s: measure(Path(tmp), s, args.runs) for s in order}
            if len({(g["materializations"], g["runs_succeeded"]) for g in got.values()}) != 1:
                raise SystemExit(f"the storages stored different numbers of materializations or runs: {got}")
            rounds.append(got)
            print(f"round {r + 1}: " + "; ".join(f"{s} {g['wall_s']:.2f} s, {g['workers_cpu_s']:.2f} CPU-s" for s, g in got.items()),
                  flush=True)
    best = {s: {k: min(rd[s][k] for rd in rounds) for k in ("wall_s", "workers_cpu_s")} for s in STORAGES}
    runs = 2 * args.runs
    summary = {s: {**b, "wall_ms_per_run": round(1000 * b["wall_s"] / runs, 1), "cpu_ms_per_run": round(1000 * b["workers_cpu_s"] / runs, 1)}
               for s, b in best.items()}
    ours = summary["aigeo_kept_connection"]
    ratio = {s: {"wall": round(summary[s]["wall_s"] / ours["wall_s"], 2), "cpu": round(summary[s]["workers_cpu_s"] / ours["workers_cpu_s"], 2)}
             for s in STORAGES if s != "aigeo_kept_connection"}
    print(f"best of {args.rounds}, {runs} runs on two workers: " + "; ".join(f"{s} {summary[s]}" for s in STORAGES)
          + f"; each over aigeo's {ratio}")
    write_results(args.name, {"benchmark": "instance_storage", "runs": runs, "workers": 2, "speed_probe": probe,
                              "storages": {s: rounds[0][s]["storages"] for s in STORAGES},
                              "rounds": rounds, "best": summary, "over_ours": ratio})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
