"""Streaming reader of PubMed baseline and update files (``pubmedYYnNNNN.xml.gz`` and any other name).

A file is a gzip (or plain) XML ``<PubmedArticleSet>`` of ``<PubmedArticle>`` records (about
30,000 per baseline file; also E-utilities downloads), or, in the baselines up to 2016
(``medline16n0902.xml.gz``), a ``<MedlineCitationSet>`` of ``<MedlineCitation>`` records directly
under the root (no ``PubmedData``: no ReferenceList, the DOI from ``ELocationID`` only). Either set
may hold ``<DeleteCitation>`` blocks listing PMIDs to remove, and a few records are
``<PubmedBookArticle>``. The file is parsed incrementally
(``iterparse`` on the decompressed stream, lxml when installed, else the standard library), each
record element is cleared and detached from the tree as soon as it has been read, so memory stays
flat however large the file. Gzip is recognised by its magic bytes (not the suffix) and read with
``zlib`` in bounded steps by :class:`_GzipStream` rather than ``gzip.open``: behind
``gzip.open``'s buffered reader, the last decompressed chunk before a truncation is lost together
with the records it completes.

Two levels:

* :func:`iter_pubmed_records` yields one item per record: a :class:`PubmedRecord` (a usable
  article), a :class:`PubmedDeletion` (a ``DeleteCitation`` block) or a :class:`PubmedProblem`
  (a record that cannot be used, or the break of a truncated / corrupt file). Nothing is dropped
  silently and nothing raises on bad data.
* :func:`parse_pubmed_file` collects them into the ``raw_pubmed_articles``,
  ``raw_pubmed_authors``, ``raw_pubmed_references`` and ``quarantine`` tables (column lists built
  once, frames made once at the end) plus the list of deleted PMIDs.

Field rules (``schemas.py`` describes the columns):

* ``pmid``: ``MedlineCitation/PMID`` (digits).
* ``doi``: ``PubmedData/ArticleIdList/ArticleId[@IdType="doi"]``, else
  ``Article/ELocationID[@EIdType="doi"]``; lower case, ``https://doi.org/``-style and ``doi:``
  prefixes removed.
* ``publication_year``: ``Journal/JournalIssue/PubDate/Year``, else the first four-digit year of
  ``PubDate/MedlineDate`` ("1998 Dec-1999 Jan" -> 1998), else ``Article/ArticleDate/Year``.
* ``title`` / ``abstract``: inner markup (``<i>``, ``<sup>``, MathML, ...) flattened to its text
  and white space (no-break spaces included) collapsed; abstract sections (``AbstractText``) joined by a space, a structured
  abstract's ``Label`` kept as ``"LABEL: text"``. ``OtherAbstract`` is not read.
* ``issn_print``: ``Journal/ISSN[@IssnType="Print"]``, or an ``ISSN`` without ``IssnType`` (old records).
* authors: ``Article/AuthorList/Author`` in byline order; a person (``LastName``, ``ForeName``) or
  a group (``CollectiveName``). Affiliations: ``Author/AffiliationInfo/Affiliation`` (DTD 2015
  onward), ``Author/Affiliation`` (DTD 2014), or ``Article/Affiliation`` (earlier DTDs, the first
  author's only: given to the first author when no author has an affiliation). Authors marked ``ValidYN="N"`` (a name published wrongly and
  corrected by an erratum, whose corrected form is also listed) are left out of the byline and of
  ``n_authors``. One row per author and ``AffiliationInfo/Affiliation``; an author without
  affiliation gives one row with a null affiliation and ``affiliation_seq`` 0.
* references: ``PubmedData/ReferenceList/Reference/ArticleIdList/ArticleId[@IdType="pubmed"]``
  (nested reference lists included), one row per distinct cited PMID of a record.

Quarantine reasons (``file`` is the path as given; ``line`` the 1-based line of the record's start
tag, with either parser; 0 when the problem concerns the whole file):
``missing_pmid``, ``bad_pmid`` (not 1-12 ASCII digits; also a ``DeleteCitation`` entry),
``bad_version``, ``field_too_large``, ``undefined_entity``, ``superseded_version``,
``deleted_citation``, ``year_unknown`` (no PubDate Year, no year in
MedlineDate, no ArticleDate), ``year_not_integer``, ``year_out_of_range`` (outside 1000-2999),
``missing_citation`` (no MedlineCitation), ``book_article`` (``PubmedBookArticle``: a Bookshelf
chapter, not a journal article; Schmallenbach et al. 2024 counts journal articles and conference papers),
``unparseable_record`` (any other failure while reading one record), ``unknown_element`` (an
element under the root that is neither a record nor holds one: skipped, reported), and for a
broken file ``truncated_gzip``, ``corrupt_gzip`` or ``encoding_error`` (every record completed
before the break is kept; the break gives one row) or ``xml_syntax_error`` (one row at the
parser's line; reading resumes at the next record). A
well-formed file without any record element gives one ``no_records`` row naming its root (and
the elements it holds instead, which then get no rows of their own): no file vanishes. Per file,
records in = records parsed + record rows of the quarantine.

``years`` filtering happens before validation: a record whose year is known and outside ``years``
is skipped (counted in ``PubmedTables.n_out_of_years``), not quarantined; records without a
usable year are quarantined whatever ``years`` is, as are file-level breaks.

Hostile input (issue 12). Between the decompressed stream and the parser, :class:`_RecordFramer`
cuts the bytes at record boundaries and hands the parser whole records only: a record longer than
:data:`MAX_RECORD_BYTES`, or a run that long outside any record, is dropped while streaming
(``field_too_large``; memory stays bounded, a 400 MB affiliation never becomes a string); a record
holding a named entity other than XML's five (``&foo;``: undefined, or declared by the file itself,
which is never expanded) is dropped as ``undefined_entity``, with either parser; after an XML
syntax error (``xml_syntax_error``, at its line) reading resumes at the next record, so a broken
record costs itself only; a UTF-16/UTF-32 file is transcoded to UTF-8 (undecodable bytes:
``encoding_error``, the rest of the file is lost and said so). A title, abstract, affiliation, name
or journal title longer than :data:`MAX_FIELD_CHARS` quarantines its record (``field_too_large``:
the whole record, not the field, so no truncated text reaches the tables). ``PMID/@Version``
absent is 1; anything but a positive integer is ``bad_version``.

Two readers, one result (issue 13). The framer above costs Python work on every byte and lxml's
``iterparse`` an event per element, yet almost every file has nothing for the framer to do. With
lxml, a file is first read by the intact reader (:func:`_intact_items`): ``isal`` inflates it,
:class:`_IntactSource` checks at C speed that the framer would change nothing (gzip members whole,
UTF-8, no named entity, comment, CDATA section or DOCTYPE internal subset, no long stretch without a
record end) and cuts the bytes after record end tags into documents of about 64 KB, each parsed
whole by lxml (lines from ``sourceline`` plus the newlines before the document) -- or, when it is
built (:mod:`aigeo_assets.lifesci.native_pubmed`), by a compiled reader that turns each batch it is
certain of straight into the fields of its records (:func:`_native_item` makes the items), every
other batch left to lxml and the walk: the same items either way (tested). Anything else
(such a finding, or a syntax error) sends the file to the framer from its start, the items already
given passed over; ``reader="framer"`` reads through the framer only. On the real samples, the demo
world and every planted fault the two give the same tables, quarantine rows and counts (tested).

Versions and deletions (NLM: the PMID stays, each version has its number, "only the most recent
version of a citation is indexed"; update files carry new, revised and deleted citations): within
one file, :func:`parse_pubmed_file` keeps per PMID the record of the highest ``Version`` (of equal
versions, the later one) and drops the others with all their author and reference rows
(``superseded_version`` rows naming the winner); a ``DeleteCitation`` removes every record of its
PMIDs in the same file (``deleted_citation`` rows; NLM puts the block at the end of an update
file, so it applies to the whole file) -- its ``Version`` attribute is not used: NLM deletes
citations by PMID. Across files (later files revise earlier ones, deletions reach back) the caller
applies ``deleted_pmids`` and ``article_versions``: ``pubmed_files.pubmed_year_tables``. Per file,
``n_records = len(articles) + n_quarantined_records + n_superseded + n_deleted + n_out_of_years``.
"""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as _std_etree
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from aigeo_assets.ingest.intact_gzip import GzipNotIntact, intact_gzip_blocks
from aigeo_assets.ingest.snapshot import GZIP_MAGIC
from aigeo_assets.ingest.works import typed_column
from aigeo_assets.schemas import conform

try:  # lxml is faster and gives each record's line number; the standard library is the fallback
    from lxml import etree as _lxml_etree
except ImportError:  # pragma: no cover - depends on the environment
    _lxml_etree = None

DEFAULT_BACKEND = "lxml" if _lxml_etree is not None else "stdlib"
"""The XML parser used when none is asked for."""

MIN_YEAR, MAX_YEAR = 1000, 2999
"""Plausible publication years; anything outside is quarantined as ``year_out_of_range``."""

