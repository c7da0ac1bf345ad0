"""The yearly partitions of publication years and the mappings between them."""

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


UP_TO_THIS_YEAR = dg.TimeWindowPartitionMapping(start_offset=-1000, end_offset=0)
"""Every year from the first partition up to and including this one (e.g. cited papers of a citing year)."""
