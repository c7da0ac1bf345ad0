"""The paper table of a year: AI flag, document type, city and lead country.

AlShebli et al. 2022 (AlShebli et al. 2022, Results, first paragraph): the corpus is papers of 1990-2019 whose
discipline is AI and whose type is a conference or a journal paper; "the city in which the last
author's affiliation resides is considered to be the city from which the paper has originated".
Schmallenbach et al. 2024 (Schmallenbach et al. 2024, Methods): the lead author's country is the last author's
country when available, otherwise the first author's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
import pandas as pd

from aigeo_assets.corpus.lookup import NULL_CODE, WorkCodes, is_in, positions_in, run_ends, run_starts, values_at
from aigeo_assets.geo.gazetteer import load_gazetteer
from aigeo_assets.geo.regions import country_regions

AI_CONCEPT_ID = "C154945302"
AI_SUBFIELD_ID = "1702"

CORPUS_DOC_TYPES = ("journal", "conference")
"""The document types of AlShebli et al. 2022's corpus (and of the papers its careers count)."""

PAPER_INPUT_COLUMNS = {
    "raw_works": ("work_id", "publication_year", "type", "type_crossref", "venue_id", "venue_type", "primary_subfield_id",
                  "n_authors", "location_raw_type", "location_raw_source_name"),
    "raw_work_concepts": ("work_id", "concept_id", "score"),
    "core_affiliations": ("work_id", "author_seq", "author_position", "city_geonames_id", "country_code", "bloc"),
}
"""The columns ``build_core_papers`` reads of its tables (the asset loads only these: not a year's
titles and abstracts, most of the bytes of ``raw_works``)."""

AI_CONCEPT_ROWS = [("concept_id", "==", AI_CONCEPT_ID)]
"""The rows of ``raw_work_concepts`` that ``ai_flags`` reads under the default ``AiRule.concept_id``
(the asset loads only these: the works' other concepts are most of the table)."""


@dataclass(frozen=True)
class AiRule:
    """Which works count as AI.

    ``concept``: tagged with the OpenAlex concept Artificial intelligence (C154945302) at a score of
    at least ``min_score`` (the closest OpenAlex analogue of MAG's field of study, which AlShebli et al. 2022 used);
    ``subfield``: primary topic in subfield 1702 (Artificial Intelligence); ``either``: one or the other.
    """

    rule: Literal["concept", "subfield", "either"] = "concept"
    min_score: float = 0.3
    concept_id: str = AI_CONCEPT_ID
    subfield_id: str = AI_SUBFIELD_ID


def ai_flags(works: pd.DataFrame, concepts: pd.DataFrame, rule: AiRule) -> pd.Series:
    """Boolean Series aligned with ``works``: is the work AI under ``rule``."""
    tagged = concepts.loc[
        (concepts["concept_id"] == rule.concept_id) & (concepts["score"].fillna(0) >= rule.min_score), "work_id"
    ]
    by_concept = pd.Series(is_in(works["work_id"], tagged), index=works.index)
    by_subfield = (works["primary_subfield_id"] == rule.subfield_id).fillna(False)
    if rule.rule == "concept":
        flag = by_concept
    elif rule.rule == "subfield":
        flag = by_subfield
    elif rule.rule == "either":
        flag = by_concept | by_subfield
    else:
        raise ValueError(f"unknown AI rule {rule.rule!r}: use concept, subfield or either")
    return flag.astype("boolean")


#: OpenAlex work types that are papers; ``preprint`` counts only when it has a journal or
#: conference location (see :func:`document_types`)
PAPER_TYPES = frozenset({"article", "review", "letter", "proceedings-article", "journal-article"})
#: Crossref types (``type_crossref``, a location's ``raw_type``) and what they make a paper
CROSSREF_TYPES = {"journal-article": "journal", "proceedings-article": "conference"}
_CONFERENCE_NAME = re.compile(
    r"(?i)\b(?:proceedings|conference|symposium|workshop|congress|colloquium|meeting of the|"
    r"findings of the association|(?:AAAI|IJCAI|NeurIPS|NIPS|ICML|ICLR|CVPR|ICCV|ECCV|ACL|EMNLP|NAACL|COLING|"
    r"KDD|SIGIR|SIGKDD|ICASSP|INTERSPEECH|ICRA|IROS|WWW|CHI|UAI|AISTATS|COLT)\b)"
)
_JOURNAL_NAME = re.compile(r"(?i)\b(?:journal|transactions|letters|annals|review|magazine|bulletin|acta|archives)\b")