MAX_FIELD_CHARS = 100_000
"""The longest title, abstract, affiliation, author name or journal title accepted, in characters.
NLM's indexing system cut abstracts at 4,096 characters until the 2000s and the longest fields of
the real samples are far shorter (abstract 3,445, affiliation 852, title 273 characters); a field
25 times NLM's old abstract limit is not a citation but damage or an attack. The record is
quarantined as ``field_too_large``."""

MAX_RECORD_BYTES = 32 << 20
"""The largest record accepted, in bytes of XML (32 MiB). The largest real records, consortium
papers listing thousands of authors each with affiliations, are a few megabytes (the largest of
the real samples: 188 KB). A longer record, or a run of more than this outside any record, is
quarantined as ``field_too_large`` while streaming, before the parser sees it: memory stays
bounded whatever a file holds (a 400 MB affiliation in a 410 KB gzip)."""

_TARGETS = ("PubmedArticle", "MedlineCitation", "DeleteCitation", "PubmedBookArticle")
"""The record elements: ``PubmedArticle`` (``PubmedArticleSet`` files, 2017 onward, and E-utilities
downloads), ``MedlineCitation`` standing on its own (``MedlineCitationSet`` files, the baselines up
to 2016), ``PubmedBookArticle`` and ``DeleteCitation`` (either set)."""
_TARGET_SET = frozenset(_TARGETS)
_YEAR_IN_TEXT = re.compile(r"(?<!\d)\d{4}(?!\d)")
_DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:")


# ---- items yielded by iter_pubmed_records ------------------------------------------------------


class PubmedAuthor(NamedTuple):
    """One byline entry: a person (last_name, fore_name) or a group (collective_name)."""

    last_name: str | None
    fore_name: str | None
    collective_name: str | None
    affiliations: tuple[str, ...]


@dataclass(slots=True)
class PubmedRecord:
    """A usable ``PubmedArticle``: the ``raw_pubmed_articles`` fields, its authors and references."""

    line: int
    pmid: str
    doi: str | None
    publication_year: int
    title: str | None
    abstract: str | None
    journal_title: str | None
    journal_iso_abbrev: str | None
    issn_print: str | None
    issn_electronic: str | None
    issn_linking: str | None
    publication_types: str | None
    mesh_terms: str | None
    authors: list[PubmedAuthor] = field(default_factory=list)
    cited_pmids: list[str] = field(default_factory=list)
    version: int = 1
    """``PMID/@Version``: 1 unless NLM versioned the citation; the highest version of a PMID wins."""

    @property
    def n_authors(self) -> int:
        return len(self.authors)


@dataclass(slots=True)
class PubmedDeletion:
    """A ``DeleteCitation`` block: PMIDs to remove from this file and from what earlier files gave
    (``bad``: listed values that are not PMIDs, each quarantined as ``bad_pmid``)."""

    line: int
    pmids: list[str]
    bad: list[str] = field(default_factory=list)


@dataclass(slots=True)
class PubmedProblem:
    """Something that could not be used: a record, or the break of a damaged file."""

    line: int
    reason: str
    detail: str


PubmedItem = PubmedRecord | PubmedDeletion | PubmedProblem


@dataclass
class PubmedTables:
    """The tables of one PubMed file (each frame conforms to its schema)."""

    articles: pd.DataFrame
    authors: pd.DataFrame
    references: pd.DataFrame
    quarantine: pd.DataFrame
    deleted_pmids: list[str]
    n_out_of_years: int = 0
    """Records skipped because their (valid) year is not among ``years``."""
    article_versions: list[int] = field(default_factory=list)
    """``PMID/@Version`` of each row of ``articles`` (the parse cache keeps it for later files)."""
    n_records: int = 0
    """Citation records met (``DeleteCitation`` blocks not counted): always ``len(articles) +
    n_quarantined_records + n_superseded + n_deleted + n_out_of_years``."""
    n_quarantined_records: int = 0
    """Quarantine rows that stand for one record each (the other rows concern the file, a region
    between records, or a ``DeleteCitation`` entry)."""
    n_superseded: int = 0
    """Records that lost to a higher (or later equal) version of their PMID in this file."""
    n_deleted: int = 0
    """Records whose PMID a ``DeleteCitation`` of this file deletes."""


# ---- small text helpers ------------------------------------------------------------------------


def _flat(el) -> str | None:
    """Text of an element with inner markup flattened and white space collapsed; None when empty."""
    if el is None:
        return None
    text = "".join(el.itertext()) if len(el) else el.text
    if not text:
        return None
    text = " ".join(text.split())
    return text or None


def _first(parent, tag: str):
    """The first child of ``parent`` named ``tag``, or None: ``parent.find(tag)`` without the path
    machinery (lxml's ``find``/``findtext``/``iterfind`` parse their path in Python on every call)."""
    for child in parent:
        if child.tag == tag:
            return child
    return None


def _child_text(parent, tag: str) -> str | None:
    """The text of the first child of ``parent`` named ``tag`` (None when there is none or it is empty)."""
    child = _first(parent, tag)
    return None if child is None else child.text


def _strip(text: str | None) -> str | None:
    if text is None:
        return None
    text = text.strip()
    return text or None


def normalize_doi(value: str | None) -> str | None:
    """``"https://doi.org/10.1/ABC"`` -> ``"10.1/abc"``; None for empty values."""
    if value is None:
        return None
    doi = value.strip().lower()
    for prefix in _DOI_PREFIXES:
        if doi.startswith(prefix):
            doi = doi[len(prefix) :].strip()
            break
    return doi or None


# ---- one record --------------------------------------------------------------------------------


def _year(pubdate, article_date) -> tuple[int | None, str, str]:
    """(year, reason, detail): the year, or None with the quarantine reason and detail."""
    return _year_of_texts(
        pubdate is not None,
        _child_text(pubdate, "Year") if pubdate is not None else None,
        _child_text(pubdate, "MedlineDate") if pubdate is not None else None,
        _child_text(article_date, "Year") if article_date is not None else None,
    )


def _year_of_texts(has_pubdate: bool, pubdate_year: str | None, medline_date: str | None,
                   article_year: str | None) -> tuple[int | None, str, str]:
    """:func:`_year` on the texts of ``PubDate/Year``, ``PubDate/MedlineDate`` and
    ``ArticleDate/Year`` (the compiled reader hands over these texts when it leaves the year to Python)."""
    raw = None
    where = ""
    if has_pubdate:
        raw = _strip(pubdate_year)
        where = "PubDate/Year"
        if raw is None:
            if medline_date:
                m = _YEAR_IN_TEXT.search(medline_date)
                if m:
                    raw, where = m.group(), "MedlineDate"
    if raw is None and article_year is not None:
        raw = _strip(article_year)
        where = "ArticleDate/Year"
    if raw is None:
        return None, "year_unknown", "no PubDate Year, no year in MedlineDate, no ArticleDate Year"
    try:
        year = int(raw)
    except ValueError:
        return None, "year_not_integer", f"{where} is {raw[:50]!r}"
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None, "year_out_of_range", f"{where} is {year}"
    return year, "", ""


MAX_PMID_DIGITS = 12
"""PMIDs have 8 digits today; a longer run of digits is not a PMID (and would not fit an int64)."""


def is_pmid(text: str) -> bool:
    """Is ``text`` a PMID: 1 to :data:`MAX_PMID_DIGITS` ASCII digits (``str.isdigit`` alone also
    accepts superscripts and other scripts' digits)?"""
    return 0 < len(text) <= MAX_PMID_DIGITS and text.isascii() and text.isdigit()


def _version(text: str | None) -> tuple[int, str]:
    """``PMID/@Version`` -> (version, problem): absent means 1 (NLM: "all citations not versioned
    are version 1"); anything but a positive integer is a problem, never a guess."""
    if text is None:
        return 1, ""
    value = text.strip()
    if value.isascii() and value.isdigit() and 0 < len(value) <= 6 and int(value) > 0:
        return int(value), ""
    return 0, f"PMID Version {value[:50]!r} is not a positive integer"


def _oversize_field(title, abstract, journal_title, authors: list[PubmedAuthor]) -> str:
    """The first field longer than :data:`MAX_FIELD_CHARS`, described; "" when none is."""
    for name, text in (("ArticleTitle", title), ("Abstract", abstract), ("Journal/Title", journal_title)):
        if text is not None and len(text) > MAX_FIELD_CHARS:
            return f"{name} of {len(text):,} characters (cap {MAX_FIELD_CHARS:,})"
    for seq, author in enumerate(authors):
        for name, text in (("LastName", author.last_name), ("ForeName", author.fore_name), ("CollectiveName", author.collective_name)):
            if text is not None and len(text) > MAX_FIELD_CHARS:
                return f"author {seq} {name} of {len(text):,} characters (cap {MAX_FIELD_CHARS:,})"
        for text in author.affiliations:
            if len(text) > MAX_FIELD_CHARS:
                return f"author {seq} Affiliation of {len(text):,} characters (cap {MAX_FIELD_CHARS:,})"
    return ""


