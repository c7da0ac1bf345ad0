"""The gravity models of AlShebli et al. 2022 (``aigeo_assets.models.gravity``) against hand-worked values and
independent oracles.

Oracles: frames worked out by hand on a few cities; a great-circle distance written here (the
spherical Vincenty form, not the haversine of ``metrics.centres``); statsmodels GLM Poisson and OLS
with the city-year effects as explicit dummy columns; data simulated from a known gravity process;
the one-restriction Wald statistic ((b - 1) / se)^2; the stars and p-value formats as printed in
AlShebli et al. 2022's Table 1.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from aigeo_assets.models import poisson
from aigeo_assets.models.gravity import (
    CITATION_SPECS,
    CULTURAL,
    MIGRATION_TERMS,
    STRUCTURAL_TERMS,
    TERM_LABELS,
    LinearFit,
    citation_gravity_frame,
    city_attributes,
    coefficient_frame,
    dyadic_controls,
    fit_citation_gravity,
    fit_loglinear_gravity,
    fit_migration_gravity,
    fit_structural_gravity,
    gravity_table,
    migration_gravity_frame,
    stars,
    table_wide,
)
from aigeo_assets.schemas import SCHEMAS, conform

RTOL = 1e-6
R_EARTH = 6371.0088  # the mean Earth radius (IUGG), km


def _close(ours, theirs, rtol=RTOL):
    np.testing.assert_allclose(np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float), rtol=rtol, atol=0)


def _table(table: str, **cols) -> pd.DataFrame:
    """A frame of ``table`` with the given columns and every other column null, in the real dtypes."""
    n = len(next(iter(cols.values())))
    return conform(pd.DataFrame({c: cols.get(c, [None] * n) for c in SCHEMAS[table].names}), table)


def _great_circle_km(lat1, lon1, lat2, lon2) -> float:
    """Great-circle distance on the sphere by the Vincenty (atan2) form: independent of haversine."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    num = math.hypot(math.cos(p2) * math.sin(dl), math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl))
    den = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return R_EARTH * math.atan2(num, den)


# city id: (name, lat, lon, country, UN sub-region, bloc)
PLACES = {
    1: ("Beijing", 39.9042, 116.4074, "CN", "Eastern Asia", "East"),
    2: ("Shanghai", 31.2304, 121.4737, "CN", "Eastern Asia", "East"),
    3: ("Hong Kong", 22.3193, 114.1694, "HK", "Eastern Asia", "East"),
    4: ("New York", 40.7128, -74.0060, "US", "Northern America", "West"),
    5: ("London", 51.5074, -0.1278, "GB", "Northern Europe", "West"),
    6: ("Geneva", 46.2044, 6.1432, "CH", "Western Europe", "West"),
    7: ("Paris", 48.8566, 2.3522, "FR", "Western Europe", "West"),
    8: ("Nowhere", 10.0, 10.0, "XX", "Western Africa", "West"),  # a code CLDR does not know
    9: ("Unknown", 35.0, 100.0, None, None, None),  # located, but no country, sub-region or bloc
    10: ("Beijing east", 39.9042 + 0.0027, 116.4074, "CN", "Eastern Asia", "East"),  # ~0.3 km away
    11: ("Beijing north", 39.9042 + 0.018, 116.4074, "CN", "Eastern Asia", "East"),  # ~2 km away
}


def _institutions(places: dict = PLACES) -> pd.DataFrame:
    """core_institutions: one institution per city, a second one for Beijing, and one with no city."""
    ids = list(places)
    rows = [(f"I{c}", c, *places[c][1:]) for c in ids] + [("I1b", 1, *PLACES[1][1:]), ("I0", None, None, None, "CN", None, "East")]
    return _table(
        "core_institutions",
        institution_id=[r[0] for r in rows],
        city_geonames_id=[r[1] for r in rows],
        latitude=[r[2] for r in rows],
        longitude=[r[3] for r in rows],
        country_code=[r[4] for r in rows],
        sub_region=[r[5] for r in rows],
        bloc=[r[6] for r in rows],
    )


@pytest.fixture(scope="module")
def cities() -> pd.DataFrame:
    return city_attributes(_institutions())


def test_city_attributes_one_row_per_located_city(cities):
    assert sorted(cities.index.tolist()) == sorted(PLACES)
    assert cities.loc[4, "country_code"] == "US" and cities.loc[6, "sub_region"] == "Western Europe"
    assert pd.isna(cities.loc[9, "country_code"])


# --------------------------------------------------------------------------------------------
# 1. the citation gravity frame of one year, by hand


