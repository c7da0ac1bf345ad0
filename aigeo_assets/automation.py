"""Automation: the sensor that follows an OpenAlex snapshot, and the condition that follows new years.

**``snapshot_update_sensor``** (``build_snapshot_update_sensor``) watches the works folder of the
configured snapshot (``AIGEO_SOURCE=snapshot``: ``AIGEO_SNAPSHOT_DIR``; ``sample``: the sample
world's snapshot, once generated; ``api``: nothing, the assets download the works themselves) and
requests one ``yearly_refresh`` run per publication year whose works may have changed.

What counts as a change, per ``updated_date=`` folder: a new folder, a folder whose parts changed
(name, size or mtime of a part: what makes the ingest's split cache re-split a part), and a folder
that disappeared. The manifest matters where it changes what the ingest reads: a folder the manifest
lists parts for that are not on disk yet is a download in progress (``aws s3 sync`` fetches
``works/manifest`` before the ``updated_date=`` folders); it waits, not requested and not recorded,
until the parts arrive. (Listing parts that exist changes nothing: the ingest reads unlisted parts
too.) A change of ``merged_ids/`` (works, institutions or authors) concerns every year.

Which years: the ingest attributes a line to the year its decoded record gives
(``aigeo_assets.ingest.work_record.year_of_line``, also used by the split cache); the sensor reads
the changed folders' lines with the same function, so it requests exactly the years whose yearly
scan reads them (it decodes ``publication_year`` alone, not the whole record). The years a
folder held are kept in the cursor, so a changed or removed folder also requests the years its works
left (a work whose ``publication_year`` was corrected). The read is bounded: when the changed parts
exceed ``max_scan_bytes`` (compressed) in one tick, the sensor does not read them and requests every
year of the partitions (what a monthly OpenAlex release touches anyway). Lines without a readable
year are counted, not requested: every yearly scan only quarantines them. Years outside the
partitions are reported in the tick's message (raise ``AIGEO_END_YEAR`` or ``AIGEO_LIFESCI_END_YEAR`` to add
them). The partitions are those of ``yearly_refresh``: both studies' years (``Settings.openalex_years``);
a year's AlShebli et al. 2022 papers then follow through ``core_papers``' automation condition.

The first tick (no cursor) records the snapshot as it is and requests nothing: what exists when the
sensor is switched on is what ``make demo`` or a backfill materializes. The cursor is JSON:
``{"version": 1, "folders": {name: {"fingerprint": ..., "years": "2015..2017,2019" | null}},
"merged_ids": ...}`` (``null`` years: not read, every year). Each run carries a ``run_key`` made of
the year and the change's digest, so a re-evaluated tick never launches a year twice.

The pure functions (``snapshot_root``, ``scan_works_folders``, ``diff_folders``, ``years_of_parts``,
``plan_refresh``, ``SnapshotCursor``) run without any Dagster context or instance; the sensor only
wraps ``plan_refresh``.

**``yearly_eager()``** is ``AutomationCondition.eager()`` without ``in_latest_time_window()``: a
partition is requested when any of its parent partitions updated since it was last handled (or it
became missing), once none of its parents is missing or in progress and it is not in progress
itself, whichever year it is. ``eager()`` looks only at the newest partition, but citations made in
year y also complete the impact windows of y-1 and y-2 (and y-5..y-1 for the long window), so
adding or refreshing a year must rematerialize those older partitions too. Its "parent updated"
also counts updates made by runs that held the asset itself (``any_deps_updated_in_any_run``),
which Dagster's ``any_deps_updated()`` drops for every partition at once. With ``wait_for`` it
waits while an automated parent is ``outdated()`` (about to run again); ``all_years_eager`` does the
same for the unpartitioned assets that read every year. So each partition runs once, after what it
reads: ``core_author_years`` (read by every year's city metrics) runs in its own run, and Dagster
neither orders a partition after it nor after the other years of a window.

The project's wiring: ``yearly_automation()`` on ``YEARLY_AUTOMATED``, ``all_years_automation()``
on ``ALL_YEARS_AUTOMATED`` (but ``core_author_years``, which keeps ``eager()``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from aigeo_assets.ingest.quarantine import Quarantine
from aigeo_assets.ingest.snapshot import SnapshotLayoutError, iter_lines, list_entity_files, merged_ids_folder
from aigeo_assets.ingest.work_record import year_of_line
from aigeo_assets.resources.settings import Settings
from aigeo_assets.resources.sources import WorksSource

SENSOR_NAME = "snapshot_update_sensor"
DEFAULT_MAX_SCAN_BYTES = 128 << 20
"""Compressed bytes of changed parts read per tick: about 5 s (the reading goes at ~30 MB/s of gzip
parts), well inside Dagster's 60 s sensor timeout."""
CURSOR_VERSION = 1
_FOLDER_RE = re.compile(r"(updated_date=[^/]+)/[^/]*$")
_ROOT_FOLDER = "."
"""Parts lying directly in the works folder (no ``updated_date=``)."""


