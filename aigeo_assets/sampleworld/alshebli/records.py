"""The works records of AlShebli et al. 2022's sample world: ``YearRenderer`` turns one year's planned works
(planned by ``World``) into OpenAlex work records (text, concepts and topics, venue, authorships,
references), one gzip member per works part, in this process or in a worker's."""

from __future__ import annotations

import bisect
import gzip
import io
import itertools
import math
import random

import numpy as np
import orjson

from aigeo_assets.cores import die_with_parent
from aigeo_assets.sampleworld import config as cfg
from aigeo_assets.sampleworld import vocab as V
from aigeo_assets.sampleworld.rng import FastRandom
from aigeo_assets.sampleworld.alshebli.common import (
    KINDS,
    OA,
    P_AUTH,
    P_WORK,
    Q_KEYS,
    alshebli2022_pmid,
    work_num,
    year_seed,
)


_GZIP_LEVEL = 3  # works parts: one gzip member per (year, part); level 3 keeps sizes within ~10 % of level 5


class MemberWriter:
    """One gzip member in memory (the year's lines of one part file), compressed as it fills."""

    def __init__(self) -> None:
        self._bio = io.BytesIO()
        self._gz: gzip.GzipFile | None = None
        self._buf: list[bytes] = []
        self._size = 0
        self.lines = 0

    def write(self, line: bytes) -> int:
        self._buf.append(line)
        self._size += len(line)
        self.lines += 1
        if self._size > (1 << 20):
            self._flush()
        return self.lines

    def _flush(self) -> None:
        if self._gz is None:
            self._gz = gzip.GzipFile(filename="", mode="wb", fileobj=self._bio, mtime=0, compresslevel=_GZIP_LEVEL)
        self._gz.write(b"".join(self._buf))
        self._buf, self._size = [], 0

    def finish(self) -> bytes:
        if not self.lines:
            return b""
        self._flush()
        self._gz.close()
        return self._bio.getvalue()


