"""CLI: ``python -m aigeo_assets.sampleworld --scale demo --seed 20221121 --out data/sources/sample-demo``."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from aigeo_assets.sampleworld import SCALES, generate_world


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m aigeo_assets.sampleworld", description=__doc__)
    ap.add_argument("--scale", default="demo", choices=sorted(SCALES))
    ap.add_argument("--seed", type=int, default=20221121)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--start-year", type=int, default=None)
    ap.add_argument("--end-year", type=int, default=None)
    ap.add_argument("--workers", type=int, default=None,
                    help="processes rendering the works (default: the usable CPUs; the bytes do not depend on it)")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    root = generate_world(a.out, a.scale, a.seed, a.start_year, a.end_year, workers=a.workers)
    print(f"sample world ({a.scale}, seed {a.seed}) at {root} in {time.perf_counter() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
