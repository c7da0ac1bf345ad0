"""Ingest speed: works per second reading a snapshot's works parts, beside peers on the same files.

Runs, in one process (one core) and on the same parts (the demo sample world unless --snapshot is given):
  * bare_json_loads / bare_orjson - gzip + ``json.loads`` / ``orjson.loads`` of every line, nothing else;
  * pyarrow_json     - ``pyarrow.json.read_json`` of each part with an explicit schema (a columnar peer);
  * duckdb_json      - DuckDB's ``read_json`` (one thread) with every field the extract reads, into Arrow;
  * extract_<reader> - ``part_extract.extract_json_part(part, reader=...)`` of every part: the per-part
    columnar extract (all tables of every year) by each reader: ``isal`` (an intact
    gzip part inflated by ISA-L, then line by line as ``lines``), ``lines`` (zlib with every gzip
    break reported, each line decoded into msgspec structs); the readers take each part in turn, so
    a change in load hits both alike; ``parts_fallback`` counts parts ``isal`` left to ``lines`` (a
    gzip stream not intact);
    ``native`` (the default once built: the compiled reader, ``native_works``, with every line it
    is not certain of left to the line reader);
  * extract_write_isal, extract_write_native - extract_isal / extract_native and the extract written
    as the cache stores it (``part_extract.write_part_extract``): the per-part cost of a cold run;
  * raw_works_cold   - every configured year's ``raw_works`` tables from an empty extract cache
    (each part extracted once, then each year assembled) + writing them to parquet, as the Dagster
    partitions do; raw_works_warm - the same with the cache filled (a re-run, a merged_ids change);
  * before_*         - with ``--before DIR`` (a checkout of an earlier commit): extract_isal,
    extract_write_isal, raw_works_cold and raw_works_warm measured in a child process importing that tree's aigeo_assets,
    in the same run on the same parts (``ratio_*_after_to_before`` in the summary);
  * aigeo_one_pass   - the line-by-line scan of every year in one pass (``parse_works_year(files,
    None)``), the reference the extracts are proven equal to.
``--sample-parts N``: N parts spread evenly over the snapshot's list (e.g. ~20 parts of the paper
world); ``--years FIRST:LAST``: the configured years of the per-year runs (default: the first part's
range of years); ``--label NAME``: the run is stored under ``snapshots.NAME`` of the results file,
beside the default run (the demo world) at its top level.
Bytes on disk: the gzip snapshot, the extract cache, and the size of the JSON year-split copy the
extracts replace (``json_copy_bytes``: the parts' lines recompressed with gzip level 1, as that cache
stored them). Rates are works per CPU-second of this process (per core; wall seconds are recorded too, but on a
shared machine they measure the other jobs). Every contestant runs with Python's cyclic garbage collector
off, as the readers themselves run. Goal (issue 13): >= 30,000 works/s per core with
exact accounting.
Writes benchmarks/results/ingest.json.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import orjson

REPO = Path(__file__).resolve().parents[1]
TREE = Path(os.environ.get("AIGEO_BENCH_TREE") or REPO)
"""The source tree whose aigeo_assets is measured: this one, or (in the child that ``--before`` starts)
a checkout of the commit compared against."""
sys.path.insert(0, str(TREE))

from results_file import repo_path, write_results  # noqa: E402

from aigeo_assets.ingest.snapshot import list_entity_files  # noqa: E402
from aigeo_assets.ingest.part_extract import extract_json_part, inflated_extract, write_part_extract  # noqa: E402

try:  # an earlier commit's tree (--before) has no compiled reader
    from aigeo_assets.ingest.part_extract import native_extract  # noqa: E402
except ImportError:
    native_extract = None
from aigeo_assets.ingest.works import accounting_problems, parse_works_year  # noqa: E402
from aigeo_assets.resources.io import write_parquet_atomic  # noqa: E402


def _timed(fn):
    """(result, wall seconds, CPU seconds of this process): on a shared machine the CPU seconds give
    the per-core rate; the wall seconds depend on what else runs."""
    gc.disable()  # as the readers run (extract_json_part, parse_works_year): every contestant alike
    try:
        t, c = time.perf_counter(), time.process_time()
        n = fn()
        return n, time.perf_counter() - t, time.process_time() - c
    finally:
        gc.enable()


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


DUCKDB_COLUMNS = (
    "{id: 'VARCHAR', publication_year: 'BIGINT', doi: 'VARCHAR', title: 'VARCHAR', type: 'VARCHAR',"
    " type_crossref: 'VARCHAR', ids: 'STRUCT(pmid VARCHAR)', referenced_works: 'VARCHAR[]',"
    " authorships: 'STRUCT(author_position VARCHAR, author STRUCT(id VARCHAR), institutions STRUCT(id VARCHAR,"
    " display_name VARCHAR, country_code VARCHAR)[], countries VARCHAR[], raw_affiliation_strings VARCHAR[],"
    " affiliations STRUCT(raw_affiliation_string VARCHAR, institution_ids VARCHAR[])[])[]',"
    " concepts: 'STRUCT(id VARCHAR, display_name VARCHAR, level BIGINT, score DOUBLE)[]',"
    " topics: 'STRUCT(id VARCHAR, subfield STRUCT(id VARCHAR), field STRUCT(id VARCHAR), domain STRUCT(id VARCHAR), score DOUBLE)[]',"
    " primary_topic: 'STRUCT(id VARCHAR, subfield STRUCT(id VARCHAR), field STRUCT(id VARCHAR), domain STRUCT(id VARCHAR), score DOUBLE)',"
    " primary_location: 'STRUCT(source STRUCT(id VARCHAR, display_name VARCHAR, issn_l VARCHAR, type VARCHAR), raw_type VARCHAR, raw_source_name VARCHAR)',"
    " abstract_inverted_index: 'JSON'}"
)


def duckdb_json(files) -> tuple[int, int]:
    """DuckDB's JSON reader (one thread, so CPU-seconds are one core's) on every field the extract
    reads, the abstract kept as JSON text, into Arrow: a parse-only peer (no rows built, and DuckDB
    casts a value of another JSON type where aigeo must quarantine it). A file it cannot read is
    counted as failed."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads=1")
    n = failed = 0
    for f in files:
        try:
            n += con.sql(f"SELECT * FROM read_json('{f}', format='newline_delimited', columns={DUCKDB_COLUMNS})").to_arrow_table().num_rows
        except duckdb.Error:
            failed += 1
    return n, failed


