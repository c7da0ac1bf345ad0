"""The analyses of Schmallenbach et al. 2024's atlas (Figs. 1-9): counts, shares, negative binomial models, dyads.

Pure functions: ``out_lifesci_articles`` (all years, with their citations) and ``core_lifesci_authors`` in,
pandas frames (or fitted ``CountResult``s) out. No Dagster.

Sample. Schmallenbach et al. 2024's final sample is the articles whose lead author has a country ("We identify a
country for 397,967 (95%) articles that make up the final sample of our analysis"; Figs. 1-6 and
8B-C report n = 397,967 or 397,965). Every descriptive function here therefore works on the
articles with a ``lead_country_code`` (``atlas_sample``); ``yearly_counts`` can be asked for all
articles. The region of an article is its ``lead_world_region`` (one of the six regions of
``aigeo_assets.geo.regions.WORLD_REGIONS``), filled from the UN M49 table where the column is
empty; a lead country M49 does not know has no region and is left out of the by-region tables.

Flags. A null ``is_clinical``, ``is_international``, ``outlet_ranked`` or ``high_ranked`` counts as
false (the article stays in every denominator).

Shares are fractions in [0, 1]; the figures (``aigeo_assets.reports.lifesci_figures``) plot
percentages.
"""

from __future__ import annotations

import re
from typing import Literal

import numpy as np
import pandas as pd

from aigeo_assets.geo.regions import WORLD_REGIONS, country_regions
from aigeo_assets.models.absorb import FixedEffects, drop_all_zero_groups
from aigeo_assets.models.count import negative_binomial, poisson
from aigeo_assets.models.results import CountResult, NotEstimable, estimate
from aigeo_assets.models.separation import find_separated

BASE_REGION = "Asia"
"""Schmallenbach et al. 2024, Fig. 7: "with the most productive region, Asia, serving as the base category"."""

REGION_TERMS: dict[str, str] = {
    "Africa": "africa",
    "Europe": "europe",
    "Latin America and the Caribbean": "latin_america",
    "Northern America": "northern_america",
    "Oceania": "oceania",
}
"""Regressor name of each non-base region's dummy (identifiers, so ``wald_test`` can read them)."""

REGION_SHORT: dict[str, str] = {r: ("Latin America" if r.startswith("Latin America") else r) for r in WORLD_REGIONS}
"""Short region labels for figures (the paper writes "Latin America")."""

TERM_LABELS: dict[str, str] = {
    **{term: region for region, term in REGION_TERMS.items()},
    "international": "International collaboration",
    "n_authors": "Number of authors",
}

FIG7_MODELS: dict[str, tuple[str, bool]] = {
    "A": ("citations", False),
    "B": ("clinical_citations", False),
    "C": ("clinical_citations", True),
    "D": ("citations", True),
}
"""Schmallenbach et al. 2024 Fig. 7 panels: (outcome, outlet effects). A/B year effects only; C/D with outlet effects."""

DROP_KEYS = ("unknown_region", "unknown_country", "missing", "all_zero_groups", "separated")
"""The ``dropped`` counts ``irr_table`` reports, one ``dropped_<key>`` column each."""

Outcome = Literal["citations", "clinical_citations"]



# ---------------------------------------------------------------- helpers


def _flag(s: pd.Series) -> pd.Series:
    """A boolean column with nulls read as false."""
    return s.astype("boolean").fillna(False).astype(bool)


def _countries(codes: pd.Series) -> pd.Series:
    c = codes.astype("string").str.strip().str.upper()
    return c.where(c != "")


def _m49() -> pd.DataFrame:
    return country_regions().set_index("country_code")


def with_regions(articles: pd.DataFrame) -> pd.DataFrame:
    """The articles with ``_country`` (upper-case lead country, <NA> when none) and ``_region``
    (``lead_world_region``, filled from the M49 table where empty; <NA> when unknown)."""
    a = articles.copy()
    a["_country"] = _countries(a["lead_country_code"])
    m49_region = a["_country"].map(_m49()["world_region"]).astype("string")
    region = a["lead_world_region"].astype("string") if "lead_world_region" in a else pd.Series(pd.NA, index=a.index, dtype="string")
    region = region.where(region.notna() & (region != ""), m49_region)
    a["_region"] = region.where(region.isin(WORLD_REGIONS))
    return a


def atlas_sample(articles: pd.DataFrame) -> pd.DataFrame:
    """The articles with a lead country (Schmallenbach et al. 2024's final sample), with ``_country`` and ``_region``."""
    a = with_regions(articles)
    return a[a["_country"].notna()]


def _country_frame(codes: pd.Index) -> pd.DataFrame:
    m = _m49()
    return pd.DataFrame(
        {
            "country_code": pd.array(codes, dtype="string"),
            "iso3": pd.array(codes.map(m["iso3"]), dtype="string"),
            "country_name": pd.array(codes.map(m["country_name"]), dtype="string"),
        }
    )


def _region_order(region: pd.Series) -> pd.Series:
    order = {r: k for k, r in enumerate(WORLD_REGIONS)}
    return region.map(order).fillna(len(WORLD_REGIONS)).astype(int)


def numeric_floats(s: pd.Series) -> np.ndarray:
    """A column as float64, anything not a number (missing, text) NaN (the atlas's checks and figures)."""
    return pd.to_numeric(s, errors="coerce").astype("float64").to_numpy()


def share_of(num, den):
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


# ---------------------------------------------------------------- Fig. 1


def compound_annual_growth(counts: pd.Series, start: int, end: int) -> tuple[float, int, int]:
    """CAGR of ``counts`` (index year) from ``start`` to ``end``, the span clamped to the years of
    the index: ``(n_last / n_first) ** (1 / (last - first)) - 1``. NaN when the clamped span is
    shorter than one year or the first count is zero. Returns (cagr, first, last)."""
    years = counts.index.astype(int)
    if not len(years):
        return float("nan"), int(start), int(end)
    first, last = max(int(start), int(years.min())), min(int(end), int(years.max()))
    if last <= first:
        return float("nan"), first, last
    n0 = float(counts.get(first, 0))
    n1 = float(counts.get(last, 0))
    if n0 <= 0:
        return float("nan"), first, last
    return float((n1 / n0) ** (1.0 / (last - first)) - 1.0), first, last


def yearly_cagr(counts: pd.DataFrame, cagr_years: tuple[int, int] = (2010, 2022)) -> tuple[float, tuple[int, int]]:
    """The CAGR of a ``yearly_counts`` table (its ``articles``) over ``cagr_years`` clamped to the
    years it holds, with the span used: what Fig. 1's title and the asset's metadata show."""
    if counts.empty:
        return float("nan"), cagr_years
    cagr, first, last = compound_annual_growth(counts.set_index("year")["articles"], *cagr_years)
    return cagr, (first, last)


