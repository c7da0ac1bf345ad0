"""Authors' yearly locations and the AI-scientist flag (AlShebli et al. 2022)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from aigeo_assets.corpus.lookup import factorize_sorted, run_starts
from aigeo_assets.corpus.papers import CORPUS_DOC_TYPES
from aigeo_assets.schemas import concat_partitions


@dataclass(frozen=True)
class AiScientistRule:
    """AlShebli et al. 2022 (Results, "Beijing's central role"): "AI scientists as those who published at least
    three papers, and at least half of their publications fall under the field of AI".

    Papers are counted over the author's whole career in the snapshot (the paper's reading), among
    journal and conference papers (the document types of its corpus).
    """

    min_papers: int = 3
    min_ai_share: float = 0.5


AUTHOR_YEAR_INPUT_COLUMNS = {
    "core_papers": ("work_id", "publication_year", "is_ai", "doc_type"),
    "core_affiliations": ("work_id", "author_id", "city_geonames_id", "country_code", "bloc"),
}
"""The columns ``build_author_years`` reads (the asset loads only these)."""

AUTHOR_YEAR_PAPER_ROWS = [("doc_type", "in", list(CORPUS_DOC_TYPES))]
"""The rows of ``core_papers`` that :func:`author_year_places` counts, journal and conference papers
(the asset loads only these)."""


def _first_rows(*keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(order, first)``: the rows sorted by ``keys`` (the first key varies slowest; stable, so equal
    keys keep their order) and, in that order, whether a row starts a new group of equal keys."""
    order = np.lexsort(keys[::-1])
    return order, run_starts(*(k[order] for k in keys))


