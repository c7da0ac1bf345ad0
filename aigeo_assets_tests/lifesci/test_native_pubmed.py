"""The compiled PubMed batch reader (``aigeo_assets.lifesci.native_pubmed``) against the reference,
the lxml walk of the same batches: the same items (records, problems, deletions, lines), the same
stats and tables, on the real samples, a generated world's files and hand-made records covering
every field rule; and every construct outside its strict subset deferred to lxml."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from aigeo_assets.lifesci import native_pubmed
from aigeo_assets.lifesci import pubmed as pm
from aigeo_assets.lifesci.pubmed import parse_pubmed_file
from aigeo_assets_tests.lifesci.test_pubmed import (
    MEDLINE_HEAD,
    NO_SAMPLES,
    SAMPLES,
    _person,
    _sample_files,
    full_record,
    medline_citation,
)
from aigeo_assets_tests.support.pubmed_xml import HEAD, REFERENCES, TAIL, article, write

pytestmark = [
    pytest.mark.skipif(pm._lxml_etree is None, reason="lxml not installed: no intact reader"),
    pytest.mark.skipif(native_pubmed.available() is not None, reason=f"compiled PubMed reader: {native_pubmed.available()}"),
]

COUNTS = ("native_batches", "deferred_batches")


def _both(path: Path, years=None) -> tuple[list, dict, list, dict]:
    """The items and stats of one file with the compiled reader, and without it."""
    stats: dict = {}
    items = list(pm._iter_items(path, years, "lxml", stats))
    ref_stats: dict = {}
    with native_pubmed.disabled():
        ref = list(pm._iter_items(path, years, "lxml", ref_stats))
    assert ref_stats["native_batches"] == 0
    return items, stats, ref, ref_stats


def assert_same(path: Path, years=None, *, vouched: bool | None = True) -> list:
    """Items, stats and tables of ``path`` equal with and without the compiled reader; with
    ``vouched`` every batch was read in C (False: at least one deferred)."""
    items, stats, ref, ref_stats = _both(path, years)
    assert items == ref
    assert {k: v for k, v in stats.items() if k not in COUNTS} == {k: v for k, v in ref_stats.items() if k not in COUNTS}
    if vouched is True:
        assert stats["native_batches"] > 0 and stats["deferred_batches"] == 0, stats
    elif vouched is False:
        assert stats["deferred_batches"] > 0, stats
    a = parse_pubmed_file(path, years)
    with native_pubmed.disabled():
        b = parse_pubmed_file(path, years)
    for name in ("articles", "authors", "references", "quarantine"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=f"{path.name} {name}")
    assert (a.deleted_pmids, a.article_versions, a.n_records, a.n_out_of_years, a.n_quarantined_records) == (
        b.deleted_pmids, b.article_versions, b.n_records, b.n_out_of_years, b.n_quarantined_records)
    return items


def _batch(records: str, *, closed: bool = False, head: str = HEAD) -> bytes:
    text = head + records + ("<_/>" + TAIL if closed else TAIL)
    return text.encode("utf-8")


def _parse(data: bytes, closed: bool = False, first: bool = True, offset: int = 0):
    return native_pubmed.parser()(data, closed, first, offset, pm.MAX_FIELD_CHARS)


# ---- real and generated files ----------------------------------------------------------------------


@pytest.mark.skipif(not SAMPLES.is_dir(), reason=NO_SAMPLES)
def test_real_samples_give_the_same_items_and_tables():
    native = deferred = 0
    for path in _sample_files():
        items, stats, ref, ref_stats = _both(path)
        assert items == ref, path
        native += stats["native_batches"]
        deferred += stats["deferred_batches"]
        assert_same(path, vouched=None)
    # every batch of the samples is read in C (MathML included: biopython's pubmed6/7)
    assert native >= 150 and deferred == 0, (native, deferred)


def test_generated_world_files_give_the_same_items_and_tables(tmp_path):
    from aigeo_assets.sampleworld.lifesci import generate_lifesci

    generate_lifesci(tmp_path, "tiny", 7, 1990, 2019)
    files = sorted((tmp_path / "pubmed").rglob("pubmed*.xml.gz"))
    assert files
    native = deferred = 0
    for path in files:
        items, stats, _, _ = _both(path)
        native += stats["native_batches"]
        deferred += stats["deferred_batches"]
        assert len(items) > 100
        assert_same(path, vouched=None)  # a planted syntax error sends its file to the framer
        assert_same(path, years={2010, 2015}, vouched=None)
    assert native >= 5 * len(files) and deferred == 0, (native, deferred)


def test_many_batches_keep_their_lines(tmp_path):
    """Files of several batches: lines from each batch's sentinel, the years filter, a plain file."""
    records = [article(str(k), title=f"Title {k}\n  over <i>two</i>\n lines.") + "\n\n" * (k % 3) for k in range(1, 400)]
    for name in ("pubmed25n0001.xml.gz", "pubmed25n0002.xml"):
        path = write(tmp_path, *records, name=name)
        items = assert_same(path)
        assert len(items) == 399 and items[-1].line > 12000
        assert_same(path, years={2019})
        assert_same(path, years={2018})


