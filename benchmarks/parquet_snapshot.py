"""The Parquet snapshot reader beside the JSON Lines path and a bare pyarrow read, on the same works.

The demo sample world (or --snapshot) is written once as OpenAlex's Parquet layout
(``write_parquet_snapshot``), then, in one process:
  * pyarrow_bare_read       - ``pyarrow.parquet`` reading the columns aigeo uses of every part, nothing
                              else (the floor of any Parquet reader);
  * json_one_pass           - ``parse_works_year(json parts, None)``: every year's tables from the JSON;
  * parquet_one_pass        - ``parse_parquet_works_year(parquet parts, None)``: the same tables from Parquet;
  * json_extract_parts      - ``part_extract.extract_json_part`` of every part (what a cold yearly cache costs);
  * parquet_extract_parts   - ``extract_parquet_part`` of every part (the same, from Parquet);
  * json_one_year / parquet_one_year - one yearly scan of the parts without cache (JSON: each line's
                              year decoded first; Parquet: the year column read first, only the year's
                              rows converted).
Rates are works (rows) per second of the parts' records; bytes on disk of both copies are reported.
Writes benchmarks/results/parquet_snapshot.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from results_file import repo_path, write_results  # noqa: E402

from aigeo_assets.ingest.parquet_snapshot import (  # noqa: E402
    WORK_COLUMNS,
    extract_parquet_part,
    list_parquet_parts,
    parse_parquet_works_year,
)
from aigeo_assets.ingest.part_extract import extract_json_part  # noqa: E402
from aigeo_assets.ingest.snapshot import list_entity_files  # noqa: E402
from aigeo_assets.ingest.works import parse_works_year  # noqa: E402
from aigeo_assets.sampleworld.parquet_snapshot import write_parquet_snapshot  # noqa: E402


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def bare_read(parts) -> int:
    import pyarrow.parquet as pq

    n = 0
    for p in parts:
        n += pq.ParquetFile(p).read(columns=list(WORK_COLUMNS)).num_rows
    return n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--snapshot", help="a JSON Lines OpenAlex snapshot directory (default: the demo sample world)")
    ap.add_argument("--year", type=int, default=2017, help="the year of the one-year scans")
    args = ap.parse_args()
    if args.snapshot:
        root = Path(args.snapshot)
    else:
        from aigeo_assets.sampleworld import generate_world

        root = generate_world(REPO / "data" / "sources" / "sample-demo-20221121", scale="demo", seed=20221121)
    json_parts = list_entity_files(root, "works").parts
    json_bytes = sum(f.stat().st_size for f in json_parts)
    results: dict[str, dict] = {}

    def record(name, works, secs, **extra):
        rate = works / secs if secs > 0 else None
        results[name] = {"works": works, "seconds": round(secs, 3), "works_per_second": round(rate) if rate else None, **extra}
        print(f"{name:<24} {rate:>10,.0f} works/s  ({secs:6.2f} s, {works:,} works)", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        copy, secs = _timed(lambda: write_parquet_snapshot(root, out))
        parts = list_parquet_parts(out).parts
        rows = sum(copy.rows.values())
        parquet_bytes = sum(p.stat().st_size for p in parts)
        print(f"snapshot: {root} ({len(json_parts)} parts, {json_bytes / 1e6:.1f} MB gzip JSON, {parquet_bytes / 1e6:.1f} MB Parquet)")
        record("write_parquet_copy", rows, secs, skipped_lines=dict(copy.skipped))
        record("pyarrow_bare_read", *_timed(lambda: bare_read(parts)))
        json_t, secs = _timed(lambda: parse_works_year(json_parts, None))
        record("json_one_pass", json_t.accounting_totals()["lines_read"], secs, parsed=len(json_t.works))
        pq_t, secs = _timed(lambda: parse_parquet_works_year(parts, None))
        record("parquet_one_pass", pq_t.accounting_totals()["lines_read"], secs, parsed=len(pq_t.works))
        same = all(
            json_t.tables()[k].sort_values(list(json_t.tables()[k].columns)).reset_index(drop=True).equals(
                pq_t.tables()[k].sort_values(list(pq_t.tables()[k].columns)).reset_index(drop=True)
            )
            for k in json_t.tables()
        )
        del json_t, pq_t
        extracts, secs = _timed(lambda: [extract_json_part(p) for p in json_parts])
        record("json_extract_parts", sum(e.lines_read for e in extracts), secs)
        extracts, secs = _timed(lambda: [extract_parquet_part(p) for p in parts])
        record("parquet_extract_parts", sum(e.lines_read for e in extracts), secs)
        del extracts
        t, secs = _timed(lambda: parse_works_year(json_parts, args.year))
        record("json_one_year", t.accounting_totals()["lines_read"], secs, parsed=len(t.works))
        t, secs = _timed(lambda: parse_parquet_works_year(parts, args.year))
        record("parquet_one_year", t.accounting_totals()["lines_read"], secs, parsed=len(t.works))
    rate = {k: v["works_per_second"] for k, v in results.items()}
    summary = {
        "tables_identical_json_vs_parquet": same,
        "parquet_over_json_one_pass": round(rate["parquet_one_pass"] / rate["json_one_pass"], 2),
        "parquet_over_json_extract": round(rate["parquet_extract_parts"] / rate["json_extract_parts"], 2),
        "parquet_over_json_one_year": round(rate["parquet_one_year"] / rate["json_one_year"], 2),
        "bare_read_over_parquet_one_pass": round(rate["pyarrow_bare_read"] / rate["parquet_one_pass"], 2),
        "bytes_parquet_over_gzip_json": round(parquet_bytes / json_bytes, 3),
    }
    print(json.dumps(summary))
    write_results(
        "parquet_snapshot",
        {
            "snapshot": repo_path(root),
            "parts": len(json_parts),
            "gzip_json_bytes": json_bytes,
            "parquet_bytes": parquet_bytes,
            "parquet_columns": "the columns aigeo reads (WORKS_PARQUET_SCHEMA); a real snapshot's parts hold every field",
            "results": results,
            "summary": summary,
        },
    )


if __name__ == "__main__":
    main()
