"""The CD index (AlShebli et al. 2022, Supplementary Fig. 3): ours (``metrics.disruption.cd_index``, set keys
and sorted joins over the whole corpus at once) beside Funk's reference implementation (``cdindex``,
a C extension walking each focal paper's citers), on the same input.

Inputs:
  * a generated citation graph shaped like a bibliographic one (``--works``, default 1,000,000 works
    over 1990-2019, growing 8 % a year; about 12 references each, 80 % to the previous five years,
    picked by a lognormal fitness, so some works are cited hundreds of times);
  * the tiny sample world's citations (generated into a temporary folder), and ``--world DIR`` for
    a generated world of any scale (its parts read with pyarrow: id, year, references).

For each input: our CD_5 of every work (one call, the wall and CPU time), ``cdindex``'s graph
construction and its CD_5 on a random sample of focal works (``--sample``), extrapolated to every
work in values per second; the largest difference between the two on the sample (must be 0 up to
rounding). The issue quotes cdindex's published speed on 116 M works: 84 values/s. Writes
benchmarks/results/disruption.json.

``--asset-memory --warehouse DIR [--old-rev REV] [--years 1990:2004,2005:2019]`` instead measures the
``out_disruption`` step as a range run does it on a warehouse (``core_papers`` and ``core_citations``
read as the asset reads them: its columns, one citation year at a time, a window of years held), each
range in a fresh process, with this tree's code and with ``--old-rev``'s (a ``git archive`` in a
temporary folder): peak RSS (ru_maxrss: imports and input included), CPU seconds, and the largest
year. Every year's table of the two versions must be equal (``assert_frame_equal``) before
benchmarks/results/disruption_memory.json is written (one entry per input, ``--label``).
"""

from __future__ import annotations

import argparse
import functools
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from results_file import RESULTS, repo_path, status_mb, write_results  # noqa: E402

WINDOW = 5
RESULTS_FILE = RESULTS / "disruption.json"
FITNESS_SIGMA = 1.2
"""Lognormal attractiveness of the generated graph's works (the sample world's is 1.0): the most
cited works of a year get a few hundred times the median's citations."""


def random_citation_graph(n: int, seed: int = 0, years: tuple[int, int] = (1990, 2019), refs_mean: float = 12.0):
    """``(works, links)``: works (``work_id``, ``publication_year``) and links (citing, cited,
    citing_year), drawn year by year, references to earlier years (lag 1..5 for 80 %, else up to 20)
    with probability proportional to a lognormal fitness (``FITNESS_SIGMA``)."""
    rng = np.random.default_rng(seed)
    span = np.arange(years[0], years[1] + 1)
    weight = 1.08 ** (span - years[0])
    per_year = np.maximum(1, np.round(n * weight / weight.sum())).astype(np.int64)
    year = np.repeat(span, per_year)
    n = len(year)
    fitness = rng.lognormal(0.0, FITNESS_SIGMA, n)
    start = np.concatenate([[0], np.cumsum(per_year)])
    citing_parts, cited_parts = [], []
    for k, y in enumerate(span):
        lo, hi = start[k], start[k + 1]
        if k == 0:
            continue
        n_refs = rng.poisson(refs_mean, size=hi - lo)
        citing = np.repeat(np.arange(lo, hi), n_refs)
        lag = np.where(rng.random(len(citing)) < 0.8, rng.integers(1, 6, len(citing)), rng.integers(1, 21, len(citing)))
        lag = np.minimum(lag, k)
        cited = np.empty(len(citing), dtype=np.int64)
        for g in np.unique(lag):
            sel = np.flatnonzero(lag == g)
            a, b = start[k - g], start[k - g + 1]
            cum = np.cumsum(fitness[a:b])
            cited[sel] = a + np.minimum(np.searchsorted(cum, rng.random(len(sel)) * cum[-1], side="right"), b - a - 1)
        citing_parts.append(citing)
        cited_parts.append(cited)
    pairs = np.unique(np.concatenate(citing_parts) * n + np.concatenate(cited_parts))
    citing, cited = pairs // n, pairs % n
    ids = np.char.add("W", np.arange(n).astype(str)).astype(object)
    works = pd.DataFrame({"work_id": ids, "publication_year": year})
    links = pd.DataFrame({"citing_work_id": ids[citing], "cited_work_id": ids[cited], "citing_year": year[citing]})
    return works, links


