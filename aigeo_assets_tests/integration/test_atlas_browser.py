"""The atlas opened from disk in a real browser (Debian's chromium through Playwright): every
figure renders, the map draws its country outlines from the inlined topojson, nothing is fetched
from the network and the console stays free of errors. A screenshot is saved on failure.

The visual check (issue 16): every public ``fig_*`` of ``aigeo_assets/reports/*_figures.py``
(a test fails when one is not drawn) on planted tables sized like a real run, as the atlas draws
it at a desktop's and a laptop's width and with the sample world's synthetic mark, must show no
colliding or cut-off text, no legend over data, no untitled axis or colour bar, no colour without
a key and no console warning (``_LAYOUT_CHECK_JS``); negative controls show each is caught."""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go
import pytest

from aigeo_assets.reports import atlas as A
from aigeo_assets.reports import figures as F
from aigeo_assets.reports.city_figures import style_world_map
from aigeo_assets_tests.support.every_figure import every_figure, figure_calls, journal_figures

try:
    from playwright import sync_api
except ImportError:  # the browser tests skip; the list of checked figures is still checked
    sync_api = None
CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(sync_api is None or not CHROMIUM.exists(),
                                    reason=f"playwright (pip install playwright) or {CHROMIUM} (apt-get install chromium) is missing")

pytestmark = pytest.mark.browser  # drawn in headless Chromium: `pytest -m 'not browser'` leaves them out


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


