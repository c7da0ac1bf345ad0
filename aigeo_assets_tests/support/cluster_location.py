"""The aigeo code location with its steps on celery workers, for ``test_cluster``: the settings come
from the environment (the orchestrating test and every worker get the same ``AIGEO_*`` variables),
the executor is ``celery`` (broker and backend from ``DAGSTER_CELERY_BROKER_URL`` /
``DAGSTER_CELERY_BACKEND_URL``), and the warehouse is the fsspec URL ``CLUSTER_WAREHOUSE_URL``
(the object-storage code path; a deployment would set it through the settings, docs/deploy.md)."""

import os

import dagster as dg

from aigeo_assets.code_location import build_definitions
from aigeo_assets.resources import ParquetIOManager, PickleIOManager
from aigeo_assets.resources.executors import build_executor
from aigeo_assets.resources.settings import Settings

_base = build_definitions(Settings.from_env())
_warehouse = os.environ["CLUSTER_WAREHOUSE_URL"]

defs = dg.Definitions(
    assets=_base.assets,
    asset_checks=_base.asset_checks,
    jobs=_base.jobs,
    schedules=_base.schedules,
    sensors=_base.sensors,
    resources={
        **_base.resources,
        "io_manager": ParquetIOManager(base_dir=_warehouse),
        "model_io_manager": PickleIOManager(base_dir=_warehouse),
    },
    executor=build_executor("celery"),
)
