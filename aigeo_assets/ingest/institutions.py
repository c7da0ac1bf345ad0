"""Parsing OpenAlex institution records into the ``raw_institutions`` table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from aigeo_assets.ingest.quarantine import Quarantine
from aigeo_assets.ingest.snapshot import iter_records, short_id
from aigeo_assets.schemas import SCHEMAS, conform


def _geonames_id(value) -> int | None:
    """Real records carry geonames_city_id as a string ("4984247"); accept ints too."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("boolean geonames_city_id")
    return int(value)


def _coord(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"coordinate of type {type(value).__name__}")
    return float(value)


def parse_institutions(
    files: Iterable[Path], merged: Mapping[str, str] | None = None, quarantine: Quarantine | None = None
) -> tuple[pd.DataFrame, Quarantine]:
    """Institution records -> ``raw_institutions``; records of merged-away ids are superseded.

    A record whose id was merged into another is kept only when the surviving id has no record of
    its own (then it stands in for it); otherwise it is quarantined as ``merged_superseded``.
    """
    merged = merged or {}
    q = quarantine if quarantine is not None else Quarantine()
    rows: dict[str, tuple] = {}
    stand_ins: dict[str, tuple[tuple, str, int, str]] = {}
    for path in files:
        for lineno, obj in iter_records(Path(path), q):
            iid = obj.get("id")
            if not isinstance(iid, str) or not iid:
                q.add(str(path), lineno, "missing_id", "institution without id")
                continue
            iid = short_id(iid)
            geo = obj.get("geo") or {}
            try:
                if not isinstance(geo, dict):
                    raise ValueError(f"geo is {type(geo).__name__}, expected object")
                row = (
                    merged.get(iid, iid),
                    obj.get("display_name"),
                    obj.get("country_code") or None,
                    obj.get("type"),
                    geo.get("city"),
                    _geonames_id(geo.get("geonames_city_id")),
                    geo.get("region"),
                    geo.get("country_code") or None,
                    _coord(geo.get("latitude")),
                    _coord(geo.get("longitude")),
                )
            except (ValueError, TypeError) as exc:
                q.add(str(path), lineno, "bad_field", str(exc)[:200])
                continue
            if iid in merged:
                stand_ins.setdefault(row[0], (row, str(path), lineno, iid))
                continue
            if row[0] in rows:
                q.add(str(path), lineno, "duplicate_institution", f"{row[0]} already read")
                continue
            rows[row[0]] = row
    for new_id, (row, path, lineno, old_id) in stand_ins.items():
        if new_id in rows:
            q.add(path, lineno, "merged_superseded", f"{old_id} was merged into {new_id}, which has its own record")
        else:
            rows[new_id] = row
    df = pd.DataFrame(list(rows.values()), columns=SCHEMAS["raw_institutions"].names)
    return conform(df, "raw_institutions"), q
