"""The four tables of ``parse_pubmed_file`` against tables built the plain way from the same items.

``parse_pubmed_file`` makes its string columns with Arrow in one step (issue 13: pandas' per-value
conversion of object columns was a few microseconds a record). The oracle here is the plain way:
the items of ``iter_pubmed_records`` laid out row by row in Python lists and typed by ``conform``
from object columns, as pandas converts them. Frames and the Arrow schemas they write to the parse
cache must be the same, nulls, non-ASCII text and empty tables included.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from aigeo_assets.lifesci import pubmed as pm
from aigeo_assets.schemas import SCHEMAS, conform
from aigeo_assets_tests.support.pubmed_xml import BACKENDS, REFERENCES, article, write


def _plain_tables(path) -> dict[str, pd.DataFrame]:
    """The articles, authors and references of ``path`` from its items, one Python row at a time."""
    articles, authors, references = [], [], []
    for item in pm.iter_pubmed_records(path):
        if type(item) is not pm.PubmedRecord:
            continue
        articles.append({
            "pmid": item.pmid, "doi": item.doi, "publication_year": item.publication_year, "title": item.title,
            "abstract": item.abstract, "journal_title": item.journal_title, "journal_iso_abbrev": item.journal_iso_abbrev,
            "issn_print": item.issn_print, "issn_electronic": item.issn_electronic, "issn_linking": item.issn_linking,
            "publication_types": item.publication_types, "mesh_terms": item.mesh_terms, "n_authors": len(item.authors),
            "source_file": path.name,
        })
        for seq, author in enumerate(item.authors):
            for aff_seq, aff in enumerate(author.affiliations or (None,)):
                authors.append({"pmid": item.pmid, "author_seq": seq, "last_name": author.last_name,
                                "fore_name": author.fore_name, "collective_name": author.collective_name,
                                "affiliation_seq": aff_seq, "affiliation": aff})
        references += [{"pmid": item.pmid, "cited_pmid": c} for c in item.cited_pmids]
    frames = {"articles": (articles, "raw_pubmed_articles"), "authors": (authors, "raw_pubmed_authors"),
              "references": (references, "raw_pubmed_references")}
    return {name: conform(pd.DataFrame(rows, columns=SCHEMAS[table].names, dtype=object), table)
            for name, (rows, table) in frames.items()}


def _same(path) -> None:
    tables = pm.parse_pubmed_file(path)
    for name, plain in _plain_tables(path).items():
        ours = getattr(tables, name)
        pd.testing.assert_frame_equal(ours, plain, obj=name)
        assert pa.Table.from_pandas(ours).schema == pa.Table.from_pandas(plain).schema, name


@pytest.mark.parametrize("backend", BACKENDS)
def test_tables_equal_the_plain_tables_with_nulls_and_non_ascii(tmp_path, monkeypatch, backend):
    monkeypatch.setattr(pm, "DEFAULT_BACKEND", backend)
    path = write(
        tmp_path,
        article("1", title="Caf\u00e9 \u03b2-cells and <i>in vivo</i> \U0001d6fc", references=REFERENCES,
                article_ids='<ArticleId IdType="doi">10.1/ONE</ArticleId>'),
        article("2", abstract="", authors=(  # no abstract, no DOI; a group, a person without affiliation
            "<Author><CollectiveName>The \u00c5ngstr\u00f6m Group</CollectiveName></Author>"
            "<Author><LastName>Nakamura</LastName><ForeName>\u771f\u7531\u7f8e</ForeName></Author>"
        ), mesh='<MeshHeading><DescriptorName UI="D1">Humans</DescriptorName></MeshHeading>'),
        article("3", authors="", issn=""),  # no author at all, no ISSN
    )
    t = pm.parse_pubmed_file(path)
    assert list(t.articles["pmid"]) == ["1", "2", "3"] and t.articles["doi"].isna().tolist() == [False, True, True]
    assert t.authors["affiliation"].isna().tolist() == [False, True, True]
    _same(path)


def test_tables_of_a_file_without_articles_equal_the_plain_empty_tables(tmp_path):
    path = write(tmp_path, article(None), article("x1"))  # both quarantined: no article, author or reference row
    t = pm.parse_pubmed_file(path)
    assert t.articles.empty and t.authors.empty and t.references.empty and len(t.quarantine) == 2
    _same(path)


@pytest.mark.parametrize("seed", range(4))
def test_winners_and_deletions_across_files_equal_pubmeds_rules_record_by_record(tmp_path, seed):
    """``flag_winners`` on made parse folders (PMIDs repeated within and across files, versions 1-3,
    DeleteCitations in later and earlier files) against the rules applied record by record: a record
    is deleted when a DeleteCitation of its own or a later file names its PMID, and of the others each
    PMID's winner is the highest version, then the latest file, then the later row."""
    import numpy as np

    from aigeo_assets.lifesci.pubmed_files import flag_winners
    from aigeo_assets.schemas import write_parquet

    rng = np.random.default_rng(seed)
    folders, rows, deletions = [], [], []
    for i in range(5):
        folder = tmp_path / f"f{i}"
        folder.mkdir()
        n = int(rng.integers(0, 40))
        pmid = rng.integers(1, 30, n)
        year = rng.integers(2000, 2004, n)
        version = rng.integers(1, 4, n)
        gone = np.unique(rng.integers(1, 30, int(rng.integers(0, 4))))
        write_parquet(pd.DataFrame({"pmid": pd.Series(pmid.astype(str), dtype="string"), "publication_year": year.astype("int16")}),
                      folder / "articles.parquet")
        write_parquet(pd.DataFrame({"version": version.astype("int32")}), folder / "versions.parquet")
        write_parquet(pd.DataFrame({"pmid": pd.Series(gone.astype(str), dtype="string")}), folder / "deleted.parquet")
        folders.append(folder)
        rows += [(int(p), int(y), int(v), i) for p, y, v in zip(pmid, year, version)]
        deletions += [(int(p), i) for p in gone]
    deleted = [any(p == dp and f <= df for dp, df in deletions) for p, _, _, f in rows]
    best: dict[int, int] = {}
    for k, (p, _, v, f) in enumerate(rows):
        if not deleted[k] and (p not in best or (v, f) >= (rows[best[p]][2], rows[best[p]][3])):
            best[p] = k
    got = flag_winners(folders)
    assert list(zip(got["pmid"], got["publication_year"], got["version"], got["file"])) == rows
    assert got["deleted"].tolist() == deleted and got["deleted"].any()
    assert got["winner"].tolist() == [best.get(p) == k for k, (p, _, _, _) in enumerate(rows)]
    assert (~got["winner"] & ~got["deleted"]).any()  # superseded records, not only deleted ones
