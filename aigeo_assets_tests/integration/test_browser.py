"""The Dagster UI in a real browser: ``dagster dev`` on the tiny sample world, driven by Playwright.

One ``dagster dev`` (webserver, daemon, code server) is started for the module on a free port,
with its own DAGSTER_HOME and data directory. The institutions are materialized in-process first,
on the same instance, so the UI shows those runs and the sample world is already generated. The
tests then click through the UI as a user would: the global asset lineage lists the groups, a
pre-materialized asset shows its row count, and one partition of ``raw_works`` is materialized
from its asset page (Materialize -> confirm the multi-asset -> partition 2015 -> Launch). A run
started with ``aigeo run`` in a shell shows on its job's page, and the automation sensor follows it.

The browser is Debian's ``/usr/bin/chromium`` (``playwright install`` is never needed). The module
is skipped when Playwright or chromium is missing. A failing test leaves ``failure.png`` and
``failure.html`` (the page as it was) in its ``tmp_path``, prints their path and dagster dev's output.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest

from aigeo_assets.resources.settings import REPO_ROOT

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
expect = sync_api.expect

CHROMIUM = Path("/usr/bin/chromium")
GROUPS = ["ingest", "geo", "corpus", "city_metrics", "models"]
PARTITION = "2015"
SERVER_TIMEOUT_S = 150
RUN_TIMEOUT_S = 150
UI_TIMEOUT_MS = 60_000
ENV = {
    "AIGEO_SOURCE": "sample",
    "AIGEO_SAMPLE_SCALE": "tiny",
    "AIGEO_SAMPLE_SEED": "7",
    "AIGEO_START_YEAR": "2012",
    "AIGEO_END_YEAR": "2018",
}
# ``dagster dev`` maps SIGTERM to whatever SIGINT does; a shell that starts pytest in the
# background leaves SIGINT ignored, and then ``dagster dev`` could not be stopped gently. The
# launcher restores both signals before exec'ing ``python -m dagster``.
LAUNCHER = (
    "import os, signal, sys; "
    "signal.signal(signal.SIGINT, signal.SIG_DFL); signal.signal(signal.SIGTERM, signal.SIG_DFL); "
    "os.execv(sys.executable, [sys.executable, '-m', 'dagster', *sys.argv[1:]])"
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium)"),
    pytest.mark.timeout(300),
]


@dataclass
class DagsterUI:
    url: str
    instance: dg.DagsterInstance
    log: Path
    env: dict[str, str]
    """The environment ``dagster dev`` runs in (the same instance and data for a CLI run)."""

    def log_tail(self, chars: int = 6000) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return text[-chars:]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, data: bytes | None = None) -> bytes | None:
    headers = {"Content-Type": "application/json"} if data else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers), timeout=5) as r:
            return r.read() if r.status == 200 else None
    except (urllib.error.URLError, OSError):
        return None


def _location_status(url: str) -> str | None:
    """LOADED once the code location is up, the error's message if it failed to load, else None."""
    query = ("{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus "
             "locationOrLoadError { __typename ... on PythonError { message } } } } } }")
    body = _get(f"{url}/graphql", json.dumps({"query": query}).encode())
    if body is None:
        return None
    entries = json.loads(body).get("data", {}).get("workspaceOrError", {}).get("locationEntries") or []
    entry = next((e for e in entries if e["name"] == "aigeo"), None)
    if entry is None or entry["loadStatus"] != "LOADED":
        return None
    error = entry["locationOrLoadError"] or {}
    return error.get("message", "code location failed to load") if error.get("__typename") == "PythonError" else "LOADED"


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM to ``dagster dev`` (it shuts down its webserver and daemon), then SIGKILL whatever is left."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # code servers, run workers: same process group
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def ui(tmp_path_factory, tiny_world) -> Iterator[DagsterUI]:
    root = tmp_path_factory.mktemp("browser")
    home, data_dir, log = root / "dagster_home", root / "data", root / "dagster_dev.log"
    tiny_world(data_dir, int(ENV["AIGEO_SAMPLE_SEED"]))
    home.mkdir()
    # the project's instance config, without the "Join the Dagster community" modal that dagster
    # dev shows on 127.0.0.1 and that would cover the buttons
    config = (REPO_ROOT / "scripts" / "dagster.yaml").read_text()
    (home / "dagster.yaml").write_text(config + "\nnux:\n  enabled: false\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIGEO_", "DAGSTER_"))}
    env.update(ENV, AIGEO_DATA_DIR=str(data_dir), DAGSTER_HOME=str(home), PYTHONUNBUFFERED="1")

    # the institutions (and the sample world) materialized in-process on the UI's instance
    with pytest.MonkeyPatch.context() as mp:
        for key in [k for k in os.environ if k.startswith(("AIGEO_", "DAGSTER_"))]:
            mp.delenv(key)
        for key in ("AIGEO_DATA_DIR", "DAGSTER_HOME", *ENV):
            mp.setenv(key, env[key])
        from aigeo_assets.code_location import build_definitions
        from aigeo_assets.resources.settings import Settings

        defs = build_definitions(Settings.from_env())
        instance = dg.DagsterInstance.get()
        result = defs.resolve_job_def("reference_tables").execute_in_process(instance=instance)
        assert result.success

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER, "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
            cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    server = DagsterUI(url=url, instance=instance, log=log, env=env)
    try:
        deadline, status = time.monotonic() + SERVER_TIMEOUT_S, None
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"dagster dev exited with code {proc.returncode}:\n{server.log_tail()}")
            if _get(f"{url}/server_info") is not None:
                status = _location_status(url)
                if status is not None:
                    break
            time.sleep(1)
        if status != "LOADED":
            pytest.fail(
                f"dagster dev on {url}: {'code location: ' + status if status else f'not ready after {SERVER_TIMEOUT_S} s'}"
                f"\n--- dagster dev output ---\n{server.log_tail()}"
            )
        yield server
    finally:
        _stop(proc)
        instance.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
        )
        expect.set_options(timeout=UI_TIMEOUT_MS)  # generous: 2 shared cores on CI
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser) -> Iterator[sync_api.Page]:
    # en-US: the row counts are rendered with its thousands separator
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    context.set_default_timeout(UI_TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


@contextmanager
def screenshot_on_failure(page: sync_api.Page, tmp_path: Path, ui: DagsterUI) -> Iterator[None]:
    """On any failure: the page as a PNG and HTML in the test's tmp_path, and dagster dev's output."""
    try:
        yield
    except BaseException as exc:
        shot = tmp_path / "failure.png"
        try:
            page.screenshot(path=str(shot), full_page=True)
            (tmp_path / "failure.html").write_text(page.content())
            note = f"screenshot of the page ({page.url}): {shot}"
        except Exception as shot_error:  # the browser itself may be what failed
            note = f"no screenshot ({shot_error})"
        print(note)
        print(f"--- dagster dev output (tail) ---\n{ui.log_tail(3000)}")
        exc.add_note(note)
        raise


def _row_count(event: dg.EventLogEntry) -> int:
    materialization = event.asset_materialization
    assert materialization is not None
    return int(materialization.metadata["dagster/row_count"].value)


def _expect_row_count(page: sync_api.Page, rows: int) -> None:
    """The asset page's status section: "Row count" with the number under it."""
    label = page.get_by_text("Row count", exact=True)
    expect(label).to_be_visible()
    expect(label.locator("..")).to_contain_text(f"{rows:,}")


def test_lineage_page_lists_the_asset_groups(ui, page, tmp_path):
    with screenshot_on_failure(page, tmp_path, ui):
        page.goto(f"{ui.url}/overview")
        page.get_by_role("link", name=re.compile(r"\bLineage$")).click()
        expect(page).to_have_url(re.compile(r"/asset-groups"))
        expect(page.get_by_text("Global asset lineage")).to_be_visible()
        for group in GROUPS:
            # the group tree on the left: one row per group, its name as title
            expect(page.get_by_title(group, exact=True).first).to_be_visible()
        # the lineage graph (an SVG): one collapsed node per group
        graph = page.locator("svg:has(foreignObject)")
        for group in GROUPS:
            expect(graph.get_by_text(group, exact=True).first).to_be_visible()


def test_prematerialized_asset_shows_its_row_count(ui, page, tmp_path):
    event = ui.instance.get_latest_materialization_event(dg.AssetKey("core_institutions"))
    assert event is not None, "the in-process reference_tables run did not reach the UI's instance"
    with screenshot_on_failure(page, tmp_path, ui):
        page.goto(f"{ui.url}/assets/core_institutions")
        expect(page.get_by_text("Latest materialization", exact=True)).to_be_visible()
        _expect_row_count(page, _row_count(event))
        # the in-process run is on the runs page too
        page.goto(f"{ui.url}/runs")
        expect(page.get_by_text("reference_tables").first).to_be_visible()


def _partition_materializations(instance: dg.DagsterInstance) -> list[dg.EventLogRecord]:
    records = dg.AssetRecordsFilter(asset_key=dg.AssetKey("raw_works"), asset_partitions=[PARTITION])
    return list(instance.fetch_materializations(records, limit=1).records)


def _wait_for_partition(ui: DagsterUI) -> dg.EventLogRecord:
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while time.monotonic() < deadline:
        records = _partition_materializations(ui.instance)
        if records:
            return records[0]
        runs = ui.instance.get_runs(dg.RunsFilter(tags={"dagster/partition": PARTITION}))
        failed = [r for r in runs if r.status in (dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED)]
        if failed:
            pytest.fail(f"run {failed[0].run_id} of raw_works[{PARTITION}] ended {failed[0].status.value}")
        time.sleep(1)
    runs = ui.instance.get_runs(dg.RunsFilter(tags={"dagster/partition": PARTITION}))
    states = ", ".join(f"{r.run_id[:8]} {r.status.value}" for r in runs) or "no run was created"
    pytest.fail(f"raw_works[{PARTITION}] not materialized {RUN_TIMEOUT_S} s after the launch ({states})")


def test_materialize_one_partition_from_the_asset_page(ui, page, tmp_path):
    assert not _partition_materializations(ui.instance), "raw_works[2015] must not exist before the click"
    with screenshot_on_failure(page, tmp_path, ui):
        page.goto(f"{ui.url}/assets/raw_works")
        # while the page loads, a disabled placeholder "Materialize" shows: click waits for the real one
        page.get_by_role("button", name=re.compile(r"\bMaterialize…?$")).first.click()

        # raw_works is one output of a multi-asset that cannot be subset: the UI first asks to
        # confirm that its siblings are materialized too, then opens the partition dialog
        # (each dialog is addressed by what it holds: the confirmation may still be fading out
        # when the partition dialog opens)
        confirm_button = page.get_by_role("button", name="Confirm", exact=True)
        partitions_placeholder = page.get_by_placeholder(re.compile(r"^ex: "))
        confirm = page.get_by_role("dialog").filter(has=confirm_button)
        dialog = page.get_by_role("dialog").filter(has=partitions_placeholder)
        partitions_input = dialog.get_by_placeholder(re.compile(r"^ex: "))
        expect(confirm.or_(dialog)).to_be_visible()
        if confirm.is_visible():
            expect(confirm).to_contain_text("raw_authorships")
            confirm.get_by_role("button", name="Confirm", exact=True).click()

        expect(partitions_input).to_be_visible()
        partitions_input.fill(PARTITION)
        partitions_input.press("Enter")
        expect(dialog).to_contain_text("1 partition")
        dialog.get_by_role("button", name=re.compile(r"^Launch (1 run|run)$")).click()
        expect(dialog).to_be_hidden()

        record = _wait_for_partition(ui)
        runs = ui.instance.get_runs(dg.RunsFilter(run_ids=[record.run_id]))
        assert runs and runs[0].tags.get("dagster/from_ui") == "true", runs

        page.reload()
        status = page.get_by_text("Latest materialization", exact=True).locator("..")
        expect(status).to_contain_text(PARTITION)
        _expect_row_count(page, _row_count(record.event_log_entry))


CLI_YEAR = "2016"


def _materialized_by(instance: dg.DagsterInstance, asset: str, partition: str) -> dg.DagsterRun | None:
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey(asset), asset_partitions=[partition]), limit=1).records
    return instance.get_run_by_id(records[0].run_id) if records else None


