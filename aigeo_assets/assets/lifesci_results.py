"""Schmallenbach et al. 2024's side results (issue 14) as assets: tables in group ``lifesci_atlas``; their figures
(group ``reports``) are declared in ``reports.catalogue.FIGURES`` and built by ``assets.reports``.

* ``out_lifesci_outlet_sample_refits``, ``out_lifesci_outlet_sample_irrs``: Fig. 7's unadjusted
  models refitted on exactly the articles the outlet-effect models keep, and each region's IRR
  change split into the sample's part and the outlet control's part.
* ``out_lifesci_intl_high_ranked``: "international collaborations also tend to publish 35% more
  frequently in high-ranking research outlets" (ratio of shares, and year-adjusted).
* ``out_lifesci_by_outlet_type``, ``out_lifesci_irrs_by_outlet_type``: S7, life-science journals
  vs computer-science conference proceedings.
* ``out_lifesci_country_productivity``, ``out_lifesci_country_side_result``: S2 per country, and
  the paper's Kenya / South Africa remark.

The computations are ``aigeo_assets.lifesci.analyses``'s; each table asset has a check of an
identity its numbers must satisfy (WARN severity: a broken identity says the analysis code is
wrong, not the data, and nothing downstream depends on these tables)."""

from __future__ import annotations

import dagster as dg
import numpy as np
import pandas as pd

from aigeo_assets.assets.metadata import check_result, preview_markdown, table_asset_args, table_metadata
from aigeo_assets.lifesci import analyses as A
from aigeo_assets.models.results import not_estimable_reasons

ATLAS = "lifesci_atlas"


def _check(name: str, asset: str, passed: bool, description: str, **meta) -> dg.AssetCheckResult:
    return check_result(name, passed, description, asset_key=asset, severity=dg.AssetCheckSeverity.WARN,
                        **{k: v for k, v in meta.items() if v is not None})


def _r(x, nd: int = 4):
    return None if x is None or pd.isna(x) else round(float(x), nd)


