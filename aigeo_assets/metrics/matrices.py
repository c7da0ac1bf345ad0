"""City x city matrices between the top cities (AlShebli et al. 2022, Fig. 2 and Supplementary Figs. 6-9).

Every matrix is returned in the long form of ``out_city_matrix``: one row per cell of the full
top-N grid (zeros included), with the row and column order of the paper (East first, then West).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from aigeo_assets.metrics.top import matrix_order


def matrix_frame(cells: pd.DataFrame, top: pd.DataFrame, top_ns: Sequence[int]) -> pd.DataFrame:
    """``out_city_matrix`` for each N from ``cells`` (row_city_geonames_id, col_city_geonames_id, value)."""
    values = cells.groupby(["row_city_geonames_id", "col_city_geonames_id"])["value"].sum()
    frames = []
    for n in top_ns:
        order = matrix_order(top, n)
        ids = order["city_geonames_id"].to_numpy()
        rows = np.repeat(np.arange(len(ids)), len(ids))
        cols = np.tile(np.arange(len(ids)), len(ids))
        index = pd.MultiIndex.from_arrays([ids[rows], ids[cols]])
        grid = values.reindex(index).fillna(0).to_numpy(dtype=float)
        frames.append(
            pd.DataFrame(
                {
                    "top_n": n,
                    "row_order": rows,
                    "col_order": cols,
                    "row_city_geonames_id": ids[rows],
                    "col_city_geonames_id": ids[cols],
                    "row_city_name": order["city_name"].to_numpy()[rows],
                    "col_city_name": order["city_name"].to_numpy()[cols],
                    "row_bloc": order["bloc"].to_numpy()[rows],
                    "col_bloc": order["bloc"].to_numpy()[cols],
                    "value": grid,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def impact_matrix(pairs: pd.DataFrame, top: pd.DataFrame, top_ns: Sequence[int]) -> pd.DataFrame:
    """Fig. 2a: cell (i, j) = citations from city i to city j's papers of each year of the window,
    counted over y..y+2, summed over the window's years (``pairs``: ``out_city_pairs`` of those years)."""
    return matrix_frame(pairs.dropna(subset=["row_city_geonames_id", "col_city_geonames_id"]), top, top_ns)


def over_impact_cells(
    pairs: pd.DataFrame,
    metrics: pd.DataFrame,
    world: pd.DataFrame,
    top_ids: Sequence[int],
    universe: Literal["world", "top"] = "world",
) -> pd.DataFrame:
    """Observed minus expected citations between the ``top_ids`` cities, year by year, summed.

    AlShebli et al. 2022 (Fig. 2b): "If n denotes the number of papers produced globally, n_j denotes the number
    of papers produced by city j, and m_i denotes the number of papers cited by city i, then the
    expected impact of j on i under our baseline model is (n_j / n) x m_i." For each year y of the
    window: n_j = city j's AI papers of y, m_i = citations city i made to papers of y within
    y..y+2 (whatever their city), n = all AI papers of y (``universe="world"``, the paper's words).
    ``universe="top"`` restricts the model to the top cities: n = their papers, m_i = i's citations
    to them, so every row sums to zero. Years are computed separately and summed, since the
    baseline shares change from year to year.
    """
    top_ids = list(top_ids)
    cells = []
    for year, obs_y in pairs.groupby("year"):
        met = metrics[metrics["year"] == year].set_index("city_geonames_id")["productivity"]
        n_j = met.reindex(top_ids).fillna(0).to_numpy(dtype=float)
        rows = obs_y[obs_y["row_city_geonames_id"].isin(top_ids)]
        if universe == "top":
            rows = rows[rows["col_city_geonames_id"].isin(top_ids)]
            n = n_j.sum()
        elif universe == "world":
            n = float(world.loc[world["year"] == year, "productivity"].sum())
        else:
            raise ValueError(f"over-impact universe {universe!r}: use world or top")
        m_i = rows.groupby("row_city_geonames_id")["value"].sum().reindex(top_ids).fillna(0).to_numpy(dtype=float)
        observed = (
            rows[rows["col_city_geonames_id"].isin(top_ids)]
            .groupby(["row_city_geonames_id", "col_city_geonames_id"])["value"]
            .sum()
            .reindex(pd.MultiIndex.from_product([top_ids, top_ids]))
            .fillna(0)
            .to_numpy(dtype=float)
            .reshape(len(top_ids), len(top_ids))
        )
        expected = np.outer(m_i, n_j / n) if n > 0 else np.zeros_like(observed)
        cells.append(observed - expected)
    total = np.sum(cells, axis=0) if cells else np.zeros((len(top_ids), len(top_ids)))
    r, c = np.meshgrid(np.arange(len(top_ids)), np.arange(len(top_ids)), indexing="ij")
    ids = np.asarray(top_ids)
    return pd.DataFrame({"row_city_geonames_id": ids[r.ravel()], "col_city_geonames_id": ids[c.ravel()], "value": total.ravel()})


