"""Runs that die are reaped (issue 12): a killed ``aigeo run`` never holds the run queue.

The unit tests decide a recorded process's fate from a fake ``/proc``, reap runs of an ephemeral
instance and send SIGHUP to this process. The end-to-end tests start two real ``aigeo run`` processes
on a tiny sample world, with the shipped ``scripts/dagster.yaml`` (``max_concurrent_runs: 1``), and
stop each as soon as its run is STARTED: the one stopped by SIGTERM marked its run failed itself; the
one killed by SIGKILL left its run STARTED, which holds a queued run until ``dagster-daemon`` (the
sensor ``dead_run_reaper``) marks it failed, and the queued run then starts.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import dagster as dg
import pytest

from aigeo_assets.resources.settings import ENVIRONMENT, REPO_ROOT
from aigeo_assets.run_reaper import (
    HOST_TAG,
    PID_TAG,
    ProcessIdentity,
    current_process_identity,
    end_runs_of_process,
    process_fate,
    reap_dead_runs,
)

HERE = ProcessIdentity(pid=100, host="lab", boot_id="boot-1", pid_namespace="pid:[1]", start_ticks="5000")


def _fake_proc(root: Path, pid: int, state: str = "S", start_ticks: str = "5000", comm: str = "python") -> Path:
    """A ``/proc/<pid>/stat`` with ``state`` (field 3) and ``start_ticks`` (field 22)."""
    fields = [state, *["0"] * 18, start_ticks, "0", "0"]  # fields 3..24
    (root / str(pid)).mkdir(parents=True, exist_ok=True)
    (root / str(pid) / "stat").write_text(f"{pid} ({comm}) {' '.join(fields)}\n")
    return root


def test_the_identity_of_this_process_is_read_from_proc_and_round_trips_through_tags():
    me = current_process_identity()
    assert me.pid == os.getpid()
    if Path("/proc/self/stat").exists():
        assert me.start_ticks.isdigit() and me.boot_id and me.pid_namespace.startswith("pid:")
        assert process_fate(me, me) == ("running", f"process {me.pid} is still running")
    assert ProcessIdentity.from_tags(me.tags()) == me
    assert ProcessIdentity.from_tags({"dagster/partition": "2015"}) is None
    assert ProcessIdentity.from_tags({PID_TAG: "12x", HOST_TAG: "lab"}) is None


@pytest.mark.parametrize(
    ("recorded", "proc_entry", "fate", "reason"),
    [
        ({}, None, "gone", "no process"),
        ({}, {"state": "Z"}, "gone", "zombie"),
        ({}, {"start_ticks": "9999"}, "gone", "another program"),
        ({}, {"comm": "a) b (c"}, "running", "still running"),  # a command name with ") "
        ({}, {}, "running", "still running"),
        ({"boot_id": "boot-0"}, {}, "gone", "restarted"),
        ({"host": "other"}, None, "unknowable", "host other"),
        ({"pid_namespace": "pid:[2]"}, None, "unknowable", "PID namespace"),
    ],
)
def test_process_fate(tmp_path, recorded, proc_entry, fate, reason):
    """A process that exited (its pid is free), as ``/proc`` shows it here (the fake entry) or does not."""
    pid = _a_dead_pid()
    if proc_entry is not None:
        _fake_proc(tmp_path, pid, **proc_entry)
    got, why = process_fate(replace(HERE, pid=pid, **recorded), HERE, proc=tmp_path)
    assert (got, reason in why) == (fate, True), why


def test_a_process_proc_hides_but_that_exists_is_running(tmp_path):
    """``/proc`` mounted with hidepid=2 hides other users' processes: the pid is asked with kill(pid, 0)."""
    assert process_fate(replace(HERE, pid=os.getpid()), HERE, proc=tmp_path)[0] == "running"


def _add_run(instance: dg.DagsterInstance, status: dg.DagsterRunStatus, tags: dict[str, str]) -> str:
    run = instance.add_run(dg.DagsterRun(job_name="reference_tables", status=status, tags=tags))
    return run.run_id


