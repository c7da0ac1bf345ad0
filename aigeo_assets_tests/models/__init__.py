"""Tests of aigeo_assets.models."""
