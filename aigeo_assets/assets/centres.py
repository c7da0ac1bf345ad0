"""Group ``centres``: where the centre of gravity of AI research lies, year by year (AlShebli et al. 2022, Fig. 4).

``out_centres_of_mass``/``out_focal_pull`` have a single-run backfill policy: one run may cover a
range of years (one materialization, with its metadata, per year), each year computed from that
year's ``out_city_year_metrics`` alone, as a one-year run computes it."""

import dagster as dg
import pandas as pd

from aigeo_assets.automation import all_years_automation, refresh_tags, yearly_automation
from aigeo_assets.assets.metadata import num, table_asset_args, table_metadata, table_out
from aigeo_assets.assets.ranges import YEARLY_RANGES
from aigeo_assets.metrics.centres import centre_trajectory, centres_of_mass, focal_pull
from aigeo_assets.resources.io import by_partition, concat_partitions
from aigeo_assets.resources.analysis import AnalysisSettings

GROUP = "centres"
METHODS = ("planar", "spherical")


def build_centre_assets(partitions: dg.PartitionsDefinition) -> list:
    @dg.multi_asset(
        outs={
            "out_centres_of_mass": table_out("out_centres_of_mass", GROUP, automation_condition=yearly_automation(), tags=refresh_tags("yearly")),
            "out_focal_pull": table_out("out_focal_pull", GROUP, automation_condition=yearly_automation(), tags=refresh_tags("yearly")),
        },
        partitions_def=partitions,
        backfill_policy=YEARLY_RANGES,
    )
    def out_centres_of_mass(context: dg.AssetExecutionContext, out_city_year_metrics, analysis: AnalysisSettings):
        """The year's centre of mass of impact, productivity and AI scientists: the weighted mean of the
        cities' latitude and longitude (AlShebli et al. 2022's method, ``planar``) and the spherical mean (mean of
        unit vectors, projected back); and the focal city's pull (default Beijing): the great-circle
        distance between the centres with and without it. A run may cover a range of years: each is
        computed from its own year's metrics and described (metadata) as a one-year run would."""
        keys = list(context.partition_keys)
        metrics_by_year = by_partition(out_city_year_metrics, keys)
        centres_by_year, pull_by_year = {}, {}
        for key in keys:
            metrics = metrics_by_year[key]
            centres = pd.concat([centres_of_mass(metrics, method=m) for m in METHODS], ignore_index=True)
            pull = pd.concat([focal_pull(metrics, analysis.focal_city_geonames_id, method=m) for m in METHODS], ignore_index=True)
            planar = {r.metric: {"latitude": num(r.latitude, 2), "longitude": num(r.longitude, 2)}
                      for r in centres[centres["method"] == "planar"].itertuples()}
            pull_km = {r.metric: num(r.pull_km, 1) for r in pull[pull["method"] == "planar"].itertuples()}
            context.add_asset_metadata(table_metadata(centres, "out_centres_of_mass", planar=planar),
                                       asset_key="out_centres_of_mass", partition_key=key)
            context.add_asset_metadata(table_metadata(pull, "out_focal_pull", pull_km=pull_km), asset_key="out_focal_pull", partition_key=key)
            centres_by_year[key], pull_by_year[key] = centres, pull
        yield dg.Output(centres_by_year, output_name="out_centres_of_mass")
        yield dg.Output(pull_by_year, output_name="out_focal_pull")

    @dg.asset(**table_asset_args("out_centre_trajectory", GROUP), automation_condition=all_years_automation(), tags=refresh_tags("all_years"))
    def out_centre_trajectory(out_centres_of_mass) -> dg.Output:
        """The path of each centre of mass over the years: distance moved from the first year and the
        average speed in km per year (AlShebli et al. 2022: "about 270 km per year"). A year without a centre
        (no city with weight) has no position and no speed (null), never a crash."""
        df = centre_trajectory(concat_partitions(out_centres_of_mass))
        last = df.sort_values("year").groupby(["metric", "method"]).tail(1)
        speeds = {f"{r.metric}/{r.method}": num(r.mean_speed_km_per_year, 1) for r in last.itertuples()}
        return dg.Output(df, metadata=table_metadata(df, "out_centre_trajectory", mean_speed_km_per_year=speeds))

    return [out_centres_of_mass, out_centre_trajectory]
