"""Figures of AlShebli et al. 2022 (Figs. 1-2, Supplementary Fig. 2) from the ``out_*`` city tables.

Pure functions: pandas DataFrames in (as declared in ``aigeo_assets.schemas``), plotly Figures
out; writing them to disk is ``aigeo_assets.reports.figures.write_figure``'s job.

Conventions shared by every figure: Eastern cities are red (``EAST_COLOR``), Western cities
blue (``WEST_COLOR``), as in the paper; years whose citation window is not complete
(``window_complete`` false, conventions.md "Known pitfalls") are greyed and say so on hover.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from aigeo_assets.metrics.centres import float_values
from aigeo_assets.reports.glossary import BLOCS

EAST_COLOR = "#d62728"  # red
WEST_COLOR = "#1f77b4"  # blue
OTHER_COLOR = "#555555"  # bloc unknown
TEXT_COLOR = "#444444"  # the words of a subtitle
BLOC_COLORS = {"East": EAST_COLOR, "West": WEST_COLOR}
INCOMPLETE_FILL = "rgba(120,120,120,0.45)"
INCOMPLETE_NOTE = "citation window incomplete: citations after the last year of data are not observed"
# Fig. 2b: over-impact green, under-impact pink (ColorBrewer PiYG ends, white at zero).
DIVERGING_SCALE = [[0.0, "#c51b7d"], [0.25, "#f1b6da"], [0.5, "#f7f7f7"], [0.75, "#b8e186"], [1.0, "#4d9221"]]
SEQUENTIAL_SCALE = "YlOrRd"
ANNOTATE_MAX_N = 20  # values are written in cells up to a 20 x 20 matrix

METRIC_LABELS = {
    "impact": "AI impact (citations within the impact window)",
    "impact_long": "AI impact (citations within the long window)",
    "productivity": "AI productivity (papers)",
    "ai_scientists": "AI scientists",
}

METRIC_UNITS = {"impact": "citations", "impact_long": "citations", "productivity": "papers", "ai_scientists": "AI scientists"}

BLOC_KEY = "(" + BLOCS.replace("West:", f"<span style='color:{WEST_COLOR}'>West</span>:").replace(
    "East:", f"<span style='color:{EAST_COLOR}'>East</span>:") + ")"
"""The blocs in plain words (``glossary.BLOCS``), the words West and East in their colours: said in
the subtitle of every figure that names or colours a bloc, so a figure read on its own (a PNG in a
slide) says what East and West are, and one without a legend has its colour key (``bloc_subtitle``)."""


def bloc_subtitle(lead: str = "") -> str:
    """A subtitle of ``lead`` and ``BLOC_KEY``, in the text's grey: not the synthetic mark's amber
    when ``mark_synthetic`` writes its line under it (it colours the whole subtitle)."""
    return f"<span style='color:{TEXT_COLOR}'>{lead + ' ' if lead else ''}{BLOC_KEY}</span>"


# ---------------------------------------------------------------- helpers


def bloc_color(bloc) -> str:
    return BLOC_COLORS.get(None if pd.isna(bloc) else str(bloc), OTHER_COLOR)


def colored_label(text: str, bloc) -> str:
    """A tick label coloured by bloc (plotly renders this ``<span>`` markup in tick text)."""
    return f'<span style="color:{bloc_color(bloc)}">{text}</span>'


def _unique_labels(names: pd.Series, countries: pd.Series | None = None) -> list[str]:
    """City names, made unique (Cambridge US / Cambridge GB) by the country, then by position."""
    names = [("?" if pd.isna(n) else str(n)) for n in names]
    dup = pd.Series(names).duplicated(keep=False).tolist()
    out = []
    for i, n in enumerate(names):
        if dup[i] and countries is not None and not pd.isna(countries.iloc[i]):
            n = f"{n} ({countries.iloc[i]})"
        out.append(n)
    seen: dict[str, int] = {}
    for i, n in enumerate(out):
        if n in seen:
            seen[n] += 1
            out[i] = f"{n} #{seen[n]}"
        else:
            seen[n] = 1
    return out


def year_ticks(years, max_ticks: int = 12) -> dict:
    """Axis settings of a year axis: whole years (``tickformat="d"``) every 1, 2, 5, 10 or 20 years,
    the smallest step that gives at most ``max_ticks`` ticks (fewer on a small panel). Plotly's own step on a span of a few years is a
    fraction of a year, which ``"d"`` prints as the same year twice."""
    ys = [int(y) for y in years if pd.notna(y)]
    span = (max(ys) - min(ys)) if ys else 0
    step = next((d for d in (1, 2, 5, 10, 20) if span / d <= max_ticks), 50)
    return dict(tickformat="d", tickmode="linear", tick0=(min(ys) // step * step) if ys else 0, dtick=step)


def _fmt_cell(v: float) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if abs(v) >= 10_000:
        return f"{v / 1000:.0f}k"
    if float(v).is_integer() or abs(v) >= 100:
        return f"{v:.0f}"
    return f"{v:.1f}"


def _top_cities(top: pd.DataFrame, top_n: int) -> pd.DataFrame:
    t = top.sort_values(["reference_rank", "city_geonames_id"], kind="stable").head(top_n)
    t = t.reset_index(drop=True)
    t["label"] = _unique_labels(t["city_name"], t["country_code"])
    return t


def _year_completeness(ranks: pd.DataFrame) -> pd.Series:
    """year -> True when every row of the year has a complete window (missing flag = complete)."""
    wc = ranks["window_complete"].astype("boolean").fillna(True)
    return wc.groupby(ranks["year"].astype("int64")).all().sort_index()


def grey_years(fig: go.Figure, years: list[int], incomplete: list[int], xrefs: list[str]) -> None:
    """Grey shading over incomplete years (category-free numeric year axes)."""
    for xref in xrefs:
        for y in incomplete:
            fig.add_shape(
                type="rect", xref=xref, yref=f"{'y' + xref[1:]} domain" if xref != "x" else "y domain",
                x0=y - 0.5, x1=y + 0.5, y0=0, y1=1, fillcolor=INCOMPLETE_FILL, line_width=0,
                layer="above", name="incomplete window",
            )
    if incomplete:
        fig.add_annotation(
            text=f"grey: citation window incomplete, citations after {max(years)} not observed "
            f"({', '.join(map(str, incomplete))})",
            xref="paper", yref="paper", x=0, y=0, yshift=-58, xanchor="left", yanchor="top",
            showarrow=False, font=dict(size=11, color="#555"),
        )


# ---------------------------------------------------------------- Fig. 1


def _metric_ranks(ranks: pd.DataFrame, metric: str, ids: list[int]) -> pd.DataFrame:
    r = ranks[(ranks["metric"] == metric) & ranks["city_geonames_id"].isin(ids)].copy()
    if r.empty:
        raise ValueError(f"out_city_ranks has no rows for metric {metric!r} and the top cities")
    r["year"] = r["year"].astype("int64")
    r["city_geonames_id"] = r["city_geonames_id"].astype("int64")
    return r


def style_world_map(fig: go.Figure) -> None:
    """The one world-map style of every map figure (natural earth, 110 m outlines: offline topojson)."""
    fig.update_geos(
        scope="world", resolution=110, projection_type="natural earth", showcountries=True,
        countrycolor="#bbbbbb", showland=True, landcolor="#f2f2f2", showocean=True,
        oceancolor="#e8f1fa", lataxis_range=[-60, 85], lonaxis_range=[-180, 180],
    )


def _top_city_years(ranks: pd.DataFrame, top: pd.DataFrame, metric: str, top_n: int):
    """The top cities, their ids, their rows of ``metric``, the years and the incomplete years."""
    t = _top_cities(top, top_n)
    ids = t["city_geonames_id"].astype("int64").tolist()
    r = _metric_ranks(ranks, metric, ids)
    years = sorted(r["year"].unique().tolist())
    complete = _year_completeness(r)
    return t, ids, r, years, [y for y in years if not complete.get(y, True)]


def fig_city_heatmaps(ranks: pd.DataFrame, top: pd.DataFrame, metric: str, *, top_n: int = 20) -> go.Figure:
    """AlShebli et al. 2022 Fig. 1 a-c: top-N cities x years, absolute ``value`` (left) and ``relative`` (right).

    Rows are the cities of ``out_top_cities`` in reference-rank order (rank 1 on top), labels red
    for East and blue for West; incomplete-window years are greyed and flagged on hover. The
    rank-over-time chart is the separate ``fig_city_ranks``.
    """
    t, ids, r, years, incomplete = _top_city_years(ranks, top, metric, top_n)

    def grid(col: str) -> np.ndarray:
        p = r.pivot_table(index="city_geonames_id", columns="year", values=col, aggfunc="first")
        p = p.reindex(index=ids, columns=years)
        return p.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)

    value, relative, rank = grid("value"), grid("relative"), grid("rank")
    labels = t["label"].tolist()
    ticktext = [colored_label(lab, b) for lab, b in zip(labels, t["bloc"])]
    yidx = list(range(len(ids)))
    hover = [
        [
            f"{labels[i]} ({t['bloc'].iloc[i]}), {y}<br>value {_fmt_cell(value[i, j])}, "
            f"relative {'' if math.isnan(relative[i, j]) else f'{relative[i, j]:.2f}'}, rank {_fmt_cell(rank[i, j])}<br>"
            + ("window complete" if y not in incomplete else INCOMPLETE_NOTE)
            for j, y in enumerate(years)
        ]
        for i in yidx
    ]
    fig = make_subplots(
        rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.09,
        subplot_titles=("absolute", "relative (value / the year's largest)"),
    )
    common = dict(x=years, y=yidx, hovertext=hover, hovertemplate="%{hovertext}<extra></extra>", xgap=1, ygap=1)
    fig.add_trace(
        go.Heatmap(z=value, colorscale=SEQUENTIAL_SCALE, zmin=0, name="absolute",
                   colorbar=dict(x=0.455, len=0.9, thickness=12, title=dict(text=METRIC_UNITS.get(metric, "value"), side="right")),
                   **common),
        row=1, col=1,
    )
    fig.add_trace(
        go.Heatmap(z=relative, colorscale=SEQUENTIAL_SCALE, zmin=0, zmax=1, name="relative",
                   colorbar=dict(x=1.0, len=0.9, thickness=12, title=dict(text="share of the year's largest", side="right")),
                   **common),
        row=1, col=2,
    )
    fig.update_yaxes(tickvals=yidx, ticktext=ticktext, autorange="reversed", row=1, col=1)
    fig.update_yaxes(autorange="reversed", row=1, col=2)
    fig.update_xaxes(dtick=5 if len(years) > 12 else 1, tickformat="d", title=dict(text="year", standoff=4))
    grey_years(fig, years, incomplete, ["x", "x2"])
    fig.update_layout(
        title=dict(text=f"{METRIC_LABELS.get(metric, metric)}: top {len(ids)} cities", subtitle=dict(text=bloc_subtitle())),
        plot_bgcolor="white", margin=dict(l=160, r=40, t=80, b=80),
    )
    return fig


RANK_AXIS_MAX = 30
"""Fig. 1's rank charts show ranks 1..30: a top city ranked lower than that in a year leaves the chart."""
RANK_CHART_HEIGHT = 820
LABEL_PX = 15  # the height an end label needs, in pixels (font size 10 plus a little air)


