"""Citation links of a citing year, with the place and year of both ends."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from aigeo_assets.corpus.lookup import NULL_CODE, IdPositions, WorkCodes, values_at

KNOWN_PAPER_COLUMNS = ["work_id", "publication_year", "in_corpus", "city_geonames_id", "city_country_code", "bloc"]
"""The columns of ``core_papers`` that ``core_citations`` reads (the asset reads only these)."""

REFERENCE_COLUMNS = ["citing_work_id", "cited_work_id"]
"""The columns of ``raw_references`` that ``core_citations`` reads."""

REFERENCE_BATCH_ROWS = 4_000_000
"""References of a year turned into citations at once. A recent year of the real snapshot holds about
200 M references: the year is read and written a batch at a time, never held whole."""

KNOWN_PAPERS_CACHE_BYTES = 1 << 30
"""The most memory :class:`KnownPapers` keeps the earlier years' papers in, as read (their ids as
integers); the years beyond it are read again for each citing year. The paper world's papers of
every year take about 0.2 GB, so a run reads each year once; a real snapshot's years (about 10 M
works each) are read once per citing year instead of being held together (about 20 GB)."""

ReferenceBatches = Callable[[list[str]], Iterable[pd.DataFrame]]
"""The year's ``raw_references`` with only the given columns, a batch of rows at a time, in row order;
each call reads them again from the start."""


def _ids(column: pd.Series) -> pd.api.extensions.ExtensionArray | np.ndarray:
    """The work ids as the table holds them: a string column cast to ``str`` within Arrow (the
    dtype a round trip through Python strings gave, without one object per row); other dtypes as
    their numpy values, as before."""
    return column.astype("str").array if isinstance(column.dtype, pd.StringDtype) else column.to_numpy()


def _labels(flag: np.ndarray, yes: str, no: str) -> pd.api.extensions.ExtensionArray:
    """``yes`` where ``flag`` holds, else ``no``, as a ``string`` array (taken from the two labels,
    not built from one Python string per row)."""
    return pd.array([no, yes], dtype="string").take(flag.astype(np.intp))


@dataclass
class CitedRows:
    """Where a year's cited works are among the known papers: ``found`` holds one row per work found
    (:data:`KNOWN_PAPER_COLUMNS`), ``positions`` gives each cited id's row in it (-1: not known, or null)."""

    found: pd.DataFrame
    positions: Callable[[pd.Series], np.ndarray]


