"""Shared test set-up."""

import pytest


@pytest.fixture(autouse=True, scope="session")
def _close_chromium_before_pytest_closes_its_streams():
    """kaleido keeps one chromium per process; close it while logging still has open streams."""
    yield
    from aigeo_assets.reports.figures import close_renderer

    close_renderer()
