"""The snapshot readers: layouts, merged ids, every quirk of real records, and the real samples."""

from __future__ import annotations

import json

import pytest

from aigeo_assets.ingest.institutions import parse_institutions
from aigeo_assets.ingest.quarantine import Quarantine
from aigeo_assets.ingest.snapshot import SnapshotLayoutError, list_entity_files, read_merged_ids
from aigeo_assets.ingest.works import MergedIds, abstract_from_inverted_index, parse_work, parse_works_year
from aigeo_assets.schemas import SCHEMAS
from aigeo_assets_tests.support.snapshot_fixtures import (
    SHARED_SAMPLES,
    authorship,
    inst_ref,
    institution,
    work,
    write_entity,
    write_merged,
)


def _two_year_world() -> dict[str, list]:
    w1 = work(
        1,
        2015,
        authors=[
            authorship("first", 10, [inst_ref(100, "CN")]),
            authorship("middle", 11, [], countries=["US"], raw=["Dept. of CS, Stanford University, Stanford, CA, USA"]),
            authorship("last", 12, [inst_ref(101, None, "Tsinghua University"), inst_ref(100, "CN")], countries=["CN"]),
        ],
        refs=[2, 999999],
    )
    w2 = work(2, 2014, authors=[authorship("first", 12, [inst_ref(100, "CN")])], refs=[])
    w3 = work(3, 2015, authors=[authorship("first", 13, [inst_ref(100, "CN")])], refs=[77], ai_score=None)
    return {
        "updated_date=2024-01-01/part_000": [w1, w2],
        "updated_date=2024-02-01/part_000": [w3, w1],
    }


@pytest.mark.parametrize("layout", ["classic", "jsonl", "bare"])
@pytest.mark.parametrize("manifest", ["entries", "files", None])
def test_every_layout_reads_the_same_works(tmp_path, layout, manifest):
    write_entity(tmp_path, "works", _two_year_world(), layout=layout, manifest=manifest)
    files = list_entity_files(tmp_path, "works")
    assert len(files.parts) == 2
    t = parse_works_year(files.parts, 2015)
    assert sorted(t.works["work_id"]) == ["W1", "W3"]
    assert t.quarantine["reason"].tolist() == ["duplicate_work"]
    assert t.quarantine["line"].tolist() == [2]


def test_plain_part_files_and_manifest_discrepancies(tmp_path):
    base = write_entity(tmp_path, "works", _two_year_world(), gz=False)
    manifest = json.loads((base / "manifest").read_text())
    manifest["entries"].append({"url": "s3://openalex/data/works/updated_date=2024-03-01/part_009.gz"})
    manifest["entries"] = manifest["entries"][1:]
    (base / "manifest").write_text(json.dumps(manifest))
    files = list_entity_files(tmp_path, "works")
    assert files.missing == ["s3://openalex/data/works/updated_date=2024-03-01/part_009.gz"]
    assert [p.parent.name for p in files.unlisted] == ["updated_date=2024-01-01"]
    assert len(files.parts) == 2, "an unlisted part on disk is still read"


def test_not_a_snapshot_is_a_clear_error(tmp_path):
    with pytest.raises(SnapshotLayoutError, match="no 'works' folder"):
        list_entity_files(tmp_path, "works")


def test_tables_have_the_declared_schemas_and_values(tmp_path):
    write_entity(tmp_path, "works", _two_year_world())
    t = parse_works_year(list_entity_files(tmp_path, "works").parts, 2015)
    for name, df in t.tables().items():
        assert list(df.columns) == SCHEMAS[name].names, name
    w1 = t.works.set_index("work_id").loc["W1"]
    assert w1["doi"] == "10.1000/1" and w1["venue_id"] == "S100" and w1["primary_subfield_id"] == "1702"
    assert w1["abstract"] == "We train a network" and w1["n_authors"] == 3 and w1["n_references"] == 2
    a = t.authorships[t.authorships["work_id"] == "W1"]
    # one row per authorship x institution; an authorship without institution keeps one row
    assert a["author_seq"].tolist() == [0, 1, 2, 2]
    assert a["institution_id"].isna().tolist() == [False, True, False, False]
    middle = a[a["author_seq"] == 1].iloc[0]
    assert middle["author_countries"] == "US" and "Stanford" in middle["raw_affiliation"]
    last = a[(a["author_seq"] == 2) & (a["institution_seq"] == 0)].iloc[0]
    assert last["institution_country_code"] is None or last["institution_country_code"] is __import__("pandas").NA
    assert sorted(t.references.itertuples(index=False, name=None)) == [("W1", "W2"), ("W1", "W999999"), ("W3", "W77")]
    assert set(t.concepts.loc[t.concepts["work_id"] == "W3", "concept_id"]) == {"C41008148"}


