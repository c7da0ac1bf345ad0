"""The PubMed parse in CPU per record: the reader before issue 13's intact reader, the reader now and
lxml's bare ``iterparse`` on the same files, in one process (``results/pubmed_parse.json``).

Inputs, each a corpus of its own in the results:

* ``demo``: the demo world's PubMed baseline files (``data/sources/sample-demo-*/pubmed``, generated
  with ``aigeo world --scale demo`` into ``AIGEO_DATA_DIR`` when absent; ``--demo-files`` of them);
* ``paper``: with ``--paper-files N``, the first N files of the paper-scale world
  (``sources/sample-paper-*/pubmed`` under ``AIGEO_DATA_DIR`` or ``data/``, about 25,000 records each;
  skipped when that world is absent: it takes minutes to generate);
* ``real``: every real sample in ``../shared/samples/pubmed`` (baseline ``PubmedArticleSet`` files,
  the 2016 ``MedlineCitationSet`` with its ``DeleteCitation``, E-utilities downloads).

What is timed (CPU seconds, ``time.process_time``; the best of ``--repeat`` per file, the readers
alternated file by file so that each meets the same machine load):

* ``before``: ``parse_pubmed_file`` of git's ``--before-ref`` version of
  ``aigeo_assets/lifesci/pubmed.py`` (every file through the record framer and ``iterparse``),
  imported from a temporary copy;
* ``after``: ``parse_pubmed_file`` now (the intact reader; the framer where a file is not intact);
* ``framer``: ``parse_pubmed_file(reader="framer")`` now, the fallback alone;
* ``peer``: lxml's bare ``iterparse`` over the same bytes (``isal`` inflating), each record element
  counted, cleared and detached, no field read: what parsing alone costs with lxml's own streaming.

Then ``pool``: ``pubmed_files.file_manifest`` (parse into the cache) of the demo files with one
worker and with one per core, in wall and CPU seconds, manifest and quarantine asserted equal.

Before, after and framer give identical tables (asserted per file: the four frames, deleted PMIDs,
versions and counts). Records are citation records (``n_records``: articles, quarantined, superseded,
deleted and out of years). Each corpus also gives its largest file alone: the real samples are
mostly files of one record, where building the four tables of a file costs more than reading it.
Run: ``.venv/bin/python benchmarks/pubmed_parse.py [--repeat 3] [--demo-files 4] [--paper-files 2]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from results_file import repo_path, write_results  # noqa: E402

from aigeo_assets.ingest.records_folder import shared_samples_dir  # noqa: E402
from aigeo_assets.lifesci import pubmed as now  # noqa: E402

BEFORE_REF = "8c92c20"
"""The last commit before the intact reader (issue 13)."""


def reader_at(ref: str, tmp: Path):
    """git's ``ref`` version of ``aigeo_assets/lifesci/pubmed.py``, imported from a copy in ``tmp``."""
    text = subprocess.run(["git", "-C", str(REPO), "show", f"{ref}:aigeo_assets/lifesci/pubmed.py"],
                          check=True, capture_output=True, text=True).stdout
    copy = tmp / "pubmed_before.py"
    copy.write_text(text)
    spec = importlib.util.spec_from_file_location("pubmed_before", copy)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def bare_iterparse(path: Path) -> int:
    """lxml's ``iterparse`` over the file's bytes, each record element cleared and detached: the peer."""
    from isal import igzip
    from lxml import etree

    n = 0
    opener = igzip.open if path.read_bytes()[:2] == b"\x1f\x8b" else open
    with opener(path, "rb") as raw:
        for _, el in etree.iterparse(raw, events=("end",), tag=now._TARGETS, resolve_entities=False,
                                     no_network=True, huge_tree=True):
            n += 1
            el.clear(keep_tail=True)
            parent = el.getparent()
            if parent is not None:
                while el.getprevious() is not None:
                    del parent[0]
    return n


def same_tables(a, b, path: Path) -> None:
    for name in ("articles", "authors", "references", "quarantine"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=f"{path.name} {name}")
    assert (a.deleted_pmids, a.article_versions, a.n_records, a.n_quarantined_records, a.n_superseded, a.n_deleted) \
        == (b.deleted_pmids, b.article_versions, b.n_records, b.n_quarantined_records, b.n_superseded, b.n_deleted), path


def measure(files: list[Path], before, repeat: int) -> dict:
    """Best-of-``repeat`` CPU seconds per reader over ``files`` (alternated file by file)."""
    cpu = time.process_time
    readers = {
        "before": before.parse_pubmed_file,
        "after": now.parse_pubmed_file,
        "framer": lambda f: now.parse_pubmed_file(f, reader="framer"),
        "peer": bare_iterparse,
    }
    seconds = dict.fromkeys(readers, 0.0)
    records = 0
    largest: dict = {}  # the file with the most records: its figures alone (no per-file costs spread thin)
    for path in files:
        best = dict.fromkeys(readers, float("inf"))
        out = {}
        for _ in range(repeat):
            for name, read in readers.items():
                t = cpu()
                out[name] = read(path)
                best[name] = min(best[name], cpu() - t)
        same_tables(out["before"], out["after"], path)
        same_tables(out["framer"], out["after"], path)
        n = out["after"].n_records
        records += n
        for name in readers:
            seconds[name] += best[name]
        if n > largest.get("records", 0):
            largest = {"file": path.name, "records": n,
                       **{f"{k}_us_per_record": round(best[k] / n * 1e6, 1) for k in readers},
                       "after_over_before": round(best["before"] / best["after"], 2)}
    result = {"files": len(files), "bytes": sum(f.stat().st_size for f in files), "records": records}
    for name, s in seconds.items():
        result[name] = {"cpu_seconds": round(s, 3), "us_per_record": round(s / records * 1e6, 1),
                        "records_per_cpu_second": round(records / s)}
    result["after_over_before"] = round(seconds["before"] / seconds["after"], 2)
    result["identical_tables"] = True
    result["largest_file"] = largest
    return result


