"""The whole study at the size of the paper, then a new year added (issue 13, "Goals").

``benchmarks/full_run.py [--scale paper|demo|tiny]`` (``make bench-full``: paper scale):

1. **The world**, generated once and cached: ``aigeo world --scale <scale>`` into
   ``<world-data>/sources/sample-<scale>-<seed>`` (default: the repo's ``data/``), reused when present.
2. **A new year**, prepared once beside the world (``sample-<scale>-<seed>-newyear/``): the world's works
   with its last year held back (``base/``: every part rewritten without that year's lines, lines whose
   year cannot be read stay in the base) and that year's works as a new ``updated_date=<later>`` folder
   (``new/``), with a manifest for each state. Parts are read with the snapshot reader, so a corrupt gzip
   stretch the world plants is not carried into the copy (its quarantine row is the one difference).
   Run 1: the full study on the base (``AIGEO_END_YEAR=<last-1>``); run 2: the new folder linked in,
   ``AIGEO_END_YEAR=<last>``, and ``aigeo run --refresh`` (or, where the command has no ``--refresh``,
   ``aigeo run --years <last>``: that year's runs and the unpartitioned ones only, so earlier years whose
   citation windows reach into the new year are not redone; the results say which was used).
3. **Per stage** (a stage is an asset group): wall seconds (sum of the step walls, STEP_START to
   STEP_SUCCESS/FAILURE, from the Dagster event log), CPU seconds and peak RSS (from ``aigeo run --stats``
   per run when the command has it, apportioned to a run's groups by step wall; otherwise the run
   process's CPU apportioned by step wall, and no per-stage peak), rows (``dagster/row_count`` of the
   materializations), bytes on disk (the files of the group's tables), and the ratio to a peer computed
   in the same process on the same files: DuckDB for the 2-year impact of every city-year and the
   city-to-city impact pairs (checked identical to aigeo's functions), pyarrow.json and bare orjson for
   ingest. The ingest goal is measured twice: the whole stage (``raw_works`` rows per CPU-second of the
   ingest group, ``ingest_per_core``) and the reading of the parts alone, every line parsed,
   quarantined or counted and each part's extract stored (the lines and CPU-seconds that
   ``raw_works``' metadata gives, ``extracted_lines`` and ``extract_cpu_s``, summed over the full run:
   ``ingest_parse_per_core``).
4. Output: a table on stdout and ``results/full_run_<scale>.json`` (written after each step, so a run that
   is killed leaves what was done; ``"complete": false`` until the end), with the issue's goals beside
   the measured figures, the machine and the git commit. ``machine.speed_probe_cpu_s`` holds the
   CPU-seconds of a fixed workload (``results_file.speed_probe``) taken before run 1 and after the
   last run: the project's machine ran the same code at up to twice the CPU-seconds from one hour to
   the next, so two results compare by their figures over their probes, not by their seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

from results_file import speed_probe  # noqa: E402

GOALS = {
    "full_run_wall_s_max": 15 * 60,
    "full_run_peak_rss_bytes_max": 8 * 2**30,
    "new_year_share_of_full_run_max": 0.10,
    "ingest_works_per_s_per_core_min": 30_000,
}
CITATION_COLUMNS = [
    "cited_in_corpus", "cited_year", "citing_year", "citing_in_corpus", "citing_city_geonames_id", "cited_city_geonames_id",
]
CACHE_FOLDERS = ("_part_extracts", "_year_split", "_pubmed_parsed")
NEW_FOLDER_LAG = dt.timedelta(days=30)


# ---------------------------------------------------------------------------------------- results


class Results:
    """The JSON written after every step (temporary file, then rename)."""

    def __init__(self, path: Path, payload: dict):
        self.path = path
        self.payload = payload
        self.write()

    def set(self, key: str, value) -> None:
        self.payload[key] = value
        self.write()

    def write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        # the repo's own folder is left out of paths (results name data/..., never this machine's tree)
        tmp.write_text(json.dumps(self.payload, indent=2, default=str).replace(str(REPO) + "/", "") + "\n")
        tmp.replace(self.path)


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO, capture_output=True, text=True, timeout=30)
        return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "") if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def _machine() -> dict:
    mem = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
    except OSError:
        pass
    return {"platform": platform.platform(), "python": platform.python_version(), "cores": os.cpu_count(), "ram_bytes": mem}


# ---------------------------------------------------------------------------------------- the world


def ensure_world(scale: str, seed: int, world_data: Path) -> Path:
    """The sample world's folder, generated by ``aigeo world`` when it is not there yet."""
    root = world_data / "sources" / f"sample-{scale}-{seed}"
    if (root / "truth.json").is_file():
        return root
    if root.exists():
        sys.exit(f"{root.name} exists without truth.json: it is being generated (or was cut short); wait or remove it")
    env = {**os.environ, "AIGEO_DATA_DIR": str(world_data)}
    print(f"generating the {scale} world (once) ...", flush=True)
    subprocess.run([sys.executable, "-m", "aigeo_assets.cli", "world", "--scale", scale, "--seed", str(seed)], env=env, cwd=REPO, check=True)
    return root


def _split_part(src: str, base_out: str, held_out: str, last_year: int) -> tuple[int, int]:
    """Copy part ``src`` to ``base_out`` without the lines of ``last_year``, which go to ``held_out``;
    return (base lines, held-back lines). Lines are copied as they are (the gzip is new)."""
    from aigeo_assets.ingest.quarantine import Quarantine
    from aigeo_assets.ingest.snapshot import iter_lines
    from aigeo_assets.ingest.work_record import year_of_line

    kept = held = 0
    tmp = Path(base_out).with_name(Path(base_out).name + ".tmp")
    with gzip.open(tmp, "wb", compresslevel=1) as out, gzip.open(held_out, "wb", compresslevel=1) as new:
        for _, line in iter_lines(Path(src), Quarantine()):
            line = line.rstrip(b"\n") + b"\n"
            if year_of_line(line) == last_year:
                new.write(line)
                held += 1
            else:
                out.write(line)
                kept += 1
    tmp.replace(base_out)
    return kept, held


