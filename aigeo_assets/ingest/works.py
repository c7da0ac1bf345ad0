"""Parsing OpenAlex work records of one publication year into normalized tables.

The same code reads a real snapshot, an API download (written in snapshot layout) and the
generated sample world. Records are taken as OpenAlex ships them; what cannot be used is
quarantined with file, line and reason:

* ``malformed_json`` / ``not_an_object``: the line does not decode to a JSON object;
* ``bad_field``: a field the platform uses has an unexpected type (detail names the field);
* ``missing_id``: no work id;
* ``duplicate_work``: a work id already read for this year (the first record is kept);
* ``year_unknown``: no publication_year could be found on the line; such a line cannot be
  attributed to a year, so every yearly scan reports it (detail says so);
* ``truncated_gzip``: a part file whose gzip stream breaks (lines before the break are kept).

Merged ids (``merged_ids/works``, ``merged_ids/institutions``, ``merged_ids/authors``) are applied
to the work's own id, its references, its institutions and its authors.
"""

from __future__ import annotations

import gc
import re
from itertools import repeat
from operator import itemgetter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa

from aigeo_assets.ingest.quarantine import Quarantine
from aigeo_assets.ingest.snapshot import iter_lines, short_id
from aigeo_assets.schemas import SCHEMAS, conform

_YEAR_RE = re.compile(rb'"publication_year"\s*:\s*"?(null|-?\d+)')

WORK_TABLES = ("raw_works", "raw_authorships", "raw_references", "raw_work_concepts", "raw_work_topics", "raw_venues")


@dataclass
class WorksTables:
    """The normalized tables of one year's works, plus what was quarantined."""

    works: pd.DataFrame
    authorships: pd.DataFrame
    references: pd.DataFrame
    concepts: pd.DataFrame
    topics: pd.DataFrame
    venues: pd.DataFrame
    quarantine: pd.DataFrame
    lines_scanned: int

    def tables(self) -> dict[str, pd.DataFrame]:
        return dict(zip(WORK_TABLES, (self.works, self.authorships, self.references, self.concepts, self.topics, self.venues)))


@dataclass(frozen=True)
class MergedIds:
    works: Mapping[str, str]
    institutions: Mapping[str, str]
    authors: Mapping[str, str]

    @staticmethod
    def none() -> "MergedIds":
        return MergedIds({}, {}, {})


class BadField(ValueError):
    pass


def _year_of_line(line: bytes) -> int | None | str:
    m = _YEAR_RE.search(line)
    if m is None:
        return "absent"
    if m.group(1) == b"null":
        return None
    return int(m.group(1))


def abstract_from_inverted_index(index: Mapping[str, list[int]] | None) -> str | None:
    """Rebuild an abstract from OpenAlex's ``abstract_inverted_index`` (word -> positions)."""
    if not index:
        return None
    if not isinstance(index, dict):
        raise BadField("abstract_inverted_index is not an object")
    n = sum(map(len, index.values()))
    words: list[str | None] = [None] * n
    try:
        for word, positions in index.items():
            for p in positions:
                words[p] = word
    except (IndexError, TypeError):  # gaps or odd positions: fall back to sorting
        slots = {p: w for w, ps in index.items() for p in ps if isinstance(p, int)}
        return " ".join(slots[i] for i in sorted(slots))
    if None in words:  # rare: repeated positions leave holes
        return " ".join([w for w in words if w is not None])
    return " ".join(words)


def short_ids(ids: pd.Series, merged: Mapping[str, str]) -> pd.Series:
    """Vectorised ``short_id`` (``https://openalex.org/W1`` -> ``W1``) with merged ids applied."""
    out = ids.astype("string").str.replace(r"^https?://openalex\.org/", "", regex=True)
    if merged:
        out = out.map(merged).fillna(out).astype("string")
    return out


