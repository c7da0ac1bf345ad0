"""AlShebli et al. 2022 Supplementary Fig. 3: cities ranked each year by their papers among the 10 % most
disruptive (3a) and the 10 % most developmental (3b) AI papers (``out_disruption_city_ranks``).

The conventions of ``city_figures``: Eastern cities red, Western blue, rank 1 on top, years whose
CD window is incomplete open markers in a grey band."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from aigeo_assets.reports.city_figures import (
    INCOMPLETE_NOTE, LABEL_PX, grey_years, bloc_color, bloc_subtitle, colored_label, spread_labels, year_ticks,
)

KINDS = {
    "disruptive": ("n_disruptive", "rank_disruptive", "a", "10 % most disruptive"),
    "developmental": ("n_developmental", "rank_developmental", "b", "10 % most developmental"),
}


def disruption_top_cities(ranks: pd.DataFrame, kind: str, top_n: int = 10) -> pd.DataFrame:
    """The ``top_n`` cities with the most papers in the decile over every year (ties: the city id),
    with ``city_name``, ``bloc`` and ``total``."""
    count, _, _, _ = KINDS[kind]
    if ranks.empty:
        return pd.DataFrame({"city_geonames_id": [], "city_name": [], "bloc": [], "total": []})
    t = ranks.groupby("city_geonames_id", as_index=False).agg(city_name=("city_name", "first"), bloc=("bloc", "first"), total=(count, "sum"))
    t = t[t["total"] > 0].sort_values(["total", "city_geonames_id"], ascending=[False, True]).head(top_n)
    return t.reset_index(drop=True)


DISRUPTION_HEIGHT = 900


def fig_disruption_ranks(ranks: pd.DataFrame, kind: str, *, top_n: int = 10) -> go.Figure:
    """Supplementary Fig. 3a (``kind="disruptive"``) or 3b (``"developmental"``): the rank per year
    of the ``top_n`` cities with the most papers in the decile over every year."""
    count, rank, label, words = KINDS[kind]
    fig = go.Figure()
    top = disruption_top_cities(ranks, kind, top_n)
    years = sorted(int(y) for y in ranks["year"].unique()) if len(ranks) else []
    incomplete = sorted({int(y) for y in ranks.loc[~ranks["window_complete"].astype("boolean").fillna(True).to_numpy(bool), "year"]}) if len(ranks) else []
    ends: list[tuple[int, float, str]] = []
    for _, city in top.iterrows():
        c = ranks[ranks["city_geonames_id"] == city["city_geonames_id"]].sort_values("year")
        name = str(city["city_name"]) if pd.notna(city["city_name"]) else str(city["city_geonames_id"])
        color = bloc_color(city["bloc"])
        ok = [int(y) not in incomplete for y in c["year"]]
        fig.add_trace(go.Scatter(
            x=c["year"].astype("int64").tolist(), y=c[rank].astype("float64").tolist(), mode="lines+markers", name=name,
            line=dict(color=color, width=1.5), marker=dict(color=color, size=6, symbol=["circle" if o else "circle-open" for o in ok]),
            hovertext=[f"{name} ({city['bloc']}), {int(y)}: rank {int(r)}, {int(n)} of its {int(p)} papers in the {words}"
                       + ("" if o else f"<br>{INCOMPLETE_NOTE}")
                       for y, r, n, p, o in zip(c["year"], c[rank], c[count], c["n_papers"], ok)],
            hovertemplate="%{hovertext}<extra></extra>", showlegend=False,
        ))
        if len(c):
            last = c.iloc[-1]
            ends.append((int(last["year"]), float(last[rank]), colored_label(name, city["bloc"])))
    # end labels spread apart so that they never overlap: the rank axis is fixed (1 on top, the lowest
    # rank drawn at the bottom) so that a label's height in ranks is known
    drawn = ranks.loc[ranks["city_geonames_id"].isin(top["city_geonames_id"]), rank] if len(top) else pd.Series([], dtype=float)
    bottom = float(max(drawn.max() if len(drawn) else 1.0, 1.0))
    gap = LABEL_PX * bottom / (DISRUPTION_HEIGHT - 80 - 80)
    for year in sorted({e[0] for e in ends}):
        group = [e for e in ends if e[0] == year]
        for (x, _, text), y in zip(group, spread_labels([e[1] for e in group], gap)):
            fig.add_annotation(x=x, y=y, text=text, xanchor="left", yanchor="middle", xshift=6, showarrow=False,
                               font=dict(size=10))
    fig.update_yaxes(range=[bottom + 0.5, 0.5], title=f"rank by papers in the {words} AI papers (1 = most)")
    if years:
        fig.update_xaxes(**year_ticks(years), range=[min(years) - 0.5, max(years) + 3], title="year")
        grey_years(fig, years, incomplete, ["x"])
    fig.update_layout(
        # the cities and the colour key in the subtitle: on one line the title was cut off on a laptop's screen
        title=dict(text=f"Supplementary Fig. 3{label}: cities ranked by their papers among the {words} AI papers of each year",
                   subtitle=dict(text=bloc_subtitle(f"the top {len(top)} cities"))),
        plot_bgcolor="white", height=DISRUPTION_HEIGHT, margin=dict(l=60, r=40, t=80, b=80),
    )
    return fig
