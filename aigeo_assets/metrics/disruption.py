"""Disruption: the CD index of every AI paper (AlShebli et al. 2022, Supplementary Fig. 3).

AlShebli et al. 2022 ranks cities by their papers among the 10 % most disruptive (Supplementary Fig. 3a) and
the 10 % most developmental (3b) AI papers of each year, by the measure of Wu, Wang & Evans (2019),
the CD index of Funk & Owen-Smith (2017). For a focal paper p published in year y with references
R(p), over a window of t years:

- F = the works citing p, B = the works citing at least one r in R(p), both counting only citing
  works published in y+1..y+t;
- CD_t(p) = (|F| - 2|F ∩ B|) / |F ∪ B| = (|F| - 2|F ∩ B|) / (|F| + |B| - |F ∩ B|).

A citer of p that ignores p's references counts +1, one that cites p and its references -1, one
that cites only the references 0 (it only enlarges the denominator). CD ranges from -1
(developmental) to 1 (disruptive); a paper with no citer in F ∪ B has no CD (NaN, counted).

**Choices** (the paper names the measure, not its details):

- *Window*: citers published strictly after the focal year, up to y+t inclusive, which is what
  Funk's reference implementation (``cdindex``, timestamps in years) computes; same-year citers do
  not count. t = ``AIGEO_DISRUPTION_WINDOW`` (default 5, the CD_5 of Wu et al.).
- *References*: the focal paper's resolved references (``core_citations`` rows with
  ``resolution = in_snapshot``: works of the snapshot up to its year), AI or not; a reference outside
  the snapshot has no known citers.
- *Citers*: every work of the snapshot (``AIGEO_DISRUPTION_CITING=any``, MAG's citation graph, as
  AlShebli et al. 2022's impact) or only AI corpus papers (``corpus``).
- *Beyond the paper, disruption seen from one bloc*: the same index with F and B restricted to
  citers of one bloc (East or West, the citing paper's city), so CD_East(p) says whether Eastern
  papers that build on p ignore its references. Citers without a city count in neither. A citing
  work has one bloc, so one pass gives the three indexes (``cd_counts(citing_group=...)``: each
  pair counted toward its citer's bloc; all citers are the blocs' sum).

Work ids are integers (``WorkCodes``: an OpenAlex ``W<digits>`` id is its number, 8 bytes instead of
a Python string) and a year of ``core_citations`` is read a batch at a time and kept as arrays of
those resolved links only that can count for a focal year of the run (``WindowLinks``,
``CitationLinks``: 20 bytes a link), so a range run holds the AI corpus's citation neighbourhood of
its window, not the window's citations; a focal year keeps, of each citing year, only the links to
its papers and their references. The computation is set-based and vectorized (no per-paper Python loop): every (focal
paper, citer) pair is one int64 key. F is the window's links to focal papers; F ∩ B walks each F citer's own
references and looks them up among the focal paper's (sorted keys); B joins the window's links to
the focal papers' references, one publication year of focal papers at a time (the papers of a year
share the window), in runs of focal papers of about ``_CHUNK_PAIRS`` pairs each, deduplicated by
sorting (a run holds every pair of its papers, so nothing is kept across runs), and |F|,
|B|, |F ∩ B| are bincounts. The work is the number of (focal paper, citer of one of its
references) pairs before deduplication, as for any implementation of the index (``cdindex`` walks
the same pairs one focal paper at a time). Equal to ``cdindex`` on random graphs and on the sample
world (``aigeo_assets_tests/metrics/test_disruption.py``); ``benchmarks/disruption.py`` measures both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from aigeo_assets.corpus.lookup import NULL_CODE, WorkCodes, run_ends
from aigeo_assets.schemas import SCHEMAS

DisruptionCiting = Literal["any", "corpus"]
DISRUPTION_CITING: tuple[str, ...] = ("any", "corpus")
"""The values of ``AIGEO_DISRUPTION_CITING``."""

CITATION_COLUMNS = ["citing_work_id", "cited_work_id", "citing_year", "resolution", "citing_in_corpus", "citing_bloc"]
"""The columns of ``core_citations`` the disruption assets read."""

PAPER_COLUMNS = ["work_id", "publication_year", "in_corpus", "city_geonames_id", "city_country_code", "bloc"]
"""The columns of ``core_papers`` the disruption assets read (of the corpus's rows only:
``metrics.cities.CORPUS_PAPER_ROWS``; the index is computed for corpus papers)."""

DISRUPTION_COUNT_COLUMNS = ["n_forward", "n_backward", "n_both", "cd"]

_CHUNK_PAIRS = 1_000_000
"""(focal, citer) candidate pairs of B built at once: about 50 bytes a pair, so ~50 MB (20 M pairs took
~1 GB; on the demo warehouse's citations copied eight times 1 M was also the fastest of 0.5-20 M)."""


NO_YEAR = np.iinfo(np.int16).min
"""The citing year of a link whose year is unknown (it falls in no window)."""

BLOC_CODES = {"East": 1, "West": 2}
"""``citing_bloc`` as a small integer (0: no city, or another value)."""


@dataclass(frozen=True)
class CitationLinks:
    """``core_citations`` links as arrays (20 bytes a link): the citing and cited works' codes
    (:class:`WorkCodes`), the citing year (int16, :data:`NO_YEAR` when unknown), the citing bloc
    (:data:`BLOC_CODES`, 0 for none) and whether the citing work is an AI corpus paper."""

    citing: np.ndarray
    cited: np.ndarray
    year: np.ndarray
    bloc: np.ndarray
    in_corpus: np.ndarray

    def __len__(self) -> int:
        return len(self.citing)

    def take(self, rows: np.ndarray) -> CitationLinks:
        """The links at ``rows`` (a boolean mask or positions)."""
        return CitationLinks(self.citing[rows], self.cited[rows], self.year[rows], self.bloc[rows], self.in_corpus[rows])

    @staticmethod
    def concat(parts: Sequence[CitationLinks]) -> CitationLinks:
        """The links of every part, in order."""
        if not parts:
            return citation_links(pd.DataFrame(columns=["citing_work_id", "cited_work_id", "citing_year"]), WorkCodes())
        return CitationLinks(*(np.concatenate([getattr(p, f) for p in parts]) for f in ("citing", "cited", "year", "bloc", "in_corpus")))


def citation_links(citations: pd.DataFrame, codes: WorkCodes) -> CitationLinks:
    """The resolved links of a ``core_citations`` table (``resolution = in_snapshot``; every row when
    the column is absent) as :class:`CitationLinks`, ids coded by ``codes``. Only the columns used
    (:data:`CITATION_COLUMNS`, the bloc and corpus flag optional) are read; the table can be dropped
    afterwards."""
    keep = ((citations["resolution"].astype("string").fillna("") == "in_snapshot").to_numpy(bool) if "resolution" in citations
            else np.ones(len(citations), dtype=bool))
    n = int(keep.sum())

    def column(name: str) -> pd.Series:  # the kept rows of one column (not a copy of the whole table)
        return citations[name][keep]

    year = pd.to_numeric(column("citing_year")).astype("Int64").to_numpy(dtype=np.int64, na_value=NO_YEAR)
    if len(year) and ((year != NO_YEAR) & ((year <= NO_YEAR) | (year > np.iinfo(np.int16).max))).any():
        raise ValueError("citing_year: a year outside -32767..32767")
    bloc = np.zeros(n, dtype=np.int8)
    if "citing_bloc" in citations:
        b = column("citing_bloc").astype("string")
        for name, code in BLOC_CODES.items():
            bloc[(b == name).fillna(False).to_numpy(bool)] = code
    in_corpus = column("citing_in_corpus").fillna(False).to_numpy(bool) if "citing_in_corpus" in citations else np.zeros(n, dtype=bool)
    return CitationLinks(codes.encode(column("citing_work_id")), codes.encode(column("cited_work_id")), year.astype(np.int16), bloc, in_corpus)


def _expand(counts: np.ndarray, chunk: int):
    """For rows with ``counts[i]`` items each: chunks of (row index, offset within the row) for every
    item, about ``chunk`` items at a time (a row is never split)."""
    ends = np.cumsum(counts)
    lo = 0
    while lo < len(counts):
        base = ends[lo - 1] if lo else 0
        hi = max(int(np.searchsorted(ends, base + chunk, side="right")), lo + 1)
        k = counts[lo:hi]
        row = np.repeat(np.arange(lo, hi), k)
        offs = np.arange(len(row)) - np.repeat(np.cumsum(k) - k, k)
        if len(row):
            yield row, offs
        lo = hi


def cd_counts(
    focal: np.ndarray,
    focal_year: np.ndarray,
    ref_focal: np.ndarray,
    ref_cited: np.ndarray,
    citing: np.ndarray,
    cited: np.ndarray,
    citing_year: np.ndarray,
    window: int,
    *,
    citing_group: np.ndarray | None = None,
    n_groups: int = 1,
    chunk_pairs: int = _CHUNK_PAIRS,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(|F|, |B|, |F ∩ B|)`` of every focal paper (int64 arrays in ``focal``'s order), from work
    codes (:class:`WorkCodes`; :data:`NULL_CODE` ends are left out): ``focal`` (distinct) and their
    years; references ``ref_focal -> ref_cited`` (rows whose citing work is not focal are ignored);
    citations ``citing -> cited`` made in ``citing_year``. Duplicate links count once.

    ``citing_group`` (one integer 0..``n_groups`` - 1 per citation, the same for every link of a
    citing work, else a ValueError): each count split by the citer's group, arrays of shape
    (``n_groups``, focal papers). A group's counts are those of its citations alone (a citer's links
    are all in its group), and the counts over all citers their sum, so one pass gives both (the
    blocs of ``year_disruption``).

    Only links to a focal paper or to one of its references can count, so those are kept first
    (a hash lookup of the cited code among them); the cited side is numbered focal papers first
    (a focal paper's number is its position), the citing side apart."""
    n_focal = len(focal)
    if (focal == NULL_CODE).any() or len(np.unique(focal)) != n_focal:
        raise ValueError("focal papers: a null work id or one that appears twice")
    f_year = np.asarray(focal_year, dtype=np.int64)
    # the cited side: focal papers, then their references; references deduplicated as keys p * n_t + r
    ref_p = pd.Index(focal).get_indexer(ref_focal)
    ok = (ref_p >= 0) & (ref_cited != NULL_CODE)
    t_codes, targets = pd.factorize(np.concatenate([focal, ref_cited[ok]]))
    n_t = max(len(targets), 1)
    ref_keys = np.unique(ref_p[ok].astype(np.int64) * n_t + t_codes[n_focal:])
    ref_p, ref_r = ref_keys // n_t, ref_keys % n_t
    # the citations that can count: to a target, from a known work, in some focal paper's window
    cx = pd.Index(targets).get_indexer(cited) if len(cited) else np.zeros(0, dtype=np.int64)
    cy = np.asarray(citing_year, dtype=np.int64)
    lo_year, hi_year = (int(f_year.min()), int(f_year.max()) + window) if n_focal else (0, -1)
    keep = np.flatnonzero((cx >= 0) & (citing != NULL_CODE) & (cy > lo_year) & (cy <= hi_year))
    cx, cy = cx[keep].astype(np.int64), cy[keep]
    cc, citers = pd.factorize(citing[keep])
    cc = cc.astype(np.int64)
    n_c = max(len(citers), 1)
    n_g = 1 if citing_group is None else n_groups
    c_group = np.zeros(n_c, dtype=np.int64)  # each citer's group
    if citing_group is not None:
        g = np.asarray(citing_group)[keep].astype(np.int64)
        if len(g) and (g.min() < 0 or g.max() >= n_g):
            raise ValueError(f"citing groups: integers 0..{n_g - 1}, got {g.min()}..{g.max()}")
        c_group[cc] = g
        if (c_group[cc] != g).any():
            raise ValueError(f"citing groups: {len(np.unique(cc[c_group[cc] != g]))} citing works have links in two groups")
        del g
    del keep, citers

    def by_group(papers: np.ndarray, citers: np.ndarray | None, n: int) -> np.ndarray:  # (n, n_g) counts of the pairs
        keys = papers if n_g == 1 else papers * n_g + c_group[citers]
        return np.bincount(keys, minlength=n * n_g)[: n * n_g].reshape(n, n_g)

    # F: the distinct citers of a focal paper within its window
    is_f = cx < n_focal
    fp, fcit, fy = cx[is_f], cc[is_f], cy[is_f]
    inside = (fy > f_year[fp]) & (fy <= f_year[fp] + window)
    f_keys = np.unique(fp[inside] * n_c + fcit[inside])
    del is_f, fp, fcit, fy, inside
    f_p, f_c = f_keys // n_c, f_keys % n_c
    n_f = by_group(f_p, f_c, n_focal)
    # F ∩ B: the F citers that also cite one of the focal paper's references, found by walking each
    # F citer's own links (as many steps as those citers have links kept)
    by_citer = np.argsort(cc, kind="stable")
    out_start = np.searchsorted(cc[by_citer], np.arange(n_c + 1))
    out_cited = cx[by_citer]
    del by_citer
    in_both = np.zeros(len(f_keys), dtype=bool)
    for pair, offs in _expand(out_start[f_c + 1] - out_start[f_c], chunk_pairs):
        q = f_p[pair] * n_t + out_cited[out_start[f_c[pair]] + offs]
        at = np.minimum(np.searchsorted(ref_keys, q), max(len(ref_keys) - 1, 0))
        hit = ref_keys[at] == q if len(ref_keys) else np.zeros(len(q), dtype=bool)
        in_both[pair[hit]] = True
    n_fb = by_group(f_p[in_both], f_c[in_both], n_focal)
    del out_start, out_cited, in_both, f_keys, f_p, f_c
    # B: the distinct citers of a focal paper's references within its window. The focal papers of one
    # year share the window, so each year's references meet only the links of its window (indexed by
    # cited work); the pairs of a run of focal papers (chunks end between two papers) are complete,
    # deduplicated by sorting, counted and dropped
    n_b = np.zeros((n_focal, n_g), dtype=np.int64)
    ref_year = f_year[ref_p]
    for year in np.unique(ref_year):
        mine = np.flatnonzero(ref_year == year)
        yp, yr = ref_p[mine], ref_r[mine]  # sorted by focal paper
        rows = np.flatnonzero((cy > year) & (cy <= year + window))
        by_cited = rows[np.argsort(cx[rows], kind="stable")]
        w_citer = cc[by_cited]
        in_start = np.searchsorted(cx[by_cited], np.arange(n_t + 1))
        del rows, by_cited
        k = in_start[yr + 1] - in_start[yr]
        ends = np.cumsum(k)
        paper_end = np.flatnonzero(run_ends(yp)) + 1  # a paper's refs end at these rows
        lo = 0
        while lo < len(yp):
            base = ends[lo - 1] if lo else 0
            at = int(np.searchsorted(ends[paper_end - 1], base + chunk_pairs, side="right"))
            hi = int(paper_end[at - 1]) if at and paper_end[at - 1] > lo else int(paper_end[np.searchsorted(paper_end, lo, side="right")])
            kk = k[lo:hi]
            row = np.repeat(np.arange(lo, hi), kk)
            if len(row):
                offs = np.arange(len(row)) - np.repeat(np.cumsum(kk) - kk, kk)
                p0 = yp[lo]
                keys = np.unique((yp[row] - p0) * n_c + w_citer[in_start[yr[row]] + offs])
                n_b[p0 : yp[hi - 1] + 1] += by_group(keys // n_c, None if n_g == 1 else keys % n_c, int(yp[hi - 1] - p0 + 1))
            lo = hi
    if citing_group is None:
        return n_f[:, 0].astype(np.int64), n_b[:, 0], n_fb[:, 0].astype(np.int64)
    return n_f.T.astype(np.int64), n_b.T.copy(), n_fb.T.astype(np.int64)


def cd_index(
    focal: pd.DataFrame,
    references: pd.DataFrame,
    citations: pd.DataFrame,
    window: int,
    *,
    chunk_pairs: int = _CHUNK_PAIRS,
) -> pd.DataFrame:
    """The CD_window index of every focal paper.

    ``focal``: ``work_id``, ``publication_year`` (one row per paper); ``references``:
    ``citing_work_id`` (a focal paper), ``cited_work_id`` (its reference); ``citations``:
    ``citing_work_id``, ``cited_work_id``, ``citing_year``: the links whose citing work may count in F
    or B (already restricted to the citers wanted: a bloc, the corpus). Duplicate links count once.

    Returns one row per focal paper, in ``focal``'s order: ``work_id``, ``n_forward`` (|F|),
    ``n_backward`` (|B|), ``n_both`` (|F ∩ B|), ``cd`` (NaN when F ∪ B is empty)."""
    if window < 0:
        raise ValueError(f"disruption window: a whole number of years >= 0, got {window}")
    if focal["work_id"].duplicated().any():
        raise ValueError("focal papers: a work id appears twice")
    codes = WorkCodes()
    focal_codes = codes.encode(focal["work_id"])
    if (focal_codes == NULL_CODE).any():
        raise ValueError("focal papers: a null work id")
    year = pd.to_numeric(citations["citing_year"]).astype("Int64").to_numpy(dtype=np.int64, na_value=NO_YEAR)
    n_f, n_b, n_fb = cd_counts(
        focal_codes, pd.to_numeric(focal["publication_year"]).to_numpy(dtype=np.int64),
        codes.encode(references["citing_work_id"]), codes.encode(references["cited_work_id"]),
        codes.encode(citations["citing_work_id"]), codes.encode(citations["cited_work_id"]), year,
        window, chunk_pairs=chunk_pairs,
    )
    return pd.DataFrame(
        {
            "work_id": focal["work_id"].astype("string").to_numpy(),
            "n_forward": n_f,
            "n_backward": n_b,
            "n_both": n_fb,
            "cd": _cd(n_f, n_b, n_fb),
        }
    )


def _cd(n_f: np.ndarray, n_b: np.ndarray, n_fb: np.ndarray) -> np.ndarray:
    """(|F| - 2|F ∩ B|) / |F ∪ B|, NaN where F ∪ B is empty."""
    denom = n_f + n_b - n_fb
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, (n_f - 2 * n_fb) / np.maximum(denom, 1), np.nan).astype(np.float64)


def paper_disruption(
    papers: pd.DataFrame,
    focal_citations: pd.DataFrame,
    window_citations: pd.DataFrame,
    window: int,
    citing: DisruptionCiting = "any",
    *,
    window_complete: bool = True,
) -> pd.DataFrame:
    """``out_disruption`` of one publication year: the CD index of its AI corpus papers, over all
    citers and seen from each bloc.

    ``papers``: the year's ``core_papers`` (``work_id``, ``publication_year``, ``in_corpus``,
    ``city_geonames_id``, ``city_country_code``, ``bloc``); ``focal_citations``: the year's
    ``core_citations`` (the focal papers' references); ``window_citations``: ``core_citations`` of the
    citing years after it (:data:`CITATION_COLUMNS`; years outside the window are ignored).
    ``citing``: ``any`` (every snapshot work cites) or ``corpus`` (AI corpus papers only). The tables
    are coded (:func:`citation_links`) and handed to :func:`year_disruption`."""
    codes = WorkCodes()
    return year_disruption(papers, citation_links(focal_citations, codes), [citation_links(window_citations, codes)], codes,
                           window, citing, window_complete=window_complete)


def focal_papers(papers: pd.DataFrame) -> pd.DataFrame:
    """The focal papers of a year's ``core_papers``: its AI corpus papers, each work id once."""
    return papers[papers["in_corpus"].fillna(False).to_numpy(bool)].drop_duplicates("work_id").reset_index(drop=True)


CITATION_BATCH_ROWS = 4_000_000
"""Rows of a year's ``core_citations`` read and coded at once by :class:`WindowLinks`."""


class WindowLinks:
    """The citation years a range run of ``out_disruption`` reads, each coded (:func:`citation_links`)
    when a window first needs it and held while one does, keeping only the links that can count for a
    focal year of the run: the year's own focal papers' references (links from them) and the links to
    a focal paper or a reference of a focal year whose window holds the year (to its *targets*). On a
    real snapshot a year makes about 200 M citations and the AI corpus's neighbourhood a few per cent
    of them: the run holds that, where it held every resolved link of W + 1 years (20 bytes each).
    A year is read a batch at a time, so its table is never held either.

    ``citations(year)``: the year's ``core_citations`` (:data:`CITATION_COLUMNS`), batch by batch;
    ``years``: the citation years there are to read; ``papers``: ``{year: core_papers}`` of the run's
    focal years (read when looked up); all ids coded by ``codes``. :meth:`window` gives a focal year's
    links; focal years are asked for in increasing order."""

    def __init__(self, citations: Callable[[int], Iterable[pd.DataFrame]], years: Sequence[int],
                 papers: Mapping[str, pd.DataFrame], window: int, codes: WorkCodes) -> None:
        self._citations, self._years, self._papers = citations, sorted(years), papers
        self._window, self._codes = window, codes
        self._focal: dict[int, pd.Index] = {}
        self._targets: dict[int, np.ndarray] = {}
        self._held: dict[int, CitationLinks] = {}
        self._current: int | None = None

    def _focal_of(self, year: int) -> pd.Index | None:
        """The codes of year ``year``'s focal papers (None: not a focal year of the run)."""
        if str(year) not in self._papers:
            return None
        if year not in self._focal:
            self._focal[year] = pd.Index(self._codes.encode(focal_papers(self._papers[str(year)])["work_id"]))
        return self._focal[year]

    def _code(self, year: int) -> CitationLinks:
        """Year ``year``'s links that can count for a focal year from the current one on (its targets:
        every focal year before ``year`` from the current one on is coded first)."""
        earlier = [f for f in range(max(self._current, year - self._window), year) if self._focal_of(f) is not None]
        parts = [self._targets[f] if f in self._targets else self._focal_of(f).to_numpy() for f in earlier]
        targets = np.concatenate(parts) if parts else np.array([], dtype=np.int64)  # isin hashes them once a batch, repeats and all
        own = self._focal_of(year)
        kept, refs = [], []
        for batch in self._citations(year):
            links = citation_links(batch, self._codes)
            keep = pd.Series(links.cited, copy=False).isin(targets).to_numpy(bool)
            if own is not None:
                mine = own.get_indexer(links.citing) >= 0
                keep = keep | mine
                refs.append(links.cited[mine])
            kept.append(links.take(keep))
        if own is not None:
            cited = np.concatenate(refs) if refs else np.array([], dtype=np.int64)
            self._targets[year] = pd.unique(np.concatenate([own.to_numpy(), cited[cited != NULL_CODE]]))
        return CitationLinks.concat(kept)

    def window(self, year: int) -> tuple[CitationLinks, list[CitationLinks], list[int]]:
        """Focal year ``year``'s links (its own year's), those of the citing years after it in its
        window, and those years; the years before ``year`` are dropped."""
        if self._current is not None and year < self._current:
            raise ValueError(f"focal years in increasing order: {year} after {self._current}")
        self._current = year
        for y in [y for y in self._held if y < year]:
            del self._held[y]
        for y in [y for y in self._targets if y < year]:
            del self._targets[y]
        in_window = [y for y in self._years if year <= y <= year + self._window]
        for y in in_window:  # in increasing order: a year's targets come from the focal years before it
            if y not in self._held:
                self._held[y] = self._code(y)
        later = [y for y in in_window if y > year]
        own = self._held[year] if year in in_window else CitationLinks.concat([])
        return own, [self._held[y] for y in later], later


def year_disruption(
    papers: pd.DataFrame,
    focal_links: CitationLinks,
    window_links: Sequence[CitationLinks],
    codes: WorkCodes,
    window: int,
    citing: DisruptionCiting = "any",
    *,
    window_complete: bool = True,
) -> pd.DataFrame:
    """:func:`paper_disruption` from coded links: ``focal_links`` the year's own (the focal papers'
    references), ``window_links`` those of the citing years after it (one :class:`CitationLinks` per
    year, all coded by ``codes``). Of each year only the links to a focal paper or to one of its
    references are kept before the years are joined, so the year's memory is about those links, not
    the window's."""
    if citing not in DISRUPTION_CITING:
        raise ValueError(f"disruption citing: one of {', '.join(DISRUPTION_CITING)}, got {citing!r}")
    if window < 0:
        raise ValueError(f"disruption window: a whole number of years >= 0, got {window}")
    corpus = focal_papers(papers)
    focal = codes.encode(corpus["work_id"])
    if (focal == NULL_CODE).any():
        raise ValueError("focal papers: a null work id")
    f_year = pd.to_numeric(corpus["publication_year"]).to_numpy(dtype=np.int64)
    # the references: the focal year's resolved links from focal papers, deduplicated as keys focal
    # position x distinct reference (a null reference counts once; the order of the pairs is not used)
    at = pd.Index(focal).get_indexer(focal_links.citing)
    mine = at >= 0
    r_codes, r_values = pd.factorize(focal_links.cited[mine])
    n_r = max(len(r_values), 1)
    keys = np.unique(at[mine].astype(np.int64) * n_r + r_codes)
    n_refs = np.bincount(keys // n_r, minlength=len(focal)).astype(np.int64)
    ref_p, ref_r = focal[keys // n_r], np.asarray(r_values)[keys % n_r]
    del at, mine, r_codes, r_values, keys
    targets = np.concatenate([focal, ref_r[ref_r != NULL_CODE]])
    kept = [links.take(pd.Series(links.cited, copy=False).isin(targets).to_numpy(bool)) for links in window_links]
    cites = CitationLinks.concat(kept)
    del kept
    if citing == "corpus":
        cites = cites.take(cites.in_corpus)

    by_bloc = cd_counts(focal, f_year, ref_p, ref_r, cites.citing, cites.cited, cites.year, window,
                        citing_group=cites.bloc, n_groups=max(BLOC_CODES.values()) + 1)
    n_f, n_b, n_fb = (counts.sum(axis=0) for counts in by_bloc)
    east, west = ([counts[BLOC_CODES[bloc]] for counts in by_bloc] for bloc in ("East", "West"))
    return pd.DataFrame(
        {
            "year": corpus["publication_year"].to_numpy(),
            "work_id": corpus["work_id"].to_numpy(),
            "city_geonames_id": corpus["city_geonames_id"].to_numpy(),
            "country_code": corpus["city_country_code"].to_numpy(),
            "bloc": corpus["bloc"].to_numpy(),
            "n_references": n_refs,
            "n_forward": n_f,
            "n_backward": n_b,
            "n_both": n_fb,
            "cd": _cd(n_f, n_b, n_fb),
            "n_citers_east": east[0] + east[1] - east[2],
            "cd_east": _cd(*east),
            "n_citers_west": west[0] + west[1] - west[2],
            "cd_west": _cd(*west),
            "window_complete": np.full(len(focal), bool(window_complete)),
        }
    )


def disruption_city_ranks(disruption: pd.DataFrame, cities: pd.DataFrame | None = None, *, share: float = 0.10) -> pd.DataFrame:
    """``out_disruption_city_ranks``: per year and city, its AI papers among the year's ``share``
    (10 %) most disruptive and most developmental papers (Supplementary Fig. 3a/3b), and its rank.

    ``disruption``: ``out_disruption`` of every year; ``cities``: ``city_geonames_id``, ``city_name``
    (optional). **Choices:** the year's papers with a CD index are ranked (NaN left out); the top
    decile holds the papers whose CD is at least the year's (1 - share) quantile (numpy's linear
    interpolation) and above 0, the
    bottom decile those at most the share quantile and below 0: a tie at the cut is in (so a decile may
    hold more than 10 % of the papers), and a paper with CD 0 is neither disruptive nor developmental
    however few papers are. Cities are ranked by their papers in the decile (1 = most; ties share the
    best rank); papers without a city count toward the cut, not toward any city."""
    d = disruption[disruption["cd"].notna().to_numpy(bool)]
    if d.empty:
        return SCHEMAS["out_disruption_city_ranks"].empty()
    if "window_complete" not in d:
        d = d.assign(window_complete=True)
    cd = d["cd"].astype("float64")
    hi = d.groupby("year")["cd"].transform(lambda s: np.quantile(s.astype("float64"), 1 - share)).astype("float64")
    lo = d.groupby("year")["cd"].transform(lambda s: np.quantile(s.astype("float64"), share)).astype("float64")
    d = d.assign(disruptive=((cd >= hi) & (cd > 0)).to_numpy(), developmental=((cd <= lo) & (cd < 0)).to_numpy(), cdv=cd.to_numpy())
    d = d[d["city_geonames_id"].notna().to_numpy(bool)]
    g = d.groupby(["year", "city_geonames_id"], as_index=False).agg(
        bloc=("bloc", "first"), n_papers=("work_id", "size"), n_disruptive=("disruptive", "sum"),
        n_developmental=("developmental", "sum"), cd_mean=("cdv", "mean"), window_complete=("window_complete", "all"))
    g["share_disruptive"] = g["n_disruptive"] / g["n_papers"]
    g["share_developmental"] = g["n_developmental"] / g["n_papers"]
    g["rank_disruptive"] = g.groupby("year")["n_disruptive"].rank(method="min", ascending=False).astype("int64")
    g["rank_developmental"] = g.groupby("year")["n_developmental"].rank(method="min", ascending=False).astype("int64")
    if cities is not None and len(cities):
        names = cities.drop_duplicates("city_geonames_id").set_index("city_geonames_id")["city_name"]
    else:
        names = pd.Series(dtype="string")
    g["city_name"] = g["city_geonames_id"].map(names)
    return g.sort_values(["year", "rank_disruptive", "city_geonames_id"], ignore_index=True)
