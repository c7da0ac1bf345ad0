"""Reading an OpenAlex snapshot directory: file discovery, merged ids, and JSON Lines with quarantine.

OpenAlex has shipped several layouts (conventions.md):

* ``<root>/data/<entity>/updated_date=YYYY-MM-DD/part_NNN.gz`` (the classic S3 layout),
* ``<root>/data/jsonl/<entity>/...`` (newer snapshots),
* ``<root>/<entity>/...`` when the user points at the ``data`` folder itself,

each with a ``manifest`` listing ``entries[].url`` (newer: ``files[].url``). When a manifest exists
it is authoritative: its parts are read in manifest order, a listed part that is missing on disk is
quarantined (``manifest_part_missing``), and a part on disk that the manifest does not list is read
too (reported as ``part_not_in_manifest``) so nothing a user gave us is lost. Part files may be
gzipped or plain. Only the entity folders that are asked for are touched.
"""

from __future__ import annotations

import csv
import gzip
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from aigeo_assets.ingest.quarantine import Quarantine

_PART_RE = re.compile(r"part_[^/]*$")


class SnapshotLayoutError(FileNotFoundError):
    """The directory is not an OpenAlex snapshot (no folder for the requested entity)."""


def short_id(value: str | None) -> str | None:
    """``https://openalex.org/W123`` -> ``W123``; other strings are returned unchanged."""
    if value is None:
        return None
    i = value.rfind("/")
    return value[i + 1 :] if i >= 0 else value


@dataclass
class EntityFiles:
    """The part files of one entity, in reading order, and what was odd about them."""

    entity: str
    folder: Path
    parts: list[Path]
    manifest: Path | None
    missing: list[str] = field(default_factory=list)
    unlisted: list[Path] = field(default_factory=list)


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


def _manifest_urls(manifest: Path) -> list[str]:
    doc = orjson.loads(manifest.read_bytes())
    items = doc.get("entries") or doc.get("files") or []
    return [item["url"] if isinstance(item, dict) else str(item) for item in items]


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
    on_disk = sorted(p for p in folder.glob("updated_date=*/part_*") if p.is_file() and not p.name.endswith(".tmp"))
    manifest = folder / "manifest"
    if not manifest.is_file():
        return EntityFiles(entity, folder, on_disk, None)
    listed: list[Path] = []
    missing: list[str] = []
    for url in _manifest_urls(manifest):
        part = _local_part(folder, url)
        if part.is_file():
            listed.append(part)
        else:
            missing.append(url)
    seen = set(listed)
    unlisted = [p for p in on_disk if p not in seen]
    return EntityFiles(entity, folder, listed + unlisted, manifest, missing, unlisted)


def read_merged_ids(root: Path, entity: str) -> dict[str, str]:
    """``merged_ids/<entity>/*.csv.gz`` as {old short id: surviving short id}, chains followed."""
    folder = None
    for candidate in (Path(root) / "data" / "merged_ids" / entity, Path(root) / "merged_ids" / entity):
        if candidate.is_dir():
            folder = candidate
            break
    if folder is None:
        return {}
    mapping: dict[str, str] = {}
    for path in sorted(folder.glob("*.csv*")):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", newline="") as fh:
            for row in csv.DictReader(fh):
                old, new = short_id(row.get("id")), short_id(row.get("merge_into_id"))
                if old and new:
                    mapping[old] = new
    for old in list(mapping):
        seen = {old}
        target = mapping[old]
        while target in mapping and target not in seen:
            seen.add(target)
            target = mapping[target]
        mapping[old] = target
    return mapping


class _GzipLines:
    """Complete lines of a (possibly multi-member) gzip stream, read in chunks so that a stream that
    breaks midway still gives every line before the break; ``broken`` then says why."""

    def __init__(self, raw) -> None:
        self.raw = raw
        self.broken: str | None = None

    def __iter__(self) -> Iterator[bytes]:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        fed = False
        pending = b""
        while True:
            chunk = self.raw.read(1 << 18)
            if not chunk:
                break
            while chunk:
                fed = True
                try:
                    out = d.decompress(chunk)
                except zlib.error as exc:
                    self.broken = f"corrupt gzip data: {exc}"
                    return
                if d.eof:
                    chunk, d, fed = d.unused_data, zlib.decompressobj(16 + zlib.MAX_WBITS), False
                else:
                    chunk = b""
                if out:
                    lines = (pending + out).split(b"\n")
                    pending = lines.pop()
                    yield from lines
        if fed and not d.eof:
            self.broken = "gzip stream ends early (truncated file)"
            return
        if pending:
            yield pending


def iter_lines(path: Path, quarantine: Quarantine) -> Iterator[tuple[int, bytes]]:
    """Yield (1-based line number, raw line) of a gzip or plain JSON Lines file.

    A truncated or corrupt gzip stream stops the file where it breaks: every complete line before
    the break is kept, and the break is quarantined with reason ``truncated_gzip`` (line 0: it
    concerns the file's tail, not one line). Blank lines are skipped.
    """
    lineno = 0
    with open(path, "rb") as raw:
        is_gzip = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        lines = _GzipLines(raw) if is_gzip else raw
        for line in lines:
            lineno += 1
            if line and not line.isspace():  # the same test as line.strip(), without copying the line
                yield lineno, line
        if is_gzip and lines.broken:
            quarantine.add(str(path), 0, "truncated_gzip", f"{lines.broken}; lines 1-{lineno} were read")


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
