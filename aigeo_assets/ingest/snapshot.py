"""Reading an OpenAlex snapshot directory: file discovery, merged ids, and JSON Lines with quarantine.

OpenAlex has shipped several layouts (conventions.md):

* ``<root>/data/<entity>/updated_date=YYYY-MM-DD/part_NNN.gz`` (the classic S3 layout),
* ``<root>/data/jsonl/<entity>/...`` (newer snapshots),
* ``<root>/<entity>/...`` when the user points at the ``data`` folder itself,

each with a ``manifest`` listing ``entries[].url`` (newer: ``files[].url``). When a manifest exists
it is authoritative: its parts are read in manifest order, a listed part that is missing on disk is
one ``manifest_part_missing`` row in ``EntityFiles.problems``, and a part on disk that the manifest
does not list is read too (``EntityFiles.unlisted``) so nothing a user gave us is lost. A manifest
that cannot be used (not UTF-8, not JSON, empty, the wrong shape, entries without a url) is one
``manifest_unreadable`` row saying exactly what is wrong, and every part on disk is read in name
order, as when there is no manifest. Part files may be gzipped or plain. Only the entity folders
that are asked for are touched.

Gzip parts are read member by member. Where a stretch of a part cannot be decoded, reading
resumes at the next intact gzip member (OpenAlex parts and the split cache's shards are
multi-member), and the stretch is one quarantine row (``corrupt_gzip``, or ``truncated_gzip`` when
the file ends inside a member) at line 0 whose detail gives the compressed byte offsets lost, where
zlib saw the damage, the line numbers on either side and how many decoded lines were not used. A
member's lines are used once its checksum holds (of a member larger than 16 MiB decoded, all but
the last 16 MiB are used before its checksum is read); a member that breaks is not used, except
when the file merely ends inside it (a truncated download): then its lines before the cut are
kept. Line numbers count the lines recovered: the first line after a lost stretch is numbered one
more than the last line before it (how many lines the stretch held cannot be known), so numbering
is the same on every read of the same file.
"""

from __future__ import annotations

import csv
import re
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from aigeo_assets.ingest.quarantine import Quarantine

GZIP_MAGIC = b"\x1f\x8b"
_GZIP_MAGIC = GZIP_MAGIC + b"\x08"  # where a member starts: the magic bytes and deflate
_CHUNK = 1 << 18
_SEARCH_BLOCK = 1 << 20
_PROBE = 1 << 16
_HOLD_LIMIT = 16 << 20
_CUT_SHORT = "member cut short by a new member"
_PROBE_OUTPUT = 1 << 20


class SnapshotLayoutError(FileNotFoundError):
    """The directory is not an OpenAlex snapshot (no folder for the requested entity)."""


class MergedIdsError(ValueError):
    """A ``merged_ids`` file (or row) that cannot be used, when no quarantine was given to take it."""


def short_id(value: str | None) -> str | None:
    """``https://openalex.org/W123`` -> ``W123``; other strings are returned unchanged."""
    if value is None:
        return None
    i = value.rfind("/")
    return value[i + 1 :] if i >= 0 else value


def _shown(value, limit: int = 80) -> str:
    """A value as a quarantine detail shows it: its repr, cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass
class EntityFiles:
    """The part files of one entity, in reading order, and what was odd about them.

    ``problems`` holds one row per listed part missing on disk (``manifest_part_missing``, file =
    the manifest, detail = the url), per unusable manifest (``manifest_unreadable``) and per entry
    under ``updated_date=*/`` named ``part_*`` that is not a readable file (``part_unreadable``).
    """

    entity: str
    folder: Path
    parts: list[Path]
    manifest: Path | None
    missing: list[str] = field(default_factory=list)
    unlisted: list[Path] = field(default_factory=list)
    problems: Quarantine = field(default_factory=Quarantine)


def entity_folder(root: Path, entity: str) -> Path:
    """Locate the folder of ``entity`` under any of the known snapshot layouts."""
    root = Path(root)
    for candidate in (root / "data" / entity, root / "data" / "jsonl" / entity, root / "jsonl" / entity, root / entity):
        if candidate.is_dir():
            return candidate
    raise SnapshotLayoutError(
        f"no '{entity}' folder under {root}: expected data/{entity}/, data/jsonl/{entity}/ or {entity}/ "
        "(an OpenAlex snapshot directory)"
    )


class ManifestError(ValueError):
    """What is wrong with a manifest; ``line`` is the JSON line of a syntax error, else 0."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.line = line


