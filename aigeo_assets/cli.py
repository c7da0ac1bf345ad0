"""Command line: ``aigeo`` (console script) or ``python -m aigeo_assets.cli``.

``aigeo world --scale tiny|demo|paper [--seed N] [--parquet]``
    generate the sample world into ``$AIGEO_DATA_DIR/sources/sample-{scale}-{seed}`` (with
    ``--parquet``, its works also in OpenAlex's Parquet layout, which the ingest then reads).
``aigeo run [--job NAME] [--years 2015:2019] [--workers N] [--refresh] [--stats FILE]``
    without ``--job``: materialize every asset (``materialize-all`` is the same command, the one
    ``make demo`` calls); with ``--job``: that job's assets. Years: ``2015:2019``, ``2015-2019`` or
    ``2017`` (default: every partition). ``--refresh``: only what is missing or older than what it
    reads. ``--stats``: one JSON line per run (wall and CPU seconds, peak memory) and a total.
``aigeo ui [--port 3000] [--host 127.0.0.1]``
    ``dagster dev -w workspace.yaml`` on the same instance.
``aigeo report [--open]``
    the path of the atlas report ``reports/atlas.html`` (and open it in a browser).
``aigeo export [--format gexf|vosviewer|csv]... [--out DIR] [--years Y] [--tables PATTERN]``
    the city networks as GEXF and VOSviewer files (``reports/networks/``), each network's evolution
    over the yearly windows as one dynamic GEXF (``by_year/<network>_timeline.gexf``), the tables as
    CSV, read from the warehouse as it is (no run).

Runs go through Dagster, into the instance at ``$DAGSTER_HOME`` (default
``$AIGEO_DATA_DIR/dagster_home``, i.e. ``data/dagster_home``), so the UI shows the runs, lineage and
metadata afterwards. Their order comes from the asset graph (``aigeo_assets.orchestration``): a plan of
runs, each for the assets of one year that can go together, each waiting for the partitions it reads
(a year's citations need all earlier years' papers, a year's city metrics the citations of the
following years, the all-years tables every year), executed by one worker process per core, within the
instance's run queue limit, which the plan shares with the UI's runs (``orchestration.queue_room``).

Settings are checked when they are read (``Settings.from_env``); before any run, ``preflight``
lists what else is missing (graph-tool, chromium); problems the user can fix are one line on
stderr and exit code 2, no traceback.

A run never outlives its process as STARTED (it would hold a place in the run queue): SIGINT, SIGTERM
and SIGHUP stop ``aigeo run`` like Ctrl-C, its workers' runs are interrupted and marked failed, as on
any error; a worker dies with the ``aigeo run`` that started it; each run is tagged with its process's
identity (``aigeo_assets.run_reaper``), and every ``aigeo run`` first marks failed the runs whose
process is gone (SIGKILL, the OOM killer, a crash).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import warnings
import webbrowser
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

from aigeo_assets import cores
from aigeo_assets.progress import Progress
from aigeo_assets.resources.settings import REPO_ROOT, Settings, SettingsError, SettingsWarning

if TYPE_CHECKING:
    import dagster as dg

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
PARTITION_HINT = "set AIGEO_START_YEAR/AIGEO_END_YEAR to change them"
ATLAS_JOB, ATLAS_ASSET = "figures", "out_atlas"
GRAPH_TOOL_GROUPS = frozenset({"centrality"})  # assets that call graph-tool
FIGURE_GROUPS = frozenset({"reports"})  # assets that render PNGs with chromium

GRAPH_TOOL_MISSING = (
    "graph-tool is missing: run `sudo apt-get install python3-graph-tool` (Debian) and recreate the venv "
    "with --system-site-packages (make setup)"
)
CHROMIUM_MISSING = (
    "chromium is missing (figures render their PNGs with it): run `sudo apt-get install chromium` (Debian), "
    "or set BROWSER_PATH to a Chrome/Chromium binary"
)


class CliError(Exception):
    """A problem the user can fix: printed as one line on stderr, exit code 2."""


# ------------------------------------------------------------------------------------ years


_YEARS = re.compile(r"^\s*(\d{4})\s*(?:[:-]\s*(\d{4}))?\s*$")


def parse_years(spec: str) -> tuple[int, int]:
    """``2015:2019``, ``2015-2019`` or ``2017`` -> (first, last), both included."""
    m = _YEARS.match(spec or "")
    if not m:
        raise CliError(f"--years {spec!r} is not a year range: write 2015:2019, 2015-2019 or 2017")
    lo, hi = int(m[1]), int(m[2] or m[1])
    if hi < lo:
        raise CliError(f"--years {spec!r} ends before it starts: write {hi}:{lo}")
    return lo, hi


def _spans(years: list[int]) -> str:
    """[1985, 1986, 1987, 2021] -> '1985-1987, 2021'."""
    out: list[str] = []
    for y in sorted(years):
        if out and int(out[-1].rsplit("-", 1)[-1]) == y - 1:
            out[-1] = f"{out[-1].split('-')[0]}-{y}"
        else:
            out.append(str(y))
    return ", ".join(out)


def select_years(
    spec: str | None, keys: Sequence[str], what: str = "the configured partitions", hint: str = PARTITION_HINT
) -> list[str]:
    """The partition keys of ``spec`` (all of ``keys`` when None); years outside ``keys`` are an error."""
    if not spec:
        return list(keys)
    lo, hi = parse_years(spec)
    wanted = [str(y) for y in range(lo, hi + 1)]
    outside = [int(y) for y in wanted if y not in set(keys)]
    if outside:
        configured = f"{keys[0]}-{keys[-1]}" if keys else "none"
        word = "year {} is" if len(outside) == 1 else "years {} are"
        raise CliError(f"{word.format(_spans(outside))} outside {what} ({configured}): {hint}")
    return wanted


def _years(spec: str | None, all_years: list[str]) -> list[str]:
    """Kept for callers of the former helper: ``select_years`` with the default message."""
    return select_years(spec, all_years)


# ------------------------------------------------------------------------------------ checks


def _can_import(name: str) -> bool:
    """Whether ``import name`` works (a seam for tests; a real import, as the assets will do)."""
    try:
        __import__(name)
    except Exception:  # ImportError, or a broken system package failing at import
        return False
    return True


def _chromium() -> str | None:
    """The browser kaleido will drive, found as ``aigeo_assets.reports.figures.chromium_path`` does."""
    path = os.environ.get("BROWSER_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    return path if path and Path(path).is_file() else None


def preflight(settings: Settings, needs_figures: bool, *, needs_graph_tool: bool = True) -> list[str]:
    """What would make a run fail for want of set-up, one line each (empty: nothing missing)."""
    problems: list[str] = []  # settings (the snapshot folder included) were checked by Settings.from_env
    if needs_graph_tool and not _can_import("graph_tool"):
        problems.append(GRAPH_TOOL_MISSING)
    if needs_figures and _chromium() is None:
        problems.append(CHROMIUM_MISSING)
    if needs_figures:
        from aigeo_assets.reports.figures import FigureSetupError, topojson_dir

        try:
            topojson_dir()
        except FigureSetupError as exc:  # the maps would fail after the whole study has run
            problems.append(str(exc))
    return problems


def _settings() -> Settings:
    """``Settings.from_env()``: each bad setting one line on stderr and exit code 2 (no traceback);
    each ``AIGEO_*`` variable that is not a setting one warning line."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SettingsWarning)
        try:
            settings: Settings | None = Settings.from_env()
            problems: tuple[str, ...] = ()
        except SettingsError as exc:
            settings, problems = None, exc.problems
    for w in caught:
        if issubclass(w.category, SettingsWarning):
            print(f"aigeo: warning: {w.message}", file=sys.stderr)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if settings is None:
        for p in problems[:-1]:
            print(f"aigeo: error: {p}", file=sys.stderr)
        raise CliError(problems[-1])
    return settings


