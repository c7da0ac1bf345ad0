"""Range runs of the per-year assets (issue 13: fewer, longer runs): the backfill policy they share,
and a year's window of input partitions read once for the whole range and held only while a year
still ahead reads it."""

from collections.abc import Mapping
from typing import Generic, TypeVar

import dagster as dg

YEARS_PER_RUN = 15
"""The most years one run of a per-year asset with ``YEARLY_RANGES`` covers. **Choice:** half of
AlShebli et al. 2022's 30 years, so ``aigeo run`` plans two runs of each such step for the whole
study, which two workers run side by side (a single run would do the years one after another on
one core), and a run holds at most one year's tables at a time beside its window of inputs."""
YEARLY_RANGES = dg.BackfillPolicy.multi_run(YEARS_PER_RUN)


T = TypeVar("T")


class SlidingPartitions(Generic[T]):
    """The partitions of ``loaded`` (``{key: table}``, read when looked up: ``LOAD_ON_ACCESS``; a table, or
    what the reader made of it, e.g. ``out_disruption``'s coded links), each
    read once and kept until ``keep_from`` drops the keys before a window's start: a range run going
    up the years reads each citation partition once and holds one window of them."""

    def __init__(self, loaded: Mapping[str, T]):
        self._loaded = loaded
        self._held: dict[str, T] = {}

    def __getitem__(self, key: str) -> T:
        if key not in self._held:
            self._held[key] = self._loaded[key]
        return self._held[key]

    def keep_from(self, first: str) -> None:
        for key in [k for k in self._held if int(k) < int(first)]:
            del self._held[key]

    def window(self, first: str, last: str) -> dict[str, T]:
        """``{key: table}`` of the partitions ``first``..``last`` there are (those before ``first`` are dropped)."""
        self.keep_from(first)
        return {k: self[k] for k in sorted(self._loaded) if int(first) <= int(k) <= int(last)}
