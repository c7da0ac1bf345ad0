"""The atlas opened from disk in a real browser (Debian's chromium through Playwright): every
figure renders, the map draws its country outlines from the inlined topojson, nothing is fetched
from the network and the console stays free of errors. A screenshot is saved on failure."""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go
import pytest

from aigeo_assets.reports import atlas as A
from aigeo_assets.reports import figures as F
from aigeo_assets.reports.city_figures import style_world_map

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium)")


def _atlas(tmp_path: Path) -> Path:
    figdir = tmp_path / "figures"
    figdir.mkdir()
    world = go.Figure(go.Scattergeo(lon=[116.4, -0.13, 103.8], lat=[39.9, 51.5, 1.35], text=["Beijing", "London", "Singapore"]))
    style_world_map(world)
    choropleth = go.Figure(go.Choropleth(locations=["CHN", "USA", "DEU"], z=[3, 2, 1]))
    style_world_map(choropleth)
    (figdir / "map.html").write_text(F.figure_html(world))
    sections = [
        A.AtlasFigure("bars", "AlShebli et al. 2022", "Fig. 3", "Bridges", "Bars.", figure=go.Figure(go.Bar(x=["Singapore", "Beijing"], y=[4.4, 1.0]))),
        A.AtlasFigure("map", "AlShebli et al. 2022", "Fig. 4", "Centres", "A map from write_figure's page.", html_path=figdir / "map.html"),
        A.AtlasFigure("choropleth", "Schmallenbach et al. 2024", "Fig. 2", "Articles by country", "A choropleth.", figure=choropleth),
        A.AtlasFigure("sankey", "Schmallenbach et al. 2024", "Fig. 9", "Dyads", "Sankey.", figure=go.Figure(go.Sankey(
            node={"label": ["Europe", "Asia"]}, link={"source": [0], "target": [1], "value": [3]}))),
    ]
    return A.build_atlas(sections, {"source": "sample"}, {"source": "test"}, ["Singapore bridges East and West."],
                         tmp_path / "atlas.html")


def test_the_atlas_renders_every_figure_offline(tmp_path):
    path = _atlas(tmp_path)
    errors, remote = [], []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("request", lambda req: remote.append(req.url) if not req.url.startswith(("file:", "data:", "blob:", "about:")) else None)
        try:
            page.goto(path.resolve().as_uri())
            page.evaluate("window.dispatchEvent(new Event('beforeprint'))")  # the atlas draws every figure before printing
            page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 4", timeout=60_000)
            for key in ("bars", "map", "choropleth", "sankey"):
                assert page.locator(f"#fig-{key} .main-svg").count() >= 1, f"figure {key} did not render"
            # no blank map: the outlines come from the inlined topojson
            for key in ("map", "choropleth"):
                drawn = page.eval_on_selector_all(
                    f"#fig-{key} .geo .coastlines path, #fig-{key} .geo .countries path",
                    "els => els.reduce((n, e) => n + (e.getAttribute('d') || '').length, 0)",
                )
                assert drawn > 10_000, f"map {key}: outlines of {drawn} path characters (blank map?)"
            assert page.locator(f"#fig-choropleth .choropleth path").count() >= 3
            assert not remote, f"the atlas fetched {remote[:3]}"
            assert not errors, f"console errors: {errors[:3]}"
        except Exception:
            shot = tmp_path / "atlas_failure.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot: {shot}")
            raise
        finally:
            browser.close()


# ---------------------------------------------------------------- the visual check (issue 16)