@needs_chromium
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
            assert page.locator("#fig-choropleth .choropleth path").count() >= 3
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
# the text direction against the text's height) or print one label twice, end labels (annotations)
# that overlap, a legend box over any data mark (markers, bars), text beside markers over another
# trace's markers, text of one kind over text of another (drawn boxes, rotated ones too), text cut
# off by the figure's edge, numeric axes and colour bars without a title, and colours without a key.
# Boxes are plotly's rendered SVG elements; axes and colours are read from plotly's _fullLayout/_fullData.
_LAYOUT_CHECK_JS = r"""
(root) => {
  const problems = [];
  if (!root.querySelector('.main-svg')) return [`the figure was not drawn: ${root.textContent.slice(0, 200)}`];
  const rect = el => el.getBoundingClientRect();
  const area = (a, b) => Math.max(0, Math.min(a.right, b.right) - Math.max(a.left, b.left)) *
                         Math.max(0, Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top));
  const angle = el => { const m = /rotate\(\s*(-?[\d.]+)/.exec(el.getAttribute('transform') || ''); return m ? +m[1] : 0; };
  // ticks, grouped by their axis (plotly's groups are .xtick, .ytick, .x2tick, .y3tick...) and layer
  const groups = new Map();
  root.querySelectorAll('g[class$="tick"] > text').forEach(t => {
    const tick = t.parentNode, cls = Array.from(tick.classList).find(c => /^[xy]\d*tick$/.test(c));
    if (!cls || !t.textContent.trim()) return;
    const key = cls + '|' + (tick.parentNode.getAttribute('class') || '') + '|' +
                (t.closest('.subplot') ? t.closest('.subplot').getAttribute('class') : '');
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(t);
  });
  groups.forEach((ticks, key) => {
    const seen = new Set();  // one label twice on an axis (a year axis ticking at half years, tickformat "d")
    ticks.forEach(t => { const s = t.textContent.trim(); if (seen.has(s)) problems.push(`tick label "${s}" twice on one axis`); seen.add(s); });
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
    // and lines (no markers): points along each drawn line inside the legend's box
    let crossed = 0;
    root.querySelectorAll('path.js-line').forEach(line => {
      if (line.closest('.legend')) return;  // the legend's own line samples
      const n = line.getTotalLength ? line.getTotalLength() : 0, m = line.getScreenCTM();
      if (!n || !m) return;
      for (let d = 0; d <= n; d += Math.max(3, n / 100)) {
        const p = line.getPointAtLength(d).matrixTransform(m);
        if (p.x > lr.left + 1 && p.x < lr.right - 1 && p.y > lr.top + 1 && p.y < lr.bottom - 1) { crossed++; break; }
      }
    });
    if (crossed) problems.push(`the legend covers ${crossed} lines`);
  }
  // text written beside markers (years on the centre-of-mass paths) over another trace's markers
  root.querySelectorAll('.trace').forEach(tr => {
    tr.querySelectorAll('text').forEach(t => {
      if (!t.textContent.trim()) return;
      const tb = rect(t);
      let hit = 0;
      root.querySelectorAll('.trace').forEach(other => {
        if (other === tr) return;
        other.querySelectorAll('path.point').forEach(m => { const r = rect(m); if (r.width > 0 && area(tb, r) > 4) hit++; });
      });
      if (hit) problems.push(`text "${t.textContent}" covers ${hit} markers of another trace`);
    });
  });
  // text of one kind over text of another (titles, axis titles, panel titles and notes, the legend,
  // colour bars, tick labels of different axes, text written beside markers), and text cut off by
  // the figure's edge
  const svg = rect(root.querySelector('.main-svg'));
  const boxes = [];
  // an element's box as drawn (rotated tick labels too): its local bounding box through its screen transform
  const corners = el => {
    const b = el.getBBox(), m = el.getScreenCTM();
    return [[b.x, b.y], [b.x + b.width, b.y], [b.x + b.width, b.y + b.height], [b.x, b.y + b.height]]
      .map(([x, y]) => new DOMPoint(x, y).matrixTransform(m));
  };
  const overlap = (p, q) => {  // separating axes of two convex quadrilaterals: the smallest penetration, in px
    let least = Infinity;
    for (const poly of [p, q]) for (let i = 0; i < 4; i++) {
      const a = poly[i], b = poly[(i + 1) % 4], nx = a.y - b.y, ny = b.x - a.x, len = Math.hypot(nx, ny);
      if (!len) continue;
      const proj = pts => pts.map(v => (v.x * nx + v.y * ny) / len);
      const pa = proj(p), pb = proj(q);
      least = Math.min(least, Math.min(Math.max(...pa), Math.max(...pb)) - Math.max(Math.min(...pa), Math.min(...pb)));
    }
    return least;
  };
  const add = (el, owner, what) => { const r = rect(el); if (r.width > 0 && r.height > 0) boxes.push({r, q: corners(el), owner, what}); };
  root.querySelectorAll('.gtitle').forEach(el => add(el, 'title', `the title`));
  root.querySelectorAll('.g-xtitle text, .g-ytitle text, [class^="g-x"][class$="title"] text, [class^="g-y"][class$="title"] text').forEach(
    (el, k) => add(el, 'axistitle' + k, `axis title "${el.textContent}"`));
  notes.forEach((el, k) => add(el, 'note' + k, `label "${el.textContent}"`));
  const leg = root.querySelector('.legend .bg'); if (leg) add(leg, 'legend', 'the legend');
  root.querySelectorAll('.colorbar').forEach((el, k) => add(el, 'colorbar' + k, 'a colour bar'));
  groups.forEach((ticks, key) => ticks.forEach(t => add(t, 'ticks:' + key, `tick label "${t.textContent}"`)));
  root.querySelectorAll('.node-label').forEach((el, k) => { if (el.textContent.trim()) add(el, 'node' + k, `node label "${el.textContent}"`); });
  root.querySelectorAll('.trace text').forEach((el, k) => { if (el.textContent.trim()) add(el, 'text' + k, `text "${el.textContent}"`); });
  const seenPair = new Set();
  for (let i = 0; i < boxes.length; i++) {
    const a = boxes[i];
    if (a.r.left < svg.left - 2 || a.r.right > svg.right + 2 || a.r.top < svg.top - 2 || a.r.bottom > svg.bottom + 2)
      problems.push(`${a.what} is cut off by the figure's edge`);
    for (let j = i + 1; j < boxes.length; j++) {
      const b = boxes[j];
      if (a.owner === b.owner) continue;
      if (area(a.r, b.r) > 4 && overlap(a.q, b.q) > 1.5) {
        const pair = a.what + '|' + b.what;
        if (!seenPair.has(pair)) { seenPair.add(pair); problems.push(`${a.what} overlaps ${b.what}`); }
      }
    }
  }
  // axes: a numeric axis (its tick labels drawn) needs a title; in a grid of panels one title of
  // that letter (x or y) suffices. A colour bar needs a title.
  const gd = root.classList.contains('js-plotly-plot') ? root : root.querySelector('.js-plotly-plot');
  const fl = gd && gd._fullLayout;
  if (fl) {
    const axes = Object.keys(fl).filter(k => /^[xy]axis\d*$/.test(k)).map(k => [k, fl[k]]);
    for (const letter of ['x', 'y']) {
      const mine = axes.filter(([k, ax]) => k[0] === letter && ax.visible !== false);
      const numeric = mine.filter(([k, ax]) => ax.showticklabels !== false && ['linear', 'log', 'date'].includes(ax.type) &&
                                               !(ax.tickvals && ax.ticktext && ax.ticktext.length));
      const titled = mine.filter(([k, ax]) => ax.title && ax.title.text && String(ax.title.text).trim() &&
                                              ax.title.text !== (fl._dfltTitle || {})[letter]);
      if (numeric.length && !titled.length) problems.push(`the ${letter} axis has no title (${numeric.map(a => a[0]).join(', ')})`);
    }
    // a category axis (countries, regions, cities) labels every category: plotly drops every other
    // label when they crowd, leaving bars without a name
    axes.forEach(([k, ax]) => {
      if (ax.type !== 'category' || ax.visible === false || ax.showticklabels === false || !ax._categories) return;
      const shown = new Set(Array.from(root.querySelectorAll(`g.${ax._id}tick > text`)).map(t => t.textContent.trim()).filter(Boolean));
      if (shown.size && shown.size < ax._categories.length) problems.push(`${k}: ${shown.size} of its ${ax._categories.length} categories labelled`);
    });
    root.querySelectorAll('.colorbar').forEach(cb => {
      const t = cb.querySelector('.cbtitle');
      if (!t || !t.textContent.trim()) problems.push('a colour bar has no title');
    });
    // colour without a key: data traces in two or more colours, and no legend entry, colour bar or
    // coloured words of a title saying what the colours are
    // (per panel: panels are told apart by their titles; a colour per point of a category axis is
    // told by the axis's labels; lines of width 0 and the markers of a trace without markers are not drawn)
    const colours = new Map();
    (gd._fullData || []).forEach(t => {
      if (t.visible !== true || ['sankey', 'heatmap', 'choropleth'].includes(t.type)) return;
      const pts = (t.x || t.lon || t.y || t.locations || []);
      if (!pts.length || Array.from(pts).every(v => v === null)) return;
      const panel = (t.xaxis || '') + (t.yaxis || '') + (t.geo || '');
      if (!colours.has(panel)) colours.set(panel, new Set());
      const set = colours.get(panel), mode = t.mode || '';
      const xa = fl[(t.xaxis || 'x').replace('x', 'xaxis')], ya = fl[(t.yaxis || 'y').replace('y', 'yaxis')];
      const categorical = (xa && xa.type === 'category') || (ya && ya.type === 'category');
      const c = t.marker && t.marker.color, l = t.line && t.line.color;
      if (t.type === 'bar' || mode.includes('markers')) {
        if (typeof c === 'string') set.add(c);
        else if (Array.isArray(c) && !categorical) c.forEach(v => typeof v === 'string' && set.add(v));
      }
      if (mode.includes('lines') && t.line && t.line.width > 0 && typeof l === 'string') set.add(l);
    });
    const keyed = root.querySelectorAll('.legend .traces').length > 0 || root.querySelector('.colorbar') ||
                  /<span style=["']color/.test(String((fl.title && fl.title.text) || '') +
                                              String((fl.title && fl.title.subtitle && fl.title.subtitle.text) || ''));
    colours.forEach((set, panel) => {
      if (set.size > 1 && !keyed) problems.push(`${set.size} colours and nothing says what they are (no legend, colour bar or coloured title)`);
    });
  }
  return problems;
}
"""