def test_reap_dead_runs_marks_only_this_hosts_runs_whose_process_is_gone():
    me = current_process_identity()
    dead = replace(me, pid=_a_dead_pid())
    with dg.DagsterInstance.ephemeral() as instance:
        started_dead = _add_run(instance, dg.DagsterRunStatus.STARTED, dead.tags())
        canceling_dead = _add_run(instance, dg.DagsterRunStatus.CANCELING, dead.tags())
        alive = _add_run(instance, dg.DagsterRunStatus.STARTED, me.tags())
        elsewhere = _add_run(instance, dg.DagsterRunStatus.STARTED, replace(dead, host=me.host + "-other").tags())
        untagged = _add_run(instance, dg.DagsterRunStatus.STARTED, {})
        finished = _add_run(instance, dg.DagsterRunStatus.SUCCESS, dead.tags())

        reaped = reap_dead_runs(instance, me)

        assert sorted(r.run_id for r in reaped) == sorted([started_dead, canceling_dead])
        status = {run_id: instance.get_run_by_id(run_id).status for run_id in [started_dead, canceling_dead, alive, elsewhere, untagged, finished]}
        assert status == {
            started_dead: dg.DagsterRunStatus.FAILURE,
            canceling_dead: dg.DagsterRunStatus.CANCELED,
            alive: dg.DagsterRunStatus.STARTED,
            elsewhere: dg.DagsterRunStatus.STARTED,
            untagged: dg.DagsterRunStatus.STARTED,
            finished: dg.DagsterRunStatus.SUCCESS,
        }
        assert f"process {dead.pid} on host {me.host} that ran this run is gone" in _failure_message(instance, started_dead)
        assert reap_dead_runs(instance, me) == []  # nothing left to reap


def test_a_launched_run_whose_worker_is_gone_is_reaped_and_a_running_one_is_kept(tmp_path, monkeypatch):
    """Runs launched from the UI (DefaultRunLauncher) carry no aigeo tags: their worker's pid comes
    from its "Started process for run" engine event, and its start time must predate that event."""
    from dagster._core.events import EngineEventData

    import aigeo_assets.resources.warehouse_files as warehouse_files

    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
            runs = {name: _add_run(instance, dg.DagsterRunStatus.STARTED, {}) for name in ("dead", "live", "reused", "silent")}
            time.sleep(1.2)  # the live worker started clearly before it reported
            for name, pid in (("dead", _a_dead_pid()), ("live", live.pid), ("reused", live.pid)):
                instance.report_engine_event(f"Started process for run (pid: {pid}).", instance.get_run_by_id(runs[name]),
                                             EngineEventData.in_process(pid))
            reaped = reap_dead_runs(instance, current_process_identity())

            assert [r.run_id for r in reaped] == [runs["dead"]]
            status = {name: instance.get_run_by_id(run_id).status for name, run_id in runs.items()}
            assert status == {"dead": dg.DagsterRunStatus.FAILURE, "live": dg.DagsterRunStatus.STARTED,
                              "reused": dg.DagsterRunStatus.STARTED, "silent": dg.DagsterRunStatus.STARTED}
            assert "its run worker, process" in _failure_message(instance, runs["dead"])

            real_start = warehouse_files.process_start_time
            after_the_reports = time.time() + 60  # as if the worker died and its pid went to a newer process
            monkeypatch.setattr(warehouse_files, "process_start_time", lambda pid: after_the_reports if pid == live.pid else real_start(pid))
            reaped = reap_dead_runs(instance, current_process_identity())
            assert sorted(r.run_id for r in reaped) == sorted([runs["live"], runs["reused"]])
            assert "pid reused or machine restarted" in _failure_message(instance, runs["reused"])
            assert instance.get_run_by_id(runs["silent"]).status == dg.DagsterRunStatus.STARTED, "no worker reported yet"
    finally:
        live.kill()
        live.wait()


def test_end_runs_of_process_fails_only_the_newest_run_of_that_process():
    me = current_process_identity()
    with dg.DagsterInstance.ephemeral() as instance:
        earlier = _add_run(instance, dg.DagsterRunStatus.SUCCESS, me.tags())
        newest = _add_run(instance, dg.DagsterRunStatus.STARTED, me.tags())
        other = _add_run(instance, dg.DagsterRunStatus.STARTED, replace(me, pid=me.pid + 1).tags())
        assert end_runs_of_process(instance, me, "stopped by SIGTERM") == [newest]
        assert instance.get_run_by_id(newest).status == dg.DagsterRunStatus.FAILURE
        assert instance.get_run_by_id(earlier).status == dg.DagsterRunStatus.SUCCESS
        assert instance.get_run_by_id(other).status == dg.DagsterRunStatus.STARTED
        assert "stopped by SIGTERM" in _failure_message(instance, newest)


