"""Citation links of a citing year, with the place and year of both ends."""

from __future__ import annotations

import numpy as np
import pandas as pd

from aigeo_assets.corpus.lookup import IdPositions, positions_in, values_at

KNOWN_PAPER_COLUMNS = ["work_id", "publication_year", "in_corpus", "city_geonames_id", "city_country_code", "bloc"]
"""The columns of ``core_papers`` that ``build_core_citations`` reads (the asset reads only these)."""


def _ids(column: pd.Series) -> pd.api.extensions.ExtensionArray | np.ndarray:
    """The work ids as the table holds them: a string column cast to ``str`` within Arrow (the
    dtype a round trip through Python strings gave, without one object per row); other dtypes as
    their numpy values, as before."""
    return column.astype("str").array if isinstance(column.dtype, pd.StringDtype) else column.to_numpy()


def _labels(flag: np.ndarray, yes: str, no: str) -> pd.api.extensions.ExtensionArray:
    """``yes`` where ``flag`` holds, else ``no``, as a ``string`` array (taken from the two labels,
    not built from one Python string per row)."""
    return pd.array([no, yes], dtype="string").take(flag.astype(np.intp))


def build_core_citations(
    references: pd.DataFrame, citing_papers: pd.DataFrame, known_papers: pd.DataFrame, *, known_unique: bool = False,
    known_ids: IdPositions | None = None,
) -> pd.DataFrame:
    """``core_citations`` of one citing year.

    ``references`` are that year's ``raw_references``; ``citing_papers`` that year's ``core_papers``;
    ``known_papers`` the ``core_papers`` of every year up to and including the citing year (only
    :data:`KNOWN_PAPER_COLUMNS` are read). A reference is ``in_snapshot`` when the cited work is among
    ``known_papers``, else ``external``: outside the snapshot, or published after the citing year
    (such forward links are rare and are left out of every citation window, which counts citations
    from later years to earlier ones). References whose citing work is not among ``citing_papers``
    are left out. Citation counts are never taken from ``counts_by_year`` (conventions.md).
    The lookups are hash joins in Arrow (:func:`positions_in`), linear in references + papers.
    A work id listed twice among ``known_papers`` counts by its first row; ``known_unique=True`` says
    the caller kept only those first rows already (a range run finds them once for all its years,
    instead of hashing every known id again each year). ``known_ids``: the known papers' ids already
    indexed, ``known_papers`` being their first ``len(known_papers)`` rows (a range run indexes the
    papers up to its last year once, then looks each year's references up among a prefix of them).
    """
    if known_ids is not None and not (known_unique and len(known_papers) <= len(known_ids)):
        raise ValueError("known_ids: the known papers must be the first rows of the ids indexed, each id once")
    if citing_papers["work_id"].duplicated().any():
        raise ValueError("citing papers: a work id appears twice")
    citing = citing_papers[KNOWN_PAPER_COLUMNS].reset_index(drop=True)
    cited = known_papers[KNOWN_PAPER_COLUMNS]
    cited = (cited if known_unique else cited.drop_duplicates("work_id")).reset_index(drop=True)
    at_citing = positions_in(references["citing_work_id"], citing["work_id"])
    keep = at_citing >= 0
    refs = references[keep]
    at_citing = at_citing[keep]
    at_cited = (positions_in(refs["cited_work_id"], cited["work_id"]) if known_ids is None
                else known_ids.positions(refs["cited_work_id"], below=len(cited)))
    resolved = at_cited >= 0
    out = pd.DataFrame(
        {
            "citing_work_id": _ids(refs["citing_work_id"]),
            "cited_work_id": _ids(refs["cited_work_id"]),
            "citing_year": values_at(citing["publication_year"], at_citing),
            "cited_year": values_at(cited["publication_year"], at_cited),
            "resolution": _labels(resolved, "in_snapshot", "external"),
            "citing_in_corpus": values_at(citing["in_corpus"], at_citing),
            "cited_in_corpus": pd.Series(values_at(cited["in_corpus"], at_cited)).fillna(False).to_numpy(),
            "citing_city_geonames_id": values_at(citing["city_geonames_id"], at_citing),
            "cited_city_geonames_id": values_at(cited["city_geonames_id"], at_cited),
            "citing_country_code": values_at(citing["city_country_code"], at_citing),
            "cited_country_code": values_at(cited["city_country_code"], at_cited),
            "citing_bloc": values_at(citing["bloc"], at_citing),
            "cited_bloc": values_at(cited["bloc"], at_cited),
        }
    )
    return out


def citation_coverage(citations: pd.DataFrame, n_references: int) -> dict[str, float | int]:
    """Counts for metadata: resolved, external, between corpus papers, between located papers."""
    n = len(citations)
    in_snap = int((citations["resolution"] == "in_snapshot").sum())
    both = citations["citing_in_corpus"].fillna(False) & citations["cited_in_corpus"].fillna(False)
    located = both & citations["citing_city_geonames_id"].notna() & citations["cited_city_geonames_id"].notna()
    return {
        "references": int(n_references),
        "in_snapshot": in_snap,
        "external": n - in_snap,
        "share_in_snapshot": round(in_snap / n, 4) if n else 0.0,
        "corpus_to_corpus": int(both.sum()),
        "city_to_city": int(located.sum()),
    }
