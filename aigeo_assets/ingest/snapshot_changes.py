"""Which publication years of an OpenAlex snapshot changed: the planner behind ``snapshot_update_sensor``.

Pure functions and values, no Dagster (the sensor in ``aigeo_assets.automation.sensors`` only wraps
``plan_refresh`` and stores its cursor).

What counts as a change, per ``updated_date=`` folder of the works: a new folder, a folder whose
parts changed (name, size or mtime of a part: what makes the ingest's split cache re-split a part),
and a folder that disappeared. The manifest matters where it changes what the ingest reads: a folder
the manifest lists parts for that are not on disk yet is a download in progress (``aws s3 sync``
fetches ``works/manifest`` before the ``updated_date=`` folders); it waits, not requested and not
recorded, until the parts arrive. (Listing parts that exist changes nothing: the ingest reads
unlisted parts too.) A change of ``merged_ids/`` (works, institutions or authors) concerns every year.

Which years: the ingest attributes a line to the year its decoded record gives
(``aigeo_assets.ingest.work_record.year_of_line``, also used by the split cache); the planner reads
the changed folders' lines with the same function, so it names exactly the years whose yearly scan
reads them (it decodes ``publication_year`` alone, not the whole record). The years a folder held are
kept in the cursor, so a changed or removed folder also names the years its works left (a work whose
``publication_year`` was corrected). The read is bounded: when the changed parts exceed
``max_scan_bytes`` (compressed) in one call, they are not read and every year of the partitions is
named (what a monthly OpenAlex release touches anyway). Lines without a readable year are counted,
not named: every yearly scan only quarantines them. Years outside the partitions are reported
(``RefreshPlan.outside``).

The first call (no cursor) records the snapshot as it is and names nothing: what exists when the
sensor is switched on is what ``make demo`` or a backfill materializes. The cursor is JSON:
``{"version": 1, "folders": {name: {"fingerprint": ..., "years": "2015..2017,2019" | null}},
"merged_ids": ...}`` (``null`` years: not read, every year). ``RefreshPlan.change_digest`` names the
change, so a caller can key its requests on it (the sensor's ``run_key`` is the year and the digest).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from aigeo_assets.ingest.quarantine import Quarantine
from aigeo_assets.ingest.snapshot import iter_lines, list_entity_files, merged_ids_folder
from aigeo_assets.ingest.work_record import year_of_line
from aigeo_assets.resources.settings import Settings

DEFAULT_MAX_SCAN_BYTES = 128 << 20
"""Compressed bytes of changed parts read per call: about 5 s (the reading goes at ~30 MB/s of gzip
parts), well inside Dagster's 60 s sensor timeout."""
CURSOR_VERSION = 1
_FOLDER_RE = re.compile(r"(updated_date=[^/]+)/[^/]*$")
_ROOT_FOLDER = "."
"""Parts lying directly in the works folder (no ``updated_date=``)."""


# ---------------------------------------------------------------------------------------------
# the snapshot, folder by folder


@dataclass(frozen=True)
class FolderState:
    """One ``updated_date=`` folder of the works, as it is on disk now."""

    name: str
    parts: tuple[Path, ...]
    size: int
    """Bytes of its parts on disk (compressed)."""
    fingerprint: str
    waiting_for: tuple[str, ...] = ()
    """Manifest urls of parts in this folder that are not on disk (yet)."""

    @property
    def complete(self) -> bool:
        return not self.waiting_for


def snapshot_root(settings: Settings) -> Path | None:
    """The snapshot directory the ingest reads, without generating anything; None for the API
    source (its works are downloaded by the assets themselves: nothing to watch)."""
    if settings.source == "snapshot":
        return Path(settings.snapshot_dir) if settings.snapshot_dir else None
    if settings.source == "sample":
        return settings.sources_dir / f"sample-{settings.sample_scale}-{settings.sample_seed}"
    return None


def _folder_of(part: Path, works: Path) -> str:
    return part.parent.name if part.parent != works else _ROOT_FOLDER


