"""Figures of Schmallenbach et al. 2024 (Figs. 1-9) from the tables of ``aigeo_assets.lifesci.analyses``.

Pure functions: pandas frames in, plotly Figures out (``template="plotly_white"``); writing them is
``aigeo_assets.reports.figures.write_figure``'s job (which inlines the vendored topojson for the
map of Fig. 2, so it renders offline). Tables hold shares as fractions; figures plot percentages.
Regions keep one colour throughout (``REGION_COLORS``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from aigeo_assets.geo.regions import WORLD_REGIONS
from aigeo_assets.lifesci.analyses import FIG7_MODELS, REGION_SHORT, numeric_floats
from aigeo_assets.models.results import not_estimable_reasons, not_estimable_rows
from aigeo_assets.reports.city_figures import style_world_map
from aigeo_assets.reports.figures import note_not_estimable
from aigeo_assets.reports.names import short_country_names

REGION_COLORS: dict[str, str] = {
    "Africa": "#ff7f0e",
    "Asia": "#d62728",
    "Europe": "#1f77b4",
    "Latin America and the Caribbean": "#2ca02c",
    "Northern America": "#9467bd",
    "Oceania": "#17becf",
}
OTHER_COLOR = "#7f7f7f"
SOURCE_LABELS = {"pubmed": "PubMed (journals)", "openalex": "OpenAlex (conference proceedings)", "both": "PubMed and OpenAlex"}
SOURCE_COLORS = {"pubmed": "#1f77b4", "openalex": "#ff7f0e", "both": "#2ca02c"}
OUTCOME_LABELS = {"citations": "Citations in life-science research", "clinical_citations": "Citations in clinical research"}


def region_color(region) -> str:
    return REGION_COLORS.get(None if pd.isna(region) else str(region), OTHER_COLOR)


def _short(region) -> str:
    return "unknown" if pd.isna(region) else REGION_SHORT.get(str(region), str(region))


def _two_lines(text: str) -> str:
    """``text`` on two lines, broken at the space nearest its middle (a long category label)."""
    words = str(text).split()
    if len(words) < 2:
        return str(text)
    cut = min(range(1, len(words)), key=lambda k: abs(len(" ".join(words[:k])) - len(" ".join(words[k:]))))
    return " ".join(words[:cut]) + "<br>" + " ".join(words[cut:])


def _region_key(fig: go.Figure, regions: pd.Series, kind) -> None:
    """Legend entries for the region colours present (``WORLD_REGIONS`` order), and one for the grey
    of a country without a world region when there is one."""
    present = {str(r) for r in regions if not pd.isna(r) and str(r)}
    keys = [(_short(r), region_color(r)) for r in WORLD_REGIONS if r in present]
    if any(pd.isna(r) or str(r) not in REGION_COLORS for r in regions):
        keys.append(("no world region", OTHER_COLOR))
    for name, color in keys:
        if kind is go.Bar:
            fig.add_trace(go.Bar(x=[None], y=[None], marker_color=color, name=name, hoverinfo="skip"))
        else:
            fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", marker=dict(color=color, symbol="square", size=10), name=name,
                                     hoverinfo="skip"))


def _labels(df: pd.DataFrame) -> list[str]:
    """Country names as figures show them: short (``reports.names``: "United Kingdom", not the M49
    "United Kingdom of Great Britain and Northern Ireland")."""
    return short_country_names(df)


# ---------------------------------------------------------------- Fig. 1


def fig_yearly_counts(counts: pd.DataFrame, cagr: float | None = None, cagr_years: tuple[int, int] | None = None) -> go.Figure:
    """Schmallenbach et al. 2024 Fig. 1: articles per year (``yearly_counts``), stacked by source, the compound
    annual growth rate (CAGR) in the title (from the arguments, else ``counts.attrs``), in plain words
    ("20.0% more a year over 2010–2022 (compound annual growth rate)", ``glossary``)."""
    cagr = counts.attrs.get("cagr") if cagr is None else cagr
    span = counts.attrs.get("cagr_years") if cagr_years is None else cagr_years
    x = counts["year"].astype(int).tolist()
    fig = go.Figure()
    rest = numeric_floats(counts["articles"]) - sum(numeric_floats(counts[s]) for s in SOURCE_LABELS)
    for s, label in SOURCE_LABELS.items():
        if numeric_floats(counts[s]).sum() > 0:
            fig.add_trace(go.Bar(x=x, y=numeric_floats(counts[s]), name=label, marker_color=SOURCE_COLORS[s]))
    if rest.sum() > 0:
        fig.add_trace(go.Bar(x=x, y=rest, name="other source", marker_color=OTHER_COLOR))
    growth = ""
    if cagr is not None and np.isfinite(cagr):
        growth = f" — {100 * cagr:.1f}% more a year" + (f" over {span[0]}–{span[1]}" if span else "") + " (compound annual growth rate)"
    fig.update_layout(
        barmode="stack", template="plotly_white", title=f"AI life-science articles per year (n = {int(numeric_floats(counts['articles']).sum()):,}){growth}",
        xaxis_title="publication year", yaxis_title="articles",
        legend=dict(orientation="h", x=0, y=1.0, xanchor="left", yanchor="bottom"), margin=dict(t=100),
    )
    return fig


# ---------------------------------------------------------------- Fig. 2


def fig_country_map(countries: pd.DataFrame) -> go.Figure:
    """Schmallenbach et al. 2024 Fig. 2: articles by lead country (``country_counts``) on a world choropleth. The
    colour is log10(articles) (the US has thousands of times Kenya's count), the colour bar labelled
    in articles; ``customdata`` holds the counts. Countries without an ISO-3 code are not drawn."""
    c = countries[countries["iso3"].notna() & (numeric_floats(countries["articles"]) > 0)]
    n = numeric_floats(c["articles"])
    z = np.log10(n)
    top = int(np.ceil(z.max())) if len(z) else 1
    ticks = list(range(0, max(top, 1) + 1))
    fig = go.Figure(
        go.Choropleth(
            locations=c["iso3"].astype(str).tolist(), locationmode="ISO-3", z=z, customdata=n,
            text=_labels(c), hovertemplate="%{text}: %{customdata:,.0f} articles<extra></extra>",
            colorscale="Viridis", zmin=0, zmax=max(float(z.max()) if len(z) else 1.0, 1.0), marker_line_color="white", marker_line_width=0.3,
            colorbar=dict(title="articles", tickvals=ticks, ticktext=[f"{10**t:,}" for t in ticks]),
        )
    )
    style_world_map(fig)
    fig.update_layout(template="plotly_white", title=f"AI life-science articles by lead country (n = {int(numeric_floats(countries['articles']).sum()):,})",
                      margin=dict(l=10, r=10, t=50, b=10))
    return fig


# ---------------------------------------------------------------- Fig. 3


def fig_topic_heatmap(shares: pd.DataFrame) -> go.Figure:
    """Schmallenbach et al. 2024 Fig. 3: topics (rows, most frequent on top) x countries (columns, grouped by region,
    in the order of ``topic_country_shares``), the cell the percentage of the country's articles."""
    countries = shares.drop_duplicates("country_code")[["country_code", "country_name", "world_region"]]
    topics = shares.drop_duplicates("topic").sort_values("topic_rank")["topic"].astype(str).tolist()
    grid = shares.pivot(index="topic", columns="country_code", values="share").reindex(index=topics, columns=countries["country_code"])
    ticktext = [f'<span style="color:{region_color(r)}">{n}</span>' for n, r in zip(_labels(countries), countries["world_region"])]
    fig = go.Figure(
        go.Heatmap(
            z=100 * grid.to_numpy(dtype=float), x=countries["country_code"].astype(str).tolist(), y=topics,
            colorscale="Magma", colorbar=dict(title="% of the country's articles"),
            customdata=[_labels(countries)] * len(topics),  # the country's short name on hover, not its code
            hovertemplate="%{customdata} / %{y}: %{z:.1f}%<extra></extra>",
        )
    )
    _region_key(fig, countries["world_region"], go.Scatter)  # the label colours explained
    fig.update_layout(
        legend=dict(title=dict(text="country labels: world region"), orientation="h", x=0, y=1.0, xanchor="left", yanchor="bottom"),
        template="plotly_white", title="Topic focus of the most productive countries (share of the country's articles)",
        xaxis=dict(tickvals=countries["country_code"].astype(str).tolist(), ticktext=ticktext, tickangle=-60),
        yaxis=dict(autorange="reversed"), height=max(500, 22 * len(topics) + 200),
    )
    return fig


# ---------------------------------------------------------------- Fig. 4


def fig_clinical_by_country(clinical: pd.DataFrame) -> go.Figure:
    """Schmallenbach et al. 2024 Fig. 4: for the top countries by clinical articles (``clinical_by_country``), the
    share of the world's clinical AI articles (top panel, blue) and the share of the country's own
    articles that are clinical (bottom panel, orange)."""
    x = _labels(clinical)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08, subplot_titles=(
        "share of the world's clinical AI articles", "share of the country's articles that are clinical"))
    fig.add_trace(go.Bar(x=x, y=100 * numeric_floats(clinical["share_of_world_clinical"]), marker_color="#1f77b4", name="of world clinical"), row=1, col=1)
    fig.add_trace(go.Bar(x=x, y=100 * numeric_floats(clinical["clinical_share_of_country"]), marker_color="#ff7f0e", name="of the country's articles"),
                  row=2, col=1)
    fig.update_yaxes(title_text="%", row=1, col=1)
    fig.update_yaxes(title_text="%", row=2, col=1)
    fig.update_layout(template="plotly_white", showlegend=False, height=700,
                      title=f"Clinical AI research across countries (n = {int(numeric_floats(clinical['clinical_articles']).sum()):,} clinical articles shown)")
    return fig


