"""The automation conditions: a refreshed year's dependents follow it, the all-years tables after them.

**``yearly_eager()``** is ``AutomationCondition.eager()`` without ``in_latest_time_window()``: a
partition is requested when any of its parent partitions updated since it was last handled (or it
became missing), once none of its parents is missing or in progress and it is not in progress
itself, whichever year it is. ``eager()`` looks only at the newest partition, but citations made in
year y also complete the impact windows of y-1 and y-2 (and y-5..y-1 for the long window), so
adding or refreshing a year must rematerialize those older partitions too. Its "parent updated"
also counts updates made by runs that held the asset itself (``any_deps_updated_in_any_run``),
which Dagster's ``any_deps_updated()`` drops for every partition at once. With ``wait_for`` it
waits while an automated parent is ``outdated()`` (about to run again); ``all_years_eager`` does the
same for the unpartitioned assets that read every year. So each partition runs once, after what it
reads: ``core_author_years`` (read by every year's city metrics) runs in its own run, and Dagster
neither orders a partition after it nor after the other years of a window.

The project's wiring is declared on each asset, where it is defined: an asset that refreshes with
the years carries the tag ``aigeo/refresh`` (``REFRESH_TAG``), ``yearly`` on a partitioned asset (with
``yearly_automation()``), ``all_years`` on an unpartitioned one that reads every year (with
``all_years_automation()``). The conditions wait for ``automated_assets()``, the assets that
carry the tag, resolved from the asset graph when the condition is evaluated: there is no list of
names to keep in step. The tag shows on the asset's page in the UI (and filters the catalog).

Which assets carry it: every partitioned asset downstream of the ingest that reads other years
(citation windows, the cited side of citations, five-year windows) or what does; ``core_citations``
too (a refreshed year's papers are the cited side of every later year's citations); ``core_papers``,
which reads its year only, because ``yearly_refresh`` (the OpenAlex tables, on both studies' years)
cannot hold it (AlShebli et al. 2022's years), so a year's papers follow its works this way; and the
all-years tables computed from those.
"""

from __future__ import annotations

from typing import Literal

import dagster as dg

REFRESH_TAG = "aigeo/refresh"
"""The asset tag that says how an asset follows the years: ``yearly`` or ``all_years``."""
Refresh = Literal["yearly", "all_years"]


def refresh_tags(refresh: Refresh) -> dict[str, str]:
    """The tags that declare an asset automated (``tags=refresh_tags("yearly")`` next to
    ``automation_condition=yearly_automation()``)."""
    if refresh not in ("yearly", "all_years"):
        raise ValueError(f"{REFRESH_TAG} is 'yearly' or 'all_years', not {refresh!r}")
    return {REFRESH_TAG: refresh}


def automated_assets() -> dg.AssetSelection:
    """The assets tagged ``aigeo/refresh`` (either value): those the conditions wait for."""
    return dg.AssetSelection.tag(REFRESH_TAG, "yearly") | dg.AssetSelection.tag(REFRESH_TAG, "all_years")


# ---------------------------------------------------------------------------------------------
# the conditions


def any_deps_updated_in_any_run(ignore: dg.AssetSelection | None = None) -> dg.AutomationCondition:
    """A parent partition updated since the previous tick, or will be requested in the same run.

    ``AutomationCondition.any_deps_updated()`` also drops parent updates made by a run whose
    selection held this asset (``executed_with_root_target``), asset by asset, not partition by
    partition: a run that materialized citations[2019] together with metrics[2019] would hide the
    new citations from metrics[2017] and metrics[2018]. Without that filter, the child partition
    updated in the same run counts as handled all the same (its own update resets
    ``since_last_handled`` on that tick), so nothing runs twice."""
    updated = dg.AutomationCondition.any_deps_match(
        dg.AutomationCondition.newly_updated() | dg.AutomationCondition.will_be_requested()
    )
    if ignore is not None:
        updated = updated.ignore(ignore)
    return updated.with_label("any_deps_updated_in_any_run")


def outdated() -> dg.AutomationCondition:
    """True while one of the target's parents has updated after the target's own latest update.

    Both sides are timed events (``newly_updated``), so when the parent and the target both
    updated since the previous tick, their timestamps decide (Dagster's ``since`` resolves a tie
    by timing only when both sides carry it, which ``and``/``or`` do not pass on)."""
    return (
        dg.AutomationCondition.any_deps_match(dg.AutomationCondition.newly_updated())
        .since(dg.AutomationCondition.newly_updated())
        .with_label("outdated")
    )


