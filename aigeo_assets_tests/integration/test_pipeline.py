"""The tiny sample world through Dagster end to end, then one more year added."""

from __future__ import annotations

import json
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
from dagster._core.asset_graph_view.asset_graph_view import AssetGraphView, TemporalContext
from dagster._core.definitions.data_version import CachingStaleStatusResolver, StaleStatus
from dagster._time import get_current_datetime

from aigeo_assets.cli import materialize_all
from aigeo_assets.code_location import build_definitions
from aigeo_assets.resources.settings import Settings

FIRST, LAST = 2012, 2019
YEARLY = ["raw_works", "raw_references", "core_affiliations", "core_papers", "core_citations"]


def _settings(data_dir: Path, end_year: int) -> Settings:
    return Settings(
        data_dir=data_dir, source="sample", snapshot_dir=None, sample_scale="tiny", sample_seed=7,
        start_year=FIRST, end_year=end_year, api_base_url="", api_mailto=None, api_key=None, api_concepts=(), api_subfields=(),
        lifesci_end_year=end_year,  # the atlas's years end with AlShebli et al. 2022's here, so the new year is new to both
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory, tiny_world):
    data_dir = tmp_path_factory.mktemp("aigeo")
    tiny_world(data_dir, 7)  # the session's copy: the run reads it as it would its own
    instance = dg.DagsterInstance.ephemeral()
    settings = replace(_settings(data_dir, LAST - 1))
    defs = build_definitions(settings)
    materialize_all(defs, instance)
    return data_dir, instance, settings, defs


def _warehouse(data_dir: Path, asset: str) -> pd.DataFrame:
    path = data_dir / "warehouse" / asset
    if path.with_suffix(".parquet").exists():
        return pd.read_parquet(path.with_suffix(".parquet"))
    return pd.concat([pd.read_parquet(p) for p in sorted(path.glob("*.parquet"))], ignore_index=True)


def test_every_asset_and_check_materialized(world):
    data_dir, instance, settings, defs = world
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        if isinstance(graph.get(key).partitions_def, dg.DynamicPartitionsDefinition):
            continue  # raw_works_parts: a cluster's pre-warm of the extracts, not part of a run
        assert instance.get_latest_materialization_event(key) is not None, key.to_user_string()
    checks = list(graph.asset_check_keys)
    assert len(checks) >= 6
    for ck in checks:
        rec = instance.event_log_storage.get_latest_asset_check_execution_by_key([ck]).get(ck)
        assert rec is not None, ck
        evaluation = rec.event.dagster_event.event_specific_data  # type: ignore[union-attr]
        # the newest year's impact and CD windows cannot be complete: those checks must warn
        assert evaluation.passed == (ck.name not in ("impact_window_complete", "disruption_window_complete")), ck
        # every check says why; a check of a yearly asset says which year(s) it is about
        assert evaluation.metadata["reason"].value, ck
        if graph.get(ck.asset_key).partitions_def is not None:
            assert evaluation.metadata["partition"].value, ck
    window = instance.event_log_storage.get_latest_asset_check_execution_by_key(
        [dg.AssetCheckKey(dg.AssetKey("out_city_year_metrics"), "impact_window_complete")]).popitem()[1]
    meta = window.event.dagster_event.event_specific_data.metadata  # type: ignore[union-attr]
    assert "not observed" in meta["reason"].value and str(LAST - 1) in meta["partition"].value


def test_impact_windows_are_complete_only_where_the_citing_years_exist(world):
    data_dir, *_ = world
    totals = _warehouse(data_dir, "out_world_year_totals").set_index("year")
    last = LAST - 1
    assert totals.loc[FIRST : last - 2, "impact_window_complete"].all()
    assert not totals.loc[last - 1 :, "impact_window_complete"].any()
    assert not totals.loc[last - 4 :, "impact_long_window_complete"].any()
    assert totals.loc[FIRST : last - 5, "impact_long_window_complete"].all()


