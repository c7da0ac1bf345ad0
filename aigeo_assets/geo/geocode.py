"""Geocoding institutions and authorships to a GeoNames city, a country, M49 regions and a bloc.

AlShebli et al. 2022 locates each paper in "the city in which the last author's affiliation resides"
(Google Maps Geocoding API); Schmallenbach et al. 2024 needs each author's country and its UN world region.
We geocode offline, with the evidence OpenAlex ships and a GeoNames gazetteer
(:mod:`aigeo_assets.geo.gazetteer`, read by :mod:`aigeo_assets.geo.affiliation_text`), and record which rule placed each row in
``geocode_rule``.

Institutions (:func:`geocode_institutions`), first rule that applies:

1. ``openalex_geo``: ``geo`` has latitude, longitude and a city. When ``geo.geonames_city_id``
   is in the gazetteer (GeoNames cities of >= 1,000 inhabitants) the city's GeoNames name,
   coordinates and country are used; otherwise OpenAlex's city name and coordinates are kept,
   with the id as OpenAlex gives it (possibly null) and the record's country.
2. ``geonames_id``: ``geo.geonames_city_id`` is in the gazetteer although the coordinates
   (or the city name) are missing: the GeoNames city.
3. ``name_match``: the institution's ``display_name`` names a city
   (:class:`~aigeo_assets.geo.affiliation_text.GazetteerMatcher`, with the record's country as hint;
   a city outside that country is not accepted).
4. ``country_only``: only the country is known (``country_code``, else ``geo.country_code``);
   the city columns are null.
5. ``unlocated``: nothing.

The country is the city's when the institution is placed in a gazetteer city, else the
record's (``country_code``, else ``geo.country_code``). Region, sub-region and world region
come from the UN M49 table; the bloc from the country (AlShebli et al. 2022; see
:mod:`aigeo_assets.geo.regions`).

Authorships (:func:`geocode_affiliations`), per authorship x institution row. The most specific
evidence wins, and no row uses another institution's evidence:

- the *stated country* of a row is its institution record's country, else the country code the
  work embeds for that institution (``authorships[].institutions[].country_code``). The
  authorship's ``countries`` list is sorted alphabetically by OpenAlex and says nothing about
  which institution is where: it is used only when it holds a single country.
- the row's *own strings* (:func:`own_strings`): the raw affiliation strings OpenAlex's
  ``affiliations[]`` ties to this institution; all the authorship's strings when it has no
  institution; in records without ``affiliations[]``, the strings that share the most words with
  this institution's name.

First rule that applies:

1. the institution was placed at city level by ``openalex_geo`` or ``geonames_id``: that
   city (the rule is the institution's);
2. ``raw_affiliation``: one of the own strings names a city (the stated country, else the
   author's single country, is the matcher's hint; the institution's name picks the affiliation
   of a string naming several). Strings with an address (naming their country or region) are
   tried first, each in order. A city outside the stated country is refused: a city must agree
   with the country the same record states;
3. ``name_match``: the institution was placed by matching its name;
4. ``country_only``: the stated country;
5. ``raw_country``: the country an own string names (no city found);
6. ``author_country``: the authorship's ``countries`` when it holds exactly one;
7. ``unlocated``.

Each distinct combination of strings, institution and stated country is matched once.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from aigeo_assets.corpus.lookup import is_in
from aigeo_assets.geo.affiliation_text import REGION_RULES, GazetteerMatcher
from aigeo_assets.geo.gazetteer import load_gazetteer, normalize
from aigeo_assets.geo.regions import BlocDefinition, bloc_of_countries, regions_of_countries
from aigeo_assets.schemas import conform

RULES = ("openalex_geo", "geonames_id", "name_match", "raw_affiliation", "country_only", "raw_country", "author_country", "unlocated")
CITY_RULES = ("openalex_geo", "geonames_id")


def _gazetteer_indexed() -> pd.DataFrame:
    return load_gazetteer().set_index("geonames_id")


def _first_present(*series: pd.Series) -> pd.Series:
    out = series[0].astype("string")
    for s in series[1:]:
        out = out.fillna(s.astype("string"))
    return out


def geocode_institutions(raw_institutions: pd.DataFrame, *, bloc_definition: BlocDefinition = "paper") -> pd.DataFrame:
    """``raw_institutions`` -> ``core_institutions`` (rules in the module docstring)."""
    df = raw_institutions.reset_index(drop=True)
    n = len(df)
    gaz = _gazetteer_indexed()
    gid = df["geo_geonames_city_id"].astype("Int64")
    in_gaz = gid.isin(gaz.index).fillna(False).to_numpy(dtype=bool)
    has_coords = (df["geo_latitude"].notna() & df["geo_longitude"].notna()).to_numpy(dtype=bool)
    has_city = df["geo_city"].notna().to_numpy(dtype=bool)
    record_country = _first_present(df["country_code"], df["geo_country_code"]).str.upper()

    rule = np.full(n, "unlocated", dtype=object)
    city_id = pd.array([pd.NA] * n, dtype="Int64")
    city_name = pd.array([pd.NA] * n, dtype="string")
    lat = np.full(n, np.nan)
    lon = np.full(n, np.nan)
    country = record_country.copy()

    # gazetteer lookups for ids OpenAlex gives
    g_name = gid.map(gaz["name"]).astype("string")
    g_lat = gid.map(gaz["latitude"]).astype("Float64")
    g_lon = gid.map(gaz["longitude"]).astype("Float64")
    g_cc = gid.map(gaz["country_code"]).astype("string")

    # 1. openalex_geo
    oa = has_coords & has_city
    oa_gaz = oa & in_gaz
    oa_own = oa & ~in_gaz
    rule[oa] = "openalex_geo"
    # 2. geonames_id
    gn = ~oa & in_gaz
    rule[gn] = "geonames_id"
    use_gaz = oa_gaz | gn
    city_id[use_gaz] = gid.array[use_gaz]
    city_name[use_gaz] = g_name[use_gaz]
    lat[use_gaz] = g_lat[use_gaz].to_numpy(dtype=float, na_value=np.nan)
    lon[use_gaz] = g_lon[use_gaz].to_numpy(dtype=float, na_value=np.nan)
    country[use_gaz] = g_cc[use_gaz]
    city_id[oa_own] = gid.array[oa_own]
    city_name[oa_own] = df["geo_city"].astype("string")[oa_own]
    lat[oa_own] = df["geo_latitude"].astype("Float64")[oa_own].to_numpy(dtype=float, na_value=np.nan)
    lon[oa_own] = df["geo_longitude"].astype("Float64")[oa_own].to_numpy(dtype=float, na_value=np.nan)

    # 3. name_match
    rest = ~(oa | gn)
    if rest.any():
        names = df["display_name"].astype("string")[rest]
        hints = record_country[rest]
        matched = GazetteerMatcher().match_many(names, hints)
        got = matched["geonames_id"].notna().to_numpy(dtype=bool)
        idx = np.flatnonzero(rest)[got]
        mid = matched["geonames_id"][got]
        rule[idx] = "name_match"
        city_id[idx] = mid.to_numpy()
        city_name[idx] = mid.map(gaz["name"]).astype("string").to_numpy()
        lat[idx] = mid.map(gaz["latitude"]).to_numpy(dtype=float)
        lon[idx] = mid.map(gaz["longitude"]).to_numpy(dtype=float)
        country[idx] = mid.map(gaz["country_code"]).astype("string").to_numpy()
        # 4. country_only
        left = rest.copy()
        left[idx] = False
        rule[left & record_country.notna().to_numpy(dtype=bool)] = "country_only"

    out = pd.DataFrame(
        {
            "institution_id": df["institution_id"],
            "display_name": df["display_name"],
            "city_geonames_id": city_id,
            "city_name": city_name,
            "latitude": pd.array(lat, dtype="Float64"),
            "longitude": pd.array(lon, dtype="Float64"),
            "country_code": pd.array(country, dtype="string"),
            "geocode_rule": pd.array(rule, dtype="string"),
        }
    )
    out = _add_regions(out, bloc_definition)
    return conform(out, "core_institutions")  # typed here: geocode_affiliations maps from it in one process (lifesci, benchmarks)


def _add_regions(df: pd.DataFrame, bloc_definition: BlocDefinition) -> pd.DataFrame:
    regions = regions_of_countries(df["country_code"])
    df = df.assign(
        region=regions["region"],
        sub_region=regions["sub_region"],
        world_region=regions["world_region"],
        bloc=bloc_of_countries(df["country_code"], bloc_definition),
    )
    return df


_STOP_WORDS = frozenset({"the", "and", "for", "of", "de", "la", "del", "der", "und"})


def _parts(raw: object) -> list[str]:
    """The strings of a ``' ; '``-joined column value (none for a missing value)."""
    if not isinstance(raw, str):
        return []
    return [p.strip() for p in raw.split(" ; ") if p.strip()]


def _words(text: str | None) -> frozenset[str]:
    if not text:
        return frozenset()
    return frozenset(w for w in normalize(text).split() if len(w) > 2 and w not in _STOP_WORDS)


def own_strings(
    institution_raw: object, raw: object, institution_id: object, institution_name: object, sibling_names: tuple
) -> list[str]:
    """The raw affiliation strings that are this authorship x institution's own, in order.

    1. OpenAlex's ``affiliations[]`` ties strings to institutions (``institution_raw_affiliation``):
       those strings.
    2. An authorship without institutions: all its strings (they are the author's own).
    3. A record without ``affiliations[]`` (older snapshots): each string goes to the institution of
       the authorship whose name shares the most words with it. When no string shares a word with
       the institution's name, all strings go to the authorship's only institution, and none when it
       has several. A string is never lent to another institution.
    """
    mine = _parts(institution_raw)
    if mine:
        return mine
    if institution_raw is not None and institution_raw is not pd.NA:
        return []
    parts = _parts(raw)
    if institution_id is None or institution_id is pd.NA:
        return parts
    if not parts:
        return []
    name = institution_name if isinstance(institution_name, str) else None
    others = [n for n in sibling_names if isinstance(n, str) and n != name]
    mine_words = _words(name)
    named = []
    for p in parts:
        w = _words(p)
        score = len(w & mine_words)
        if score and all(score >= len(w & _words(o)) for o in others):
            named.append(p)
    if named or others:
        return named
    return parts


AUTHORSHIP_BATCH_ROWS = 2_000_000
"""Authorships ``core_affiliations`` places at once (whole works): with their affiliation strings
about 0.5 GB, where a recent year of the real snapshot holds about 50 M."""


def geocode_affiliations(
    raw_authorships: pd.DataFrame, core_institutions: pd.DataFrame, *, bloc_definition: BlocDefinition = "paper"
) -> pd.DataFrame:
    """``raw_authorships`` (one year) + ``core_institutions`` -> ``core_affiliations``.

    One output row per input row, in the same order (rules in the module docstring).
    """
    a = raw_authorships.reset_index(drop=True)
    n = len(a)
    inst = core_institutions.drop_duplicates("institution_id").set_index("institution_id")
    iid = a["institution_id"].astype("string")
    at = inst.index.get_indexer(iid)  # one hash lookup for the three columns (-1: not a known institution)

    def known(column: str, dtype: str) -> pd.Series:
        return pd.Series(inst[column].astype(dtype).array.take(at, allow_fill=True), index=a.index)

    i_rule = known("geocode_rule", "string")
    i_city = known("city_geonames_id", "Int64")
    i_country = known("country_code", "string")
    embedded_country = a["institution_country_code"].astype("string").str.strip().str.upper()
    embedded_country = embedded_country.where(embedded_country.str.fullmatch(r"[A-Z]{2}").fillna(False))
    # the country the record states for this institution: its own record, else the work's embedded copy
    stated = i_country.fillna(embedded_country)
    # the author's only country: a list ('|'-joined) of one two-letter code
    author_list = a["author_countries"].astype("string").str.upper()
    only = author_list.str.strip()
    single_country = only.where(~author_list.str.contains("|", regex=False).fillna(True) & (only.str.len() == 2).fillna(False))

    rule = np.full(n, "unlocated", dtype=object)
    city = pd.arrays.IntegerArray(np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool))  # all <NA>
    # set piece by piece below: object arrays (an Arrow string array is rebuilt at each assignment)
    country = np.full(n, None, dtype=object)

    # 1. institution placed at city level by OpenAlex's geo or its GeoNames id
    r1 = i_rule.isin(CITY_RULES).fillna(False).to_numpy(dtype=bool)
    rule[r1] = i_rule[r1].to_numpy()
    city[r1] = i_city[r1].to_numpy()
    country[r1] = i_country[r1].to_numpy()

    # 2. the authorship's own raw affiliation string(s); 4b. the country such a string names
    raw_country = np.full(n, None, dtype=object)
    own_raw = a["institution_raw_affiliation"] if "institution_raw_affiliation" in a else pd.Series(pd.NA, index=a.index)
    todo = ~r1 & (a["raw_affiliation"].notna() | own_raw.notna()).to_numpy(dtype=bool)
    if todo.any():
        matcher = GazetteerMatcher()
        gaz_cc = load_gazetteer().set_index("geonames_id")["country_code"]
        names = a["institution_name"].astype("string")
        # other institutions of the same authorship: only needed where affiliations[] is missing
        need = todo & own_raw.isna().to_numpy(dtype=bool) & iid.notna().to_numpy(dtype=bool)
        siblings = pd.Series([()] * n, index=a.index, dtype=object)
        if need.any():
            keys = pd.MultiIndex.from_arrays([a["work_id"], a["author_seq"]])
            wanted = keys[need].unique()
            sub = keys.isin(wanted) & names.notna().to_numpy(dtype=bool)
            groups = pd.Series(names[sub].to_numpy(dtype=object), index=keys[sub]).groupby(level=[0, 1]).agg(tuple)
            found = groups.reindex(keys[need]).to_numpy().copy()
            for i in np.flatnonzero(pd.isna(found)):  # an authorship whose institutions have no name: no siblings, not NaN
                found[i] = ()
            siblings[need] = found
        rows = pd.DataFrame(
            {
                "own": own_raw.astype("string"),
                "raw": a["raw_affiliation"].astype("string"),
                "iid": iid,
                "name": names,
                "siblings": siblings,
                "stated": stated,
                "single": single_country,
            }
        )[todo]
        results: dict[tuple, tuple[int | None, str | None]] = {}
        found_ids: list[int | None] = []
        found_cc: list[str | None] = []
        for own, raw, i_id, nm, sib, st, single in rows.itertuples(index=False, name=None):
            key = (own, raw, i_id, nm, sib, st, single)
            hit = results.get(key)
            if hit is None:
                st = None if st is pd.NA else st
                hint = st if st is not None else (None if single is pd.NA else single)
                gid: int | None = None
                text_cc: str | None = None
                institution = None if nm is pd.NA else nm
                matches = [matcher.match(part, hint, institution) for part in own_strings(own, raw, i_id, nm, sib)]
                # a string with an address (it names its country or region) before one that does not
                # ("NARA Institute of Science and Technology" names Nara; "..., Ikoma, Nara, Japan" the campus)
                for m in sorted(matches, key=lambda m: m.country_rule not in REGION_RULES):
                    if m.geonames_id is not None and (st is None or m.country_code == st):
                        gid = m.geonames_id
                        break
                for m in matches:
                    if m.country_rule not in ("hint", "none"):
                        text_cc = m.country_code
                        break
                hit = results[key] = (gid, text_cc)
            found_ids.append(hit[0])
            found_cc.append(hit[1])
        found = pd.array(found_ids, dtype="Int64")
        got = ~pd.isna(found)
        idx = np.flatnonzero(todo)[got]
        rule[idx] = "raw_affiliation"
        city[idx] = found[got]
        country[idx] = pd.Series(found[got]).map(gaz_cc).astype("string").to_numpy()
        raw_country[np.flatnonzero(todo)] = found_cc

    placed = rule != "unlocated"
    # 3. institution placed by its name
    r3 = ~placed & (i_rule == "name_match").fillna(False).to_numpy(dtype=bool)
    rule[r3] = "name_match"
    city[r3] = i_city[r3].to_numpy()
    country[r3] = i_country[r3].to_numpy()
    placed |= r3
    # 4. country only: the stated country, else the one the own string names, else the author's only one
    for name, source in (("country_only", stated), ("raw_country", pd.Series(raw_country, dtype="string")), ("author_country", single_country)):
        take = ~placed & source.notna().to_numpy(dtype=bool)
        rule[take] = name
        country[take] = source[take].to_numpy()
        placed |= take

    out = pd.DataFrame(
        {
            "work_id": a["work_id"],
            "author_seq": a["author_seq"],
            "author_position": a["author_position"],
            "author_id": a["author_id"],
            "institution_id": a["institution_id"],
            "city_geonames_id": city,
            "country_code": pd.array(country, dtype="string"),
            "geocode_rule": pd.array(rule, dtype="string"),
        }
    )
    out["bloc"] = bloc_of_countries(out["country_code"], bloc_definition)
    return conform(out, "core_affiliations")  # typed here: the life-science corpus adds these rows to stored partitions


def geocode_tally(df: pd.DataFrame) -> Counter:
    """What :func:`geocode_coverage` reports, as counts that add up over a year's batches: ``rows``,
    rows per rule (``rule:<name>``), rows with a city (``city``) and with a country (``country``)."""
    vc = df["geocode_rule"].astype("string").value_counts(dropna=False)
    tally = Counter({f"rule:{r}": int(k) for r, k in vc.items() if not pd.isna(r)})
    tally["rows"] = len(df)
    tally["city"] = int(df["city_geonames_id"].notna().sum()) if "city_geonames_id" in df else 0
    tally["country"] = int(df["country_code"].notna().sum()) if "country_code" in df else 0
    return tally


def geocode_coverage(df: pd.DataFrame | Counter) -> dict[str, object]:
    """Counts and shares per ``geocode_rule`` (for Dagster metadata), plus city/country coverage, of
    a table or of its batches' :func:`geocode_tally` summed.

    Returns ``{"rows": n, "counts": {rule: k}, "shares": {rule: k / n}, "share_city": ...,
    "share_country": ...}``; every rule of ``RULES`` is listed (0 when absent).
    """
    tally = df if isinstance(df, Counter) else geocode_tally(df)
    n = int(tally["rows"])
    counts = {r: int(tally[f"rule:{r}"]) for r in RULES}
    for key, k in tally.items():
        if key.startswith("rule:") and key[5:] not in counts:
            counts[key[5:]] = int(k)
    shares = {r: (k / n if n else 0.0) for r, k in counts.items()}
    share_city = tally["city"] / n if n else 0.0
    share_country = tally["country"] / n if n else 0.0
    return {"rows": n, "counts": counts, "shares": shares, "share_city": share_city, "share_country": share_country}


def unknown_institutions(raw_authorships: pd.DataFrame, core_institutions: pd.DataFrame, table: str) -> pd.DataFrame:
    """Quarantine rows (schema ``quarantine``) for authorships naming an institution that has no
    record among the institutions read. The authorship itself is kept and located by its raw
    affiliation string or country; this table makes the gap visible instead of silent.
    ``line`` is the 1-based row of ``table`` (e.g. ``raw_authorships[2015]``)."""
    ids = raw_authorships["institution_id"]
    missing = ids.notna().to_numpy(dtype=bool) & ~is_in(ids, core_institutions["institution_id"].dropna())
    rows = raw_authorships[missing]
    df = pd.DataFrame(
        {
            "file": table,
            "line": rows.index.to_numpy() + 1,
            "reason": "institution_missing",
            "detail": (rows["work_id"] + ": " + rows["institution_id"] + " has no institution record").to_numpy(),
        }
    )
    return df