# ---------------------------------------------------------------- Figs. 5, 6


def fig_high_ranked_by_country(high: pd.DataFrame) -> go.Figure:
    """Schmallenbach et al. 2024 Fig. 5: the percentage of each country's articles in high-ranked outlets
    (``high_ranked_by_country``), in the table's order, coloured by region."""
    fig = go.Figure(
        go.Bar(
            x=_labels(high), y=100 * numeric_floats(high["share_high_ranked"]), marker_color=[region_color(r) for r in high["world_region"]],
            customdata=np.column_stack([numeric_floats(high["high_ranked_articles"]), numeric_floats(high["articles"])]) if len(high) else None,
            hovertemplate="%{x}: %{y:.1f}% (%{customdata[0]:,.0f} of %{customdata[1]:,.0f})<extra></extra>",
        )
    )
    fig.data[0].showlegend = False
    _region_key(fig, high["world_region"], go.Bar)  # the bar colours explained
    many = len(high) > 40  # every country named (plotly drops every other label when they crowd): smaller, upright labels
    fig.update_xaxes(tickangle=-90 if many else -60, dtick=1, tickfont=dict(size=9 if many else 12))
    fig.update_layout(template="plotly_white", yaxis_title="% of the country's articles in high-ranked outlets",
                      title="Articles in high-ranked outlets by country (countries with at least the minimum of articles)",
                      legend=dict(title=dict(text="world region"), x=1.01, y=1, xanchor="left", yanchor="top"))
    return fig


