"""Writing a benchmark's figures: ``results/<name>.json``, atomically, with the machine they ran on."""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def write_results(name: str, payload: dict) -> Path:
    """Add machine, Python and time of measurement to ``payload``; write it to a temporary file, then rename."""
    out = RESULTS / f"{name}.json"
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
    print(f"wrote benchmarks/results/{out.name}")
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
