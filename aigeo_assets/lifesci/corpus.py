"""The AI life-science corpus of seed 004: PubMed articles and OpenAlex conference papers.

Seed 004, Methods: AI life-science research is identified "in title or abstract" by AI keywords in
PubMed (journal articles) and in OpenAlex conference proceedings of the life sciences (level-0
concepts Biology, Chemistry, Medicine, Psychology); the lead author is the last author, else the
first; international articles have "at least two authors ... affiliated with different
countries"; articles in the "top three ranked journals" of a field or A* conferences are
high-ranked; relevance is forward citations from life-science research, and from clinical
research. Each step is a function here; ``build_lifesci_articles`` puts them together.

Where the seed is read to the letter (issue 14):

* **International** (:func:`international_articles`): two *distinct* authors whose countries
  differ, as the Results ("at least two authors on the author byline who are affiliated with
  different countries") and the Methods' statistics ("at least two authors with affiliations from
  different countries") say. One author with affiliations in two countries does not make an
  article international. (The Methods' corpus section words it from the lead author: "at least
  one author is affiliated with a country that is different from that of the lead author"; the
  two readings differ only when the lead author has several countries, and we follow the two
  places that agree.)
* **CORE cut-off** (:class:`OutletRanking`, ``core_rank``): the Methods say "A*-rated conference
  proceedings" (1,349 articles, 6 %), the Results 'conferences ranked "A"'. Default A* (the
  Methods, which give the count); ``A`` (setting ``AIGEO_LIFESCI_CORE_RANK``) takes A and A*,
  reading "ranked A" as "A or better".
* **Deduplication** (:func:`deduplicate`): a conference paper that PubMed also indexes stays a
  conference paper: the merged row keeps the PubMed record's identity, text and authors, and takes
  the OpenAlex conference as its outlet (kind, id, name), so its CORE rank is kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from aigeo_assets.corpus.lookup import is_in, positions_in
from aigeo_assets.geo.regions import country_regions
from aigeo_assets.schemas import SCHEMAS, conform

CORE_RANKS = ("A*", "A")
"""The lowest CORE rank a high-ranked conference may have (``AIGEO_LIFESCI_CORE_RANK``)."""
_CORE_ORDER = {"A*": 0, "A": 1}

LIFE_SCIENCE_ROOTS = ("Biology", "Chemistry", "Medicine", "Psychology")
"""Level-0 OpenAlex concepts that make a conference paper life science (seed 004)."""

AI_CONCEPTS = frozenset(
    s.casefold()
    for s in (
        "Artificial intelligence", "Machine learning", "Deep learning", "Computer vision", "Natural language processing",
        "Pattern recognition (psychology)", "Data mining", "Artificial neural network", "Computer science",
        "Convolutional neural network", "Support vector machine", "Reinforcement learning", "Speech recognition",
    )
)
"""Concepts that are "purely AI": never an article's topic (Fig. 3)."""

GENERIC_MESH = frozenset(
    s.casefold()
    for s in (
        "Humans", "Animals", "Male", "Female", "Adult", "Aged", "Aged, 80 and over", "Middle Aged", "Young Adult",
        "Adolescent", "Child", "Child, Preschool", "Infant", "Infant, Newborn", "Mice", "Rats", "Retrospective Studies",
        "Prospective Studies", "Cohort Studies", "Cross-Sectional Studies", "Reproducibility of Results",
        "Sensitivity and Specificity", "ROC Curve", "Algorithms", "Software", "Artificial Intelligence",
        "Machine Learning", "Deep Learning", "Neural Networks, Computer", "Support Vector Machine",
        "Natural Language Processing", "Supervised Machine Learning", "Unsupervised Machine Learning",
        "Pattern Recognition, Automated", "Image Processing, Computer-Assisted", "Computer Simulation",
    )
)
"""MeSH headings too generic (check tags, study designs) or purely AI to name a topic."""


def _norm_doi(values: pd.Series) -> pd.Series:
    s = values.astype("string").str.strip().str.lower()
    s = s.str.replace(r"^(https?://(dx\.)?doi\.org/|doi:)", "", regex=True)
    return s.where(s.str.len() > 0)


# ---- authors and their countries ---------------------------------------------------------------