def yearly_counts(
    articles: pd.DataFrame, cagr_years: tuple[int, int] = (2010, 2022), *, located_only: bool = True
) -> tuple[pd.DataFrame, float]:
    """Schmallenbach et al. 2024 Fig. 1: articles per year, all and by ``source``, and the compound annual growth
    rate ("CAGR 2010-2022"; the paper reports 20%).

    Returns ``(frame, cagr)``. Frame columns: ``year``, ``articles``, ``pubmed``, ``openalex``,
    ``both`` (counts by ``source``; an article of another or no source counts in ``articles``
    only). Every year from the first to the last present is a row (zero when empty). Articles
    without a publication year are left out. ``located_only`` (default, the paper's n = 397,967)
    counts only articles with a lead country.

    CAGR = (n_last / n_first) ** (1 / (last - first)) - 1 over ``cagr_years`` clamped to the years
    present (``compound_annual_growth``); the span used is in ``frame.attrs["cagr_years"]`` and the
    value in ``frame.attrs["cagr"]``.
    """
    a = atlas_sample(articles) if located_only else articles
    year = pd.to_numeric(a["publication_year"], errors="coerce")
    a = a[year.notna()]
    year = year[year.notna()].astype(int)
    cols = ["year", "articles", "pubmed", "openalex", "both"]
    if a.empty:
        out = pd.DataFrame({c: pd.Series([], dtype="int64") for c in cols})
        out.attrs.update(cagr=float("nan"), cagr_years=tuple(int(y) for y in cagr_years))
        return out, float("nan")
    years = pd.RangeIndex(int(year.min()), int(year.max()) + 1, name="year")
    src = a["source"].astype("string").str.lower()
    out = pd.DataFrame({"articles": year.value_counts().reindex(years, fill_value=0)})
    for s in ("pubmed", "openalex", "both"):
        out[s] = year[(src == s).fillna(False).to_numpy()].value_counts().reindex(years, fill_value=0)
    out = out.astype("int64").reset_index()
    cagr, first, last = compound_annual_growth(out.set_index("year")["articles"], *cagr_years)
    out.attrs.update(cagr=cagr, cagr_years=(first, last))
    return out[cols], cagr


# ---------------------------------------------------------------- Fig. 2


def country_counts(articles: pd.DataFrame) -> pd.DataFrame:
    """Schmallenbach et al. 2024 Fig. 2 (and Supplementary S2's table): articles per lead country, 2000-2022 pooled.

    Columns: ``rank`` (1 = most articles; ties by country code), ``country_code``, ``iso3``,
    ``country_name`` (M49; <NA> for a code M49 lacks), ``world_region``, ``articles``, ``share``
    (of all articles with a lead country, so shares sum to 1), ``journal_articles``,
    ``conference_articles`` (by ``outlet_kind``; the paper contrasts India's journals and
    conferences).
    """
    a = atlas_sample(articles)
    kind = a["outlet_kind"].astype("string").str.lower()
    g = pd.DataFrame(
        {
            "articles": a.groupby("_country").size(),
            "journal_articles": (kind == "journal").fillna(False).groupby(a["_country"]).sum(),
            "conference_articles": (kind == "conference").fillna(False).groupby(a["_country"]).sum(),
            "world_region": a.groupby("_country")["_region"].first(),
        }
    )
    g = g.reset_index(names="country_code").sort_values(["articles", "country_code"], ascending=[False, True], kind="stable")
    g = g.reset_index(drop=True)
    out = _country_frame(pd.Index(g["country_code"]))
    out.insert(0, "rank", np.arange(1, len(g) + 1, dtype="int64"))
    out["world_region"] = pd.array(g["world_region"].to_numpy(), dtype="string")
    out["articles"] = g["articles"].astype("int64").to_numpy()
    out["share"] = share_of(out["articles"], out["articles"].sum())
    out["journal_articles"] = g["journal_articles"].astype("int64").to_numpy()
    out["conference_articles"] = g["conference_articles"].astype("int64").to_numpy()
    return out


def link_coverage(articles: pd.DataFrame) -> pd.DataFrame:
    """How the atlas's inputs were reached, per year (issue 14: unlinked records "counted and
    shown"): articles by ``link_rule`` (pmid, doi, openalex, none) and how many took their countries,
    topic and citations from OpenAlex. Columns: ``year``, ``articles``, ``linked_by_pmid``,
    ``linked_by_doi``, ``openalex_papers``, ``unlinked``, ``countries_from_openalex`` (country
    source openalex or openalex+pubmed), ``topic_from_openalex``, ``citations_from_openalex``."""
    year = pd.to_numeric(articles["publication_year"], errors="coerce")
    a = articles[year.notna()].assign(year=year[year.notna()].astype("int64"))
    rule = a["link_rule"].astype("string")
    parts = {
        "articles": rule.notna() | rule.isna(),
        "linked_by_pmid": rule == "pmid",
        "linked_by_doi": rule == "doi",
        "openalex_papers": rule == "openalex",
        "unlinked": rule == "none",
        "countries_from_openalex": a["country_source"].astype("string").str.startswith("openalex"),
        "topic_from_openalex": a["topic_source"].astype("string") == "openalex_concept",
        "citations_from_openalex": a["citation_source"].astype("string") == "openalex",
    }
    out = pd.DataFrame({k: v.fillna(False).astype("int64") for k, v in parts.items()}).groupby(a["year"]).sum()
    return out.reset_index().astype("int64")


def country_years(articles: pd.DataFrame) -> pd.DataFrame:
    """Schmallenbach et al. 2024's "dynamic online graph" behind Fig. 2: articles per lead country and year (every
    year from the first to the last present, zeros kept), with each country's rank in its year.
    Columns: ``country_code``, ``year``, ``articles``, ``rank_in_year`` (1 = most; ties by code)."""
    a = atlas_sample(articles)
    year = pd.to_numeric(a["publication_year"], errors="coerce")
    a = a[year.notna()].assign(_year=year[year.notna()].astype("int64"))
    if a.empty:
        return pd.DataFrame({"country_code": pd.Series([], dtype="string"), "year": pd.Series([], dtype="int64"),
                             "articles": pd.Series([], dtype="int64"), "rank_in_year": pd.Series([], dtype="int64")})
    counts = a.groupby(["_country", "_year"]).size()
    years = range(int(a["_year"].min()), int(a["_year"].max()) + 1)
    full = pd.MultiIndex.from_product([sorted(counts.index.get_level_values(0).unique()), years], names=["country_code", "year"])
    out = counts.reindex(full, fill_value=0).rename("articles").reset_index()
    out = out.sort_values(["year", "articles", "country_code"], ascending=[True, False, True], kind="stable")
    out["rank_in_year"] = out.groupby("year").cumcount() + 1
    return out.sort_values(["country_code", "year"], kind="stable").reset_index(drop=True).astype(
        {"country_code": "string", "year": "int64", "articles": "int64", "rank_in_year": "int64"})


def first_year_ahead(by_year: pd.DataFrame, leader: str = "CN", behind: str = "US") -> int | None:
    """The first year in which ``leader`` has more articles than ``behind`` and keeps more in every
    later year present (Schmallenbach et al. 2024: "2020 marks the first year in which China has surpassed the US");
    None when it never does or the countries are absent."""
    t = by_year.pivot_table(index="year", columns="country_code", values="articles", fill_value=0)
    if leader not in t or behind not in t:
        return None
    ahead = (t[leader] > t[behind]).to_numpy(bool)
    if not ahead[-1]:
        return None
    last_not = np.flatnonzero(~ahead)
    return int(t.index[last_not[-1] + 1]) if len(last_not) else int(t.index[0])


# ---------------------------------------------------------------- Fig. 3