# ---- hand-made records ---------------------------------------------------------------------------


TITLES = [
    "Segmenting <i>E. <b>co</b>li</i> tail<sup>2</sup>, H<sub>2</sub>O\n     and  "
    "<math><mrow><mi>x</mi><mo>+</mo><msup><mi>y</mi><mn>2</mn></msup></mrow></math> end.",
    "No\u00a0break\u2003em\u3000ideographic \u0085next\u2028line\u2029para\u202fnarrow\u205fmath\u1680ogham\u200bzero-width\u2060joiner",
    "Refs &#160;&#xA0;&#x1D400;&#9;tab&#10;nl&#13;cr&#xd;&#65;&#x00041;&#x20AC; done",
    "Five &amp; &lt;tag&gt; &quot;q&quot; &apos;a&apos; entities",
    "   ",
    "",
    "<i></i>",
    "\u00e9" * 10 + " caf\u00e9 \U0001f600",
]


@pytest.mark.parametrize("title", TITLES)
def test_titles_with_markup_spaces_and_references(tmp_path, title):
    assert_same(write(tmp_path, article("1", title=title), article("2")))


ABSTRACTS = [
    '<AbstractText Label="BACKGROUND">Deep <i>learning</i>\n is used.</AbstractText><AbstractText Label="  ">Blank label.</AbstractText>',
    '<AbstractText Label=" A &amp; B\tC ">Tab in a label.</AbstractText><AbstractText Label=\'single\'>Single quotes.</AbstractText>',
    '<AbstractText Label="L&#10;F">Newline by reference.</AbstractText><AbstractText>   </AbstractText><AbstractText/>',
    "<AbstractText>Outer <b>bold <i>italic</i> tail</b> after.</AbstractText><CopyrightInformation>(c)</CopyrightInformation>",
    '<AbstractText Label="X"></AbstractText><OtherAbstract><AbstractText>Not read.</AbstractText></OtherAbstract>',
]


@pytest.mark.parametrize("abstract", ABSTRACTS)
def test_structured_abstracts(tmp_path, abstract):
    assert_same(write(tmp_path, article("1", abstract=abstract)))


AUTHOR_LISTS = [
    '<Author ValidYN="N"><LastName>Wrong</LastName></Author><Author><LastName> Right </LastName><ForeName>\u00a0A\u00a0</ForeName></Author>',
    '<Author ValidYN="Y"><CollectiveName>The <i>DEEP</i>\n Consortium</CollectiveName></Author><Author><LastName></LastName></Author>',
    "<Author><LastName>A</LastName><Affiliation>Direct, DTD 2014.</Affiliation><AffiliationInfo><Affiliation> Info </Affiliation>"
    "<Affiliation></Affiliation><Identifier>x</Identifier></AffiliationInfo><LastName>B</LastName></Author>",
    "<Investigator><LastName>Not an author</LastName></Investigator><Author><LastName>Only</LastName></Author>",
]


@pytest.mark.parametrize("authors", AUTHOR_LISTS)
def test_authors(tmp_path, authors):
    assert_same(write(tmp_path, article("1", authors=authors)))


def test_editors_list_and_article_affiliation_fallback(tmp_path):
    editors = article("1").replace('<AuthorList CompleteYN="Y">', '<AuthorList Type="editors">')
    second_list = article("2").replace("</AuthorList>", '</AuthorList><AuthorList Type="editors"><Author><LastName>E</LastName></Author></AuthorList>')
    no_aff = '<Author><LastName>A</LastName></Author><Author><LastName>B</LastName></Author>'
    fallback = article("3", authors=no_aff,
                       elocation="<Affiliation></Affiliation><Affiliation>Second <i>one</i>.</Affiliation><Affiliation>Third.</Affiliation>")
    kept = article("4", elocation="<Affiliation>Article level.</Affiliation>")
    none = article("5", authors="", elocation="<Affiliation>Nobody to give it to.</Affiliation>")
    items = assert_same(write(tmp_path, editors, second_list, fallback, kept, none))
    assert items[0].authors == [] and items[2].authors[0].affiliations == ("Second one.",)


