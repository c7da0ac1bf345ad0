"""Key lookups between tables on Arrow hash tables (``pyarrow.compute``).

pandas' ``Series.isin`` on Arrow-backed strings (the ``string`` dtype of every id column here)
turns each value of the set into a Python scalar first: about 10 microseconds per value, so a
lookup among all years' works costs seconds at demo scale and minutes at paper scale. These
helpers hand both sides to Arrow as they are (no copy for Arrow-backed columns) and give the
same answers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def _arrow(values: pd.Series | pd.Index | np.ndarray | list | set | frozenset) -> pa.Array:
    if isinstance(values, (set, frozenset)):
        values = list(values)
    if isinstance(values, (pd.Series, pd.Index)) and isinstance(values.dtype, pd.StringDtype):
        arr = pa.array(values.array)
    else:
        arr = pa.array(np.asarray(values, dtype=object), type=pa.large_string(), from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr.cast(pa.large_string())


def positions_in(keys: pd.Series, values: pd.Series | pd.Index | np.ndarray | list) -> np.ndarray:
    """For each string key, the position of its first occurrence in ``values``; -1 when absent or null."""
    found = pc.index_in(_arrow(keys), value_set=_arrow(values), skip_nulls=True)
    return pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)


def is_in(keys: pd.Series, values: pd.Series | pd.Index | np.ndarray | list | set | frozenset) -> np.ndarray:
    """``keys.isin(values)`` for string keys, as a numpy bool array (null keys: False)."""
    found = pc.is_in(_arrow(keys), value_set=_arrow(values), skip_nulls=True)
    return pc.fill_null(found, False).to_numpy(zero_copy_only=False).astype(bool)
