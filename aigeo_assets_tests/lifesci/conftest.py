"""Fixtures of the life-science tests: the demo world's PubMed part, parsed, and the article table
the PubMed path builds from it (Schmallenbach et al. 2024), each made once per test module."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from aigeo_assets.geo.affiliation_text import affiliation_countries
from aigeo_assets.lifesci.corpus import (
    OutletRanking,
    build_lifesci_articles,
    lifesci_citation_counts,
    pubmed_author_countries,
    pubmed_candidates,
    with_citations,
)
from aigeo_assets.lifesci.keywords import AI_KEYWORDS_PATH, CLINICAL_QUERIES_PATH, ClinicalFilter, KeywordMatcher
from aigeo_assets.lifesci.pubmed_files import file_manifest, pubmed_year_tables
from aigeo_assets.sampleworld.lifesci import generate_lifesci
from aigeo_assets.schemas import SCHEMAS


@pytest.fixture(scope="module")
def demo_pubmed(tmp_path_factory):
    """The demo world's PubMed files, parsed into the cache, and every year's tables."""
    root = tmp_path_factory.mktemp("lifesci_demo")
    generate_lifesci(root, "demo", 20221121, 1990, 2019)
    files = sorted((root / "pubmed").rglob("pubmed*.xml.gz"))
    cache = root / "cache"
    manifest, quarantine = file_manifest(files, cache)
    by_year = {y: pubmed_year_tables(files, cache, y) for y in range(2000, 2020)}
    return root, files, cache, quarantine, by_year


@pytest.fixture(scope="module")
def atlas(demo_pubmed):
    root, files, cache, quarantine, by_year = demo_pubmed
    truth = json.loads((root / "truth_lifesci.json").read_text())
    # the broad filter, not the default (treatment): the world plants its clinical records with the
    # broad filter's markers (diagnostic accuracy, sensitivity and specificity, trials), so the
    # planted clinical citations are the broad filter's; the default is checked below
    matcher, clinical = KeywordMatcher.from_csv(AI_KEYWORDS_PATH), ClinicalFilter.from_csv(CLINICAL_QUERIES_PATH)
    ranking = OutletRanking.from_csv(root / "rankings" / "journal_ranking.csv", root / "rankings" / "conference_ranking.csv")
    frames = []
    for year in by_year.values():
        articles, authors = year.articles, year.authors
        cands = pubmed_candidates(articles, matcher, clinical)
        if len(cands):
            own = authors[authors["pmid"].isin(set(cands["pmid"])).to_numpy(bool)]
            out, _, _ = build_lifesci_articles(cands, pd.DataFrame(), pubmed_author_countries(own, affiliation_countries),
                                               SCHEMAS["core_lifesci_authors"].empty(), ranking)
            frames.append(out)
    articles = pd.concat(frames, ignore_index=True)
    citations = lifesci_citation_counts(articles, ((v.articles, v.references) for v in by_year.values()), [], clinical)
    return truth, with_citations(articles, citations), quarantine
