"""Group ``reports``: figures as assets. Each writes a self-contained HTML and a PNG under
``data/reports/figures/`` and shows the PNG in its metadata, with a link to the HTML. On the sample
world both files carry ``SYNTHETIC_NOTE`` under the figure's title (``write_figures``).

The figure assets are generated, one per entry, from ``reports.catalogue.FIGURES`` (asset name,
description, the assets read and how, the draw function); each asset's code reference is its draw
function. ``out_atlas`` reads what ``reports.atlas.atlas_inputs`` lists."""

import inspect
import warnings
from pathlib import Path

import dagster as dg
import pandas as pd
import plotly.graph_objects as go

from aigeo_assets.assets.metadata import OWNERS
from aigeo_assets.reports.atlas import (
    SYNTHETIC_NOTE,
    atlas_catalogue,
    atlas_inputs,
    build_atlas,
    findings_alshebli2022,
    findings_schmallenbach2024,
    sections_from_catalogue,
)
from aigeo_assets.reports.catalogue import FIGURES, FigureParams, FigureSpec
from aigeo_assets.reports.figures import FigureFiles, mark_synthetic, note_no_data, png_markdown, write_figure
from aigeo_assets.resources.io import concat_partitions
from aigeo_assets.resources.settings import Settings

GROUP = "reports"


def figure_result(files: list, synthetic: bool = False, **extra) -> dg.MaterializeResult:
    """Metadata of a figure asset: the first figure inline, every file listed; on the sample world
    (``synthetic``) a ``synthetic`` line, and the same sentence above the figure."""
    first = files[0]
    warn = f"**{SYNTHETIC_NOTE.capitalize()}.**\n\n" if synthetic else ""
    meta: dict = {
        "figure": dg.MetadataValue.md(warn + png_markdown(first.png, first.html)),
        "html": dg.MetadataValue.path(str(first.html)),
        "png": dg.MetadataValue.path(str(first.png)),
    }
    if synthetic:
        meta["synthetic"] = SYNTHETIC_NOTE
    if len(files) > 1:
        meta["all_files"] = dg.MetadataValue.json([str(f.html) for f in files] + [str(f.png) for f in files])
    meta.update(extra)
    return dg.MaterializeResult(metadata=meta)


def write_figures(figures: list[tuple[str, go.Figure]], out_dir: Path, *, synthetic: bool, width: int = 1400,
                  height: int = 900) -> list[FigureFiles]:
    """Write each ``(file name, figure)`` (``write_figure``: HTML and PNG); on the sample world
    (``synthetic``) each figure first carries ``SYNTHETIC_NOTE`` on itself (``mark_synthetic``), so
    the files say it wherever they are copied. The PNG takes the figure's own size where it sets one
    (a top-100 matrix is as tall as its rows need), else ``width`` x ``height``. Every figure asset
    writes through here."""
    return [write_figure(mark_synthetic(fig) if synthetic else fig, out_dir, name,
                         width=int(fig.layout.width or width), height=int(fig.layout.height or height))
            for name, fig in figures]


def _empty(loaded: pd.DataFrame | dict[str, pd.DataFrame]) -> bool:
    """Whether an input (one frame, or a frame per partition) holds no row, without stacking it."""
    return loaded.empty if isinstance(loaded, pd.DataFrame) else all(f.empty for f in loaded.values())


def _ins(spec: FigureSpec, settings: Settings) -> dict[str, dg.AssetIn]:
    """The asset's inputs from ``spec.reads``: a yearly table read at one year through a
    single-partition mapping; ``"years"`` and ``"table"`` reads load what the default mapping loads
    (every partition of a yearly table, as a DataFrame per year)."""
    ins = {}
    for read in spec.reads:
        if read.how in ("end_year", "reference_year"):
            year = settings.end_year if read.how == "end_year" else settings.reference_year
            ins[read.asset] = dg.AssetIn(read.asset, partition_mapping=dg.SpecificPartitionsPartitionMapping([str(year)]))
        else:
            ins[read.asset] = dg.AssetIn(read.asset)
    return ins


