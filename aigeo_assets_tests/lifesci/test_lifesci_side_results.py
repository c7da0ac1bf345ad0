"""Schmallenbach et al. 2024's side results (issue 14): Fig. 7 on the outlet-effect samples, the high-ranked premium of
international articles, S7 by outlet type, S2 per country and the Kenya / South Africa remark.

Oracles: statsmodels with explicit dummy columns for the models (NB2 for the refits, Poisson GLM for
the year-adjusted premium), shares counted by hand on small hand-built tables, and the demo sample
world's planted truth (``truth_lifesci.json``; the world and its article table are the fixtures of
``lifesci/conftest.py``, shared with ``test_lifesci_planted``)."""

from __future__ import annotations

import math
import warnings

import dagster as dg
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from aigeo_assets.lifesci import analyses as an
from aigeo_assets.reports import lifesci_figures as lf
from aigeo_assets.schemas import conform
from aigeo_assets_tests.support.lifesci_articles import TIGHT, article_row, conform_articles, nb2_articles
from aigeo_assets_tests.support.lifesci_truth import COMPLETE_BYLINES_FROM, planted_articles, pubmed_view

Z95 = 1.959963984540054


# ------------------------------------------------------------------ Fig. 7 on the outlet-effect samples


@pytest.fixture(scope="module")
def with_zero_outlets() -> pd.DataFrame:
    """NB2 citations with 40 outlets and 3 outlets never cited ("Z0".."Z2"), 25 articles without a
    lead country."""
    return nb2_articles(n=2000, seed=5, n_outlets=40, zero_outlets=3)


def _oracle_sample(arts: pd.DataFrame) -> np.ndarray:
    """The planted sample of the outlet-effect model: a lead country, and not an outlet that is never cited."""
    return (arts["lead_country_code"].notna() & ~arts["outlet_id"].astype(str).str.startswith("Z")).to_numpy()


def test_outlet_effect_sample_is_the_planted_one_and_the_fitted_models(with_zero_outlets):
    arts = with_zero_outlets
    for outcome in ("citations", "clinical_citations"):
        keep = an.outlet_effect_sample(arts, outcome)
        assert keep.index.equals(arts.index)
        np.testing.assert_array_equal(keep.to_numpy(), _oracle_sample(arts))
        assert int(keep.sum()) == an.relevance_models(arts, outcome, True).nobs