def pool(files: list[Path], tmp: Path) -> dict:
    """``file_manifest`` (parse and cache every file) with one worker and with one per core, wall and
    CPU seconds (the workers' included), manifest and quarantine asserted equal."""
    import resource
    import shutil

    from aigeo_assets.lifesci import pubmed_files as pf

    def run(workers: int):
        cache = tmp / f"pool{workers}"
        shutil.rmtree(cache, ignore_errors=True)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t_wall, t_cpu = time.perf_counter(), time.process_time()
        manifest, quarantine = pf.file_manifest(files, cache, workers=workers)
        wall, own = time.perf_counter() - t_wall, time.process_time() - t_cpu
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return manifest, quarantine, wall, own + (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

    workers = pf.parse_workers(len(files))
    m1, q1, wall1, cpu1 = run(1)
    mn, qn, walln, cpun = run(workers)
    pd.testing.assert_frame_equal(m1, mn)
    pd.testing.assert_frame_equal(q1, qn)
    print(f"  file_manifest of the demo files: 1 worker {wall1:.1f} s wall ({cpu1:.1f} CPU-s); {workers} workers "
          f"{walln:.1f} s wall ({cpun:.1f} CPU-s); identical manifest and quarantine", flush=True)
    return {"workers": workers, "one_worker_wall_seconds": round(wall1, 2), "one_worker_cpu_seconds": round(cpu1, 2),
            "pool_wall_seconds": round(walln, 2), "pool_cpu_seconds": round(cpun, 2),
            "wall_speedup": round(wall1 / walln, 2), "identical": True}


def demo_files(n: int) -> tuple[Path, list[Path]]:
    """The first ``n`` PubMed files of the demo world (generated first when absent)."""
    from aigeo_assets.sampleworld import generate_world

    data = Path(os.environ.get("AIGEO_DATA_DIR") or REPO / "data")
    found = sorted(data.glob("sources/sample-demo-*/pubmed"))
    folder = found[-1] if found else generate_world(data / "sources" / "sample-demo-20221121", scale="demo") / "pubmed"
    return folder, sorted(folder.rglob("*.xml.gz"))[:n]


def paper_files(n: int) -> tuple[Path | None, list[Path]]:
    """The first ``n`` PubMed files of the paper-scale world, when it is there."""
    data = Path(os.environ.get("AIGEO_DATA_DIR") or REPO / "data")
    found = sorted(data.glob("sources/sample-paper-*/pubmed")) if n else []
    return (found[-1], sorted(found[-1].rglob("*.xml.gz"))[:n]) if found else (None, [])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--demo-files", type=int, default=4, help="demo-world PubMed files (about 5,000 records each)")
    ap.add_argument("--paper-files", type=int, default=0, help="paper-world PubMed files (0: none)")
    ap.add_argument("--before-ref", default=BEFORE_REF, help="git revision of the reader before")
    args = ap.parse_args()
    demo_folder, demo = demo_files(args.demo_files)
    paper_folder, paper = paper_files(args.paper_files)
    samples = shared_samples_dir() / "pubmed"
    real = sorted(p for p in samples.rglob("*") if p.name.endswith((".xml", ".xml.gz"))) if samples.is_dir() else []
    with tempfile.TemporaryDirectory(prefix="bench_pubmed_parse_") as tmp:
        before = reader_at(args.before_ref, Path(tmp))
        corpora = {}
        for name, folder, files in (("demo", demo_folder, demo), ("paper", paper_folder, paper), ("real", samples, real)):
            if not files:
                print(f"  {name}: no files, skipped", flush=True)
                continue
            r = measure(files, before, args.repeat)
            corpora[name] = {"source": repo_path(folder), **r}
            print(f"  {name}: {r['files']} files, {r['records']:,} records; us per record: "
                  + ", ".join(f"{k} {r[k]['us_per_record']}" for k in ("before", "after", "framer", "peer"))
                  + f"; after {r['after_over_before']}x before; records per CPU-s: "
                  + ", ".join(f"{k} {r[k]['records_per_cpu_second']:,}" for k in ("before", "after", "peer"))
                  + "; identical tables", flush=True)
            big = r["largest_file"]
            print(f"    largest file {big['file']} ({big['records']:,} records): us per record before "
                  f"{big['before_us_per_record']}, after {big['after_us_per_record']} ({big['after_over_before']}x), "
                  f"peer {big['peer_us_per_record']}", flush=True)
        parallel = pool(demo, Path(tmp)) if demo else None
    write_results("pubmed_parse", {"repeat": args.repeat, "before_ref": args.before_ref, "corpora": corpora,
                                   "pool": parallel})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
