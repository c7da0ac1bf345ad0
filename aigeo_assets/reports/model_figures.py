"""Figures of the fitted models (AlShebli et al. 2022, Table 1 and beyond), pure plotly."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from aigeo_assets.models.gravity import TERM_LABELS
from aigeo_assets.models.results import names_by_reason, not_estimable_reasons, not_estimable_rows
from aigeo_assets.reports.city_figures import year_ticks
from aigeo_assets.reports.figures import note_not_estimable

ELASTICITIES = ("ln_papers_cited", "ln_citations_made", "ln_distance", "same_city")

FIGURE_TERM_LABELS = {
    **TERM_LABELS,
    "ln_papers_cited": "Logarithm of n_j (the cited city's AI papers)",
    "ln_citations_made": "Logarithm of m_i (the citations city i made)",
    "ln_scientists_cited": "Logarithm of the AI scientists at source j",
    "ln_scientists_citing": "Logarithm of the AI scientists at destination i",
    "ln_scientists_origin": "Logarithm of the AI scientists at origin",
    "ln_scientists_destination": "Logarithm of the AI scientists at destination",
    "ln_distance": "Logarithm of the distance (km)",
    "same_bloc": "Same bloc (both or neither in the U.S. or Europe)",
}
"""The terms as the figures name them: Table 1's rows (``TERM_LABELS``, "Source's productivity (ln
n_j)") in plain words, a figure being read on its own (``glossary``: the symbols m_i and n_j said at
their first use, the logarithm written out, the blocs said)."""


def fig_elasticities_by_year(coefs: pd.DataFrame, *, spec: str = "(4)", terms: tuple[str, ...] = ELASTICITIES) -> go.Figure:
    """The gravity model's coefficients fitted year by year (``out_gravity_citations_by_year``),
    each with its 95% interval as a band, one panel per term; the unit line marks Table 1's
    "coefficient = 1" for the two size elasticities. Years whose model was not estimable are
    named on the figure with their reason."""
    sub = coefs[(coefs["spec"] == spec) & coefs["term"].isin(terms)].dropna(subset=["year"])
    skipped = not_estimable_reasons(coefs[coefs["spec"] == spec], by=("year",))
    terms = tuple(t for t in terms if t in set(sub["term"]))
    fig = make_subplots(rows=max(len(terms), 1), cols=1, shared_xaxes=True, subplot_titles=[FIGURE_TERM_LABELS.get(t, t) for t in terms])
    for row, term in enumerate(terms, start=1):
        s = sub[sub["term"] == term].sort_values("year")
        x = s["year"].astype(int).tolist()
        band_x = x + x[::-1]
        band_y = s["ci_upper"].astype(float).tolist() + s["ci_lower"].astype(float).tolist()[::-1]
        fig.add_trace(go.Scatter(x=band_x, y=band_y, fill="toself", line={"width": 0}, fillcolor="rgba(31,119,180,0.2)",
                                 hoverinfo="skip", showlegend=False), row=row, col=1)
        fig.add_trace(go.Scatter(x=x, y=s["coef"].astype(float), mode="lines+markers", line={"color": "#1f77b4"},
                                 name=FIGURE_TERM_LABELS.get(term, term), showlegend=False), row=row, col=1)
        if term in ("ln_papers_cited", "ln_citations_made"):
            fig.add_hline(y=1.0, line={"dash": "dot", "color": "grey"}, row=row, col=1)
        fig.update_yaxes(title=dict(text="coefficient", font_size=11), row=row, col=1)
    if len(sub):
        fig.update_xaxes(**year_ticks(sub["year"]))
    fig.update_xaxes(title="year (each fitted on its own)", row=max(len(terms), 1), col=1)
    fig.update_layout(title=f"Gravity model of citations, specification {spec}, fitted year by year (95% intervals)",
                      template="plotly_white", height=260 * max(len(terms), 1))
    return note_not_estimable(fig, {f"years {', '.join(ys)}": v for v, ys in names_by_reason(skipped).items()})


def fig_gravity_comparison(coefs: pd.DataFrame, specs: tuple[str, ...] = ("(4)", "structural", "loglinear")) -> go.Figure:
    """The dyadic frictions as estimated by PPML (Table 1's (4)), PPML with city-year effects and
    OLS on ln(1 + citations) with the same effects: coefficients with 95% intervals. A model that
    was not estimable is named on the figure with its reason. PPML and OLS are spelled out in the
    title and subtitle, before the legend uses them (``glossary``)."""
    skipped = not_estimable_reasons(coefs[coefs["spec"].isin(specs)], by=("spec",))
    sub = coefs[coefs["spec"].isin(specs) & (coefs["term"] != "const") & ~not_estimable_rows(coefs["term"]).to_numpy(bool)]
    specs = tuple(s for s in specs if s not in skipped)
    shared = [t for t in dict.fromkeys(sub["term"]) if sub.loc[sub["term"] == t, "spec"].nunique() == len(specs)]
    labels = {"(4)": "PPML (4)", "structural": "PPML, city-year effects", "loglinear": "OLS of log(1 + citations), city-year effects"}
    fig = go.Figure()
    for k, spec in enumerate(specs):
        s = sub[(sub["spec"] == spec)].set_index("term").reindex(shared)
        fig.add_trace(go.Scatter(
            x=s["coef"].astype(float), y=[row + 0.22 * (k - (len(specs) - 1) / 2) for row in range(len(shared))],
            mode="markers", name=labels.get(spec, spec),
            error_x={"type": "data", "symmetric": False, "array": (s["ci_upper"] - s["coef"]).astype(float),
                     "arrayminus": (s["coef"] - s["ci_lower"]).astype(float)},
            marker={"size": 9},
        ))
    fig.add_vline(x=0, line={"color": "grey", "dash": "dot"})
    fig.update_layout(title=dict(text="Frictions in the gravity model of citations: Poisson pseudo-maximum likelihood (PPML)",
                                 subtitle=dict(text="Table 1's specification (4), the same with city-year effects, and the "
                                                    "log-linear form by ordinary least squares (OLS)")),
                      template="plotly_white", height=520, xaxis_title="coefficient (95% interval)",
                      yaxis={"tickvals": list(range(len(shared))), "ticktext": [FIGURE_TERM_LABELS.get(t, t) for t in shared],
                             "autorange": "reversed"})  # the first term on top, as in Table 1
    return note_not_estimable(fig, {labels.get(k, k): v for k, v in skipped.items()})
