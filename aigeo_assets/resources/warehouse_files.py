"""Warehouse files on disk: atomic single files, versioned multi-table partitions, leftover clean-up.

Plain filesystem code (no Dagster), used by the IO managers in ``io.py``.

Layout. A table of a single-output asset is one file, ``<asset>/<partition>.parquet`` (or
``<asset>.parquet``), replaced atomically (``write_atomic``). The tables of one step that writes
several (a multi-asset such as ``raw_works``: works, authorships, references, ... and the
quarantine of one year) must change together, so they live in a *version folder* of their
*group*, ``_versions/<op>/<partition>/<version>/<asset>.parquet``; the group's ``current``
symlink names the version readers see, and the usual path ``<asset>/<partition>.parquet`` is a
relative symlink through it (``../_versions/<op>/<partition>/current/<asset>.parquet``). A new
version is written beside the old one under a ``.staging-*`` name, renamed into place, then
``current`` is replaced with ``os.replace``: one atomic step moves every table of the group.
Opening the usual paths in pandas or DuckDB works as before; a reader of several tables that
must not straddle a swap resolves ``current`` once (``resolve_tables``).

Clean-up (``sweep``): ``.<name>.<pid>.tmp`` files of ``write_atomic`` and ``.staging-<pid>-*``
folders whose writer is gone (no such process, or a process started after the file was last
written: the pid was reused) are removed; so are versions superseded more than ``keep_superseded``
seconds ago, so that a reader that resolved ``current`` just before a swap can still open the
files of the version it picked. A live writer's files are never touched.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

VERSIONS_DIR = "_versions"
CURRENT = "current"
UNPARTITIONED = "_unpartitioned"
STALE_AFTER_SECONDS = 24 * 3600.0

_TMP_FILE = re.compile(r"^\..+\.(?P<pid>\d+)\.tmp$")
_STAGING = re.compile(r"^\.staging-(?P<pid>\d+)-")
_VERSION = re.compile(r"^\d{8}T\d{6}\.\d{6}Z-")


def write_atomic(path: Path, write: Callable[[Path], object]) -> None:
    """``write(tmp)`` to a temporary file beside ``path``, then rename: readers never see half a file.

    The temporary name, ``.<name>.<pid>.tmp``, carries the writer's pid so that ``sweep`` can tell a
    file left by a killed writer from one a live writer is still filling."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.lexists(tmp):
            tmp.unlink()


def table_file_name(asset_path: Iterable[str], suffix: str) -> Path:
    """Where a table sits inside a version folder: its asset key path, with the suffix."""
    parts = list(asset_path)
    return Path(*parts[:-1], parts[-1] + suffix)


def group_dir(base_dir: Path, op_name: str, partition: str | None) -> Path:
    """The folder holding the versions of one step's tables for one partition."""
    return base_dir / VERSIONS_DIR / op_name / (partition if partition is not None else UNPARTITIONED)


def staging_dir(group: Path, run_id: str, attempt: int) -> Path:
    """Where one attempt of one run stages the group's tables (pid first, for ``sweep``)."""
    return group / f".staging-{os.getpid()}-{run_id}-{attempt}"


def staged_names(staging: Path) -> set[str]:
    """Relative paths of the tables already staged (files written whole; temporaries excluded)."""
    if not staging.is_dir():
        return set()
    return {
        p.relative_to(staging).as_posix()
        for p in staging.rglob("*")
        if not p.is_dir() and not _TMP_FILE.match(p.name)
    }


def current_version(group: Path) -> Path | None:
    """The version folder ``current`` names, or None before the first publish."""
    try:
        return group / os.readlink(group / CURRENT)
    except (FileNotFoundError, OSError):
        return None


@dataclass
class Link:
    """A user-facing path (``<asset>/<partition>.parquet``) and the table file it shows."""

    path: Path
    table: str  # relative path inside a version folder

    def target(self, group: Path) -> str:
        return os.path.relpath(group / CURRENT / self.table, self.path.parent)


