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

import gzip
from collections.abc import Iterator, Sequence
from pathlib import Path

import orjson

from aigeo_assets.ingest.openalex_api import _PartWriter, write_manifest

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
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data


def iter_record_file(path: Path) -> Iterator[dict]:
    """The records of one file: an API page's ``results``, a JSON list, one JSON object, or JSON Lines."""
    path = Path(path)
    data = _read_bytes(path)
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError:
        doc = None
        lines = [ln for ln in data.splitlines() if ln.strip()]
        records = []
        for i, line in enumerate(lines, 1):
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise RecordsFileError(f"{path}: line {i} is not JSON ({exc})") from None
            records.append(obj)
        if not records:
            raise RecordsFileError(f"{path}: no JSON records")
        yield from records
        return
    if isinstance(doc, dict) and isinstance(doc.get("results"), list):
        yield from doc["results"]
    elif isinstance(doc, list):
        yield from doc
    elif isinstance(doc, dict) and "id" in doc:
        yield doc
    else:
        raise RecordsFileError(f"{path}: neither an API page, a record, a list of records nor JSON Lines")


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
    previous parts under the same ``updated_date`` are replaced.
    """
    counts: dict[str, int] = {}
    for entity, files in (("works", works), ("institutions", institutions)):
        entity_dir = Path(out_root) / "data" / entity
        folder = entity_dir / f"updated_date={updated_date}"
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("part_*"):
            old.unlink()
        writer = _PartWriter(folder, lambda i: f"part_{i:03d}.gz", part_size)
        n = 0
        try:
            for path in files:
                for record in iter_record_file(path):
                    writer.write(record)
                    n += 1
        except BaseException:
            writer.abort()
            raise
        parts = writer.close()
        write_manifest(entity_dir, entity, dict(parts))
        counts[entity] = n
    return counts
