"""Thin data never stops a run: empty years, one-row years, all-missing columns and models the
data cannot identify (issue 11, "Real records end to end").

Pure functions only (no Dagster run): the summaries of AlShebli et al. 2022 (centres of mass, top cities,
matrices) and Schmallenbach et al. 2024 (the life-science analyses) on empty and one-row frames; the count models
on data with no positive outcome give a ``NotEstimable`` value with its reason, and every table,
figure and the atlas carry that reason where the estimates would be. The checks that warn on a
thin year, and the README's settings table, are here too.
"""

from __future__ import annotations

import pickle
import re

import dagster as dg
import numpy as np
import pandas as pd
import pytest

from aigeo_assets.assets.metadata import coverage_check, num
from aigeo_assets.lifesci import analyses as an
from aigeo_assets.metrics.centres import centre_trajectory, centres_of_mass, focal_pull
from aigeo_assets.models import NotEstimable, NotEstimableError, estimate, negative_binomial, not_estimable, poisson
from aigeo_assets.models.gravity import coefficient_frame, fit_loglinear_gravity, gravity_table, table_wide
from aigeo_assets.models.results import NOT_ESTIMABLE, not_estimable_reasons, not_estimable_rows
from aigeo_assets.reports import lifesci_figures as lf
from aigeo_assets.reports.atlas import AtlasFigure, build_atlas, findings_schmallenbach2024, model_table, not_estimable_note
from aigeo_assets.reports.model_figures import fig_elasticities_by_year, fig_gravity_comparison
from aigeo_assets.resources.settings import ENVIRONMENT, REPO_ROOT, Settings
from aigeo_assets.schemas import SCHEMAS
from aigeo_assets_tests.support.city_points import weighted_city_metrics
from aigeo_assets_tests.support.lifesci_articles import article_row, conform_articles

# ---------------------------------------------------------------- the not-estimable result


def test_no_positive_outcome_gives_not_estimable_with_its_reason():
    y = pd.Series(np.zeros(12), name="citations")
    x = pd.DataFrame({"x": np.arange(12.0)})
    with pytest.raises(NotEstimableError, match="no positive outcome in 12 observations"):
        poisson(y, x)
    fit = estimate(poisson, y, x)
    assert isinstance(fit, NotEstimable) and not fit.estimable
    assert str(fit) == "not estimable: no positive outcome in 12 observations"
    assert fit.nobs == 12 and fit.outcome == "citations" and fit.family == "poisson"
    # it speaks the fitted models' vocabulary, with nothing in it
    assert fit.params.empty and fit.bse.empty and fit.irr().empty and fit.to_frame().empty
    assert "not estimable" in fit.summary()
    assert pickle.loads(pickle.dumps(fit)).reason == fit.reason  # a model asset pickles it


def test_negative_binomial_and_fewer_observations_than_parameters():
    fit = estimate(negative_binomial, pd.Series([0.0, 0.0, 0.0]), pd.DataFrame({"x": [1.0, 2.0, 3.0]}))
    assert str(fit).startswith("not estimable: no positive outcome in 3 observations")
    saturated = estimate(poisson, pd.Series([1.0, 2.0]), pd.DataFrame({"x": [1.0, 2.0]}))
    assert not saturated.estimable and "2 observations for 2 parameters" in saturated.reason
    # an estimable model passes through unchanged, and bad arguments still raise
    ok = estimate(poisson, pd.Series([1.0, 2.0, 4.0, 3.0]), pd.DataFrame({"x": [1.0, 2.0, 3.0, 5.0]}))
    assert ok.estimable and "x" in ok.params.index
    with pytest.raises(ValueError, match="negative"):
        estimate(poisson, pd.Series([-1.0, 2.0, 3.0]), pd.DataFrame({"x": [1.0, 2.0, 3.0]}))
    assert not_estimable({"a": ok, "b": saturated}) == {"b": saturated.reason}


def test_gravity_tables_show_the_reason_where_the_estimates_would_be():
    fits = {"(1)": NotEstimable("no positive outcome in 12 observations", family="poisson", outcome="citations", nobs=12)}
    rows = coefficient_frame("gravity_citations", "(1)", fits["(1)"], 2015)
    assert len(rows) == 1 and rows.loc[0, "term"] == "not estimable: no positive outcome in 12 observations"
    assert pd.isna(rows.loc[0, "coef"]) and rows.loc[0, "nobs"] == 12 and rows.loc[0, "estimator"] == "PPML"
    assert not_estimable_reasons(rows, by=("spec",)) == {"(1)": rows.loc[0, "term"]}
    wide = table_wide(gravity_table("table_1", fits))
    assert "not estimable: no positive outcome in 12 observations" in wide["(1)"].tolist()
    with pytest.raises(NotEstimableError, match="0 observations"):
        fit_loglinear_gravity(SCHEMAS["out_gravity_citation_pairs"].empty())


