"""Reading the works of OpenAlex's Parquet snapshot (``data/parquet/works/``) into the same tables as the JSON path.

**The layout** (OpenAlex, "Snapshot data format", developers.openalex.org/download/snapshot-format):
from the June 2026 quarterly release the snapshot ships in two formats, each a complete copy of
the same data: gzip JSON Lines under ``data/jsonl/`` and snappy Parquet under ``data/parquet/``, one
record per row; under each format prefix one folder per entity plus a combined ``manifest.json``;
records partitioned by ``updated_date`` (``data/parquet/works/updated_date=YYYY-MM-DD/``), each
partition holding part files ``part_0000.parquet``, ``part_0001.parquet``, ... of up to 400,000
records; "the structure of each entity type matches the API response format". Older snapshots
keep ``merged_ids/`` under ``legacy-data/``.

**Assumed, not documented** (OpenAlex's pages give no Parquet column types; docs/methods.md, "The
Parquet snapshot"): the columns are the work object's field names, nested objects are Parquet
structs and arrays are lists (``WORKS_PARQUET_SCHEMA``: the fields aigeo reads, with their types);
``abstract_inverted_index`` is a ``map<string, list<int>>`` (a JSON string holding the object is
accepted too: the one field decoded from JSON text); the combined ``manifest.json`` has the
``entries[].url`` (or ``files[].url``) shape of the JSON Lines manifests, its urls naming
``.../works/updated_date=.../part_NNNN.parquet``. A per-folder ``works/manifest`` is honoured too.

**No JSON decoding.** Each part is read row group by row group with pyarrow, only the columns
aigeo reads. The ``publication_year`` column is read first: the rows of other years are counted
from it without touching their other columns, and only the rows of the scanned year are turned
into Python records. Each such record is checked against the same declared record schema as a
JSON line (``work_record.Work``, through ``msgspec.convert``), so a wrong-typed column gives the
same ``bad_field`` row (``publication_year: expected int | null, got str``) as a wrong-typed JSON
field, and from there the JSON path's scan (duplicates, merged ids, accounting) is shared.

**Line numbers** of a Parquet part are its row numbers, 1-based, in file order (row groups in
order); the accounting identity of ``works`` holds with "line" read as "row". A null and a missing
``publication_year`` column are the same in Parquet: the row is ``year_unknown``, "publication_year
is null". A column aigeo reads that the file lacks is read as null in every row (as an absent JSON
key); a file that pyarrow cannot open or read is one ``part_unreadable`` row (line 0), the rows of
the row groups read before the failure kept.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator
from itertools import repeat
from pathlib import Path

import msgspec
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from aigeo_assets.ingest import work_record as wr
from aigeo_assets.ingest import works
from aigeo_assets.ingest.part_extract import PartExtract, assemble_year, ensure_part_extracts, extract_tables, quarantine_frame
from aigeo_assets.ingest.quarantine import Quarantine
from aigeo_assets.ingest.snapshot import EntityFiles, SnapshotLayoutError, entity_files, manifest_urls
from aigeo_assets.ingest.work_record import (
    UNATTRIBUTED,
    RecordError,
    Work,
    YearProblem,
    YearOnly,
    describe_error,
    work_from_object,
    year_of_work,
)
from aigeo_assets.ingest.works import TABLE_YEARS, MergedIds, record_rows

_S = pa.string()
_ID = pa.struct([("id", _S)])
_TOPIC = pa.struct([("id", _S), ("subfield", _ID), ("field", _ID), ("domain", _ID), ("score", pa.float64())])

WORKS_PARQUET_SCHEMA = pa.schema(
    [
        ("id", _S),
        ("publication_year", pa.int64()),
        ("doi", _S),
        ("ids", pa.struct([("pmid", _S)])),
        ("type", _S),
        ("type_crossref", _S),
        ("title", _S),
        ("abstract_inverted_index", pa.map_(_S, pa.list_(pa.int64()))),
        (
            "primary_location",
            pa.struct(
                [
                    ("source", pa.struct([("id", _S), ("display_name", _S), ("issn_l", _S), ("type", _S)])),
                    ("raw_type", _S),
                    ("raw_source_name", _S),
                ]
            ),
        ),
        ("primary_topic", _TOPIC),
        (
            "authorships",
            pa.list_(
                pa.struct(
                    [
                        ("author_position", _S),
                        ("author", _ID),
                        ("institutions", pa.list_(pa.struct([("id", _S), ("display_name", _S), ("country_code", _S)]))),
                        ("countries", pa.list_(_S)),
                        ("raw_affiliation_strings", pa.list_(_S)),
                        ("affiliations", pa.list_(pa.struct([("raw_affiliation_string", _S), ("institution_ids", pa.list_(_S))]))),
                    ]
                )
            ),
        ),
        ("referenced_works", pa.list_(_S)),
        ("concepts", pa.list_(pa.struct([("id", _S), ("display_name", _S), ("level", pa.int64()), ("score", pa.float64())]))),
        ("topics", pa.list_(_TOPIC)),
    ]
)
"""The work columns aigeo reads, as the Parquet snapshot is assumed to type them (the JSON work
object's fields; ``work_record``'s table). The sample world's Parquet copy is written with it."""

