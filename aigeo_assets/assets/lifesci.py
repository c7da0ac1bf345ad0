"""Groups ``lifesci_corpus`` and ``lifesci_atlas``: the life-science atlas of seed 004 (PubMed and
OpenAlex conference papers; productivity, quality-adjusted productivity, relevance and
international collaboration by country and region)."""

import dagster as dg
import pandas as pd

from aigeo_assets.assets.metadata import coverage_check, preview_markdown, table_asset_args, table_metadata, table_out
from aigeo_assets.corpus.lookup import is_in
from aigeo_assets.geo.affiliation_text import affiliation_countries
from aigeo_assets.lifesci.corpus import (
    CLINICAL_INPUT_COLUMNS,
    OutletRanking,
    build_lifesci_articles,
    lifesci_citation_counts,
    openalex_author_countries,
    openalex_conference_candidates,
    pubmed_author_countries,
    pubmed_candidates,
)
from aigeo_assets.lifesci.keywords import ClinicalFilter, KeywordMatcher, load_filters
from aigeo_assets.models.results import not_estimable_reasons
from aigeo_assets.lifesci.pubmed_files import file_manifest, pubmed_year_tables
from aigeo_assets.resources.io import LOAD_ON_ACCESS, concat_partitions, iter_partitions
from aigeo_assets.resources.settings import AnalysisSettings
from aigeo_assets.resources.sources import LifeSciSource
from aigeo_assets.schemas import conform

CORPUS = "lifesci_corpus"


def _filters(analysis: AnalysisSettings) -> tuple[KeywordMatcher, ClinicalFilter]:
    return load_filters(analysis.lifesci_keywords_path(), analysis.lifesci_clinical_path(), weak_rule=analysis.lifesci_weak_keywords)


