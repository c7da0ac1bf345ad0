"""The field registry: every column name the warehouse uses, defined once (PUDL's ``fields.py``).

A ``Field`` is a column's pandas dtype, its plain-words description, its unit and, for a coded
column, its allowed values. ``aigeo_assets.schemas`` builds every table from these: a table lists
its field names (``schemas._t``), and its columns take their dtype and description from here.

**One type per field.** A name has one dtype in every table that holds it. Choices made when the
registry replaced the per-table column lists (issue 17), where tables disagreed:

- ``year`` is ``Int16`` everywhere, as ``publication_year``, ``window_start`` and ``window_end``
  already were (a calendar year fits in 16 bits, and most tables used it). The life-science tables
  ``out_lifesci_yearly_counts``, ``out_lifesci_link_coverage``, ``out_lifesci_country_years``,
  ``out_lifesci_high_ranked_by_region_year``, ``out_lifesci_international_by_year`` and
  ``out_venue_east_west`` stored it as ``Int64`` before.
- ``n_references`` is ``Int32`` (``raw_works``' type; ``out_disruption`` stored ``Int64``).
- ``rank`` is ``Int32`` (AlShebli et al. 2022's rank tables' type; the life-science country tables
  stored ``Int64``).
- ``value`` is ``Int64`` (a count); the one exception is ``TYPE_BY_TABLE`` below.

**Descriptions.** One neutral description per field. Where one name means something narrower in
one table (``year`` of ``out_gravity_migration_pairs`` is the last year of the window), that
table's declaration gives the column its own description (``("year", "...")`` in ``schemas``):
explicit and rare, like PUDL's ``FIELD_METADATA_BY_RESOURCE``. A table never changes a field's
dtype, except as listed in ``TYPE_BY_TABLE``.

``unit`` is documentation (shown in the column schema Dagster displays). ``allowed`` and
``nullable`` are enforced: the IO manager (``schemas.conform``, ``schemas.check_values``) refuses a
write whose coded column holds a value outside ``allowed``, or a null where ``nullable`` is false,
naming the table, the column, the count and the first values. Nulls are allowed unless the field
says otherwise. Free-form columns (quarantine ``reason``, model labels) and values a raw table
passes through from the source as read (OpenAlex's ``type``, ``venue_type``, ``author_position``:
the record schema does not restrict them, so a set here would fail a whole year for one record)
have no set.
"""

from __future__ import annotations

from dataclasses import dataclass

from aigeo_assets.geo.regions import WORLD_REGIONS

STR = "string"
I16 = "Int16"
I32 = "Int32"
I64 = "Int64"
F64 = "Float64"
BOOL = "boolean"

BLOCS = ("East", "West")
"""AlShebli et al. 2022's blocs: cities in the U.S. or Europe are West, every other city East."""
M49_REGIONS = ("Africa", "Americas", "Asia", "Europe", "Oceania")
"""The UN M49 regions (``data/reference/un_m49.csv``)."""
ALL_REGIONS = "All regions"
"""The ``world_region`` of a row that sums every region (``out_lifesci_by_outlet_type``)."""
GEOCODE_RULES = ("openalex_geo", "geonames_id", "name_match", "raw_affiliation", "country_only", "raw_country",
                 "author_country", "unlocated")
"""``geo.geocode.RULES``: the rules that place an institution or an affiliation, in order."""
AFFILIATION_COUNTRY_RULES = ("country_name", "country_variant", "us_state", "subdivision", "city", "email_domain", "hint",
                             "none")
"""How an affiliation text gave its country (``geo.affiliation_text.RULES``, or the author's ``hint``)."""
LIFESCI_COUNTRY_RULES = ("openalex_institution", *AFFILIATION_COUNTRY_RULES)
"""``core_lifesci_authors.country_rule``: an OpenAlex institution's country, or the PubMed affiliation text's rule."""
LEAD_RULES = ("last_author", "first_author", "none",
              *(f"{author}:{rule}" for author in ("last_author", "first_author") for rule in LIFESCI_COUNTRY_RULES))
"""Which author gave the lead country (``core_papers``), and by which rule (the life-science tables)."""


