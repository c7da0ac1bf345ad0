"""``aigeo run``'s scheduler: a plan of Dagster runs from the asset graph, executed on several workers.

The oracle for the plan is written out by hand for a small code location with aigeo's partition
mappings (``orchestration_fixtures``), and checked on aigeo's own code location against Dagster's
partition mappings: every asset partition exactly once, and every partition it reads materialized by
a run it waits for (or earlier in its own run, for the same partition)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import dagster as dg
import pytest

from aigeo_assets.orchestration import (
    CODE_LOCATION,
    PlannedRun,
    PlanRunner,
    RunFailed,
    StaleReason,
    plan_runs,
    repository_label,
    run_heights,
)
from aigeo_assets.resources.settings import REPO_ROOT
from aigeo_assets.resources.warehouse_files import proc_stat_fields
from aigeo_assets_tests.support import orchestration_fixtures as fx

YEARS = [str(y) for y in range(2014, 2019)]


def _closure(runs: list[PlannedRun]) -> dict[int, set[int]]:
    """Every run a run waits for, directly or not."""
    out: dict[int, set[int]] = {}
    for r in runs:  # needs come earlier in the plan
        out[r.index] = set(r.needs).union(*(out[n] for n in r.needs)) if r.needs else set()
    return out


def _where(runs: list[PlannedRun]) -> dict[tuple[str, str | None], int]:
    where: dict[tuple[str, str | None], int] = {}
    for r in runs:
        for a in r.assets:
            for p in r.partition_keys:
                assert (a, p) not in where, f"{a}[{p}] planned twice"
                where[(a, p)] = r.index
    return where


def test_the_plan_of_the_small_location_is_the_hand_worked_one():
    runs = plan_runs(fx.build_defs())
    where = _where(runs)
    assert set(where) == {(a, y) for a in ("papers", "affiliations", "citations", "city_metrics") for y in YEARS} | {
        ("top_cities", None), ("matrix", None), ("shares", None)
    }
    # a year's papers and affiliations in one run; citations wait for every earlier year's papers;
    # city metrics for the citations of the next two years; the all-years tables after every year
    for y in YEARS:
        assert where[("papers", y)] == where[("affiliations", y)]
    by_index = {r.index: r for r in runs}
    for y in YEARS:
        needs_of_citations = by_index[where[("citations", y)]].needs
        assert needs_of_citations == {where[("papers", p)] for p in YEARS if p <= y}
        metrics = by_index[where[("city_metrics", y)]]
        window = [p for p in YEARS if y <= p <= str(int(y) + 2)]
        assert metrics.needs == {where[("citations", p)] for p in window} | {where[("affiliations", y)]}
    assert by_index[where[("top_cities", None)]].needs == {where[("city_metrics", y)] for y in YEARS}
    # matrix and shares each read top_cities only: runs of their own, side by side after it
    for table in ("matrix", "shares"):
        assert by_index[where[(table, None)]].needs == {where[("top_cities", None)]}
    heights = run_heights(runs)
    assert heights[where[("papers", "2014")]] == 5  # papers -> citations -> city metrics -> top cities -> matrix


def test_a_jobs_plan_and_a_years_plan_keep_to_their_selection():
    runs = plan_runs(fx.build_defs(), job_name="yearly", years=["2016", "2017"])
    assert set(_where(runs)) == {(a, y) for a in ("papers", "affiliations", "citations") for y in ("2016", "2017")}
    where = _where(runs)
    by_index = {r.index: r for r in runs}
    assert by_index[where[("citations", "2017")]].needs == {where[("papers", "2016")], where[("papers", "2017")]}


def test_every_partition_an_aigeo_asset_reads_is_materialized_before_it(tmp_path):
    from aigeo_assets.code_location import build_definitions
    from aigeo_assets.resources.settings import Settings

    settings = Settings.from_env({"AIGEO_DATA_DIR": str(tmp_path), "AIGEO_START_YEAR": "2010", "AIGEO_END_YEAR": "2019"})
    defs = build_definitions(settings)
    graph = defs.resolve_asset_graph()
    runs = plan_runs(defs)
    where = _where(runs)
    before = _closure(runs)
    expected = {
        (k.to_user_string(), p)
        for k in graph.materializable_asset_keys
        if not isinstance(graph.get(k).partitions_def, dg.DynamicPartitionsDefinition)  # raw_works_parts
        for p in (graph.get(k).partitions_def.get_partition_keys() if graph.get(k).partitions_def else [None])
    }
    assert set(where) == expected
    for (asset, partition), index in where.items():
        key = dg.AssetKey.from_user_string(asset)
        for parent in graph.get(key).parent_keys:
            if graph.get(parent).partitions_def is None:
                reads = [None]
            else:
                reads = graph.get_parent_partition_keys_for_child(partition, parent, key).partitions_subset.get_partition_keys()
            for pp in reads:
                j = where[(parent.to_user_string(), pp)]
                assert j in before[index] or (j == index and pp == partition), f"{asset}[{partition}] reads {parent}[{pp}]"
    assert len(runs) < len(expected) / 2  # runs hold several assets


def _instance(tmp_path: Path) -> tuple[dg.DagsterInstance, str]:
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    return dg.DagsterInstance.from_config(str(home)), str(home)


def test_two_workers_materialize_the_plan_in_parallel_then_a_refresh_redoes_only_what_depends(tmp_path):
    defs = fx.build_defs()
    instance, home = _instance(tmp_path)
    with instance:
        runs = plan_runs(defs)
        assert all(r.reasons == () for r in runs)
        fresh = plan_runs(defs, stale_in=instance)  # an empty instance: every run, as nothing was materialized
        assert [(r.assets, r.partition) for r in fresh] == [(r.assets, r.partition) for r in runs]
        assert all(set(r.reasons) == {StaleReason("missing", a, r.partition) for a in r.assets} for r in fresh)
        stats = PlanRunner(workers=2, build=fx.build_defs, home=home, tags={"test": "yes"}).run(runs)
        assert len(stats) == len(runs) and all(s.status == "SUCCESS" for s in stats)
        assert len({s.worker_pid for s in stats}) == 2 and os.getpid() not in {s.worker_pid for s in stats}
        assert all(s.wall_s >= fx.SLEEP_S and s.peak_rss_bytes > 0 for s in stats)
        assert all(s.rss_after_bytes > 0 for s in stats)  # each worker measured what it kept after giving memory back
        spans = sorted((s.started_at, s.started_at + s.wall_s) for s in stats)
        assert all(began <= time.time() for began, _ in spans) and spans[0][0] > time.time() - 600
        assert any(b0 < a1 for (_, a1), (b0, _) in zip(spans, spans[1:]))  # the start times show two runs at once
        assert all(0 < s.after_s < 60 for s in stats)  # each worker timed what it did after the run
        for key in defs.resolve_asset_graph().materializable_asset_keys:
            assert instance.get_latest_materialization_event(key) is not None
        recorded = instance.get_runs()
        assert len(recorded) == len(runs) and all(r.tags.get("test") == "yes" for r in recorded)
        # labelled as the UI labels its own runs, so the job pages and the timeline list them
        for job in {r.job_name for r in recorded}:
            listed = instance.get_runs(dg.RunsFilter(job_name=job, tags=repository_label()))
            assert {r.run_id for r in listed} == {r.run_id for r in recorded if r.job_name == job}

        assert plan_runs(defs, stale_in=instance) == []
        one = [r for r in runs if r.partition == "2016" and "papers" in r.assets]
        PlanRunner(workers=1, defs=defs, instance=instance).run(one)
        refresh = plan_runs(defs, stale_in=instance)
        stale = _where(refresh)
        why = {(a, r.partition): r.reasons for r in refresh for a in r.assets}
        assert why[("citations", "2016")] == why[("citations", "2018")] == (StaleReason("newer_input", "papers", "2016"),)
        # the earliest stale input in partition order, its partitions named
        assert why[("city_metrics", "2014")] == (StaleReason("input_redone", "citations", "2016"),)
        assert why[("city_metrics", "2017")] == (StaleReason("input_redone", "citations", "2017"),)
        assert why[("top_cities", None)] == (StaleReason("input_redone", "city_metrics", "2014"),)
        assert why[("matrix", None)] == (StaleReason("input_redone", "top_cities", None),)
        assert str(why[("matrix", None)][0]) == "reads top_cities, which the plan redoes"
        assert str(why[("citations", "2016")][0]) == "reads papers[2016], materialized after it"
        later = [y for y in YEARS if y >= "2016"]
        assert set(stale) == (  # 2016's affiliations were materialized with its papers: up to date
            {("citations", y) for y in later}
            | {("city_metrics", y) for y in YEARS if int(y) + 2 >= 2016}  # windows reaching 2016's citations
            | {("top_cities", None), ("matrix", None), ("shares", None)}
        )
        # the source's reader is read again for the years named (a changed snapshot), and what follows
        reread_plan = plan_runs(defs, years=["2018"], stale_in=instance)
        reread = _where(reread_plan)
        assert ("papers", "2018") in reread and ("affiliations", "2018") in reread
        [read_again] = [r for r in reread_plan if r.partition == "2018" and "papers" in r.assets]
        assert read_again.assets == ("papers", "affiliations")  # one run: its reasons, one per asset
        assert read_again.reasons == (StaleReason("reread", "papers", "2018"), StaleReason("input_redone", "papers", "2018"))
        assert ("papers", "2017") not in reread and ("citations", "2018") in reread


@pytest.mark.parametrize("workers", [1, 2])
def test_a_failed_run_stops_only_its_dependents_and_the_rest_of_the_plan_goes_on(tmp_path, monkeypatch, workers):
    """As a Dagster backfill does: every year's papers and affiliations still run when a citations run
    fails; nothing that reads citations starts; the error lists every failure and what was left out."""
    monkeypatch.setenv(fx.FAIL_ENV, "citations")
    defs = fx.build_defs()
    instance, home = _instance(tmp_path)
    with instance:
        seen = []
        kwargs = dict(build=fx.build_defs, home=home) if workers > 1 else dict(defs=defs, instance=instance)
        runs = plan_runs(defs)
        with pytest.raises(RunFailed) as failed:
            PlanRunner(workers=workers, on_done=seen.append, **kwargs).run(runs)
        assert "citations failed on purpose" in failed.value.stats.error
        assert all("citations" in s.assets and s.status == "FAILURE" for s in failed.value.failures)
        assert not any("city_metrics" in s.assets or "top_cities" in s.assets for s in seen)
        papers = {r.partition for r in runs if "papers" in r.assets}
        assert {s.partition for s in seen if "papers" in s.assets and s.status == "SUCCESS"} == papers == set(YEARS)
        dependents = [r for r in runs if any(a in r.assets for a in ("city_metrics", "top_cities", "matrix", "shares"))]
        assert failed.value.not_started >= len(dependents) > 0
        assert len(seen) + failed.value.not_started == len(runs)
        with pytest.raises(RunFailed):
            PlanRunner(workers=1, defs=defs, instance=instance).run(plan_runs(defs, stale_in=instance))


# ------------------------------------------------------------------ range runs (single-run backfill policies)


def _runs(runs: list[PlannedRun]) -> set[tuple[tuple[str, ...], tuple[str | None, ...]]]:
    return {(r.assets, r.partition_keys) for r in runs}


def test_assets_with_a_single_run_policy_get_one_run_per_stretch_of_years():
    runs = plan_runs(fx.build_ranged_defs("2019"))
    years = tuple(YEARS)
    assert _runs(runs) == (
        {(("r_papers",), (y,)) for y in years}
        | {(("r_citations",), years), (("r_metrics",), years), (("r_summary",), (None,))}
        | {(("r_centres", "r_models"), (y,)) for y in years}  # per year, together as when the metrics were per year
    )
    where = _where(runs)
    by_index = {r.index: r for r in runs}
    assert by_index[where[("r_citations", "2014")]].needs == {where[("r_papers", y)] for y in years}
    assert by_index[where[("r_metrics", "2014")]].needs == {where[("r_citations", "2014")]} | {where[("r_papers", y)] for y in years}
    for y in years:
        assert by_index[where[("r_centres", y)]].needs == {where[("r_metrics", y)]}
    # --years keeps a range contiguous: a gap starts a new run
    gapped = plan_runs(fx.build_ranged_defs("2019"), years=["2014", "2015", "2017"])
    assert {r.partition_keys for r in gapped if "r_metrics" in r.assets} == {("2014", "2015"), ("2017",)}


def test_range_runs_materialize_each_year_and_a_new_year_replans_exactly_what_depends_on_it(tmp_path):
    import functools

    instance, home = _instance(tmp_path)
    with instance:
        runs = plan_runs(fx.build_ranged_defs("2019"))
        stats = PlanRunner(workers=2, build=functools.partial(fx.build_ranged_defs, "2019"), home=home).run(runs)
        assert all(s.status == "SUCCESS" for s in stats)
        ranged = [s for s in stats if s.last_partition]
        assert sorted((s.label, s.partition, s.last_partition) for s in ranged) == [
            ("r_citations[2014...2018]", "2014", "2018"), ("r_metrics[2014...2018]", "2014", "2018")
        ]
        for asset, covered in (("r_citations", "2014-2018"), ("r_metrics", "2014-2018"), ("r_centres", None)):
            for y in YEARS:
                records = instance.fetch_materializations(
                    dg.AssetRecordsFilter(asset_key=dg.AssetKey(asset), asset_partitions=[y]), limit=1
                ).records
                meta = records[0].asset_materialization.metadata  # type: ignore[union-attr]
                assert meta["year"].value == int(y) and meta["run_years"].value == (covered or f"{y}-{y}")
        range_runs = [r for r in instance.get_runs() if "dagster/asset_partition_range_start" in r.tags]
        assert sorted((r.tags["dagster/asset_partition_range_start"], r.tags["dagster/asset_partition_range_end"]) for r in range_runs) == [
            ("2014", "2018"), ("2014", "2018")
        ]
        assert plan_runs(fx.build_ranged_defs("2019"), stale_in=instance) == []

        # a new year: its papers and citations, the metrics whose windows reach its citations (one
        # range run), their per-year followers and the all-years table; nothing else
        new = fx.build_ranged_defs("2020")
        stale = plan_runs(new, stale_in=instance)
        assert _runs(stale) == {
            (("r_papers",), ("2019",)),
            (("r_citations",), ("2019",)),
            (("r_metrics",), ("2017", "2018", "2019")),
            (("r_centres", "r_models"), ("2017",)),
            (("r_centres", "r_models"), ("2018",)),
            (("r_centres", "r_models"), ("2019",)),
            (("r_summary",), (None,)),
        }
        where, by_index = _where(stale), {r.index: r for r in stale}
        assert by_index[where[("r_metrics", "2017")]].needs == {where[("r_citations", "2019")], where[("r_papers", "2019")]}
        PlanRunner(workers=1, defs=new, instance=instance).run(stale)
        assert plan_runs(new, stale_in=instance) == []


def test_a_range_is_cut_at_gaps_and_at_the_policys_size():
    from aigeo_assets.orchestration import partition_ranges

    every = [str(y) for y in range(2010, 2020)]
    assert partition_ranges(every, every, None) == [tuple(every)]
    assert partition_ranges(every, every, 4) == [tuple(every[:4]), tuple(every[4:8]), tuple(every[8:])]
    assert partition_ranges(["2010", "2011", "2013", "2014", "2015"], every, 2) == [("2010", "2011"), ("2013", "2014"), ("2015",)]


def test_the_runs_label_names_the_workspaces_code_location():
    import yaml

    workspace = yaml.safe_load((REPO_ROOT / "workspace.yaml").read_text())
    assert [e["python_module"]["location_name"] for e in workspace["load_from"]] == [CODE_LOCATION]
    assert repository_label() == {".dagster/repository": f"__repository__@{CODE_LOCATION}"}


@pytest.mark.parametrize("workers", [1, 2])
def test_the_plan_shares_the_run_queue_with_the_ui(tmp_path, monkeypatch, workers):
    """Issue 16, runs that share the queue: with ``run_queue.max_concurrent_runs: 1`` and a run of the
    UI in progress, ``aigeo run``'s plan starts nothing (it says it waits) until that run ends, and
    then never holds two runs at once, even on two workers."""
    import threading

    from dagster._core.storage.dagster_run import DagsterRunStatus
    from dagster._core.test_utils import create_run_for_test

    from aigeo_assets import orchestration

    monkeypatch.setattr(orchestration, "QUEUE_POLL_S", 0.1)
    home = tmp_path / "home"
    home.mkdir()
    # no compute-log capture: its `tail -F` helper once outlived a run in this thread by the 30 s Dagster
    # waits for it, twice, under a full test session's load; the queue is what this test is about
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\nrun_queue:\n  max_concurrent_runs: 1\n"
                                       "compute_logs:\n  module: dagster._core.storage.noop_compute_log_manager\n"
                                       "  class: NoOpComputeLogManager\n")
    defs = fx.build_defs()
    runs = [r for r in plan_runs(defs) if not r.needs][:3]  # independent runs: two workers would take two at once
    assert len(runs) == 3
    with dg.DagsterInstance.from_config(str(home)) as instance:
        ui_run = create_run_for_test(instance, job_name="materialize_all_from_the_ui", status=DagsterRunStatus.STARTED)
        waited, result = threading.Event(), {}
        kwargs = dict(build=fx.build_defs, home=str(home)) if workers > 1 else dict(defs=defs, instance=instance)

        def plan() -> None:
            result["stats"] = PlanRunner(workers=workers, on_wait=lambda limit: waited.set(), **kwargs).run(runs)

        thread = threading.Thread(target=plan)
        thread.start()
        assert waited.wait(60), "the plan did not wait for the UI's run"
        time.sleep(0.5)
        assert [r.run_id for r in instance.get_runs()] == [ui_run.run_id]  # nothing of ours started
        ended_at = time.time()
        instance.report_run_failed(ui_run)
        thread.join(120)
        assert not thread.is_alive() and all(s.status == "SUCCESS" for s in result["stats"])
        ours = [r for r in instance.get_run_records() if r.dagster_run.run_id != ui_run.run_id]
        assert len(ours) == 3 and all(r.start_time >= ended_at for r in ours)
        spans = sorted((r.start_time, r.end_time) for r in ours)
        assert all(later[0] >= earlier[1] for earlier, later in zip(spans, spans[1:])), f"two runs at once: {spans}"


def test_runs_of_a_full_pool_wait_while_the_other_worker_takes_the_next_run_that_fits(tmp_path):
    """Memory (module docstring): with aigeo's instance (pools: one slot by default) the two runs of the
    pool are started one after the other, never overlapping, and the free worker is given the run
    outside the pool meanwhile; with two slots set for the pool (``dagster instance concurrency set``)
    both are started at once."""
    from aigeo_assets.cli import instance_config
    from aigeo_assets.orchestration import pool_limits

    for slots in (1, 2):
        home = tmp_path / f"home{slots}"
        home.mkdir()
        (home / "dagster.yaml").write_text(instance_config(2, home))
        defs = fx.build_pooled_defs()
        runs = plan_runs(defs)
        assert {r.assets: r.pools for r in runs} == {("big_a",): ("test_large_memory",), ("big_b",): ("test_large_memory",), ("small",): ()}
        events: list[str] = []
        with dg.DagsterInstance.from_config(str(home)) as instance:
            if slots > 1:
                instance.event_log_storage.set_concurrency_slots("test_large_memory", slots)
            assert pool_limits(instance, ["test_large_memory"]) == {"test_large_memory": slots}
            stats = PlanRunner(workers=2, build=fx.build_pooled_defs, home=str(home),
                               on_start=lambda r: events.append(f"start {r.assets[0]}"),
                               on_done=lambda s: events.append(f"done {s.assets[0]}")).run(runs)
            assert all(s.status == "SUCCESS" for s in stats)
            spans = {next(iter(r.dagster_run.asset_selection)).to_user_string(): (r.start_time, r.end_time)
                     for r in instance.get_run_records()}
        first_done = next(i for i, e in enumerate(events) if e.startswith("done"))
        if slots == 1:
            assert events[:first_done] == ["start big_a", "start small"], events
            assert events.index("start big_b") > events.index("done big_a"), events
            assert spans["big_b"][0] >= spans["big_a"][1], f"two runs of one pool at once: {spans}"
        else:
            assert events[:first_done] == ["start big_a", "start big_b"], events


def test_a_pool_without_a_slot_is_a_clear_error_not_a_silent_stop(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\nconcurrency:\n  pools:\n    default_limit: 0\n")
    defs = fx.build_pooled_defs()
    runs = [r for r in plan_runs(defs) if r.pools]
    runner = PlanRunner(workers=2, build=fx.build_pooled_defs, home=str(home))
    with dg.DagsterInstance.from_config(str(home)):
        with pytest.raises(RuntimeError, match="test_large_memory allow 0 slots"):
            runner.run(runs)
    assert runner.worker_pids == []  # refused before any worker started


def test_release_memory_gives_back_what_a_fragmented_heap_kept():
    """Why workers call ``release_memory`` after each run: freed blocks between survivors stay
    resident (glibc keeps them for reuse), so a worker would carry a large run's memory into the next
    runs. 300 MB of 1 kB blocks with one in 200 kept alive: freeing them returns next to nothing,
    ``release_memory`` most of it."""
    from aigeo_assets.orchestration import release_memory

    def rss() -> int:
        return next(int(line.split()[1]) * 1024 for line in Path("/proc/self/status").read_text().splitlines()
                    if line.startswith("VmRSS:"))

    release_memory()
    blocks = [bytes(1000) + i.to_bytes(4, "little") for i in range(300_000)]
    kept = blocks[::200]
    del blocks
    held = rss()
    after = release_memory()
    assert kept and held - after > 150 * 2**20, (held, after)


def test_release_memory_still_collects_the_next_runs_cycles_after_freezing_the_survivors():
    """``release_memory`` freezes what outlived a run so later collections skip it; the cyclic garbage a
    later run leaves is still collected by the next call, and what was frozen stays usable."""
    import gc
    import weakref

    from aigeo_assets.orchestration import release_memory

    class Node:
        pass

    kept = Node()
    kept.me = kept  # a long-lived object in a cycle, alive across runs
    release_memory()
    assert gc.get_freeze_count() > 0
    frozen = gc.get_freeze_count()
    enabled = gc.isenabled()
    gc.disable()  # no automatic collection in between: only release_memory may free the cycle
    try:
        run_garbage = Node()
        run_garbage.me, run_garbage.payload = run_garbage, bytearray(1 << 20)
        alive = weakref.ref(run_garbage)
        del run_garbage
        assert alive() is not None  # only a reference cycle holds it: refcounting cannot free it
        release_memory()
    finally:
        if enabled:
            gc.enable()
    assert alive() is None and kept.me is kept
    assert gc.get_freeze_count() >= frozen


def test_a_worker_left_holding_more_than_the_limit_is_replaced_by_a_fresh_one(tmp_path):
    """Memory (module docstring): the worker that ran ``hoard`` (800 MB kept in a module, as a cache
    is) ends after it and a fresh worker takes its place; the runs after it go to workers that hold
    less, and every run succeeds. Without a limit nobody is replaced."""
    limit = 650 * 2**20  # between a worker that ran a Dagster run (~0.2-0.4 GB) and one that holds the hoard
    for max_rss in (limit, 0):
        (tmp_path / f"limit{max_rss}").mkdir()
        instance, home = _instance(tmp_path / f"limit{max_rss}")
        with instance:
            runs = plan_runs(fx.build_hoard_defs())
            runner = PlanRunner(workers=2, build=fx.build_hoard_defs, home=home, worker_max_rss_bytes=max_rss)
            stats = {s.assets[0]: s for s in runner.run(runs)}
        assert all(s.status == "SUCCESS" for s in stats.values())
        assert stats["hoard"].rss_after_bytes > fx.HOARD_BYTES
        if max_rss:
            assert stats["hoard"].worker_retired
            assert [s.worker_retired for s in (stats["after_hoard_a"], stats["after_hoard_b"])] == [False, False]
            assert all(s.rss_after_bytes < limit for s in (stats["after_hoard_a"], stats["after_hoard_b"]))
            assert len(runner.worker_pids) == 3  # two at the start, one in place of the hoarder
            assert stats["hoard"].worker_pid not in {stats["after_hoard_a"].worker_pid, stats["after_hoard_b"].worker_pid}
        else:
            assert not any(s.worker_retired for s in stats.values()) and len(runner.worker_pids) == 2


@pytest.mark.parametrize("start_method", ["fork", "forkserver", "spawn"])
def test_a_worker_has_no_wakeup_fd_of_ours_and_a_forked_one_builds_nothing(tmp_path, start_method):
    """Starting a worker (module docstring): this process stands in for ``aigeo run``, with a wakeup
    pipe for its stop signals. A worker's run does not write its signals there, forked, from the
    fork server or spawned; a forked worker takes the code location it was given (``build`` refuses
    to run), the others build it."""
    instance, home = _instance(tmp_path)
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    previous_fd = signal.set_wakeup_fd(write_end)
    try:
        with instance:
            defs = fx.build_signal_defs()
            build = fx.build_refused if start_method == "fork" else fx.build_signal_defs
            runner = PlanRunner(workers=2, defs=defs, build=build, home=home, start_method=start_method)
            [stats] = runner.run(plan_runs(defs))
            event = instance.get_latest_materialization_event(dg.AssetKey("signals_in_worker"))
    finally:
        signal.set_wakeup_fd(previous_fd)
        os.close(read_end)
        os.close(write_end)
    assert stats.status == "SUCCESS", stats.error
    seen = {k: v.value for k, v in event.asset_materialization.metadata.items()}
    assert seen["pid"] == stats.worker_pid != os.getpid()
    assert seen["wakeup_fd"] == -1


def test_a_fork_server_worker_takes_the_callers_environment_and_folder_as_they_are_now(tmp_path, monkeypatch):
    """The fork server keeps the environment and working folder of the time it started; its workers
    take the caller's as they are when each plan runs (a notebook that changes a setting between two
    plans), and the caller is not their parent (the fork server is)."""
    instance, home = _instance(tmp_path)
    defs = fx.build_signal_defs()
    seen = []
    with instance:
        for marker in ("first", "second"):
            folder = tmp_path / marker
            folder.mkdir()
            monkeypatch.setenv(fx.MARKER_ENV, marker)
            monkeypatch.chdir(folder)
            [stats] = PlanRunner(workers=2, build=fx.build_signal_defs, home=home, start_method="forkserver").run(plan_runs(defs))
            assert stats.status == "SUCCESS", stats.error
            event = instance.get_latest_materialization_event(dg.AssetKey("signals_in_worker"))
            seen.append({k: v.value for k, v in event.asset_materialization.metadata.items()})
    assert [s["marker"] for s in seen] == ["first", "second"]
    assert [Path(s["cwd"]).name for s in seen] == ["first", "second"]
    assert all(s["ppid"] != os.getpid() for s in seen)


@pytest.mark.parametrize("end, how", [("sigkill", "was killed by SIGKILL"), ("exit", "exited with code 3")])
def test_a_worker_that_dies_mid_run_is_an_error_naming_its_run(tmp_path, monkeypatch, end, how):
    """A worker killed in a run (the out-of-memory killer sends SIGKILL) or exiting there is a
    ``WorkerDied`` that names the run it held and, for SIGKILL, says what most often sends it and
    what to do; the plan stops instead of waiting for the run's stats."""
    from aigeo_assets.orchestration import WorkerDied

    monkeypatch.setenv(fx.WORKER_END_ENV, end)
    instance, home = _instance(tmp_path)
    with instance:
        runs = plan_runs(fx.build_ending_defs())
        [label] = [r.label for r in runs if "ends_its_worker" in r.assets]
        with pytest.raises(WorkerDied) as died:
            PlanRunner(workers=2, build=fx.build_ending_defs, home=home).run(runs)
    assert died.value.label == label and died.value.exitcode == (-signal.SIGKILL if end == "sigkill" else 3)
    assert f"{how} while running {label}" in str(died.value)
    assert ("out-of-memory killer" in str(died.value)) == (end == "sigkill")