def _cli_home(tmp_path: Path, monkeypatch) -> Path:
    """A Dagster home with the shipped ``dagster.yaml`` and the environment of ``aigeo run`` on the tiny world."""
    for name in [*ENVIRONMENT, "DAGSTER_HOME", "OPENALEX_API_KEY"]:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO_ROOT / "scripts" / "dagster.yaml", home / "dagster.yaml")
    for name, value in {"DAGSTER_HOME": str(home), "AIGEO_DATA_DIR": str(tmp_path / "data"), "AIGEO_SAMPLE_SCALE": "tiny"}.items():
        monkeypatch.setenv(name, value)
    return home


def test_aigeo_run_reaps_dead_runs_before_it_runs_and_tags_its_runs_with_its_process(tmp_path, monkeypatch, capsys):
    from aigeo_assets import cli, orchestration

    home = _cli_home(tmp_path, monkeypatch)
    with _instance(home) as instance:
        left = _add_run(instance, dg.DagsterRunStatus.STARTED, replace(current_process_identity(), pid=_a_dead_pid()).tags())
    seen = []

    def run(runner, runs):
        seen.append((runner.instance.get_run_by_id(left).status, runner.tags))
        return []

    monkeypatch.setattr(orchestration.PlanRunner, "run", run)
    assert cli.main(["run", "--job", "reference_tables", "--workers", "1"]) == 0
    [(status, tags)] = seen
    assert status == dg.DagsterRunStatus.FAILURE
    assert current_process_identity().tags().items() <= tags.items() and orchestration.PLAN_TAG in tags
    assert f"run {left} (reference_tables) was left STARTED by a process that is gone" in capsys.readouterr().err
    with _instance(home) as instance:
        assert "Marked failed by `aigeo run` as it started" in _failure_message(instance, left)


def test_a_worker_killed_mid_run_ends_aigeo_run_with_a_clear_error_and_its_run_failed(tmp_path, monkeypatch, capsys):
    """When a worker dies in a run (``WorkerDied``; the out-of-memory killer's SIGKILL), ``aigeo run``
    says so in one line (no traceback), exits 1, and the run the worker left STARTED is marked failed
    with that message, so the queue does not wait behind it."""
    from aigeo_assets import cli, orchestration

    home = _cli_home(tmp_path, monkeypatch)
    left = []

    def run(runner, runs):
        left.append(runner.instance.add_run(dg.DagsterRun(job_name="reference_tables", status=dg.DagsterRunStatus.STARTED,
                                                          tags=dict(runner.tags))).run_id)
        raise orchestration.WorkerDied("aigeo-worker-2", 4242, -signal.SIGKILL, "reference_tables")

    monkeypatch.setattr(orchestration.PlanRunner, "run", run)
    assert cli.main(["run", "--job", "reference_tables", "--workers", "1"]) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert "aigeo: error: worker aigeo-worker-2 (pid 4242) was killed by SIGKILL while running reference_tables" in err
    assert "out-of-memory killer" in err and "Traceback" not in err
    with _instance(home) as instance:
        assert instance.get_run_by_id(left[0]).status == dg.DagsterRunStatus.FAILURE
        assert "stopped on WorkerDied: worker aigeo-worker-2 (pid 4242) was killed by SIGKILL" in _failure_message(instance, left[0])


def test_a_reaped_run_gives_back_the_pool_slots_its_dead_process_held(tmp_path):
    """A worker killed inside a step of a pooled asset (``LARGE_MEMORY_POOL``) leaves its slot claimed;
    the reaper frees it, so the next run of the pool is not held back forever."""
    from aigeo_assets.cli import instance_config

    (tmp_path / "dagster.yaml").write_text(instance_config(2, tmp_path))
    me = current_process_identity()
    with _instance(tmp_path) as instance:
        storage = instance.event_log_storage
        storage.set_concurrency_slots("aigeo_large_memory", 1)
        dead_run = _add_run(instance, dg.DagsterRunStatus.STARTED, replace(me, pid=_a_dead_pid()).tags())
        assert storage.claim_concurrency_slot("aigeo_large_memory", dead_run, "out_disruption").is_claimed
        assert not storage.claim_concurrency_slot("aigeo_large_memory", "another-run", "core_author_years").is_claimed
        assert [r.run_id for r in reap_dead_runs(instance, me)] == [dead_run]
        assert storage.get_concurrency_info("aigeo_large_memory").active_slot_count == 0
        assert storage.claim_concurrency_slot("aigeo_large_memory", "another-run", "core_author_years").is_claimed


