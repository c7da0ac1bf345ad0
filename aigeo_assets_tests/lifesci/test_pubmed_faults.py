"""Hostile and damaged PubMed files (issue 12, item 6): versions, deletions, oversize fields,
undefined entities and malformed files.

For every case, with each XML backend: no exception, every record accounted for
(``n_records`` = the records written = kept + quarantined + superseded + deleted + out of years),
and the quarantine reason is the specific one. Files are generated in ``tmp_path``.
"""

from __future__ import annotations

import codecs
import gzip
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from aigeo_assets.lifesci import pubmed as pm
from aigeo_assets.lifesci.pubmed import parse_pubmed_file
from aigeo_assets.lifesci.pubmed_files import pubmed_year_tables
from aigeo_assets_tests.support.pubmed_xml import BACKENDS, HEAD, REFERENCES, TAIL, article, write


def versioned(pmid: str, version: int, title: str, n_authors: int, n_refs: int) -> str:
    """A record of ``pmid`` at ``version`` with its own byline and reference list."""
    authors = "".join(
        f'<Author ValidYN="Y"><LastName>{title}{i}</LastName><AffiliationInfo><Affiliation>Lab {i}, Oslo, Norway.'
        "</Affiliation></AffiliationInfo></Author>"
        for i in range(n_authors)
    )
    refs = "<ReferenceList>" + "".join(
        f'<Reference><ArticleIdList><ArticleId IdType="pubmed">{900 + version * 100 + i}</ArticleId></ArticleIdList></Reference>'
        for i in range(n_refs)
    ) + "</ReferenceList>"
    rec = article(pmid, title=title, authors=authors, references=refs)
    return rec.replace('<PMID Version="1">', f'<PMID Version="{version}">')


def accounted(t: pm.PubmedTables, written: int) -> None:
    """The accounting identity, against the number of records the test wrote."""
    assert t.n_records == written, (t.n_records, written)
    assert written == len(t.articles) + t.n_quarantined_records + t.n_superseded + t.n_deleted + t.n_out_of_years


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("order", ["v1_first", "v2_first"])
def test_the_highest_version_wins_within_a_file_with_all_its_rows(tmp_path, backend, order):
    v1, v2 = versioned("7", 1, "old", 6, 7), versioned("7", 2, "new", 4, 3)
    records = [article("1"), v1, v2] if order == "v1_first" else [article("1"), v2, v1]
    t = parse_pubmed_file(write(tmp_path, *records), backend=backend)
    accounted(t, 3)
    art = t.articles.set_index("pmid")
    assert art.loc["7", "title"] == "new" and art.loc["7", "n_authors"] == 4
    assert t.authors.loc[t.authors["pmid"] == "7", "last_name"].tolist() == ["new0", "new1", "new2", "new3"]
    assert sorted(t.references.loc[t.references["pmid"] == "7", "cited_pmid"]) == ["1100", "1101", "1102"]
    assert t.quarantine["reason"].tolist() == ["superseded_version"]
    assert "Version 1: superseded by Version 2" in t.quarantine["detail"].iloc[0]
    assert t.n_superseded == 1 and t.article_versions == [1, 2]


@pytest.mark.parametrize("backend", BACKENDS)
def test_delete_citation_removes_records_of_its_own_file(tmp_path, backend):
    deletion = '<DeleteCitation>\n<PMID Version="1">2</PMID>\n<PMID Version="1">x9</PMID>\n<PMID Version="1">555</PMID>\n</DeleteCitation>\n'
    t = parse_pubmed_file(write(tmp_path, article("1"), article("2", references=REFERENCES), article("3"), deletion), backend=backend)
    accounted(t, 3)
    assert t.articles["pmid"].tolist() == ["1", "3"]
    assert "2" not in set(t.authors["pmid"]) and "2" not in set(t.references["pmid"])
    assert sorted(t.quarantine["reason"]) == ["bad_pmid", "deleted_citation"]
    assert t.deleted_pmids == ["2", "555"] and t.n_deleted == 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_bad_version_attribute_is_quarantined_not_guessed(tmp_path, backend):
    t = parse_pubmed_file(write(tmp_path, versioned("5", 1, "a", 1, 0).replace('Version="1"', 'Version="two"', 1)), backend=backend)
    accounted(t, 1)
    assert t.articles.empty and t.quarantine["reason"].tolist() == ["bad_version"]


