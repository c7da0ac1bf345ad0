"""The outlets of the life-science part (Schmallenbach et al. 2024): journals (named and synthetic, with a latent
quality, ranks in their categories and a log citation effect), the filler journals that only rank and
publish citing records, and the life-science conferences as their PubMed records show them."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from aigeo_assets.sampleworld import vocab as V
from aigeo_assets.sampleworld.lifesci.params import (
    CONF_RANK_QUALITY,
    HIGH_RANK_LOG_BONUS,
    LS_CONFERENCES,
    OUTLET_QUALITY_COEF,
    UNRANKED_JOURNAL_SHARE,
)
from aigeo_assets.sampleworld.lifesci.vocabulary import (
    CATEGORIES,
    NAMED_JOURNALS,
    JOURNAL_PATTERNS,
    xml_escape,
    iso_abbreviation,
    issn_with_check_digit,
    nlm_title,
)


@dataclass
class Journal:
    idx: int
    name: str  # full name (title case)
    title: str  # PubMed Journal/Title (NLM case)
    iso: str
    issn: str  # ISSN-L = ISSNLinking = the ISSN element's value
    issn_type: str
    nlm_id: str
    country: str
    doi_prefix: str
    founded: int
    quality: float
    size: float
    categories: list[str]
    publishing: bool  # publishes AI articles
    ranked: bool
    ranks: dict[str, tuple[int, int]] = field(default_factory=dict)
    high: bool = False
    log_effect: float = 0.0


class _JournalMaker:
    """New journals with distinct names, ISSNs and NLM ids, drawn from the stream ``r``."""

    COUNTRIES = ["United States", "England", "Netherlands", "Switzerland", "Germany", "United States",
                 "England", "China", "Japan", "Australia"]
    PREFIXES = ["10.1016", "10.1007", "10.1038", "10.1371", "10.1109", "10.1186", "10.3389", "10.1002", "10.1093",
                "10.1155", "10.3390", "10.1177"]

    def __init__(self, r) -> None:
        self.r = r
        self.fields = dict(CATEGORIES)
        self.used_names: set[str] = set()
        self.used_issn: set[str] = set(NAMED_JOURNALS) | {v[2] for v in V.VENUES if v[2]}
        self.used_nlm: set[str] = set()
        self.journals: list[Journal] = []

    def new_issn(self) -> str:
        r = self.r
        while True:
            s = issn_with_check_digit(r.randrange(100_000, 2_999_999))
            if s not in self.used_issn:
                self.used_issn.add(s)
                return s

    def new_nlm(self) -> str:
        r = self.r
        while True:
            s = str(r.choice([r.randrange(7_500_000, 9_999_999), r.randrange(100_888_000, 101_780_000)]))
            if s not in self.used_nlm:
                self.used_nlm.add(s)
                return s

    def new_name(self, cat: str) -> str:
        r, used_names = self.r, self.used_names
        fl = self.fields[cat]
        for _ in range(200):
            name = r.choice(JOURNAL_PATTERNS).format(f=r.choice(fl))
            if name not in used_names:
                used_names.add(name)
                return name
        k = 2
        while f"{name} {k}" in used_names:
            k += 1
        used_names.add(f"{name} {k}")
        return f"{name} {k}"

    def add(self, name, title, iso, issn, itype, q, size, jcats, publishing, ranked) -> Journal:
        r = self.r
        j = Journal(len(self.journals), name, title, iso, issn, itype, self.new_nlm(), r.choice(self.COUNTRIES),
                    r.choice(self.PREFIXES), r.randrange(1960, 2012), float(q), float(size), list(jcats),
                    publishing, ranked)
        self.journals.append(j)
        return j

    def add_synthetic(self, cat: str, q, size, jcats, publishing: bool, ranked: bool | None = None) -> Journal:
        """A journal named after a field of ``cat``; ``ranked`` None: drawn after its ISSN type."""
        r = self.r
        name = self.new_name(cat)
        issn = self.new_issn()
        itype = "Print" if r.random() < 0.8 else "Electronic"
        if ranked is None:
            ranked = r.random() >= UNRANKED_JOURNAL_SHARE
        return self.add(name, nlm_title(name), iso_abbreviation(name), issn, itype, q, size, jcats, publishing, ranked)


class Outlets:
    """Draws the outlets of a ``LifesciWorld`` from its streams ``r`` and ``rng``."""

    def build_journals(self) -> None:
        """The journals (``journals``; those publishing AI articles ``pub_journals``), their ranks and
        log citation effects, the conferences as PubMed shows them (``conf_journals``; ``outlets`` =
        journals, then conferences), and the draws the records make from them."""
        cats = [c for c, _ in CATEGORIES[: self.ls.n_categories]]
        mk = _JournalMaker(self.r)
        self._publishing_journals(mk, cats)
        self._filler_journals_and_ranks(mk, cats)
        journals = mk.journals
        self.journals = journals
        self.pub_journals = [j for j in journals if j.publishing]
        self._conference_outlets(mk)
        self.categories = cats
        sizes_all = np.array([j.size for j in journals])
        self.citer_cum = list(np.cumsum(sizes_all / sizes_all.sum()))
        self.iso_pool = [j.iso for j in journals]
        self.iso_pool_esc = [xml_escape(iso) for iso in self.iso_pool]

    def _publishing_journals(self, mk: _JournalMaker, cats: list[str]) -> None:
        """The named journals of the OpenAlex vocabulary, then synthetic ones, up to the scale's
        ``n_journals``; ~``UNRANKED_JOURNAL_SHARE`` of the synthetic ones are ranked nowhere."""
        r, rng = self.r, self.rng
        venue_name = {v[2]: v[1] for v in V.VENUES if v[2]}
        for issn, (title, iso, itype, q, size, jcats) in NAMED_JOURNALS.items():
            jc = [c for c in jcats if c in cats] or [cats[0]]
            mk.used_names.add(venue_name[issn])
            mk.add(venue_name[issn], title, iso, issn, itype, q, size, jc, True, True)
        n_syn = max(0, self.ls.n_journals - len(NAMED_JOURNALS))
        qs = rng.normal(0.0, 1.0, n_syn)
        sizes = rng.lognormal(0.0, 0.9, n_syn)
        for k in range(n_syn):
            u = r.random()
            nc = 1 if u < 0.6 else (2 if u < 0.9 else 3)
            jc = r.sample(cats, min(nc, len(cats)))
            mk.add_synthetic(jc[0], qs[k], sizes[k], jc, True)

    def _filler_journals_and_ranks(self, mk: _JournalMaker, cats: list[str]) -> None:
        """Fillers: ranked journals without AI articles (they may publish citing records); then the
        ranks in each category (by quality), high-ranked (rank 1-3 somewhere) and the log effects."""
        r, rng, journals = self.r, self.rng, mk.journals
        members = {c: [j for j in journals if j.ranked and c in j.categories] for c in cats}
        for c in cats:
            n_fill = int(round(len(members[c]) * r.uniform(1.0, 2.0))) + 2
            fq = rng.normal(0.0, 1.0, n_fill)
            fs = rng.lognormal(0.0, 0.9, n_fill)
            for k in range(n_fill):
                members[c].append(mk.add_synthetic(c, fq[k], fs[k], [c], False, True))
        for c in cats:
            ms = sorted(members[c], key=lambda j: (-j.quality, j.idx))
            for rank, j in enumerate(ms, start=1):
                j.ranks[c] = (rank, len(ms))
        for j in journals:
            j.high = j.ranked and any(rk <= 3 for rk, _ in j.ranks.values())
            j.log_effect = OUTLET_QUALITY_COEF * j.quality + HIGH_RANK_LOG_BONUS * j.high

    def _conference_outlets(self, mk: _JournalMaker) -> None:
        """The conferences as the PubMed records of their papers show them (a journal-like outlet that
        no ranking lists); outlet index len(pub_journals) + c; their OpenAlex sources."""
        self.conf_journals = []
        for c, (sid, title, issn, acr, rank, size, iso) in enumerate(LS_CONFERENCES):
            q = CONF_RANK_QUALITY[rank]
            cj = Journal(100_000 + c, title, title, iso, issn or mk.new_issn(), "Electronic", mk.new_nlm(),
                         "United States", "10.1109", 1990, q, size, [], False, False)
            cj.log_effect = OUTLET_QUALITY_COEF * q + HIGH_RANK_LOG_BONUS * (rank == "A*")
            self.conf_journals.append(cj)
        self.outlets = self.pub_journals + self.conf_journals
        self.conf_source = [{"id": V.OA + sid, "display_name": title, "issn_l": issn, "issn": [issn] if issn else None,
                             "type": "conference"} for sid, title, issn, *_ in LS_CONFERENCES]
