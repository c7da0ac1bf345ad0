"""Per-part extracts: each part read once; a yearly scan assembled from them equals the line-by-line scan."""

from __future__ import annotations

import json
import os

import pandas as pd
import pytest

from aigeo_assets.ingest.snapshot import list_entity_files
from aigeo_assets.ingest.works import TABLE_YEARS, WORK_TABLES, MergedIds, parse_works_year
from aigeo_assets.ingest.part_extract import (
    ensure_part_extract,
    extract_dir,
    extract_json_part,
    inflated_extract,
    native_extract,
    read_part_extract,
)
from aigeo_assets.schemas import TableFile
from aigeo_assets_tests.ingest.test_isal_reader import _same_extract
from aigeo_assets_tests.support.snapshot_fixtures import SHARED_SAMPLES, authorship, inst_ref, work, write_entity

needs_samples = pytest.mark.skipif(not SHARED_SAMPLES.is_dir(), reason="shared samples not present: real-record test skipped")

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
    """Same rows in the same order, same columns, same dtypes (exact values); same accounts. A table
    written as it was assembled (``TableFile``) is read back from its file."""
    for name in FIELDS[:-1]:
        left, right = (t.read() if isinstance(t, TableFile) else t for t in (getattr(a, name), getattr(b, name)))
        pd.testing.assert_frame_equal(left, right, check_exact=True, obj=name)
    assert [x.as_dict() for x in a.accounts] == [x.as_dict() for x in b.accounts]
    assert a.lines_scanned == b.lines_scanned and a.snapshot_rows == b.snapshot_rows


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


@pytest.mark.parametrize("reader", ["lines", "isal", "native"])
def test_truncated_gzip_is_reported_from_the_cache_too(tmp_path, monkeypatch, reader):
    monkeypatch.setenv("AIGEO_INGEST_READER", reader)
    base = write_entity(tmp_path, "works", {"updated_date=2024-01-01/part_000": [work(i, 2000 + i % 3) for i in range(1, 400)]}, manifest=None)
    path = base / "updated_date=2024-01-01" / "part_000.gz"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    for year in (2000, 2001, 2002):
        plain = parse_works_year([path], year)
        assert plain.quarantine["reason"].tolist() == ["truncated_gzip"]
        _assert_same(plain, parse_works_year([path], year, split_cache_dir=tmp_path / "cache"))
        _assert_same(plain, parse_works_year([path], year, split_cache_dir=tmp_path / "cache"))


def _folder(part, cache):
    st = part.stat()
    return extract_dir(part, cache, st.st_size, st.st_mtime_ns)


def test_a_part_that_could_not_be_read_is_not_cached(tmp_path, monkeypatch):
    """A read error (a permission fixed later keeps the mtime) must not leave an extract with no lines."""
    import aigeo_assets.ingest.part_extract as part_extract

    write_entity(tmp_path, "works", {"updated_date=2024-01-01/part_000": [work(1, 2015), work(2, 2015)]}, manifest=None)
    part = list_entity_files(tmp_path, "works").parts[0]
    cache = tmp_path / "cache"

    def unreadable(path, quarantine):
        quarantine.add(str(path), 0, "part_unreadable", "cannot open: Permission denied")
        return iter(())

    def no_read(path):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(part_extract, "iter_lines", unreadable)
    monkeypatch.setattr(part_extract, "is_gzip", no_read)  # the isal reader leaves the part to the line reader
    got = ensure_part_extract(part, cache)
    assert got.lines_read == 0 and got.quarantine["reason"].tolist() == ["part_unreadable"]
    assert not _folder(part, cache).exists()
    monkeypatch.undo()
    assert parse_works_year([part], 2015, split_cache_dir=cache).works["work_id"].tolist() == ["W1", "W2"]