def _authors(author_list, article_affiliation: str | None = None) -> list[PubmedAuthor]:
    """The byline. Affiliations: ``Author/AffiliationInfo/Affiliation`` (DTD 2015 onward),
    ``Author/Affiliation`` (DTD 2014), or ``Article/Affiliation`` (earlier DTDs, which recorded the
    first author's affiliation only): given to the first author when no author has one."""
    out: list[PubmedAuthor] = []
    if author_list is None or author_list.get("Type") == "editors":
        return out
    for author in author_list:
        if author.tag != "Author" or author.get("ValidYN") == "N":
            continue
        last = fore = collective = None
        affiliations = []
        for child in author:
            tag = child.tag
            if tag == "LastName":
                last = _strip(child.text)
            elif tag == "ForeName":
                fore = _strip(child.text)
            elif tag == "CollectiveName":
                collective = _flat(child)
            elif tag == "AffiliationInfo":
                for affiliation in child:
                    if affiliation.tag == "Affiliation":
                        text = _flat(affiliation)
                        if text is not None:
                            affiliations.append(text)
            elif tag == "Affiliation":  # DTD 2014: the affiliation directly under Author
                text = _flat(child)
                if text is not None:
                    affiliations.append(text)
        out.append(PubmedAuthor(last, fore, collective, tuple(affiliations)))
    if article_affiliation and out and not any(a.affiliations for a in out):
        out[0] = out[0]._replace(affiliations=(article_affiliation,))
    return out


def _article(elem, line: int, years: frozenset[int] | None) -> PubmedItem | None:
    """A ``PubmedArticle`` element -> record or problem; None when its year is outside ``years``."""
    citation = pubmed_data = None
    for child in elem:
        tag = child.tag
        if tag == "MedlineCitation":
            citation = child
        elif tag == "PubmedData":
            pubmed_data = child
    if citation is None:
        return PubmedProblem(line, "missing_citation", "PubmedArticle without MedlineCitation")
    return _citation(citation, pubmed_data, line, years)


# C901: one walk over a record's children, each branch a tag or field (kept inline: the parse's hot loop)
def _citation(citation, pubmed_data, line: int, years: frozenset[int] | None) -> PubmedItem | None:  # noqa: C901 (see the line above)
    """A ``MedlineCitation`` (inside a ``PubmedArticle`` with its ``PubmedData``, or on its own as
    in the ``MedlineCitationSet`` files, ``pubmed_data`` None) -> record or problem; None when its
    year is outside ``years``.

    Children are walked once and dispatched on their tag (cheaper than one path search per field).
    """
    pmid_el = article = mesh_list = journal_info = None
    for child in citation:
        tag = child.tag
        if tag == "PMID":
            if pmid_el is None:
                pmid_el = child
        elif tag == "Article":
            article = child
        elif tag == "MeshHeadingList":
            mesh_list = child
        elif tag == "MedlineJournalInfo":
            journal_info = child

    journal = title_el = abstract_el = author_list = type_list = article_date = article_affiliation = None
    doi_elocations = []
    if article is not None:
        for child in article:
            tag = child.tag
            if tag == "Affiliation":  # DTDs before 2014: the first author's affiliation, on the Article
                if article_affiliation is None:
                    article_affiliation = _flat(child)
            elif tag == "Journal":
                journal = child
            elif tag == "ArticleTitle":
                title_el = child
            elif tag == "ELocationID":
                if child.get("EIdType") == "doi":
                    doi_elocations.append(child)
            elif tag == "Abstract":
                abstract_el = child
            elif tag == "AuthorList":
                if author_list is None:
                    author_list = child
            elif tag == "PublicationTypeList":
                type_list = child
            elif tag == "ArticleDate":
                if article_date is None:
                    article_date = child

    journal_title = iso_abbrev = issn_print = issn_electronic = pubdate = None
    if journal is not None:
        for child in journal:
            tag = child.tag
            if tag == "ISSN":
                kind = child.get("IssnType")
                if kind == "Print" or kind is None:  # old records may omit IssnType: print
                    issn_print = _strip(child.text)
                elif kind == "Electronic":
                    issn_electronic = _strip(child.text)
            elif tag == "JournalIssue":
                pubdate = _first(child, "PubDate")
            elif tag == "Title":
                journal_title = _flat(child)
            elif tag == "ISOAbbreviation":
                iso_abbrev = _strip(child.text)

    year, year_reason, year_detail = _year(pubdate, article_date)
    if year is not None and years is not None and year not in years:
        return None
    pmid = _strip(pmid_el.text) if pmid_el is not None else None
    if pmid is None:
        return PubmedProblem(line, "missing_pmid", f"record without PMID (title {str(_flat(title_el))[:80]!r})")
    if not is_pmid(pmid):
        return PubmedProblem(line, "bad_pmid", f"PMID {pmid[:50]!r} is not 1 to {MAX_PMID_DIGITS} ASCII digits")
    version, version_problem = _version(pmid_el.get("Version"))
    if version_problem:
        return PubmedProblem(line, "bad_version", f"PMID {pmid}: {version_problem}")
    if year is None:
        return PubmedProblem(line, year_reason, f"PMID {pmid}: {year_detail}")

    abstract = None
    if abstract_el is not None:
        sections = []
        for section in abstract_el:
            if section.tag != "AbstractText":
                continue
            text = _flat(section)
            if text is None:
                continue
            label = section.get("Label")
            if label:
                label = label.strip()
            sections.append(f"{label}: {text}" if label else text)
        abstract = " ".join(sections) or None

    publication_types = None
    if type_list is not None:
        publication_types = "|".join(t for t in (_strip(p.text) for p in type_list if p.tag == "PublicationType") if t)

    mesh_terms = None
    if mesh_list is not None:
        mesh_terms = "|".join(m for m in (_strip(d.text) for d in mesh_list.iter("DescriptorName")) if m)

    doi = None
    cited: list[str] = []
    if pubmed_data is not None:
        for child in pubmed_data:
            tag = child.tag
            if tag == "ArticleIdList":
                if doi is None:
                    for article_id in child:
                        if article_id.get("IdType") == "doi":
                            doi = normalize_doi(article_id.text)
                            if doi:
                                break
            elif tag == "ReferenceList":
                # ReferenceList/Reference/ArticleIdList/ArticleId; reference lists may nest
                for ref_id in child.iter("ArticleId"):
                    if ref_id.get("IdType") == "pubmed":
                        value = ref_id.text
                        if value:
                            value = value.strip()
                            if is_pmid(value):
                                cited.append(value)
        if len(cited) > 1:
            cited = list(dict.fromkeys(cited))
    if doi is None:
        for eloc in doi_elocations:
            doi = normalize_doi(eloc.text)
            if doi:
                break

    title = _flat(title_el)
    authors = _authors(author_list, article_affiliation)
    oversize = _oversize_field(title, abstract, journal_title, authors)
    if oversize:
        return PubmedProblem(line, "field_too_large", f"PMID {pmid} Version {version}: {oversize}")

    return PubmedRecord(
        line=line,
        pmid=pmid,
        doi=doi,
        publication_year=year,
        title=title,
        abstract=abstract,
        journal_title=journal_title,
        journal_iso_abbrev=iso_abbrev,
        issn_print=issn_print,
        issn_electronic=issn_electronic,
        issn_linking=_strip(_child_text(journal_info, "ISSNLinking")) if journal_info is not None else None,
        publication_types=publication_types or None,
        mesh_terms=mesh_terms or None,
        authors=authors,
        cited_pmids=cited,
        version=version,
    )


def _item(elem, line: int, years) -> PubmedItem | None:
    """One record element (a :data:`_TARGETS` tag; a ``MedlineCitation`` only when it stands on its
    own, not inside a ``PubmedArticle``) -> record, deletion or problem."""
    tag = elem.tag
    try:
        if tag == "PubmedArticle":
            return _article(elem, line, years)
        if tag == "MedlineCitation":
            return _citation(elem, None, line, years)
        if tag == "DeleteCitation":
            listed = [p for p in (_strip(e.text) for e in elem.iterfind("PMID")) if p]
            return PubmedDeletion(line, [p for p in listed if is_pmid(p)], [p for p in listed if not is_pmid(p)])
        pmid = _strip(elem.findtext("BookDocument/PMID"))
        return PubmedProblem(line, "book_article", f"PubmedBookArticle PMID {pmid}: not a journal article")
    except Exception as exc:  # one odd record must not stop the file
        return PubmedProblem(line, "unparseable_record", f"{type(exc).__name__}: {str(exc)[:200]}")


# ---- the stream --------------------------------------------------------------------------------


