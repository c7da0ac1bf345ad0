"""Authors' yearly locations and the AI-scientist flag (AlShebli et al. 2022)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from aigeo_assets.corpus.lookup import is_in


@dataclass(frozen=True)
class AiScientistRule:
    """AlShebli et al. 2022 (Results, "Beijing's central role"): "AI scientists as those who published at least
    three papers, and at least half of their publications fall under the field of AI".

    Papers are counted over the author's whole career in the snapshot (the paper's reading), among
    journal and conference papers (the document types of its corpus).
    """

    min_papers: int = 3
    min_ai_share: float = 0.5


AUTHOR_YEAR_INPUT_COLUMNS = {
    "core_papers": ("work_id", "publication_year", "is_ai", "doc_type"),
    "core_affiliations": ("work_id", "author_id", "city_geonames_id", "country_code", "bloc"),
}
"""The columns ``build_author_years`` reads (the asset loads only these)."""


def build_author_years(affiliations: pd.DataFrame, papers: pd.DataFrame, rule: AiScientistRule = AiScientistRule()) -> pd.DataFrame:
    """``core_author_years`` from ``core_affiliations`` and ``core_papers`` of all years.

    An author's city in a year is the city that most of their papers of that year are affiliated
    with (each paper counted once per city, whatever the author's position); ties go to the city
    with the smaller GeoNames id, so the rule is deterministic. Years in which an author published
    nothing have no row: locations are observed, never interpolated.
    """
    # only the columns used, selected before any row filter copies them (issue 13: memory)
    pap = papers.loc[papers["doc_type"].isin(["journal", "conference"]).to_numpy(bool), ["work_id", "publication_year", "is_ai"]]
    aff = affiliations[list(AUTHOR_YEAR_INPUT_COLUMNS["core_affiliations"])]
    aff = aff[aff["author_id"].notna().to_numpy(bool)]
    aff = aff[is_in(aff["work_id"], pap["work_id"])]
    # the groupings and joins below run on integer codes of the ids (one factorization each):
    # on Arrow strings every groupby and merge would factorize them again
    work_codes, _ = pd.factorize(pd.concat([aff["work_id"], pap["work_id"]], ignore_index=True))
    author_codes, author_ids = pd.factorize(aff["author_id"])
    aff = pd.DataFrame(
        {
            "author_id": author_codes,
            "work_id": work_codes[: len(aff)],
            "city_geonames_id": aff["city_geonames_id"].to_numpy(),
            "country_code": aff["country_code"].to_numpy(),
            "bloc": aff["bloc"].to_numpy(),
        }
    ).astype({"city_geonames_id": aff["city_geonames_id"].dtype, "country_code": aff["country_code"].dtype, "bloc": aff["bloc"].dtype})
    pap = pap.assign(work_id=work_codes[len(aff) :])
    del work_codes
    aw = aff[["author_id", "work_id"]].drop_duplicates().merge(pap, on="work_id")
    per_year = aw.groupby(["author_id", "publication_year"]).agg(
        n_papers_year=("work_id", "size"), n_ai_papers_year=("is_ai", "sum")
    )
    career = per_year.groupby(level="author_id").sum().rename(
        columns={"n_papers_year": "n_papers_career", "n_ai_papers_year": "n_ai_papers_career"}
    )
    located = aff.dropna(subset=["city_geonames_id"])[["author_id", "work_id", "city_geonames_id", "country_code", "bloc"]]
    located = located.drop_duplicates(["author_id", "work_id", "city_geonames_id"]).merge(
        pap[["work_id", "publication_year"]], on="work_id"
    )
    counts = (
        located.groupby(["author_id", "publication_year", "city_geonames_id"], as_index=False)
        .agg(n=("work_id", "size"), country_code=("country_code", "first"), bloc=("bloc", "first"))
        .sort_values(["author_id", "publication_year", "n", "city_geonames_id"], ascending=[True, True, False, True])
        .drop_duplicates(["author_id", "publication_year"])
        .set_index(["author_id", "publication_year"])
    )
    out = per_year.join(counts[["city_geonames_id", "country_code", "bloc"]]).join(career, on="author_id").reset_index()
    out["author_id"] = author_ids.take(out["author_id"].to_numpy())
    out = out.rename(columns={"publication_year": "year"})
    out["is_ai_scientist"] = (out["n_papers_career"] >= rule.min_papers) & (
        out["n_ai_papers_career"] >= rule.min_ai_share * out["n_papers_career"]
    )
    out = out.sort_values(["author_id", "year"], ignore_index=True)
    return out
