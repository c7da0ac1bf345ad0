"""Schmallenbach et al. 2024's link of PubMed records to OpenAlex when the works come from the OpenAlex API
(``AIGEO_SOURCE=api``), through the whole pipeline, against a local OpenAlex serving the tiny sample
world's works and institutions (never the internet).

The API download of each year holds only the works of the configured concept (artificial
intelligence), which leaves out most of the PubMed records' OpenAlex twins and their citing works.
The atlas fetches the twins by PMID and DOI and their citing works by ``cites:``, whatever their
concepts, so every article is linked, placed and cited as the world planted it, exactly as from a
snapshot holding every work (``test_lifesci_recovery``)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from aigeo_assets.code_location import build_definitions
from aigeo_assets.ingest.quarantine import Quarantine
from aigeo_assets.ingest.snapshot import iter_records, list_entity_files
from aigeo_assets.orchestration import PlanRunner, plan_runs
from aigeo_assets.resources.settings import Settings
from aigeo_assets_tests.support.lifesci_truth import assert_linked_placed_and_cited_as_planted, planted_articles
from aigeo_assets_tests.support.openalex_fake import FakeOpenAlex, tail_id

AI = "C154945302"
SEED = 7
FIRST_YEAR = 2012
"""The tiny world's first year."""


def _records(world: Path, entity: str) -> list[dict]:
    """What the API would serve: the world's records (its planted unreadable lines left out)."""
    q = Quarantine()
    return [r for part in list_entity_files(world, entity).parts for _, r in iter_records(part, q) if isinstance(r, dict) and r.get("id")]


@pytest.fixture(scope="module")
def api_run(tiny_world, tmp_path_factory):
    world = tiny_world.generated(SEED)
    works = _records(world, "works")
    server = FakeOpenAlex({"works": works, "institutions": _records(world, "institutions")})
    try:
        settings = Settings(
            data_dir=tmp_path_factory.mktemp("api"), source="api", snapshot_dir=None, sample_scale="tiny", sample_seed=SEED,
            start_year=FIRST_YEAR, end_year=2019, api_base_url=server.url, api_mailto=None, api_key=None,
            api_concepts=(AI,), api_subfields=(), pubmed_dir=world / "pubmed", rankings_dir=world / "rankings", pubmed_workers=1,
        )
        settings = replace(settings, reference_year=2017, executor="in_process")
        defs = build_definitions(settings)
        PlanRunner(workers=1, defs=defs, instance=dg.DagsterInstance.ephemeral()).run(plan_runs(defs, "lifesci_atlas_study"))
        requests = [r["query"].get("filter", [""])[0] for r in server.requests if r["path"] == "/works"]
    finally:
        server.close()
    truth = json.loads((world / "truth_lifesci.json").read_text())
    return truth, works, requests, settings.warehouse_dir


def test_twins_and_citing_works_outside_the_concept_download_are_fetched(api_run):
    truth, works, requests, _ = api_run
    ai = {tail_id(w["id"]) for w in works if any(tail_id(c["id"]) == AI for c in w.get("concepts") or [])}
    planted = planted_articles(truth)
    twins = set(planted["work_id"].dropna())
    assert len(twins - ai) > 0.5 * len(twins), "the concept download alone would miss most twins"
    kinds = {f.split(":", 1)[0] for f in requests if "," not in f}
    assert {"pmid", "doi", "cites"} <= kinds


def test_every_article_is_linked_placed_and_cited_as_from_a_snapshot(api_run):
    truth, _, _, warehouse = api_run
    articles = pd.read_parquet(warehouse / "out_lifesci_articles.parquet")
    planted = planted_articles(truth)
    planted = planted[planted["year"].between(FIRST_YEAR, 2022)].set_index("pmid")
    assert_linked_placed_and_cited_as_planted(truth, articles, planted, None)