def topic_country_shares(articles: pd.DataFrame, top_countries: int = 40, top_topics: int = 40) -> pd.DataFrame:
    """Schmallenbach et al. 2024 Fig. 3: the heatmap of countries' topic focus, "the share of a country's
    publications for a specific content category relative to all publications by the same country"
    for the 40 most productive countries and the 40 most frequent topics.

    Articles without a ``topic`` (null or blank) are excluded throughout: from the country ranking,
    from the topic ranking and from the denominators (every article of the paper has a topic, so
    the share is of the country's articles that have one; a country's shares over *all* topics sum
    to 1, over the top topics to less). Countries are ranked by such articles (ties by code), topics
    by their frequency among all located articles with a topic (ties by name).

    Long frame, one row per country x topic of the top grid (zeros included): ``country_code``,
    ``country_name``, ``world_region``, ``country_rank``, ``topic``, ``topic_rank``, ``articles``
    (the cell), ``country_articles`` (the denominator), ``share``. Sorted as Fig. 3 lays it out:
    countries grouped by region (``WORLD_REGIONS`` order) then by rank, topics by rank.
    """
    a = atlas_sample(articles)
    topic = a["topic"].astype("string").str.strip()
    a = a.assign(_topic=topic)[topic.notna() & (topic != "")]
    per_country = a.groupby("_country").size().rename("n").reset_index()
    per_country = per_country.sort_values(["n", "_country"], ascending=[False, True], kind="stable").head(top_countries)
    per_topic = a.groupby("_topic").size().rename("n").reset_index()
    per_topic = per_topic.sort_values(["n", "_topic"], ascending=[False, True], kind="stable").head(top_topics)
    countries = per_country["_country"].tolist()
    topics = per_topic["_topic"].tolist()
    cells = a[a["_country"].isin(countries) & a["_topic"].isin(topics)].groupby(["_country", "_topic"]).size()
    grid = pd.MultiIndex.from_product([countries, topics], names=["_country", "_topic"])
    out = cells.reindex(grid, fill_value=0).rename("articles").reset_index()
    den = per_country.set_index("_country")["n"]
    region = a.groupby("_country")["_region"].first()
    names = _m49()["country_name"]
    out = pd.DataFrame(
        {
            "country_code": out["_country"].astype("string"),
            "country_name": out["_country"].map(names).astype("string"),
            "world_region": out["_country"].map(region).astype("string"),
            "country_rank": out["_country"].map({c: k + 1 for k, c in enumerate(countries)}).astype("int64"),
            "topic": out["_topic"].astype("string"),
            "topic_rank": out["_topic"].map({t: k + 1 for k, t in enumerate(topics)}).astype("int64"),
            "articles": out["articles"].astype("int64"),
            "country_articles": out["_country"].map(den).astype("int64"),
        }
    )
    out["share"] = share_of(out["articles"], out["country_articles"])
    out["_r"] = _region_order(out["world_region"])
    out = out.sort_values(["_r", "country_rank", "topic_rank"], kind="stable").drop(columns="_r")
    return out.reset_index(drop=True)


# ---------------------------------------------------------------- Fig. 4


def clinical_by_country(articles: pd.DataFrame, top: int = 30) -> pd.DataFrame:
    """Schmallenbach et al. 2024 Fig. 4: clinical AI research of the ``top`` countries by clinical articles: "the
    share of a country's clinical research relative to global clinical research production (primary
    y-axis) and relative to all publications within the same country (secondary y-axis)".

    Columns: ``rank`` (by clinical articles, ties by all articles then code), ``country_code``,
    ``country_name``, ``world_region``, ``articles`` (all the country's articles),
    ``clinical_articles``, ``share_of_world_clinical`` (of all located clinical articles, so the
    full list sums to 1), ``clinical_share_of_country`` (clinical / the country's articles),
    ``cumulative_share_of_world_clinical`` (the paper: the top 30 hold 94%). A null ``is_clinical``
    is not clinical.
    """
    a = atlas_sample(articles)
    clin = _flag(a["is_clinical"])
    g = pd.DataFrame(
        {"articles": a.groupby("_country").size(), "clinical_articles": clin.groupby(a["_country"]).sum().astype("int64"),
         "world_region": a.groupby("_country")["_region"].first()}
    ).reset_index(names="country_code")
    world = float(clin.sum())
    g = g[g["clinical_articles"] > 0].sort_values(
        ["clinical_articles", "articles", "country_code"], ascending=[False, False, True], kind="stable"
    ).head(top).reset_index(drop=True)
    out = _country_frame(pd.Index(g["country_code"])).drop(columns="iso3")
    out.insert(0, "rank", np.arange(1, len(g) + 1, dtype="int64"))
    out["world_region"] = pd.array(g["world_region"].to_numpy(), dtype="string")
    out["articles"] = g["articles"].astype("int64").to_numpy()
    out["clinical_articles"] = g["clinical_articles"].astype("int64").to_numpy()
    out["share_of_world_clinical"] = share_of(out["clinical_articles"], world)
    out["clinical_share_of_country"] = share_of(out["clinical_articles"], out["articles"])
    out["cumulative_share_of_world_clinical"] = np.cumsum(out["share_of_world_clinical"].to_numpy())
    return out


# ---------------------------------------------------------------- Figs. 5, 6


def high_ranked_by_country(articles: pd.DataFrame, min_articles: int = 100) -> pd.DataFrame:
    """Schmallenbach et al. 2024 Fig. 5: the share of each country's articles published in high-ranked outlets
    (top-three journal of its best JCR category, or an A* CORE conference), 2000-2022 pooled,
    "limited to countries with at least 100 publications".

    The denominator is *all* the country's articles, those in unranked outlets (not in JCR or CORE,
    ``outlet_ranked`` false) included: the paper stratifies all publications, and an unranked
    outlet simply is not high-ranked. ``share_high_ranked_of_ranked`` gives the share among
    articles in ranked outlets as well.

    Columns: ``rank`` (by share, ties by articles then code), ``country_code``, ``iso3``,
    ``country_name``, ``world_region``, ``articles``, ``ranked_articles``, ``high_ranked_articles``,
    ``share_high_ranked``, ``share_high_ranked_of_ranked``.
    """
    a = atlas_sample(articles)
    g = pd.DataFrame(
        {
            "articles": a.groupby("_country").size(),
            "ranked_articles": _flag(a["outlet_ranked"]).groupby(a["_country"]).sum(),
            "high_ranked_articles": _flag(a["high_ranked"]).groupby(a["_country"]).sum(),
            "world_region": a.groupby("_country")["_region"].first(),
        }
    ).reset_index(names="country_code")
    g = g[g["articles"] >= min_articles].copy()
    g["share_high_ranked"] = share_of(g["high_ranked_articles"], g["articles"])
    g = g.sort_values(["share_high_ranked", "articles", "country_code"], ascending=[False, False, True], kind="stable")
    g = g.reset_index(drop=True)
    out = _country_frame(pd.Index(g["country_code"]))
    out.insert(0, "rank", np.arange(1, len(g) + 1, dtype="int64"))
    out["world_region"] = pd.array(g["world_region"].to_numpy(), dtype="string")
    for c in ("articles", "ranked_articles", "high_ranked_articles"):
        out[c] = g[c].astype("int64").to_numpy()
    out["share_high_ranked"] = g["share_high_ranked"].to_numpy(dtype=float)
    out["share_high_ranked_of_ranked"] = share_of(out["high_ranked_articles"], out["ranked_articles"])
    return out


def high_ranked_by_region_year(articles: pd.DataFrame) -> pd.DataFrame:
    """Schmallenbach et al. 2024 Fig. 6: the share of each world region's articles of a year published in
    high-ranked outlets. As in ``high_ranked_by_country`` the denominator is all the region's
    articles of the year, unranked outlets included. Articles whose lead country has no region, or
    without a year, are left out.

    Columns: ``world_region``, ``year``, ``articles``, ``ranked_articles``,
    ``high_ranked_articles``, ``share_high_ranked``; one row per region-year with an article,
    regions in ``WORLD_REGIONS`` order.
    """
    a = atlas_sample(articles)
    a = a.assign(_year=pd.to_numeric(a["publication_year"], errors="coerce"))
    a = a[a["_region"].notna() & a["_year"].notna()]
    keys = [a["_region"].astype(str), a["_year"].astype(int)]
    g = pd.DataFrame(
        {
            "articles": a.groupby(keys).size(),
            "ranked_articles": _flag(a["outlet_ranked"]).groupby(keys).sum(),
            "high_ranked_articles": _flag(a["high_ranked"]).groupby(keys).sum(),
        }
    )
    g.index.names = ["world_region", "year"]
    g = g.reset_index()
    g["share_high_ranked"] = share_of(g["high_ranked_articles"], g["articles"])
    g["_r"] = _region_order(g["world_region"])
    g = g.sort_values(["_r", "year"], kind="stable").drop(columns="_r").reset_index(drop=True)
    g["world_region"] = g["world_region"].astype("string")
    for c in ("year", "articles", "ranked_articles", "high_ranked_articles"):
        g[c] = g[c].astype("int64")
    return g


