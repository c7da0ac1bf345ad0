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

# ---------------------------------------------------------------- small hand-made tables

CITIES = [  # id, name, country, bloc, lat, lon, reference rank
    (1816670, "Beijing", "CN", "East", 39.9, 116.4, 1),
    (5375480, "Mountain View", "US", "West", 37.39, -122.08, 2),
    (1819729, "Hong Kong", "HK", "East", 22.3, 114.2, 3),
    (2643743, "London", "GB", "West", 51.5, -0.13, 4),
]
YEARS = [2015, 2016, 2017]


def _top() -> pd.DataFrame:
    return conform(
        pd.DataFrame(
            [
                dict(city_geonames_id=i, city_name=n, country_code=c, bloc=b, reference_year=2017,
                     reference_impact=1000 // r, reference_rank=r)
                for i, n, c, b, _, _, r in CITIES
            ]
        ),
        "out_top_cities",
    )


def _ranks() -> pd.DataFrame:
    rows = []
    for metric in ["impact", "productivity"]:
        for y in YEARS:
            vals = {i: (100 - 10 * r) * (1 + (y - 2015) * (r % 2)) for i, _, _, _, _, _, r in CITIES}
            mx = max(vals.values())
            order = sorted(vals, key=lambda k: -vals[k])
            for i, v in vals.items():
                rows.append(dict(year=y, city_geonames_id=i, metric=metric, value=v, relative=v / mx,
                                 rank=order.index(i) + 1,
                                 window_complete=not (metric == "impact" and y == 2017)))
    return conform(pd.DataFrame(rows), "out_city_ranks")


def _matrix(top_n: int = 20, *, signed: bool = False) -> pd.DataFrame:
    east = [c for c in CITIES if c[3] == "East"]
    west = [c for c in CITIES if c[3] == "West"]
    order = east + west
    rows = []
    for ro, rc in enumerate(order):
        for co, cc in enumerate(order):
            v = 10.0 * ro + co + (100 if ro == co else 0)
            if signed:
                v = v - 20.0
            rows.append(dict(top_n=top_n, row_order=ro, col_order=co,
                             row_city_geonames_id=rc[0], col_city_geonames_id=cc[0],
                             row_city_name=rc[1], col_city_name=cc[1], row_bloc=rc[3], col_bloc=cc[3],
                             value=v))
    df = pd.DataFrame(rows).sample(frac=1.0, random_state=0)  # the figure must not rely on row order
    return conform(df, "out_city_matrix")


def _shares() -> pd.DataFrame:
    rows = []
    for metric in ["impact", "productivity", "ai_scientists"]:
        for y in YEARS:
            rows.append(dict(year=y, top_n=20, metric=metric, top_value=20 + y - 2015, world_value=100,
                             share=(20 + y - 2015) / 100,
                             window_complete=not (metric == "impact" and y == 2017)))
    return conform(pd.DataFrame(rows), "out_top_city_shares")


def _metrics() -> pd.DataFrame:
    rows = []
    for i, n, c, b, lat, lon, r in CITIES:
        rows.append(dict(year=2017, city_geonames_id=i, city_name=n, country_code=c, bloc=b, latitude=lat,
                         longitude=lon, productivity=100 // r, impact=500 // r, impact_long=900 // r,
                         ai_scientists=50 // r, share_productivity=0.1, share_impact=0.1,
                         share_impact_long=0.1, share_ai_scientists=0.1, impact_window_complete=True,
                         impact_long_window_complete=False))
    return conform(pd.DataFrame(rows), "out_city_year_metrics")


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
        "matrix": F.write_figure(fig_city_matrix(_matrix(), title="impact"), out, "matrix",
                                 width=640, height=480),
        "map": F.write_figure(fig_city_map(_metrics(), 2017), out, "map", width=800, height=450),
        "heat": F.write_figure(fig_city_heatmaps(_ranks(), _top(), "impact"), out, "heat",
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
    inline = F.figure_html(fig_city_matrix(_matrix(), title="impact"), plotlyjs="inline")
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
        F.figure_html(fig_city_map(_metrics(), 2017))
    F.figure_html(go.Figure(go.Scatter(y=[1])))  # figures without maps do not need it


# ---------------------------------------------------------------- figure content (no rendering)


def test_matrix_cells_follow_row_and_col_order():
    mat = _matrix()
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
    both = pd.concat([_matrix(20), _matrix(100)], ignore_index=True)
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
    fig = fig_city_matrix(_matrix(signed=True), title="over-impact", diverging=True)
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
    seq = fig_city_matrix(_matrix(), title="impact").data[0]
    assert seq.zmid is None and seq.zmin == 0


def test_east_labels_red_west_labels_blue():
    assert EAST_COLOR == "#d62728" and WEST_COLOR == "#1f77b4"
    fig = fig_city_matrix(_matrix(), title="impact")
    for axis in (fig.layout.xaxis, fig.layout.yaxis):
        colors = label_colors(axis.ticktext)
        assert colors["Beijing"] == colors["Hong Kong"] == EAST_COLOR
        assert colors["Mountain View"] == colors["London"] == WEST_COLOR
    heat = fig_city_heatmaps(_ranks(), _top(), "productivity")
    assert label_colors(heat.layout.yaxis.ticktext) == {
        "Beijing": EAST_COLOR, "Mountain View": WEST_COLOR, "Hong Kong": EAST_COLOR, "London": WEST_COLOR
    }


def test_heatmaps_order_by_reference_rank_and_flag_incomplete_years():
    fig = fig_city_heatmaps(_ranks(), _top(), "impact", top_n=3)
    absolute, relative = fig.data
    assert list(label_colors(fig.layout.yaxis.ticktext)) == ["Beijing", "Mountain View", "Hong Kong"]
    ranks = _ranks()
    want = ranks[(ranks.metric == "impact") & (ranks.city_geonames_id == 5375480) & (ranks.year == 2016)]
    assert absolute.z[1][1] == want["value"].iloc[0]
    assert relative.z[1][1] == pytest.approx(want["relative"].iloc[0])
    assert relative.zmax == 1
    # 2017's impact window is incomplete: greyed and said on hover; complete years are not
    grey = [s for s in fig.layout.shapes if s.name == "incomplete window"]
    assert {(s.x0, s.x1) for s in grey} == {(2016.5, 2017.5)} and {s.xref for s in grey} == {"x", "x2"}
    assert "incomplete" in absolute.hovertext[0][2] and "incomplete" not in absolute.hovertext[0][1]
    # productivity has no incomplete year
    prod = fig_city_heatmaps(ranks, _top(), "productivity")
    assert not [s for s in prod.layout.shapes if s.name == "incomplete window"]


def test_rank_chart_one_line_per_city_rank1_on_top():
    fig = fig_city_ranks(_ranks(), _top(), "impact")
    assert len(fig.data) == 4 and fig.layout.yaxis.range[0] > fig.layout.yaxis.range[1]  # reversed: rank 1 on top
    bj = fig.data[0]
    assert bj.line.color == EAST_COLOR and fig.data[1].line.color == WEST_COLOR
    assert list(bj.marker.symbol) == ["circle", "circle", "circle-open"]


def deep_ranks() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(out_city_ranks, out_top_cities) of 20 top cities over 2010-2017 whose ranks reach 270 in the
    first two years, and whose last year has two cities on each rank (tied end labels)."""
    n_years, years = 8, list(range(2010, 2018))
    cities = [(100 + k, f"City {k}", "US" if k % 2 else "CN", "West" if k % 2 else "East", k + 1) for k in range(20)]
    top = conform(pd.DataFrame([dict(city_geonames_id=i, city_name=n, country_code=c, bloc=b, reference_year=2017,
                                     reference_impact=1000 - r, reference_rank=r) for i, n, c, b, r in cities]), "out_top_cities")
    rows = []
    for i, _, _, _, r in cities:
        for j, y in enumerate(years):
            rank = r * 13 + 20 if j < 2 else (r if j < n_years - 1 else (r + 1) // 2)  # last year: ties, two cities per rank
            rows.append(dict(year=y, city_geonames_id=i, metric="impact", value=10000 // rank, relative=1.0 / rank,
                             rank=rank, window_complete=True))
    return conform(pd.DataFrame(rows), "out_city_ranks"), top


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
    fig = fig_top_city_shares(_shares())
    names = sorted(t.name for t in fig.data)  # in words, not the tables' column names
    assert names == ["AI impact (citations within the impact window)", "AI productivity (papers)", "AI scientists"]
    impact = next(t for t in fig.data if t.name.startswith("AI impact"))
    assert list(impact.marker.symbol) == ["circle", "circle", "circle-open"]
    assert "incomplete" in impact.hovertext[2]
    prod = next(t for t in fig.data if t.name == "AI productivity (papers)")
    assert "circle-open" not in list(prod.marker.symbol)
    several = pd.concat([_shares(), _shares().assign(top_n=50)], ignore_index=True)
    assert len(fig_top_city_shares(several).data) == 6


def test_city_map_colours_blocs():
    fig = fig_city_map(_metrics(), 2017)
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


def _centres(method: str = "planar") -> pd.DataFrame:
    rows = []
    for metric, (lat0, lon0) in {"impact": (40.0, 10.0), "productivity": (41.0, 12.0), "ai_scientists": (39.0, 8.0)}.items():
        for k, y in enumerate(range(1990, 2020)):
            rows.append(dict(method=method, metric=metric, year=y, latitude=lat0 + 0.1 * k, longitude=lon0 + 1.5 * k,
                             window_complete=y < 2018))
    return pd.DataFrame(rows)


def test_centre_map_zoomed_to_the_path_legend_off_the_map_year_labels_apart():
    from aigeo_assets.reports.centre_figures import fig_centre_trajectories, path_bounds

    c = _centres()
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


def _edges_and_cities():
    cities = pd.DataFrame({"city_geonames_id": [1, 2, 3], "city_name": ["Beijing", "London", "Boston"],
                           "bloc": ["East", "West", "West"], "latitude": [39.9, 51.5, 42.4], "longitude": [116.4, -0.1, -71.1]})
    edges = pd.DataFrame({"network": ["impact"] * 3, "source_city_geonames_id": [1, 2, 3], "target_city_geonames_id": [2, 3, 1],
                          "weight": [400.0, 100.0, 50.0]})
    return edges, cities


def test_network_map_explains_colours_and_edge_widths():
    from aigeo_assets.reports.centrality_figures import fig_network_map

    fig = fig_network_map(*_edges_and_cities(), network="impact")
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
    fig = fig_city_matrix(_matrix(), title="Citations", kind="impact")
    assert "citing" in fig.layout.yaxis.title.text and "cited" in fig.layout.xaxis.title.text
    assert fig.data[0].colorbar.title.text.startswith("citations")
    heat = fig_city_heatmaps(_ranks(), _top(), "productivity")
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


# ---------------------------------------------------------------- planted tables of every figure (the browser's visual check)
# Sized like a real run (40 countries x 40 topics, 20 venues, 30 years...) with the long names a
# real run has (M49 country names, long venue names), so that crowding shows in the browser.

LIFESCI_COUNTRIES = [  # code, iso3, M49 name, world region
    ("US", "USA", "United States of America", "Northern America"), ("CN", "CHN", "China", "Asia"),
    ("GB", "GBR", "United Kingdom of Great Britain and Northern Ireland", "Europe"), ("DE", "DEU", "Germany", "Europe"),
    ("JP", "JPN", "Japan", "Asia"), ("KR", "KOR", "Republic of Korea", "Asia"), ("IN", "IND", "India", "Asia"),
    ("CA", "CAN", "Canada", "Northern America"), ("FR", "FRA", "France", "Europe"), ("IT", "ITA", "Italy", "Europe"),
    ("AU", "AUS", "Australia", "Oceania"), ("NL", "NLD", "Netherlands", "Europe"), ("ES", "ESP", "Spain", "Europe"),
    ("CH", "CHE", "Switzerland", "Europe"), ("BR", "BRA", "Brazil", "Latin America and the Caribbean"),
    ("IR", "IRN", "Iran (Islamic Republic of)", "Asia"), ("TW", "TWN", "Taiwan", "Asia"), ("SE", "SWE", "Sweden", "Europe"),
    ("HK", "HKG", "China, Hong Kong SAR", "Asia"), ("TR", "TUR", "Türkiye", "Asia"), ("SG", "SGP", "Singapore", "Asia"),
    ("BE", "BEL", "Belgium", "Europe"), ("DK", "DNK", "Denmark", "Europe"), ("IL", "ISR", "Israel", "Asia"),
    ("SA", "SAU", "Saudi Arabia", "Asia"), ("AT", "AUT", "Austria", "Europe"), ("FI", "FIN", "Finland", "Europe"),
    ("NO", "NOR", "Norway", "Europe"), ("PL", "POL", "Poland", "Europe"), ("RU", "RUS", "Russian Federation", "Europe"),
    ("EG", "EGY", "Egypt", "Africa"), ("ZA", "ZAF", "South Africa", "Africa"), ("MX", "MEX", "Mexico", "Latin America and the Caribbean"),
    ("PK", "PAK", "Pakistan", "Asia"), ("VN", "VNM", "Viet Nam", "Asia"), ("NZ", "NZL", "New Zealand", "Oceania"),
    ("TZ", "TZA", "United Republic of Tanzania", "Africa"), ("VE", "VEN", "Venezuela (Bolivarian Republic of)", "Latin America and the Caribbean"),
    ("BA", "BIH", "Bosnia and Herzegovina", "Europe"), ("AE", "ARE", "United Arab Emirates", "Asia"),
]
LIFESCI_TOPICS = ["Radiology", "Oncology", "Internal medicine", "Pathology", "Cardiology", "Ophthalmology", "Surgery", "Genetics",
                  "Bioinformatics", "Neuroscience", "Image Interpretation, Computer-Assisted", "Diagnostic Imaging",
                  "Magnetic Resonance Imaging", "Tomography, X-Ray Computed", "Electronic Health Records", "Drug Discovery",
                  "Protein Structure and Dynamics", "Gene Expression Profiling", "Dermatology", "Psychiatry", "Intensive Care",
                  "Emergency Medicine", "Epidemiology", "Public Health", "Nursing", "Dentistry", "Physical therapy",
                  "Anesthesiology", "Obstetrics", "Pediatrics", "Urology", "Gastroenterology", "Endocrinology", "Nephrology",
                  "Pulmonology", "Rheumatology", "Hematology", "Immunology", "Microbiology", "Virology"]
REGIONS = ["Africa", "Asia", "Europe", "Latin America and the Caribbean", "Northern America", "Oceania"]


def lifesci_countries(n: int = 40) -> pd.DataFrame:
    """``country_counts``-like: the countries above, articles falling with rank."""
    rows = LIFESCI_COUNTRIES[:n]
    return pd.DataFrame({"country_code": [r[0] for r in rows], "iso3": [r[1] for r in rows], "country_name": [r[2] for r in rows],
                         "world_region": [r[3] for r in rows], "articles": [int(20000 / (k + 1) ** 1.3) + 1 for k in range(len(rows))]})


def lifesci_topic_shares() -> pd.DataFrame:
    """``topic_country_shares``: 40 countries (grouped by region) x 40 topics."""
    c = lifesci_countries()
    c = c.assign(_r=c["world_region"].map(REGIONS.index)).sort_values(["_r"], kind="stable")
    rows = [dict(country_code=r.country_code, country_name=r.country_name, world_region=r.world_region, topic=t, topic_rank=k + 1,
                 share=((i * 7 + k * 3) % 11) / 100.0) for i, r in enumerate(c.itertuples()) for k, t in enumerate(LIFESCI_TOPICS)]
    return pd.DataFrame(rows)


def lifesci_clinical() -> pd.DataFrame:
    """``clinical_by_country``: the top 30 countries by clinical articles."""
    c = lifesci_countries(30)
    clin = (c["articles"] * 0.3).astype(int)
    return c.assign(rank=range(1, 31), clinical_articles=clin, share_of_world_clinical=clin / clin.sum() * 0.94,
                    clinical_share_of_country=0.2 + 0.01 * np.arange(30))


def lifesci_high_ranked() -> pd.DataFrame:
    """``high_ranked_by_country``: 40 countries, shares falling."""
    c = lifesci_countries()
    return c.assign(share_high_ranked=0.45 - 0.01 * np.arange(40), high_ranked_articles=(c["articles"] * 0.3).astype(int))


def lifesci_region_years() -> pd.DataFrame:
    """``high_ranked_by_region_year``: six regions over 2000-2022."""
    return pd.DataFrame([dict(world_region=r, year=y, share_high_ranked=0.1 + 0.02 * k + 0.002 * (y - 2000))
                         for k, r in enumerate(REGIONS) for y in range(2000, 2023)])


def lifesci_irrs(models=("A", "B", "C", "D"), not_estimable: str | None = None) -> pd.DataFrame:
    """``irr_table`` of the relevance models (base Asia): five region terms per model; ``not_estimable``
    a model whose row says why it was not estimated."""
    spec = {"A": ("citations", "year"), "B": ("clinical_citations", "year"), "C": ("clinical_citations", "year,outlet"),
            "D": ("citations", "year,outlet")}
    terms = (("africa", "Africa"), ("europe", "Europe"), ("latin_america", "Latin America and the Caribbean"),
             ("northern_america", "Northern America"), ("oceania", "Oceania"))
    rows = [dict(model=m, term=t, label=lab, irr=1.0 + 0.1 * k, lower=0.9, upper=1.3 + 0.1 * k, outcome=spec[m][0], absorbed=spec[m][1],
                 nobs=51234) for m in models for k, (t, lab) in enumerate(terms)]
    if not_estimable:
        rows.append(dict(model=not_estimable, term="not estimable: the outlet effects absorb every region", label=None, irr=None,
                         lower=None, upper=None, outcome=spec[not_estimable][0], absorbed=spec[not_estimable][1], nobs=None))
    return pd.DataFrame(rows)


def lifesci_international() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(irrs of ``international`` per outcome, ``international_share_by_year``, ``international_share_by_region``)."""
    irrs = pd.DataFrame({"model": ["8A", "8B"], "term": ["international"] * 2, "label": ["International collaboration"] * 2,
                         "irr": [1.3, 1.2], "lower": [1.2, 1.05], "upper": [1.4, 1.35], "outcome": ["citations", "clinical_citations"],
                         "absorbed": ["year"] * 2, "nobs": [51234] * 2})
    by_year = pd.DataFrame({"year": range(2000, 2023), "share_international": [0.1 + 0.005 * k for k in range(23)]})
    by_region = pd.DataFrame({"world_region": REGIONS, "share_international": [0.4, 0.2, 0.35, 0.3, 0.25, 0.45]})
    return irrs, by_year, by_region


def lifesci_dyads() -> pd.DataFrame:
    """``collaboration_dyads``: every lead region x co-author region pair but a region with itself, sized
    like the paper's (Europe, Northern America and Asia large; Africa, Latin America and Oceania thin)."""
    size = {"Africa": 1, "Asia": 30, "Europe": 40, "Latin America and the Caribbean": 3, "Northern America": 35, "Oceania": 4}
    return pd.DataFrame([dict(lead_world_region=a, coauthor_world_region=b, dyads=size[a] * size[b])
                         for a in REGIONS for b in REGIONS if a != b])


def lifesci_outlet_sample() -> pd.DataFrame:
    """``outlet_sample_decomposition``: per outcome and region three IRRs (full, same sample, outlet effects)."""
    rows = []
    for outcome, n in (("citations", 51234), ("clinical_citations", 20345)):
        for k, label in enumerate(REGIONS[:1] + REGIONS[2:]):
            row = dict(outcome=outcome, label=label)
            for j, step in enumerate(("full", "same_sample", "outlet")):
                irr = 1.0 + 0.1 * k - 0.05 * j
                row.update({f"irr_{step}": irr, f"lower_{step}": irr - 0.1, f"upper_{step}": irr + 0.12, f"nobs_{step}": n - 9000 * j})
            rows.append(row)
    return pd.DataFrame(rows)


def lifesci_premium() -> pd.DataFrame:
    """``international_high_ranked_premium``: the ratio of shares and the year-adjusted ratio."""
    common = dict(share_international=0.27, share_national=0.2, international_high_ranked=2700, international_articles=10000,
                  national_high_ranked=8000, national_articles=40000, note=None)
    return pd.DataFrame([dict(estimator="ratio_of_shares", ratio=1.35, lower=1.29, upper=1.41, **common),
                         dict(estimator="year_adjusted", ratio=1.31, lower=1.25, upper=1.38, **common)])


def lifesci_by_outlet_type() -> pd.DataFrame:
    """``by_outlet_type``: journals and conference proceedings by lead region, and all regions."""
    rows = []
    for t, label in (("journal", "life-science journals"), ("conference", "computer-science conference proceedings")):
        for k, r in enumerate(REGIONS + ["All regions"]):
            rows.append(dict(outlet_type=t, outlet_type_label=label, world_region=r, share_of_type=0.1 + 0.02 * k,
                             share_high_ranked=0.2 + 0.01 * k, share_international=0.3, mean_citations=12.0 + k, articles=1000 * (k + 1)))
    return pd.DataFrame(rows)


def venue_east_west(n_venues: int = 20) -> pd.DataFrame:
    """``out_venue_east_west``: the top AI venues (long names) with yearly Eastern and Western papers."""
    names = ["Proceedings of the AAAI Conference on Artificial Intelligence", "IEEE Transactions on Pattern Analysis and Machine Intelligence",
             "Computer Vision and Pattern Recognition", "Neural Information Processing Systems", "International Conference on Machine Learning",
             "International Joint Conference on Artificial Intelligence", "Expert Systems with Applications", "Neurocomputing",
             "IEEE Transactions on Neural Networks and Learning Systems", "Pattern Recognition", "Knowledge-Based Systems",
             "European Conference on Computer Vision", "International Conference on Computer Vision", "Artificial Intelligence",
             "Journal of Machine Learning Research", "Neural Networks", "Information Sciences", "Applied Soft Computing",
             "IEEE Transactions on Image Processing", "Meeting of the Association for Computational Linguistics"][:n_venues]
    return pd.DataFrame([dict(venue_id=f"S{k}", venue_rank=k + 1, venue_name=name, year=y, east_papers=10 * k + (y - 2000) * 3,
                              west_papers=200 - 5 * k + (y - 2000)) for k, name in enumerate(names) for y in range(2000, 2021)])


def disruption_ranks() -> pd.DataFrame:
    """``out_disruption_city_ranks``: 14 cities over 2000-2020 whose ranks cross and tie; the last three
    years' CD window incomplete."""
    names = ["Beijing", "Mountain View", "Hong Kong", "London", "Singapore", "Boston", "Shanghai", "Tokyo", "Seoul", "Paris",
             "Toronto", "Zurich", "Shenzhen", "Pittsburgh"]
    rows = []
    for y in range(2000, 2021):
        for k, name in enumerate(names):
            n = 50 + ((k * 7 + y * 3) % 13) * 5 + (y - 2000) * (3 if k % 2 == 0 else 1)
            rows.append(dict(year=y, city_geonames_id=1000 + k, city_name=name, bloc="East" if k % 2 == 0 else "West", n_papers=10 * n,
                             n_disruptive=n, n_developmental=n + (k % 3), window_complete=y < 2018))
    df = pd.DataFrame(rows)
    for kind in ("disruptive", "developmental"):
        df[f"rank_{kind}"] = df.groupby("year")[f"n_{kind}"].rank(method="min", ascending=False).astype("int64")
    return df


def bridges_by_year(networks=("impact", "migration", "collaboration")) -> pd.DataFrame:
    """``out_east_west_betweenness_by_year``: ten cities' East-West betweenness per five-year window, 2004-2020."""
    names = ["Singapore", "Hong Kong", "London", "Beijing", "Boston", "Tokyo", "Sydney", "Toronto", "Seoul", "Zurich"]
    rows = []
    for network in networks:
        for end in range(2004, 2021):
            vals = [(100 - 8 * k) * (1 + 0.02 * (end - 2004) * (k % 3)) for k in range(len(names))]
            order = sorted(range(len(names)), key=lambda k: -vals[k])
            for k, name in enumerate(names):
                rows.append(dict(network=network, window_end=end, city_geonames_id=2000 + k, city_name=name,
                                 bloc="East" if name in ("Singapore", "Hong Kong", "Beijing", "Tokyo", "Seoul") else "West",
                                 east_west_betweenness=vals[k], rank=order.index(k) + 1))
    return pd.DataFrame(rows)


def gravity_coefficients() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(``out_gravity_citations_by_year``: spec (4) fitted each year 2000-2020,
    ``out_gravity_citations_coefficients``: the three specifications pooled)."""
    terms = {"ln_papers_cited": 1.05, "ln_citations_made": 0.95, "ln_distance": -0.3, "same_city": 1.2, "same_country": 0.8,
             "same_subregion": 0.3, "shared_language": 0.2, "same_bloc": 0.4, "const": -5.0}
    rows = []
    for y in range(2000, 2021):
        for t, b in terms.items():
            rows.append(dict(model="gravity_citations", spec="(4)", year=y, term=t, coef=b + 0.01 * (y - 2010), ci_lower=b - 0.1, ci_upper=b + 0.1))
    for k, spec in enumerate(("(4)", "structural", "loglinear")):
        for t, b in terms.items():
            rows.append(dict(model="gravity_citations", spec=spec, year=None, term=t, coef=b - 0.05 * k, ci_lower=b - 0.15, ci_upper=b + 0.1))
    df = pd.DataFrame(rows)
    return df[df["year"].notna()].reset_index(drop=True), df[df["year"].isna()].reset_index(drop=True)


WORLD_CITIES = [  # name, country, bloc, lat, lon: cities all over the map, the map legend's corner included
    ("Beijing", "CN", "East", 39.9, 116.4), ("Shanghai", "CN", "East", 31.2, 121.5), ("Hong Kong", "HK", "East", 22.3, 114.2),
    ("Singapore", "SG", "East", 1.35, 103.8), ("Tokyo", "JP", "East", 35.7, 139.7), ("Seoul", "KR", "East", 37.6, 127.0),
    ("Tehran", "IR", "East", 35.7, 51.4), ("Moscow", "RU", "East", 55.8, 37.6), ("Bangalore", "IN", "East", 12.97, 77.6),
    ("London", "GB", "West", 51.5, -0.13), ("Paris", "FR", "West", 48.9, 2.35), ("Zurich", "CH", "West", 47.4, 8.5),
    ("Boston", "US", "West", 42.4, -71.1), ("Mountain View", "US", "West", 37.39, -122.08), ("Toronto", "CA", "West", 43.7, -79.4),
    ("Sydney", "AU", "West", -33.9, 151.2), ("Auckland", "NZ", "West", -36.8, 174.8), ("Sao Paulo", "BR", "West", -23.5, -46.6),
    ("Santiago", "CL", "West", -33.4, -70.7), ("Buenos Aires", "AR", "West", -34.6, -58.4), ("Cape Town", "ZA", None, -33.9, 18.4),
    ("Punta Arenas", "CL", "West", -53.2, -70.9),
]


def world_metrics(year: int = 2017) -> pd.DataFrame:
    """``out_city_year_metrics`` of ``year`` for ``WORLD_CITIES`` (one city without a bloc)."""
    rows = [dict(year=year, city_geonames_id=3000 + k, city_name=n, country_code=c, bloc=b, latitude=lat, longitude=lon,
                 productivity=2000 // (k + 1), impact=9000 // (k + 1), impact_long=12000 // (k + 1), ai_scientists=500 // (k + 1),
                 share_productivity=0.01, share_impact=0.01, share_impact_long=0.01, share_ai_scientists=0.01,
                 impact_window_complete=True, impact_long_window_complete=False)
            for k, (n, c, b, lat, lon) in enumerate(WORLD_CITIES)]
    return conform(pd.DataFrame(rows), "out_city_year_metrics")


def world_edges(network: str = "migration") -> pd.DataFrame:
    """``out_network_edges`` of ``network`` between ``WORLD_CITIES``: every pair, weights falling."""
    ids = [3000 + k for k in range(len(WORLD_CITIES))]
    pairs = [(a, b) for a in ids for b in ids if a < b]
    return pd.DataFrame({"network": network, "source_city_geonames_id": [a for a, _ in pairs],
                         "target_city_geonames_id": [b for _, b in pairs],
                         "weight": [1000.0 / (1 + k) for k in range(len(pairs))]})


def test_year_axes_tick_whole_years_once():
    """A year axis of three years ticked by plotly prints 2016 twice (a tick every half year through
    tickformat "d"); ``year_ticks`` steps by whole years, 1, 2, 5... so at most ``max_ticks`` ticks."""
    from aigeo_assets.reports.city_figures import year_ticks

    assert year_ticks([2015, 2016, 2017]) == dict(tickformat="d", tickmode="linear", tick0=2015, dtick=1)
    assert year_ticks(range(2000, 2023))["dtick"] == 2 and year_ticks(range(1990, 2021))["dtick"] == 5
    assert year_ticks(range(2000, 2021), max_ticks=5)["dtick"] == 5
    fig = fig_top_city_shares(_shares())
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


def big_matrix(n: int = 100) -> pd.DataFrame:
    """``out_city_matrix`` of ``n`` cities (East first), names as long as real ones, for the top-50 and
    top-100 matrices the assets draw (Supplementary Figs. 6-9)."""
    bases = ["Beijing", "Mountain View", "Hong Kong", "London", "Singapore", "Shanghai", "Boston", "Los Angeles", "Sao Paulo",
             "Tel Aviv-Yafo", "Kowloon City", "Zurich"]
    names = [f"{bases[k % len(bases)]} {k}" for k in range(n)]
    east = n // 2
    rows = [dict(top_n=n, row_order=r, col_order=c, row_city_geonames_id=r, col_city_geonames_id=c, row_city_name=names[r],
                 col_city_name=names[c], row_bloc="East" if r < east else "West", col_bloc="East" if c < east else "West",
                 value=float((r * 7 + c * 3) % 50 + (200 if r == c else 0)))
            for r in range(n) for c in range(n)]
    return conform(pd.DataFrame(rows), "out_city_matrix")


def m49_high_ranked(n: int = 90) -> pd.DataFrame:
    """``high_ranked_by_country`` of ``n`` countries of ``data/reference/un_m49.csv`` (M49 names, the
    long ones first: a real run has some 60-90 countries with at least 100 articles)."""
    from pathlib import Path

    m49 = pd.read_csv(Path(__file__).resolve().parents[2] / "data" / "reference" / "un_m49.csv", keep_default_na=False)
    m49 = m49.assign(_len=m49["country_name"].str.len()).sort_values(["_len", "country_code"], ascending=[False, True]).head(n)
    return pd.DataFrame({"country_code": m49["country_code"].to_numpy(), "country_name": m49["country_name"].to_numpy(),
                         "world_region": m49["world_region"].to_numpy(), "share_high_ranked": np.linspace(0.5, 0.02, len(m49)),
                         "high_ranked_articles": 50, "articles": 200})