def test_versions_and_deletions_across_files(tmp_path):
    base = write(tmp_path, versioned("1", 2, "base_v2", 2, 1), versioned("2", 1, "base", 1, 1), article("3"), article("4"),
                 name="pubmed25n0001.xml.gz")
    deletion = '<DeleteCitation><PMID Version="1">3</PMID><PMID Version="1">4</PMID></DeleteCitation>\n'
    update = write(tmp_path, versioned("1", 1, "upd_v1", 3, 1), versioned("2", 1, "upd", 5, 2), deletion,
                   name="pubmed25n1300.xml.gz")
    readd = write(tmp_path, article("4", title="back"), name="pubmed25n1301.xml.gz")
    t = pubmed_year_tables([base, update, readd], tmp_path / "cache", 2019)
    art = t.articles.set_index("pmid")
    assert sorted(art.index) == ["1", "2", "4"]
    assert art.loc["1", "title"] == "base_v2"  # a higher version in an earlier file beats a lower one later
    assert art.loc["2", "title"] == "upd"  # same version: the later file revises
    assert art.loc["4", "title"] == "back"  # deleted, then brought back by a later file
    assert t.authors.groupby("pmid").size().to_dict() == {"1": 2, "2": 5, "4": 1}
    assert t.references.groupby("pmid").size().to_dict() == {"1": 1, "2": 2}
    # 7 records of 2019 in all: 3 kept, 2 superseded (1 in the update, 2 in the base), 2 deleted (3, 4 of the base)
    assert (len(t.articles), t.n_superseded, t.n_deleted) == (3, 2, 2)


@pytest.mark.parametrize("backend", BACKENDS)
def test_oversize_field_quarantined(tmp_path, backend):
    big = "x" * (pm.MAX_FIELD_CHARS + 1)
    authors = f'<Author ValidYN="Y"><LastName>Doe</LastName><AffiliationInfo><Affiliation>{big}</Affiliation></AffiliationInfo></Author>'
    t = parse_pubmed_file(write(tmp_path, article("1"), article("2", authors=authors), article("3", title=big)), backend=backend)
    accounted(t, 3)
    assert t.articles["pmid"].tolist() == ["1"]
    assert t.quarantine["reason"].tolist() == ["field_too_large", "field_too_large"]
    assert "Affiliation of 100,001 characters" in t.quarantine["detail"].iloc[0]
    assert "ArticleTitle" in t.quarantine["detail"].iloc[1]


MEMORY_PROBE = textwrap.dedent(
    """
    import gzip, resource, sys
    from aigeo_assets.lifesci import pubmed as pm
    from aigeo_assets_tests.support.pubmed_xml import HEAD, TAIL, article
    path, backend = sys.argv[1], sys.argv[2]
    pm.MAX_RECORD_BYTES = 1 << 20
    pre, post = article("2", authors="<Author><LastName>D</LastName><AffiliationInfo><Affiliation>@</Affiliation>"
                                     "</AffiliationInfo></Author>").split("@")
    with gzip.open(path, "wb") as fh:
        fh.write((HEAD + article("1") + pre).encode())
        for _ in range(48):
            fh.write(b"a" * (1 << 20))
        fh.write((post + article("3") + TAIL).encode())
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = pm.parse_pubmed_file(path, backend=backend)
    growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    print(",".join(t.articles["pmid"]), ",".join(t.quarantine["reason"]), growth // 1024)
    """
)


@pytest.mark.parametrize("backend", BACKENDS)
def test_oversize_record_is_dropped_while_streaming_with_bounded_memory(tmp_path, backend):
    """A 48 MB affiliation (a ~50 KB gzip) with the record cap lowered to 1 MiB: the record is
    quarantined and peak memory grows by far less than the field (the reader without the cap built
    the whole string: 1.2 GB growth for a 400 MB affiliation)."""
    out = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(tmp_path / "huge.xml.gz"), backend],
                         capture_output=True, text=True, check=True, timeout=120).stdout.split()
    assert out[:2] == ["1,3", "field_too_large"]
    assert int(out[2]) < 24, f"peak memory grew by {out[2]} MB"