ID_PREFIX = len("https://openalex.org/W")


def world_citations(root: Path, max_parts: int | None = None, accounting: dict | None = None):
    """``(works, links)`` of a generated world, read from its works parts with DuckDB's JSON reader
    (id, publication_year, referenced_works; two threads); references to works outside it, to itself
    or to a later year dropped. The world plants malformed lines and corrupt stretches in most parts:
    DuckDB leaves those lines out (``ignore_errors``), and ``accounting`` gets the parts and the rows
    without an id or a year. Ids are integers inside DuckDB and handed over as ``W<n>`` strings."""
    import duckdb
    import pyarrow as pa

    parts = [str(p) for p in sorted((root / "data" / "works").rglob("*.gz"))[:max_parts]]
    con = duckdb.connect()
    con.execute("set threads = 2")
    columns = "{id: 'VARCHAR', publication_year: 'BIGINT', referenced_works: 'VARCHAR[]'}"
    con.execute(
        f"create temp table raw as select try_cast(substr(id, {ID_PREFIX + 1}) as bigint) as w, publication_year as y, "
        f"referenced_works as r from read_json(?, format = 'newline_delimited', columns = {columns}, ignore_errors = true, "
        "maximum_object_size = 100000000)",
        [parts],
    )
    acc = accounting if accounting is not None else {}
    acc.update(parts=len(parts), rows_without_id_or_year=con.execute("select count(*) from raw where w is null or y is null").fetchone()[0])
    con.execute("create temp table works as select w, min(y) as y from raw where w is not null and y is not null group by w order by w")
    con.execute(
        f"create temp table links as select distinct raw.w as s, try_cast(substr(ref, {ID_PREFIX + 1}) as bigint) as t "
        "from (select w, unnest(r) as ref from raw where w is not null and y is not null) raw"
    )
    works = con.sql("select w, y from works order by w").to_arrow_table()
    links = con.sql(
        "select l.s, l.t, a.y as cy from links l join works a on a.w = l.s join works b on b.w = l.t "
        "where l.s <> l.t and b.y <= a.y order by l.s, l.t"
    ).to_arrow_table()
    con.close()

    def names(col) -> pd.Series:
        return pd.Series(pa.compute.binary_join_element_wise("W", col.cast(pa.string()), ""), dtype="string[pyarrow]")

    return (pd.DataFrame({"work_id": names(works["w"]), "publication_year": works["y"].to_numpy()}),
            pd.DataFrame({"citing_work_id": names(links["s"]), "cited_work_id": names(links["t"]), "citing_year": links["cy"].to_numpy()}))


def _b_pairs(works: pd.DataFrame, links: pd.DataFrame) -> int:
    """(focal, citer-of-a-reference) pairs the B join meets before deduplication: the size of the work."""
    code = pd.Index(works["work_id"])
    year = works["publication_year"].to_numpy()
    p, r = code.get_indexer(links["citing_work_id"]), code.get_indexer(links["cited_work_id"])
    total = 0
    for d in range(1, WINDOW + 1):  # citers of r published d years after p
        cy = year[p]  # the link's citing year is p's year
        key_ref = pd.Series(1, index=pd.MultiIndex.from_arrays([r, cy + d])).groupby(level=[0, 1]).size()
        key_cit = pd.Series(1, index=pd.MultiIndex.from_arrays([r, cy])).groupby(level=[0, 1]).size()
        total += int((key_ref * key_cit.reindex(key_ref.index, fill_value=0)).sum())
    return total


