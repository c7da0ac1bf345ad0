"""Materializing many assets over many years on every core: a plan of Dagster runs taken from the
asset graph, and the workers that execute it (``aigeo run``).

**The plan.** An *execution unit* is what Dagster must run together (the assets of one op, with its
checks: ``raw_works`` and its five sibling tables, say). Units are linked by the asset graph's
dependencies; an edge is *same-partition* when both ends have the same partitions and the mapping is
the identity (``core_affiliations[2015]`` reads ``raw_authorships[2015]``), and *cross* otherwise
(``core_citations[2015]`` reads ``core_papers`` of every year up to 2015; a city's metrics read the
citations of the next years; an all-years table reads every year). **Choice:** an edge between two
unpartitioned assets counts as cross too, so each all-years table or figure is a run of its own and
independent ones run side by side (the price: one run's overhead, a fraction of a second, each). A
unit's *level* is the longest path to it, counting cross edges only. Units of one level that are
joined by same-partition edges form one run per partition: no dependency can run from one such run to
another of the same level (it would need a cross edge, which raises the level), so the runs form an
acyclic graph, and each waits only for the runs holding the partitions its assets read
(``AssetGraph.get_parent_partition_keys_for_child``, i.e. the assets' own partition mappings). So
the order is the asset graph's, not a list kept by hand: a new asset, or a new dependency, changes the
plan by itself.

**Range runs.** A unit whose assets all have a backfill policy over several partitions
(``dg.BackfillPolicy.single_run()``, or ``multi_run(n)`` with n > 1: ``core_citations``, the city
metrics and impact pairs, and the per-year assets of ``assets.ranges.YEARLY_RANGES``, whose bodies loop
over ``context.partition_keys`` and read their inputs once for the range) gets one run per stretch of contiguous years to do (at most n long), launched as
Dagster launches a single-run backfill (tags ``dagster/asset_partition_range_start``/``_end``), with one
materialization per year. It waits for every partition any of its years reads. An edge between units
of different run sizes counts as a step of level (a per-year asset never shares a run with a range),
and per-year units that read the same year of a range run go together, as they did through it.

**Refreshing.** With ``stale_in=instance`` the plan keeps only what is missing or older than what it
reads: a unit's partition runs when one of its assets has no materialization of it, when one of the
partitions it reads was materialized after it (Dagster's event storage ids grow with time), or when one
of them is itself in the plan. Adding a year to the snapshot thus re-runs that year, the earlier
years whose citation windows it completes, and the all-years tables, not the rest. The readers of
the source (units that read no other asset: ``raw_works``) cannot see a changed snapshot from the
asset graph: **choice:** with ``years`` given, their partitions of those years are read again (and
what depends on them follows); the sensor ``snapshot_update_sensor`` finds those years by itself.
Each run of a refresh says why it is there (``PlannedRun.reasons``, ``StaleReason``: the first cause
found for each of its partitions; ``aigeo run --refresh --dry-run`` prints them).

**Upstream jobs.** A Dagster job holds one partitions definition, so a study whose assets read
tables partitioned on other years (AlShebli et al. 2022 and the life-science atlas read the OpenAlex yearly
tables, partitioned on both studies' years together) cannot be one job. Such a job names the jobs that
feed it in its metadata (``UPSTREAM_JOBS``, e.g. ``yearly_refresh``), and its plan takes in their assets
that its own assets read, directly or not, for exactly the partitions read (the partition mappings
again), cut to ``years`` when given: ``aigeo run --job alshebli2022_study`` reads the works of AlShebli et al. 2022's
years, ``--job lifesci_atlas_study`` those of the atlas's years and of every year its citation counts
read. Each of those runs executes in the job that holds its assets (``PlannedRun.job``), and an edge
between two jobs counts as cross, so no run mixes them.

Assets partitioned by dynamic partitions (``raw_works_parts``, one partition per snapshot part: how a
cluster spreads the reading of a whole snapshot) are not in the plan: the yearly ``raw_works`` read
the parts they need themselves.

**The workers.** ``PlanRunner`` executes the plan with ``workers`` processes (default: the cores this
process may use), each with its own copy of the code location and the instance at ``$DAGSTER_HOME``;
every run is an ordinary Dagster run (``execute_in_process`` of the named job, or of the implicit
asset job, on the run's assets and partition), visible in the UI with its logs and metadata. Ready
runs go to a free worker, the one with the longest chain of runs after it first. A worker dies with
the ``aigeo run`` that started it (``PR_SET_PDEATHSIG``), so a killed ``aigeo run`` leaves no run
behind that still runs, and the runs carry the identity of the ``aigeo run`` process (``tags``): the
reaper (``run_reaper``) marks them failed once that process is gone. With one worker the runs
execute in the calling process, one after another.

**One queue with the UI.** The workers execute in process (a launched run would pay a fresh Python
and code location, ~3 s, for each of the plan's hundreds of runs), but they share the instance's run
queue with the UI, the schedules and the sensors: each run is recorded in the instance as it starts,
so the queue's daemon counts ``aigeo run``'s runs against ``max_concurrent_runs`` before it
launches a queued one; and ``aigeo run`` starts a run only while the runs in progress that are not its
own (``queue_room``) leave a place under that limit, so a "Materialize all" started in the UI and an
``aigeo run`` never hold more runs between them than the limit (one per core as ``aigeo`` writes the
instance). **Choice:** only ``max_concurrent_runs`` is honoured; tag limits apply to queued runs only.

**Memory.** An asset whose working set is a large share of the machine's memory at the paper's scale
declares Dagster's concurrency pool ``LARGE_MEMORY_POOL`` (``pool=`` on the asset), and aigeo's
``dagster.yaml`` gives pools one slot (``concurrency.pools.default_limit``). The workers honour it
(``pool_limits``): a ready run whose pool is full waits while the other workers take the next ready
runs that fit, so two such runs never hold their memory at once and no core idles while something else
could run. Dagster's own executors claim the same slots for runs launched from the UI, a schedule or a
cluster, where the limit is set per pool (``dagster instance concurrency set``). **Choice:** one slot
by default, whatever the machine: the paper-scale world's largest runs take 4-9 GB each, the issue's
budget 8 GiB for the whole study.

**A worker's own memory.** What a run leaves behind in its worker (imported libraries, the caches of
its domain: the gazetteer, keyword matchers, Arrow's and malloc's kept pages) stays there through the
worker's later runs, and on the paper-scale world grew from 0.3 to 1.5 GB a worker: carried by each
of two workers under the two largest runs that overlap. So a worker that holds more than
``worker_max_rss_bytes`` after a run (``AIGEO_WORKER_MAX_RSS_MB``, measured after ``release_memory``)
ends, and a fresh one takes its place, as Celery's ``worker_max_memory_per_child`` does. A worker says
which run it takes (``RunTaken``), so one that dies in a run (the out-of-memory killer's SIGKILL) is
a ``WorkerDied`` naming that run, with what to do.

**Starting a worker.** When ``aigeo run`` is the process's own command (the ``aigeo`` program,
``python -m aigeo_assets.cli``), it forks its workers on Linux once it has planned
(``worker_start_method``): a worker starts with the code location and the instance's storage modules
already imported and built, in about a tenth of a second, where a spawned worker spent ~5 CPU-seconds
importing them (3.6 s), building the code location and loading the instance (1.4 s) before its first
run; a small job's ``aigeo run`` took 14 s on a 2-core machine, 9 s forked. A forked worker sets the
signal handlers back to a fresh interpreter's (``aigeo run``'s stop handlers and wakeup pipe are its
own) and opens its own instance. **Choice:** a process that runs aigeo inside itself (a test, a
notebook: ``cli.main([...])``, ``PlanRunner``) does not fork itself unless it asks to
(``start_method``): it may hold thread pools that do not survive a fork (once graph-tool's OpenMP pool
has run in a process, a child forked from it waits forever on its first parallel algorithm:
measured), where ``aigeo run`` has only planned. It starts its workers from a fork server instead
(``forkserver``, Linux): a clean interpreter started once per process, which imports the asset layer
and the instance's storage modules (``FORKSERVER_PRELOAD``) and forks each worker from there, so a
worker after the first starts in a fraction of a second without the caller's threads. Such a worker
takes the caller's environment variables and working folder as they are when it starts (the fork
server keeps its own from the time it started), and dies with the caller (``_die_with``). Spawn on
other systems (macOS forks unsafely).

Per run, ``RunStats`` records wall and CPU seconds and the run's peak resident memory (the process's
high-water mark, reset before each run through ``/proc/self/clear_refs`` where Linux allows it).
"""

