"""The synthetic mark on the figure files themselves (issue 16): on the sample world every figure's
PNG and HTML say ``SYNTHETIC_NOTE`` (a PNG copied into a slide loses the asset's metadata), above
the plot so it never covers data; on a snapshot nothing is added. Renders a few small PNGs with
chromium (skipped without it)."""

from __future__ import annotations

import dataclasses
import io

import dagster as dg
import numpy as np
import plotly.graph_objects as go
import pytest
from plotly.subplots import make_subplots

from aigeo_assets.reports import figures as F
from aigeo_assets.reports.figures import SYNTHETIC_NOTE, mark_synthetic, synthetic_mark_text

pytestmark = pytest.mark.browser  # drawn in headless Chromium: `pytest -m 'not browser'` leaves them out


def _needs_chromium():
    try:
        F.chromium_path()
    except F.FigureSetupError as err:
        pytest.skip(str(err))


def _crowded() -> go.Figure:
    """What crowds a figure's margins: subplot titles and a legend above the plots, long rotated
    tick labels below; the data are pure green bars filling the plots (nothing else is green)."""
    names = [f"A rather long city name {i}, Country" for i in range(8)]
    fig = make_subplots(rows=1, cols=2, subplot_titles=("left panel", "right panel"))
    for col in (1, 2):
        fig.add_trace(go.Bar(x=names, y=[10] * 8, marker_color="#00ff00", showlegend=False), row=1, col=col)
        fig.add_trace(go.Scatter(x=names[:1], y=[5], mode="markers", marker_color="#1f3fbf", name=f"legend item {col}"), row=1, col=col)
    fig.update_xaxes(tickangle=-60)
    fig.update_layout(title="A figure whose margins are crowded", bargap=0, plot_bgcolor="white",
                      legend=dict(orientation="h", x=0, y=1.06, xanchor="left", yanchor="bottom"))
    return fig


def test_the_mark_is_the_subtitle_once_and_keeps_an_existing_one():
    fig = go.Figure(go.Bar(x=[1], y=[1]), layout={"title": {"text": "T", "subtitle": {"text": "a subtitle"}}, "margin": {"t": 60}})
    mark_synthetic(fig)
    mark_synthetic(fig)  # twice: nothing more
    assert fig.layout.title.subtitle.text == "a subtitle<br>" + synthetic_mark_text()
    assert fig.layout.margin.t == 60 + F.SYNTHETIC_MARK_MARGIN and fig.layout.title.automargin is True
    assert synthetic_mark_text() == f"<i>{SYNTHETIC_NOTE[0].upper()}{SYNTHETIC_NOTE[1:]}</i>"
    bare = mark_synthetic(go.Figure(go.Sankey()))  # no title, no margin set: plotly's default top margin is 100
    assert bare.layout.title.subtitle.text == synthetic_mark_text() and bare.layout.margin.t == 100 + F.SYNTHETIC_MARK_MARGIN


def _rows(png: bytes, pick) -> np.ndarray:
    from PIL import Image

    a = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    return np.nonzero(pick(a[..., 0], a[..., 1], a[..., 2]).any(axis=1))[0]


def _amber(r, g, b):
    """The mark's colour (#8a5a00) and its anti-aliased blends with white; not the red of
    ``note_no_data`` (#8e2a1e, whose green and blue are about equal)."""
    return (r - b > 60) & (g - b > 25) & (g < r - 20)


def _green(r, g, b):
    return (g > 200) & (r < 60) & (b < 60)


def test_the_mark_shows_on_the_png_above_the_data():
    _needs_chromium()
    plain = F.render_png(_crowded(), width=900, height=600)
    marked = F.render_png(mark_synthetic(_crowded()), width=900, height=600)
    assert len(_rows(plain, _amber)) == 0, "the oracle sees amber where there is no mark"
    amber, green = _rows(marked, _amber), _rows(marked, _green)
    assert len(amber) > 5 and len(green) > 100
    assert amber.max() < green.min(), (amber.max(), green.min())  # every row of the mark above every row of data
    assert amber.max() < F.png_size(marked)[1] // 3  # in the top third, with the title


def _figure_asset(tmp_path, source: str):
    from aigeo_assets.assets.reports import build_report_assets
    from aigeo_assets.resources.settings import Settings
    from aigeo_assets.schemas import SCHEMAS

    settings = dataclasses.replace(Settings.from_env(), data_dir=tmp_path / source, source=source)
    fig_asset = next(a for a in build_report_assets(settings) if a.key == dg.AssetKey("out_fig_top_city_shares"))

    @dg.asset(name="out_top_city_shares")
    def shares():
        return SCHEMAS["out_top_city_shares"].empty()

    result = dg.materialize([shares, fig_asset], selection=[fig_asset.key, shares.key])
    assert result.success
    folder = settings.data_dir / "reports" / "figures"
    return (folder / "supp_fig2_top_city_shares.html").read_text(), (folder / "supp_fig2_top_city_shares.png").read_bytes()


def test_a_figure_asset_on_the_sample_world_marks_its_files_and_on_a_snapshot_does_not(tmp_path):
    _needs_chromium()
    sample_html, sample_png = _figure_asset(tmp_path, "sample")
    snap_html, snap_png = _figure_asset(tmp_path, "snapshot")
    note = SYNTHETIC_NOTE[0].upper() + SYNTHETIC_NOTE[1:]
    assert note in sample_html and note not in snap_html
    assert sample_png != snap_png
    assert len(_rows(sample_png, _amber)) > 5 and len(_rows(snap_png, _amber)) == 0
