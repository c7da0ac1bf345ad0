"""A small code location for the scheduler's tests: yearly assets with the partition mappings aigeo
uses (same year, every year up to this one, the next two years), all-years tables after them, and a
switch that makes one asset fail. Module-level, so that worker processes can build it (spawn)."""


import os
import time

import dagster as dg

YEARS = dg.TimeWindowPartitionsDefinition(start="2014", end="2019", cron_schedule="0 0 1 1 *", fmt="%Y")
FAIL_ENV = "AIGEO_TEST_FAIL_ASSET"
SLEEP_S = 0.3


def _work(context: dg.AssetExecutionContext, name: str) -> int:
    if os.environ.get(FAIL_ENV) == name:
        raise RuntimeError(f"{name} failed on purpose")
    time.sleep(SLEEP_S)  # long enough for two workers to overlap
    return os.getpid()


@dg.asset(partitions_def=YEARS)
def papers(context: dg.AssetExecutionContext) -> int:
    return _work(context, "papers")


@dg.asset(partitions_def=YEARS)
def affiliations(context: dg.AssetExecutionContext, papers: int) -> int:
    return _work(context, "affiliations")


UP_TO_THIS_YEAR = dg.TimeWindowPartitionMapping(start_offset=-(len(YEARS.get_partition_keys()) - 1))
"""Every year from the first up to this one, as aigeo's ``core_citations`` reads its papers: the offset
reaches exactly back to the first year (Dagster walks an offset one cron step at a time, so -1000
cost seconds of CPU for each plan and each run's mapping, the same partitions)."""


@dg.asset(partitions_def=YEARS, ins={"papers": dg.AssetIn(partition_mapping=UP_TO_THIS_YEAR)})
def citations(context: dg.AssetExecutionContext, papers) -> int:
    return _work(context, "citations")


@dg.asset(
    partitions_def=YEARS,
    ins={
        "citations": dg.AssetIn(partition_mapping=dg.TimeWindowPartitionMapping(end_offset=2, allow_nonexistent_upstream_partitions=True)),
        "affiliations": dg.AssetIn(),
    },
)
def city_metrics(context: dg.AssetExecutionContext, citations, affiliations) -> int:
    return _work(context, "city_metrics")


@dg.asset
def top_cities(context: dg.AssetExecutionContext, city_metrics) -> int:
    return _work(context, "top_cities")


@dg.asset
def matrix(context: dg.AssetExecutionContext, top_cities: int) -> int:
    return _work(context, "matrix")


@dg.asset
def shares(context: dg.AssetExecutionContext, top_cities: int) -> int:
    return _work(context, "shares")


ASSETS = [papers, affiliations, citations, city_metrics, top_cities, matrix, shares]


def build_defs() -> dg.Definitions:
    return dg.Definitions(
        assets=ASSETS,
        jobs=[dg.define_asset_job("yearly", selection=["papers", "affiliations", "citations"], partitions_def=YEARS)],
    )