def json_kind(value, article: bool = False) -> str:
    """What JSON value a decoded ``value`` is (``object``, ``list``, ``string``, ...), for messages;
    ``article``: with ``a``/``an`` (``an object``; ``null`` takes none)."""
    kind = {dict: "object", list: "list", str: "string", bool: "boolean", type(None): "null"}.get(type(value), "number")
    if not article or kind == "null":
        return kind
    return ("an " if kind == "object" else "a ") + kind


def manifest_urls(manifest: Path) -> list[str]:
    """The part urls a manifest lists (``entries[].url``, newer ``files[].url``), in its order.

    Raises :class:`ManifestError` saying exactly what is wrong: unreadable, empty, not UTF-8, not
    JSON, not an object, no ``entries``/``files`` list, or entries without a url string.
    """
    try:
        data = Path(manifest).read_bytes()
    except OSError as exc:
        raise ManifestError(f"cannot read the manifest: {exc.strerror or exc}") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data.strip():
        raise ManifestError(f"the manifest is empty ({len(data)} bytes)")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ManifestError(f"the manifest is not UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start}") from None
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ManifestError(f"the manifest is not JSON: {exc}", exc.lineno) from None
    if not isinstance(doc, dict):
        raise ManifestError(f"the manifest is a JSON {json_kind(doc)}, expected an object with entries[] (or files[])")
    key = next((k for k in ("entries", "files") if doc.get(k)), None)
    if key is None:
        key = next((k for k in ("entries", "files") if k in doc), None)
    if key is None:
        raise ManifestError(f"the manifest has no entries[] or files[] (keys: {', '.join(sorted(doc)) or 'none'})")
    items = doc[key]
    if items is None:
        items = []
    if not isinstance(items, list):
        raise ManifestError(f"the manifest's {key} is a JSON {json_kind(items)}, expected a list")
    urls: list[str] = []
    bad: list[str] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            bad.append(f"{key}[{i}] is {json_kind(item, article=True)}")
        elif "url" not in item:
            bad.append(f"{key}[{i}] has no url (keys: {', '.join(sorted(item)) or 'none'})")
        elif not isinstance(item["url"], str) or not item["url"]:
            bad.append(f"{key}[{i}].url is {_shown(item['url'], 40)}")
        else:
            urls.append(item["url"])
    if bad:
        more = f" and {len(bad) - 3} more" if len(bad) > 3 else ""
        raise ManifestError(f"{len(bad)} of {len(items)} manifest entries have no url string: {'; '.join(bad[:3])}{more}")
    return urls


def _local_part(folder: Path, url: str) -> Path:
    """Map a manifest url (s3://openalex/data/works/updated_date=.../part_000.gz) to the local file."""
    m = re.search(r"(updated_date=[^/]+/part_[^/]+)$", url)
    rel = m.group(1) if m else url.rsplit("/", 1)[-1]
    path = folder / rel
    if not path.exists() and path.suffix == ".gz" and path.with_suffix("").exists():
        return path.with_suffix("")
    return path


def list_entity_files(root: Path, entity: str) -> EntityFiles:
    """All part files of ``entity``: manifest order first, then unlisted parts found on disk."""
    folder = entity_folder(root, entity)
    manifest = folder / "manifest"
    return entity_files(entity, folder, manifest if manifest.exists() or manifest.is_symlink() else None, manifest_urls)


def entity_files(entity: str, folder: Path, manifest: Path | None, read_urls: Callable[[Path], list[str]]) -> EntityFiles:
    """The parts of ``folder`` in ``manifest``'s order (its urls read by ``read_urls``), then the parts on
    disk it does not list; every part on disk when there is no manifest or it cannot be read (a
    ``manifest_unreadable`` row). The JSON Lines and the Parquet snapshot readers share it."""
    problems = Quarantine()
    on_disk = parts_on_disk(folder, problems)
    if manifest is None:
        return EntityFiles(entity, folder, on_disk, None, problems=problems)
    try:
        urls = read_urls(manifest)
    except ManifestError as exc:
        problems.add(str(manifest), exc.line, "manifest_unreadable", f"{exc}; every part on disk is read instead ({len(on_disk)})")
        return EntityFiles(entity, folder, on_disk, manifest, problems=problems)
    parts, missing, unlisted = match_manifest(folder, on_disk, manifest, urls, problems)
    return EntityFiles(entity, folder, parts, manifest, missing, unlisted, problems)