# ---------------------------------------------------------------------------------------------
# the automation condition


def any_deps_updated_in_any_run(ignore: dg.AssetSelection | None = None) -> dg.AutomationCondition:
    """A parent partition updated since the previous tick, or will be requested in the same run.

    ``AutomationCondition.any_deps_updated()`` also drops parent updates made by a run whose
    selection held this asset (``executed_with_root_target``), asset by asset, not partition by
    partition: a run that materialized citations[2019] together with metrics[2019] would hide the
    new citations from metrics[2017] and metrics[2018]. Without that filter, the child partition
    updated in the same run counts as handled all the same (its own update resets
    ``since_last_handled`` on that tick), so nothing runs twice."""
    updated = dg.AutomationCondition.any_deps_match(
        dg.AutomationCondition.newly_updated() | dg.AutomationCondition.will_be_requested()
    )
    if ignore is not None:
        updated = updated.ignore(ignore)
    return updated.with_label("any_deps_updated_in_any_run")


def outdated() -> dg.AutomationCondition:
    """True while one of the target's parents has updated after the target's own latest update.

    Both sides are timed events (``newly_updated``), so when the parent and the target both
    updated since the previous tick, their timestamps decide (Dagster's ``since`` resolves a tie
    by timing only when both sides carry it, which ``and``/``or`` do not pass on)."""
    return (
        dg.AutomationCondition.any_deps_match(dg.AutomationCondition.newly_updated())
        .since(dg.AutomationCondition.newly_updated())
        .with_label("outdated")
    )


def any_dep_outdated(among: dg.AssetSelection) -> dg.AutomationCondition:
    """True when one of the target's parents in ``among`` is ``outdated()``: it has its own
    automation and is about to run again (or running), so reading it now would read its old value."""
    return dg.AutomationCondition.any_deps_match(outdated()).allow(among).with_label("any_dep_outdated")


def yearly_eager(ignore: dg.AssetSelection | None = None, wait_for: dg.AssetSelection | None = None) -> dg.AutomationCondition:
    """``AutomationCondition.eager()`` for every partition, not only the latest time window.

    True for a partition when one of its parent partitions updated (or will be requested in the
    same run) or the partition became missing, since the partition was last requested or updated;
    and none of its parents is missing or in progress, and it is not in progress. It is Dagster's
    documented ``eager().without(in_latest_time_window())`` with ``any_deps_updated()`` replaced by
    ``any_deps_updated_in_any_run()`` (see there).

    ``ignore``: parents whose updates do not trigger (they still block while missing or in
    progress). ``wait_for``: automated parents that the partition waits for while they are
    ``outdated()``, instead of running now with their old value and once more when they land:
    an all-years parent (``core_author_years``) never runs in the same run as a partition, and a
    partition reading other years of a parent (a window) is not ordered after them either.
    """
    condition = (
        (dg.AutomationCondition.newly_missing() | any_deps_updated_in_any_run(ignore)).since_last_handled()
        & ~dg.AutomationCondition.any_deps_missing()
        & ~dg.AutomationCondition.any_deps_in_progress()
        & ~dg.AutomationCondition.in_progress()
    )
    if wait_for is not None:
        condition = condition & ~any_dep_outdated(wait_for)
    return condition.with_label("yearly_eager")


