"""Schmallenbach et al. 2024's definitions to the letter (issue 14): the clinical filter (Haynes et al. 2005's
treatment query on title and abstract, the broad filter as a setting), the CORE cut-off (A* or A),
international collaboration (two distinct authors in different countries) and deduplicated
conference papers keeping their outlet and CORE rank. Hand-built records; the international rule
is also checked against a brute-force oracle over every pair of authors."""

from __future__ import annotations

import itertools
import random

import pandas as pd
import pytest

from aigeo_assets.ingest.records_folder import shared_samples_dir
from aigeo_assets.lifesci.corpus import (
    CORE_RANKS,
    OutletRanking,
    build_lifesci_articles,
    deduplicate,
    international_articles,
)
from aigeo_assets.lifesci.keywords import (
    CLINICAL_FILTERS,
    CLINICAL_QUERIES_PATH,
    CLINICAL_TREATMENT_PATH,
    DEFAULT_CLINICAL_FILTER,
    ClinicalFilter,
    clinical_filter_path,
)
from aigeo_assets.resources.analysis import AnalysisSettings
from aigeo_assets.resources.settings import Settings, SettingsError
from aigeo_assets.schemas import SCHEMAS, conform

# ---- clinical filter -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def filters() -> dict[str, ClinicalFilter]:
    return {name: ClinicalFilter.from_csv(path) for name, path in CLINICAL_FILTERS.items()}


def _flag(flt: ClinicalFilter, title: str, abstract: str = "", pt=None, mesh=None) -> bool:
    return bool(flt.is_clinical([title], [abstract], [pt], [mesh])[0])


def test_the_default_is_haynes_treatment_query_on_title_and_abstract():
    """The shipped default CSV is exactly (clinical[tiab] AND trial[tiab]) OR random*[tiab]."""
    assert DEFAULT_CLINICAL_FILTER == "treatment" and clinical_filter_path("treatment") == CLINICAL_TREATMENT_PATH
    assert AnalysisSettings().lifesci_clinical_path() == CLINICAL_TREATMENT_PATH
    rows = pd.read_csv(CLINICAL_TREATMENT_PATH, dtype=str, keep_default_na=False)
    assert set(rows["field"]) == {"title_abstract"}
    groups = {g: sorted(zip(d["term"], d["match"])) for g, d in rows.groupby("group")}
    assert sorted(groups.values()) == [[("clinical", "word"), ("trial", "word")], [("random", "prefix")]]
    assert "Haynes" in rows["note"].iloc[0] and "BMJ 330:1179" in rows["note"].iloc[0]


@pytest.mark.parametrize("title, abstract, treatment, no_rf, broad", [
    ("Patients were randomly assigned to AI-supported triage", "", True, True, True),
    ("A randomised controlled trial of a deep learning tool", "", True, True, True),
    ("Deep learning in a clinical trial of sepsis", "", True, True, True),
    ("A trial of machine learning", "in routine clinical care.", True, True, True),     # clinical AND trial, any place
    ("Clinical trials of machine learning", "", False, False, False),                  # 'trials' is not trial[tiab]
    ("A random forest model for mortality", "", True, False, True),                     # the letter: random* hits
    ("Random forests and random forest ensembles", "", True, False, True),
    ("A random forest model", "Samples were randomly split.", True, True, True),        # randomly still counts
    ("Sensitivity and specificity of a CNN for melanoma", "", False, False, True),      # diagnosis: broad only
    ("Diagnostic accuracy of deep learning", "", False, False, True),
    ("Machine learning for protein folding", "", False, False, False),
])
def test_clinical_filters_on_hand_written_records(filters, title, abstract, treatment, no_rf, broad):
    assert _flag(filters["treatment"], title, abstract) is treatment
    assert _flag(filters["treatment_no_random_forest"], title, abstract) is no_rf
    assert _flag(filters["broad"], title, abstract) is broad


