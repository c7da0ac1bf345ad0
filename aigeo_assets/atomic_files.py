"""Writing files so that a reader never sees one in part (the project's rule for every write that
is not a warehouse table: figures, the atlas, network files, API downloads' bookkeeping)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path


def write_files_atomic(items: Iterable[tuple[Path, bytes]], *, skip_unchanged: bool = False) -> list[Path]:
    """Write every (path, bytes): each to a temporary file beside it first (fsynced, mode 0644),
    then all renamed with ``os.replace``, so a reader sees the old files or the new ones, never a
    truncated one; any failure removes the temporaries. Folders are made as needed.
    ``skip_unchanged``: a file whose bytes are already there is left as it is (its modification time
    then says when it last changed). Returns the paths, in the order given."""
    paths: list[Path] = []
    temps: list[tuple[str, Path]] = []
    try:
        for path, data in items:
            path = Path(path)
            paths.append(path)
            if skip_unchanged and path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp")
            temps.append((tmp, path))
            os.fchmod(fd, 0o644)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        for tmp, path in temps:
            os.replace(tmp, path)
    finally:
        for tmp, _ in temps:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return paths