def test_a_changed_part_invalidates_its_extract(tmp_path):
    base = write_entity(tmp_path, "works", {"updated_date=2024-01-01/part_000": [work(1, 2015), work(2, 2015)]}, manifest=None)
    cache = tmp_path / "cache"
    parts = list_entity_files(tmp_path, "works").parts
    assert parse_works_year(parts, 2015, split_cache_dir=cache).works["work_id"].tolist() == ["W1", "W2"]
    first = _folder(parts[0], cache)
    assert (first / "account.json").is_file()
    write_entity(tmp_path, "works", {"updated_date=2024-01-01/part_000": [work(3, 2015), work(4, 2014), work(5, 2015)]}, manifest=None)
    st = parts[0].stat()
    os.utime(parts[0], ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    t = parse_works_year(parts, 2015, split_cache_dir=cache)
    assert t.works["work_id"].tolist() == ["W3", "W5"]
    assert not first.exists(), "the extract of the old file is removed"
    _assert_same(parse_works_year(parts, 2014), parse_works_year(parts, 2014, split_cache_dir=cache))
    assert base.is_dir()


def test_stray_temp_files_and_broken_extracts_are_ignored(tmp_path):
    write_entity(tmp_path, "works", _messy_world())
    parts = list_entity_files(tmp_path, "works").parts
    cache = tmp_path / "cache"
    cache.mkdir()
    ensure_part_extract(parts[0], cache)
    final = _folder(parts[0], cache)
    # an interrupted run: a temp directory with half a table, and an extract folder without its account
    stray = cache / f".{final.name}-deadbeef.{os.getpid()}.tmp"
    stray.mkdir()
    (stray / "raw_works.parquet").write_bytes(b"PAR1 garbage")
    (final / "account.json").unlink()
    (final / "raw_works.parquet").write_bytes(b"not parquet")
    for year in (2014, 2015):
        _assert_same(parse_works_year(parts, year), parse_works_year(parts, year, split_cache_dir=cache))
    assert (final / "account.json").is_file(), "the broken extract was rebuilt"
    # a damaged table under a valid account: the part is read again and the extract rebuilt
    (final / "raw_authorships.parquet").write_bytes((final / "raw_authorships.parquet").read_bytes()[:-12])
    _assert_same(parse_works_year(parts, 2015), parse_works_year(parts, 2015, split_cache_dir=cache))
    _assert_same(parse_works_year(parts, 2015), parse_works_year(parts, 2015, split_cache_dir=cache))
    assert stray.is_dir(), "a live writer's temp files are left alone"


def test_two_extractors_of_one_part_both_succeed(tmp_path, monkeypatch):
    """The second process to finish finds the first one's extract in place and uses it."""
    import aigeo_assets.ingest.part_extract as pe

    write_entity(tmp_path, "works", _messy_world())
    part = list_entity_files(tmp_path, "works").parts[0]
    cache = tmp_path / "cache"
    real = pe.write_part_extract

    def racing(extract, tmp, *args):
        real(extract, tmp, *args)
        if not getattr(racing, "done", False):  # a process that took no lock publishes while we were writing
            racing.done = True
            real(extract, _folder(part, cache), *args)

    monkeypatch.setattr(pe, "write_part_extract", racing)
    got = pe.ensure_part_extract(part, cache)
    assert got.lines_read == 8 and (_folder(part, cache) / "account.json").is_file()
    assert not [p for p in cache.iterdir() if p.name.endswith(".tmp")]


def test_lines_are_attributed_to_the_year_their_decoded_record_gives(tmp_path):
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
    got = ensure_part_extract(part, tmp_path / "cache")
    assert got.year_lines == {2015: 2, 2016: 1, 99999: 1}
    assert sorted(got.tables["raw_works"]["publication_year"].to_pylist()) == [2015, 2015, 2016]
    assert got.quarantine["year"].isna().tolist() == [True]
    stored = read_part_extract(_folder(part, tmp_path / "cache"), 2015)
    assert stored.tables["raw_works"]["work_id"].tolist() == ["W1", "W4"]
    t = parse_works_year([part], 2015, split_cache_dir=tmp_path / "cache", years=range(2010, 2020))
    assert t.works["work_id"].tolist() == ["W1", "W4"]
    assert t.accounts[0].other_years == 1 and dict(t.accounts[0].outside_years) == {99999: 1} and t.accounts[0].unattributed == 1
    _assert_same(t, parse_works_year([part], 2015, years=range(2010, 2020)))


# ------------------------------------------------------------ the isal reader against the line reader


def _check_readers(parts):
    """The isal and native readers give the line reader's extract of each part; returns, per part,
    whether the isal reader took the part (False: it left the part to the line reader), the native
    reader taking the same parts."""
    taken = []
    for part in parts:
        oracle = extract_json_part(part, reader="lines")
        direct = inflated_extract(part, str(part))
        taken.append(direct is not None)
        if direct is not None:
            _same_extract(direct, oracle)
        _same_extract(extract_json_part(part, reader="isal"), oracle)
        native = native_extract(part, str(part))
        assert (native is not None) == (direct is not None)
        _same_extract(extract_json_part(part, reader="native"), oracle)
    return taken


@pytest.mark.parametrize("reader", ["lines", "isal", "native"])
def test_yearly_scans_from_extracts_equal_the_line_scan_with_every_reader(tmp_path, monkeypatch, reader):
    monkeypatch.setenv("AIGEO_INGEST_READER", reader)
    write_entity(tmp_path / "snap", "works", _messy_world())
    parts = list_entity_files(tmp_path / "snap", "works").parts
    for year in (2014, 2015, 2016):
        _assert_same(parse_works_year(parts, year), parse_works_year(parts, year, split_cache_dir=tmp_path / reader))


def test_the_isal_reader_takes_intact_parts_whatever_their_lines(tmp_path):
    """Lines to quarantine are the line reader's own rows in either reader: only a gzip stream that
    is not intact leaves a part to the line reader."""
    write_entity(tmp_path / "snap", "works", _messy_world())
    assert _check_readers(list_entity_files(tmp_path / "snap", "works").parts) == [True, True]
    write_entity(tmp_path / "plain", "works", _messy_world(), gz=False)
    assert _check_readers(list_entity_files(tmp_path / "plain", "works").parts) == [True, True]


@pytest.mark.parametrize("gz", [True, False])
def test_the_isal_reader_gives_the_line_readers_rows_for_faults_spread_over_a_part(tmp_path, gz):
    full = json.dumps(work(10**6, 2015))
    faults = {
        17: full[: full.index('"publication_year"') + 40].encode(),  # malformed
        60: b"",  # blank: numbered, not read
        61: b"   ",
        90: work(10**6 + 1, None),  # year_unknown
        120: work(10**6 + 2, 2015, authors="not a list"),  # bad_field
        150: b'{"id": "https://openalex.org/W7", "publication_year": 2015, "referenced_works": [null]}',
        151: b'{"id": "", "publication_year": 2015}',  # missing_id
        152: b'{"id": "https://openalex.org/W8", "publication_year": 99999}',  # outside Int16: counted only
        200: b'{"id": "https://openalex.org/W9", "publication_year": 2015, "concepts": [{"id": "C1", "level": 70000}]}',
        201: work(2, 2016),  # a duplicate: kept in the extract, resolved by assemble_year
    }
    lines = [faults.get(i, work(i, 2014 + i % 3, refs=[i % 7 + 1, i % 5 + 1])) for i in range(1, 260)]
    write_entity(tmp_path, "works", {"updated_date=2024-01-01/part_000": lines}, manifest=None, gz=gz)
    part = list_entity_files(tmp_path, "works").parts[0]
    fast = inflated_extract(part, str(part))
    oracle = extract_json_part(part, reader="lines")
    _same_extract(fast, oracle)
    _same_extract(extract_json_part(part, reader="native"), oracle)
    assert len(oracle.quarantine) == 6 and fast.year_lines[99999] == 1
    assert fast.quarantine["line"].tolist() == [17, 90, 120, 150, 151, 200]


def test_the_isal_reader_equals_the_line_reader_on_the_tiny_world(tmp_path):
    from aigeo_assets.sampleworld import generate_world

    root = generate_world(tmp_path / "w", scale="tiny", seed=3)
    parts = list_entity_files(root, "works").parts
    assert all(_check_readers(parts)), "the tiny world's parts are intact gzip: the isal reader takes them"
    cache = tmp_path / "cache"
    years = sorted({y for p in parts for y in extract_json_part(p).year_lines})
    for year in years[:: max(1, len(years) // 4)]:
        _assert_same(parse_works_year(parts, year, years=years), parse_works_year(parts, year, split_cache_dir=cache, years=years))


def _real_work_records() -> list[dict]:
    root = SHARED_SAMPLES / "openalex"
    records = [json.loads((root / "W2741809807.json").read_text())]
    records += json.loads((root / "works_english_africa_api_page.json").read_text())["results"]
    records += json.loads((root / "justin21523" / "works_sample.json").read_text())
    for part in sorted((root / "snapshot-go-openalex" / "works").glob("updated_date=*/part_*")):
        records += [json.loads(line) for line in part.read_bytes().splitlines() if line.strip()]
    return records


@needs_samples
def test_the_isal_reader_equals_the_line_reader_on_every_real_record(tmp_path):
    records = _real_work_records()
    assert len(records) > 20
    lines = [json.dumps(r).encode() for r in records]
    write_entity(tmp_path / "snap", "works", {"updated_date=2024-01-01/part_000": lines, "updated_date=2024-02-01/part_000": lines[::-1]})
    parts = list_entity_files(tmp_path / "snap", "works").parts
    assert all(_check_readers(parts)), "intact parts: the isal reader takes them"
    years = sorted({r["publication_year"] for r in records if isinstance(r.get("publication_year"), int)})
    for year in years:
        _assert_same(parse_works_year(parts, year, years=years), parse_works_year(parts, year, split_cache_dir=tmp_path / "c", years=years))
        written = parse_works_year(parts, year, split_cache_dir=tmp_path / "c", years=years, write_to=tmp_path / "w")
        assert all(isinstance(t, TableFile) for t in written.tables().values())
        _assert_same(parse_works_year(parts, year, years=years), written)
    # merged ids that make real records cite one id twice: the year's references deduplicated on their
    # real ids' numbers (the fast path of _first_references) as the line scan does it
    from aigeo_assets.corpus.lookup import arrow_strings
    from aigeo_assets.ingest.part_extract import _work_id_numbers

    short = [[w.rsplit("/", 1)[-1] for w in r.get("referenced_works") or []] for r in records]
    merged = MergedIds({refs[1]: refs[0] for refs in short if len(refs) > 1}, {}, {})
    assert len(merged.works) > 10
    deduplicated = 0
    for year in years:
        line_scan = parse_works_year(parts, year, merged, years=years)
        _assert_same(line_scan, parse_works_year(parts, year, merged, split_cache_dir=tmp_path / "c", years=years))
        if len(line_scan.references):
            assert _work_id_numbers(arrow_strings(line_scan.references["cited_work_id"])) is not None
        deduplicated += len(parse_works_year(parts, year, years=years).references) - len(line_scan.references)
    assert deduplicated > 10


def test_a_killed_extractors_temp_folder_is_swept_and_a_live_ones_kept(tmp_path):
    import subprocess

    from aigeo_assets.resources.warehouse_files import sweep

    done = subprocess.Popen(["true"])
    done.wait()
    cache = tmp_path / "warehouse" / "_part_extracts"
    dead = cache / f".abc-123-deadbeef.{done.pid}.tmp"
    live = cache / f".abc-456-cafebabe.{os.getpid()}.tmp"
    for folder in (dead, live):
        folder.mkdir(parents=True)
        (folder / "raw_works.parquet").write_bytes(b"half a table")
    sweep(tmp_path / "warehouse", keep_superseded=0)
    assert not dead.exists() and live.is_dir()


def test_raw_works_parts_prewarms_the_extract_cache_raw_works_reads(tmp_path):
    import dagster as dg

    from aigeo_assets.assets.ingest import SNAPSHOT_PARTS, build_part_extract_asset, part_key
    from aigeo_assets.resources.sources import SnapshotSource

    write_entity(tmp_path / "snap", "works", _messy_world())
    parts = list_entity_files(tmp_path / "snap", "works").parts
    source = SnapshotSource(snapshot_dir=str(tmp_path / "snap"), split_cache_dir=str(tmp_path / "w" / "_part_extracts"))
    instance = dg.DagsterInstance.ephemeral()
    keys = [part_key(tmp_path / "snap", p) for p in parts]
    instance.add_dynamic_partitions(SNAPSHOT_PARTS.name, keys)
    asset = build_part_extract_asset()
    for key in keys:
        assert dg.materialize([asset], partition_key=key, resources={"source": source}, instance=instance).success
    cache = tmp_path / "w" / "_part_extracts"
    for p in parts:
        assert (_folder(p, cache) / "account.json").is_file()
    _assert_same(parse_works_year(parts, 2015), parse_works_year(parts, 2015, split_cache_dir=cache))
    with pytest.raises(Exception, match="no works part"):
        instance.add_dynamic_partitions(SNAPSHOT_PARTS.name, ["nope"])
        dg.materialize([asset], partition_key="nope", resources={"source": source}, instance=instance)


def test_concurrent_scans_extract_a_missing_part_once(tmp_path):
    import threading

    import aigeo_assets.ingest.part_extract as pe

    write_entity(tmp_path, "works", _messy_world())
    part = list_entity_files(tmp_path, "works").parts[0]
    calls = []

    def counted(path):
        calls.append(path)
        return pe.extract_json_part(path)

    got = []
    threads = [threading.Thread(target=lambda: got.append(pe.ensure_part_extract(part, tmp_path / "cache", 2015, extract=counted))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len(got) == 3
    for g in got[1:]:
        _same_extract(g, got[0])


def test_a_scan_extracts_the_parts_no_one_else_is_extracting_first(tmp_path):
    """While another process holds part 0 (its lock), a scan extracts part 1, then waits for part 0:
    concurrent yearly scans of a new snapshot share out its parts instead of queueing on each."""
    import fcntl
    import threading
    import time

    import aigeo_assets.ingest.part_extract as pe

    write_entity(tmp_path, "works", _messy_world())
    parts = list_entity_files(tmp_path, "works").parts
    cache = tmp_path / "cache"
    cache.mkdir()
    with open(cache / f".{_folder(parts[0], cache).name}.lock", "a+b") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        got = []
        scan = threading.Thread(target=lambda: got.append(pe.ensure_part_extracts(parts, cache, 2015, arrow=True)))
        scan.start()
        for _ in range(600):
            if (_folder(parts[1], cache) / "account.json").is_file():
                break
            time.sleep(0.05)
        assert (_folder(parts[1], cache) / "account.json").is_file(), "part 1 extracted while part 0 is held"
        assert not _folder(parts[0], cache).exists() and scan.is_alive()
        fcntl.flock(held, fcntl.LOCK_UN)
    scan.join(60)
    assert [e.file for e in got[0]] == [str(p) for p in parts]
    _assert_same(parse_works_year(parts, 2015), pe.assemble_year(got[0], 2015, MergedIds.none(), TABLE_YEARS))


def test_a_yearly_read_after_an_extract_is_rewritten_in_place_reads_the_new_files(tmp_path):
    """The parquet footers kept between yearly reads are keyed on the file's version (inode, size,
    mtime): an extract folder rebuilt at the same path (a damaged one, rebuilt) is read from its new
    files, as a process that never read the old ones reads it."""
    import shutil

    from aigeo_assets.ingest import part_extract

    write_entity(tmp_path, "works", _messy_world())
    parts = list_entity_files(tmp_path, "works").parts
    folder = tmp_path / "extract"
    part_extract.write_part_extract(extract_json_part(parts[0]), folder, "a", 1, 1)
    first = read_part_extract(folder, 2015, arrow=True)
    assert len(first.tables["raw_works"]) == 2  # W1 and its duplicate, resolved at assembly
    shutil.rmtree(folder)
    part_extract.write_part_extract(extract_json_part(parts[1]), folder, "a", 1, 1)
    again = read_part_extract(folder, 2015, arrow=True)
    part_extract._FOOTERS.clear()
    fresh = read_part_extract(folder, 2015, arrow=True)
    assert again.tables["raw_works"]["work_id"].to_pylist() == ["W7"]
    for name, table in fresh.tables.items():
        assert again.tables[name].equals(table), name
    assert again.quarantine.equals(fresh.quarantine)


@pytest.mark.parametrize("odd", [None, "", "W", "W0", "W012", "W+12", "W-12", "W 12", "W1x", "A12", "W1234567890123", "Wé1"])
def test_work_id_numbers_are_read_only_from_plain_work_ids(odd):
    import pyarrow as pa

    from aigeo_assets.ingest.part_extract import _work_id_numbers

    plain = ["W1", "W10", "W4385245566", "W999999999999"]
    assert _work_id_numbers(pa.array(plain, pa.large_string())).tolist() == [1, 10, 4385245566, 999999999999]
    assert _work_id_numbers(pa.array([*plain, odd], pa.large_string())) is None


@pytest.mark.parametrize("odd", [None, "W012", "https://openalex.org/W12"])
def test_first_references_are_the_rows_duplicated_does_not_flag(odd):
    """Merged ids make a work cite one id twice; a work may list one reference twice. The first
    row of each (citing, cited) pair is kept, as ``DataFrame.duplicated`` says, on the fast path
    (plain work ids) and on the strings (an odd cited id anywhere)."""
    import numpy as np

    from aigeo_assets.ingest.part_extract import _first_references

    rng = np.random.default_rng(7)
    n_works, n = 300, 4000
    work_row = np.sort(rng.integers(0, n_works, n))
    part, line = work_row % 3, work_row // 3 + 1
    cited = [f"W{v}" for v in rng.integers(1, 60, n)]  # few ids: many repeats within a work
    for cited_ids in (cited, [*cited[:-1], odd]):
        refs = pd.DataFrame({
            "citing_work_id": pd.array([f"W{1000 + w}" for w in work_row], "string"),
            "cited_work_id": pd.array(cited_ids, "string"),
            "_part": part, "line": line,
        })
        expected = ~refs.duplicated(["citing_work_id", "cited_work_id"]).to_numpy()
        assert 0 < expected.sum() < n
        assert (_first_references(refs) == expected).all()


@pytest.mark.parametrize("case", ["identity", "empty", "few_left_out", "few_moved", "scattered", "reversed"])
def test_take_rows_equals_arrows_take(case):
    """``_take_rows`` puts runs' slices together when the rows are few runs, else takes: either way
    the table ``take`` gives, over a table of several chunks (the parts one after another)."""
    import numpy as np
    import pyarrow as pa

    from aigeo_assets.ingest.part_extract import _take_rows

    n = 5000
    rng = np.random.default_rng(3)
    whole = pa.table({"id": pa.array([f"W{i}" for i in range(n)], pa.large_string()),
                      "year": pa.array(rng.integers(1990, 2020, n), pa.int16())})
    table = pa.concat_tables([whole.slice(a, 700) for a in range(0, n, 700)])
    rows = {
        "identity": np.arange(n),
        "empty": np.array([], np.int64),
        "few_left_out": np.setdiff1d(np.arange(n), rng.choice(n, 20, replace=False)),
        "few_moved": np.r_[np.arange(0, 100), np.arange(4000, 4010), np.arange(100, 4000), np.arange(4010, n)],
        "scattered": rng.permutation(n),
        "reversed": np.arange(n)[::-1].copy(),
    }[case]
    assert _take_rows(table, rows).equals(table.take(pa.array(rows, pa.int64())))


def test_a_scan_counts_the_parts_it_extracted_and_their_cost(tmp_path):
    """``WorksTables.parts_made`` (raw_works' ``parts_extracted``, ``extracted_lines``,
    ``extract_cpu_s``): the first scan reads every part and says so; a scan from the stored
    extracts read none; a scan without the cache extracts nothing."""
    write_entity(tmp_path / "snap", "works", _messy_world())
    parts = list_entity_files(tmp_path / "snap", "works").parts
    cache = tmp_path / "cache"
    first = parse_works_year(parts, 2015, split_cache_dir=cache)
    assert first.parts_made.parts == len(parts) == 2
    assert first.parts_made.lines == first.lines_scanned == sum(a.lines_read for a in first.accounts)
    assert first.parts_made.cpu_s > 0
    meta = first.parts_made.as_metadata()
    assert meta["extracted_lines_per_cpu_s"] == round(first.parts_made.lines / first.parts_made.cpu_s)
    for later in (parse_works_year(parts, 2014, split_cache_dir=cache), parse_works_year(parts, 2015)):
        assert (later.parts_made.parts, later.parts_made.lines, later.parts_made.cpu_s) == (0, 0, 0.0)
        assert later.parts_made.as_metadata()["extracted_lines_per_cpu_s"] is None


def test_a_year_is_assembled_a_batch_of_parts_at_a_time_as_the_line_scan_gives_it(tmp_path, monkeypatch):
    """Duplicates and merged ids across parts, a venue seen in several parts: assembled one part at a
    time (``batch_rows=1``), a few, or all at once, gathered or written to files batch by batch, the
    year equals the line-by-line scan. The canonical record of a merged-away copy read in an earlier
    part is kept where its own line is."""
    import aigeo_assets.ingest.part_extract as pe
    from aigeo_assets.ingest.snapshot import read_merged_ids
    from aigeo_assets_tests.support.snapshot_fixtures import write_merged

    world = {
        "updated_date=2024-01-01/part_000": [work(9, 2015, refs=[2, 3, 2]), work(2, 2015, refs=[9])],  # W9: merged into W1
        "updated_date=2024-01-02/part_000": [work(3, 2015, venue_type="conference"), work(2, 2015), work(11, 2014)],
        "updated_date=2024-01-03/part_000": [work(12, 2014)],  # none of the year
        "updated_date=2024-01-04/part_000": [work(4, 2015, authors=[authorship("first", 10, [inst_ref(100, "CN")])]),
                                             work(1, 2015, refs=[9, 4], venue_type="conference")],
        "updated_date=2024-01-05/part_000": [work(5, 2015)],
    }
    write_entity(tmp_path, "works", world)
    write_merged(tmp_path, "works", [("W9", "W1")])
    merged = MergedIds(read_merged_ids(tmp_path, "works"), {}, {})
    parts = list_entity_files(tmp_path, "works").parts
    oracle = parse_works_year(parts, 2015, merged)
    assert oracle.works["work_id"].tolist() == ["W2", "W3", "W4", "W1", "W5"]
    assert sorted(oracle.quarantine["reason"]) == ["duplicate_work", "merged_duplicate"]
    assert oracle.venues["venue_id"].tolist() == ["S100", "S101"]
    assert ("W2", "W1") in set(oracle.references.itertuples(index=False, name=None))

    batches = []
    real = pe._assembled_batch
    monkeypatch.setattr(pe, "_assembled_batch", lambda extracts, *a: batches.append(len(extracts)) or real(extracts, *a))
    extracts = pe.ensure_part_extracts(parts, tmp_path / "cache", 2015, arrow=True, lazy=True)
    assert all(isinstance(e, pe.StoredExtract) for e in extracts), "made now and stored: read again when assembled"
    rows = [e.year_rows() for e in extracts]
    assert rows == [sum(len(t) for t in e.load().tables.values()) for e in extracts] and rows[2] == 0
    for batch_rows, sizes in ((1, [1, 1, 1, 1, 1]), (rows[0] + rows[1], [3, 2]), (10**6, [5])):
        for write_to in (None, tmp_path / f"w{batch_rows}"):
            batches.clear()
            got = pe.assemble_year(extracts, 2015, merged, TABLE_YEARS, write_to=write_to, batch_rows=batch_rows)
            assert batches == sizes, (batch_rows, batches)
            _assert_same(oracle, got)
            if write_to is not None:
                assert sorted(p.name for p in write_to.iterdir()) == sorted(f"{t}.2015.parquet" for t in WORK_TABLES)
                assert got.distinct_work_ids()