def references_frame(citing: list[str], counts: list[int], cited: list[str], merged_works: Mapping[str, str]) -> pd.DataFrame:
    """``raw_references`` from per-work reference lists: short ids, merged ids applied, de-duplicated.

    When the ``citing`` ids are distinct (one per work, as ``parse_works_year`` gives them), a
    duplicate (citing, cited) pair can only come from one work's own list, so each list is
    de-duplicated in order (first kept): the rows ``drop_duplicates`` keeps, without hashing pairs.
    """
    if len(set(citing)) != len(citing):
        cited_s = short_ids(pd.Series(cited, dtype="string"), merged_works)
        df = pd.DataFrame({"citing_work_id": pd.array(np.repeat(np.array(citing, dtype=object), counts), dtype="string"), "cited_work_id": cited_s})
        return conform(df, "raw_references").drop_duplicates(ignore_index=True)
    cited = _short_list(cited, merged_works)
    kept = list(counts)
    out: list[str] = []
    pos = start = 0
    for i, c in enumerate(counts):
        if c > 1 and len(set(cited[pos : pos + c])) != c:  # this list repeats an id: keep first ones
            out += cited[start:pos]
            seg = list(dict.fromkeys(cited[pos : pos + c]))
            out += seg
            kept[i] = len(seg)
            start = pos + c
        pos += c
    if start:
        out += cited[start:pos]
        cited = out
    take = np.repeat(np.arange(len(citing), dtype=np.int64), np.asarray(kept, dtype=np.int64))
    df = pd.DataFrame(
        {
            "citing_work_id": pd.arrays.ArrowStringArray(pa.array(citing, type=pa.string()).take(pa.array(take))),
            "cited_work_id": pd.arrays.ArrowStringArray(pa.array(cited, type=pa.string())),
        }
    )
    return conform(df, "raw_references")


