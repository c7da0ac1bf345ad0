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
:data:`PARSE_VERSION` (a changed reader parses again), its tables sorted by year, one row group
per year (:func:`write_year_sorted`); the records of a year are then gathered from every file's
row group of that year (:func:`pubmed_year_tables`): per PMID
the highest ``Version`` wins, of equal versions the later file (in name order: baseline before
updates), and a ``DeleteCitation`` removes the PMID from its own and every earlier file; what is
left out is counted (``n_superseded``, ``n_deleted``).

The files not yet cached are parsed in parallel, one file per worker process, as many workers as
the cores this process may use (:func:`parse_all`); results are read back in file order, so they
do not depend on the worker count.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from aigeo_assets.cores import usable_cores
from aigeo_assets.corpus.lookup import run_ends
from aigeo_assets.lifesci.pubmed import PubmedTables, parse_pubmed_file
from aigeo_assets.resources.parquet_row_groups import FooterCache, RowGroupYears, write_year_row_groups
from aigeo_assets.schemas import SCHEMAS, statistics_columns, write_parquet

def glob_escape(text: str) -> str:
    """``text`` with glob metacharacters taken literally."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


PUBMED_TABLES = ("articles", "authors", "references")
"""The tables of a PubMed year (``raw_pubmed_<name>``)."""

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


PARSE_VERSION = 4
"""Raised whenever the reader's output for the same file changes (2: MedlineCitationSet files,
unknown elements and files without records quarantined; 3: versions resolved within a file and
kept in ``versions.parquet``, same-file deletions, oversize records and undefined entities
quarantined, reading resumed after a syntax error; 4: the tables written sorted by year, one row
group per year, instead of in file order plus a year-sorted copy), so older parses are not reused."""


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
        write_year_sorted(tables, tmp)
        write_parquet(tables.quarantine, tmp / "quarantine.parquet")
        write_parquet(pd.DataFrame({"pmid": pd.Series(tables.deleted_pmids, dtype="string")}), tmp / "deleted.parquet")
        for stale in cache_dir.glob(f"{glob_escape(path.name)}.{_path_hash(path)}.*"):
            shutil.rmtree(stale, ignore_errors=True)
        os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target, True


def parse_workers(n_files: int) -> int:
    """Processes for parsing ``n_files`` files: the cores this process may run on
    (:func:`~aigeo_assets.cores.usable_cores`), capped by the number of files; at least 1."""
    return max(1, min(usable_cores(), n_files))


_PACKAGE_ROOT = Path(__file__).resolve().parents[2]
"""The folder holding the ``aigeo_assets`` package (put on a worker's ``PYTHONPATH``)."""


def _worker(queue, cache_dir: Path) -> None:
    """One worker process (``python -m aigeo_assets.lifesci.pubmed_files CACHE_DIR``, a fresh
    interpreter) fed the paths of ``queue`` one at a time on its stdin until the queue is empty;
    it answers ``ok`` per file parsed. Its failure is raised here with the end of its stderr."""
    import queue as queues
    import tempfile

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_PACKAGE_ROOT), env.get("PYTHONPATH", "")) if p)
    with tempfile.TemporaryFile("w+") as err:  # a file, not a pipe: a chatty worker cannot block
        proc = subprocess.Popen([sys.executable, "-m", "aigeo_assets.lifesci.pubmed_files", str(cache_dir)],
                                env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, text=True)
        failed = None
        try:
            while failed is None:
                try:
                    path = queue.get_nowait()
                except queues.Empty:
                    break
                try:
                    proc.stdin.write(f"{path}\n")
                    proc.stdin.flush()
                    answer = proc.stdout.readline()
                except (BrokenPipeError, OSError):
                    answer = ""
                if answer.strip() != "ok":
                    failed = path
        finally:
            try:
                proc.stdin.close()
            except OSError:
                pass
            code = proc.wait()
        if failed is not None or code != 0:
            err.seek(0)
            raise RuntimeError(f"parsing {Path(failed).name if failed else 'PubMed files'} in a worker process "
                               f"failed (exit {code}): {err.read().strip()[-2000:]}")