def measure(name: str, works: pd.DataFrame, links: pd.DataFrame, sample: int, seed: int = 0) -> dict:
    import cdindex

    from aigeo_assets.metrics.disruption import cd_index

    print(f"{name}: {len(works):,} works, {len(links):,} links", flush=True)
    w0, c0 = time.perf_counter(), time.process_time()
    ours = cd_index(works, links, links, WINDOW)
    ours_wall, ours_cpu = time.perf_counter() - w0, time.process_time() - c0
    print(f"  ours: {ours_wall:.1f} s wall, {ours_cpu:.1f} CPU-s", flush=True)
    w0 = time.perf_counter()
    g = cdindex.Graph()
    for w, y in zip(works["work_id"].tolist(), works["publication_year"].astype(int).tolist()):
        g.add_vertex(w, y)
    for s, t in zip(links["citing_work_id"].tolist(), links["cited_work_id"].tolist()):
        g.add_edge(s, t)
    build = time.perf_counter() - w0
    rng = np.random.default_rng(seed)
    at = np.sort(rng.choice(len(works), size=min(sample, len(works)), replace=False))
    focal = works["work_id"].to_numpy()[at]
    w0 = time.perf_counter()
    ref = np.array([np.nan if (v := g.cdindex(f, WINDOW)) is None else v for f in focal], dtype=float)
    cd_time = time.perf_counter() - w0
    print(f"  cdindex: graph {build:.1f} s, {len(focal):,} values in {cd_time:.1f} s", flush=True)
    mine = ours["cd"].to_numpy()[at]
    same_nan = bool(np.array_equal(np.isnan(ref), np.isnan(mine)))
    diff = float(np.nanmax(np.abs(ref - mine), initial=0.0))
    per_value = cd_time / len(focal)
    return {
        "works": len(works), "links": len(links), "window": WINDOW,
        "works_with_cd": int(ours["cd"].notna().sum()),
        "b_pairs_before_dedup": _b_pairs(works, links),
        "ours_wall_s": round(ours_wall, 2), "ours_cpu_s": round(ours_cpu, 2),
        "ours_values_per_s": round(len(works) / ours_wall, 1),
        "cdindex_graph_build_s": round(build, 2),
        "cdindex_sample": len(focal), "cdindex_sample_s": round(cd_time, 3),
        "cdindex_values_per_s": round(1 / per_value, 1) if per_value else None,
        "cdindex_all_works_s_extrapolated": round(build + per_value * len(works), 1),
        "speedup_vs_cdindex_with_build": round((build + per_value * len(works)) / ours_wall, 1),
        "speedup_vs_cdindex_values_only": round(per_value * len(works) / ours_wall, 1),
        "sample_max_abs_difference": diff, "sample_same_nan": same_nan,
        "peak_rss_mb": status_mb("VmHWM"),
    }