def pubmed_author_countries(authors: pd.DataFrame, resolve) -> pd.DataFrame:
    """``core_lifesci_authors`` rows of PubMed records: each author's countries from the affiliation
    strings (``resolve``: ``geo.affiliation_text.affiliation_countries``, given the authors' names
    for strings that attribute institutions to authors), one row per author and
    distinct country, in affiliation order; an author with no placeable affiliation keeps one row
    with a null country."""
    placed = resolve(authors["affiliation"], authors.get("last_name"), authors.get("fore_name"))
    a = pd.DataFrame(
        {
            "article_id": "pmid:" + authors["pmid"].astype("string"),
            "author_seq": authors["author_seq"].to_numpy(),
            "affiliation_seq": authors["affiliation_seq"].to_numpy(),
            "country_code": placed["country_code"].to_numpy(),
            "country_rule": placed["country_rule"].to_numpy(),
        }
    )
    return _one_row_per_author_country(a)


def openalex_author_countries(affiliations: pd.DataFrame) -> pd.DataFrame:
    """``core_lifesci_authors`` rows of OpenAlex works from ``core_affiliations`` (institution
    countries, rule ``openalex_institution``)."""
    a = pd.DataFrame(
        {
            "article_id": affiliations["work_id"].astype("string"),
            "author_seq": affiliations["author_seq"].to_numpy(),
            "affiliation_seq": np.zeros(len(affiliations), dtype=np.int64),
            "country_code": affiliations["country_code"].to_numpy(),
            "country_rule": np.where(affiliations["country_code"].notna(), "openalex_institution", "none"),
        }
    )
    return _one_row_per_author_country(a)


def _one_row_per_author_country(a: pd.DataFrame) -> pd.DataFrame:
    a = a.sort_values(["article_id", "author_seq", "affiliation_seq"], kind="stable")
    known = a[a["country_code"].notna()].drop_duplicates(["article_id", "author_seq", "country_code"])
    unknown = a[~a.set_index(["article_id", "author_seq"]).index.isin(known.set_index(["article_id", "author_seq"]).index)]
    unknown = unknown.drop_duplicates(["article_id", "author_seq"]).assign(country_code=pd.NA, country_rule="none")
    out = pd.concat([known, unknown]).sort_values(["article_id", "author_seq"], kind="stable")
    return conform(out.drop(columns=["affiliation_seq"]), "core_lifesci_authors")


def lead_countries(author_countries: pd.DataFrame, n_authors: pd.Series) -> pd.DataFrame:
    """The lead author's country per article (index ``article_id``): the last author's (byline
    position n_authors - 1), else the first author's (seed 004: "last author or first author
    otherwise"); an author with several countries counts by the first. ``lead_rule`` says which
    author and which placing rule (e.g. ``last_author:country_name``), ``none`` when neither is
    known. Columns: ``lead_country_code``, ``lead_rule``, ``lead_seq``."""
    known = author_countries.dropna(subset=["country_code"]).drop_duplicates(["article_id", "author_seq"])
    last_seq = n_authors.astype("int64") - 1
    is_last = known["author_seq"].to_numpy() == known["article_id"].map(last_seq).to_numpy()
    last = known[is_last].set_index("article_id")
    first = known[known["author_seq"].to_numpy() == 0].set_index("article_id")
    ids = n_authors.index
    country = pd.Series(last["country_code"]).reindex(ids)
    rule = ("last_author:" + pd.Series(last["country_rule"]).astype("string")).reindex(ids)
    seq = pd.Series(last["author_seq"]).reindex(ids).astype("Int64")
    use_first = country.isna()
    country = country.where(~use_first, pd.Series(first["country_code"]).reindex(ids))
    rule = rule.where(~use_first, ("first_author:" + pd.Series(first["country_rule"]).astype("string")).reindex(ids))
    seq = seq.where(~use_first, pd.Series(first["author_seq"]).reindex(ids).astype("Int64"))
    return pd.DataFrame({"lead_country_code": country, "lead_rule": rule.fillna("none"), "lead_seq": seq}, index=ids)


