"""Fault injection on OpenAlex works: one fault per snapshot, and a fuzzer over the type of every used field.

Each case is parsed by the functional core the way every reader does (a yearly scan of the parts,
the same scan through the year-split cache, and one pass over every year) and must: raise nothing,
account for every line (``accounting_problems`` is empty), quarantine the faulty line once with a
reason and a detail naming the field, and keep the faulty record out of every table (no value of a
wrong type reaches a table in some coerced form). One test runs the Dagster asset itself.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from aigeo_assets.assets.ingest import build_ingest_assets
from aigeo_assets.ingest.snapshot import list_entity_files, read_merged_ids
from aigeo_assets.ingest.works import MergedIds, WorksTables, accounting_problems, parse_works_year
from aigeo_assets.partitions import yearly_partitions
from aigeo_assets.resources.sources import SnapshotSource
from aigeo_assets_tests.support.snapshot_fixtures import authorship, inst_ref, oa, work, write_entity, write_merged

YEAR = 2015
CONFIGURED = range(1990, 2020)
PART = "updated_date=2024-01-01/part_000"


def full_work(n: int, year: int = YEAR) -> dict:
    """A work record in which every field aigeo reads is present (so every path can be faulted)."""
    a = authorship("first", n * 10, [inst_ref(100 + n, "CN")], raw=["Tsinghua University, Beijing, China"])
    a["affiliations"] = [{"raw_affiliation_string": "Tsinghua University, Beijing, China", "institution_ids": [oa("I", 100 + n)]}]
    rec = work(n, year, authors=[a, authorship("last", n * 10 + 1, [inst_ref(200 + n, "US")])], refs=[1, 2])
    rec["ids"]["pmid"] = f"https://pubmed.ncbi.nlm.nih.gov/{n}"
    rec["primary_location"]["raw_type"] = "journal-article"
    rec["primary_location"]["raw_source_name"] = "J. AI"
    rec["topics"] = [copy.deepcopy(rec["primary_topic"])]
    return rec


def _all_tables(t: WorksTables) -> dict:
    return {**t.tables(), "quarantine": t.quarantine}


def _ids_in_tables(t: WorksTables) -> set[str]:
    ids: set[str] = set()
    for name, df in t.tables().items():
        for col in ("work_id", "citing_work_id"):
            if col in df:
                ids |= set(df[col].dropna())
    return ids


def scan_every_way(root: Path, tmp: Path, year: int = YEAR, merged: MergedIds | None = None) -> WorksTables:
    """The yearly scan, checked against the cached scan and the one-pass scan; every line accounted for."""
    parts = list_entity_files(root, "works").parts
    plain = parse_works_year(parts, year, merged, years=CONFIGURED)
    for attempt in ("cold", "warm"):
        cached = parse_works_year(parts, year, merged, split_cache_dir=tmp / "cache", years=CONFIGURED)
        for name, df in _all_tables(plain).items():
            # equal values, dtypes and order; not pickled bytes, which also hold pandas' block layout
            pd.testing.assert_frame_equal(df, _all_tables(cached)[name], check_exact=True, obj=f"{attempt} {name}")
        assert cached.accounts == plain.accounts, attempt
    one_pass = parse_works_year(parts, None, merged, years=CONFIGURED)
    for t in (plain, one_pass):
        assert accounting_problems(t) == []
    mine = one_pass.works[one_pass.works["publication_year"] == year]
    assert mine["work_id"].tolist() == plain.works["work_id"].tolist()
    return plain


def _line(rec) -> bytes:
    return rec if isinstance(rec, bytes) else json.dumps(rec).encode()


def _set(rec: dict, path: str, value) -> dict:
    """``rec`` with the field at ``path`` (``a.b[0].c``) replaced by ``value``."""
    rec = copy.deepcopy(rec)
    keys = [int(k[:-1]) if k.endswith("]") else k for k in path.replace("[", ".").split(".")]
    node = rec
    for k in keys[:-1]:
        node = node[k]
    node[keys[-1]] = value
    return rec


# ---------------------------------------------------------------------------------------------
# single-fault snapshots: the faulty record is line 2, between two good ones


TYPE_FAULTS = [  # (path, value, what the detail must say)
    ("doi", 5, "doi: expected str | null, got int"),
    ("ids.pmid", 5, "ids.pmid: expected str | null, got int"),
    ("ids.pmid", ["1", "2"], "ids.pmid: expected str | null, got array"),
    ("primary_topic.subfield.id", 5, "primary_topic.subfield.id: expected str | null, got int"),
    ("authorships[0].countries", [1], "authorships[0].countries[0]: expected str, got int"),
    ("authorships[1].raw_affiliation_strings", [1], "authorships[1].raw_affiliation_strings[0]: expected str, got int"),
    ("abstract_inverted_index", {"a": 5}, "abstract_inverted_index[...]: expected array, got int"),
    ("abstract_inverted_index", {"a": [-1]}, "abstract_inverted_index[...][0]: expected int >= 0"),
    ("concepts[0].level", "x", "concepts[0].level: expected int | null, got str"),
    ("topics[0].score", "x", "topics[0].score: expected float | null, got str"),
    ("authorships[0].countries", "US", "authorships[0].countries: expected array | null, got str"),
    ("authorships[0].raw_affiliation_strings", "abc", "authorships[0].raw_affiliation_strings: expected array | null, got str"),
    ("title", {"a": 1}, "title: expected str | null, got object"),
    ("authorships[0].institutions[0].country_code", ["US"], "authorships[0].institutions[0].country_code: expected str | null, got array"),
    ("authorships[0].author", "A1", "authorships[0].author: expected object | null, got str"),
    ("referenced_works", [oa("W", 1), 7], "referenced_works[1]: expected str, got int"),
    ("concepts[0].id", None, "concepts[0].id: expected str, got null"),
    ("concepts[0].level", 99999, "concepts[0].level: expected int <= 32767"),
    ("authorships[0].affiliations[0].institution_ids", [None], "authorships[0].affiliations[0].institution_ids[0]: expected str, got null"),
]


@pytest.mark.parametrize(("path", "value", "detail"), TYPE_FAULTS, ids=[f"{p}={json.dumps(v)}" for p, v, _ in TYPE_FAULTS])
def test_a_wrong_typed_field_is_one_quarantine_row_naming_it(tmp_path, path, value, detail):
    write_entity(tmp_path, "works", {PART: [full_work(1), _set(full_work(2), path, value), full_work(3, 2014)]})
    t = scan_every_way(tmp_path, tmp_path)
    assert t.works["work_id"].tolist() == ["W1"]
    assert "W2" not in _ids_in_tables(t), "no part of the faulty record reaches a table"
    assert t.quarantine[["line", "reason", "detail"]].values.tolist() == [[2, "bad_field", detail]]
    assert [a.as_dict()["parsed"] for a in t.accounts] == [1] and t.accounts[0].other_years == 1


def _year_line(prefix: str) -> bytes:
    """A full work whose JSON text starts with ``prefix`` (raw text, to place keys a dict cannot hold)."""
    body = json.dumps({k: v for k, v in full_work(2).items() if k != "publication_year"})
    return ("{" + prefix + body[1:]).encode()


YEAR_FAULTS = [  # (line 2, expected: "parsed" in YEAR, "other"/"outside" year, or the quarantine reason and detail)
    ("year -5", _set(full_work(2), "publication_year", -5), ("outside", -5)),
    ("year 1985", _set(full_work(2), "publication_year", 1985), ("outside", 1985)),
    ("year 99999", _set(full_work(2), "publication_year", 99999), ("outside", 99999)),
    ("year 10**30", _year_line('"publication_year": 1000000000000000000000000000000, '), ("outside", 10**30)),
    ("year 2014", _set(full_work(2), "publication_year", 2014), ("other", 2014)),
    ("2.015e3", _year_line('"publication_year": 2.015e3, '), ("bad_field", "publication_year: expected int | null, got float")),
    ("2015.0", _year_line('"publication_year": 2015.0, '), ("bad_field", "publication_year: expected int | null, got float")),
    ("string year", _set(full_work(2), "publication_year", "2015"), ("bad_field", "publication_year: expected int | null, got str")),
    ("bool year", _set(full_work(2), "publication_year", True), ("bad_field", "publication_year: expected int | null, got bool")),
    ("null year", _set(full_work(2), "publication_year", None), ("year_unknown", "publication_year is null")),
    ("no year", {k: v for k, v in full_work(2).items() if k != "publication_year"}, ("year_unknown", "no publication_year")),
    ("duplicate key, last 2015", _year_line('"publication_year": 2014, "publication_year": 2015, '), ("parsed", YEAR)),
    ("duplicate key, last 2014", _year_line('"publication_year": 2015, "publication_year": 2014, '), ("other", 2014)),
    ("nested year first", _year_line('"meta": {"publication_year": 2014}, "publication_year": 2015, '), ("parsed", YEAR)),
    ("nested year only", _year_line('"meta": {"publication_year": 2015}, '), ("year_unknown", "no publication_year")),
    ("malformed JSON", json.dumps(full_work(2))[:-30].encode(), ("malformed_json", "")),
    ("trailing garbage", json.dumps(full_work(2)).encode() + b" x", ("malformed_json", "trailing characters")),
    ("not UTF-8", json.dumps(full_work(2)).replace("Deep learning", "Deep \udcff").encode("utf-8", "surrogateescape"), ("malformed_json", "not UTF-8")),
    ("not an object", b"[1, 2]", ("not_an_object", "array")),
    ("a string", b'"W2"', ("not_an_object", "str")),
    ("no id", _set(full_work(2), "id", None), ("missing_id", "no work id")),
    ("empty id", _set(full_work(2), "id", ""), ("missing_id", "no work id")),
]


@pytest.mark.parametrize(("line", "expected"), [c[1:] for c in YEAR_FAULTS], ids=[c[0] for c in YEAR_FAULTS])
def test_every_line_is_attributed_by_its_decoded_year_or_quarantined(tmp_path, line, expected):
    write_entity(tmp_path, "works", {PART: [full_work(1), _line(line), full_work(3, 2014)]})
    t = scan_every_way(tmp_path, tmp_path)
    acct = t.accounts[0]
    assert acct.lines_read == 3
    kind, value = expected
    if kind == "parsed":
        assert t.works["work_id"].tolist() == ["W1", "W2"] and len(t.quarantine) == 0
        assert acct.parsed == 2
        return
    assert t.works["work_id"].tolist() == ["W1"] and "W2" not in _ids_in_tables(t)
    if kind == "other":
        assert len(t.quarantine) == 0 and acct.other_years == 2
        assert parse_works_year(list_entity_files(tmp_path, "works").parts, value, years=CONFIGURED).works["work_id"].tolist() == ["W2", "W3"]
    elif kind == "outside":
        assert len(t.quarantine) == 0 and dict(acct.outside_years) == {value: 1} and t.outside_years() == {str(value): 1}
    else:
        assert t.quarantine[["line", "reason"]].values.tolist() == [[2, kind]]
        assert value in t.quarantine["detail"][0]
        if kind == "missing_id" or "not UTF-8" in value:  # the year is readable: the year's scan reports it
            assert acct.quarantined == 1 and acct.unattributed == 0
        else:  # no year: every yearly scan reports the line
            assert acct.unattributed == 1 and "reported by every yearly scan" in t.quarantine["detail"][0]
            other = parse_works_year(list_entity_files(tmp_path, "works").parts, 2014, years=CONFIGURED)
            assert other.quarantine[["line", "reason"]].values.tolist() == [[2, kind]]


@pytest.mark.parametrize("canonical_first", [False, True])
def test_the_canonical_record_wins_over_a_merged_away_copy_in_any_order(tmp_path, canonical_first):
    canonical = full_work(1)
    copy_ = _set(full_work(9), "title", "an older copy")
    lines = [canonical, copy_] if canonical_first else [copy_, canonical]
    write_entity(tmp_path, "works", {PART: lines, "updated_date=2024-02-01/part_000": [full_work(5)]})
    write_merged(tmp_path, "works", [("W9", "W1")])
    merged = MergedIds(read_merged_ids(tmp_path, "works"), {}, {})
    t = scan_every_way(tmp_path, tmp_path, merged=merged)
    assert t.works["work_id"].tolist() == (["W1", "W5"])
    assert t.works["title"].tolist()[0] == "Deep learning study 1"
    assert t.quarantine[["line", "reason"]].values.tolist() == [[2 if canonical_first else 1, "merged_duplicate"]]
    assert "W9 was merged into W1" in t.quarantine["detail"][0]
    assert len(t.authorships[t.authorships["work_id"] == "W1"]) == 2, "the canonical record's byline, not both"


def test_gzip_break_rows_pass_through_the_cache_unchanged(tmp_path):
    base = write_entity(tmp_path, "works", {PART: [full_work(i) for i in range(1, 300)]}, manifest=None)
    path = base / (PART + ".gz")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    t = scan_every_way(tmp_path, tmp_path)
    rows = t.quarantine[t.quarantine["line"] == 0]
    assert len(rows) >= 1 and set(rows["reason"]) <= {"truncated_gzip", "corrupt_gzip"}
    assert t.accounts[0].file_problems == len(rows) and t.accounts[0].parsed == t.accounts[0].lines_read


def test_snapshot_problems_come_first_and_are_not_taken_for_lines(tmp_path):
    from aigeo_assets.ingest.quarantine import Quarantine

    write_entity(tmp_path, "works", {PART: [full_work(1)]})
    given = Quarantine()
    given.add(str(tmp_path / "manifest"), 0, "manifest_part_missing", "s3://openalex/data/works/part_009.gz")
    parts = list_entity_files(tmp_path, "works").parts
    t = parse_works_year(parts, YEAR, years=CONFIGURED, quarantine=given)
    assert t.quarantine["reason"].tolist() == ["manifest_part_missing"] and t.snapshot_rows == 1
    assert accounting_problems(t) == []


def test_accounting_problems_sees_a_lost_line(tmp_path):
    write_entity(tmp_path, "works", {PART: [full_work(1), full_work(2, 1985)]})
    t = parse_works_year(list_entity_files(tmp_path, "works").parts, YEAR, years=CONFIGURED)
    assert accounting_problems(t) == []
    t.accounts[0].outside_years.clear()  # a line forgotten
    assert any("2 lines read, 1 accounted for" in p for p in accounting_problems(t))
    t.works = t.works.iloc[:0]
    assert any("rows in raw_works" in p for p in accounting_problems(t))


# ---------------------------------------------------------------------------------------------
# the fuzzer: every used field path x every JSON type

WRONG_VALUES = {
    "int": 7,
    "float": 1.5,
    "str": "x",
    "bool": True,
    "list": [1],
    "object": {"k": 1},
    "null": None,
    "huge_str": "x" * 200_000,
}

STR, NUL, INT, FLT, OBJ = "str", "null", "int", "float", "object"
FIELD_KINDS = {  # the kinds each used path accepts (huge_str goes where str does; object = any object with unknown keys)
    "id": {STR},
    "doi": {STR, NUL},
    "title": {STR, NUL},
    "type": {STR, NUL},
    "type_crossref": {STR, NUL},
    "ids": {NUL, OBJ},
    "ids.pmid": {STR, NUL},
    "abstract_inverted_index": {NUL},
    "primary_location": {NUL, OBJ},
    "primary_location.raw_type": {STR, NUL},
    "primary_location.raw_source_name": {STR, NUL},
    "primary_location.source": {NUL, OBJ},
    "primary_location.source.id": {STR, NUL},
    "primary_location.source.display_name": {STR, NUL},
    "primary_location.source.issn_l": {STR, NUL},
    "primary_location.source.type": {STR, NUL},
    "primary_topic": {NUL, OBJ},
    "primary_topic.id": {STR, NUL},
    "primary_topic.score": {INT, FLT, NUL},
    "primary_topic.subfield": {NUL, OBJ},
    "primary_topic.subfield.id": {STR, NUL},
    "primary_topic.field.id": {STR, NUL},
    "primary_topic.domain.id": {STR, NUL},
    "topics": {NUL},
    "topics[0]": set(),
    "topics[0].id": {STR},
    "topics[0].score": {INT, FLT, NUL},
    "topics[0].field": {NUL, OBJ},
    "authorships": {NUL},
    "authorships[0]": {OBJ},
    "authorships[0].author_position": {STR, NUL},
    "authorships[0].author": {NUL, OBJ},
    "authorships[0].author.id": {STR, NUL},
    "authorships[0].institutions": {NUL},
    "authorships[0].institutions[0]": {OBJ},
    "authorships[0].institutions[0].id": {STR, NUL},
    "authorships[0].institutions[0].display_name": {STR, NUL},
    "authorships[0].institutions[0].country_code": {STR, NUL},
    "authorships[0].countries": {NUL},
    "authorships[0].countries[0]": {STR},
    "authorships[0].raw_affiliation_strings": {NUL},
    "authorships[0].raw_affiliation_strings[0]": {STR},
    "authorships[0].affiliations": {NUL},
    "authorships[0].affiliations[0]": {OBJ},
    "authorships[0].affiliations[0].raw_affiliation_string": {STR, NUL},
    "authorships[0].affiliations[0].institution_ids": {NUL},
    "authorships[0].affiliations[0].institution_ids[0]": {STR},
    "referenced_works": {NUL},
    "referenced_works[0]": {STR},
    "concepts": {NUL},
    "concepts[0]": set(),
    "concepts[0].id": {STR},
    "concepts[0].display_name": {STR, NUL},
    "concepts[0].level": {INT, NUL},
    "concepts[0].score": {INT, FLT, NUL},
}


def _kind(name: str) -> str:
    return {"huge_str": STR, "list": "list", "bool": "bool"}.get(name, name)


FUZZ_CASES = [(path, name) for path in FIELD_KINDS for name in WRONG_VALUES]


def test_fuzzer_every_used_field_with_every_json_type(tmp_path):
    """One snapshot line per (field path, JSON type): a value the schema accepts is parsed, any other
    is one ``bad_field`` row whose detail starts with the field's path, and nothing else changes."""
    lines = [full_work(1)]
    for i, (path, name) in enumerate(FUZZ_CASES):
        rec = _set(full_work(1000 + i), path, WRONG_VALUES[name])
        if path == "id" and name in ("str", "huge_str"):
            rec["id"] = oa("W", 1000 + i) if name == "str" else oa("W", f"{1000 + i}" + "x" * 200_000)
        lines.append(rec)
    write_entity(tmp_path, "works", {PART: lines}, gz=False)
    t = scan_every_way(tmp_path, tmp_path)
    q = t.quarantine.set_index("line")
    assert q.index.is_unique, "one row per line"
    kept = set(t.works["work_id"])
    for i, (path, name) in enumerate(FUZZ_CASES):
        line, work_id = i + 2, f"W{1000 + i}"
        accepted = _kind(name) in FIELD_KINDS[path]
        if path == "id" and name == "null":
            assert q.loc[line, "reason"] == "missing_id", (path, name)
        elif accepted:
            assert any(w.startswith(work_id) for w in kept) and line not in q.index, (path, name)
        else:
            assert q.loc[line, "reason"] == "bad_field", (path, name)
            named = q.loc[line, "detail"].split(":")[0].replace("[...]", "")
            assert named.startswith(path) or path.startswith(named), (path, name, q.loc[line, "detail"])
            assert work_id not in kept
    assert len(t.quarantine) + len(t.works) == len(lines)
    assert sum(a.lines_read for a in t.accounts) == len(lines)


