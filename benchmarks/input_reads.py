"""What the assets' declared inputs leave unread (issue 13: a year's working set follows the corpus,
not the snapshot). For every asset input that names ``columns`` or ``rows`` (``resources.io.ROWS``)
in its metadata, one stored partition of the input's table (``--year``, or the table itself when it is
not partitioned) is read as the asset reads it (``ParquetIOManager``'s load with those columns and
rows) beside the peer, the whole table as an input without them would read it: CPU seconds (best of
``--repeat``, the two alternated), rows and MB held (pandas' deep memory use), side by side.

On the paper world most works are AI papers and their citers, so the rows an input skips are a
smaller share than on a real snapshot, where the AI corpus is a few per cent of a year's works.

Usage: ``python benchmarks/input_reads.py --warehouse data/warehouse [--year 2016] [--repeat 3]
[--name input_reads]``; writes ``benchmarks/results/<name>.json``.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path


REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from results_file import repo_path, write_results  # noqa: E402

from aigeo_assets.definitions import defs  # noqa: E402
from aigeo_assets.resources.io import ROWS, ParquetIOManager, table_path  # noqa: E402


def declared_inputs() -> list[dict]:
    """Each distinct (input table, columns, rows) an asset declares, with the assets that declare it."""
    found: dict[tuple, dict] = {}
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key).assets_def
        for name, upstream in node.keys_by_input_name.items():
            metadata = node.node_def.input_def_named(name).metadata or {}
            columns, rows = metadata.get("columns"), metadata.get(ROWS)
            if not columns and not rows:
                continue
            ident = (upstream.to_user_string(), tuple(columns or ()), repr(rows))
            entry = found.setdefault(ident, {"table": ident[0], "columns": list(columns) if columns else None,
                                             "rows": [list(r) for r in rows] if rows else None, "assets": []})
            if node.node_def.name not in entry["assets"]:
                entry["assets"].append(node.node_def.name)
    return sorted(found.values(), key=lambda e: (e["table"], e["assets"]))


def timed_read(manager: ParquetIOManager, path: Path, columns: list[str] | None, rows: list | None) -> tuple[float, int, float]:
    """CPU seconds, rows and MB held of one read."""
    gc.collect()
    start = time.process_time()
    df = manager._load(path, columns, rows)
    cpu = time.process_time() - start
    return cpu, len(df), float(df.memory_usage(deep=True).sum()) / 2**20


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warehouse", type=Path, default=REPO / "data" / "warehouse")
    parser.add_argument("--year", default="2016", help="the partition read of a partitioned table")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--name", default="input_reads", help="results file name (benchmarks/results/<name>.json)")
    args = parser.parse_args(argv)
    manager = ParquetIOManager(base_dir=str(args.warehouse))
    results = []
    print(f"{'input table':24s} {'read by':34s} {'rows':>17s} {'MB held':>15s} {'CPU-s':>13s}")
    for entry in declared_inputs():
        table = entry["table"]
        path = table_path(args.warehouse, table, args.year)
        if not path.exists():
            path = table_path(args.warehouse, table)
            if not path.exists():
                continue
        whole, asset = [], []
        for _ in range(args.repeat):
            whole.append(timed_read(manager, path, None, None))
            asset.append(timed_read(manager, path, entry["columns"], entry["rows"]))
        w, a = min(whole), min(asset)
        row = {**entry, "partition": path.stem if path.parent.name == table else None,
               "whole": {"cpu_s": round(w[0], 3), "rows": w[1], "mb": round(w[2], 1)},
               "as_read": {"cpu_s": round(a[0], 3), "rows": a[1], "mb": round(a[2], 1)},
               "mb_ratio_whole_to_read": round(w[2] / a[2], 2) if a[2] else None}
        results.append(row)
        readers = ", ".join(entry["assets"])
        print(f"{table:24s} {readers[:34]:34s} {a[1]:>8,d}/{w[1]:<8,d} {a[2]:>7.1f}/{w[2]:<7.1f} {a[0]:>6.2f}/{w[0]:<6.2f}")
    held = sum(r["as_read"]["mb"] for r in results), sum(r["whole"]["mb"] for r in results)
    print(f"MB held, every declared input once: {held[0]:,.0f} as read against {held[1]:,.0f} whole")
    payload = {"warehouse": repo_path(args.warehouse), "year": args.year, "repeat": args.repeat, "inputs": results,
               "total_mb": {"as_read": round(held[0], 1), "whole": round(held[1], 1)}}
    write_results(args.name, payload)
    return payload


if __name__ == "__main__":
    main()