@dataclass(frozen=True)
class Field:
    """One column's definition, shared by every table that holds it."""

    type: str
    description: str
    unit: str | None = None
    allowed: tuple[str, ...] | None = None
    """The values a coded column may hold; None: any value. Enforced on every write."""
    nullable: bool = True
    """False: a null is refused on every write (a coded column every row of which the code fills)."""

    def describe(self, description: str | None = None) -> str:
        """The description shown for the column: ``description`` (a table's own) or the field's,
        with the unit and the allowed values appended."""
        text = description or self.description
        if self.unit:
            text += f" [{self.unit}]"
        if self.allowed:
            text += f" (one of: {', '.join(self.allowed)}{'' if self.nullable else '; never null'})"
        return text


FIELDS: dict[str, Field] = {
    "work_id": Field(STR, "OpenAlex work id, short form (W...)"),
    "publication_year": Field(I16, "publication year"),
    "doi": Field(STR, "DOI, lower case, without the https://doi.org/ prefix; null when none"),
    "pmid": Field(STR, "PubMed id, digits only; null when none"),
    "type": Field(STR, "OpenAlex type of the record (work type, or institution type)"),
    "type_crossref": Field(STR, "Crossref work type"),
    "title": Field(STR, "title"),
    "abstract": Field(STR, "abstract rebuilt from abstract_inverted_index"),
    "venue_id": Field(STR, "OpenAlex source (venue) id, short form (S...)"),
    "venue_type": Field(STR, "source type: journal, conference, repository, ..."),
    "primary_subfield_id": Field(STR, "primary_topic.subfield id, short form (e.g. 1702)"),
    "n_authors": Field(I32, "authors in the byline"),
    "n_references": Field(I32, "number of referenced_works"),
    "location_raw_type": Field(
        STR,
        "primary_location.raw_type: the type the location's own metadata gives (Crossref's for a DOI)",
    ),
    "location_raw_source_name": Field(STR, "primary_location.raw_source_name: the venue name as the location gives it"),
    "author_seq": Field(I32, "0-based position of the author in the byline"),
    "author_position": Field(STR, "OpenAlex's author_position: first, middle or last (the source's value, as read)"),
    "author_id": Field(STR, "OpenAlex author id, short form (A...); null when OpenAlex has none"),
    "institution_seq": Field(I32, "0-based position of the institution within the authorship"),
    "institution_id": Field(STR, "OpenAlex institution id, short form (I...); null for an authorship without one"),
    "institution_name": Field(STR, "institution display_name as embedded in the work"),
    "institution_country_code": Field(STR, "institution country_code as embedded in the work"),
    "author_countries": Field(STR, "authorships[].countries joined with '|'"),
    "raw_affiliation": Field(STR, "raw_affiliation_strings joined with ' ; '"),
    "institution_raw_affiliation": Field(
        STR,
        "the raw strings OpenAlex's affiliations[] ties to this institution, joined with ' ; ' "
        "(all of the authorship's strings when it has no institution; null when the record has no affiliations[])",
    ),
    "citing_work_id": Field(STR, "citing work id"),
    "cited_work_id": Field(STR, "cited work id (merged ids applied)"),
    "concept_id": Field(STR, "concept id, short form (C...)"),
    "concept_name": Field(STR, "display_name"),
    "level": Field(I16, "concept level (0 = root)"),
    "score": Field(F64, "classifier score of the concept or topic"),
    "topic_id": Field(STR, "topic id, short form (T...)"),
    "is_primary": Field(BOOL, "this is primary_topic"),
    "subfield_id": Field(STR, "subfield id, digits (1702 = Artificial Intelligence)"),
    "field_id": Field(STR, "field id, digits"),
    "domain_id": Field(STR, "domain id, digits"),
    "display_name": Field(STR, "display_name"),
    "issn_l": Field(STR, "linking ISSN"),
    "country_code": Field(STR, "country, ISO 3166-1 alpha-2; null when unknown"),
    "geo_city": Field(STR, "geo.city"),
    "geo_geonames_city_id": Field(I64, "geo.geonames_city_id"),
    "geo_region": Field(STR, "geo.region"),
    "geo_country_code": Field(STR, "geo.country_code"),
    "geo_latitude": Field(F64, "geo.latitude", unit="degrees"),
    "geo_longitude": Field(F64, "geo.longitude", unit="degrees"),
    "file": Field(STR, "source file name"),
    "line": Field(I64, "1-based line number (0 when the problem concerns the whole file)"),
    "reason": Field(STR, "machine-readable reason"),
    "detail": Field(STR, "human-readable detail"),
    "city_geonames_id": Field(I64, "GeoNames id of the city; null when not located to a city"),
    "city_name": Field(STR, "city name (GeoNames)"),
    "latitude": Field(F64, "city latitude", unit="degrees"),
    "longitude": Field(F64, "city longitude", unit="degrees"),
    "region": Field(STR, "UN M49 region", allowed=M49_REGIONS),
    "sub_region": Field(STR, "UN M49 sub-region"),
    "world_region": Field(
        STR, "world region (the six of Schmallenbach et al. 2024; All regions: their sum)", allowed=(*WORLD_REGIONS, ALL_REGIONS)
    ),
    "bloc": Field(STR, "East or West (AlShebli et al. 2022)", allowed=BLOCS),
    "geocode_rule": Field(
        STR,
        "rule that placed the institution or affiliation (geo.geocode: the first that applies)",
        allowed=GEOCODE_RULES,
    ),
    "is_ai": Field(BOOL, "AI paper under the configured rule"),
    "doc_type": Field(STR, "journal, conference or other", allowed=("journal", "conference", "other"), nullable=False),
    "doc_type_rule": Field(
        STR,
        "evidence that decided doc_type (see corpus.papers.document_types)",
        allowed=("venue_type", "location_raw_type", "type_crossref", "source_name", "work_type", "none"),
    ),
    "in_corpus": Field(BOOL, "AI and (journal or conference): AlShebli et al. 2022's corpus"),
    "city_latitude": Field(F64, "city latitude", unit="degrees"),
    "city_longitude": Field(F64, "city longitude", unit="degrees"),
    "city_country_code": Field(STR, "country of that city"),
    "lead_country_code": Field(STR, "lead author's country: last author, else first author (Schmallenbach et al. 2024)"),
    "lead_world_region": Field(
        STR, "world region of the lead country (the six of Schmallenbach et al. 2024)", allowed=WORLD_REGIONS
    ),
    "lead_rule": Field(STR, "which author and which rule placed the lead country", allowed=LEAD_RULES),
    "citing_year": Field(I16, "citing work's year"),
    "cited_year": Field(I16, "cited work's year; null when external"),
    "resolution": Field(
        STR,
        "in_snapshot or external (not among works up to the citing year)",
        allowed=("in_snapshot", "external"),
        nullable=False,
    ),
    "citing_in_corpus": Field(BOOL, "citing work is in the AI corpus"),
    "cited_in_corpus": Field(BOOL, "cited work is in the AI corpus"),
    "citing_city_geonames_id": Field(I64, "city i, of the citing paper"),
    "cited_city_geonames_id": Field(I64, "city j, of the cited paper (the source)"),
    "citing_country_code": Field(STR, "citing paper's city country"),
    "cited_country_code": Field(STR, "cited paper's city country"),
    "citing_bloc": Field(STR, "citing bloc", allowed=BLOCS),
    "cited_bloc": Field(STR, "cited bloc", allowed=BLOCS),
    "year": Field(I16, "publication year"),
    "n_papers_year": Field(I32, "the author's works that year"),
    "n_ai_papers_year": Field(I32, "the author's AI works that year"),
    "n_papers_career": Field(I32, "the author's works over all years"),
    "n_ai_papers_career": Field(I32, "the author's AI works over all years"),
    "is_ai_scientist": Field(BOOL, ">= 3 papers, at least half AI (career)"),
    "productivity": Field(I64, "AI papers whose last author is in the city that year"),
    "impact": Field(I64, "citations to those papers from papers of years y..y+W (W = impact window, default 2)"),
    "impact_long": Field(I64, "the same over the long window (default 5 years, Supplementary Fig. 1)"),
    "ai_scientists": Field(I64, "AI scientists located in the city that year"),
    "share_productivity": Field(F64, "productivity / world productivity"),
    "share_impact": Field(F64, "impact / world impact"),
    "share_impact_long": Field(F64, "impact_long / world impact_long"),
    "share_ai_scientists": Field(F64, "ai_scientists / world AI scientists"),
    "impact_window_complete": Field(BOOL, "every citing year of the impact window is materialized"),
    "impact_long_window_complete": Field(BOOL, "every citing year of the long window is materialized"),
    "productivity_located": Field(I64, "of which placed in a city"),
    "row_city_geonames_id": Field(I64, "citing city / last author's city; null = not located"),
    "col_city_geonames_id": Field(I64, "cited city / co-author's city; null = not located"),
    "value": Field(I64, "the count: citations from row to column within the impact window, or papers"),
    "reference_year": Field(I16, "reference year"),
    "reference_impact": Field(I64, "impact in the reference year"),
    "reference_rank": Field(I32, "1 = most impactful"),
    "metric": Field(
        STR,
        "impact, impact_long, productivity or ai_scientists",
        allowed=("impact", "impact_long", "productivity", "ai_scientists"),
        nullable=False,
    ),
    "relative": Field(F64, "value / the year's largest value among the cities"),
    "rank": Field(I32, "1 = largest (ties share the best rank)"),
    "window_complete": Field(BOOL, "false for impact years whose citation window is not complete"),
    "top_n": Field(I32, "N of the top-N cities"),
    "top_value": Field(I64, "sum over the top N cities"),
    "world_value": Field(I64, "world total"),
    "share": Field(F64, "share"),
    "row_order": Field(I32, "0-based row position (East first, then West; by reference rank within)"),
    "col_order": Field(I32, "0-based column position"),
    "row_city_name": Field(STR, "row city name"),
    "col_city_name": Field(STR, "column city name"),
    "row_bloc": Field(STR, "row city's bloc", allowed=BLOCS),
    "col_bloc": Field(STR, "column city's bloc", allowed=BLOCS),
    "network": Field(
        STR,
        "impact, migration, collaboration or normalized_impact",
        allowed=("impact", "migration", "collaboration", "normalized_impact"),
        nullable=False,
    ),
    "source_city_geonames_id": Field(I64, "source city"),
    "target_city_geonames_id": Field(I64, "target city"),
    "weight": Field(F64, "the flow (a count; a ratio for normalized_impact)"),
    "length": Field(F64, "1 / weight: heavy flows are short"),
    "weight_numerator": Field(I64, "normalized_impact: the weight exactly, flow x world papers over ..."),
    "weight_denominator": Field(I64, "... received citations x papers of the target (null for the count networks)"),
    "window_end": Field(I16, "last year of the window the network covers (the partition's year)"),
    "east_west_betweenness": Field(F64, "sum over East-West and West-East pairs of sigma_st(v) / sigma_st"),
    "east_west_path_share": Field(
        F64,
        "that sum over the number of connected East-West ordered pairs: the mean over those pairs of the share of their shortest paths through the city",
    ),
    "betweenness": Field(F64, "standard (Definition 1) unnormalised directed betweenness"),
    "measure": Field(
        STR,
        "degree, closeness, pagerank, independent_cascade or linear_threshold",
        allowed=("degree", "closeness", "pagerank", "independent_cascade", "linear_threshold"),
        nullable=False,
    ),
    "stderr": Field(F64, "standard error of the mean spread (cascades); null otherwise"),
    "method": Field(
        STR,
        "planar (the paper's: weighted mean of latitude and longitude) or spherical",
        allowed=("planar", "spherical"),
        nullable=False,
    ),
    "total_weight": Field(F64, "sum of the located cities' weights"),
    "resultant_length": Field(F64, "spherical: length of the mean unit vector (0-1)"),
    "n_cities": Field(I64, "cities with a weight"),
    "cities_without_coordinates": Field(I64, "cities left out for want of coordinates"),
    "focal_city_geonames_id": Field(I64, "the focal city"),
    "focal_city_name": Field(STR, "its name"),
    "focal_city_bloc": Field(STR, "its bloc", allowed=BLOCS),
    "focal_weight": Field(F64, "its weight"),
    "focal_share": Field(F64, "its share of the weight"),
    "pull_km": Field(F64, "great-circle distance between the centres with and without the city", unit="km"),
    "lat_with": Field(F64, "centre with every city", unit="degrees"),
    "lon_with": Field(F64, "centre with every city", unit="degrees"),
    "lat_without": Field(F64, "centre without the focal city", unit="degrees"),
    "lon_without": Field(F64, "centre without the focal city", unit="degrees"),
    "step_km": Field(F64, "distance from the previous year's centre", unit="km"),
    "distance_from_first_km": Field(F64, "straight-line distance from the first year's centre", unit="km"),
    "cumulative_km": Field(F64, "path length since the first year", unit="km"),
    "years_elapsed": Field(I64, "years since the first year"),
    "mean_speed_km_per_year": Field(F64, "path length / years elapsed", unit="km per year"),
    "net_speed_km_per_year": Field(F64, "straight-line distance / years elapsed", unit="km per year"),
    "size_bytes": Field(I64, "file size", unit="bytes"),
    "records": Field(I64, "citation records parsed"),
    "first_year": Field(I16, "earliest publication year among them"),
    "last_year": Field(I16, "latest publication year among them"),
    "deleted": Field(I64, "PMIDs the file deletes (DeleteCitation)"),
    "quarantined": Field(I64, "records or file problems quarantined"),
    "parsed_now": Field(BOOL, "parsed in this run (false: the cached parse was reused)"),
    "journal_title": Field(STR, "Journal/Title"),
    "journal_iso_abbrev": Field(STR, "Journal/ISOAbbreviation"),
    "issn_print": Field(STR, "ISSN IssnType=Print (NNNN-NNNN)"),
    "issn_electronic": Field(STR, "ISSN IssnType=Electronic"),
    "issn_linking": Field(STR, "MedlineJournalInfo/ISSNLinking"),
    "publication_types": Field(STR, "PublicationType values joined by '|'"),
    "mesh_terms": Field(STR, "MeSH DescriptorName values joined by '|'"),
    "source_file": Field(STR, "baseline or update file the record came from"),
    "last_name": Field(STR, "LastName"),
    "fore_name": Field(STR, "ForeName"),
    "collective_name": Field(STR, "CollectiveName of a group author; null for persons"),
    "affiliation_seq": Field(I32, "0-based position among the author's affiliations"),
    "affiliation": Field(STR, "AffiliationInfo/Affiliation text"),
    "cited_pmid": Field(STR, "cited PubMed id"),
    "article_id": Field(STR, "pmid:<PMID> for PubMed records, else the OpenAlex work id (W...)"),
    "source": Field(
        STR,
        "pubmed, openalex or both (a conference paper PubMed also indexes)",
        allowed=("pubmed", "openalex", "both"),
        nullable=False,
    ),
    "link_rule": Field(
        STR,
        "how the article reached OpenAlex: pmid, doi, openalex (an OpenAlex conference paper) or none",
        allowed=("pmid", "doi", "openalex", "none"),
        nullable=False,
    ),
    "outlet_kind": Field(STR, "journal or conference", allowed=("journal", "conference")),
    "outlet_id": Field(STR, "journal ISSN (linking, else print, else electronic) or OpenAlex source id"),
    "outlet_name": Field(STR, "journal title or conference name"),
    "ai_keyword": Field(STR, "the AI keyword that matched title or abstract"),
    "is_clinical": Field(BOOL, "passes the clinical filter (default: Haynes et al. 2005 treatment query on title and abstract)"),
    "topic": Field(
        STR,
        "highest-scoring level-1 OpenAlex concept that is not an AI concept; else the first specific MeSH heading",
    ),
    "topic_source": Field(STR, "openalex_concept, mesh or none", allowed=("openalex_concept", "mesh", "none"), nullable=False),
    "country_source": Field(
        STR,
        "where the authors' countries come from: openalex, openalex+pubmed, pubmed or none",
        allowed=("openalex", "openalex+pubmed", "pubmed", "none"),
        nullable=False,
    ),
    "n_countries": Field(I32, "distinct countries among the authors"),
    "is_international": Field(BOOL, "at least two authors affiliated with different countries"),
    "outlet_ranked": Field(BOOL, "the outlet appears in the ranking tables supplied"),
    "high_ranked": Field(
        BOOL,
        "journal among the top three of its best category, or conference rated A* (or A: AIGEO_LIFESCI_CORE_RANK)",
    ),
    "country_rule": Field(
        STR, "openalex_institution or the affiliation-text rule that placed it", allowed=LIFESCI_COUNTRY_RULES
    ),
    "citations": Field(I64, "forward citations used: openalex_citations when the article has a work, else pubmed_citations"),
    "clinical_citations": Field(I64, "forward citations from clinical records (the clinical filter on the citing record)"),
    "citation_source": Field(STR, "openalex or pubmed_reference_list", allowed=("openalex", "pubmed_reference_list")),
    "pubmed_citations": Field(I64, "PubMed records citing the article's PMID in their ReferenceList"),
    "pubmed_clinical_citations": Field(I64, "clinical ones among them"),
    "openalex_citations": Field(
        I64,
        "OpenAlex works citing the article's work (any work, or life-science ones: AIGEO_LIFESCI_CITING)",
    ),
    "openalex_clinical_citations": Field(I64, "clinical ones among them"),
    "articles": Field(I64, "articles"),
    "pubmed": Field(I64, "pubmed"),
    "openalex": Field(I64, "openalex"),
    "both": Field(I64, "both"),
    "venue_rank": Field(I64, "1 = most AI corpus papers over every year (or the order of the user's list)"),
    "venue_name": Field(STR, "venue display name"),
    "east_papers": Field(I64, "corpus papers of the venue and year whose city is Eastern"),
    "west_papers": Field(I64, "the same, Western"),
    "east_share": Field(F64, "east_papers over the placed papers of the venue and year"),
    "linked_by_pmid": Field(I64, "PubMed records linked to their OpenAlex work by PMID"),
    "linked_by_doi": Field(I64, "PubMed records linked by DOI"),
    "openalex_papers": Field(I64, "OpenAlex conference papers (no PubMed record)"),
    "unlinked": Field(I64, "PubMed records without an OpenAlex work"),
    "countries_from_openalex": Field(I64, "articles whose authors' countries come from OpenAlex institutions"),
    "topic_from_openalex": Field(I64, "articles whose topic is an OpenAlex level-1 concept"),
    "citations_from_openalex": Field(I64, "articles whose citations are counted in OpenAlex"),
    "rank_in_year": Field(I64, "1 = most articles that year"),
    "iso3": Field(STR, "iso3"),
    "country_name": Field(STR, "country name"),
    "journal_articles": Field(I64, "journal articles"),
    "conference_articles": Field(I64, "conference articles"),
    "country_rank": Field(I64, "country rank"),
    "topic_rank": Field(I64, "topic rank"),
    "country_articles": Field(I64, "country articles"),
    "clinical_articles": Field(I64, "clinical articles"),
    "share_of_world_clinical": Field(F64, "share of world clinical"),
    "clinical_share_of_country": Field(F64, "clinical share of country"),
    "cumulative_share_of_world_clinical": Field(F64, "cumulative share of world clinical"),
    "ranked_articles": Field(I64, "ranked articles"),
    "high_ranked_articles": Field(I64, "articles in high-ranked outlets"),
    "share_high_ranked": Field(F64, "share in high-ranked outlets"),
    "share_high_ranked_of_ranked": Field(F64, "share high ranked of ranked"),
    "international_articles": Field(I64, "international articles"),
    "share_international": Field(F64, "share of international articles"),
    "model": Field(STR, "which model"),
    "outcome": Field(
        STR, "the outcome modelled (citations or clinical_citations)", allowed=("citations", "clinical_citations")
    ),
    "absorbed": Field(STR, "absorbed"),
    "term": Field(STR, "regressor"),
    "label": Field(STR, "the term as printed (e.g. the world region)"),
    "coef": Field(F64, "coefficient"),
    "std_err": Field(F64, "standard error"),
    "irr": Field(F64, "irr"),
    "lower": Field(F64, "95% interval, lower"),
    "upper": Field(F64, "95% interval, upper"),
    "p_value": Field(F64, "two-sided p-value"),
    "nobs": Field(I64, "observations used"),
    "nb_alpha": Field(F64, "nb alpha"),
    "converged": Field(BOOL, "the fit converged"),
    "dropped_unknown_region": Field(I64, "dropped unknown region"),
    "dropped_unknown_country": Field(I64, "dropped unknown country"),
    "dropped_missing": Field(I64, "dropped missing"),
    "dropped_all_zero_groups": Field(I64, "dropped all zero groups"),
    "dropped_separated": Field(I64, "dropped separated"),
    "coauthor_world_region": Field(STR, "coauthor world region", allowed=WORLD_REGIONS),
    "dyads": Field(I64, "dyads"),
    "model_full": Field(STR, "the unadjusted Fig. 7 panel (A or B)", allowed=("A", "B")),
    "model_outlet": Field(STR, "the outlet-effect panel of the same outcome (D or C)", allowed=("C", "D")),
    "irr_full": Field(F64, "IRR vs Asia, year effects, full sample"),
    "lower_full": Field(F64, "95% interval, lower"),
    "upper_full": Field(F64, "95% interval, upper"),
    "nobs_full": Field(I64, "articles in the full-sample fit"),
    "irr_same_sample": Field(F64, "IRR vs Asia, year effects, on the outlet-effect model's articles"),
    "lower_same_sample": Field(F64, "95% interval, lower"),
    "upper_same_sample": Field(F64, "95% interval, upper"),
    "nobs_same_sample": Field(I64, "articles in the refit"),
    "irr_outlet": Field(F64, "IRR vs Asia, year and outlet effects"),
    "lower_outlet": Field(F64, "95% interval, lower"),
    "upper_outlet": Field(F64, "95% interval, upper"),
    "nobs_outlet": Field(I64, "articles in the outlet-effect fit"),
    "log_gap": Field(F64, "ln irr_outlet - ln irr_full"),
    "log_sample_part": Field(F64, "ln irr_same_sample - ln irr_full: what the smaller sample changes"),
    "log_outlet_part": Field(F64, "ln irr_outlet - ln irr_same_sample: what the outlet effects change"),
    "sample_share_of_gap": Field(F64, "log_sample_part / log_gap; null when the gap is zero"),
    "estimator": Field(
        STR,
        "PPML (Poisson pseudo-maximum likelihood), NB2 (negative binomial, variance mu + alpha mu^2) or OLS ln(1+y)",
    ),
    "international_high_ranked": Field(I64, "international articles in high-ranked outlets"),
    "national_articles": Field(I64, "national articles"),
    "national_high_ranked": Field(I64, "national articles in high-ranked outlets"),
    "share_national": Field(F64, "P(high-ranked | national)"),
    "ratio": Field(F64, "ratio of the shares (year-adjusted for year_adjusted)"),
    "premium": Field(F64, "ratio - 1 (the paper: 0.35)"),
    "note": Field(STR, "why a row has no estimate; empty otherwise"),
    "outlet_type": Field(STR, "journal, conference or other", allowed=("journal", "conference", "other")),
    "outlet_type_label": Field(STR, "life science (journals), computer science (conference proceedings)"),
    "share_of_type": Field(F64, "share of the type's articles"),
    "share_clinical": Field(F64, "share clinical"),
    "mean_citations": Field(F64, "mean citations per article"),
    "mean_clinical_citations": Field(F64, "mean clinical citations per article"),
    "high_ranked_international_articles": Field(I64, "international articles in high-ranked outlets"),
    "share_international_of_high_ranked": Field(F64, "international share of the high-ranked articles"),
    "world_share_international": Field(F64, "the world's share international (the paper: about 20%)"),
    "world_share_international_of_high_ranked": Field(F64, "the world's international share of high-ranked articles"),
    "papers_cited": Field(I64, "n_j: j's AI papers of the year"),
    "citations_made": Field(I64, "m_i: every citation i made to the year's papers in the window"),
    "ln_papers_cited": Field(F64, "ln n_j"),
    "ln_citations_made": Field(F64, "ln m_i"),
    "ln_scientists_cited": Field(F64, "ln AI scientists at j; null when none"),
    "ln_scientists_citing": Field(F64, "ln AI scientists at i; null when none"),
    "ln_distance": Field(F64, "ln great-circle km (floor 1 km); 0 for a city with itself"),
    "same_city": Field(F64, "1 when i = j"),
    "same_country": Field(F64, "1 when i and j are in one country; null when unknown"),
    "same_subregion": Field(F64, "1 when in one UN M49 sub-region; null when unknown"),
    "shared_language": Field(F64, "1 when the countries share an official language (CLDR); null when unknown"),
    "same_bloc": Field(F64, "1 when both East or both West; null when unknown"),
    "origin_city_geonames_id": Field(I64, "origin city"),
    "destination_city_geonames_id": Field(I64, "destination city"),
    "moves": Field(I64, "AI scientists who moved from origin to destination in the window"),
    "window_start": Field(I16, "first year of the window (shorter at the start of the series)"),
    "ln_scientists_origin": Field(F64, "ln AI scientists at the origin in window_start"),
    "ln_scientists_destination": Field(F64, "ln AI scientists at the destination in window_start"),
    "spec": Field(STR, "specification label (e.g. Table 1's (1)..(4), structural)"),
    "z": Field(F64, "coef / std_err"),
    "ci_lower": Field(F64, "95% interval, lower"),
    "ci_upper": Field(F64, "95% interval, upper"),
    "pseudo_r2_mcfadden": Field(F64, "McFadden's pseudo R-squared"),
    "pseudo_r2_corr": Field(F64, "squared correlation of fitted and observed (R2 for OLS)"),
    "cov_type": Field(STR, "covariance estimator"),
    "table": Field(STR, "which table (e.g. table_1, structural)"),
    "row": Field(STR, "row label as printed"),
    "kind": Field(STR, "coef, se, control, stat or test", allowed=("coef", "se", "control", "stat", "test"), nullable=False),
    "column": Field(STR, "the fit (column header)"),
    "cell": Field(STR, "the printed cell"),
    "n_forward": Field(I64, "|F|: works citing it published in y+1..y+W (AIGEO_DISRUPTION_WINDOW)"),
    "n_backward": Field(I64, "|B|: works citing one of its references, published in y+1..y+W"),
    "n_both": Field(I64, "|F ∩ B|: works citing it and one of its references"),
    "cd": Field(
        F64,
        "CD index (|F| - 2|F∩B|) / (|F| + |B| - |F∩B|), -1 developmental .. 1 disruptive; null when F and B are empty",
    ),
    "n_citers_east": Field(I64, "|F ∪ B| counting Eastern citers only"),
    "cd_east": Field(F64, "the CD index seen from the East: F and B restricted to Eastern citers (beyond the paper)"),
    "n_citers_west": Field(I64, "|F ∪ B| counting Western citers only"),
    "cd_west": Field(F64, "the CD index seen from the West"),
    "n_papers": Field(I64, "the city's AI papers of the year with a CD index"),
    "n_disruptive": Field(I64, "of them, among the year's most disruptive 10 % (CD >= the 90th percentile and > 0)"),
    "n_developmental": Field(I64, "of them, among the year's most developmental 10 % (CD <= the 10th percentile and < 0)"),
    "share_disruptive": Field(F64, "n_disruptive / n_papers"),
    "share_developmental": Field(F64, "n_developmental / n_papers"),
    "rank_disruptive": Field(
        I64,
        "the city's rank by n_disruptive that year (1 = most; ties share the best rank); Supplementary Fig. 3a",
    ),
    "rank_developmental": Field(I64, "the same by n_developmental; Supplementary Fig. 3b"),
    "cd_mean": Field(F64, "mean CD index of the city's papers"),
}
"""Every column name of the warehouse, defined once."""

TYPE_BY_TABLE: dict[tuple[str, str], str] = {
    ("out_city_matrix", "value"): F64,
}
"""The only per-table dtypes: ``out_city_matrix.value`` holds a cell of a matrix that may be normalised
(normalized_impact: a ratio), where ``value`` elsewhere is a count."""
