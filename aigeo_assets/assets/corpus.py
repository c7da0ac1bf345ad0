"""Group ``corpus``: papers, citations and authors' yearly locations."""

import functools
import warnings
from collections import Counter

import dagster as dg
import pandas as pd

from aigeo_assets.automation import all_years_automation, refresh_tags, yearly_automation
from aigeo_assets.assets.metadata import check_result, coverage_check, partitions_label, table_asset_args, table_metadata
from aigeo_assets.corpus.authors import AUTHOR_YEAR_INPUT_COLUMNS, AUTHOR_YEAR_PAPER_ROWS, AiScientistRule, author_careers, author_year_places
from aigeo_assets.corpus.citations import (
    KNOWN_PAPER_COLUMNS, REFERENCE_BATCH_ROWS, KnownPapers, citation_coverage, core_citation_batches, coverage_counts,
)
from aigeo_assets.corpus.lookup import run_starts
from aigeo_assets.corpus.papers import AI_CONCEPT_ROWS, PAPER_INPUT_COLUMNS, AiRule, build_core_papers, works_in_two_years
from aigeo_assets.partitions import up_to_this_year
from aigeo_assets.resources.io import IN_BATCHES, LOAD_ON_ACCESS, ROWS, LazyPartitions, by_partition, iter_partitions, partition_batches
from aigeo_assets.schemas import TableBatches, TableFile
from aigeo_assets.resources.analysis import AnalysisSettings

# Single-run backfill policies (here and in city_metrics) are beta in dagster 1.13, and the named yearly
# jobs (one year per run, as the sensors and schedules launch them) mix them with per-year assets on
# purpose: both warnings would print at every load of the code location.
warnings.filterwarnings("ignore", message="Parameter `backfill_policy`", category=dg.BetaWarning)
warnings.filterwarnings("ignore", message="Asset job .* materializes assets with varying BackfillPolicies")


CITATION_YEARS_PER_RUN = 10
"""The most years one run of ``core_citations`` covers. **Choice:** not every year in one run: a year's
citations wait for the papers of every year up to it, so a run of the first ten years starts while
later years are still being read, and the runs of a full study share both workers; each run still
reads the papers once instead of once per year (the reads grew with the square of the years)."""