def ours_extract_interleaved(files, readers: list[str]) -> dict[str, tuple[int, float, float, int]]:
    """Each part read by every reader in turn (so a change in the machine's load hits all alike):
    {reader: (lines read, wall seconds, CPU seconds, parts the reader left to the line reader)}.
    ``write_isal``: the ``isal`` reader, then its extract written as the cache stores it (into a
    temporary folder, removed outside the timing)."""
    direct = {"native": native_extract, "isal": inflated_extract, "write_isal": inflated_extract, "write_native": native_extract}
    out = {r: [0, 0.0, 0.0, 0] for r in readers}
    gc.disable()
    for f in files:
        for reader in readers:
            tmp = Path(tempfile.mkdtemp()) / "extract"
            t, c = time.perf_counter(), time.process_time()
            if reader == "lines":
                got, fallback = extract_json_part(f, reader="lines"), 0
            else:
                got = direct[reader](f, str(f))
                fallback = got is None
                if got is None:
                    got = extract_json_part(f, reader="lines")
                if reader.startswith("write_"):
                    write_part_extract(got, tmp, str(f), 0, 0)
            acc = out[reader]
            acc[0] += got.lines_read
            acc[1] += time.perf_counter() - t
            acc[2] += time.process_time() - c
            acc[3] += fallback
            del got
            shutil.rmtree(tmp.parent, ignore_errors=True)
    gc.enable()
    return {r: tuple(v) for r, v in out.items()}


def ours_raw_works(files, years, out: Path, cache: Path) -> int:
    n = 0
    for y in years:
        t = parse_works_year(files, y, split_cache_dir=cache, years=years)
        assert not accounting_problems(t), accounting_problems(t)[:3]
        for name, df in t.tables().items():
            write_parquet_atomic(df, out / name / f"{y}.parquet")
        n += len(t.works)
    return n


def stage_rates(files, years) -> dict[str, dict]:
    """extract_isal, raw_works_cold and raw_works_warm of this process's aigeo_assets (``TREE``):
    (works, wall s, CPU s) each; what the ``--before`` child measures."""
    out = {}
    for reader, (n, secs, cpu, fallback) in ours_extract_interleaved(files, ["isal", "write_isal"]).items():
        out[f"extract_{reader}"] = (n, secs, cpu, {"parts_fallback": fallback})
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "_part_extracts"
        out["raw_works_cold"] = (*_timed(lambda: ours_raw_works(files, years, Path(tmp) / "c", cache)), {})
        out["raw_works_warm"] = (*_timed(lambda: ours_raw_works(files, years, Path(tmp) / "w", cache)), {})
    return out


