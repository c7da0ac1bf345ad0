"""Schmallenbach et al. 2024's planted signal recovered through the whole pipeline (issue 14), on sample-world
seeds no other test uses (``SEEDS``): the world's PubMed baseline, its OpenAlex snapshot (the PubMed records'
OpenAlex twins, their citing works, the AlShebli et al. 2022 works) and its rankings, read as a user's files
(``AIGEO_SNAPSHOT_DIR``, ``AIGEO_PUBMED_DIR``, ``AIGEO_RANKINGS_DIR``), and every asset of the
life-science study with its OpenAlex upstream materialized by Dagster as ``aigeo run --job
lifesci_atlas_study`` plans them.

Checked against ``truth_lifesci.json``, article by article: the link to OpenAlex (PMID, DOI or none),
the lead country and international flag (the twin's institutions for linked records, so before
2014, when the records name only the first author's affiliation, too), the topic and the citations
(OpenAlex's for linked records, the ReferenceList's otherwise). Then the models: the regional IRRs
of Fig. 7 with and without outlet effects, and the international premium of Fig. 8A, on every
article of the atlas (the PubMed records and the world's OpenAlex conference papers), as the
atlas's own tables hold them.

The AlShebli et al. 2022 part of each world is the tiny one (2012-2019), so the atlas covers 2012-2022; the
life-science part is the demo's (about 18,000 AI articles in those years)."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd
import pytest

from aigeo_assets.code_location import build_definitions
from aigeo_assets.lifesci import analyses as A
from aigeo_assets.orchestration import PlanRunner, plan_runs
from aigeo_assets.resources.settings import Settings
from aigeo_assets.sampleworld import generate_world
from aigeo_assets_tests.support.lifesci_truth import assert_linked_placed_and_cited_as_planted, assert_planted_irrs_recovered, planted_articles

SEEDS = tuple(int(s) for s in os.environ.get("AIGEO_TEST_RECOVERY_SEEDS", "31").split(","))
"""Seeds of no other test (a recovery that only holds on the seeds the code was tuned on proves little):
31 in ``make test``; ``AIGEO_TEST_RECOVERY_SEEDS=31,47,59`` runs the three this recovery was first
checked on (about 80 s each on two busy cores)."""

LIFESCI_SCALE = "demo"
FIRST_OPENALEX_YEAR = 2012
"""The tiny world's first year: the OpenAlex tables start there, so the atlas does too."""


def _run(root: Path, seed: int) -> tuple[dict, Path]:
    world = generate_world(root / "world", "tiny", seed, lifesci_scale=LIFESCI_SCALE)
    settings = Settings(
        data_dir=root / "aigeo", source="snapshot", snapshot_dir=world, sample_scale="tiny", sample_seed=seed,
        start_year=FIRST_OPENALEX_YEAR, end_year=2019, api_base_url="", api_mailto=None, api_key=None, api_concepts=(), api_subfields=(),
        pubmed_dir=world / "pubmed", rankings_dir=world / "rankings", pubmed_workers=1,
    )
    settings = replace(settings, reference_year=2017, executor="in_process")
    defs = build_definitions(settings)
    PlanRunner(workers=1, defs=defs, instance=dg.DagsterInstance.ephemeral()).run(plan_runs(defs, "lifesci_atlas_study"))
    return json.loads((world / "truth_lifesci.json").read_text()), settings.warehouse_dir


