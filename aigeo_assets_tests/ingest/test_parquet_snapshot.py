"""The Parquet snapshot reader: the oracle is the JSON Lines path on the same records.

The tiny sample world and the real OpenAlex records of ``../shared/samples`` are written as the
Parquet layout by ``sampleworld.parquet_snapshot.write_parquet_snapshot`` and read back: every table
equals what the JSON path gives; hand-made Parquet parts give exact quarantine counts.
"""

from __future__ import annotations

import json
from collections import Counter

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from aigeo_assets.ingest.parquet_snapshot import (
    WORKS_PARQUET_SCHEMA,
    extract_parquet_part,
    list_parquet_parts,
    parse_parquet_works_year,
    part_year_counts,
)
from aigeo_assets.ingest.part_extract import as_frame, extract_json_part
from aigeo_assets.ingest.quarantine import Quarantine
from aigeo_assets.ingest.records_folder import real_sample_files, snapshot_from_records
from aigeo_assets.ingest.snapshot import SnapshotLayoutError, list_entity_files, read_merged_ids
from aigeo_assets.ingest.works import WORK_TABLES, MergedIds, accounting_problems, parse_works_year
from aigeo_assets.resources.settings import Settings, SettingsError
from aigeo_assets.resources.sources import SnapshotSource
from aigeo_assets.sampleworld import generate_world
from aigeo_assets.sampleworld.parquet_snapshot import write_parquet_snapshot
from aigeo_assets_tests.support.snapshot_fixtures import authorship, inst_ref, oa

YEARS = range(2012, 2020)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """(JSON root, Parquet copy root, the writer's report) of the tiny sample world."""
    root = generate_world(tmp_path_factory.mktemp("tiny") / "world", "tiny", 20221121)
    out = tmp_path_factory.mktemp("tinypq")
    return root, out, write_parquet_snapshot(root, out)


def _merged(root) -> MergedIds:
    q = Quarantine()
    return MergedIds(*(read_merged_ids(root, e, quarantine=q) for e in ("works", "institutions", "authors")))


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(list(df.columns)).reset_index(drop=True)


def _assert_same_tables(a, b):
    for name in WORK_TABLES:
        pd.testing.assert_frame_equal(_sorted(a.tables()[name]), _sorted(b.tables()[name]), check_exact=True, obj=name)


def _reasons(tables) -> Counter:
    return Counter(tables.quarantine["reason"])


@pytest.mark.parametrize("year", [2016, 2019, None])
def test_tiny_world_parquet_copy_gives_the_json_tables(tiny, year):
    root, out, copy = tiny
    merged = _merged(root)
    assert copy.skipped == Counter({"malformed_json": 1})  # the world's planted malformed line cannot be a typed row
    json_t = parse_works_year(list_entity_files(root, "works").parts, year, merged, years=YEARS)
    parts = list_parquet_parts(out)
    assert len(parts.parts) == len(list_entity_files(root, "works").parts) and not len(parts.problems)
    pq_t = parse_parquet_works_year(parts.parts, year, merged, years=YEARS)
    _assert_same_tables(json_t, pq_t)
    assert accounting_problems(pq_t) == []
    assert _reasons(json_t) - copy.skipped == _reasons(pq_t)
    dup = lambda t: sorted(t.quarantine.loc[t.quarantine["reason"] == "duplicate_work", "detail"])  # noqa: E731
    assert dup(json_t) == dup(pq_t)
    a, b = json_t.accounting_totals(), pq_t.accounting_totals()
    assert b["lines_read"] == a["lines_read"] - sum(copy.skipped.values())
    assert (a["parsed"], a["other_years"], a["outside_years"]) == (b["parsed"], b["other_years"], b["outside_years"])


def test_tiny_world_parquet_through_part_extracts(tiny, tmp_path):
    """The cached route (``extract_parquet_part`` + ``assemble_year``), cold then warm, equals the direct scan."""
    root, out, _ = tiny
    merged = _merged(root)
    parts = list_parquet_parts(out).parts
    for attempt in ("cold", "warm"):
        for year in (2016,):
            direct = parse_parquet_works_year(parts, year, merged, years=YEARS)
            cached = parse_parquet_works_year(parts, year, merged, split_cache_dir=tmp_path / "cache", years=YEARS)
            _assert_same_tables(direct, cached)
            assert accounting_problems(cached) == [], attempt
            assert _reasons(direct) == _reasons(cached)
            assert [x.as_dict() for x in direct.accounts] == [x.as_dict() for x in cached.accounts]


