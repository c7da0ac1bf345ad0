"""The figure catalogue: every figure of AlShebli et al. 2022 and Schmallenbach et al. 2024 declared
once (issue 17). Pure (no Dagster import).

A ``FigureSpec`` is one figure asset: its literal asset name (``out_fig_city_impact``: grep it and
you land here), study, number, the one-line description the asset shows, the assets it reads and
how (``Read``), a named module-level draw function, and its ``panels``: each file the asset writes
(a stem under the figure folder), which is also one item of the atlas, with its number, title,
caption and the numbers it links as CSV (``csv``, a named function of the tables).

``FIGURES`` lists them in the atlas's order (the papers' order, then what goes beyond them). Both
``aigeo_assets.assets.reports`` (the figure assets, in one loop) and ``reports.atlas``
(``atlas_catalogue``, the atlas's inputs) are generated from it.

Texts that depend on the run's settings (the main top-N, the reference and end years, the matrix
spans, the CAGR span) are ``str.format`` templates filled from ``FigureParams.words()``; a draw
function takes the loaded tables (asset name -> DataFrame, or a DataFrame per partition for a
``Read`` of ``"years"``) and a ``FigureParams`` and returns ``[(file stem, go.Figure)]``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd
import plotly.graph_objects as go

from aigeo_assets.lifesci.analyses import yearly_cagr
from aigeo_assets.reports import lifesci_figures as L
from aigeo_assets.reports.centrality_figures import (
    NETWORK_MAP_MAX_EDGES,
    fig_betweenness_bars,
    fig_bridges_over_time,
    fig_network_map,
)
from aigeo_assets.reports.centre_figures import fig_centre_trajectories, fig_focal_pull
from aigeo_assets.reports.city_figures import (
    fig_city_heatmaps,
    fig_city_map,
    fig_city_matrix,
    fig_city_ranks,
    fig_top_city_shares,
    fig_venue_east_west,
)
from aigeo_assets.reports.disruption_figures import fig_disruption_ranks
from aigeo_assets.reports.glossary import BLOCS, first_use
from aigeo_assets.reports.model_figures import fig_elasticities_by_year, fig_gravity_comparison
from aigeo_assets.schemas import concat_partitions

ALSHEBLI = "AlShebli et al. 2022"
SCHMALLENBACH = "Schmallenbach et al. 2024"
SCHMALLENBACH_SIDE = "Schmallenbach et al. 2024, side results"
"""Schmallenbach et al. 2024's side results are a study of their own in the atlas, so that the
paper's own list stays Figs. 1-9."""

Tables = Mapping[str, Any]
Drawn = list[tuple[str, go.Figure]]


@dataclass(frozen=True)
class FigureParams:
    """The settings a figure's files and texts depend on (``from_settings`` reads them off
    ``aigeo_assets.resources.settings.Settings`` or anything with the same attributes)."""

    top_ns: tuple[int, ...] = (20,)
    reference_year: int = 2017
    end_year: int = 2019
    start_year: int | None = None
    impact_window: int = 2
    impact_matrix_years: tuple[int, int] = (2013, 2017)
    migration_years: tuple[int, int] = (2015, 2019)
    collaboration_years: tuple[int, int] = (2015, 2019)
    cagr_years: tuple[int, int] = (2010, 2022)

    @property
    def main_n(self) -> int:
        """The top-N of the figures drawn once (Fig. 1, the atlas's Fig. 2): the smallest of ``top_ns``."""
        return min(self.top_ns)

    @classmethod
    def from_settings(cls, settings: Any) -> FigureParams:
        return cls(
            top_ns=tuple(settings.top_ns), reference_year=settings.reference_year, end_year=settings.end_year,
            start_year=settings.start_year, impact_window=settings.impact_window,
            impact_matrix_years=tuple(settings.impact_matrix_years), migration_years=tuple(settings.migration_years),
            collaboration_years=tuple(settings.collaboration_years),
        )

    def words(self) -> dict[str, Any]:
        """The fields of the templates (descriptions, titles, captions, stems)."""
        n = self.main_n
        return dict(
            n=n, ry=self.reference_year, end_year=self.end_year, rank_axis=max(30, n),
            im0=self.impact_matrix_years[0], im1=self.impact_matrix_years[1],
            mg0=self.migration_years[0], mg1=self.migration_years[1],
            co0=self.collaboration_years[0], co1=self.collaboration_years[1],
            cagr0=self.cagr_years[0], cagr1=self.cagr_years[1],
            blocs=BLOCS, ew_betweenness=first_use("East\u2013West betweenness"), max_edges=NETWORK_MAP_MAX_EDGES,
        )


@dataclass(frozen=True)
class Read:
    """An asset a figure reads, and how: ``"table"`` (unpartitioned, one DataFrame), ``"years"``
    (every partition, a DataFrame per year), ``"end_year"`` / ``"reference_year"`` (that one
    partition of a yearly table, one DataFrame)."""

    asset: str
    how: Literal["table", "years", "end_year", "reference_year"] = "table"


@dataclass(frozen=True)
class Panel:
    """One file a figure asset writes (``stem``, a template) and the atlas item that shows it:
    ``number`` (default the figure's), ``title``, ``caption`` (templates), and the numbers behind
    it (``csv(tables, params)``, which needs the tables ``needs``). ``caption_from(tables,
    params)`` writes the caption from the tables, when given."""

    key: str
    stem: str
    title: str
    caption: str
    needs: tuple[str, ...]
    csv: Callable[[Tables, FigureParams], pd.DataFrame | Mapping[str, pd.DataFrame]]
    number: str | None = None
    caption_from: Callable[[Tables, FigureParams], str] | None = None