def any_dep_outdated(among: dg.AssetSelection) -> dg.AutomationCondition:
    """True when one of the target's parents in ``among`` is ``outdated()``: it has its own
    automation and is about to run again (or running), so reading it now would read its old value."""
    return dg.AutomationCondition.any_deps_match(outdated()).allow(among).with_label("any_dep_outdated")


def any_dep_blocking_check_failed() -> dg.AutomationCondition:
    """True when a blocking check of a parent failed (or its execution failed) on the parent's
    latest materialization, and the parent is not requested again on this tick.

    It stands where Dagster's ``all_deps_blocking_checks_passed()`` would, negated: that one asks
    every blocking check of every parent to have passed on the parent's latest materialization. A
    check is not partitioned here (Dagster's partitioned checks are a preview and cannot report
    the years of a range run), so its status is its latest result, and that result counts only
    when it targets the asset's latest materialization, whichever year. When two years' runs
    overlap (year A's table written, then year B's table written and checked, then A's check
    done), the latest result targets A's table, not the latest (B's): neither passed nor failed,
    and under ``all_deps_blocking_checks_passed()`` both years' dependents wait until the parent is
    written again (a CI run saw ``core_papers[2016]`` never follow ``aigeo run``'s 2016 while the UI's
    2015 run was checking its keys). So a known failure holds the dependents back (every year of
    them: the failure is the asset's status, not one year's), an unknown status lets them go, and
    within a run a failed blocking check still stops what reads the asset."""
    failed = (
        (dg.AutomationCondition.check_failed() | dg.AutomationCondition.execution_failed())
        & ~dg.AutomationCondition.will_be_requested()
    )
    return dg.AutomationCondition.any_deps_match(
        dg.AutomationCondition.any_checks_match(failed, blocking_only=True).with_label("any_blocking_check_failed")
    ).with_label("any_dep_blocking_check_failed")


def yearly_eager(ignore: dg.AssetSelection | None = None, wait_for: dg.AssetSelection | None = None) -> dg.AutomationCondition:
    """``AutomationCondition.eager()`` for every partition, not only the latest time window.

    True for a partition when one of its parent partitions updated (or will be requested in the
    same run) or the partition became missing, since the partition was last requested or updated;
    and none of its parents is missing or in progress, and it is not in progress. It is Dagster's
    documented ``eager().without(in_latest_time_window())`` with ``any_deps_updated()`` replaced by
    ``any_deps_updated_in_any_run()`` (see there).

    ``ignore``: parents whose updates do not trigger (they still block while missing or in
    progress). ``wait_for``: automated parents that the partition waits for while they are
    ``outdated()``, instead of running now with their old value and once more when they land:
    an all-years parent (``core_author_years``) never runs in the same run as a partition, and a
    partition reading other years of a parent (a window) is not ordered after them either.
    """
    condition = (
        (dg.AutomationCondition.newly_missing() | any_deps_updated_in_any_run(ignore)).since_last_handled()
        & ~dg.AutomationCondition.any_deps_missing()
        & ~dg.AutomationCondition.any_deps_in_progress()
        & ~dg.AutomationCondition.in_progress()
    )
    if wait_for is not None:
        condition = condition & ~any_dep_outdated(wait_for)
    return condition.with_label("yearly_eager")


def all_years_eager(wait_for: dg.AssetSelection) -> dg.AutomationCondition:
    """``AutomationCondition.eager()`` for an unpartitioned asset that reads every year, waiting
    while a parent partition in ``wait_for`` is ``outdated()`` (about to be recomputed by its own
    automation), so that it runs once, after them, rather than once now and once again."""
    return (dg.AutomationCondition.eager() & ~any_dep_outdated(wait_for)).with_label("all_years_eager")


# ---------------------------------------------------------------------------------------------
# the project's wiring


def yearly_automation(wait_for: dg.AssetSelection | None = None) -> dg.AutomationCondition:
    """``yearly_eager`` waiting for the project's automated assets (``wait_for``, by default
    ``automated_assets()``), and held back while a parent's blocking check (``core_papers``'
    geocoding coverage, the primary keys) has failed (``any_dep_blocking_check_failed``)."""
    waited = automated_assets() if wait_for is None else wait_for
    return (yearly_eager(wait_for=waited) & ~any_dep_blocking_check_failed()).with_label(
        "yearly_automation"
    )


def all_years_automation(wait_for: dg.AssetSelection | None = None) -> dg.AutomationCondition:
    """``all_years_eager`` waiting for the project's automated assets (``wait_for``, by default
    ``automated_assets()``), and held back while a parent's blocking check has failed."""
    waited = automated_assets() if wait_for is None else wait_for
    return (all_years_eager(waited) & ~any_dep_blocking_check_failed()).with_label(
        "all_years_automation"
    )