WORK_COLUMNS = tuple(WORKS_PARQUET_SCHEMA.names)
_ABSTRACT = "abstract_inverted_index"


def parquet_works_folder(root: Path) -> Path | None:
    """``data/parquet/works`` (or ``parquet/works`` under a ``data`` folder) of a snapshot, if present."""
    for candidate in (Path(root) / "data" / "parquet" / "works", Path(root) / "parquet" / "works"):
        if candidate.is_dir():
            return candidate
    return None


def has_parquet_works(root: Path) -> bool:
    """Whether the snapshot at ``root`` holds the Parquet copy of the works (what ``auto`` picks)."""
    return parquet_works_folder(root) is not None




def _works_urls(manifest: Path) -> list[str]:
    """The works parts a manifest lists: all of a per-folder ``works/manifest``, the ``/works/``
    urls of the combined ``manifest.json``."""
    urls = manifest_urls(manifest)
    if manifest.name == "manifest.json":
        urls = [u for u in urls if "/works/" in u]
    return urls


def list_parquet_parts(root: Path, entity: str = "works") -> EntityFiles:
    """All Parquet parts of the works under ``root``: manifest order first, then unlisted parts on disk.

    The manifest is ``works/manifest`` when present, else the combined ``parquet/manifest.json``;
    with neither, every ``updated_date=*/part_*.parquet`` in name order. Same rules as
    ``snapshot.list_entity_files``: a listed part missing on disk and an unusable manifest are
    quarantine rows, a part on disk the manifest does not list is read too.
    """
    if entity != "works":
        raise ValueError(f"the Parquet reader reads works only, not {entity!r} (institutions are read from JSON Lines)")
    folder = parquet_works_folder(root)
    if folder is None:
        raise SnapshotLayoutError(f"no Parquet works folder under {root}: expected data/parquet/works/ or parquet/works/")
    manifest = next((m for m in (folder / "manifest", folder.parent / "manifest.json") if m.exists() or m.is_symlink()), None)
    return entity_files(entity, folder, manifest, _works_urls)


def _year_of_value(value) -> int | YearProblem:
    """The year a ``publication_year`` value gives, with ``work_record.year_of_line``'s rules."""
    try:
        decoded = msgspec.convert({"publication_year": value}, YearOnly)
    except msgspec.ValidationError as exc:
        reason, detail = describe_error(exc)
        return YearProblem(reason, f"{detail} ({UNATTRIBUTED})")
    return year_of_work(decoded)


