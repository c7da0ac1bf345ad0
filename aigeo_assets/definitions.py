"""The code location: assets, checks, jobs, schedules and resources, built from ``Settings``."""

from __future__ import annotations

import dagster as dg

from aigeo_assets.assets.corpus import build_corpus_assets
from aigeo_assets.assets.geo import build_geo_assets
from aigeo_assets.assets.ingest import build_ingest_assets
from aigeo_assets.partitions import yearly_partitions
from aigeo_assets.resources import (
    AnalysisSettings,
    OpenAlexApiSource,
    ParquetIOManager,
    SampleWorldSource,
    Settings,
    SnapshotSource,
    WorksSource,
)


def build_source(settings: Settings) -> WorksSource:
    split_cache_dir = str(settings.warehouse_dir / "_year_split")
    if settings.source == "snapshot":
        return SnapshotSource(snapshot_dir=str(settings.snapshot_dir), split_cache_dir=split_cache_dir)
    if settings.source == "api":
        return OpenAlexApiSource(
            split_cache_dir=split_cache_dir,
            download_dir=str(settings.sources_dir / "openalex-api"),
            base_url=settings.api_base_url,
            mailto=settings.api_mailto,
            api_key=settings.api_key,
            concepts=list(settings.api_concepts),
            subfields=list(settings.api_subfields),
        )
    return SampleWorldSource(
        split_cache_dir=split_cache_dir,
        sources_dir=str(settings.sources_dir),
        scale=settings.sample_scale,
        seed=settings.sample_seed,
    )


def build_definitions(settings: Settings) -> dg.Definitions:
    partitions = yearly_partitions(settings.start_year, settings.end_year)
    assets = [*build_ingest_assets(partitions), *build_geo_assets(partitions), *build_corpus_assets(partitions)]
    unpartitioned = ("raw_institutions", "raw_institutions_quarantine", "core_institutions", "core_author_years")
    yearly = dg.AssetSelection.groups("ingest", "geo", "corpus") - dg.AssetSelection.assets(*unpartitioned)
    yearly_job = dg.define_asset_job(
        "yearly_refresh",
        selection=yearly,
        partitions_def=partitions,
        description="Materialize one publication year: works, affiliations, papers and citations.",
    )
    reference_job = dg.define_asset_job(
        "reference_tables",
        selection=dg.AssetSelection.assets(*unpartitioned[:3]),
        description="Institutions and their geocoding (not partitioned).",
    )
    careers_job = dg.define_asset_job(
        "careers",
        selection=dg.AssetSelection.assets("core_author_years"),
        description="Authors' yearly cities and the AI-scientist flag, over all years.",
    )
    return dg.Definitions(
        assets=assets,
        jobs=[yearly_job, reference_job, careers_job],
        schedules=[
            dg.build_schedule_from_partitioned_job(
                yearly_job, name="yearly_refresh_schedule", default_status=dg.DefaultScheduleStatus.STOPPED
            )
        ],
        resources={
            "io_manager": ParquetIOManager(base_dir=str(settings.warehouse_dir)),
            "source": build_source(settings),
            "analysis": AnalysisSettings(),
        },
    )


defs = build_definitions(Settings.from_env())
