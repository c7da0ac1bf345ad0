"""The life-science signal planted in the demo sample world, recovered through the real path:
PubMed XML -> parse cache by year -> keyword, clinical and country rules -> corpus -> NB2 models.

The tiny world (the Dagster end-to-end test) has too few articles for outlet effects; this test
generates only the life-science part of the demo world (~12,000 AI articles, ~10 s) and reads it
with the same functions the assets call."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from aigeo_assets.lifesci import analyses as A
from aigeo_assets.lifesci.keywords import CLINICAL_FILTERS, ClinicalFilter
from aigeo_assets.lifesci.pubmed_files import file_manifest, pubmed_year_tables
from aigeo_assets_tests.support.lifesci_truth import COMPLETE_BYLINES_FROM, assert_planted_irrs_recovered, irrs_by_region, planted_articles
from aigeo_assets_tests.support.pubmed_full_scan import full_scan_year


def test_every_planted_article_is_found_and_malformed_records_are_quarantined(atlas):
    truth, articles, quarantine = atlas
    assert len(articles) == truth["counts"]["ai_articles"]
    assert len(quarantine) == truth["counts"]["malformed_records"]
    assert articles["lead_country_code"].notna().mean() > 0.99


def test_asia_leads_in_count_and_northern_america_and_europe_in_high_ranked_share(atlas):
    truth, articles, _ = atlas
    counts = articles["lead_world_region"].value_counts()
    assert counts.index[0] == "Asia"
    china = (articles["lead_country_code"] == "CN").sum() / counts["Asia"]
    assert china > 0.5
    high = articles.groupby("lead_world_region")["high_ranked"].mean()
    assert high["Northern America"] > high["Asia"] and high["Europe"] > high["Asia"]
    for region, expected in truth["high_ranked_share_by_region"]["expected"].items():
        n = counts[region]
        se = np.sqrt(expected * (1 - expected) / n)
        assert abs(high[region] - expected) < 4 * se + 0.01, (region, high[region], expected)


def test_every_article_carries_its_planted_region_country_year_and_citations(atlas):
    """The PubMed path's article table (countries read from affiliation strings, citations counted
    from other records' reference lists) equals what the world planted for PubMed alone, article by
    article: before 2014 most records name only the first author's affiliation, so the lead and the
    international flag are those the strings allow (``pubmed_lead_country``, ``pubmed_international``),
    and the citations are the ReferenceList part (``pubmed_citations``), without the OpenAlex-only
    citers. The whole pipeline, with OpenAlex, is checked in ``test_lifesci_recovery.py``."""
    truth, articles, _ = atlas
    planted = planted_articles(truth).set_index("pmid")
    planted["pubmed_lead_region"] = planted["pubmed_lead_country"].map(truth["definitions"]["country_region"])
    got = articles.set_index("pmid").loc[planted.index]
    pairs = {"lead_world_region": "pubmed_lead_region", "lead_country_code": "pubmed_lead_country", "publication_year": "year",
             "is_international": "pubmed_international", "high_ranked": "high_ranked", "citations": "pubmed_citations",
             "clinical_citations": "pubmed_clinical_citations"}
    for ours, theirs in pairs.items():
        differ = got[ours].astype(str).to_numpy() != planted[theirs].astype(str).to_numpy()
        assert not differ.any(), (ours, int(differ.sum()))


def test_planted_regional_irrs_are_recovered(atlas):
    """Without outlet effects the regions' IRRs (base Asia) are the planted unadjusted ones; with
    outlet effects they are the planted within-outlet ones (Africa and Latin America below 1).

    Two sources of error are told apart. The world's composition (which outlets and years a region's
    articles fell in): the same model fitted to the planted expected citations (the NB2 means, no
    count noise) is within 10 % of the planted IRRs (20 % for a region of fewer than 1,000
    articles). The count noise: the fit to the drawn citations is within four standard errors of
    that. Not the 95 % interval: NB2 draws are heavy-tailed and
    a small region's robust interval is driven by a few articles (on the default seed one Oceania
    article has 265 citations against an expected 36, and Oceania's IRR is 2.2 and 3.4 standard
    errors above its mean in the two models)."""
    truth, articles, _ = atlas
    articles = articles[articles["publication_year"] >= COMPLETE_BYLINES_FROM]
    expected = truth["expected_irr_vs_asia"]
    means = articles.merge(planted_articles(truth)[["pmid", "expected_citations"]], on="pmid", validate="1:1")
    means["citations"] = means["expected_citations"]
    for outlet_effects, key in ((False, "unadjusted"), (True, "within_outlet")):
        assert_planted_irrs_recovered(articles, means, outlet_effects, expected[key], key)
    # the planted within-outlet deficits (0.74, 0.78) show in the fit to the planted means; the drawn
    # citations of the ~100-150 articles each region has from 2014 on are checked above (4 SE)
    adjusted = irrs_by_region(A.relevance_models(means, "citations", True))
    assert adjusted.loc["Africa", "irr"] < 0.9 and adjusted.loc["Latin America and the Caribbean", "irr"] < 0.9
    unadjusted = irrs_by_region(A.relevance_models(articles, "citations", False))
    assert unadjusted.loc["Northern America", "lower"] > 1.2 and unadjusted.loc["Europe", "lower"] > 1.2


def test_the_international_premium_is_recovered(atlas):
    truth, articles, _ = atlas
    articles = articles[articles["publication_year"] >= COMPLETE_BYLINES_FROM]
    fit = A.collaboration_model(articles, "citations")
    irr = fit.irr().loc["international"]
    assert irr["lower"] <= truth["planted"]["international_irr"] <= irr["upper"], irr.to_dict()
    share = articles["is_international"].mean()
    assert 0.12 < share < 0.20


def _year_tables_full_scan(files, cache, year: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame] | None:
    """The former reading of a year (``support.pubmed_full_scan``): the oracle of the year-sorted copy."""
    from aigeo_assets.lifesci.pubmed_files import parse_cached

    return full_scan_year([parse_cached(p, cache)[0] for p in files], year)


def test_year_tables_from_the_year_row_groups_equal_a_full_scan(demo_pubmed):
    """Reading a year through the parse folders' row groups of that year gives the same rows, in the
    same order, as reading every file's tables whole (the first, a middle and the last year of the
    demo world's corpus: the full scan is the slow path)."""
    _, files, cache, _, by_year = demo_pubmed
    for year in (2000, 2010, 2019):
        tables = by_year[year]
        articles, authors, references = _year_tables_full_scan(files, cache, year)
        pd.testing.assert_frame_equal(tables.articles, articles)
        pd.testing.assert_frame_equal(tables.authors, authors)
        pd.testing.assert_frame_equal(tables.references, references)
    assert min(len(by_year[y].authors) for y in (2000, 2010, 2019)) > 100


