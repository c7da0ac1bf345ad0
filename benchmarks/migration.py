"""Migration cells speed: aigeo's ``migration_cells`` beside DuckDB on the same rows.

Input: a warehouse's ``core_author_years.parquet`` (default the demo's ``data/warehouse``; the paper
world's with ``--warehouse``), read as the assets read it: the columns and rows of
``MIGRATION_INPUT_COLUMNS`` and ``AI_SCIENTIST_ROWS`` (the AI scientists' rows).

For every five-year window ending in a year of the table (as ``out_network_edges_by_year`` and the
migration gravity model ask, AlShebli et al. 2022's Fig. 2c moves and stayers):
  * ours   - ``aigeo_assets.metrics.matrices.migration_cells``;
  * duckdb - the same cells in one SQL query on the same DataFrame (``LAG`` over each author's
             located years for the moves, a self-join of the first and last year for the stayers),
             one thread, as ours uses one core.
Every window's cells are asserted equal before any timing is kept; times are CPU seconds of this
process, the best of ``--repeat`` passes over all windows. Writes
``benchmarks/results/migration_cells_<name>.json`` (``--name``, default ``demo``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from results_file import repo_path, write_results  # noqa: E402

from aigeo_assets.metrics.cities import AI_SCIENTIST_ROWS  # noqa: E402
from aigeo_assets.metrics.matrices import MIGRATION_INPUT_COLUMNS, migration_cells  # noqa: E402

WINDOW_YEARS = 5

DUCKDB_CELLS = """
WITH ay AS (
    SELECT author_id, year, city_geonames_id AS city FROM author_years
    WHERE is_ai_scientist AND year BETWEEN $start AND $end AND city_geonames_id IS NOT NULL AND author_id IS NOT NULL
), ordered AS (
    SELECT author_id, city, LAG(city) OVER (PARTITION BY author_id ORDER BY year) AS before FROM ay
), moves AS (
    SELECT DISTINCT author_id, before AS r, city AS c FROM ordered WHERE before IS NOT NULL AND before <> city
), stayed AS (
    SELECT a.city AS r, b.city AS c FROM ay a JOIN ay b USING (author_id)
    WHERE a.year = $start AND b.year = $end AND a.city = b.city
)
SELECT r AS row_city_geonames_id, c AS col_city_geonames_id, count(*) AS value
FROM (SELECT r, c FROM moves UNION ALL SELECT r, c FROM stayed)
GROUP BY ALL ORDER BY ALL
"""


def read_author_years(warehouse: Path) -> pd.DataFrame:
    """The AI scientists' rows of ``core_author_years``, the columns ``migration_cells`` reads."""
    return pd.read_parquet(warehouse / "core_author_years.parquet", columns=MIGRATION_INPUT_COLUMNS,
                           filters=AI_SCIENTIST_ROWS)


def windows(author_years: pd.DataFrame) -> list[tuple[int, int]]:
    """Every five-year window (start, end) whose years are all in the table."""
    years = author_years["year"].dropna().astype("int64")
    first, last = int(years.min()), int(years.max())
    return [(end - WINDOW_YEARS + 1, end) for end in range(first + WINDOW_YEARS - 1, last + 1)]


def duckdb_cells(con: duckdb.DuckDBPyConnection, start: int, end: int) -> pd.DataFrame:
    return con.execute(DUCKDB_CELLS, {"start": start, "end": end}).df()


def same_cells(ours: pd.DataFrame, peer: pd.DataFrame) -> bool:
    def norm(df: pd.DataFrame) -> pd.DataFrame:
        return df.astype("int64").sort_values(list(df.columns[:2]), ignore_index=True)

    return norm(ours).equals(norm(peer))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--warehouse", type=Path, default=REPO / "data" / "warehouse")
    ap.add_argument("--name", default="demo", help="results/migration_cells_<name>.json")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    t0 = time.process_time()
    ay = read_author_years(args.warehouse)
    read_s = time.process_time() - t0
    spans = windows(ay)
    con = duckdb.connect(config={"threads": 1})
    con.register("author_years", ay)
    runs = {"ours": lambda s, e: migration_cells(ay, s, e), "duckdb": lambda s, e: duckdb_cells(con, s, e)}
    for start, end in spans:
        if not same_cells(runs["ours"](start, end), runs["duckdb"](start, end)):
            raise SystemExit(f"the cells of {start}-{end} differ between ours and DuckDB")
    best: dict[str, float] = {}
    for _ in range(args.repeat):
        for impl, run in runs.items():
            t = time.process_time()
            cells = sum(int(run(start, end)["value"].sum()) for start, end in spans)
            best[impl] = min(best.get(impl, float("inf")), time.process_time() - t)
    con.close()
    payload = {
        "benchmark": "migration_cells",
        "warehouse": repo_path(args.warehouse),
        "ai_scientist_rows": len(ay),
        "windows": f"{spans[0][0]}-{spans[0][1]} ... {spans[-1][0]}-{spans[-1][1]} ({len(spans)})" if spans else "none",
        "cells_summed": cells if spans else 0,
        "read_cpu_s": round(read_s, 3),
        "cpu_s": {k: round(v, 3) for k, v in best.items()},
        "ms_per_window": {k: round(1000 * v / max(len(spans), 1), 1) for k, v in best.items()},
        "ratio_ours_to_duckdb": round(best["ours"] / best["duckdb"], 2) if best.get("duckdb") else None,
        "equal": True,
        "duckdb_threads": 1,
    }
    print(f"{len(ay):,} AI-scientist rows, {len(spans)} windows: ours {best['ours']:.2f} CPU-s, "
          f"DuckDB (one thread) {best['duckdb']:.2f} CPU-s, ours / DuckDB {payload['ratio_ours_to_duckdb']}x; cells equal")
    write_results(f"migration_cells_{args.name}", payload)


if __name__ == "__main__":
    main()