def all_years_eager(wait_for: dg.AssetSelection) -> dg.AutomationCondition:
    """``AutomationCondition.eager()`` for an unpartitioned asset that reads every year, waiting
    while a parent partition in ``wait_for`` is ``outdated()`` (about to be recomputed by its own
    automation), so that it runs once, after them, rather than once now and once again."""
    return (dg.AutomationCondition.eager() & ~any_dep_outdated(wait_for)).with_label("all_years_eager")


# the project's wiring

YEARLY_AUTOMATED = (
    "core_papers",
    "core_citations",
    "out_city_year_metrics",
    "out_world_year_totals",
    "out_impact_pairs",
    "out_collaboration_pairs",
    "out_centres_of_mass",
    "out_focal_pull",
    "out_east_west_betweenness_by_year",
    "out_network_edges_by_year",
    "out_network_files_by_year",
    "out_gravity_citation_pairs",
    "out_gravity_citations_by_year",
    "out_disruption",
)
"""The yearly assets that carry ``yearly_automation()``: every partitioned asset downstream of the
ingest that reads other years (citation windows, the cited side of citations, five-year windows)
or what does. ``core_citations`` too: a refreshed year's papers are the cited side of every later
year's citations. ``core_papers`` reads its year only, but ``yearly_refresh`` (the OpenAlex tables, on
both studies' years) cannot hold it (AlShebli et al. 2022's years), so a year's papers follow its works this way."""

ALL_YEARS_AUTOMATED = (
    "core_author_years",
    "out_city_ranks",
    "out_top_city_shares",
    "out_centre_trajectory",
    "out_gravity_citations",
    "out_gravity_citations_table",
    "out_gravity_citations_coefficients",
    "out_gravity_migration_pairs",
    "out_gravity_migration",
    "out_disruption_city_ranks",
)
"""The all-years assets that carry an eager condition (``core_author_years`` keeps plain
``eager()``: its parents are the ingest's, which have no automation; the others take
``all_years_automation()``)."""


def _waited_for() -> dg.AssetSelection:
    return dg.AssetSelection.assets(*YEARLY_AUTOMATED, *ALL_YEARS_AUTOMATED)


def yearly_automation() -> dg.AutomationCondition:
    """``yearly_eager`` waiting for the project's other automated assets and for the parents'
    blocking checks (``core_papers``' geocoding coverage) to pass."""
    return (yearly_eager(wait_for=_waited_for()) & dg.AutomationCondition.all_deps_blocking_checks_passed()).with_label(
        "yearly_automation"
    )


def all_years_automation() -> dg.AutomationCondition:
    """``all_years_eager`` waiting for the project's other automated assets and for the parents'
    blocking checks to pass."""
    return (all_years_eager(_waited_for()) & dg.AutomationCondition.all_deps_blocking_checks_passed()).with_label(
        "all_years_automation"
    )


# ---------------------------------------------------------------------------------------------
# the snapshot, folder by folder (no Dagster)


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
            raise ValueError(f"not a {SENSOR_NAME} cursor (version {CURSOR_VERSION}): {text[:200]!r}")
        folders = {
            name: FolderRecord(rec["fingerprint"], parse_years(rec.get("years")))
            for name, rec in (doc.get("folders") or {}).items()
        }
        return SnapshotCursor(folders, doc.get("merged_ids"))


# ---------------------------------------------------------------------------------------------
# one tick, planned


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


# ---------------------------------------------------------------------------------------------
# the Dagster sensor


