"""The AI life-science corpus of Schmallenbach et al. 2024: PubMed articles and OpenAlex conference papers.

Schmallenbach et al. 2024, Methods: AI life-science research is identified "in title or abstract" by AI keywords in
PubMed (journal articles) and in OpenAlex conference proceedings of the life sciences (level-0
concepts Biology, Chemistry, Medicine, Psychology); the lead author is the last author, else the
first; international articles have "at least two authors ... affiliated with different
countries"; articles in the "top three ranked journals" of a field or A* conferences are
high-ranked; relevance is forward citations from life-science research, and from clinical
research. Each step is a function here; ``build_lifesci_articles`` puts them together.

Where the paper is read to the letter (issue 14):

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
import pyarrow as pa

from aigeo_assets.corpus.lookup import arrow_strings, is_in
from aigeo_assets.geo.regions import country_regions
from aigeo_assets.schemas import SCHEMAS, conform

CORE_RANKS = ("A*", "A")
"""The lowest CORE rank a high-ranked conference may have (``AIGEO_LIFESCI_CORE_RANK``)."""
_CORE_ORDER = {"A*": 0, "A": 1}

LIFE_SCIENCE_ROOTS = ("Biology", "Chemistry", "Medicine", "Psychology")
"""Level-0 OpenAlex concepts that make a conference paper life science (Schmallenbach et al. 2024)."""

LIFE_SCIENCE_ROOT_ROWS = [("level", "==", 0), ("concept_name", "in", list(LIFE_SCIENCE_ROOTS))]
"""The rows of ``raw_work_concepts`` that :func:`life_science_works` reads (an asset that reads the
concepts for it alone loads only these)."""

CANDIDATE_CONCEPT_ROWS = [("level", "<=", 1)]
"""The rows of ``raw_work_concepts`` that the OpenAlex candidates (:func:`life_science_works`) and
their topics (:func:`openalex_topics`) read: levels 0 and 1 (a real work carries concepts down to
level 5, most of its rows)."""

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
    return conform(out.drop(columns=["affiliation_seq"]), "core_lifesci_authors")  # typed: linked_author_countries merges it


def lead_countries(author_countries: pd.DataFrame, n_authors: pd.Series) -> pd.DataFrame:
    """The lead author's country per article (index ``article_id``): the last author's (byline
    position n_authors - 1), else the first author's (Schmallenbach et al. 2024: "last author or first author
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
    two distinct authors are affiliated with different countries (Schmallenbach et al. 2024). That holds exactly
    when at least two authors have a known country and the authors name at least two countries
    between them (then some author's country differs from another author's). Author 0 in US and
    DE with author 1 in US is international (DE differs from US); author 0 in US and DE alone, or
    with co-authors whose country is unknown, is not."""
    known = author_countries.dropna(subset=["country_code"])
    g = known.groupby("article_id")
    return (g["author_seq"].nunique() >= 2) & (g["country_code"].nunique() >= 2)


# ---- topics ----------------------------------------------------------------------------------


def openalex_topics(concepts: pd.DataFrame) -> pd.Series:
    """Per work: the highest-scoring level-1 concept that is not purely AI (Schmallenbach et al. 2024, Fig. 3)."""
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


def life_science_works(concepts: pd.DataFrame) -> pd.Index:
    """The works (``raw_work_concepts``: ``work_id``, ``level``, ``concept_name``) with a level-0
    concept in ``LIFE_SCIENCE_ROOTS``, at any score (Schmallenbach et al. 2024's life-science conference papers, and
    the citing works of ``AIGEO_LIFESCI_CITING=life_science``)."""
    roots = (concepts["level"] == 0).to_numpy(bool) & concepts["concept_name"].isin(LIFE_SCIENCE_ROOTS).to_numpy(bool)
    return pd.Index(concepts.loc[roots, "work_id"].unique())


def openalex_conference_candidates(
    works: pd.DataFrame, concepts: pd.DataFrame, venues: pd.DataFrame, matcher, clinical
) -> pd.DataFrame:
    """OpenAlex conference papers of the year with a level-0 life-science concept (any score) and
    an AI keyword in title or abstract. OpenAlex carries no publication types or MeSH: the
    clinical filter reads title and abstract only."""
    conf = works[(works["venue_type"] == "conference").fillna(False).to_numpy(bool) & is_in(works["work_id"], life_science_works(concepts))]
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
    """One row per article: an OpenAlex paper that a PubMed record is linked to (``work_id``), or
    whose PMID or DOI is a PubMed record's, is the same article; the PubMed row stays (``source = both``, ``work_id`` filled) and the OpenAlex row goes.
    The merged row is still a conference paper: it takes the OpenAlex row's outlet (``outlet_kind``
    conference, ``outlet_id``, ``outlet_name``), so the CORE ranking applies to it, while its
    text, authors and clinical flag are the PubMed record's (publication types and MeSH).
    Returns (articles, the OpenAlex ids merged away -> PubMed article ids, the number merged)."""
    if openalex.empty or pubmed.empty:
        out = pubmed if openalex.empty else openalex
        return out, pd.DataFrame({"work_id": [], "article_id": []}), 0
    by_work = pubmed.dropna(subset=["work_id"]).drop_duplicates("work_id").set_index("work_id")["article_id"]
    by_pmid = pubmed.dropna(subset=["pmid"]).drop_duplicates("pmid").set_index("pmid")["article_id"]
    by_doi = pubmed.dropna(subset=["doi"]).drop_duplicates("doi").set_index("doi")["article_id"]
    target = openalex["work_id"].map(by_work).fillna(openalex["pmid"].map(by_pmid)).fillna(openalex["doi"].map(by_doi))
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


# ---- linking PubMed records to OpenAlex ------------------------------------------------------

LINK_INPUT_COLUMNS = ["work_id", "pmid", "doi", "publication_year"]
"""The columns of ``raw_works`` that linking reads."""

LINK_RULES = ("pmid", "doi", "none")


def openalex_link_candidates(works: pd.DataFrame, pmids: pd.Series, dois: pd.Series) -> pd.DataFrame:
    """The OpenAlex works (``raw_works`` rows, ``LINK_INPUT_COLUMNS``) whose PMID is one of
    ``pmids`` or whose DOI (normalized) one of ``dois``: taken one year at a time, so that the
    window of years a record may be linked across is never in memory whole."""
    w = works[LINK_INPUT_COLUMNS]
    doi = _norm_doi(w["doi"])
    hit = is_in(w["pmid"], pmids.dropna()) | is_in(doi, dois.dropna())
    return w[hit].assign(doi=doi[hit]).reset_index(drop=True)


def _closest(pairs: pd.DataFrame) -> pd.DataFrame:
    """One work per article among several candidates: the nearest publication year, then the
    smallest work id (deterministic)."""
    gap = (pairs["publication_year"].astype("float64") - pairs["openalex_year"].astype("float64")).abs()
    return pairs.assign(_gap=gap.fillna(99)).sort_values(["article_id", "_gap", "work_id"], kind="stable").drop_duplicates("article_id")


def link_to_openalex(articles: pd.DataFrame, works: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Schmallenbach et al. 2024's link of PubMed records to OpenAlex ("we leverage unique article identifiers, i.e.,
    PubMed IDs (PMID) and/or Digital Object Identifiers (DOI)"): each article (``article_id``,
    ``pmid``, ``doi``, ``publication_year``) to the OpenAlex work (``LINK_INPUT_COLUMNS``, e.g.
    from :func:`openalex_link_candidates` over the years around the article's) carrying its PMID
    (``ids.pmid``), else its DOI.

    Choices (``docs/methods.md``): several works with the article's PMID (or DOI) -> the one
    published nearest the article's year, then the smallest work id; a DOI match is refused when
    the work carries another PMID (it is another record's twin, the DOI shared by an erratum or a
    reprint); a work linked by PMID is not linked again by DOI, and a work two articles reach by
    DOI goes to the smaller article id. Returns (``article_id``, ``work_id``, ``link_rule`` pmid or
    doi, ``openalex_year``) for the linked articles, and the counts (by rule, unlinked, ties)."""
    cols = ["article_id", "work_id", "link_rule", "openalex_year"]
    w = works.rename(columns={"publication_year": "openalex_year"})
    a = articles[["article_id", "pmid", "doi", "publication_year"]]
    by_pmid = a.dropna(subset=["pmid"]).merge(w.dropna(subset=["pmid"])[["work_id", "pmid", "openalex_year"]], on="pmid")
    ties_pmid = int(by_pmid["article_id"].duplicated().sum())
    by_pmid = _closest(by_pmid).assign(link_rule="pmid")
    rest = a[~is_in(a["article_id"], by_pmid["article_id"])].dropna(subset=["doi"])
    free = w[~is_in(w["work_id"], by_pmid["work_id"])].dropna(subset=["doi"])
    by_doi = rest.merge(free[["work_id", "doi", "openalex_year", "pmid"]].rename(columns={"pmid": "work_pmid"}), on="doi")
    other_pmid = (by_doi["work_pmid"].notna() & (by_doi["work_pmid"] != by_doi["pmid"]).fillna(True)).to_numpy(bool)
    by_doi = by_doi[~other_pmid]
    ties_doi = int(by_doi["article_id"].duplicated().sum())
    by_doi = _closest(by_doi).sort_values(["work_id", "article_id"], kind="stable").drop_duplicates("work_id").assign(link_rule="doi")
    links = pd.concat([by_pmid[cols], by_doi[cols]], ignore_index=True)
    links = links.assign(openalex_year=pd.to_numeric(links["openalex_year"]).astype("Int64"))
    stats = {"linked_by_pmid": len(by_pmid), "linked_by_doi": len(by_doi), "unlinked": len(a) - len(links),
             "several_works_same_pmid": ties_pmid, "several_works_same_doi": ties_doi,
             "doi_refused_other_pmid": int(other_pmid.sum()),
             "linked_other_year": int((links["openalex_year"].astype("float64").to_numpy()
                                       != links["article_id"].map(a.set_index("article_id")["publication_year"]).astype("float64").to_numpy()).sum())}
    return links, stats