class _GzipStream:
    """A read-only file over a (multi-member) gzip file that hands out every byte it can decompress
    before it reports a break: a truncated stream raises ``EOFError`` and corrupt data ``zlib.error``
    only once the data before the break has been read. (``gzip.open`` reads through an
    ``io.BufferedReader`` that drops the last decompressed chunk when the next raw read fails, so
    the records just before the break would be lost.) Output is produced in bounded steps, so
    memory stays flat whatever the compression ratio."""

    _IN = 1 << 18
    _OUT = 1 << 20

    def __init__(self, path: Path) -> None:
        self._raw = open(path, "rb")
        self._d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._fed = False  # the current member has been fed data and has not ended yet
        self._pending = b""  # compressed bytes of the next member
        self._buf = bytearray()
        self._eof = False
        self._error: Exception | None = None

    def _fill(self) -> None:
        d = self._d
        if d.unconsumed_tail:
            data = d.unconsumed_tail
        elif self._pending:
            data, self._pending = self._pending, b""
        else:
            data = self._raw.read(self._IN)
            if not data:
                self._eof = True
                if self._fed:
                    self._error = EOFError("compressed file ended before the end-of-stream marker was reached")
                return
        try:
            out = d.decompress(data, self._OUT)
        except zlib.error as exc:
            self._eof, self._error = True, exc
            return
        self._fed = True
        if d.eof:  # end of a member: another may follow (zero padding is ignored, as gzip does)
            rest = d.unused_data
            self._d, self._fed = zlib.decompressobj(16 + zlib.MAX_WBITS), False
            if rest.strip(b"\x00"):
                self._pending = rest
        self._buf += out

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            while not self._eof:
                self._fill()
            size = len(self._buf)
        while len(self._buf) < size and not self._eof:
            self._fill()
        if not self._buf and self._error is not None:
            raise self._error
        out = bytes(self._buf[:size])
        del self._buf[:size]
        return out

    def close(self) -> None:
        self._raw.close()

    def __enter__(self) -> _GzipStream:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _open(path: Path):
    with open(path, "rb") as fh:
        is_gzip = fh.read(2) == GZIP_MAGIC
    return _GzipStream(path) if is_gzip else open(path, "rb")


_RECORD_TAG = re.compile(rb"<(/?)(PubmedArticle|MedlineCitation|DeleteCitation|PubmedBookArticle)(?=[\s/>])")
"""A start or end tag of a record element, found in the bytes before the parser sees them."""
_UNDECLARED_ENTITY = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos);)([A-Za-z_:][A-Za-z0-9_.:-]{0,60});")
"""A named entity reference other than XML's five predefined ones. PubMed's DTDs declare no
general entities, so in a PubMed record any other name is undefined (or declared by the file
itself, which the reader never expands: no XXE, no entity bombs)."""
_PMID_IN_BYTES = re.compile(rb"<PMID[^>]{0,40}>\s*(\d{1,12})\s*</PMID>")
_XML_ENCODING = re.compile(r"""^(\s*<\?xml[^>]*?\bencoding\s*=\s*)(["'])[^"']*\2""")
_HOLD = 64
"""Bytes kept back at the end of a chunk when they might hold the start of a record tag."""
_MAX_TAG = 4096
"""The longest record start tag waited for across chunks (real ones are under 200 bytes)."""


class _StreamBreak(Exception):
    """Raised through the parser by :class:`_RecordFramer` when the current parse cannot go on:
    ``resumable`` (a run longer than :data:`MAX_RECORD_BYTES` outside any record: reading goes on
    at the next record) or not (bytes that do not decode: the rest of the file is unreadable)."""

    def __init__(self, problem: PubmedProblem, resumable: bool) -> None:
        super().__init__(problem.detail)
        self.problem = problem
        self.resumable = resumable


class _Piece(NamedTuple):
    offset: int
    line: int
    data: bytes
    record: bool


