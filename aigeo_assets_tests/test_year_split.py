"""The year-split cache: yearly scans read only their year's share of each part, with the same output."""

from __future__ import annotations

import json
import os
import pickle

import pytest

from aigeo_assets.ingest.snapshot import list_entity_files
from aigeo_assets.ingest.works import parse_works_year
from aigeo_assets.ingest.year_split import ensure_split
from aigeo_assets_tests.snapshot_fixtures import authorship, inst_ref, work, write_entity

FIELDS = ("works", "authorships", "references", "concepts", "topics", "venues", "quarantine", "accounts")


def _messy_world() -> dict[str, list]:
    full = json.dumps(work(40, 2015))
    cut = full[: full.index('"publication_year"') + 40].encode()  # malformed, though a year is in it
    return {
        "updated_date=2024-01-01/part_000": [
            work(1, 2015, authors=[authorship("first", 10, [inst_ref(100, "CN")])], refs=[2, 3, 2]),
            work(2, 2014, refs=[1]),
            work(5, None),  # year_unknown: reported by every year
            b"",  # blank line: skipped, but counts for line numbers
            cut,  # malformed: no year can be read from it, so every yearly scan reports it
            work(3, 2015, authors="not a list"),
            work(1, 2015),  # duplicate
            b'{"id": "https://openalex.org/W9"}',  # no publication_year at all
            work(6, 2016),
        ],
        "updated_date=2024-02-01/part_000": [work(7, 2015, refs=[1]), b"[1, 2]", work(8, 2014)],
    }


def _assert_same(a, b):
    for name in FIELDS:
        assert pickle.dumps(getattr(a, name)) == pickle.dumps(getattr(b, name)), name
    assert a.lines_scanned == b.lines_scanned


@pytest.mark.parametrize("gz", [True, False])
def test_cached_scans_give_byte_for_byte_the_same_tables(tmp_path, gz):
    write_entity(tmp_path / "snap", "works", _messy_world(), gz=gz)
    parts = list_entity_files(tmp_path / "snap", "works").parts
    cache = tmp_path / "cache"
    for attempt in ("cold", "warm"):
        for year in (2013, 2014, 2015, 2016):
            plain = parse_works_year(parts, year)
            cached = parse_works_year(parts, year, split_cache_dir=cache)
            _assert_same(plain, cached)
        assert len([p for p in cache.iterdir() if not p.name.startswith(".")]) == 2, attempt
    t = parse_works_year(parts, 2015, split_cache_dir=cache)
    assert sorted(t.quarantine["reason"]) == sorted(
        ["year_unknown", "year_unknown", "malformed_json", "bad_field", "duplicate_work", "not_an_object"]
    )
    assert t.references.values.tolist() == [["W1", "W2"], ["W1", "W3"], ["W7", "W1"]]


def test_truncated_gzip_is_reported_from_the_cache_too(tmp_path):
    base = write_entity(tmp_path, "works", {"updated_date=2024-01-01/part_000": [work(i, 2000 + i % 3) for i in range(1, 400)]}, manifest=None)
    path = base / "updated_date=2024-01-01" / "part_000.gz"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    for year in (2000, 2001, 2002):
        plain = parse_works_year([path], year)
        assert plain.quarantine["reason"].tolist() == ["truncated_gzip"]
        _assert_same(plain, parse_works_year([path], year, split_cache_dir=tmp_path / "cache"))
        _assert_same(plain, parse_works_year([path], year, split_cache_dir=tmp_path / "cache"))


def test_a_part_that_could_not_be_read_is_not_cached(tmp_path, monkeypatch):
    """A read error (a permission fixed later keeps the mtime) must not leave a split with no lines."""
    import aigeo_assets.ingest.year_split as year_split

    write_entity(tmp_path, "works", {"updated_date=2024-01-01/part_000": [work(1, 2015), work(2, 2015)]}, manifest=None)
    part = list_entity_files(tmp_path, "works").parts[0]
    cache = tmp_path / "cache"

    def unreadable(path, quarantine):
        quarantine.add(str(path), 0, "part_unreadable", "cannot open: Permission denied")
        return iter(())

    monkeypatch.setattr(year_split, "iter_lines", unreadable)
    assert ensure_split(part, cache) is None
    monkeypatch.undo()
    assert parse_works_year([part], 2015, split_cache_dir=cache).works["work_id"].tolist() == ["W1", "W2"]


