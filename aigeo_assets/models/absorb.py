"""High-dimensional fixed effects: codes, all-zero groups, weighted within-group demeaning.

The fixed effects of a count regression are never turned into dummy columns. Each absorbed effect
is an integer code per observation; inside every IRLS iteration the working outcome and the
regressors are demeaned, with the IRLS weights, within the groups of every effect (one exact pass
for one effect; alternating projections, the method of Guimarães and Portugal 2010 used by reghdfe,
fixest and ppmlhdfe, for two or more). Group sums are ``numpy.bincount`` passes, linear in the
number of observations.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import linalg
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from aigeo_assets.cores import one_blas_thread
from aigeo_assets.corpus.lookup import run_starts


@dataclass(frozen=True)
class FixedEffects:
    """Absorbed effects: per effect, the observation codes (0..levels-1) and the level labels."""

    names: tuple[str, ...]
    codes: tuple[np.ndarray, ...]
    levels: tuple[pd.Index, ...]

    @classmethod
    def from_frame(cls, frame: pd.DataFrame | None) -> FixedEffects:
        if frame is None or frame.shape[1] == 0:
            return cls((), (), ())
        codes, levels = [], []
        for name in frame.columns:
            c, u = pd.factorize(frame[name], sort=True, use_na_sentinel=True)
            if (c < 0).any():
                raise ValueError(f"fixed effect {name!r} has {int((c < 0).sum())} missing values")
            codes.append(c.astype(np.int64))
            levels.append(pd.Index(u, name=name))
        return cls(tuple(str(n) for n in frame.columns), tuple(codes), tuple(levels))

    def __len__(self) -> int:
        return len(self.names)

    def subset(self, keep: np.ndarray) -> FixedEffects:
        """The effects on the kept observations, levels that lost every observation removed."""
        codes, levels = [], []
        for c, lv in zip(self.codes, self.levels):
            kept = c[keep]
            used, new = np.unique(kept, return_inverse=True)
            codes.append(new.astype(np.int64))
            levels.append(lv[used])
        return FixedEffects(self.names, tuple(codes), tuple(levels))

    def n_levels(self) -> list[int]:
        return [len(lv) for lv in self.levels]

    @cached_property
    def two_way(self) -> TwoWayProjection | None:
        """The exact projection on two effects, or None where it does not apply (see
        ``TwoWayProjection.build``). Built once per sample: IRLS demeans with new weights every
        iteration on the same effects."""
        return TwoWayProjection.build(self) if len(self.names) == 2 else None

    def degrees_of_freedom(self) -> int:
        """Parameters the effects use: levels of the first, plus levels minus one per connected
        component of each further effect with the first (exact for one and two effects, as in
        reghdfe and fixest; for three or more a lower bound on the redundancies is not sought and
        each further effect counts levels - 1)."""
        if not self.names:
            return 0
        dof = len(self.levels[0])
        for k in range(1, len(self.names)):
            if k == 1:
                n0, n1 = len(self.levels[0]), len(self.levels[1])
                graph = coo_matrix(
                    (np.ones(len(self.codes[0])), (self.codes[0], self.codes[1] + n0)), shape=(n0 + n1, n0 + n1)
                )
                n_comp, _ = connected_components(graph, directed=False)
                dof += n1 - n_comp
            else:
                dof += len(self.levels[k]) - 1
        return dof


DIRECT_MAX_SOLVED_LEVELS = 2_000
"""Largest block ``TwoWayProjection`` factorizes (levels of the smaller effect in one connected
set): its cost grows with the cube, alternating projections' only with the observations."""