@dataclass(frozen=True)
class FigureSpec:
    """One figure asset (see the module docstring)."""

    key: str
    asset_name: str
    study: str
    number: str
    description: str
    reads: tuple[Read, ...]
    draw: Callable[[Tables, FigureParams], Drawn]
    panels: tuple[Panel, ...]


# ---------------------------------------------------------------- the numbers behind the figures (CSV)


@dataclass(frozen=True)
class Whole:
    """The CSV of a figure that draws a whole table: that table (stacked over its partitions)."""

    table: str

    def __call__(self, t: Tables, p: FigureParams) -> pd.DataFrame:
        return t[self.table]


def top_city_ids(t: Tables, n: int) -> list[int]:
    top = t["out_top_cities"]
    top = top[pd.to_numeric(top["reference_rank"], errors="coerce") <= n]
    return top.sort_values("reference_rank")["city_geonames_id"].astype("int64").tolist()


def _fig1_rows(t: Tables, metric: str, n: int) -> pd.DataFrame:
    ids = top_city_ids(t, n)
    r = t["out_city_ranks"]
    r = r[(r["metric"] == metric) & r["city_geonames_id"].isin(ids)]
    names = t["out_top_cities"][["city_geonames_id", "city_name", "country_code", "bloc", "reference_rank"]]
    return r.merge(names, on="city_geonames_id", how="left").sort_values(["reference_rank", "year"]).reset_index(drop=True)


@dataclass(frozen=True)
class CityRanks:
    """The CSV of Fig. 1 and Supplementary Fig. 1: the top cities' rows of ``out_city_ranks`` for ``metric``."""

    metric: str

    def __call__(self, t: Tables, p: FigureParams) -> pd.DataFrame:
        return _fig1_rows(t, self.metric, p.main_n)


@dataclass(frozen=True)
class MatrixTopN:
    """The CSV of a Fig. 2 matrix: the rows of ``table`` for the main top-N."""

    table: str

    def __call__(self, t: Tables, p: FigureParams) -> pd.DataFrame:
        m = t[self.table]
        return m[pd.to_numeric(m["top_n"], errors="coerce") == p.main_n].reset_index(drop=True)


def city_map_rows(t: Tables, p: FigureParams) -> pd.DataFrame:
    m = t["out_city_year_metrics"]
    return m[pd.to_numeric(m["year"], errors="coerce") == p.end_year].reset_index(drop=True)


def _with_city_names(df: pd.DataFrame, t: Tables, cols: tuple[str, ...]) -> pd.DataFrame:
    if "out_top_cities" not in t:
        return df
    names = t["out_top_cities"].set_index("city_geonames_id")["city_name"]
    df = df.copy()
    for c in cols:
        df[c.replace("_geonames_id", "_name")] = df[c].map(names)
    return df


@dataclass(frozen=True)
class NetworkEdges:
    """The CSV of a network map: the ``NETWORK_MAP_MAX_EDGES`` heaviest edges it draws, with city names."""

    network: str

    def __call__(self, t: Tables, p: FigureParams) -> pd.DataFrame:
        e = t["out_network_edges"]
        e = e[e["network"] == self.network].nlargest(NETWORK_MAP_MAX_EDGES, "weight").reset_index(drop=True)
        return _with_city_names(e, t, ("source_city_geonames_id", "target_city_geonames_id"))


def bridges_rows(t: Tables, p: FigureParams, top_k: int = 5) -> pd.DataFrame:
    """The rows ``fig_bridges_over_time`` plots: the ``top_k`` bridges of the last window, every year."""
    by = t["out_east_west_betweenness_by_year"]
    last = by["window_end"].max()
    keep = by[(by["window_end"] == last) & (pd.to_numeric(by["rank"], errors="coerce") <= top_k)]
    pairs = set(zip(keep["network"], keep["city_geonames_id"]))
    mask = [(a, b) in pairs for a, b in zip(by["network"], by["city_geonames_id"])]
    return by[mask].sort_values(["network", "city_geonames_id", "window_end"]).reset_index(drop=True)


@dataclass(frozen=True)
class CentreMethod:
    """The CSV of a centre-of-mass trajectory: the rows of one ``method`` (planar, spherical)."""

    method: str

    def __call__(self, t: Tables, p: FigureParams) -> pd.DataFrame:
        c = t["out_centres_of_mass"]
        return c[c["method"] == self.method].reset_index(drop=True)


def international_csv(t: Tables, p: FigureParams) -> dict[str, pd.DataFrame]:
    return {
        "irrs": t["out_lifesci_collaboration_irrs"],
        "by_year": t["out_lifesci_international_by_year"],
        "by_region": t["out_lifesci_international_by_region"],
    }


def outlet_type_csv(t: Tables, p: FigureParams) -> dict[str, pd.DataFrame]:
    s7irr = "out_lifesci_irrs_by_outlet_type"
    return {"by_type": t["out_lifesci_by_outlet_type"], **({"irrs": t[s7irr]} if s7irr in t else {})}


def lifesci_fig1_caption(t: Tables, p: FigureParams) -> str:
    """Fig. 1's caption with the CAGR span the figure's title shows (``yearly_cagr``: ``cagr_years``
    clamped to the years the table holds), saying so when the data end before the span does."""
    caption = LIFESCI_FIG1_CAPTION.format_map(p.words())
    _, (a, b) = yearly_cagr(t["out_lifesci_yearly_counts"], p.cagr_years)
    head = caption.split(" Growth refers")[0]
    text = f"{head} Growth refers to the compound annual growth rate (CAGR {a}\u2013{b})"
    if (a, b) != tuple(p.cagr_years):
        text += f"; the span asked for is {p.cagr_years[0]}\u2013{p.cagr_years[1]}, the data hold {a}\u2013{b}"
    return text + "."


