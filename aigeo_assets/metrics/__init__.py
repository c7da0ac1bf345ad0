"""City metrics, top cities and city x city matrices (pure functions)."""