def spread_labels(ys: list[float], min_gap: float, lo: float | None = None) -> list[float]:
    """``ys`` moved apart as little as needed so that neighbours are at least ``min_gap`` apart,
    order kept (labels at the end of lines that would otherwise overlap). ``lo``: no label above it
    (the smallest allowed value; ranks grow downwards). Returned in the order given."""
    order = sorted(range(len(ys)), key=lambda i: ys[i])
    out = [float(v) for v in ys]
    prev = None
    for i in order:
        y = out[i] if lo is None else max(out[i], lo)
        if prev is not None and y < prev + min_gap:
            y = prev + min_gap
        out[i] = prev = y
    return out


def fig_city_ranks(
    ranks: pd.DataFrame, top: pd.DataFrame, metric: str, *, top_n: int = 20, max_rank: int = RANK_AXIS_MAX
) -> go.Figure:
    """AlShebli et al. 2022 Fig. 1, right-hand sides: each top city's rank per year (rank 1 on top).

    The cities drawn are the ``top_n`` of the reference year (``out_top_cities``, the paper's 20);
    the y axis shows ranks 1 to ``max(max_rank, top_n)`` (default 30) with a tick every five ranks
    (never one per rank), and a year in which a city ranks lower than that is left out of its line
    (the line leaves the chart). One line per city, red East / blue West, labelled at its last drawn
    year; labels are spread apart (``spread_labels``) so they never overlap. Points of
    incomplete-window years are open markers inside a grey band.
    """
    t, ids, r, years, incomplete = _top_city_years(ranks, top, metric, top_n)
    bottom = max(int(max_rank), len(ids))
    fig = go.Figure()
    ends: list[tuple[int, float, str]] = []
    for _, city in t.iterrows():
        c = r[r["city_geonames_id"] == int(city["city_geonames_id"])].sort_values("year")
        if c.empty:
            continue
        rank = float_values(c["rank"])
        shown = np.where(rank <= bottom, rank, np.nan)
        ok = [int(y) not in incomplete for y in c["year"]]
        color = bloc_color(city["bloc"])
        fig.add_trace(
            go.Scatter(
                x=c["year"].tolist(), y=shown, mode="lines+markers", name=city["label"],
                line=dict(color=color, width=1.5),
                marker=dict(color=color, size=6, symbol=["circle" if o else "circle-open" for o in ok]),
                hovertext=[
                    f"{city['label']} ({city['bloc']}), {y}: rank {_fmt_cell(k)}"
                    + ("" if o else f"<br>{INCOMPLETE_NOTE}")
                    for y, k, o in zip(c["year"], rank, ok)
                ],
                hovertemplate="%{hovertext}<extra></extra>", legendgroup=str(city["bloc"]),
                showlegend=False, connectgaps=False,
            )
        )
        drawn = np.flatnonzero(~np.isnan(shown))
        if len(drawn):
            i = int(drawn[-1])
            ends.append((int(c["year"].iloc[i]), float(shown[i]), colored_label(city["label"], city["bloc"])))
    plot_px = RANK_CHART_HEIGHT - 60 - 80
    gap = LABEL_PX * bottom / plot_px  # in ranks
    for year in sorted({e[0] for e in ends}):
        group = [e for e in ends if e[0] == year]
        for (x, _, text), y in zip(group, spread_labels([e[1] for e in group], gap, lo=0.5 + gap / 2)):
            fig.add_annotation(x=x, y=y, text=text, xanchor="left", yanchor="middle", xshift=8, showarrow=False,
                               font=dict(size=10))
    fig.update_yaxes(range=[bottom + 0.5, 0.5], title=f"rank (1 = largest; ranks 1\u2013{bottom} shown)",
                     tickmode="array", tickvals=[1] + list(range(5, bottom + 1, 5)), zeroline=False,
                     showgrid=True, gridcolor="#eeeeee")
    fig.update_xaxes(**year_ticks(years), range=[min(years) - 0.5, max(years) + 3], title="year")
    grey_years(fig, years, incomplete, ["x"])
    fig.update_layout(
        title=dict(text=f"Rank over time, {METRIC_LABELS.get(metric, metric)}",
                   subtitle=dict(text=bloc_subtitle(f"the top {len(ids)} cities of the reference year"))),
        plot_bgcolor="white", height=RANK_CHART_HEIGHT, margin=dict(l=70, r=40, t=80, b=80),
    )
    return fig


