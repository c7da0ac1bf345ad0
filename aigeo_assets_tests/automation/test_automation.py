"""The snapshot sensor, its planner and the automation conditions (``aigeo_assets.automation``,
``aigeo_assets.ingest.snapshot_changes``)."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import dagster as dg
import pytest

from aigeo_assets.automation import REFRESH_TAG, automated_assets, refresh_tags
from aigeo_assets.automation.conditions import all_years_automation, all_years_eager, yearly_automation, yearly_eager
from aigeo_assets.automation.sensors import SENSOR_NAME, build_snapshot_update_sensor
from aigeo_assets.ingest.snapshot_changes import (
    FolderRecord,
    SnapshotCursor,
    diff_folders,
    format_years,
    parse_years,
    plan_refresh,
    scan_works_folders,
    snapshot_root,
    years_of_parts,
)
from aigeo_assets.partitions import yearly_partitions
from aigeo_assets.resources.settings import Settings

# ---------------------------------------------------------------------------------------------
# the yearly automation condition on a graph shaped like ours

FIRST = 2015
WINDOW = dg.TimeWindowPartitionMapping(start_offset=0, end_offset=2)
"""metrics[y] reads raw[y..y+2], as out_impact_pairs reads the citations of y..y+2."""


def _defs(last_year: int, metrics_condition: dg.AutomationCondition, summary_condition: dg.AutomationCondition | None = None) -> dg.Definitions:
    partitions = yearly_partitions(FIRST, last_year)

    @dg.asset(partitions_def=partitions)
    def raw() -> None:
        """The yearly ingest: materialized by a job (the sensor or the schedule), not automated."""

    @dg.asset(partitions_def=partitions, deps=[dg.AssetDep(raw, partition_mapping=WINDOW)], automation_condition=metrics_condition)
    def metrics() -> None: ...

    @dg.asset(deps=[metrics], automation_condition=summary_condition or dg.AutomationCondition.eager())
    def summary() -> None:
        """An all-years table (like out_city_ranks): AllPartitionMapping on the yearly metrics."""

    return dg.Definitions(assets=[raw, metrics, summary])


def _materialize(defs: dg.Definitions, instance: dg.DagsterInstance, assets: str | list[str], years: list[int] | None = None) -> None:
    """One run per year (a job run), each materializing ``assets``."""
    job = defs.resolve_implicit_global_asset_job_def()
    selection = [dg.AssetKey(a) for a in ([assets] if isinstance(assets, str) else assets)]
    for key in [None] if years is None else [str(y) for y in years]:
        result = job.execute_in_process(instance=instance, asset_selection=selection, partition_key=key)
        assert result.success


def _requested(defs: dg.Definitions, tick) -> list[str]:
    """``asset[year]`` (or ``asset``) for every partition the tick requested, sorted."""
    out = []
    for key in sorted(defs.resolve_asset_graph().get_all_asset_keys()):
        subset = tick.get_requested_partitions(key)
        if defs.resolve_assets_def(key).partitions_def is None:
            out += [key.to_user_string()] if tick.get_num_requested(key) else []
        else:
            out += [f"{key.to_user_string()}[{k}]" for k in sorted(subset)]
    return out


def _world_then_a_new_year(
    metrics_condition: dg.AutomationCondition, with_metrics: bool = False, summary_condition: dg.AutomationCondition | None = None
):
    """2015-2018 materialized and automation evaluated; then 2019 added to the partitions and
    raw[2019] materialized (what ``yearly_refresh`` does; ``with_metrics``: in one run with
    metrics[2019], as "materialize all" does). Returns (defs, instance, the tick after)."""
    instance = dg.DagsterInstance.ephemeral()
    defs = _defs(2018, metrics_condition, summary_condition)
    _materialize(defs, instance, "raw", [2015, 2016, 2017, 2018])
    _materialize(defs, instance, "metrics", [2015, 2016, 2017, 2018])
    _materialize(defs, instance, "summary")
    tick = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    assert _requested(defs, tick) == [], "everything is up to date"

    defs = _defs(2019, metrics_condition, summary_condition)  # AIGEO_END_YEAR raised
    tick = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=tick.cursor)
    assert _requested(defs, tick) == [], "metrics[2019] waits for raw[2019]"
    if with_metrics:
        _materialize(defs, instance, ["raw", "metrics"], [2019])
    else:
        _materialize(defs, instance, "raw", [2019])
    tick = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=tick.cursor)
    return defs, instance, tick


DOCUMENTED = dg.AutomationCondition.eager().without(dg.AutomationCondition.in_latest_time_window())
"""Dagster's documented customization ('Updating older time partitions')."""