# ---------------------------------------------------------------- the draw functions


def _city_figures(t: Tables, p: FigureParams, metric: str, stem: str) -> Drawn:
    n = p.main_n
    return [(stem, fig_city_heatmaps(t["out_city_ranks"], t["out_top_cities"], metric, top_n=n)),
            (f"{stem}_ranks", fig_city_ranks(t["out_city_ranks"], t["out_top_cities"], metric, top_n=n))]


def draw_city_impact(t: Tables, p: FigureParams) -> Drawn:
    return _city_figures(t, p, "impact", "fig1_impact")


def draw_city_productivity(t: Tables, p: FigureParams) -> Drawn:
    return _city_figures(t, p, "productivity", "fig1_productivity")


def draw_city_ai_scientists(t: Tables, p: FigureParams) -> Drawn:
    return _city_figures(t, p, "ai_scientists", "fig1_ai_scientists")


def draw_city_impact_long(t: Tables, p: FigureParams) -> Drawn:
    return _city_figures(t, p, "impact_long", "figS1_impact_long")


def _matrix_figures(t: Tables, p: FigureParams, matrix: str, title: str, diverging: bool = False) -> Drawn:
    """A matrix for every top-N of ``p.top_ns``."""
    return [(f"fig2_{matrix}_matrix_top{n}",
             fig_city_matrix(t[f"out_{matrix}_matrix"], title=f"{title} (top {n})", top_n=n, diverging=diverging, kind=matrix))
            for n in p.top_ns]


def draw_impact_matrix(t: Tables, p: FigureParams) -> Drawn:
    return _matrix_figures(t, p, "impact", "Citations from row city to column city")


def draw_over_impact_matrix(t: Tables, p: FigureParams) -> Drawn:
    return _matrix_figures(t, p, "over_impact", "Over-impact: observed minus expected citations", diverging=True)


def draw_migration_matrix(t: Tables, p: FigureParams) -> Drawn:
    return _matrix_figures(t, p, "migration", "AI scientists' moves from row city to column city")


def draw_collaboration_matrix(t: Tables, p: FigureParams) -> Drawn:
    return _matrix_figures(t, p, "collaboration", "Papers with the last author in the row city and a co-author in the column city")


def draw_top_city_shares(t: Tables, p: FigureParams) -> Drawn:
    return [("supp_fig2_top_city_shares", fig_top_city_shares(t["out_top_city_shares"]))]


def draw_disruption_ranks(t: Tables, p: FigureParams) -> Drawn:
    return [("supp_fig3a_disruptive", fig_disruption_ranks(t["out_disruption_city_ranks"], "disruptive")),
            ("supp_fig3b_developmental", fig_disruption_ranks(t["out_disruption_city_ranks"], "developmental"))]


def draw_venue_east_west(t: Tables, p: FigureParams) -> Drawn:
    return [("supp_fig4_venue_east_west", fig_venue_east_west(t["out_venue_east_west"]))]


def draw_city_map(t: Tables, p: FigureParams) -> Drawn:
    return [(f"map_productivity_{p.end_year}", fig_city_map(t["out_city_year_metrics"], p.end_year))]


def draw_east_west_betweenness(t: Tables, p: FigureParams) -> Drawn:
    return [("fig3_east_west_betweenness", fig_betweenness_bars(t["out_east_west_betweenness"]))]


def draw_network_maps(t: Tables, p: FigureParams) -> Drawn:
    return [(f"fig3_{network}_network_map", fig_network_map(t["out_network_edges"], t["out_city_year_metrics"], network=network))
            for network in ("impact", "migration", "collaboration")]


def draw_bridges_over_time(t: Tables, p: FigureParams) -> Drawn:
    return [("bridges_over_time", fig_bridges_over_time(concat_partitions(t["out_east_west_betweenness_by_year"])))]


def draw_centre_trajectories(t: Tables, p: FigureParams) -> Drawn:
    return [("fig4_centre_trajectories", fig_centre_trajectories(concat_partitions(t["out_centres_of_mass"]), method="planar")),
            ("fig4_centre_trajectories_spherical", fig_centre_trajectories(concat_partitions(t["out_centres_of_mass"]), method="spherical"))]


def draw_focal_pull(t: Tables, p: FigureParams) -> Drawn:
    return [("fig4_focal_pull", fig_focal_pull(concat_partitions(t["out_focal_pull"])))]


def draw_gravity_by_year(t: Tables, p: FigureParams) -> Drawn:
    return [("gravity_elasticities_by_year", fig_elasticities_by_year(concat_partitions(t["out_gravity_citations_by_year"])))]


def draw_gravity_comparison(t: Tables, p: FigureParams) -> Drawn:
    return [("gravity_comparison", fig_gravity_comparison(t["out_gravity_citations_coefficients"]))]


def draw_lifesci_yearly_counts(t: Tables, p: FigureParams) -> Drawn:
    counts = t["out_lifesci_yearly_counts"]
    return [("lifesci_fig1_yearly_counts", L.fig_yearly_counts(counts, *yearly_cagr(counts, p.cagr_years)))]


def draw_lifesci_country_map(t: Tables, p: FigureParams) -> Drawn:
    return [("lifesci_fig2_country_map", L.fig_country_map(t["out_lifesci_country_counts"]))]


