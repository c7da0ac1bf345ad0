"""Generate the sample world: a deterministic OpenAlex snapshot directory plus ``truth.json``.

The process streams year by year: the works of one year are drawn, cited to earlier (and
same-year) works through the gravity model, serialised and appended to the open part files of
every ``updated_date`` folder, then dropped. Only compact per-year citation buckets (work index,
city, attractiveness) and author arrays stay in memory.
"""

from __future__ import annotations

import bisect
import csv
import gzip
import io
import fcntl
import itertools
import json
import math
import multiprocessing
import os
import random
import shutil
import zlib
from array import array
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import orjson

from aigeo_assets.sampleworld import config as cfg
from aigeo_assets.sampleworld import vocab as V
from aigeo_assets.sampleworld.claims import check_claims, realized_claims
from aigeo_assets.sampleworld.geography import Geography, world_total
from aigeo_assets.sampleworld.rng import FastRandom

OA = "https://openalex.org/"
_P_WORK = 999_999_937  # prime: work ids are a bijection of the generation index
_P_AUTH = 899_999_963
_P_PMID = 69_999_989


PLANT_DISRUPTION = True
"""AlShebli et al. 2022 Supplementary Fig. 3's planted cities (``_World._plant_disruption``); the bytes oracle of
``test_sampleworld`` turns it off to check that the plant changes nothing but references."""
DISRUPTIVE_OWN_OUT = 0.8
"""Share of the disruptive city's in-corpus references sent outside the corpus (few works then share
its papers' references)."""
DEVELOPMENTAL_FOLLOW = 0.9
"""Chance that a work citing a paper of the developmental city also cites one or two of its references."""


def _work_num(k: int) -> int:
    return 2_000_000_000 + (k * 48_271 + 12_345) % _P_WORK


def _alshebli2022_pmid(k: int) -> int:
    """The PMID of the AlShebli et al. 2022 world's life-science work ``k``: the w-th integer from 10,000,000 on
    that is not 3 mod 8 (w a bijection of ``k``), so it never is a PMID of the life-science world
    (all 3 mod 8) and two works never share one."""
    w = (k * 7_001 + 3) % _P_PMID
    q, s = divmod(w, 7)
    return 10_000_000 + 8 * q + (s if s < 3 else s + 1)


def _lerp(pair: tuple[float, float], year: int) -> float:
    f = min(max((year - 1990) / 29.0, 0.0), 1.0)
    return pair[0] + (pair[1] - pair[0]) * f


def _write_gzip_bytes(path: Path, data: bytes, inner_name: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh, gzip.GzipFile(filename=inner_name, mode="wb", fileobj=fh, mtime=0) as gz:
        gz.write(data)


def _write_manifest(entity_dir: Path, entity: str, parts: list[tuple[str, int]]) -> None:
    entries = []
    for rel, count in parts:
        size = (entity_dir / rel).stat().st_size
        entries.append({"url": f"s3://openalex/data/{entity}/{rel}", "meta": {"content_length": size, "record_count": count}})
    doc = {"entries": entries, "meta": {"content_length": sum(e["meta"]["content_length"] for e in entries),
                                        "record_count": sum(e["meta"]["record_count"] for e in entries)}}
    (entity_dir / "manifest").write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n")


_Q_KEYS = ("authorships_without_institution", "authorships_without_institution_raw_city",
           "authorships_with_merged_institution_id", "references_to_merged_work_ids",
           "references_out_of_corpus", "references_in_corpus", "duplicate_lines",
           "works_without_primary_source", "noncorpus_type_works", "works_with_pmid",
           "works_without_abstract", "works_without_doi", "works_without_type_crossref")
_KINDS = ("ai", "lifesci", "cs", "other")
_GZIP_LEVEL = 3  # works parts: one gzip member per (year, part); level 3 keeps sizes within ~10 % of level 5


class _MemberWriter:
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


def _year_seed(seed: int, year: int, stream: bytes) -> np.random.SeedSequence:
    """The random stream of one year's rendering: a function of (seed, year) only, so the world does
    not depend on how many workers render it or in which order they finish."""
    return np.random.SeedSequence([abs(int(seed)) % (1 << 63), zlib.crc32(stream), int(year)])


class _YearRenderer:
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
        ss = _year_seed(self.seed, year, b"works-render")
        nrng = np.random.default_rng(ss)
        r = FastRandom(int(nrng.integers(0, 1 << 62)))
        self.r, self.nrng = r, nrng
        self.q = {k: 0 for k in _Q_KEYS}
        self.ai_def = {"concept_and_topic": 0, "concept_only": 0, "topic_only": 0, "low_score_ai_concept_nonai": 0}
        self.kw = {"ai_with_keyword": 0, "ai_without_keyword": 0, "nonai_with_keyword": 0, "nonai_without_keyword": 0}
        rw_all = self._references(job)
        nw = self.nw
        chunks = [_MemberWriter() for _ in range(nw)]
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
            lc, ai, kind = lead_city[k], ai_arr[k], _KINDS[kind_arr[k]]
            wid = f"W{_work_num(gi)}"
            west = not bloc[lc]
            title, words, has_kw = self._text(ai, kind)
            concepts, primary, topics = self._concepts_topics(ai, kind)
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
            if src is not None and src[3] == "conference" and kind == "lifesci":
                # never an atlas (Schmallenbach et al. 2024) conference paper: no life-science level-0 concept
                concepts = [_NOT_LIFESCI_ROOT.get(c["id"], c) | {"score": c["score"]} for c in concepts]
            doi = None if rnd() < cfg.NO_DOI_SHARE else f"https://doi.org/10.{1000 + int(rnd() * 8999)}/{wid.lower()}"
            if doi is None:
                self.q["works_without_doi"] += 1
            ids = {"openalex": OA + wid}
            if doi:
                ids["doi"] = doi
            if kind == "lifesci" and rnd() < cfg.LIFESCI_PMID_SHARE and tcr != "dataset":
                ids["pmid"] = f"https://pubmed.ncbi.nlm.nih.gov/{_alshebli2022_pmid(gi)}"
                self.q["works_with_pmid"] += 1
            lo, hi = t_off[k], t_off[k + 1]
            last = hi - lo - 1
            auths = [self._authorship(a_id[j], a_city[j], a_inst[j], a_inst2[j], a_region[j], a_hname[j],
                                      "first" if j == lo else ("last" if j - lo == last else "middle"), j - lo == last)
                     for j in range(lo, hi)]
            rw = rw_all[r_off[k]:r_off[k + 1]]
            if words is None:
                self.q["works_without_abstract"] += 1
                aii = None
            else:
                aii: dict[str, list[int]] = {}
                for i, w in enumerate(words):
                    pos = aii.get(w)
                    if pos is None:
                        aii[w] = [i]
                    else:
                        pos.append(i)
            self.kw[("ai" if ai else "nonai") + ("_with_keyword" if has_kw else "_without_keyword")] += 1
            fi = int(rnd() * nw)
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
                "cited_by_count": cited_by[k],
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
            line = orjson.dumps(rec, option=orjson.OPT_APPEND_NEWLINE)
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

    def _references(self, job: dict) -> list[str]:
        """``referenced_works`` of the whole year, flat in work order (each work's run sorted as
        strings: every id has 10 digits, so numeric order is string order)."""
        x = job["refs"]
        off = job["ref_off"]
        owner = np.repeat(np.arange(len(off) - 1), np.diff(off))
        inside = x >= 0
        nums = np.where(inside, 2_000_000_000 + (x * 48_271 + 12_345) % _P_WORK, -x)
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
            method = _pick(r, V.AI_KEYWORDS)
            method = ("a " if method[0] not in "aeiou" else "an ") + method + " model"
        elif ai:
            method = _pick(r, V.AI_METHODS_PLAIN)
        else:
            method = _pick(r, V.NONAI_METHODS)
        task = _pick(r, V.LIFESCI_TASKS if kind == "lifesci" else (V.AI_TASKS if ai else V.NONAI_TASKS))
        adj = _pick(r, V.ADJ)
        m_title = method.split(" ", 1)[1]
        title = _pick(r, V.TITLE).format(Adj=adj.capitalize(), adj=adj, method=m_title, task=task, Task=task.capitalize())
        if rnd() < cfg.NO_ABSTRACT_SHARE:
            return title, None, has_kw
        sents = [V.SENT[0]] + r.sample(V.SENT[1:], 2 + int(rnd() * 3))
        text = " ".join(s.format(adj=_pick(r, V.ADJ), method=method, task=task, n=2 + int(rnd() * 8)) for s in sents)
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
                l0 = _pick(r, V.LIFESCI_L0)
                cs.append(cpt(l0, uni(0.25, 0.8)))
                cs.append(cpt(_pick(r, V.LIFESCI_L1[l0[0]]), uni(0.2, 0.7)))
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
                l0 = _pick(r, V.LIFESCI_L0)
                cs.append(cpt(l0, uni(0.4, 0.9)))
                cs.append(cpt(_pick(r, V.LIFESCI_L1[l0[0]]), uni(0.2, 0.8)))
                pool = V.TOPICS_LIFESCI
            else:
                l0 = _pick(r, V.OTHER_L0)
                cs.append(cpt(l0, uni(0.4, 0.9)))
                pool = V.TOPICS_OTHER
            if low_ai:
                cs.append(cpt(V.C_AI, uni(0.02, 0.29)))
                self.ai_def["low_score_ai_concept_nonai"] += 1
            others = pool + V.TOPICS_NONAI_CS
        cs.sort(key=lambda c: -c["score"])
        p = _pick(r, pool)
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
               "author": {"id": f"{OA}A{5_000_000_000 + (a * 7_919 + 17) % _P_AUTH}", "display_name": name, "orcid": None},
               "institutions": [], "countries": [], "is_corresponding": corresponding, "raw_author_name": name,
               "raw_affiliation_strings": [], "affiliations": []}
        if rnd() < Q["authorship_no_institution"]:
            self.q["authorships_without_institution"] += 1
            if rnd() < Q["no_institution_raw_city_share"]:
                self.q["authorships_without_institution_raw_city"] += 1
                raw = f"{_pick(r, V.DEPARTMENTS)}, {city[0]}, {city[1]}"
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
            dept = _pick(r, V.DEPARTMENTS)
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
_NOT_LIFESCI_ROOT = {OA + k: {"id": OA + c[0], "wikidata": V.WD + c[1], "display_name": c[2], "level": c[3]}
                     for k, c in NOT_LIFESCI_ROOT_OF.items()}
