"""Gravity models of citations and migration between cities (AlShebli et al. 2022, Table 1, Supplementary
Tables 1-3 and Notes 1-3).

AlShebli et al. 2022: "the association between size and citations is close to one-to-one ... The simple gravity
model that only includes size variables can be extended to a richer gravity model that accounts
also for number of AI scientists, distance and cultural-geographic elements" (Table 1: PPML,
specifications (1)-(4)); and for migration "a between-city migration model using Pseudo Poisson
Maximum Likelihood" on AI scientists at origin and destination and frictions (Supplementary
Table 3).

This module builds the observations (ordered city pairs, zeros included) and the dyadic controls,
and fits them with ``models.count``. Choices where the paper is silent are stated on each function
and collected in ``docs/methods.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from aigeo_assets.metrics.centres import haversine_km
from aigeo_assets.metrics.matrices import migration_cells
from aigeo_assets.models.count import poisson
from aigeo_assets.models.results import CountResult, NotEstimable, NotEstimableError, format_estimate
from aigeo_assets.schemas import SCHEMAS, conform

CULTURAL = ("same_country", "same_subregion", "shared_language", "same_bloc")
CITATION_SPECS: dict[str, tuple[str, ...]] = {
    "(1)": ("ln_papers_cited", "ln_citations_made"),
    "(2)": ("ln_papers_cited", "ln_citations_made", "ln_scientists_cited", "ln_scientists_citing"),
    "(3)": ("ln_papers_cited", "ln_citations_made", "ln_scientists_cited", "ln_scientists_citing", "ln_distance", "same_city"),
    "(4)": ("ln_papers_cited", "ln_citations_made", "ln_scientists_cited", "ln_scientists_citing", "ln_distance", "same_city", *CULTURAL),
}
"""Table 1's four specifications, each adding a block of controls to the one before."""

STRUCTURAL_TERMS = ("ln_distance", "same_city", *CULTURAL)
"""The dyadic terms of the structural gravity model (sizes absorbed by city-year effects)."""

MIGRATION_TERMS = ("ln_scientists_origin", "ln_scientists_destination", "ln_distance", *CULTURAL)

TERM_LABELS = {
    "ln_papers_cited": "Source's productivity (ln n_j)",
    "ln_citations_made": "Total citations by city i (ln m_i)",
    "ln_scientists_cited": "AI scientists at source j (ln)",
    "ln_scientists_citing": "AI scientists at destination i (ln)",
    "ln_scientists_origin": "AI scientists at origin (ln)",
    "ln_scientists_destination": "AI scientists at destination (ln)",
    "ln_distance": "Distance (ln km)",
    "same_city": "Same city",
    "same_country": "Same country",
    "same_subregion": "Same UN sub-region",
    "shared_language": "Shared official language",
    "same_bloc": "Same bloc (East/West)",
    "const": "Constant",
}

MIN_DISTANCE_KM = 1.0


def language_source() -> str:
    """Where the shared-language control comes from, for metadata and docs."""
    import babel

    return f"Unicode CLDR territory data via babel {babel.__version__} (official and de facto official languages)"


@lru_cache(maxsize=512)
def official_languages(country_code: str) -> frozenset[str]:
    """The official and de facto official languages of a territory in the Unicode CLDR, as carried
    by ``babel`` (``get_official_languages(code, de_facto=True)``; regional languages left out),
    reduced to their base language so that Hong Kong's ``zh_Hant`` and China's ``zh`` are shared.
    Empty for codes CLDR does not know."""
    from babel.languages import get_official_languages

    return frozenset(lang.split("_")[0] for lang in get_official_languages(country_code.upper(), de_facto=True))


def city_attributes(institutions: pd.DataFrame) -> pd.DataFrame:
    """One row per city (index ``city_geonames_id``): coordinates, country, UN sub-region and bloc,
    from ``core_institutions`` (a city's attributes are those of its institutions' geocoding)."""
    cols = ["city_geonames_id", "latitude", "longitude", "country_code", "sub_region", "bloc"]
    located = institutions.dropna(subset=["city_geonames_id"])[cols]
    return located.drop_duplicates("city_geonames_id").set_index("city_geonames_id")


