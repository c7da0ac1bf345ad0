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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

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
    return " ".join(w for w in words if w is not None)


def short_ids(ids: pd.Series, merged: Mapping[str, str]) -> pd.Series:
    """Vectorised ``short_id`` (``https://openalex.org/W1`` -> ``W1``) with merged ids applied."""
    out = ids.astype("string").str.replace(r"^https?://openalex\.org/", "", regex=True)
    if merged:
        out = out.map(merged).fillna(out).astype("string")
    return out


def references_frame(citing: list[str], counts: list[int], cited: list[str], merged_works: Mapping[str, str]) -> pd.DataFrame:
    """``raw_references`` from per-work reference lists: short ids, merged ids applied, de-duplicated."""
    import numpy as np

    cited_s = short_ids(pd.Series(cited, dtype="string"), merged_works)
    df = pd.DataFrame({"citing_work_id": pd.array(np.repeat(np.array(citing, dtype=object), counts), dtype="string"), "cited_work_id": cited_s})
    return conform(df, "raw_references").drop_duplicates(ignore_index=True)


def _sid(value, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadField(f"{field} is {type(value).__name__}, expected string")
    return short_id(value)


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


class _Columns:
    """Column lists for one table; a record's rows are staged and committed only if it parses whole."""

    def __init__(self, names: Iterable[str]):
        self.names = list(names)
        self.rows: list[tuple] = []

    def frame(self, table: str) -> pd.DataFrame:
        columns = list(zip(*self.rows)) if self.rows else [()] * len(self.names)
        data = {}
        for col, values in zip(SCHEMAS[table].columns, columns):
            data[col.name] = _column(values, col.dtype)
        return conform(pd.DataFrame(data), table)


def _column(values: tuple, dtype: str) -> pd.Series:
    """A column built through Arrow when it is plain strings (several times faster than pandas)."""
    if dtype == "string":
        try:
            return pd.Series(pd.arrays.ArrowStringArray(pa.array(values, type=pa.string())))
        except (pa.ArrowTypeError, pa.ArrowInvalid):
            pass
    return pd.Series(values, dtype=object)


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
        insts = a.get("institutions")
        if not insts:
            authorships.append((work_id, seq, position, author_id, None, None, None, None, countries, raw_aff))
            continue
        if insts.__class__ is not list:
            _bad("authorships[].institutions", insts, "list")
        for iseq, inst in enumerate(insts):
            if inst.__class__ is not dict:
                raise BadField("institutions[] is not an object")
            inst_id = inst.get("id")
            if inst_id is not None and inst_id.__class__ is not str:
                _bad("institutions[].id", inst_id, "string")
            authorships.append(
                (work_id, seq, position, author_id, iseq, inst_id, inst.get("display_name"), inst.get("country_code"), countries, raw_aff)
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
    )
    return work_row, authorships, references, concepts, topics, venue_row


def parse_works_year(files: Iterable[Path], year: int | None, merged: MergedIds | None = None) -> WorksTables:
    """Parse every work of publication ``year`` found in ``files`` (a snapshot's works parts).

    ``year=None`` parses the works of every year in one pass (used by benchmarks and tools).
    The cyclic garbage collector is paused meanwhile: millions of young tuples and dicts (none of
    them cyclic) otherwise trigger it over and over, which costs more than the parsing itself.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _parse_works_year(files, year, merged)
    finally:
        if enabled:
            gc.enable()


def _parse_works_year(files: Iterable[Path], year: int | None, merged: MergedIds | None) -> WorksTables:
    merged = merged or MergedIds.none()
    q = Quarantine()
    cols = {name: _Columns(SCHEMAS[name].names) for name in WORK_TABLES}
    venues: dict[str, tuple] = {}
    seen: set[str] = set()
    ref_citing: list[str] = []
    ref_counts: list[int] = []
    ref_cited: list[str] = []
    scanned = 0
    for path in files:
        for lineno, line in iter_lines(Path(path), q):
            scanned += 1
            line_year = _year_of_line(line)
            if line_year == "absent":
                q.add(str(path), lineno, "year_unknown", "no publication_year on the line (reported by every yearly scan)")
                continue
            if line_year is None:
                q.add(str(path), lineno, "year_unknown", "publication_year is null (reported by every yearly scan)")
                continue
            if year is not None and line_year != year:
                continue
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                q.add(str(path), lineno, "malformed_json", str(exc)[:200])
                continue
            if not isinstance(obj, dict):
                q.add(str(path), lineno, "not_an_object", type(obj).__name__)
                continue
            try:
                work, auths, refs, concepts, topics, venue = parse_work(obj, merged)
            except BadField as exc:
                reason = "missing_id" if str(exc) == "missing id" else "bad_field"
                q.add(str(path), lineno, reason, str(exc))
                continue
            if year is not None and work[1] != year:
                continue
            if work[0] in seen:
                q.add(str(path), lineno, "duplicate_work", f"{work[0]} already read")
                continue
            seen.add(work[0])
            cols["raw_works"].rows.append(work)
            cols["raw_authorships"].rows.extend(auths)
            if refs:
                ref_citing.append(work[0])
                ref_counts.append(len(refs))
                ref_cited.extend(refs)
            cols["raw_work_concepts"].rows.extend(concepts)
            cols["raw_work_topics"].rows.extend(topics)
            if venue is not None and venue[0] not in venues:
                venues[venue[0]] = venue
    cols["raw_venues"].rows = list(venues.values())
    frames = {name: c.frame(name) for name, c in cols.items() if name != "raw_references"}
    auth = frames["raw_authorships"]
    auth["author_id"] = short_ids(auth["author_id"], merged.authors)
    auth["institution_id"] = short_ids(auth["institution_id"], merged.institutions)
    frames["raw_work_concepts"]["concept_id"] = short_ids(frames["raw_work_concepts"]["concept_id"], {})
    topics = frames["raw_work_topics"]
    topics["topic_id"] = short_ids(topics["topic_id"], {})
    for col in ("subfield_id", "field_id", "domain_id"):
        topics[col] = topics[col].str.rstrip("/").str.rsplit("/", n=1).str[-1].astype("string")
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