def _manifest(entries: list[tuple[str, Path, int]]) -> bytes:
    """An OpenAlex manifest of ``(folder name, part, record count)``."""
    items = [
        {"url": f"s3://openalex/data/works/{folder}/{part.name}", "meta": {"content_length": part.stat().st_size, "record_count": n}}
        for folder, part, n in entries
    ]
    meta = {"content_length": sum(i["meta"]["content_length"] for i in items), "record_count": sum(i["meta"]["record_count"] for i in items)}
    return json.dumps({"entries": items, "meta": meta}, indent=2).encode() + b"\n"


def prepare_new_year(world: Path, last_year: int, workers: int) -> dict:
    """The world's works split into the base (years other than ``last_year``) and a new
    ``updated_date`` folder holding ``last_year`` (cached beside the world, ``-newyear``)."""
    from aigeo_assets.ingest.snapshot import list_entity_files

    cache = world.parent / f"{world.name}-newyear"
    stamp = cache / "READY.json"
    if stamp.is_file():
        return json.loads(stamp.read_text())
    started = time.perf_counter()
    if cache.exists():
        shutil.rmtree(cache)
    files = list_entity_files(world / "data", "works").parts
    dates = sorted(p.parent.name.split("=", 1)[1] for p in files)
    new_date = (dt.date.fromisoformat(dates[-1]) + NEW_FOLDER_LAG).isoformat()
    new_folder = f"updated_date={new_date}"
    jobs = []
    for p in files:
        out = cache / "base" / p.parent.name / p.name
        out.parent.mkdir(parents=True, exist_ok=True)
        jobs.append((p, out))
    held_dir = cache / "held"
    held_dir.mkdir(parents=True)
    base_entries, held_parts = [], []
    with ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(_split_part, str(p), str(out), str(held_dir / f"{i:05d}.gz"), last_year) for i, (p, out) in enumerate(jobs)]
        for i, ((p, out), fut) in enumerate(zip(jobs, futures)):
            kept, held = fut.result()
            base_entries.append((p.parent.name, out, kept))
            held_parts.append((held_dir / f"{i:05d}.gz", held))
    # the new folder: as many parts as one updated_date folder of the world has, each the
    # concatenation of some held-back shards (a gzip file may hold several members)
    n_new_parts = max(1, len(files) // len(set(dates)))
    new_entries = []
    (cache / "new" / new_folder).mkdir(parents=True, exist_ok=True)
    for k in range(n_new_parts):
        part = cache / "new" / new_folder / f"part_{k:03d}.gz"
        tmp = part.with_name(part.name + ".tmp")
        count = 0
        with open(tmp, "wb") as out:
            for shard, n in held_parts[k::n_new_parts]:
                with open(shard, "rb") as fh:
                    shutil.copyfileobj(fh, out)
                count += n
        tmp.replace(part)
        new_entries.append((new_folder, part, count))
    shutil.rmtree(held_dir)
    (cache / "base.manifest").write_bytes(_manifest(base_entries))
    (cache / "full.manifest").write_bytes(_manifest(base_entries + new_entries))
    info = {
        "last_year": last_year,
        "new_folder": new_folder,
        "base_parts": len(base_entries),
        "base_works_lines": sum(n for *_, n in base_entries),
        "new_parts": len(new_entries),
        "new_year_works": sum(n for *_, n in new_entries),
        "prepared_in_s": round(time.perf_counter() - started, 1),
    }
    tmp = stamp.with_name("READY.json.tmp")
    tmp.write_text(json.dumps(info, indent=2))
    tmp.replace(stamp)
    return info


def build_run_snapshot(world: Path, cache: Path, snapshot: Path) -> None:
    """``snapshot/data``: the world's other entities and the base works parts, with the base manifest."""
    from aigeo_assets.resources.warehouse_files import link_or_copy

    if snapshot.exists():
        shutil.rmtree(snapshot)
    data = snapshot / "data"
    for entity in (world / "data").iterdir():
        if entity.name == "works":
            continue
        for f in entity.rglob("*"):
            if f.is_file():
                link_or_copy(f, data / f.relative_to(world / "data"))
    works = data / "works"
    for f in (cache / "base").rglob("part_*"):
        link_or_copy(f, works / f.relative_to(cache / "base"))
    shutil.copyfile(cache / "base.manifest", works / "manifest")


def add_new_year(cache: Path, snapshot: Path) -> None:
    from aigeo_assets.resources.warehouse_files import link_or_copy

    works = snapshot / "data" / "works"
    for f in (cache / "new").rglob("part_*"):
        link_or_copy(f, works / f.relative_to(cache / "new"))
    tmp = works / ".manifest.tmp"
    shutil.copyfile(cache / "full.manifest", tmp)
    tmp.replace(works / "manifest")


# ---------------------------------------------------------------------------------------- running


def _process_tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and every descendant (workers of a multiprocess executor too)."""
    from aigeo_assets.resources.warehouse_files import proc_stat_fields

    parent: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        fields = proc_stat_fields(int(entry.name))
        if fields and len(fields) > 21:
            parent[int(entry.name)] = int(fields[1])
            rss[int(entry.name)] = int(fields[21])
    children = defaultdict(list)
    for pid, ppid in parent.items():
        children[ppid].append(pid)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, ()))
    return total * os.sysconf("SC_PAGE_SIZE")


def run_aigeo(args: list[str], env: dict, log: Path, progress=None, every_s: float = 60.0) -> dict:
    """``aigeo <args>`` as a child process: exit code, wall, CPU of the process and its reaped
    descendants, the largest RSS of one process, and the peak RSS of the whole process tree
    (sampled each second). ``progress(figures so far)`` is called every ``every_s`` seconds while it runs."""
    log.parent.mkdir(parents=True, exist_ok=True)
    shown = "aigeo " + " ".join(a.replace(str(log.parent), "<work>") for a in args)  # no machine path in the results
    started = time.perf_counter()
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "aigeo_assets.cli", *args], env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
        peak = [0]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(1.0):
                peak[0] = max(peak[0], _process_tree_rss(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        last_report = time.perf_counter()
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(1.0)
            if progress is not None and time.perf_counter() - last_report >= every_s:
                last_report = time.perf_counter()
                progress({
                    "command": shown, "exit_code": None, "wall_s": round(last_report - started, 2),
                    "cpu_s": 0.0, "max_process_rss_bytes": 0, "peak_tree_rss_bytes": peak[0], "log_tail": [],
                })
        proc.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        sampler.join()
    return {
        "command": shown,
        "exit_code": proc.returncode,
        "wall_s": round(time.perf_counter() - started, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "max_process_rss_bytes": usage.ru_maxrss * 1024,
        "peak_tree_rss_bytes": peak[0],
        "log_tail": log.read_text(errors="replace").splitlines()[-6:],
    }


def run_options() -> set[str]:
    """Which of ``--stats`` and ``--refresh`` this ``aigeo run`` has (both are being added)."""
    out = subprocess.run([sys.executable, "-m", "aigeo_assets.cli", "run", "--help"], cwd=REPO, capture_output=True, text=True)
    return {flag for flag in ("--stats", "--refresh") if flag in out.stdout}


# ---------------------------------------------------------------------------------------- the event log


def asset_groups(env: dict) -> dict[str, str]:
    """Asset key -> group, from the code location these settings make."""
    from aigeo_assets.code_location import build_definitions
    from aigeo_assets.resources.settings import Settings

    defs = build_definitions(Settings.from_env(env))
    return {spec.key.to_user_string(): spec.group_name or "default" for spec in defs.resolve_all_asset_specs()}


def partitioned_jobs(env: dict) -> list[str]:
    """The jobs of the code location these settings make that are partitioned (by year)."""
    from aigeo_assets.code_location import build_definitions
    from aigeo_assets.resources.settings import Settings

    defs = build_definitions(Settings.from_env(env))
    return [j.name for j in defs.resolve_all_job_defs() if j.partitions_def is not None]


def read_runs(home: Path, run_ids: set[str] | None = None) -> tuple[set[str], list[dict]]:
    """Every run of the instance (ids), and for ``run_ids`` (default: all) its steps from the event
    log: wall from STEP_START to STEP_SUCCESS/STEP_FAILURE, the (asset, partition, rows) it materialized."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(home)) as instance:
        all_ids = {r.run_id for r in instance.get_runs()}
        runs = []
        for run_id in sorted(run_ids if run_ids is not None else all_ids):
            run = instance.get_run_by_id(run_id)
            starts: dict[str, float] = {}
            steps: dict[str, dict] = {}
            for entry in instance.all_logs(run_id):
                ev = entry.dagster_event
                if ev is None or ev.step_key is None:
                    continue
                step = steps.setdefault(ev.step_key, {"step": ev.step_key, "wall_s": 0.0, "status": None, "materialized": []})
                kind = ev.event_type_value
                if kind == "STEP_START":
                    starts[ev.step_key] = entry.timestamp
                elif kind in ("STEP_SUCCESS", "STEP_FAILURE") and ev.step_key in starts:
                    step["wall_s"] += entry.timestamp - starts.pop(ev.step_key)
                    step["status"] = kind
                elif kind == "ASSET_MATERIALIZATION":
                    mat = ev.step_materialization_data.materialization
                    rows = mat.metadata.get("dagster/row_count")
                    step["materialized"].append((mat.asset_key.to_user_string(), mat.partition, getattr(rows, "value", None)))
                    if mat.asset_key.to_user_string() == "raw_works":  # the parts this year's scan read (aigeo's PartsMade)
                        made = [getattr(mat.metadata.get(k), "value", None) for k in ("extracted_lines", "extract_cpu_s")]
                        step.setdefault("extracted", []).append(made)
            runs.append({
                "run_id": run_id,
                "job": run.job_name if run else None,
                "partition": run.tags.get("dagster/partition") if run else None,
                "status": run.status.value if run else None,
                "steps": list(steps.values()),
            })
    return all_ids, runs


def read_stats(path: Path) -> tuple[dict[str, dict], dict | None]:
    """``aigeo run --stats`` lines by run id, and the total line."""
    per_run, total = {}, None
    if path.is_file():
        for line in path.read_text().splitlines():
            if line.strip():
                rec = json.loads(line)
                if rec.get("kind") == "total":
                    total = rec
                elif rec.get("run_id"):
                    per_run[rec["run_id"]] = rec
    return per_run, total


def stage_figures(runs: list[dict], groups: dict[str, str], stats: dict[str, dict], phase: dict) -> tuple[dict, list]:
    """Per group: wall, CPU (from the run's stats, else the phase's CPU; apportioned by step wall),
    peak RSS (largest of the runs it ran in, with stats), rows; and every (asset, partition) made."""
    stages: dict[str, dict] = defaultdict(lambda: {"wall_s": 0.0, "cpu_s": 0.0, "peak_rss_bytes": None, "rows": 0, "materializations": 0, "runs": 0})
    made = []
    total_wall = sum(s["wall_s"] for r in runs for s in r["steps"]) or 1.0
    for run in runs:
        run_wall = sum(s["wall_s"] for s in run["steps"]) or 1.0
        st = stats.get(run["run_id"])
        touched = set()
        for step in run["steps"]:
            if step["status"] is None and not step["materialized"]:
                continue  # still running (a partial report)
            names = {groups.get(a, "unknown") for a, _, _ in step["materialized"]} or {"(no materialization: " + step["step"] + ")"}
            share = 1.0 / len(names)
            for g in names:
                touched.add(g)
                s = stages[g]
                s["wall_s"] += step["wall_s"] * share
                if st is not None:
                    s["cpu_s"] += st.get("cpu_s", 0.0) * step["wall_s"] / run_wall * share
                else:
                    s["cpu_s"] += phase["cpu_s"] * step["wall_s"] / total_wall * share
            for asset, partition, rows in step["materialized"]:
                g = groups.get(asset, "unknown")
                stages[g]["rows"] += int(rows or 0)
                stages[g]["materializations"] += 1
                made.append((asset, partition))
        for g in touched:
            stages[g]["runs"] += 1
            if st is not None and st.get("peak_rss_bytes"):
                stages[g]["peak_rss_bytes"] = max(stages[g]["peak_rss_bytes"] or 0, st["peak_rss_bytes"])
    for s in stages.values():
        s["wall_s"], s["cpu_s"] = round(s["wall_s"], 2), round(s["cpu_s"], 2)
    return dict(stages), made


def run_timeline(per_run: dict[str, dict], workers: int, longest: int = 12) -> dict | None:
    """When the runs ran (``aigeo run --stats``'s ``started_at`` and ``wall_s``): the seconds during
    which 0, 1, ... workers were busy, the workers' idle seconds between the first start and the last
    end, the time between one run's end and the next run's start on the same worker
    (``between_runs_s``; of it ``after_run_total`` the workers' own ``after_s``: check results read,
    memory given back), the workers replaced after a run for the memory they held
    (``workers_retired``, ``AIGEO_WORKER_MAX_RSS_MB``), and the longest runs with their start and end
    (seconds from the first start), which show the chain the wall time waits on."""
    spans = sorted((r["started_at"], r["started_at"] + r["wall_s"], r.get("label", "")) for r in per_run.values() if r.get("started_at"))
    if not spans:
        return None
    t0, t1 = spans[0][0], max(e for _, e, _ in spans)
    events = sorted([(s, 1) for s, _, _ in spans] + [(e, -1) for _, e, _ in spans])
    busy: dict[int, float] = defaultdict(float)
    level, at = 0, t0
    for t, step in events:
        busy[level] += t - at
        level, at = level + step, t
    idle = sum((workers - k) * secs for k, secs in busy.items() if k < workers)
    top = sorted(spans, key=lambda s: s[0] - s[1])[:longest]
    by_worker: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for r in per_run.values():
        if r.get("started_at") and r.get("worker_pid"):
            by_worker[r["worker_pid"]].append((r["started_at"], r["started_at"] + r["wall_s"]))
    for spans_of in by_worker.values():
        spans_of.sort()
    gaps = sorted(b[0] - a[1] for spans_of in by_worker.values() for a, b in zip(spans_of, spans_of[1:]))
    return {
        "span_s": round(t1 - t0, 1),
        "seconds_with_busy_workers": {str(k): round(v, 1) for k, v in sorted(busy.items())},
        "idle_worker_s": round(idle, 1),
        "between_runs_s": {"total": round(sum(gaps), 1), "median": round(gaps[len(gaps) // 2], 2) if gaps else None,
                           "after_run_total": round(sum(r.get("after_s", 0.0) for r in per_run.values()), 1)},
        "workers_retired": sum(bool(r.get("worker_retired")) for r in per_run.values()),
        "longest_runs": [{"label": lbl, "start_s": round(s - t0, 1), "end_s": round(e - t0, 1)} for s, e, lbl in sorted(top)],
    }


NEW_YEAR_CAUSES = ("new_year", "windows", "every_year", "all_years_tables")
"""Why a run of the new year's refresh ran, narrowest first (``new_year_by_cause``)."""


def new_year_by_cause(per_run: dict[str, dict], full_made: list, new_made: list, largest: int = 6) -> dict:
    """The new year's runs (``aigeo run --stats`` records) by why they ran, from what each of their
    assets wrote in the full run (``full_made``) and in the refresh (``new_made``), ``(asset,
    partition)`` pairs: ``new_year`` when an asset wrote only partitions the full run did not have,
    ``windows`` when it also wrote some earlier partitions, ``every_year`` when it wrote every
    partition the full run had again (AlShebli et al. 2022's career-wide AI-scientist flag), and
    ``all_years_tables`` for an unpartitioned asset (a table or model over every year). A run counts
    once, under the widest cause of its assets; a run that wrote nothing (checks only) by its
    partitions. Per cause: CPU-seconds, share, runs and the largest runs."""
    before: dict[str, set] = defaultdict(set)
    after: dict[str, set] = defaultdict(set)
    for asset, partition in full_made:
        before[asset].add(partition)
    for asset, partition in new_made:
        after[asset].add(partition)
    new_partitions = {p for ps in after.values() for p in ps} - {p for ps in before.values() for p in ps}

    def asset_cause(asset: str) -> str:
        parts = after[asset]
        if None in parts:
            return "all_years_tables"
        if not parts & before[asset]:
            return "new_year"
        return "every_year" if before[asset] <= parts else "windows"

    def run_cause(rec: dict) -> str:
        causes = [asset_cause(a) for a in rec.get("assets", []) if a in after]
        if causes:
            return max(causes, key=NEW_YEAR_CAUSES.index)
        first, last = rec.get("partition"), rec.get("last_partition") or rec.get("partition")
        if first is None:
            return "all_years_tables"
        return "new_year" if {first, last} <= new_partitions else "windows"

    out = {c: {"cpu_s": 0.0, "runs": 0, "largest": []} for c in NEW_YEAR_CAUSES}
    for rec in per_run.values():
        c = out[run_cause(rec)]
        c["cpu_s"] += float(rec.get("cpu_s") or 0.0)
        c["runs"] += 1
        c["largest"].append((rec.get("label", ""), round(float(rec.get("cpu_s") or 0.0), 1)))
    total = sum(c["cpu_s"] for c in out.values())
    for c in out.values():
        c["largest"] = [{"run": lbl, "cpu_s": cpu} for lbl, cpu in sorted(c["largest"], key=lambda x: -x[1])[:largest]]
        c["share"] = round(c["cpu_s"] / total, 4) if total else None
        c["cpu_s"] = round(c["cpu_s"], 2)
    return out


def _file_bytes(path: Path) -> int:
    """Bytes of a file or a folder's files, symbolic links followed (a table is a link into its version)."""
    if path.is_file():
        return path.stat().st_size
    if not path.is_dir():
        return 0
    total = 0
    for root, _, names in os.walk(path, followlinks=False):
        for n in names:
            p = Path(root) / n
            try:
                total += p.stat().st_size
            except OSError:
                pass
    return total


def _unique_bytes(path: Path) -> int:
    """Bytes on disk under ``path``, each inode once, links not followed (``du``)."""
    seen, total = set(), 0
    for root, _, names in os.walk(path):
        for n in names:
            st = os.lstat(Path(root) / n)
            if (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                total += st.st_blocks * 512
    return total


def disk_figures(data: Path, groups: dict[str, str]) -> dict:
    """Bytes per group (its tables), per cache, the whole warehouse, the sources."""
    warehouse = data / "warehouse"
    per_group: dict[str, int] = defaultdict(int)
    for asset, g in groups.items():
        for p in (warehouse / asset, *warehouse.glob(f"{asset}.*")):
            per_group[g] += _file_bytes(p)
    return {
        "per_group": dict(per_group),
        "caches": {c: _unique_bytes(warehouse / c) for c in CACHE_FOLDERS if (warehouse / c).exists()},
        "warehouse_total": _unique_bytes(warehouse) if warehouse.exists() else 0,
        "reports": _unique_bytes(data / "reports") if (data / "reports").exists() else 0,
        "dagster_home": _unique_bytes(data / "dagster_home") if (data / "dagster_home").exists() else 0,
    }


# ---------------------------------------------------------------------------------------- peers


def _best(fn, repeat: int):
    best, out = None, None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        el = time.perf_counter() - t
        best = el if best is None else min(best, el)
    return out, best


def city_peers(warehouse: Path, years: list[int], repeat: int) -> dict:
    """The 2-year impact of every city-year and the city-to-city impact pairs: DuckDB straight from
    ``core_citations/*.parquet`` beside aigeo's ``window_citations``/``impact_pairs`` on the same
    files (what the assets do: per year, the citing-year partitions y..y+2 read into pandas and
    concatenated; only the columns the functions read, as DuckDB reads only those, and three years
    held at a time); both include reading the files. The numbers must be identical."""
    import duckdb
    import pandas as pd

    from aigeo_assets.metrics.cities import ImpactWindows, _count, impact_pairs, window_citations

    windows = ImpactWindows()
    paths = {y: warehouse / "core_citations" / f"{y}.parquet" for y in years}
    paths = {y: p for y, p in paths.items() if p.exists()}
    if not paths:
        return {"skipped": "no core_citations in the warehouse"}
    glob = [str(p) for p in paths.values()]

    def ours_both():
        loaded: dict[int, pd.DataFrame] = {}
        impact, pairs = [], []
        for y in sorted(paths):
            for k in [k for k in loaded if k < y]:
                del loaded[k]
            for k in range(y, y + windows.years + 1):
                if k in paths and k not in loaded:
                    loaded[k] = pd.read_parquet(paths[k], columns=CITATION_COLUMNS)
            window = pd.concat([loaded[k] for k in range(y, y + windows.years + 1) if k in loaded], ignore_index=True)
            counts = _count(window_citations(window, y, windows.years, windows.citing)["cited_city_geonames_id"])
            impact.append(pd.DataFrame({"year": y, "city": counts.index.astype("int64"), "impact": counts.to_numpy()}))
            pairs.append(impact_pairs(y, window, windows))
        return pd.concat(impact, ignore_index=True), pd.concat(pairs, ignore_index=True)

    window_sql = f"cited_in_corpus AND citing_year BETWEEN cited_year AND cited_year + {windows.years}"
    impact_sql = (
        f"SELECT cited_year AS year, cited_city_geonames_id AS city, count(*) AS impact FROM read_parquet($files) "
        f"WHERE {window_sql} AND cited_city_geonames_id IS NOT NULL GROUP BY ALL"
    )
    pairs_sql = (
        "SELECT cited_year AS year, citing_city_geonames_id AS row_city_geonames_id, cited_city_geonames_id AS col_city_geonames_id, "
        f"count(*) AS value FROM read_parquet($files) WHERE {window_sql} GROUP BY ALL"
    )

    def duck_both():
        con = duckdb.connect()
        con.execute("SET threads TO 2")
        return con.execute(impact_sql, {"files": glob}).df(), con.execute(pairs_sql, {"files": glob}).df()

    (o_imp, o_pairs), t_ours = _best(ours_both, repeat)
    (d_imp, d_pairs), t_duck = _best(duck_both, repeat)

    def key(df, cols):
        return df.astype({c: "float64" for c in cols}).sort_values(cols, na_position="first").reset_index(drop=True)

    imp_cols = ["year", "city"]
    pair_cols = ["year", "row_city_geonames_id", "col_city_geonames_id"]
    o_imp_k, d_imp_k = key(o_imp, imp_cols), key(d_imp, imp_cols)
    o_p = key(o_pairs[[*pair_cols, "value"]], pair_cols)
    d_p = key(d_pairs[[*pair_cols, "value"]], pair_cols)
    identical_impact = o_imp_k[imp_cols].equals(d_imp_k[imp_cols]) and (o_imp_k["impact"].to_numpy() == d_imp_k["impact"].to_numpy()).all()
    identical_pairs = o_p[pair_cols].equals(d_p[pair_cols]) and (o_p["value"].to_numpy() == d_p["value"].to_numpy()).all()
    if not (identical_impact and identical_pairs):
        raise AssertionError(f"DuckDB and aigeo disagree: impact identical {identical_impact}, pairs identical {identical_pairs}")
    n_cits = int(duckdb.connect().execute("SELECT count(*) FROM read_parquet($files)", {"files": glob}).fetchone()[0])
    return {
        "input": f"core_citations of {len(paths)} years, {n_cits:,} citations",
        "what": "2-year impact of every city-year and the city-to-city impact pairs, reading included",
        "city_years": len(o_imp),
        "pairs": len(o_pairs),
        "identical": True,
        "ours_s": round(t_ours, 3),
        "duckdb_s": round(t_duck, 3),
        "ratio_ours_to_duckdb": round(t_ours / t_duck, 2) if t_duck else None,
        "repeat": repeat,
    }


def ingest_peers(parts: list[Path], our_works: int, our_wall: float, our_cpu: float) -> dict:
    """pyarrow.json (explicit schema of the fields aigeo reads) and bare orjson over the snapshot's
    parts, beside the works/s of the run's ingest stage."""
    import orjson

    from ingest import bare, pyarrow_json

    t = time.perf_counter()
    n_orjson = bare(parts, orjson.loads)
    t_orjson = time.perf_counter() - t
    t = time.perf_counter()
    n_arrow, failed = pyarrow_json(parts)
    t_arrow = time.perf_counter() - t
    ours = our_works / our_wall if our_wall else None
    return {
        "input": f"{len(parts)} gzip JSON Lines parts",
        "bare_orjson_works_per_s": round(n_orjson / t_orjson),
        "pyarrow_json_works_per_s": round(n_arrow / t_arrow),
        "pyarrow_json_parts_failed": failed,
        "ours_works": our_works,
        "ours_works_per_s_wall": round(ours) if ours else None,
        "ours_works_per_cpu_s": round(our_works / our_cpu) if our_cpu else None,
        "ratio_orjson_to_ours": round((n_orjson / t_orjson) / ours, 2) if ours else None,
        "ratio_pyarrow_to_ours": round((n_arrow / t_arrow) / ours, 2) if ours else None,
        "note": "peers on one core in this process; ours from the run's ingest stage (raw_works rows / stage wall; per CPU second = per core)",
    }


# ---------------------------------------------------------------------------------------- the table


def _gib(n) -> str:
    """Bytes as the table shows them (G, M or K)."""
    if not n:
        return "-"
    for unit, size in (("G", 2**30), ("M", 2**20)):
        if n >= size:
            return f"{n / size:.2f}{unit}"
    return f"{n / 1024:.0f}K"


def print_table(title: str, phase: dict, stages: dict, disk: dict, peers: dict) -> None:
    ratio = {"city_metrics": peers.get("city", {}).get("ratio_ours_to_duckdb"), "ingest": peers.get("ingest", {}).get("ratio_pyarrow_to_ours")}
    peer = {"city_metrics": "duckdb", "ingest": "pyarrow.json"}
    print(f"\n{title}: wall {phase['wall_s']:.1f}s, cpu {phase['cpu_s']:.1f}s, "
          f"peak RSS (process tree) {_gib(phase['peak_tree_rss_bytes'])}, exit {phase['exit_code']}")
    print(f"{'stage':<16}{'wall s':>9}{'cpu s':>9}{'peak RSS':>10}{'rows':>13}{'bytes':>10}  {'peer':<13}{'ratio':>6}")
    for g, s in sorted(stages.items(), key=lambda kv: -kv[1]["wall_s"]):
        r = ratio.get(g)
        print(
            f"{g[:16]:<16}{s['wall_s']:>9.1f}{s['cpu_s']:>9.1f}{_gib(s['peak_rss_bytes']):>10}{s['rows']:>13,}"
            f"{_gib(disk['per_group'].get(g)):>10}  {peer.get(g, '-'):<13}{(f'{r}x' if r else '-'):>6}"
        )
    caches = ", ".join(f"{k} {_gib(v)}" for k, v in disk["caches"].items())
    print(f"warehouse {_gib(disk['warehouse_total'])} ({caches or 'no caches'}); sources {_gib(disk.get('sources'))}")


# ---------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:  # noqa: C901 - the benchmark's script: arguments, then its phases in order, each branch an option
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", default="paper", choices=("tiny", "demo", "paper"))
    ap.add_argument("--seed", type=int, default=20221121)
    ap.add_argument("--world-data", type=Path, default=REPO / "data", help="the data folder whose sources/ caches the world (default: the repo's data/)")
    ap.add_argument("--work", type=Path, help="where the runs' data folder and instance go (default: data/bench-full-<scale>; emptied first)")
    ap.add_argument("--out", type=Path, help="the results JSON (default: benchmarks/results/full_run_<scale>.json)")
    ap.add_argument("--repeat", type=int, default=3, help="best of N for the city peers")
    ap.add_argument("--peer-parts", type=int, default=0, help="ingest peers on the first N parts only (0: all)")
    ap.add_argument("--no-new-year", action="store_true", help="run 1 only")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes preparing the new-year copy")
    ap.add_argument("--report-every", type=float, default=60.0, help="seconds between the partial results written while a run goes on")
    ap.add_argument("--start-year", type=int, help="first year partition (default: the world's first year; later is quicker, for tests)")
    ap.add_argument(
        "--jobs", help="comma-separated jobs run one after another instead of the whole study (`aigeo run --job`; "
        "run 2: partitioned jobs for the new year only), for tests"
    )
    args = ap.parse_args(argv)

    out = args.out or HERE / "results" / f"full_run_{args.scale}.json"
    work = (args.work or REPO / "data" / f"bench-full-{args.scale}").resolve()
    results = Results(out, {
        "benchmark": "full_run",
        "scale": args.scale,
        "seed": args.seed,
        "complete": False,
        "git_commit": _git_commit(),
        "machine": {**_machine(), "speed_probe_cpu_s": {"start": speed_probe()["cpu_s"]}},
        "goals": GOALS,
        "started_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    })

    world = ensure_world(args.scale, args.seed, args.world_data.resolve())
    params = json.loads((world / "truth.json").read_text())["parameters"]
    first, last = int(params["start_year"]), int(params["end_year"])
    if args.start_year is not None:
        if not first <= args.start_year < last:
            sys.exit(f"--start-year {args.start_year}: the world has {first}-{last}, and run 1 needs a year before {last}")
        first = args.start_year
    print(f"world {world.name}: {first}-{last}; preparing the new-year copy (once) ...", flush=True)
    new_year = prepare_new_year(world, last, args.workers)
    results.set("new_year_copy", new_year)
    cache = world.parent / f"{world.name}-newyear"

    if work.exists():
        shutil.rmtree(work)
    data = work / "data"
    home = data / "dagster_home"
    home.mkdir(parents=True)
    snapshot = work / "snapshot"
    build_run_snapshot(world, cache, snapshot)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AIGEO_")},
        "AIGEO_DATA_DIR": str(data),
        "DAGSTER_HOME": str(home),
        "AIGEO_SOURCE": "snapshot",
        "AIGEO_SNAPSHOT_DIR": str(snapshot),
        "AIGEO_START_YEAR": str(first),
        "AIGEO_END_YEAR": str(last - 1),
        "AIGEO_LIFESCI_END_YEAR": str(last - 1),
        "AIGEO_PUBMED_DIR": str(world / "pubmed"),
        "AIGEO_RANKINGS_DIR": str(world / "rankings"),
    }
    options = run_options()
    results.set("aigeo_run_options", sorted(options))
    sources_bytes = {"world": _unique_bytes(world), "new_year_copy": _unique_bytes(cache)}

    phases: dict[str, dict] = {}
    seen: set[str] = set()
    made_by_phase: dict[str, list] = {}  # (asset, partition) each phase wrote: the new year's runs by cause
    peers: dict = {}
    parse_lines, parse_cpu = 0, 0.0  # the reading of the parts in the full run (raw_works metadata)
    jobs = [j for j in (args.jobs or "").split(",") if j]
    refresh = ["--refresh"] if "--refresh" in options else ["--years", str(last)]
    if jobs:
        refresh_mode = f"aigeo run --job J for {', '.join(jobs)} (partitioned ones --years {last})"
        partitioned = set(partitioned_jobs(env))
        plan = [("run1_full", last - 1, [["run", "--job", j] for j in jobs])]
        second = [["run", "--job", j, *(["--years", str(last)] if j in partitioned else [])] for j in jobs]
    else:
        refresh_mode = "aigeo run " + " ".join(refresh)
        plan = [("run1_full", last - 1, [["run"]])]
        second = [["run", *refresh]]
    if "--refresh" not in options and not jobs:
        refresh_mode += f" (this aigeo run has no --refresh: earlier years whose citation windows reach {last} are not redone)"
    if not args.no_new_year:
        plan.append(("run2_new_year", last, second))
    for name, end_year, commands in plan:
        if name == "run2_new_year":
            add_new_year(cache, snapshot)
        env["AIGEO_END_YEAR"] = str(end_year)
        env["AIGEO_LIFESCI_END_YEAR"] = str(end_year)  # the atlas ends with AlShebli et al. 2022, so the new year is new to both
        groups = asset_groups(env)
        per_run, total = {}, None
        calls: list[dict] = []

        def summarize(calls: list[dict], per_run: dict, partial: bool) -> tuple[dict, list, list]:
            phase = {
                "partial": partial,
                "commands": [c["command"] for c in calls],
                "exit_code": next((c["exit_code"] for c in calls if c["exit_code"] != 0), 0),
                "wall_s": round(sum(c["wall_s"] for c in calls), 2),
                "cpu_s": round(sum(c["cpu_s"] for c in calls), 2),
                "max_process_rss_bytes": max(c["max_process_rss_bytes"] for c in calls),
                "peak_tree_rss_bytes": max(c["peak_tree_rss_bytes"] for c in calls),
                "log_tail": calls[-1]["log_tail"],
            }
            if total and len(calls) == 1:
                phase["stats_total"] = total
            workers = int((total or {}).get("workers") or len({r.get("worker_pid") for r in per_run.values()}) or 1)
            phase["timeline"] = run_timeline(per_run, workers)
            all_ids, runs = read_runs(home, None)
            runs = [r for r in runs if r["run_id"] in all_ids - seen]
            stages, made = stage_figures(runs, groups, per_run, phase)
            disk = disk_figures(data, groups)
            disk["sources"] = sources_bytes["world"]
            phase.update({
                "end_year": end_year,
                "cpu_source": "aigeo run --stats per run" if per_run else "the run process's CPU apportioned by step wall",
                "dagster_runs": len(runs),
                "dagster_runs_failed": sum(1 for r in runs if r["status"] not in ("SUCCESS", "STARTED")),
                "step_wall_s": round(sum(s["wall_s"] for r in runs for s in r["steps"]), 2),
                "stages": stages,
                "disk_bytes": disk,
            })
            if name == "run2_new_year":
                by_asset: dict[str, list] = defaultdict(list)
                for asset, partition in made:
                    by_asset[asset].append(partition)
                phase["refresh_mode"] = refresh_mode
                phase["rematerialized"] = {a: sorted(p for p in ps if p is not None) or ["(unpartitioned)"] for a, ps in sorted(by_asset.items())}
                phase["rematerialized_count"] = len(made)
                full = phases["run1_full"]["wall_s"]
                phase["share_of_full_run"] = round(phase["wall_s"] / full, 4) if full else None
                phase["by_cause"] = new_year_by_cause(per_run, made_by_phase.get("run1_full", []), made)
                full_cpu = phases["run1_full"]["cpu_s"]
                own = phase["by_cause"]["new_year"]["cpu_s"] + phase["by_cause"]["windows"]["cpu_s"]
                phase["own_and_windows_share_of_full_run_cpu"] = round(own / full_cpu, 4) if full_cpu else None
            return phase, runs, made

        for i, cmd in enumerate(commands):
            stats_file = work / f"{name}.{i}.stats.jsonl"
            if "--stats" in options:
                cmd = [*cmd, "--stats", str(stats_file)]
            print(f"{name}: aigeo {' '.join(cmd)} (AIGEO_END_YEAR={end_year}) ...", flush=True)

            def progress(running: dict, stats_file=stats_file) -> None:
                try:
                    phase, _, _ = summarize([*calls, running], {**per_run, **read_stats(stats_file)[0]}, True)
                except Exception as exc:  # the instance mid-write: try again at the next report
                    print(f"  (progress not read: {type(exc).__name__}: {exc})", flush=True)
                    return
                phases[name] = phase
                results.set("phases", phases)

            calls.append(run_aigeo(cmd, env, work / f"{name}.{i}.log", progress, args.report_every))
            more, total = read_stats(stats_file)
            per_run.update(more)
            if calls[-1]["exit_code"] != 0:
                break
        phase, runs, made = summarize(calls, per_run, False)
        made_by_phase[name] = made
        stages, disk = phase["stages"], phase["disk_bytes"]
        seen |= {r["run_id"] for r in runs}
        phases[name] = phase
        results.set("phases", phases)

        if name == "run1_full":
            ingest = stages.get("ingest", {})
            works = sum(
                int(rows or 0) for r in runs for s in r["steps"] for a, _, rows in s["materialized"] if a == "raw_works"
            )
            extracted = [m for r in runs for s in r["steps"] for m in s.get("extracted", [])]
            parse_lines, parse_cpu = sum(int(n or 0) for n, _ in extracted), sum(float(c or 0) for _, c in extracted)
            parts = sorted((snapshot / "data" / "works").rglob("part_*"))
            if args.peer_parts:
                parts = parts[: args.peer_parts]
                scale_down = args.peer_parts / max(1, len(list((snapshot / "data" / "works").rglob("part_*"))))
                print(f"ingest peers on {len(parts)} parts ({scale_down:.0%} of the snapshot)", flush=True)
            print("peers: DuckDB on the city metrics ...", flush=True)
            try:
                peers["city"] = city_peers(data / "warehouse", list(range(first, end_year + 1)), args.repeat)
            except Exception as exc:  # a peer that fails is reported, the run's figures stay
                peers["city"] = {"error": f"{type(exc).__name__}: {exc}"}
            results.set("peers", peers)
            print("peers: pyarrow.json and orjson on the snapshot parts ...", flush=True)
            try:
                peers["ingest"] = ingest_peers(parts, works, ingest.get("wall_s", 0.0), ingest.get("cpu_s", 0.0))
            except Exception as exc:
                peers["ingest"] = {"error": f"{type(exc).__name__}: {exc}"}
            results.set("peers", peers)
        print_table(name, phase, stages, disk, peers)
        for cause, c in phase.get("by_cause", {}).items():
            print(f"  {cause:<18}{c['cpu_s']:>9.1f} CPU-s {c['runs']:>4} runs  " + ", ".join(f"{r['run']} {r['cpu_s']}" for r in c["largest"][:3]))
        if phase["exit_code"] != 0:
            print(f"{name} failed (exit {phase['exit_code']}): {' | '.join(phase['log_tail'][-3:])}", flush=True)
            break

    run1 = phases["run1_full"]
    ingest_peer = peers.get("ingest", {})
    measured = {
        "full_run_wall_s": run1["wall_s"],
        "full_run_peak_rss_bytes": run1["peak_tree_rss_bytes"],
        "full_run_ok": run1["exit_code"] == 0,
        "ingest_works_per_cpu_s": ingest_peer.get("ours_works_per_cpu_s"),
        # the reading of the parts alone (every line parsed, quarantined or counted, and its extract
        # stored), from raw_works' metadata; the figure above also holds each year's assembly and writes
        "ingest_parse_lines": parse_lines,
        "ingest_parse_cpu_s": round(parse_cpu, 1),
        "ingest_parse_lines_per_cpu_s": round(parse_lines / parse_cpu) if parse_cpu else None,
    }
    if "run2_new_year" in phases and phases["run2_new_year"]["exit_code"] == 0:
        measured["new_year_share_of_full_run"] = phases["run2_new_year"]["share_of_full_run"]
    met = {
        "full_run_wall": measured["full_run_ok"] and measured["full_run_wall_s"] <= GOALS["full_run_wall_s_max"],
        "full_run_memory": (measured["full_run_peak_rss_bytes"] or 0) <= GOALS["full_run_peak_rss_bytes_max"],
        "ingest_per_core": (measured["ingest_works_per_cpu_s"] or 0) >= GOALS["ingest_works_per_s_per_core_min"],
        "ingest_parse_per_core": (measured["ingest_parse_lines_per_cpu_s"] or 0) >= GOALS["ingest_works_per_s_per_core_min"],
    }
    if "new_year_share_of_full_run" in measured:
        met["new_year"] = (measured["new_year_share_of_full_run"] or 1) <= GOALS["new_year_share_of_full_run_max"]
    probe = speed_probe()
    results.payload["machine"]["speed_probe_cpu_s"]["end"] = probe["cpu_s"]
    results.payload["machine"]["speed_probe"] = probe["workload"]
    results.payload.update({
        "measured": measured,
        "goals_apply": args.scale == "paper",
        "goals_met" if args.scale == "paper" else "goals_met_at_this_scale": met,
        "complete": True,
    })
    results.set("finished_at", dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
    print(f"\ngoals{'' if args.scale == 'paper' else f' (set for the paper scale; this is {args.scale})'}: {json.dumps(met)}")
    print(f"wrote {os.path.relpath(out, REPO) if out.is_relative_to(REPO) else out.name}")
    return 0 if all(p["exit_code"] == 0 for p in phases.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
