"""Sample-world generator speed: this generator beside the previous one, on the same machine in one run.

Each run generates a world in a fresh child process and reports wall time, CPU time (the process
and all its children: the render workers and the life-science process), peak RSS (the largest of
the process and its children; each process's own peak, not their sum) and bytes on disk by part
(works JSON Lines, PubMed XML, everything).

  * ``previous`` - the generator at ``--old-rev`` (version 1.3.0: one process, one random stream,
                   gzip level 5), run from ``git archive`` of that commit, at demo scale only
                   (at paper scale it took 40 min on one core and 1.0 GB, the figure issue 13 gives,
                   recorded here as the prior measurement, not re-run);
  * ``peer``     - the generator at ``--peer-rev`` (version 1.4.0: works rendered per year in a
                   process pool, the life-science part in ONE process beside it), from ``git archive``
                   of that commit, at demo scale (and at paper scale with ``--paper-peer``). Its works
                   files (data/, truth.json but its version) must be the current generator's bytes:
                   checked by sha256 at demo scale (``works_bytes_identical``);
  * ``current``  - ``generate_world(..., workers=N)`` from this tree (N: ``--workers``, default the
                   usable CPUs), at demo and, with ``--paper``, at paper scale.

Each run also reports ``works_done_s``, when the last year of works was written (the life-science
part may still be running then): ``wall_s - works_done_s`` is how long the life-science part
outlasted the works.

Goal (issue 13): the paper-scale world in <= 10 min on 2 cores. Writes benchmarks/results/sampleworld.json.
"""

from __future__ import annotations

import argparse
import hashlib
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
# the last commit with the life-science part in one process (GENERATOR_VERSION 1.4.0)
PEER_REV = "2127fcd"
PAPER_PRIOR = {"scale": "paper", "wall_s": 40 * 60, "peak_rss_mb": 1000,
               "source": "issue 13: 'took 40 min on one core (1.0 GB peak)', not re-measured here"}

_DRIVER = r"""
import json, resource, sys, time
from pathlib import Path
from aigeo_assets.sampleworld.generator import generate_world
out, scale, seed, workers = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
kw = {} if workers == "-" else {"workers": int(workers)}
t0 = time.perf_counter()
last = [0.0]
def progress(done, total, label):
    last[0] = time.perf_counter() - t0
generate_world(Path(out), scale, seed, progress=progress, **kw)
wall = time.perf_counter() - t0
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall_s": round(wall, 1), "works_done_s": round(last[0], 1),
                  "cpu_s": round(me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime, 1),
                  "cpu_main_s": round(me.ru_utime + me.ru_stime, 1),
                  "peak_rss_mb": round(max(me.ru_maxrss, kids.ru_maxrss) / 1024)}))
"""


def _bytes(root: Path, sub: str) -> int:
    base = root / sub
    return sum(p.stat().st_size for p in base.rglob("*") if p.is_file()) if base.exists() else 0


def _sha256s(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def works_bytes_identical(a: Path, b: Path) -> bool:
    """The works part of two worlds (everything but the life-science files and the truth's generator
    version) has the same bytes."""
    def works(root: Path) -> dict[str, str]:
        return {k: v for k, v in _sha256s(root).items()
                if not k.startswith(("pubmed/", "rankings/")) and k not in ("truth.json", "truth_lifesci.json")}

    def truth(root: Path) -> dict:
        t = json.loads((root / "truth.json").read_text())
        t["parameters"].pop("generator_version")
        return t

    return works(a) == works(b) and truth(a) == truth(b)


def _code_at(rev: str, dest: Path) -> Path:
    dest.mkdir()
    archive = subprocess.run(["git", "archive", rev, "aigeo_assets", "data/reference"], cwd=REPO,
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


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
    ap.add_argument("--peer-rev", default=PEER_REV)
    ap.add_argument("--skip-peer", action="store_true")
    ap.add_argument("--paper-peer", action="store_true", help="also the peer at paper scale (its own tens of minutes)")
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
            old = _code_at(a.old_rev, tmp / "previous-code")
            fig = run(old, tmp / "previous-demo", "demo", None)
            runs.append({"generator": "previous", "rev": a.old_rev, **fig})
            print(f"previous demo: {fig}", flush=True)
            shutil.rmtree(tmp / "previous-demo")
        peer = None if a.skip_peer else _code_at(a.peer_rev, tmp / "peer-code")
        if not a.skip_demo:
            if peer is not None:
                fig = run(peer, tmp / "peer-demo", "demo", a.workers)
                runs.append({"generator": "peer", "rev": a.peer_rev, **fig})
                print(f"peer demo:     {fig}", flush=True)
            fig = run(REPO, tmp / "current-demo", "demo", a.workers)
            if peer is not None:
                fig["works_bytes_identical"] = works_bytes_identical(tmp / "peer-demo", tmp / "current-demo")
                shutil.rmtree(tmp / "peer-demo")
            runs.append({"generator": "current", **fig})
            print(f"current demo:  {fig}", flush=True)
            shutil.rmtree(tmp / "current-demo")
        if a.paper_peer and peer is not None:
            fig = run(peer, tmp / "peer-paper", "paper", a.workers)
            runs.append({"generator": "peer", "rev": a.peer_rev, **fig})
            print(f"peer paper:    {fig}", flush=True)
            shutil.rmtree(tmp / "peer-paper")
        if a.paper:
            out = a.paper_out.resolve() if a.paper_out else tmp / "current-paper"
            if (out / "truth.json").exists():
                raise SystemExit(f"{out} already holds a world: remove it first to measure the generation")
            fig = run(REPO, out, "paper", a.workers)
            runs.append({"generator": "current", **fig, "kept_at": repo_path(out) if a.paper_out else None})
            print(f"current paper: {fig}", flush=True)
    measured = {(r["generator"], r.get("rev"), r["scale"]) for r in runs}
    previous = RESULTS / "sampleworld.json"
    if previous.exists():  # keep the figures of runs not repeated this time (e.g. demo when only paper ran)
        runs = [r for r in json.loads(previous.read_text()).get("runs", [])
                if (r["generator"], r.get("rev"), r["scale"]) not in measured] + runs
    write_results("sampleworld", {"seed": SEED, "runs": runs, "prior_paper_measurement": PAPER_PRIOR,
                                  "goal": "paper world <= 10 min wall on 2 cores (issue 13)",
                                  "cpus": len(os.sched_getaffinity(0)),
                                  "note": "peak_rss_mb is the largest single process (main, a render worker or "
                                          "the life-science process), not their sum"})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
