"""Range runs (single-run backfill policies) beside the one-year runs they replace, on a warehouse.

Input: a materialized warehouse (default: the demo benchmark's, ``data/bench-full-demo/data/warehouse``):
``raw_references`` and ``core_papers`` per year, ``core_author_years.parquet``, ``core_institutions.parquet``.
They are copied (links resolved) into a scratch data folder once per mode, so nothing of the source is
written.

Two modes, each through ``aigeo run``'s own machinery (``PlanRunner`` on one worker, Dagster runs in
this process, a fresh instance) on the same years:
  * ``per_year`` - what ``aigeo run`` did before: one run per year of ``core_citations``, then one run per
    year of ``out_city_year_metrics`` + ``out_world_year_totals`` and of ``out_impact_pairs`` (each year's
    run reads its own partitions: every earlier year's papers, the citations of its window);
  * ``range``    - runs over ranges of years, cut as ``aigeo run``'s plan cuts them (the assets' backfill
                   policies: every year for the city metrics and pairs, ten at most for the citations).
A warm-up run (one year of ``core_citations``) comes first, uncounted, so both modes start with imports
done. Reported per mode and per asset: runs, CPU seconds (the runs' own, ``RunStats``), wall seconds,
the largest peak RSS of a run; the ratio per_year / range. Every table of the two modes is asserted
equal (exactly) before the figures are written. Writes ``results/range_runs.json``
(``range_runs_refresh.json`` with ``--refresh``).

``--refresh``: the same comparison for what a new year costs these assets in ``aigeo run --refresh``:
the last year's citations and the metrics of the years whose windows reach it, with the careers changed
(every year's metrics re-run, as the asset graph requires: a new year can change who is an AI scientist).

``--runs BEFORE AFTER``: the whole ``aigeo run`` of one world before and after the per-year assets got
their range policies (``aigeo_assets.assets.ranges.YEARLY_RANGES``): two ``aigeo run --stats`` files
(JSON lines, one per run, and the total) and, with ``--warehouses BEFORE AFTER``, their two warehouses,
compared table by table (``scripts/compare_warehouses.py``, exact) before any figure is written.
Reported per side: runs, CPU seconds in runs, the command's wall seconds (``aigeo run``'s workers share
the machine: on a loaded machine the CPU seconds and run counts are the figures to compare), the largest run's peak RSS,
and runs and CPU seconds per kind of run (its label without the partitions). Writes
``results/range_runs_demo.json``; ``--name range_runs_ingest --what "..."`` another comparison of the same
kind (the ingest as range runs: ``aigeo run --job yearly_refresh`` before and after, on one data folder
so the quarantines' file paths agree).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from results_file import repo_path, write_results  # noqa: E402

INPUTS = ["raw_references", "core_papers", "core_author_years", "core_institutions", "raw_institutions"]
METRICS = ("out_city_year_metrics", "out_world_year_totals")
TABLES = ["core_citations", *METRICS, "out_impact_pairs"]


def copy_inputs(source: Path, warehouse: Path) -> None:
    warehouse.mkdir(parents=True)
    for name in INPUTS:
        folder, file = source / name, source / f"{name}.parquet"
        if folder.is_dir():
            shutil.copytree(folder, warehouse / name, symlinks=False)
        elif file.exists():
            shutil.copyfile(file, warehouse / f"{name}.parquet")


def years_of(source: Path) -> list[str]:
    return sorted(p.stem for p in (source / "core_papers").glob("*.parquet"))


def run_mode(mode: str, source: Path, scratch: Path, years: list[str], cited_from: list[str]) -> dict:
    import dagster as dg

    from aigeo_assets.code_location import build_definitions
    from aigeo_assets.orchestration import PlannedRun, PlanRunner, partition_ranges, unit_run_size
    from aigeo_assets.resources.settings import Settings

    data = scratch / mode
    copy_inputs(source, data / "warehouse")
    settings = replace(Settings.from_env({"AIGEO_DATA_DIR": str(data)}), start_year=int(years[0]), end_year=int(years[-1]))
    defs = build_definitions(settings)
    stats: list = []
    with dg.DagsterInstance.ephemeral() as instance:
        runner = PlanRunner(workers=1, defs=defs, instance=instance)
        runner.run([PlannedRun(0, ("core_citations",), years[0], ("corpus",), 0)])  # warm-up, not counted

        graph = defs.resolve_asset_graph()

        def plan(assets: tuple[str, ...], keys: list[str]) -> list[PlannedRun]:
            if mode == "range":  # cut as the plan cuts them (the assets' backfill policies)
                unit = frozenset(dg.AssetKey(a) for a in assets)
                chunks = partition_ranges(keys, graph.get(next(iter(unit))).partitions_def.get_partition_keys(), unit_run_size(graph, unit))
                return [PlannedRun(i, assets, c[0], ("x",), 0, range_keys=c if len(c) > 1 else ()) for i, c in enumerate(chunks)]
            return [PlannedRun(i, assets, k, ("x",), 0) for i, k in enumerate(keys)]

        if cited_from != years:  # --refresh: every year's citations exist; the new year's are made again
            runner.run(plan(("core_citations",), [k for k in years if k not in cited_from]))
        t0 = time.perf_counter()
        for assets, keys in ((("core_citations",), cited_from), (METRICS, years), (("out_impact_pairs",), years)):
            started = time.perf_counter()
            done = runner.run(plan(assets, keys))
            stats.append({
                "assets": list(assets), "years": f"{keys[0]}-{keys[-1]}", "runs": len(done),
                "cpu_s": round(sum(s.cpu_s for s in done), 2), "wall_s": round(time.perf_counter() - started, 2),
                "peak_rss_mb": round(max(s.peak_rss_bytes for s in done) / 2**20),
            })
        total_wall = time.perf_counter() - t0
    return {"stages": stats, "cpu_s": round(sum(s["cpu_s"] for s in stats), 2), "wall_s": round(total_wall, 2), "warehouse": data / "warehouse"}


def tables_equal(a: Path, b: Path, years: list[str]) -> int:
    n = 0
    for table in TABLES:
        for y in years:
            left, right = pd.read_parquet(a / table / f"{y}.parquet"), pd.read_parquet(b / table / f"{y}.parquet")
            pd.testing.assert_frame_equal(left, right, check_exact=True, obj=f"{table}[{y}]")
            n += 1
    return n


def run_kinds(stats: Path) -> dict:
    """One ``aigeo run --stats`` file summed: its total line, and runs and CPU seconds per kind of run."""
    import json
    import re

    lines = [json.loads(line) for line in stats.read_text().splitlines() if line.strip()]
    total = next((r for r in lines if r.get("kind") == "total"), {})
    runs = [r for r in lines if "label" in r]
    failed = [r["label"] for r in runs if r["status"] != "SUCCESS"]
    if failed or not total:
        sys.exit(f"{stats}: {'failed runs ' + ', '.join(failed[:5]) if failed else 'no total line (the run did not finish)'}")
    kinds: dict[str, dict] = {}
    for r in runs:
        kind = kinds.setdefault(re.sub(r"\[[^\]]*\]$", "", r["label"]), {"runs": 0, "cpu_s": 0.0})
        kind["runs"] += 1
        kind["cpu_s"] += r["cpu_s"]
    return {
        "runs": len(runs), "cpu_s_in_runs": round(sum(r["cpu_s"] for r in runs), 1), "wall_s": round(total["wall_s"], 1),
        "largest_run_peak_rss_mb": round(max(r["peak_rss_bytes"] for r in runs) / 2**20),
        "by_kind": {k: {"runs": v["runs"], "cpu_s": round(v["cpu_s"], 1)} for k, v in sorted(kinds.items(), key=lambda kv: -kv[1]["cpu_s"])},
    }


def compare_runs(before: Path, after: Path, warehouses: list[Path] | None, name: str = "range_runs_demo",
                 what: str = "aigeo run before/after the per-year range policies") -> int:
    sys.path.insert(0, str(REPO / "scripts"))
    from compare_warehouses import compare, tables

    equal = None
    if warehouses:
        problems = compare(*warehouses)
        if problems:
            sys.exit("the warehouses differ:\n" + "\n".join(problems[:20]))
        equal = len(tables(warehouses[0]))
    sides = {"before": run_kinds(before), "after": run_kinds(after)}
    for side, r in sides.items():
        print(f"{side:7s} {r['runs']:4d} runs {r['cpu_s_in_runs']:7.1f} CPU-s in runs {r['wall_s']:7.1f} s wall")
        for kind, k in list(r["by_kind"].items())[:10]:
            print(f"   {kind:45s} {k['runs']:4d} runs {k['cpu_s']:7.1f} CPU-s")
    print(f"{equal} tables equal" if equal is not None else "warehouses not compared")
    write_results(name, {
        "benchmark": "range_runs", "mode": what, **sides,
        "cpu_s_in_runs_saved": round(sides["before"]["cpu_s_in_runs"] - sides["after"]["cpu_s_in_runs"], 1),
        "tables_compared_equal": equal,
    })
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--warehouse", type=Path, default=REPO / "data" / "bench-full-demo" / "data" / "warehouse")
    ap.add_argument("--scratch", type=Path, help="where the two copies go (default: a temporary folder, removed)")
    ap.add_argument("--refresh", action="store_true", help="a new year: its citations and every year's metrics")
    ap.add_argument("--runs", type=Path, nargs=2, metavar=("BEFORE", "AFTER"), help="two `aigeo run --stats` files of one world")
    ap.add_argument("--warehouses", type=Path, nargs=2, metavar=("BEFORE", "AFTER"), help="with --runs: their warehouses, compared first")
    ap.add_argument("--name", default="range_runs_demo", help="with --runs: the results file (results/NAME.json)")
    ap.add_argument("--what", default="aigeo run before/after the per-year range policies", help="with --runs: what was compared")
    args = ap.parse_args(argv)
    if args.runs:
        return compare_runs(*args.runs, args.warehouses, args.name, args.what)

    source = args.warehouse.resolve()
    years = years_of(source)
    if not years:
        sys.exit(f"{source}: no core_papers partitions (materialize a world first: benchmarks/full_run.py --scale demo)")
    cited_from = years[-1:] if args.refresh else years
    scratch = args.scratch or Path(tempfile.mkdtemp(prefix="range-runs-"))
    try:
        results = {mode: run_mode(mode, source, scratch, years, cited_from) for mode in ("per_year", "range")}
        compared = tables_equal(results["per_year"].pop("warehouse"), results["range"].pop("warehouse"), years)
    finally:
        if args.scratch is None:
            shutil.rmtree(scratch, ignore_errors=True)
    for mode, r in results.items():
        print(f"{mode:9s} {r['cpu_s']:8.1f} CPU-s {r['wall_s']:8.1f} s wall")
        for s in r["stages"]:
            print(f"   {'+'.join(s['assets']):55s} {s['years']} {s['runs']:3d} runs {s['cpu_s']:7.1f} CPU-s {s['wall_s']:7.1f} s {s['peak_rss_mb']:6d} MB")
    ratio = results["per_year"]["cpu_s"] / results["range"]["cpu_s"]
    print(f"per_year / range: {ratio:.2f}x CPU-s; {compared} tables equal")
    write_results("range_runs_refresh" if args.refresh else "range_runs", {
        "benchmark": "range_runs", "warehouse": repo_path(source),
        "years": f"{years[0]}-{years[-1]}", "refresh": args.refresh, **results,
        "cpu_ratio_per_year_over_range": round(ratio, 2), "tables_compared_equal": compared,
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