def _definitions(settings: Settings) -> "dg.Definitions":
    try:
        from aigeo_assets.code_location import build_definitions

        return build_definitions(settings)
    except ValueError as exc:
        raise CliError(f"the settings do not make a code location: {exc}") from None


INSTANCE_TEMPLATE = REPO_ROOT / "scripts" / "dagster.yaml"
_OLD_TEMPLATE_LINE = "# Copied into $DAGSTER_HOME by `make demo` / `make ui` when none is there."
_MAX_RUNS = re.compile(r"^(\s*max_concurrent_runs:\s*)\d+\s*$", re.M)


def instance_config(cores: int, home: Path | None = None) -> str:
    """``scripts/dagster.yaml`` with the run queue's ``max_concurrent_runs`` set to ``cores`` and all
    runs' events in ``<home>/event_log.db``; without ``home``, Dagster's default event-log storage
    (one SQLite file per run) instead."""
    text = _MAX_RUNS.sub(lambda m: f"{m[1]}{max(1, cores)}", INSTANCE_TEMPLATE.read_text(), count=1)
    if home is None:
        return text[: text.index("# One SQLite file for every run's events")]
    return text.replace("base_dir:\n      env: DAGSTER_HOME\n", f"base_dir: {json.dumps(str(home))}\n")


def _dagster_home(settings: Settings) -> Path:
    """``$DAGSTER_HOME``, else ``<data dir>/dagster_home``, with aigeo's ``dagster.yaml`` (``instance_config``)
    when it has none or has an older copy of ours (one that starts with the template's first line)."""
    home = Path(os.environ.get("DAGSTER_HOME") or settings.data_dir / "dagster_home").expanduser().resolve()
    home.mkdir(parents=True, exist_ok=True)
    if INSTANCE_TEMPLATE.is_file():
        # a home with Dagster's per-run event files keeps them (switching would hide its history)
        per_run_history = (home / "history" / "runs" / "index.db").is_file() and not (home / "event_log.db").is_file()
        wanted = instance_config(cores.usable_cores(), None if per_run_history else home)
        path = home / "dagster.yaml"
        current = path.read_text() if path.is_file() else None
        ours = current is not None and current.split("\n", 1)[0] in (wanted.split("\n", 1)[0], _OLD_TEMPLATE_LINE)
        if current is None or (ours and current != wanted):
            tmp = path.with_name(f".dagster.yaml.{os.getpid()}.tmp")
            tmp.write_text(wanted)
            os.replace(tmp, path)
    return home


# ------------------------------------------------------------------------------------ running


def materialize_all(
    defs: "dg.Definitions", instance: "dg.DagsterInstance", years: list[str] | None = None, run_config: dict | None = None
) -> dict[str, list[str]]:
    """Materialize every asset (for ``years``, default all) in this process, in the order of the asset
    graph (``orchestration.plan_runs``); returns the checks that warned, as ``warnings_line`` takes them."""
    from aigeo_assets.orchestration import PlanRunner, plan_runs

    stats = PlanRunner(workers=1, defs=defs, instance=instance, run_config=run_config).run(plan_runs(defs, years=years))
    return warned_checks(stats)


def warned_checks(stats) -> dict[str, list[str]]:
    """``{"asset:check": [partitions]}`` of the checks that failed with WARN severity (the runs went on); a
    range run's partitions are written ``first...last``."""
    warned: dict[str, list[str]] = {}
    for s in stats:
        for name in s.warned:
            years = f"{s.partition}...{s.last_partition}" if s.last_partition else (s.partition or "-")
            warned.setdefault(name, []).append(years)
    return warned


