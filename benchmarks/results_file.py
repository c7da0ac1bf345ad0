"""What every benchmark shares: writing its figures (``results/<name>.json``, atomically, with the
machine they ran on), timing the best of repeated runs, and reading this process's memory."""

from __future__ import annotations

import json
import os
import platform
import resource
import time
import zlib
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


SPEED_PROBE = ("zlib deflate and inflate of 4 MB, numpy's sort of 2 M floats, 300,000 Python dict insertions and "
               "a JSON round trip of 300,000 short strings")
"""The speed probe's fixed workload: what aigeo's steps do most (inflating, sorting, Python per item,
decoding); 0.56-0.66 CPU-s on the project's machine in the hour of run P (``docs/scale.md``), when
it ran the paper world's parts at about half run O's speed."""


def speed_probe(repeat: int = 3) -> dict:
    """The CPU-seconds this process takes for ``SPEED_PROBE`` (best of ``repeat``): the speed of the
    machine at the hour of a measurement. The project's machine ran the same code at up to twice the
    CPU-seconds from one hour to the next, so a result carries the probe taken beside it, and two
    results compare by their figures divided by their probes (``docs/scale.md``)."""
    import numpy as np

    rng = np.random.default_rng(20221121)
    data = rng.integers(0, 16, 4_000_000, dtype=np.uint8).tobytes()
    floats = rng.random(2_000_000)
    words = [f"W{i}" for i in range(300_000)]
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        zlib.decompress(zlib.compress(data, 6))
        np.sort(floats)
        seen = {}
        for w in words:
            seen[w] = len(w)
        json.loads(json.dumps(words))
        best = min(best, time.process_time() - started)
    return {"cpu_s": round(best, 4), "workload": SPEED_PROBE}


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


def alternate_in_fresh_processes(script: str, calls: dict[str, str], repeat: int, folder: Path) -> dict[str, list[dict]]:
    """Each way of ``calls`` (``{way: an expression calling a function of benchmarks/<script>.py}``,
    ``{out}`` standing for its output folder) in a fresh Python process, the ways alternated ``repeat``
    times (the order reversed every other round); each call's last printed line is its JSON figures.
    The outputs go to ``folder/<way><round>``. A failing way stops the benchmark with its stderr."""
    import subprocess
    import sys

    runs: dict[str, list[dict]] = {way: [] for way in calls}
    ways = list(calls)
    for i in range(repeat):
        for way in (ways if i % 2 == 0 else ways[::-1]):
            out = folder / f"{way}{i}"
            out.mkdir(parents=True, exist_ok=True)
            code = (f"import sys, json; sys.path.insert(0, {str(RESULTS.parent)!r}); from pathlib import Path; "
                    f"from {script} import *; print(json.dumps({calls[way].format(out=repr(str(out)))}))")
            done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
            if done.returncode:
                raise SystemExit(f"{script} {way} failed:\n{done.stderr[-3000:]}")
            runs[way].append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"{way:13s}: {runs[way][-1]}", flush=True)
    return runs


def runs_summary(runs: dict[str, list[dict]]) -> dict[str, dict[str, list]]:
    """``{way: {"cpu_s": [...], "peak_mb": [...]}}`` of :func:`alternate_in_fresh_processes`' runs, round by round."""
    return {way: {"cpu_s": [r["cpu_s"] for r in got], "peak_mb": [r["peak_mb"] for r in got]} for way, got in runs.items()}


def warehouse_years_args(description: str, name: str, table: str, argv: list[str] | None, small_batch_help: str | None = None):
    """The arguments of a benchmark that rebuilds some years of a warehouse table in batches (``--warehouse``,
    ``--years``, ``--repeat``, ``--small-batch-rows``, ``--name``, ``--out``): ``(args, warehouse, years)``,
    the years by default the warehouse's last three of ``table``."""
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--warehouse", type=Path, default=REPO / "data" / "warehouse")
    parser.add_argument("--years", type=int, nargs="+", help=f"default: the warehouse's last three years of {table}")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--small-batch-rows", type=int, default=250_000, help=small_batch_help)
    parser.add_argument("--name", default=name)
    parser.add_argument("--out", type=Path, help="results file (default: benchmarks/results/<name>.json)")
    args = parser.parse_args(argv)
    warehouse = args.warehouse.resolve()
    years = args.years or sorted(int(p.stem) for p in (warehouse / table).glob("*.parquet"))[-3:]
    return args, warehouse, years
