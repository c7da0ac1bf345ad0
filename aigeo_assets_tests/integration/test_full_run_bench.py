"""benchmarks/full_run.py end to end on the tiny world, so the script cannot rot: the new-year copy
holds every line of the world exactly once (the last year only in the new folder), both runs
succeed, run 2 rematerializes the new year, the stages come from the event log, and the DuckDB
peer agrees with aigeo's functions."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from aigeo_assets.ingest.quarantine import Quarantine
from aigeo_assets.ingest.snapshot import iter_lines, list_entity_files
from aigeo_assets.ingest.work_record import year_of_line
from aigeo_assets.resources.settings import REPO_ROOT

LAST = 2019
SEED = 20221121  # the script's default seed
JOBS = "reference_tables,yearly_corpus"  # yearly_corpus plans the OpenAlex tables (yearly_refresh) it reads


def _lines(paths) -> Counter:
    out: Counter = Counter()
    for p in paths:
        for _, line in iter_lines(Path(p), Quarantine()):
            out[line.rstrip(b"\n")] += 1
    return out


def _full_run_script():
    """``benchmarks/full_run.py`` as a module (a script, not a package), for its pure functions."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("full_run_bench", REPO_ROOT / "benchmarks" / "full_run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench(tmp_path_factory, tiny_world):
    tmp = tmp_path_factory.mktemp("full_run")
    tiny_world(tmp / "worlds", SEED)  # where the script caches its world (--world-data)
    out = tmp / "full_run_tiny.json"
    proc = subprocess.run(
        [
            sys.executable, str(REPO_ROOT / "benchmarks" / "full_run.py"), "--scale", "tiny", "--world-data", str(tmp / "worlds"),
            "--work", str(tmp / "work"), "--out", str(out), "--repeat", "1", "--start-year", str(LAST - 2), "--jobs", JOBS,
        ],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=1800,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return tmp, json.loads(out.read_text()), proc.stdout


def test_new_year_copy_holds_every_line_once(bench):
    tmp, result, _ = bench
    world = tmp / "worlds" / "sources" / f"sample-tiny-{SEED}"
    cache = world.parent / f"{world.name}-newyear"
    original = _lines(list_entity_files(world / "data", "works").parts)
    base = _lines(sorted((cache / "base").rglob("part_*")))
    new = _lines(sorted((cache / "new").rglob("part_*")))
    assert base + new == original
    assert new and all(year_of_line(line) == LAST for line in new)
    assert not any(year_of_line(line) == LAST for line in base)
    copy = result["new_year_copy"]
    assert copy["new_year_works"] == sum(new.values())
    assert copy["base_works_lines"] == sum(base.values())
    full = json.loads((cache / "full.manifest").read_text())
    assert full["meta"]["record_count"] == sum(original.values())
    with gzip.open(next((cache / "new").rglob("part_*")), "rb") as fh:
        assert fh.readline().endswith(b"\n")


def test_both_runs_and_their_stages(bench):
    _, result, stdout = bench
    assert result["complete"] is True
    run1, run2 = result["phases"]["run1_full"], result["phases"]["run2_new_year"]
    assert run1["exit_code"] == 0 and run2["exit_code"] == 0
    assert run1["dagster_runs_failed"] == 0 and run2["dagster_runs_failed"] == 0
    for group in ("ingest", "geo", "corpus"):
        assert run1["stages"][group]["rows"] > 0 and run1["stages"][group]["wall_s"] > 0, group
    assert run1["disk_bytes"]["per_group"]["corpus"] > 0
    # run 2 made the new year's partitions, and run 1 never saw that year
    assert str(LAST) in run2["rematerialized"]["raw_works"]
    assert str(LAST - 1) not in run2["rematerialized"]["raw_works"]
    assert 0 < run2["share_of_full_run"]
    causes = run2["by_cause"]  # every run of the refresh counted once, under why it ran
    assert sum(c["runs"] for c in causes.values()) == run2["dagster_runs"]
    assert sum(c["share"] for c in causes.values()) == pytest.approx(1.0, abs=1e-3)
    assert any(str(LAST) in r["run"] and r["run"].startswith("ingest") for r in causes["new_year"]["largest"]), causes["new_year"]
    assert 0 < run2["own_and_windows_share_of_full_run_cpu"] < 1
    timeline = run1["timeline"]  # from the runs' start times: every second of the span is counted once
    assert sum(timeline["seconds_with_busy_workers"].values()) == pytest.approx(timeline["span_s"], abs=0.5)
    assert 0 < timeline["span_s"] <= run1["wall_s"] and timeline["longest_runs"]
    assert "ingest" in stdout and "corpus" in stdout
    probe = result["machine"]["speed_probe_cpu_s"]  # the machine's speed at the hour of the runs, before and after
    assert probe["start"] > 0 and probe["end"] > 0 and result["machine"]["speed_probe"]


def test_city_peer_agrees_with_aigeo(bench):
    _, result, _ = bench
    city = result["peers"]["city"]
    assert city.get("identical") is True, city
    assert city["city_years"] > 0 and city["pairs"] > 0
    ingest = result["peers"]["ingest"]
    assert ingest["ours_works"] > 0 and ingest["bare_orjson_works_per_s"] > 0, ingest


def test_the_reading_of_the_parts_is_measured_once_per_part(bench):
    """The full run's reading of the parts (raw_works' ``extracted_lines``, ``extract_cpu_s``, summed
    by the bench): every line of the first run's snapshot, each part read once over both workers."""
    _, result, _ = bench
    measured = result["measured"]
    assert measured["ingest_parse_lines"] == result["new_year_copy"]["base_works_lines"]
    assert measured["ingest_parse_cpu_s"] > 0 and measured["ingest_parse_lines_per_cpu_s"] > 0
    assert "ingest_parse_per_core" in result["goals_met_at_this_scale"]


def test_new_year_by_cause_by_hand():
    """Five runs of a refresh that added 2019 to a full run of 2016-2018: the year's own ingest, a
    window (2018-2019), every year again (2016-2019, in two ranges), an all-years table, and a
    check-only run of the new year."""
    full_run = _full_run_script()
    full = [("raw_works", y) for y in ("2016", "2017", "2018")] + [("out_disruption", y) for y in ("2016", "2017", "2018")] \
        + [("out_city_year_metrics", y) for y in ("2016", "2017", "2018")] + [("core_author_years", None)]
    new = [("raw_works", "2019"), ("out_disruption", "2018"), ("out_disruption", "2019"), ("core_author_years", None)] \
        + [("out_city_year_metrics", y) for y in ("2016", "2017", "2018", "2019")]
    runs = {
        "a": {"label": "ingest[2019]", "assets": ["raw_works"], "partition": "2019", "cpu_s": 10.0},
        "b": {"label": "out_disruption[2018...2019]", "assets": ["out_disruption"], "partition": "2018", "last_partition": "2019", "cpu_s": 4.0},
        "c": {"label": "city[2016...2017]", "assets": ["out_city_year_metrics"], "partition": "2016", "last_partition": "2017", "cpu_s": 2.0},
        "d": {"label": "city[2018...2019]", "assets": ["out_city_year_metrics"], "partition": "2018", "last_partition": "2019", "cpu_s": 2.0},
        "e": {"label": "core_author_years", "assets": ["core_author_years"], "partition": None, "cpu_s": 3.0},
        "f": {"label": "raw_works_primary_keys[2019]", "assets": [], "partition": "2019", "cpu_s": 1.0},
    }
    got = full_run.new_year_by_cause(runs, full, new)
    assert {c: (v["cpu_s"], v["runs"]) for c, v in got.items()} == {
        "new_year": (11.0, 2), "windows": (4.0, 1), "every_year": (4.0, 2), "all_years_tables": (3.0, 1)}
    assert got["every_year"]["share"] == pytest.approx(4 / 22, abs=1e-4)
    assert [r["run"] for r in got["new_year"]["largest"]] == ["ingest[2019]", "raw_works_primary_keys[2019]"]


def test_run_timeline_by_hand():
    """Three runs on two workers: a 100-110, b 105-115, c 120-122 (seconds since the epoch)."""
    full_run = _full_run_script()
    runs = {"a": {"started_at": 100.0, "wall_s": 10.0, "label": "a", "worker_pid": 1, "after_s": 0.5},
            "b": {"started_at": 105.0, "wall_s": 10.0, "label": "b", "worker_pid": 2},
            "c": {"started_at": 120.0, "wall_s": 2.0, "label": "c", "worker_pid": 1, "after_s": 0.25}}
    got = full_run.run_timeline(runs, workers=2, longest=2)
    assert got["span_s"] == 22.0
    assert got["seconds_with_busy_workers"] == {"0": 5.0, "1": 12.0, "2": 5.0}
    assert got["idle_worker_s"] == 2 * 5.0 + 1 * 12.0
    assert [r["label"] for r in got["longest_runs"]] == ["a", "b"] and got["longest_runs"][1] == {"label": "b", "start_s": 5.0, "end_s": 15.0}
    assert got["between_runs_s"] == {"total": 10.0, "median": 10.0, "after_run_total": 0.8}  # worker 1: a ends 110, c starts 120
    assert full_run.run_timeline({"x": {"wall_s": 1.0}}, workers=2) is None  # stats written before start times were kept
