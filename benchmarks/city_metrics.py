"""City metrics speed: aigeo's city metrics and Fig. 2 matrices beside a plain pandas reference.

Input: the demo world's warehouse tables (``make demo``): ``core_papers``, ``core_citations`` and
``core_affiliations`` per year, ``core_institutions.parquet`` and ``core_author_years.parquet``.

Runs, in one process and on the same tables:
  * ours       - what the Dagster assets do: for every year 1990-2019 ``city_year_metrics`` (with the
                 citations of y..y+5 and ``city_table(core_institutions)``), ``impact_pairs`` (y..y+2)
                 and ``collaboration_pairs``; then ``top_cities`` (2017, N=100), ``impact_matrix`` and
                 ``over_impact_matrix`` (2013-2017), ``collaboration_matrix`` and ``migration_matrix``
                 (2015-2019) for N in 20, 50, 100;
  * reference  - the same figures written the straightforward pandas way: boolean filters,
                 ``groupby(...).size()``, outer merges, ``merge`` joins and ``pivot_table``.
Every metric per city-year, the world totals, every pair count and every matrix cell of the two are
asserted equal (the over-impact cells, which are floats, to 1e-9) before any timing is kept.

The peer a user would reach for (issue 13), on the ``full`` size: DuckDB straight on
``core_citations/*.parquet`` - the 2-year (and 5-year) window impact of every city-year and the
city-to-city impact pair counts, each one SQL query over all years - beside ours doing the same
for every year (the window filter and counts of ``city_year_metrics``, ``window_citations`` and
``_count``, and ``impact_pairs``), with the per-year citation parquet read into pandas as the assets
get it, reading timed apart. Both are asserted equal; the ratio is printed. ``--peer-only`` runs only
this (for a paper-scale warehouse) and writes results/city_metrics_duckdb_peer.json.

Sizes (linear scaling in the number of citations): ``half`` keeps the citations of half the citing
works (a deterministic hash of ``citing_work_id``), ``full`` is every citation, ``double`` appends a
copy of every citation with its citing work id suffixed. Times are the best of ``--repeat`` runs;
memory (tracemalloc peak and the ``ru_maxrss`` growth) is measured in a fresh child process per run,
so the tracing overhead does not touch the timings and the RSS high-water mark starts from the loaded
tables. Writes benchmarks/results/city_metrics.json.

``--mappings-only``: what Dagster spends mapping each year's partition to the partitions its inputs
read, for the inputs of the yearly corpus and city-metric runs (1990-2019): the cited papers of
``core_citations`` (every year up to the citing one) as the assets map them now (an offset back
to the first year) beside the former open-ended offset (-1000), which must give the same
partitions, and the citation windows of the city metrics (y..y+5). Dagster maps an input twice per
run, and ``aigeo run``'s plan once more. Writes benchmarks/results/city_metrics_mappings.json.
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from results_file import maxrss_mb as _maxrss_mb, reset_peak_rss as _reset_peak_rss, status_mb as _status_mb, repo_path, write_results  # noqa: E402

from aigeo_assets.corpus.papers import city_table  # noqa: E402
from aigeo_assets.metrics.cities import ImpactWindows, city_year_metrics, collaboration_pairs, impact_pairs  # noqa: E402
from aigeo_assets.metrics.matrices import (  # noqa: E402
    collaboration_matrix,
    impact_matrix,
    migration_matrix,
    over_impact_matrix,
)
from aigeo_assets.metrics.top import top_cities  # noqa: E402

YEARS = list(range(1990, 2020))
REFERENCE_YEAR = 2017
TOP_NS = (20, 50, 100)
IMPACT_YEARS = (2013, 2017)
COLLAB_YEARS = (2015, 2019)
MIGRATION_YEARS = (2015, 2019)
WINDOWS = ImpactWindows(2, 5, "any")
SIZES = ("half", "full", "double")
STAGES = ("metrics", "impact_pairs", "collaboration_pairs", "top_and_matrices")
CITATION_STAGES = ("metrics", "impact_pairs")


# ---------------------------------------------------------------- input


@dataclass
class Tables:
    papers: dict[int, pd.DataFrame]
    citations: dict[int, pd.DataFrame]
    affiliations: dict[int, pd.DataFrame]
    institutions: pd.DataFrame
    author_years: pd.DataFrame

    @property
    def n_citations(self) -> int:
        return sum(len(c) for c in self.citations.values())


def load_tables(warehouse: Path) -> Tables:
    needed = [warehouse / "core_institutions.parquet", warehouse / "core_author_years.parquet"]
    for asset in ("core_papers", "core_citations", "core_affiliations"):
        needed += [warehouse / asset / f"{y}.parquet" for y in YEARS]
    missing = [p for p in needed if not p.exists()]
    if missing:
        shown = ", ".join(str(p.relative_to(REPO)) if p.is_relative_to(REPO) else str(p) for p in missing[:3])
        sys.exit(f"missing warehouse tables ({len(missing)} files, e.g. {shown}): run `make demo` first")

    def per_year(asset: str) -> dict[int, pd.DataFrame]:
        return {y: pd.read_parquet(warehouse / asset / f"{y}.parquet") for y in YEARS}

    return Tables(
        papers=per_year("core_papers"),
        citations=per_year("core_citations"),
        affiliations=per_year("core_affiliations"),
        institutions=pd.read_parquet(warehouse / "core_institutions.parquet"),
        author_years=pd.read_parquet(warehouse / "core_author_years.parquet"),
    )


def resize(citations: dict[int, pd.DataFrame], size: str) -> dict[int, pd.DataFrame]:
    """``half``: the citations of half the citing works (deterministic: even hash of the id);
    ``double``: every citation twice, the copy's citing work id suffixed (``~2``)."""
    if size == "full":
        return citations
    out = {}
    for y, c in citations.items():
        if size == "half":
            keep = pd.util.hash_pandas_object(c["citing_work_id"], index=False).to_numpy() % 2 == 0
            out[y] = c[keep].reset_index(drop=True)
        elif size == "double":
            copy = c.assign(citing_work_id=c["citing_work_id"] + "~2")
            out[y] = pd.concat([c, copy], ignore_index=True)
        else:
            raise ValueError(size)
    return out


