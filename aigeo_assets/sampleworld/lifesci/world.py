"""The life-science world (Schmallenbach et al. 2024): ``LifesciWorld`` draws the geography, the outlets and the
citation model, then plans year by year the AI articles (lead region and country, international byline,
team size, outlet, keyword, clinical flag, NB2 citations, OpenAlex twin), their citations by citing
records and OpenAlex-only citers, the PMIDs and the files of the year's records; the render jobs it
returns are drawn into records by ``pubmed_records`` and ``openalex_records`` (``render``)."""

from __future__ import annotations

import bisect
import math
import zlib
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from aigeo_assets.corpus.lookup import run_starts
from aigeo_assets.geo.regions import WORLD_REGIONS, country_regions
from aigeo_assets.sampleworld import config as cfg
from aigeo_assets.sampleworld import vocab as V
from aigeo_assets.sampleworld.geography import Geography
from aigeo_assets.sampleworld.lifesci.params import (
    BACKGROUND_SHARE,
    CLINICAL_AI_SHARE,
    CLINICAL_CITER_SHARE,
    CLINICAL_CITER_SHARE_INTL,
    CONF_CHUNK,
    CONF_SHARE,
    CONF_WORK_SEQ_BASE,
    COUNTRY_WEIGHT,
    EUROPE,
    FIRST_YEAR,
    GROWTH,
    INTL_IRR,
    INTL_LOG_IRR,
    INTL_SHARE,
    KIND_AI,
    KIND_BACKGROUND,
    KIND_CITING,
    KIND_MISSING,
    LAG_WEIGHTS,
    LATAM,
    LIFESCI_END_YEAR,
    LS_SCALES,
    NB_ALPHA,
    N_AUTHORS_COEF,
    N_FOREIGN_P,
    OA_ONLY_CHUNK,
    OA_ONLY_WORK_BASE,
    OPENALEX_ONLY_CITER_SHARE,
    PRE2014_FIRST_ONLY_SHARE,
    PRE2014_YEAR,
    P_BOTH,
    P_ID,
    QUALITY_TILT,
    Q_NO_DOI,
    REGION_LOG_IRR,
    REGION_SHARE,
    R_OA,
    TEAM_LAMBDA,
    TOPIC_CONCEPTS,
    TWIN_DOI_ONLY_SHARE,
    TWIN_PMID_SHARE,
    TWIN_WORK_BASE,
    TWIN_YEAR_SHIFT_SHARE,
    YEAR_EXPOSURE_COEF,
)
from aigeo_assets.sampleworld.lifesci.openalex_records import OpenalexRecords
from aigeo_assets.sampleworld.lifesci.outlets import Outlets
from aigeo_assets.sampleworld.lifesci.pubmed_records import PubmedRecords
from aigeo_assets.sampleworld.lifesci.rankings import Rankings
from aigeo_assets.sampleworld.lifesci.render import Render
from aigeo_assets.sampleworld.lifesci.texts import Texts
from aigeo_assets.sampleworld.lifesci.vocabulary import AI_TERM_WEIGHT, COUNTRY_VARIANTS, name_initials
from aigeo_assets.sampleworld.rng import FastRandom


def team_lambda(year: int) -> float:
    """Poisson mean of a byline's extra authors in ``year`` (``TEAM_LAMBDA``, 2000 -> 2019)."""
    f = min(max((year - 2000) / 19.0, 0.0), 1.0)
    return TEAM_LAMBDA[0] + (TEAM_LAMBDA[1] - TEAM_LAMBDA[0]) * f


