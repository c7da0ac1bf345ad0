"""Runs whose process died are marked failed, so a killed ``aigeo run`` never blocks the run queue.

``aigeo run`` executes its jobs in its own process (``execute_in_process``): no run launcher owns
that process, so Dagster's run monitoring cannot health-check it, and a run whose process was
killed with SIGKILL, by the OOM killer or by a machine crash stays STARTED forever. With
``max_concurrent_runs: 1`` (``scripts/dagster.yaml``) every later run from the UI, a schedule or a
sensor then waits in the queue behind it.

So each run ``aigeo run`` starts carries its process's identity in its tags
(``ProcessIdentity.tags``: pid, host, boot id, PID namespace and the process's start time in clock
ticks since boot, from ``/proc/<pid>/stat``). ``reap_dead_runs`` marks FAILURE every run in
progress whose recorded process is gone from this host: no such pid, a zombie, a pid now used by
another program (its start time differs), or a host that was restarted since (another boot id).
Runs recorded on another host or in another PID namespace (a container) are left alone: from here
nobody can tell whether they still run (terminate them from the UI).

Runs launched from the UI, a schedule or a sensor go through Dagster's ``DefaultRunLauncher``,
whose run worker is a local subprocess that reports ``Started process for run (pid: N)`` as an
engine event. Dagster's run monitoring cannot health-check that launcher either, so such a run is
reaped too when its worker is gone: no process holds the pid any more, or the one holding it
started after the event (the pid was reused, or the machine restarted). **Choice:** this is done
only on an instance with SQLite run storage (``make ui``'s ``$DAGSTER_HOME``), which cannot be
shared between machines, so the worker is known to have run on this host; on a shared (Postgres)
instance a launched run's host is not recorded, and it is left to run monitoring and the UI's
Terminate.

It runs at the start of every ``aigeo run`` and from the daemon, as the sensor
``dead_run_reaper`` (every 30 s, running by default), so UI users are unblocked without the CLI.
"""

from __future__ import annotations

import math
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import dagster as dg

from aigeo_assets.resources import warehouse_files

PID_TAG = "aigeo/pid"
HOST_TAG = "aigeo/host"
BOOT_ID_TAG = "aigeo/boot_id"
PID_NAMESPACE_TAG = "aigeo/pid_namespace"
START_TICKS_TAG = "aigeo/process_start_ticks"
REAPER_SENSOR = "dead_run_reaper"
REAPER_INTERVAL_SECONDS = 30

PROC = Path("/proc")
ProcessFate = Literal["running", "gone", "unknowable"]


@dataclass(frozen=True)
class ProcessIdentity:
    """What tells one process apart from every other, on one machine, across pid reuse and reboots.
    Empty strings where the platform does not say (no ``/proc``)."""

    pid: int
    host: str
    boot_id: str = ""
    pid_namespace: str = ""
    start_ticks: str = ""

    def tags(self) -> dict[str, str]:
        """The run tags that record this process (empty values left out)."""
        tags = {
            PID_TAG: str(self.pid),
            HOST_TAG: self.host,
            BOOT_ID_TAG: self.boot_id,
            PID_NAMESPACE_TAG: self.pid_namespace,
            START_TICKS_TAG: self.start_ticks,
        }
        return {k: v for k, v in tags.items() if v}

    @classmethod
    def from_tags(cls, tags: dict[str, str]) -> ProcessIdentity | None:
        """The identity recorded in a run's tags; None when the run has none (not started by ``aigeo run``)."""
        pid, host = tags.get(PID_TAG, ""), tags.get(HOST_TAG, "")
        if not pid.isdigit() or not host:
            return None
        return cls(
            pid=int(pid),
            host=host,
            boot_id=tags.get(BOOT_ID_TAG, ""),
            pid_namespace=tags.get(PID_NAMESPACE_TAG, ""),
            start_ticks=tags.get(START_TICKS_TAG, ""),
        )

    def describe(self) -> str:
        return f"process {self.pid} on host {self.host}"


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


def current_process_identity(proc: Path = PROC) -> ProcessIdentity:
    """The identity of the current process."""
    pid = os.getpid()
    fields = warehouse_files.proc_stat_fields(pid, proc)
    namespace = ""
    try:
        namespace = os.readlink(proc / "self" / "ns" / "pid")
    except OSError:
        pass
    return ProcessIdentity(
        pid=pid,
        host=socket.gethostname(),
        boot_id=_read(proc / "sys" / "kernel" / "random" / "boot_id"),
        pid_namespace=namespace,
        start_ticks=fields[19] if fields and len(fields) > 19 else "",
    )