@pytest.mark.parametrize("backend", BACKENDS)
def test_undefined_entity_costs_its_record_only(tmp_path, backend):
    t = parse_pubmed_file(write(tmp_path, article("1"), article("2", title="A &foo; title"), article("3")), backend=backend)
    accounted(t, 3)
    assert t.articles["pmid"].tolist() == ["1", "3"]
    q = t.quarantine
    assert q["reason"].tolist() == ["undefined_entity"] and "PMID 2: &foo;" in q["detail"].iloc[0]
    text = gzip.open(write(tmp_path, article("1"), article("2", title="A &foo; title"), article("3")), "rt").read().splitlines()
    assert q["line"].iloc[0] == [i + 1 for i, line in enumerate(text) if line == "<PubmedArticle>"][1]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("declaration", [
    '<!ENTITY foo SYSTEM "file:///etc/passwd">',  # XXE
    '<!ENTITY foo "EXPANDED">',  # declared by the file itself
    '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY foo "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">',
])
def test_entities_declared_by_the_file_are_never_expanded(tmp_path, backend, declaration):
    head = f'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [{declaration}]>\n<PubmedArticleSet>\n'
    path = tmp_path / "x.xml"
    path.write_text(head + article("1") + article("2", title="T &foo; T") + article("3") + TAIL)
    t = parse_pubmed_file(path, backend=backend)
    accounted(t, 3)
    assert t.articles["pmid"].tolist() == ["1", "3"] and t.quarantine["reason"].tolist() == ["undefined_entity"]
    assert not t.articles["title"].str.contains("root:|EXPANDED|aaaa", regex=True).any()