def draw_lifesci_topics(t: Tables, p: FigureParams) -> Drawn:
    return [("lifesci_fig3_topics", L.fig_topic_heatmap(t["out_lifesci_topic_shares"]))]


def draw_lifesci_clinical(t: Tables, p: FigureParams) -> Drawn:
    return [("lifesci_fig4_clinical", L.fig_clinical_by_country(t["out_lifesci_clinical_by_country"]))]


def draw_lifesci_high_ranked_by_country(t: Tables, p: FigureParams) -> Drawn:
    return [("lifesci_fig5_high_ranked", L.fig_high_ranked_by_country(t["out_lifesci_high_ranked_by_country"]))]


def draw_lifesci_high_ranked_by_region(t: Tables, p: FigureParams) -> Drawn:
    return [("lifesci_fig6_high_ranked_regions", L.fig_high_ranked_by_region_year(t["out_lifesci_high_ranked_by_region_year"]))]


def draw_lifesci_relevance(t: Tables, p: FigureParams) -> Drawn:
    return [("lifesci_fig7_relevance", L.fig_relevance_irrs(t["out_lifesci_relevance_irrs"]))]


def draw_lifesci_international(t: Tables, p: FigureParams) -> Drawn:
    return [("lifesci_fig8_international", L.fig_international_collaboration(
        t["out_lifesci_collaboration_irrs"], t["out_lifesci_international_by_year"], t["out_lifesci_international_by_region"]))]


def draw_lifesci_dyads(t: Tables, p: FigureParams) -> Drawn:
    return [("lifesci_fig9_dyads", L.fig_collaboration_sankey(t["out_lifesci_dyads"]))]


def draw_lifesci_outlet_sample(t: Tables, p: FigureParams) -> Drawn:
    return [("lifesci_fig7_outlet_sample", L.fig_outlet_sample_irrs(t["out_lifesci_outlet_sample_irrs"]))]


def draw_lifesci_intl_high_ranked(t: Tables, p: FigureParams) -> Drawn:
    return [("lifesci_intl_high_ranked", L.fig_intl_high_ranked(t["out_lifesci_intl_high_ranked"]))]


def draw_lifesci_by_outlet_type(t: Tables, p: FigureParams) -> Drawn:
    return [("lifesci_s7_outlet_type", L.fig_by_outlet_type(t["out_lifesci_by_outlet_type"]))]


# ---------------------------------------------------------------- the catalogue

_TOP = ("out_city_ranks", "out_top_cities")
_TOP_READS = (Read("out_city_ranks"), Read("out_top_cities"))
_FIG1_COMMON = ("The {n} cities most impactful in AI in {ry}; cities in the U.S. or Europe are \u201cWestern\u201d (blue), "
                "the others \u201cEastern\u201d (red).")
_RANKS = ("The same numbers as ranks: each of the top {n} cities' rank by %s per year. The axis shows ranks 1\u2013"
          "{rank_axis}; a year in which a city ranks lower is left out of its line.")
_LONG_WHAT = "AI impact over the long window (citations received within five years of publication; AIGEO_LONG_IMPACT_WINDOW)"


def _fig1_panels(letter: str, metric: str, label: str, what: str) -> tuple[Panel, Panel]:
    """Fig. 1's two files of one metric: the heatmaps and the ranks."""
    return (
        Panel(f"fig1{letter}_{metric}", f"fig1_{metric}", f"{label} of the top cities",
              f"{_FIG1_COMMON} Left: {what} per year, greater colour intensity meaning more; right: the relative, rather than "
              "the absolute, difference between cities each year.", _TOP, CityRanks(metric)),
        Panel(f"fig1{letter}_{metric}_ranks", f"fig1_{metric}_ranks", f"{label}: the top cities' ranks over time",
              _RANKS % what, _TOP, CityRanks(metric)),
    )


_FIG1_DESCRIPTION = ("AlShebli et al. 2022 Fig. 1%s: the top {n} cities x years, %s, absolute and relative, "
                     "with each city's rank over time.")
_FIG2_DESCRIPTION = "AlShebli et al. 2022 Fig. 2%s (and Supplementary Figs. 6-9 for the larger top-city sets): %s, East first then West ({blocs})."
LIFESCI_FIG1_CAPTION = (
    "Yearly counts of articles with AI-related keywords in titles or abstracts. Growth refers to the compound annual "
    "growth rate (CAGR {cagr0}\u2013{cagr1}, over the years of it the data hold).")