def _digest(items: Iterable[str]) -> str:
    h = hashlib.sha1()
    for item in items:
        h.update(item.encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


def _stat_key(path: Path) -> str:
    st = path.stat()
    return f"{path.name}:{st.st_size}:{st.st_mtime_ns}"


def scan_works_folders(root: Path) -> dict[str, FolderState]:
    """Every ``updated_date=`` folder of the snapshot's works (any layout ``list_entity_files``
    reads), with a fingerprint of its parts (name, size, mtime) and of the parts the manifest lists
    in it that are missing on disk. The parts the ingest reads do not depend on the manifest
    otherwise (it reads unlisted parts too), so listing parts that exist changes nothing."""
    files = list_entity_files(Path(root), "works")
    parts: dict[str, list[Path]] = {}
    for part in files.parts:
        parts.setdefault(_folder_of(part, files.folder), []).append(part)
    missing: dict[str, list[str]] = {}
    for url in files.missing:
        m = _FOLDER_RE.search(url)
        missing.setdefault(m.group(1) if m else _ROOT_FOLDER, []).append(url)
    out: dict[str, FolderState] = {}
    for name in sorted(set(parts) | set(missing)):
        ps = tuple(sorted(parts.get(name, [])))
        waiting = tuple(sorted(missing.get(name, [])))
        out[name] = FolderState(
            name=name,
            parts=ps,
            size=sum(p.stat().st_size for p in ps),
            fingerprint=_digest([*sorted(_stat_key(p) for p in ps), *(f"missing:{u}" for u in waiting)]),
            waiting_for=waiting,
        )
    return out


def merged_ids_fingerprint(root: Path) -> str | None:
    """A fingerprint of ``merged_ids/{works,institutions,authors}`` (None when there are none)."""
    keys = []
    for entity in ("works", "institutions", "authors"):
        folder = merged_ids_folder(root, entity)
        if folder is not None:
            keys += [f"{entity}/{_stat_key(p)}" for p in sorted(folder.glob("*.csv*")) if p.is_file()]
    return _digest(keys) if keys else None


@dataclass(frozen=True)
class YearScan:
    """The publication years the ingest would attribute the lines of some parts to."""

    years: frozenset[int]
    lines: int
    without_year: int


def years_of_parts(parts: Iterable[Path]) -> YearScan:
    """Read the parts' lines (gzip or plain) and find each line's ``publication_year`` with the
    ingest's own rule (``year_of_line``): the years whose yearly scan reads these lines. A truncated part gives
    the years of the lines before the break."""
    years: set[int] = set()
    lines = without = 0
    q = Quarantine()
    for part in parts:
        for _, line in iter_lines(part, q):
            lines += 1
            year = year_of_line(line)
            if year.__class__ is int:
                years.add(year)  # type: ignore[arg-type]
            else:
                without += 1
    return YearScan(frozenset(years), lines, without)


# ---------------------------------------------------------------------------------------------
# the cursor


def format_years(years: Iterable[int] | None) -> str | None:
    """{2015, 2016, 2017, 2019} -> ``"2015..2017,2019"``; None stays None (unknown: every year)."""
    if years is None:
        return None
    out: list[str] = []
    run: list[int] = []
    for y in sorted(set(years)):
        if run and y == run[-1] + 1:
            run.append(y)
            continue
        if run:
            out.append(f"{run[0]}..{run[-1]}" if len(run) > 1 else str(run[0]))
        run = [y]
    if run:
        out.append(f"{run[0]}..{run[-1]}" if len(run) > 1 else str(run[0]))
    return ",".join(out)


def parse_years(text: str | None) -> frozenset[int] | None:
    if text is None:
        return None
    years: set[int] = set()
    for piece in filter(None, text.split(",")):
        lo, sep, hi = piece.partition("..")
        years.update(range(int(lo), int(hi) + 1) if sep else [int(lo)])
    return frozenset(years)


@dataclass(frozen=True)
class FolderRecord:
    """What the sensor last acted on for one folder: its fingerprint and the years it held
    (None: not read, so any year)."""

    fingerprint: str
    years: frozenset[int] | None


@dataclass(frozen=True)
class SnapshotCursor:
    folders: Mapping[str, FolderRecord] = field(default_factory=dict)
    merged_ids: str | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": CURSOR_VERSION,
                "folders": {
                    name: {"fingerprint": r.fingerprint, "years": format_years(r.years)}
                    for name, r in sorted(self.folders.items())
                },
                "merged_ids": self.merged_ids,
            },
            sort_keys=True,
        )

    @staticmethod
    def from_json(text: str | None) -> SnapshotCursor | None:
        """The cursor, or None when there is none yet (the first tick)."""
        if not text:
            return None
        doc = json.loads(text)
        if not isinstance(doc, dict) or doc.get("version") != CURSOR_VERSION:
            raise ValueError(f"not a snapshot-change cursor (version {CURSOR_VERSION}): {text[:200]!r}")
        folders = {
            name: FolderRecord(rec["fingerprint"], parse_years(rec.get("years")))
            for name, rec in (doc.get("folders") or {}).items()
        }
        return SnapshotCursor(folders, doc.get("merged_ids"))


# ---------------------------------------------------------------------------------------------
# one call, planned


@dataclass(frozen=True)
class FolderDiff:
    new: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    waiting: tuple[str, ...]
    """New or changed folders with manifest parts still missing on disk: left for a later tick."""

    @property
    def ready(self) -> tuple[str, ...]:
        return tuple(sorted(self.new + self.changed))


