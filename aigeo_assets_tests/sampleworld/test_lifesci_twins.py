"""The sample world's OpenAlex twins of its PubMed records (issue 14, linking), tiny scale.

Everything is read back from the written files with readers of this module (``gzip`` + ``json``
for the works and institutions parts, ``xml.etree`` for the PubMed baseline) and a clinical
filter of its own (the Haynes treatment query on title/abstract words, re-implemented here), and
compared with ``truth_lifesci.json``: the truth's per-article counts are what the files say.
"""

from __future__ import annotations

import gzip
import json
import math
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from aigeo_assets.sampleworld import generate_world
from aigeo_assets.sampleworld.lifesci import CLINICAL_PATTERN

SEED = 20221121
OA = "https://openalex.org/"
PM = "https://pubmed.ncbi.nlm.nih.gov/"
ML, AI = "C119857082", "C154945302"


def _short(x: str) -> str:
    return x.rsplit("/", 1)[-1]


def _treatment(text: str) -> bool:
    """Haynes 2005 treatment strategy on title/abstract: (clinical AND trial) OR random*."""
    words = re.findall(r"\w+", text.lower())
    return ("clinical" in words and "trial" in words) or any(w.startswith("random") for w in words)


def _aii_text(aii: dict | None) -> str:
    if not aii:
        return ""
    return " ".join(w for _, w in sorted((p, w) for w, ps in aii.items() for p in ps))


def _read_jsonl(parts: list[Path]) -> list[dict]:
    out = []
    for part in parts:
        with gzip.open(part, "rb") as fh:
            for line in fh:
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError:  # AlShebli et al. 2022's planted malformed lines
                    pass
    return out


def _pubmed(root: Path) -> dict[str, dict]:
    recs = {}
    for path in sorted((root / "pubmed" / "baseline").glob("pubmed26n*.xml.gz")):
        for line in gzip.decompress(path.read_bytes()).decode("utf-8").split("\n"):
            if not line.startswith("<PubmedArticle>"):
                continue
            try:
                rec = ET.fromstring(line)
            except ET.ParseError:
                continue  # the truncated last record
            mc = rec.find("MedlineCitation")
            if mc.find("PMID") is None:
                continue
            art = mc.find("Article")
            ids = {a.get("IdType"): a.text for a in rec.findall("PubmedData/ArticleIdList/ArticleId")}
            pd_ = art.find("Journal/JournalIssue/PubDate")
            year = pd_.find("Year").text if pd_.find("Year") is not None else pd_.find("MedlineDate").text[:4]
            persons = [a for a in art.findall("AuthorList/Author") if a.find("LastName") is not None]
            recs[mc.find("PMID").text] = {
                "doi": ids.get("doi"), "year": int(year),
                "title": "".join(art.find("ArticleTitle").itertext()),
                "abstract": " ".join("".join(a.itertext()) for a in art.findall("Abstract/AbstractText")),
                "names": [f"{a.find('ForeName').text} {a.find('LastName').text}" for a in persons],
                "affiliated": [a.find("AffiliationInfo") is not None for a in persons],
                "cited": [a.text for a in rec.findall("PubmedData/ReferenceList/Reference/ArticleIdList/ArticleId")
                          if a.get("IdType") == "pubmed"],
            }
    return recs


@pytest.fixture(scope="module")
def world(tiny_world) -> dict:
    root = tiny_world.generated(SEED)  # generate_world(..., "tiny", SEED), made once per session
    works_dir, inst_dir = root / "data" / "works", root / "data" / "institutions"
    ls_parts = sorted(works_dir.glob("updated_date=*/part_ls*.gz"))
    return {
        "root": root,
        "truth": json.loads((root / "truth_lifesci.json").read_text()),
        "truth000": json.loads((root / "truth.json").read_text()),
        "ls_parts": ls_parts,
        "twins": _read_jsonl(ls_parts),
        "alshebli2022": _read_jsonl(sorted(works_dir.glob("updated_date=*/part_[0-9]*.gz"))),
        "institutions": {_short(r["id"]): r for r in _read_jsonl(sorted(inst_dir.glob("updated_date=*/part_*.gz")))},
        "inst000": {_short(r["id"]) for r in _read_jsonl(sorted(inst_dir.glob("updated_date=*/part_[0-9]*.gz")))},
        "pubmed": _pubmed(root),
    }


def _by_pmid(works: list[dict]) -> dict[str, dict]:
    return {w["ids"]["pmid"][len(PM):]: w for w in works if "pmid" in w["ids"]}