def test_merged_applied_is_the_mapping_lookup_with_or_without_a_merged_id_in_the_column():
    """``merged_applied`` against ``dict.get`` on every value: a column holding merged ids, one
    holding none (given back without the replacement pass) and nulls; both as Arrow-backed strings."""
    import pandas as pd

    from aigeo_assets.ingest.works import merged_applied

    merged = {f"W{i}": f"W{i + 1000}" for i in range(0, 50, 7)}
    with_hits = pd.Series([f"W{i}" for i in range(60)] + [None], dtype="string", name="work_id", index=range(5, 66))
    without = pd.Series([f"W{i}" for i in range(100, 160)] + [None], dtype="string", name="cited_work_id")
    for ids in (with_hits, without):
        got = merged_applied(ids, merged)
        want = pd.Series([None if pd.isna(v) else merged.get(v, v) for v in ids], dtype="string[pyarrow]", index=ids.index, name=ids.name)
        pd.testing.assert_series_equal(got, want)
    assert (merged_applied(with_hits, merged) != with_hits).sum() == len(merged)


def test_merged_ids_are_applied_everywhere(tmp_path):
    world = _two_year_world()
    write_entity(tmp_path, "works", world)
    write_merged(tmp_path, "works", [("W2", "W20"), ("W20", "W200"), ("W3", "W1")])
    write_merged(tmp_path, "institutions", [("https://openalex.org/I100", "https://openalex.org/I500")])
    merged = MergedIds(read_merged_ids(tmp_path, "works"), read_merged_ids(tmp_path, "institutions"), {})
    assert merged.works["W2"] == "W200", "chains of merges are followed"
    t = parse_works_year(list_entity_files(tmp_path, "works").parts, 2015, merged)
    # W3 was merged into W1: the same work seen twice
    assert t.works["work_id"].tolist() == ["W1"]
    assert sorted(t.quarantine["reason"]) == ["duplicate_work", "merged_duplicate"]
    assert ("W1", "W200") in set(t.references.itertuples(index=False, name=None))
    assert "I100" not in set(t.authorships["institution_id"].dropna()) and "I500" in set(t.authorships["institution_id"])


def test_bad_input_is_quarantined_with_file_line_and_reason(tmp_path):
    good = work(1, 2015, authors=[authorship("first", 1, [inst_ref(1)])])
    bad_type = work(2, 2015, authors="not a list")
    bad_score = work(3, 2015)
    bad_score["concepts"][0]["score"] = "high"
    full = json.dumps(work(4, 2015))
    cut = full[: full.index('"publication_year"') + 40].encode()  # a line cut in half after its year
    no_year = work(5, None)
    no_id = work(6, 2015, id=None)
    write_entity(tmp_path, "works", {"updated_date=2024-01-01/part_000": [good, bad_type, bad_score, cut, no_year, no_id, b"[1, 2]"]})
    t = parse_works_year(list_entity_files(tmp_path, "works").parts, 2015)
    assert t.works["work_id"].tolist() == ["W1"]
    q = t.quarantine.set_index("line")
    assert q.loc[2, "reason"] == "bad_field" and "authorships" in q.loc[2, "detail"]
    assert q.loc[3, "reason"] == "bad_field" and "score" in q.loc[3, "detail"]
    assert q.loc[4, "reason"] == "malformed_json"
    assert q.loc[5, "reason"] == "year_unknown"
    assert q.loc[6, "reason"] == "missing_id"
    assert q.loc[7, "reason"] == "not_an_object" and q.loc[7, "detail"].startswith("array")
    assert all(q["file"].str.endswith("part_000.gz"))
    assert t.lines_scanned == 7


def test_truncated_gzip_keeps_the_lines_before_the_break(tmp_path):
    works = [work(i, 2015) for i in range(1, 400)]
    base = write_entity(tmp_path, "works", {"updated_date=2024-01-01/part_000": works}, manifest=None)
    path = base / "updated_date=2024-01-01" / "part_000.gz"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    t = parse_works_year([path], 2015)
    assert 0 < len(t.works) < 399
    assert t.quarantine["reason"].tolist() == ["truncated_gzip"]
    assert t.quarantine["line"].tolist() == [0]