def asset_years(code: Path, warehouse: Path, first: int, last: int, window: int = WINDOW) -> tuple[dict, dict]:
    """``out_disruption`` of ``first..last`` computed as one range run of the asset does it, with the
    ``aigeo_assets`` package found in ``code`` (imported by the caller): the years' tables and, per
    year, the peak RSS and CPU seconds so far. A version with ``WindowLinks`` reads each citation year
    in batches and keeps only the links that can count; one with ``year_disruption`` codes each
    citation year when read (``citation_links``) and keeps only those; an earlier one holds the years'
    tables and concatenates the window's."""
    from aigeo_assets.assets.ranges import SlidingPartitions
    from aigeo_assets.metrics import disruption as d

    if hasattr(d, "PAPER_COLUMNS"):
        PAPER_COLUMNS = d.PAPER_COLUMNS
    else:  # a version before the columns moved to the functional core
        from aigeo_assets.assets.disruption import PAPER_COLUMNS
    from aigeo_assets.resources.io import LazyPartitions

    def read(folder: str, key: str, columns: list[str]) -> pd.DataFrame:
        return pd.read_parquet(warehouse / folder / f"{key}.parquet", columns=columns)

    there = sorted(int(p.stem) for p in (warehouse / "core_citations").glob("*.parquet"))
    read_years = [y for y in there if first <= y <= last + window]
    if hasattr(d, "WindowLinks"):  # each citation year read in batches, only the links that can count kept
        import pyarrow.parquet as pq

        from aigeo_assets.resources.io import parquet_batches

        def batches(year: int):
            return parquet_batches(pq.ParquetFile(warehouse / "core_citations" / f"{year}.parquet"), d.CITATION_COLUMNS,
                                   d.CITATION_BATCH_ROWS)

        codes = d.WorkCodes()
        papers = LazyPartitions({str(y): functools.partial(read, "core_papers", str(y), PAPER_COLUMNS) for y in range(first, last + 1)})
        links = d.WindowLinks(batches, read_years, papers, window, codes)
        tables, stages = {}, {}
        for year in range(first, last + 1):
            focal, later, read_now = links.window(year)
            tables[str(year)] = d.year_disruption(papers[str(year)], focal, later, codes, window, "any", window_complete=len(read_now) == window)
            del focal, later
            stages[str(year)] = {"peak_rss_mb_so_far": round(_maxrss_mb(), 1), "cpu_s_so_far": round(_cpu(), 1)}
        return tables, stages
    new = hasattr(d, "year_disruption")
    codes = d.WorkCodes() if new else None

    def load(key: str):
        table = read("core_citations", key, d.CITATION_COLUMNS)
        return d.citation_links(table, codes) if new else table

    citations = SlidingPartitions(LazyPartitions({str(y): functools.partial(load, str(y)) for y in read_years}))
    tables, stages = {}, {}
    for year in range(first, last + 1):
        key = str(year)
        in_window = [y for y in read_years if year <= y <= year + window]
        citations.keep_from(key)
        later = [citations[str(y)] for y in in_window if y > year]
        papers = read("core_papers", key, PAPER_COLUMNS)
        if new:
            focal = citations[key] if year in in_window else d.CitationLinks.concat([])
            tables[key] = d.year_disruption(papers, focal, later, codes, window, "any", window_complete=len(later) == window)
        else:
            window_citations = pd.concat(later, ignore_index=True) if later else pd.DataFrame(columns=d.CITATION_COLUMNS)
            focal = citations[key] if year in in_window else pd.DataFrame(columns=d.CITATION_COLUMNS)
            tables[key] = d.paper_disruption(papers, focal, window_citations, window, "any", window_complete=len(later) == window)
            del window_citations
        del later, focal, papers
        stages[key] = {"peak_rss_mb_so_far": round(_maxrss_mb(), 1), "cpu_s_so_far": round(_cpu(), 1)}
    return tables, stages


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def asset_memory(args) -> None:
    """Each range of ``--years`` in a fresh process (this script with ``--child``), the old code
    first, then this tree's; tables compared year by year; results/disruption_memory.json."""
    import pickle
    import subprocess

    warehouse = Path(args.warehouse)
    if not (warehouse / "core_citations").is_dir() or not (warehouse / "core_papers").is_dir():
        sys.exit(f"{warehouse}: needs core_papers/ and core_citations/ (a materialized warehouse)")
    ranges = [tuple(int(y) for y in r.split(":")) for r in args.years.split(",")]
    old_rev = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", args.old_rev], check=True, capture_output=True, text=True).stdout.strip()
    payload: dict = {"warehouse": repo_path(warehouse), "old_rev": old_rev, "window": WINDOW, "input": args.label or warehouse.name,
                     "ranges": {}}
    with tempfile.TemporaryDirectory(prefix="aigeo-old-") as tmp:
        archive = subprocess.run(["git", "-C", str(REPO), "archive", args.old_rev, "aigeo_assets"], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        for first, last in ranges:
            row, results = {}, {}
            for version, code in (("old", Path(tmp)), ("new", REPO)):
                out = Path(tmp) / f"{first}-{version}.pkl"
                proc = subprocess.run([sys.executable, __file__, "--child", "--code", str(code), "--warehouse", str(warehouse),
                                       "--years", f"{first}:{last}", "--out", str(out)], capture_output=True, text=True)
                if proc.returncode:
                    sys.exit(f"{first}-{last} ({version}) failed:\n{proc.stderr[-3000:]}")
                row[version] = json.loads(proc.stdout.strip().splitlines()[-1])
                with open(out, "rb") as fh:
                    results[version] = pickle.load(fh)
                print(f"{first}-{last} {version}: peak {row[version]['peak_rss_mb']:,.0f} MB, {row[version]['cpu_s']} CPU-s", flush=True)
            for key, old in results["old"].items():
                pd.testing.assert_frame_equal(old, results["new"][key])
            row["comparison"] = f"{len(results['old'])} years' tables equal (pandas.testing.assert_frame_equal)"
            row["rows"] = sum(len(t) for t in results["new"].values())
            row["peak_ratio_old_over_new"] = round(row["old"]["peak_rss_mb"] / row["new"]["peak_rss_mb"], 2)
            payload["ranges"][f"{first}-{last}"] = row
    out = RESULTS / "disruption_memory.json"
    inputs = json.loads(out.read_text()).get("inputs", {}) if out.is_file() else {}
    inputs[payload["input"]] = payload  # other inputs keep their figures
    write_results("disruption_memory", {
        "measured": "per input, range of years and code version, a fresh process: ru_maxrss (peak RSS, imports and input included) "
                    "and CPU seconds (user + system) of out_disruption's years computed as a range run does",
        "inputs": inputs})


def child(args) -> None:
    """One version, one range: the tables to ``--out`` (pickle), the figures as a JSON line."""
    import pickle

    sys.path.insert(0, str(args.code.resolve()))
    first, last = (int(y) for y in args.years.split(":"))
    start_cpu, start = _cpu(), time.perf_counter()
    tables, stages = asset_years(args.code, Path(args.warehouse), first, last)
    with open(args.out, "wb") as fh:
        pickle.dump(tables, fh, protocol=pickle.HIGHEST_PROTOCOL)
    largest = max(stages, key=lambda k: stages[k]["peak_rss_mb_so_far"])
    print(json.dumps({"years": f"{first}-{last}", "peak_rss_mb": round(_maxrss_mb(), 1), "cpu_s": round(_cpu() - start_cpu, 1),
                      "wall_s": round(time.perf_counter() - start, 1), "peak_reached_in": largest, "stages": stages}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--works", type=int, default=1_000_000, help="works of the generated graph")
    ap.add_argument("--sample", type=int, default=20_000, help="focal works cdindex computes (extrapolated to all)")
    ap.add_argument("--world", type=Path, default=None, help="a generated sample world folder to measure too")
    ap.add_argument("--max-parts", type=int, default=None, help="read only the first parts of --world")
    ap.add_argument("--world-only", action="store_true", help="measure --world only; keep the other results of the JSON")
    ap.add_argument("--asset-memory", action="store_true", help="out_disruption's range runs on --warehouse, old code beside new")
    ap.add_argument("--warehouse", type=Path, default=None, help="a materialized warehouse (core_papers, core_citations)")
    ap.add_argument("--old-rev", default="HEAD", help="the code to compare with (git revision)")
    ap.add_argument("--years", default="1990:2004,2005:2019", help="ranges of years, each one run (first:last,...)")
    ap.add_argument("--label", default=None, help="the input's name in the results (default: the warehouse folder's name)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--code", type=Path, default=REPO, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args)
    if args.asset_memory:
        if not args.warehouse:
            raise SystemExit("--asset-memory needs --warehouse")
        return asset_memory(args)
    results: dict = {"published_cdindex_values_per_s_116M_works": 84}
    if args.world_only:
        if not args.world:
            raise SystemExit("--world-only needs --world")
        previous = RESULTS_FILE.read_text() if RESULTS_FILE.is_file() else "{}"
        results.update({k: v for k, v in json.loads(previous).items() if isinstance(v, dict)})
    else:
        works, links = random_citation_graph(args.works)
        results["random_graph"] = measure("random graph", works, links, args.sample)
        del works, links
        from aigeo_assets.sampleworld import generate_world

        with tempfile.TemporaryDirectory() as tmp:
            root = generate_world(Path(tmp) / "world", "tiny", 7)
            results["tiny_world_seed7"] = measure("tiny world", *world_citations(root), args.sample)
    if args.world:
        key = f"world_{args.world.name}" + (f"_first_{args.max_parts}_parts" if args.max_parts else "")
        accounting: dict = {}
        works, links = world_citations(args.world, args.max_parts, accounting)
        print(f"{key}: {accounting}", flush=True)
        results[key] = {"folder": repo_path(args.world), **accounting, **measure(key, works, links, args.sample)}
    for k, v in results.items():
        if isinstance(v, dict) and not (v["sample_same_nan"] and v["sample_max_abs_difference"] < 1e-12):
            raise SystemExit(f"{k}: ours differs from cdindex ({v['sample_max_abs_difference']})")
    write_results("disruption", results)


if __name__ == "__main__":
    main()
