"""What each remaining difference from Schmallenbach et al. 2024 does to the life-science atlas (issue 14): every
choice the atlas makes where the seed is vague or where aigeo departs from it, measured on a sample
world beside the answer the world plants.

One run of the life-science study through Dagster with the default settings (``aigeo run --job
lifesci_atlas_study``: the world read as a user's OpenAlex snapshot, PubMed folder and rankings),
then each choice's alternative recomputed with the pure functions (``aigeo_assets.lifesci``) on the
warehouse tables, no second Dagster run:

1. ``linking``: PubMed records linked to OpenAlex (the default) vs PubMed alone (the atlas before
   issue 14: ``build_lifesci_articles(..., links=None, topics=None)`` from the year's
   ``raw_pubmed_*`` tables, citations ``pubmed_citations`` of ``core_lifesci_citations``): the
   share of articles whose lead country is the planted one; the international share before 2014
   and from 2014 (Fig. 8B); the regional IRRs of Fig. 7A and 7D and the international IRR of
   Fig. 8A; topics from OpenAlex vs MeSH (Fig. 3).
2. ``citing``: citing works ``any`` (default) vs ``life_science``: total citations, Fig. 7A IRRs.
3. ``clinical_filter``: ``treatment`` (default) vs ``broad`` vs ``treatment_no_random_forest``: the
   clinical share of articles (seed: about 20 %) and of citations, Fig. 7B IRRs.
4. ``core_rank``: A* (default) vs A: the high-ranked share of conference papers and overall.
5. ``years``: the atlas to 2019 (``AIGEO_END_YEAR``, before issue 14) vs to 2022: CAGR 2010-last
   year and the first year China stays ahead of the US (seed: 2020).
6. ``link_choices``: links across a year (the +-1-year window), DOI-only links, refused DOI
   matches, and what the articles they link would be without them.
7. ``definitions``: readings without a setting: international as two distinct authors vs any two
   countries on the byline; Fig. 8A's team-size control linear vs log; conference papers merged
   with their PubMed record.

The models are fitted on the PubMed articles (``source`` pubmed or both): the world plants its
regional and international effects on them, while its OpenAlex conference papers come from the
AlShebli et al. 2022 part (far more international, rarely cited); ``test_lifesci_recovery.py`` does the same.
Planted values come from ``truth_lifesci.json``. Default world: the tiny AlShebli et al. 2022 part with the
demo life-science part, seed 20221121, the atlas on 2000-2022 (``--start-year``: the first year
of the OpenAlex partitions; the tiny AlShebli et al. 2022 part has works 2012-2019 only, so earlier years hold
the life-science twins and their citers alone).

Writes ``benchmarks/results/lifesci_fidelity.json`` (``--out`` elsewhere) with the world's
parameters and CPU seconds (this process and its children: the world's generator, PubMed parse
workers). Usage::

    python benchmarks/lifesci_fidelity.py [--lifesci-scale demo] [--seed 20221121] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from results_file import write_results  # noqa: E402

SEED_CAGR = 0.20
SEED_CLINICAL_SHARE = 0.20
SEED_CHINA_AHEAD = 2020
END_BEFORE = 2019
"""The atlas's last year before issue 14 (``AIGEO_END_YEAR``'s default)."""
SPLIT_YEAR = 2014
"""PubMed records name every author's affiliation from about 2014 (before: the first author's)."""
ALT_FILTERS = ("treatment", "treatment_no_random_forest", "broad")


def cpu_seconds() -> float:
    """CPU seconds of this process and its finished children (the generator's and parse workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


# ---- the Dagster run ---------------------------------------------------------------------------


def run_study(work: Path, seed: int, lifesci_scale: str, start_year: int) -> tuple[Path, Path, object]:
    """Generate the world and materialize the life-science study with the default settings."""
    import dagster as dg

    from aigeo_assets.code_location import build_definitions
    from aigeo_assets.orchestration import PlanRunner, plan_runs
    from aigeo_assets.resources.settings import Settings
    from aigeo_assets.sampleworld import generate_world

    import logging

    logging.getLogger("dagster").setLevel(logging.WARNING)
    # one process: the same bytes as any number of workers
    world = generate_world(work / "world", "tiny", seed, lifesci_scale=lifesci_scale, workers=1)
    settings = Settings(
        data_dir=work / "aigeo", source="snapshot", snapshot_dir=world, sample_scale="tiny", sample_seed=seed,
        start_year=start_year, end_year=2019, api_base_url="", api_mailto=None, api_key=None, api_concepts=(),
        api_subfields=(), pubmed_dir=world / "pubmed", rankings_dir=world / "rankings", pubmed_workers=1,
    )
    settings = replace(settings, reference_year=2017, executor="in_process")
    defs = build_definitions(settings)
    PlanRunner(workers=1, defs=defs, instance=dg.DagsterInstance.ephemeral()).run(plan_runs(defs, "lifesci_atlas_study"))
    return world, settings.warehouse_dir, settings


# ---- reading the warehouse ---------------------------------------------------------------------


class Warehouse:
    def __init__(self, root: Path):
        self.root = root

    def read(self, asset: str, year: int | str | None = None, columns: list[str] | None = None) -> pd.DataFrame:
        from aigeo_assets.resources.io import current_table_paths

        path = current_table_paths(self.root, [asset], None if year is None else str(year))[asset]
        return pd.read_parquet(path, columns=columns)

    def years(self, asset: str) -> list[int]:
        folder = self.root / asset
        return sorted(int(p.stem) for p in folder.glob("*.parquet") if p.stem.isdigit())


# ---- helpers -----------------------------------------------------------------------------------


def r4(x) -> float | None:
    return None if x is None or (isinstance(x, float) and not np.isfinite(x)) else round(float(x), 4)


REGIONS = {"africa": "Africa", "europe": "Europe", "latin_america": "Latin America and the Caribbean",
           "northern_america": "Northern America", "oceania": "Oceania"}


def region_irrs(articles: pd.DataFrame, outcome: str, outlet_effects: bool) -> dict:
    from aigeo_assets.lifesci import analyses as A

    res = A.relevance_models(articles, outcome, outlet_effects)
    if not res.estimable:
        return {"not_estimable": str(res)}
    irr = res.irr()
    return {REGIONS.get(t, t): [r4(irr.loc[t, "irr"]), r4(irr.loc[t, "lower"]), r4(irr.loc[t, "upper"])] for t in irr.index}


def international_irr(articles: pd.DataFrame, outcome: str) -> list | dict:
    from aigeo_assets.lifesci import analyses as A

    res = A.collaboration_model(articles, outcome)
    if not res.estimable:
        return {"not_estimable": str(res)}
    irr = res.irr().loc["international"]
    return [r4(irr["irr"]), r4(irr["lower"]), r4(irr["upper"])]


def intl_shares(articles: pd.DataFrame) -> dict:
    """International share of the articles with a lead country, before and from ``SPLIT_YEAR``."""
    a = articles[articles["lead_country_code"].notna()]
    year = a["publication_year"].astype("int64")
    flag = a["is_international"].astype("boolean").fillna(False).astype(bool)
    return {"before_2014": r4(flag[year < SPLIT_YEAR].mean()) if (year < SPLIT_YEAR).any() else None,
            "from_2014": r4(flag[year >= SPLIT_YEAR].mean()) if (year >= SPLIT_YEAR).any() else None,
            "all": r4(flag.mean())}


def pubmed_rows(articles: pd.DataFrame) -> pd.DataFrame:
    return articles[(articles["source"] != "openalex").to_numpy(bool)]


def lead_agreement(articles: pd.DataFrame, planted: pd.DataFrame) -> dict:
    """Share of the planted articles whose lead country equals the planted one (no lead: a miss)."""
    got = pubmed_rows(articles).drop_duplicates("pmid").set_index("pmid")["lead_country_code"].reindex(planted.index)
    same = (got.astype("string") == planted["lead_country"].astype("string")).fillna(False).to_numpy(bool)
    early = (planted["year"] < SPLIT_YEAR).to_numpy(bool)
    return {"all": r4(same.mean()), "before_2014": r4(same[early].mean()) if early.any() else None,
            "from_2014": r4(same[~early].mean()) if (~early).any() else None,
            "without_lead_country": int(got.isna().sum())}


def topic_fidelity(articles: pd.DataFrame, planted: pd.DataFrame) -> dict:
    a = pubmed_rows(articles).drop_duplicates("pmid").set_index("pmid").reindex(planted.index)
    has_truth = planted["topic"].notna().to_numpy(bool)
    same = (a["topic"].astype("string") == planted["topic"].astype("string")).fillna(False).to_numpy(bool)
    return {"share_openalex_topic": r4((a["topic_source"] == "openalex_concept").mean()),
            "share_any_topic": r4(a["topic"].notna().mean()),
            "share_equal_planted_topic": r4(same[has_truth].mean()) if has_truth.any() else None,
            "articles_with_planted_topic": int(has_truth.sum())}


def country_share_gap(articles: pd.DataFrame, planted: pd.DataFrame) -> dict:
    """Fig. 2: how far the articles' lead-country shares are from the planted ones (total variation
    distance: half the summed absolute differences), and the top five countries."""
    from aigeo_assets.lifesci import analyses as A

    counts = A.country_counts(articles).set_index("country_code")["articles"]
    ours = counts / counts.sum()
    theirs = planted["lead_country"].value_counts(normalize=True)
    gap = 0.5 * ours.reindex(ours.index.union(theirs.index), fill_value=0).sub(theirs, fill_value=0).abs().sum()
    return {"total_variation_from_planted": r4(gap), "top5": {str(k): int(v) for k, v in counts.head(5).items()}}


def by_region(articles: pd.DataFrame) -> dict:
    from aigeo_assets.lifesci import analyses as A

    t = A.international_share_by_region(articles)
    return {str(g): r4(x) for g, x in zip(t["world_region"], t["share_international"])}


def premium(articles: pd.DataFrame) -> list:
    from aigeo_assets.lifesci import analyses as A

    row = A.international_high_ranked_premium(articles).set_index("estimator").loc["ratio_of_shares"]
    return [r4(row["ratio"]), r4(row["lower"]), r4(row["upper"])]


def with_counts(articles: pd.DataFrame, counts: pd.DataFrame) -> pd.DataFrame:
    c = counts.set_index("article_id")
    return articles.assign(citations=articles["article_id"].map(c["citations"]).fillna(0).astype("int64"),
                           clinical_citations=articles["article_id"].map(c["clinical_citations"]).fillna(0).astype("int64"))


# ---- the measurement ---------------------------------------------------------------------------


def measure(world: Path, warehouse: Path) -> dict:
    from aigeo_assets.corpus.lookup import is_in
    from aigeo_assets.geo.affiliation_text import affiliation_countries
    from aigeo_assets.lifesci import analyses as A
    from aigeo_assets.lifesci import corpus as C
    from aigeo_assets.lifesci.keywords import AI_KEYWORDS_PATH, clinical_filter_path, load_filters

    wh = Warehouse(warehouse)
    truth = json.loads((world / "truth_lifesci.json").read_text())
    articles = wh.read("out_lifesci_articles")
    core_citations = wh.read("core_lifesci_citations")
    years = wh.years("core_lifesci_articles")
    first, last = min(years), max(years)
    planted = pd.DataFrame({k: v for k, v in truth["articles"].items() if k != "sampling"})
    planted = planted[planted["year"].between(first, last)].set_index("pmid")
    ranking = C.OutletRanking.from_csv(world / "rankings" / "journal_ranking.csv", world / "rankings" / "conference_ranking.csv")
    matcher, treatment = load_filters(AI_KEYWORDS_PATH, clinical_filter_path("treatment"))
    filters = {name: load_filters(AI_KEYWORDS_PATH, clinical_filter_path(name))[1] for name in ALT_FILTERS}
    filters["treatment"] = treatment

    alone_parts, link_totals, window0_linked, pm_clinical, oa_clinical = [], {}, 0, [], []
    link_parts, alone_author_parts = [], []
    oa_years = wh.years("raw_works")
    for year in years:
        pm_art, pm_auth = wh.read("raw_pubmed_articles", year), wh.read("raw_pubmed_authors", year)
        pubmed = C.pubmed_candidates(pm_art, matcher, treatment)
        works = {y: wh.read("raw_works", y, columns=C.LINK_INPUT_COLUMNS) for y in (year - 1, year, year + 1) if y in oa_years}
        concepts = wh.read("raw_work_concepts", year) if year in oa_years else None
        openalex = pd.DataFrame()
        if year in oa_years:
            venues, aff = wh.read("raw_venues", year), wh.read("core_affiliations", year, columns=["work_id", "author_seq", "country_code"])
            w = wh.read("raw_works", year)
            openalex = C.openalex_conference_candidates(w, concepts, venues, matcher, treatment)
            conf_ids = articles.loc[(articles["source"] == "openalex").to_numpy(bool) & (articles["publication_year"] == year).to_numpy(bool), "work_id"]
            conf = w[is_in(w["work_id"], conf_ids)]
            if len(conf):
                oa_clinical.append(pd.DataFrame({"work_id": conf["work_id"].to_numpy(),
                                                 **{n: f.is_clinical(conf["title"], conf["abstract"]) for n, f in filters.items()}}))
        if pubmed.empty:
            continue
        recs = pm_art[is_in(pm_art["pmid"], pubmed["pmid"])]
        pm_clinical.append(pd.DataFrame({"pmid": recs["pmid"].astype("string").to_numpy(),
                                         **{n: C.pubmed_clinical(recs, f).to_numpy() for n, f in filters.items()}}))
        # the links, as the asset makes them (the window of years around the record's), and with no window
        cands = {y: C.openalex_link_candidates(w, pubmed["pmid"], pubmed["doi"]) for y, w in works.items()}
        links, stats = C.link_to_openalex(pubmed, pd.concat(cands.values(), ignore_index=True))
        for k, v in stats.items():
            link_totals[k] = link_totals.get(k, 0) + int(v)
        same_year, _ = C.link_to_openalex(pubmed, cands[year]) if year in cands else (pd.DataFrame(), {})
        window0_linked += len(same_year)
        link_parts.append(links.assign(pmid=links["article_id"].str.removeprefix("pmid:")))
        # PubMed alone: no link, no OpenAlex topic; the OpenAlex conference papers as before
        pm_authors = C.pubmed_author_countries(pm_auth[is_in(pm_auth["pmid"], pubmed["pmid"])], affiliation_countries)
        oa_aff = aff[is_in(aff["work_id"], openalex["work_id"])] if len(openalex) else aff.iloc[:0] if year in oa_years else None
        oa_authors = C.openalex_author_countries(oa_aff) if oa_aff is not None else C.openalex_author_countries(
            pd.DataFrame({"work_id": pd.Series([], dtype="string"), "author_seq": pd.Series([], dtype="int64"),
                          "country_code": pd.Series([], dtype="string")}))
        alone, alone_auth, _ = C.build_lifesci_articles(pubmed, openalex, pm_authors, oa_authors, ranking, links=None, topics=None)
        alone_parts.append(alone)
        alone_author_parts.append(alone_auth)
    alone = pd.concat(alone_parts, ignore_index=True)
    authors = {"linked": pd.concat([wh.read("core_lifesci_authors", y) for y in years], ignore_index=True),
               "pubmed_alone": pd.concat(alone_author_parts, ignore_index=True)}
    links = pd.concat(link_parts, ignore_index=True)

    # consistency: the recomputed links are the Dagster run's
    pm_articles = pubmed_rows(articles).set_index("article_id")
    ours = links.set_index("article_id")["link_rule"].reindex(pm_articles.index).fillna("none")
    link_mismatch = int((ours.to_numpy() != pm_articles["link_rule"].astype(str).to_numpy()).sum())

    # PubMed alone takes the ReferenceList counts; a conference paper its OpenAlex counts
    cc = core_citations.set_index("article_id")
    is_pm = (alone["source"] != "openalex").to_numpy(bool)
    alone["citations"] = np.where(is_pm, alone["article_id"].map(cc["pubmed_citations"]), alone["article_id"].map(cc["openalex_citations"]))
    alone["clinical_citations"] = np.where(is_pm, alone["article_id"].map(cc["pubmed_clinical_citations"]),
                                           alone["article_id"].map(cc["openalex_clinical_citations"]))
    alone[["citations", "clinical_citations"]] = alone[["citations", "clinical_citations"]].fillna(0).astype("int64")

    exp = truth["expected_irr_vs_asia"]
    views = {"linked": articles, "pubmed_alone": alone}
    pl_intl = planted["international"].astype(bool)
    result: dict = {}
    result["linking"] = {
        "sample": "PubMed articles (source pubmed or both) of the atlas years",
        "articles": {k: int(len(pubmed_rows(v))) for k, v in views.items()},
        "planted_articles": int(len(planted)),
        "link_recomputed_differs_from_run": link_mismatch,
        "lead_country_equals_planted": {k: lead_agreement(v, planted) for k, v in views.items()},
        "international_share": {**{k: intl_shares(pubmed_rows(v)) for k, v in views.items()},
                                "planted": {"before_2014": r4(pl_intl[planted["year"] < SPLIT_YEAR].mean()) if (planted["year"] < SPLIT_YEAR).any() else None,
                                            "from_2014": r4(pl_intl[planted["year"] >= SPLIT_YEAR].mean()),
                                            "all": r4(pl_intl.mean())}},
        "fig7A_irr": {**{k: region_irrs(pubmed_rows(v), "citations", False) for k, v in views.items()}, "planted": exp["unadjusted"]},
        "fig7D_irr": {**{k: region_irrs(pubmed_rows(v), "citations", True) for k, v in views.items()}, "planted": exp["within_outlet"]},
        "fig8A_irr": {**{k: international_irr(pubmed_rows(v), "citations") for k, v in views.items()},
                      "planted": truth["planted"]["international_irr"]},
        "fig8A_irr_clinical": {**{k: international_irr(pubmed_rows(v), "clinical_citations") for k, v in views.items()},
                               "planted": truth["planted"]["international_irr_clinical"]},
        "topic": {k: topic_fidelity(v, planted) for k, v in views.items()},
        "fig2_country_shares": {**{k: country_share_gap(pubmed_rows(v), planted) for k, v in views.items()}},
        "fig8C_international_by_region": {**{k: by_region(pubmed_rows(v)) for k, v in views.items()},
                                          "planted": {g: r4(x) for g, x in pl_intl.groupby(planted["lead_region"]).mean().items()}},
        "fig9_dyads": {**{k: int(A.collaboration_dyads(pubmed_rows(v), authors[k])["dyads"].sum()) for k, v in views.items()},
                       "planted_distinct_foreign_countries": int(sum(len(set(c) - {lc}) for c, lc, i in
                                                                     zip(planted["countries"], planted["lead_country"], pl_intl) if i))},
        "intl_high_ranked_premium": {**{k: premium(pubmed_rows(v)) for k, v in views.items()},
                                     "planted_articles": r4(planted.loc[pl_intl, "high_ranked"].astype(bool).mean()
                                                            / planted.loc[~pl_intl, "high_ranked"].astype(bool).mean())},
        "lead_country_coverage": {k: r4(v["lead_country_code"].notna().mean()) for k, v in views.items()},
    }

    # 2-3: the citation counts again, with other citing works and other clinical filters
    cite_input = articles[["article_id", "pmid", "work_id"]]
    pm_years = wh.years("raw_pubmed_references")

    def pubmed_years():
        for y in pm_years:
            yield wh.read("raw_pubmed_articles", y, columns=C.CLINICAL_INPUT_COLUMNS), wh.read("raw_pubmed_references", y, columns=["pmid", "cited_pmid"])

    def openalex_years():
        for y in wh.years("raw_references"):
            yield wh.read("raw_works", y, columns=["work_id", "title", "abstract"]), wh.read("raw_references", y, columns=["citing_work_id", "cited_work_id"])

    life = pd.Index(pd.concat([C.life_science_works(wh.read("raw_work_concepts", y, columns=["work_id", "level", "concept_name"])).to_series()
                               for y in oa_years]).unique())
    life_counts = C.lifesci_citation_counts(cite_input, pubmed_years(), openalex_years(), treatment, life)
    life_articles = with_counts(articles, life_counts)
    pm_sample = pubmed_rows(articles)
    pl_cites = int(planted["citations"].sum())
    result["citing"] = {
        "citations": {"any": int(articles["citations"].sum()), "life_science": int(life_articles["citations"].sum())},
        "citations_pubmed_articles": {"any": int(pm_sample["citations"].sum()), "life_science": int(pubmed_rows(life_articles)["citations"].sum()),
                                     "planted_linked_plus_referencelist": int(np.where(planted["link"] != "none", planted["citations"],
                                                                                       planted["pubmed_citations"]).sum()),
                                     "planted_total": pl_cites},
        "life_science_citing_works": int(len(life)),
        "fig7A_irr": {"any": region_irrs(pm_sample, "citations", False), "life_science": region_irrs(pubmed_rows(life_articles), "citations", False),
                      "planted": exp["unadjusted"]},
    }

    # 3: clinical filters
    pmc = pd.concat(pm_clinical, ignore_index=True).drop_duplicates("pmid").set_index("pmid")
    oac = pd.concat(oa_clinical, ignore_index=True).drop_duplicates("work_id").set_index("work_id") if oa_clinical else None
    clin: dict = {"articles": {}, "articles_pubmed": {}, "citations_share": {}, "fig7B_irr": {}}
    is_pm = (articles["source"] != "openalex").to_numpy(bool)
    for name, f in filters.items():
        flag = np.where(is_pm, articles["pmid"].astype("string").map(pmc[name]),
                        articles["work_id"].astype("string").map(oac[name]) if oac is not None else np.nan)
        flag = pd.Series(flag).astype("boolean").fillna(False).to_numpy(bool)
        if name == "treatment":  # the default: the run's own flags, recomputed
            recomputed_equals_run = bool((flag == articles["is_clinical"].astype("boolean").fillna(False).to_numpy(bool)).all())
        clin["articles"][name] = r4(flag.mean())
        clin["articles_pubmed"][name] = r4(flag[is_pm].mean())
        counts = core_citations if name == "treatment" else C.lifesci_citation_counts(cite_input, pubmed_years(), openalex_years(), f)
        a = with_counts(articles, counts)
        clin["citations_share"][name] = r4(a["clinical_citations"].sum() / max(a["citations"].sum(), 1))
        clin["fig7B_irr"][name] = region_irrs(pubmed_rows(a), "clinical_citations", False)
    clin["articles_recomputed_equals_run"] = recomputed_equals_run
    clin["planted"] = {"articles": r4(planted["clinical_planted"].astype(bool).mean()),
                       "articles_with_trial_or_diagnostic_markers": r4(planted["clinical"].astype(bool).mean()),
                       "citations_share": r4(planted["clinical_citations"].sum() / max(pl_cites, 1)),
                       "fig7B_irr": exp["unadjusted"], "seed_articles": SEED_CLINICAL_SHARE}
    result["clinical_filter"] = clin

    # 4: CORE cut-off
    core: dict = {}
    conf = (articles["outlet_kind"] == "conference").to_numpy(bool)
    for rank in ("A*", "A"):
        _, high = ranking.high_ranked(articles["outlet_kind"], articles["outlet_id"], articles["outlet_name"], rank)
        high = high.to_numpy(bool)
        core[rank] = {"high_ranked_share_conference": r4(high[conf].mean()) if conf.any() else None,
                      "high_ranked_share_all": r4(high.mean()), "conference_articles": int(conf.sum()),
                      "high_ranked_conference_articles": int(high[conf].sum())}
    core["recomputed_A*_equals_run"] = bool((ranking.high_ranked(articles["outlet_kind"], articles["outlet_id"], articles["outlet_name"], "A*")[1]
                                            .to_numpy(bool) == articles["high_ranked"].astype("boolean").fillna(False).to_numpy(bool)).all())
    core["seed"] = {"A*_articles": 1349, "journals_high_share": 0.08, "conferences_high_share_results": 0.06}
    result["core_rank"] = core

    # 5: years
    def year_view(a: pd.DataFrame, end: int) -> dict:
        a = a[a["publication_year"].astype("int64") <= end]
        counts, cagr = A.yearly_counts(a, (2010, end))
        return {"cagr": r4(cagr), "cagr_years": list(counts.attrs["cagr_years"]), "articles": int(counts["articles"].sum()),
                "china_ahead_of_us_from": A.first_year_ahead(A.country_years(a), "CN", "US")}

    pl = planted.reset_index()
    pl_years = pl.groupby("year").size()
    by_cy = pl.groupby(["lead_country", "year"]).size().rename("articles").reset_index().rename(columns={"lead_country": "country_code"})

    def planted_view(end: int) -> dict:
        cagr, f, l_ = A.compound_annual_growth(pl_years[pl_years.index <= end], 2010, end)
        return {"cagr": r4(cagr), "cagr_years": [f, l_], "china_ahead_of_us_from": A.first_year_ahead(by_cy[by_cy["year"] <= end], "CN", "US")}

    result["years"] = {"to_2019": year_view(articles, END_BEFORE), f"to_{last}": year_view(articles, last),
                       "planted_to_2019": planted_view(END_BEFORE), f"planted_to_{last}": planted_view(last),
                       "seed": {"cagr_2010_2022": SEED_CAGR, "china_ahead_of_us_from": SEED_CHINA_AHEAD}}

    # 6: link choices, and what their articles would be without them (their PubMed-alone rows)
    pl_link = planted["link"]
    pl_shift = (planted["openalex_year"].notna() & (planted["openalex_year"] != planted["year"])).to_numpy(bool)
    lk = links.set_index("pmid")
    other_year = lk.index[(lk["openalex_year"].astype("float64").to_numpy()
                           != lk["article_id"].map(pm_articles["publication_year"]).astype("float64").to_numpy())]
    doi_only = lk.index[(lk["link_rule"] == "doi").to_numpy(bool)]

    def without(pmids: pd.Index) -> dict:
        swap = articles.copy()
        alone_pm = pubmed_rows(alone).drop_duplicates("pmid").set_index("pmid")
        rows = swap["pmid"].astype("string").isin(pmids).to_numpy(bool) & (swap["source"] != "openalex").to_numpy(bool)
        for col in ("lead_country_code", "lead_world_region", "is_international", "topic", "topic_source", "citations", "clinical_citations"):
            swap[col] = swap[col].astype("object")
            swap.loc[rows, col] = swap.loc[rows, "pmid"].map(alone_pm[col]).to_numpy()
        return {"articles": int(rows.sum()), "lead_country_equals_planted": lead_agreement(swap, planted)["all"],
                "lead_country_equals_planted_on_them": r4((swap.loc[rows, "lead_country_code"].astype("string").to_numpy()
                                                           == swap.loc[rows, "pmid"].map(planted["lead_country"]).astype("string").to_numpy()).mean())
                if rows.any() else None}

    result["link_choices"] = {
        "links": link_totals,
        "linked_with_no_year_window": window0_linked,
        "planted": {"pmid": int((pl_link == "pmid").sum()), "doi": int((pl_link == "doi").sum()), "none": int((pl_link == "none").sum()),
                    "twin_a_year_apart": int(pl_shift.sum())},
        "without_cross_year_links": without(pd.Index(other_year)),
        "without_doi_links": without(pd.Index(doi_only)),
        "with_every_link": {"lead_country_equals_planted": result["linking"]["lead_country_equals_planted"]["linked"]["all"]},
    }
    # 7: readings of the seed's definitions (no setting; measured so the docs can say what they do)
    n_countries = pd.to_numeric(articles["n_countries"], errors="coerce").fillna(0).to_numpy()
    intl = articles["is_international"].astype("boolean").fillna(False).to_numpy(bool)
    pm = pubmed_rows(articles)
    result["definitions"] = {
        "international": {"two_distinct_authors": r4(intl.mean()), "any_two_countries": r4((n_countries >= 2).mean()),
                          "articles_that_differ": int(((n_countries >= 2) != intl).sum())},
        "fig8A_n_authors_control": {"linear": international_irr(pm, "citations"),
                                    "log": international_irr(pm.assign(n_authors=np.log(pd.to_numeric(pm["n_authors"]).clip(lower=1))), "citations"),
                                    "planted": truth["planted"]["international_irr"],
                                    "note": "the world plants log(n_authors); the seed says 'the total number of authors'"},
        "conference_papers_merged_with_pubmed": int((articles["source"] == "both").sum()),
    }
    result["parameters_seen"] = {"atlas_years": [first, last], "openalex_years": [min(oa_years), max(oa_years)]}
    return result


# ---- printing ----------------------------------------------------------------------------------


def _fmt(v) -> str:
    if isinstance(v, list):
        return f"{v[0]:.3f} [{v[1]:.3f}, {v[2]:.3f}]" if len(v) == 3 and all(x is not None for x in v) else str(v)
    if isinstance(v, float):
        return f"{v:.4f}"
    return str(v)


def print_tables(r: dict) -> None:
    L = r["linking"]
    print("\n1. linking vs PubMed alone (PubMed articles)")
    print(f"  {'':34s}{'linked':>26s}{'pubmed_alone':>26s}{'planted':>26s}")
    for k in ("all", "before_2014", "from_2014"):
        print(f"  {'lead country = planted, ' + k:34s}{_fmt(L['lead_country_equals_planted']['linked'][k]):>26s}"
              f"{_fmt(L['lead_country_equals_planted']['pubmed_alone'][k]):>26s}{'1':>26s}")
    for k in ("before_2014", "from_2014"):
        print(f"  {'international share, ' + k:34s}{_fmt(L['international_share']['linked'][k]):>26s}"
              f"{_fmt(L['international_share']['pubmed_alone'][k]):>26s}{_fmt(L['international_share']['planted'][k]):>26s}")
    for fig in ("fig7A_irr", "fig7D_irr"):
        for region in L[fig]["planted"]:
            if region == "Asia":
                continue
            print(f"  {fig[:5] + ' ' + region[:27]:34s}{_fmt(L[fig]['linked'].get(region)):>26s}"
                  f"{_fmt(L[fig]['pubmed_alone'].get(region)):>26s}{_fmt(L[fig]['planted'][region]):>26s}")
    for fig in ("fig8A_irr", "fig8A_irr_clinical"):
        print(f"  {fig:34s}{_fmt(L[fig]['linked']):>26s}{_fmt(L[fig]['pubmed_alone']):>26s}{_fmt(L[fig]['planted']):>26s}")
    for k in ("share_openalex_topic", "share_equal_planted_topic"):
        print(f"  {'topic ' + k:34s}{_fmt(L['topic']['linked'][k]):>26s}{_fmt(L['topic']['pubmed_alone'][k]):>26s}")
    for region in L["fig8C_international_by_region"]["planted"]:
        print(f"  {'fig8C ' + region[:28]:34s}{_fmt(L['fig8C_international_by_region']['linked'].get(region)):>26s}"
              f"{_fmt(L['fig8C_international_by_region']['pubmed_alone'].get(region)):>26s}"
              f"{_fmt(L['fig8C_international_by_region']['planted'][region]):>26s}")
    print(f"  {'fig2 country shares, TV distance':34s}{_fmt(L['fig2_country_shares']['linked']['total_variation_from_planted']):>26s}"
          f"{_fmt(L['fig2_country_shares']['pubmed_alone']['total_variation_from_planted']):>26s}{'0':>26s}")
    print(f"  {'fig9 dyads':34s}{L['fig9_dyads']['linked']:>26d}{L['fig9_dyads']['pubmed_alone']:>26d}"
          f"{L['fig9_dyads']['planted_distinct_foreign_countries']:>26d}")
    print(f"  {'international high-ranked premium':34s}{_fmt(L['intl_high_ranked_premium']['linked']):>26s}"
          f"{_fmt(L['intl_high_ranked_premium']['pubmed_alone']):>26s}{_fmt(L['intl_high_ranked_premium']['planted_articles']):>26s}")
    c = r["citing"]
    print("\n2. citing works: any vs life_science")
    print(f"  citations (all articles): {c['citations']}; PubMed articles: {c['citations_pubmed_articles']}")
    for region in c["fig7A_irr"]["planted"]:
        if region != "Asia":
            print(f"  fig7A {region[:27]:28s}{_fmt(c['fig7A_irr']['any'].get(region)):>26s}"
                  f"{_fmt(c['fig7A_irr']['life_science'].get(region)):>26s}{_fmt(c['fig7A_irr']['planted'][region]):>10s}")
    cl = r["clinical_filter"]
    print("\n3. clinical filter", "   ".join(ALT_FILTERS), "   planted")
    for k in ("articles", "articles_pubmed", "citations_share"):
        print(f"  {k:22s}" + "".join(f"{_fmt(cl[k][n]):>14s}" for n in ALT_FILTERS) + f"{_fmt(cl['planted'].get(k)):>14s}")
    for region in cl["planted"]["fig7B_irr"]:
        if region != "Asia":
            print(f"  fig7B {region[:15]:16s}" + "".join(f"{_fmt(cl['fig7B_irr'][n].get(region)):>26s}" for n in ALT_FILTERS)
                  + f"{_fmt(cl['planted']['fig7B_irr'][region]):>10s}")
    print("\n4. CORE cut-off", {k: v for k, v in r["core_rank"].items() if k in ("A*", "A")})
    print("\n5. years", r["years"])
    print("\n6. link choices", r["link_choices"])
    print("\n7. definitions", r["definitions"])


def _run_seconds(work: Path) -> dict:
    """The world-and-run seconds an earlier run of this script recorded in ``work``."""
    path = work / "run_seconds.json"
    return json.loads(path.read_text()) if path.exists() else {"cpu": None, "wall": None}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lifesci-scale", default="demo", help="size of the world's life-science part (tiny, demo, ...)")
    ap.add_argument("--seed", type=int, default=20221121)
    ap.add_argument("--start-year", type=int, default=2000, help="first year of the OpenAlex partitions (the atlas starts there)")
    ap.add_argument("--work", type=Path, default=None, help="folder for the world and the warehouse (default: a temporary one)")
    ap.add_argument("--out", type=Path, default=None, help="write the results here instead of benchmarks/results/lifesci_fidelity.json")
    ap.add_argument("--measure-only", action="store_true",
                    help="skip the world and the Dagster run: measure the warehouse an earlier run left in --work")
    args = ap.parse_args(argv)
    if args.measure_only and args.work is None:
        ap.error("--measure-only needs --work (the folder of an earlier run)")

    tmp = None
    if args.work is None:
        tmp = tempfile.TemporaryDirectory(prefix="aigeo-lifesci-fidelity-")
        work = Path(tmp.name)
    else:
        work = args.work
        work.mkdir(parents=True, exist_ok=True)
    t0, w0 = cpu_seconds(), time.perf_counter()
    if args.measure_only:
        world, warehouse = work / "world", work / "aigeo" / "warehouse"
    else:
        world, warehouse, _ = run_study(work, args.seed, args.lifesci_scale, args.start_year)
    t1, w1 = cpu_seconds(), time.perf_counter()
    print(f"world and Dagster run: {t1 - t0:.1f} CPU-s, {w1 - w0:.1f} s wall", flush=True)
    run_seconds = _run_seconds(work) if args.measure_only else {"cpu": round(t1 - t0, 1), "wall": round(w1 - w0, 1)}
    (work / "run_seconds.json").write_text(json.dumps(run_seconds))
    result = measure(world, warehouse)
    t2, w2 = cpu_seconds(), time.perf_counter()
    print(f"recomputations: {t2 - t1:.1f} CPU-s, {w2 - w1:.1f} s wall", flush=True)
    print_tables(result)
    truth = json.loads((world / "truth_lifesci.json").read_text())
    payload = {
        "world": {"scale": "tiny", "lifesci_scale": args.lifesci_scale, "seed": args.seed, "start_year": args.start_year,
                  "lifesci_parameters": truth["parameters"] | {"years": None}, "ai_articles": truth["counts"]["ai_articles"]},
        "settings": {"clinical_filter": "treatment", "citing": "any", "core_rank": "A*", "link_years_around": 1},
        "cpu_seconds": {"world_and_dagster_run": run_seconds["cpu"], "recomputations": round(t2 - t1, 1)},
        "wall_seconds": {"world_and_dagster_run": run_seconds["wall"], "recomputations": round(w2 - w1, 1)},
        **result,
    }
    payload = json.loads(json.dumps(payload, default=lambda v: v.item() if hasattr(v, "item") else str(v)))  # numpy scalars
    write_results("lifesci_fidelity", payload, args.out)
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
