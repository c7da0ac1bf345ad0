"""City metrics of a year: impact, productivity and AI scientists (AlShebli et al. 2022, Results and Fig. 1).

AlShebli et al. 2022: "The first is impact—the number of citations that papers from the city have accumulated
within the first two years post publication ... Our second outcome measure is productivity—the
number of AI papers that the city has produced each year. The third outcome measure is the number
of AI scientists affiliated to an institution located in the city under consideration."

Counting is done on integer codes with ``numpy.bincount`` (one pass over the citations, linear in
their number) rather than by merging tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd



@dataclass(frozen=True)
class ImpactWindows:
    """Citing years counted for a paper of year y: y..y+``years`` (AlShebli et al. 2022: two years post
    publication, so y, y+1, y+2; Supplementary Fig. 1: five)."""

    years: int = 2
    long_years: int = 5
    citing: Literal["any", "corpus"] = "any"
    """Which citing works count: any work of the snapshot (default; MAG counted every citation) or
    only AI corpus papers."""


def _count(keys: pd.Series) -> pd.Series:
    """Counts per non-null key (int64), by factorize + bincount."""
    codes, uniques = pd.factorize(keys, use_na_sentinel=True)
    codes = codes[codes >= 0]
    return pd.Series(np.bincount(codes, minlength=len(uniques)), index=pd.Index(uniques, dtype="Int64"), dtype="int64")


_WINDOW_COLUMNS = ["citing_year", "citing_city_geonames_id", "cited_city_geonames_id"]
WINDOW_INPUT_COLUMNS = ["cited_year", "citing_year", "cited_in_corpus", "citing_in_corpus", *_WINDOW_COLUMNS[1:]]
"""The columns of ``core_citations`` that ``window_citations`` reads (the assets read only these)."""
CORPUS_CITATION_ROWS = [("cited_in_corpus", "==", True)]
"""The rows of ``core_citations`` that ``window_citations`` can keep, citations of corpus papers (the
assets read only these: on a real snapshot most references cite works outside the AI corpus)."""
AUTHOR_YEAR_COLUMNS = ["author_id", "year", "city_geonames_id", "country_code", "bloc", "is_ai_scientist"]
"""The columns of ``core_author_years`` that ``city_year_metrics`` reads (the asset reads only these)."""
CORPUS_PAPER_ROWS = [("in_corpus", "==", True)]
"""The rows of ``core_papers`` that the city metrics, the collaboration pairs, the CD index and the
venue divide count, the AI corpus's (the assets read only these: ``core_papers`` holds every work of
the year, on a real snapshot mostly outside the corpus)."""
METRIC_PAPER_COLUMNS = ["in_corpus", "publication_year", "city_geonames_id", "city_country_code", "bloc"]
"""The columns of ``core_papers`` that ``city_year_metrics`` reads (the asset reads only these)."""
COLLABORATION_INPUT_COLUMNS = {
    "core_papers": ("work_id", "in_corpus", "publication_year", "city_geonames_id"),
    "core_affiliations": ("work_id", "author_seq", "author_position", "city_geonames_id"),
}
"""The columns ``collaboration_pairs`` reads (the asset loads only these)."""
AI_SCIENTIST_ROWS = [("is_ai_scientist", "==", True)]
"""The rows of ``core_author_years`` that the city metrics and the migration assets count, AI
scientists' (the assets read only these: ``resources.io.ROWS``; every other author-year, most of
them on a real snapshot, is never loaded)."""


def window_citations(citations: pd.DataFrame, year: int, years: int, citing: str) -> pd.DataFrame:
    """Citations to the AI corpus papers of ``year`` made in years ``year``..``year+years``
    (citing year, citing city and cited city only: nothing else is needed downstream)."""
    if citing not in ("any", "corpus"):
        raise ValueError(f"impact citing scope {citing!r}: use any or corpus")
    c = citations
    cited_year = c["cited_year"].to_numpy(dtype="float64", na_value=np.nan)
    citing_year = c["citing_year"].to_numpy(dtype="float64", na_value=np.nan)
    mask = (
        c["cited_in_corpus"].to_numpy(dtype=bool, na_value=False)
        & (cited_year == year)
        & (citing_year >= year)
        & (citing_year <= year + years)
    )
    if citing == "corpus":
        mask &= c["citing_in_corpus"].to_numpy(dtype=bool, na_value=False)
    return c.loc[mask, _WINDOW_COLUMNS]


def window_complete(year: int, years: int, available_citing_years: Iterable[int]) -> bool:
    """True when every citing year y..y+years is among the years whose citations were read."""
    return set(range(year, year + years + 1)) <= set(available_citing_years)


def city_year_metrics(
    year: int,
    papers: pd.DataFrame,
    citations: pd.DataFrame,
    author_years: pd.DataFrame,
    cities: pd.DataFrame,
    available_citing_years: Iterable[int],
    windows: ImpactWindows = ImpactWindows(),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``out_city_year_metrics`` and ``out_world_year_totals`` of ``year``.

    ``papers``: ``core_papers`` of the year; ``citations``: ``core_citations`` of the citing years
    read (``available_citing_years``); ``author_years``: ``core_author_years``; ``cities``: name and
    coordinates per city id (``corpus.papers.city_table``). A city appears when it has a paper, a
    citation or an AI scientist that year. A year whose citation window reaches past the citing
    years read is flagged incomplete (``impact_window_complete``), never passed off as complete.
    """
    available = sorted(set(int(y) for y in available_citing_years))
    corpus = papers[papers["in_corpus"].fillna(False).to_numpy(bool) & (papers["publication_year"] == year).to_numpy(bool)]
    cits_long = window_citations(citations, year, max(windows.years, windows.long_years), windows.citing)
    cits = cits_long[cits_long["citing_year"].to_numpy(dtype="float64", na_value=np.nan) <= year + windows.years]
    if windows.long_years < windows.years:
        cits_long = cits_long[cits_long["citing_year"].to_numpy(dtype="float64", na_value=np.nan) <= year + windows.long_years]
    ay = author_years[(author_years["year"] == year).to_numpy(bool) & author_years["is_ai_scientist"].fillna(False).to_numpy(bool)]
    ay = ay.dropna(subset=["city_geonames_id"]).drop_duplicates("author_id")

    counts = pd.DataFrame(
        {
            "productivity": _count(corpus["city_geonames_id"]),
            "impact": _count(cits["cited_city_geonames_id"]),
            "impact_long": _count(cits_long["cited_city_geonames_id"]),
            "ai_scientists": _count(ay["city_geonames_id"]),
        }
    ).fillna(0).astype("int64")
    counts.index.name = "city_geonames_id"
    complete = window_complete(year, windows.years, available)
    complete_long = window_complete(year, windows.long_years, available)
    world = {
        "year": year,
        "productivity": len(corpus),
        "productivity_located": int(corpus["city_geonames_id"].notna().sum()),
        "impact": len(cits),
        "impact_long": len(cits_long),
        "ai_scientists": len(ay),
        "impact_window_complete": complete,
        "impact_long_window_complete": complete_long,
    }
    out = counts.reset_index()
    info = cities.reindex(out["city_geonames_id"].astype("int64"))
    bloc = _city_attribute(out["city_geonames_id"], corpus, ay, "bloc")
    country = _city_attribute(out["city_geonames_id"], corpus, ay, "country_code")
    out = out.assign(
        year=year,
        city_name=info["city_name"].to_numpy(),
        latitude=info["latitude"].to_numpy(),
        longitude=info["longitude"].to_numpy(),
        bloc=bloc,
        country_code=country,
        impact_window_complete=complete,
        impact_long_window_complete=complete_long,
    )
    for metric in ("productivity", "impact", "impact_long", "ai_scientists"):
        total = world[metric]
        out[f"share_{metric}"] = out[metric] / total if total else 0.0
    out = out.sort_values(["impact", "productivity", "city_geonames_id"], ascending=[False, False, True], ignore_index=True)
    return out, pd.DataFrame([world])


