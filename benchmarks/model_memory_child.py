"""One fresh process of ``benchmarks/models.py --memory``: run one of the two largest steps of the
paper-scale run on a warehouse, with the code of one version of ``aigeo_assets``, and report its
peak RSS and CPU seconds as a JSON line on stdout; its results go to a pickle for the comparison.

    python benchmarks/model_memory_child.py --code DIR --warehouse DIR --step STEP --out FILE [--copies N]

``STEP``: gravity, authors, yearly (the per-year centres, gravity pairs, by-year fits and
``core_citations``), disruption (``out_disruption``'s 2005-2018 range), lifesci_citations
(``core_lifesci_citations``) or lifesci_candidates (the candidates of ``core_lifesci_articles``
2015-2018: the keyword matcher and the clinical filter).

``--code``: a folder holding the ``aigeo_assets`` package to import (the working tree, or a
``git archive`` of an earlier commit). The inputs are read as that version's asset does: the
version that declares ``CITATION_FIT_COLUMNS`` / ``AUTHOR_YEAR_INPUT_COLUMNS`` reads one year at a
time and only those columns; an earlier one reads every column of every year and concatenates. A
``build_author_years`` that takes the affiliations' partitions gets them read on access, as the asset
gives them (``LOAD_ON_ACCESS``).
"""

from __future__ import annotations

