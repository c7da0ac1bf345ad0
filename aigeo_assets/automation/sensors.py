"""The sensors: ``snapshot_update_sensor`` follows an OpenAlex snapshot, ``snapshot_parts_sensor``
spreads its parts over a cluster, ``automation_condition_sensor`` evaluates the automation conditions.

**``snapshot_update_sensor``** (``build_snapshot_update_sensor``) watches the works folder of the
configured snapshot (``AIGEO_SOURCE=snapshot``: ``AIGEO_SNAPSHOT_DIR``; ``sample``: the sample
world's snapshot, once generated; ``api``: nothing, the assets download the works themselves) and
requests one ``yearly_refresh`` run per publication year whose works may have changed. Which years,
and what counts as a change, is ``aigeo_assets.ingest.snapshot_changes.plan_refresh`` (no Dagster):
this sensor only calls it with its cursor and turns the plan into run requests. Years outside the
partitions are reported in the tick's message (raise ``AIGEO_END_YEAR`` or ``AIGEO_LIFESCI_END_YEAR``
to add them). The partitions are those of ``yearly_refresh``: both studies' years
(``Settings.openalex_years``); a year's AlShebli et al. 2022 papers then follow through
``core_papers``' automation condition. The first tick (no cursor) records the snapshot as it is and
requests nothing. Each run carries a ``run_key`` made of the year and the change's digest, so a
re-evaluated tick never launches a year twice.
"""

from __future__ import annotations

import dagster as dg

from aigeo_assets.assets.ingest import SNAPSHOT_PARTS, part_key
from aigeo_assets.ingest.snapshot import SnapshotLayoutError
from aigeo_assets.ingest.snapshot_changes import DEFAULT_MAX_SCAN_BYTES, SnapshotCursor, plan_refresh, snapshot_root
from aigeo_assets.resources.settings import Settings
from aigeo_assets.resources.sources import WorksSource

SENSOR_NAME = "snapshot_update_sensor"


def build_snapshot_update_sensor(
    settings: Settings,
    job_name: str = "yearly_refresh",
    minimum_interval_seconds: int = 300,
    max_scan_bytes: int = DEFAULT_MAX_SCAN_BYTES,
    default_status: dg.DefaultSensorStatus = dg.DefaultSensorStatus.STOPPED,
) -> dg.SensorDefinition:
    """``snapshot_update_sensor``: one ``job_name`` run per year whose works changed in the
    snapshot (partition key = the year). Off by default, like the yearly schedule."""
    root = snapshot_root(settings)

    @dg.sensor(
        name=SENSOR_NAME,
        job_name=job_name,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=default_status,
        description=(
            "Requests a yearly_refresh run for each publication year whose works changed in the OpenAlex "
            "snapshot (a new or changed updated_date= folder, a changed manifest or merged_ids)."
        ),
    )
    def snapshot_update_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
        if root is None:
            return dg.SkipReason(f"AIGEO_SOURCE={settings.source}: no snapshot to watch")
        if settings.source == "sample" and not (root / "truth.json").is_file():
            return dg.SkipReason(f"the sample world {root} is not generated yet")
        try:
            plan = plan_refresh(
                root, SnapshotCursor.from_json(context.cursor), *settings.openalex_years, max_scan_bytes
            )
        except (SnapshotLayoutError, FileNotFoundError) as exc:
            return dg.SkipReason(f"cannot read the snapshot: {exc}")
        message = plan.message()
        context.log.info(message)
        if not plan.years:
            return dg.SensorResult(skip_reason=message, cursor=plan.cursor.to_json())
        return dg.SensorResult(
            run_requests=[
                dg.RunRequest(
                    run_key=f"{year}:{plan.change_digest}",
                    partition_key=str(year),
                    tags={"aigeo/trigger": SENSOR_NAME, "aigeo/snapshot_change": plan.change_digest},
                )
                for year in plan.years
            ],
            cursor=plan.cursor.to_json(),
        )

    return snapshot_update_sensor


PARTS_SENSOR_NAME = "snapshot_parts_sensor"


def build_snapshot_parts_sensor(
    minimum_interval_seconds: int = 300, default_status: dg.DefaultSensorStatus = dg.DefaultSensorStatus.STOPPED
) -> dg.SensorDefinition:
    """``snapshot_parts_sensor``: every works part of the snapshot becomes a partition of the dynamic
    partitions ``snapshot_parts``, and each new one gets a ``raw_works_parts`` run, so that a cluster
    reads a whole snapshot part by part on all its workers (the extract cache the yearly ``raw_works``
    then read). Off by default: on one machine ``raw_works`` extracts the parts it needs itself."""
    @dg.sensor(
        name=PARTS_SENSOR_NAME,
        asset_selection=dg.AssetSelection.assets("raw_works_parts"),
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=default_status,
        description="Adds each works part of the snapshot to the partitions snapshot_parts and requests its raw_works_parts run.",
    )
    def snapshot_parts_sensor(context: dg.SensorEvaluationContext, source: WorksSource) -> dg.SensorResult | dg.SkipReason:
        try:
            root = source.snapshot_root()
            parts = source.works_files(root).parts
        except (SnapshotLayoutError, FileNotFoundError, ValueError) as exc:
            return dg.SkipReason(f"cannot list the snapshot's works parts: {exc}")
        known = set(context.instance.get_dynamic_partitions(SNAPSHOT_PARTS.name))
        new = [k for k in (part_key(root, p) for p in parts) if k not in known]
        if not new:
            return dg.SkipReason(f"{len(known)} works parts known, none new")
        return dg.SensorResult(
            run_requests=[dg.RunRequest(run_key=key, partition_key=key) for key in new],
            dynamic_partitions_requests=[SNAPSHOT_PARTS.build_add_request(new)],
        )

    return snapshot_parts_sensor


AUTOMATION_SENSOR_NAME = "automation_condition_sensor"


def build_automation_sensor(minimum_interval_seconds: int = 30) -> dg.AutomationConditionSensorDefinition:
    """The sensor that evaluates every asset's automation condition (``yearly_automation()`` and
    the rest), switched on: with Dagster's own default sensor, which starts STOPPED, a refreshed
    year's dependents stayed unsynced. It runs in the daemon of ``aigeo ui`` (``dagster dev``);
    ``aigeo run`` plans its runs itself and needs none. Stopping it in the UI (Automation) is
    remembered by the instance."""
    return dg.AutomationConditionSensorDefinition(
        AUTOMATION_SENSOR_NAME,
        target=dg.AssetSelection.all(),
        default_status=dg.DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=minimum_interval_seconds,
        description="Requests what each asset's automation condition asks for: a refreshed year's dependents, the all-years tables after them.",
    )