from __future__ import annotations

import functools
import json
import multiprocessing
import os
import queue
import resource
import select
import signal
import sys
import threading
import time
import traceback
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

import dagster as dg

from aigeo_assets.cores import die_with_parent
from aigeo_assets.resources.warehouse_files import pid_exists

IMPLICIT_JOB = "__ASSET_JOB"
UPSTREAM_JOBS = "aigeo/upstream_jobs"
"""Job metadata: the comma-separated jobs whose assets this job's plan takes in where its assets read
them (module docstring: upstream jobs)."""
PLAN_TAG = "aigeo/plan"  # every run of one `aigeo run` carries the same value: filter on it in the UI


QUEUE_POLL_S = 2.0
"""How often a plan whose every place in the run queue is taken looks again."""


def queue_room(instance: dg.DagsterInstance, plan: str | None) -> int | None:
    """How many runs of the plan tagged ``PLAN_TAG=plan`` may be in progress now: the instance's
    ``concurrency.runs.max_concurrent_runs`` (or ``run_queue.max_concurrent_runs``) less the runs in progress (starting, started, canceling: what the
    queue's daemon counts) that are not the plan's; ``None`` when the instance sets no limit."""
    from dagster._core.storage.dagster_run import ACTIVE_RUN_STATUSES

    config = instance.get_concurrency_config().run_queue_config
    limit = config.max_concurrent_runs if config else None
    if limit is None or limit < 0:
        return None
    active = instance.get_run_records(filters=dg.RunsFilter(statuses=ACTIVE_RUN_STATUSES))
    others = sum(1 for r in active if plan is None or r.dagster_run.tags.get(PLAN_TAG) != plan)
    return max(0, limit - others)


def pool_limits(instance: dg.DagsterInstance, pools: Iterable[str]) -> dict[str, int]:
    """The slots of each of ``pools`` that the instance allows (Dagster's op concurrency pools): the
    limit set for the pool (``dagster instance concurrency set``, the UI's Concurrency page), else the
    instance's ``concurrency.pools.default_limit`` (aigeo's ``dagster.yaml``: 1); a pool with neither
    is left out (no limit)."""
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return {}
    configured = {p.name: p.limit for p in storage.get_pool_limits() if not p.from_default}
    config = instance.get_concurrency_config().pool_config
    default = config.default_pool_limit if config else None
    limits = {pool: configured.get(pool, default) for pool in pools}
    return {pool: limit for pool, limit in limits.items() if limit is not None}


# ------------------------------------------------------------------------------------ the plan


STALE_KINDS = {
    "missing": "never materialized",
    "newer_input": "reads a partition materialized after it",
    "input_redone": "reads a partition the plan redoes",
    "reread": "reads the source again (--years)",
}
"""The kinds of ``StaleReason``: why a refresh plan (``plan_runs(stale_in=...)``) holds a run, as the
summary of ``aigeo run --refresh --dry-run`` names them."""


@dataclass(frozen=True)
class StaleReason:
    """Why a refresh holds one asset partition (``STALE_KINDS``): ``asset[partition]`` is the one that
    was never materialized, was read again, or is the input that was materialized after it
    (``newer_input``) or that the plan redoes (``input_redone``)."""

    kind: str
    asset: str
    partition: str | None

    def __str__(self) -> str:
        where = f"{self.asset}[{self.partition}]" if self.partition is not None else self.asset
        return {
            "missing": f"{where} was never materialized",
            "newer_input": f"reads {where}, materialized after it",
            "input_redone": f"reads {where}, which the plan redoes",
            "reread": f"{where} reads the source again",
        }[self.kind]


@dataclass(frozen=True)
class PlannedRun:
    """One Dagster run of the plan: ``assets`` (user strings) for ``partition`` (None: unpartitioned),
    after the runs ``needs`` (indices into the plan). A run over a range of partitions (assets with a
    single-run backfill policy) has ``partition`` its first and ``last_partition`` its last; each
    partition in between is in ``partition_keys``."""

    index: int
    assets: tuple[str, ...]
    partition: str | None
    groups: tuple[str, ...]
    level: int
    needs: frozenset[int] = frozenset()
    range_keys: tuple[str, ...] = ()
    """Every partition of a range run, in order (empty: one partition, or none)."""
    job: str | None = None
    """The job the run executes in when it is not the plan's own: an upstream job's assets."""
    pools: tuple[str, ...] = ()
    """The Dagster concurrency pools of the run's assets (``LARGE_MEMORY_POOL``): the workers start a
    run only while each of its pools has a free slot (``pool_limits``)."""
    reasons: tuple[StaleReason, ...] = ()
    """In a refresh plan (``stale_in``): why it holds the run, one reason per distinct cause over its
    partitions, in their order (empty outside a refresh)."""

    @property
    def last_partition(self) -> str | None:
        return self.range_keys[-1] if self.range_keys else self.partition

    @property
    def partition_keys(self) -> tuple[str | None, ...]:
        """The partitions this run materializes (``(None,)`` when unpartitioned)."""
        return self.range_keys or (self.partition,)

    @property
    def label(self) -> str:
        head = self.assets[0] if len(self.assets) == 1 else f"{'+'.join(self.groups)} ({len(self.assets)} assets)"
        if self.range_keys:
            return f"{head}[{self.partition}...{self.last_partition}]"
        return f"{head}[{self.partition}]" if self.partition else head


def _is_same_partition_edge(graph, child: dg.AssetKey, parent: dg.AssetKey) -> bool:
    child_def, parent_def = graph.get(child).partitions_def, graph.get(parent).partitions_def
    if child_def is None or parent_def is None or child_def != parent_def:
        return False
    mapping = graph.get_partition_mapping(child, parent)
    if isinstance(mapping, dg.IdentityPartitionMapping):
        return True
    return isinstance(mapping, dg.TimeWindowPartitionMapping) and mapping.start_offset == 0 and mapping.end_offset == 0