# ---------------------------------------------------------------- Fig. 7


def region_dummies(region: pd.Series) -> pd.DataFrame:
    """0/1 columns for the five non-base regions (``REGION_TERMS``; Asia is the base)."""
    return pd.DataFrame({term: (region == r).fillna(False).astype(float).to_numpy() for r, term in REGION_TERMS.items()},
                        index=region.index)


def _cov_kwargs(a: pd.DataFrame, cov_type: str, cluster_by: str | None) -> dict:
    if cluster_by is None:
        if cov_type == "cluster":
            raise ValueError("cov_type='cluster' needs cluster_by (a column of the articles)")
        return {"cov_type": cov_type}
    return {"cov_type": "cluster", "clusters": a[cluster_by].astype(object).where(a[cluster_by].notna(), None).to_numpy()}


def relevance_models(
    articles: pd.DataFrame,
    outcome: Outcome = "citations",
    outlet_effects: bool = False,
    *,
    cov_type: str = "HC1",
    cluster_by: str | None = None,
    **fit_kwargs,
) -> CountResult | NotEstimable:
    """Schmallenbach et al. 2024 Fig. 7: negative binomial (NB2) regression of ``outcome`` (``citations``, Fig. 7A/D;
    ``clinical_citations``, Fig. 7B/C) on dummies of the lead author's world region, Asia the base
    category, with publication-year effects absorbed ("we account for publication years using
    dummy variables in all our regression analyses") and, when ``outlet_effects``, outlet
    (``outlet_id``) effects absorbed too (Fig. 7C/D).

    Articles whose region is unknown (no lead country, or one M49 does not place) are dropped and
    counted as ``result.dropped["unknown_region"]``; rows with a missing outcome, year or (with
    outlet effects) outlet are dropped by the engine as ``missing``; outlets (and years) whose
    outcome is zero throughout are dropped by the engine as ``all_zero_groups`` ("outlets with all
    zero outcomes ... get automatically dropped"). A region absent from the sample is omitted
    (``result.omitted``). Covariance: ``cov_type`` (default HC1, heteroskedasticity-robust; the
    paper does not say), or clustered by the column ``cluster_by``. Regressor names:
    ``REGION_TERMS``; ``result.irr()`` gives the IRRs. A sample that cannot identify the model
    (no positive outcome, fewer articles than parameters) gives a ``NotEstimable`` with its reason.
    """
    a = with_regions(articles)
    unknown = int(a["_region"].isna().sum())
    a = a[a["_region"].notna()]
    y = pd.to_numeric(a[outcome], errors="coerce").astype(float).rename(outcome)
    X = region_dummies(a["_region"])
    absorb = pd.DataFrame({"year": pd.to_numeric(a["publication_year"], errors="coerce").to_numpy()}, index=a.index)
    if outlet_effects:
        absorb["outlet"] = a["outlet_id"].astype(object).where(a["outlet_id"].notna(), np.nan).to_numpy()
    kw = {"missing": "drop", "collinear": "drop", **_cov_kwargs(a, cov_type, cluster_by), **fit_kwargs}
    res = estimate(negative_binomial, y.reset_index(drop=True), X.reset_index(drop=True), absorb=absorb.reset_index(drop=True), **kw)
    res.dropped = {"unknown_region": unknown, **res.dropped}
    res.outcome = outcome
    return res


def fit_relevance_models(articles: pd.DataFrame, **kwargs) -> dict[str, CountResult | NotEstimable]:
    """The four models of Schmallenbach et al. 2024 Fig. 7 keyed by panel (``FIG7_MODELS``): A citations and B
    clinical citations with year effects; C clinical citations and D citations with year and
    outlet effects."""
    return {panel: relevance_models(articles, outcome, outlet, **kwargs) for panel, (outcome, outlet) in FIG7_MODELS.items()}


def irr_table(results: dict[str, CountResult | NotEstimable], alpha: float = 0.05) -> pd.DataFrame:
    """Incidence-rate ratios of fitted models as one long frame (Figs. 7 and 8A).

    Columns: ``model`` (the dict key), ``outcome``, ``absorbed`` (the absorbed effects, comma
    separated), ``term``, ``label`` (``TERM_LABELS``), ``coef``, ``std_err``, ``irr``, ``lower``,
    ``upper`` (the ``1 - alpha`` interval, exp of the coefficient's bounds), ``p_value``, ``nobs``,
    ``nb_alpha`` (the NB2 dispersion), ``converged``, and one ``dropped_<key>`` per ``DROP_KEYS``
    (0 when the model did not record it). A model that was not estimable gets one row whose
    ``term`` and ``label`` are "not estimable: <reason>" and whose estimates are null
    (``models.results.NOT_ESTIMABLE``).
    """
    rows = []
    for model, res in results.items():
        if not res.estimable:
            row = {"model": str(model), "outcome": res.outcome, "absorbed": ",".join(res.absorbed), "term": str(res),
                   "label": str(res), "nobs": int(res.nobs), "converged": False}
            rows.append({**row, **{f"dropped_{k}": int(res.dropped.get(k, 0)) for k in DROP_KEYS}})
            continue
        irr = res.irr(alpha)
        for term in res.params.index:
            row = {
                "model": str(model),
                "outcome": res.outcome,
                "absorbed": ",".join(res.absorbed),
                "term": str(term),
                "label": TERM_LABELS.get(str(term), str(term)),
                "coef": float(res.params[term]),
                "std_err": float(res.bse[term]),
                "irr": float(irr.loc[term, "irr"]),
                "lower": float(irr.loc[term, "lower"]),
                "upper": float(irr.loc[term, "upper"]),
                "p_value": float(res.pvalues[term]),
                "nobs": int(res.nobs),
                "nb_alpha": float(res.alpha) if res.alpha is not None else np.nan,
                "converged": bool(res.converged),
            }
            for k in DROP_KEYS:
                row[f"dropped_{k}"] = int(res.dropped.get(k, 0))
            rows.append(row)
    cols = ["model", "outcome", "absorbed", "term", "label", "coef", "std_err", "irr", "lower", "upper", "p_value", "nobs",
            "nb_alpha", "converged", *(f"dropped_{k}" for k in DROP_KEYS)]
    return pd.DataFrame(rows, columns=cols)


# ---------------------------------------------------------------- Fig. 8