# ---- tests ---------------------------------------------------------------------------------
def test_twins_carry_the_records_ids_years_and_words(world):
    truth, pubmed, twins = world["truth"], world["pubmed"], world["twins"]
    by_id = {_short(w["id"]): w for w in twins}
    assert len(by_id) == len(twins) == truth["openalex_twins"]["records"]
    by_pmid = _by_pmid(twins)
    for pmid, w in by_pmid.items():  # every twin with a PMID is the record's: DOI, title, abstract words
        rec = pubmed[pmid]
        assert w["doi"] == (f"https://doi.org/{rec['doi']}" if rec["doi"] else None) == w["ids"].get("doi")
        assert w["title"] == w["display_name"] == rec["title"]
        assert _aii_text(w["abstract_inverted_index"]).split() == rec["abstract"].split()
        assert w["type"] == "article"
    art = truth["articles"]
    assert art["sampling"] == "all AI articles"
    dois = {w["doi"]: w for w in twins if w["doi"]}
    for pmid, year, wid, link, oyear in zip(art["pmid"], art["year"], art["work_id"], art["link"], art["openalex_year"]):
        rec = pubmed[pmid]
        if link == "pmid":
            w = by_pmid[pmid]
            assert _short(w["id"]) == wid
        elif link == "doi":
            w = by_id[wid]
            assert "pmid" not in w["ids"] and rec["doi"] and w["doi"] == f"https://doi.org/{rec['doi']}"
            assert w["title"] == rec["title"]
        else:
            assert wid is None and oyear is None and pmid not in by_pmid
            assert not rec["doi"] or f"https://doi.org/{rec['doi']}" not in dois
            continue
        assert w["publication_year"] == oyear and oyear in (year, year - 1)
    n = len(art["pmid"])
    kinds = Counter(art["link"])
    assert kinds == Counter(truth["openalex_twins"]["ai_article_twins_by_link"])
    sd = math.sqrt(0.85 * 0.15 / n)
    assert abs(kinds["pmid"] / n - 0.85) < 4 * sd and 0 < kinds["doi"] < 0.1 * n
    shifted = sum(1 for y, o in zip(art["year"], art["openalex_year"]) if o is not None and o != y)
    assert shifted == truth["openalex_twins"]["ai_article_twins_year_shifted"] and 0 < shifted < 0.08 * n
    # every citing record (a non-AI record citing an AI article) has a twin with its PMID
    ai = set(art["pmid"])
    citing = [p for p, r in pubmed.items() if p not in ai and set(r["cited"]) & ai]
    assert len(citing) == truth["counts"]["citing_records"] == truth["openalex_twins"]["citing_record_twins"]
    assert all(p in by_pmid for p in citing)
    # OpenAlex-only citers: no PMID, not a PubMed record's title
    oa_only = [w for w in twins if "pmid" not in w["ids"] and w["doi"] is None]
    titles = {r["title"] for r in pubmed.values()}
    assert len(oa_only) == truth["openalex_twins"]["openalex_only_citers"] > 0
    assert not any(w["title"] in titles for w in oa_only)


def test_ids_never_collide_with_alshebli2022(world):
    twins, alshebli2022, pubmed = world["twins"], world["alshebli2022"], world["pubmed"]
    pm000 = [w["ids"]["pmid"][len(PM):] for w in alshebli2022 if "pmid" in w["ids"]]
    assert pm000 and all(int(p) % 8 != 3 for p in pm000) and not set(pm000) & set(pubmed)
    assert all(int(p) % 8 == 3 for p in pubmed)
    ids000 = {_short(w["id"]) for w in alshebli2022}
    refs000 = {_short(r) for w in alshebli2022 for r in w["referenced_works"]}  # out-of-corpus ids included
    ids_ls = {_short(w["id"]) for w in twins}
    assert not ids_ls & ids000 and not ids_ls & refs000
    a000 = {a["author"]["id"] for w in alshebli2022 for a in w["authorships"]}
    a_ls = {a["author"]["id"] for w in twins for a in w["authorships"]}
    assert not a000 & a_ls
    assert len(a_ls) == sum(len(w["authorships"]) for w in twins)  # one id per authorship
    i_ls = {_short(i["id"]) for w in twins for a in w["authorships"] for i in a["institutions"]}
    assert i_ls and not i_ls & world["inst000"]