def parts_on_disk(folder: Path, problems: Quarantine) -> list[Path]:
    """The ``updated_date=*/part_*`` files under ``folder``, sorted (temporary files left out); a part
    that is not a regular file (a broken link, a folder) is one ``part_unreadable`` row."""
    on_disk: list[Path] = []
    for p in sorted(folder.glob("updated_date=*/part_*")):
        if p.name.endswith(".tmp"):
            continue
        if p.is_file():
            on_disk.append(p)
        else:
            what = "a broken symbolic link" if p.is_symlink() and not p.exists() else "not a regular file"
            problems.add(str(p), 0, "part_unreadable", f"{what}: not read")
    return on_disk


def match_manifest(
    folder: Path, on_disk: list[Path], manifest: Path, urls: list[str], problems: Quarantine
) -> tuple[list[Path], list[str], list[Path]]:
    """(every part to read: the manifest's order first, then the unlisted parts on disk; the urls
    listed but missing on disk, one ``manifest_part_missing`` row each; the unlisted parts)."""
    listed: list[Path] = []
    missing: list[str] = []
    seen: set[Path] = set()
    for url in urls:
        part = _local_part(folder, url)
        if part in seen:
            continue
        if part.is_file():
            listed.append(part)
            seen.add(part)
        else:
            missing.append(url)
            problems.add(str(manifest), 0, "manifest_part_missing", url)
    unlisted = [p for p in on_disk if p not in seen]
    return listed + unlisted, missing, unlisted


# ---------------------------------------------------------------------------------------------
# merged ids

MERGED_IDS_COLUMNS = ("merge_date", "id", "merge_into_id")
_ID_LETTER = {
    "works": "W",
    "authors": "A",
    "institutions": "I",
    "sources": "S",
    "concepts": "C",
    "publishers": "P",
    "funders": "F",
    "topics": "T",
}
_SHORT_ID_RE = re.compile(r"[A-Z][0-9]+")


def merged_ids_folder(root: Path, entity: str) -> Path | None:
    """``data/merged_ids/<entity>`` (or ``merged_ids/<entity>`` under a ``data`` folder), if present."""
    for candidate in (Path(root) / "data" / "merged_ids" / entity, Path(root) / "merged_ids" / entity):
        if candidate.is_dir():
            return candidate
    return None


def read_merged_ids(root: Path, entity: str, quarantine: Quarantine | None = None) -> dict[str, str]:
    """``merged_ids/<entity>/*.csv.gz`` as {old short id: surviving short id}, chains followed.

    OpenAlex writes one gzip CSV per merge date, with the header ``merge_date,id,merge_into_id``;
    files are read in name (date) order, a later row for the same id wins. Every file that cannot
    be read (not gzip though named ``.gz``, a header without ``id`` and ``merge_into_id``, a gzip
    break) is a ``merged_ids_unreadable`` row, and every row that cannot be used (not UTF-8, the
    wrong number of fields, an empty id, an id that is not an OpenAlex id of ``entity``, an id
    merged into itself, a cycle of merges) a ``merged_ids_bad_row`` row naming the file, line and
    what was found; the rows before a gzip break and every good row are kept.

    Without ``quarantine`` any such problem raises :class:`MergedIdsError` naming the file and line
    (merges silently left out would attribute works to ids that no longer exist).
    """
    folder = merged_ids_folder(root, entity)
    if folder is None:
        return {}
    q = quarantine if quarantine is not None else Quarantine()
    before = len(q)
    mapping: dict[str, str] = {}
    origin: dict[str, tuple[str, int]] = {}
    for path in sorted(folder.glob("*.csv*")):
        if not path.name.endswith(".tmp"):
            _read_merged_file(path, _ID_LETTER.get(entity), mapping, origin, q)
    resolved = _follow_chains(mapping, origin, q)
    if quarantine is None and len(q) > before:
        rows = q.frame().iloc[before:]
        shown = "; ".join(f"{r.file} line {r.line}: {r.reason}: {r.detail}" for r in rows.head(3).itertuples())
        more = f" (and {len(rows) - 3} more)" if len(rows) > 3 else ""
        raise MergedIdsError(f"merged ids of {entity} cannot be used: {shown}{more}")
    return resolved


