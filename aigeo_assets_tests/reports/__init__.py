"""Tests of aigeo_assets.reports."""