def _first_known(codes: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group (``group``: each row's group, rows in order), the first code that is not -1 (a
    null), else -1: pandas' ``groupby(...).first()``, which skips nulls."""
    known = codes >= 0
    out = np.full(n_groups, -1, dtype=np.int64)
    g, at = np.unique(group[known], return_index=True)
    out[g] = codes[known][at]
    return out


DENSE_CODES_PER_ROW = 4
""":func:`_join_rows` counts the right side's keys in a table indexed by key when the keys are
non-negative and at most this many times the rows (dense codes, as ``pandas.factorize`` gives);
other keys take the binary searches."""


def _join_rows(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The inner join of two integer key arrays as row pairs ``(left row, right row)``, in left order
    (a key present k times on the right gives k pairs, in right order), as ``merge(how="inner")``.

    Each left key's run among the right rows sorted by key starts after the right keys below it and
    holds as many rows as the key occurs there. For dense codes both are read from a count per key
    (``bincount`` and its running sum: two lookups a left row); otherwise from two binary searches
    (``searchsorted``, whose random probes cost about ten times more on millions of rows: issue 13's
    ``core_author_years``). Both give the same pairs."""
    order = np.argsort(right, kind="stable")
    n_rows = len(left) + len(right)
    top = max(int(left.max()) if len(left) else -1, int(right.max()) if len(right) else -1)
    low = min(int(left.min()) if len(left) else 0, int(right.min()) if len(right) else 0)
    if low >= 0 and top < DENSE_CODES_PER_ROW * n_rows + 1024:
        per_key = np.bincount(right, minlength=top + 1)
        start = np.cumsum(per_key)
        start -= per_key
        if len(right) < np.iinfo(np.int32).max:  # int32 runs: half the memory of a left row's start and length
            per_key, start = per_key.astype(np.int32), start.astype(np.int32)
        lo, n = start[left], per_key[left]
        del per_key, start
    else:
        lo = np.searchsorted(right[order], left, side="left")
        n = np.searchsorted(right[order], left, side="right") - lo
    li = np.repeat(np.arange(len(left)), n)
    ri = order[np.repeat(lo, n) + (np.arange(len(li)) - np.repeat(np.cumsum(n, dtype=np.int64) - n, n))]
    return li, ri


def author_year_places(affiliations: pd.DataFrame | Mapping[str, pd.DataFrame], papers: pd.DataFrame) -> pd.DataFrame:
    """``core_author_year_places``: each author's city and paper counts in a year, from
    ``core_affiliations`` (a table, or a table per partition, joined here and dropped once coded) and
    ``core_papers``, of one year or several (rows sorted by author id, then year).

    An author's city in a year is the city that most of their papers of that year are affiliated
    with (each paper counted once per city, whatever the author's position); ties go to the city
    with the smaller GeoNames id, so the rule is deterministic. Years in which an author published
    nothing have no row: locations are observed, never interpolated. The country and bloc are the
    first known ones of the chosen city's affiliations, in the input's order.

    Memory (issue 13): ids, cities, countries and blocs become int32 codes once (ids and cities
    numbered in sorted order, so sorting codes sorts them); every grouping is a sort of those codes
    (``numpy.lexsort``), so the only string columns built are the output's.

    Every count and city is of one (author, year), so the table of several years is the tables of
    each year put together (:func:`author_careers` does that, then adds the careers): a new year is
    one more year's table (issue 13), not every author's career read again. A work in two years'
    papers (``core_author_years``' check ``no_work_in_two_years``) counts once in each year where
    both the work and the author's affiliation are; read together, any year's affiliations with it
    would count in both.
    """
    # journal and conference papers with a year and an id (others count nowhere)
    keep = (papers["doc_type"].isin(CORPUS_DOC_TYPES).fillna(False).to_numpy(bool)
            & papers["publication_year"].notna().to_numpy(bool) & papers["work_id"].notna().to_numpy(bool))
    p_year = papers["publication_year"][keep]
    year_dtype = p_year.dtype
    p_year = p_year.to_numpy(dtype=np.int64)
    p_ai = papers["is_ai"][keep].fillna(False).to_numpy(bool)
    aff = concat_partitions(affiliations)[list(AUTHOR_YEAR_INPUT_COLUMNS["core_affiliations"])]
    del affiliations  # a mapping of partitions read on access is dropped with it
    aff = aff[aff["author_id"].notna().to_numpy(bool) & aff["work_id"].notna().to_numpy(bool)]
    work, _ = pd.factorize(pd.concat([aff["work_id"], papers["work_id"][keep]], ignore_index=True))
    a_work, p_work = work[: len(aff)].astype(np.int32), work[len(aff) :].astype(np.int32)
    del work, keep
    author, author_ids = factorize_sorted(aff["author_id"])  # codes in the ids' sort order
    author = author.astype(np.int32)
    city, cities = pd.factorize(aff["city_geonames_id"], sort=True)  # codes in the ids' order (ties: the smaller id)
    city = city.astype(np.int32)
    city_dtype = aff["city_geonames_id"].dtype
    country, countries = pd.factorize(aff["country_code"])
    bloc, blocs = pd.factorize(aff["bloc"])
    country, bloc = country.astype(np.int32), bloc.astype(np.int32)
    del aff
    # per (author, year): distinct works of the author, joined to the papers (a work twice there counts twice)
    order, first = _first_rows(author, a_work)
    pairs = order[first]
    li, ri = _join_rows(a_work[pairs], p_work)
    py_author, py_year, py_ai = author[pairs][li], p_year[ri], p_ai[ri].astype(np.int64)
    del order, first, pairs, li, ri
    order, first = _first_rows(py_author, py_year)
    group = np.cumsum(first) - 1
    g_author, g_year = py_author[order][first], py_year[order][first]
    n_year = np.bincount(group, minlength=len(g_author)).astype(np.int64)
    n_ai_year = np.bincount(group, weights=py_ai[order], minlength=len(g_author)).astype(np.int64)
    del py_author, py_year, py_ai, order, first, group
    # the city of each (author, year): located affiliations, once per (author, work, city), in input order
    rows = np.flatnonzero(city >= 0)
    order, first = _first_rows(author[rows], a_work[rows], city[rows])
    rows = np.sort(rows[order[first]])
    li, ri = _join_rows(a_work[rows], p_work)
    rows, l_year = rows[li], p_year[ri]
    l_author, l_city, l_country, l_bloc = author[rows], city[rows], country[rows], bloc[rows]
    del li, ri, rows, author, a_work, p_work, p_year, city, country, bloc
    # (author, year, city) groups in input order within each: size, first known country and bloc
    order, first = _first_rows(l_author, l_year, l_city)
    group = np.cumsum(first) - 1
    n_groups = int(group[-1]) + 1 if len(group) else 0
    c_author, c_year, c_city = l_author[order][first], l_year[order][first], l_city[order][first]
    c_n = np.bincount(group, minlength=n_groups)

    c_country, c_bloc = (_first_known(codes[order], group, n_groups) for codes in (l_country, l_bloc))
    del l_author, l_year, l_city, l_country, l_bloc, order, first, group
    # the mode: most papers, then the smaller city id; one per (author, year)
    order = np.lexsort((c_city, -c_n, c_year, c_author))
    top = order[run_starts(c_author[order], c_year[order])]
    # g_* are sorted by (author, year), and every (author, year) with a city is one of them
    y0 = int(g_year.min()) if len(g_year) else 0
    span = int(g_year.max()) - y0 + 1 if len(g_year) else 1
    at = np.searchsorted(g_author.astype(np.int64) * span + (g_year - y0), c_author[top].astype(np.int64) * span + (c_year[top] - y0))
    has_city = np.zeros(len(g_author), dtype=bool)
    has_city[at] = True
    o_city = np.full(len(g_author), -1, dtype=np.int64)
    o_city[at] = c_city[top]
    o_country = np.full(len(g_author), -1, dtype=np.int64)
    o_country[at] = c_country[top]
    o_bloc = np.full(len(g_author), -1, dtype=np.int64)
    o_bloc[at] = c_bloc[top]
    del c_author, c_year, c_city, c_n, c_country, c_bloc, order, top, at
    return pd.DataFrame(
        {
            "author_id": pd.Series(author_ids.take(g_author)),
            "year": pd.array(g_year, dtype=year_dtype),
            "n_papers_year": n_year,
            "n_ai_papers_year": pd.array(n_ai_year, dtype="Int64"),
            "city_geonames_id": pd.Series(cities.array.take(o_city, allow_fill=True)).astype(city_dtype),
            "country_code": pd.Series(countries.array.take(o_country, allow_fill=True)),
            "bloc": pd.Series(blocs.array.take(o_bloc, allow_fill=True)),
        }
    )


def author_careers(places: pd.DataFrame | Mapping[str, pd.DataFrame], rule: AiScientistRule = AiScientistRule()) -> pd.DataFrame:
    """``core_author_years`` from ``core_author_year_places`` (one table, or a table per year put
    together in year order): each row with its author's career counts (papers and AI papers over every
    year given) and the AI-scientist flag (``rule``), rows sorted by author id, then year.

    Careers are sums over an author's rows, so this reads only the yearly tables (issue 13: the asset
    took 22 CPU-s at the paper's scale, 57 when it counted every year's affiliations again)."""
    df = concat_partitions(places)
    del places
    author, _ = factorize_sorted(df["author_id"], uniques=False)  # codes in the ids' sort order; no null ids (author_year_places)
    order = np.argsort(author, kind="stable")  # the years' tables come in year order: a stable sort by author keeps it
    if (order[1:] < order[:-1]).any():
        df, author = df.take(order).reset_index(drop=True), author[order]
    del order
    n_year = df["n_papers_year"].to_numpy(dtype=np.int64)
    n_ai_year = df["n_ai_papers_year"].fillna(0).to_numpy(dtype=np.int64)
    n_career = np.bincount(author, weights=n_year).astype(np.int64)[author]
    n_ai_career = np.bincount(author, weights=n_ai_year).astype(np.int64)[author]
    out = df.assign(n_papers_career=n_career, n_ai_papers_career=pd.array(n_ai_career, dtype="Int64"))
    out["is_ai_scientist"] = (n_career >= rule.min_papers) & (n_ai_career >= rule.min_ai_share * n_career)
    return out


def build_author_years(
    affiliations: pd.DataFrame | Mapping[str, pd.DataFrame], papers: pd.DataFrame, rule: AiScientistRule = AiScientistRule()
) -> pd.DataFrame:
    """``core_author_years`` from ``core_affiliations`` and ``core_papers`` of all years at once:
    :func:`author_careers` of :func:`author_year_places`."""
    return author_careers(author_year_places(affiliations, papers), rule)