def fig_high_ranked_by_region_year(by_region: pd.DataFrame) -> go.Figure:
    """Schmallenbach et al. 2024 Fig. 6: the percentage of each region's articles of a year in high-ranked outlets
    (``high_ranked_by_region_year``), one line per region."""
    fig = go.Figure()
    for region in [r for r in WORLD_REGIONS if r in set(by_region["world_region"].astype(str))]:
        s = by_region[by_region["world_region"] == region].sort_values("year")
        fig.add_trace(go.Scatter(x=s["year"].astype(int).tolist(), y=100 * numeric_floats(s["share_high_ranked"]), mode="lines+markers",
                                 name=_short(region), line=dict(color=region_color(region))))
    fig.update_layout(template="plotly_white", xaxis_title="publication year", yaxis_title="% in high-ranked outlets",
                      title="Articles in high-ranked outlets by world region and year")
    return fig


# ---------------------------------------------------------------- Fig. 7


IRR_VS_ASIA = "incidence-rate ratio (IRR) vs Asia (95% CI)"
"""The x axis of Fig. 7's panels: the ratio spelled out on each, as each panel's axis is the first a
reader meets of it (``glossary``; the title stays short)."""


def _panel_title(model: str, rows: pd.DataFrame) -> str:
    outcome = str(rows["outcome"].iloc[0])
    outlets = "outlet" in str(rows["absorbed"].iloc[0]).split(",")
    effects = "year and outlet effects" if outlets else "year effects"
    return f"{model}: {OUTCOME_LABELS.get(outcome, outcome)}, {effects} (n = {int(rows['nobs'].iloc[0]):,})"