def test_the_treatment_filters_read_title_and_abstract_only(filters):
    """Publication types and MeSH are not the seed's 'title or abstract': only broad reads them."""
    pt, mesh = "Randomized Controlled Trial", "Random Allocation|Clinical Trials as Topic"
    for name in ("treatment", "treatment_no_random_forest"):
        assert not _flag(filters[name], "Deep learning for sepsis", "", pt, mesh)
    assert _flag(filters["broad"], "Deep learning for sepsis", "", pt, mesh)


def test_not_in_phrases_are_checked():
    rows = pd.DataFrame({"category": ["t"], "field": ["title_abstract"], "term": ["random"], "match": ["prefix"],
                         "group": ["g"], "not_in": ["decision tree"]})
    with pytest.raises(ValueError, match="does not contain the term"):
        ClinicalFilter.from_rows(rows)
    with pytest.raises(ValueError, match="title_abstract terms only"):
        ClinicalFilter.from_rows(rows.assign(field="mesh", match="exact", term="random", not_in="random forest"))
    with pytest.raises(ValueError, match="unknown clinical filter 'narrow'"):
        clinical_filter_path("narrow")


def test_settings_choose_and_check_the_filter_and_the_core_rank(tmp_path):
    env = {"AIGEO_DATA_DIR": str(tmp_path)}
    default = Settings.from_env(env)
    assert (default.lifesci_clinical_filter, default.lifesci_core_rank) == ("treatment", "A*")
    chosen = Settings.from_env({**env, "AIGEO_LIFESCI_CLINICAL_FILTER": "broad", "AIGEO_LIFESCI_CORE_RANK": "A"})
    assert (chosen.lifesci_clinical_filter, chosen.lifesci_core_rank) == ("broad", "A")
    with pytest.raises(SettingsError) as err:
        Settings.from_env({**env, "AIGEO_LIFESCI_CLINICAL_FILTER": "narrow", "AIGEO_LIFESCI_CORE_RANK": "B"})
    assert err.value.problems == (
        "AIGEO_LIFESCI_CLINICAL_FILTER='narrow': one of treatment, treatment_no_random_forest, broad",
        "AIGEO_LIFESCI_CORE_RANK='B': one of A*, A",
    )
    assert AnalysisSettings(lifesci_clinical_filter="broad").lifesci_clinical_path() == CLINICAL_QUERIES_PATH
    own = tmp_path / "mine.csv"
    assert AnalysisSettings(lifesci_clinical_filter="broad", lifesci_clinical_csv=str(own)).lifesci_clinical_path() == own


SAMPLES = shared_samples_dir()
MEASURED_SAMPLES = {"treatment": 0.078, "treatment_no_random_forest": 0.078, "broad": 0.234}
"""Clinical shares of the 792 real PubMed sample records (benchmarks/results/clinical_share.json)."""


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/samples not present: real-record test skipped")
def test_clinical_shares_on_the_real_pubmed_samples(filters):
    from aigeo_assets.lifesci.pubmed import parse_pubmed_file

    frames = [parse_pubmed_file(f).articles for f in sorted((SAMPLES / "pubmed").rglob("*.xml*"))]
    records = pd.concat(frames, ignore_index=True).drop_duplicates("pmid")
    assert len(records) == 792
    for name, flt in filters.items():
        share = flt.is_clinical(records["title"], records["abstract"], records["publication_types"], records["mesh_terms"]).mean()
        assert share == pytest.approx(MEASURED_SAMPLES[name], abs=0.001), name


# ---- international collaboration -----------------------------------------------------------------


def _authors(rows):
    return conform(pd.DataFrame(rows, columns=["article_id", "author_seq", "country_code", "country_rule"]), "core_lifesci_authors")