def parse_all(files: list[Path], cache_dir: Path, workers: int | None = None) -> list[tuple[Path, bool]]:
    """``parse_cached`` of every file, in the order of ``files`` (the cache folder and whether it
    was parsed by this call), the files not yet cached parsed in parallel.

    ``workers``: processes (None: :func:`parse_workers` of the files left to parse; 1: one after
    another in this process, as before). Each file is parsed whole by one worker into its own
    cache folder, written atomically as in :func:`parse_cached`, so the folders, and everything
    read from them in file order, do not depend on the worker count. A file listed twice is parsed
    once (the first occurrence counts as parsed now).

    A worker is a fresh interpreter started with ``subprocess`` (``python -m
    aigeo_assets.lifesci.pubmed_files``), ``workers`` of them, each fed the next file left as it
    finishes one (driven by as many threads, which only wait): not a ``multiprocessing`` pool,
    because the assets run in daemonic processes (``aigeo run``'s executor), which
    ``multiprocessing`` forbids to have children, and a fresh interpreter copies none of the
    caller's threads or locks. Starting one costs about 1.4 CPU-s of imports, once per worker
    (a process per file cost that per file: +45 % CPU on 4 files).

    A pool inside a Dagster run is acceptable here: ``raw_pubmed_files`` is unpartitioned,
    materialised once per study, and the PubMed parse is otherwise the longest single step of the
    run (the critical path); the workers never outlive the call.
    """
    cache_dir = Path(cache_dir)
    todo: dict[str, Path] = {}
    for path in files:
        key = cache_key(Path(path))
        if key not in todo and not (cache_dir / key / "deleted.parquet").exists():
            todo[key] = Path(path)
    n = parse_workers(len(todo)) if workers is None else max(1, min(int(workers), max(len(todo), 1)))
    if n > 1:
        import queue as queues
        from concurrent.futures import ThreadPoolExecutor

        cache_dir.mkdir(parents=True, exist_ok=True)
        paths: queues.Queue = queues.Queue()
        for path in todo.values():
            if "\n" not in str(path):  # the workers read one path per line; such a name is parsed below
                paths.put(path)
        with ThreadPoolExecutor(max_workers=n) as pool:
            list(pool.map(_worker, [paths] * n, [cache_dir] * n))
    out = []
    for path in files:
        key = cache_key(Path(path))
        if key in todo:  # parsed by this call (in a worker, or below when in-process)
            folder, _ = parse_cached(Path(path), cache_dir)
            out.append((folder, True))
            del todo[key]
        else:
            out.append(parse_cached(Path(path), cache_dir))
    return out


