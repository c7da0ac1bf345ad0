"""Schmallenbach et al. 2024's link of PubMed records to OpenAlex (issue 14): by PMID, else DOI, across the years
around the record's; the linked work's authors' countries (OpenAlex first, PubMed strings as the
fallback) and topic. Hand-worked examples, and the real OpenAlex records' identifiers."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from aigeo_assets.lifesci.corpus import (
    OutletRanking,
    build_lifesci_articles,
    link_to_openalex,
    linked_author_countries,
    openalex_link_candidates,
)
from aigeo_assets.schemas import SCHEMAS, conform
from aigeo_assets_tests.support.snapshot_fixtures import SHARED_SAMPLES


def _articles(rows):
    return pd.DataFrame(rows, columns=["article_id", "pmid", "doi", "publication_year"]).astype(
        {"article_id": "string", "pmid": "string", "doi": "string", "publication_year": "Int64"})


def _works(rows):
    return pd.DataFrame(rows, columns=["work_id", "pmid", "doi", "publication_year"]).astype(
        {"work_id": "string", "pmid": "string", "doi": "string", "publication_year": "Int64"})


ARTICLES = _articles([
    ("pmid:1", "1", "10.1/a", 2015),
    ("pmid:2", "2", "10.1/b", 2015),
    ("pmid:3", "3", "10.1/c", 2015),
    ("pmid:4", "4", None, 2015),
    ("pmid:5", "5", "10.1/e", 2015),
])
WORKS = _works([
    ("W1", "1", "10.1/a", 2015),
    ("W0", "1", None, 2013),      # the same PMID two years off: the nearer year wins (W1)
    ("W2", None, "10.1/b", 2014),  # no PMID in OpenAlex: linked by DOI, a year before (epub ahead of print)
    ("W3", "99", "10.1/c", 2015),  # the DOI of pmid:3 but another record's PMID: refused
    ("W6", None, "10.1/e", 2015),  # two works with pmid:5's DOI in the same year: the smaller id (W5)
    ("W5", None, "10.1/e", 2015),
    ("W7", None, "10.1/a", 2015),  # pmid:1's DOI, but pmid:1 is linked by PMID: W7 stays unlinked
])


def test_links_by_pmid_else_doi_with_the_rules_written_down():
    links, stats = link_to_openalex(ARTICLES, WORKS)
    got = links.set_index("article_id")[["work_id", "link_rule", "openalex_year"]].astype(object).to_dict("index")
    assert got == {
        "pmid:1": {"work_id": "W1", "link_rule": "pmid", "openalex_year": 2015},
        "pmid:2": {"work_id": "W2", "link_rule": "doi", "openalex_year": 2014},
        "pmid:5": {"work_id": "W5", "link_rule": "doi", "openalex_year": 2015},
    }
    assert stats == {"linked_by_pmid": 1, "linked_by_doi": 2, "unlinked": 2, "several_works_same_pmid": 1,
                     "several_works_same_doi": 1, "doi_refused_other_pmid": 1, "linked_other_year": 1}


def test_two_records_sharing_a_doi_do_not_share_a_work():
    articles = _articles([("pmid:8", "8", "10.1/x", 2016), ("pmid:9", "9", "10.1/x", 2016)])
    links, _ = link_to_openalex(articles, _works([("W8", None, "10.1/x", 2016)]))
    assert links["article_id"].tolist() == ["pmid:8"] and links["work_id"].tolist() == ["W8"]


def test_link_candidates_are_read_by_pmid_or_normalized_doi():
    works = _works([("W1", "1", "https://doi.org/10.1/A", 2015), ("W2", None, "10.1/B", 2015), ("W3", "77", None, 2015)])
    got = openalex_link_candidates(works, pd.Series(["1"]), pd.Series(["10.1/b"]))
    assert got["work_id"].tolist() == ["W1", "W2"] and got["doi"].tolist() == ["10.1/a", "10.1/b"]


def _authors(rows):
    return conform(pd.DataFrame(rows, columns=["article_id", "author_seq", "country_code", "country_rule"]), "core_lifesci_authors")


PUBMED_AUTHORS = _authors([
    ("pmid:1", 0, "US", "country_name"), ("pmid:1", 1, None, "none"), ("pmid:1", 2, None, "none"),  # pre-2014: first author only
    ("pmid:2", 0, "FR", "country_name"), ("pmid:2", 1, "IT", "country_name"),
    ("pmid:3", 0, "JP", "country_name"),
    ("pmid:4", 0, None, "none"),
    ("pmid:5", 0, "KR", "country_name"), ("pmid:5", 1, None, "none"), ("pmid:5", 2, None, "none"),
    ("pmid:6", 0, "KR", "country_name"), ("pmid:6", 1, None, "none"), ("pmid:6", 2, None, "none"), ("pmid:6", 3, None, "none"),
])
OPENALEX_AUTHORS = _authors([
    ("W1", 0, "US", "openalex_institution"), ("W1", 1, "DE", "openalex_institution"), ("W1", 2, "CN", "openalex_institution"),
    ("W2", 0, "FR", "openalex_institution"), ("W2", 1, None, "none"),
    ("W3", 0, None, "none"),
    ("W5", 0, None, "none"), ("W5", 1, "GB", "openalex_institution"), ("W5", 2, None, "none"),
    ("W6", 0, None, "none"), ("W6", 1, "GB", "openalex_institution"), ("W6", 2, None, "none"),
])
LINKS = pd.DataFrame({"article_id": ["pmid:1", "pmid:2", "pmid:3", "pmid:5", "pmid:6"], "work_id": ["W1", "W2", "W3", "W5", "W6"],
                      "link_rule": ["pmid", "doi", "pmid", "doi", "pmid"]})


def test_authors_countries_come_from_the_linked_work_and_pubmed_fills_the_gaps():
    authors, source, byline = linked_author_countries(PUBMED_AUTHORS, OPENALEX_AUTHORS, LINKS)
    assert source.to_dict() == {"pmid:1": "openalex", "pmid:2": "openalex+pubmed", "pmid:3": "pubmed", "pmid:4": "none",
                                "pmid:5": "openalex+pubmed", "pmid:6": "openalex"}
    by = authors.groupby("article_id").apply(
        lambda d: [(int(s), None if pd.isna(c) else c) for s, c in zip(d["author_seq"], d["country_code"])], include_groups=False)
    assert by["pmid:1"] == [(0, "US"), (1, "DE"), (2, "CN")]
    assert by["pmid:2"] == [(0, "FR"), (1, "IT")]  # same byline length: author 1 from the PubMed string
    assert by["pmid:3"] == [(0, "JP")]  # the work places no one: PubMed
    assert by["pmid:5"] == [(0, "KR"), (1, "GB"), (2, None)]
    assert by["pmid:6"] == [(0, None), (1, "GB"), (2, None)]  # bylines of 3 and 4 authors: no filling by position
    assert byline.to_dict() == {"pmid:1": 3, "pmid:2": 2, "pmid:5": 3, "pmid:6": 3}


def _candidate(article_id, pmid, n_authors, topic=None):
    return {"article_id": article_id, "pmid": pmid, "doi": None, "work_id": None, "source": "pubmed", "publication_year": 2012,
            "title": "t", "outlet_kind": "journal", "outlet_id": "1234-5678", "outlet_name": "J", "ai_keyword": "deep learning",
            "is_clinical": False, "topic": topic, "n_authors": n_authors}


def test_the_link_gives_the_lead_country_international_flag_and_topic():
    pubmed = pd.DataFrame([_candidate("pmid:1", "1", 3, "Humans? no: Neoplasms"), _candidate("pmid:2", "2", 2, "Lung"),
                           _candidate("pmid:3", "3", 1, None), _candidate("pmid:4", "4", 1, None), _candidate("pmid:5", "5", 3, "Skin"),
                           _candidate("pmid:6", "6", 4, None)])
    topics = pd.Series({"W1": "Radiology", "W3": "Oncology"}, dtype="string")
    out, authors, stats = build_lifesci_articles(pubmed, pd.DataFrame(), PUBMED_AUTHORS, SCHEMAS["core_lifesci_authors"].empty().pipe(
        lambda e: pd.concat([e, OPENALEX_AUTHORS])), OutletRanking.empty(), links=LINKS, topics=topics)
    a = out.set_index("article_id")
    # pmid:1: PubMed alone says national (US, first author only); the work says last author CN, international
    assert a.loc["pmid:1", ["lead_country_code", "lead_rule", "is_international", "n_countries"]].tolist() == [
        "CN", "last_author:openalex_institution", True, 3]
    assert a.loc["pmid:2", ["lead_country_code", "is_international"]].tolist() == ["IT", True]
    assert a.loc["pmid:3", ["lead_country_code", "country_source"]].tolist() == ["JP", "pubmed"]
    # pmid:5: the work places only a middle author, the PubMed string the first (same byline): first author KR
    assert a.loc["pmid:5", ["lead_country_code", "lead_rule"]].tolist() == ["KR", "first_author:country_name"]
    # pmid:6: the work places neither lead author and the bylines differ: the lead is PubMed's
    assert a.loc["pmid:6", ["lead_country_code", "lead_rule", "country_source"]].tolist() == ["KR", "first_author:country_name", "openalex"]
    assert a["work_id"].astype(object).where(a["work_id"].notna(), None).to_dict() == {
        "pmid:1": "W1", "pmid:2": "W2", "pmid:3": "W3", "pmid:4": None, "pmid:5": "W5", "pmid:6": "W6"}
    assert a["link_rule"].to_dict() == {"pmid:1": "pmid", "pmid:2": "doi", "pmid:3": "pmid", "pmid:4": "none", "pmid:5": "doi", "pmid:6": "pmid"}
    assert a.loc["pmid:1", ["topic", "topic_source"]].tolist() == ["Radiology", "openalex_concept"]
    assert a.loc["pmid:2", ["topic", "topic_source"]].tolist() == ["Lung", "mesh"]
    assert a.loc["pmid:4", "topic_source"] == "none"
    assert stats["country_source"] == {"openalex": 2, "pubmed": 1, "openalex+pubmed": 2, "none": 1}


needs_samples = pytest.mark.skipif(not SHARED_SAMPLES.is_dir(), reason="../shared/samples not present: real-record test skipped")


@needs_samples
def test_real_openalex_records_link_by_their_pmid_and_doi(tmp_path):
    """The real API page's works, read by our reader, linked from PubMed-style identifiers (bare PMID
    digits, the DOI as PubMed's ELocationID writes it, in any case): every work with a PMID links by
    PMID, every other work with a DOI of its own by DOI."""
    from aigeo_assets.ingest.snapshot import list_entity_files
    from aigeo_assets.ingest.works import parse_works_year
    from aigeo_assets_tests.support.snapshot_fixtures import write_entity

    page = json.loads((SHARED_SAMPLES / "openalex" / "works_english_africa_api_page.json").read_text())["results"]
    write_entity(tmp_path, "works", {"updated_date=2024-01-01/part_000": page})
    parts = list_entity_files(tmp_path, "works").parts
    works = pd.concat([parse_works_year(parts, y).works for y in sorted({w["publication_year"] for w in page})], ignore_index=True)
    with_pmid = [w for w in page if (w.get("ids") or {}).get("pmid")]
    assert with_pmid, "the page has works with a PMID"
    records = _articles([
        (f"pmid:{w['ids']['pmid'].rsplit('/', 1)[-1]}", w["ids"]["pmid"].rsplit("/", 1)[-1],
         w["doi"].removeprefix("https://doi.org/").upper() if w.get("doi") else None, w["publication_year"]) for w in with_pmid
    ] + [(f"x:{i}", None, w["doi"].removeprefix("https://doi.org/"), w["publication_year"])
         for i, w in enumerate(page) if w.get("doi") and not (w.get("ids") or {}).get("pmid")])
    records = records.assign(doi=records["doi"].str.lower())  # the pipeline's candidates carry normalized DOIs
    candidates = openalex_link_candidates(works, records["pmid"], records["doi"])
    links, stats = link_to_openalex(records, candidates)
    assert stats["linked_by_pmid"] == len(with_pmid)
    by_id = {w["id"].rsplit("/", 1)[-1]: w for w in page}
    for row in links.itertuples():
        w = by_id[row.work_id]
        if row.link_rule == "pmid":
            assert row.article_id == "pmid:" + w["ids"]["pmid"].rsplit("/", 1)[-1]
        else:
            assert w["doi"].lower().endswith(records.set_index("article_id").loc[row.article_id, "doi"])
    unique_dois = pd.Series([w["doi"].lower() for w in page if w.get("doi")]).value_counts()
    expected_doi_links = sum(1 for w in page if w.get("doi") and not (w.get("ids") or {}).get("pmid") and unique_dois[w["doi"].lower()] == 1)
    assert stats["linked_by_doi"] >= expected_doi_links


RAW_PUBMED_AUTHORS = pd.DataFrame(
    [(pmid, seq, f"Name{seq}", "A", None, 0, text) for pmid, seq, text in [
        ("1", 0, "Dept of Radiology, Boston, USA"), ("1", 1, None), ("1", 2, None),
        ("2", 0, "Institut Curie, Paris, France"), ("2", 1, "Sapienza University, Rome, Italy"),
        ("3", 0, "University of Tokyo, Tokyo, Japan"),
        ("4", 0, None),
        ("5", 0, "Seoul National University, Seoul, South Korea"), ("5", 1, "Imperial College, London, UK"), ("5", 2, None),
        ("6", 0, "Yonsei University, Seoul, South Korea"), ("6", 1, "Kyoto University, Kyoto, Japan"),
        ("6", 2, "University of Oslo, Oslo, Norway"), ("6", 3, "Karolinska Institutet, Stockholm, Sweden"),
    ]],
    columns=["pmid", "author_seq", "last_name", "fore_name", "collective_name", "affiliation_seq", "affiliation"],
).pipe(conform, "raw_pubmed_authors")


def test_pubmed_strings_placed_only_where_read_give_the_same_tables():
    """``build_lifesci_articles(resolve=...)`` on the raw PubMed authors equals placing every author
    first, and places no string that is not read: pmid:1's work places all three authors (same
    byline), so only its first and last PubMed authors (the lead's fallback) are asked about; pmid:5's
    work places its middle author, whose PubMed string is never asked about; pmid:6's work has three
    authors against PubMed's four, so its middle authors are never asked about; pmid:3 and pmid:4,
    whose works place no one, have every author asked about."""
    from aigeo_assets.geo.affiliation_text import affiliation_countries
    from aigeo_assets.lifesci.corpus import pubmed_author_countries

    asked: list[tuple[str, int]] = []

    def spy(affiliations, last_names=None, fore_names=None):
        asked.extend(zip(RAW_PUBMED_AUTHORS.loc[affiliations.index, "pmid"], RAW_PUBMED_AUTHORS.loc[affiliations.index, "author_seq"]))
        return affiliation_countries(affiliations, last_names, fore_names)

    pubmed = pd.DataFrame([_candidate(f"pmid:{i}", str(i), n) for i, n in ((1, 3), (2, 2), (3, 1), (4, 1), (5, 3), (6, 4))])
    openalex = SCHEMAS["core_lifesci_authors"].empty().pipe(lambda e: pd.concat([e, OPENALEX_AUTHORS]))
    topics = pd.Series({"W1": "Radiology"}, dtype="string")
    want, want_authors, want_stats = build_lifesci_articles(
        pubmed, pd.DataFrame(), pubmed_author_countries(RAW_PUBMED_AUTHORS, affiliation_countries), openalex,
        OutletRanking.empty(), links=LINKS, topics=topics)
    got, got_authors, got_stats = build_lifesci_articles(pubmed, pd.DataFrame(), RAW_PUBMED_AUTHORS, openalex, OutletRanking.empty(),
                                                         links=LINKS, topics=topics, resolve=spy)
    pd.testing.assert_frame_equal(got, want)
    pd.testing.assert_frame_equal(got_authors, want_authors)
    assert got_stats == want_stats
    assert want.set_index("article_id").loc["pmid:6", "lead_country_code"] == "SE"  # PubMed's last author: the fallback was read
    assert sorted((p, int(s)) for p, s in asked) == [
        ("1", 0), ("1", 2), ("2", 0), ("2", 1), ("3", 0), ("4", 0), ("5", 0), ("5", 2), ("6", 0), ("6", 3)]