def _read_merged_file(path: Path, letter: str | None, mapping: dict, origin: dict, q: Quarantine) -> None:
    file = str(path)
    try:
        raw = open(path, "rb")
    except OSError as exc:
        q.add(file, 0, "merged_ids_unreadable", f"cannot open: {exc.strerror or exc}")
        return
    with raw:
        is_gzip = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        if path.suffix == ".gz" and not is_gzip:
            q.add(file, 0, "merged_ids_unreadable", f"named .gz but not gzip (starts with {_shown(raw.read(8))}); not read")
            return
        lines = GzipLines(raw) if is_gzip else raw
        columns: list[str] | None = None
        lineno = 0
        try:
            for line in lines:
                lineno += 1
                try:
                    text = line.decode("utf-8").rstrip("\r\n")
                except UnicodeDecodeError as exc:
                    what = f"not UTF-8: byte 0x{line[exc.start]:02x} at column {exc.start + 1}"
                    if columns is None:
                        q.add(file, lineno, "merged_ids_unreadable", f"header {what}; not read")
                        return
                    q.add(file, lineno, "merged_ids_bad_row", what)
                    continue
                if not text.strip():
                    continue
                try:
                    fields = next(csv.reader([text]))
                except csv.Error as exc:
                    fields = None
                    problem = f"not CSV ({exc}): {_shown(text)}"
                if columns is None:
                    header = [f.strip().lstrip("\ufeff") for f in fields] if fields is not None else []
                    if "id" not in header or "merge_into_id" not in header:
                        q.add(
                            file,
                            lineno,
                            "merged_ids_unreadable",
                            f"header is {_shown(text)}, expected {','.join(MERGED_IDS_COLUMNS)}; not read",
                        )
                        return
                    columns = header
                    i_old, i_new = header.index("id"), header.index("merge_into_id")
                    continue
                if fields is None:
                    q.add(file, lineno, "merged_ids_bad_row", problem)
                    continue
                if len(fields) != len(columns):
                    q.add(file, lineno, "merged_ids_bad_row", f"{len(fields)} fields, expected {len(columns)}: {_shown(text)}")
                    continue
                old, new = short_id(fields[i_old].strip()), short_id(fields[i_new].strip())
                problem = _merged_row_problem(old, new, letter)
                if problem:
                    q.add(file, lineno, "merged_ids_bad_row", f"{problem}: {_shown(text)}")
                    continue
                mapping[old] = new
                origin[old] = (file, lineno)
        except OSError as exc:
            q.add(file, 0, "merged_ids_unreadable", f"read error after line {lineno}: {exc.strerror or exc}")
        if columns is None and lineno == 0 and not (is_gzip and lines.breaks):
            q.add(file, 0, "merged_ids_unreadable", "empty file: no header")
        if is_gzip:
            for b in lines.breaks:
                q.add(file, 0, "merged_ids_unreadable", f"{b.reason}: {b.describe()}")


def _merged_row_problem(old: str, new: str, letter: str | None) -> str | None:
    for name, value in (("id", old), ("merge_into_id", new)):
        if not value:
            return f"empty {name}"
        if not _SHORT_ID_RE.fullmatch(value):
            return f"{name} {value!r} is not an OpenAlex id"
        if letter and value[0] != letter:
            return f"{name} {value!r} is not an id of this entity ({letter}...)"
    if old == new:
        return f"{old} is merged into itself"
    return None


def _follow_chains(mapping: dict[str, str], origin: dict[str, tuple[str, int]], q: Quarantine) -> dict[str, str]:
    """Each old id -> the end of its chain of merges; ids on a cycle are reported and left out."""
    resolved: dict[str, str] = {}
    cyclic: set[str] = set()
    for old in mapping:
        path = [old]
        seen = {old}
        target = mapping[old]
        while target in mapping and target not in seen:
            seen.add(target)
            path.append(target)
            target = mapping[target]
        if target in seen:
            cycle = path[path.index(target) :]
            shown = " -> ".join(cycle + [target])
            if target not in cyclic:
                cyclic.update(cycle)
                q.add(*origin[target], "merged_ids_bad_row", f"merge cycle {shown}: these ids are left unmerged")
            if old not in cycle:
                q.add(*origin[old], "merged_ids_bad_row", f"{old} is merged into the merge cycle {shown}: left unmerged")
            continue
        resolved[old] = target
    return resolved