def unit_run_size(graph, unit: frozenset) -> int | None:
    """How many partitions of ``unit`` one run may hold: 1 unless every asset of the unit has a
    backfill policy over several partitions (``dg.BackfillPolicy.single_run()``: any number, None;
    ``multi_run(n)``: n) and time-window partitions (a run's range is contiguous in time)."""
    sizes = []
    for key in unit:
        node = graph.get(key)
        policy = node.backfill_policy
        if policy is None or not isinstance(node.partitions_def, dg.TimeWindowPartitionsDefinition):
            return 1
        sizes.append(policy.max_partitions_per_run)
    if any(n == 1 for n in sizes):
        return 1
    bounded = [n for n in sizes if n is not None]
    return min(bounded) if bounded else None


def partition_ranges(keys: Sequence[str], all_keys: Sequence[str], size: int | None) -> list[tuple[str, ...]]:
    """``keys`` (in the partitions' order) cut into runs: contiguous in ``all_keys`` (a gap, e.g. a
    year left out by ``--years`` or up to date, starts a new run) and at most ``size`` long."""
    position = {k: i for i, k in enumerate(all_keys)}
    out: list[list[str]] = []
    for k in keys:
        if out and position[k] == position[out[-1][-1]] + 1 and (size is None or len(out[-1]) < size):
            out[-1].append(k)
        else:
            out.append([k])
    return [tuple(r) for r in out]


def _selected_keys(defs: dg.Definitions, job_name: str | None) -> set[dg.AssetKey]:
    graph = defs.resolve_asset_graph()
    if job_name is None:
        keys = set(graph.materializable_asset_keys)
    else:
        keys = set(defs.resolve_job_def(job_name).asset_layer.executable_asset_keys)
    return {
        k for k in keys
        if graph.get(k).is_materializable and not isinstance(graph.get(k).partitions_def, dg.DynamicPartitionsDefinition)
    }


def upstream_jobs(defs: dg.Definitions, job_name: str | None) -> tuple[str, ...]:
    """The jobs ``job_name`` names in its metadata ``UPSTREAM_JOBS`` (none without a job)."""
    if job_name is None:
        return ()
    value = defs.resolve_job_def(job_name).metadata.get(UPSTREAM_JOBS)
    text = getattr(value, "value", value) or ""
    return tuple(j.strip() for j in str(text).split(",") if j.strip())


def _upstream_keys(defs: dg.Definitions, graph, selected: set[dg.AssetKey], job_name: str | None) -> dict[dg.AssetKey, str]:
    """The assets of ``job_name``'s upstream jobs that its own assets read, directly or not (with the
    other outputs of their ops), each with the first upstream job holding it."""
    jobs = upstream_jobs(defs, job_name)
    if not jobs:
        return {}
    ancestors: set[dg.AssetKey] = set()
    stack = [p for k in selected for p in graph.get(k).parent_keys]
    while stack:
        key = stack.pop()
        if key not in ancestors and key not in selected:
            ancestors.add(key)
            stack.extend(graph.get(key).parent_keys)
    out: dict[dg.AssetKey, str] = {}
    for job in jobs:
        held = _selected_keys(defs, job)
        for key in sorted(ancestors & held):
            for k in graph.get_execution_set_asset_and_check_keys(key):
                if isinstance(k, dg.AssetKey) and k in held and k not in selected:
                    out.setdefault(k, job)
    return out


def _partition_keys(partitions_def, years: Iterable[str] | None) -> list[str | None]:
    if partitions_def is None:
        return [None]
    keys = partitions_def.get_partition_keys()
    if years is None:
        return list(keys)
    wanted = set(years)
    return [k for k in keys if k in wanted]


class _Latest:
    """The storage id of each asset partition's latest materialization (None: never), read once per asset."""

    def __init__(self, instance: dg.DagsterInstance, graph):
        self.instance, self.graph = instance, graph
        self._cache: dict[dg.AssetKey, dict[str | None, int]] = {}

    def __call__(self, key: dg.AssetKey, partition: str | None) -> int | None:
        if key not in self._cache:
            if self.graph.get(key).partitions_def is None:
                records = self.instance.fetch_materializations(key, limit=1).records
                self._cache[key] = {None: records[0].storage_id} if records else {}
            else:
                self._cache[key] = dict(
                    self.instance.get_latest_storage_id_by_partition(key, dg.DagsterEventType.ASSET_MATERIALIZATION)
                )
        return self._cache[key].get(partition)