def _replace_symlink(path: Path, target: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_symlink() and os.readlink(path) == target:
        return
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    if os.path.lexists(tmp):
        tmp.unlink()
    os.symlink(target, tmp)
    os.replace(tmp, path)


def _new_version_name(run_id: str) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
    return f"{stamp}-{run_id[:8]}"


def link_or_copy(src: Path, dst: Path) -> None:
    """``dst`` as a hard link to ``src`` where the file system allows it, else a copy (folders made)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _adopt_legacy_files(group: Path, links: list[Link]) -> None:
    """First publish over a warehouse written before versioned groups: the group's tables are
    plain files at the user paths. They become a first version (hard links, no copy) and
    ``current`` is set to it before any user path turns into a symlink, so a reader sees the old
    tables until the swap to the new ones."""
    legacy = [link for link in links if link.path.is_file() and not link.path.is_symlink()]
    if not legacy:
        return
    staging = group / f".staging-{os.getpid()}-legacy-0"
    if staging.exists():
        shutil.rmtree(staging)
    for link in legacy:
        link_or_copy(link.path, staging / link.table)
    version = group / _new_version_name("legacy0")
    os.rename(staging, version)
    _swap_current(group, version)
    for link in links:
        _replace_symlink(link.path, link.target(group))


def _swap_current(group: Path, version: Path) -> None:
    old = current_version(group)
    if old is not None and old.exists():
        os.utime(old)  # superseded from now on: ``keep_superseded`` counts from here
    tmp = group / f".{CURRENT}.{os.getpid()}.tmp"
    if os.path.lexists(tmp):
        tmp.unlink()
    os.symlink(version.name, tmp)
    os.replace(tmp, group / CURRENT)


def publish(group: Path, staging: Path, links: list[Link], run_id: str) -> Path:
    """Make the staged tables the group's current version, all at once; returns the version folder.

    Tables of the group not staged (outputs not selected in this run, or ``None``) are carried
    over from the previous version, so every version holds the whole group."""
    group.mkdir(parents=True, exist_ok=True)
    if current_version(group) is None:
        _adopt_legacy_files(group, links)
    previous = current_version(group)
    staged = staged_names(staging)
    if previous is not None:
        for link in links:
            if link.table not in staged and (previous / link.table).exists():
                link_or_copy(previous / link.table, staging / link.table)
    staging.mkdir(parents=True, exist_ok=True)
    os.utime(staging)
    version = group / _new_version_name(run_id)
    os.rename(staging, version)
    for link in links:
        _replace_symlink(link.path, link.target(group))
    _swap_current(group, version)
    return version


def resolve_table(path: Path, pinned: dict[Path, Path] | None = None) -> Path:
    """The file a user-facing table path stands for now: itself if it is a plain file (a
    single-output table, or a warehouse from before versioned groups), else the file in the
    version its group's ``current`` names. ``pinned`` maps group folders to the version already
    chosen, so several tables of one group read through the same dict come from one version."""
    if not path.is_symlink():
        return path
    target = Path(os.readlink(path))
    parts = target.parts
    if CURRENT not in parts:
        return path
    i = len(parts) - 1 - parts[::-1].index(CURRENT)
    group = Path(os.path.normpath(path.parent / Path(*parts[:i])))
    table = Path(*parts[i + 1 :])
    pins = pinned if pinned is not None else {}
    version = pins.get(group)
    if version is None or not version.exists():
        version = current_version(group)
        if version is None:
            return path
        pins[group] = version
    return version / table


def resolve_tables(paths: Mapping[str, Path]) -> dict[str, Path]:
    """Several user-facing table paths resolved together: tables of one group come from one version."""
    pinned: dict[Path, Path] = {}
    return {name: resolve_table(p, pinned) for name, p in paths.items()}


def proc_stat_fields(pid: int, proc: Path = Path("/proc")) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name (state first, start time in clock
    ticks since boot at index 19); None if there is no such process (or no ``/proc``). The command
    name is cut at its last ``)``: it may hold spaces and parentheses."""
    try:
        text = (proc / str(pid) / "stat").read_text()
    except OSError:
        return None
    if ")" not in text:
        return None
    return text.rsplit(")", 1)[1].split()


def pid_exists(pid: int) -> bool:
    """Whether a process ``pid`` exists (signal 0: another user's process exists too; a zombie not yet
    reaped does as well, which ``proc_stat_fields`` tells apart)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:
        return True
    return True


def process_start_time(pid: int) -> float | None:
    """When process ``pid`` started (epoch seconds), from ``/proc``; None where unknown."""
    fields = proc_stat_fields(pid)
    try:
        ticks = int(fields[19])
        boot = next(
            float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines() if line.startswith("btime ")
        )
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (TypeError, OSError, ValueError, IndexError, StopIteration):
        return None


def writer_gone(pid: int, written_at: float, now: float, stale_after: float = STALE_AFTER_SECONDS) -> bool:
    """Whether the process that wrote a leftover (``pid``, last written at ``written_at``) is gone:
    no such process, or the process holding the pid started after the write (pid reused). Where
    the start time is unknown, a leftover older than ``stale_after`` counts as abandoned."""
    if pid == os.getpid():
        return False
    if pid <= 0:
        return now - written_at > stale_after
    if not pid_exists(pid):
        return True
    started = process_start_time(pid)
    if started is not None:
        return started > written_at + 1.0
    return now - written_at > stale_after


@dataclass
class SweepReport:
    """What ``sweep`` removed (paths relative to the warehouse) and what it kept for live writers."""

    temp_files: list[str] = field(default_factory=list)
    staging: list[str] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)
    kept_live: list[str] = field(default_factory=list)

    def removed(self) -> int:
        return len(self.temp_files) + len(self.staging) + len(self.superseded)


def _mtime(path: Path) -> float | None:
    try:
        return path.lstat().st_mtime
    except FileNotFoundError:
        return None


def _remove(path: Path) -> bool:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
        return True
    except FileNotFoundError:
        return False


def sweep_group(group: Path, base_dir: Path, report: SweepReport, now: float, keep_superseded: float) -> None:
    """Remove a group's abandoned staging folders and its versions superseded long enough ago."""
    current = current_version(group)
    for entry in group.iterdir():
        written = _mtime(entry)
        if written is None:
            continue
        rel = entry.relative_to(base_dir).as_posix()
        staging = _STAGING.match(entry.name)
        if staging:
            if writer_gone(int(staging["pid"]), written, now):
                if _remove(entry):
                    report.staging.append(rel)
            else:
                report.kept_live.append(rel)
        elif _VERSION.match(entry.name) and entry.is_dir() and entry != current:
            if now - written > keep_superseded and _remove(entry):
                report.superseded.append(rel)


def sweep(base_dir: Path, keep_superseded: float, now: float | None = None) -> SweepReport:
    """Clean what killed writers left in the warehouse: ``write_atomic`` temporaries (in the asset
    folders and ``_versions``), abandoned staging folders, superseded versions. Other folders whose
    name starts with ``_`` are caches with their own rules (the part-extract and PubMed parse caches):
    only their own top-level ``.<name>.<pid>.tmp`` entries (a split or a parsed file being built)
    are looked at, nothing inside them."""
    now = time.time() if now is None else now
    report = SweepReport()
    if not base_dir.is_dir():
        return report
    for root, dirs, files in os.walk(base_dir):
        here = Path(root)
        if here == base_dir:
            caches = [d for d in dirs if d.startswith("_") and d != VERSIONS_DIR]
            dirs[:] = [d for d in dirs if not d.startswith("_") or d == VERSIONS_DIR]
            for cache in caches:
                for entry in os.scandir(here / cache):
                    m = _TMP_FILE.match(entry.name)
                    written = _mtime(Path(entry.path)) if m else None
                    if written is None:
                        continue
                    rel = Path(entry.path).relative_to(base_dir).as_posix()
                    if writer_gone(int(m["pid"]), written, now):
                        if _remove(Path(entry.path)):
                            report.temp_files.append(rel)
                    else:
                        report.kept_live.append(rel)
        candidates = files + [d for d in dirs if _TMP_FILE.match(d)]
        if os.path.lexists(here / CURRENT) or any(_STAGING.match(d) or _VERSION.match(d) for d in dirs):
            sweep_group(here, base_dir, report, now, keep_superseded)
            dirs[:] = []
        for name in candidates:
            m = _TMP_FILE.match(name)
            if not m:
                continue
            entry = here / name
            written = _mtime(entry)
            if written is None:
                continue
            if writer_gone(int(m["pid"]), written, now):
                if _remove(entry):
                    report.temp_files.append(entry.relative_to(base_dir).as_posix())
            else:
                report.kept_live.append(entry.relative_to(base_dir).as_posix())
    return report


# Object storage ----------------------------------------------------------------------------------
# A warehouse named by a URL (``s3://bucket/aigeo``, ``gs://...``, ``memory://...``, ``file:///...``)
# is read and written through fsspec (universal_pathlib's ``UPath``), so that workers on different
# machines share it. Object stores have neither symlinks nor renames, so a group of tables is
# published differently: each version is written in place under
# ``_versions/<op>/<partition>/<version>/`` (readers do not look there until it is named), then one
# PUT of the small pointer object ``_versions/<op>/<partition>/CURRENT`` (the version's name) moves
# every table of the group at once: a single object is replaced whole, and S3 and GCS read their
# own writes. The usual paths ``<asset>/<partition>.parquet`` are then refreshed with copies of the
# new version's tables (one whole object each), for readers that open them directly (pandas,
# DuckDB); a reader of several tables that must come from one version resolves them through the
# pointer (``resolve_object_table``), finding the group of a table from the small object
# ``_versions/_groups/<asset>`` (the name of the op that writes it), written on publish. Superseded versions are deleted once their name is older than
# ``STALE_AFTER_SECONDS``, keeping the current one and the one before it.

POINTER = "CURRENT"
GROUPS = "_groups"
_LOCAL_PROTOCOLS = ("file", "local", "")


def is_url(base: object) -> bool:
    """Whether a warehouse location is a URL read through fsspec rather than a local folder."""
    return isinstance(base, str) and "://" in base


def warehouse_root(base: str | os.PathLike):
    """The warehouse location as a path object: ``UPath`` for a URL, ``Path`` for a local folder."""
    if is_url(base):
        from upath import UPath

        return UPath(base)
    return Path(base)


def write_object_atomic(path, write: Callable[[object], object]) -> None:
    """``write(file)`` to the object ``path`` (a ``UPath``) so that readers never see half of it.

    An object store (s3, gs, az, memory) makes an upload visible only when it is committed and
    replaces an object whole: the object is written in place inside one of fsspec's transactions,
    committed once ``write`` returns and discarded if it raises (closing a file on an error would
    commit what was written so far: half a table). A ``file://`` URL is written under a temporary
    name beside it (``.<name>.<pid>.tmp``, as ``write_atomic``) and renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.protocol not in _LOCAL_PROTOCOLS:
        with path.fs.transaction, path.fs.open(path.path, "wb") as fh:
            write(fh)
        return
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as fh:
            write(fh)
        path.fs.mv(tmp.path, path.path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _copy_object(src, dst) -> None:
    if dst.protocol in _LOCAL_PROTOCOLS:
        write_object_atomic(dst, lambda fh: fh.write(src.read_bytes()))
    else:
        dst.parent.mkdir(parents=True, exist_ok=True)
        src.fs.copy(src.path, dst.path)  # server-side on S3/GCS; the copy appears whole


def current_object_version(group):
    """The version folder the group's ``CURRENT`` pointer names, or None before the first publish."""
    try:
        name = (group / POINTER).read_text().strip()
    except FileNotFoundError:
        return None
    return group / name if name else None


def new_version_name(run_id: str) -> str:
    """A version folder's name: UTC time, then the run (sorts by age; ``sweep`` reads the time)."""
    return _new_version_name(run_id)


def group_locator(base, table: str):
    """The object naming the op whose group holds ``table`` (a table path inside a version folder)."""
    return base / VERSIONS_DIR / GROUPS / table


def publish_objects(group, version, links: list[Link]):
    """Make ``version`` (its staged tables already written in it) the group's current version on
    object storage; returns it. Tables of the group not written in it are first copied from the
    previous version, so every version holds the whole group; then the pointer is replaced (the
    one atomic step); then the user-facing copies are refreshed."""
    previous = current_object_version(group)
    for link in links:
        target = version / link.table
        if not target.exists() and previous is not None and (previous / link.table).exists():
            _copy_object(previous / link.table, target)
    base, op = group.parent.parent.parent, group.parent.name
    for link in links:
        locator = group_locator(base, link.table)
        if not locator.exists() or locator.read_text() != op:
            write_object_atomic(locator, lambda fh: fh.write(op.encode()))
    write_object_atomic(group / POINTER, lambda fh: fh.write(version.name.encode()))
    for link in links:
        if (version / link.table).exists():
            _copy_object(version / link.table, link.path)
    sweep_object_group(group, keep={version.name, previous.name if previous is not None else ""})
    return version


def _version_time(name: str) -> float | None:
    try:
        return datetime.strptime(name.split("-", 1)[0], "%Y%m%dT%H%M%S.%fZ").replace(tzinfo=timezone.utc).timestamp()
    except ValueError:
        return None


def sweep_object_group(group, keep: set[str], now: float | None = None, stale_after: float = STALE_AFTER_SECONDS) -> list[str]:
    """Delete the group's versions (on object storage) whose name is older than ``stale_after``,
    except those in ``keep`` (the current one and the one before it). No process ids exist to tell a
    live writer's unpublished version from an abandoned one: age is the only test, so a step must
    not run longer than ``stale_after``. Returns the names deleted."""
    now = time.time() if now is None else now
    removed = []
    if not group.exists():
        return removed
    for entry in group.iterdir():
        if entry.name in keep or not _VERSION.match(entry.name):
            continue
        made = _version_time(entry.name)
        if made is not None and now - made > stale_after:
            entry.fs.rm(entry.path, recursive=True)
            removed.append(entry.name)
    return removed


def resolve_object_table(path, group, table: str, pinned: dict | None = None):
    """The object a user-facing table path of a group stands for now: the table in the version the
    group's pointer names (pinned in ``pinned`` on first use, so several tables of one group read
    through the same dict come from one version), else ``path`` itself."""
    pins = pinned if pinned is not None else {}
    key = str(group)
    version = pins.get(key)
    if version is None or not version.exists():
        version = current_object_version(group)
        if version is None or not (version / table).exists():
            return path
        pins[key] = version
    return version / table
