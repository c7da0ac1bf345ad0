"""``truth_lifesci.json``, what the life-science part planted (Schmallenbach et al. 2024).

``truth_lifesci.json``
    The dict ``lifesci_truth`` returns (``quirks`` counts include the malformed records) (keys: ``parameters``, ``definitions``, ``planted``, ``counts``,
    ``counts_by_region``, ``counts_by_country``, ``china_share_of_asia``,
    ``international_share``, ``high_ranked_share_by_region``, ``expected_irr_vs_asia``,
    ``expected_irr_vs_asia_all_articles``, ``citations``, ``openalex_twins``, ``files``,
    ``malformed``, ``quirks``, ``journals``, ``conferences``, ``articles``, ``conference_papers``).
    ``articles`` (and ``counts.ai_articles``, ``expected_irr_vs_asia``, ``citations``) are the
    PubMed AI articles, as before: a PubMed reader sees exactly these. ``conference_papers``:
    every OpenAlex conference paper (``papers``: ``work_id``, ``source`` "both" (also in
    ``articles``, ``outlet_kind`` conference) or "openalex", ``pmid`` (null for openalex),
    ``doi`` (openalex ones; a "both" paper's is its PubMed record's), ``year``, ``conference``,
    ``core_rank``, ``high_ranked`` (A*), ``lead_country``, ``lead_region``, ``international``,
    ``countries``, ``n_authors``, ``ai_keyword``, ``clinical``, ``clinical_planted``, ``topic``,
    ``expected_citations``, ``citations`` (OpenAlex's count), ``clinical_citations``,
    ``pubmed_citations``), the conferences with their outlet effects, the constants.
    ``counts.atlas_articles`` = PubMed AI articles + OpenAlex-only conference papers (the atlas's
    articles after dedup); ``expected_irr_vs_asia_all_articles`` the planted IRRs on them (the
    unadjusted ones mix in the conferences' outlet effects; within-outlet and international the
    same as the PubMed articles'). ``articles`` has, per AI article: ``pmid``, ``year``,
    ``lead_country`` / ``lead_region`` (planted: the last author), ``international`` (planted, all
    authors), ``countries`` (sorted distinct countries of all authors = the twin's),
    ``pubmed_lead_country`` / ``pubmed_international`` (what the PubMed strings alone show),
    ``n_authors``, ``issn``, ``high_ranked``, ``clinical``, ``clinical_planted``, ``ai_keyword``,
    ``expected_citations``, ``citations`` / ``clinical_citations`` (planted totals = the
    OpenAlex counts of a twinned article), ``pubmed_citations`` / ``pubmed_clinical_citations``
    (the ReferenceList part), ``work_id`` (twin's short id or null), ``link`` ("pmid", "doi" or
    "none"), ``openalex_year`` (or null), ``topic`` (planted level-1 concept name, or null),
    ``outlet_kind`` ("journal", or "conference" for a conference paper with a PubMed record, whose
    ``issn`` is then the conference's unranked PubMed ISSN), ``conference`` (its title or null).
    ``openalex_twins``: the parts written and their records, the institutions part, twins by link
    kind, year-shifted twins, citing-record twins, OpenAlex-only citers (per year, clinical), the
    citation totals of twinned articles (OpenAlex / PubMed, clinical), and the constants.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from aigeo_assets.geo.regions import WORLD_REGIONS
from aigeo_assets.sampleworld import config as cfg
from aigeo_assets.sampleworld import vocab as V
from aigeo_assets.sampleworld.lifesci.params import (
    AI_CONCEPT_AI,
    AI_CONCEPT_ML,
    ARTICLES_TRUTH_MAX,
    ASIA,
    CLINICAL_AI_SHARE,
    CLINICAL_CITER_SHARE,
    CLINICAL_CITER_SHARE_INTL,
    CONF_BOTH_SHARE,
    CONF_RANK_QUALITY,
    CONF_SHARE,
    GROWTH,
    HIGH_RANK_LOG_BONUS,
    INSTITUTION_BASE,
    INTL_IRR,
    INTL_IRR_CLINICAL,
    INTL_LOG_IRR,
    INTL_SHARE,
    LAG_WEIGHTS,
    LIFESCI_VERSION,
    LINKS,
    LS_CONFERENCES,
    NB_ALPHA,
    N_AUTHORS_COEF,
    N_FOREIGN_P,
    OA_ONLY_WORK_BASE,
    OPENALEX_ONLY_CITER_SHARE,
    OUTLET_QUALITY_COEF,
    PRE2014_FIRST_ONLY_SHARE,
    P_BOTH,
    QUALITY_TILT,
    REGION_LOG_IRR,
    REGION_SHARE,
    R_OA,
    TEAM_LAMBDA,
    TOPIC_CONCEPTS,
    TWIN_AI_CONCEPT_MAX_SCORE,
    TWIN_DOI_ONLY_SHARE,
    TWIN_PMID_SHARE,
    TWIN_WORK_BASE,
    TWIN_YEAR_SHIFT_SHARE,
    YEAR_EXPOSURE_COEF,
)
from aigeo_assets.sampleworld.lifesci.openalex_records import conf_doi, twin_work_id
from aigeo_assets.sampleworld.lifesci.vocabulary import AI_TERMS, AI_TERM_WEIGHT, COUNTRY_VARIANTS


@dataclass
class _Articles:
    """The PubMed AI articles (``LifesciWorld.ai`` stacked: ``A``, one array per column) and the
    arrays the truth derives from them."""

    A: dict
    n: int
    reg_name: np.ndarray  # lead region names
    high: np.ndarray  # in a high-ranked journal
    intl: np.ndarray
    cites: np.ndarray
    clin: np.ndarray  # clinical citations
    pub: np.ndarray  # PubMed (ReferenceList) citations
    pub_clin: np.ndarray
    link: np.ndarray  # index into LINKS
    twinned: np.ndarray
    clin_filter: np.ndarray  # what the clinical filter says: planted clinical, or "random forest"


def _articles_of(world) -> _Articles:
    A = {k: (np.concatenate(v) if v else np.zeros(0)) for k, v in world.ai.items()}
    n = len(A["pmid"])
    reg_name = np.array(world.regions, dtype=object)[A["region"].astype(int)] if n else np.zeros(0, dtype=object)
    high = world.o_high[A["journal"].astype(int)] if n else np.zeros(0, dtype=bool)
    link = A["link"].astype(np.int64) if n else np.zeros(0, dtype=np.int64)
    rf = list(AI_TERM_WEIGHT).index("random forest")
    clin_filter = (A["clinical"].astype(bool) | (A["kw"] == rf)) if n else np.zeros(0, dtype=bool)
    return _Articles(A, n, reg_name, high, A["intl"].astype(bool), A["cites"].astype(np.int64),
                     A["clin_cites"].astype(np.int64), A["pub_cites"].astype(np.int64),
                     A["pub_clin"].astype(np.int64), link, link < 2, clin_filter)


def _expected_overall_intl(world) -> float:
    return sum(REGION_SHARE[g] * INTL_SHARE[g] for g in world.regions)


def _parameters(world) -> dict:
    return {"scale": world.scale, "seed": world.seed, "start_year": world.start, "end_year": world.end,
            "years": world.years, "lifesci_version": LIFESCI_VERSION, "generator_version": cfg.GENERATOR_VERSION}


def _definitions(world) -> dict:
    return {
        "ai_article": "title or abstract contains one of ai_terms (hyphen/plural variants); only these records do",
        "ai_terms": list(AI_TERMS),
        "lead_author": "last author (planted, lead_country); PubMed strings alone: the last author, or the "
                       "first author when the last has no affiliation (pubmed_lead_country)",
        "lead_country": "planted country of the lead (last) author = the twin's last authorship's country",
        "international": "at least two authors in different countries (planted, all authors = the twin's "
                         "authorships); pubmed_international: the same on the PubMed affiliation strings",
        "countries": "sorted distinct countries of all (person) authors",
        "citations": "planted total: PubMed ReferenceList citations + citations from OpenAlex-only works; for "
                     "an article with a twin (link pmid/doi) = the referenced_works pointing at its twin; "
                     "for one without, only pubmed_citations exist in the files",
        "pubmed_citations": "ReferenceList entries (ArticleId IdType=pubmed) of other records pointing to "
                            "the article",
        "clinical_record": "PublicationType Randomized Controlled Trial / Clinical Trial, or a Haynes text marker "
                           "(randomized/randomly, clinical trial, diagnostic accuracy, sensitivity and specificity); "
                           "citing records and OpenAlex-only citers are clinical only as trials (randomized / "
                           "clinical trial), which the treatment and the broad filters both find",
        "clinical_citations": "citations from clinical works (planted total); pubmed_clinical_citations: the "
                              "ReferenceList part",
        "twin": "OpenAlex work with the record's title and abstract words; work_id, link (pmid: ids.pmid [+ DOI]; "
                "doi: the DOI only; none: no twin), openalex_year (the record's year, or one less), topic "
                "(the highest-scoring level-1 concept that is not AI)",
        "high_ranked_journal": "rank 1-3 in at least one category of rankings/journal_ranking.csv",
        "high_ranked_conference": "rank A* in rankings/conference_ranking.csv",
        "world_regions": list(WORLD_REGIONS),
        "country_names": {cc: [v for v, _ in COUNTRY_VARIANTS.get(cc, ((world.cc_name[cc], 1.0),))]
                          for cc in world.codes},
        "country_region": world.cc_region,
        "pmid_rule": "all PMIDs of the world are 3 mod 8; references to outside works are not",
    }


def _planted(world) -> dict:
    """The planted parameters (``params``), as drawn for this world where they depend on it."""
    return {
        "region_shares": REGION_SHARE,
        "country_weights_within_region": {g: dict(zip(c, [round(float(x), 5) for x in wts]))
                                          for g, (c, wts) in world.region_countries.items()},
        "international_share_by_region": INTL_SHARE,
        "overall_international_share_expected": round(_expected_overall_intl(world), 4),
        "n_foreign_countries_p": list(N_FOREIGN_P),
        "region_log_irr_within_outlet": REGION_LOG_IRR,
        "international_log_irr": round(INTL_LOG_IRR, 6),
        "international_irr": INTL_IRR,
        "international_log_irr_clinical": round(math.log(INTL_IRR_CLINICAL), 6),
        "international_irr_clinical": INTL_IRR_CLINICAL,
        "clinical_citer_share": {"national": CLINICAL_CITER_SHARE,
                                 "international": round(CLINICAL_CITER_SHARE_INTL, 6)},
        "n_authors_log_coef": N_AUTHORS_COEF,
        "nb_alpha": NB_ALPHA,
        "outlet_quality_coef": OUTLET_QUALITY_COEF,
        "high_rank_log_bonus": HIGH_RANK_LOG_BONUS,
        "journal_choice_quality_tilt": QUALITY_TILT,
        "year_log_effects": {y: round(v, 6) for y, v in world.year_effect.items()},
        "year_exposure_coef": YEAR_EXPOSURE_COEF,
        "citations_mean": world.ls.citations_mean,
        "lag_weights": list(LAG_WEIGHTS),
        "growth_log_per_year": GROWTH,
        "team_lambda": list(TEAM_LAMBDA),
        "team_factor_mean_n_authors_pow_coef": {k: round(v, 6) for k, v in world.team_factor.items()},
        "clinical_ai_share": CLINICAL_AI_SHARE,
    }


def _counts(world, a: _Articles) -> dict:
    A, n = a.A, a.n
    kw_counts = {k: int((A["kw"] == i).sum()) for i, k in enumerate(AI_TERM_WEIGHT)} if n else {}
    n_citing = sum(world.counts["citing_records"].values())
    n_bg = sum(world.counts["background_records"].values())
    return {
        "ai_articles": n,
        "ai_articles_per_year": {y: world.per_year[y] for y in world.years},
        "clinical_ai_articles": int(a.clin_filter.sum()),
        "clinical_ai_articles_planted": int(A["clinical"].astype(bool).sum()) if n else 0,
        "citing_records": n_citing,
        "citing_records_per_year": world.counts["citing_records"],
        "clinical_citing_records": world.counts["clinical_citing_records"],
        "background_records": n_bg,
        "clinical_background_records": world.counts["clinical_background_records"],
        "malformed_records": len(world.malformed),
        "records_with_pmid": n + n_citing + n_bg,
        "ai_keyword_counts": kw_counts,
        "international_ai_articles": int(a.intl.sum()),
        "openalex_conference_papers": world.n_conf + int((A["conf"] >= 0).sum()) if n else world.n_conf,
        "openalex_conference_papers_openalex_only": world.n_conf,
        "openalex_conference_papers_with_pubmed_record": int((A["conf"] >= 0).sum()) if n else 0,
        "atlas_articles": n + world.n_conf,
        "high_ranked_ai_articles": int(a.high.sum()),
    }


def _shares(world, a: _Articles) -> dict:
    """Counts by lead region and country, international shares, high-ranked shares."""
    A, regions, reg_name, intl, high = a.A, world.regions, a.reg_name, a.intl, a.high
    counts_by_region = {g: int((reg_name == g).sum()) for g in regions}
    counts_by_country = {}
    for cc in sorted(set(A["country"].tolist())):
        counts_by_country[cc] = int((A["country"] == cc).sum())
    asia = counts_by_region[ASIA]
    china_share = round(counts_by_country.get("CN", 0) / asia, 4) if asia else None
    obs_intl = {g: (round(float(intl[reg_name == g].mean()), 4) if counts_by_region[g] else None) for g in regions}
    intl_year = {}
    for y in world.years:
        s = A["year"] == y
        intl_year[y] = round(float(intl[s].mean()), 4) if s.any() else None
    exp_high = {g: round(float((world.p_journal[g] * world.j_high).sum()), 4) for g in regions}
    obs_high = {g: (round(float(high[reg_name == g].mean()), 4) if counts_by_region[g] else None) for g in regions}
    return {
        "counts_by_region": counts_by_region,
        "counts_by_country": counts_by_country,
        "china_share_of_asia": china_share,
        "international_share": {"planted_by_region": INTL_SHARE, "observed_by_region": obs_intl,
                                "expected_overall": round(_expected_overall_intl(world), 4),
                                "observed_overall": round(float(intl.mean()), 4) if a.n else None,
                                "observed_per_year": intl_year},
        "high_ranked_share_by_region": {"expected": exp_high, "observed": obs_high},
    }


def _expected_irrs(world) -> dict:
    """The planted incidence rate ratios vs Asia: of the atlas's articles and of the PubMed AI articles."""
    regions = world.regions
    unadj = {g: round(world.expected_unadj[g] / world.expected_unadj[ASIA], 4) for g in regions}
    within = {g: round(world.expected_within[g] / world.expected_within[ASIA], 4) for g in regions}
    return {
        "expected_irr_vs_asia_all_articles": {
            "unadjusted": {g: round(world.expected_unadj_all[g] / world.expected_unadj_all[ASIA], 4) for g in regions},
            "within_outlet": within,
            "within_outlet_planted": {g: round(math.exp(v), 4) for g, v in REGION_LOG_IRR.items()},
            "international_irr": INTL_IRR, "international_irr_clinical": INTL_IRR_CLINICAL,
            "note": "the atlas's articles: the PubMed AI articles and the OpenAlex-only conference papers "
                    "(counts.atlas_articles; a conference paper with a PubMed record is one article); as "
                    "expected_irr_vs_asia, with CONF_SHARE of the articles in a conference (outlet effect "
                    "from its CORE rank)",
        },
        "expected_irr_vs_asia": {
            "unadjusted": unadj,
            "within_outlet": within,
            "within_outlet_planted": {g: round(math.exp(v), 4) for g, v in REGION_LOG_IRR.items()},
            "note": "the PubMed AI articles (articles); unadjusted = year dummies only; within_outlet = outlet fixed effects, international not "
                    "controlled (its share differs by region); within_outlet_planted = also controlling "
                    "international and n_authors. Team sizes averaged over the years (approximate).",
        },
    }