def build_snapshot_update_sensor(
    settings: Settings,
    job_name: str = "yearly_refresh",
    minimum_interval_seconds: int = 300,
    max_scan_bytes: int = DEFAULT_MAX_SCAN_BYTES,
    default_status: dg.DefaultSensorStatus = dg.DefaultSensorStatus.STOPPED,
) -> dg.SensorDefinition:
    """``snapshot_update_sensor``: one ``job_name`` run per year whose works changed in the
    snapshot (partition key = the year). Off by default, like the yearly schedule."""
    root = snapshot_root(settings)

    @dg.sensor(
        name=SENSOR_NAME,
        job_name=job_name,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=default_status,
        description=(
            "Requests a yearly_refresh run for each publication year whose works changed in the OpenAlex "
            "snapshot (a new or changed updated_date= folder, a changed manifest or merged_ids)."
        ),
    )
    def snapshot_update_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
        if root is None:
            return dg.SkipReason(f"AIGEO_SOURCE={settings.source}: no snapshot to watch")
        if settings.source == "sample" and not (root / "truth.json").is_file():
            return dg.SkipReason(f"the sample world {root} is not generated yet")
        try:
            plan = plan_refresh(
                root, SnapshotCursor.from_json(context.cursor), *settings.openalex_years, max_scan_bytes
            )
        except (SnapshotLayoutError, FileNotFoundError) as exc:
            return dg.SkipReason(f"cannot read the snapshot: {exc}")
        message = plan.message()
        context.log.info(message)
        if not plan.years:
            return dg.SensorResult(skip_reason=message, cursor=plan.cursor.to_json())
        return dg.SensorResult(
            run_requests=[
                dg.RunRequest(
                    run_key=f"{year}:{plan.change_digest}",
                    partition_key=str(year),
                    tags={"aigeo/trigger": SENSOR_NAME, "aigeo/snapshot_change": plan.change_digest},
                )
                for year in plan.years
            ],
            cursor=plan.cursor.to_json(),
        )

    return snapshot_update_sensor


PARTS_SENSOR_NAME = "snapshot_parts_sensor"


def build_snapshot_parts_sensor(
    minimum_interval_seconds: int = 300, default_status: dg.DefaultSensorStatus = dg.DefaultSensorStatus.STOPPED
) -> dg.SensorDefinition:
    """``snapshot_parts_sensor``: every works part of the snapshot becomes a partition of the dynamic
    partitions ``snapshot_parts``, and each new one gets a ``raw_works_parts`` run, so that a cluster
    reads a whole snapshot part by part on all its workers (the extract cache the yearly ``raw_works``
    then read). Off by default: on one machine ``raw_works`` extracts the parts it needs itself."""
    from aigeo_assets.assets.ingest import SNAPSHOT_PARTS, part_key

    @dg.sensor(
        name=PARTS_SENSOR_NAME,
        asset_selection=dg.AssetSelection.assets("raw_works_parts"),
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=default_status,
        description="Adds each works part of the snapshot to the partitions snapshot_parts and requests its raw_works_parts run.",
    )
    def snapshot_parts_sensor(context: dg.SensorEvaluationContext, source: WorksSource) -> dg.SensorResult | dg.SkipReason:
        try:
            root = source.snapshot_root()
            parts = source.works_files(root).parts
        except (SnapshotLayoutError, FileNotFoundError, ValueError) as exc:
            return dg.SkipReason(f"cannot list the snapshot's works parts: {exc}")
        known = set(context.instance.get_dynamic_partitions(SNAPSHOT_PARTS.name))
        new = [k for k in (part_key(root, p) for p in parts) if k not in known]
        if not new:
            return dg.SkipReason(f"{len(known)} works parts known, none new")
        return dg.SensorResult(
            run_requests=[dg.RunRequest(run_key=key, partition_key=key) for key in new],
            dynamic_partitions_requests=[SNAPSHOT_PARTS.build_add_request(new)],
        )

    return snapshot_parts_sensor


AUTOMATION_SENSOR_NAME = "automation_condition_sensor"


def build_automation_sensor(minimum_interval_seconds: int = 30) -> dg.AutomationConditionSensorDefinition:
    """The sensor that evaluates every asset's automation condition (``yearly_automation()`` and
    the rest), switched on: with Dagster's own default sensor, which starts STOPPED, a refreshed
    year's dependents stayed unsynced. It runs in the daemon of ``aigeo ui`` (``dagster dev``);
    ``aigeo run`` plans its runs itself and needs none. Stopping it in the UI (Automation) is
    remembered by the instance."""
    return dg.AutomationConditionSensorDefinition(
        AUTOMATION_SENSOR_NAME,
        target=dg.AssetSelection.all(),
        default_status=dg.DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=minimum_interval_seconds,
        description="Requests what each asset's automation condition asks for: a refreshed year's dependents, the all-years tables after them.",
    )
