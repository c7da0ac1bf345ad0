"""Broken snapshot files, one fault at a time: gzip breaks, manifests, merged_ids csvs, institution
records of every JSON type, loose record files. Each case asserts no crash, the exact reason, and
that every intact line is read (issue 12, items 1 and 4, at file level)."""

from __future__ import annotations

import gzip
import json
import os
import random
import re
from pathlib import Path

import pandas as pd
import pytest

from aigeo_assets.ingest import snapshot
from aigeo_assets.ingest.institutions import parse_institutions
from aigeo_assets.ingest.quarantine import Quarantine
from aigeo_assets.ingest.records_folder import RecordsFileError, iter_record_file, snapshot_from_records
from aigeo_assets.ingest.snapshot import MergedIdsError, iter_lines, list_entity_files, read_merged_ids
from aigeo_assets.schemas import conform
from aigeo_assets_tests.support.snapshot_fixtures import SHARED_SAMPLES, institution, write_entity

# ---------------------------------------------------------------------------------------------
# gzip breaks in a multi-member part

MEMBERS = 5
PER_MEMBER = 300


def _member_lines(m: int) -> list[bytes]:
    """Lines of member ``m``: institution records, distinct, with enough entropy to compress badly."""
    return [
        json.dumps(institution(m * PER_MEMBER + i, city=f"City {(m * 7919 + i * 104729) % 100003:x}", geonames=1000 + i)).encode()
        for i in range(PER_MEMBER)
    ]


def _multi_member() -> tuple[bytes, list[int], list[list[bytes]]]:
    """A gzip part of MEMBERS members (as OpenAlex and the split cache write them): the bytes, each
    member's start offset (and the end), and each member's lines."""
    members = [_member_lines(m) for m in range(MEMBERS)]
    blobs = [gzip.compress(b"".join(line + b"\n" for line in lines), mtime=0) for lines in members]
    offsets = [0]
    for b in blobs:
        offsets.append(offsets[-1] + len(b))
    return b"".join(blobs), offsets, members


