"""Writing the life-science part's files (Schmallenbach et al. 2024): the years simulated in order, their records
rendered in chunks, each chunk from its own random stream (here or in worker processes), each chunk one gzip
member of every baseline file and works part it writes to; then the files' tails, the institutions, the
rankings and the truth. The bytes do not depend on the number of workers."""

from __future__ import annotations

import copy
import multiprocessing
import os
import zlib
from collections import deque
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from aigeo_assets.cores import die_with_parent
from aigeo_assets.sampleworld import vocab as V
from aigeo_assets.sampleworld.lifesci.params import (
    BASELINE_PREFIX,
    CLINICAL_BACKGROUND_SHARE,
    RENDER_CHUNK,
    TWIN_AUTHOR_BASE,
    TWINS_PART_PREFIX,
    KIND_AI,
    KIND_BACKGROUND,
    KIND_CITING,
    KW_NAMES,
    QUIRK_KEYS,
)
from aigeo_assets.sampleworld.lifesci.openalex_records import twin_work_id
from aigeo_assets.sampleworld.lifesci.pubmed_records import FILE_HEAD, gzip_member
from aigeo_assets.sampleworld.lifesci.truth import lifesci_truth
from aigeo_assets.sampleworld.rng import FastRandom


def _render_seed(seed: int, year: int, chunk: int, stream: bytes = b"lifesci-render") -> np.random.SeedSequence:
    """The random stream of one chunk of a year's records: a function of (seed, year, chunk) only,
    so the files do not depend on how many processes render them."""
    return np.random.SeedSequence([abs(int(seed)) % (1 << 63), zlib.crc32(stream), int(year), int(chunk)])


_RENDER_WORLD = None  # a worker process's own LifesciWorld


def _init_render_world(world_class: type, args: tuple, parent_pid: int | None = None) -> None:
    """A worker's initializer: its own world (``world_class(*args)``, the same as the parent's); it
    dies with the process that renders the world (``parent_pid``)."""
    global _RENDER_WORLD
    die_with_parent(parent_pid)
    _RENDER_WORLD = world_class(*args)


def _render_chunk_in_worker(job: dict) -> dict:
    return _RENDER_WORLD.render_chunk(job)


