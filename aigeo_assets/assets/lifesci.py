"""Groups ``lifesci_corpus`` and ``lifesci_atlas``: the life-science atlas of Schmallenbach et al. 2024 (PubMed and
OpenAlex conference papers; productivity, quality-adjusted productivity, relevance and
international collaboration by country and region)."""

import dataclasses
import warnings

import dagster as dg
import pandas as pd

from aigeo_assets.assets.metadata import coverage_check, preview_markdown, table_asset_args, table_metadata, table_out
from aigeo_assets.corpus.lookup import is_in
from aigeo_assets.geo.affiliation_text import affiliation_countries
from aigeo_assets.geo.geocode import geocode_affiliations
from aigeo_assets.ingest.openalex_api import downloaded_parts
from aigeo_assets.ingest.works import WorksTables, parse_works_year
from aigeo_assets.lifesci import analyses as A
from aigeo_assets.lifesci.corpus import (
    CLINICAL_INPUT_COLUMNS,
    LINK_INPUT_COLUMNS,
    OutletRanking,
    build_lifesci_articles,
    life_science_works,
    lifesci_citation_counts,
    link_to_openalex,
    openalex_author_countries,
    openalex_conference_candidates,
    openalex_link_candidates,
    openalex_topics,
    pubmed_author_countries,
    pubmed_candidates,
    with_citations,
)
from aigeo_assets.lifesci.keywords import ClinicalFilter, KeywordMatcher, load_filters
from aigeo_assets.lifesci.pubmed_files import file_manifest, pubmed_year_tables
from aigeo_assets.models.results import not_estimable_reasons
from aigeo_assets.resources.analysis import AnalysisSettings
from aigeo_assets.resources.io import LOAD_ON_ACCESS, by_partition, concat_partitions, iter_partitions
from aigeo_assets.resources.sources import LifeSciSource, WorksSource

CORPUS = "lifesci_corpus"

# the window around a year reaches past the first and last years; Dagster marks the flag beta
warnings.filterwarnings("ignore", message="Parameter `allow_nonexistent_upstream_partitions`", category=dg.BetaWarning)

LINK_YEARS_AROUND = 1
"""A PubMed record is linked to OpenAlex works published up to this many years before or after it
(epub ahead of print, a late issue): the year's asset reads that window of OpenAlex years."""

CONFERENCE_INPUT_COLUMNS = [*LINK_INPUT_COLUMNS, "title", "abstract", "venue_type", "venue_id", "n_authors"]


def _filters(analysis: AnalysisSettings) -> tuple[KeywordMatcher, ClinicalFilter]:
    return load_filters(analysis.lifesci_keywords_path(), analysis.lifesci_clinical_path(), weak_rule=analysis.lifesci_weak_keywords)


def _downloaded_works(root, name: str) -> WorksTables:
    """The works a source downloaded under ``name`` (``openalex_api.downloaded_parts``), parsed by
    the snapshot reader, every year kept."""
    return parse_works_year(downloaded_parts(root, name), None)


def _downloaded_twins(source: WorksSource, name: str, pubmed: pd.DataFrame, year: int) -> tuple[WorksTables | None, dict]:
    """The OpenAlex twins of the year's PubMed records that the source fetched by PMID and DOI
    (None, {} for a snapshot, which holds every work), those published within
    ``LINK_YEARS_AROUND`` of ``year``, and the fetch's metadata (``twins_*``)."""
    if not len(pubmed):
        return None, {}
    root, fetched = source.linked_works_root(name, pubmed["pmid"].dropna().astype(str).tolist(), pubmed["doi"].dropna().astype(str).tolist())
    if root is None:
        return None, {}
    tables = _downloaded_works(root, name)
    near = tables.works["publication_year"].astype("float64").sub(year).abs().le(LINK_YEARS_AROUND).to_numpy(bool)
    keep = tables.works["work_id"][near]
    tables = dataclasses.replace(tables, works=tables.works[near],
                                 authorships=tables.authorships[is_in(tables.authorships["work_id"], keep)],
                                 concepts=tables.concepts[is_in(tables.concepts["work_id"], keep)])
    return tables, {f"twins_{k}": v for k, v in {**fetched, "quarantined": len(tables.quarantine)}.items()}


