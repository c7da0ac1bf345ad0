"""Figures of AlShebli et al. 2022's centre of mass (Fig. 4) from ``aigeo_assets.metrics.centres`` tables.

Pure functions: DataFrames in, plotly Figures out; ``aigeo_assets.reports.figures.write_figure``
writes them (offline HTML + PNG, vendored topojson for the map). Conventions follow
``city_figures``: metric labels from ``METRIC_LABELS``; years whose citation window is not
complete are drawn with open markers and say so on hover (``INCOMPLETE_NOTE``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from aigeo_assets.metrics.centres import float_values
from aigeo_assets.reports.city_figures import INCOMPLETE_NOTE, METRIC_LABELS, colored_label, style_world_map, year_ticks

# Same metric colours as Supplementary Fig. 2 (city_figures.fig_top_city_shares).
METRIC_COLORS = {
    "impact": "#9467bd",
    "impact_long": "#8c564b",
    "productivity": "#2ca02c",
    "ai_scientists": "#ff7f0e",
}
YEAR_SCALE = "Viridis"  # marker colour = year (dark = early, yellow = late)
METRIC_SYMBOLS = {"impact": "circle", "impact_long": "diamond", "productivity": "square",
                  "ai_scientists": "triangle-up"}


def year_labels(paths: list[tuple[list[int], np.ndarray, np.ndarray]]) -> list[tuple[list[str], list[str]]]:
    """Where the first and the last year are written on the centre-of-mass paths (``paths``: each
    metric's years, latitudes, longitudes in year order): each distinct first (last) year once, on
    the path whose first (last) point lies farthest out from the centre of all points in the
    direction of those points, written on that outward side (left, right, above or below). Paths
    that start or end together thus get one label, beside no other path's markers. Returns per path
    (text, textposition) per point, "" where nothing is written."""
    pts = [(np.asarray(la, float), np.asarray(lo, float)) for _, la, lo in paths]
    every = np.concatenate([np.c_[lo, la] for la, lo in pts]) if pts else np.zeros((0, 2))
    centre = np.nanmean(every, axis=0) if len(every) else np.zeros(2)
    out = [([""] * len(ys), ["top center"] * len(ys)) for ys, _, _ in paths]
    for end in (0, -1):
        by_year: dict[int, list[int]] = {}
        for k, (ys, _, _) in enumerate(paths):
            if len(ys):
                by_year.setdefault(int(ys[end]), []).append(k)
        for year, ks in by_year.items():
            ends = np.array([[pts[k][1][end], pts[k][0][end]] for k in ks])
            d = np.nanmean(ends, axis=0) - centre
            if not np.isfinite(d).all() or np.hypot(*d) < 1e-9:
                d = np.array([-1.0, 0.0]) if end == 0 else np.array([1.0, 0.0])
            k = ks[int(np.nanargmax((ends - centre) @ d))]
            i = 0 if end == 0 else len(paths[k][0]) - 1
            horizontal = abs(d[0]) >= abs(d[1])
            out[k][0][i] = str(year)
            out[k][1][i] = ("middle left" if d[0] < 0 else "middle right") if horizontal else ("top center" if d[1] > 0 else "bottom center")
    return out


def path_bounds(lat: np.ndarray, lon: np.ndarray, *, pad: float = 0.25, min_span: tuple[float, float] = (20.0, 40.0),
                aspect: float = 0.5) -> tuple[list[float], list[float]]:
    """(lat range, lon range) of a map zoomed to the points: their bounding box widened by ``pad`` of
    its span on each side, to at least ``min_span`` degrees (lat, lon), and the latitude span to at
    least ``aspect`` times the longitude span (so a path along a parallel is not a thin strip), kept
    on the globe."""
    lat, lon = np.asarray(lat, float), np.asarray(lon, float)
    lat, lon = lat[np.isfinite(lat)], lon[np.isfinite(lon)]

    def rng(v: np.ndarray, least: float, lo: float, hi: float) -> list[float]:
        a, b = float(v.min()), float(v.max())
        half = max((b - a) * (1 + 2 * pad), least) / 2
        mid = (a + b) / 2
        a, b = max(lo, mid - half), min(hi, mid + half)
        return [round(a, 3), round(b, 3)]

    lon_range = rng(lon, min_span[1], -180.0, 180.0)
    lat_range = rng(lat, max(min_span[0], aspect * (lon_range[1] - lon_range[0])), -85.0, 85.0)
    return lat_range, lon_range


def _complete(df: pd.DataFrame) -> list[bool]:
    if "window_complete" not in df.columns:
        return [True] * len(df)
    return df["window_complete"].astype("boolean").fillna(True).astype(bool).tolist()


def fig_centre_trajectories(centres: pd.DataFrame, *, method: str = "planar") -> go.Figure:
    """AlShebli et al. 2022 Fig. 4 (left panels): the trajectory of the centre of mass of every metric on a
    world map (natural-earth projection), one trace per metric (lines + markers), markers
    coloured by year on one shared colour scale, the first and the last year written once each,
    outside the paths (``year_labels``). Takes :func:`aigeo_assets.metrics.centres.centres_of_mass` (or
    ``centre_trajectory``) output; rows of other methods are ignored, undefined centres (NaN)
    skipped. Incomplete-window years are open markers."""
    c = centres[centres["method"] == method].copy()
    c = c[c["latitude"].notna() & c["longitude"].notna()]
    if c.empty:
        raise ValueError(f"no defined centre of mass for method={method!r}")
    c["year"] = c["year"].astype("int64")
    y0, y1 = int(c["year"].min()), int(c["year"].max())
    fig = go.Figure()
    first = True
    any_incomplete = False
    groups = [(metric, g.sort_values("year")) for metric, g in c.groupby("metric", sort=True)]
    labels = year_labels([(g["year"].tolist(), float_values(g["latitude"]), float_values(g["longitude"])) for _, g in groups])
    for k, (metric, g) in enumerate(groups):
        years = g["year"].tolist()
        ok = _complete(g)
        any_incomplete |= not all(ok)
        label = METRIC_LABELS.get(str(metric), str(metric))
        text, position = labels[k]
        symbol = METRIC_SYMBOLS.get(str(metric), "circle")
        fig.add_trace(
            go.Scattergeo(
                lat=float_values(g["latitude"]), lon=float_values(g["longitude"]), mode="lines+markers+text",
                name=label, text=text, textposition=position,
                textfont=dict(size=11, color=METRIC_COLORS.get(str(metric), "#333")),
                line=dict(color=METRIC_COLORS.get(str(metric), "#333"), width=1.5),
                marker=dict(
                    color=years, colorscale=YEAR_SCALE, cmin=y0, cmax=max(y1, y0 + 1), size=8,
                    symbol=[symbol if o else f"{symbol}-open" for o in ok],
                    line=dict(width=0.5, color=METRIC_COLORS.get(str(metric), "#333")),
                    showscale=first,
                    colorbar=dict(title=dict(text="year (marker colour)"), tickformat="d", thickness=12, len=0.7)
                    if first else None,
                ),
                hovertext=[
                    f"{label}, {y}: {la:.2f}°, {lo:.2f}°" + ("" if o else f"<br>{INCOMPLETE_NOTE}")
                    for y, la, lo, o in zip(years, float_values(g["latitude"]), float_values(g["longitude"]), ok)
                ],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
        first = False
    if any_incomplete:
        fig.add_annotation(
            text=f"open markers: {INCOMPLETE_NOTE}", xref="paper", yref="paper", x=0, y=0,
            xanchor="left", yanchor="top", showarrow=False, font=dict(size=11, color="#555"),
        )
    style_world_map(fig)
    lat_range, lon_range = path_bounds(float_values(c["latitude"]), float_values(c["longitude"]))
    fig.update_geos(lataxis_range=lat_range, lonaxis_range=lon_range, resolution=110)
    fig.update_layout(
        title=f"Trajectory of the centres of mass of AI research, {y0}\u2013{y1} ({method} mean)",
        margin=dict(l=10, r=10, t=90, b=30), height=680,
        legend=dict(orientation="h", x=0, y=1.0, xanchor="left", yanchor="bottom"),  # above the map, off the data
    )
    return fig


def fig_focal_pull(pull: pd.DataFrame) -> go.Figure:
    """AlShebli et al. 2022 Fig. 4 (right panels): the focal city's pull on the centre of mass, in km per
    year (distance between the centre with all cities and the one without the focal city), one
    line per metric, from :func:`aigeo_assets.metrics.centres.focal_pull`. The city's name in
    the title is coloured by its bloc. Incomplete-window years are open markers."""
    if pull.empty:
        raise ValueError("focal pull table is empty")
    p = pull.copy()
    p["year"] = p["year"].astype("int64")
    name = None
    if "focal_city_name" in p.columns and p["focal_city_name"].notna().any():
        name = str(p["focal_city_name"].dropna().iloc[0])
    city = name or (f"city {int(p['focal_city_geonames_id'].iloc[0])}" if "focal_city_geonames_id" in p.columns
                    else "the focal city")
    bloc = None  # the city's name is coloured by its bloc (East red, West blue), as in city_figures
    if "focal_city_bloc" in p.columns and p["focal_city_bloc"].notna().any():
        bloc = str(p["focal_city_bloc"].dropna().iloc[0])
    methods = sorted(p["method"].astype(str).unique())
    fig = go.Figure()
    any_incomplete = False
    for (metric, method), g in p.groupby(["metric", "method"], sort=True):
        g = g.sort_values("year")
        ok = _complete(g)
        any_incomplete |= not all(ok)
        several = p["method"].nunique() > 1
        words = METRIC_LABELS.get(str(metric), str(metric))
        label = f"{words}, {method} mean" if several else words
        share = float_values(g["focal_share"]) if "focal_share" in g.columns else np.full(len(g), np.nan)
        fig.add_trace(
            go.Scatter(
                x=g["year"].tolist(), y=float_values(g["pull_km"]), mode="lines+markers",
                name=label,
                line=dict(color=METRIC_COLORS.get(str(metric)), dash="dash" if method == "spherical" and several
                          else "solid"),
                marker=dict(size=7, symbol=["circle" if o else "circle-open" for o in ok]),
                hovertext=[
                    f"{label}, {y}: {city} pulls the centre {v:,.0f} km"
                    + ("" if np.isnan(s) else f" (holds {s:.1%} of the weight)")
                    + ("" if o else f"<br>{INCOMPLETE_NOTE}")
                    for y, v, s, o in zip(g["year"], float_values(g["pull_km"]), share, ok)
                ],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    if any_incomplete:
        fig.add_annotation(
            # a fixed distance under the plot (a share of the plot's height ran off a tall PNG's bottom)
            text=f"open markers: {INCOMPLETE_NOTE}", xref="paper", yref="paper", x=0, y=0, yshift=-58,
            xanchor="left", yanchor="top", showarrow=False, font=dict(size=11, color="#555"),
        )
    fig.update_yaxes(title="distance between the centres with and without it (km)", rangemode="tozero")
    fig.update_xaxes(**year_ticks(p["year"]), title="year")
    fig.update_layout(
        title=f"{colored_label(city, bloc)}'s pull on the centre of mass ({', '.join(methods)} mean)",
        plot_bgcolor="white", margin=dict(l=70, r=40, t=60, b=90),
    )
    return fig