def test_medline_citation_set_deletions_and_book_articles(tmp_path):
    records = [
        medline_citation("1", affiliation="<Affiliation>Kyoto.</Affiliation>", authors=_person("Sato") + _person("Ito")),
        medline_citation("2", pubdate="<MedlineDate>2011 Nov-Dec</MedlineDate>", issn="<ISSN>3333-4444</ISSN>"),
        medline_citation("3", pubdate="<Season>Spring</Season>"),
        '<DeleteCitation>\n<PMID Version="1">99</PMID><PMID> </PMID><PMID>12x</PMID><Other>1</Other>\n</DeleteCitation>\n',
    ]
    path = tmp_path / "medline12n0001.xml.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write(MEDLINE_HEAD + "".join(records) + "</MedlineCitationSet>\n")
    assert_same(path)
    book = ('<PubmedBookArticle>\n<BookDocument><Title>x</Title></BookDocument>'
            '<BookDocument><PMID Version="1"> 203 </PMID></BookDocument>\n</PubmedBookArticle>\n')
    empty_book = "<PubmedBookArticle><BookDocument><PMID/></BookDocument></PubmedBookArticle>\n<PubmedBookArticle/>\n"
    missing = "<PubmedArticle><PubmedData><ArticleIdList/></PubmedData></PubmedArticle>\n"
    items = assert_same(write(tmp_path, full_record(), book, empty_book, missing, "<MedlineCitation><PMID>7</PMID></MedlineCitation>\n"))
    assert [getattr(i, "reason", None) for i in items] == [None, "book_article", "book_article", "book_article", "missing_citation", "year_unknown"]


PUBDATES = [
    ("<MedlineDate>1998 Dec-1999 Jan</MedlineDate>", ""),
    ("<MedlineDate>Spring 12345 2001</MedlineDate>", ""),
    ("<MedlineDate>\u0662\u0660\u0661\u0662 2013</MedlineDate>", ""),  # Arabic-Indic digits: Python's \d
    ("<MedlineDate>Winter</MedlineDate>", '<ArticleDate DateType="Electronic"><Year>2018</Year></ArticleDate>'),
    ("<Season>Spring</Season>", '<ArticleDate><Year> 2017 </Year></ArticleDate><ArticleDate><Year>2016</Year></ArticleDate>'),
    ("<Season>Spring</Season>", ""),
    ("<Year></Year><MedlineDate>2001</MedlineDate>", ""),
    ("<Year>20x9</Year>", ""),
    ("<Year>0999</Year>", ""),
    ("<Year>3000</Year>", ""),
    ("<Year>12345678901</Year>", ""),
    ("<Year> +2012 </Year>", ""),
    ("<Year>2_012</Year>", ""),
    ("<Year>\uff11\uff19\uff19\uff19</Year>", ""),
    ("<Year>2012<i>x</i></Year>", ""),
    ("<Year>" + "9" * 80 + "x</Year>", ""),
    ("<Season>x</Season>", "<ArticleDate><Year>abc</Year></ArticleDate>"),
    ("<Season>x</Season>", "<ArticleDate><Month>1</Month></ArticleDate>"),
]


@pytest.mark.parametrize(("pubdate", "article_date"), PUBDATES)
def test_year_fallbacks_and_problems(tmp_path, pubdate, article_date):
    path = write(tmp_path, article("1", pubdate=pubdate, article_date=article_date), article("2"))
    assert_same(path)
    assert_same(path, years={2001, 2012})


def test_no_pubdate_at_all(tmp_path):
    rec = article("1").replace("<PubDate><Year>2019</Year><Month>Mar</Month></PubDate>", "")
    assert_same(write(tmp_path, rec, article("2").replace("<JournalIssue", "<JournalIssue/><X").replace("</JournalIssue>", "</X>")))