def test_part_extract_of_a_parquet_part_equals_the_json_parts(tiny):
    root, out, copy = tiny
    for json_part, pq_part in list(zip(list_entity_files(root, "works").parts, list_parquet_parts(out).parts))[:3]:
        a, b = extract_json_part(json_part), extract_parquet_part(pq_part)
        for name, df in a.tables.items():
            df = as_frame(df, name)
            cols = [c for c in df.columns if c != "line"]  # row numbers, not line numbers
            pd.testing.assert_frame_equal(df[cols], as_frame(b.tables[name], name)[cols], check_exact=True, obj=name)
        skipped = (a.quarantine["reason"] == "malformed_json").sum()
        assert b.lines_read == a.lines_read - skipped
        assert len(b.quarantine) == len(a.quarantine) - skipped


def test_the_copy_is_a_snapshot_aigeo_reads(tiny):
    root, out, copy = tiny
    manifest = json.loads((out / "data" / "parquet" / "manifest.json").read_text())
    assert [e["url"].rsplit("/", 2)[-2:] for e in manifest["entries"]] == [[p.parent.name, p.name] for p in copy.parts]
    assert [e["meta"]["record_count"] for e in manifest["entries"]] == [pq.ParquetFile(p).metadata.num_rows for p in copy.parts]
    assert all(p.name.startswith("part_") and p.suffix == ".parquet" for p in copy.parts)
    assert not list(out.rglob("*.tmp"))
    assert pq.read_schema(copy.parts[0]).remove_metadata().equals(WORKS_PARQUET_SCHEMA)
    assert list_entity_files(out, "institutions").parts  # the institutions come along
    assert _merged(out) == _merged(root)
    source = SnapshotSource(snapshot_dir=str(out))
    assert source.works_format(source.snapshot_root()) == "parquet"
    files = source.works_files(out)
    assert files.parts == list_parquet_parts(out).parts
    via_source = source.parse_works_year(out, files.parts, 2016, _merged(out), years=YEARS, quarantine=files.problems)
    _assert_same_tables(via_source, parse_parquet_works_year(files.parts, 2016, _merged(out), years=YEARS))
    assert SnapshotSource(snapshot_dir=str(root)).works_format(root) == "jsonl"


def test_real_records_read_through_parquet_give_the_json_tables(tmp_path):
    works, _ = real_sample_files()
    if not works:
        pytest.skip("no ../shared/samples here")
    root = tmp_path / "json"
    snapshot_from_records(root, works=works, part_size=7)
    copy = write_parquet_snapshot(root, tmp_path / "pq")
    json_t = parse_works_year(list_entity_files(root, "works").parts, None)
    pq_t = parse_parquet_works_year(list_parquet_parts(tmp_path / "pq").parts, None)
    assert len(json_t.works) > 10
    _assert_same_tables(json_t, pq_t)
    assert _reasons(json_t) - copy.skipped == _reasons(pq_t)
    assert accounting_problems(pq_t) == []


def test_real_records_in_the_api_shape_with_every_field(tmp_path):
    """The real records as one Parquet part typed the way pyarrow infers them from the API's JSON
    (every field, struct fields in another order, extra ones such as ``authorships[].author.orcid``):
    the reader picks its fields by name and gives the JSON path's tables."""
    from aigeo_assets.ingest.records_folder import iter_record_file

    works, _ = real_sample_files()
    if not works:
        pytest.skip("no ../shared/samples here")
    records = [r for f in works for r in iter_record_file(f)]
    columns = {}
    for key in sorted({k for r in records for k in r}):
        values = [r.get(key) for r in records]
        if key == "abstract_inverted_index":
            columns[key] = pa.array([list(v.items()) if v else None for v in values], type=WORKS_PARQUET_SCHEMA.field(key).type)
            continue
        try:
            columns[key] = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            continue  # a ragged field aigeo does not read
    assert set(WORKS_PARQUET_SCHEMA.names) <= set(columns)
    part = tmp_path / "data/parquet/works/updated_date=2026-06-24/part_0000.parquet"
    part.parent.mkdir(parents=True)
    pq.write_table(pa.table(columns), part, row_group_size=100)
    snapshot_from_records(tmp_path / "json", works=works)
    json_t = parse_works_year(list_entity_files(tmp_path / "json", "works").parts, None)
    pq_t = parse_parquet_works_year([part], None)
    _assert_same_tables(json_t, pq_t)
    assert _reasons(json_t) == _reasons(pq_t) and accounting_problems(pq_t) == []