def _no_data_figures() -> list[tuple[str, go.Figure]]:
    """Each figure function once more on its tables with no rows, with the note the assets add then
    (``note_no_data``); functions that refuse empty tables with a clear error (the city figures, the
    centres) are left out, their assets say so without drawing."""
    import pandas as pd

    out, seen = [], set()
    for key, fn, args, kwargs in figure_calls():
        if fn in seen:
            continue
        seen.add(fn)
        try:
            fig = fn(*(a.iloc[:0] if isinstance(a, pd.DataFrame) else a for a in args), **kwargs)
        except ValueError:
            continue
        out.append((f"{key}_no_data", F.note_no_data(fig, "No data to draw for these years: the corpus has no rows for this figure.")))
    return out


ATLAS_WIDTHS = (1400, 1100)
"""Browser window widths the figures are checked at: a desktop's, and a laptop's (the atlas's
figures take the page's width, so labels crowd more on a narrower screen), the latter with the
sample world's synthetic line under each title (less room again; one page fewer to draw than
checking each at both widths)."""


def _layout_problems(tmp_path: Path, figures: list[tuple[str, go.Figure]]) -> tuple[dict[str, list[str]], list[str]]:
    """``_pages_problems`` of one page of ``figures`` 1,400 px wide."""
    return _pages_problems(tmp_path, [(1400, figures)])


