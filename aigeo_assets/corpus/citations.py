"""Citation links of a citing year, with the place and year of both ends."""

from __future__ import annotations

import pandas as pd

from aigeo_assets.schemas import conform

_END_COLUMNS = ["work_id", "publication_year", "in_corpus", "city_geonames_id", "city_country_code", "bloc"]


def build_core_citations(references: pd.DataFrame, citing_papers: pd.DataFrame, known_papers: pd.DataFrame) -> pd.DataFrame:
    """``core_citations`` of one citing year.

    ``references`` are that year's ``raw_references``; ``citing_papers`` that year's ``core_papers``;
    ``known_papers`` the ``core_papers`` of every year up to and including the citing year. A
    reference is ``in_snapshot`` when the cited work is among ``known_papers``, else ``external``:
    outside the snapshot, or published after the citing year (such forward links are rare and are
    left out of every citation window, which counts citations from later years to earlier ones).
    Citation counts are never taken from ``counts_by_year`` (conventions.md).
    """
    citing = citing_papers[_END_COLUMNS].set_index("work_id")
    cited = known_papers[_END_COLUMNS].drop_duplicates("work_id").set_index("work_id")
    refs = references[references["citing_work_id"].isin(citing.index)]
    a = citing.reindex(refs["citing_work_id"])
    b = cited.reindex(refs["cited_work_id"])
    resolved = refs["cited_work_id"].isin(cited.index).to_numpy()
    out = pd.DataFrame(
        {
            "citing_work_id": refs["citing_work_id"].to_numpy(),
            "cited_work_id": refs["cited_work_id"].to_numpy(),
            "citing_year": a["publication_year"].to_numpy(),
            "cited_year": b["publication_year"].to_numpy(),
            "resolution": pd.array(["in_snapshot" if r else "external" for r in resolved], dtype="string"),
            "citing_in_corpus": a["in_corpus"].to_numpy(),
            "cited_in_corpus": b["in_corpus"].fillna(False).to_numpy(),
            "citing_city_geonames_id": a["city_geonames_id"].to_numpy(),
            "cited_city_geonames_id": b["city_geonames_id"].to_numpy(),
            "citing_country_code": a["city_country_code"].to_numpy(),
            "cited_country_code": b["city_country_code"].to_numpy(),
            "citing_bloc": a["bloc"].to_numpy(),
            "cited_bloc": b["bloc"].to_numpy(),
        }
    )
    return conform(out, "core_citations")


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
