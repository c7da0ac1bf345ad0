"""AlShebli et al. 2022's sample world: ``World`` draws the geography, institutions and authors, then year by
year the works (kind, team, cities, venue), the authors' moves and the citations through the gravity
model, and hands each year to ``records.YearRenderer``; it writes the works, institutions and
merged-ids parts and returns ``truth.json`` (``truth``)."""

from __future__ import annotations

import bisect
import csv
import io
import multiprocessing
import os
from array import array
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import orjson

from aigeo_assets.sampleworld import config as cfg
from aigeo_assets.sampleworld import vocab as V
from aigeo_assets.sampleworld.geography import Geography, world_total
from aigeo_assets.sampleworld.rng import FastRandom
from aigeo_assets.sampleworld.alshebli.common import (
    KINDS,
    OA,
    Q_KEYS,
    lerp,
    work_num,
    write_gzip_bytes,
    write_manifest,
)
from aigeo_assets.sampleworld.alshebli.disruption import Disruption
from aigeo_assets.sampleworld.alshebli.records import (
    YearRenderer,
    init_renderer,
    render_year,
)
from aigeo_assets.sampleworld.alshebli.truth import world_truth


class World(Disruption):
    """AlShebli et al. 2022's world of one (scale, seed, years): ``run`` draws the years in order (here,
    from the streams ``r`` and ``nrng``; Supplementary Fig. 3's plant from ``plant_rng``, ``disruption``)
    and renders each year's works (``records.YearRenderer``, here or in worker processes)."""

    progress = None  # progress(done, total, label), set by generate_world

    def __init__(self, sc: cfg.Scale, seed: int, start: int, end: int, out: Path,
                 plant_disruption: bool = True) -> None:
        self.sc, self.seed, self.start, self.end, self.out = sc, seed, start, end, out
        self.plant_disruption = plant_disruption  # Supplementary Fig. 3's plant (``disruption``)
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
        self.q = {k: 0 for k in Q_KEYS}
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
                                       initializer=init_renderer, initargs=(static, os.getpid()))
        else:
            renderer = YearRenderer(static)
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
                    pending.append(pool.submit(render_year, job))
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
                write_gzip_bytes(works_dir / rel, b"", rel.rsplit("/", 1)[1][:-3])
        write_manifest(works_dir, "works", list(zip(self.writer_rel, self.file_lines)))
        self.write_institutions()
        self.write_merged_ids()
        return world_truth(self)

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
        """Draw year ``year``: the authors' moves, each work's lead city, team and kind, the year's
        citation bucket, the works' citations and the merged works; return the year's render job and
        the authors active in it."""
        r, g, nrng = self.r, self.geo, self.nrng
        share = g.city_share(year)
        self._moves(year, share, active_prev)
        n = self.per_year[year]
        lead_city = nrng.choice(g.n, size=n, p=share)
        partner_cums = self._partner_cums(share)
        team_mean = lerp(cfg.TEAM_SIZE_MEAN, year) - 1
        ls_share = lerp(cfg.LIFESCI_SHARE, year)
        base = self.n_works
        works = []  # per work: (lead city, [authors in byline order], ai, kind)
        a_flat: list[int] = []  # every work's byline, concatenated
        active: set[int] = set()
        # team sizes drawn at once: the values one draw per work gave (nothing else draws from nrng in the loop)
        sizes = (1 + nrng.poisson(team_mean, size=n)).tolist() if team_mean > 0 else [1] * n
        for k, lc in enumerate(lead_city.tolist()):
            lead, team, cities = self._draw_team(lc, year, sizes[k], partner_cums)
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
        job = self._render_job(year, base, n, lead_city, works, a_flat, flat_refs, ref_off, fitness)
        return job, sorted(active)

    def _partner_cums(self, share: np.ndarray) -> tuple[np.ndarray, ...]:
        """Cumulative city shares a co-author's city is drawn from: East and West for a cross-bloc
        partner (the bridge boosted by ``BRIDGE_PARTNER_BOOST``), East and West within the bloc (the
        bridge boosted by ``BRIDGE_INBLOC_PARTNER_BOOST`` in the East)."""
        g = self.geo
        boosted = share.copy()
        boosted[g.bridge] *= cfg.BRIDGE_PARTNER_BOOST
        inbloc = share.copy()
        inbloc[g.bridge] *= cfg.BRIDGE_INBLOC_PARTNER_BOOST
        return (np.cumsum(np.where(g.bloc, boosted, 0.0)), np.cumsum(np.where(~g.bloc, boosted, 0.0)),
                np.cumsum(np.where(g.bloc, inbloc, 0.0)), np.cumsum(np.where(~g.bloc, share, 0.0)))

    def _draw_team(self, lc: int, year: int, size: int, partner_cums: tuple) -> tuple[int, list[int], list[int]]:
        """A work's lead author in city ``lc`` and ``size - 1`` co-authors (home city, same bloc or the
        other bloc); the team and its cities."""
        r, g = self.r, self.geo
        cum_e_b, cum_w_b, cum_e_in, cum_w = partner_cums
        lead = self._pick_author(lc, year, [])
        team = [lead]
        cities = [lc]
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
        return lead, team, cities

    def _render_job(self, year: int, base: int, n: int, lead_city: np.ndarray, works: list, a_flat: list[int],
                    flat_refs: np.ndarray, ref_off: np.ndarray, fitness: np.ndarray) -> dict:
        """What ``YearRenderer.render`` needs of the year (compact arrays: pickled to a worker)."""
        team_off = np.zeros(n + 1, dtype=np.int64)
        team_off[1:] = np.cumsum([len(w[1]) for w in works])
        a_id = np.array(a_flat, dtype=np.int64)
        merged = sorted(self.merged_old.items())
        return {"year": year, "base": base, "n": n, "lead_city": lead_city.astype(np.int32),
                "ai": np.array([w[2] for w in works], dtype=bool),
                "kind": np.array([KINDS.index(w[3]) for w in works], dtype=np.int8),
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

    def _citations(self, year: int, lead_city: np.ndarray, base: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Referenced works of the year's works, flat in work order, and each work's offset into them:
        in-corpus global indices (>= 0) or -(out-of-corpus id)."""
        g, nrng, G = self.geo, self.nrng, cfg.GRAVITY
        mean = lerp(cfg.REFS_MEAN, year)
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
        pairs, moved = self.plant_disruption_refs(lead_city, base, pairs)
        moved_ooc = self.plant_rng.integers(0, self.ooc_pool, size=len(moved))
        # each work's run: its in-corpus references (ascending), then its out-of-corpus ones in draw order
        # (the planted ones last)
        owner = np.concatenate([pairs[:, 0], np.repeat(np.arange(n), n_out), moved])
        order = np.argsort(owner, kind="stable")
        flat = np.concatenate([pairs[:, 1], -(3_000_000_000 + ooc), -(3_000_000_000 + moved_ooc)])[order].astype(np.int64)
        ref_off = np.zeros(n + 1, dtype=np.int64)
        ref_off[1:] = np.cumsum(np.bincount(owner, minlength=n))
        return flat, ref_off


    def write_institutions(self) -> None:
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
        write_gzip_bytes(d / rel, b"".join(lines), "part_000")
        write_manifest(d, "institutions", [(rel, len(lines))])

    def write_merged_ids(self) -> None:
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
            per_date[d].append((d, f"W{old}", f"W{work_num(gi)}"))
        for d, rows in per_date.items():
            write_gzip_bytes(self.out / "data" / "merged_ids" / "works" / f"{d}.csv.gz", csv_bytes(rows), f"{d}.csv")
        d = cfg.MERGE_DATE_INSTITUTIONS
        rows = [(d, inst.old_id, inst.oa_id) for inst in self.insts if inst.old_id]
        write_gzip_bytes(self.out / "data" / "merged_ids" / "institutions" / f"{d}.csv.gz", csv_bytes(rows), f"{d}.csv")