def fig_relevance_irrs(irrs: pd.DataFrame) -> go.Figure:
    """Schmallenbach et al. 2024 Fig. 7: forest plots of the regions' IRRs (base Asia) with 95% intervals from
    ``irr_table(fit_relevance_models(...))``, one panel per model in reading order A, B (top), C, D
    (bottom; the paper's print put D before C, which read out of order), each titled with its outcome
    and effects, a dotted line at 1. Points are ordered as ``REGION_TERMS``. A model that was not
    estimable has no panel: the figure names it with its reason."""
    skipped = {f"Model {k}": v for k, v in not_estimable_reasons(irrs).items()}
    irrs = irrs[~not_estimable_rows(irrs["term"]).to_numpy(bool)]
    models = list(dict.fromkeys(irrs["model"].astype(str)))
    order = [m for m in ("A", "B", "C", "D") if m in models] + [m for m in models if m not in FIG7_MODELS]
    rows_n = (len(order) + 1) // 2
    titles = [_panel_title(m, irrs[irrs["model"] == m]) for m in order]
    fig = make_subplots(rows=max(rows_n, 1), cols=2 if len(order) > 1 else 1, subplot_titles=titles, horizontal_spacing=0.18, vertical_spacing=0.15)
    for k, m in enumerate(order):
        s = irrs[irrs["model"] == m]
        r, c = k // 2 + 1, k % 2 + 1
        irr = numeric_floats(s["irr"])
        fig.add_trace(
            go.Scatter(
                x=irr, y=[_short(v) for v in s["label"]], mode="markers", name=m, showlegend=False,
                marker=dict(color=[region_color(v) for v in s["label"]], size=10),
                # an explicit colour: error bars inherit an array marker colour, which plotly.js rejects
                error_x=dict(type="data", symmetric=False, array=numeric_floats(s["upper"]) - irr, arrayminus=irr - numeric_floats(s["lower"]),
                             color="#444444", thickness=1.2),
                hovertemplate="%{y}: IRR %{x:.3f}<extra></extra>",
            ),
            row=r, col=c,
        )
        fig.add_vline(x=1.0, line=dict(color="grey", dash="dot"), row=r, col=c)
        fig.update_xaxes(title_text=IRR_VS_ASIA, row=r, col=c)
    fig.update_layout(template="plotly_white", height=330 * max(rows_n, 1),
                      title="Relevance of AI life-science articles by world region (negative binomial regressions, base Asia)")
    return note_not_estimable(fig, skipped)


# ---------------------------------------------------------------- Fig. 8


