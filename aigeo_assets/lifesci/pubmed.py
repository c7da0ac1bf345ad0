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
tag with lxml, 0 with the standard-library parser or when the problem concerns the whole file):
``missing_pmid``, ``bad_pmid`` (not digits), ``year_unknown`` (no PubDate Year, no year in
MedlineDate, no ArticleDate), ``year_not_integer``, ``year_out_of_range`` (outside 1000-2999),
``missing_citation`` (no MedlineCitation), ``book_article`` (``PubmedBookArticle``: a Bookshelf
chapter, not a journal article; seed 004 counts journal articles and conference papers),
``unparseable_record`` (any other failure while reading one record), ``unknown_element`` (an
element under the root that is neither a record nor holds one: skipped, reported), and for a
broken file ``truncated_gzip``, ``corrupt_gzip`` or ``xml_syntax_error`` (every record completed
before the break is kept; the break gives one row, at the parser's line for XML errors). A
well-formed file without any record element gives one ``no_records`` row naming its root (and
the elements it holds instead, which then get no rows of their own): no file vanishes. Per file,
records in = records parsed + record rows of the quarantine.

``years`` filtering happens before validation: a record whose year is known and outside ``years``
is skipped (counted in ``PubmedTables.n_out_of_years``), not quarantined; records without a
usable year are quarantined whatever ``years`` is, as are file-level breaks.

Records are returned in file order; a PMID repeated within a file (or across update files) is not
de-duplicated here: later files supersede earlier ones and ``deleted_pmids`` must be applied by the
caller across files.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as _std_etree
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from aigeo_assets.schemas import conform

try:  # lxml is faster and gives each record's line number; the standard library is the fallback
    from lxml import etree as _lxml_etree
except ImportError:  # pragma: no cover - depends on the environment
    _lxml_etree = None

DEFAULT_BACKEND = "lxml" if _lxml_etree is not None else "stdlib"
"""The XML parser used when none is asked for."""

MIN_YEAR, MAX_YEAR = 1000, 2999
"""Plausible publication years; anything outside is quarantined as ``year_out_of_range``."""

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

    @property
    def n_authors(self) -> int:
        return len(self.authors)


@dataclass(slots=True)
class PubmedDeletion:
    """A ``DeleteCitation`` block: PMIDs to remove from what earlier files gave."""

    line: int
    pmids: list[str]


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
    raw = None
    where = ""
    if pubdate is not None:
        raw = _strip(pubdate.findtext("Year"))
        where = "PubDate/Year"
        if raw is None:
            medline_date = pubdate.findtext("MedlineDate")
            if medline_date:
                m = _YEAR_IN_TEXT.search(medline_date)
                if m:
                    raw, where = m.group(), "MedlineDate"
    if raw is None and article_date is not None:
        raw = _strip(article_date.findtext("Year"))
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
                for affiliation in child.iterfind("Affiliation"):
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


def _citation(citation, pubmed_data, line: int, years: frozenset[int] | None) -> PubmedItem | None:
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
                pubdate = child.find("PubDate")
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
    if not pmid.isdigit():
        return PubmedProblem(line, "bad_pmid", f"PMID {pmid[:50]!r} is not digits")
    if year is None:
        return PubmedProblem(line, year_reason, f"PMID {pmid}: {year_detail}")

    abstract = None
    if abstract_el is not None:
        sections = []
        for section in abstract_el.iterfind("AbstractText"):
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
        publication_types = "|".join(t for t in (_strip(p.text) for p in type_list.iterfind("PublicationType")) if t)

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
                            if value.isdigit():
                                cited.append(value)
        if len(cited) > 1:
            cited = list(dict.fromkeys(cited))
    if doi is None:
        for eloc in doi_elocations:
            doi = normalize_doi(eloc.text)
            if doi:
                break

    return PubmedRecord(
        line=line,
        pmid=pmid,
        doi=doi,
        publication_year=year,
        title=_flat(title_el),
        abstract=abstract,
        journal_title=journal_title,
        journal_iso_abbrev=iso_abbrev,
        issn_print=issn_print,
        issn_electronic=issn_electronic,
        issn_linking=_strip(journal_info.findtext("ISSNLinking")) if journal_info is not None else None,
        publication_types=publication_types or None,
        mesh_terms=mesh_terms or None,
        authors=_authors(author_list, article_affiliation),
        cited_pmids=cited,
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
            pmids = [p for p in (_strip(e.text) for e in elem.iterfind("PMID")) if p]
            return PubmedDeletion(line, pmids)
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
        is_gzip = fh.read(2) == b"\x1f\x8b"
    return _GzipStream(path) if is_gzip else open(path, "rb")


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


def _lxml_items(fh, years, stats: dict) -> Iterator[PubmedItem]:
    context = _lxml_etree.iterparse(
        fh, events=("end",), tag=_TARGETS, resolve_entities=False, no_network=True, huge_tree=True
    )
    for _, elem in context:
        parent = elem.getparent()
        if elem.tag == "MedlineCitation" and parent is not None and parent.tag == "PubmedArticle":
            continue  # read with its PubmedArticle
        stats["elements"] += 1
        item = _item(elem, elem.sourceline or 0, years)
        # free the record and everything before it, at every level up to the root: memory stays
        # flat over the file; a child of the root that holds no record is reported on the way
        elem.clear(keep_tail=True)
        node = elem
        while parent is not None:
            at_root = parent.getparent() is None
            while node.getprevious() is not None:
                if at_root:
                    problem = _unknown(parent[0], parent, parent[0].sourceline or 0)
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
        stats["root"] = root.tag
        if root.tag not in _TARGET_SET:
            for child in root:
                problem = _unknown(child, root, child.sourceline or 0)
                if problem is not None:
                    yield problem


def _stdlib_items(fh, years, stats: dict) -> Iterator[PubmedItem]:
    root = None
    path: list[str] = []  # tags of the open elements, root first
    for event, elem in _std_etree.iterparse(fh, events=("start", "end")):
        if event == "start":
            if root is None:
                root = elem
                stats["root"] = elem.tag
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
        item = _item(elem, 0, years)
        elem.clear()
        if root is not elem:
            del root[:]
        if item is None:
            stats["out_of_years"] += 1
        else:
            yield item


def _syntax_error_line(exc: Exception) -> int:
    line = getattr(exc, "lineno", None)
    if line is None:
        position = getattr(exc, "position", None)
        line = position[0] if position else 0
    try:
        return max(int(line), 0)
    except (TypeError, ValueError):
        return 0


def _iter_items(path, years, backend: str | None, stats: dict) -> Iterator[PubmedItem]:
    backend = backend or DEFAULT_BACKEND
    if backend == "lxml" and _lxml_etree is None:
        raise ValueError("backend 'lxml' asked for but lxml is not installed")
    if backend not in ("lxml", "stdlib"):
        raise ValueError(f"unknown backend {backend!r} (lxml or stdlib)")
    years = frozenset(int(y) for y in years) if years is not None else None
    stats.setdefault("out_of_years", 0)
    stats.setdefault("elements", 0)
    produce = _lxml_items if backend == "lxml" else _stdlib_items
    n = 0
    pending: list[PubmedProblem] = []  # unknown elements met before the first record
    with _open(Path(path)) as fh:
        try:
            for item in produce(fh, years, stats):
                if not stats["elements"] and type(item) is PubmedProblem and item.reason == "unknown_element":
                    pending.append(item)
                    continue
                if pending:
                    n += len(pending)
                    yield from pending
                    pending = []
                n += 1
                yield item
            if not stats["elements"] and not n:  # a well-formed file without any record: one row
                yield _no_records(stats.get("root"), pending)
                pending = []
        except EOFError as exc:
            yield from pending
            yield PubmedProblem(0, "truncated_gzip", f"gzip stream ends early ({exc}); {n} records read before the break")
        except zlib.error as exc:
            yield from pending
            yield PubmedProblem(0, "corrupt_gzip", f"{type(exc).__name__}: {exc}; {n} records read before the break")
        except SyntaxError as exc:  # lxml.etree.XMLSyntaxError and ElementTree.ParseError
            yield from pending
            yield PubmedProblem(
                _syntax_error_line(exc),
                "xml_syntax_error",
                f"{str(exc)[:200]}; {n} records read before the break",
            )


def iter_pubmed_records(
    path: str | Path, years: set[int] | None = None, *, backend: str | None = None
) -> Iterator[PubmedItem]:
    """Stream the records of one PubMed file (gzip or plain XML), in file order.

    Yields :class:`PubmedRecord` (usable article), :class:`PubmedDeletion` (``DeleteCitation``) and
    :class:`PubmedProblem` (quarantine: bad record, or the break of a damaged file, always last).
    With ``years``, articles whose valid year is not among them are skipped before their fields are
    read. ``backend``: ``"lxml"`` or ``"stdlib"`` (default: lxml when installed).
    """
    return _iter_items(path, years, backend, {})


def parse_pubmed_file(
    path: str | Path, years: set[int] | None = None, *, backend: str | None = None
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
    stats: dict = {}

    for item in _iter_items(path, years, backend, stats):
        if type(item) is PubmedRecord:
            pmid = item.pmid
            authors = item.authors
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
                    u_seq.append(seq)
                    u_last.append(author.last_name)
                    u_fore.append(author.fore_name)
                    u_coll.append(author.collective_name)
                    u_aseq.append(aff_seq)
                    u_aff.append(aff)
            cited = item.cited_pmids
            if cited:
                r_pmid.extend([pmid] * len(cited))
                r_cited.extend(cited)
        elif type(item) is PubmedDeletion:
            deleted.extend(item.pmids)
        else:
            q_rows.append((file_label, item.line, item.reason, item.detail))

    articles = conform(
        pd.DataFrame(
            {
                "pmid": a_pmid,
                "doi": a_doi,
                "publication_year": a_year,
                "title": a_title,
                "abstract": a_abstract,
                "journal_title": a_jtitle,
                "journal_iso_abbrev": a_iso,
                "issn_print": a_issn_p,
                "issn_electronic": a_issn_e,
                "issn_linking": a_issn_l,
                "publication_types": a_types,
                "mesh_terms": a_mesh,
                "n_authors": a_nauth,
                "source_file": [source] * len(a_pmid),
            }
        ),
        "raw_pubmed_articles",
    )
    authors_df = conform(
        pd.DataFrame(
            {
                "pmid": u_pmid,
                "author_seq": u_seq,
                "last_name": u_last,
                "fore_name": u_fore,
                "collective_name": u_coll,
                "affiliation_seq": u_aseq,
                "affiliation": u_aff,
            }
        ),
        "raw_pubmed_authors",
    )
    references = conform(pd.DataFrame({"pmid": r_pmid, "cited_pmid": r_cited}), "raw_pubmed_references")
    quarantine = conform(pd.DataFrame(q_rows, columns=["file", "line", "reason", "detail"]), "quarantine")
    return PubmedTables(
        articles=articles,
        authors=authors_df,
        references=references,
        quarantine=quarantine,
        deleted_pmids=deleted,
        n_out_of_years=stats.get("out_of_years", 0),
    )
