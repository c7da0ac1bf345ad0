"""Resources: where works come from, where tables go, and the analysis settings.

The names below are loaded when first used (PEP 562), so that importing one light module of the
package (``resources.settings``, which the CLI reads for its help and its errors) does not import
Dagster."""

from __future__ import annotations

import importlib

_WHERE = {
    "EXECUTORS": "executors",
    "build_executor": "executors",
    "with_executor": "executors",
    "ParquetIOManager": "io",
    "PickleIOManager": "io",
    "AnalysisSettings": "analysis",
    "Settings": "settings",
    "LifeSciSource": "sources",
    "OpenAlexApiSource": "sources",
    "SampleWorldSource": "sources",
    "SnapshotSource": "sources",
    "WorksSource": "sources",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