def warnings_line(warned: dict[str, list[str]]) -> str | None:
    """One line naming the checks that warned during a run, with their partitions (None if none)."""
    if not warned:
        return None
    parts = [f"{name} ({', '.join(p for p in keys if p != '-') or 'once'})" for name, keys in sorted(warned.items())]
    return f"aigeo: {len(warned)} check{'' if len(warned) == 1 else 's'} warned (the run went on): " + "; ".join(parts)


def job_names(defs: "dg.Definitions") -> list[str]:
    return sorted(j.name for j in defs.resolve_all_job_defs() if not j.name.startswith("__"))


def _job_groups(defs: "dg.Definitions", job_name: str, partitioned: bool = False) -> set[str]:
    """The groups of the job's assets (``partitioned``: of its partitioned assets only)."""
    graph = defs.resolve_asset_graph()
    keys = defs.resolve_job_def(job_name).asset_layer.executable_asset_keys
    return {graph.get(k).group_name for k in keys if not partitioned or graph.get(k).partitions_def is not None}


OPENALEX_HINT = "set AIGEO_START_YEAR/AIGEO_END_YEAR and AIGEO_LIFESCI_END_YEAR to change them"
LIFESCI_HINT = "set AIGEO_LIFESCI_START_YEAR/AIGEO_LIFESCI_END_YEAR (and AIGEO_START_YEAR) to change them"


def _partition_hint(groups: set[str]) -> str:
    """Which settings make a job's years, from the groups of its partitioned assets: the OpenAlex
    tables (``ingest``, ``geo``) run on both studies' years, the life-science corpus on the atlas's,
    the rest on AlShebli et al. 2022's."""
    if groups & {"ingest", "geo"}:
        return OPENALEX_HINT
    if any(g.startswith("lifesci") for g in groups):
        return LIFESCI_HINT
    return PARTITION_HINT


STOP_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")  # each stops `aigeo run` like Ctrl-C: its run is marked failed
_stop_signals: list[int] = []  # the stop signals `aigeo run` received, oldest first
_wakeup_pipe: list[int] = []  # the read end of the pipe signal.set_wakeup_fd writes each signal's number to


def _stop_like_ctrl_c(signo: int, frame: object) -> None:
    """Stop like Ctrl-C: while a job executes Dagster has its own SIGINT handler (it stops the run at
    a safe point and marks it failed), so hand the signal to it; else raise KeyboardInterrupt. Dagster
    maps SIGTERM to the SIGINT handler during a run and after it, so installing this one for SIGINT
    too keeps SIGTERM stopping ``aigeo run`` between jobs, even when a shell started it with SIGINT
    ignored."""
    current = signal.getsignal(signal.SIGINT)
    if callable(current) and current is not _stop_like_ctrl_c:
        current(signal.SIGINT, frame)
        return
    raise KeyboardInterrupt


def _received_stop_signals() -> list[int]:
    """The stop signals received so far, from the wakeup pipe: Python writes every signal there, the
    ones Dagster's own handler took too, and the ones whose KeyboardInterrupt Python dropped (raised
    inside a garbage-collector callback, it is only printed; the job then runs to its end)."""
    if _wakeup_pipe:
        wanted = {int(getattr(signal, name)) for name in STOP_SIGNALS if hasattr(signal, name)}
        while True:
            try:
                data = os.read(_wakeup_pipe[0], 512)
            except (BlockingIOError, InterruptedError):
                break
            if not data:
                break
            _stop_signals.extend(b for b in data if b in wanted)
    return _stop_signals


@contextmanager
def _stop_signals_handled_by(handler: Callable[[int, Any], None]) -> Iterator[bool]:
    """``handler`` for each of ``STOP_SIGNALS`` inside the block, the previous handlers after; yields
    False (and changes nothing) outside the main thread, where Python cannot set handlers."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield False
        return
    saved = {}
    for name in STOP_SIGNALS:
        if hasattr(signal, name):
            signo = getattr(signal, name)
            saved[signo] = signal.signal(signo, handler)
    try:
        yield True
    finally:
        for signo, previous in saved.items():
            signal.signal(signo, previous)


@contextmanager
def _stop_signals_interrupt() -> Iterator[None]:
    """``_stop_like_ctrl_c`` for ``STOP_SIGNALS`` inside the block, and a wakeup pipe that records
    every signal received (``_received_stop_signals``). The signals are kept after the block only
    while an interrupt propagates, for ``main``'s message and exit code."""
    _stop_signals.clear()
    with _stop_signals_handled_by(_stop_like_ctrl_c) as installed:
        if not installed:
            yield
            return
        read_end, write_end = os.pipe()
        os.set_blocking(read_end, False)
        os.set_blocking(write_end, False)
        previous = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
        _wakeup_pipe[:] = [read_end]
        completed = False
        try:
            yield
            completed = True
        finally:
            _received_stop_signals()
            signal.set_wakeup_fd(previous)
            _wakeup_pipe.clear()
            os.close(read_end)
            os.close(write_end)
            if completed:
                _stop_signals.clear()


@contextmanager
def _stop_signals_deferred() -> Iterator[None]:
    """Hold ``STOP_SIGNALS`` back while a stopped run is marked failed (a second Ctrl-C would cut the
    write short); the first one held is raised again when it is done."""
    held: list[int] = []
    try:
        with _stop_signals_handled_by(lambda signo, frame: held.append(signo)):
            yield
    finally:
        if held:
            signal.raise_signal(held[0])


def _stop_signal_name() -> str | None:
    received = _received_stop_signals()
    return signal.Signals(received[-1]).name if received else None