def _citations(world, a: _Articles) -> dict:
    A, n, cites, clin, intl = a.A, a.n, a.cites, a.clin, a.intl
    by_region_cites = {g: int(cites[a.reg_name == g].sum()) for g in world.regions}
    by_year = {y: int(cites[A["year"] == y].sum()) for y in world.years}
    return {
        "total": int(cites.sum()), "clinical": int(clin.sum()),
        "by_lead_region": by_region_cites,
        "by_publication_year": by_year,
        "international": {"articles": int(intl.sum()), "citations": int(cites[intl].sum()),
                          "clinical_citations": int(clin[intl].sum())},
        "national": {"articles": int((~intl).sum()), "citations": int(cites[~intl].sum()),
                     "clinical_citations": int(clin[~intl].sum())},
        "max_per_article": int(cites.max()) if n else 0,
        "zero_cited_articles": int((cites == 0).sum()),
    }


def _openalex_twins(world, a: _Articles) -> dict:
    A, n, link, twinned, cites, clin, pub, pub_clin = a.A, a.n, a.link, a.twinned, a.cites, a.clin, a.pub, a.pub_clin
    n_citing = sum(world.counts["citing_records"].values())
    return {
        "parts": [{"file": f"data/works/{rel}", "records": world.twin_lines[k]}
                  for k, rel in enumerate(world.twin_rel)],
        "institutions_part": {"file": f"data/institutions/{world.inst_rel}", "records": world.inst_lines},
        "records": sum(world.twin_lines),
        "ai_article_twins_by_link": {kind: int((link == i).sum()) for i, kind in enumerate(LINKS)},
        "ai_article_twins_year_shifted": int((A["shift"].astype(bool)).sum()) if n else 0,
        "citing_record_twins": n_citing,
        "openalex_only_conference_papers": world.n_conf,
        "openalex_only_citers": sum(world.counts["openalex_only_citers"].values()),
        "openalex_only_citers_per_year": world.counts["openalex_only_citers"],
        "clinical_openalex_only_citers": world.counts["clinical_openalex_only_citers"],
        "citations_of_twinned_articles": {"openalex": int(cites[twinned].sum()),
                                          "pubmed": int(pub[twinned].sum()),
                                          "openalex_clinical": int(clin[twinned].sum()),
                                          "pubmed_clinical": int(pub_clin[twinned].sum())},
        "pubmed_citations_total": int(pub.sum()),
        "pubmed_clinical_citations_total": int(pub_clin.sum()),
        "pre2014_first_author_only_records": world.quirks["first_author_only_affiliation"],
        "constants": {"TWIN_PMID_SHARE": TWIN_PMID_SHARE, "TWIN_DOI_ONLY_SHARE": TWIN_DOI_ONLY_SHARE,
                      "TWIN_YEAR_SHIFT_SHARE": TWIN_YEAR_SHIFT_SHARE,
                      "OPENALEX_ONLY_CITER_SHARE": OPENALEX_ONLY_CITER_SHARE,
                      "PRE2014_FIRST_ONLY_SHARE": PRE2014_FIRST_ONLY_SHARE,
                      "TWIN_WORK_BASE": TWIN_WORK_BASE, "OA_ONLY_WORK_BASE": OA_ONLY_WORK_BASE,
                      "INSTITUTION_BASE": INSTITUTION_BASE,
                      "topic_concepts": {t[2]: V.OA + t[0] for t in TOPIC_CONCEPTS},
                      "ai_concepts": {AI_CONCEPT_ML[2]: V.OA + AI_CONCEPT_ML[0],
                                      AI_CONCEPT_AI[2]: V.OA + AI_CONCEPT_AI[0]},
                      "ai_concept_max_score": TWIN_AI_CONCEPT_MAX_SCORE},
    }