def test_yearly_eager_is_the_documented_all_partitions_eager_but_for_its_trigger():
    ours, documented = yearly_eager(), DOCUMENTED
    assert ours.get_label() == "yearly_eager"
    assert ours.operands[1:] == documented.operands[1:], "the same blockers: deps missing or in progress, in progress"
    assert ours.operands[0] != documented.operands[0]
    waiting = yearly_eager(wait_for=dg.AssetSelection.assets("careers"))
    assert waiting.operands[:4] == ours.operands and len(waiting.operands) == 5


WAITING = {
    "yearly_eager": (yearly_eager(), None),
    "waiting": (yearly_eager(wait_for=dg.AssetSelection.assets("metrics")), all_years_eager(dg.AssetSelection.assets("metrics"))),
}
"""The condition alone (summary: plain eager), and as the project wires it (each waits for outdated parents)."""


@pytest.mark.parametrize("conditions", list(WAITING))
def test_adding_a_year_requests_the_windows_it_completes_and_then_the_summary(conditions):
    metrics_condition, summary_condition = WAITING[conditions]
    defs, instance, tick = _world_then_a_new_year(metrics_condition, summary_condition=summary_condition)
    # raw[2019] is read by metrics[2017] (2017..2019), metrics[2018] (2018..2020, 2020 not a
    # partition) and metrics[2019] (new; its window is as incomplete as metrics[2018]'s was, and is
    # flagged so); metrics[2015] and metrics[2016] do not read it. The summary reads every year,
    # but a partitioned parent runs in other runs than an unpartitioned child, so Dagster does not
    # count it as "will be requested": the summary waits for metrics[2019] to exist.
    assert _requested(defs, tick) == ["metrics[2017]", "metrics[2018]", "metrics[2019]"]
    assert tick.total_requested == 3

    _materialize(defs, instance, "metrics", [2017, 2018, 2019])
    tick = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=tick.cursor)
    assert _requested(defs, tick) == ["summary"]

    _materialize(defs, instance, "summary")
    tick = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=tick.cursor)
    assert _requested(defs, tick) == [], "each partition once: nothing left to do"

    # the sensor refreshes an older year: raw[2016] is read by metrics[2014] (not a partition),
    # metrics[2015] and metrics[2016]
    _materialize(defs, instance, "raw", [2016])
    tick = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=tick.cursor)
    assert _requested(defs, tick) == ["metrics[2015]", "metrics[2016]"]


def test_default_eager_refreshes_only_the_newest_year():
    """Why yearly_eager exists: eager() includes in_latest_time_window(), so of the three metrics
    partitions that read raw[2019] only metrics[2019] is requested; 2017 and 2018 keep impact
    windows that lack the citations of 2019, and nothing ever requests them."""
    defs, instance, tick = _world_then_a_new_year(dg.AutomationCondition.eager())
    assert _requested(defs, tick) == ["metrics[2019]"]

    _materialize(defs, instance, "metrics", [2019])
    tick = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=tick.cursor)
    assert _requested(defs, tick) == ["summary"]
    _materialize(defs, instance, "summary")
    tick = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=tick.cursor)
    assert _requested(defs, tick) == [], "metrics[2017] and metrics[2018] are never refreshed"


@pytest.mark.parametrize("condition", ["yearly_eager", "waiting", "documented"])
def test_a_run_that_also_built_the_new_years_metrics_still_completes_the_older_windows(condition):
    """raw[2019] and metrics[2019] materialized in one run ("materialize all" for 2019). Dagster's
    any_deps_updated() drops a parent update when the run that made it also selected the child
    asset, for every partition of it: the documented all-partitions eager never sees that
    metrics[2017] and metrics[2018] now miss raw[2019]. yearly_eager requests them, and not
    metrics[2019] (its own update in that run counts as handled). The summary (plain eager) follows
    metrics[2019] at once: Dagster cannot hold it for partitions requested in other runs, so it
    runs again once metrics[2017] and metrics[2018] land, unless it is ``all_years_eager`` waiting
    for them ("waiting")."""
    if condition == "documented":
        defs, instance, tick = _world_then_a_new_year(DOCUMENTED, with_metrics=True)
        assert _requested(defs, tick) == ["summary"]
        return
    metrics_condition, summary_condition = WAITING[condition]
    defs, instance, tick = _world_then_a_new_year(metrics_condition, with_metrics=True, summary_condition=summary_condition)
    if condition == "waiting":
        assert _requested(defs, tick) == ["metrics[2017]", "metrics[2018]"]
        _materialize(defs, instance, "metrics", [2017, 2018])
        tick = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=tick.cursor)
        assert _requested(defs, tick) == ["summary"]
        return
    assert _requested(defs, tick) == ["metrics[2017]", "metrics[2018]", "summary"]
    _materialize(defs, instance, "summary")  # the summary's run finishes first
    tick = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=tick.cursor)
    assert _requested(defs, tick) == []
    _materialize(defs, instance, "metrics", [2017, 2018])
    tick = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=tick.cursor)
    assert _requested(defs, tick) == ["summary"]