def _stopped_message(who: str, exc: BaseException) -> str:
    """What stopped ``aigeo run`` mid-run, for the run's event log."""
    import dagster as dg

    if isinstance(exc, (KeyboardInterrupt, dg.DagsterExecutionInterruptedError)):
        name = _stop_signal_name()
        cause = f"received {name}" if name else "was interrupted"
    else:
        first = (str(exc).strip().splitlines() or [""])[0][:300]
        cause = f"stopped on {type(exc).__name__}: {first}"
    return f"aigeo run ({who}) {cause} before this run finished: marked failed."


def _plan(args: argparse.Namespace, settings: Settings, defs: "dg.Definitions") -> tuple[str | None, list[str] | None, bool, bool]:
    """(job, years, needs figures, needs graph-tool) of ``aigeo run``'s arguments."""
    if args.job is None:
        keys = defs.resolve_job_def("yearly_refresh").partitions_def.get_partition_keys()  # type: ignore[union-attr]
        return None, (select_years(args.years, keys, hint=OPENALEX_HINT) if args.years else None), True, True  # both studies' years
    names = job_names(defs)
    if args.job not in names:
        raise CliError(f"unknown job {args.job!r}: the jobs are {', '.join(names)}")
    job = defs.resolve_job_def(args.job)
    groups = _job_groups(defs, args.job)
    years = None
    if job.partitions_def is not None:
        keys = job.partitions_def.get_partition_keys()
        # no --years: None, every partition, and every partition an upstream job's assets are read for
        if args.years:
            hint = _partition_hint(_job_groups(defs, args.job, partitioned=True))
            years = select_years(args.years, keys, f"the partitions of {args.job}", hint)
    elif args.years:
        raise CliError(f"job {args.job} is not partitioned by year: drop --years {args.years}")
    return args.job, years, bool(groups & FIGURE_GROUPS), bool(groups & GRAPH_TOOL_GROUPS)


def _print_plan(defs: "dg.Definitions", job: str | None, years: list[str] | None, refresh: bool, home: Path) -> int:
    """``aigeo run --dry-run``: the plan's runs in order, each with the runs it waits for and, with
    ``--refresh``, why it is in the plan (``PlannedRun.reasons``, the first and how many more), then
    a count of the runs by their first reason. Nothing is run or recorded."""
    import dagster as dg

    from aigeo_assets.orchestration import STALE_KINDS, plan_runs

    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = plan_runs(defs, job_name=job, years=years, stale_in=instance if refresh else None)
    what = ("every asset" if job is None else f"job {job}") + (" (only what is missing or out of date)" if refresh else "")
    print(f"aigeo: the plan of {what}: {len(runs)} run{'' if len(runs) == 1 else 's'}; nothing is run (--dry-run)")
    width = max((len(r.label) for r in runs), default=0)
    for r in runs:
        needs = sorted(r.needs)
        after = ("after " + ",".join(map(str, needs[:4])) + (f" +{len(needs) - 4}" if len(needs) > 4 else "")) if needs else ""
        line = f"  {r.index:>4} {r.label:<{width}}  {after:<22}"
        if r.reasons:
            more = f" (+{len(r.reasons) - 1} more)" if len(r.reasons) > 1 else ""
            line += f"  {r.reasons[0]}{more}"
        print(line.rstrip())
    if refresh and runs:
        kinds = Counter(r.reasons[0].kind for r in runs if r.reasons)
        print("aigeo: why: " + "; ".join(f"{kinds[k]} {STALE_KINDS[k]}" for k in STALE_KINDS if kinds[k]))
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    import functools

    import dagster as dg

    settings = _settings()
    defs = _definitions(settings)
    from aigeo_assets.code_location import build_definitions
    from aigeo_assets.orchestration import (
        PLAN_TAG,
        PlanRunner,
        RunFailed,
        WorkerDied,
        plan_runs,
        total_stats,
        worker_start_method,
    )
    from aigeo_assets.run_reaper import current_process_identity, end_runs_of_process, reap_dead_runs

    job, years, needs_figures, needs_graph_tool = _plan(args, settings, defs)
    if args.dry_run:
        return _print_plan(defs, job, years, args.refresh, _dagster_home(settings))
    if args.workers is not None and args.workers < 1:
        raise CliError(f"--workers {args.workers}: give 1 or more")
    problems = preflight(settings, needs_figures, needs_graph_tool=needs_graph_tool)
    if problems:
        for p in problems[:-1]:
            print(f"aigeo: error: {p}", file=sys.stderr)
        raise CliError(problems[-1])
    home = _dagster_home(settings)
    identity = current_process_identity()
    stats_file = Path(args.stats).expanduser() if args.stats else None
    with _stop_signals_interrupt(), dg.DagsterInstance.from_config(str(home)) as instance:
        for reaped in reap_dead_runs(instance, identity, reaper="`aigeo run` as it started"):
            marked = "canceled" if reaped.left_status == "CANCELING" else "failed"
            print(
                f"aigeo: run {reaped.run_id} ({reaped.job_name}) was left {reaped.left_status} by a process that is "
                f"gone: marked {marked}",
                file=sys.stderr,
            )
        runs = plan_runs(defs, job_name=job, years=years, stale_in=instance if args.refresh else None)
        workers = min(args.workers or cores.usable_cores(), max(1, len(runs)))
        what = "every asset" if job is None else f"job {job}"
        if args.refresh:
            what += " (only what is missing or out of date)"
        print(
            f"aigeo: materializing {what} ({len(runs)} run{'' if len(runs) == 1 else 's'}, "
            f"{workers} worker{'' if workers == 1 else 's'}) into {home}",
            flush=True,
        )
        prefix = f"{job}: " if job else ""
        tags = {**identity.tags(), PLAN_TAG: f"{identity.pid}-{int(time.time())}"}
        started = time.perf_counter()
        finished = []
        if stats_file:
            stats_file.parent.mkdir(parents=True, exist_ok=True)
            stats_file.write_text("")
        with Progress(len(runs), "") as bar:

            def done(s) -> None:
                finished.append(s)
                bar.write(f"  {prefix + s.label:<34} {'ok' if s.status == 'SUCCESS' else 'FAILED'} in {s.wall_s:6.1f}s")
                bar.advance(label=prefix + s.label)
                if stats_file:
                    with stats_file.open("a") as fh:
                        fh.write(s.as_json() + "\n")

            runner = PlanRunner(
                workers=workers,
                job_name=job,
                run_config=QUIET,
                tags=tags,
                defs=defs,
                instance=instance,
                build=functools.partial(build_definitions, settings),
                home=str(home),
                on_start=lambda r: bar.set_label(prefix + r.label),
                on_done=done,
                on_wait=lambda limit: bar.write(
                    f"  waiting: the run queue's {limit} place{'' if limit == 1 else 's'} (concurrency.runs.max_concurrent_runs in "
                    f"{home / 'dagster.yaml'}) are taken by runs from the UI or another `aigeo run` (`aigeo ui` shows them)"
                ),
                should_stop=lambda: bool(_received_stop_signals()),
                worker_max_rss_bytes=settings.worker_max_rss_mb * 2**20,
                start_method=worker_start_method(args.own_process),
            )
            try:
                runner.run(runs)
            except RunFailed as exc:
                for failed in exc.failures:
                    print(f"aigeo: {prefix}{failed.label} failed: {failed.error}", file=sys.stderr)
                ok = sum(s.status == "SUCCESS" for s in exc.done)
                print(
                    f"aigeo: {len(exc.failures)} run{'' if len(exc.failures) == 1 else 's'} failed; {exc.not_started} that "
                    f"depend on {'it' if len(exc.failures) == 1 else 'them'} did not start; the other {ok} succeeded "
                    "(the runs and their logs: `aigeo ui`; `aigeo run --refresh` does what is left once fixed)",
                    file=sys.stderr,
                )
                return EXIT_FAILED
            except WorkerDied as exc:  # the other workers are stopped by now; the runs left carry our identity
                with _stop_signals_deferred():
                    end_runs_of_process(instance, identity, _stopped_message(identity.describe(), exc))
                print(f"aigeo: error: {exc} (the runs and their logs: `aigeo ui`; `aigeo run --refresh` does what is left)",
                      file=sys.stderr)
                return EXIT_FAILED
            except BaseException as exc:  # a signal, Ctrl-C, an error outside Dagster's own handling
                with _stop_signals_deferred():  # the workers are stopped by now; their runs carry our identity
                    end_runs_of_process(instance, identity, _stopped_message(identity.describe(), exc))
                if isinstance(exc, dg.DagsterExecutionInterruptedError):
                    raise KeyboardInterrupt from exc
                raise
            finally:
                if stats_file:
                    with stats_file.open("a") as fh:
                        fh.write(json.dumps(total_stats(finished, time.perf_counter() - started, workers)) + "\n")
    line = warnings_line(warned_checks(finished))
    if line:
        print(line, file=sys.stderr)
    print("aigeo: done. `aigeo ui` (or `make ui`) shows the asset graph, runs and metadata.")
    return EXIT_OK


