"""Tests of aigeo_assets.ingest."""