class _RecordFramer:
    """A read-only stream between the decompressed file and the XML parser that cuts the bytes at
    record boundaries (``PubmedArticle``, ``MedlineCitation`` on its own, ``DeleteCitation``,
    ``PubmedBookArticle``) and hands the parser whole records only, so that

    * a record longer than ``limit`` bytes is never handed out (it is dropped while streaming,
      one ``field_too_large`` problem in :attr:`faults`): memory stays bounded by ``limit`` however
      large a field is;
    * a record holding an undefined entity reference is dropped the same way
      (``undefined_entity``), with either parser (the standard library's stops the whole file on
      one, lxml silently drops the text);
    * after a syntax error the parse starts again at the next record (:meth:`restart`): the
      records that the handed-out bytes still hold are replayed behind a synthetic root start tag,
      so one broken record costs that record only.

    Each record's first line is known (:attr:`record_lines`, for the standard-library parser,
    which gives no line numbers). UTF-16 and UTF-32 files are transcoded to UTF-8 first (their
    declaration rewritten), so the byte-level framing sees ASCII tags. Framing looks for the tag
    names in the bytes: a record tag inside a comment or CDATA section (never in PubMed files)
    can mislead it, which can only cost records as quarantine rows, never a crash."""

    _READ = 1 << 16

    def __init__(self, raw, limit: int) -> None:
        self._raw = raw
        self._limit = limit
        self._buf = bytearray()  # unclassified source bytes; _buf[0] is at (_offset, _line)
        self._offset = 0
        self._line = 1
        self._head = 0  # _buf[:_head] is classified (dropped at the end of each _classify)
        self._scan = 0  # no record tag starts before _buf[_scan]
        self._record: bytes | None = None  # the tag name of the open record (it starts at _buf[0])
        self._record_line = 0
        self._depth = 0
        self._dropping = False  # inside an oversized record: its bytes are dropped until its end
        self._to_record = False  # after a break: bytes dropped until the next record starts
        self._gap = 0  # bytes handed out since the last record ended
        self._eof = False
        self._first = True
        self._decoder = None
        self._error: BaseException | None = None
        self._pieces: list[_Piece] = []  # queued for the parser; those before _piece handed out
        self._piece = 0
        self._pos = 0
        self._prefix = b""
        self.parsed = 0  # records of this segment the parser has completed (set by the producer)
        self._parsed_pieces = 0  # record pieces of this segment already dropped from _pieces
        self.segment_line = 1  # source line of the segment's first byte (the prefix has no newline)
        self.root_tag: str | None = None
        self.faults: list[PubmedProblem] = []
        self.record_lines: list[int] = []
        self.dropped = 0  # records dropped by the framer (faults)

    # -- reading the source ----------------------------------------------------------------------

    def _read_raw(self) -> bytes | None:
        """The next chunk of the source (as UTF-8), or None at its end or at a break (kept in
        ``_error`` and raised once everything before it has been handed out)."""
        try:
            data = self._raw.read(self._READ)
        except (EOFError, zlib.error) as exc:
            self._error = exc
            return None
        first, self._first = self._first, False
        if first:
            self._decoder = _wide_decoder(data[:4])
        if self._decoder is None:
            return data or None
        try:
            text = self._decoder.decode(data, not data)
        except UnicodeDecodeError as exc:
            problem = PubmedProblem(self._line, "encoding_error", f"{exc}; the rest of the file is not read")
            self._error = _StreamBreak(problem, resumable=False)
            try:  # what decodes before the bad bytes is still read
                text = self._decoder.decode(data[: exc.start], False)
            except UnicodeDecodeError:
                return None
            data = b""
        if first:
            text = _XML_ENCODING.sub(r"\g<1>\g<2>UTF-8\g<2>", text.lstrip("\ufeff"), count=1)
        return text.encode("utf-8") if data or self._error is not None else (text.encode("utf-8") or None)

    def _take(self, end: int) -> tuple[int, int, bytes]:
        """Classify the bytes from ``_head`` to ``end``: (their offset, their first line, the bytes)."""
        buf, head = self._buf, self._head
        where = (self._offset, self._line)
        self._line += buf.count(b"\n", head, end)
        self._offset += end - head
        self._head = end
        return where[0], where[1], bytes(buf[head:end])

    def _queue(self, end: int, record: bool) -> None:
        offset, line, data = self._take(end)
        if data:
            self._pieces.append(_Piece(offset, line, data, record))

    def _fault(self, reason: str, detail: str) -> None:
        self.faults.append(PubmedProblem(self._record_line, reason, detail))
        self.dropped += 1

    def _end_record(self, end: int) -> None:
        """The open record ends at ``_buf[end]``: queue it, or drop it with its fault."""
        if self._dropping:
            self._take(end)
            self._dropping = False
        else:
            bad = _UNDECLARED_ENTITY.search(self._buf, self._head, end)
            if bad is not None:
                pmid = _PMID_IN_BYTES.search(self._buf, self._head, end)
                line = self._line + self._buf.count(b"\n", self._head, bad.start())
                self._fault(
                    "undefined_entity",
                    f"PMID {pmid.group(1).decode() if pmid else '?'}: &{bad.group(1).decode('ascii', 'replace')}; "
                    f"at line {line} is not one of XML's five predefined entities (record skipped)",
                )
                self._take(end)
            else:
                self._queue(end, record=True)
        self._record = None
        self._gap = 0

    def _classify(self, final: bool) -> None:
        """Walk the record tags of the unclassified bytes: queue finished records and the bytes
        between records, drop what must not reach the parser, keep an open record (or a tag
        that may continue in the next chunk) for later."""
        try:
            self._walk(final)
        finally:
            del self._buf[: self._head]
            self._scan = max(self._scan - self._head, 0)
            self._head = 0

    def _walk(self, final: bool) -> None:
        buf = self._buf
        pos = self._scan
        waiting = False
        while True:
            m = _RECORD_TAG.search(buf, pos)
            if m is None:
                break
            closing, name = m.group(1), m.group(2)
            gt = buf.find(b">", m.end(), m.end() + _MAX_TAG)
            if gt < 0 and not final and len(buf) - m.start() < _MAX_TAG:
                pos, waiting = m.start(), True  # the tag ends in the next chunk
                break
            tag_end = gt + 1 if gt >= 0 else m.end()
            self_closing = not closing and gt > 0 and buf[gt - 1] == 0x2F  # "/>"
            if self._record is None:
                if closing:  # a stray end tag outside any record: left to the parser
                    pos = tag_end
                    continue
                if self._to_record:
                    self._take(m.start())
                    self._to_record = False
                else:
                    self._queue(m.start(), record=False)
                self._record, self._depth, self._record_line = name, 1, self._line
                pos = tag_end
                if self_closing:
                    self._end_record(pos)
                continue
            if name == self._record and not self_closing:
                self._depth += -1 if closing else 1
                if self._depth == 0:
                    self._end_record(tag_end)
            pos = tag_end
        if not waiting:
            lt = -1 if final else buf.rfind(b"<", max(pos, len(buf) - _HOLD))
            pos = lt if lt >= 0 else len(buf)
        self._scan = pos
        ready = len(buf) if final else pos  # bytes before a possible unfinished tag
        if self._record is not None:
            if not self._dropping and len(buf) - self._head > self._limit:
                pmid = _PMID_IN_BYTES.search(buf, self._head, min(len(buf), self._head + (1 << 16)))
                self._fault(
                    "field_too_large",
                    f"PMID {pmid.group(1).decode() if pmid else '?'}: <{self._record.decode()}> longer than "
                    f"{self._limit:,} bytes (cap MAX_RECORD_BYTES; record skipped)",
                )
                self._dropping = True
            if self._dropping:
                self._take(ready)
            elif final and len(buf) > self._head:
                self._queue(len(buf), record=True)  # cut by the end of the file: the parser reports it
                self._record = None
            return
        if self._to_record:
            self._take(ready)
            return
        self._gap += ready - self._head
        if self._gap > self._limit:
            self._take(len(buf))
            self._gap = 0
            self._to_record = True
            problem = PubmedProblem(
                self._line, "field_too_large",
                f"more than {self._limit:,} bytes outside any record (cap MAX_RECORD_BYTES); skipped to the next record",
            )
            self._error = _StreamBreak(problem, resumable=True)
            return
        self._queue(ready, record=False)

    def _fill(self) -> None:
        """Read and classify one more chunk of the source (``_eof`` at its end or at a break)."""
        if self._eof or self._error is not None:
            return
        data = self._read_raw()
        if data is None:
            self._eof = True
            self._classify(final=True)
        else:
            self._buf += data
            self._classify(final=False)

    # -- the parser's side -----------------------------------------------------------------------

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes for the parser, from one queued piece at a time (a short read is
        fine for both parsers; only b"" means the end)."""
        if size is None or size < 0:
            size = 1 << 62
        if self._prefix:
            out, self._prefix = self._prefix[:size], self._prefix[size:]
            return out
        while self._piece >= len(self._pieces):
            self._forget()
            if self._eof or self._error is not None:
                if self._error is not None:
                    raise self.take_error()
                return b""
            self._fill()
        piece = self._pieces[self._piece]
        pos = self._pos
        if pos == 0 and piece.record:
            self.record_lines.append(piece.line)
        if pos == 0 and len(piece.data) <= size:
            out = piece.data
        else:
            out = piece.data[pos : pos + size]
        self._pos = pos + len(out)
        if self._pos >= len(piece.data):
            self._piece += 1
            self._pos = 0
        return out

    def take_error(self) -> BaseException | None:
        """The pending break (a gzip break, undecodable bytes, an oversized run outside records),
        cleared; None when there is none."""
        error, self._error = self._error, None
        if error is not None and not (isinstance(error, _StreamBreak) and error.resumable):
            self._eof = True
        return error

    def _forget(self) -> None:
        """Drop the handed-out pieces the parser has completed (a replay never needs them)."""
        keep_from = self._piece
        seen = self._parsed_pieces
        for i, piece in enumerate(self._pieces[: self._piece]):
            if piece.record:
                if seen >= self.parsed:
                    keep_from = i
                    break
                seen += 1
        if keep_from:
            dropped = self._pieces[:keep_from]
            self._parsed_pieces += sum(1 for p in dropped if p.record)
            del self._pieces[:keep_from]
            self._piece -= keep_from

    def restart(self, error_line: int | None) -> tuple[int, bool]:
        """Begin a new segment after a break at source line ``error_line`` (None: a break raised by
        the framer itself): at the record after the broken one, replayed when it has been handed
        out already, else at the next record of the source. Returns (records of the broken region
        skipped, 0 or 1; whether a record is left to read)."""
        records = [i for i, p in enumerate(self._pieces) if p.record]
        j = self.parsed - self._parsed_pieces
        resume, skipped = None, 0
        if error_line is not None and 0 <= j < len(records):
            if error_line < self._pieces[records[j]].line:
                resume = records[j]
            else:
                skipped = 1
                if j + 1 < len(records):
                    resume = records[j + 1]
        self._pieces = self._pieces[resume:] if resume is not None else []
        self._piece = self._pos = 0
        self.parsed = self._parsed_pieces = 0
        self.record_lines = []
        if not self._pieces:
            self._to_record = self._record is None
            while not any(p.record for p in self._pieces) and not self._eof and self._error is None:
                self._fill()
            first = next((i for i, p in enumerate(self._pieces) if p.record), None)
            if first is None:
                self._pieces = []
                return skipped, False
            self._pieces = self._pieces[first:]
        self.segment_line = self._pieces[0].line
        root = self.root_tag if self.root_tag and self.root_tag not in _TARGET_SET else "PubmedArticleSet"
        self._prefix = f"<{root}>".encode()
        return skipped, True


def _wide_decoder(head: bytes):
    """An incremental decoder when the file starts as UTF-32 or UTF-16 (a byte order mark, or
    ``<`` next to zero bytes), else None (UTF-8 and the ASCII-compatible encodings pass as bytes)."""
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        encoding = "utf-32"
    elif head.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif head[:2] == b"<\x00":
        encoding = "utf-16-le"
    elif head[:2] == b"\x00<":
        encoding = "utf-16-be"
    else:
        return None
    return codecs.getincrementaldecoder(encoding)()


def _holds_record(elem) -> bool:
    """Is ``elem`` a record element or does it contain one (a wrapper of records)?"""
    return any(e.tag in _TARGET_SET for e in elem.iter())


def _unknown(elem, root, line: int) -> PubmedProblem | None:
    """A problem for a child of the root that is neither a record nor holds one (else None)."""
    tag = elem.tag
    if not isinstance(tag, str) or _holds_record(elem):  # comments, processing instructions
        return None
    return PubmedProblem(line, "unknown_element", f"<{tag}> under <{root.tag}> is not a PubMed record (skipped)")


def _no_records(root_tag: str | None, unknown: list[PubmedProblem]) -> PubmedProblem:
    """The one row of a well-formed file without any record element (its other elements named)."""
    detail = f"root element <{root_tag}> holds no PubmedArticle or MedlineCitation"
    if unknown:
        tags: dict[str, int] = {}
        for p in unknown:
            tag = p.detail[1 : p.detail.index(">")]
            tags[tag] = tags.get(tag, 0) + 1
        detail += " (it holds " + ", ".join(f"{k} <{t}>" for t, k in list(tags.items())[:5]) + ")"
    return PubmedProblem(0, "no_records", detail)


def _lxml_items(framer: _RecordFramer, years, stats: dict) -> Iterator[PubmedItem]:
    context = _lxml_etree.iterparse(
        framer, events=("end",), tag=_TARGETS, resolve_entities=False, no_network=True, huge_tree=True
    )
    offset = framer.segment_line - 1  # lines of a resumed segment count from its first record

    def line_of(el) -> int:
        return el.sourceline + offset if el.sourceline else 0

    for _, elem in context:
        parent = elem.getparent()
        if elem.tag == "MedlineCitation" and parent is not None and parent.tag == "PubmedArticle":
            continue  # read with its PubmedArticle
        stats["elements"] += 1
        framer.parsed += 1
        if framer.root_tag is None:
            framer.root_tag = elem.getroottree().getroot().tag
        item = _item(elem, line_of(elem), years)
        _count(item, stats)
        # free the record and everything before it, at every level up to the root: memory stays
        # flat over the file; a child of the root that holds no record is reported on the way
        elem.clear(keep_tail=True)
        node = elem
        while parent is not None:
            at_root = parent.getparent() is None
            while node.getprevious() is not None:
                if at_root:
                    problem = _unknown(parent[0], parent, line_of(parent[0]))
                    if problem is not None:
                        yield problem
                del parent[0]
            node, parent = parent, parent.getparent()
        if item is None:
            stats["out_of_years"] += 1
        else:
            yield item
    root = context.root
    if root is not None:
        stats.setdefault("root", root.tag)
        if root.tag not in _TARGET_SET:
            for child in root:
                problem = _unknown(child, root, line_of(child))
                if problem is not None:
                    yield problem


def _stdlib_items(framer: _RecordFramer, years, stats: dict) -> Iterator[PubmedItem]:
    root = None
    path: list[str] = []  # tags of the open elements, root first
    for event, elem in _std_etree.iterparse(framer, events=("start", "end")):
        if event == "start":
            if root is None:
                root = elem
                stats.setdefault("root", elem.tag)
                if framer.root_tag is None:
                    framer.root_tag = elem.tag
            path.append(elem.tag)
            continue
        path.pop()
        tag = elem.tag
        if tag not in _TARGET_SET:
            if len(path) == 1:  # a child of the root
                problem = _unknown(elem, root, 0)
                if problem is not None:
                    yield problem
            continue
        if tag == "MedlineCitation" and path and path[-1] == "PubmedArticle":
            continue  # read with its PubmedArticle
        stats["elements"] += 1
        framer.parsed += 1
        lines = framer.record_lines
        item = _item(elem, lines[framer.parsed - 1] if len(lines) >= framer.parsed else 0, years)
        _count(item, stats)
        elem.clear()
        if root is not elem:
            del root[:]
        if item is None:
            stats["out_of_years"] += 1
        else:
            yield item


def _count(item: PubmedItem | None, stats: dict) -> None:
    kind = type(item)
    if kind is PubmedProblem:
        stats["record_problems"] += 1
    elif kind is PubmedDeletion:
        stats["deletions"] += 1


def _syntax_error_line(exc: Exception) -> int:
    line = getattr(exc, "lineno", None)
    if line is None:
        position = getattr(exc, "position", None)
        line = position[0] if position else 0
    try:
        return max(int(line), 0)
    except (TypeError, ValueError):
        return 0


def _break_problem(exc: BaseException, n: int) -> PubmedProblem:
    """The quarantine row of a break that ends the file: a gzip break or undecodable bytes."""
    if isinstance(exc, _StreamBreak):
        return exc.problem
    if isinstance(exc, EOFError):
        return PubmedProblem(0, "truncated_gzip", f"gzip stream ends early ({exc}); {n} records read before the break")
    return PubmedProblem(0, "corrupt_gzip", f"{type(exc).__name__}: {exc}; {n} records read before the break")


# ---- the fast path: an intact file straight to lxml ------------------------------------------------


class _NotIntact(Exception):
    """The intact reader cannot vouch for a file: it is read again through :class:`_RecordFramer`."""


_INFLATE_BYTES = 1 << 18
"""Compressed bytes read at a time by :class:`_IntactSource`; four times as many decompressed bytes
at most come out of one step (a highly compressed run never becomes one large string)."""
_BATCH_BYTES = 1 << 16
"""XML parsed at a time by the intact reader (then cut after the last record it holds): the tree
never holds more than one batch of records, a few dozen."""
_NOT_PUBMED_MARKUP = b"<!"
"""What starts a comment, a CDATA section or a declaration: after the root's start tag PubMed files
hold none, and the framer's byte-level framing cannot see through them (a record tag inside a
comment could mislead it), so a file holding any is read through the framer, whose result is then
the one given."""
_SENTINEL = b"<_/>"
"""The element after a document's records (not the source's) that marks where they end."""
_ROOT_START = re.compile(rb"<([A-Za-z_][^\s/>]*)[^>]*>")
"""The root's start tag: the first tag that is not a declaration (``<?``, ``<!``)."""
_DECLARED_ENCODING = re.compile(rb"""^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?\bencoding\s*=\s*["']([^"']*)["']""")