# ------------------------------------------------------------------------------------ other commands


def _truth_summary(truth: dict) -> str:
    """The planted facts of ``truth.json`` in one line."""
    parts: list[str] = []
    if "n_works" in truth:
        ai = sum(truth.get("ai_works_per_year", {}).values())
        parts.append(f"{truth['n_works']:,} works" + (f" ({ai:,} AI)" if ai else ""))
    if "n_authors" in truth:
        parts.append(f"{truth['n_authors']:,} authors")
    if "n_institutions" in truth:
        parts.append(f"{truth['n_institutions']:,} institutions")
    if truth.get("cities"):
        parts.append(f"{len(truth['cities'])} cities")
    cites = truth.get("citations", {}).get("in_corpus")
    if cites is not None:
        parts.append(f"{cites:,} in-corpus citations")
    planted = []
    if truth.get("bridge_city", {}).get("name"):
        planted.append(f"East-West bridge {truth['bridge_city']['name']}")
    if truth.get("fast_capital", {}).get("planted"):
        planted.append(f"fast-growing eastern capital {truth['fast_capital']['planted']['name']}")
    realized = []
    fastest = truth.get("claims", {}).get("fastest_growing_eastern_capital")
    if fastest:
        realized.append(f"fastest-growing eastern capital {fastest['name']}")
    text = "truth.json: " + ", ".join(parts)
    return text + (f"; planted: {', '.join(planted)}" if planted else "") + (f"; realized: {', '.join(realized)}" if realized else "")