def build_lifesci_corpus_assets(partitions: dg.PartitionsDefinition) -> list:
    every_year = dg.AllPartitionMapping()

    @dg.multi_asset(
        outs={
            "raw_pubmed_files": table_out("raw_pubmed_files", CORPUS),
            "raw_pubmed_quarantine": table_out("quarantine", CORPUS, "PubMed records and files that could not be used: file, line, reason."),
        },
    )
    def raw_pubmed_files(context: dg.AssetExecutionContext, lifesci: LifeSciSource):
        """Every PubMed baseline and update file (``pubmedYYnNNNN.xml.gz``), streamed and parsed
        once into the parse cache; one row per file, and every unusable record in quarantine."""
        files = lifesci.pubmed_files()
        manifest, quarantine = file_manifest(files, lifesci.cache_path(), workers=lifesci.pubmed_workers or None)
        context.log.info(f"PubMed: {len(files)} files, {int(manifest['records'].sum()):,} records, {len(quarantine)} quarantined")
        yield dg.Output(manifest, output_name="raw_pubmed_files", metadata=table_metadata(
            manifest, "raw_pubmed_files", files=len(files), records=int(manifest["records"].sum()),
            parsed_now=int(manifest["parsed_now"].sum()), inputs=lifesci.configured(),
            files_without_records=manifest.loc[manifest["records"] == 0, "file"].tolist()))
        yield dg.Output(quarantine, output_name="raw_pubmed_quarantine", metadata=table_metadata(
            quarantine, "quarantine", reasons=quarantine["reason"].value_counts().to_dict()))

    @dg.multi_asset(
        outs={
            "raw_pubmed_articles": table_out("raw_pubmed_articles", CORPUS),
            "raw_pubmed_authors": table_out("raw_pubmed_authors", CORPUS),
            "raw_pubmed_references": table_out("raw_pubmed_references", CORPUS),
        },
        partitions_def=partitions,
        deps=["raw_pubmed_files"],
    )
    def raw_pubmed_articles(context: dg.AssetExecutionContext, lifesci: LifeSciSource):
        """PubMed records of the year from every file (the latest version of each PMID, deleted
        ones left out), with their authors and affiliations in byline order and their references."""
        year = int(context.partition_key)
        tables = pubmed_year_tables(lifesci.pubmed_files(), lifesci.cache_path(), year, workers=lifesci.pubmed_workers or None)
        articles, authors, references = tables.articles, tables.authors, tables.references
        yield dg.Output(articles, output_name="raw_pubmed_articles", metadata=table_metadata(
            articles, "raw_pubmed_articles", year=year, superseded_by_later_version=tables.n_superseded, deleted_by_later_file=tables.n_deleted))
        yield dg.Output(authors, output_name="raw_pubmed_authors", metadata=table_metadata(
            authors, "raw_pubmed_authors", year=year, without_affiliation=int(authors["affiliation"].isna().sum())))
        yield dg.Output(references, output_name="raw_pubmed_references", metadata=table_metadata(references, "raw_pubmed_references", year=year))

    @dg.asset(
        **table_asset_args("core_lifesci_citations", CORPUS),
        ins={  # every year of every input: only the columns used are read (the abstracts of all works are GBs)
            "raw_pubmed_references": dg.AssetIn(partition_mapping=every_year, metadata={LOAD_ON_ACCESS: True, "columns": ["pmid", "cited_pmid"]}),
            "raw_pubmed_articles": dg.AssetIn(partition_mapping=every_year, metadata={"columns": CLINICAL_INPUT_COLUMNS, LOAD_ON_ACCESS: True}),
            "raw_references": dg.AssetIn(partition_mapping=every_year, metadata={LOAD_ON_ACCESS: True, "columns": ["citing_work_id", "cited_work_id"]}),
            "raw_work_concepts": dg.AssetIn(partition_mapping=every_year, metadata={"columns": ["work_id", "level", "concept_name"]}),
            "raw_works": dg.AssetIn(partition_mapping=every_year, metadata={"columns": ["work_id", "title", "abstract"], LOAD_ON_ACCESS: True}),
        },
    )
    def core_lifesci_citations(
        raw_pubmed_references, raw_pubmed_articles, raw_references, raw_work_concepts, raw_works, analysis: AnalysisSettings
    ) -> dg.Output:
        """Seed 004's relevance: forward citations of every article from life-science research and
        from clinical research (:func:`lifesci_citation_counts`), reading one year's texts at a time."""
        _, clinical = _filters(analysis)
        pubmed_years = zip(iter_partitions(raw_pubmed_articles), iter_partitions(raw_pubmed_references))
        openalex_years = zip(iter_partitions(raw_works), iter_partitions(raw_references))
        df = lifesci_citation_counts(pubmed_years, concat_partitions(raw_work_concepts), openalex_years, clinical)
        from_pubmed = df["cited_key"].str.startswith("pmid:").to_numpy(bool)
        return dg.Output(df, metadata=table_metadata(
            df, "core_lifesci_citations", pubmed_citations=int(df.loc[from_pubmed, "citations"].sum()),
            openalex_citations=int(df.loc[~from_pubmed, "citations"].sum()),
            clinical_share=round(float(df["clinical_citations"].sum() / max(df["citations"].sum(), 1)), 4)))

    @dg.multi_asset(
        outs={
            "core_lifesci_articles": table_out("core_lifesci_articles", CORPUS),
            "core_lifesci_authors": table_out("core_lifesci_authors", CORPUS),
        },
        partitions_def=partitions,
        check_specs=[dg.AssetCheckSpec("lead_country_coverage", asset="core_lifesci_articles",
                                       description="at least 80% of the articles have a lead country (a thin year, "
                                       "fewer than AIGEO_THIN_YEAR_PAPERS articles, only warns)")],
    )
    def core_lifesci_articles(
        context: dg.AssetExecutionContext,
        raw_pubmed_articles: pd.DataFrame,
        raw_pubmed_authors: pd.DataFrame,
        raw_works: pd.DataFrame,
        raw_work_concepts: pd.DataFrame,
        raw_venues: pd.DataFrame,
        core_affiliations: pd.DataFrame,
        core_lifesci_citations: pd.DataFrame,
        lifesci: LifeSciSource,
        analysis: AnalysisSettings,
    ):
        """Seed 004's corpus for the year: PubMed records with an AI keyword in title or abstract
        and OpenAlex life-science conference papers with one, deduplicated by PMID and DOI; each
        with its lead country (last author, else first) and the rule that placed it, clinical
        flag, topic, international flag, outlet rank and forward citations."""
        matcher, clinical = _filters(analysis)
        pubmed = pubmed_candidates(raw_pubmed_articles, matcher, clinical)
        openalex = openalex_conference_candidates(raw_works, raw_work_concepts, raw_venues, matcher, clinical)
        pm_authors = raw_pubmed_authors[is_in(raw_pubmed_authors["pmid"], pubmed["pmid"] if len(pubmed) else [])]
        oa_aff = core_affiliations[is_in(core_affiliations["work_id"], openalex["work_id"] if len(openalex) else [])]
        authors = pd.concat([pubmed_author_countries(pm_authors, affiliation_countries), openalex_author_countries(oa_aff)], ignore_index=True)
        files = lifesci.ranking_files()
        ranking = OutletRanking.from_csv(*files) if files else OutletRanking.empty()
        articles, authors, stats = build_lifesci_articles(pubmed, openalex, authors, ranking, core_lifesci_citations,
                                                          core_rank=analysis.lifesci_core_rank)
        coverage = float(articles["lead_country_code"].notna().mean()) if len(articles) else 1.0
        yield coverage_check("lead_country_coverage", coverage, 0.8, len(articles), analysis.thin_year_papers,
                             what="articles", asset_key="core_lifesci_articles", threshold_setting="fixed at 80%")
        rules = authors["country_rule"].value_counts().to_dict()
        yield dg.Output(articles, output_name="core_lifesci_articles",
                        metadata=table_metadata(articles, "core_lifesci_articles", year=int(context.partition_key),
                                                lead_country_coverage=round(coverage, 4), inputs=lifesci.configured(),
                                                clinical_filter=str(analysis.lifesci_clinical_csv or analysis.lifesci_clinical_filter),
                                                core_rank=analysis.lifesci_core_rank, **stats))
        yield dg.Output(authors, output_name="core_lifesci_authors",
                        metadata=table_metadata(authors, "core_lifesci_authors", country_rules=rules))

    return [raw_pubmed_files, raw_pubmed_articles, core_lifesci_citations, core_lifesci_articles]


