"""A cache of works parts split by publication year, so yearly partitions stop re-reading every part.

OpenAlex orders works parts by update date, not publication year, so every yearly scan would
decompress every part. The first scan that meets a part (keyed by its absolute path, size and
mtime_ns) splits it: each non-blank line goes, with its original line number, into the shard of
its publication year (the year its decoded record gives: ``work_record.year_of_line``, the parser's
own rule), and lines without a usable year go into an ``unknown`` shard. Later scans of a year read
that year's shard and the ``unknown`` shard, merged in line order, so the parser sees exactly the
lines (and line numbers) it would have seen in the part, and reports ``year_unknown`` and the
file-level rows (``truncated_gzip``, ``corrupt_gzip``: line 0, byte offsets in the detail) exactly
as ``iter_lines`` gave them. Years a partition cannot have (outside ``TABLE_YEARS``) get no shard:
no scan parses them; they are counted by year in the index (``years``) like every other year, so a
scan accounts for each line of the part (``year_lines`` returns the other years' line counts).

Layout: ``<cache_dir>/<sha1(path)[:16]>-<sha1(path, size, mtime_ns)[:16]>/``, holding
``<year>.jsonl.gz`` and ``unknown.jsonl.gz`` (records ``<line number>[n]\\t<line>``, ``n`` when the
original line ended with a newline, as lines of plain parts do) and ``index.json`` (lines per shard,
lines per year, the file-level quarantine rows). A split is built in a
``.<name>-<random>.<pid>.tmp`` directory and renamed into place whole (index written last), so a
concurrent or interrupted run never sees half a split; when two processes split the same part,
the first rename wins and the other discards its copy. Temporary entries are never read; those of
a killed writer are removed at the next run by the warehouse sweep
(``resources.warehouse_files.sweep``). A part whose size or mtime changes gets a new split, and
the old splits of that path are removed.
"""

from __future__ import annotations

import gzip
import hashlib
import heapq
import json
import os
import shutil
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from aigeo_assets.ingest.quarantine import Quarantine
from aigeo_assets.ingest.snapshot import _GzipLines, iter_lines
from aigeo_assets.ingest.work_record import year_of_line
from aigeo_assets.ingest.works import TABLE_YEARS

VERSION = 2
_FLUSH_BYTES = 8 << 20
_INDEX = "index.json"


def split_dir(path: Path, cache_dir: Path, size: int, mtime_ns: int) -> Path:
    """Where the split of ``path`` at this size and mtime lives."""
    source = str(Path(path).absolute())
    prefix = hashlib.sha1(source.encode()).hexdigest()[:16]
    key = hashlib.sha1(f"{source}\0{size}\0{mtime_ns}".encode()).hexdigest()[:16]
    return Path(cache_dir) / f"{prefix}-{key}"


