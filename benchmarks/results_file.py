"""What every benchmark shares: writing its figures (``results/<name>.json``, atomically, with the
machine they ran on), timing the best of repeated runs, and reading this process's memory."""

from __future__ import annotations

import json
import os
import platform
import resource
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
REPO = RESULTS.parents[1]


def repo_path(path: Path | str) -> str:
    """``path`` relative to the repository root (``data/warehouse``, ``../shared/samples``): results
    name their inputs without the paths of the machine that measured them; a path outside the
    repository's folder and its neighbours (a temporary folder) is named ``<elsewhere>/<its name>``."""
    rel = os.path.relpath(Path(path).resolve(), REPO)
    return f"<elsewhere>/{Path(path).name}" if rel.startswith(os.path.join(os.pardir, os.pardir)) else rel


def write_results(name: str, payload: dict, out: Path | None = None) -> Path:
    """Add machine, Python and time of measurement to ``payload``; write it to a temporary file, then
    rename, as ``results/<name>.json`` or ``out`` (a test's folder)."""
    out = Path(out) if out is not None else RESULTS / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "machine": platform.platform(),
        "python": platform.python_version(),
        **payload,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2))
    tmp.replace(out)
    print(f"wrote {repo_path(out)}")
    return out


def status_mb(field_name: str) -> float | None:
    """A memory figure of this process from /proc/self/status (e.g. VmHWM, VmRSS), in MiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def reset_peak_rss() -> bool:
    """Linux: writing 5 to /proc/self/clear_refs resets the process's RSS high-water mark (VmHWM) to
    its current RSS, so the peak read after a run is the run's own, not the input loading's."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def timed(fn, repeat: int = 1):
    """``(result, best seconds)`` of ``repeat`` calls of ``fn``."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return out, best
