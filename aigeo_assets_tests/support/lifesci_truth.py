"""What a sample world planted for Schmallenbach et al. 2024 (its ``truth_lifesci.json``), in the
shapes the tests compare with: the planted articles, the view PubMed's affiliation strings alone
give of them, the NB2 rate ratios by region, and the article-by-article check of the atlas's table."""

from __future__ import annotations

import numpy as np
import pandas as pd

# the model's region terms and the world regions they stand for (Asia is the reference)
REGION_OF_TERM = {"africa": "Africa", "europe": "Europe", "latin_america": "Latin America and the Caribbean",
                  "northern_america": "Northern America", "oceania": "Oceania"}

COMPLETE_BYLINES_FROM = 2014
"""The PubMed path fits the models on the records from 2014 on: before, the world (like PubMed)
names only the first author's affiliation on most records, so the lead and the international flag
on PubMed strings alone are biased by design; the whole pipeline, which takes them from OpenAlex,
recovers every year (``integration/test_lifesci_recovery.py``)."""


def irrs_by_region(fit) -> pd.DataFrame:
    """A fitted model's rate ratios, the region terms named by their world region."""
    return fit.irr().rename(index=REGION_OF_TERM)


def planted_articles(truth) -> pd.DataFrame:
    """The planted AI articles, one row per PMID (``truth["articles"]`` without its ``sampling`` note)."""
    return pd.DataFrame({k: v for k, v in truth["articles"].items() if k != "sampling"})


def pubmed_view(truth) -> pd.DataFrame:
    """The planted articles as PubMed's affiliation strings alone show them: lead country, region
    and international flag from the strings the records carry (before 2014 mostly the first
    author's only), citations from ReferenceLists."""
    t = planted_articles(truth)
    return t.assign(lead_country=t["pubmed_lead_country"], international=t["pubmed_international"],
                    lead_region=t["pubmed_lead_country"].map(truth["definitions"]["country_region"]),
                    citations=t["pubmed_citations"], clinical_citations=t["pubmed_clinical_citations"])


def assert_linked_placed_and_cited_as_planted(truth: dict, articles: pd.DataFrame, planted: pd.DataFrame,
                                              first_openalex_year: int | None) -> None:
    """Every PubMed record of ``out_lifesci_articles`` linked to its planted twin (PMID, DOI or
    none), placed and cited as the world planted it. ``first_openalex_year``: the first year of
    the OpenAlex tables when the twins are read from them (None: fetched by identifier)."""
    pubmed = articles[articles["source"] != "openalex"].set_index("pmid")
    assert set(planted.index) <= set(pubmed.index)
    got = pubmed.loc[planted.index]
    linked = (planted["link"] != "none").to_numpy()
    if first_openalex_year is not None:
        # a twin dated before the first OpenAlex year read (2012 here: 2011 for a few 2012 records) is out of reach
        linked = linked & (planted["openalex_year"] >= first_openalex_year).to_numpy()
        assert 0 < (~linked & (planted["link"] != "none").to_numpy()).sum() < 0.01 * len(planted)
    assert (got["link_rule"].to_numpy() == np.where(linked, planted["link"], "none")).all()
    assert (got["work_id"].astype(object).where(got["work_id"].notna(), None).to_numpy()
            == np.where(linked, planted["work_id"], None)).all()
    region = planted["lead_country"].map(truth["definitions"]["country_region"])
    for ours, theirs in (("lead_country_code", planted["lead_country"]), ("lead_world_region", region),
                         ("is_international", planted["international"])):
        differ = got.loc[linked, ours].astype(str).to_numpy() != theirs[linked].astype(str).to_numpy()
        assert not differ.any(), (ours, int(differ.sum()), int(linked.sum()))
    differ = got.loc[~linked, "is_international"].to_numpy(bool) != planted.loc[~linked, "pubmed_international"].to_numpy(bool)
    assert not differ.any(), "unlinked records keep what their affiliation strings say"
    assert (got.loc[linked, "topic"].to_numpy() == planted.loc[linked, "topic"].to_numpy()).all()
    expected = np.where(linked, planted["citations"], planted["pubmed_citations"])
    expected_clinical = np.where(linked, planted["clinical_citations"], planted["pubmed_clinical_citations"])
    assert (got["citations"].to_numpy() == expected).all()
    assert (got["clinical_citations"].to_numpy() == expected_clinical).all()
    assert (got["citation_source"].to_numpy() == np.where(linked, "openalex", "pubmed_reference_list")).all()


def assert_planted_irrs_recovered(articles: pd.DataFrame, means: pd.DataFrame, outlet_effects: bool, planted_irrs: dict[str, float],
                                  key: str) -> None:
    """Schmallenbach et al. 2024's relevance model (Fig. 7) recovers the planted rate ratios by region
    (base Asia), two sources of error told apart. The realised mix of outlets and years: the model
    fitted to the planted NB2 means (``means``, no count noise) is within 10 % of ``planted_irrs`` (20 %
    for a region of fewer than 1,000 articles, whose few hundred articles have their own mix of
    outlets and years). The count noise: the fit to the drawn citations (``articles``) is within four
    standard errors of that (NB2 draws are heavy-tailed, so not the 95 % interval). ``key`` names
    the model in assertion messages."""
    from aigeo_assets.lifesci import analyses as A

    drawn = irrs_by_region(A.relevance_models(articles, "citations", outlet_effects))
    composed = irrs_by_region(A.relevance_models(means, "citations", outlet_effects))
    n_region = articles["lead_world_region"].value_counts()
    for region, row in drawn.iterrows():
        planted = planted_irrs[region]
        tolerance = 0.10 if n_region[region] >= 1000 else 0.20
        assert abs(composed.loc[region, "irr"] / planted - 1) < tolerance, (key, region, planted, composed.loc[region, "irr"])
        se = (np.log(row["upper"]) - np.log(row["lower"])) / (2 * 1.959964)
        z = abs(np.log(row["irr"]) - np.log(composed.loc[region, "irr"])) / se
        assert z < 4, (key, region, row.to_dict(), composed.loc[region, "irr"], z)