import argparse
import functools
import inspect
import json
import pickle
import resource
import sys
import time
from pathlib import Path


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _maxrss_mb() -> float:
    """The peak RSS of this process: ``VmHWM``, the high-water mark of its memory since it
    started this program. ``ru_maxrss`` also keeps the RSS of the process it was forked from (the
    benchmark, which by the second child holds the first one's results: 4.9 GB after two
    ``core_author_years`` tables), so it serves only where /proc is missing."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _tables(folder: Path, columns=None) -> dict:
    import pandas as pd

    return {p.stem: pd.read_parquet(p, columns=columns) for p in sorted(folder.glob("*.parquet"))}


def gravity(warehouse: Path, copies: int = 1):
    import numpy as np

    from aigeo_assets.assets.models import _complete_years
    from aigeo_assets.models import gravity as g
    from aigeo_assets.models.results import estimate
    from aigeo_assets.resources.io import LazyPartitions, concat_partitions

    import pandas as pd

    years = _complete_years(concat_partitions(_tables(warehouse / "out_world_year_totals")))
    folder = warehouse / "out_gravity_citation_pairs"
    if hasattr(g, "pooled_citation_pairs"):
        lazy = LazyPartitions({p.stem: functools.partial(pd.read_parquet, p, columns=list(g.CITATION_FIT_COLUMNS))
                               for p in sorted(folder.glob("*.parquet"))})
        frame = g.pooled_citation_pairs(lazy, years)
    else:
        frame = concat_partitions(_tables(folder))
        frame = frame[frame["year"].isin(years).to_numpy(bool)].reset_index(drop=True)
    if copies > 1:  # the pairs repeated with other city ids: a larger study of the same shape (the effects per copy)
        ends = list(frame.columns[1:3])
        frame = pd.DataFrame({c: np.concatenate([frame[c].to_numpy() + (k * 10**8 if c in ends else 0) for k in range(copies)])
                              for c in frame.columns}, copy=False)
    stages = {"loaded": (_maxrss_mb(), _cpu())}
    fits = {spec: estimate(g.fit_citation_gravity, frame, spec, "HC1") for spec in g.CITATION_SPECS}
    stages["specs_1_4"] = (_maxrss_mb(), _cpu())
    fits["structural"] = estimate(g.fit_structural_gravity, frame, "HC1")
    stages["structural"] = (_maxrss_mb(), _cpu())
    fits["loglinear"] = estimate(g.fit_loglinear_gravity, frame)
    stages["loglinear"] = (_maxrss_mb(), _cpu())
    return fits, len(frame), stages


def authors(warehouse: Path):
    from aigeo_assets.corpus import authors as a
    from aigeo_assets.resources.io import concat_partitions

    cols = getattr(a, "AUTHOR_YEAR_INPUT_COLUMNS", {})
    papers = concat_partitions(_tables(warehouse / "core_papers", list(cols["core_papers"]) if cols else None))
    if "Mapping" in str(inspect.signature(a.build_author_years).parameters["affiliations"].annotation):
        # the version that takes the partitions: read on access, as the asset reads them, and dropped once coded
        from aigeo_assets.resources.io import LazyPartitions

        import pandas as pd

        affiliations = LazyPartitions({p.stem: functools.partial(pd.read_parquet, p, columns=list(cols["core_affiliations"]))
                                       for p in sorted((warehouse / "core_affiliations").glob("*.parquet"))})
    else:
        affiliations = concat_partitions(_tables(warehouse / "core_affiliations", list(cols["core_affiliations"]) if cols else None))
    stages = {"loaded": (_maxrss_mb(), _cpu())}
    df = a.build_author_years(affiliations, papers)
    stages["built"] = (_maxrss_mb(), _cpu())
    return df, len(df), stages


def yearly(warehouse: Path):
    """The per-year steps of the paper-scale run's yearly ranges, every year of the warehouse in turn, as
    their assets compute them: the centres of mass and the focal pull (both methods), the gravity
    pairs (``citation_gravity_frame``), the by-year fits (specification (4) and the structural model,
    HC0, on the stored pairs) and ``core_citations`` (``build_core_citations`` on the papers up to the
    year). CPU seconds per step; the results, for the comparison of versions."""
    import numpy as np
    import pandas as pd

    from aigeo_assets.corpus.citations import KNOWN_PAPER_COLUMNS, build_core_citations
    from aigeo_assets.metrics.centres import centres_of_mass, focal_pull
    from aigeo_assets.models.gravity import citation_gravity_frame, city_attributes, fit_citation_gravity, fit_structural_gravity
    from aigeo_assets.models.results import estimate

    def read(asset: str, columns=None) -> dict:
        return {int(k): v for k, v in _tables(warehouse / asset, columns).items()}

    metrics, impact, pairs = read("out_city_year_metrics"), read("out_impact_pairs"), read("out_gravity_citation_pairs")
    references, papers = read("raw_references"), read("core_papers", KNOWN_PAPER_COLUMNS)
    cities = city_attributes(pd.read_parquet(warehouse / "core_institutions.parquet"))
    known_all = pd.concat([papers[y] for y in sorted(papers)], ignore_index=True)
    ends = dict(zip(sorted(papers), np.cumsum([len(papers[y]) for y in sorted(papers)])))
    out: dict = {"centres": {}, "pairs": {}, "fits": {}, "citations": {}}
    stages = {"loaded": (_maxrss_mb(), _cpu())}
    for y in sorted(metrics):
        out["centres"][y] = pd.concat([centres_of_mass(metrics[y], method=m) for m in ("planar", "spherical")]
                                      + [focal_pull(metrics[y], method=m) for m in ("planar", "spherical")], ignore_index=True)
    stages["centres"] = (_maxrss_mb(), _cpu())
    for y in sorted(impact):
        out["pairs"][y] = citation_gravity_frame(y, impact[y], metrics[y], cities)
    stages["gravity_pairs"] = (_maxrss_mb(), _cpu())
    for y in sorted(pairs):
        out["fits"][f"{y} (4)"] = estimate(fit_citation_gravity, pairs[y], "(4)", "HC0")
        out["fits"][f"{y} structural"] = estimate(fit_structural_gravity, pairs[y], "HC0")
    stages["fits_by_year"] = (_maxrss_mb(), _cpu())
    for y in sorted(set(references) & set(ends)):
        known = known_all.iloc[: ends[y]]
        out["citations"][y] = build_core_citations(references[y], known[known["publication_year"] == y], known)
    stages["core_citations"] = (_maxrss_mb(), _cpu())
    return out, sum(len(t) for t in out["pairs"].values()), stages


def disruption(warehouse: Path, first: int = 2005, last: int = 2018, window: int = 5):
    """``out_disruption``'s range run of ``first``..``last`` as the asset computes it: each citation year
    coded once (``citation_links``) and held while a window needs it, each focal year's CD index from
    every citer and from each bloc's (``year_disruption``). The tables, for the comparison of versions."""
    import pandas as pd

    from aigeo_assets.metrics.disruption import CITATION_COLUMNS, WorkCodes, citation_links, year_disruption

    paper_columns = ["work_id", "publication_year", "in_corpus", "city_geonames_id", "city_country_code", "bloc"]
    codes, links, out = WorkCodes(), {}, {}
    stages = {"loaded": (_maxrss_mb(), _cpu())}
    for year in range(first, last + 1):
        in_window = [y for y in range(year, min(year + window, last) + 1)]
        for y in in_window:
            if y not in links:
                links[y] = citation_links(pd.read_parquet(warehouse / "core_citations" / f"{y}.parquet", columns=CITATION_COLUMNS), codes)
        for y in [y for y in links if y < year]:
            del links[y]
        papers = pd.read_parquet(warehouse / "core_papers" / f"{year}.parquet", columns=paper_columns)
        out[year] = year_disruption(papers, links[year], [links[y] for y in in_window if y > year], codes, window,
                                    window_complete=year + window <= last)
    stages["built"] = (_maxrss_mb(), _cpu())
    return out, sum(len(t) for t in out.values()), stages