def test_the_shipped_instance_config_turns_run_monitoring_on_and_aigeos_reaper_sensor_runs_by_default(tmp_path):
    from aigeo_assets.definitions import defs

    shutil.copy(REPO_ROOT / "scripts" / "dagster.yaml", tmp_path / "dagster.yaml")
    with _instance(tmp_path) as instance:
        assert instance.run_monitoring_enabled
        assert instance.run_monitoring_poll_interval_seconds <= 60
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 2  # aigeo writes the cores (what the queue daemon reads)
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1  # one large-memory run at a time
        sensor = defs.resolve_sensor_def("dead_run_reaper")
        assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
        assert sensor.minimum_interval_seconds <= 60
        left = _add_run(instance, dg.DagsterRunStatus.STARTED, replace(current_process_identity(), pid=_a_dead_pid()).tags())
        tick = sensor(dg.build_sensor_context(instance=instance))
        assert isinstance(tick, dg.SkipReason) and f"marked 1 run(s) failed: {left}" in tick.skip_message
        assert instance.get_run_by_id(left).status == dg.DagsterRunStatus.FAILURE


def test_sighup_and_sigterm_stop_aigeo_run_like_ctrl_c_and_go_to_dagsters_handler_during_a_job():
    from aigeo_assets import cli

    before = signal.getsignal(signal.SIGHUP)
    with cli._stop_signals_interrupt():
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGHUP)
        assert cli._stop_signal_name() == "SIGHUP"
        dagster_got: list[int] = []
        outer = signal.signal(signal.SIGINT, lambda signo, frame: dagster_got.append(signo))  # as during a job
        try:
            signal.raise_signal(signal.SIGTERM)
        finally:
            signal.signal(signal.SIGINT, outer)
        assert dagster_got == [signal.SIGINT] and cli._stop_signal_name() == "SIGTERM"
    assert signal.getsignal(signal.SIGHUP) is before and cli._stop_signal_name() is None


def test_a_second_signal_waits_until_the_stopped_run_is_marked_failed():
    from aigeo_assets import cli

    steps = []
    with cli._stop_signals_interrupt(), pytest.raises(KeyboardInterrupt):
        with cli._stop_signals_deferred():
            os.kill(os.getpid(), signal.SIGTERM)
            steps.append("marked failed")
    assert steps == ["marked failed"]


def test_a_stop_signal_whose_interrupt_python_dropped_stops_aigeo_run_after_the_job(monkeypatch):
    from types import SimpleNamespace

    from aigeo_assets import cli, orchestration
    from aigeo_assets.orchestration import PlannedRun, PlanRunner

    executed = []
    signo = signal.SIGTERM

    def execute_in_process(defs, job_name, assets, instance, partition, run_config, tags):
        """Takes SIGINT and SIGTERM during the job as Dagster does, and (as Python may) loses the interrupt."""
        executed.append(partition)
        lost = {s: signal.signal(s, lambda signo, frame: None) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            signal.raise_signal(signo)
        finally:
            for s, handler in lost.items():
                signal.signal(s, handler)
        return SimpleNamespace(success=True, run_id=partition, get_asset_check_evaluations=lambda: [])

    monkeypatch.setattr(orchestration, "_execute_in_process", execute_in_process)
    runs = [PlannedRun(i, ("raw_works",), year, ("ingest",), 0) for i, year in enumerate(["2015", "2016"])]
    for signo in (signal.SIGTERM, signal.SIGHUP):  # to Dagster's handler directly; through ours to Dagster's
        executed.clear()
        runner = PlanRunner(
            workers=1, job_name="yearly_refresh", defs=SimpleNamespace(),
            instance=SimpleNamespace(get_concurrency_config=lambda: SimpleNamespace(run_queue_config=None)),  # no run queue limit
            should_stop=lambda: bool(cli._received_stop_signals()),
        )
        with pytest.raises(KeyboardInterrupt), cli._stop_signals_interrupt():
            try:
                runner.run(runs)
            finally:
                assert cli._stop_signal_name() == signal.Signals(signo).name
        assert executed == ["2015"]


def _instance(home: str | Path) -> dg.DagsterInstance:
    """The instance at ``home``, opened as ``dagster`` and ``aigeo run`` open it, with ``DAGSTER_HOME`` set
    to ``home`` while its configuration is read: the shipped ``dagster.yaml`` may place its storage by
    ``$DAGSTER_HOME``, and this process opens several homes."""
    before = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(home)
    try:
        return dg.DagsterInstance.from_config(str(home))
    finally:
        if before is None:
            del os.environ["DAGSTER_HOME"]
        else:
            os.environ["DAGSTER_HOME"] = before


def _a_dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _failure_message(instance: dg.DagsterInstance, run_id: str) -> str:
    """The run's RUN_FAILURE/RUN_CANCELED and engine event messages, joined."""
    kinds = {"PIPELINE_FAILURE", "PIPELINE_CANCELED", "ENGINE_EVENT"}
    return "\n".join(
        e.message for e in instance.all_logs(run_id) if e.dagster_event and e.dagster_event.event_type_value in kinds
    )


# ------------------------------------------------------------------------------------ end to end

STARTED_TIMEOUT_S = 360  # a deadline only: on a loaded machine two `aigeo run` took 160-190 s to start (imports, workers, the world)
SIGNALS = ("SIGKILL", "SIGTERM")
LOCATION = ["-m", "aigeo_assets_tests.support.run_reaper_location"]  # the reaper sensor and a no-op job, quick to load
DAGSTER = str(Path(sys.executable).with_name("dagster"))


@dataclass(frozen=True)
class StoppedRun:
    """An ``aigeo run --job reference_tables`` stopped by ``signal_name`` once its run was STARTED."""

    signal_name: str
    home: Path
    env: dict[str, str]
    pid: int
    run_id: str
    returncode: int
    stderr: str
    queued_run_id: str | None = None  # SIGKILL: a run submitted to the queue (no daemon runs meanwhile)


def _env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ENVIRONMENT and k not in ("DAGSTER_HOME", "OPENALEX_API_KEY")}
    home = root / "dagster_home"
    home.mkdir(parents=True)
    shutil.copy(REPO_ROOT / "scripts" / "dagster.yaml", home / "dagster.yaml")
    with _instance(home):  # its SQLite storage created once, before the processes that share it
        pass
    env.update(
        DAGSTER_HOME=str(home),
        AIGEO_DATA_DIR=str(root / "data"),
        AIGEO_SOURCE="sample",
        AIGEO_SAMPLE_SCALE="tiny",
        AIGEO_SAMPLE_SEED="7",
        AIGEO_START_YEAR="2012",
        AIGEO_END_YEAR="2019",
    )
    return env