# ---------------------------------------------------------------- Fig. 2


def _axis_cities(m: pd.DataFrame, side: str) -> pd.DataFrame:
    cols = [f"{side}_order", f"{side}_city_geonames_id", f"{side}_city_name", f"{side}_bloc"]
    a = m[cols].drop_duplicates(subset=[f"{side}_order"]).sort_values(f"{side}_order")
    a = a.reset_index(drop=True)
    a.columns = ["order", "city_geonames_id", "city_name", "bloc"]
    a["label"] = _unique_labels(a["city_name"])
    return a


def matrix_grid(matrix: pd.DataFrame, top_n: int) -> tuple[np.ndarray, pd.DataFrame, pd.DataFrame]:
    """(z, rows, cols) of ``out_city_matrix`` for ``top_n``: z[i, j] is the cell at the i-th
    row_order and j-th col_order (NaN where the table has no cell)."""
    m = matrix[matrix["top_n"].astype("int64") == top_n]
    if m.empty:
        raise ValueError(f"out_city_matrix has no rows for top_n={top_n}")
    rows, cols = _axis_cities(m, "row"), _axis_cities(m, "col")
    ri = {int(o): i for i, o in enumerate(rows["order"])}
    ci = {int(o): j for j, o in enumerate(cols["order"])}
    z = np.full((len(rows), len(cols)), np.nan)
    for ro, co, v in zip(m["row_order"].astype("int64"), m["col_order"].astype("int64"), float_values(m["value"])):
        z[ri[int(ro)], ci[int(co)]] = v
    return z, rows, cols


