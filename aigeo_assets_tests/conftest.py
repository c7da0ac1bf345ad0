"""Shared test set-up."""

import pandas as pd
import pytest

from aigeo_assets.geo.affiliation_text import GazetteerMatcher
from aigeo_assets.geo.gazetteer import load_gazetteer


@pytest.fixture(autouse=True, scope="session")
def _close_chromium_before_pytest_closes_its_streams():
    """kaleido keeps one chromium per process; close it while logging still has open streams."""
    yield
    from aigeo_assets.reports.figures import close_renderer

    close_renderer()


@pytest.fixture(scope="session")
def matcher() -> GazetteerMatcher:
    """The affiliation-text city matcher (its GeoNames index is built once per process)."""
    return GazetteerMatcher()


@pytest.fixture(scope="session")
def gaz() -> pd.DataFrame:
    """The GeoNames gazetteer indexed by ``geonames_id``."""
    return load_gazetteer().set_index("geonames_id")
