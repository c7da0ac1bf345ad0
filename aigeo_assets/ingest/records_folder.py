"""Loose OpenAlex records (API pages, single records, JSON lists, JSON Lines) -> a snapshot folder.

Users often hold OpenAlex records in the shapes the API and other tools hand out: a saved API
page (``{"meta": ..., "results": [...]}``), one record per file (``W123.json``), a JSON list of
records, or JSON Lines (gzip or plain, as a snapshot part). The platform reads snapshots; this
module writes such records into the snapshot layout (``data/<entity>/updated_date=<date>/
part_NNN.gz`` plus a ``manifest``) so that the same readers, rules and quarantine apply to them.

Nothing is dropped here: every record is written as found, duplicates included (the snapshot
readers quarantine a repeated work id with its file and line). A file that is not JSON in any of
these shapes raises :class:`RecordsFileError` naming the file.

The real sample records in ``../shared/samples/`` (beside the repository) are assembled this way
by the tests and by ``benchmarks/real_records.py``; :func:`shared_samples_dir` finds them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import orjson

from aigeo_assets.ingest.openalex_api import PartWriter, write_manifest
from aigeo_assets.ingest.snapshot import GZIP_MAGIC, GzipLines, json_kind

REPO_ROOT = Path(__file__).resolve().parents[2]


class RecordsFileError(ValueError):
    """A file that holds no OpenAlex records in any shape we read."""


def shared_samples_dir() -> Path:
    """``../shared/samples`` relative to the repository root (may not exist)."""
    return REPO_ROOT.parent / "shared" / "samples"


def real_sample_files(samples: Path | None = None) -> tuple[list[Path], list[Path]]:
    """(work files, institution files) of the real OpenAlex samples in ``samples/openalex``:
    an API page, a JSON list, single records and a snapshot's parts (only those present)."""
    oa = Path(samples or shared_samples_dir()) / "openalex"
    go = oa / "snapshot-go-openalex"
    works = [
        oa / "justin21523" / "works_sample.json",
        oa / "works_english_africa_api_page.json",
        oa / "work_5103_authors.json",
        oa / "W2741809807.json",
        *sorted((go / "works").glob("updated_date=*/part_*")),
        go / "works" / "W2741809807",
    ]
    institutions = [
        oa / "justin21523" / "institutions_sample.json",
        oa / "I27837315.json",
        *sorted((go / "institutions").glob("updated_date=*/part_*")),
        go / "institutions" / "I27837315",
    ]
    return [p for p in works if p.is_file()], [p for p in institutions if p.is_file()]


def _read_bytes(path: Path) -> bytes:
    """The file's content, gunzipped when it is gzip; a file that cannot be read whole raises."""
    try:
        with open(path, "rb") as raw:
            if raw.read(2) != GZIP_MAGIC:
                raw.seek(0)
                return raw.read()
            raw.seek(0)
            lines = GzipLines(raw)
            data = b"\n".join(lines)
    except OSError as exc:
        raise RecordsFileError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if lines.breaks:
        raise RecordsFileError(f"{path}: {lines.breaks[0].describe()}")
    return data


def _objects(path: Path, items: list, where: str) -> list[dict]:
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise RecordsFileError(f"{path}: {where} {i} is {json_kind(item, article=True)}, expected a record (a JSON object)")
    return items


def iter_record_file(path: Path) -> Iterator[dict]:
    """The records of one file: an API page's ``results``, a JSON list, one JSON object, or JSON Lines.

    Anything else raises :class:`RecordsFileError` naming the file and, where there is one, the line
    or item: a file that cannot be read, a broken gzip stream, text that is not UTF-8, a line that
    is not JSON, a record that is not a JSON object, an empty file.
    """
    path = Path(path)
    data = _read_bytes(path)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError:
        doc = None
    if doc is None:
        records = []
        for i, line in enumerate(data.split(b"\n"), 1):
            if not line.strip():
                continue
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError as bad:
                    what = f"byte 0x{line[bad.start]:02x} at column {bad.start + 1}"
                    raise RecordsFileError(f"{path}: line {i} is not UTF-8 ({what})") from None
                raise RecordsFileError(f"{path}: line {i} is not JSON ({exc})") from None
            if not isinstance(obj, dict):
                raise RecordsFileError(f"{path}: line {i} is {json_kind(obj, article=True)}, expected a record (a JSON object)")
            records.append(obj)
        if not records:
            raise RecordsFileError(f"{path}: no JSON records (the file is empty)")
        yield from records
        return
    if isinstance(doc, dict) and isinstance(doc.get("results"), list):
        yield from _objects(path, doc["results"], "results item")
    elif isinstance(doc, list):
        yield from _objects(path, doc, "list item")
    elif isinstance(doc, dict) and "id" in doc:
        yield doc
    else:
        raise RecordsFileError(f"{path}: neither an API page, a record, a list of records nor JSON Lines ({json_kind(doc, article=True)})")


def snapshot_from_records(
    out_root: Path,
    *,
    works: Sequence[Path] = (),
    institutions: Sequence[Path] = (),
    updated_date: str = "2000-01-01",
    part_size: int = 100_000,
) -> dict[str, int]:
    """Write the records of ``works`` and ``institutions`` files into a snapshot at ``out_root``.

    Returns the number of records written per entity. ``out_root/data/<entity>`` is created and its
    previous parts under the same ``updated_date`` are replaced, but only once every input file of
    both entities was read: the parts are written into a hidden staging folder first, so a file
    that raises :class:`RecordsFileError` leaves the previous snapshot as it was.
    """
    staged: list[tuple[str, Path, Path, list[tuple[Path, int]]]] = []
    try:
        for entity, files in (("works", works), ("institutions", institutions)):
            entity_dir = Path(out_root) / "data" / entity
            entity_dir.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(dir=entity_dir, prefix=".staging-"))
            staged.append((entity, entity_dir, staging, []))
            writer = PartWriter(staging, lambda i: f"part_{i:03d}.gz", part_size)
            try:
                for path in files:
                    for record in iter_record_file(path):
                        writer.write(record)
            except BaseException:
                writer.abort()
                raise
            staged[-1][3].extend(writer.close())
        counts: dict[str, int] = {}
        for entity, entity_dir, staging, parts in staged:
            folder = entity_dir / f"updated_date={updated_date}"
            folder.mkdir(exist_ok=True)
            for old in folder.glob("part_*"):
                old.unlink()
            final = {}
            for part, n in parts:
                os.replace(part, folder / part.name)
                final[folder / part.name] = n
            write_manifest(entity_dir, entity, final)
            counts[entity] = sum(final.values())
        return counts
    finally:
        for _, _, staging, _ in staged:
            shutil.rmtree(staging, ignore_errors=True)