def _window(citations: dict[int, pd.DataFrame], year: int, years: int) -> tuple[list[int], pd.DataFrame]:
    """What Dagster hands the asset: the citing-year partitions y..y+years, clamped at the newest."""
    keys = [k for k in range(year, year + years + 1) if k in citations]
    return keys, pd.concat([citations[k] for k in keys], ignore_index=True)


class Clock:
    def __init__(self) -> None:
        self.stages = dict.fromkeys(STAGES, 0.0)

    def add(self, stage: str, t0: float) -> float:
        now = time.perf_counter()
        self.stages[stage] += now - t0
        return now


# ---------------------------------------------------------------- ours (aigeo_assets)


def run_ours(t: Tables, citations: dict[int, pd.DataFrame]) -> tuple[dict, dict]:
    clock = Clock()
    metrics, world, ipairs, cpairs = {}, {}, {}, {}
    for y in YEARS:
        t0 = time.perf_counter()
        available, window = _window(citations, y, WINDOWS.long_years)
        metrics[y], world[y] = city_year_metrics(
            y, t.papers[y], window, t.author_years, city_table(t.institutions), available, WINDOWS
        )
        t0 = clock.add("metrics", t0)
        _, window = _window(citations, y, WINDOWS.years)
        ipairs[y] = impact_pairs(y, window, WINDOWS)
        t0 = clock.add("impact_pairs", t0)
        cpairs[y] = collaboration_pairs(y, t.papers[y], t.affiliations[y])
        clock.add("collaboration_pairs", t0)

    t0 = time.perf_counter()

    def cat(d, lo, hi):
        return pd.concat([d[y] for y in range(lo, hi + 1)], ignore_index=True)

    top = top_cities(metrics[REFERENCE_YEAR], REFERENCE_YEAR, max(TOP_NS))
    matrices = {
        "impact": impact_matrix(cat(ipairs, *IMPACT_YEARS), top, TOP_NS),
        "over_impact": over_impact_matrix(
            cat(ipairs, *IMPACT_YEARS), cat(metrics, *IMPACT_YEARS), cat(world, *IMPACT_YEARS), top, TOP_NS, "world"
        ),
        "collaboration": collaboration_matrix(cat(cpairs, *COLLAB_YEARS), top, TOP_NS),
        "migration": migration_matrix(t.author_years, top, TOP_NS, *MIGRATION_YEARS),
    }
    clock.add("top_and_matrices", t0)
    out = {
        "metrics": pd.concat(metrics.values(), ignore_index=True),
        "world": pd.concat(world.values(), ignore_index=True),
        "impact_pairs": pd.concat(ipairs.values(), ignore_index=True),
        "collaboration_pairs": pd.concat(cpairs.values(), ignore_index=True),
        "top": top,
        "matrices": matrices,
    }
    return out, clock.stages


# ---------------------------------------------------------------- reference (plain pandas)


def _true(s: pd.Series) -> pd.Series:
    """A nullable boolean condition with missing read as False."""
    return s.fillna(False).astype(bool)


