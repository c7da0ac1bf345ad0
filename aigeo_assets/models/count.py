"""Count regressions by IRLS with absorbed fixed effects: PPML and negative binomial (NB2).

AlShebli et al. 2022 (Table 1, Supplementary Tables 1-3) fits gravity models by Poisson pseudo-maximum
likelihood; Schmallenbach et al. 2024 (Fig. 7, Fig. 8A, Methods "Analysis") fits negative binomial regressions of
citations with more than 9,000 outlet fixed effects. Both are generalized linear models with a log
link, fitted here by iteratively reweighted least squares where, in every iteration, the working
outcome and the regressors are demeaned within the groups of each absorbed effect with the IRLS
weights (``absorb.demean``): the fixed effects never become dummy columns, so thousands of them
cost one ``bincount`` pass each (the method of Correia, Guimarães and Zylkin's ppmlhdfe).

Sample rules, as in ppmlhdfe and fixest: groups of any absorbed effect whose outcome is zero
throughout are dropped (their effect is minus infinity) and counted; separated observations
(zero outcome, fitted mean driven to zero by some combination of the regressors and the effects)
are dropped, counted, and the model is fitted on the rest. Rows with missing values are an error
unless ``missing="drop"``, which drops and counts them.

Covariances: ``nonrobust`` (inverse expected information), ``HC0``, ``HC1`` (HC0 times
n / (n - k)), ``cluster`` (one way; times G / (G - 1) * (n - 1) / (n - k), statsmodels'
correction). k counts the regressors and the parameters the fixed effects use, so that PPML's
numbers equal statsmodels' GLM with explicit dummy columns (HC1 excepted: statsmodels' GLM applies
no n / (n - k) there). For NB2 the robust "bread" is the expected information (X'WX)^-1, as in
Stata's ``nbreg``-style IRLS, where statsmodels' GLM uses the observed Hessian of the
non-canonical log link; both are consistent, and they differ by a few percent in small samples.

Existence of the estimates (Correia, Guimarães and Zylkin 2019): separated observations are found
before fitting by the iterative rectifier (``separation.find_separated``) on the regressors and the
absorbed effects together, so a separating combination of any number of them (``x5 + x6`` with
neither alone, a regressor with an effect, a pair of effects) is caught, not only a single
regressor or a pair of effects. A regressor that only the separated rows identified is collinear
on the rest: it is dropped and named in ``result.dropped_regressors`` (and, like every regressor
left out, in ``result.omitted``). Regressors collinear on the
sample before that (with each other or with the absorbed effects) are an error that names them
(or, with ``collinear="drop"``, ``result.omitted``). The former fitted-mean rule stays as a last
guard: a zero observation whose mean falls below ``separation_mu`` after the fit is dropped and
counted as separated, and the model refitted.
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import pandas as pd
from scipy import linalg
from scipy.special import digamma, gammaln

from aigeo_assets.cores import one_blas_thread, reused_heap, within
from aigeo_assets.models.absorb import FixedEffects, demean, drop_all_zero_groups, recover_effects
from aigeo_assets.models.results import CountResult, NotEstimableError
from aigeo_assets.models.separation import DEFAULT_TOL, find_separated

Family = Literal["poisson", "negbin"]
CovType = Literal["nonrobust", "HC0", "HC1", "cluster"]


def poisson(y, X=None, absorb=None, **kwargs) -> CountResult:
    """Poisson pseudo-maximum likelihood (PPML). See ``fit_count_model``."""
    return fit_count_model(y, X, absorb=absorb, family="poisson", **kwargs)


def negative_binomial(y, X=None, absorb=None, **kwargs) -> CountResult:
    """Negative binomial NB2 (var = mu + alpha mu^2), alpha by maximum likelihood unless given.
    See ``fit_count_model``."""
    return fit_count_model(y, X, absorb=absorb, family="negbin", **kwargs)


def _loglike(family: str, y: np.ndarray, mu: np.ndarray, alpha: float | None) -> float:
    if family == "poisson":  # y log(mu) and log(y!) vanish where y = 0: summed over the positive outcomes
        pos = y > 0
        yp, mp = y[pos], mu[pos]
        return float(np.sum(yp * np.log(np.where(mp > 0, mp, 1.0)) - gammaln(yp + 1)) - np.sum(mu))
    r = 1.0 / alpha
    return float(
        np.sum(gammaln(y + r) - gammaln(r) - gammaln(y + 1) + r * np.log(r / (r + mu)) + y * np.log(np.where(mu > 0, mu, 1.0) / (r + mu)))
    )


def _deviance(family: str, y: np.ndarray, mu: np.ndarray, alpha: float | None) -> float:
    """Twice the log-likelihood of the saturated model minus the fitted one. The y log(y / mu) terms
    are taken over the positive outcomes only (0 log 0 = 0): a gravity design is mostly zeros, and
    IRLS evaluates the deviance at every step."""
    pos = y > 0
    yp = y[pos]
    ylogy = float(np.sum(yp * np.log(yp / mu[pos])))
    if family == "poisson":
        return 2 * (ylogy - (float(np.sum(y)) - float(np.sum(mu))))
    r = 1.0 / alpha
    return 2 * (ylogy - float(np.sum((y + r) * np.log((y + r) / (mu + r)))))


def _mle_alpha(y: np.ndarray, mu: np.ndarray, start: float) -> float:
    """The NB2 dispersion maximizing the likelihood at fixed means: the root of the score in
    r = 1/alpha, sum(digamma(y + r) - digamma(r) + log(r / (r + mu)) + (mu - y) / (r + mu)) = 0,
    found by bracketing on log r (a root finder, not a minimizer, so alpha is exact to rounding).
    Data with no overdispersion give the smallest alpha tried, 1e-10."""

    def score(log_r: float) -> float:
        r = np.exp(log_r)
        return float(np.sum(digamma(y + r) - digamma(r) + np.log(r / (r + mu)) + (mu - y) / (r + mu)))

    lo = hi = -np.log(start)
    while score(lo) < 0:  # the score in r is positive below the root and negative above it
        lo -= 2.0
        if lo < -30:
            return float(np.exp(30))
    while score(hi) > 0:
        hi += 2.0
        if hi > np.log(1e10):
            return 1e-10
    if lo == hi:
        return start
    from scipy.optimize import brentq  # imported here: scipy.optimize costs 0.3 s in every process that imports the models

    return float(np.exp(-brentq(score, lo, hi, xtol=1e-14, rtol=4 * np.finfo(float).eps)))


def _as_frame(X, n: int) -> pd.DataFrame:
    if X is None:
        return pd.DataFrame(index=range(n))
    if isinstance(X, pd.Series):
        return X.to_frame()
    if isinstance(X, pd.DataFrame):
        return X
    arr = np.asarray(X, dtype=float)
    arr = arr[:, None] if arr.ndim == 1 else arr
    return pd.DataFrame(arr, columns=[f"x{j}" for j in range(arr.shape[1])])


@within(one_blas_thread, reused_heap)  # a fit's dense steps are small, its iterations allocate alike (cores)
def fit_count_model(  # noqa: C901 - one fit: validation, sample rules, then the estimator, its steps sharing the sample and design
    y,
    X=None,
    absorb: pd.DataFrame | pd.Series | None = None,
    family: Family = "poisson",
    offset=None,
    cov_type: CovType = "HC1",
    clusters=None,
    add_constant: bool = True,
    alpha: float | None = None,
    missing: Literal["raise", "drop"] = "raise",
    tol: float = 1e-10,
    demean_tol: float = 1e-10,
    maxiter: int = 200,
    separation_mu: float = 1e-10,
    separation_tol: float = DEFAULT_TOL,
    collinear: Literal["raise", "drop"] = "raise",
    recover_fixed_effects: bool = True,
    demean_direct: bool = True,
) -> CountResult:
    """Fit a log-link count model of ``y`` on the columns of ``X`` with the columns of ``absorb``
    as absorbed fixed effects.

    ``add_constant`` adds a ``const`` column when nothing is absorbed (with absorbed effects the
    constant is part of them). ``alpha`` fixes the NB2 dispersion instead of estimating it.
    ``clusters`` (one value per row) is required for ``cov_type="cluster"``. Collinear
    regressors are an error naming them, or with ``collinear="drop"`` are left out (the later of
    two collinear columns goes) and listed in ``result.omitted``, as fixest and ppmlhdfe do.
    ``demean_direct=False`` demeans on two effects by alternating projections only (the former
    path, a peer for benchmarks and tests; see ``absorb.demean``). ``separation_tol`` is the
    rectifier's tolerance (``separation.find_separated``); ``separation_mu`` the last guard's
    cut-off on fitted means.
    """
    if family not in ("poisson", "negbin"):
        raise ValueError(f"family {family!r}: use poisson or negbin")
    if cov_type not in ("nonrobust", "HC0", "HC1", "cluster"):
        raise ValueError(f"cov_type {cov_type!r}: use nonrobust, HC0, HC1 or cluster")
    outcome = getattr(y, "name", None) or "y"
    y = np.asarray(y, dtype=float)
    n_all = len(y)
    Xf = _as_frame(X, n_all)
    if len(Xf) != n_all:
        raise ValueError(f"{len(Xf)} rows of regressors for {n_all} outcomes")
    fe_frame = absorb.to_frame() if isinstance(absorb, pd.Series) else absorb
    if fe_frame is not None and len(fe_frame) != n_all:
        raise ValueError(f"{len(fe_frame)} rows of fixed effects for {n_all} outcomes")
    if cov_type == "cluster" and clusters is None:
        raise ValueError("cov_type='cluster' needs clusters")
    off = np.zeros(n_all) if offset is None else np.asarray(offset, dtype=float)

    # Memory (issue 13): the design is built once, column by column, in column order, with the
    # constant as its first column (no pandas-wide conversion, no copy per round); rows dropped
    # later are squeezed out of it in place (``compact_rows``).
    columns = [Xf.iloc[:, j] for j in range(Xf.shape[1])]
    bad = ~np.isfinite(y) | ~np.isfinite(off)
    bad_cols = []
    for name, col in zip(Xf.columns, columns):
        finite = np.isfinite(col.to_numpy(dtype=float, na_value=np.nan))
        if not finite.all():
            bad_cols.append(name)
            bad |= ~finite
    if fe_frame is not None:
        bad |= fe_frame.isna().any(axis=1).to_numpy()
    if clusters is not None:
        bad |= pd.isna(np.asarray(clusters, dtype=object))
    if bad.any() and missing == "raise":
        raise ValueError(f"{int(bad.sum())} of {n_all} rows have missing or infinite values (outcome or {bad_cols}); "
                         "clean them or pass missing='drop' to drop and count them")
    keep = ~bad
    if (y[keep] < 0).any():
        raise ValueError(f"{int((y[keep] < 0).sum())} negative outcomes: a count model needs y >= 0")
    dropped = {"missing": int(bad.sum()), "all_zero_groups": 0, "separated": 0}
    if not (y[keep] > 0).any():  # the sample rules below drop zero outcomes only: said here, once
        raise NotEstimableError(f"no positive outcome in {int(keep.sum()):,} observations"
                                + (f" (dropped: missing {dropped['missing']:,})" if dropped["missing"] else ""),
                                family=family, outcome=outcome, nobs=int(keep.sum()))

    fe = FixedEffects.from_frame(fe_frame.loc[keep] if fe_frame is not None else None)
    x_names = [str(c) for c in Xf.columns]
    constant = not len(fe) and add_constant
    names = ["const", *x_names] if constant else list(x_names)
    all_kept = bool(keep.all())
    x = np.empty((int(keep.sum()), len(names)), order="F")
    if constant:
        x[:, 0] = 1.0
    values = None
    for j, col in enumerate(columns, start=int(constant)):
        values = col.to_numpy(dtype=float, na_value=np.nan)
        x[:, j] = values if all_kept else values[keep]
    del columns, values
    omitted: list[str] = []
    rows = np.nonzero(keep)[0]  # the rows of the input still in the sample
    yk, offk = y[rows], off[rows]

    def drop(mask: np.ndarray) -> None:  # keep the rows of ``mask`` (relative to the current sample)
        nonlocal x, yk, offk, rows, fe
        x = compact_rows(x, mask)
        yk, offk, rows = yk[mask], offk[mask], rows[mask]
        fe = fe.subset(mask) if len(fe) else fe

    # The sample rules in order: all-zero groups (until none is left); regressors collinear on that
    # sample (an error, or omitted on request); separated observations, by the iterative rectifier
    # (``separation.find_separated``) on the regressors and effects together; then regressors that
    # only the separated rows identified, now collinear, dropped and named (``dropped_regressors``).
    dropped_regressors: list[str] = []
    checked_collinear = separation_checked = rows_separated = False
    for _round in range(20):
        alive, _ = drop_all_zero_groups(yk, fe)
        if not alive.all():
            dropped["all_zero_groups"] += int((~alive).sum())
            drop(alive)
            continue
        if not checked_collinear:
            checked_collinear = True
            bad, message = _collinear_before_fit(x, fe, names, demean_tol, demean_direct)
            if bad:
                if collinear == "raise":
                    raise ValueError(message + "; remove them or pass collinear='drop'")
                omitted += [name for name in x_names if name in bad]
                x, x_names, names = _without_columns(x, x_names, names, bad)
        if not separation_checked:
            separation_checked = True
            found = find_separated(yk, x, fe, tol=separation_tol)
            if not found.converged:
                warnings.warn(f"separation check did not settle ({found.iterations} iterations): only the fitted-mean "
                              f"guard (separation_mu={separation_mu:g}) will catch separated observations", RuntimeWarning, stacklevel=3)
            if found.separated.any():
                dropped["separated"] += found.count
                rows_separated = True
                drop(~found.separated)
                continue
        fit = _irls(family, yk, x, offk, fe, names, alpha, tol, demean_tol, maxiter, demean_direct)
        if "collinear" in fit:
            if rows_separated:  # full rank before the separated rows went: theirs to drop, always
                dropped_regressors += [name for name in names if name in fit["collinear"]]
            elif collinear == "raise":
                raise ValueError(fit["message"] + "; remove them or pass collinear='drop'")
            omitted += [name for name in x_names if name in fit["collinear"]]
            x, x_names, names = _without_columns(x, x_names, names, fit["collinear"])
            continue
        # The last guard: a zero observation whose fitted mean vanished although the rectifier
        # found no certificate (one that did not settle, or a tolerance it missed).
        sep = (yk == 0) & (fit["mu"] < separation_mu)
        if sep.any():
            dropped["separated"] += int(sep.sum())
            rows_separated = True
            del fit
            drop(~sep)
            continue
        break
    else:
        raise NotEstimableError("separation checks did not settle in 20 rounds", family=family, outcome=outcome, nobs=len(yk))

    del x  # the fit holds the design (and, with absorbed effects, its demeaned twin)
    cl = None if clusters is None else np.asarray(clusters, dtype=object)[rows]
    result = _finish(family, fit, yk, fe, names, cov_type, cl, dropped, outcome, recover_fixed_effects)
    given = [str(c) for c in Xf.columns]  # both lists in the order the regressors were given
    result.omitted = [name for name in given if name in omitted]
    result.dropped_regressors = [name for name in given if name in dropped_regressors]
    return result


def _without_columns(x: np.ndarray, x_names: list[str], names: list[str], bad) -> tuple[np.ndarray, list[str], list[str]]:
    """The design, regressor names and parameter names without the columns named in ``bad``."""
    cols = [j for j, name in enumerate(names) if name not in bad]
    return np.asfortranarray(x[:, cols]), [n for n in x_names if n not in bad], [n for n in names if n not in bad]


def _collinear_before_fit(x, fe, names, demean_tol, demean_direct) -> tuple[list[str], str]:
    """``collinear_regressors`` on the sample as it stands, with unit weights (the rank does not
    depend on positive weights): run before the separation check, so that a regressor collinear
    only once separated rows are gone is told apart from one the user gave collinear."""
    if not len(names):
        return [], ""
    w = np.ones(len(x))
    xt = demean(x, w, fe, tol=demean_tol, direct=demean_direct)[0] if len(fe) else x
    return collinear_regressors(x, xt, w, names)


def compact_rows(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The rows of ``x`` (n, k; column order) where ``mask`` holds, squeezed into the front of
    ``x``'s own memory column by column (one column's copy at a time instead of a second design:
    new column j lies in [j m, (j+1) m) of the flat buffer, which ends before old column j + 1
    begins). ``x`` itself is left scrambled: only the returned view may be used."""
    idx = np.flatnonzero(mask)
    n, k = x.shape
    m = len(idx)
    if m == n:
        return x
    if not x.flags.f_contiguous:
        return np.asfortranarray(x[idx])
    flat = x.reshape(-1, order="F")
    for j in range(k):
        flat[j * m:(j + 1) * m] = flat[j * n:(j + 1) * n][idx]
    return flat[: m * k].reshape((m, k), order="F")


