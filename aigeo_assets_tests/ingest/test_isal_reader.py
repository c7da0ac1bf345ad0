"""The ``isal`` works-part reader (ISA-L's inflate of an intact gzip part) against the ``lines`` reader
(zlib, ``snapshot.iter_lines``) as oracle, and the column-wise ``extract_tables`` against the
line-by-line scan."""

from __future__ import annotations

import gzip
import json
import zlib

import pandas as pd
import pytest

from aigeo_assets.ingest.intact_gzip import GzipNotIntact, intact_gzip_lines
from aigeo_assets.ingest.part_extract import (
    as_arrow,
    as_frame,
    extract_arrow_schema,
    extract_columns,
    extract_frames,
    extract_json_part,
    extract_tables,
    inflated_extract,
    native_extract,
)
from aigeo_assets.ingest.quarantine import Quarantine
from aigeo_assets.ingest.snapshot import iter_lines, list_entity_files
from aigeo_assets.ingest.works import parse_works_year, short_list
from aigeo_assets_tests.support.snapshot_fixtures import SHARED_SAMPLES, authorship, inst_ref, work, write_entity


def _same_extract(a, b):
    assert (a.file, a.lines_read, a.year_lines) == (b.file, b.lines_read, b.year_lines)
    assert list(a.tables) == list(b.tables)
    for name in b.tables:
        pd.testing.assert_frame_equal(as_frame(a.tables[name], name), as_frame(b.tables[name], name), check_exact=True, obj=name)
    pd.testing.assert_frame_equal(as_frame(a.quarantine, "quarantine"), as_frame(b.quarantine, "quarantine"), check_exact=True, obj="quarantine")


def _lines(n: int) -> list[bytes]:
    """Works of several years with authorships, institutions and references, and lines to quarantine."""
    out = []
    for i in range(1, n + 1):
        insts = [inst_ref(100 + i % 4, "CN"), inst_ref(200 + i % 3, None)] if i % 3 else []
        rec = work(i, 2013 + i % 4, authors=[authorship("first", i, insts), authorship("last", i + 1, [])], refs=[i % 7 + 1, i % 5 + 1])
        out.append(json.dumps(rec).encode())
    out[4] = b""  # blank: numbered, not read
    out[5] = b"  \t"
    out[9] = out[9][:60]  # malformed
    out[12] = json.dumps(work(10**6, None)).encode()  # year_unknown
    out[15] = json.dumps(work(10**6 + 1, 2015, authors="not a list")).encode()  # bad_field
    out[18] = b'{"id": "", "publication_year": 2015}'  # missing_id
    out[19] = b'{"id": "https://openalex.org/W7", "publication_year": 99999}'  # outside Int16: counted only
    out[21] = b"[1, 2]"  # not_an_object
    return out


def _members(body: bytes, cuts: int) -> bytes:
    """``body`` gzipped as ``cuts`` + 1 members (split at line ends), as snapshot writers concatenate them."""
    lines = body.split(b"\n")
    step = max(1, len(lines) // (cuts + 1))
    pieces = [b"\n".join(lines[i : i + step]) + (b"\n" if i + step < len(lines) else b"") for i in range(0, len(lines), step)]
    return b"".join(gzip.compress(p, mtime=0) for p in pieces)


BODY = b"\n".join(_lines(120)) + b"\n"


@pytest.mark.parametrize(
    "name, data",
    [
        ("one member", gzip.compress(BODY, mtime=0)),
        ("five members", _members(BODY, 4)),
        ("no final newline", gzip.compress(BODY.rstrip(b"\n"), mtime=0)),
        ("crlf and a whitespace last line", gzip.compress(BODY.replace(b"\n", b"\r\n") + b"   ", mtime=0)),
        ("an empty member between two", gzip.compress(BODY[:3000], mtime=0) + gzip.compress(b"", mtime=0) + gzip.compress(BODY[3000:], mtime=0)),
        ("nothing in it", gzip.compress(b"", mtime=0)),
    ],
)
def test_intact_parts_give_iter_lines_lines_and_the_line_readers_extract(tmp_path, name, data):
    path = tmp_path / "part_000.gz"
    path.write_bytes(data)
    q = Quarantine()
    assert list(intact_gzip_lines(path)) == list(iter_lines(path, q)), name
    assert q.frame().empty
    got = inflated_extract(path, str(path))
    assert got is not None, "an intact part is read by the isal reader, not left to the line reader"
    _same_extract(got, extract_json_part(path, reader="lines"))
    native = native_extract(path, str(path))
    assert native is not None, "an intact part is read by the native reader, not left to the line reader"
    _same_extract(native, got)


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]


