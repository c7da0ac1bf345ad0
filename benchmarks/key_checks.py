"""The generated primary-key checks (``<table>_primary_key_unique``) on a whole warehouse: ours
(``schemas.key_violations``: DuckDB's hash aggregation on the key columns as Arrow, one thread,
one connection per process) beside the
implementation it replaced (pandas' ``DataFrame.duplicated(keep=False)`` and ``isna``), on the
same key columns, read as the check reads them (``pd.read_parquet`` of the key columns of each
stored partition). Both must give the same counts and examples (the run stops if not).

In the paper-scale run of ``benchmarks/full_run.py`` (run D) the checks took 79 CPU-s, 4.7 % of the
run, most of it on ``raw_references`` and ``core_citations`` (tens of millions of rows keyed on two
work ids).

Usage: ``python benchmarks/key_checks.py [--warehouse data/warehouse] [--tables a,b] [--name key_checks]``;
writes ``benchmarks/results/<name>.json``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from results_file import repo_path, write_results  # noqa: E402

from aigeo_assets.schemas import KEY_EXAMPLES, SCHEMAS, key_violations  # noqa: E402


def pandas_key_violations(df: pd.DataFrame, key: list[str]) -> tuple[int, int, list[dict]]:
    """The check as it was before DuckDB counted it (the peer)."""
    nulls = df[key].isna().any(axis=1)
    dups = df[key].duplicated(keep=False) & ~nulls
    examples = []
    for frame in (df.loc[nulls, key], df.loc[dups, key].drop_duplicates()):
        for row in frame.head(KEY_EXAMPLES - len(examples)).itertuples(index=False):
            examples.append({c: (None if pd.isna(v) else v.item() if isinstance(v, np.generic) else v) for c, v in zip(key, row)})
    return int(nulls.sum()), int(dups.sum()), examples


def stored_files(warehouse: Path, table: str) -> list[Path]:
    """The current parquet files of ``table``: one per year partition, or the unpartitioned one."""
    folder = warehouse / table
    if folder.is_dir():
        return sorted(folder.glob("*.parquet"))
    single = warehouse / f"{table}.parquet"
    return [single] if single.exists() else []


def cpu(fn, *args):
    start = time.process_time()
    out = fn(*args)
    return out, time.process_time() - start


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warehouse", type=Path, default=REPO / "data" / "warehouse")
    parser.add_argument("--tables", help="comma-separated tables (default: every stored table with a primary key)")
    parser.add_argument("--name", default="key_checks", help="results file name (benchmarks/results/<name>.json)")
    args = parser.parse_args(argv)
    wanted = args.tables.split(",") if args.tables else [t for t, s in SCHEMAS.items() if s.primary_key]
    key_violations(pd.DataFrame({"k": pd.array(["a"], dtype="string")}), ["k"])  # DuckDB's import, paid once by a worker
    results = {}
    print(f"{'table':34s} {'files':>5s} {'rows':>12s} {'ours CPU-s':>11s} {'pandas CPU-s':>13s} {'ratio':>6s}")
    for table in wanted:
        files = stored_files(args.warehouse, table)
        if not files:
            continue
        key = list(SCHEMAS[table].primary_key)
        rows = 0
        ours_s = peer_s = 0.0
        for path in files:
            df = pd.read_parquet(path, columns=key)
            rows += len(df)
            ours, t_ours = cpu(key_violations, df, key)
            peer, t_peer = cpu(pandas_key_violations, df, key)
            if ours != peer:
                raise SystemExit(f"{path.name} of {table}: ours {ours} != pandas {peer}")
            ours_s += t_ours
            peer_s += t_peer
        results[table] = {"files": len(files), "rows": rows, "key": key, "ours_cpu_s": round(ours_s, 3),
                          "pandas_cpu_s": round(peer_s, 3), "ratio_pandas_to_ours": round(peer_s / ours_s, 2) if ours_s else None}
        print(f"{table:34s} {len(files):5d} {rows:12,d} {ours_s:11.2f} {peer_s:13.2f} {peer_s / max(ours_s, 1e-9):6.2f}")
    total_ours = sum(r["ours_cpu_s"] for r in results.values())
    total_peer = sum(r["pandas_cpu_s"] for r in results.values())
    print(f"{'total':34s} {'':5s} {'':12s} {total_ours:11.2f} {total_peer:13.2f} {total_peer / max(total_ours, 1e-9):6.2f}")
    payload = {"warehouse": repo_path(args.warehouse), "identical_results": True, "tables": results,
               "total": {"ours_cpu_s": round(total_ours, 2), "pandas_cpu_s": round(total_peer, 2),
                         "ratio_pandas_to_ours": round(total_peer / total_ours, 2) if total_ours else None}}
    write_results(args.name, payload)
    return payload


if __name__ == "__main__":
    main()
