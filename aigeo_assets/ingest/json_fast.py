"""The vectorized fast path of ``part_extract.extract_json_part``: a whole part through pyarrow.json.

The part is decompressed whole and read by ``pyarrow.json.read_json`` against an explicit Arrow
schema of every field the record schema declares (``work_record``), except
``abstract_inverted_index`` (a map with arbitrary keys, which Arrow's JSON reader cannot declare):
that one field is decoded by msgspec (``Decoder.decode_lines``, the declared type
``{str: [int >= 0]}``, every other key skipped) and the abstract rebuilt per record. The rows are
then built with Arrow compute and numpy, the same rows ``works._record_rows`` gives.

**Validation: the fast path takes a part only when it can prove the line-by-line reader would find
nothing to quarantine in it**; otherwise it returns None and the caller reads the part line by line
(so quarantine rows stay exactly those of the line-by-line reader). pyarrow's reader is strict where
msgspec is: a value of another JSON type than declared (``2015.0`` or ``"2015"`` for an integer, a
string for a list, an object for a string), a duplicated key, a non-object line, invalid UTF-8 or an
integer out of range is an error, hence a fallback. Checked after reading: every line is one row (no
blank line, which Arrow skips but the line numbers count), every record has a non-empty id and an
integer ``publication_year`` within ``TABLE_YEARS``, no list holds a null (msgspec rejects ``[null]``
for ``[str]`` and ``[object]``), ``topics[].id`` and ``concepts[].id`` are present, ``concepts[].level``
is within 0..32767, and the gzip stream is intact (``gzip.decompress`` of every member). Fields
aigeo does not read are ignored, at every level, as the line-by-line reader ignores them.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import msgspec
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj
from msgspec import Meta, Struct

from aigeo_assets.ingest.work_record import RecordError, Work
from typing import Annotated

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


def read_part_bytes(path: Path) -> bytes | None:
    """The decompressed bytes of a part, or None when its gzip stream is not intact."""
    raw = Path(path).read_bytes()
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error):
        return None


def _f(arr, *names):
    for n in names:
        arr = pc.struct_field(arr, n)
    return arr


def _short_id(arr):
    """``snapshot.short_id``: the text after the last ``/``."""
    return pc.replace_substring_regex(arr, pattern=r"^.*/", replacement="", max_replacements=1)


def _strip_openalex(arr):
    """``works._short_list`` without merged ids: a leading ``http(s)://openalex.org/`` removed."""
    return pc.replace_substring_regex(arr, pattern=r"^https?://openalex\.org/", replacement="", max_replacements=1)


def _tail(arr):
    """``works._tail_list``: the last segment after trailing slashes are removed."""
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


def _has_null_items(lists) -> bool:
    return pc.list_flatten(lists).null_count > 0


def _np_len(lists) -> np.ndarray:
    return np.asarray(pc.list_value_length(lists).fill_null(0), dtype=np.int64)


def _starts(lengths: np.ndarray) -> np.ndarray:
    out = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=out[1:])
    return out