def test_manifests_list_the_twins_parts(world):
    root, truth = world["root"], world["truth"]
    for entity, parts in (("works", truth["openalex_twins"]["parts"]),
                          ("institutions", [truth["openalex_twins"]["institutions_part"]])):
        doc = json.loads((root / "data" / entity / "manifest").read_text())
        listed = {e["url"].split("s3://openalex/", 1)[1]: e["meta"]["record_count"] for e in doc["entries"]}
        for p in parts:
            with gzip.open(root / p["file"], "rb") as fh:
                lines = sum(1 for _ in fh)
            assert listed[p["file"]] == p["records"] == lines
    assert len(world["ls_parts"]) == len(truth["openalex_twins"]["parts"]) == len(truth["files"])


def test_citation_truth_is_what_the_files_say(world):
    """OpenAlex citations (referenced_works pointing at a twin), PubMed ReferenceList citations and
    their clinical parts (this module's treatment filter on the citers' words) per article."""
    truth, pubmed, twins = world["truth"], world["pubmed"], world["twins"]
    art = truth["articles"]
    oa, oa_clin = Counter(), Counter()
    for w in twins:
        if not w["referenced_works"]:
            continue
        clin = _treatment(w["title"] + " " + _aii_text(w["abstract_inverted_index"]))
        # citers are clinical as trials only: the broad filter's markers give the same answer
        assert clin == bool(CLINICAL_PATTERN.search(w["title"] + " " + _aii_text(w["abstract_inverted_index"])))
        hits = [_short(r) for r in w["referenced_works"]]
        assert len(hits) == len(set(hits))
        for h in hits:
            oa[h] += 1
            oa_clin[h] += clin
    assert not {_short(r) for w in world["alshebli2022"] for r in w["referenced_works"]} & set(oa)
    ai = set(art["pmid"])
    pm, pm_clin = Counter(), Counter()
    for p, r in pubmed.items():
        if p in ai:
            continue
        clin = _treatment(r["title"] + " " + r["abstract"])
        for c in set(r["cited"]) & ai:
            pm[c] += 1
            pm_clin[c] += clin
    for i, pmid in enumerate(art["pmid"]):
        assert pm[pmid] == art["pubmed_citations"][i] and pm_clin[pmid] == art["pubmed_clinical_citations"][i]
        wid = art["work_id"][i]
        if wid is None:
            continue
        assert oa[wid] == art["citations"][i] and oa_clin[wid] == art["clinical_citations"][i]
    conf = truth["conference_papers"]["papers"]
    for i, wid in enumerate(conf["work_id"]):  # conference papers: OpenAlex's count; OpenAlex-only ones have no PMID
        assert oa[wid] == conf["citations"][i] and oa_clin[wid] == conf["clinical_citations"][i]
        if conf["source"][i] == "openalex":
            assert conf["pubmed_citations"][i] == 0
    # only AI articles' twins and conference papers are cited
    assert set(oa) <= {w for w in art["work_id"] if w} | set(conf["work_id"])
    # binomial thinning: the PubMed part is about 1 - OPENALEX_ONLY_CITER_SHARE of the total
    tw = truth["openalex_twins"]["citations_of_twinned_articles"]
    assert abs(tw["pubmed"] / tw["openalex"] - 0.8) < 0.03
    assert 0.15 < tw["openalex_clinical"] / tw["openalex"] < 0.3
    # the OpenAlex-only citers' clinical flags are decidable from their words
    oa_only = [w for w in twins if "pmid" not in w["ids"] and w["doi"] is None]
    assert sum(_treatment(w["title"] + " " + _aii_text(w["abstract_inverted_index"])) for w in oa_only) == \
        truth["openalex_twins"]["clinical_openalex_only_citers"] > 0