# For every drawn figure: tick labels of one axis that overlap (rotated labels: their spacing across
# the text direction against the text's height), end labels (annotations) that overlap, and a legend
# box over any data mark (markers, bars). Boxes are plotly's rendered SVG elements.
_LAYOUT_CHECK_JS = r"""
(root) => {
  const problems = [];
  const rect = el => el.getBoundingClientRect();
  const area = (a, b) => Math.max(0, Math.min(a.right, b.right) - Math.max(a.left, b.left)) *
                         Math.max(0, Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top));
  const angle = el => { const m = /rotate\(\s*(-?[\d.]+)/.exec(el.getAttribute('transform') || ''); return m ? +m[1] : 0; };
  // ticks, grouped by their axis layer
  const groups = new Map();
  root.querySelectorAll('.xtick text, .ytick text').forEach(t => {
    if (!t.textContent.trim()) return;
    const tick = t.closest('.xtick, .ytick');
    const key = (tick.classList.contains('xtick') ? 'x' : 'y') + '|' + (tick.parentNode.getAttribute('class') || '') + '|' +
                (t.closest('.subplot') ? t.closest('.subplot').getAttribute('class') : '');
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(t);
  });
  groups.forEach((ticks, key) => {
    for (let i = 0; i < ticks.length; i++) for (let j = i + 1; j < ticks.length; j++) {
      const a = ticks[i], b = ticks[j], ra = rect(a), rb = rect(b), deg = angle(a);
      if (deg === 0) {
        if (area(ra, rb) > 2) problems.push(`tick labels overlap: "${a.textContent}" / "${b.textContent}"`);
      } else {  // rotated: the labels' distance across their direction against their height
        const dx = (rb.left + rb.right - ra.left - ra.right) / 2, dy = (rb.top + rb.bottom - ra.top - ra.bottom) / 2;
        const r = deg * Math.PI / 180, across = Math.abs(-dx * Math.sin(r) + dy * Math.cos(r));
        const h = Math.min(a.getBBox().height, b.getBBox().height) * 0.8;
        if (across < h && area(ra, rb) > 2) problems.push(`rotated tick labels overlap: "${a.textContent}" / "${b.textContent}"`);
      }
    }
  });
  // annotations (end labels, notes) that overlap one another
  const notes = Array.from(root.querySelectorAll('.annotation-text-g')).filter(g => g.textContent.trim());
  for (let i = 0; i < notes.length; i++) for (let j = i + 1; j < notes.length; j++) {
    if (area(rect(notes[i]), rect(notes[j])) > 4) problems.push(`labels overlap: "${notes[i].textContent}" / "${notes[j].textContent}"`);
  }
  // the legend box over a data mark
  const legend = root.querySelector('.legend .bg');
  if (legend) {
    const lr = rect(legend);
    const marks = root.querySelectorAll('.scatterlayer .point, .barlayer .point path, .geolayer .scattergeo .point, .geo .scattergeo path.point');
    let hit = 0;
    marks.forEach(m => { const r = rect(m); if (r.width > 0 && r.height > 0 && area(lr, r) > 1) hit++; });
    if (hit) problems.push(`the legend covers ${hit} data marks`);
  }
  return problems;
}
"""


def _journal_figures() -> list[tuple[str, go.Figure]]:
    """The figures the atlas shows, drawn by the project's figure functions on small planted tables."""
    import pandas as pd

    from aigeo_assets_tests import test_figures as T
    from aigeo_assets.reports.centrality_figures import fig_betweenness_bars, fig_network_map
    from aigeo_assets.reports.centre_figures import fig_centre_trajectories, fig_focal_pull
    from aigeo_assets.reports.city_figures import fig_city_heatmaps, fig_city_matrix, fig_city_ranks
    from aigeo_assets.reports.lifesci_figures import fig_high_ranked_by_country, fig_relevance_irrs, fig_yearly_counts

    ranks, top = T.deep_ranks()
    irr_rows = [dict(model=m, term=t, label=lab, irr=1.0 + 0.1 * k, lower=0.9, upper=1.3 + 0.1 * k, outcome=o, absorbed=a, nobs=500)
                for m, o, a in (("A", "citations", "year"), ("B", "clinical_citations", "year"),
                                ("C", "clinical_citations", "year,outlet"), ("D", "citations", "year,outlet"))
                for k, (t, lab) in enumerate((("africa", "Africa"), ("europe", "Europe"), ("latin_america", "Latin America and the Caribbean"),
                                              ("northern_america", "Northern America"), ("oceania", "Oceania")))]
    codes = ["GB", "US", "DE", "FR", "CN", "HK", "KR", "IR", "RU", "BR", "AU", "IN", "JP", "NL", "CH", "TW"]
    regions = {"GB": "Europe", "US": "Northern America", "DE": "Europe", "FR": "Europe", "CN": "Asia", "HK": "Asia", "KR": "Asia",
               "IR": "Asia", "RU": "Europe", "BR": "Latin America and the Caribbean", "AU": "Oceania", "IN": "Asia", "JP": "Asia",
               "NL": "Europe", "CH": "Europe", "TW": "Asia"}
    high = pd.DataFrame({"country_code": codes, "country_name": [None] * len(codes), "world_region": [regions[c] for c in codes],
                         "share_high_ranked": [0.4 - 0.02 * k for k in range(len(codes))], "high_ranked_articles": [40] * len(codes),
                         "articles": [100] * len(codes)})
    years = list(range(2000, 2023))
    counts = pd.DataFrame({"year": years, "articles": [int(50 * 1.2 ** k) for k in range(len(years))],
                           "pubmed": [int(40 * 1.2 ** k) for k in range(len(years))], "openalex": [int(10 * 1.2 ** k) for k in range(len(years))],
                           "both": 0})
    edges, cities = T._edges_and_cities()
    scores = pd.DataFrame({"network": ["impact"] * 6 + ["migration"] * 6, "rank": list(range(1, 7)) * 2,
                           "east_west_betweenness": [9.0, 7, 5, 3, 2, 1] * 2, "city_name": ["Singapore", "Beijing", "London", "Hong Kong",
                           "Boston", "Tokyo"] * 2, "bloc": ["East", "East", "West", "East", "West", "East"] * 2,
                           "east_west_path_share": [0.1] * 12, "betweenness": [10.0] * 12})
    pull = pd.DataFrame([dict(year=y, metric=m, method=meth, pull_km=100.0 + y - 2000, focal_city_name="Beijing", focal_city_bloc="East",
                              focal_share=0.1, window_complete=y < 2018)
                         for y in range(2000, 2020) for m in ("impact", "productivity", "ai_scientists") for meth in ("planar", "spherical")])
    return [
        ("ranks", fig_city_ranks(ranks, top, "impact")),
        ("heatmaps", fig_city_heatmaps(T._ranks(), T._top(), "impact")),
        ("matrix", fig_city_matrix(T._matrix(), title="Citations from row city to column city (top 20)", kind="impact")),
        ("centres", fig_centre_trajectories(T._centres())),
        ("pull", fig_focal_pull(pull)),
        ("network", fig_network_map(edges, cities, network="impact")),
        ("bars", fig_betweenness_bars(scores)),
        ("fig1_counts", fig_yearly_counts(counts, 0.2, (2010, 2022))),
        ("fig5_high", fig_high_ranked_by_country(high)),
        ("fig7_irrs", fig_relevance_irrs(pd.DataFrame(irr_rows))),
    ]