FIGURES: tuple[FigureSpec, ...] = (
    FigureSpec(
        "city_impact", "out_fig_city_impact", ALSHEBLI, "Fig. 1a", _FIG1_DESCRIPTION % ("a", "impact"), _TOP_READS,
        draw_city_impact,
        _fig1_panels("a", "impact", "AI impact", "AI impact (citations received within two years of publication)")),
    FigureSpec(
        "city_productivity", "out_fig_city_productivity", ALSHEBLI, "Fig. 1b", _FIG1_DESCRIPTION % ("b", "productivity"),
        _TOP_READS, draw_city_productivity,
        _fig1_panels("b", "productivity", "AI productivity", "AI productivity (papers whose last author is in the city)")),
    FigureSpec(
        "city_ai_scientists", "out_fig_city_ai_scientists", ALSHEBLI, "Fig. 1c", _FIG1_DESCRIPTION % ("c", "AI scientists"),
        _TOP_READS, draw_city_ai_scientists,
        _fig1_panels("c", "ai_scientists", "AI scientists", "the number of AI scientists")),
    FigureSpec(
        "impact_matrix", "out_fig_impact_matrix", ALSHEBLI, "Fig. 2a",
        _FIG2_DESCRIPTION % ("a", "citations from row city to column city"), (Read("out_impact_matrix"),), draw_impact_matrix,
        (Panel("fig2a_impact", "fig2_impact_matrix_top{n}", "AI impact between the top cities (top {n})",
               "The number of citations from the row city i to the column city j over {im0}\u2013{im1}: for every paper of j in "
               "year y, the citations it received from papers in i during the years y, y + 1 and y + 2. East first, then West "
               "({blocs}).", ("out_impact_matrix",), MatrixTopN("out_impact_matrix")),)),
    FigureSpec(
        "over_impact_matrix", "out_fig_over_impact_matrix", ALSHEBLI, "Fig. 2b",
        _FIG2_DESCRIPTION % ("b", "over-impact: observed minus expected citations"), (Read("out_over_impact_matrix"),),
        draw_over_impact_matrix,
        (Panel("fig2b_over_impact", "fig2_over_impact_matrix_top{n}", "AI over-impact between the top cities (top {n})",
               "Similar to (a) but after subtracting from each cell the expected number of citations under the baseline model "
               "in which citations are random: positive cells over-impact, negative cells under-impact.",
               ("out_over_impact_matrix",), MatrixTopN("out_over_impact_matrix")),)),
    FigureSpec(
        "migration_matrix", "out_fig_migration_matrix", ALSHEBLI, "Fig. 2c",
        _FIG2_DESCRIPTION % ("c", "AI scientists' moves from row city to column city"), (Read("out_migration_matrix"),),
        draw_migration_matrix,
        (Panel("fig2c_migration", "fig2_migration_matrix_top{n}", "AI scientists' migration between the top cities (top {n})",
               "The diagonal: AI scientists whose location in {mg0} coincides with their location in {mg1}; every other cell: "
               "AI scientists who relocated from the row city to the column city between {mg0} and {mg1}.",
               ("out_migration_matrix",), MatrixTopN("out_migration_matrix")),)),
    FigureSpec(
        "collaboration_matrix", "out_fig_collaboration_matrix", ALSHEBLI, "Fig. 2d",
        _FIG2_DESCRIPTION % ("d", "papers with the last author in the row city and a co-author in the column city"),
        (Read("out_collaboration_matrix"),), draw_collaboration_matrix,
        (Panel("fig2d_collaboration", "fig2_collaboration_matrix_top{n}", "AI scientists' collaboration between the top cities (top {n})",
               "Collaborations from the row city i to the column city j over {co0}\u2013{co1}: papers whose last author is in i "
               "with at least one co-author in j.", ("out_collaboration_matrix",), MatrixTopN("out_collaboration_matrix")),)),
    FigureSpec(
        "city_impact_long", "out_fig_city_impact_long", ALSHEBLI, "Supplementary Fig. 1",
        "AlShebli et al. 2022 Supplementary Fig. 1: Fig. 1a with the long impact window (AIGEO_LONG_IMPACT_WINDOW, five years): "
        "the top {n} cities x years, absolute and relative, with each city's rank over time.",
        _TOP_READS, draw_city_impact_long,
        (Panel("figS1_impact_long", "figS1_impact_long", "AI impact of the top cities, five-year window",
               f"The {{n}} cities most impactful in AI in {{ry}}, as in Fig. 1a. Left: {_LONG_WHAT} per year; right: the relative "
               "difference between cities each year. Years whose window is not complete yet are greyed.", _TOP, CityRanks("impact_long")),
         Panel("figS1_impact_long_ranks", "figS1_impact_long_ranks", "AI impact, five-year window: the top cities' ranks over time",
               _RANKS % _LONG_WHAT, _TOP, CityRanks("impact_long")))),
    FigureSpec(
        "top_city_shares", "out_fig_top_city_shares", ALSHEBLI, "Supplementary Fig. 2",
        "AlShebli et al. 2022 Supplementary Fig. 2: the top cities' share of world impact, productivity and AI scientists.",
        (Read("out_top_city_shares"),), draw_top_city_shares,
        (Panel("supp_fig2_top_city_shares", "supp_fig2_top_city_shares", "The top cities' share of the world",
               "How much of the global AI research activity the top cities control: their share of world impact, productivity "
               "and AI scientists, year by year.", ("out_top_city_shares",), Whole("out_top_city_shares")),)),
    FigureSpec(
        "disruption_ranks", "out_fig_disruption_ranks", ALSHEBLI, "Supplementary Fig. 3",
        "AlShebli et al. 2022 Supplementary Fig. 3a/3b: cities ranked each year by their papers among the 10 % most disruptive and "
        "the 10 % most developmental AI papers, by the consolidation\u2013disruption (CD) index.",
        (Read("out_disruption_city_ranks"),), draw_disruption_ranks,
        tuple(Panel(
            f"supp_fig3{letter}_{kind}", f"supp_fig3{letter}_{kind}", f"Cities by their {words} AI papers",
            f"The annual ranking of cities by the number of their AI papers among the 10 % {words} AI papers of the year, "
            "by the consolidation\u2013disruption (CD) index of Funk & Owen-Smith and Wu et al. (citers within five years of publication, "
            "AIGEO_DISRUPTION_WINDOW): a citer that ignores the paper's references makes it disruptive (CD near 1), one "
            "that cites them too developmental (near -1). The ten cities with the most such papers over all years are "
            "drawn; years whose window is not complete yet are greyed.",
            ("out_disruption_city_ranks",), Whole("out_disruption_city_ranks"), number=f"Supplementary Fig. 3{letter}")
            for letter, kind, words in (("a", "disruptive", "most disruptive"), ("b", "developmental", "most developmental")))),
    FigureSpec(
        "venue_east_west", "out_fig_venue_east_west", ALSHEBLI, "Supplementary Fig. 4",
        "AlShebli et al. 2022 Supplementary Fig. 4: Eastern and Western AI papers per year in each of the top 20 AI venues ({blocs}).",
        (Read("out_venue_east_west"),), draw_venue_east_west,
        (Panel("supp_fig4_venue_east_west", "supp_fig4_venue_east_west", "East and West in the top AI venues",
               "For each of the top 20 AI venues, the annual number of Eastern (red) and Western (blue) AI papers published in "
               "it ({blocs}). The paper took its venues from an external list; here they are the 20 venues with the most AI papers.",
               ("out_venue_east_west",), Whole("out_venue_east_west")),)),
    FigureSpec(
        "city_map", "out_fig_city_map", ALSHEBLI, "Map",
        "A world map of AI productivity by city in {end_year}, East red, West blue ({blocs}).",
        (Read("out_city_year_metrics", "end_year"),), draw_city_map,
        (Panel("map_productivity", "map_productivity_{end_year}", "AI productivity by city, {end_year}",
               "Beyond the paper: AI papers per city in {end_year} on a world map, East red, West blue ({blocs}).",
               ("out_city_year_metrics",), city_map_rows),)),
    FigureSpec(
        "east_west_betweenness", "out_fig_east_west_betweenness", ALSHEBLI, "Fig. 3",
        "AlShebli et al. 2022 Fig. 3: {ew_betweenness} of the top cities on each network, East red, West blue ({blocs}).",
        (Read("out_east_west_betweenness"),), draw_east_west_betweenness,
        (Panel("fig3_east_west_betweenness", "fig3_east_west_betweenness", "East\u2013West betweenness of the top cities",
               "Betweenness centrality counting only the shortest paths from an Eastern to a Western city or vice versa, on the "
               "networks of impact, migration and collaboration among the 100 cities most impactful in AI in {ry} ({blocs}).",
               ("out_east_west_betweenness",), Whole("out_east_west_betweenness")),)),
    FigureSpec(
        "network_maps", "out_fig_network_maps", ALSHEBLI, "Fig. 3",
        "AlShebli et al. 2022 Fig. 3: the impact, migration and collaboration networks on a world map, edge width by flow.",
        (Read("out_network_edges"), Read("out_city_year_metrics", "reference_year")), draw_network_maps,
        tuple(Panel(
            f"fig3_{network}_network_map", f"fig3_{network}_network_map", f"The {network} network on a world map",
            f"Beyond the paper's bars: the {network} network between the top cities drawn on a world map, edge width by "
            "flow, East\u2013West edges highlighted; its {max_edges} heaviest edges are drawn, and are the "
            "CSV (the whole network is the table out_network_edges; {blocs}).",
            ("out_network_edges",), NetworkEdges(network)) for network in ("impact", "migration", "collaboration"))),
    FigureSpec(
        "bridges_over_time", "out_fig_bridges_over_time", ALSHEBLI, "Fig. 3",
        "{ew_betweenness} of the leading bridges on five-year windows, year by year (beyond the paper; {blocs}).",
        (Read("out_east_west_betweenness_by_year", "years"),), draw_bridges_over_time,
        (Panel("bridges_over_time", "bridges_over_time", "The bridges over time",
               "Beyond the paper: {ew_betweenness} of the leading bridges on five-year windows ending each year ({blocs}).",
               ("out_east_west_betweenness_by_year",), bridges_rows),)),
    FigureSpec(
        "centre_trajectories", "out_fig_centre_trajectories", ALSHEBLI, "Fig. 4",
        "AlShebli et al. 2022 Fig. 4: the centres of mass of impact, productivity and AI scientists, year by year, on a world map.",
        (Read("out_centres_of_mass", "years"),), draw_centre_trajectories,
        (Panel("fig4_centre_trajectories", "fig4_centre_trajectories", "Trajectory of the centres of mass of AI research",
               "The centre of mass of AI impact, productivity and AI scientists year by year: the average of the cities' latitude "
               "and longitude weighted by the metric.", ("out_centres_of_mass",), CentreMethod("planar")),
         Panel("fig4_centre_trajectories_spherical", "fig4_centre_trajectories_spherical", "The centres of mass on the sphere",
               "Beyond the paper: the same centres computed on the sphere (mean unit vector) rather than in latitude and longitude.",
               ("out_centres_of_mass",), CentreMethod("spherical")))),
    FigureSpec(
        "focal_pull", "out_fig_focal_pull", ALSHEBLI, "Fig. 4",
        "AlShebli et al. 2022 Fig. 4: how far the focal city (default Beijing) pulls the centre of mass, per year.",
        (Read("out_focal_pull", "years"),), draw_focal_pull,
        (Panel("fig4_focal_pull", "fig4_focal_pull", "Beijing's pull on the centre of mass",
               "The focal city's influence (Beijing by default), measured each year as the distance in kilometres between the "
               "centre of mass of all cities and the one of all cities except it.", ("out_focal_pull",), Whole("out_focal_pull")),)),
    FigureSpec(
        "gravity_by_year", "out_fig_gravity_by_year", ALSHEBLI, "Gravity",
        "Beyond AlShebli et al. 2022's Table 1: the gravity model's size elasticities and frictions fitted year by year, with 95% intervals.",
        (Read("out_gravity_citations_by_year", "years"),), draw_gravity_by_year,
        (Panel("gravity_elasticities_by_year", "gravity_elasticities_by_year", "The gravity model year by year",
               "Beyond the paper: specification (4)'s size elasticities and frictions fitted on each year, with 95% intervals.",
               ("out_gravity_citations_by_year",), Whole("out_gravity_citations_by_year")),)),
    FigureSpec(
        "gravity_comparison", "out_fig_gravity_comparison", ALSHEBLI, "Gravity",
        "The frictions of the citation gravity model: Table 1's Poisson pseudo-maximum likelihood (PPML) fit (4), the structural PPML "
        "and the log-linear ordinary least squares (OLS).",
        (Read("out_gravity_citations_coefficients"),), draw_gravity_comparison,
        (Panel("gravity_comparison", "gravity_comparison", "The frictions by three estimators",
               "The frictions of the citation gravity model by Table 1's Poisson pseudo-maximum likelihood (PPML) fit (4), the "
               "structural PPML and the log-linear ordinary least squares (OLS), with 95% intervals.",
               ("out_gravity_citations_coefficients",), Whole("out_gravity_citations_coefficients")),)),
    FigureSpec(
        "lifesci_yearly_counts", "out_fig_lifesci_yearly_counts", SCHMALLENBACH, "Fig. 1",
        "Schmallenbach et al. 2024 Fig. 1: AI life-science articles per year and their compound annual growth.",
        (Read("out_lifesci_yearly_counts"),), draw_lifesci_yearly_counts,
        (Panel("lifesci_fig1_yearly_counts", "lifesci_fig1_yearly_counts", "Evolution of the AI research enterprise in the life sciences",
               LIFESCI_FIG1_CAPTION, ("out_lifesci_yearly_counts",), Whole("out_lifesci_yearly_counts"),
               caption_from=lifesci_fig1_caption),)),
    FigureSpec(
        "lifesci_country_map", "out_fig_lifesci_country_map", SCHMALLENBACH, "Fig. 2",
        "Schmallenbach et al. 2024 Fig. 2: articles by country on a world map.",
        (Read("out_lifesci_country_counts"),), draw_lifesci_country_map,
        (Panel("lifesci_fig2_country_map", "lifesci_fig2_country_map", "Geography of the AI life science research enterprise in terms of productivity",
               "Counts of AI-focused life science articles by country, cumulated over the years.",
               ("out_lifesci_country_counts",), Whole("out_lifesci_country_counts")),)),
    FigureSpec(
        "lifesci_topics", "out_fig_lifesci_topics", SCHMALLENBACH, "Fig. 3",
        "Schmallenbach et al. 2024 Fig. 3: the top countries x the top topics, share of each country's articles.",
        (Read("out_lifesci_topic_shares"),), draw_lifesci_topics,
        (Panel("lifesci_fig3_topics", "lifesci_fig3_topics", "Heatmap of relative country focus with respect to publication topics",
               "The most productive countries grouped by geographic region against the publication topics in descending order; "
               "the colour is the percentage share of a country's productivity in the topic.",
               ("out_lifesci_topic_shares",), Whole("out_lifesci_topic_shares")),)),
    FigureSpec(
        "lifesci_clinical", "out_fig_lifesci_clinical", SCHMALLENBACH, "Fig. 4",
        "Schmallenbach et al. 2024 Fig. 4: clinical AI research by country.",
        (Read("out_lifesci_clinical_by_country"),), draw_lifesci_clinical,
        (Panel("lifesci_fig4_clinical", "lifesci_fig4_clinical", "Clinical AI research across countries",
               "The share of a country's clinical research relative to global clinical research production and relative to all "
               "publications of the same country, for the 30 most productive countries in clinical articles.",
               ("out_lifesci_clinical_by_country",), Whole("out_lifesci_clinical_by_country")),)),
    FigureSpec(
        "lifesci_high_ranked_by_country", "out_fig_lifesci_high_ranked_by_country", SCHMALLENBACH, "Fig. 5",
        "Schmallenbach et al. 2024 Fig. 5: share of articles in high-ranked outlets by country.",
        (Read("out_lifesci_high_ranked_by_country"),), draw_lifesci_high_ranked_by_country,
        (Panel("lifesci_fig5_high_ranked_by_country", "lifesci_fig5_high_ranked", "Geography in terms of quality-adjusted productivity, by country",
               "Percentage shares of AI-focused life science articles published in high-ranked outlets by country, cumulated "
               "over the years; countries with at least 100 publications.",
               ("out_lifesci_high_ranked_by_country",), Whole("out_lifesci_high_ranked_by_country")),)),
    FigureSpec(
        "lifesci_high_ranked_by_region", "out_fig_lifesci_high_ranked_by_region", SCHMALLENBACH, "Fig. 6",
        "Schmallenbach et al. 2024 Fig. 6: share of articles in high-ranked outlets by region and year.",
        (Read("out_lifesci_high_ranked_by_region_year"),), draw_lifesci_high_ranked_by_region,
        (Panel("lifesci_fig6_high_ranked_by_region", "lifesci_fig6_high_ranked_regions", "Geography in terms of quality-adjusted productivity, by region",
               "Percentage shares of AI life science articles published in high-ranked outlets by geographic region and per year.",
               ("out_lifesci_high_ranked_by_region_year",), Whole("out_lifesci_high_ranked_by_region_year")),)),
    FigureSpec(
        "lifesci_relevance", "out_fig_lifesci_relevance", SCHMALLENBACH, "Fig. 7",
        "Schmallenbach et al. 2024 Fig. 7: citation incidence-rate ratios (IRRs) by region (base Asia), without and with outlet effects.",
        (Read("out_lifesci_relevance_irrs"),), draw_lifesci_relevance,
        (Panel("lifesci_fig7_relevance", "lifesci_fig7_relevance", "Geography of the relevance of AI life science articles",
               "Incidence rate ratios with 95% confidence intervals from negative binomial regressions of forward citations on "
               "dummies for the region of the research, Asia the base. A (life-science citations) and B (clinical citations) "
               "account for the publication year only; C (clinical) and D (life-science) also for the publishing outlets.",
               ("out_lifesci_relevance_irrs",), Whole("out_lifesci_relevance_irrs")),)),
    FigureSpec(
        "lifesci_international", "out_fig_lifesci_international", SCHMALLENBACH, "Fig. 8",
        "Schmallenbach et al. 2024 Fig. 8: the incidence-rate ratio (IRR) of international collaboration on citations, its share over "
        "time and by region.",
        (Read("out_lifesci_collaboration_irrs"), Read("out_lifesci_international_by_year"), Read("out_lifesci_international_by_region")),
        draw_lifesci_international,
        (Panel("lifesci_fig8_international", "lifesci_fig8_international", "Characteristics of international collaborations",
               "(A) Incidence rate ratios (IRRs) of international collaboration on citations and clinical citations, accounting for the lead author's "
               "country, team size and publication year; (B) the share of international collaborations over time; (C) by the "
               "lead author's region.",
               ("out_lifesci_collaboration_irrs", "out_lifesci_international_by_year", "out_lifesci_international_by_region"), international_csv),)),
    FigureSpec(
        "lifesci_dyads", "out_fig_lifesci_dyads", SCHMALLENBACH, "Fig. 9",
        "Schmallenbach et al. 2024 Fig. 9: international collaborations between regions (Sankey).",
        (Read("out_lifesci_dyads"),), draw_lifesci_dyads,
        (Panel("lifesci_fig9_dyads", "lifesci_fig9_dyads", "International collaborations between regions",
               "Dyadic collaborations between a publication's lead author (last author, else first) and any other author from "
               "a different country, aggregated to the regional level; only international dyads.",
               ("out_lifesci_dyads",), Whole("out_lifesci_dyads")),)),
    FigureSpec(
        "lifesci_outlet_sample", "out_fig_lifesci_outlet_sample", SCHMALLENBACH_SIDE, "Fig. 7, smaller samples",
        "Schmallenbach et al. 2024 Fig. 7 on the outlet-effect samples: unadjusted, unadjusted on the outlet-effect sample, with outlet effects.",
        (Read("out_lifesci_outlet_sample_irrs"),), draw_lifesci_outlet_sample,
        (Panel("lifesci_fig7_outlet_sample", "lifesci_fig7_outlet_sample", "Fig. 7 on the samples of the outlet-effect models",
               "Each region's incidence-rate ratio (IRR; base Asia) three ways: year effects on all articles (A, B), year effects on exactly the articles "
               "the outlet-effect model keeps (outlets never cited dropped), and year and outlet effects (D, C). The first step "
               "is what the smaller sample changes, the second what the outlet control changes (sample_share_of_gap).",
               ("out_lifesci_outlet_sample_irrs",), Whole("out_lifesci_outlet_sample_irrs")),)),
    FigureSpec(
        "lifesci_intl_high_ranked", "out_fig_lifesci_intl_high_ranked", SCHMALLENBACH_SIDE, "Results (Fig. 8)",
        "Schmallenbach et al. 2024: international vs national articles in high-ranked outlets (the paper: 35% more often).",
        (Read("out_lifesci_intl_high_ranked"),), draw_lifesci_intl_high_ranked,
        (Panel("lifesci_intl_high_ranked", "lifesci_intl_high_ranked", "International articles in high-ranked outlets",
               "Schmallenbach et al. 2024: \u201cinternational collaborations also tend to publish 35% more frequently in high-ranking research "
               "outlets than national collaborations, on average\u201d. The ratio of the shares in high-ranked outlets "
               "(international / national, Katz 95% interval) and the same ratio with publication-year effects (modified "
               "Poisson (Poisson regression of a yes/no outcome with robust errors), robust interval).",
               ("out_lifesci_intl_high_ranked",), Whole("out_lifesci_intl_high_ranked")),)),
    FigureSpec(
        "lifesci_by_outlet_type", "out_fig_lifesci_by_outlet_type", SCHMALLENBACH_SIDE, "Supplementary S7",
        "Schmallenbach et al. 2024 Supplementary S7: life-science journals and computer-science conference proceedings by lead region.",
        (Read("out_lifesci_by_outlet_type"),), draw_lifesci_by_outlet_type,
        (Panel("lifesci_s7_outlet_type", "lifesci_s7_outlet_type", "Life-science journals and computer-science conferences",
               "The atlas split by outlet type (journals: life science; conference proceedings: computer science) and lead region: "
               "share of the type's articles, share in high-ranked outlets, share international, mean citations; the data also "
               "hold the Fig. 7 models fitted on each type.", ("out_lifesci_by_outlet_type",), outlet_type_csv),)),
)
"""Every figure asset, in the atlas's order."""

FIGURES_BY_ASSET: dict[str, FigureSpec] = {spec.asset_name: spec for spec in FIGURES}