def _started_run_id(instance: dg.DagsterInstance) -> str | None:
    runs = instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
    return runs[0].run_id if runs else None


@pytest.fixture(scope="module")
def stopped_runs(tmp_path_factory) -> dict[str, StoppedRun]:
    """One ``aigeo run`` per signal, started together; each gets its signal as soon as its run is STARTED
    (the first asset generates the sample world: seconds of work left to interrupt). Meanwhile a run of
    ``queued_after_the_killed_run`` is submitted to the SIGKILL instance's queue (``dagster job launch``);
    no daemon runs yet, so it stays QUEUED."""
    procs: dict[str, tuple[dict[str, str], subprocess.Popen]] = {}
    stderr_files: dict[str, Path] = {}
    for name in SIGNALS:
        folder = tmp_path_factory.mktemp(name.lower())
        env = _env(folder)
        # stderr goes to a file, not a pipe: a pipe reaches EOF only when every process holding it has
        # exited (multiprocessing's resource tracker outlives a SIGKILLed parent for a while)
        stderr_files[name] = folder / "stderr.txt"
        with open(stderr_files[name], "w") as err:
            procs[name] = env, subprocess.Popen(
                [sys.executable, "-m", "aigeo_assets.cli", "run", "--job", "reference_tables"],
                cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL,
            )
    launch = subprocess.Popen(
        [DAGSTER, "job", "launch", *LOCATION, "-j", "queued_after_the_killed_run"],
        cwd=REPO_ROOT, env=procs["SIGKILL"][0], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        stdin=subprocess.DEVNULL,
    )
    instances = {name: _instance(env["DAGSTER_HOME"]) for name, (env, _) in procs.items()}
    signalled: dict[str, str] = {}
    deadline = time.monotonic() + STARTED_TIMEOUT_S
    try:
        while len(signalled) < len(procs) and time.monotonic() < deadline:
            for name, (_, proc) in procs.items():
                if name in signalled:
                    continue
                assert proc.poll() is None, f"aigeo run ({name}) ended before its run started: {stderr_files[name].read_text()}"
                run_id = _started_run_id(instances[name])
                if run_id:
                    proc.send_signal(getattr(signal, name))
                    signalled[name] = run_id
            time.sleep(0.1)
        assert len(signalled) == len(procs), f"no run STARTED in {STARTED_TIMEOUT_S}s: {sorted(set(procs) - set(signalled))}"
        stopped = {}
        for name, (env, proc) in procs.items():
            proc.wait(timeout=120)
            err = stderr_files[name].read_text()
            stopped[name] = StoppedRun(name, Path(env["DAGSTER_HOME"]), env, proc.pid, signalled[name], proc.returncode, err)
        launched, _ = launch.communicate(timeout=240)
        assert launch.returncode == 0, launched[-3000:]
        queued = instances["SIGKILL"].get_runs(filters=dg.RunsFilter(job_name="queued_after_the_killed_run"))
        stopped["SIGKILL"] = replace(stopped["SIGKILL"], queued_run_id=queued[0].run_id if queued else None)
        return stopped
    finally:
        if launch.poll() is None:
            launch.kill()
            launch.wait()
        for instance in instances.values():
            instance.dispose()
        for _, proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()


