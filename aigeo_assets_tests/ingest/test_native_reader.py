"""The compiled works reader (``native_works``, ``part_extract.native_extract``) against the
line-by-line reader as oracle, on hand-made lines that probe each rule of the C reader: every line's
rows, quarantine rows and year counts are the ``lines`` reader's, and the lines the C reader is to
leave to Python (anything unusual) are left, the others read in C.

The readers are also compared on the tiny world, the planted faults, gzip streams that are not
intact and every real record of ``../shared/samples`` (``test_part_extract``, ``test_isal_reader``)."""

from __future__ import annotations

import copy
import gzip
import json

import pytest

from aigeo_assets.ingest import native_works
from aigeo_assets.ingest.part_extract import extract_json_part, native_extract
from aigeo_assets_tests.ingest.test_isal_reader import _same_extract
from aigeo_assets_tests.support.snapshot_fixtures import SHARED_SAMPLES, authorship, inst_ref, work


def _dumps(rec) -> bytes:
    return json.dumps(rec).encode()


def _with(n: int, **fields) -> dict:
    rec = work(n, 2016, authors=[authorship("first", n, [inst_ref(1, "CN"), inst_ref(2, None)])], refs=[1, 2, 3])
    rec.update(fields)
    return rec


BASE = _dumps(_with(1))
AFFS = _with(
    2,
    authorships=[
        {
            "author_position": "first",
            "author": {"id": "https://openalex.org/A5"},
            "institutions": [inst_ref(1, "CN"), inst_ref(2, "US"), {"id": None, "display_name": "x", "country_code": None}],
            "countries": ["CN", "US"],
            "raw_affiliation_strings": ["Lab A, Beijing", "Lab B, Boston"],
            "affiliations": [
                {"raw_affiliation_string": "Lab A, Beijing", "institution_ids": ["https://openalex.org/I1"]},
                {"raw_affiliation_string": "Lab B, Boston", "institution_ids": ["https://openalex.org/I2", "https://openalex.org/I1"]},
                {"raw_affiliation_string": "Lab A, Beijing", "institution_ids": ["https://openalex.org/I1"]},
                {"raw_affiliation_string": None, "institution_ids": ["https://openalex.org/I2"]},
                {"raw_affiliation_string": "Lab C", "institution_ids": None},
            ],
        },
        {"author_position": "last", "author": None, "institutions": [], "countries": [], "raw_affiliation_strings": ["Only, Here"]},
        {"author_position": None, "institutions": None, "affiliations": []},
    ],
)
PRIMARY = {"id": "https://openalex.org/T10", "score": 0.9,
           "subfield": {"id": "https://openalex.org/subfields/1702/"}, "field": None, "domain": {"id": "https://openalex.org/domains/3"}}