def dyadic_controls(origin: np.ndarray, destination: np.ndarray, cities: pd.DataFrame) -> pd.DataFrame:
    """Distance and cultural-geographic controls of the city pairs (origin[k], destination[k]).

    ``ln_distance``: the log great-circle distance in km, floored at 1 km between different cities;
    0 for a city with itself, whose level the ``same_city`` indicator carries (AlShebli et al. 2022 puts both in
    specification 3 without saying how a city's distance to itself enters). Cultural controls are
    1/0 and missing (NaN) when either end's country, sub-region or languages are unknown.
    """
    a = cities.reindex(pd.Index(origin, dtype="Int64"))
    b = cities.reindex(pd.Index(destination, dtype="Int64"))
    same_city = (np.asarray(origin, dtype="int64") == np.asarray(destination, dtype="int64")).astype(float)
    lat1, lon1 = a["latitude"].to_numpy("float64", na_value=np.nan), a["longitude"].to_numpy("float64", na_value=np.nan)
    lat2, lon2 = b["latitude"].to_numpy("float64", na_value=np.nan), b["longitude"].to_numpy("float64", na_value=np.nan)
    dist = np.maximum(np.asarray(haversine_km(lat1, lon1, lat2, lon2), dtype=float), MIN_DISTANCE_KM)
    ln_distance = np.where(same_city == 1, 0.0, np.log(dist))

    def codes(col: str) -> tuple[np.ndarray, np.ndarray]:
        # one integer code per distinct value over the cities (-1 unknown), looked up per pair end:
        # equality of codes is equality of values, without a Python loop over the pairs
        values = cities[col].astype("string")
        city_codes = pd.Series(pd.factorize(values)[0], index=cities.index)
        return (city_codes.reindex(a.index).fillna(-1).to_numpy("int64"),
                city_codes.reindex(b.index).fillna(-1).to_numpy("int64"))

    def same(col: str) -> np.ndarray:
        x, y = codes(col)
        return np.where((x >= 0) & (y >= 0), (x == y).astype(float), np.nan)

    ca, cb = codes("country_code")
    countries = pd.factorize(cities["country_code"].astype("string"))[1]
    langs = [official_languages(str(c)) for c in countries]
    by_country = np.array(  # shared official language of every pair of countries, NaN when CLDR knows none
        [[float(bool(lu & lv)) if lu and lv else np.nan for lv in langs] for lu in langs], dtype=float
    ).reshape(len(langs), len(langs))
    known = (ca >= 0) & (cb >= 0)
    shared = np.full(len(ca), np.nan)
    shared[known] = by_country[ca[known], cb[known]]
    return pd.DataFrame(
        {
            "ln_distance": ln_distance,
            "same_city": same_city,
            "same_country": same("country_code"),
            "same_subregion": same("sub_region"),
            "shared_language": shared,
            "same_bloc": same("bloc"),
        }
    )


def _ln_positive(values: np.ndarray) -> np.ndarray:
    """ln of a count, missing (NaN) where the count is zero: such pairs leave the specifications
    that use the variable, as in AlShebli et al. 2022 where N falls "because of missing observations"."""
    v = np.asarray(values, dtype=float)
    with np.errstate(divide="ignore"):
        return np.where(v > 0, np.log(np.where(v > 0, v, 1.0)), np.nan)