def build_corpus_assets(partitions: dg.TimeWindowPartitionsDefinition) -> list:
    """``partitions``: AlShebli et al. 2022's years (AIGEO_START_YEAR..AIGEO_END_YEAR). **Choice:** the papers and
    citations stay on them even when the OpenAlex tables they read run on to the atlas's later years
    (``Settings.openalex_years``): the impact window of a late year (2018: citations made in
    2018-2020) still stops at AIGEO_END_YEAR, as before, so AlShebli et al. 2022's results do not move with
    AIGEO_LIFESCI_END_YEAR. ``core_author_year_places`` too, so the careers of ``core_author_years``
    count these years only."""

    @dg.asset(
        **table_asset_args("core_papers", "corpus"),
        partitions_def=partitions,
        automation_condition=yearly_automation(), tags=refresh_tags("yearly"),
        # only what build_core_papers reads: at a real year's size the titles, abstracts and other concepts are GBs
        ins={
            "raw_works": dg.AssetIn(metadata={"columns": list(PAPER_INPUT_COLUMNS["raw_works"])}),
            "raw_work_concepts": dg.AssetIn(metadata={"columns": list(PAPER_INPUT_COLUMNS["raw_work_concepts"]), ROWS: AI_CONCEPT_ROWS}),
            "core_affiliations": dg.AssetIn(metadata={"columns": list(PAPER_INPUT_COLUMNS["core_affiliations"])}),
        },
        check_specs=[
            dg.AssetCheckSpec("located_cities_exist", asset="core_papers", description="every paper city id has a name and coordinates"),
            dg.AssetCheckSpec(
                "geocoding_coverage", asset="core_papers", blocking=True,
                description="at least analysis.min_located_share (AIGEO_MIN_LOCATED_SHARE) of the year's corpus papers "
                "are placed in a city (below it every city metric of the year would be wrong, so downstream assets wait); "
                "a thin year (fewer than AIGEO_THIN_YEAR_PAPERS corpus papers) only warns",
            ),
        ],
    )
    def core_papers(
        context: dg.AssetExecutionContext,
        raw_works: pd.DataFrame,
        raw_work_concepts: pd.DataFrame,
        core_affiliations: pd.DataFrame,
        core_institutions: pd.DataFrame,
        analysis: AnalysisSettings,
    ):
        """The year's works as papers: AI or not, journal/conference/other, the last author's city
        (AlShebli et al. 2022) and the lead author's country (Schmallenbach et al. 2024: last author, else first).

        Its automation condition (``yearly_automation``) makes a year's papers follow its works: the
        OpenAlex tables are materialized by ``yearly_refresh`` (on the union of both studies'
        years, which an AlShebli et al. 2022 job cannot hold), the papers by their own run."""
        rule = AiRule(rule=analysis.ai_rule, min_score=analysis.ai_min_score)  # type: ignore[arg-type]
        df = build_core_papers(raw_works, raw_work_concepts, core_affiliations, core_institutions, rule)
        located = df["city_geonames_id"].notna()
        unknown = located & (df["city_name"].isna() | df["city_latitude"].isna() | df["city_longitude"].isna())
        missing = [int(x) for x in df.loc[unknown, "city_geonames_id"].unique()[:20]]
        yield check_result("located_cities_exist", not missing,
                           "every city a paper is placed in has a name and coordinates" if not missing
                           else f"{int(unknown.sum())} papers placed in cities without a name or coordinates in the gazetteer",
                           partition=context.partition_key, unknown_city_ids=missing)
        corpus = df[df["in_corpus"]]
        share = float(corpus["city_geonames_id"].notna().mean()) if len(corpus) else 1.0
        yield coverage_check("geocoding_coverage", share, analysis.min_located_share, len(corpus), analysis.thin_year_papers,
                             what="corpus_papers", partition=context.partition_key)
        yield dg.Output(
            df,
            metadata=table_metadata(
                df,
                "core_papers",
                ai_papers=int(df["is_ai"].sum()),
                corpus_papers=len(corpus),
                corpus_located_to_city=int(corpus["city_geonames_id"].notna().sum()),
                share_corpus_located=round(float(corpus["city_geonames_id"].notna().mean()), 4) if len(corpus) else 0.0,
                corpus_by_bloc={str(k): int(v) for k, v in corpus["bloc"].value_counts().items()},
                lead_rule={str(k): int(v) for k, v in df["lead_rule"].value_counts().items()},
            ),
        )

    @dg.asset(
        **table_asset_args("core_citations", "corpus"),
        partitions_def=partitions,
        backfill_policy=dg.BackfillPolicy.multi_run(CITATION_YEARS_PER_RUN),
        automation_condition=yearly_automation(), tags=refresh_tags("yearly"),
        ins={
            "raw_references": dg.AssetIn(metadata={IN_BATCHES: True}),
            "known_papers": dg.AssetIn("core_papers", partition_mapping=up_to_this_year(partitions),
                                       metadata={"columns": KNOWN_PAPER_COLUMNS, LOAD_ON_ACCESS: True}),
        },
        check_specs=[
            dg.AssetCheckSpec(
                "references_resolved_or_external",
                asset="core_citations",
                description="every reference of the year is either resolved to a work or counted as external (every year of the run)",
            )
        ],
    )
    def core_citations(context: dg.AssetExecutionContext, raw_references, known_papers):
        """Citation links made by the year's works, with both ends' year, city, country and bloc.
        Partitioned by the citing year; the cited side is looked up among all years up to it.

        A year is read and written a batch of references at a time (``core_citation_batches``), its
        cited works looked up among the papers of each year up to it in turn (``KnownPapers``), so
        the step holds one year's distinct cited works and one batch, never every year's papers or a
        whole year of references (issue 13: a real year makes about 200 M citations). A run may cover
        a range of years (up to ``CITATION_YEARS_PER_RUN``): the earlier years' papers read for one
        year are kept for the next while they fit (``KnownPapers``' cache), and each year is built
        from exactly the papers a one-year run would read (the partitions up to it) when the IO
        manager writes it. **Choice:** the check is one result per run, yielded after the tables,
        passed when every year of the run passes, its metadata naming the years that do not."""
        keys = list(context.partition_keys)
        known_keys = sorted(context.asset_partition_keys_for_input("known_papers"))
        papers = by_partition(known_papers, known_keys)
        known = KnownPapers(papers)
        coverage: dict[str, dict] = {}

        def year_table(key: str) -> TableBatches:
            citing = known.papers(key)
            citing = citing[citing["publication_year"] == int(key)]
            n_references = 0

            def references(columns: list[str]):
                nonlocal n_references
                n_references = 0
                for batch in partition_batches(raw_references, key, REFERENCE_BATCH_ROWS, columns):
                    n_references += len(batch)
                    yield batch

            counts: Counter = Counter()

            def citations():
                for batch in core_citation_batches(references, citing, known, [k for k in known_keys if k <= key]):
                    counts.update(coverage_counts(batch))
                    yield batch

            def written(table: TableFile) -> None:
                cov = citation_coverage(counts, n_references)
                coverage[key] = {**cov, "passed": len(table) == n_references and cov["in_snapshot"] + cov["external"] == len(table)}
                context.add_asset_metadata(table_metadata(table, "core_citations", **cov), partition_key=key)

            return TableBatches("core_citations", citations(), written)

        # each year is built when the IO manager writes it, a batch at a time
        yield dg.Output(LazyPartitions({k: functools.partial(year_table, k) for k in keys}))
        failing = [k for k in keys if not coverage[k].pop("passed")]
        yield check_result("references_resolved_or_external", not failing,
                           "every reference resolves to a work or is counted as outside the snapshot" if not failing
                           else f"references neither resolved nor counted as external in {', '.join(failing)}",
                           partition=partitions_label(keys),
                           **(coverage[keys[0]] if len(keys) == 1 else {"years_failing": failing}))

    @dg.asset(
        **table_asset_args("core_author_year_places", "corpus"),
        partitions_def=partitions,
        automation_condition=yearly_automation(), tags=refresh_tags("yearly"),
        # only the columns used (issue 13: the paper-scale run read every column of both, 6.4 GB at the peak)
        ins={"core_affiliations": dg.AssetIn(metadata={"columns": list(AUTHOR_YEAR_INPUT_COLUMNS["core_affiliations"])}),
             "core_papers": dg.AssetIn(metadata={"columns": list(AUTHOR_YEAR_INPUT_COLUMNS["core_papers"]), ROWS: AUTHOR_YEAR_PAPER_ROWS})},
    )
    def core_author_year_places(context: dg.AssetExecutionContext, core_affiliations: pd.DataFrame, core_papers: pd.DataFrame):
        """Each author's city in the year (the mode of the year's affiliations of their papers) and their
        papers and AI papers that year: AlShebli et al. 2022's locations, before the careers.

        One year's table, so a new year adds one (issue 13): ``core_author_years`` puts them together
        instead of reading every year's affiliations again."""
        df = author_year_places(core_affiliations, core_papers)
        yield dg.Output(
            df,
            metadata=table_metadata(
                df,
                "core_author_year_places",
                authors=int(run_starts(df["author_id"]).sum()),  # sorted by author id
                share_located=round(float(df["city_geonames_id"].notna().mean()), 4) if len(df) else 0.0,
            ),
        )

    @dg.asset(
        **table_asset_args("core_author_years", "corpus"),
        ins={"core_author_year_places": dg.AssetIn(),
             "core_papers": dg.AssetIn(metadata={"columns": ["work_id"], LOAD_ON_ACCESS: True})},
        automation_condition=all_years_automation(), tags=refresh_tags("all_years"),
        check_specs=[
            dg.AssetCheckSpec(
                "no_work_in_two_years", asset="core_author_years", description="no work id appears in two yearly partitions of core_papers"
            )
        ],
    )
    def core_author_years(core_author_year_places, core_papers, analysis: AnalysisSettings):
        """Each author's city per year and the AI-scientist flag (AlShebli et al. 2022: at least three papers,
        at least half of them AI), the careers counted over every year of ``core_author_year_places``.

        Reads every year, so it is not partitioned; its automation condition (``all_years_automation``)
        re-runs it when any year's places change, once they are all up to date (Dagster's stale status
        does not follow all-partition dependencies of time-partitioned assets)."""
        twice = works_in_two_years(papers["work_id"] for papers in iter_partitions(core_papers))
        yield check_result("no_work_in_two_years", not twice,
                           "every work is in one year's papers" if not twice else f"{twice} works are in two years' papers",
                           works_in_two_years=twice)
        rule = AiScientistRule(analysis.ai_scientist_min_papers, analysis.ai_scientist_min_ai_share)
        df = author_careers(core_author_year_places, rule)
        first_row = run_starts(df["author_id"])  # sorted by author: an author's rows are consecutive
        scientists = int((first_row & df["is_ai_scientist"].to_numpy(bool)).sum())  # the flag is the career's
        yield dg.Output(
            df,
            metadata=table_metadata(
                df,
                "core_author_years",
                authors=int(first_row.sum()),
                ai_scientists=scientists,
                share_author_years_located=round(float(df["city_geonames_id"].notna().mean()), 4) if len(df) else 0.0,
            ),
        )

    return [core_papers, core_citations, core_author_year_places, core_author_years]
