"""Tests of aigeo_assets.automation."""