def plan_runs(  # noqa: C901 - one planning pass over the asset graph (units, levels, union-find, runs), its steps sharing their state
    defs: dg.Definitions,
    job_name: str | None = None,
    years: Iterable[str] | None = None,
    stale_in: dg.DagsterInstance | None = None,
) -> list[PlannedRun]:
    """The runs that materialize the assets of ``job_name`` (default: every asset), for the partitions
    in ``years`` (default: all; unpartitioned assets always), in an order the asset graph allows (see
    the module docstring). With ``stale_in``, only what is missing or out of date in that instance."""
    graph = defs.resolve_asset_graph()
    selected = _selected_keys(defs, job_name)
    years = None if years is None else [str(y) for y in years]
    job_of = _upstream_keys(defs, graph, selected, job_name)  # upstream assets -> their job
    planned = selected | set(job_of)

    unit_of: dict[dg.AssetKey, frozenset[dg.AssetKey]] = {}
    for key in sorted(planned):
        if key not in unit_of:
            unit = frozenset(k for k in graph.get_execution_set_asset_and_check_keys(key) if isinstance(k, dg.AssetKey))
            unit = frozenset(k for k in unit & planned if job_of.get(k) == job_of.get(key)) or frozenset({key})
            for k in unit:
                unit_of[k] = unit
    units = sorted(set(unit_of.values()), key=lambda u: min(k.to_user_string() for k in u))
    order = {k: i for i, k in enumerate(graph.toposorted_asset_keys)}
    units.sort(key=lambda u: min(order[k] for k in u))  # parents before children

    parents: dict[frozenset, dict[frozenset, bool]] = defaultdict(dict)  # unit -> parent unit -> same-partition edge
    for unit in units:
        for key in unit:
            for parent in graph.get(key).parent_keys:
                if parent not in planned or unit_of[parent] is unit:
                    continue
                same = _is_same_partition_edge(graph, key, parent) and job_of.get(parent) == job_of.get(key)
                pu = unit_of[parent]
                parents[unit][pu] = parents[unit].get(pu, True) and same
    size = {u: unit_run_size(graph, u) for u in units}
    level: dict[frozenset, int] = {}
    for unit in units:  # an edge between units of different run sizes is a step of level, like a cross edge
        level[unit] = max((level[pu] + (0 if same and size[pu] == size[unit] else 1) for pu, same in parents[unit].items()), default=0)

    # runs of one level: units joined by same-partition edges (union-find)
    root = {u: u for u in units}

    def find(u):
        while root[u] is not u:
            root[u] = root[root[u]]
            u = root[u]
        return u

    for unit in units:
        for pu, same in parents[unit].items():
            if same and level[pu] == level[unit]:
                root[find(unit)] = find(pu)
    # units that read the same partition of a unit with another run size (a year of a range run) and
    # share a level and a run size go together too, as they would have through that unit
    siblings: dict[tuple, list[frozenset]] = defaultdict(list)
    for unit in units:
        for pu, same in parents[unit].items():
            if same and size[pu] != size[unit]:
                siblings[(pu, level[unit], size[unit])].append(unit)
    for group in siblings.values():
        for unit in group[1:]:
            root[find(unit)] = find(group[0])
    partitions_of = {u: _partition_keys(graph.get(next(iter(u))).partitions_def, years) for u in units if next(iter(u)) in selected}
    for unit in reversed(units):  # an upstream job's unit: the partitions the planned units read (children first)
        if unit in partitions_of:
            continue
        read: set[str | None] = set()
        for child in units:
            if unit in parents[child] and child in partitions_of:
                for partition in partitions_of[child]:
                    read |= _parent_partitions(graph, child, unit, partition)
        partitions_of[unit] = [k for k in _partition_keys(graph.get(next(iter(unit))).partitions_def, years) if k in read]
    stale = None
    if stale_in is not None:
        reread = {(u, p) for u in units if not parents[u] and years is not None for p in partitions_of[u] if p is not None}
        stale = _stale_units(graph, units, parents, partitions_of, stale_in, reread)

    by_component: dict[frozenset, list[frozenset]] = defaultdict(list)
    for unit in units:
        by_component[find(unit)].append(unit)
    components = sorted(by_component.values(), key=lambda us: (level[us[0]], min(order[k] for u in us for k in u)))
    runs: list[PlannedRun] = []
    run_of: dict[tuple[frozenset, str | None], int] = {}
    for members in components:
        parts = {u: set(partitions_of[u]) for u in members}  # an upstream job's units may read fewer partitions
        todo_of = {
            partition: tuple(u for u in members if partition in parts[u] and (stale is None or (u, partition) in stale))
            for partition in sorted({p for u in members for p in partitions_of[u]}, key=_key_order(graph, members[0]))
        }
        batches: list[tuple[tuple, tuple[str | None, ...]]] = []  # (units, partitions) of each run
        run_size = size[members[0]]
        if run_size == 1 or None in todo_of:
            batches = [(todo, (p,)) for p, todo in todo_of.items() if todo]
        else:  # one run per stretch of partitions with the same work to do
            all_keys = graph.get(next(iter(members[0]))).partitions_def.get_partition_keys()
            for todo in dict.fromkeys(t for t in todo_of.values() if t):
                keys = [p for p, t in todo_of.items() if t == todo]
                batches.extend((todo, r) for r in partition_ranges(keys, all_keys, run_size))
            batches.sort(key=lambda b: all_keys.index(b[1][0]))
        for todo, partitions in batches:
            keys = sorted((k for u in todo for k in u), key=lambda k: order[k])
            index = len(runs)
            for u in todo:
                for partition in partitions:
                    run_of[(u, partition)] = index
            groups = tuple(dict.fromkeys(graph.get(k).group_name for k in keys))
            pools = tuple(sorted({pool for k in keys for pool in graph.get(k).pools or ()}))
            reasons = () if stale is None else tuple(dict.fromkeys(stale[(u, p)] for p in partitions for u in todo))
            runs.append(
                PlannedRun(
                    index, tuple(k.to_user_string() for k in keys), partitions[0], groups, level[members[0]],
                    range_keys=tuple(partitions) if len(partitions) > 1 else (),  # type: ignore[arg-type]
                    job=job_of.get(keys[0]), pools=pools, reasons=reasons,
                )
            )
    needs: dict[int, set[int]] = defaultdict(set)
    for (unit, partition), index in run_of.items():
        for pu in parents[unit]:
            for pp in _parent_partitions(graph, unit, pu, partition):
                j = run_of.get((pu, pp))
                if j is not None and j != index:
                    needs[index].add(j)
    return [replace(r, needs=frozenset(needs[r.index])) for r in runs]


def _key_order(graph, unit: frozenset) -> Callable[[str | None], int]:
    """Sort key of ``unit``'s partitions: their position in its partitions definition."""
    partitions_def = graph.get(next(iter(unit))).partitions_def
    position = {k: i for i, k in enumerate(partitions_def.get_partition_keys())} if partitions_def is not None else {}
    return lambda k: position.get(k, -1)  # type: ignore[arg-type]


def _parent_partitions(graph, unit: frozenset, parent_unit: frozenset, partition: str | None) -> set[str | None]:
    """The partitions of ``parent_unit`` that ``unit``'s ``partition`` reads."""
    out: set[str | None] = set()
    for key in unit:
        for parent in graph.get(key).parent_keys:
            if parent not in parent_unit:
                continue
            if graph.get(parent).partitions_def is None:
                out.add(None)
            else:
                result = graph.get_parent_partition_keys_for_child(partition, parent, key)
                out.update(result.partitions_subset.get_partition_keys())
    return out


def _stale_units(graph, units, parents, partitions_of, instance, reread) -> dict[tuple[frozenset, str | None], StaleReason]:
    """(unit, partition) pairs that are missing, older than a partition they read, read one that is
    itself stale, or are in ``reread``, each with why (the first cause found: its assets and inputs
    in name and partition order); units in topological order, so a parent is decided before its
    children."""
    latest = _Latest(instance, graph)

    def first(unit: frozenset) -> str:
        return min(k.to_user_string() for k in unit)

    stale = {(u, p): StaleReason("reread", first(u), p) for u, p in reread}
    for unit in units:
        # each parent unit with the assets of it that this unit reads, named: the same for every partition
        inputs = [(pu, sorted(k.to_user_string() for k in pu if any(k in graph.get(c).parent_keys for c in unit)))
                  for pu in sorted(parents[unit], key=first)]
        for partition in partitions_of[unit]:
            if (unit, partition) in stale:
                continue
            own = {k.to_user_string(): latest(k, partition) for k in unit}
            missing = sorted(k for k, s in own.items() if s is None)
            if missing:
                stale[(unit, partition)] = StaleReason("missing", missing[0], partition)
                continue
            oldest = min(own.values())  # type: ignore[type-var]
            why = None
            for pu, read in inputs:
                for pp in sorted(_parent_partitions(graph, unit, pu, partition), key=lambda k: "" if k is None else k):
                    if (pu, pp) in stale:
                        why = StaleReason("input_redone", read[0], pp)
                        break
                    newer = sorted(k.to_user_string() for k in pu if (latest(k, pp) or -1) > oldest)
                    if newer:
                        why = StaleReason("newer_input", next((k for k in newer if k in read), newer[0]), pp)
                        break
                if why is not None:
                    stale[(unit, partition)] = why
                    break
    return stale


def run_heights(runs: Sequence[PlannedRun]) -> dict[int, int]:
    """For each run, the length of the longest chain of runs that wait for it (itself included)."""
    children: dict[int, list[int]] = defaultdict(list)
    for r in runs:
        for n in r.needs:
            children[n].append(r.index)
    height: dict[int, int] = {}
    for r in reversed(runs):  # a run's children come after it in the plan
        height[r.index] = 1 + max((height[c] for c in children[r.index]), default=0)
    return height


def check_plan_order(runs: Sequence[PlannedRun]) -> None:
    """Every run's needs come before it (the plan lists runs in an order that could run one by one)."""
    for r in runs:
        late = [n for n in r.needs if n >= r.index]
        if late:
            raise ValueError(f"run {r.label} needs later runs {late}")


# ------------------------------------------------------------------------------------ one run


@dataclass(frozen=True)
class RunTaken:
    """A worker's word that it took the run ``index`` and is executing it (before its ``RunStats``)."""

    index: int
    worker_pid: int