def test_refits_equal_statsmodels_nb2_with_dummies_on_the_planted_sample():
    arts = nb2_articles(n=900, seed=21, n_outlets=12, zero_outlets=2)
    refits = an.fit_outlet_sample_refits(arts, **TIGHT)
    assert set(refits) == {"A on D sample", "B on C sample"}
    a = arts[_oracle_sample(arts)]
    region = a["lead_world_region"].astype(str)
    design = pd.DataFrame({"const": 1.0}, index=a.index)
    for r, term in an.REGION_TERMS.items():
        design[term] = (region == r).astype(float)
    for yv in sorted(a["publication_year"].astype(int).unique())[1:]:
        design[f"y{yv}"] = (a["publication_year"].astype(int) == yv).astype(float)
    terms = list(an.REGION_TERMS.values())
    for key, outcome in (("A on D sample", "citations"), ("B on C sample", "clinical_citations")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ml = sm.NegativeBinomial(a[outcome].astype(float).to_numpy(), design.to_numpy(), loglike_method="nb2").fit(
                method="newton", tol=1e-12, maxiter=200, disp=0)
        assert ml.mle_retvals["converged"]
        ours = refits[key]
        assert ours.nobs == len(a)
        assert ours.dropped["outside_outlet_sample"] == len(arts) - len(a)
        sm_params = pd.Series(ml.params[: design.shape[1]], index=design.columns)
        np.testing.assert_allclose(ours.params[terms].to_numpy(), sm_params[terms].to_numpy(), rtol=1e-5)
        assert ours.alpha == pytest.approx(float(ml.params[-1]), rel=1e-5)


def _irr_rows(model, outcome, irrs: dict[str, float], nobs: int) -> list[dict]:
    return [{"model": model, "outcome": outcome, "term": t, "irr": v, "lower": v / 1.1, "upper": v * 1.1, "nobs": nobs}
            for t, v in irrs.items()]


def test_decomposition_by_hand():
    irrs = pd.DataFrame(
        _irr_rows("A", "citations", {"europe": 1.5, "africa": 1.2}, 1000)
        + _irr_rows("A on D sample", "citations", {"europe": 1.4, "africa": 1.2}, 900)
        + _irr_rows("D", "citations", {"europe": 1.05, "africa": 1.2}, 900)
        + [{"model": "B", "outcome": "clinical_citations", "term": "not estimable: no positive outcome in 3 observations",
            "irr": np.nan, "lower": np.nan, "upper": np.nan, "nobs": 3}]
    )
    d = an.outlet_sample_decomposition(irrs)
    assert len(d) == 2 * len(an.REGION_TERMS)
    eu = d[(d["outcome"] == "citations") & (d["term"] == "europe")].iloc[0]
    assert (eu["irr_full"], eu["irr_same_sample"], eu["irr_outlet"]) == (1.5, 1.4, 1.05)
    assert (eu["nobs_full"], eu["nobs_same_sample"], eu["nobs_outlet"]) == (1000, 900, 900)
    assert eu["log_sample_part"] == pytest.approx(math.log(1.4 / 1.5))
    assert eu["log_outlet_part"] == pytest.approx(math.log(1.05 / 1.4))
    assert eu["log_gap"] == pytest.approx(math.log(1.05 / 1.5))
    assert eu["sample_share_of_gap"] == pytest.approx(math.log(1.4 / 1.5) / math.log(1.05 / 1.5))
    af = d[(d["outcome"] == "citations") & (d["term"] == "africa")].iloc[0]
    assert af["log_gap"] == 0 and np.isnan(af["sample_share_of_gap"])  # no gap: no share
    clin = d[d["outcome"] == "clinical_citations"]
    assert clin["irr_full"].isna().all() and clin["nobs_full"].isna().all()  # B not estimable, C and the refit absent
    conform(d, "out_lifesci_outlet_sample_irrs")


def test_planted_world_outlet_sample_refit(atlas):
    """On the demo world each refit keeps exactly its outlet-effect model's articles, and on D's
    sample the model fitted to the planted NB2 means is within 10 % of the planted unadjusted IRRs
    (20 % for a region of fewer than 1,000 articles),
    the fit to the drawn citations within four standard errors of that. (The demo world's journals
    each publish enough articles that none goes uncited, so there D's sample is every article; the
    dropping itself is tested on ``with_zero_outlets``.)"""
    truth, articles, _ = atlas
    articles = articles[articles["publication_year"] >= COMPLETE_BYLINES_FROM]  # the PubMed path's unbiased years
    refits = an.fit_outlet_sample_refits(articles)
    refit = refits["A on D sample"]
    assert refit.nobs == an.relevance_models(articles, "citations", True).nobs <= len(articles)
    assert refits["B on C sample"].nobs == an.relevance_models(articles, "clinical_citations", True).nobs
    keep = an.outlet_effect_sample(articles, "citations").to_numpy()
    means = articles[keep].merge(planted_articles(truth)[["pmid", "expected_citations"]], on="pmid", validate="1:1")
    means["citations"] = means["expected_citations"]
    composed = an.relevance_models(means, "citations", False).irr()
    n_region = articles[keep]["lead_world_region"].value_counts()
    for term, region in {v: k for k, v in an.REGION_TERMS.items()}.items():
        planted = truth["expected_irr_vs_asia"]["unadjusted"][region]
        tolerance = 0.10 if n_region.get(region, 0) >= 1000 else 0.20  # a small region's own mix of journals
        assert abs(composed.loc[term, "irr"] / planted - 1) < tolerance, (region, planted, composed.loc[term, "irr"])
        lo, hi = refit.irr().loc[term, ["lower", "upper"]]
        se = (math.log(hi) - math.log(lo)) / (2 * Z95)
        assert abs(math.log(refit.irr().loc[term, "irr"]) - math.log(composed.loc[term, "irr"])) < 4 * se


# ------------------------------------------------------------------ the high-ranked premium


@pytest.fixture(scope="module")
def premium_table() -> pd.DataFrame:
    """10 international articles (4 high-ranked), 30 national ones (3 high-ranked) of which one has a
    null international flag (national) and one a null high-ranked flag (not high-ranked), and two
    articles without a lead country (left out)."""
    A = article_row
    rows = [A(f"i{k}", 2010 + k % 3, "DE", intl=True, high=k < 4, ranked=True) for k in range(10)]
    rows += [A(f"n{k}", 2010 + k % 3, "CN", intl=False, high=k < 3) for k in range(28)]
    rows += [A("n_null_intl", 2011, "US", intl=None), A("n_null_high", 2012, "US", high=None)]
    rows += [A("x1", 2010, None, intl=True, high=True), A("x2", 2011, None)]
    return conform_articles(rows)


def test_premium_ratio_of_shares_by_hand(premium_table):
    p = an.international_high_ranked_premium(premium_table)
    assert p["estimator"].tolist() == ["ratio_of_shares", "year_adjusted"]
    r = p.iloc[0]
    assert (r["international_articles"], r["international_high_ranked"], r["national_articles"], r["national_high_ranked"]) == (10, 4, 30, 3)
    assert r["share_international"] == pytest.approx(0.4) and r["share_national"] == pytest.approx(0.1)
    assert r["ratio"] == pytest.approx(4.0) and r["premium"] == pytest.approx(3.0)
    se = math.sqrt(1 / 4 - 1 / 10 + 1 / 3 - 1 / 30)
    assert r["std_err"] == pytest.approx(se)
    assert (r["lower"], r["upper"]) == pytest.approx((4 * math.exp(-Z95 * se), 4 * math.exp(Z95 * se)))
    assert r["nobs"] == 40
    conform(p, "out_lifesci_intl_high_ranked")


def test_premium_without_high_ranked_national_articles_says_why():
    rows = [article_row("i", 2010, "DE", intl=True, high=True), article_row("n", 2010, "CN", intl=False, high=False)]
    p = an.international_high_ranked_premium(conform_articles(rows))
    assert np.isnan(p.iloc[0]["lower"]) and "no interval" in p.iloc[0]["note"]


def test_year_adjusted_premium_equals_statsmodels_poisson_with_year_dummies():
    rng = np.random.default_rng(4)
    n = 3000
    year = rng.integers(2010, 2016, n)
    intl = rng.random(n) < 0.2
    p_high = 0.05 * np.exp(0.1 * (year - 2010)) * np.where(intl, 1.35, 1.0)
    high = rng.random(n) < p_high
    rows = [article_row(f"a{i}", int(year[i]), "US", intl=bool(intl[i]), high=bool(high[i])) for i in range(n)]
    ours = an.international_high_ranked_premium(conform_articles(rows)).set_index("estimator").loc["year_adjusted"]
    design = pd.DataFrame({"const": 1.0, "international": intl.astype(float)})
    for yv in range(2011, 2016):
        design[f"y{yv}"] = (year == yv).astype(float)
    glm = sm.GLM(high.astype(float), design, family=sm.families.Poisson()).fit(cov_type="HC0", tol=1e-12)
    k = design.shape[1]
    assert ours["ratio"] == pytest.approx(math.exp(glm.params["international"]), rel=1e-6)
    assert ours["std_err"] == pytest.approx(glm.bse["international"] * math.sqrt(n / (n - k)), rel=1e-5)
    assert ours["nobs"] == n
    assert ours["lower"] < 1.35 < ours["upper"]  # the planted ratio


def test_planted_world_premium(atlas):
    """The demo world plants no premium of its own: an article's journal depends on its region only,
    and international shares differ by region. So the expected ratio is the composition's,
    sum_g P(high | g) n_g^intl / n^intl over sum_g P(high | g) n_g^nat / n^nat with the planted
    high-ranked shares; the observed ratio lies within four standard errors of it, and its counts
    are the planted articles' counts."""
    truth, articles, _ = atlas
    p = an.international_high_ranked_premium(articles).set_index("estimator").loc["ratio_of_shares"]
    t = pubmed_view(truth)
    assert p["international_articles"] == int(t["international"].sum())
    assert p["international_high_ranked"] == int((t["international"] & t["high_ranked"]).sum())
    assert p["national_high_ranked"] == int((~t["international"] & t["high_ranked"]).sum())
    h = truth["high_ranked_share_by_region"]["expected"]
    n_int = t[t["international"]].groupby("lead_region").size()
    n_nat = t[~t["international"]].groupby("lead_region").size()
    share_int = sum(h[g] * n for g, n in n_int.items()) / n_int.sum()
    share_nat = sum(h[g] * n for g, n in n_nat.items()) / n_nat.sum()
    expected = share_int / share_nat
    assert abs(math.log(p["ratio"]) - math.log(expected)) < 4 * p["std_err"], (p["ratio"], expected)


# ------------------------------------------------------------------ S7 by outlet type


@pytest.fixture(scope="module")
def s7_table() -> pd.DataFrame:
    A = article_row
    rows = [
        A("j1", 2010, "US", intl=True, high=True, ranked=True, clin=True, cites=6),
        A("j2", 2011, "US", cites=2),
        A("j3", 2012, "CN", cites=1, clin_cites=1),
        A("c1", 2012, "CN", source="openalex", kind="conference", high=True, ranked=True, cites=4),
        A("c2", 2011, "DE", source="openalex", kind="conference", intl=True, cites=0),
        A("x1", 2011, None, source="openalex", kind="conference", cites=9),  # no lead country: left out
        A("o1", 2012, "DE", kind=None, cites=3),  # no outlet kind: "other"
    ]
    return conform_articles(rows)


def test_by_outlet_type_by_hand(s7_table):
    t = an.by_outlet_type(s7_table)
    assert t["outlet_type"].tolist() == ["journal"] * 3 + ["conference"] * 3 + ["other"] * 2
    key = t.set_index(["outlet_type", "world_region"])
    j = key.loc[("journal", "All regions")]
    assert (j["articles"], j["high_ranked_articles"], j["international_articles"], j["clinical_articles"], j["citations"]) == (3, 1, 1, 1, 9)
    assert j["share_high_ranked"] == pytest.approx(1 / 3) and j["mean_citations"] == pytest.approx(3.0)
    assert j["mean_clinical_citations"] == pytest.approx(1 / 3)
    us = key.loc[("journal", "Northern America")]
    assert (us["articles"], us["share_of_type"], us["share_international"]) == (2, pytest.approx(2 / 3), pytest.approx(0.5))
    c = key.loc[("conference", "All regions")]
    assert (c["articles"], c["high_ranked_articles"], c["international_articles"], c["citations"]) == (2, 1, 1, 4)
    assert key.loc[("conference", "Asia"), "share_high_ranked"] == 1.0
    assert key.loc[("conference", "Europe"), "share_high_ranked"] == 0.0
    assert key.loc[("other", "All regions"), "articles"] == 1
    assert t.loc[t["world_region"] == "All regions", "articles"].sum() == 6  # every located article once
    conform(t, "out_lifesci_by_outlet_type")


def test_relevance_models_by_outlet_type_fit_each_type_on_its_own_articles():
    arts = nb2_articles(n=1200, seed=8)
    kind = np.where(np.arange(len(arts)) % 3 == 0, "conference", "journal")
    arts["outlet_kind"] = pd.array(kind, dtype="string")
    fits = an.fit_relevance_models_by_outlet_type(arts)
    assert set(fits) == {f"{p} {t}" for p in an.FIG7_MODELS for t in ("journal", "conference")}
    located = arts["lead_country_code"].notna().to_numpy()
    assert fits["A journal"].nobs == int(((kind == "journal") & located).sum())
    assert fits["A conference"].nobs == int(((kind == "conference") & located).sum())
    only_journals = arts[kind == "journal"]
    none = an.irr_table(an.fit_relevance_models_by_outlet_type(only_journals))
    assert none.loc[none["model"].str.endswith("conference"), "term"].str.startswith("not estimable").all()
    conform(none, "out_lifesci_irrs_by_outlet_type")


# ------------------------------------------------------------------ S2 and Kenya / South Africa


@pytest.fixture(scope="module")
def s2_table() -> pd.DataFrame:
    A = article_row
    rows = [
        A("k1", 2010, "KE", intl=True, high=True, ranked=True, cites=5),
        A("k2", 2011, "KE", intl=True, cites=1),
        A("k3", 2012, "KE", cites=0),
        A("u1", 2010, "US", high=True, ranked=True, cites=10),
        A("u2", 2011, "US", high=True, ranked=True, intl=True, cites=2, clin_cites=2),
        A("u3", 2012, "US", kind="conference", source="openalex", cites=0),
        A("u4", 2012, "US", cites=4),
        A("x", 2012, None, intl=True, high=True),
    ]
    return conform_articles(rows)


def test_country_productivity_by_hand(s2_table):
    p = an.country_productivity(s2_table)
    assert p["country_code"].tolist() == ["US", "KE"]
    us, ke = p.iloc[0], p.iloc[1]
    assert (us["articles"], us["journal_articles"], us["conference_articles"]) == (4, 3, 1)
    assert (us["high_ranked_articles"], us["international_articles"], us["high_ranked_international_articles"]) == (2, 1, 1)
    assert us["share_international_of_high_ranked"] == pytest.approx(0.5)
    assert (us["citations"], us["clinical_citations"], us["mean_citations"]) == (16, 2, pytest.approx(4.0))
    assert ke["share"] == pytest.approx(3 / 7) and ke["share_international"] == pytest.approx(2 / 3)
    assert ke["share_international_of_high_ranked"] == 1.0 and ke["iso3"] == "KEN"
    conform(p, "out_lifesci_country_productivity")


def test_kenya_south_africa_rows(s2_table):
    side = an.country_side_result(an.country_productivity(s2_table))
    assert side["country_code"].tolist() == ["KE", "ZA"]
    ke, za = side.iloc[0], side.iloc[1]
    assert (ke["rank"], ke["articles"], ke["high_ranked_articles"]) == (2, 3, 1)
    assert ke["share_international"] == pytest.approx(2 / 3)
    assert za["articles"] == 0 and np.isnan(za["share_international"]) and pd.isna(za["rank"])
    assert za["country_name"] == "South Africa"
    assert side["world_share_international"].tolist() == pytest.approx([3 / 7] * 2)  # k1, k2, u2 of the 7 located articles
    assert side["world_share_international_of_high_ranked"].tolist() == pytest.approx([2 / 3] * 2)  # k1, u2 of k1, u1, u2
    conform(side, "out_lifesci_country_side_result")


def test_planted_world_country_table(atlas):
    """S2 on the demo world's PubMed path: every country's article count is the one planted for the
    affiliation strings (``pubmed_view``), and South Africa's
    international shares are the planted articles' (the demo world has no Kenyan articles: its row
    says so)."""
    truth, articles, _ = atlas
    p = an.country_productivity(articles).set_index("country_code")
    t = pubmed_view(truth)  # the PubMed path: the lead as the affiliation strings place it
    planted = t["lead_country"].value_counts()
    assert p["articles"].sort_index().to_dict() == planted.sort_index().to_dict()
    za = t[t["lead_country"] == "ZA"]
    side = an.country_side_result(an.country_productivity(articles)).set_index("country_code")
    assert side.loc["ZA", "share_international"] == pytest.approx(za["international"].mean())
    high = za[za["high_ranked"]]
    if len(high):
        assert side.loc["ZA", "share_international_of_high_ranked"] == pytest.approx(high["international"].mean())
    assert side.loc["KE", "articles"] == 0


# ------------------------------------------------------------------ figures and assets


def test_figures_plot_the_tables(with_zero_outlets, premium_table, s7_table):
    fits = an.fit_relevance_models(with_zero_outlets)
    fits.update(an.fit_outlet_sample_refits(with_zero_outlets))
    dec = an.outlet_sample_decomposition(an.irr_table(fits))
    fig = lf.fig_outlet_sample_irrs(dec)
    assert len(fig.data) == 6
    cit = dec[dec["outcome"] == "citations"]
    np.testing.assert_allclose(fig.data[0].x, cit["irr_full"]), np.testing.assert_allclose(fig.data[2].x, cit["irr_outlet"])
    prem = an.international_high_ranked_premium(premium_table)
    fig = lf.fig_intl_high_ranked(prem)
    assert list(fig.data[0].y) == pytest.approx([40.0, 10.0])
    assert list(fig.data[1].y) == pytest.approx(prem["ratio"].tolist())
    t7 = an.by_outlet_type(s7_table)
    fig = lf.fig_by_outlet_type(t7)
    assert len(fig.data) == 3 * 4
    assert list(fig.data[1].y) == pytest.approx((100 * t7.loc[t7["outlet_type"] == "journal", "share_high_ranked"]).tolist())


def test_assets_materialize_with_passing_checks(tmp_path, s2_table, with_zero_outlets):
    """The table assets computed by Dagster from one partition of articles: every check passes."""
    from aigeo_assets.assets.lifesci_results import build_lifesci_result_assets

    arts = with_zero_outlets.copy()
    arts.loc[arts.index[:300], "outlet_kind"] = "conference"
    arts["is_international"] = np.arange(len(arts)) % 5 == 0
    arts["high_ranked"] = np.arange(len(arts)) % 7 == 0
    tables = [a for a in build_lifesci_result_assets() if not any(k.to_user_string().startswith("out_fig") for k in a.keys)]

    @dg.asset(name="out_lifesci_articles")
    def core(): return arts

    @dg.asset(name="out_lifesci_relevance_irrs")
    def irrs(): return an.irr_table(an.fit_relevance_models(arts))

    selected = [core, irrs, *tables]
    result = dg.materialize(selected, resources={"io_manager": dg.mem_io_manager})
    assert result.success
    checks = result.get_asset_check_evaluations()
    assert len(checks) == 4 and all(c.passed for c in checks), [(c.check_name, c.metadata) for c in checks]
    dec = result.output_for_node("out_lifesci_outlet_sample_irrs")
    assert (dec["nobs_same_sample"] == dec["nobs_outlet"]).all()


def test_relevance_and_collaboration_irr_assets_hold_the_rows_of_the_one_table_they_replace(with_zero_outlets):
    """``out_lifesci_relevance_irrs`` (Fig. 7) and ``out_lifesci_collaboration_irrs`` (Fig. 8A), materialized by
    Dagster: together, row for row, the single IRR table of every model that they replace."""
    from aigeo_assets.assets.lifesci import build_lifesci_atlas_assets

    arts = with_zero_outlets.copy()
    arts["is_international"] = np.arange(len(arts)) % 5 == 0
    names = {"out_lifesci_relevance_irrs", "out_lifesci_collaboration_irrs"}
    fits = [a for a in build_lifesci_atlas_assets() if {k.to_user_string() for k in a.keys} <= names]
    assert len(fits) == 2

    @dg.asset(name="out_lifesci_articles")
    def core(): return arts

    result = dg.materialize([core, *fits], resources={"io_manager": dg.mem_io_manager})
    assert result.success
    rel, col = result.output_for_node("out_lifesci_relevance_irrs"), result.output_for_node("out_lifesci_collaboration_irrs")
    assert set(rel["model"]) == set(an.FIG7_MODELS) and set(col["model"]) == {"8A citations", "8A clinical"}
    one_table = an.irr_table({**an.fit_relevance_models(arts), "8A citations": an.collaboration_model(arts, "citations"),
                              "8A clinical": an.collaboration_model(arts, "clinical_citations")})
    pd.testing.assert_frame_equal(pd.concat([rel, col], ignore_index=True), conform(one_table, "out_lifesci_relevance_irrs"),
                                  check_dtype=False)