def linked_author_countries(
    pubmed_authors: pd.DataFrame, openalex_authors: pd.DataFrame, links: pd.DataFrame, *,
    resolve=None, last_seq: pd.Series | None = None,
) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Authors' countries of PubMed records (``core_lifesci_authors`` rows keyed ``pmid:<PMID>``)
    with those of their linked OpenAlex works (rows keyed by work id, from
    :func:`openalex_author_countries`) preferred, as Schmallenbach et al. 2024 does ("the affiliation of the lead
    author as recorded in OpenAlex, if available, and otherwise as recorded in PubMed").

    An article whose linked work places at least one author takes the work's byline (OpenAlex
    institutions); an author the work leaves unplaced takes the PubMed string's country when both
    bylines have the same length (the same author at the same position). Otherwise the PubMed
    strings (before about 2014 PubMed recorded only the first author's affiliation, so there the
    link places the last author and the co-authors that PubMed leaves blank). Returns the authors
    (keyed by ``article_id``), ``country_source`` per article (``openalex``, ``openalex+pubmed``:
    gaps filled from PubMed, ``pubmed`` or ``none``) and the OpenAlex byline length of the articles
    that take it (their last author is the work's last authorship).

    With ``resolve`` (``geo.affiliation_text.affiliation_countries``), ``pubmed_authors`` are
    ``raw_pubmed_authors`` rows with an ``article_id`` (``pmid:<PMID>``), and their countries are
    resolved (:func:`pubmed_author_countries`) only where they are read: every author of an article
    its work does not place, and of the others the authors at the work's gaps and the first and last
    PubMed authors (``last_seq``: the PubMed byline's last position per article, which the lead
    country falls back to: :func:`build_lifesci_articles`). Each author's countries depend on its
    own strings alone, so the rows read are those of resolving every author; placing an affiliation
    string is the corpus years' largest cost. """
    authors, source, oa_byline, _ = _linked_author_countries(pubmed_authors, openalex_authors, links, resolve, last_seq)
    return authors, source, oa_byline


def _linked_author_countries(pubmed_authors, openalex_authors, links, resolve, last_seq):
    oa = openalex_authors.merge(links[["article_id", "work_id"]], left_on="article_id", right_on="work_id", suffixes=("_w", ""))
    oa = oa.drop(columns=["article_id_w", "work_id"])
    placed = oa.dropna(subset=["country_code"])["article_id"].unique()
    oa = oa[is_in(oa["article_id"], placed)]
    pm_len = pubmed_authors.groupby("article_id")["author_seq"].max()
    oa_len = oa.groupby("article_id")["author_seq"].max()
    same_len = oa_len.index[(oa_len == pm_len.reindex(oa_len.index)).to_numpy(bool)]
    gaps = oa[oa["country_code"].isna().to_numpy(bool) & is_in(oa["article_id"], same_len)][["article_id", "author_seq"]]
    if resolve is not None:
        pubmed_authors = _resolve_read(pubmed_authors, placed, gaps, last_seq, resolve)
    fill = pubmed_authors.dropna(subset=["country_code"]).merge(gaps, on=["article_id", "author_seq"])
    filled = fill[["article_id", "author_seq"]].drop_duplicates()
    key = lambda d: d["article_id"].astype("string") + "#" + d["author_seq"].astype("string")  # noqa: E731
    oa = oa[~is_in(key(oa), key(filled))]
    own = pubmed_authors[~is_in(pubmed_authors["article_id"], placed)]
    out = pd.concat([oa, fill[oa.columns], own], ignore_index=True).sort_values(["article_id", "author_seq"], kind="stable")
    source = pd.Series("none", index=pd.Index(pd.concat([pubmed_authors["article_id"], oa["article_id"]]).unique()), dtype="string")
    source[source.index.isin(own.dropna(subset=["country_code"])["article_id"])] = "pubmed"
    source[source.index.isin(placed)] = "openalex"
    source[source.index.isin(filled["article_id"])] = "openalex+pubmed"
    return conform(out, "core_lifesci_authors"), source, (oa_len + 1).astype("int64"), pubmed_authors  # typed: build_lifesci_articles reads it


def _resolve_read(raw: pd.DataFrame, placed, gaps: pd.DataFrame, last_seq: pd.Series | None, resolve) -> pd.DataFrame:
    """:func:`pubmed_author_countries` of the ``raw_pubmed_authors`` rows :func:`linked_author_countries`
    and the lead-country fallback read (its docstring)."""
    seq = raw["author_seq"].astype("Int64").to_numpy(dtype="int64", na_value=-1)
    needed = ~is_in(raw["article_id"], placed) | (seq == 0)
    if last_seq is not None:
        needed |= seq == raw["article_id"].map(last_seq).fillna(-1).to_numpy(dtype="int64")
    if len(gaps):
        at_gap = raw[["article_id", "author_seq"]].reset_index(drop=True).merge(
            gaps.drop_duplicates().astype({"author_seq": raw["author_seq"].dtype}), how="left", indicator=True)
        needed |= (at_gap["_merge"] == "both").to_numpy(bool)
    return pubmed_author_countries(raw[needed], resolve)


# ---- outlet quality --------------------------------------------------------------------------


@dataclass(frozen=True)
class OutletRanking:
    """The user's outlet ranking: journals by ISSN with category and rank in category; conferences
    by name or acronym with a CORE-style rank (A*, A, B, C). ``core_rank``: the lowest rank of a
    high-ranked conference, A* (Schmallenbach et al. 2024's Methods, the default) or A (its Results; A and A*)."""

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
        its categories is at most 3 (Schmallenbach et al. 2024: "the top three ranked journals" of a field, taken in
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

CITING = ("any", "life_science")
"""Which citing OpenAlex works count (``AIGEO_LIFESCI_CITING``): any work (Schmallenbach et al. 2024's Methods:
"citations ... accruing from any type of publication"), or only works with a level-0 concept in
``LIFE_SCIENCE_ROOTS`` (its Results' "forward citations ... from general life science research
articles")."""


def _count_cited(cited: pd.Series, clinical: np.ndarray) -> pd.DataFrame:
    g = pd.DataFrame({"key": cited.astype("string").to_numpy(), "clinical": clinical}).groupby("key")["clinical"].agg(["size", "sum"])
    return g.rename(columns={"size": "citations", "sum": "clinical_citations"})


def _pubmed_counts(cites: pd.DataFrame, citing_clinical: pd.Series) -> pd.DataFrame:
    """Citations in PubMed's ReferenceList (``raw_pubmed_references`` of one citing year, already
    restricted to the cited PMIDs): per cited PMID (index), the citing records (every PubMed record
    is life science) and the clinical ones among them (``citing_clinical``: bool per citing PMID). A
    record citing the same PMID twice counts once."""
    r = cites.drop_duplicates(["pmid", "cited_pmid"])
    return _count_cited(r["cited_pmid"], r["pmid"].map(citing_clinical).fillna(False).to_numpy(bool))


def _openalex_counts(cites: pd.DataFrame, citing_clinical: pd.Series, citing_allowed: pd.Index | None) -> pd.DataFrame:
    """Citations in OpenAlex's ``referenced_works`` (``raw_references`` of one citing year, already
    restricted to the cited works): per cited work (index), the citing works (all, or those in
    ``citing_allowed``) and the clinical ones among them (``citing_clinical``: bool per citing work).
    A work citing the same work twice counts once."""
    r = cites if citing_allowed is None else cites[is_in(cites["citing_work_id"], citing_allowed)]
    r = r.drop_duplicates(["citing_work_id", "cited_work_id"])
    return _count_cited(r["cited_work_id"], r["citing_work_id"].map(citing_clinical).fillna(False).to_numpy(bool))


def _summed(parts: list[pd.DataFrame]) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame({"citations": pd.Series([], dtype="int64"), "clinical_citations": pd.Series([], dtype="int64")})
    return pd.concat(parts).groupby(level=0)[["citations", "clinical_citations"]].sum()


def cited_ids(articles: pd.DataFrame) -> tuple[pa.Array, pa.Array]:
    """The PMIDs and the OpenAlex work ids whose citations :func:`lifesci_citation_counts` counts
    (``articles``: ``core_lifesci_articles``), distinct, as Arrow strings."""
    return (arrow_strings(articles["pmid"].dropna().astype("string").unique()),
            arrow_strings(articles["work_id"].dropna().astype("string").unique()))


def lifesci_citation_counts(
    articles: pd.DataFrame,
    pubmed_years: Iterable[tuple[pd.DataFrame, pd.DataFrame]],
    openalex_years: Iterable[tuple[pd.DataFrame, pd.DataFrame]],
    clinical,
    life_science_citers: pd.Index | None = None,
) -> pd.DataFrame:
    """``core_lifesci_citations``, Schmallenbach et al. 2024's relevance: the forward citations of every article
    (``articles``: ``article_id``, ``pmid``, ``work_id`` of every year) and the clinical ones among
    them. Schmallenbach et al. 2024 counts them in OpenAlex ("we identify these citation links for the articles in our
    sample by their PMIDs, DOIs, and OpenAlex IDs ... accruing from any type of publication"): an
    article linked to an OpenAlex work takes the citing works of that work (``citation_source``
    ``openalex``, zero when none cites it); an article without a work takes the records citing its
    PMID in PubMed's ReferenceList (``pubmed_reference_list``), a fallback the paper does not need.
    Both counts are kept beside the one used. ``life_science_citers``: when given (setting
    ``AIGEO_LIFESCI_CITING=life_science``), only those citing works count. Clinical: ``clinical``
    on the citing record (PubMed: title, abstract, publication types and MeSH; OpenAlex: title and
    abstract).

    The inputs come one citing year at a time: ``pubmed_years`` yields (records with
    ``CLINICAL_INPUT_COLUMNS``, their references), ``openalex_years`` (works with ``work_id``,
    ``title``, ``abstract``, their references). Only references to the articles are kept and only
    the citing records' texts are filtered, so memory holds one year's references."""
    pmids, works = cited_ids(articles)
    pm_parts, oa_parts = [], []
    for records, references in pubmed_years:
        cites = references[is_in(references["cited_pmid"], pmids)]
        citing = records[is_in(records["pmid"], cites["pmid"])]
        pm_parts.append(_pubmed_counts(cites, pubmed_clinical(citing, clinical)))
    for citing_works, references in openalex_years:
        cites = references[is_in(references["cited_work_id"], works)]
        citing = citing_works[is_in(citing_works["work_id"], cites["citing_work_id"])]
        flags = pd.Series(clinical.is_clinical(citing["title"], citing["abstract"]), index=citing["work_id"].to_numpy())
        oa_parts.append(_openalex_counts(cites, flags, life_science_citers))
    pm, oa = _summed(pm_parts), _summed(oa_parts)
    at_pm = articles["pmid"].astype("string")
    at_oa = articles["work_id"].astype("string")
    linked = at_oa.notna().to_numpy(bool)

    def take(table: pd.DataFrame, keys: pd.Series, column: str) -> np.ndarray:
        return keys.map(table[column]).fillna(0).to_numpy(dtype="int64") if len(table) else np.zeros(len(keys), dtype="int64")

    out = pd.DataFrame({
        "article_id": articles["article_id"].to_numpy(),
        "pubmed_citations": take(pm, at_pm, "citations"),
        "pubmed_clinical_citations": take(pm, at_pm, "clinical_citations"),
        "openalex_citations": take(oa, at_oa, "citations"),
        "openalex_clinical_citations": take(oa, at_oa, "clinical_citations"),
    })
    out["citations"] = np.where(linked, out["openalex_citations"], out["pubmed_citations"])
    out["clinical_citations"] = np.where(linked, out["openalex_clinical_citations"], out["pubmed_clinical_citations"])
    out["citation_source"] = np.where(linked, "openalex", "pubmed_reference_list")
    return out.sort_values("article_id", kind="stable", ignore_index=True)


def with_citations(articles: pd.DataFrame, citations: pd.DataFrame) -> pd.DataFrame:
    """``out_lifesci_articles``: the articles of every year with their forward citations
    (``core_lifesci_citations``; an article the counts do not hold has none)."""
    c = citations.set_index("article_id")
    out = articles.assign(
        citations=articles["article_id"].map(c["citations"]).fillna(0).astype("int64"),
        clinical_citations=articles["article_id"].map(c["clinical_citations"]).fillna(0).astype("int64"),
        citation_source=articles["article_id"].map(c["citation_source"]).astype("string"),
    )
    return out


# ---- the whole year --------------------------------------------------------------------------


def build_lifesci_articles(
    pubmed: pd.DataFrame,
    openalex: pd.DataFrame,
    pubmed_authors: pd.DataFrame,
    openalex_authors: pd.DataFrame,
    ranking: OutletRanking,
    *,
    links: pd.DataFrame | None = None,
    topics: pd.Series | None = None,
    core_rank: str = "A*",
    resolve=None,
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """``core_lifesci_articles`` and ``core_lifesci_authors`` of a year from the two candidate sets
    (``pubmed_candidates``, ``openalex_conference_candidates``), the PubMed records' author
    countries (keyed ``pmid:<PMID>``) and the OpenAlex works' (keyed by work id: the conference
    papers' and the linked works'), the outlet ranking, the PubMed records' links to OpenAlex
    (:func:`link_to_openalex`; none: no record is linked) and the OpenAlex topics of the works
    (:func:`openalex_topics`). A linked record takes its work's id, its authors' countries
    (:func:`linked_author_countries`) and its work's topic (else the MeSH fallback), and says so
    (``link_rule``, ``country_source``, ``topic_source``). ``core_rank``: the lowest CORE rank of a
    high-ranked conference (:class:`OutletRanking`). International: two distinct authors in
    different countries (:func:`international_articles`). Citations are counted over every year
    afterwards (:func:`lifesci_citation_counts`). Returns the two tables and the year's counts.
    ``resolve``: ``pubmed_authors`` are then the ``raw_pubmed_authors`` rows of the records, placed
    only where they are read (:func:`linked_author_countries`); the tables are the same."""
    empty_links = pd.DataFrame({"article_id": pd.Series([], dtype="string"), "work_id": pd.Series([], dtype="string"),
                                "link_rule": pd.Series([], dtype="string")})
    links = empty_links if links is None or links.empty else links
    if not pubmed.empty:
        pubmed = pubmed.assign(work_id=pubmed["article_id"].map(links.set_index("article_id")["work_id"]).astype("string"))
    articles, merged, n_merged = deduplicate(pubmed, openalex)
    if articles.empty:
        return SCHEMAS["core_lifesci_articles"].empty(), SCHEMAS["core_lifesci_authors"].empty(), {"articles": 0}
    ids = articles.set_index("article_id")
    links = links[is_in(links["article_id"], articles["article_id"])]
    if resolve is not None:
        pubmed_authors = pubmed_authors.assign(article_id="pmid:" + pubmed_authors["pmid"].astype("string"))
    pm_authors = pubmed_authors[is_in(pubmed_authors["article_id"], articles["article_id"])]
    authors, country_source, oa_byline, pm_authors = _linked_author_countries(
        pm_authors, openalex_authors, links, resolve, ids["n_authors"].fillna(0).astype("int64") - 1)
    oa_only = openalex_authors[is_in(openalex_authors["article_id"], articles["article_id"])]
    authors = conform(pd.concat([authors, oa_only], ignore_index=True), "core_lifesci_authors")  # typed: the lead country is read from it
    country_source = pd.concat([country_source, pd.Series(np.where(oa_only.groupby("article_id")["country_code"].count() > 0, "openalex", "none"),
                                                          index=oa_only.groupby("article_id").size().index, dtype="string")])
    byline = ids["n_authors"].fillna(0).astype("int64")
    byline.update(oa_byline.reindex(byline.index).dropna().astype("int64"))
    lead = lead_countries(authors, byline)
    missing = lead["lead_country_code"].isna().to_numpy(bool) & byline.index.isin(oa_byline.index)
    if missing.any():  # the work places no lead author: PubMed's, as the paper falls back
        pm_lead = lead_countries(pm_authors, ids["n_authors"].fillna(0).astype("int64"))
        lead.loc[missing] = pm_lead.loc[lead.index[missing]].to_numpy()
    n_countries = countries_per_article(authors).reindex(ids.index).fillna(0).astype("int64")
    international = international_articles(authors).reindex(ids.index).fillna(False).astype(bool)
    regions = country_regions().set_index("country_code")["world_region"]
    ranked, high = ranking.high_ranked(articles["outlet_kind"], articles["outlet_id"], articles["outlet_name"], core_rank)
    work_topic = articles["work_id"].map(topics) if topics is not None and len(topics) else pd.Series(pd.NA, index=articles.index, dtype="string")
    topic_source = np.where(work_topic.notna(), "openalex_concept", np.where(articles["topic"].notna(), "mesh", "none"))
    rule = articles["article_id"].map(links.set_index("article_id")["link_rule"]).astype("string")
    rule = rule.where(rule.notna(), np.where(articles["source"] == "openalex", "openalex", "none"))
    lead_country = articles["article_id"].map(lead["lead_country_code"])
    out = articles.assign(
        work_id=articles["work_id"].astype("string"),
        link_rule=rule,
        topic=work_topic.fillna(articles["topic"]),
        topic_source=topic_source,
        lead_country_code=lead_country,
        lead_world_region=lead_country.map(regions),
        lead_rule=articles["article_id"].map(lead["lead_rule"]),
        country_source=articles["article_id"].map(country_source).fillna("none"),
        n_countries=articles["article_id"].map(n_countries).to_numpy(),
        is_international=articles["article_id"].map(international).to_numpy(bool),
        outlet_ranked=ranked.to_numpy(),
        high_ranked=high.to_numpy(),
    )
    out = conform(out, "core_lifesci_articles")  # typed: the year's counts below are taken from it
    stats = {
        "articles": len(out),
        "from_pubmed": int((out["source"] != "openalex").sum()),
        "from_openalex": int((out["source"] != "pubmed").sum()),
        "duplicates_merged": n_merged,
        "link_rule": out["link_rule"].value_counts().to_dict(),
        "country_source": out["country_source"].value_counts().to_dict(),
        "topic_source": out["topic_source"].value_counts().to_dict(),
        "lead_rule": out["lead_rule"].str.split(":").str[0].value_counts().to_dict(),
        "international_share": round(float(out["is_international"].mean()), 4),
    }
    return out, authors, stats