def _defs_with_careers(last_year: int, metrics_condition: dg.AutomationCondition) -> dg.Definitions:
    """As ``_defs``, with an all-years ``careers`` asset (like core_author_years: eager on every
    year of raw) that every year of metrics also reads."""
    partitions = yearly_partitions(FIRST, last_year)

    @dg.asset(partitions_def=partitions)
    def raw() -> None: ...

    @dg.asset(deps=[raw], automation_condition=dg.AutomationCondition.eager())
    def careers() -> None: ...

    @dg.asset(partitions_def=partitions, deps=[dg.AssetDep(raw, partition_mapping=WINDOW), careers], automation_condition=metrics_condition)
    def metrics() -> None: ...

    @dg.asset(deps=[metrics], automation_condition=dg.AutomationCondition.eager())
    def summary() -> None: ...

    return dg.Definitions(assets=[raw, careers, metrics, summary])


@pytest.mark.parametrize("wait", [True, False])
def test_the_yearly_partitions_wait_for_an_all_years_parent_to_catch_up(wait):
    """raw[2019] makes careers outdated, and careers feeds every year of metrics. With
    ``wait_for=careers`` the metrics wait for careers, then every year runs once, then the summary.
    Without, metrics[2017..2019] run at once with the old careers, and when careers lands in the
    same interval as they do, Dagster takes their own update as handling it: they keep the old
    careers (and the summary follows metrics[2015..2016] before they land)."""
    condition = yearly_eager(wait_for=dg.AssetSelection.assets("careers")) if wait else yearly_eager()
    instance = dg.DagsterInstance.ephemeral()
    defs = _defs_with_careers(2018, condition)
    years = [2015, 2016, 2017, 2018]
    _materialize(defs, instance, "raw", years)
    _materialize(defs, instance, "careers")
    _materialize(defs, instance, "metrics", years)
    _materialize(defs, instance, "summary")
    tick = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    defs = _defs_with_careers(2019, condition)
    tick = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=tick.cursor)
    _materialize(defs, instance, "raw", [2019])

    ticks = []
    for _ in range(5):  # each tick's runs: the yearly ones first, then the all-years ones
        tick = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=tick.cursor)
        requested = _requested(defs, tick)
        ticks.append(requested)
        if not requested:
            break
        metric_years = [int(r[8:12]) for r in requested if r.startswith("metrics[")]
        if metric_years:
            _materialize(defs, instance, "metrics", metric_years)
        for asset in [r for r in requested if "[" not in r]:
            _materialize(defs, instance, asset)
    if wait:
        assert ticks == [["careers"], [f"metrics[{y}]" for y in range(2015, 2020)], ["summary"], []]
    else:
        assert ticks == [["careers", "metrics[2017]", "metrics[2018]", "metrics[2019]"], ["metrics[2015]", "metrics[2016]", "summary"], []]


def _defs_with_a_key_check(papers_condition: dg.AutomationCondition, summary_condition: dg.AutomationCondition,
                           before_check, failing: set[str]) -> dg.Definitions:
    """raw (yearly) with a blocking key check in its own step, as ``primary_key_checks`` makes them;
    papers (yearly) and summary (all years) automated. The check calls ``before_check(year)`` first
    and fails for the years in ``failing``."""
    partitions = yearly_partitions(FIRST, 2018)

    @dg.asset(partitions_def=partitions)
    def raw() -> None: ...

    @dg.multi_asset_check(specs=[dg.AssetCheckSpec("raw_primary_key_unique", asset="raw", blocking=True)], can_subset=True)
    def raw_primary_keys(context):
        year = context.op_execution_context.partition_key
        before_check(year)
        yield dg.AssetCheckResult(asset_key="raw", check_name="raw_primary_key_unique", passed=year not in failing)

    @dg.asset(partitions_def=partitions, deps=[raw], automation_condition=papers_condition)
    def papers() -> None: ...

    @dg.asset(deps=[papers], automation_condition=summary_condition)
    def summary() -> None: ...

    return dg.Definitions(assets=[raw, papers, summary], asset_checks=[raw_primary_keys])


