"""The OpenAlex API key never leaves the process in clear (issue 12, "secrets stay secret").

OpenAlex takes its key only as the ``api_key=`` query parameter, so every request URL holds it.
These tests run the API source against the local fake OpenAlex (``support/openalex_fake.py``, serving
``support/openalex_corpus.py``; never the internet), with a distinctive key and a server that answers with 429 and 500 before succeeding and
echoes the request (key included) in its error bodies, through Dagster with a real instance in a
temporary ``DAGSTER_HOME`` (the shipped ``dagster.yaml``), and then look for the key everywhere a
user or another process could read it: every event of the instance's event log, the stored runs,
job and plan snapshots, every file under ``DAGSTER_HOME`` (compute logs included) and under the
data folder, what reached stderr/stdout and Python logging, the GraphQL ``configuredValues`` of the
resources (the UI's Resources page), and the command line fetcher's output.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import logging
import shutil
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq
import pytest

from aigeo_assets.ingest import openalex_api as api
from aigeo_assets.ingest.openalex_api import REDACTED, ApiFetchConfig, OpenAlexApiError, redact
from aigeo_assets.resources.settings import ENVIRONMENT, REPO_ROOT, Settings
from aigeo_assets.resources.sources import API_KEY_VARIABLES, OpenAlexApiSource, api_key_env_var
from aigeo_assets_tests.support.openalex_corpus import make_corpus, make_institutions
from aigeo_assets_tests.support.openalex_fake import FakeOpenAlex

KEY = "oa-Key-7f3c9e21d4b8a6"
"""Distinctive enough that any occurrence of it is the key."""
FAILING_YEAR, GOOD_YEAR = 2018, 2019
UNUSED_URL = "http://127.0.0.1:9"
"""The API base URL of a code location that is only loaded, never run."""


def _echo(query: str) -> bytes:
    return ('{"error": "rejected request ' + query.replace('"', "'") + '"}').encode()


class FlakyOpenAlex(FakeOpenAlex):
    """The fake OpenAlex whose first two requests of every query fail (429, then 500, both with
    ``Retry-After: 0`` so no time is spent waiting) and whose ``FAILING_YEAR`` always answers 403;
    every error body echoes the request's query string, key included, as some servers do."""

    def __init__(self) -> None:
        super().__init__({"works": make_corpus(), "institutions": make_institutions(130)})
        self.failures_left: dict[str, int] = {}
        self.fail_when = self._fail

    def _fail(self, path: str, query: dict) -> tuple[int, dict, bytes] | None:
        raw = urllib.parse.urlencode({k: v[0] for k, v in query.items()})
        if f"publication_year:{FAILING_YEAR}" in query.get("filter", [""])[0]:
            return 403, {}, _echo(raw)
        with self.lock:
            left = self.failures_left.setdefault(raw, 2)
            self.failures_left[raw] = left - 1
        if left == 2:
            return 429, {"Retry-After": "0"}, _echo(raw)
        if left == 1:
            return 500, {"Retry-After": "0"}, _echo(raw)
        return None


@pytest.fixture
def flaky() -> Iterator[FlakyOpenAlex]:
    fake = FlakyOpenAlex()
    try:
        yield fake
    finally:
        fake.close()


def _file_texts(folder: Path) -> Iterator[tuple[Path, bytes]]:
    """Every file under ``folder`` as bytes; gzip files decompressed, parquet files as their rows
    and schema metadata (a string inside a compressed page would not show in the raw bytes)."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        yield path, data
        if data[:2] == b"\x1f\x8b":
            yield path, gzip.decompress(data)
        elif path.suffix == ".parquet":
            table = pq.read_table(path)
            yield path, repr((table.to_pylist(), table.schema.metadata)).encode()


def _where_key(texts: Iterator[tuple[object, bytes | str]]) -> list[str]:
    found = []
    for where, text in texts:
        raw = text if isinstance(text, bytes) else text.encode()
        if KEY.encode() in raw or urllib.parse.quote(KEY).encode() in raw:
            found.append(str(where))
    return found


def _instance_texts(instance: dg.DagsterInstance) -> Iterator[tuple[str, str]]:
    """Every event of every run, the runs, and their job and execution plan snapshots, serialized."""
    for run in instance.get_runs():
        yield f"run {run.run_id}", dg.serialize_value(run)
        yield f"job snapshot {run.job_name}", dg.serialize_value(instance.get_job_snapshot(run.job_snapshot_id))
        if run.execution_plan_snapshot_id:
            yield f"plan snapshot {run.job_name}", dg.serialize_value(
                instance.get_execution_plan_snapshot(run.execution_plan_snapshot_id)
            )
        for entry in instance.all_logs(run.run_id):
            yield f"event {entry.dagster_event_type} of run {run.run_id}", dg.serialize_value(entry)


def _environment(monkeypatch, tmp_path: Path, base_url: str, key_variable: str) -> Path:
    """The API source at ``base_url``, the key in ``key_variable``, a fresh ``DAGSTER_HOME`` with the
    shipped ``dagster.yaml`` (returned); every other aigeo variable unset."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(REPO_ROOT / "scripts" / "dagster.yaml", home / "dagster.yaml")
    for name in [*ENVIRONMENT, *API_KEY_VARIABLES]:
        monkeypatch.delenv(name, raising=False)
    for name, value in {
        "DAGSTER_HOME": str(home),
        "AIGEO_DATA_DIR": str(tmp_path / "data"),
        "AIGEO_SOURCE": "api",
        "AIGEO_API_BASE_URL": base_url,
        "AIGEO_API_MAILTO": "me@example.org",
        "AIGEO_START_YEAR": "2015",
        "AIGEO_END_YEAR": "2019",
        key_variable: KEY,
    }.items():
        monkeypatch.setenv(name, value)
    return home


