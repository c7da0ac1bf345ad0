"""The count-model engine (``aigeo_assets.models``) against independent oracles.

Oracles: statsmodels with the fixed effects as explicit dummy columns (GLM Poisson, GLM negative
binomial at a given alpha, the discrete NB2 model by Newton), and closed forms (group means, the
Poisson first-order conditions, the one-restriction Wald statistic). All data are generated with
fixed seeds and are small enough for dummy columns.
"""

from __future__ import annotations

import warnings

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from aigeo_assets.models import CountResult, negative_binomial, poisson

TIGHT = {"tol": 1e-13, "demean_tol": 1e-13}
RTOL = 1e-6


def _close(ours, theirs, rtol=RTOL):
    np.testing.assert_allclose(np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float), rtol=rtol, atol=0)


def _dummy_design(X: pd.DataFrame, fe: pd.DataFrame) -> pd.DataFrame:
    """Regressors plus explicit dummies: every level of the first effect (it carries the constant),
    every level but the first of each further effect (data here are one connected component)."""
    parts = [X.reset_index(drop=True)]
    for j, name in enumerate(fe.columns):
        d = pd.get_dummies(fe[name].reset_index(drop=True), prefix=name, prefix_sep="=", dtype=float)
        parts.append(d if j == 0 else d.iloc[:, 1:])
    return pd.concat(parts, axis=1)


def _glm(y, design, family=None, **fit_kwargs):
    family = family or sm.families.Poisson()
    return sm.GLM(np.asarray(y, dtype=float), design, family=family).fit(tol=1e-13, maxiter=200, **fit_kwargs)


# --------------------------------------------------------------------------------------------
# data


@pytest.fixture(scope="module")
def ppml_data():
    """3,000 rows, effect A with 30 levels, effect B with 12, 40 clusters, two regressors."""
    rng = np.random.default_rng(20240501)
    n = 3000
    a = rng.integers(0, 30, n)
    b = rng.integers(0, 12, n)
    x1 = rng.normal(size=n)
    x2 = rng.uniform(-1, 1, n)
    eff_a = rng.normal(0, 0.5, 30)
    eff_b = rng.normal(0, 0.5, 12)
    # overdispersed counts (gamma-Poisson mixture) so that robust and model-based errors differ
    mu = np.exp(0.4 + 0.5 * x1 - 0.3 * x2 + eff_a[a] + eff_b[b]) * rng.gamma(2.0, 0.5, n)
    y = rng.poisson(mu)
    X = pd.DataFrame({"x1": x1, "x2": x2})
    fe = pd.DataFrame({"A": [f"a{v:02d}" for v in a], "B": [f"b{v:02d}" for v in b]})
    clusters = rng.integers(0, 40, n)
    # no all-zero group, so both the engine and the dummy model use every row
    assert (pd.Series(y).groupby(fe["A"]).sum() > 0).all() and (pd.Series(y).groupby(fe["B"]).sum() > 0).all()
    return y, X, fe, clusters


@pytest.fixture(scope="module")
def nb_data():
    """1,500 rows of NB2 counts (alpha 0.5), effect A with 15 levels, effect B with 8."""
    rng = np.random.default_rng(777)
    n = 1500
    a = rng.integers(0, 15, n)
    b = rng.integers(0, 8, n)
    x1 = rng.normal(size=n)
    x2 = rng.binomial(1, 0.4, n).astype(float)
    mu = np.exp(0.8 + 0.4 * x1 + 0.25 * x2 + rng.normal(0, 0.4, 15)[a] + rng.normal(0, 0.4, 8)[b])
    alpha = 0.5
    y = rng.poisson(mu * rng.gamma(1 / alpha, alpha, n))
    X = pd.DataFrame({"x1": x1, "x2": x2})
    fe = pd.DataFrame({"A": a, "B": b})
    assert (pd.Series(y).groupby(a).sum() > 0).all() and (pd.Series(y).groupby(b).sum() > 0).all()
    return y, X, fe


@pytest.fixture(scope="module")
def plain_data():
    """No fixed effects: 800 rows, two regressors."""
    rng = np.random.default_rng(11)
    n = 800
    X = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.binomial(1, 0.5, n).astype(float)})
    y = rng.poisson(np.exp(0.3 + 0.6 * X["x1"] - 0.4 * X["x2"]) * rng.gamma(3.0, 1 / 3.0, n))
    return y, X


# --------------------------------------------------------------------------------------------
# 1. PPML with absorbed effects == statsmodels GLM Poisson with dummy columns


