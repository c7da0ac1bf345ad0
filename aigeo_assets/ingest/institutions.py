"""Parsing OpenAlex institution records into the ``raw_institutions`` table.

Each line is decoded once, by msgspec, against the declared schema below (the fields aigeo reads,
with their types, as ``work_record`` does for works): a field of the wrong type is one quarantine
row ``bad_field`` naming the field and what was found (``country_code: expected str | null, got
array``), never coerced into a plausible-looking value (``["US"]`` does not become ``"['US']"``).
Fields aigeo does not read are skipped unchecked.

=============================================================  ===================================
field                                                          type
=============================================================  ===================================
``id``, ``display_name``, ``country_code``, ``type``           str?
``geo``                                                        object?
``geo.city``, ``geo.region``, ``geo.country_code``             str?
``geo.geonames_city_id``                                       a positive integer, or a string of
                                                               ASCII digits (real records: "4984247")
``geo.latitude``, ``geo.longitude``                            a number, or a string holding a
                                                               decimal number; within +-90 / +-180
=============================================================  ===================================

(``str?``: a string, null or absent; an empty ``country_code`` is read as null.) Other reasons:
``malformed_json`` / ``not_an_object`` (the line is not a JSON object), ``missing_id``,
``duplicate_institution`` (the first record read is kept), ``merged_superseded`` (below), and the
file-level rows of ``snapshot.iter_lines`` (gzip breaks, unreadable parts).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated

import msgspec
import pandas as pd
from msgspec import Meta, Struct

from aigeo_assets.ingest.quarantine import Quarantine
from aigeo_assets.ingest.snapshot import iter_lines, short_id
from aigeo_assets.ingest.work_record import describe_error
from aigeo_assets.schemas import SCHEMAS

_DIGITS = re.compile(r"[0-9]{1,18}")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INT64_MAX = 2**63 - 1


class InstitutionGeo(Struct, gc=False):
    city: str | None = None
    geonames_city_id: Annotated[int, Meta(ge=1, le=_INT64_MAX)] | str | None = None
    region: str | None = None
    country_code: str | None = None
    latitude: float | str | None = None
    longitude: float | str | None = None


class InstitutionRecord(Struct, gc=False):
    """The fields of an OpenAlex institution record that aigeo reads (the table above)."""

    id: str | None = None
    display_name: str | None = None
    country_code: str | None = None
    type: str | None = None
    geo: InstitutionGeo | None = None


_decode_institution = msgspec.json.Decoder(InstitutionRecord).decode


class _BadValue(ValueError):
    """A field of the right JSON type whose value cannot be used; ``str()`` is the row's detail."""


def _geonames_id(value: int | str | None) -> int | None:
    """Real records carry geonames_city_id as a string ("4984247"); ints are accepted too."""
    if value is None or value == "":
        return None
    if value.__class__ is int:
        return value
    if not _DIGITS.fullmatch(value) or int(value) == 0:
        raise _BadValue(f"geo.geonames_city_id: expected a positive integer or a string of digits, got {value[:40]!r}")
    return int(value)


def _coord(value: float | str | None, name: str, bound: float) -> float | None:
    if value is None:
        return None
    if value.__class__ is str:
        if not _DECIMAL.fullmatch(value):
            raise _BadValue(f"geo.{name}: expected a number, got {value[:40]!r}")
        value = float(value)
    if not -bound <= value <= bound:
        raise _BadValue(f"geo.{name}: {value} is outside -{bound:g}..{bound:g}")
    return value


def institution_row(rec: InstitutionRecord, iid: str, merged: Mapping[str, str]) -> tuple:
    """The ``raw_institutions`` row of a decoded record (``iid`` its short id); raises ``_BadValue``."""
    geo = rec.geo or InstitutionGeo()
    return (
        merged.get(iid, iid),
        rec.display_name,
        rec.country_code or None,
        rec.type,
        geo.city,
        _geonames_id(geo.geonames_city_id),
        geo.region,
        geo.country_code or None,
        _coord(geo.latitude, "latitude", 90.0),
        _coord(geo.longitude, "longitude", 180.0),
    )


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
        file = str(path)
        for lineno, line in iter_lines(Path(path), q):
            try:
                rec = _decode_institution(line)
            except (msgspec.DecodeError, UnicodeDecodeError) as exc:
                q.add(file, lineno, *describe_error(exc))
                continue
            iid = short_id(rec.id)
            if not iid:
                q.add(file, lineno, "missing_id", "institution without id")
                continue
            try:
                row = institution_row(rec, iid, merged)
            except _BadValue as exc:
                q.add(file, lineno, "bad_field", str(exc))
                continue
            if iid in merged:
                stand_ins.setdefault(row[0], (row, file, lineno, iid))
                continue
            if row[0] in rows:
                q.add(file, lineno, "duplicate_institution", f"{row[0]} already read")
                continue
            rows[row[0]] = row
    for new_id, (row, path, lineno, old_id) in stand_ins.items():
        if new_id in rows:
            q.add(path, lineno, "merged_superseded", f"{old_id} was merged into {new_id}, which has its own record")
        else:
            rows[new_id] = row
    df = pd.DataFrame(list(rows.values()), columns=SCHEMAS["raw_institutions"].names)
    return df, q
