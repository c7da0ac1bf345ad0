"""The Dagster event log as aigeo configures it (``resources.instance_storage.KeptConnectionSqliteEventLogStorage``:
Dagster's consolidated SQLite storage on a connection each process keeps, ``synchronous=NORMAL``)
beside Dagster's own ``ConsolidatedSqliteEventLogStorage`` (an engine, a connection and a sync per
read or write), as ``aigeo run`` uses it: two worker processes, forked from a parent that opened the
instance, each materializing small runs into one Dagster home (a year-partitioned asset with
metadata and a check, like aigeo's per-year tables, and nothing else: the cost measured is the
instance's). Rounds alternate the two storages in one run, each in a fresh home; both must store
the same number of materializations.

Usage: ``python benchmarks/event_log.py [--runs 40] [--rounds 3] [--name event_log]``; writes
``benchmarks/results/<name>.json``.
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
STORAGES = {
    "dagster_consolidated": "dagster._core.storage.event_log:ConsolidatedSqliteEventLogStorage",
    "aigeo_kept_connection": "aigeo_assets.resources.instance_storage:KeptConnectionSqliteEventLogStorage",
}


@dg.asset(partitions_def=dg.StaticPartitionsDefinition(YEARS),
          check_specs=[dg.AssetCheckSpec("rows_positive", asset="year_table")])
def year_table(context):
    year = int(context.partition_key)
    yield dg.MaterializeResult(metadata={"rows": year, "year": year, "columns": dg.MetadataValue.json(["a", "b", "c"])})
    yield dg.AssetCheckResult(check_name="rows_positive", passed=True)


def _home(root: Path, storage: str) -> Path:
    """A Dagster home with aigeo's instance config, its event log the named storage."""
    home = Path(tempfile.mkdtemp(prefix=f"{storage}-", dir=root))
    module, cls = STORAGES[storage].split(":")
    config = cli.instance_config(2, home).replace("module: aigeo_assets.resources.instance_storage", f"module: {module}")
    config = config.replace("class: KeptConnectionSqliteEventLogStorage", f"class: {cls}")
    if f"module: {module}\n  class: {cls}\n" not in config:
        raise SystemExit(f"aigeo's instance config names no event log storage to replace: {storage} not set")
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
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": round(wall, 3), "workers_cpu_s": round(cpu, 3), "materializations": stored}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=40, help="runs per worker and storage in each round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--name", default="event_log")
    args = ap.parse_args(argv)
    probe = speed_probe()
    rounds = []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            order = list(STORAGES) if r % 2 == 0 else list(STORAGES)[::-1]
            got = {s: measure(Path(tmp), s, args.runs) for s in order}
            if len({g["materializations"] for g in got.values()}) != 1:
                raise SystemExit(f"the storages stored different numbers of materializations: {got}")
            rounds.append(got)
            print(f"round {r + 1}: " + "; ".join(f"{s} {g['wall_s']:.2f} s, {g['workers_cpu_s']:.2f} CPU-s" for s, g in got.items()),
                  flush=True)
    best = {s: {k: min(rd[s][k] for rd in rounds) for k in ("wall_s", "workers_cpu_s")} for s in STORAGES}
    runs = 2 * args.runs
    summary = {s: {**b, "wall_ms_per_run": round(1000 * b["wall_s"] / runs, 1), "cpu_ms_per_run": round(1000 * b["workers_cpu_s"] / runs, 1)}
               for s, b in best.items()}
    ours, peer = summary["aigeo_kept_connection"], summary["dagster_consolidated"]
    ratio = {"wall": round(peer["wall_s"] / ours["wall_s"], 2), "cpu": round(peer["workers_cpu_s"] / ours["workers_cpu_s"], 2)}
    print(f"best of {args.rounds}, {runs} runs on two workers: ours {ours}; Dagster's {peer}; Dagster's / ours {ratio}")
    write_results(args.name, {"benchmark": "event_log", "runs": runs, "workers": 2, "speed_probe": probe,
                              "rounds": rounds, "best": summary, "peer_over_ours": ratio})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