GZ = _members(BODY, 2)


@pytest.mark.parametrize(
    "name, data",
    [
        ("truncated", GZ[: len(GZ) // 2]),
        ("truncated in the trailer", GZ[:-3]),
        ("corrupt deflate data", _flip(GZ, len(GZ) // 3)),
        ("wrong CRC-32", _flip(GZ, len(GZ) - 6)),
        ("wrong length", _flip(GZ, len(GZ) - 1)),
        ("zero padding after the last member", GZ + b"\0" * 16),
        ("garbage after the last member", GZ + b"not gzip"),
        ("only the magic bytes", b"\x1f\x8b"),
    ],
)
def test_a_part_whose_gzip_stream_is_not_intact_falls_back_to_the_line_reader(tmp_path, name, data):
    path = tmp_path / "part_000.gz"
    path.write_bytes(data)
    with pytest.raises(GzipNotIntact):
        list(intact_gzip_lines(path))
    assert inflated_extract(path, str(path)) is None, "counted as a fallback"
    assert native_extract(path, str(path)) is None, "counted as a fallback"
    oracle = extract_json_part(path, reader="lines")
    assert oracle.quarantine["reason"].isin(["truncated_gzip", "corrupt_gzip"]).any(), "the line reader reports the break"
    _same_extract(extract_json_part(path, reader="isal"), oracle)
    _same_extract(extract_json_part(path, reader="native"), oracle)


def test_the_isal_reader_takes_intact_parts_and_a_plain_part(tmp_path):
    part = tmp_path / "part_000"
    part.write_bytes(BODY)
    _same_extract(inflated_extract(part, str(part)), extract_json_part(part, reader="lines"))
    oracle = extract_json_part(part, reader="lines")
    assert len(oracle.quarantine) == 5 and oracle.year_lines[99999] == 1


def test_the_native_reader_is_the_default_and_an_unreadable_part_is_reported(tmp_path, monkeypatch):
    monkeypatch.delenv("AIGEO_INGEST_READER", raising=False)
    import aigeo_assets.ingest.part_extract as pe

    assert pe.DEFAULT_READER == "native"
    for reader, name in (("native", "native_extract"), ("isal", "inflated_extract")):
        calls = []
        real = getattr(pe, name)
        monkeypatch.setattr(pe, name, lambda path, file, real=real, calls=calls: calls.append(path) or real(path, file))
        missing = tmp_path / "part_404.gz"
        got = pe.extract_json_part(missing) if reader == "native" else pe.extract_json_part(missing, reader="isal")
        assert calls == [missing] and got.quarantine["reason"].tolist() == ["part_unreadable"] and got.lines_read == 0


def test_yearly_scans_from_isal_extracts_equal_the_line_scan(tmp_path):
    """The independent oracle: ``parse_works_year`` without a cache (``works.WorkScan``, its own table builder)."""
    parts = {"updated_date=2024-01-01/part_000": _lines(90), "updated_date=2024-02-01/part_000": _lines(40)[::-1]}
    write_entity(tmp_path / "snap", "works", parts)
    files = list_entity_files(tmp_path / "snap", "works").parts
    for year in (2013, 2014, 2015, 2016):
        plain = parse_works_year(files, year)
        cached = parse_works_year(files, year, split_cache_dir=tmp_path / "cache")
        for a, b in zip(plain.tables().values(), cached.tables().values()):
            pd.testing.assert_frame_equal(a, b, check_exact=True)
        pd.testing.assert_frame_equal(plain.quarantine, cached.quarantine, check_exact=True)
        assert [x.as_dict() for x in plain.accounts] == [x.as_dict() for x in cached.accounts]


def test_extract_tables_strips_only_openalex_prefixes_as_short_list_does():
    ids = ["https://openalex.org/A1", "http://openalex.org/A2", "A3", "https://example.org/A4", None, "https://openalex.org/", "https://openalex.org/https://openalex.org/W5"]
    records = []
    for i, author in enumerate(ids):
        auth = ("W1", i, "first", author, None, None, None, None, None, None, None)
        records.append((i + 1, 2015, (("W1", 2015, *[None] * 9, 1, 1, None, None), [auth], [author or "W9"], [], [], None)))
    got = extract_tables(records)
    assert got["raw_authorships"]["author_id"].to_pylist() == short_list(ids, {})
    assert got["raw_references"]["cited_work_id"].to_pylist() == short_list([a or "W9" for a in ids], {})
    assert got["raw_references"]["citing_work_id"].to_pylist() == ["W1"] * len(ids)
    assert got["raw_authorships"]["line"].to_pylist() == list(range(1, len(ids) + 1))
    _same_tables(got, extract_frames(records))


def _same_tables(arrow: dict, frames: dict) -> None:
    """The Arrow build equals the pandas build (``extract_frames``), column types included."""
    assert list(arrow) == list(frames)
    for name, table in arrow.items():
        assert table.schema.equals(extract_arrow_schema(name)), name
        assert table.equals(as_arrow(frames[name], name)), name


def test_extract_tables_of_no_record_has_every_declared_column():
    for name, table in extract_tables([]).items():
        assert len(table) == 0
        df = as_frame(table, name)
        assert [(c, str(t)) for c, t in df.dtypes.items()] == [(c, str(pd.Series([], dtype=t).dtype)) for c, t in extract_columns(name)]


def test_extract_tables_of_an_unexpected_value_type_is_the_pandas_build():
    """A value Arrow does not convert to its column's type (not one the decoder lets through, but a
    producer such as the Parquet reader builds rows too) gives the tables the pandas build gives."""
    topic = ("W1", "https://openalex.org/T1", True, "https://openalex.org/subfields/1702/", "fields/17", "17", 0.5)
    concept = ("W1", "https://openalex.org/C1", "AI", 2, 1)  # an int score
    odd_level = ("W1", "https://openalex.org/C2", "AI", 1.0, None)  # a float level equal to an integer
    work_row = ("https://openalex.org/W1", 2015, *[None] * 9, 0, 1, None, None)
    records = [(3, 2015, (work_row, [], ["https://openalex.org/W2"], [concept, odd_level], [topic], ("S1", "Venue", "1234-5678", "journal")))]
    _same_tables(extract_tables(records), extract_frames(records))
    assert extract_tables(records)["raw_work_concepts"]["level"].to_pylist() == [2, 1]
    assert extract_tables(records)["raw_work_topics"]["subfield_id"].to_pylist() == ["1702"]


@pytest.mark.skipif(not SHARED_SAMPLES.is_dir(), reason="shared samples not present: real-record test skipped")
def test_the_isal_reader_equals_the_line_reader_on_real_records(tmp_path):
    root = SHARED_SAMPLES / "openalex"
    records = [json.loads((root / "W2741809807.json").read_text())]
    records += json.loads((root / "works_english_africa_api_page.json").read_text())["results"]
    records += json.loads((root / "justin21523" / "works_sample.json").read_text())
    real_part = next((root / "snapshot-go-openalex" / "works").glob("updated_date=*/part_*")).read_bytes()
    body = b"".join(json.dumps(r).encode() + b"\n" for r in records) + real_part
    for name, data in (("one member", gzip.compress(body, mtime=0)), ("members", _members(body, 3))):
        path = tmp_path / f"{name}.gz"
        path.write_bytes(data)
        got = inflated_extract(path, str(path))
        assert got is not None and got.lines_read > 20
        _same_extract(got, extract_json_part(path, reader="lines"))
        assert len(got.tables["raw_authorships"]) > 100
        _same_extract(native_extract(path, str(path)), got)


def test_zlib_and_the_isal_reader_agree_on_a_level_1_and_a_level_9_stream(tmp_path):
    for level in (1, 9):
        c = zlib.compressobj(level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        path = tmp_path / f"l{level}.gz"
        path.write_bytes(c.compress(BODY) + c.flush())
        _same_extract(inflated_extract(path, str(path)), extract_json_part(path, reader="lines"))
