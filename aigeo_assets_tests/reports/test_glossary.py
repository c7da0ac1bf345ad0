"""Plain words (issue 16): every text a user reads on its own in the Dagster UI (each asset's, check's,
job's, schedule's and sensor's description and each setting's help), every atlas caption and every
atlas finding and every figure (its title, axis titles, legend and notes: ``figure_texts``) spells
out each glossary term (``aigeo_assets.reports.glossary``) at its first use in that text. Cheap: no
run, no world."""

from __future__ import annotations

import dagster as dg
import numpy as np
import pandas as pd
import pytest

from aigeo_assets.reports.glossary import GLOSSARY, first_use, term, unexplained
from aigeo_assets.resources.settings import REPO_ROOT

def ui_texts(defs: dg.Definitions) -> dict[str, str]:
    """Every description the Dagster UI shows on its own: assets, checks, jobs, schedules, sensors."""
    out: dict[str, str] = {}
    for a in defs.assets or []:
        if isinstance(a, dg.AssetsDefinition):
            for spec in a.specs:
                out[f"asset {spec.key.to_user_string()}"] = spec.description or ""
            for c in a.check_specs:
                out[f"check {c.asset_key.to_user_string()}:{c.name}"] = c.description or ""
    for c in defs.asset_checks or []:
        for spec in c.check_specs:
            out[f"check {spec.asset_key.to_user_string()}:{spec.name}"] = spec.description or ""
    for j in defs.jobs or []:
        out[f"job {j.name}"] = j.description or ""
    for s in defs.schedules or []:
        out[f"schedule {s.name}"] = s.description or ""
    for s in defs.sensors or []:
        out[f"sensor {s.name}"] = s.description or ""
    for name, resource in (defs.resources or {}).items():  # the launchpad's and the resources page's field help
        for field, info in getattr(type(resource), "model_fields", {}).items():
            out[f"resource {name}.{field}"] = info.description or ""
    return out


def _failures(texts: dict[str, str]) -> dict[str, list[str]]:
    return {name: bad for name, text in texts.items() if (bad := unexplained(text))}


@pytest.mark.parametrize(("text", "bad"), [
    ("Table 1 fitted by PPML.", ["PPML"]),
    ("Table 1 fitted by Poisson pseudo-maximum likelihood (PPML).", []),
    ("Table 1 fitted by PPML (Poisson pseudo-maximum likelihood).", []),
    ("Fitted by PPML, the estimator of the paper; PPML means Poisson pseudo-maximum likelihood.", ["PPML"]),
    ("Citation IRRs of the NB2 models.", ["NB2", "IRR"]),
    ("Fig. 3a: East first then West.", ["East/West"]),
    ("Fig. 3a: East first then West (West: the U.S. and Europe).", []),
    ("Records linked by PMID, else DOI.", ["PMID", "DOI"]),
    ("m_i (the citations city i made) > 0 and n_j > 0", []),
    ("every citing year y..y+2 was read", []),
    ("citations over y..y+2", ["y..y+2"]),
    ("Schmallenbach et al. 2024 S7: by outlet type.", ["Supplementary S2"]),
    ("Schmallenbach et al. 2024 Supplementary S7: by outlet type.", []),
    ("The CD\u2085 of each paper.", ["CD index"]),
])
def test_unexplained_finds_a_term_used_before_its_plain_words(text, bad):
    assert unexplained(text) == bad


def test_every_terms_first_use_spells_it_out():
    """What a description is told to write (``first_use``) uses the term and passes the check."""
    for t in GLOSSARY:
        # the bare "S7" is the use; "Supplementary S7" is what it should say
        assert (t.first_use_in(t.first) is not None) != (t.term == "Supplementary S2"), t.term
        assert t.explained_at_first_use(t.first), t.term
    assert first_use("PPML") == "Poisson pseudo-maximum likelihood (PPML)"
    with pytest.raises(KeyError, match="not in the glossary"):
        term("XYZ")


def test_the_ui_spells_out_every_term_at_its_first_use():
    from aigeo_assets.definitions import defs

    texts = ui_texts(defs)
    assert len([k for k in texts if k.startswith("asset ")]) > 80 and any(k.startswith("check ") for k in texts)
    assert [k for k, v in texts.items() if k.startswith("resource ") and not v.strip()] == []  # every setting says what it is
    assert _failures(texts) == {}


def test_a_planted_description_fails():
    """Negative control: an asset and a job whose descriptions use PPML and East unexplained."""

    @dg.asset(description="Table 1 by PPML, East first.")
    def planted() -> None: ...

    defs = dg.Definitions(assets=[planted], jobs=[dg.define_asset_job("planted_job", selection=[planted],
                                                                      description="Fits the NB2 models.")])
    assert _failures(ui_texts(defs)) == {"asset planted": ["PPML", "East/West"], "job planted_job": ["NB2"]}


