"""Every script in ``benchmarks/`` imports: a name it takes from ``aigeo_assets`` that was renamed or
removed fails here, not months later in ``make bench``. In a subprocess, so that the scripts' own
``sys.path`` entries stay out of the test session."""

from __future__ import annotations

import subprocess
import sys

from aigeo_assets.resources.settings import REPO_ROOT

IMPORT_EVERY_SCRIPT = """
import importlib.util, pathlib, sys
sys.path.insert(0, ".")
failed = []
for path in sorted(pathlib.Path(".").glob("*.py")):
    name = "benchmark_" + path.stem
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        failed.append(f"{path.name}: {exc!r}")
print("\\n".join(failed))
"""


def test_every_benchmark_script_imports():
    scripts = sorted(p.name for p in (REPO_ROOT / "benchmarks").glob("*.py"))
    assert "migration.py" in scripts and "instance_storage.py" in scripts
    done = subprocess.run([sys.executable, "-c", IMPORT_EVERY_SCRIPT], cwd=REPO_ROOT / "benchmarks", capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "", f"benchmark scripts that do not import:\n{done.stdout}"


def test_the_year_assembly_benchmark_finds_both_ways_write_the_same_tables(tmp_path):
    """``benchmarks/year_assembly.py`` on the tiny world: the year streamed into its files and the year
    gathered and written whole read back the same, table by table, and each way reports its own peak."""
    import json

    from aigeo_assets.sampleworld import generate_world

    root = generate_world(tmp_path / "w", scale="tiny", seed=5)
    out = tmp_path / "year_assembly.json"
    done = subprocess.run([sys.executable, "benchmarks/year_assembly.py", "--snapshot", str(root), "--cache", str(tmp_path / "cache"),
                           "--years", "2017", "2018", "--repeat", "1", "--out", str(out)],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(out.read_text())
    assert got["tables_identical"] == 12 and got["rows"] > 1_000
    assert all(r["peak_mb"] > 0 and r["cpu_s"] > 0 for runs in got["runs"].values() for r in runs)
