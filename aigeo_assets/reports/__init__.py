"""Report figures: pure plotly figure builders and the machinery that writes them (no dagster)."""
