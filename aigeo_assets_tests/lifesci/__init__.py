"""Tests of aigeo_assets.lifesci."""
