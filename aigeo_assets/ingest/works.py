"""Parsing OpenAlex work records of one publication year into normalized tables.

The same code reads a real snapshot, an API download (written in snapshot layout) and the
generated sample world. Each line is decoded against the declared record schema
(``aigeo_assets.ingest.work_record``: every field aigeo reads, with its type) before any field is
used; what cannot be used is quarantined with file, line, reason and detail, and the run goes on:

* ``malformed_json`` / ``not_an_object``: the line does not decode to a JSON object;
* ``bad_field``: a field the platform uses has the wrong type; the detail names the field's path
  and what was found (``authorships[2].countries[0]: expected str, got int``);
* ``missing_id``: no work id;
* ``duplicate_work``: a work id already read for this year (the first record is kept);
* ``merged_duplicate``: a record of a work id that ``merged_ids/works`` merged into another id,
  when that id's own record (or another merged copy) is read too. The canonical record wins
  whatever the order: a merged-away copy read first is quarantined and the canonical record kept
  where its own line is;
* ``year_unknown``: no or a null ``publication_year``;
* ``truncated_gzip`` / ``corrupt_gzip`` (from ``snapshot.iter_lines``): a part whose gzip stream
  breaks; lines before the break are kept, the row covers the bytes lost (line 0).

**The year** of a line is the one its decoded record gives (``work_record.year_of_line``, also used
by the per-part extracts and the snapshot sensor). A line whose year cannot be read (no JSON object,
no or a null year, a year that is not a JSON integer) cannot be attributed to a year: it is
quarantined by every yearly scan (detail says so), so whichever year is run shows it.

**Every line accounted for.** For each part file a scan keeps a ``PartAccount``; its identity is

    lines_read = parsed + quarantined + other_years + sum(outside_years) + unattributed

``lines_read``: the part's non-blank lines (a blank line is not a record); ``parsed``: records of
the scanned year kept in the tables; ``quarantined``: lines of the scanned year quarantined
(bad field, duplicate, ...); ``other_years``: lines of other configured years (their own scans read
them); ``outside_years``: {year: lines} of years outside the configured ones (no scan reads them);
``unattributed``: lines quarantined without a year (above). Byte ranges lost to a gzip break are
rows too (``file_problems``), not lines. ``accounting_problems`` checks the identity and that the
counts agree with the tables and the quarantine; the ``raw_works`` asset check
``lines_accounted_for`` runs it.

Merged ids (``merged_ids/works``, ``merged_ids/institutions``, ``merged_ids/authors``) are applied
to the work's own id, its references, its institutions and its authors.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from aigeo_assets.corpus.lookup import arrow_strings, positions_in
from aigeo_assets.ingest.quarantine import Quarantine
from aigeo_assets.ingest.snapshot import iter_lines, short_id
from aigeo_assets.ingest.work_record import (
    Affiliation,
    RecordError,
    Work,
    YearProblem,
    decode_work,
    work_from_object,
    year_of_line,
    year_of_work,
)
from aigeo_assets.schemas import SCHEMAS, TableFile, conform


WORK_TABLES = ("raw_works", "raw_authorships", "raw_references", "raw_work_concepts", "raw_work_topics", "raw_venues")

TABLE_YEARS = range(-(2**15), 2**15)
"""Years ``raw_works.publication_year`` (Int16) can hold: with no configured years given, the years parsed."""


@dataclass
class PartAccount:
    """Where each non-blank line of one part file went in one scan (the identity in the module docstring)."""

    file: str
    lines_read: int = 0
    parsed: int = 0
    quarantined: int = 0
    other_years: int = 0
    outside_years: Counter = field(default_factory=Counter)
    unattributed: int = 0
    file_problems: int = 0

    @property
    def accounted(self) -> int:
        return self.parsed + self.quarantined + self.other_years + sum(self.outside_years.values()) + self.unattributed

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "lines_read": self.lines_read,
            "parsed": self.parsed,
            "quarantined": self.quarantined,
            "other_years": self.other_years,
            "outside_years": {str(y): n for y, n in sorted(self.outside_years.items())},
            "unattributed": self.unattributed,
            "file_problems": self.file_problems,
        }


@dataclass(frozen=True)
class PartsMade:
    """What a yearly scan spent making part extracts (``part_extract.ensure_part_extract``): the
    parts it read, their lines (all years') and the CPU-seconds of reading them and storing the
    extracts. The reading of the parts, as opposed to the year's assembly from the extracts."""

    parts: int = 0
    lines: int = 0
    cpu_s: float = 0.0

    def as_metadata(self) -> dict:
        return {"parts_extracted": self.parts, "extracted_lines": self.lines, "extract_cpu_s": round(self.cpu_s, 3),
                "extracted_lines_per_cpu_s": round(self.lines / self.cpu_s) if self.cpu_s > 0 else None}


@dataclass
class WorksTables:
    """The normalized tables of one year's works, plus what was quarantined and where every line went."""

    works: pd.DataFrame | TableFile
    authorships: pd.DataFrame | TableFile
    references: pd.DataFrame | TableFile
    concepts: pd.DataFrame | TableFile
    topics: pd.DataFrame | TableFile
    venues: pd.DataFrame | TableFile
    quarantine: pd.DataFrame
    lines_scanned: int
    accounts: list[PartAccount] = field(default_factory=list)
    snapshot_rows: int = 0
    """The first rows of ``quarantine``: the snapshot's own problems, given to the scan (not lines of its parts)."""
    parts_made: PartsMade = field(default_factory=PartsMade)
    """The parts this scan read and stored extracts of (a scan from the extracts; none read from the cache)."""

    def tables(self) -> dict[str, pd.DataFrame | TableFile]:
        """The six tables, each a DataFrame or, when the year was written as it was assembled
        (``part_extract.assemble_year(write_to=...)``), the ``TableFile`` it was written to."""
        return dict(zip(WORK_TABLES, (self.works, self.authorships, self.references, self.concepts, self.topics, self.venues)))

    def distinct_work_ids(self) -> bool:
        """Whether each work id is once in ``works`` (read back from its file when written)."""
        ids = self.works.read(["work_id"]) if isinstance(self.works, TableFile) else self.works
        return bool(ids["work_id"].is_unique)

    def outside_years(self) -> dict[str, int]:
        """Lines of years outside the configured ones, by year, over every part."""
        total: Counter = Counter()
        for a in self.accounts:
            total.update(a.outside_years)
        return {str(y): n for y, n in sorted(total.items())}

    def accounting_totals(self) -> dict[str, int]:
        keys = ("lines_read", "parsed", "quarantined", "other_years", "unattributed", "file_problems")
        out = {k: sum(getattr(a, k) for a in self.accounts) for k in keys}
        out["outside_years"] = sum(sum(a.outside_years.values()) for a in self.accounts)
        return out


def accounting_problems(tables: WorksTables) -> list[str]:
    """What does not add up in ``tables``' line accounting; empty when every line is accounted for.

    Checked per part: the identity, the part's quarantine rows (line > 0) against its quarantined +
    unattributed lines, its line-0 rows against ``file_problems``; and the parsed lines against the
    rows of ``raw_works`` and ``lines_scanned``.
    """
    problems = []
    q = tables.quarantine.iloc[tables.snapshot_rows :]
    by_file = q.groupby([q["file"], q["line"] > 0]).size().to_dict() if len(q) else {}
    for a in tables.accounts:
        if a.lines_read != a.accounted:
            problems.append(f"{a.file}: {a.lines_read} lines read, {a.accounted} accounted for ({a.as_dict()})")
        rows = by_file.get((a.file, True), 0)
        if rows != a.quarantined + a.unattributed:
            problems.append(f"{a.file}: {rows} quarantine rows for lines, {a.quarantined + a.unattributed} lines quarantined")
        if by_file.get((a.file, False), 0) != a.file_problems:
            problems.append(f"{a.file}: {by_file.get((a.file, False), 0)} file-level rows, {a.file_problems} counted")
    parsed = sum(a.parsed for a in tables.accounts)
    if parsed != len(tables.works):
        problems.append(f"{parsed} lines parsed, {len(tables.works)} rows in raw_works")
    if sum(a.lines_read for a in tables.accounts) != tables.lines_scanned:
        problems.append(f"lines_scanned {tables.lines_scanned} is not the sum of the parts' lines read")
    return problems


@dataclass(frozen=True)
class MergedIds:
    works: Mapping[str, str]
    institutions: Mapping[str, str]
    authors: Mapping[str, str]

    @staticmethod
    def none() -> "MergedIds":
        return MergedIds({}, {}, {})


def abstract_from_inverted_index(index: Mapping[str, list[int]] | None) -> str | None:
    """Rebuild an abstract from OpenAlex's ``abstract_inverted_index`` (word -> positions)."""
    if not index:
        return None
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
    return merged_applied(ids.astype("string").str.replace(r"^https?://openalex\.org/", "", regex=True), merged)


def merged_applied(ids: pd.Series, merged: Mapping[str, str]) -> pd.Series:
    """``ids`` (a "string" Series, nulls kept) with each id of ``merged`` (OpenAlex's merged ids:
    {old id: the id it was merged into}) replaced, the others as they are.

    Looked up by Arrow's hash tables (``corpus.lookup.positions_in``) against the mapping's Arrow
    copy, kept for the next columns (``_merged_arrays``): ``Series.map(dict)`` made a Series of
    the whole mapping at every call and looked each value up through a pandas Index, 2.0 of the
    14.7 CPU-s of a paper-scale year of ``raw_works``."""
    if not merged or not len(ids):
        return ids
    old, new = _merged_arrays(merged)
    values = arrow_strings(ids)
    at = positions_in(values, old)
    # most columns hold no merged id: then the values as they are (coalescing copied every string)
    out = pc.coalesce(new.take(pa.array(at, mask=at < 0)), values) if (at >= 0).any() else values
    return pd.Series(pd.arrays.ArrowStringArray(out), index=ids.index, name=ids.name)


_MERGED_ARROW: dict[int, tuple[Mapping, pa.Array, pa.Array]] = {}


def _merged_arrays(merged: Mapping[str, str]) -> tuple[pa.Array, pa.Array]:
    """The mapping's old and new ids as Arrow arrays, made once per mapping (the last three are
    kept: a scan applies the merged works, authors and institutions to column after column)."""
    got = _MERGED_ARROW.get(id(merged))
    if got is None or got[0] is not merged:
        if len(_MERGED_ARROW) >= 3:
            _MERGED_ARROW.pop(next(iter(_MERGED_ARROW)))
        got = _MERGED_ARROW[id(merged)] = (merged, pa.array(list(merged.keys()), pa.large_string()), pa.array(list(merged.values()), pa.large_string()))
    return got[1], got[2]


def references_frame(citing: list[str], counts: list[int], cited: list[str], merged_works: Mapping[str, str]) -> pd.DataFrame:
    """``raw_references`` from per-work reference lists: short ids, merged ids applied, de-duplicated.

    When the ``citing`` ids are distinct (one per work, as ``parse_works_year`` gives them), a
    duplicate (citing, cited) pair can only come from one work's own list, so each list is
    de-duplicated in order (first kept): the rows ``drop_duplicates`` keeps, without hashing pairs.
    """
    if len(set(citing)) != len(citing):
        cited_s = short_ids(pd.Series(cited, dtype="string"), merged_works)
        df = pd.DataFrame({"citing_work_id": pd.array(np.repeat(np.array(citing, dtype=object), counts), dtype="string"), "cited_work_id": cited_s})
        return conform(df, "raw_references").drop_duplicates(ignore_index=True)  # typed: cached in the part extracts
    cited = short_list(cited, merged_works)
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
    return conform(df, "raw_references")  # typed here: the part extracts cache it outside the IO manager


_OPENALEX = "https://openalex.org/"
_OPENALEX_HTTP = "http://openalex.org/"
_NONE = type(None)
_PA_INT = {"Int16": pa.int16(), "Int32": pa.int32(), "Int64": pa.int64()}


def short_list(values: list, merged: Mapping[str, str]) -> list:
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


def _columns(rows: list[tuple], table: str) -> list[list]:
    """Rows of ``table`` -> one list per column."""
    return [list(map(itemgetter(i), rows)) for i in range(len(SCHEMAS[table].columns))]


def _frame(table: str, columns: list) -> pd.DataFrame:
    data = {}
    for col, values in zip(SCHEMAS[table].columns, columns):
        data[col.name] = values if isinstance(values, pd.Series) else typed_column(values, col.dtype)
    return conform(pd.DataFrame(data), table)  # typed here: the part extracts cache it outside the IO manager


def typed_column(values: list, dtype: str) -> pd.Series:
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


def tail_list(values: list) -> list:
    """The last path segment of each id URL (``https://openalex.org/subfields/1702`` -> ``1702``)."""
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


def _strings_by_institution(affiliations: list[Affiliation] | None) -> dict[str, list[str]] | None:
    """``authorships[].affiliations`` -> {institution id (as given): its raw strings, in order}.

    OpenAlex's ``affiliations`` ties each raw affiliation string to the institutions it names; it is
    how an authorship with several institutions says which string is whose. None when the record
    has no such field (older snapshots): the geocoder then attributes strings by the words they share
    with each institution's name.
    """
    if affiliations is None:
        return None
    out: dict[str, list[str]] = {}
    for aff in affiliations:
        text = aff.raw_affiliation_string
        if text is None:
            continue
        for iid in aff.institution_ids or ():
            strings = out.setdefault(iid, [])
            if text not in strings:
                strings.append(text)
    return out


def record_rows(w: Work, year: int, merged: MergedIds) -> tuple:
    """A decoded record -> (own short id, work row, authorship rows, cited ids as given, concept rows,
    topic rows, venue row). Every field was type-checked by the decoder; raises ``RecordError``
    (``missing_id``) for a record without an id."""
    own_id = short_id(w.id)
    if not own_id:
        raise RecordError("missing_id", "no work id")
    work_id = merged.works.get(own_id, own_id)
    ids = w.ids
    loc = w.primary_location
    source = loc.source if loc is not None else None
    venue_id = short_id(source.id) if source is not None else None
    venue_row = (venue_id, source.display_name, source.issn_l, source.type) if venue_id else None
    topic = w.primary_topic
    subfield = topic.subfield if topic is not None else None

    authorships = []
    seq = -1
    for seq, a in enumerate(w.authorships or ()):
        author = a.author
        author_id = author.id if author is not None else None
        countries = "|".join(a.countries) if a.countries else None
        raw_aff = " ; ".join(a.raw_affiliation_strings) if a.raw_affiliation_strings else None
        position = a.author_position
        insts = a.institutions
        if not insts:
            authorships.append((work_id, seq, position, author_id, None, None, None, None, countries, raw_aff, raw_aff))
            continue
        own = _strings_by_institution(a.affiliations)
        for iseq, inst in enumerate(insts):
            inst_raw = own.get(inst.id) if own is not None and inst.id is not None else None
            authorships.append(
                (work_id, seq, position, author_id, iseq, inst.id, inst.display_name, inst.country_code, countries, raw_aff,
                 " ; ".join(inst_raw) if inst_raw else None)
            )
    references = w.referenced_works or []
    concepts = [(work_id, c.id, c.display_name, c.level, c.score) for c in w.concepts or ()]
    primary_tid = topic.id if topic is not None else None
    topics = [
        (
            work_id,
            t.id,
            t.id == primary_tid,
            t.subfield.id if t.subfield is not None else None,
            t.field.id if t.field is not None else None,
            t.domain.id if t.domain is not None else None,
            t.score,
        )
        for t in (w.topics or ([topic] if topic is not None and topic.id is not None else ()))
    ]
    work_row = (
        work_id,
        year,
        _strip_doi(w.doi),
        _digits_tail(ids.pmid) if ids is not None else None,
        w.type,
        w.type_crossref,
        w.title,
        abstract_from_inverted_index(w.abstract_inverted_index),
        venue_id,
        source.type if source is not None else None,
        _digits_tail(subfield.id) if subfield is not None else None,
        seq + 1,
        len(references),
        loc.raw_type if loc is not None else None,
        loc.raw_source_name if loc is not None else None,
    )
    return own_id, work_row, authorships, references, concepts, topics, venue_row


def parse_work(obj: dict | Work, merged: MergedIds) -> tuple[tuple, list[tuple], list[str], list[tuple], list[tuple], tuple | None]:
    """One work record (decoded dict or ``Work``) -> (work row, authorship rows, cited work ids as
    given, concept rows, topic rows, venue row).

    The cited ids are returned as the record has them (URLs); ``references_frame`` shortens them and
    applies merged ids for a whole year at once, which is much faster than per reference.
    Raises ``RecordError`` (reason, detail) when the record does not match the declared schema or
    has no id or no integer publication_year.
    """
    w = obj if isinstance(obj, Work) else work_from_object(obj)
    year = year_of_work(w)
    if year.__class__ is YearProblem:
        raise RecordError(*year)
    return record_rows(w, year, merged)[1:]


class WorkScan:
    """The state of one scan: kept records (merged ids resolved to the canonical record), quarantine, accounts."""

    def __init__(self, merged: MergedIds, q: Quarantine):
        self.merged = merged
        self.q = q
        self.records: list[tuple | None] = []  # (rows, file, line, account, merged-away id or None); None: replaced
        self.position: dict[str, int] = {}

    def keep(self, w: Work, year: int, file: str, lineno: int, acct: PartAccount) -> None:
        try:
            own_id, *rows = record_rows(w, year, self.merged)
        except RecordError as exc:
            self.q.add(file, lineno, exc.reason, str(exc))
            acct.quarantined += 1
            return
        work_id = rows[0][0]
        merged_from = own_id if own_id != work_id else None
        at = self.position.get(work_id)
        if at is None:
            self.position[work_id] = len(self.records)
            self.records.append((rows, file, lineno, acct, merged_from))
            acct.parsed += 1
            return
        _, kept_file, kept_line, kept_acct, kept_from = self.records[at]
        if kept_from is not None and merged_from is None:  # the canonical record after a merged-away copy: it wins, where it is
            self.q.add(kept_file, kept_line, "merged_duplicate", f"{kept_from} was merged into {work_id}, whose own record is {file} line {lineno}")
            kept_acct.parsed -= 1
            kept_acct.quarantined += 1
            self.records[at] = None
            self.position[work_id] = len(self.records)
            self.records.append((rows, file, lineno, acct, None))
            acct.parsed += 1
        elif merged_from is not None:
            self.q.add(file, lineno, "merged_duplicate", f"{merged_from} was merged into {work_id}, already read")
            acct.quarantined += 1
        else:
            self.q.add(file, lineno, "duplicate_work", f"{work_id} already read")
            acct.quarantined += 1


def parse_works_year(
    files: Iterable[Path],
    year: int | None,
    merged: MergedIds | None = None,
    split_cache_dir: Path | None = None,
    progress=None,
    *,
    years: Collection[int] | None = None,
    quarantine: Quarantine | None = None,
    write_to: Path | None = None,
) -> WorksTables:
    """Parse every work of publication ``year`` found in ``files`` (a snapshot's works parts).

    ``years``: the configured years (the partition keys): a line of another year is counted as
    ``other_years`` when it is one of them, else under ``outside_years`` with its year. None: every
    year ``raw_works`` can hold (``TABLE_YEARS``). ``year=None`` parses the works of every
    configured year in one pass (used by benchmarks and tools).
    ``split_cache_dir``: when given (and ``year`` is not None), each part is read once into a
    columnar per-part extract stored in that directory (``part_extract``), and a yearly scan
    assembles its year from the parts' extracts; the tables, quarantine and accounts are the same
    as without it (the line-by-line scan, which stays the oracle).
    ``quarantine``: rows found before the scan (the snapshot's manifest and merged-id problems) that
    belong in this scan's quarantine; they come first.
    ``write_to`` (with ``split_cache_dir``): a folder the year's six tables are written into as they
    are assembled, a batch of parts at a time, and given as ``schemas.TableFile`` (``assemble_year``);
    without it, or without the extracts, the tables are DataFrames.
    ``progress(done, total, label)`` is called after each part (a progress bar, a Dagster log).
    The cyclic garbage collector is paused meanwhile: millions of young tuples and dicts (none of
    them cyclic) otherwise trigger it over and over, which costs more than the parsing itself.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _parse_works_year(files, year, merged or MergedIds.none(), split_cache_dir, progress, years, quarantine, write_to)
    finally:
        if enabled:
            gc.enable()


def _parse_works_year(files, year, merged, split_cache_dir, progress, years, quarantine, write_to) -> WorksTables:
    q = Quarantine()
    if quarantine is not None:
        q.extend(quarantine)
    configured = TABLE_YEARS if years is None else frozenset(years) | ({year} if year is not None else frozenset())
    if split_cache_dir is not None and year is not None:
        from aigeo_assets.ingest.part_extract import assemble_year, ensure_part_extracts  # here: part_extract imports this module

        files = list(files)
        if progress and files:
            progress(0, len(files), Path(files[0]).name)
        extracts = ensure_part_extracts(files, Path(split_cache_dir), year, arrow=True, progress=progress, lazy=True)
        if progress:
            progress(len(files), len(files), "works parts read")
        return assemble_year(extracts, year, merged, configured, q.frame() if len(q) else None, write_to=write_to)
    scan = WorkScan(merged, q)
    accounts: list[PartAccount] = []
    files = list(files)
    for done, path in enumerate(files, 1):
        if progress:
            progress(done - 1, len(files), Path(path).name)
        path = Path(path)
        file = str(path)
        acct = PartAccount(file)
        accounts.append(acct)
        part_q = Quarantine()
        if year is None:
            _scan_decoding_first(scan, iter_lines(path, part_q), None, configured, file, acct)
        else:
            _scan_year_first(scan, iter_lines(path, part_q), year, configured, file, acct)
        acct.file_problems = len(part_q)
        q.extend(part_q)
    if progress:
        progress(len(files), len(files), "works parts read")
    return scan_tables(scan, accounts, len(quarantine) if quarantine is not None else 0)


def _unattributed(scan: WorkScan, problem: YearProblem, file: str, lineno: int, acct: PartAccount) -> None:
    scan.q.add(file, lineno, problem.reason, problem.detail)
    acct.unattributed += 1


def _elsewhere(y: int, configured, acct: PartAccount) -> None:
    if y in configured:
        acct.other_years += 1
    else:
        acct.outside_years[y] += 1


def _scan_decoding_first(scan: WorkScan, lines, year: int | None, configured, file: str, acct: PartAccount) -> None:
    """Decode each line whole, then look at its year: the one pass over every year."""
    q = scan.q
    for lineno, line in lines:
        acct.lines_read += 1
        try:
            w = decode_work(line)
        except RecordError as exc:
            y = year_of_line(line)
            if y.__class__ is YearProblem:
                _unattributed(scan, y, file, lineno, acct)
            elif y == year or (year is None and y in configured):
                q.add(file, lineno, exc.reason, str(exc))
                acct.quarantined += 1
            else:
                _elsewhere(y, configured, acct)
            continue
        y = w.publication_year
        if y.__class__ is not int:
            _unattributed(scan, year_of_work(w), file, lineno, acct)
        elif y == year or (year is None and y in configured):
            scan.keep(w, y, file, lineno, acct)
        else:
            _elsewhere(y, configured, acct)


def _scan_year_first(scan: WorkScan, lines, year: int, configured, file: str, acct: PartAccount) -> None:
    """Read each line's year first (cheap) and decode only the lines of ``year``: a yearly scan of
    the parts themselves, where most lines belong to other years."""
    q = scan.q
    for lineno, line in lines:
        acct.lines_read += 1
        y = year_of_line(line)
        if y.__class__ is not int:
            _unattributed(scan, y, file, lineno, acct)
            continue
        if y != year:
            _elsewhere(y, configured, acct)
            continue
        try:
            w = decode_work(line)
        except RecordError as exc:
            q.add(file, lineno, exc.reason, str(exc))
            acct.quarantined += 1
            continue
        scan.keep(w, y, file, lineno, acct)


def scan_tables(scan: WorkScan, accounts: list[PartAccount], snapshot_rows: int) -> WorksTables:
    merged = scan.merged
    works_rows: list[tuple] = []
    auth_rows: list[tuple] = []
    concept_rows: list[tuple] = []
    topic_rows: list[tuple] = []
    venues: dict[str, tuple] = {}
    ref_citing: list[str] = []
    ref_counts: list[int] = []
    ref_cited: list[str] = []
    for record in scan.records:
        if record is None:
            continue
        (work, auths, refs, concepts, topics, venue), *_ = record
        works_rows.append(work)
        if auths:
            auth_rows += auths
        if refs:
            ref_citing.append(work[0])
            ref_counts.append(len(refs))
            ref_cited += refs
        if concepts:
            concept_rows += concepts
        if topics:
            topic_rows += topics
        if venue is not None and venue[0] not in venues:
            venues[venue[0]] = venue
    frames = {
        "raw_works": _frame("raw_works", _columns(works_rows, "raw_works")),
        "raw_venues": _frame("raw_venues", _columns(list(venues.values()), "raw_venues")),
    }
    auth = _columns(auth_rows, "raw_authorships")
    auth[3] = short_list(auth[3], merged.authors)  # author_id
    auth[5] = short_list(auth[5], merged.institutions)  # institution_id
    frames["raw_authorships"] = _frame("raw_authorships", auth)
    concepts_c = _columns(concept_rows, "raw_work_concepts")
    concepts_c[1] = short_list(concepts_c[1], {})
    frames["raw_work_concepts"] = _frame("raw_work_concepts", concepts_c)
    topics_c = _columns(topic_rows, "raw_work_topics")
    topics_c[1] = short_list(topics_c[1], {})
    for i in (3, 4, 5):  # subfield, field, domain ids: the tail of the URL
        topics_c[i] = tail_list(topics_c[i])
    frames["raw_work_topics"] = _frame("raw_work_topics", topics_c)
    frames["raw_references"] = references_frame(ref_citing, ref_counts, ref_cited, merged.works)
    return WorksTables(
        frames["raw_works"],
        frames["raw_authorships"],
        frames["raw_references"],
        frames["raw_work_concepts"],
        frames["raw_work_topics"],
        frames["raw_venues"],
        scan.q.frame(),
        sum(a.lines_read for a in accounts),
        accounts,
        snapshot_rows,
    )