def _irls(family, y, x, off, fe, names, alpha_fixed, tol, demean_tol, maxiter, demean_direct=True) -> dict:
    """IRLS on the design ``x`` as given (its constant column, if any, already in place)."""
    n = len(y)
    x = x.reshape(n, len(names))
    mu = (y + y.mean()) / 2
    eta = np.log(mu)
    alpha = alpha_fixed
    if family == "negbin" and alpha is None:
        alpha = max(float(np.mean(((y - mu) ** 2 - mu) / mu**2)), 1e-3)
    dev_old = np.inf
    b = np.zeros(len(names))
    converged = False
    iteration = 0
    # Warm starts (exact, since demeaning annihilates anything in the span of the effects): the
    # regressors are demeaned from their previous demeaned values, and the working outcome, once
    # the linear predictor is X b_span + D a, from X~ b_span + u, u = (y - mu) / mu, which the
    # first-order conditions keep nearly demeaned. Later iterations then need a few sweeps only.
    xt = x
    b_span: np.ndarray | None = None
    block = None  # the demeaned [z x]: one array, reused
    for iteration in range(1, maxiter + 1):
        w = mu if family == "poisson" else mu / (1 + alpha * mu)
        u = (y - mu) / mu
        z = eta - off + u
        if len(fe):
            if block is None:
                block = np.empty((n, 1 + x.shape[1]), order="F")
                block[:, 1:] = x
            block[:, 0] = z if b_span is None else (xt @ b_span if xt.shape[1] else 0.0) + u
            demean(block, w, fe, tol=demean_tol, direct=demean_direct, copy=False)
            zt, xt = block[:, 0], block[:, 1:]
        else:
            zt, xt = z, x
        if xt.shape[1]:
            if iteration == 1:
                bad, message = collinear_regressors(x, xt, w, names)
                if bad:
                    return {"collinear": bad, "message": message}
            gram, cross = weighted_gram(xt, w, zt)
            b = linalg.solve(gram, cross, assume_a="pos")
            resid = zt - xt @ b
        else:
            resid = zt
        eta_new = z - resid + off
        dev_now = dev_old  # the deviance at the current means, computed at the end of the last iteration
        step = 1.0
        while True:
            eta_try = eta + step * (eta_new - eta)
            mu_try = np.exp(np.minimum(eta_try, 700.0))
            dev = _deviance(family, y, mu_try, alpha)
            if np.isfinite(dev) and (dev <= dev_now * (1 + 1e-12) or step < 1e-3):
                break
            step /= 2
        eta, mu = eta_try, mu_try
        if step == 1.0:
            b_span = b.copy()
        elif b_span is not None:
            b_span = b_span + step * (b - b_span)
        alpha_change = 0.0
        if family == "negbin" and alpha_fixed is None:
            new_alpha = _mle_alpha(y, mu, alpha)
            alpha_change = abs(np.log(new_alpha / alpha))
            alpha = new_alpha
            dev = _deviance(family, y, mu, alpha)
        if abs(dev - dev_old) / max(abs(dev), 0.1) < tol and alpha_change < np.sqrt(tol):
            converged = True
            break
        dev_old = dev
    w = mu if family == "poisson" else mu / (1 + alpha * mu)
    if len(fe):  # in place: the last iteration's demeaned regressors, a warm start, are not used again
        xt = demean(xt, w, fe, tol=demean_tol, direct=demean_direct, copy=False)[0]
    return {"b": b, "eta": eta, "mu": mu, "w": w, "xt": xt if len(fe) else x, "x": x, "alpha": alpha, "converged": converged,
            "iterations": iteration, "off": off}


