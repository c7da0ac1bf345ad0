"""Group ``geo``: institutions and each year's affiliations located to cities, countries and blocs.

``core_affiliations`` is partitioned like the ingest (``Settings.openalex_years``, both studies'
years): AlShebli et al. 2022 and the life-science atlas both read it."""

import functools
from collections import Counter

import dagster as dg
import pandas as pd

from aigeo_assets.assets.metadata import check_result, table_asset_args, table_metadata, table_out
from aigeo_assets.assets.ranges import YEARLY_RANGES
from aigeo_assets.corpus.lookup import whole_runs
from aigeo_assets.geo.geocode import (
    AUTHORSHIP_BATCH_ROWS, geocode_affiliations, geocode_coverage, geocode_institutions, geocode_tally, unknown_institutions,
)
from aigeo_assets.resources.analysis import AnalysisSettings
from aigeo_assets.resources.io import IN_BATCHES, LazyPartitions, partition_batches
from aigeo_assets.schemas import SCHEMAS, TableBatches, TableFile


def build_geo_assets(partitions: dg.PartitionsDefinition) -> list:
    @dg.asset(
        **table_asset_args("core_institutions", "geo"),
        check_specs=[
            dg.AssetCheckSpec(
                "most_institutions_have_a_country",
                asset="core_institutions",
                description="at least 90% of institutions are placed at least in a country (warns otherwise)",
            )
        ],
    )
    def core_institutions(raw_institutions: pd.DataFrame, analysis: AnalysisSettings):
        """Each institution geocoded to a city (GeoNames), country, UN M49 region and bloc.

        Evidence in order: OpenAlex ``geo``; its ``geonames_city_id``; the display name matched against
        the GeoNames gazetteer; the country alone. Bloc: AlShebli et al. 2022 ("cities in the U.S. or Europe" are
        Western, the rest Eastern), or the wider reading (AnalysisSettings.bloc_definition).
        """
        df = geocode_institutions(raw_institutions, bloc_definition=analysis.bloc_definition)
        coverage = geocode_coverage(df)
        yield check_result("most_institutions_have_a_country", coverage["share_country"] >= 0.9,
                           f"{coverage['share_country']:.0%} of the institutions have a country (at least 90% expected)",
                           severity=dg.AssetCheckSeverity.WARN, share_country=coverage["share_country"], share_city=coverage["share_city"])
        yield dg.Output(df, metadata=table_metadata(df, "core_institutions", coverage=coverage))

    @dg.multi_asset(
        outs={
            "core_affiliations": table_out("core_affiliations", "geo"),
            "core_affiliations_quarantine": table_out(
                "quarantine",
                "geo",
                "Authorships naming an institution that has no record (kept, and located by their raw "
                "affiliation string or country instead).",
            ),
        },
        partitions_def=partitions,
        backfill_policy=YEARLY_RANGES,
        ins={"raw_authorships": dg.AssetIn(metadata={IN_BATCHES: True})},
    )
    def core_affiliations(
        context: dg.AssetExecutionContext,
        raw_authorships,
        core_institutions: pd.DataFrame,
        analysis: AnalysisSettings,
    ):
        """Every authorship x institution of the year placed in a city: the institution's city when
        OpenAlex or GeoNames places it, else the authorship's raw affiliation string matched against
        the gazetteer, else the country alone. A run may cover a range of years (the institutions read
        once): each year is placed from its own authorships when the IO manager writes it, a batch of
        about ``AUTHORSHIP_BATCH_ROWS`` authorships at a time (a work's authorships in one batch:
        ``whole_runs``), and written a batch at a time (``TableBatches``): a real year's ~50 M
        authorships with their affiliation strings are never held whole."""
        keys = list(context.partition_keys)
        quarantines: dict[str, pd.DataFrame] = {}

        def year_table(key: str) -> TableBatches:
            tally: Counter = Counter()
            found: list[pd.DataFrame] = []

            def placed():
                start = 0
                for batch in whole_runs(partition_batches(raw_authorships, key, AUTHORSHIP_BATCH_ROWS, None), "work_id"):
                    batch.index = pd.RangeIndex(start, start + len(batch))  # the year's row numbers: the quarantine's lines
                    start += len(batch)
                    df = geocode_affiliations(batch, core_institutions, bloc_definition=analysis.bloc_definition)
                    found.append(unknown_institutions(batch, core_institutions, f"raw_authorships[{key}]"))
                    tally.update(geocode_tally(df))
                    yield df

            def written(table: TableFile) -> None:
                quarantine = quarantines[key] = pd.concat(found, ignore_index=True) if found else SCHEMAS["quarantine"].empty()
                context.add_asset_metadata(
                    table_metadata(table, "core_affiliations", coverage=geocode_coverage(tally), institutions_missing=len(quarantine)),
                    asset_key="core_affiliations", partition_key=key,
                )
                context.add_asset_metadata(
                    table_metadata(quarantine, "quarantine", by_reason={"institution_missing": len(quarantine)}),
                    asset_key="core_affiliations_quarantine", partition_key=key,
                )

            return TableBatches("core_affiliations", placed(), written)

        # the affiliations of each year are made when written (a batch at a time); its quarantine, small, after them
        yield dg.Output(LazyPartitions({k: functools.partial(year_table, k) for k in keys}), output_name="core_affiliations")
        yield dg.Output(quarantines, output_name="core_affiliations_quarantine")

    return [core_institutions, core_affiliations]