def cmd_world(args: argparse.Namespace) -> int:
    from aigeo_assets.sampleworld import generate_world

    settings = _settings()
    scale = args.scale or settings.sample_scale
    seed = settings.sample_seed if args.seed is None else args.seed
    root = settings.sources_dir / f"sample-{scale}-{seed}"
    truth_path = root / "truth.json"
    before = truth_path.stat().st_mtime_ns if truth_path.is_file() else None
    started = time.perf_counter()
    bar = Progress(0, f"sample world {scale}")
    try:
        generate_world(root, scale=scale, seed=seed, progress=bar)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    finally:
        bar.close()
    truth = json.loads(truth_path.read_text())
    p = truth.get("parameters", {})
    after = truth_path.stat().st_mtime_ns
    how = "already there" if before == after else f"made in {time.perf_counter() - started:.1f}s"
    print(f"sample world {scale} (seed {seed}, {p.get('start_year', '?')}-{p.get('end_year', '?')}) at {root}: {how}")
    print(_truth_summary(truth))
    if args.parquet:
        from aigeo_assets.sampleworld.parquet_snapshot import write_parquet_snapshot

        manifest = root / "data" / "parquet" / "manifest.json"
        if manifest.is_file() and manifest.stat().st_mtime_ns >= after:
            print(f"Parquet copy of its works at {manifest.parent}: already there")
        else:
            started = time.perf_counter()
            copy = write_parquet_snapshot(root)
            rows = sum(copy.rows.values())
            print(f"Parquet copy of its works at {manifest.parent}: {rows:,} rows in {len(copy.parts)} parts, "
                  f"made in {time.perf_counter() - started:.1f}s (AIGEO_SNAPSHOT_FORMAT=auto reads it)")
    if (scale, seed) != (settings.sample_scale, settings.sample_seed):
        print(f"aigeo: the pipeline reads this world with AIGEO_SAMPLE_SCALE={scale} AIGEO_SAMPLE_SEED={seed}", file=sys.stderr)
    return EXIT_OK


def _spawn(cmd: list[str], env: dict[str, str], cwd: Path) -> int:
    """Run ``cmd`` in the foreground; on Ctrl-C let it shut down (it got the signal too)."""
    proc = subprocess.Popen(cmd, env=env, cwd=cwd)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        try:
            return proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.terminate()
            return proc.wait()


def cmd_ui(args: argparse.Namespace) -> int:
    settings = _settings()
    for p in preflight(settings, needs_figures=True):
        print(f"aigeo: warning: {p} (runs that need it will fail)", file=sys.stderr)
    home = _dagster_home(settings)
    local = Path(sys.executable).with_name("dagster")
    dagster = str(local) if local.is_file() else shutil.which("dagster")
    if dagster is None:
        raise CliError("the `dagster` command is not installed: run `make setup`")
    cmd = [dagster, "dev", "-w", str(REPO_ROOT / "workspace.yaml"), "-h", args.host, "-p", str(args.port)]
    print(f"aigeo: Dagster UI on http://{args.host}:{args.port} (DAGSTER_HOME={home}); Ctrl-C stops it", flush=True)
    return _spawn(cmd, env={**os.environ, "DAGSTER_HOME": str(home)}, cwd=REPO_ROOT)


def cmd_report(args: argparse.Namespace) -> int:
    settings = _settings()
    path = settings.data_dir / "reports" / "atlas.html"
    if not path.is_file():
        print(
            f"aigeo: no atlas report at {path} yet: make it with `aigeo run --job {ATLAS_JOB}` (asset {ATLAS_ASSET})",
            file=sys.stderr,
        )
        return EXIT_FAILED
    print(path)
    if args.open:
        webbrowser.open(path.as_uri())
    return EXIT_OK


def cmd_snapshot(args: argparse.Namespace) -> int:
    from aigeo_assets.ingest.records_folder import RecordsFileError, snapshot_from_records

    works = [Path(p) for p in args.works]
    institutions = [Path(p) for p in args.institutions]
    missing = [str(p) for p in works + institutions if not p.is_file()]
    if missing:
        raise CliError(f"no such file: {', '.join(missing)}")
    out = Path(args.out)
    try:
        counts = snapshot_from_records(out, works=works, institutions=institutions)
    except RecordsFileError as exc:
        raise CliError(str(exc)) from None
    print(f"snapshot at {out}: {counts['works']} works, {counts['institutions']} institutions")
    print(f"aigeo: read it with AIGEO_SOURCE=snapshot AIGEO_SNAPSHOT_DIR={out}", file=sys.stderr)
    return EXIT_OK


# ------------------------------------------------------------------------------------ export

EXPORT_FORMATS = ("gexf", "vosviewer", "csv")
NETWORK_TABLES_HINT = "`aigeo run --job city_summaries` (or `aigeo run`) makes them"


def _warehouse_file(root, *parts: str):
    """A table's user-facing file in the warehouse (local folder or fsspec URL), resolved to the
    version its group names now (a multi-asset's tables are symlinks into their version)."""
    from aigeo_assets.resources.warehouse_files import resolve_table

    path = root.joinpath(*parts)
    return resolve_table(path) if isinstance(path, Path) else path


def _read_table(root, *parts: str, required: bool = True, columns: list[str] | None = None):
    import pandas as pd

    path = _warehouse_file(root, *parts)
    if not path.exists():
        if required:
            name = "/".join(parts).removesuffix(".parquet")
            raise CliError(f"{name} has not been materialized yet ({path} is missing): {NETWORK_TABLES_HINT}")
        return None
    with path.open("rb") as fh:
        return pd.read_parquet(fh, columns=columns)


