"""Separation by combinations of regressors and fixed effects (``models.separation``, issue 15).

Oracle: a linear program (``scipy.optimize.linprog``, HiGHS) over the design with the fixed effects
as explicit dummy columns: find z = A c with z = 0 on the positive outcomes and 0 <= z <= 1 on the
zero outcomes, maximizing the sum of z over the zero rows not yet known to be separated; rows with
z > 0 at the optimum are separated. Repeated until the optimum is zero, so the set found is the
largest separated one (a single LP maximizing the sum can leave a separated row at zero when the
bound 1 binds elsewhere). The models fitted on what is left are compared with statsmodels' GLM on
the oracle's kept rows and the columns a greedy rank test keeps (dummies first, then the
regressors in order: the later of two collinear columns goes, as in the engine).

Designs: random, separated by construction by x4 + x5 (neither alone), by x0 + x4 - 2 x5, by x5
with one absorbed effect, with two, and with three (the rectifier's three paths for the effects:
one exact pass, the exact two-way block solve, a sparse LU); "hard" variants add regressors that vanish on every
positive outcome but take both signs on the zero ones (free directions the rectifier has to shrink
away, many iterations). Negative controls: the same designs without a separating combination, and
one where a single zero row of the wrong sign breaks the planted combination.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.optimize import linprog

from aigeo_assets.models import negative_binomial, poisson
from aigeo_assets.models.absorb import FixedEffects
from aigeo_assets.models.separation import find_separated

TIGHT = {"tol": 1e-13, "demean_tol": 1e-13}
KINDS = ["two_regressors", "three_regressors", "regressor_and_one_effect", "regressor_and_two_effects", "regressor_and_three_effects"]


def lp_separated(y: np.ndarray, a: np.ndarray) -> np.ndarray:
    """The largest set of zero rows separated by a combination of the columns of ``a``."""
    pos = y > 0
    ap, az = a[pos], a[~pos]
    found = np.zeros(len(az), dtype=bool)
    bounds = [(None, None)] * a.shape[1]
    a_ub = np.vstack([-az, az])
    b_ub = np.r_[np.zeros(len(az)), np.ones(len(az))]
    while True:
        res = linprog(-az[~found].sum(axis=0), A_ub=a_ub, b_ub=b_ub, A_eq=ap, b_eq=np.zeros(len(ap)), bounds=bounds, method="highs")
        assert res.status == 0, res.message
        new = ~found & (az @ res.x > 1e-7)
        if not new.any():
            break
        found |= new
    out = np.zeros(len(y), dtype=bool)
    out[np.nonzero(~pos)[0][found]] = True
    return out


def dummies(fe: pd.DataFrame | None) -> list[np.ndarray]:
    if fe is None:
        return []
    return [pd.get_dummies(fe[c]).to_numpy(dtype=float)[:, j] for c in fe.columns for j in range(fe[c].nunique())]


def greedy_columns(columns: list[np.ndarray]) -> list[int]:
    """Indices of the columns kept when each is kept only if it raises the rank."""
    kept: list[int] = []
    for j, col in enumerate(columns):
        trial = np.column_stack([columns[i] for i in kept] + [col])
        if np.linalg.matrix_rank(trial, tol=1e-8 * max(1.0, np.abs(trial).max()) * np.sqrt(len(col))) == len(kept) + 1:
            kept.append(j)
    return kept


def make_design(seed: int, kind: str, separated: bool = True, hard: bool = False, n: int = 300, s_range=(0.5, 2.0)):
    """y, X (x0..x5), fixed effects (None, g, or g and h), the planted separated rows."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6))
    g, h, k = rng.integers(0, 8, n), rng.integers(0, 6, n), rng.integers(0, 5, n)
    y = rng.poisson(np.exp(0.2 + 0.3 * X[:, 0] - 0.2 * X[:, 1])).astype(float)
    zero = y == 0
    planted = zero & (rng.random(n) < 0.3) if separated else np.zeros(n, dtype=bool)
    s = np.zeros(n)
    s[planted] = rng.uniform(*s_range, planted.sum())
    if hard:  # regressors zero on every positive outcome, of both signs on the zero ones
        X[:, 2] = np.where(zero, rng.normal(size=n), 0.0)
        X[:, 3] = np.where(zero, rng.normal(size=n) + 0.3, 0.0)
    cg, ch, ck = rng.normal(size=8), rng.normal(size=6), rng.normal(size=5)
    fe = None
    if kind == "two_regressors":
        X[:, 5] = -X[:, 4] + s
    elif kind == "three_regressors":
        X[:, 5] = (X[:, 0] + X[:, 4] - s) / 2
    elif kind == "regressor_and_one_effect":
        X[:, 5] = -cg[g] + s
        fe = pd.DataFrame({"g": g})
    elif kind == "regressor_and_two_effects":
        X[:, 5] = -cg[g] - ch[h] + s
        fe = pd.DataFrame({"g": g, "h": h})
    elif kind == "regressor_and_three_effects":  # no exact two-way solve: the sparse LU path
        X[:, 5] = -cg[g] - ch[h] - ck[k] + s
        fe = pd.DataFrame({"g": g, "h": h, "k": k})
    if fe is not None:  # no all-zero group: the engine counts those apart
        assert all((pd.Series(y).groupby(fe[c]).sum() > 0).all() for c in fe.columns)
    return y, pd.DataFrame(X, columns=[f"x{j}" for j in range(6)]), fe, planted