def collaboration_model(
    articles: pd.DataFrame,
    outcome: Outcome = "citations",
    *,
    cov_type: str = "HC1",
    cluster_by: str | None = None,
    **fit_kwargs,
) -> CountResult | NotEstimable:
    """Schmallenbach et al. 2024 Fig. 8A: NB2 regression of ``outcome`` on ``international`` (1 when at least two
    authors are affiliated with different countries; a null flag is 0), "controlling for
    publication year dummy variables, the locale of the lead author, and the total number of
    authors on the author byline": ``n_authors`` enters linearly (the paper does not say how;
    Stata's default for a continuous control), lead-country and year effects are absorbed.

    Articles without a lead country are dropped and counted as ``dropped["unknown_country"]``;
    missing outcome, year or ``n_authors`` as ``missing``; countries or years with an all-zero
    outcome as ``all_zero_groups``. Covariance as in ``relevance_models``. Regressors:
    ``international``, ``n_authors``. A sample that cannot identify the model gives a
    ``NotEstimable`` with its reason.
    """
    a = with_regions(articles)
    unknown = int(a["_country"].isna().sum())
    a = a[a["_country"].notna()]
    y = pd.to_numeric(a[outcome], errors="coerce").astype(float).rename(outcome)
    X = pd.DataFrame(
        {
            "international": _flag(a["is_international"]).astype(float).to_numpy(),
            "n_authors": pd.to_numeric(a["n_authors"], errors="coerce").astype(float).to_numpy(),
        }
    )
    absorb = pd.DataFrame(
        {"lead_country": a["_country"].astype(str).to_numpy(),
         "year": pd.to_numeric(a["publication_year"], errors="coerce").to_numpy()}
    )
    kw = {"missing": "drop", "collinear": "drop", **_cov_kwargs(a, cov_type, cluster_by), **fit_kwargs}
    res = estimate(negative_binomial, y.reset_index(drop=True), X, absorb=absorb, **kw)
    res.dropped = {"unknown_country": unknown, **res.dropped}
    res.outcome = outcome
    return res


def international_share_by_year(articles: pd.DataFrame) -> pd.DataFrame:
    """Schmallenbach et al. 2024 Fig. 8B: the share of a year's articles (with a lead country) that are
    international ("at least two authors affiliated in different countries"; a null flag is
    national). Columns: ``year``, ``articles``, ``international_articles``,
    ``share_international``."""
    a = atlas_sample(articles)
    year = pd.to_numeric(a["publication_year"], errors="coerce")
    a, year = a[year.notna()], year[year.notna()].astype(int)
    intl = _flag(a["is_international"])
    g = pd.DataFrame({"articles": a.groupby(year).size(), "international_articles": intl.groupby(year).sum()})
    g.index.name = "year"
    g = g.reset_index().astype("int64")
    g["share_international"] = share_of(g["international_articles"], g["articles"])
    return g


def international_share_by_region(articles: pd.DataFrame) -> pd.DataFrame:
    """Schmallenbach et al. 2024 Fig. 8C: the share of international articles by the lead author's world region
    (the paper: Africa 36%, Oceania 32%, Europe 27%, Latin America 23%, Northern America 18%,
    Asia 16%). Columns: ``world_region``, ``articles``, ``international_articles``,
    ``share_international``; regions with articles, in ``WORLD_REGIONS`` order."""
    a = atlas_sample(articles)
    a = a[a["_region"].notna()]
    intl = _flag(a["is_international"])
    g = pd.DataFrame({"articles": a.groupby("_region").size(), "international_articles": intl.groupby(a["_region"]).sum()})
    g = g.reindex([r for r in WORLD_REGIONS if r in g.index])
    g.index.name = "world_region"
    g = g.reset_index()
    g["world_region"] = g["world_region"].astype("string")
    g[["articles", "international_articles"]] = g[["articles", "international_articles"]].astype("int64")
    g["share_international"] = share_of(g["international_articles"], g["articles"])
    return g


# ---------------------------------------------------------------- Fig. 9

_LEAD_RULE = re.compile(r"^\s*(last|first)[_ ]?author", re.IGNORECASE)


def lead_author_seq(articles: pd.DataFrame, authors: pd.DataFrame) -> pd.Series:
    """The byline position (0-based ``author_seq``) of each article's lead author, index
    ``article_id``, from ``lead_rule`` (``aigeo_assets.lifesci.corpus.lead_countries`` writes
    ``last_author:<rule>``, ``first_author:<rule>`` or ``none``): ``last...`` is position
    ``n_authors - 1`` (as the corpus places the last author; the largest ``author_seq`` of the
    article in ``authors`` when ``n_authors`` is missing), ``first...`` position 0; <NA> otherwise."""
    ids = articles["article_id"].astype("string")
    kind = articles["lead_rule"].astype("string").str.extract(_LEAD_RULE, expand=False).str.lower()
    n = pd.to_numeric(articles["n_authors"], errors="coerce")
    max_seq = pd.to_numeric(authors["author_seq"], errors="coerce").groupby(authors["article_id"].astype("string")).max()
    last = (n - 1).where(n.notna() & (n > 0), ids.map(max_seq).astype("Float64"))
    seq = pd.Series(pd.NA, index=articles.index, dtype="Int64")
    seq = seq.mask((kind == "first").fillna(False), 0)
    seq = seq.mask((kind == "last").fillna(False), last.astype("Int64"))
    return pd.Series(seq.to_numpy(), index=pd.Index(ids.to_numpy(), name="article_id"), name="lead_seq", dtype="Int64")


def dyad_list(articles: pd.DataFrame, authors: pd.DataFrame, max_authors: int = 10) -> pd.DataFrame:
    """Schmallenbach et al. 2024 Fig. 9's raw material: for each international article (``is_international``), each
    author among the first ``max_authors`` of the byline (``author_seq < max_authors``) other than
    the lead author, and each of that author's countries that differs from the lead country: one
    row. An author with several affiliations counts in every foreign country they hold (a country
    equal to the lead's is no difference); an author without a country counts nowhere.

    Columns: ``article_id``, ``lead_seq``, ``author_seq``, ``lead_country_code``,
    ``coauthor_country_code``, ``lead_world_region``, ``coauthor_world_region`` (<NA> when M49
    does not place the country). Articles whose ``lead_rule`` names no lead author contribute
    nothing.
    """
    a = atlas_sample(articles)
    a = a[_flag(a["is_international"]).to_numpy()]
    lead = lead_author_seq(a, authors)
    meta = pd.DataFrame(
        {"lead_seq": lead.to_numpy(), "lead_country_code": a["_country"].to_numpy(), "lead_world_region": a["_region"].to_numpy()},
        index=pd.Index(a["article_id"].astype("string").to_numpy(), name="article_id"),
    )
    meta = meta[meta["lead_seq"].notna()]
    au = pd.DataFrame(
        {
            "article_id": authors["article_id"].astype("string").to_numpy(),
            "author_seq": pd.to_numeric(authors["author_seq"], errors="coerce").to_numpy(),
            "coauthor_country_code": _countries(authors["country_code"]).to_numpy(),
        }
    )
    au = au[au["article_id"].isin(meta.index) & au["coauthor_country_code"].notna() & (au["author_seq"] < max_authors)]
    au = au.join(meta, on="article_id")
    au = au[(au["author_seq"] != au["lead_seq"]) & (au["coauthor_country_code"] != au["lead_country_code"])]
    au = au.drop_duplicates(["article_id", "author_seq", "coauthor_country_code"])
    regions = _m49()["world_region"]
    out = pd.DataFrame(
        {
            "article_id": au["article_id"].astype("string"),
            "lead_seq": au["lead_seq"].astype("int64"),
            "author_seq": au["author_seq"].astype("int64"),
            "lead_country_code": au["lead_country_code"].astype("string"),
            "coauthor_country_code": au["coauthor_country_code"].astype("string"),
            "lead_world_region": au["lead_world_region"].astype("string"),
            "coauthor_world_region": au["coauthor_country_code"].map(regions).astype("string"),
        }
    )
    return out.sort_values(["article_id", "author_seq", "coauthor_country_code"], kind="stable").reset_index(drop=True)


