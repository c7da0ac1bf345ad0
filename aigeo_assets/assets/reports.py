"""Group ``reports``: figures as assets. Each writes a self-contained HTML and a PNG under
``data/reports/figures/`` and shows the PNG in its metadata, with a link to the HTML. On the sample
world both files carry ``SYNTHETIC_NOTE`` under the figure's title (``write_figures``)."""

from collections.abc import Callable
from pathlib import Path

import dagster as dg
import pandas as pd
import plotly.graph_objects as go

from aigeo_assets.reports.city_figures import (
    fig_city_heatmaps,
    fig_city_map,
    fig_city_matrix,
    fig_city_ranks,
    fig_top_city_shares,
    fig_venue_east_west,
)
from aigeo_assets.reports.disruption_figures import fig_disruption_ranks
from aigeo_assets.reports.centre_figures import fig_centre_trajectories, fig_focal_pull
from aigeo_assets.reports.centrality_figures import fig_betweenness_bars, fig_bridges_over_time, fig_network_map
from aigeo_assets.reports.figures import FigureFiles, mark_synthetic, note_no_data, png_markdown, write_figure
from aigeo_assets.assets.metadata import OWNERS
from aigeo_assets.lifesci.analyses import yearly_cagr
from aigeo_assets.reports import lifesci_figures as L
from aigeo_assets.reports.atlas import SYNTHETIC_NOTE
from aigeo_assets.reports.glossary import BLOCS, first_use
from aigeo_assets.reports.model_figures import fig_elasticities_by_year, fig_gravity_comparison
from aigeo_assets.resources.io import concat_partitions
from aigeo_assets.resources.settings import Settings

GROUP = "reports"
EW_BETWEENNESS = first_use("East\u2013West betweenness")


def figure_result(files: list, synthetic: bool = False, **extra) -> dg.MaterializeResult:
    """Metadata of a figure asset: the first figure inline, every file listed; on the sample world
    (``synthetic``) a ``synthetic`` line, and the same sentence above the figure."""
    first = files[0]
    warn = f"**{SYNTHETIC_NOTE.capitalize()}.**\n\n" if synthetic else ""
    meta: dict = {
        "figure": dg.MetadataValue.md(warn + png_markdown(first.png, first.html)),
        "html": dg.MetadataValue.path(str(first.html)),
        "png": dg.MetadataValue.path(str(first.png)),
    }
    if synthetic:
        meta["synthetic"] = SYNTHETIC_NOTE
    if len(files) > 1:
        meta["all_files"] = dg.MetadataValue.json([str(f.html) for f in files] + [str(f.png) for f in files])
    meta.update(extra)
    return dg.MaterializeResult(metadata=meta)


def write_figures(figures: list[tuple[str, go.Figure]], out_dir: Path, *, synthetic: bool, width: int = 1400,
                  height: int = 900) -> list[FigureFiles]:
    """Write each ``(file name, figure)`` (``write_figure``: HTML and PNG); on the sample world
    (``synthetic``) each figure first carries ``SYNTHETIC_NOTE`` on itself (``mark_synthetic``), so
    the files say it wherever they are copied. The PNG takes the figure's own size where it sets one
    (a top-100 matrix is as tall as its rows need), else ``width`` x ``height``. Every figure asset
    writes through here."""
    return [write_figure(mark_synthetic(fig) if synthetic else fig, out_dir, name,
                         width=int(fig.layout.width or width), height=int(fig.layout.height or height))
            for name, fig in figures]


def _empty(loaded: pd.DataFrame | dict[str, pd.DataFrame]) -> bool:
    """Whether an input (one frame, or a frame per partition) holds no row, without stacking it."""
    return loaded.empty if isinstance(loaded, pd.DataFrame) else all(f.empty for f in loaded.values())


