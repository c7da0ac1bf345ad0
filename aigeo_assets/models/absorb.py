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

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


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
) -> tuple[np.ndarray, int]:
    """``values`` (n, k) minus their weighted projection on the effects' dummies (the residual of
    the within transformation). Returns the demeaned copy and the sweeps used (0 without effects,
    1 for one effect, which is exact).

    Two or more effects: alternating projections, stopped when a sweep moves no group mean by
    more than ``tol`` (relative to the column's largest value), as before; every third sweep is
    an Irons-Tuck extrapolation of the two sweeps before it (fixest's acceleration), an affine
    combination of iterates, so it stays in the same coset ``values - D a`` and the fixed point,
    the residual, is the one plain sweeps converge to. With weights spread over orders of
    magnitude (PPML's) plain sweeps need hundreds of passes; the extrapolation cuts them several
    fold. The stopping rule is always judged on a plain sweep."""
    out = np.array(values, dtype=np.float64, copy=True, order="F")
    if out.ndim == 1:
        out = out[:, None]
    if not fe.names:
        return out, 0
    wsum = [np.bincount(c, weights=weights, minlength=len(lv)) for c, lv in zip(fe.codes, fe.levels)]
    wsum = [np.where(s > 0, s, 1.0) for s in wsum]
    scale = np.maximum(np.abs(out).max(axis=0), 1e-300)

    def sweep() -> float:
        largest = 0.0
        for codes, ws in zip(fe.codes, wsum):
            for j in range(out.shape[1]):
                col = out[:, j]
                means = np.bincount(codes, weights=weights * col, minlength=len(ws)) / ws
                col -= means[codes]
                if len(fe.names) > 1:
                    largest = max(largest, float(np.abs(means).max()) / scale[j])
        return largest

    sweeps = 0
    largest = sweep()
    sweeps += 1
    while len(fe.names) > 1 and largest >= tol:
        if sweeps >= maxiter:
            raise RuntimeError(f"within-group demeaning did not converge in {maxiter} sweeps (largest step {largest:.2e})")
        x0 = out.copy()
        largest = sweep()
        sweeps += 1
        if largest < tol:
            break
        x1 = out.copy()
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


def separated_by_effects(y: np.ndarray, fe: FixedEffects) -> np.ndarray:
    """Zero-outcome observations separated by a pair of absorbed effects (their fitted mean can be
    driven to zero by the effects alone while every positive observation keeps its fit).

    For effects A and B, the positive observations link levels into connected components, within
    which a_k + b_l = 0 must hold, so a = c_K and b = -c_K per component K. A zero observation in
    components K (its A level) and L (its B level), K != L, asks c_K <= c_L; such a constraint can
    be strict, and the observation is separated, unless the constraints between components form a
    cycle through it (then c_K = c_L). So the zero observations whose component edge K -> L does not
    lie inside one strongly connected component of the component graph are exactly the ones
    separated by A and B. Checked for every pair of effects (exact for two effects; for more, a
    sufficient condition). Assumes all-zero groups are already gone. Returns a mask."""
    sep = np.zeros(len(y), dtype=bool)
    zero = y == 0
    if len(fe) < 2 or not zero.any():
        return sep
    pos = ~zero
    for i in range(len(fe)):
        for j in range(i + 1, len(fe)):
            a, b = fe.codes[i], fe.codes[j]
            na, nb = len(fe.levels[i]), len(fe.levels[j])
            graph = coo_matrix((np.ones(int(pos.sum())), (a[pos], b[pos] + na)), shape=(na + nb, na + nb))
            _, comp = connected_components(graph, directed=False)
            k, l = comp[a[zero]], comp[b[zero] + na]
            cross = k != l
            if not cross.any():
                continue
            n_comp = int(comp.max()) + 1
            dgraph = coo_matrix((np.ones(int(cross.sum())), (k[cross], l[cross])), shape=(n_comp, n_comp))
            _, scc = connected_components(dgraph, directed=True, connection="strong")
            separated = cross & (scc[k] != scc[l])
            sep[np.nonzero(zero)[0][separated]] = True
    return sep