def scientists_by_year(author_years: pd.DataFrame) -> dict[int, pd.DataFrame]:
    """The rows of ``core_author_years`` that ``city_year_metrics`` counts (AI scientists placed in a
    city; the asset loads the AI scientists' rows only, ``AI_SCIENTIST_ROWS``), split by year once,
    in their order: for a run over many years, each year's call then filters its own rows instead
    of every author-year (14.6 M rows at the paper's scale, their ids taken again for every year:
    10 of the 25 CPU-s of the 30 years' metrics)."""
    keep = author_years["is_ai_scientist"].fillna(False).to_numpy(bool) & author_years["city_geonames_id"].notna().to_numpy(bool)
    counted = author_years[keep]
    return {int(y): rows for y, rows in counted.groupby("year", sort=False)}


def _city_attribute(ids: pd.Series, papers: pd.DataFrame, author_years: pd.DataFrame, column: str) -> np.ndarray:
    """A city's country or bloc, from its papers (``city_country_code``/``bloc``) or its scientists."""
    paper_col = "city_country_code" if column == "country_code" else "bloc"
    known = pd.concat(
        [
            papers[["city_geonames_id", paper_col]].rename(columns={paper_col: column}),
            author_years[["city_geonames_id", column]],
        ]
    ).dropna().drop_duplicates("city_geonames_id").set_index("city_geonames_id")[column]
    return ids.map(known).to_numpy()