def test_twin_authorships_countries_and_topics(world):
    truth, pubmed, twins = world["truth"], world["pubmed"], world["twins"]
    insts = world["institutions"]
    by_id = {_short(w["id"]): w for w in twins}
    art = truth["articles"]
    region_of = truth["definitions"]["country_region"]
    topics = Counter()
    for i, pmid in enumerate(art["pmid"]):
        wid = art["work_id"][i]
        if wid is None:
            assert art["topic"][i] is None
            continue
        w, rec = by_id[wid], pubmed[pmid]
        auths = w["authorships"]
        assert [a["author"]["display_name"] for a in auths] == rec["names"]  # every person, byline order
        for a in auths:
            assert a["institutions"] and all(insts[_short(x["id"])]["country_code"] == a["countries"][0]
                                             and insts[_short(x["id"])]["geo"]["country_code"] == a["countries"][0]
                                             for x in a["institutions"])
        ccs = sorted({a["countries"][0] for a in auths})
        assert ccs == art["countries"][i]
        assert auths[-1]["countries"][0] == art["lead_country"][i]
        assert auths[-1]["author_position"] == ("last" if len(auths) > 1 else "first")
        assert (len(ccs) >= 2) == art["international"][i]
        assert region_of[art["lead_country"][i]] == art["lead_region"][i]
        # concepts: "Machine learning" scores highest; the planted topic is the best non-AI level-1 one
        cs = w["concepts"]
        assert _short(cs[0]["id"]) == ML and cs[0]["level"] == 1
        assert all(c["score"] < 0.3 for c in cs if _short(c["id"]) == AI)
        level1 = [c for c in cs if c["level"] == 1 and _short(c["id"]) not in (ML, AI)]
        assert 1 <= len(level1) <= 3
        assert max(level1, key=lambda c: c["score"])["display_name"] == art["topic"][i]
        assert any(c["level"] == 0 and c["display_name"] in ("Medicine", "Biology") for c in cs)
        assert w["primary_topic"] is None and w["topics"] == []
        topics[art["topic"][i]] += 1
    assert len(topics) >= 6
    # the PubMed strings alone under-state international collaboration before 2014
    pre = [(i, p) for i, p, y in zip(art["international"], art["pubmed_international"], art["year"]) if y < 2014]
    assert sum(i for i, _ in pre) > 2 * sum(p for _, p in pre)


def test_twins_stay_out_of_the_alshebli2022_ai_corpus(world):
    for w in world["twins"]:
        assert not any(_short(c["id"]) == AI and c["score"] >= 0.3 for c in w["concepts"])
        assert not ((w.get("primary_topic") or {}).get("subfield", {}).get("id", "").endswith("/1702"))


def test_first_author_only_affiliations_before_2014(world):
    truth, pubmed = world["truth"], world["pubmed"]
    art = truth["articles"]
    pre, post = [], []
    for pmid, year in zip(art["pmid"], art["year"]):
        aff = pubmed[pmid]["affiliated"]
        if len(aff) < 2:
            continue
        first_only = aff[0] and not any(aff[1:])
        (pre if year < 2014 else post).append(first_only)
    assert not any(post)
    sd = math.sqrt(0.9 * 0.1 / len(pre))
    assert len(pre) > 50 and abs(sum(pre) / len(pre) - 0.9) < 4 * sd + 0.02  # a few records show no other persons
    assert sum(pre) == truth["openalex_twins"]["pre2014_first_author_only_records"]


def test_lifesci_end_year_is_a_world_parameter(tmp_path):
    root = generate_world(tmp_path / "w", "tiny", SEED, 2018, 2019, workers=1, lifesci_end_year=2006)
    main = json.loads((root / "truth.json").read_text())
    ls = json.loads((root / "truth_lifesci.json").read_text())
    assert main["parameters"]["lifesci_end_year"] == 2006 and ls["parameters"]["years"] == list(range(2000, 2007))
    assert max(w["publication_year"] for w in _read_jsonl(sorted((root / "data" / "works").glob("*/part_ls*.gz")))) <= 2006
    again = generate_world(tmp_path / "w", "tiny", SEED, 2018, 2019, workers=1, lifesci_end_year=2007)
    assert json.loads((again / "truth_lifesci.json").read_text())["parameters"]["years"][-1] == 2007


# ---- the atlas's OpenAlex conference papers (issue 14, item 7) --------------------------------
LIFE_ROOTS = {"Biology", "Chemistry", "Medicine", "Psychology"}
AI_WORDS = re.compile(r"machine[- ]learning|deep[- ]learning|neural[- ]networks?|random[- ]forests?|support[- ]vector"
                      r"|artificial intelligence|natural[- ]language processing|convolutional", re.I)


def _atlas_conference_paper(w: dict) -> bool:
    """Schmallenbach et al. 2024's rule, read here: venue type conference, a level-0 Biology/Chemistry/Medicine/
    Psychology concept (any score), an AI keyword in title or abstract."""
    src = (w.get("primary_location") or {}).get("source") or {}
    return (src.get("type") == "conference"
            and any(c["level"] == 0 and c["display_name"] in LIFE_ROOTS for c in w["concepts"])
            and bool(AI_WORDS.search((w["title"] or "") + " " + _aii_text(w["abstract_inverted_index"]))))