def _and_downloaded(openalex_years, downloaded: WorksTables):
    """The (works, references) of every year, then the downloaded works that none of them held:
    a citing work counts once whichever way it arrived."""
    seen = []
    for works, references in openalex_years:
        seen.append(works["work_id"])
        yield works, references
    new = downloaded.works[~is_in(downloaded.works["work_id"], pd.concat(seen) if seen else [])]
    yield new, downloaded.references[is_in(downloaded.references["citing_work_id"], new["work_id"])]


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

    around = dg.TimeWindowPartitionMapping(start_offset=-LINK_YEARS_AROUND, end_offset=LINK_YEARS_AROUND,
                                           allow_nonexistent_upstream_partitions=True)

    @dg.multi_asset(
        outs={
            "core_lifesci_articles": table_out("core_lifesci_articles", CORPUS),
            "core_lifesci_authors": table_out("core_lifesci_authors", CORPUS),
        },
        partitions_def=partitions,
        ins={  # the OpenAlex years around the year, one at a time: a record's work may be dated a year apart
            "raw_works": dg.AssetIn(partition_mapping=around, metadata={LOAD_ON_ACCESS: True, "columns": CONFERENCE_INPUT_COLUMNS}),
            "raw_work_concepts": dg.AssetIn(partition_mapping=around, metadata={"columns": ["work_id", "level", "concept_name", "score"]}),
            "core_affiliations": dg.AssetIn(partition_mapping=around, metadata={LOAD_ON_ACCESS: True, "columns": ["work_id", "author_seq", "country_code"]}),
            "core_institutions": dg.AssetIn(metadata={LOAD_ON_ACCESS: True}),
        },
        check_specs=[dg.AssetCheckSpec("lead_country_coverage", asset="core_lifesci_articles",
                                       description="at least 80% of the articles have a lead country (a thin year, "
                                       "fewer than AIGEO_THIN_YEAR_PAPERS articles, only warns)")],
    )
    def core_lifesci_articles(
        context: dg.AssetExecutionContext,
        raw_pubmed_articles: pd.DataFrame,
        raw_pubmed_authors: pd.DataFrame,
        raw_works,
        raw_work_concepts,
        raw_venues: pd.DataFrame,
        core_affiliations,
        core_institutions,
        lifesci: LifeSciSource,
        source: WorksSource,
        analysis: AnalysisSettings,
    ):
        """Schmallenbach et al. 2024's corpus for the year: PubMed records with an AI keyword in title or abstract
        and OpenAlex life-science conference papers with one, deduplicated; each PubMed record
        linked to its OpenAlex work by PMID, else DOI (works of the year and the years around it),
        which gives it its authors' countries and its topic; each article with its lead country
        (last author, else first) and the rule that placed it, clinical flag, topic, international
        flag and outlet rank. Citations are counted over every year (``core_lifesci_citations``).
        With the API source the twins are also fetched by PMID and DOI whatever their concepts
        (``WorksSource.linked_works_root``), as the concept download holds few of them."""
        year = context.partition_key
        matcher, clinical = _filters(analysis)
        pubmed = pubmed_candidates(raw_pubmed_articles, matcher, clinical)
        twins, twin_fetch = _downloaded_twins(source, f"pmid{year}", pubmed, int(year))
        works_by_year, concepts_by_year = by_partition(raw_works, [year]), by_partition(raw_work_concepts, [year])
        concepts = {k: concepts_by_year[k] for k in sorted(concepts_by_year)}  # small; the works are read one year at a time
        candidates, openalex = [], pd.DataFrame()
        for k in sorted(works_by_year):
            w = works_by_year[k]
            if k == year:
                openalex = openalex_conference_candidates(w, concepts[k], raw_venues, matcher, clinical)
            if len(pubmed):
                candidates.append(openalex_link_candidates(w, pubmed["pmid"], pubmed["doi"]))
            del w
        if twins is not None and len(pubmed):
            candidates.append(openalex_link_candidates(twins.works, pubmed["pmid"], pubmed["doi"]))
            concepts["downloaded twins"] = twins.concepts
        candidates = pd.concat(candidates, ignore_index=True).drop_duplicates("work_id") if candidates else pd.DataFrame()
        links, link_stats = link_to_openalex(pubmed, candidates) if len(pubmed) else (pd.DataFrame(), {})
        works = pd.Index(pd.concat([links["work_id"] if len(links) else pd.Series([], dtype="string"),
                                    openalex["work_id"] if len(openalex) else pd.Series([], dtype="string")]).unique())
        topics = pd.concat([openalex_topics(c[is_in(c["work_id"], works)]) for c in concepts.values()])
        del concepts
        oa_aff = [a[is_in(a["work_id"], works)] for a in iter_partitions(core_affiliations)]
        if twins is not None:  # a twin the concept download also holds keeps its core_affiliations rows
            placed = pd.concat([a["work_id"] for a in oa_aff]) if oa_aff else []
            own = twins.authorships[is_in(twins.authorships["work_id"], works) & ~is_in(twins.authorships["work_id"], placed)]
            oa_aff.append(geocode_affiliations(own, core_institutions, bloc_definition=analysis.bloc_definition))
        oa_aff = pd.concat(oa_aff, ignore_index=True)
        pm_authors = raw_pubmed_authors[is_in(raw_pubmed_authors["pmid"], pubmed["pmid"] if len(pubmed) else [])]
        files = lifesci.ranking_files()
        ranking = OutletRanking.from_csv(*files) if files else OutletRanking.empty()
        articles, authors, stats = build_lifesci_articles(
            pubmed, openalex, pubmed_author_countries(pm_authors, affiliation_countries), openalex_author_countries(oa_aff), ranking,
            links=links, topics=topics[~topics.index.duplicated()], core_rank=analysis.lifesci_core_rank)
        coverage = float(articles["lead_country_code"].notna().mean()) if len(articles) else 1.0
        yield coverage_check("lead_country_coverage", coverage, 0.8, len(articles), analysis.thin_year_papers,
                             what="articles", asset_key="core_lifesci_articles", threshold_setting="fixed at 80%", partition=str(year))
        rules = authors["country_rule"].value_counts().to_dict()
        yield dg.Output(articles, output_name="core_lifesci_articles",
                        metadata=table_metadata(articles, "core_lifesci_articles", year=int(year),
                                                lead_country_coverage=round(coverage, 4), inputs=lifesci.configured(),
                                                clinical_filter=str(analysis.lifesci_clinical_csv or analysis.lifesci_clinical_filter),
                                                core_rank=analysis.lifesci_core_rank, links=link_stats, **twin_fetch,
                                                link_rate=round(1 - link_stats.get("unlinked", 0) / max(len(pubmed), 1), 4), **stats))
        yield dg.Output(authors, output_name="core_lifesci_authors",
                        metadata=table_metadata(authors, "core_lifesci_authors", country_rules=rules))

    @dg.asset(
        **table_asset_args("core_lifesci_citations", CORPUS),
        ins={  # every year of every input: only the columns used are read (the abstracts of all works are GBs)
            "core_lifesci_articles": dg.AssetIn(partition_mapping=every_year, metadata={"columns": ["article_id", "pmid", "work_id"]}),
            "raw_pubmed_references": dg.AssetIn(partition_mapping=every_year, metadata={LOAD_ON_ACCESS: True, "columns": ["pmid", "cited_pmid"]}),
            "raw_pubmed_articles": dg.AssetIn(partition_mapping=every_year, metadata={"columns": CLINICAL_INPUT_COLUMNS, LOAD_ON_ACCESS: True}),
            "raw_references": dg.AssetIn(partition_mapping=every_year, metadata={LOAD_ON_ACCESS: True, "columns": ["citing_work_id", "cited_work_id"]}),
            "raw_work_concepts": dg.AssetIn(partition_mapping=every_year, metadata={LOAD_ON_ACCESS: True, "columns": ["work_id", "level", "concept_name"]}),
            "raw_works": dg.AssetIn(partition_mapping=every_year, metadata={"columns": ["work_id", "title", "abstract"], LOAD_ON_ACCESS: True}),
        },
    )
    def core_lifesci_citations(
        core_lifesci_articles, raw_pubmed_references, raw_pubmed_articles, raw_references, raw_work_concepts, raw_works,
        source: WorksSource, analysis: AnalysisSettings,
    ) -> dg.Output:
        """Schmallenbach et al. 2024's relevance: the forward citations of every article, from the OpenAlex works
        citing its linked work, else from PubMed's ReferenceList, and the clinical ones among them
        (:func:`lifesci_citation_counts`), reading one citing year at a time. With the API source
        the works citing the linked works are also fetched whatever their concepts
        (``WorksSource.citing_works_root``); a citing work the concept download also holds is
        counted once."""
        _, clinical = _filters(analysis)
        articles = concat_partitions(core_lifesci_articles)
        root, fetched = source.citing_works_root("citing_twins", articles["work_id"].dropna().astype(str).tolist())
        citing = _downloaded_works(root, "citing_twins") if root is not None else None
        life = None
        if analysis.lifesci_citing == "life_science":
            concepts = [*iter_partitions(raw_work_concepts), *([citing.concepts] if citing is not None else [])]
            life = pd.Index(pd.concat([life_science_works(c).to_series() for c in concepts]).unique())
        pubmed_years = zip(iter_partitions(raw_pubmed_articles), iter_partitions(raw_pubmed_references))
        openalex_years = zip(iter_partitions(raw_works), iter_partitions(raw_references))
        if citing is not None:
            openalex_years = _and_downloaded(openalex_years, citing)
        df = lifesci_citation_counts(articles, pubmed_years, openalex_years, clinical, life)
        by_source = df["citation_source"].value_counts().to_dict()
        extra = {f"citing_{k}": v for k, v in {**fetched, "quarantined": len(citing.quarantine)}.items()} if citing is not None else {}
        return dg.Output(df, metadata=table_metadata(
            df, "core_lifesci_citations", citing=analysis.lifesci_citing, articles_by_citation_source=by_source,
            citations=int(df["citations"].sum()), openalex_citations=int(df["openalex_citations"].sum()),
            pubmed_citations=int(df["pubmed_citations"].sum()),
            clinical_share=round(float(df["clinical_citations"].sum() / max(df["citations"].sum(), 1)), 4), **extra))

    return [raw_pubmed_files, raw_pubmed_articles, core_lifesci_articles, core_lifesci_citations]