def test_quarantine_counts_match_what_the_world_planted(world):
    data_dir, *_ = world
    truth = json.loads(next((data_dir / "sources").glob("sample-tiny-7/truth.json")).read_text())
    q = _warehouse(data_dir, "raw_quarantine")
    # a malformed line has no decodable year: every yearly scan reports it
    planted = {(m["file"], m["line"]) for m in truth["quirks"]["malformed_lines"]}
    malformed = q[q["reason"] == "malformed_json"]
    found = {(f.split("/sample-tiny-7/", 1)[1], int(n)) for f, n in zip(malformed["file"], malformed["line"])}
    assert found == planted
    works = _warehouse(data_dir, "raw_works")
    in_range = sum(w in set(works["work_id"]) for w in truth["quirks"]["duplicate_work_ids"])
    assert (q["reason"] == "duplicate_work").sum() == in_range
    assert works["work_id"].is_unique


def test_metadata_has_row_count_schema_and_coverage(world):
    data_dir, instance, settings, defs = world
    ev = instance.get_latest_materialization_event(dg.AssetKey("core_papers"))
    meta = ev.asset_materialization.metadata  # type: ignore[union-attr]
    assert meta["dagster/row_count"].value > 0
    assert "dagster/column_schema" in meta and "preview" in meta and "share_corpus_located" in meta
    inst = instance.get_latest_materialization_event(dg.AssetKey("core_institutions")).asset_materialization.metadata  # type: ignore[union-attr]
    assert "coverage" in inst


def test_papers_are_located_and_east_share_rises(world):
    data_dir, *_ = world
    papers = _warehouse(data_dir, "core_papers")
    corpus = papers[papers["in_corpus"]]
    assert corpus["city_geonames_id"].notna().mean() > 0.8
    east = corpus.groupby("publication_year")["bloc"].apply(lambda b: (b == "East").mean())
    assert east.loc[LAST - 1] > east.loc[FIRST]


def test_adding_a_year_makes_only_that_year_and_its_dependents_stale(world):
    data_dir, instance, settings, defs = world
    defs2 = build_definitions(replace(settings, end_year=LAST, lifesci_end_year=LAST))
    graph = defs2.resolve_asset_graph()

    def status(asset: str, year: int | None) -> StaleStatus:
        view = AssetGraphView(
            temporal_context=TemporalContext(effective_dt=get_current_datetime(), last_event_id=None),
            instance=instance,
            asset_graph=graph,
        )
        resolver = CachingStaleStatusResolver(instance=instance, asset_graph=graph, loading_context=view)
        return resolver.get_status(dg.AssetKey(asset), None if year is None else str(year))

    for asset in YEARLY:
        assert status(asset, LAST) == StaleStatus.MISSING, asset
        assert status(asset, LAST - 1) == StaleStatus.FRESH, asset
    assert status("core_author_years", None) == StaleStatus.FRESH
    tick = dg.evaluate_automation_conditions(defs=defs2, instance=instance)
    assert tick.total_requested == 0, "nothing to do before the new year is materialized"

    for job in ("yearly_refresh", "yearly_corpus"):  # the year's OpenAlex tables, then its papers and citations
        defs2.resolve_job_def(job).execute_in_process(instance=instance, partition_key=str(LAST))

    for asset in YEARLY:
        assert status(asset, LAST) == StaleStatus.FRESH, asset
        for year in range(FIRST, LAST):
            assert status(asset, year) == StaleStatus.FRESH, (asset, year)
    assert status("core_institutions", None) == StaleStatus.FRESH
    # city metrics read citations of y..y+5: the years whose window reaches the new year are stale
    assert status("out_city_year_metrics", LAST - 6) == StaleStatus.FRESH
    for year in range(LAST - 5, LAST):
        assert status("out_city_year_metrics", year) == StaleStatus.STALE, year
    assert status("out_impact_pairs", LAST - 3) == StaleStatus.FRESH
    assert status("out_impact_pairs", LAST - 2) == StaleStatus.STALE
    assert status("out_collaboration_pairs", LAST - 1) == StaleStatus.FRESH
    # Dagster's stale status skips all-partition dependencies of time-partitioned assets; its
    # automation conditions do follow them: the all-years table is the one thing requested.
    tick = dg.evaluate_automation_conditions(defs=defs2, instance=instance, cursor=tick.cursor)
    assert tick.get_num_requested(dg.AssetKey("core_author_years")) == 1
    # the careers, and the citation counts whose windows reach the new year (aigeo_assets.automation:
    # every partition whose parents changed, not only the newest); the all-years tables wait for them
    requested = {k.to_user_string(): sorted(tick.get_requested_partitions(k)) for k in graph.get_all_asset_keys() if tick.get_num_requested(k)}
    assert requested == {"core_author_years": [None], "out_collaboration_pairs": [str(LAST)],
                         "out_impact_pairs": [str(y) for y in range(LAST - 2, LAST + 1)],
                         # the CD index's window y+1..y+5 of each of the five years before reaches the new year
                         "out_disruption": [str(y) for y in range(LAST - 5, LAST + 1)],
                         "out_venue_east_west": [None]}  # its papers of every year: the new year's are in
    assert tick.total_requested == 12


