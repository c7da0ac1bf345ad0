"""Key lookups between tables on Arrow hash tables (``pyarrow.compute``), and work ids as integers
(:class:`WorkCodes`) for the lookups repeated against one large set (:class:`IdPositions`).

pandas' ``Series.isin`` on Arrow-backed strings (the ``string`` dtype of every id column here)
turns each value of the set into a Python scalar first: about 10 microseconds per value, so a
lookup among all years' works costs seconds at demo scale and minutes at paper scale. These
helpers hand both sides to Arrow as they are (no copy for Arrow-backed columns) and give the
same answers.

Arrow builds its hash table on the value set, which costs about ten times more per string than
probing one (about 0.3 us against 0.02 us here). When the value set is much larger than the keys
(an article's citation counts among those of every article, half a million keys at demo scale),
the lookups build the table on the distinct keys instead and probe it with the values: the same
answers, 10-15x less work.

Rows sorted by their keys form runs of equal keys: :func:`run_starts` and :func:`run_ends` mark
where each run begins and ends.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def arrow_strings(values: pd.Series | pd.Index | np.ndarray | list | set | frozenset | pa.Array) -> pa.Array:
    """String keys as one Arrow large-string array (no copy for Arrow-backed columns; nulls kept)."""
    if isinstance(values, (set, frozenset)):
        values = list(values)
    if isinstance(values, pa.Array):
        arr = values
    elif isinstance(values, (pd.Series, pd.Index)) and isinstance(values.dtype, pd.StringDtype):
        arr = pa.array(values.array)
    else:
        arr = pa.array(np.asarray(values, dtype=object), type=pa.large_string(), from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr.cast(pa.large_string())


VALUES_PER_KEY_TO_INVERT = 2
"""A value set more than this many times longer than the keys is probed against the keys'
table (:func:`_first_positions_by_key`) rather than hashed itself."""


def _index_in(keys: pa.Array, values: pa.Array) -> np.ndarray:
    found = pc.index_in(keys, value_set=values, skip_nulls=True)
    return pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)


def _first_positions_by_key(keys: pa.Array, values: pa.Array) -> np.ndarray:
    """:func:`positions_in` with the hash table built on the distinct keys and probed by the values."""
    distinct = pc.unique(keys)
    code = _index_in(keys, distinct)  # null keys: -1
    at = _index_in(values, distinct)
    rows = np.flatnonzero(at >= 0)
    first = np.full(len(distinct) + 1, -1, dtype=np.int64)  # the extra slot answers code -1
    first[at[rows][::-1]] = rows[::-1]  # written last to first: the first occurrence stays
    return first[code]


def positions_in(keys: pd.Series | pa.Array, values: pd.Series | pd.Index | np.ndarray | list | pa.Array) -> np.ndarray:
    """For each string key, the position of its first occurrence in ``values``; -1 when absent or null."""
    k, v = arrow_strings(keys), arrow_strings(values)
    if len(v) > VALUES_PER_KEY_TO_INVERT * len(k):
        return _first_positions_by_key(k, v)
    return _index_in(k, v)


def is_in(keys: pd.Series, values: pd.Series | pd.Index | np.ndarray | list | set | frozenset) -> np.ndarray:
    """``keys.isin(values)`` for string keys, as a numpy bool array (null keys: False)."""
    k, v = arrow_strings(keys), arrow_strings(values)
    if len(v) > VALUES_PER_KEY_TO_INVERT * len(k):
        return _first_positions_by_key(k, v) >= 0
    found = pc.is_in(k, value_set=v, skip_nulls=True)
    return pc.fill_null(found, False).to_numpy(zero_copy_only=False).astype(bool)


def _changes(key: np.ndarray | pd.Series) -> np.ndarray:
    """``key[1:] != key[:-1]``; a string column compared in Arrow (no Python string per row), which
    must hold no null."""
    if isinstance(key, pd.Series) and isinstance(key.dtype, pd.StringDtype):
        arr = arrow_strings(key)
        if arr.null_count:
            raise ValueError("runs of a string column: it holds nulls")
        return pc.not_equal(arr.slice(1), arr.slice(0, len(arr) - 1)).to_numpy(zero_copy_only=False)
    key = np.asarray(key)
    return key[1:] != key[:-1]


def run_starts(*keys: np.ndarray | pd.Series) -> np.ndarray:
    """For arrays sorted together by ``keys`` (equal keys in consecutive rows), True at the first
    row of each run of equal keys: the first row, and each row whose keys differ from the row before
    (on unsorted arrays, that is still what it marks). A key is a numpy array or a string column."""
    start = np.zeros(len(keys[0]), dtype=bool)
    if len(start):
        start[0] = True
        for key in keys:
            start[1:] |= _changes(key)
    return start


def run_ends(*keys: np.ndarray | pd.Series) -> np.ndarray:
    """For arrays sorted together by ``keys``, True at the last row of each run of equal keys."""
    end = np.zeros(len(keys[0]), dtype=bool)
    if len(end):
        end[-1] = True
        for key in keys:
            end[:-1] |= _changes(key)
    return end


def whole_runs(batches: Iterable[pd.DataFrame], column: str) -> Iterator[pd.DataFrame]:
    """The rows of ``batches`` again, in order, but each batch cut only where ``column`` changes: the
    rows at a batch's end that share its last value move to the next batch, so consecutive rows of
    one value (a work's authorships) are never split. A batch that is one run joins the next."""
    carry: pd.DataFrame | None = None
    for batch in batches:
        if carry is not None:
            batch = pd.concat([carry, batch])
            carry = None
        if not len(batch):
            continue
        last = batch[column].iloc[-1]
        other = np.flatnonzero(~(batch[column] == last).to_numpy(dtype=bool, na_value=False)) if not pd.isna(last) else None
        cut = len(batch) if other is None else (int(other[-1]) + 1 if len(other) else 0)
        if cut:
            yield batch.iloc[:cut]
        if cut < len(batch):
            carry = batch.iloc[cut:]
    if carry is not None:
        yield carry


def factorize_sorted(values: pd.Series, uniques: bool = True) -> tuple[np.ndarray, pd.api.extensions.ExtensionArray | None]:
    """``pandas.factorize(values, sort=True)`` for a string column without nulls, in Arrow: each
    distinct value hashed once (``dictionary_encode``), then only the distinct values sorted (by
    code point, as Python sorts strings). Returns the int64 codes and the distinct values in sort
    order, of the column's dtype (None with ``uniques=False``: copying them costs a second for the
    careers' 9.4 M authors). The careers' 13 M author-years of the paper world: 8.2 -> 6.4 CPU-s."""
    if values.isna().any():
        raise ValueError("factorize_sorted: the values hold nulls")
    encoded = pc.dictionary_encode(arrow_strings(values))
    order = pc.sort_indices(encoded.dictionary).to_numpy()
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    codes = rank[encoded.indices.to_numpy(zero_copy_only=False)]
    if not uniques:
        return codes, None
    first = np.empty(len(order), dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)  # each distinct value's first row
    return codes, values.array.take(first)


def values_at(column: pd.Series, at: np.ndarray) -> pd.api.extensions.ExtensionArray | np.ndarray:
    """``column``'s values at positions ``at`` (-1: missing), keeping its dtype: what a lookup's
    positions (:func:`positions_in`) give back."""
    return column.array.take(at, allow_fill=True)


NULL_CODE = np.iinfo(np.int64).min
"""The code of a null work id."""

_MAX_DIGITS = 18
"""OpenAlex ids ``W<digits>`` up to this many digits are their own number (< 2**63)."""

_ENCODE_ROWS = 1 << 20
"""Ids coded at once by ``WorkCodes.encode``."""


class WorkCodes:
    """One int64 per work id, the same for every table coded by one ``WorkCodes``: an OpenAlex id
    ``W<digits>`` (no leading zero, at most 18 digits) is its number, any other id a negative number
    given in order of first sight, a null :data:`NULL_CODE`. Two ids get the same code exactly when
    they are equal, so sets of codes are sets of ids; a work id costs 8 bytes instead of a Python
    string's ~60."""

    def __init__(self) -> None:
        self._others: dict[str, int] = {}

    def encode(self, ids) -> np.ndarray:
        """The codes of ``ids`` (a Series, an array or a list of strings or nulls), in order."""
        s = pd.Series(ids, copy=False) if not isinstance(ids, pd.Series) else ids
        if s.dtype != pd.StringDtype("pyarrow"):
            s = s.astype(pd.StringDtype("pyarrow"))
        whole = pa.array(s.array)
        codes = np.full(len(s), NULL_CODE, dtype=np.int64)
        other = np.zeros(len(s), dtype=bool)
        for lo in range(0, len(s), _ENCODE_ROWS):  # in slices: the temporary strings stay small
            a = whole.slice(lo, _ENCODE_ROWS)
            rest = pc.utf8_slice_codeunits(a, 1)
            length = pc.binary_length(rest)
            canonical = pc.and_(pc.and_(pc.starts_with(a, "W"), pc.ascii_is_decimal(rest)),
                                pc.and_(pc.less_equal(length, _MAX_DIGITS), pc.or_(pc.equal(length, 1), pc.invert(pc.starts_with(rest, "0")))))
            canonical = pc.fill_null(canonical, False).to_numpy(zero_copy_only=False)
            hi = lo + len(canonical)
            codes[lo:hi][canonical] = pc.cast(pc.filter(rest, canonical), pa.int64()).to_numpy(zero_copy_only=False)
            other[lo:hi] = ~canonical & pc.is_valid(a).to_numpy(zero_copy_only=False)
        if other.any():
            at, names = pd.factorize(s[other].to_numpy(dtype=object))
            known = self._others
            number = np.array([known.setdefault(n, len(known)) for n in names], dtype=np.int64)
            codes[other] = -1 - number[at]
        return codes


class IdPositions:
    """The positions of work ids among ``ids`` (distinct; nulls count as one id), for many lookups:
    the ids are coded as integers once (:class:`WorkCodes`) and their hash table built once, so a
    lookup codes and probes its own keys only. ``core_citations`` looks up each citing year's
    references among the papers of every year up to it (when they are all held:
    ``corpus.citations.KnownPapers``): :func:`positions_in` hashed those 3.3 M ids again for each
    year (the paper world's 2016, 2.3 CPU-s; coded, 1.0 a year and 1.0 once)."""

    def __init__(self, ids: pd.Series) -> None:
        self._set(WorkCodes(), ids)

    @classmethod
    def of_codes(cls, codes: np.ndarray, coder: WorkCodes) -> IdPositions:
        """The ids already coded by ``coder``, which then codes the keys of every lookup (a
        non-OpenAlex id has a code only within one coder)."""
        positions = cls.__new__(cls)
        positions._set(coder, codes=codes)
        return positions

    def _set(self, coder: WorkCodes, ids: pd.Series | None = None, codes: np.ndarray | None = None) -> None:
        self._codes = coder
        self._index = pd.Index(coder.encode(ids) if codes is None else codes)
        if not self._index.is_unique:
            raise ValueError("ids: a work id appears twice")

    def __len__(self) -> int:
        return len(self._index)

    def positions(self, keys: pd.Series, below: int | None = None) -> np.ndarray:
        """For each key, its position among the ids, or -1: absent, null, or (with ``below``) not
        among the first ``below`` ids: :func:`positions_in` on those ids."""
        codes = self._codes.encode(keys)
        at = self._index.get_indexer(codes).astype(np.int64)
        at[codes == NULL_CODE] = -1
        if below is not None:
            at[at >= below] = -1
        return at