def countries_per_article(author_countries: pd.DataFrame) -> pd.Series:
    """Distinct known countries among an article's authors (``n_countries``)."""
    return author_countries.dropna(subset=["country_code"]).groupby("article_id")["country_code"].nunique()


def international_articles(author_countries: pd.DataFrame) -> pd.Series:
    """Per article (index ``article_id``, articles with a placed author only): True when at least
    two distinct authors are affiliated with different countries (seed 004). That holds exactly
    when at least two authors have a known country and the authors name at least two countries
    between them (then some author's country differs from another author's). Author 0 in US and
    DE with author 1 in US is international (DE differs from US); author 0 in US and DE alone, or
    with co-authors whose country is unknown, is not."""
    known = author_countries.dropna(subset=["country_code"])
    g = known.groupby("article_id")
    return (g["author_seq"].nunique() >= 2) & (g["country_code"].nunique() >= 2)


# ---- topics ----------------------------------------------------------------------------------


def openalex_topics(concepts: pd.DataFrame) -> pd.Series:
    """Per work: the highest-scoring level-1 concept that is not purely AI (seed 004, Fig. 3)."""
    c = concepts[(concepts["level"] == 1).to_numpy(bool)]
    c = c[~c["concept_name"].astype("string").str.casefold().isin(AI_CONCEPTS).to_numpy(bool)]
    c = c.sort_values(["work_id", "score"], ascending=[True, False], kind="stable").drop_duplicates("work_id")
    return c.set_index("work_id")["concept_name"].astype("string")


def mesh_topics(mesh_terms: pd.Series) -> pd.Series:
    """For PubMed records not matched to an OpenAlex work: the first MeSH heading that is neither
    a check tag nor a study design nor purely AI (``GENERIC_MESH``); null when none is left."""

    def first_specific(value) -> str | None:
        if value is None or pd.isna(value):
            return None
        for term in str(value).split("|"):
            if term and term.casefold() not in GENERIC_MESH:
                return term
        return None

    return mesh_terms.map(first_specific).astype("string")


# ---- the two sources -------------------------------------------------------------------------


def _keyword(matcher, title: pd.Series, abstract: pd.Series) -> pd.Series:
    """The AI keyword found in the title, else in the abstract (each field on its own, so that no
    phrase runs from the end of the title into the abstract; a weak keyword counts in the AI
    context of the whole article: ``KeywordMatcher.article_keywords``)."""
    return pd.Series(matcher.article_keywords(title, abstract), index=title.index, dtype="string")


CLINICAL_INPUT_COLUMNS = ["pmid", "title", "abstract", "publication_types", "mesh_terms"]
"""The columns of ``raw_pubmed_articles`` that :func:`pubmed_clinical` reads."""


def pubmed_clinical(articles: pd.DataFrame, clinical) -> pd.Series:
    """The clinical flag of PubMed records (``raw_pubmed_articles``) by PMID: the filter on title,
    abstract, publication types and MeSH descriptors."""
    flags = clinical.is_clinical(articles["title"], articles["abstract"], articles["publication_types"], articles["mesh_terms"])
    return pd.Series(flags, index=articles["pmid"].to_numpy())


def pubmed_candidates(articles: pd.DataFrame, matcher, clinical) -> pd.DataFrame:
    """PubMed records of the year whose title or abstract has an AI keyword, as article rows
    (outlet: the journal by ISSN-L, else print, else electronic ISSN)."""
    keyword = _keyword(matcher, articles["title"], articles["abstract"])
    ai = articles[keyword.notna().to_numpy(bool)]
    if ai.empty:
        return pd.DataFrame()
    flags = pubmed_clinical(ai, clinical).to_numpy()
    issn = ai["issn_linking"].fillna(ai["issn_print"]).fillna(ai["issn_electronic"])
    return pd.DataFrame(
        {
            "article_id": "pmid:" + ai["pmid"].astype("string"),
            "pmid": ai["pmid"].astype("string"),
            "doi": _norm_doi(ai["doi"]),
            "work_id": pd.Series(pd.NA, index=ai.index, dtype="string"),
            "source": "pubmed",
            "publication_year": ai["publication_year"],
            "title": ai["title"],
            "outlet_kind": "journal",
            "outlet_id": issn,
            "outlet_name": ai["journal_title"],
            "ai_keyword": keyword[ai.index],
            "is_clinical": flags,
            "topic": mesh_topics(ai["mesh_terms"]),
            "n_authors": ai["n_authors"],
        }
    ).reset_index(drop=True)


