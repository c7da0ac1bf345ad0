"""The memory cuts of issue 13 change no result.

- ``count.compact_rows`` (rows squeezed out of the design in place) equals numpy's row selection.
- A PPML fit that drops rows in three later rounds (missing values, an all-zero group of an
  absorbed effect, a zero observation separated by a regressor) equals statsmodels' GLM with
  explicit dummy columns on the rows it keeps, and leaves the caller's regressors untouched.
- ``gravity.pooled_citation_pairs`` (one year at a time, the fits' columns as numpy) holds the
  values of ``concat_partitions`` of the yearly tables for the chosen years, and every pooled
  citation fit on it equals the fit on the concatenated nullable tables.
- ``build_author_years`` on the columns the asset now reads equals it on every column.
- ``count.weighted_gram`` (the IRLS cross products by blocks of rows, no weighted copy of the
  design) equals the products of the whole weighted design, and fits whose every product is
  summed in blocks of a few rows equal statsmodels' GLM; the deviance, now summed over the
  positive outcomes, and the Poisson log-likelihood equal statsmodels' families'.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from aigeo_assets.corpus.authors import AUTHOR_YEAR_INPUT_COLUMNS, build_author_years
from aigeo_assets.models import count
from aigeo_assets.models.count import compact_rows, poisson, weighted_gram
from aigeo_assets.models.gravity import (
    CITATION_FIT_COLUMNS,
    CITATION_SPECS,
    fit_citation_gravity,
    fit_loglinear_gravity,
    fit_structural_gravity,
    pooled_citation_pairs,
)
from aigeo_assets.resources.io import concat_partitions
from aigeo_assets.schemas import SCHEMAS, conform


@pytest.mark.parametrize("keep_share", [1.0, 0.7, 0.05, 0.0])
def test_compact_rows_equals_row_selection(keep_share):
    rng = np.random.default_rng(3)
    x = np.asfortranarray(rng.normal(size=(1_000, 5)))
    mask = rng.random(1_000) < keep_share
    expected = x[mask].copy()
    got = compact_rows(x, mask)
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)


def test_rows_dropped_in_three_rounds_equal_glm_with_dummies_on_the_kept_rows():
    rng = np.random.default_rng(11)
    n = 600
    g = rng.integers(0, 12, n)
    x1 = rng.normal(size=n)
    x2 = rng.normal(size=n)
    y = rng.poisson(np.exp(0.3 + 0.5 * x1 - 0.4 * x2 + 0.2 * (g % 4))).astype(float)
    x1[[5, 17, 300]] = np.nan  # missing: dropped first
    y[g == 7] = 0  # group 7 never positive: its effect is minus infinity
    # x3 is 0 wherever y > 0; the zero observations where it is not all lie above: separated
    x3 = np.zeros(n)
    zeros = np.flatnonzero((y == 0) & (g != 7))[:6]
    x3[zeros] = 1.0
    X = pd.DataFrame({"x1": x1, "x2": x2, "x3": x3})
    before = X.copy()
    fit = poisson(pd.Series(y, name="y"), X, absorb=pd.DataFrame({"g": g}), cov_type="HC0", missing="drop", collinear="drop")
    pd.testing.assert_frame_equal(X, before)  # the caller's regressors are not touched
    assert fit.dropped["missing"] == 3
    assert fit.dropped["all_zero_groups"] == int(((g == 7) & np.isfinite(x1)).sum())
    assert fit.dropped["separated"] == len(zeros)
    assert "x3" in fit.omitted  # nothing left to vary once the separated rows went
    kept = np.isfinite(x1) & (g != 7) & (x3 == 0)
    dummies = pd.get_dummies(pd.Series(g[kept]), prefix="g", dtype=float).reset_index(drop=True)
    design = pd.concat([pd.DataFrame({"x1": x1[kept], "x2": x2[kept]}), dummies], axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = sm.GLM(y[kept], design, family=sm.families.Poisson()).fit(tol=1e-13, cov_type="HC0")
    assert fit.nobs == int(kept.sum())
    np.testing.assert_allclose(fit.params[["x1", "x2"]].to_numpy(), ref.params[["x1", "x2"]].to_numpy(), rtol=1e-8)
    np.testing.assert_allclose(fit.bse[["x1", "x2"]].to_numpy(), ref.bse[["x1", "x2"]].to_numpy(), rtol=1e-6)


@pytest.mark.parametrize("rows", [1, 7, 64, 1_000, 5_000])
def test_weighted_gram_by_blocks_equals_the_whole_weighted_design(rows):
    rng = np.random.default_rng(8)
    x = np.asfortranarray(rng.normal(size=(1_000, 4)) * [1.0, 10.0, 1e-3, 1e4])
    w = rng.exponential(size=1_000)
    w[::9] = 0.0  # zero weights (u * u of a fitted observation) take part as zeros
    v = rng.normal(size=1_000)
    gram, cross = weighted_gram(x, w, v, rows=rows)
    np.testing.assert_allclose(gram, x.T @ (x * w[:, None]), rtol=1e-12)
    np.testing.assert_allclose(cross, x.T @ (w * v), rtol=1e-12)
    assert np.array_equal(gram, gram.T)  # symmetric to the last bit
    assert weighted_gram(x, w, rows=rows)[1] is None
    empty, none = weighted_gram(np.empty((0, 3)), np.empty(0))
    assert np.array_equal(empty, np.zeros((3, 3))) and none is None


@pytest.mark.parametrize("absorbed", [False, True])
def test_fits_summed_in_blocks_of_a_few_rows_equal_glm(monkeypatch, absorbed):
    monkeypatch.setattr(count, "GRAM_BLOCK_ROWS", 7)
    rng = np.random.default_rng(12)
    n = 500
    g = rng.integers(0, 6, n)
    X = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n)})
    y = rng.poisson(np.exp(0.2 + 0.4 * X["x1"] - 0.3 * X["x2"] + 0.3 * (g % 3))).astype(float)
    fit = poisson(pd.Series(y, name="y"), X, absorb=pd.DataFrame({"g": g}) if absorbed else None, cov_type="HC0")
    extra = pd.get_dummies(pd.Series(g), prefix="g", dtype=float) if absorbed else pd.DataFrame({"const": np.ones(n)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = sm.GLM(y, pd.concat([X, extra], axis=1), family=sm.families.Poisson()).fit(tol=1e-13, cov_type="HC0")
    terms = ["x1", "x2"] if absorbed else ["const", "x1", "x2"]
    np.testing.assert_allclose(fit.params[terms].to_numpy(), ref.params[terms].to_numpy(), rtol=1e-8)
    np.testing.assert_allclose(fit.bse[terms].to_numpy(), ref.bse[terms].to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(fit.deviance, ref.deviance, rtol=1e-9)


def test_deviance_and_loglike_over_the_positive_outcomes_equal_statsmodels_families():
    rng = np.random.default_rng(4)
    y = rng.poisson(0.3, 2_000).astype(float)  # three in four outcomes zero
    mu = rng.exponential(0.3, 2_000) + 1e-3
    np.testing.assert_allclose(count._deviance("poisson", y, mu, None), sm.families.Poisson().deviance(y, mu), rtol=1e-12)
    np.testing.assert_allclose(count._loglike("poisson", y, mu, None), sm.families.Poisson().loglike(y, mu), rtol=1e-12)
    for alpha in (0.05, 1.0, 7.0):
        nb = sm.families.NegativeBinomial(alpha=alpha).deviance(y, mu)
        np.testing.assert_allclose(count._deviance("negbin", y, mu, alpha), nb, rtol=1e-12)


def _pair_tables() -> dict[str, pd.DataFrame]:
    """Three years of planted ``out_gravity_citation_pairs``: 12 cities, every ordered pair, counts
    from a gravity law, some AI-scientist counts unknown (NA), nullable dtypes as stored."""
    rng = np.random.default_rng(5)
    cities = np.arange(100, 112)
    country = cities % 3
    tables = {}
    for year in (2001, 2002, 2003):
        i, j = np.repeat(cities, len(cities)), np.tile(cities, len(cities))
        papers = rng.integers(1, 50, len(cities))
        made = rng.integers(1, 80, len(cities))
        scientists = rng.integers(1, 20, len(cities)).astype(float)
        scientists[[3, 7]] = 0  # no AI scientist: ln unknown
        pi, mj = made[i - 100], papers[j - 100]
        dist = np.abs(i - j) * 100.0 + 1
        same_country = (country[i - 100] == country[j - 100]).astype(float)
        mu = np.exp(-3 + 0.8 * np.log(pi) + 0.9 * np.log(mj) - 0.3 * np.log(dist) + 0.5 * same_country)
        with np.errstate(divide="ignore"):
            ls_i, ls_j = np.log(scientists[i - 100]), np.log(scientists[j - 100])
        frame = pd.DataFrame({
            "year": year, "citing_city_geonames_id": i, "cited_city_geonames_id": j, "citations": rng.poisson(mu),
            "papers_cited": mj, "citations_made": pi, "ln_papers_cited": np.log(mj), "ln_citations_made": np.log(pi),
            "ln_scientists_cited": np.where(np.isfinite(ls_j), ls_j, np.nan),
            "ln_scientists_citing": np.where(np.isfinite(ls_i), ls_i, np.nan),
            "ln_distance": np.where(i == j, 0.0, np.log(dist)), "same_city": (i == j).astype(float),
            "same_country": same_country, "same_subregion": (country[i - 100] + country[j - 100] < 3).astype(float),
            "shared_language": same_country, "same_bloc": ((i + j) % 2).astype(float),
        })
        tables[str(year)] = conform(frame, "out_gravity_citation_pairs")
    return tables


def test_pooled_pairs_hold_the_values_of_the_concatenated_years_and_fit_the_same():
    tables = _pair_tables()
    years = [2001, 2003]
    old = concat_partitions(tables)
    old = old[old["year"].isin(years).to_numpy(bool)].reset_index(drop=True)
    assert old["ln_scientists_cited"].isna().any()
    new = pooled_citation_pairs(tables, years)
    assert list(new.columns) == list(CITATION_FIT_COLUMNS)
    for c in CITATION_FIT_COLUMNS:
        np.testing.assert_array_equal(new[c].to_numpy(dtype=float), old[c].to_numpy(dtype=float, na_value=np.nan), err_msg=c)
    for spec in CITATION_SPECS:
        a, b = fit_citation_gravity(new, spec), fit_citation_gravity(old, spec)
        assert a.nobs == b.nobs and a.dropped == b.dropped
        np.testing.assert_allclose(a.params.to_numpy(), b.params.to_numpy(), rtol=1e-12)
        np.testing.assert_allclose(a.bse.to_numpy(), b.bse.to_numpy(), rtol=1e-12)
    a, b = fit_structural_gravity(new), fit_structural_gravity(old)
    np.testing.assert_allclose(a.params.to_numpy(), b.params.to_numpy(), rtol=1e-12)
    la, lb = fit_loglinear_gravity(new), fit_loglinear_gravity(old)
    np.testing.assert_allclose(la.params.to_numpy(), lb.params.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(la.bse.to_numpy(), lb.bse.to_numpy(), rtol=1e-12)
    assert la.nobs == lb.nobs
    empty = pooled_citation_pairs(tables, [1999])
    assert empty.empty and list(empty.columns) == list(CITATION_FIT_COLUMNS)


def test_pooled_pairs_come_sorted_by_year_citing_and_cited_city_whatever_the_stored_order():
    """A table stored in another order (a warehouse written before the pairs were sorted, a
    table with two years) is pooled in the order the structural fit's dense blocks need."""
    from aigeo_assets.models.absorb import FixedEffects
    from aigeo_assets.models.gravity import city_year_effects

    tables = _pair_tables()
    in_order = pooled_citation_pairs(tables, [2001, 2002, 2003])
    keys = in_order[list(CITATION_FIT_COLUMNS[:3])].to_numpy("int64")
    assert (np.lexsort(keys.T[::-1]) == np.arange(len(keys))).all()
    two_years = pd.concat([tables["2002"], tables["2001"]]).sample(frac=1.0, random_state=3)
    shuffled = {"2001-2002": two_years, "2003": tables["2003"].sample(frac=1.0, random_state=4)}
    pd.testing.assert_frame_equal(pooled_citation_pairs(shuffled, [2001, 2002, 2003]), in_order)
    assert FixedEffects.from_frame(city_year_effects(in_order)).two_way.in_cell_order