def fig_international_collaboration(irrs: pd.DataFrame, by_year: pd.DataFrame, by_region: pd.DataFrame) -> go.Figure:
    """Schmallenbach et al. 2024 Fig. 8: (A) the IRR of ``international`` per outcome with 95% intervals
    (``irr_table`` of ``collaboration_model`` fits; other terms ignored), (B) the share of
    international articles per year (``international_share_by_year``), (C) by lead region
    (``international_share_by_region``). Models that were not estimable are named with their reason."""
    skipped = {f"Model {k}": v for k, v in not_estimable_reasons(irrs).items()}
    fig = make_subplots(rows=1, cols=3, column_widths=[0.3, 0.4, 0.3], horizontal_spacing=0.09, subplot_titles=(
        "A: international vs national (IRR, 95% CI)", "B: share of international articles", "C: by region of the lead author"))
    s = irrs[irrs["term"] == "international"]
    irr = numeric_floats(s["irr"])
    fig.add_trace(go.Scatter(
        x=[_two_lines(OUTCOME_LABELS.get(o, o)) for o in s["outcome"]], y=irr, mode="markers", marker=dict(size=11, color="#1f77b4"),
        error_y=dict(type="data", symmetric=False, array=numeric_floats(s["upper"]) - irr, arrayminus=irr - numeric_floats(s["lower"])),
        name="IRR", showlegend=False), row=1, col=1)
    fig.add_hline(y=1.0, line=dict(color="grey", dash="dot"), row=1, col=1)
    fig.add_trace(go.Scatter(x=by_year["year"].astype(int).tolist(), y=100 * numeric_floats(by_year["share_international"]), mode="lines+markers",
                             line=dict(color="#1f77b4"), name="share", showlegend=False), row=1, col=2)
    fig.add_trace(go.Bar(x=[_short(r) for r in by_region["world_region"]], y=100 * numeric_floats(by_region["share_international"]),
                         marker_color=[region_color(r) for r in by_region["world_region"]], name="by region", showlegend=False),
                  row=1, col=3)
    fig.update_yaxes(title_text="incidence-rate ratio (IRR)", row=1, col=1)
    fig.update_xaxes(range=[-0.5, max(len(s), 1) - 0.5], row=1, col=1)  # the outcomes' labels stay inside their panel
    fig.update_yaxes(title_text="% international", row=1, col=2)
    fig.update_xaxes(title_text="publication year", tickformat="d", row=1, col=2)
    fig.update_xaxes(title_text="region of the lead author", row=1, col=3)
    fig.update_yaxes(title_text="% international", row=1, col=3)
    fig.update_layout(template="plotly_white", height=480, title="International collaborations")
    return note_not_estimable(fig, skipped)


# ---------------------------------------------------------------- Fig. 9


def fig_collaboration_sankey(dyads: pd.DataFrame) -> go.Figure:
    """Schmallenbach et al. 2024 Fig. 9: the alluvial diagram of international collaborations (``collaboration_dyads``):
    lead-author regions on the left, co-author regions on the right, link widths the dyads. The
    nodes are the lead regions with dyads, then the co-author regions with dyads, each in
    ``WORLD_REGIONS`` order; ``node.customdata`` says ``lead`` or ``coauthor`` and the region."""
    d = dyads[dyads["lead_world_region"].isin(WORLD_REGIONS) & dyads["coauthor_world_region"].isin(WORLD_REGIONS)]
    left = [r for r in WORLD_REGIONS if r in set(d["lead_world_region"])]
    right = [r for r in WORLD_REGIONS if r in set(d["coauthor_world_region"])]
    li, ri = {r: k for k, r in enumerate(left)}, {r: len(left) + k for k, r in enumerate(right)}
    regions = left + right
    def rgba(region: str, a: float) -> str:
        h = REGION_COLORS[region].lstrip("#")
        return f"rgba({int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{a})"
    if d.empty:  # plotly.js cannot draw a Sankey without nodes ("Invalid array length"): an empty figure, no axes
        fig = go.Figure()
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
        fig.update_layout(template="plotly_white", height=600, title="International collaborations: lead-author region \u2192 co-author region (no dyads)")
        return fig
    fig = go.Figure(
        go.Sankey(
            node=dict(label=[_short(r) for r in regions], color=[REGION_COLORS[r] for r in regions], pad=14, thickness=18,
                      customdata=[f"lead: {r}" for r in left] + [f"coauthor: {r}" for r in right],
                      hovertemplate="%{customdata}: %{value:,.0f} dyads<extra></extra>"),
            link=dict(source=[li[r] for r in d["lead_world_region"]], target=[ri[r] for r in d["coauthor_world_region"]],
                      value=numeric_floats(d["dyads"]), color=[rgba(r, 0.35) for r in d["lead_world_region"]]),
        )
    )
    fig.update_layout(template="plotly_white", height=600,
                      title=f"International collaborations: lead-author region → co-author region (n = {int(numeric_floats(d['dyads']).sum()):,} dyads)")
    return fig