@pytest.mark.parametrize("effects", [["A"], ["A", "B"]], ids=["one_effect", "two_effects"])
def test_ppml_absorbed_equals_glm_with_dummies(ppml_data, effects):
    y, X, fe_all, clusters = ppml_data
    fe = fe_all[effects]
    design = _dummy_design(X, fe)
    n, k = design.shape
    assert np.linalg.matrix_rank(design.to_numpy()) == k  # the oracle is full rank

    glm_nonrobust = _glm(y, design)
    glm_hc0 = _glm(y, design, cov_type="HC0")
    glm_cluster = _glm(y, design, cov_type="cluster", cov_kwds={"groups": clusters})

    ours = {
        cov: poisson(y, X, absorb=fe, cov_type=cov, clusters=clusters if cov == "cluster" else None, **TIGHT)
        for cov in ("nonrobust", "HC0", "HC1", "cluster")
    }
    for res in ours.values():
        assert res.converged
        assert res.nobs == n
        assert list(res.params.index) == ["x1", "x2"]
        assert res.absorbed == {e: fe[e].nunique() for e in effects}
        assert res.dropped == {"missing": 0, "all_zero_groups": 0, "separated": 0}
        _close(res.params, glm_nonrobust.params[["x1", "x2"]])
        _close(res.llf, glm_nonrobust.llf)
        # degrees of freedom: regressors plus fixed-effect parameters == dummy-model columns
        assert res.df_resid == n - k

    _close(ours["nonrobust"].bse, glm_nonrobust.bse[["x1", "x2"]])
    _close(ours["nonrobust"].cov_params(), glm_nonrobust.cov_params().loc[["x1", "x2"], ["x1", "x2"]])
    _close(ours["HC0"].bse, glm_hc0.bse[["x1", "x2"]])
    _close(ours["HC0"].cov_params(), glm_hc0.cov_params().loc[["x1", "x2"], ["x1", "x2"]])
    # statsmodels' GLM "HC1" does not scale by n / (n - k); ours does, k = all dummy-model columns
    _close(ours["HC1"].bse, glm_hc0.bse[["x1", "x2"]] * np.sqrt(n / (n - k)))
    # cluster: statsmodels' default correction G/(G-1) * (n-1)/(n-k), k again all columns
    _close(ours["cluster"].bse, glm_cluster.bse[["x1", "x2"]])
    assert ours["cluster"].n_clusters == 40
    # the three covariance types really differ on these overdispersed data
    assert ours["HC0"].bse["x1"] > 1.2 * ours["nonrobust"].bse["x1"]


def test_ppml_two_effects_recovered_effects_satisfy_first_order_conditions(ppml_data):
    """With two effects the levels are identified only up to a normalization, but the fitted
    means exp(a_A + a_B + x b) must match the data's totals in every group (the Poisson score for
    each dummy) and equal statsmodels' fitted values."""
    y, X, fe, _ = ppml_data
    res = poisson(y, X, absorb=fe, cov_type="nonrobust", **TIGHT)
    mu = np.exp(
        res.fixed_effects["A"].loc[fe["A"]].to_numpy()
        + res.fixed_effects["B"].loc[fe["B"]].to_numpy()
        + X.to_numpy() @ res.params.to_numpy()
    )
    ys = pd.Series(y, dtype=float)
    for name in ("A", "B"):
        _close(pd.Series(mu).groupby(fe[name]).sum(), ys.groupby(fe[name]).sum(), rtol=1e-8)
    _close(mu, _glm(y, _dummy_design(X, fe)).fittedvalues, rtol=1e-7)
    # normalization documented by recover_effects: B's effects average zero over the observations
    assert abs(res.fixed_effects["B"].loc[fe["B"]].mean()) < 1e-10


# --------------------------------------------------------------------------------------------
# 2. NB2 with absorbed effects == statsmodels NegativeBinomial (nb2) with dummy columns


@pytest.mark.parametrize("effects", [["A"], ["A", "B"]], ids=["one_effect", "two_effects"])
def test_nb2_absorbed_equals_statsmodels_with_dummies(nb_data, effects):
    y, X, fe_all = nb_data
    fe = fe_all[effects]
    design = _dummy_design(X, fe)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels' start-value Poisson fit may warn
        ml = sm.NegativeBinomial(y, design, loglike_method="nb2").fit(method="newton", tol=1e-12, maxiter=200, disp=0)
    assert ml.mle_retvals["converged"]
    ml_alpha = float(ml.params.iloc[-1])

    ours = negative_binomial(y, X, absorb=fe, cov_type="nonrobust", **TIGHT)
    assert ours.converged
    assert ours.family == "negbin"
    assert ours.nobs == len(y)
    _close(ours.params, ml.params[["x1", "x2"]])
    _close(ours.alpha, ml_alpha)
    _close(ours.llf, ml.llf, rtol=1e-9)
    assert 0.3 < ours.alpha < 0.8  # the planted 0.5

    # Standard errors: ours are the inverse expected information for b at the ML alpha, i.e.
    # GLM NB with alpha fixed. The discrete model's Hessian also includes alpha (and is the
    # observed, not expected, information for the non-canonical log link), so its bse differ
    # slightly; they are not the oracle here.
    glm = _glm(y, design, family=sm.families.NegativeBinomial(link=sm.families.links.Log(), alpha=ours.alpha))
    _close(ours.bse, glm.bse[["x1", "x2"]])
    _close(ours.params, glm.params[["x1", "x2"]])
    # HC0: ours is the sandwich with the expected-information bread, inv(X'WX) (GLM's IRLS
    # normalized_cov_params) around the scores (y - mu) / (1 + alpha mu) x. statsmodels' GLM
    # cov_type="HC0" uses the observed Hessian as bread instead (model.hessian(observed=True)),
    # which for the non-canonical NB log link differs (3% here), so the oracle is built by hand.
    ours_hc0 = negative_binomial(y, X, absorb=fe, cov_type="HC0", **TIGHT)
    scores = glm.model.score_obs(glm.params.to_numpy())
    bread = glm.normalized_cov_params.to_numpy()
    sandwich = bread @ scores.T @ scores @ bread
    cols = [design.columns.get_loc(c) for c in ("x1", "x2")]
    _close(ours_hc0.bse, np.sqrt(np.diag(sandwich)[cols]))