# ---------------------------------------------------------------- the life-science atlas


def test_lifesci_models_without_citations_are_not_estimable_and_the_irr_table_says_why():
    arts = conform_articles([article_row(i, 2015 + i % 3, c) for i, c in enumerate(["US", "CN", "DE", "BR", "US", "JP"] * 2)])
    relevance = an.fit_relevance_models(arts)
    collaboration = {"8A citations": an.collaboration_model(arts, "citations")}
    fits = {**relevance, **collaboration}
    assert all(not f.estimable for f in fits.values())
    assert str(fits["A"]).startswith("not estimable: no positive outcome in 12 observations")
    table = an.irr_table(fits)
    rel_table, col_table = an.irr_table(relevance), an.irr_table(collaboration)
    assert len(table) == len(fits) and not_estimable_rows(table["term"]).all()
    assert table["irr"].isna().all() and (table["label"] == table["term"]).all()
    reasons = not_estimable_reasons(table)
    assert set(reasons) == set(fits) and all(r.startswith(NOT_ESTIMABLE) for r in reasons.values())
    # the figures name the models and the reason instead of drawing panels
    fig7 = lf.fig_relevance_irrs(rel_table)
    text = " ".join(a.text for a in fig7.layout.annotations)
    assert "Model A: not estimable: no positive outcome in 12 observations" in text
    fig8 = lf.fig_international_collaboration(
        col_table, an.international_share_by_year(arts), an.international_share_by_region(arts))
    assert "Model 8A citations: not estimable" in " ".join(a.text for a in fig8.layout.annotations)
    # and the atlas's "what the data say" counts them
    said = findings_schmallenbach2024({"out_lifesci_relevance_irrs": rel_table, "out_lifesci_collaboration_irrs": col_table})
    assert any(f.startswith(f"{len(fits)} negative binomial model(s) were not estimable on these data: A (no positive outcome")
               for f in said), said


@pytest.mark.parametrize("rows", [[], [article_row(1, 2016, "US", cites=3)], [article_row(1, 2016, None), article_row(2, 2017, None)]],
                         ids=["empty", "one article", "no lead country"])
def test_lifesci_summaries_on_empty_one_row_and_all_missing(rows):
    arts = conform_articles(rows) if rows else SCHEMAS["out_lifesci_articles"].empty()
    authors = SCHEMAS["core_lifesci_authors"].empty()
    counts, _ = an.yearly_counts(arts)
    an.yearly_cagr(counts)
    for fn in (an.country_counts, an.topic_country_shares, an.clinical_by_country, an.high_ranked_by_country,
               an.high_ranked_by_region_year, an.international_share_by_year, an.international_share_by_region):
        assert isinstance(fn(arts), pd.DataFrame)
    an.collaboration_dyads(arts, authors)
    table = an.irr_table({**an.fit_relevance_models(arts), "8A citations": an.collaboration_model(arts)})
    assert not_estimable_rows(table["term"]).all()  # nothing to fit on any of them


# ---------------------------------------------------------------- centres of mass


def test_centres_on_an_empty_year_a_one_city_year_and_an_all_missing_metric():
    empty = SCHEMAS["out_city_year_metrics"].empty()
    assert centres_of_mass(empty).empty and focal_pull(empty).empty and centre_trajectory(centres_of_mass(empty)).empty
    one = weighted_city_metrics([(2015, 5, 10.0, 20.0, 3)])
    c = centres_of_mass(one)
    assert (c["latitude"] == 10.0).all() and (c["longitude"] == 20.0).all()
    traj = centre_trajectory(c)
    assert traj["mean_speed_km_per_year"].isna().all()  # one year: no speed, no crash
    assert num(traj["mean_speed_km_per_year"].iloc[0], 1) is None
    nothing = weighted_city_metrics([(2015, 5, 10.0, 20.0, 3), (2016, 5, 10.0, 20.0, 3)])
    nothing["impact"] = pd.array([pd.NA, pd.NA], dtype="Float64")
    c = centres_of_mass(nothing)
    impact = c[c["metric"] == "impact"]
    assert impact["latitude"].isna().all() and (impact["total_weight"] == 0).all()
    t = centre_trajectory(c)
    assert t.loc[t["metric"] == "impact", "mean_speed_km_per_year"].isna().all()
    assert focal_pull(nothing)["pull_km"].notna().sum() >= 0  # computes, NaN where undefined