@dataclass
class RunStats:
    """What one run of the plan cost, and how it ended (``--stats`` writes one JSON line each)."""

    index: int
    label: str
    job: str
    partition: str | None
    assets: list[str]
    groups: list[str]
    run_id: str | None = None
    status: str = "NOT_STARTED"
    wall_s: float = 0.0
    cpu_s: float = 0.0
    peak_rss_bytes: int = 0
    worker_pid: int = 0
    warned: list[str] = field(default_factory=list)
    """Checks that failed with WARN severity (``asset:check``)."""
    error: str | None = None
    """``Type: first line`` of the root cause when the run failed."""
    last_partition: str | None = None
    """The last partition of a range run (``partition`` is its first); None for one partition."""
    rss_after_bytes: int = 0
    """The worker's resident memory once the run's memory was given back (``release_memory``)."""
    started_at: float = 0.0
    """When the run started (seconds since the epoch): with ``wall_s``, the plan's timeline (which
    runs overlapped, how long a worker waited)."""
    after_s: float = 0.0
    """Seconds from the run's end to its stats being ready (its check results read, its memory given
    back): worker time outside ``wall_s``."""
    worker_retired: bool = False
    """The worker ended after this run, holding more than ``PlanRunner``'s ``worker_max_rss_bytes``
    (module docstring, Memory): a fresh worker took its place."""

    def as_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


def _cpu_seconds() -> float:
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def _reset_peak_rss() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def release_memory() -> int:
    """Give the memory a finished run freed back to the system, so that a worker waiting for its next
    run holds only what it still uses; returns the resident bytes after. **Why:** Arrow's allocator
    (mimalloc) and glibc's malloc keep freed pages for reuse, so a worker that ran a 6 GB step stayed
    at 3-4 GB through the small runs after it, and the tree's memory was that plus the other worker's run.
    What survives the collection is then frozen (``gc.freeze``): the next run's collection skips the
    code location and the caches instead of traversing them again, which had grown to 0.8-1.0 s a run
    in a worker that had run the large steps (paper world; 0.02-0.2 s after). **Trade-off:** a frozen
    object that later becomes unreachable only through a reference cycle is not collected (measured:
    the workers' memory after each run did not grow with it); the garbage of each new run still is."""
    import ctypes
    import gc

    import pyarrow as pa

    gc.collect()
    gc.freeze()  # what outlived the run (the code location, caches) is not traversed again by each next collection
    pa.default_memory_pool().release_unused()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass
    return _proc_status_bytes("VmRSS") or 0


def _proc_status_bytes(name: str) -> int | None:
    """A memory figure of this process from ``/proc/self/status`` (``VmRSS``, ``VmHWM``), None off Linux."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{name}:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _peak_rss_bytes() -> int:
    return _proc_status_bytes("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def root_cause(exc: BaseException) -> BaseException:
    """The user's exception under Dagster's wrappers."""
    seen: set[int] = set()
    while id(exc) not in seen:
        seen.add(id(exc))
        inner = getattr(exc, "user_exception", None) or exc.__cause__
        if inner is None:
            break
        exc = inner
    return exc


def describe_error(exc: BaseException) -> str:
    cause = root_cause(exc)
    first = (str(cause).strip().splitlines() or [""])[0][:300]
    return f"{type(cause).__name__}: {first}"


_run_jobs: dict[tuple[int, str, tuple[str, ...]], tuple[dg.JobDefinition, object, list[dg.AssetKey]]] = {}

CODE_LOCATION = "aigeo"
"""The code location's name in ``workspace.yaml``: the runs ``aigeo run`` executes are labelled with
it (``repository_label``) so that the UI lists them under their jobs and on the timeline."""


def repository_label() -> dict[str, str]:
    """The run tag Dagster gives a run launched from the UI (``DagsterRun.tags_for_storage``: the
    repository ``<name>@<location>``), by which the UI's job pages and timeline select runs. An
    in-process run has no repository origin and would carry none: its job page would say it never
    ran."""
    from dagster._core.definitions.repository_definition.valid_definitions import SINGLETON_REPOSITORY_NAME
    from dagster._core.storage.tags import REPOSITORY_LABEL_TAG

    return {REPOSITORY_LABEL_TAG: f"{SINGLETON_REPOSITORY_NAME}@{CODE_LOCATION}"}


def _run_job(defs: dg.Definitions, job_name: str, assets: tuple[str, ...]):
    """(the job, its in-process copy cut to ``assets``, their keys), made once per process and reused
    for every year: ``execute_in_process`` cuts and snapshots a new copy per call, ~0.2-0.6 s of a
    short run. The rest is what ``JobDefinition.execute_in_process`` does (dagster 1.13)."""
    from dagster._core.definitions.job_base import InMemoryJob

    key = (id(defs), job_name, assets)
    if key not in _run_jobs:
        job = defs.resolve_job_def(job_name)
        selection = [dg.AssetKey.from_user_string(a) for a in assets]
        in_process = InMemoryJob(job_def=job.as_ephemeral_job(resource_defs={}, input_values={}, asset_selection=selection))
        _run_jobs[key] = (job, in_process, selection)
    return _run_jobs[key]


def _execute_in_process(
    defs, job_name: str, assets: tuple[str, ...], instance, partition: str | None, run_config, tags, last_partition: str | None = None
):
    """One run of ``assets`` for ``partition``, or for the range ``partition``..``last_partition``: the
    range run Dagster launches for a single-run backfill (its tags ``dagster/asset_partition_range_start``
    and ``_end``), whose steps see every partition (``context.partition_keys``) and record one
    materialization per partition."""
    from dagster._core.execution.execute_in_process import core_execute_in_process, merge_run_tags
    from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

    job, in_process, selection = _run_job(defs, job_name, assets)
    tags = {**repository_label(), **tags}
    run_config = dict(run_config or {})
    partitioned = in_process.get_definition().partitioned_config
    is_range = partition is not None and last_partition is not None and last_partition != partition
    if is_range:  # a partitioned config maps one key to run config; a range has none (Dagster refuses both together)
        run_tags = merge_run_tags(job_def=job, partition_key=None, tags=tags, asset_selection=selection, instance=instance, run_config=run_config)
        run_tags = {**run_tags, ASSET_PARTITION_RANGE_START_TAG: partition, ASSET_PARTITION_RANGE_END_TAG: last_partition}
    else:
        if not run_config and partitioned and partition:
            run_config = partitioned.get_run_config_for_partition_key(partition)
        run_tags = merge_run_tags(job_def=job, partition_key=partition, tags=tags, asset_selection=selection, instance=instance, run_config=run_config)
    return core_execute_in_process(
        job=in_process,
        run_config=run_config,
        instance=instance,
        output_capturing_enabled=False,  # outputs live in the warehouse; keeping them would hold every table in memory
        raise_on_error=True,
        run_tags=run_tags,
        asset_selection=frozenset(selection),
    )


def execute_planned_run(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    run: PlannedRun,
    job_name: str | None,
    run_config: Mapping | None = None,
    tags: Mapping[str, str] | None = None,
) -> RunStats:
    """Execute one run of the plan in this process; exceptions propagate (the stats go with them as
    ``exc.aigeo_stats``)."""
    name = run.job or job_name or IMPLICIT_JOB
    stats = RunStats(
        run.index, run.label, name, run.partition, list(run.assets), list(run.groups), worker_pid=os.getpid(),
        last_partition=run.last_partition if run.range_keys else None,
    )
    _reset_peak_rss()
    stats.started_at = time.time()
    cpu0, t0 = _cpu_seconds(), time.perf_counter()
    try:
        over = {"last_partition": run.last_partition} if run.range_keys else {}
        result = _execute_in_process(defs, name, run.assets, instance, run.partition, run_config, dict(tags or {}), **over)
    except BaseException as exc:
        stats.status, stats.error = "FAILURE", describe_error(exc)
        stats.wall_s, stats.cpu_s, stats.peak_rss_bytes = time.perf_counter() - t0, _cpu_seconds() - cpu0, _peak_rss_bytes()
        stats.rss_after_bytes = release_memory()
        exc.aigeo_stats = stats  # type: ignore[attr-defined]
        raise
    end = time.perf_counter()
    stats.wall_s, stats.cpu_s, stats.peak_rss_bytes = end - t0, _cpu_seconds() - cpu0, _peak_rss_bytes()
    stats.run_id, stats.status = result.run_id, "SUCCESS" if result.success else "FAILURE"
    stats.warned = sorted(
        f"{ev.asset_key.to_user_string()}:{ev.check_name}"
        for ev in result.get_asset_check_evaluations()
        if not ev.passed and ev.severity == dg.AssetCheckSeverity.WARN
    )
    del result
    stats.rss_after_bytes = release_memory()
    stats.after_s = time.perf_counter() - end
    return stats


# ------------------------------------------------------------------------------------ the workers


class RunFailed(Exception):
    """Runs of the plan failed. As in a Dagster backfill, a failed run stops only the runs that depend
    on it: the others went on. ``stats`` is the first failure (the cause is chained in one process),
    ``failures`` all of them, ``not_started`` how many runs were left out because they depend on a
    failed run, ``done`` every run that ran."""

    def __init__(self, stats: RunStats, failures: Sequence[RunStats] = (), not_started: int = 0, done: Sequence[RunStats] = ()):
        super().__init__(stats.label)
        self.stats = stats
        self.failures = list(failures) or [stats]
        self.not_started = not_started
        self.done = list(done)


class WorkerDied(RuntimeError):
    """A worker process ended in the middle of the plan without reporting its run: killed by a signal
    or exited. ``label`` names the run it was executing (None when it died between runs). SIGKILL
    that nobody sent is, on Linux, the kernel's out-of-memory killer: the message says so, and what
    to do."""

    def __init__(self, worker: str, pid: int | None, exitcode: int | None, label: str | None):
        self.worker, self.pid, self.exitcode, self.label = worker, pid, exitcode, label
        if exitcode is not None and exitcode < 0:
            try:
                how = f"was killed by {signal.Signals(-exitcode).name}"
            except ValueError:
                how = f"was killed by signal {-exitcode}"
        else:
            how = f"exited with code {exitcode}"
        text = f"worker {worker} (pid {pid}) {how} " + (f"while running {label}" if label else "between runs")
        if exitcode == -signal.SIGKILL:
            text += (": on Linux that is most often the kernel's out-of-memory killer (`dmesg` or `journalctl -k` says so), "
                     "when the run needs more memory than is free. Run again with fewer runs at once (`aigeo run --workers 1`) "
                     "or on a machine with more memory; docs/scale.md tells each stage's memory at the paper's scale")
        super().__init__(text)


def _die_with(pid: int) -> None:
    """SIGKILL this worker when process ``pid`` (not its parent) ends: a fork server's worker, whose
    parent (the fork server) lives as long as any of its workers holds its pipe, so the parent's
    death would not reach the worker through ``cores.die_with_parent``. A thread waits on the process's
    pidfd (Linux 5.3), else polls it every second."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:  # already gone
        os._exit(1)
    except (AttributeError, OSError):
        fd = None

    def watch() -> None:
        if fd is not None:
            select.select([fd], [], [])
        else:
            while pid_exists(pid):
                time.sleep(1)
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="aigeo-plan-watch", daemon=True).start()