def lifesci_citations(warehouse: Path):
    """``core_lifesci_citations`` as the asset computes it (``lifesci_citation_counts``, every citing
    year read in turn, the shipped clinical filter, every citer counted)."""
    import pandas as pd

    from aigeo_assets.lifesci.corpus import CLINICAL_INPUT_COLUMNS, lifesci_citation_counts
    from aigeo_assets.lifesci.keywords import load_filters
    from aigeo_assets.resources.analysis import AnalysisSettings

    def each(asset: str, columns: list[str]):
        for path in sorted((warehouse / asset).glob("*.parquet")):
            yield pd.read_parquet(path, columns=columns)

    settings = AnalysisSettings()
    _, clinical = load_filters(settings.lifesci_keywords_path(), settings.lifesci_clinical_path(), weak_rule=settings.lifesci_weak_keywords)
    articles = pd.concat(list(each("core_lifesci_articles", ["article_id", "pmid", "work_id"])), ignore_index=True)
    stages = {"loaded": (_maxrss_mb(), _cpu())}
    df = lifesci_citation_counts(articles, zip(each("raw_pubmed_articles", CLINICAL_INPUT_COLUMNS), each("raw_pubmed_references", ["pmid", "cited_pmid"])),
                                 zip(each("raw_works", ["work_id", "title", "abstract"]), each("raw_references", ["citing_work_id", "cited_work_id"])),
                                 clinical)
    stages["built"] = (_maxrss_mb(), _cpu())
    return df, len(df), stages


def lifesci_candidates(warehouse: Path, first: int = 2015, last: int = 2018):
    """The candidates of ``core_lifesci_articles``' years ``first``..``last`` (the paper world's last
    corpus range): ``pubmed_candidates`` and ``openalex_conference_candidates``, where the AI keyword
    matcher and the clinical filter run, with the shipped filters. The tables, for the comparison."""
    import pandas as pd

    from aigeo_assets.lifesci import corpus as C
    from aigeo_assets.lifesci.keywords import load_filters
    from aigeo_assets.resources.analysis import AnalysisSettings

    settings = AnalysisSettings()
    matcher, clinical = load_filters(settings.lifesci_keywords_path(), settings.lifesci_clinical_path(), weak_rule=settings.lifesci_weak_keywords)
    out = {}
    stages = {"loaded": (_maxrss_mb(), _cpu())}
    for year in range(first, last + 1):
        def read(asset: str) -> pd.DataFrame:
            return pd.read_parquet(warehouse / asset / f"{year}.parquet")

        out[f"{year} pubmed"] = C.pubmed_candidates(read("raw_pubmed_articles"), matcher, clinical)
        out[f"{year} openalex"] = C.openalex_conference_candidates(read("raw_works"), read("raw_work_concepts"), read("raw_venues"),
                                                                  matcher, clinical)
    stages["built"] = (_maxrss_mb(), _cpu())
    return out, sum(len(t) for t in out.values()), stages


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--code", type=Path, required=True)
    ap.add_argument("--warehouse", type=Path, required=True)
    ap.add_argument("--step", choices=["gravity", "authors", "yearly", "disruption", "lifesci_citations", "lifesci_candidates"], required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--copies", type=int, default=1, help="gravity: the pooled pairs repeated this many times, each with its own city ids")
    args = ap.parse_args()
    sys.path.insert(0, str(args.code.resolve()))
    start_cpu, start = _cpu(), time.perf_counter()
    steps = {"gravity": lambda: gravity(args.warehouse, args.copies), "authors": lambda: authors(args.warehouse),
             "yearly": lambda: yearly(args.warehouse), "disruption": lambda: disruption(args.warehouse),
             "lifesci_citations": lambda: lifesci_citations(args.warehouse), "lifesci_candidates": lambda: lifesci_candidates(args.warehouse)}
    result, rows, stages = steps[args.step]()
    payload = {
        "step": args.step,
        "rows": rows,
        "peak_rss_mb": round(_maxrss_mb(), 1),
        "cpu_s": round(_cpu() - start_cpu, 1),
        "wall_s": round(time.perf_counter() - start, 1),
        "stages": {k: {"peak_rss_mb_so_far": round(m, 1), "cpu_s_so_far": round(c - start_cpu, 1)} for k, (m, c) in stages.items()},
    }
    with open(args.out, "wb") as fh:
        pickle.dump(result, fh, protocol=pickle.HIGHEST_PROTOCOL)
    print(json.dumps(payload))


if __name__ == "__main__":
    main()
