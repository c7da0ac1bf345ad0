"""Groups ``lifesci_corpus`` and ``lifesci_atlas``: the life-science atlas of Schmallenbach et al. 2024 (PubMed and
OpenAlex conference papers; productivity, quality-adjusted productivity, relevance and
international collaboration by country and region)."""

import dataclasses
import functools
import warnings

import dagster as dg
import pandas as pd
import pyarrow as pa

from aigeo_assets.assets.metadata import (
    LARGE_MEMORY_POOL,
    check_result,
    coverage_check,
    partitions_label,
    preview_markdown,
    table_asset_args,
    table_metadata,
    table_out,
)
from aigeo_assets.assets.ranges import YEARLY_RANGES, SlidingPartitions
from aigeo_assets.corpus.lookup import arrow_strings, is_in
from aigeo_assets.geo.affiliation_text import affiliation_countries
from aigeo_assets.geo.geocode import geocode_affiliations
from aigeo_assets.ingest.openalex_api import downloaded_parts
from aigeo_assets.ingest.works import WorksTables, parse_works_year
from aigeo_assets.lifesci import analyses as A
from aigeo_assets.lifesci.corpus import (
    CANDIDATE_CONCEPT_ROWS,
    CLINICAL_INPUT_COLUMNS,
    LIFE_SCIENCE_ROOT_ROWS,
    LINK_INPUT_COLUMNS,
    OutletRanking,
    build_lifesci_articles,
    cited_ids,
    life_science_works,
    lifesci_citation_counts,
    link_to_openalex,
    openalex_author_countries,
    openalex_conference_candidates,
    openalex_link_candidates,
    openalex_topics,
    pubmed_candidates,
    with_citations,
)
from aigeo_assets.lifesci.keywords import ClinicalFilter, KeywordMatcher, load_filters
from aigeo_assets.lifesci.pubmed_files import PUBMED_TABLES, file_manifest, pubmed_year_table
from aigeo_assets.models.results import not_estimable_reasons
from aigeo_assets.resources.analysis import AnalysisSettings
from aigeo_assets.resources.io import LOAD_ON_ACCESS, ROWS, LazyPartitions, by_partition, concat_partitions, iter_partitions, partition_rows
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


def _citing_years(keys: list[str], records, references, cited: tuple[str, pa.Array], citing: tuple[str, str], whole_records: bool = False):
    """For each of ``keys`` (citing years, ascending): (the records citing ``cited``, their references
    to it), read one year at a time: only the references whose ``cited[0]`` is among ``cited[1]``,
    and only the records (``citing``: the references' citing column, the records' id column) that
    make them, unless ``whole_records`` (issue 13: a real year's references and texts are GBs, the
    citations of the articles a few per cent of them). :func:`lifesci_citation_counts` keeps the same
    rows of whole years."""
    for key in keys:
        refs = partition_rows(references, key, [(cited[0], "in", cited[1])])
        citers = arrow_strings(refs[citing[0]].unique())
        yield (by_partition(records, [key])[key] if whole_records else partition_rows(records, key, [(citing[1], "in", citers)])), refs


def _and_downloaded(openalex_years, downloaded: WorksTables):
    """The (works, references) of every year, then the downloaded works that none of them held:
    a citing work counts once whichever way it arrived."""
    seen = []
    for works, references in openalex_years:
        seen.append(works["work_id"])
        yield works, references
    new = downloaded.works[~is_in(downloaded.works["work_id"], pd.concat(seen) if seen else [])]
    yield new, downloaded.references[is_in(downloaded.references["citing_work_id"], new["work_id"])]


LEAD_COUNTRY_COVERAGE = 0.8
"""The share of a year's articles with a lead country below which ``lead_country_coverage`` fails."""


