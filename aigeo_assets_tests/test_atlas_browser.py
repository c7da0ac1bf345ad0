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
        A.AtlasFigure("bars", "seed 000", "Fig. 3", "Bridges", "Bars.", figure=go.Figure(go.Bar(x=["Singapore", "Beijing"], y=[4.4, 1.0]))),
        A.AtlasFigure("map", "seed 000", "Fig. 4", "Centres", "A map from write_figure's page.", html_path=figdir / "map.html"),
        A.AtlasFigure("choropleth", "seed 004", "Fig. 2", "Articles by country", "A choropleth.", figure=choropleth),
        A.AtlasFigure("sankey", "seed 004", "Fig. 9", "Dyads", "Sankey.", figure=go.Figure(go.Sankey(
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