def _faults(data: bytes, off: list[int]) -> dict[str, tuple[bytes, set[int], str, str]]:
    """name -> (damaged bytes, members whose every line must be read, reason, phrase in the detail)."""
    every = set(range(MEMBERS))
    mid2 = off[2] + (off[3] - off[2]) // 2
    cut1 = off[1] + (off[2] - off[1]) // 2
    flipped = data[: off[2] - 8] + bytes([data[off[2] - 8] ^ 0xFF]) + data[off[2] - 7 :]  # member 1's checksum
    return {
        "zeroed_region_in_member_2": (
            data[:mid2] + b"\0" * 300 + data[mid2 + 300 :], every - {2}, "corrupt_gzip", f"bytes {off[2]}-{off[3]} lost"
        ),
        "garbage_between_members_2_and_3": (
            data[: off[3]] + b"not gzip at all" * 9 + data[off[3] :], every, "corrupt_gzip", f"bytes {off[3]}-{off[3] + 135} lost"
        ),
        "header_of_member_3_damaged": (data[: off[3]] + b"XY" + data[off[3] + 2 :], every - {3}, "corrupt_gzip", f"bytes {off[3]}-{off[4]} lost"),
        "member_1_cut_then_member_2_appended": (
            data[:cut1] + data[off[2] :], every - {1}, "corrupt_gzip", f"is cut at byte {cut1}, where a new member starts"
        ),
        "checksum_of_member_1_wrong": (flipped, every - {1}, "corrupt_gzip", f"(the member's checksum fails), with the {PER_MEMBER} lines"),
        "trailing_zeros": (data + b"\0" * 64, every, "corrupt_gzip", f"bytes {off[-1]}-{off[-1] + 64} lost"),
        "truncated_in_member_4": (
            data[: off[4] + (off[5] - off[4]) // 2], every - {4}, "truncated_gzip", f"member starting at compressed byte {off[4]} is cut"
        ),
    }


FAULTS = sorted(_faults(*_multi_member()[:2]))


def _read(path: Path) -> tuple[list[tuple[int, bytes]], pd.DataFrame]:
    q = Quarantine()
    lines = list(iter_lines(path, q))
    return lines, q.frame()


@pytest.mark.parametrize("chunk", [snapshot._CHUNK, 997], ids=["whole_members_per_chunk", "small_chunks"])
@pytest.mark.parametrize("fault", FAULTS)
def test_a_gzip_break_loses_only_its_own_stretch(tmp_path, monkeypatch, fault, chunk):
    monkeypatch.setattr(snapshot, "_CHUNK", chunk)
    data, off, members = _multi_member()
    damaged, intact, reason, phrase = _faults(data, off)[fault]
    path = tmp_path / "part_000.gz"
    path.write_bytes(damaged)
    lines, q = _read(path)
    assert q["reason"].tolist() == [reason], q["detail"].tolist()
    assert q["line"].tolist() == [0] and q["file"].tolist() == [str(path)]
    assert phrase in q["detail"].iloc[0]
    read = {line for _, line in lines}
    for m in intact:
        assert set(members[m]) <= read, f"member {m} is intact: every one of its lines is read"
    lost = sum(len(set(members[m]) - read) for m in range(MEMBERS))
    if fault != "zeroed_region_in_member_2":  # there zlib sees the damage only some bytes after it
        assert read <= {line for lines in members for line in lines}, "no garbage line is read"
    assert lost < PER_MEMBER + 1, "no more than the broken member's lines are lost"
    numbers = [n for n, _ in lines]
    assert numbers == list(range(1, len(lines) + 1)), "numbering goes on after a lost stretch"
    m = re.search(r"lines 1-(\d+) read before it.*first line is numbered (\d+)", q["detail"].iloc[0])
    if m:
        assert int(m.group(2)) == int(m.group(1)) + 1
        before = int(m.group(1))
        assert lines[before][0] == before + 1


def test_random_damage_loses_only_the_members_it_touches(tmp_path):
    """Seeded random faults (overwrite, zero, delete or insert a span; cut the file): every member
    the fault does not touch is read whole, numbering stays consecutive, nothing crashes."""
    data, off, members = _multi_member()
    rng = random.Random(2024)
    path = tmp_path / "part_000.gz"
    for case in range(80):
        kind = rng.choice(["overwrite", "zero", "delete", "insert", "cut"])
        at = rng.randrange(len(data))
        span = rng.randrange(1, 400)
        if kind == "overwrite":
            damaged, touched = data[:at] + rng.randbytes(span) + data[at + span :], (at, at + span)
        elif kind == "zero":
            damaged, touched = data[:at] + bytes(span) + data[at + span :], (at, at + span)
        elif kind == "delete":
            damaged, touched = data[:at] + data[at + span :], (at, at + span)
        elif kind == "insert":
            damaged, touched = data[:at] + rng.randbytes(span) + data[at:], (at, at + 1)
        else:
            damaged, touched = data[:at], (at, len(data))
        path.write_bytes(damaged)
        lines, q = _read(path)
        read = {line for _, line in lines}
        for m in range(MEMBERS):
            untouched = off[m + 1] <= touched[0] or off[m] >= touched[1]
            if untouched:
                assert set(members[m]) <= read, (case, kind, at, span, m)
        assert [n for n, _ in lines] == list(range(1, len(lines) + 1)), (case, kind)
        assert set(q["reason"]) <= {"corrupt_gzip", "truncated_gzip"} and set(q["line"]) <= {0}


def test_a_break_is_found_to_the_byte_whatever_the_chunk_size(tmp_path, monkeypatch):
    data, off, _ = _multi_member()
    damaged = _faults(data, off)["zeroed_region_in_member_2"][0]
    path = tmp_path / "part_000.gz"
    path.write_bytes(damaged)
    first = _read(path)
    monkeypatch.setattr(snapshot, "_CHUNK", 1000)
    second = _read(path)
    assert first[0] == second[0], "the same lines, with the same numbers"
    assert first[1]["detail"].tolist() == second[1]["detail"].tolist(), "the same offsets"
    seen = int(re.search(r"seen at compressed byte (\d+)", first[1]["detail"].iloc[0]).group(1))
    mid2 = off[2] + (off[3] - off[2]) // 2
    assert mid2 <= seen < off[3], "zlib sees the damage at or after its first byte, before the next member"
    assert f"compressed bytes {off[2]}-{off[3]} lost" in first[1]["detail"].iloc[0], "the member is not used: its checksum cannot vouch for it"


def test_a_member_larger_than_the_hold_limit_is_used_up_to_its_last_stretch(tmp_path, monkeypatch):
    monkeypatch.setattr(snapshot, "_CHUNK", 997)
    monkeypatch.setattr(snapshot, "_HOLD_LIMIT", 20_000)
    data, off, members = _multi_member()
    damaged = _faults(data, off)["zeroed_region_in_member_2"][0]
    path = tmp_path / "part_000.gz"
    path.write_bytes(damaged)
    lines, q = _read(path)
    read = [line for _, line in lines]
    from_member_2 = [line for line in read if line in set(members[2])]
    assert 0 < len(from_member_2) < PER_MEMBER and from_member_2[:50] == members[2][:50], "the oldest output is released"
    start = int(re.search(r"compressed bytes (\d+)-", q["detail"].iloc[0]).group(1))
    assert off[2] < start < off[3], "the lost stretch begins where the output still held begins"
    dropped = int(re.search(r"with the (\d+) lines decoded", q["detail"].iloc[0]).group(1))
    assert dropped > 0


def test_a_single_member_part_cut_short_keeps_every_line_before_the_cut(tmp_path):
    body = b"".join(line + b"\n" for m in range(2) for line in _member_lines(m))
    blob = gzip.compress(body, mtime=0)
    path = tmp_path / "part_000.gz"
    path.write_bytes(blob[: len(blob) * 3 // 4])
    lines, q = _read(path)
    whole = body.split(b"\n")
    assert [line for _, line in lines] == whole[: len(lines)]
    assert len(lines) > PER_MEMBER
    assert q["reason"].tolist() == ["truncated_gzip"]
    assert f"lines 1-{len(lines)} read before it, a line cut after" in q["detail"].iloc[0]
    assert f"cut at byte {len(blob) * 3 // 4} (end of file)" in q["detail"].iloc[0]


def test_an_unreadable_part_is_a_row_not_a_crash(tmp_path):
    folder = tmp_path / "data" / "works" / "updated_date=2024-01-01"
    folder.mkdir(parents=True)
    (folder / "part_000").symlink_to(tmp_path / "nowhere")
    (folder / "part_001").mkdir()
    (folder / "part_002").write_bytes(b'{"id": "W1"}\n')
    files = list_entity_files(tmp_path, "works")
    assert [p.name for p in files.parts] == ["part_002"]
    assert files.problems.frame()[["file", "reason"]].values.tolist() == [
        [str(folder / "part_000"), "part_unreadable"],
        [str(folder / "part_001"), "part_unreadable"],
    ]
    lines, q = _read(folder / "part_001")
    assert lines == [] and q["reason"].tolist() == ["part_unreadable"] and "cannot open" in q["detail"].iloc[0]


# ---------------------------------------------------------------------------------------------
# manifests

BAD_MANIFESTS = {
    "not_json": (b"{entries: oops", "not JSON"),
    "empty": (b"", "empty"),
    "blank": (b" \n\t", "empty"),
    "a_list": (b'[{"url": "s3://openalex/data/works/updated_date=2024-01-01/part_000.gz"}]', "a JSON list"),
    "null": (b"null", "a JSON null"),
    "no_entries": (b'{"meta": {}}', "no entries[] or files[] (keys: meta)"),
    "entries_a_string": (b'{"entries": "part_000.gz"}', "entries is a JSON string, expected a list"),
    "entry_without_url": (b'{"entries": [{"path": "part_000.gz"}]}', "entries[0] has no url (keys: path)"),
    "entry_url_a_number": (b'{"entries": [{"url": 5}]}', "entries[0].url is 5"),
    "entry_a_string": (b'{"files": ["s3://x/part_000.gz"]}', "files[0] is a string"),
    "not_utf8": (b'{"entries": [{"url": "s3://openalex/data/works/\xff\xfe/part_000.gz"}]}', "not UTF-8: byte 0xff at offset 47"),
}


def _two_parts(root: Path) -> Path:
    return write_entity(
        root,
        "works",
        {"updated_date=2024-01-01/part_000": [{"id": "W1"}], "updated_date=2024-02-01/part_000": [{"id": "W2"}]},
        manifest=None,
    )


@pytest.mark.parametrize("case", sorted(BAD_MANIFESTS))
def test_an_unusable_manifest_is_one_row_and_every_part_is_read(tmp_path, case):
    content, phrase = BAD_MANIFESTS[case]
    base = _two_parts(tmp_path)
    (base / "manifest").write_bytes(content)
    files = list_entity_files(tmp_path, "works")
    assert [p.parent.name for p in files.parts] == ["updated_date=2024-01-01", "updated_date=2024-02-01"]
    q = files.problems.frame()
    assert q["reason"].tolist() == ["manifest_unreadable"] and q["file"].tolist() == [str(base / "manifest")]
    assert phrase in q["detail"].iloc[0] and "every part on disk is read instead (2)" in q["detail"].iloc[0]
    assert files.missing == [] and files.unlisted == []


def test_a_manifest_that_is_a_folder_is_a_row(tmp_path):
    base = _two_parts(tmp_path)
    (base / "manifest").mkdir()
    files = list_entity_files(tmp_path, "works")
    assert len(files.parts) == 2 and files.problems.counts() == {"manifest_unreadable": 1}


def test_a_json_syntax_error_names_its_line(tmp_path):
    base = _two_parts(tmp_path)
    (base / "manifest").write_bytes(b'{"entries": [\n {"url": "a"},\n {"url": }\n]}')
    q = list_entity_files(tmp_path, "works").problems.frame()
    assert q["line"].tolist() == [3]


def test_every_missing_part_is_a_row_naming_its_url(tmp_path):
    base = _two_parts(tmp_path)
    urls = [f"s3://openalex/data/works/updated_date=2024-0{m}-01/part_000.gz" for m in (1, 3, 4)]
    (base / "manifest").write_text(json.dumps({"entries": [{"url": u} for u in urls]}))
    files = list_entity_files(tmp_path, "works")
    q = files.problems.frame()
    assert q["reason"].tolist() == ["manifest_part_missing"] * 2
    assert q["detail"].tolist() == urls[1:] == files.missing
    assert set(q["file"]) == {str(base / "manifest")}
    assert [p.parent.name for p in files.parts] == ["updated_date=2024-01-01", "updated_date=2024-02-01"]
    assert [p.parent.name for p in files.unlisted] == ["updated_date=2024-02-01"]


def test_a_manifest_with_a_byte_order_mark_and_repeated_entries_reads_each_part_once(tmp_path):
    base = _two_parts(tmp_path)
    url = "s3://openalex/data/works/updated_date=2024-02-01/part_000.gz"
    (base / "manifest").write_bytes(b"\xef\xbb\xbf" + json.dumps({"entries": [{"url": url}, {"url": url}]}).encode())
    files = list_entity_files(tmp_path, "works")
    assert len(files.problems) == 0
    assert [p.parent.name for p in files.parts] == ["updated_date=2024-02-01", "updated_date=2024-01-01"]


# ---------------------------------------------------------------------------------------------
# merged_ids

HEADER = b"merge_date,id,merge_into_id\n"


def _merged_file(root: Path, name: str, data: bytes, entity: str = "works") -> Path:
    folder = root / "data" / "merged_ids" / entity
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


def _rows(pairs) -> bytes:
    return b"".join(f"2024-01-01,{old},{new}\n".encode() for old, new in pairs)


def test_merged_ids_bad_rows_are_each_a_row_and_good_rows_are_kept(tmp_path):
    body = HEADER + _rows([("W1", "W2")])
    body += b"2024-01-01,W3\n"  # line 3: two fields
    body += b"2024-01-01,,W4\n"  # line 4: empty id
    body += b"2024-01-01,I5,W6\n"  # line 5: an institution id among works
    body += b"2024-01-01,W7,W7\n"  # line 6: merged into itself
    body += b"2024-01-01,W8,W\xe99\n"  # line 7: not UTF-8
    body += b"2024-01-01,banana,W9\n"  # line 8: not an id
    body += b"\n" + _rows([("https://openalex.org/W10", "https://openalex.org/W11")])  # line 10
    path = _merged_file(tmp_path, "2024-01-01.csv.gz", gzip.compress(body))
    q = Quarantine()
    mapping = read_merged_ids(tmp_path, "works", q)
    assert mapping == {"W1": "W2", "W10": "W11"}
    f = q.frame()
    assert f["line"].tolist() == [3, 4, 5, 6, 7, 8]
    assert set(f["reason"]) == {"merged_ids_bad_row"} and set(f["file"]) == {str(path)}
    phrases = [
        "2 fields, expected 3",
        "empty id",
        "'I5' is not an id of this entity",
        "W7 is merged into itself",
        "not UTF-8: byte 0xe9",
        "'banana' is not an OpenAlex id",
    ]
    for line, phrase in zip(range(3, 9), phrases):
        assert phrase in f.set_index("line").loc[line, "detail"]


@pytest.mark.parametrize(
    "name,data,phrase",
    [
        ("2024-01-01.csv.gz", HEADER + _rows([("W1", "W2")]), "named .gz but not gzip"),
        ("2024-01-01.csv.gz", gzip.compress(b"date,old,new\n" + _rows([("W1", "W2")]), mtime=0), "header is 'date,old,new'"),
        ("2024-01-01.csv.gz", gzip.compress(_rows([("W1", "W2")]), mtime=0), "expected merge_date,id,merge_into_id"),
        ("2024-01-01.csv.gz", gzip.compress(b"merge_date,\xffid,merge_into_id\n" + _rows([("W1", "W2")]), mtime=0), "header not UTF-8"),
        ("2024-01-01.csv.gz", gzip.compress(b"", mtime=0), "empty file"),
        ("2024-01-01.csv", b"", "empty file"),
    ],
)
def test_an_unreadable_merged_ids_file_is_one_row(tmp_path, name, data, phrase):
    path = _merged_file(tmp_path, name, data)
    _merged_file(tmp_path, "2024-02-01.csv.gz", gzip.compress(HEADER + _rows([("W5", "W6")])))
    q = Quarantine()
    assert read_merged_ids(tmp_path, "works", q) == {"W5": "W6"}, "the other file is read"
    f = q.frame()
    assert f["reason"].tolist() == ["merged_ids_unreadable"] and f["file"].tolist() == [str(path)]
    assert phrase in f["detail"].iloc[0]
    with pytest.raises(MergedIdsError, match=re.escape(str(path))):
        read_merged_ids(tmp_path, "works")


def test_merged_ids_after_a_gzip_break_are_read_from_the_next_member(tmp_path):
    pairs = [(f"W{i}", f"W{i + 100000}") for i in range(1, 3001)]
    members = [gzip.compress(HEADER + _rows(pairs[:1000])), gzip.compress(_rows(pairs[1000:2000])), gzip.compress(_rows(pairs[2000:]))]
    cut = members[1][: len(members[1]) // 2]
    _merged_file(tmp_path, "2024-01-01.csv.gz", members[0] + cut + members[2])
    q = Quarantine()
    mapping = read_merged_ids(tmp_path, "works", q)
    assert set(pairs[:1000]) <= set(mapping.items()) and set(pairs[2000:]) <= set(mapping.items())
    assert q.counts() == {"merged_ids_unreadable": 1} or set(q.counts()) == {"merged_ids_unreadable", "merged_ids_bad_row"}
    assert "corrupt_gzip" in q.frame().query("reason == 'merged_ids_unreadable'")["detail"].iloc[0]
    truncated = tmp_path / "t"
    _merged_file(truncated, "2024-01-01.csv.gz", members[0] + cut)
    q = Quarantine()
    assert set(read_merged_ids(truncated, "works", q).items()) >= set(pairs[:1000])
    assert q.counts() == {"merged_ids_unreadable": 1} and "truncated_gzip" in q.frame()["detail"].iloc[0]


def test_a_merge_cycle_is_reported_and_left_unmerged(tmp_path):
    pairs = [("W9", "W2"), ("W1", "W2"), ("W2", "W3"), ("W3", "W1"), ("W4", "W5"), ("W5", "W6")]
    _merged_file(tmp_path, "2024-01-01.csv.gz", gzip.compress(HEADER + _rows(pairs)))
    q = Quarantine()
    assert read_merged_ids(tmp_path, "works", q) == {"W4": "W6", "W5": "W6"}
    f = q.frame().sort_values("line")
    assert f["reason"].tolist() == ["merged_ids_bad_row"] * 2
    assert f["line"].tolist() == [2, 4] and f["detail"].tolist() == [
        "W9 is merged into the merge cycle W2 -> W3 -> W1 -> W2: left unmerged",
        "merge cycle W2 -> W3 -> W1 -> W2: these ids are left unmerged",
    ]


# ---------------------------------------------------------------------------------------------
# institution records: every JSON type in every field read

FIELDS = ["id", "display_name", "country_code", "type", "geo", "geo.city", "geo.geonames_city_id", "geo.region", "geo.country_code",
          "geo.latitude", "geo.longitude"]
VALUES = [None, True, False, 0, -1, 7, 2**70, 1.5, -91.0, 1e308, "", "x", "42.5", "0", "4984247", "١٢", "nan", [], ["US"], {}, {"a": 1}]


def _accepted(field: str, value) -> str | None:
    """The oracle, written from the declared schema: the table value of an accepted field (as a
    string, '' for null) or None when the record must be quarantined."""
    is_num = isinstance(value, (int, float)) and not isinstance(value, bool)
    if field == "geo":
        return "" if value is None else ("dict" if isinstance(value, dict) else None)
    if field == "geo.geonames_city_id":
        if value is None or value == "":
            return ""
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value) if 1 <= value < 2**63 else None
        return str(int(value)) if isinstance(value, str) and re.fullmatch(r"[0-9]{1,18}", value) and int(value) > 0 else None
    if field in ("geo.latitude", "geo.longitude"):
        bound = 90 if field == "geo.latitude" else 180
        if value is None:
            return ""
        if isinstance(value, str):
            try:
                number = float(value) if re.fullmatch(r"[0-9.eE+-]+", value) else None
            except ValueError:
                number = None
        else:
            number = float(value) if is_num else None
        return None if number is None or not -bound <= number <= bound else repr(number)
    if value is None or (value == "" and field in ("id", "country_code", "geo.country_code")):
        return ""
    return value if isinstance(value, str) else None


def _cell(df_row, field: str) -> str:
    column = {"id": "institution_id", "geo": None}.get(field, field.replace(".", "_"))
    value = df_row[column]
    if pd.isna(value):
        return ""
    return repr(float(value)) if field in ("geo.latitude", "geo.longitude") else str(value)


def test_every_json_type_in_every_institution_field_is_read_or_quarantined_never_coerced(tmp_path):
    cases = []
    for field in FIELDS:
        for value in VALUES:
            rec = institution(len(cases) + 1, city="Ann Arbor", geonames=4984247, lat=42.28, lon=-83.74)
            if field == "geo" and isinstance(value, dict):
                value = {**rec["geo"], **value}
            target, key = (rec["geo"], field[4:]) if field.startswith("geo.") else (rec, field)
            target[key] = value
            cases.append((field, value, rec))
    write_entity(tmp_path, "institutions", {"updated_date=2024-01-01/part_000": [c[2] for c in cases]}, manifest=None)
    df, q = parse_institutions(list_entity_files(tmp_path, "institutions").parts)
    df = conform(df, "raw_institutions")  # typed as the IO manager writes it
    f = q.frame().set_index("line")
    by_id = df.set_index("institution_id")
    wrong = 0
    for lineno, (field, value, rec) in enumerate(cases, 1):
        expected = _accepted(field, value)
        if field == "id":
            if expected == "":
                assert f.loc[lineno, "reason"] == "missing_id", (field, value)
                continue
            if expected is not None:
                assert value in by_id.index or value[-1:] in ("", "/")
                continue
        iid = rec["id"].rsplit("/", 1)[-1] if isinstance(rec["id"], str) else None
        if expected is None:
            assert lineno in f.index and f.loc[lineno, "reason"] == "bad_field", (field, value)
            assert f.loc[lineno, "detail"].startswith(field), (field, value, f.loc[lineno, "detail"])
            assert iid not in by_id.index
        else:
            assert lineno not in f.index, (field, value, f.loc[lineno, "detail"] if lineno in f.index else "")
            if field != "geo":
                wrong += _cell(by_id.loc[iid], field) != expected
    assert wrong == 0
    assert len(df) + len(q) == len(cases), "every line is a row or a quarantine row"
    assert len(cases) == len(FIELDS) * len(VALUES)


def _random_json(rng: random.Random, depth: int = 0):
    kind = rng.choice(["null", "bool", "int", "float", "str", "numeric_str", "list", "object"] if depth < 2 else ["null", "int", "str"])
    return {
        "null": lambda: None,
        "bool": lambda: rng.random() < 0.5,
        "int": lambda: rng.choice([0, 1, -1, rng.randrange(-(10**6), 10**6), 2**63, -(2**63) - 1, 10**30]),
        "float": lambda: rng.choice([0.0, -0.5, 45.25, 90.0, 180.0, 180.5, 1e300, -1e-300]),
        "str": lambda: rng.choice(["", " ", "US", "x" * 300, "é", "\u2028", "١٢", "nan", "inf", "1e3", "12 ", "0x10"]),
        "numeric_str": lambda: str(rng.choice([rng.randrange(0, 10**7), round(rng.uniform(-200, 200), 4)])),
        "list": lambda: [_random_json(rng, depth + 1) for _ in range(rng.randrange(3))],
        "object": lambda: {k: _random_json(rng, depth + 1) for k in rng.sample(["a", "city", "latitude", "US"], rng.randrange(3))},
    }[kind]()


def _base_institutions() -> list[dict]:
    part = SHARED_SAMPLES / "openalex" / "snapshot-go-openalex" / "institutions" / "updated_date=2023-09-04" / "part_000"
    if part.is_file():
        return [json.loads(ln) for ln in part.read_bytes().splitlines() if ln.strip()]
    return [institution(i, city=f"City {i}", geonames=1000 + i, lat=i % 90, lon=-(i % 180)) for i in range(1, 601)]


def test_random_mutations_of_institution_records_match_the_declared_schema(tmp_path):
    rng = random.Random(12)
    records, cases = _base_institutions(), []
    for rec in records:
        field = rng.choice(FIELDS[1:])
        value = _random_json(rng)
        if field.startswith("geo.") and not isinstance(rec.get("geo"), dict):
            rec["geo"] = {}
        target, key = (rec["geo"], field[4:]) if field.startswith("geo.") else (rec, field)
        target[key] = value
        cases.append((field, value, rec))
    write_entity(tmp_path, "institutions", {"updated_date=2024-01-01/part_000": records}, manifest=None)
    df, q = parse_institutions(list_entity_files(tmp_path, "institutions").parts)
    df = conform(df, "raw_institutions")  # typed as the IO manager writes it
    f = q.frame().set_index("line")
    by_id = df.set_index("institution_id")
    for lineno, (field, value, rec) in enumerate(cases, 1):
        iid = rec["id"].rsplit("/", 1)[-1]
        row_ok = [_accepted(g, _get(rec, g)) is not None for g in FIELDS[1:]]
        if all(row_ok):
            assert iid in by_id.index, (field, value)
            if field != "geo":
                assert _cell(by_id.loc[iid], field) == _accepted(field, value), (field, value)
        else:
            assert f.loc[lineno, "reason"] == "bad_field", (field, value)
    assert len(df) + len(q) == len(records), "every line is a row or a quarantine row"
    text = df.select_dtypes(exclude="number").astype("string")
    assert not text.apply(lambda c: c.str.startswith("[") | c.str.startswith("{")).any().any(), "no list or object turned into text"


def _get(rec: dict, field: str):
    if field.startswith("geo."):
        geo = rec.get("geo")
        return geo.get(field[4:]) if isinstance(geo, dict) else None
    return rec.get(field)


def test_a_list_country_never_becomes_its_repr(tmp_path):
    rec = institution(1, country="US")
    rec["country_code"] = ["US"]
    write_entity(tmp_path, "institutions", {"updated_date=2024-01-01/part_000": [rec, b"[1]", b"{not json", b"\xff\xfe"]}, manifest=None)
    df, q = parse_institutions(list_entity_files(tmp_path, "institutions").parts)
    df = conform(df, "raw_institutions")  # typed as the IO manager writes it
    assert len(df) == 0
    assert q.frame()[["line", "reason"]].values.tolist() == [[1, "bad_field"], [2, "not_an_object"], [3, "malformed_json"], [4, "malformed_json"]]
    assert q.frame()["detail"].iloc[0] == "country_code: expected str | null, got array"


needs_samples = pytest.mark.skipif(not SHARED_SAMPLES.is_dir(), reason="../shared/samples not present: real-record test skipped")


@needs_samples
def test_real_institution_records_split_in_members_survive_a_broken_member(tmp_path):
    part = next((SHARED_SAMPLES / "openalex" / "snapshot-go-openalex" / "institutions").glob("updated_date=*/part_000"))
    lines = [ln + b"\n" for ln in part.read_bytes().split(b"\n") if ln.strip()]
    third = len(lines) // 3
    blobs = [gzip.compress(b"".join(lines[i * third : (i + 1) * third if i < 2 else None]), mtime=0) for i in range(3)]
    folder = tmp_path / "data" / "institutions" / "updated_date=2023-09-04"
    folder.mkdir(parents=True)
    (folder / "part_000.gz").write_bytes(blobs[0] + blobs[1][:-100] + blobs[1][-100:].replace(b"\x00", b"\x01") + blobs[2])
    whole, _ = parse_institutions([part])
    df, q = parse_institutions(list_entity_files(tmp_path, "institutions").parts)
    df = conform(df, "raw_institutions")  # typed as the IO manager writes it
    assert q.counts().get("corrupt_gzip", 0) + q.counts().get("truncated_gzip", 0) == 1
    kept = set(df["institution_id"])
    ids = [json.loads(ln)["id"].rsplit("/", 1)[-1] for ln in lines]
    assert set(ids[:third]) <= kept and set(ids[2 * third :]) <= kept, "the members around the broken one are read whole"
    assert kept <= set(whole["institution_id"])


# ---------------------------------------------------------------------------------------------
# loose record files


@pytest.mark.parametrize(
    "data,phrase",
    [
        (gzip.compress(b'{"id": "W1"}\n' * 2000, mtime=0)[:-30], "truncated file"),
        (b'{"id": "W1"}\n{"id": "W2"}\n{"id": "W\xff"}\n', "line 3 is not UTF-8"),
        (b'{"id": "W1"}\n\n{"id": \n', "line 3 is not JSON"),
        (b'{"id": "W1"}\n[1]\n', "line 2 is a list"),
        (b'[{"id": "W1"}, 5]', "list item 1 is a number"),
        (b'{"meta": {}, "results": [{"id": "W1"}, "W2"]}', "results item 1 is a string"),
        (b"", "no JSON records"),
        (b'"just a string"', "neither an API page"),
    ],
)
def test_a_bad_loose_record_file_is_a_clear_error_naming_file_and_line(tmp_path, data, phrase):
    path = tmp_path / "records.json"
    path.write_bytes(data)
    with pytest.raises(RecordsFileError) as err:
        list(iter_record_file(path))
    assert str(path) in str(err.value) and phrase in str(err.value)


def test_a_folder_given_as_records_file_is_a_clear_error(tmp_path):
    with pytest.raises(RecordsFileError, match="cannot read"):
        list(iter_record_file(tmp_path))


def test_a_bad_file_leaves_the_previous_snapshot_as_it_was(tmp_path):
    good = tmp_path / "good.jsonl"
    good.write_bytes(b'{"id": "W1", "publication_year": 2015}\n{"id": "W2", "publication_year": 2016}\n')
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"id": "W3"}\n{oops\n')
    out = tmp_path / "snap"
    assert snapshot_from_records(out, works=[good], institutions=[good]) == {"works": 2, "institutions": 2}
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with pytest.raises(RecordsFileError, match="line 2"):
        snapshot_from_records(out, works=[good], institutions=[bad])
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before, "works were read fine but nothing is replaced until every file was read"
    assert not [p for p in out.rglob(".staging-*")], "the staging folders are removed"
    assert os.listdir(out / "data") == ["works", "institutions"] or sorted(os.listdir(out / "data")) == ["institutions", "works"]
