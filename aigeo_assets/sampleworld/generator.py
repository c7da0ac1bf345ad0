"""Generate the sample world: a deterministic OpenAlex snapshot directory plus ``truth.json``.

The process streams year by year: the works of one year are drawn, cited to earlier (and
same-year) works through the gravity model, serialised and appended to the open part files of
every ``updated_date`` folder, then dropped. Only compact per-year citation buckets (work index,
city, attractiveness) and author arrays stay in memory.

``generate_world`` runs AlShebli et al. 2022's part (``sampleworld.alshebli``: the works, their institutions and
merged ids, ``truth.json``) and the life-science part of Schmallenbach et al. 2024 (``sampleworld.lifesci``:
the PubMed baseline, the OpenAlex twins, the rankings, ``truth_lifesci.json``), beside each other when there
is more than one CPU, and merges the two parts' manifests.
"""

from __future__ import annotations

import fcntl
import json
import multiprocessing
import os
import shutil
from pathlib import Path

import orjson

from aigeo_assets.cores import die_with_parent, usable_cores
from aigeo_assets.sampleworld import config as cfg
from aigeo_assets.sampleworld.alshebli.common import write_manifest
from aigeo_assets.sampleworld.alshebli.records import NOT_LIFESCI_ROOT_OF  # noqa: F401  (imported from here)
from aigeo_assets.sampleworld.alshebli.world import World
from aigeo_assets.sampleworld.claims import check_claims, realized_claims

PLANT_DISRUPTION = True
"""AlShebli et al. 2022 Supplementary Fig. 3's planted cities (``alshebli.disruption``), passed to the ``World``
that ``generate_world`` makes; the bytes oracle of ``test_sampleworld`` turns it off here to check that the
plant changes nothing but references."""


def _params(scale: str, seed: int, start: int, end: int, lifesci_end: int, lifesci_scale: str | None = None) -> dict:
    params = {"scale": scale, "seed": seed, "start_year": start, "end_year": end, "lifesci_end_year": lifesci_end,
              "generator_version": cfg.GENERATOR_VERSION}
    if lifesci_scale is not None and lifesci_scale != scale:
        params["lifesci_scale"] = lifesci_scale
    return params


def default_workers() -> int:
    """Processes that render works by default: the CPUs this process may run on (1 inside a daemonic
    process, which may not start processes of its own)."""
    if multiprocessing.current_process().daemon:
        return 1
    return usable_cores()