@contextlib.contextmanager
def _python_logging_to_stderr() -> Iterator[None]:
    """Python log records reach stderr as in a run outside pytest (whose own handlers on the root
    logger otherwise keep ``logging.lastResort`` from writing them), so they land in compute logs."""
    logger = logging.getLogger(api.__name__)
    logger.addHandler(logging.lastResort)
    try:
        yield
    finally:
        logger.removeHandler(logging.lastResort)


def test_a_run_against_a_flaky_api_leaks_the_key_nowhere(monkeypatch, tmp_path, flaky, capfd, caplog):
    from aigeo_assets.code_location import build_definitions

    home = _environment(monkeypatch, tmp_path, flaky.url, "AIGEO_API_KEY")
    defs = build_definitions(Settings.from_env())
    raw_works = defs.get_assets_def("raw_works")
    with dg.DagsterInstance.from_config(str(home)) as instance, _python_logging_to_stderr():
        good = dg.materialize([raw_works], partition_key=str(GOOD_YEAR), instance=instance, resources=defs.resources)
        bad = dg.materialize(
            [raw_works], partition_key=str(FAILING_YEAR), instance=instance, resources=defs.resources, raise_on_error=False
        )
        assert good.success and not bad.success
        assert all(q["api_key"] == [KEY] for q in flaky.queries())
        texts = list(_instance_texts(instance))
    captured = capfd.readouterr()
    compute_logs = {p: p.read_text() for p in home.rglob("compute_logs/*.err")}

    assert _where_key(iter(texts)) == []
    assert _where_key(_file_texts(home)) == []
    assert _where_key(_file_texts(tmp_path / "data")) == []
    assert _where_key([("stdout", captured.out), ("stderr", captured.err), ("logging", caplog.text)]) == []
    # and the places searched did receive the URLs and error bodies, redacted: retry warnings in
    # the compute log, the 403 (its body echoing the request) in the step failure of the event log
    assert [q["filter"][0].startswith(f"publication_year:{GOOD_YEAR}") for q in flaky.queries()].count(True) == 3
    assert len(compute_logs) == 2
    assert any("retry 2/6" in text and f"api_key={REDACTED}" in text for text in compute_logs.values())
    failure = bad.get_step_failure_events()[0].step_failure_data.error.to_string()
    assert "HTTP 403" in failure and failure.count(f"api_key={REDACTED}") == 2
    assert sum(t.startswith("event") for t, _ in texts) > 20
    assert good.output_for_node("raw_works", "raw_works").read(["work_id"])["work_id"].size > 0


_RESOURCES_QUERY = """
query Resources($selector: RepositorySelector!) {
  allTopLevelResourceDetailsOrError(repositorySelector: $selector) {
    __typename
    ... on ResourceDetailsList { results { name configuredValues { key value type } } }
  }
}
"""


