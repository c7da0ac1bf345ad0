"""The vectorized fast path of ``part_extract.extract_json_part``: a part through pyarrow.json.

The part is decompressed (ISA-L's inflate through ``isal`` when installed, zlib otherwise) in
pieces of about ``PIECE_BYTES`` of whole lines. Each piece is read by ``pyarrow.json.read_json``
against an explicit Arrow schema of every field the record schema declares (``work_record``), except
``abstract_inverted_index`` (a map with arbitrary keys, which Arrow's JSON reader cannot declare):
that one field is decoded by msgspec (``Decoder.decode_lines``, the declared type
``{str: [int >= 0]}``, every other key skipped) and the abstract rebuilt per record. The rows are
then built with Arrow compute and numpy, the same rows ``works.record_rows`` gives.

**Validation, and the lines read one by one.** Only what the line-by-line reader
(``part_extract.read_numbered_lines``) would take as it is goes through the fast path; it reads
the rest, so quarantine rows stay exactly its rows:

* a piece pyarrow or msgspec cannot read whole, or whose rows are not its lines one for one, is
  halved until the halves read or are ``MIN_PIECE_LINES`` lines or fewer (then read line by line).
  pyarrow's reader is strict where msgspec is: a value of another JSON type than declared
  (``2015.0`` or ``"2015"`` for an integer, a string for a list, an object for a string), a
  duplicated key, a non-object line, invalid UTF-8 or an integer out of range is an error; a blank
  line (skipped by Arrow, numbered by the line reader) breaks the one-row-per-line count;
* in a piece that reads, a record is read line by line when it has no integer
  ``publication_year`` within ``TABLE_YEARS`` or no id, a null in a list (msgspec rejects ``[null]``
  for ``[str]`` and ``[object]``), a concept or topic without an id, or a concept ``level``
  outside 0..32767 (``_bad_rows``);
* a part whose gzip stream is not intact is read line by line whole (``fast_extract`` gives None),
  which reports the break.

Fields aigeo does not read are ignored, at every level, as the line-by-line reader ignores them.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections import Counter
from pathlib import Path
from typing import Annotated

import msgspec
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj
from msgspec import Meta, Struct

from aigeo_assets.ingest.part_extract import (
    EXTRACT_TABLES,
    PartExtract,
    as_arrow,
    as_frame,
    extract_arrow_schema,
    extract_tables,
    quarantine_frame,
    read_numbered_lines,
)
from aigeo_assets.ingest.work_record import RecordError, Work
from aigeo_assets.ingest.works import TABLE_YEARS, MergedIds, abstract_from_inverted_index, record_rows

try:  # ISA-L's inflate: gzip at about twice zlib's speed, same bytes (a dependency; zlib if missing)
    from isal import igzip as _igzip
    from isal.isal_zlib import error as _isal_error

    _gzip_open = _igzip.open
    _gunzip = _igzip.decompress
except ImportError:  # pragma: no cover
    _isal_error = None
    _gzip_open = gzip.open
    _gunzip = gzip.decompress

BLOCK_BYTES = 64 << 20
"""pyarrow.json block size: a record longer than this fails the fast path (then read line by line)."""

_s = pa.string()


def _struct(*fields) -> pa.DataType:
    return pa.struct([(f, t) for f, t in fields])


_SOURCE = _struct(("id", _s), ("display_name", _s), ("issn_l", _s), ("type", _s))
_LEVEL = _struct(("id", _s))
_TOPIC = _struct(("id", _s), ("subfield", _LEVEL), ("field", _LEVEL), ("domain", _LEVEL), ("score", pa.float64()))
_INST = _struct(("id", _s), ("display_name", _s), ("country_code", _s))
_AFF = _struct(("raw_affiliation_string", _s), ("institution_ids", pa.list_(_s)))
_AUTHORSHIP = _struct(
    ("author_position", _s),
    ("author", _struct(("id", _s))),
    ("institutions", pa.list_(_INST)),
    ("countries", pa.list_(_s)),
    ("raw_affiliation_strings", pa.list_(_s)),
    ("affiliations", pa.list_(_AFF)),
)
_CONCEPT = _struct(("id", _s), ("display_name", _s), ("level", pa.int64()), ("score", pa.float64()))
WORK_SCHEMA = pa.schema(
    [
        ("id", _s),
        ("publication_year", pa.int64()),
        ("doi", _s),
        ("ids", _struct(("pmid", _s))),
        ("type", _s),
        ("type_crossref", _s),
        ("title", _s),
        ("primary_location", _struct(("source", _SOURCE), ("raw_type", _s), ("raw_source_name", _s))),
        ("primary_topic", _TOPIC),
        ("authorships", pa.list_(_AUTHORSHIP)),
        ("referenced_works", pa.list_(_s)),
        ("concepts", pa.list_(_CONCEPT)),
        ("topics", pa.list_(_TOPIC)),
    ]
)
"""The Arrow schema of the fields ``work_record.Work`` declares (all but ``abstract_inverted_index``)."""

_PARSE = pj.ParseOptions(explicit_schema=WORK_SCHEMA, unexpected_field_behavior="ignore")
_READ = pj.ReadOptions(use_threads=False, block_size=BLOCK_BYTES)


class _AbstractOnly(Struct, gc=False):
    abstract_inverted_index: dict[str, list[Annotated[int, Meta(ge=0)]]] | None = None


_decode_abstracts = msgspec.json.Decoder(_AbstractOnly).decode_lines


PIECE_BYTES = 1 << 24
"""A part is decompressed and read in pieces of about this many bytes (whole lines): memory stays
bounded by a piece whatever the part's size (measured: 2 MB pieces cost 15 % more CPU than 16 MB,
from the fixed cost of each compute call)."""

_BROKEN = (OSError, EOFError, zlib.error, *((_isal_error,) if _isal_error else ()))


def _read_pieces(path: Path, gz: bool):
    """(first line number, bytes of whole lines) of a part, about ``PIECE_BYTES`` at a time; a gzip
    stream that breaks raises one of ``_BROKEN``."""
    first = 1
    with (_gzip_open(path, "rb") if gz else open(path, "rb")) as fh:
        rest = b""
        while True:
            chunk = fh.read(PIECE_BYTES)
            if not chunk:
                break
            buf = rest + chunk if rest else chunk
            cut = buf.rfind(b"\n") + 1
            if cut == 0:
                rest = buf
                continue
            yield first, buf[:cut]
            first += buf.count(b"\n", 0, cut)
            rest = buf[cut:]
        if rest:
            yield first, rest


def read_part_bytes(path: Path) -> bytes | None:
    """The decompressed bytes of a part, or None when its gzip stream is not intact."""
    raw = Path(path).read_bytes()
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return _gunzip(raw)
    except _BROKEN:
        return None


def _f(arr, *names):
    for n in names:
        arr = pc.struct_field(arr, n)
    return arr


def _short_id(arr):
    """``snapshot.short_id``: the text after the last ``/`` (split once from the right: a regex
    ``^.*/`` backtracks and costs several times more)."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    parts = pc.split_pattern(arr, "/", max_splits=1, reverse=True)
    flat = pc.list_flatten(parts)
    valid = np.asarray(arr.is_valid(), dtype=bool)
    last = np.where(valid, np.asarray(parts.offsets)[1:] - 1, 0)
    return flat.take(pa.array(last, mask=~valid)) if len(flat) else pa.nulls(len(arr), _s)