def test_citation_gravity_frame_by_hand(cities):
    year = 2017
    # (year, citing i, cited j, citations)
    pairs = [
        (2017, 1, 1, 7),
        (2017, 1, 2, 3),
        (2017, 1, None, 2),  # to an unlocated cited paper: in m_1, not an observation
        (2017, 1, 5, 1),  # to London, which has no papers this year: in m_1, London is no source
        (2017, 2, 1, 4),
        (2017, 3, 4, 5),
        (2017, 5, 1, 2),  # London cites but has no metrics row
        (2017, 4, 1, 0),  # New York's only cell is zero: m_4 = 0, so New York cites nothing
        (2017, None, 1, 9),  # unlocated citing papers: no observation, in nobody's m_i
        (2018, 2, 2, 100),  # another year
        (2018, 6, 1, 50),
    ]
    pairs = _table(
        "out_city_pairs",
        year=[p[0] for p in pairs],
        row_city_geonames_id=[p[1] for p in pairs],
        col_city_geonames_id=[p[2] for p in pairs],
        value=[p[3] for p in pairs],
    )
    # (year, city, productivity, ai_scientists)
    met = [(2017, 1, 10, 5), (2017, 2, 4, 0), (2017, 3, 0, 3), (2017, 4, 2, 1), (2018, 2, 50, 9), (2018, 6, 7, 2)]
    metrics = _table(
        "out_city_year_metrics",
        year=[m[0] for m in met],
        city_geonames_id=[m[1] for m in met],
        productivity=[m[2] for m in met],
        ai_scientists=[m[3] for m in met],
    )
    frame = conform(citation_gravity_frame(year, pairs, metrics, cities), "out_gravity_citation_pairs")  # as the IO manager writes it

    # m_i: 1 -> 7 + 3 + 2 + 1 = 13; 2 -> 4; 3 -> 5; 5 -> 2; (4 -> 0 dropped). n_j: 1 -> 10, 2 -> 4, 4 -> 2.
    m = {1: 13, 2: 4, 3: 5, 5: 2}
    n = {1: 10, 2: 4, 4: 2}
    sci = {1: 5, 2: 0, 3: 3, 4: 1}  # London (5) has no metrics row: no AI scientists known
    cites = {(1, 1): 7, (1, 2): 3, (2, 1): 4, (3, 4): 5, (5, 1): 2}

    def ln_or_nan(v):
        return math.log(v) if v > 0 else np.nan

    expected = pd.DataFrame(
        [
            {
                "year": year,
                "citing_city_geonames_id": i,
                "cited_city_geonames_id": j,
                "citations": cites.get((i, j), 0),
                "papers_cited": n[j],
                "citations_made": m[i],
                "ln_papers_cited": math.log(n[j]),
                "ln_citations_made": math.log(m[i]),
                "ln_scientists_cited": ln_or_nan(sci.get(j, 0)),
                "ln_scientists_citing": ln_or_nan(sci.get(i, 0)),
                "same_city": float(i == j),
                "same_country": float(PLACES[i][3] == PLACES[j][3]),
                "same_subregion": float(PLACES[i][4] == PLACES[j][4]),
                "same_bloc": float(PLACES[i][5] == PLACES[j][5]),
            }
            for i in m
            for j in n
        ]
    )
    assert list(frame.columns) == SCHEMAS["out_gravity_citation_pairs"].names
    assert dict(frame.dtypes.astype(str)) == {c.name: c.dtype for c in SCHEMAS["out_gravity_citation_pairs"].columns}
    got = frame.sort_values(["citing_city_geonames_id", "cited_city_geonames_id"]).reset_index(drop=True)
    assert len(got) == 12  # 4 citing x 3 cited, the diagonal included, zeros included
    assert int(got["citations"].sum()) == 7 + 3 + 4 + 5 + 2
    for col in expected.columns:
        _close(got[col].to_numpy(dtype=float, na_value=np.nan), expected[col].to_numpy(dtype=float), rtol=1e-12)
        assert (got[col].isna().to_numpy() == expected[col].isna().to_numpy()).all(), col

    # distance: 0 on the diagonal, else ln of the great-circle km
    for row in got.itertuples():
        i, j = row.citing_city_geonames_id, row.cited_city_geonames_id
        want = 0.0 if i == j else math.log(_great_circle_km(*PLACES[i][1:3], *PLACES[j][1:3]))
        assert row.ln_distance == pytest.approx(want, rel=1e-9, abs=1e-12)
    # shared language: CN-CN 1, CN-US 0, GB-CN 0, US?: no US city cites
    lang = got.set_index(["citing_city_geonames_id", "cited_city_geonames_id"])["shared_language"]
    assert lang[(1, 2)] == 1 and lang[(1, 4)] == 0 and lang[(5, 1)] == 0 and lang[(5, 4)] == 1


# --------------------------------------------------------------------------------------------
# 2. dyadic controls