class KnownPapers:
    """The ``core_papers`` (:data:`KNOWN_PAPER_COLUMNS`) of the years a citing year's references are
    looked up among, read from ``partitions`` (``{year: table}``, each looked up when needed: a
    ``LazyPartitions`` reads its file then) in year order. The years read are kept, their ids coded as
    integers (:class:`WorkCodes`), while they fit in ``cache_bytes``; later years are read again
    whenever asked for. A range run of ``core_citations`` keeps one for all its years.

    Two ways to find the cited works (:meth:`cited_rows`), the same rows: when every year fits, the
    first row of each id among them all is indexed once and each citing year probes a prefix of it
    (hashing the papers once per run); else each year's distinct cited ids are indexed and every
    year's papers up to it probe them, one year at a time (hashing the cited ids once per citing year,
    holding one year of papers)."""

    def __init__(self, partitions: Mapping[str, pd.DataFrame], cache_bytes: int = KNOWN_PAPERS_CACHE_BYTES) -> None:
        self._partitions = partitions
        self._keys = sorted(partitions)
        self._cache_bytes = cache_bytes
        self._cached: dict[str, tuple[np.ndarray, pd.DataFrame]] = {}
        self._held = 0
        self._whole: tuple[IdPositions, pd.DataFrame, dict[str, int]] | None = None
        self._fits: bool | None = None
        self.codes = WorkCodes()
        """Codes every id this object compares: a non-OpenAlex id has a code only within one coder."""

    def papers(self, key: str) -> pd.DataFrame:
        """The papers of year ``key`` (kept if they fit, else read)."""
        return self._year(key)[1]

    def _year(self, key: str) -> tuple[np.ndarray, pd.DataFrame]:
        if key in self._cached:
            return self._cached[key]
        papers = self._partitions[key][KNOWN_PAPER_COLUMNS].reset_index(drop=True)
        got = (self.codes.encode(papers["work_id"]), papers)
        size = int(papers.memory_usage(index=False, deep=True).sum()) + got[0].nbytes
        if self._held + size <= self._cache_bytes:
            self._cached[key] = got
            self._held += size
        return got

    def _every_year_held(self) -> bool:
        """Whether every year fits the cache (read once to know); if so, the first row of each id
        among them all, indexed once (``_whole``: the index, the rows, each year's count of them)."""
        if self._fits is None:
            self._fits = True
            for k in self._keys:  # in year order, until one does not fit
                self._year(k)
                if k not in self._cached:
                    self._fits = False
                    break
            if self._fits and self._keys:
                codes = np.concatenate([self._cached[k][0] for k in self._keys])
                first = ~pd.Index(codes).duplicated()
                rows = pd.concat([self._cached[k][1] for k in self._keys], ignore_index=True)[first].reset_index(drop=True)
                bounds = np.cumsum([0, *(len(self._cached[k][0]) for k in self._keys)])
                kept = np.cumsum([int(first[lo:hi].sum()) for lo, hi in zip(bounds[:-1], bounds[1:])])
                index = IdPositions.of_codes(codes[first], self.codes)
                self._whole = (index, rows, dict(zip(self._keys, kept.tolist())))
        return self._fits

    def cited_rows(self, years: Sequence[str], cited_ids: Callable[[], Iterable[pd.Series]]) -> CitedRows:
        """The known papers of ``years`` (a prefix of the years, in order) that ``cited_ids`` (the
        year's cited work ids, batch by batch; read only when not every year is held) name: for each
        id its first row among them (the earliest year, then table order)."""
        if not years or list(years) != self._keys[: len(years)]:
            raise ValueError(f"cited_rows: the years must be the first of {self._keys[:3]}..., in order; got {list(years)[:3]}...")
        if self._every_year_held():
            index, rows, ends = self._whole
            return CitedRows(rows, functools.partial(index.positions, below=ends[years[-1]]))
        seen = [pd.unique(self.codes.encode(ids)) for ids in cited_ids()]
        cited = pd.Index(pd.unique(np.concatenate(seen)) if seen else np.array([], dtype=np.int64))
        del seen
        slot_of_row = np.full(len(cited) + 1, -1, dtype=np.int64)  # the extra slot answers an id not read before
        pieces, taken = [], 0
        for key in years:
            codes, papers = self._year(key)
            if not pieces:
                pieces.append(papers.iloc[:0])  # the columns' dtypes when no id is found
            at = cited.get_indexer(codes)
            at[codes == NULL_CODE] = -1
            rows = np.flatnonzero(at >= 0)
            at = at[rows]
            new = slot_of_row[at] < 0  # an id found in an earlier year keeps that year's row
            rows, at = rows[new], at[new]
            at, first = np.unique(at, return_index=True)  # an id twice in one year: its first row
            rows = rows[first]
            if len(rows):
                pieces.append(papers.iloc[rows])
                slot_of_row[at] = taken + np.arange(len(rows))
                taken += len(rows)
        return CitedRows(pd.concat(pieces, ignore_index=True), lambda ids: slot_of_row[cited.get_indexer(self.codes.encode(ids))])


