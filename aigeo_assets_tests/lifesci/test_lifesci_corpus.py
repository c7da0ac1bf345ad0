"""The life-science corpus (Schmallenbach et al. 2024): deduplication, lead countries, outlet tiers, citations, and
PubMed files read by year with later files superseding earlier ones. Hand-worked examples."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aigeo_assets.lifesci.corpus import (
    CANDIDATE_CONCEPT_ROWS,
    LIFE_SCIENCE_ROOT_ROWS,
    OutletRanking,
    build_lifesci_articles,
    deduplicate,
    lead_countries,
    life_science_works,
    mesh_topics,
    openalex_topics,
    with_citations,
)
from aigeo_assets.lifesci.pubmed_files import file_manifest, pubmed_year_tables
from aigeo_assets.schemas import conform


def _candidate(article_id, pmid=None, doi=None, work_id=None, source="pubmed", kind="journal", outlet="1234-5678",
               name="J Med AI", n_authors=3, year=2020):
    return {
        "article_id": article_id, "pmid": pmid, "doi": doi, "work_id": work_id, "source": source, "publication_year": year,
        "title": "t", "outlet_kind": kind, "outlet_id": outlet, "outlet_name": name, "ai_keyword": "deep learning",
        "is_clinical": False, "topic": "Radiology", "n_authors": n_authors,
    }


def _authors(rows):
    return conform(pd.DataFrame(rows, columns=["article_id", "author_seq", "country_code", "country_rule"]), "core_lifesci_authors")


def test_deduplicate_merges_openalex_papers_that_are_pubmed_records_by_pmid_or_doi():
    pubmed = pd.DataFrame([_candidate("pmid:1", pmid="1", doi="10.1/a"), _candidate("pmid:2", pmid="2", doi="10.1/b")])
    openalex = pd.DataFrame([
        _candidate("W1", pmid="1", work_id="W1", source="openalex", kind="conference"),        # same PMID
        _candidate("W2", pmid=None, doi="10.1/b", work_id="W2", source="openalex", kind="conference"),  # same DOI
        _candidate("W3", pmid=None, doi="10.1/c", work_id="W3", source="openalex", kind="conference"),  # its own
    ])
    out, merged, n = deduplicate(pubmed, openalex)
    assert n == 2
    assert sorted(out["article_id"]) == ["W3", "pmid:1", "pmid:2"]
    both = out.set_index("article_id")
    assert both.loc["pmid:1", "source"] == "both" and both.loc["pmid:1", "work_id"] == "W1"
    assert both.loc["pmid:2", "work_id"] == "W2" and both.loc["W3", "source"] == "openalex"
    assert dict(zip(merged["work_id"], merged["article_id"])) == {"W1": "pmid:1", "W2": "pmid:2"}


def test_lead_country_is_the_last_authors_else_the_firsts():
    authors = _authors([
        ("a", 0, "DE", "country_name"), ("a", 1, "FR", "country_name"), ("a", 2, "US", "us_state"),  # last known
        ("b", 0, "CN", "city"), ("b", 1, None, "none"), ("b", 2, None, "none"),                      # last unknown
        ("c", 0, None, "none"), ("c", 1, "JP", "country_name"),                                        # neither end
        ("d", 0, "GB", "email_domain"),                                                                # single author
    ])
    n = pd.Series({"a": 3, "b": 3, "c": 3, "d": 1})
    lead = lead_countries(authors, n)
    assert lead.loc["a", "lead_country_code"] == "US" and lead.loc["a", "lead_rule"] == "last_author:us_state"
    assert lead.loc["b", "lead_country_code"] == "CN" and lead.loc["b", "lead_rule"] == "first_author:city"
    assert pd.isna(lead.loc["c", "lead_country_code"]) and lead.loc["c", "lead_rule"] == "none"
    assert lead.loc["d", "lead_country_code"] == "GB" and lead.loc["d", "lead_rule"] == "last_author:email_domain"
    assert int(lead.loc["a", "lead_seq"]) == 2 and int(lead.loc["b", "lead_seq"]) == 0


def test_high_ranked_is_top_three_in_the_best_category_or_an_a_star_conference(tmp_path):
    (tmp_path / "j.csv").write_text(
        "issn,journal_title,category,rank_in_category,n_in_category\n"
        "1111-1111,A,Radiology,5,40\n1111-1111,A,Oncology,2,80\n"  # best category rank 2 -> high
        "2222-2222,B,Radiology,4,40\n"                              # rank 4 -> ranked, not high
    )
    (tmp_path / "c.csv").write_text("title,acronym,rank\nMedical Image Computing,MICCAI,A*\nBioinformatics Conf,BC,A\n")
    ranking = OutletRanking.from_csv(tmp_path / "j.csv", tmp_path / "c.csv")
    kind = pd.Series(["journal", "journal", "journal", "conference", "conference", "conference"])
    oid = pd.Series(["1111-1111", "2222-2222", "9999-9999", "S1", "S2", "S3"])
    name = pd.Series(["A", "B", "C", "medical  image computing", "BC", "Other"])
    ranked, high = ranking.high_ranked(kind, oid, name)
    assert ranked.tolist() == [True, True, False, True, True, False]
    assert high.tolist() == [True, False, False, True, False, False]


def test_ranking_files_with_bad_columns_are_a_clear_error(tmp_path):
    (tmp_path / "j.csv").write_text("issn,rank\n1111-1111,1\n")
    (tmp_path / "c.csv").write_text("title,acronym,rank\nX,X,A\n")
    with pytest.raises(ValueError, match="rank_in_category"):
        OutletRanking.from_csv(tmp_path / "j.csv", tmp_path / "c.csv")


def test_citation_counts_count_a_citing_record_once_and_only_articles():
    """A record or work citing an article twice counts once; a cited PMID or work that is no article
    is not counted; ``life_science_citers`` keeps only those citing works (AIGEO_LIFESCI_CITING)."""
    from aigeo_assets.lifesci.corpus import lifesci_citation_counts
    from aigeo_assets.lifesci.keywords import CLINICAL_QUERIES_PATH, ClinicalFilter

    clinical = ClinicalFilter.from_csv(CLINICAL_QUERIES_PATH)
    no = {"abstract": None, "publication_types": None, "mesh_terms": None}
    articles = pd.DataFrame({"article_id": ["pmid:1", "pmid:2", "W1"], "pmid": pd.array(["1", "2", None], dtype="string"),
                             "work_id": pd.array([None, None, "W1"], dtype="string")})
    records = pd.DataFrame([{"pmid": "10", "title": "Imaging", **no}, {"pmid": "11", "title": "A randomized controlled trial", **no},
                            {"pmid": "12", "title": "A randomized controlled trial", **no}, {"pmid": "13", "title": "Imaging", **no}])
    refs = pd.DataFrame({"pmid": ["10", "10", "11", "12", "13"], "cited_pmid": ["1", "1", "1", "2", "3"]})  # 10 cites 1 twice; 3 is no article
    works = pd.DataFrame({"work_id": ["W10", "W11", "W12"], "title": ["Imaging", "A randomized controlled trial", "Imaging"], "abstract": [None] * 3})
    oa_refs = pd.DataFrame({"citing_work_id": ["W10", "W11", "W11", "W12"], "cited_work_id": ["W1", "W1", "W1", "W1"]})
    c = lifesci_citation_counts(articles, [(records, refs)], [(works, oa_refs)], clinical).set_index("article_id")
    assert c.loc["pmid:1", ["citations", "clinical_citations"]].tolist() == [2, 1]
    assert c.loc["pmid:2", ["citations", "clinical_citations"]].tolist() == [1, 1]
    assert c.loc["W1", ["citations", "clinical_citations"]].tolist() == [3, 1]  # any citing work
    life = lifesci_citation_counts(articles, [(records, refs)], [(works, oa_refs)], clinical, pd.Index(["W10", "W11"]))
    assert life.set_index("article_id").loc["W1", ["citations", "clinical_citations"]].tolist() == [2, 1]


def test_lifesci_citations_read_year_by_year_equal_hand_counts():
    """``lifesci_citation_counts`` takes the years' texts one at a time; an article with an OpenAlex
    work takes the works citing it, one without its PubMed ReferenceList citations; the counts are
    those worked out by hand, whether the years come split or together."""
    from aigeo_assets.lifesci.corpus import lifesci_citation_counts
    from aigeo_assets.lifesci.keywords import CLINICAL_QUERIES_PATH, ClinicalFilter

    clinical = ClinicalFilter.from_csv(CLINICAL_QUERIES_PATH)
    no = {"publication_types": None, "mesh_terms": None}
    articles = pd.DataFrame({"article_id": ["pmid:1", "pmid:2", "W2"], "pmid": pd.array(["1", "2", None], dtype="string"),
                             "work_id": pd.array(["W1", None, "W2"], dtype="string")})
    pm_years = [pd.DataFrame([{"pmid": "10", "title": "A cohort", "abstract": None, **no},
                              {"pmid": "11", "title": "A randomized controlled trial", "abstract": None, **no}]),
                pd.DataFrame([{"pmid": "12", "title": "Case series", "abstract": "patients were randomly assigned", **no}])]
    refs = [pd.DataFrame({"pmid": ["10", "10", "11"], "cited_pmid": ["1", "1", "1"]}), pd.DataFrame({"pmid": ["12"], "cited_pmid": ["2"]})]
    works = [pd.DataFrame({"work_id": ["W10", "W12"], "title": ["Imaging", "A clinical trial"], "abstract": [None, None]}),
             pd.DataFrame({"work_id": ["W11"], "title": ["A randomized trial"], "abstract": [None]})]
    oa_refs = [pd.DataFrame({"citing_work_id": ["W10", "W12"], "cited_work_id": ["W1", "W1"]}),
               pd.DataFrame({"citing_work_id": ["W11", "W11", "W11"], "cited_work_id": ["W1", "W2", "W9"]})]
    split = lifesci_citation_counts(articles, zip(pm_years, refs), zip(works, oa_refs), clinical)
    together = lifesci_citation_counts(articles, [(pd.concat(pm_years), pd.concat(refs))], [(pd.concat(works), pd.concat(oa_refs))], clinical)
    pd.testing.assert_frame_equal(split, together)
    c = split.set_index("article_id")
    # pmid:1 has work W1: cited by W10, W12 (clinical trial), W11 (randomized) -> 3, 2 clinical; PubMed: 10, 11 -> 2, 1
    assert c.loc["pmid:1", ["citations", "clinical_citations", "citation_source"]].tolist() == [3, 2, "openalex"]
    assert c.loc["pmid:1", ["pubmed_citations", "pubmed_clinical_citations"]].tolist() == [2, 1]
    # pmid:2 has no work: 12 (randomly: clinical) cites it in PubMed
    assert c.loc["pmid:2", ["citations", "clinical_citations", "citation_source"]].tolist() == [1, 1, "pubmed_reference_list"]
    assert c.loc["W2", ["citations", "clinical_citations"]].tolist() == [1, 1]
    only_life = lifesci_citation_counts(articles, zip(pm_years, refs), zip(works, oa_refs), clinical, pd.Index(["W10", "W11"]))
    assert only_life.set_index("article_id").loc["pmid:1", "citations"] == 2
    none = lifesci_citation_counts(articles, [], [], clinical)
    assert none["citations"].tolist() == [0, 0, 0]


def test_build_articles_puts_it_together(tmp_path):
    (tmp_path / "j.csv").write_text("issn,journal_title,category,rank_in_category,n_in_category\n1234-5678,J,Radiology,1,10\n")
    (tmp_path / "c.csv").write_text("title,acronym,rank\nMICCAI,MICCAI,A\n")
    ranking = OutletRanking.from_csv(tmp_path / "j.csv", tmp_path / "c.csv")
    pubmed = pd.DataFrame([_candidate("pmid:1", pmid="1", n_authors=2), _candidate("pmid:2", pmid="2", n_authors=2)])
    openalex = pd.DataFrame([_candidate("W9", work_id="W9", source="openalex", kind="conference", outlet="S1", name="MICCAI", n_authors=2)])
    pm_authors = _authors([
        ("pmid:1", 0, "US", "country_name"), ("pmid:1", 1, "CN", "country_name"),
        ("pmid:2", 0, "DE", "country_name"), ("pmid:2", 1, "DE", "city"),
    ])
    oa_authors = _authors([("W9", 0, "JP", "openalex_institution"), ("W9", 1, "JP", "openalex_institution")])
    articles, authors_out, stats = build_lifesci_articles(pubmed, openalex, pm_authors, oa_authors, ranking)
    a = articles.set_index("article_id")
    assert a.loc["pmid:1", "lead_country_code"] == "CN" and a.loc["pmid:1", "lead_world_region"] == "Asia"
    assert bool(a.loc["pmid:1", "is_international"]) and not bool(a.loc["pmid:2", "is_international"])
    assert bool(a.loc["pmid:1", "high_ranked"]) and not bool(a.loc["W9", "high_ranked"]) and bool(a.loc["W9", "outlet_ranked"])
    assert a["link_rule"].to_dict() == {"pmid:1": "none", "pmid:2": "none", "W9": "openalex"}
    assert a["country_source"].to_dict() == {"pmid:1": "pubmed", "pmid:2": "pubmed", "W9": "openalex"}
    assert stats["articles"] == 3 and stats["international_share"] == pytest.approx(1 / 3, abs=1e-4)
    assert len(authors_out) == 6
    citations = pd.DataFrame({"article_id": ["pmid:1", "W9"], "citations": [5, 2], "clinical_citations": [1, 0],
                              "citation_source": ["pubmed_reference_list", "openalex"]})
    out = with_citations(articles, citations).set_index("article_id")
    assert out["citations"].to_dict() == {"pmid:1": 5, "pmid:2": 0, "W9": 2}
    assert out.loc["pmid:1", "clinical_citations"] == 1


def test_mesh_topic_skips_check_tags_and_ai_headings():
    t = mesh_topics(pd.Series(["Humans|Deep Learning|Breast Neoplasms|Female", "Humans|Male", None]))
    assert t.iloc[0] == "Breast Neoplasms" and pd.isna(t.iloc[1]) and pd.isna(t.iloc[2])


# ---- PubMed files by year ----------------------------------------------------------------------


def _record(pmid: str, year: int, title: str) -> str:
    return f"""<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">{pmid}</PMID>