def _layout_problems(tmp_path: Path, figures: list[tuple[str, go.Figure]]) -> tuple[dict[str, list[str]], list[str]]:
    """The atlas of ``figures`` drawn in chromium: ``_LAYOUT_CHECK_JS``'s problems by figure, and the
    console's warnings. A screenshot is saved when there is any."""
    sections = [A.AtlasFigure(key, "AlShebli et al. 2022", f"Fig. {k}", key, "", figure=fig) for k, (key, fig) in enumerate(figures, start=1)]
    path = A.build_atlas(sections, {}, {"source": "snapshot"}, [], tmp_path / "atlas.html")
    console: list[str] = []
    problems: dict[str, list[str]] = {}
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.on("console", lambda msg: console.append(msg.text) if ("WARN" in msg.text or msg.type in ("error", "warning")) else None)
        try:
            page.goto(path.resolve().as_uri())
            page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
            page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {len(figures)}", timeout=60_000)
            page.wait_for_timeout(300)
            for key, _ in figures:
                found = page.eval_on_selector(f"#fig-{key}", _LAYOUT_CHECK_JS)
                if found:
                    problems[key] = found[:4]
            if problems or console:
                shot = tmp_path / "layout_problems.png"
                page.screenshot(path=str(shot), full_page=True)
                print(f"screenshot: {shot}")
        finally:
            browser.close()
    return problems, console


def _needs_topojson() -> None:
    import os

    from aigeo_assets.reports.figures import DEFAULT_TOPOJSON_DIR

    if not os.environ.get(F.TOPOJSON_ENV) and not (DEFAULT_TOPOJSON_DIR / "world_110m.json").is_file():
        pytest.skip("the vendored topojson is missing (make setup)")


def test_no_figure_has_colliding_labels_or_a_legend_over_its_data(tmp_path):
    """Issue 16: every kind of figure the atlas shows, drawn in headless chromium: no two tick labels
    of an axis overlap, no two labels overlap, no legend box covers a marker or a bar, and the
    console has no warning (plotly.js's "Invalid color specifier" is one)."""
    _needs_topojson()
    problems, console = _layout_problems(tmp_path, _journal_figures())
    assert not problems, f"figures with colliding labels or a legend over data: {problems}"
    assert not console, f"console warnings: {console[:3]}"


def test_the_visual_check_sees_what_issue_16_saw(tmp_path):
    """Negative controls: the old Fig. 1 rank axis (a tick per rank to 270), end labels on one
    point, a legend inside the plot over the markers and error bars inheriting an array colour are
    all caught."""
    ticks = go.Figure(go.Scatter(x=[2000, 2001], y=[1, 270], mode="markers"))
    ticks.update_yaxes(autorange="reversed", dtick=1)
    labels = go.Figure(go.Scatter(x=[1, 2], y=[1, 2]))
    for name in ("Beijing", "Singapore"):
        labels.add_annotation(x=2, y=2, text=name, showarrow=False, xanchor="left")
    legend = go.Figure([go.Scatter(x=[0.05, 0.1, 2, 3], y=[10.9, 10.85, 10, 10], mode="markers", marker_size=14, name=f"series {k}")
                        for k in range(3)])  # the first points sit in the top left corner, under the legend
    legend.update_layout(legend=dict(x=0, y=1, xanchor="left", yanchor="top"), yaxis_range=[9, 11], xaxis_range=[0, 3])
    colours = go.Figure(go.Scatter(x=[1.0, 1.2], y=["Africa", "Europe"], mode="markers", marker_color=["#ff7f0e", "#1f77b4"],
                                   error_x=dict(type="data", array=[0.1, 0.1])))
    problems, console = _layout_problems(tmp_path, [("ticks", ticks), ("labels", labels), ("legend", legend), ("colours", colours)])
    assert any("tick labels overlap" in p for p in problems.get("ticks", []))
    assert any("labels overlap" in p for p in problems.get("labels", []))
    assert any("legend covers" in p for p in problems.get("legend", []))
    assert any("Invalid color specifier" in c for c in console)
