"""Which row groups of a parquet file hold which year, from the footer's row-group statistics.

Tables written one row group per publication year (the works parts' extracts,
``ingest.part_extract``; PubMed's year-sorted copies, ``lifesci.pubmed_files``) are read one year
at a time by taking that year's row groups only. The footer tells where: each row group's
statistics of the year column (min, max, null count). ``row_group_years`` parses them once;
``FooterCache`` keeps the parsed footers of a run, keyed on the file's version (path, inode, size,
mtime), so a range run over several years opens and parses each file's footer once.

``write_year_row_groups`` writes such a file: the table stably sorted by its year, one row group
per year. Plain pyarrow, no Dagster.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from aigeo_assets.corpus.lookup import run_starts


@dataclass(frozen=True)
class GroupYears:
    """One row group's statistics of the year column."""

    rows: int
    has_statistics: bool
    """The writer stored statistics for the column (a writer may leave them out)."""
    min: int | None
    """Smallest year, None when there are no statistics or every row is null."""
    max: int | None
    null_count: int | None
    """Rows without a year, None when the statistics do not say."""


@dataclass(frozen=True)
class RowGroupYears:
    """A parquet file's footer (parsed once) and the year statistics of each of its row groups."""

    metadata: pq.FileMetaData
    schema: pa.Schema
    column: str
    groups: tuple[GroupYears, ...]

    def year_groups(self, year: int, *, with_nulls: bool = False) -> list[int]:
        """The row groups that may hold rows of ``year``: those whose [min, max] contains it, and
        those whose statistics do not tell (filter their rows after reading). ``with_nulls``: also
        the row groups that hold only null years. Empty row groups are never taken."""
        out = []
        for i, g in enumerate(self.groups):
            if g.rows == 0:
                continue
            if g.min is None:
                if with_nulls or not g.has_statistics:
                    out.append(i)
                continue
            if g.min <= year <= g.max:
                out.append(i)
        return out

    def only_year(self, groups: list[int], year: int) -> bool:
        """Every row of row groups ``groups`` has year ``year``, as the statistics prove it
        (min = max = year and no null); False when a group's statistics do not say."""
        return all(
            self.groups[i].min == year and self.groups[i].max == year and self.groups[i].null_count == 0 for i in groups
        )

    def group_of_year(self) -> dict[int, int] | None:
        """{year: its one row group} of a file written one row group per year, the row groups of
        only null years left out (no year to read them by); None when that layout is not proven:
        a row group without statistics, one that mixes years or mixes a year with nulls, or two
        row groups of the same year."""
        out: dict[int, int] = {}
        for i, g in enumerate(self.groups):
            if g.rows == 0:
                continue
            if g.has_statistics and g.null_count == g.rows:
                continue
            if g.min is None or g.min != g.max or g.null_count != 0 or int(g.min) in out:
                return None
            out[int(g.min)] = i
        return out

    def read_groups(self, path: Path | str, groups: list[int], columns: list[str] | None = None) -> pa.Table:
        """Row groups ``groups`` of ``path`` (the file this footer is of) read in one thread, without
        parsing the footer again; an empty table of the file's schema when ``groups`` is empty."""
        if not groups:
            empty = self.schema.empty_table()
            return empty.select(columns) if columns is not None else empty
        return pq.ParquetFile(path, metadata=self.metadata).read_row_groups(groups, columns=columns, use_threads=False)


def row_group_years(path: Path | str, column: str, metadata: pq.FileMetaData | None = None) -> RowGroupYears:
    """Parse the footer of parquet file ``path`` (or take ``metadata``, already read): the
    statistics of integer column ``column`` in every row group. KeyError when the file has no
    such column."""
    md = metadata if metadata is not None else pq.read_metadata(path)
    schema = md.schema.to_arrow_schema()
    col = schema.get_field_index(column)
    if col < 0:
        raise KeyError(f"{path}: no column {column!r}")
    groups = []
    for i in range(md.num_row_groups):
        rg = md.row_group(i)
        stats = rg.column(col).statistics
        has_min_max = stats is not None and stats.has_min_max
        nulls = stats.null_count if stats is not None and stats.has_null_count else None
        groups.append(GroupYears(
            rg.num_rows,
            stats is not None,
            int(stats.min) if has_min_max else None,
            int(stats.max) if has_min_max else None,
            nulls,
        ))
    return RowGroupYears(md, schema, column, tuple(groups))


class FooterCache:
    """Parsed footers (``row_group_years``) of the files a run reads again, keyed on the file's
    version (path, inode, size, mtime_ns, column): a file rewritten and renamed into place is
    another key. The least recently used are dropped beyond ``max_bytes`` serialized footer bytes
    (at least one is kept). A parsed footer holds about 15 times its serialized bytes (the paper
    world's 1,158 extract files: 13 MB serialized, 194 MB parsed), so the default, 16 MB, keeps a
    cache of ~250 MB: every extract file of the paper world (and, in its own cache, every one of its
    678 PubMed year files, 6.8 MB), and on a real snapshot (~9,000 extract
    files) the footers parsed again each year, about 0.2 ms a file, rather than ~1 GB held."""

    def __init__(self, max_bytes: int = 16 << 20) -> None:
        self.max_bytes = max_bytes
        self._footers: OrderedDict[tuple, RowGroupYears] = OrderedDict()
        self._bytes = 0

    def get(self, path: Path | str, column: str) -> RowGroupYears:
        st = os.stat(path)
        key = (str(path), st.st_ino, st.st_size, st.st_mtime_ns, column)
        got = self._footers.get(key)
        if got is not None:
            self._footers.move_to_end(key)
            return got
        got = row_group_years(path, column)
        self._footers[key] = got
        self._bytes += got.metadata.serialized_size
        while self._bytes > self.max_bytes and len(self._footers) > 1:
            _, dropped = self._footers.popitem(last=False)
            self._bytes -= dropped.metadata.serialized_size
        return got

    def clear(self) -> None:
        self._footers.clear()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._footers)


def write_year_row_groups(table: pa.Table, path: Path | str, column: str, **writer_options) -> np.ndarray:
    """Write ``table`` to ``path`` stably sorted by its integer column ``column`` (nulls last), one row
    group per value (the nulls one more), rows in their order within it; ``writer_options`` go to
    ``pyarrow.parquet.ParquetWriter`` (compression, dictionaries, statistics: the year column needs
    its statistics for ``row_group_years``). Returns the order applied (positions in ``table``), so
    that a table aligned with it can follow. An empty table is written as one empty row group."""
    order = pc.sort_indices(table, sort_keys=[(column, "ascending")], null_placement="at_end").to_numpy()
    if (order != np.arange(len(order))).any():
        table = table.take(pa.array(order))
    years = table[column]
    values = pc.fill_null(years.cast(pa.int64()), 0).to_numpy()
    nulls = pc.is_null(years).to_numpy(zero_copy_only=False)
    bounds = np.flatnonzero(run_starts(values, nulls)[1:]) + 1
    with pq.ParquetWriter(path, table.schema, **writer_options) as writer:
        for start, stop in zip(np.r_[0, bounds], np.r_[bounds, len(table)]):
            writer.write_table(table.slice(start, stop - start), row_group_size=max(stop - start, 1))
    return order