def _abstract_object(value):
    """``abstract_inverted_index`` as the record schema takes it: a map column gives (key, value)
    pairs, a string column a JSON object (a value that is neither is left for the schema to refuse)."""
    if value.__class__ is list:
        try:
            return dict(value)
        except (TypeError, ValueError):
            return value
    if value.__class__ is str:
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError as exc:
            raise RecordError("bad_field", f"{_ABSTRACT}: a string that is not a JSON object ({exc})") from None
    return value


_STRUCTS = {
    "ids": wr.Ids,
    "primary_location": wr.Location,
    "primary_location.source": wr.Source,
    "primary_topic": wr.PrimaryTopic,
    "authorships": wr.Authorship,
    "authorships.author": wr.AuthorRef,
    "authorships.institutions": wr.InstitutionRef,
    "authorships.affiliations": wr.Affiliation,
    "concepts": wr.Concept,
    "topics": wr.Topic,
}
_REQUIRED = frozenset({"concepts.id", "topics.id"})
_RANGES = {"concepts.level": (0, 32767), f"{_ABSTRACT}.value": (0, None)}


def _pylist(arr: pa.Array) -> list:
    """``arr.to_pylist()`` of a flat array, through numpy (pyarrow's own is several times slower)."""
    if pa.types.is_null(arr.type):
        return [None] * len(arr)
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        return arr.to_numpy(zero_copy_only=False).tolist()
    if not arr.null_count:
        return arr.to_numpy().tolist()
    values = arr.fill_null(False if pa.types.is_boolean(arr.type) else 0).to_numpy(zero_copy_only=False).tolist()
    return [v if ok else None for v, ok in zip(values, _valid(arr))]


def _valid(arr: pa.Array):
    """Per row: not null (a list, or ``repeat(True)`` when the array has no null)."""
    return arr.is_valid().to_numpy(zero_copy_only=False).tolist() if arr.null_count else repeat(True)


class _NeedsChecks(Exception):
    """A column the direct conversion cannot vouch for (another type than ``WORKS_PARQUET_SCHEMA``'s,
    a null list element or required field, a number out of range): its rows take the per-row
    checks of the record schema, which say exactly what is wrong."""


# C901: one dispatch on the expected Arrow type, each branch a type's check and conversion
def _values(arr: pa.Array, expected: pa.DataType, path: str) -> list:  # noqa: C901 (see the line above)
    """The Python values of ``arr`` as ``msgspec`` would decode them into ``work_record``'s structs
    (structs built directly, without re-checking: the column types already guarantee them).
    Raises ``_NeedsChecks`` when a value could fail the record schema."""
    t = arr.type
    if pa.types.is_struct(expected):
        if not pa.types.is_struct(t):
            raise _NeedsChecks(path)
        cls = _STRUCTS.get(path, wr.TopicLevel)
        index = {t.field(i).name: i for i in range(t.num_fields)}
        children = arr.flatten()
        cols = []
        for f in expected:
            i = index.get(f.name)
            sub = f"{path}.{f.name}"
            if i is None:
                if sub in _REQUIRED:
                    raise _NeedsChecks(sub)
                cols.append(repeat(None, len(arr)))
                continue
            col = _values(children[i], f.type, sub)
            if sub in _REQUIRED and None in col:
                raise _NeedsChecks(sub)
            cols.append(col)
        out = list(map(cls, *cols))
        if arr.null_count:
            out = [o if v else None for o, v in zip(out, _valid(arr))]
        return out
    if pa.types.is_map(expected):
        if not pa.types.is_map(t):
            raise _NeedsChecks(path)
        if arr.items.null_count:
            raise _NeedsChecks(path)
        offsets = _pylist(arr.offsets)
        keys = _pylist(arr.keys)
        items = _values(arr.items, expected.item_type, f"{path}.value")
        return [dict(zip(keys[a:b], items[a:b])) if v else None for a, b, v in zip(offsets, offsets[1:], _valid(arr))]
    if pa.types.is_list(expected):
        if not (pa.types.is_list(t) or pa.types.is_large_list(t)):
            raise _NeedsChecks(path)
        child = arr.values
        if child.null_count:
            raise _NeedsChecks(path)
        offsets = _pylist(arr.offsets)
        items = _values(child, expected.value_type, path)
        return [items[a:b] if v else None for a, b, v in zip(offsets, offsets[1:], _valid(arr))]
    if pa.types.is_string(expected):
        if not (pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_null(t)):
            raise _NeedsChecks(path)
        return _pylist(arr)
    if pa.types.is_integer(expected):
        if not (pa.types.is_integer(t) or pa.types.is_null(t)):
            raise _NeedsChecks(path)
        bounds = _RANGES.get(path)
        if bounds is not None and len(arr) - arr.null_count:
            lo, hi = pc.min_max(arr).values()
            if lo.as_py() < bounds[0] or (bounds[1] is not None and hi.as_py() > bounds[1]):
                raise _NeedsChecks(path)
        return _pylist(arr)
    if pa.types.is_floating(expected):
        if pa.types.is_integer(t):
            return _pylist(arr.cast(pa.float64()))
        if not (pa.types.is_floating(t) or pa.types.is_null(t)):
            raise _NeedsChecks(path)
        return _pylist(arr)
    raise _NeedsChecks(path)