def _write_raw(defs: dg.Definitions, instance: dg.DagsterInstance, year: str) -> bool:
    """One run writing raw[year] and checking its keys (what ``yearly_refresh`` or the UI launches);
    whether it succeeded (a failed blocking check fails it)."""
    selection = dg.AssetSelection.assets("raw")  # with its checks
    job = dg.define_asset_job("write_raw", selection=selection).resolve(asset_graph=defs.resolve_asset_graph())
    return job.execute_in_process(instance=instance, partition_key=year, raise_on_error=False).success


AUTOMATED = {
    "ours": (yearly_automation(wait_for=dg.AssetSelection.assets()), all_years_automation(wait_for=dg.AssetSelection.assets())),
    "all_deps_blocking_checks_passed": (
        yearly_eager() & dg.AutomationCondition.all_deps_blocking_checks_passed(),
        dg.AutomationCondition.eager() & dg.AutomationCondition.all_deps_blocking_checks_passed(),
    ),
}
"""The project's conditions, and the same with Dagster's ``all_deps_blocking_checks_passed()`` (before the fix)."""


@pytest.mark.parametrize("conditions", list(AUTOMATED))
def test_two_years_written_at_once_both_go_on(conditions):
    """raw[2015]'s run writes its table, then raw[2016]'s run writes and checks its own, then 2015's
    check finishes: the order a CI run saw when ``aigeo run`` wrote 2016 while the UI's 2015 run
    was checking its keys. Both checks passed, yet the latest check result targets 2015's table
    while 2016's is the asset's latest: with ``all_deps_blocking_checks_passed()`` no year of
    papers ever runs; ours requests both years."""
    import threading

    table_2015_written, run_2016_done = threading.Event(), threading.Event()

    def before_check(year: str) -> None:
        if year == "2015":
            table_2015_written.set()
            assert run_2016_done.wait(60), "the 2016 run did not finish"

    papers_condition, summary_condition = AUTOMATED[conditions]
    defs = _defs_with_a_key_check(papers_condition, summary_condition, before_check, failing=set())
    with dg.DagsterInstance.ephemeral() as instance:  # no compute-log capture: two runs at once in one process
        tick = dg.evaluate_automation_conditions(defs=defs, instance=instance)
        outcomes = {}
        first = threading.Thread(target=lambda: outcomes.update({"2015": _write_raw(defs, instance, "2015")}))
        first.start()
        assert table_2015_written.wait(60)
        outcomes["2016"] = _write_raw(defs, instance, "2016")
        run_2016_done.set()
        first.join(60)
        assert outcomes == {"2015": True, "2016": True}
        history = instance.event_log_storage.get_asset_check_execution_history(
            dg.AssetCheckKey(dg.AssetKey("raw"), "raw_primary_key_unique"), limit=1)
        latest_table = instance.fetch_materializations(dg.AssetKey("raw"), limit=1).records[0]
        assert latest_table.partition_key == "2016" and history[0].run_id != latest_table.run_id, "the race as seen"

        tick = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=tick.cursor)
        expected = ["papers[2015]", "papers[2016]"] if conditions == "ours" else []
        assert _requested(defs, tick) == expected


def test_a_failed_blocking_check_holds_back_what_follows_until_the_year_is_written_again():
    """Every year up to date; raw[2016] rewritten fails its key check: nothing follows (with no
    check, papers[2016] would); rewritten again and passing, papers[2016] follows, then the summary."""
    failing: set[str] = set()
    papers_condition, summary_condition = AUTOMATED["ours"]
    defs = _defs_with_a_key_check(papers_condition, summary_condition, lambda year: None, failing)
    years = [2015, 2016, 2017, 2018]
    with dg.DagsterInstance.ephemeral() as instance:
        assert all(_write_raw(defs, instance, str(y)) for y in years)
        _materialize(defs, instance, "papers", years)
        _materialize(defs, instance, "summary")
        tick = dg.evaluate_automation_conditions(defs=defs, instance=instance)
        assert _requested(defs, tick) == [], "everything is up to date"

        failing.add("2016")
        assert not _write_raw(defs, instance, "2016"), "a failed blocking check fails its run"
        tick = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=tick.cursor)
        assert _requested(defs, tick) == [], "raw[2016] failed its blocking check"

        failing.clear()
        assert _write_raw(defs, instance, "2016")
        tick = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=tick.cursor)
        assert _requested(defs, tick) == ["papers[2016]"]
        _materialize(defs, instance, "papers", [2016])
        tick = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=tick.cursor)
        assert _requested(defs, tick) == ["summary"]