def build_report_assets(settings: Settings) -> list:
    out_dir = settings.data_dir / "reports" / "figures"
    main_n = min(settings.top_ns)
    assets = []

    def figure_asset(name: str, deps: list[str] | dict, description: str, draw: Callable[..., list[tuple[str, go.Figure]]]):
        ins = deps if isinstance(deps, dict) else {d: dg.AssetIn(d) for d in deps}

        @dg.asset(name=name, group_name=GROUP, kinds={"plotly", "html", "png"}, owners=OWNERS, description=description, ins=ins)
        def _figure(**inputs: pd.DataFrame) -> dg.MaterializeResult:
            figures = draw(**inputs)
            extra = {}
            if inputs and all(map(_empty, inputs.values())):  # thin data: nothing to draw, and the figure says so
                extra["no_data"] = (f"No data to draw for these years: the corpus has no rows for this figure "
                                    f"({', '.join(inputs)} {'is' if len(inputs) == 1 else 'are'} empty).")
                figures = [(file_name, note_no_data(fig, extra["no_data"])) for file_name, fig in figures]
            synthetic = settings.source == "sample"
            return figure_result(write_figures(figures, out_dir, synthetic=synthetic), synthetic=synthetic, **extra)

        assets.append(_figure)

    for metric, label, words in (("impact", "a", "impact"), ("productivity", "b", "productivity"), ("ai_scientists", "c", "AI scientists")):
        figure_asset(
            f"out_fig_city_{metric}",
            ["out_city_ranks", "out_top_cities"],
            f"AlShebli et al. 2022 Fig. 1{label}: the top {main_n} cities x years, {words}, absolute and relative, "
            "with each city's rank over time.",
            lambda out_city_ranks, out_top_cities, metric=metric: [
                (f"fig1_{metric}", fig_city_heatmaps(out_city_ranks, out_top_cities, metric, top_n=main_n)),
                (f"fig1_{metric}_ranks", fig_city_ranks(out_city_ranks, out_top_cities, metric, top_n=main_n)),
            ],
        )

    figure_asset(
        "out_fig_city_impact_long",
        ["out_city_ranks", "out_top_cities"],
        f"AlShebli et al. 2022 Supplementary Fig. 1: Fig. 1a with the long impact window (AIGEO_LONG_IMPACT_WINDOW, five years): "
        f"the top {main_n} cities x years, absolute and relative, with each city's rank over time.",
        lambda out_city_ranks, out_top_cities: [
            ("figS1_impact_long", fig_city_heatmaps(out_city_ranks, out_top_cities, "impact_long", top_n=main_n)),
            ("figS1_impact_long_ranks", fig_city_ranks(out_city_ranks, out_top_cities, "impact_long", top_n=main_n)),
        ],
    )

    figure_asset(
        "out_fig_venue_east_west",
        ["out_venue_east_west"],
        f"AlShebli et al. 2022 Supplementary Fig. 4: Eastern and Western AI papers per year in each of the top 20 AI venues ({BLOCS}).",
        lambda out_venue_east_west: [("supp_fig4_venue_east_west", fig_venue_east_west(out_venue_east_west))],
    )

    figure_asset(
        "out_fig_disruption_ranks",
        ["out_disruption_city_ranks"],
        "AlShebli et al. 2022 Supplementary Fig. 3a/3b: cities ranked each year by their papers among the 10 % most disruptive and "
        "the 10 % most developmental AI papers, by the consolidation\u2013disruption (CD) index.",
        lambda out_disruption_city_ranks: [
            ("supp_fig3a_disruptive", fig_disruption_ranks(out_disruption_city_ranks, "disruptive")),
            ("supp_fig3b_developmental", fig_disruption_ranks(out_disruption_city_ranks, "developmental")),
        ],
    )

    for matrix, label, title, diverging in (
        ("impact", "a", "Citations from row city to column city", False),
        ("over_impact", "b", "Over-impact: observed minus expected citations", True),
        ("migration", "c", "AI scientists' moves from row city to column city", False),
        ("collaboration", "d", "Papers with the last author in the row city and a co-author in the column city", False),
    ):
        asset_name = f"out_{matrix}_matrix"
        figure_asset(
            f"out_fig_{matrix}_matrix",
            [asset_name],
            f"AlShebli et al. 2022 Fig. 2{label} (and Supplementary Figs. 6-9 for the larger top-city sets): {title[0].lower() + title[1:]}, "
            f"East first then West ({BLOCS}).",
            lambda diverging=diverging, title=title, asset_name=asset_name, **inputs: [
                (
                    f"fig2_{asset_name.removeprefix('out_')}_top{n}",
                    fig_city_matrix(inputs[asset_name], title=f"{title} (top {n})", top_n=n, diverging=diverging,
                                    kind=asset_name.removeprefix("out_").removesuffix("_matrix")),
                )
                for n in settings.top_ns
            ],
        )

    figure_asset(
        "out_fig_top_city_shares",
        ["out_top_city_shares"],
        "AlShebli et al. 2022 Supplementary Fig. 2: the top cities' share of world impact, productivity and AI scientists.",
        lambda out_top_city_shares: [("supp_fig2_top_city_shares", fig_top_city_shares(out_top_city_shares))],
    )
    figure_asset(
        "out_fig_city_map",
        {
            "out_city_year_metrics": dg.AssetIn(
                partition_mapping=dg.SpecificPartitionsPartitionMapping([str(settings.end_year)])
            )
        },
        f"A world map of AI productivity by city in {settings.end_year}, East red, West blue ({BLOCS}).",
        lambda out_city_year_metrics: [
            (f"map_productivity_{settings.end_year}", fig_city_map(out_city_year_metrics, settings.end_year))
        ],
    )
    reference = dg.AssetIn("out_city_year_metrics", partition_mapping=dg.SpecificPartitionsPartitionMapping([str(settings.reference_year)]))
    figure_asset(
        "out_fig_east_west_betweenness",
        ["out_east_west_betweenness"],
        f"AlShebli et al. 2022 Fig. 3: {EW_BETWEENNESS} of the top cities on each network, "
        f"East red, West blue ({BLOCS}).",
        lambda out_east_west_betweenness: [("fig3_east_west_betweenness", fig_betweenness_bars(out_east_west_betweenness))],
    )
    figure_asset(
        "out_fig_network_maps",
        {"out_network_edges": dg.AssetIn("out_network_edges"), "out_city_year_metrics": reference},
        "AlShebli et al. 2022 Fig. 3: the impact, migration and collaboration networks on a world map, edge width by flow.",
        lambda out_network_edges, out_city_year_metrics: [
            (f"fig3_{network}_network_map", fig_network_map(out_network_edges, out_city_year_metrics, network=network))
            for network in ("impact", "migration", "collaboration")
        ],
    )
    figure_asset(
        "out_fig_bridges_over_time",
        ["out_east_west_betweenness_by_year"],
        f"{EW_BETWEENNESS} of the leading bridges on five-year windows, year by year (beyond the paper; "
        f"{BLOCS}).",
        lambda out_east_west_betweenness_by_year: [
            ("bridges_over_time", fig_bridges_over_time(concat_partitions(out_east_west_betweenness_by_year)))
        ],
    )
    figure_asset(
        "out_fig_centre_trajectories",
        ["out_centres_of_mass"],
        "AlShebli et al. 2022 Fig. 4: the centres of mass of impact, productivity and AI scientists, year by year, on a world map.",
        lambda out_centres_of_mass: [
            ("fig4_centre_trajectories", fig_centre_trajectories(concat_partitions(out_centres_of_mass), method="planar")),
            ("fig4_centre_trajectories_spherical", fig_centre_trajectories(concat_partitions(out_centres_of_mass), method="spherical")),
        ],
    )
    figure_asset(
        "out_fig_focal_pull",
        ["out_focal_pull"],
        "AlShebli et al. 2022 Fig. 4: how far the focal city (default Beijing) pulls the centre of mass, per year.",
        lambda out_focal_pull: [("fig4_focal_pull", fig_focal_pull(concat_partitions(out_focal_pull)))],
    )
    figure_asset(
        "out_fig_gravity_by_year",
        ["out_gravity_citations_by_year"],
        "Beyond AlShebli et al. 2022's Table 1: the gravity model's size elasticities and frictions fitted year by year, with 95% intervals.",
        lambda out_gravity_citations_by_year: [
            ("gravity_elasticities_by_year", fig_elasticities_by_year(concat_partitions(out_gravity_citations_by_year)))
        ],
    )
    figure_asset(
        "out_fig_gravity_comparison",
        ["out_gravity_citations_coefficients"],
        "The frictions of the citation gravity model: Table 1's Poisson pseudo-maximum likelihood (PPML) fit (4), the structural PPML and the log-linear ordinary least squares (OLS).",
        lambda out_gravity_citations_coefficients: [("gravity_comparison", fig_gravity_comparison(out_gravity_citations_coefficients))],
    )
    lifesci = [
        ("out_fig_lifesci_yearly_counts", ["out_lifesci_yearly_counts"], "Schmallenbach et al. 2024 Fig. 1: AI life-science articles per year and their compound annual growth.",
         lambda out_lifesci_yearly_counts: [("lifesci_fig1_yearly_counts", L.fig_yearly_counts(
             out_lifesci_yearly_counts, *yearly_cagr(out_lifesci_yearly_counts)))]),
        ("out_fig_lifesci_country_map", ["out_lifesci_country_counts"], "Schmallenbach et al. 2024 Fig. 2: articles by country on a world map.",
         lambda out_lifesci_country_counts: [("lifesci_fig2_country_map", L.fig_country_map(out_lifesci_country_counts))]),
        ("out_fig_lifesci_topics", ["out_lifesci_topic_shares"], "Schmallenbach et al. 2024 Fig. 3: the top countries x the top topics, share of each country's articles.",
         lambda out_lifesci_topic_shares: [("lifesci_fig3_topics", L.fig_topic_heatmap(out_lifesci_topic_shares))]),
        ("out_fig_lifesci_clinical", ["out_lifesci_clinical_by_country"], "Schmallenbach et al. 2024 Fig. 4: clinical AI research by country.",
         lambda out_lifesci_clinical_by_country: [("lifesci_fig4_clinical", L.fig_clinical_by_country(out_lifesci_clinical_by_country))]),
        ("out_fig_lifesci_high_ranked_by_country", ["out_lifesci_high_ranked_by_country"], "Schmallenbach et al. 2024 Fig. 5: share of articles in high-ranked outlets by country.",
         lambda out_lifesci_high_ranked_by_country: [("lifesci_fig5_high_ranked", L.fig_high_ranked_by_country(out_lifesci_high_ranked_by_country))]),
        ("out_fig_lifesci_high_ranked_by_region", ["out_lifesci_high_ranked_by_region_year"], "Schmallenbach et al. 2024 Fig. 6: share of articles in high-ranked outlets by region and year.",
         lambda out_lifesci_high_ranked_by_region_year: [("lifesci_fig6_high_ranked_regions", L.fig_high_ranked_by_region_year(out_lifesci_high_ranked_by_region_year))]),
        ("out_fig_lifesci_relevance", ["out_lifesci_irrs"], "Schmallenbach et al. 2024 Fig. 7: citation incidence-rate ratios (IRRs) by region (base Asia), without and with outlet effects.",
         lambda out_lifesci_irrs: [("lifesci_fig7_relevance", L.fig_relevance_irrs(out_lifesci_irrs[~out_lifesci_irrs["model"].str.startswith("8A")]))]),
        ("out_fig_lifesci_international", ["out_lifesci_irrs", "out_lifesci_international_by_year", "out_lifesci_international_by_region"],
         "Schmallenbach et al. 2024 Fig. 8: the incidence-rate ratio (IRR) of international collaboration on citations, its share over time and by region.",
         lambda out_lifesci_irrs, out_lifesci_international_by_year, out_lifesci_international_by_region: [("lifesci_fig8_international", L.fig_international_collaboration(
             out_lifesci_irrs[out_lifesci_irrs["model"].str.startswith("8A")], out_lifesci_international_by_year, out_lifesci_international_by_region))]),
        ("out_fig_lifesci_dyads", ["out_lifesci_dyads"], "Schmallenbach et al. 2024 Fig. 9: international collaborations between regions (Sankey).",
         lambda out_lifesci_dyads: [("lifesci_fig9_dyads", L.fig_collaboration_sankey(out_lifesci_dyads))]),
    ]
    for name, deps, description, draw in lifesci:
        figure_asset(name, deps, description, draw)
    assets.append(_atlas_asset(settings, out_dir, [key for a in assets for key in a.keys] + [dg.AssetKey(k) for k in SIDE_RESULT_FIGURES]))
    return assets