GRAM_BLOCK_ROWS = 65_536
"""Rows per block of ``weighted_gram``: a block of an 11-column design (5.8 MB) stays in cache
between its scaling and its product."""


def weighted_gram(x: np.ndarray, weights: np.ndarray, v: np.ndarray | None = None,
                  rows: int | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """``X' diag(weights) X`` and, when ``v`` is given, ``X' diag(weights) v``, summed over blocks
    of ``rows`` observations, each block scaled by the square roots of its weights (>= 0), so the
    Gram matrix is symmetric to the last bit. The same sums as with the whole scaled design, in
    another order (rounding), without its n x p copy: on the pooled citation gravity design
    (9.4 million pair-years, 11 columns) that copy was 0.8 GB, and its passes through memory
    half of an IRLS iteration's time (issue 13)."""
    n, p = x.shape
    rows = rows or GRAM_BLOCK_ROWS
    gram = np.zeros((p, p))
    cross = None if v is None else np.zeros(p)
    for start in range(0, n, rows):
        sw = np.sqrt(weights[start:start + rows])
        block = np.multiply(x[start:start + rows], sw[:, None], order="F")
        gram += block.T @ block
        if cross is not None:
            cross += block.T @ (v[start:start + rows] * sw)
    return gram, cross


def collinear_regressors(x: np.ndarray, xt: np.ndarray, w: np.ndarray, names: list[str]) -> tuple[list[str], str]:
    """Regressors collinear with the absorbed effects (nothing left after demeaning) or with the
    regressors before them (a QR of the standardized weighted design in the given order, so the
    later of two collinear columns is the one named). Returns the names and a message."""
    sw = np.sqrt(w)
    total = w.sum()  # each mean as numpy sums it, so that a constant column's is exact with unit weights
    means = np.array([np.multiply(x[:, j], w).sum() / total for j in range(len(names))])
    raw2, left2 = np.zeros(len(names)), np.zeros(len(names))
    for start in range(0, len(x), GRAM_BLOCK_ROWS):  # by blocks of rows: no temporary of the design's size
        wb = w[start:start + GRAM_BLOCK_ROWS]
        centred = x[start:start + GRAM_BLOCK_ROWS] - means
        raw2 += wb @ (centred * centred)
        kept = xt[start:start + GRAM_BLOCK_ROWS]
        left2 += wb @ (kept * kept)
    raw, left = np.sqrt(raw2), np.sqrt(left2)
    is_const = np.array([n == "const" for n in names])
    absorbed = [names[j] for j in range(len(names)) if not is_const[j] and (raw[j] == 0 or left[j] <= 1e-9 * raw[j])]
    if absorbed:
        return absorbed, (
            f"regressors are collinear with the absorbed fixed effects or constant (nothing varies after demeaning): {absorbed}"
        )
    d = np.abs(np.diag(_r_factor(xt, sw, np.maximum(left, 1e-300))))
    bad = [names[k] for k in range(len(d)) if d[k] <= 1e-9]
    return bad, f"regressors are collinear (after absorbing fixed effects): {bad}"


def _r_factor(x: np.ndarray, row_scale: np.ndarray, col_scale: np.ndarray, rows: int = 65_536) -> np.ndarray:
    """R of the QR decomposition of ``x * row_scale[:, None] / col_scale`` (up to the signs of its
    rows), by blocks of ``rows`` observations: the R factors of the blocks, stacked, have the
    same R (a tall-skinny QR, as stable as one Householder QR), and no scaled copy of the whole
    design is made."""
    parts = []
    for start in range(0, len(x), rows):
        block = np.multiply(x[start:start + rows], row_scale[start:start + rows, None], order="F")
        block /= col_scale
        parts.append(_qr_r(block))
    return _qr_r(np.vstack(parts)) if len(parts) > 1 else parts[0]


def _qr_r(a: np.ndarray) -> np.ndarray:
    """R (p x p) of the Householder QR of ``a`` (n x p, overwritten): LAPACK's ``geqrf``, the routine
    ``scipy.linalg.qr(mode="r")`` calls, with the upper triangle taken from the first p rows only
    (``qr`` cuts it from all n rows, then drops them)."""
    p = a.shape[1]
    geqrf, = linalg.get_lapack_funcs(("geqrf",), (a,))
    qr, _tau, _work, info = geqrf(a, overwrite_a=True)
    if info:
        raise ValueError(f"geqrf: illegal value in argument {-info}")
    return np.triu(qr[:p])


def _finish(family, fit, y, fe, names, cov_type, clusters, dropped, outcome, recover) -> CountResult:
    xt, w, mu, alpha = fit["xt"], fit["w"], fit["mu"], fit["alpha"]
    n, p = xt.shape
    k = p + fe.degrees_of_freedom()
    if p and n <= k:
        raise NotEstimableError(f"{n:,} observations for {k:,} parameters: no degree of freedom left", family=family, outcome=outcome, nobs=n)
    gram = weighted_gram(xt, w)[0] if p else np.zeros((0, 0))
    bread = linalg.inv(gram) if p else gram
    # score of observation i for b: x~_i (y_i - mu_i) / (1 + alpha mu_i)
    u = (y - mu) if family == "poisson" else (y - mu) / (1 + alpha * mu)
    n_clusters = None
    if cov_type == "nonrobust" or not p:
        cov = bread
    elif cov_type in ("HC0", "HC1"):
        cov = bread @ weighted_gram(xt, u * u)[0] @ bread
        if cov_type == "HC1":
            cov = cov * n / (n - k)
    else:
        codes, uniq = pd.factorize(pd.Series(clusters))
        n_clusters = len(uniq)
        if n_clusters < 2:
            raise NotEstimableError(f"cov_type='cluster' needs at least two clusters (have {n_clusters})",
                                    family=family, outcome=outcome, nobs=n)
        sg = np.column_stack([np.bincount(codes, weights=xt[:, j] * u, minlength=n_clusters) for j in range(p)])
        cov = bread @ (sg.T @ sg) @ bread * (n_clusters / (n_clusters - 1)) * ((n - 1) / (n - k))
    llf = _loglike(family, y, mu, alpha)
    ybar = float(y.mean())
    if family == "poisson":
        llnull = _loglike("poisson", y, np.full(n, ybar), None)
    else:
        a0 = _mle_alpha(y, np.full(n, ybar), max(alpha, 1e-3))
        llnull = _loglike("negbin", y, np.full(n, ybar), a0)
    corr = np.corrcoef(y, mu)[0, 1] if n > 1 and y.std() > 0 and mu.std() > 0 else np.nan
    effects = {}
    if recover and len(fe):
        eta_fe = fit["eta"] - fit["off"] - (fit["x"] @ fit["b"] if p else 0.0)
        effects = recover_effects(eta_fe, np.ones(n), fe)
    return CountResult(
        family=family,
        params=pd.Series(fit["b"], index=names, name="coef"),
        cov=pd.DataFrame(cov, index=names, columns=names),
        cov_type=cov_type,
        nobs=n,
        df_resid=n - k,
        llf=llf,
        llnull=llnull,
        deviance=_deviance(family, y, mu, alpha),
        corr_squared=float(corr**2),
        converged=fit["converged"],
        iterations=fit["iterations"],
        dropped=dropped,
        absorbed=dict(zip(fe.names, fe.n_levels())),
        alpha=alpha if family == "negbin" else None,
        n_clusters=n_clusters,
        fixed_effects=effects,
        outcome=str(outcome),
    )