# The wiring as the name lists of automation.py declared it before each asset carried the tag
# aigeo/refresh (frozen: do not derive it from the code under test). Every asset's condition must
# behave as it did then, so a tag added to or dropped from an asset by mistake fails here.
FROZEN_YEARLY_AUTOMATED = (
    "core_papers", "core_citations", "out_city_year_metrics", "out_world_year_totals", "out_impact_pairs",
    "out_collaboration_pairs", "out_centres_of_mass", "out_focal_pull", "out_east_west_betweenness_by_year",
    "out_network_edges_by_year", "out_network_files_by_year", "out_gravity_citation_pairs",
    "out_gravity_citations_by_year", "out_disruption",
    "core_author_year_places",  # issue 13: the careers' yearly part, a new asset (yearly, as core_papers)
)
FROZEN_ALL_YEARS_AUTOMATED = (
    "core_author_years", "out_city_ranks", "out_top_city_shares", "out_centre_trajectory", "out_gravity_citations",
    "out_gravity_citations_table", "out_gravity_citations_coefficients", "out_gravity_migration_pairs",
    "out_gravity_migration", "out_disruption_city_ranks",
)
FROZEN_ALL_YEARS_CONDITION = (*FROZEN_ALL_YEARS_AUTOMATED, "out_network_timeline", "out_venue_east_west")
"""The assets that carry ``all_years_automation()``: the list, and two the list missed; nothing
automated reads those two, so whether a condition waits for them changes nothing (the comparison
below looks at the parents a selection keeps). ``core_author_years`` had plain ``eager()`` until
issue 13 gave it an automated parent (``core_author_year_places``), which it now waits for."""


def _structure(condition: dg.AutomationCondition, graph, parents: frozenset[dg.AssetKey] | None):
    """The condition's tree (operator, label, fields), each asset selection replaced by the parents
    of the asset it keeps: what the condition reads, whether the selection names assets or a tag.
    (Selections nested under a parent's own deps condition are resolved whole.)"""
    from dagster_shared.record import as_dict

    fields = as_dict(condition)
    inner = None if "allow_selection" in fields else parents

    def norm(value, scope):
        if isinstance(value, dg.AutomationCondition):
            return _structure(value, graph, scope)
        if isinstance(value, dg.AssetSelection):
            keys = value.resolve(graph, allow_missing=True)
            return sorted(k.to_user_string() for k in (keys if scope is None else keys & scope))
        if isinstance(value, (list, tuple)):
            return [norm(v, scope) for v in value]
        return repr(value)

    return (type(condition).__name__, {k: norm(v, parents if isinstance(v, dg.AssetSelection) else inner) for k, v in fields.items()})


def _wiring_mismatches(graph, yearly: tuple[str, ...], all_years: tuple[str, ...], all_years_condition: tuple[str, ...]) -> list[str]:
    """Assets whose automation condition differs from what name lists ``yearly``/``all_years`` give."""
    waited = dg.AssetSelection.assets(*yearly, *all_years)
    expected_by_name = {
        **{a: yearly_automation(wait_for=waited) for a in yearly},
        **{a: all_years_automation(wait_for=waited) for a in all_years_condition},
    }
    bad = []
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        name, parents = key.to_user_string(), frozenset(node.parent_keys)
        got = node.automation_condition
        expected = expected_by_name.get(name)
        if expected is None:
            if got is not None and got.get_label() in ("yearly_automation", "all_years_automation"):
                bad.append(f"{name}: {got.get_label()} but in no list")
        elif got is None or _structure(got, graph, parents) != _structure(expected, graph, parents):
            bad.append(f"{name}: {None if got is None else got.get_label()} differs from {expected.get_label()}")
    return sorted(bad)