@pytest.mark.timeout(900)
def test_sigterm_stops_aigeo_run_and_its_run_is_marked_failed(stopped_runs):
    stopped = stopped_runs["SIGTERM"]
    assert stopped.returncode == 128 + signal.SIGTERM, stopped.stderr[-3000:]
    assert stopped.stderr.splitlines()[-1] == "aigeo: interrupted by SIGTERM", stopped.stderr[-3000:]
    with _instance(stopped.home) as instance:
        run = instance.get_run_by_id(stopped.run_id)
        assert run.tags[PID_TAG] == str(stopped.pid)
        # FAILURE; SUCCESS only when Python dropped the interrupt and the job ran to its end: never left STARTED
        assert run.status in (dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.SUCCESS)
        if run.status == dg.DagsterRunStatus.FAILURE:
            message = _failure_message(instance, stopped.run_id)
            assert f"aigeo run (process {stopped.pid} on host" in message and "received SIGTERM" in message, message


@pytest.mark.timeout(900)
def test_a_sigkilled_run_is_reaped_by_the_daemon_and_the_queued_run_starts(stopped_runs):
    killed = stopped_runs["SIGKILL"]
    assert killed.returncode == -signal.SIGKILL
    with _instance(killed.home) as instance:
        assert instance.get_run_by_id(killed.run_id).status == dg.DagsterRunStatus.STARTED  # what used to stay forever
        assert killed.queued_run_id and instance.get_run_by_id(killed.queued_run_id).status == dg.DagsterRunStatus.QUEUED

        log = killed.home / "daemon.log"
        with log.open("w") as out:
            daemon = subprocess.Popen(
                [str(Path(sys.executable).with_name("dagster-daemon")), "run", *LOCATION],
                cwd=REPO_ROOT, env=killed.env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        try:
            # The sensor marks the run failed inside its evaluation; the daemon logs the skip reason and
            # records the tick only after the evaluation returns, by which time the queue may already
            # have started the queued run: wait for both, not for the queue alone.
            deadline = time.monotonic() + 240
            while (instance.get_run_by_id(killed.queued_run_id).status == dg.DagsterRunStatus.QUEUED
                   or not _reaper_skip_reasons(instance)):
                assert daemon.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.5)
        finally:
            _stop_group(daemon)
        assert instance.get_run_by_id(killed.run_id).status == dg.DagsterRunStatus.FAILURE
        message = _failure_message(instance, killed.run_id)
        assert f"process {killed.pid} on host" in message and "dead_run_reaper" in message
        assert f"marked 1 run(s) failed: {killed.run_id}" in _reaper_skip_reasons(instance)[0]
        assert "dead_run_reaper skipped: marked 1 run(s) failed" in log.read_text()  # logged before the tick was recorded


def _reaper_skip_reasons(instance: dg.DagsterInstance) -> list[str]:
    """The skip reasons of the ``dead_run_reaper`` ticks that reaped a run, as the daemon recorded them."""
    from dagster._core.scheduler.instigation import InstigatorType, TickStatus

    states = [s for s in instance.all_instigator_state(instigator_type=InstigatorType.SENSOR)
              if s.instigator_name == "dead_run_reaper"]
    return [tick.skip_reason for state in states
            for tick in instance.get_ticks(state.instigator_origin_id, state.selector_id, statuses=[TickStatus.SKIPPED])
            if tick.skip_reason and tick.skip_reason.startswith("marked ")]


def _stop_group(proc: subprocess.Popen) -> None:
    """SIGTERM to the daemon's process group (daemon, code server, run worker), SIGKILL what is left."""
    for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 30)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)
