"""Existence of the maximum likelihood estimates of log-link count models: separated observations
found by the iterative rectifier of Correia, Guimarães and Zylkin (2019, "Verifying the existence
of maximum likelihood estimates for generalized linear models", arXiv:1903.01633; the method of
Stata's ``ppmlhdfe``).

The Poisson (PPML) and negative binomial (NB2) likelihoods with a log link have no finite maximum
when some zero-outcome observations are *separated*: there is a linear combination of the
regressors and the absorbed fixed effects' dummies, z = X b + D a, with z = 0 wherever y > 0 and
z >= 0 wherever y = 0, strictly positive on some of them. Moving the estimates along -z then raises
the likelihood for ever while the means of those observations go to zero. The estimates that exist
are those of the model on the other observations (Santos Silva and Tenreyro 2010; Correia et al.
2019, Proposition 1); a regressor that the dropped rows alone identified becomes collinear on the
rest and is dropped after them (``count.fit_count_model``).

The combination can involve any number of regressors and effects (the classic single regressor
constant over the positive outcomes, a pair of absorbed effects, ``x5 + x6`` with neither alone),
so it is found as a whole, not case by case:

1. u = 1 on the zero outcomes, 0 on the positive ones.
2. Regress u on X and the effects by weighted least squares, the positive-outcome rows weighted
   ``weight`` (1e8 by default) and the zero rows 1, so that the fit is held to (very nearly) zero on
   the positive rows. The weights never change, so everything is factorized once: the projection
   on the effects (one effect: ``absorb.demean``'s exact pass; two: ``absorb.TwoWayProjection``'s
   exact block solve; otherwise a sparse LU of the dummies' normal equations, see ``_within``),
   the regressors demeaned with it, and one pivoted QR of the demeaned weighted regressors; each
   iteration then projects u alone.
3. Fitted values within ``tol`` of zero (from -``tol``/10 below) count as zero. If every fitted value
   on the zero rows is then >= 0, stop: the fitted values are a certificate z, and the zero rows
   where it is > 0 are the separated ones (the largest such set: the rectifier converges to a
   certificate of maximal support, Correia et al. 2019, Section 3).
4. Otherwise set u = max(fitted, 0) on the zero rows (the rectifier) and repeat.

Without absorbed effects the check first asks whether the regressors have full column rank on
the positive outcomes (``_full_rank``): then only b = 0 makes X b vanish there, nothing can be
separated, and the rectifier is not run.

Cost: each iteration is one projection of one column. The designs of the tests need 1 to 250
iterations; 1,000,000 rows with two effects (20 years x 9,000 outlets) and 5,504 separated rows
took 43 iterations, 2.8 s. The sparse LU is the weak point where the exact two-way solve does
not apply: 60,000 rows on two random sparse effects of 9,000 and 6,000 levels took 22 s (half
the factorization's fill-in, half 187 iterations), and ten times that size did not finish in
four minutes.

Tolerances: u is of order one, so ``tol`` (1e-6) is absolute on that scale; the regressors are
scaled to unit norm before the QR, and a column whose pivot falls below ``rank_tol`` (1e-10) of
the largest is left out of the projection (collinear regressors do not disturb the check; their
collinearity is the engine's business). A check that has not settled in ``maxiter`` (10,000)
iterations reports ``converged=False`` and no row as separated; the engine's last guard, a zero
observation whose fitted mean falls below ``separation_mu``, still applies. The certificate is
approximate to the weighting: positive rows keep fitted values of order 1/``weight`` (reported
as ``positive_residual``), far inside ``tol``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg, sparse
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import splu

from aigeo_assets.models.absorb import FixedEffects, demean

DEFAULT_TOL = 1e-6
DEFAULT_WEIGHT = 1e8
DEFAULT_MAXITER = 10_000


class _Singular(RuntimeError):
    """The effects' normal equations could not be factorized (a redundancy not pinned)."""


