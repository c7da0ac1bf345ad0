"""A year of ``core_affiliations`` placed as the asset places it (the year's authorships read a batch
of whole row groups at a time, cut only between two works, each batch geocoded and written:
``resources.io.parquet_batches``, ``corpus.lookup.whole_runs``, ``geo.geocode.geocode_affiliations``,
``schemas.TableBatches``) beside the peer, the year read and placed whole and written after (the code
before: ``pd.read_parquet``, ``geocode_affiliations``, ``schemas.write_parquet``). The batched way runs
at the asset's batch (``AUTHORSHIP_BATCH_ROWS``) and at ``--small-batch-rows``, the way a real year's
~50 M authorships run. Each way in a fresh process (VmHWM reset after imports and the institutions),
alternated ``--repeat`` times, on the same warehouse: CPU seconds, peak resident memory, rows; the
tables are compared exactly.

Usage: ``python benchmarks/affiliation_batches.py --warehouse <warehouse> [--years 2016 2017 2018]
[--repeat 2] [--name affiliation_batches]``; without ``--warehouse``, the demo's (``data/warehouse``).
Writes ``benchmarks/results/<name>.json``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from results_file import (  # noqa: E402
    alternate_in_fresh_processes,
    repo_path,
    reset_peak_rss,
    runs_summary,
    status_mb,
    warehouse_years_args,
    write_results,
)

WAYS = ("batches", "batches_small", "whole")


def place(warehouse: Path, years: list[int], out: Path, how: str, batch_rows: int | None = None) -> dict:
    """The ``years`` placed ``how`` (``batches`` or ``whole``) into ``out/<year>.parquet``."""
    import pandas as pd
    import pyarrow.parquet as pq

    from aigeo_assets.corpus.lookup import whole_runs
    from aigeo_assets.geo.geocode import AUTHORSHIP_BATCH_ROWS, geocode_affiliations
    from aigeo_assets.resources.io import parquet_batches
    from aigeo_assets.schemas import TableBatches, write_parquet

    institutions = pd.read_parquet(warehouse / "core_institutions.parquet")
    geocode_affiliations(pd.read_parquet(warehouse / "raw_authorships" / f"{years[0]}.parquet").head(1), institutions)  # imports, gazetteer
    batch_rows = batch_rows or AUTHORSHIP_BATCH_ROWS
    reset_peak_rss()
    start = time.process_time()
    rows = 0
    for year in years:
        source = warehouse / "raw_authorships" / f"{year}.parquet"
        if how == "whole":
            df = geocode_affiliations(pd.read_parquet(source), institutions)
            write_parquet(df, out / f"{year}.parquet")
            rows += len(df)
            del df
            continue
        placed = (geocode_affiliations(batch, institutions)
                  for batch in whole_runs(parquet_batches(pq.ParquetFile(source), None, batch_rows), "work_id"))
        rows += len(TableBatches("core_affiliations", placed).write(out / f"{year}.parquet"))
    return {"cpu_s": round(time.process_time() - start, 2), "peak_mb": round(status_mb("VmHWM") or 0), "rows": rows,
            **({"batch_rows": batch_rows} if how != "whole" else {})}


def main(argv: list[str] | None = None) -> dict:
    args, warehouse, years = warehouse_years_args(__doc__.split("\n\n")[0], "affiliation_batches", "raw_authorships", argv)

    import pandas as pd

    w, y = str(warehouse), years
    calls = {"batches": f"place(Path({w!r}), {y!r}, Path({{out}}), 'batches')",
             "batches_small": f"place(Path({w!r}), {y!r}, Path({{out}}), 'batches', {args.small_batch_rows})",
             "whole": f"place(Path({w!r}), {y!r}, Path({{out}}), 'whole')"}
    with tempfile.TemporaryDirectory() as tmp:
        runs = alternate_in_fresh_processes("affiliation_batches", calls, args.repeat, Path(tmp))
        for way in WAYS[:-1]:
            for year in years:
                pd.testing.assert_frame_equal(pd.read_parquet(Path(tmp) / f"{way}0" / f"{year}.parquet"),
                                              pd.read_parquet(Path(tmp) / "whole0" / f"{year}.parquet"), check_exact=True,
                                              obj=f"core_affiliations {year}: {way} / whole")
    summary = runs_summary(runs)
    rows = runs["whole"][0]["rows"]
    print(f"years {years}, {rows:,} affiliations, the three ways identical")
    for way, s in summary.items():
        print(f"  {way:13s}: CPU-s {s['cpu_s']}, peak MB {s['peak_mb']}")
    payload = {"benchmark": "affiliation_batches", "warehouse": repo_path(warehouse), "years": years, "rows": rows,
               "small_batch_rows": args.small_batch_rows, "runs": runs, "summary": summary}
    write_results(args.name, payload, args.out)
    return payload


if __name__ == "__main__":
    main()
