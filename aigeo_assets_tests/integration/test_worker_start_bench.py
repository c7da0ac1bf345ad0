"""benchmarks/worker_start.py end to end on the tiny world, so the script cannot rot: the three start
methods execute the same plan, every run succeeds, and the figures it writes are complete."""

from __future__ import annotations

import json
import subprocess
import sys

from aigeo_assets.resources.settings import REPO_ROOT


def test_every_start_method_executes_the_same_plan(tmp_path):
    out = tmp_path / "worker_start.json"
    proc = subprocess.run(
        [sys.executable, str(REPO_ROOT / "benchmarks" / "worker_start.py"), "--world-data", str(tmp_path / "data"),
         "--repeat", "1", "--jobs", "reference_tables", "--out", str(out)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    job = json.loads(out.read_text())["jobs"]["reference_tables"]
    assert job["spawn"]["runs"] == job["forkserver"]["runs"] == job["fork"]["runs"] == 2
    for method in ("spawn", "forkserver", "fork"):
        assert job[method]["cpu_s"] >= job[method]["cpu_s_in_runs"] > 0 and job[method]["wall_s"] > 0
    assert job["wall_ratio_spawn_to_fork"] == round(job["spawn"]["wall_s"] / job["fork"]["wall_s"], 2)
    assert job["wall_ratio_spawn_to_forkserver"] == round(job["spawn"]["wall_s"] / job["forkserver"]["wall_s"], 2)
