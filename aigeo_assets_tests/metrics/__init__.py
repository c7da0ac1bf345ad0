"""Tests of aigeo_assets.metrics."""
