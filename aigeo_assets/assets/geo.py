"""Group ``geo``: institutions and each year's affiliations located to cities, countries and blocs.

``core_affiliations`` is partitioned like the ingest (``Settings.openalex_years``, both studies'
years): AlShebli et al. 2022 and the life-science atlas both read it."""


import dagster as dg
import pandas as pd

from aigeo_assets.assets.metadata import check_result, table_asset_args, table_metadata, table_out
from aigeo_assets.geo.geocode import geocode_affiliations, geocode_coverage, geocode_institutions, unknown_institutions
from aigeo_assets.resources.analysis import AnalysisSettings


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
    )
    def core_affiliations(
        context: dg.AssetExecutionContext,
        raw_authorships: pd.DataFrame,
        core_institutions: pd.DataFrame,
        analysis: AnalysisSettings,
    ):
        """Every authorship x institution of the year placed in a city: the institution's city when
        OpenAlex or GeoNames places it, else the authorship's raw affiliation string matched against
        the gazetteer, else the country alone."""
        df = geocode_affiliations(raw_authorships, core_institutions, bloc_definition=analysis.bloc_definition)
        quarantine = unknown_institutions(raw_authorships, core_institutions, f"raw_authorships[{context.partition_key}]")
        yield dg.Output(
            df,
            output_name="core_affiliations",
            metadata=table_metadata(
                df, "core_affiliations", coverage=geocode_coverage(df), institutions_missing=len(quarantine)
            ),
        )
        yield dg.Output(
            quarantine,
            output_name="core_affiliations_quarantine",
            metadata=table_metadata(quarantine, "quarantine", by_reason={"institution_missing": len(quarantine)}),
        )

    return [core_institutions, core_affiliations]