def core_citation_batches(
    references: ReferenceBatches, citing_papers: pd.DataFrame, known: KnownPapers, known_years: Sequence[str],
) -> Iterator[pd.DataFrame]:
    """``core_citations`` of one citing year, a batch of references at a time (AlShebli et al. 2022's
    citation links between papers, with both ends' year, city, country and bloc for the impact and
    over-impact matrices, Fig. 1a and 2a-b).

    ``references``: the year's ``raw_references`` (read once, or twice when the known papers are not
    all held: the cited ids first); ``citing_papers``: the year's ``core_papers``;
    ``known``/``known_years``: the ``core_papers`` of every year up to and including the citing year,
    in year order. A reference is ``in_snapshot`` when the cited work is among those papers, else
    ``external``: outside the snapshot, or published after the citing year (such forward links are
    rare and are left out of every citation window, which counts citations from later years to
    earlier ones). References whose citing work is not among ``citing_papers`` are left out. A work
    id listed twice among the known papers counts by its first row (the earliest year, then table
    order). Citation counts are never taken from ``counts_by_year`` (conventions.md).

    Memory: one batch of references, the citing papers, and the known papers (:class:`KnownPapers`:
    every year's when they fit its cache, else the year's distinct cited works and one year of
    papers at a time); never a whole year of references."""
    if citing_papers["work_id"].duplicated().any():
        raise ValueError("citing papers: a work id appears twice")
    citing = citing_papers[KNOWN_PAPER_COLUMNS].reset_index(drop=True)
    citing_ids = IdPositions(citing["work_id"])
    cited = known.cited_rows(known_years, lambda: (b["cited_work_id"] for b in references(["cited_work_id"])))
    found = cited.found
    for refs in references(REFERENCE_COLUMNS):
        at_citing = citing_ids.positions(refs["citing_work_id"])
        keep = at_citing >= 0
        refs, at_citing = refs[keep], at_citing[keep]
        at_cited = cited.positions(refs["cited_work_id"])
        yield pd.DataFrame(
            {
                "citing_work_id": _ids(refs["citing_work_id"]),
                "cited_work_id": _ids(refs["cited_work_id"]),
                "citing_year": values_at(citing["publication_year"], at_citing),
                "cited_year": values_at(found["publication_year"], at_cited),
                "resolution": _labels(at_cited >= 0, "in_snapshot", "external"),
                "citing_in_corpus": values_at(citing["in_corpus"], at_citing),
                "cited_in_corpus": pd.Series(values_at(found["in_corpus"], at_cited)).fillna(False).to_numpy(),
                "citing_city_geonames_id": values_at(citing["city_geonames_id"], at_citing),
                "cited_city_geonames_id": values_at(found["city_geonames_id"], at_cited),
                "citing_country_code": values_at(citing["city_country_code"], at_citing),
                "cited_country_code": values_at(found["city_country_code"], at_cited),
                "citing_bloc": values_at(citing["bloc"], at_citing),
                "cited_bloc": values_at(found["bloc"], at_cited),
            }
        )


def build_core_citations(references: pd.DataFrame, citing_papers: pd.DataFrame, known_papers: pd.DataFrame) -> pd.DataFrame:
    """``core_citations`` of one citing year held whole (:func:`core_citation_batches` on one batch):
    ``references`` that year's ``raw_references``, ``known_papers`` the ``core_papers`` of every year
    up to and including it, in year order."""
    known = KnownPapers({"known": known_papers})
    return next(iter(core_citation_batches(lambda columns: [references[columns]], citing_papers, known, ["known"])))


def coverage_counts(citations: pd.DataFrame) -> dict[str, int]:
    """A batch of citations' rows: resolved, external, between corpus papers, between located papers."""
    in_snap = int((citations["resolution"] == "in_snapshot").sum())
    both = citations["citing_in_corpus"].fillna(False) & citations["cited_in_corpus"].fillna(False)
    located = both & citations["citing_city_geonames_id"].notna() & citations["cited_city_geonames_id"].notna()
    return {"rows": len(citations), "in_snapshot": in_snap, "external": len(citations) - in_snap,
            "corpus_to_corpus": int(both.sum()), "city_to_city": int(located.sum())}


def citation_coverage(counts: Mapping[str, int], n_references: int) -> dict[str, float | int]:
    """The year's counts for metadata (:func:`coverage_counts` summed over its batches)."""
    n = counts.get("rows", 0)
    in_snap = counts.get("in_snapshot", 0)
    return {
        "references": int(n_references),
        "in_snapshot": in_snap,
        "external": counts.get("external", 0),
        "share_in_snapshot": round(in_snap / n, 4) if n else 0.0,
        "corpus_to_corpus": counts.get("corpus_to_corpus", 0),
        "city_to_city": counts.get("city_to_city", 0),
    }