ATLAS = "lifesci_atlas"


def build_lifesci_atlas_assets() -> list:
    """The analyses of seed 004, each a table asset over every year of the corpus."""
    from aigeo_assets.lifesci import analyses as A

    every_year = dg.AllPartitionMapping()
    articles_in = {"core_lifesci_articles": dg.AssetIn(partition_mapping=every_year)}
    assets = []

    def table_asset(name: str, compute, extra=None, ins=None):
        @dg.asset(name=name, **table_asset_args(name, ATLAS, kinds={"statsmodels"} if name == "out_lifesci_irrs" else None),
                  ins=ins or articles_in,
                  automation_condition=dg.AutomationCondition.eager())
        def _table(**inputs) -> dg.Output:
            frames = {k: concat_partitions(v) for k, v in inputs.items()}
            df = conform(compute(**frames), name)
            return dg.Output(df, metadata=table_metadata(df, name, **(extra(df, **frames) if extra else {})))

        assets.append(_table)

    def yearly(core_lifesci_articles):
        frame, _ = A.yearly_counts(core_lifesci_articles)
        return frame

    def yearly_extra(df, **_):
        cagr, span = A.yearly_cagr(df)
        return {"cagr": None if pd.isna(cagr) else round(float(cagr), 4), "cagr_years": str(span), "articles": int(df["articles"].sum())}

    table_asset("out_lifesci_yearly_counts", yearly, yearly_extra)
    table_asset("out_lifesci_country_counts", lambda core_lifesci_articles: A.country_counts(core_lifesci_articles),
                lambda df, **_: {"top_countries": df.head(5)[["country_code", "articles"]].to_dict("records")})
    table_asset("out_lifesci_topic_shares", lambda core_lifesci_articles: A.topic_country_shares(core_lifesci_articles))
    table_asset("out_lifesci_clinical_by_country", lambda core_lifesci_articles: A.clinical_by_country(core_lifesci_articles))
    table_asset("out_lifesci_high_ranked_by_country", lambda core_lifesci_articles: A.high_ranked_by_country(core_lifesci_articles))
    table_asset("out_lifesci_high_ranked_by_region_year", lambda core_lifesci_articles: A.high_ranked_by_region_year(core_lifesci_articles))
    table_asset("out_lifesci_international_by_year", lambda core_lifesci_articles: A.international_share_by_year(core_lifesci_articles))
    table_asset("out_lifesci_international_by_region", lambda core_lifesci_articles: A.international_share_by_region(core_lifesci_articles),
                lambda df, **_: {"share_by_region": dict(zip(df["world_region"], df["share_international"].round(4)))})

    def irrs(core_lifesci_articles):
        fits = A.fit_relevance_models(core_lifesci_articles)
        fits["8A citations"] = A.collaboration_model(core_lifesci_articles, "citations")
        fits["8A clinical"] = A.collaboration_model(core_lifesci_articles, "clinical_citations")
        return A.irr_table(fits)

    def irrs_extra(df, **_):
        return {"irr_table": dg.MetadataValue.md(
                    preview_markdown(df[["model", "term", "irr", "lower", "upper", "nobs"]].round(3), rows=len(df))),
                "not_estimable": not_estimable_reasons(df)}

    table_asset("out_lifesci_irrs", irrs, irrs_extra)
    table_asset(
        "out_lifesci_dyads",
        lambda core_lifesci_articles, core_lifesci_authors: A.collaboration_dyads(core_lifesci_articles, core_lifesci_authors),
        ins={"core_lifesci_articles": dg.AssetIn(partition_mapping=every_year), "core_lifesci_authors": dg.AssetIn(partition_mapping=every_year)},
    )
    return assets