def test_nb2_fixed_alpha_equals_glm(nb_data):
    """With alpha given, NB2 is a GLM: params and bse equal statsmodels' GLM NB at that alpha."""
    y, X, fe_all = nb_data
    fe = fe_all[["A"]]
    ours = negative_binomial(y, X, absorb=fe, alpha=1.3, cov_type="nonrobust", **TIGHT)
    glm = _glm(y, _dummy_design(X, fe), family=sm.families.NegativeBinomial(link=sm.families.links.Log(), alpha=1.3))
    assert ours.alpha == 1.3
    _close(ours.params, glm.params[["x1", "x2"]])
    _close(ours.bse, glm.bse[["x1", "x2"]])
    _close(ours.llf, glm.llf, rtol=1e-9)


# --------------------------------------------------------------------------------------------
# 3. No absorbed effect == GLM with a constant


@pytest.mark.parametrize("cov", ["nonrobust", "HC0"])
def test_poisson_without_effects_equals_glm_with_constant(plain_data, cov):
    y, X = plain_data
    glm = _glm(y, sm.add_constant(X), cov_type=cov)
    ours = poisson(y, X, cov_type=cov, **TIGHT)
    assert list(ours.params.index) == ["const", "x1", "x2"]
    assert ours.absorbed == {}
    assert ours.fixed_effects == {}
    _close(ours.params, glm.params[["const", "x1", "x2"]])
    _close(ours.bse, glm.bse[["const", "x1", "x2"]])
    _close(ours.pvalues, glm.pvalues[["const", "x1", "x2"]], rtol=1e-5)
    _close(ours.llf, glm.llf, rtol=1e-10)
    assert ours.df_resid == len(y) - 3
    assert "const" in ours.summary()


def test_poisson_without_constant(plain_data):
    y, X = plain_data
    ours = poisson(y, X, add_constant=False, cov_type="nonrobust", **TIGHT)
    glm = _glm(y, X)
    assert list(ours.params.index) == ["x1", "x2"]
    _close(ours.params, glm.params)
    _close(ours.bse, glm.bse)


# --------------------------------------------------------------------------------------------
# 4. Closed forms


def test_binary_regressor_closed_form():
    """Poisson on a constant and a dummy d: const = log mean(y | d=0), d = log of the ratio of means."""
    rng = np.random.default_rng(5)
    d = rng.binomial(1, 0.35, 500).astype(float)
    y = rng.poisson(np.where(d == 1, 4.2, 1.7))
    ours = poisson(y, pd.DataFrame({"d": d}), cov_type="nonrobust", **TIGHT)
    m0, m1 = y[d == 0].mean(), y[d == 1].mean()
    _close(ours.params["const"], np.log(m0), rtol=1e-10)
    _close(ours.params["d"], np.log(m1 / m0), rtol=1e-10)
    # nonrobust variance of a log mean is 1 / (group total): var(d) = 1/sum y1 + 1/sum y0
    _close(ours.bse["d"], np.sqrt(1 / y[d == 1].sum() + 1 / y[d == 0].sum()), rtol=1e-8)
    _close(ours.bse["const"], np.sqrt(1 / y[d == 0].sum()), rtol=1e-8)


def test_one_effect_no_regressor_gives_log_group_means():
    rng = np.random.default_rng(6)
    g = rng.integers(0, 7, 400)
    y = rng.poisson(np.exp(rng.normal(0, 0.7, 7))[g] * 3)
    ours = poisson(y, None, absorb=pd.DataFrame({"g": g}), cov_type="nonrobust", **TIGHT)
    assert len(ours.params) == 0
    assert ours.nobs == 400
    expected = np.log(pd.Series(y, dtype=float).groupby(g).mean())
    _close(ours.fixed_effects["g"].sort_index(), expected.sort_index(), rtol=1e-10)


def test_one_effect_recovered_effects_closed_form(ppml_data):
    """With one effect the effect of group g is log(sum_g y / sum_g exp(x b))."""
    y, X, fe, _ = ppml_data
    ours = poisson(y, X, absorb=fe[["A"]], cov_type="nonrobust", **TIGHT)
    xb = pd.Series(np.exp(X.to_numpy() @ ours.params.to_numpy()))
    expected = np.log(pd.Series(y, dtype=float).groupby(fe["A"]).sum() / xb.groupby(fe["A"]).sum())
    got = ours.fixed_effects["A"]
    assert set(got.index) == set(expected.index)
    _close(got.loc[expected.index], expected, rtol=1e-9)