def _works_of(table: pa.Table, years: list[int]) -> list[Work]:
    """The rows of ``table`` as ``Work`` records, built column by column (``_values``)."""
    cols = []
    for f in WORKS_PARQUET_SCHEMA:
        if f.name == "publication_year":
            cols.append(years)
        elif f.name in table.column_names:
            cols.append(_values(table.column(f.name).combine_chunks(), f.type, f.name))
        else:
            cols.append(repeat(None, len(years)))
    return list(map(Work, *cols))


def _integer_years(column: pa.ChunkedArray) -> list | None:
    """The year column as Python ints/None when its type is an integer type, else None (the rows
    then take the per-row checks)."""
    if pa.types.is_integer(column.type):
        return _pylist(column.combine_chunks())
    if pa.types.is_null(column.type):
        return [None] * len(column)
    return None


def _part_events(path: Path, file: str, wanted: Callable[[int], bool], part_q: Quarantine, batch_rows: int = 65_536) -> Iterator[tuple]:
    """The fate of every row of one Parquet part, in row order within each row group:

    * ``("unattributed", line, YearProblem)``: a row without a usable year;
    * ``("elsewhere", Counter)``: per row group, the rows of years not ``wanted``, by year;
    * ``("record", line, year, Work)``: a row of a wanted year that matches the record schema;
    * ``("records", lines, years, Works)``: the same for many rows at once (a row group's kept rows
      whose columns vouch for every value);
    * ``("bad", line, year, RecordError)``: a row of a wanted year that does not.

    A file pyarrow cannot open or read is a ``part_unreadable`` row in ``part_q`` (line 0); the rows
    whose fate was given before it stand, the others are lost with it.
    """
    try:
        pf = pq.ParquetFile(path)
        present = [c for c in WORK_COLUMNS if c in pf.schema_arrow.names]
    except (OSError, pa.ArrowException) as exc:
        part_q.add(file, 0, "part_unreadable", f"not a readable Parquet file: {exc}"[:300])
        return
    offset = 0
    try:
        for rg in range(pf.metadata.num_row_groups):
            n = pf.metadata.row_group(rg).num_rows
            years_col = pf.read_row_group(rg, columns=["publication_year"]).column(0) if "publication_year" in present else None
            years = [None] * n if years_col is None else _integer_years(years_col)
            if years is None:  # not an integer column: each value says what it is
                years = [_year_of_value(v) for v in years_col.to_pylist()]
            keep: list[int] = []
            elsewhere: Counter = Counter()
            for i, y in enumerate(years):
                if y.__class__ is not int:
                    yield "unattributed", offset + i + 1, (y if y.__class__ is YearProblem else _year_of_value(y))
                elif wanted(y):
                    keep.append(i)
                else:
                    elsewhere[y] += 1
            if elsewhere:
                yield "elsewhere", elsewhere
            if keep:
                table = pf.read_row_group(rg, columns=present)
                if len(keep) < n:
                    table = table.take(pa.array(keep, type=pa.int64()))
                kept_years = [years[i] for i in keep]
                try:
                    records = _works_of(table, kept_years)
                except _NeedsChecks:
                    yield from _checked_events(table, keep, kept_years, offset, batch_rows)
                else:
                    yield "records", [offset + i + 1 for i in keep], kept_years, records
                del table
            offset += n
    except (OSError, pa.ArrowException) as exc:
        part_q.add(file, 0, "part_unreadable", f"read error in the row group starting at row {offset + 1}: {exc}"[:300])