def before_rates(tree: Path, root: Path, years: list[int], sample_parts: int | None = None) -> dict[str, tuple]:
    """``stage_rates`` of the aigeo_assets in ``tree`` (an earlier commit's checkout), measured in a
    child process (its own CPU seconds) on the same snapshot and years."""
    import subprocess

    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([sys.executable, __file__, "--snapshot", str(root), "--stage-only", out.name,
                        "--years", f"{years[0]}:{years[-1]}", *(["--sample-parts", str(sample_parts)] if sample_parts else [])],
                       env={**os.environ, "AIGEO_BENCH_TREE": str(tree)}, check=True)
        return {k: tuple(v) for k, v in json.loads(Path(out.name).read_text()).items()}


def _sample(parts: list[Path], n: int | None) -> list[Path]:
    """``n`` parts spread evenly over ``parts`` (every part when ``n`` is None or not smaller)."""
    if not n or n >= len(parts):
        return list(parts)
    return [parts[round(i * (len(parts) - 1) / (n - 1))] if n > 1 else parts[0] for i in range(n)]


def _commit(tree: Path) -> str | None:
    import subprocess

    got = subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return got.stdout.strip() or None


def json_copy_bytes(files) -> int:
    total = 0
    for f in files:
        data = gzip.decompress(f.read_bytes()) if f.read_bytes()[:2] == b"\x1f\x8b" else f.read_bytes()
        total += len(gzip.compress(data, compresslevel=1, mtime=0))
    return total


