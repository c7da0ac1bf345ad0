"""Configuration of the sample world: scales, calibration constants and planted parameters.

Everything a later test may check against is a named constant here and is copied into
``truth.json`` by the generator.
"""

from __future__ import annotations

from dataclasses import dataclass

# Version history (newest first): what each version changed in the generated world.
# - 1.8.0: Supplementary Fig. 3's planted disruptive and developmental cities (own random stream: only
#   references of the disruptive city's papers, of their citers and of the developmental city's citers change;
#   truth["disruption"])
# - 1.7.1: truth.json states its claims as realized (truth["claims"], sampleworld.claims), the planted fast
#   capital under fast_capital.planted, cross-bloc works counted per city (same files as 1.7.0)
# - 1.7.0: AlShebli et al. 2022 life-science works in conference venues carry a non-life-science level-0
#   concept instead of their root (never Schmallenbach et al. 2024 conference papers; every other AlShebli et
#   al. 2022 byte as 1.6.0), and the life-science part plants its own OpenAlex conference papers (lifesci
#   1.4.0)
# - 1.6.0: the life-science part writes OpenAlex twins (own works and institutions parts, listed in the
#   manifests) over 2000-2022, AlShebli et al. 2022's PMIDs are never 3 mod 8 (the works otherwise the draws
#   of 1.4.0)
# - 1.5.0: life-science records rendered in chunks from per-(year, chunk) seeds in parallel processes, PubMed
#   files multi-member gzip (the works files are the bytes of 1.4.0)
# - 1.4.0: works rendered per year from per-year seeds in parallel processes, multi-member gzip parts, cheaper
#   integer draws (same shape, different draws)
# - 1.3.0: current API shape (raw_type, raw_source_name, half the works without type_crossref)
# - 1.2.0: life-science PubMed baseline and rankings
GENERATOR_VERSION = "1.8.0"


@dataclass(frozen=True)
class Scale:
    name: str
    start_year: int
    end_year: int
    target_works: int  # all works (AI and non-AI) over the default years
    cities_top: int  # how many calibrated-country city slots (before minimums)
    works_parts: int  # part files per updated_date folder
    works_dates: tuple[str, ...]  # updated_date folders for works


SCALES: dict[str, Scale] = {
    "tiny": Scale("tiny", 2012, 2019, 3_000, 45, 2, ("2023-05-16", "2023-09-03", "2023-09-17")),
    "demo": Scale("demo", 1990, 2019, 100_000, 300, 3, ("2023-05-16", "2023-08-21", "2023-09-03", "2023-09-17")),
    # 2.75 M works of which ~80 % AI = ~2.2 M AI works; ~20 M in-corpus citations.
    "paper": Scale(
        "paper",
        1990,
        2019,
        2_750_000,
        600,
        8,
        ("2023-05-16", "2023-07-17", "2023-08-21", "2023-09-02", "2023-09-03", "2023-09-09", "2023-09-17"),
    ),
}

INSTITUTIONS_DATE = "2023-09-04"
MERGE_DATES_WORKS = ("2023-06-15", "2023-09-01")
MERGE_DATE_INSTITUTIONS = "2023-07-20"