def _journals(world, a: _Articles) -> list[dict]:
    """The journals that publish AI articles, with their ranks and their number of AI articles."""
    jl = world.pub_journals
    n_art = {j.idx: 0 for j in jl}
    for x in a.A["journal"].astype(int).tolist() if a.n else []:
        if x < len(jl):
            n_art[jl[x].idx] += 1
    return [{"issn": j.issn, "title": j.title, "iso_abbreviation": j.iso, "ranking_title": j.name.upper(),
             "issn_type": j.issn_type, "quality": round(j.quality, 4), "log_outlet_effect": round(j.log_effect, 4),
             "ranked": j.ranked, "high_ranked": j.high, "publishes_ai_articles": j.publishing,
             "categories": {c: list(v) for c, v in j.ranks.items()} if j.ranked else {},
             "n_ai_articles": n_art.get(j.idx, 0)} for j in world.journals if j.publishing]


def _articles(world, a: _Articles) -> dict:
    """The per-article table: every AI article, or every ``step``-th in PMID order above ``ARTICLES_TRUTH_MAX``."""
    A, n, reg_name, intl, high, link = a.A, a.n, a.reg_name, a.intl, a.high, a.link
    cites, clin, pub, pub_clin, clin_filter = a.cites, a.clin, a.pub, a.pub_clin, a.clin_filter
    step = max(1, math.ceil(n / ARTICLES_TRUTH_MAX)) if n else 1
    sel = np.arange(0, n, step)
    kw_names = list(AI_TERM_WEIGHT)
    pmids_sel = [int(x) for x in A["pmid"][sel]] if n else []
    links_sel = [int(x) for x in link[sel]] if n else []
    return {
        "sampling": "all AI articles" if step == 1 else f"every {step}-th AI article in PMID order",
        "pmid": [str(int(x)) for x in A["pmid"][sel]] if n else [],
        "year": [int(x) for x in A["year"][sel]] if n else [],
        "lead_country": [str(x) for x in A["country"][sel]] if n else [],
        "lead_region": [str(x) for x in reg_name[sel]] if n else [],
        "international": [bool(x) for x in intl[sel]] if n else [],
        "n_authors": [int(x) for x in A["n_auth"][sel]] if n else [],
        "issn": [world.outlets[int(x)].issn for x in A["journal"][sel]] if n else [],
        "outlet_kind": [("conference" if int(c) >= 0 else "journal") for c in A["conf"][sel]] if n else [],
        "conference": [(LS_CONFERENCES[int(c)][1] if int(c) >= 0 else None) for c in A["conf"][sel]] if n else [],
        "high_ranked": [bool(x) for x in high[sel]] if n else [],
        "clinical": [bool(x) for x in clin_filter[sel]] if n else [],
        "clinical_planted": [bool(x) for x in A["clinical"][sel]] if n else [],
        "ai_keyword": [kw_names[int(x)] for x in A["kw"][sel]] if n else [],
        "expected_citations": [round(float(x), 4) for x in A["mu"][sel]] if n else [],
        "citations": [int(x) for x in cites[sel]] if n else [],
        "clinical_citations": [int(x) for x in clin[sel]] if n else [],
        "pubmed_citations": [int(x) for x in pub[sel]] if n else [],
        "pubmed_clinical_citations": [int(x) for x in pub_clin[sel]] if n else [],
        "work_id": [(twin_work_id(int(pm)) if lk < 2 else None) for pm, lk in zip(pmids_sel, links_sel)],
        "link": [LINKS[int(lk)] for lk in links_sel],
        "openalex_year": [(int(yy) - int(sh) if lk < 2 else None)
                          for yy, sh, lk in zip(A["year"][sel], A["shift"][sel], links_sel)] if n else [],
        "topic": [(TOPIC_CONCEPTS[int(t)][2] if lk < 2 else None) for t, lk in zip(A["topic"][sel], links_sel)]
        if n else [],
        "countries": [str(x).split(";") for x in A["countries"][sel]] if n else [],
        "pubmed_international": [bool(x) for x in A["pub_intl"][sel]] if n else [],
        "pubmed_lead_country": [str(x) for x in A["pub_lead"][sel]] if n else [],
    }