_TOPIC_PARTS: dict[tuple, tuple] = {}


def _pick(r: random.Random, seq):
    return seq[int(r.random() * len(seq))]


_RENDERER: _YearRenderer | None = None


def _init_renderer(static: dict) -> None:
    global _RENDERER
    _RENDERER = _YearRenderer(static)


def _render_year(job: dict) -> dict:
    return _RENDERER.render(job)


class _World:
    progress = None  # progress(done, total, label), set by generate_world

    def __init__(self, sc: cfg.Scale, seed: int, start: int, end: int, out: Path) -> None:
        self.sc, self.seed, self.start, self.end, self.out = sc, seed, start, end, out
        self.r = FastRandom(seed)
        self.nrng = np.random.default_rng(seed)
        self.geo = Geography(self.r, self.nrng, sc.cities_top)
        inst_scale = {"tiny": 2.0, "demo": 6.0, "paper": 9.0}.get(sc.name, 6.0)
        self.insts = self.geo.build_institutions(self.r, inst_scale, {"tiny": 4}.get(sc.name, 10))
        # scale factor so that the default year range of the scale holds target_works
        default_total = sum(world_total(y) for y in range(sc.start_year, sc.end_year + 1))
        self.per_year = {y: max(5, round(world_total(y) * sc.target_works / default_total)) for y in range(start, end + 1)}
        self.n_expected = sum(self.per_year.values())
        self._plant_institution_quirks()
        # authors (compact arrays)
        self.a_city = array("i")
        self.a_inst = array("i")
        self.a_inst2 = array("i")
        self.a_end = array("h")
        self.a_last = array("h")
        self.a_prop = array("f")
        self.a_name = array("i")
        self.a_region = array("b")
        self.regions = list(V.NAMES)
        self.slots = [array("i") for _ in range(self.geo.n)]
        self.moves: list[tuple[int, int, int, int]] = []
        # citation buckets per year: (global work index array sorted by city, cumulative fitness, city starts)
        self.buckets: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self.lead_counts: dict[int, np.ndarray] = {}
        self.merged_old: dict[int, int] = {}  # work index -> old id number
        self.n_works = 0
        self.kernel = self._gravity_kernel()
        self.t = {  # truth counters
            "works_per_year": {}, "ai_works_per_year": {}, "ai_corpus_works_per_year": {}, "east_share_per_year": {},
            "lifesci_ai_works_per_year": {},
        }
        self.q = {k: 0 for k in _Q_KEYS}
        self.ai_def = {"concept_and_topic": 0, "concept_only": 0, "topic_only": 0, "low_score_ai_concept_nonai": 0}
        self.kw = {"ai_with_keyword": 0, "ai_without_keyword": 0, "nonai_with_keyword": 0, "nonai_without_keyword": 0}
        self.city_inv = np.zeros(self.geo.n, dtype=np.int64)  # works involving the city
        self.city_cross = np.zeros(self.geo.n, dtype=np.int64)  # ... that involve both blocs
        self.city_ai_lead = {}  # year -> counts
        self.dup_ids: list[str] = []
        self.malformed: list[dict] = []
        n_mal = max(1, self.n_expected // cfg.QUIRKS["malformed_per_works"])
        self.malformed_at = set(self.r.sample(range(self.n_expected), n_mal))
        self.venues = {kind: [v for v in V.VENUES if v[5] == kind and v[3] != "book series"] for kind in ("ai", "lifesci", "other")}
        self.ooc_pool = max(1000, 3 * self.n_expected)
        # Supplementary Fig. 3: the largest Western city is planted disruptive, the largest Eastern city
        # besides the bridge and the fast capital developmental (shares of the last year); own random
        # stream, so every other draw of the world is unchanged
        last = self.geo.city_share(end)
        others = np.ones(self.geo.n, dtype=bool)
        others[[self.geo.bridge, self.geo.fast]] = False
        self.disruptive_city = int(np.argmax(np.where(~self.geo.bloc & others, last, -1.0)))
        self.developmental_city = int(np.argmax(np.where(self.geo.bloc & others, last, -1.0)))
        self.plant_rng = np.random.default_rng([seed, 0xD15])
        self.plant_refs = {c: ([], []) for c in (self.disruptive_city, self.developmental_city)}  # papers, their references
        self.plant_counts = {"own_references_sent_out": 0, "citer_references_left_out": 0, "citer_references_added": 0}

    # ------------------------------------------------------------------------------------------
    def _plant_institution_quirks(self) -> None:
        r, Q = self.r, cfg.QUIRKS
        protected = {self.geo.bridge, self.geo.fast}
        self.inst_quirks = {"institution_null_country": [], "institution_no_geo_country_only": [],
                            "institution_no_geo_no_country": [], "funder_typed_university": [], "merged_institution": []}
        for inst in self.insts:
            city = self.geo.cities[inst.city]
            first = city.institutions[0] == inst.idx
            if inst.type == "funder":
                self.inst_quirks["funder_typed_university"].append(inst.oa_id)
            if not first and inst.city not in protected:
                u = r.random()
                if u < Q["institution_null_country"]:
                    inst.country_code = None
                    inst.quirk = "null_country"
                    self.inst_quirks["institution_null_country"].append(inst.oa_id)
                elif u < Q["institution_null_country"] + Q["institution_no_geo"]:
                    inst.geo = None
                    if r.random() < Q["no_geo_country_only_share"]:
                        inst.quirk = "no_geo_country_only"
                        self.inst_quirks["institution_no_geo_country_only"].append(inst.oa_id)
                    else:
                        inst.country_code = None
                        inst.quirk = "no_geo_no_country"
                        self.inst_quirks["institution_no_geo_no_country"].append(inst.oa_id)
            if inst.type == "education" and r.random() < Q["funder_typed_university"]:
                inst.type = "funder"
                self.inst_quirks["funder_typed_university"].append(inst.oa_id)
            if r.random() < Q["merged_institution"]:
                inst.old_id = f"I{r.randrange(4_300_000_000, 4_400_000_000)}"
                self.inst_quirks["merged_institution"].append(inst.oa_id)
        # at least one institution of each kind of hole, even in the tiny world
        eligible = [i for i in self.insts if i.quirk is None and i.city not in protected
                    and self.geo.cities[i.city].institutions[0] != i.idx]
        for key in ("institution_null_country", "institution_no_geo_country_only", "institution_no_geo_no_country"):
            if not self.inst_quirks[key] and eligible:
                inst = eligible.pop(r.randrange(len(eligible)))
                if key == "institution_null_country":
                    inst.country_code, inst.quirk = None, "null_country"
                elif key == "institution_no_geo_country_only":
                    inst.geo, inst.quirk = None, "no_geo_country_only"
                else:
                    inst.geo, inst.country_code, inst.quirk = None, None, "no_geo_no_country"
                self.inst_quirks[key].append(inst.oa_id)
        if not self.inst_quirks["merged_institution"]:
            inst = self.insts[r.randrange(len(self.insts))]
            inst.old_id = f"I{r.randrange(4_300_000_000, 4_400_000_000)}"
            self.inst_quirks["merged_institution"].append(inst.oa_id)
        for v in self.inst_quirks.values():
            v.sort()
        self.inst_embed = []
        for inst in self.insts:
            self.inst_embed.append({"id": OA + inst.oa_id, "display_name": inst.display_name, "ror": inst.ror,
                                    "country_code": inst.country_code, "type": inst.type, "lineage": [OA + inst.oa_id]})

    def _gravity_kernel(self) -> np.ndarray:
        g, G = self.geo, cfg.GRAVITY
        same_city = np.eye(g.n, dtype=bool)
        same_country = g.country_idx[:, None] == g.country_idx[None, :]
        west = ~g.bloc
        both_west = west[:, None] & west[None, :]
        cross = g.bloc[:, None] != g.bloc[None, :]
        bridge = np.zeros((g.n, g.n), dtype=bool)
        bridge[g.bridge, :] = True
        bridge[:, g.bridge] = True
        bridge[g.bridge, g.bridge] = False
        d = np.maximum(g.dist_km, cfg.DIST_FLOOR_KM)
        logk = (-G["b3_distance"] * np.log(d) + G["b4_same_city"] * same_city + G["b5_same_country"] * same_country
                + G["b6_both_west"] * both_west + G["b7_bridge_cross_bloc"] * (bridge & cross)
                + G["b8_bridge_same_bloc"] * (bridge & ~cross))
        return np.exp(logk)

    # ------------------------------------------------------------------------------------------
    def _new_author(self, city: int, year: int) -> int:
        r = self.r
        a = len(self.a_city)
        self.a_city.append(city)
        c = self.geo.cities[city]
        self.a_inst.append(c.institutions[bisect.bisect_left(c.inst_cum, r.random())] if len(c.institutions) > 1 else c.institutions[0])
        if len(c.institutions) > 1 and r.random() < cfg.MULTI_AFFILIATION_SHARE:
            other = c.institutions[r.randrange(len(c.institutions))]
            self.a_inst2.append(other if other != self.a_inst[a] else -1)
        else:
            self.a_inst2.append(-1)
        self.a_end.append(year + int(r.expovariate(1.0 / cfg.CAREER_MEAN_YEARS)) + 1)
        self.a_last.append(year)
        (s1, p1), (_, p2) = cfg.AUTHOR_PROPENSITY
        self.a_prop.append(p1 if r.random() < s1 else p2)
        region = V.NAME_REGION.get(c.country_code, "eu" if c.bloc == "W" else "sea")
        self.a_region.append(self.regions.index(region))
        self.a_name.append(r.randrange(1 << 20))
        return a

    def _pick_author(self, city: int, year: int, exclude: list[int]) -> int:
        r = self.r
        slots = self.slots[city]
        if len(slots) and r.random() >= cfg.P_NEW_AUTHOR:
            for _ in range(6):
                if not len(slots):
                    break
                k = r.randrange(len(slots))
                a = slots[k]
                if self.a_city[a] == city and self.a_end[a] >= year:
                    if a not in exclude:
                        return a
                    continue
                slots[k] = slots[-1]
                slots.pop()
        return self._new_author(city, year)

    def _author_name(self, a: int) -> str:
        first, last = V.NAMES[self.regions[self.a_region[a]]]
        h = self.a_name[a]
        return f"{first[h % len(first)]} {last[(h >> 8) % len(last)]}"

    def _pick_city(self, cum: np.ndarray, avoid: int) -> int:
        for _ in range(8):
            c = int(np.searchsorted(cum, self.r.random() * cum[-1], side="right"))
            c = min(c, len(cum) - 1)
            if c != avoid:
                return c
        return c

    # ------------------------------------------------------------------------------------------
    def _moves(self, year: int, share: np.ndarray, active: list[int]) -> None:
        r, g = self.r, self.geo
        dest = share.copy()
        dest[g.bridge] *= cfg.BRIDGE_DEST_BOOST
        cum = {b: np.cumsum(np.where(g.bloc == (b == "E"), dest, 0.0)) for b in ("E", "W")}
        for a in active:
            if self.a_end[a] < year:
                continue
            src = self.a_city[a]
            ob = "E" if g.bloc[src] else "W"
            if src == g.bridge:
                if r.random() >= cfg.BRIDGE_MOVE_RATE:
                    continue
                db = "E" if r.random() < cfg.BRIDGE_MOVE_DEST["E"] else "W"
                dst = self._pick_city(cum[db], src)
            else:
                if r.random() >= cfg.MOVE_RATE[ob]:
                    continue
                db = "E" if r.random() < cfg.MOVE_DEST[ob]["E"] else "W"
                if db != ob and r.random() < cfg.BRIDGE_VIA:
                    dst = g.bridge  # career path through the bridge city
                else:
                    dst = self._pick_city(cum[db], src)
            if dst == src:
                continue
            c = g.cities[dst]
            self.a_city[a] = dst
            self.a_inst[a] = c.institutions[bisect.bisect_left(c.inst_cum, r.random())] if len(c.institutions) > 1 else c.institutions[0]
            self.a_inst2[a] = -1
            self.slots[dst].append(a)
            self.moves.append((a, year, src, dst))

    # ------------------------------------------------------------------------------------------
    def run(self, workers: int = 1) -> dict:
        """Simulate the years in order here and render them (records, gzip) in ``workers`` processes
        (in this process when ``workers`` <= 1). Each part file is a sequence of gzip members, one per
        year that wrote to it, appended in year order: a multi-member gzip file, as OpenAlex's own parts
        are. The bytes do not depend on ``workers``."""
        sc = self.sc
        dates = sc.works_dates
        self.writer_rel = [f"updated_date={d}/part_{p:03d}.gz" for d in dates for p in range(sc.works_parts)]
        self.writer_date = [d for d in dates for _ in range(sc.works_parts)]
        works_dir = self.out / "data" / "works"
        files = []
        for rel in self.writer_rel:
            (works_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            files.append(open(works_dir / rel, "wb"))
        self.file_lines = [0] * len(files)
        static = self._render_static()
        pool = None
        if workers > 1:
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                       initializer=_init_renderer, initargs=(static,))
        else:
            renderer = _YearRenderer(static)
        pending: deque = deque()
        try:
            active_prev: list[int] = []
            n_years = self.end - self.start + 1
            done = 0
            for year in range(self.start, self.end + 1):
                job, active_prev = self._year(year, active_prev)
                if pool is None:
                    self._apply(renderer.render(job), files)
                    done += 1
                else:
                    pending.append(pool.submit(_render_year, job))
                    while len(pending) > workers:  # bounded memory: at most workers + 1 years in flight
                        self._apply(pending.popleft().result(), files)
                        done += 1
                del job
                if self.progress:
                    self.progress(done, n_years, f"sample world: year {year}")
            while pending:
                self._apply(pending.popleft().result(), files)
                done += 1
                if self.progress:
                    self.progress(done, n_years, "sample world: writing")
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
            for fh in files:
                fh.close()
        for fi, rel in enumerate(self.writer_rel):
            if not self.file_lines[fi]:  # a part no year wrote to is still a valid (empty) gzip file
                _write_gzip_bytes(works_dir / rel, b"", rel.rsplit("/", 1)[1][:-3])
        _write_manifest(works_dir, "works", list(zip(self.writer_rel, self.file_lines)))
        self._write_institutions()
        self._write_merged_ids()
        return self._truth()

    def _render_static(self) -> dict:
        """What every year's rendering reads and nothing changes: pickled once per worker."""
        return {"seed": self.seed, "nw": len(self.writer_rel), "writer_date": self.writer_date,
                "bloc": [bool(b) for b in self.geo.bloc],
                "cities": [(c.name, c.country, c.country_code) for c in self.geo.cities],
                "insts": [(i.display_name, i.old_id) for i in self.insts], "inst_embed": self.inst_embed,
                "venues": self.venues, "book_series": next(v for v in V.VENUES if v[3] == "book series"),
                "regions": self.regions, "others_ai": V.TOPICS_AI + V.TOPICS_CV}

    def _apply(self, res: dict, files: list) -> None:
        """Append a rendered year to the part files and fold its counts into the truth."""
        for fi, (member, lines) in enumerate(res["members"]):
            if lines:
                files[fi].write(member)
        for fi, pos, wid in res["malformed"]:
            self.malformed.append({"file": f"data/works/{self.writer_rel[fi]}", "line": self.file_lines[fi] + pos,
                                   "work_id": wid})
        for fi, (_, lines) in enumerate(res["members"]):
            self.file_lines[fi] += lines
        self.dup_ids.extend(res["dup_ids"])
        for d_, src in ((self.q, res["q"]), (self.ai_def, res["ai_def"]), (self.kw, res["kw"])):
            for k, v in src.items():
                d_[k] += v
        year = res["year"]
        self.t["works_per_year"][year] = res["n"]
        self.t["ai_works_per_year"][year] = res["n_ai"]
        self.t["ai_corpus_works_per_year"][year] = res["n_ai_corpus"]
        self.t["lifesci_ai_works_per_year"][year] = res["n_ls"]
        self.t["east_share_per_year"][year] = round(res["n_ai_east"] / max(res["n_ai_corpus"], 1), 4)

    def _year(self, year: int, active_prev: list[int]) -> tuple[dict, list[int]]:
        r, g, nrng = self.r, self.geo, self.nrng
        share = g.city_share(year)
        self._moves(year, share, active_prev)
        n = self.per_year[year]
        lead_city = nrng.choice(g.n, size=n, p=share)
        cum_e = np.cumsum(np.where(g.bloc, share, 0.0))
        cum_w = np.cumsum(np.where(~g.bloc, share, 0.0))
        boosted = share.copy()
        boosted[g.bridge] *= cfg.BRIDGE_PARTNER_BOOST
        cum_e_b = np.cumsum(np.where(g.bloc, boosted, 0.0))
        cum_w_b = np.cumsum(np.where(~g.bloc, boosted, 0.0))
        inbloc = share.copy()
        inbloc[g.bridge] *= cfg.BRIDGE_INBLOC_PARTNER_BOOST
        cum_e_in = np.cumsum(np.where(g.bloc, inbloc, 0.0))
        team_mean = _lerp(cfg.TEAM_SIZE_MEAN, year) - 1
        ls_share = _lerp(cfg.LIFESCI_SHARE, year)
        base = self.n_works
        works = []  # per work: (lead city, [authors in byline order], ai, kind)
        a_flat: list[int] = []  # every work's byline, concatenated
        active: set[int] = set()
        # team sizes drawn at once: the values one draw per work gave (nothing else draws from nrng in the loop)
        sizes = (1 + nrng.poisson(team_mean, size=n)).tolist() if team_mean > 0 else [1] * n
        for k, lc in enumerate(lead_city.tolist()):
            lead = self._pick_author(lc, year, [])
            team = [lead]
            cities = [lc]
            size = sizes[k]
            lead_e = bool(g.bloc[lc])
            for _ in range(size - 1):
                if r.random() < (cfg.BRIDGE_HOME_BIAS if lc == g.bridge else cfg.HOME_BIAS):
                    c = lc
                else:
                    p_cross = cfg.BRIDGE_CROSS_BLOC if lc == g.bridge else 1 - cfg.BLOC_BIAS
                    cross = r.random() < p_cross
                    east = lead_e != cross
                    if cross:
                        c = self._pick_city(cum_e_b if east else cum_w_b, lc)
                    else:
                        c = self._pick_city(cum_e_in if east else cum_w, lc)
                a = self._pick_author(c, year, team)
                team.append(a)
                cities.append(c)
            for a in team:
                self.slots[self.a_city[a]].append(a)
                self.a_last[a] = year
                active.add(a)
            ai = r.random() < self.a_prop[lead]
            if ai:
                kind = "lifesci" if r.random() < ls_share else "ai"
            else:
                u = r.random()
                kind = "cs" if u < 0.5 else ("lifesci" if u < 0.75 else "other")
            byline = team[1:]
            r.shuffle(byline)
            byline.append(lead)  # lead author = last author
            cset = sorted(set(cities))
            blocs = {bool(g.bloc[c]) for c in cset}
            for c in cset:
                self.city_inv[c] += 1
                if len(blocs) == 2:
                    self.city_cross[c] += 1
            works.append((lc, byline, ai, kind))
            a_flat.extend(byline)
        # citation bucket of this year
        fitness = nrng.lognormal(0.0, cfg.FITNESS_SIGMA, size=n)
        order = np.argsort(lead_city, kind="stable")
        starts = np.searchsorted(lead_city[order], np.arange(g.n + 1))
        self.buckets[year] = (order.astype(np.int64) + base, np.cumsum(fitness[order]), starts)
        self.lead_counts[year] = np.bincount(lead_city, minlength=g.n)
        flat_refs, ref_off = self._citations(year, lead_city, base, n)
        # merged works planted this year
        for k in range(n):
            if r.random() < cfg.QUIRKS["merged_work"]:
                self.merged_old[base + k] = 4_000_000_000 + r.randrange(300_000_000)
        self.n_works += n
        team_off = np.zeros(n + 1, dtype=np.int64)
        team_off[1:] = np.cumsum([len(w[1]) for w in works])
        a_id = np.array(a_flat, dtype=np.int64)
        merged = sorted(self.merged_old.items())
        job = {"year": year, "base": base, "n": n, "lead_city": lead_city.astype(np.int32),
               "ai": np.array([w[2] for w in works], dtype=bool),
               "kind": np.array([_KINDS.index(w[3]) for w in works], dtype=np.int8),
               "team_off": team_off, "a_id": a_id,
               "a_city": np.frombuffer(self.a_city, dtype=np.int32)[a_id],
               "a_inst": np.frombuffer(self.a_inst, dtype=np.int32)[a_id],
               "a_inst2": np.frombuffer(self.a_inst2, dtype=np.int32)[a_id],
               "a_region": np.frombuffer(self.a_region, dtype=np.int8)[a_id],
               "a_hname": np.frombuffer(self.a_name, dtype=np.int32)[a_id],
               "ref_off": ref_off, "refs": flat_refs,
               "merged_keys": np.array([k for k, _ in merged], dtype=np.int64),
               "merged_vals": np.array([v for _, v in merged], dtype=np.int64),
               "malformed_at": sorted(gi - base for gi in self.malformed_at if base <= gi < base + n),
               "fitness": fitness}
        return job, sorted(active)

    def _citations(self, year: int, lead_city: np.ndarray, base: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Referenced works of the year's works, flat in work order, and each work's offset into them:
        in-corpus global indices (>= 0) or -(out-of-corpus id)."""
        g, nrng, G = self.geo, self.nrng, cfg.GRAVITY
        mean = _lerp(cfg.REFS_MEAN, year)
        n_refs = nrng.poisson(nrng.gamma(4.0, mean / 4.0, size=n))
        n_in = nrng.binomial(n_refs, 1 - cfg.OUT_OF_CORPUS_SHARE)
        n_out = n_refs - n_in
        citing = np.repeat(np.arange(n), n_in)
        lags = nrng.choice(len(cfg.LAG_WEIGHTS), size=len(citing), p=np.array(cfg.LAG_WEIGHTS) / sum(cfg.LAG_WEIGHTS))
        cited = np.full(len(citing), -1, dtype=np.int64)
        ci = lead_city[citing]
        for lag in range(len(cfg.LAG_WEIGHTS)):
            t = year - lag
            sel = np.nonzero(lags == lag)[0]
            if t < self.start or not len(sel):
                continue
            prod = self.lead_counts[t].astype(float) ** G["b1_productivity"]
            W = self.kernel * prod[None, :]
            cumW = np.cumsum(W, axis=1)
            order = sel[np.argsort(ci[sel], kind="stable")]
            cities_sorted = ci[order]
            bounds = np.searchsorted(cities_sorted, np.arange(g.n + 1))
            js = np.empty(len(order), dtype=np.int64)
            for i in range(g.n):
                lo, hi = bounds[i], bounds[i + 1]
                if lo == hi:
                    continue
                u = nrng.random(hi - lo) * cumW[i, -1]
                js[lo:hi] = np.minimum(np.searchsorted(cumW[i], u, side="right"), g.n - 1)
            idx, cumfit, starts = self.buckets[t]
            lo_ = starts[js]
            hi_ = starts[js + 1]
            ok = hi_ > lo_
            base_f = np.where(lo_ > 0, cumfit[np.maximum(lo_ - 1, 0)], 0.0)
            top_f = cumfit[np.maximum(hi_ - 1, 0)]
            u = base_f + nrng.random(len(order)) * (top_f - base_f)
            pos = np.clip(np.searchsorted(cumfit, u, side="right"), lo_, np.maximum(hi_ - 1, lo_))
            cited[order[ok]] = idx[pos[ok]]
        self_cite = cited == (citing + base)
        cited[self_cite] = -1
        in_ok = cited >= 0
        pairs = np.unique(np.stack([citing[in_ok], cited[in_ok]], axis=1), axis=0) if in_ok.any() else np.zeros((0, 2), dtype=np.int64)
        # references that fell before the first year or on an empty bucket go out of the corpus
        extra = np.bincount(citing[~in_ok], minlength=n)
        n_out = n_out + extra
        ooc = nrng.integers(0, self.ooc_pool, size=int(n_out.sum()))
        pairs, moved = self._plant_disruption(lead_city, base, pairs)
        moved_ooc = self.plant_rng.integers(0, self.ooc_pool, size=len(moved))
        # each work's run: its in-corpus references (ascending), then its out-of-corpus ones in draw order
        # (the planted ones last)
        owner = np.concatenate([pairs[:, 0], np.repeat(np.arange(n), n_out), moved])
        order = np.argsort(owner, kind="stable")
        flat = np.concatenate([pairs[:, 1], -(3_000_000_000 + ooc), -(3_000_000_000 + moved_ooc)])[order].astype(np.int64)
        ref_off = np.zeros(n + 1, dtype=np.int64)
        ref_off[1:] = np.cumsum(np.bincount(owner, minlength=n))
        return flat, ref_off

    def _disruption_truth(self) -> dict:
        """What Supplementary Fig. 3's plant did: the two cities, the mechanism and the references it moved."""
        def city(i: int) -> dict:
            c = self.geo.cities[i]
            return {"geonames_id": c.geonames_id, "name": c.name, "country_code": c.country_code, "bloc": c.bloc,
                    "papers": int(sum(len(p) for p in self.plant_refs[i][0]))}

        return {"planted": PLANT_DISRUPTION,
                "disruptive_city": {**city(self.disruptive_city), "own_references_sent_out_share": DISRUPTIVE_OWN_OUT,
                                    "mechanism": "its citers leave out its papers' references; its papers cite mostly outside the corpus"},
                "developmental_city": {**city(self.developmental_city), "citer_follows_references_probability": DEVELOPMENTAL_FOLLOW,
                                       "mechanism": "a work citing one of its papers also cites one or two of that paper's references"},
                "choice": "the largest Western city and the largest Eastern city besides the bridge and the fast capital, by share in the last year",
                "references": dict(self.plant_counts),
                "intent": "the disruptive city with the largest share of its AI papers among the 10 % most disruptive "
                          "(CD_5) and the developmental city with the most among the 10 % most developmental; a plant, "
                          "not a claim: the generator does not compute the CD index (truth['claims'] holds what it checks), "
                          "test_disruption checks it on seeds 7 and 20221121"}

    def _planted_refs(self, city: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The planted city's papers of earlier years (global indices, ascending), the offsets of their
        in-corpus references and those references."""
        papers, refs = self.plant_refs[city]
        ids = np.concatenate(papers) if papers else np.zeros(0, dtype=np.int64)
        counts = np.concatenate([np.array([len(r) for r in rr], dtype=np.int64) for rr in refs]) if refs else np.zeros(0, dtype=np.int64)
        flat = np.concatenate([np.concatenate(rr) if rr else np.zeros(0, dtype=np.int64) for rr in refs]) if refs else np.zeros(0, dtype=np.int64)
        off = np.zeros(len(ids) + 1, dtype=np.int64)
        off[1:] = np.cumsum(counts)
        return ids, off, flat

    def _plant_disruption(self, lead_city: np.ndarray, base: int, pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """AlShebli et al. 2022 Supplementary Fig. 3's planted cities, on the year's in-corpus references ``pairs``
        (local citing index, global cited index):

        * disruptive city: its papers send ``DISRUPTIVE_OWN_OUT`` of their in-corpus references outside
          the corpus, and a work citing one of its papers leaves out that paper's references: its
          citers ignore what it built on (CD near 1);
        * developmental city: a work citing one of its papers also cites one or two of that paper's
          references, with probability ``DEVELOPMENTAL_FOLLOW`` (CD below 0).

        Returns the new pairs and the citing (local) index of each reference sent outside the corpus
        (it stays a reference, to an out-of-corpus work). Then records the year's papers of both
        cities with their references."""
        n_pairs = len(pairs)
        moved = np.zeros(0, dtype=np.int64)
        if PLANT_DISRUPTION and n_pairs:
            rng, D, V = self.plant_rng, self.disruptive_city, self.developmental_city
            c, cited = pairs[:, 0], pairs[:, 1]
            big = np.int64(1) << 32
            out = (lead_city[c] == D) & (rng.random(n_pairs) < DISRUPTIVE_OWN_OUT)
            ids, off, flat = self._planted_refs(D)
            at = np.searchsorted(ids, cited)
            hit = (at < len(ids)) & (ids[np.minimum(at, max(len(ids) - 1, 0))] == cited) if len(ids) else np.zeros(n_pairs, dtype=bool)
            rows = np.flatnonzero(hit)
            k = off[at[rows] + 1] - off[at[rows]]
            row = np.repeat(rows, k)
            offs = np.arange(len(row)) - np.repeat(np.cumsum(k) - k, k)
            left_out = np.isin(c * big + cited, c[row] * big + flat[off[at[row]] + offs]) & ~out
            self.plant_counts["own_references_sent_out"] += int(out.sum())
            self.plant_counts["citer_references_left_out"] += int(left_out.sum())
            moved = c[out | left_out]
            kept = pairs[~(out | left_out)]
            ids, off, flat = self._planted_refs(V)
            cited = kept[:, 1]
            at = np.searchsorted(ids, cited)
            hit = (at < len(ids)) & (ids[np.minimum(at, max(len(ids) - 1, 0))] == cited) if len(ids) else np.zeros(len(kept), dtype=bool)
            rows = np.flatnonzero(hit)
            k = off[at[rows] + 1] - off[at[rows]]
            rows, k = rows[k > 0], k[k > 0]
            follow = rng.random(len(rows)) < DEVELOPMENTAL_FOLLOW
            rows, k = rows[follow], k[follow]
            two = rng.random(len(rows)) < 0.5
            picks = [np.floor(rng.random(len(rows)) * k).astype(np.int64), np.floor(rng.random(len(rows)) * k).astype(np.int64)]
            start = off[at[rows]]
            added = np.concatenate([np.stack([kept[rows, 0], flat[start + picks[0]]], axis=1),
                                    np.stack([kept[rows[two], 0], flat[start[two] + picks[1][two]]], axis=1)])
            merged = np.unique(np.concatenate([kept, added]), axis=0)
            self.plant_counts["citer_references_added"] += len(merged) - len(kept)
            pairs = merged
        for city in (self.disruptive_city, self.developmental_city):
            mine = np.flatnonzero(lead_city == city)
            papers, refs = self.plant_refs[city]
            at = np.searchsorted(pairs[:, 0], mine), np.searchsorted(pairs[:, 0], mine, side="right")
            papers.append(mine.astype(np.int64) + base)
            refs.append([pairs[a:b, 1].astype(np.int64) for a, b in zip(*at)])
        return pairs, moved

    # ------------------------------------------------------------------------------------------
    def _write_institutions(self) -> None:
        lines = []
        for inst in self.insts:
            rec = {"id": OA + inst.oa_id, "ror": inst.ror, "display_name": inst.display_name,
                   "country_code": inst.country_code, "type": inst.type, "lineage": [OA + inst.oa_id],
                   "homepage_url": None,
                   "ids": {"openalex": OA + inst.oa_id, "ror": inst.ror},
                   "geo": inst.geo, "works_count": None, "updated_date": f"{cfg.INSTITUTIONS_DATE}T00:00:00.000000"}
            lines.append(orjson.dumps(rec) + b"\n")
        rel = f"updated_date={cfg.INSTITUTIONS_DATE}/part_000.gz"
        d = self.out / "data" / "institutions"
        _write_gzip_bytes(d / rel, b"".join(lines), "part_000")
        _write_manifest(d, "institutions", [(rel, len(lines))])

    def _write_merged_ids(self) -> None:
        def csv_bytes(rows):
            buf = io.StringIO()
            w = csv.writer(buf, lineterminator="\n")
            w.writerow(["merge_date", "id", "merge_into_id"])
            w.writerows(rows)
            return buf.getvalue().encode()

        items = sorted(self.merged_old.items())
        per_date: dict[str, list] = {d: [] for d in cfg.MERGE_DATES_WORKS}
        for n_, (gi, old) in enumerate(items):
            d = cfg.MERGE_DATES_WORKS[n_ % len(cfg.MERGE_DATES_WORKS)]
            per_date[d].append((d, f"W{old}", f"W{_work_num(gi)}"))
        for d, rows in per_date.items():
            _write_gzip_bytes(self.out / "data" / "merged_ids" / "works" / f"{d}.csv.gz", csv_bytes(rows), f"{d}.csv")
        d = cfg.MERGE_DATE_INSTITUTIONS
        rows = [(d, inst.old_id, inst.oa_id) for inst in self.insts if inst.old_id]
        _write_gzip_bytes(self.out / "data" / "merged_ids" / "institutions" / f"{d}.csv.gz", csv_bytes(rows), f"{d}.csv")

    # ------------------------------------------------------------------------------------------
    def _truth(self) -> dict:
        g = self.geo
        pair = {"E->E": 0, "E->W": 0, "W->E": 0, "W->W": 0}
        observed = dict(pair)
        for a, year, s, d in self.moves:
            key = f"{'E' if g.bloc[s] else 'W'}->{'E' if g.bloc[d] else 'W'}"
            pair[key] += 1
            if self.a_last[a] >= year and self.a_city[a] == d:
                observed[key] += 1
        years = list(range(self.start, self.end + 1))
        lead_by_city = {str(c.geonames_id): [int(self.lead_counts[y][c.idx]) for y in years] for c in g.cities}
        cross = {}
        for c in g.cities:
            if self.city_inv[c.idx]:
                cross[str(c.geonames_id)] = {"works": int(self.city_inv[c.idx]), "cross_bloc_works": int(self.city_cross[c.idx]),
                                             "cross_bloc_share": round(float(self.city_cross[c.idx] / self.city_inv[c.idx]), 4)}
        k = min(5, len(years))
        growth, increase = {}, {}
        for c in g.cities:
            if c.is_capital and c.bloc == "E":
                first = int(sum(self.lead_counts[y][c.idx] for y in years[:k]))
                last = int(sum(self.lead_counts[y][c.idx] for y in years[-k:]))
                growth[c.name] = round(math.log((last + 1) / (first + 1)), 4)
                increase[c.name] = last - first
        bridge = g.cities[g.bridge]
        fast = g.cities[g.fast]
        return {
            "parameters": None,  # filled by caller
            "definitions": {
                "west": cfg.WEST_RULE,
                "lead_author": "last author (authorships[-1]); the work's city is the lead author's institution city",
                "ai_work": "concept C154945302 with score >= 0.3, or primary_topic.subfield = subfields/1702",
                "corpus_types": ["article"],
                "east_share_per_year": "AI works of type article whose lead author's city is East / all such works",
                "manifest_record_count": "lines in the part file (malformed and duplicate lines included)",
                "cited_by_count": "synthetic (outside-world citations); use referenced_works for citation windows",
            },
            "bridge_city": {"geonames_id": bridge.geonames_id, "name": bridge.name, "country_code": bridge.country_code,
                            "cross_bloc_coauthor_probability": cfg.BRIDGE_CROSS_BLOC,
                            "partner_boost": cfg.BRIDGE_PARTNER_BOOST,
                            "home_bias": cfg.BRIDGE_HOME_BIAS,
                            "inbloc_partner_boost": cfg.BRIDGE_INBLOC_PARTNER_BOOST,
                            "size_boost": cfg.BRIDGE_SIZE_BOOST,
                            "extra_log_growth_per_year": cfg.BRIDGE_GROWTH,
                            "citation_cross_bloc_log_boost": cfg.GRAVITY["b7_bridge_cross_bloc"],
                            "citation_same_bloc_log_boost": cfg.GRAVITY["b8_bridge_same_bloc"],
                            "cross_bloc_moves_via_bridge": cfg.BRIDGE_VIA,
                            "destination_boost": cfg.BRIDGE_DEST_BOOST,
                            "move_rate": cfg.BRIDGE_MOVE_RATE,
                            "move_destination_split": cfg.BRIDGE_MOVE_DEST},
            "fast_capital": {"planted": {"geonames_id": fast.geonames_id, "name": fast.name, "country_code": fast.country_code,
                                         "extra_log_growth_per_year": cfg.FAST_CAPITAL_GROWTH},
                             "definition": "increase in lead-author works, first vs last 5 years (claims: the realized fastest)",
                             "observed_increase_first_vs_last_5_years": increase,
                             "observed_log_growth_first_vs_last_5_years": growth},
            "east_share_per_year": self.t["east_share_per_year"],
            "works_per_year": self.t["works_per_year"],
            "ai_works_per_year": self.t["ai_works_per_year"],
            "ai_corpus_works_per_year": self.t["ai_corpus_works_per_year"],
            "lifesci_ai_works_per_year": self.t["lifesci_ai_works_per_year"],
            "n_works": self.n_works,
            "n_authors": len(self.a_city),
            "n_institutions": len(self.insts),
            "ai_definition_counts": self.ai_def,
            "ai_keyword_counts": self.kw,
            "gravity": dict(cfg.GRAVITY, dist_floor_km=cfg.DIST_FLOOR_KM, lag_weights=list(cfg.LAG_WEIGHTS),
                            refs_mean=list(cfg.REFS_MEAN), out_of_corpus_share=cfg.OUT_OF_CORPUS_SHARE),
            "disruption": self._disruption_truth(),
            "citations": {"in_corpus": self.q["references_in_corpus"], "out_of_corpus": self.q["references_out_of_corpus"],
                          "to_merged_old_ids": self.q["references_to_merged_work_ids"]},
            "mobility": {"move_rate_by_origin_bloc": cfg.MOVE_RATE, "destination_split": cfg.MOVE_DEST,
                         "move_rates_by_bloc_pair": {f"{o}->{d}": round(cfg.MOVE_RATE[o] * cfg.MOVE_DEST[o][d], 5)
                                                     for o in ("E", "W") for d in ("E", "W")},
                         "moves": pair, "moves_followed_by_a_paper": observed},
            "coauthorship": {"home_bias": cfg.HOME_BIAS, "bloc_bias": cfg.BLOC_BIAS,
                             "team_size_mean": list(cfg.TEAM_SIZE_MEAN),
                             "cross_bloc_share_by_city": cross},
            "quirks": {
                **{k: v for k, v in self.q.items() if k not in ("references_in_corpus", "references_out_of_corpus")},
                "malformed_lines": self.malformed,
                "n_malformed_lines": len(self.malformed),
                "duplicate_work_ids": self.dup_ids[:1000],
                "merged_work_ids": len(self.merged_old),
                "merged_institution_ids": len(self.inst_quirks["merged_institution"]),
                "institutions_null_country_code": len(self.inst_quirks["institution_null_country"]),
                "institutions_without_geo": len(self.inst_quirks["institution_no_geo_country_only"])
                + len(self.inst_quirks["institution_no_geo_no_country"]),
                "institutions_without_geo_country_only": len(self.inst_quirks["institution_no_geo_country_only"]),
                "institutions_funder_typed": len(self.inst_quirks["funder_typed_university"]),
                "institution_ids_by_quirk": self.inst_quirks,
            },
            "cities": [{"geonames_id": c.geonames_id, "name": c.name, "country_code": c.country_code,
                        "bloc": c.bloc, "latitude": c.lat, "longitude": c.lon, "capital": c.is_capital,
                        "n_institutions": len(c.institutions)} for c in g.cities],
            "lead_works_by_city_year": {"years": years, "counts": lead_by_city},
        }


def _params(scale: str, seed: int, start: int, end: int, lifesci_end: int, lifesci_scale: str | None = None) -> dict:
    params = {"scale": scale, "seed": seed, "start_year": start, "end_year": end, "lifesci_end_year": lifesci_end,
              "generator_version": cfg.GENERATOR_VERSION}
    if lifesci_scale is not None and lifesci_scale != scale:
        params["lifesci_scale"] = lifesci_scale
    return params


def default_workers() -> int:
    """Processes that render works by default: the CPUs this process may run on (1 inside a daemonic
    process, which may not start processes of its own)."""
    if multiprocessing.current_process().daemon:
        return 1
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def generate_world(root: Path, scale: str = "demo", seed: int = 20221121, start_year: int | None = None,
                   end_year: int | None = None, progress=None, workers: int | None = None,
                   lifesci_end_year: int | None = None, lifesci_scale: str | None = None) -> Path:
    """Write a sample-world OpenAlex snapshot to ``root`` (idempotent) and return ``root``.
    ``progress(done, total, label)`` is called after each generated year (a progress bar, a log).

    The world is a pure function of (scale, seed, years): ``workers`` (default: the usable CPUs)
    only sets how many processes render the works' records, each year from its own seed, and
    whether the life-science part runs beside them in a process of its own (``workers`` > 1) with
    as many processes rendering its records, each chunk of records from its own seed; the files'
    bytes are the same for any ``workers``.

    The life-science part (PubMed baseline, rankings, OpenAlex twins) covers its own years,
    2000 .. ``lifesci_end_year`` (None: ``lifesci.LIFESCI_END_YEAR`` = 2022, or ``end_year`` when
    later), whatever AlShebli et al. 2022's years; it is part of the world's parameters. ``lifesci_scale``
    (default: ``scale``) sizes the life-science part on its own, e.g. a tiny AlShebli et al. 2022 world with the
    demo's 12,000 AI life-science articles for a test of Schmallenbach et al. 2024's models."""
    from aigeo_assets.sampleworld.lifesci import FIRST_YEAR, LIFESCI_END_YEAR

    if scale not in cfg.SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {sorted(cfg.SCALES)}")
    sc = cfg.SCALES[scale]
    start = sc.start_year if start_year is None else int(start_year)
    end = sc.end_year if end_year is None else int(end_year)
    if end < start:
        raise ValueError(f"end_year {end} < start_year {start}")
    ls_end = max(LIFESCI_END_YEAR, end) if lifesci_end_year is None else int(lifesci_end_year)
    if ls_end < FIRST_YEAR:
        raise ValueError(f"lifesci_end_year {ls_end} < {FIRST_YEAR}, the first life-science year")
    root = Path(root)
    from aigeo_assets.sampleworld.lifesci import LS_SCALES

    ls_scale = scale if lifesci_scale is None else str(lifesci_scale)
    if ls_scale not in LS_SCALES:
        raise ValueError(f"unknown life-science scale {ls_scale!r}; choose one of {sorted(LS_SCALES)}")
    params = _params(scale, int(seed), start, end, ls_end, ls_scale)
    if _is_generated(root, params):
        return root
    root.parent.mkdir(parents=True, exist_ok=True)
    # Several Dagster processes may ask for the world at once: one generates, the others wait.
    with open(root.parent / f".{root.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _is_generated(root, params):
            return root
        n_workers = default_workers() if workers is None else int(workers)
        if multiprocessing.current_process().daemon:
            n_workers = 1  # same bytes, one process
        return _generate(root, sc, params, int(seed), start, end, progress, n_workers, ls_end, ls_scale)


def _is_generated(root: Path, params: dict) -> bool:
    truth_path = root / "truth.json"
    if truth_path.is_file():
        try:
            return json.loads(truth_path.read_text()).get("parameters") == params
        except (OSError, ValueError):
            return False
    return False


def _lifesci_child(root: Path, scale: str, seed: int, start: int, end: int, workers: int = 1) -> None:
    from aigeo_assets.sampleworld.lifesci import generate_lifesci

    generate_lifesci(root, scale, seed, start, end, workers)


def _merge_manifest(entity_dir: Path, entity: str, extra: list[tuple[str, int]]) -> None:
    """Add the parts ``extra`` (path under ``entity_dir``, records) to ``entity_dir/manifest``."""
    doc = orjson.loads((entity_dir / "manifest").read_bytes())
    prefix = f"s3://openalex/data/{entity}/"
    parts = [(e["url"][len(prefix):], e["meta"]["record_count"]) for e in doc["entries"]]
    _write_manifest(entity_dir, entity, parts + extra)


def _merge_lifesci_parts(root: Path) -> None:
    """List the life-science world's OpenAlex parts (the twins' works, their institutions) in the
    works and institutions manifests, after both parts of the world are written."""
    twins = json.loads((root / "truth_lifesci.json").read_text())["openalex_twins"]
    _merge_manifest(root / "data" / "works", "works",
                    [(p["file"].split("data/works/", 1)[1], p["records"]) for p in twins["parts"]])
    ip = twins["institutions_part"]
    _merge_manifest(root / "data" / "institutions", "institutions",
                    [(ip["file"].split("data/institutions/", 1)[1], ip["records"])])


def _generate(root: Path, sc, params: dict, seed: int, start: int, end: int, progress=None, workers: int = 1,
              lifesci_end: int | None = None, lifesci_scale: str | None = None) -> Path:
    from aigeo_assets.sampleworld.lifesci import FIRST_YEAR, LIFESCI_END_YEAR

    ls_start, ls_end = FIRST_YEAR, (LIFESCI_END_YEAR if lifesci_end is None else lifesci_end)
    tmp = root.parent / f".{root.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    lifesci = None
    try:
        # life-science part (Schmallenbach et al. 2024): own random streams, seeded from (seed, "lifesci"), and its own
        # files, so it runs beside the works when there is more than one CPU to run on
        if workers > 1:
            lifesci = multiprocessing.get_context("spawn").Process(
                target=_lifesci_child, args=(tmp, lifesci_scale or sc.name, seed, ls_start, ls_end, workers), name="sampleworld-lifesci")
            lifesci.start()
        world = _World(sc, seed, start, end, tmp)
        world.progress = progress
        truth = world.run(workers)
        truth["parameters"] = params
        truth["claims"] = realized_claims(truth)
        check_claims(truth)
        if lifesci is None:
            _lifesci_child(tmp, lifesci_scale or sc.name, seed, ls_start, ls_end)
        else:
            lifesci.join()
            if lifesci.exitcode != 0:
                raise RuntimeError(f"the life-science part of the sample world failed (exit code {lifesci.exitcode})")
            lifesci = None
        _merge_lifesci_parts(tmp)
        (tmp / "truth.json").write_text(json.dumps(truth, indent=1, ensure_ascii=False) + "\n")
        old = None
        if root.exists():
            old = root.parent / f".{root.name}.old-{os.getpid()}"
            root.rename(old)
        tmp.rename(root)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        if lifesci is not None and lifesci.is_alive():
            lifesci.terminate()
            lifesci.join()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return root