# ---------------------------------------------------------------------------------------------
# Country calibration.
# Source: ../shared/samples/calibration/openalex_ai_papers_by_country_year.csv (real OpenAlex
# AI paper counts per country and year; StadynR/openalex-ai-papers-visualizations,
# data/ai_geo_year_counts.csv). Derived with ``python -m aigeo_assets.sampleworld.calibrate
# <csv>``: least-squares fits over 1990-2019 with t = (year - 2005) / 15 of
#   log(world total)            = a + b t + c t^2                         (WORLD_TOTAL_LOG_POLY)
#   log(country share of papers) = a + b t + c t^2   for the top 30 countries and two
#   rest-of-world terms (_ROW_WEST = other European countries, _ROW_EAST = all others).
# The generator turns the shares into a softmax-normalised distribution each year.
# ---------------------------------------------------------------------------------------------
WORLD_TOTAL_LOG_POLY = (11.3314, 1.1478, -0.4548)
COUNTRY_LOG_SHARE: dict[str, tuple[float, float, float]] = {
    "CN": (-1.872, 1.426, -1.126),
    "US": (-1.552, -0.691, 0.176),
    "JP": (-2.790, -0.412, -0.280),
    "GB": (-2.887, -0.464, 0.101),
    "DE": (-3.052, -0.161, -0.174),
    "IN": (-4.147, 0.982, 0.989),
    "FR": (-3.265, -0.270, -0.236),
    "CA": (-3.403, -0.428, 0.009),
    "IT": (-3.568, -0.193, -0.131),
    "AU": (-3.684, -0.108, -0.216),
    "ES": (-3.741, 0.266, -0.670),
    "KR": (-3.846, 0.491, -0.712),
    "TW": (-3.727, -0.196, -0.719),
    "BR": (-4.311, 0.571, -0.346),
    "NL": (-4.155, -0.398, -0.094),
    "ID": (-6.703, 3.146, 1.028),
    "SG": (-4.439, 0.372, -0.708),
    "RU": (-4.963, 0.264, 0.755),
    "IR": (-5.507, 2.270, -0.636),
    "CH": (-4.589, -0.054, -0.201),
    "BE": (-4.640, -0.214, -0.214),
    "PL": (-4.948, 0.223, 0.221),
    "HK": (-4.501, 0.319, -1.383),
    "TR": (-5.216, 0.965, -0.156),
    "SE": (-4.800, -0.236, -0.081),
    "IL": (-4.788, -0.582, 0.032),
    "MY": (-5.762, 1.920, -0.407),
    "AT": (-4.920, 0.094, -0.325),
    "GR": (-4.773, 0.020, -0.780),
    "MX": (-5.075, 0.457, -0.678),
    "_ROW_WEST": (-3.072, 0.186, -0.031),
    "_ROW_EAST": (-3.406, 0.778, 0.455),
}
# Countries that carry the rest-of-world shares (split by GeoNames population).
ROW_WEST_COUNTRIES = ("PT", "DK", "FI", "NO", "IE", "CZ", "RO", "HU", "UA")
ROW_EAST_COUNTRIES = ("EG", "PK", "SA", "TH", "AR", "ZA", "VN", "CL", "NG", "CO", "NZ", "TN", "AE", "BD")

# Research cities named first in their country (then the most populous ones fill the quota).
RESEARCH_CITIES: dict[str, tuple[str, ...]] = {
    "US": ("Cambridge", "Pittsburgh", "Mountain View", "Redmond", "Berkeley", "Seattle", "Boston", "Palo Alto",
           "New York City", "Los Angeles", "Ann Arbor", "Atlanta", "Austin", "Chicago", "San Diego", "Princeton"),
    "CN": ("Beijing", "Shanghai", "Hangzhou", "Wuhan", "Nanjing", "Xi'an", "Hefei", "Harbin", "Shenzhen",
           "Guangzhou", "Chengdu", "Tianjin", "Changsha"),
    "GB": ("London", "Cambridge", "Oxford", "Edinburgh", "Manchester"),
    "JP": ("Tokyo", "Kyoto", "Osaka", "Sendai"),
    "DE": ("Berlin", "Munich", "Saarbrücken", "Darmstadt", "Tübingen"),
    "FR": ("Paris", "Grenoble", "Toulouse"),
    "CA": ("Toronto", "Montréal", "Vancouver", "Waterloo", "Edmonton"),
    "IN": ("New Delhi", "Bengaluru", "Chennai", "Mumbai", "Kolkata", "Hyderabad"),
    "KR": ("Seoul", "Daejeon"),
    "TW": ("Taipei", "Hsinchu"),
    "AU": ("Sydney", "Melbourne", "Brisbane"),
    "IT": ("Rome", "Milan", "Turin"),
    "ES": ("Madrid", "Barcelona", "Granada"),
    "CH": ("Zürich", "Lausanne", "Geneva"),
    "NL": ("Amsterdam", "Delft", "Eindhoven"),
    "IL": ("Tel Aviv", "Haifa", "Jerusalem"),
    "IR": ("Tehran",),
    "RU": ("Moscow", "Saint Petersburg"),
    "SG": ("Singapore",),
    "HK": ("Hong Kong",),
}

# West = cities in the U.S. or Europe (GeoNames continent code EU), as in AlShebli et al. 2022.
WEST_RULE = "country_code == 'US' or GeoNames continentcode == 'EU'"

BRIDGE_CITY = ("SG", "Singapore")
# Bridge strength (1.1.0): the bridge city must rank first in East-West betweenness on the impact,
# migration and collaboration networks, above the far bigger Beijing.
BRIDGE_SIZE_BOOST = 4.0  # multiplier of the bridge city's share of lead-author works (then renormalised)
BRIDGE_GROWTH = 0.0  # extra log-growth per year of that multiplier (from 1990)
FAST_CAPITAL = ("CN", "Beijing")
FAST_CAPITAL_GROWTH = 0.05  # extra log-growth per year of Beijing's weight within China
CITY_WEIGHT_POP_EXPONENT = 0.6  # within-country city weight ~ population^x * lognormal noise
CITY_WEIGHT_NOISE = 0.35
FAST_CAPITAL_BASE_BOOST = 2.5  # Beijing is China's largest AI city from the start
EXCLUDED_CITY_NAMES = ("Brooklyn", "Queens", "Manhattan", "The Bronx", "Staten Island", "Bronx")
RESEARCH_CITY_BOOST = 3.0