def generate_world(root: Path, scale: str = "demo", seed: int = 20221121, start_year: int | None = None,
                   end_year: int | None = None, progress=None, workers: int | None = None,
                   lifesci_end_year: int | None = None, lifesci_scale: str | None = None) -> Path:
    """Write a sample-world OpenAlex snapshot to ``root`` (idempotent) and return ``root``.
    ``progress(done, total, label)`` is called after each generated year (a progress bar, a log).

    The world is a pure function of (scale, seed, years): ``workers`` (default: the usable CPUs)
    only sets how many processes render the works' records, each year from its own seed, and
    whether the life-science part runs beside them in a process of its own (``workers`` > 1) with
    as many processes rendering its records, each chunk of records from its own seed; the files'
    bytes are the same for any ``workers``.

    The life-science part (PubMed baseline, rankings, OpenAlex twins) covers its own years,
    2000 .. ``lifesci_end_year`` (None: ``lifesci.LIFESCI_END_YEAR`` = 2022, or ``end_year`` when
    later), whatever AlShebli et al. 2022's years; it is part of the world's parameters. ``lifesci_scale``
    (default: ``scale``) sizes the life-science part on its own, e.g. a tiny AlShebli et al. 2022 world with the
    demo's 12,000 AI life-science articles for a test of Schmallenbach et al. 2024's models."""
    from aigeo_assets.sampleworld.lifesci import FIRST_YEAR, LIFESCI_END_YEAR  # here: sampleworld.lifesci imports this module

    if scale not in cfg.SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {sorted(cfg.SCALES)}")
    sc = cfg.SCALES[scale]
    start = sc.start_year if start_year is None else int(start_year)
    end = sc.end_year if end_year is None else int(end_year)
    if end < start:
        raise ValueError(f"end_year {end} < start_year {start}")
    ls_end = max(LIFESCI_END_YEAR, end) if lifesci_end_year is None else int(lifesci_end_year)
    if ls_end < FIRST_YEAR:
        raise ValueError(f"lifesci_end_year {ls_end} < {FIRST_YEAR}, the first life-science year")
    root = Path(root)
    from aigeo_assets.sampleworld.lifesci import LS_SCALES  # here: sampleworld.lifesci imports this module

    ls_scale = scale if lifesci_scale is None else str(lifesci_scale)
    if ls_scale not in LS_SCALES:
        raise ValueError(f"unknown life-science scale {ls_scale!r}; choose one of {sorted(LS_SCALES)}")
    params = _params(scale, int(seed), start, end, ls_end, ls_scale)
    if _is_generated(root, params):
        return root
    root.parent.mkdir(parents=True, exist_ok=True)
    # Several Dagster processes may ask for the world at once: one generates, the others wait.
    with open(root.parent / f".{root.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _is_generated(root, params):
            return root
        n_workers = default_workers() if workers is None else int(workers)
        if multiprocessing.current_process().daemon:
            n_workers = 1  # same bytes, one process
        return _generate(root, sc, params, int(seed), start, end, progress, n_workers, ls_end, ls_scale)


def _is_generated(root: Path, params: dict) -> bool:
    truth_path = root / "truth.json"
    if truth_path.is_file():
        try:
            return json.loads(truth_path.read_text()).get("parameters") == params
        except (OSError, ValueError):
            return False
    return False


def _lifesci_child(root: Path, scale: str, seed: int, start: int, end: int, workers: int = 1, parent_pid: int | None = None) -> None:
    from aigeo_assets.sampleworld.lifesci import generate_lifesci  # here: sampleworld.lifesci imports this module

    if parent_pid is not None:  # its own process: it dies with the generator
        die_with_parent(parent_pid)
    generate_lifesci(root, scale, seed, start, end, workers)


def _merge_manifest(entity_dir: Path, entity: str, extra: list[tuple[str, int]]) -> None:
    """Add the parts ``extra`` (path under ``entity_dir``, records) to ``entity_dir/manifest``."""
    doc = orjson.loads((entity_dir / "manifest").read_bytes())
    prefix = f"s3://openalex/data/{entity}/"
    parts = [(e["url"][len(prefix):], e["meta"]["record_count"]) for e in doc["entries"]]
    write_manifest(entity_dir, entity, parts + extra)


def _merge_lifesci_parts(root: Path) -> None:
    """List the life-science world's OpenAlex parts (the twins' works, their institutions) in the
    works and institutions manifests, after both parts of the world are written."""
    twins = json.loads((root / "truth_lifesci.json").read_text())["openalex_twins"]
    _merge_manifest(root / "data" / "works", "works",
                    [(p["file"].split("data/works/", 1)[1], p["records"]) for p in twins["parts"]])
    ip = twins["institutions_part"]
    _merge_manifest(root / "data" / "institutions", "institutions",
                    [(ip["file"].split("data/institutions/", 1)[1], ip["records"])])


def _generate(root: Path, sc, params: dict, seed: int, start: int, end: int, progress=None, workers: int = 1,
              lifesci_end: int | None = None, lifesci_scale: str | None = None) -> Path:
    from aigeo_assets.sampleworld.lifesci import FIRST_YEAR, LIFESCI_END_YEAR  # here: sampleworld.lifesci imports this module

    ls_start, ls_end = FIRST_YEAR, (LIFESCI_END_YEAR if lifesci_end is None else lifesci_end)
    tmp = root.parent / f".{root.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    lifesci = None
    try:
        # life-science part (Schmallenbach et al. 2024): own random streams, seeded from (seed, "lifesci"), and its own
        # files, so it runs beside the works when there is more than one CPU to run on
        if workers > 1:
            lifesci = multiprocessing.get_context("spawn").Process(
                target=_lifesci_child, args=(tmp, lifesci_scale or sc.name, seed, ls_start, ls_end, workers, os.getpid()), name="sampleworld-lifesci")
            lifesci.start()
        world = World(sc, seed, start, end, tmp, plant_disruption=PLANT_DISRUPTION)
        world.progress = progress
        truth = world.run(workers)
        truth["parameters"] = params
        truth["claims"] = realized_claims(truth)
        check_claims(truth)
        if lifesci is None:
            _lifesci_child(tmp, lifesci_scale or sc.name, seed, ls_start, ls_end)
        else:
            lifesci.join()
            if lifesci.exitcode != 0:
                raise RuntimeError(f"the life-science part of the sample world failed (exit code {lifesci.exitcode})")
            lifesci = None
        _merge_lifesci_parts(tmp)
        (tmp / "truth.json").write_text(json.dumps(truth, indent=1, ensure_ascii=False) + "\n")
        old = None
        if root.exists():
            old = root.parent / f".{root.name}.old-{os.getpid()}"
            root.rename(old)
        tmp.rename(root)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        if lifesci is not None and lifesci.is_alive():
            lifesci.terminate()
            lifesci.join()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return root