# ---------------------------------------------------------------------------------------------
# gzip parts


@dataclass(frozen=True)
class GzipBreak:
    """One stretch of a gzip file that could not be decoded.

    ``start``-``end`` are the compressed byte offsets lost (for a truncation both are the file's
    size: what is lost lies beyond its end; for a member cut short by a new member, ``end`` is where
    the new member starts). ``error_at`` is where zlib saw the damage (some bytes after it, often). ``lines_before`` lines
    were read before the break; ``dropped_lines`` lines decoded from the lost stretch were not used
    (unverified by the member's checksum), and a line begun before it (``cut_bytes`` bytes) is lost
    with it. ``resumed`` says whether reading went on at a member at ``end``.
    """

    reason: str
    member_start: int
    start: int
    end: int
    resumed: bool
    lines_before: int
    cut_bytes: int
    error: str
    error_at: int
    dropped_lines: int = 0

    def describe(self) -> str:
        read = f"lines 1-{self.lines_before} read before it" if self.lines_before else "no line read before it"
        cut = f", a line cut after {self.cut_bytes} bytes is lost" if self.cut_bytes else ""
        if self.reason == "truncated_gzip":
            where = (
                f"gzip stream ends early (truncated file): the member starting at compressed byte {self.member_start} "
                f"is cut at byte {self.start} (end of file)"
            )
        elif self.error == _CUT_SHORT:
            where = (
                f"gzip member cut short: the member starting at compressed byte {self.member_start} is cut at byte "
                f"{self.end}, where a new member starts (seen at byte {self.error_at}): compressed bytes {self.start}-{self.end} lost"
            )
            if self.dropped_lines:
                where += f", with the {self.dropped_lines} lines decoded from them (no checksum vouches for them, so not used)"
        else:
            where = (
                f"corrupt gzip data ({self.error}, seen at compressed byte {self.error_at}) in the member starting at compressed "
                f"byte {self.member_start}: compressed bytes {self.start}-{self.end} lost"
            )
            if self.error in ("incorrect data check", "incorrect length check"):
                where += " (the member's checksum fails)"
            if self.dropped_lines:
                where += f", with the {self.dropped_lines} lines decoded from them (not verified by the member's checksum, so not used)"
        after = ""
        if self.resumed:
            after = f"; reading resumed at the gzip member at byte {self.end}, whose first line is numbered {self.lines_before + 1}"
        return f"{where}; {read}{cut}{after}"


def _gzip_decoder():
    return zlib.decompressobj(16 + zlib.MAX_WBITS)


