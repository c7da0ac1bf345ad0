"""Which executor runs the steps of a run: in the run's process, in subprocesses, or on celery workers.

``in_process`` and ``multiprocess`` are Dagster's own; ``celery`` is ``dagster_celery.celery_executor``
(the ``deploy`` extra): every step is a celery task that any worker listening on the ``dagster`` queue
takes, on whatever machine it runs, so the workers must see the same code, the same ``AIGEO_*``
settings, the same Dagster instance (PostgreSQL, ``deploy/dagster.yaml``) and the same warehouse.
The broker and result backend come from ``DAGSTER_CELERY_BROKER_URL`` and
``DAGSTER_CELERY_BACKEND_URL`` (e.g. ``redis://queue-host:6379/0`` and ``.../1``), read when a run
starts, so one code location serves every deployment. See docs/deploy.md."""

from __future__ import annotations

import dagster as dg

EXECUTORS = ("in_process", "multiprocess", "celery")
"""The names ``build_executor`` accepts."""

CELERY_BROKER_ENV = "DAGSTER_CELERY_BROKER_URL"
CELERY_BACKEND_ENV = "DAGSTER_CELERY_BACKEND_URL"


def build_executor(name: str) -> dg.ExecutorDefinition:
    """The executor called ``name`` (one of ``EXECUTORS``)."""
    if name == "in_process":
        return dg.in_process_executor
    if name == "multiprocess":
        return dg.multiprocess_executor
    if name == "celery":
        try:
            from dagster_celery import celery_executor
        except ImportError as exc:  # the deploy extra is missing
            raise RuntimeError("the celery executor needs the deploy extra: pip install 'aigeo[deploy]'") from exc
        return celery_executor.configured(
            {"broker": {"env": CELERY_BROKER_ENV}, "backend": {"env": CELERY_BACKEND_ENV}},
            name="celery",
        )
    raise ValueError(f"unknown executor {name!r}: one of {', '.join(EXECUTORS)}")


def with_executor(defs: dg.Definitions, name: str) -> dg.Definitions:
    """``defs`` whose jobs (and the UI's materializations) run their steps with executor ``name``."""
    return dg.Definitions.merge(defs, dg.Definitions(executor=build_executor(name)))