# ---------------------------------------------------------------- side results (issue 14)

SAMPLE_STEPS = (
    ("full", "year effects, full sample", "#7f7f7f", "circle"),
    ("same_sample", "year effects, outlet-effect sample", "#1f77b4", "diamond"),
    ("outlet", "year and outlet effects", "#d62728", "square"),
)


def fig_outlet_sample_irrs(decomposition: pd.DataFrame) -> go.Figure:
    """Schmallenbach et al. 2024 Fig. 7 on the outlet-effect samples (``outlet_sample_decomposition``): per outcome a
    panel, per region three IRRs (base Asia) with 95% intervals: unadjusted on the full sample (A or
    B), unadjusted on the articles the outlet-effect model keeps, with outlet effects (D or C). The
    move from the first to the second is the sample's, from the second to the third the outlet
    control's. Each panel's title gives the three fits' n. Regions without an estimate are left out
    of their panel."""
    outcomes = list(dict.fromkeys(decomposition["outcome"].astype(str)))
    def title(outcome: str) -> str:
        s = decomposition[decomposition["outcome"] == outcome]
        ns = [pd.to_numeric(s[f"nobs_{step}"], errors="coerce").dropna() for step, *_ in SAMPLE_STEPS]
        n = " / ".join(f"{int(v.iloc[0]):,}" if len(v) else "–" for v in ns)
        return f"{OUTCOME_LABELS.get(outcome, outcome)} (n = {n})"

    fig = make_subplots(rows=1, cols=max(len(outcomes), 1), horizontal_spacing=0.15,
                        subplot_titles=[title(o) for o in outcomes] or [""])
    for c, outcome in enumerate(outcomes, start=1):
        s = decomposition[decomposition["outcome"] == outcome]
        labels = [_short(v) for v in s["label"]]
        for k, (step, name, color, symbol) in enumerate(SAMPLE_STEPS):
            irr = numeric_floats(s[f"irr_{step}"])
            fig.add_trace(go.Scatter(
                x=irr, y=labels, mode="markers", name=name,
                legendgroup=step, showlegend=c == 1, marker=dict(color=color, symbol=symbol, size=10),
                error_x=dict(type="data", symmetric=False, array=numeric_floats(s[f"upper_{step}"]) - irr, arrayminus=irr - numeric_floats(s[f"lower_{step}"])),
                offsetgroup=step, hovertemplate="%{y}: IRR %{x:.3f}<extra>" + name + "</extra>",
            ), row=1, col=c)
        fig.add_vline(x=1.0, line=dict(color="grey", dash="dot"), row=1, col=c)
        fig.update_xaxes(title_text=IRR_VS_ASIA, row=1, col=c)
    fig.update_layout(template="plotly_white", height=520, scattermode="group",
                      title="Fig. 7 on the outlet-effect samples: how much of the change is the sample, how much the outlet control",
                      legend=dict(orientation="h", y=-0.2))
    return fig