def test_wald_single_restriction_closed_form(plain_data):
    y, X = plain_data
    ours = poisson(y, X, cov_type="HC1", **TIGHT)
    b, se = ours.params["x1"], ours.bse["x1"]
    for c in (0.0, 0.5, 0.6):
        w = ours.wald_test(f"x1 = {c}")
        assert w.df == 1
        _close(w.statistic, ((b - c) / se) ** 2, rtol=1e-10)
        _close(w.pvalue, stats.chi2.sf(((b - c) / se) ** 2, 1), rtol=1e-8)
        if c == 0.0:  # the test of zero is the coefficient's own z test
            _close(w.pvalue, ours.pvalues["x1"], rtol=1e-8)
    # two restrictions: the quadratic form with the 2x2 covariance
    w2 = ours.wald_test(["x1 = 0.5", "x2 = -0.4"])
    diff = ours.params[["x1", "x2"]].to_numpy() - np.array([0.5, -0.4])
    v = ours.cov_params().loc[["x1", "x2"], ["x1", "x2"]].to_numpy()
    _close(w2.statistic, diff @ np.linalg.solve(v, diff), rtol=1e-10)
    assert w2.df == 2
    _close(w2.pvalue, stats.chi2.sf(w2.statistic, 2), rtol=1e-10)
    # a linear combination
    w3 = ours.wald_test("x1 + x2 = 0")
    r = np.array([0.0, 1.0, 1.0])
    stat = (r @ ours.params.to_numpy()) ** 2 / (r @ ours.cov_params().to_numpy() @ r)
    _close(w3.statistic, stat, rtol=1e-10)
    with pytest.raises(ValueError, match="no coefficient"):
        ours.wald_test("x9 = 0")


# --------------------------------------------------------------------------------------------
# 5. All-zero groups


def _counts_with_positive_groups(rng, mu, groups):
    """Poisson draws, resampled until every listed grouping has a positive total in each group."""
    while True:
        y = rng.poisson(mu)
        if all((pd.Series(y).groupby(g).sum() > 0).all() for g in groups):
            return y


def test_all_zero_groups_one_effect_dropped_and_counted():
    rng = np.random.default_rng(42)
    n = 1200
    a = rng.integers(0, 20, n)
    x = rng.normal(size=n)
    y = _counts_with_positive_groups(rng, np.exp(0.5 + 0.4 * x), [a])
    dead = np.isin(a, [3, 11, 17])
    y[dead] = 0
    planted_rows = int(dead.sum())
    assert planted_rows > 100
    X = pd.DataFrame({"x": x})
    fe = pd.DataFrame({"A": a})

    ours = poisson(y, X, absorb=fe, cov_type="HC1", **TIGHT)
    assert ours.dropped == {"missing": 0, "all_zero_groups": planted_rows, "separated": 0}
    assert ours.nobs == n - planted_rows
    assert ours.absorbed == {"A": 17}
    assert set(ours.fixed_effects["A"].index) == set(range(20)) - {3, 11, 17}

    by_hand = poisson(y[~dead], X[~dead], absorb=fe[~dead], cov_type="HC1", **TIGHT)
    _close(ours.params, by_hand.params, rtol=1e-10)
    _close(ours.bse, by_hand.bse, rtol=1e-10)  # HC1's k counts only the 17 surviving levels
    # and against the dummy oracle on the kept rows
    glm = _glm(y[~dead], _dummy_design(X[~dead], fe[~dead]), cov_type="HC0")
    _close(ours.params, glm.params[["x"]])
    k = 1 + 17
    _close(ours.bse, glm.bse[["x"]] * np.sqrt((n - planted_rows) / (n - planted_rows - k)))


def test_all_zero_groups_two_effects_overlapping_counted_once():
    """Group A=Z (7 rows) and group B=Q (9 rows) are both all zero and share 4 rows: 12 rows go.

    A true cascade (dropping an all-zero group of A leaves a group of B all zero) cannot happen:
    the rows dropped have y == 0, so no group loses a positive outcome. What can go wrong is the
    count: rows in two dead groups must be counted once, and the degrees of freedom must drop
    the dead levels of both effects."""
    rng = np.random.default_rng(99)
    n = 1500
    a = rng.integers(0, 12, n).astype(str).astype(object)
    b = rng.integers(0, 6, n).astype(str).astype(object)
    x = rng.normal(size=n)
    y = _counts_with_positive_groups(rng, np.exp(0.3 + 0.5 * x), [a, b])
    # Z: 4 rows with B=Q and 3 rows in existing B groups; Q: those 4 rows and 5 in existing A groups
    a = np.r_[a, ["Z"] * 7, ["0", "1", "2", "3", "4"]]
    b = np.r_[b, ["Q"] * 4, ["0", "1", "2"], ["Q"] * 5]
    x = np.r_[x, rng.normal(size=12)]
    y = np.r_[y, np.zeros(12, dtype=y.dtype)]
    X = pd.DataFrame({"x": x})
    fe = pd.DataFrame({"A": a, "B": b})
    dead = (a == "Z") | (b == "Q")
    assert dead.sum() == 12

    ours = poisson(y, X, absorb=fe, cov_type="HC1", **TIGHT)
    assert ours.dropped["all_zero_groups"] == 12
    assert ours.dropped["separated"] == 0
    assert ours.nobs == n
    assert ours.absorbed == {"A": 12, "B": 6}

    by_hand = poisson(y[~dead], X[~dead], absorb=fe[~dead].reset_index(drop=True), cov_type="HC1", **TIGHT)
    _close(ours.params, by_hand.params, rtol=1e-9)
    _close(ours.bse, by_hand.bse, rtol=1e-9)
    glm = _glm(y[~dead], _dummy_design(X[~dead], fe[~dead]), cov_type="HC0")
    _close(ours.params, glm.params[["x"]])
    k = 1 + 12 + 6 - 1
    _close(ours.bse, glm.bse[["x"]] * np.sqrt(n / (n - k)))