def oracle(y, X: pd.DataFrame, fe: pd.DataFrame | None):
    """The LP's separated rows; on the rest, the greedy full-rank design (dummies or a constant
    first, then the regressors) and the regressors it drops."""
    base = dummies(fe) if fe is not None else [np.ones(len(y))]
    a = np.column_stack(base + [X[c].to_numpy() for c in X.columns])
    sep = lp_separated(y, a)
    keep = ~sep
    if fe is not None:
        base = dummies(fe[keep].reset_index(drop=True))
    else:
        base = [np.ones(int(keep.sum()))]
    cols = base + [X.loc[keep, c].to_numpy() for c in X.columns]
    kept = greedy_columns(cols)
    design = np.column_stack([cols[j] for j in kept])
    x_kept = [X.columns[j - len(base)] for j in kept if j >= len(base)]
    x_dropped = [c for c in X.columns if c not in x_kept]
    return sep, keep, design, len([j for j in kept if j < len(base)]), x_kept, x_dropped


def cases():
    out = []
    for kind in KINDS:
        for hard in (False, True):
            for seed in (1, 2):
                out.append(pytest.param(kind, hard, seed, id=f"{kind}-{'hard' if hard else 'plain'}-{seed}"))
    return out


@pytest.mark.parametrize("kind, hard, seed", cases())
def test_rectifier_finds_the_oracles_separated_rows(kind, hard, seed):
    y, X, fe, planted = make_design(100 * seed + KINDS.index(kind), kind, hard=hard)
    sep, *_ = oracle(y, X, fe)
    assert planted.sum() >= 10 and (sep >= planted).all()  # the planted rows are separated
    x = X.to_numpy() if fe is not None else np.column_stack([np.ones(len(y)), X.to_numpy()])
    found = find_separated(y, x, FixedEffects.from_frame(fe))
    assert found.converged
    np.testing.assert_array_equal(found.separated, sep)
    # the certificate: zero on the positive rows, >= 0 on the zero rows, > 0 exactly where separated
    assert found.positive_residual < 1e-6
    assert (found.certificate[y == 0] >= 0).all()
    assert found.certificate[sep].min() > 1e-3
    # no single regressor separates them (each varies over the positive outcomes)
    assert all(X.loc[y > 0, c].nunique() > 1 for c in ("x4", "x5"))