def openalex_conference_candidates(
    works: pd.DataFrame, concepts: pd.DataFrame, venues: pd.DataFrame, matcher, clinical
) -> pd.DataFrame:
    """OpenAlex conference papers of the year with a level-0 life-science concept (any score) and
    an AI keyword in title or abstract. OpenAlex carries no publication types or MeSH: the
    clinical filter reads title and abstract only."""
    roots = concepts[(concepts["level"] == 0).to_numpy(bool) & concepts["concept_name"].isin(LIFE_SCIENCE_ROOTS).to_numpy(bool)]
    conf = works[(works["venue_type"] == "conference").fillna(False).to_numpy(bool) & works["work_id"].isin(roots["work_id"]).to_numpy(bool)]
    if conf.empty:
        return pd.DataFrame()
    keyword = _keyword(matcher, conf["title"], conf["abstract"])
    conf = conf[keyword.notna().to_numpy(bool)]
    if conf.empty:
        return pd.DataFrame()
    flags = clinical.is_clinical(conf["title"], conf["abstract"])
    names = venues.drop_duplicates("venue_id").set_index("venue_id")["display_name"]
    return pd.DataFrame(
        {
            "article_id": conf["work_id"].astype("string"),
            "pmid": conf["pmid"].astype("string"),
            "doi": _norm_doi(conf["doi"]),
            "work_id": conf["work_id"].astype("string"),
            "source": "openalex",
            "publication_year": conf["publication_year"],
            "title": conf["title"],
            "outlet_kind": "conference",
            "outlet_id": conf["venue_id"],
            "outlet_name": conf["venue_id"].map(names),
            "ai_keyword": keyword[conf.index],
            "is_clinical": flags,
            "topic": conf["work_id"].map(openalex_topics(concepts)),
            "n_authors": conf["n_authors"],
        }
    ).reset_index(drop=True)