def collaboration_dyads(
    articles: pd.DataFrame, authors: pd.DataFrame, max_authors: int = 10, per: Literal["country", "author"] = "country"
) -> pd.DataFrame:
    """Schmallenbach et al. 2024 Fig. 9: international collaborations as dyads lead region -> co-author region.

    The paper: "counting all dyadic connections between the country of the lead author and any
    other country of the first 10 authors listed" (Methods) and "if a lead author's country of
    affiliation is the US and the lead author collaborates with co-authors from China and Germany,
    then we depict two lines ... one from Northern America to Asia and one from Northern America
    to Europe". **Choice** (``per="country"``, default): one dyad per article and distinct foreign
    country among the first ``max_authors`` authors other than the lead author; two Chinese
    co-authors make one US->China dyad. The paper's n (105,258 dyads for about 80,000
    international articles, 1.3 per article) fits this reading better than one per author.
    ``per="author"`` counts one dyad per co-author and foreign country instead (the Fig. 9
    caption's "co-authorships between a publication's lead author and any other author ... from a
    different country"). Within-region dyads (US -> Canada) are kept. Lead author and rule: see
    ``lead_author_seq`` and ``dyad_list``. Dyads whose co-author country M49 does not place, or
    whose lead has no region, are left out.

    Columns: ``lead_world_region``, ``coauthor_world_region``, ``dyads``, ``articles`` (distinct
    articles behind the dyads); regions in ``WORLD_REGIONS`` order, only pairs with dyads.
    """
    if per not in ("country", "author"):
        raise ValueError(f"per={per!r}: use 'country' or 'author'")
    d = dyad_list(articles, authors, max_authors)
    d = d[d["lead_world_region"].notna() & d["coauthor_world_region"].notna()]
    if per == "country":
        d = d.drop_duplicates(["article_id", "coauthor_country_code"])
    keys = ["lead_world_region", "coauthor_world_region"]
    g = d.groupby(keys).agg(dyads=("article_id", "size"), articles=("article_id", "nunique")).reset_index()
    g["_a"], g["_b"] = _region_order(g["lead_world_region"]), _region_order(g["coauthor_world_region"])
    g = g.sort_values(["_a", "_b"], kind="stable").drop(columns=["_a", "_b"]).reset_index(drop=True)
    for c in keys:
        g[c] = g[c].astype("string")
    g[["dyads", "articles"]] = g[["dyads", "articles"]].astype("int64")
    return g


# ---------------------------------------------------------------- side results (issue 14)
#
# What the paper reports beside its figures: the Fig. 7 models on the smaller samples of the
# outlet-effect models (Methods: "Our results remain consistent when estimating all models on the
# smaller samples"), the high-ranked-outlet premium of international papers (Results, after Fig.
# 8A), the split of the analyses by outlet type (Methods: "We differentiate our analyses between
# life science and computer science articles in S7"), the per-country table (S2) and the Kenya /
# South Africa remark (Results, Fig. 5 paragraph; Discussion).

OUTLET_SAMPLE_REFITS: dict[str, str] = {"A": "D", "B": "C"}
"""Each unadjusted Fig. 7 panel and the outlet-effect panel of the same outcome whose sample it is
refitted on (A and D: citations; B and C: clinical citations)."""


