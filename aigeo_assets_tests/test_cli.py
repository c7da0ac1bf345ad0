"""The ``aigeo`` command line, called in-process through ``main(argv)`` (no network, no ``dagster dev``)."""

from __future__ import annotations

import builtins
import json
import inspect
import io
import shutil
import subprocess
import sys
import webbrowser
from pathlib import Path

import pytest

from aigeo_assets import cli
from aigeo_assets.cli import CliError, main, parse_years, preflight, select_years
from aigeo_assets.progress import Progress, bar_text
from aigeo_assets.resources.settings import ENVIRONMENT, Settings
from aigeo_assets.resources.settings import REPO_ROOT


@pytest.fixture
def env(tmp_path, monkeypatch):
    """A clean environment: a tiny sample world 2012-2019 under a tmp AIGEO_DATA_DIR, no DAGSTER_HOME."""
    for name in [*ENVIRONMENT, "DAGSTER_HOME", "OPENALEX_API_KEY"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AIGEO_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("AIGEO_SAMPLE_SCALE", "tiny")
    monkeypatch.setenv("AIGEO_SAMPLE_SEED", "7")
    monkeypatch.setenv("AIGEO_START_YEAR", "2012")
    monkeypatch.setenv("AIGEO_END_YEAR", "2019")
    return tmp_path


def _error(capsys) -> str:
    """The one line a usage error prints (and never a traceback)."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("aigeo: error: ")
    return lines[0]


# ------------------------------------------------------------------------------------ years


@pytest.mark.parametrize(
    "spec, expected",
    [("2015:2019", (2015, 2019)), ("2015-2019", (2015, 2019)), ("2017", (2017, 2017)), (" 2015 : 2016 ", (2015, 2016))],
)
def test_parse_years_accepts_the_three_syntaxes(spec, expected):
    assert parse_years(spec) == expected


@pytest.mark.parametrize("spec", ["20x", "2015:", ":2019", "15-19", "2015..2019", "2015:2017:2019", ""])
def test_parse_years_rejects_malformed_ranges(spec):
    with pytest.raises(CliError, match="2015:2019, 2015-2019 or 2017"):
        parse_years(spec)


def test_parse_years_rejects_a_reversed_range():
    with pytest.raises(CliError, match="ends before it starts"):
        parse_years("2019:2015")


def test_select_years_within_and_outside_the_partitions():
    keys = [str(y) for y in range(1990, 2020)]
    assert select_years(None, keys) == keys
    assert select_years("2015:2017", keys) == ["2015", "2016", "2017"]
    assert select_years("2019", keys) == ["2019"]
    with pytest.raises(CliError) as info:
        select_years("1985-1991", keys)
    message = str(info.value)
    assert "1985-1989" in message and "1990-2019" in message and "AIGEO_START_YEAR/AIGEO_END_YEAR" in message


def test_malformed_years_on_the_command_line_exit_2(env, capsys):
    assert main(["run", "--job", "yearly_refresh", "--years", "2015to2019"]) == 2
    assert "'2015to2019' is not a year range" in _error(capsys)


# ------------------------------------------------------------------------------------ run: errors


def test_unknown_job_lists_the_jobs(env, capsys):
    assert main(["run", "--job", "no_such_job"]) == 2
    line = _error(capsys)
    assert "unknown job 'no_such_job'" in line
    for job in ("reference_tables", "yearly_refresh", "careers", "figures", "lifesci_atlas"):
        assert job in line
    assert "__ASSET_JOB" not in line


def test_year_outside_the_partitions_says_the_range_and_how_to_change_it(env, capsys):
    assert main(["run", "--job", "yearly_corpus", "--years", "2005:2013"]) == 2
    line = _error(capsys)
    assert "years 2005-2011 are outside" in line and "(2012-2019)" in line
    assert "AIGEO_START_YEAR/AIGEO_END_YEAR to change" in line
    # the OpenAlex tables run on to the atlas's last year (AIGEO_LIFESCI_END_YEAR, 2022 by default)
    assert main(["run", "--job", "yearly_refresh", "--years", "2020:2024"]) == 2
    line = _error(capsys)
    assert "years 2023-2024 are outside" in line and "(2012-2022)" in line and "AIGEO_LIFESCI_END_YEAR" in line
    assert main(["run", "--job", "lifesci_atlas_study", "--years", "2011"]) == 2
    assert "AIGEO_LIFESCI_START_YEAR/AIGEO_LIFESCI_END_YEAR" in _error(capsys)
    # the whole run (and its alias, the Makefile's command) checks the same way
    assert main(["materialize-all", "--years", "2030"]) == 2
    line = _error(capsys)  # every year of both studies: AlShebli et al. 2022's 2012-2019 and the atlas's 2012-2022
    assert "year 2030 is outside the configured partitions (2012-2022)" in line and "AIGEO_LIFESCI_END_YEAR" in line


def test_years_on_an_unpartitioned_job_is_an_error(env, capsys):
    assert main(["run", "--job", "careers", "--years", "2015"]) == 2
    assert "careers is not partitioned" in _error(capsys)


def test_settings_errors_are_one_line_naming_the_variable(env, capsys, monkeypatch):
    monkeypatch.setenv("AIGEO_START_YEAR", "nineteen-ninety")
    assert main(["run"]) == 2
    assert "AIGEO_START_YEAR='nineteen-ninety'" in _error(capsys)
    monkeypatch.setenv("AIGEO_START_YEAR", "2020")
    assert main(["run"]) == 2
    assert "AIGEO_END_YEAR='2019': a year from AIGEO_START_YEAR (2020)" in _error(capsys)


def test_snapshot_dir_unset_or_missing(env, capsys, monkeypatch):
    monkeypatch.setenv("AIGEO_SOURCE", "snapshot")
    assert main(["run", "--job", "reference_tables"]) == 2
    assert "AIGEO_SOURCE=snapshot needs AIGEO_SNAPSHOT_DIR" in _error(capsys)

    missing = env / "no-snapshot-here"
    monkeypatch.setenv("AIGEO_SNAPSHOT_DIR", str(missing))
    assert main(["run", "--job", "reference_tables"]) == 2
    line = _error(capsys)
    assert f"AIGEO_SNAPSHOT_DIR='{missing}': an existing folder" in line

    missing.mkdir()
    assert main(["run", "--job", "reference_tables"]) == 2
    assert "an OpenAlex snapshot folder" in _error(capsys)
    (missing / "data" / "works").mkdir(parents=True)
    assert not any("AIGEO_SNAPSHOT_DIR" in p for p in preflight(Settings.from_env(), needs_figures=False))


def test_graph_tool_missing(env, capsys, monkeypatch):
    real_import = builtins.__import__

    def no_graph_tool(name, *args, **kwargs):
        if name == "graph_tool" or name.startswith("graph_tool."):
            raise ImportError("No module named 'graph_tool'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_graph_tool)
    settings = Settings.from_env()
    problems = preflight(settings, needs_figures=False)
    assert problems == [
        "graph-tool is missing: run `sudo apt-get install python3-graph-tool` (Debian) and recreate the venv "
        "with --system-site-packages (make setup)"
    ]
    assert preflight(settings, needs_figures=False, needs_graph_tool=False) == []
    # a job computing centralities is refused before it runs
    assert main(["run", "--job", "yearly_bridges", "--years", "2015"]) == 2
    assert "graph-tool is missing" in _error(capsys)


def test_chromium_missing_only_matters_for_figures(env, monkeypatch):
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    monkeypatch.setattr(cli, "_can_import", lambda name: True)
    settings = Settings.from_env()
    assert preflight(settings, needs_figures=False) == []
    (problem,) = preflight(settings, needs_figures=True)
    assert "chromium is missing" in problem and "apt-get install chromium" in problem


def test_a_missing_topojson_folder_stops_a_run_with_figures_before_it_starts(env, monkeypatch, tmp_path):
    monkeypatch.setattr(cli, "_can_import", lambda name: True)
    monkeypatch.setattr(cli, "_chromium", lambda: "/usr/bin/chromium")
    settings = Settings.from_env()
    assert preflight(settings, needs_figures=True) == []
    monkeypatch.setenv("AIGEO_TOPOJSON_DIR", str(tmp_path / "nowhere"))
    assert preflight(settings, needs_figures=False) == []
    (problem,) = preflight(settings, needs_figures=True)
    assert "world_110m.json is missing" in problem and "make setup" in problem


# ------------------------------------------------------------------------------------ report, ui


def test_report_missing_then_present(env, capsys, monkeypatch):
    atlas = env / "reports" / "atlas.html"
    assert main(["report"]) == 1
    err = capsys.readouterr().err
    assert str(atlas) in err and "aigeo run --job figures" in err and "out_atlas" in err

    atlas.parent.mkdir(parents=True)
    atlas.write_text("<html></html>")
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
    assert main(["report"]) == 0
    assert capsys.readouterr().out.strip() == str(atlas)
    assert opened == []
    assert main(["report", "--open"]) == 0
    assert opened == [atlas.as_uri()]


def test_ui_runs_dagster_dev_with_a_dagster_home(env, capsys, monkeypatch):
    calls = []
    monkeypatch.setattr(cli, "_spawn", lambda cmd, env, cwd: calls.append((cmd, env, cwd)) or 0)
    assert main(["ui", "--port", "3999"]) == 0
    ((cmd, child_env, cwd),) = calls
    assert Path(cmd[0]).name == "dagster" and cmd[1:4] == ["dev", "-w", str(cli.REPO_ROOT / "workspace.yaml")]
    assert cmd[-4:] == ["-h", "127.0.0.1", "-p", "3999"]
    home = Path(child_env["DAGSTER_HOME"])
    assert home == env / "dagster_home" and (home / "dagster.yaml").is_file()
    assert "127.0.0.1:3999" in capsys.readouterr().out


def test_the_instance_queues_one_run_per_core_and_an_older_copy_of_ours_is_updated(env, monkeypatch):
    import dagster as dg
    import yaml

    monkeypatch.setattr("aigeo_assets.cores.usable_cores", lambda: 6)
    assert yaml.safe_load(cli.instance_config(6))["concurrency"]["runs"]["max_concurrent_runs"] == 6
    settings = cli._settings()
    home = cli._dagster_home(settings)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 6  # what the queue daemon reads
    config = home / "dagster.yaml"
    config.write_text(cli.instance_config(1, home))  # ours, from a machine with one core
    cli._dagster_home(settings)
    assert config.read_text() == cli.instance_config(6, home)
    config.write_text("# my own instance\nrun_queue:\n  max_concurrent_runs: 1\n")  # a user's: left alone
    cli._dagster_home(settings)
    assert config.read_text().startswith("# my own instance")


def test_runs_events_go_to_one_sqlite_file_and_a_home_with_per_run_files_keeps_them(env, tmp_path, monkeypatch):
    import dagster as dg
    from dagster._core.storage.event_log import ConsolidatedSqliteEventLogStorage

    monkeypatch.setattr("aigeo_assets.cores.usable_cores", lambda: 3)
    settings = cli._settings()
    home = cli._dagster_home(settings)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert isinstance(instance.event_log_storage, ConsolidatedSqliteEventLogStorage)
        assert dg.materialize([dg.asset(lambda: 1, name="one")], instance=instance).success
        assert instance.get_latest_materialization_event(dg.AssetKey("one")) is not None
    assert (home / "event_log.db").is_file() and not (home / "history" / "runs").exists()

    old = tmp_path / "old_home"  # written by Dagster's default storage: one file per run and an index
    (old / "history" / "runs").mkdir(parents=True)
    (old / "history" / "runs" / "index.db").write_bytes(b"")
    monkeypatch.setenv("DAGSTER_HOME", str(old))
    assert cli._dagster_home(settings) == old.resolve()
    assert (old / "dagster.yaml").read_text() == cli.instance_config(3, None)
    assert "event_log_storage" not in cli.instance_config(3, None)


def test_help_and_no_command(capsys):
    assert main(["--help"]) == 0
    assert main([]) == 2
    assert main(["run", "--port", "1"]) == 2  # argparse's own usage error


# ------------------------------------------------------------------------------------ world, run


def test_world_tiny_writes_the_world_and_two_lines(env, capsys):
    assert main(["world", "--scale", "tiny", "--seed", "7"]) == 0
    root = env / "sources" / "sample-tiny-7"
    assert (root / "truth.json").is_file() and (root / "data" / "works").is_dir()
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2, out
    assert str(root) in out[0] and "2012-2019" in out[0] and "made in" in out[0]
    assert out[1].startswith("truth.json: ") and " works (" in out[1] and "planted:" in out[1]
    # a second call reuses it
    assert main(["world", "--scale", "tiny", "--seed", "7"]) == 0
    assert "already there" in capsys.readouterr().out
    # --parquet: the works also in OpenAlex's Parquet layout, every JSON line a row, once
    assert main(["world", "--scale", "tiny", "--seed", "7", "--parquet"]) == 0
    line = capsys.readouterr().out.splitlines()[-1]
    assert "Parquet copy" in line and "made in" in line and (root / "data" / "parquet" / "works").is_dir()
    import pyarrow.parquet as pq

    from aigeo_assets.ingest.snapshot import iter_lines, list_entity_files

    from aigeo_assets.ingest.quarantine import Quarantine

    def json_object(line: bytes) -> bool:
        try:
            return isinstance(json.loads(line), dict)
        except ValueError:
            return False

    parts = list_entity_files(root, "works").parts
    objects = sum(json_object(line) for part in parts for _, line in iter_lines(part, Quarantine()))
    rows = sum(pq.ParquetFile(p).metadata.num_rows for p in (root / "data" / "parquet" / "works").rglob("*.parquet"))
    assert rows == objects > 0
    assert main(["world", "--scale", "tiny", "--seed", "7", "--parquet"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].endswith("already there")


def test_run_reference_tables_on_a_tiny_world(env, capsys, tiny_world):
    import dagster as dg

    tiny_world(env, 7)  # made once per session (`aigeo world` is tested above)
    # --dry-run: the plan, why each run is in it, and nothing run
    assert main(["run", "--job", "reference_tables", "--refresh", "--dry-run"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("aigeo: the plan of job reference_tables (only what is missing or out of date): 2 runs")
    assert lines[1].split()[:2] == ["0", "ingest"] and lines[1].endswith("raw_institutions was never materialized")
    assert lines[2].split()[:4] == ["1", "core_institutions", "after", "0"]
    assert lines[2].endswith("core_institutions was never materialized")
    assert lines[3] == "aigeo: why: 2 never materialized"
    # one worker: the two runs are a chain, so a second worker process would only pay its imports;
    # `aigeo run` on its default workers runs in test_real_pipeline, test_run_reaping, test_full_run_bench
    assert main(["run", "--job", "reference_tables", "--workers", "1"]) == 0
    captured = capsys.readouterr()
    assert "reference_tables" in captured.out and "ok in" in captured.out
    assert "2/2 reference_tables: core_institutions" in captured.err  # the progress bar, plain lines (not a TTY)
    assert (env / "warehouse" / "core_institutions.parquet").is_file()
    home = env / "dagster_home"
    assert (home / "dagster.yaml").is_file()
    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs()  # the institutions, then their geocoding: two runs of the job, one after the other
        assert [r.job_name for r in runs] == ["reference_tables", "reference_tables"]
        assert all(r.is_success for r in runs)
        assert [sorted(k.to_user_string() for k in r.asset_selection) for r in reversed(runs)] == [
            ["raw_institutions", "raw_institutions_quarantine"], ["core_institutions"]
        ]
    assert main(["run", "--job", "reference_tables", "--refresh", "--dry-run"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "aigeo: the plan of job reference_tables (only what is missing or out of date): 0 runs; nothing is run (--dry-run)"
    ]
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert len(instance.get_runs()) == 2


@pytest.mark.parametrize("own_process", [True, False])
def test_run_forks_its_workers_only_as_the_processs_own_command(env, monkeypatch, tiny_world, own_process):
    """orchestration, Starting a worker: ``aigeo`` as a program (``command``) forks its workers on
    Linux; ``main`` called inside another process (this test's) starts them from a fork server."""
    from aigeo_assets import orchestration

    tiny_world(env, 7)
    asked: list[str] = []

    class Recorder:
        def __init__(self, **kwargs):
            asked.append(kwargs["start_method"])

        def run(self, runs):
            return []

    monkeypatch.setattr(orchestration, "PlanRunner", Recorder)
    assert main(["run", "--job", "reference_tables", "--workers", "2"], own_process=own_process) == 0
    assert asked == ["fork" if own_process else "forkserver"]


def test_materialize_all_keeps_its_signature():
    params = list(inspect.signature(cli.materialize_all).parameters)
    assert params == ["defs", "instance", "years", "run_config"]


# ------------------------------------------------------------------------------------ progress


def test_progress_plain_lines_every_ten_percent():
    buf = io.StringIO()
    with Progress(30, "yearly_refresh", stream=buf) as bar:
        assert bar.tty is False
        for _ in range(30):
            bar.advance()
    lines = buf.getvalue().splitlines()
    assert len(lines) == 10
    assert "\r" not in buf.getvalue()
    assert lines[0] == "[###---------------------------] 3/30 yearly_refresh"
    assert lines[3] == "[############------------------] 12/30 yearly_refresh"
    assert lines[-1] == "[##############################] 30/30 yearly_refresh"


def test_progress_final_line_even_when_every_does_not_divide_100():
    buf = io.StringIO()
    with Progress(10, "ingest", stream=buf, every=30) as bar:
        for i in range(10):
            bar.advance(label=f"part {i}")
    lines = buf.getvalue().splitlines()
    assert [line.split("] ")[1] for line in lines] == ["3/10 part 2", "6/10 part 5", "9/10 part 8", "10/10 part 9"]


def test_progress_terminal_mode_redraws_one_line():
    buf = io.StringIO()
    out = io.StringIO()
    with Progress(2, "x", stream=buf, tty=True) as bar:
        bar.set_label("step a")
        bar.write("  step a ok", file=out)
        bar.advance()
        bar(2, 2, "step b")  # the callback form
    text = buf.getvalue()
    assert text.startswith("\r[") and text.endswith("\n") and text.count("\n") == 1
    assert "\r" + bar_text(2, 2, "step b") in text
    assert out.getvalue() == "  step a ok\n"


def test_generator_and_works_reader_report_progress(tmp_path):
    """The sample world reports each generated year, the works reader each part, and
    ``log_progress`` turns those calls into log lines: the start, every 10% at most every ten
    seconds, and the end."""
    from aigeo_assets.ingest.snapshot import list_entity_files
    from aigeo_assets.ingest.works import parse_works_year
    from aigeo_assets.progress import log_progress
    from aigeo_assets.sampleworld import generate_world

    calls = []
    root = generate_world(tmp_path / "w", scale="tiny", seed=3, progress=lambda d, t, what: calls.append((d, t)))
    done = [d for d, _ in calls]  # each year once it is written (workers may announce the start with 0)
    assert calls[-1][0] == calls[-1][1] == 8 and done == sorted(done) and set(range(1, 9)) <= set(done)
    parts = []
    parse_works_year(list_entity_files(root, "works").parts, 2015, progress=lambda d, t, what: parts.append((d, t)))
    assert parts[-1][0] == parts[-1][1] and len(parts) == parts[-1][1] + 1

    class Log:
        lines: list = []

        def info(self, msg):
            self.lines.append(msg)

    def lines(seconds_per_part: float) -> list[str]:
        log, ticks = Log(), iter(range(1000))
        log.lines = []
        report = log_progress(log, "works 2015", clock=lambda: next(ticks) * seconds_per_part)
        for d in range(0, 101):
            report(d, 100, "part")
        return log.lines

    slow = lines(1.0)  # 100 s in all: the start, every 10 % (ten seconds apart), the end
    assert len(slow) == 11 and slow[0].startswith("works 2015: 0/100 (0%)") and slow[-1].startswith("works 2015: 100/100 (100%)")
    assert slow[5].startswith("works 2015: 50/100 (50%)")
    fast = lines(0.05)  # 5 s in all: the start and the end only
    assert [line.split(" (")[0] for line in fast] == ["works 2015: 0/100", "works 2015: 100/100"]
    assert [line.split(" (")[0] for line in lines(0.25)] == ["works 2015: 0/100", "works 2015: 40/100", "works 2015: 80/100",
                                                              "works 2015: 100/100"]


def test_snapshot_from_loose_records(env, capsys, tmp_path):
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"meta": {}, "results": [{"id": "https://openalex.org/W1", "publication_year": 2015},
                                                         {"id": "https://openalex.org/W2", "publication_year": 2016}]}))
    one = tmp_path / "I1.json"
    one.write_text(json.dumps({"id": "https://openalex.org/I1", "display_name": "Somewhere"}))
    out = tmp_path / "snap"
    assert main(["snapshot", str(out), "--works", str(page), "--institutions", str(one)]) == 0
    assert "2 works, 1 institutions" in capsys.readouterr().out
    from aigeo_assets.ingest.snapshot import list_entity_files

    assert len(list_entity_files(out, "works").parts) == 1
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main(["snapshot", str(out), "--works", str(bad)]) == 2
    assert "bad.json" in capsys.readouterr().err
    assert main(["snapshot", str(out), "--works", str(tmp_path / "absent.json")]) == 2


def test_help_imports_neither_dagster_nor_pandas():
    """``aigeo --help`` answers at once: Dagster (about 2 s to import) and pandas are imported only
    by the commands that need them (``resources`` loads its names lazily, ``AnalysisSettings``
    lives apart from the settings)."""
    code = ("import sys, aigeo_assets.cli as cli\n"
            "assert cli.main(['--help']) == 0\n"
            "print(sorted(m for m in ('dagster', 'pandas') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