def test_every_asset_keeps_the_automation_the_name_lists_gave(tmp_path):
    """Every asset of the code location gets the condition the old name lists gave it: the same tree
    and, where it waits for automated parents, the same parents (a tag selection now, names then).
    The tag agrees with the condition and the partitions: ``yearly`` on partitioned assets carrying
    ``yearly_automation()``, ``all_years`` on unpartitioned ones. A planted mistake (a list
    without ``core_citations``, as if its tag were dropped) is caught."""
    from aigeo_assets.code_location import build_definitions

    graph = build_definitions(_settings(None, tmp_path, source="sample")).resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert set(FROZEN_YEARLY_AUTOMATED) | set(FROZEN_ALL_YEARS_CONDITION) <= keys
    assert _wiring_mismatches(graph, FROZEN_YEARLY_AUTOMATED, FROZEN_ALL_YEARS_AUTOMATED, FROZEN_ALL_YEARS_CONDITION) == []

    tags = {k.to_user_string(): graph.get(k).tags for k in graph.get_all_asset_keys()}
    tagged = {name: t[REFRESH_TAG] for name, t in tags.items() if REFRESH_TAG in t}
    assert {a for a, t in tagged.items() if t == "yearly"} == set(FROZEN_YEARLY_AUTOMATED)
    assert {a for a, t in tagged.items() if t == "all_years"} == set(FROZEN_ALL_YEARS_CONDITION)
    for name, refresh in tagged.items():
        node = graph.get(dg.AssetKey(name))
        assert (node.partitions_def is not None) == (refresh == "yearly"), name
        assert node.automation_condition is not None, name
        label = node.automation_condition.get_label()
        assert label == {"yearly": "yearly_automation", "all_years": "all_years_automation"}[refresh], (name, label)
    assert {k.to_user_string() for k in automated_assets().resolve(graph)} == set(tagged)

    planted = tuple(a for a in FROZEN_YEARLY_AUTOMATED if a != "core_citations")
    found = _wiring_mismatches(graph, planted, FROZEN_ALL_YEARS_AUTOMATED, FROZEN_ALL_YEARS_CONDITION)
    assert "core_citations: yearly_automation but in no list" in found
    assert any(m.startswith("out_city_year_metrics: ") for m in found), found


def test_refresh_tags_are_yearly_or_all_years():
    assert refresh_tags("yearly") == {REFRESH_TAG: "yearly"}
    with pytest.raises(ValueError, match="yearly"):
        refresh_tags("monthly")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# the snapshot sensor's pure helpers


def _work(work_id: str, year: int | None) -> dict:
    return {"id": f"https://openalex.org/{work_id}", "publication_year": year, "title": f"work {work_id}"}


def _write_part(root: Path, folder: str, name: str, works: list[dict], gz: bool = True) -> Path:
    path = root / "data" / "works" / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    data = b"".join(json.dumps(w).encode() + b"\n" for w in works)
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


@pytest.fixture
def snapshot(tmp_path) -> Path:
    root = tmp_path / "openalex-snapshot"
    _write_part(root, "updated_date=2024-01-01", "part_000.gz", [_work("W1", 2018), _work("W2", 2019)])
    return root


def _settings(root: Path | None, tmp_path: Path, **kw) -> Settings:
    base = dict(
        data_dir=tmp_path / "data", source="snapshot", snapshot_dir=root, sample_scale="tiny", sample_seed=7,
        start_year=FIRST, end_year=2019, api_base_url="", api_mailto=None, api_key=None, api_concepts=(), api_subfields=(),
    )
    base.update(kw)
    return Settings(**base)  # type: ignore[arg-type]


def test_folders_are_listed_with_a_fingerprint(snapshot):
    folders = scan_works_folders(snapshot)
    assert list(folders) == ["updated_date=2024-01-01"]
    state = folders["updated_date=2024-01-01"]
    assert [p.name for p in state.parts] == ["part_000.gz"] and state.complete and state.size > 0
    assert scan_works_folders(snapshot)["updated_date=2024-01-01"].fingerprint == state.fingerprint, "stable"


def test_years_of_a_folder_follow_the_ingest(snapshot):
    part = snapshot / "data" / "works" / "updated_date=2024-01-01" / "part_000.gz"
    assert years_of_parts([part]).years == {2018, 2019}
    broken = _write_part(snapshot, "updated_date=2024-02-01", "part_000", [_work("W3", 2016)], gz=False)
    with open(broken, "ab") as fh:  # a malformed line has no year: only a decoded record gives one
        fh.write(b'{"id": "W4", "publication_year": 2017, oops\n{"id": "W5", "publication_year": null}\nnot json\n')
    scan = years_of_parts([broken])
    assert scan.years == {2016} and scan.lines == 4 and scan.without_year == 3


def test_a_new_folder_is_detected_once(snapshot):
    seen = {n: FolderRecord(s.fingerprint, frozenset()) for n, s in scan_works_folders(snapshot).items()}
    _write_part(snapshot, "updated_date=2024-02-01", "part_000.gz", [_work("W3", 2019)])
    diff = diff_folders(seen, scan_works_folders(snapshot))
    assert diff.new == ("updated_date=2024-02-01",) and diff.changed == () and diff.removed == ()
    seen["updated_date=2024-02-01"] = FolderRecord(scan_works_folders(snapshot)["updated_date=2024-02-01"].fingerprint, None)
    assert diff_folders(seen, scan_works_folders(snapshot)).ready == ()