def worker_start_method(own_process: bool) -> str:
    """How a plan's workers start (module docstring, Starting a worker): on Linux ``fork`` when the plan
    is the process's own command, else ``forkserver``; ``spawn`` elsewhere."""
    if not sys.platform.startswith("linux"):
        return "spawn"
    return "fork" if own_process else "forkserver"


FORKSERVER_PRELOAD = (
    "aigeo_assets.code_location",
    "dagster._core.instance.factory",
    "dagster._core.storage.sqlite_storage",
    "dagster._core.storage.runs.sqlite.sqlite_run_storage",
    "dagster._core.storage.event_log.sqlite.consolidated_sqlite_event_log",
    "aigeo_assets.resources.instance_storage",
    "dagster._core.storage.schedules.sqlite.sqlite_schedule_storage",
)
"""What the fork server imports once: what a worker imports to build the code location (the asset
layer, through ``aigeo_assets.code_location``, which builds nothing when imported) and to open the
instance."""


def _fresh_signal_handlers() -> None:
    """A forked worker's signal handling as a fresh interpreter's: Ctrl-C raises ``KeyboardInterrupt``,
    every other signal with a Python handler (``aigeo run``'s stop handlers) back to its default, and
    no wakeup fd (the parent's pipe would see the worker's signals as its own)."""
    signal.set_wakeup_fd(-1)
    for sig in signal.valid_signals():
        try:
            handler = signal.getsignal(sig)
        except ValueError:
            continue
        if sig == signal.SIGINT:
            signal.signal(sig, signal.default_int_handler)
        elif callable(handler):
            signal.signal(sig, signal.SIG_DFL)


WORKER_RETIRED_EXIT = 75
"""A worker's exit code when it ended by itself after a run, holding more than ``worker_max_rss_bytes``."""


def _worker_main(build, defs, job_name, run_config, tags, home, parent_pid, tasks, results, max_rss_bytes: int = 0,
                 environment: dict[str, str] | None = None) -> None:
    """A worker: take the code location ``defs`` (a forked worker's, built by the parent) or build it
    once, then execute the runs it is given until ``None``; with ``max_rss_bytes`` > 0, end after the
    first run that leaves it holding more (exit code ``WORKER_RETIRED_EXIT``, its stats marked
    ``worker_retired``): the parent starts a fresh one. ``environment``: the caller's environment
    variables, for a worker of a fork server (multiprocessing hands it the caller's working folder and
    ``sys.path``; ``parent_pid`` is then the caller's, not this process's parent, the fork server:
    ``_die_with``)."""
    die_with_parent()
    if environment is not None:
        _die_with(parent_pid)
        os.environ.clear()
        os.environ.update(environment)
    elif os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)
    _fresh_signal_handlers()
    if defs is None:
        defs = build()
    run_tags = dict(tags or {})  # the parent's identity: a worker lives exactly as long as its parent
    with dg.DagsterInstance.from_config(home) as instance:
        while True:
            try:
                run = tasks.get()
            except KeyboardInterrupt:  # Ctrl-C between runs: the parent stops too
                return
            if run is None:
                return
            results.put(RunTaken(run.index, os.getpid()))
            try:
                stats = execute_planned_run(defs, instance, run, job_name, run_config, run_tags)
            except KeyboardInterrupt:
                return
            except BaseException as exc:  # reported, not raised: the parent decides
                stats = getattr(exc, "aigeo_stats", None) or RunStats(
                    run.index, run.label, run.job or job_name or IMPLICIT_JOB, run.partition, list(run.assets), list(run.groups),
                    status="FAILURE", error=describe_error(exc), worker_pid=os.getpid(),
                    last_partition=run.last_partition if run.range_keys else None,
                )
                if stats.error is None:
                    stats.error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            stats.worker_retired = 0 < max_rss_bytes < stats.rss_after_bytes
            results.put(stats)
            if stats.worker_retired:
                break
    raise SystemExit(WORKER_RETIRED_EXIT)  # only a retiring worker leaves the loop; its results are flushed at exit