def deduplicate(pubmed: pd.DataFrame, openalex: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """One row per article: an OpenAlex paper whose PMID or DOI is a PubMed record's is the same
    article; the PubMed row stays (``source = both``, ``work_id`` filled) and the OpenAlex row goes.
    The merged row is still a conference paper: it takes the OpenAlex row's outlet (``outlet_kind``
    conference, ``outlet_id``, ``outlet_name``), so the CORE ranking applies to it, while its
    text, authors and clinical flag are the PubMed record's (publication types and MeSH).
    Returns (articles, the OpenAlex ids merged away -> PubMed article ids, the number merged)."""
    if openalex.empty or pubmed.empty:
        out = pubmed if openalex.empty else openalex
        return out, pd.DataFrame({"work_id": [], "article_id": []}), 0
    by_pmid = pubmed.dropna(subset=["pmid"]).drop_duplicates("pmid").set_index("pmid")["article_id"]
    by_doi = pubmed.dropna(subset=["doi"]).drop_duplicates("doi").set_index("doi")["article_id"]
    target = openalex["pmid"].map(by_pmid).fillna(openalex["doi"].map(by_doi))
    dup = target.notna().to_numpy(bool)
    merged = pd.DataFrame({"work_id": openalex.loc[dup, "work_id"].to_numpy(), "article_id": target[dup].to_numpy()})
    pubmed = pubmed.copy()
    first = merged.drop_duplicates("article_id").set_index("article_id")
    link = first["work_id"]
    hit = pubmed["article_id"].isin(link.index).to_numpy(bool)
    pubmed.loc[hit, "work_id"] = pubmed.loc[hit, "article_id"].map(link).to_numpy()
    pubmed.loc[hit, "source"] = "both"
    outlets = openalex.drop_duplicates("work_id").set_index("work_id")
    work_of_hit = pubmed.loc[hit, "work_id"]
    for column in ("outlet_kind", "outlet_id", "outlet_name"):
        pubmed[column] = pubmed[column].astype("object")
        pubmed.loc[hit, column] = work_of_hit.map(outlets[column]).to_numpy()
    return pd.concat([pubmed, openalex[~dup]], ignore_index=True), merged, int(dup.sum())


# ---- outlet quality --------------------------------------------------------------------------


@dataclass(frozen=True)
class OutletRanking:
    """The user's outlet ranking: journals by ISSN with category and rank in category; conferences
    by name or acronym with a CORE-style rank (A*, A, B, C). ``core_rank``: the lowest rank of a
    high-ranked conference, A* (seed 004's Methods, the default) or A (its Results; A and A*)."""

    journals: pd.DataFrame  # issn, category, rank_in_category
    conferences: pd.DataFrame  # title, acronym, rank

    @classmethod
    def empty(cls) -> OutletRanking:
        """No ranking supplied: every outlet is unranked (and so not high-ranked)."""
        return cls(pd.DataFrame({"issn": pd.Series([], dtype="string"), "category": pd.Series([], dtype="string"),
                                 "rank_in_category": pd.Series([], dtype="int64")}),
                   pd.DataFrame({"title": pd.Series([], dtype="string"), "rank": pd.Series([], dtype="string")}))

    @classmethod
    def from_csv(cls, journal_csv: Path, conference_csv: Path) -> OutletRanking:
        j = pd.read_csv(journal_csv, dtype="string")
        missing = {"issn", "category", "rank_in_category"} - set(j.columns)
        if missing:
            raise ValueError(f"{journal_csv}: journal ranking needs columns issn, category, rank_in_category (missing {sorted(missing)})")
        rank = pd.to_numeric(j["rank_in_category"], errors="coerce")
        if rank.isna().any():
            bad = j.loc[rank.isna(), "rank_in_category"].head(3).tolist()
            raise ValueError(f"{journal_csv}: rank_in_category must be an integer (e.g. {bad})")
        j = j.assign(issn=j["issn"].str.strip().str.upper(), rank_in_category=rank.astype("int64"))
        c = pd.read_csv(conference_csv, dtype="string")
        if "rank" not in c.columns and c.shape[1] >= 5:
            # CORE's portal export has no header: id, title, acronym, source, rank, ...
            c = pd.read_csv(conference_csv, dtype="string", header=None)
            c = c.rename(columns={0: "id", 1: "title", 2: "acronym", 3: "source", 4: "rank"})
        missing = {"rank"} - set(c.columns)
        if missing or not ({"title", "acronym"} & set(c.columns)):
            raise ValueError(f"{conference_csv}: conference ranking needs a rank column and title and/or acronym")
        return cls(j, c)

    def high_ranked(
        self, outlet_kind: pd.Series, outlet_id: pd.Series, outlet_name: pd.Series, core_rank: str = "A*"
    ) -> tuple[pd.Series, pd.Series]:
        """(ranked, high_ranked) per article: a journal is high-ranked when its best rank in any of
        its categories is at most 3 (seed 004: "the top three ranked journals" of a field, taken in
        the category where the journal ranks highest); a conference when rated ``core_rank`` or
        better (A*: A* only; A: A* or A). Conferences match by name, else by acronym (case- and
        space-insensitive)."""
        if core_rank not in _CORE_ORDER:
            raise ValueError(f"core_rank {core_rank!r}: one of {', '.join(CORE_RANKS)}")
        best = self.journals.groupby("issn")["rank_in_category"].min()
        issn = outlet_id.astype("string").str.strip().str.upper()
        j_rank = issn.map(best)
        norm = lambda s: s.astype("string").str.casefold().str.replace(r"\s+", " ", regex=True).str.strip()  # noqa: E731
        conf_rank = pd.Series(pd.NA, index=outlet_name.index, dtype="string")
        for key in ("title", "acronym"):
            if key in self.conferences:
                table = self.conferences.dropna(subset=[key]).assign(_k=lambda d: norm(d[key])).drop_duplicates("_k").set_index("_k")["rank"]
                conf_rank = conf_rank.fillna(norm(outlet_name).map(table))
        is_journal = (outlet_kind == "journal").to_numpy(bool)
        ranked = np.where(is_journal, j_rank.notna().to_numpy(bool), conf_rank.notna().to_numpy(bool))
        conf_order = conf_rank.str.strip().str.upper().map(_CORE_ORDER)
        conf_high = (conf_order <= _CORE_ORDER[core_rank]).fillna(False).to_numpy(bool)
        high = np.where(is_journal, (j_rank <= 3).fillna(False).to_numpy(bool), conf_high)
        return pd.Series(ranked, index=outlet_id.index), pd.Series(high, index=outlet_id.index)


# ---- citations -------------------------------------------------------------------------------


def pubmed_citation_counts(references: pd.DataFrame, citing_clinical: pd.Series) -> pd.DataFrame:
    """``core_lifesci_citations`` from PubMed's ReferenceList: per cited PMID, the citing records
    (every PubMed record is life science) and the clinical ones among them (``citing_clinical``:
    bool per citing PMID). A record citing the same PMID twice counts once."""
    r = references.drop_duplicates(["pmid", "cited_pmid"])
    clinical = r["pmid"].map(citing_clinical).fillna(False).astype(bool)
    out = pd.DataFrame({"cited_key": "pmid:" + r["cited_pmid"].astype("string"), "clinical": clinical.to_numpy()})
    g = out.groupby("cited_key")["clinical"].agg(["size", "sum"]).reset_index()
    return conform(g.rename(columns={"size": "citations", "sum": "clinical_citations"}), "core_lifesci_citations")


def openalex_citation_counts(references: pd.DataFrame, citing_life_science: pd.Series, citing_clinical: pd.Series) -> pd.DataFrame:
    """``core_lifesci_citations`` from OpenAlex references: per cited work, the citing works with a
    level-0 life-science concept, and the clinical ones among them."""
    r = references.drop_duplicates(["citing_work_id", "cited_work_id"])
    life = r["citing_work_id"].map(citing_life_science).fillna(False).astype(bool).to_numpy()
    r = r[life]
    clinical = r["citing_work_id"].map(citing_clinical).fillna(False).astype(bool)
    out = pd.DataFrame({"cited_key": r["cited_work_id"].astype("string"), "clinical": clinical.to_numpy()})
    g = out.groupby("cited_key")["clinical"].agg(["size", "sum"]).reset_index()
    return conform(g.rename(columns={"size": "citations", "sum": "clinical_citations"}), "core_lifesci_citations")


def lifesci_citation_counts(
    pubmed_years: Iterable[tuple[pd.DataFrame, pd.DataFrame]],
    work_concepts: pd.DataFrame,
    openalex_years: Iterable[tuple[pd.DataFrame, pd.DataFrame]],
    clinical,
) -> pd.DataFrame:
    """``core_lifesci_citations``, seed 004's relevance: forward citations of every article from
    life-science research and from clinical research. PubMed records cite through their
    ReferenceList (every record is life science, :func:`pubmed_citation_counts`); OpenAlex works
    through ``referenced_works`` when they carry a level-0 concept in ``LIFE_SCIENCE_ROOTS``
    (:func:`openalex_citation_counts`). Clinical: ``clinical`` on the citing record.

    The inputs come one citing year at a time: ``pubmed_years`` yields (articles with
    ``CLINICAL_INPUT_COLUMNS``, their references), ``openalex_years`` (works with ``work_id``,
    ``title``, ``abstract``, their references). A citing record and its reference list are in the
    same year, so each year is counted on its own and the counts summed: the texts and references
    of every year are never in memory together (at paper scale that took 13 GB)."""
    roots = work_concepts[(work_concepts["level"] == 0).to_numpy(bool) & work_concepts["concept_name"].isin(LIFE_SCIENCE_ROOTS).to_numpy(bool)]
    life = pd.Series(True, index=pd.Index(roots["work_id"].unique()))
    parts = []
    for articles, references in pubmed_years:
        parts.append(pubmed_citation_counts(references, pubmed_clinical(articles, clinical)))
    for works, references in openalex_years:
        citing = works[works["work_id"].isin(life.index).to_numpy(bool)]
        flags = pd.Series(clinical.is_clinical(citing["title"], citing["abstract"]), index=citing["work_id"].to_numpy())
        parts.append(openalex_citation_counts(references, life, flags))
    if not parts:
        return SCHEMAS["core_lifesci_citations"].empty()
    counts = pd.concat(parts, ignore_index=True)
    summed = counts.groupby("cited_key", sort=True)[["citations", "clinical_citations"]].sum().reset_index()
    return conform(summed, "core_lifesci_citations")


def _article_citations(articles: pd.DataFrame, citations: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(citations, clinical citations) per article (int64): those of its OpenAlex work when the
    counts hold the work, else those of its PMID (``article_id``), else 0. The keys are looked up
    with Arrow hash joins (:func:`positions_in`): the counts cover every cited article of every
    year (half a million keys at demo scale), and a pandas map would hash them again for each lookup."""
    cites = np.append(citations["citations"].to_numpy(dtype="float64", na_value=np.nan), np.nan)
    clinical = np.append(citations["clinical_citations"].to_numpy(dtype="float64", na_value=np.nan), np.nan)
    at_work = positions_in(articles["work_id"], citations["cited_key"])  # -1 (absent) takes the NaN at the end
    at = np.where(np.isnan(cites[at_work]), positions_in(articles["article_id"], citations["cited_key"]), at_work)
    return np.nan_to_num(cites[at], nan=0.0).astype("int64"), np.nan_to_num(clinical[at], nan=0.0).astype("int64")


# ---- the whole year --------------------------------------------------------------------------


def build_lifesci_articles(
    pubmed: pd.DataFrame,
    openalex: pd.DataFrame,
    author_countries: pd.DataFrame,
    ranking: OutletRanking,
    citations: pd.DataFrame,
    *,
    core_rank: str = "A*",
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """``core_lifesci_articles`` and ``core_lifesci_authors`` of a year from the two candidate sets
    (``pubmed_candidates``, ``openalex_conference_candidates``), every candidate's author countries,
    the outlet ranking and the citation counts (``core_lifesci_citations``, keyed ``pmid:<PMID>``
    for PubMed's ReferenceList, the work id for OpenAlex). An article linked to an OpenAlex work
    takes its OpenAlex citations when it has any, else PubMed's. ``core_rank``: the lowest CORE
    rank of a high-ranked conference (:class:`OutletRanking`). International: two distinct authors
    in different countries (:func:`international_articles`). Returns the two tables and the
    year's counts (duplicates merged, lead countries by rule)."""
    articles, merged, n_merged = deduplicate(pubmed, openalex)
    if articles.empty:
        return SCHEMAS["core_lifesci_articles"].empty(), SCHEMAS["core_lifesci_authors"].empty(), {"articles": 0}
    # authors of a merged OpenAlex paper are the PubMed record's
    authors = author_countries[is_in(author_countries["article_id"], articles["article_id"])]
    ids = articles.set_index("article_id")
    lead = lead_countries(authors, ids["n_authors"].fillna(0))
    n_countries = countries_per_article(authors).reindex(ids.index).fillna(0).astype("int64")
    international = international_articles(authors).reindex(ids.index).fillna(False).astype(bool)
    regions = country_regions().set_index("country_code")["world_region"]
    ranked, high = ranking.high_ranked(articles["outlet_kind"], articles["outlet_id"], articles["outlet_name"], core_rank)
    cites, clinical_cites = _article_citations(articles, citations)
    lead_country = articles["article_id"].map(lead["lead_country_code"])
    out = articles.assign(
        lead_country_code=lead_country,
        lead_world_region=lead_country.map(regions),
        lead_rule=articles["article_id"].map(lead["lead_rule"]),
        n_countries=articles["article_id"].map(n_countries).to_numpy(),
        is_international=articles["article_id"].map(international).to_numpy(bool),
        outlet_ranked=ranked.to_numpy(),
        high_ranked=high.to_numpy(),
        citations=cites,
        clinical_citations=clinical_cites,
    )
    out = conform(out, "core_lifesci_articles")
    stats = {
        "articles": len(out),
        "from_pubmed": int((out["source"] != "openalex").sum()),
        "from_openalex": int((out["source"] != "pubmed").sum()),
        "duplicates_merged": n_merged,
        "lead_rule": out["lead_rule"].str.split(":").str[0].value_counts().to_dict(),
        "international_share": round(float(out["is_international"].mean()), 4),
    }
    return out, conform(authors, "core_lifesci_authors"), stats