def test_dyadic_controls(cities):
    pairs = [
        (1, 2),  # Beijing-Shanghai
        (1, 1),  # a city with itself
        (1, 10),  # ~0.3 km: floored at 1 km
        (1, 11),  # ~2 km: above the floor
        (3, 1),  # HK-CN: zh_Hant and zh share zh
        (4, 5),  # US-GB: en
        (1, 4),  # CN-US: none
        (6, 7),  # CH-FR: fr
        (8, 1),  # XX: unknown to CLDR
        (9, 1),  # a city without country, sub-region or bloc
        (99, 1),  # a city without any attributes
        (5, 99),
    ]
    o = np.array([p[0] for p in pairs], dtype="int64")
    d = np.array([p[1] for p in pairs], dtype="int64")
    out = dyadic_controls(o, d, cities)
    assert list(out.columns) == ["ln_distance", "same_city", "same_country", "same_subregion", "shared_language", "same_bloc"]
    r = {p: out.iloc[k] for k, p in enumerate(pairs)}

    bj_sh = _great_circle_km(*PLACES[1][1:3], *PLACES[2][1:3])
    assert 1060 < bj_sh < 1075  # about 1,067 km
    assert math.exp(r[(1, 2)]["ln_distance"]) == pytest.approx(bj_sh, rel=1e-9)
    assert math.exp(r[(6, 7)]["ln_distance"]) == pytest.approx(_great_circle_km(*PLACES[6][1:3], *PLACES[7][1:3]), rel=1e-9)
    assert r[(1, 1)]["ln_distance"] == 0.0 and r[(1, 1)]["same_city"] == 1.0
    assert _great_circle_km(*PLACES[1][1:3], *PLACES[10][1:3]) < 1.0
    assert r[(1, 10)]["ln_distance"] == 0.0 and r[(1, 10)]["same_city"] == 0.0  # ln(1 km)
    two = _great_circle_km(*PLACES[1][1:3], *PLACES[11][1:3])
    assert 1.5 < two < 2.5 and r[(1, 11)]["ln_distance"] == pytest.approx(math.log(two), rel=1e-9)
    assert (out["same_city"].to_numpy() == [1.0 if a == b else 0.0 for a, b in pairs]).all()

    expect = {  # (same_country, same_subregion, shared_language, same_bloc)
        (1, 2): (1, 1, 1, 1),
        (1, 1): (1, 1, 1, 1),
        (3, 1): (0, 1, 1, 1),
        (4, 5): (0, 0, 1, 1),
        (1, 4): (0, 0, 0, 0),
        (6, 7): (0, 1, 1, 1),
        (8, 1): (0, 0, np.nan, 0),
        (9, 1): (np.nan, np.nan, np.nan, np.nan),
        (99, 1): (np.nan, np.nan, np.nan, np.nan),
        (5, 99): (np.nan, np.nan, np.nan, np.nan),
    }
    for p, want in expect.items():
        got = r[p][["same_country", "same_subregion", "shared_language", "same_bloc"]].to_numpy(dtype=float)
        np.testing.assert_array_equal(got, np.array(want, dtype=float), err_msg=str(p))
    assert np.isnan(r[(99, 1)]["ln_distance"]) and np.isnan(r[(5, 99)]["ln_distance"])


# --------------------------------------------------------------------------------------------
# 3. the migration gravity frame, by hand


def test_migration_gravity_frame_by_hand(cities):
    A, B, C, D = 1, 4, 5, 6  # Beijing, New York, London, Geneva
    start, end = 2015, 2018
    ai = {  # author -> {year: city}; every one an AI scientist
        "a1": {2015: A, 2016: B, 2017: B},  # A->B
        "a2": {2015: A, 2016: B, 2017: A},  # A->B and B->A
        "a3": {2015: A, 2017: B},  # A->B across a year without papers
        "a4": {2015: B, 2016: B, 2017: B},  # stays
        "a5": {2015: C},  # stays
        "a6": {2015: A, 2016: D, 2017: D},  # to a city without AI scientists in 2015: no observation
        "a8": {2014: C, 2015: B, 2016: C, 2017: B, 2018: A},  # B->C, C->B, B->A (2014 outside)
        "a10": {2015: A, 2016: B, 2017: A, 2018: B},  # A->B twice counts once, and B->A
        "a11": {2018: C, 2019: A},  # after the window
        "a9": {2015: None, 2016: A},  # no city at the start: not in the sizes, and no move
    }
    rows = [(a, y, c, True) for a, yc in ai.items() for y, c in yc.items()]
    rows += [("n1", 2015, A, False), ("n1", 2016, C, False), ("n2", 2015, C, None), ("n2", 2016, A, None)]  # not AI scientists
    ay = _table(
        "core_author_years",
        author_id=[r[0] for r in rows],
        year=[r[1] for r in rows],
        city_geonames_id=[r[2] for r in rows],
        is_ai_scientist=[r[3] for r in rows],
    )
    frame = migration_gravity_frame(ay, start, end, cities)
    assert list(frame.columns) == SCHEMAS["out_gravity_migration_pairs"].names
    # the asset reads only the AI scientists' rows (AI_SCIENTIST_ROWS): the same frame
    pd.testing.assert_frame_equal(migration_gravity_frame(ay[ay["is_ai_scientist"].fillna(False).to_numpy(bool)].reset_index(drop=True),
                                                          start, end, cities), frame)
    size = {A: 5, B: 2, C: 1}  # AI scientists with a city in 2015: A a1 a2 a3 a6 a10; B a4 a8; C a5
    moves = {(A, B): 4, (B, A): 3, (B, C): 1, (C, B): 1, (A, C): 0, (C, A): 0}
    got = frame.set_index(["origin_city_geonames_id", "destination_city_geonames_id"])
    assert sorted(got.index.tolist()) == sorted(moves)  # no diagonal, no D
    for (i, j), v in moves.items():
        g = got.loc[(i, j)]
        assert g["moves"] == v, (i, j)
        assert g["year"] == end and g["window_start"] == start
        assert g["ln_scientists_origin"] == pytest.approx(math.log(size[i]), abs=1e-15)
        assert g["ln_scientists_destination"] == pytest.approx(math.log(size[j]), abs=1e-15)
        assert math.exp(g["ln_distance"]) == pytest.approx(_great_circle_km(*PLACES[i][1:3], *PLACES[j][1:3]), rel=1e-9)
        assert g["same_country"] == 0 and g["same_bloc"] == float(PLACES[i][5] == PLACES[j][5])
        assert g["shared_language"] == float({i, j} == {B, C})  # en: New York and London