def range_coverage_check(coverage_by_year: dict[str, tuple[float, int]], thin_below: int, label: str) -> dg.AssetCheckResult:
    """``lead_country_coverage`` of a run over several years (``{year: (coverage, articles)}``): passed
    when every year reaches ``LEAD_COUNTRY_COVERAGE``; a year below it that holds at least ``thin_below``
    articles makes the failure an ERROR, thinner years only warn (as a one-year run's ``coverage_check``)."""
    below = [k for k, (share, _) in sorted(coverage_by_year.items()) if share < LEAD_COUNTRY_COVERAGE]
    blocking = [k for k in below if coverage_by_year[k][1] >= thin_below]
    if not below:
        reason = f"every year has at least {LEAD_COUNTRY_COVERAGE:.0%} of its articles covered"
    else:
        reason = f"below {LEAD_COUNTRY_COVERAGE:.0%} in {', '.join(below)}" + ("" if blocking else f" (each under {thin_below} articles: not blocking)")
    return check_result("lead_country_coverage", not below, reason, partition=label, asset_key="core_lifesci_articles",
                        severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
                        threshold=LEAD_COUNTRY_COVERAGE, thin_below=thin_below, years_below=below, years_blocking=blocking,
                        share_by_year={k: round(share, 4) for k, (share, _) in sorted(coverage_by_year.items())},
                        articles_by_year={k: n for k, (_, n) in sorted(coverage_by_year.items())})