_OPENALEX = ("https://openalex.org/", "http://openalex.org/")


def _strip_openalex(arr):
    """``works.short_list`` without merged ids: a leading ``http(s)://openalex.org/`` removed."""
    https = pc.starts_with(arr, _OPENALEX[0])
    if https.true_count == len(arr) - arr.null_count:  # the usual case: one slice
        return pc.utf8_slice_codeunits(arr, len(_OPENALEX[0]))
    out = arr
    for prefix in _OPENALEX:
        out = pc.if_else(pc.starts_with(arr, prefix), pc.utf8_slice_codeunits(arr, len(prefix)), out)
    return out


def _tail(arr):
    """``works.tail_list``: the last segment after trailing slashes are removed."""
    return _short_id(pc.utf8_rtrim(arr, characters="/"))


def _digits_tail(arr):
    """``works._digits_tail``: ``_tail`` with an empty result as null."""
    t = _tail(arr)
    return pc.if_else(pc.equal(t, ""), pa.scalar(None, _s), t)


def _strip_doi(arr):
    return pc.replace_substring_regex(arr, pattern=r"^(?i:https://doi\.org/|http://doi\.org/|doi:)", replacement="", max_replacements=1)


def _joined(lists, sep: str):
    """``sep.join(list) if list else None``."""
    j = pc.binary_join(lists, sep)
    empty = pc.fill_null(pc.equal(pc.list_value_length(lists), 0), True)
    return pc.if_else(empty, pa.scalar(None, _s), j)