def test_a_fork_server_worker_dies_with_the_process_that_started_its_plan(tmp_path):
    """A fork server's worker is the fork server's child, not the plan's process, and the fork server
    outlives a killed plan while its workers hold its pipe: the worker watches the plan's process
    itself (``_die_with``) and ends when it is killed (SIGKILL, nothing to clean up)."""
    import subprocess
    import sys

    _, home = _instance(tmp_path)
    pid_file = tmp_path / "worker.pid"
    script = (
        "from aigeo_assets.orchestration import PlanRunner, plan_runs\n"
        "from aigeo_assets_tests.support import orchestration_fixtures as fx\n"
        f"PlanRunner(workers=2, build=fx.build_waiting_defs, home={home!r}, start_method='forkserver')"
        ".run(plan_runs(fx.build_waiting_defs()))\n"
    )
    plan = subprocess.Popen([sys.executable, "-c", script], env={**os.environ, fx.PID_FILE_ENV: str(pid_file)},
                            cwd=Path(__file__).resolve().parents[1])
    try:
        deadline = time.monotonic() + 120
        while not pid_file.exists():
            assert plan.poll() is None, f"the plan's process ended ({plan.returncode}) before its worker ran"
            assert time.monotonic() < deadline, "the worker never ran"
            time.sleep(0.2)
        worker = int(pid_file.read_text())
        assert _alive(worker)
    finally:
        plan.kill()
        plan.wait()
    deadline = time.monotonic() + 30
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(worker), "the worker outlived its plan's process"


