"""Clinical share of each shipped clinical filter (issue 14) beside Schmallenbach et al. 2024's "about 20 %".

Schmallenbach et al. 2024 finds about 20 % of its AI life-science articles clinical (Fig. 4: 67,167 clinical
articles in the 30 leading countries, 94 % of the world's, of 397,967). Measured here, for every
filter of ``aigeo_assets.lifesci.keywords.CLINICAL_FILTERS`` (``treatment``, the default: Haynes
et al. 2005's treatment query on title and abstract; ``treatment_no_random_forest``; ``broad``,
PubMed Clinical Queries therapy and diagnosis, broad, on title, abstract, publication types and
MeSH):

* the demo sample world's AI articles (its life-science part, generated into a temporary folder
  unless ``--world`` names one; the world plants 20 % clinical articles with the broad filter's
  markers: randomized trials, clinical trials and diagnostic-accuracy studies);
* the real PubMed records of ``../shared/samples/pubmed`` (792 records, mostly not AI: their
  share is that of general life-science literature, and the few AI records among them are listed);
* the real OpenAlex works of ``../shared/samples/openalex/justin21523`` (195, mostly AI; title and
  abstract only, as for OpenAlex conference papers).

Writes ``benchmarks/results/clinical_share.json``. Usage: ``python benchmarks/clinical_share.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from results_file import repo_path, write_results  # noqa: E402

from aigeo_assets.ingest.records_folder import shared_samples_dir  # noqa: E402
from aigeo_assets.lifesci.keywords import AI_KEYWORDS_PATH, CLINICAL_FILTERS, ClinicalFilter, KeywordMatcher  # noqa: E402

SEED_SHARE = 0.20


def sample_pubmed_records(samples: Path) -> pd.DataFrame:
    """Every record of the shared PubMed samples, once per PMID (the first file in name order)."""
    from aigeo_assets.lifesci.pubmed import parse_pubmed_file

    frames = [parse_pubmed_file(f).articles for f in sorted((samples / "pubmed").rglob("*.xml*"))]
    return pd.concat(frames, ignore_index=True).drop_duplicates("pmid").reset_index(drop=True)


def sample_openalex_works(samples: Path) -> pd.DataFrame:
    """Title and abstract (rebuilt from the inverted index) of the real OpenAlex works sample."""
    works = json.loads((samples / "openalex" / "justin21523" / "works_sample.json").read_text())

    def abstract(index):
        if not index:
            return None
        at = {p: word for word, places in index.items() for p in places}
        return " ".join(at[p] for p in sorted(at))

    return pd.DataFrame({"title": [w.get("title") or w.get("display_name") for w in works],
                         "abstract": [abstract(w.get("abstract_inverted_index")) for w in works]})


def demo_ai_articles(world: Path | None) -> tuple[pd.DataFrame, float]:
    """The demo world's PubMed records 2000-2019 and its planted clinical share of AI articles."""
    from aigeo_assets.lifesci.pubmed_files import file_manifest, pubmed_year_tables
    from aigeo_assets.sampleworld.lifesci import generate_lifesci

    tmp = None
    if world is None:
        tmp = tempfile.TemporaryDirectory(prefix="aigeo-clinical-share-")
        world = Path(tmp.name)
        generate_lifesci(world, "demo", 20221121, 1990, 2019)
    files = sorted((world / "pubmed").rglob("pubmed*.xml.gz"))
    cache = world / "cache"
    file_manifest(files, cache)
    records = pd.concat([pubmed_year_tables(files, cache, y).articles for y in range(2000, 2020)], ignore_index=True)
    truth = json.loads((world / "truth_lifesci.json").read_text())["articles"]
    planted = sum(truth["clinical_planted"]) / len(truth["pmid"])
    if tmp is not None:
        tmp.cleanup()
    return records, planted


def shares(records: pd.DataFrame, filters: dict[str, ClinicalFilter]) -> dict:
    pt = records["publication_types"] if "publication_types" in records else None
    mesh = records["mesh_terms"] if "mesh_terms" in records else None
    out = {"records": len(records)}
    for name, flt in filters.items():
        flags = flt.is_clinical(records["title"], records["abstract"], pt, mesh)
        out[name] = {"clinical": int(flags.sum()), "share": round(float(flags.mean()), 4) if len(records) else None}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world", type=Path, help="a generated life-science world (default: generate the demo one)")
    args = parser.parse_args()
    filters = {name: ClinicalFilter.from_csv(path) for name, path in CLINICAL_FILTERS.items()}
    matcher = KeywordMatcher.from_csv(AI_KEYWORDS_PATH)
    payload: dict = {"schmallenbach2024_share": SEED_SHARE, "filters": {n: repo_path(p) for n, p in CLINICAL_FILTERS.items()}}
    demo, planted = demo_ai_articles(args.world)
    demo_ai = demo[matcher.matches_any(demo["title"], demo["abstract"])]
    payload["demo_world_ai_articles"] = {**shares(demo_ai, filters), "planted_clinical_share": round(planted, 4)}
    samples = shared_samples_dir()
    if samples.is_dir():
        pm = sample_pubmed_records(samples)
        payload["real_pubmed_samples"] = shares(pm, filters)
        ai = pm[matcher.matches_any(pm["title"], pm["abstract"])]
        payload["real_pubmed_samples_ai_flagged"] = {**shares(ai, filters), "pmids": sorted(ai["pmid"].astype(str))}
        oa = sample_openalex_works(samples)
        payload["real_openalex_works"] = shares(oa, filters)
        payload["real_openalex_works_ai_flagged"] = shares(oa[matcher.matches_any(oa["title"], oa["abstract"])], filters)
    path = write_results("clinical_share", payload)
    print(json.dumps(payload, indent=1))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
