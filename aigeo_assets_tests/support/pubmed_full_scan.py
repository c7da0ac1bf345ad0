"""The former reading of a PubMed year, kept as the oracle (tests) and the peer (``benchmarks/lifesci.py``)
of the year-sorted copies that ``lifesci.pubmed_files.pubmed_year_tables`` reads."""

from __future__ import annotations

import pandas as pd

from aigeo_assets.lifesci.pubmed_files import PUBMED_TABLES, flag_winners
from aigeo_assets.schemas import conform

YEAR_TABLES = tuple(f"raw_pubmed_{name}" for name in PUBMED_TABLES)


def full_scan_year(folders, year: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame] | None:
    """A year's articles, authors and references from the parse folders (``parse_cached``), every
    file's whole authors and references tables read, then filtered to the year's winning PMIDs; None
    when the year has no article."""
    records = flag_winners(folders)
    winners = records[records["winner"].to_numpy(bool) & (records["publication_year"] == year).to_numpy(bool)]
    kept = []
    for i, folder in enumerate(folders):
        pmids = set(winners.loc[winners["file"] == i, "pmid"].astype(str))
        if pmids:
            arts = pd.read_parquet(folder / "articles.parquet", filters=[("publication_year", "==", year)])
            authors, refs = pd.read_parquet(folder / "authors.parquet"), pd.read_parquet(folder / "references.parquet")
            kept.append((arts[arts["pmid"].isin(pmids)], authors[authors["pmid"].isin(pmids)], refs[refs["pmid"].isin(pmids)]))
    if not kept:
        return None
    return tuple(conform(pd.concat([k[j] for k in kept], ignore_index=True), name) for j, name in enumerate(YEAR_TABLES))