def over_impact_matrix(
    pairs: pd.DataFrame,
    metrics: pd.DataFrame,
    world: pd.DataFrame,
    top: pd.DataFrame,
    top_ns: Sequence[int],
    universe: Literal["world", "top"] = "world",
) -> pd.DataFrame:
    """Fig. 2b for each N: the baseline is computed among that N's cities (for ``universe="top"``)."""
    frames = []
    for n in top_ns:
        ids = matrix_order(top, n)["city_geonames_id"].tolist()
        frames.append(matrix_frame(over_impact_cells(pairs, metrics, world, ids, universe), top, [n]))
    return pd.concat(frames, ignore_index=True)


def collaboration_matrix(pairs: pd.DataFrame, top: pd.DataFrame, top_ns: Sequence[int]) -> pd.DataFrame:
    """Fig. 2d: papers of the window whose last author is in i and at least one co-author in j."""
    return matrix_frame(pairs.dropna(subset=["row_city_geonames_id", "col_city_geonames_id"]), top, top_ns)


MIGRATION_INPUT_COLUMNS = ["author_id", "year", "city_geonames_id", "is_ai_scientist"]
"""The columns of ``core_author_years`` that ``migration_cells`` reads (the assets read only these)."""


def migration_cells(author_years: pd.DataFrame, start: int, end: int) -> pd.DataFrame:
    """AI scientists' moves between cities in ``start``..``end`` (AlShebli et al. 2022, Fig. 2c).

    A move i -> j (i != j) is a change of city between two consecutive years in which the scientist
    has a located city (years without papers are skipped, not read as moves); each scientist counts
    once per (i, j), however often they made that move. The diagonal (i, i) counts the scientists
    whose city in ``start`` equals their city in ``end`` ("whose location in 2015 coincides with
    their location in 2019"). Only AI scientists count, and only rows with an author id (one row per
    author and year, as ``core_author_years`` holds them).

    Computed on integer codes (the authors numbered once, the rows ordered by author and year with
    ``np.lexsort``, a move where two neighbouring rows of one author differ in city): every
    window's network and migration model calls this (issue 13: 0.9 s a window at the paper's scale
    with pandas' sort and grouped shift, 0.4 s so)."""
    keep = (author_years["is_ai_scientist"].fillna(False).to_numpy(bool)
            & author_years["year"].between(start, end).to_numpy(bool)
            & author_years["city_geonames_id"].notna().to_numpy(bool)
            & author_years["author_id"].notna().to_numpy(bool))
    rows = np.flatnonzero(keep)
    city_dtype = author_years["city_geonames_id"].dtype
    author = pd.factorize(author_years["author_id"].take(rows))[0]
    year = author_years["year"].take(rows).to_numpy("int64")
    city = author_years["city_geonames_id"].take(rows).to_numpy("int64")
    order = np.lexsort((year, author))
    author, year, city = author[order], year[order], city[order]
    step = np.flatnonzero((author[1:] == author[:-1]) & (city[1:] != city[:-1])) + 1
    moves = np.unique(np.stack([author[step], city[step - 1], city[step]], axis=1), axis=0)[:, 1:]
    first, last = year == start, year == end
    both = pd.DataFrame({"author": author[first], "row": city[first]}).merge(
        pd.DataFrame({"author": author[last], "col": city[last]}), on="author")
    stayed = both.loc[(both["row"] == both["col"]).to_numpy(bool), ["row", "col"]].to_numpy("int64")
    names = ["row_city_geonames_id", "col_city_geonames_id"]
    cells = pd.DataFrame(np.concatenate([moves, stayed]).reshape(-1, 2), columns=names).astype(city_dtype)
    return cells.groupby(names).size().reset_index(name="value")


def migration_matrix(author_years: pd.DataFrame, top: pd.DataFrame, top_ns: Sequence[int], start: int, end: int) -> pd.DataFrame:
    """Fig. 2c for each N."""
    return matrix_frame(migration_cells(author_years, start, end), top, top_ns)