@pytest.mark.parametrize("pmid", [None, "", " 12 ", "12a", "1234567890123", "123456789012", "\u0661\u0662", "0", "1<i>2</i>"])
def test_pmids(tmp_path, pmid):
    assert_same(write(tmp_path, article(pmid, title="A \u00e9 'quoted' \"title\" " + "x" * 100)))


@pytest.mark.parametrize("version", ["0", "x", "", " 2 ", "1234567", "007", "\u0662", "-1"])
def test_versions(tmp_path, version):
    rec = article("5").replace('<PMID Version="1">5</PMID>', f'<PMID Version="{version}">5</PMID>')
    assert_same(write(tmp_path, rec, article("5")))


def test_fields_too_large(tmp_path):
    big = pm.MAX_FIELD_CHARS
    records = [
        article("1", title="t" * (big + 1)),
        article("2", abstract="<AbstractText>" + "\u00e9" * (big // 2 + 10) + "</AbstractText>"),  # more bytes than the cap, not characters
        article("3", abstract="<AbstractText>" + "\u00e9" * (big + 1) + "</AbstractText>"),
        article("4", authors="<Author><LastName>A</LastName><AffiliationInfo><Affiliation>" + " a  " * (big // 2)
                + "</Affiliation></AffiliationInfo></Author>"),
        article("5", authors="<Author><CollectiveName>" + "c" * (big + 1) + "</CollectiveName></Author>"),
        article("6", abstract="<AbstractText>" + "w" * big + "</AbstractText>"),
    ]
    items = assert_same(write(tmp_path, *records))
    assert [getattr(i, "reason", "ok") for i in items] == ["field_too_large", "ok", "field_too_large", "ok", "field_too_large", "ok"]


def test_references_dois_issns_mesh(tmp_path):
    nested = REFERENCES.replace("</ReferenceList>", '<ReferenceList><Reference><ArticleIdList><ArticleId IdType="pubmed">333</ArticleId>'
                                '<ArticleId IdType="pubmed">111</ArticleId><ArticleId IdType="pubmed">x1</ArticleId>'
                                '<ArticleId IdType="pubmed"></ArticleId><ArticleId IdType="pubmed">\u00a0444\u2003</ArticleId>'
                                "</ArticleIdList></Reference></ReferenceList></ReferenceList><ReferenceList>"
                                '<ArticleId IdType="pubmed">555</ArticleId><ArticleId IdType="pubmed">111</ArticleId></ReferenceList>')
    dois = [
        ('<ArticleId IdType="doi">doi:10.1/X</ArticleId>', ""),
        ('<ArticleId IdType="doi"> https://dx.doi.org/10.1/Y </ArticleId>', ""),
        ('<ArticleId IdType="doi">HTTP://DOI.ORG/ 10.1/Z</ArticleId>', ""),
        ('<ArticleId IdType="doi"></ArticleId><ArticleId IdType="doi">doi:</ArticleId>', '<ELocationID EIdType="doi">10.2/E</ELocationID>'),
        ('<ArticleId IdType="doi">10.1/\u0130x\u00a0</ArticleId>', ""),
        ('<ArticleId IdType="doi">\u00a0</ArticleId><ArticleId IdType="doi">10.1/B</ArticleId>', ""),
        ("", '<ELocationID EIdType="pii">p</ELocationID><ELocationID EIdType="doi"> </ELocationID><ELocationID EIdType="doi">DOI:10.3/F</ELocationID>'),
        ('<ArticleId IdType="DOI">10.1/no</ArticleId>', ""),
    ]
    records = [article(str(k + 1), article_ids=ids, elocation=eloc, references=nested) for k, (ids, eloc) in enumerate(dois)]
    mesh = ('<MeshHeading><DescriptorName> A </DescriptorName><QualifierName>q</QualifierName></MeshHeading>'
            '<MeshHeading><DescriptorName>B<i>x</i></DescriptorName><Nested><DescriptorName>C</DescriptorName></Nested></MeshHeading>'
            '<DescriptorName>   </DescriptorName>')
    issn = '<ISSN IssnType="Print">1</ISSN><ISSN>2</ISSN><ISSN IssnType="Electronic"> 3 </ISSN><ISSN IssnType="Other">4</ISSN>'
    records.append(article("20", mesh=mesh, issn=issn))
    records.append(article("21", mesh="", issn=""))
    records.append(article("22").replace("<PublicationTypeList>", "<PublicationTypeList><PublicationType> </PublicationType>"))
    records.append(article("23").replace('<PublicationType UI="D016428">Journal Article</PublicationType>', "").replace(
        '<PublicationType UI="D013485">Research Support, Non-U.S. Gov\'t</PublicationType>', ""))
    items = assert_same(write(tmp_path, *records))
    assert items[0].doi == "10.1/x" and items[0].cited_pmids == ["111", "222", "333", "444", "555"]


def test_duplicated_children_first_or_last(tmp_path):
    """``_citation``'s loops: the first PMID, AuthorList, ArticleDate and Affiliation; the last
    Article, Journal, ArticleTitle, Abstract, PublicationTypeList, MeshHeadingList, JournalIssue."""
    rec = article("1")
    rec = rec.replace('<PMID Version="1">1</PMID>', '<PMID Version="1">1</PMID><PMID Version="2">2</PMID>')
    rec = rec.replace("<ArticleTitle>", "<ArticleTitle>First title</ArticleTitle><ArticleTitle>")
    rec = rec.replace("            <Language>", "<Abstract><AbstractText>Second abstract</AbstractText></Abstract><Language>")
    rec = rec.replace("</MeshHeadingList>",
                      "</MeshHeadingList><MeshHeadingList><MeshHeading><DescriptorName>Last</DescriptorName></MeshHeading></MeshHeadingList>")
    rec = rec.replace("<Title>Journal of testing</Title>",
                      "<Title>One</Title><Title>Two <i>2</i></Title><JournalIssue><PubDate><Year>2001</Year></PubDate></JournalIssue>")
    rec2 = article("2").replace("</JournalIssue>", "</JournalIssue><JournalIssue/>")
    assert_same(write(tmp_path, rec, rec2, article("3", article_date="<ArticleDate/>")))


def test_mathml_with_its_prefix(tmp_path):
    """MathML in titles and abstracts (``mml:`` bound on the element or an ancestor): its text is the
    element's text, its elements match no field (``mml:AbstractText`` is not an abstract section)."""
    math = (f'<mml:math xmlns:mml="{MATHML}" display="inline"><mml:msub><mml:mi>V</mml:mi><mml:mi>O2</mml:mi></mml:msub>'
            '<mml:mo>\u2009</mml:mo><mml:mtext>\u00a0max </mml:mtext></mml:math>')
    records = [
        article("1", title=f"Uptake ( {math} ) of\n runners"),
        article("2", abstract=f'<AbstractText Label="R" xmlns:mml="{MATHML}">x <mml:mi>y</mml:mi> z</AbstractText>'
                f'<mml:AbstractText xmlns:mml="{MATHML}">not a section</mml:AbstractText><AbstractText>{math}</AbstractText>'),
        article("3", authors=f'<Author><LastName>A</LastName><AffiliationInfo><Affiliation>{math}</Affiliation></AffiliationInfo></Author>'),
        article("4", title=f'<m:math xmlns:m="{MATHML}"><m:mi xmlns:xlink="http://www.w3.org/1999/xlink">x</m:mi></m:math><m2:b xmlns:m2="{MATHML}"/>'),
    ]
    items = assert_same(write(tmp_path, *records))
    assert items[0].title == "Uptake ( VO2 max ) of runners" and items[1].abstract.startswith("R: x y z ")


def test_records_on_one_line_and_spread_out(tmp_path):
    one_line = article("1").replace("\n", "")
    spread = article("2").replace("><", ">\n\n<").replace("<PubmedArticle>\n\n<", "<PubmedArticle>\n<")
    assert_same(write(tmp_path, one_line, spread, one_line.replace(">1<", ">3<"), article("4")))


# ---- what the compiled reader leaves to lxml -------------------------------------------------------


MATHML = "http://www.w3.org/1998/Math/MathML"
GOOD = article("1")
DEFERRED = {
    "named entity": GOOD.replace("A plain title.", "A &foo; title"),
    "comment": GOOD.replace("A plain title.", "A <!-- c --> title"),
    "CDATA": GOOD.replace("A plain title.", "A <![CDATA[x]]> title"),
    "carriage return": GOOD.replace("A plain title.", "A\r\ntitle"),
    "processing instruction": GOOD.replace("A plain title.", "A <?pi x?> title"),
    "undeclared prefix": GOOD.replace("A plain title.", "<mml:math>x</mml:math>"),
    "prefix out of scope": GOOD.replace("A plain title.", f'<mml:math xmlns:mml="{MATHML}">x</mml:math><mml:mi>y</mml:mi>'),
    "unknown namespace": GOOD.replace("A plain title.", '<m:math xmlns:m="urn:x">x</m:math>'),
    "invalid namespace": GOOD.replace("A plain title.", '<m:math xmlns:m="a b">x</m:math>'),
    "empty namespace": GOOD.replace("A plain title.", '<m:math xmlns:m="">x</m:math>'),
    "prefixed attribute": GOOD.replace("A plain title.", f'<mml:math xmlns:mml="{MATHML}" mml:display="block">x</mml:math>'),
    "xml prefix": GOOD.replace("<ArticleTitle>", '<ArticleTitle xml:lang="en">'),
    "xmlns prefix bound": GOOD.replace("<ArticleTitle>", f'<ArticleTitle xmlns:xml="{MATHML}">'),
    "two colons": GOOD.replace("A plain title.", f'<m:a:b xmlns:m="{MATHML}">x</m:a:b>'),
    "default namespace": GOOD.replace("<ArticleTitle>", '<ArticleTitle xmlns="urn:x">'),
    "unknown child of the root": GOOD + "<Other>1</Other>\n",
    "record start tag over two lines": GOOD.replace("<PubmedArticle>", "<PubmedArticle\n>"),
    "]]> in text": GOOD.replace("A plain title.", "a ]]> b"),
}
MALFORMED = {
    "invalid UTF-8": ("A plain title.", b"A \xff title"),
    "overlong UTF-8": ("A plain title.", b"A \xc0\xaf title"),
    "surrogate": ("A plain title.", b"A \xed\xa0\x80 title"),
    "control character": ("A plain title.", b"A \x01 title"),
    "U+FFFE": ("A plain title.", "A \ufffe title".encode("utf-8", "surrogatepass")),
    "reference to NUL": ("A plain title.", b"A &#0; title"),
    "reference to a surrogate": ("A plain title.", b"A &#xD800; title"),
    "reference beyond Unicode": ("A plain title.", b"A &#x110000; title"),
    "reference with upper X": ("A plain title.", b"A &#X41; title"),
    "empty reference": ("A plain title.", b"A &#; title"),
    "bare ampersand": ("A plain title.", b"A & title"),
    "mismatched end tag": ("</ArticleTitle>", b"</ArticleTitlex>"),
    "duplicate attribute": ('<PMID Version="1">', b'<PMID Version="1" Version="2">'),
    "attributes without space": ('Status="MEDLINE" Owner="NLM"', b'Status="MEDLINE"Owner="NLM"'),
    "< in an attribute": ('Owner="NLM"', b'Owner="N<LM"'),
    "unquoted attribute": ('Owner="NLM"', b"Owner=NLM"),
    "non-ASCII element name": ("<Pagination>", "<Pagin\u00e4tion>".encode()),
}


@pytest.mark.parametrize("case", sorted(DEFERRED))
def test_unusual_constructs_defer_the_batch(tmp_path, case):
    record = DEFERRED[case]
    assert _parse(_batch(GOOD)) is not None
    assert _parse(_batch(record + article("2"))) is None
    assert _parse(_batch(article("2") + record, closed=True), closed=True) is None
    path = tmp_path / "pubmed25n0001.xml"
    path.write_bytes(_batch(article("0") + record + article("2")))
    assert_same(path, vouched=None)  # the framer reads some of them (the intact source declines): same items either way


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_or_illegal_bytes_defer_the_batch(tmp_path, case):
    old, new = MALFORMED[case]
    data = _batch(GOOD + article("2")).replace(old.encode(), new, 1)
    assert data != _batch(GOOD + article("2"))
    assert _parse(data) is None
    path = tmp_path / "pubmed25n0001.xml"
    path.write_bytes(data)
    assert_same(path, vouched=None)


@pytest.mark.parametrize("head", [
    '\ufeff<?xml version="1.0"?>\n<PubmedArticleSet>\n',
    '<?xml version="1.0" encoding="ISO-8859-1"?>\n<PubmedArticleSet>\n',
    '<?xml version="1.1"?>\n<PubmedArticleSet>\n',
    '<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [<!ENTITY x "y">]>\n<PubmedArticleSet>\n',
    '<?xml version="1.0"?>\n<!-- c -->\n<PubmedArticleSet>\n',
    '<?xml version="1.0"?>\n<PubmedArticleSet xmlns="urn:x">\n',
    '<?xml version="1.0"?>\n<PubmedArticle>\n',
])
def test_unusual_heads_defer(head):
    assert _parse(_batch(GOOD, head=head)) is None


@pytest.mark.parametrize("head", [
    '<?xml version="1.0" ?>\n<PubmedArticleSet>\n',
    "<?xml version='1.0' encoding='utf-8' standalone='yes'?>\n<PubmedArticleSet Kind=\"x\">\n",
    '<!DOCTYPE PubmedArticleSet SYSTEM "x.dtd">\n\n<PubmedArticleSet>\n',
    "<PubmedArticleSet>",
])
def test_usual_heads_are_read(tmp_path, head):
    assert _parse(_batch(GOOD, head=head)) is not None
    path = tmp_path / "pubmed25n0001.xml"
    path.write_bytes(_batch(GOOD + article("2"), head=head))
    assert_same(path)


def test_document_ends():
    assert _parse(_batch(GOOD)[:-2]) is None  # the root not closed
    assert _parse(_batch(GOOD) + b"x") is None  # text after the root
    assert _parse(_batch(GOOD) + b"\n \n") is not None
    assert _parse(_batch(GOOD), closed=True) is None  # no sentinel
    root, records, sentinel_line = _parse(_batch(GOOD, closed=True), closed=True, offset=10)
    assert root == "PubmedArticleSet" and len(records) == 1 and records[0][1] == 14
    assert sentinel_line == GOOD.count("\n") + 4
    assert _parse(_batch(GOOD + "<_/>" + GOOD, closed=True), closed=True) is None  # a sentinel among the records


def test_field_cap_in_characters_not_bytes(tmp_path, monkeypatch):
    """``MAX_FIELD_CHARS`` counts characters: a field of more bytes than the cap but not more
    characters is kept; the cap is the module's at the time of the parse."""
    monkeypatch.setattr(pm, "MAX_FIELD_CHARS", 30)
    short = "<Author><LastName>A</LastName></Author>"
    records = [
        article("1", title="\u00e9" * 30, authors=short),
        article("2", title="\u00e9" * 31, authors=short),
        article("3", authors="<Author><LastName>" + "\U0001f600" * 30 + "</LastName><ForeName>" + "f" * 31 + "</ForeName></Author>"),
        article("4", abstract='<AbstractText Label="L">' + "x" * 27 + "</AbstractText>", authors=short),
    ]
    items = assert_same(write(tmp_path, *records))
    assert [getattr(i, "reason", "ok") for i in items] == ["ok", "field_too_large", "field_too_large", "ok"]


def test_the_shared_header_is_part_of_every_readers_source(tmp_path, monkeypatch):
    """Both readers include ``native_buf.h``: a change to it changes each module's ``SOURCE_SHA``, so
    a module built before the change is not used until ``make setup`` builds it again."""
    from aigeo_assets import native_build
    from aigeo_assets.ingest import native_works

    header = tmp_path / "native_buf.h"
    header.write_bytes(native_build.SHARED_HEADERS[0].read_bytes())
    monkeypatch.setattr(native_build, "SHARED_HEADERS", (header,))
    modules = (native_pubmed._NATIVE, native_works._NATIVE)
    before = [m.source_sha() for m in modules]
    header.write_bytes(header.read_bytes() + b"\n/* changed */\n")
    after = [m.source_sha() for m in modules]
    assert all(a != b for a, b in zip(before, after)) and before[0] != before[1]
    for m in modules:
        m.available.cache_clear()
    try:
        assert all("another version" in (m.available() or "") for m in modules)
    finally:
        monkeypatch.undo()
        for m in modules:
            m.available.cache_clear()
    assert all(m.available() is None for m in modules)


def test_a_stale_build_is_not_used(tmp_path, monkeypatch):
    """A module built from another source is not used (``available()`` says why): every batch goes to lxml."""
    path = write(tmp_path, article("1"), article("2"))
    native = native_pubmed._NATIVE
    monkeypatch.setattr(native, "source_sha", lambda: "0" * 40)
    native.available.cache_clear()
    try:
        assert "another version" in native_pubmed.available() and native_pubmed.parser() is None
        stats: dict = {}
        assert len(list(pm._iter_items(path, None, "lxml", stats))) == 2 and stats["native_batches"] == 0
    finally:
        monkeypatch.undo()
        native.available.cache_clear()
    assert native_pubmed.available() is None