def part_year_counts(path: Path) -> Counter:
    """Rows of one Parquet part by publication year, as the reader attributes them (None: no usable
    year), reading the ``publication_year`` column only: what the snapshot sensor needs of a new part
    (``automation``'s JSON rule is ``work_record.year_of_line``; this is the same rule for Parquet).
    Raises ``OSError``/``pyarrow.ArrowException`` for a file pyarrow cannot read."""
    pf = pq.ParquetFile(path)
    counts: Counter = Counter()
    if "publication_year" not in pf.schema_arrow.names:
        counts[None] = pf.metadata.num_rows
        return counts
    for rg in range(pf.metadata.num_row_groups):
        column = pf.read_row_group(rg, columns=["publication_year"]).column(0)
        years = _integer_years(column)
        if years is None:
            years = [_year_of_value(v) for v in column.to_pylist()]
        counts.update(y if y.__class__ is int else None for y in years)
    return counts


def _checked_events(table: pa.Table, keep: list[int], years: list[int], offset: int, batch_rows: int) -> Iterator[tuple]:
    """The rows of ``table`` (rows ``keep`` of the row group) checked one by one against the record
    schema (``work_record.work_from_object``), as a JSON line is."""
    for start in range(0, len(keep), batch_rows):
        records = table.slice(start, batch_rows).to_pylist()
        for i, y, rec in zip(keep[start : start + batch_rows], years[start : start + batch_rows], records):
            try:
                if _ABSTRACT in rec:
                    rec[_ABSTRACT] = _abstract_object(rec[_ABSTRACT])
                w = work_from_object(rec)
            except RecordError as exc:
                yield "bad", offset + i + 1, y, exc
                continue
            yield "record", offset + i + 1, y, w


def scan_parquet_part(scan, path: Path, year: int | None, configured, acct, part_q: Quarantine) -> None:
    """Read one Parquet part into ``scan`` (``works.WorkScan``), counting every row in ``acct``
    (``works.PartAccount``; ``lines_read`` counts rows). ``year=None`` keeps every configured year."""
    file = str(path)
    q = scan.q
    wanted = (lambda y: y == year) if year is not None else configured.__contains__
    keep = scan.keep
    for event in _part_events(path, file, wanted, part_q):
        kind = event[0]
        if kind == "records":
            for lineno, y, w in zip(*event[1:]):
                keep(w, y, file, lineno, acct)
        elif kind == "record":
            keep(event[3], event[2], file, event[1], acct)
        elif kind == "elsewhere":
            for y, count in event[1].items():
                if y in configured:
                    acct.other_years += count
                else:
                    acct.outside_years[y] += count
        elif kind == "unattributed":
            q.add(file, event[1], event[2].reason, event[2].detail)
            acct.unattributed += 1
        else:
            q.add(file, event[1], event[3].reason, str(event[3]))
            acct.quarantined += 1
    acct.lines_read = acct.accounted