MATRIX_MIN_HEIGHT = 560
MATRIX_ROW_AIR = 4
"""A matrix is drawn at least ``MATRIX_MIN_HEIGHT`` px high, and high enough for each row's label
(its font size plus ``MATRIX_ROW_AIR`` px): 1,180 px for the top 100, whose labels overlapped at a
fixed height."""

MATRIX_AXES: dict[str, tuple[str, str, str]] = {
    "impact": ("citing city (row i)", "cited city (column j)", "citations"),
    "over_impact": ("citing city (row i)", "cited city (column j)", "citations minus expected"),
    "migration": ("origin city (row)", "destination city (column)", "AI scientists"),
    "collaboration": ("last author's city (row i)", "co-author's city (column j)", "papers"),
}
"""Fig. 2's matrices: (row axis title, column axis title, colour-bar unit)."""


def fig_city_matrix(
    matrix: pd.DataFrame, *, title: str, top_n: int = 20, diverging: bool = False, kind: str | None = None,
) -> go.Figure:
    """AlShebli et al. 2022 Fig. 2 a-d: the city x city matrix of ``top_n`` as an annotated heatmap.

    Cell (i, j) sits at row ``row_order`` i (top to bottom) and column ``col_order`` j; East
    cities come first, and lines separate the East/West quadrants. Values are written in the
    cells up to 20 x 20. ``diverging`` (Fig. 2b, over-impact): a pink-white-green scale centred
    on zero (``zmid=0``, symmetric bounds). Otherwise a sequential scale whose top is the 95th
    percentile of the off-diagonal cells, so the home-bias diagonal does not wash out the rest.
    ``kind`` (a key of ``MATRIX_AXES``): the axis titles (citing/cited...) and the colour bar's unit.
    """
    row_title, col_title, unit = MATRIX_AXES.get(kind or "", ("row city", "column city", "value"))
    z, rows, cols = matrix_grid(matrix, top_n)
    nr, nc = z.shape
    rlab, clab = rows["label"].tolist(), cols["label"].tolist()
    rbloc, cbloc = rows["bloc"].tolist(), cols["bloc"].tolist()
    off = z.copy()
    if nr == nc:
        np.fill_diagonal(off, np.nan)
    finite = off[np.isfinite(off)] if np.isfinite(off).any() else z[np.isfinite(z)]
    hover = [
        [f"row {rlab[i]} ({rbloc[i]}) → column {clab[j]} ({cbloc[j]}): "
         f"{'' if math.isnan(z[i, j]) else f'{z[i, j]:,.4g}'}" for j in range(nc)]
        for i in range(nr)
    ]
    hm = dict(
        z=z, x=list(range(nc)), y=list(range(nr)), hovertext=hover,
        hovertemplate="%{hovertext}<extra></extra>", xgap=1, ygap=1,
        colorbar=dict(thickness=12, len=0.8, title=dict(text=unit, side="right")),
    )
    if diverging:
        a = float(np.nanmax(np.abs(finite))) if finite.size else 1.0
        a = a or 1.0
        hm.update(colorscale=DIVERGING_SCALE, zmid=0, zmin=-a, zmax=a)
    else:
        top = float(np.nanpercentile(finite, 95)) if finite.size else 1.0
        hm.update(colorscale=SEQUENTIAL_SCALE, zmin=0, zmax=top if top > 0 else None)
        if top > 0:
            hm["colorbar"]["title"] = dict(text=f"{unit} (capped at the 95th<br>percentile of off-diagonal cells)", side="right")
    if max(nr, nc) <= ANNOTATE_MAX_N:
        hm.update(
            text=[[_fmt_cell(z[i, j]) for j in range(nc)] for i in range(nr)],
            texttemplate="%{text}", textfont=dict(size=9),
        )
    fig = go.Figure(go.Heatmap(**hm))
    # East/West quadrant lines (East first on both axes).
    n_east_r = int((rows["bloc"] == "East").sum())
    n_east_c = int((cols["bloc"] == "East").sum())
    line = dict(color="black", width=2)
    if 0 < n_east_r < nr:
        fig.add_shape(type="line", xref="x", yref="y", x0=-0.5, x1=nc - 0.5,
                      y0=n_east_r - 0.5, y1=n_east_r - 0.5, line=line, name="east-west-row")
    if 0 < n_east_c < nc:
        fig.add_shape(type="line", xref="x", yref="y", x0=n_east_c - 0.5, x1=n_east_c - 0.5,
                      y0=-0.5, y1=nr - 0.5, line=line, name="east-west-col")
    font = 7 if max(nr, nc) > 50 else (9 if max(nr, nc) > ANNOTATE_MAX_N else 10)
    fig.update_xaxes(
        tickvals=list(range(nc)), ticktext=[colored_label(c, b) for c, b in zip(clab, cbloc)],
        tickangle=-60, side="top", showgrid=False, tickfont=dict(size=font),
        title=dict(text=col_title, standoff=4),
    )
    fig.update_yaxes(
        tickvals=list(range(nr)), ticktext=[colored_label(c, b) for c, b in zip(rlab, rbloc)],
        autorange="reversed", showgrid=False, tickfont=dict(size=font), title=dict(text=row_title),
    )
    fig.update_layout(
        title=dict(text=title, y=0.99), plot_bgcolor="white",
        margin=dict(l=140, r=40, t=150, b=30),
        height=max(MATRIX_MIN_HEIGHT, 150 + 30 + nr * (font + MATRIX_ROW_AIR)),  # a row per label: top 50/100 stay readable
    )
    return fig


