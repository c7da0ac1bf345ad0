"""Group ``geo``: institutions and each year's affiliations located to cities, countries and blocs.

``core_affiliations`` is partitioned like the ingest (``Settings.openalex_years``, both studies'
years): AlShebli et al. 2022 and the life-science atlas both read it."""

import functools

import dagster as dg
import pandas as pd

from aigeo_assets.assets.metadata import check_result, table_asset_args, table_metadata, table_out
from aigeo_assets.assets.ranges import YEARLY_RANGES
from aigeo_assets.geo.geocode import geocode_affiliations, geocode_coverage, geocode_institutions, unknown_institutions
from aigeo_assets.resources.analysis import AnalysisSettings
from aigeo_assets.resources.io import LOAD_ON_ACCESS, LazyPartitions, by_partition


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
        ins={"raw_authorships": dg.AssetIn(metadata={LOAD_ON_ACCESS: True})},
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
        once): each year is placed from its own authorships when the IO manager writes it."""
        keys = list(context.partition_keys)
        authorships = by_partition(raw_authorships, keys)
        quarantines: dict[str, pd.DataFrame] = {}

        def year_table(key: str) -> pd.DataFrame:
            year_authorships = authorships[key]
            df = geocode_affiliations(year_authorships, core_institutions, bloc_definition=analysis.bloc_definition)
            quarantine = quarantines[key] = unknown_institutions(year_authorships, core_institutions, f"raw_authorships[{key}]")
            context.add_asset_metadata(
                table_metadata(df, "core_affiliations", coverage=geocode_coverage(df), institutions_missing=len(quarantine)),
                asset_key="core_affiliations", partition_key=key,
            )
            context.add_asset_metadata(
                table_metadata(quarantine, "quarantine", by_reason={"institution_missing": len(quarantine)}),
                asset_key="core_affiliations_quarantine", partition_key=key,
            )
            return df

        # the affiliations of each year are made when written (one year's at a time); its quarantine, small, after them
        yield dg.Output(LazyPartitions({k: functools.partial(year_table, k) for k in keys}), output_name="core_affiliations")
        yield dg.Output(quarantines, output_name="core_affiliations_quarantine")

    return [core_institutions, core_affiliations]
