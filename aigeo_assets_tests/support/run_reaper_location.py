"""A code location holding only the ``dead_run_reaper`` sensor and a no-op job, for
``test_run_reaping``'s daemon: it loads in about a second where the aigeo location takes ten. The run
queue and the reaper work on the instance, which is the same whichever location is loaded."""

import dagster as dg

from aigeo_assets.run_reaper import build_run_reaper_sensor


@dg.op
def do_nothing() -> None:
    """The queued run only has to start."""


@dg.job(executor_def=dg.in_process_executor)
def queued_after_the_killed_run() -> None:
    do_nothing()


defs = dg.Definitions(jobs=[queued_after_the_killed_run], sensors=[build_run_reaper_sensor()])