# --------------------------------------------------------------------------------------------
# 6. Separation


def _classic_separation_data():
    """y ~ Poisson(exp(0.5 + 0.3 x1)); s > 0 on 10 rows, all with y == 0, and 0 elsewhere."""
    rng = np.random.default_rng(1)
    n = 300
    x1 = rng.normal(size=n)
    y = rng.poisson(np.exp(0.5 + 0.3 * x1))
    s = np.zeros(n)
    rows = np.nonzero(y == 0)[0][:10]
    s[rows] = rng.uniform(0.5, 2.0, 10)
    return y, pd.DataFrame({"x1": x1, "s": s}), rows


@pytest.mark.parametrize("tight", [True, False], ids=["tight_tolerance", "default_tolerance"])
def test_classic_separation_drops_the_rows_then_the_regressor(tight):
    """The 10 separated rows go; with them gone s is zero on every kept row, so s is dropped too
    and named (as ppmlhdfe does), and the rest equals statsmodels on the kept rows without s."""
    y, X, rows = _classic_separation_data()
    res = poisson(y, X, cov_type="nonrobust", **(TIGHT if tight else {}))
    assert res.dropped["separated"] == 10
    assert res.dropped_regressors == ["s"] == res.omitted
    assert list(res.params.index) == ["const", "x1"]
    assert "Dropped after the separated observations (collinear on the rest): s" in res.summary()
    keep = X["s"].to_numpy() == 0
    glm = _glm(y[keep], sm.add_constant(X.loc[keep, ["x1"]]))
    _close(res.params, glm.params, rtol=RTOL if tight else 1e-5)
    _close(res.bse, glm.bse, rtol=RTOL if tight else 1e-5)


def test_fixed_effect_separation_detected():
    """A=S has 20 rows in B=T (positive y) and 6 rows in ordinary B groups (y == 0): the 6 rows are
    separated (a_S -> -inf, b_T -> +inf) although no group is all zero. Expected (ppmlhdfe): 6
    separated, and the rest equal to GLM with dummies (A=S and B=T then form their own component)."""
    rng = np.random.default_rng(3)
    n = 600
    a = rng.integers(0, 10, n).astype(str)
    b = rng.integers(0, 8, n).astype(str)
    x = rng.normal(size=n)
    y = rng.poisson(np.exp(1 + 0.3 * x))
    a = np.r_[a, ["S"] * 26]
    b = np.r_[b, ["T"] * 20, [str(i) for i in range(6)]]
    x = np.r_[x, rng.normal(size=26)]
    y = np.r_[y, rng.poisson(3, 20) + 1, np.zeros(6, dtype=y.dtype)]
    X = pd.DataFrame({"x": x})
    fe = pd.DataFrame({"A": a, "B": b})
    res = poisson(y, X, absorb=fe, cov_type="nonrobust", tol=1e-13)
    assert res.dropped["separated"] == 6
    keep = np.r_[np.ones(n + 20, bool), np.zeros(6, bool)]
    design = _dummy_design(X, fe).drop(columns=["B=T"])[keep]
    glm = _glm(y[keep], design)
    _close(res.params, glm.params[["x"]])
    _close(res.bse, glm.bse[["x"]])


# --------------------------------------------------------------------------------------------
# 7. Bad input


def test_missing_regressor_raises_or_is_dropped_and_counted(plain_data):
    y, X = plain_data
    Xm = X.copy()
    holes = [3, 50, 51, 400]
    Xm.loc[holes, "x2"] = np.nan
    with pytest.raises(ValueError, match=r"4 of 800 rows have missing.*'x2'.*missing='drop'"):
        poisson(y, Xm)
    res = poisson(y, Xm, missing="drop", cov_type="nonrobust", **TIGHT)
    assert res.dropped == {"missing": 4, "all_zero_groups": 0, "separated": 0}
    assert res.nobs == 796
    keep = ~Xm["x2"].isna().to_numpy()
    glm = _glm(np.asarray(y)[keep], sm.add_constant(X[keep]))
    _close(res.params, glm.params)
    _close(res.bse, glm.bse)


def test_missing_outcome_and_effect_counted_together():
    rng = np.random.default_rng(8)
    n = 500
    g = rng.integers(0, 5, n).astype(float)
    x = rng.normal(size=n)
    y = rng.poisson(np.exp(0.5 + 0.2 * x)).astype(float)
    y[[0, 1]] = np.nan
    g[[1, 2, 3]] = np.nan  # row 1 is missing twice: counted once
    fe = pd.DataFrame({"g": g})
    with pytest.raises(ValueError, match="missing"):
        poisson(y, pd.DataFrame({"x": x}), absorb=fe)
    res = poisson(y, pd.DataFrame({"x": x}), absorb=fe, missing="drop", **TIGHT)
    assert res.dropped["missing"] == 4
    assert res.nobs == n - 4


def test_negative_outcome_raises(plain_data):
    y, X = plain_data
    yn = np.asarray(y).copy()
    yn[[5, 6]] = -1
    with pytest.raises(ValueError, match="2 negative outcomes"):
        poisson(yn, X)
    with pytest.raises(ValueError, match="negative"):
        negative_binomial(yn, X)


