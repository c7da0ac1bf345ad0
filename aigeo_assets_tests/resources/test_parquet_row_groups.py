"""The year -> row groups map read from parquet footers, against files written with known row groups."""

from __future__ import annotations

import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from aigeo_assets.resources.parquet_row_groups import FooterCache, row_group_years, write_year_row_groups


def _write(path, groups: list[list[int | None]], **kwargs) -> None:
    """One row group per list of years given, in order (a row id column beside the year)."""
    schema = pa.schema([("row", pa.int64()), ("year", pa.int16())])
    n = 0
    with pq.ParquetWriter(path, schema, **kwargs) as writer:
        for years in groups:
            t = pa.table({"row": pa.array(range(n, n + len(years)), pa.int64()), "year": pa.array(years, pa.int16())})
            writer.write_table(t, row_group_size=max(len(years), 1))
            n += len(years)


def test_one_group_per_year(tmp_path):
    path = tmp_path / "by_year.parquet"
    _write(path, [[2014, 2014], [2015], [2017, 2017, 2017], [None, None]])
    f = row_group_years(path, "year")
    assert [(g.rows, g.min, g.max, g.null_count) for g in f.groups] == [
        (2, 2014, 2014, 0), (1, 2015, 2015, 0), (3, 2017, 2017, 0), (2, None, None, 2)]
    assert f.group_of_year() == {2014: 0, 2015: 1, 2017: 2}
    assert f.year_groups(2017) == [2]
    assert f.year_groups(2016) == []
    assert f.year_groups(2017, with_nulls=True) == [2, 3]
    assert f.only_year([2], 2017) and not f.only_year([2, 3], 2017)
    # the rows read back are exactly the year's
    assert f.read_groups(path, f.year_groups(2017))["row"].to_pylist() == [3, 4, 5]
    empty = f.read_groups(path, [], columns=["year"])
    assert empty.num_rows == 0 and empty.schema.names == ["year"]


def test_a_group_mixing_years(tmp_path):
    path = tmp_path / "mixed.parquet"
    _write(path, [[2014], [2015, 2016, 2015], [2018, None]])
    f = row_group_years(path, "year")
    assert f.group_of_year() is None  # one year per row group not proven
    assert f.year_groups(2016) == [1]  # min 2015 .. max 2016 may hold it
    assert not f.only_year([1], 2016) and not f.only_year([1], 2015)
    assert f.year_groups(2018) == [2] and not f.only_year([2], 2018)  # a null beside 2018
    assert f.only_year([0], 2014)


def test_two_groups_of_one_year_is_not_one_group_per_year(tmp_path):
    path = tmp_path / "twice.parquet"
    _write(path, [[2014], [2014]])
    f = row_group_years(path, "year")
    assert f.group_of_year() is None
    assert f.year_groups(2014) == [0, 1] and f.only_year([0, 1], 2014)


def test_a_file_without_statistics(tmp_path):
    path = tmp_path / "nostats.parquet"
    _write(path, [[2014], [2015]], write_statistics=False)
    f = row_group_years(path, "year")
    assert [g.has_statistics for g in f.groups] == [False, False]
    assert f.group_of_year() is None
    # every group may hold any year: all are read, none is proven to be of one year
    assert f.year_groups(2014) == [0, 1] and f.year_groups(1990) == [0, 1]
    assert not f.only_year([0], 2014)


def test_missing_column(tmp_path):
    path = tmp_path / "x.parquet"
    _write(path, [[2014]])
    with pytest.raises(KeyError):
        row_group_years(path, "publication_year")


def test_footer_cache_keys_on_file_version(tmp_path):
    path = tmp_path / "f.parquet"
    _write(path, [[2014]])
    cache = FooterCache(1 << 20)
    first = cache.get(path, "year")
    assert cache.get(path, "year") is first
    tmp = tmp_path / "g.parquet"
    _write(tmp, [[2015], [2016]])
    os.replace(tmp, path)  # rewritten and renamed into place: another inode
    again = cache.get(path, "year")
    assert again.group_of_year() == {2015: 0, 2016: 1}
    small = FooterCache(1)
    small.get(path, "year")
    other = tmp_path / "h.parquet"
    _write(other, [[2000]])
    small.get(other, "year")
    assert len(small) == 1  # over its bytes: the least recently used dropped, one kept


def test_write_year_row_groups_sorts_stably_one_group_a_year_nulls_last(tmp_path):
    """Rows out of year order, nulls among them: the file holds them stably sorted (nulls last), one
    row group per year and one for the nulls, each proven by its statistics; the order applied is
    returned; an empty table is one empty row group."""
    years = [2003, None, 2001, 2003, 2001, None, 2002]
    table = pa.table({"year": pa.array(years, type=pa.int16()), "row": list(range(len(years)))})
    order = write_year_row_groups(table, tmp_path / "t.parquet", "year")
    assert order.tolist() == [2, 4, 6, 0, 3, 1, 5]
    got = pq.read_table(tmp_path / "t.parquet")
    assert got["row"].to_pylist() == order.tolist()
    footer = row_group_years(tmp_path / "t.parquet", "year")
    assert [g.rows for g in footer.groups] == [2, 1, 2, 2]
    assert footer.group_of_year() == {2001: 0, 2002: 1, 2003: 2}
    write_year_row_groups(table.slice(0, 0), tmp_path / "e.parquet", "year")
    assert pq.read_metadata(tmp_path / "e.parquet").num_rows == 0 and pq.read_table(tmp_path / "e.parquet").schema == table.schema