def test_a_parse_folder_holds_the_parse_sorted_by_year_one_row_group_a_year(demo_pubmed, tmp_path):
    """Each parse folder's tables are the reader's tables (``parse_pubmed_file``), stably sorted by
    their article's year (pandas' sort, nulls last), one row group per year, with the versions in
    the same order: on every real PubMed sample, the demo world's first and last two files
    (baseline and updates) and a made file of versions 1 to 3 (the order of ``versions.parquet``)."""
    import pyarrow.parquet as pq

    from aigeo_assets.ingest.records_folder import shared_samples_dir
    from aigeo_assets.lifesci import pubmed_files as P
    from aigeo_assets.lifesci.pubmed import parse_pubmed_file

    _, files, cache, _, _ = demo_pubmed
    root = shared_samples_dir() / "pubmed"
    real = P.discover_pubmed_files(root) if root.is_dir() else []
    made = tmp_path / "versions.xml"  # years out of order, versions 1-3, a superseded version
    made.write_text('<?xml version="1.0"?>\n<PubmedArticleSet>\n' + "".join(
        f'<PubmedArticle><MedlineCitation><PMID Version="{v}">{pmid}</PMID><Article><Journal><JournalIssue><PubDate><Year>{y}</Year>'
        f'</PubDate></JournalIssue></Journal><ArticleTitle>t{pmid}</ArticleTitle></Article></MedlineCitation></PubmedArticle>\n'
        for pmid, y, v in [(5, 2012, 2), (6, 2010, 3), (7, 2012, 1), (8, 2011, 2), (5, 2012, 1), (9, 2010, 1)]) + "</PubmedArticleSet>\n")
    checked = 0
    for path in [*real, *files[:2], *files[-2:], made]:
        folder, _ = P.parse_cached(path, cache if path in files else tmp_path / "cache")
        parsed = parse_pubmed_file(path)
        year = dict(zip(parsed.articles["pmid"], parsed.articles["publication_year"]))
        for name in P.PUBMED_TABLES:
            want = getattr(parsed, name)
            want = (want.assign(version=parsed.article_versions) if name == "articles"
                    else want.assign(publication_year=want["pmid"].map(year).astype("Int64")))
            want = want.sort_values("publication_year", kind="stable", na_position="last", ignore_index=True)
            got = pd.read_parquet(folder / f"{name}.parquet")
            if name == "articles":
                assert pd.read_parquet(folder / "versions.parquet")["version"].tolist() == want.pop("version").tolist()
            pd.testing.assert_frame_equal(got, want, check_dtype=False)
            meta = pq.read_metadata(folder / f"{name}.parquet")
            col = meta.schema.to_arrow_schema().get_field_index("publication_year")
            stats = [meta.row_group(i).column(col).statistics for i in range(meta.num_row_groups) if meta.row_group(i).num_rows]
            years = [st.min for st in stats if st.has_min_max]
            assert all(st.min == st.max and st.null_count == 0 for st in stats if st.has_min_max)  # one year a row group
            assert sorted(years) == sorted(set(got["publication_year"].dropna().astype(int)))  # and one row group a year
            checked += len(got)
    assert checked > 1000