def outlet_effect_sample(articles: pd.DataFrame, outcome: Outcome = "citations") -> pd.Series:
    """Which articles the outlet-effect model of ``outcome`` (Fig. 7C/D) keeps: a boolean Series on
    ``articles``' index.

    The paper: "publishing outlets with all zero outcomes for the dependent variable (i.e., publishing
    research that is not cited) get automatically dropped from the analyses with quality controls,
    [so] the sample sizes are smaller in (C) and (D)". The rules are the engine's
    (``models.count.fit_count_model``), applied without fitting: the region is known; outcome, year
    and outlet are present; then, until nothing changes, every outlet and every year whose outcome is
    zero throughout is dropped (``absorb.drop_all_zero_groups``) and zero observations separated by
    any combination of the region dummies and the year and outlet effects are dropped (the engine's
    rectifier, ``models.separation.find_separated``). Only the engine's last rule, a zero observation
    whose *fitted* mean falls below 1e-10, needs a fit and is not applied here: the asset compares
    this sample's size with the fitted model's ``nobs`` (they are equal unless that rule fired)."""
    a = with_regions(articles)
    y_all = pd.to_numeric(a[outcome], errors="coerce").astype(float).to_numpy()
    year = pd.to_numeric(a["publication_year"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    outlet = a["outlet_id"].astype(object).where(a["outlet_id"].notna(), np.nan)
    ok = a["_region"].notna().to_numpy() & np.isfinite(y_all) & np.isfinite(year) & outlet.notna().to_numpy()
    idx = np.nonzero(ok)[0]
    fe_frame = pd.DataFrame({"year": year, "outlet": outlet.to_numpy()})
    x_all = region_dummies(a["_region"]).to_numpy(dtype=float)
    for _ in range(50):
        if not len(idx):
            break
        y = y_all[idx]
        fe = FixedEffects.from_frame(fe_frame.iloc[idx].reset_index(drop=True))
        alive, _ = drop_all_zero_groups(y, fe)
        if not alive.all():
            idx = idx[alive]
            continue
        sep = find_separated(y, x_all[idx], fe).separated
        if sep.any():
            idx = idx[~sep]
            continue
        break
    keep = np.zeros(len(a), dtype=bool)
    keep[idx] = True
    return pd.Series(keep, index=articles.index, name="in_outlet_sample")


def fit_outlet_sample_refits(articles: pd.DataFrame, **kwargs) -> dict[str, CountResult | NotEstimable]:
    """The unadjusted Fig. 7 models (year effects only) refitted on exactly the articles the
    outlet-effect model of the same outcome keeps (``outlet_effect_sample``): ``"A on D sample"``
    (citations) and ``"B on C sample"`` (clinical citations). Set beside A, D (and B, C) they split
    the change of a region's IRR into the part the smaller sample makes (A -> A on D's sample) and
    the part the outlet effects make (A on D's sample -> D); ``outlet_sample_decomposition`` does
    that. ``kwargs`` go to ``relevance_models`` (covariance, tolerances)."""
    out: dict[str, CountResult | NotEstimable] = {}
    for panel, fe_panel in OUTLET_SAMPLE_REFITS.items():
        outcome = FIG7_MODELS[panel][0]
        keep = outlet_effect_sample(articles, outcome)
        res = relevance_models(articles[keep.to_numpy()], outcome, False, **kwargs)
        res.dropped = {**res.dropped, "outside_outlet_sample": int((~keep).sum())}
        out[f"{panel} on {fe_panel} sample"] = res
    return out


def outlet_sample_decomposition(irrs: pd.DataFrame) -> pd.DataFrame:
    """How much of the difference between the unadjusted and the outlet-effect IRRs of Fig. 7 is
    the sample and how much the outlet control, from an ``irr_table`` holding the models A, B, C, D
    and the refits of ``fit_outlet_sample_refits``.

    One row per outcome and region term: ``irr_full`` (A or B: year effects, the full sample),
    ``irr_same_sample`` (the same model on the outlet-effect sample), ``irr_outlet`` (D or C: year
    and outlet effects), each with its 95% bounds and ``nobs``; ``log_gap`` = ln irr_outlet - ln
    irr_full = ``log_sample_part`` (ln irr_same_sample - ln irr_full) + ``log_outlet_part`` (ln
    irr_outlet - ln irr_same_sample), and ``sample_share_of_gap`` = sample part / gap (null when
    the gap is zero). A model that was not estimable leaves its columns null. Columns as the
    schema ``out_lifesci_outlet_sample_irrs``; rows in ``REGION_TERMS`` order, citations first."""
    good = irrs[~irrs["term"].astype(str).str.startswith("not estimable")]
    rows = []
    for panel, fe_panel in OUTLET_SAMPLE_REFITS.items():
        outcome = FIG7_MODELS[panel][0]
        keys = {"full": panel, "same_sample": f"{panel} on {fe_panel} sample", "outlet": fe_panel}
        got = {k: good[good["model"].astype(str) == m].set_index("term") for k, m in keys.items()}
        for region, term in REGION_TERMS.items():
            row: dict = {"outcome": outcome, "term": term, "label": region, "model_full": panel, "model_outlet": fe_panel}
            for k, t in got.items():
                hit = term in t.index
                for col in ("irr", "lower", "upper"):
                    row[f"{col}_{k}"] = float(t.loc[term, col]) if hit else np.nan
                row[f"nobs_{k}"] = int(t.loc[term, "nobs"]) if hit else pd.NA
            full, same, outl = (np.log(row[f"irr_{k}"]) if row[f"irr_{k}"] > 0 else np.nan for k in ("full", "same_sample", "outlet"))
            row["log_gap"] = outl - full
            row["log_sample_part"] = same - full
            row["log_outlet_part"] = outl - same
            row["sample_share_of_gap"] = row["log_sample_part"] / row["log_gap"] if (np.isfinite(row["log_gap"]) and row["log_gap"] != 0) else np.nan
            rows.append(row)
    return pd.DataFrame(rows)


def _log_ratio_interval(a: float, n1: float, c: float, n0: float, alpha: float) -> tuple[float, float, float, float]:
    """Ratio of two shares a/n1 over c/n0 with the Katz log interval (se of ln ratio =
    sqrt(1/a - 1/n1 + 1/c - 1/n0)); NaN where a share is zero or a group is empty."""
    from scipy.stats import norm

    if min(a, c, n1, n0) <= 0:
        ratio = (a / n1) / (c / n0) if (n1 > 0 and n0 > 0 and c > 0) else np.nan
        return float(ratio), np.nan, np.nan, np.nan
    ratio = (a / n1) / (c / n0)
    se = float(np.sqrt(max(1 / a - 1 / n1 + 1 / c - 1 / n0, 0.0)))
    z = float(norm.ppf(1 - alpha / 2))
    return float(ratio), float(ratio * np.exp(-z * se)), float(ratio * np.exp(z * se)), se


def international_high_ranked_premium(articles: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Schmallenbach et al. 2024, Results after Fig. 8A: "international collaborations also tend to publish 35% more
    frequently in high-ranking research outlets than national collaborations, on average".

    **The estimator the sentence implies**: a ratio of shares, P(high-ranked | international) /
    P(high-ranked | national), pooled over the years (row ``ratio_of_shares``; "35% more" = ratio
    1.35). The sentence names no control and says "on average", where every regression of the paper
    names its controls; so the plain ratio, with the Katz log interval (se of ln ratio =
    sqrt(1/a - 1/n1 + 1/c - 1/n0)). **Beside it** (row ``year_adjusted``), the same ratio with
    publication-year effects, as the paper's regressions have ("we account for publication years
    using dummy variables in all our regression analyses"): a Poisson regression of the 0/1
    high-ranked flag on ``international`` with year effects absorbed and a robust (HC1) covariance
    (Zou's modified Poisson, 2004), exp(coef) the year-adjusted ratio of shares; years without a
    high-ranked article are dropped by the engine (``nobs``). Both rows are always computed, so no
    setting chooses.

    Sample: the articles with a lead country (the atlas sample, as Figs. 5, 8B, 8C); a null
    ``is_international`` is national, a null ``high_ranked`` not high-ranked, and articles in
    unranked outlets stay in the denominators (as in Fig. 5).

    Columns: ``estimator``, ``international_articles``, ``international_high_ranked``,
    ``national_articles``, ``national_high_ranked``, ``share_international`` (P(high | intl)),
    ``share_national``, ``ratio``, ``lower``, ``upper`` (the ``1 - alpha`` interval), ``premium``
    (ratio - 1), ``std_err`` (of ln ratio), ``nobs``, ``note`` (why a row has no estimate)."""
    a = atlas_sample(articles)
    intl = _flag(a["is_international"]).to_numpy()
    high = _flag(a["high_ranked"]).to_numpy()
    n1, n0 = float(intl.sum()), float((~intl).sum())
    h1, h0 = float((high & intl).sum()), float((high & ~intl).sum())
    base = {"international_articles": int(n1), "international_high_ranked": int(h1), "national_articles": int(n0),
            "national_high_ranked": int(h0), "share_international": share_of(h1, n1).item(), "share_national": share_of(h0, n0).item()}
    ratio, lo, hi, se = _log_ratio_interval(h1, n1, h0, n0, alpha)
    note = "" if np.isfinite(lo) else "no interval: a group is empty or has no high-ranked article"
    rows = [{"estimator": "ratio_of_shares", **base, "ratio": ratio, "lower": lo, "upper": hi, "std_err": se,
             "nobs": len(a), "note": note}]

    year = pd.to_numeric(a["publication_year"], errors="coerce")
    res = estimate(poisson, pd.Series(high.astype(float), name="high_ranked"), pd.DataFrame({"international": intl.astype(float)}),
                   absorb=pd.DataFrame({"year": year.to_numpy()}), missing="drop", collinear="drop", cov_type="HC1")
    if res.estimable and "international" in res.params.index:
        irr = res.irr(alpha).loc["international"]
        rows.append({"estimator": "year_adjusted", **base, "ratio": float(irr["irr"]), "lower": float(irr["lower"]),
                     "upper": float(irr["upper"]), "std_err": float(res.bse["international"]), "nobs": int(res.nobs), "note": ""})
    else:
        why = str(res) if not res.estimable else "not estimable: international is collinear with the year effects"
        rows.append({"estimator": "year_adjusted", **base, "ratio": np.nan, "lower": np.nan, "upper": np.nan, "std_err": np.nan,
                     "nobs": int(res.nobs), "note": why})
    out = pd.DataFrame(rows)
    out["premium"] = out["ratio"] - 1.0
    return out


OUTLET_TYPES: dict[str, str] = {"journal": "life science (journals)", "conference": "computer science (conference proceedings)"}
"""Schmallenbach et al. 2024 S7's split: PubMed journal articles are the life-science side, OpenAlex conference
proceedings the computer-science side (``outlet_kind``); another or no kind is ``other``."""


def by_outlet_type(articles: pd.DataFrame) -> pd.DataFrame:
    """Schmallenbach et al. 2024 Supplementary S7: "We differentiate our analyses between life science and computer
    science articles in S7". The atlas's descriptive dimensions split by the outlet type
    (``OUTLET_TYPES``: journals = life science, conference proceedings = computer science, by
    ``outlet_kind``; an article in PubMed and OpenAlex counts by its outlet's kind), per lead
    region and for all regions (``world_region`` = "All regions", which also counts articles
    whose region is unknown).

    Columns: ``outlet_type``, ``outlet_type_label``, ``world_region``, ``articles``,
    ``share_of_type`` (the region's share of the type's articles; 1 for "All regions"),
    ``high_ranked_articles``, ``share_high_ranked`` (denominator all the cell's articles, as Fig.
    5), ``international_articles``, ``share_international``, ``clinical_articles``,
    ``share_clinical``, ``citations``, ``mean_citations``, ``mean_clinical_citations``. Sample: the
    articles with a lead country. Types in ``OUTLET_TYPES`` order then ``other``; regions in
    ``WORLD_REGIONS`` order, "All regions" first; only cells with articles."""
    a = atlas_sample(articles)
    kind = a["outlet_kind"].astype("string").str.lower()
    a = a.assign(_type=kind.where(kind.isin(list(OUTLET_TYPES)), "other").fillna("other").astype(str),
                 _hr=_flag(a["high_ranked"]), _in=_flag(a["is_international"]), _cl=_flag(a["is_clinical"]),
                 _c=pd.to_numeric(a["citations"], errors="coerce").astype(float),
                 _cc=pd.to_numeric(a["clinical_citations"], errors="coerce").astype(float))
    rows = []
    for t in [*OUTLET_TYPES, "other"]:
        at = a[a["_type"] == t]
        if at.empty:
            continue
        groups = [("All regions", at)] + [(r, at[at["_region"] == r]) for r in WORLD_REGIONS]
        for region, g in groups:
            if g.empty:
                continue
            rows.append({
                "outlet_type": t, "outlet_type_label": OUTLET_TYPES.get(t, "other or unknown outlet"), "world_region": region,
                "articles": len(g), "share_of_type": len(g) / len(at),
                "high_ranked_articles": int(g["_hr"].sum()), "international_articles": int(g["_in"].sum()),
                "clinical_articles": int(g["_cl"].sum()), "citations": int(g["_c"].fillna(0).sum()),
                "mean_citations": float(g["_c"].mean()) if g["_c"].notna().any() else np.nan,
                "mean_clinical_citations": float(g["_cc"].mean()) if g["_cc"].notna().any() else np.nan,
            })
    cols = ["outlet_type", "outlet_type_label", "world_region", "articles", "share_of_type", "high_ranked_articles",
            "share_high_ranked", "international_articles", "share_international", "clinical_articles", "share_clinical",
            "citations", "mean_citations", "mean_clinical_citations"]
    out = pd.DataFrame(rows, columns=[c for c in cols if not c.startswith("share_") or c == "share_of_type"])
    for num, col in (("high_ranked_articles", "share_high_ranked"), ("international_articles", "share_international"),
                     ("clinical_articles", "share_clinical")):
        out[col] = share_of(out[num], out["articles"]) if len(out) else pd.Series(dtype=float)
    return out[cols]


def fit_relevance_models_by_outlet_type(articles: pd.DataFrame, **kwargs) -> dict[str, CountResult | NotEstimable]:
    """Schmallenbach et al. 2024 S7 for relevance: the four Fig. 7 models fitted on the journal (life-science) and
    on the conference (computer-science) articles separately, keyed ``"<panel> journal"`` and
    ``"<panel> conference"``. A type without articles, or too few to identify a model, gives
    ``NotEstimable`` rows with the reason."""
    kind = articles["outlet_kind"].astype("string").str.lower()
    out = {}
    for t in OUTLET_TYPES:
        sub = articles[(kind == t).fillna(False).to_numpy()]
        for panel, fit in fit_relevance_models(sub, **kwargs).items():
            out[f"{panel} {t}"] = fit
    return out


SIDE_RESULT_COUNTRIES: tuple[str, ...] = ("KE", "ZA")
"""Schmallenbach et al. 2024's side result on Africa (Results, Fig. 5 paragraph): "A notable exception is Kenya, which
has international collaborators on two-thirds of its publications placed in high-ranking outlets,
while, for example, one-third of South African publications have international collaborators";
Discussion: "countries like Kenya collaborate internationally on over 40% of their publications and
even on two-thirds of the publications placed in high-ranked outlets"."""


def country_productivity(articles: pd.DataFrame) -> pd.DataFrame:
    """Schmallenbach et al. 2024 Supplementary S2: "a table showing all countries' individual productivity
    statistics". Every lead country (the atlas sample) with the three dimensions of the atlas and
    international collaboration: ``rank`` (by articles, ties by code), ``country_code``, ``iso3``,
    ``country_name``, ``world_region``, ``articles``, ``share`` (of the world's located articles),
    ``journal_articles``, ``conference_articles`` (the journal / conference contrast the paper draws
    for India), ``high_ranked_articles``, ``share_high_ranked`` (of all the country's articles, as
    Fig. 5), ``international_articles``, ``share_international``,
    ``high_ranked_international_articles``, ``share_international_of_high_ranked`` (the Kenya
    statistic: the international share among the country's articles in high-ranked outlets; null
    without one), ``citations``, ``mean_citations``, ``clinical_citations``.

    The paper's S2 itself is not in the paper's text; its columns are not known, so this table holds
    the statistics the paper's text uses per country."""
    base = country_counts(articles)
    a = atlas_sample(articles)
    hr, intl = _flag(a["high_ranked"]), _flag(a["is_international"])
    cites = pd.to_numeric(a["citations"], errors="coerce").astype(float)
    g = pd.DataFrame({
        "high_ranked_articles": hr.groupby(a["_country"]).sum(),
        "international_articles": intl.groupby(a["_country"]).sum(),
        "high_ranked_international_articles": (hr & intl).groupby(a["_country"]).sum(),
        "citations": cites.fillna(0).groupby(a["_country"]).sum(),
        "mean_citations": cites.groupby(a["_country"]).mean(),
        "clinical_citations": pd.to_numeric(a["clinical_citations"], errors="coerce").fillna(0).groupby(a["_country"]).sum(),
    })
    g = g.reindex(base["country_code"].astype(str))
    out = base.copy()
    for c in ("high_ranked_articles", "international_articles", "high_ranked_international_articles", "citations", "clinical_citations"):
        out[c] = g[c].fillna(0).astype("int64").to_numpy()
    out["mean_citations"] = g["mean_citations"].to_numpy(dtype=float)
    out["share_high_ranked"] = share_of(out["high_ranked_articles"], out["articles"])
    out["share_international"] = share_of(out["international_articles"], out["articles"])
    out["share_international_of_high_ranked"] = share_of(out["high_ranked_international_articles"], out["high_ranked_articles"])
    cols = ["rank", "country_code", "iso3", "country_name", "world_region", "articles", "share", "journal_articles",
            "conference_articles", "high_ranked_articles", "share_high_ranked", "international_articles", "share_international",
            "high_ranked_international_articles", "share_international_of_high_ranked", "citations", "mean_citations",
            "clinical_citations"]
    return out[cols]


def country_side_result(productivity: pd.DataFrame, countries: tuple[str, ...] = SIDE_RESULT_COUNTRIES) -> pd.DataFrame:
    """The paper's Kenya / South Africa remark read off ``country_productivity``: one row per code in
    ``countries`` (a country without articles is a row with zero articles and null shares), with
    ``rank``, ``country_code``, ``country_name``, ``articles``, ``share_international`` (the paper:
    Kenya over 40%), ``high_ranked_articles``, ``share_international_of_high_ranked`` (Kenya
    two-thirds), ``world_share_international`` (all located articles; the paper: about 20%) and
    ``world_share_international_of_high_ranked``. **Reading**: the paper's "one-third of South
    African publications have international collaborators" sits in a sentence about publications
    in high-ranking outlets, but does not say so; both of South Africa's shares are in the row."""
    p = productivity.set_index(productivity["country_code"].astype(str))
    world_n, world_hr = float(productivity["articles"].sum()), float(productivity["high_ranked_articles"].sum())
    world_intl = share_of(productivity["international_articles"].sum(), world_n).item()
    world_hr_intl = share_of(productivity["high_ranked_international_articles"].sum(), world_hr).item()
    names = _m49()["country_name"]
    rows = []
    for cc in countries:
        if cc in p.index:
            r = p.loc[cc]
            rows.append({"rank": r["rank"], "country_code": cc, "country_name": r["country_name"], "articles": r["articles"],
                         "share_international": r["share_international"], "high_ranked_articles": r["high_ranked_articles"],
                         "share_international_of_high_ranked": r["share_international_of_high_ranked"]})
        else:
            rows.append({"rank": pd.NA, "country_code": cc, "country_name": names.get(cc, pd.NA), "articles": 0,
                         "share_international": np.nan, "high_ranked_articles": 0, "share_international_of_high_ranked": np.nan})
    out = pd.DataFrame(rows, columns=["rank", "country_code", "country_name", "articles", "share_international",
                                      "high_ranked_articles", "share_international_of_high_ranked"])
    out["world_share_international"] = world_intl
    out["world_share_international_of_high_ranked"] = world_hr_intl
    return out