def test_conference_papers_read_back_equal_the_truth(world):
    """Every planted conference paper, read from the works parts: its conference (venue type
    conference, a CORE row), a life-science root and the planted topic as the best non-AI level-1
    concept, its AI keyword in title/abstract, its authors' countries (lead = last), PMID and DOI
    (source both: the PubMed record's) and citations counted from the written referenced_works."""
    truth, twins, pubmed, root = world["truth"], world["twins"], world["pubmed"], world["root"]
    conf = truth["conference_papers"]["papers"]
    by_id = {_short(w["id"]): w for w in twins}
    with (root / "rankings" / "conference_ranking.csv").open() as fh:
        core = {row["title"]: row["rank"] for row in __import__("csv").DictReader(fh)}
    cited = Counter(_short(r) for w in twins for r in w["referenced_works"])
    region_of = truth["definitions"]["country_region"]
    n = len(conf["work_id"])
    assert n == truth["counts"]["openalex_conference_papers"] > 0
    assert Counter(conf["source"]) == {"openalex": truth["counts"]["openalex_conference_papers_openalex_only"],
                                       "both": truth["counts"]["openalex_conference_papers_with_pubmed_record"]}
    art = truth["articles"]
    art_pmid = dict(zip(art["pmid"], range(len(art["pmid"]))))
    for i, wid in enumerate(conf["work_id"]):
        w = by_id[wid]
        src = w["primary_location"]["source"]
        assert src["type"] == "conference" and src["display_name"] == conf["conference"][i]
        assert core[src["display_name"]] == conf["core_rank"][i] and conf["high_ranked"][i] == (conf["core_rank"][i] == "A*")
        assert w["primary_location"]["raw_type"] == "proceedings-article" and w["publication_year"] == conf["year"][i]
        assert _atlas_conference_paper(w)
        text = w["title"] + " " + _aii_text(w["abstract_inverted_index"])
        assert conf["ai_keyword"][i].split()[0] in text.lower().replace("-", " ")
        level1 = [c for c in w["concepts"] if c["level"] == 1 and _short(c["id"]) not in (ML, AI)]
        assert max(level1, key=lambda c: c["score"])["display_name"] == conf["topic"][i]
        ccs = [a["countries"][0] for a in w["authorships"]]
        assert sorted(set(ccs)) == conf["countries"][i] and ccs[-1] == conf["lead_country"][i]
        assert (len(set(ccs)) >= 2) == conf["international"][i] and region_of[ccs[-1]] == conf["lead_region"][i]
        assert len(ccs) == conf["n_authors"][i] or conf["source"][i] == "both"  # a group author has no authorship
        assert cited[wid] == conf["citations"][i] == w["cited_by_count"]
        if conf["source"][i] == "both":  # the PubMed record: same PMID, DOI, title; its row in articles
            pmid = conf["pmid"][i]
            assert w["ids"]["pmid"] == PM + pmid and w["title"] == pubmed[pmid]["title"]
            assert w["doi"] == (f"https://doi.org/{pubmed[pmid]['doi']}" if pubmed[pmid]["doi"] else None)
            j = art_pmid[pmid]
            assert art["outlet_kind"][j] == "conference" and art["conference"][j] == conf["conference"][i]
            assert art["work_id"][j] == wid and art["link"][j] == "pmid" and art["citations"][j] == conf["citations"][i]
        else:
            assert "pmid" not in w["ids"] and conf["pmid"][i] is None and w["doi"] == f"https://doi.org/{conf['doi'][i]}"
            assert conf["pubmed_citations"][i] == 0
    assert sum(k == "conference" for k in art["outlet_kind"]) == Counter(conf["source"])["both"]
    # the rule, applied to the whole life-science part, finds exactly the planted conference papers
    assert {_short(w["id"]) for w in twins if _atlas_conference_paper(w)} == set(conf["work_id"])
    assert len(set(conf["conference"])) >= 3


def test_no_alshebli2022_work_is_an_atlas_conference_paper(world):
    """AlShebli et al. 2022's life-science works in conference venues (MICCAI, EMBC, BIBM) carry no
    life-science level-0 concept (``generator.NOT_LIFESCI_ROOT_OF``): the atlas's rule finds none,
    although many are in those venues with an AI keyword."""
    alshebli2022 = world["alshebli2022"]
    assert not any(_atlas_conference_paper(w) for w in alshebli2022)
    conf_kw = [w for w in alshebli2022 if ((w.get("primary_location") or {}).get("source") or {}).get("type") == "conference"
               and AI_WORDS.search((w["title"] or "") + " " + _aii_text(w["abstract_inverted_index"]))]
    swapped = [w for w in conf_kw if any(c["level"] == 0 and c["display_name"] in
                                         ("Environmental science", "Geography", "Sociology", "Political science")
                                         for c in w["concepts"])]
    assert len(conf_kw) > 50 and len(swapped) > 5
