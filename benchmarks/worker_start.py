"""Starting ``aigeo run``'s workers: forked (what ``aigeo run`` does as a program), from a fork server (what a
process running aigeo inside itself does: a test, a notebook) and spawned (what both did before) on the
same plans, in one run.

``benchmarks/worker_start.py [--world-data DIR] [--repeat 3]``

Input: the tiny sample world (``AIGEO_SOURCE=sample``, scale tiny, seed 7, 2012-2018; generated into
``--world-data`` when missing), materialized once so every plan below finds its inputs. Then, for each
job and each start method, ``--repeat`` times (the methods alternate): the job's whole plan executed
by ``PlanRunner(workers=2, start_method=...)`` in this process, which has only planned (as ``aigeo run``
has), into the same instance. Wall seconds of ``PlanRunner.run`` and CPU seconds of this process and
its workers (``RUSAGE_CHILDREN`` counts them once joined; a fork server's workers are its children,
so its own CPU seconds and those of the children it reaped are added from ``/proc``: its start,
importing ``FORKSERVER_PRELOAD`` once per process, falls in the first repeat), the best of the
repeats, and the CPU seconds the runs themselves took (their ``RunStats``): the rest is starting the
workers, handing runs out and collecting them.

Jobs: ``reference_tables`` (two runs, one after the other: a second worker only pays its start) and
``yearly_corpus`` (the years' ingest, geocoding and corpus runs, side by side on both workers).
Writes ``results/worker_start.json`` (``--out`` elsewhere).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

from results_file import write_results  # noqa: E402

TINY_ENV = {"AIGEO_SOURCE": "sample", "AIGEO_SAMPLE_SCALE": "tiny", "AIGEO_SAMPLE_SEED": "7",
            "AIGEO_START_YEAR": "2012", "AIGEO_END_YEAR": "2018", "AIGEO_LIFESCI_END_YEAR": "2018"}
JOBS = ("reference_tables", "yearly_corpus")
METHODS = ("spawn", "forkserver", "fork")


def _cpu_s() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime + _forkserver_cpu_s()


def _forkserver_cpu_s() -> float:
    """CPU seconds of this process's fork server and of the children it reaped (its workers); 0 before it starts."""
    from multiprocessing import forkserver

    from aigeo_assets.resources.warehouse_files import proc_stat_fields

    pid = forkserver._forkserver._forkserver_pid  # multiprocessing keeps no public handle on it
    fields = proc_stat_fields(pid) if pid else None
    if fields is None:
        return 0.0
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # utime, stime, cutime, cstime


def measure(job: str, method: str, defs, settings, home: Path) -> dict:
    """One execution of ``job``'s whole plan on two workers started by ``method``."""
    import functools

    import dagster as dg

    from aigeo_assets.code_location import build_definitions
    from aigeo_assets.orchestration import PlanRunner, plan_runs

    runs = plan_runs(defs, job_name=job)
    from aigeo_assets.cli import QUIET

    runner = PlanRunner(workers=2, job_name=job, run_config=QUIET, defs=defs, build=functools.partial(build_definitions, settings),
                        home=str(home), start_method=method)
    with dg.DagsterInstance.from_config(str(home)):  # as `aigeo run` holds it while its workers run
        cpu0, t0 = _cpu_s(), time.perf_counter()
        stats = runner.run(runs)
        wall, cpu = time.perf_counter() - t0, _cpu_s() - cpu0
    assert all(s.status == "SUCCESS" for s in stats), [s.error for s in stats if s.error]
    return {"wall_s": round(wall, 3), "cpu_s": round(cpu, 3), "runs": len(stats),
            "cpu_s_in_runs": round(sum(s.cpu_s for s in stats), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--world-data", type=Path, help="AIGEO_DATA_DIR to keep the tiny world in (default: a temporary folder)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", default=",".join(JOBS), help=f"comma-separated (default {','.join(JOBS)})")
    parser.add_argument("--out", type=Path, help="the results JSON (default: benchmarks/results/worker_start.json)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="aigeo-worker-start-") as tmp:
        data = args.world_data or Path(tmp) / "data"
        os.environ.update({**TINY_ENV, "AIGEO_DATA_DIR": str(data)})
        from aigeo_assets import cli
        from aigeo_assets.code_location import build_definitions
        from aigeo_assets.cores import usable_cores

        settings = cli._settings()
        defs = build_definitions(settings)
        home = cli._dagster_home(settings)
        jobs = [j for j in args.jobs.split(",") if j]
        print(f"materializing {', '.join(jobs)} once on the tiny world ...", flush=True)
        for job in jobs:
            assert cli.main(["run", "--job", job, "--workers", "1"]) == 0
        results: dict = {"input": "tiny sample world, seed 7, 2012-2018", "workers": 2, "repeat": args.repeat,
                         "cores": usable_cores(), "jobs": {}}
        for job in jobs:
            seen: dict[str, list[dict]] = {m: [] for m in METHODS}
            for _ in range(args.repeat):
                for method in METHODS:
                    seen[method].append(measure(job, method, defs, settings, home))
            best = {m: min(seen[m], key=lambda r: r["wall_s"]) for m in METHODS}
            results["jobs"][job] = {
                **{m: {**best[m], "cpu_s_best": min(r["cpu_s"] for r in seen[m])} for m in METHODS},
                "wall_ratio_spawn_to_fork": round(best["spawn"]["wall_s"] / best["fork"]["wall_s"], 2),
                "wall_ratio_spawn_to_forkserver": round(best["spawn"]["wall_s"] / best["forkserver"]["wall_s"], 2),
            }
            print(f"{job:17s} runs {best['fork']['runs']:3d}   " + "   ".join(
                f"{m}: {best[m]['wall_s']:6.2f} s wall, {results['jobs'][job][m]['cpu_s_best']:6.2f} CPU-s "
                f"({best[m]['cpu_s_in_runs']:.2f} in runs)" for m in METHODS), flush=True)
    write_results("worker_start", results, args.out)


if __name__ == "__main__":
    main()