def build_lifesci_result_assets() -> list:
    """The table assets of Schmallenbach et al. 2024's side results. Their figures are declared in
    ``reports.catalogue.FIGURES`` and built with every other figure by ``assets.reports``."""
    articles_in = {"out_lifesci_articles": dg.AssetIn()}
    eager = dg.AutomationCondition.eager()
    assets: list = []

    # ---- Fig. 7 on the outlet-effect samples
    @dg.asset(name="out_lifesci_outlet_sample_refits", **table_asset_args("out_lifesci_outlet_sample_refits", ATLAS, kinds={"statsmodels"}),
              ins=articles_in, automation_condition=eager)
    def out_lifesci_outlet_sample_refits(out_lifesci_articles) -> dg.Output:
        """Schmallenbach et al. 2024 Methods: "Our results remain consistent when estimating all models on the smaller
        samples": Fig. 7 A (citations) and B (clinical citations), year effects only, refitted on
        the articles the outlet-effect models D and C keep (outlets never cited dropped)."""
        articles = out_lifesci_articles
        df = A.irr_table(A.fit_outlet_sample_refits(articles))
        return dg.Output(df, metadata=table_metadata(df, "out_lifesci_outlet_sample_refits",
                                                     nobs=df.drop_duplicates("model").set_index("model")["nobs"].astype(int).to_dict(),
                                                     not_estimable=not_estimable_reasons(df)))

    assets.append(out_lifesci_outlet_sample_refits)

    @dg.asset(name="out_lifesci_outlet_sample_irrs", **table_asset_args("out_lifesci_outlet_sample_irrs", ATLAS, kinds={"statsmodels"}),
              ins={"out_lifesci_relevance_irrs": dg.AssetIn(), "out_lifesci_outlet_sample_refits": dg.AssetIn()}, automation_condition=eager,
              check_specs=[dg.AssetCheckSpec("refit_on_the_outlet_sample", asset="out_lifesci_outlet_sample_irrs",
                                             description="every refit has exactly the articles of its outlet-effect model "
                                             "(nobs_same_sample = nobs_outlet), and log_gap = log_sample_part + log_outlet_part")])
    def out_lifesci_outlet_sample_irrs(out_lifesci_relevance_irrs: pd.DataFrame, out_lifesci_outlet_sample_refits: pd.DataFrame):
        """Each region's IRR (base Asia) of Fig. 7 three ways: year effects on the full sample (A, B),
        year effects on the outlet-effect sample, year and outlet effects (D, C); the change split
        into what the sample does and what the outlet control does."""
        irrs = pd.concat([out_lifesci_relevance_irrs, out_lifesci_outlet_sample_refits], ignore_index=True)
        df = A.outlet_sample_decomposition(irrs)
        both = df[df["nobs_same_sample"].notna() & df["nobs_outlet"].notna()]
        same_n = bool((both["nobs_same_sample"] == both["nobs_outlet"]).all())
        parts = df[df["log_gap"].notna()]
        f = A.numeric_floats
        adds = bool(np.allclose(f(parts["log_gap"]), f(parts["log_sample_part"]) + f(parts["log_outlet_part"]), atol=1e-9))
        yield dg.Output(df, metadata=table_metadata(
            df, "out_lifesci_outlet_sample_irrs",
            decomposition=dg.MetadataValue.md(preview_markdown(
                df[["outcome", "label", "irr_full", "irr_same_sample", "irr_outlet", "sample_share_of_gap"]].round(3), rows=len(df)))))
        yield _check("refit_on_the_outlet_sample", "out_lifesci_outlet_sample_irrs", same_n and adds,
                     "the refits' samples are the outlet-effect models' samples" if same_n else
                     "a refit's sample differs from its outlet-effect model's (the engine dropped observations whose fitted "
                     "mean vanished, a rule outlet_effect_sample cannot apply without a fit)",
                     rows_compared=len(both), parts_add_up=adds)

    assets.append(out_lifesci_outlet_sample_irrs)

    # ---- the high-ranked premium of international articles
    @dg.asset(name="out_lifesci_intl_high_ranked", **table_asset_args("out_lifesci_intl_high_ranked", ATLAS, kinds={"statsmodels"}),
              ins=articles_in, automation_condition=eager,
              check_specs=[dg.AssetCheckSpec("premium_counts_add_up", asset="out_lifesci_intl_high_ranked",
                                             description="international + national articles = the located articles; the "
                                             "shares are the counts' ratios; every interval holds its estimate")])
    def out_lifesci_intl_high_ranked(out_lifesci_articles):
        """Schmallenbach et al. 2024 (after Fig. 8A): "international collaborations also tend to publish 35% more
        frequently in high-ranking research outlets than national collaborations, on average": the
        ratio of the shares (what the sentence says) and the year-adjusted ratio, with 95% intervals."""
        articles = out_lifesci_articles
        df = A.international_high_ranked_premium(articles)
        located = len(A.atlas_sample(articles))
        r = df.iloc[0]
        counts = int(r["international_articles"]) + int(r["national_articles"]) == located
        shares = bool(np.isclose(A.share_of(r["international_high_ranked"], r["international_articles"]).item(), r["share_international"],
                                 equal_nan=True))
        est = df[df["lower"].notna()]
        inside = bool(((est["lower"] <= est["ratio"]) & (est["ratio"] <= est["upper"])).all())
        premium = {e: {"ratio": _r(x), "lower": _r(lo), "upper": _r(hi)} for e, x, lo, hi in zip(df["estimator"], df["ratio"], df["lower"], df["upper"])}
        yield dg.Output(df, metadata=table_metadata(df, "out_lifesci_intl_high_ranked", premium=premium, seed_premium=0.35))
        yield _check("premium_counts_add_up", "out_lifesci_intl_high_ranked", counts and shares and inside,
                     "counts, shares and intervals consistent", located_articles=located, counts_add_up=counts,
                     shares_match=shares, intervals_hold_estimates=inside)

    assets.append(out_lifesci_intl_high_ranked)

    # ---- S7: life-science journals vs computer-science conferences
    @dg.asset(name="out_lifesci_by_outlet_type", **table_asset_args("out_lifesci_by_outlet_type", ATLAS), ins=articles_in,
              automation_condition=eager,
              check_specs=[dg.AssetCheckSpec("outlet_types_cover_the_sample", asset="out_lifesci_by_outlet_type",
                                             description="the types' 'All regions' rows add up to the located articles, and "
                                             "each type's regions to at most its 'All regions' row")])
    def out_lifesci_by_outlet_type(out_lifesci_articles):
        """Schmallenbach et al. 2024 S7: the atlas's shares by outlet type (journals = life science, conference
        proceedings = computer science) and lead region."""
        articles = out_lifesci_articles
        df = A.by_outlet_type(articles)
        located = len(A.atlas_sample(articles))
        alls = df[df["world_region"] == "All regions"]
        total = int(alls["articles"].sum()) == located
        regional = df[df["world_region"] != "All regions"].groupby("outlet_type")["articles"].sum()
        within = bool((regional <= alls.set_index("outlet_type")["articles"].reindex(regional.index)).all())
        yield dg.Output(df, metadata=table_metadata(df, "out_lifesci_by_outlet_type",
                                                    articles_by_type=dict(zip(alls["outlet_type"], alls["articles"].astype(int)))))
        yield _check("outlet_types_cover_the_sample", "out_lifesci_by_outlet_type", total and within,
                     "the outlet types partition the located articles", located_articles=located, types_add_up=total,
                     regions_within_type=within)

    assets.append(out_lifesci_by_outlet_type)

    @dg.asset(name="out_lifesci_irrs_by_outlet_type", **table_asset_args("out_lifesci_irrs_by_outlet_type", ATLAS, kinds={"statsmodels"}),
              ins=articles_in, automation_condition=eager)
    def out_lifesci_irrs_by_outlet_type(out_lifesci_articles) -> dg.Output:
        """Schmallenbach et al. 2024 S7 for relevance: the four Fig. 7 models on journal and on conference articles
        separately (a type too thin to identify a model has a "not estimable" row with the reason)."""
        articles = out_lifesci_articles
        df = A.irr_table(A.fit_relevance_models_by_outlet_type(articles))
        return dg.Output(df, metadata=table_metadata(df, "out_lifesci_irrs_by_outlet_type", not_estimable=not_estimable_reasons(df)))

    assets.append(out_lifesci_irrs_by_outlet_type)

    # ---- S2 and the Kenya / South Africa remark
    @dg.multi_asset(
        outs={
            "out_lifesci_country_productivity": dg.AssetOut(**table_asset_args("out_lifesci_country_productivity", ATLAS),
                                                            automation_condition=eager),
            "out_lifesci_country_side_result": dg.AssetOut(**table_asset_args("out_lifesci_country_side_result", ATLAS),
                                                           automation_condition=eager),
        },
        ins=articles_in,
        check_specs=[dg.AssetCheckSpec("country_table_adds_up", asset="out_lifesci_country_productivity",
                                       description="the countries' articles add up to the located articles; high-ranked "
                                       "international <= high-ranked and <= international <= articles for every country")],
    )
    def out_lifesci_country_productivity(out_lifesci_articles):
        """Schmallenbach et al. 2024 S2 (every country's productivity statistics) and the paper's Kenya / South Africa
        remark read off it."""
        articles = out_lifesci_articles
        df = A.country_productivity(articles)
        side = A.country_side_result(df)
        located = len(A.atlas_sample(articles))
        total = int(df["articles"].sum()) == located
        hri = df["high_ranked_international_articles"]
        order = bool(((hri <= df["high_ranked_articles"]) & (hri <= df["international_articles"])
                      & (df["international_articles"] <= df["articles"]) & (df["high_ranked_articles"] <= df["articles"])).all())
        rows = {str(c): {"articles": int(n), "share_international": _r(si), "share_international_of_high_ranked": _r(sh)}
                for c, n, si, sh in zip(side["country_code"], side["articles"], side["share_international"],
                                        side["share_international_of_high_ranked"])}
        yield dg.Output(df, output_name="out_lifesci_country_productivity", metadata=table_metadata(
            df, "out_lifesci_country_productivity", countries=len(df)))
        yield dg.Output(side, output_name="out_lifesci_country_side_result", metadata=table_metadata(
            side, "out_lifesci_country_side_result", side_result=rows,
            world_share_international=_r(side["world_share_international"].iloc[0]) if len(side) else None))
        yield _check("country_table_adds_up", "out_lifesci_country_productivity", total and order,
                     "the country table is consistent", located_articles=located, articles_add_up=total, counts_ordered=order)

    assets.append(out_lifesci_country_productivity)
    return assets
