"""Tests of aigeo_assets.sampleworld."""
