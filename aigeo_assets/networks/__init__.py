"""Networks between cities, built from the city tables (pure functions)."""