ATLAS_TABLES = (
    "out_city_ranks", "out_top_cities", "out_impact_matrix", "out_over_impact_matrix", "out_migration_matrix",
    "out_collaboration_matrix", "out_top_city_shares", "out_east_west_betweenness", "out_network_edges", "out_disruption_city_ranks",
    "out_centre_trajectory", "out_gravity_citations_table", "out_gravity_citations_coefficients", "out_gravity_migration",
    "out_lifesci_yearly_counts", "out_lifesci_link_coverage", "out_lifesci_country_years", "out_lifesci_country_counts", "out_lifesci_topic_shares", "out_lifesci_clinical_by_country",
    "out_lifesci_high_ranked_by_country", "out_lifesci_high_ranked_by_region_year", "out_lifesci_irrs",
    "out_lifesci_international_by_year", "out_lifesci_international_by_region", "out_lifesci_dyads",
    "out_lifesci_outlet_sample_irrs", "out_lifesci_intl_high_ranked", "out_lifesci_by_outlet_type",
    "out_lifesci_irrs_by_outlet_type", "out_lifesci_country_productivity", "out_lifesci_country_side_result",
)
SIDE_RESULT_FIGURES = ("out_fig_lifesci_outlet_sample", "out_fig_lifesci_intl_high_ranked", "out_fig_lifesci_by_outlet_type")
"""Figures of Schmallenbach et al. 2024's side results, built with their tables in ``assets/lifesci_results.py``."""
ATLAS_YEARLY = (
    "out_city_year_metrics", "out_east_west_betweenness_by_year", "out_centres_of_mass", "out_focal_pull",
    "out_gravity_citations_by_year",
)