def test_institutions_parse_geo_and_merges(tmp_path):
    recs = [
        institution(1, city="Beijing", geonames=1816670, lat=39.9, lon=116.4, country="CN"),
        institution(2, geo=False, country=None),
        institution(3, city="Boston", geonames=4930956, lat="42.36", lon=-71.06),
        {"id": "https://openalex.org/I4", "geo": "nowhere"},
        institution(5, city="Old"),
        institution(1, city="Beijing"),
    ]
    write_entity(tmp_path, "institutions", {"updated_date=2024-01-01/part_000": recs})
    write_merged(tmp_path, "institutions", [("I5", "I1")])
    files = list_entity_files(tmp_path, "institutions")
    df, q = parse_institutions(files.parts, read_merged_ids(tmp_path, "institutions"))
    assert df["institution_id"].tolist() == ["I1", "I2", "I3"]
    assert df.loc[0, "geo_geonames_city_id"] == 1816670 and df.loc[2, "geo_latitude"] == 42.36
    assert q.counts() == {"bad_field": 1, "duplicate_institution": 1, "merged_superseded": 1}


def test_abstract_rebuilt_in_position_order():
    assert abstract_from_inverted_index({"b": [1, 3], "a": [0], "c": [2]}) == "a b c b"
    assert abstract_from_inverted_index(None) is None


needs_samples = pytest.mark.skipif(not SHARED_SAMPLES.is_dir(), reason="../shared/samples not present: real-record test skipped")


@needs_samples
def test_real_work_record():
    obj = json.loads((SHARED_SAMPLES / "openalex" / "W2741809807.json").read_text())
    w, auths, refs, concepts, topics, venue = parse_work(obj, MergedIds.none())
    assert w[0] == "W2741809807" and w[1] == obj["publication_year"] and w[2] == "10.7717/peerj.4375"
    assert venue[0] == "S1983995261" and venue[3] == "journal"
    assert len(refs) == len(obj["referenced_works"])
    assert len({a[1] for a in auths}) == len(obj["authorships"])
    assert w[7].split()[:3] == [k for k, _ in sorted(((k, min(v)) for k, v in obj["abstract_inverted_index"].items()), key=lambda kv: kv[1])][:3]


@needs_samples
def test_real_api_page_of_200_works(tmp_path):
    page = json.loads((SHARED_SAMPLES / "openalex" / "works_english_africa_api_page.json").read_text())
    years = sorted({w["publication_year"] for w in page["results"]})
    write_entity(tmp_path, "works", {"updated_date=2024-01-01/part_000": page["results"]})
    parts = list_entity_files(tmp_path, "works").parts
    total = 0
    for y in years:
        t = parse_works_year(parts, y)
        total += len(t.works)
        expected_rows = sum(max(1, len(a["institutions"])) for w in page["results"] if w["publication_year"] == y for a in w["authorships"])
        assert len(t.authorships) == expected_rows
    assert total == len({w["id"] for w in page["results"]})


@needs_samples
def test_real_snapshot_layout_and_institutions():
    root = SHARED_SAMPLES / "openalex" / "snapshot-go-openalex"
    works = list_entity_files(root, "works")
    assert works.manifest is not None and len(works.parts) >= 1 and len(works.missing) > 100
    q = Quarantine()
    inst = list_entity_files(root, "institutions")
    df, q = parse_institutions(inst.parts, {}, q)
    assert len(df) == 678 and df["geo_geonames_city_id"].notna().all()
    assert df["geo_latitude"].notna().sum() == 673, "five real records have a geonames id but no coordinates"
    assert df["geo_country_code"].nunique() == 75


def test_set_aside_tables_come_back_exactly_and_leave_nothing(tmp_path):
    """A range run's set-aside tables (``SetAsideTables``) are read back with their values, dtypes
    and index; each file goes when taken, the folder when the run leaves."""
    import numpy as np
    import pandas as pd

    from aigeo_assets.assets.ingest import SetAsideTables

    frames = {
        "typed": pd.DataFrame({
            "s": pd.array(["a", None, "é"], "string"), "i16": pd.array([1, None, -3], "Int16"),
            "b": pd.array([True, None, False], "boolean"), "f": pd.array([0.5, None, np.nan], "Float64"),
            "i64": np.array([1, 2, 3], np.int64),
        }),
        "indexed": pd.DataFrame({"x": pd.array([1, 2], "Int32")}, index=pd.Index([7, 3], name="row")),
        "empty": pd.DataFrame({"s": pd.array([], "string"), "n": pd.array([], "Int64")}),
    }
    with SetAsideTables(tmp_path) as aside:
        aside.put("2018", frames)
        for name, df in frames.items():
            back = aside.take("2018", name)
            pd.testing.assert_frame_equal(back, df, check_exact=True)
            assert list(back.dtypes) == list(df.dtypes)
        assert not any(aside.folder.iterdir())
        folder = aside.folder
    assert not folder.exists()