READ_IN_C = {
    "a plain record": BASE,
    "escapes and a surrogate pair in a title": BASE.replace(b'"Deep learning study 1"', rb'"caf\u00e9 \"q\" \\ \/ \n\t \ud83d\ude00"', 1),
    "raw UTF-8 in a title": _dumps(_with(3, title="Zürich 北京 😀")).replace(b"\\u00fc", "ü".encode()),
    "a repeated key of a field aigeo does not read": BASE[:-1] + b', "foo": 1, "foo": [{"a": {}}]}',
    "a non-ASCII key aigeo does not read": BASE[:-1] + ', "tïtle": "x"}'.encode(),
    "CRLF": BASE + b"\r",
    "whitespace around": b" \t" + BASE + b"  ",
    "institutions and their own affiliation strings": _dumps(AFFS),
    "an abstract with a repeated position (a hole)": _dumps(_with(4, abstract_inverted_index={"a": [0, 2], "b": [2], "c": [1]})),
    "an empty abstract": _dumps(_with(5, abstract_inverted_index={})),
    "abstract positions beyond the count (gaps, as ~1 % of real abstracts)": _dumps(_with(31, abstract_inverted_index={"a": [0], "b": [5]})),
    "positions beyond the count, one given twice": _dumps(_with(32, abstract_inverted_index={"x": [7, 1], "y": [0], "z": [7, 9]})),
    "an abstract of words without positions": _dumps(_with(6, abstract_inverted_index={"a": [], "b": []})),
    "a DOI in capitals, doi: and none": _dumps(_with(7, doi="HTTPS://DOI.ORG/10.1/X")) + b"\n" + _dumps(_with(8, doi="doi:10.2/y"))
    + b"\n" + _dumps(_with(9, doi="10.3/z")) + b"\n" + _dumps(_with(10, doi=None)),
    "PMIDs as URL, bare, only a slash": _dumps(_with(11, ids={"pmid": "https://pubmed.ncbi.nlm.nih.gov/123/"})) + b"\n"
    + _dumps(_with(12, ids={"pmid": "456"})) + b"\n" + _dumps(_with(13, ids={"pmid": "/"})) + b"\n" + _dumps(_with(14, ids=None)),
    "a venue id without a tail, no source, no location": _dumps(_with(15, primary_location={"source": {"id": "https://openalex.org/", "type": "journal"}}))
    + b"\n" + _dumps(_with(16, primary_location={"source": None, "raw_type": "x"})) + b"\n" + _dumps(_with(17, primary_location=None)),
    "no topics but a primary topic, and topics beside it": _dumps(_with(18, topics=[], primary_topic=PRIMARY)) + b"\n"
    + _dumps(_with(19, topics=[{"id": "https://openalex.org/T11", "subfield": {"id": ""}}, PRIMARY], primary_topic=PRIMARY)) + b"\n"
    + _dumps(_with(20, topics=None, primary_topic={"id": None, "subfield": {"id": "https://openalex.org/subfields/1702"}})),
    "concept scores as integers and numbers with exponents": _dumps(_with(21, concepts=[{"id": "C1", "level": 0, "score": 1},
                                                                                         {"id": "C2", "level": None, "score": 2.5e-3}])),
    "an id without a slash, http:// references": _dumps(_with(22, id="W22", referenced_works=["http://openalex.org/W1", "W2"])),
    "every optional field null": b'{"id": "https://openalex.org/W23", "publication_year": 1850, "doi": null, "ids": null, "type": null, '
    b'"type_crossref": null, "title": null, "abstract_inverted_index": null, "primary_location": null, "primary_topic": null, '
    b'"authorships": null, "referenced_works": null, "concepts": null, "topics": null}',
    "a negative year within Int16": b'{"id": "W24", "publication_year": -5}',
}

LEFT_TO_PYTHON = {
    "a lone surrogate": BASE.replace(b'"Deep learning study 1"', rb'"\ud800 x"', 1),
    "an escaped key spelling title": BASE[:-1] + rb', "ti\u0074le": "other"}',
    "a repeated declared key": BASE[:-1] + b', "title": "second"}',
    "a year written 2016.0": BASE.replace(b'"publication_year": 2016', b'"publication_year": 2016.0'),
    "a year as a string": BASE.replace(b'"publication_year": 2016', b'"publication_year": "2016"'),
    "a null year": BASE.replace(b'"publication_year": 2016', b'"publication_year": null'),
    "no year": b'{"id": "https://openalex.org/W30"}',
    "a year beyond Int16": BASE.replace(b'"publication_year": 2016', b'"publication_year": 99999'),
    "a repeated abstract word": b'{"id": "W32", "publication_year": 2016, "abstract_inverted_index": {"a": [0], "b": [1], "a": [2]}}',
    "a negative abstract position": _dumps(_with(33, abstract_inverted_index={"a": [-1]})),
    "a topic without an id": _dumps(_with(34, topics=[{"id": None}])),
    "a concept level beyond Int16, negative, a bool": _dumps(_with(35, concepts=[{"id": "C1", "level": 40000}])),
    "a concept level that is a bool": _dumps(_with(36, concepts=[{"id": "C1", "level": True}])),
    "a score beyond a double": BASE.replace(b'"score": 0.9', b'"score": 1e400', 1),
    "a score of -0": BASE.replace(b'"score": 0.9', b'"score": -0', 1),
    "a very long integer in a field aigeo does not read": BASE[:-1] + b', "big": 12345678901234567890}',
    "invalid UTF-8 in a field aigeo does not read": BASE[:-1] + b', "x": "\xff"}',
    "invalid UTF-8 in a title": BASE.replace(b"Deep learning", b"Deep \xc3\x28 learning", 1),
    "a title that is a number": _dumps(_with(37, title=5)),
    "authorships that is not a list": _dumps(_with(38, authorships="not a list")),
    "a missing id": b'{"id": "", "publication_year": 2015}',
    "an id that ends with a slash": b'{"id": "https://openalex.org/", "publication_year": 2015}',
    "trailing characters": BASE + b" x",
    "malformed": BASE[:80],
    "not an object": b"[1, 2]",
    "a control character in a string": BASE.replace(b"Deep learning", b"Deep\x01learning", 1),
    "a bad escape": BASE.replace(b"Deep learning", rb"Deep \x learning", 1),
    "a vertical tab after the record": BASE + b"\x0b",
}


