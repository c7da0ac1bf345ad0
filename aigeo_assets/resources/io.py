"""Parquet IO manager: one file per asset partition, written atomically."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import pandas as pd


def write_parquet_atomic(df: pd.DataFrame, path: Path) -> None:
    """Write to a temporary file beside ``path``, then rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        df.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


class ParquetIOManager(dg.ConfigurableIOManager):
    """Stores DataFrames as ``<base_dir>/<asset>/<partition>.parquet`` (``<asset>.parquet`` unpartitioned).

    Loading several upstream partitions gives a ``{partition_key: DataFrame}`` dict
    (``concat_partitions`` turns either form into one frame).
    """

    base_dir: str

    def _path(self, asset_key: dg.AssetKey, partition: str | None) -> Path:
        base = Path(self.base_dir).joinpath(*asset_key.path)
        return base / f"{partition}.parquet" if partition is not None else base.with_suffix(".parquet")

    def handle_output(self, context: dg.OutputContext, obj: pd.DataFrame) -> None:
        if obj is None:
            return
        if not isinstance(obj, pd.DataFrame):
            raise TypeError(f"{context.asset_key.to_user_string()}: ParquetIOManager stores DataFrames, got {type(obj).__name__}")
        partition = context.asset_partition_key if context.has_asset_partitions else None
        write_parquet_atomic(obj, self._path(context.asset_key, partition))

    def load_input(self, context: dg.InputContext):
        key = context.asset_key
        if not context.has_asset_partitions:
            return self._read(self._path(key, None), key)
        keys = context.asset_partition_keys
        if len(keys) == 1:
            return self._read(self._path(key, keys[0]), key)
        return {k: self._read(self._path(key, k), key, k) for k in keys}

    @staticmethod
    def _read(path: Path, key: dg.AssetKey, partition: str | None = None) -> pd.DataFrame:
        if not path.exists():
            where = f" partition {partition}" if partition else ""
            raise FileNotFoundError(f"{key.to_user_string()}{where} has not been materialized ({path} is missing)")
        return pd.read_parquet(path)



def concat_partitions(loaded: pd.DataFrame | dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One frame from what ``load_input`` gave for one or several partitions."""
    if isinstance(loaded, pd.DataFrame):
        return loaded
    frames = [loaded[k] for k in sorted(loaded)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