HAND = _authors([
    ("one_author_two_countries", 0, "US", "country_name"), ("one_author_two_countries", 0, "DE", "country_name"),
    ("two_countries_two_authors", 0, "US", "country_name"), ("two_countries_two_authors", 0, "DE", "country_name"),
    ("two_countries_two_authors", 1, "US", "country_name"),
    ("same_country", 0, "US", "country_name"), ("same_country", 1, "US", "us_state"),
    ("different", 0, "US", "country_name"), ("different", 1, "FR", "city"),
    ("second_unknown", 0, "US", "country_name"), ("second_unknown", 0, "DE", "country_name"),
    ("second_unknown", 1, None, "none"),
    ("nobody_placed", 0, None, "none"), ("nobody_placed", 1, None, "none"),
])
HAND_EXPECTED = {"one_author_two_countries": False, "two_countries_two_authors": True, "same_country": False,
                 "different": True, "second_unknown": False, "nobody_placed": False}


def _brute_force(authors: pd.DataFrame) -> dict[str, bool]:
    """The definition itself: some pair of distinct authors with a country each that differ."""
    out = {}
    for article, rows in authors.groupby("article_id"):
        by_author = rows.dropna(subset=["country_code"]).groupby("author_seq")["country_code"].apply(set).to_dict()
        out[article] = any(ca != cb for a, b in itertools.permutations(by_author, 2) for ca in by_author[a] for cb in by_author[b])
    return out


def test_international_needs_two_distinct_authors_in_different_countries():
    got = international_articles(HAND).reindex(list(HAND_EXPECTED)).fillna(False).astype(bool).to_dict()
    assert got == HAND_EXPECTED
    assert _brute_force(HAND) == HAND_EXPECTED


def test_international_rule_equals_the_pairwise_definition_on_random_bylines():
    rng = random.Random(14)
    rows = []
    for i in range(400):
        for seq in range(rng.randint(1, 4)):
            countries = rng.sample(["US", "DE", "CN", None], rng.randint(1, 2))
            rows += [(f"a{i}", seq, c, "country_name" if c else "none") for c in countries]
    authors = _authors(rows)
    got = international_articles(authors).reindex(authors["article_id"].unique()).fillna(False).astype(bool).to_dict()
    oracle = _brute_force(authors)
    assert got == oracle
    assert 0 < sum(oracle.values()) < len(oracle)


def _candidate(article_id, pmid=None, doi=None, work_id=None, source="pubmed", kind="journal", outlet="1234-5678",
               name="J Med AI", n_authors=2):
    return {
        "article_id": article_id, "pmid": pmid, "doi": doi, "work_id": work_id, "source": source, "publication_year": 2020,
        "title": "t", "outlet_kind": kind, "outlet_id": outlet, "outlet_name": name, "ai_keyword": "deep learning",
        "is_clinical": False, "topic": "Radiology", "n_authors": n_authors,
    }


def _no_authors():
    return SCHEMAS["core_lifesci_authors"].empty()


def test_build_marks_one_author_with_two_countries_national():
    ids = list(HAND_EXPECTED)
    pubmed = pd.DataFrame([_candidate(a, pmid=str(i)) for i, a in enumerate(ids)])
    out, _, stats = build_lifesci_articles(pubmed, pd.DataFrame(), HAND, _no_authors(), OutletRanking.empty())
    got = out.set_index("article_id")
    assert got["is_international"].to_dict() == HAND_EXPECTED
    # n_countries still counts the distinct countries: the one-author article names two
    assert int(got.loc["one_author_two_countries", "n_countries"]) == 2
    assert stats["international_share"] == round(2 / 6, 4)


# ---- CORE cut-off and deduplicated conference papers -----------------------------------------------


@pytest.fixture()
def ranking(tmp_path) -> OutletRanking:
    (tmp_path / "j.csv").write_text("issn,category,rank_in_category\n1234-5678,Radiology,1\n")
    (tmp_path / "c.csv").write_text("title,acronym,rank\nMedical Image Computing,MICCAI,A*\n"
                                    "Bioinformatics and Biomedicine,BIBM,A\nHealth Informatics Conf,HIC,B\n")
    return OutletRanking.from_csv(tmp_path / "j.csv", tmp_path / "c.csv")