def _part(tmp_path, body: bytes):
    path = tmp_path / "part_000.gz"
    path.write_bytes(gzip.compress(body, mtime=0))
    return path


def _left(body: bytes) -> list[int]:
    """The line numbers the C reader leaves to the line-by-line reader."""
    x = native_works.extractor()
    left: list = []
    x.feed(body, 0, True, left)
    return [n for n, _ in left]


def test_the_compiled_reader_is_built_by_the_setup():
    assert native_works.available() is None, native_works.available()


@pytest.mark.parametrize("name", list(READ_IN_C))
def test_lines_the_c_reader_reads_give_the_line_readers_rows(tmp_path, name):
    body = READ_IN_C[name] + b"\n"
    assert _left(body) == [], f"{name}: left to Python"
    path = _part(tmp_path, body)
    _same_extract(native_extract(path, str(path)), extract_json_part(path, reader="lines"))


@pytest.mark.parametrize("name", list(LEFT_TO_PYTHON))
def test_lines_the_c_reader_leaves_to_python_give_the_line_readers_rows(tmp_path, name):
    line = LEFT_TO_PYTHON[name]
    body = BASE + b"\n" + line + b"\n" + BASE.replace(b"W1", b"W2")
    assert _left(body) == [2], f"{name}: read in C"
    path = _part(tmp_path, body)
    _same_extract(native_extract(path, str(path)), extract_json_part(path, reader="lines"))


@pytest.mark.parametrize("special", [rb"\"", rb"\\", rb"\n", "é".encode(), "😀".encode(), b"\x01", b"\x7f"])
def test_a_special_byte_at_every_place_of_an_eight_byte_word_is_seen(tmp_path, special):
    """The C reader passes over plain string bytes eight at a time (``plain_run``): an escape, a
    non-ASCII character or a control byte at any offset, in a title and in a key, is still decoded
    or refused as the line-by-line reader does it."""
    lines = []
    for at in range(17):
        title = b"x" * at + special + b"y" * (16 - at)
        lines.append(BASE.replace(b'"Deep learning study 1"', b'"' + title + b'"', 1).replace(b"W1", f"W{at + 1}".encode(), 1))
        lines.append(BASE[:-1] + b', "' + b"k" * at + special + b'": 1}')
    body = b"\n".join(lines) + b"\n"
    left = _left(body)
    if special == b"\x01":  # a raw control byte is not JSON: every line is Python's to quarantine
        assert left == list(range(1, len(lines) + 1))
    elif special.startswith(b"\\"):  # an escaped key is Python's (it may spell a declared one)
        assert left == list(range(2, len(lines) + 1, 2))
    else:
        assert left == []
    path = _part(tmp_path, body)
    _same_extract(native_extract(path, str(path)), extract_json_part(path, reader="lines"))


def test_a_part_mixing_both_kinds_of_line_keeps_every_table_in_line_order(tmp_path):
    lines = []
    for i, (a, b) in enumerate(zip(list(READ_IN_C.values()) * 2, list(LEFT_TO_PYTHON.values()) * 2)):
        lines += [a, b"", b"  ", b] if i % 2 else [b, a]
    body = b"\n".join(lines)
    path = _part(tmp_path, body)
    got = native_extract(path, str(path))
    _same_extract(got, extract_json_part(path, reader="lines"))
    assert len(got.quarantine) > 20 and len(got.tables["raw_authorships"]) > 40