def test_the_leading_city_and_the_bridge_show_in_the_city_tables(world):
    data_dir, *_ = world
    truth = json.loads(next((data_dir / "sources").glob("sample-tiny-7/truth.json")).read_text())
    leader = truth["claims"]["leading_city_by_year"][str(LAST - 1)]["geonames_id"]  # realized, not planted
    bridge = truth["bridge_city"]["geonames_id"]
    assert truth["claims"]["most_cross_bloc_works"]["as_planted"]
    ranks = _warehouse(data_dir, "out_city_ranks")
    prod = ranks[(ranks["metric"] == "productivity") & (ranks["city_geonames_id"] == leader)].set_index("year")["rank"]
    assert prod.loc[LAST - 1] == 1, "the realized leading city leads the last year"
    assert prod.loc[LAST - 1] <= prod.loc[FIRST]
    pairs = _warehouse(data_dir, "out_collaboration_pairs").dropna()
    metrics = _warehouse(data_dir, "out_city_year_metrics")
    bloc = metrics.drop_duplicates("city_geonames_id").set_index("city_geonames_id")["bloc"]
    pairs = pairs.assign(cross=pairs["row_city_geonames_id"].map(bloc) != pairs["col_city_geonames_id"].map(bloc))
    by_city = pairs.groupby("row_city_geonames_id").apply(lambda g: pd.Series({"n": g["value"].sum(), "cross": g.loc[g["cross"], "value"].sum()}))
    by_city = by_city[by_city["n"] >= 10]
    share = (by_city["cross"] / by_city["n"]).sort_values(ascending=False)
    assert share.index[0] == bridge, share.head()
    top = _warehouse(data_dir, "out_top_cities")
    assert top["reference_rank"].tolist() == list(range(1, len(top) + 1))
    matrix = _warehouse(data_dir, "out_impact_matrix")
    n20 = matrix[matrix["top_n"] == 20]
    assert len(n20) == min(20, len(top)) ** 2
    east_first = n20.drop_duplicates("row_order").sort_values("row_order")["row_bloc"].tolist()
    assert east_first == sorted(east_first, key=lambda b: b != "East")


def test_dagster_maps_each_year_to_its_citation_window(tmp_path):
    """Which upstream partitions a year reads, from Dagster's own asset graph."""
    settings = _settings(tmp_path, LAST)
    graph = build_definitions(settings).resolve_asset_graph()

    def parents(child: str, parent: str, year: int | None) -> list[int]:
        keys = graph.get_parent_partition_keys_for_child(
            None if year is None else str(year), dg.AssetKey(parent), dg.AssetKey(child)
        ).partitions_subset.get_partition_keys()
        return sorted(int(k) for k in keys)

    assert parents("out_city_year_metrics", "core_citations", 2013) == list(range(2013, 2019))
    assert parents("out_city_year_metrics", "core_citations", LAST - 1) == [LAST - 1, LAST], "clamped: flagged incomplete"
    assert parents("out_impact_pairs", "core_citations", 2014) == [2014, 2015, 2016]
    assert parents("core_citations", "core_papers", 2014) == list(range(FIRST, 2015))
    assert parents("out_impact_matrix", "out_impact_pairs", None) == list(range(2013, 2018))
    assert parents("out_collaboration_matrix", "out_collaboration_pairs", None) == list(range(2015, 2020))
    assert parents("out_top_cities", "out_city_year_metrics", None) == [2017]


