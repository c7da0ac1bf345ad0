"""Schmallenbach et al. 2024's analyses (Figs. 1-9) on a tiny hand-built corpus, the NB2 models on planted data, and
the figures' traces against the tables.

The tiny corpus (located articles only unless said; a11 has no lead country):

    id   year country source   kind       topic            clin  intl  ranked high
    a01  2010 US      pubmed   journal    Radiology        yes   yes   yes    yes
    a02  2010 US      pubmed   journal    Radiology        -     -     -      -
    a03  2011 US      openalex conference Computer vision  -     -     -      -
    a04  2012 US      both     journal    Computer vision  yes   -     yes    -
    a05  2012 CN      pubmed   journal    Computer vision  -     -     yes    yes
    a06  2012 CN      pubmed   journal    Radiology        yes   yes   -      -
    a07  2010 CN      openalex conference (none)           -     -     -      -
    a08  2011 DE      pubmed   journal    Radiology        -     yes   yes    yes
    a09  2012 DE      pubmed   journal    Surgery          -     -     -      -
    a10  2012 KE      pubmed   journal    Surgery          yes   yes   yes    -
    a11  2011 (none)  pubmed   journal    Radiology        yes   -     -      -
    a12  2011 GB      pubmed   journal    Computer vision  -     -     null   null
    a13  2012 US      pubmed   journal    Radiology        null  -     -      -
    a14  2014 US      pubmed   journal    Surgery          -     -     -      -
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from aigeo_assets.lifesci import analyses as an
from aigeo_assets.reports import lifesci_figures as lf
from aigeo_assets.reports.figures import topojson_names, uses_geo
from aigeo_assets.schemas import conform
from aigeo_assets_tests.support.lifesci_articles import PLANTED_IRRS, TIGHT, article_row, conform_articles, nb2_articles


@pytest.fixture(scope="module")
def tiny() -> pd.DataFrame:
    A = article_row
    rows = [
        A("a01", 2010, "US", topic="Radiology", clin=True, intl=True, ranked=True, high=True),
        A("a02", 2010, "US", topic="Radiology"),
        A("a03", 2011, "US", source="openalex", kind="conference", topic="Computer vision"),
        A("a04", 2012, "US", source="both", topic="Computer vision", clin=True, ranked=True),
        A("a05", 2012, "CN", topic="Computer vision", ranked=True, high=True),
        A("a06", 2012, "CN", topic="Radiology", clin=True, intl=True),
        A("a07", 2010, "CN", source="openalex", kind="conference", topic=None),
        A("a08", 2011, "DE", topic="Radiology", intl=True, ranked=True, high=True),
        A("a09", 2012, "DE", topic="Surgery"),
        A("a10", 2012, "KE", topic="Surgery", clin=True, intl=True, ranked=True),
        A("a11", 2011, None, topic="Radiology", clin=True),
        A("a12", 2011, "GB", topic="Computer vision", ranked=None, high=None),
        A("a13", 2012, "US", topic="Radiology", clin=None),
        A("a14", 2014, "US", topic="Surgery"),
    ]
    return conform_articles(rows)


# ------------------------------------------------------------------ Fig. 1


def test_yearly_counts_by_source_and_cagr(tiny):
    counts, cagr = an.yearly_counts(tiny, cagr_years=(2000, 2012))
    c = counts.set_index("year")
    assert list(c.index) == [2010, 2011, 2012, 2013, 2014]  # 2013 empty but present
    assert c["articles"].tolist() == [3, 3, 6, 0, 1]  # a11 (no lead country) left out
    assert c["pubmed"].tolist() == [2, 2, 5, 0, 1]
    assert c["openalex"].tolist() == [1, 1, 0, 0, 0]
    assert c["both"].tolist() == [0, 0, 1, 0, 0]
    assert cagr == pytest.approx(np.sqrt(6 / 3) - 1)  # span clamped to 2010-2012
    assert counts.attrs["cagr_years"] == (2010, 2012)

    _, cagr_default = an.yearly_counts(tiny)  # 2010-2022 clamped to 2010-2014
    assert cagr_default == pytest.approx((1 / 3) ** (1 / 4) - 1)
    every, _ = an.yearly_counts(tiny, located_only=False)
    assert every.set_index("year").loc[2011, "articles"] == 4


# ------------------------------------------------------------------ Fig. 2


def test_country_counts_and_shares(tiny):
    cc = an.country_counts(tiny)
    assert cc["country_code"].tolist() == ["US", "CN", "DE", "GB", "KE"]  # GB/KE tie: by code
    assert cc["articles"].tolist() == [6, 3, 2, 1, 1]
    assert cc["share"].tolist() == pytest.approx([6 / 13, 3 / 13, 2 / 13, 1 / 13, 1 / 13])
    us = cc.set_index("country_code").loc["US"]
    assert (us["iso3"], us["world_region"], us["journal_articles"], us["conference_articles"]) == ("USA", "Northern America", 5, 1)
    assert cc.set_index("country_code").loc["KE", "world_region"] == "Africa"


# ------------------------------------------------------------------ Fig. 3


def test_topic_country_shares_exclude_articles_without_topic(tiny):
    t = an.topic_country_shares(tiny, top_countries=3, top_topics=2)
    # countries by articles with a topic: US 6, CN 2 (a07 has none), DE 2 -> CN before DE by code;
    # topics: Radiology 5, Computer vision 4 (a11 has no country and does not count), Surgery 3
    assert len(t) == 6
    assert t["country_code"].drop_duplicates().tolist() == ["CN", "DE", "US"]  # Asia, Europe, Northern America
    assert t["topic"].drop_duplicates().tolist() == ["Radiology", "Computer vision"]
    cell = t.set_index(["country_code", "topic"])
    assert cell.loc[("US", "Radiology"), "share"] == pytest.approx(3 / 6)
    assert cell.loc[("US", "Computer vision"), "share"] == pytest.approx(2 / 6)
    assert cell.loc[("CN", "Computer vision"), "share"] == pytest.approx(1 / 2)
    assert cell.loc[("CN", "Radiology"), "country_articles"] == 2
    assert cell.loc[("DE", "Computer vision"), "articles"] == 0
    assert cell.loc[("DE", "Computer vision"), "share"] == 0.0
    assert cell.loc[("US", "Radiology"), "country_rank"] == 1 and cell.loc[("US", "Radiology"), "topic_rank"] == 1


# ------------------------------------------------------------------ Fig. 4


def test_clinical_shares(tiny):
    c = an.clinical_by_country(tiny, top=2)
    # clinical and located: a01, a04 (US), a06 (CN), a10 (KE) -> world 4; a11 unlocated; a13 null = no
    assert c["country_code"].tolist() == ["US", "CN"]  # CN before KE: more articles
    assert c["clinical_articles"].tolist() == [2, 1]
    assert c["share_of_world_clinical"].tolist() == pytest.approx([2 / 4, 1 / 4])
    assert c["clinical_share_of_country"].tolist() == pytest.approx([2 / 6, 1 / 3])
    assert c["cumulative_share_of_world_clinical"].tolist() == pytest.approx([0.5, 0.75])


# ------------------------------------------------------------------ Figs. 5, 6


def test_high_ranked_shares_count_unranked_in_denominator(tiny):
    h = an.high_ranked_by_country(tiny, min_articles=2)
    assert h["country_code"].tolist() == ["DE", "CN", "US"]  # GB, KE have 1 article
    assert h["share_high_ranked"].tolist() == pytest.approx([1 / 2, 1 / 3, 1 / 6])  # over all articles
    assert h.set_index("country_code").loc["US", "ranked_articles"] == 2
    assert h.set_index("country_code").loc["US", "share_high_ranked_of_ranked"] == pytest.approx(1 / 2)

    r = an.high_ranked_by_region_year(tiny).set_index(["world_region", "year"])
    assert r.loc[("Northern America", 2010), "share_high_ranked"] == pytest.approx(1 / 2)
    assert r.loc[("Northern America", 2012), "articles"] == 2  # a04 ranked, a13 unranked
    assert r.loc[("Northern America", 2012), "share_high_ranked"] == 0.0
    assert r.loc[("Asia", 2012), "share_high_ranked"] == pytest.approx(1 / 2)
    assert r.loc[("Europe", 2011), "articles"] == 2  # a08 (high) and a12 (ranking null)
    assert r.loc[("Europe", 2011), "share_high_ranked"] == pytest.approx(1 / 2)
    assert r.loc[("Africa", 2012), "high_ranked_articles"] == 0
    assert r.index.get_level_values(0).unique().tolist() == ["Africa", "Asia", "Europe", "Northern America"]


# ------------------------------------------------------------------ Fig. 8B, C


def test_international_shares(tiny):
    y = an.international_share_by_year(tiny).set_index("year")
    assert y["articles"].tolist() == [3, 3, 6, 1]
    assert y["international_articles"].tolist() == [1, 1, 2, 0]
    assert y["share_international"].tolist() == pytest.approx([1 / 3, 1 / 3, 2 / 6, 0])
    r = an.international_share_by_region(tiny).set_index("world_region")
    assert r.index.tolist() == ["Africa", "Asia", "Europe", "Northern America"]
    assert r["share_international"].tolist() == pytest.approx([1.0, 1 / 3, 1 / 3, 1 / 6])


# ------------------------------------------------------------------ Fig. 9


@pytest.fixture(scope="module")
def dyad_corpus():
    A = article_row
    arts = conform_articles([
        # the seed's example: a US lead (last author) with co-authors from China and Germany
        A("d1", 2020, "US", intl=True, n_authors=4),
        # a national article
        A("d2", 2020, "US", intl=False, n_authors=4),
        # lead by the first-author rule (the last author has no country); two US co-authors
        A("d3", 2020, "CN", intl=True, n_authors=4, lead_rule="first_author:country_name"),
        # 12 authors, lead last (seq 11, DE); seq 3 holds DE and US; seq 10 (FR) is beyond the first ten
        A("d4", 2020, "DE", intl=True, n_authors=12),
        # the lead author's own second country is no dyad
        A("d5", 2020, "GB", intl=True, n_authors=2),
    ])
    rows = [("d1", 0, "CN"), ("d1", 1, "DE"), ("d1", 2, "US"), ("d1", 3, "US"),
            ("d2", 0, "US"), ("d2", 1, "US"), ("d2", 2, "US"), ("d2", 3, "US"),
            ("d3", 0, "CN"), ("d3", 1, "US"), ("d3", 2, "US"), ("d3", 3, None),
            *[("d4", s, "DE") for s in range(10)], ("d4", 3, "US"), ("d4", 10, "FR"), ("d4", 11, "DE"),
            ("d5", 0, "GB"), ("d5", 1, "GB"), ("d5", 1, "FR")]
    authors = conform(pd.DataFrame(rows, columns=["article_id", "author_seq", "country_code"]).assign(country_rule="country_name"),
                      "core_lifesci_authors")
    return arts, authors


def test_lead_author_seq_from_lead_rule(dyad_corpus):
    arts, authors = dyad_corpus
    seq = an.lead_author_seq(arts, authors)
    assert seq.to_dict() == {"d1": 3, "d2": 3, "d3": 0, "d4": 11, "d5": 1}
    assert an.lead_author_seq(arts.assign(lead_rule="none"), authors).isna().all()


def test_dyads_seed_example_gives_two_lines(dyad_corpus):
    arts, authors = dyad_corpus
    d = an.collaboration_dyads(arts[arts["article_id"] == "d1"], authors)
    assert list(zip(d["lead_world_region"], d["coauthor_world_region"], d["dyads"])) == [
        ("Northern America", "Asia", 1), ("Northern America", "Europe", 1)]


def test_dyads_national_article_and_counting_rules(dyad_corpus):
    arts, authors = dyad_corpus
    assert an.collaboration_dyads(arts[arts["article_id"] == "d2"], authors).empty  # national: no dyad
    assert an.collaboration_dyads(arts[arts["article_id"] == "d5"], authors).empty  # lead's own FR is no dyad
    by_country = an.collaboration_dyads(arts, authors).set_index(["lead_world_region", "coauthor_world_region"])["dyads"]
    assert by_country.to_dict() == {
        ("Asia", "Northern America"): 1,  # d3: two US co-authors, one country
        ("Europe", "Northern America"): 1,  # d4: seq 3's US; FR at seq 10 is beyond the first ten
        ("Northern America", "Asia"): 1,
        ("Northern America", "Europe"): 1,
    }
    by_author = an.collaboration_dyads(arts, authors, per="author").set_index(["lead_world_region", "coauthor_world_region"])["dyads"]
    assert by_author[("Asia", "Northern America")] == 2
    wider = an.collaboration_dyads(arts, authors, max_authors=11).set_index(["lead_world_region", "coauthor_world_region"])["dyads"]
    assert wider[("Europe", "Europe")] == 1  # FR counts once the first eleven are read


# ------------------------------------------------------------------ Fig. 7: NB2 models


@pytest.fixture(scope="module")
def generated():
    return nb2_articles()


def test_relevance_model_recovers_planted_irrs(generated):
    res = an.relevance_models(generated, "citations", outlet_effects=False)
    assert res.converged
    assert res.dropped["unknown_region"] == 25
    assert res.nobs == len(generated) - 25
    assert res.absorbed == {"year": 8}
    irr = res.irr()
    for term, true in PLANTED_IRRS.items():
        assert irr.loc[term, "lower"] < true < irr.loc[term, "upper"], (term, true, irr.loc[term].tolist())
    assert 0.45 < res.alpha < 0.75  # the planted 0.6


def test_relevance_model_with_outlets_drops_all_zero_outlets():
    arts = nb2_articles(n=3000, seed=11, n_outlets=60, zero_outlets=3)
    zero_rows = int((arts["outlet_id"].str.startswith("Z") & arts["lead_country_code"].notna()).sum())
    res = an.relevance_models(arts, "citations", outlet_effects=True)
    assert res.converged
    assert res.dropped["all_zero_groups"] == zero_rows > 0
    assert res.absorbed == {"year": 8, "outlet": 60}
    irr = res.irr()
    for term, true in PLANTED_IRRS.items():
        assert irr.loc[term, "lower"] < true < irr.loc[term, "upper"], (term, true, irr.loc[term].tolist())

    table = an.irr_table({"D": res})
    assert table["term"].tolist() == list(an.REGION_TERMS.values())
    assert table["label"].tolist() == list(an.REGION_TERMS)
    assert (table["dropped_all_zero_groups"] == zero_rows).all() and (table["dropped_unknown_region"] == 25).all()
    assert (table["absorbed"] == "year,outlet").all() and (table["nobs"] == res.nobs).all()
    assert table["irr"].to_numpy() == pytest.approx(np.exp(res.params.to_numpy()))


def test_relevance_model_equals_statsmodels_nb2_with_dummies(generated):
    small = generated.iloc[:600]
    ours = an.relevance_models(small, "citations", outlet_effects=False, **TIGHT)
    a = small[small["lead_country_code"].notna()]
    region = a["lead_world_region"].astype(str)
    design = pd.DataFrame({"const": 1.0}, index=a.index)
    for r, term in an.REGION_TERMS.items():
        design[term] = (region == r).astype(float)
    years = sorted(a["publication_year"].astype(int).unique())
    for yv in years[1:]:
        design[f"y{yv}"] = (a["publication_year"].astype(int) == yv).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ml = sm.NegativeBinomial(a["citations"].astype(float).to_numpy(), design.to_numpy(), loglike_method="nb2").fit(
            method="newton", tol=1e-12, maxiter=200, disp=0)
    assert ml.mle_retvals["converged"]
    sm_params = pd.Series(ml.params[: design.shape[1]], index=design.columns)
    terms = list(an.REGION_TERMS.values())
    np.testing.assert_allclose(ours.params[terms].to_numpy(), sm_params[terms].to_numpy(), rtol=1e-5)
    assert ours.alpha == pytest.approx(float(ml.params[-1]), rel=1e-5)


def test_collaboration_model_recovers_planted_premium():
    rng = np.random.default_rng(3)
    n = 3000
    intl = rng.random(n) < 0.25
    n_auth = rng.integers(1, 12, size=n)
    country = rng.choice(["US", "CN", "DE", "KE", "BR"], size=n)
    year = rng.integers(2014, 2020, size=n)
    c_eff = {"US": 0.3, "CN": 0.0, "DE": 0.2, "KE": -0.1, "BR": -0.2}
    mu = np.exp(1.0 + np.log(1.21) * intl + 0.04 * n_auth + np.array([c_eff[c] for c in country]) + 0.05 * (year - 2014))
    y = rng.negative_binomial(1 / 0.5, 1 / (1 + 0.5 * mu))
    rows = [article_row(f"c{i}", int(year[i]), country[i], intl=bool(intl[i]), n_authors=int(n_auth[i]), cites=int(y[i]))
            for i in range(n)]
    rows.append(article_row("c_none", 2015, None, cites=3))
    res = an.collaboration_model(conform_articles(rows), "citations")
    assert res.dropped["unknown_country"] == 1 and res.nobs == n
    assert res.absorbed == {"lead_country": 5, "year": 6}
    irr = res.irr()
    assert irr.loc["international", "lower"] < 1.21 < irr.loc["international", "upper"]
    assert irr.loc["n_authors", "lower"] < np.exp(0.04) < irr.loc["n_authors", "upper"]


# ------------------------------------------------------------------ figures: traces equal the tables


def test_fig_yearly_counts_traces(tiny):
    counts, cagr = an.yearly_counts(tiny, cagr_years=(2000, 2012))
    fig = lf.fig_yearly_counts(counts, cagr)
    assert np.sum([np.asarray(t.y, dtype=float) for t in fig.data], axis=0).tolist() == counts["articles"].tolist()
    assert "41.4%" in fig.layout.title.text and "2010–2012" in fig.layout.title.text


def test_fig_country_map_traces(tiny):
    cc = an.country_counts(tiny)
    fig = lf.fig_country_map(cc)
    t = fig.data[0]
    assert list(t.locations) == cc["iso3"].tolist() and np.power(10, np.asarray(t.z)) == pytest.approx(cc["articles"].to_numpy(float))
    assert uses_geo(fig) and topojson_names(fig) == ["world_110m"]  # the vendored topojson file


def test_fig_topic_heatmap_traces(tiny):
    t = an.topic_country_shares(tiny, top_countries=3, top_topics=2)
    fig = lf.fig_topic_heatmap(t)
    z = pd.DataFrame(np.asarray(fig.data[0].z), index=list(fig.data[0].y), columns=list(fig.data[0].x))
    expected = t.pivot(index="topic", columns="country_code", values="share").loc[z.index, z.columns] * 100
    np.testing.assert_allclose(z.to_numpy(), expected.to_numpy())


def test_fig_clinical_traces(tiny):
    c = an.clinical_by_country(tiny, top=3)
    fig = lf.fig_clinical_by_country(c)
    np.testing.assert_allclose(np.r_[fig.data[0].y, fig.data[1].y],
                               100 * np.r_[c["share_of_world_clinical"], c["clinical_share_of_country"]])


def test_fig_high_ranked_by_country_traces(tiny):
    h = an.high_ranked_by_country(tiny, min_articles=2)
    np.testing.assert_allclose(lf.fig_high_ranked_by_country(h).data[0].y, 100 * h["share_high_ranked"].to_numpy())


def test_fig_high_ranked_by_region_year_traces(tiny):
    r = an.high_ranked_by_region_year(tiny)
    fig = lf.fig_high_ranked_by_region_year(r)
    got = {(t.name, int(x)): float(y) for t in fig.data for x, y in zip(t.x, t.y)}
    want = {(an.REGION_SHORT[g], int(y)): 100 * float(s) for g, y, s in zip(r["world_region"], r["year"], r["share_high_ranked"])}
    assert got == pytest.approx(want)


def test_fig_relevance_irrs_traces(generated):
    res = an.relevance_models(generated, "citations", outlet_effects=False)
    table = an.irr_table({"A": res, "B": res})
    fig = lf.fig_relevance_irrs(table)
    assert len(fig.data) == 2
    t = fig.data[0]
    a = table[table["model"] == "A"]
    np.testing.assert_allclose(np.c_[t.x, np.asarray(t.x) + t.error_x.array, np.asarray(t.x) - t.error_x.arrayminus],
                               a[["irr", "upper", "lower"]].to_numpy())


def test_fig_international_traces(tiny):
    fake = pd.DataFrame({"outcome": ["citations"], "term": ["international"], "irr": [1.21], "lower": [1.2], "upper": [1.22]})
    by_year, by_region = an.international_share_by_year(tiny), an.international_share_by_region(tiny)
    fig = lf.fig_international_collaboration(fake, by_year, by_region)
    np.testing.assert_allclose(np.r_[fig.data[0].y, fig.data[1].y, fig.data[2].y],
                               np.r_[1.21, 100 * by_year["share_international"], 100 * by_region["share_international"]])


def test_fig_sankey_traces(dyad_corpus):
    d = an.collaboration_dyads(*dyad_corpus)
    sankey = lf.fig_collaboration_sankey(d).data[0]
    node = list(sankey.node.customdata)
    got = sorted((node[s], node[t], v) for s, t, v in zip(sankey.link.source, sankey.link.target, sankey.link.value))
    want = sorted((f"lead: {a}", f"coauthor: {b}", float(v))
                  for a, b, v in zip(d["lead_world_region"], d["coauthor_world_region"], d["dyads"]))
    assert got == want


def test_country_years_and_the_year_china_passes_the_us():
    """Hand-worked: CN has 1, 2, 4, 5 articles in 2018-2021, US 3, 3, 3, 4; CN passes in 2020 and
    stays ahead. A country with no article in a year has a zero row."""
    rows = []
    for year, cn, us in ((2018, 1, 3), (2019, 2, 3), (2020, 4, 3), (2021, 5, 4)):
        rows += [article_row(f"c{year}{i}", year, "CN") for i in range(cn)] + [article_row(f"u{year}{i}", year, "US") for i in range(us)]
    rows.append(article_row("de", 2019, "DE"))
    t = an.country_years(conform_articles(rows))
    assert t.loc[t["country_code"] == "CN", "articles"].tolist() == [1, 2, 4, 5]
    assert t.loc[t["country_code"] == "DE", "articles"].tolist() == [0, 1, 0, 0]
    assert t.loc[(t["country_code"] == "CN") & (t["year"] == 2020), "rank_in_year"].item() == 1
    assert an.first_year_ahead(t, "CN", "US") == 2020
    assert an.first_year_ahead(t, "US", "CN") is None
    assert an.first_year_ahead(t[t["year"] <= 2019], "CN", "US") is None  # the atlas stopping at 2019 cannot show it


def test_link_coverage_counts_how_each_article_reached_openalex():
    rows = [article_row("a", 2012, "US"), article_row("b", 2012, "CN"), article_row("c", 2013, "DE"), article_row("W1", 2013, "JP", source="openalex")]
    df = conform_articles(rows)
    df["link_rule"] = pd.array(["pmid", "none", "doi", "openalex"], dtype="string")
    df["country_source"] = pd.array(["openalex", "pubmed", "openalex+pubmed", "openalex"], dtype="string")
    df["topic_source"] = pd.array(["openalex_concept", "mesh", "none", "openalex_concept"], dtype="string")
    df["citation_source"] = pd.array(["openalex", "pubmed_reference_list", "openalex", "openalex"], dtype="string")
    got = an.link_coverage(df).set_index("year")
    assert got.loc[2012].to_dict() == {"articles": 2, "linked_by_pmid": 1, "linked_by_doi": 0, "openalex_papers": 0, "unlinked": 1,
                                       "countries_from_openalex": 1, "topic_from_openalex": 1, "citations_from_openalex": 1}
    assert got.loc[2013].to_dict() == {"articles": 2, "linked_by_pmid": 0, "linked_by_doi": 1, "openalex_papers": 1, "unlinked": 0,
                                       "countries_from_openalex": 2, "topic_from_openalex": 1, "citations_from_openalex": 2}
    conform(got.reset_index(), "out_lifesci_link_coverage")