def test_num_turns_missing_values_into_none():
    assert num(pd.NA) is None and num(float("nan")) is None and num(None) is None
    assert num(np.float64(2.345), 1) == 2.3 and num(3) == 3.0


def test_table_metadata_shows_missing_values_as_null():
    from dagster._core.definitions.metadata import normalize_metadata

    from aigeo_assets.assets.metadata import table_metadata

    world = SCHEMAS["out_world_year_totals"].empty()
    meta = table_metadata(world, "out_world_year_totals", share=pd.NA, mean=np.nan, papers=np.int64(0), complete=np.bool_(False))
    normalized = normalize_metadata({k: meta[k] for k in ("share", "mean", "papers", "complete")})
    assert normalized["share"] == dg.MetadataValue.null() and normalized["papers"].value == 0


# ---------------------------------------------------------------- figures and the atlas


def test_model_figures_and_atlas_tables_name_the_models_that_were_not_estimable():
    skipped = coefficient_frame("gravity_citations", "(4)", NotEstimable("no positive outcome in 5 observations", "poisson"), 2012)
    by_year = pd.concat([skipped, coefficient_frame("gravity_citations", "(4)", NotEstimable("no city pair", "poisson"), 2013)])
    fig = fig_elasticities_by_year(by_year)
    assert "years 2012: not estimable: no positive outcome in 5 observations" in fig.layout.annotations[-1].text
    pooled = coefficient_frame("gravity_citations", "structural", NotEstimable("no positive outcome in 0 observations", "poisson"))
    assert "PPML, city-year effects: not estimable" in fig_gravity_comparison(pooled).layout.annotations[-1].text
    table = model_table(pooled)
    assert table.loc[table["term"] == "N", "structural"].item() == "not estimable: no positive outcome in 0 observations"
    note = not_estimable_note({"irrs": by_year, "other": pd.DataFrame({"x": [1]})})
    assert note.startswith("Not estimable on these data: gravity_citations (4) 2012: no positive outcome in 5 observations")


def test_a_figure_beside_an_estimated_model_names_the_one_that_was_not():
    rng = np.random.default_rng(0)
    x = pd.DataFrame({"ln_distance": rng.normal(size=60), "same_city": rng.normal(size=60)})
    fitted = poisson(pd.Series(rng.poisson(2.0, size=60).astype(float)), x)
    coefs = pd.concat([coefficient_frame("gravity_citations", "(4)", fitted),
                       coefficient_frame("gravity_citations", "structural", NotEstimable("no city pair", "poisson")),
                       coefficient_frame("gravity_citations", "loglinear", fitted)])
    fig = fig_gravity_comparison(coefs)  # its traces hold numpy arrays
    assert len(fig.data) == 2 and all(len(t.x) == 2 for t in fig.data)
    assert fig.layout.annotations[-1].text == "PPML, city-year effects: not estimable: no city pair"
    assert fig.layout.annotations[-1].y == -0.12  # under the plot, which is not empty


def test_the_atlas_says_not_estimable_where_the_figure_would_be(tmp_path):
    item = AtlasFigure("fig7", "Schmallenbach et al. 2024", "Fig. 7", "Relevance", error="figure missing",
                       note="Not estimable on these data: A: no positive outcome in 12 observations")
    path = build_atlas([item], {}, {}, {}, tmp_path / "atlas.html")
    html = path.read_text(encoding="utf-8")
    assert "Not estimable on these data: A: no positive outcome in 12 observations" in html


# ---------------------------------------------------------------- checks and settings


def test_coverage_checks_warn_on_a_thin_year_and_block_on_a_full_one():
    thin = coverage_check("geocoding_coverage", 0.0, 0.6, 1, 50, what="corpus_papers")
    assert not thin.passed and thin.severity == dg.AssetCheckSeverity.WARN
    assert thin.metadata["threshold"].value == 0.6 and thin.metadata["thin_below"].value == 50
    assert "AIGEO_MIN_LOCATED_SHARE" in thin.metadata["settings"].value and "not blocking" in thin.metadata["note"].value
    full = coverage_check("geocoding_coverage", 0.3, 0.6, 500, 50, what="corpus_papers")
    assert not full.passed and full.severity == dg.AssetCheckSeverity.ERROR
    assert coverage_check("geocoding_coverage", 0.9, 0.6, 500, 50, what="corpus_papers").passed


