"""Tests of aigeo_assets.networks."""