def test_cursor_round_trip():
    cursor = SnapshotCursor(
        {"updated_date=2024-01-01": FolderRecord("abc", frozenset({2015, 2016, 2017, 2019})), "x": FolderRecord("d", None)},
        merged_ids=None,
    )
    text = cursor.to_json()
    assert json.loads(text)["folders"]["updated_date=2024-01-01"]["years"] == "2015..2017,2019"
    assert SnapshotCursor.from_json(text) == cursor
    assert SnapshotCursor.from_json(None) is None and SnapshotCursor.from_json("") is None
    assert parse_years(format_years([-3, -2, 0, 1990])) == {-3, -2, 0, 1990}
    with pytest.raises(ValueError):
        SnapshotCursor.from_json('{"version": 99}')


def test_plan_records_first_then_requests_the_new_folders_years(snapshot):
    first = plan_refresh(snapshot, None, FIRST, 2019)
    assert first.baseline and first.years == ()
    assert first.cursor.folders["updated_date=2024-01-01"].years == {2018, 2019}

    _write_part(snapshot, "updated_date=2024-02-01", "part_000.gz", [_work("W3", 2019), _work("W9", 2023)])
    plan = plan_refresh(snapshot, SnapshotCursor.from_json(first.cursor.to_json()), FIRST, 2019)
    assert plan.years == (2019,), "only the new folder is read"
    assert plan.outside == (2023,) and "2023" in plan.message()
    again = plan_refresh(snapshot, plan.cursor, FIRST, 2019)
    assert again.years == () and again.diff.ready == ()


def test_a_changed_folder_requests_the_years_its_works_left_and_joined(snapshot):
    cursor = plan_refresh(snapshot, None, FIRST, 2019).cursor
    # the next release: W1 (2018) moved out of this folder, W7 (2016) arrived
    part = _write_part(snapshot, "updated_date=2024-01-01", "part_000.gz", [_work("W2", 2019), _work("W7", 2016)])
    os.utime(part, ns=(1, 1))
    plan = plan_refresh(snapshot, cursor, FIRST, 2019)
    assert plan.diff.changed == ("updated_date=2024-01-01",)
    assert plan.years == (2016, 2018, 2019)
    assert plan_refresh(snapshot, plan.cursor, FIRST, 2019).years == ()
    # a removed folder: the years it held
    part.unlink()
    part.parent.rmdir()
    removed = plan_refresh(snapshot, plan.cursor, FIRST, 2019)
    assert removed.diff.removed == ("updated_date=2024-01-01",) and removed.years == (2016, 2019)


def test_a_folder_the_manifest_lists_waits_for_its_parts(snapshot):
    cursor = plan_refresh(snapshot, None, FIRST, 2019).cursor
    works = snapshot / "data" / "works"
    _write_part(snapshot, "updated_date=2024-03-01", "part_000.gz", [_work("W5", 2017)])
    listed = [("updated_date=2024-01-01", 0), ("updated_date=2024-03-01", 0), ("updated_date=2024-03-01", 1)]
    (works / "manifest").write_text(json.dumps({"entries": [{"url": f"s3://openalex/data/works/{f}/part_{i:03d}.gz"} for f, i in listed]}))
    plan = plan_refresh(snapshot, cursor, FIRST, 2019)
    assert plan.diff.waiting == ("updated_date=2024-03-01",) and plan.years == ()
    assert "updated_date=2024-03-01" not in plan.cursor.folders and "waiting" in plan.message()
    _write_part(snapshot, "updated_date=2024-03-01", "part_001.gz", [_work("W6", 2015)])
    plan = plan_refresh(snapshot, plan.cursor, FIRST, 2019)
    assert plan.diff.new == ("updated_date=2024-03-01",) and plan.years == (2015, 2017)


def test_too_much_to_read_requests_every_year(snapshot):
    cursor = plan_refresh(snapshot, None, FIRST, 2019).cursor
    _write_part(snapshot, "updated_date=2024-02-01", "part_000.gz", [_work("W3", 2019)])
    plan = plan_refresh(snapshot, cursor, FIRST, 2019, max_scan_bytes=10)
    assert plan.years == tuple(range(FIRST, 2020)) and plan.lines_read == 0
    assert plan.cursor.folders["updated_date=2024-02-01"].years is None


def test_merged_ids_concern_every_year(snapshot):
    cursor = plan_refresh(snapshot, None, FIRST, 2019).cursor
    merged = snapshot / "data" / "merged_ids" / "works"
    merged.mkdir(parents=True)
    (merged / "2024-02-01.csv").write_text("merge_date,id,merge_into_id\n2024-02-01,W1,W2\n")
    assert plan_refresh(snapshot, cursor, FIRST, 2019).years == tuple(range(FIRST, 2020))