def conference_truth(world, A: dict, clin_filter: np.ndarray) -> dict:
    """Every OpenAlex conference paper (all of them, not sampled): those with a PubMed record
    (``source`` both: in ``articles`` too, under their PMID) and the OpenAlex-only ones."""
    C = {k: (np.concatenate(v) if v else np.zeros(0)) for k, v in world.cf.items()}
    rf = list(AI_TERM_WEIGHT).index("random forest")
    both = np.flatnonzero(A["conf"].astype(int) >= 0) if len(A["pmid"]) else np.zeros(0, dtype=int)
    m = len(C["year"])
    cols: dict[str, list] = {k: [] for k in (
        "work_id", "source", "pmid", "doi", "year", "conference", "core_rank", "high_ranked", "lead_country",
        "lead_region", "international", "countries", "n_authors", "ai_keyword", "clinical", "clinical_planted",
        "topic", "expected_citations", "citations", "clinical_citations", "pubmed_citations")}
    kw_names = list(AI_TERM_WEIGHT)
    for T, rows, is_both in ((A, both, True), (C, np.arange(m), False)):
        for i in rows.tolist():
            c = int(T["conf"][i])
            conf = LS_CONFERENCES[c]
            y = int(T["year"][i])
            cols["work_id"].append(f"W{int(T['wnum'][i])}")
            cols["source"].append("both" if is_both else "openalex")
            cols["pmid"].append(str(int(T["pmid"][i])) if is_both else None)
            cols["doi"].append(None if is_both else conf_doi(i, y, c))
            cols["year"].append(y)
            cols["conference"].append(conf[1])
            cols["core_rank"].append(conf[4])
            cols["high_ranked"].append(conf[4] == "A*")
            cols["lead_country"].append(str(T["country"][i]))
            cols["lead_region"].append(world.regions[int(T["region"][i])])
            cols["international"].append(bool(T["intl"][i]))
            cols["countries"].append(str(T["countries"][i]).split(";"))
            cols["n_authors"].append(int(T["n_auth"][i]))
            cols["ai_keyword"].append(kw_names[int(T["kw"][i])])
            cols["clinical"].append(bool(clin_filter[i]) if is_both else bool(T["clinical"][i] or T["kw"][i] == rf))
            cols["clinical_planted"].append(bool(T["clinical"][i]))
            cols["topic"].append(TOPIC_CONCEPTS[int(T["topic"][i])][2])
            cols["expected_citations"].append(round(float(T["mu"][i]), 4))
            cols["citations"].append(int(T["cites"][i]))
            cols["clinical_citations"].append(int(T["clin_cites"][i]))
            cols["pubmed_citations"].append(int(T["pub_cites"][i]))
    return {"note": "OpenAlex works of venue type conference in a life-science conference of "
                    "rankings/conference_ranking.csv, a level-0 life-science concept, an AI keyword in title or "
                    "abstract; source both = also a PubMed AI article (its PMID and DOI on the work, the PubMed "
                    "record's journal is the conference's, which no ranking lists); citations = OpenAlex's "
                    "(referenced_works), pubmed_citations the ReferenceList part (0 for openalex); the OpenAlex-"
                    "only ones are cited by OpenAlex-only works alone; high_ranked = CORE A*",
            "conferences": [{"openalex_source_id": c[0], "title": c[1], "acronym": c[3], "core_rank": c[4],
                             "log_outlet_effect": round(world.conf_journals[i].log_effect, 4),
                             "pubmed_issn": world.conf_journals[i].issn}
                            for i, c in enumerate(LS_CONFERENCES)],
            "constants": {"CONF_SHARE": round(CONF_SHARE, 6), "CONF_BOTH_SHARE": CONF_BOTH_SHARE,
                          "P_BOTH": round(P_BOTH, 6), "R_OA": round(R_OA, 6),
                          "CONF_RANK_QUALITY": CONF_RANK_QUALITY},
            "papers": cols}


def lifesci_truth(world) -> dict:
    """``truth_lifesci.json`` of a ``LifesciWorld`` that has run (reads it, draws nothing)."""
    a = _articles_of(world)
    return {
        "parameters": _parameters(world),
        "definitions": _definitions(world),
        "planted": _planted(world),
        "counts": _counts(world, a),
        **_shares(world, a),
        **_expected_irrs(world),
        "citations": _citations(world, a),
        "openalex_twins": _openalex_twins(world, a),
        "files": world.files,
        "malformed": {"n": len(world.malformed), "records": world.malformed},
        "quirks": world.quirks,
        "journals": _journals(world, a),
        "journal_categories": world.categories,
        "conferences": world.conferences,
        "articles": _articles(world, a),
        "conference_papers": conference_truth(world, a.A, a.clin_filter),
    }
