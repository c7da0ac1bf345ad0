"""Papers, citations and author-years on hand-worked examples (AlShebli et al. 2022 and Schmallenbach et al. 2024 definitions)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aigeo_assets.corpus.authors import (
    AUTHOR_YEAR_INPUT_COLUMNS,
    AUTHOR_YEAR_PAPER_ROWS,
    AiScientistRule,
    _join_rows,
    author_careers,
    author_year_places,
    build_author_years,
)
from aigeo_assets.corpus.citations import KNOWN_PAPERS_CACHE_BYTES, KnownPapers, build_core_citations, core_citation_batches
from aigeo_assets.corpus.papers import AI_CONCEPT_ROWS, PAPER_INPUT_COLUMNS, AiRule, ai_flags, build_core_papers, document_types
from aigeo_assets.schemas import SCHEMAS, conform
from aigeo_assets_tests.support.input_reads import read_as_input

BEIJING, SHANGHAI, BOSTON, LONDON = 1816670, 1796236, 4930956, 2643743


def frame(table: str, rows: list[dict]) -> pd.DataFrame:
    cols = SCHEMAS[table].names
    return conform(pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], columns=cols), table)


def works(*rows):
    base = {"type": "article", "type_crossref": "journal-article", "venue_type": "journal", "n_authors": 2, "n_references": 0}
    return frame("raw_works", [{**base, **r} for r in rows])


def aff(work, seq, pos, author, city=None, country=None, bloc=None, inst=None):
    return {"work_id": work, "author_seq": seq, "author_position": pos, "author_id": author, "institution_id": inst,
            "city_geonames_id": city, "country_code": country, "bloc": bloc, "geocode_rule": "openalex_geo" if city else "country_only"}


EMPTY_INST = frame("core_institutions", [])


def test_ai_rules_and_threshold():
    w = works(
        {"work_id": "W1", "publication_year": 2015, "primary_subfield_id": "1702"},
        {"work_id": "W2", "publication_year": 2015, "primary_subfield_id": "1707"},
        {"work_id": "W3", "publication_year": 2015},
    )
    c = frame("raw_work_concepts", [
        {"work_id": "W2", "concept_id": "C154945302", "level": 1, "score": 0.31},
        {"work_id": "W3", "concept_id": "C154945302", "level": 1, "score": 0.29},
    ])
    assert ai_flags(w, c, AiRule("concept", 0.3)).tolist() == [False, True, False]
    assert ai_flags(w, c, AiRule("concept", 0.2)).tolist() == [False, True, True]
    assert ai_flags(w, c, AiRule("subfield")).tolist() == [True, False, False]
    assert ai_flags(w, c, AiRule("either", 0.3)).tolist() == [True, True, False]
    with pytest.raises(ValueError, match="unknown AI rule"):
        ai_flags(w, c, AiRule("keywords"))  # type: ignore[arg-type]


def test_document_types():
    w = works(
        {"work_id": "W1", "publication_year": 2015, "venue_type": "conference", "type_crossref": "proceedings-article"},
        {"work_id": "W2", "publication_year": 2015, "venue_type": None, "type_crossref": "proceedings-article"},
        {"work_id": "W3", "publication_year": 2015, "venue_type": "repository", "type_crossref": "posted-content"},
        {"work_id": "W4", "publication_year": 2015, "type": "book-chapter", "type_crossref": "book-chapter", "venue_type": "journal"},
        {"work_id": "W5", "publication_year": 2015},
    )
    out = document_types(w)
    assert out["doc_type"].tolist() == ["conference", "conference", "other", "other", "journal"]
    assert out["doc_type_rule"].tolist() == ["venue_type", "type_crossref", "none", "work_type", "venue_type"]


def test_document_types_of_current_api_records_without_type_crossref():
    """Current API records: no type_crossref; proceedings often without a source (seen on real CVPR/ACL papers)."""
    rows = [
        {"work_id": "W1", "publication_year": 2020, "type": "article", "venue_type": None,
         "location_raw_type": "proceedings-article",
         "location_raw_source_name": "2020 IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)"},
        {"work_id": "W2", "publication_year": 2019, "type": "article", "venue_type": None, "location_raw_type": None,
         "location_raw_source_name": "Proceedings of the 57th Annual Meeting of the Association for Computational Linguistics"},
        {"work_id": "W3", "publication_year": 2021, "type": "article", "venue_type": None, "location_raw_type": None,
         "location_raw_source_name": "Journal of Big Data"},
        {"work_id": "W4", "publication_year": 2021, "type": "preprint", "venue_type": "repository", "location_raw_type": "text",
         "location_raw_source_name": "arXiv (Cornell University)"},
        {"work_id": "W5", "publication_year": 2021, "type": "preprint", "venue_type": None,
         "location_raw_type": "proceedings-article", "location_raw_source_name": "ICASSP 2021"},
        {"work_id": "W6", "publication_year": 2021, "type": "preprint", "venue_type": "repository",
         "location_raw_type": "InProceedings", "location_raw_source_name": "Proceedings of Machine Learning Research"},
        {"work_id": "W7", "publication_year": 2021, "type": "article", "venue_type": "conference", "location_raw_type": "journal-article"},
        {"work_id": "W8", "publication_year": 2021, "type": "dissertation", "location_raw_type": "proceedings-article"},
    ]
    w = works(*[{"type_crossref": None, **r} for r in rows])
    out = document_types(w)
    assert out["doc_type"].tolist() == ["conference", "conference", "journal", "other", "conference", "other", "conference", "other"]
    assert out["doc_type_rule"].tolist() == [
        "location_raw_type", "source_name", "source_name", "none", "location_raw_type", "none", "venue_type", "work_type",
    ]


def test_parse_work_keeps_the_primary_locations_own_type_and_source_name():
    from aigeo_assets.ingest.works import MergedIds, parse_work

    work, *_ = parse_work(
        {"id": "https://openalex.org/W1", "publication_year": 2020, "type": "article",
         "primary_location": {"source": None, "raw_type": "proceedings-article", "raw_source_name": "CVPR 2020"}},
        MergedIds.none(),
    )
    assert work[-2:] == ("proceedings-article", "CVPR 2020")


def test_paper_city_is_the_last_authors_and_lead_country_falls_back_to_first():
    w = works(*[{"work_id": f"W{i}", "publication_year": 2015} for i in range(1, 6)])
    c = frame("raw_work_concepts", [{"work_id": f"W{i}", "concept_id": "C154945302", "level": 1, "score": 0.9} for i in range(1, 6)])
    a = frame("core_affiliations", [
        # W1: first in Boston, last in Beijing (two institutions: first one unlocated to a city)
        aff("W1", 0, "first", "A1", BOSTON, "US", "West"),
        aff("W1", 1, "last", "A2", None, "CN", None, inst="I9"),
        aff("W1", 1, "last", "A2", BEIJING, "CN", "East", inst="I8"),
        # W2: single author, OpenAlex marks him "first"
        aff("W2", 0, "first", "A3", LONDON, "GB", "West"),
        # W3: last author known only by country -> unlocated paper, lead country from the last author
        aff("W3", 0, "first", "A1", BOSTON, "US", "West"),
        aff("W3", 1, "last", "A2", None, "JP", None),
        # W4: last author unknown entirely -> lead country from the first author (Schmallenbach et al. 2024)
        aff("W4", 0, "first", "A1", SHANGHAI, "CN", "East"),
        aff("W4", 1, "last", "A5"),
        # W5: nobody located
        aff("W5", 0, "first", "A6"),
    ])
    p = build_core_papers(w, c, a, EMPTY_INST).set_index("work_id")
    assert p.loc["W1", "city_geonames_id"] == BEIJING and p.loc["W1", "bloc"] == "East"
    assert p.loc["W1", "city_name"] == "Beijing" and abs(p.loc["W1", "city_latitude"] - 39.9) < 0.1
    assert p.loc["W2", "city_geonames_id"] == LONDON
    assert pd.isna(p.loc["W3", "city_geonames_id"]) and p.loc["W3", "lead_country_code"] == "JP"
    assert p.loc["W3", "lead_rule"] == "last_author" and p.loc["W3", "lead_world_region"] == "Asia"
    assert pd.isna(p.loc["W4", "city_geonames_id"]) and p.loc["W4", "lead_country_code"] == "CN"
    assert p.loc["W4", "lead_rule"] == "first_author"
    assert p.loc["W5", "lead_rule"] == "none" and pd.isna(p.loc["W5", "lead_country_code"])
    assert p["in_corpus"].all()


def test_core_papers_read_as_the_asset_reads_them_equal_those_of_the_whole_tables(tmp_path):
    """``core_papers`` loads only ``PAPER_INPUT_COLUMNS`` of the OpenAlex tables and only the AI
    concept's rows of ``raw_work_concepts`` (issue 13: not a real year's titles, abstracts and other
    concepts). On the real records, read as the IO manager reads the asset's inputs, the papers equal
    those built from the whole tables under every AI rule."""
    from aigeo_assets.ingest.records_folder import real_sample_files, snapshot_from_records
    from aigeo_assets.ingest.snapshot import list_entity_files
    from aigeo_assets.ingest.works import parse_works_year

    records, _ = real_sample_files()
    if not records:
        pytest.skip("no ../shared/samples here")
    snapshot_from_records(tmp_path / "snapshot", works=records)
    t = parse_works_year(list_entity_files(tmp_path / "snapshot", "works").parts, None)
    # works typed by their source's name alone, which no real record here needs
    by_name = t.works.head(2).assign(work_id=["W91", "W92"], venue_type=None, location_raw_type=None, type_crossref=None,
                                     location_raw_source_name=["Proceedings of the IEEE Conference on CVPR", "Journal of AI"])
    t.works = pd.concat([t.works, by_name], ignore_index=True)
    (tmp_path / "works").mkdir()
    (tmp_path / "concepts").mkdir()
    narrow_works = read_as_input(t.works, tmp_path / "works", PAPER_INPUT_COLUMNS["raw_works"])
    narrow_concepts = read_as_input(t.concepts, tmp_path / "concepts", PAPER_INPUT_COLUMNS["raw_work_concepts"], AI_CONCEPT_ROWS)
    assert 0 < len(narrow_concepts) < len(t.concepts) / 5
    cities = [BEIJING, SHANGHAI, BOSTON, LONDON, None]
    a = t.authorships
    inst = pd.factorize(a["institution_id"])[0]
    affiliations = frame("core_affiliations", [
        aff(w, s, p, au, cities[i % len(cities)] if i >= 0 else None, c, None, inst=iid)
        for w, s, p, au, i, c, iid in zip(a["work_id"], a["author_seq"], a["author_position"], a["author_id"], inst,
                                          a["institution_country_code"], a["institution_id"])
    ])
    (tmp_path / "affiliations").mkdir()
    narrow_affiliations = read_as_input(affiliations, tmp_path / "affiliations", PAPER_INPUT_COLUMNS["core_affiliations"])
    for rule in ("concept", "subfield", "either"):
        whole = build_core_papers(t.works, t.concepts, affiliations, EMPTY_INST, AiRule(rule=rule))
        assert whole["city_geonames_id"].notna().any() and (rule == "subfield" or whole["is_ai"].any()), rule
        assert (whole["doc_type_rule"] == "source_name").sum() == 2
        narrow = build_core_papers(narrow_works, narrow_concepts, narrow_affiliations, EMPTY_INST, AiRule(rule=rule))
        pd.testing.assert_frame_equal(narrow, whole)


def _placed_by_maps(works_: pd.DataFrame, affiliations: pd.DataFrame) -> pd.DataFrame:
    """The oracle: the last author's city and the lead countries as pandas sorts, group maxima and
    maps of work ids (the obvious formulation, and ``build_core_papers``' own before issue 13)."""

    def per_work(aff: pd.DataFrame, which: str, located: str) -> pd.DataFrame:
        placed = aff[aff[located].notna()]
        if which == "last":
            last_seq = aff.groupby("work_id")["author_seq"].max()
            is_pos = (placed["author_position"] == "last") | (placed["author_seq"] == placed["work_id"].map(last_seq))
        else:
            is_pos = (placed["author_position"] == "first") | (placed["author_seq"] == 0)
        return placed[is_pos.fillna(False)].drop_duplicates("work_id", keep="first").set_index("work_id")

    aff = affiliations.sort_values(["work_id", "author_seq"], kind="stable")
    city = per_work(aff, "last", "city_geonames_id")
    wid = works_["work_id"]
    last, first = wid.map(per_work(aff, "last", "country_code")["country_code"]), wid.map(per_work(aff, "first", "country_code")["country_code"])
    return pd.DataFrame({"work_id": wid, "city_geonames_id": wid.map(city["city_geonames_id"]), "city_country_code": wid.map(city["country_code"]),
                         "bloc": wid.map(city["bloc"]), "lead_country_code": last.fillna(first)})


def test_paper_places_equal_the_maps_of_work_ids_on_shuffled_bylines():
    """The last author's city and the lead country, found by each work's position, equal the pandas
    maps of work ids on random bylines: rows shuffled, the last author marked or only final in the
    byline, several institutions, cities and countries missing, affiliations of works the table does
    not hold."""
    rng = np.random.default_rng(5)
    cities = [(BEIJING, "CN", "East"), (SHANGHAI, "CN", "East"), (BOSTON, "US", "West"), (LONDON, "GB", "West")]
    rows = []
    for w in range(400):
        n_authors = int(rng.integers(1, 5))
        for seq in range(n_authors):
            mark = "first" if seq == 0 else ("last" if seq == n_authors - 1 and rng.random() < 0.6 else "middle")
            for inst in range(int(rng.integers(1, 3))):
                city, country, bloc = cities[int(rng.integers(len(cities)))]
                kind = rng.random()
                rows.append(aff(f"W{w}", seq, mark, f"A{w}-{seq}", city if kind < 0.5 else None,
                                country if kind < 0.8 else None, bloc if kind < 0.5 else None, inst=f"I{inst}"))
    a = frame("core_affiliations", rows).sample(frac=1.0, random_state=3).reset_index(drop=True)
    w = works(*[{"work_id": f"W{i}", "publication_year": 2015} for i in range(0, 420, 2)])  # half the works, and 10 without rows
    c = frame("raw_work_concepts", [])
    got = build_core_papers(w, c, a, EMPTY_INST)
    want = _placed_by_maps(w, a)
    pd.testing.assert_frame_equal(got[want.columns.tolist()], want, check_names=False)
    assert 0 < got["city_geonames_id"].notna().sum() < len(got) and got["lead_country_code"].isna().any()


def _papers(rows):
    base = {"is_ai": True, "doc_type": "journal", "in_corpus": True, "n_authors": 1, "lead_rule": "none"}
    return frame("core_papers", [{**base, **r} for r in rows])


def test_citations_resolve_within_years_up_to_the_citing_year():
    known = _papers([
        {"work_id": "W1", "publication_year": 2014, "city_geonames_id": BOSTON, "city_country_code": "US", "bloc": "West"},
        {"work_id": "W2", "publication_year": 2015, "city_geonames_id": BEIJING, "city_country_code": "CN", "bloc": "East"},
        {"work_id": "W3", "publication_year": 2015, "is_ai": False, "in_corpus": False},
    ])
    refs = frame("raw_references", [
        {"citing_work_id": "W2", "cited_work_id": "W1"},
        {"citing_work_id": "W2", "cited_work_id": "W404"},
        {"citing_work_id": "W3", "cited_work_id": "W2"},
    ])
    citing = known[known["publication_year"] == 2015]
    c = build_core_citations(refs, citing, known)
    assert c["resolution"].tolist() == ["in_snapshot", "external", "in_snapshot"]
    first = c.iloc[0]
    assert (first["citing_year"], first["cited_year"]) == (2015, 2014)
    assert (first["citing_bloc"], first["cited_bloc"]) == ("East", "West")
    assert first["cited_city_geonames_id"] == BOSTON and first["citing_country_code"] == "CN"
    assert pd.isna(c.iloc[1]["cited_year"]) and not c.iloc[1]["cited_in_corpus"]
    assert not c.iloc[2]["citing_in_corpus"] and c.iloc[2]["cited_in_corpus"]


def _citations_by_merge(refs: pd.DataFrame, citing: pd.DataFrame, known: pd.DataFrame) -> pd.DataFrame:
    """The oracle: core_citations as two pandas left merges (the obvious formulation)."""
    ends = ["work_id", "publication_year", "in_corpus", "city_geonames_id", "city_country_code", "bloc"]
    a = citing[ends].rename(columns=lambda c: f"a_{c}")
    b = known[ends].drop_duplicates("work_id").rename(columns=lambda c: f"b_{c}")
    m = refs[["citing_work_id", "cited_work_id"]].merge(a, left_on="citing_work_id", right_on="a_work_id", how="inner")
    m = m.merge(b, left_on="cited_work_id", right_on="b_work_id", how="left")
    out = pd.DataFrame({
        "citing_work_id": m["citing_work_id"], "cited_work_id": m["cited_work_id"],
        "citing_year": m["a_publication_year"], "cited_year": m["b_publication_year"],
        "resolution": m["b_work_id"].notna().map({True: "in_snapshot", False: "external"}),
        "citing_in_corpus": m["a_in_corpus"], "cited_in_corpus": m["b_in_corpus"].fillna(False),
        "citing_city_geonames_id": m["a_city_geonames_id"], "cited_city_geonames_id": m["b_city_geonames_id"],
        "citing_country_code": m["a_city_country_code"], "cited_country_code": m["b_city_country_code"],
        "citing_bloc": m["a_bloc"], "cited_bloc": m["b_bloc"],
    })
    return conform(out, "core_citations")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_citations_equal_a_merge_oracle_on_random_tables(seed):
    """The Arrow hash lookups give what two pandas merges give, row for row: unknown and null cited
    ids, citing works outside the year, a work listed twice among the known papers, missing cities."""
    rng = np.random.default_rng(seed)
    n = 400
    ids = np.array([f"W{i}" for i in range(n)], dtype=object)
    years = rng.integers(2010, 2016, n)
    city = rng.choice(np.array([BEIJING, BOSTON, LONDON, None], dtype=object), n)
    known = _papers([
        {"work_id": w, "publication_year": int(y), "is_ai": bool(k), "in_corpus": bool(k),
         "city_geonames_id": c, "city_country_code": None if c is None else ("CN" if c == BEIJING else "US"),
         "bloc": None if c is None else ("East" if c == BEIJING else "West")}
        for w, y, c, k in zip(ids, years, city, rng.random(n) < 0.7)
    ])
    known = pd.concat([known, known.iloc[[3]].assign(bloc="East")], ignore_index=True)  # W3 twice: the first wins
    pool = np.concatenate([ids, np.array(["W404", "W405", None], dtype=object)])
    refs = frame("raw_references", [
        {"citing_work_id": c, "cited_work_id": d} for c, d in zip(rng.choice(ids, 3000), rng.choice(pool, 3000))
    ])
    citing = known[known["publication_year"] == 2015].drop_duplicates("work_id")
    raw = build_core_citations(refs, citing, known)
    got = conform(raw, "core_citations")  # typed as the IO manager writes it
    pd.testing.assert_frame_equal(got, _citations_by_merge(refs, citing, known))
    # a range run: the year's references in batches, the known papers one year at a time (read again
    # each time with no cache), an id known in two years counting by the earlier; non-OpenAlex ids too
    later = _papers([{"work_id": w, "publication_year": 2016} for w in ("W405", "X7", "W0405", "W3")])
    extra = [{"citing_work_id": c, "cited_work_id": d} for c, d in zip(citing["work_id"].iloc[:5], ("X7", "W0405", "W405", "W3", "X8"))]
    refs_x = pd.concat([refs, frame("raw_references", extra)], ignore_index=True)
    citing_x = pd.concat([citing, later.iloc[:2]], ignore_index=True)
    by_year = {str(y): known[known["publication_year"] == y] for y in range(2010, 2016)} | {"2016": later}
    reads = []

    class Counted(dict):
        def __getitem__(self, key):
            reads.append(key)
            return super().__getitem__(key)

    for cache_bytes in (0, KNOWN_PAPERS_CACHE_BYTES):  # the distinct cited ids indexed, or every year's papers
        reads.clear()
        known_x = KnownPapers(Counted(by_year), cache_bytes=cache_bytes)
        for years in (sorted(by_year)[:4], sorted(by_year)):  # two citing years of one run, the second reading every year
            expected = _citations_by_merge(refs_x, citing_x, pd.concat([by_year[y] for y in years], ignore_index=True))
            batches = list(core_citation_batches(lambda cols: [refs_x[cols].iloc[i:i + 700] for i in range(0, len(refs_x), 700)],
                                                 citing_x, known_x, years))
            assert len(batches) == -(-len(refs_x) // 700)
            pd.testing.assert_frame_equal(conform(pd.concat(batches, ignore_index=True), "core_citations"), expected)
        # cached: each year read once; else one read to learn that nothing fits, then every year whenever asked
        assert len(reads) == (1 + 4 + 7 if cache_bytes == 0 else 7)
    with pytest.raises(ValueError, match="first of"):
        known_x.cited_rows(["2011"], lambda: [])
    assert expected.loc[expected["cited_work_id"] == "W3", "cited_year"].iloc[-1] != 2016
    assert (expected.loc[expected["cited_work_id"].isin(["X7", "W0405"]), "resolution"] == "in_snapshot").all()
    # the ids kept in Arrow give the frame that Python strings give (object columns, each id a str)
    pd.testing.assert_frame_equal(raw, build_core_citations(refs.astype(object), citing, known), check_exact=True)
    assert (got["resolution"] == "external").sum() > 0 and len(got) < len(refs)


def test_author_city_is_the_yearly_mode_and_ai_scientist_needs_three_papers_half_ai():
    papers = _papers([
        {"work_id": "W1", "publication_year": 2015},
        {"work_id": "W2", "publication_year": 2015},
        {"work_id": "W3", "publication_year": 2015, "is_ai": False},
        {"work_id": "W4", "publication_year": 2016, "is_ai": False},
        {"work_id": "W5", "publication_year": 2016, "doc_type": "other"},
        {"work_id": "W6", "publication_year": 2016},
    ])
    a = frame("core_affiliations", [
        # A1: 2015 two papers in Beijing, one in Boston -> Beijing; career 4 papers, 2 AI -> AI scientist (exactly half)
        aff("W1", 0, "first", "A1", BEIJING, "CN", "East"),
        aff("W2", 1, "last", "A1", BEIJING, "CN", "East"),
        aff("W3", 0, "first", "A1", BOSTON, "US", "West"),
        aff("W4", 0, "first", "A1", BOSTON, "US", "West"),
        # A2: one paper each in Shanghai and Beijing in 2015 -> tie -> smaller GeoNames id (Shanghai 1796236)
        aff("W1", 1, "last", "A2", SHANGHAI, "CN", "East"),
        aff("W2", 0, "first", "A2", BEIJING, "CN", "East"),
        # A3: three papers, one AI -> not; the "other" work does not count as a paper
        aff("W3", 1, "last", "A3", LONDON, "GB", "West"),
        aff("W4", 1, "last", "A3", LONDON, "GB", "West"),
        aff("W5", 0, "first", "A3", LONDON, "GB", "West"),
        aff("W6", 0, "first", "A3", None, "GB", None),
    ])
    ay = build_author_years(a, papers).set_index(["author_id", "year"])
    assert ay.loc[("A1", 2015), "city_geonames_id"] == BEIJING
    assert ay.loc[("A1", 2016), "city_geonames_id"] == BOSTON
    assert (ay.loc[("A1", 2015), "n_papers_career"], ay.loc[("A1", 2015), "n_ai_papers_career"]) == (4, 2)
    assert ay.loc[("A1", 2015), "is_ai_scientist"]
    assert ay.loc[("A2", 2015), "city_geonames_id"] == SHANGHAI
    assert not ay.loc[("A2", 2015), "is_ai_scientist"], "two papers are not enough"
    assert ay.loc[("A3", 2016), "n_papers_year"] == 2, "the 'other' work is not a paper"
    assert ay.loc[("A3", 2016), "city_geonames_id"] == LONDON
    assert not ay.loc[("A3", 2015), "is_ai_scientist"], "3 papers, 1 AI: less than half"
    strict = build_author_years(a, papers, AiScientistRule(min_papers=3, min_ai_share=0.51)).set_index(["author_id", "year"])
    assert not strict.loc[("A1", 2015), "is_ai_scientist"]


def test_arrow_lookups_answer_as_pandas_does():
    """is_in / positions_in (Arrow hash tables) against pandas' own isin and Index.get_indexer,
    with nulls, repeats and keys of both string and object dtype."""
    from aigeo_assets.corpus.lookup import is_in, positions_in

    keys = pd.Series(["W1", None, "W3", "W1", "W9", "W2"], dtype="string")
    values = pd.Series(["W2", "W1", "W2", None, "W3"], dtype="string")
    expected_in = keys.astype(object).isin(set(values.dropna())).to_numpy()
    for k in (keys, keys.astype(object)):
        assert is_in(k, values).tolist() == expected_in.tolist()
        assert is_in(k, set(values.dropna())).tolist() == expected_in.tolist()
        assert positions_in(k, values).tolist() == [1, -1, 4, 1, -1, 0]  # the first occurrence
    first = pd.Index(values.drop_duplicates().dropna().astype(object))
    assert (positions_in(keys, first) == first.get_indexer(keys.astype(object))).all()
    assert not is_in(keys, []).any()


def test_arrow_lookups_over_a_long_value_set_answer_as_the_direct_table():
    """When the values outnumber the keys (VALUES_PER_KEY_TO_INVERT), the lookups hash the keys and
    probe them with the values: the same positions (first occurrences), nulls and repeats on both
    sides, as the direct table and as pandas' get_indexer; empty sides too."""
    import numpy as np

    from aigeo_assets.corpus import lookup
    from aigeo_assets.corpus.lookup import is_in, positions_in

    rng = np.random.default_rng(13)
    pool = np.array([f"W{i}" for i in range(60)], dtype=object)
    for n_keys, n_values in ((5, 400), (40, 300), (1, 3), (30, 30)):
        keys = pd.Series(rng.choice(pool, n_keys), dtype="string")
        values = pd.Series(rng.choice(pool, n_values), dtype="string")
        keys[rng.random(n_keys) < 0.2] = pd.NA
        values[rng.random(n_values) < 0.1] = pd.NA
        direct = lookup._index_in(lookup.arrow_strings(keys), lookup.arrow_strings(values))
        inverted = lookup._first_positions_by_key(lookup.arrow_strings(keys), lookup.arrow_strings(values))
        assert inverted.tolist() == direct.tolist()
        first = pd.Index(values.astype(object)).drop_duplicates().dropna()
        expected = [-1 if pd.isna(k) or k not in first else int(values.astype(object).eq(k).idxmax()) for k in keys.astype(object)]
        assert positions_in(keys, values).tolist() == expected
        assert is_in(keys, values).tolist() == [e >= 0 for e in expected]
    empty = pd.Series([], dtype="string")
    assert positions_in(empty, pd.Series(["W1", "W2", "W3"], dtype="string")).tolist() == []
    assert is_in(pd.Series(["W1", None], dtype="string"), []).tolist() == [False, False]


def test_runs_of_sorted_keys_start_and_end_where_pandas_groups_do():
    """run_starts and run_ends mark each group's first and last row of rows sorted by their keys, as
    pandas' groupby (sort=False) numbers them (cumcount 0, and cumcount from the end 0): one key or
    two, integers and strings, runs of one row, and no rows at all."""
    from aigeo_assets.corpus.lookup import run_ends, run_starts

    rng = np.random.default_rng(7)
    for n in (0, 1, 2, 9, 200):
        a = np.sort(rng.integers(0, 5, n))
        b = rng.choice(np.array(["x", "y"], dtype=object), n)
        order = np.lexsort((b, a))
        a, b = a[order], b[order]
        frame = pd.DataFrame({"a": a, "b": b})
        for keys, cols in (((a,), ["a"]), ((a, b), ["a", "b"]), ((b[np.argsort(b, kind="stable")],), None)):
            sorted_frame = frame[cols] if cols else pd.DataFrame({"b": keys[0]})
            groups = sorted_frame.groupby(list(sorted_frame.columns), sort=False)
            assert run_starts(*keys).tolist() == (groups.cumcount() == 0).tolist()
            assert run_ends(*keys).tolist() == (groups.cumcount(ascending=False) == 0).tolist()
    assert run_starts(np.array([3, 3, 1, 1, 3])).tolist() == [True, False, True, False, True]
    assert run_ends(np.array([3, 3, 1, 1, 3])).tolist() == [False, True, False, True, True]
    ids = pd.Series(["A1", "A1", "A10", "Ä2", "Ä2", "A9"], dtype="string")  # a string column: compared in Arrow
    assert run_starts(ids).tolist() == run_starts(ids.to_numpy(object)).tolist() == [True, False, True, True, False, True]
    assert run_ends(ids, np.array([1, 2, 2, 2, 2, 2])).tolist() == [True, True, True, False, True, True]
    with pytest.raises(ValueError, match="nulls"):
        run_starts(pd.Series(["A1", None], dtype="string"))


def test_factorize_sorted_is_pandas_sorted_factorize():
    """factorize_sorted numbers string keys in their sort order and gives the distinct keys in that
    order, of the column's dtype, as pandas.factorize(sort=True) does (code points, non-ASCII and
    prefixes included); nulls are refused."""
    from aigeo_assets.corpus.lookup import factorize_sorted

    rng = np.random.default_rng(5)
    pool = np.array(["A1", "A10", "A9", "A100", "Ä1", "a1", "A", "Z", "Å0", "A1 "], dtype=object)
    for dtype in ("string", "str"):
        for n in (0, 1, 7, 500):
            values = pd.Series(rng.choice(pool, n), dtype=dtype)
            codes, uniques = factorize_sorted(values)
            want_codes, want_uniques = pd.factorize(values, sort=True)
            assert codes.tolist() == want_codes.tolist()
            assert uniques.dtype == values.dtype and list(uniques) == list(want_uniques)
            assert factorize_sorted(values, uniques=False)[0].tolist() == want_codes.tolist()
    with pytest.raises(ValueError, match="nulls"):
        factorize_sorted(pd.Series(["A1", None], dtype="string"))


def _author_years_on_strings(affiliations: pd.DataFrame, papers: pd.DataFrame, rule: AiScientistRule) -> pd.DataFrame:
    """The oracle: build_author_years as it was written before its integer codes (string keys throughout)."""
    pap = papers[papers["doc_type"].isin(["journal", "conference"])][["work_id", "publication_year", "is_ai"]]
    aff = affiliations.dropna(subset=["author_id"])
    aff = aff[aff["work_id"].isin(pap["work_id"])]
    aw = aff[["author_id", "work_id"]].drop_duplicates().merge(pap, on="work_id")
    per_year = aw.groupby(["author_id", "publication_year"]).agg(n_papers_year=("work_id", "size"), n_ai_papers_year=("is_ai", "sum"))
    career = per_year.groupby(level="author_id").sum().rename(
        columns={"n_papers_year": "n_papers_career", "n_ai_papers_year": "n_ai_papers_career"})
    located = aff.dropna(subset=["city_geonames_id"])[["author_id", "work_id", "city_geonames_id", "country_code", "bloc"]]
    located = located.drop_duplicates(["author_id", "work_id", "city_geonames_id"]).merge(pap[["work_id", "publication_year"]], on="work_id")
    counts = (
        located.groupby(["author_id", "publication_year", "city_geonames_id"], as_index=False)
        .agg(n=("work_id", "size"), country_code=("country_code", "first"), bloc=("bloc", "first"))
        .sort_values(["author_id", "publication_year", "n", "city_geonames_id"], ascending=[True, True, False, True])
        .drop_duplicates(["author_id", "publication_year"]).set_index(["author_id", "publication_year"])
    )
    out = per_year.join(counts[["city_geonames_id", "country_code", "bloc"]]).join(career, on="author_id").reset_index()
    out = out.rename(columns={"publication_year": "year"})
    out["is_ai_scientist"] = (out["n_papers_career"] >= rule.min_papers) & (out["n_ai_papers_career"] >= rule.min_ai_share * out["n_papers_career"])
    return conform(out.sort_values(["author_id", "year"], ignore_index=True), "core_author_years")


@pytest.mark.parametrize("keys", ["dense", "sparse", "negative", "empty_left", "empty_right"])
def test_join_rows_equals_a_pandas_merge_on_both_paths(keys):
    """The row pairs of ``_join_rows`` (counting for dense codes, binary searches for others) are
    ``merge(how="inner")``'s, in its order: left order, a key repeated on the right gives its rows in
    right order, keys on one side only give nothing."""
    rng = np.random.default_rng(7)
    left, right = rng.integers(0, 50, 400), rng.integers(0, 60, 120)  # repeats on both sides; keys 50-59 right only
    if keys == "sparse":  # far beyond the rows: the binary searches
        left, right = left * 10**9, right * 10**9
    elif keys == "negative":
        left, right = left - 25, right - 25
    elif keys == "empty_left":
        left = left[:0]
    elif keys == "empty_right":
        right = right[:0]
    li, ri = _join_rows(left, right)
    oracle = pd.DataFrame({"k": left, "li": np.arange(len(left))}).merge(
        pd.DataFrame({"k": right, "ri": np.arange(len(right))}), on="k", how="inner", sort=False)
    assert len(li) == len(oracle) and (keys.startswith("empty") or len(li) > len(left) // 2)
    np.testing.assert_array_equal(li, oracle["li"].to_numpy())
    np.testing.assert_array_equal(ri, oracle["ri"].to_numpy())
    np.testing.assert_array_equal(left[li], right[ri])


def _random_author_tables(rng, n_works: int, n_rows: int, n_authors: int, years: tuple[int, int], ai_share: float,
                          type_shares: list[float] | None, cities: list[tuple]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Papers of ``years`` (end excluded) and their affiliations: authors A1.. (A0 has no id), up to
    five positions, each row in one of ``cities`` (city, country, bloc; any may be missing)."""
    works_ = [f"W{i}" for i in range(n_works)]
    papers = _papers([
        {"work_id": w, "publication_year": int(y), "is_ai": bool(a), "doc_type": str(d)}
        for w, y, a, d in zip(works_, rng.integers(*years, n_works), rng.random(n_works) < ai_share,
                              rng.choice(["journal", "conference", "other"], n_works, p=type_shares))
    ])
    rows = []
    for w, a, k in zip(rng.choice(works_, n_rows), rng.integers(0, n_authors, n_rows), rng.integers(0, len(cities), n_rows)):
        city, cc, bloc = cities[k]
        rows.append(aff(w, int(a) % 5, "middle", None if a == 0 else f"A{a}", city, cc, bloc))
    return papers, frame("core_affiliations", rows)


@pytest.mark.parametrize("seed", [0, 1])
def test_author_years_equal_the_string_keyed_version_on_random_tables(seed):
    """Integer codes change nothing: ties between cities, unlocated rows, authors without id,
    works outside the corpus types, an author twice on a paper."""
    cities = [(BEIJING, "CN", "East"), (SHANGHAI, "CN", "East"), (BOSTON, "US", "West"), (None, None, None)]
    papers, affiliations = _random_author_tables(np.random.default_rng(seed), 300, 1500, 120, (2010, 2016), 0.6, None, cities)
    rule = AiScientistRule()
    got = conform(build_author_years(affiliations, papers, rule), "core_author_years")  # typed as the IO manager writes it
    pd.testing.assert_frame_equal(got, _author_years_on_strings(affiliations, papers, rule))


@pytest.mark.parametrize("seed", [2, 3])
def test_author_years_on_hostile_tables_and_partitions_equal_the_string_keyed_version(seed, tmp_path):
    """What the integer codes must carry through as the string-keyed version does: a work in two
    years' papers (counted in both), papers without a year or an AI flag, affiliations without a work
    id, a city whose country or bloc is missing on some rows (the first known one wins), ids of other
    forms; and the affiliations given as a table per partition (read on access) equal the one table."""
    from aigeo_assets.resources.io import LazyPartitions

    rng = np.random.default_rng(seed)
    n_works, n_rows = 240, 1600
    works_ = [f"W{i}" if i % 5 else f"work-{i}" for i in range(n_works)]
    prows = [{"work_id": w, "publication_year": int(y), "is_ai": None if k == 0 else bool(a), "doc_type": str(d)}
             for w, y, a, d, k in zip(works_, rng.integers(2010, 2016, n_works), rng.random(n_works) < 0.6,
                                      rng.choice(["journal", "conference", "other"], n_works, p=[0.6, 0.3, 0.1]), rng.integers(0, 12, n_works))]
    prows += [{**prows[i], "publication_year": prows[i]["publication_year"] + 1} for i in range(0, 30, 3)]  # in two years
    prows += [{**prows[i], "work_id": f"W9{i}", "publication_year": None} for i in range(5)]  # no year
    papers = _papers(prows)
    cities = [(BEIJING, "CN", "East"), (BEIJING, None, "East"), (SHANGHAI, "CN", None), (BOSTON, "US", "West"), (BOSTON, None, None), (None, "US", "West")]
    rows = []
    for w, a, k in zip(rng.choice(works_ + ["W9000"], n_rows), rng.integers(0, 90, n_rows), rng.integers(0, len(cities), n_rows)):
        city, cc, bloc = cities[k]
        rows.append(aff(None if a == 1 else w, int(a) % 5, "middle", None if a == 0 else (f"A{a}" if a % 7 else f"author {a}"), city, cc, bloc))
    affiliations = frame("core_affiliations", rows)
    rule = AiScientistRule()
    expected = _author_years_on_strings(affiliations, papers, rule)
    assert expected["country_code"].notna().sum() > 50 and (expected["n_papers_year"] > 1).any()
    got = conform(build_author_years(affiliations, papers, rule), "core_author_years")
    pd.testing.assert_frame_equal(got, expected)
    parts = {str(y): g.reset_index(drop=True) for y, g in affiliations.groupby(np.arange(len(affiliations)) // 400)}
    lazy = LazyPartitions({k: (lambda t=t: t) for k, t in parts.items()})
    pd.testing.assert_frame_equal(conform(build_author_years(lazy, papers, rule), "core_author_years"), expected)
    # the papers as the asset reads them: its columns, journal and conference papers only (AUTHOR_YEAR_PAPER_ROWS)
    read = read_as_input(papers, tmp_path, AUTHOR_YEAR_INPUT_COLUMNS["core_papers"], AUTHOR_YEAR_PAPER_ROWS)
    assert len(read) < len(papers)
    pd.testing.assert_frame_equal(conform(build_author_years(affiliations, read, rule), "core_author_years"), expected)


def _by_year(affiliations: pd.DataFrame, papers: pd.DataFrame) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """Each year's affiliations (those of the year's works, in their order) and papers, as the yearly
    partitions hold them."""
    year_of = papers.dropna(subset=["publication_year"]).drop_duplicates("work_id").set_index("work_id")["publication_year"]
    aff_year = affiliations["work_id"].map(year_of)
    return {str(int(y)): (affiliations[aff_year.eq(y).fillna(False).to_numpy(bool)].reset_index(drop=True),
                          papers[papers["publication_year"].eq(y).fillna(False).to_numpy(bool)].reset_index(drop=True))
            for y in sorted(year_of.unique())}


@pytest.mark.parametrize("seed", [4, 5])
def test_careers_over_yearly_places_equal_the_author_years_of_all_years_at_once(seed):
    """``core_author_years`` from the yearly ``core_author_year_places`` (issue 13: a new year adds a
    year's table instead of counting every career again) equals ``build_author_years`` on every
    year's tables at once, the oracle of the tests above: ties, unlocated rows, missing countries,
    other document types, authors in one year or several; the yearly tables given as a mapping in
    any key order, or typed as the IO manager writes and reads them. A mutation (a year's table left
    out) changes the careers."""
    cities = [(BEIJING, "CN", "East"), (BEIJING, None, "East"), (SHANGHAI, "CN", "East"), (BOSTON, "US", "West"), (None, "US", "West")]
    papers, affiliations = _random_author_tables(np.random.default_rng(seed), 400, 2400, 150, (2010, 2017), 0.55, [0.6, 0.3, 0.1], cities)
    rule = AiScientistRule()
    expected = conform(build_author_years(affiliations, papers, rule), "core_author_years")
    assert expected["is_ai_scientist"].any() and not expected["is_ai_scientist"].all()
    assert (expected.groupby("author_id")["year"].nunique() > 2).any()
    yearly = {y: author_year_places(a, p) for y, (a, p) in _by_year(affiliations, papers).items()}
    assert len(yearly) == 7
    pd.testing.assert_frame_equal(conform(author_careers(yearly, rule), "core_author_years"), expected)
    shuffled = {k: conform(yearly[k], "core_author_year_places") for k in sorted(yearly, reverse=True)}
    pd.testing.assert_frame_equal(conform(author_careers(shuffled, rule), "core_author_years"), expected)
    one_left_out = conform(author_careers({k: v for k, v in yearly.items() if k != "2013"}, rule), "core_author_years")
    assert len(one_left_out) < len(expected)
    kept = expected[expected["year"] != 2013].reset_index(drop=True)
    assert (one_left_out["n_papers_career"] != kept["n_papers_career"]).any()


def test_a_work_in_two_years_counts_with_each_years_own_affiliations():
    """Two records share an id in two years' papers (``core_author_years``' check ``no_work_in_two_years``
    flags it): by year, each record's affiliations count with that year's paper only, where every
    year's affiliations read together would give each author the work in both years."""
    papers = _papers([
        {"work_id": "W1", "publication_year": 2014, "is_ai": True},
        {"work_id": "W1", "publication_year": 2016, "is_ai": False},
        {"work_id": "W2", "publication_year": 2016, "is_ai": True},
    ])
    a2014 = frame("core_affiliations", [aff("W1", 0, "first", "A1", BEIJING, "CN", "East")])
    a2016 = frame("core_affiliations", [aff("W1", 0, "first", "A2", BOSTON, "US", "West"),
                                        aff("W2", 0, "first", "A2", BOSTON, "US", "West")])
    p2014, p2016 = (papers[papers["publication_year"] == y].reset_index(drop=True) for y in (2014, 2016))
    by_year = author_careers({"2014": author_year_places(a2014, p2014), "2016": author_year_places(a2016, p2016)})
    got = {(r.author_id, int(r.year)): (int(r.n_papers_year), int(r.n_ai_papers_year)) for r in by_year.itertuples()}
    assert got == {("A1", 2014): (1, 1), ("A2", 2016): (2, 1)}
    together = build_author_years(pd.concat([a2014, a2016], ignore_index=True), papers)
    got = {(r.author_id, int(r.year)): (int(r.n_papers_year), int(r.n_ai_papers_year)) for r in together.itertuples()}
    assert got == {("A1", 2014): (1, 1), ("A1", 2016): (1, 0), ("A2", 2014): (1, 1), ("A2", 2016): (2, 1)}


@pytest.mark.parametrize("seed", [0, 1])
def test_works_in_two_years_counts_what_pandas_counts_on_the_ids_as_strings(seed):
    """``core_author_years``' check ``no_work_in_two_years``, on integer codes one year at a time: the
    distinct ids listed more than once (in two years, or twice in one), as pandas counts them on the
    years' ids concatenated as strings; nulls and ids that are not OpenAlex's included."""
    from aigeo_assets.corpus.papers import works_in_two_years

    rng = np.random.default_rng(seed)
    pool = np.array([f"W{i}" for i in range(300)] + ["X1", "W007", "W7x", None], dtype=object)
    years = [pd.Series(rng.choice(pool, n), dtype="string") for n in (120, 90, 0, 150)]
    ids = pd.concat(years, ignore_index=True)
    expected = int(ids[ids.duplicated(keep=False)].nunique())
    assert expected > 0 and works_in_two_years(years) == expected
    assert works_in_two_years([pd.Series(["W1", "W2"], dtype="string"), pd.Series(["W3", None, None], dtype="string")]) == 0
    assert works_in_two_years([]) == 0


def test_whole_runs_cut_batches_only_between_two_values():
    """``whole_runs``: the rows again, in order, each batch ending where the key changes (a batch that is
    one run joins the next; a null at a batch's end cuts there); no row lost or repeated."""
    from aigeo_assets.corpus.lookup import whole_runs

    keys = ["a", "a", "b", "b", "b", "b", "b", "c", "d", "d", None, "e", "e"]
    df = pd.DataFrame({"work_id": pd.array(keys, dtype="string"), "row": range(len(keys))})
    got = list(whole_runs((df.iloc[lo:lo + 3] for lo in range(0, len(df), 3)), "work_id"))
    assert [b["row"].tolist() for b in got] == [[0, 1], [2, 3, 4, 5, 6, 7], [8, 9, 10], [11, 12]]
    assert list(whole_runs(iter([df.iloc[:0], df.iloc[:0]]), "work_id")) == []
    one = list(whole_runs(iter([df]), "work_id"))  # the last run waits for a batch that never comes: yielded at the end
    assert [b["row"].tolist() for b in one] == [list(range(11)), [11, 12]]
