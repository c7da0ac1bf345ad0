"""A table read back as an asset's input reads it: stored by the warehouse's writer, loaded by
``ParquetIOManager`` with the input's ``columns`` and ``ROWS`` metadata."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from aigeo_assets.resources.io import ParquetIOManager, write_parquet_atomic


def read_as_input(df: pd.DataFrame, folder: Path, columns: Sequence[str], rows: Sequence[tuple] | None = None) -> pd.DataFrame:
    """``df`` written to ``folder`` as the IO manager writes a table and loaded as an input declaring
    ``columns`` (and ``rows``) loads it."""
    path = folder / "table.parquet"
    write_parquet_atomic(df, path)
    return ParquetIOManager(base_dir=str(folder))._load(path, list(columns), list(rows) if rows else None)