def _raw(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


MALFORMED = {
    # name: (bytes of the file, records written, kept PMIDs, reasons)
    "empty": (b"", 0, [], ["xml_syntax_error"]),
    "binary_garbage": (bytes(range(256)) * 40, 0, [], ["xml_syntax_error"]),
    "wrong_root": (b'<?xml version="1.0"?>\n<html><body><p>hello</p></body></html>\n', 0, [], ["no_records"]),
    "utf8_bom": (b"\xef\xbb\xbf" + (HEAD + article("1") + TAIL).encode(), 1, ["1"], []),
    "utf16_bom": (codecs.BOM_UTF16_LE + (HEAD.replace("?>", ' encoding="UTF-16"?>', 1) + article("1") + TAIL).encode("utf-16-le"),
                  1, ["1"], []),
    "utf16_bad_surrogate": (codecs.BOM_UTF16_LE + (HEAD + article("1")).encode("utf-16-le") + b"\x00\xd8\x41\x00" + TAIL.encode("utf-16-le"),
                            1, ["1"], ["encoding_error"]),
    "latin1_bytes_in_utf8": ((HEAD + article("1") + article("2", title="Caf@")).encode().replace(b"@", b"\xe9") + (article("3") + TAIL).encode(),
                             3, ["1", "3"], ["xml_syntax_error"]),
    "syntax_error_mid_file": ((HEAD + article("1") + article("2").replace("</ArticleTitle>", "</Oops>") + article("3") + TAIL).encode(),
                              3, ["1", "3"], ["xml_syntax_error"]),
    "garbage_between_records": ((HEAD + article("1") + "<<<>>>\n" + article("2") + TAIL).encode(), 2, ["1", "2"], ["xml_syntax_error"]),
    "cut_mid_record": ((HEAD + article("1") + article("2")[:300]).encode(), 2, ["1"], ["xml_syntax_error"]),
    "no_closing_root": ((HEAD + article("1") + article("2")).encode(), 2, ["1", "2"], ["xml_syntax_error"]),
    "nul_bytes": ((HEAD + article("1")).encode() + b"\x00\x00\x00\n" + (article("2") + TAIL).encode(), 2, ["1", "2"], ["xml_syntax_error"]),
    # an error on the line where the next record starts is taken as inside it: that record is skipped, and counted
    "nul_bytes_on_a_record_line": ((HEAD + article("1")).encode() + b"\x00" + (article("2") + article("3") + TAIL).encode(),
                                   3, ["1", "3"], ["xml_syntax_error"]),
    "bad_char_reference": ((HEAD + article("1") + article("2", title="x &#0; y") + article("3") + TAIL).encode(),
                           3, ["1", "3"], ["xml_syntax_error"]),
    "pmid_not_ascii_digits": ((HEAD + article("\u0661\u0662") + article("2") + TAIL).encode(), 2, ["2"], ["bad_pmid"]),
    "self_closing_deletion": ((HEAD + article("1") + "<DeleteCitation/>\n" + TAIL).encode(), 1, ["1"], []),
}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_files(tmp_path, backend, case):
    data, written, kept, reasons = MALFORMED[case]
    for path in (_raw(tmp_path, case + ".xml", data), _raw(tmp_path, case + ".xml.gz", gzip.compress(data))):
        t = parse_pubmed_file(path, backend=backend)
        accounted(t, written)
        assert t.articles["pmid"].tolist() == kept, path.name
        assert t.quarantine["reason"].tolist() == reasons, (path.name, t.quarantine.to_dict("list"))


@pytest.mark.parametrize("backend", BACKENDS)
def test_truncated_and_corrupt_gzip_keep_what_came_before(tmp_path, backend):
    blob = gzip.compress((HEAD + "".join(article(str(i), title="t" * 3000) for i in range(1, 30)) + TAIL).encode(), 1)
    t = parse_pubmed_file(_raw(tmp_path, "cut.xml.gz", blob[: len(blob) // 2]), backend=backend)
    assert 0 < len(t.articles) < 29 and t.quarantine["reason"].tolist()[-1] == "truncated_gzip"
    accounted(t, t.n_records)
    bad = bytearray(blob)
    bad[len(bad) // 2 : len(bad) // 2 + 64] = b"\xff" * 64
    t = parse_pubmed_file(_raw(tmp_path, "bad.xml.gz", bytes(bad)), backend=backend)
    assert len(t.articles) < 29 and t.quarantine["reason"].tolist()[-1] in {"corrupt_gzip", "truncated_gzip", "xml_syntax_error"}


@pytest.mark.parametrize("backend", BACKENDS)
def test_oversize_run_outside_records_skips_to_the_next_record(tmp_path, backend, monkeypatch):
    monkeypatch.setattr(pm, "MAX_RECORD_BYTES", 1 << 16)
    text = article("1") + "<Junk>" + "j" * (1 << 17) + "</Junk>\n" + article("2")
    t = parse_pubmed_file(write(tmp_path, text), backend=backend)
    accounted(t, 2)
    assert t.articles["pmid"].tolist() == ["1", "2"]
    assert t.quarantine["reason"].tolist()[0] == "field_too_large"


# ---- the intact reader and the framer (issue 13) -----------------------------------------------


def _gzip_members(*parts: bytes) -> bytes:
    return b"".join(gzip.compress(p, mtime=0) for p in parts)


def _many(n: int, broken_at: int | None = None, *, title: str = "t") -> str:
    """``n`` records, the one at ``broken_at`` (1-based) with a mismatched end tag."""
    records = [article(str(i), title=title) for i in range(1, n + 1)]
    if broken_at is not None:
        records[broken_at - 1] = records[broken_at - 1].replace("</ArticleTitle>", "</Oops>")
    return HEAD + "".join(records) + TAIL


def _broken_inputs(tmp_path) -> dict[str, object]:
    """Every kind of input the framer acts on (and intact ones), as files; the cases that need the
    record cap lowered are listed in ``SMALL_CAP``."""
    cases: dict[str, bytes] = {}
    for name, (data, *_) in MALFORMED.items():
        cases[name + ".xml"] = data
        cases[name + ".xml.gz"] = gzip.compress(data, mtime=0)
    cases["entity.xml.gz"] = gzip.compress((HEAD + article("1") + article("2", title="A &foo; t") + article("3") + TAIL).encode(), mtime=0)
    late = _many(400).encode()
    at = late.rfind(b"<ArticleTitle>t</ArticleTitle>")
    cases["entity_in_the_last_record.xml.gz"] = gzip.compress(late[:at] + b"<ArticleTitle>&bar;</ArticleTitle>" + late[at + 30 :], mtime=0)
    cases["declared_entity.xml"] = ('<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [<!ENTITY foo "X">]>\n<PubmedArticleSet>\n'
                                    + article("1") + article("2", title="T &foo; T") + TAIL).encode()
    cases["oversize_field.xml.gz"] = gzip.compress((HEAD + article("1") + article("2", title="x" * (pm.MAX_FIELD_CHARS + 1)) + TAIL).encode(), mtime=0)
    cases["syntax_error_after_400_records.xml.gz"] = gzip.compress(_many(600, 450).encode(), mtime=0)
    cases["comment_with_a_record_tag.xml"] = (HEAD + article("1") + "<!-- <PubmedArticle> -->\n" + article("2") + TAIL).encode()
    cases["cdata.xml"] = (HEAD + article("1", title="<![CDATA[a <b> c]]>") + TAIL).encode()
    cases["utf16.xml"] = MALFORMED["utf16_bom"][0]
    blob = gzip.compress(_many(200, title="t" * 500).encode(), compresslevel=1, mtime=0)
    cases["truncated.xml.gz"] = blob[: len(blob) * 3 // 4]
    bad = bytearray(blob)
    bad[len(bad) * 3 // 4 : len(bad) * 3 // 4 + 64] = b"\xff" * 64
    cases["corrupt.xml.gz"] = bytes(bad)
    whole = _many(300).encode()
    cut = whole.index(b"<PubmedArticle>", len(whole) // 2)
    cases["multi_member.xml.gz"] = _gzip_members(whole[:cut], whole[cut:])
    cases["second_member_truncated.xml.gz"] = _gzip_members(whole[:cut], whole[cut:])[:-20]
    cases["zero_padding_after_the_members.xml.gz"] = _gzip_members(whole[:cut], whole[cut:]) + b"\x00" * 512
    cases["garbage_after_the_members.xml.gz"] = _gzip_members(whole) + b"not gzip"
    cases["small_cap_run_outside_records.xml.gz"] = gzip.compress(
        (HEAD + article("1") + "<Junk>" + "j" * (1 << 17) + "</Junk>\n" + article("2") + TAIL).encode(), mtime=0)
    cases["small_cap_oversize_record.xml.gz"] = gzip.compress(
        (HEAD + article("1") + article("2", title="y" * (1 << 17)) + article("3") + TAIL).encode(), mtime=0)
    # what the intact reader's batches cannot carry, or must carry exactly (many records: several batches)
    body = "".join(article(str(i)) for i in range(1, 120))
    cases["root_is_a_record.xml"] = ('<?xml version="1.0"?>\n' + article("7")).encode()
    cases["namespaced_root.xml"] = (HEAD.replace("<PubmedArticleSet>", '<PubmedArticleSet xmlns="urn:x">') + body + TAIL).encode()
    cases["root_tag_over_two_lines.xml"] = (HEAD.replace("<PubmedArticleSet>", '<PubmedArticleSet\n  a="1">') + body + TAIL).encode()
    cases["latin1_declared.xml"] = (HEAD.replace('version="1.0"', 'version="1.0" encoding="ISO-8859-1"') + body
                                    + article("500", title="Caf\u00e9") + TAIL).encode("latin-1")
    cases["internal_subset_default_version.xml"] = (
        '<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [<!ATTLIST PMID Version CDATA "7">]>\n<PubmedArticleSet>\n'
        + body.replace('<PMID Version="1">', "<PMID>") + TAIL).encode()
    cases["wrapper_of_records.xml"] = (HEAD + "<Wrap>\n" + body + "</Wrap>\n" + TAIL).encode()
    cases["unknown_elements_around_records.xml"] = (HEAD + "<Note>a</Note>\n" + body + "<Note>b</Note>\n" + article("900")
                                                    + "<?pi x?>\n<Note>c</Note>\n" + TAIL).encode()
    cases["unknown_elements_only.xml"] = (HEAD + "<Note>a</Note>\n<Other/>\n" + TAIL).encode()
    cases["garbage_after_the_root.xml"] = (HEAD + body + TAIL + "<PubmedArticle>\n").encode()
    cases["cut_after_a_record_end.xml.gz"] = gzip.compress((HEAD + body).encode(), mtime=0)
    cases["medline_citation_set.xml"] = (
        '<?xml version="1.0"?>\n<MedlineCitationSet>\n'
        + "".join(article(str(i)).split("<PubmedArticle>\n", 1)[1].split("    <PubmedData>")[0]
                  .replace("</PubmedArticle>", "") + "\n" for i in range(1, 120))
        + "<DeleteCitation><PMID>3</PMID></DeleteCitation>\n</MedlineCitationSet>\n").encode()
    late = (HEAD + body + versioned("5", 2, "Late", 2, 3) + body + TAIL).encode()
    cases["versions_across_batches.xml.gz"] = gzip.compress(late, mtime=0)
    cases["crlf_and_lone_cr_line_ends.xml"] = late.replace(b"\n", b"\r\n").replace(b"<Language>", b"\r<Language>")
    paths = {}
    for name, data in cases.items():
        paths[name] = tmp_path / name
        paths[name].write_bytes(data)
    return paths


def _same_tables(a: pm.PubmedTables, b: pm.PubmedTables) -> None:
    for name in ("articles", "authors", "references", "quarantine"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=name)
    assert (a.deleted_pmids, a.article_versions, a.n_records, a.n_quarantined_records, a.n_superseded, a.n_deleted, a.n_out_of_years) \
        == (b.deleted_pmids, b.article_versions, b.n_records, b.n_quarantined_records, b.n_superseded, b.n_deleted, b.n_out_of_years)


@pytest.mark.skipif(pm._lxml_etree is None, reason="lxml not installed")
def test_intact_reader_with_its_fallback_gives_what_the_framer_gives_on_every_broken_input(tmp_path, monkeypatch):
    """The reference is the framer alone (``reader="framer"``); ``auto`` reads intact files without
    it and falls back to it part way through a file that is not intact. Same tables, quarantine
    rows, counts and items, for every kind of damage the fault tests plant (also with ``years``)."""
    for name, path in _broken_inputs(tmp_path).items():
        with monkeypatch.context() as m:
            if name.startswith("small_cap"):
                m.setattr(pm, "MAX_RECORD_BYTES", 1 << 16)
            framer = parse_pubmed_file(path, backend="lxml", reader="framer")
            _same_tables(parse_pubmed_file(path, backend="lxml", reader="auto"), framer)
            _same_tables(parse_pubmed_file(path, {2019}, backend="lxml", reader="auto"),
                         parse_pubmed_file(path, {2019}, backend="lxml", reader="framer"))
            assert list(pm.iter_pubmed_records(path, backend="lxml")) == list(pm.iter_pubmed_records(path, backend="lxml", reader="framer")), name


@pytest.mark.skipif(pm._lxml_etree is None, reason="lxml not installed")
def test_which_files_the_intact_reader_takes_and_where_it_gives_up(tmp_path, monkeypatch):
    """An intact file (multi-member gzip or plain) never reaches the framer; a broken one falls back,
    some after the intact reader has already given items, which the framer's reading passes over."""
    paths = _broken_inputs(tmp_path)
    given: dict[str, int] = {}
    real = pm._intact_items

    def counting(path, years, stats):
        given[path.name] = 0
        for item in real(path, years, stats):
            given[path.name] += 1
            yield item

    framed: list[str] = []
    real_framed = pm._framed_items

    def spy(path, *args):
        framed.append(Path(path).name)
        return real_framed(path, *args)

    monkeypatch.setattr(pm, "_intact_items", counting)
    monkeypatch.setattr(pm, "_framed_items", spy)
    for name in ("multi_member.xml.gz", "utf8_bom.xml", "self_closing_deletion.xml.gz", "wrong_root.xml",
                 "versions_across_batches.xml.gz", "unknown_elements_around_records.xml", "medline_citation_set.xml",
                 "crlf_and_lone_cr_line_ends.xml"):
        parse_pubmed_file(paths[name], backend="lxml")
    assert framed == []
    for name in ("syntax_error_after_400_records.xml.gz", "truncated.xml.gz", "second_member_truncated.xml.gz",
                 "zero_padding_after_the_members.xml.gz", "entity.xml.gz", "utf16.xml", "comment_with_a_record_tag.xml"):
        parse_pubmed_file(paths[name], backend="lxml")
        assert framed[-1] == name
    assert given["syntax_error_after_400_records.xml.gz"] >= 300, given
    assert given["second_member_truncated.xml.gz"] >= 100, given
    assert given["entity.xml.gz"] == 0 and given["utf16.xml"] == 0