def process_fate(recorded: ProcessIdentity, here: ProcessIdentity, proc: Path = PROC) -> tuple[ProcessFate, str]:
    """Whether the ``recorded`` process still runs, seen from ``here`` (this process), and why.

    ``gone`` only when that is certain from this machine; ``unknowable`` for another host or PID
    namespace, which this machine cannot see."""
    if recorded.host != here.host:
        return "unknowable", f"it ran on host {recorded.host}, not this host ({here.host})"
    if recorded.boot_id and here.boot_id and recorded.boot_id != here.boot_id:
        return "gone", f"host {here.host} has restarted since the run started"
    if recorded.pid_namespace and here.pid_namespace and recorded.pid_namespace != here.pid_namespace:
        return "unknowable", f"it ran in another PID namespace ({recorded.pid_namespace}, a container?)"
    fields = warehouse_files.proc_stat_fields(recorded.pid, proc) if here.start_ticks else None  # /proc: exact, pid reuse included
    if fields is not None:
        if fields[0] in ("Z", "X"):
            return "gone", f"process {recorded.pid} has exited (a zombie not yet reaped by its parent)"
        if recorded.start_ticks and len(fields) > 19 and fields[19] != recorded.start_ticks:
            return "gone", f"pid {recorded.pid} now belongs to another program (its process start time differs)"
        return "running", f"process {recorded.pid} is still running"
    if not warehouse_files.pid_exists(recorded.pid):  # no /proc, or a pid /proc hides (hidepid=2: another user's process)
        return "gone", f"no process {recorded.pid} exists any more"
    return "running", f"process {recorded.pid} is still running"


# ------------------------------------------------------------------------------------ runs


@dataclass(frozen=True)
class ReapedRun:
    """A run marked finished because its process is gone: the status it was left in, the message it got."""

    run_id: str
    job_name: str
    left_status: str
    message: str


def _in_progress_statuses() -> list[dg.DagsterRunStatus]:
    status = dg.DagsterRunStatus
    return [status.NOT_STARTED, status.STARTING, status.STARTED, status.CANCELING]


def _end_run(instance: dg.DagsterInstance, run: dg.DagsterRun, message: str) -> None:
    """Mark the run finished: CANCELED if it was being canceled, else FAILURE, and give back the
    concurrency-pool slots its steps held (``orchestration``, "Memory"): a dead process cannot free
    them, and a slot left claimed would hold every later run of the pool back."""
    if run.status == dg.DagsterRunStatus.CANCELING:
        instance.report_run_canceled(run, message)
    else:
        instance.report_run_failed(run, message)
    if instance.event_log_storage.supports_global_concurrency_limits:
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)


def launched_run_worker(instance: dg.DagsterInstance, run: dg.DagsterRun) -> tuple[int, float] | None:
    """(pid, when it was reported) of the run worker the ``DefaultRunLauncher`` started for ``run``,
    from its ``Started process for run`` engine event; None for another launcher, a run storage other
    machines could share (not SQLite), or a run whose worker has not reported yet."""
    from dagster._core.launcher import DefaultRunLauncher
    from dagster._core.storage.runs import SqliteRunStorage

    if not isinstance(instance.run_launcher, DefaultRunLauncher) or not isinstance(instance.run_storage, SqliteRunStorage):
        return None
    records = instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.ENGINE_EVENT).records
    for record in reversed(records):
        entry = record.event_log_entry
        event = entry.dagster_event
        data = event.engine_event_data if event is not None else None
        pid = data.metadata.get("pid") if data is not None else None
        if pid is not None and (event.message or "").startswith("Started process for run") and str(pid.value).isdigit():
            return int(pid.value), entry.timestamp
    return None


def _launched_worker_gone(instance: dg.DagsterInstance, run: dg.DagsterRun) -> str | None:
    """Why the launched run's worker is gone, or None while it runs (or when that cannot be known:
    no start time, however long ago it reported)."""
    worker = launched_run_worker(instance, run)
    if worker is None:
        return None
    pid, reported_at = worker
    if not warehouse_files.writer_gone(pid, reported_at, time.time(), stale_after=math.inf):
        return None
    if warehouse_files.process_start_time(pid) is None:
        return f"its run worker, process {pid}, no longer exists"
    return f"pid {pid}, its run worker's, now belongs to a process started after the run (pid reused or machine restarted)"


