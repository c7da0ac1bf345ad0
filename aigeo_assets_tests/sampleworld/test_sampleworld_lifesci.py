"""Tests of the life-science part of the sample world (``aigeo_assets.sampleworld.lifesci``), tiny scale.

The XML is read here with ``xml.etree.ElementTree`` and a small affiliation parser of our own
(longest known country name ending the string), independent of the pipeline's PubMed reader.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from aigeo_assets.sampleworld.lifesci import (
    AI_TERMS,
    CLINICAL_PATTERN,
    CONFERENCE_COLUMNS,
    JOURNAL_COLUMNS,
    NONAI_FORBIDDEN,
    generate_lifesci,
)
from aigeo_assets.sampleworld import vocab as V

SEED = 20221121
START, END = 2000, 2022  # the life-science years by default
CLINICAL_PT = {"Randomized Controlled Trial", "Clinical Trial"}
_EMAIL = re.compile(r"\s*(?:Electronic address:\s*)?[^\s@]+@[^\s@]+\s*$")


def _hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("lifesci") / "world"
    truth = generate_lifesci(root, "tiny", SEED, START, END)
    return root, truth


# ---- reading the XML ---------------------------------------------------------------------------
def _text(el) -> str:
    return "" if el is None else "".join(el.itertext())


def _norm(s: str) -> str:
    return re.sub(r"[\s\-]+", " ", s.lower())


class _Names:
    """Affiliation string -> country code by the longest known country name ending it."""

    def __init__(self, country_names: dict[str, list[str]]):
        pairs = [(v.rstrip("."), cc) for cc, vs in country_names.items() for v in vs]
        self.pairs = sorted(pairs, key=lambda p: -len(p[0]))

    def country(self, affiliation: str) -> str | None:
        s = _EMAIL.sub("", affiliation.strip()).strip().rstrip(".").strip()
        for v, cc in self.pairs:
            if s == v or s.endswith(", " + v):
                return cc
        return None

    def countries(self, affiliation: str) -> set[str]:
        return {c for part in affiliation.split("; ") if (c := self.country(part)) is not None}


def _records(path: Path) -> tuple[list[ET.Element], bool]:
    """Complete records of a file, one per line, and whether the file parsed as a whole."""
    data = gzip.decompress(path.read_bytes()).decode("utf-8")
    try:
        ET.fromstring(data)
        whole = True
    except ET.ParseError:
        whole = False
    lines = data.split("\n")
    assert lines[0] == '<?xml version="1.0" ?>' and lines[1].startswith("<!DOCTYPE PubmedArticleSet")
    assert lines[2] == "<PubmedArticleSet>"
    recs = []
    for line in lines[3:]:
        if not line.startswith("<PubmedArticle>"):
            continue
        try:
            recs.append(ET.fromstring(line))
        except ET.ParseError:
            assert not whole  # only the truncated tail may fail
    return recs, whole


def _parse_world(root: Path, truth: dict) -> dict:
    names = _Names(truth["definitions"]["country_names"])
    out = {"files": {}, "ai": {}, "refs": [], "nonai_clinical": {}, "missing_pmid": [], "records": []}
    for path in sorted((root / "pubmed" / "baseline").glob("pubmed26n*.xml.gz")):
        rel = str(path.relative_to(root))
        recs, whole = _records(path)
        out["files"][rel] = (len(recs), whole)
        for k, rec in enumerate(recs, start=1):
            mc = rec.find("MedlineCitation")
            pmid_el = mc.find("PMID")
            if pmid_el is None:
                out["missing_pmid"].append((rel, k))
                continue
            pmid = pmid_el.text
            art = mc.find("Article")
            title = _text(art.find("ArticleTitle"))
            abstract = " ".join(_text(a) for a in art.findall("Abstract/AbstractText"))
            text = f"{title} {abstract}"
            pts = {p.text for p in art.findall("PublicationTypeList/PublicationType")}
            clinical = bool(pts & CLINICAL_PT) or bool(CLINICAL_PATTERN.search(text))
            is_ai = any(t in _norm(text) for t in AI_TERMS)
            cited = [a.text for a in rec.findall("PubmedData/ReferenceList/Reference/ArticleIdList/ArticleId")
                     if a.get("IdType") == "pubmed"]
            out["records"].append((rec, pmid, is_ai, text))
            if is_ai:
                persons = [a for a in art.findall("AuthorList/Author") if a.find("LastName") is not None]
                lead = persons[-1] if persons[-1].find("AffiliationInfo") is not None else persons[0]
                lead_cc = names.country(lead.find("AffiliationInfo/Affiliation").text)
                ccs: set[str] = set()
                for a in art.findall("AuthorList/Author/AffiliationInfo/Affiliation"):
                    ccs |= names.countries(a.text)
                out["ai"][pmid] = {"country": lead_cc, "international": len(ccs) >= 2, "clinical": clinical,
                                   "random": bool(re.search(r"\brandom", text, re.I)),
                                   "issn": mc.find("MedlineJournalInfo/ISSNLinking").text,
                                   "n_authors": len(art.findall("AuthorList/Author"))}
            else:
                out["nonai_clinical"][pmid] = clinical
                out["refs"].append((pmid, clinical, cited))
    return out


@pytest.fixture(scope="module")
def parsed(world) -> dict:
    root, truth = world
    return _parse_world(root, truth)


# ---- tests -------------------------------------------------------------------------------------
def test_deterministic_bytes(world, tmp_path):
    root, truth = world
    again = generate_lifesci(tmp_path / "again", "tiny", SEED, START, END)
    assert _hashes(tmp_path / "again") == _hashes(root)
    assert again == truth
    generate_lifesci(tmp_path / "other", "tiny", SEED + 1, START, END)
    a, b = _hashes(tmp_path / "other"), _hashes(root)
    assert a.keys() == b.keys()  # the file layout does not depend on the seed
    assert all(a[k] != b[k] for k in a)


def test_layout_and_truth_file(world):
    root, truth = world
    assert json.loads((root / "truth_lifesci.json").read_text()) == truth
    files = sorted(str(p.relative_to(root)) for p in (root / "pubmed" / "baseline").glob("*.xml.gz"))
    assert files == [f["file"] for f in sorted(truth["files"], key=lambda f: f["file"])]
    assert len(files) >= 3
    assert all(re.fullmatch(r"pubmed/baseline/pubmed26n\d{4}\.xml\.gz", f) for f in files)
    for key in ("parameters", "definitions", "planted", "counts", "counts_by_region", "counts_by_country",
                "china_share_of_asia", "international_share", "high_ranked_share_by_region", "expected_irr_vs_asia",
                "citations", "files", "malformed", "quirks", "journals", "conferences", "articles"):
        assert key in truth
    assert truth["parameters"]["years"] == list(range(START, END + 1))
    assert truth["articles"]["sampling"] == "all AI articles"
    planted = truth["planted"]
    assert planted["nb_alpha"] > 0
    assert abs(planted["international_irr"] - 1.21) < 1e-9 and abs(planted["international_irr_clinical"] - 1.07) < 1e-9
    assert planted["region_log_irr_within_outlet"]["Africa"] < 0 and planted["region_log_irr_within_outlet"]["Asia"] == 0
    assert planted["overall_international_share_expected"] < 0.2
    irr = truth["expected_irr_vs_asia"]["unadjusted"]
    assert max(irr.values()) == max(irr["Northern America"], irr["Europe"]) and 1.2 < max(irr.values()) < 1.6


def test_xml_shape(world, parsed):
    root, truth = world
    files = parsed["files"]
    truncated = [m["file"] for m in truth["malformed"]["records"] if m["kind"] == "truncated_record"]
    assert len(truncated) == 1 and truncated[0] == max(files)
    for rel, (n, whole) in files.items():
        assert whole == (rel not in truncated)
        info = next(f for f in truth["files"] if f["file"] == rel)
        assert info["complete_records"] == n
        assert len(info["years"]) >= 2  # files mix years
    seen = Counter()
    for rec, pmid, _, _ in parsed["records"]:
        mc = rec.find("MedlineCitation")
        assert mc.get("Status") == "MEDLINE" and mc.get("Owner") == "NLM"
        assert mc.find("PMID").get("Version") == "1" and re.fullmatch(r"\d+", pmid) and int(pmid) % 8 == 3
        art = mc.find("Article")
        issn = art.find("Journal/ISSN")
        assert issn.get("IssnType") in ("Print", "Electronic") and re.fullmatch(r"\d{4}-\d{3}[\dX]", issn.text)
        pd_ = art.find("Journal/JournalIssue/PubDate")
        assert pd_.find("Year") is not None or pd_.find("MedlineDate") is not None
        assert art.find("Journal/Title").text and art.find("Journal/ISOAbbreviation").text
        assert art.find("ArticleTitle").text
        assert art.findall("AuthorList/Author")
        assert "Journal Article" in {p.text for p in art.findall("PublicationTypeList/PublicationType")}
        assert mc.findall("MeshHeadingList/MeshHeading/DescriptorName")
        assert mc.find("MedlineJournalInfo/ISSNLinking").text == issn.text
        ids = {a.get("IdType"): a.text for a in rec.findall("PubmedData/ArticleIdList/ArticleId")}
        assert ids["pubmed"] == pmid
        for ref in rec.findall("PubmedData/ReferenceList/Reference"):
            assert ref.find("Citation").text
        seen["doi"] += "doi" in ids
        seen["structured"] += any(a.get("Label") for a in art.findall("Abstract/AbstractText"))
        seen["no_abstract"] += art.find("Abstract") is None
        seen["collective"] += any(a.find("CollectiveName") is not None for a in art.findall("AuthorList/Author"))
        seen["no_affil"] += any(a.find("LastName") is not None and a.find("AffiliationInfo") is None
                                for a in art.findall("AuthorList/Author"))
        seen["two_affil"] += any(len(a.findall("AffiliationInfo")) == 2 for a in art.findall("AuthorList/Author"))
        seen["refs"] += rec.find("PubmedData/ReferenceList") is not None
        seen["email"] += any("Electronic address:" in (a.text or "")
                             for a in art.findall("AuthorList/Author/AffiliationInfo/Affiliation"))
        seen["medline_date"] += pd_.find("MedlineDate") is not None
    n = len(parsed["records"])
    assert seen["doi"] > 0.8 * n and seen["refs"] == n
    for key in ("structured", "no_abstract", "collective", "no_affil", "two_affil", "email", "medline_date"):
        assert seen[key] > 0, key
    # PMIDs are unique across files
    assert len({p for _, p, _, _ in parsed["records"]}) == n


def test_malformed_records_counted(world, parsed):
    root, truth = world
    mal = truth["malformed"]
    assert mal["n"] == len(mal["records"]) == truth["counts"]["malformed_records"] >= 2
    missing = sorted((m["file"], m["record_index"]) for m in mal["records"] if m["kind"] == "missing_pmid")
    assert missing and sorted(parsed["missing_pmid"]) == missing
    per_file = Counter(m["file"] for m in mal["records"])
    assert max(per_file.values()) == 1  # at most one quarantine-worthy record per file
    n_ok = len(parsed["records"])
    assert n_ok == truth["counts"]["records_with_pmid"]


def test_ai_and_nonai_texts(world, parsed):
    root, truth = world
    counts = truth["counts"]
    assert len(parsed["ai"]) == counts["ai_articles"] == sum(truth["counts_by_region"].values())
    assert len(parsed["refs"]) == counts["citing_records"] + counts["background_records"]
    for rec, pmid, is_ai, text in parsed["records"]:
        if not is_ai:
            assert not NONAI_FORBIDDEN.search(text), text
    assert sorted(parsed["ai"]) == sorted(truth["articles"]["pmid"])
    variants = Counter()
    for rec, pmid, is_ai, text in parsed["records"]:
        if is_ai:
            variants["hyphen"] += bool(re.search(r"(deep|machine)-learning|support-vector|random-forest|neural-network", text))
            variants["plural"] += bool(re.search(r"networks|forests|machines", text))
    assert variants["hyphen"] > 0 and variants["plural"] > 0


def test_counts_by_region_match_truth(world, parsed):
    root, truth = world
    region_of = truth["definitions"]["country_region"]
    art = truth["articles"]
    by_country = Counter(a["country"] for a in parsed["ai"].values())
    assert None not in by_country
    # the PubMed strings' lead (last author, else the first): what the truth says they show
    assert {p: c for p, c in zip(art["pmid"], art["pubmed_lead_country"])} == {p: a["country"]
                                                                             for p, a in parsed["ai"].items()}
    assert Counter(art["lead_country"]) == truth["counts_by_country"]
    by_region = Counter(region_of[c] for c in Counter(art["lead_country"]).elements())
    assert {g: by_region.get(g, 0) for g in truth["counts_by_region"]} == truth["counts_by_region"]
    assert max(by_region, key=by_region.get) == "Asia"
    assert truth["counts_by_country"]["CN"] > 0.5 * by_region["Asia"]
    # they differ only where the last author has no affiliation (before 2014)
    diff = [y for y, a, b in zip(art["year"], art["lead_country"], art["pubmed_lead_country"]) if a != b]
    assert diff and max(diff) < 2014


def test_international_and_high_ranked(world, parsed):
    root, truth = world
    art = truth["articles"]
    planted = dict(zip(art["pmid"], art["international"]))
    assert {p: a["international"] for p, a in parsed["ai"].items()} == dict(zip(art["pmid"], art["pubmed_international"]))
    # PubMed strings never show more international articles than there are, and fewer before 2014
    assert all(i or not pi for i, pi in zip(art["international"], art["pubmed_international"]))
    assert all(i == pi for y, i, pi in zip(art["year"], art["international"], art["pubmed_international"]) if y >= 2014)
    assert any(i and not pi for i, pi in zip(art["international"], art["pubmed_international"]))
    assert dict(zip(art["pmid"], art["n_authors"])) == {p: a["n_authors"] for p, a in parsed["ai"].items()}
    assert sum(planted.values()) == truth["counts"]["international_ai_articles"]
    share = truth["international_share"]
    assert share["observed_overall"] == round(sum(planted.values()) / len(planted), 4)
    # high-ranked journals from the ranking table
    best: dict[str, int] = {}
    with open(root / "rankings" / "journal_ranking.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            best[row["issn"]] = min(best.get(row["issn"], 99), int(row["rank_in_category"]))
    high = {p: best.get(a["issn"], 99) <= 3 for p, a in parsed["ai"].items()}
    assert high == dict(zip(art["pmid"], art["high_ranked"]))
    exp = truth["high_ranked_share_by_region"]["expected"]
    assert exp["Northern America"] > exp["Asia"] and exp["Europe"] > exp["Asia"]


def test_citations_add_up(world, parsed):
    root, truth = world
    ai = parsed["ai"]
    cites, clin = Counter(), Counter()
    for pmid, clinical, cited in parsed["refs"]:
        hits = [c for c in cited if c in ai]
        assert len(hits) == len(set(hits))  # a record cites an AI article at most once
        for c in hits:
            cites[c] += 1
            clin[c] += clinical
    for rec, pmid, is_ai, text in parsed["records"]:
        if is_ai:  # AI articles cite no AI article
            assert not [a.text for a in rec.findall("PubmedData/ReferenceList/Reference/ArticleIdList/ArticleId")
                        if a.text in ai]
    art = truth["articles"]
    assert {p: cites[p] for p in ai} == dict(zip(art["pmid"], art["pubmed_citations"]))
    assert {p: clin[p] for p in ai} == dict(zip(art["pmid"], art["pubmed_clinical_citations"]))
    tw = truth["openalex_twins"]
    assert sum(cites.values()) == tw["pubmed_citations_total"] and sum(clin.values()) == tw["pubmed_clinical_citations_total"]
    # the planted totals (PubMed + OpenAlex-only citers; test_lifesci_twins counts the OpenAlex side)
    c = truth["citations"]
    assert sum(art["citations"]) == c["total"] and sum(art["clinical_citations"]) == c["clinical"]
    assert all(p <= t for p, t in zip(art["pubmed_citations"], art["citations"]))
    region_of = truth["definitions"]["country_region"]
    by_region = defaultdict(int)
    for lc, n in zip(art["lead_country"], art["citations"]):
        by_region[region_of[lc]] += n
    assert dict(by_region) == {g: v for g, v in c["by_lead_region"].items() if g in by_region}
    assert c["international"]["citations"] == sum(n for i, n in zip(art["international"], art["citations"]) if i)
    # clinical records: planted flags and the filter's answer ("random forest" matches random*)
    assert sum(parsed["nonai_clinical"].values()) == (truth["counts"]["clinical_citing_records"]
                                                      + truth["counts"]["clinical_background_records"])
    assert {p: a["clinical"] for p, a in ai.items()} == dict(zip(art["pmid"], art["clinical_planted"]))
    assert {p: a["clinical"] or a["random"] for p, a in ai.items()} == dict(zip(art["pmid"], art["clinical"]))


def test_rankings_csvs(world, parsed):
    root, truth = world
    with open(root / "rankings" / "journal_ranking.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == JOURNAL_COLUMNS == ("issn", "journal_title", "category", "rank_in_category", "n_in_category")
    body = [dict(zip(rows[0], r)) for r in rows[1:]]
    assert len({(r["issn"], r["category"]) for r in body}) == len(body)
    per_cat = defaultdict(list)
    for r in body:
        per_cat[r["category"]].append(int(r["rank_in_category"]))
        assert 1 <= int(r["rank_in_category"]) <= int(r["n_in_category"])
    for cat, ranks in per_cat.items():
        assert sorted(ranks) == list(range(1, len(ranks) + 1)), cat
    assert Counter(r["issn"] for r in body).most_common(1)[0][1] >= 2  # some journal in several categories
    ranked = {r["issn"] for r in body}
    j_truth = {j["issn"]: j for j in truth["journals"]}
    # the PubMed records of conference papers (sample world 1.7) name their conference's ISSN, which no ranking lists
    conference_issns = {c["pubmed_issn"] for c in truth["conference_papers"]["conferences"]}
    assert {a["issn"] for a in parsed["ai"].values()} <= set(j_truth) | conference_issns
    assert not conference_issns & ranked
    assert all((j["issn"] in ranked) == j["ranked"] for j in truth["journals"])
    assert any(not j["ranked"] for j in truth["journals"])
    with open(root / "rankings" / "conference_ranking.csv", newline="") as fh:
        crows = list(csv.reader(fh))
    assert tuple(crows[0]) == CONFERENCE_COLUMNS == ("id", "title", "acronym", "source", "rank", "dblp",
                                                      "primary_for", "for2", "for3")
    cbody = [dict(zip(crows[0], r)) for r in crows[1:]]
    assert all(len(r) == len(CONFERENCE_COLUMNS) for r in crows)
    assert {r["rank"] for r in cbody} <= {"A*", "A", "B", "C", "Unranked"}
    assert len({r["id"] for r in cbody}) == len(cbody)
    titles = {r["title"]: r["rank"] for r in cbody}
    lifesci_conf = [v[1] for v in V.VENUES if v[3] == "conference" and v[5] == "lifesci"]
    assert lifesci_conf and all(t in titles for t in lifesci_conf)
    for c in truth["conferences"]:
        assert titles[c["title"]] == c["rank"] and c["high_ranked"] == (c["rank"] == "A*")


def test_generate_world_writes_lifesci(tmp_path, tiny_world):
    root = tiny_world(tmp_path, SEED)  # generate_world's output, made once per session
    t = json.loads((root / "truth_lifesci.json").read_text())
    main = json.loads((root / "truth.json").read_text())
    assert t["parameters"]["generator_version"] == main["parameters"]["generator_version"]
    # the life-science years are its own (2000-2022), not AlShebli et al. 2022's (tiny: 2012-2019)
    assert main["parameters"]["lifesci_end_year"] == 2022
    assert t["parameters"]["years"] == list(range(2000, 2023))
    assert list((root / "pubmed" / "baseline").glob("pubmed26n*.xml.gz"))
    assert (root / "rankings" / "journal_ranking.csv").is_file()
    assert (root / "rankings" / "conference_ranking.csv").is_file()


def test_chunked_rendering_any_workers_same_bytes_and_truth(world, tmp_path):
    """The records rendered in many small chunks (each from its own stream, one gzip member per file
    it writes to): two processes write the bytes one process writes, the year-level simulation is
    the default chunking's (same articles, PMIDs, files and citations), and the files hold exactly
    what the truth says (records, malformed ones, every AI article's citations)."""
    _, truth_default = world
    one = generate_lifesci(tmp_path / "one", "tiny", SEED, START, END, workers=1, chunk_records=150)
    two = generate_lifesci(tmp_path / "two", "tiny", SEED, START, END, workers=2, chunk_records=150)
    assert _hashes(tmp_path / "one") == _hashes(tmp_path / "two") and one == two
    for key in ("articles", "citations"):
        assert one[key] == truth_default[key]
    assert [f["complete_records"] for f in one["files"]] == [f["complete_records"] for f in truth_default["files"]]
    assert one["malformed"] == truth_default["malformed"]
    p = _parse_world(tmp_path / "one", one)
    assert {f["file"]: f["complete_records"] for f in one["files"]} == {rel: n for rel, (n, _) in p["files"].items()}
    assert sorted(p["missing_pmid"]) == sorted((m["file"], m["record_index"]) for m in one["malformed"]["records"]
                                               if m["kind"] == "missing_pmid")
    cites = Counter(c for _, _, cited in p["refs"] for c in cited if c in p["ai"])
    assert {pm: cites[pm] for pm in p["ai"]} == dict(zip(one["articles"]["pmid"], one["articles"]["pubmed_citations"]))
    first = (tmp_path / "one" / one["files"][0]["file"]).read_bytes()
    assert first.count(b"\x1f\x8b\x08") > len(one["files"][0]["years"])  # several members per year