@pytest.fixture(scope="module", params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
def recovered(request, tmp_path_factory):
    truth, warehouse = _run(tmp_path_factory.mktemp(f"recovery{request.param}"), request.param)
    articles = pd.read_parquet(warehouse / "out_lifesci_articles.parquet")
    planted = planted_articles(truth)
    assert truth["articles"]["sampling"] == "all AI articles"
    planted = planted[planted["year"].between(2012, 2022)].set_index("pmid")
    conference = pd.DataFrame(truth["conference_papers"]["papers"])
    conference = conference[conference["year"].between(2012, 2022)]
    return truth, articles, planted, warehouse, conference


def test_every_article_is_linked_placed_and_cited_as_planted(recovered):
    truth, articles, planted, _, _ = recovered
    assert_linked_placed_and_cited_as_planted(truth, articles, planted, FIRST_OPENALEX_YEAR)


def test_the_openalex_conference_papers_are_those_planted(recovered):
    """The world's OpenAlex conference papers (Schmallenbach et al. 2024: 6 % of the articles, from OpenAlex
    conference proceedings) are the atlas's OpenAlex rows, with their planted lead country,
    international flag, topic and citations; those PubMed also indexes are merged into the PubMed
    record and stay conference papers (their CORE rank applies)."""
    _, articles, _, _, conference = recovered
    own = conference[conference["source"] == "openalex"].set_index("work_id")
    rows = articles[articles["source"] == "openalex"].set_index("work_id")
    assert set(rows.index) == set(own.index) and len(own) > 100
    got = rows.loc[own.index]
    for ours, theirs in (("lead_country_code", "lead_country"), ("is_international", "international"), ("topic", "topic"),
                         ("citations", "citations"), ("clinical_citations", "clinical_citations")):
        assert (got[ours].astype(str).to_numpy() == own[theirs].astype(str).to_numpy()).all(), ours
    both = articles[articles["source"] == "both"]
    assert len(both) == (conference["source"] == "both").sum() and (both["outlet_kind"] == "conference").all()


def test_linking_repairs_international_collaboration_before_2014(recovered):
    """Before 2014 the records name mostly the first author's affiliation: the PubMed strings alone
    see about one international article in ten of those planted; the linked articles show the
    planted share, and the atlas's share is theirs diluted by the unlinked tenth."""
    _, articles, planted, _, _ = recovered
    early = planted[planted["year"] < 2014]
    got = articles.set_index("pmid").loc[early.index]
    linked = (got["link_rule"] != "none").to_numpy()
    assert got.loc[linked, "is_international"].mean() == pytest.approx(early.loc[linked, "international"].mean(), abs=1e-12)
    assert early["pubmed_international"].mean() < 0.5 * early["international"].mean()
    assert got["is_international"].mean() > 2 * early["pubmed_international"].mean()


@pytest.mark.parametrize("outlet_effects,key", [(False, "unadjusted"), (True, "within_outlet")])
def test_planted_regional_irrs_are_recovered(recovered, outlet_effects, key):
    """Fig. 7A (year effects) and 7D (outlet effects too) on every atlas article, PubMed records and
    OpenAlex conference papers: the model fitted to the planted NB2 means (linked and conference
    articles: the full mean; unlinked: the ReferenceList's share of it, a factor the same in every
    region) is within 10 % of the planted IRRs (20 % for a region of fewer than 1,000 articles: the
    rest is the realised mix of outlets and years), and the fit to the drawn citations within four
    standard errors of that (NB2 draws are heavy-tailed: ``test_lifesci_planted.py``)."""
    truth, articles, planted, _, conference = recovered
    share = 1 - truth["openalex_twins"]["constants"]["OPENALEX_ONLY_CITER_SHARE"]
    mean = articles["pmid"].map(planted["expected_citations"] * np.where(planted["link"] != "none", 1.0, share))
    own = conference[conference["source"] == "openalex"].set_index("work_id")["expected_citations"]
    mean = mean.where(articles["source"] != "openalex", articles["work_id"].map(own))
    assert mean.notna().all()
    means = articles.assign(citations=mean.to_numpy())
    # the planted IRRs average the outlets and years of 2000-2022; a region with a few hundred
    # articles in 2012-2022 has its own mix (Africa: about 150 articles, 14 % off on one seed)
    assert_planted_irrs_recovered(articles, means, outlet_effects, truth["expected_irr_vs_asia_all_articles"][key], key)


def test_the_international_premium_is_recovered_in_the_atlas_table(recovered):
    """Fig. 8A as the atlas computes it (``out_lifesci_collaboration_irrs``, every article): the planted IRR, 1.21
    for all citations and 1.07 for clinical ones, lies within four standard errors of the estimate,
    and the table holds the fit this test makes from ``out_lifesci_articles``."""
    truth, articles, _, warehouse, _ = recovered
    table = pd.read_parquet(warehouse / "out_lifesci_collaboration_irrs.parquet")
    planted = truth["expected_irr_vs_asia_all_articles"]
    for model, outcome, planted_irr in (("8A citations", "citations", planted["international_irr"]),
                                        ("8A clinical", "clinical_citations", planted["international_irr_clinical"])):
        row = table[(table["model"] == model) & (table["term"] == "international")]
        assert len(row) == 1
        irr, lower, upper = (float(row[k].item()) for k in ("irr", "lower", "upper"))
        se = (np.log(upper) - np.log(lower)) / (2 * 1.959964)
        assert abs(np.log(irr) - np.log(planted_irr)) < 4 * se, (model, irr, lower, upper, planted_irr)
        ours = A.collaboration_model(articles, outcome).irr().loc["international", "irr"]
        assert irr == pytest.approx(ours, rel=1e-9)
