"""Writing a JSON Lines snapshot's works also as OpenAlex's Parquet layout (``data/parquet/works/``).

``write_parquet_snapshot(json_root, out_root)`` turns each JSON works part into one snappy Parquet
part with the same ``updated_date=`` folder (``part_000.gz`` -> ``part_0000.parquet``), typed by
``ingest.parquet_snapshot.WORKS_PARQUET_SCHEMA`` (the columns aigeo reads, not every field of a
real snapshot), plus the combined ``data/parquet/manifest.json`` listing them with their record
counts. It is how the sample world (and a user holding only JSON parts) tries the Parquet path.

Parts are written one at a time, in batches of rows (memory is bounded by one batch), each to a
temporary file renamed into place when complete, so a killed writer leaves no partial part.

A line that cannot be a typed row (not JSON, not an object, a field of the wrong type, which the
JSON path quarantines) is left out of the copy and counted in the returned ``ParquetCopy``
(``skipped``, by reason), so the copy's rows are the JSON part's records that fit the schema, in
order; blank lines are not records in either format. A null and an absent ``publication_year``
both become null. When ``out_root`` is another folder, ``merged_ids/`` and the institutions (JSON
Lines: the Parquet reader reads works only) are copied too, so the copy is a snapshot aigeo reads
whole (``AIGEO_SOURCE=snapshot AIGEO_SNAPSHOT_DIR=<out_root>``).
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import msgspec
import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from aigeo_assets.ingest.parquet_snapshot import WORKS_PARQUET_SCHEMA
from aigeo_assets.ingest.quarantine import Quarantine
from aigeo_assets.ingest.snapshot import SnapshotLayoutError, entity_folder, iter_lines, list_entity_files, merged_ids_folder
from aigeo_assets.ingest.work_record import RecordError, decode_work

_ROW_GROUP = 20_000


@dataclass
class ParquetCopy:
    """What ``write_parquet_snapshot`` wrote: the parts, rows per part, lines left out by reason."""

    parts: list[Path] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    skipped: Counter = field(default_factory=Counter)
    problems: Quarantine = field(default_factory=Quarantine)
    """The JSON parts' own file-level rows (a gzip break): the lines it cost are not in the copy either."""


def _part_name(json_part: Path) -> str:
    stem = json_part.name.removesuffix(".gz")
    number = stem.removeprefix("part_")
    return f"part_{int(number):04d}.parquet" if number.isdigit() else f"{stem}.parquet"


def _write_part(json_part: Path, target: Path, copy: ParquetCopy, row_group: int) -> int:
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    rows = 0
    try:
        with pq.ParquetWriter(tmp, WORKS_PARQUET_SCHEMA, compression="snappy") as writer:
            batch: list[dict] = []
            for _, line in iter_lines(json_part, copy.problems):
                try:
                    work = decode_work(line)
                except RecordError as exc:
                    copy.skipped[exc.reason] += 1
                    continue
                record = msgspec.to_builtins(work)
                batch.append(record)
                if len(batch) >= row_group:
                    writer.write_table(pa.Table.from_pylist(batch, schema=WORKS_PARQUET_SCHEMA))
                    rows += len(batch)
                    batch = []
            if batch or not rows:
                writer.write_table(pa.Table.from_pylist(batch, schema=WORKS_PARQUET_SCHEMA))
                rows += len(batch)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return rows


def write_parquet_snapshot(json_root: Path, out_root: Path | None = None, *, row_group: int = _ROW_GROUP) -> ParquetCopy:
    """Write the works of the JSON snapshot at ``json_root`` as ``<out_root>/data/parquet/works/``
    (``out_root`` default: ``json_root``, the copy beside the JSON parts) with its ``manifest.json``."""
    json_root = Path(json_root)
    out_root = Path(out_root) if out_root is not None else json_root
    files = list_entity_files(json_root, "works")
    out = out_root / "data" / "parquet" / "works"
    copy = ParquetCopy()
    entries = []
    for part in files.parts:
        folder = out / part.parent.name if part.parent.name.startswith("updated_date=") else out / "updated_date=unknown"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / _part_name(part)
        rows = _write_part(part, target, copy, row_group)
        copy.parts.append(target)
        copy.rows[str(target)] = rows
        rel = target.relative_to(out_root / "data")
        entries.append({"url": f"s3://openalex/data/{rel.as_posix()}", "meta": {"content_length": target.stat().st_size, "record_count": rows}})
    manifest = out.parent / "manifest.json"
    tmp = manifest.with_name(f".manifest.json.{os.getpid()}.tmp")
    tmp.write_bytes(orjson.dumps({"entries": entries}, option=orjson.OPT_INDENT_2))
    os.replace(tmp, manifest)
    if out_root.resolve() != json_root.resolve():
        merged = merged_ids_folder(json_root, "works")
        if merged is not None:
            shutil.copytree(merged.parent, out_root / "data" / "merged_ids", dirs_exist_ok=True)
        try:
            institutions = entity_folder(json_root, "institutions")
        except SnapshotLayoutError:
            institutions = None
        if institutions is not None:
            shutil.copytree(institutions, out_root / "data" / "institutions", dirs_exist_ok=True)
    return copy
