"""PubMed baseline files written by hand in the real shape (pretty-printed like the baseline files,
with the DOCTYPE): one ``PubmedArticle`` per ``article`` call, files gzipped or plain (``write``), and
the XML parsing backends each parser test runs on (``BACKENDS``)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from aigeo_assets.lifesci import pubmed as pm

BACKENDS = [
    pytest.param("lxml", marks=pytest.mark.skipif(pm._lxml_etree is None, reason="lxml not installed")),
    "stdlib",
]

HEAD = (
    '<?xml version="1.0" ?>\n'
    '<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
    "<PubmedArticleSet>\n"
)
TAIL = "</PubmedArticleSet>\n"


def article(
    pmid: str | None = "100",
    *,
    pubdate: str = "<Year>2019</Year><Month>Mar</Month>",
    article_date: str = "",
    title: str = "A plain title.",
    abstract: str = "<AbstractText>Plain abstract.</AbstractText>",
    authors: str = (
        '<Author ValidYN="Y"><LastName>Doe</LastName><ForeName>Jane</ForeName><Initials>J</Initials>'
        "<AffiliationInfo><Affiliation>Dept. of Medicine, Harvard University, Boston, MA, USA.</Affiliation>"
        "</AffiliationInfo></Author>"
    ),
    elocation: str = "",
    article_ids: str = "",
    references: str = "",
    mesh: str = "",
    issn: str = '<ISSN IssnType="Print">1234-5678</ISSN>',
    comments: str = "",
) -> str:
    """One ``PubmedArticle`` in the layout of the baseline files (one element per line)."""
    pmid_xml = f'        <PMID Version="1">{pmid}</PMID>\n' if pmid is not None else ""
    return (
        "<PubmedArticle>\n"
        '    <MedlineCitation Status="MEDLINE" Owner="NLM" IndexingMethod="Automated">\n'
        f"{pmid_xml}"
        "        <DateCompleted><Year>2020</Year><Month>01</Month><Day>02</Day></DateCompleted>\n"
        '        <Article PubModel="Print-Electronic">\n'
        "            <Journal>\n"
        f"                {issn}\n"
        '                <JournalIssue CitedMedium="Internet">\n'
        "                    <Volume>12</Volume>\n"
        f"                    <PubDate>{pubdate}</PubDate>\n"
        "                </JournalIssue>\n"
        "                <Title>Journal of testing</Title>\n"
        "                <ISOAbbreviation>J Test</ISOAbbreviation>\n"
        "            </Journal>\n"
        f"            <ArticleTitle>{title}</ArticleTitle>\n"
        "            <Pagination><MedlinePgn>1-10</MedlinePgn></Pagination>\n"
        f"            {elocation}\n"
        f"            <Abstract>\n                {abstract}\n            </Abstract>\n"
        f'            <AuthorList CompleteYN="Y">\n                {authors}\n            </AuthorList>\n'
        "            <Language>eng</Language>\n"
        "            <PublicationTypeList>\n"
        '                <PublicationType UI="D016428">Journal Article</PublicationType>\n'
        '                <PublicationType UI="D013485">Research Support, Non-U.S. Gov\'t</PublicationType>\n'
        "            </PublicationTypeList>\n"
        f"            {article_date}\n"
        "        </Article>\n"
        "        <MedlineJournalInfo>\n"
        "            <Country>England</Country>\n"
        "            <MedlineTA>J Test</MedlineTA>\n"
        "            <ISSNLinking>1234-5678</ISSNLinking>\n"
        "        </MedlineJournalInfo>\n"
        f"        {comments}\n"
        f"        <MeshHeadingList>{mesh}</MeshHeadingList>\n"
        "    </MedlineCitation>\n"
        "    <PubmedData>\n"
        '        <History><PubMedPubDate PubStatus="pubmed"><Year>2019</Year><Month>3</Month><Day>1</Day></PubMedPubDate></History>\n'
        "        <PublicationStatus>ppublish</PublicationStatus>\n"
        f'        <ArticleIdList>\n            <ArticleId IdType="pubmed">{pmid or ""}</ArticleId>\n            {article_ids}\n        </ArticleIdList>\n'
        f"        {references}\n"
        "    </PubmedData>\n"
        "</PubmedArticle>\n"
    )


def write(tmp_path: Path, *records: str, name: str = "pubmed25n0001.xml.gz", tail: str = TAIL) -> Path:
    """A baseline file ``name`` in ``tmp_path`` holding ``records`` (gzipped when the name ends in ``.gz``)."""
    text = HEAD + "".join(records) + tail
    path = tmp_path / name
    if name.endswith(".gz"):
        with gzip.open(path, "wb") as fh:
            fh.write(text.encode("utf-8"))
    else:
        path.write_text(text, encoding="utf-8")
    return path


REFERENCES = (  # a ReferenceList of four references: ids by DOI and PMID, none, PMC and a padded PMID, a repeated PMID
    "<ReferenceList>\n"
    "            <Reference><Citation>Ref one.</Citation><ArticleIdList>"
    '<ArticleId IdType="doi">10.1/one</ArticleId><ArticleId IdType="pubmed">111</ArticleId></ArticleIdList></Reference>\n'
    "            <Reference><Citation>Ref two, no ids.</Citation></Reference>\n"
    "            <Reference><Citation>Ref three.</Citation><ArticleIdList>"
    '<ArticleId IdType="pmc">PMC1</ArticleId><ArticleId IdType="pubmed"> 222 </ArticleId></ArticleIdList></Reference>\n'
    "            <Reference><Citation>Ref one again.</Citation><ArticleIdList>"
    '<ArticleId IdType="pubmed">111</ArticleId></ArticleIdList></Reference>\n'
    "        </ReferenceList>"
)