class _IntactSource:
    """The decompressed bytes of a file in batches of whole records, for the intact reader
    (:func:`_intact_items`): the fast path of :func:`_iter_items` for a file with nothing the framer
    would act on, which is almost every file. On such a file the framer hands the parser every byte
    in order and changes nothing, so the two readers give the same items.

    :meth:`batches` gives documents of about :data:`_BATCH_BYTES`, each cut right after a record
    end tag (``</PubmedArticle>``, or ``</MedlineCitation>`` in a ``MedlineCitationSet``) and
    wrapped in the root's own start tag and an end tag, with the source line of its first byte. A
    cut inside anything but the root leaves an element open, which the parser reports as a syntax
    error. This source checks, at C speed, that the framer would have nothing to do and raises
    :class:`_NotIntact` (before the parser sees the bytes concerned) when it may: a gzip member
    truncated, corrupt or followed by anything but another member (``isal`` inflates and checks
    each member's CRC-32 and length), a UTF-16 or UTF-32 file or a declared encoding other than
    UTF-8 (later batches carry no declaration), a DOCTYPE with an internal subset, a named entity
    other than XML's five, a comment or CDATA section, a root start tag over several lines, or
    more than half of :data:`MAX_RECORD_BYTES` between two record ends (a record or a run outside
    records the framer might find too long)."""

    def __init__(self, path: Path, limit: int) -> None:
        self._raw = open(path, "rb")
        self._gzip = self._raw.read(2) == GZIP_MAGIC
        self._raw.seek(0)
        self._cap = limit // 2

    def _blocks(self) -> Iterator[bytes]:
        """The decompressed bytes, a block at a time (a gzip file through the works parts' intact reader)."""
        if not self._gzip:
            while block := self._raw.read(_INFLATE_BYTES << 2):
                yield block
            return
        try:
            yield from intact_gzip_blocks(self._raw, _INFLATE_BYTES, _INFLATE_BYTES << 2)
        except GzipNotIntact as exc:
            raise _NotIntact(str(exc)) from None

    def batches(self) -> Iterator[tuple[bytes, bool]]:
        """(a document of whole records, whether it ends with :data:`_SENTINEL`), in file order. Each
        document but the last ends with an empty sentinel element after its records, whose
        ``sourceline`` tells how many lines the document's source bytes hold (libxml2 counts them
        anyway); the last holds what follows the last cut, the root's end tag included (a file cut
        short gives the parser a document without it: a syntax error)."""
        buf = b""
        tail = b""  # the end of the last block, searched again with the next (markup across blocks)
        first = True
        prefix = suffix = end_tag = None
        last_end = 0  # where the last record end seen in buf ends
        for block in self._blocks():
            buf = buf + block if buf else block
            text = tail + block
            if _UNDECLARED_ENTITY.search(text) is not None:
                raise _NotIntact("a named entity")
            if end_tag is None:
                prefix, suffix, end_tag = self._root(buf)
                text = buf[buf.find(prefix) + len(prefix) :] if prefix else buf
            if _NOT_PUBMED_MARKUP in text:
                raise _NotIntact("a comment, CDATA section or declaration after the root's start tag")
            tail = text[-_HOLD:]
            start = 0  # of the next batch in buf
            while (found := buf.find(end_tag, last_end)) >= 0:  # every record end: none too far from the last
                if found - last_end > self._cap:
                    raise _NotIntact("a long stretch between record ends")
                last_end = found + len(end_tag)
                if last_end - start >= _BATCH_BYTES:
                    yield b"".join((b"" if first else prefix, buf[start:last_end], _SENTINEL, suffix)), True
                    first, start = False, last_end
            if len(buf) - last_end > self._cap:
                raise _NotIntact("a long stretch after the last record end")
            if start:
                buf, last_end = buf[start:], last_end - start
        if end_tag is None:
            prefix, suffix, end_tag = self._root(buf)
        yield buf if first else prefix + buf, False

    def _root(self, head: bytes) -> tuple[bytes, bytes, bytes]:
        """(the root's start tag, its end tag, the record end tag batches are cut after)."""
        if _wide_decoder(head[:4]) is not None:
            raise _NotIntact("UTF-16 or UTF-32")
        declared = _DECLARED_ENCODING.match(head)
        if declared is not None and declared.group(1).lower() not in (b"utf-8", b"utf8"):
            raise _NotIntact("a declared encoding other than UTF-8")
        root = _ROOT_START.search(head)
        if root is None:  # no start tag yet (a file this short is one batch): the parser says what is wrong
            return b"", b"", b"</PubmedArticle>"
        if b"[" in head[: root.start()] or b"\n" in root.group() or root.group().endswith(b"/>"):
            raise _NotIntact("a DOCTYPE internal subset, or a root start tag over several lines or empty")
        name = root.group(1)
        return root.group(), b"</" + name + b">", b"</MedlineCitation>" if name == b"MedlineCitationSet" else b"</PubmedArticle>"

    def close(self) -> None:
        self._raw.close()

    def __enter__(self) -> _IntactSource:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_new_tuple = tuple.__new__