def test_core_cut_off_is_a_star_by_default_and_a_or_better_as_a_setting(ranking):
    assert CORE_RANKS == ("A*", "A")
    kind = pd.Series(["conference"] * 4 + ["journal"])
    oid = pd.Series(["S1", "S2", "S3", "S4", "1234-5678"])
    name = pd.Series(["MICCAI", "Bioinformatics and Biomedicine", "HIC", "Unranked Workshop", "J"])
    ranked, high = ranking.high_ranked(kind, oid, name)
    assert ranked.tolist() == [True, True, True, False, True]
    assert high.tolist() == [True, False, False, False, True]
    _, high_a = ranking.high_ranked(kind, oid, name, "A")
    assert high_a.tolist() == [True, True, False, False, True]
    with pytest.raises(ValueError, match="core_rank 'B'"):
        ranking.high_ranked(kind, oid, name, "B")


def test_a_deduplicated_conference_paper_keeps_its_outlet_and_core_rank(ranking):
    pubmed = pd.DataFrame([_candidate("pmid:1", pmid="1", doi="10.1/a", outlet="1234-5678", name="J Med AI"),
                           _candidate("pmid:2", pmid="2", doi="10.1/b", outlet="1234-5678", name="J Med AI")])
    openalex = pd.DataFrame([
        _candidate("W1", pmid="1", work_id="W1", source="openalex", kind="conference", outlet="S2", name="BIBM"),
        _candidate("W2", doi="10.1/b", work_id="W2", source="openalex", kind="conference", outlet="S1", name="MICCAI"),
    ])
    merged, _, n = deduplicate(pubmed, openalex)
    assert n == 2
    m = merged.set_index("article_id")
    assert m.loc["pmid:1", ["outlet_kind", "outlet_id", "outlet_name", "source"]].tolist() == ["conference", "S2", "BIBM", "both"]
    assert m.loc["pmid:2", ["outlet_kind", "outlet_id", "outlet_name"]].tolist() == ["conference", "S1", "MICCAI"]
    pm_authors = _authors([("pmid:1", 0, "US", "country_name"), ("pmid:2", 0, "CN", "country_name")])
    oa_authors = _authors([("W1", 0, "US", "openalex_institution"), ("W2", 0, "CN", "openalex_institution")])
    for core_rank, expected in (("A*", [False, True]), ("A", [True, True])):
        out, _, _ = build_lifesci_articles(pubmed, openalex, pm_authors, oa_authors, ranking, core_rank=core_rank)
        out = out.set_index("article_id").loc[["pmid:1", "pmid:2"]]
        assert out["outlet_kind"].tolist() == ["conference", "conference"]
        assert out["outlet_ranked"].tolist() == [True, True]
        assert out["high_ranked"].tolist() == expected, core_rank


def test_the_settings_reach_the_assets_resource(monkeypatch):
    """``AIGEO_LIFESCI_CLINICAL_FILTER`` and ``AIGEO_LIFESCI_CORE_RANK`` are passed on to the
    ``analysis`` resource the life-science assets read (defaults: the seed's Methods)."""
    from aigeo_assets.code_location import build_definitions

    for name in ("AIGEO_LIFESCI_CLINICAL_FILTER", "AIGEO_LIFESCI_CORE_RANK"):
        monkeypatch.delenv(name, raising=False)
    analysis = build_definitions(Settings.from_env()).resources["analysis"]
    assert (analysis.lifesci_clinical_filter, analysis.lifesci_core_rank) == ("treatment", "A*")
    monkeypatch.setenv("AIGEO_LIFESCI_CLINICAL_FILTER", "broad")
    monkeypatch.setenv("AIGEO_LIFESCI_CORE_RANK", "A")
    monkeypatch.setenv("AIGEO_PUBMED_WORKERS", "1")
    resources = build_definitions(Settings.from_env()).resources
    analysis = resources["analysis"]
    assert (analysis.lifesci_clinical_filter, analysis.lifesci_core_rank) == ("broad", "A")
    assert resources["lifesci"].pubmed_workers == 1