def extract_parquet_part(path: Path, *, file: str | None = None):
    """One Parquet works part -> its ``part_extract.PartExtract``: the same tables, quarantine rows
    and line counts as ``part_extract.extract_json_part`` gives for the same records in JSON Lines
    (line = row number). Plugs into ``part_extract.ensure_part_extract(..., extract=extract_parquet_part)``."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        file = str(path) if file is None else file
        none = MergedIds.none()
        part_q = Quarantine()
        q_rows: list[tuple] = []
        year_lines: Counter = Counter()
        records: list[tuple] = []
        unattributed = 0
        for event in _part_events(Path(path), file, TABLE_YEARS.__contains__, part_q):
            kind = event[0]
            if kind == "records" or kind == "record":
                batch = zip(*event[1:]) if kind == "records" else (event[1:],)
                for lineno, y, w in batch:
                    year_lines[y] += 1
                    try:
                        rows = record_rows(w, y, none)[1:]
                    except RecordError as exc:
                        q_rows.append((file, lineno, exc.reason, str(exc), y))
                        continue
                    records.append((lineno, y, rows))
            elif kind == "elsewhere":
                year_lines.update(event[1])
            elif kind == "unattributed":
                unattributed += 1
                q_rows.append((file, event[1], event[2].reason, event[2].detail, None))
            else:
                _, lineno, y, exc = event
                year_lines[y] += 1
                q_rows.append((file, lineno, exc.reason, str(exc), y))
        q_rows.sort(key=lambda r: r[1])  # row order, as the line-by-line reader adds them
        for r in part_q.frame().itertuples(index=False):
            q_rows.append((r.file, r.line, r.reason, r.detail, None))
        lines_read = sum(year_lines.values()) + unattributed
        return PartExtract(file, lines_read, dict(sorted(year_lines.items())), extract_tables(records), quarantine_frame(q_rows))
    finally:
        if enabled:
            gc.enable()


def parse_parquet_works_year(
    files: Iterable[Path],
    year: int | None,
    merged=None,
    split_cache_dir: Path | None = None,
    progress=None,
    *,
    years: Collection[int] | None = None,
    quarantine: Quarantine | None = None,
    write_to: Path | None = None,
):
    """``works.parse_works_year`` for Parquet parts, same arguments: the same tables, quarantine and
    accounting (``WorksTables``).

    With ``split_cache_dir`` (and a ``year``) each part is read once into its columnar extract
    (``extract_parquet_part`` through ``part_extract.ensure_part_extracts``) and the year assembled
    from the extracts (``part_extract.assemble_year``), as for JSON parts; without, each part is
    scanned directly (``scan_parquet_part``), which reads only the year column of other years' rows.
    """
    q = Quarantine()
    if quarantine is not None:
        q.extend(quarantine)
    configured = works.TABLE_YEARS if years is None else frozenset(years) | ({year} if year is not None else frozenset())
    files = list(files)
    if split_cache_dir is not None and year is not None:
        extracts = ensure_part_extracts(files, Path(split_cache_dir), year, extract=extract_parquet_part, arrow=True, progress=progress,
                                        lazy=True)
        return assemble_year(extracts, year, merged or works.MergedIds.none(), configured, q.frame() if len(q) else None,
                             write_to=write_to)
    enabled = gc.isenabled()
    gc.disable()
    try:
        scan = works.WorkScan(merged or works.MergedIds.none(), q)
        accounts = []
        for done, path in enumerate(files):
            if progress:
                progress(done, len(files), Path(path).name)
            acct = works.PartAccount(str(path))
            accounts.append(acct)
            part_q = Quarantine()
            scan_parquet_part(scan, Path(path), year, configured, acct, part_q)
            acct.file_problems = len(part_q)
            q.extend(part_q)
        if progress:
            progress(len(files), len(files), "works parts read")
        return works.scan_tables(scan, accounts, len(quarantine) if quarantine is not None else 0)
    finally:
        if enabled:
            gc.enable()
