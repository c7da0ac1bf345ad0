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
  papers that build on p ignore its references. Citers without a city count in neither.

The computation is set-based and vectorized (no per-paper Python loop): every (focal paper, citer)
pair is one int64 key. F is the window's links to focal papers; F ∩ B walks each F citer's own
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

from typing import Literal

import numpy as np
import pandas as pd

from aigeo_assets.schemas import SCHEMAS

DisruptionCiting = Literal["any", "corpus"]
DISRUPTION_CITING: tuple[str, ...] = ("any", "corpus")
"""The values of ``AIGEO_DISRUPTION_CITING``."""

CITATION_COLUMNS = ["citing_work_id", "cited_work_id", "citing_year", "resolution", "citing_in_corpus", "citing_bloc"]
"""The columns of ``core_citations`` the disruption assets read."""

DISRUPTION_COUNT_COLUMNS = ["n_forward", "n_backward", "n_both", "cd"]

_CHUNK_PAIRS = 20_000_000
"""(focal, citer) candidate pairs of B built at once; bounds memory at about 0.5 GB."""


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
    n_focal = len(focal)
    f_year = pd.to_numeric(focal["publication_year"]).to_numpy(dtype=np.int64)
    ref_focal = references["citing_work_id"].astype("string").to_numpy(dtype=object, na_value=None)
    ref_cited = references["cited_work_id"].astype("string").to_numpy(dtype=object, na_value=None)
    c_citing = citations["citing_work_id"].astype("string").to_numpy(dtype=object, na_value=None)
    c_cited = citations["cited_work_id"].astype("string").to_numpy(dtype=object, na_value=None)
    c_year = pd.to_numeric(citations["citing_year"]).to_numpy(dtype="float64", na_value=np.nan)
    # one integer code per work id: the focal papers first, so a focal paper's code is its position
    focal_ids = focal["work_id"].astype("string").to_numpy(dtype=object, na_value=None)
    codes, uniques = pd.factorize(np.concatenate([focal_ids, ref_focal, ref_cited, c_citing, c_cited]), use_na_sentinel=True)
    n_ids = max(len(uniques), 1)
    bounds = np.cumsum([0, n_focal, len(ref_focal), len(ref_cited), len(c_citing), len(c_cited)])
    fc, rf, rc, cc, cx = (codes[bounds[i] : bounds[i + 1]] for i in range(5))
    if n_focal and not np.array_equal(fc, np.arange(n_focal)):
        raise ValueError("focal papers: a null work id")
    # references of focal papers (code < n_focal), deduplicated: sorted keys p * n_ids + r
    ok = (rf >= 0) & (rf < n_focal) & (rc >= 0)
    ref_keys = np.unique(rf[ok].astype(np.int64) * n_ids + rc[ok])
    ref_p, ref_r = ref_keys // n_ids, ref_keys % n_ids
    # citations with both ends known
    ok = (cc >= 0) & (cx >= 0) & ~np.isnan(c_year)
    cc, cx, cy = cc[ok].astype(np.int64), cx[ok].astype(np.int64), c_year[ok].astype(np.int64)
    # F: the distinct citers of a focal paper within its window
    is_f = cx < n_focal
    fp, fcit, fy = cx[is_f], cc[is_f], cy[is_f]
    inside = (fy > f_year[fp]) & (fy <= f_year[fp] + window)
    f_keys = np.unique(fp[inside] * n_ids + fcit[inside])
    f_p, f_c = f_keys // n_ids, f_keys % n_ids
    n_f = np.bincount(f_p, minlength=n_focal)[:n_focal]
    # F ∩ B: the F citers that also cite one of the focal paper's references, found by walking each
    # F citer's own links (as many steps as those citers have references)
    by_citer = np.argsort(cc, kind="stable")
    out_start = np.searchsorted(cc[by_citer], np.arange(n_ids + 1))
    out_cited = cx[by_citer]
    in_both = np.zeros(len(f_keys), dtype=bool)
    for pair, offs in _expand(out_start[f_c + 1] - out_start[f_c], chunk_pairs):
        q = f_p[pair] * n_ids + out_cited[out_start[f_c[pair]] + offs]
        at = np.minimum(np.searchsorted(ref_keys, q), max(len(ref_keys) - 1, 0))
        hit = ref_keys[at] == q if len(ref_keys) else np.zeros(len(q), dtype=bool)
        in_both[pair[hit]] = True
    n_fb = np.bincount(f_p[in_both], minlength=n_focal)[:n_focal]
    # B: the distinct citers of a focal paper's references within its window. The focal papers of one
    # year share the window, so each year's references meet only the links of its window (indexed by
    # cited work); the pairs of a run of focal papers (chunks end between two papers) are complete,
    # deduplicated by sorting, counted and dropped
    n_b = np.zeros(n_focal, dtype=np.int64)
    ref_year = f_year[ref_p]
    for year in np.unique(ref_year):
        mine = np.flatnonzero(ref_year == year)
        yp, yr = ref_p[mine], ref_r[mine]  # sorted by focal paper
        rows = np.flatnonzero((cy > year) & (cy <= year + window))
        by_cited = rows[np.argsort(cx[rows], kind="stable")]
        w_citer = cc[by_cited]
        in_start = np.searchsorted(cx[by_cited], np.arange(n_ids + 1))
        k = in_start[yr + 1] - in_start[yr]
        ends = np.cumsum(k)
        paper_end = np.flatnonzero(np.r_[yp[1:] != yp[:-1], True]) + 1  # a paper's refs end at these rows
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
                keys = np.unique((yp[row] - p0) * n_ids + w_citer[in_start[yr[row]] + offs])
                n_b[p0 : yp[hi - 1] + 1] += np.bincount(keys // n_ids, minlength=int(yp[hi - 1] - p0 + 1))
            lo = hi
    denom = n_f + n_b - n_fb
    with np.errstate(invalid="ignore", divide="ignore"):
        cd = np.where(denom > 0, (n_f - 2 * n_fb) / np.maximum(denom, 1), np.nan)
    return pd.DataFrame(
        {
            "work_id": focal["work_id"].astype("string").to_numpy(),
            "n_forward": n_f.astype(np.int64),
            "n_backward": n_b.astype(np.int64),
            "n_both": n_fb.astype(np.int64),
            "cd": cd.astype(np.float64),
        }
    )


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
    ``citing``: ``any`` (every snapshot work cites) or ``corpus`` (AI corpus papers only)."""
    if citing not in DISRUPTION_CITING:
        raise ValueError(f"disruption citing: one of {', '.join(DISRUPTION_CITING)}, got {citing!r}")
    corpus = papers[papers["in_corpus"].fillna(False).to_numpy(bool)].drop_duplicates("work_id").reset_index(drop=True)
    focal = corpus[["work_id", "publication_year"]]
    resolved = focal_citations["resolution"].astype("string").fillna("") == "in_snapshot"
    refs = focal_citations.loc[resolved.to_numpy(bool), ["citing_work_id", "cited_work_id"]]
    cites = window_citations
    if len(cites) and "resolution" in cites:
        cites = cites[(cites["resolution"].astype("string").fillna("") == "in_snapshot").to_numpy(bool)]
    if citing == "corpus" and len(cites):
        cites = cites[cites["citing_in_corpus"].fillna(False).to_numpy(bool)]
    if not len(cites):
        cites = pd.DataFrame({"citing_work_id": pd.Series([], dtype="string"), "cited_work_id": pd.Series([], dtype="string"),
                              "citing_year": pd.Series([], dtype="Int64"), "citing_bloc": pd.Series([], dtype="string")})
    overall = cd_index(focal, refs, cites, window)
    at = pd.Index(focal["work_id"]).get_indexer(refs.drop_duplicates()["citing_work_id"])
    n_refs = np.bincount(at[at >= 0], minlength=len(focal)).astype(np.int64)
    bloc = cites["citing_bloc"].astype("string")
    east = cd_index(focal, refs, cites[(bloc == "East").fillna(False).to_numpy(bool)], window)
    west = cd_index(focal, refs, cites[(bloc == "West").fillna(False).to_numpy(bool)], window)
    out = pd.DataFrame(
        {
            "year": corpus["publication_year"].to_numpy(),
            "work_id": corpus["work_id"].to_numpy(),
            "city_geonames_id": corpus["city_geonames_id"].to_numpy(),
            "country_code": corpus["city_country_code"].to_numpy(),
            "bloc": corpus["bloc"].to_numpy(),
            "n_references": n_refs,
            **{c: overall[c].to_numpy() for c in DISRUPTION_COUNT_COLUMNS},
            "n_citers_east": (east["n_forward"] + east["n_backward"] - east["n_both"]).to_numpy(),
            "cd_east": east["cd"].to_numpy(),
            "n_citers_west": (west["n_forward"] + west["n_backward"] - west["n_both"]).to_numpy(),
            "cd_west": west["cd"].to_numpy(),
            "window_complete": np.full(len(focal), bool(window_complete)),
        }
    )
    return out


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
