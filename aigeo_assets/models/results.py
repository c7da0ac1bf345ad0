"""The fitted count model as a value, in statsmodels' manner (``.params``, ``.bse``, ``.summary()``).

A ``CountResult`` keeps the estimates, their covariance, fit statistics and the bookkeeping of the
sample (observations dropped, and why), not the data: it pickles small, so a fitted model can be
an asset of its own.

A model the data cannot identify (no positive outcome, no observation left, fewer observations
than parameters: a thin year of real records) is not an error of the run: the engine raises
``NotEstimableError`` and ``estimate`` turns it into a ``NotEstimable`` value that stands where the
fit would (same vocabulary, empty estimates, ``estimable`` False) and says why, e.g. "not
estimable: no positive outcome in 12 observations". Every model asset, table, figure and the
atlas use it the same way.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import chdtrc, ndtr, ndtri  # scipy.stats' own normal and chi-squared tails; importing scipy.stats costs 0.8 s per process


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


class NotEstimableError(ValueError):
    """The data cannot identify the model (no positive outcome, no observation, no degree of
    freedom left): a property of the sample, not a bug. ``estimate`` turns it into ``NotEstimable``
    with the ``family``, ``outcome`` and ``nobs`` it carries."""

    def __init__(self, reason: str, *, family: str = "", outcome="y", nobs: int = 0):
        super().__init__(reason)
        self.family, self.outcome, self.nobs = family, str(outcome), int(nobs)


@dataclass
class CountResult:
    """Poisson (PPML) or negative binomial (NB2) fit with absorbed fixed effects.

    ``params``/``bse``/``pvalues`` are Series over the regressors; ``fixed_effects`` holds each
    absorbed effect's estimates (identified up to the normalization of ``absorb.recover_effects``).
    ``dropped`` counts the observations left out: ``missing`` values, ``all_zero_groups`` of each
    absorbed effect and ``separated`` observations (``models.separation``); ``omitted`` names every
    regressor left out, ``dropped_regressors`` those of them dropped after the separated rows.
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
    """Every regressor left out: collinear on the sample (``collinear="drop"``) or after the
    separated observations went (those also in ``dropped_regressors``)."""
    dropped_regressors: list[str] = field(default_factory=list)
    """Regressors dropped because they became collinear once the separated observations were
    dropped (only those rows identified them: their coefficients do not exist), as ppmlhdfe does."""
    estimable = True
    """A fitted model (``NotEstimable`` has False here)."""

    # -- statsmodels' vocabulary -------------------------------------------------------------
    @property
    def bse(self) -> pd.Series:
        return pd.Series(np.sqrt(np.diag(self.cov.to_numpy())), index=self.params.index, name="bse")

    @property
    def tvalues(self) -> pd.Series:
        return (self.params / self.bse).rename("z")

    @property
    def pvalues(self) -> pd.Series:
        return pd.Series(2 * ndtr(-np.abs(self.tvalues.to_numpy())), index=self.params.index, name="pvalue")

    def cov_params(self) -> pd.DataFrame:
        return self.cov.copy()

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        z = ndtri(1 - alpha / 2)
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
        return WaldTest(text, stat, df, float(chdtrc(df, stat)))

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
        collinear = [name for name in self.omitted if name not in self.dropped_regressors]
        if collinear:
            head.append("Omitted as collinear: " + ", ".join(collinear))
        if self.dropped_regressors:
            head.append("Dropped after the separated observations (collinear on the rest): " + ", ".join(self.dropped_regressors))
        lost = {k: v for k, v in self.dropped.items() if v}
        if lost:
            head.append("Dropped: " + ", ".join(f"{k} {v:,}" for k, v in lost.items()))
        table = self.to_frame().set_index("term")
        body = table.to_string(float_format=lambda v: f"{v:.4f}")
        rule = "=" * max(len(line) for line in body.splitlines())
        return "\n".join([rule, *head, rule, body, rule])

    def __repr__(self) -> str:
        return f"<CountResult {self.family} {self.outcome} nobs={self.nobs} k={len(self.params)}>"


_RESULT_COLUMNS = ["term", "coef", "std_err", "z", "p_value", "ci_lower", "ci_upper"]