def citation_gravity_frame(year: int, pairs: pd.DataFrame, metrics: pd.DataFrame, cities: pd.DataFrame) -> pd.DataFrame:
    """``out_gravity_citation_pairs`` of one year: every ordered pair (i citing, j cited) of
    located cities with m_i > 0 and n_j > 0, zeros included.

    ``pairs``: the year's impact pairs (``out_city_pairs``: citations from i to j's papers of the
    year within y..y+2); ``metrics``: ``out_city_year_metrics`` of the year; ``cities``:
    ``city_attributes``. n_j is j's AI papers of the year (productivity); m_i every citation i
    made to the year's papers within the window, wherever their city (the row sum of Fig. 2a, as in
    the over-impact baseline). AI scientists are those of the year at each end.
    """
    p = pairs[(pairs["year"] == year).to_numpy(bool)]
    p = p.dropna(subset=["row_city_geonames_id"])
    m_i = p.groupby("row_city_geonames_id")["value"].sum()
    m_i = m_i[m_i > 0]
    met = metrics[(metrics["year"] == year).to_numpy(bool)].set_index("city_geonames_id")
    n_j = met["productivity"][met["productivity"] > 0].sort_index()  # rows by citing, then cited city
    citing = m_i.index.to_numpy(dtype="int64")
    cited = n_j.index.to_numpy(dtype="int64")
    rows = np.repeat(citing, len(cited))
    cols = np.tile(cited, len(citing))
    observed = p.dropna(subset=["col_city_geonames_id"]).set_index(["row_city_geonames_id", "col_city_geonames_id"])["value"]
    key = pd.MultiIndex.from_arrays([rows, cols])
    y = observed.reindex(key).fillna(0).to_numpy(dtype="int64")
    scientists = met["ai_scientists"]
    frame = pd.DataFrame(
        {
            "year": year,
            "citing_city_geonames_id": rows,
            "cited_city_geonames_id": cols,
            "citations": y,
            "papers_cited": n_j.reindex(cols).to_numpy(dtype="int64"),
            "citations_made": m_i.reindex(rows).to_numpy(dtype="int64"),
            "ln_papers_cited": np.log(n_j.reindex(cols).to_numpy(dtype=float)),
            "ln_citations_made": np.log(m_i.reindex(rows).to_numpy(dtype=float)),
            "ln_scientists_cited": _ln_positive(scientists.reindex(cols).fillna(0).to_numpy(dtype=float)),
            "ln_scientists_citing": _ln_positive(scientists.reindex(rows).fillna(0).to_numpy(dtype=float)),
        }
    )
    frame = pd.concat([frame, dyadic_controls(rows, cols, cities)], axis=1)
    return frame


CITATION_FIT_COLUMNS = ("year", "citing_city_geonames_id", "cited_city_geonames_id", "citations",
                        *dict.fromkeys(CITATION_SPECS["(4)"] + STRUCTURAL_TERMS))
"""The columns of ``out_gravity_citation_pairs`` the pooled citation fits read, in the table's order
(the fits find the ends and the outcome by position: columns 1, 2 and 3)."""