class Render:
    """Runs a ``LifesciWorld``: plans each year (``plan_year``), renders the chunks, writes the files."""

    def run(self, workers: int = 1, chunk_records: int = RENDER_CHUNK) -> dict:
        """Simulate the years in order here (who is cited by whom, PMIDs, which file each record
        goes to) and render the records' XML in chunks of ``chunk_records`` records, each chunk
        from its own random stream, in ``workers`` processes (here when ``workers`` <= 1). Each
        chunk adds one gzip member to every file it wrote to, in chunk order, so the bytes do not
        depend on ``workers``."""
        root = self.root
        self._start_run(int(chunk_records))
        pool = None
        if multiprocessing.current_process().daemon:
            workers = 1  # a daemonic process may not start processes of its own; the same bytes
        if sum(self.planned_records.values()) < 2 * self.chunk_records:
            workers = 1  # a world of a chunk or two (tiny) is rendered before a pool would have started
        if workers > 1 and self.years:
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                       initializer=_init_render_world,
                                       initargs=(type(self), (root, self.scale, self.seed, self.start, self.end), os.getpid()))
            renderer = None
        else:
            renderer = copy.copy(self)  # its own random streams and counters, the same world
        handles: list = []
        self._clear_twin_parts()
        try:
            for rel in self.file_rel:
                fh = open(root / rel, "wb")
                handles.append(fh)
                fh.write(gzip_member(FILE_HEAD.encode(), rel.rsplit("/", 1)[1][:-3]))
            for rel in self.twin_rel:
                self.twin_handles.append(open(root / "data" / "works" / rel, "wb"))
            self._render_years(workers, pool, renderer, handles)
            # the files' last records come from a stream of their own
            closer = copy.copy(self)
            closer.rng = np.random.default_rng(_render_seed(self.seed, self.end, 0, b"lifesci-close"))
            closer.r = FastRandom(int(closer.rng.integers(0, 1 << 62)))
            nf = self.n_files
            for k in range(nf):
                handles[k].write(gzip_member(closer._file_tail(k, final=k == nf - 1).encode()))
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
            for fh in handles + self.twin_handles:
                fh.close()
        for k, rel in enumerate(self.twin_rel):
            if not self.twin_lines[k]:  # a part no chunk wrote to is still a valid (empty) gzip file
                (root / "data" / "works" / rel).write_bytes(gzip_member(b""))
        self.write_institutions(root)
        self.write_rankings(root)
        return lifesci_truth(self)

    def _start_run(self, chunk_records: int) -> None:
        """An empty baseline folder, the files' names, and the run's counters and columns (draws
        where each file's record without PMID goes)."""
        base_dir = self.root / "pubmed" / "baseline"
        if base_dir.exists():
            for p in base_dir.glob(f"{BASELINE_PREFIX}*.xml.gz"):
                p.unlink()
        base_dir.mkdir(parents=True, exist_ok=True)
        self.quirks = {k: 0 for k in QUIRK_KEYS}
        nf = self.n_files
        self.file_rel = [f"pubmed/baseline/{BASELINE_PREFIX}{k + 1:04d}.xml.gz" for k in range(nf)]
        self.malformed: list[dict] = []
        self.files: list[dict] = []
        self.file_records = [0] * nf
        self.file_years: list[set[int]] = [set() for _ in range(nf)]
        # the 1-based record position after which the file's record without PMID comes
        self.mal_at = [self.r.randint(1, 20) if (k < nf - 1 and (k == 0 or k % 7 == 3)) else None for k in range(nf)]
        # AI articles (global arrays, appended per year)
        cols = ("pmid", "year", "journal", "region", "country", "intl", "n_auth", "clinical", "kw", "cites",
                "clin_cites", "mu", "pub_cites", "pub_clin", "link", "shift", "topic", "countries", "pub_intl",
                "pub_lead", "conf", "wnum")
        self.ai = {c: [] for c in cols}
        self.cf = {c: [] for c in cols}  # the OpenAlex-only conference papers
        self.n_conf = 0
        self.both_carry = 0.0
        self.ai_wnum_all = np.zeros(0, dtype=np.int64)
        self.ai_pmid_all = np.zeros(0, dtype=np.int64)
        self.ai_year_all = np.zeros(0, dtype=np.int32)
        self.ai_journal_all = np.zeros(0, dtype=np.int32)
        self.ai_twin_all = np.zeros(0, dtype=bool)
        self.n_oa_only = 0
        self.pending: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {y: [] for y in self.years}
        self.counts = {"citing_records": {}, "background_records": {}, "clinical_citing_records": 0,
                       "clinical_background_records": 0, "openalex_only_citers": {},
                       "clinical_openalex_only_citers": 0}
        self.intl_per_year = {}
        self.last_pmid = 0
        self.chunk_records = chunk_records

    def _clear_twin_parts(self) -> None:
        """The OpenAlex twins' works parts: part k holds the twins of file k's records (and some
        OpenAlex-only citers)."""
        works_dir = self.root / "data" / "works" / f"updated_date={self.works_date}"
        works_dir.mkdir(parents=True, exist_ok=True)
        for p in works_dir.glob(f"{TWINS_PART_PREFIX}*.gz"):
            p.unlink()
        self.twin_rel = [f"updated_date={self.works_date}/{TWINS_PART_PREFIX}{k:03d}.gz" for k in range(self.n_files)]
        self.twin_lines = [0] * self.n_files
        self.twin_handles: list = []

    def _render_years(self, workers: int, pool: ProcessPoolExecutor | None, renderer, handles: list) -> None:
        """Plan the years in order; render each job here (``renderer``) or in the pool, and write
        the chunks in job order."""
        in_flight: deque = deque()
        for y in self.years:
            for job in self.plan_year(y):
                if pool is None:
                    self._write_chunk(renderer.render_chunk(job), handles)
                    continue
                in_flight.append(pool.submit(_render_chunk_in_worker, job))
                while len(in_flight) > workers + 1:  # bounded memory: a few chunks in flight
                    self._write_chunk(in_flight.popleft().result(), handles)
        while in_flight:
            self._write_chunk(in_flight.popleft().result(), handles)

    def _write_chunk(self, res: dict, handles: list) -> None:
        for k, member in res["members"]:
            handles[k].write(member)
        for k, member, lines in res["twin_members"]:
            self.twin_handles[k].write(member)
            self.twin_lines[k] += lines
        self.counts["clinical_openalex_only_citers"] += res["clinical_openalex_only_citers"]
        for key, v in res["quirks"].items():
            self.quirks[key] += v
        self.counts["clinical_citing_records"] += res["clinical_citing_records"]
        self.counts["clinical_background_records"] += res["clinical_background_records"]

    def _file_tail(self, k: int, final: bool = False) -> str:
        """The end of file ``k``: its record without PMID if the file never reached the position of
        it, then the closing tag, or, for the last file, a truncated record instead."""
        out = []
        if self.mal_at[k] is not None:
            year = max(self.file_years[k]) if self.file_years[k] else self.years[-1]
            out.append(self.background_xml(year, None) + "\n")
            self.file_records[k] += 1
            self.malformed.append({"file": self.file_rel[k], "kind": "missing_pmid", "record_index": self.file_records[k],
                                   "detail": "MedlineCitation without PMID (and no pubmed ArticleId)"})
            self.mal_at[k] = None
        if final:
            year = max(self.file_years[k]) if self.file_years[k] else self.end
            out.append(self.background_xml(year, self.last_pmid + 8, truncate=True))
            self.malformed.append({"file": self.file_rel[k], "kind": "truncated_record",
                                   "record_index": self.file_records[k] + 1,
                                   "detail": "XML stops inside the last record; no closing </PubmedArticleSet>"})
        else:
            out.append("</PubmedArticleSet>\n")
        self.files.append({"file": self.file_rel[k], "complete_records": self.file_records[k], "truncated": final,
                           "years": sorted(self.file_years[k])})
        return "".join(out)

    def render_chunk(self, job: dict) -> dict:
        """The XML of one chunk of a year's records (``plan_year`` planned them), one gzip member per
        file it writes to, the OpenAlex twins of its records (or the year's OpenAlex-only citers),
        one gzip member per twins part, and the counts its drawing made. Mutates only this
        object's streams and counters: runs on a copy of the world or in a worker's own world."""
        y = job["year"]
        self.rng = np.random.default_rng(_render_seed(self.seed, y, job["chunk"]))
        self.r = FastRandom(int(self.rng.integers(0, 1 << 62)))
        self.quirks = {k: 0 for k in QUIRK_KEYS}
        self.last_pmid = job["last_pmid"]
        per_file: dict[int, list[str]] = {}
        twins: dict[int, list[bytes]] = {}
        n_clin_cite, n_clin_bg = self._render_records(job, per_file, twins)
        n_oa_clin = self._render_oa_only_citers(job, twins)
        self._render_conference_papers(job, twins)
        members = [(k, gzip_member(("\n".join(xs) + "\n").encode("utf-8"))) for k, xs in sorted(per_file.items())]
        twin_members = [(k, gzip_member(b"".join(ls)), len(ls)) for k, ls in sorted(twins.items())]
        return {"members": members, "twin_members": twin_members, "quirks": self.quirks,
                "clinical_citing_records": n_clin_cite, "clinical_background_records": n_clin_bg,
                "clinical_openalex_only_citers": n_oa_clin}

    def _render_records(self, job: dict, per_file: dict[int, list[str]],
                        twins: dict[int, list[bytes]]) -> tuple[int, int]:
        """The chunk's PubMed records (XML lines by file) and the twins of its AI articles and citing
        records (by works part); the numbers of clinical citing and background records."""
        y = job["year"]
        r = self.r
        ext_mean = self.ls.external_refs_mean
        n_clin_cite = n_clin_bg = 0
        ai = job["ai"]
        if ai is not None:
            ai_country, ai_for, ai_fo, ai_fcc, ai_na, ai_clin, ai_kw, ai_j, ai_doi, ai_link, ai_shift, ai_topic, \
                ai_cites = (ai[c].tolist() for c in ("country", "foreign", "first_only", "first_cc", "n_auth", "clinical",
                                                     "kw", "journal", "has_doi", "link", "shift", "topic", "cites"))
        cite_off, cite_flag = job["cite_off"].tolist(), job["cite_flag"].tolist()
        cited = job["cited"]
        if cited is not None:
            cited_pmid, cited_year, cited_journal, cited_twin = (cited[c].tolist()
                                                                  for c in ("pmid", "year", "journal", "twin"))
        a = c = 0
        for kind, pmid, k in zip(job["kind"].tolist(), job["pmid"].tolist(), job["file"].tolist()):
            if kind == KIND_AI:
                j = self.outlets[ai_j[a]]
                c_of = ai_j[a] - len(self.pub_journals)  # >= 0: a conference paper with a PubMed record
                xml = self.ai_xml(y, pmid, ai_country[a], list(ai_for[a]), ai_fo[a], ai_fcc[a], ai_na[a], ai_clin[a],
                                   KW_NAMES[ai_kw[a]], j, ai_doi[a])
                log = self.auth_log
                if ai_link[a] < 2:
                    title, sections = self.text
                    twins.setdefault(k, []).append(self.work_json(
                        twin_work_id(pmid), y - ai_shift[a], pmid if ai_link[a] == 0 else None, self.doi,
                        title, sections, *((self.j_source[j.idx], "journal-article") if c_of < 0 else
                                           (self.conf_source[c_of], "proceedings-article")),
                        self.authorships(log, TWIN_AUTHOR_BASE, pmid // 8), self.ai_concepts(ai_topic[a]), [],
                        ai_cites[a], (pmid // 8) % 2 == 1))
                a += 1
            elif kind == KIND_CITING:
                flag = cite_flag[c]
                clin_kind = r.choice(["rct", "trial"]) if flag else None
                n_clin_cite += flag
                lo, hi = cite_off[c], cite_off[c + 1]
                xml = self.citing_xml(y, pmid, cited_pmid[lo:hi], cited_year[lo:hi], cited_journal[lo:hi],
                                       clin_kind, ext_mean)
                refs = sorted(V.OA + twin_work_id(p) for p, t in zip(cited_pmid[lo:hi], cited_twin[lo:hi]) if t)
                title, sections = self.text
                twins.setdefault(k, []).append(self.work_json(
                    twin_work_id(pmid), y, pmid, self.doi, title, sections, self.j_source[self.journal.idx],
                    "journal-article", self.authorships(self.auth_log, TWIN_AUTHOR_BASE, pmid // 8),
                    self.lifesci_concepts(), refs, 0, (pmid // 8) % 2 == 1))
                c += 1
            elif kind == KIND_BACKGROUND:
                clin_kind = None
                if r.random() < CLINICAL_BACKGROUND_SHARE:
                    clin_kind = r.choice(["rct", "trial", "diagnostic"])
                    n_clin_bg += 1
                xml = self.background_xml(y, pmid, clinical=clin_kind)
            else:  # the file's record without PMID
                xml = self.background_xml(y, None)
            per_file.setdefault(k, []).append(xml)
        return n_clin_cite, n_clin_bg

    def _render_oa_only_citers(self, job: dict, twins: dict[int, list[bytes]]) -> int:
        """The year's OpenAlex-only citers (a job of their own); the number of clinical ones."""
        y = job["year"]
        oa = job.get("oa_only")
        n_oa_clin = 0
        if oa is not None:
            off, flags, parts = oa["off"].tolist(), oa["flag"].tolist(), oa["part"].tolist()
            cw = oa["cited"]["wnum"].tolist()
            for i, (flag, part) in enumerate(zip(flags, parts)):
                refs = sorted(f"{V.OA}W{x}" for x in cw[off[i]:off[i + 1]])
                twins.setdefault(part, []).append(self.oa_only_json(oa["seq0"] + i, y, flag, refs))
                n_oa_clin += flag
        return n_oa_clin

    def _render_conference_papers(self, job: dict, twins: dict[int, list[bytes]]) -> None:
        """The year's OpenAlex-only conference papers (a job of their own)."""
        y = job["year"]
        cf = job.get("conf")
        if cf is not None:
            quirks = dict(self.quirks)  # the PubMed quirk counts are of the PubMed records only
            for i, (cc, fo, na, clin, kwi, c, tp, ci, part) in enumerate(zip(*(cf[x].tolist() for x in (
                    "country", "foreign", "n_auth", "clinical", "kw", "conf", "topic", "cites", "part")))):
                twins.setdefault(part, []).append(self.conf_json(cf["k0"] + i, y, cc, list(fo), na, clin,
                                                                  KW_NAMES[kwi], c, tp, ci))
            self.quirks = quirks