@dataclass(frozen=True)
class TwoWayProjection:
    """The weighted projection on two sets of dummies [D_A D_B], solved exactly.

    The normal equations [[W_A, C], [C', W_B]] [a; b] = [D_A' W v; D_B' W v] (W_A, W_B the weight
    per level, C the weight per cell (level of A, level of B)) split into the connected sets of
    levels that observations link (a set of A levels and B levels, e.g. one year of the
    structural gravity model's citing-city-year and cited-city-year effects). In each set, the
    effects of the larger side are eliminated (a Schur complement, the classic two-way fixed
    effects solve of Abowd, Creecy and Kramarz 2002, done densely here), one level of the smaller
    side is fixed at zero (the pair's one redundancy per set: the sum of either side's dummies is
    the same vector) and the rest found by a Cholesky factorization. Exact up to rounding, where
    alternating projections converge geometrically, slowly when weights span orders of magnitude
    (PPML's). Applies when every set's cells fit densely: in total at most four per observation
    plus a million, and at most ``DIRECT_MAX_SOLVED_LEVELS`` levels on the smaller side of a set;
    otherwise ``build`` returns None and ``demean`` uses alternating projections.

    Sets are numbered in the order of their first observation, and levels within a set in the
    order of their codes. When every cell holds exactly one observation and the observations come
    in cell order (``in_cell_order``: the structural gravity model's pair-years sorted by year,
    citing city and cited city, every pair of a year present), each set's observations are its
    dense block row by row, so the sums per level are row and column sums of the block and the
    effects are taken off by broadcasting, where otherwise ``bincount`` scatters and ``take``
    gathers every observation (issue 13: on the paper-scale pooled design these passes, not the
    solves, were most of a structural fit)."""

    codes: tuple[np.ndarray, np.ndarray]
    sizes: tuple[int, int]
    cell: np.ndarray  # per observation, its cell in the concatenated dense blocks
    blocks: tuple[tuple[np.ndarray, np.ndarray, int], ...]  # per set: A levels, B levels, first cell
    in_cell_order: bool = False  # observation k is cell k: one observation per cell, in cell order

    @classmethod
    def build(cls, fe: FixedEffects) -> TwoWayProjection | None:
        a, b = fe.codes
        na, nb = (len(lv) for lv in fe.levels)
        n = len(a)
        graph = coo_matrix((np.ones(n), (a, b + na)), shape=(na + nb, na + nb))
        n_sets, comp = connected_components(graph, directed=False)
        heads = comp[a[run_starts(a)]]  # sets renumbered by their first observation
        renumber = np.empty(n_sets, dtype=np.int64)
        renumber[pd.unique(heads)] = np.arange(n_sets)
        comp = renumber[comp]
        comp_a, comp_b = comp[:na], comp[na:]
        size_a = np.bincount(comp_a, minlength=n_sets)
        size_b = np.bincount(comp_b, minlength=n_sets)
        cells = size_a.astype(np.int64) * size_b
        if cells.sum() > 4 * n + 1_000_000 or np.minimum(size_a, size_b).max() > DIRECT_MAX_SOLVED_LEVELS or n_sets > 20_000:
            return None
        first_cell = np.concatenate([[0], np.cumsum(cells)[:-1]])
        order_a, order_b = np.argsort(comp_a, kind="stable"), np.argsort(comp_b, kind="stable")
        start_a = np.concatenate([[0], np.cumsum(size_a)[:-1]])
        start_b = np.concatenate([[0], np.cumsum(size_b)[:-1]])
        local_a = np.empty(na, dtype=np.int64)
        local_a[order_a] = np.arange(na) - start_a[comp_a[order_a]]
        local_b = np.empty(nb, dtype=np.int64)
        local_b[order_b] = np.arange(nb) - start_b[comp_b[order_b]]
        obs_set = comp_a[a]
        cell = first_cell[obs_set] + local_a[a] * size_b[obs_set] + local_b[b]
        blocks = tuple(
            (order_a[start_a[k]:start_a[k] + size_a[k]], order_b[start_b[k]:start_b[k] + size_b[k]], int(first_cell[k]))
            for k in range(n_sets)
        )
        in_cell_order = int(cells.sum()) == n and bool((cell == np.arange(n)).all())
        return cls((a, b), (na, nb), cell, blocks, in_cell_order)

    def level_sums(self, values: np.ndarray, weights: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """The weighted sums per level of A (na, k) and of B (nb, k) of the columns of ``values``
        (n, k): ``D_A' W v`` and ``D_B' W v`` (plain sums when ``weights`` is None)."""
        (a, b), (na, nb) = self.codes, self.sizes
        k = values.shape[1]
        sums_a, sums_b = np.empty((na, k)), np.empty((nb, k))
        buffer = None if weights is None else np.empty(len(values))
        for j in range(k):
            wv = values[:, j] if weights is None else np.multiply(weights, values[:, j], out=buffer)
            if self.in_cell_order:
                for lev_a, lev_b, first in self.blocks:
                    block = wv[first:first + len(lev_a) * len(lev_b)].reshape(len(lev_a), len(lev_b))
                    sums_a[lev_a, j] = block.sum(axis=1)
                    sums_b[lev_b, j] = block.sum(axis=0)
            else:
                sums_a[:, j] = np.bincount(a, weights=wv, minlength=na)
                sums_b[:, j] = np.bincount(b, weights=wv, minlength=nb)
        return sums_a, sums_b

    def subtract(self, out: np.ndarray, eff_a: np.ndarray, eff_b: np.ndarray) -> None:
        """``out`` (n, k) minus ``D_A eff_a + D_B eff_b``, in place."""
        a, b = self.codes
        buffer = None if self.in_cell_order else np.empty(len(out))
        for j in range(out.shape[1]):
            col = out[:, j]
            if self.in_cell_order:
                for lev_a, lev_b, first in self.blocks:
                    block = col[first:first + len(lev_a) * len(lev_b)].reshape(len(lev_a), len(lev_b))
                    block -= eff_a[lev_a, j][:, None]
                    block -= eff_b[lev_b, j][None, :]
            else:
                col -= np.take(np.ascontiguousarray(eff_a[:, j]), a, out=buffer)
                col -= np.take(np.ascontiguousarray(eff_b[:, j]), b, out=buffer)

    def factor(self, weights: np.ndarray) -> list | None:
        """Per connected set: its dense cell weights, the per-level weights of both sides and the
        Cholesky factor of the smaller side's Schur complement (one level fixed). None when a level
        has no weight or a factorization fails (rounding on extreme weights): ``demean`` then
        sweeps."""
        if self.in_cell_order:
            cells = weights
            w_a, w_b = (s[:, 0] for s in self.level_sums(weights[:, None], None))
        else:
            (a, b), (na, nb) = self.codes, self.sizes
            w_a = np.bincount(a, weights=weights, minlength=na)
            w_b = np.bincount(b, weights=weights, minlength=nb)
            total = self.blocks[-1][2] + len(self.blocks[-1][0]) * len(self.blocks[-1][1])
            cells = np.bincount(self.cell, weights=weights, minlength=total)
        if not ((w_a > 0).all() and (w_b > 0).all()):
            return None
        factors = []
        for lev_a, lev_b, first in self.blocks:
            c = cells[first:first + len(lev_a) * len(lev_b)].reshape(len(lev_a), len(lev_b))
            wa, wb = w_a[lev_a], w_b[lev_b]
            solve_b = len(lev_b) <= len(lev_a)  # factorize the smaller side
            # C' diag(1/wa) C as S'S with S = diag(1/sqrt(wa)) C: numpy's matmul of an array's
            # transpose with itself is BLAS's syrk, half the flops of the general product
            if solve_b:
                scaled = c / np.sqrt(wa)[:, None]
                schur = np.diag(wb) - scaled.T @ scaled
            else:
                scaled = c.T / np.sqrt(wb)[:, None]
                schur = np.diag(wa) - scaled.T @ scaled
            chol = None
            if len(schur) > 1:
                try:
                    chol = linalg.cho_factor(schur[:-1, :-1], lower=False, check_finite=False)
                except linalg.LinAlgError:
                    return None
            factors.append((c, wa, wb, solve_b, chol))
        return factors

    def effects(self, factors: list, sums_a: np.ndarray, sums_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The effects (a, b), one column per right-hand side, solving the normal equations whose
        right-hand sides are the weighted sums per level ``sums_a`` (levels of A, k) and
        ``sums_b`` (levels of B, k); the last level of the smaller side of each set is zero."""
        eff_a, eff_b = np.zeros_like(sums_a), np.zeros_like(sums_b)
        for (lev_a, lev_b, _), (c, wa, wb, solve_b, chol) in zip(self.blocks, factors):
            ra, rb = sums_a[lev_a], sums_b[lev_b]
            if solve_b:
                x = np.zeros_like(rb)
                if chol is not None:
                    x[:-1] = linalg.cho_solve(chol, (rb - c.T @ (ra / wa[:, None]))[:-1], check_finite=False)
                eff_b[lev_b] = x
                eff_a[lev_a] = (ra - c @ x) / wa[:, None]
            else:
                x = np.zeros_like(ra)
                if chol is not None:
                    x[:-1] = linalg.cho_solve(chol, (ra - c @ (rb / wb[:, None]))[:-1], check_finite=False)
                eff_a[lev_a] = x
                eff_b[lev_b] = (rb - c.T @ x) / wb[:, None]
        return eff_a, eff_b

    def residualize(self, out: np.ndarray, weights: np.ndarray) -> np.ndarray | None:
        """Subtract from every column of ``out`` (n, k; in place) its weighted projection on both
        effects. Returns, per column, the largest weighted group mean left (``demean`` divides it by
        the column's scale for its stopping rule), computed from the normal
        equations' residual (no pass over the observations); None, leaving ``out`` untouched,
        when ``factor`` declines."""
        with one_blas_thread():
            factors = self.factor(weights)
        if factors is None:
            return None
        k = out.shape[1]
        sums_a, sums_b = self.level_sums(out, weights)
        largest = np.zeros(k)
        with one_blas_thread():
            eff_a, eff_b = self.effects(factors, sums_a, sums_b)
            for (lev_a, lev_b, _), (c, wa, wb, _solve_b, _chol) in zip(self.blocks, factors):
                ea, eb = eff_a[lev_a], eff_b[lev_b]  # the group means of D' W (v - D_A a - D_B b):
                mean_a = (sums_a[lev_a] - wa[:, None] * ea - c @ eb) / wa[:, None]
                mean_b = (sums_b[lev_b] - c.T @ ea - wb[:, None] * eb) / wb[:, None]
                largest = np.maximum(largest, np.maximum(np.abs(mean_a).max(axis=0), np.abs(mean_b).max(axis=0)))
        self.subtract(out, eff_a, eff_b)
        return largest


ABSORBED_TOL = 1e-5
"""Share of a regressor's norm below which the effects and the regressors before it absorb it
(``linearmodels``' ``drop_absorbed`` rule, so that the units of the regressor do not matter)."""


def absorbed_columns(gram: np.ndarray, norms: np.ndarray, constant: int | None = None, tol: float = ABSORBED_TOL) -> list[int]:
    """The regressors to keep, in order, from the Gram matrix ``X'X`` of the demeaned regressors
    and each regressor's norm before demeaning: regressor j goes when the part of it left after
    projecting out the kept regressors before it is less than ``tol`` of ``norms[j]`` (Gram-Schmidt
    on the columns divided by their former norms, as ``linearmodels.panel.utility.not_absorbed``
    does on the n rows, here on the k x k Gram matrix: a partial Cholesky factorization).
    ``constant``: a column taken first and always kept, as there."""
    k = len(norms)
    scale = np.where(norms > 0, norms, 1.0)
    g = gram / np.outer(scale, scale)
    order = list(range(k)) if constant is None else [constant, *(j for j in range(k) if j != constant)]
    basis: list[int] = []  # kept columns with something left (a zero constant is kept, spans nothing)
    kept: list[int] = []
    for j in order:
        left = g[j, j]
        if basis:
            cross = g[basis, j]
            left -= float(cross @ np.linalg.solve(g[np.ix_(basis, basis)], cross))
        size = np.sqrt(max(left, 0.0))
        if j == constant or size >= tol:
            kept.append(j)
            if size > 0:
                basis.append(j)
    return sorted(kept)


def drop_all_zero_groups(y: np.ndarray, fe: FixedEffects) -> tuple[np.ndarray, dict[str, int]]:
    """Observations to keep after removing, until none is left, every group of every effect whose
    outcome is zero throughout (its effect would be minus infinity: Stata's ppmlhdfe, fixest).
    Returns the keep mask and, per effect, the number of groups dropped."""
    keep = np.ones(len(y), dtype=bool)
    dropped = {name: 0 for name in fe.names}
    changed = True
    while changed and fe.names:
        changed = False
        for name, codes, levels in zip(fe.names, fe.codes, fe.levels):
            n = len(levels)
            pos = np.bincount(codes[keep], weights=(y[keep] > 0).astype(float), minlength=n)
            present = np.bincount(codes[keep], minlength=n) > 0
            dead = present & (pos == 0)
            if dead.any():
                dropped[name] += int(dead.sum())
                keep &= ~dead[codes]
                changed = True
    return keep, dropped


def demean(
    values: np.ndarray,
    weights: np.ndarray,
    fe: FixedEffects,
    tol: float = 1e-10,
    maxiter: int = 10_000,
    direct: bool = True,
    copy: bool = True,
) -> tuple[np.ndarray, int]:
    """``values`` (n, k) minus their weighted projection on the effects' dummies (the residual of
    the within transformation). Returns the demeaned copy and the sweeps used (0 without effects,
    1 for one effect, which is exact).

    Two effects, ``direct`` and ``fe.two_way`` applicable: the exact solve of
    ``TwoWayProjection`` first (0 sweeps returned), checked against the stopping rule below on
    the group means it leaves; should rounding on extreme weights leave more than ``tol``, the
    sweeps below continue from it as before. ``direct=False`` is the former path, kept as the
    benchmark's and tests' peer. ``copy=False`` demeans ``values`` in place when it is a 2-d
    float64 array in column order (IRLS reuses one block across iterations: fresh arrays of this
    size cost more in page faults than the arithmetic).

    Otherwise, with two or more effects: alternating projections, stopped when a sweep moves no group mean by
    more than ``tol`` (relative to the column's largest value), as before; every third sweep is
    an Irons-Tuck extrapolation of the two sweeps before it (fixest's acceleration), an affine
    combination of iterates, so it stays in the same coset ``values - D a`` and the fixed point,
    the residual, is the one plain sweeps converge to. With weights spread over orders of
    magnitude (PPML's) plain sweeps need hundreds of passes; the extrapolation cuts them several
    fold. The stopping rule is always judged on a plain sweep."""
    out = np.array(values, dtype=np.float64, copy=copy, order="F")
    if out.ndim == 1:
        out = out[:, None]
    if not fe.names or out.shape[1] == 0:  # no effect, or no column left (every regressor dropped)
        return out, 0
    wsum = [np.bincount(c, weights=weights, minlength=len(lv)) for c, lv in zip(fe.codes, fe.levels)]
    wsum = [np.where(s > 0, s, 1.0) for s in wsum]
    scale = np.maximum(np.maximum(out.max(axis=0), -out.min(axis=0)), 1e-300)
    weighted, gathered = np.empty(len(out)), np.empty(len(out))

    def sweep() -> float:
        largest = 0.0
        for codes, ws in zip(fe.codes, wsum):
            for j in range(out.shape[1]):
                col = out[:, j]
                means = np.bincount(codes, weights=np.multiply(weights, col, out=weighted), minlength=len(ws)) / ws
                col -= np.take(means, codes, out=gathered)
                if len(fe.names) > 1:
                    largest = max(largest, float(np.abs(means).max()) / scale[j])
        return largest

    if direct and fe.two_way is not None:
        left = fe.two_way.residualize(out, weights)
        if left is not None and float((left / scale).max()) < tol:
            return out, 0
    sweeps = 0
    largest = sweep()
    sweeps += 1
    while len(fe.names) > 1 and largest >= tol:
        if sweeps >= maxiter:
            raise RuntimeError(f"within-group demeaning did not converge in {maxiter} sweeps (largest step {largest:.2e})")
        x0 = out.copy(order="F")  # the layout of out: a mixed-layout difference is a strided, slow one
        largest = sweep()
        sweeps += 1
        if largest < tol:
            break
        x1 = out.copy(order="F")
        largest = sweep()
        sweeps += 1
        if largest < tol:
            break
        d1 = out - x1
        d2 = d1 - (x1 - x0)
        den = np.einsum("ij,ij->j", d2, d2)
        num = np.einsum("ij,ij->j", d2, d1)
        out -= np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0) * d1
        largest = sweep()
        sweeps += 1
    return out, sweeps


def recover_effects(
    eta_fe: np.ndarray, weights: np.ndarray, fe: FixedEffects, tol: float = 1e-12, maxiter: int = 10_000
) -> dict[str, pd.Series]:
    """The effects' estimates from their summed contribution ``eta_fe`` (linear predictor minus
    the regressors' part). With one effect the estimates are exact group means; with more they
    are found by alternating projections and identified only up to a normalization: every
    effect after the first has a (weighted) mean of zero over the observations."""
    alphas = [np.zeros(len(lv)) for lv in fe.levels]
    if not fe.names:
        return {}
    resid = eta_fe.astype(np.float64).copy()
    wsum = [np.maximum(np.bincount(c, weights=weights, minlength=len(lv)), 1e-300) for c, lv in zip(fe.codes, fe.levels)]
    for _ in range(maxiter):
        largest = 0.0
        for k, (codes, ws) in enumerate(zip(fe.codes, wsum)):
            step = np.bincount(codes, weights=weights * resid, minlength=len(ws)) / ws
            alphas[k] += step
            resid -= step[codes]
            largest = max(largest, float(np.abs(step).max()))
        if len(fe.names) == 1 or largest < tol:
            break
    for k in range(1, len(fe.names)):
        centre = float(np.average(alphas[k][fe.codes[k]], weights=weights))
        alphas[k] -= centre
        alphas[0] += centre
    return {name: pd.Series(a, index=lv, name=name) for name, a, lv in zip(fe.names, alphas, fe.levels)}
