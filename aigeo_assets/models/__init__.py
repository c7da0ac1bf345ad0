"""Fitted models: count regressions with absorbed fixed effects (PPML, NB2) and the gravity
models of AlShebli et al. 2022 built on them. Pure functions, no Dagster."""

from aigeo_assets.models.count import fit_count_model, negative_binomial, poisson
from aigeo_assets.models.results import CountResult, NotEstimable, NotEstimableError, WaldTest, estimate, not_estimable

__all__ = ["CountResult", "NotEstimable", "NotEstimableError", "WaldTest", "estimate", "not_estimable", "fit_count_model", "negative_binomial", "poisson"]
