"""Figures of the bridges between East and West (AlShebli et al. 2022, Fig. 3), pure plotly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from aigeo_assets.reports.city_figures import OTHER_COLOR, bloc_color, bloc_subtitle, style_world_map, year_ticks
from aigeo_assets.reports.glossary import BLOCS

EAST_WEST_COLOR = "#7f3c8d"  # purple: an edge between an Eastern and a Western city
FLOW_UNITS = {"impact": "citations", "migration": "AI scientists", "collaboration": "papers", "normalized_impact": ""}
DASHES = ("solid", "dash", "dot", "dashdot", "longdash")
EAST_WEST_BETWEENNESS = "East\u2013West betweenness (shortest paths from an Eastern to a Western city"
"""The first use of the term in a figure's title, its plain words right after it (``glossary``); the
title closes the parenthesis with what the paths go through."""
NETWORK_LABELS = {
    "impact": "Impact (citations)",
    "migration": "Migration (AI scientists)",
    "collaboration": "Collaboration (papers)",
    "normalized_impact": "Normalized impact",
}


def fig_betweenness_bars(scores: pd.DataFrame, *, top_k: int = 20) -> go.Figure:
    """Fig. 3 (bars): the ``top_k`` cities by East-West betweenness on each network, coloured by bloc."""
    networks = [n for n in NETWORK_LABELS if n in set(scores["network"])]
    fig = make_subplots(rows=1, cols=max(len(networks), 1), subplot_titles=[NETWORK_LABELS[n] for n in networks], horizontal_spacing=0.08)
    for col, network in enumerate(networks, start=1):
        top = scores[scores["network"] == network].nsmallest(top_k, "rank").iloc[::-1]
        fig.add_trace(
            go.Bar(
                x=top["east_west_betweenness"],
                y=top["city_name"],
                orientation="h",
                marker_color=[bloc_color(b) for b in top["bloc"]],
                customdata=np.stack([top["east_west_path_share"], top["betweenness"]], axis=1),
                hovertemplate="%{y}: %{x:.1f}<br>mean share of an East-West pair's shortest paths %{customdata[0]:.1%}"
                "<br>standard betweenness %{customdata[1]:.1f}<extra></extra>",
                showlegend=False,
            ),
            row=1,
            col=col,
        )
    for bloc in ("East", "West"):  # the bar colours explained
        fig.add_trace(go.Bar(x=[None], y=[None], orientation="h", marker_color=bloc_color(bloc), name=f"{bloc}ern city",
                             showlegend=True, hoverinfo="skip"), row=1, col=1)
    # a short title under each panel (the long one overlapped its neighbours' with four networks); the title says what it counts
    fig.update_xaxes(title="East\u2013West betweenness", title_font_size=11)
    fig.update_layout(title=dict(text=f"Top cities by {EAST_WEST_BETWEENNESS} through them)",
                                 y=0.985, yanchor="top"), template="plotly_white",
                      height=700, margin=dict(t=110),
                      # the key says what the blocs are (glossary.BLOCS): the figure may be read on its own
                      legend=dict(orientation="h", x=0, y=1.06, xanchor="left", yanchor="bottom", title=dict(text=f"{BLOCS}:")))
    return fig


NETWORK_MAP_MAX_EDGES = 300
"""A network map draws the heaviest 300 edges (the atlas's CSV beside it holds those edges)."""


def fig_network_map(edges: pd.DataFrame, cities: pd.DataFrame, *, network: str = "impact",
                    max_edges: int = NETWORK_MAP_MAX_EDGES) -> go.Figure:
    """Fig. 3 (map): a network on a world map, edge width by flow (the heaviest ``max_edges`` edges).

    ``edges``: ``out_network_edges``; ``cities``: city_geonames_id, city_name, bloc, latitude,
    longitude (e.g. ``out_city_year_metrics`` of the reference year).
    """
    pos = cities.drop_duplicates("city_geonames_id").set_index("city_geonames_id")
    e = edges[edges["network"] == network].nlargest(max_edges, "weight")
    e = e[e["source_city_geonames_id"].isin(pos.index) & e["target_city_geonames_id"].isin(pos.index)]
    fig = go.Figure()
    top_weight = float(e["weight"].max()) if len(e) else 1.0

    def width(w: float) -> float:
        return 0.5 + 6 * w / top_weight

    def edge_color(x, y) -> str:
        """Within a bloc its colour, East-West purple, an edge to a city of no known bloc grey."""
        if pd.isna(x) or pd.isna(y) or str(x) not in ("East", "West") or str(y) not in ("East", "West"):
            return OTHER_COLOR
        return bloc_color(x) if str(x) == str(y) else EAST_WEST_COLOR

    colors = set()
    lon, lat, bloc, name = (pos[c].to_dict() for c in ("longitude", "latitude", "bloc", "city_name"))
    edge_traces = []  # added at once: a trace added one at a time is copied and checked again (issue 13)
    for s, t, w in zip(e["source_city_geonames_id"], e["target_city_geonames_id"], e["weight"]):
        color = edge_color(bloc[s], bloc[t])
        colors.add(color)
        edge_traces.append(
            go.Scattergeo(
                lon=[lon[s], lon[t]],
                lat=[lat[s], lat[t]],
                mode="lines",
                line={"width": width(w), "color": color},
                opacity=0.55,
                hoverinfo="text",
                text=f"{name[s]} → {name[t]}: {w:,.1f}",
                showlegend=False,
            )
        )
    fig.add_traces(edge_traces)
    nodes = pos.loc[sorted(set(e["source_city_geonames_id"]) | set(e["target_city_geonames_id"]))]
    fig.add_trace(
        go.Scattergeo(
            lon=nodes["longitude"],
            lat=nodes["latitude"],
            mode="markers",
            marker={"size": 6, "color": [bloc_color(b) for b in nodes["bloc"]]},
            text=nodes["city_name"],
            hoverinfo="text",
            showlegend=False,
        )
    )
    # the legend: what the colours are, and what a width means (a quarter, half and all of the largest flow)
    for name, color in (("within the East", bloc_color("East")), ("within the West", bloc_color("West")),
                        ("East\u2013West", EAST_WEST_COLOR)) + ((("to a city of no known bloc", OTHER_COLOR),) if OTHER_COLOR in colors else ()):
        fig.add_trace(go.Scattergeo(lon=[None], lat=[None], mode="lines", line={"width": 3, "color": color}, name=name,
                                    legendgroup="colour", legendgrouptitle_text="edge colour"))
    if len(e):
        for share in (0.25, 0.5, 1.0):
            fig.add_trace(go.Scattergeo(lon=[None], lat=[None], mode="lines", line={"width": width(share * top_weight), "color": "#777"},
                                        name=f"{share * top_weight:,.0f} {FLOW_UNITS.get(network, '')}".strip(),
                                        legendgroup="width", legendgrouptitle_text="edge width: flow"))
    style_world_map(fig)
    fig.update_layout(
        title=dict(text=f"{NETWORK_LABELS.get(network, network)} between the top cities", subtitle=dict(text=bloc_subtitle())),
        margin={"l": 10, "r": 10, "t": 70, "b": 10},
        legend=dict(x=1.0, y=0.5, xanchor="left", yanchor="middle", groupclick="toggleitem"),
    )
    return fig


def fig_bridges_over_time(by_year: pd.DataFrame, *, top_k: int = 5) -> go.Figure:
    """East-West betweenness per year (five-year window ending that year) of the ``top_k`` bridges
    of the last year, one panel per network."""
    networks = [n for n in NETWORK_LABELS if n in set(by_year["network"])]
    fig = make_subplots(rows=max(len(networks), 1), cols=1, subplot_titles=[NETWORK_LABELS[n] for n in networks], shared_xaxes=True)
    last = by_year["window_end"].max()
    dash: dict = {}  # one line style per city in every panel; its legend entry where it is first drawn
    for row, network in enumerate(networks, start=1):
        sub = by_year[by_year["network"] == network]
        leaders = sub[sub["window_end"] == last].nsmallest(top_k, "rank")
        for city in leaders.itertuples():
            series = sub[sub["city_geonames_id"] == city.city_geonames_id].sort_values("window_end")
            first = city.city_geonames_id not in dash
            dash.setdefault(city.city_geonames_id, DASHES[len(dash) % len(DASHES)])
            fig.add_trace(
                go.Scatter(
                    x=series["window_end"],
                    y=series["east_west_betweenness"],
                    mode="lines+markers",
                    name=city.city_name,
                    legendgroup=str(city.city_geonames_id),
                    showlegend=first,
                    line={"color": bloc_color(city.bloc), "dash": dash[city.city_geonames_id]},
                ),
                row=row,
                col=1,
            )
    fig.update_xaxes(**year_ticks(by_year["window_end"]) if len(by_year) else {})
    fig.update_xaxes(title="last year of the five-year window", row=max(len(networks), 1), col=1)
    fig.update_yaxes(title="East\u2013West betweenness", title_font_size=11)
    fig.update_layout(
        title=dict(text=f"The bridges over time: {EAST_WEST_BETWEENNESS} through the city)",
                   subtitle=dict(text=bloc_subtitle("five-year windows;"))), template="plotly_white",
        height=max(300 * len(networks), 400), margin=dict(t=100),
        legend=dict(x=1.02, y=1, xanchor="left", yanchor="top", title=dict(text="city")),
    )
    return fig