def test_author_years_on_the_read_columns_equal_them_on_every_column():
    rng = np.random.default_rng(2)
    n_works = 300
    papers = conform(pd.DataFrame({
        "work_id": [f"W{k}" for k in range(n_works)],
        "publication_year": rng.integers(2010, 2014, n_works),
        "is_ai": rng.random(n_works) < 0.6,
        "doc_type": rng.choice(["journal", "conference", "other"], n_works, p=[0.5, 0.3, 0.2]),
    }).reindex(columns=SCHEMAS["core_papers"].names), "core_papers")
    n_aff = 900
    city = rng.choice([1816670, 1796236, 4930956, None], n_aff)
    aff = conform(pd.DataFrame({
        "work_id": [f"W{k}" for k in rng.integers(0, n_works + 20, n_aff)],
        "author_seq": rng.integers(0, 4, n_aff),
        "author_id": rng.choice([f"A{k}" for k in range(60)] + [None], n_aff),
        "institution_id": "I1",
        "city_geonames_id": city,
        "country_code": ["CN" if c in (1816670, 1796236) else "US" if c else None for c in city],
        "bloc": ["East" if c in (1816670, 1796236) else "West" if c else None for c in city],
    }).reindex(columns=SCHEMAS["core_affiliations"].names), "core_affiliations")
    full = build_author_years(aff, papers)
    narrow = build_author_years(aff[list(AUTHOR_YEAR_INPUT_COLUMNS["core_affiliations"])],
                                papers[list(AUTHOR_YEAR_INPUT_COLUMNS["core_papers"])])
    assert len(full) > 50 and full["is_ai_scientist"].any()
    pd.testing.assert_frame_equal(full, narrow)