# ---------------------------------------------------------------- Supplementary Fig. 2


def fig_top_city_shares(shares: pd.DataFrame) -> go.Figure:
    """Supplementary Fig. 2: the top cities' share of the world per year, one line per metric
    (and per top N when there are several); incomplete-window years are open markers."""
    s = shares.copy()
    s["year"] = s["year"].astype("int64")
    s["top_n"] = s["top_n"].astype("int64")
    s["complete"] = s["window_complete"].astype("boolean").fillna(True).astype(bool)
    several_n = s["top_n"].nunique() > 1
    dashes = ["solid", "dash", "dot", "dashdot"]
    palette = {"impact": "#9467bd", "impact_long": "#8c564b", "productivity": "#2ca02c",
               "ai_scientists": "#ff7f0e"}
    fig = go.Figure()
    any_incomplete = False
    for k, n in enumerate(sorted(s["top_n"].unique())):
        for metric, g in s[s["top_n"] == n].groupby("metric", sort=True):
            g = g.sort_values("year")
            ok = g["complete"].tolist()
            any_incomplete |= not all(ok)
            words = METRIC_LABELS.get(str(metric), str(metric))
            name = f"{words}, top {n}" if several_n else words
            fig.add_trace(
                go.Scatter(
                    x=g["year"].tolist(), y=float_values(g["share"]), mode="lines+markers", name=name,
                    line=dict(color=palette.get(str(metric)), dash=dashes[k % len(dashes)]),
                    marker=dict(size=7, symbol=["circle" if o else "circle-open" for o in ok]),
                    hovertext=[
                        f"{name}, {y}: {v:.1%} ({_fmt_cell(tv)} of {_fmt_cell(wv)})"
                        + ("" if o else f"<br>{INCOMPLETE_NOTE}")
                        for y, v, tv, wv, o in zip(
                            g["year"], float_values(g["share"]), float_values(g["top_value"]),
                            float_values(g["world_value"]), ok,
                        )
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
    ns = sorted(s["top_n"].unique().tolist())
    fig.update_yaxes(tickformat=".0%", title="share of the world", rangemode="tozero")
    fig.update_xaxes(**year_ticks(s["year"]), title="year")
    fig.update_layout(
        title=f"Share of world AI activity held by the top {', '.join(map(str, ns))} cities",
        margin=dict(l=60, r=40, t=60, b=90),
    )
    return fig


def fig_venue_east_west(venues: pd.DataFrame, *, cols: int = 4) -> go.Figure:
    """Supplementary Fig. 4: for each top AI venue (``out_venue_east_west``, in rank order), the
    yearly number of Eastern (red) and Western (blue) corpus papers, one panel per venue."""
    order = venues.drop_duplicates("venue_id").sort_values("venue_rank")
    n = max(len(order), 1)
    rows = math.ceil(n / cols)
    titles = [wrap_label(str(name), VENUE_TITLE_CHARS, lines=2) for name in order["venue_name"]]
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles or [""], shared_xaxes=True,
                        vertical_spacing=0.3 / max(rows, 1), horizontal_spacing=0.06)
    for k, (venue_id, name) in enumerate(zip(order["venue_id"], order["venue_name"])):
        g = venues[venues["venue_id"] == venue_id].sort_values("year")
        r, c = k // cols + 1, k % cols + 1
        for bloc, column, color in (("East", "east_papers", EAST_COLOR), ("West", "west_papers", WEST_COLOR)):
            fig.add_trace(go.Scatter(x=g["year"].tolist(), y=g[column].astype("int64").tolist(), mode="lines", name=bloc,
                                     line=dict(color=color), legendgroup=bloc, showlegend=k == 0,
                                     hovertemplate=f"{name}, %{{x}}: %{{y}} {bloc}ern papers<extra></extra>"), row=r, col=c)
    # the years a little lower: a panel's lowest count label sits in the corner beside the first year
    fig.update_xaxes(ticklabelstandoff=6, **year_ticks(venues["year"], max_ticks=5) if len(venues) else {})
    fig.update_annotations(font_size=12)  # the venues' names, on two lines at most
    for c in range(1, cols + 1):
        fig.update_xaxes(title=dict(text="year", standoff=4), row=rows, col=c)
    for r in range(1, rows + 1):
        fig.update_yaxes(title=dict(text="papers", standoff=2), row=r, col=1)
    fig.update_layout(title=dict(text=f"Eastern and Western AI papers per year in the top {len(order)} AI venues",
                                 subtitle=dict(text=bloc_subtitle())),
                      height=260 * rows + 120, margin=dict(l=60, r=30, t=110, b=60), plot_bgcolor="white")
    return fig


VENUE_TITLE_CHARS = 34
"""Supplementary Fig. 4's panel titles: a venue's name on lines of at most this many characters."""


def wrap_label(text: str, width: int, lines: int = 2) -> str:
    """``text`` broken at spaces into at most ``lines`` lines of at most ``width`` characters
    (``<br>`` between them), the last line cut with an ellipsis when the text is longer."""
    words, out, line = str(text).split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            out.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    out.append(line)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: width - 1].rstrip() + "\u2026"
    return "<br>".join(s if len(s) <= width else s[: width - 1] + "\u2026" for s in out)


# ---------------------------------------------------------------- map


def fig_city_map(metrics: pd.DataFrame, year: int, metric: str = "productivity") -> go.Figure:
    """A world map (``scattergeo``) of the cities of ``year`` sized by ``metric`` (the title says a
    marker's area is proportional to it): East red, West blue, a city of no bloc grey. Rendering it
    proves maps work offline (vendored topojson)."""
    m = metrics[metrics["year"].astype("int64") == int(year)]
    m = m[m["latitude"].notna() & m["longitude"].notna() & m[metric].notna()]
    m = m[m[metric].astype("float64") > 0]
    if m.empty:
        raise ValueError(f"out_city_year_metrics has no located city with {metric} > 0 in {year}")
    vmax = float(m[metric].astype("float64").max())
    fig = go.Figure()
    for bloc in ["East", "West", None]:
        g = m[m["bloc"] == bloc] if bloc else m[~m["bloc"].isin(["East", "West"]) | m["bloc"].isna()]
        if g.empty:
            continue
        v = float_values(g[metric])
        fig.add_trace(
            go.Scattergeo(
                lon=float_values(g["longitude"]), lat=float_values(g["latitude"]), name=bloc or "unknown bloc",
                marker=dict(
                    size=v, sizemode="area", sizeref=2.0 * vmax / 40.0**2, sizemin=2,
                    color=bloc_color(bloc), opacity=0.7, line=dict(width=0.5, color="white"),
                ),
                hovertext=[f"{n} ({c}): {metric} {_fmt_cell(x)}" for n, c, x in
                           zip(g["city_name"].astype(object), g["country_code"].astype(object), v)],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    style_world_map(fig)
    fig.update_layout(
        title=dict(text=f"{METRIC_LABELS.get(metric, metric)} by city, {year} (a marker's area is proportional to its "
                        f"{METRIC_UNITS.get(metric, metric)})", subtitle=dict(text=bloc_subtitle())),
        margin=dict(l=10, r=10, t=70, b=10), legend=dict(x=0.01, y=0.05),
    )
    return fig