def _busiest_first_and_last_years(winners: pd.DataFrame) -> list[int]:
    """The real samples' four busiest publication years, their first and their last."""
    counts = winners["publication_year"].value_counts()
    return sorted(int(y) for y in {*counts.index[:4], counts.index.min(), counts.index.max()})


def test_year_tables_equal_a_full_scan_on_the_real_samples(tmp_path):
    """The same on the real PubMed records of ../shared/samples (their four busiest years, the first
    and the last): baseline files of 2016 and 2025, E-utilities downloads, files without records."""
    from aigeo_assets.ingest.records_folder import shared_samples_dir
    from aigeo_assets.lifesci.pubmed_files import discover_pubmed_files

    root = shared_samples_dir() / "pubmed"
    if not root.is_dir():
        pytest.skip("../shared/samples not present: real-record test skipped")
    files = discover_pubmed_files(root)
    cache = tmp_path / "cache"
    manifest, _ = file_manifest(files, cache)
    from aigeo_assets.lifesci.pubmed_files import flag_winners, parse_cached

    years = _busiest_first_and_last_years(flag_winners([parse_cached(p, cache)[0] for p in files]))
    seen = 0
    for year in years:
        tables = pubmed_year_tables(files, cache, year)
        oracle = _year_tables_full_scan(files, cache, int(year))
        if oracle is None:
            assert tables.articles.empty and tables.authors.empty and tables.references.empty
            continue
        articles, authors, references = oracle
        pd.testing.assert_frame_equal(tables.articles, articles)
        pd.testing.assert_frame_equal(tables.authors, authors)
        pd.testing.assert_frame_equal(tables.references, references)
        seen += len(tables.articles)
    assert seen > 300