def document_types(works: pd.DataFrame) -> pd.DataFrame:
    """``doc_type`` (``journal``, ``conference`` or ``other``) and ``doc_type_rule`` for each work.

    AlShebli et al. 2022 keeps "conference or journal papers". The first rule that applies decides:

    1. ``work_type``: the OpenAlex ``type`` is not a paper kind (book chapters, datasets,
       dissertations, ...; :data:`PAPER_TYPES`) -> ``other``. A ``preprint`` is a paper only when
       one of rules 2-4 finds a journal or conference for it, else ``other``.
    2. ``venue_type``: the primary source's type, ``journal`` or ``conference``.
    3. ``location_raw_type``: the primary location's own type (``raw_type``; Crossref's for a DOI):
       ``journal-article`` -> journal, ``proceedings-article`` -> conference. Current API records
       have no ``type_crossref`` and often a null source for proceedings (CVPR, ACL, EMNLP, KDD): this
       is where they are found.
    4. ``type_crossref`` (older snapshots), read the same way.
    5. ``source_name``: the location's raw source name names a conference (Proceedings, Conference,
       Symposium, Workshop, a major AI venue's acronym) -> conference, or a journal (Journal,
       Transactions, Letters, ...) -> journal. Not applied to preprints, whose location is a repository.
    6. ``none``: nothing says journal or conference -> ``other`` (a repository-only article, a work
       without any location).
    """
    kind = works["type"].astype("string").str.lower()
    venue = works["venue_type"].astype("string").str.lower()

    def col(name: str) -> pd.Series:
        if name in works:
            return works[name].astype("string")
        return pd.Series(pd.NA, index=works.index, dtype="string")

    raw_type = col("location_raw_type").str.lower().map(CROSSREF_TYPES).astype("string")
    crossref = col("type_crossref").str.lower().map(CROSSREF_TYPES).astype("string")
    name = col("location_raw_source_name")
    by_name = pd.Series(pd.NA, index=works.index, dtype="string")
    by_name[name.str.contains(_JOURNAL_NAME).fillna(False).to_numpy(bool)] = "journal"
    by_name[name.str.contains(_CONFERENCE_NAME).fillna(False).to_numpy(bool)] = "conference"

    doc = pd.Series("other", index=works.index, dtype="string")
    rule = pd.Series("none", index=works.index, dtype="string")
    open_ = pd.Series(True, index=works.index)
    preprint = (kind == "preprint").fillna(False)
    for rule_name, found, allow_preprint in (
        ("venue_type", venue.where(venue.isin(["journal", "conference"])), True),
        ("location_raw_type", raw_type, True),
        ("type_crossref", crossref, True),
        ("source_name", by_name, False),
    ):
        take = open_ & found.notna() & (allow_preprint | ~preprint)
        doc[take] = found[take]
        rule[take] = rule_name
        open_ &= ~take
    not_paper = ~(kind.isin(PAPER_TYPES).fillna(False) | preprint)
    doc[not_paper] = "other"
    rule[not_paper] = "work_type"
    return pd.DataFrame({"doc_type": doc, "doc_type_rule": rule}, index=works.index)


@lru_cache(maxsize=1)
def _gazetteer_cities() -> pd.DataFrame:
    gaz = load_gazetteer().rename(columns={"geonames_id": "city_geonames_id", "name": "city_name"})
    gaz = gaz[["city_geonames_id", "city_name", "latitude", "longitude"]].drop_duplicates("city_geonames_id")
    return conform_cities(gaz).set_index("city_geonames_id")


def conform_cities(df: pd.DataFrame) -> pd.DataFrame:
    return df.astype({"city_geonames_id": "Int64", "city_name": "string", "latitude": "Float64", "longitude": "Float64"})


def city_table(institutions: pd.DataFrame) -> pd.DataFrame:
    """Name and coordinates of every city id (index): the GeoNames gazetteer (places of at least
    1,000 inhabitants), then OpenAlex's own ``geo`` for city ids the gazetteer does not hold.
    The gazetteer part is built once per process; do not modify the returned frame."""
    gaz = _gazetteer_cities()
    own = institutions.dropna(subset=["city_geonames_id"])[["city_geonames_id", "city_name", "latitude", "longitude"]]
    own = own[~own["city_geonames_id"].isin(gaz.index)].drop_duplicates("city_geonames_id")
    if own.empty:
        return gaz
    return pd.concat([gaz, conform_cities(own).set_index("city_geonames_id")])


def _byline_choice(work_pos: np.ndarray, order: np.ndarray, qualifies: np.ndarray, n_works: int) -> np.ndarray:
    """For each work (by position), the first row of its affiliations in byline order (``order``:
    by work, author_seq, then row) that ``qualifies``; -1 for a work with none."""
    rows = order[qualifies[order]]
    if not len(rows):
        return np.full(n_works, -1, dtype=np.int64)
    wp = work_pos[rows]
    first = rows[run_starts(wp)]
    choice = np.full(n_works, -1, dtype=np.int64)
    choice[work_pos[first]] = first
    return choice


