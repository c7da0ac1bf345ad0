"""Shared test set-up, and how ``make test`` spreads the suite over the cores (pytest-xdist)."""

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from aigeo_assets.cores import usable_cores
from aigeo_assets.geo.affiliation_text import GazetteerMatcher
from aigeo_assets.geo.gazetteer import load_gazetteer


WORKER_MEMORY_GIB = 4
"""Memory set aside for each test worker of ``make test`` (``-n auto``): a whole run on the tiny world
starts ``aigeo run`` workers, Dagster and chromium beside the test process."""


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist: plain pytest without it still runs
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one worker per core this process may use, as many as the memory holds."""
    cores = usable_cores()
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return max(1, min(cores, int(memory_gib // WORKER_MEMORY_GIB)))


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


class TinyWorlds:
    """The tiny sample world of each seed, generated once per session (``generate_world(root, "tiny",
    seed)``, default workers). ``generated(seed)`` is that folder, to read only; calling
    ``tiny_worlds(data_dir, seed)`` copies it to ``data_dir/sources/sample-tiny-<seed>``, where
    ``SampleWorldSource`` looks, so a run finds it made (its ``truth.json`` parameters match) instead of
    generating it again, and may change its copy. ``test_sampleworld`` checks the generator itself."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory):
        self._tmp = tmp_path_factory
        self._made: dict[int, Path] = {}

    def generated(self, seed: int = 7) -> Path:
        from aigeo_assets.sampleworld import generate_world

        if seed not in self._made:
            self._made[seed] = generate_world(self._tmp.mktemp(f"tiny-{seed}") / "world", "tiny", seed)
        return self._made[seed]

    def __call__(self, data_dir: Path, seed: int = 7) -> Path:
        target = Path(data_dir) / "sources" / f"sample-tiny-{seed}"
        shutil.copytree(self.generated(seed), target)
        return target


@pytest.fixture(scope="session")
def tiny_world(tmp_path_factory) -> TinyWorlds:
    """See ``TinyWorlds``."""
    return TinyWorlds(tmp_path_factory)