def tree_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--snapshot", help="an OpenAlex snapshot directory (default: the demo sample world)")
    ap.add_argument("--skip-per-year", action="store_true", help="skip raw_works_cold / raw_works_warm")
    ap.add_argument("--readers", default="native,isal,lines")
    ap.add_argument("--before", help="a checkout of the commit to compare with: its extract and per-year stage measured too")
    ap.add_argument("--stage-only", metavar="JSON", help=argparse.SUPPRESS)  # the --before child: stage_rates into JSON
    ap.add_argument("--years", help="FIRST:LAST, the configured years of the per-year runs (default: the first part's range)")
    ap.add_argument("--sample-parts", type=int, help="measure N parts spread evenly over the snapshot's parts")
    ap.add_argument("--label", help="store this run under snapshots.LABEL of the results file")
    ap.add_argument("--skip-one-pass", action="store_true",
                    help="skip aigeo_one_pass (it holds every year's rows at once: several GB on ~20 paper parts)")
    args = ap.parse_args()
    if args.stage_only:
        first, last = map(int, args.years.split(":"))
        got = stage_rates(_sample(list_entity_files(Path(args.snapshot), "works").parts, args.sample_parts), list(range(first, last + 1)))
        Path(args.stage_only).write_text(json.dumps(got))
        return
    if args.snapshot:
        root = Path(args.snapshot)
    else:
        from aigeo_assets.sampleworld import generate_world

        root = generate_world(REPO / "data" / "sources" / "sample-demo-20221121", scale="demo", seed=20221121)
    files = _sample(list_entity_files(root, "works").parts, args.sample_parts)
    size = sum(f.stat().st_size for f in files)
    results: dict[str, dict] = {}

    def record(name, n, secs, cpu, **extra):
        rate = n / cpu if isinstance(n, int) and cpu > 0 else None
        results[name] = {"works": n, "seconds": round(secs, 3), "cpu_seconds": round(cpu, 3),
                         "works_per_cpu_second": round(rate) if rate else None, **extra}
        shown = f"{rate:>10,.0f} works/CPU-s" if rate else f"{n}"
        print(f"{name:<27} {shown}  ({cpu:6.2f} CPU-s, {secs:6.2f} s wall) {extra or ''}", flush=True)

    print(f"snapshot: {root} ({len(files)} parts, {size / 1e6:.1f} MB gzip)")
    load_at_start = round(os.getloadavg()[0], 1)
    t0 = time.process_time()
    record("bare_json_loads", *_timed(lambda: bare(files, json.loads)))
    record("bare_orjson", *_timed(lambda: bare(files, orjson.loads)))
    (n_pa, failed_pa), secs, cpu = _timed(lambda: pyarrow_json(files))
    record("pyarrow_json", n_pa, secs, cpu, files_failed=failed_pa)
    (n_dd, failed_dd), secs, cpu = _timed(lambda: duckdb_json(files))
    record("duckdb_json", n_dd, secs, cpu, files_failed=failed_dd)
    from aigeo_assets.ingest import native_works

    if native_works.available() is not None:
        sys.exit(f"the compiled reader: {native_works.available()}")
    for reader, (n, secs, cpu, fallback) in ours_extract_interleaved(files, [*args.readers.split(","), "write_isal", "write_native"]).items():
        record(f"extract_{reader}", n, secs, cpu, parts_fallback=fallback)
    disk: dict[str, int] = {"snapshot_gzip_bytes": size, "json_copy_bytes": json_copy_bytes(files)}
    if args.years:
        first, last = map(int, args.years.split(":"))
        years = list(range(first, last + 1))
    else:
        years = sorted({y for f in files[:1] for y in extract_json_part(f).year_lines})
        years = list(range(min(years), max(years) + 1))
    if args.before:
        for name, (n, secs, cpu, extra) in before_rates(Path(args.before), root, years, args.sample_parts).items():
            record(f"before_{name}", n, secs, cpu, **extra)
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_one_pass:
            record("aigeo_one_pass", *_timed(lambda: ours_one_pass(files, Path(tmp))))
        if not args.skip_per_year:
            cache = Path(tmp) / "_part_extracts"
            record("raw_works_cold", *_timed(lambda: ours_raw_works(files, years, Path(tmp) / "c", cache)))
            record("raw_works_warm", *_timed(lambda: ours_raw_works(files, years, Path(tmp) / "w", cache)))
            results["raw_works_warm"]["years"] = len(years)
            results["raw_works_warm"]["cpu_seconds_per_year"] = round(results["raw_works_warm"]["cpu_seconds"] / len(years), 3)
            disk["part_extract_bytes"] = tree_bytes(cache)
            disk["raw_works_warehouse_bytes"] = tree_bytes(Path(tmp) / "w")
    works = (results.get("aigeo_one_pass") or results.get("raw_works_cold") or results["extract_isal"])["works"]
    disk["bytes_per_work"] = {k: round(v / works, 1) for k, v in disk.items() if isinstance(v, int)}
    print(json.dumps(disk))
    best = max((v["works_per_cpu_second"] or 0, k) for k, v in results.items() if k.startswith("extract_"))
    summary = {
        "fastest_extract": best[1],
        "fastest_extract_works_per_cpu_second": best[0],
        "ratio_pyarrow_json_to_fastest_extract": round(results["pyarrow_json"]["works_per_cpu_second"] / best[0], 2),
        "ratio_bare_orjson_to_fastest_extract": round(results["bare_orjson"]["works_per_cpu_second"] / best[0], 2),
        "ratio_duckdb_json_to_fastest_extract": round((results["duckdb_json"]["works_per_cpu_second"] or 0) / best[0], 2),
        **{f"ratio_{k}_after_to_before": round(results[k]["works_per_cpu_second"] / results[f"before_{k}"]["works_per_cpu_second"], 2)
           for k in ("extract_isal", "extract_write_isal", "raw_works_cold", "raw_works_warm") if f"before_{k}" in results and k in results},
        "stage_cold_works_per_cpu_second": results.get("raw_works_cold", {}).get("works_per_cpu_second"),
        "before_commit": _commit(Path(args.before)) if args.before else None,
        "after_commit": _commit(REPO),
        "load_average_1min_at_start": load_at_start,
        "goal_30k_works_per_second": best[0] >= 30_000,
        "cpu_seconds": round(time.process_time() - t0, 1),
        "load_average_1min_at_end": round(os.getloadavg()[0], 1),
    }
    print(json.dumps(summary))
    run = {"snapshot": repo_path(root), "parts": len(files), "gzip_bytes": size, "years": f"{years[0]}:{years[-1]}",
           "results": results, "disk_bytes": disk, "summary": summary}
    path = Path(__file__).resolve().parent / "results" / "ingest.json"
    try:
        previous = json.loads(path.read_text())
    except (OSError, ValueError):
        previous = {}
    snapshots = previous.get("snapshots", {})
    if args.label:  # beside the default run, which stays as it was
        snapshots[args.label] = {**run, "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S")}
        kept = {k: v for k, v in previous.items() if k not in ("machine", "python", "measured_at", "snapshots")}
        write_results("ingest", {**kept, "snapshots": snapshots})
    else:
        write_results("ingest", {**run, "snapshots": snapshots})


if __name__ == "__main__":
    main()