def test_the_root_follows_the_source(tmp_path, snapshot):
    assert snapshot_root(_settings(snapshot, tmp_path)) == snapshot
    assert snapshot_root(_settings(None, tmp_path, source="sample")) == tmp_path / "data" / "sources" / "sample-tiny-7"
    assert snapshot_root(_settings(None, tmp_path, source="api")) is None


# ---------------------------------------------------------------------------------------------
# the Dagster sensor


def _sensor_defs(settings: Settings) -> dg.Definitions:
    """A stub ``yearly_refresh`` job partitioned like ours; ``definitions=`` makes Dagster check
    every requested partition key against it."""
    partitions = yearly_partitions(settings.start_year, settings.end_year)

    @dg.asset(partitions_def=partitions)
    def raw_works() -> None: ...

    job = dg.define_asset_job("yearly_refresh", selection=[raw_works], partitions_def=partitions)
    return dg.Definitions(assets=[raw_works], jobs=[job], sensors=[build_snapshot_update_sensor(settings)])


def test_the_sensor_requests_yearly_refresh_for_the_new_folders_years(snapshot, tmp_path):
    settings = _settings(snapshot, tmp_path)
    defs = _sensor_defs(settings)
    sensor = defs.resolve_sensor_def(SENSOR_NAME)
    assert sensor.job_name == "yearly_refresh"
    instance = dg.DagsterInstance.ephemeral()

    first = sensor.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=None, definitions=defs))
    assert first.run_requests == [] and first.cursor is not None

    _write_part(snapshot, "updated_date=2024-02-01", "part_000.gz", [_work("W3", 2019), _work("W4", 2016)])
    tick = sensor.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=first.cursor, definitions=defs))
    assert sorted(r.partition_key for r in tick.run_requests) == ["2016", "2019"]
    assert len({r.run_key for r in tick.run_requests}) == 2
    assert all(r.tags["aigeo/trigger"] == SENSOR_NAME for r in tick.run_requests)
    assert set(json.loads(tick.cursor)["folders"]) == {"updated_date=2024-01-01", "updated_date=2024-02-01"}

    again = sensor.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=tick.cursor, definitions=defs))
    assert again.run_requests == [] and "no yearly partition" in again.skip_message


def test_the_sensor_skips_without_a_snapshot(tmp_path):
    for settings, reason in [
        (_settings(None, tmp_path, source="api"), "no snapshot"),
        (_settings(None, tmp_path, source="sample"), "not generated"),
        (_settings(tmp_path / "nowhere", tmp_path), "cannot read"),
    ]:
        result = build_snapshot_update_sensor(settings).evaluate_tick(dg.build_sensor_context(cursor=None))
        assert result.run_requests == [] and reason in result.skip_message, reason


def test_the_parts_sensor_makes_each_works_part_a_partition_and_requests_it_once(snapshot, tmp_path):
    from aigeo_assets.assets.ingest import part_key
    from aigeo_assets.code_location import build_definitions

    _write_part(snapshot, "updated_date=2024-02-01", "part_000.gz", [_work("W3", 2019)])
    defs = build_definitions(_settings(snapshot, tmp_path))
    sensor = defs.resolve_sensor_def("snapshot_parts_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED
    source = defs.resources["source"]
    expected = sorted(part_key(snapshot, p) for p in snapshot.rglob("part_*.gz"))
    assert len(expected) == 2
    with dg.DagsterInstance.ephemeral() as instance:
        result = sensor(dg.build_sensor_context(instance=instance, resources={"source": source}))
        assert sorted(r.partition_key for r in result.run_requests) == expected
        [add] = result.dynamic_partitions_requests
        assert add.partitions_def_name == "snapshot_parts" and sorted(add.partition_keys) == expected
        instance.add_dynamic_partitions("snapshot_parts", list(add.partition_keys))
        again = sensor(dg.build_sensor_context(instance=instance, resources={"source": source}))
        assert isinstance(again, dg.SkipReason) and "none new" in again.skip_message
        # one part's extract, through the asset, lands where the yearly raw_works read it
        part = expected[0]
        job = defs.resolve_implicit_global_asset_job_def()
        run = job.execute_in_process(instance=instance, asset_selection=[dg.AssetKey("raw_works_parts")], partition_key=part)
        assert run.success
        [mat] = run.asset_materializations_for_node("raw_works_parts")
        assert mat.metadata["lines_read"].value == 2 and mat.metadata["works"].value == 2
        assert any((tmp_path / "data" / "warehouse" / "_part_extracts").iterdir())