def test_every_atlas_caption_spells_out_every_term():
    from aigeo_assets.reports.atlas import atlas_catalogue

    cat = atlas_catalogue()
    assert len(cat) > 30
    # a heading is read with its caption: a term of the title may be spelled out in the caption
    failures = {e.key: bad for e in cat if (bad := unexplained(e.caption) or unexplained(e.caption + "\n" + e.title))}
    assert failures == {}
    assert unexplained("East\u2013West betweenness of the top cities") == ["East\u2013West betweenness", "East/West"]


def test_the_readme_spells_out_every_term_at_its_first_use():
    """The README is read from the top: each term (the ones every reader knows included) is spelled
    out where it first appears."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert unexplained(readme, include_known=True) == []


def test_the_atlas_ends_with_the_glossary(tmp_path):
    from aigeo_assets.reports.atlas import build_atlas

    page = build_atlas([], {}, {"source": "snapshot"}, [], tmp_path / "atlas.html").read_text(encoding="utf-8")
    words = page[page.index('<h2 id="glossary">'):page.index("</main>")]
    assert '<a href="#glossary">' in page
    for t in GLOSSARY:
        assert f"<dt>{t.term}</dt>" in words, t.term
    assert "<dd>Poisson pseudo-maximum likelihood: a Poisson regression of counts" in words


def _planted_study_tables() -> dict[str, pd.DataFrame]:
    """Small tables of both studies on which every finding of the atlas writes at least one sentence."""
    years = list(range(2010, 2023))
    cities = [(1, "Beijing"), (2, "Singapore"), (3, "London")]
    metrics = pd.DataFrame([dict(year=y, city_geonames_id=i, city_name=c, impact=10.0 * i + y - 2000, productivity=5.0 * i + y - 2000,
                                 ai_scientists=2.0 * i + y - 2000, impact_window_complete=y < 2020)
                            for y in (2016, 2017) for i, c in cities])
    shares = pd.DataFrame({"top_n": 10, "metric": ["impact", "impact", "productivity", "ai_scientists"],
                           "year": [2016, 2017, 2017, 2017], "share": [0.5, 0.6, 0.4, 0.3], "window_complete": True})
    ranks = pd.DataFrame({"year": [2016, 2017], "city_geonames_id": [1, 1], "city_name": "Beijing", "window_complete": True,
                          "n_disruptive": 4, "rank_disruptive": 1, "n_developmental": 3, "rank_developmental": 1})
    bw = pd.DataFrame({"window_end": 2017, "network": ["impact", "impact", "migration"], "city_geonames_id": [2, 1, 1],
                       "city_name": ["Singapore", "Beijing", "Beijing"], "east_west_betweenness": [40.0, 20.0, 5.0],
                       "east_west_path_share": [0.9, 0.4, 0.5]})
    centre = pd.DataFrame({"metric": "impact", "method": "planar", "year": [2016, 2017], "window_complete": True,
                           "longitude": [10.0, 20.0], "distance_from_first_km": [0.0, 900.0], "mean_speed_km_per_year": [0.0, 900.0]})
    pull = pd.DataFrame({"metric": "impact", "method": "planar", "year": [2017], "window_complete": True, "pull_km": [300.0],
                         "focal_city_name": "Beijing", "focal_city_geonames_id": 1})
    terms = ["ln_papers_cited", "ln_citations_made", "ln_distance", "same_city"]
    gravity = pd.DataFrame({"model": "gravity_citations", "spec": ["(1)"] * 2 + ["(4)"] * 4 + ["structural", "(2)"],
                            "year": pd.array([pd.NA] * 8, dtype="Int16"), "term": terms[:2] + terms + ["ln_distance", "not estimable: too few pairs"],
                            "coef": [0.6, 0.7, 0.65, 0.75, -0.2, 1.0, -0.24, np.nan], "ci_lower": -1.0, "ci_upper": 1.0})
    by_year = pd.DataFrame({"spec": "(4)", "term": "ln_papers_cited", "year": [2016, 2017], "coef": [0.6, 0.7]})
    migration = pd.DataFrame({"spec": "window 2015-2019", "term": ["ln_scientists_origin", "ln_scientists_destination"],
                              "coef": [0.5, 0.6]})
    regions = ["Asia", "Europe", "Northern America"]
    countries = pd.DataFrame({"rank": [1, 2, 3], "country_code": ["CN", "US", "DE"], "country_name": ["China", "United States", "Germany"],
                              "world_region": ["Asia", "Northern America", "Europe"], "articles": [600, 250, 50]})
    irrs = pd.DataFrame({"model": ["8A citations", "8A clinical", "A", "D", "B"],
                         "term": ["international", "international", "europe", "europe", "not estimable: no clinical citations"],
                         "label": ["International collaboration", "International collaboration", "Europe", "Europe", ""],
                         "irr": [1.2, 1.1, 1.3, 1.1, np.nan], "lower": [1.1, 1.0, 1.2, 1.0, np.nan], "upper": [1.3, 1.2, 1.4, 1.2, np.nan]})
    return {
        "out_city_year_metrics": metrics, "out_top_city_shares": shares, "out_disruption_city_ranks": ranks,
        "out_east_west_betweenness": bw, "out_centre_trajectory": centre, "out_focal_pull": pull,
        "out_gravity_citations_coefficients": gravity, "out_gravity_citations_by_year": by_year, "out_gravity_migration": migration,
        "out_top_cities": pd.DataFrame({"reference_rank": [1, 2], "city_geonames_id": [1, 2], "city_name": ["Beijing", "Singapore"],
                                        "reference_year": 2017, "reference_impact": [300.0, 100.0]}),
        "out_lifesci_yearly_counts": pd.DataFrame({"year": years, "articles": range(10, 10 + len(years))}),
        "out_lifesci_link_coverage": pd.DataFrame({"year": [2020], "articles": [10], "openalex_papers": [0], "linked_by_pmid": [6],
                                                   "linked_by_doi": [1], "unlinked": [3]}),
        "out_lifesci_country_years": pd.DataFrame({"country_code": ["CN", "CN", "US", "US"], "year": [2020, 2021] * 2,
                                                   "articles": [5, 8, 6, 6], "rank_in_year": [2, 1, 1, 2]}),
        "out_lifesci_country_counts": countries,
        "out_lifesci_high_ranked_by_region_year": pd.DataFrame({"world_region": regions, "year": 2022, "articles": [400, 50, 250],
                                                                "high_ranked_articles": [20, 4, 25]}),
        "out_lifesci_clinical_by_country": pd.DataFrame({"rank": [1, 2], "country_code": ["CN", "US"], "country_name": ["China", "United States"],
                                                         "cumulative_share_of_world_clinical": [0.3, 0.5]}),
        "out_lifesci_relevance_irrs": irrs[~irrs["model"].str.startswith("8A")],
        "out_lifesci_collaboration_irrs": irrs[irrs["model"].str.startswith("8A")],
        "out_lifesci_international_by_year": pd.DataFrame({"year": [2020, 2021], "articles": [10, 12], "share_international": [0.2, 0.25]}),
        "out_lifesci_international_by_region": pd.DataFrame({"world_region": regions, "share_international": [0.1, 0.4, 0.3]}),
        "out_lifesci_dyads": pd.DataFrame({"lead_world_region": ["Asia", "Europe"], "coauthor_world_region": ["Europe", "Europe"],
                                           "dyads": [30, 10]}),
    }


def test_every_atlas_finding_spells_out_every_term():
    """Each finding is read on its own (a bullet of "What the data say"): every sentence each finding
    function writes on planted tables of both studies passes. Every finding function must write one,
    so a new finding is checked too; the old wording of one (planted) fails."""
    from aigeo_assets.reports import atlas as A

    planted = A._tables(_planted_study_tables())
    without_metrics = {k: v for k, v in planted.items() if k != "out_city_year_metrics"}  # _f000_reference's case
    functions = {name: fn for name, fn in vars(A).items() if name.startswith(("_f000_", "_f004_")) and callable(fn)}
    assert len(functions) >= 19
    sentences = {name: fn(planted) or fn(without_metrics) for name, fn in functions.items()}
    assert [name for name, s in sentences.items() if not s] == []
    failures = {s: bad for found in sentences.values() for s in found if (bad := unexplained(s))}
    assert failures == {}
    # the findings the public functions return are these sentences
    public = A.findings_alshebli2022(_planted_study_tables()) + A.findings_schmallenbach2024(_planted_study_tables())
    assert set(public) <= {s for found in sentences.values() for s in found} and len(public) >= 20
    # negative control: the wording before the plain-words pass fails
    assert unexplained("With citing- and cited-city-year effects absorbed (structural PPML) the distance elasticity is 0.2.") == ["PPML"]
    assert unexplained("Singapore is the top East\u2013West bridge on the impact network.") == ["East/West"]


# ---------------------------------------------------------------- the figures themselves

def figure_texts(fig) -> tuple[str, str]:
    """A figure's reader-facing text as one text, in the order it is read, and its tick labels.

    **Choice:** the words are the title and its subtitle, every axis title, every colour bar's
    title, the legend's title and entries (the names of the traces the legend shows: "PPML (4)"
    is read there) and every annotation (panel titles, notes); hover labels are not (a reader
    meets them one at a time, next to what they describe). Tick labels are checked after the
    words for the abbreviations (the figure's own labels, "OLS ln(1+y)" or "(modified Poisson)",
    are read there) but not for the blocs: a tick label naming East or West is a place
    ("Western Sahara", M49's "Eastern Asia"), and the bloc colours of city labels are the
    figure's key, explained in its words. Line breaks and HTML (``<br>``, coloured spans) read as
    a space."""
    import re

    layout = fig.layout.to_plotly_json()

    def title(obj) -> str:
        t = (obj or {}).get("title")
        return (t.get("text") or "") if isinstance(t, dict) else (t or "")

    words = [title(layout), ((layout.get("title") or {}).get("subtitle") or {}).get("text") or ""]
    axes = [k for k in layout if re.fullmatch(r"(?:x|y)axis\d*", k)]
    words += [title(layout[k]) for k in axes]
    words += [title((v or {}).get("colorbar")) for k, v in layout.items() if re.fullmatch(r"coloraxis\d*", k)]
    for trace in fig.data:
        t = trace.to_plotly_json()
        words += [title(t.get("colorbar")), title((t.get("marker") or {}).get("colorbar"))]
    words.append(title(layout.get("legend")))
    words += [str(t.name) for t in fig.data if t.name and t.showlegend is not False]
    words += [a.get("text") or "" for a in layout.get("annotations", [])]
    ticks = [str(v) for k in axes for v in layout[k].get("ticktext") or ()]
    for trace in fig.data:
        for axis in ("x", "y"):
            values = trace[axis] if axis in trace else None
            ticks += [v for v in (values if values is not None else ()) if isinstance(v, str)]

    def plain(parts: list[str]) -> str:
        text = re.sub(r"<br\s*/?>", " ", "\n".join(p for p in parts if p), flags=re.IGNORECASE)
        return re.sub(r"<[^>]+>", "", text)

    return plain(words), plain(list(dict.fromkeys(ticks)))


def figure_unexplained(fig) -> list[str]:
    """The glossary terms a figure uses without spelling them out at their first use (``figure_texts``)."""
    words, ticks = figure_texts(fig)
    blocs = set(unexplained(words)) & {"East/West"}
    return [t for t in unexplained(words + "\n" + ticks) if t != "East/West"] + sorted(blocs)


def test_every_figure_spells_out_every_term():
    """Every figure the visual check draws (every public ``fig_*`` of ``reports/*_figures.py`` and
    the variants the assets draw, on planted tables) spells out each glossary term it uses at its
    first use in that figure, and says what the blocs are if it names one."""
    from aigeo_assets_tests.support.every_figure import journal_figures

    figures = journal_figures()
    assert len(figures) >= 30
    assert {key: bad for key, fig in figures if (bad := figure_unexplained(fig))} == {}


def test_a_planted_figure_fails():
    """Negative controls: a title, an axis, a legend entry, a tick label and a bloc used bare are each
    caught; spelled out (or a place named West) they pass."""
    import plotly.graph_objects as go

    def fig(title: str = "", *, xaxis: str = "", name: str | None = None, ticks: tuple[str, ...] = ("Asia",)) -> go.Figure:
        f = go.Figure(go.Scatter(x=[1.0] * len(ticks), y=list(ticks), name=name, showlegend=name is not None))
        return f.update_layout(title=title, xaxis_title=xaxis)

    assert figure_unexplained(fig("IRR by region")) == ["IRR"]
    assert figure_unexplained(fig("Relevance by region", xaxis="IRR vs Asia")) == ["IRR"]
    assert figure_unexplained(fig("Frictions", name="OLS ln(1+y)")) == ["OLS", "ln"]
    assert figure_unexplained(fig("Premium", ticks=("year-adjusted<br>(modified Poisson)",))) == ["modified Poisson"]
    assert figure_unexplained(fig("Ranks <span style='color:red'>East</span> / West")) == ["East/West"]
    assert figure_unexplained(fig("Incidence-rate ratio<br>(IRR) by region", xaxis="IRR vs Asia")) == []
    assert figure_unexplained(fig("Ranks (East / West)", xaxis="West: cities in the U.S. or Europe")) == []
    assert figure_unexplained(fig("Share by country", ticks=("Western Sahara", "Asia"))) == []
