"""Table schemas, declared once (PUDL style) and enforced where a table is written.

Every column is a field of the registry ``aigeo_assets.fields.FIELDS`` (dtype, description, unit,
allowed values), defined once. A table (``SCHEMAS``) lists its field names in order, its primary key
and its description; a column takes the field's dtype and description, or the table's own
description where the table gives one (``("year", "last year of the window")``: rare, explicit).

``conform`` casts a frame to its table's schema, checks its coded columns against their fields'
allowed values (``check_values``), and raises ``SchemaError`` naming the table and the column when
it cannot. The IO manager (``resources.io.ParquetIOManager``) calls it on every write of
a declared table, so a bad table fails at the boundary with a clear message instead of deep inside
pandas, and the stored file always has the declared columns, order and dtypes. An asset's generated
check ``<table>_primary_key_unique`` (``assets.metadata.primary_key_checks``) fails when a written
table has a null or a duplicate key.

**Primary keys** identify a row within one write (one partition of a yearly table: its key need not
hold the year). Chosen per table and checked on the tiny sample world; seven tables have none, on
purpose: ``raw_authorships`` and ``core_affiliations`` (one row per authorship and institution, the
institution null when the authorship has none), ``raw_work_topics`` (a record may list one topic twice,
with two scores), ``core_lifesci_authors`` (the country null when unknown), ``quarantine`` (one row per
problem, repeats allowed), ``out_city_pairs`` (a null city is a paper not located) and
``out_model_coefficients`` (the year null for pooled fits). A key never holds a nullable column.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from aigeo_assets.fields import BOOL, F64, FIELDS, I16, I32, I64, STR, TYPE_BY_TABLE  # noqa: F401  (dtype names re-exported)
from aigeo_assets.reports.glossary import BLOCS, first_use


class SchemaError(ValueError):
    """A table does not match its declared schema."""


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str
    description: str
    allowed: tuple[str, ...] | None = None
    """The values a coded column may hold (the field's ``allowed``); None: any value."""
    nullable: bool = True
    """False: a null is refused (the field's ``nullable``)."""


@dataclass(frozen=True)
class TableSchema:
    name: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    """Columns whose values identify a row (within one partition for a partitioned table); empty: none
    (the table may hold equal rows, e.g. quarantine)."""
    csv_copy: bool = True
    """False: an ``out_*`` table that gets no CSV copy under the default choice (``AIGEO_CSV_COPIES=out``;
    ``all`` still writes one): the observations of a model, every ordered city pair of a year, which
    no one opens as a spreadsheet (``resources.io.wants_csv``)."""

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def empty(self) -> pd.DataFrame:
        return pd.DataFrame({c.name: pd.Series([], dtype=c.dtype) for c in self.columns})


def _column(table: str, col: str | tuple[str, str] | Column) -> Column:
    """A table's column from its field: ``"name"`` (the field as defined) or ``("name", "description")``
    (the table's own description); the dtype is always the field's (or ``TYPE_BY_TABLE``'s)."""
    if isinstance(col, Column):
        return col
    name, own = (col, None) if isinstance(col, str) else col
    if name not in FIELDS:
        raise KeyError(f"{table}.{name}: not a field of aigeo_assets.fields.FIELDS")
    field = FIELDS[name]
    return Column(name, TYPE_BY_TABLE.get((table, name), field.type), field.describe(own), field.allowed, field.nullable)


def _t(name: str, description: str, *cols: str | tuple[str, str] | Column, key: tuple[str, ...] = (),
       csv_copy: bool = True) -> TableSchema:
    """A table: its name, description, columns (field names, in order), primary key ``key`` and
    whether it gets a CSV copy (``TableSchema.csv_copy``)."""
    columns = tuple(_column(name, c) for c in cols)
    unknown = [k for k in key if k not in {c.name for c in columns}]
    if unknown:
        raise KeyError(f"{name}: primary key column(s) {unknown} are not columns of the table")
    return TableSchema(name, description, columns, tuple(key), csv_copy)


AUTHOR_YEAR_PLACE_COLUMNS = (
    "author_id",
    "year",
    ("city_geonames_id", "the author's city that year (mode of that year's affiliations)"),
    "country_code",
    "bloc",
    "n_papers_year",
    "n_ai_papers_year",
)
"""An author's year: ``core_author_year_places``, and ``core_author_years`` before its career columns."""


LIFESCI_ARTICLE_COLUMNS = (
    "article_id",
    "pmid",
    "doi",
    ("work_id", "the OpenAlex work: the conference paper, or the work a PubMed record is linked to"),
    "source",
    "link_rule",
    "publication_year",
    "title",
    "outlet_kind",
    "outlet_id",
    "outlet_name",
    "ai_keyword",
    "is_clinical",
    "topic",
    "topic_source",
    "n_authors",
    "lead_country_code",
    "lead_world_region",
    "lead_rule",
    "country_source",
    "n_countries",
    "is_international",
    "outlet_ranked",
    "high_ranked",
)
"""The columns of ``core_lifesci_articles`` (``out_lifesci_articles`` adds the citations)."""

LIFESCI_IRR_COLUMNS = (
    "model",
    "outcome",
    "absorbed",
    "term",
    "label",
    "coef",
    "std_err",
    "irr",
    "lower",
    "upper",
    "p_value",
    "nobs",
    "nb_alpha",
    "converged",
    "dropped_unknown_region",
    "dropped_unknown_country",
    "dropped_missing",
    "dropped_all_zero_groups",
    "dropped_separated",
)
"""The columns of a table of life-science IRRs (``out_lifesci_relevance_irrs``, ``out_lifesci_collaboration_irrs`` and the side results' refits)."""


SCHEMAS: dict[str, TableSchema] = {
    s.name: s
    for s in [
        # ---- raw: parsed source records, one year per partition ----
        _t(
            "raw_works",
            "One row per OpenAlex work of the partition's publication year (merged ids applied).",
            "work_id",
            "publication_year",
            "doi",
            "pmid",
            "type",
            "type_crossref",
            "title",
            "abstract",
            ("venue_id", "primary_location.source.id, short form (S...)"),
            "venue_type",
            "primary_subfield_id",
            "n_authors",
            "n_references",
            "location_raw_type",
            "location_raw_source_name",
            key=("work_id",),
        ),
        _t(
            "raw_authorships",
            "One row per authorship x institution (institution null when the authorship has none).",
            "work_id",
            "author_seq",
            "author_position",
            "author_id",
            "institution_seq",
            "institution_id",
            "institution_name",
            "institution_country_code",
            "author_countries",
            "raw_affiliation",
            "institution_raw_affiliation",
        ),
        _t(
            "raw_references",
            "Citation links as stated by the citing work's referenced_works.",
            "citing_work_id",
            "cited_work_id",
            key=("citing_work_id", "cited_work_id"),
        ),
        _t(
            "raw_work_concepts",
            "Concepts tagged on each work.",
            "work_id",
            "concept_id",
            "concept_name",
            "level",
            "score",
            key=("work_id", "concept_id"),
        ),
        _t(
            "raw_work_topics",
            "Topics of each work (primary topic first).",
            "work_id",
            "topic_id",
            "is_primary",
            "subfield_id",
            "field_id",
            "domain_id",
            "score",
        ),
        _t(
            "raw_venues",
            "Venues (sources) seen in the partition's works.",
            "venue_id",
            "display_name",
            "issn_l",
            "venue_type",
            key=("venue_id",),
        ),
        _t(
            "raw_institutions",
            "OpenAlex institution records (merged ids applied).",
            "institution_id",
            "display_name",
            "country_code",
            "type",
            "geo_city",
            "geo_geonames_city_id",
            "geo_region",
            "geo_country_code",
            "geo_latitude",
            "geo_longitude",
            key=("institution_id",),
        ),
        _t(
            "quarantine",
            "Input that could not be used, with where it was and why. Nothing is dropped silently.",
            "file",
            "line",
            "reason",
            "detail",
        ),
        # ---- core: cleaned, joined, geocoded ----
        _t(
            "core_institutions",
            f"Institutions geocoded to a city, country, {first_use('UN M49')} region and East/West bloc ({BLOCS}).",
            "institution_id",
            "display_name",
            "city_geonames_id",
            "city_name",
            "latitude",
            "longitude",
            "country_code",
            "region",
            "sub_region",
            "world_region",
            "bloc",
            "geocode_rule",
            key=("institution_id",),
        ),
        _t(
            "core_affiliations",
            "Each authorship x institution of the year located to a city (authorship-level geocoding).",
            "work_id",
            "author_seq",
            "author_position",
            "author_id",
            "institution_id",
            "city_geonames_id",
            "country_code",
            "bloc",
            "geocode_rule",
        ),
        _t(
            "core_papers",
            "Works of the year with AI flag, document type, city (last author) and lead country.",
            "work_id",
            "publication_year",
            "is_ai",
            "doc_type",
            "doc_type_rule",
            "in_corpus",
            "venue_id",
            "n_authors",
            ("city_geonames_id", "city of the last author's affiliation (AlShebli et al. 2022)"),
            "city_name",
            "city_latitude",
            "city_longitude",
            "city_country_code",
            "bloc",
            "lead_country_code",
            "lead_world_region",
            "lead_rule",
            key=("work_id",),
        ),
        _t(
            "core_citations",
            "Citation links from works of the partition's year, with both ends' year and place.",
            "citing_work_id",
            "cited_work_id",
            "citing_year",
            "cited_year",
            "resolution",
            "citing_in_corpus",
            "cited_in_corpus",
            "citing_city_geonames_id",
            "cited_city_geonames_id",
            "citing_country_code",
            "cited_country_code",
            "citing_bloc",
            "cited_bloc",
            key=("citing_work_id", "cited_work_id"),
        ),
        _t(
            "core_author_year_places",
            "Each author's city and papers in a year (AlShebli et al. 2022), one partition per year; "
            "core_author_years adds the careers.",
            *AUTHOR_YEAR_PLACE_COLUMNS,
            key=("author_id", "year"),
        ),
        _t(
            "core_author_years",
            "Each author's city per year and the AI-scientist flag (AlShebli et al. 2022).",
            *AUTHOR_YEAR_PLACE_COLUMNS,
            "n_papers_career",
            "n_ai_papers_career",
            "is_ai_scientist",
            key=("author_id", "year"),
        ),
        # ---- out: metrics, matrices (AlShebli et al. 2022, Figs. 1-2) ----
        _t(
            "out_city_year_metrics",
            "Impact, productivity and AI scientists of every city in a year (AlShebli et al. 2022, Fig. 1).",
            "year",
            "city_geonames_id",
            "city_name",
            "country_code",
            "bloc",
            "latitude",
            "longitude",
            "productivity",
            "impact",
            "impact_long",
            "ai_scientists",
            "share_productivity",
            "share_impact",
            "share_impact_long",
            "share_ai_scientists",
            "impact_window_complete",
            "impact_long_window_complete",
            key=("year", "city_geonames_id"),
        ),
        _t(
            "out_world_year_totals",
            "World totals of a year: every corpus paper, located or not (the denominators of the shares).",
            "year",
            ("productivity", "AI corpus papers of the year"),
            "productivity_located",
            ("impact", "citations to them within the impact window"),
            ("impact_long", "citations to them within the long window"),
            ("ai_scientists", "AI scientists with a located city that year"),
            ("impact_window_complete", "impact window complete"),
            ("impact_long_window_complete", "long window complete"),
            key=("year",),
        ),
        _t(
            "out_city_pairs",
            "City-to-city counts of a year (long form): citations (impact) or papers (collaboration).",
            ("year", "publication year of the cited paper (impact) or of the paper (collaboration)"),
            "row_city_geonames_id",
            "col_city_geonames_id",
            "value",
            ),
        _t(
            "out_top_cities",
            "The most impactful cities of the reference year (AlShebli et al. 2022: 2017) and their matrix order.",
            "city_geonames_id",
            "city_name",
            "country_code",
            "bloc",
            "reference_year",
            "reference_impact",
            "reference_rank",
            key=("city_geonames_id",),
        ),
        _t(
            "out_city_ranks",
            "Each city's value and rank per year and metric (Fig. 1, right-hand sides).",
            "year",
            "city_geonames_id",
            "metric",
            ("value", "the metric"),
            "relative",
            "rank",
            "window_complete",
            key=("year", "metric", "city_geonames_id"),
        ),
        _t(
            "out_top_city_shares",
            "The top cities' share of the world per year (Supplementary Fig. 2).",
            "year",
            "top_n",
            ("metric", "impact, productivity or ai_scientists"),
            "top_value",
            "world_value",
            ("share", "top_value / world_value"),
            "window_complete",
            key=("year", "top_n", "metric"),
        ),
        _t(
            "out_city_matrix",
            "A city x city matrix between the top N cities (long form), East first then West (Fig. 2).",
            "top_n",
            "row_order",
            "col_order",
            ("row_city_geonames_id", "row city"),
            ("col_city_geonames_id", "column city"),
            "row_city_name",
            "col_city_name",
            "row_bloc",
            "col_bloc",
            ("value", "the cell"),
            key=("top_n", "row_city_geonames_id", "col_city_geonames_id"),
        ),
        # ---- out: networks and centrality (AlShebli et al. 2022, Fig. 3, Methods, Supplementary Tables 4-8) ----
        _t(
            "out_network_edges",
            "The directed, weighted city networks between the top cities; length = 1 / weight.",
            "network",
            "source_city_geonames_id",
            "target_city_geonames_id",
            "weight",
            "length",
            "weight_numerator",
            "weight_denominator",
            key=("network", "source_city_geonames_id", "target_city_geonames_id"),
        ),
        _t(
            "out_east_west_betweenness",
            first_use("East\u2013West betweenness") + f" and {first_use('Definition 1')} of each city ({BLOCS}).",
            "window_end",
            "network",
            "city_geonames_id",
            "city_name",
            "bloc",
            "east_west_betweenness",
            "east_west_path_share",
            "betweenness",
            ("rank", "rank by East-West betweenness within the network (1 = largest)"),
            key=("window_end", "network", "city_geonames_id"),
        ),
        _t(
            "out_robustness_centralities",
            "Robustness centralities per network (Supplementary Tables 4-8), ranked.",
            "network",
            "measure",
            "city_geonames_id",
            "city_name",
            "bloc",
            ("score", "total weighted degree, harmonic closeness, PageRank or mean spread"),
            "stderr",
            "rank",
            key=("network", "measure", "city_geonames_id"),
        ),
        # ---- out: centres of mass (AlShebli et al. 2022, Fig. 4) ----
        _t(
            "out_centres_of_mass",
            "The centre of mass of AI research per year and metric (AlShebli et al. 2022, Fig. 4).",
            "year",
            ("metric", "impact, productivity or ai_scientists"),
            "method",
            ("latitude", "centre latitude"),
            ("longitude", "centre longitude"),
            "total_weight",
            "resultant_length",
            "n_cities",
            "cities_without_coordinates",
            "window_complete",
            key=("year", "metric", "method"),
        ),
        _t(
            "out_focal_pull",
            "How far a focal city (default Beijing) pulls the centre of mass, per year and metric.",
            "year",
            "metric",
            "method",
            "focal_city_geonames_id",
            "focal_city_name",
            "focal_city_bloc",
            "focal_weight",
            "focal_share",
            "pull_km",
            "lat_with",
            "lon_with",
            "lat_without",
            "lon_without",
            "window_complete",
            key=("year", "metric", "method"),
        ),
        _t(
            "out_centre_trajectory",
            "The path of the centre of mass over the years: steps, distance from the first year, speeds.",
            "year",
            "metric",
            "method",
            ("latitude", "centre latitude"),
            ("longitude", "centre longitude"),
            "window_complete",
            "step_km",
            "distance_from_first_km",
            "cumulative_km",
            "years_elapsed",
            "mean_speed_km_per_year",
            "net_speed_km_per_year",
            key=("year", "metric", "method"),
        ),
        # ---- raw/core: the life-science atlas (Schmallenbach et al. 2024) ----
        _t(
            "raw_pubmed_files",
            "The PubMed baseline and update files read, in order, each parsed once.",
            "file",
            "size_bytes",
            "records",
            "first_year",
            "last_year",
            "deleted",
            "quarantined",
            "parsed_now",
            key=("file",),
        ),
        _t(
            "raw_pubmed_articles",
            "One row per PubMed citation record (MedlineCitation) of the partition's year.",
            "pmid",
            ("doi", "DOI (lower case, no prefix) from ArticleIdList or ELocationID; null when none"),
            ("publication_year", "year of the journal issue (PubDate Year, else MedlineDate's first year, else ArticleDate)"),
            ("title", "ArticleTitle, inner markup flattened"),
            ("abstract", "AbstractText sections joined (labels of structured abstracts kept as 'LABEL: text')"),
            "journal_title",
            "journal_iso_abbrev",
            "issn_print",
            "issn_electronic",
            "issn_linking",
            "publication_types",
            "mesh_terms",
            ("n_authors", "authors in the byline (persons and collectives)"),
            "source_file",
            key=("pmid",),
        ),
        _t(
            "raw_pubmed_authors",
            "One row per PubMed author x affiliation, in byline order (affiliation null when none).",
            "pmid",
            "author_seq",
            "last_name",
            "fore_name",
            "collective_name",
            "affiliation_seq",
            "affiliation",
            key=("pmid", "author_seq", "affiliation_seq"),
        ),
        _t(
            "raw_pubmed_references",
            f"Citation links in PubMed's ReferenceList: the citing record and the {first_use('PMID')} of each record it cites.",
            ("pmid", "citing PubMed id"),
            "cited_pmid",
            key=("pmid", "cited_pmid"),
        ),
        _t(
            "core_lifesci_articles",
            "AI life-science articles of the year (Schmallenbach et al. 2024): PubMed and OpenAlex conference papers, deduplicated, "
            f"PubMed records linked to OpenAlex by {first_use('PMID')}, else by {first_use('DOI')}.",
            *LIFESCI_ARTICLE_COLUMNS,
            key=("article_id",),
        ),
        _t(
            "core_lifesci_authors",
            "Authors of the AI life-science articles with their country (one row per author and country): the linked "
            "OpenAlex work's institutions where it places an author, else the PubMed affiliation strings.",
            "article_id",
            "author_seq",
            ("country_code", "country of the affiliation; null when unknown"),
            "country_rule",
        ),
        _t(
            "core_lifesci_citations",
            "Schmallenbach et al. 2024's relevance: forward citations of each article, from OpenAlex (articles linked to a work) "
            "else from PubMed's ReferenceList; both counts kept.",
            "article_id",
            "citations",
            "clinical_citations",
            "citation_source",
            "pubmed_citations",
            "pubmed_clinical_citations",
            "openalex_citations",
            "openalex_clinical_citations",
            key=("article_id",),
        ),
        _t(
            "out_lifesci_articles",
            "The AI life-science articles of every year with their forward citations: the table the atlas analyses read.",
            *LIFESCI_ARTICLE_COLUMNS,
            ("citations", "forward citations (core_lifesci_citations)"),
            "clinical_citations",
            "citation_source",
            key=("article_id",),
        ),
        # ---- out: the life-science atlas (Schmallenbach et al. 2024) ----
        _t(
            "out_lifesci_yearly_counts",
            "Schmallenbach et al. 2024 Fig. 1: AI life-science articles per year, by source.",
            "year",
            "articles",
            "pubmed",
            "openalex",
            "both",
            key=("year",),
        ),
        _t(
            "out_venue_east_west",
            "AlShebli et al. 2022 Supplementary Fig. 4: Eastern and Western AI corpus papers per year in each of the top AI venues "
            f"({BLOCS}).",
            "venue_rank",
            "venue_id",
            "venue_name",
            "year",
            "east_papers",
            "west_papers",
            "east_share",
            key=("venue_id", "year"),
        ),
        _t(
            "out_lifesci_link_coverage",
            f"How the atlas's articles reached OpenAlex, per year: PubMed records linked by {first_use('PMID')} or by "
            f"{first_use('DOI')}, OpenAlex conference papers, unlinked records (countries read from PubMed's affiliation "
            "strings, topics from its Medical Subject Headings, MeSH, citations from its ReferenceList), and what the articles "
            "took from OpenAlex.",
            "year",
            "articles",
            "linked_by_pmid",
            "linked_by_doi",
            "openalex_papers",
            "unlinked",
            "countries_from_openalex",
            "topic_from_openalex",
            "citations_from_openalex",
            key=("year",),
        ),
        _t(
            "out_lifesci_country_years",
            "Schmallenbach et al. 2024's dynamic graph behind Fig. 2: articles per lead country and year, with the country's rank in the year.",
            ("country_code", "lead country"),
            "year",
            ("articles", "articles with this lead country in the year"),
            "rank_in_year",
            key=("country_code", "year"),
        ),
        _t(
            "out_lifesci_country_counts",
            "Schmallenbach et al. 2024 Fig. 2: articles by lead country (every country).",
            "rank",
            "country_code",
            "iso3",
            "country_name",
            "world_region",
            "articles",
            "share",
            "journal_articles",
            "conference_articles",
            key=("country_code",),
        ),
        _t(
            "out_lifesci_topic_shares",
            "Schmallenbach et al. 2024 Fig. 3: share of each of the top countries' articles in each of the top topics.",
            "country_code",
            "country_name",
            "world_region",
            "country_rank",
            "topic",
            "topic_rank",
            "articles",
            "country_articles",
            "share",
            key=("country_code", "topic"),
        ),
        _t(
            "out_lifesci_clinical_by_country",
            "Schmallenbach et al. 2024 Fig. 4: clinical AI research by country (top 30).",
            "rank",
            "country_code",
            "country_name",
            "world_region",
            "articles",
            "clinical_articles",
            "share_of_world_clinical",
            "clinical_share_of_country",
            "cumulative_share_of_world_clinical",
            key=("country_code",),
        ),
        _t(
            "out_lifesci_high_ranked_by_country",
            "Schmallenbach et al. 2024 Fig. 5: share of articles in high-ranked outlets by country (at least 100 articles).",
            "rank",
            "country_code",
            "iso3",
            "country_name",
            "world_region",
            "articles",
            "ranked_articles",
            "high_ranked_articles",
            "share_high_ranked",
            "share_high_ranked_of_ranked",
            key=("country_code",),
        ),
        _t(
            "out_lifesci_high_ranked_by_region_year",
            "Schmallenbach et al. 2024 Fig. 6: share of articles in high-ranked outlets by region and year.",
            "world_region",
            "year",
            "articles",
            "ranked_articles",
            "high_ranked_articles",
            "share_high_ranked",
            key=("world_region", "year"),
        ),
        _t(
            "out_lifesci_international_by_year",
            "Schmallenbach et al. 2024 Fig. 8B: share of international articles per year.",
            "year",
            "articles",
            "international_articles",
            "share_international",
            key=("year",),
        ),
        _t(
            "out_lifesci_international_by_region",
            "Schmallenbach et al. 2024 Fig. 8C: share of international articles by lead region.",
            "world_region",
            "articles",
            "international_articles",
            "share_international",
            key=("world_region",),
        ),
        _t(
            "out_lifesci_relevance_irrs",
            "Schmallenbach et al. 2024 Fig. 7: incidence-rate ratios of citations by region (base Asia) from the negative binomial "
            "models A to D, without and with outlet effects, with 95% intervals.",
            *LIFESCI_IRR_COLUMNS,
            key=("model", "outcome", "absorbed", "term"),
        ),
        _t(
            "out_lifesci_collaboration_irrs",
            "Schmallenbach et al. 2024 Fig. 8A: incidence-rate ratios of international collaboration on citations and clinical "
            "citations from the negative binomial models, with 95% intervals.",
            *LIFESCI_IRR_COLUMNS,
            key=("model", "outcome", "absorbed", "term"),
        ),
        _t(
            "out_lifesci_dyads",
            "Schmallenbach et al. 2024 Fig. 9: international collaborations from the lead author's region to co-authors' regions.",
            "lead_world_region",
            "coauthor_world_region",
            "dyads",
            "articles",
            key=("lead_world_region", "coauthor_world_region"),
        ),
        # ---- Schmallenbach et al. 2024's side results (issue 14) ----
        _t(
            "out_lifesci_outlet_sample_irrs",
            f"Schmallenbach et al. 2024 Fig. 7 on the outlet-effect samples: each region's {first_use('IRR')} of citations against "
            "Asia's, unadjusted (full sample), unadjusted on the "
            "articles the outlet-effect model keeps, and with outlet effects; the change split into sample and outlet parts.",
            "outcome",
            "term",
            "label",
            "model_full",
            "model_outlet",
            "irr_full",
            "lower_full",
            "upper_full",
            "nobs_full",
            "irr_same_sample",
            "lower_same_sample",
            "upper_same_sample",
            "nobs_same_sample",
            "irr_outlet",
            "lower_outlet",
            "upper_outlet",
            "nobs_outlet",
            "log_gap",
            "log_sample_part",
            "log_outlet_part",
            "sample_share_of_gap",
            key=("outcome", "term"),
        ),
        _t(
            "out_lifesci_outlet_sample_refits",
            "Schmallenbach et al. 2024 Fig. 7's unadjusted models refitted on the outlet-effect samples (A on D's, B on C's), as irr rows.",
            *LIFESCI_IRR_COLUMNS,
            key=("model", "outcome", "absorbed", "term"),
        ),
        _t(
            "out_lifesci_intl_high_ranked",
            "Schmallenbach et al. 2024 (after Fig. 8A): how much more often international articles are in high-ranked outlets than national "
            f"ones; the ratio of shares (the paper's sentence) and the year-adjusted ratio by {first_use('modified Poisson')}.",
            ("estimator", "ratio_of_shares or year_adjusted"),
            "international_articles",
            "international_high_ranked",
            "national_articles",
            "national_high_ranked",
            ("share_international", "P(high-ranked | international)"),
            "share_national",
            "ratio",
            "lower",
            "upper",
            "premium",
            ("std_err", "standard error of ln ratio"),
            ("nobs", "articles used"),
            "note",
            key=("estimator",),
        ),
        _t(
            "out_lifesci_by_outlet_type",
            "Schmallenbach et al. 2024 Supplementary S7: articles, high-ranked, international and clinical shares and citations by "
            "outlet type (journals = life science, conference proceedings = computer science) and lead region.",
            "outlet_type",
            "outlet_type_label",
            ("world_region", "lead region, or All regions"),
            "articles",
            "share_of_type",
            "high_ranked_articles",
            "share_high_ranked",
            "international_articles",
            "share_international",
            "clinical_articles",
            "share_clinical",
            "citations",
            "mean_citations",
            "mean_clinical_citations",
            key=("outlet_type", "world_region"),
        ),
        _t(
            "out_lifesci_irrs_by_outlet_type",
            "Schmallenbach et al. 2024 Supplementary S7: the Fig. 7 models fitted on journal and on conference articles separately.",
            *LIFESCI_IRR_COLUMNS,
            key=("model", "outcome", "absorbed", "term"),
        ),
        _t(
            "out_lifesci_country_productivity",
            "Schmallenbach et al. 2024 Supplementary S2: every lead country's articles, journal and conference articles, high-ranked "
            "and international shares, the international share of its high-ranked articles, citations.",
            ("rank", "rank by articles"),
            "country_code",
            "iso3",
            "country_name",
            "world_region",
            "articles",
            ("share", "share of the world's located articles"),
            "journal_articles",
            "conference_articles",
            "high_ranked_articles",
            "share_high_ranked",
            "international_articles",
            "share_international",
            "high_ranked_international_articles",
            "share_international_of_high_ranked",
            "citations",
            "mean_citations",
            "clinical_citations",
            key=("country_code",),
        ),
        _t(
            "out_lifesci_country_side_result",
            "Schmallenbach et al. 2024's Kenya / South Africa remark: international shares of all and of high-ranked articles, beside the world's.",
            ("rank", "rank by articles; null without articles"),
            "country_code",
            "country_name",
            "articles",
            ("share_international", "share international (the paper: Kenya over 40%)"),
            "high_ranked_articles",
            "share_international_of_high_ranked",
            "world_share_international",
            "world_share_international_of_high_ranked",
            key=("country_code",),
        ),
        # ---- out: fitted models (AlShebli et al. 2022 Table 1, Supplementary Tables 1-3) ----
        _t(
            "out_gravity_citation_pairs",
            "Observations of the citation gravity model: ordered city pairs of a year, zeros included.",
            ("year", "publication year of the cited papers"),
            "citing_city_geonames_id",
            "cited_city_geonames_id",
            ("citations", "citations from i's papers to j's papers of the year, made in y..y+2"),
            "papers_cited",
            "citations_made",
            "ln_papers_cited",
            "ln_citations_made",
            "ln_scientists_cited",
            "ln_scientists_citing",
            "ln_distance",
            "same_city",
            "same_country",
            "same_subregion",
            "shared_language",
            "same_bloc",
            key=("year", "citing_city_geonames_id", "cited_city_geonames_id"),
            csv_copy=False,
        ),
        _t(
            "out_gravity_migration_pairs",
            "Observations of the migration gravity model: ordered pairs of different cities, zeros included.",
            ("year", "last year of the window (moves up to this year)"),
            "origin_city_geonames_id",
            "destination_city_geonames_id",
            "moves",
            ("window_start", "first year of the window (sizes are measured then)"),
            "ln_scientists_origin",
            "ln_scientists_destination",
            ("ln_distance", "ln great-circle km (floor 1 km)"),
            "same_country",
            "same_subregion",
            "shared_language",
            "same_bloc",
            key=("year", "window_start", "origin_city_geonames_id", "destination_city_geonames_id"),
            csv_copy=False,
        ),
        _t(
            "out_model_coefficients",
            "Fitted models in tidy form: one row per model, specification, year and term.",
            "model",
            "spec",
            ("year", "the year of a by-year fit; null for pooled fits"),
            "term",
            "coef",
            "std_err",
            "z",
            "p_value",
            "ci_lower",
            "ci_upper",
            "nobs",
            "pseudo_r2_mcfadden",
            "pseudo_r2_corr",
            "cov_type",
            "converged",
            "estimator",
            ),
        _t(
            "out_model_table",
            "A regression table laid out for reading: coefficient and standard-error rows, one column per fit.",
            "table",
            ("row_order", "position of the row in the printed table"),
            "row",
            "term",
            "kind",
            "column",
            "cell",
            key=("table", "row_order", "column"),
        ),
        # ---- disruption (AlShebli et al. 2022, Supplementary Fig. 3) ----
        _t(
            "out_disruption",
            f"The {first_use('CD index')} of every AI corpus paper of the year (AlShebli et al. 2022, Supplementary Fig. 3), "
            "from -1 (the papers citing it cite its references too) to +1 (they ignore them): by all its citers and by each "
            f"bloc's ({BLOCS}).",
            "year",
            ("work_id", "the focal AI corpus paper"),
            ("city_geonames_id", "its city (last author); null when unplaced"),
            "country_code",
            "bloc",
            ("n_references", "its resolved references R(p) (works of the snapshot)"),
            "n_forward",
            "n_backward",
            "n_both",
            "cd",
            "n_citers_east",
            "cd_east",
            "n_citers_west",
            "cd_west",
            ("window_complete", "every citing year y+1..y+W was read (false for the newest years)"),
            key=("work_id",),
        ),
        _t(
            "out_disruption_city_ranks",
            "Per year and city, AI papers among the year's 10 % most disruptive and most developmental (Supplementary Fig. 3a/3b).",
            "year",
            "city_geonames_id",
            "city_name",
            "bloc",
            "n_papers",
            "n_disruptive",
            "n_developmental",
            "share_disruptive",
            "share_developmental",
            "rank_disruptive",
            "rank_developmental",
            "cd_mean",
            ("window_complete", "the year's CD window was complete"),
            key=("year", "city_geonames_id"),
        ),
    ]
}


SHOWN_VALUES = 5
"""How many offending values a ``SchemaError`` about values names (the count covers them all)."""


def refused_values(values: pd.Series, column: Column) -> tuple[int, list, bool] | None:
    """The rows of ``values`` its ``column`` refuses: (how many, the first ``SHOWN_VALUES`` distinct
    offending values in order of appearance, a null shown as None, whether there are more); None when
    every row is allowed. A value outside ``column.allowed`` is refused, and a null when the column is
    not nullable."""
    bad = pd.Series(False, index=values.index)
    if column.allowed is not None:
        allowed = set(column.allowed)
        outside = [v for v in values.dropna().unique() if v not in allowed]  # distinct values first: cheap on long columns
        if outside:
            bad |= values.isin(outside).fillna(False).astype(bool)
    if not column.nullable:
        bad |= values.isna()
    if not bad.any():
        return None
    distinct = pd.unique(values[bad])
    shown = [None if pd.isna(v) else v for v in distinct[:SHOWN_VALUES]]
    return int(bad.sum()), shown, len(distinct) > SHOWN_VALUES


def check_values(df: pd.DataFrame, table: str) -> None:
    """Raise ``SchemaError`` when a coded column of ``table`` holds a value outside its field's
    ``allowed`` values, or a column whose field is not nullable holds a null: the message names the
    table, the column, how many rows and the first few offending values."""
    for col in SCHEMAS[table].columns:
        if col.allowed is None and col.nullable:
            continue
        refused = refused_values(df[col.name], col)
        if refused is not None:
            n, shown, more = refused
            allowed = f"allowed: {', '.join(col.allowed)}" if col.allowed is not None else "any value"
            raise SchemaError(
                f"{table}.{col.name}: {n:,} row(s) with a value the field refuses ({allowed}{'' if col.nullable else '; no null'}): "
                f"{', '.join(repr(v) for v in shown)}{', ...' if more else ''}"
            )


KEY_EXAMPLES = 5
"""How many null or duplicated keys ``key_violations`` shows."""
_ROW = "__aigeo_row"
_DUCKDB: dict[int, object] = {}
"""This process's in-memory DuckDB connection (one thread: a worker already has a core to itself),
by process id: a connection is never used across a fork."""
DUCKDB_KEPT_ROWS = 1_000_000
"""After checking a table of more rows, the connection is closed: DuckDB keeps the memory of its
hash table (about 400 MB for a paper-scale year of citations) until then, which a worker would
carry into its next runs; connecting again costs about 20 ms."""


def key_violations(data: pd.DataFrame | pa.Table, key: Sequence[str]) -> tuple[int, int, list[dict]]:
    """The rows of ``data`` that break the primary key ``key``: (rows with a null in a key column, rows
    whose key another row has too, up to ``KEY_EXAMPLES`` of those keys as ``{column: value}``: the
    null ones first in row order, then each duplicated key once, in the order of its first row).

    The duplicates are counted by DuckDB's hash aggregation on the key columns as Arrow, not by
    ``DataFrame.duplicated``: on the paper-scale warehouse the checks of every stored table took
    31 CPU-s against 66, most of the gain on the keys of two work ids (``raw_references`` and
    ``core_citations``, 68 M rows each: 21 CPU-s against 51); pandas stays ahead on keys of integers
    only (``out_gravity_citation_pairs``: 0.6 against 0.4) (``benchmarks/key_checks.py``,
    ``results/key_checks_paper.json``)."""
    key = list(key)
    arrow = data.select(key) if isinstance(data, pa.Table) else pa.Table.from_pandas(data[key], preserve_index=False)
    null = np.zeros(arrow.num_rows, dtype=bool)
    for column in arrow.columns:
        if column.null_count:
            null |= np.asarray(column.is_null())
    null_rows = np.flatnonzero(null)
    cols = ", ".join(_quoted(c) for c in key)
    not_null = " AND ".join(f"{_quoted(c)} IS NOT NULL" for c in key)
    shown = [int(r) for r in null_rows[:KEY_EXAMPLES]]
    cursor = _duckdb_cursor()
    try:
        cursor.register("keys", arrow)
        [(dups,)] = cursor.execute(
            f"SELECT coalesce(sum(n), 0) FROM (SELECT {cols}, count(*) AS n FROM keys GROUP BY {cols}) WHERE n > 1 AND {not_null}"
        ).fetchall()
        if dups and len(shown) < KEY_EXAMPLES:  # a failing check only: where each repeated key first appears
            cursor.register("numbered", arrow.append_column(_ROW, pa.array(np.arange(arrow.num_rows, dtype=np.int64))))
            shown += [r for (r,) in cursor.execute(
                f"SELECT min({_ROW}) AS first_row FROM numbered WHERE {not_null} GROUP BY {cols} HAVING count(*) > 1 "
                f"ORDER BY first_row LIMIT {KEY_EXAMPLES - len(shown)}"
            ).fetchall()]
    finally:
        cursor.close()
        if arrow.num_rows > DUCKDB_KEPT_ROWS:
            _DUCKDB.pop(os.getpid()).close()
    return len(null_rows), int(dups), arrow.take(pa.array(shown, type=pa.int64())).to_pylist()


def _duckdb_cursor():
    import duckdb  # here: a tenth of a second that only the checks' steps pay

    con = _DUCKDB.get(os.getpid())
    if con is None:
        con = _DUCKDB[os.getpid()] = duckdb.connect(config={"threads": 1})
    return con.cursor()


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def write_parquet(df: pd.DataFrame, where) -> None:
    """``df`` (no index) as parquet at ``where`` (a path or a binary file): ``DataFrame.to_parquet``
    (snappy, dictionary pages, pandas' dtypes and ``attrs`` kept) with min/max statistics for the
    numeric, boolean and date columns only. Statistics of strings (ids, names, titles) were a fifth
    of the CPU of writing the paper-scale tables (issue 13: a paper-scale year's eight largest tables,
    6.8 -> 5.6 CPU-s) and no read of aigeo filters by a string; a query that does (DuckDB on
    ``core_author_years``, sorted by author id) reads every row group instead of skipping some. The
    other columns keep them for filters (``ROWS``, DuckDB's)."""
    df.to_parquet(where, index=False, write_statistics=statistics_columns(df))


ROW_GROUP_ROWS = 1_048_576
"""Rows a ``TableFileWriter`` gathers before it writes them as a row group: pyarrow's default for
a table written whole (``write_parquet``), so a table written in pieces reads back as fast."""
ROW_GROUP_BYTES = 128 << 20
"""Bytes (in memory) a ``TableFileWriter`` gathers at most before it writes them as a row group,
fewer rows than ``ROW_GROUP_ROWS`` then: a million works with their titles and abstracts are ~0.5 GB."""


@dataclass
class TableFile:
    """A declared table already written to a parquet file (by ``TableFileWriter``) and not yet in the
    warehouse: the IO manager moves the file into place instead of writing a DataFrame
    (``resources.io.ParquetIOManager``). ``rows``: its row count; ``head``: its first rows (the
    materialization's preview)."""

    path: Path
    table: str
    rows: int
    head: pd.DataFrame

    def __len__(self) -> int:
        return self.rows

    def read(self, columns: list[str] | None = None) -> pd.DataFrame:
        return pd.read_parquet(self.path, columns=columns)


@dataclass
class TableBatches:
    """A declared table given as its pieces in order, each made when the one before is written (an
    iterator of DataFrames): the IO manager writes them into the table's file a piece at a time
    (``TableFileWriter``), so neither the step nor the IO manager holds the whole table (issue 13:
    a recent year of the real snapshot makes about 200 M citations). ``written`` is called with the
    ``TableFile`` once the last piece is in it: its rows and first rows, the step's metadata."""

    table: str
    batches: Iterable[pd.DataFrame]
    written: Callable[[TableFile], None] | None = None

    def write(self, where) -> TableFile:
        """Every piece into ``where`` (a path or a binary file); the ``TableFile`` names ``where``."""
        writer = TableFileWriter(where, self.table)
        for batch in self.batches:
            writer.add(batch)
        return writer.close()


class TableFileWriter:
    """Write declared table ``table`` to the parquet file ``path`` a piece at a time (``add`` each
    piece, conformed, in order; ``close`` gives the ``TableFile``): the whole table is never held.
    The file reads back as ``write_parquet`` of the pieces concatenated would (same dtypes, pandas'
    metadata, statistics columns); its row groups hold ``ROW_GROUP_ROWS`` rows, the last fewer, unless
    that many rows hold more than ``ROW_GROUP_BYTES`` in memory: then the pieces gathered up to that
    size make a row group."""

    def __init__(self, path, table: str, row_group_rows: int = ROW_GROUP_ROWS, row_group_bytes: int = ROW_GROUP_BYTES):
        """``path``: a file path, or a binary file open for writing (an object store's)."""
        self.path, self.table = Path(path) if isinstance(path, (str, os.PathLike)) else path, table
        self.row_group_rows, self.row_group_bytes = row_group_rows, row_group_bytes
        self._pending: list[pd.DataFrame] = []
        self._pending_rows = 0
        self._pending_bytes = 0
        self._rows = 0
        self._head: pd.DataFrame | None = None
        self._writer = None

    def add(self, df: pd.DataFrame) -> None:
        df = conform(df, self.table)
        if self._head is None or len(self._head) < 5:
            self._head = df.head(5) if self._head is None else pd.concat([self._head, df.head(5)], ignore_index=True).head(5)
        self._rows += len(df)
        if len(df):
            self._pending.append(df)
            self._pending_rows += len(df)
            self._pending_bytes += int(df.memory_usage(index=False).sum())
        if self._pending_rows >= self.row_group_rows:
            self._flush(whole_groups=True)
        elif self._pending_bytes >= self.row_group_bytes:
            self._flush()

    def _flush(self, whole_groups: bool = False) -> None:
        """Write the rows gathered: all of them, or (``whole_groups``) as many full row groups as
        they make, the rest kept for the next."""
        import pyarrow.parquet as pq  # here: this module is imported by every worker, most never write in pieces

        if not self._pending:
            if self._writer is not None:
                return
            df = SCHEMAS[self.table].empty()  # an empty table has a file too
        else:
            df = pd.concat(self._pending, ignore_index=True) if len(self._pending) > 1 else self._pending[0]
        self._pending, self._pending_rows, self._pending_bytes = [], 0, 0
        if whole_groups:
            cut = len(df) - len(df) % self.row_group_rows
            if cut < len(df):
                rest = df.iloc[cut:].reset_index(drop=True)
                self._pending, self._pending_rows = [rest], len(rest)
                self._pending_bytes = int(rest.memory_usage(index=False).sum())
                df = df.iloc[:cut]
        arrow = pa.Table.from_pandas(df, preserve_index=False)
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, arrow.schema, compression="snappy",
                                            write_statistics=statistics_columns(df))
        self._writer.write_table(arrow, row_group_size=self.row_group_rows)

    def close(self) -> TableFile:
        self._flush()
        self._writer.close()
        head = self._head if self._head is not None else SCHEMAS[self.table].empty()
        return TableFile(self.path, self.table, self._rows, head)