def _native_item(t: tuple, years) -> PubmedItem | None:
    """A record as the compiled reader gives it (:mod:`aigeo_assets.lifesci.native_pubmed`: the raw
    fields, read as :func:`_citation` reads them) -> the item :func:`_item` gives for it."""
    kind = t[0]
    if kind:
        line = t[1]
        if kind == 1:
            return PubmedProblem(line, "missing_citation", "PubmedArticle without MedlineCitation")
        if kind == 2:
            listed = t[2]
            return PubmedDeletion(line, [p for p in listed if is_pmid(p)], [p for p in listed if not is_pmid(p)])
        return PubmedProblem(line, "book_article", f"PubmedBookArticle PMID {t[2]}: not a journal article")
    (_, line, pmid, version_text, year, where, title, abstract, journal_title, iso_abbrev, issn_print,
     issn_electronic, issn_linking, publication_types, mesh_terms, doi, cited, authors, big) = t
    if type(year) is int:  # PubDate/Year, MedlineDate or ArticleDate/Year of ASCII digits
        if MIN_YEAR <= year <= MAX_YEAR:
            year_reason = year_detail = ""
        else:
            year, year_reason, year_detail = None, "year_out_of_range", f"{where} is {year}"
    elif year is None:
        year_reason, year_detail = "year_unknown", "no PubDate Year, no year in MedlineDate, no ArticleDate Year"
    else:  # the texts, for Python to read
        year, year_reason, year_detail = _year_of_texts(*year)
    if year is not None and years is not None and year not in years:
        return None
    if pmid is None:
        return PubmedProblem(line, "missing_pmid", f"record without PMID (title {str(title)[:80]!r})")
    if not is_pmid(pmid):
        return PubmedProblem(line, "bad_pmid", f"PMID {pmid[:50]!r} is not 1 to {MAX_PMID_DIGITS} ASCII digits")
    version, version_problem = _version(version_text)
    if version_problem:
        return PubmedProblem(line, "bad_version", f"PMID {pmid}: {version_problem}")
    if year is None:
        return PubmedProblem(line, year_reason, f"PMID {pmid}: {year_detail}")
    if type(doi) is tuple:  # texts that are not ASCII: normalize_doi's own code
        doi = next((d for d in map(normalize_doi, doi) if d), None)
    authors = [_new_tuple(PubmedAuthor, a) for a in authors]
    if big:  # a field of more than MAX_FIELD_CHARS bytes: count its characters
        oversize = _oversize_field(title, abstract, journal_title, authors)
        if oversize:
            return PubmedProblem(line, "field_too_large", f"PMID {pmid} Version {version}: {oversize}")
    return PubmedRecord(line, pmid, doi, year, title, abstract, journal_title, iso_abbrev, issn_print, issn_electronic,
                        issn_linking, publication_types, mesh_terms, authors, cited, version)


def _native_parser():
    """The compiled batch reader's ``parse``, or None (not built, stale, or switched off)."""
    from aigeo_assets.lifesci import native_pubmed

    return native_pubmed.parser()


def _intact_items(path: Path, years, stats: dict) -> Iterator[PubmedItem]:
    """The items of an intact file, each batch of records read whole (no framer, no ``iterparse``
    events) by the compiled reader when it vouches for the batch (:func:`_native_children`), else
    by lxml (:func:`_lxml_children`): the items :func:`_iter_items` gives through the framer, in
    the same order (a child of the root that is not a record is reported where ``_lxml_items``
    reports it: before the next record, or at the end). Raises :class:`_NotIntact`, or the
    parser's ``SyntaxError``, when the file is not intact (possibly after some items)."""
    n = 0
    pending: list[PubmedProblem] = []  # unknown elements met before the first record
    parser = _lxml_etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    native = _native_parser()
    with _IntactSource(path, MAX_RECORD_BYTES) as source:
        offset = 0  # source lines before the document
        for number, (batch, closed) in enumerate(source.batches()):
            got = native(batch, closed, number == 0, offset, MAX_FIELD_CHARS) if native is not None else None
            if got is not None:
                stats["native_batches"] += 1
                children, lines = _native_children(got, years, stats)
            else:
                stats["deferred_batches"] += native is not None
                children, lines = _lxml_children(_lxml_etree.fromstring(batch, parser), closed, offset, years, stats)
            for is_record, item in children:
                if is_record:
                    stats["elements"] += 1
                    _count(item, stats)
                    if item is None:
                        stats["out_of_years"] += 1
                        continue
                elif not stats["elements"]:
                    pending.append(item)
                    continue
                if pending:
                    n += len(pending)
                    yield from pending
                    pending = []
                n += 1
                yield item
            if closed:  # the sentinel's line: the lines the batch's source bytes hold
                offset += lines - 1
    if not stats["elements"] and not n:
        yield _no_records(stats.get("root"), pending)
    elif pending:
        yield from pending


def _native_children(got: tuple, years, stats: dict) -> tuple[Iterator[tuple[bool, PubmedItem | None]], int]:
    """A batch the compiled reader vouched for (``(root tag, records, sentinel line)``): its records'
    items, each ``(True, item or None)``, and the sentinel's line."""
    root_tag, records, sentinel_line = got
    stats.setdefault("root", root_tag)
    return ((True, _native_item(raw, years)) for raw in records), sentinel_line


def _lxml_children(root, closed: bool, offset: int, years, stats: dict) -> tuple[Iterator[tuple[bool, PubmedItem | None]], int]:
    """A batch parsed by lxml: ``(True, item or None)`` for each record, ``(False, problem)`` for
    each other child of the root that :func:`_unknown` reports, in order; and the sentinel's line
    (0 in the last batch, which has none)."""
    stats.setdefault("root", root.tag)
    if root.tag in _TARGET_SET:
        raise _NotIntact("the root is a record")
    sentinel = root[-1] if closed else None

    def children() -> Iterator[tuple[bool, PubmedItem | None]]:
        for elem in root:
            if elem is sentinel:
                break
            tag = elem.tag
            line = elem.sourceline + offset if elem.sourceline else 0
            if tag in _TARGET_SET:
                yield True, _item(elem, line, years)
                continue
            if isinstance(tag, str) and _holds_record(elem):
                raise _NotIntact("records below the root's children")
            item = _unknown(elem, root, line)
            if item is not None:
                yield False, item

    return children(), sentinel.sourceline if sentinel is not None else 0


READERS = ("auto", "framer")
"""How a file reaches the parser: ``auto`` (lxml only) tries the intact reader first and reads a file
that is not intact again through the framer; ``framer`` always frames (the standard library's way,
and the reference the tests compare ``auto`` with)."""


def _iter_items(path, years, backend: str | None, stats: dict, reader: str = "auto") -> Iterator[PubmedItem]:
    """The items of one file: through :class:`_IntactSource` when it is intact (lxml, ``reader``
    ``auto``), else through :class:`_RecordFramer`. A file found not intact part way is read again
    from its start through the framer, whose first items, those already given, are passed over:
    up to the point where the intact reader stopped the two give the same items."""
    backend = backend or DEFAULT_BACKEND
    if backend == "lxml" and _lxml_etree is None:
        raise ValueError("backend 'lxml' asked for but lxml is not installed")
    if backend not in ("lxml", "stdlib"):
        raise ValueError(f"unknown backend {backend!r} (lxml or stdlib)")
    if reader not in READERS:
        raise ValueError(f"unknown reader {reader!r} ({' or '.join(READERS)})")
    years = frozenset(int(y) for y in years) if years is not None else None
    given = 0
    if backend == "lxml" and reader == "auto":
        _reset(stats)
        try:
            for item in _intact_items(Path(path), years, stats):
                given += 1
                yield item
            return
        except (_NotIntact, SyntaxError):
            pass
    _reset(stats)
    for k, item in enumerate(_framed_items(path, years, _lxml_items if backend == "lxml" else _stdlib_items, stats)):
        if k >= given:
            yield item


def _reset(stats: dict) -> None:
    for key in ("out_of_years", "elements", "dropped", "skipped", "record_problems", "deletions", "native_batches",
                "deferred_batches"):
        stats[key] = 0
    stats.pop("root", None)


# C901: one read of a file with its recovery, each except branch a kind of break
def _framed_items(path, years, produce, stats: dict) -> Iterator[PubmedItem]:  # noqa: C901 (see the line above)
    n = 0
    pending: list[PubmedProblem] = []  # unknown elements met before the first record

    with _open(Path(path)) as raw:
        framer = _RecordFramer(raw, MAX_RECORD_BYTES)

        def faults(upto: int | None) -> Iterator[PubmedProblem]:
            """The framer's dropped records before line ``upto`` (all when None)."""
            found = framer.faults
            k = len(found) if upto is None else next((i for i, f in enumerate(found) if f.line >= upto), len(found))
            if k:
                stats["dropped"] += k
                yield from found[:k]
                del found[:k]

        more = True
        while more:
            more = False
            problem = None
            try:
                for item in produce(framer, years, stats):
                    if not stats["elements"] and type(item) is PubmedProblem and item.reason == "unknown_element":
                        pending.append(item)
                        continue
                    if pending:
                        n += len(pending)
                        yield from pending
                        pending = []
                    for fault in faults(item.line or None):
                        n += 1
                        yield fault
                    n += 1
                    yield item
            except _StreamBreak as exc:
                problem = exc.problem
                if exc.resumable:
                    _, more = framer.restart(None)
            except (EOFError, zlib.error) as exc:
                problem = _break_problem(exc, n)
            except SyntaxError as exc:  # lxml.etree.XMLSyntaxError and ElementTree.ParseError
                at = _syntax_error_line(exc)
                line = framer.segment_line + at - 1 if at else 0
                records_before = n
                skipped, more = framer.restart(line or None)
                stats["skipped"] += skipped
                after = "the record there is skipped" if skipped else "no record is lost"
                resumed = f"reading resumes at line {framer.segment_line}" if more else "nothing after it is read"
                problem = PubmedProblem(
                    line, "xml_syntax_error",
                    f"{str(exc)[:200]}; {records_before} records read before the break; {after}; {resumed}",
                )
            if problem is not None:
                yield from pending
                n += len(pending)
                pending = []
                for fault in faults(problem.line or None):
                    n += 1
                    yield fault
                n += 1
                yield problem
            if not more:
                error = framer.take_error()
                if error is not None:
                    for fault in faults(None):
                        n += 1
                        yield fault
                    n += 1
                    yield _break_problem(error, n)
        for fault in faults(None):
            n += 1
            yield fault
        if not stats["elements"] and not n:  # a well-formed file without any record: one row
            yield _no_records(stats.get("root"), pending)
        elif pending:
            yield from pending