def _code_reference(fn) -> dict:
    """``dagster/code_references`` metadata pointing at ``fn``'s def line (``with_source_code_references``
    keeps it first, so the UI's "Open source" opens the figure's own draw function)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)
        ref = dg.LocalFileCodeReference(file_path=inspect.getsourcefile(fn), line_number=inspect.getsourcelines(fn)[1])
        return {"dagster/code_references": dg.CodeReferencesMetadataValue(code_references=[ref])}


def figure_asset(spec: FigureSpec, settings: Settings, out_dir: Path) -> dg.AssetsDefinition:
    """The asset of one ``FigureSpec``: it draws ``spec.draw`` on its inputs and writes the files
    (``write_figures``); when every input is empty each figure says there is nothing to draw."""
    params = FigureParams.from_settings(settings)
    synthetic = settings.source == "sample"

    @dg.asset(name=spec.asset_name, group_name=GROUP, kinds={"plotly", "html", "png"}, owners=OWNERS,
              description=spec.description.format_map(params.words()), ins=_ins(spec, settings),
              metadata=_code_reference(spec.draw))
    def _figure(**inputs: pd.DataFrame) -> dg.MaterializeResult:
        figures = spec.draw(inputs, params)
        extra = {}
        if inputs and all(map(_empty, inputs.values())):  # thin data: nothing to draw, and the figure says so
            extra["no_data"] = (f"No data to draw for these years: the corpus has no rows for this figure "
                                f"({', '.join(inputs)} {'is' if len(inputs) == 1 else 'are'} empty).")
            figures = [(file_name, note_no_data(fig, extra["no_data"])) for file_name, fig in figures]
        return figure_result(write_figures(figures, out_dir, synthetic=synthetic), synthetic=synthetic, **extra)

    return _figure


def build_report_assets(settings: Settings) -> list:
    """Every figure asset of ``reports.catalogue.FIGURES`` (Schmallenbach et al. 2024's side-result figures
    included), and the atlas."""
    out_dir = settings.data_dir / "reports" / "figures"
    assets = [figure_asset(spec, settings, out_dir) for spec in FIGURES]
    assets.append(_atlas_asset(settings, out_dir, [key for a in assets for key in a.keys]))
    return assets


ATLAS_TABLES, ATLAS_YEARLY = atlas_inputs()
"""What the atlas reads: the tables (one DataFrame each), and the yearly tables (every partition),
from the figure catalogue and the atlas's own tables and findings (``reports.atlas.atlas_inputs``)."""


def _atlas_asset(settings: Settings, figure_dir: Path, figure_keys: list) -> dg.AssetsDefinition:
    from dataclasses import asdict


    ins = {name: dg.AssetIn(name) for name in ATLAS_TABLES}
    ins.update({name: dg.AssetIn(name, partition_mapping=dg.AllPartitionMapping()) for name in ATLAS_YEARLY})

    @dg.asset(name="out_atlas", group_name=GROUP, kinds={"html", "plotly"}, owners=OWNERS, ins=ins, deps=figure_keys)
    def out_atlas(**tables) -> dg.MaterializeResult:
        """The atlas: one self-contained HTML file (offline, opens from disk) with every figure of
        AlShebli et al. 2022 and Schmallenbach et al. 2024 in the papers' order, each with its caption and its numbers as CSV,
        the run's settings and data provenance, and what the data say, written from the numbers."""
        catalogue = atlas_catalogue(
            top_n=min(settings.top_ns), reference_year=settings.reference_year, end_year=settings.end_year,
            impact_matrix_years=settings.impact_matrix_years, migration_years=settings.migration_years,
            collaboration_years=settings.collaboration_years, start_year=settings.start_year,
            impact_window=settings.impact_window,
        )
        sections = sections_from_catalogue(catalogue, tables, figure_dir)
        metrics = concat_partitions(tables["out_city_year_metrics"])
        provenance = {
            "source": settings.source,
            "snapshot": str(settings.snapshot_dir) if settings.snapshot_dir
            else f"sample world ({settings.sample_scale}, seed {settings.sample_seed})",
            "years": f"{settings.start_year}-{settings.end_year}",
            "AI papers located to a city": int(metrics["productivity"].sum()) if len(metrics) else 0,
            "cities": int(metrics["city_geonames_id"].nunique()) if len(metrics) else 0,
            "life-science articles": int(tables["out_lifesci_yearly_counts"]["articles"].sum()),
        }
        findings = {
            "AlShebli et al. 2022: Beijing's central role": findings_alshebli2022(tables),
            "Schmallenbach et al. 2024: AI in the life sciences": findings_schmallenbach2024(tables),
        }
        path = build_atlas(sections, {k: str(v) for k, v in asdict(settings).items()}, provenance, findings,
                           settings.data_dir / "reports" / "atlas.html")
        missing = [sec.key for sec in sections if sec.error]
        return dg.MaterializeResult(metadata={
            "atlas": dg.MetadataValue.path(str(path)),
            "open": dg.MetadataValue.url(path.resolve().as_uri()),
            "items": len(sections),
            "not_available": dg.MetadataValue.json(missing),
            "what_the_data_say": dg.MetadataValue.md(
                (f"**{SYNTHETIC_NOTE.capitalize()}.**\n\n" if settings.source == "sample" else "")
                + "\n".join(f"- {'Synthetic: ' if settings.source == 'sample' else ''}{f}" for part in findings.values() for f in part)),
            **({"synthetic": SYNTHETIC_NOTE} if settings.source == "sample" else {}),
            "size_mb": round(path.stat().st_size / 1e6, 1),
        })

    return out_atlas