def pooled_citation_pairs(tables: Mapping[str, pd.DataFrame], years: Sequence[int]) -> pd.DataFrame:
    """The pair-years of ``years`` from the yearly tables ``{partition: table}`` (taken in sorted
    key order, each looked up once, so a lazily read mapping holds one year at a time), reduced to
    ``CITATION_FIT_COLUMNS`` as plain numpy columns: integers for the year, the cities and the
    counts, float64 with NaN for a missing value. The values are those of the nullable table, so
    every fit on it equals the fit on ``concat_partitions`` of the tables; it takes a third of the
    memory and no more than itself plus one column to build (issue 13: the pooled frame of the
    paper-scale run, 9 million pair-years, was 2.9 GB at its peak). Each table's rows come sorted
    by year, citing city and cited city (as ``citation_gravity_frame`` writes them; a table
    written in another order is sorted here), so that the structural model's effects see the
    pairs of a year as one dense block (``absorb.TwoWayProjection.in_cell_order``)."""
    wanted = {int(y) for y in years}
    parts: dict[str, list[np.ndarray]] = {c: [] for c in CITATION_FIT_COLUMNS}
    for key in sorted(tables):
        table = tables[key]
        rows = table["year"].isin(wanted).to_numpy(bool)
        if rows.any():
            missing = [c for c in CITATION_FIT_COLUMNS if c not in table.columns]
            if missing:
                raise ValueError(f"out_gravity_citation_pairs[{key}] lacks the columns {missing}")
            rows = _sorted_pairs(table, np.flatnonzero(rows))
            for c in CITATION_FIT_COLUMNS:
                col = table[c]
                if c == "year":
                    parts[c].append(col.to_numpy("int16")[rows])
                elif c in CITATION_FIT_COLUMNS[:4]:
                    parts[c].append(col.to_numpy("int64")[rows])  # no missing value there: an error otherwise
                else:
                    parts[c].append(col.to_numpy("float64", na_value=np.nan)[rows])
        del table
    data = {}
    for c in CITATION_FIT_COLUMNS:  # one column at a time: the year pieces go as their column is made
        dtype = "int16" if c == "year" else "int64" if c in CITATION_FIT_COLUMNS[:4] else "float64"
        data[c] = np.concatenate(parts.pop(c)) if parts[c] else np.empty(0, dtype=dtype)
    return pd.DataFrame(data, copy=False)


