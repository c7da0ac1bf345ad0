"""What the assets' declared inputs leave unread (issue 13: a year's working set follows the corpus,
not the snapshot). For every asset input that names ``columns`` or ``rows`` (``resources.io.ROWS``)
in its metadata, one stored partition of the input's table (``--year``, or the table itself when it is
not partitioned) is read as the asset reads it (``ParquetIOManager``'s load with those columns and
rows) beside the peer, the whole table as an input without them would read it: CPU seconds (best of
``--repeat``, the two alternated), rows and MB held (pandas' deep memory use), side by side.

Then ``core_lifesci_citations``' counts over every year, computed as the asset does with each year's
references and citing texts read whole (the peer, as before issue 13's ``partition_rows``) and with
only the references to the articles and their citers' texts read (``assets.lifesci._citing_years``),
each in a fresh process, alternated: CPU seconds, peak resident memory (VmHWM, reset when the process
starts), and the two tables compared.

On the paper world most works are AI papers and their citers, so the rows an input skips are a
smaller share than on a real snapshot, where the AI corpus is a few per cent of a year's works.

Usage: ``python benchmarks/input_reads.py --warehouse data/warehouse [--year 2016] [--repeat 3]
[--name input_reads]``; writes ``benchmarks/results/<name>.json``.
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import subprocess
import sys
import time
from pathlib import Path


REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from results_file import repo_path, reset_peak_rss, status_mb, write_results  # noqa: E402

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


def lifesci_citations(warehouse: Path, how: str, out: Path) -> dict:
    """``core_lifesci_citations``' table of ``warehouse`` with the years read ``whole`` or ``filtered``
    (written to ``out``), and this process's CPU seconds and peak MB for it."""
    from aigeo_assets.assets.lifesci import _citing_years, _filters
    from aigeo_assets.lifesci.corpus import CLINICAL_INPUT_COLUMNS, cited_ids, lifesci_citation_counts
    from aigeo_assets.resources.analysis import AnalysisSettings
    from aigeo_assets.resources.io import LazyPartitions, concat_partitions, iter_partitions

    manager = ParquetIOManager(base_dir=str(warehouse))

    def lazy(table: str, columns: list[str]) -> tuple[LazyPartitions, list[str]]:
        keys = sorted((p.stem for p in (warehouse / table).glob("*.parquet")), key=int)

        def read(key: str, where=()):
            return manager._load(table_path(warehouse, table, key), columns, list(where) or None)

        return LazyPartitions({k: functools.partial(read, k) for k in keys}), keys

    reset_peak_rss()  # a process's high-water mark starts at its parent's at the fork
    _, clinical = _filters(AnalysisSettings())
    articles = concat_partitions(lazy("core_lifesci_articles", ["article_id", "pmid", "work_id"])[0])
    pm_records, pm_keys = lazy("raw_pubmed_articles", CLINICAL_INPUT_COLUMNS)
    pm_refs, _ = lazy("raw_pubmed_references", ["pmid", "cited_pmid"])
    works, oa_keys = lazy("raw_works", ["work_id", "title", "abstract"])
    refs, _ = lazy("raw_references", ["citing_work_id", "cited_work_id"])
    start = time.process_time()
    if how == "whole":
        pubmed_years = zip(iter_partitions(pm_records), iter_partitions(pm_refs))
        openalex_years = zip(iter_partitions(works), iter_partitions(refs))
    else:
        pmids, work_ids = cited_ids(articles)
        pubmed_years = _citing_years(pm_keys, pm_records, pm_refs, ("cited_pmid", pmids), ("pmid", "pmid"))
        openalex_years = _citing_years(oa_keys, works, refs, ("cited_work_id", work_ids), ("citing_work_id", "work_id"))
    df = lifesci_citation_counts(articles, pubmed_years, openalex_years, clinical, None)
    cpu = time.process_time() - start
    df.to_parquet(out)
    return {"cpu_s": round(cpu, 2), "peak_mb": round(status_mb("VmHWM") or 0),
            "articles": len(df), "citations": int(df["citations"].sum())}


def compare_lifesci_citations(warehouse: Path, repeat: int) -> dict:
    """The two reads of ``lifesci_citations``, each in its own process, alternated ``repeat`` times;
    stops unless their tables are equal."""
    import pandas as pd
    import tempfile

    runs: dict[str, list[dict]] = {"whole": [], "filtered": []}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeat):
            for how in runs:
                code = (f"import sys, json; sys.path.insert(0, {str(REPO / 'benchmarks')!r}); from pathlib import Path; "
                        f"from input_reads import lifesci_citations; "
                        f"print(json.dumps(lifesci_citations(Path({str(warehouse)!r}), {how!r}, Path({tmp!r}) / {how + '.parquet'!r})))")
                done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
                runs[how].append(json.loads(done.stdout.strip().splitlines()[-1]))
        pd.testing.assert_frame_equal(pd.read_parquet(Path(tmp) / "whole.parquet"), pd.read_parquet(Path(tmp) / "filtered.parquet"))
    for how, got in runs.items():
        print(f"core_lifesci_citations, years read {how:8s}: CPU-s {[r['cpu_s'] for r in got]}, peak MB {[r['peak_mb'] for r in got]}")
    return {"identical": True, **runs}


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
    if (args.warehouse / "core_lifesci_articles").is_dir():
        payload["core_lifesci_citations"] = compare_lifesci_citations(args.warehouse, min(args.repeat, 2))
    write_results(args.name, payload)
    return payload


if __name__ == "__main__":
    main()