# ---------------------------------------------------------------------------------------------
# Works
# ---------------------------------------------------------------------------------------------
AI_SHARE = 0.80  # share of works that are AI works (the rest: non-AI CS and other fields)
AUTHOR_PROPENSITY = ((0.72, 0.95), (0.28, 0.35))  # (share of authors, P(work is AI)) mixture
LIFESCI_SHARE = (0.02, 0.06)  # share of AI works that are life-science AI works, 1990 -> 2019
LIFESCI_PMID_SHARE = 0.6
NONCORPUS_TYPE_SHARE = 0.03  # book-chapter / dataset
TEAM_SIZE_MEAN = (2.4, 4.6)  # mean authors per work, 1990 -> 2019
MULTI_AFFILIATION_SHARE = 0.05
P_NEW_AUTHOR = 0.32  # when drawing an author from a city, chance to create a new one
CAREER_MEAN_YEARS = 9.0
AI_KEYWORD_RATE_AI = 0.88  # AI works with an AI keyword in title or abstract
AI_KEYWORD_RATE_NONAI = 0.05
NO_ABSTRACT_SHARE = 0.12
NO_DOI_SHARE = 0.05

# Co-authorship: the byline's other authors.
HOME_BIAS = 0.55  # P(co-author in the lead author's city)
BRIDGE_HOME_BIAS = 0.2  # ... when the lead author is in the bridge city
BLOC_BIAS = 0.90  # P(co-author in the lead's bloc | other city); random choice would give ~0.5
BRIDGE_CROSS_BLOC = 0.6  # P(co-author in the other bloc | bridge-city lead, other city)
BRIDGE_PARTNER_BOOST = 25.0  # weight multiplier of the bridge city as a cross-bloc partner
BRIDGE_INBLOC_PARTNER_BOOST = 20.0  # ... and as an in-bloc (other-city) partner of Eastern leads

# Mobility: per author-year move probability by origin bloc, destination bloc split.
MOVE_RATE = {"E": 0.045, "W": 0.025}
MOVE_DEST = {"E": {"E": 0.85, "W": 0.15}, "W": {"W": 0.70, "E": 0.30}}
# Bridge career paths: East -> bridge -> West and West -> bridge -> East.
BRIDGE_VIA = 0.5  # share of cross-bloc moves that go to the bridge city instead
BRIDGE_DEST_BOOST = 4.0  # weight multiplier of the bridge city as an in-bloc destination
BRIDGE_MOVE_RATE = 0.25  # per author-year move probability of the bridge city's authors
BRIDGE_MOVE_DEST = {"W": 0.6, "E": 0.4}  # their destination bloc split

# Citations: gravity model. P(paper in i cites city j, year t) ∝
#   n_jt^B1 * dist_ij^-B3 * exp(B4*same_city + B5*same_country + B6*both_west + B7*bridge_cross
#                               + B8*bridge_same_bloc)   (bridge terms: one end is the bridge city, the other not)
# and the number of references of i is proportional to its papers (B2 = 1).
GRAVITY = {"b1_productivity": 1.1, "b2_citing_volume": 1.0, "b3_distance": 0.3, "b4_same_city": 1.5,
           "b5_same_country": 0.7, "b6_both_west": 0.3, "b7_bridge_cross_bloc": 2.0,
           "b8_bridge_same_bloc": 1.0}
DIST_FLOOR_KM = 10.0
REFS_MEAN = (12.0, 26.0)  # mean referenced_works per work, 1990 -> 2019
OUT_OF_CORPUS_SHARE = 0.62  # share of references to works outside the snapshot
LAG_WEIGHTS = (0.06, 0.20, 0.20, 0.15, 0.11, 0.08, 0.06, 0.045, 0.035, 0.025, 0.02, 0.015, 0.01)
FITNESS_SIGMA = 1.0  # lognormal within-bucket attractiveness (heavy-tailed citation counts)

# Quirks (rates; counts go to truth.json)
QUIRKS = {
    "authorship_no_institution": 0.02,
    "no_institution_raw_city_share": 0.6,  # of those, share with a raw affiliation naming a real city
    "institution_null_country": 0.02,
    "institution_no_geo": 0.03,
    "no_geo_country_only_share": 0.5,
    "merged_work": 0.004,
    "merged_work_ref_old_id": 0.5,
    "merged_institution": 0.02,
    "merged_institution_old_id_use": 0.3,
    "duplicate_line": 0.001,
    "malformed_per_works": 20_000,  # one malformed line per this many works (at least one)
    "no_primary_source": 0.02,
    "funder_typed_university": 0.04,
}