# ---------------------------------------------------------------------------------------------
# the Dagster asset: the check and the metadata


def test_raw_works_asset_accounts_for_every_line_and_shows_outside_years(tmp_path):
    lines = [full_work(1), _set(full_work(2), "publication_year", 1985), _set(full_work(3), "doi", 5), b"not json", full_work(4, 2014)]
    write_entity(tmp_path / "snap", "works", {PART: lines})
    (tmp_path / "snap" / "data" / "works" / "manifest").write_text(json.dumps({"entries": [
        {"url": f"s3://openalex/data/works/{PART}.gz"}, {"url": "s3://openalex/data/works/updated_date=2024-09-09/part_000.gz"}]}))
    raw_works = build_ingest_assets(yearly_partitions(2010, 2019))[0]
    result = dg.materialize(
        [raw_works],
        partition_key=str(YEAR),
        resources={"source": SnapshotSource(snapshot_dir=str(tmp_path / "snap"), split_cache_dir=str(tmp_path / "cache"))},
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert checks["lines_accounted_for"].passed, checks["lines_accounted_for"].metadata
    md = result.asset_materializations_for_node("raw_works")
    works_md = next(m.metadata for m in md if m.asset_key.path == ["raw_works"])
    assert works_md["outside_years"].value == {"1985": 1}
    assert works_md["line_accounting"].value[0]["lines_read"] == 5
    q = result.output_for_node("raw_works", "raw_quarantine")
    reasons = set(q["reason"])
    assert {"bad_field", "malformed_json"} <= reasons
    if hasattr(list_entity_files(tmp_path / "snap", "works"), "problems"):
        assert "manifest_part_missing" in reasons