def impact_pairs(year: int, citations: pd.DataFrame, windows: ImpactWindows = ImpactWindows()) -> pd.DataFrame:
    """``out_city_pairs`` of impact: citations from city i's papers to city j's papers of ``year``,
    made in y..y+2 (AlShebli et al. 2022, Fig. 2a caption). Null cities are kept, so a row's sum is every
    citation city i made to the year's papers (m_i of the over-impact baseline)."""
    cits = window_citations(citations, year, windows.years, windows.citing)
    return _pairs(year, cits["citing_city_geonames_id"], cits["cited_city_geonames_id"])


def _pairs(year: int, rows: pd.Series, cols: pd.Series) -> pd.DataFrame:
    df = pd.DataFrame({"row_city_geonames_id": rows.to_numpy(), "col_city_geonames_id": cols.to_numpy()})
    out = df.groupby(["row_city_geonames_id", "col_city_geonames_id"], dropna=False, sort=True).size().reset_index(name="value")
    out.insert(0, "year", year)
    return out


def collaboration_pairs(year: int, papers: pd.DataFrame, affiliations: pd.DataFrame) -> pd.DataFrame:
    """``out_city_pairs`` of collaboration (AlShebli et al. 2022, Fig. 2d): papers of ``year`` whose last author
    is in city i and at least one other author in city j, each paper counted once per (i, j); the
    diagonal counts papers with a co-author in the last author's own city. The last author is the
    one that places the paper (``core_papers``); all of that author's rows are left out of the
    co-authors, and a co-author with affiliations in two cities counts for both."""
    corpus = papers[
        papers["in_corpus"].fillna(False).to_numpy(bool)
        & (papers["publication_year"] == year).to_numpy(bool)
        & papers["city_geonames_id"].notna().to_numpy(bool)
    ][["work_id", "city_geonames_id"]]
    aff = affiliations.merge(corpus[["work_id"]], on="work_id")
    last_seq = aff.groupby("work_id")["author_seq"].max()
    marked = aff.loc[aff["author_position"] == "last", ["work_id", "author_seq"]].drop_duplicates("work_id")
    last_seq.update(marked.set_index("work_id")["author_seq"])
    others = aff[aff["author_seq"].to_numpy() != aff["work_id"].map(last_seq).to_numpy()]
    others = others.dropna(subset=["city_geonames_id"])[["work_id", "city_geonames_id"]].drop_duplicates()
    joined = others.merge(corpus, on="work_id", suffixes=("_col", "_row"))
    return _pairs(year, joined["city_geonames_id_row"], joined["city_geonames_id_col"])