def test_figures_are_assets_with_the_png_in_their_metadata(world):
    data_dir, instance, settings, defs = world
    ev = instance.get_latest_materialization_event(dg.AssetKey("out_fig_over_impact_matrix"))
    meta = ev.asset_materialization.metadata  # type: ignore[union-attr]
    assert "data:image/png;base64," in meta["figure"].value
    html = Path(meta["html"].value)
    assert html.exists() and html.with_suffix(".png").exists()
    assert "cdn.plot.ly" not in html.read_text()[:2000]
    # the sample world's numbers are not findings: every figure's metadata says so
    for key in defs.resolve_asset_graph().get_all_asset_keys():
        if key.to_user_string().startswith("out_fig_"):
            event = instance.get_latest_materialization_event(key)
            assert "synthetic sample world" in event.asset_materialization.metadata["synthetic"].value, key  # type: ignore[union-attr]
    names = {p.name for p in (data_dir / "reports" / "figures").iterdir()}
    assert {"fig1_impact.png", "fig2_impact_matrix_top20.html", "supp_fig2_top_city_shares.png"} <= names


def test_the_planted_bridge_ranks_first_in_east_west_betweenness(world):
    data_dir, *_ = world
    truth = json.loads(next((data_dir / "sources").glob("sample-tiny-7/truth.json")).read_text())
    scores = _warehouse(data_dir, "out_east_west_betweenness")
    first = scores[scores["rank"] == 1].groupby("network")["city_geonames_id"].apply(set)
    for network in ("impact", "migration", "collaboration"):
        assert first[network] == {truth["bridge_city"]["geonames_id"]}, network
    by_year = _warehouse(data_dir, "out_east_west_betweenness_by_year")
    assert set(by_year["window_end"]) == set(range(FIRST, LAST))
    robustness = _warehouse(data_dir, "out_robustness_centralities")
    assert set(robustness["measure"]) == {"degree", "closeness", "pagerank", "independent_cascade", "linear_threshold"}
    trajectory = _warehouse(data_dir, "out_centre_trajectory")
    assert set(trajectory["method"]) == {"planar", "spherical"} and trajectory["year"].max() == LAST - 1


def test_east_west_betweenness_on_the_real_shaped_networks_equals_networkx(world):
    """The sample world's networks (heavy-tailed, fractional normalized weights) against the oracle."""
    import networkx as nx

    from aigeo_assets.centrality.betweenness import east_west_betweenness
    from aigeo_assets.networks.city_networks import networks_from_edges

    data_dir, *_ = world
    edges = _warehouse(data_dir, "out_network_edges")
    top = _warehouse(data_dir, "out_top_cities")
    for name, (nodes, e) in networks_from_edges(edges, top, 100).items():
        g = nx.DiGraph()
        g.add_nodes_from(nodes["city_geonames_id"])
        exact = (e["weight_numerator"].map(int).map(Fraction) / e["weight_denominator"].map(int) if "weight_numerator" in e
                 else e["weight"].map(Fraction))
        g.add_weighted_edges_from(zip(e["source"], e["target"], 1 / exact), weight="length")
        east = nodes.loc[nodes["bloc"] == "East", "city_geonames_id"].tolist()
        west = nodes.loc[nodes["bloc"] == "West", "city_geonames_id"].tolist()
        a = nx.betweenness_centrality_subset(g, east, west, normalized=False, weight="length")
        b = nx.betweenness_centrality_subset(g, west, east, normalized=False, weight="length")
        ours = east_west_betweenness(nodes, e).set_index("city_geonames_id")["east_west_betweenness"]
        for city in nodes["city_geonames_id"]:
            assert ours[city] == pytest.approx(float(a[city] + b[city]), rel=1e-12, abs=1e-12), (name, city)


