"""The code location: assets, checks, jobs, schedules, sensors and resources, built from ``Settings``.

Building it has no side effect on import, so a worker that unpickles ``build_definitions`` builds one
code location, from the settings it was handed; ``aigeo_assets.definitions`` is the module Dagster
loads, built from the environment."""

from __future__ import annotations

import warnings
from pathlib import Path

import dagster as dg

from aigeo_assets.assets.centrality import build_centrality_assets
from aigeo_assets.automation import build_automation_sensor, build_snapshot_parts_sensor, build_snapshot_update_sensor
from aigeo_assets.assets.centres import build_centre_assets
from aigeo_assets.assets.city_metrics import build_city_metric_assets
from aigeo_assets.assets.corpus import build_corpus_assets
from aigeo_assets.assets.disruption import build_disruption_assets
from aigeo_assets.assets.exports import build_export_assets
from aigeo_assets.assets.geo import build_geo_assets
from aigeo_assets.assets.ingest import build_ingest_assets, build_part_extract_asset
from aigeo_assets.assets.lifesci import build_lifesci_atlas_assets, build_lifesci_corpus_assets
from aigeo_assets.assets.lifesci_results import build_lifesci_result_assets
from aigeo_assets.assets.metadata import primary_key_checks
from aigeo_assets.assets.models import build_model_assets
from aigeo_assets.assets.reports import build_report_assets
from aigeo_assets.orchestration import UPSTREAM_JOBS
from aigeo_assets.partitions import yearly_partitions
from aigeo_assets.reports.glossary import BLOCS, first_use
from aigeo_assets.resources.executors import build_executor
from aigeo_assets.resources.sources import api_key_env_var
from aigeo_assets.resources import (
    AnalysisSettings,
    LifeSciSource,
    OpenAlexApiSource,
    ParquetIOManager,
    PickleIOManager,
    SampleWorldSource,
    Settings,
    SnapshotSource,
    WorksSource,
)
from aigeo_assets.run_reaper import build_run_reaper_sensor


def build_source(settings: Settings) -> WorksSource:
    split_cache_dir = str(settings.warehouse_dir / "_part_extracts")
    if settings.source == "snapshot":
        return SnapshotSource(
            snapshot_dir=str(settings.snapshot_dir), split_cache_dir=split_cache_dir, snapshot_format=settings.snapshot_format
        )
    if settings.source == "api":
        return OpenAlexApiSource(
            split_cache_dir=split_cache_dir,
            download_dir=str(settings.sources_dir / "openalex-api"),
            base_url=settings.api_base_url,
            mailto=settings.api_mailto,
            api_key=api_key_env_var(settings.api_key),
            concepts=list(settings.api_concepts),
            subfields=list(settings.api_subfields),
            pmid_filter=settings.api_pmid_filter,
            snapshot_format=settings.snapshot_format,
        )
    return SampleWorldSource(
        split_cache_dir=split_cache_dir,
        sources_dir=str(settings.sources_dir),
        scale=settings.sample_scale,
        seed=settings.sample_seed,
        snapshot_format=settings.snapshot_format,
    )


HIGH_MEMORY = {"aigeo/memory": "high"}
"""Tag of the jobs whose runs hold many years at once; deploy/dagster.yaml limits how many run together."""


def _keys(assets: list, partitioned: bool) -> list[dg.AssetKey]:
    return [key for a in assets if (a.partitions_def is not None) == partitioned for key in a.keys]


def _upstream(*jobs: str) -> dict[str, str]:
    """Job metadata naming the jobs whose assets ``aigeo run --job`` adds to this job's plan where its
    assets read them (``orchestration.UPSTREAM_JOBS``). A Dagster job holds one partitions definition,
    so a study whose OpenAlex tables run on other years than its own assets cannot be one job."""
    return {UPSTREAM_JOBS: ",".join(jobs)}


def with_code_references(assets: list, settings: Settings) -> list:
    """Every asset with a code reference to the function that builds it (the UI's "Open source"), a
    line of the local file, or of the repository at ``AIGEO_CODE_URL`` on ``AIGEO_CODE_BRANCH`` when
    set (GitHub or GitLab addresses; the repository's root is this package's parent folder)."""
    with warnings.catch_warnings():  # code references are a beta API of Dagster 1.13: users need not hear it per asset
        warnings.simplefilter("ignore", dg.BetaWarning)
        assets = dg.with_source_code_references(assets)
        if settings.code_url:
            assets = dg.link_code_references_to_git(
                assets,
                git_url=settings.code_url,
                git_branch=settings.code_branch,
                file_path_mapping=dg.AnchorBasedFilePathMapping(
                    local_file_anchor=Path(__file__).resolve().parent, file_anchor_path_in_repository="aigeo_assets"
                ),
            )
    return list(assets)