def fig_intl_high_ranked(premium: pd.DataFrame, seed_ratio: float = 1.35) -> go.Figure:
    """The high-ranked-outlet premium of international articles (``international_high_ranked_premium``):
    left, the share of international and of national articles in high-ranked outlets; right, the
    ratio of the shares and the year-adjusted ratio with 95% intervals, a dotted line at 1 and a
    dashed one at the seed's 1.35 ("35% more frequently")."""
    fig = make_subplots(rows=1, cols=2, column_widths=[0.45, 0.55], horizontal_spacing=0.14, subplot_titles=(
        "share in high-ranked outlets", "ratio international / national (95% CI)"))
    if len(premium):
        r = premium.iloc[0]
        shares = 100 * numeric_floats(pd.Series([r["share_international"], r["share_national"]]))
        fig.add_trace(go.Bar(
            x=["international", "national"], y=shares,
            marker_color=["#1f77b4", "#7f7f7f"], showlegend=False,
            customdata=[[int(r["international_high_ranked"]), int(r["international_articles"])],
                        [int(r["national_high_ranked"]), int(r["national_articles"])]],
            hovertemplate="%{x}: %{y:.1f}% (%{customdata[0]:,} of %{customdata[1]:,})<extra></extra>"), row=1, col=1)
    ok = premium[np.isfinite(numeric_floats(premium["ratio"]))] if len(premium) else premium
    names = {"ratio_of_shares": "ratio of shares<br>(the paper's sentence)", "year_adjusted": "year-adjusted<br>(Poisson regression,<br>robust errors)"}
    ratio = numeric_floats(ok["ratio"]) if len(ok) else np.array([])
    fig.add_trace(go.Scatter(
        x=[names.get(e, e) for e in ok["estimator"]] if len(ok) else [], y=ratio, mode="markers",
        marker=dict(size=11, color="#1f77b4"), showlegend=False,
        error_y=(dict(type="data", symmetric=False, array=numeric_floats(ok["upper"]) - ratio,
                      arrayminus=ratio - numeric_floats(ok["lower"])) if len(ok) else None),
        hovertemplate="%{x}: %{y:.3f}<extra></extra>"), row=1, col=2)
    fig.add_hline(y=1.0, line=dict(color="grey", dash="dot"), row=1, col=2)
    fig.add_hline(y=seed_ratio, line=dict(color="#d62728", dash="dash"), annotation_text=f"Schmallenbach et al. 2024: {seed_ratio:.2f}",
                  annotation_position="top left", row=1, col=2)
    fig.update_xaxes(range=[-0.5, max(len(ok), 1) - 0.5], row=1, col=2)
    fig.update_yaxes(title_text="%", row=1, col=1)
    fig.update_yaxes(title_text="ratio", row=1, col=2)
    fig.update_layout(template="plotly_white", height=480,
                      title="International articles in high-ranked outlets, compared with national ones")
    skipped = {f"{e}": str(n) for e, n in zip(premium["estimator"], premium["note"]) if isinstance(n, str) and n} if len(premium) else {}
    return note_not_estimable(fig, skipped)


def fig_by_outlet_type(by_type: pd.DataFrame) -> go.Figure:
    """Schmallenbach et al. 2024 S7 (``by_outlet_type``): per lead region, life-science (journal) and computer-science
    (conference) articles side by side: the share of each region in the type's articles, the share in
    high-ranked outlets, the share international, and mean citations."""
    panels = (("share_of_type", "% of the type's articles", 100), ("share_high_ranked", "% in high-ranked outlets", 100),
              ("share_international", "% international", 100), ("mean_citations", "mean citations", 1))
    fig = make_subplots(rows=2, cols=2, vertical_spacing=0.2, horizontal_spacing=0.1, subplot_titles=[p[1] for p in panels])
    colors = {"journal": "#1f77b4", "conference": "#ff7f0e", "other": OTHER_COLOR}
    for t in list(dict.fromkeys(by_type["outlet_type"].astype(str))):
        s = by_type[by_type["outlet_type"] == t]
        x = [("All" if r == "All regions" else _short(r)) for r in s["world_region"]]
        for k, (col, _, scale) in enumerate(panels):
            fig.add_trace(go.Bar(x=x, y=scale * numeric_floats(s[col]), name=str(s["outlet_type_label"].iloc[0]), legendgroup=t,
                                 showlegend=k == 0, marker_color=colors.get(t, OTHER_COLOR),
                                 customdata=numeric_floats(s["articles"]), hovertemplate="%{x}: %{y:.2f} (%{customdata:,.0f} articles)<extra></extra>"),
                          row=k // 2 + 1, col=k % 2 + 1)
    for k, unit in enumerate(("%", "%", "%", "citations per article")):
        fig.update_yaxes(title_text=unit, row=k // 2 + 1, col=k % 2 + 1)
    fig.update_layout(template="plotly_white", barmode="group", height=750, margin=dict(t=120),
                      title=dict(text="Life-science journals and computer-science conference proceedings (Supplementary S7), by lead region",
                                 y=0.985, yanchor="top"),
                      legend=dict(orientation="h", x=0, y=1.06, xanchor="left", yanchor="bottom"))
    return fig
