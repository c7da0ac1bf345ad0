"""Tests of aigeo_assets.centrality."""