class PlanRunner:
    """Executes a plan of runs on ``workers`` processes (1: in this process), in dependency order.

    ``build`` makes the code location in a worker (it must be picklable: a ``functools.partial`` of
    ``build_definitions`` with the settings); a forked worker (``start_method="fork"``, see
    ``worker_start_method``) takes ``defs`` as it is when given. ``home`` is the ``$DAGSTER_HOME`` they share.
    ``worker_max_rss_bytes`` (> 0; workers > 1 only): a worker holding more than that after a run (once
    it gave the run's memory back) ends and a fresh one takes its place (module docstring, Memory).
    ``on_done(stats)`` is called in this process after each run; ``should_stop()`` is polled between
    runs (a stop signal whose interrupt was lost)."""

    def __init__(
        self,
        *,
        workers: int,
        job_name: str | None = None,
        run_config: Mapping | None = None,
        tags: Mapping[str, str] | None = None,
        defs: dg.Definitions | None = None,
        instance: dg.DagsterInstance | None = None,
        build: Callable[[], dg.Definitions] | None = None,
        home: str | None = None,
        on_start: Callable[[PlannedRun], None] | None = None,
        on_done: Callable[[RunStats], None] | None = None,
        on_wait: Callable[[int], None] | None = None,
        should_stop: Callable[[], bool] = lambda: False,
        worker_max_rss_bytes: int = 0,
        start_method: str | None = None,
    ):
        if workers > 1 and (build is None or home is None):
            raise ValueError("workers > 1 need `build` (the code location in a worker) and `home` ($DAGSTER_HOME)")
        if workers <= 1 and (defs is None or instance is None):
            raise ValueError("one worker runs in this process: give `defs` and `instance`")
        self.workers, self.job_name, self.run_config, self.tags = workers, job_name, run_config, dict(tags or {})
        self.defs, self.instance, self.build, self.home = defs, instance, build, home
        self.on_start, self.on_done, self.should_stop = on_start or (lambda r: None), on_done or (lambda s: None), should_stop
        self.on_wait = on_wait or (lambda others: None)
        self.tags.setdefault(PLAN_TAG, f"{os.getpid()}-{time.time_ns()}")
        self.worker_max_rss_bytes = worker_max_rss_bytes
        self.start_method = start_method or worker_start_method(own_process=False)
        self.worker_pids: list[int] = []
        """Every worker started, in order (a retired worker's replacement included)."""

    def _room(self, instance: dg.DagsterInstance, in_flight: int, wanted: int) -> int:
        """How many more runs may start now (at most ``wanted``) under the run queue's limit, which the
        plan shares with the UI's runs (module docstring); with nothing of ours in flight and no place
        free, wait for one (``on_wait`` is told how many runs of others hold the queue)."""
        told = False
        while True:
            room = queue_room(instance, self.tags[PLAN_TAG])
            if room is None:
                return wanted
            if room - in_flight > 0 or in_flight:
                return max(0, min(wanted, room - in_flight))
            if not told:
                config = instance.get_concurrency_config().run_queue_config
                self.on_wait(config.max_concurrent_runs if config else 0)
                told = True
            if self.should_stop():
                raise KeyboardInterrupt
            time.sleep(QUEUE_POLL_S)

    def run(self, runs: Sequence[PlannedRun]) -> list[RunStats]:
        check_plan_order(runs)
        if self.workers <= 1:
            return self._run_here(runs)
        return self._run_on_workers(runs)

    def _run_here(self, runs: Sequence[PlannedRun]) -> list[RunStats]:
        done: list[RunStats] = []
        failures: list[RunStats] = []
        not_started: set[int] = set()  # failed runs and every run that depends on one
        cause: BaseException | None = None
        for run in runs:  # the plan's order respects every run's needs
            if run.needs & not_started:
                not_started.add(run.index)
                continue
            self._room(self.instance, 0, 1)
            self.on_start(run)
            try:
                stats = execute_planned_run(self.defs, self.instance, run, self.job_name, self.run_config, self.tags)
            except Exception as exc:
                stats = getattr(exc, "aigeo_stats", None)
                if stats is None:
                    raise
                cause = cause or exc
            done.append(stats)
            self.on_done(stats)
            if stats.status != "SUCCESS":
                failures.append(stats)
                not_started.add(run.index)
            if self.should_stop():
                raise KeyboardInterrupt
        if failures:
            raise RunFailed(failures[0], failures, len(not_started) - len(failures), done) from cause
        return done

    def _run_on_workers(self, runs: Sequence[PlannedRun]) -> list[RunStats]:
        ctx = self._context()
        tasks, results = ctx.Queue(), ctx.Queue()
        n = min(self.workers, len(runs)) or 1
        procs: list = []
        retired: list = []  # workers that ended after a run for the memory they held
        self.worker_pids = []
        start_worker = functools.partial(self._start_worker, ctx, tasks, results, procs)
        instance, limits = self._instance_and_pool_limits(runs)
        height = run_heights(runs)
        waiting = {r.index: set(r.needs) for r in runs}
        by_index = {r.index: r for r in runs}
        children: dict[int, list[int]] = defaultdict(list)
        for r in runs:
            for need in r.needs:
                children[need].append(r.index)
        ready = sorted((i for i, w in waiting.items() if not w), key=lambda i: (-height[i], i))
        for i in ready:
            del waiting[i]
        done: list[RunStats] = []
        in_flight = 0
        failures: list[RunStats] = []
        skipped = 0
        held: Counter = Counter()  # pool -> runs in flight that hold one of its slots
        taken: dict[int, int] = {}  # worker pid -> the run it took last
        try:
            for _ in range(n):  # in the try: a worker that fails to start stops the others and closes the instance
                start_worker()
            while ready or in_flight:
                room = self._room(instance, in_flight, min(len(ready), n - in_flight)) if ready and in_flight < n else 0
                in_flight += self._start_ready(room, ready, by_index, limits, held, tasks)
                if not in_flight:
                    break
                stats = self._next_result(results, procs, taken, by_index)
                in_flight -= 1
                if stats.worker_retired:
                    self._replace_worker(stats.worker_pid, procs, retired, start_worker)
                held.subtract(by_index[stats.index].pools)
                done.append(stats)
                self.on_done(stats)
                if stats.status != "SUCCESS":
                    failures.append(stats)
                    skipped += self._drop_descendants(stats.index, children, waiting)
                    continue
                for child in children[stats.index]:
                    if child in waiting:
                        waiting[child].discard(stats.index)
                        if not waiting[child]:
                            del waiting[child]
                            ready.append(child)
                ready.sort(key=lambda i: (-height[i], i))
                if self.should_stop():
                    raise KeyboardInterrupt
            for _ in procs:
                tasks.put(None)
            for p in procs + retired:
                p.join(timeout=60)
        except BaseException:
            self._stop_workers(procs, tasks)
            raise
        finally:
            for p in procs + retired:
                if p.is_alive():
                    p.kill()
            if instance is not self.instance:
                instance.dispose()
        if failures:
            raise RunFailed(failures[0], failures, skipped, done)
        return done

    def _start_ready(self, room: int, ready: list[int], by_index: Mapping[int, PlannedRun], limits: Mapping[str, int],
                     held: Counter, tasks) -> int:
        """Hand up to ``room`` ready runs to the workers, in priority order, skipping those whose pool is
        full (``held``: the slots the runs in flight hold); how many were started."""
        started = 0
        while started < room:
            pick = self._first_that_fits(ready, by_index, limits, held)
            if pick is None:  # every ready run waits for a pool slot that a running one holds
                break
            ready.remove(pick)
            run = by_index[pick]
            self.on_start(run)
            tasks.put(run)
            held.update(run.pools)
            started += 1
        return started

    def _instance_and_pool_limits(self, runs: Sequence[PlannedRun]) -> tuple[dg.DagsterInstance, dict[str, int]]:
        """The instance the plan's runs are queued in and the slots of their pools. A plan with a run
        whose pool allows no slot is refused here, before any worker starts: that run could never
        start, and neither could what depends on it."""
        instance = self.instance or dg.DagsterInstance.from_config(self.home)
        limits = pool_limits(instance, {p for r in runs for p in r.pools})
        blocked = sorted({p for r in runs for p in r.pools if limits.get(p, 1) < 1})
        if blocked:
            if instance is not self.instance:
                instance.dispose()
            raise RuntimeError(f"no run can start: the concurrency pool(s) {', '.join(blocked)} allow 0 slots "
                               "(`dagster instance concurrency set <pool> <n>`, or the UI's Concurrency page)")
        return instance, limits

    @staticmethod
    def _first_that_fits(ready: list[int], by_index: Mapping[int, PlannedRun], limits: Mapping[str, int],
                         held: Mapping[str, int]) -> int | None:
        """The first of ``ready`` (in priority order) whose every pool has a free slot; None when each
        waits for a slot a run in flight holds (no pool is without slots: ``_instance_and_pool_limits``)."""
        return next((i for i in ready if all(held[p] < limits[p] for p in by_index[i].pools if p in limits)), None)

    @staticmethod
    def _drop_descendants(index: int, children: dict[int, list[int]], waiting: dict[int, set[int]]) -> int:
        """Take every run that depends, directly or not, on run ``index`` out of ``waiting`` (they will
        not start); how many were taken. A run waits until all its needs are done, so none of them
        can be ready or running yet."""
        dropped, stack = 0, list(children[index])
        while stack:
            child = stack.pop()
            if waiting.pop(child, None) is not None:
                dropped += 1
                stack.extend(children[child])
        return dropped

    def _context(self):
        """The multiprocessing context of ``start_method``; a fork server's preload is set before it
        starts (once per process: a running fork server keeps what it imported)."""
        ctx = multiprocessing.get_context(self.start_method)
        if self.start_method == "forkserver":
            ctx.set_forkserver_preload(list(FORKSERVER_PRELOAD))
        return ctx

    def _start_worker(self, ctx, tasks, results, procs: list) -> None:
        """Start one more worker process on the plan's queues."""
        method = ctx.get_start_method()
        p = ctx.Process(
            target=_worker_main,
            args=(self.build, self.defs if method == "fork" else None, self.job_name, self.run_config,
                  self.tags, self.home, os.getpid(), tasks, results, self.worker_max_rss_bytes,
                  dict(os.environ) if method == "forkserver" else None),
            name=f"aigeo-worker-{len(self.worker_pids) + 1}",
            daemon=True,
        )
        p.start()
        procs.append(p)
        self.worker_pids.append(p.pid)

    @staticmethod
    def _replace_worker(pid: int, procs: list, retired: list, start_worker: Callable[[], None]) -> None:
        """Start a fresh worker in place of the one (``pid``) that retired after its run; the retired
        one (exiting by itself) moves to ``retired``, joined at the end rather than waited for here."""
        start_worker()
        for p in procs:
            if p.pid == pid:
                procs.remove(p)
                retired.append(p)
                break

    def _next_result(self, results, procs, taken: dict[int, int], by_index: Mapping[int, PlannedRun]) -> RunStats:
        """The next finished run. A worker says which run it takes (``RunTaken``, kept in ``taken``), so
        that one that dies (killed, out of memory) is a ``WorkerDied`` naming the run. A worker that
        retired (``WORKER_RETIRED_EXIT``) put its run's stats before it ended."""
        while True:
            try:
                got = results.get(timeout=0.5)
            except queue.Empty:
                dead = [p for p in procs if not p.is_alive() and p.exitcode != WORKER_RETIRED_EXIT]
                if dead:
                    p = dead[0]
                    run = by_index.get(taken.get(p.pid, -1))
                    raise WorkerDied(p.name, p.pid, p.exitcode, run.label if run else None) from None
                if self.should_stop():
                    raise KeyboardInterrupt
                continue
            if isinstance(got, RunTaken):
                taken[got.worker_pid] = got.index
                continue
            taken.pop(got.worker_pid, None)
            return got

    @staticmethod
    def _stop_workers(procs, tasks, grace_s: float = 30.0) -> None:
        """Interrupt every worker's run (Dagster marks it failed), then kill what is still there. Each
        worker is also handed the end of its tasks: a worker waiting for its next run can lose the
        interrupt (Python reports a KeyboardInterrupt raised in a garbage collector's callback as
        ignored), and would otherwise be waited for until the grace period ends."""
        for _ in procs:
            tasks.put(None)
        for p in procs:
            if p.is_alive() and p.pid:
                try:
                    os.kill(p.pid, signal.SIGINT)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + grace_s
        for p in procs:
            p.join(timeout=max(0.0, deadline - time.monotonic()))
            if p.is_alive():
                p.kill()
                p.join(timeout=5)


def overlapping_peak_bytes(stats: Sequence[RunStats]) -> int:
    """The largest sum of the peaks of runs under way at one moment (``started_at``, ``wall_s``): a
    bound on the workers' memory together that holds when workers are replaced (per-worker maxima
    summed would add workers that never lived at once)."""
    spans = [(s.started_at, s.started_at + s.wall_s, s.peak_rss_bytes) for s in stats if s.started_at]
    return max((sum(p for b, e, p in spans if b <= start < e) for start, _, _ in spans), default=0)


def total_stats(stats: Sequence[RunStats], wall_s: float, workers: int) -> dict:
    """The last line of ``--stats``: the whole ``aigeo run``."""
    return {
        "kind": "total",
        "wall_s": round(wall_s, 3),
        "cpu_s": round(sum(s.cpu_s for s in stats), 3),
        "peak_rss_bytes": max((s.peak_rss_bytes for s in stats), default=0),
        "peak_rss_all_workers_bytes": overlapping_peak_bytes(stats),
        "workers": workers,
        "workers_retired": sum(s.worker_retired for s in stats),
        "runs": len(stats),
        "failed": sum(s.status != "SUCCESS" for s in stats),
    }
