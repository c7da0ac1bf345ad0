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