def test_a_worker_builds_one_code_location_from_the_settings_it_is_handed(tmp_path):
    """A worker unpickles ``build`` (``aigeo run``'s: ``build_definitions`` with the run's settings)
    and calls it. Unpickling must not import ``aigeo_assets.definitions``, whose import builds a
    second code location from the environment; the fork server's preload must not either."""
    import functools
    import pickle
    import subprocess
    import sys

    from aigeo_assets.code_location import build_definitions
    from aigeo_assets.orchestration import FORKSERVER_PRELOAD
    from aigeo_assets.resources.settings import Settings

    build = functools.partial(build_definitions, Settings.from_env({"AIGEO_DATA_DIR": str(tmp_path)}))
    check = ("import importlib, pickle, sys\n"
             f"for name in {list(FORKSERVER_PRELOAD)!r}: importlib.import_module(name)\n"
             "preloaded = 'aigeo_assets.definitions' in sys.modules\n"
             "defs = pickle.loads(sys.stdin.buffer.read())()\n"
             "print(preloaded, 'aigeo_assets.definitions' in sys.modules, len(defs.resolve_asset_graph().get_all_asset_keys()) > 0)\n")
    done = subprocess.run([sys.executable, "-c", check], input=pickle.dumps(build), capture_output=True, cwd=REPO_ROOT,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().split() == ["False", "False", "True"]


def _alive(pid: int) -> bool:
    """``pid`` runs (a zombie, dead but not yet reaped by its parent, does not)."""
    fields = proc_stat_fields(pid)
    return fields is not None and fields[0] not in ("Z", "X")


def _handlers_after_reset(out) -> None:
    from aigeo_assets.orchestration import _fresh_signal_handlers

    inherited = callable(signal.getsignal(signal.SIGTERM))  # the parent's Python handler came with the fork
    _fresh_signal_handlers()
    out.put({
        "sigterm": signal.getsignal(signal.SIGTERM) == signal.SIG_DFL,
        "sighup": signal.getsignal(signal.SIGHUP) == signal.SIG_DFL,
        "sigint": signal.getsignal(signal.SIGINT) is signal.default_int_handler,
        "sigpipe_ignored": signal.getsignal(signal.SIGPIPE) == signal.SIG_IGN,
        "wakeup_fd": signal.set_wakeup_fd(-1),
        "parent_handler_was_inherited": inherited,
    })


def test_a_forked_worker_sets_the_signal_handlers_back_to_a_fresh_interpreters():
    """``aigeo run`` handles SIGTERM and SIGHUP like Ctrl-C and records them; a forked worker must not
    (SIGTERM ends it, as it ends a spawned one), and Ctrl-C raises ``KeyboardInterrupt`` there.
    Ignored signals stay ignored (Python ignores SIGPIPE)."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    mark = lambda *_: None  # noqa: E731
    previous = {s: signal.signal(s, mark) for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)}
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    previous_fd = signal.set_wakeup_fd(write_end)
    try:
        p = ctx.Process(target=_handlers_after_reset, args=(out,))
        p.start()
        seen = out.get(timeout=60)
        p.join(timeout=60)
    finally:
        signal.set_wakeup_fd(previous_fd)
        for s, h in previous.items():
            signal.signal(s, h)
        os.close(read_end)
        os.close(write_end)
    assert seen == {"sigterm": True, "sighup": True, "sigint": True, "sigpipe_ignored": True, "wakeup_fd": -1,
                    "parent_handler_was_inherited": True}


def test_the_total_memory_bound_sums_the_runs_under_way_together_not_every_worker_that_ever_lived():
    from aigeo_assets.orchestration import RunStats, total_stats

    def run(i, pid, start, wall, peak, retired=False):
        return RunStats(i, f"r{i}", "job", None, [f"a{i}"], [], status="SUCCESS", wall_s=wall, peak_rss_bytes=peak,
                        worker_pid=pid, started_at=1000.0 + start, worker_retired=retired)

    # worker 1 runs r0 over 0-10 s then retires; worker 2 runs r1 (2-4 s) and r2 (5-8 s); worker 3 replaces
    # worker 1 and runs r3 from 10 s, when r0 has ended: at most r0 and r1 at once (5 + 3 GB)
    stats = [run(0, 1, 0, 10, 5 << 30, retired=True), run(1, 2, 2, 2, 3 << 30), run(2, 2, 5, 3, 2 << 30), run(3, 3, 10, 2, 7 << 30)]
    total = total_stats(stats, 12.0, 2)
    assert total["peak_rss_all_workers_bytes"] == 8 << 30  # per-worker maxima summed would say 5 + 3 + 7
    assert total["peak_rss_bytes"] == 7 << 30 and total["workers_retired"] == 1 and total["runs"] == 4
