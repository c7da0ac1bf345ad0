"""Bad settings fail early: every ``AIGEO_*`` variable is checked when the settings are read, and
``aigeo`` prints one line per bad variable (``AIGEO_X='value': what is allowed``) and exits with
code 2, never a traceback; the code location fails to load with the same lines."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from aigeo_assets import cli
from aigeo_assets.cli import main
from aigeo_assets.resources.settings import (
    ENVIRONMENT,
    REPO_ROOT,
    SettingsError,
    SettingsWarning,
    Settings,
    next_year,
    unknown_variables,
)

SECRET = "oa-k3y with spaces"

# (variable, bad value, what the error line says is allowed); "{tmp}" is the test's folder
BAD = [
    ("AIGEO_DATA_DIR", "{tmp}/a-file/data", "a folder aigeo can create and write in"),
    ("AIGEO_SOURCE", "mag", "one of sample, snapshot, api"),
    ("AIGEO_SNAPSHOT_FORMAT", "json", "one of auto, jsonl, parquet"),
    ("AIGEO_EXECUTOR", "k8s", "one of in_process, multiprocess, celery"),
    ("AIGEO_WAREHOUSE_URL", "bucket/aigeo", "a URL with a protocol and a path"),
    ("AIGEO_WAREHOUSE_URL", "nosuchfs://bucket/aigeo", "a URL whose protocol fsspec knows"),
    ("AIGEO_SNAPSHOT_DIR", "{tmp}/empty", "an OpenAlex snapshot folder: data/works/"),
    ("AIGEO_SNAPSHOT_DIR", "{tmp}/nowhere", "an existing folder: there is nothing there"),
    ("AIGEO_SNAPSHOT_DIR", "{tmp}/a-file", "an existing folder: it is a file"),
    ("AIGEO_SAMPLE_SCALE", "huge", "one of tiny, demo, paper"),
    ("AIGEO_SAMPLE_SEED", "-1", "a whole number >= 0"),
    ("AIGEO_SAMPLE_SEED", "7.5", "a whole number >= 0"),
    ("AIGEO_START_YEAR", "-5", "a year from 1900 to"),
    ("AIGEO_START_YEAR", "1889", "a year from 1900 to"),
    ("AIGEO_END_YEAR", "2_019", "a year from 1900 to"),
    ("AIGEO_END_YEAR", "2011", "a year from AIGEO_START_YEAR (2012) to"),
    ("AIGEO_API_BASE_URL", "api.openalex.org", "an http(s) URL"),
    ("AIGEO_API_BASE_URL", "https://api.openalex.org/?api_key=x", "an http(s) URL without query"),
    ("AIGEO_API_MAILTO", "me at example.org", "an e-mail address"),
    ("AIGEO_API_KEY", SECRET, "an OpenAlex API key: printable ASCII, no spaces"),
    ("OPENALEX_API_KEY", SECRET, "an OpenAlex API key: printable ASCII, no spaces"),
    ("AIGEO_REFERENCE_YEAR", "2005", "a year of the partitions AIGEO_START_YEAR-AIGEO_END_YEAR (2012-2019)"),
    ("AIGEO_TOP_N", "20,-5", "distinct whole numbers > 0 separated by commas"),
    ("AIGEO_TOP_N", "20,20", "distinct whole numbers > 0 separated by commas"),
    ("AIGEO_IMPACT_WINDOW", "-1", "a whole number of years >= 0"),
    ("AIGEO_LONG_IMPACT_WINDOW", "five", "a whole number of years >= 0"),
    ("AIGEO_IMPACT_MATRIX_YEARS", "2017-2013", "first <= last"),
    ("AIGEO_COLLABORATION_YEARS", "2000-2005", "years overlapping the partitions AIGEO_START_YEAR-AIGEO_END_YEAR (2012-2019)"),
    ("AIGEO_MIGRATION_YEARS", "2015-19", "years YYYY-YYYY"),
    ("AIGEO_API_CONCEPTS", "artificial intelligence", "OpenAlex concept ids C<digits>"),
    ("AIGEO_API_SUBFIELDS", "AI", "OpenAlex topic subfield ids (digits)"),
    ("AIGEO_API_PMID_FILTER", "pubmed", "one of pmid, ids.pmid"),
    ("AIGEO_CSV_COPIES", "some", "one of out, all, none"),
    ("AIGEO_CSV_MAX_ROWS", "-1", "a whole number of rows >= 0"),
    ("AIGEO_WORKER_MAX_RSS_MB", "1.5G", "a whole number of MiB >= 0 (0: never)"),
    ("AIGEO_PUBMED_DIR", "{tmp}/notes", "none under it matches AIGEO_PUBMED_PATTERN='*.xml|*.xml.gz'"),
    ("AIGEO_PUBMED_DIR", "{tmp}/nowhere", "a folder of PubMed files (or one file): there is nothing there"),
    ("AIGEO_PUBMED_PATTERN", "*.xml||*.gz", "none empty"),
    ("AIGEO_RANKINGS_DIR", "{tmp}/notes", "journal_ranking.csv and conference_ranking.csv: journal_ranking.csv, conference"),
    ("AIGEO_LIFESCI_START_YEAR", "1899", "a year from 1900 to"),
    ("AIGEO_LIFESCI_END_YEAR", "2011", "a year from AIGEO_START_YEAR (2012) to"),
    ("AIGEO_LIFESCI_CITING", "clinical", "one of any, life_science"),
    ("AIGEO_DISRUPTION_WINDOW", "0", "a whole number of years >= 1"),
    ("AIGEO_DISRUPTION_CITING", "ai", "one of any, corpus"),
    ("AIGEO_LIFESCI_CLINICAL_FILTER", "narrow", "one of treatment, treatment_no_random_forest, broad"),
    ("AIGEO_LIFESCI_CORE_RANK", "B", "one of A*, A"),
    ("AIGEO_PUBMED_WORKERS", "-1", "a whole number >= 0 (0: one per core)"),
    ("AIGEO_MIN_LOCATED_SHARE", "nan", "a share from 0 to 1"),
    ("AIGEO_MIN_LOCATED_SHARE", "1.5", "a share from 0 to 1"),
    ("AIGEO_THIN_YEAR_PAPERS", "1e3", "a whole number of papers >= 0"),
    ("AIGEO_CODE_URL", "github.com/example/aigeo", "an http(s) address of the repository"),
    ("AIGEO_CODE_BRANCH", "my branch", "a git branch, tag or commit name"),
]

# (variable, good value, Settings field, the value read)
GOOD = [
    ("AIGEO_DATA_DIR", "{tmp}/new/data", "data_dir", Path("{tmp}/new/data")),
    ("AIGEO_SOURCE", "api", "source", "api"),
    ("AIGEO_SNAPSHOT_FORMAT", "parquet", "snapshot_format", "parquet"),
    ("AIGEO_EXECUTOR", "celery", "executor", "celery"),
    ("AIGEO_WAREHOUSE_URL", "memory://aigeo/warehouse", "warehouse_url", "memory://aigeo/warehouse"),
    ("AIGEO_SNAPSHOT_DIR", "{tmp}/snapshot", "snapshot_dir", Path("{tmp}/snapshot")),
    ("AIGEO_SAMPLE_SCALE", "demo", "sample_scale", "demo"),
    ("AIGEO_SAMPLE_SEED", "0", "sample_seed", 0),
    ("AIGEO_START_YEAR", "2013", "start_year", 2013),
    ("AIGEO_END_YEAR", "2018", "end_year", 2018),
    ("AIGEO_API_BASE_URL", "http://127.0.0.1:8080/", "api_base_url", "http://127.0.0.1:8080/"),
    ("AIGEO_API_MAILTO", "me@example.org", "api_mailto", "me@example.org"),
    ("AIGEO_API_KEY", "oa-7f3c9e21", "api_key", "oa-7f3c9e21"),
    ("OPENALEX_API_KEY", "oa-7f3c9e21", "api_key", "oa-7f3c9e21"),
    ("AIGEO_REFERENCE_YEAR", "2015", "reference_year", 2015),
    ("AIGEO_TOP_N", "30, 10", "top_ns", (10, 30)),
    ("AIGEO_IMPACT_WINDOW", "0", "impact_window", 0),
    ("AIGEO_LONG_IMPACT_WINDOW", "4", "long_impact_window", 4),
    ("AIGEO_IMPACT_MATRIX_YEARS", "2014-2016", "impact_matrix_years", (2014, 2016)),
    ("AIGEO_COLLABORATION_YEARS", "2010-2013", "collaboration_years", (2010, 2013)),
    ("AIGEO_MIGRATION_YEARS", "2016", "migration_years", (2016, 2016)),
    ("AIGEO_API_CONCEPTS", "C154945302|https://openalex.org/C41008148", "api_concepts", ("C154945302", "https://openalex.org/C41008148")),
    ("AIGEO_API_SUBFIELDS", "1702|subfields/1707", "api_subfields", ("1702", "subfields/1707")),
    ("AIGEO_API_PMID_FILTER", "ids.pmid", "api_pmid_filter", "ids.pmid"),
    ("AIGEO_CSV_COPIES", "none", "csv_copies", "none"),
    ("AIGEO_CSV_MAX_ROWS", "1000", "csv_max_rows", 1000),
    ("AIGEO_WORKER_MAX_RSS_MB", "0", "worker_max_rss_mb", 0),
    ("AIGEO_PUBMED_DIR", "{tmp}/pubmed", "pubmed_dir", Path("{tmp}/pubmed")),
    ("AIGEO_PUBMED_PATTERN", "medline*.xml.gz", "pubmed_pattern", "medline*.xml.gz"),
    ("AIGEO_RANKINGS_DIR", "{tmp}/rankings", "rankings_dir", Path("{tmp}/rankings")),
    ("AIGEO_LIFESCI_START_YEAR", "2019", "lifesci_start_year", 2019),
    ("AIGEO_LIFESCI_END_YEAR", "2012", "lifesci_end_year", 2012),
    ("AIGEO_LIFESCI_CITING", "life_science", "lifesci_citing", "life_science"),
    ("AIGEO_DISRUPTION_WINDOW", "3", "disruption_window", 3),
    ("AIGEO_DISRUPTION_CITING", "corpus", "disruption_citing", "corpus"),
    ("AIGEO_LIFESCI_CLINICAL_FILTER", "broad", "lifesci_clinical_filter", "broad"),
    ("AIGEO_LIFESCI_CORE_RANK", "A", "lifesci_core_rank", "A"),
    ("AIGEO_PUBMED_WORKERS", "1", "pubmed_workers", 1),
    ("AIGEO_MIN_LOCATED_SHARE", "0", "min_located_share", 0.0),
    ("AIGEO_THIN_YEAR_PAPERS", "0", "thin_year_papers", 0),
    ("AIGEO_CODE_URL", "https://github.com/example/aigeo/", "code_url", "https://github.com/example/aigeo"),
    ("AIGEO_CODE_BRANCH", "v0.1", "code_branch", "v0.1"),
]

NEEDS = {"AIGEO_SNAPSHOT_DIR": {"AIGEO_SOURCE": "snapshot"}}
"""Variables checked only together with another setting."""


@pytest.fixture
def env(tmp_path, monkeypatch):
    """A clean environment with good settings (a tiny sample world 2012-2019), the folders the
    cases name, and an atlas so that ``aigeo report`` succeeds when the settings are good."""
    for name in [n for n in os.environ if n.startswith(("AIGEO_", "DAGSTER_"))] + ["OPENALEX_API_KEY"]:
        monkeypatch.delenv(name, raising=False)
    data = tmp_path / "data"
    for name, value in {"AIGEO_DATA_DIR": str(data), "AIGEO_SAMPLE_SCALE": "tiny", "AIGEO_SAMPLE_SEED": "7",
                        "AIGEO_START_YEAR": "2012", "AIGEO_END_YEAR": "2019"}.items():
        monkeypatch.setenv(name, value)
    (tmp_path / "a-file").write_text("not a folder")
    (tmp_path / "empty").mkdir()
    (tmp_path / "snapshot" / "data" / "works").mkdir(parents=True)
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "readme.txt").write_text("no PubMed here")
    (tmp_path / "pubmed" / "baseline").mkdir(parents=True)
    (tmp_path / "pubmed" / "baseline" / "pubmed25n0001.xml.gz").write_bytes(b"")
    (tmp_path / "rankings").mkdir()
    for name in ("journal_ranking.csv", "conference_ranking.csv"):
        (tmp_path / "rankings" / name).write_text("outlet,rank\n")
    (data / "reports").mkdir(parents=True)
    (data / "reports" / "atlas.html").write_text("<html></html>")
    return tmp_path


def _lines(capsys) -> list[str]:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return [line for line in err.splitlines() if line.strip()]


def test_every_variable_has_a_bad_and_a_good_case():
    variables = {*ENVIRONMENT, "OPENALEX_API_KEY"}
    assert {c[0] for c in BAD} == variables
    assert {c[0] for c in GOOD} == variables


@pytest.mark.parametrize("name, value, allowed", BAD, ids=[f"{c[0]}={c[1]}" for c in BAD])
def test_a_bad_setting_is_one_line_and_exit_code_2(env, capsys, monkeypatch, name, value, allowed):
    for other, v in NEEDS.get(name, {}).items():
        monkeypatch.setenv(other, v)
    value = value.format(tmp=env)
    monkeypatch.setenv(name, value)
    assert main(["report"]) == 2
    (line,) = _lines(capsys)
    shown = "'***'" if name.endswith("API_KEY") else repr(value)
    assert line.startswith(f"aigeo: error: {name}={shown}: "), line
    assert allowed in line
    assert "oa-k3y" not in line


@pytest.mark.parametrize("name, value, field, expected", GOOD, ids=[f"{c[0]}={c[1]}" for c in GOOD])
def test_a_good_setting_is_read(env, capsys, monkeypatch, name, value, field, expected):
    for other, v in NEEDS.get(name, {}).items():
        monkeypatch.setenv(other, v)
    monkeypatch.setenv(name, value.format(tmp=env))
    settings = cli._settings()
    assert _lines(capsys) == []
    if isinstance(expected, Path):
        expected = Path(str(expected).format(tmp=env))
    assert getattr(settings, field) == expected


def test_a_value_stays_on_its_line_and_a_long_one_is_cut(env, capsys, monkeypatch):
    monkeypatch.setenv("AIGEO_SAMPLE_SCALE", "tiny\naigeo: error: forged")
    assert main(["report"]) == 2
    assert _lines(capsys) == ["aigeo: error: AIGEO_SAMPLE_SCALE='tiny\\naigeo: error: forged': one of tiny, demo, paper"]
    monkeypatch.setenv("AIGEO_SAMPLE_SCALE", "x" * 1000)
    assert main(["report"]) == 2
    (line,) = _lines(capsys)
    assert "x" * 200 in line and "x" * 300 not in line and line.endswith("...': one of tiny, demo, paper")


def test_every_bad_variable_is_reported_at_once_in_the_table_order(env, capsys, monkeypatch):
    bad = {"AIGEO_THIN_YEAR_PAPERS": "-1", "AIGEO_SAMPLE_SCALE": "huge", "AIGEO_IMPACT_WINDOW": "-1",
           "AIGEO_START_YEAR": "-5", "AIGEO_API_KEY": SECRET}
    for name, value in bad.items():
        monkeypatch.setenv(name, value)
    assert main(["run"]) == 2
    lines = _lines(capsys)
    named = [line.removeprefix("aigeo: error: ").split("=", 1)[0] for line in lines]
    assert named == [n for n in ENVIRONMENT if n in bad]
    assert SECRET not in "\n".join(lines)
    with pytest.raises(SettingsError) as info:
        Settings.from_env()
    assert isinstance(info.value, ValueError) and len(info.value.problems) == len(bad)
    assert str(info.value).splitlines() == [line.removeprefix("aigeo: error: ") for line in lines]


def test_a_default_that_does_not_fit_the_other_settings_is_marked_as_the_default(env, capsys, monkeypatch):
    monkeypatch.setenv("AIGEO_START_YEAR", "2018")
    assert main(["report"]) == 2
    lines = _lines(capsys)
    assert len(lines) == 2, lines
    assert lines[0].startswith("aigeo: error: AIGEO_REFERENCE_YEAR='2017' (the default): a year of the partitions")
    assert lines[1].startswith("aigeo: error: AIGEO_IMPACT_MATRIX_YEARS='2013-2017' (the default): years overlapping")


def test_snapshot_source_without_a_folder_names_the_variable(env, capsys, monkeypatch):
    monkeypatch.setenv("AIGEO_SOURCE", "snapshot")
    assert main(["report"]) == 2
    assert _lines(capsys) == [
        "aigeo: error: AIGEO_SNAPSHOT_DIR='' (the default): AIGEO_SOURCE=snapshot needs AIGEO_SNAPSHOT_DIR, "
        "the OpenAlex snapshot folder"
    ]
    # another source ignores a folder that is not a snapshot
    monkeypatch.setenv("AIGEO_SOURCE", "sample")
    monkeypatch.setenv("AIGEO_SNAPSHOT_DIR", str(env / "empty"))
    assert main(["report"]) == 0


def test_the_pubmed_pattern_decides_whether_a_folder_holds_pubmed_files(env, capsys, monkeypatch):
    monkeypatch.setenv("AIGEO_PUBMED_DIR", str(env / "pubmed"))
    monkeypatch.setenv("AIGEO_PUBMED_PATTERN", "medline*.xml.gz")
    assert main(["report"]) == 2
    (line,) = _lines(capsys)
    assert "AIGEO_PUBMED_DIR=" in line and "AIGEO_PUBMED_PATTERN='medline*.xml.gz'" in line
    monkeypatch.setenv("AIGEO_PUBMED_PATTERN", "baseline/pubmed*.xml.gz")
    assert main(["report"]) == 0
    # one file is read whatever its name
    monkeypatch.setenv("AIGEO_PUBMED_DIR", str(env / "notes" / "readme.txt"))
    assert main(["report"]) == 0


def test_years_up_to_next_year_are_allowed_not_later(tmp_path):
    data = str(tmp_path / "data")
    assert Settings.from_env({"AIGEO_DATA_DIR": data, "AIGEO_END_YEAR": str(next_year())}).end_year == next_year()
    with pytest.raises(SettingsError) as info:
        Settings.from_env({"AIGEO_DATA_DIR": data, "AIGEO_END_YEAR": str(next_year() + 1)})
    assert info.value.problems == (f"AIGEO_END_YEAR='{next_year() + 1}': a year from 1900 to {next_year()} (four digits)",)


def test_an_unknown_variable_warns_with_the_closest_name(env, capsys, monkeypatch):
    monkeypatch.setenv("AIGEO_SAMPLE_SCAL", "paper")
    monkeypatch.setenv("AIGEO_XYZZY", "secret-looking-value")
    monkeypatch.setenv("AIGEO_TOPOJSON_DIR", str(env))  # read by the figures, not by Settings
    assert main(["report"]) == 0
    assert _lines(capsys) == [
        "aigeo: warning: AIGEO_SAMPLE_SCAL is not an aigeo setting, it is ignored: did you mean AIGEO_SAMPLE_SCALE?",
        "aigeo: warning: AIGEO_XYZZY is not an aigeo setting, it is ignored: the settings are listed in the README",
    ]
    with pytest.warns(SettingsWarning) as caught:
        Settings.from_env()
    assert [str(w.message).split(" ")[0] for w in caught] == ["AIGEO_SAMPLE_SCAL", "AIGEO_XYZZY"]
    assert unknown_variables({"AIGEO_SOURCE": "x", "PATH": "/bin"}) == []


@pytest.mark.parametrize("command", [["run"], ["run", "--job", "careers"], ["world"], ["ui"], ["report"]])
def test_every_command_that_reads_settings_stops_before_doing_anything(env, capsys, monkeypatch, command):
    monkeypatch.setenv("AIGEO_IMPACT_WINDOW", "-1")
    monkeypatch.setattr(cli, "_spawn", lambda *a, **k: pytest.fail("dagster dev was started"))
    data = Path(os.environ["AIGEO_DATA_DIR"])
    before = sorted(data.rglob("*"))
    assert main(command) == 2
    assert _lines(capsys) == ["aigeo: error: AIGEO_IMPACT_WINDOW='-1': a whole number of years >= 0"]
    assert sorted(data.rglob("*")) == before  # no dagster_home, no sample world


def _subprocess_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIGEO_", "DAGSTER_")) and k != "OPENALEX_API_KEY"}
    return {**env, "AIGEO_DATA_DIR": str(tmp_path / "data"), **settings}


def test_the_command_and_the_code_location_fail_with_the_lines_and_no_traceback(tmp_path):
    """A real ``aigeo`` process exits 2 with one line per bad variable; importing the code location
    (what ``dagster dev`` does) raises ``SettingsError`` whose message is the same lines, the first
    naming a variable (the UI shows it as the code location's error). Both run at once."""
    env = _subprocess_env(tmp_path, AIGEO_SAMPLE_SCALE="huge", AIGEO_IMPACT_WINDOW="-1", AIGEO_API_KEY=SECRET)
    run = dict(env=env, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    command = subprocess.Popen([sys.executable, "-m", "aigeo_assets.cli", "report"], **run)
    location = subprocess.Popen([sys.executable, "-c", "import aigeo_assets.definitions"], **run)
    (_, command_err), (_, location_err) = command.communicate(timeout=300), location.communicate(timeout=300)
    problems = [
        "AIGEO_SAMPLE_SCALE='huge': one of tiny, demo, paper",
        "AIGEO_API_KEY='***': an OpenAlex API key: printable ASCII, no spaces",
        "AIGEO_IMPACT_WINDOW='-1': a whole number of years >= 0",
    ]
    assert command.returncode == 2, command_err
    assert command_err.splitlines() == [f"aigeo: error: {p}" for p in problems]
    assert location.returncode == 1
    assert location_err.strip().splitlines()[-3:] == [f"aigeo_assets.resources.settings.SettingsError: {problems[0]}", *problems[1:]]
    assert SECRET not in command_err + location_err


def test_no_warning_escapes_the_command_for_good_settings(env, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("error", SettingsWarning)
        assert main(["report"]) == 0
    assert _lines(capsys) == []