def run_reference(t: Tables, citations: dict[int, pd.DataFrame]) -> tuple[dict, dict]:
    clock = Clock()
    metrics, world, ipairs, cpairs, blocs = [], [], [], [], {}
    ay_all = t.author_years
    for y in YEARS:
        t0 = time.perf_counter()
        _, c = _window(citations, y, WINDOWS.long_years)
        cited = c[_true(c["cited_in_corpus"]) & _true(c["cited_year"] == y)]
        short = cited[_true(cited["citing_year"].between(y, y + WINDOWS.years))]
        long = cited[_true(cited["citing_year"].between(y, y + WINDOWS.long_years))]
        p = t.papers[y]
        corpus = p[_true(p["in_corpus"]) & _true(p["publication_year"] == y)]
        ay = ay_all[_true(ay_all["year"] == y) & _true(ay_all["is_ai_scientist"])]
        ay = ay.dropna(subset=["city_geonames_id"]).drop_duplicates("author_id")
        m = (
            corpus.groupby("city_geonames_id").size().rename("productivity").reset_index()
            .merge(short.groupby("cited_city_geonames_id").size().rename("impact").rename_axis("city_geonames_id").reset_index(),
                   on="city_geonames_id", how="outer")
            .merge(long.groupby("cited_city_geonames_id").size().rename("impact_long").rename_axis("city_geonames_id").reset_index(),
                   on="city_geonames_id", how="outer")
            .merge(ay.groupby("city_geonames_id").size().rename("ai_scientists").reset_index(), on="city_geonames_id", how="outer")
        )
        m[["productivity", "impact", "impact_long", "ai_scientists"]] = (
            m[["productivity", "impact", "impact_long", "ai_scientists"]].fillna(0).astype("int64")
        )
        m.insert(0, "year", y)
        metrics.append(m)
        world.append({"year": y, "productivity": len(corpus), "productivity_located": int(corpus["city_geonames_id"].notna().sum()),
                      "impact": len(short), "impact_long": len(long), "ai_scientists": len(ay)})
        if y == REFERENCE_YEAR:
            known = pd.concat([corpus[["city_geonames_id", "bloc"]], ay[["city_geonames_id", "bloc"]]]).dropna()
            blocs = known.groupby("city_geonames_id", sort=False)["bloc"].first()
        t0 = clock.add("metrics", t0)

        _, c = _window(citations, y, WINDOWS.years)  # its own input, as the out_impact_pairs asset gets
        c = c[_true(c["cited_in_corpus"]) & _true(c["cited_year"] == y) & _true(c["citing_year"].between(y, y + WINDOWS.years))]
        pairs = c.groupby(["citing_city_geonames_id", "cited_city_geonames_id"], dropna=False).size()
        ipairs.append(pairs.rename("value").rename_axis(["row_city_geonames_id", "col_city_geonames_id"]).reset_index().assign(year=y))
        t0 = clock.add("impact_pairs", t0)

        located = corpus.dropna(subset=["city_geonames_id"])[["work_id", "city_geonames_id"]]
        aff = t.affiliations[y].merge(located[["work_id"]], on="work_id")
        last = aff.groupby("work_id")["author_seq"].max().rename("last_seq").to_frame()
        marked = aff[aff["author_position"] == "last"].groupby("work_id")["author_seq"].first().rename("marked_seq")
        last = last.join(marked)
        last["last_seq"] = last["marked_seq"].fillna(last["last_seq"])
        aff = aff.merge(last[["last_seq"]], left_on="work_id", right_index=True)
        others = aff[aff["author_seq"] != aff["last_seq"]].dropna(subset=["city_geonames_id"])
        others = others[["work_id", "city_geonames_id"]].drop_duplicates()
        joined = located.merge(others, on="work_id", suffixes=("_row", "_col"))
        pairs = joined.groupby(["city_geonames_id_row", "city_geonames_id_col"]).size()
        cpairs.append(pairs.rename("value").rename_axis(["row_city_geonames_id", "col_city_geonames_id"]).reset_index().assign(year=y))
        clock.add("collaboration_pairs", t0)

    t0 = time.perf_counter()
    metrics = pd.concat(metrics, ignore_index=True)
    world = pd.DataFrame(world)
    ipairs = pd.concat(ipairs, ignore_index=True)
    cpairs = pd.concat(cpairs, ignore_index=True)
    ref = metrics[metrics["year"] == REFERENCE_YEAR]
    ref = ref.sort_values(["impact", "productivity", "city_geonames_id"], ascending=[False, False, True]).head(max(TOP_NS))
    top_ids = ref["city_geonames_id"].astype("int64").tolist()

    def ordered(n: int) -> list[int]:
        ids = top_ids[:n]
        return [i for i in ids if blocs.get(i) != "West"] + [i for i in ids if blocs.get(i) == "West"]

    def grid(cells: pd.DataFrame, ids: list[int]) -> pd.DataFrame:
        cells = cells[cells["row_city_geonames_id"].isin(ids) & cells["col_city_geonames_id"].isin(ids)]
        piv = cells.pivot_table(index="row_city_geonames_id", columns="col_city_geonames_id", values="value", aggfunc="sum", fill_value=0)
        return piv.reindex(index=ids, columns=ids, fill_value=0).astype(float)

    def in_years(df, lo, hi):
        return df[df["year"].between(lo, hi)]

    impact_cells = in_years(ipairs, *IMPACT_YEARS).dropna(subset=["row_city_geonames_id", "col_city_geonames_id"])
    collab_cells = in_years(cpairs, *COLLAB_YEARS)

    # migration: consecutive located years of each AI scientist joined to each other
    a = ay_all[_true(ay_all["is_ai_scientist"]) & _true(ay_all["year"].between(*MIGRATION_YEARS))]
    a = a.dropna(subset=["city_geonames_id"])[["author_id", "year", "city_geonames_id"]].sort_values(["author_id", "year"])
    a["k"] = a.groupby("author_id").cumcount()
    step = a.merge(a.assign(k=a["k"] - 1), on=["author_id", "k"], suffixes=("_from", "_to"))
    moves = step[step["city_geonames_id_from"] != step["city_geonames_id_to"]]
    moves = moves[["author_id", "city_geonames_id_from", "city_geonames_id_to"]].drop_duplicates()
    ends = a[a["year"] == MIGRATION_YEARS[0]].merge(a[a["year"] == MIGRATION_YEARS[1]], on="author_id", suffixes=("_from", "_to"))
    stayed = ends[ends["city_geonames_id_from"] == ends["city_geonames_id_to"]]
    mig_cells = (
        pd.concat([moves, stayed])
        .groupby(["city_geonames_id_from", "city_geonames_id_to"]).size().rename("value")
        .rename_axis(["row_city_geonames_id", "col_city_geonames_id"]).reset_index()
    )

    matrices = {"impact": {}, "over_impact": {}, "collaboration": {}, "migration": {}}
    m_years = in_years(metrics, *IMPACT_YEARS)
    for n in TOP_NS:
        ids = ordered(n)
        matrices["impact"][n] = grid(impact_cells, ids)
        matrices["collaboration"][n] = grid(collab_cells, ids)
        matrices["migration"][n] = grid(mig_cells, ids)
        total = 0.0
        for y in range(IMPACT_YEARS[0], IMPACT_YEARS[1] + 1):
            py = ipairs[(ipairs["year"] == y) & ipairs["row_city_geonames_id"].isin(ids)]
            m_i = py.groupby("row_city_geonames_id")["value"].sum().reindex(ids, fill_value=0).astype(float)
            n_j = m_years[m_years["year"] == y].set_index("city_geonames_id")["productivity"].reindex(ids, fill_value=0).astype(float)
            n_all = float(world.loc[world["year"] == y, "productivity"].iloc[0])
            expected = np.outer(m_i, n_j / n_all) if n_all else 0.0
            total = total + grid(py.dropna(subset=["col_city_geonames_id"]), ids) - expected
        matrices["over_impact"][n] = total
    clock.add("top_and_matrices", t0)
    out = {"metrics": metrics, "world": world, "impact_pairs": ipairs, "collaboration_pairs": cpairs, "top_ids": top_ids,
           "matrices": matrices}
    return out, clock.stages