def _atlas_asset(settings: Settings, figure_dir: Path, figure_keys: list) -> dg.AssetsDefinition:
    from dataclasses import asdict

    from aigeo_assets.reports.atlas import atlas_catalogue, build_atlas, findings_alshebli2022, findings_schmallenbach2024, sections_from_catalogue

    ins = {name: dg.AssetIn(name) for name in ATLAS_TABLES}
    ins.update({name: dg.AssetIn(name, partition_mapping=dg.AllPartitionMapping()) for name in ATLAS_YEARLY})

    @dg.asset(name="out_atlas", group_name=GROUP, kinds={"html", "plotly"}, owners=OWNERS, ins=ins, deps=figure_keys)
    def out_atlas(**tables) -> dg.MaterializeResult:
        """The atlas: one self-contained HTML file (offline, opens from disk) with every figure of
        AlShebli et al. 2022 and Schmallenbach et al. 2024 in the papers' order, each with its caption and its numbers as CSV,
        the run's settings and data provenance, and what the data say, written from the numbers."""
        catalogue = atlas_catalogue(
            top_n=min(settings.top_ns), reference_year=settings.reference_year, end_year=settings.end_year,
            impact_matrix_years=settings.impact_matrix_years, migration_years=settings.migration_years,
            collaboration_years=settings.collaboration_years, start_year=settings.start_year,
            impact_window=settings.impact_window,
        )
        sections = sections_from_catalogue(catalogue, tables, figure_dir)
        metrics = concat_partitions(tables["out_city_year_metrics"])
        provenance = {
            "source": settings.source,
            "snapshot": str(settings.snapshot_dir) if settings.snapshot_dir
            else f"sample world ({settings.sample_scale}, seed {settings.sample_seed})",
            "years": f"{settings.start_year}-{settings.end_year}",
            "AI papers located to a city": int(metrics["productivity"].sum()) if len(metrics) else 0,
            "cities": int(metrics["city_geonames_id"].nunique()) if len(metrics) else 0,
            "life-science articles": int(tables["out_lifesci_yearly_counts"]["articles"].sum()),
        }
        findings = {
            "AlShebli et al. 2022: Beijing's central role": findings_alshebli2022(tables),
            "Schmallenbach et al. 2024: AI in the life sciences": findings_schmallenbach2024(tables),
        }
        path = build_atlas(sections, {k: str(v) for k, v in asdict(settings).items()}, provenance, findings,
                           settings.data_dir / "reports" / "atlas.html")
        missing = [sec.key for sec in sections if sec.error]
        return dg.MaterializeResult(metadata={
            "atlas": dg.MetadataValue.path(str(path)),
            "open": dg.MetadataValue.url(path.resolve().as_uri()),
            "items": len(sections),
            "not_available": dg.MetadataValue.json(missing),
            "what_the_data_say": dg.MetadataValue.md(
                (f"**{SYNTHETIC_NOTE.capitalize()}.**\n\n" if settings.source == "sample" else "")
                + "\n".join(f"- {'Synthetic: ' if settings.source == 'sample' else ''}{f}" for part in findings.values() for f in part)),
            **({"synthetic": SYNTHETIC_NOTE} if settings.source == "sample" else {}),
            "size_mb": round(path.stat().st_size / 1e6, 1),
        })

    return out_atlas
