"""Automation: the automation conditions (``conditions``) and the sensors (``sensors``).

Which years of a snapshot changed is planned without Dagster in ``aigeo_assets.ingest.snapshot_changes``.
"""

from aigeo_assets.automation.conditions import (
    REFRESH_TAG,
    all_years_automation,
    automated_assets,
    refresh_tags,
    yearly_automation,
)
from aigeo_assets.automation.sensors import (
    build_automation_sensor,
    build_snapshot_parts_sensor,
    build_snapshot_update_sensor,
)

__all__ = [
    "REFRESH_TAG",
    "all_years_automation",
    "automated_assets",
    "build_automation_sensor",
    "build_snapshot_parts_sensor",
    "build_snapshot_update_sensor",
    "refresh_tags",
    "yearly_automation",
]
