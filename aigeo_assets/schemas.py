"""Table schemas, declared once (PUDL style) and checked wherever a table is written.

Every table the platform writes has an entry in ``SCHEMAS``: column name -> pandas dtype
string, plus a one-line description per column. ``conform`` casts a frame to its schema and
raises ``SchemaError`` naming the table and the column when it cannot, so a bad table fails
at the boundary with a clear message instead of deep inside pandas.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


class SchemaError(ValueError):
    """A table does not match its declared schema."""


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str
    description: str


@dataclass(frozen=True)
class TableSchema:
    name: str
    description: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def empty(self) -> pd.DataFrame:
        return pd.DataFrame({c.name: pd.Series([], dtype=c.dtype) for c in self.columns})


def _t(name: str, description: str, *cols: tuple[str, str, str]) -> TableSchema:
    return TableSchema(name, description, tuple(Column(*c) for c in cols))


STR = "string"
I16 = "Int16"
I32 = "Int32"
I64 = "Int64"
F64 = "Float64"
BOOL = "boolean"

SCHEMAS: dict[str, TableSchema] = {
    s.name: s
    for s in [
        # ---- raw: parsed source records, one year per partition ----
        _t(
            "raw_works",
            "One row per OpenAlex work of the partition's publication year (merged ids applied).",
            ("work_id", STR, "OpenAlex work id, short form (W...)"),
            ("publication_year", I16, "publication_year"),
            ("doi", STR, "DOI without the https://doi.org/ prefix"),
            ("pmid", STR, "PubMed id, digits only"),
            ("type", STR, "OpenAlex work type"),
            ("type_crossref", STR, "Crossref work type"),
            ("title", STR, "title"),
            ("abstract", STR, "abstract rebuilt from abstract_inverted_index"),
            ("venue_id", STR, "primary_location.source.id, short form (S...)"),
            ("venue_type", STR, "primary_location.source.type (journal, conference, ...)"),
            ("primary_subfield_id", STR, "primary_topic.subfield id, short form (e.g. 1702)"),
            ("n_authors", I32, "number of authorships"),
            ("n_references", I32, "number of referenced_works"),
        ),
        _t(
            "raw_authorships",
            "One row per authorship x institution (institution null when the authorship has none).",
            ("work_id", STR, "work id"),
            ("author_seq", I32, "0-based position of the authorship in the byline"),
            ("author_position", STR, "first, middle or last"),
            ("author_id", STR, "author id, short form (A...); null when OpenAlex has none"),
            ("institution_seq", I32, "0-based position of the institution within the authorship"),
            ("institution_id", STR, "institution id, short form (I...); null when none"),
            ("institution_name", STR, "institution display_name as embedded in the work"),
            ("institution_country_code", STR, "institution country_code as embedded in the work"),
            ("author_countries", STR, "authorships[].countries joined with '|'"),
            ("raw_affiliation", STR, "raw_affiliation_strings joined with ' ; '"),
        ),
        _t(
            "raw_references",
            "Citation links as stated by the citing work's referenced_works.",
            ("citing_work_id", STR, "citing work id"),
            ("cited_work_id", STR, "cited work id (merged ids applied)"),
        ),
        _t(
            "raw_work_concepts",
            "Concepts tagged on each work.",
            ("work_id", STR, "work id"),
            ("concept_id", STR, "concept id, short form (C...)"),
            ("concept_name", STR, "display_name"),
            ("level", I16, "concept level (0 = root)"),
            ("score", F64, "classifier score"),
        ),
        _t(
            "raw_work_topics",
            "Topics of each work (primary topic first).",
            ("work_id", STR, "work id"),
            ("topic_id", STR, "topic id, short form (T...)"),
            ("is_primary", BOOL, "this is primary_topic"),
            ("subfield_id", STR, "subfield id, digits (1702 = Artificial Intelligence)"),
            ("field_id", STR, "field id, digits"),
            ("domain_id", STR, "domain id, digits"),
            ("score", F64, "topic score"),
        ),
        _t(
            "raw_venues",
            "Venues (sources) seen in the partition's works.",
            ("venue_id", STR, "source id, short form (S...)"),
            ("display_name", STR, "display_name"),
            ("issn_l", STR, "linking ISSN"),
            ("venue_type", STR, "journal, conference, repository, ..."),
        ),
        _t(
            "raw_institutions",
            "OpenAlex institution records (merged ids applied).",
            ("institution_id", STR, "institution id, short form (I...)"),
            ("display_name", STR, "display_name"),
            ("country_code", STR, "country_code (ISO 3166-1 alpha-2)"),
            ("type", STR, "institution type"),
            ("geo_city", STR, "geo.city"),
            ("geo_geonames_city_id", I64, "geo.geonames_city_id"),
            ("geo_region", STR, "geo.region"),
            ("geo_country_code", STR, "geo.country_code"),
            ("geo_latitude", F64, "geo.latitude"),
            ("geo_longitude", F64, "geo.longitude"),
        ),
        _t(
            "quarantine",
            "Input that could not be used, with where it was and why. Nothing is dropped silently.",
            ("file", STR, "source file"),
            ("line", I64, "1-based line number (0 when the problem concerns the whole file)"),
            ("reason", STR, "machine-readable reason"),
            ("detail", STR, "human-readable detail"),
        ),
        # ---- core: cleaned, joined, geocoded ----
        _t(
            "core_institutions",
            "Institutions geocoded to a city, country, UN M49 region and East/West bloc.",
            ("institution_id", STR, "institution id"),
            ("display_name", STR, "display_name"),
            ("city_geonames_id", I64, "GeoNames id of the city; null when only the country is known"),
            ("city_name", STR, "city name (GeoNames)"),
            ("latitude", F64, "city latitude"),
            ("longitude", F64, "city longitude"),
            ("country_code", STR, "ISO 3166-1 alpha-2"),
            ("region", STR, "UN M49 region"),
            ("sub_region", STR, "UN M49 sub-region"),
            ("world_region", STR, "seed 004's six world regions"),
            ("bloc", STR, "East or West (seed 000)"),
            ("geocode_rule", STR, "openalex_geo, geonames_id, name_match, country_only or unlocated"),
        ),
        _t(
            "core_affiliations",
            "Each authorship x institution of the year located to a city (authorship-level geocoding).",
            ("work_id", STR, "work id"),
            ("author_seq", I32, "byline position"),
            ("author_position", STR, "first, middle or last"),
            ("author_id", STR, "author id"),
            ("institution_id", STR, "institution id (null when the authorship has none)"),
            ("city_geonames_id", I64, "GeoNames city id; null when not located to a city"),
            ("country_code", STR, "country"),
            ("bloc", STR, "East or West"),
            ("geocode_rule", STR, "rule that placed this affiliation"),
        ),
        _t(
            "core_papers",
            "Works of the year with AI flag, document type, city (last author) and lead country.",
            ("work_id", STR, "work id"),
            ("publication_year", I16, "publication year"),
            ("is_ai", BOOL, "AI paper under the configured rule"),
            ("doc_type", STR, "journal, conference or other"),
            ("in_corpus", BOOL, "AI and (journal or conference): seed 000's corpus"),
            ("venue_id", STR, "venue id"),
            ("n_authors", I32, "number of authorships"),
            ("city_geonames_id", I64, "city of the last author's affiliation (seed 000)"),
            ("city_name", STR, "city name"),
            ("city_latitude", F64, "city latitude"),
            ("city_longitude", F64, "city longitude"),
            ("city_country_code", STR, "country of that city"),
            ("bloc", STR, "East or West, of the paper's city"),
            ("lead_country_code", STR, "lead author's country: last author, else first (seed 004)"),
            ("lead_world_region", STR, "seed 004's world region of the lead country"),
            ("lead_rule", STR, "last_author, first_author or none"),
        ),
        _t(
            "core_citations",
            "Citation links from works of the partition's year, with both ends' year and place.",
            ("citing_work_id", STR, "citing work"),
            ("cited_work_id", STR, "cited work"),
            ("citing_year", I16, "citing work's year"),
            ("cited_year", I16, "cited work's year; null when external"),
            ("resolution", STR, "in_snapshot or external (not among works up to the citing year)"),
            ("citing_in_corpus", BOOL, "citing work is in the AI corpus"),
            ("cited_in_corpus", BOOL, "cited work is in the AI corpus"),
            ("citing_city_geonames_id", I64, "citing paper's city"),
            ("cited_city_geonames_id", I64, "cited paper's city"),
            ("citing_country_code", STR, "citing paper's city country"),
            ("cited_country_code", STR, "cited paper's city country"),
            ("citing_bloc", STR, "citing bloc"),
            ("cited_bloc", STR, "cited bloc"),
        ),
        _t(
            "core_author_years",
            "Each author's city per year and the AI-scientist flag (seed 000).",
            ("author_id", STR, "author id"),
            ("year", I16, "year"),
            ("city_geonames_id", I64, "the author's city that year (mode of that year's affiliations)"),
            ("country_code", STR, "country of that city"),
            ("bloc", STR, "East or West"),
            ("n_papers_year", I32, "the author's works that year"),
            ("n_ai_papers_year", I32, "the author's AI works that year"),
            ("n_papers_career", I32, "the author's works over all years"),
            ("n_ai_papers_career", I32, "the author's AI works over all years"),
            ("is_ai_scientist", BOOL, ">= 3 papers, at least half AI (career)"),
        ),
        # ---- out: metrics, matrices (seed 000, Figs. 1-2) ----
        _t(
            "out_city_year_metrics",
            "Impact, productivity and AI scientists of every city in a year (seed 000, Fig. 1).",
            ("year", I16, "publication year"),
            ("city_geonames_id", I64, "city"),
            ("city_name", STR, "city name"),
            ("country_code", STR, "country"),
            ("bloc", STR, "East or West"),
            ("latitude", F64, "city latitude"),
            ("longitude", F64, "city longitude"),
            ("productivity", I64, "AI papers whose last author is in the city that year"),
            ("impact", I64, "citations to those papers from papers of years y..y+W (W = impact window, default 2)"),
            ("impact_long", I64, "the same over the long window (default 5 years, Supplementary Fig. 1)"),
            ("ai_scientists", I64, "AI scientists located in the city that year"),
            ("share_productivity", F64, "productivity / world productivity"),
            ("share_impact", F64, "impact / world impact"),
            ("share_impact_long", F64, "impact_long / world impact_long"),
            ("share_ai_scientists", F64, "ai_scientists / world AI scientists"),
            ("impact_window_complete", BOOL, "every citing year of the impact window is materialized"),
            ("impact_long_window_complete", BOOL, "every citing year of the long window is materialized"),
        ),
        _t(
            "out_world_year_totals",
            "World totals of a year: every corpus paper, located or not (the denominators of the shares).",
            ("year", I16, "publication year"),
            ("productivity", I64, "AI corpus papers of the year"),
            ("productivity_located", I64, "of which placed in a city"),
            ("impact", I64, "citations to them within the impact window"),
            ("impact_long", I64, "citations to them within the long window"),
            ("ai_scientists", I64, "AI scientists with a located city that year"),
            ("impact_window_complete", BOOL, "impact window complete"),
            ("impact_long_window_complete", BOOL, "long window complete"),
        ),
        _t(
            "out_city_pairs",
            "City-to-city counts of a year (long form): citations (impact) or papers (collaboration).",
            ("year", I16, "publication year of the cited paper (impact) or of the paper (collaboration)"),
            ("row_city_geonames_id", I64, "citing city / last author's city; null = not located"),
            ("col_city_geonames_id", I64, "cited city / co-author's city; null = not located"),
            ("value", I64, "citations from row to column within the impact window / papers"),
        ),
        _t(
            "out_top_cities",
            "The most impactful cities of the reference year (seed 000: 2017) and their matrix order.",
            ("city_geonames_id", I64, "city"),
            ("city_name", STR, "city name"),
            ("country_code", STR, "country"),
            ("bloc", STR, "East or West"),
            ("reference_year", I16, "reference year"),
            ("reference_impact", I64, "impact in the reference year"),
            ("reference_rank", I32, "1 = most impactful"),
        ),
        _t(
            "out_city_ranks",
            "Each city's value and rank per year and metric (Fig. 1, right-hand sides).",
            ("year", I16, "year"),
            ("city_geonames_id", I64, "city"),
            ("metric", STR, "impact, impact_long, productivity or ai_scientists"),
            ("value", I64, "the metric"),
            ("relative", F64, "value / the year's largest value among the cities"),
            ("rank", I32, "1 = largest that year (ties share the best rank)"),
            ("window_complete", BOOL, "false for impact years whose citation window is not complete"),
        ),
        _t(
            "out_top_city_shares",
            "The top cities' share of the world per year (Supplementary Fig. 2).",
            ("year", I16, "year"),
            ("top_n", I32, "N of the top-N cities"),
            ("metric", STR, "impact, productivity or ai_scientists"),
            ("top_value", I64, "sum over the top N cities"),
            ("world_value", I64, "world total"),
            ("share", F64, "top_value / world_value"),
            ("window_complete", BOOL, "false for impact years whose window is not complete"),
        ),
        _t(
            "out_city_matrix",
            "A city x city matrix between the top N cities (long form), East first then West (Fig. 2).",
            ("top_n", I32, "N of the top-N cities"),
            ("row_order", I32, "0-based row position (East first, then West; by reference rank within)"),
            ("col_order", I32, "0-based column position"),
            ("row_city_geonames_id", I64, "row city"),
            ("col_city_geonames_id", I64, "column city"),
            ("row_city_name", STR, "row city name"),
            ("col_city_name", STR, "column city name"),
            ("row_bloc", STR, "row city's bloc"),
            ("col_bloc", STR, "column city's bloc"),
            ("value", F64, "the cell"),
        ),
        # ---- out: networks and centrality (seed 000, Fig. 3, Methods, Supplementary Tables 4-8) ----
        _t(
            "out_network_edges",
            "The directed, weighted city networks between the top cities; length = 1 / weight.",
            ("network", STR, "impact, migration, collaboration or normalized_impact"),
            ("source_city_geonames_id", I64, "source city"),
            ("target_city_geonames_id", I64, "target city"),
            ("weight", F64, "the flow (a count; a ratio for normalized_impact)"),
            ("length", F64, "1 / weight: heavy flows are short"),
        ),
        _t(
            "out_east_west_betweenness",
            "East-West betweenness (Definition 2) and standard betweenness (Definition 1) of each city.",
            ("window_end", I16, "last year of the window the network covers"),
            ("network", STR, "impact, migration, collaboration or normalized_impact"),
            ("city_geonames_id", I64, "city"),
            ("city_name", STR, "city name"),
            ("bloc", STR, "East or West"),
            ("east_west_betweenness", F64, "sum over East-West and West-East pairs of sigma_st(v) / sigma_st"),
            ("east_west_path_share", F64, "that sum over the number of connected East-West ordered pairs"),
            ("betweenness", F64, "standard (Definition 1) unnormalised directed betweenness"),
            ("rank", I32, "rank by East-West betweenness within the network (1 = largest)"),
        ),
        _t(
            "out_robustness_centralities",
            "Robustness centralities per network (Supplementary Tables 4-8), ranked.",
            ("network", STR, "network"),
            ("measure", STR, "degree, closeness, pagerank, independent_cascade or linear_threshold"),
            ("city_geonames_id", I64, "city"),
            ("city_name", STR, "city name"),
            ("bloc", STR, "East or West"),
            ("score", F64, "total weighted degree, harmonic closeness, PageRank or mean spread"),
            ("stderr", F64, "standard error of the mean spread (cascades); null otherwise"),
            ("rank", I32, "1 = largest"),
        ),
        # ---- out: centres of mass (seed 000, Fig. 4) ----
        _t(
            "out_centres_of_mass",
            "The centre of mass of AI research per year and metric (seed 000, Fig. 4).",
            ("year", I16, "year"),
            ("metric", STR, "impact, productivity or ai_scientists"),
            ("method", STR, "planar (the paper's: weighted mean of latitude and longitude) or spherical"),
            ("latitude", F64, "centre latitude"),
            ("longitude", F64, "centre longitude"),
            ("total_weight", F64, "sum of the located cities' weights"),
            ("resultant_length", F64, "spherical: length of the mean unit vector (0-1)"),
            ("n_cities", I64, "cities with a weight"),
            ("cities_without_coordinates", I64, "cities left out for want of coordinates"),
            ("window_complete", BOOL, "false for impact years whose citation window is not complete"),
        ),
        _t(
            "out_focal_pull",
            "How far a focal city (default Beijing) pulls the centre of mass, per year and metric.",
            ("year", I16, "year"),
            ("metric", STR, "metric"),
            ("method", STR, "planar or spherical"),
            ("focal_city_geonames_id", I64, "the focal city"),
            ("focal_city_name", STR, "its name"),
            ("focal_city_bloc", STR, "its bloc"),
            ("focal_weight", F64, "its weight"),
            ("focal_share", F64, "its share of the weight"),
            ("pull_km", F64, "great-circle distance between the centres with and without the city"),
            ("lat_with", F64, "centre with every city"),
            ("lon_with", F64, "centre with every city"),
            ("lat_without", F64, "centre without the focal city"),
            ("lon_without", F64, "centre without the focal city"),
            ("window_complete", BOOL, "false for impact years whose citation window is not complete"),
        ),
        _t(
            "out_centre_trajectory",
            "The path of the centre of mass over the years: steps, distance from the first year, speeds.",
            ("year", I16, "year"),
            ("metric", STR, "metric"),
            ("method", STR, "planar or spherical"),
            ("latitude", F64, "centre latitude"),
            ("longitude", F64, "centre longitude"),
            ("window_complete", BOOL, "false for impact years whose citation window is not complete"),
            ("step_km", F64, "distance from the previous year's centre"),
            ("distance_from_first_km", F64, "straight-line distance from the first year's centre"),
            ("cumulative_km", F64, "path length since the first year"),
            ("years_elapsed", I64, "years since the first year"),
            ("mean_speed_km_per_year", F64, "path length / years elapsed"),
            ("net_speed_km_per_year", F64, "straight-line distance / years elapsed"),
        ),
        # ---- raw/core: the life-science atlas (seed 004) ----
        _t(
            "raw_pubmed_articles",
            "One row per PubMed citation record (MedlineCitation) of the partition's year.",
            ("pmid", STR, "PubMed id, digits only"),
            ("doi", STR, "DOI (lower case, no prefix) from ArticleIdList or ELocationID; null when none"),
            ("publication_year", I16, "year of the journal issue (PubDate Year, else MedlineDate's first year, else ArticleDate)"),
            ("title", STR, "ArticleTitle, inner markup flattened"),
            ("abstract", STR, "AbstractText sections joined (labels of structured abstracts kept as 'LABEL: text')"),
            ("journal_title", STR, "Journal/Title"),
            ("journal_iso_abbrev", STR, "Journal/ISOAbbreviation"),
            ("issn_print", STR, "ISSN IssnType=Print (NNNN-NNNN)"),
            ("issn_electronic", STR, "ISSN IssnType=Electronic"),
            ("issn_linking", STR, "MedlineJournalInfo/ISSNLinking"),
            ("publication_types", STR, "PublicationType values joined by '|'"),
            ("mesh_terms", STR, "MeSH DescriptorName values joined by '|'"),
            ("n_authors", I32, "authors in the byline (persons and collectives)"),
            ("source_file", STR, "baseline or update file the record came from"),
        ),
        _t(
            "raw_pubmed_authors",
            "One row per PubMed author x affiliation, in byline order (affiliation null when none).",
            ("pmid", STR, "PubMed id"),
            ("author_seq", I32, "0-based position in the byline"),
            ("last_name", STR, "LastName"),
            ("fore_name", STR, "ForeName"),
            ("collective_name", STR, "CollectiveName of a group author; null for persons"),
            ("affiliation_seq", I32, "0-based position among the author's affiliations"),
            ("affiliation", STR, "AffiliationInfo/Affiliation text"),
        ),
        _t(
            "raw_pubmed_references",
            "Citation links in PubMed's ReferenceList: the citing record and each cited PMID.",
            ("pmid", STR, "citing PubMed id"),
            ("cited_pmid", STR, "cited PubMed id"),
        ),
        _t(
            "core_lifesci_articles",
            "AI life-science articles of the year (seed 004): PubMed and OpenAlex conference papers, deduplicated.",
            ("article_id", STR, "pmid:<PMID> for PubMed records, else the OpenAlex work id (W...)"),
            ("pmid", STR, "PubMed id; null for OpenAlex-only papers"),
            ("doi", STR, "DOI, lower case; null when none"),
            ("work_id", STR, "OpenAlex work id when the article is (also) an OpenAlex work"),
            ("source", STR, "pubmed, openalex or both"),
            ("publication_year", I16, "publication year"),
            ("title", STR, "title"),
            ("outlet_kind", STR, "journal or conference"),
            ("outlet_id", STR, "journal ISSN (linking, else print, else electronic) or OpenAlex source id"),
            ("outlet_name", STR, "journal title or conference name"),
            ("ai_keyword", STR, "the AI keyword that matched title or abstract"),
            ("is_clinical", BOOL, "passes the clinical filter (Haynes et al., therapy or diagnosis, broad)"),
            ("topic", STR, "highest-scoring level-1 OpenAlex concept that is not an AI concept; else the first specific MeSH heading"),
            ("n_authors", I32, "authors in the byline"),
            ("lead_country_code", STR, "lead author's country: last author, else first author"),
            ("lead_world_region", STR, "UN world region of the lead country (six regions of seed 004)"),
            ("lead_rule", STR, "which author and which rule placed the lead country"),
            ("n_countries", I32, "distinct countries among the authors"),
            ("is_international", BOOL, "at least two authors affiliated with different countries"),
            ("outlet_ranked", BOOL, "the outlet appears in the ranking tables supplied"),
            ("high_ranked", BOOL, "journal among the top three of its best category, or conference rated A*"),
            ("citations", I64, "forward citations from life-science articles"),
            ("clinical_citations", I64, "forward citations from clinical life-science articles"),
        ),
        _t(
            "core_lifesci_authors",
            "Authors of the AI life-science articles with their country (one row per author and country).",
            ("article_id", STR, "article"),
            ("author_seq", I32, "0-based byline position"),
            ("country_code", STR, "country of the affiliation; null when unknown"),
            ("country_rule", STR, "openalex_institution or the affiliation-text rule that placed it"),
        ),
        # ---- out: fitted models (seed 000 Table 1, Supplementary Tables 1-3) ----
        _t(
            "out_gravity_citation_pairs",
            "Observations of the citation gravity model: ordered city pairs of a year, zeros included.",
            ("year", I16, "publication year of the cited papers"),
            ("citing_city_geonames_id", I64, "city i (citing)"),
            ("cited_city_geonames_id", I64, "city j (cited, the source)"),
            ("citations", I64, "citations from i's papers to j's papers of the year, made in y..y+2"),
            ("papers_cited", I64, "n_j: j's AI papers of the year"),
            ("citations_made", I64, "m_i: every citation i made to the year's papers in the window"),
            ("ln_papers_cited", F64, "ln n_j"),
            ("ln_citations_made", F64, "ln m_i"),
            ("ln_scientists_cited", F64, "ln AI scientists at j; null when none"),
            ("ln_scientists_citing", F64, "ln AI scientists at i; null when none"),
            ("ln_distance", F64, "ln great-circle km (floor 1 km); 0 for a city with itself"),
            ("same_city", F64, "1 when i = j"),
            ("same_country", F64, "1 when i and j are in one country; null when unknown"),
            ("same_subregion", F64, "1 when in one UN M49 sub-region; null when unknown"),
            ("shared_language", F64, "1 when the countries share an official language (CLDR); null when unknown"),
            ("same_bloc", F64, "1 when both East or both West; null when unknown"),
        ),
        _t(
            "out_gravity_migration_pairs",
            "Observations of the migration gravity model: ordered pairs of different cities, zeros included.",
            ("year", I16, "last year of the window (moves up to this year)"),
            ("origin_city_geonames_id", I64, "origin city"),
            ("destination_city_geonames_id", I64, "destination city"),
            ("moves", I64, "AI scientists who moved from origin to destination in the window"),
            ("window_start", I16, "first year of the window (sizes are measured then)"),
            ("ln_scientists_origin", F64, "ln AI scientists at the origin in window_start"),
            ("ln_scientists_destination", F64, "ln AI scientists at the destination in window_start"),
            ("ln_distance", F64, "ln great-circle km (floor 1 km)"),
            ("same_country", F64, "1 when one country; null when unknown"),
            ("same_subregion", F64, "1 when one UN M49 sub-region; null when unknown"),
            ("shared_language", F64, "1 when an official language is shared (CLDR); null when unknown"),
            ("same_bloc", F64, "1 when one bloc; null when unknown"),
        ),
        _t(
            "out_model_coefficients",
            "Fitted models in tidy form: one row per model, specification, year and term.",
            ("model", STR, "which model (e.g. gravity_citations, gravity_migration)"),
            ("spec", STR, "specification label (e.g. Table 1's (1)..(4), structural)"),
            ("year", I16, "the year of a by-year fit; null for pooled fits"),
            ("term", STR, "regressor"),
            ("coef", F64, "coefficient"),
            ("std_err", F64, "standard error"),
            ("z", F64, "coef / std_err"),
            ("p_value", F64, "two-sided p-value (normal)"),
            ("ci_lower", F64, "95% interval, lower"),
            ("ci_upper", F64, "95% interval, upper"),
            ("nobs", I64, "observations used"),
            ("pseudo_r2_mcfadden", F64, "McFadden's pseudo R-squared"),
            ("pseudo_r2_corr", F64, "squared correlation of fitted and observed (R2 for OLS)"),
            ("cov_type", STR, "covariance estimator"),
            ("converged", BOOL, "the fit converged"),
            ("estimator", STR, "PPML, NB2 or OLS ln(1+y)"),
        ),
        _t(
            "out_model_table",
            "A regression table laid out for reading: coefficient and standard-error rows, one column per fit.",
            ("table", STR, "which table (e.g. table_1, structural)"),
            ("row_order", I32, "position of the row in the printed table"),
            ("row", STR, "row label as printed"),
            ("term", STR, "regressor behind the row"),
            ("kind", STR, "coef, se, control, stat or test"),
            ("column", STR, "the fit (column header)"),
            ("cell", STR, "the printed cell"),
        ),
    ]
}


def conform(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Return ``df`` with exactly the declared columns of ``table``, in order, cast to their dtypes."""
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
    return pd.DataFrame(out, index=pd.RangeIndex(len(df)))