# --------------------------------------------------------------------------------------------
# 4. PPML fits: planted gravity recovered; structural == GLM with dummies

PLANTED = {
    "const": -2.0,
    "ln_papers_cited": 1.0,
    "ln_citations_made": 0.9,
    "ln_scientists_cited": 0.2,
    "ln_scientists_citing": 0.1,
    "ln_distance": -0.5,
    "same_city": 1.5,
    "same_country": 0.6,
    "same_subregion": 0.3,
    "shared_language": 0.2,
    "same_bloc": 0.4,
}


def _dyads(rng, n_cities: int, n_countries: int):
    """Random cities: coordinates, countries, sub-regions (two countries each), two blocs that
    split the sub-regions differently (countries below n/2 + 1, the rest), and a random
    country-level shared-language matrix; returns the pair-level dyadic controls (i-major)."""
    lat, lon = rng.uniform(-40, 60, n_cities), rng.uniform(-120, 140, n_cities)
    country = np.arange(n_cities) % n_countries
    sub = country // 2
    bloc = (country < n_countries // 2 + 1).astype(int)
    lang = rng.binomial(1, 0.4, (n_countries, n_countries))
    lang = np.triu(lang, 1)
    lang = lang + lang.T + np.eye(n_countries, dtype=int)
    i, j = np.repeat(np.arange(n_cities), n_cities), np.tile(np.arange(n_cities), n_cities)
    dist = np.array([_great_circle_km(lat[a], lon[a], lat[b], lon[b]) for a, b in zip(i, j)])
    return pd.DataFrame(
        {
            "i": i,
            "j": j,
            "ln_distance": np.where(i == j, 0.0, np.log(np.maximum(dist, 1.0))),
            "same_city": (i == j).astype(float),
            "same_country": (country[i] == country[j]).astype(float),
            "same_subregion": (sub[i] == sub[j]).astype(float),
            "shared_language": lang[country[i], country[j]].astype(float),
            "same_bloc": (bloc[i] == bloc[j]).astype(float),
        }
    )


@pytest.fixture(scope="module")
def planted_frame() -> pd.DataFrame:
    """30 cities x 3 years of ordered pairs drawn from the planted gravity model (PPML's DGP).
    City 0 has no AI scientists in the first year: its 59 pairs of that year miss the ln."""
    rng = np.random.default_rng(20240601)
    n_cities, years = 30, (2016, 2017, 2018)
    dy = _dyads(rng, n_cities, 6)
    parts = []
    for t, year in enumerate(years):
        papers = np.maximum(np.round(np.exp(rng.normal(5, 1, n_cities))), 1).astype(int)
        made = np.maximum(np.round(np.exp(rng.normal(5, 1, n_cities))), 1).astype(int)
        sci = np.maximum(np.round(np.exp(rng.normal(3, 1, n_cities))), 1).astype(int)
        if t == 0:
            sci[0] = 0
        ln_sci = np.where(sci > 0, np.log(np.maximum(sci, 1)), np.nan)
        f = dy.copy()
        f["year"] = year
        f["papers_cited"], f["citations_made"] = papers[f["j"]], made[f["i"]]
        f["ln_papers_cited"], f["ln_citations_made"] = np.log(f["papers_cited"]), np.log(f["citations_made"])
        f["ln_scientists_cited"], f["ln_scientists_citing"] = ln_sci[f["j"]], ln_sci[f["i"]]
        parts.append(f)
    f = pd.concat(parts, ignore_index=True)
    eta = PLANTED["const"] + sum(b * np.nan_to_num(f[t].to_numpy(float)) for t, b in PLANTED.items() if t != "const")
    f["citations"] = rng.poisson(np.exp(eta))
    f["citing_city_geonames_id"] = 1000 + f["i"]
    f["cited_city_geonames_id"] = 1000 + f["j"]
    return conform(f, "out_gravity_citation_pairs")


def test_fit_citation_gravity_recovers_the_planted_values(planted_frame):
    f = planted_frame
    assert len(f) == 2700 and f["citations"].mean() > 20
    res = fit_citation_gravity(f, "(4)")
    assert res.converged and res.cov_type == "HC1"
    assert list(res.params.index) == ["const", *CITATION_SPECS["(4)"]]
    assert res.nobs == 2700 - 59 and res.dropped["missing"] == 59 and res.omitted == []
    z = (res.params - pd.Series(PLANTED)[res.params.index]) / res.bse
    assert (z.abs() < 4).all(), z
    assert (res.bse < 0.05).all()  # precise enough for the check to mean something
    # specification (1) has no AI-scientist terms: every pair-year is an observation
    res1 = fit_citation_gravity(f, "(1)")
    assert res1.nobs == 2700 and res1.dropped["missing"] == 0
    assert list(res1.params.index) == ["const", "ln_papers_cited", "ln_citations_made"]


def test_fit_structural_gravity_recovers_the_planted_frictions(planted_frame):
    res = fit_structural_gravity(planted_frame)
    assert res.converged and list(res.params.index) == list(STRUCTURAL_TERMS)
    assert res.nobs == 2700  # sizes are absorbed: the missing ln of AI scientists does not matter
    assert res.absorbed == {"citing_city_geonames_id_year": 90, "cited_city_geonames_id_year": 90}
    z = (res.params - pd.Series(PLANTED)[res.params.index]) / res.bse
    assert (z.abs() < 4).all(), z


@pytest.fixture(scope="module")
def small_frame() -> pd.DataFrame:
    """8 cities x 2 years (128 pair-years) with city-year effects: small enough for dummy columns."""
    rng = np.random.default_rng(4242)
    n_cities, years = 8, (2017, 2018)
    dy = _dyads(rng, n_cities, 4)
    parts = []
    for year in years:
        f = dy.copy()
        f["year"] = year
        o, d = rng.normal(0, 0.5, n_cities), rng.normal(0, 0.5, n_cities)
        f["eta"] = 5.0 + o[f["i"]] + d[f["j"]] + sum(PLANTED[t] * f[t] for t in STRUCTURAL_TERMS)
        parts.append(f)
    f = pd.concat(parts, ignore_index=True)
    f["ln_distance"] = f["ln_distance"] - 7.0  # keep the means moderate; a shift only moves the effects
    f["citations"] = rng.poisson(np.exp(f["eta"] + 3.5) * rng.gamma(2.0, 0.5, len(f)))
    f["citing_city_geonames_id"] = 2000 + f["i"]
    f["cited_city_geonames_id"] = 2000 + f["j"]
    f["papers_cited"] = f["citations_made"] = 1  # sizes are absorbed: not used here
    for c in ("ln_papers_cited", "ln_citations_made", "ln_scientists_cited", "ln_scientists_citing"):
        f[c] = 0.0
    return conform(f, "out_gravity_citation_pairs")


def _city_year_dummies(frame: pd.DataFrame) -> pd.DataFrame:
    """Every citing-city-year level, and every cited-city-year level but the first of each year:
    both effects are nested in the year, so each year is its own connected component and one
    cited level per year is redundant (a single dropped level would leave the design short of
    rank by the number of years minus one)."""
    cy = frame["citing_city_geonames_id"].astype(str) + "_" + frame["year"].astype(str)
    dy = frame["cited_city_geonames_id"].astype(str) + "_" + frame["year"].astype(str)
    a = pd.get_dummies(cy, prefix="o", dtype=float)
    b = pd.get_dummies(dy, prefix="d", dtype=float)
    firsts = frame.sort_values(["year", "cited_city_geonames_id"]).drop_duplicates("year")
    drop = ["d_" + str(c) + "_" + str(y) for c, y in zip(firsts["cited_city_geonames_id"], firsts["year"])]
    return pd.concat([a, b.drop(columns=drop)], axis=1)


def test_fit_structural_gravity_equals_glm_with_dummies(small_frame):
    f = small_frame
    terms = list(STRUCTURAL_TERMS)
    design = pd.concat([f[terms].astype(float), _city_year_dummies(f)], axis=1)
    assert np.linalg.matrix_rank(design.to_numpy()) == design.shape[1]  # the oracle is full rank
    y = f["citations"].to_numpy(float)
    glm = sm.GLM(y, design, family=sm.families.Poisson()).fit(tol=1e-13, maxiter=200, cov_type="HC0")
    ours = fit_structural_gravity(f, cov_type="HC0")
    assert ours.converged and ours.nobs == len(f) and ours.dropped == {"missing": 0, "all_zero_groups": 0, "separated": 0}
    _close(ours.params, glm.params[terms])
    _close(ours.bse, glm.bse[terms])
    # the engine at tight tolerances, called directly, agrees too
    absorb = pd.DataFrame({"o": f["citing_city_geonames_id"].astype("int64") * 10_000 + f["year"].astype("int64"),
                           "d": f["cited_city_geonames_id"].astype("int64") * 10_000 + f["year"].astype("int64")})
    tight = poisson(f["citations"], f[terms].astype(float), absorb=absorb, cov_type="HC0", tol=1e-13, demean_tol=1e-13)
    _close(tight.params, glm.params[terms], rtol=1e-8)
    _close(tight.bse, glm.bse[terms], rtol=1e-8)
    # HC1 is HC0 times n / (n - k), k counting the terms and the fixed-effect parameters
    hc1 = fit_structural_gravity(f)
    n, k = design.shape
    _close(hc1.bse, glm.bse[terms] * np.sqrt(n / (n - k)))
    # cov_type="cluster": one cluster per ordered city pair across the years (statsmodels'
    # correction G / (G - 1) * (n - 1) / (n - k), k = every dummy-model column)
    pair = f["citing_city_geonames_id"].astype(int) * 100_000 + f["cited_city_geonames_id"].astype(int)
    glm_cl = sm.GLM(y, design, family=sm.families.Poisson()).fit(
        tol=1e-13, maxiter=200, cov_type="cluster", cov_kwds={"groups": pd.factorize(pair)[0]})
    ours_cl = fit_structural_gravity(f, cov_type="cluster")
    assert ours_cl.n_clusters == 64
    _close(ours_cl.bse, glm_cl.bse[terms])


# --------------------------------------------------------------------------------------------
# 5. the log-linear comparison == OLS with dummies


def test_fit_loglinear_gravity_equals_ols_with_dummies(small_frame):
    f = small_frame.copy()
    f.loc[5, "shared_language"] = pd.NA  # a row missing a term is dropped
    f.loc[[7, 40], "citations"] = 0  # ln(1 + 0) = 0
    terms = list(STRUCTURAL_TERMS)
    kept = f.drop(index=5).reset_index(drop=True)
    design = pd.concat([kept[terms].astype(float), _city_year_dummies(kept)], axis=1)
    assert np.linalg.matrix_rank(design.to_numpy()) == design.shape[1]
    ols = sm.OLS(np.log1p(kept["citations"].to_numpy(float)), design).fit(cov_type="HC0")
    ours = fit_loglinear_gravity(f)
    assert isinstance(ours, LinearFit) and ours.nobs == len(f) - 1
    _close(ours.params[terms], ols.params[terms])
    # linearmodels' AbsorbingLS cov_type="robust" with its default debiased=False is White's HC0
    # with no small-sample factor (the score covariance divided by n, no n / (n - k)); on the
    # demeaned data it equals the dummy regression's HC0 block exactly (Frisch-Waugh-Lovell), so
    # the factor here is 1.
    _close(ours.bse[terms], ols.bse[terms])
    _close(ours.pvalues[terms], 2 * stats.norm.sf(np.abs(ols.params[terms] / ols.bse[terms])))


# --------------------------------------------------------------------------------------------
# 6. migration PPML == GLM Poisson with a constant


@pytest.fixture(scope="module")
def migration_frame() -> pd.DataFrame:
    """20 cities, one window: ordered pairs of different cities with planted migration gravity."""
    rng = np.random.default_rng(99)
    n_cities = 20
    dy = _dyads(rng, n_cities, 5)
    dy = dy[dy["i"] != dy["j"]].reset_index(drop=True)
    size = rng.integers(2, 400, n_cities)
    f = dy.assign(
        year=2019,
        window_start=2018,
        origin_city_geonames_id=3000 + dy["i"],
        destination_city_geonames_id=3000 + dy["j"],
        ln_scientists_origin=np.log(size[dy["i"]]),
        ln_scientists_destination=np.log(size[dy["j"]]),
    )
    eta = -1.0 + 0.7 * f["ln_scientists_origin"] + 0.6 * f["ln_scientists_destination"] - 0.4 * (f["ln_distance"] - 8) \
        + 0.5 * f["same_country"] + 0.2 * f["same_subregion"] + 0.3 * f["shared_language"] + 0.1 * f["same_bloc"]
    f["moves"] = rng.poisson(np.exp(eta) * rng.gamma(2.0, 0.5, len(f)))
    f.loc[3, "same_subregion"] = np.nan  # unknown: dropped
    return conform(f, "out_gravity_migration_pairs")


def test_fit_migration_gravity_equals_glm_with_constant(migration_frame):
    f = migration_frame
    terms = list(MIGRATION_TERMS)
    kept = f.drop(index=3)
    X = sm.add_constant(kept[terms].astype(float))
    y = kept["moves"].to_numpy(float)
    glm0 = sm.GLM(y, X, family=sm.families.Poisson()).fit(tol=1e-13, maxiter=200, cov_type="HC0")
    glmn = sm.GLM(y, X, family=sm.families.Poisson()).fit(tol=1e-13, maxiter=200)
    ours = fit_migration_gravity(f, cov_type="HC0")
    assert ours.absorbed == {} and list(ours.params.index) == ["const", *terms]
    assert ours.nobs == len(f) - 1 and ours.dropped["missing"] == 1
    _close(ours.params, glm0.params)
    _close(ours.bse, glm0.bse)
    _close(ours.llf, glm0.llf)
    _close(fit_migration_gravity(f, cov_type="nonrobust").bse, glmn.bse)
    n, k = X.shape
    _close(fit_migration_gravity(f).bse, glm0.bse * np.sqrt(n / (n - k)))


def test_fit_migration_gravity_pools_windows_with_window_effects(migration_frame):
    a = migration_frame
    b = a.copy()
    b["year"], b["window_start"] = 2020, 2019
    b["moves"] = (b["moves"] * 2 + (np.arange(len(b)) % 3)).astype("Int64")
    f = pd.concat([a, b], ignore_index=True)
    terms = list(MIGRATION_TERMS)
    kept = f.dropna(subset=terms)
    X = pd.concat([kept[terms].astype(float), pd.get_dummies(kept["year"].astype(int), prefix="w", dtype=float)], axis=1)
    glm = sm.GLM(kept["moves"].to_numpy(float), X, family=sm.families.Poisson()).fit(tol=1e-13, maxiter=200, cov_type="HC0")
    ours = fit_migration_gravity(f, cov_type="HC0")
    assert ours.absorbed == {"year": 2} and list(ours.params.index) == terms
    _close(ours.params, glm.params[terms])
    _close(ours.bse, glm.bse[terms])


# --------------------------------------------------------------------------------------------
# 7. tables


def _stars(p):
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""


def _ptext(p):
    return "<0.001" if p < 0.001 else f"{p:.3f}" if p < 0.1 else f"{p:.2f}"


@pytest.fixture(scope="module")
def two_fits(planted_frame):
    return {"(1)": fit_citation_gravity(planted_frame, "(1)"), "(2)": fit_citation_gravity(planted_frame, "(2)")}


def test_gravity_table_cells(two_fits, small_frame):
    fits = {**two_fits, "OLS": fit_loglinear_gravity(small_frame)}
    controls = {"Number of AI Scientists": {"(1)": False, "(2)": True, "OLS": False}}
    long = gravity_table("t1", fits, controls=controls)
    assert list(long.columns) == SCHEMAS["out_model_table"].names
    assert dict(long.dtypes.astype(str)) == {c.name: c.dtype for c in SCHEMAS["out_model_table"].columns}
    assert list(dict.fromkeys(long["column"])) == ["(1)", "(2)", "OLS"]
    n_rows = len(long) // 3
    for col in fits:
        assert long.loc[long["column"] == col, "row_order"].tolist() == list(range(n_rows))

    terms = ["ln_papers_cited", "ln_citations_made", "ln_scientists_cited", "ln_scientists_citing", *STRUCTURAL_TERMS, "const"]
    wide = table_wide(long)
    assert list(wide.columns) == ["", "(1)", "(2)", "OLS"] and len(wide) == n_rows
    expected_rows = []
    for t in terms:
        coef, se = [TERM_LABELS[t]], [""]
        for fit in fits.values():
            if t in fit.params.index:
                coef.append(f"{fit.params[t]:.3f}{_stars(fit.pvalues[t])}")
                se.append(f"({fit.bse[t]:.3f})")
            else:
                coef.append("")
                se.append("")
        expected_rows += [coef, se]
    expected_rows.append(["Number of AI Scientists", "No", "Yes", "No"])
    expected_rows.append(["N", "2,700", "2,641", f"{fits['OLS'].nobs:,}"])
    expected_rows.append(["Pseudo R-sq (squared corr.)", f"{two_fits['(1)'].pseudo_rsquared('corr'):.3f}",
                          f"{two_fits['(2)'].pseudo_rsquared('corr'):.3f}", f"{fits['OLS'].rsquared:.3f} (R2)"])
    expected_rows.append(["Pseudo R-sq (McFadden)", f"{two_fits['(1)'].pseudo_rsquared('mcf'):.3f}",
                          f"{two_fits['(2)'].pseudo_rsquared('mcf'):.3f}", ""])
    for t, sym in (("ln_papers_cited", "ln n_j"), ("ln_citations_made", "ln m_i")):
        cells = []
        for fit in two_fits.values():
            # the Wald test of b = 1 with one restriction: ((b - 1) / se)^2 ~ chi2(1)
            p = float(stats.chi2.sf(((fit.params[t] - 1) / fit.bse[t]) ** 2, 1))
            assert fit.wald_test(f"{t} = 1").pvalue == pytest.approx(p, rel=1e-9)
            cells.append(_ptext(p))
        expected_rows.append([f"Ho: coefficient {sym} = 1 p-val.", *cells, ""])
    assert wide.to_numpy().tolist() == expected_rows

    # the printed strings of this planted fit: the size elasticities are significant at 0.001
    assert wide.iloc[0, 1].endswith("***") and wide.iloc[1, 1].startswith("(") and wide.iloc[1, 1].endswith(")")
    kinds = long.loc[long["column"] == "(1)", "kind"].tolist()
    assert kinds == ["coef", "se"] * len(terms) + ["control", "stat", "stat", "stat", "test", "test"]
    assert long.loc[(long["column"] == "(1)") & (long["kind"] == "coef"), "term"].tolist() == terms


def test_gravity_table_name_without_controls(two_fits):
    long = gravity_table("structural", two_fits, unit_tests=())
    assert (long["table"] == "structural").all()
    assert (long["kind"] != "test").all()


def test_gravity_table_name_with_controls(two_fits):
    controls = {"Number of AI Scientists": {"(1)": False, "(2)": True}, "Distance": {"(1)": False, "(2)": False}}
    long = gravity_table("table_1", two_fits, controls=controls)
    assert set(long["table"]) == {"table_1"}


def test_coefficient_frame(two_fits, small_frame):
    fit = two_fits["(2)"]
    cf = coefficient_frame("gravity_citations", "(2)", fit)
    assert list(cf.columns) == SCHEMAS["out_model_coefficients"].names
    assert dict(cf.dtypes.astype(str)) == {c.name: c.dtype for c in SCHEMAS["out_model_coefficients"].columns}
    assert cf["term"].tolist() == list(fit.params.index)
    _close(cf["coef"], fit.params)
    _close(cf["std_err"], fit.bse)
    _close(cf["p_value"], fit.pvalues)
    assert cf["year"].isna().all() and (cf["model"] == "gravity_citations").all() and (cf["spec"] == "(2)").all()
    assert (cf["nobs"] == 2641).all() and (cf["estimator"] == "PPML").all() and (cf["cov_type"] == "HC1").all()
    _close(cf["pseudo_r2_mcfadden"], np.full(len(cf), 1 - fit.llf / fit.llnull))

    lin = fit_loglinear_gravity(small_frame)
    cl = coefficient_frame("gravity_citations", "loglinear", lin, year=2017)
    assert list(cl.columns) == SCHEMAS["out_model_coefficients"].names
    _close(cl["coef"], lin.params)
    _close(cl["std_err"], lin.bse)
    assert (cl["year"] == 2017).all() and (cl["estimator"] == "OLS ln(1+y)").all() and cl["pseudo_r2_mcfadden"].isna().all()


# --------------------------------------------------------------------------------------------
# 8. stars


@pytest.mark.parametrize(
    "p, want",
    [
        (0.2, ""),
        (0.05, ""),
        (np.nextafter(0.05, 0), "*"),
        (0.01, "*"),
        (np.nextafter(0.01, 0), "**"),
        (0.001, "**"),
        (np.nextafter(0.001, 0), "***"),
        (0.0, "***"),
    ],
)
def test_stars_thresholds_are_strict(p, want):
    assert stars(p) == want


def test_cultural_terms_are_the_last_block():
    assert CITATION_SPECS["(4)"][-4:] == CULTURAL and STRUCTURAL_TERMS[2:] == CULTURAL


def _dyadic_controls_loop(origin, destination, cities: pd.DataFrame) -> pd.DataFrame:
    """The former pair-by-pair implementation of ``dyadic_controls``' cultural controls (a Python
    comparison and a CLDR look-up per pair): the oracle of the vectorized one."""
    from aigeo_assets.models.gravity import official_languages

    a = cities.reindex(pd.Index(origin, dtype="Int64"))
    b = cities.reindex(pd.Index(destination, dtype="Int64"))

    def same(col: str) -> np.ndarray:
        x = a[col].astype("string").to_numpy(dtype=object, na_value=None)
        y = b[col].astype("string").to_numpy(dtype=object, na_value=None)
        known = np.array([u is not None and v is not None for u, v in zip(x, y)])
        return np.where(known, np.array([u == v for u, v in zip(x, y)], dtype=float), np.nan)

    ca = a["country_code"].astype("string").to_numpy(dtype=object, na_value=None)
    cb = b["country_code"].astype("string").to_numpy(dtype=object, na_value=None)
    shared = np.full(len(ca), np.nan)
    for k, (u, v) in enumerate(zip(ca, cb)):
        if u is not None and v is not None and official_languages(u) and official_languages(v):
            shared[k] = float(bool(official_languages(u) & official_languages(v)))
    return pd.DataFrame({"same_country": same("country_code"), "same_subregion": same("sub_region"),
                         "shared_language": shared, "same_bloc": same("bloc")})


def test_dyadic_controls_equal_the_pair_loop_on_a_generated_geography():
    """The vectorized controls equal the former pair-by-pair loop on every ordered pair of the
    sample world's cities (tiny scale), with unknown countries, sub-regions and cities mixed in."""
    import random

    from aigeo_assets.sampleworld.config import SCALES
    from aigeo_assets.sampleworld.geography import Geography

    geo = Geography(random.Random(7), np.random.default_rng(7), SCALES["tiny"].cities_top)
    rng = np.random.default_rng(7)
    rows = []
    for k, c in enumerate(geo.cities):
        country = [c.country_code, "XX", None][rng.choice(3, p=[0.85, 0.1, 0.05])]
        rows.append((c.geonames_id, c.lat, c.lon, country, None if k % 13 == 0 else f"{c.bloc}-{c.country_code[:1]}",
                     None if k % 17 == 0 else {"E": "East", "W": "West"}[c.bloc]))
    inst = _table(
        "core_institutions",
        institution_id=[f"I{r[0]}" for r in rows],
        city_geonames_id=[r[0] for r in rows],
        latitude=[r[1] for r in rows], longitude=[r[2] for r in rows],
        country_code=[r[3] for r in rows], sub_region=[r[4] for r in rows], bloc=[r[5] for r in rows],
    )
    cities = city_attributes(inst)
    ids = np.array([*cities.index.to_numpy("int64"), 999_999_999])  # and a city without attributes
    o, d = np.repeat(ids, len(ids)), np.tile(ids, len(ids))
    ours = dyadic_controls(o, d, cities)
    oracle = _dyadic_controls_loop(o, d, cities)
    assert len(ids) > 50 and ours["shared_language"].notna().any() and ours["shared_language"].isna().any()
    pd.testing.assert_frame_equal(ours[list(oracle.columns)], oracle)