def test_the_ui_shows_the_variable_not_the_key(monkeypatch, tmp_path):
    """The UI's Resources page (GraphQL ``configuredValues``) of the shipped code location, the key
    set in the second variable aigeo reads (the first is covered by the run above)."""
    from dagster._core.test_utils import in_process_test_workspace
    from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
    from dagster_graphql.test.utils import execute_dagster_graphql, infer_repository_selector

    home = _environment(monkeypatch, tmp_path, UNUSED_URL, "OPENALEX_API_KEY")
    location = tmp_path / "location.py"
    location.write_text(
        "from aigeo_assets.code_location import build_definitions\n"
        "from aigeo_assets.resources.settings import Settings\n"
        "defs = build_definitions(Settings.from_env())\n"
    )
    origin = LoadableTargetOrigin(executable_path=sys.executable, python_file=str(location), attribute="defs")
    with dg.DagsterInstance.from_config(str(home)) as instance, in_process_test_workspace(instance, origin) as context:
        result = execute_dagster_graphql(context, _RESOURCES_QUERY, {"selector": infer_repository_selector(context)})
    resources = {r["name"]: r["configuredValues"] for r in result.data["allTopLevelResourceDetailsOrError"]["results"]}
    api_key = {v["key"]: v for v in resources["source"]}["api_key"]
    assert api_key == {"key": "api_key", "value": "OPENALEX_API_KEY", "type": "ENV_VAR"}
    assert {v["key"]: v["value"] for v in resources["source"]}["base_url"] == json.dumps(UNUSED_URL)
    assert _where_key([("graphql", repr(result.data))]) == []


def test_the_command_line_fetcher_leaks_the_key_nowhere(monkeypatch, tmp_path, flaky, capfd, caplog):
    monkeypatch.setenv("OPENALEX_API_KEY", KEY)
    with _python_logging_to_stderr():
        ok = api.main(["--year", str(GOOD_YEAR), "--out", str(tmp_path), "--base-url", flaky.url, "-v"])
        failed = api.main(["--year", str(FAILING_YEAR), "--out", str(tmp_path), "--base-url", flaky.url])
    captured = capfd.readouterr()
    assert (ok, failed) == (0, 2)
    assert all(q["api_key"] == [KEY] for q in flaky.queries())
    assert _where_key([("stdout", captured.out), ("stderr", captured.err), ("logging", caplog.text)]) == []
    assert _where_key(_file_texts(tmp_path)) == []
    assert "retry 2/6" in captured.err and "HTTP 403" in captured.err and f"api_key={REDACTED}" in captured.err


# ---------------------------------------------------------------------------------------------
# the pieces


def test_redact_hides_the_parameter_and_the_secret_wherever_they_appear():
    url = f"https://api.openalex.org/works?filter=a:b&api_key={KEY}&mailto=me%40x.org"
    assert redact(url) == "https://api.openalex.org/works?filter=a:b&api_key=***&mailto=me%40x.org"
    assert redact(f"GET /w?x=1&API-KEY={KEY}") == "GET /w?x=1&API-KEY=***"
    assert redact(f"next=%2Fw%3Fapi_key%3D{KEY}%26x%3D1") == "next=%2Fw%3Fapi_key%3D***%26x%3D1"
    assert redact(f"invalid key '{KEY}' (expired)", [KEY]) == "invalid key '***' (expired)"
    assert redact("k/y+z is wrong: k%2Fy%2Bz", ["k/y+z"]) == "*** is wrong: ***"
    assert redact("no secret here", [None, ""]) == "no secret here"


def test_a_transport_error_holding_the_url_is_redacted_and_not_chained(tmp_path):
    """``http.client.InvalidURL`` puts the whole request line, key included, in its message."""
    config = ApiFetchConfig(base_url="http://127.0.0.1:9/a b", api_key=KEY, max_retries=0)
    with pytest.raises(OpenAlexApiError) as info:
        api.fetch_works_year(config, GOOD_YEAR, tmp_path, sleep=lambda s: None)
    err = info.value
    assert "InvalidURL" in str(err) and f"api_key={REDACTED}" in err.url
    assert KEY not in str(err) and KEY not in err.url
    assert err.__cause__ is None and err.__suppress_context__


def test_reprs_do_not_show_the_key(monkeypatch):
    assert KEY not in repr(ApiFetchConfig(api_key=KEY)) and "api_key='***'" in repr(ApiFetchConfig(api_key=KEY))
    assert "api_key=None" in repr(ApiFetchConfig())
    assert KEY not in repr(OpenAlexApiSource(download_dir="d", api_key=KEY))


def test_the_key_must_come_from_a_variable(monkeypatch):
    for name in API_KEY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert api_key_env_var(None) is None
    with pytest.raises(ValueError, match="AIGEO_API_KEY or OPENALEX_API_KEY"):
        api_key_env_var(KEY)
    monkeypatch.setenv("OPENALEX_API_KEY", KEY)
    assert api_key_env_var(KEY).env_var_name == "OPENALEX_API_KEY"
    monkeypatch.setenv("AIGEO_API_KEY", "another")
    with pytest.raises(ValueError):
        api_key_env_var(KEY)  # AIGEO_API_KEY wins, and it holds another key
    assert api_key_env_var("another").env_var_name == "AIGEO_API_KEY"
