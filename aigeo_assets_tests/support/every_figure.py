"""Every figure the atlas shows, drawn by the project's figure functions on the planted tables of
``figure_tables``: what the browser's visual check (``integration/test_atlas_browser.py``) and the
glossary check (``reports/test_glossary.py``) look at (issue 16)."""

from __future__ import annotations

import functools
from collections.abc import Callable

import plotly.graph_objects as go


@functools.lru_cache(maxsize=1)  # drawn once per process for the tests that use them (nothing changes them: marks go on copies)
def every_figure() -> list[tuple[str, Callable, go.Figure]]:
    """(key, the figure function, its figure) of every public ``fig_*`` of ``reports/*_figures.py``, and
    the variants the assets draw (each network, both disruption kinds, the diverging matrix, a
    not-estimable model), each on small planted tables sized like a real run (``figure_tables``)."""
    return [(key, fn, fn(*args, **kwargs)) for key, fn, args, kwargs in figure_calls()]


def figure_calls() -> list[tuple[str, Callable, tuple, dict]]:
    """(key, figure function, its tables and arguments, keyword arguments) of ``every_figure``."""
    import pandas as pd

    from aigeo_assets_tests.support import figure_tables as T
    from aigeo_assets.reports import centrality_figures as CF, centre_figures as CE, city_figures as C
    from aigeo_assets.reports import disruption_figures as D, lifesci_figures as L, model_figures as M

    ranks, top = T.deep_ranks()
    codes = ["GB", "US", "DE", "FR", "CN", "HK", "KR", "IR", "RU", "BR", "AU", "IN", "JP", "NL", "CH", "TW"]
    regions = {"GB": "Europe", "US": "Northern America", "DE": "Europe", "FR": "Europe", "CN": "Asia", "HK": "Asia", "KR": "Asia",
               "IR": "Asia", "RU": "Europe", "BR": "Latin America and the Caribbean", "AU": "Oceania", "IN": "Asia", "JP": "Asia",
               "NL": "Europe", "CH": "Europe", "TW": "Asia"}
    high = pd.DataFrame({"country_code": codes, "country_name": [None] * len(codes), "world_region": [regions[c] for c in codes],
                         "share_high_ranked": [0.4 - 0.02 * k for k in range(len(codes))], "high_ranked_articles": [40] * len(codes),
                         "articles": [100] * len(codes)})
    years = list(range(2000, 2023))
    counts = pd.DataFrame({"year": years, "articles": [int(50 * 1.2 ** k) for k in range(len(years))],
                           "pubmed": [int(40 * 1.2 ** k) for k in range(len(years))], "openalex": [int(10 * 1.2 ** k) for k in range(len(years))],
                           "both": 0})
    edges, cities = T.network_edges_and_cities()
    names = ["Singapore", "Beijing", "London", "Hong Kong", "Boston", "Frankfurt am Main", "Seoul", "Shanghai", "Zurich",
             "Washington, D.C.", "Toronto", "Sydney", "Mountain View", "Shenzhen", "Rio de Janeiro", "Montreal", "Tel Aviv-Yafo",
             "Bangalore", "Moscow", "Tehran"]
    west = ("London", "Boston", "Zurich", "Frankfurt am Main", "Washington, D.C.", "Toronto", "Sydney", "Mountain View",
            "Rio de Janeiro", "Montreal", "Tel Aviv-Yafo")
    scores = pd.DataFrame([dict(network=n, rank=k + 1, east_west_betweenness=100.0 / (k + 1), city_name=c,
                                bloc="West" if c in west else "East", east_west_path_share=0.1, betweenness=10.0)
                           for n in ("impact", "migration", "collaboration", "normalized_impact") for k, c in enumerate(names)])
    pull = pd.DataFrame([dict(year=y, metric=m, method=meth, pull_km=100.0 + y - 2000, focal_city_name="Beijing", focal_city_bloc="East",
                              focal_share=0.1, window_complete=y < 2018)
                         for y in range(2000, 2020) for m in ("impact", "productivity", "ai_scientists") for meth in ("planar", "spherical")])
    long_names = ["Washington, D.C.", "Frankfurt am Main", "Tel Aviv-Yafo", "Rio de Janeiro", "Cambridge", "Cambridge",
                  "Kowloon City", "Salt Lake City", "Mountain View", "Hong Kong"]  # two Cambridges: (US) and (GB) added
    top_long = top.copy()
    top_long.loc[top_long.index[:10], "city_name"] = long_names
    top_long.loc[top_long.index[4:6], "country_code"] = ["US", "GB"]
    by_year, pooled = T.gravity_coefficients()
    shares = pd.concat([T.top_city_shares(), T.top_city_shares().assign(top_n=50)], ignore_index=True)
    metrics = T.world_metrics()
    big_ranks = T.deep_ranks()[0]
    drawn = [
        ("city_ranks", C.fig_city_ranks, (ranks, top, "impact")),
        ("city_heatmaps", C.fig_city_heatmaps, (T.city_ranks(), T.top_cities(), "impact")),
        ("city_heatmaps_20", C.fig_city_heatmaps, (big_ranks, top_long, "impact")),
        ("city_ranks_long_names", C.fig_city_ranks, (ranks, top_long, "impact")),
        ("city_matrix", C.fig_city_matrix, (T.city_matrix(),), dict(title="Citations from row city to column city (top 20)", kind="impact")),
        ("city_matrix_over", C.fig_city_matrix, (T.city_matrix(signed=True),), dict(title="Over-impact (top 20)", diverging=True, kind="over_impact")),
        ("city_matrix_50", C.fig_city_matrix, (T.big_matrix(50),), dict(title="AI scientists' moves (top 50)", top_n=50, kind="migration")),
        ("city_matrix_100", C.fig_city_matrix, (T.big_matrix(100),), dict(title="Papers (top 100)", top_n=100, kind="collaboration")),
        ("top_city_shares", C.fig_top_city_shares, (shares,)),
        ("venue_east_west", C.fig_venue_east_west, (T.venue_east_west(),)),
        ("city_map", C.fig_city_map, (metrics, 2017)),
        ("centres", CE.fig_centre_trajectories, (T.centre_paths(),)),
        ("pull", CE.fig_focal_pull, (pull,)),
        ("network", CF.fig_network_map, (edges, cities), dict(network="impact")),
        ("network_migration", CF.fig_network_map, (T.world_edges("migration"), metrics), dict(network="migration")),
        ("bars", CF.fig_betweenness_bars, (scores,)),
        ("bridges", CF.fig_bridges_over_time, (T.bridges_by_year(),)),
        ("disruptive", D.fig_disruption_ranks, (T.disruption_ranks(), "disruptive")),
        ("developmental", D.fig_disruption_ranks, (T.disruption_ranks(), "developmental")),
        ("gravity_by_year", M.fig_elasticities_by_year, (by_year,)),
        ("gravity_comparison", M.fig_gravity_comparison, (pooled,)),
        ("fig1_counts", L.fig_yearly_counts, (counts, 0.2, (2010, 2022))),
        ("fig2_map", L.fig_country_map, (T.lifesci_countries(),)),
        ("fig3_topics", L.fig_topic_heatmap, (T.lifesci_topic_shares(),)),
        ("fig4_clinical", L.fig_clinical_by_country, (T.lifesci_clinical(),)),
        ("fig5_high", L.fig_high_ranked_by_country, (high,)),
        ("fig5_high_40", L.fig_high_ranked_by_country, (T.lifesci_high_ranked(),)),
        ("fig5_high_90", L.fig_high_ranked_by_country, (T.m49_high_ranked(90),)),
        ("fig6_regions", L.fig_high_ranked_by_region_year, (T.lifesci_region_years(),)),
        ("fig7_irrs", L.fig_relevance_irrs, (T.lifesci_irrs(),)),
        ("fig7_not_estimable", L.fig_relevance_irrs, (T.lifesci_irrs(("A", "B", "C"), "D"),)),
        ("fig8_international", L.fig_international_collaboration, T.lifesci_international()),
        ("fig9_dyads", L.fig_collaboration_sankey, (T.lifesci_dyads(),)),
        ("fig7_outlet_sample", L.fig_outlet_sample_irrs, (T.lifesci_outlet_sample(),)),
        ("intl_high_ranked", L.fig_intl_high_ranked, (T.lifesci_premium(),)),
        ("s7_outlet_type", L.fig_by_outlet_type, (T.lifesci_by_outlet_type(),)),
    ]
    return [(key, fn, args, rest[0] if rest else {}) for key, fn, args, *rest in drawn]


def journal_figures() -> list[tuple[str, go.Figure]]:
    """The figures the atlas shows, drawn by the project's figure functions on small planted tables."""
    return [(key, fig) for key, _, fig in every_figure()]