def iter_pubmed_records(
    path: str | Path, years: set[int] | None = None, *, backend: str | None = None, reader: str = "auto"
) -> Iterator[PubmedItem]:
    """Stream the records of one PubMed file (gzip or plain XML), in file order.

    Yields :class:`PubmedRecord` (usable article), :class:`PubmedDeletion` (``DeleteCitation``) and
    :class:`PubmedProblem` (quarantine: bad record, or the break of a damaged file, always last).
    With ``years``, articles whose valid year is not among them are skipped before their fields are
    read. ``backend``: ``"lxml"`` or ``"stdlib"`` (default: lxml when installed); ``reader``: one
    of :data:`READERS` (the same items either way).
    """
    return _iter_items(path, years, backend, {}, reader)


def parse_pubmed_file(
    path: str | Path, years: set[int] | None = None, *, backend: str | None = None, reader: str = "auto"
) -> PubmedTables:
    """Read one PubMed file into ``raw_pubmed_articles`` / ``_authors`` / ``_references``,
    ``quarantine`` and the deleted PMIDs. ``years``: keep only records of those publication years
    (None: all). Never raises on bad data: everything unusable is in ``quarantine``."""
    path = Path(path)
    source = path.name
    file_label = str(path)

    a_pmid: list[str] = []
    a_doi: list = []
    a_year: list[int] = []
    a_title: list = []
    a_abstract: list = []
    a_jtitle: list = []
    a_iso: list = []
    a_issn_p: list = []
    a_issn_e: list = []
    a_issn_l: list = []
    a_types: list = []
    a_mesh: list = []
    a_nauth: list[int] = []

    u_pmid: list[str] = []
    u_seq: list[int] = []
    u_last: list = []
    u_fore: list = []
    u_coll: list = []
    u_aseq: list[int] = []
    u_aff: list = []

    r_pmid: list[str] = []
    r_cited: list[str] = []

    q_rows: list[tuple[str, int, str, str]] = []
    deleted: list[str] = []
    deleted_at: dict[str, int] = {}  # PMID -> line of the DeleteCitation of this file naming it
    stats: dict = {}
    a_line: list[int] = []
    a_version: list[int] = []
    u_rec: list[int] = []  # the record (index into a_*) of each author row
    r_rec: list[int] = []

    for item in _iter_items(path, years, backend, stats, reader):
        if type(item) is PubmedRecord:
            pmid = item.pmid
            authors = item.authors
            rec = len(a_pmid)
            a_line.append(item.line)
            a_version.append(item.version)
            a_pmid.append(pmid)
            a_doi.append(item.doi)
            a_year.append(item.publication_year)
            a_title.append(item.title)
            a_abstract.append(item.abstract)
            a_jtitle.append(item.journal_title)
            a_iso.append(item.journal_iso_abbrev)
            a_issn_p.append(item.issn_print)
            a_issn_e.append(item.issn_electronic)
            a_issn_l.append(item.issn_linking)
            a_types.append(item.publication_types)
            a_mesh.append(item.mesh_terms)
            a_nauth.append(len(authors))
            for seq, author in enumerate(authors):
                affiliations = author.affiliations or (None,)
                for aff_seq, aff in enumerate(affiliations):
                    u_pmid.append(pmid)
                    u_rec.append(rec)
                    u_seq.append(seq)
                    u_last.append(author.last_name)
                    u_fore.append(author.fore_name)
                    u_coll.append(author.collective_name)
                    u_aseq.append(aff_seq)
                    u_aff.append(aff)
            cited = item.cited_pmids
            if cited:
                r_pmid.extend([pmid] * len(cited))
                r_rec.extend([rec] * len(cited))
                r_cited.extend(cited)
        elif type(item) is PubmedDeletion:
            deleted.extend(item.pmids)
            for pmid in item.pmids:
                deleted_at.setdefault(pmid, item.line)
            for bad in item.bad:
                q_rows.append((file_label, item.line, "bad_pmid", f"DeleteCitation lists {bad[:50]!r}, not a PMID"))
        else:
            q_rows.append((file_label, item.line, item.reason, item.detail))

    keep = _latest_versions(a_pmid, a_version, a_line, deleted_at, file_label, q_rows)
    n_superseded = sum(1 for r in q_rows if r[2] == "superseded_version")
    n_deleted = sum(1 for r in q_rows if r[2] == "deleted_citation")
    if n_superseded or n_deleted:
        a_cols = (a_pmid, a_doi, a_year, a_title, a_abstract, a_jtitle, a_iso, a_issn_p, a_issn_e, a_issn_l,
                  a_types, a_mesh, a_nauth, a_version)
        for col in a_cols:
            col[:] = [v for v, k in zip(col, keep) if k]
        u_keep = [keep[r] for r in u_rec]
        for col in (u_pmid, u_seq, u_last, u_fore, u_coll, u_aseq, u_aff):
            col[:] = [v for v, k in zip(col, u_keep) if k]
        r_keep = [keep[r] for r in r_rec]
        for col in (r_pmid, r_cited):
            col[:] = [v for v, k in zip(col, r_keep) if k]

    # typed here, not only at the IO manager: these tables go to the parse cache (pubmed_files.parse_cached)
    articles = conform(
        pd.DataFrame(
            {
                "pmid": typed_column(a_pmid, "string"),
                "doi": typed_column(a_doi, "string"),
                "publication_year": a_year,
                "title": typed_column(a_title, "string"),
                "abstract": typed_column(a_abstract, "string"),
                "journal_title": typed_column(a_jtitle, "string"),
                "journal_iso_abbrev": typed_column(a_iso, "string"),
                "issn_print": typed_column(a_issn_p, "string"),
                "issn_electronic": typed_column(a_issn_e, "string"),
                "issn_linking": typed_column(a_issn_l, "string"),
                "publication_types": typed_column(a_types, "string"),
                "mesh_terms": typed_column(a_mesh, "string"),
                "n_authors": a_nauth,
                "source_file": typed_column([source] * len(a_pmid), "string"),
            }
        ),
        "raw_pubmed_articles",
    )
    authors_df = conform(
        pd.DataFrame(
            {
                "pmid": typed_column(u_pmid, "string"),
                "author_seq": u_seq,
                "last_name": typed_column(u_last, "string"),
                "fore_name": typed_column(u_fore, "string"),
                "collective_name": typed_column(u_coll, "string"),
                "affiliation_seq": u_aseq,
                "affiliation": typed_column(u_aff, "string"),
            }
        ),
        "raw_pubmed_authors",
    )
    references = conform(pd.DataFrame({"pmid": typed_column(r_pmid, "string"), "cited_pmid": typed_column(r_cited, "string")}), "raw_pubmed_references")
    quarantine = conform(pd.DataFrame(q_rows, columns=["file", "line", "reason", "detail"]), "quarantine")
    return PubmedTables(
        articles=articles,
        authors=authors_df,
        references=references,
        quarantine=quarantine,
        deleted_pmids=deleted,
        n_out_of_years=stats["out_of_years"],
        article_versions=a_version,
        n_records=stats["elements"] - stats["deletions"] + stats["dropped"] + stats["skipped"],
        n_quarantined_records=stats["record_problems"] + stats["dropped"] + stats["skipped"],
        n_superseded=n_superseded,
        n_deleted=n_deleted,
    )


def _latest_versions(pmids: list[str], versions: list[int], lines: list[int], deleted_at: dict[str, int],
                     file_label: str, q_rows: list) -> list[bool]:
    """Which records of one file stay: per PMID the highest ``Version`` (the later one of equal
    versions), none when a ``DeleteCitation`` of the file names the PMID. Each record left out
    gets its quarantine row (``superseded_version`` or ``deleted_citation``) naming the winner or
    the deletion."""
    best: dict[str, int] = {}
    for i, pmid in enumerate(pmids):
        j = best.get(pmid)
        if j is None or versions[i] >= versions[j]:
            best[pmid] = i
    keep = [True] * len(pmids)
    for i, pmid in enumerate(pmids):
        if pmid in deleted_at:
            keep[i] = False
            q_rows.append((file_label, lines[i], "deleted_citation",
                           f"PMID {pmid} Version {versions[i]}: deleted by the DeleteCitation at line {deleted_at[pmid]} of this file"))
        elif best[pmid] != i:
            keep[i] = False
            w = best[pmid]
            q_rows.append((file_label, lines[i], "superseded_version",
                           f"PMID {pmid} Version {versions[i]}: superseded by Version {versions[w]} at line {lines[w]} of this file"))
    return keep
