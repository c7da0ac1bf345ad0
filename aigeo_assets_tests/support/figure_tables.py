"""Planted input tables of the figures (AlShebli et al. 2022 and Schmallenbach et al. 2024), in the
schemas of the assets that feed them: small hand-made tables whose every value a figure test can
check, and tables sized like a real run (40 countries x 40 topics, 20 venues, 30 years, M49 and long
venue names) so that crowding shows when the visual check draws every figure in a browser."""

from __future__ import annotations

import numpy as np
import pandas as pd

from aigeo_assets.schemas import conform
from aigeo_assets.resources.settings import REPO_ROOT

# ---------------------------------------------------------------- small hand-made tables

CITIES = [  # id, name, country, bloc, lat, lon, reference rank
    (1816670, "Beijing", "CN", "East", 39.9, 116.4, 1),
    (5375480, "Mountain View", "US", "West", 37.39, -122.08, 2),
    (1819729, "Hong Kong", "HK", "East", 22.3, 114.2, 3),
    (2643743, "London", "GB", "West", 51.5, -0.13, 4),
]
YEARS = [2015, 2016, 2017]


def top_cities() -> pd.DataFrame:
    return conform(
        pd.DataFrame(
            [
                dict(city_geonames_id=i, city_name=n, country_code=c, bloc=b, reference_year=2017,
                     reference_impact=1000 // r, reference_rank=r)
                for i, n, c, b, _, _, r in CITIES
            ]
        ),
        "out_top_cities",
    )


def city_ranks() -> pd.DataFrame:
    rows = []
    for metric in ["impact", "productivity"]:
        for y in YEARS:
            vals = {i: (100 - 10 * r) * (1 + (y - 2015) * (r % 2)) for i, _, _, _, _, _, r in CITIES}
            mx = max(vals.values())
            order = sorted(vals, key=lambda k: -vals[k])
            for i, v in vals.items():
                rows.append(dict(year=y, city_geonames_id=i, metric=metric, value=v, relative=v / mx,
                                 rank=order.index(i) + 1,
                                 window_complete=not (metric == "impact" and y == 2017)))
    return conform(pd.DataFrame(rows), "out_city_ranks")


def city_matrix(top_n: int = 20, *, signed: bool = False) -> pd.DataFrame:
    east = [c for c in CITIES if c[3] == "East"]
    west = [c for c in CITIES if c[3] == "West"]
    order = east + west
    rows = []
    for ro, rc in enumerate(order):
        for co, cc in enumerate(order):
            v = 10.0 * ro + co + (100 if ro == co else 0)
            if signed:
                v = v - 20.0
            rows.append(dict(top_n=top_n, row_order=ro, col_order=co,
                             row_city_geonames_id=rc[0], col_city_geonames_id=cc[0],
                             row_city_name=rc[1], col_city_name=cc[1], row_bloc=rc[3], col_bloc=cc[3],
                             value=v))
    df = pd.DataFrame(rows).sample(frac=1.0, random_state=0)  # the figure must not rely on row order
    return conform(df, "out_city_matrix")


def top_city_shares() -> pd.DataFrame:
    rows = []
    for metric in ["impact", "productivity", "ai_scientists"]:
        for y in YEARS:
            rows.append(dict(year=y, top_n=20, metric=metric, top_value=20 + y - 2015, world_value=100,
                             share=(20 + y - 2015) / 100,
                             window_complete=not (metric == "impact" and y == 2017)))
    return conform(pd.DataFrame(rows), "out_top_city_shares")


def city_year_metrics() -> pd.DataFrame:
    rows = []
    for i, n, c, b, lat, lon, r in CITIES:
        rows.append(dict(year=2017, city_geonames_id=i, city_name=n, country_code=c, bloc=b, latitude=lat,
                         longitude=lon, productivity=100 // r, impact=500 // r, impact_long=900 // r,
                         ai_scientists=50 // r, share_productivity=0.1, share_impact=0.1,
                         share_impact_long=0.1, share_ai_scientists=0.1, impact_window_complete=True,
                         impact_long_window_complete=False))
    return conform(pd.DataFrame(rows), "out_city_year_metrics")


def deep_ranks() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(out_city_ranks, out_top_cities) of 20 top cities over 2010-2017 whose ranks reach 270 in the
    first two years, and whose last year has two cities on each rank (tied end labels)."""
    n_years, years = 8, list(range(2010, 2018))
    cities = [(100 + k, f"City {k}", "US" if k % 2 else "CN", "West" if k % 2 else "East", k + 1) for k in range(20)]
    top = conform(pd.DataFrame([dict(city_geonames_id=i, city_name=n, country_code=c, bloc=b, reference_year=2017,
                                     reference_impact=1000 - r, reference_rank=r) for i, n, c, b, r in cities]), "out_top_cities")
    rows = []
    for i, _, _, _, r in cities:
        for j, y in enumerate(years):
            rank = r * 13 + 20 if j < 2 else (r if j < n_years - 1 else (r + 1) // 2)  # last year: ties, two cities per rank
            rows.append(dict(year=y, city_geonames_id=i, metric="impact", value=10000 // rank, relative=1.0 / rank,
                             rank=rank, window_complete=True))
    return conform(pd.DataFrame(rows), "out_city_ranks"), top


def centre_paths(method: str = "planar") -> pd.DataFrame:
    rows = []
    for metric, (lat0, lon0) in {"impact": (40.0, 10.0), "productivity": (41.0, 12.0), "ai_scientists": (39.0, 8.0)}.items():
        for k, y in enumerate(range(1990, 2020)):
            rows.append(dict(method=method, metric=metric, year=y, latitude=lat0 + 0.1 * k, longitude=lon0 + 1.5 * k,
                             window_complete=y < 2018))
    return pd.DataFrame(rows)


def network_edges_and_cities():
    cities = pd.DataFrame({"city_geonames_id": [1, 2, 3], "city_name": ["Beijing", "London", "Boston"],
                           "bloc": ["East", "West", "West"], "latitude": [39.9, 51.5, 42.4], "longitude": [116.4, -0.1, -71.1]})
    edges = pd.DataFrame({"network": ["impact"] * 3, "source_city_geonames_id": [1, 2, 3], "target_city_geonames_id": [2, 3, 1],
                          "weight": [400.0, 100.0, 50.0]})
    return edges, cities


# ---------------------------------------------------------------- planted tables of every figure (the browser's visual check)
# Sized like a real run (40 countries x 40 topics, 20 venues, 30 years...) with the long names a
# real run has (M49 country names, long venue names), so that crowding shows in the browser.

LIFESCI_COUNTRIES = [  # code, iso3, M49 name, world region
    ("US", "USA", "United States of America", "Northern America"), ("CN", "CHN", "China", "Asia"),
    ("GB", "GBR", "United Kingdom of Great Britain and Northern Ireland", "Europe"), ("DE", "DEU", "Germany", "Europe"),
    ("JP", "JPN", "Japan", "Asia"), ("KR", "KOR", "Republic of Korea", "Asia"), ("IN", "IND", "India", "Asia"),
    ("CA", "CAN", "Canada", "Northern America"), ("FR", "FRA", "France", "Europe"), ("IT", "ITA", "Italy", "Europe"),
    ("AU", "AUS", "Australia", "Oceania"), ("NL", "NLD", "Netherlands", "Europe"), ("ES", "ESP", "Spain", "Europe"),
    ("CH", "CHE", "Switzerland", "Europe"), ("BR", "BRA", "Brazil", "Latin America and the Caribbean"),
    ("IR", "IRN", "Iran (Islamic Republic of)", "Asia"), ("TW", "TWN", "Taiwan", "Asia"), ("SE", "SWE", "Sweden", "Europe"),
    ("HK", "HKG", "China, Hong Kong SAR", "Asia"), ("TR", "TUR", "Türkiye", "Asia"), ("SG", "SGP", "Singapore", "Asia"),
    ("BE", "BEL", "Belgium", "Europe"), ("DK", "DNK", "Denmark", "Europe"), ("IL", "ISR", "Israel", "Asia"),
    ("SA", "SAU", "Saudi Arabia", "Asia"), ("AT", "AUT", "Austria", "Europe"), ("FI", "FIN", "Finland", "Europe"),
    ("NO", "NOR", "Norway", "Europe"), ("PL", "POL", "Poland", "Europe"), ("RU", "RUS", "Russian Federation", "Europe"),
    ("EG", "EGY", "Egypt", "Africa"), ("ZA", "ZAF", "South Africa", "Africa"), ("MX", "MEX", "Mexico", "Latin America and the Caribbean"),
    ("PK", "PAK", "Pakistan", "Asia"), ("VN", "VNM", "Viet Nam", "Asia"), ("NZ", "NZL", "New Zealand", "Oceania"),
    ("TZ", "TZA", "United Republic of Tanzania", "Africa"), ("VE", "VEN", "Venezuela (Bolivarian Republic of)", "Latin America and the Caribbean"),
    ("BA", "BIH", "Bosnia and Herzegovina", "Europe"), ("AE", "ARE", "United Arab Emirates", "Asia"),
]


LIFESCI_TOPICS = ["Radiology", "Oncology", "Internal medicine", "Pathology", "Cardiology", "Ophthalmology", "Surgery", "Genetics",
                  "Bioinformatics", "Neuroscience", "Image Interpretation, Computer-Assisted", "Diagnostic Imaging",
                  "Magnetic Resonance Imaging", "Tomography, X-Ray Computed", "Electronic Health Records", "Drug Discovery",
                  "Protein Structure and Dynamics", "Gene Expression Profiling", "Dermatology", "Psychiatry", "Intensive Care",
                  "Emergency Medicine", "Epidemiology", "Public Health", "Nursing", "Dentistry", "Physical therapy",
                  "Anesthesiology", "Obstetrics", "Pediatrics", "Urology", "Gastroenterology", "Endocrinology", "Nephrology",
                  "Pulmonology", "Rheumatology", "Hematology", "Immunology", "Microbiology", "Virology"]


REGIONS = ["Africa", "Asia", "Europe", "Latin America and the Caribbean", "Northern America", "Oceania"]


def lifesci_countries(n: int = 40) -> pd.DataFrame:
    """``country_counts``-like: the countries above, articles falling with rank."""
    rows = LIFESCI_COUNTRIES[:n]
    return pd.DataFrame({"country_code": [r[0] for r in rows], "iso3": [r[1] for r in rows], "country_name": [r[2] for r in rows],
                         "world_region": [r[3] for r in rows], "articles": [int(20000 / (k + 1) ** 1.3) + 1 for k in range(len(rows))]})


def lifesci_topic_shares() -> pd.DataFrame:
    """``topic_country_shares``: 40 countries (grouped by region) x 40 topics."""
    c = lifesci_countries()
    c = c.assign(_r=c["world_region"].map(REGIONS.index)).sort_values(["_r"], kind="stable")
    rows = [dict(country_code=r.country_code, country_name=r.country_name, world_region=r.world_region, topic=t, topic_rank=k + 1,
                 share=((i * 7 + k * 3) % 11) / 100.0) for i, r in enumerate(c.itertuples()) for k, t in enumerate(LIFESCI_TOPICS)]
    return pd.DataFrame(rows)


def lifesci_clinical() -> pd.DataFrame:
    """``clinical_by_country``: the top 30 countries by clinical articles."""
    c = lifesci_countries(30)
    clin = (c["articles"] * 0.3).astype(int)
    return c.assign(rank=range(1, 31), clinical_articles=clin, share_of_world_clinical=clin / clin.sum() * 0.94,
                    clinical_share_of_country=0.2 + 0.01 * np.arange(30))


def lifesci_high_ranked() -> pd.DataFrame:
    """``high_ranked_by_country``: 40 countries, shares falling."""
    c = lifesci_countries()
    return c.assign(share_high_ranked=0.45 - 0.01 * np.arange(40), high_ranked_articles=(c["articles"] * 0.3).astype(int))


def lifesci_region_years() -> pd.DataFrame:
    """``high_ranked_by_region_year``: six regions over 2000-2022."""
    return pd.DataFrame([dict(world_region=r, year=y, share_high_ranked=0.1 + 0.02 * k + 0.002 * (y - 2000))
                         for k, r in enumerate(REGIONS) for y in range(2000, 2023)])


def lifesci_irrs(models=("A", "B", "C", "D"), not_estimable: str | None = None) -> pd.DataFrame:
    """``irr_table`` of the relevance models (base Asia): five region terms per model; ``not_estimable``
    a model whose row says why it was not estimated."""
    spec = {"A": ("citations", "year"), "B": ("clinical_citations", "year"), "C": ("clinical_citations", "year,outlet"),
            "D": ("citations", "year,outlet")}
    terms = (("africa", "Africa"), ("europe", "Europe"), ("latin_america", "Latin America and the Caribbean"),
             ("northern_america", "Northern America"), ("oceania", "Oceania"))
    rows = [dict(model=m, term=t, label=lab, irr=1.0 + 0.1 * k, lower=0.9, upper=1.3 + 0.1 * k, outcome=spec[m][0], absorbed=spec[m][1],
                 nobs=51234) for m in models for k, (t, lab) in enumerate(terms)]
    if not_estimable:
        rows.append(dict(model=not_estimable, term="not estimable: the outlet effects absorb every region", label=None, irr=None,
                         lower=None, upper=None, outcome=spec[not_estimable][0], absorbed=spec[not_estimable][1], nobs=None))
    return pd.DataFrame(rows)


def lifesci_international() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(irrs of ``international`` per outcome, ``international_share_by_year``, ``international_share_by_region``)."""
    irrs = pd.DataFrame({"model": ["8A", "8B"], "term": ["international"] * 2, "label": ["International collaboration"] * 2,
                         "irr": [1.3, 1.2], "lower": [1.2, 1.05], "upper": [1.4, 1.35], "outcome": ["citations", "clinical_citations"],
                         "absorbed": ["year"] * 2, "nobs": [51234] * 2})
    by_year = pd.DataFrame({"year": range(2000, 2023), "share_international": [0.1 + 0.005 * k for k in range(23)]})
    by_region = pd.DataFrame({"world_region": REGIONS, "share_international": [0.4, 0.2, 0.35, 0.3, 0.25, 0.45]})
    return irrs, by_year, by_region


def lifesci_dyads() -> pd.DataFrame:
    """``collaboration_dyads``: every lead region x co-author region pair but a region with itself, sized
    like the paper's (Europe, Northern America and Asia large; Africa, Latin America and Oceania thin)."""
    size = {"Africa": 1, "Asia": 30, "Europe": 40, "Latin America and the Caribbean": 3, "Northern America": 35, "Oceania": 4}
    return pd.DataFrame([dict(lead_world_region=a, coauthor_world_region=b, dyads=size[a] * size[b])
                         for a in REGIONS for b in REGIONS if a != b])


def lifesci_outlet_sample() -> pd.DataFrame:
    """``outlet_sample_decomposition``: per outcome and region three IRRs (full, same sample, outlet effects)."""
    rows = []
    for outcome, n in (("citations", 51234), ("clinical_citations", 20345)):
        for k, label in enumerate(REGIONS[:1] + REGIONS[2:]):
            row = dict(outcome=outcome, label=label)
            for j, step in enumerate(("full", "same_sample", "outlet")):
                irr = 1.0 + 0.1 * k - 0.05 * j
                row.update({f"irr_{step}": irr, f"lower_{step}": irr - 0.1, f"upper_{step}": irr + 0.12, f"nobs_{step}": n - 9000 * j})
            rows.append(row)
    return pd.DataFrame(rows)


def lifesci_premium() -> pd.DataFrame:
    """``international_high_ranked_premium``: the ratio of shares and the year-adjusted ratio."""
    common = dict(share_international=0.27, share_national=0.2, international_high_ranked=2700, international_articles=10000,
                  national_high_ranked=8000, national_articles=40000, note=None)
    return pd.DataFrame([dict(estimator="ratio_of_shares", ratio=1.35, lower=1.29, upper=1.41, **common),
                         dict(estimator="year_adjusted", ratio=1.31, lower=1.25, upper=1.38, **common)])


def lifesci_by_outlet_type() -> pd.DataFrame:
    """``by_outlet_type``: journals and conference proceedings by lead region, and all regions."""
    rows = []
    for t, label in (("journal", "life-science journals"), ("conference", "computer-science conference proceedings")):
        for k, r in enumerate(REGIONS + ["All regions"]):
            rows.append(dict(outlet_type=t, outlet_type_label=label, world_region=r, share_of_type=0.1 + 0.02 * k,
                             share_high_ranked=0.2 + 0.01 * k, share_international=0.3, mean_citations=12.0 + k, articles=1000 * (k + 1)))
    return pd.DataFrame(rows)


def venue_east_west(n_venues: int = 20) -> pd.DataFrame:
    """``out_venue_east_west``: the top AI venues (long names) with yearly Eastern and Western papers."""
    names = ["Proceedings of the AAAI Conference on Artificial Intelligence", "IEEE Transactions on Pattern Analysis and Machine Intelligence",
             "Computer Vision and Pattern Recognition", "Neural Information Processing Systems", "International Conference on Machine Learning",
             "International Joint Conference on Artificial Intelligence", "Expert Systems with Applications", "Neurocomputing",
             "IEEE Transactions on Neural Networks and Learning Systems", "Pattern Recognition", "Knowledge-Based Systems",
             "European Conference on Computer Vision", "International Conference on Computer Vision", "Artificial Intelligence",
             "Journal of Machine Learning Research", "Neural Networks", "Information Sciences", "Applied Soft Computing",
             "IEEE Transactions on Image Processing", "Meeting of the Association for Computational Linguistics"][:n_venues]
    return pd.DataFrame([dict(venue_id=f"S{k}", venue_rank=k + 1, venue_name=name, year=y, east_papers=10 * k + (y - 2000) * 3,
                              west_papers=200 - 5 * k + (y - 2000)) for k, name in enumerate(names) for y in range(2000, 2021)])


def disruption_ranks() -> pd.DataFrame:
    """``out_disruption_city_ranks``: 14 cities over 2000-2020 whose ranks cross and tie; the last three
    years' CD window incomplete."""
    names = ["Beijing", "Mountain View", "Hong Kong", "London", "Singapore", "Boston", "Shanghai", "Tokyo", "Seoul", "Paris",
             "Toronto", "Zurich", "Shenzhen", "Pittsburgh"]
    rows = []
    for y in range(2000, 2021):
        for k, name in enumerate(names):
            n = 50 + ((k * 7 + y * 3) % 13) * 5 + (y - 2000) * (3 if k % 2 == 0 else 1)
            rows.append(dict(year=y, city_geonames_id=1000 + k, city_name=name, bloc="East" if k % 2 == 0 else "West", n_papers=10 * n,
                             n_disruptive=n, n_developmental=n + (k % 3), window_complete=y < 2018))
    df = pd.DataFrame(rows)
    for kind in ("disruptive", "developmental"):
        df[f"rank_{kind}"] = df.groupby("year")[f"n_{kind}"].rank(method="min", ascending=False).astype("int64")
    return df


def bridges_by_year(networks=("impact", "migration", "collaboration")) -> pd.DataFrame:
    """``out_east_west_betweenness_by_year``: ten cities' East-West betweenness per five-year window, 2004-2020."""
    names = ["Singapore", "Hong Kong", "London", "Beijing", "Boston", "Tokyo", "Sydney", "Toronto", "Seoul", "Zurich"]
    rows = []
    for network in networks:
        for end in range(2004, 2021):
            vals = [(100 - 8 * k) * (1 + 0.02 * (end - 2004) * (k % 3)) for k in range(len(names))]
            order = sorted(range(len(names)), key=lambda k: -vals[k])
            for k, name in enumerate(names):
                rows.append(dict(network=network, window_end=end, city_geonames_id=2000 + k, city_name=name,
                                 bloc="East" if name in ("Singapore", "Hong Kong", "Beijing", "Tokyo", "Seoul") else "West",
                                 east_west_betweenness=vals[k], rank=order.index(k) + 1))
    return pd.DataFrame(rows)


def gravity_coefficients() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(``out_gravity_citations_by_year``: spec (4) fitted each year 2000-2020,
    ``out_gravity_citations_coefficients``: the three specifications pooled)."""
    terms = {"ln_papers_cited": 1.05, "ln_citations_made": 0.95, "ln_distance": -0.3, "same_city": 1.2, "same_country": 0.8,
             "same_subregion": 0.3, "shared_language": 0.2, "same_bloc": 0.4, "const": -5.0}
    rows = []
    for y in range(2000, 2021):
        for t, b in terms.items():
            rows.append(dict(model="gravity_citations", spec="(4)", year=y, term=t, coef=b + 0.01 * (y - 2010), ci_lower=b - 0.1, ci_upper=b + 0.1))
    for k, spec in enumerate(("(4)", "structural", "loglinear")):
        for t, b in terms.items():
            rows.append(dict(model="gravity_citations", spec=spec, year=None, term=t, coef=b - 0.05 * k, ci_lower=b - 0.15, ci_upper=b + 0.1))
    df = pd.DataFrame(rows)
    return df[df["year"].notna()].reset_index(drop=True), df[df["year"].isna()].reset_index(drop=True)


WORLD_CITIES = [  # name, country, bloc, lat, lon: cities all over the map, the map legend's corner included
    ("Beijing", "CN", "East", 39.9, 116.4), ("Shanghai", "CN", "East", 31.2, 121.5), ("Hong Kong", "HK", "East", 22.3, 114.2),
    ("Singapore", "SG", "East", 1.35, 103.8), ("Tokyo", "JP", "East", 35.7, 139.7), ("Seoul", "KR", "East", 37.6, 127.0),
    ("Tehran", "IR", "East", 35.7, 51.4), ("Moscow", "RU", "East", 55.8, 37.6), ("Bangalore", "IN", "East", 12.97, 77.6),
    ("London", "GB", "West", 51.5, -0.13), ("Paris", "FR", "West", 48.9, 2.35), ("Zurich", "CH", "West", 47.4, 8.5),
    ("Boston", "US", "West", 42.4, -71.1), ("Mountain View", "US", "West", 37.39, -122.08), ("Toronto", "CA", "West", 43.7, -79.4),
    ("Sydney", "AU", "West", -33.9, 151.2), ("Auckland", "NZ", "West", -36.8, 174.8), ("Sao Paulo", "BR", "West", -23.5, -46.6),
    ("Santiago", "CL", "West", -33.4, -70.7), ("Buenos Aires", "AR", "West", -34.6, -58.4), ("Cape Town", "ZA", None, -33.9, 18.4),
    ("Punta Arenas", "CL", "West", -53.2, -70.9),
]


def world_metrics(year: int = 2017) -> pd.DataFrame:
    """``out_city_year_metrics`` of ``year`` for ``WORLD_CITIES`` (one city without a bloc)."""
    rows = [dict(year=year, city_geonames_id=3000 + k, city_name=n, country_code=c, bloc=b, latitude=lat, longitude=lon,
                 productivity=2000 // (k + 1), impact=9000 // (k + 1), impact_long=12000 // (k + 1), ai_scientists=500 // (k + 1),
                 share_productivity=0.01, share_impact=0.01, share_impact_long=0.01, share_ai_scientists=0.01,
                 impact_window_complete=True, impact_long_window_complete=False)
            for k, (n, c, b, lat, lon) in enumerate(WORLD_CITIES)]
    return conform(pd.DataFrame(rows), "out_city_year_metrics")


def world_edges(network: str = "migration") -> pd.DataFrame:
    """``out_network_edges`` of ``network`` between ``WORLD_CITIES``: every pair, weights falling."""
    ids = [3000 + k for k in range(len(WORLD_CITIES))]
    pairs = [(a, b) for a in ids for b in ids if a < b]
    return pd.DataFrame({"network": network, "source_city_geonames_id": [a for a, _ in pairs],
                         "target_city_geonames_id": [b for _, b in pairs],
                         "weight": [1000.0 / (1 + k) for k in range(len(pairs))]})


def big_matrix(n: int = 100) -> pd.DataFrame:
    """``out_city_matrix`` of ``n`` cities (East first), names as long as real ones, for the top-50 and
    top-100 matrices the assets draw (Supplementary Figs. 6-9)."""
    bases = ["Beijing", "Mountain View", "Hong Kong", "London", "Singapore", "Shanghai", "Boston", "Los Angeles", "Sao Paulo",
             "Tel Aviv-Yafo", "Kowloon City", "Zurich"]
    names = [f"{bases[k % len(bases)]} {k}" for k in range(n)]
    east = n // 2
    rows = [dict(top_n=n, row_order=r, col_order=c, row_city_geonames_id=r, col_city_geonames_id=c, row_city_name=names[r],
                 col_city_name=names[c], row_bloc="East" if r < east else "West", col_bloc="East" if c < east else "West",
                 value=float((r * 7 + c * 3) % 50 + (200 if r == c else 0)))
            for r in range(n) for c in range(n)]
    return conform(pd.DataFrame(rows), "out_city_matrix")


def m49_high_ranked(n: int = 90) -> pd.DataFrame:
    """``high_ranked_by_country`` of ``n`` countries of ``data/reference/un_m49.csv`` (M49 names, the
    long ones first: a real run has some 60-90 countries with at least 100 articles)."""
    m49 = pd.read_csv(REPO_ROOT / "data" / "reference" / "un_m49.csv", keep_default_na=False)
    m49 = m49.assign(_len=m49["country_name"].str.len()).sort_values(["_len", "country_code"], ascending=[False, True]).head(n)
    return pd.DataFrame({"country_code": m49["country_code"].to_numpy(), "country_name": m49["country_name"].to_numpy(),
                         "world_region": m49["world_region"].to_numpy(), "share_high_ranked": np.linspace(0.5, 0.02, len(m49)),
                         "high_ranked_articles": 50, "articles": 200})
