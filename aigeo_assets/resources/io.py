"""IO managers: one file per asset partition, written atomically (parquet tables, pickled models)."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import dagster as dg
import pandas as pd


def write_atomic(path: Path, write) -> None:
    """``write(tmp)`` to a temporary file beside ``path``, then rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_parquet_atomic(df: pd.DataFrame, path: Path) -> None:
    write_atomic(path, lambda tmp: df.to_parquet(tmp, index=False))


def _write_pickle(obj, tmp: Path) -> None:
    with open(tmp, "wb") as fh:
        pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)


class ParquetIOManager(dg.ConfigurableIOManager):
    """Stores DataFrames as ``<base_dir>/<asset>/<partition>.parquet`` (``<asset>.parquet`` unpartitioned).

    Loading several upstream partitions gives a ``{partition_key: DataFrame}`` dict
    (``concat_partitions`` turns either form into one frame).
    """

    base_dir: str

    @property
    def suffix(self) -> str:
        return ".parquet"

    def _path(self, asset_key: dg.AssetKey, partition: str | None) -> Path:
        base = Path(self.base_dir).joinpath(*asset_key.path)
        return base / f"{partition}{self.suffix}" if partition is not None else base.with_suffix(self.suffix)

    def _write(self, obj, path: Path, context: dg.OutputContext) -> None:
        if not isinstance(obj, pd.DataFrame):
            raise TypeError(f"{context.asset_key.to_user_string()}: ParquetIOManager stores DataFrames, got {type(obj).__name__}")
        write_parquet_atomic(obj, path)

    def _load(self, path: Path):
        return pd.read_parquet(path)

    def handle_output(self, context: dg.OutputContext, obj) -> None:
        if obj is None:
            return
        partition = context.asset_partition_key if context.has_asset_partitions else None
        self._write(obj, self._path(context.asset_key, partition), context)

    def load_input(self, context: dg.InputContext):
        key = context.asset_key
        if not context.has_asset_partitions:
            return self._read(self._path(key, None), key)
        keys = context.asset_partition_keys
        if len(keys) == 1:
            return self._read(self._path(key, keys[0]), key)
        return {k: self._read(self._path(key, k), key, k) for k in keys}

    def _read(self, path: Path, key: dg.AssetKey, partition: str | None = None):
        if not path.exists():
            where = f" partition {partition}" if partition else ""
            raise FileNotFoundError(f"{key.to_user_string()}{where} has not been materialized ({path} is missing)")
        return self._load(path)


class PickleIOManager(ParquetIOManager):
    """Stores any Python value (fitted models: ``CountResult`` and friends, which keep estimates,
    not data) as ``<base_dir>/<asset>[/<partition>].pkl``, atomically. Read them back with
    ``pickle.load`` or Dagster's ``load_asset_value``."""

    @property
    def suffix(self) -> str:
        return ".pkl"

    def _write(self, obj, path: Path, context: dg.OutputContext) -> None:
        write_atomic(path, lambda tmp: _write_pickle(obj, tmp))

    def _load(self, path: Path):
        with open(path, "rb") as fh:
            return pickle.load(fh)


def concat_partitions(loaded: pd.DataFrame | dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One frame from what ``load_input`` gave for one or several partitions."""
    if isinstance(loaded, pd.DataFrame):
        return loaded
    frames = [loaded[k] for k in sorted(loaded)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