@dataclass
class NotEstimable:
    """A model the data cannot identify, standing where its fit would be: what was attempted,
    on how many observations, and why it could not be estimated.

    It speaks the fitted models' vocabulary with nothing in it (empty ``params``/``bse``/
    ``pvalues``, ``to_frame()`` and ``irr()`` with no rows, ``nobs``), so tables built from
    several fits show the reason in its column instead of numbers; ``estimable`` is False and
    ``converged`` is None (nothing was iterated: a convergence check skips it)."""

    reason: str
    family: str = ""
    outcome: str = "y"
    nobs: int = 0
    estimable = False
    converged = None
    alpha = None
    dropped: dict[str, int] = field(default_factory=dict)
    absorbed: dict[str, int] = field(default_factory=dict)
    omitted: list[str] = field(default_factory=list)
    dropped_regressors: list[str] = field(default_factory=list)

    @property
    def params(self) -> pd.Series:
        return pd.Series([], dtype=float, name="coef")

    @property
    def bse(self) -> pd.Series:
        return pd.Series([], dtype=float, name="bse")

    @property
    def pvalues(self) -> pd.Series:
        return pd.Series([], dtype=float, name="pvalue")

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        return pd.DataFrame({"lower": pd.Series([], dtype=float), "upper": pd.Series([], dtype=float)})

    def irr(self, alpha: float = 0.05) -> pd.DataFrame:
        return pd.DataFrame({c: pd.Series([], dtype=float) for c in ("irr", "lower", "upper")})

    def pseudo_rsquared(self, kind: str = "mcf") -> float:
        return float("nan")

    def to_frame(self, alpha: float = 0.05) -> pd.DataFrame:
        return pd.DataFrame({c: pd.Series([], dtype=object if c == "term" else float) for c in _RESULT_COLUMNS})

    def wald_test(self, hypothesis) -> WaldTest:
        raise NotEstimableError(str(self))

    def summary(self) -> str:
        return f"{self.outcome}: {self}"

    def __str__(self) -> str:
        return f"not estimable: {self.reason}"

    def __repr__(self) -> str:
        return f"<NotEstimable {self.family} {self.outcome}: {self.reason}>"


def estimate(fit: Callable[..., Any], *args, **kwargs):
    """``fit(*args, **kwargs)``, or a ``NotEstimable`` carrying the reason when the data cannot
    identify the model (``NotEstimableError``, or a singular information matrix). Other errors (a
    bad argument, negative counts) still raise: they are not a property of a thin sample."""
    try:
        return fit(*args, **kwargs)
    except NotEstimableError as err:
        return NotEstimable(str(err), family=err.family, outcome=err.outcome, nobs=err.nobs)
    except np.linalg.LinAlgError as err:
        return NotEstimable(f"singular information matrix ({err})")


NOT_ESTIMABLE = "not estimable"
"""How every table marks a model that could not be estimated: one row whose ``term`` is
"not estimable: <reason>" and whose numbers are null (``out_model_coefficients``,
``out_lifesci_relevance_irrs``, ``out_lifesci_collaboration_irrs``); figures and the atlas show the reason where the estimates would be."""


def not_estimable_rows(terms: pd.Series) -> pd.Series:
    """Which rows of a coefficient table stand for a model that was not estimable."""
    return terms.astype("string").str.startswith(NOT_ESTIMABLE).fillna(False).astype(bool)


def not_estimable_reasons(table: pd.DataFrame, by: tuple[str, ...] = ("model",)) -> dict[str, str]:
    """``{"<by values joined by ' '>": "not estimable: <reason>"}`` of a coefficient table's
    not-estimable rows (empty when every model was estimated)."""
    if table is None or table.empty or "term" not in table.columns:
        return {}
    rows = table[not_estimable_rows(table["term"]).to_numpy(bool)]
    keys = [c for c in by if c in rows.columns]
    return {" ".join(str(v) for v in r[keys] if not pd.isna(v)): str(r["term"]) for _, r in rows.iterrows()}


def names_by_reason(reasons: dict[str, str]) -> dict[str, list[str]]:
    """The names of ``reasons`` (name -> reason) grouped by reason, in order of appearance, so
    that several models or years with one reason are said once."""
    grouped: dict[str, list[str]] = {}
    for name, reason in reasons.items():
        grouped.setdefault(reason, []).append(name)
    return grouped


def not_estimable(fits) -> dict[str, str]:
    """``{name: reason}`` of the fits in a mapping that could not be estimated."""
    return {str(k): f.reason for k, f in fits.items() if not getattr(f, "estimable", True)}


def format_estimate(x: float, digits: int = 3) -> str:
    """A coefficient or standard error as a table prints it: ``digits`` decimals, or, when that would
    print 0.000 or -0.000 for a number that is not zero, two significant digits in scientific
    notation (4.2e-05), so no estimate reads as exactly zero."""
    x = float(x)
    if not math.isfinite(x):
        return "" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    if x != 0 and abs(x) < 0.5 * 10 ** -digits:
        return f"{x:.1e}"
    out = f"{x:.{digits}f}"
    return out[1:] if out.startswith("-") and float(out) == 0 else out