def _read_index(folder: Path, source: str, size: int, mtime_ns: int) -> dict | None:
    try:
        index = json.loads((folder / _INDEX).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(index, dict) or index.get("version") != VERSION:
        return None
    if (index.get("source"), index.get("size"), index.get("mtime_ns")) != (source, size, mtime_ns):
        return None
    return index


def _shard_name(line_year) -> str | None:
    if line_year.__class__ is not int:
        return "unknown.jsonl.gz"
    return f"{line_year}.jsonl.gz" if line_year in TABLE_YEARS else None


def _write_split(path: Path, tmp: Path, source: str, size: int, mtime_ns: int) -> dict:
    """Split ``path`` into shards under ``tmp``; returns the index (written last)."""
    tmp.mkdir(parents=True)
    buffers: dict[str, list[bytes]] = {}
    sizes: dict[str, int] = {}
    counts: dict[str, int] = {}
    years: Counter = Counter()

    def flush(name: str) -> None:
        data = b"".join(buffers[name])
        buffers[name] = []
        sizes[name] = 0
        with open(tmp / name, "ab") as fh:  # one gzip member per flush (multi-member gzip)
            fh.write(gzip.compress(data, compresslevel=1, mtime=0))

    q = Quarantine()
    lines = 0
    for lineno, line in iter_lines(path, q):
        lines += 1
        line_year = year_of_line(line)
        if line_year.__class__ is int:
            years[line_year] += 1
        name = _shard_name(line_year)
        if name is None:
            continue
        if line[-1:] == b"\n":
            record = b"%dn\t" % lineno + line
        else:
            record = b"%d\t" % lineno + line + b"\n"
        buf = buffers.get(name)
        if buf is None:
            buf = buffers[name] = []
            sizes[name] = 0
            counts[name] = 0
        buf.append(record)
        counts[name] += 1
        sizes[name] += len(record)
        if sizes[name] >= _FLUSH_BYTES:
            flush(name)
    for name in list(buffers):
        if buffers[name]:
            flush(name)
    breaks = [[int(r.line), str(r.reason), str(r.detail)] for r in q.frame().itertuples(index=False)]
    index = {
        "version": VERSION,
        "source": source,
        "size": size,
        "mtime_ns": mtime_ns,
        "lines": lines,
        "shards": counts,
        "years": {str(y): n for y, n in sorted(years.items())},
        "file_quarantine": breaks,
    }
    part = tmp / (_INDEX + ".part")
    part.write_text(json.dumps(index))
    os.replace(part, tmp / _INDEX)
    return index


def ensure_split(path: Path, cache_dir: Path) -> tuple[Path, dict] | None:
    """The split of ``path`` (made now if missing or stale); None when the part changed while being
    split, or could not be read (``part_unreadable``: a permission fixed later leaves the mtime as it
    was, so such a split would be reused with no lines); the caller then reads the part itself."""
    path = Path(path)
    st = path.stat()
    source = str(path.absolute())
    final = split_dir(path, cache_dir, st.st_size, st.st_mtime_ns)
    index = _read_index(final, source, st.st_size, st.st_mtime_ns)
    if index is not None:
        return final, index
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = cache_dir / f".{final.name}-{uuid.uuid4().hex[:8]}.{os.getpid()}.tmp"
    try:
        index = _write_split(path, tmp, source, st.st_size, st.st_mtime_ns)
        after = path.stat()
        if (after.st_size, after.st_mtime_ns) != (st.st_size, st.st_mtime_ns):
            return None  # the part changed under us: do not publish a split of a moving target
        if any(row[1] == "part_unreadable" for row in index["file_quarantine"]):
            return None
        if final.exists() and _read_index(final, source, st.st_size, st.st_mtime_ns) is None:
            # a broken split left by hand or by an older version: move it aside, then drop it
            trash = cache_dir / f".{final.name}-trash-{uuid.uuid4().hex[:8]}.{os.getpid()}.tmp"
            try:
                os.rename(final, trash)
                shutil.rmtree(trash, ignore_errors=True)
            except OSError:
                pass
        try:
            os.rename(tmp, final)
        except OSError:  # another process published this split first: use theirs
            theirs = _read_index(final, source, st.st_size, st.st_mtime_ns)
            if theirs is None:
                raise
            return final, theirs
        _prune_other_versions(final)
        return final, index
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _prune_other_versions(final: Path) -> None:
    """Remove splits of the same path made for another size or mtime (the part was replaced)."""
    prefix = final.name.split("-", 1)[0] + "-"
    for other in final.parent.iterdir():
        if other.name.startswith(prefix) and other.name != final.name and other.is_dir():
            shutil.rmtree(other, ignore_errors=True)


def _read_shard(file: Path) -> list[tuple[int, bytes]] | None:
    """(line number, original line) of one shard; None if the shard cannot be read whole."""
    if not file.is_file():
        return []
    out = []
    with open(file, "rb") as raw:
        lines = _GzipLines(raw)
        for rec in lines:
            head, tab, line = rec.partition(b"\t")
            if not tab:
                return None
            if head[-1:] == b"n":
                out.append((int(head[:-1]), line + b"\n"))
            else:
                out.append((int(head), line))
        if lines.broken:
            return None
    return out


def year_lines(path: Path, year: int, cache_dir: Path, quarantine: Quarantine) -> tuple[Iterator[tuple[int, bytes]], dict[int, int]]:
    """The (line number, line) pairs of ``path`` that a scan for ``year`` must look at (that year's
    lines and the lines without a usable year, in line order), read from the split cache, and
    {other year: its non-blank lines in the part} for the lines it does not give. File-level rows
    (``truncated_gzip``, ``corrupt_gzip``) are added to ``quarantine`` after the lines, unchanged, as
    ``iter_lines`` does. Falls back to reading the part itself (every line given, no other years)
    when the split cannot be made or read."""
    path = Path(path)
    split = ensure_split(path, cache_dir)
    if split is not None:
        folder, index = split
        mine = _read_shard(folder / f"{year}.jsonl.gz")
        unknown = _read_shard(folder / "unknown.jsonl.gz")
        shards = index.get("shards", {})
        if (
            mine is not None
            and unknown is not None
            and len(mine) == shards.get(f"{year}.jsonl.gz", 0)
            and len(unknown) == shards.get("unknown.jsonl.gz", 0)
        ):
            others = {int(y): n for y, n in index["years"].items() if int(y) != year}
            return _merged(path, mine, unknown, index["file_quarantine"], quarantine), others
        shutil.rmtree(folder, ignore_errors=True)  # damaged: rebuilt by the next scan
    return iter_lines(path, quarantine), {}


def _merged(path: Path, mine, unknown, file_rows, quarantine: Quarantine) -> Iterator[tuple[int, bytes]]:
    if unknown:
        yield from heapq.merge(mine, unknown, key=lambda r: r[0])
    else:
        yield from mine
    for line, reason, detail in file_rows:
        quarantine.add(str(path), line, reason, detail)
