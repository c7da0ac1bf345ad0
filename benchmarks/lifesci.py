"""Life-science atlas speed: PubMed XML parsed per second, and AI keywords classified per second
beside a naive loop (one regular expression per keyword per article), on the demo world.

Input: the demo sample world's PubMed baseline files (``data/sources/sample-demo-*/pubmed``,
generated on first use). Runs, in one process:
  * parse    - ``parse_pubmed_file`` over every file (lxml backend when installed, and the standard
               library's), records per second;
  * year tables - ``pubmed_year_tables`` for every year 2000-2019 (each parse folder's row group of
               the year: the parse writes its tables sorted by year), beside
               the former full scan (every file's whole authors and references tables read and
               filtered per year, in pandas); the tables must be equal;
  * classify - ``KeywordMatcher.matches`` (one compiled pass per text) on the titles and abstracts
               of every record, beside ``naive_matches`` (one ``re.search`` per keyword per text) on
               the first ``--naive-sample`` of them (10,000: the naive loop is slow); the two must
               agree on every text both ran before a time is kept. Goal: at least 20x faster. Beside
               them ``re`` on every text (the matcher without its RE2 pass, as it ran before).
               ``--classify-only`` runs only this and updates that part of the file.
  * corpus years - what ``core_lifesci_articles`` computes for each year 2000-2019, on the demo
               warehouse (``--warehouse``, after ``make demo``): CPU seconds by step (the two filters
               built once, the candidates, the links to OpenAlex, the authors' countries, the
               articles), the articles built from the raw PubMed authors (placed only where read)
               beside the former way (every author placed first), tables equal.
               ``--corpus-only`` runs only this and updates that part of the file.
Writes benchmarks/results/lifesci.json.

The PubMed parse alone is timed by ``benchmarks/pubmed_parse.py``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from results_file import timed, write_results  # noqa: E402

from aigeo_assets.lifesci.keywords import AI_KEYWORDS_PATH, KeywordMatcher, naive_matches  # noqa: E402
from aigeo_assets.lifesci.pubmed import parse_pubmed_file  # noqa: E402
from aigeo_assets.lifesci.pubmed_files import parse_cached, pubmed_year_tables  # noqa: E402
from aigeo_assets_tests.support.pubmed_full_scan import full_scan_year  # noqa: E402 (the former reading, also the tests' oracle)


def year_tables(files, cache: Path, results: dict) -> None:
    import shutil

    shutil.rmtree(cache, ignore_errors=True)
    folders = [parse_cached(f, cache)[0] for f in files]
    years = range(2000, 2020)
    ours, ours_s = timed(lambda: {y: pubmed_year_tables(files, cache, y) for y in years}, 1)
    peer, peer_s = timed(lambda: {y: full_scan_year(folders, y) for y in years}, 1)
    for y in years:
        for got, want in zip((ours[y].articles, ours[y].authors, ours[y].references), peer[y]):
            pd.testing.assert_frame_equal(got, want)
    rows = sum(len(t.authors) + len(t.references) for t in ours.values())
    results["year_tables"] = {"years": len(years), "author_and_reference_rows": rows,
                              "ours_seconds": round(ours_s, 3), "full_scan_seconds": round(peer_s, 3),
                              "speedup": round(peer_s / ours_s, 1), "identical": True}
    print(f"  year tables ours {ours_s:6.2f} s for {len(years)} years (each file's row group of the year); "
          f"former full scan {peer_s:6.2f} s; identical; {peer_s / ours_s:.1f}x", flush=True)
from aigeo_assets.sampleworld import generate_world  # noqa: E402


def corpus_years(warehouse: Path, results: dict) -> None:
    """The ``corpus years`` part of the module docstring."""
    import time

    from aigeo_assets.corpus.lookup import is_in
    from aigeo_assets.geo.affiliation_text import affiliation_countries, parse_affiliations
    from aigeo_assets.lifesci import corpus as C
    from aigeo_assets.lifesci.keywords import CLINICAL_QUERIES_PATH, load_filters
    from aigeo_assets.resources.io import current_table_paths

    def read(asset: str, year: int | None = None) -> pd.DataFrame:
        return pd.read_parquet(current_table_paths(warehouse, [asset], None if year is None else str(year))[asset])

    cpu = time.process_time
    steps = dict.fromkeys(("filters_once", "candidates", "links", "author_countries", "articles"), 0.0)
    former = {"author_countries": 0.0, "articles": 0.0}
    t = cpu()
    matcher, clinical = load_filters(AI_KEYWORDS_PATH, CLINICAL_QUERIES_PATH)
    steps["filters_once"] = cpu() - t
    root = generate_world(REPO / "data" / "sources" / "sample-demo-20221121", scale="demo")
    ranking = C.OutletRanking.from_csv(root / "rankings" / "journal_ranking.csv", root / "rankings" / "conference_ranking.csv")
    n_articles = n_linked = n_authors = 0
    for year in range(2000, 2020):
        pm_art, pm_auth = read("raw_pubmed_articles", year), read("raw_pubmed_authors", year)
        works, concepts, venues, aff = (read(a, year) for a in ("raw_works", "raw_work_concepts", "raw_venues", "core_affiliations"))
        t = cpu()
        pubmed = C.pubmed_candidates(pm_art, matcher, clinical)
        openalex = C.openalex_conference_candidates(works, concepts, venues, matcher, clinical)
        steps["candidates"] += cpu() - t
        t = cpu()
        links, _ = C.link_to_openalex(pubmed, C.openalex_link_candidates(works, pubmed["pmid"], pubmed["doi"]))
        steps["links"] += cpu() - t
        linked = pd.concat([links["work_id"], openalex["work_id"] if len(openalex) else pd.Series([], dtype="string")])
        topics = C.openalex_topics(concepts[is_in(concepts["work_id"], linked)])
        raw_authors = pm_auth[is_in(pm_auth["pmid"], pubmed["pmid"])]
        parse_affiliations.cache_clear()  # each way places its strings from scratch
        # the former way: every PubMed author of the year's records placed before the articles are built
        t = cpu()
        pm_authors = C.pubmed_author_countries(raw_authors, affiliation_countries)
        oa_authors = C.openalex_author_countries(aff[is_in(aff["work_id"], linked)])
        former["author_countries"] += cpu() - t
        t = cpu()
        want, want_authors, _ = C.build_lifesci_articles(pubmed, openalex, pm_authors, oa_authors, ranking, links=links, topics=topics)
        former["articles"] += cpu() - t
        parse_affiliations.cache_clear()
        # ours: the raw authors handed over, placed only where the articles read them
        t = cpu()
        oa_authors = C.openalex_author_countries(aff[is_in(aff["work_id"], linked)])
        steps["author_countries"] += cpu() - t
        t = cpu()
        articles, authors, _ = C.build_lifesci_articles(pubmed, openalex, raw_authors, oa_authors, ranking, links=links, topics=topics,
                                                        resolve=affiliation_countries)
        steps["articles"] += cpu() - t
        pd.testing.assert_frame_equal(articles, want)
        pd.testing.assert_frame_equal(authors, want_authors)
        n_articles += len(articles)
        n_linked += len(links)
        n_authors += len(raw_authors)
    ours = steps["author_countries"] + steps["articles"]
    was = former["author_countries"] + former["articles"]
    results["corpus_years"] = {
        "years": 20, "articles": n_articles, "linked_to_openalex_same_year": n_linked, "pubmed_author_rows": n_authors,
        "cpu_seconds_by_step": {k: round(v, 3) for k, v in steps.items()},
        "former_every_author_placed_cpu_seconds": {k: round(v, 3) for k, v in former.items()},
        "authors_and_articles_speedup": round(was / ours, 2), "identical": True,
        "note": "the works of the year only (the asset also reads the years around it); citations are counted per article "
                "in core_lifesci_citations since issue 14, so the former citation-lookup comparison is gone. author_countries: "
                "the OpenAlex side; the PubMed strings are placed inside articles, only where read (build_lifesci_articles(resolve=...)); "
                "the former way placed every author's strings first. The affiliation parse cache is cleared before each way",
    }
    print(f"  corpus years: {n_articles:,} articles over 20 years ({n_linked:,} linked); CPU s by step "
          + ", ".join(f"{k} {v:.2f}" for k, v in steps.items())
          + f"; authors + articles {ours:.2f} s against {was:.2f} s placing every author first ({was / ours:.2f}x), tables identical",
          flush=True)


def classify(tables, repeat: int, naive_sample: int, results: dict) -> None:
    """The ``classify`` figures: ``KeywordMatcher.matches`` on every title and abstract of ``tables``,
    beside ``re`` on every text (the matcher without its RE2 pass, as it ran before) and the naive
    loop on the first ``naive_sample``; all must agree."""
    articles = pd.concat([t.articles for t in tables], ignore_index=True)
    texts = [x for pair in zip(articles["title"], articles["abstract"]) for x in pair]
    texts = [None if v is None or (not isinstance(v, str) and pd.isna(v)) else v for v in texts]

    kw = pd.read_csv(AI_KEYWORDS_PATH, dtype="string")
    sensitive = [k for k, c in zip(kw["keyword"], kw.get("case_sensitive", pd.Series(["false"] * len(kw)))) if str(c).lower() in ("true", "1", "yes")]
    matcher = KeywordMatcher.from_csv(AI_KEYWORDS_PATH)
    ours, ours_s = timed(lambda: matcher.matches(texts), repeat)
    every, every_s = timed(lambda: [t is not None and matcher._decide([t]) is not None for t in texts], repeat)
    if list(map(bool, ours)) != every:
        raise SystemExit("the matcher with and without its RE2 pass disagree")
    sample = texts if not naive_sample else texts[: naive_sample]
    rules = kw["rule"].fillna("") if "rule" in kw.columns else pd.Series([""] * len(kw))
    weak, context = list(kw["keyword"][rules == "weak"]), list(kw["keyword"][rules == "context"])
    naive, naive_s = timed(lambda: naive_matches(sample, list(kw["keyword"]), sensitive, weak=weak, context=context), 1)
    if not np.array_equal(np.asarray(ours[: len(sample)], dtype=bool), np.asarray(naive, dtype=bool)):
        raise SystemExit("the one-pass matcher and the naive loop disagree")
    per_ours = len(texts) / ours_s
    per_naive = len(sample) / naive_s
    ratio = per_ours / per_naive
    results["classify"] = {
        "texts": len(texts), "keywords": len(kw), "matched_share": round(float(np.mean(ours)), 4),
        "ours_texts_per_second": round(per_ours), "naive_texts_per_second": round(per_naive),
        "naive_texts": len(sample), "speedup": round(ratio, 1), "identical": True, "goal_20x_met": bool(ratio >= 20),
        "re_every_text_texts_per_second": round(len(texts) / every_s), "speedup_over_re_every_text": round(every_s / ours_s, 1),
    }
    print(f"  classify ours   {len(texts):>9,} texts in {ours_s:6.2f} s = {per_ours:>9,.0f} texts/s", flush=True)
    print(f"  classify re     {len(texts):>9,} texts in {every_s:6.2f} s = {len(texts) / every_s:>9,.0f} texts/s (every text, no RE2 pass)",
          flush=True)
    print(f"  classify naive  {len(sample):>9,} texts in {naive_s:6.2f} s = {per_naive:>9,.0f} texts/s", flush=True)
    print(f"  identical results; ours is {ratio:.0f}x the naive loop (goal >= 20x: {'met' if ratio >= 20 else 'NOT met'})")


def pubmed_files(scale: str) -> tuple[Path, list[Path]]:
    """The sample world at ``scale`` (generated on first use) and its PubMed files."""
    root = generate_world(REPO / "data" / "sources" / f"sample-{scale}-20221121", scale=scale)
    files = sorted((root / "pubmed").rglob("pubmed*.xml.gz"))
    if not files:
        raise SystemExit(f"no PubMed files under {root / 'pubmed'}")
    return root, files


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", default="demo")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--naive-sample", type=int, default=10_000, help="texts for the naive loop, the first N (0: all); both run on them")
    ap.add_argument("--warehouse", default=str(REPO / "data" / "warehouse"), help="the demo warehouse (corpus years)")
    ap.add_argument("--corpus-only", action="store_true", help="only the corpus years; the other figures in the results file stay")
    ap.add_argument("--classify-only", action="store_true", help="only the keyword classification; the other figures stay")
    args = ap.parse_args()
    if args.corpus_only or args.classify_only:
        import json

        from results_file import RESULTS

        previous = RESULTS / "lifesci.json"
        results = {k: v for k, v in json.loads(previous.read_text()).items() if k not in ("machine", "python", "measured_at")} if previous.exists() else {}
        if args.corpus_only:
            corpus_years(Path(args.warehouse), results)
        if args.classify_only:
            classify([parse_pubmed_file(f) for f in pubmed_files(args.scale)[1]], args.repeat, args.naive_sample, results)
        write_results("lifesci", results)
        return 0
    root, files = pubmed_files(args.scale)
    size = sum(f.stat().st_size for f in files)
    print(f"PubMed: {len(files)} files, {size / 1e6:.1f} MB compressed ({root.name})", flush=True)

    results: dict = {"scale": args.scale, "files": len(files), "compressed_bytes": size}
    for backend in ("lxml", "stdlib"):
        try:
            tables, seconds = timed(lambda b=backend: [parse_pubmed_file(f, backend=b) for f in files], args.repeat)
        except (ImportError, ValueError) as err:
            print(f"  parse ({backend}): skipped ({err})")
            continue
        n = sum(len(t.articles) for t in tables)
        results[f"parse_{backend}"] = {"records": n, "seconds": round(seconds, 3), "records_per_second": round(n / seconds)}
        print(f"  parse ({backend:6}) {n:>9,} records in {seconds:6.2f} s = {n / seconds:>9,.0f} records/s", flush=True)
    year_tables(files, REPO / "data" / "bench_pubmed_cache", results)
    classify(tables, args.repeat, args.naive_sample, results)
    corpus_years(Path(args.warehouse), results)
    write_results("lifesci", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
