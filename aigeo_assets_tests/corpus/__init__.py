"""Tests of aigeo_assets.corpus."""