@pytest.mark.parametrize("kind, hard, seed", cases())
def test_fit_drops_rows_then_regressor_and_equals_glm_on_the_rest(kind, hard, seed):
    y, X, fe, _ = make_design(100 * seed + KINDS.index(kind), kind, hard=hard)
    sep, keep, design, n_base, x_kept, x_dropped = oracle(y, X, fe)
    assert x_dropped == ["x5"]  # the planted combination leaves x5 collinear on the kept rows
    glm = sm.GLM(y[keep], design, family=sm.families.Poisson()).fit(tol=1e-13, maxiter=300)
    # the last guard (fitted mean below separation_mu) switched off: the rectifier alone finds them
    for guard in (0.0, 1e-10):
        res = poisson(y, X, absorb=fe, cov_type="nonrobust", separation_mu=guard, **TIGHT)
        assert res.dropped["separated"] == int(sep.sum())
        assert res.dropped_regressors == x_dropped == res.omitted
        assert res.nobs == int(keep.sum())
        names = x_kept if fe is not None else ["const", *x_kept]
        assert list(res.params.index) == names
        start = n_base if fe is not None else 0
        np.testing.assert_allclose(res.params.to_numpy(), glm.params[start:], rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(res.bse.to_numpy(), glm.bse[start:], rtol=1e-6, atol=1e-8)
        # the former failure: means of 2e-10 on separated rows, z-values above 100
        assert np.abs(res.tvalues).max() < 50


@pytest.mark.parametrize("kind", KINDS)
def test_nb2_fixed_alpha_on_separated_design_equals_glm_on_the_rest(kind):
    y, X, fe, _ = make_design(7 + KINDS.index(kind), kind, hard=True)
    sep, keep, design, n_base, x_kept, x_dropped = oracle(y, X, fe)
    alpha = 0.8
    family = sm.families.NegativeBinomial(link=sm.families.links.Log(), alpha=alpha)
    glm = sm.GLM(y[keep], design, family=family).fit(tol=1e-13, maxiter=300)
    res = negative_binomial(y, X, absorb=fe, alpha=alpha, cov_type="nonrobust", separation_mu=0.0, **TIGHT)
    assert res.dropped["separated"] == int(sep.sum()) > 0
    assert res.dropped_regressors == x_dropped == ["x5"]
    start = n_base if fe is not None else 0
    # atol 1e-6: NB2's log link is not canonical, so IRLS (Fisher scoring) converges linearly and
    # the engine's stopping rule (relative deviance change below tol) leaves about 2e-7 on the
    # "hard" regressors that only zero outcomes inform (statsmodels' GLM, polished by Newton to a
    # score of 3e-15, is the reference); the rows and columns dropped are exact
    np.testing.assert_allclose(res.params.to_numpy(), glm.params[start:], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(res.bse.to_numpy(), glm.bse[start:], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("hard", [False, True], ids=["plain", "hard"])
def test_negative_control_nothing_separated_nothing_dropped(kind, hard):
    y, X, fe, planted = make_design(31 + KINDS.index(kind), kind, separated=False, hard=hard)
    assert not planted.any()
    sep, *_ = oracle(y, X.drop(columns="x5"), fe)
    assert not sep.any()
    # without s, x5 is exactly collinear with x4, x0, the effects: leave it out of the design
    Xn = X.drop(columns="x5")
    x = Xn.to_numpy() if fe is not None else np.column_stack([np.ones(len(y)), Xn.to_numpy()])
    found = find_separated(y, x, FixedEffects.from_frame(fe))
    assert found.converged and not found.separated.any()
    res = poisson(Xn.assign(y=y)["y"], Xn, absorb=fe, cov_type="nonrobust", **TIGHT)
    assert res.dropped == {"missing": 0, "all_zero_groups": 0, "separated": 0}
    assert res.dropped_regressors == []


@pytest.mark.parametrize("kind", KINDS)
def test_negative_control_one_zero_row_of_the_wrong_sign_breaks_the_separation(kind):
    """The planted combination is >= 0 on every zero row but one, where it is negative: it no
    longer certifies anything, and (the LP agrees) nothing is separated."""
    y, X, fe, planted = make_design(55 + KINDS.index(kind), kind)
    other_zero = np.nonzero((y == 0) & ~planted)[0]
    i = other_zero[0]
    shift = -1.0 if kind != "three_regressors" else 2.0  # x5 carries s with sign -1/2 in three_regressors
    X.loc[i, "x5"] += shift
    sep, *_ = oracle(y, X, fe)
    assert not sep.any()
    x = X.to_numpy() if fe is not None else np.column_stack([np.ones(len(y)), X.to_numpy()])
    found = find_separated(y, x, FixedEffects.from_frame(fe))
    assert found.converged and not found.separated.any()
    res = poisson(y, X, absorb=fe, cov_type="nonrobust", **TIGHT)
    assert res.dropped["separated"] == 0 and res.dropped_regressors == []


def test_collinear_on_request_and_dropped_after_separation_are_told_apart():
    """x6 = x1 + x2 is collinear before any row goes (omitted on request, an error otherwise);
    x5 only once the separated rows are gone (dropped and named, always)."""
    y, X, fe, _ = make_design(3, "two_regressors")
    Xc = X.assign(x6=X["x1"] + X["x2"])
    with pytest.raises(ValueError, match=r"collinear.*'x6'"):
        poisson(y, Xc, cov_type="nonrobust")
    res = poisson(y, Xc, cov_type="nonrobust", collinear="drop", **TIGHT)
    assert res.omitted == ["x5", "x6"] and res.dropped_regressors == ["x5"]
    ref = poisson(y, X, cov_type="nonrobust", **TIGHT)
    np.testing.assert_allclose(res.params.to_numpy(), ref.params.to_numpy(), rtol=1e-10)
    text = res.summary()
    assert "Omitted as collinear: x6" in text and "collinear on the rest): x5" in text


def test_unsettled_check_separates_nothing_and_says_so():
    """A check stopped before it settles reports converged=False and no separated row (never a
    half-finished certificate taken for separation)."""
    y, X, fe, planted = make_design(2, "regressor_and_one_effect", hard=True)
    x, f = X.to_numpy(), FixedEffects.from_frame(fe)
    full = find_separated(y, x, f)
    assert full.converged and full.iterations > 3 and full.separated.sum() >= planted.sum() > 0
    cut = find_separated(y, x, f, maxiter=2)
    assert not cut.converged and not cut.separated.any()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_regressors_of_full_rank_on_the_positive_outcomes_separate_nothing_without_the_rectifier(seed, monkeypatch):
    """Without absorbed effects, regressors of full column rank on the positive outcomes admit no
    separating combination (the LP agrees): the check answers at once; the rectifier, run anyway,
    finds the same nothing. A design nearly rank deficient there goes through the rectifier."""
    from aigeo_assets.models import separation

    y, X, _, _ = make_design(seed, "two_regressors", separated=False)
    x = np.column_stack([np.ones(len(y)), X.drop(columns="x5").to_numpy()])
    assert not lp_separated(y, x).any()
    quick = find_separated(y, x)
    assert quick.converged and quick.iterations == 0 and not quick.separated.any()
    with monkeypatch.context() as m:
        m.setattr(separation, "_full_rank", lambda *args: False)
        slow = find_separated(y, x)
    assert slow.converged and slow.iterations >= 1 and not slow.separated.any()
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=(2, 500))
    assert separation._full_rank(np.column_stack([a, b]), separation.FULL_RANK_TOL)
    assert not separation._full_rank(np.column_stack([a, a + 1e-12 * b]), separation.FULL_RANK_TOL)
    assert not separation._full_rank(np.column_stack([a, np.zeros(500)]), separation.FULL_RANK_TOL)
    assert not separation._full_rank(np.ones((1, 2)), separation.FULL_RANK_TOL)  # fewer rows than columns
