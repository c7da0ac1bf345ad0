"""The log-linear gravity fit (``gravity.fit_loglinear_gravity``) equals linearmodels' AbsorbingLS.

The fit demeans on both city-year effects itself (``absorb.demean``) and runs OLS with HC0 on the
demeaned columns (issue 13: AbsorbingLS held about ten copies of the design). The oracle is the
former implementation, ``AbsorbingLS(ln(1 + y), terms, absorb=city-year effects,
drop_absorbed=True).fit(cov_type="robust")``, on random designs: unbalanced pairs over several
years (each year its own connected set of effects), rows missing a term, a term the effects
absorb entirely, a term collinear with another once the effects are out, a constant term, and the
alternating-projections path taken when the exact projection does not apply.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from aigeo_assets.models import absorb
from aigeo_assets.models.absorb import absorbed_columns
from aigeo_assets.models.gravity import STRUCTURAL_TERMS, LinearFit, city_year_effects, fit_loglinear_gravity
from aigeo_assets.models.results import NotEstimableError

RTOL = 1e-9


def linearmodels_fit(frame: pd.DataFrame, terms) -> tuple[pd.Series, pd.Series, int, float]:
    """The former ``fit_loglinear_gravity``: AbsorbingLS on the rows with every term."""
    from linearmodels.iv.absorbing import AbsorbingLS

    ends, outcome = list(frame.columns[:4]), frame.columns[3]
    complete = frame[list(terms)].notna().all(axis=1).to_numpy(bool)
    data = frame.loc[complete, list(dict.fromkeys([*ends, *terms]))]
    y = np.log1p(data[outcome].astype(float)).rename("ln1p_outcome")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # AbsorbingEffectWarning for the dropped terms
        res = AbsorbingLS(y, data[list(terms)].astype(float), absorb=city_year_effects(data).astype("category"),
                          drop_absorbed=True).fit(cov_type="robust")
    return res.params, res.std_errors, int(res.nobs), float(res.rsquared)


def random_pairs(seed: int, cities: int, years: int, share: float) -> pd.DataFrame:
    """Pairs (citing, cited) of ``cities`` over ``years``, each kept with probability ``share``,
    counts with planted effects and heteroskedastic noise, zeros included."""
    rng = np.random.default_rng(seed)
    i, j = np.repeat(np.arange(cities), cities), np.tile(np.arange(cities), cities)
    parts = []
    for year in range(2010, 2010 + years):
        keep = rng.random(len(i)) < share
        a, b = i[keep], j[keep]
        lat, lon = rng.uniform(-40, 60, cities), rng.uniform(-120, 140, cities)
        country = rng.integers(0, 6, cities)
        ln_distance = np.where(a == b, 0.0, np.log1p(np.hypot(lat[a] - lat[b], lon[a] - lon[b]) * 100))
        f = pd.DataFrame({
            "year": year, "citing_city_geonames_id": 1000 + a, "cited_city_geonames_id": 1000 + b,
            "ln_distance": ln_distance, "same_city": (a == b).astype(float),
            "same_country": (country[a] == country[b]).astype(float),
            "same_subregion": (country[a] // 2 == country[b] // 2).astype(float),
            "shared_language": rng.binomial(1, 0.3, len(a)).astype(float),
            "same_bloc": (country[a] < 3).astype(float) * (country[b] < 3),
        })
        eta = 1.5 + rng.normal(0, 0.7, cities)[a] + rng.normal(0, 0.7, cities)[b] - 0.4 * f["ln_distance"] + 0.8 * f["same_country"]
        f.insert(3, "citations", rng.poisson(np.exp(eta) * rng.gamma(1.5, 1 / 1.5, len(a))))
        parts.append(f)
    return pd.concat(parts, ignore_index=True)


def _assert_same(ours: LinearFit, oracle) -> None:
    params, bse, nobs, r2 = oracle
    assert list(ours.params.index) == list(params.index)
    np.testing.assert_allclose(ours.params.to_numpy(), params.to_numpy(), rtol=RTOL, atol=0)
    np.testing.assert_allclose(ours.bse.to_numpy(), bse.to_numpy(), rtol=RTOL, atol=0)
    assert ours.nobs == nobs
    assert ours.rsquared == pytest.approx(r2, rel=RTOL, abs=0)


@pytest.mark.parametrize("seed,cities,years,share", [(1, 40, 3, 0.6), (2, 90, 4, 0.35), (3, 15, 6, 0.9), (4, 200, 2, 0.1)])
def test_equals_absorbing_ls_on_random_pairs(seed, cities, years, share):
    frame = random_pairs(seed, cities, years, share)
    frame.loc[frame.sample(frac=0.03, random_state=seed).index, "shared_language"] = np.nan  # rows missing a term
    terms = list(STRUCTURAL_TERMS)
    _assert_same(fit_loglinear_gravity(frame, terms), linearmodels_fit(frame, terms))


def test_terms_the_effects_absorb_are_dropped_as_absorbing_ls_drops_them():
    frame = random_pairs(5, 30, 3, 0.7)
    rng = np.random.default_rng(5)
    level = rng.normal(size=30)
    frame["citing_size"] = level[frame["citing_city_geonames_id"] - 1000] + frame["year"] * 0.01  # a citing-city-year effect
    frame["distance_plus_size"] = frame["ln_distance"] + 2 * frame["citing_size"]  # ln_distance once the effects are out
    frame["tiny_variation"] = frame["citing_size"] + 1e-9 * rng.normal(size=len(frame))  # less than 1e-5 of its norm left
    terms = ["citing_size", "ln_distance", "same_country", "distance_plus_size", "tiny_variation", "same_city"]
    ours = fit_loglinear_gravity(frame, terms)
    assert list(ours.params.index) == ["ln_distance", "same_country", "same_city"]
    _assert_same(ours, linearmodels_fit(frame, terms))


def test_a_term_that_does_not_vary_is_absorbing_ls_constant():
    """AbsorbingLS takes the first term that does not vary as the model's constant (every mean put
    back, the constant kept and estimated, later flat terms dropped); a zero one fails its
    covariance, so the fit is not estimable, as before (e.g. one country: same_country is 1)."""
    frame = random_pairs(9, 30, 3, 0.7).assign(one_country=1.0, also_flat=2.0, none=0.0)
    terms = ["ln_distance", "one_country", "same_city", "also_flat", "same_country"]
    ours = fit_loglinear_gravity(frame, terms)
    assert list(ours.params.index) == ["ln_distance", "one_country", "same_city", "same_country"]
    _assert_same(ours, linearmodels_fit(frame, terms))
    with pytest.raises(np.linalg.LinAlgError):
        linearmodels_fit(frame, ["ln_distance", "none", "same_city"])
    with pytest.raises(NotEstimableError, match="Singular matrix"):
        fit_loglinear_gravity(frame, ["ln_distance", "none", "same_city"])


def test_the_alternating_projections_path_equals_absorbing_ls(monkeypatch):
    monkeypatch.setattr(absorb, "DIRECT_MAX_SOLVED_LEVELS", 0)  # the exact projection declines: sweeps instead
    frame = random_pairs(6, 25, 3, 0.5)
    fe = absorb.FixedEffects.from_frame(city_year_effects(frame))
    assert fe.two_way is None
    terms = list(STRUCTURAL_TERMS)
    _assert_same(fit_loglinear_gravity(frame, terms), linearmodels_fit(frame, terms))


def test_every_term_absorbed_is_not_estimable():
    frame = random_pairs(7, 10, 2, 1.0)
    frame["citing_size"] = frame["citing_city_geonames_id"] * 0.5 + frame["year"]
    with pytest.raises(NotEstimableError, match="every term is absorbed"):
        fit_loglinear_gravity(frame, ["citing_size"])
    with pytest.raises(NotEstimableError, match="observations with every term"):
        fit_loglinear_gravity(frame.assign(same_city=np.nan), ["same_city"])


def test_absorbed_columns_equals_gram_schmidt_on_the_rows():
    """The rule on the k x k Gram matrix keeps the columns Gram-Schmidt on the n rows keeps."""
    from linearmodels.panel.utility import not_absorbed

    rng = np.random.default_rng(8)
    x = rng.normal(size=(500, 6))
    x[:, 2] = x[:, 0] - 2 * x[:, 1]  # collinear with the columns before it
    x[:, 4] = 1e-7 * rng.normal(size=500)  # small against its former norm below
    x[:, 5] = x[:, 3] + 1e-3 * rng.normal(size=500)  # kept: 1e-3 of it is new
    before = x * 10.0
    before[:, 4] = rng.normal(size=500)
    expected = not_absorbed(x, False, None, before)
    assert absorbed_columns(x.T @ x, np.linalg.norm(before, axis=0)) == expected == [0, 1, 3, 5]
