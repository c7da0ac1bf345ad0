"""PubMed files found, parsed once, read by year: the cache between the XML and the partitions.

Which files: :func:`discover_pubmed_files` -- every file under the PubMed folder, subfolders
included (NLM's ``baseline/`` and ``updatefiles/`` side by side), whose name matches one of the
``'|'``-separated globs of ``AIGEO_PUBMED_PATTERN`` (default :data:`DEFAULT_PATTERN`: ``*.xml``
and ``*.xml.gz``, so ``pubmed25n0001.xml.gz``, ``medline16n0902.xml.gz`` and an E-utilities
download ``pubmed_result.xml`` alike); hidden files and folders (a leading dot) are skipped. The
folder may also be one file. Files are taken in name order (then path), which puts baseline files
before update files.

PubMed baseline files are not ordered by year (each holds ~30,000 records of any year), and update
files revise and delete records of earlier ones. Each file is parsed once into parquet under a
cache folder keyed by its name, a hash of its full path (two files of one name in different
folders stay apart), its size and modification time (a changed file is parsed again) and
:data:`PARSE_VERSION` (a changed reader parses again); the records
of a year are then gathered from every file with a row filter, and a record is superseded by its
version in any later file (in name order: baseline before updates) and removed when a later file
deletes its PMID.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from aigeo_assets.lifesci.pubmed import PubmedTables, parse_pubmed_file
from aigeo_assets.schemas import SCHEMAS, conform

def glob_escape(text: str) -> str:
    """``text`` with glob metacharacters taken literally."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


TABLES = ("articles", "authors", "references", "quarantine")

DEFAULT_PATTERN = "*.xml|*.xml.gz"
"""File names read from the PubMed folder ('|'-separated globs; ``AIGEO_PUBMED_PATTERN``)."""


def pattern_globs(pattern: str | None) -> list[str]:
    """``"*.xml|*.xml.gz"`` -> ``["*.xml", "*.xml.gz"]``; empty -> the default's."""
    globs = [g.strip() for g in (pattern or "").split("|") if g.strip()]
    return globs or pattern_globs(DEFAULT_PATTERN)


def discover_pubmed_files(root: str | Path, pattern: str | None = DEFAULT_PATTERN) -> list[Path]:
    """The PubMed files under ``root`` (recursively) whose name matches a glob of ``pattern``, in
    name order (then path); hidden files and folders skipped. ``root`` may be a file: it is read
    whatever its name. A glob with a ``/`` is matched against the path relative to ``root``."""
    root = Path(root)
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise FileNotFoundError(f"PubMed folder {root} does not exist (AIGEO_PUBMED_DIR)")
    globs = pattern_globs(pattern)
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if name.startswith("."):
                continue
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if any(fnmatch.fnmatchcase(rel if "/" in g else name, g) for g in globs):
                found.append(path)
    return sorted(found, key=lambda p: (p.name, str(p)))


def _path_hash(path: Path) -> str:
    return hashlib.sha1(str(path.resolve()).encode("utf-8")).hexdigest()[:10]


PARSE_VERSION = 2
"""Raised whenever the reader's output for the same file changes (2: MedlineCitationSet files,
unknown elements and files without records quarantined), so older parses are not reused."""


def cache_key(path: Path) -> str:
    st = path.stat()
    return f"{path.name}.{_path_hash(path)}.{st.st_size}.{st.st_mtime_ns}.v{PARSE_VERSION}"


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
        for stale in cache_dir.glob(f"{glob_escape(path.name)}.{_path_hash(path)}.*"):
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
