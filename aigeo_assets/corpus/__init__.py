"""The corpus: papers, citations and authors of each year (pure functions)."""