def statistics_columns(df: pd.DataFrame) -> list[str]:
    """The columns of ``df`` whose parquet row groups carry min/max statistics (``write_parquet``):
    numeric, boolean and date columns."""
    types = pd.api.types
    return [str(c) for c, dtype in df.dtypes.items()
            if types.is_numeric_dtype(dtype) or types.is_bool_dtype(dtype) or types.is_datetime64_any_dtype(dtype)]


def conform(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Return ``df`` with exactly the declared columns of ``table``, in order, cast to their dtypes;
    a coded column's values checked against its field's allowed values (``check_values``)."""
    schema = SCHEMAS[table]
    missing = [c for c in schema.names if c not in df.columns]
    if missing:
        raise SchemaError(f"{table}: missing column(s) {missing}")
    df = df.reset_index(drop=True)
    out = {}
    for col in schema.columns:
        try:
            out[col.name] = df[col.name].astype(col.dtype)
        except (TypeError, ValueError) as exc:
            raise SchemaError(f"{table}.{col.name}: cannot cast to {col.dtype}: {exc}") from exc
    out = pd.DataFrame(out, index=pd.RangeIndex(len(df)))
    check_values(out, table)
    return out


# ---- networks per year window (exports of the city networks, issue 16) ----
SCHEMAS["out_network_edges_by_year"] = _t(
    "out_network_edges_by_year",
    "The city networks between the top cities rebuilt on the five-year window ending each year (directed, weighted; length = 1 / weight).",
    "window_start",
    "window_end",
    *SCHEMAS["out_network_edges"].columns,
    key=("window_end", *SCHEMAS["out_network_edges"].primary_key),
)


def concat_partitions(loaded: pd.DataFrame | Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """One frame from a table as loaded for one or several partitions: a DataFrame, or a frame per
    partition key (concatenated in key order)."""
    if isinstance(loaded, pd.DataFrame):
        return loaded
    frames = [loaded[k] for k in sorted(loaded)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