def test_collinear_regressors_raise_naming_them(plain_data):
    y, X = plain_data
    Xc = X.assign(x3=X["x1"] + 2 * X["x2"])
    with pytest.raises(ValueError, match="collinear") as err:
        poisson(y, Xc)
    assert any(f"'{c}'" in str(err.value) for c in ("x1", "x2", "x3"))
    with pytest.raises(ValueError, match=r"collinear.*'(c|const)'"):
        poisson(y, X.assign(c=2.0))  # a constant column next to the added constant


def test_constant_column_next_to_constant_raises_collinearity_error(plain_data):
    y, X = plain_data
    with pytest.raises(ValueError, match=r"collinear.*'(c|const)'"):
        poisson(y, X.assign(c=3.0))


def test_regressor_collinear_with_absorbed_effect_raises():
    """z is a function of the absorbed group g: nothing of it is left after demeaning (seed 4 once
    slipped through a rank test as rounding noise and gave z = -0.438 with bse 3.2e14)."""
    rng = np.random.default_rng(4)
    n = 200
    x1 = rng.normal(size=n)
    g = rng.integers(0, 5, n)
    z = np.arange(5)[g] * 1.0
    y = rng.poisson(np.exp(0.5 + 0.3 * x1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match=r"collinear.*'z'"):
            poisson(y, pd.DataFrame({"x1": x1, "z": z}), absorb=pd.DataFrame({"g": g}))


def test_cluster_without_clusters_raises(plain_data):
    y, X = plain_data
    with pytest.raises(ValueError, match="needs clusters"):
        poisson(y, X, cov_type="cluster")
    with pytest.raises(ValueError, match="cov_type"):
        poisson(y, X, cov_type="HC3")
    with pytest.raises(ValueError, match="at least two clusters"):
        poisson(y, X, cov_type="cluster", clusters=np.zeros(len(y)))


# --------------------------------------------------------------------------------------------
# 8. IRR and confidence intervals


def test_irr_and_conf_int(ppml_data):
    y, X, fe, clusters = ppml_data
    res = poisson(y, X, absorb=fe, cov_type="cluster", clusters=clusters, **TIGHT)
    assert isinstance(res, CountResult)
    ci = res.conf_int()
    _close(ci["lower"], res.params - 1.959964 * res.bse, rtol=1e-7)
    _close(ci["upper"], res.params + 1.959964 * res.bse, rtol=1e-7)
    irr = res.irr()
    _close(irr["irr"], np.exp(res.params), rtol=1e-14)
    _close(irr["lower"], np.exp(ci["lower"]), rtol=1e-14)
    _close(irr["upper"], np.exp(ci["upper"]), rtol=1e-14)
    ci90 = res.conf_int(alpha=0.10)
    _close(ci90["upper"], res.params + 1.644854 * res.bse, rtol=1e-7)


def test_conf_int_equals_statsmodels(plain_data):
    y, X = plain_data
    res = poisson(y, X, cov_type="HC0", **TIGHT)
    glm = _glm(y, sm.add_constant(X), cov_type="HC0")
    _close(res.conf_int().to_numpy(), glm.conf_int().to_numpy())


# --------------------------------------------------------------------------------------------
# 9. Pseudo R-squared


def test_pseudo_rsquared_equals_statsmodels(plain_data):
    y, X = plain_data
    res = poisson(y, X, **TIGHT)
    glm = _glm(y, sm.add_constant(X))
    _close(res.pseudo_rsquared("mcf"), glm.pseudo_rsquared(kind="mcf"), rtol=1e-8)
    _close(res.pseudo_rsquared("corr"), np.corrcoef(np.asarray(y, dtype=float), glm.fittedvalues)[0, 1] ** 2, rtol=1e-8)
    assert 0 < res.pseudo_rsquared("corr") < 1
    with pytest.raises(ValueError, match="pseudo R-squared kind"):
        res.pseudo_rsquared("cs")


def test_collinear_regressors_dropped_on_request_equal_the_fit_without_them(plain_data):
    """collinear="drop" leaves out the later of two collinear columns, lists it, and gives exactly
    the fit without it."""
    y, X = plain_data
    Xc = X.assign(x3=X["x1"] + 2 * X["x2"], c=3.0)
    res = poisson(y, Xc, collinear="drop", cov_type="nonrobust", **TIGHT)
    assert res.omitted == ["x3", "c"]
    ref = poisson(y, X, cov_type="nonrobust", **TIGHT)
    _close(res.params, ref.params)
    _close(res.bse, ref.bse)
    assert "Omitted as collinear: x3, c" in res.summary()


# --------------------------------------------------------------------------------------------
# 11. two absorbed effects: the exact solve beside the former alternating projections


def _two_way_data(sets: int = 4, seed: int = 5):
    """Effects A (40 levels per set) and B (15 per set) in ``sets`` connected sets (B's levels are
    per set, as the structural gravity model's city-year effects are per year), 4,000 rows."""
    rng = np.random.default_rng(seed)
    n = 4000
    s = rng.integers(0, sets, n)
    a = s * 40 + rng.integers(0, 40, n)
    b = s * 15 + rng.integers(0, 15, n)
    return rng, n, pd.DataFrame({"A": a, "B": b})


def test_two_way_demeaning_of_no_column_returns_no_column():
    """A design with every regressor dropped (a thin year of real records) has nothing to demean."""
    from aigeo_assets.models.absorb import FixedEffects, demean

    rng, n, frame = _two_way_data()
    fe = FixedEffects.from_frame(frame)
    out, _ = demean(np.empty((n, 0)), np.ones(n), fe)
    assert out.shape == (n, 0)


@pytest.mark.parametrize("spread", [0.5, 4.0], ids=["even_weights", "weights_over_orders_of_magnitude"])
def test_two_way_exact_solve_satisfies_the_normal_equations_and_equals_sweeps(spread):
    from aigeo_assets.models.absorb import FixedEffects, demean

    rng, n, frame = _two_way_data()
    fe = FixedEffects.from_frame(frame)
    assert fe.two_way is not None and len(fe.two_way.blocks) == 4
    w = np.exp(rng.normal(0, spread, n))
    values = rng.normal(size=(n, 3)) + rng.normal(0, 5, 160)[fe.codes[0]][:, None]
    direct, sweeps_direct = demean(values, w, fe, tol=1e-13)
    swept, sweeps_swept = demean(values, w, fe, tol=1e-13, direct=False)
    assert sweeps_direct < sweeps_swept
    # the oracle: the weighted residual is orthogonal to every dummy of both effects
    for codes, levels in zip(fe.codes, fe.n_levels()):
        sums = np.column_stack([np.bincount(codes, weights=w * direct[:, j], minlength=levels) for j in range(3)])
        assert np.abs(sums / np.bincount(codes, weights=w, minlength=levels)[:, None]).max() < 1e-11
    np.testing.assert_allclose(direct, swept, rtol=0, atol=1e-9)


def test_two_way_ppml_direct_equals_sweeps(ppml_data):
    y, X, fe, clusters = ppml_data
    direct = poisson(y, X, absorb=fe, cov_type="cluster", clusters=clusters, **TIGHT)
    swept = poisson(y, X, absorb=fe, cov_type="cluster", clusters=clusters, demean_direct=False, **TIGHT)
    _close(direct.params, swept.params, rtol=1e-9)
    _close(direct.bse, swept.bse, rtol=1e-9)
    _close(direct.llf, swept.llf, rtol=1e-12)


def test_two_way_solve_declines_where_blocks_would_be_too_large():
    """A set whose smaller side exceeds DIRECT_MAX_SOLVED_LEVELS, or cells far more than the
    observations: no exact solve, the sweeps alone, the same result as before."""
    from aigeo_assets.models import absorb

    rng = np.random.default_rng(8)
    n = 3000
    sparse = absorb.FixedEffects.from_frame(pd.DataFrame({"A": rng.integers(0, 1500, n), "B": rng.integers(0, 1500, n)}))
    assert sparse.two_way is None  # 1500 x 1500 cells for 3,000 observations
    three = absorb.FixedEffects.from_frame(pd.DataFrame({"A": rng.integers(0, 5, n), "B": rng.integers(0, 5, n), "C": rng.integers(0, 5, n)}))
    assert three.two_way is None
    w = rng.uniform(0.5, 2, n)
    v = rng.normal(size=(n, 1))
    np.testing.assert_array_equal(absorb.demean(v, w, sparse)[0], absorb.demean(v, w, sparse, direct=False)[0])


def test_a_fit_runs_on_one_blas_thread_and_gives_the_pool_back(monkeypatch):
    """Every fit runs with BLAS limited to one thread (OpenBLAS's idle threads spin beside small
    dense steps) and the process's limit is back afterwards; the estimates are those of the
    unlimited fit (the same routines, rounding at most)."""
    from threadpoolctl import threadpool_info, threadpool_limits

    from aigeo_assets.models import count

    def blas_threads() -> set[int]:
        return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}

    seen = []
    irls = count._irls

    def spy(*args, **kwargs):
        seen.append(blas_threads())
        return irls(*args, **kwargs)

    rng = np.random.default_rng(11)
    X = pd.DataFrame({"x1": rng.normal(size=3000), "x2": rng.normal(size=3000)})
    y = rng.poisson(np.exp(0.3 + 0.5 * X["x1"] - 0.2 * X["x2"]))
    with threadpool_limits(2, user_api="blas"):
        before = blas_threads()
        unlimited = count.fit_count_model.__wrapped__(y, X, cov_type="HC0")
        monkeypatch.setattr(count, "_irls", spy)
        fit = poisson(y, X, cov_type="HC0")
        after = blas_threads()
    assert before == after == {2} and seen == [{1}]
    _close(fit.params, unlimited.params, rtol=1e-12)
    _close(fit.bse, unlimited.bse, rtol=1e-12)