def test_the_planted_gravity_is_recovered_within_its_intervals(world):
    """The sample world draws each citation's cited city with odds n_j^b1 * max(d, 10 km)^-b3 *
    exp(b4 same city + b5 same country + b6 both West + b7/b8 bridge terms) (truth.json,
    ``gravity``). PPML with citing-city-year effects (which absorb the citing volume) on exactly
    those terms recovers every planted coefficient within its interval (simultaneous 95% for the
    seven, Bonferroni). The fit is close to, not exactly, the generating process: n_j counts the
    city's AI papers where the world drew on all its works, and geocoding adds noise; at the demo
    scale those show as biases of 2-6% that a joint test detects (docs/methods.md)."""
    import json

    import numpy as np

    from aigeo_assets.models import poisson
    from aigeo_assets.models.gravity import city_attributes

    data_dir, instance, settings, defs = world
    truth = json.loads(next((data_dir / "sources").rglob("truth.json")).read_text())
    g, bridge = truth["gravity"], int(truth["bridge_city"]["geonames_id"])
    world_totals = _warehouse(data_dir, "out_world_year_totals")
    complete = world_totals.loc[world_totals["impact_window_complete"].astype(bool), "year"].astype(int).tolist()
    f = _warehouse(data_dir, "out_gravity_citation_pairs")
    f = f[f["year"].isin(complete)].reset_index(drop=True)
    bloc = city_attributes(_warehouse(data_dir, "core_institutions"))["bloc"]
    i, j = f["citing_city_geonames_id"], f["cited_city_geonames_id"]
    bi, bj = i.map(bloc).to_numpy(dtype=object), j.map(bloc).to_numpy(dtype=object)
    touches = ((i == bridge) ^ (j == bridge)).to_numpy()
    X = pd.DataFrame(
        {
            "ln_papers_cited": f["ln_papers_cited"].astype(float),
            "ln_distance_floor": np.maximum(f["ln_distance"].to_numpy(dtype=float), np.log(g["dist_floor_km"])),
            "same_city": f["same_city"].astype(float),
            "same_country": f["same_country"].astype(float),
            "both_west": ((bi == "West") & (bj == "West")).astype(float),
            "bridge_cross_bloc": (touches & (bi != bj)).astype(float),
            "bridge_same_bloc": (touches & (bi == bj)).astype(float),
        }
    )
    citing_year = (i.astype("int64") * 10_000 + f["year"].astype("int64")).rename("citing_year")
    fit = poisson(f["citations"], X, absorb=citing_year.to_frame(), missing="drop")
    planted = {
        "ln_papers_cited": g["b1_productivity"],
        "ln_distance_floor": -g["b3_distance"],
        "same_city": g["b4_same_city"],
        "same_country": g["b5_same_country"],
        "both_west": g["b6_both_west"],
        "bridge_cross_bloc": g["b7_bridge_cross_bloc"],
        "bridge_same_bloc": g["b8_bridge_same_bloc"],
    }
    ci = fit.conf_int(alpha=0.05 / len(planted))  # simultaneous 95% (Bonferroni) for the seven terms
    for term, value in planted.items():
        assert ci.loc[term, "lower"] <= value <= ci.loc[term, "upper"], (term, value, fit.params[term], ci.loc[term].tolist())
    # and the pooled Table 1 model was fitted, its size elasticities positive and significant
    table = _warehouse(data_dir, "out_gravity_citations_coefficients")
    spec4 = table[(table["spec"] == "(4)")].set_index("term")
    assert spec4.loc["ln_citations_made", "p_value"] < 0.001 and spec4.loc["ln_papers_cited", "coef"] > 0
