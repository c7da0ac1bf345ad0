"""Sample-world generator speed: this generator beside the previous one, on the same machine in one run.

Each run generates a world in a fresh child process and reports wall time, CPU time (the process
and all its children: the render workers and the life-science process), peak RSS (the largest of
the process and its children; each process's own peak, not their sum) and bytes on disk by part
(works JSON Lines, PubMed XML, everything).

  * ``previous`` - the generator at ``--old-rev`` (version 1.3.0: one process, one random stream,
                   gzip level 5), run from ``git archive`` of that commit, at demo scale only
                   (at paper scale it took 40 min on one core and 1.0 GB, the figure issue 13 gives,
                   recorded here as the prior measurement, not re-run);
  * ``current``  - ``generate_world(..., workers=N)`` from this tree (N: ``--workers``, default the
                   usable CPUs), at demo and, with ``--paper``, at paper scale.

Goal (issue 13): the paper-scale world in <= 10 min on 2 cores. Writes benchmarks/results/sampleworld.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from results_file import RESULTS, repo_path, write_results  # noqa: E402

SEED = 20221121
# the last commit with the single-process generator (GENERATOR_VERSION 1.3.0)
OLD_REV = "784f57d"
PAPER_PRIOR = {"scale": "paper", "wall_s": 40 * 60, "peak_rss_mb": 1000,
               "source": "issue 13: 'took 40 min on one core (1.0 GB peak)', not re-measured here"}

_DRIVER = r"""
import json, resource, sys, time
from pathlib import Path
from aigeo_assets.sampleworld.generator import generate_world
out, scale, seed, workers = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
kw = {} if workers == "-" else {"workers": int(workers)}
t0 = time.perf_counter()
generate_world(Path(out), scale, seed, **kw)
wall = time.perf_counter() - t0
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall_s": round(wall, 1),
                  "cpu_s": round(me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime, 1),
                  "cpu_main_s": round(me.ru_utime + me.ru_stime, 1),
                  "peak_rss_mb": round(max(me.ru_maxrss, kids.ru_maxrss) / 1024)}))
"""


def _bytes(root: Path, sub: str) -> int:
    base = root / sub
    return sum(p.stat().st_size for p in base.rglob("*") if p.is_file()) if base.exists() else 0


def run(code_root: Path, out: Path, scale: str, workers: int | None) -> dict:
    """Generate one world with the code under ``code_root`` in a child process; its figures."""
    env = dict(os.environ, PYTHONPATH=str(code_root))
    args = [sys.executable, "-c", _DRIVER, str(out), scale, str(SEED), "-" if workers is None else str(workers)]
    res = subprocess.run(args, env=env, cwd=code_root, capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"generation failed ({scale}, {code_root}):\n{res.stderr[-3000:]}")
    fig = json.loads(res.stdout.strip().splitlines()[-1])
    truth = json.loads((out / "truth.json").read_text())
    fig.update({"scale": scale, "workers": workers, "works": truth["n_works"],
                "in_corpus_citations": truth["citations"]["in_corpus"],
                "bytes_works": _bytes(out, "data/works"), "bytes_pubmed": _bytes(out, "pubmed"),
                "bytes_total": _bytes(out, "")})
    return fig


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old-rev", default=OLD_REV)
    ap.add_argument("--workers", type=int, default=None, help="render workers (default: the usable CPUs)")
    ap.add_argument("--paper", action="store_true", help="also generate the paper-scale world (minutes)")
    ap.add_argument("--paper-out", type=Path, default=None,
                    help="keep the paper world here (e.g. data/sources/sample-paper-20221121) instead of a temp dir")
    ap.add_argument("--skip-previous", action="store_true")
    ap.add_argument("--skip-demo", action="store_true", help="only the paper world (keeps earlier demo figures)")
    a = ap.parse_args(argv)
    runs: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="bench-sampleworld-") as tmp_s:
        tmp = Path(tmp_s)
        if not a.skip_previous:
            old = tmp / "previous-code"
            old.mkdir()
            archive = subprocess.run(["git", "archive", a.old_rev, "aigeo_assets", "data/reference"], cwd=REPO,
                                     capture_output=True, check=True).stdout
            subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
            fig = run(old, tmp / "previous-demo", "demo", None)
            runs.append({"generator": "previous", "rev": a.old_rev, **fig})
            print(f"previous demo: {fig}", flush=True)
            shutil.rmtree(tmp / "previous-demo")
        if not a.skip_demo:
            fig = run(REPO, tmp / "current-demo", "demo", a.workers)
            runs.append({"generator": "current", **fig})
            print(f"current demo:  {fig}", flush=True)
            shutil.rmtree(tmp / "current-demo")
        if a.paper:
            out = a.paper_out.resolve() if a.paper_out else tmp / "current-paper"
            if (out / "truth.json").exists():
                raise SystemExit(f"{out} already holds a world: remove it first to measure the generation")
            fig = run(REPO, out, "paper", a.workers)
            runs.append({"generator": "current", **fig, "kept_at": repo_path(out) if a.paper_out else None})
            print(f"current paper: {fig}", flush=True)
    measured = {(r["generator"], r["scale"]) for r in runs}
    previous = RESULTS / "sampleworld.json"
    if previous.exists():  # keep the figures of runs not repeated this time (e.g. demo when only paper ran)
        runs = [r for r in json.loads(previous.read_text()).get("runs", [])
                if (r["generator"], r["scale"]) not in measured] + runs
    write_results("sampleworld", {"seed": SEED, "runs": runs, "prior_paper_measurement": PAPER_PRIOR,
                                  "cpus": len(os.sched_getaffinity(0)),
                                  "note": "peak_rss_mb is the largest single process (main, a render worker or "
                                          "the life-science process), not their sum"})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