def test_thresholds_are_settable_from_the_environment(monkeypatch):
    monkeypatch.setenv("AIGEO_MIN_LOCATED_SHARE", "0.25")
    monkeypatch.setenv("AIGEO_THIN_YEAR_PAPERS", "200")
    s = Settings.from_env()
    assert (s.min_located_share, s.thin_year_papers) == (0.25, 200)


def test_every_setting_is_in_the_readme_table():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `(AIGEO_[A-Z_]+)` \|", readme, flags=re.M))
    assert set(ENVIRONMENT) <= listed, f"README's settings table lacks {sorted(set(ENVIRONMENT) - listed)}"


def test_the_command_line_names_the_checks_that_warned():
    from aigeo_assets.cli import warnings_line

    assert warnings_line({}) is None
    line = warnings_line({"core_papers:geocoding_coverage": ["2012", "2014"], "out_gravity_citations:models_converged": ["-"]})
    assert line == ("aigeo: 2 checks warned (the run went on): core_papers:geocoding_coverage (2012, 2014); "
                    "out_gravity_citations:models_converged (once)")


def test_a_range_run_that_warned_is_named_by_its_first_and_last_year():
    from types import SimpleNamespace

    from aigeo_assets.cli import warned_checks

    stats = [SimpleNamespace(warned=["out_city_year_metrics:coverage"], partition="1990", last_partition="1999"),
             SimpleNamespace(warned=["out_city_year_metrics:coverage"], partition="2003", last_partition=None),
             SimpleNamespace(warned=["out_figures:complete"], partition=None, last_partition=None)]
    assert warned_checks(stats) == {"out_city_year_metrics:coverage": ["1990...1999", "2003"], "out_figures:complete": ["-"]}


# ---------------------------------------------------------------- the asset layer's guards


def _assets(tmp_path) -> dict[str, dg.AssetsDefinition]:
    from aigeo_assets.assets.centrality import build_centrality_assets
    from aigeo_assets.assets.centres import build_centre_assets
    from aigeo_assets.assets.city_metrics import build_city_metric_assets
    from aigeo_assets.partitions import yearly_partitions

    settings = Settings.from_env()
    settings = type(settings)(**{**settings.__dict__, "data_dir": tmp_path, "start_year": 2012, "end_year": 2019})
    parts = yearly_partitions(2012, 2019)
    built = [*build_city_metric_assets(parts, settings), *build_centrality_assets(parts, settings), *build_centre_assets(parts)]
    return {k.to_user_string(): a for a in built for k in a.keys}


def test_no_top_city_no_network_and_an_empty_trajectory_materialize_and_say_why(tmp_path):
    assets = _assets(tmp_path)
    empty_metrics = SCHEMAS["out_city_year_metrics"].empty()
    top = assets["out_top_cities"](out_city_year_metrics=empty_metrics)
    assert top.value.empty and "reference year" in top.metadata["note"].value
    shares = assets["out_top_city_shares"](out_city_year_metrics={}, out_world_year_totals={}, out_top_cities=top.value)
    assert shares.value.empty
    one_city = pd.DataFrame({c: [None] for c in SCHEMAS["out_top_cities"].names}).pipe(
        lambda d: d.assign(city_geonames_id=1816670, city_name="Beijing", reference_rank=1))
    edges = assets["out_network_edges"](out_impact_pairs={}, out_city_year_metrics={}, out_world_year_totals={},
                                        out_collaboration_pairs={}, core_author_years=SCHEMAS["core_author_years"].empty(),
                                        out_top_cities=one_city)
    assert edges.value.empty and "at least two" in edges.metadata["note"].value
    for name in ("out_east_west_betweenness", "out_robustness_centralities"):
        assert assets[name](out_network_edges=edges.value, out_top_cities=one_city).value.empty
    centres = centres_of_mass(weighted_city_metrics([(2015, 5, 10.0, 20.0, 0), (2016, 5, 10.0, 20.0, 0)]))
    trajectory = assets["out_centre_trajectory"](out_centres_of_mass={"2015": centres[centres["year"] == 2015],
                                                                      "2016": centres[centres["year"] == 2016]})
    assert trajectory.metadata["mean_speed_km_per_year"].data == {f"{m}/planar": None for m in centres["metric"].unique()}