def _pages_problems(tmp_path: Path, pages: list[tuple[int, list[tuple[str, go.Figure]]]]) -> tuple[dict[str, list[str]], list[str]]:
    """Each page's figures as an atlas drawn in chromium in a window of the page's width (one
    browser, a tab per page): ``_LAYOUT_CHECK_JS``'s problems by figure (on a page other than the
    first keyed "<figure> at <width> px"), and the console's warnings. A screenshot of a page with
    any problem is saved."""
    console: list[str] = []
    problems: dict[str, list[str]] = {}
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        try:
            for n, (width, figures) in enumerate(pages):
                sections = [A.AtlasFigure(key, "AlShebli et al. 2022", f"Fig. {k}", key, "", figure=fig)
                            for k, (key, fig) in enumerate(figures, start=1)]
                path = A.build_atlas(sections, {}, {"source": "snapshot"}, [], tmp_path / f"atlas_{n}.html")
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.on("console", lambda msg: console.append(msg.text) if ("WARN" in msg.text or msg.type in ("error", "warning")) else None)
                page.goto(path.resolve().as_uri())
                page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
                page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {len(figures)}", timeout=60_000)
                page.wait_for_timeout(300)
                found_here = False
                for key, _ in figures:
                    found = page.eval_on_selector(f"#fig-{key}", _LAYOUT_CHECK_JS)
                    if found:
                        problems[key if n == 0 else f"{key} at {width} px"] = list(dict.fromkeys(found))
                        found_here = True
                if found_here or console:
                    shot = tmp_path / f"layout_problems_{n}.png"
                    page.screenshot(path=str(shot), full_page=True)
                    print(f"screenshot: {shot}")
                page.close()
        finally:
            browser.close()
    return problems, console


def _needs_topojson() -> None:
    import os

    from aigeo_assets.reports.figures import DEFAULT_TOPOJSON_DIR

    if not os.environ.get(F.TOPOJSON_ENV) and not (DEFAULT_TOPOJSON_DIR / "world_110m.json").is_file():
        pytest.skip("the vendored topojson is missing (make setup)")


@needs_chromium
def test_no_figure_has_colliding_labels_or_a_legend_over_its_data(tmp_path):
    """Issue 16: every figure the atlas shows (every ``fig_*``, ``every_figure``), drawn in headless
    chromium: none of ``_LAYOUT_CHECK_JS``'s problems (overlapping or repeated tick labels, labels
    over labels or over another path's markers, a legend over data, text cut off, axes or colour
    bars without titles, colours without a key), at a desktop's width and, with the synthetic
    mark, a laptop's; the console has no warning (plotly.js's "Invalid color specifier" is one);
    and each figure of empty tables is drawn."""
    _needs_topojson()
    figures = journal_figures()
    # on the sample world every figure carries the synthetic line under its title (mark_synthetic),
    # which takes room from the plot: the marked figures are checked at the laptop's width
    marked = [(f"{key}_synthetic", F.mark_synthetic(go.Figure(fig))) for key, fig in figures]
    empty = _no_data_figures()
    wide, narrow = ATLAS_WIDTHS
    problems, console = _pages_problems(tmp_path, [(wide, figures + empty), (narrow, marked)])
    # a figure of empty tables must be drawn (an empty Sankey was not: "Invalid array length") and
    # is held to the same check (note_no_data hides the empty axes and drops the panel titles)
    assert len(empty) >= 15
    assert not problems, f"figures with colliding labels or a legend over data: { {k: v[:4] for k, v in problems.items()} }"
    assert not console, f"console warnings: {console[:3]}"


