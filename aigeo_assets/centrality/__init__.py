"""Centrality measures of the city networks (East-West betweenness, robustness checks)."""