def file_manifest(files: list[Path], cache_dir: Path, workers: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Parse (or reuse) every file: ``raw_pubmed_files`` (one row per file) and the files'
    quarantine rows together, in file order whatever ``workers`` is (see :func:`parse_all`)."""
    rows, quarantines = [], []
    for path, (folder, parsed_now) in zip(files, parse_all(files, cache_dir, workers)):
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
    manifest = pd.DataFrame(rows) if rows else SCHEMAS["raw_pubmed_files"].empty()
    quarantine = pd.concat(quarantines, ignore_index=True) if quarantines else SCHEMAS["quarantine"].empty()
    return manifest, quarantine


@dataclass
class PubmedYear:
    """The PubMed tables of one publication year, every file's versions and deletions applied."""

    articles: pd.DataFrame
    authors: pd.DataFrame
    references: pd.DataFrame
    n_superseded: int = 0
    """Records of the year left out because a higher version of their PMID, or the same version in
    a later file, exists (within one file the reader has already resolved and quarantined them)."""
    n_deleted: int = 0
    """Records of the year left out because a ``DeleteCitation`` of a later file names their PMID."""


def flag_winners(folders: list[Path]) -> pd.DataFrame:
    """Every file's records as (pmid, publication_year, version, file) with two flags: ``deleted``
    (a DeleteCitation of this or a later file names the PMID) and ``winner`` (the surviving record
    of its PMID: highest version, then latest file, among those not deleted)."""
    pmids, years, versions, files, del_pmids, del_files = [], [], [], [], [], []
    for i, folder in enumerate(folders):
        ids = pq.read_table(folder / "articles.parquet", columns=["pmid", "publication_year"])
        pmids.append(pc.cast(ids["pmid"], pa.int64()).to_numpy())
        years.append(ids["publication_year"].to_numpy())
        versions.append(pq.read_table(folder / "versions.parquet")["version"].to_numpy())
        files.append(np.full(ids.num_rows, i, dtype=np.int64))
        deleted = pc.cast(pq.read_table(folder / "deleted.parquet")["pmid"], pa.int64()).to_numpy()
        del_pmids.append(deleted)
        del_files.append(np.full(len(deleted), i, dtype=np.int64))
    if not pmids:
        return pd.DataFrame({"pmid": [], "publication_year": [], "version": [], "file": [], "deleted": [], "winner": []})
    pmid, version, file = np.concatenate(pmids), np.concatenate(versions), np.concatenate(files)
    # the last file whose DeleteCitation names each PMID: deletions sorted by (pmid, file), the last of each PMID
    d_pmid, d_file = np.concatenate(del_pmids), np.concatenate(del_files)
    order = np.lexsort((d_file, d_pmid))
    last = run_ends(d_pmid[order])
    gone_pmid, gone_file = d_pmid[order][last], d_file[order][last]
    at = np.minimum(np.searchsorted(gone_pmid, pmid), max(len(gone_pmid) - 1, 0))
    deleted = (gone_pmid[at] == pmid) & (file <= gone_file[at]) if len(gone_pmid) else np.zeros(len(pmid), dtype=bool)
    # the winner of each PMID: the last of its records not deleted in (version, file) order
    alive = np.flatnonzero(~deleted)
    order = alive[np.lexsort((file[alive], version[alive], pmid[alive]))]
    winner = np.zeros(len(pmid), dtype=bool)
    winner[order[run_ends(pmid[order])]] = True
    return pd.DataFrame({"pmid": pmid, "publication_year": np.concatenate(years), "version": version, "file": file,
                         "deleted": deleted, "winner": winner})


_winners_memo: dict[tuple[Path, ...], pd.DataFrame] = {}


def _winners_cached(folders: tuple[Path, ...]) -> pd.DataFrame:
    """``flag_winners`` of the last set of folders asked for, kept in the process: a run that builds
    several years reads every file's PMIDs once. A folder's name holds its file's size, mtime and
    the parse version, so the same names mean the same records."""
    if folders not in _winners_memo:
        _winners_memo.clear()
        _winners_memo[folders] = flag_winners(list(folders))
    return _winners_memo[folders]


def write_year_sorted(tables: PubmedTables, folder: Path) -> None:
    """A file's parse into ``folder``: its articles, authors and references stably sorted by the
    publication year of their article (authors and references carry it, joined on PMID; rows of no
    article of the file come last), each written one row group per year, and ``versions.parquet``
    (each article's ``Version``) in the articles' new order. A year is then read through the row
    groups' statistics without decoding the other years, so building every year costs one pass
    over the files, not one per year. Within a year the rows keep the parse's order. Statistics as
    :func:`~aigeo_assets.schemas.write_parquet` writes them (numeric and boolean columns)."""
    articles = pa.Table.from_pandas(tables.articles, preserve_index=False)
    order = write_year_row_groups(articles, folder / "articles.parquet", "publication_year",
                                  write_statistics=statistics_columns(tables.articles))
    for name in ("authors", "references"):
        frame = getattr(tables, name)
        table = pa.Table.from_pandas(frame, preserve_index=False)
        table = table.append_column("publication_year", pc.take(articles["publication_year"], pc.index_in(table["pmid"], value_set=articles["pmid"])))
        write_year_row_groups(table, folder / f"{name}.parquet", "publication_year", write_statistics=[*statistics_columns(frame), "publication_year"])
    versions = pa.array(tables.article_versions, type=pa.int32()).take(order)
    write_parquet(pd.DataFrame({"version": pd.Series(versions.to_numpy(zero_copy_only=False), dtype="int32")}), folder / "versions.parquet")


def _parse_columns(names: list[str], table: str) -> list[str]:
    """The parse's columns of ``table``: a table other than the articles carries their year besides (:func:`write_year_sorted`)."""
    return [c for c in names if table == "articles" or c != "publication_year"]


def _read_year(folder: Path, name: str, year: int) -> pa.Table:
    """One table of a parse folder, the rows of ``year`` only, with the parse's columns."""
    path = folder / f"{name}.parquet"
    return pq.read_table(path, columns=_parse_columns(pq.read_schema(path).names, name), filters=[("publication_year", "==", year)])


@dataclass(frozen=True)
class _YearGroups:
    """Where each year lies in one table of a parse folder: its footer (parsed once), the
    parse's columns and the row group of each year (``RowGroupYears.group_of_year``)."""

    path: Path
    footer: RowGroupYears
    columns: list[str]
    groups: dict[int, int]


_FOOTERS = FooterCache()
"""Parsed footers of the parse folders' tables, kept for the run's next year (a range run reads each
table of each file once per year)."""


def _year_groups(folder: Path, name: str) -> _YearGroups | None:
    """The :class:`_YearGroups` of ``name`` in ``folder``, its footer parsed once
    in the process (``_FOOTERS``); None when the row groups' statistics do not prove one year per
    row group (then the year is read with a row filter)."""
    path = folder / f"{name}.parquet"
    footer = _FOOTERS.get(path, "publication_year")
    groups = footer.group_of_year()
    if groups is None:
        return None
    return _YearGroups(path, footer, _parse_columns(footer.schema.names, name), groups)


def _year_rows(folder: Path, name: str, year: int, pmids: pa.Array) -> pa.Table:
    """The rows of ``year`` in one table of a parse folder whose PMID is in ``pmids`` (strings): its
    year's row group alone (read by the row filter when the groups are not known:
    :func:`_year_groups`), filtered in Arrow."""
    where = _year_groups(folder, name)
    if where is None:
        table = _read_year(folder, name, year)
    else:
        groups = [where.groups[year]] if year in where.groups else []
        table = where.footer.read_groups(where.path, groups, columns=where.columns)
    return table.filter(pc.fill_null(pc.is_in(table["pmid"], value_set=pmids), False))


def pubmed_year_tables(files: list[Path], cache_dir: Path, year: int, workers: int | None = None) -> PubmedYear:
    """``raw_pubmed_articles``, ``raw_pubmed_authors`` and ``raw_pubmed_references`` of ``year``
    from every file, with PubMed's rules across files: per PMID the highest ``Version`` wins, of
    equal versions the later file (an update revises the baseline); a ``DeleteCitation`` removes
    the PMID's records of its own and every earlier file (a later file may bring it back). A
    winning record of another year supersedes this year's record too. The records left out are
    counted, never dropped silently. Files not cached yet are parsed first, by ``workers``
    processes as in :func:`parse_all`."""
    (articles, authors, references), n_superseded, n_deleted = _year_tables(files, cache_dir, year, PUBMED_TABLES, workers)
    return PubmedYear(articles, authors, references, n_superseded, n_deleted)


def pubmed_year_table(files: list[Path], cache_dir: Path, year: int, name: str, workers: int | None = None) -> PubmedYear:
    """One table (``name``: articles, authors or references) of :func:`pubmed_year_tables` by the same
    rules, the two others empty, with the same counts of records left out: a run over a range of years
    writes each table's years in turn and reads, for each, that table alone."""
    if name not in PUBMED_TABLES:
        raise ValueError(f"{name!r}: a PubMed year table is one of {', '.join(PUBMED_TABLES)}")
    (table,), n_superseded, n_deleted = _year_tables(files, cache_dir, year, (name,), workers)
    tables = {n: table if n == name else _empty(f"raw_pubmed_{n}") for n in PUBMED_TABLES}
    return PubmedYear(tables["articles"], tables["authors"], tables["references"], n_superseded, n_deleted)


_empty_memo: dict[str, pd.DataFrame] = {}


def _empty(name: str) -> pd.DataFrame:
    """``SCHEMAS[name].empty()``, built once in the process (a copy each time)."""
    if name not in _empty_memo:
        _empty_memo[name] = SCHEMAS[name].empty()
    return _empty_memo[name].copy()


def _year_tables(files: list[Path], cache_dir: Path, year: int, names: tuple[str, ...],
                 workers: int | None) -> tuple[list[pd.DataFrame], int, int]:
    folders = [folder for folder, _ in parse_all(files, cache_dir, workers)]
    records = _winners_cached(tuple(folders))
    of_year = (records["publication_year"] == year).to_numpy(bool)
    n_deleted = int((of_year & records["deleted"].to_numpy(bool)).sum())
    n_superseded = int((of_year & ~records["deleted"].to_numpy(bool) & ~records["winner"].to_numpy(bool)).sum())
    winners = records[records["winner"].to_numpy(bool) & of_year]
    kept = []
    files_of = winners["file"].to_numpy()
    pmid_text = winners["pmid"].astype(str).to_numpy(object)
    for i, folder in enumerate(folders):
        pmids = pa.array(pmid_text[files_of == i], type=pa.string())
        if not len(pmids):
            continue
        kept.append([_year_rows(folder, name, year, pmids) for name in names])
    if not kept:
        return [SCHEMAS[f"raw_pubmed_{name}"].empty() for name in names], n_superseded, n_deleted
    return [_concat([k[j] for k in kept]) for j in range(len(names))], n_superseded, n_deleted


def _concat(parts: list[pa.Table]) -> pd.DataFrame:
    """The year's rows of every file, in file order, as one frame: the Arrow tables joined and
    converted once (as ``pd.read_parquet`` converts each: their pandas metadata, the first file's,
    gives the dtypes; the index is numbered afresh as ``pd.concat(ignore_index=True)`` does)."""
    schema = parts[0].schema
    try:
        table = pa.concat_tables([p.replace_schema_metadata(schema.metadata) for p in parts])
    except pa.ArrowInvalid:  # files whose column types differ (e.g. a column all null in one): each converted alone
        return pd.concat([p.to_pandas() for p in parts], ignore_index=True)
    return table.to_pandas().reset_index(drop=True)


if __name__ == "__main__":  # a worker of parse_all: python -m aigeo_assets.lifesci.pubmed_files CACHE_DIR
    for _line in sys.stdin:  # one path per line; "ok" once its cache folder is in place
        parse_cached(Path(_line.rstrip("\n")), Path(sys.argv[1]))
        print("ok", flush=True)