def _lead_affiliations(works: pd.DataFrame, affiliations: pd.DataFrame) -> dict[str, np.ndarray]:
    """For each work, the affiliation row (-1: none) that places it: ``city``, the first one, in
    institution order, of its last author that has a city; ``last_country`` and ``first_country``,
    the first of its last or first author that has a country. The last author is the authorship
    OpenAlex marks ``last``, or the final one in the byline (single authors are ``first``); the first,
    the one marked ``first`` or at byline position 0. Each work id is hashed once: a work's rows are
    found by position, not by mapping ids per column (issue 13: the paper world's 2016, ``build_core_papers`` 5.8 -> 1.2 CPU-s)."""
    n = len(works)
    work_pos = positions_in(affiliations["work_id"], works["work_id"])
    seq = affiliations["author_seq"].astype("Int64").to_numpy(dtype=np.int64, na_value=np.iinfo(np.int64).max)
    known_seq = affiliations["author_seq"].notna().to_numpy()
    order = np.lexsort((seq, work_pos))  # stable: by work, author_seq (nulls last), then row
    order = order[work_pos[order] >= 0]  # rows of works not in the table place nothing
    last_seq = np.full(n, -1, dtype=np.int64)
    with_seq = order[known_seq[order]]
    if len(with_seq):
        wp = work_pos[with_seq]
        final = with_seq[run_ends(wp)]
        last_seq[work_pos[final]] = seq[final]
    position = affiliations["author_position"].astype("string")
    is_last = (position == "last").fillna(False).to_numpy(bool) | (known_seq & (seq == last_seq[np.maximum(work_pos, 0)]))
    is_first = (position == "first").fillna(False).to_numpy(bool) | (known_seq & (seq == 0))
    has_city = affiliations["city_geonames_id"].notna().to_numpy()
    has_country = affiliations["country_code"].notna().to_numpy()
    return {
        "city": _byline_choice(work_pos, order, is_last & has_city, n),
        "last_country": _byline_choice(work_pos, order, is_last & has_country, n),
        "first_country": _byline_choice(work_pos, order, is_first & has_country, n),
    }


def build_core_papers(
    works: pd.DataFrame,
    concepts: pd.DataFrame,
    affiliations: pd.DataFrame,
    institutions: pd.DataFrame,
    rule: AiRule = AiRule(),
) -> pd.DataFrame:
    """``core_papers`` for one year from ``raw_works``, ``raw_work_concepts`` and ``core_affiliations``.

    City: the last author's affiliation city (AlShebli et al. 2022); an author with several institutions is
    placed by the first one, in byline order, that is located to a city. The last author is the
    authorship OpenAlex marks ``last``, or the final one in the byline (single authors are ``first``).
    No other author stands in when the last author's city is unknown: the paper is then unlocated.
    Lead country: the last author's country, else the first author's (Schmallenbach et al. 2024).
    """
    is_ai = ai_flags(works, concepts, rule)
    doc = document_types(works)
    doc_type = doc["doc_type"]
    placing = _lead_affiliations(works, affiliations)

    def at(column: pd.Series, rows: np.ndarray) -> pd.Series:
        return pd.Series(values_at(column, rows), index=works.index)

    wid = works["work_id"]
    city_id = at(affiliations["city_geonames_id"], placing["city"])
    cities = city_table(institutions)
    city_row = cities.index.get_indexer(city_id)
    lead_last = at(affiliations["country_code"], placing["last_country"])
    lead_first = at(affiliations["country_code"], placing["first_country"])
    lead = lead_last.fillna(lead_first)
    lead_rule = pd.Series("none", index=works.index, dtype="string")
    lead_rule[lead_first.notna()] = "first_author"
    lead_rule[lead_last.notna()] = "last_author"
    regions = country_regions().set_index("country_code")["world_region"]
    out = pd.DataFrame(
        {
            "work_id": wid,
            "publication_year": works["publication_year"],
            "is_ai": is_ai,
            "doc_type": doc_type,
            "doc_type_rule": doc["doc_type_rule"],
            "in_corpus": is_ai & doc_type.isin(CORPUS_DOC_TYPES),
            "venue_id": works["venue_id"],
            "n_authors": works["n_authors"],
            "city_geonames_id": city_id,
            "city_name": at(cities["city_name"], city_row),
            "city_latitude": at(cities["latitude"], city_row),
            "city_longitude": at(cities["longitude"], city_row),
            "city_country_code": at(affiliations["country_code"], placing["city"]),
            "bloc": at(affiliations["bloc"], placing["city"]),
            "lead_country_code": lead,
            "lead_world_region": lead.map(regions),
            "lead_rule": lead_rule,
        }
    )
    return out


def works_in_two_years(work_ids: Iterable[pd.Series]) -> int:
    """How many work ids appear more than once among ``work_ids`` (each year's ``core_papers`` ids, one
    year at a time; nulls not counted): ``core_author_years``' check ``no_work_in_two_years``. The ids
    are held as integers (:class:`WorkCodes`, 8 bytes a work), not strings: every work of a real
    snapshot is ~2 GB so, ~10 GB as strings."""
    coder = WorkCodes()
    coded = [coder.encode(ids) for ids in work_ids]
    codes = np.sort(np.concatenate(coded)) if coded else np.array([], dtype=np.int64)
    del coded
    codes = codes[codes != NULL_CODE]
    repeated = codes[1:][codes[1:] == codes[:-1]]
    return int(len(repeated) - int((repeated[1:] == repeated[:-1]).sum())) if len(repeated) else 0