@needs_chromium
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
    # what the check of every figure found first (issue 16's list): a year axis printing a year twice,
    # a legend over the rotated tick labels of the second panel, axes without titles, two colours and
    # no key, a label cut off by the figure's edge, a colour bar without a title; and a figure with
    # none of these passes
    from plotly.subplots import make_subplots

    years = go.Figure(go.Scatter(x=[2015, 2016, 2017], y=[1, 2, 3]))
    years.update_xaxes(tickformat="d", title="year")
    years.update_yaxes(title="share")
    panels = make_subplots(rows=1, cols=2)
    for c in (1, 2):
        panels.add_trace(go.Bar(x=["Northern America", "Latin America", "Europe"], y=[1, 2, 3], name=f"panel {c}"), row=1, col=c)
    panels.update_xaxes(tickangle=30)
    panels.update_yaxes(title="%")
    panels.update_layout(legend=dict(orientation="h", x=0.55, y=-0.02, xanchor="left", yanchor="top"))
    untitled = go.Figure(go.Scatter(x=[1, 2], y=[3, 4], mode="lines+markers"))
    keyless = go.Figure([go.Scatter(x=[1, 2], y=[k, k + 1], mode="lines", line_color=c, showlegend=False)
                         for k, c in enumerate(("#d62728", "#1f77b4"))])
    keyless.update_layout(xaxis_title="year", yaxis_title="rank")
    cut = go.Figure(go.Scatter(x=[1, 2], y=[3, 4], name="a"))
    cut.update_layout(xaxis_title="x", yaxis_title="y")
    cut.add_annotation(text="a note that runs far beyond the right-hand edge of the figure", xref="paper", yref="paper", x=1.0, y=0.5,
                       xanchor="left", showarrow=False)
    bar = go.Figure(go.Heatmap(z=[[1, 2], [3, 4]]))
    bar.update_layout(xaxis_title="x", yaxis_title="y")
    lined = go.Figure([go.Scatter(x=[0, 3], y=[11, 9], mode="lines", name=f"line {k}") for k in range(2)])  # crosses the top left
    lined.update_layout(legend=dict(x=0, y=1, xanchor="left", yanchor="top"), yaxis_range=[9, 11], xaxis_range=[0, 3],
                        xaxis_title="x", yaxis_title="y")
    texted = go.Figure([go.Scatter(x=[1, 2], y=[1, 1], mode="markers+text", text=["", "2019"], textposition="middle right", name="a"),
                        go.Scatter(x=[2.02, 2.04], y=[1, 1], mode="markers", marker_size=10, name="b")])  # b's markers under a's year
    texted.update_layout(xaxis_title="x", yaxis_title="y", xaxis_range=[0, 3])
    good = go.Figure(go.Scatter(x=[2015, 2016, 2017], y=[1, 2, 3], mode="lines+markers", name="share"))
    good.update_xaxes(tickformat="d", dtick=1, title="year")
    good.update_yaxes(title="share")
    good.update_layout(legend=dict(orientation="h", x=0, y=1.02, xanchor="left", yanchor="bottom"))
    problems, console = _layout_problems(tmp_path, [
        ("ticks", ticks), ("labels", labels), ("legend", legend), ("colours", colours), ("years", years), ("panels", panels),
        ("untitled", untitled), ("keyless", keyless), ("cut", cut), ("bar", bar), ("texted", texted), ("lined", lined), ("good", good)])
    assert any("tick labels overlap" in p for p in problems.get("ticks", []))
    assert any("labels overlap" in p for p in problems.get("labels", []))
    assert any("legend covers" in p for p in problems.get("legend", []))
    assert any("Invalid color specifier" in c for c in console)
    assert any('tick label "2016" twice' in p for p in problems.get("years", [])), problems.get("years")
    assert any(p.startswith("the legend overlaps tick label") for p in problems.get("panels", [])), problems.get("panels")
    assert {"the x axis has no title (xaxis)", "the y axis has no title (yaxis)"} <= set(problems.get("untitled", []))
    assert any("2 colours and nothing says what they are" in p for p in problems.get("keyless", [])), problems.get("keyless")
    assert any("cut off by the figure's edge" in p for p in problems.get("cut", [])), problems.get("cut")
    assert "a colour bar has no title" in problems.get("bar", [])
    assert any('text "2019" covers' in p for p in problems.get("texted", [])), problems.get("texted")
    assert any("the legend covers 2 lines" in p for p in problems.get("lined", [])), problems.get("lined")
    assert "good" not in problems, problems["good"]


def test_every_figure_function_is_in_the_visual_check():
    """Every public ``fig_*`` of ``aigeo_assets/reports/*_figures.py`` is drawn by ``every_figure``
    (and so checked in the browser): a new figure function cannot skip the visual check. The atlas
    draws no figure of its own (it shows what these functions drew)."""
    import importlib
    import inspect

    from aigeo_assets import reports

    public = set()
    for path in sorted(Path(reports.__file__).parent.glob("*_figures.py")):
        mod = importlib.import_module(f"aigeo_assets.reports.{path.stem}")
        public |= {f"{path.stem}.{name}" for name, fn in inspect.getmembers(mod, inspect.isfunction)
                   if name.startswith("fig_") and fn.__module__ == mod.__name__}
    checked = {f"{fn.__module__.rsplit('.', 1)[1]}.{fn.__name__}" for _, fn, _ in every_figure()}
    assert len(public) >= 25 and "lifesci_figures.fig_by_outlet_type" in public  # the enumeration finds them
    assert not public - checked, f"figure functions the browser check does not draw: {sorted(public - checked)}"
    atlas_source = Path(A.__file__).read_text()
    assert not any(f"go.{kind}(" in atlas_source for kind in ("Figure", "Scatter", "Bar", "Heatmap", "Scattergeo", "Choropleth", "Sankey"))