def _resident_bytes() -> int:
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def test_a_fit_keeps_its_heap_and_gives_it_back(monkeypatch):
    """Inside a fit (``cores.reused_heap``) a large array's pages stay with the process once freed,
    for the next iteration's arrays; at the end of the fit, and outside one, they go back."""
    from aigeo_assets import cores
    from aigeo_assets.models import count

    if cores._glibc() is None or not Path("/proc/self/status").exists():
        pytest.skip("glibc's malloc on Linux only")
    big = 40_000_000  # 320 MB of float64, far above glibc's 32 MB mapping threshold
    with cores.reused_heap():
        with cores.reused_heap():  # nested: one context
            a = np.ones(big)
        held = _resident_bytes()
        del a
        kept = _resident_bytes()
    given_back = _resident_bytes()
    a = np.ones(big)
    del a
    outside = _resident_bytes()
    assert kept > held - 50e6  # freed inside: kept
    assert given_back < kept - 250e6 and outside < kept - 250e6  # at the end, and outside: given back
    depth = []
    irls = count._irls
    monkeypatch.setattr(count, "_irls", lambda *a, **k: depth.append(cores._heap_depth) or irls(*a, **k))
    rng = np.random.default_rng(3)
    x = rng.normal(size=500)
    poisson(rng.poisson(np.exp(0.2 * x)), pd.DataFrame({"x": x}))
    assert depth == [1] and cores._heap_depth == 0


