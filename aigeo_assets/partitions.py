"""The yearly partitions of publication years and the mappings between them.

Three ranges (``Settings``): AlShebli et al. 2022's ``alshebli2022_years`` (AIGEO_START_YEAR..AIGEO_END_YEAR: its
papers, citations, city metrics, centres, bridges, models), the life-science atlas's
``lifesci_years`` (max(AIGEO_START_YEAR, AIGEO_LIFESCI_START_YEAR)..AIGEO_LIFESCI_END_YEAR) and the
OpenAlex yearly tables both read, ``openalex_years``, their union (groups ``ingest`` and ``geo``).
Equal ranges give equal partitions definitions (Dagster compares them by value)."""

from __future__ import annotations

import dagster as dg

FIRST_YEAR = 1990


def yearly_partitions(start_year: int, end_year: int) -> dg.TimeWindowPartitionsDefinition:
    """Publication years ``start_year``..``end_year`` inclusive (Dagster has no yearly class)."""
    if end_year < start_year:
        raise ValueError(f"end year {end_year} is before start year {start_year}")
    return dg.TimeWindowPartitionsDefinition(
        start=str(start_year), end=str(end_year + 1), cron_schedule="0 0 1 1 *", fmt="%Y"
    )


def up_to_this_year(partitions: dg.PartitionsDefinition) -> dg.TimeWindowPartitionMapping:
    """Every partition from the first up to and including this one (the cited papers of a citing year).

    The offset reaches exactly back to the first partition: Dagster walks a time-window offset one
    cron step at a time, so an open-ended offset (-1000) cost 0.7 CPU-s per mapping (twice per
    run, and once per run when ``aigeo run`` plans) for the same partitions."""
    return dg.TimeWindowPartitionMapping(start_offset=-(max(len(partitions.get_partition_keys()), 1) - 1), end_offset=0)


def year_keys(first: int, last: int) -> list[str]:
    """The partition keys of the years ``first``..``last`` inclusive (empty when ``last < first``)."""
    return [str(y) for y in range(first, last + 1)]


def only_years(first: int, last: int) -> dg.SpecificPartitionsPartitionMapping:
    """The partitions ``first``..``last`` of a yearly parent, whatever the child's partitions: how an
    all-years asset of AlShebli et al. 2022 (``out_venue_east_west``) reads a foundation table whose partitions run
    on to the life-science atlas's later years (``Settings.openalex_years``) without taking them in."""
    if last < first:
        raise ValueError(f"last year {last} is before first year {first}")
    return dg.SpecificPartitionsPartitionMapping(year_keys(first, last))