# --------------------------------------------------------------------------- hand-made Parquet parts


def _part(path, rows: list[dict], schema: pa.Schema = WORKS_PARQUET_SCHEMA, row_group_size: int | None = None):
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path, row_group_size=row_group_size)
    return path


def _row(n: int, year, **extra) -> dict:
    rec = {
        "id": oa("W", n) if n is not None else None,
        "publication_year": year,
        "authorships": [{"author_position": "first", "author": {"id": oa("A", n or 0)}, "institutions": [{"id": oa("I", 1), "country_code": "CN"}]}],
        "referenced_works": [oa("W", 1)],
        "concepts": [{"id": oa("C", 154945302), "level": 1, "score": 0.7}],
    }
    rec.update(extra)
    return rec


def test_null_id_duplicate_id_and_years_give_exact_counts(tmp_path):
    rows = [_row(1, 2015), _row(None, 2015), _row(1, 2015), _row(2, None), _row(3, 2014), _row(4, 1850), _row(5, 2015)]
    part = _part(tmp_path / "data/parquet/works/updated_date=2026-06-24/part_0000.parquet", rows, row_group_size=3)
    t = parse_parquet_works_year([part], 2015, years=[2014, 2015])
    assert _reasons(t) == Counter({"missing_id": 1, "duplicate_work": 1, "year_unknown": 1})
    q = t.quarantine.set_index("reason")
    assert q.loc["missing_id", "line"] == 2 and q.loc["duplicate_work", "line"] == 3 and q.loc["year_unknown", "line"] == 4
    assert "publication_year is null" in q.loc["year_unknown", "detail"]
    assert list(t.works["work_id"]) == ["W1", "W5"]
    (acct,) = t.accounts
    assert (acct.lines_read, acct.parsed, acct.quarantined, acct.other_years, acct.unattributed) == (7, 2, 2, 1, 1)
    assert dict(acct.outside_years) == {1850: 1}
    assert accounting_problems(t) == []
    assert part_year_counts(part) == Counter({2015: 4, None: 1, 2014: 1, 1850: 1})


def test_a_wrong_typed_column_is_a_bad_field_row_per_record(tmp_path):
    concept_level_text = pa.schema(
        [f if f.name != "concepts" else pa.field("concepts", pa.list_(pa.struct([("id", pa.string()), ("level", pa.string())])))
         for f in WORKS_PARQUET_SCHEMA]
    )
    rows = [_row(1, 2015, concepts=[{"id": oa("C", 1), "level": "one"}]), _row(2, 2015, concepts=[]), _row(3, 2016, concepts=None)]
    part = _part(tmp_path / "p1.parquet", rows, concept_level_text)
    t = parse_parquet_works_year([part], 2015, years=[2015, 2016])
    assert _reasons(t) == Counter({"bad_field": 1})
    assert t.quarantine["detail"].tolist() == ["concepts[0].level: expected int | null, got str"]
    assert list(t.works["work_id"]) == ["W2"]
    year_text = pa.schema([f if f.name != "publication_year" else pa.field("publication_year", pa.string()) for f in WORKS_PARQUET_SCHEMA])
    part = _part(tmp_path / "p2.parquet", [_row(1, "2015"), _row(2, None)], year_text)
    t = parse_parquet_works_year([part], 2015, years=[2015])
    assert _reasons(t) == Counter({"bad_field": 1, "year_unknown": 1})
    assert t.quarantine["detail"].iloc[0].startswith("publication_year: expected int | null, got str")
    assert t.accounts[0].unattributed == 2 and accounting_problems(t) == []