def _sid(value, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadField(f"{field} is {type(value).__name__}, expected string")
    return short_id(value)


def _opt_str(value, field: str) -> str | None:
    if value is None or value.__class__ is str:
        return value
    _bad(field, value, "string")


def _bad(field: str, value, expected: str):
    raise BadField(f"{field} is {type(value).__name__}, expected {expected}")


def _as_list(value, field: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadField(f"{field} is {type(value).__name__}, expected list")
    return value


def _as_dict(value, field: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadField(f"{field} is {type(value).__name__}, expected object")
    return value


_OPENALEX = "https://openalex.org/"
_OPENALEX_HTTP = "http://openalex.org/"
_NONE = type(None)
_PA_INT = {"Int16": pa.int16(), "Int32": pa.int32(), "Int64": pa.int64()}


def _short_list(values: list, merged: Mapping[str, str]) -> list:
    """``short_ids`` on a list of ``str | None`` (same rule: strip a leading ``http(s)://openalex.org/``)."""
    try:  # all strings, none on http:// (the usual case): C-level maps
        out = list(map(str.removeprefix, values, repeat(_OPENALEX)))
        if any(map(str.startswith, values, repeat(_OPENALEX_HTTP))):
            raise TypeError
    except TypeError:
        out = [
            (v[21:] if v.startswith(_OPENALEX) else v[20:] if v.startswith(_OPENALEX_HTTP) else v) if v is not None else None
            for v in values
        ]
    if merged:
        out = list(map(merged.get, out, out))
    return out


class _Columns:
    """Rows of one table; a record's rows are staged and committed only if it parses whole."""

    def __init__(self, names: Iterable[str]):
        self.names = list(names)
        self.rows: list[tuple] = []

    def columns(self) -> list:
        rows = self.rows
        return [list(map(itemgetter(i), rows)) for i in range(len(self.names))]


def _frame(table: str, columns: list) -> pd.DataFrame:
    data = {}
    for col, values in zip(SCHEMAS[table].columns, columns):
        data[col.name] = values if isinstance(values, pd.Series) else _column(values, col.dtype)
    return conform(pd.DataFrame(data), table)


def _column(values: list, dtype: str) -> pd.Series:
    """A column built through Arrow / numpy when its values allow it (several times faster than pandas);
    anything unusual takes pandas' own conversion (done by ``conform``), so the result is the same."""
    if dtype == "string":
        try:
            return pd.Series(pd.arrays.ArrowStringArray(pa.array(values, type=pa.string())))
        except (pa.ArrowTypeError, pa.ArrowInvalid):
            pass
    elif dtype in _PA_INT:
        if set(map(type, values)) <= {int, _NONE}:
            try:
                arr = pa.array(values, type=_PA_INT[dtype])
            except (pa.ArrowTypeError, pa.ArrowInvalid, OverflowError):
                pass
            else:
                return pd.Series(pd.arrays.IntegerArray(np.asarray(arr.fill_null(0)), np.asarray(arr.is_null())))
    elif dtype == "Float64":
        if set(map(type, values)) <= {float, _NONE}:
            arr = pa.array(values, type=pa.float64())
            return pd.Series(pd.arrays.FloatingArray(np.asarray(arr.fill_null(0.0)), np.asarray(arr.is_null())))
    elif dtype == "boolean":
        if set(map(type, values)) <= {bool}:
            return pd.Series(pd.arrays.BooleanArray(np.array(values, dtype=bool), np.zeros(len(values), dtype=bool)))
    return pd.Series(values, dtype=object)


def _tail_list(values: list) -> list | None:
    """``str.rstrip("/").str.rsplit("/", n=1).str[-1]`` on a list of strings; None if a value is not one."""
    if not set(map(type, values)) <= {str, _NONE}:
        return None
    return [v.rstrip("/").rsplit("/", 1)[-1] if v is not None else None for v in values]


def _strip_doi(doi: str | None) -> str | None:
    if doi is None:
        return None
    low = doi.lower()
    for prefix in ("https://doi.org/", "http://doi.org/", "doi:"):
        if low.startswith(prefix):
            return doi[len(prefix) :]
    return doi


def _digits_tail(value: str | None) -> str | None:
    if value is None:
        return None
    tail = value.rstrip("/").rsplit("/", 1)[-1]
    return tail or None


def _strings_by_institution(affiliations) -> dict[str, list[str]] | None:
    """``authorships[].affiliations`` -> {institution id (as given): its raw strings, in order}.

    OpenAlex's ``affiliations`` ties each raw affiliation string to the institutions it names; it is
    how an authorship with several institutions says which string is whose. None when the record
    has no such field (older snapshots): the geocoder then attributes strings by the words they share
    with each institution's name.
    """
    if affiliations is None:
        return None
    if affiliations.__class__ is not list:
        _bad("authorships[].affiliations", affiliations, "list")
    out: dict[str, list[str]] = {}
    for aff in affiliations:
        if aff.__class__ is not dict:
            raise BadField("authorships[].affiliations[] is not an object")
        text = aff.get("raw_affiliation_string")
        if text is None:
            continue
        if text.__class__ is not str:
            _bad("affiliations[].raw_affiliation_string", text, "string")
        for iid in _as_list(aff.get("institution_ids"), "affiliations[].institution_ids"):
            if iid.__class__ is not str:
                _bad("affiliations[].institution_ids[]", iid, "string")
            strings = out.setdefault(iid, [])
            if text not in strings:
                strings.append(text)
    return out


def parse_work(obj: dict, merged: MergedIds) -> tuple[tuple, list[tuple], list[str], list[tuple], list[tuple], tuple | None]:
    """One work record -> (work row, authorship rows, cited work ids as given, concept rows, topic rows, venue row).

    The cited ids are returned as the record has them (URLs); ``references_frame`` shortens them and
    applies merged ids for a whole year at once, which is much faster than per reference.

    Raises ``BadField`` when a used field has an unexpected type.
    """
    work_id = _sid(obj.get("id"), "id")
    if not work_id:
        raise BadField("missing id")
    work_id = merged.works.get(work_id, work_id)
    year = obj.get("publication_year")
    if not isinstance(year, int) or isinstance(year, bool):
        raise BadField(f"publication_year is {type(year).__name__}, expected integer")
    ids = _as_dict(obj.get("ids"), "ids")
    loc = _as_dict(obj.get("primary_location"), "primary_location")
    source = _as_dict(loc.get("source"), "primary_location.source")
    venue_id = _sid(source.get("id"), "primary_location.source.id")
    venue_row = (venue_id, source.get("display_name"), source.get("issn_l"), source.get("type")) if venue_id else None
    topic = _as_dict(obj.get("primary_topic"), "primary_topic")
    subfield_id = _digits_tail(_as_dict(topic.get("subfield"), "primary_topic.subfield").get("id"))

    authorships = []
    for seq, a in enumerate(_as_list(obj.get("authorships"), "authorships")):
        if a.__class__ is not dict:
            raise BadField("authorships[] is not an object")
        author = a.get("author") or {}
        author_id = author.get("id") if author.__class__ is dict else _bad("authorships[].author", author, "object")
        if author_id is not None and author_id.__class__ is not str:
            _bad("author.id", author_id, "string")
        countries = a.get("countries")
        countries = "|".join(countries) if countries else None
        raw_aff = a.get("raw_affiliation_strings")
        raw_aff = " ; ".join(raw_aff) if raw_aff else None
        position = a.get("author_position")
        own = _strings_by_institution(a.get("affiliations"))
        insts = a.get("institutions")
        if not insts:
            authorships.append((work_id, seq, position, author_id, None, None, None, None, countries, raw_aff, raw_aff))
            continue
        if insts.__class__ is not list:
            _bad("authorships[].institutions", insts, "list")
        for iseq, inst in enumerate(insts):
            if inst.__class__ is not dict:
                raise BadField("institutions[] is not an object")
            inst_id = inst.get("id")
            if inst_id is not None and inst_id.__class__ is not str:
                _bad("institutions[].id", inst_id, "string")
            inst_raw = own.get(inst_id) if own is not None else None
            authorships.append(
                (work_id, seq, position, author_id, iseq, inst_id, inst.get("display_name"), inst.get("country_code"), countries, raw_aff,
                 " ; ".join(inst_raw) if inst_raw else None)
            )
    n_authors = seq + 1 if authorships else 0

    references = _as_list(obj.get("referenced_works"), "referenced_works")
    if not all(type(r) is str for r in references):
        raise BadField("referenced_works[] is not a string")

    concepts = []
    for c in _as_list(obj.get("concepts"), "concepts"):
        if c.__class__ is not dict:
            raise BadField("concepts[] is not an object")
        score = c.get("score")
        if score is not None and score.__class__ not in (float, int):
            _bad("concepts[].score", score, "number")
        cid = c.get("id")
        if cid.__class__ is not str:
            _bad("concepts[].id", cid, "string")
        concepts.append((work_id, cid, c.get("display_name"), c.get("level"), score))

    topics = []
    primary_tid = topic.get("id")
    for t in _as_list(obj.get("topics"), "topics") or ([topic] if topic else []):
        if t.__class__ is not dict:
            raise BadField("topics[] is not an object")
        tid = t.get("id")
        if tid.__class__ is not str:
            _bad("topics[].id", tid, "string")
        topics.append(
            (
                work_id,
                tid,
                tid == primary_tid,
                _as_dict(t.get("subfield"), "topics[].subfield").get("id"),
                _as_dict(t.get("field"), "topics[].field").get("id"),
                _as_dict(t.get("domain"), "topics[].domain").get("id"),
                t.get("score"),
            )
        )

    work_row = (
        work_id,
        year,
        _strip_doi(obj.get("doi")),
        _digits_tail(ids.get("pmid")),
        obj.get("type"),
        obj.get("type_crossref"),
        obj.get("title"),
        abstract_from_inverted_index(obj.get("abstract_inverted_index")),
        venue_id,
        source.get("type"),
        subfield_id,
        n_authors,
        len(references),
        _opt_str(loc.get("raw_type"), "primary_location.raw_type"),
        _opt_str(loc.get("raw_source_name"), "primary_location.raw_source_name"),
    )
    return work_row, authorships, references, concepts, topics, venue_row


def parse_works_year(
    files: Iterable[Path], year: int | None, merged: MergedIds | None = None, split_cache_dir: Path | None = None, progress=None
) -> WorksTables:
    """Parse every work of publication ``year`` found in ``files`` (a snapshot's works parts).

    ``year=None`` parses the works of every year in one pass (used by benchmarks and tools).
    ``split_cache_dir``: when given (and ``year`` is not None), each part is split once by
    publication year into that directory (``year_split``), and a yearly scan reads only its year's
    share of each part; the tables and quarantine are the same as without it.
    ``progress(done, total, label)`` is called after each part (a progress bar, a Dagster log).
    The cyclic garbage collector is paused meanwhile: millions of young tuples and dicts (none of
    them cyclic) otherwise trigger it over and over, which costs more than the parsing itself.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _parse_works_year(files, year, merged, split_cache_dir, progress)
    finally:
        if enabled:
            gc.enable()


def _parse_works_year(
    files: Iterable[Path], year: int | None, merged: MergedIds | None, split_cache_dir: Path | None = None, progress=None
) -> WorksTables:
    merged = merged or MergedIds.none()
    q = Quarantine()
    cols = {name: _Columns(SCHEMAS[name].names) for name in WORK_TABLES}
    works_rows = cols["raw_works"].rows
    auth_rows = cols["raw_authorships"].rows
    concept_rows = cols["raw_work_concepts"].rows
    topic_rows = cols["raw_work_topics"].rows
    venues: dict[str, tuple] = {}
    seen: set[str] = set()
    ref_citing: list[str] = []
    ref_counts: list[int] = []
    ref_cited: list[str] = []
    scanned = 0
    loads = orjson.loads
    decode_error = orjson.JSONDecodeError
    year_of_line = _year_of_line
    files = list(files)
    for done, path in enumerate(files, 1):
        if progress:
            progress(done - 1, len(files), Path(path).name)
        path = Path(path)
        file = str(path)
        if split_cache_dir is not None and year is not None:
            from aigeo_assets.ingest.year_split import year_lines

            lines, unread = year_lines(path, year, Path(split_cache_dir), q)
            scanned += unread
        else:
            lines = iter_lines(path, q)
        for lineno, line in lines:
            scanned += 1
            line_year = year_of_line(line)
            if line_year.__class__ is not int:
                if line_year == "absent":
                    q.add(file, lineno, "year_unknown", "no publication_year on the line (reported by every yearly scan)")
                else:
                    q.add(file, lineno, "year_unknown", "publication_year is null (reported by every yearly scan)")
                continue
            if year is not None and line_year != year:
                continue
            try:
                obj = loads(line)
            except decode_error as exc:
                q.add(file, lineno, "malformed_json", str(exc)[:200])
                continue
            if obj.__class__ is not dict:
                q.add(file, lineno, "not_an_object", type(obj).__name__)
                continue
            try:
                work, auths, refs, concepts, topics, venue = parse_work(obj, merged)
            except BadField as exc:
                reason = "missing_id" if str(exc) == "missing id" else "bad_field"
                q.add(file, lineno, reason, str(exc))
                continue
            work_id = work[0]
            if year is not None and work[1] != year:
                continue
            if work_id in seen:
                q.add(file, lineno, "duplicate_work", f"{work_id} already read")
                continue
            seen.add(work_id)
            works_rows.append(work)
            if auths:
                auth_rows += auths
            if refs:
                ref_citing.append(work_id)
                ref_counts.append(len(refs))
                ref_cited += refs
            if concepts:
                concept_rows += concepts
            if topics:
                topic_rows += topics
            if venue is not None and venue[0] not in venues:
                venues[venue[0]] = venue
    if progress:
        progress(len(files), len(files), "works parts read")
    cols["raw_venues"].rows = list(venues.values())
    frames = {}
    for name in ("raw_works", "raw_venues"):
        frames[name] = _frame(name, cols[name].columns())
    auth = cols["raw_authorships"].columns()
    auth[3] = _short_list(auth[3], merged.authors)  # author_id
    auth[5] = _short_list(auth[5], merged.institutions)  # institution_id
    frames["raw_authorships"] = _frame("raw_authorships", auth)
    concepts_c = cols["raw_work_concepts"].columns()
    concepts_c[1] = _short_list(concepts_c[1], {})
    frames["raw_work_concepts"] = _frame("raw_work_concepts", concepts_c)
    topics_c = cols["raw_work_topics"].columns()
    topics_c[1] = _short_list(topics_c[1], {})
    slow = []
    for i in (3, 4, 5):  # subfield, field, domain ids: the tail of the URL
        tail = _tail_list(topics_c[i])
        if tail is None:
            slow.append(i)
        else:
            topics_c[i] = tail
    topics_df = _frame("raw_work_topics", topics_c)
    for i in slow:  # values that are not strings: pandas' own conversion, as it always was
        col = SCHEMAS["raw_work_topics"].names[i]
        topics_df[col] = topics_df[col].str.rstrip("/").str.rsplit("/", n=1).str[-1].astype("string")
    frames["raw_work_topics"] = topics_df
    frames["raw_references"] = references_frame(ref_citing, ref_counts, ref_cited, merged.works)
    return WorksTables(
        frames["raw_works"],
        frames["raw_authorships"],
        frames["raw_references"],
        frames["raw_work_concepts"],
        frames["raw_work_topics"],
        frames["raw_venues"],
        q.frame(),
        scanned,
    )
