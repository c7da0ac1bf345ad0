"""``core_citations`` of a range of years as the asset builds them (each year's references read and
written a batch at a time, the cited works looked up among the papers of each earlier year in turn:
``corpus.citations.core_citation_batches`` with ``KnownPapers``, written by ``schemas.TableBatches``)
beside the peer, DuckDB (one thread, as a worker has one core) joining the same parquet files in one
SQL statement per year and writing the year with ``COPY``. Each way runs in a fresh process (VmHWM
reset after imports), alternated ``--repeat`` times, on the same warehouse: CPU seconds, peak
resident memory, rows. Ours is also run with small batches and no cache of the earlier years
(``--small-batch-rows``), the way a real snapshot's years run (about 10 M papers a year, 200 M
references), to show that its memory follows the batch, not the years. Every way's tables are read
back and compared (exactly) with the warehouse's own ``core_citations`` of those years, when it has
them, and with each other.

Usage: ``python benchmarks/core_citations.py --warehouse <warehouse> [--years 2016 2017 2018]
[--repeat 2] [--name core_citations]``; without ``--warehouse``, the demo's (``make demo``:
``data/warehouse``). Writes ``benchmarks/results/<name>.json``.
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

WAYS = ("ours", "ours_small", "duckdb")


def _known_years(warehouse: Path, last: int) -> list[str]:
    return sorted(p.stem for p in (warehouse / "core_papers").glob("*.parquet") if int(p.stem) <= last)


def ours(warehouse: Path, years: list[int], out: Path, batch_rows: int | None = None, cache_bytes: int | None = None) -> dict:
    """The ``years`` built as a range run of the asset builds them, into ``out/<year>.parquet``."""
    import functools

    import pandas as pd
    import pyarrow.parquet as pq

    from aigeo_assets.corpus import citations
    from aigeo_assets.corpus.citations import KNOWN_PAPER_COLUMNS, KnownPapers, core_citation_batches
    from aigeo_assets.resources.io import LazyPartitions, parquet_batches
    from aigeo_assets.schemas import TableBatches

    batch_rows = batch_rows or citations.REFERENCE_BATCH_ROWS
    keys = _known_years(warehouse, max(years))
    papers = LazyPartitions({k: functools.partial(pd.read_parquet, warehouse / "core_papers" / f"{k}.parquet", columns=KNOWN_PAPER_COLUMNS)
                             for k in keys})
    reset_peak_rss()
    start = time.process_time()
    cache_bytes = citations.KNOWN_PAPERS_CACHE_BYTES if cache_bytes is None else cache_bytes
    known = KnownPapers(papers, cache_bytes)
    rows = 0
    for year in years:
        key = str(year)
        citing = known.papers(key)
        citing = citing[citing["publication_year"] == year]
        refs = warehouse / "raw_references" / f"{key}.parquet"
        batches = core_citation_batches(lambda columns: parquet_batches(pq.ParquetFile(refs), columns, batch_rows), citing, known,
                                        [k for k in keys if k <= key])
        rows += len(TableBatches("core_citations", batches).write(out / f"{key}.parquet"))
    return {"cpu_s": round(time.process_time() - start, 2), "peak_mb": round(status_mb("VmHWM") or 0), "rows": rows,
            "batch_rows": batch_rows, "cache_bytes": cache_bytes}


def duckdb_way(warehouse: Path, years: list[int], out: Path) -> dict:
    """The peer: DuckDB on one thread, one statement per year (the citing year's papers joined to its
    references, the first row of each work id among the years up to it joined to the cited ids, in
    the references' order), written with ``COPY``."""
    import duckdb

    con = duckdb.connect(config={"threads": 1})
    reset_peak_rss()
    start = time.process_time()
    rows = 0
    for year in years:
        key = str(year)
        files = [str(warehouse / "core_papers" / f"{k}.parquet") for k in _known_years(warehouse, year)]
        target = out / f"{key}.parquet"
        con.execute(f"""
            COPY (
              WITH refs AS (
                SELECT citing_work_id, cited_work_id, file_row_number AS r
                FROM read_parquet('{warehouse / "raw_references" / f"{key}.parquet"}', file_row_number = true)),
              known_all AS (
                SELECT work_id, publication_year, in_corpus, city_geonames_id, city_country_code, bloc,
                       filename AS f, file_row_number AS r
                FROM read_parquet({files!r}, filename = true, file_row_number = true)),
              known AS (SELECT DISTINCT ON (work_id) * FROM known_all ORDER BY work_id, f, r),
              citing AS (SELECT * FROM known_all WHERE f = '{files[-1]}' AND publication_year = {year})
              SELECT refs.citing_work_id, refs.cited_work_id, c.publication_year AS citing_year,
                     k.publication_year AS cited_year,
                     CASE WHEN k.work_id IS NULL THEN 'external' ELSE 'in_snapshot' END AS resolution,
                     c.in_corpus AS citing_in_corpus, coalesce(k.in_corpus, false) AS cited_in_corpus,
                     c.city_geonames_id AS citing_city_geonames_id, k.city_geonames_id AS cited_city_geonames_id,
                     c.city_country_code AS citing_country_code, k.city_country_code AS cited_country_code,
                     c.bloc AS citing_bloc, k.bloc AS cited_bloc
              FROM refs JOIN citing c ON refs.citing_work_id = c.work_id
              LEFT JOIN known k ON refs.cited_work_id = k.work_id
              ORDER BY refs.r
            ) TO '{target}' (FORMAT parquet)""")
        rows += con.execute(f"SELECT count(*) FROM read_parquet('{target}')").fetchone()[0]
    return {"cpu_s": round(time.process_time() - start, 2), "peak_mb": round(status_mb("VmHWM") or 0), "rows": rows}


def _compare(a: Path, b: Path, years: list[int], conformed: bool = False) -> None:
    import pandas as pd

    from aigeo_assets.schemas import conform

    for year in years:
        x, y = pd.read_parquet(a / f"{year}.parquet"), pd.read_parquet(b / f"{year}.parquet")
        if conformed:
            x, y = conform(x, "core_citations"), conform(y, "core_citations")
        pd.testing.assert_frame_equal(x, y, check_exact=True, obj=f"core_citations {year}: {a.name} / {b.name}")


def main(argv: list[str] | None = None) -> dict:
    args, warehouse, years = warehouse_years_args(__doc__.split("\n\n")[0], "core_citations", "raw_references", argv,
                                                  "the batch of the third way, run without a cache of the earlier years' papers")
    w, y = str(warehouse), years
    calls = {
        "ours": f"ours(Path({w!r}), {y!r}, Path({{out}}))",
        "ours_small": f"ours(Path({w!r}), {y!r}, Path({{out}}), batch_rows={args.small_batch_rows}, cache_bytes=0)",
        "duckdb": f"duckdb_way(Path({w!r}), {y!r}, Path({{out}}))",
    }
    with tempfile.TemporaryDirectory() as tmp:
        runs = alternate_in_fresh_processes("core_citations", calls, args.repeat, Path(tmp))
        first = {how: Path(tmp) / f"{how}0" for how in WAYS}
        _compare(first["ours"], first["ours_small"], years)
        _compare(first["ours"], first["duckdb"], years, conformed=True)
        stored = warehouse / "core_citations"
        same_as_stored = all((stored / f"{y}.parquet").exists() for y in years)
        if same_as_stored:
            _compare(first["ours"], stored, years)
    summary = runs_summary(runs)
    rows = runs["ours"][0]["rows"]
    print(f"years {years}, {rows:,} citations, the three ways identical"
          + (", and identical to the warehouse's core_citations" if same_as_stored else ""))
    for how, s in summary.items():
        print(f"  {how:10s}: CPU-s {s['cpu_s']}, peak MB {s['peak_mb']}")
    payload = {"benchmark": "core_citations", "warehouse": repo_path(warehouse), "years": years, "rows": rows,
               "identical_to_the_warehouse": same_as_stored, "small_batch_rows": args.small_batch_rows,
               "runs": runs, "summary": summary}
    write_results(args.name, payload, args.out)
    return payload


if __name__ == "__main__":
    main()
