"""AlShebli et al. 2022's venue divide (Supplementary Fig. 4): "for each of the top 20 AI venues, we counted
the annual number of Eastern and Western papers published therein".

The paper took its top venues from an external list (its reference 95). **Choice:** without such a
list, the top venues are the ``top_n`` venues with the most AI corpus papers over every year; a
user's list of venue ids (``venues``) replaces the rule. A paper counts for its bloc (the bloc of
its city, the last author's), papers without a city in neither.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

VENUE_INPUT_COLUMNS = ["work_id", "publication_year", "in_corpus", "venue_id", "bloc"]
"""The columns of ``core_papers`` that :func:`venue_east_west` reads."""


def venue_east_west(
    papers: pd.DataFrame, venue_names: pd.DataFrame, *, top_n: int = 20, venues: Sequence[str] | None = None
) -> pd.DataFrame:
    """``out_venue_east_west``: for each top venue and year, the Eastern and Western AI corpus papers.

    ``papers``: ``core_papers`` of every year (``VENUE_INPUT_COLUMNS``); ``venue_names``:
    ``raw_venues`` (``venue_id``, ``display_name``). Columns: ``venue_rank`` (1 = most corpus papers;
    ties by venue id; in the order of ``venues`` when given), ``venue_id``, ``venue_name``, ``year``
    (every year from the first to the last with a corpus paper, zeros kept), ``east_papers``,
    ``west_papers``, ``east_share`` (of the venue's placed papers that year; NaN when none)."""
    corpus = papers["in_corpus"].fillna(False).to_numpy(bool)
    p = papers[corpus & papers["venue_id"].notna().to_numpy(bool)]
    cols = ["venue_rank", "venue_id", "venue_name", "year", "east_papers", "west_papers", "east_share"]
    if p.empty:
        ints = {"venue_rank", "year", "east_papers", "west_papers"}
        return pd.DataFrame({c: pd.Series([], dtype="float64" if c == "east_share" else ("int64" if c in ints else "string")) for c in cols})
    if venues is None:
        counts = p.groupby("venue_id").size().reset_index(name="n").sort_values(["n", "venue_id"], ascending=[False, True])
        chosen = counts["venue_id"].head(top_n).tolist()
    else:
        chosen = list(dict.fromkeys(venues))
    rank = {v: i + 1 for i, v in enumerate(chosen)}
    p = p[p["venue_id"].isin(chosen).to_numpy(bool)]
    corpus_years = papers.loc[corpus, "publication_year"]
    years = range(int(corpus_years.min()), int(corpus_years.max()) + 1)
    grid = pd.MultiIndex.from_product([chosen, years], names=["venue_id", "year"])
    bloc = p["bloc"].astype("string")
    east = p[(bloc == "East").fillna(False).to_numpy(bool)].groupby(["venue_id", "publication_year"]).size()
    west = p[(bloc == "West").fillna(False).to_numpy(bool)].groupby(["venue_id", "publication_year"]).size()
    out = pd.DataFrame(index=grid).reset_index()
    key = pd.MultiIndex.from_frame(out[["venue_id", "year"]])
    out["east_papers"] = east.reindex(key, fill_value=0).to_numpy().astype("int64")
    out["west_papers"] = west.reindex(key, fill_value=0).to_numpy().astype("int64")
    placed = out["east_papers"] + out["west_papers"]
    out["east_share"] = (out["east_papers"] / placed.where(placed > 0)).astype("float64")
    names = venue_names.dropna(subset=["venue_id"]).drop_duplicates("venue_id").set_index("venue_id")["display_name"]
    out["venue_name"] = out["venue_id"].map(names).fillna(out["venue_id"]).astype("string")
    out["venue_rank"] = out["venue_id"].map(rank).astype("int64")
    out["venue_id"] = out["venue_id"].astype("string")
    return out[cols].sort_values(["venue_rank", "year"], kind="stable").reset_index(drop=True)
