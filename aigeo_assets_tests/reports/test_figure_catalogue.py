"""The figure catalogue (issue 17): each figure declared once in ``reports.catalogue.FIGURES``, the
figure assets and the atlas generated from it."""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest

from aigeo_assets.reports import catalogue as C

CATALOGUE_SOURCE = Path(C.__file__).read_text(encoding="utf-8")


class _AnyTable(Mapping):
    """Every table asked for: an empty frame with a ``model`` column."""

    def __getitem__(self, key):
        return pd.DataFrame({"model": pd.Series([], dtype=str)})

    def __iter__(self):
        return iter(())

    def __len__(self):
        return 0


@pytest.fixture
def stub_figures(monkeypatch):
    """Every ``fig_*`` a draw function calls returns a blank figure: the test is about file names, not drawing."""
    for module in (C, C.L):
        for name in dir(module):
            if name.startswith("fig_"):
                monkeypatch.setattr(module, name, lambda *a, **k: go.Figure())


def test_asset_names_are_literal_and_unique_and_draws_are_named_functions():
    names = [spec.asset_name for spec in C.FIGURES]
    assert len(set(names)) == len(names) and len({s.key for s in C.FIGURES}) == len(C.FIGURES)
    for spec in C.FIGURES:
        assert f'"{spec.asset_name}"' in CATALOGUE_SOURCE, spec.asset_name  # grep finds the entry
        assert spec.asset_name.startswith("out_fig_")
        assert inspect.isfunction(spec.draw) and spec.draw.__name__.startswith("draw_"), spec.asset_name
        assert spec.draw.__module__ == C.__name__ and getattr(C, spec.draw.__name__) is spec.draw
    assert len({spec.draw for spec in C.FIGURES}) == len(C.FIGURES)  # a code reference per figure


@pytest.mark.parametrize("top_ns", [(20,), (20, 50, 100)])
def test_each_asset_writes_exactly_the_files_its_panels_name(stub_figures, top_ns):
    """The atlas shows a figure's file by the stem its panel names: every file of the main top-N a
    draw function writes is a panel, and every panel is a file it writes (the other top-Ns' matrices
    are files the atlas does not show)."""
    params = C.FigureParams(top_ns=top_ns, end_year=2018)
    words = params.words()
    for spec in C.FIGURES:
        drawn = [stem for stem, fig in spec.draw(_AnyTable(), params)]
        assert len(set(drawn)) == len(drawn), spec.asset_name
        panels = {p.stem.format_map(words) for p in spec.panels}
        extra = {s for s in drawn if re.fullmatch(r"fig2_\w+_matrix_top\d+", s) and not s.endswith(f"_top{params.main_n}")}
        assert set(drawn) - extra == panels, spec.asset_name
        if spec.asset_name == "out_fig_impact_matrix":
            assert drawn == [f"fig2_impact_matrix_top{n}" for n in top_ns]
        if spec.asset_name == "out_fig_city_map":
            assert drawn == ["map_productivity_2018"]


def test_every_template_fills_and_every_panel_reads_what_its_figure_reads():
    params = C.FigureParams(top_ns=(50, 100), reference_year=2016, end_year=2018)
    for spec in C.FIGURES:
        text = spec.description.format_map(params.words())
        assert "{" not in text and "}" not in text, spec.asset_name
        reads = {r.asset for r in spec.reads}
        for p in spec.panels:
            for template in (p.title, p.caption, p.stem):
                assert "{" not in template.format_map(params.words()), p.key
            assert set(p.needs) <= reads, p.key
    assert "top 50" in next(s for s in C.FIGURES if s.asset_name == "out_fig_city_impact").description.format_map(params.words())


def test_fig7_and_fig8a_read_their_own_irr_tables():
    """Fig. 7 reads the relevance IRRs and Fig. 8A the collaboration IRRs, each table whole: no filter by model name."""
    specs = {s.key: s for s in C.FIGURES}
    rel = pd.DataFrame({"model": ["A", "D"], "term": ["europe", "europe"]})
    col = pd.DataFrame({"model": ["8A citations", "8A clinical"], "term": ["international", "international"]})
    by_year, by_region = pd.DataFrame({"year": [2020]}), pd.DataFrame({"world_region": ["Asia"]})
    t = {"out_lifesci_relevance_irrs": rel, "out_lifesci_collaboration_irrs": col,
         "out_lifesci_international_by_year": by_year, "out_lifesci_international_by_region": by_region}
    fig7, fig8 = specs["lifesci_relevance"], specs["lifesci_international"]
    assert [r.asset for r in fig7.reads] == ["out_lifesci_relevance_irrs"]
    assert [r.asset for r in fig8.reads][0] == "out_lifesci_collaboration_irrs"
    assert fig7.panels[0].csv(t, C.FigureParams()).equals(rel)
    assert fig8.panels[0].csv(t, C.FigureParams())["irrs"].equals(col)
    for module in (C, C.L):
        assert '"8A"' not in Path(module.__file__).read_text(encoding="utf-8")
    assert '"8A"' not in Path(C.__file__).with_name("atlas.py").read_text(encoding="utf-8")
    assert not hasattr(C, "relevance_irrs") and not hasattr(C, "collaboration_irrs")


def test_the_atlas_reads_every_table_a_figure_or_its_csv_needs():
    """A panel whose table the atlas does not read would link no CSV (Supplementary Fig. 4 did not)."""
    from aigeo_assets.reports.atlas import atlas_catalogue, atlas_inputs

    whole, yearly = atlas_inputs()
    assert not set(whole) & set(yearly)
    read = set(whole) | set(yearly)
    for entry in atlas_catalogue():
        assert set(entry.needs) <= read, entry.key
    assert "out_venue_east_west" in whole and "out_city_year_metrics" in yearly


def test_the_atlas_items_are_the_catalogue_panels_in_order():
    from aigeo_assets.reports.atlas import atlas_catalogue

    cat = atlas_catalogue(top_n=50, end_year=2018)
    figures = [(e.asset, e.key, e.file) for e in cat if e.file]
    panels = [(s.asset_name, p.key, p.stem.format(n=50, end_year=2018)) for s in C.FIGURES for p in s.panels]
    assert figures == panels
    by_key = {e.key: e for e in cat}
    assert by_key["fig2a_impact"].title.endswith("(top 50)") and by_key["map_productivity"].file == "map_productivity_2018"


def test_each_figure_asset_links_to_its_own_draw_function(monkeypatch, tmp_path):
    from aigeo_assets.code_location import build_definitions
    from aigeo_assets.resources.settings import Settings

    monkeypatch.setenv("AIGEO_DATA_DIR", str(tmp_path))
    graph = build_definitions(Settings.from_env()).resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys() if k.to_user_string().startswith("out_fig_")}
    assert keys == {spec.asset_name for spec in C.FIGURES}
    for spec in C.FIGURES:
        import dagster as dg

        ref = graph.get(dg.AssetKey(spec.asset_name)).metadata["dagster/code_references"].code_references[0]
        assert Path(ref.file_path) == Path(C.__file__)
        assert CATALOGUE_SOURCE.splitlines()[ref.line_number - 1].startswith(f"def {spec.draw.__name__}("), spec.asset_name
