"""A small code location for the scheduler's tests: yearly assets with the partition mappings aigeo
uses (same year, every year up to this one, the next two years), all-years tables after them, and a
switch that makes one asset fail. Module-level, so that worker processes can build it (spawned ones too)."""


import os
import signal
import time

import dagster as dg

YEARS = dg.TimeWindowPartitionsDefinition(start="2014", end="2019", cron_schedule="0 0 1 1 *", fmt="%Y")
FAIL_ENV = "AIGEO_TEST_FAIL_ASSET"
MARKER_ENV = "AIGEO_TEST_WORKER_MARKER"
"""An environment variable ``signals_in_worker`` reports, to see which environment a worker has."""
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


# ------------------------------------------------------------------ a location with range runs

RANGED_START = "2014"


def _years(end: str) -> dg.TimeWindowPartitionsDefinition:
    return dg.TimeWindowPartitionsDefinition(start=RANGED_START, end=end, cron_schedule="0 0 1 1 *", fmt="%Y")


def _range_result(context: dg.AssetExecutionContext, name: str) -> dg.MaterializeResult:
    """Records the partitions the run covered in each partition's materialization."""
    if os.environ.get(FAIL_ENV) == name:
        raise RuntimeError(f"{name} failed on purpose")
    keys = list(context.partition_keys)
    for key in keys:
        context.add_asset_metadata({"year": int(key), "run_years": f"{keys[0]}-{keys[-1]}"}, partition_key=key)
    return dg.MaterializeResult()


def build_ranged_defs(end: str = "2019") -> dg.Definitions:
    """aigeo's shape with single-run backfill policies: ``r_papers`` per year; ``r_citations`` (every
    year up to this one's papers) and ``r_metrics`` (the citations of y..y+2) over a range of years in
    one run; ``r_centres`` and ``r_models`` per year after the metrics; ``r_summary`` over all years.
    ``end``: the first year after the partitions (a new year: ``end`` one later)."""
    years = _years(end)
    one_pass = dg.BackfillPolicy.single_run()
    up_to = dg.TimeWindowPartitionMapping(start_offset=-(len(years.get_partition_keys()) - 1))
    window = dg.TimeWindowPartitionMapping(end_offset=2, allow_nonexistent_upstream_partitions=True)

    @dg.asset(partitions_def=years)
    def r_papers(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        return _range_result(context, "r_papers")

    @dg.asset(partitions_def=years, backfill_policy=one_pass, deps=[dg.AssetDep(r_papers, partition_mapping=up_to)])
    def r_citations(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        return _range_result(context, "r_citations")

    @dg.asset(partitions_def=years, backfill_policy=one_pass, deps=[dg.AssetDep(r_citations, partition_mapping=window), r_papers])
    def r_metrics(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        return _range_result(context, "r_metrics")

    @dg.asset(partitions_def=years, deps=[r_metrics])
    def r_centres(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        return _range_result(context, "r_centres")

    @dg.asset(partitions_def=years, deps=[r_metrics])
    def r_models(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        return _range_result(context, "r_models")

    @dg.asset(deps=[r_metrics])
    def r_summary() -> dg.MaterializeResult:
        return dg.MaterializeResult()

    return dg.Definitions(assets=[r_papers, r_citations, r_metrics, r_centres, r_models, r_summary])


# ------------------------------------------------------------------ a location with a memory pool

POOLED_SLEEP_S = 1.5
"""Long enough that runs started together overlap even when one worker builds its location later."""


def _pooled(context: dg.AssetExecutionContext) -> int:
    time.sleep(POOLED_SLEEP_S)
    return os.getpid()


@dg.asset(pool="test_large_memory")
def big_a(context: dg.AssetExecutionContext) -> int:
    return _pooled(context)


@dg.asset(pool="test_large_memory")
def big_b(context: dg.AssetExecutionContext) -> int:
    return _pooled(context)


@dg.asset
def small(context: dg.AssetExecutionContext) -> int:
    return _pooled(context)


def build_pooled_defs() -> dg.Definitions:
    """Three independent assets, two of them in one concurrency pool (aigeo's ``LARGE_MEMORY_POOL``)."""
    return dg.Definitions(assets=[big_a, big_b, small])


# ------------------------------------------------------------------ a location whose first run hoards memory

HOARD_BYTES = 800 * 2**20
"""What ``hoard`` leaves in its worker: well above a fresh worker's ~0.3 GB and the tests' threshold."""
_hoarded: list[bytes] = []


@dg.asset
def hoard(context: dg.AssetExecutionContext) -> int:
    _hoarded.append(b"\x01" * HOARD_BYTES)  # every page written, so resident; kept after the run, as a module cache is
    return os.getpid()


@dg.asset(deps=[hoard])
def after_hoard_a(context: dg.AssetExecutionContext) -> int:
    return _pooled(context)


@dg.asset(deps=[hoard])
def after_hoard_b(context: dg.AssetExecutionContext) -> int:
    return _pooled(context)


def build_hoard_defs() -> dg.Definitions:
    """``hoard`` (keeps ``HOARD_BYTES`` in its worker), then two runs that read it."""
    return dg.Definitions(assets=[hoard, after_hoard_a, after_hoard_b])


# ------------------------------------------------------------------ a location that reports its worker's signal handling


@dg.asset
def signals_in_worker(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """The worker's pid and its signal wakeup fd (Dagster sets its own handlers during a step, not that)."""
    wakeup_fd = signal.set_wakeup_fd(-1)
    signal.set_wakeup_fd(wakeup_fd)
    return dg.MaterializeResult(metadata={"pid": os.getpid(), "ppid": os.getppid(), "wakeup_fd": wakeup_fd,
                                          "marker": os.environ.get(MARKER_ENV, ""), "cwd": os.getcwd()})


def build_signal_defs() -> dg.Definitions:
    return dg.Definitions(assets=[signals_in_worker])


PID_FILE_ENV = "AIGEO_TEST_WORKER_PID_FILE"


@dg.asset
def waits_in_worker() -> None:
    """Writes its worker's pid to the file ``PID_FILE_ENV`` names, then waits (for its plan's process to be killed)."""
    path = os.environ[PID_FILE_ENV]
    with open(path + ".tmp", "w") as fh:
        fh.write(str(os.getpid()))
    os.replace(path + ".tmp", path)
    time.sleep(120)


def build_waiting_defs() -> dg.Definitions:
    return dg.Definitions(assets=[waits_in_worker])


def build_refused() -> dg.Definitions:
    """A ``build`` for a runner whose forked workers must take the parent's code location as it is."""
    raise AssertionError("a forked worker built the code location again")


# ------------------------------------------------------------------ a location whose run ends its worker

WORKER_END_ENV = "AIGEO_TEST_WORKER_END"
"""``sigkill``: ``ends_its_worker`` kills its own worker as the out-of-memory killer would; ``exit``: the worker exits with code 3."""


@dg.asset
def ends_its_worker() -> None:
    if os.environ.get(WORKER_END_ENV) == "exit":
        os._exit(3)
    os.kill(os.getpid(), signal.SIGKILL)


@dg.asset
def beside_it() -> None:
    time.sleep(SLEEP_S)


def build_ending_defs() -> dg.Definitions:
    return dg.Definitions(assets=[ends_its_worker, beside_it])