def test_a_changed_part_invalidates_its_split(tmp_path):
    base = write_entity(tmp_path, "works", {"updated_date=2024-01-01/part_000": [work(1, 2015), work(2, 2015)]}, manifest=None)
    cache = tmp_path / "cache"
    parts = list_entity_files(tmp_path, "works").parts
    assert parse_works_year(parts, 2015, split_cache_dir=cache).works["work_id"].tolist() == ["W1", "W2"]
    first = ensure_split(parts[0], cache)[0]
    write_entity(tmp_path, "works", {"updated_date=2024-01-01/part_000": [work(3, 2015), work(4, 2014), work(5, 2015)]}, manifest=None)
    st = parts[0].stat()
    os.utime(parts[0], ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    t = parse_works_year(parts, 2015, split_cache_dir=cache)
    assert t.works["work_id"].tolist() == ["W3", "W5"]
    assert not first.exists(), "the split of the old file is removed"
    _assert_same(parse_works_year(parts, 2014), parse_works_year(parts, 2014, split_cache_dir=cache))
    assert base.is_dir()


def test_stray_temp_files_and_broken_splits_are_ignored(tmp_path):
    write_entity(tmp_path, "works", _messy_world())
    parts = list_entity_files(tmp_path, "works").parts
    cache = tmp_path / "cache"
    cache.mkdir()
    final = ensure_split(parts[0], cache)[0]
    # an interrupted run: a temp directory with half a shard, and a split folder without its index
    stray = cache / f".{final.name}-deadbeef.{os.getpid()}.tmp"
    stray.mkdir()
    (stray / "2015.jsonl.gz").write_bytes(b"\x1f\x8b garbage")
    (final / "index.json").unlink()
    (final / "2015.jsonl.gz").write_bytes(b"not gzip")
    for year in (2014, 2015):
        _assert_same(parse_works_year(parts, year), parse_works_year(parts, year, split_cache_dir=cache))
    assert (final / "index.json").is_file(), "the broken split was rebuilt"
    # a damaged shard under a valid index: the part is read directly, and the split rebuilt later
    (final / "2015.jsonl.gz").write_bytes((final / "2015.jsonl.gz").read_bytes()[:-12])
    _assert_same(parse_works_year(parts, 2015), parse_works_year(parts, 2015, split_cache_dir=cache))
    _assert_same(parse_works_year(parts, 2015), parse_works_year(parts, 2015, split_cache_dir=cache))
    assert stray.is_dir(), "a live writer's temp files are left alone"


def test_two_splitters_of_one_part_both_succeed(tmp_path, monkeypatch):
    """The second process to finish finds the first one's split in place and uses it."""
    import aigeo_assets.ingest.year_split as ys

    write_entity(tmp_path, "works", _messy_world())
    part = list_entity_files(tmp_path, "works").parts[0]
    cache = tmp_path / "cache"
    real = ys._write_split

    def racing(path, tmp, *args):
        index = real(path, tmp, *args)
        if not getattr(racing, "done", False):  # another process publishes while we were writing
            racing.done = True
            ys.ensure_split(path, cache)
        return index

    monkeypatch.setattr(ys, "_write_split", racing)
    folder, index = ys.ensure_split(part, cache)
    assert (folder / "index.json").is_file() and index["lines"] == 8
    assert not [p for p in cache.iterdir() if p.name.endswith(".tmp")]


def test_lines_are_split_by_the_year_their_decoded_record_gives(tmp_path):
    body = json.dumps(work(4, 2013))[1:].replace('"publication_year": 2013, ', "")
    lines = [
        work(1, 2015),
        b'{"publication_year": 2014, "publication_year": 2015, ' + body.encode(),  # the last key, as the decoder reads it
        b'{"meta": {"publication_year": 2014}, "publication_year": 2016, ' + body.encode(),  # never a nested key
        b'{"publication_year": 2.015e3, ' + body.encode(),  # not an integer: no year
        work(5, 99999),  # a year no partition can hold: counted, not stored
    ]
    write_entity(tmp_path, "works", {"updated_date=2024-01-01/part_000": lines}, manifest=None)
    part = list_entity_files(tmp_path, "works").parts[0]
    folder, index = ensure_split(part, tmp_path / "cache")
    assert index["years"] == {"2015": 2, "2016": 1, "99999": 1}
    assert index["shards"] == {"2015.jsonl.gz": 2, "2016.jsonl.gz": 1, "unknown.jsonl.gz": 1}
    assert sorted(p.name for p in folder.iterdir()) == ["2015.jsonl.gz", "2016.jsonl.gz", "index.json", "unknown.jsonl.gz"]
    t = parse_works_year([part], 2015, split_cache_dir=tmp_path / "cache", years=range(2010, 2020))
    assert t.works["work_id"].tolist() == ["W1", "W4"]
    assert t.accounts[0].other_years == 1 and dict(t.accounts[0].outside_years) == {99999: 1} and t.accounts[0].unattributed == 1
    _assert_same(t, parse_works_year([part], 2015, years=range(2010, 2020)))