def test_a_cli_run_shows_under_its_job_and_automation_materializes_what_follows(ui, page, tmp_path):
    """``aigeo run --job yearly_refresh --years 2016`` in a shell, on the UI's instance: the run is
    listed on the job's page (it carries the repository label the UI filters by), and the
    automation sensor, on by default, then materializes ``core_papers[2016]`` (a year's papers
    follow its works) without anyone asking."""
    assert _materialized_by(ui.instance, "core_papers", CLI_YEAR) is None
    done = subprocess.run(
        [sys.executable, "-m", "aigeo_assets.cli", "run", "--job", "yearly_refresh", "--years", CLI_YEAR, "--workers", "1"],
        cwd=REPO_ROOT, env=ui.env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    cli_run = _materialized_by(ui.instance, "raw_works", CLI_YEAR)
    assert cli_run is not None and cli_run.job_name == "yearly_refresh"
    with screenshot_on_failure(page, tmp_path, ui):
        page.goto(f"{ui.url}/locations/aigeo/jobs/yearly_refresh/runs")
        expect(page.get_by_text(cli_run.run_id[:8]).first).to_be_visible()
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while (auto := _materialized_by(ui.instance, "core_papers", CLI_YEAR)) is None and time.monotonic() < deadline:
        time.sleep(2)
    assert auto is not None, f"core_papers[{CLI_YEAR}] not materialized by automation:\n{ui.log_tail()}"
    assert auto.run_id != cli_run.run_id and auto.tags.get("dagster/from_automation_condition") == "true", auto.tags