def _export_networks(settings: Settings, root, out: Path, formats: list[str], years: str | None) -> list[str]:
    """The paper's windows into ``out``, each year window's into ``out/by_year/<year>`` and, with gexf,
    each network over those years as one dynamic GEXF ``out/by_year/<network>_timeline.gexf``; lines
    to print."""
    import pandas as pd

    from aigeo_assets.networks.city_networks import NETWORKS
    from aigeo_assets.atomic_files import write_files_atomic
    from aigeo_assets.networks.export import BRIDGE_WINDOW_YEARS, city_networks, network_files, paper_windows, timeline_files

    n = max(settings.top_ns)
    edges = _read_table(root, "out_network_edges.parquet")
    top = _read_table(root, "out_top_cities.parquet")
    betweenness = _read_table(root, "out_east_west_betweenness.parquet", required=False)
    coords = _read_table(root, "out_city_year_metrics", f"{settings.reference_year}.parquet", required=False,
                         columns=["city_geonames_id", "latitude", "longitude"])
    if len(top) < 2:
        raise CliError(f"out_top_cities holds {len(top)} cit{'y' if len(top) == 1 else 'ies'}: a network needs at least two")
    networks = city_networks(edges, top, n, paper_windows(settings), coordinates=coords, betweenness=betweenness)
    written = write_files_atomic([(out / k, v) for k, v in network_files(networks, formats).items()], skip_unchanged=True)
    lines = [f"{len(written)} files of {len(networks)} networks ({', '.join(formats)}) in {out}"]
    folder = root / "out_network_edges_by_year"
    available = sorted(p.name.removesuffix(".parquet") for p in folder.iterdir() if p.name.endswith(".parquet")) if folder.exists() else []
    wanted = select_years(years, available, what="the materialized years of out_network_edges_by_year",
                          hint="`aigeo run --job yearly_network_exports` makes them") if years else available
    all_edges, all_betweenness = [], []
    for year in wanted:
        yearly = _read_table(root, "out_network_edges_by_year", f"{year}.parquet")
        b = _read_table(root, "out_east_west_betweenness_by_year", f"{year}.parquet", required=False)
        window = (max(settings.start_year, int(year) - BRIDGE_WINDOW_YEARS + 1), int(year))
        nets = city_networks(yearly, top, n, {name: window for name in NETWORKS}, coordinates=coords, betweenness=b)
        write_files_atomic([(out / "by_year" / year / k, v) for k, v in network_files(nets, formats).items()], skip_unchanged=True)
        all_edges.append(yearly)
        if b is not None:
            all_betweenness.append(b)
    if wanted:
        lines.append(f"the {BRIDGE_WINDOW_YEARS}-year windows ending {_spans([int(y) for y in wanted])} in {out / 'by_year'}")
        if "gexf" in formats:
            timeline = timeline_files(pd.concat(all_edges, ignore_index=True), top, n, years=[int(y) for y in wanted],
                                      coordinates=coords,
                                      betweenness_by_year=pd.concat(all_betweenness, ignore_index=True) if all_betweenness else None)
            write_files_atomic([(out / "by_year" / k, v) for k, v in timeline.items()], skip_unchanged=True)
            lines.append(f"{len(timeline)} timelines over {_spans([int(y) for y in wanted])} (dynamic GEXF, Gephi's timeline) "
                         f"in {out / 'by_year'}: {', '.join(timeline)}")
    else:
        lines.append("no yearly networks: out_network_edges_by_year is not materialized (`aigeo run --job yearly_network_exports`)")
    return lines


def _warehouse_tables(root, pattern: str) -> list[tuple[str, str | None]]:
    """(asset, partition) of every parquet table in the warehouse whose asset name matches ``pattern``
    (``fnmatch``); folders starting with ``_`` (versions, caches) and temporaries are left out."""
    import fnmatch

    found = []
    for entry in sorted(root.iterdir(), key=lambda p: p.name) if root.exists() else []:
        name = entry.name
        if name.startswith(("_", ".")):
            continue
        if name.endswith(".parquet") and not entry.is_dir():
            asset, partition = name.removesuffix(".parquet"), None
            if fnmatch.fnmatchcase(asset, pattern):
                found.append((asset, partition))
        elif entry.is_dir() and fnmatch.fnmatchcase(name, pattern):
            found += [(name, p.name.removesuffix(".parquet")) for p in sorted(entry.iterdir(), key=lambda p: p.name)
                      if p.name.endswith(".parquet") and not p.name.startswith(".")]
    return found


def _export_csv(root, out: Path | None, pattern: str) -> str:
    """Every table as CSV: beside its parquet (``out`` None) or under ``out/tables/``; a copy newer than
    its parquet is left as it is."""
    import pandas as pd

    from aigeo_assets.resources.io import write_csv
    from aigeo_assets.resources.warehouse_files import write_atomic, write_object_atomic

    tables = _warehouse_tables(root, pattern)
    if not tables:
        raise CliError(f"no table in the warehouse {root} matches {pattern!r}: `aigeo run` materializes them")
    written = fresh = 0
    for asset, partition in tables:
        parts = (asset, f"{partition}.parquet") if partition else (f"{asset}.parquet",)
        source = _warehouse_file(root, *parts)
        rel = (asset, f"{partition}.csv") if partition else (f"{asset}.csv",)
        target = (root.joinpath(*rel)) if out is None else out.joinpath("tables", *rel)
        if isinstance(target, Path) and isinstance(source, Path) and target.is_file() and target.stat().st_mtime >= source.stat().st_mtime:
            fresh += 1
            continue
        with source.open("rb") as fh:
            df = pd.read_parquet(fh)
        if isinstance(target, Path):
            write_atomic(target, lambda tmp: write_csv(df, tmp))
        else:
            write_object_atomic(target, lambda fh: write_csv(df, fh))
        written += 1
    where = "beside their parquet files" if out is None else f"in {out / 'tables'}"
    return f"{written} tables written as CSV {where}" + (f" ({fresh} already up to date)" if fresh else "")


def cmd_export(args: argparse.Namespace) -> int:
    """The city networks as GEXF and VOSviewer files, and the tables as CSV, from the warehouse as it
    is (no Dagster run, no Dagster import)."""
    from aigeo_assets.networks.export import networks_dir
    from aigeo_assets.resources.warehouse_files import warehouse_root

    settings = _settings()
    formats = list(dict.fromkeys(args.format or ["gexf", "vosviewer"]))
    root = warehouse_root(settings.warehouse_location)
    out = Path(args.out).expanduser() if args.out else None
    lines = []
    network_formats = [f for f in formats if f != "csv"]
    if network_formats:
        lines += _export_networks(settings, root, out or networks_dir(settings.data_dir), network_formats, args.years)
    if "csv" in formats:
        lines.append(_export_csv(root, out, args.tables))
    for line in lines:
        print(f"aigeo: {line}")
    return EXIT_OK


