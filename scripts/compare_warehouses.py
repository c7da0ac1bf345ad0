"""Two warehouses, table by table: equal or not, and where they first differ.

``scripts/compare_warehouses.py BEFORE AFTER [--rtol 0]``

A refactor that must not change behaviour (issue 17) is checked by running the same world before and
after it and comparing the two ``data/warehouse`` folders: every table (a ``<name>.parquet``, or a
folder of yearly ``<year>.parquet`` partitions) is read with pyarrow and compared with pandas'
``assert_frame_equal`` (values, dtypes, column order and row order; ``--rtol`` for floats, exact by
default); a fitted model (``<name>.pkl``) by its estimates (``params``, ``bse`` and the other frames
and series it holds) when it has them, else by its pickled bytes. Caches (folders starting with
``_``) are skipped. Exit code 0 when every table is equal, 1 when any differs or is missing on one
side, with one line per difference.
"""

from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

ESTIMATE_ATTRIBUTES = ("params", "bse", "tvalues", "pvalues", "nobs", "coefficients", "table")


def tables(root: Path) -> dict[str, Path]:
    """Every table or model of a warehouse by its relative name (``core_papers/2015``, ``out_city_ranks``)."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part.startswith((".", "_")) for part in rel.parts) or not path.is_file():
            continue
        if path.suffix in (".parquet", ".pkl"):
            out[str(rel.with_suffix(""))] = path
    return out


def _frame(path: Path) -> pd.DataFrame:
    return pq.read_table(path).to_pandas()


def _estimates(obj) -> dict:
    found = {}
    for name in ESTIMATE_ATTRIBUTES:
        try:
            value = getattr(obj, name)
        except Exception:  # a result object may compute an attribute and fail on a degenerate fit
            continue
        if value is not None and not callable(value):
            found[name] = value
    if isinstance(obj, dict):
        for key, value in obj.items():
            found.update({f"{key}.{k}": v for k, v in _estimates(value).items()})
    return found


def compare_one(a: Path, b: Path, rtol: float) -> str | None:
    """None when equal, else the first difference in one line."""
    try:
        if a.suffix == ".parquet":
            pd.testing.assert_frame_equal(_frame(a), _frame(b), check_exact=rtol == 0, rtol=rtol or 1e-5)
            return None
        with a.open("rb") as fa, b.open("rb") as fb:
            ma, mb = pickle.load(fa), pickle.load(fb)
        ea, eb = _estimates(ma), _estimates(mb)
        if not ea:
            return None if a.read_bytes() == b.read_bytes() else "pickled bytes differ (no estimates to compare)"
        if ea.keys() != eb.keys():
            return f"estimates differ in kind: {sorted(ea)} vs {sorted(eb)}"
        for name, va in ea.items():
            vb = eb[name]
            if isinstance(va, pd.DataFrame):
                pd.testing.assert_frame_equal(va, vb, check_exact=rtol == 0, rtol=rtol or 1e-5)
            elif isinstance(va, pd.Series):
                pd.testing.assert_series_equal(va, vb, check_exact=rtol == 0, rtol=rtol or 1e-5)
            elif va != vb:
                return f"{name}: {va!r} vs {vb!r}"
        return None
    except AssertionError as exc:
        return " ".join(str(exc).split())[:300]


def compare(before: Path, after: Path, rtol: float = 0.0) -> list[str]:
    """One line per table that differs or exists on one side only; empty when the warehouses are equal."""
    ta, tb = tables(before), tables(after)
    problems = [f"{name}: only in {before}" for name in sorted(ta.keys() - tb.keys())]
    problems += [f"{name}: only in {after}" for name in sorted(tb.keys() - ta.keys())]
    for name in sorted(ta.keys() & tb.keys()):
        diff = compare_one(ta[name], tb[name], rtol)
        if diff:
            problems.append(f"{name}: {diff}")
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("before", type=Path, help="a warehouse folder (data/warehouse)")
    ap.add_argument("after", type=Path)
    ap.add_argument("--rtol", type=float, default=0.0, help="relative tolerance for floats (default: exact)")
    args = ap.parse_args(argv)
    for folder in (args.before, args.after):
        if not folder.is_dir():
            print(f"compare_warehouses: {folder} is not a folder", file=sys.stderr)
            return 2
    n = len(tables(args.before).keys() | tables(args.after).keys())
    problems = compare(args.before, args.after, args.rtol)
    for line in problems:
        print(line)
    print(f"{n} tables, {len(problems)} differ" if problems else f"{n} tables, all equal")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