# ---------------------------------------------------------------- the cross-check


def _pairs_key(df: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({
        "year": df["year"].astype("int64"),
        "row": df["row_city_geonames_id"].astype("Float64").fillna(-1).astype("int64"),
        "col": df["col_city_geonames_id"].astype("Float64").fillna(-1).astype("int64"),
        "value": df["value"].astype("int64"),
    })
    return out.sort_values(["year", "row", "col"], ignore_index=True)


def check_equal(ours: dict, ref: dict) -> dict:
    """Raises AssertionError at the first difference; returns how much was compared."""
    cols = ["year", "city_geonames_id", "productivity", "impact", "impact_long", "ai_scientists"]

    def norm(df):
        return df[cols].astype("int64").sort_values(["year", "city_geonames_id"], ignore_index=True)

    pd.testing.assert_frame_equal(norm(ours["metrics"]), norm(ref["metrics"]), check_names=True)
    wcols = ["year", "productivity", "productivity_located", "impact", "impact_long", "ai_scientists"]
    pd.testing.assert_frame_equal(ours["world"][wcols].astype("int64"), ref["world"][wcols].astype("int64"))
    for name in ("impact_pairs", "collaboration_pairs"):
        pd.testing.assert_frame_equal(_pairs_key(ours[name]), _pairs_key(ref[name]), obj=name)
    assert ours["top"]["city_geonames_id"].astype("int64").tolist() == ref["top_ids"], "top cities differ"
    cells = 0
    max_over_impact_diff = 0.0
    for kind, frame in ours["matrices"].items():
        for n in TOP_NS:
            sub = frame[frame["top_n"] == n]
            k = int(np.sqrt(len(sub)))
            ids = sub["row_city_geonames_id"].to_numpy()[:: k].astype("int64").tolist()
            mine = sub["value"].to_numpy(dtype=float).reshape(k, k)
            theirs = ref["matrices"][kind][n]
            assert ids == [int(i) for i in theirs.index], f"{kind} N={n}: row order differs"
            assert ids == [int(i) for i in theirs.columns], f"{kind} N={n}: column order differs"
            if kind == "over_impact":
                np.testing.assert_allclose(mine, theirs.to_numpy(), rtol=0, atol=1e-9, err_msg=f"{kind} N={n}")
                max_over_impact_diff = max(max_over_impact_diff, float(np.abs(mine - theirs.to_numpy()).max()))
            else:
                np.testing.assert_array_equal(mine, theirs.to_numpy(), err_msg=f"{kind} N={n}")
            cells += mine.size
    return {
        "city_years": len(ours["metrics"]),
        "impact_pairs": len(ours["impact_pairs"]),
        "collaboration_pairs": len(ours["collaboration_pairs"]),
        "matrix_cells": cells,
        "max_over_impact_abs_diff": max_over_impact_diff,
    }


# ---------------------------------------------------------------- the peer: DuckDB on the parquet

_DUCKDB_WINDOWS = """
SELECT cited_year AS year, cited_city_geonames_id AS city_geonames_id,
       count(*) FILTER (WHERE citing_year <= cited_year + {short}) AS impact, count(*) AS impact_long
FROM read_parquet('{files}')
WHERE cited_in_corpus AND cited_year BETWEEN {lo} AND {hi}
  AND citing_year BETWEEN cited_year AND cited_year + {long} AND cited_city_geonames_id IS NOT NULL
GROUP BY ALL
"""
_DUCKDB_PAIRS = """
SELECT cited_year AS year, citing_city_geonames_id AS row_city_geonames_id,
       cited_city_geonames_id AS col_city_geonames_id, count(*) AS value
FROM read_parquet('{files}')
WHERE cited_in_corpus AND cited_year BETWEEN {lo} AND {hi} AND citing_year BETWEEN cited_year AND cited_year + {short}
GROUP BY ALL
"""


def run_duckdb(warehouse: Path) -> tuple[dict, dict]:
    """Window impact per city-year and impact pairs, straight from ``core_citations/*.parquet``."""
    files = str(warehouse / "core_citations" / "*.parquet")
    args = {"files": files, "lo": YEARS[0], "hi": YEARS[-1], "short": WINDOWS.years, "long": max(WINDOWS.years, WINDOWS.long_years)}
    con = duckdb.connect()
    t0 = time.perf_counter()
    windows = con.execute(_DUCKDB_WINDOWS.format(**args)).df()
    t1 = time.perf_counter()
    pairs = con.execute(_DUCKDB_PAIRS.format(**args)).df()
    t2 = time.perf_counter()
    con.close()
    return {"windows": windows, "pairs": pairs}, {"windows": t1 - t0, "pairs": t2 - t1}


def run_ours_citation_stages(warehouse: Path) -> tuple[dict, dict]:
    """The same two results the way the assets compute them: each year's citing-year partitions
    read from parquet into pandas (timed as ``load``), then ``window_citations`` counts
    (``city_year_metrics``' impact columns) and ``impact_pairs``, each on the window's partitions
    concatenated (as the assets get them)."""
    from aigeo_assets.metrics.cities import _count, window_citations

    stages = {"load": 0.0, "windows": 0.0, "pairs": 0.0}
    t0 = time.perf_counter()
    cits = {y: pd.read_parquet(warehouse / "core_citations" / f"{y}.parquet") for y in YEARS}
    stages["load"] = time.perf_counter() - t0
    windows, pairs = [], []
    for y in YEARS:
        t0 = time.perf_counter()
        _, c = _window(cits, y, WINDOWS.long_years)
        long = window_citations(c, y, max(WINDOWS.years, WINDOWS.long_years), WINDOWS.citing)
        short = long[long["citing_year"].to_numpy(dtype="float64", na_value=np.nan) <= y + WINDOWS.years]
        counts = pd.DataFrame({"impact": _count(short["cited_city_geonames_id"]), "impact_long": _count(long["cited_city_geonames_id"])})
        windows.append(counts.fillna(0).astype("int64").rename_axis("city_geonames_id").reset_index().assign(year=y))
        t1 = time.perf_counter()
        _, c = _window(cits, y, WINDOWS.years)
        pairs.append(impact_pairs(y, c, WINDOWS))
        t2 = time.perf_counter()
        stages["windows"] += t1 - t0
        stages["pairs"] += t2 - t1
    return {"windows": pd.concat(windows, ignore_index=True), "pairs": pd.concat(pairs, ignore_index=True)}, stages


def check_peer_equal(ours: dict, peer: dict) -> dict:
    cols = ["year", "city_geonames_id", "impact", "impact_long"]

    def norm(df):
        return df[cols].astype("int64").sort_values(["year", "city_geonames_id"], ignore_index=True)

    pd.testing.assert_frame_equal(norm(ours["windows"]), norm(peer["windows"]), obj="window impact")
    pd.testing.assert_frame_equal(_pairs_key(ours["pairs"]), _pairs_key(peer["pairs"]), obj="impact pairs")
    return {"city_years": len(ours["windows"]), "impact_pairs": len(ours["pairs"])}


def compare_with_duckdb(warehouse: Path, repeat: int) -> dict:
    best: dict[str, dict] = {}
    outs = {}
    for impl, run in (("ours", lambda: run_ours_citation_stages(warehouse)), ("duckdb", lambda: run_duckdb(warehouse))):
        for _ in range(repeat):
            gc.collect()
            outs[impl], stages = run()
            if impl not in best or sum(stages.values()) < sum(best[impl].values()):
                best[impl] = stages
    checked = check_peer_equal(outs["ours"], outs["duckdb"])
    row = {"checked_equal": checked}
    for impl, stages in best.items():
        row[impl] = {k: round(v, 3) for k, v in stages.items()} | {"total": round(sum(stages.values()), 3)}
    ours_compute = best["ours"]["windows"] + best["ours"]["pairs"]
    peer = best["duckdb"]["windows"] + best["duckdb"]["pairs"]
    row["ratio_ours_to_duckdb"] = {
        "with_loading": round(sum(best["ours"].values()) / peer, 1),
        "compute_only": round(ours_compute / peer, 1),
    }
    print(f"\nDuckDB peer (window impact of every city-year + impact pairs, all years; checked equal: {checked})")
    for impl in ("ours", "duckdb"):
        print(f"  {impl:<8}" + "  ".join(f"{k} {v:.3f} s" for k, v in row[impl].items()))
    print(f"  ours / duckdb: {row['ratio_ours_to_duckdb']['with_loading']}x with reading parquet into pandas, "
          f"{row['ratio_ours_to_duckdb']['compute_only']}x for the computation alone", flush=True)
    return row


# ---------------------------------------------------------------- measuring

RUNNERS = {"ours": run_ours, "reference": run_reference}


def warm_gazetteer(t: Tables) -> float:
    """``city_table`` reads the GeoNames gazetteer once per process (``lru_cache``): done before timing."""
    t0 = time.perf_counter()
    city_table(t.institutions)
    return time.perf_counter() - t0




def child_memory(warehouse: Path, impl: str, size: str) -> None:
    """In a fresh process: load, then run once under tracemalloc; print one JSON line.

    tracemalloc sees numpy and Python allocations but not Arrow's memory pool (pandas' string
    columns), so the RSS peak is measured too. ``ru_maxrss`` cannot be reset (it keeps the loading
    peak, and pyarrow's threads carry it in the process-wide maximum), so its growth is usually 0;
    the VmHWM growth after a reset is the meaningful RSS figure."""
    t = load_tables(warehouse)
    warm_gazetteer(t)
    cits = resize(t.citations, size)
    gc.collect()
    maxrss0 = _maxrss_mb()
    hwm_reset = _reset_peak_rss()
    rss0 = _status_mb("VmRSS")
    tracemalloc.start()
    RUNNERS[impl](t, cits)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    hwm = _status_mb("VmHWM")
    print(json.dumps({
        "tracemalloc_peak_mb": round(peak / 2**20, 1),
        "rss_before_mb": round(rss0, 1) if rss0 is not None else None,
        "peak_rss_growth_mb": round(hwm - rss0, 1) if hwm_reset and hwm is not None and rss0 is not None else None,
        "ru_maxrss_growth_mb": round(_maxrss_mb() - maxrss0, 1),
    }))


def measure_memory(warehouse: Path, impl: str, size: str) -> dict:
    cmd = [sys.executable, __file__, "--warehouse", str(warehouse), "--_child-memory", impl, size]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


@dataclass
class Run:
    seconds: float
    stages: dict[str, float]
    checked: dict = field(default_factory=dict)


def timed(impl: str, t: Tables, cits: dict, repeat: int) -> tuple[Run, dict]:
    best, out = None, None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        out, stages = RUNNERS[impl](t, cits)
        secs = time.perf_counter() - t0
        if best is None or secs < best.seconds:
            best = Run(secs, stages)
    return best, out


def partition_mappings(repeat: int) -> dict:
    """The ``--mappings-only`` part of the module docstring."""
    import dagster as dg

    from aigeo_assets.partitions import up_to_this_year
    from aigeo_assets.partitions import yearly_partitions

    years = yearly_partitions(YEARS[0], YEARS[-1])
    mappings = {
        "cited_papers_bounded": up_to_this_year(years),
        "cited_papers_former_offset_-1000": dg.TimeWindowPartitionMapping(start_offset=-1000, end_offset=0),
        "citation_window_y..y+5": dg.TimeWindowPartitionMapping(start_offset=0, end_offset=5),
    }

    def map_every_year(mapping) -> list[list[str]]:
        return [
            mapping.get_upstream_mapped_partitions_result_for_partitions(years.empty_subset().with_partition_keys([str(y)]), years, years)
            .partitions_subset.get_partition_keys()
            for y in YEARS
        ]

    out, answers = {}, {}
    for name, mapping in mappings.items():
        best = float("inf")
        for _ in range(repeat):
            t = time.process_time()
            answers[name] = map_every_year(mapping)
            best = min(best, time.process_time() - t)
        out[name] = {"cpu_seconds_30_years": round(best, 4), "cpu_ms_per_mapping": round(best / len(YEARS) * 1000, 2)}
        print(f"  {name:34s} {best:7.3f} CPU-s for the 30 years ({best / len(YEARS) * 1000:6.1f} ms a mapping)", flush=True)
    if answers["cited_papers_bounded"] != answers["cited_papers_former_offset_-1000"]:
        raise SystemExit("the bounded and the former cited-papers mappings give different partitions")
    former, ours = (out[k]["cpu_seconds_30_years"] for k in ("cited_papers_former_offset_-1000", "cited_papers_bounded"))
    return {"years": [YEARS[0], YEARS[-1]], "repeat": repeat, "mappings": out, "cited_papers_identical": True,
            "cited_papers_speedup": round(former / ours, 1) if ours else None}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--warehouse", default=str(REPO / "data" / "warehouse"))
    ap.add_argument("--repeat", type=int, default=2, help="timed runs per implementation and size (best kept)")
    ap.add_argument("--sizes", default=",".join(SIZES), help="comma-separated among half, full, double")
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--peer-only", action="store_true", help="only the DuckDB comparison (for a paper-scale warehouse)")
    ap.add_argument("--world", default="demo", help="the scale of the world the warehouse holds, recorded with --peer-only")
    ap.add_argument("--mappings-only", action="store_true", help="only the partition mappings of the yearly inputs")
    ap.add_argument("--_child-memory", nargs=2, metavar=("IMPL", "SIZE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.mappings_only:
        write_results("city_metrics_mappings", {"dagster": __import__("dagster").__version__, **partition_mappings(args.repeat)})
        return
    warehouse = Path(args.warehouse)
    if args._child_memory:
        child_memory(warehouse, *args._child_memory)
        return
    sizes = [s for s in args.sizes.split(",") if s]

    if args.peer_only:
        peer = compare_with_duckdb(warehouse, args.repeat)
        where = repo_path(warehouse) if warehouse.resolve().is_relative_to(REPO) else "<AIGEO_DATA_DIR>/warehouse"
        write_results("city_metrics_duckdb_peer", {"warehouse": where, "world": args.world, "duckdb": duckdb.__version__,
                                                   "repeat": args.repeat, "duckdb_peer": peer})
        return
    t = load_tables(warehouse)
    print(f"warehouse: {warehouse} ({t.n_citations:,} citations, {sum(len(p) for p in t.papers.values()):,} works, "
          f"{len(t.author_years):,} author-years)", flush=True)
    gazetteer_secs = warm_gazetteer(t)
    print(f"first city_table call (loads the gazetteer, once per process, not timed below): {gazetteer_secs:.2f} s")
    results: dict[str, dict] = {}
    for size in sizes:
        cits = resize(t.citations, size)
        n = sum(len(c) for c in cits.values())
        row = {"citations": n, "impl": {}}
        outs = {}
        for impl in RUNNERS:
            run, outs[impl] = timed(impl, t, cits, args.repeat)
            cit_secs = sum(run.stages[s] for s in CITATION_STAGES)
            row["impl"][impl] = {
                "seconds": round(run.seconds, 3),
                "citations_per_second": round(n / run.seconds),
                "stages_seconds": {k: round(v, 3) for k, v in run.stages.items()},
                "citation_stages_seconds": round(cit_secs, 3),
                "microseconds_per_citation": round(run.seconds / n * 1e6, 3),
                "citation_stages_microseconds_per_citation": round(cit_secs / n * 1e6, 3),
            }
        row["checked_equal"] = check_equal(outs["ours"], outs["reference"])
        del outs
        if not args.skip_memory:
            for impl in RUNNERS:
                row["impl"][impl]["memory"] = measure_memory(warehouse, impl, size)
        results[size] = row
        _print_size(size, row)

    scaling = _scaling(results)
    if scaling:
        _print_scaling(scaling)
    peer = compare_with_duckdb(warehouse, args.repeat)
    write_results("city_metrics", {
        "duckdb": duckdb.__version__, "duckdb_peer": peer,
        "warehouse": repo_path(warehouse), "pandas": pd.__version__, "numpy": np.__version__, "repeat": args.repeat, "years": [YEARS[0], YEARS[-1]],
        "gazetteer_first_load_seconds": round(gazetteer_secs, 3),
        "results": results, "scaling": scaling,
    })


def _print_size(size: str, row: dict) -> None:
    n = row["citations"]
    print(f"\n{size}: {n:,} citations  (checked equal: {row['checked_equal']})")
    head = f"  {'impl':<10}{'seconds':>9}{'cit/s':>11}{'us/cit':>8}" + "".join(f"{s[:14]:>16}" for s in STAGES)
    head += f"{'tracemalloc':>13}{'peakRSS+':>10}"
    print(head)
    for impl, r in row["impl"].items():
        mem = r.get("memory", {})
        line = f"  {impl:<10}{r['seconds']:>9.2f}{r['citations_per_second']:>11,}{r['microseconds_per_citation']:>8.2f}"
        line += "".join(f"{r['stages_seconds'][s]:>16.2f}" for s in STAGES)
        line += f"{str(mem.get('tracemalloc_peak_mb', '-')) + ' MB':>13}{str(mem.get('peak_rss_growth_mb', '-')) + ' MB':>10}"
        print(line, flush=True)


def _scaling(results: dict) -> dict:
    """Per implementation, for the whole run and for the citation stages (metrics + impact pairs):
    time per citation at each size and its ratio to ``full`` (1.00 = proportional), the marginal
    time per added citation between consecutive sizes, and a least-squares fit t = a + b * n
    (a: the part that does not depend on the citations; linear when the marginal cost is flat)."""
    if len(results) < 2:
        return {}
    sizes = sorted(results, key=lambda k: results[k]["citations"])
    ns = np.array([results[k]["citations"] for k in sizes], dtype=float)
    out = {}
    for impl in RUNNERS:
        out[impl] = {}
        for what, key in (("total", "seconds"), ("citation_stages", "citation_stages_seconds")):
            ts = np.array([results[k]["impl"][impl][key] for k in sizes])
            b, a = np.polyfit(ns, ts, 1)
            fit = a + b * ns
            r2 = 1 - ((ts - fit) ** 2).sum() / max(((ts - ts.mean()) ** 2).sum(), 1e-12)
            per = {k: round(t / n * 1e6, 3) for k, t, n in zip(sizes, ts, ns)}
            entry = {
                "microseconds_per_citation": per,
                "marginal_microseconds_per_citation": {
                    f"{sizes[i]}->{sizes[i + 1]}": round((ts[i + 1] - ts[i]) / (ns[i + 1] - ns[i]) * 1e6, 3)
                    for i in range(len(sizes) - 1)
                },
                "fit_fixed_seconds": round(float(a), 3),
                "fit_microseconds_per_citation": round(float(b) * 1e6, 3),
                "fit_r2": round(float(r2), 4),
            }
            if "full" in per:
                entry["per_citation_ratio_to_full"] = {k: round(v / per["full"], 2) for k, v in per.items()}
            out[impl][what] = entry
    return out


def _print_scaling(scaling: dict) -> None:
    print("\nscaling in the number of citations (fit t = a + b*n over the sizes):")
    for impl, parts in scaling.items():
        for what, e in parts.items():
            per = ", ".join(f"{k} {v}" for k, v in e["microseconds_per_citation"].items())
            marg = ", ".join(f"{k} {v}" for k, v in e["marginal_microseconds_per_citation"].items())
            print(f"  {impl:<10}{what:<16} us/cit: {per} | marginal us/cit: {marg} | "
                  f"a = {e['fit_fixed_seconds']} s, b = {e['fit_microseconds_per_citation']} us/cit, R2 = {e['fit_r2']}")


if __name__ == "__main__":
    main()