ATLAS = "lifesci_atlas"


def build_lifesci_atlas_assets() -> list:
    """The analyses of Schmallenbach et al. 2024, each a table asset over every year of the corpus."""
    every_year = dg.AllPartitionMapping()
    articles_in = {"out_lifesci_articles": dg.AssetIn()}
    @dg.asset(
        **table_asset_args("out_lifesci_articles", ATLAS),
        ins={"core_lifesci_articles": dg.AssetIn(partition_mapping=every_year)},
        automation_condition=dg.AutomationCondition.eager(),
    )
    def out_lifesci_articles(core_lifesci_articles, core_lifesci_citations: pd.DataFrame) -> dg.Output:
        """The articles of every year with their forward citations (:func:`with_citations`): the
        table every analysis of Schmallenbach et al. 2024 reads."""
        df = with_citations(concat_partitions(core_lifesci_articles), core_lifesci_citations)
        return dg.Output(df, metadata=table_metadata(
            df, "out_lifesci_articles", years=f"{df['publication_year'].min()}...{df['publication_year'].max()}" if len(df) else "none",
            link_rule=df["link_rule"].value_counts().to_dict(), country_source=df["country_source"].value_counts().to_dict(),
            topic_source=df["topic_source"].value_counts().to_dict(), citation_source=df["citation_source"].value_counts().to_dict()))

    assets = [out_lifesci_articles]

    def table_asset(name: str, compute, extra=None, ins=None):
        @dg.asset(name=name, **table_asset_args(name, ATLAS, kinds={"statsmodels"} if name.endswith("_irrs") else None),
                  ins=ins or articles_in,
                  automation_condition=dg.AutomationCondition.eager())
        def _table(**inputs) -> dg.Output:
            frames = {k: concat_partitions(v) for k, v in inputs.items()}
            df = compute(**frames)
            return dg.Output(df, metadata=table_metadata(df, name, **(extra(df, **frames) if extra else {})))

        assets.append(_table)

    def yearly(out_lifesci_articles):
        frame, _ = A.yearly_counts(out_lifesci_articles)
        return frame

    def yearly_extra(df, **_):
        cagr, span = A.yearly_cagr(df)
        return {"cagr": None if pd.isna(cagr) else round(float(cagr), 4), "cagr_years": str(span), "articles": int(df["articles"].sum())}

    table_asset("out_lifesci_yearly_counts", yearly, yearly_extra)
    table_asset("out_lifesci_country_counts", lambda out_lifesci_articles: A.country_counts(out_lifesci_articles),
                lambda df, **_: {"top_countries": df.head(5)[["country_code", "articles"]].to_dict("records")})
    table_asset("out_lifesci_link_coverage", lambda out_lifesci_articles: A.link_coverage(out_lifesci_articles),
                lambda df, **_: {"link_rate_of_pubmed_records": round(float((df["linked_by_pmid"] + df["linked_by_doi"]).sum()
                                                                            / max((df["articles"] - df["openalex_papers"]).sum(), 1)), 4)})
    table_asset("out_lifesci_country_years", lambda out_lifesci_articles: A.country_years(out_lifesci_articles),
                lambda df, **_: {"china_ahead_of_us_from": A.first_year_ahead(df, "CN", "US"),
                                 "years": f"{df['year'].min()}...{df['year'].max()}" if len(df) else "none"})
    table_asset("out_lifesci_topic_shares", lambda out_lifesci_articles: A.topic_country_shares(out_lifesci_articles))
    table_asset("out_lifesci_clinical_by_country", lambda out_lifesci_articles: A.clinical_by_country(out_lifesci_articles))
    table_asset("out_lifesci_high_ranked_by_country", lambda out_lifesci_articles: A.high_ranked_by_country(out_lifesci_articles))
    table_asset("out_lifesci_high_ranked_by_region_year", lambda out_lifesci_articles: A.high_ranked_by_region_year(out_lifesci_articles))
    table_asset("out_lifesci_international_by_year", lambda out_lifesci_articles: A.international_share_by_year(out_lifesci_articles))
    table_asset("out_lifesci_international_by_region", lambda out_lifesci_articles: A.international_share_by_region(out_lifesci_articles),
                lambda df, **_: {"share_by_region": dict(zip(df["world_region"], df["share_international"].round(4)))})

    def relevance_irrs(out_lifesci_articles):
        return A.irr_table(A.fit_relevance_models(out_lifesci_articles))

    def collaboration_irrs(out_lifesci_articles):
        return A.irr_table({"8A citations": A.collaboration_model(out_lifesci_articles, "citations"),
                            "8A clinical": A.collaboration_model(out_lifesci_articles, "clinical_citations")})

    def irrs_extra(df, **_):
        return {"irr_table": dg.MetadataValue.md(
                    preview_markdown(df[["model", "term", "irr", "lower", "upper", "nobs"]].round(3), rows=len(df))),
                "not_estimable": not_estimable_reasons(df)}

    table_asset("out_lifesci_relevance_irrs", relevance_irrs, irrs_extra)
    table_asset("out_lifesci_collaboration_irrs", collaboration_irrs, irrs_extra)
    table_asset(
        "out_lifesci_dyads",
        lambda out_lifesci_articles, core_lifesci_authors: A.collaboration_dyads(out_lifesci_articles, core_lifesci_authors),
        ins={"out_lifesci_articles": dg.AssetIn(), "core_lifesci_authors": dg.AssetIn(partition_mapping=every_year)},
    )
    return assets
