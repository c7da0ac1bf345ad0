"""The OpenAlex records of the life-science part (Schmallenbach et al. 2024): twins of the PubMed records,
OpenAlex-only citers and conference papers (works parts ``part_lsNNN.gz``), and the institutions part.

``data/works/updated_date=<the scale's last works date>/part_lsNNN.gz`` (one per baseline file)
    The OpenAlex twins (issue 14, linking): OpenAlex work records in the shape AlShebli et al. 2022's works
    have (``sampleworld.alshebli``), multi-member gzip (one member per render chunk that wrote to the
    part), listed with their record counts in ``data/works/manifest`` by ``generate_world`` (which
    merges them in after both parts of the world are written). Part ``k`` holds the twins of
    baseline file ``k``'s records, and some OpenAlex-only citers. Three kinds of work:

    * twins of AI articles: ``TWIN_PMID_SHARE`` (85 %) carry ``ids.pmid``
      (``https://pubmed.ncbi.nlm.nih.gov/<PMID>``) and the DOI when the record has one;
      ``TWIN_DOI_ONLY_SHARE`` (5 %, drawn only among records with a DOI) carry the DOI only; the
      rest (~10 %) have no twin. ``TWIN_YEAR_SHIFT_SHARE`` (3 %) of twins have ``publication_year``
      one less than the record's (epub ahead of print), so a linker must not require equal years.
    * twins of citing records: every citing record has one, with ``ids.pmid``; its
      ``referenced_works`` are the twins of the AI articles it cites (an AI article without twin
      cannot be cited through OpenAlex).
    * OpenAlex-only citers: computer-science or engineering works (journal or proceedings articles
      of AlShebli et al. 2022's "other" venues, concepts Computer science/Engineering + non-AI CS level-1
      ones, no AI term) with no PMID, no DOI and no PubMed record, citing twins of AI articles
      and OpenAlex conference papers.
    * OpenAlex conference papers (issue 14, item 7; Schmallenbach et al. 2024 took 23,466 of its 397,967 AI
      articles from OpenAlex conference proceedings, ``CONF_SHARE`` ~5.9 %): works of type
      article, ``raw_type`` proceedings-article, whose source is a life-science conference of
      ``LS_CONFERENCES`` (MICCAI "A", EMBC "B", BIBM "B", ISMB "A*"; source type conference,
      ``display_name`` = the CORE title), with an AI article's text (an ``AI_TERMS`` keyword in
      title or abstract), concepts as a twin's (a level-0 Medicine or Biology root, "Machine
      learning", the planted topic as the best non-AI level-1 concept) and authorships in the
      planted countries (lead = last author). They are drawn with the year's PubMed AI articles
      from the same model (region, country, international, team size, keyword, clinical, topic,
      NB2 citations), the outlet being the conference: choice ∝ size * exp(``QUALITY_TILT[g]`` *
      q) with q = ``CONF_RANK_QUALITY[rank]``, outlet effect ``OUTLET_QUALITY_COEF * q +
      HIGH_RANK_LOG_BONUS * (rank == "A*")``. ``CONF_BOTH_SHARE`` (10 %) of them are also PubMed
      AI records (a quota of ``P_BOTH`` of the PubMed AI articles, the remainder carried over the
      years): their work carries the record's PMID and DOI (so the atlas's dedup merges the two
      and the merged row keeps the conference outlet), the PubMed record's journal is the
      conference as PubMed abbreviates it (an ISSN no ranking lists), and they are cited like any
      PubMed AI article. The others (OpenAlex-only) have a DOI of their own
      (``conf_doi``), no PMID, no PubMed record, and are cited by OpenAlex-only citers alone
      (**choice**: their OpenAlex count is their only count; no ReferenceList names them); ids
      ``oa_only_work_id(CONF_WORK_SEQ_BASE + k)``, authors keyed ``CONF_AUTHOR_KEY_BASE + k``.
      AlShebli et al. 2022's own life-science works in MICCAI/EMBC/BIBM carry no life-science level-0
      concept (``alshebli.records.NOT_LIFESCI_ROOT_OF``), so these are the atlas's only OpenAlex
      conference papers.

    A twin's title is the record's title and its ``abstract_inverted_index`` holds the record's
    abstract words (the AbstractText elements joined by a space, split on white space), so the
    AI keywords and the clinical filter give the same answer on both. Its ``authorships`` are the
    record's persons in byline order (a CollectiveName group author is left out, as OpenAlex has no
    institution for it), each with one institution of this world in the author's city, hence in
    the author's planted country: the institution of the PubMed affiliation string, or, for an
    author whose record shows no affiliation, one drawn in the author's city. Concepts of an AI
    article's twin: its life-science root (Medicine or Biology, level 0), "Machine learning"
    (level 1) with the highest score, the planted topic (``TOPIC_CONCEPTS``: Radiology, Oncology,
    Internal medicine, Pathology, Cardiology, Ophthalmology, Surgery, Genetics, Bioinformatics,
    Neuroscience, with their real OpenAlex ids) as the highest-scoring level-1 concept that is
    not AI, 0-2 lower non-AI level-1 concepts, and for half the twins "Artificial intelligence"
    (C154945302) below 0.3. **Choice:** twins must not enter AlShebli et al. 2022's AI corpus (concept
    C154945302 at a score >= 0.3, or a primary topic in subfield 1702; ``corpus/papers.py``), so
    the AI concept that scores highest is "Machine learning" (not C154945302), C154945302 stays
    below 0.3, and twins have no topics (``primary_topic`` null): every AlShebli et al. 2022 truth holds on
    the merged snapshot. Twins of citing records carry a life-science root and 1-2 of the topic
    concepts, no AI concept.

    Ids live in ranges of their own: twins ``W`` ``TWIN_WORK_BASE`` (4.0e9) + a bijection of
    PMID // 8 (``twin_work_id``), OpenAlex-only citers ``OA_ONLY_WORK_BASE`` (4.5e9) + a bijection
    of their number (AlShebli et al. 2022's works are 2.0e9-3.0e9, its out-of-corpus references 3.0e9 on);
    authors ``A`` 6.0e9 / 7.0e9 + a bijection of (PMID // 8 or citer number, position), one id per
    authorship (AlShebli et al. 2022's: 5.0e9-5.9e9); institutions ``I`` ``INSTITUTION_BASE`` (4.4e9) + index
    (AlShebli et al. 2022 draws below 4.3e9). AlShebli et al. 2022's own life-science works with a PMID never carry one
    that is 3 mod 8 (``alshebli.common.alshebli2022_pmid``), so no PMID is in both parts of the world.

``data/institutions/updated_date=<INSTITUTIONS_DATE>/part_ls000.gz``
    Every institution of this world (the ones the twins' authorships name), in AlShebli et al. 2022's
    institution record shape with ``country_code`` and ``geo``, listed in the institutions
    manifest. Names may repeat AlShebli et al. 2022's (each part of the world builds its own institutions from
    the same cities); ids and RORs do not.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import orjson

from aigeo_assets.sampleworld import config as cfg
from aigeo_assets.sampleworld import vocab as V
from aigeo_assets.sampleworld.lifesci.params import (
    AI_CONCEPT_AI,
    AI_CONCEPT_ML,
    CONF_AUTHOR_KEY_BASE,
    CONF_WORK_SEQ_BASE,
    INSTITUTION_BASE,
    LS_CONFERENCES,
    OA_ONLY_AUTHOR_BASE,
    OA_ONLY_L0,
    OA_ONLY_WORK_BASE,
    SOURCE_BASE,
    TOPIC_CONCEPTS,
    TWIN_AI_CONCEPT_MAX_SCORE,
    TWIN_WORK_BASE,
    TWINS_PART_PREFIX,
    P_AUTHOR,
    P_ID,
)
from aigeo_assets.sampleworld.lifesci.pubmed_records import gzip_member
from aigeo_assets.sampleworld.lifesci.vocabulary import CONDITIONS, INTERVENTIONS


def twin_work_id(pmid: int) -> str:
    """The OpenAlex id (short form) of the twin of the record with PMID ``pmid``."""
    return f"W{TWIN_WORK_BASE + ((int(pmid) // 8) * 48_271 + 12_345) % P_ID}"


def oa_only_work_id(seq: int) -> str:
    return f"W{OA_ONLY_WORK_BASE + (int(seq) * 48_271 + 12_345) % P_ID}"


def conf_doi(k: int, y: int, c: int) -> str:
    """The DOI of OpenAlex-only conference paper ``k`` (no PubMed record carries one like it)."""
    return f"10.{9100 + c}/{LS_CONFERENCES[c][3].lower()}.{y}.{k}"


def concept(c: tuple, score: float) -> dict:
    return {"id": V.OA + c[0], "wikidata": V.WD + c[1], "display_name": c[2],
            "level": c[3] if isinstance(c[3], int) else 1, "score": round(score, 6)}


class OpenalexRecords:
    """Renders the OpenAlex records of a ``LifesciWorld`` from its stream ``r``."""

    def prepare_twins(self) -> None:
        """The constant parts of the OpenAlex twins: institution records (ids moved to their own
        range), journal sources, concept dicts."""
        self.inst_id = [f"{V.OA}I{INSTITUTION_BASE + i.idx}" for i in self.insts]
        self.inst_embed = [{"id": self.inst_id[i.idx], "display_name": i.display_name, "ror": i.ror,
                            "country_code": i.country_code, "type": i.type, "lineage": [self.inst_id[i.idx]]}
                           for i in self.insts]
        venue_id = {v[2]: v[0] for v in V.VENUES if v[2]}
        self.j_source = [{"id": V.OA + venue_id.get(j.issn, f"S{SOURCE_BASE + j.idx}"), "display_name": j.name,
                          "issn_l": j.issn, "issn": [j.issn], "type": "journal"} for j in self.journals]
        self.oa_venues = [v for v in V.VENUES if v[5] == "other" and v[0] in ("S19017023", "S4306420401")]
        self.topic_cum = list(np.cumsum([t[4] for t in TOPIC_CONCEPTS]) / sum(t[4] for t in TOPIC_CONCEPTS))

    def authorships(self, log: list[tuple], base: int, key: int) -> list[dict]:
        """OpenAlex authorships of the logged byline (collective names are not in the log): every
        author with an institution of the author's city (the affiliation's, else drawn now)."""
        out = []
        last = len(log) - 1
        for pos, (ln, fore, cc, city, inst) in enumerate(log):
            if inst is None:
                inst = self.draw_inst(city)
            name = f"{fore} {ln}"
            emb = self.inst_embed[inst]
            raw = f"{self.insts[inst].display_name}, {self.geo.cities[city].name}, {self.cc_name[cc]}"
            x = key * 64 + pos
            if pos >= 64:
                raise ValueError("a byline of more than 64 authors has no author ids left")
            out.append({"author_position": "first" if pos == 0 else ("last" if pos == last else "middle"),
                        "author": {"id": f"{V.OA}A{base + (x * 7_919 + 17) % P_AUTHOR}", "display_name": name,
                                   "orcid": None},
                        "institutions": [emb], "countries": [cc], "is_corresponding": pos == last,
                        "raw_author_name": name, "raw_affiliation_strings": [raw],
                        "affiliations": [{"raw_affiliation_string": raw, "institution_ids": [emb["id"]]}]})
        return out

    def ai_concepts(self, topic: int) -> list[dict]:
        """Life-science root (level 0), "Machine learning" (level 1) with the highest score, the
        planted topic as the best non-AI level-1 concept, 0-2 lower non-AI level-1 concepts, and
        for half the twins "Artificial intelligence" below AlShebli et al. 2022's corpus threshold."""
        rnd = self.r.random
        t = TOPIC_CONCEPTS[topic]
        ml = 0.7 + 0.25 * rnd()
        top = 0.35 + 0.3 * rnd()
        cs = [concept(AI_CONCEPT_ML, ml), concept(t[3], 0.3 + (ml - 0.35) * rnd()),
              concept(t, top)]
        others = [c for c in TOPIC_CONCEPTS if c[0] != t[0]]
        for _ in range(int(rnd() * 3)):
            c = others.pop(int(rnd() * len(others)))
            cs.append(concept(c, 0.1 + (top - 0.15) * rnd()))
        if rnd() < 0.5:
            cs.append(concept(AI_CONCEPT_AI, 0.05 + (TWIN_AI_CONCEPT_MAX_SCORE - 0.05) * rnd()))
        cs.sort(key=lambda c: -c["score"])
        return cs

    def lifesci_concepts(self) -> list[dict]:
        rnd = self.r.random
        t = TOPIC_CONCEPTS[int(rnd() * len(TOPIC_CONCEPTS))]
        cs = [concept(t[3], 0.4 + 0.5 * rnd()), concept(t, 0.2 + 0.5 * rnd())]
        if rnd() < 0.5:
            u = TOPIC_CONCEPTS[int(rnd() * len(TOPIC_CONCEPTS))]
            if u[0] != t[0]:
                cs.append(concept(u, 0.1 + 0.3 * rnd()))
        cs.sort(key=lambda c: -c["score"])
        return cs

    def work_json(self, wid: str, year: int, pmid: int | None, doi: str | None, title: str,
                   sections: list | None, source: dict | None, raw_type: str, authorships: list[dict],
                   concepts: list[dict], refs: list[str], cited_by: int, with_type_crossref: bool) -> bytes:
        rnd = self.r.random
        ids = {"openalex": V.OA + wid}
        doi_url = f"https://doi.org/{doi}" if doi else None
        if doi_url:
            ids["doi"] = doi_url
        if pmid is not None:
            ids["pmid"] = f"https://pubmed.ncbi.nlm.nih.gov/{pmid}"
        words = " ".join(t for _, t in sections).split() if sections else []
        aii = None
        if words:
            aii = {}
            for i, w in enumerate(words):
                aii.setdefault(w, []).append(i)
        month = 1 + int(rnd() * 12)
        countries = sorted({c for a in authorships for c in a["countries"]})
        rec = {
            "id": V.OA + wid, "doi": doi_url, "title": title, "display_name": title,
            "publication_year": int(year), "publication_date": f"{year}-{month:02d}-{1 + int(rnd() * 28):02d}",
            "ids": ids, "language": "en",
            "primary_location": {"is_oa": False, "landing_page_url": doi_url, "pdf_url": None, "source": source,
                                 "license": None, "version": "publishedVersion", "is_accepted": True,
                                 "is_published": True, "raw_type": raw_type,
                                 "raw_source_name": source["display_name"] if source else None},
            "type": "article", "type_crossref": raw_type, "authorships": authorships,
            "countries_distinct_count": len(countries),
            "institutions_distinct_count": len({i["id"] for a in authorships for i in a["institutions"]}),
            "cited_by_count": int(cited_by), "primary_topic": None, "topics": [], "concepts": concepts,
            "referenced_works_count": len(refs), "referenced_works": refs, "abstract_inverted_index": aii,
            "updated_date": f"{self.works_date}T{int(rnd() * 24):02d}:{int(rnd() * 60):02d}:{int(rnd() * 60):02d}."
                            f"{int(rnd() * 1_000_000):06d}",
            "created_date": f"{min(year + 1, 2025)}-{month:02d}-01",
        }
        if not with_type_crossref:
            del rec["type_crossref"]
        return orjson.dumps(rec, option=orjson.OPT_APPEND_NEWLINE)


    def conf_json(self, k: int, y: int, cc: str, foreign: list[str], n: int, clinical: bool, kw: str, c: int,
                   topic: int, cites: int) -> bytes:
        """OpenAlex-only conference paper ``k``: an AI article's text (the AI keyword in title or
        abstract), the byline of the planted countries (the lead last, every foreign country at
        least once), a life-science root + "Machine learning" + the planted topic, its conference
        as the source, a DOI, no PMID, ``cites`` citations (all from OpenAlex-only citers)."""
        r = self.r
        clin_kind = None
        if clinical:
            u = r.random()
            clin_kind = "diagnostic" if u < 0.7 else ("rct" if u < 0.9 else "trial")
        title, sections, _, _ = self.ai_text(kw, clin_kind, r.choice(CONDITIONS))
        slots = [cc] * n
        if foreign:
            for p, f in zip(r.sample(range(n - 1), len(foreign)), foreign):
                slots[p] = f
        lead_city = self.draw_city(cc)
        log = []
        for p, x in enumerate(slots):
            ln, fore, _ = self.draw_person(x)
            city = lead_city if (x == cc and r.random() < 0.7) else self.draw_city(x)
            log.append((ln, fore, x, city, None))
        return self.work_json(oa_only_work_id(CONF_WORK_SEQ_BASE + k), y, None, conf_doi(k, y, c), title,
                               sections, self.conf_source[c], "proceedings-article",
                               self.authorships(log, OA_ONLY_AUTHOR_BASE, CONF_AUTHOR_KEY_BASE + k),
                               self.ai_concepts(topic), [], cites, k % 2 == 1)

    def oa_only_json(self, seq: int, y: int, clinical: bool, refs: list[str]) -> bytes:
        """An OpenAlex-only citer: a computer-science or engineering work without PMID (no AI term;
        clinical = a trial's words the Haynes treatment query finds, else none of its terms)."""
        r = self.r
        rnd = r.random
        cname, data = r.choice(CONDITIONS)[0::3]
        if clinical:
            inter = r.choice(INTERVENTIONS)
            title = f"A wearable sensor platform for monitoring adherence in a randomized controlled trial of {inter} in {cname}."
            first = (f"Participants of a multicentre clinical trial were randomly assigned to {inter} or usual care, "
                     "and adherence was recorded by the platform.")
        else:
            title = r.choice([f"A low-power wireless sensor platform for continuous monitoring of patients with {cname}.",
                              f"Lossless compression of {data} for low-bandwidth telemedicine links.",
                              f"A federated data warehouse for {cname} registries.",
                              f"Energy-efficient storage of {data} in hospital information systems.",
                              f"Query processing over distributed {cname} registries."])
            first = f"We present a system for handling {data} of patients with {cname}."
        sections = [("BACKGROUND", first),
                    ("RESULTS", f"The design was evaluated on {r.randrange(200, 90000)} records from "
                                f"{r.randrange(2, 40)} sites; throughput improved by {r.randrange(5, 80)}% over the baseline."),
                    ("CONCLUSIONS", "The implementation is available as open-source software.")]
        v = self.oa_venues[int(rnd() * len(self.oa_venues))]
        source = {"id": V.OA + v[0], "display_name": v[1], "issn_l": v[2], "issn": [v[2]] if v[2] else None,
                  "type": v[3]}
        raw_type = "proceedings-article" if v[3] == "conference" else "journal-article"
        n = 1 + min(int(r.expovariate(0.4)), 9)
        lead = self.codes[self.pick(self.global_cum)]
        other = self.codes[self.pick(self.partner_cum)] if rnd() < 0.2 else lead
        log = []
        for p in range(n):
            cc = lead if (p == n - 1 or rnd() < 0.6) else other
            ln, fore, _ = self.draw_person(cc)
            log.append((ln, fore, cc, self.draw_city(cc), None))
        l0 = OA_ONLY_L0[int(rnd() * len(OA_ONLY_L0))]
        cs = [concept(l0, 0.4 + 0.5 * rnd())]
        for c in r.sample(V.NONAI_CS, 1 + int(rnd() * 2)):
            cs.append(concept(c, 0.2 + 0.6 * rnd()))
        cs.sort(key=lambda c: -c["score"])
        return self.work_json(oa_only_work_id(seq), y, None, None, title, sections, source, raw_type,
                               self.authorships(log, OA_ONLY_AUTHOR_BASE, seq), cs, refs, 0, seq % 2 == 1)

    # ------------------------------------------------------------------------------------------
    def write_institutions(self, root: Path) -> None:
        """The institutions of the twins' authorships (every institution of this world, ids in their
        own range), as an extra part of the OpenAlex institutions entity."""
        lines = []
        for inst in self.insts:
            iid = self.inst_id[inst.idx]
            rec = {"id": iid, "ror": inst.ror, "display_name": inst.display_name, "country_code": inst.country_code,
                   "type": inst.type, "lineage": [iid], "homepage_url": None, "ids": {"openalex": iid, "ror": inst.ror},
                   "geo": inst.geo, "works_count": None, "updated_date": f"{cfg.INSTITUTIONS_DATE}T00:00:00.000000"}
            lines.append(orjson.dumps(rec, option=orjson.OPT_APPEND_NEWLINE))
        self.inst_rel = f"updated_date={cfg.INSTITUTIONS_DATE}/{TWINS_PART_PREFIX}000.gz"
        d = root / "data" / "institutions" / f"updated_date={cfg.INSTITUTIONS_DATE}"
        d.mkdir(parents=True, exist_ok=True)
        (root / "data" / "institutions" / self.inst_rel).write_bytes(gzip_member(b"".join(lines), f"{TWINS_PART_PREFIX}000"))
        self.inst_lines = len(lines)
