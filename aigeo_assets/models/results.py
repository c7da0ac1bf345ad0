"""The fitted count model as a value, in statsmodels' manner (``.params``, ``.bse``, ``.summary()``).

A ``CountResult`` keeps the estimates, their covariance, fit statistics and the bookkeeping of the
sample (observations dropped, and why), not the data: it pickles small, so a fitted model can be
an asset of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats


@dataclass(frozen=True)
class WaldTest:
    """A Wald test of the linear hypothesis R b = q: chi-squared with ``df`` degrees of freedom."""

    hypothesis: str
    statistic: float
    df: int
    pvalue: float

    def __str__(self) -> str:
        return f"Wald test of {self.hypothesis}: chi2({self.df}) = {self.statistic:.4f}, p = {self.pvalue:.4g}"


_TERM = re.compile(r"\s*([+-]?)\s*(?:(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)\s*\*\s*)?([A-Za-z_][\w.]*)\s*")


def parse_constraint(expr: str, names: list[str]) -> tuple[np.ndarray, float]:
    """One linear restriction ``"a = 1"``, ``"a - b = 0"`` or ``"2*a + b = 3"`` as (row of R, q)."""
    if expr.count("=") != 1:
        raise ValueError(f"hypothesis {expr!r}: write one equation such as 'x = 1'")
    lhs, rhs = (s.strip() for s in expr.split("="))
    try:
        q = float(rhs)
    except ValueError:
        raise ValueError(f"hypothesis {expr!r}: the right-hand side must be a number") from None
    row = np.zeros(len(names))
    pos = 0
    while pos < len(lhs):
        m = _TERM.match(lhs, pos)
        if not m or m.end() == pos:
            raise ValueError(f"hypothesis {expr!r}: cannot read {lhs[pos:]!r}")
        sign, coef, name = m.groups()
        if name not in names:
            raise ValueError(f"hypothesis {expr!r}: no coefficient {name!r} (have {names})")
        row[names.index(name)] += (-1.0 if sign == "-" else 1.0) * (float(coef) if coef else 1.0)
        pos = m.end()
    return row, q


@dataclass
class CountResult:
    """Poisson (PPML) or negative binomial (NB2) fit with absorbed fixed effects.

    ``params``/``bse``/``pvalues`` are Series over the regressors; ``fixed_effects`` holds each
    absorbed effect's estimates (identified up to the normalization of ``absorb.recover_effects``).
    ``dropped`` counts the observations left out: ``missing`` values, ``all_zero_groups`` of each
    absorbed effect and ``separated`` observations.
    """

    family: str
    params: pd.Series
    cov: pd.DataFrame
    cov_type: str
    nobs: int
    df_resid: int
    llf: float
    llnull: float
    deviance: float
    corr_squared: float
    converged: bool
    iterations: int
    dropped: dict[str, int]
    absorbed: dict[str, int]
    alpha: float | None = None
    n_clusters: int | None = None
    fixed_effects: dict[str, pd.Series] = field(default_factory=dict)
    outcome: str = "y"
    omitted: list[str] = field(default_factory=list)
    """Regressors left out as collinear (``collinear="drop"``)."""

    # -- statsmodels' vocabulary -------------------------------------------------------------
    @property
    def bse(self) -> pd.Series:
        return pd.Series(np.sqrt(np.diag(self.cov.to_numpy())), index=self.params.index, name="bse")

    @property
    def tvalues(self) -> pd.Series:
        return (self.params / self.bse).rename("z")

    @property
    def pvalues(self) -> pd.Series:
        return pd.Series(2 * stats.norm.sf(np.abs(self.tvalues.to_numpy())), index=self.params.index, name="pvalue")

    def cov_params(self) -> pd.DataFrame:
        return self.cov.copy()

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        z = stats.norm.ppf(1 - alpha / 2)
        return pd.DataFrame({"lower": self.params - z * self.bse, "upper": self.params + z * self.bse})

    def irr(self, alpha: float = 0.05) -> pd.DataFrame:
        """Incidence-rate ratios exp(b) with their confidence intervals (exp of the bounds)."""
        ci = self.conf_int(alpha)
        return pd.DataFrame({"irr": np.exp(self.params), "lower": np.exp(ci["lower"]), "upper": np.exp(ci["upper"])})

    def pseudo_rsquared(self, kind: str = "mcf") -> float:
        """``mcf``: McFadden's 1 - llf/llnull, llnull the constant-only model of the same family
        (what Stata's ``poisson`` prints as "Pseudo R2"); ``corr``: the squared correlation of
        fitted and observed outcomes (what Santos Silva and Tenreyro's ``ppml`` prints)."""
        if kind == "mcf":
            return float(1 - self.llf / self.llnull) if self.llnull else float("nan")
        if kind == "corr":
            return self.corr_squared
        raise ValueError(f"pseudo R-squared kind {kind!r}: use mcf or corr")

    def wald_test(self, hypothesis: str | list[str] | tuple[np.ndarray, np.ndarray]) -> WaldTest:
        """Wald test of linear restrictions: one or several equations (``"x = 1"``) or (R, q)."""
        names = list(self.params.index)
        if isinstance(hypothesis, tuple):
            r = np.atleast_2d(np.asarray(hypothesis[0], dtype=float))
            q = np.atleast_1d(np.asarray(hypothesis[1], dtype=float))
            text = "R b = q"
        else:
            eqs = [hypothesis] if isinstance(hypothesis, str) else list(hypothesis)
            rows = [parse_constraint(e, names) for e in eqs]
            r = np.vstack([row for row, _ in rows])
            q = np.array([v for _, v in rows])
            text = ", ".join(eqs)
        b = self.params.to_numpy()
        diff = r @ b - q
        middle = r @ self.cov.to_numpy() @ r.T
        stat = float(diff @ np.linalg.solve(middle, diff))
        df = r.shape[0]
        return WaldTest(text, stat, df, float(stats.chi2.sf(stat, df)))

    def to_frame(self, alpha: float = 0.05) -> pd.DataFrame:
        """One row per regressor: coefficient, standard error, z, p-value, confidence bounds."""
        ci = self.conf_int(alpha)
        return pd.DataFrame(
            {
                "term": self.params.index,
                "coef": self.params.to_numpy(),
                "std_err": self.bse.to_numpy(),
                "z": self.tvalues.to_numpy(),
                "p_value": self.pvalues.to_numpy(),
                "ci_lower": ci["lower"].to_numpy(),
                "ci_upper": ci["upper"].to_numpy(),
            }
        )

    def summary(self) -> str:
        """A plain-text table of the fit, in the manner of statsmodels' ``summary()``."""
        name = {"poisson": "Poisson pseudo-maximum likelihood", "negbin": "Negative binomial (NB2)"}[self.family]
        head = [
            f"{name}: {self.outcome}",
            f"Observations: {self.nobs:,}   converged: {self.converged} in {self.iterations} iterations",
            f"Covariance: {self.cov_type}" + (f" ({self.n_clusters:,} clusters)" if self.n_clusters else ""),
            f"Log-likelihood: {self.llf:,.3f}   pseudo R2 (McFadden): {self.pseudo_rsquared('mcf'):.4f}"
            f"   squared corr(y, fit): {self.corr_squared:.4f}",
        ]
        if self.alpha is not None:
            head.append(f"Dispersion alpha (var = mu + alpha mu^2): {self.alpha:.6g}")
        if self.absorbed:
            head.append("Absorbed: " + ", ".join(f"{k} ({v:,} levels)" for k, v in self.absorbed.items()))
        if self.omitted:
            head.append("Omitted as collinear: " + ", ".join(self.omitted))
        lost = {k: v for k, v in self.dropped.items() if v}
        if lost:
            head.append("Dropped: " + ", ".join(f"{k} {v:,}" for k, v in lost.items()))
        table = self.to_frame().set_index("term")
        body = table.to_string(float_format=lambda v: f"{v:.4f}")
        rule = "=" * max(len(line) for line in body.splitlines())
        return "\n".join([rule, *head, rule, body, rule])

    def __repr__(self) -> str:
        return f"<CountResult {self.family} {self.outcome} nobs={self.nobs} k={len(self.params)}>"