def test_the_default_treatment_filter_on_the_planted_world(demo_pubmed):
    """Schmallenbach et al. 2024's filter (Haynes et al. 2005's treatment query on title and abstract) on the demo
    world's AI articles: without "random forest" it finds only planted clinical articles (the
    randomized and clinical trials; the planted diagnostic-accuracy studies carry no treatment
    term), and to the letter it adds exactly the articles that name a random forest. Shares
    (benchmarks/results/clinical_share.json): treatment 14.8 %, without random forest 6.4 %,
    broad 27.7 %, planted 20.6 %."""
    root, _, _, _, by_year = demo_pubmed
    truth = planted_articles(json.loads((root / "truth_lifesci.json").read_text())).set_index("pmid")
    every = pd.concat([v.articles for v in by_year.values()], ignore_index=True).drop_duplicates("pmid")
    ai = every.set_index(every["pmid"].astype(str)).loc[truth.index.astype(str)]
    flags = {name: pd.Series(ClinicalFilter.from_csv(path).is_clinical(ai["title"], ai["abstract"], ai["publication_types"], ai["mesh_terms"]),
                             index=ai.index) for name, path in CLINICAL_FILTERS.items()}
    planted = pd.Series(truth["clinical_planted"].to_numpy(bool), index=ai.index)
    forest = ai["title"].fillna("").str.cat(ai["abstract"].fillna(""), sep=" ").str.contains(r"random[ -]forest", case=False)
    strict = flags["treatment_no_random_forest"]
    assert not (strict & ~planted).any()                       # nothing unplanted is clinical
    assert 0.2 < strict[planted].mean() < 0.5                  # the planted trials, not the diagnostic studies
    assert (flags["treatment"] == (strict | forest)).all()     # the letter adds the random forests
    assert (truth["ai_keyword"].to_numpy() == "random forest")[~forest.to_numpy()].sum() == 0
    assert flags["treatment"].mean() < flags["broad"].mean()


def test_year_tables_without_row_group_statistics_are_read_by_the_row_filter(tmp_path):
    """A parse folder whose row groups carry no statistics (another writer) cannot say which
    row group holds a year: the year is then read with the row filter, and the tables are those of
    the full scan (real records of ../shared/samples: the busiest years, the first and the last)."""
    import pyarrow.parquet as pq

    from aigeo_assets.ingest.records_folder import shared_samples_dir
    from aigeo_assets.lifesci import pubmed_files as P

    root = shared_samples_dir() / "pubmed"
    if not root.is_dir():
        pytest.skip("../shared/samples not present: real-record test skipped")
    files = P.discover_pubmed_files(root)
    cache = tmp_path / "cache"
    P.file_manifest(files, cache)
    folders = [P.parse_cached(p, cache)[0] for p in files]
    for folder in folders:
        for name in P.PUBMED_TABLES:
            path = folder / f"{name}.parquet"
            f = pq.ParquetFile(path)
            with pq.ParquetWriter(path.with_suffix(".tmp"), f.schema_arrow, write_statistics=False) as w:
                for i in range(f.num_row_groups):
                    w.write_table(f.read_row_group(i))
            path.with_suffix(".tmp").replace(path)
    years = _busiest_first_and_last_years(P.flag_winners(folders))
    assert all(P._year_groups(f, n) is None for f in folders for n in P.PUBMED_TABLES
               if pq.read_metadata(f / f"{n}.parquet").num_rows)
    seen = 0
    for year in years:
        tables = P.pubmed_year_tables(files, cache, year)
        oracle = _year_tables_full_scan(files, cache, year)
        if oracle is None:
            assert tables.articles.empty and tables.authors.empty and tables.references.empty
            continue
        for got, want in zip((tables.articles, tables.authors, tables.references), oracle):
            pd.testing.assert_frame_equal(got, want)
        seen += len(tables.articles)
    assert seen > 300
