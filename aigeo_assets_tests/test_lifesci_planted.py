"""The life-science signal planted in the demo sample world, recovered through the real path:
PubMed XML -> parse cache by year -> keyword, clinical and country rules -> corpus -> NB2 models.

The tiny world (the Dagster end-to-end test) has too few articles for outlet effects; this test
generates only the life-science part of the demo world (~12,000 AI articles, ~10 s) and reads it
with the same functions the assets call."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from aigeo_assets.lifesci import analyses as A
from aigeo_assets.geo.affiliation_text import affiliation_countries
from aigeo_assets.lifesci.corpus import (
    OutletRanking,
    build_lifesci_articles,
    pubmed_author_countries,
    pubmed_candidates,
    pubmed_citation_counts,
    pubmed_clinical,
)
from aigeo_assets.lifesci.keywords import AI_KEYWORDS_PATH, CLINICAL_QUERIES_PATH, ClinicalFilter, KeywordMatcher
from aigeo_assets.lifesci.pubmed_files import file_manifest, pubmed_year_tables
from aigeo_assets.sampleworld.lifesci import generate_lifesci

REGION_TERMS = {"africa": "Africa", "europe": "Europe", "latin_america": "Latin America and the Caribbean",
                "northern_america": "Northern America", "oceania": "Oceania"}


@pytest.fixture(scope="module")
def atlas(tmp_path_factory):
    root = tmp_path_factory.mktemp("lifesci_demo")
    generate_lifesci(root, "demo", 20221121, 1990, 2019)
    truth = json.loads((root / "truth_lifesci.json").read_text())
    files = sorted((root / "pubmed").rglob("pubmed*.xml.gz"))
    cache = root / "cache"
    manifest, quarantine = file_manifest(files, cache)
    by_year = {y: pubmed_year_tables(files, cache, y) for y in range(2000, 2020)}
    every = pd.concat([v.articles for v in by_year.values()], ignore_index=True)
    matcher, clinical = KeywordMatcher.from_csv(AI_KEYWORDS_PATH), ClinicalFilter.from_csv(CLINICAL_QUERIES_PATH)
    citations = pubmed_citation_counts(pd.concat([v.references for v in by_year.values()], ignore_index=True), pubmed_clinical(every, clinical))
    ranking = OutletRanking.from_csv(root / "rankings" / "journal_ranking.csv", root / "rankings" / "conference_ranking.csv")
    frames = []
    for year in by_year.values():
        articles, authors = year.articles, year.authors
        cands = pubmed_candidates(articles, matcher, clinical)
        if len(cands):
            own = authors[authors["pmid"].isin(set(cands["pmid"])).to_numpy(bool)]
            out, _, _ = build_lifesci_articles(cands, pd.DataFrame(), pubmed_author_countries(own, affiliation_countries), ranking, citations)
            frames.append(out)
    return truth, pd.concat(frames, ignore_index=True), quarantine


def _irrs(fit) -> pd.DataFrame:
    return fit.irr().rename(index=REGION_TERMS)


def test_every_planted_article_is_found_and_malformed_records_are_quarantined(atlas):
    truth, articles, quarantine = atlas
    assert len(articles) == truth["counts"]["ai_articles"]
    assert len(quarantine) == truth["counts"]["malformed_records"]
    assert articles["lead_country_code"].notna().mean() > 0.99


def test_asia_leads_in_count_and_northern_america_and_europe_in_high_ranked_share(atlas):
    truth, articles, _ = atlas
    counts = articles["lead_world_region"].value_counts()
    assert counts.index[0] == "Asia"
    china = (articles["lead_country_code"] == "CN").sum() / counts["Asia"]
    assert china > 0.5
    high = articles.groupby("lead_world_region")["high_ranked"].mean()
    assert high["Northern America"] > high["Asia"] and high["Europe"] > high["Asia"]
    for region, expected in truth["high_ranked_share_by_region"]["expected"].items():
        n = counts[region]
        se = np.sqrt(expected * (1 - expected) / n)
        assert abs(high[region] - expected) < 4 * se + 0.01, (region, high[region], expected)


def test_planted_regional_irrs_are_recovered_within_their_intervals(atlas):
    """Without outlet effects the regions' IRRs (base Asia) are the planted unadjusted ones; with
    outlet effects they are the planted within-outlet ones (Africa and Latin America below 1)."""
    truth, articles, _ = atlas
    expected = truth["expected_irr_vs_asia"]
    for outlet_effects, key in ((False, "unadjusted"), (True, "within_outlet")):
        irr = _irrs(A.relevance_models(articles, "citations", outlet_effects))
        for region, row in irr.iterrows():
            value = expected[key][region]
            assert row["lower"] <= value <= row["upper"], (key, region, value, row.to_dict())
    adjusted = _irrs(A.relevance_models(articles, "citations", True))
    assert adjusted.loc["Africa", "upper"] < 1 and adjusted.loc["Latin America and the Caribbean", "upper"] < 1


def test_the_international_premium_is_recovered(atlas):
    truth, articles, _ = atlas
    fit = A.collaboration_model(articles, "citations")
    irr = fit.irr().loc["international"]
    assert irr["lower"] <= truth["planted"]["international_irr"] <= irr["upper"], irr.to_dict()
    share = articles["is_international"].mean()
    assert 0.12 < share < 0.20