def test_the_c_reader_rows_of_institutions_and_their_affiliation_strings():
    """A hand-worked record: which raw strings each institution gets (``works._strings_by_institution``)."""
    x = native_works.extractor()
    x.feed(_dumps(AFFS), 0, True, [])
    cols = x.finish()[2]

    def strings(name):
        n, offsets, data, valid = cols[name]
        import numpy as np

        off = np.frombuffer(offsets, np.int64)
        return [data[off[i]:off[i + 1]].decode() if valid[i] else None for i in range(n)]

    assert strings("raw_authorships.institution_id") == ["I1", "I2", None, None, None]
    assert strings("raw_authorships.institution_raw_affiliation") == [
        "Lab A, Beijing ; Lab B, Boston", "Lab B, Boston", None, "Only, Here", None]
    assert strings("raw_authorships.author_countries") == ["CN|US"] * 3 + [None, None]
    assert strings("raw_authorships.author_id") == ["A5"] * 3 + [None, None]


def test_a_record_split_over_feeds_is_not_read_until_whole(tmp_path):
    """``native_extract`` gives whole lines to ``feed``; a last line without a newline only at the end."""
    x = native_works.extractor()
    left: list = []
    with pytest.raises(ValueError, match="newline"):
        x.feed(BASE[:50], 0, False, left)  # never dropped in silence
    assert left == []
    assert x.feed(BASE + b"\n", 0, False, left) == 1
    assert x.feed(BASE, 1, True, left) == 2 and left == []
    lines_read, years, _ = x.finish()
    assert lines_read == 2 and years == {2016: 2}
    with pytest.raises(RuntimeError, match="twice"):
        x.finish()  # the columns were handed over
    with pytest.raises(RuntimeError, match="after finish"):
        x.feed(BASE + b"\n", 2, False, left)


def test_an_edited_record_copy_is_not_read_by_the_c_reader_when_a_declared_field_changes_type(tmp_path):
    """Each declared field given a value of another type is left to Python, whose quarantine row
    names it; the C reader never reads a record the typed decoder rejects."""
    rec = copy.deepcopy(AFFS)
    paths = [("title",), ("doi",), ("ids", "pmid"), ("primary_location", "source", "issn_l"), ("primary_topic", "score"),
             ("authorships", 0, "institutions", 0, "country_code"), ("authorships", 0, "countries"),
             ("authorships", 0, "affiliations", 0, "institution_ids"), ("concepts", 0, "display_name"), ("referenced_works",)]
    lines = []
    for path in paths:
        bad = copy.deepcopy(rec)
        target = bad
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = {"not": "the declared type"}
        lines.append(_dumps(bad))
    body = b"\n".join(lines)
    assert _left(body) == list(range(1, len(paths) + 1))
    path = _part(tmp_path, body)
    got = native_extract(path, str(path))
    _same_extract(got, extract_json_part(path, reader="lines"))
    assert got.quarantine["reason"].tolist() == ["bad_field"] * len(paths)


def test_without_the_compiled_reader_the_isal_reader_reads_and_says_so(tmp_path, monkeypatch):
    import aigeo_assets.ingest.part_extract as pe

    monkeypatch.setattr(native_works, "available", lambda: "not built (test)")
    pe._warn_once_not_native.cache_clear()
    monkeypatch.setattr(pe, "native_extract", lambda *a: pytest.fail("the compiled reader was used"))
    path = _part(tmp_path, BASE + b"\n" + LEFT_TO_PYTHON["malformed"])
    with pytest.warns(UserWarning, match="not built"):
        got = extract_json_part(path, reader="native")
    _same_extract(got, extract_json_part(path, reader="lines"))
    pe._warn_once_not_native.cache_clear()


@pytest.mark.skipif(not SHARED_SAMPLES.is_dir(), reason="shared samples not present: real-record test skipped")
def test_the_c_reader_reads_every_real_record_itself(tmp_path):
    """Real OpenAlex records (API pages, a snapshot part, single works) are all read in C, the ~1 % of
    abstracts with gaps in their positions included, and give the line reader's rows."""
    from aigeo_assets_tests.ingest.test_part_extract import _real_work_records

    records = _real_work_records()
    body = b"\n".join(_dumps(r) for r in records) + b"\n"
    assert len(records) > 300 and _left(body) == []
    gaps = [r for r in records if r.get("abstract_inverted_index")
            and max(p for ps in r["abstract_inverted_index"].values() for p in ps) >= sum(map(len, r["abstract_inverted_index"].values()))]
    assert len(gaps) >= 3
    path = _part(tmp_path, body)
    _same_extract(native_extract(path, str(path)), extract_json_part(path, reader="lines"))
