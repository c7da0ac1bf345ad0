"""Resources: where works come from, where tables go, and the analysis settings."""

from aigeo_assets.resources.executors import EXECUTORS, build_executor, with_executor
from aigeo_assets.resources.io import ParquetIOManager, PickleIOManager
from aigeo_assets.resources.settings import AnalysisSettings, Settings
from aigeo_assets.resources.sources import LifeSciSource, OpenAlexApiSource, SampleWorldSource, SnapshotSource, WorksSource

__all__ = [
    "EXECUTORS",
    "AnalysisSettings",
    "LifeSciSource",
    "OpenAlexApiSource",
    "ParquetIOManager",
    "PickleIOManager",
    "SampleWorldSource",
    "Settings",
    "SnapshotSource",
    "WorksSource",
    "build_executor",
    "with_executor",
]