def _np_len(lists) -> np.ndarray:
    return np.asarray(pc.list_value_length(lists).fill_null(0), dtype=np.int64)


def _starts(lengths: np.ndarray) -> np.ndarray:
    out = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=out[1:])
    return out


MIN_PIECE_LINES = 64
"""A piece of a part that pyarrow cannot read whole is halved until it reads or is this short; a
piece this short that still fails is read line by line."""


def fast_extract(path: Path, file: str):
    """``PartExtract`` of a part (module docstring), or None when its gzip stream is not intact (the
    line-by-line reader then reads it, reporting the break)."""
    with open(path, "rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
    pieces: list[dict] = []  # tables of each piece, in line order
    q_rows: list[tuple] = []
    year_lines: Counter = Counter()
    lines_read = 0

    def read_slowly(numbered) -> dict:
        """Extract tables (Arrow) of lines the line-by-line reader reads, its accounts added."""
        nonlocal lines_read
        read, ylines, records, rows = read_numbered_lines(numbered, file)
        lines_read += read
        q_rows.extend(rows)
        year_lines.update(ylines)
        return {k: as_arrow(v, k) for k, v in extract_tables(records).items()}

    try:
        for first, piece, parsed in (got for first, data in _read_pieces(path, gz) for got in _parsed_pieces(data, first)):
            if parsed is None:
                pieces.append(read_slowly(_numbered(piece, first, None, not gz)))
                continue
            t, abstracts = parsed
            bad = _bad_rows(t)
            good = np.flatnonzero(~bad)
            if bad.any():
                t = t.take(pa.array(good))
                abstracts = [abstracts[i] for i in good]
            tables, years = _tables(t, abstracts, good + first)
            lines_read += len(good)
            year_lines.update(years)
            if bad.any():
                slow = read_slowly(_numbered(piece, first, set((np.flatnonzero(bad) + first).tolist()), not gz))
                tables = _merge_by_line(tables, slow)
            pieces.append(tables)
    except _BROKEN:  # the gzip stream breaks: the line reader reads the part and reports the break
        return None
    out = {}
    for name in EXTRACT_TABLES:
        got = [p[name] for p in pieces]
        out[name] = as_frame(pa.concat_tables(got) if len(got) != 1 else got[0], name) if got else as_frame(extract_tables([])[name], name)
    q_rows.sort(key=lambda r: r[1])
    return PartExtract(file, lines_read, dict(sorted(year_lines.items())), out, quarantine_frame(q_rows))


def _numbered(piece: bytes, first: int, keep: set | None, newline: bool):
    """(line number, line) of the non-blank lines of ``piece``, only those in ``keep`` when given,
    as ``snapshot.iter_lines`` gives them: numbered from ``first``, with their newline for a plain
    file (``newline``), without for a gzip one (a decoding error's detail can name the byte)."""
    for lineno, line in enumerate(io.BytesIO(piece), first):
        if (keep is None or lineno in keep) and line and not line.isspace():
            yield lineno, (line if newline or not line.endswith(b"\n") else line[:-1])


def _line_count(data: bytes) -> int:
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def _parsed_pieces(data: bytes, first: int):
    """(first line number, bytes, (Arrow table, abstracts) or None) for consecutive pieces of
    ``data``: the whole of it when pyarrow and msgspec read it with one row per line, else its
    halves, recursively, down to ``MIN_PIECE_LINES`` (then None: read line by line)."""
    n_lines = _line_count(data)
    try:
        t = pj.read_json(pa.BufferReader(data), read_options=_READ, parse_options=_PARSE)
        abstracts = _decode_abstracts(data)
    except (pa.ArrowException, msgspec.DecodeError, msgspec.ValidationError, ValueError):
        t = None
    if t is not None and t.num_rows == n_lines and len(abstracts) == n_lines:
        yield first, data, (t.combine_chunks(), abstracts)
        return
    if n_lines <= MIN_PIECE_LINES:
        yield first, data, None
        return
    cut = 0
    for _ in range(n_lines // 2):
        cut = data.index(b"\n", cut) + 1
    yield from _parsed_pieces(data[:cut], first)
    yield from _parsed_pieces(data[cut:], first + n_lines // 2)


def _col(t: pa.Table, name: str) -> pa.Array:
    c = t.column(name)
    return c.chunk(0) if c.num_chunks == 1 else (c.combine_chunks() if c.num_chunks else pa.array([], c.type))


def _flag_null_items(lists, owner: np.ndarray, bad: np.ndarray) -> None:
    """Mark bad the rows (``owner`` of each list) whose list holds a null (msgspec rejects ``[null]``)."""
    items = pc.list_flatten(lists)
    if items.null_count:
        parents = np.asarray(pc.list_parent_indices(lists))
        bad[owner[parents[np.asarray(items.is_null())]]] = True


def _bad_rows(t: pa.Table) -> np.ndarray:
    """Rows the line-by-line reader might quarantine (or not store), whose lines it reads instead:
    no integer year within ``TABLE_YEARS``, no id, a null in a list, a concept or topic without an
    id, a concept level outside 0..32767."""
    n = t.num_rows
    rows = np.arange(n, dtype=np.int64)
    year = np.asarray(pc.fill_null(_col(t, "publication_year"), TABLE_YEARS.start - 1), dtype=np.int64)
    bad = (year < TABLE_YEARS.start) | (year >= TABLE_YEARS.stop)
    bad |= np.asarray(pc.fill_null(pc.equal(_short_id(_col(t, "id")), ""), True), dtype=bool)
    authorships = _col(t, "authorships")
    for name in ("referenced_works", "authorships", "concepts", "topics"):
        _flag_null_items(_col(t, name), rows, bad)
    auth = pc.list_flatten(authorships)
    auth_row = np.asarray(pc.list_parent_indices(authorships), dtype=np.int64)
    for name in ("institutions", "countries", "raw_affiliation_strings", "affiliations"):
        _flag_null_items(_f(auth, name), auth_row, bad)
    affs = _f(auth, "affiliations")
    aff_row = auth_row[np.asarray(pc.list_parent_indices(affs), dtype=np.int64)]
    _flag_null_items(_f(pc.list_flatten(affs), "institution_ids"), aff_row, bad)
    for name in ("concepts", "topics"):
        lists = _col(t, name)
        ids = _f(pc.list_flatten(lists), "id")
        if ids.null_count:
            bad[np.asarray(pc.list_parent_indices(lists))[np.asarray(ids.is_null())]] = True
    concepts = _col(t, "concepts")
    level = _f(pc.list_flatten(concepts), "level")
    if len(level) - level.null_count:
        lv = np.asarray(level.fill_null(0), dtype=np.int64)
        out = (lv < 0) | (lv > 32767)
        if out.any():
            bad[np.asarray(pc.list_parent_indices(concepts))[out]] = True
    return bad


def _merge_by_line(a: dict, b: dict) -> dict:
    """Two sets of extract tables (Arrow) as one, rows in line order (a record's rows kept together, in order)."""
    out = {}
    for name, ta in a.items():
        both = pa.concat_tables([ta, b[name]])
        order = np.argsort(both["line"].to_numpy(), kind="stable")
        out[name] = both.take(pa.array(order))
    return out


def _tables(t: pa.Table, abstracts: list, line: np.ndarray) -> tuple[dict, dict]:
    """The extract tables (Arrow, ``part_extract.extract_arrow_schema``) of the validated rows ``t``
    (their line numbers ``line``), and their line counts by year."""
    col = {name: _col(t, name) for name in t.column_names}
    n = t.num_rows
    year = col["publication_year"]
    own = _short_id(col["id"])
    authorships = col["authorships"]
    auth = pc.list_flatten(authorships)
    insts = _f(auth, "institutions")
    affs = _f(auth, "affiliations")
    concepts = col["concepts"]
    topics = col["topics"]
    flat_concepts = pc.list_flatten(concepts)
    flat_topics = pc.list_flatten(topics)
    year_np = np.asarray(year, dtype=np.int64)
    source = _f(col["primary_location"], "source")
    venue_id = _short_id(_f(source, "id"))
    has_venue = pc.fill_null(pc.not_equal(venue_id, ""), False)
    nothing = pa.scalar(None, _s)

    def table(name: str, columns: dict) -> pa.Table:
        schema = extract_arrow_schema(name)
        arrays = []
        for field in schema:
            v = columns[field.name]
            if not isinstance(v, (pa.Array, pa.ChunkedArray)):
                v = pa.array(v)
            arrays.append(v.cast(field.type) if v.type != field.type else v)
        return pa.Table.from_arrays(arrays, schema=schema)

    works = {
        "work_id": own,
        "publication_year": year,
        "doi": _strip_doi(col["doi"]),
        "pmid": _digits_tail(_f(col["ids"], "pmid")),
        "type": col["type"],
        "type_crossref": col["type_crossref"],
        "title": col["title"],
        "abstract": pa.array([abstract_from_inverted_index(a.abstract_inverted_index) for a in abstracts], _s),
        "venue_id": venue_id,
        "venue_type": _f(source, "type"),
        "primary_subfield_id": _digits_tail(_f(col["primary_topic"], "subfield", "id")),
        "n_authors": pc.fill_null(pc.list_value_length(authorships), 0),
        "n_references": pc.fill_null(pc.list_value_length(col["referenced_works"]), 0),
        "location_raw_type": _f(col["primary_location"], "raw_type"),
        "location_raw_source_name": _f(col["primary_location"], "raw_source_name"),
        "line": line,
        "venue_display_name": pc.if_else(has_venue, _f(source, "display_name"), nothing),
        "venue_issn_l": pc.if_else(has_venue, _f(source, "issn_l"), nothing),
    }
    tables = {"raw_works": table("raw_works", works)}

    # authorships x institutions
    n_auth = _np_len(authorships)
    auth_work = np.repeat(np.arange(n, dtype=np.int64), n_auth)
    auth_seq = np.arange(len(auth), dtype=np.int64) - np.repeat(_starts(n_auth), n_auth)
    n_inst = _np_len(insts)
    rows_per = np.maximum(n_inst, 1)
    row_auth = np.repeat(np.arange(len(auth), dtype=np.int64), rows_per)
    row_k = np.arange(len(row_auth), dtype=np.int64) - np.repeat(_starts(rows_per), rows_per)
    has_inst = np.repeat(n_inst > 0, rows_per)
    flat_inst = pc.list_flatten(insts)
    inst_take = np.where(has_inst, np.repeat(_starts(n_inst), rows_per) + row_k, 0)
    inst_mask = pa.array(~has_inst)
    inst_rows = flat_inst.take(pa.array(inst_take)) if len(flat_inst) else pa.nulls(len(row_auth), _INST)
    inst_id = pc.if_else(inst_mask, nothing, _f(inst_rows, "id")) if len(row_auth) else pa.array([], _s)
    take_auth = pa.array(row_auth)
    raw_affiliation = _joined(_f(auth, "raw_affiliation_strings"), " ; ").take(take_auth)
    inst_raw = _institution_strings(auth, affs, row_auth, inst_id)
    parent = auth_work[row_auth]
    tables["raw_authorships"] = table("raw_authorships", {
        "work_id": own.take(pa.array(parent)),
        "author_seq": auth_seq[row_auth],
        "author_position": _f(auth, "author_position").take(take_auth),
        "author_id": _strip_openalex(_f(auth, "author", "id")).take(take_auth),
        "institution_seq": pa.array(row_k, mask=~has_inst),
        "institution_id": _strip_openalex(inst_id),
        "institution_name": pc.if_else(inst_mask, nothing, _f(inst_rows, "display_name")) if len(row_auth) else pa.array([], _s),
        "institution_country_code": pc.if_else(inst_mask, nothing, _f(inst_rows, "country_code")) if len(row_auth) else pa.array([], _s),
        "author_countries": _joined(_f(auth, "countries"), "|").take(take_auth),
        "raw_affiliation": raw_affiliation,
        # an authorship without institutions: one row whose own strings are all its strings
        "institution_raw_affiliation": pc.if_else(inst_mask, raw_affiliation, inst_raw),
        "line": line[parent],
        "publication_year": year_np[parent],
    })

    refs = col["referenced_works"]
    ref_parent = np.repeat(np.arange(n, dtype=np.int64), _np_len(refs))
    tables["raw_references"] = table("raw_references", {
        "citing_work_id": own.take(pa.array(ref_parent)),
        "cited_work_id": _strip_openalex(pc.list_flatten(refs)),
        "line": line[ref_parent],
        "publication_year": year_np[ref_parent],
    })

    c_parent = np.repeat(np.arange(n, dtype=np.int64), _np_len(concepts))
    tables["raw_work_concepts"] = table("raw_work_concepts", {
        "work_id": own.take(pa.array(c_parent)),
        "concept_id": _strip_openalex(_f(flat_concepts, "id")),
        "concept_name": _f(flat_concepts, "display_name"),
        "level": _f(flat_concepts, "level"),
        "score": _f(flat_concepts, "score"),
        "line": line[c_parent],
        "publication_year": year_np[c_parent],
    })

    # topics: topics[], or primary_topic when there are none and it has an id
    n_top = _np_len(topics)
    t_parent = np.repeat(np.arange(n, dtype=np.int64), n_top)
    primary = col["primary_topic"]
    primary_id = _f(primary, "id")
    use_primary = np.asarray(pc.fill_null(pc.and_(pc.is_valid(primary_id), pa.array(n_top == 0)), False), dtype=bool)
    p_parent = np.flatnonzero(use_primary)
    p_rows = primary.take(pa.array(p_parent))
    all_parent = np.concatenate([t_parent, p_parent])
    order = np.argsort(all_parent, kind="stable")
    rows = pa.concat_arrays([flat_topics.cast(_TOPIC), p_rows.cast(_TOPIC)]).take(pa.array(order))
    parent = all_parent[order]
    tid = _f(rows, "id")
    tables["raw_work_topics"] = table("raw_work_topics", {
        "work_id": own.take(pa.array(parent)),
        "topic_id": _strip_openalex(tid),
        "is_primary": pc.fill_null(pc.equal(tid, primary_id.take(pa.array(parent))), False),
        "subfield_id": _tail(_f(rows, "subfield", "id")),
        "field_id": _tail(_f(rows, "field", "id")),
        "domain_id": _tail(_f(rows, "domain", "id")),
        "score": _f(rows, "score"),
        "line": line[parent],
        "publication_year": year_np[parent],
    })
    years, counts = np.unique(year_np, return_counts=True)
    return tables, {int(y): int(c) for y, c in zip(years, counts)}


def _institution_strings(auth, affs, row_auth: np.ndarray, inst_id) -> pa.Array:
    """Per authorship x institution row: its raw affiliation strings joined with ``" ; "``
    (``works._strings_by_institution``: the strings of the ``affiliations`` entries naming the
    institution, first occurrence kept, in order); null without ``affiliations``, institution id or
    strings. Vectorized: (authorship, institution id, string) triples, de-duplicated and grouped in
    order of first occurrence, looked up by (authorship, institution id)."""
    n_aff = _np_len(affs)
    if len(row_auth) == 0 or n_aff.sum() == 0:
        return pa.nulls(len(row_auth), _s)
    flat = pc.list_flatten(affs)
    aff_auth = np.repeat(np.arange(len(auth), dtype=np.int64), n_aff)
    ids = _f(flat, "institution_ids")
    id_aff = np.asarray(pc.list_parent_indices(ids), dtype=np.int64)
    text = _f(flat, "raw_affiliation_string").take(pa.array(id_aff))
    owner = pa.array(aff_auth[id_aff]).cast(_s)
    sep = "\x1f"
    triples = pa.table({
        "key": pc.binary_join_element_wise(owner, pc.list_flatten(ids), sep),
        "text": text,
        "order": np.arange(len(id_aff), dtype=np.int64),
    }).filter(pc.is_valid(text))
    if triples.num_rows == 0:
        return pa.nulls(len(row_auth), _s)
    firsts = triples.group_by(["key", "text"], use_threads=False).aggregate([("order", "min")]).sort_by("order_min")
    grouped = firsts.group_by("key", use_threads=False).aggregate([("text", "list")])
    joined = pc.binary_join(grouped["text_list"], " ; ")
    row_key = pc.binary_join_element_wise(pa.array(row_auth).cast(_s), inst_id, sep)
    at = pc.index_in(row_key, value_set=grouped["key"])
    return pc.take(joined, at).combine_chunks() if isinstance(joined, pa.ChunkedArray) else pc.take(joined, at)


_decode_work_lines = msgspec.json.Decoder(Work).decode_lines


def msgspec_extract(path: Path, file: str):
    """``PartExtract`` of a part through msgspec's ``decode_lines`` (the whole part decoded against
    the declared ``Work`` structs in one call), the rows built by ``works.record_rows``; None when
    the part does not pass validation (the line-by-line reader then reads it)."""
    data = read_part_bytes(path)
    if data is None:
        return None
    n_lines = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    try:
        works = _decode_work_lines(data)
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError, ValueError):
        return None
    del data
    if len(works) != n_lines:
        return None
    none = MergedIds.none()
    records = []
    year_lines: dict[int, int] = {}
    for lineno, w in enumerate(works, 1):
        y = w.publication_year
        if y.__class__ is not int or y not in TABLE_YEARS:
            return None
        try:
            rows = record_rows(w, y, none)
        except RecordError:
            return None
        year_lines[y] = year_lines.get(y, 0) + 1
        records.append((lineno, y, rows[1:]))
    return PartExtract(file, n_lines, dict(sorted(year_lines.items())), extract_tables(records), quarantine_frame([]))