# ------------------------------------------------------------------------------------ main


def _parser() -> argparse.ArgumentParser:
    from aigeo_assets.sampleworld.config import SCALES

    parser = argparse.ArgumentParser(prog="aigeo", description="The aigeo platform outside the UI.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="{world,snapshot,run,ui,export,report}")

    w = sub.add_parser("world", help="generate the sample world (AIGEO_SOURCE=sample)")
    w.add_argument("--scale", choices=sorted(SCALES), help="size of the world (default: AIGEO_SAMPLE_SCALE)")
    w.add_argument("--seed", type=int, help="its seed (default: AIGEO_SAMPLE_SEED)")
    w.add_argument(
        "--parquet", action="store_true",
        help="also write its works as OpenAlex's Parquet snapshot (data/parquet/works/), which the ingest then reads",
    )
    w.set_defaults(func=cmd_world)

    snap = sub.add_parser(
        "snapshot", help="write loose OpenAlex records (API pages, JSON, JSON Lines) as a snapshot folder",
        description="Records are written as found (duplicates too: the readers quarantine them); the folder is "
        "then read with AIGEO_SOURCE=snapshot AIGEO_SNAPSHOT_DIR=OUT.",
    )
    snap.add_argument("out", help="the snapshot folder to write")
    snap.add_argument("--works", nargs="+", default=[], metavar="FILE", help="files of work records")
    snap.add_argument("--institutions", nargs="*", default=[], metavar="FILE", help="files of institution records")
    snap.set_defaults(func=cmd_snapshot)

    r = sub.add_parser(
        "run", aliases=["materialize-all"], help="materialize every asset, or one job",
        description="Without --job, materialize every asset in order (materialize-all is the same command).",
    )
    r.add_argument("--job", help="one job (a partitioned job runs once per year); an unknown name lists the jobs")
    r.add_argument("--years", help="2015:2019, 2015-2019 or 2017 (default: every partition)")
    r.add_argument(
        "--workers", type=int, help="runs at once, each in its own process (default: the cores this machine lets us use)"
    )
    r.add_argument(
        "--refresh", action="store_true",
        help="only what is missing or older than what it reads (e.g. after a new snapshot or a new year)",
    )
    r.add_argument("--stats", metavar="FILE", help="write one JSON line per run: wall and CPU seconds, peak memory")
    r.add_argument(
        "--dry-run", action="store_true",
        help="print the plan (the runs in order, what each waits for; with --refresh, why each is in it) and run nothing",
    )
    r.set_defaults(func=cmd_run)

    u = sub.add_parser("ui", help="the Dagster UI (dagster dev -w workspace.yaml)")
    u.add_argument("--port", type=int, default=3000)
    u.add_argument("--host", default="127.0.0.1")
    u.set_defaults(func=cmd_ui)

    ex = sub.add_parser(
        "export", help="the city networks as GEXF / VOSviewer files, the tables as CSV",
        description="Reads the warehouse as it is (no run): the networks of Fig. 3's windows and of each five-year "
        "window into data/reports/networks/ (or --out); with gexf, also each network's evolution over those yearly "
        "windows as one dynamic GEXF for Gephi's timeline (by_year/<network>_timeline.gexf: the weight of each edge "
        "and the strength of each city per year); the tables as CSV beside their parquet (or in --out/tables/).",
    )
    ex.add_argument("--format", action="append", choices=EXPORT_FORMATS,
                    help="gexf (Gephi, networkx; with the yearly networks also <network>_timeline.gexf, one dynamic file "
                    "per network), vosviewer (map and network files), csv (every table); repeat it for several "
                    "(default: gexf and vosviewer)")
    ex.add_argument("--out", metavar="DIR", help="write into DIR instead (networks in DIR, tables in DIR/tables)")
    ex.add_argument("--years", help="the yearly windows to write, and the years of the timelines: 2015:2019, 2015-2019 or "
                    "2017 (default: every one materialized)")
    ex.add_argument("--tables", default="*", metavar="PATTERN", help="with csv: the tables whose name matches (e.g. 'out_*')")
    ex.set_defaults(func=cmd_export)

    rep = sub.add_parser("report", help="the path of the atlas report (reports/atlas.html)")
    rep.add_argument("--open", action="store_true", help="open it in a web browser")
    rep.set_defaults(func=cmd_report)
    return parser


def main(argv: list[str] | None = None, *, own_process: bool = False) -> int:
    """The ``aigeo`` command; returns the exit code (0 ok, 1 a run failed, 2 a usage or set-up problem).
    ``own_process``: the process is this command and nothing else (``command``), so ``aigeo run`` may
    fork its workers (``orchestration.worker_start_method``)."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help, or argparse's own usage errors (exit code 2)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    args.own_process = own_process
    try:
        return args.func(args)
    except CliError as exc:
        print(f"aigeo: error: {exc}".replace("\n", " "), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        name = _stop_signal_name()
        print(f"aigeo: interrupted{f' by {name}' if name else ''}", file=sys.stderr)
        return 128 + (_stop_signals[-1] if _stop_signals else signal.SIGINT)
    finally:
        _stop_signals.clear()


def command() -> None:
    """The ``aigeo`` program (and ``python -m aigeo_assets.cli``): ``main`` as the process's own command."""
    sys.exit(main(own_process=True))


if __name__ == "__main__":
    command()
