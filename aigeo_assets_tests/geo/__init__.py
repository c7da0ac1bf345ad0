"""Tests of aigeo_assets.geo."""
