"""The compiled PubMed batch reader against the lxml walk, in CPU per record
(``results/pubmed_native_<label>.json``).

Each PubMed file of ``--files DIR`` (``pubmed*.xml.gz`` and other ``*.xml``/``*.xml.gz`` files, in
sub-folders too; the first ``--limit N`` of them) is read in one process by the intact reader with
the compiled reader (``native``: ``aigeo_assets/lifesci/native_pubmed.py``, each batch it vouches
for read in C, the others by lxml) and without it (``lxml``: ``native_pubmed.disabled()``, every
batch parsed by lxml and walked in Python), the two alternated file by file so that each meets the
same machine load, the best of ``--repeat``. Two things are timed (``time.process_time``):

* ``items``: the items of a file (``pubmed._iter_items``: inflating, cutting, parsing, the records);
* ``tables``: ``parse_pubmed_file``, the items collected into the four tables.

The tables of the two are asserted identical per file (the four frames, deleted PMIDs, versions and
counts), as are the items. Records are citation records (``n_records``); ``batches_native`` and
``batches_deferred`` count the batches the compiled reader vouched for and those it left to lxml.
Run: ``.venv/bin/python benchmarks/pubmed_native.py --files DIR [--limit N] [--repeat 1] [--label NAME]``
(``DIR`` is read only; default label: the folder's name).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from results_file import repo_path, write_results  # noqa: E402

from aigeo_assets.lifesci import native_pubmed  # noqa: E402
from aigeo_assets.lifesci import pubmed as pm  # noqa: E402


def _files(folder: Path, limit: int | None) -> list[Path]:
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name.endswith((".xml", ".xml.gz")))
    return files[:limit] if limit else files


def _items(path: Path, native: bool) -> tuple[float, list, dict]:
    stats: dict = {}
    start = time.process_time()
    if native:
        items = list(pm._iter_items(path, None, "lxml", stats))
    else:
        with native_pubmed.disabled():
            items = list(pm._iter_items(path, None, "lxml", stats))
    return time.process_time() - start, items, stats


def _tables(path: Path, native: bool) -> tuple[float, pm.PubmedTables]:
    start = time.process_time()
    if native:
        tables = pm.parse_pubmed_file(path)
    else:
        with native_pubmed.disabled():
            tables = pm.parse_pubmed_file(path)
    return time.process_time() - start, tables


def _same(a: pm.PubmedTables, b: pm.PubmedTables, name: str) -> None:
    for frame in ("articles", "authors", "references", "quarantine"):
        pd.testing.assert_frame_equal(getattr(a, frame), getattr(b, frame), obj=f"{name} {frame}")
    fields = ("deleted_pmids", "article_versions", "n_records", "n_out_of_years", "n_quarantined_records", "n_superseded", "n_deleted")
    assert [getattr(a, f) for f in fields] == [getattr(b, f) for f in fields], name


def _rates(records: int, seconds: dict) -> dict:
    out = {}
    for key, s in seconds.items():
        out[f"{key}_cpu_s"] = round(s, 3)
        out[f"{key}_records_per_cpu_s"] = round(records / s) if s else None
        out[f"{key}_us_per_record"] = round(1e6 * s / records, 1) if records else None
    for stage in ("items", "tables"):
        n, lx = seconds.get(f"{stage}_native"), seconds.get(f"{stage}_lxml")
        if n and lx:
            out[f"{stage}_speedup"] = round(lx / n, 2)
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=Path, required=True, help="a folder of PubMed files (read only)")
    parser.add_argument("--limit", type=int, default=None, help="the first N files only")
    parser.add_argument("--repeat", type=int, default=1, help="runs per file and reader (the best counts)")
    parser.add_argument("--label", default=None, help="results name: results/pubmed_native_<label>.json (default: the folder's name)")
    args = parser.parse_args(argv)
    if native_pubmed.available() is not None:
        sys.exit(f"the compiled PubMed reader: {native_pubmed.available()}")
    files = _files(args.files, args.limit)
    if not files:
        sys.exit(f"no PubMed files under {args.files}")
    label = args.label or args.files.name
    seconds = dict.fromkeys(("items_native", "items_lxml", "tables_native", "tables_lxml"), 0.0)
    records = batches_native = batches_deferred = 0
    per_file = []
    for path in files:
        best: dict[str, float] = {}
        for _ in range(args.repeat):
            t_n, items_n, stats = _items(path, True)
            t_l, items_l, _ = _items(path, False)
            assert items_n == items_l, path.name
            best["items_native"] = min(best.get("items_native", t_n), t_n)
            best["items_lxml"] = min(best.get("items_lxml", t_l), t_l)
            del items_n, items_l
            s_n, tables_n = _tables(path, True)
            s_l, tables_l = _tables(path, False)
            _same(tables_n, tables_l, path.name)
            best["tables_native"] = min(best.get("tables_native", s_n), s_n)
            best["tables_lxml"] = min(best.get("tables_lxml", s_l), s_l)
        for key, s in best.items():
            seconds[key] += s
        records += tables_n.n_records
        batches_native += stats["native_batches"]
        batches_deferred += stats["deferred_batches"]
        per_file.append({"file": path.name, "records": tables_n.n_records, "batches_native": stats["native_batches"],
                         "batches_deferred": stats["deferred_batches"], **_rates(tables_n.n_records, best)})
        print(f"{path.name}: {tables_n.n_records} records, items {best['items_lxml']:.2f} -> {best['items_native']:.2f} CPU-s, "
              f"tables {best['tables_lxml']:.2f} -> {best['tables_native']:.2f} CPU-s", flush=True)
    total_batches = batches_native + batches_deferred
    payload = {
        "input": repo_path(args.files),
        "files": len(files),
        "records": records,
        "batches_native": batches_native,
        "batches_deferred": batches_deferred,
        "share_batches_native": round(batches_native / total_batches, 4) if total_batches else None,
        "tables_identical": True,
        **_rates(records, seconds),
        "per_file": per_file,
    }
    write_results(f"pubmed_native_{label}", payload)
    summary = {k: v for k, v in payload.items() if k != "per_file"}
    print(summary)
    return payload


if __name__ == "__main__":
    main()