class YearRenderer:
    """Turns one simulated year (teams, cities, references) into JSON Lines records and one gzip
    member per part file. Runs in a worker process; everything it draws comes from the year's own
    seed, and every count it keeps is returned for ``truth.json``."""

    def __init__(self, static: dict) -> None:
        self.__dict__.update(static)
        self.ws_cum = {}
        for key, pool in self.venues.items():
            for west in (True, False):
                ws = [math.exp(0.8 * v[4] * (1 if west else -1)) for v in pool]
                self.ws_cum[key, west] = list(itertools.accumulate(ws))

    def render(self, job: dict) -> dict:
        year, base, n = job["year"], job["base"], job["n"]
        ss = year_seed(self.seed, year, b"works-render")
        nrng = np.random.default_rng(ss)
        r = FastRandom(int(nrng.integers(0, 1 << 62)))
        self.r, self.nrng = r, nrng
        self.q = {k: 0 for k in Q_KEYS}
        self.ai_def = {"concept_and_topic": 0, "concept_only": 0, "topic_only": 0, "low_score_ai_concept_nonai": 0}
        self.kw = {"ai_with_keyword": 0, "ai_without_keyword": 0, "nonai_with_keyword": 0, "nonai_without_keyword": 0}
        rw_all = self._references(job)
        nw = self.nw
        chunks = [MemberWriter() for _ in range(nw)]
        malformed, dup_ids = [], []
        lead_city, ai_arr, kind_arr = job["lead_city"].tolist(), job["ai"].tolist(), job["kind"].tolist()
        t_off = job["team_off"].tolist()
        a_id, a_city, a_inst, a_inst2 = (job[k].tolist() for k in ("a_id", "a_city", "a_inst", "a_inst2"))
        a_region, a_hname = job["a_region"].tolist(), job["a_hname"].tolist()
        r_off = job["ref_off"].tolist()
        cited_by = nrng.poisson(job["fitness"] * 2.5 * max(1, 2024 - year) ** 0.8).tolist()
        malformed_at = set(job["malformed_at"])
        bloc = self.bloc
        rnd = r.random
        n_ai = n_ai_corpus = n_ai_east = n_ls = 0
        for k in range(n):
            gi = base + k
            lc, ai, kind = lead_city[k], ai_arr[k], KINDS[kind_arr[k]]
            wid = f"W{work_num(gi)}"
            west = not bloc[lc]
            title, words, has_kw = self._text(ai, kind)
            concepts, primary, topics = self._concepts_topics(ai, kind)
            src, typ, tcr = self._source_and_type(ai, kind, west)
            if src is not None and src[3] == "conference" and kind == "lifesci":
                # never an atlas (Schmallenbach et al. 2024) conference paper: no life-science level-0 concept
                concepts = [NOT_LIFESCI_ROOT.get(c["id"], c) | {"score": c["score"]} for c in concepts]
            doi, ids = self._ids(wid, gi, kind, tcr)
            lo, hi = t_off[k], t_off[k + 1]
            last = hi - lo - 1
            auths = [self._authorship(a_id[j], a_city[j], a_inst[j], a_inst2[j], a_region[j], a_hname[j],
                                      "first" if j == lo else ("last" if j - lo == last else "middle"), j - lo == last)
                     for j in range(lo, hi)]
            rw = rw_all[r_off[k]:r_off[k + 1]]
            aii = self._inverted_index(words)
            self.kw[("ai" if ai else "nonai") + ("_with_keyword" if has_kw else "_without_keyword")] += 1
            fi = int(rnd() * nw)
            line = self._record_line(gi, wid, year, fi, doi, ids, title, src, typ, tcr, auths, cited_by[k], primary,
                                     topics, concepts, rw, aii)
            chunk = chunks[fi]
            if k in malformed_at:
                malformed.append((fi, chunk.write(line[: len(line) // 2] + b"\n"), wid))
            chunk.write(line)
            if rnd() < cfg.QUIRKS["duplicate_line"]:
                chunks[int(rnd() * nw)].write(line)
                self.q["duplicate_lines"] += 1
                dup_ids.append(wid)
            if ai:
                n_ai += 1
                if typ == "article":
                    n_ai_corpus += 1
                    if not west:
                        n_ai_east += 1
                if kind == "lifesci":
                    n_ls += 1
        members = [(c.finish(), c.lines) for c in chunks]
        return {"year": year, "members": members, "malformed": malformed, "dup_ids": dup_ids, "q": self.q,
                "ai_def": self.ai_def, "kw": self.kw, "n": n, "n_ai": n_ai, "n_ai_corpus": n_ai_corpus,
                "n_ai_east": n_ai_east, "n_ls": n_ls}

    def _source_and_type(self, ai: bool, kind: str, west: bool) -> tuple[tuple | None, str, str]:
        """The work's venue (None: no primary source), ``type`` and ``type_crossref``: a few works are
        book chapters or data sets (not in the corpus), the others articles of a venue of their kind."""
        rnd = self.r.random
        if rnd() < cfg.NONCORPUS_TYPE_SHARE:
            if rnd() < 0.6:
                typ, tcr = "book-chapter", "book-chapter"
                src = self.book_series
            else:
                typ, tcr = "dataset", "dataset"
                src = ("S4306400562", "Zenodo (CERN European Organization for Nuclear Research)", None, "repository", 0, "")
            self.q["noncorpus_type_works"] += 1
        else:
            src = self._venue(ai, kind, west)
            typ = "article"
            tcr = "proceedings-article" if src[3] == "conference" else "journal-article"
        if rnd() < cfg.QUIRKS["no_primary_source"]:
            src = None
            self.q["works_without_primary_source"] += 1
        return src, typ, tcr

    def _ids(self, wid: str, gi: int, kind: str, tcr: str) -> tuple[str | None, dict]:
        """The work's DOI (or None) and ``ids`` (a PMID for some life-science works)."""
        rnd = self.r.random
        doi = None if rnd() < cfg.NO_DOI_SHARE else f"https://doi.org/10.{1000 + int(rnd() * 8999)}/{wid.lower()}"
        if doi is None:
            self.q["works_without_doi"] += 1
        ids = {"openalex": OA + wid}
        if doi:
            ids["doi"] = doi
        if kind == "lifesci" and rnd() < cfg.LIFESCI_PMID_SHARE and tcr != "dataset":
            ids["pmid"] = f"https://pubmed.ncbi.nlm.nih.gov/{alshebli2022_pmid(gi)}"
            self.q["works_with_pmid"] += 1
        return doi, ids

    def _inverted_index(self, words: list[str] | None) -> dict[str, list[int]] | None:
        if words is None:
            self.q["works_without_abstract"] += 1
            return None
        aii: dict[str, list[int]] = {}
        for i, w in enumerate(words):
            pos = aii.get(w)
            if pos is None:
                aii[w] = [i]
            else:
                pos.append(i)
        return aii

    def _record_line(self, gi: int, wid: str, year: int, fi: int, doi: str | None, ids: dict, title: str,
                     src: tuple | None, typ: str, tcr: str, auths: list[dict], cited_by: int, primary: dict | None,
                     topics: list[dict], concepts: list[dict], rw: list[str], aii: dict | None) -> bytes:
        """The work's JSON line (dated in the ``updated_date`` of part ``fi``)."""
        rnd = self.r.random
        date = self.writer_date[fi]
        month = 1 + int(rnd() * 12)
        countries = sorted({c for a in auths for c in a["countries"]})
        inst_ids = {i["id"] for a in auths for i in a["institutions"]}
        source = None
        if src is not None:
            source = {"id": OA + src[0], "display_name": src[1], "issn_l": src[2],
                      "issn": V.ISSN_PRINT.get(src[2], [src[2]]) if src[2] else None, "type": src[3]}
        rec = {
            "id": OA + wid, "doi": doi, "title": title, "display_name": title,
            "publication_year": year, "publication_date": f"{year}-{month:02d}-{1 + int(rnd() * 28):02d}",
            "ids": ids, "language": "en",
            "primary_location": {"is_oa": False, "landing_page_url": doi, "pdf_url": None, "source": source,
                                 "license": None, "version": "publishedVersion", "is_accepted": True,
                                 "is_published": True, "raw_type": tcr,
                                 "raw_source_name": src[1] if src is not None else None},
            "type": typ, "type_crossref": tcr, "authorships": auths,
            "countries_distinct_count": len(countries), "institutions_distinct_count": len(inst_ids),
            "cited_by_count": cited_by,
            "primary_topic": primary, "topics": topics, "concepts": concepts,
            "referenced_works_count": len(rw), "referenced_works": rw,
            "abstract_inverted_index": aii,
            "updated_date": f"{date}T{int(rnd() * 24):02d}:{int(rnd() * 60):02d}:{int(rnd() * 60):02d}.{int(rnd() * 1_000_000):06d}",
            "created_date": f"{min(year + 1, 2023)}-{month:02d}-01",
        }
        if gi % 2 == 0:
            # current API records carry no type_crossref (only the location's raw_type)
            del rec["type_crossref"]
            self.q["works_without_type_crossref"] += 1
        return orjson.dumps(rec, option=orjson.OPT_APPEND_NEWLINE)

    def _references(self, job: dict) -> list[str]:
        """``referenced_works`` of the whole year, flat in work order (each work's run sorted as
        strings: every id has 10 digits, so numeric order is string order)."""
        x = job["refs"]
        off = job["ref_off"]
        owner = np.repeat(np.arange(len(off) - 1), np.diff(off))
        inside = x >= 0
        nums = np.where(inside, 2_000_000_000 + (x * 48_271 + 12_345) % P_WORK, -x)
        keys, vals = job["merged_keys"], job["merged_vals"]
        if len(keys):
            pos = np.minimum(np.searchsorted(keys, x), len(keys) - 1)
            hit = inside & (keys[pos] == x)
            use_old = hit & (self.nrng.random(len(x)) < cfg.QUIRKS["merged_work_ref_old_id"])
            nums = np.where(use_old, vals[pos], nums)
            self.q["references_to_merged_work_ids"] += int(use_old.sum())
        self.q["references_in_corpus"] += int(inside.sum())
        self.q["references_out_of_corpus"] += int((~inside).sum())
        order = np.lexsort((nums, owner))
        return [f"{OA}W{v}" for v in nums[order].tolist()]

    def _text(self, ai: bool, kind: str) -> tuple[str, list[str] | None, bool]:
        r = self.r
        rnd = r.random
        has_kw = rnd() < (cfg.AI_KEYWORD_RATE_AI if ai else cfg.AI_KEYWORD_RATE_NONAI)
        if has_kw:
            method = pick(r, V.AI_KEYWORDS)
            method = ("a " if method[0] not in "aeiou" else "an ") + method + " model"
        elif ai:
            method = pick(r, V.AI_METHODS_PLAIN)
        else:
            method = pick(r, V.NONAI_METHODS)
        task = pick(r, V.LIFESCI_TASKS if kind == "lifesci" else (V.AI_TASKS if ai else V.NONAI_TASKS))
        adj = pick(r, V.ADJ)
        m_title = method.split(" ", 1)[1]
        title = pick(r, V.TITLE).format(Adj=adj.capitalize(), adj=adj, method=m_title, task=task, Task=task.capitalize())
        if rnd() < cfg.NO_ABSTRACT_SHARE:
            return title, None, has_kw
        sents = [V.SENT[0]] + r.sample(V.SENT[1:], 2 + int(rnd() * 3))
        text = " ".join(s.format(adj=pick(r, V.ADJ), method=method, task=task, n=2 + int(rnd() * 8)) for s in sents)
        return title, text.split(), has_kw

    def _concepts_topics(self, ai: bool, kind: str) -> tuple[list[dict], dict, list[dict]]:
        r = self.r
        rnd = r.random

        def uni(a, b):
            return a + (b - a) * rnd()

        c_parts, t_parts = _CONCEPT_PARTS, _TOPIC_PARTS

        def cpt(c, score):
            cid, wd = c_parts.get(c) or c_parts.setdefault(c, (OA + c[0], V.WD + c[1]))
            return {"id": cid, "wikidata": wd, "display_name": c[2], "level": c[3], "score": round(score, 6)}

        def top(t, score):
            tp = t_parts.get(t)
            if tp is None:
                tp = t_parts[t] = (OA + t[0], {"id": f"{OA}subfields/{t[2]}", "display_name": t[3]},
                                   {"id": f"{OA}fields/{t[4]}", "display_name": t[5]},
                                   {"id": f"{OA}domains/{t[6]}", "display_name": t[7]})
            return {"id": tp[0], "display_name": t[1], "score": round(score, 4),
                    "subfield": tp[1], "field": tp[2], "domain": tp[3]}

        cs: list[dict] = []
        if ai:
            lifesci = kind == "lifesci"
            by_concept = lifesci or rnd() < 0.88
            by_topic = (not lifesci and rnd() < 0.6) or (lifesci and rnd() < 0.4)
            if not by_concept and not by_topic:
                by_concept = True
            key = "concept_and_topic" if by_concept and by_topic else ("concept_only" if by_concept else "topic_only")
            self.ai_def[key] += 1
            cs.append(cpt(V.C_CS, uni(0.35, 0.9)))
            cs.append(cpt(V.C_AI, uni(0.3, 0.95) if by_concept else uni(0.05, 0.29)))
            for c in r.sample(V.AI_SUB, 1 + int(rnd() * 3)):
                cs.append(cpt(c, uni(0.2, 0.8)))
            if lifesci:
                l0 = pick(r, V.LIFESCI_L0)
                cs.append(cpt(l0, uni(0.25, 0.8)))
                cs.append(cpt(pick(r, V.LIFESCI_L1[l0[0]]), uni(0.2, 0.7)))
            if by_topic:
                pool = V.TOPICS_AI
            else:
                pool = V.TOPICS_LIFESCI if lifesci else (V.TOPICS_CV if rnd() < 0.6 else V.TOPICS_NONAI_CS)
            others = self.others_ai
        else:
            low_ai = rnd() < 0.2
            if kind == "cs":
                cs.append(cpt(V.C_CS, uni(0.4, 0.9)))
                for c in r.sample(V.NONAI_CS, 1 + int(rnd() * 2)):
                    cs.append(cpt(c, uni(0.2, 0.8)))
                pool = V.TOPICS_NONAI_CS
            elif kind == "lifesci":
                l0 = pick(r, V.LIFESCI_L0)
                cs.append(cpt(l0, uni(0.4, 0.9)))
                cs.append(cpt(pick(r, V.LIFESCI_L1[l0[0]]), uni(0.2, 0.8)))
                pool = V.TOPICS_LIFESCI
            else:
                l0 = pick(r, V.OTHER_L0)
                cs.append(cpt(l0, uni(0.4, 0.9)))
                pool = V.TOPICS_OTHER
            if low_ai:
                cs.append(cpt(V.C_AI, uni(0.02, 0.29)))
                self.ai_def["low_score_ai_concept_nonai"] += 1
            others = pool + V.TOPICS_NONAI_CS
        cs.sort(key=lambda c: -c["score"])
        p = pick(r, pool)
        primary = top(p, uni(0.85, 0.999))
        topics = [primary]
        for t in r.sample([t for t in others if t[0] != p[0]], int(rnd() * 3)):
            topics.append(top(t, uni(0.3, 0.8)))
        return cs, primary, topics

    def _venue(self, ai: bool, kind: str, west: bool) -> tuple:
        rnd = self.r.random
        if kind == "lifesci":
            key = "lifesci" if (not ai or rnd() < 0.6) else "ai"
        elif ai:
            key = "ai"
        else:
            key = "other"
        cum = self.ws_cum[key, west]
        return self.venues[key][min(bisect.bisect_right(cum, rnd() * cum[-1]), len(cum) - 1)]

    def _authorship(self, a: int, city_i: int, inst_i: int, inst2_i: int, region: int, h: int, pos: str,
                    corresponding: bool) -> dict:
        r, Q = self.r, cfg.QUIRKS
        rnd = r.random
        first, last = V.NAMES[self.regions[region]]
        name = f"{first[h % len(first)]} {last[(h >> 8) % len(last)]}"
        city = self.cities[city_i]
        out = {"author_position": pos,
               "author": {"id": f"{OA}A{5_000_000_000 + (a * 7_919 + 17) % P_AUTH}", "display_name": name, "orcid": None},
               "institutions": [], "countries": [], "is_corresponding": corresponding, "raw_author_name": name,
               "raw_affiliation_strings": [], "affiliations": []}
        if rnd() < Q["authorship_no_institution"]:
            self.q["authorships_without_institution"] += 1
            if rnd() < Q["no_institution_raw_city_share"]:
                self.q["authorships_without_institution_raw_city"] += 1
                raw = f"{pick(r, V.DEPARTMENTS)}, {city[0]}, {city[1]}"
                out["raw_affiliation_strings"] = [raw]
                out["affiliations"] = [{"raw_affiliation_string": raw, "institution_ids": []}]
            return out
        ids = [inst_i] + ([inst2_i] if inst2_i >= 0 else [])
        for i in ids:
            display_name, old_id = self.insts[i]
            emb = self.inst_embed[i]
            if old_id and rnd() < Q["merged_institution_old_id_use"]:
                emb = dict(emb, id=OA + old_id)
                self.q["authorships_with_merged_institution_id"] += 1
            out["institutions"].append(emb)
            dept = pick(r, V.DEPARTMENTS)
            postal = f" {10000 + int(rnd() * 989999)}" if rnd() < 0.5 else ""
            raw = f"{dept}, {display_name}, {city[0]}{postal}, {city[1]}"
            out["raw_affiliation_strings"].append(raw)
            out["affiliations"].append({"raw_affiliation_string": raw, "institution_ids": [emb["id"]]})
        out["countries"] = [city[2]]
        return out


# the constant parts of concepts' and topics' records (ids, nested dicts shared by every record
# that lists them: orjson writes a shared dict as it writes a copy)
_CONCEPT_PARTS: dict[tuple, tuple[str, str]] = {}
# An AlShebli et al. 2022 life-science work in a conference venue (MICCAI, EMBC, BIBM) carries one of these
# level-0 concepts instead of its life-science root (Medicine -> Environmental science, Biology ->
# Geography, Chemistry -> Sociology, Psychology -> Political science; same score, same place):
# Schmallenbach et al. 2024's OpenAlex conference papers (venue type conference + a level-0 Biology, Chemistry,
# Medicine or Psychology concept + an AI keyword) are then only the ones the life-science world
# plants on Schmallenbach et al. 2024's model (``sampleworld.lifesci``), not these rarely cited, mostly international works.
# Why the root and not the keyword: no AlShebli et al. 2022 truth reads a level-0 concept (its AI corpus is
# concept C154945302 >= 0.3 or a topic of subfield 1702, its keyword counts are of the text), and
# the swap draws nothing, so every other byte of the world stays (the 1.4.0 oracle maps it back).
# The replacements are level-0 concepts no other AlShebli et al. 2022 work carries.
NOT_LIFESCI_ROOT_OF = {
    "C71924100": ("C39432304", "Q188847", "Environmental science", 0),
    "C86803240": ("C205649164", "Q1071", "Geography", 0),
    "C185592680": ("C144024400", "Q21201", "Sociology", 0),
    "C15744967": ("C17744445", "Q36442", "Political science", 0),
}
NOT_LIFESCI_ROOT = {OA + k: {"id": OA + c[0], "wikidata": V.WD + c[1], "display_name": c[2], "level": c[3]}
                     for k, c in NOT_LIFESCI_ROOT_OF.items()}
_TOPIC_PARTS: dict[tuple, tuple] = {}


def pick(r: random.Random, seq):
    return seq[int(r.random() * len(seq))]


_RENDERER: YearRenderer | None = None


def init_renderer(static: dict, parent_pid: int | None = None) -> None:
    """A pool worker's initializer: its own renderer; it dies with the generator (``parent_pid``)."""
    global _RENDERER
    die_with_parent(parent_pid)
    _RENDERER = YearRenderer(static)


def render_year(job: dict) -> dict:
    return _RENDERER.render(job)