def fast_extract(path: Path, file: str):
    """``PartExtract`` of a part that passes validation (module docstring), else None."""
    from aigeo_assets.ingest.part_extract import PartExtract, conform_extract
    from aigeo_assets.ingest.works import TABLE_YEARS, abstract_from_inverted_index

    data = read_part_bytes(path)
    if data is None:
        return None
    n_lines = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    try:
        t = pj.read_json(pa.BufferReader(data), read_options=_READ, parse_options=_PARSE)
        abstracts = _decode_abstracts(data)
    except (pa.ArrowException, msgspec.DecodeError, msgspec.ValidationError, ValueError):
        return None
    if t.num_rows != n_lines or len(abstracts) != n_lines:
        return None
    del data
    t = t.combine_chunks()
    col = {name: t.column(name).chunk(0) if t.column(name).num_chunks else pa.array([], t.schema.field(name).type) for name in t.column_names}
    n = t.num_rows
    year = col["publication_year"]
    if year.null_count or (n and (pc.min(year).as_py() < TABLE_YEARS.start or pc.max(year).as_py() >= TABLE_YEARS.stop)):
        return None
    own = _short_id(col["id"])
    if own.null_count or pc.any(pc.equal(own, "")).as_py():
        return None
    authorships = col["authorships"]
    auth = pc.list_flatten(authorships)
    insts = _f(auth, "institutions")
    affs = _f(auth, "affiliations")
    concepts = col["concepts"]
    topics = col["topics"]
    for lists in (col["referenced_works"], authorships, concepts, topics, insts, _f(auth, "countries"),
                  _f(auth, "raw_affiliation_strings"), affs, _f(pc.list_flatten(affs), "institution_ids")):
        if _has_null_items(lists):
            return None
    flat_concepts = pc.list_flatten(concepts)
    flat_topics = pc.list_flatten(topics)
    if _f(flat_concepts, "id").null_count or _f(flat_topics, "id").null_count:
        return None
    level = _f(flat_concepts, "level")
    if len(level) - level.null_count and (pc.min(level).as_py() < 0 or pc.max(level).as_py() > 32767):
        return None

    line = np.arange(1, n + 1, dtype=np.int64)
    year_np = np.asarray(year, dtype=np.int64)
    own_np = own
    source = _f(col["primary_location"], "source")
    venue_id = _short_id(_f(source, "id"))
    has_venue = pc.fill_null(pc.not_equal(venue_id, ""), False)
    nothing = pa.scalar(None, _s)
    works = {
        "work_id": own_np,
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
    tables = {"raw_works": _frame(works, "raw_works", conform_extract)}

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
    a_rows = auth.take(take_auth)
    inst_raw = _institution_strings(auth, affs, row_auth, inst_id)
    authorship_cols = {
        "work_id": own.take(pa.array(auth_work[row_auth])),
        "author_seq": auth_seq[row_auth],
        "author_position": _f(a_rows, "author_position"),
        "author_id": _strip_openalex(_f(a_rows, "author", "id")),
        "institution_seq": pa.array(row_k, mask=~has_inst),
        "institution_id": _strip_openalex(inst_id),
        "institution_name": pc.if_else(inst_mask, nothing, _f(inst_rows, "display_name")) if len(row_auth) else pa.array([], _s),
        "institution_country_code": pc.if_else(inst_mask, nothing, _f(inst_rows, "country_code")) if len(row_auth) else pa.array([], _s),
        "author_countries": _joined(_f(a_rows, "countries"), "|"),
        "raw_affiliation": _joined(_f(a_rows, "raw_affiliation_strings"), " ; "),
        "institution_raw_affiliation": inst_raw,
    }
    # an authorship without institutions: one row whose own strings are all its strings
    authorship_cols["institution_raw_affiliation"] = pc.if_else(inst_mask, authorship_cols["raw_affiliation"], inst_raw)
    auth_cols = authorship_cols
    parent = auth_work[row_auth]
    auth_cols["line"] = line[parent]
    auth_cols["publication_year"] = year_np[parent]
    tables["raw_authorships"] = _frame(auth_cols, "raw_authorships", conform_extract)

    # references
    refs = col["referenced_works"]
    ref_parent = np.repeat(np.arange(n, dtype=np.int64), _np_len(refs))
    tables["raw_references"] = _frame(
        {
            "citing_work_id": own.take(pa.array(ref_parent)),
            "cited_work_id": _strip_openalex(pc.list_flatten(refs)),
            "line": line[ref_parent],
            "publication_year": year_np[ref_parent],
        },
        "raw_references",
        conform_extract,
    )

    # concepts
    c_parent = np.repeat(np.arange(n, dtype=np.int64), _np_len(concepts))
    tables["raw_work_concepts"] = _frame(
        {
            "work_id": own.take(pa.array(c_parent)),
            "concept_id": _strip_openalex(_f(flat_concepts, "id")),
            "concept_name": _f(flat_concepts, "display_name"),
            "level": _f(flat_concepts, "level"),
            "score": _f(flat_concepts, "score"),
            "line": line[c_parent],
            "publication_year": year_np[c_parent],
        },
        "raw_work_concepts",
        conform_extract,
    )

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
    is_primary = pc.fill_null(pc.equal(tid, primary_id.take(pa.array(parent))), False)
    tables["raw_work_topics"] = _frame(
        {
            "work_id": own.take(pa.array(parent)),
            "topic_id": _strip_openalex(tid),
            "is_primary": is_primary,
            "subfield_id": _tail(_f(rows, "subfield", "id")),
            "field_id": _tail(_f(rows, "field", "id")),
            "domain_id": _tail(_f(rows, "domain", "id")),
            "score": _f(rows, "score"),
            "line": line[parent],
            "publication_year": year_np[parent],
        },
        "raw_work_topics",
        conform_extract,
    )
    years, counts = np.unique(year_np, return_counts=True)
    quarantine = conform_extract(pd.DataFrame({"file": [], "line": [], "reason": [], "detail": [], "year": []}), "quarantine")
    return PartExtract(file, n, {int(y): int(c) for y, c in zip(years, counts)}, tables, quarantine)


def _institution_strings(auth, affs, row_auth: np.ndarray, inst_id) -> pa.Array:
    """Per authorship x institution row: its raw affiliation strings joined with ``" ; "``
    (``works._strings_by_institution``: the strings of the ``affiliations`` entries naming the
    institution, first occurrence kept, in order); null without ``affiliations``, institution id or strings."""
    n_aff = _np_len(affs)
    if len(row_auth) == 0 or n_aff.sum() == 0:
        return pa.nulls(len(row_auth), _s)
    flat = pc.list_flatten(affs)
    aff_auth = np.repeat(np.arange(len(auth), dtype=np.int64), n_aff)
    ids = _f(flat, "institution_ids")
    n_ids = _np_len(ids)
    text = _f(flat, "raw_affiliation_string")
    owner = np.repeat(aff_auth, n_ids).tolist()
    iids = pc.list_flatten(ids).to_pylist()
    texts = text.take(pa.array(np.repeat(np.arange(len(flat), dtype=np.int64), n_ids))).to_pylist()
    strings: dict[tuple, list[str]] = {}
    for key in zip(owner, iids, texts):
        if key[2] is None:
            continue
        got = strings.get(key[:2])
        if got is None:
            strings[key[:2]] = [key[2]]
        elif key[2] not in got:
            got.append(key[2])
    joined = {k: " ; ".join(v) for k, v in strings.items()}
    got = [joined.get(k) for k in zip(row_auth.tolist(), inst_id.to_pylist())]
    return pa.array(got, _s)


def _frame(columns: dict, table: str, conform_extract) -> pd.DataFrame:
    data = {}
    for name, values in columns.items():
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        if isinstance(values, pa.Array):
            if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
                data[name] = pd.Series(pd.arrays.ArrowStringArray(values))
            elif pa.types.is_boolean(values.type):
                data[name] = pd.Series(values.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get))
            elif pa.types.is_integer(values.type):
                data[name] = pd.Series(pd.arrays.IntegerArray(np.asarray(values.fill_null(0)), np.asarray(values.is_null())))
            elif pa.types.is_floating(values.type):
                data[name] = pd.Series(pd.arrays.FloatingArray(np.asarray(values.fill_null(0.0)), np.asarray(values.is_null())))
            else:
                data[name] = pd.Series(values.to_pylist(), dtype=object)
        else:
            data[name] = pd.Series(values)
    return conform_extract(pd.DataFrame(data), table)


_decode_work_lines = msgspec.json.Decoder(Work).decode_lines


def msgspec_extract(path: Path, file: str):
    """``PartExtract`` of a part through msgspec's ``decode_lines`` (the whole part decoded against
    the declared ``Work`` structs in one call), the rows built by ``works._record_rows``; None when
    the part does not pass validation (the line-by-line reader then reads it)."""
    from aigeo_assets.ingest.part_extract import PartExtract, _extract_tables, _quarantine_frame
    from aigeo_assets.ingest.works import TABLE_YEARS, MergedIds, _record_rows

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
            rows = _record_rows(w, y, none)
        except RecordError:
            return None
        year_lines[y] = year_lines.get(y, 0) + 1
        records.append((lineno, y, rows[1:]))
    return PartExtract(file, n_lines, dict(sorted(year_lines.items())), _extract_tables(records), _quarantine_frame([]))
