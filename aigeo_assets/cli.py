"""Command line: ``python -m aigeo_assets.cli materialize-all [--years 2015-2019]``.

Materializes every asset through Dagster's own jobs, into the instance at ``$DAGSTER_HOME``, so
that the UI (``make ui``) shows the runs, lineage and metadata afterwards. Order: institutions,
then each year (works, affiliations, papers, citations; a year's citations need all earlier years'
papers), then authors' careers, then each year's city metrics (they read the citations of the
following years), then the all-years summaries, matrices, the fitted models and the figures.
"""

from __future__ import annotations

import argparse
import sys
import time

import dagster as dg


def _years(spec: str | None, all_years: list[str]) -> list[str]:
    if not spec:
        return all_years
    lo, _, hi = spec.partition("-")
    wanted = {str(y) for y in range(int(lo), int(hi or lo) + 1)}
    unknown = sorted(wanted - set(all_years))
    if unknown:
        raise SystemExit(f"years {unknown} are outside the configured partitions {all_years[0]}-{all_years[-1]}")
    return [y for y in all_years if y in wanted]


QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def materialize_all(
    defs: dg.Definitions, instance: dg.DagsterInstance, years: list[str] | None = None, run_config: dict | None = None
) -> None:
    yearly = defs.resolve_job_def("yearly_refresh")
    keys = yearly.partitions_def.get_partition_keys()  # type: ignore[union-attr]
    todo = years or keys
    lifesci_keys = set(defs.resolve_job_def("yearly_lifesci_corpus").partitions_def.get_partition_keys())  # type: ignore[union-attr]
    lifesci_years = [y for y in todo if y in lifesci_keys]
    steps = (
        "reference_tables",
        *[f"yearly_refresh:{y}" for y in todo],
        "careers",
        *[f"yearly_city_metrics:{y}" for y in todo],
        "city_summaries",
        *[f"yearly_bridges:{y}" for y in todo],
        *[f"yearly_models:{y}" for y in todo],
        "models",
        "pubmed_files",
        *[f"yearly_lifesci_pubmed:{y}" for y in lifesci_years],
        "lifesci_citations",
        *[f"yearly_lifesci_corpus:{y}" for y in lifesci_years],
        "lifesci_atlas",
        "figures",
    )
    for name in steps:
        job_name, _, partition = name.partition(":")
        started = time.perf_counter()
        result = defs.resolve_job_def(job_name).execute_in_process(
            instance=instance, partition_key=partition or None, raise_on_error=True, run_config=run_config or {}
        )
        label = f"{job_name}[{partition}]" if partition else job_name
        print(f"  {label:<26} {'ok' if result.success else 'FAILED'} in {time.perf_counter() - started:5.1f}s", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="aigeo")
    sub = parser.add_subparsers(dest="command", required=True)
    m = sub.add_parser("materialize-all", help="materialize every asset for all (or some) years")
    m.add_argument("--years", help="e.g. 2015-2019 (default: every configured year)")
    args = parser.parse_args(argv)

    from aigeo_assets.definitions import defs

    instance = dg.DagsterInstance.get()
    keys = defs.resolve_job_def("yearly_refresh").partitions_def.get_partition_keys()  # type: ignore[union-attr]
    print(f"aigeo: materializing into {instance.root_directory}", flush=True)
    materialize_all(defs, instance, _years(args.years, keys), run_config=QUIET)
    print("aigeo: done. `make ui` shows the asset graph, runs and metadata.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
