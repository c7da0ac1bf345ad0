"""PubMed files parsed once, read by year: the cache between the XML and the yearly partitions.

PubMed baseline files are not ordered by year (each holds ~30,000 records of any year), and update
files revise and delete records of earlier ones. Each file is parsed once into parquet under a
cache folder keyed by its name, size and modification time (a changed file is parsed again);
the records of a year are then gathered from every file with a row filter, and a record is
superseded by its version in any later file (in name order: baseline before updates) and
removed when a later file deletes its PMID.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from aigeo_assets.lifesci.pubmed import PubmedTables, parse_pubmed_file
from aigeo_assets.schemas import SCHEMAS, conform

TABLES = ("articles", "authors", "references", "quarantine")


def cache_key(path: Path) -> str:
    st = path.stat()
    return f"{path.name}.{st.st_size}.{st.st_mtime_ns}"


def parse_cached(path: Path, cache_dir: Path) -> tuple[Path, bool]:
    """The cache folder of ``path``, parsing the file into it first when needed (atomically: a
    temporary folder renamed into place). Returns the folder and whether it was parsed now."""
    target = cache_dir / cache_key(path)
    if (target / "deleted.parquet").exists():
        return target, False
    tmp = cache_dir / f".{target.name}.{os.getpid()}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        tables: PubmedTables = parse_pubmed_file(path)
        for name in TABLES:
            getattr(tables, name).to_parquet(tmp / f"{name}.parquet", index=False)
        pd.DataFrame({"pmid": pd.Series(tables.deleted_pmids, dtype="string")}).to_parquet(tmp / "deleted.parquet", index=False)
        for stale in cache_dir.glob(f"{path.name}.*"):
            shutil.rmtree(stale, ignore_errors=True)
        os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target, True


def file_manifest(files: list[Path], cache_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Parse (or reuse) every file: ``raw_pubmed_files`` (one row per file) and the files'
    quarantine rows together."""
    rows, quarantines = [], []
    for path in files:
        folder, parsed_now = parse_cached(path, cache_dir)
        years = pq.read_table(folder / "articles.parquet", columns=["publication_year"]).column(0).to_pandas()
        quarantine = pd.read_parquet(folder / "quarantine.parquet")
        quarantines.append(quarantine)
        rows.append(
            {
                "file": path.name,
                "size_bytes": path.stat().st_size,
                "records": len(years),
                "first_year": int(years.min()) if len(years) else None,
                "last_year": int(years.max()) if len(years) else None,
                "deleted": pq.read_metadata(folder / "deleted.parquet").num_rows,
                "quarantined": len(quarantine),
                "parsed_now": parsed_now,
            }
        )
    manifest = conform(pd.DataFrame(rows) if rows else SCHEMAS["raw_pubmed_files"].empty(), "raw_pubmed_files")
    quarantine = pd.concat(quarantines, ignore_index=True) if quarantines else SCHEMAS["quarantine"].empty()
    return manifest, conform(quarantine, "quarantine")


def pubmed_year(files: list[Path], cache_dir: Path, year: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``raw_pubmed_articles``, ``raw_pubmed_authors`` and ``raw_pubmed_references`` of ``year``
    from every file, the latest version of each record, deleted records left out."""
    folders = [parse_cached(p, cache_dir)[0] for p in files]
    kept, later_pmids = [], set()
    for folder in reversed(folders):
        arts = pd.read_parquet(folder / "articles.parquet", filters=[("publication_year", "==", year)])
        arts = arts[~arts["pmid"].isin(later_pmids)].drop_duplicates("pmid", keep="last")
        if len(arts):
            pmids = set(arts["pmid"])
            authors = pd.read_parquet(folder / "authors.parquet")
            references = pd.read_parquet(folder / "references.parquet")
            kept.append((arts, authors[authors["pmid"].isin(pmids)], references[references["pmid"].isin(pmids)]))
        later_pmids |= set(pq.read_table(folder / "articles.parquet", columns=["pmid"]).column(0).to_pylist())
        later_pmids |= set(pq.read_table(folder / "deleted.parquet", columns=["pmid"]).column(0).to_pylist())
    if not kept:
        return (SCHEMAS["raw_pubmed_articles"].empty(), SCHEMAS["raw_pubmed_authors"].empty(), SCHEMAS["raw_pubmed_references"].empty())
    kept.reverse()
    articles = pd.concat([k[0] for k in kept], ignore_index=True)
    authors = pd.concat([k[1] for k in kept], ignore_index=True)
    references = pd.concat([k[2] for k in kept], ignore_index=True)
    return (
        conform(articles, "raw_pubmed_articles"),
        conform(authors, "raw_pubmed_authors"),
        conform(references, "raw_pubmed_references"),
    )
