"""A year of ``raw_works`` assembled from the parts' extracts and written, as the ingest does it (the
parts' slices read, merged and written into the year's six files a batch of parts at a time:
``part_extract.assemble_year(write_to=...)``) beside the peer, the year gathered whole and each table
then written whole (``schemas.write_parquet``, as the IO manager wrote a DataFrame before issue 13's
streamed years). Each way runs in a fresh process (VmHWM reset once the snapshot is listed), the two
alternated ``--repeat`` times, over the same years from the same warm extract cache: CPU seconds,
peak resident memory, rows. The two ways' files are read back and compared table by table.

Usage: ``python benchmarks/year_assembly.py --snapshot <snapshot root> --cache <extract cache>
[--years 2016 2017 2018] [--repeat 2] [--name year_assembly]``; without ``--snapshot``, the demo
sample world (generated if missing) and a cache under ``data/``. Writes ``benchmarks/results/<name>.json``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from results_file import alternate_in_fresh_processes, repo_path, reset_peak_rss, runs_summary, status_mb, write_results  # noqa: E402

WAYS = ("streamed", "whole")


def _scan_inputs(snapshot: Path):
    from aigeo_assets.ingest.snapshot import list_entity_files, read_merged_ids
    from aigeo_assets.ingest.works import MergedIds

    files = list_entity_files(snapshot, "works")
    q = files.problems
    merged = MergedIds(works=read_merged_ids(snapshot, "works", quarantine=q),
                       institutions=read_merged_ids(snapshot, "institutions", quarantine=q),
                       authors=read_merged_ids(snapshot, "authors", quarantine=q))
    return files.parts, merged, q


def assemble(snapshot: Path, cache: Path, years: list[int], how: str, out: Path) -> dict:
    """The ``years`` of ``snapshot`` assembled ``how`` (``streamed`` or ``whole``) into ``out``; this
    process's CPU seconds and peak MB for it."""
    from aigeo_assets.ingest.works import parse_works_year
    from aigeo_assets.schemas import write_parquet

    parts, merged, q = _scan_inputs(snapshot)
    reset_peak_rss()
    rows = 0
    start = time.process_time()
    for year in years:
        folder = out / str(year)
        folder.mkdir(parents=True, exist_ok=True)
        if how == "streamed":
            got = parse_works_year(parts, year, merged, split_cache_dir=cache, years=years, quarantine=q, write_to=folder)
        else:
            got = parse_works_year(parts, year, merged, split_cache_dir=cache, years=years, quarantine=q)
            for name, df in got.tables().items():
                write_parquet(df, folder / f"{name}.{year}.parquet")
        rows += sum(len(t) for t in got.tables().values())
        del got
    cpu = time.process_time() - start
    return {"cpu_s": round(cpu, 2), "peak_mb": round(status_mb("VmHWM") or 0), "rows": rows}


def _same_files(a: Path, b: Path) -> int:
    import pandas as pd

    files = sorted(p.relative_to(a) for p in a.rglob("*.parquet"))
    if files != sorted(p.relative_to(b) for p in b.rglob("*.parquet")) or not files:
        raise AssertionError(f"the two ways wrote different files: {files[:3]}")
    for rel in files:
        pd.testing.assert_frame_equal(pd.read_parquet(a / rel), pd.read_parquet(b / rel), check_exact=True, obj=str(rel))
    return len(files)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--snapshot", type=Path, help="a works snapshot's root (default: the demo sample world)")
    parser.add_argument("--cache", type=Path, help="the extract cache (default: beside the demo world)")
    parser.add_argument("--years", type=int, nargs="+", help="default: the snapshot's last three years with works")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--name", default="year_assembly")
    parser.add_argument("--out", type=Path, help="results file (default: benchmarks/results/<name>.json)")
    args = parser.parse_args(argv)

    from aigeo_assets.ingest.part_extract import ensure_part_extract

    snapshot, cache = args.snapshot, args.cache
    if snapshot is None:
        from aigeo_assets.sampleworld import generate_world

        snapshot = generate_world(REPO / "data" / "sources" / "sample-demo-20221121", scale="demo", seed=20221121)
    cache = cache or REPO / "data" / "benchmarks" / "year_assembly_extracts"
    parts, _, _ = _scan_inputs(snapshot)
    seen: set[int] = set()
    for part in parts:  # every part extracted once, before anything is timed
        seen.update(ensure_part_extract(part, cache).year_lines)
    years = args.years or sorted(seen)[-3:]

    calls = {how: f"assemble(Path({str(snapshot)!r}), Path({str(cache)!r}), {years!r}, {how!r}, Path({{out}}))" for how in WAYS}
    with tempfile.TemporaryDirectory() as tmp:
        runs = alternate_in_fresh_processes("year_assembly", calls, args.repeat, Path(tmp))
        tables = _same_files(Path(tmp) / "streamed0", Path(tmp) / "whole0")
    summary = runs_summary(runs)
    print(f"years {years}, {runs['streamed'][0]['rows']:,} rows, {tables} tables identical")
    for how, s in summary.items():
        print(f"  {how:8s}: CPU-s {s['cpu_s']}, peak MB {s['peak_mb']}")
    payload = {"benchmark": "year_assembly", "snapshot": repo_path(snapshot), "years": years,
               "rows": runs["streamed"][0]["rows"], "tables_identical": tables, "runs": runs, "summary": summary}
    write_results(args.name, payload, args.out)
    return payload


if __name__ == "__main__":
    main()