def reap_dead_runs(
    instance: dg.DagsterInstance, here: ProcessIdentity | None = None, reaper: str = f"the sensor {REAPER_SENSOR}"
) -> list[ReapedRun]:
    """Mark failed every run in progress on this host whose recorded process (``aigeo run``'s tags, or
    the launched run worker's engine event) is gone (CANCELED if it was being canceled); ``reaper``
    names who did it in the run's message. Returns the runs marked."""
    here = here or current_process_identity()
    records = instance.get_run_records(filters=dg.RunsFilter(statuses=_in_progress_statuses(), tags={HOST_TAG: here.host}))
    launched = instance.get_run_records(filters=dg.RunsFilter(statuses=_in_progress_statuses()))
    reaped: list[ReapedRun] = []
    for record in [*records, *(r for r in launched if PID_TAG not in r.dagster_run.tags)]:
        run = record.dagster_run
        recorded = ProcessIdentity.from_tags(dict(run.tags))
        if recorded is not None:
            fate, why = process_fate(recorded, here)
            if fate != "gone":
                continue
            who = f"The {recorded.describe()} that ran this run"
        else:
            why = _launched_worker_gone(instance, run)
            if why is None:
                continue
            who = "The process that ran this run"
        current = instance.get_run_by_id(run.run_id)
        if current is None or current.status not in _in_progress_statuses():
            continue
        marked = "canceled" if current.status == dg.DagsterRunStatus.CANCELING else "failed"
        message = (
            f"{who} is gone ({why}) and never reported an end: it was "
            f"killed (SIGKILL, the OOM killer) or its machine went down. Marked {marked} by {reaper} so that "
            "queued runs can start."
        )
        _end_run(instance, current, message)
        reaped.append(ReapedRun(run.run_id, run.job_name, current.status.value, message))
    return reaped


def end_runs_of_process(instance: dg.DagsterInstance, identity: ProcessIdentity, message: str) -> list[str]:
    """Mark failed the runs of ``identity`` (this process, and the workers it started) still in
    progress, e.g. when ``aigeo run`` is stopped by a signal or an error outside Dagster's own
    handling. When none is in progress and Dagster already marked the newest one failed (a worker's
    own handler took the interrupt), ``message`` is added to it as an engine event (Dagster's own
    says only that the run was interrupted). Returns the run ids touched."""
    tags = identity.tags()
    running = instance.get_run_records(filters=dg.RunsFilter(tags=tags, statuses=_in_progress_statuses()))
    for record in running:
        _end_run(instance, record.dagster_run, message)
    if running:
        return [r.dagster_run.run_id for r in running]
    newest = instance.get_run_records(filters=dg.RunsFilter(tags=tags), limit=1)
    if newest and newest[0].dagster_run.status == dg.DagsterRunStatus.FAILURE:
        instance.report_engine_event(message, newest[0].dagster_run)
        return [newest[0].dagster_run.run_id]
    return []


# ------------------------------------------------------------------------------------ the sensor


def build_run_reaper_sensor() -> dg.SensorDefinition:
    """``dead_run_reaper``: every 30 s (running by default) marks failed the runs whose process (an
    ``aigeo run``, or a launched run worker) is gone, so the queue moves on without anyone running
    the CLI."""

    @dg.sensor(
        name=REAPER_SENSOR,
        minimum_interval_seconds=REAPER_INTERVAL_SECONDS,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Marks FAILURE the runs left STARTED on this host by a process that died without a word (killed "
        "outright: SIGKILL, kill -9; killed by the system when the machine ran out of memory (OOM); a crash): an "
        "`aigeo run`, or a run worker launched from the UI. So they no longer hold the run queue (max_concurrent_runs).",
    )
    def dead_run_reaper(context: dg.SensorEvaluationContext) -> dg.SkipReason:
        reaped = reap_dead_runs(context.instance)
        for r in reaped:
            context.log.warning(f"run {r.run_id} ({r.job_name}, {r.left_status}): {r.message}")
        if not reaped:
            return dg.SkipReason("no run left in progress by a process that is gone")
        return dg.SkipReason(f"marked {len(reaped)} run(s) failed: " + ", ".join(f"{r.run_id} ({r.job_name})" for r in reaped))

    return dead_run_reaper
