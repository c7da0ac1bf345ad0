"""The whole run (``aigeo run``: every job of both studies) on real records, end to end.

A snapshot is assembled at test time from the public OpenAlex samples in ``../shared/samples/``
(API pages, single records, JSON lists and a go-openalex snapshot part) with
:func:`snapshot_from_records`, and a PubMed folder from every PubMed sample file there. Real data
are thin and sparse: years with a handful of papers, authors without a city, a life-science corpus
of a few articles. The run must still reach the atlas, with no failed step, and the atlas must say
which models could not be estimated (and why) where their figures would be.

Skipped when the samples folder is absent (it lives beside the repository, not in it).
"""

from __future__ import annotations

import subprocess
import sys
import time
from html import escape as html_escape
from pathlib import Path

import pandas as pd
import pytest

from aigeo_assets.ingest.records_folder import real_sample_files, shared_samples_dir, snapshot_from_records
from aigeo_assets.models.results import not_estimable_reasons
from aigeo_assets.resources.settings import ENVIRONMENT

SAMPLES = shared_samples_dir()
OPENALEX = SAMPLES / "openalex"
PUBMED = SAMPLES / "pubmed"

pytestmark = pytest.mark.skipif(
    not OPENALEX.is_dir() or not PUBMED.is_dir(),
    reason=f"the real sample records are not there ({SAMPLES}: ../shared/samples beside the repository)",
)

START_YEAR, END_YEAR = 2012, 2019
"""Eight years hold the reference year (2017) and every window of AlShebli et al. 2022 (2013-2017, 2015-2019);
the samples have 5-25 works a year there, which keeps the run to a few minutes."""


def pubmed_folder(out: Path) -> Path:
    """Every PubMed sample file linked into one folder under its own name (prefixed by its
    subfolder where two share a name)."""
    out.mkdir(parents=True, exist_ok=True)
    files = sorted(p for p in PUBMED.rglob("*") if p.is_file() and not p.name.startswith("."))
    names = [f.name for f in files]
    for f in files:
        rel = f.relative_to(PUBMED)
        name = f.name if names.count(f.name) == 1 else "_".join(rel.parts)
        (out / name).symlink_to(f)
    return out


@pytest.fixture
def real_env(tmp_path, monkeypatch):
    """A snapshot and a PubMed folder from the real samples; the settings of a run on them."""
    snapshot = tmp_path / "snapshot"
    works, institutions = real_sample_files(SAMPLES)
    counts = snapshot_from_records(snapshot, works=works, institutions=institutions)
    assert counts["works"] > 0 and counts["institutions"] > 0
    pubmed = pubmed_folder(tmp_path / "pubmed")
    for name in [*ENVIRONMENT, "DAGSTER_HOME", "OPENALEX_API_KEY"]:
        monkeypatch.delenv(name, raising=False)
    data = tmp_path / "data"
    monkeypatch.setenv("AIGEO_DATA_DIR", str(data))
    monkeypatch.setenv("AIGEO_SOURCE", "snapshot")
    monkeypatch.setenv("AIGEO_SNAPSHOT_DIR", str(snapshot))
    monkeypatch.setenv("AIGEO_PUBMED_DIR", str(pubmed))
    monkeypatch.setenv("AIGEO_START_YEAR", str(START_YEAR))
    monkeypatch.setenv("AIGEO_END_YEAR", str(END_YEAR))
    return data


def test_the_whole_run_on_real_records_reaches_the_atlas(real_env):
    """``aigeo run`` as a user starts it, the program in its own process: its workers are forked
    (orchestration, Starting a worker) and run every asset, graph-tool's and the figures' too."""
    import dagster as dg

    from aigeo_assets.cli import preflight
    from aigeo_assets.resources.settings import REPO_ROOT, Settings

    missing = preflight(Settings.from_env(), needs_figures=True, needs_graph_tool=True)
    if missing:
        pytest.skip(f"the whole run needs what `make setup` installs: {'; '.join(missing)}")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "aigeo_assets.cli", "run", "--workers", "2"], capture_output=True,
                          text=True, cwd=REPO_ROOT, timeout=1800)
    seconds = time.perf_counter() - started
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "FAILED" not in done.stdout and "2 workers" in done.stdout.splitlines()[0]
    # thin years are reported, not fatal: the checks that warned are named in one line at the end
    warned = [line for line in done.stderr.splitlines() if "warned (the run went on)" in line]
    assert len(warned) <= 1 and all(":" in line for line in warned)
    print(*warned)
    print(f"the whole run on real records took {seconds:.0f}s")

    home = real_env / "dagster_home"
    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs()
        assert runs and all(r.is_success for r in runs), [r.job_name for r in runs if not r.is_success]
        assert instance.get_latest_materialization_event(dg.AssetKey("out_atlas")) is not None

    atlas = real_env / "reports" / "atlas.html"
    assert atlas.is_file()
    html = atlas.read_text(encoding="utf-8")
    # the models that thin data cannot support are named, with their reason, where their figures would be
    warehouse = real_env / "warehouse"
    reasons = {}
    for table in ("out_lifesci_relevance_irrs", "out_lifesci_collaboration_irrs", "out_gravity_citations_coefficients", "out_gravity_migration"):
        df = pd.read_parquet(warehouse / f"{table}.parquet")
        reasons.update({f"{table} {k}": v for k, v in not_estimable_reasons(df, by=("model", "spec")).items()})
    assert reasons, "these samples are too thin for some models: at least one should be not estimable"
    assert "Not estimable on these data:" in html and "were not estimable on these data" in html
    for key, reason in reasons.items():
        assert html_escape(reason.removeprefix("not estimable: ")) in html, key