@dataclass(frozen=True)
class Separation:
    """What the iterative rectifier found: ``separated`` (a mask over the rows given), the
    ``certificate`` z = X b + D a at the end (zero on the positive rows, >= 0 on the zero rows
    when ``converged``), the ``iterations`` used, and the largest |z| left on a positive row."""

    separated: np.ndarray
    certificate: np.ndarray
    iterations: int
    converged: bool
    positive_residual: float

    @property
    def count(self) -> int:
        return int(self.separated.sum())


def find_separated(
    y: np.ndarray,
    x: np.ndarray | None = None,
    fe: FixedEffects | None = None,
    *,
    tol: float = DEFAULT_TOL,
    weight: float = DEFAULT_WEIGHT,
    maxiter: int = DEFAULT_MAXITER,
    rank_tol: float = 1e-10,
    demean_tol: float = 1e-12,
) -> Separation:
    """The zero-outcome rows of ``y`` separated by a linear combination of the columns of ``x``
    (n, k; include a constant column when the model has one and no absorbed effect) and the
    dummies of the absorbed effects ``fe`` (which span the constant). See the module docstring.

    Assumes groups of an absorbed effect whose outcome is zero throughout are already dropped
    (``absorb.drop_all_zero_groups``): the rectifier would find them too, but the engine counts
    them apart."""
    y = np.asarray(y, dtype=float)
    n = len(y)
    fe = fe if fe is not None else FixedEffects.from_frame(None)
    pos = y > 0
    zero = ~pos
    if not zero.any() or not pos.any():
        return Separation(np.zeros(n, dtype=bool), np.zeros(n), 0, True, 0.0)
    if not len(fe) and x is not None and _full_rank(x[pos], FULL_RANK_TOL):
        return Separation(np.zeros(n, dtype=bool), np.zeros(n), 0, True, 0.0)
    w = np.where(pos, float(weight), 1.0)
    sw = np.sqrt(w)
    try:
        within = _within(fe, w, demean_tol)
    except _Singular:
        return Separation(np.zeros(n, dtype=bool), np.zeros(n), 0, False, float("nan"))
    q = None
    if x is not None and x.shape[1]:
        xt = within(x) if len(fe) else np.array(x, dtype=float, order="F")
        a = np.multiply(xt, sw[:, None], out=xt)
        norms = np.sqrt(np.einsum("ij,ij->j", a, a))
        live = norms > 0
        if live.any():
            # scaled in place (a column subset only when a column is all zero), and the rank's
            # columns of Q taken as the view they are (Q comes in column order): no further copy
            # of the design beside the QR's own
            a = a if live.all() else np.asfortranarray(a[:, live])
            a /= norms[live]
            q, r, _ = linalg.qr(a, mode="economic", pivoting=True, overwrite_a=True, check_finite=False)
            d = np.abs(np.diag(r))
            rank = int((d > rank_tol * d[0]).sum())
            q = np.asfortranarray(q[:, :rank]) if rank else None
        del a, xt
    u = zero.astype(float)
    z = np.zeros(n)
    positive_residual = 0.0
    converged = False
    iteration = 0
    for iteration in range(1, maxiter + 1):
        ut = within(u[:, None])[:, 0] if len(fe) else u
        if q is not None:
            swu = sw * ut
            resid = ut - (q @ (q.T @ swu)) / sw
        else:
            resid = ut
        z = u - resid  # the fitted values of u on the regressors and the effects
        positive_residual = float(np.abs(z[pos]).max())
        z[(z > -0.1 * tol) & (z < tol)] = 0.0
        if (z[zero] >= 0).all():
            converged = True
            break
        u = np.where(zero, np.maximum(z, 0.0), 0.0)
    z[pos] = 0.0
    separated = zero & (z > 0) if converged else np.zeros(n, dtype=bool)
    return Separation(separated, z, iteration, converged, positive_residual)


FULL_RANK_TOL = 1e-8
"""Smallest pivot, relative to the largest, of the positive outcomes' unit-norm regressors for
``find_separated``'s shortcut: a design nearer to rank deficiency than this goes through the
rectifier."""