def _replay(d, chunk: bytes) -> tuple[bytes, int, str]:
    """Feed ``chunk`` to ``d`` (the decoder's state before a call that failed) in ever smaller
    pieces: the output before the failing byte, that byte's index in ``chunk``, and the error."""
    out: list[bytes] = []
    i, step, error = 0, 4096, "unknown error"
    while i < len(chunk):
        trial = d.copy()
        try:
            produced = trial.decompress(chunk[i : i + step])
        except zlib.error as exc:
            error = str(exc).removeprefix("Error -3 while decompressing data: ")
            if step == 1:
                return b"".join(out), i, error
            step = max(1, step // 64)
            continue
        out.append(produced)
        d = trial
        i += step
    return b"".join(out), len(chunk), error


def _plausible_member(raw, at: int) -> bool:
    """Whether a gzip member starts at byte ``at``: a valid header and data that decodes."""
    raw.seek(at)
    probe = raw.read(_PROBE)
    if len(probe) < 10 or probe[3] & 0xE0 or probe[8] not in (0, 2, 4) or (probe[9] > 13 and probe[9] != 255):
        return False
    try:
        _gzip_decoder().decompress(probe, _PROBE_OUTPUT)
    except zlib.error:
        return False
    return True


class GzipLines:
    """Complete lines (without their newline) of a (possibly multi-member) gzip stream, read in
    chunks so that a stream that breaks midway still gives every line before the break, and every
    line of the intact members after it; ``breaks`` lists what was lost (``broken`` says why the
    first break happened).

    A member's output is held back until the member ends with a good checksum (up to
    ``_HOLD_LIMIT`` bytes: beyond, the oldest output is released unverified), because zlib sees
    damage only some bytes after it and decodes wrong bytes meanwhile, which can look like records.
    When a member breaks, the output held is dropped (counted in the break), except when the file
    merely ends inside it (a truncated download, the common case: nothing before the cut is damaged).

    A member cut short and followed by another (a writer killed mid-member, then appended to) is
    a break the decoder does not see where it happens: it decodes the next member's bytes as the
    cut member's tail. So the bytes each member consumes are searched for a plausible member header
    (``_plausible_member``; rare, and cheap to find); when the member then breaks, its output is
    dropped like any broken member's and reading resumes at that header.
    """

    def __init__(self, raw) -> None:
        self.raw = raw
        self.breaks: list[GzipBreak] = []
        self._pending = b""
        self._lines = 0

    @property
    def broken(self) -> str | None:
        return self.breaks[0].error if self.breaks else None

    def _next_member(self, start: int) -> int | None:
        """The offset of the next plausible gzip member at or after ``start``, if any."""
        raw = self.raw
        if not raw.seekable():
            return None
        offset = start
        while True:
            raw.seek(offset)
            block = raw.read(_SEARCH_BLOCK)
            i = block.find(_GZIP_MAGIC)
            while i >= 0:
                if _plausible_member(raw, offset + i):
                    return offset + i
                i = block.find(_GZIP_MAGIC, i + 1)
            if len(block) < _SEARCH_BLOCK:
                return None
            offset += len(block) - (len(_GZIP_MAGIC) - 1)

    def _header_inside(self, chunk: bytes, base: int, member: int, consumed: int) -> int | None:
        """A plausible member header among the first ``consumed`` bytes of ``chunk`` (at file
        offset ``base``), after the current member's own header at ``member``; the file position is
        left where it was."""
        i = chunk.find(_GZIP_MAGIC, max(0, member + 1 - base), consumed)
        if i < 0 or not self.raw.seekable():
            return None
        here = self.raw.tell()
        try:
            while i >= 0:
                if _plausible_member(self.raw, base + i):
                    return base + i
                i = chunk.find(_GZIP_MAGIC, i + 1, consumed)
            return None
        finally:
            self.raw.seek(here)

    def _break(self, reason: str, member: int, start: int, end: int, resumed: bool, error: str, error_at: int, dropped: int = 0) -> None:
        self.breaks.append(GzipBreak(reason, member, start, end, resumed, self._lines, len(self._pending), error, error_at, dropped))

    def _split(self, data: bytes) -> list[bytes]:
        """The complete lines of ``data`` after the pending partial line; keeps the new partial line."""
        lines = (self._pending + data).split(b"\n")
        self._pending = lines.pop()
        self._lines += len(lines)
        return lines

    def _settle(self, held, keep: int) -> tuple[list[bytes], int, int | None]:
        """Release the first ``keep`` bytes of ``held`` output and drop the rest: (lines released,
        lines dropped, compressed offset of the chunk where the dropped output begins)."""
        kept: list[bytes] = []
        dropped, lost_from = 0, None
        for offset, data in held:
            if keep >= len(data):
                kept.append(data)
                keep -= len(data)
                continue
            kept.append(data[:keep])
            dropped += data.count(b"\n", keep)
            if lost_from is None:
                lost_from = offset
            keep = 0
        held.clear()
        if len(kept) == 1:
            return self._split(kept[0]), dropped, lost_from
        lines: list[bytes] = []
        for data in kept:
            lines += self._split(data)
        return lines, dropped, lost_from

    def __iter__(self) -> Iterator[bytes]:
        raw = self.raw
        pos = raw.tell() if raw.seekable() else 0
        member = pos
        d = _gzip_decoder()
        fed = released = False  # released: output of the current member was let out unverified
        held: deque[tuple[int, bytes]] = deque()  # (compressed offset of the chunk, output) of the current member
        held_size = 0
        suspect: int | None = None  # a plausible member header inside the current member's bytes
        while True:
            chunk = raw.read(_CHUNK)
            if not chunk:
                if not fed:
                    break
                if suspect is None:  # truncated: nothing before the cut is damaged
                    lines, _, _ = self._settle(held, held_size)
                    yield from lines
                    self._break("truncated_gzip", member, pos, pos, False, "gzip stream ends early", pos)
                    return
                lines, dropped, lost_from = self._settle(held, 0)
                yield from lines
                start = (lost_from if lost_from is not None else suspect) if released else member
                self._break("corrupt_gzip", member, start, suspect, True, _CUT_SHORT, pos, dropped)
                raw.seek(suspect)
                pos = member = suspect
                d, fed, released, held_size, suspect, self._pending = _gzip_decoder(), False, False, 0, None, b""
                continue
            base = pos
            pos += len(chunk)
            while chunk:
                fed = True
                before = d.copy()
                try:
                    out = d.decompress(chunk)
                except zlib.error:
                    out, at, error = _replay(before, chunk)
                    error_at = base + at
                    if suspect is None:
                        resume = self._next_member(max(member + 1, base))
                        if resume is not None and resume < error_at:
                            suspect = resume
                    else:
                        resume = suspect
                    if out:
                        held.append((base, out))
                        held_size += len(out)
                    lines, dropped, lost_from = self._settle(held, 0)
                    start = (lost_from if lost_from is not None else error_at) if released else member
                    if suspect is not None:
                        error = _CUT_SHORT
                    yield from lines
                    end = resume if resume is not None else (raw.seek(0, 2) if raw.seekable() else pos)
                    self._break("corrupt_gzip", member, start, end, resume is not None, error, error_at, dropped)
                    if resume is None:
                        return
                    raw.seek(resume)
                    pos = member = resume
                    d, fed, released, held_size, suspect, self._pending = _gzip_decoder(), False, False, 0, None, b""
                    break
                consumed = len(chunk) - len(d.unused_data) if d.eof else len(chunk)
                if out:
                    held.append((base, out))
                    held_size += len(out)
                if suspect is None:
                    suspect = self._header_inside(chunk, base, member, consumed)
                if d.eof:  # the checksum holds: everything decoded from the member is good
                    lines, _, _ = self._settle(held, held_size)
                    yield from lines
                    chunk = d.unused_data
                    base += consumed
                    member = base
                    d, fed, released, held_size, suspect = _gzip_decoder(), False, False, 0, None
                    continue
                while held_size > _HOLD_LIMIT:
                    offset, data = held.popleft()
                    held_size -= len(data)
                    released = True
                    if suspect is not None and offset >= suspect:
                        suspect = None  # decoded on far past the header: a coincidence
                    yield from self._split(data)
                chunk = b""
        if self._pending:
            yield self._pending


def is_gzip(path: Path) -> bool:
    """Whether the file starts with the gzip magic bytes (the test ``iter_lines`` makes on its open file)."""
    with open(path, "rb") as fh:
        return fh.read(2) == GZIP_MAGIC


def iter_lines(path: Path, quarantine: Quarantine) -> Iterator[tuple[int, bytes]]:
    """Yield (1-based line number, raw line) of a gzip or plain JSON Lines file.

    A stretch of a gzip file that cannot be decoded is one quarantine row at line 0
    (``truncated_gzip`` or ``corrupt_gzip``, see :class:`GzipBreak`); the lines before it are kept
    and reading resumes at the next intact gzip member, numbering on from the last line read. A
    file that cannot be opened or read is ``part_unreadable`` (line 0, with the lines read before
    a read error). Rows are added after the last line. Blank lines are skipped (but numbered).
    """
    lineno = 0
    try:
        raw = open(path, "rb")
    except OSError as exc:
        quarantine.add(str(path), 0, "part_unreadable", f"cannot open: {exc.strerror or exc}")
        return
    with raw:
        lines = None
        try:
            gz = raw.read(2) == GZIP_MAGIC
            raw.seek(0)
            lines = GzipLines(raw) if gz else raw
            for line in lines:
                lineno += 1
                if line and not line.isspace():  # the same test as line.strip(), without copying the line
                    yield lineno, line
        except OSError as exc:
            quarantine.add(str(path), 0, "part_unreadable", f"read error after line {lineno}: {exc.strerror or exc}")
        if isinstance(lines, GzipLines):
            for b in lines.breaks:
                quarantine.add(str(path), 0, b.reason, b.describe())


def iter_records(path: Path, quarantine: Quarantine) -> Iterator[tuple[int, dict]]:
    """Yield (line number, decoded object) of every valid line; bad lines are quarantined."""
    for lineno, line in iter_lines(path, quarantine):
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            quarantine.add(str(path), lineno, "malformed_json", str(exc)[:200])
            continue
        if not isinstance(obj, dict):
            quarantine.add(str(path), lineno, "not_an_object", type(obj).__name__)
            continue
        yield lineno, obj