class LifesciWorld(Outlets, Texts, PubmedRecords, OpenalexRecords, Rankings, Render):
    """The life-science world of one (scale, seed, years). This class draws the geography, the
    citation model and each year's plan (``plan_year``); its bases, one module each, draw the
    outlets (``outlets``), the texts (``texts``), the PubMed and OpenAlex records
    (``pubmed_records``, ``openalex_records``) and the rankings (``rankings``), and run it all
    (``render``: ``run`` writes the files and returns the truth). They share the world's state:
    its random streams ``rng`` (numpy) and ``r`` (``FastRandom``), which a render job reseeds on a
    copy of the world, and the run's counters."""

    def __init__(self, root: Path, scale: str, seed: int, start: int, end: int) -> None:
        self.root, self.scale, self.seed, self.start, self.end = root, scale, seed, start, end
        self.ls = LS_SCALES[scale]
        sc = cfg.SCALES[scale]
        ss = np.random.SeedSequence([abs(int(seed)) % (1 << 63), zlib.crc32(b"lifesci")])
        self.rng = np.random.default_rng(ss)
        self.r = FastRandom(int(self.rng.integers(0, 1 << 62)))
        self.years = list(range(max(start, FIRST_YEAR), end + 1))
        # the scale's AI articles are those of the default life-science years (2000-2022), whatever
        # the years asked for
        default_years = range(FIRST_YEAR, LIFESCI_END_YEAR + 1)
        norm = sum(math.exp(GROWTH * (y - FIRST_YEAR)) for y in default_years)
        self.per_year = {y: max(1, round(self.ls.ai_articles * math.exp(GROWTH * (y - FIRST_YEAR)) / norm))
                         for y in self.years}
        self.works_date = sc.works_dates[-1]  # the updated_date folder of the twins' works parts
        self._build_geography(sc)
        self.build_journals()
        self._prepare_model()
        self.prepare_twins()

    # ------------------------------------------------------------------------------------------
    def _build_geography(self, sc: cfg.Scale) -> None:
        r, rng = self.r, self.rng
        self.geo = Geography(r, rng, sc.cities_top)
        inst_scale = {"tiny": 2.0, "demo": 6.0, "paper": 9.0}.get(self.scale, 6.0)
        self.insts = self.geo.build_institutions(r, inst_scale, {"tiny": 4}.get(self.scale, 10))
        m49 = country_regions()
        region_of = dict(zip(m49["country_code"], m49["world_region"]))
        g = self.geo
        codes = sorted({c.country_code for c in g.cities})
        self.cc_region = {cc: str(region_of[cc]) for cc in codes}
        self.cc_name = {cc: g.countries[cc]["name"] for cc in codes}
        self.cc_cities: dict[str, tuple[list[int], list[float]]] = {}
        for cc in codes:
            idx = [c.idx for c in g.cities if c.country_code == cc]
            w = np.array([g.cities[i].base_weight for i in idx])
            self.cc_cities[cc] = (idx, list(np.cumsum(w) / w.sum()))
        self.regions = list(WORLD_REGIONS)
        self.region_countries: dict[str, tuple[list[str], np.ndarray]] = {}
        for reg in self.regions:
            ccs = [cc for cc in codes if self.cc_region[cc] == reg]
            w = np.array([COUNTRY_WEIGHT.get(reg, {}).get(cc, 0.003) for cc in ccs])
            self.region_countries[reg] = (ccs, w / w.sum())
        # global lead-country distribution (for partners and for the non-AI records)
        allw = {}
        for reg in self.regions:
            ccs, w = self.region_countries[reg]
            for cc, x in zip(ccs, w):
                allw[cc] = REGION_SHARE[reg] * float(x)
        self.codes = codes
        self.global_p = np.array([allw[cc] for cc in codes])
        self.global_p /= self.global_p.sum()
        pw = self.global_p ** 0.8
        self.partner_cum = list(np.cumsum(pw / pw.sum()))
        self.global_cum = list(np.cumsum(self.global_p))
        self.country_variants = {}
        for cc in codes:
            vs = COUNTRY_VARIANTS.get(cc, ((self.cc_name[cc], 1.0),))
            self.country_variants[cc] = ([v for v, _ in vs], list(np.cumsum([w for _, w in vs])))


    def _prepare_model(self) -> None:
        pj = self.pub_journals
        q = np.array([j.quality for j in pj])
        size = np.array([j.size for j in pj])
        self.j_effect = np.array([j.log_effect for j in pj])
        self.j_high = np.array([j.high for j in pj])
        cq = np.array([j.quality for j in self.conf_journals])
        c_effect = np.array([j.log_effect for j in self.conf_journals])
        self.o_effect = np.concatenate([self.j_effect, c_effect])  # outlet index: journals, then conferences
        self.o_high = np.concatenate([self.j_high, np.zeros(len(c_effect), dtype=bool)])  # high-ranked journal
        self.cum_conf = {reg: np.cumsum(np.array([j.size for j in self.conf_journals]) * np.exp(QUALITY_TILT[reg] * cq))
                         for reg in self.regions}
        self.p_journal = {}
        for reg in self.regions:
            w = size * np.exp(QUALITY_TILT[reg] * q)
            self.p_journal[reg] = w / w.sum()
        self.cum_journal = {reg: np.cumsum(p) for reg, p in self.p_journal.items()}
        # E[n_authors^delta] for national / international bylines, averaged over the years
        ws = np.array([self.per_year[y] for y in self.years], dtype=float) if self.years else np.ones(1)
        a_nat, a_int = [], []
        for y in self.years or [FIRST_YEAR]:
            lam = team_lambda(y)
            ks = np.arange(0, 80)
            pmf = np.exp(-lam + ks * math.log(lam) - np.array([math.lgamma(k + 1) for k in ks]))
            a_nat.append(float((pmf * (1 + ks) ** N_AUTHORS_COEF).sum()))
            a_int.append(float(sum(pk * (pmf * (1 + nf + ks) ** N_AUTHORS_COEF).sum()
                                   for nf, pk in zip((1, 2, 3), N_FOREIGN_P))))
        A = float(np.average(a_nat, weights=ws))
        B = float(np.average(a_int, weights=ws))
        self.team_factor = {"national": A, "international": B}
        mix = {reg: (1 - INTL_SHARE[reg]) * A + INTL_SHARE[reg] * INTL_IRR * B for reg in self.regions}
        j_out = {reg: float((self.p_journal[reg] * np.exp(self.j_effect)).sum()) for reg in self.regions}
        self.p_conf = {reg: np.diff(np.concatenate([[0.0], cum])) / cum[-1] for reg, cum in self.cum_conf.items()}
        c_out = {reg: float((self.p_conf[reg] * np.exp(c_effect)).sum()) for reg in self.regions}
        # PubMed AI articles: journals, or a conference with probability P_BOTH; all atlas articles
        # (with the OpenAlex-only conference papers): a conference with probability CONF_SHARE
        outlet = {reg: (1 - P_BOTH) * j_out[reg] + P_BOTH * c_out[reg] for reg in self.regions}
        outlet_all = {reg: (1 - CONF_SHARE) * j_out[reg] + CONF_SHARE * c_out[reg] for reg in self.regions}
        self.expected_unadj = {reg: outlet[reg] * math.exp(REGION_LOG_IRR[reg]) * mix[reg] for reg in self.regions}
        self.expected_unadj_all = {reg: outlet_all[reg] * math.exp(REGION_LOG_IRR[reg]) * mix[reg] for reg in self.regions}
        self.expected_within = {reg: math.exp(REGION_LOG_IRR[reg]) * mix[reg] for reg in self.regions}
        z = sum(REGION_SHARE[reg] * self.expected_unadj[reg] for reg in self.regions)
        # year effects: mean of exp(year effect) over articles = citations_mean / z
        ex = {y: (self.end + 1 - y) ** YEAR_EXPOSURE_COEF for y in self.years}
        tot = sum(self.per_year[y] for y in self.years) or 1
        mean_ex = sum(self.per_year[y] * ex[y] for y in self.years) / tot if self.years else 1.0
        self.year_effect = {y: math.log(self.ls.citations_mean) - math.log(z) + math.log(ex[y] / mean_ex)
                            for y in self.years}
        # planned file layout (depends on scale and years only)
        tiers = self.ls.ai_refs_tiers
        refs_per_citing = 1.0 / sum(s / m for s, m in tiers)
        landing = {t: 0.0 for t in self.years}
        for y in self.years:
            w = np.array(LAG_WEIGHTS[: self.end - y + 1])
            w = w / w.sum()
            m = self.per_year[y] * self.ls.citations_mean * ex[y] / mean_ex
            for lag, p in enumerate(w):
                landing[y + lag] += m * p
        self.planned_records = {y: self.per_year[y] + landing[y] / refs_per_citing * (1 + BACKGROUND_SHARE)
                                for y in self.years}
        planned = sum(self.planned_records.values())
        self.n_files = max(1, math.ceil(planned / self.ls.records_per_file)) if self.years else 0

    # ------------------------------------------------------------------------------------------
    def pick(self, cum: list[float]) -> int:
        return min(bisect.bisect_right(cum, self.r.random() * cum[-1]), len(cum) - 1)

    def draw_city(self, cc: str) -> int:
        idx, cum = self.cc_cities[cc]
        return idx[self.pick(cum)]

    def draw_inst(self, city: int) -> int:
        c = self.geo.cities[city]
        if len(c.institutions) == 1:
            return c.institutions[0]
        return c.institutions[min(bisect.bisect_left(c.inst_cum, self.r.random()), len(c.institutions) - 1)]

    def draw_person(self, cc: str) -> tuple[str, str, str]:
        r = self.r
        reg = V.NAME_REGION.get(cc)
        if reg is None:
            reg = "eu" if self.cc_region.get(cc) == EUROPE else ("la" if self.cc_region.get(cc) == LATAM else "en")
        rnd = r.random
        first, last = V.NAMES[reg]
        fore = first[int(rnd() * len(first))]
        ln = last[int(rnd() * len(last))]
        initials = name_initials(fore)
        if reg not in ("zh", "ko", "ja") and rnd() < 0.25:
            mid = "ABCDEFGHJKLMNPRSTW"[int(rnd() * 18)]
            fore = f"{fore} {mid}"
            initials += mid
        return ln, fore, initials

    def _group(self, pool_idx: np.ndarray, pool_clin: np.ndarray) -> list[tuple[np.ndarray, bool]]:
        """Split a year's citations (cited article index, clinical flag) into citing works: each
        holds citations of one flag, of distinct articles, a tier's mean number of them."""
        rng = self.rng
        groups: list[tuple[np.ndarray, bool]] = []
        for flag in (True, False):
            pool = pool_idx[pool_clin == flag]
            if not len(pool):
                continue
            pool = pool[rng.permutation(len(pool))]
            tier = rng.choice(len(self.ls.ai_refs_tiers), size=len(pool), p=[s for s, _ in self.ls.ai_refs_tiers])
            for ti, (_, mean_refs) in enumerate(self.ls.ai_refs_tiers):
                sub = np.sort(pool[tier == ti], kind="stable")
                if not len(sub):
                    continue
                runs = np.diff(np.r_[np.flatnonzero(run_starts(sub)), len(sub)])
                R = max(math.ceil(len(sub) / mean_refs), int(runs.max()))
                perm = rng.permutation(R)
                slot = perm[np.arange(len(sub)) % R]
                o2 = np.argsort(slot, kind="stable")
                bounds = np.searchsorted(slot[o2], np.arange(R + 1))
                for k in range(R):
                    grp = sub[o2[bounds[k]:bounds[k + 1]]]
                    if len(grp):
                        groups.append((grp, flag))
        groups.sort(key=lambda g: (int(g[0][0]), len(g[0]), g[1]))
        return groups

    def _cited(self, members: list[np.ndarray]) -> tuple[np.ndarray, dict]:
        off = np.zeros(len(members) + 1, dtype=np.int64)
        off[1:] = np.cumsum([len(m) for m in members])
        g = np.concatenate(members) if members else np.zeros(0, dtype=np.int64)
        return off, {"pmid": self.ai_pmid_all[g], "year": self.ai_year_all[g], "journal": self.ai_journal_all[g],
                     "twin": self.ai_twin_all[g], "wnum": self.ai_wnum_all[g]}

    def plan_year(self, y: int) -> list[dict]:
        """Simulate year ``y`` (articles, their citations, the year's records, PMIDs and files) and
        return the render jobs of its records, in order, then the job of its OpenAlex-only citers and
        the job of its OpenAlex-only conference papers. The year's PubMed AI articles (the first
        ``n``) and its OpenAlex-only conference papers (the last ``n_oa``) are drawn together, from
        the same model; a conference paper's outlet is its conference. The steps draw from the
        world's streams in this order (the bytes depend on it)."""
        n = self.per_year[y]
        a = self._draw_places_and_outlets(y, n, int(round(n * R_OA)))
        self._draw_teams_and_citations(y, a)
        self._draw_bylines(y, a)
        self._draw_twins(a)
        self._plant_citations(y, a)
        groups, oa_groups = self._citing_works(y)
        n_bg = max(1, round(BACKGROUND_SHARE * len(groups)))
        order, pmids, a.pmid = self._order_and_pmids(y, n, len(groups), n_bg)
        self._store_articles(y, a)
        self.counts["citing_records"][y] = len(groups)
        self.counts["background_records"][y] = n_bg
        self.counts["openalex_only_citers"][y] = len(oa_groups)
        kinds, index, pmid_arr, files = self._files_of_records(y, order, pmids)
        return self._render_jobs(y, a, kinds, index, pmid_arr, files, groups, oa_groups)

    def _draw_places_and_outlets(self, y: int, n: int, n_oa: int) -> SimpleNamespace:
        """The year's articles (``n`` PubMed AI articles, then ``n_oa`` OpenAlex-only conference
        papers): lead region and country, international or not, outlet (a journal, or a
        conference: ``conf``); the namespace the next steps add their columns to."""
        rng = self.rng
        nt = n + n_oa
        is_pub = np.arange(nt) < n
        reg_idx = rng.choice(len(self.regions), size=nt, p=[REGION_SHARE[g] for g in self.regions])
        country = np.empty(nt, dtype=object)
        journal = np.empty(nt, dtype=np.int64)
        intl = np.zeros(nt, dtype=bool)
        u_int = rng.random(nt)
        u_j = rng.random(nt)
        # conference papers: the OpenAlex-only ones, and a quota of the PubMed articles (P_BOTH of
        # them, the remainder carried to the next year, so even a tiny world has a few)
        self.both_carry += n * P_BOTH
        n_both = min(n, int(self.both_carry))
        self.both_carry -= n_both
        conf = ~is_pub
        conf[rng.choice(n, size=n_both, replace=False)] = True
        u_c = rng.random(nt)
        n_pj = len(self.pub_journals)
        for gi, reg in enumerate(self.regions):
            sel = np.nonzero(reg_idx == gi)[0]
            if not len(sel):
                continue
            ccs, p = self.region_countries[reg]
            country[sel] = np.array(ccs, dtype=object)[rng.choice(len(ccs), size=len(sel), p=p)]
            cum = self.cum_journal[reg]
            journal[sel] = np.minimum(np.searchsorted(cum, u_j[sel] * cum[-1], side="right"), len(cum) - 1)
            cc = self.cum_conf[reg]
            cj = n_pj + np.minimum(np.searchsorted(cc, u_c[sel] * cc[-1], side="right"), len(cc) - 1)
            journal[sel] = np.where(conf[sel], cj, journal[sel])
            intl[sel] = u_int[sel] < INTL_SHARE[reg]
        return SimpleNamespace(n=n, n_oa=n_oa, nt=nt, is_pub=is_pub, reg_idx=reg_idx, country=country,
                               journal=journal, intl=intl, conf=conf, n_pj=n_pj)

    def _draw_teams_and_citations(self, y: int, a: SimpleNamespace) -> None:
        """Team size, clinical flag, expected and drawn citations (NB2; clinical ones by binomial
        thinning), AI keyword."""
        rng, nt, intl, journal = self.rng, a.nt, a.intl, a.journal
        a.n_foreign = np.where(intl, 1 + rng.choice(3, size=nt, p=N_FOREIGN_P), 0)
        a.n_auth = 1 + a.n_foreign + rng.poisson(team_lambda(y), size=nt)
        a.clinical = rng.random(nt) < CLINICAL_AI_SHARE
        reg_eff = np.array([REGION_LOG_IRR[g] for g in self.regions])[a.reg_idx]
        a.mu = np.exp(self.year_effect[y] + self.o_effect[journal] + reg_eff + INTL_LOG_IRR * intl
                      + N_AUTHORS_COEF * np.log(a.n_auth))
        lam = rng.gamma(1.0 / NB_ALPHA, NB_ALPHA * a.mu)
        a.cites = rng.poisson(lam)
        p_clin = np.where(intl, CLINICAL_CITER_SHARE_INTL, CLINICAL_CITER_SHARE)
        a.clin_cites = rng.binomial(a.cites, p_clin)
        kw_names = list(AI_TERM_WEIGHT)
        kw_w = np.array([AI_TERM_WEIGHT[k] * (0.1 if (y < 2013 and k in ("deep learning", "convolutional neural network"))
                                              else 1.0) for k in kw_names])
        a.kw = rng.choice(len(kw_names), size=nt, p=kw_w / kw_w.sum())

    def _draw_bylines(self, y: int, a: SimpleNamespace) -> None:
        """The byline's countries (foreign ones drawn from the partner distribution), and whether the
        PubMed record shows only the first author's affiliation (then the first author's country)."""
        rng, nt, country, n_foreign, n_auth = self.rng, a.nt, a.country, a.n_foreign, a.n_auth
        a.first_only = a.is_pub & (y < PRE2014_YEAR) & (n_auth > 1) & (rng.random(nt) < PRE2014_FIRST_ONLY_SHARE)
        foreign = np.empty(nt, dtype=object)
        for i in range(nt):
            foreign[i] = ()
        first_cc = country.copy()
        u_first = rng.random(nt)
        pc = self.partner_cum
        for i in np.flatnonzero(a.intl).tolist():
            fs: list[str] = []
            while len(fs) < n_foreign[i]:
                f = self.codes[min(bisect.bisect_right(pc, float(rng.random()) * pc[-1]), len(pc) - 1)]
                if f != country[i] and f not in fs:
                    fs.append(f)
            foreign[i] = tuple(fs)
            if n_auth[i] - 1 == n_foreign[i] or u_first[i] < 0.5:
                first_cc[i] = fs[0]
        a.foreign, a.first_cc = foreign, first_cc

    def _draw_twins(self, a: SimpleNamespace) -> None:
        """The OpenAlex twin: link kind (0 pmid, 1 doi only, 2 none), DOI, year shift, planted topic; a
        PubMed article that is a conference paper always has its twin (the conference paper, with
        its PMID and DOI), an OpenAlex-only conference paper is its own OpenAlex record."""
        rng, nt, conf = self.rng, a.nt, a.conf
        a.has_doi = rng.random(nt) >= Q_NO_DOI
        u_link = rng.random(nt)
        link = np.where(u_link < TWIN_PMID_SHARE, 0,
                        np.where((u_link < TWIN_PMID_SHARE + TWIN_DOI_ONLY_SHARE) & a.has_doi, 1, 2)).astype(np.int8)
        link[conf] = 0
        a.link = link
        a.twin = link < 2
        a.shift = a.twin & a.is_pub & ~conf & (rng.random(nt) < TWIN_YEAR_SHIFT_SHARE)
        a.topic = np.minimum(np.searchsorted(self.topic_cum, rng.random(nt), side="right"), len(TOPIC_CONCEPTS) - 1)

    def _plant_citations(self, y: int, a: SimpleNamespace) -> None:
        """Each citation gets its citing year (lag), its clinical flag, and whether it comes from an
        OpenAlex-only work (probability OPENALEX_ONLY_CITER_SHARE, binomial thinning: both parts stay
        NB2 with NB_ALPHA; every citation of an OpenAlex-only conference paper comes from one); it
        waits in ``pending`` for its year. ``oa_cites``/``oa_clin``: the OpenAlex-only part."""
        rng, nt, cites = self.rng, a.nt, a.cites
        g0 = len(self.ai_pmid_all)
        gidx = np.arange(g0, g0 + nt)
        tot = int(cites.sum())
        a.oa_cites = np.zeros(nt, dtype=np.int64)
        a.oa_clin = np.zeros(nt, dtype=np.int64)
        if tot:
            idx = np.repeat(gidx, cites)
            starts = np.repeat(np.cumsum(cites) - cites, cites)
            within = np.arange(tot) - starts
            is_clin = within < np.repeat(a.clin_cites, cites)
            local = idx - g0
            is_oa = (rng.random(tot) < OPENALEX_ONLY_CITER_SHARE) | ~a.is_pub[local]
            a.oa_cites = np.bincount(local[is_oa], minlength=nt)
            a.oa_clin = np.bincount(local[is_oa & is_clin], minlength=nt)
            keep = ~is_oa | a.twin[local]  # an article without twin cannot be cited through OpenAlex
            w = np.array(LAG_WEIGHTS[: self.end - y + 1])
            lag = rng.choice(len(w), size=tot, p=w / w.sum())
            for L in np.unique(lag):
                s = (lag == L) & keep
                self.pending[y + int(L)].append((idx[s], is_clin[s], is_oa[s]))

    def _citing_works(self, y: int) -> tuple[list, list]:
        """Year ``y``'s citing works from the citations waiting for it: PubMed citing records, and
        OpenAlex-only citers."""
        pend = self.pending.pop(y)
        groups: list[tuple[np.ndarray, bool]] = []
        oa_groups: list[tuple[np.ndarray, bool]] = []
        if pend:
            all_idx = np.concatenate([a for a, _, _ in pend])
            all_clin = np.concatenate([b for _, b, _ in pend])
            all_oa = np.concatenate([c for _, _, c in pend])
            groups = self._group(all_idx[~all_oa], all_clin[~all_oa])
            oa_groups = self._group(all_idx[all_oa], all_clin[all_oa])
        return groups, oa_groups

    def _order_and_pmids(self, y: int, n: int, n_citing: int, n_bg: int) -> tuple[list, np.ndarray, np.ndarray]:
        """The order of the year's records (AI, citing, background, shuffled) and their PMIDs
        (rising, 3 mod 8, from near the year's real first PMID); the AI articles' PMIDs."""
        rng, r = self.rng, self.r
        order = [("ai", i) for i in range(n)] + [("cite", k) for k in range(n_citing)] + [("bg", b) for b in range(n_bg)]
        r.shuffle(order)
        N = len(order)
        nominal = 10_600_000 + 1_100_000 * (y - FIRST_YEAR)
        base = max(nominal, self.last_pmid + 8)
        avg = max(1, 125_000 // (N + 1))
        steps = rng.integers(1, 2 * avg + 1, size=N)
        pmids = base + 8 * np.cumsum(steps) + 3 - 8
        pmids = pmids - (pmids % 8) + 3
        self.last_pmid = int(pmids[-1])
        ai_pmid = np.zeros(n, dtype=np.int64)
        for pos, (kind, i) in enumerate(order):
            if kind == "ai":
                ai_pmid[i] = pmids[pos]
        return order, pmids, ai_pmid

    def _store_articles(self, y: int, a: SimpleNamespace) -> None:
        """The year's articles into the world's columns: the global arrays citing works read, the
        truth's columns (PubMed AI articles in ``ai``, OpenAlex-only conference papers in ``cf``);
        the conference papers' work numbers (sequence CONF_WORK_SEQ_BASE + k)."""
        n, n_oa, nt, ai_pmid = a.n, a.n_oa, a.nt, a.pmid
        a.c0 = c0 = self.n_conf
        self.n_conf += n_oa
        seq = CONF_WORK_SEQ_BASE + c0 + np.arange(n_oa, dtype=np.int64)
        wnum = np.concatenate([TWIN_WORK_BASE + ((ai_pmid // 8) * 48_271 + 12_345) % P_ID,
                               OA_ONLY_WORK_BASE + (seq * 48_271 + 12_345) % P_ID])
        self.ai_pmid_all = np.concatenate([self.ai_pmid_all, ai_pmid, np.zeros(n_oa, dtype=np.int64)])
        self.ai_year_all = np.concatenate([self.ai_year_all, np.full(nt, y, dtype=np.int32)])
        self.ai_journal_all = np.concatenate([self.ai_journal_all, a.journal.astype(np.int32)])
        self.ai_twin_all = np.concatenate([self.ai_twin_all, a.twin])
        self.ai_wnum_all = np.concatenate([self.ai_wnum_all, wnum])
        country, foreign, intl, first_only = a.country, a.foreign, a.intl, a.first_only
        countries = np.array([";".join(sorted({country[i], *foreign[i]})) for i in range(nt)], dtype=object)
        for T, sl in ((self.ai, slice(0, n)), (self.cf, slice(n, nt))):
            T["pmid"].append(np.concatenate([ai_pmid, np.zeros(n_oa, dtype=np.int64)])[sl])
            T["year"].append(np.full(nt, y)[sl])
            T["journal"].append(a.journal[sl])
            T["region"].append(a.reg_idx[sl])
            T["country"].append(country[sl])
            T["intl"].append(intl[sl])
            T["n_auth"].append(a.n_auth[sl])
            T["clinical"].append(a.clinical[sl])
            T["kw"].append(a.kw[sl])
            T["cites"].append(a.cites[sl])
            T["clin_cites"].append(a.clin_cites[sl])
            T["mu"].append(a.mu[sl])
            T["pub_cites"].append((a.cites - a.oa_cites)[sl])
            T["pub_clin"].append((a.clin_cites - a.oa_clin)[sl])
            T["link"].append(a.link[sl])
            T["shift"].append(a.shift[sl])
            T["topic"].append(a.topic[sl])
            T["countries"].append(countries[sl])
            T["pub_intl"].append((intl & ~first_only)[sl])
            T["pub_lead"].append(np.where(first_only, a.first_cc, country)[sl])
            T["conf"].append(np.where(a.conf, a.journal - a.n_pj, -1)[sl])
            T["wnum"].append(wnum[sl])

    def _files_of_records(self, y: int, order: list, pmids: np.ndarray) -> tuple[np.ndarray, ...]:
        """The year's records in order: kind, index, PMID, file, with the records without PMID
        planted in them (a file's, once it reaches the position drawn for it)."""
        rng = self.rng
        code = {"ai": KIND_AI, "cite": KIND_CITING, "bg": KIND_BACKGROUND}
        kinds = np.array([code[kd] for kd, _ in order], dtype=np.int8)
        index = np.array([i for _, i in order], dtype=np.int64)
        pmid_arr = pmids.astype(np.int64)
        files = rng.integers(0, self.n_files, size=len(order))
        planted = []
        for k, at in enumerate(self.mal_at):
            if at is None:
                continue
            hits = np.flatnonzero(files == k)
            need = at - self.file_records[k]
            if need <= len(hits):
                planted.append((int(hits[need - 1]) + 1, k))
        for k, cnt in enumerate(np.bincount(files, minlength=self.n_files).tolist()):
            self.file_records[k] += cnt
            if cnt:
                self.file_years[k].add(y)
        planted.sort()
        for _, k in planted:
            self.file_records[k] += 1
            self.malformed.append({"file": self.file_rel[k], "kind": "missing_pmid", "record_index": self.mal_at[k] + 1,
                                   "detail": "MedlineCitation without PMID (and no pubmed ArticleId)"})
            self.mal_at[k] = None
        if planted:
            at = [p for p, _ in planted]
            kinds = np.insert(kinds, at, KIND_MISSING)
            index = np.insert(index, at, -1)
            pmid_arr = np.insert(pmid_arr, at, 0)
            files = np.insert(files, at, [k for _, k in planted])
        return kinds, index, pmid_arr, files

    def _render_jobs(self, y: int, a: SimpleNamespace, kinds: np.ndarray, index: np.ndarray, pmid_arr: np.ndarray,
                     files: np.ndarray, groups: list, oa_groups: list) -> list[dict]:
        """The render jobs of the year: its records in chunks of ``chunk_records``, then its
        OpenAlex-only citers, then its OpenAlex-only conference papers."""
        rng = self.rng
        jobs = []
        for chunk, lo in enumerate(range(0, len(kinds), self.chunk_records)):
            sl = slice(lo, lo + self.chunk_records)
            kd, ix = kinds[sl], index[sl]
            ai_i = ix[kd == KIND_AI]
            cite_i = ix[kd == KIND_CITING].tolist()
            off, cited = self._cited([groups[i][0] for i in cite_i])
            jobs.append({"year": y, "chunk": chunk, "last_pmid": self.last_pmid, "kind": kd, "pmid": pmid_arr[sl],
                         "file": files[sl],
                         "ai": {c: getattr(a, c)[ai_i] for c in (
                             "country", "foreign", "first_only", "first_cc", "n_auth", "clinical", "kw", "journal",
                             "has_doi", "link", "shift", "topic", "cites")},
                         "cite_off": off, "cite_flag": np.array([groups[i][1] for i in cite_i], dtype=bool),
                         "cited": cited})
        if oa_groups:
            off, cited = self._cited([g for g, _ in oa_groups])
            seq0 = self.n_oa_only
            self.n_oa_only += len(oa_groups)
            jobs.append({"year": y, "chunk": OA_ONLY_CHUNK, "last_pmid": self.last_pmid,
                         "kind": np.zeros(0, dtype=np.int8), "pmid": np.zeros(0, dtype=np.int64),
                         "file": np.zeros(0, dtype=np.int64), "ai": None,
                         "cite_off": np.zeros(1, dtype=np.int64), "cite_flag": np.zeros(0, dtype=bool),
                         "cited": None,
                         "oa_only": {"seq0": seq0, "off": off, "flag": np.array([f for _, f in oa_groups], dtype=bool),
                                     "part": rng.integers(0, self.n_files, size=len(oa_groups)), "cited": cited}})
        if a.n_oa:
            sl = slice(a.n, a.nt)
            jobs.append({"year": y, "chunk": CONF_CHUNK, "last_pmid": self.last_pmid,
                         "kind": np.zeros(0, dtype=np.int8), "pmid": np.zeros(0, dtype=np.int64),
                         "file": np.zeros(0, dtype=np.int64), "ai": None,
                         "cite_off": np.zeros(1, dtype=np.int64), "cite_flag": np.zeros(0, dtype=bool),
                         "cited": None,
                         "conf": {"k0": a.c0, "country": a.country[sl], "foreign": a.foreign[sl], "n_auth": a.n_auth[sl],
                                  "clinical": a.clinical[sl], "kw": a.kw[sl], "conf": a.journal[sl] - a.n_pj,
                                  "topic": a.topic[sl], "cites": a.cites[sl],
                                  "part": rng.integers(0, self.n_files, size=a.n_oa)}})
        return jobs