def _sorted_pairs(table: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """The positions ``rows`` of ``table`` ordered by year, citing city and cited city."""
    keys = [table[c].to_numpy("int64")[rows] for c in CITATION_FIT_COLUMNS[:3]]
    ahead = np.zeros(len(rows) - 1, dtype=bool)  # row k + 1 after row k in that order
    tied = np.ones(len(rows) - 1, dtype=bool)
    for key in keys:
        step = np.diff(key)
        ahead |= tied & (step > 0)
        tied &= step == 0
    if ahead.all():
        return rows
    return rows[np.lexsort(keys[::-1])]


def fit_citation_gravity(frame: pd.DataFrame, spec: str, cov_type: str = "HC1") -> CountResult:
    """Table 1's specification ``spec`` ("(1)".."(4)") by PPML on the pooled pair-years, with a
    constant and no fixed effects, as the paper's table shows a constant. Rows missing a regressor
    of the specification are dropped and counted (``result.dropped["missing"]``); a control that
    does not vary in the sample is omitted and listed (``result.omitted``), as in every fit here."""
    return _ppml(frame, "citations", CITATION_SPECS[spec], None, cov_type)


def _pair_clusters(frame: pd.DataFrame) -> np.ndarray:
    """One cluster per city pair (i, j) across years, for ``cov_type="cluster"``."""
    first = frame.columns[1]
    second = frame.columns[2]
    return (frame[first].astype("int64").astype(str) + ">" + frame[second].astype("int64").astype(str)).to_numpy()


def _ppml(frame: pd.DataFrame, outcome: str, terms: Sequence[str], absorb: pd.DataFrame | None, cov_type: str) -> CountResult:
    """Every gravity fit: PPML, rows missing a term dropped and counted, controls that do not vary
    omitted and listed, clusters (when asked) by ordered city pair."""
    return poisson(
        frame[outcome].rename(outcome),
        frame[list(terms)],
        absorb=absorb,
        cov_type=cov_type,
        clusters=_pair_clusters(frame) if cov_type == "cluster" else None,
        missing="drop",
        collinear="drop",
    )


def city_year_effects(frame: pd.DataFrame) -> pd.DataFrame:
    """One code per (citing city, year) and per (cited city, year): the structural model's effects."""
    ends = frame.columns[1], frame.columns[2]
    year = frame["year"].astype("int64")
    return pd.DataFrame(
        {f"{end}_year": frame[end].astype("int64") * 10_000 + year for end in ends},
        index=frame.index,
    )


def fit_structural_gravity(frame: pd.DataFrame, cov_type: str = "HC1", terms: Sequence[str] = STRUCTURAL_TERMS) -> CountResult:
    """The structural gravity model (Anderson and van Wincoop; Yotov et al. 2016, the WTO's
    "advanced guide"): citing-city-year and cited-city-year fixed effects, absorbed, which take up
    every size variable (n_j, m_i, AI scientists) and each city's multilateral resistance; only
    dyadic frictions remain as regressors. Beyond AlShebli et al. 2022, which fits sizes directly."""
    return _ppml(frame, frame.columns[3], terms, city_year_effects(frame), cov_type)


@dataclass(frozen=True)
class LinearFit:
    """The log-linear comparison fit: coefficients, standard errors and N (``linearmodels``)."""

    params: pd.Series
    bse: pd.Series
    nobs: int
    rsquared: float
    cov_type: str
    estimable = True

    @property
    def pvalues(self) -> pd.Series:
        from scipy import stats

        return pd.Series(2 * stats.norm.sf(np.abs((self.params / self.bse).to_numpy())), index=self.params.index)

    def to_frame(self) -> pd.DataFrame:
        """The columns of ``CountResult.to_frame`` (normal-approximation intervals)."""
        z = 1.959963984540054
        return pd.DataFrame(
            {
                "term": self.params.index,
                "coef": self.params.to_numpy(),
                "std_err": self.bse.to_numpy(),
                "z": (self.params / self.bse).to_numpy(),
                "p_value": self.pvalues.to_numpy(),
                "ci_lower": (self.params - z * self.bse).to_numpy(),
                "ci_upper": (self.params + z * self.bse).to_numpy(),
            }
        )


def fit_loglinear_gravity(frame: pd.DataFrame, terms: Sequence[str] = STRUCTURAL_TERMS) -> LinearFit:
    """The classic log-linear counterpart of the structural model: OLS of ln(1 + citations) on the
    same dyadic terms with the same citing-city-year and cited-city-year effects absorbed, with
    heteroskedasticity-robust errors. Santos Silva and Tenreyro (2006) show why it is biased under
    heteroskedasticity; it is reported beside PPML as the gravity literature's comparison, not as
    an estimate of its own.

    The estimator is that of ``linearmodels.iv.absorbing.AbsorbingLS(..., drop_absorbed=True)
    .fit(cov_type="robust")`` (the tests' oracle): the outcome and the terms demeaned on both
    effects (``absorb.demean``: the exact two-way projection, alternating projections where it
    does not apply), OLS on the demeaned columns, White's HC0 covariance with no small-sample
    factor, a term dropped when less than 1e-5 of its norm is left once the effects and the
    terms before it are projected out, R-squared against the outcome's mean. It holds one block
    of the kept rows (outcome and terms, float64) and the two effects' codes, where AbsorbingLS
    held about ten copies of the design (issue 13: 3.2 GB of the paper-scale run's peak)."""
    from aigeo_assets.models.absorb import FixedEffects, absorbed_columns, demean

    ends, outcome = frame.columns[1:3], frame.columns[3]
    terms = list(dict.fromkeys(terms))
    complete = np.ones(len(frame), dtype=bool)
    for t in terms:  # column by column: no copy of the terms' frame
        complete &= frame[t].notna().to_numpy(bool)
    n = int(complete.sum())
    if n <= len(terms):
        raise NotEstimableError(f"{n:,} observations with every term for {len(terms)} terms (of {len(frame):,})")
    every = bool(complete.all())

    def kept(col: str, dtype: str) -> np.ndarray:
        values = frame[col].to_numpy(dtype, na_value=np.nan) if dtype == "float64" else frame[col].to_numpy(dtype)
        return values if every else values[complete]

    year = kept("year", "int64")
    names, codes, levels = [], [], []
    for end in ends:  # the effects of ``city_year_effects``, coded on the kept rows only
        c, u = pd.factorize(kept(end, "int64") * 10_000 + year, sort=True)
        names.append(f"{end}_year")
        codes.append(c.astype(np.int64))
        levels.append(pd.Index(u, name=names[-1]))
    del year
    fe = FixedEffects(tuple(names), tuple(codes), tuple(levels))
    block = np.empty((n, len(terms) + 1), order="F")  # column 0 the outcome, then the terms
    np.log1p(kept(outcome, "float64"), out=block[:, 0])
    for j, t in enumerate(terms, start=1):
        block[:, j] = kept(t, "float64")
    means = block.mean(axis=0)
    y_ss = float(block[:, 0] @ block[:, 0])
    total_ss = float(np.sum((block[:, 0] - means[0]) ** 2))  # the effects hold a constant
    norms = np.sqrt(np.einsum("ij,ij->j", block[:, 1:], block[:, 1:]))  # before the effects: the absorbed test's scale
    flat = np.flatnonzero(block[:, 1:].min(axis=0) == block[:, 1:].max(axis=0))
    constant = int(flat[0]) if len(flat) else None  # AbsorbingLS's constant: the first term that does not vary
    block, _ = demean(block, np.ones(n), fe, copy=False)
    if constant is not None:
        if norms[constant] == 0:  # a term zero throughout: AbsorbingLS's covariance fails on it
            raise NotEstimableError(f"log-linear OLS on {n:,} observations: Singular matrix")
        block += means  # as AbsorbingLS: every column's mean restored, the constant term carries it
    gram = block.T @ block
    retain = absorbed_columns(gram[1:, 1:], norms, constant)
    if not retain:
        raise NotEstimableError(f"log-linear OLS on {n:,} observations: every term is absorbed by the city-year effects")
    cols = [0, *(j + 1 for j in retain)]
    if len(cols) < block.shape[1]:
        block = block[:, cols]  # rare (a term constant within the effects): a smaller copy
        gram = gram[np.ix_(cols, cols)]
    xx, xy = gram[1:, 1:], gram[1:, 0]
    try:
        scale = 1 / np.sqrt(np.diag(xx))
        params = scale * np.linalg.solve(xx * np.outer(scale, scale), xy * scale)
        resid = block[:, 0] - block[:, 1:] @ params
        meat = np.zeros_like(xx)
        for lo in range(0, n, 1 << 18):  # the score's outer products a slice of rows at a time
            xe = block[lo:lo + (1 << 18), 1:] * resid[lo:lo + (1 << 18), None]
            meat += xe.T @ xe
        vinv = np.linalg.inv(xx / n)
    except np.linalg.LinAlgError as err:
        raise NotEstimableError(f"log-linear OLS on {n:,} observations: {err}") from None
    cov = vinv @ (meat / n) @ vinv / n
    cov = (cov + cov.T) / 2
    rss = float(resid @ resid)
    r2 = np.nan if total_ss <= (max(n, 100) * np.finfo(float).eps) ** 2 * y_ss else max(1 - rss / total_ss, 0.0)
    index = pd.Index([terms[j] for j in retain])
    return LinearFit(pd.Series(params, index=index, name="parameter"), pd.Series(np.sqrt(np.diag(cov)), index=index, name="stderr"),
                     n, float(r2), "robust (HC0)")


def migration_gravity_frame(author_years: pd.DataFrame, start: int, end: int, cities: pd.DataFrame) -> pd.DataFrame:
    """``out_gravity_migration_pairs``: every ordered pair (origin i, destination j), i != j, of
    cities with AI scientists in ``start``, and the AI scientists who moved from i to j between
    ``start`` and ``end`` (each scientist once per pair: ``metrics.matrices.migration_cells``).

    Sizes are the AI scientists of each end in ``start``: measured before the moves they are
    meant to explain (AlShebli et al. 2022 does not say which year it used). One year's moves are
    ``start = y - 1, end = y``.
    """
    ay = author_years[author_years["is_ai_scientist"].fillna(False).to_numpy(bool)]
    base = ay[(ay["year"] == start).to_numpy(bool)].dropna(subset=["city_geonames_id"]).drop_duplicates("author_id")
    size = base.groupby("city_geonames_id").size()
    ids = size.index.to_numpy(dtype="int64")
    rows = np.repeat(ids, len(ids))
    cols = np.tile(ids, len(ids))
    off = rows != cols
    rows, cols = rows[off], cols[off]
    moves = migration_cells(author_years, start, end)
    moves = moves[moves["row_city_geonames_id"] != moves["col_city_geonames_id"]]
    observed = moves.set_index(["row_city_geonames_id", "col_city_geonames_id"])["value"]
    y = observed.reindex(pd.MultiIndex.from_arrays([rows, cols])).fillna(0).to_numpy(dtype="int64")
    frame = pd.DataFrame(
        {
            "year": end,
            "origin_city_geonames_id": rows,
            "destination_city_geonames_id": cols,
            "moves": y,
            "window_start": start,
            "ln_scientists_origin": np.log(size.reindex(rows).to_numpy(dtype=float)),
            "ln_scientists_destination": np.log(size.reindex(cols).to_numpy(dtype=float)),
        }
    )
    controls = dyadic_controls(rows, cols, cities).drop(columns=["same_city"])
    return conform(pd.concat([frame, controls], axis=1), "out_gravity_migration_pairs")  # typed here: fitted in the same step


def fit_migration_gravity(frame: pd.DataFrame, cov_type: str = "HC1", terms: Sequence[str] = MIGRATION_TERMS) -> CountResult:
    """Supplementary Table 3: PPML of moves on ln AI scientists at origin and destination, ln
    distance and the cultural-geographic controls, with a constant; pairs of a city with itself
    are not observations. Several windows pooled get one effect per window (absorbed)."""
    return _ppml(frame, "moves", terms, frame[["year"]] if frame["year"].nunique() > 1 else None, cov_type)


# ---- tables -------------------------------------------------------------------------------------


def stars(p: float) -> str:
    """AlShebli et al. 2022's convention: * p < 0.05, ** p < 0.01, *** p < 0.001."""
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""


def _pval_text(p: float) -> str:
    return "<0.001" if p < 0.001 else f"{p:.3f}" if p < 0.1 else f"{p:.2f}"


ESTIMATORS = {"poisson": "PPML", "negbin": "NB2"}
"""The ``estimator`` column of ``out_model_coefficients`` for each count family."""


def coefficient_frame(model: str, spec: str, fit: CountResult | LinearFit | NotEstimable, year: int | None = None) -> pd.DataFrame:
    """``out_model_coefficients`` rows of one fit (tidy: one row per term). A model that was not
    estimable gets one row whose ``term`` is "not estimable: <reason>" (``results.NOT_ESTIMABLE``)
    and whose estimates are null."""
    if not fit.estimable:
        row = {"model": model, "spec": spec, "year": year, "term": str(fit), "nobs": fit.nobs, "converged": False,
               "estimator": ESTIMATORS.get(fit.family, "")}
        # typed here: the step concatenates this row with estimated fits' rows before writing
        return conform(pd.DataFrame([row]).reindex(columns=SCHEMAS["out_model_coefficients"].names), "out_model_coefficients")
    t = fit.to_frame()
    if isinstance(fit, CountResult):
        extra = {
            "nobs": fit.nobs,
            "pseudo_r2_mcfadden": fit.pseudo_rsquared("mcf"),
            "pseudo_r2_corr": fit.pseudo_rsquared("corr"),
            "cov_type": fit.cov_type,
            "converged": fit.converged,
            "estimator": ESTIMATORS[fit.family],
        }
    else:
        extra = {"nobs": fit.nobs, "pseudo_r2_mcfadden": np.nan, "pseudo_r2_corr": fit.rsquared,
                 "cov_type": fit.cov_type, "converged": True, "estimator": "OLS ln(1+y)"}
    t.insert(0, "year", year)
    t.insert(0, "spec", spec)
    t.insert(0, "model", model)
    for k, v in extra.items():
        t[k] = v
    return conform(t, "out_model_coefficients")  # typed: concatenated with other fits (and a not-estimable row) first


def gravity_table(
    name: str,
    fits: Mapping[str, CountResult | LinearFit | NotEstimable],
    unit_tests: Sequence[str] = ("ln_papers_cited", "ln_citations_made"),
    controls: Mapping[str, Mapping[str, bool]] | None = None,
) -> pd.DataFrame:
    """A table laid out like AlShebli et al. 2022's Table 1: one column per fit, a coefficient row and a
    standard-error row per term ("1.145***" over "(0.029)"), optional "Controls" rows, N, both
    pseudo R-squared, and the p-values of the Wald tests "coefficient = 1" (chi-squared, 1 df).
    A fit that was not estimable (``NotEstimable``) shows "not estimable: <reason>" in its column's
    N row and nothing else."""
    terms: list[str] = []
    for fit in fits.values():
        for t in fit.params.index:
            if t not in terms and t != "const":
                terms.append(t)
    if any("const" in f.params.index for f in fits.values()):
        terms.append("const")
    rows: list[dict] = []
    for t in terms:
        coef_row, se_row = {"row": TERM_LABELS.get(t, t), "term": t, "kind": "coef"}, {"row": "", "term": t, "kind": "se"}
        for label, fit in fits.items():
            if t in fit.params.index:
                b, se, p = float(fit.params[t]), float(fit.bse[t]), float(fit.pvalues[t])
                coef_row[label], se_row[label] = f"{format_estimate(b)}{stars(p)}", f"({format_estimate(se)})"
            else:
                coef_row[label] = se_row[label] = ""
        rows += [coef_row, se_row]
    for control, flags in (controls or {}).items():
        rows.append({"row": control, "term": "", "kind": "control", **{k: ("Yes" if flags.get(k) else "No") for k in fits}})
    rows.append({"row": "N", "term": "", "kind": "stat", **{k: (f"{f.nobs:,}" if f.estimable else str(f)) for k, f in fits.items()}})
    rows.append({"row": "Pseudo R-sq (squared corr.)", "term": "", "kind": "stat",
                 **{k: (f"{f.pseudo_rsquared('corr'):.3f}" if isinstance(f, CountResult) else f"{f.rsquared:.3f} (R2)" if f.estimable else "")
                    for k, f in fits.items()}})
    rows.append({"row": "Pseudo R-sq (McFadden)", "term": "", "kind": "stat",
                 **{k: (f"{f.pseudo_rsquared('mcf'):.3f}" if isinstance(f, CountResult) else "") for k, f in fits.items()}})
    for t in unit_tests:
        row = {"row": f"Ho: coefficient {TERM_LABELS.get(t, t).split('(')[-1].rstrip(')')} = 1 p-val.", "term": t, "kind": "test"}
        for k, f in fits.items():
            row[k] = _pval_text(f.wald_test(f"{t} = 1").pvalue) if isinstance(f, CountResult) and t in f.params.index else ""
        rows.append(row)
    wide = pd.DataFrame(rows)
    long = wide.melt(id_vars=["row", "term", "kind"], value_vars=list(fits), var_name="column", value_name="cell")
    long.insert(0, "row_order", long.groupby("column").cumcount())
    long.insert(0, "table", name)
    return conform(long, "out_model_table")  # typed here: the step prints it (table_wide) into its metadata before writing


def table_wide(long: pd.DataFrame) -> pd.DataFrame:
    """The printed layout of one ``out_model_table``: a row per ``row_order``, a column per fit."""
    columns = list(dict.fromkeys(long["column"]))
    wide = long.pivot(index="row_order", columns="column", values="cell")[columns]
    labels = long.drop_duplicates("row_order").set_index("row_order")["row"]
    wide.insert(0, "", labels)
    wide.columns.name = None
    return wide.reset_index(drop=True)
