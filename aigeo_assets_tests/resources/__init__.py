"""Tests of aigeo_assets.resources."""