class WorksYearsAhead:
    """The OpenAlex works years a run of ``core_lifesci_articles`` reads (``works_read``, each read once,
    in order, one held at a time) and what each gives the run's years within ``LINK_YEARS_AROUND`` of
    it: the link candidates of their PubMed candidates (``pubmed_of(year)``, small, made when first
    needed and dropped once the year is done) and, for its own year, the conference candidates (from
    that year's concepts and venues).
    ``of_year(year)`` reads up to ``year + LINK_YEARS_AROUND`` and gives the year's PubMed candidates,
    its link candidates in the order of their works years (as a one-year run finds them) and its
    conference candidates."""

    def __init__(self, works_by_year, works_read: list[str], years: list[str], concepts_by_year, venues_by_year,
                 pubmed_of, matcher: KeywordMatcher, clinical: ClinicalFilter):
        self._works, self._ahead, self._years = works_by_year, iter(works_read), years
        self._concepts, self._venues, self._pubmed_of = concepts_by_year, venues_by_year, pubmed_of
        self._matcher, self._clinical = matcher, clinical
        self._pubmed: dict[str, pd.DataFrame] = {}
        self._links: dict[str, list[pd.DataFrame]] = {k: [] for k in years}
        self._conference: dict[str, pd.DataFrame] = {}

    def _candidates(self, year: str) -> pd.DataFrame:
        if year not in self._pubmed:
            self._pubmed[year] = self._pubmed_of(year)
        return self._pubmed[year]

    def of_year(self, year: str) -> tuple[pd.DataFrame, list[pd.DataFrame], pd.DataFrame]:
        last = int(year) + LINK_YEARS_AROUND
        for k in self._ahead:
            w = self._works[k]
            for y in (y for y in self._years if abs(int(y) - int(k)) <= LINK_YEARS_AROUND):
                if k == y:
                    self._conference[y] = openalex_conference_candidates(w, self._concepts[k], self._venues[k], self._matcher, self._clinical)
                pubmed = self._candidates(y)
                if len(pubmed):
                    self._links[y].append(openalex_link_candidates(w, pubmed["pmid"], pubmed["doi"]))
            del w
            if int(k) >= last:
                break
        pubmed = self._candidates(year)
        for k in [k for k in self._pubmed if int(k) <= int(year)]:
            del self._pubmed[k]
        return pubmed, self._links.pop(year), self._conference.pop(year, pd.DataFrame())


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
        backfill_policy=YEARLY_RANGES,
        deps=["raw_pubmed_files"],
    )
    def raw_pubmed_articles(context: dg.AssetExecutionContext, lifesci: LifeSciSource):
        """PubMed records of the year from every file (the latest version of each PMID, deleted
        ones left out), with their authors and affiliations in byline order and their references.
        A run may cover a range of years: each table of each year is read from the parse cache when
        the IO manager writes it (the three tables in turn, one year's table at a time), with the
        metadata a one-year run gives it."""
        keys = list(context.partition_keys)
        files, cache, workers = lifesci.pubmed_files(), lifesci.cache_path(), lifesci.pubmed_workers or None

        def year_table(name: str, key: str) -> pd.DataFrame:
            year = int(key)
            tables = pubmed_year_table(files, cache, year, name, workers=workers)
            table = getattr(tables, name)
            extra = {"articles": {"superseded_by_later_version": tables.n_superseded, "deleted_by_later_file": tables.n_deleted},
                     "authors": {"without_affiliation": int(table["affiliation"].isna().sum())} if name == "authors" else {},
                     "references": {}}[name]
            asset = f"raw_pubmed_{name}"
            context.add_asset_metadata(table_metadata(table, asset, year=year, **extra), asset_key=asset, partition_key=key)
            return table

        for name in PUBMED_TABLES:
            yield dg.Output(LazyPartitions({k: functools.partial(year_table, name, k) for k in keys}), output_name=f"raw_pubmed_{name}")

    around = dg.TimeWindowPartitionMapping(start_offset=-LINK_YEARS_AROUND, end_offset=LINK_YEARS_AROUND,
                                           allow_nonexistent_upstream_partitions=True)

    @dg.multi_asset(
        outs={
            "core_lifesci_articles": table_out("core_lifesci_articles", CORPUS),
            "core_lifesci_authors": table_out("core_lifesci_authors", CORPUS),
        },
        partitions_def=partitions,
        backfill_policy=YEARLY_RANGES,
        ins={  # the OpenAlex years around the year, one at a time: a record's work may be dated a year apart
            "raw_pubmed_articles": dg.AssetIn(metadata={LOAD_ON_ACCESS: True}),
            "raw_pubmed_authors": dg.AssetIn(metadata={LOAD_ON_ACCESS: True}),
            "raw_works": dg.AssetIn(partition_mapping=around, metadata={LOAD_ON_ACCESS: True, "columns": CONFERENCE_INPUT_COLUMNS}),
            "raw_work_concepts": dg.AssetIn(partition_mapping=around,
                                            metadata={LOAD_ON_ACCESS: True, "columns": ["work_id", "level", "concept_name", "score"],
                                                      ROWS: CANDIDATE_CONCEPT_ROWS}),
            "core_affiliations": dg.AssetIn(partition_mapping=around, metadata={LOAD_ON_ACCESS: True, "columns": ["work_id", "author_seq", "country_code"]}),
            "core_institutions": dg.AssetIn(metadata={LOAD_ON_ACCESS: True}),
        },
        check_specs=[dg.AssetCheckSpec("lead_country_coverage", asset="core_lifesci_articles",
                                       description="at least 80% of the articles have a lead country, in every year of the run (a thin year, "
                                       "fewer than AIGEO_THIN_YEAR_PAPERS articles, only warns)")],
    )
    def core_lifesci_articles(
        context: dg.AssetExecutionContext,
        raw_pubmed_articles,
        raw_pubmed_authors,
        raw_works,
        raw_work_concepts,
        raw_venues,
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
        (``WorksSource.linked_works_root``), as the concept download holds few of them.

        A run may cover a range of years, each computed from the partitions a one-year run reads, in
        the same order, when the IO manager writes it: each OpenAlex year of works is read once for the
        range, one at a time, and gives its link candidates to every year of the run within
        ``LINK_YEARS_AROUND`` of it (their PubMed candidates, small, are filtered ahead); the concepts
        and the affiliations of the years around the year are held while a year still ahead reads
        them (``SlidingPartitions``). **Choice:** the coverage check is one result per run, its
        metadata naming the years below 80%."""
        keys = list(context.partition_keys)
        matcher, clinical = _filters(analysis)
        pubmed_articles, pubmed_authors = by_partition(raw_pubmed_articles, keys), by_partition(raw_pubmed_authors, keys)
        works_read = sorted(context.asset_partition_keys_for_input("raw_works"), key=int)
        works_by_year = by_partition(raw_works, works_read)
        concepts_read = sorted(context.asset_partition_keys_for_input("raw_work_concepts"), key=int)
        concepts_by_year = SlidingPartitions(by_partition(raw_work_concepts, concepts_read))
        affiliations_read = sorted(context.asset_partition_keys_for_input("core_affiliations"), key=int)
        affiliations_by_year = SlidingPartitions(by_partition(core_affiliations, affiliations_read))
        works = WorksYearsAhead(works_by_year, works_read, keys, concepts_by_year, by_partition(raw_venues, keys),
                                lambda key: pubmed_candidates(pubmed_articles[key], matcher, clinical), matcher, clinical)
        coverage_by_year: dict[str, tuple[float, int]] = {}

        def around(year: str, read: list[str]) -> list[str]:
            return [k for k in read if abs(int(k) - int(year)) <= LINK_YEARS_AROUND]

        def year_tables(year: str) -> tuple[pd.DataFrame, pd.DataFrame]:
            key = year
            pubmed, candidates, openalex = works.of_year(key)
            twins, twin_fetch = _downloaded_twins(source, f"pmid{year}", pubmed, int(year))
            concepts_by_year.keep_from(str(int(key) - LINK_YEARS_AROUND))
            concepts = {k: concepts_by_year[k] for k in around(key, concepts_read)}
            if twins is not None and len(pubmed):
                candidates.append(openalex_link_candidates(twins.works, pubmed["pmid"], pubmed["doi"]))
                concepts["downloaded twins"] = twins.concepts
            candidates = pd.concat(candidates, ignore_index=True).drop_duplicates("work_id") if candidates else pd.DataFrame()
            links, link_stats = link_to_openalex(pubmed, candidates) if len(pubmed) else (pd.DataFrame(), {})
            linked = pd.Index(pd.concat([links["work_id"] if len(links) else pd.Series([], dtype="string"),
                                         openalex["work_id"] if len(openalex) else pd.Series([], dtype="string")]).unique())
            topics = pd.concat([openalex_topics(c[is_in(c["work_id"], linked)]) for c in concepts.values()])
            del concepts
            affiliations_by_year.keep_from(str(int(key) - LINK_YEARS_AROUND))
            oa_aff = [affiliations_by_year[k][lambda a: is_in(a["work_id"], linked)] for k in around(key, affiliations_read)]
            if twins is not None:  # a twin the concept download also holds keeps its core_affiliations rows
                placed = pd.concat([a["work_id"] for a in oa_aff]) if oa_aff else []
                own = twins.authorships[is_in(twins.authorships["work_id"], linked) & ~is_in(twins.authorships["work_id"], placed)]
                oa_aff.append(geocode_affiliations(own, core_institutions, bloc_definition=analysis.bloc_definition))
            oa_aff = pd.concat(oa_aff, ignore_index=True)
            year_authors = pubmed_authors[key]
            pm_authors = year_authors[is_in(year_authors["pmid"], pubmed["pmid"] if len(pubmed) else [])]
            del year_authors
            files = lifesci.ranking_files()
            ranking = OutletRanking.from_csv(*files) if files else OutletRanking.empty()
            articles, authors, stats = build_lifesci_articles(
                pubmed, openalex, pm_authors, openalex_author_countries(oa_aff), ranking,  # the PubMed strings placed where read
                links=links, topics=topics[~topics.index.duplicated()], core_rank=analysis.lifesci_core_rank, resolve=affiliation_countries)
            coverage = float(articles["lead_country_code"].notna().mean()) if len(articles) else 1.0
            coverage_by_year[key] = (coverage, len(articles))
            rules = authors["country_rule"].value_counts().to_dict()
            context.add_asset_metadata(
                table_metadata(articles, "core_lifesci_articles", year=int(year),
                               lead_country_coverage=round(coverage, 4), inputs=lifesci.configured(),
                               clinical_filter=str(analysis.lifesci_clinical_csv or analysis.lifesci_clinical_filter),
                               core_rank=analysis.lifesci_core_rank, links=link_stats, **twin_fetch,
                               link_rate=round(1 - link_stats.get("unlinked", 0) / max(len(pubmed), 1), 4), **stats),
                asset_key="core_lifesci_articles", partition_key=key)
            context.add_asset_metadata(table_metadata(authors, "core_lifesci_authors", country_rules=rules),
                                       asset_key="core_lifesci_authors", partition_key=key)
            return articles, authors

        authors_by_year: dict[str, pd.DataFrame] = {}

        def year_articles(key: str) -> pd.DataFrame:
            articles, authors_by_year[key] = year_tables(key)
            return articles

        # each year's articles are made when written (in year order); the authors, a few rows per article, are written after them
        yield dg.Output(LazyPartitions({k: functools.partial(year_articles, k) for k in keys}), output_name="core_lifesci_articles")
        yield dg.Output(authors_by_year, output_name="core_lifesci_authors")
        if len(keys) == 1:
            coverage, n = coverage_by_year[keys[0]]
            yield coverage_check("lead_country_coverage", coverage, LEAD_COUNTRY_COVERAGE, n, analysis.thin_year_papers,
                                 what="articles", asset_key="core_lifesci_articles", threshold_setting="fixed at 80%", partition=keys[0])
        else:
            yield range_coverage_check(coverage_by_year, analysis.thin_year_papers, partitions_label(keys))

    @dg.asset(
        **table_asset_args("core_lifesci_citations", CORPUS),
        ins={  # every year of every input: only the columns used are read (the abstracts of all works are GBs)
            "core_lifesci_articles": dg.AssetIn(partition_mapping=every_year, metadata={"columns": ["article_id", "pmid", "work_id"]}),
            "raw_pubmed_references": dg.AssetIn(partition_mapping=every_year, metadata={LOAD_ON_ACCESS: True, "columns": ["pmid", "cited_pmid"]}),
            "raw_pubmed_articles": dg.AssetIn(partition_mapping=every_year, metadata={"columns": CLINICAL_INPUT_COLUMNS, LOAD_ON_ACCESS: True}),
            "raw_references": dg.AssetIn(partition_mapping=every_year, metadata={LOAD_ON_ACCESS: True, "columns": ["citing_work_id", "cited_work_id"]}),
            "raw_work_concepts": dg.AssetIn(partition_mapping=every_year, metadata={LOAD_ON_ACCESS: True, "columns": ["work_id", "level", "concept_name"],
                                                                                    ROWS: LIFE_SCIENCE_ROOT_ROWS}),
            "raw_works": dg.AssetIn(partition_mapping=every_year, metadata={"columns": ["work_id", "title", "abstract"], LOAD_ON_ACCESS: True}),
        },
        pool=LARGE_MEMORY_POOL,  # every year's citations of the articles and their citers' texts: 1.1 GB at the paper's scale
    )
    def core_lifesci_citations(
        context: dg.AssetExecutionContext, core_lifesci_articles, raw_pubmed_references, raw_pubmed_articles, raw_references,
        raw_work_concepts, raw_works, source: WorksSource, analysis: AnalysisSettings,
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
        pmids, works = cited_ids(articles)

        def years(name: str) -> list[str]:
            return sorted(context.asset_partition_keys_for_input(name), key=int)

        pubmed_years = _citing_years(years("raw_pubmed_references"), raw_pubmed_articles, raw_pubmed_references,
                                     ("cited_pmid", pmids), ("pmid", "pmid"))
        # with downloaded citers, each year's works are read whole: a downloaded work they hold is not counted twice
        openalex_years = _citing_years(years("raw_references"), raw_works, raw_references, ("cited_work_id", works),
                                       ("citing_work_id", "work_id"), whole_records=citing is not None)
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