def build_definitions(settings: Settings) -> dg.Definitions:
    """The code location. Three yearly partitions definitions (``aigeo_assets.partitions``):
    AlShebli et al. 2022's years for its assets, the atlas's for its corpus, and their union for the OpenAlex tables
    both read (groups ``ingest`` and ``geo``); a job holds one of them."""
    partitions = yearly_partitions(*settings.alshebli2022_years)
    openalex_partitions = yearly_partitions(*settings.openalex_years)
    openalex = [*build_ingest_assets(openalex_partitions), *build_geo_assets(openalex_partitions)]
    corpus = build_corpus_assets(partitions)
    cities = [*build_city_metric_assets(partitions, settings), *build_disruption_assets(partitions, settings)]
    centres = build_centre_assets(partitions)
    bridges = build_centrality_assets(partitions, settings)
    models = build_model_assets(partitions, settings)
    lifesci_partitions = yearly_partitions(*settings.lifesci_years)
    lifesci = build_lifesci_corpus_assets(lifesci_partitions)
    atlas = [*build_lifesci_atlas_assets(), *build_lifesci_result_assets()]
    reports = build_report_assets(settings)
    exports = build_export_assets(partitions, settings)
    assets = with_code_references(
        [*openalex, *corpus, build_part_extract_asset(), *cities, *centres, *bridges, *models, *lifesci, *atlas, *reports, *exports],
        settings,
    )
    openalex_years = "{}-{}".format(*settings.openalex_years)
    yearly_job = dg.define_asset_job(
        "yearly_refresh",
        selection=dg.AssetSelection.assets(*_keys(openalex, partitioned=True)),
        partitions_def=openalex_partitions,
        description=f"Materialize one publication year of OpenAlex: works, authorships, references, concepts, venues and "
        f"the located affiliations, read by both studies (their years together: {openalex_years}). The year's AlShebli et al. 2022 "
        "papers follow through their automation condition, or yearly_corpus.",
    )
    alshebli2022_jobs = _upstream("yearly_refresh", "reference_tables")
    jobs = [
        yearly_job,
        dg.define_asset_job(
            "yearly_corpus",
            selection=dg.AssetSelection.assets(*_keys(corpus, partitioned=True)),
            partitions_def=partitions,
            metadata=alshebli2022_jobs,
            description="One year of AlShebli et al. 2022: papers and citations (the year's OpenAlex tables come from yearly_refresh; "
            "`aigeo run --job yearly_corpus` plans them too).",
        ),
        dg.define_asset_job(
            "reference_tables",
            selection=dg.AssetSelection.assets("raw_institutions", "raw_institutions_quarantine", "core_institutions"),
            description="Institutions and their geocoding (not partitioned).",
        ),
        dg.define_asset_job(
            "careers",
            selection=dg.AssetSelection.assets("core_author_years"),
            tags=HIGH_MEMORY,
            description="Authors' yearly cities and the AI-scientist flag, over every year of AlShebli et al. 2022 (the atlas's later "
            "affiliations stay out).",
        ),
        dg.define_asset_job(
            "yearly_city_metrics",
            selection=dg.AssetSelection.assets(*_keys([*cities, *centres], partitioned=True)),
            partitions_def=partitions,
            description="City metrics, city-to-city counts and centres of mass of one year (needs that year's citation window).",
        ),
        dg.define_asset_job(
            "city_summaries",
            selection=dg.AssetSelection.assets(*_keys([*cities, *centres, *bridges], partitioned=False)),
            description="Top cities, ranks, shares, the Fig. 2 matrices, the networks and their centralities, the centres' trajectory.",
        ),
        dg.define_asset_job(
            "yearly_bridges",
            selection=dg.AssetSelection.assets(*_keys(bridges, partitioned=True)),
            partitions_def=partitions,
            description=first_use("East\u2013West betweenness") + " on the five-year window ending each year (needs the top "
            f"cities; {BLOCS}).",
        ),
        dg.define_asset_job(
            "yearly_models",
            selection=dg.AssetSelection.assets(*_keys(models, partitioned=True)),
            partitions_def=partitions,
            description="The citation gravity observations of one year and the model fitted on that year alone.",
        ),
        dg.define_asset_job(
            "models",
            selection=dg.AssetSelection.assets(*_keys(models, partitioned=False)),
            tags=HIGH_MEMORY,
            description="The pooled gravity models of citations (Table 1) and migration (Supplementary Table 3).",
        ),
        dg.define_asset_job(
            "pubmed_files",
            selection=dg.AssetSelection.assets("raw_pubmed_files", "raw_pubmed_quarantine"),
            description="Parse every PubMed baseline/update file once (the life-science atlas, Schmallenbach et al. 2024).",
        ),
        dg.define_asset_job(
            "yearly_lifesci_pubmed",
            selection=dg.AssetSelection.assets("raw_pubmed_articles", "raw_pubmed_authors", "raw_pubmed_references"),
            partitions_def=lifesci_partitions,
            description="One year's PubMed records, authors and references.",
        ),
        dg.define_asset_job(
            "lifesci_citations",
            selection=dg.AssetSelection.assets("core_lifesci_citations"),
            description="Forward citations from life-science and clinical research (all years).",
        ),
        dg.define_asset_job(
            "yearly_lifesci_corpus",
            selection=dg.AssetSelection.assets("core_lifesci_articles", "core_lifesci_authors"),
            partitions_def=lifesci_partitions,
            description="One year's AI life-science articles (Schmallenbach et al. 2024's corpus).",
        ),
        dg.define_asset_job(
            "lifesci_atlas",
            selection=dg.AssetSelection.groups("lifesci_atlas"),
            description="The analyses of Schmallenbach et al. 2024 (Figs. 1-9) over every year of the corpus.",
        ),
        dg.define_asset_job(
            "alshebli2022_study",
            selection=dg.AssetSelection.groups("corpus", "city_metrics", "centres", "centrality", "models")
            | dg.AssetSelection.assets(*_keys(openalex, partitioned=False)),  # the institutions (not partitioned)
            partitions_def=partitions,
            metadata=alshebli2022_jobs,
            description="The whole AlShebli et al. 2022 study (Beijing's central role, {}-{}) from the papers on: launch it as a backfill "
            "over every year after yearly_refresh over the same years (`aigeo run --job alshebli2022_study` plans both); "
            "Dagster orders the years and the all-years assets.".format(*settings.alshebli2022_years),
        ),
        dg.define_asset_job(
            "lifesci_atlas_study",
            selection=dg.AssetSelection.groups("lifesci_corpus", "lifesci_atlas"),
            partitions_def=lifesci_partitions,
            metadata=_upstream("yearly_refresh", "reference_tables"),
            description="The whole life-science atlas (Schmallenbach et al. 2024, {}-{}): launch it as a backfill over every year after "
            "yearly_refresh over the years it reads (`aigeo run --job lifesci_atlas_study` plans those too).".format(
                *settings.lifesci_years),
        ),
        dg.define_asset_job(
            "new_year",
            selection=dg.AssetSelection.assets(*_keys(corpus, partitioned=True), "core_author_years"),
            partitions_def=partitions,
            metadata=alshebli2022_jobs,
            description="One new AlShebli et al. 2022 year once yearly_refresh has read it (`aigeo run --job new_year` plans that too): "
            "its papers and citations, and the careers. Everything that depends on them (the new year's city metrics "
            "and the earlier years whose citation windows it completes, centres, bridges, models, summaries) follows "
            "through the assets' automation conditions, or `aigeo run`.",
        ),
        dg.define_asset_job(
            "network_exports",
            selection=dg.AssetSelection.assets(*_keys(exports, partitioned=False)),
            description="The city networks of Fig. 3's windows as Graph Exchange XML Format (GEXF, for Gephi) and VOSviewer files under "
            "data/reports/networks/, and each network's evolution over the yearly windows as one dynamic GEXF per network "
            "(by_year/<network>_timeline.gexf).",
        ),
        dg.define_asset_job(
            "yearly_network_exports",
            selection=dg.AssetSelection.assets(*_keys(exports, partitioned=True)),
            partitions_def=partitions,
            description="The city networks on the five-year window ending each year, as a table (out_network_edges_by_year) "
            "and as Graph Exchange XML Format (GEXF, for Gephi) and VOSviewer files under data/reports/networks/by_year/.",
        ),
        dg.define_asset_job(
            "figures",
            selection=dg.AssetSelection.groups("reports"),
            description="Every figure: HTML and PNG under data/reports/figures/.",
        ),
    ]
    return dg.Definitions(
        assets=assets,
        asset_checks=primary_key_checks(assets),  # <table>_primary_key_unique, blocking, for every table with a key
        jobs=jobs,
        executor=build_executor(settings.executor),
        schedules=[
            dg.build_schedule_from_partitioned_job(
                yearly_job, name="yearly_refresh_schedule", default_status=dg.DefaultScheduleStatus.STOPPED
            )
        ],
        sensors=[build_automation_sensor(), build_snapshot_update_sensor(settings), build_snapshot_parts_sensor(), build_run_reaper_sensor()],
        resources={
            "io_manager": ParquetIOManager(base_dir=settings.warehouse_location, csv_copies=settings.csv_copies, csv_max_rows=settings.csv_max_rows),
            "model_io_manager": PickleIOManager(base_dir=settings.warehouse_location),
            "source": build_source(settings),
            "analysis": AnalysisSettings(min_located_share=settings.min_located_share, thin_year_papers=settings.thin_year_papers,
                                      lifesci_clinical_filter=settings.lifesci_clinical_filter, lifesci_core_rank=settings.lifesci_core_rank,
                                      lifesci_citing=settings.lifesci_citing),
            "lifesci": LifeSciSource(
                pubmed_dir=str(settings.pubmed_dir) if settings.pubmed_dir else None,
                pubmed_pattern=settings.pubmed_pattern,
                rankings_dir=str(settings.rankings_dir) if settings.rankings_dir else None,
                pubmed_workers=settings.pubmed_workers,
                parse_cache_dir=str(settings.warehouse_dir / "_pubmed_parsed"),
                sample_sources_dir=str(settings.sources_dir) if settings.source == "sample" else None,
                sample_scale=settings.sample_scale,
                sample_seed=settings.sample_seed,
            ),
        },
    )