def test_values_the_schema_refuses_are_checked_per_record(tmp_path):
    """A null list element, a concept without an id or with a level out of range, a negative or null
    abstract position list: the direct conversion cannot vouch for them, so the record schema's
    per-row checks name the field."""
    rows = [
        _row(1, 2015, referenced_works=[oa("W", 9), None]),
        _row(2, 2015, concepts=[{"id": None, "level": 0}]),
        _row(3, 2015, concepts=[{"id": oa("C", 1), "level": 40000}]),
        _row(4, 2015, abstract_inverted_index=[("word", [-1])]),
        _row(6, 2015, abstract_inverted_index=[("word", None)]),
        _row(5, 2015, authorships=[authorship("first", 5, [inst_ref(7, "FR")])]),
    ]
    parts = [_part(tmp_path / f"p{i}.parquet", [row]) for i, row in enumerate(rows)]  # each on its own: each must be caught
    t = parse_parquet_works_year(parts, 2015)
    assert t.quarantine["detail"].tolist() == [
        "referenced_works[1]: expected str, got null",
        "concepts[0].id: expected str, got null",
        "concepts[0].level: expected int <= 32767",
        "abstract_inverted_index[...][0]: expected int >= 0",
        "abstract_inverted_index[...]: expected array, got null",
    ]
    assert list(t.works["work_id"]) == ["W5"] and t.authorships["institution_country_code"].tolist() == ["FR"]


def test_missing_columns_read_as_null_and_unreadable_files_are_rows(tmp_path):
    slim = pa.schema([WORKS_PARQUET_SCHEMA.field("id"), WORKS_PARQUET_SCHEMA.field("publication_year")])
    good = _part(tmp_path / "a.parquet", [{"id": oa("W", 1), "publication_year": 2015}], slim)
    bad = tmp_path / "b.parquet"
    bad.write_bytes(b"PAR1 not really")
    t = parse_parquet_works_year([good, bad], 2015)
    assert list(t.works["work_id"]) == ["W1"] and t.works["n_authors"].tolist() == [0]
    assert t.quarantine[["file", "line", "reason"]].values.tolist() == [[str(bad), 0, "part_unreadable"]]
    assert accounting_problems(t) == []


def test_listing_follows_the_manifest(tmp_path):
    folder = tmp_path / "data" / "parquet" / "works"
    a = _part(folder / "updated_date=2026-06-01/part_0000.parquet", [_row(1, 2015)])
    b = _part(folder / "updated_date=2026-06-02/part_0000.parquet", [_row(2, 2015)])
    entries = [{"url": f"s3://openalex/data/parquet/works/updated_date=2026-06-0{d}/part_0000.parquet"} for d in (2, 3)]
    entries.append({"url": "s3://openalex/data/parquet/authors/updated_date=2026-06-02/part_0000.parquet"})
    (folder.parent / "manifest.json").write_text(json.dumps({"entries": entries}))
    listed = list_parquet_parts(tmp_path)
    assert listed.parts == [b, a] and listed.unlisted == [a]
    assert listed.problems.frame()["reason"].tolist() == ["manifest_part_missing"]
    (folder.parent / "manifest.json").write_text("{")
    assert list_parquet_parts(tmp_path).problems.frame()["reason"].tolist() == ["manifest_unreadable"]
    with pytest.raises(SnapshotLayoutError):
        list_parquet_parts(tmp_path / "nothing")


def test_snapshot_format_setting(tmp_path, tiny):
    root, out, _ = tiny
    env = {"AIGEO_DATA_DIR": str(tmp_path / "d"), "AIGEO_SOURCE": "snapshot"}
    assert Settings.from_env({**env, "AIGEO_SNAPSHOT_DIR": str(out)}).snapshot_format == "auto"
    assert Settings.from_env({**env, "AIGEO_SNAPSHOT_DIR": str(root), "AIGEO_SNAPSHOT_FORMAT": "jsonl"}).snapshot_format == "jsonl"
    with pytest.raises(SettingsError, match=r"AIGEO_SNAPSHOT_FORMAT='json': one of auto, jsonl, parquet"):
        Settings.from_env({**env, "AIGEO_SNAPSHOT_DIR": str(root), "AIGEO_SNAPSHOT_FORMAT": "json"})
    with pytest.raises(SettingsError, match=r"AIGEO_SNAPSHOT_DIR=.*data/parquet/works/"):
        Settings.from_env({**env, "AIGEO_SNAPSHOT_DIR": str(root), "AIGEO_SNAPSHOT_FORMAT": "parquet"})
    with pytest.raises(ValueError, match="one of auto, jsonl, parquet"):
        SnapshotSource(snapshot_dir=str(out), snapshot_format="csv").snapshot_root()
    # jsonl chosen on a Parquet-only copy: the JSON works folder is missing
    with pytest.raises(SnapshotLayoutError):
        SnapshotSource(snapshot_dir=str(out), snapshot_format="jsonl").snapshot_root()