<Article PubModel="Print"><Journal><ISSN IssnType="Print">1234-5678</ISSN><JournalIssue><PubDate><Year>{year}</Year></PubDate>
</JournalIssue><Title>J</Title></Journal><ArticleTitle>{title}</ArticleTitle>
<AuthorList><Author><LastName>Doe</LastName><ForeName>J</ForeName><AffiliationInfo><Affiliation>Univ, Paris, France.</Affiliation>
</AffiliationInfo></Author></AuthorList></Article></MedlineCitation>
<PubmedData><ReferenceList><Reference><ArticleIdList><ArticleId IdType="pubmed">99</ArticleId></ArticleIdList></Reference></ReferenceList>
</PubmedData></PubmedArticle>"""


def _write(path: Path, body: str) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write(f'<?xml version="1.0" encoding="utf-8"?>\n<PubmedArticleSet>\n{body}\n</PubmedArticleSet>\n')
    return path


def test_pubmed_years_take_the_latest_version_and_drop_deleted_records(tmp_path):
    base = _write(tmp_path / "pubmed26n0001.xml.gz", _record("1", 2020, "old title") + _record("2", 2020, "two") + _record("3", 2019, "three"))
    update = _write(
        tmp_path / "pubmed26n0002.xml.gz",
        _record("1", 2020, "new title") + "<DeleteCitation><PMID Version=\"1\">2</PMID></DeleteCitation>",
    )
    cache = tmp_path / "cache"
    manifest, quarantine = file_manifest([base, update], cache)
    assert manifest["records"].tolist() == [3, 1] and manifest["deleted"].tolist() == [0, 1]
    assert manifest["parsed_now"].tolist() == [True, True] and len(quarantine) == 0
    year = pubmed_year_tables([base, update], cache, 2020)
    articles, authors, references = year.articles, year.authors, year.references
    assert articles["pmid"].tolist() == ["1"] and articles["title"].tolist() == ["new title"]
    assert authors["pmid"].tolist() == ["1"] and references["cited_pmid"].tolist() == ["99"]
    again, _ = file_manifest([base, update], cache)
    assert not again["parsed_now"].any(), "the parse cache is reused"
    older = pubmed_year_tables([base, update], cache, 2019).articles
    assert older["pmid"].tolist() == ["3"]
    assert np.all(older["publication_year"] == 2019)


def test_core_portal_export_without_header_is_read(tmp_path):
    (tmp_path / "j.csv").write_text("issn,journal_title,category,rank_in_category,n_in_category\n1111-1111,A,R,1,9\n")
    (tmp_path / "c.csv").write_text(
        '2173, Information Retrieval Facility Conference,IRFC,CORE2018,Unranked,Yes,0806,,\n'
        '1,Medical Image Computing and Computer Assisted Intervention,MICCAI,ICORE2026,A*,Yes,4603,,\n'
    )
    ranking = OutletRanking.from_csv(tmp_path / "j.csv", tmp_path / "c.csv")
    ranked, high = ranking.high_ranked(pd.Series(["conference", "conference"]), pd.Series(["S1", "S2"]),
                                       pd.Series(["MICCAI", "Information Retrieval Facility Conference"]))
    assert ranked.tolist() == [True, True] and high.tolist() == [True, False]


def test_without_pubmed_or_rankings_the_atlas_rests_on_openalex_and_says_so(tmp_path):
    from aigeo_assets.resources.sources import LifeSciSource

    src = LifeSciSource(parse_cache_dir=str(tmp_path / "cache"))
    assert src.pubmed_files() == [] and src.ranking_files() is None
    assert src.configured()["pubmed"].startswith("none")
    manifest, quarantine = file_manifest([], tmp_path / "cache")
    assert len(manifest) == 0 and len(quarantine) == 0
    ranked, high = OutletRanking.empty().high_ranked(pd.Series(["journal"]), pd.Series(["1111-1111"]), pd.Series(["J"]))
    assert not ranked.iloc[0] and not high.iloc[0]
    missing = LifeSciSource(parse_cache_dir=str(tmp_path / "cache"), pubmed_dir=str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match="AIGEO_PUBMED_DIR"):
        missing.pubmed_files()


def test_the_concept_rows_the_assets_read_give_the_same_life_science_works_and_topics(tmp_path):
    """``core_lifesci_articles`` reads levels 0 and 1 of ``raw_work_concepts`` (``CANDIDATE_CONCEPT_ROWS``),
    ``core_lifesci_citations`` only the life-science roots (``LIFE_SCIENCE_ROOT_ROWS``). On the real
    records, whose works carry concepts down to level 5, read as the IO manager reads the inputs, they
    give the same life-science works and topics as every row."""
    from aigeo_assets.ingest.records_folder import real_sample_files, snapshot_from_records
    from aigeo_assets.ingest.snapshot import list_entity_files
    from aigeo_assets.ingest.works import parse_works_year
    from aigeo_assets_tests.support.input_reads import read_as_input

    records, _ = real_sample_files()
    if not records:
        pytest.skip("no ../shared/samples here")
    snapshot_from_records(tmp_path / "snapshot", works=records)
    concepts = parse_works_year(list_entity_files(tmp_path / "snapshot", "works").parts, None).concepts
    assert int(concepts["level"].max()) >= 3
    (tmp_path / "candidates").mkdir()
    (tmp_path / "roots").mkdir()
    candidates = read_as_input(concepts, tmp_path / "candidates", ["work_id", "level", "concept_name", "score"], CANDIDATE_CONCEPT_ROWS)
    roots = read_as_input(concepts, tmp_path / "roots", ["work_id", "level", "concept_name"], LIFE_SCIENCE_ROOT_ROWS)
    assert len(roots) < len(candidates) < len(concepts)
    want = life_science_works(concepts)
    assert len(want) > 0
    pd.testing.assert_index_equal(life_science_works(candidates), want)
    pd.testing.assert_index_equal(life_science_works(roots), want)
    topics = openalex_topics(concepts)
    assert len(topics) > 0
    pd.testing.assert_series_equal(openalex_topics(candidates), topics)