def _full_rank(x_pos: np.ndarray, tol: float) -> bool:
    """Whether the regressors on the positive outcomes have full column rank, clearly (every pivot
    of a pivoted QR of the unit-norm columns above ``tol`` of the largest). Then no combination
    X b other than b = 0 vanishes on every positive outcome, so none separates (Santos Silva and
    Tenreyro 2010): without absorbed effects the rectifier has nothing to find, and its QR of the
    whole weighted design (2.6 CPU-s on the paper-scale pooled gravity design, issue 13) is skipped."""
    m, k = x_pos.shape
    if k == 0:
        return True
    if m < k:
        return False
    norms = np.sqrt(np.einsum("ij,ij->j", x_pos, x_pos))
    if not (norms > 0).all():
        return False
    r = linalg.qr(x_pos / norms, mode="r", pivoting=True, overwrite_a=True, check_finite=False)[0]
    d = np.abs(np.diag(r))
    return bool(d.min() > tol * d.max())


def _within(fe: FixedEffects, w: np.ndarray, demean_tol: float):
    """The residual of the weighted projection on the effects' dummies, for the rectifier's fixed
    weights, factorized once. One effect: ``absorb.demean`` (one exact pass). Two effects where
    ``absorb.TwoWayProjection`` applies: its exact block solve, factorized once for these weights.
    Otherwise: the weighted normal equations of the dummies, D'WD a = D'W v, by a sparse LU
    (minimum-degree ordering; one level of each further effect pinned at zero per connected set of
    levels, the redundancies between effects, which leave D a unchanged; one step of iterative
    refinement). A redundancy beyond those (three or more effects in a special pattern) makes the
    factorization singular: ``_Singular``, and the check reports ``converged=False``. Not alternating projections: they mix very
    slowly when the weights span the rectifier's eight orders of magnitude (10,000 sweeps were not
    enough on 15,000 rows of two sparse random effects)."""
    if len(fe) < 2:
        return lambda v: demean(v, w, fe, tol=demean_tol)[0]
    n = len(w)
    two_way = fe.two_way
    if two_way is not None:
        factors = two_way.factor(w)
        if factors is not None:

            def project_two_way(v: np.ndarray) -> np.ndarray:
                v = np.array(v, dtype=float, order="F")
                eff_a, eff_b = two_way.effects(factors, *two_way.level_sums(v, w))
                two_way.subtract(v, eff_a, eff_b)
                return v

            return project_two_way
    sizes = fe.n_levels()
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    total = int(sum(sizes))
    cols = np.concatenate([c + o for c, o in zip(fe.codes, offsets)])
    rows = np.tile(np.arange(n), len(fe))
    # the redundancies: within each connected set of levels, every further effect's dummies sum to
    # the first effect's; one level of each further effect per set is pinned at zero
    link = sparse.coo_matrix((np.ones(n * (len(fe) - 1)), (np.tile(fe.codes[0], len(fe) - 1), cols[n:])), shape=(total, total))
    _, comp = connected_components(link, directed=False)
    pinned = np.zeros(total, dtype=bool)
    for k in range(1, len(fe)):
        levels = np.arange(offsets[k], offsets[k] + sizes[k])
        _, first = np.unique(comp[levels], return_index=True)
        pinned[levels[first]] = True
    keep_col = np.cumsum(~pinned) - 1
    sel = ~pinned[cols]
    d = sparse.csr_matrix((np.ones(int(sel.sum())), (rows[sel], keep_col[cols[sel]])), shape=(n, int((~pinned).sum())))
    dt = d.T.tocsr()
    normal = (dt @ sparse.diags(w) @ d).tocsc()
    try:
        lu = splu(normal, permc_spec="MMD_AT_PLUS_A")
    except RuntimeError as err:  # a redundancy beyond the pinned ones (three or more effects)
        raise _Singular(str(err)) from None

    def project(v: np.ndarray) -> np.ndarray:
        v = np.asarray(v, dtype=float)
        rhs = dt @ (w[:, None] * v)
        a = lu.solve(rhs)
        a += lu.solve(rhs - normal @ a)  # one step of iterative refinement
        return v - d @ a

    return project