def diff_folders(seen: Mapping[str, FolderRecord], current: Mapping[str, FolderState]) -> FolderDiff:
    """Folders that are new, changed (fingerprint) or gone since ``seen``; incomplete ones wait."""
    new, changed, waiting = [], [], []
    for name, state in sorted(current.items()):
        rec = seen.get(name)
        if rec is not None and rec.fingerprint == state.fingerprint:
            continue
        if not state.complete:
            waiting.append(name)
        elif rec is None:
            new.append(name)
        else:
            changed.append(name)
    removed = sorted(set(seen) - set(current))
    return FolderDiff(tuple(new), tuple(changed), tuple(removed), tuple(waiting))


@dataclass(frozen=True)
class RefreshPlan:
    """What one tick requests and the cursor it leaves."""

    years: tuple[int, ...]
    """The partitions to refresh, ascending, within the configured years."""
    cursor: SnapshotCursor
    diff: FolderDiff
    baseline: bool = False
    every_year_because: str | None = None
    outside: tuple[int, ...] = ()
    """Years of changed works that are not partitions."""
    lines_read: int = 0
    bytes_read: int = 0
    without_year: int = 0
    change_digest: str = ""

    def message(self) -> str:
        d = self.diff
        bits = []
        if self.baseline:
            bits.append(f"first tick: recorded {len(self.cursor.folders)} folders, nothing requested")
        for label, names in (("new", d.new), ("changed", d.changed), ("removed", d.removed)):
            if names and not self.baseline:
                bits.append(f"{label}: {', '.join(names)}")
        if d.waiting:
            bits.append(f"waiting for parts the manifest lists: {', '.join(d.waiting)}")
        if self.every_year_because:
            bits.append(f"every year ({self.every_year_because})")
        if self.lines_read:
            bits.append(f"read {self.lines_read} lines ({self.bytes_read} bytes)")
        if self.without_year:
            bits.append(f"{self.without_year} lines without a publication_year (quarantined by every yearly scan)")
        if self.outside:
            bits.append(f"works of years outside the partitions: {format_years(self.outside)}")
        if not self.years and not self.baseline:
            bits.append("no yearly partition to refresh")
        return "; ".join(bits) or "no change"


def plan_refresh(
    root: Path,
    cursor: SnapshotCursor | None,
    first_year: int,
    last_year: int,
    max_scan_bytes: int = DEFAULT_MAX_SCAN_BYTES,
) -> RefreshPlan:
    """Compare the snapshot with ``cursor``: the yearly partitions to refresh and the next cursor.

    ``cursor=None`` (the first tick) records the snapshot and requests nothing.
    """
    current = scan_works_folders(root)
    merged = merged_ids_fingerprint(root)
    seen = cursor.folders if cursor is not None else {}
    diff = diff_folders(seen, current)
    ready = diff.ready
    to_read = [current[n] for n in ready]
    total = sum(s.size for s in to_read)
    every_year_because = None
    scans: dict[str, YearScan | None] = {}
    lines = without = read_bytes = 0
    if total > max_scan_bytes:
        scans = {s.name: None for s in to_read}
        every_year_because = f"{total} bytes of changed parts exceed the {max_scan_bytes} a tick reads"
    else:
        for s in to_read:
            scans[s.name] = scan = years_of_parts(s.parts)
            lines += scan.lines
            without += scan.without_year
            read_bytes += s.size
    folders = dict(seen)
    for name in diff.removed:
        del folders[name]
    for s in to_read:
        scan = scans[s.name]
        folders[s.name] = FolderRecord(s.fingerprint, None if scan is None else scan.years)
    next_cursor = SnapshotCursor(folders, merged)
    if cursor is None:
        return RefreshPlan((), next_cursor, diff, baseline=True, lines_read=lines, bytes_read=read_bytes)

    affected: set[int] = set()
    unknown = False
    for name in (*diff.changed, *diff.removed):  # the years the folder's works held before
        old = seen[name].years
        if old is None:
            unknown = True
        else:
            affected |= old
    for name in ready:
        scan = scans[name]
        if scan is None:
            unknown = True
        else:
            affected |= scan.years
    if unknown and every_year_because is None:
        every_year_because = "a changed or removed folder was never read"
    if merged != cursor.merged_ids:
        unknown = True
        every_year_because = "merged_ids changed: merges apply to every year"
    partitions = set(range(first_year, last_year + 1))
    years = partitions if unknown else affected & partitions
    changes = [f"{n}={current[n].fingerprint}" for n in ready] + [f"{n}=removed" for n in diff.removed]
    if merged != cursor.merged_ids:
        changes.append(f"merged_ids={merged}")
    return RefreshPlan(
        years=tuple(sorted(years)),
        cursor=next_cursor,
        diff=diff,
        every_year_because=every_year_because,
        outside=tuple(sorted(affected - partitions)),
        lines_read=lines,
        bytes_read=read_bytes,
        without_year=without,
        change_digest=_digest(changes) if changes else "",
    )