def _grid(years: int = 3, cities: int = 9, seed: int = 4):
    """Every ordered city pair of ``years`` years with citing-city-year and cited-city-year codes,
    rows sorted by year, citing city and cited city: the structural gravity model's layout."""
    rng = np.random.default_rng(seed)
    year = np.repeat(np.arange(years), cities * cities)
    citing = np.tile(np.repeat(np.arange(cities), cities), years)
    cited = np.tile(np.arange(cities), cities * years)
    frame = pd.DataFrame({"A": citing * 100 + year, "B": cited * 100 + year})
    return rng, frame


@pytest.mark.parametrize("layout", ["sorted", "shuffled", "one_cell_missing"])
def test_two_way_grid_in_cell_order_equals_the_scattered_sums(layout):
    """Pairs sorted as the structural gravity model's (every cell of a year once, in order) are
    summed and demeaned by the rows and columns of each year's block; rows in another order, or
    a cell missing, go through bincount and take. The demeaned values are the same (to rounding)
    and satisfy the normal equations: the weighted residual sums to zero in every level."""
    from dataclasses import replace

    from aigeo_assets.models.absorb import FixedEffects, demean

    rng, frame = _grid()
    if layout == "shuffled":
        frame = frame.sample(frac=1.0, random_state=1).reset_index(drop=True)
    elif layout == "one_cell_missing":
        frame = frame.drop(index=100).reset_index(drop=True)
    fe = FixedEffects.from_frame(frame)
    grid = fe.two_way
    assert grid is not None and grid.in_cell_order == (layout == "sorted")
    # sets numbered by their first row: the first year's block first
    assert set(fe.levels[0][grid.blocks[0][0]] % 100) == {int(frame["A"].iloc[0] % 100)}
    n = len(frame)
    w = np.exp(rng.normal(0, 2, n))
    values = np.asfortranarray(rng.normal(size=(n, 3)))
    ours, sweeps = demean(values, w, fe, tol=1e-12)
    scattered = FixedEffects(fe.names, fe.codes, fe.levels)
    scattered.__dict__["two_way"] = replace(grid, in_cell_order=False)
    theirs, their_sweeps = demean(values, w, scattered, tol=1e-12)
    assert sweeps == their_sweeps == 0  # the exact solve alone, no sweep to make up for it
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)
    for codes, levels in zip(fe.codes, fe.n_levels()):
        sums = np.column_stack([np.bincount(codes, weights=w * ours[:, j], minlength=levels) for j in range(3)])
        assert np.abs(sums / np.bincount(codes, weights=w, minlength=levels)[:, None]).max() < 1e-11


def test_two_way_grid_separation_and_fit_equal_the_scattered_path():
    """The rectifier's projection and a PPML fit on the sorted grid equal those on the same rows
    shuffled (bincount and take), planted separated rows found by both."""
    from aigeo_assets.models.separation import find_separated

    rng, frame = _grid(years=4, cities=12, seed=9)
    n = len(frame)
    x = rng.normal(size=n)
    y = rng.poisson(np.exp(0.5 + 0.3 * x + 0.2 * (frame["A"] // 100 % 3).to_numpy())).astype(float)
    z = np.zeros(n)
    planted = np.flatnonzero(y == 0)[:5]
    z[planted] = 1.0  # zero wherever y > 0, positive on five zero rows: those five are separated
    order = np.random.default_rng(2).permutation(n)
    from aigeo_assets.models.absorb import FixedEffects

    for rows in (np.arange(n), order):
        fe = FixedEffects.from_frame(frame.iloc[rows].reset_index(drop=True))
        assert fe.two_way.in_cell_order == (rows is not order)
        found = find_separated(y[rows], np.column_stack([x, z])[rows], fe)
        assert found.converged and sorted(rows[found.separated]) == sorted(planted)
    sorted_fit = poisson(pd.Series(y), pd.DataFrame({"x": x}), absorb=frame, cov_type="HC0", **TIGHT)
    shuffled = frame.iloc[order].reset_index(drop=True)
    shuffled_fit = poisson(pd.Series(y[order]), pd.DataFrame({"x": x[order]}), absorb=shuffled, cov_type="HC0", **TIGHT)
    _close(sorted_fit.params, shuffled_fit.params, rtol=1e-9)
    _close(sorted_fit.bse, shuffled_fit.bse, rtol=1e-9)
