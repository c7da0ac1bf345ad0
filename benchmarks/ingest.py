"""Ingest speed: works per second parsing a snapshot into parquet, beside peers on the same files.

Runs, in one process and on the same files (the demo sample world unless --snapshot is given):
  * bare_json_loads  - gzip + ``json.loads`` of every line, nothing else (the floor we compare to);
  * bare_orjson      - the same with orjson;
  * pyarrow_json     - ``pyarrow.json.read_json`` of each part file (a columnar peer);
  * aigeo_one_pass   - ``parse_works_year(files, None)`` + writing the six tables to parquet;
  * aigeo_per_year   - one scan per year of the parts themselves, each writing its tables (each line's
    year is read by decoding its ``publication_year``, the record schema's rule, not a byte search);
  * aigeo_per_year_cached_cold / _warm - the same with the year-split cache (``split_cache_dir``):
    cold starts from an empty cache (the first scans split the parts), warm reuses it; this is what
    the Dagster partitions do.
Goal (issue 2): aigeo_one_pass within 2x of bare_json_loads and >= 30,000 works/s per process.
Writes benchmarks/results/ingest.json.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
import time
from pathlib import Path

import orjson

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from results_file import repo_path, write_results  # noqa: E402

from aigeo_assets.ingest.snapshot import list_entity_files  # noqa: E402
from aigeo_assets.ingest.works import parse_works_year  # noqa: E402
from aigeo_assets.resources.io import write_parquet_atomic  # noqa: E402


def _timed(fn):
    t = time.perf_counter()
    n = fn()
    return n, time.perf_counter() - t


def bare(files, loads) -> int:
    n = 0
    for f in files:
        with gzip.open(f, "rb") as fh:
            for line in fh:
                if line.strip():
                    try:
                        loads(line)
                    except ValueError:
                        continue
                    n += 1
    return n


def _pyarrow_schema():
    import pyarrow as pa

    s = pa.string()
    inst = pa.struct([("id", s), ("display_name", s), ("country_code", s)])
    auth = pa.struct([
        ("author_position", s), ("author", pa.struct([("id", s)])), ("institutions", pa.list_(inst)),
        ("countries", pa.list_(s)), ("raw_affiliation_strings", pa.list_(s)),
    ])
    concept = pa.struct([("id", s), ("display_name", s), ("level", pa.int64()), ("score", pa.float64())])
    source = pa.struct([("id", s), ("display_name", s), ("issn_l", s), ("type", s)])
    return pa.schema([
        ("id", s), ("doi", s), ("title", s), ("publication_year", pa.int64()), ("type", s), ("type_crossref", s),
        ("referenced_works", pa.list_(s)), ("authorships", pa.list_(auth)), ("concepts", pa.list_(concept)),
        ("primary_location", pa.struct([("source", source)])),
    ])


def pyarrow_json(files) -> tuple[int, int]:
    """pyarrow's JSON reader on the fields aigeo extracts (an explicit schema: inferring one from
    OpenAlex's ragged objects such as abstract_inverted_index fails). A file it cannot read (the
    sample world plants a malformed line) is counted as failed, not retried."""
    import pyarrow as pa
    import pyarrow.json as pj

    opts = pj.ParseOptions(explicit_schema=_pyarrow_schema(), unexpected_field_behavior="ignore")
    n = failed = 0
    for f in files:
        try:
            n += pj.read_json(pa.input_stream(str(f), compression="gzip"), parse_options=opts).num_rows
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            failed += 1
    return n, failed


def ours_one_pass(files, out: Path) -> int:
    t = parse_works_year(files, None)
    for name, df in t.tables().items():
        write_parquet_atomic(df, out / f"{name}.parquet")
    return len(t.works)


def ours_per_year(files, years, out: Path, cache: Path | None = None) -> int:
    n = 0
    for y in years:
        t = parse_works_year(files, y, split_cache_dir=cache)
        for name, df in t.tables().items():
            write_parquet_atomic(df, out / name / f"{y}.parquet")
        n += len(t.works)
    return n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--snapshot", help="an OpenAlex snapshot directory (default: the demo sample world)")
    ap.add_argument("--skip-per-year", action="store_true")
    args = ap.parse_args()
    if args.snapshot:
        root = Path(args.snapshot)
    else:
        from aigeo_assets.sampleworld import generate_world

        root = generate_world(REPO / "data" / "sources" / "sample-demo-20221121", scale="demo", seed=20221121)
    files = list_entity_files(root, "works").parts
    size = sum(f.stat().st_size for f in files)
    results: dict[str, dict] = {}

    def record(name, n, secs):
        rate = n / secs if isinstance(n, int) and secs > 0 else None
        results[name] = {"works": n, "seconds": round(secs, 3), "works_per_second": round(rate) if rate else None}
        shown = f"{rate:>10,.0f} works/s" if rate else f"{n}"
        print(f"{name:<27} {shown}  ({secs:6.2f} s)", flush=True)

    print(f"snapshot: {root} ({len(files)} parts, {size / 1e6:.1f} MB gzip)")
    record("bare_json_loads", *_timed(lambda: bare(files, json.loads)))
    record("bare_orjson", *_timed(lambda: bare(files, orjson.loads)))
    (n_pa, failed_pa), secs = _timed(lambda: pyarrow_json(files))
    record("pyarrow_json", n_pa, secs)
    results["pyarrow_json"]["files_failed"] = failed_pa
    with tempfile.TemporaryDirectory() as tmp:
        record("aigeo_one_pass", *_timed(lambda: ours_one_pass(files, Path(tmp))))
        if not args.skip_per_year:
            years = sorted(parse_works_year(files[:1], None).works["publication_year"].dropna().astype(int).unique())
            years = list(range(min(years), max(years) + 1))
            record("aigeo_per_year", *_timed(lambda: ours_per_year(files, years, Path(tmp) / "y")))
            cache = Path(tmp) / "_year_split"
            record("aigeo_per_year_cached_cold", *_timed(lambda: ours_per_year(files, years, Path(tmp) / "c", cache)))
            record("aigeo_per_year_cached_warm", *_timed(lambda: ours_per_year(files, years, Path(tmp) / "w", cache)))
    base = results["bare_json_loads"]["works_per_second"]
    ours = results["aigeo_one_pass"]["works_per_second"]
    summary = {
        "ratio_bare_json_to_aigeo": round(base / ours, 2),
        "goal_within_2x_of_json_loads": base / ours <= 2.0,
        "goal_30k_works_per_second": ours >= 30_000,
    }
    print(json.dumps(summary))
    write_results("ingest", {"snapshot": repo_path(root), "parts": len(files), "gzip_bytes": size, "results": results, "summary": summary})


if __name__ == "__main__":
    main()
