"""Figures: offline HTML/PNG machinery (aigeo_assets.reports.figures) and AlShebli et al. 2022's city figures.

Chromium starts once (module-scoped fixtures share one kaleido renderer); only four PNGs are
rendered in the whole module.
"""

from __future__ import annotations

import base64
import io
import re
import struct

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from plotly.offline import get_plotlyjs

from aigeo_assets.reports import figures as F
from aigeo_assets.reports.city_figures import (
    EAST_COLOR,
    WEST_COLOR,
    fig_city_heatmaps,
    fig_city_map,
    fig_city_matrix,
    fig_city_ranks,
    spread_labels,
    fig_top_city_shares,
    matrix_grid,
)
from aigeo_assets.schemas import conform
from aigeo_assets_tests.support.figure_tables import (
    bridges_by_year,
    centre_paths,
    city_matrix,
    city_ranks,
    city_year_metrics,
    deep_ranks,
    network_edges_and_cities,
    top_cities,
    top_city_shares,
    world_edges,
    world_metrics,
)

# ---------------------------------------------------------------- helpers


def png_wh(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG (magic bytes)"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def label_colors(ticktext) -> dict[str, str]:
    out = {}
    for t in ticktext:
        m = re.fullmatch(r'<span style="color:(#[0-9a-f]{6})">(.+)</span>', t)
        assert m, t
        out[m.group(2)] = m.group(1)
    return out


# ---------------------------------------------------------------- rendered once per module


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """Render the few PNGs of the module with one chromium, then stop it."""
    out = tmp_path_factory.mktemp("figs")
    files = {
        "matrix": F.write_figure(fig_city_matrix(city_matrix(), title="impact"), out, "matrix",
                                 width=640, height=480),
        "map": F.write_figure(fig_city_map(city_year_metrics(), 2017), out, "map", width=800, height=450),
        "heat": F.write_figure(fig_city_heatmaps(city_ranks(), top_cities(), "impact"), out, "heat",
                               width=900, height=500),
    }
    yield out, files
    F.close_renderer()


def test_html_loads_the_folders_one_plotlyjs_and_uses_no_cdn(written):
    out, files = written
    html = files["matrix"].html.read_text()
    assert "plotly.js v" not in html and len(html) < 100_000  # kilobytes: the bundle is not in the page
    assert re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", html) == ["plotly.min.js"]  # relative: works offline
    assert (out / "plotly.min.js").read_text() == get_plotlyjs()  # one copy for the folder
    assert [p.name for p in out.glob("*.js")] == ["plotly.min.js"]
    inline = F.figure_html(fig_city_matrix(city_matrix(), title="impact"), plotlyjs="inline")
    assert "plotly.js v" in inline and len(inline) > 1_000_000  # still available: a page on its own
    assert "cdn.plot.ly" not in " ".join(re.findall(r"<script[^>]*>", html))
    assert not re.search(r"<script[^>]*src=[\"']?https?://", html)
    assert not re.search(r"<link[^>]*href=[\"']?https?://", html)


def test_png_is_real_and_of_requested_size(written):
    _, files = written
    assert png_wh(files["matrix"].png.read_bytes()) == (640, 480)
    assert png_wh(files["heat"].png.read_bytes()) == (900, 500)


def test_map_renders_offline_with_local_topojson(written):
    _, files = written
    data = files["map"].png.read_bytes()
    assert png_wh(data) == (800, 450)
    assert len(data) > 10_000  # coastlines and countries drawn, not an empty frame
    html = files["map"].html.read_text()
    m = re.search(r'"topojsonURL":\s*"([^"]+)"', html)
    assert m and m.group(1).startswith("file:///") and m.group(1).endswith("/")
    assert m.group(1) == F.topojson_url()
    # the topojson itself is inlined too (browsers refuse to fetch file:// from a file page)
    assert re.search(r'window\.PlotlyGeoAssets = \{"topojson":\{"world_110m":\{"type":"Topology"', html)
    assert "cdn.plot.ly/un" not in html.split("window.PlotlyGeoAssets", 1)[0]


def test_no_file_is_written_when_png_rendering_fails(tmp_path, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("chromium died")

    monkeypatch.setattr(F, "render_png", boom)
    (tmp_path / "fig.html").write_text("old html")
    with pytest.raises(RuntimeError, match="chromium died"):
        F.write_figure(go.Figure(go.Scatter(y=[1, 2])), tmp_path, "fig")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig.html"]
    assert (tmp_path / "fig.html").read_text() == "old html"


def test_interrupted_atomic_write_leaves_no_partial_file(tmp_path, monkeypatch):
    monkeypatch.setattr(F, "render_png", lambda fig, **k: b"\x89PNG\r\n\x1a\n" + b"x" * 100)
    real_replace = F.os.replace

    def replace(src, dst):
        if str(dst).endswith(".png"):
            raise OSError("disk full")
        return real_replace(src, dst)

    monkeypatch.setattr(F.os, "replace", replace)
    with pytest.raises(OSError, match="disk full"):
        F.write_figure(go.Figure(go.Scatter(y=[1, 2])), tmp_path, "fig")
    assert not list(tmp_path.glob("*.png")) and not list(tmp_path.glob(".*tmp"))


def test_a_figure_drawn_from_the_same_inputs_is_not_rendered_again(tmp_path, monkeypatch):
    """The second write of an unchanged figure renders nothing and keeps both files as they were;
    a changed figure, another size, or a deleted key renders again."""
    calls = []

    def render(fig, width, height):
        calls.append((width, height))
        return b"\x89PNG\r\n\x1a\n" + bytes(str(len(calls)), "ascii")

    monkeypatch.setattr(F, "render_png", lambda fig, **k: render(fig, **k))
    fig = go.Figure(go.Scatter(y=[1, 2]))
    first = F.write_figure(fig, tmp_path, "fig", width=300, height=200)
    html, png = first.html.read_bytes(), first.png.read_bytes()
    again = F.write_figure(go.Figure(go.Scatter(y=[1, 2])), tmp_path, "fig", width=300, height=200)
    assert len(calls) == 1 and again == first
    assert first.html.read_bytes() == html and first.png.read_bytes() == png
    F.write_figure(go.Figure(go.Scatter(y=[1, 3])), tmp_path, "fig", width=300, height=200)
    F.write_figure(go.Figure(go.Scatter(y=[1, 3])), tmp_path, "fig", width=300, height=201)
    assert len(calls) == 3 and first.png.read_bytes().endswith(b"3")
    (tmp_path / ".fig.key").unlink()
    F.write_figure(go.Figure(go.Scatter(y=[1, 3])), tmp_path, "fig", width=300, height=201)
    assert len(calls) == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == [".fig.key", "fig.html", "fig.png", "plotly.min.js"]


def test_markdown_has_inline_png_and_html_link(written):
    _, files = written
    md = F.png_markdown(files["matrix"].png, files["matrix"].html, max_width=320)
    m = re.search(r"!\[[^\]]*\]\(data:image/png;base64,([A-Za-z0-9+/=]+)\)", md)
    assert m
    preview = base64.b64decode(m.group(1))
    assert png_wh(preview)[0] <= 640
    assert preview[25] == 3  # IHDR colour type 3: a palette, the preview's bytes cut (the file keeps its colours)
    from PIL import Image

    with Image.open(files["matrix"].png) as im:
        full = io.BytesIO()
        im.resize((320, round(im.height * 320 / im.width)), Image.LANCZOS).save(full, format="PNG", optimize=True)
    assert len(preview) < 0.8 * len(full.getvalue())
    assert f"]({files['matrix'].html.resolve().as_uri()})" in md
    assert str(files["matrix"].html.resolve()) in md


def test_missing_topojson_names_make_setup(tmp_path, monkeypatch):
    monkeypatch.setenv(F.TOPOJSON_ENV, str(tmp_path / "nope"))
    with pytest.raises(F.FigureSetupError, match="make setup"):
        F.figure_html(fig_city_map(city_year_metrics(), 2017))
    F.figure_html(go.Figure(go.Scatter(y=[1])))  # figures without maps do not need it


# ---------------------------------------------------------------- figure content (no rendering)


def test_matrix_cells_follow_row_and_col_order():
    mat = city_matrix()
    fig = fig_city_matrix(mat, title="impact")
    z = np.array(fig.data[0].z, dtype=float)
    for r in mat.itertuples():
        assert z[r.row_order, r.col_order] == r.value
    assert list(fig.data[0].x) == [0, 1, 2, 3] and list(fig.data[0].y) == [0, 1, 2, 3]
    assert fig.layout.yaxis.autorange == "reversed"  # row_order 0 on top
    assert list(label_colors(fig.layout.yaxis.ticktext)) == ["Beijing", "Hong Kong", "Mountain View", "London"]
    # values written in the cells for a small matrix
    assert fig.data[0].texttemplate == "%{text}" and fig.data[0].text[0][0] == "100"
    # quadrant lines between the 2 East and the 2 West cities
    lines = {s.name: s for s in fig.layout.shapes}
    assert lines["east-west-row"].y0 == lines["east-west-row"].y1 == 1.5
    assert lines["east-west-col"].x0 == lines["east-west-col"].x1 == 1.5


def test_matrix_grid_uses_only_the_requested_top_n():
    both = pd.concat([city_matrix(20), city_matrix(100)], ignore_index=True)
    both.loc[both["top_n"] == 100, "value"] = -1.0
    z, rows, cols = matrix_grid(both, 20)
    assert z.shape == (4, 4) and (z >= 0).all()
    with pytest.raises(ValueError, match="top_n=50"):
        matrix_grid(both, 50)


def test_matrix_large_has_no_cell_text():
    big = []
    for ro in range(30):
        for co in range(30):
            big.append(dict(top_n=50, row_order=ro, col_order=co, row_city_geonames_id=ro,
                            col_city_geonames_id=co, row_city_name=f"c{ro}", col_city_name=f"c{co}",
                            row_bloc="East" if ro < 10 else "West", col_bloc="East" if co < 10 else "West",
                            value=float(ro + co)))
    fig = fig_city_matrix(conform(pd.DataFrame(big), "out_city_matrix"), title="t", top_n=50)
    assert fig.data[0].text is None and fig.data[0].texttemplate is None


def test_diverging_matrix_is_centred_on_zero_pink_to_green():
    fig = fig_city_matrix(city_matrix(signed=True), title="over-impact", diverging=True)
    hm = fig.data[0]
    assert hm.zmid == 0 and hm.zmin == -hm.zmax
    z = np.array(hm.z, dtype=float)
    np.fill_diagonal(z, np.nan)  # the home-bias diagonal saturates (dark green), as in Fig. 2b
    assert hm.zmax == np.nanmax(np.abs(z)) > 0
    lo, hi = hm.colorscale[0][1], hm.colorscale[-1][1]

    def rgb(h):
        return tuple(int(h[i:i + 2], 16) for i in (1, 3, 5))

    r, g, b = rgb(lo)
    assert r > g and b > g  # pink/magenta for negative (under-impact)
    r, g, b = rgb(hi)
    assert g > r and g > b  # green for positive (over-impact)
    seq = fig_city_matrix(city_matrix(), title="impact").data[0]
    assert seq.zmid is None and seq.zmin == 0


def test_east_labels_red_west_labels_blue():
    assert EAST_COLOR == "#d62728" and WEST_COLOR == "#1f77b4"
    fig = fig_city_matrix(city_matrix(), title="impact")
    for axis in (fig.layout.xaxis, fig.layout.yaxis):
        colors = label_colors(axis.ticktext)
        assert colors["Beijing"] == colors["Hong Kong"] == EAST_COLOR
        assert colors["Mountain View"] == colors["London"] == WEST_COLOR
    heat = fig_city_heatmaps(city_ranks(), top_cities(), "productivity")
    assert label_colors(heat.layout.yaxis.ticktext) == {
        "Beijing": EAST_COLOR, "Mountain View": WEST_COLOR, "Hong Kong": EAST_COLOR, "London": WEST_COLOR
    }


def test_heatmaps_order_by_reference_rank_and_flag_incomplete_years():
    fig = fig_city_heatmaps(city_ranks(), top_cities(), "impact", top_n=3)
    absolute, relative = fig.data
    assert list(label_colors(fig.layout.yaxis.ticktext)) == ["Beijing", "Mountain View", "Hong Kong"]
    ranks = city_ranks()
    want = ranks[(ranks.metric == "impact") & (ranks.city_geonames_id == 5375480) & (ranks.year == 2016)]
    assert absolute.z[1][1] == want["value"].iloc[0]
    assert relative.z[1][1] == pytest.approx(want["relative"].iloc[0])
    assert relative.zmax == 1
    # 2017's impact window is incomplete: greyed and said on hover; complete years are not
    grey = [s for s in fig.layout.shapes if s.name == "incomplete window"]
    assert {(s.x0, s.x1) for s in grey} == {(2016.5, 2017.5)} and {s.xref for s in grey} == {"x", "x2"}
    assert "incomplete" in absolute.hovertext[0][2] and "incomplete" not in absolute.hovertext[0][1]
    # productivity has no incomplete year
    prod = fig_city_heatmaps(ranks, top_cities(), "productivity")
    assert not [s for s in prod.layout.shapes if s.name == "incomplete window"]


def test_rank_chart_one_line_per_city_rank1_on_top():
    fig = fig_city_ranks(city_ranks(), top_cities(), "impact")
    assert len(fig.data) == 4 and fig.layout.yaxis.range[0] > fig.layout.yaxis.range[1]  # reversed: rank 1 on top
    bj = fig.data[0]
    assert bj.line.color == EAST_COLOR and fig.data[1].line.color == WEST_COLOR
    assert list(bj.marker.symbol) == ["circle", "circle", "circle-open"]


def test_rank_chart_readable_with_ranks_down_to_270():
    """Issue 16 item 4: 20 top cities whose ranks reach 270 in early years. The axis shows 1..30 with
    a handful of ticks (not one per rank), the years ranked below 30 are left out of the lines, and
    the end labels (several cities ending on equal ranks) never overlap."""
    ranks, top = deep_ranks()
    assert ranks["rank"].max() >= 270
    fig = fig_city_ranks(ranks, top, "impact")
    ya = fig.layout.yaxis
    assert tuple(ya.range) == (30.5, 0.5)
    assert 3 <= len(ya.tickvals) <= 8 and ya.dtick is None
    for tr in fig.data:
        ys = np.asarray(tr.y, dtype=float)
        assert np.isnan(ys[:2]).all() and np.nanmax(ys) <= 30  # below rank 30: not drawn
    ends = sorted(a.y for a in fig.layout.annotations if a.x == 2017)
    assert len(ends) == 20
    px_per_rank = (820 - 60 - 80) / 30
    assert min(np.diff(ends)) * px_per_rank >= 14  # 10 px font: no two labels overlap


def test_spread_labels_moves_only_what_collides():
    assert spread_labels([1, 1, 5], 1.0) == [1.0, 2.0, 5.0]
    assert spread_labels([3, 1, 2.2], 1.0) == [3.2, 1.0, 2.2]
    assert spread_labels([0.2, 4], 1.0, lo=0.5) == [0.5, 4.0]


def test_top_city_shares_marks_incomplete_impact_years():
    fig = fig_top_city_shares(top_city_shares())
    names = sorted(t.name for t in fig.data)  # in words, not the tables' column names
    assert names == ["AI impact (citations within the impact window)", "AI productivity (papers)", "AI scientists"]
    impact = next(t for t in fig.data if t.name.startswith("AI impact"))
    assert list(impact.marker.symbol) == ["circle", "circle", "circle-open"]
    assert "incomplete" in impact.hovertext[2]
    prod = next(t for t in fig.data if t.name == "AI productivity (papers)")
    assert "circle-open" not in list(prod.marker.symbol)
    several = pd.concat([top_city_shares(), top_city_shares().assign(top_n=50)], ignore_index=True)
    assert len(fig_top_city_shares(several).data) == 6


def test_city_map_colours_blocs():
    fig = fig_city_map(city_year_metrics(), 2017)
    by = {t.name: t for t in fig.data}
    assert by["East"].marker.color == EAST_COLOR and by["West"].marker.color == WEST_COLOR
    assert all(t.type == "scattergeo" for t in fig.data)
    assert F.topojson_names(fig) == ["world_110m"]


def test_gravity_figures_draw_the_coefficients_they_are_given():
    from aigeo_assets.reports.model_figures import fig_elasticities_by_year, fig_gravity_comparison

    rows = []
    for year, b in ((2015, 1.1), (2016, 0.9)):
        for term, coef in (("ln_papers_cited", b), ("ln_citations_made", 1.0), ("ln_distance", -0.3)):
            rows.append({"model": "gravity_citations", "spec": "(4)", "year": year, "term": term, "coef": coef,
                         "ci_lower": coef - 0.1, "ci_upper": coef + 0.2})
    coefs = pd.DataFrame(rows)
    fig = fig_elasticities_by_year(coefs)
    lines = [t for t in fig.data if t.mode == "lines+markers"]
    assert [list(t.y) for t in lines] == [[1.1, 0.9], [1.0, 1.0], [-0.3, -0.3]]
    band = fig.data[0]
    assert np.allclose(band.y, [1.3, 1.1, 0.8, 1.0])  # upper bounds forward, lower bounds back
    both = pd.concat([coefs[coefs["year"] == 2015].assign(spec=s) for s in ("(4)", "structural", "loglinear")])
    comp = fig_gravity_comparison(both)
    assert len(comp.data) == 3 and list(comp.data[1].x) == [1.1, 1.0, -0.3]


# ---------------------------------------------------------------- issue 16 item 7: figures to a journal's standard


def test_centre_map_zoomed_to_the_path_legend_off_the_map_year_labels_apart():
    from aigeo_assets.reports.centre_figures import fig_centre_trajectories, path_bounds

    c = centre_paths()
    fig = fig_centre_trajectories(c)
    lat, lon = fig.layout.geo.lataxis.range, fig.layout.geo.lonaxis.range
    assert lat[0] <= c.latitude.min() and lat[1] >= c.latitude.max() and lon[0] <= c.longitude.min() and lon[1] >= c.longitude.max()
    assert lon[1] - lon[0] < 90 and lat[1] - lat[0] < 45  # zoomed: not the whole world of the old map
    assert fig.layout.legend.y >= 1 and fig.layout.legend.yanchor == "bottom"  # above the map, not over it
    # paths starting together do not write their years on each other: each year once, outside the paths
    written = [(y, p) for t in fig.data for y, p in zip(t.text, t.textposition) if y]
    assert sorted(written) == [("1990", "middle left"), ("2019", "middle right")]
    from aigeo_assets.reports.centre_figures import year_labels

    north = [([2000, 2001], np.array([10.0, 20.0]), np.array([0.0, 0.0])), ([2000, 2001, 2002], np.array([11.0, 21.0, 30.0]), np.array([1.0, 1.0, 1.0]))]
    (t0, p0), (t1, p1) = year_labels(north)  # northwards: the start below the southernmost start, each end above its path
    assert t0 == ["2000", "2001"] and p0 == ["bottom center", "top center"] and t1 == ["", "", "2002"] and p1[2] == "top center"
    assert path_bounds(np.array([10.0, 10.0]), np.array([5.0, 5.0])) == ([0.0, 20.0], [-15.0, 25.0])  # minimum spans


def test_focal_pull_legend_reads_in_words():
    from aigeo_assets.reports.centre_figures import fig_focal_pull

    rows = [dict(year=y, metric=m, method=meth, pull_km=100.0 + y - 2000, focal_city_name="Beijing", focal_city_bloc="East",
                 focal_share=0.1, window_complete=True)
            for y in (2000, 2001) for m in ("impact", "ai_scientists") for meth in ("planar", "spherical")]
    names = [t.name for t in fig_focal_pull(pd.DataFrame(rows)).data]
    assert "AI scientists, planar mean" in names and not any("_" in n or "(planar)" in n for n in names)


def test_network_map_explains_colours_and_edge_widths():
    from aigeo_assets.reports.centrality_figures import fig_network_map

    fig = fig_network_map(*network_edges_and_cities(), network="impact")
    legend = [t for t in fig.data if t.showlegend is not False and t.name]
    names = [t.name for t in legend]
    assert {"within the East", "within the West", "East\u2013West"} <= set(names)
    widths = {t.name: t.line.width for t in legend if t.legendgroup == "width"}
    assert widths == {"100 citations": pytest.approx(0.5 + 1.5), "200 citations": pytest.approx(0.5 + 3), "400 citations": pytest.approx(6.5)}
    drawn = [t.line.width for t in fig.data if t.mode == "lines" and t.lon[0] is not None]
    assert max(drawn) == pytest.approx(widths["400 citations"])  # the legend's widths are the map's


def test_betweenness_bars_have_an_axis_title_and_a_colour_legend():
    from aigeo_assets.reports.centrality_figures import fig_betweenness_bars

    scores = pd.DataFrame({"network": ["impact"] * 2, "rank": [1, 2], "east_west_betweenness": [4.0, 1.0],
                           "city_name": ["Singapore", "Beijing"], "bloc": ["East", "East"], "east_west_path_share": [0.2, 0.1],
                           "betweenness": [5.0, 2.0]})
    fig = fig_betweenness_bars(scores)
    assert "betweenness" in fig.layout.xaxis.title.text
    assert {t.name for t in fig.data if t.showlegend} == {"Eastern city", "Western city"}


def test_matrix_axes_say_citing_and_cited_and_the_colour_bar_its_unit():
    fig = fig_city_matrix(city_matrix(), title="Citations", kind="impact")
    assert "citing" in fig.layout.yaxis.title.text and "cited" in fig.layout.xaxis.title.text
    assert fig.data[0].colorbar.title.text.startswith("citations")
    heat = fig_city_heatmaps(city_ranks(), top_cities(), "productivity")
    assert [t.colorbar.title.text for t in heat.data] == ["papers", "share of the year's largest"]


def test_fig7_panels_in_order_and_error_bars_with_a_valid_colour():
    from aigeo_assets.reports.lifesci_figures import fig_relevance_irrs

    rows = []
    for model, outcome, absorbed in (("D", "citations", "year,outlet"), ("C", "clinical_citations", "year,outlet"),
                                     ("B", "clinical_citations", "year"), ("A", "citations", "year")):
        for term, label in (("africa", "Africa"), ("europe", "Europe")):
            rows.append(dict(model=model, term=term, label=label, irr=1.1, lower=1.0, upper=1.2, outcome=outcome,
                             absorbed=absorbed, nobs=100))
    fig = fig_relevance_irrs(pd.DataFrame(rows))
    assert [t.name for t in fig.data] == ["A", "B", "C", "D"]
    titles = [a.text[:2] for a in fig.layout.annotations]
    assert titles == ["A:", "B:", "C:", "D:"]
    for t in fig.data:  # an array marker colour is not a valid error-bar colour (16 console warnings before)
        assert isinstance(t.error_x.color, str) and isinstance(t.marker.color, tuple)


def test_short_country_names_in_figures():
    from aigeo_assets.reports.lifesci_figures import fig_high_ranked_by_country
    from aigeo_assets.reports.names import short_country_name

    assert short_country_name("GB", "United Kingdom of Great Britain and Northern Ireland") == "United Kingdom"
    assert short_country_name("DE", "Germany") == "Germany" and short_country_name(None, None) == "unknown"
    high = pd.DataFrame({"country_code": ["GB", "HK", "XX"], "country_name": ["United Kingdom of Great Britain and Northern Ireland",
                         "China, Hong Kong SAR", None], "world_region": ["Europe", "Asia", None],
                         "share_high_ranked": [0.3, 0.2, 0.1], "high_ranked_articles": [3, 2, 1], "articles": [10, 10, 10]})
    fig = fig_high_ranked_by_country(high)
    assert list(fig.data[0].x) == ["United Kingdom", "Hong Kong", "XX"]
    # the region colours explained, in WORLD_REGIONS order, and the grey of the country without a region
    assert [t.name for t in fig.data[1:]] == ["Asia", "Europe", "no world region"]
    assert fig.layout.xaxis.dtick == 1  # every country named


def test_format_estimate_never_prints_a_false_zero():
    from aigeo_assets.models.results import format_estimate

    assert format_estimate(0.00004) == "4.0e-05" and format_estimate(-0.00000012) == "-1.2e-07"
    assert format_estimate(-0.0) == "0.000" and format_estimate(0.0) == "0.000" and format_estimate(1.5) == "1.500"
    assert format_estimate(-0.0004) == "-4.0e-04" and format_estimate(-0.0006) == "-0.001"


def test_lifesci_fig1_title_and_caption_agree_on_the_cagr_years():
    from aigeo_assets.lifesci.analyses import yearly_cagr
    from aigeo_assets.reports import atlas as A
    from aigeo_assets.reports.lifesci_figures import fig_yearly_counts

    years = list(range(2005, 2020))
    counts = pd.DataFrame({"year": years, "articles": [10 * (k + 1) for k in range(len(years))], "pubmed": [10 * (k + 1) for k in range(len(years))],
                           "openalex": 0, "both": 0})
    title = fig_yearly_counts(counts, *yearly_cagr(counts)).layout.title.text
    cat = [e for e in A.atlas_catalogue() if e.key == "lifesci_fig1_yearly_counts"]
    caption = A.sections_from_catalogue(cat, {"out_lifesci_yearly_counts": counts})[0].caption
    assert "2010\u20132019" in title and "CAGR 2010\u20132019" in caption and "2010\u20132022" in caption  # asked for, and held
    assert "2010\u20132022)" not in title


def test_year_axes_tick_whole_years_once():
    """A year axis of three years ticked by plotly prints 2016 twice (a tick every half year through
    tickformat "d"); ``year_ticks`` steps by whole years, 1, 2, 5... so at most ``max_ticks`` ticks."""
    from aigeo_assets.reports.city_figures import year_ticks

    assert year_ticks([2015, 2016, 2017]) == dict(tickformat="d", tickmode="linear", tick0=2015, dtick=1)
    assert year_ticks(range(2000, 2023))["dtick"] == 2 and year_ticks(range(1990, 2021))["dtick"] == 5
    assert year_ticks(range(2000, 2021), max_ticks=5)["dtick"] == 5
    fig = fig_top_city_shares(top_city_shares())
    assert fig.layout.xaxis.dtick == 1 and fig.layout.xaxis.tickformat == "d"


def test_bridges_every_city_has_a_legend_entry_and_one_line_style():
    """A city among the leaders of the second network only has its legend entry there, and a city
    keeps its line style in every panel (the legend shows one)."""
    from aigeo_assets.reports.centrality_figures import fig_bridges_over_time

    by = bridges_by_year(("impact", "migration"))
    swap = (by["network"] == "migration") & by["city_name"].isin(["Singapore", "Zurich"])
    by.loc[swap & (by["city_name"] == "Singapore"), "rank"], by.loc[swap & (by["city_name"] == "Zurich"), "rank"] = 99, 1
    fig = fig_bridges_over_time(by, top_k=3)
    drawn = {t.name for t in fig.data}
    assert "Zurich" in drawn and {t.name for t in fig.data if t.showlegend} == drawn
    styles = {}
    for t in fig.data:
        styles.setdefault(t.name, set()).add(t.line.dash)
    assert all(len(s) == 1 for s in styles.values()) and len({next(iter(s)) for s in styles.values()}) == len(styles)


def test_network_map_draws_an_edge_to_a_city_of_no_bloc_in_grey_and_says_so():
    """A city without a bloc (null) used to stop the map (NA in a comparison); its edges are grey and
    the legend names the grey."""
    from aigeo_assets.reports.centrality_figures import fig_network_map
    from aigeo_assets.reports.city_figures import OTHER_COLOR

    metrics = world_metrics()
    assert metrics["bloc"].isna().sum() == 1
    fig = fig_network_map(world_edges("migration"), metrics, network="migration")
    edges = [t for t in fig.data if t.mode == "lines" and t.lon[0] is not None]
    cape_town = metrics.loc[metrics["city_name"] == "Cape Town", "longitude"].iloc[0]
    assert {t.line.color for t in edges if cape_town in t.lon} == {OTHER_COLOR}
    assert "to a city of no known bloc" in {t.name for t in fig.data}




def _render_in_child(out) -> None:
    out.put(F.render_png(go.Figure(go.Bar(x=["a"], y=[1])), width=200, height=100)[:8])


def test_a_forked_process_renders_with_its_own_browser_not_the_parents():
    """``aigeo run`` forks its workers (orchestration, Starting a worker). A process that rendered a
    PNG holds a browser driven by an event-loop thread, which a forked child does not have: the child
    renders with a browser of its own (it waited forever on the parent's thread before), and the
    parent's still works after."""
    import multiprocessing

    assert F.render_png(go.Figure(go.Bar(x=["p"], y=[1])), width=200, height=100).startswith(F.PNG_MAGIC)
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    child = ctx.Process(target=_render_in_child, args=(out,))
    child.start()
    try:
        assert out.get(timeout=120) == F.PNG_MAGIC
    finally:
        child.join(timeout=60)
        if child.is_alive():
            child.kill()
    assert child.exitcode == 0
    assert F.render_png(go.Figure(go.Bar(x=["q"], y=[2])), width=200, height=100).startswith(F.PNG_MAGIC)
