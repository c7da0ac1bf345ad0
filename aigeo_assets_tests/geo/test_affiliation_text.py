"""Tests of aigeo_assets.geo.affiliation_text: cleaning, segmentation, regions, cities, on real strings.

The strings below are single affiliation strings copied from the real sample records (PubMed and
OpenAlex, ``../shared/samples/``), each worked out by hand.
"""

from __future__ import annotations

import pandas as pd
import pytest

from aigeo_assets.geo import affiliation_text as at
from aigeo_assets.geo.affiliation_text import (
    CityMatch,
    GazetteerMatcher,
    affiliation_countries,
    clean_text,
    parse_affiliations,
    resolve_affiliation,
    split_affiliations,
)
from aigeo_assets.geo.gazetteer import normalize
from aigeo_assets.ingest.records_folder import shared_samples_dir


def _city(gaz, m: CityMatch) -> tuple[str, str, str] | None:
    if m.geonames_id is None:
        return None
    row = gaz.loc[m.geonames_id]
    return str(row["name"]), str(row["country_code"]), str(row["admin1code"])


# ---------------------------------------------------------------- cleaning
def test_clean_text_decodes_html_and_separators():
    assert clean_text("K&#x00F6;ln, Germany") == "Köln, Germany"
    assert clean_text("CSIRO's Data61 &amp; Australian National University") == "CSIRO's Data61 & Australian National University"
    assert clean_text("Aerospace Science &amp;#x0026; Industry") == "Aerospace Science & Industry"  # doubly escaped
    assert clean_text("Armstrong Atlantic State University\u2028 Savannah, Ga") == "Armstrong Atlantic State University;  Savannah, Ga"
    assert clean_text("Siemens AG, Munich, Germany#TAB#") == "Siemens AG, Munich, Germany;"
    assert clean_text("Beijing\uff0cChina") == "Beijing,China"  # full-width comma (NFKC)
    assert clean_text("IN 47405\u20103907") == "IN 47405-3907"


# ---------------------------------------------------------------- segmentation
SPLITS = [
    ("1 Dept X, Univ A, Boston, MA, USA. 2 Dept Y, Univ B, Paris, France.",
     ["Dept X, Univ A, Boston, MA, USA", "Dept Y, Univ B, Paris, France"]),
    # real (PubMed): numbered markers glued to the word
    ("1Research Center in Physical Activity Health and Leisure, Faculty of Sport, University of Porto, Porto, PORTUGAL; "
     "2MRC Epidemiology Unit, University of Cambridge, Cambridge, UNITED KINGDOM",
     ["Research Center in Physical Activity Health and Leisure, Faculty of Sport, University of Porto, Porto, PORTUGAL",
      "MRC Epidemiology Unit, University of Cambridge, Cambridge, UNITED KINGDOM"]),
    # real (PubMed): "; " between two full addresses
    ("Hematology-Oncology Division, Beth Israel Deaconess Medical Center and Harvard Medical School, Boston, MA, 02215, USA; "
     "Department of Urology, Tongji Hospital, Huazhong University of Science and Technology, Wuhan, 430030, China.",
     ["Hematology-Oncology Division, Beth Israel Deaconess Medical Center and Harvard Medical School, Boston, MA, 02215, USA",
      "Department of Urology, Tongji Hospital, Huazhong University of Science and Technology, Wuhan, 430030, China"]),
    # real (PubMed): ". " between addresses, and " and " joining two full addresses (OpenAlex)
    ("School of Geography, University of Leeds, Leeds LS2 9JT, UK. ; Instituto de Investigaciones de la Amazonía Peruana, "
     "Iquitos, Loreto, Peru.",
     ["School of Geography, University of Leeds, Leeds LS2 9JT, UK",
      "Instituto de Investigaciones de la Amazonía Peruana, Iquitos, Loreto, Peru"]),
    ("School of Computer Science and Communication Engineering, Jiangsu University, Zhenjiang, China and School of "
     "Electrical Engineering, National University of Science and Technology, Islamabad, Pakistan. (e-mail: a@seecs.edu.pk)",
     ["School of Computer Science and Communication Engineering, Jiangsu University, Zhenjiang, China",
      "School of Electrical Engineering, National University of Science and Technology, Islamabad, Pakistan"]),
    # semicolons used as commas inside one address stay one affiliation
    ("Department of Psychology; University of Texas; Austin Texas USA", ["Department of Psychology; University of Texas; Austin Texas USA"]),
    ("Department of English, Howard University; 248 Locke Hall, 2441 6th Street, NW; Washington; DC; 20059; USA",
     ["Department of English, Howard University; 248 Locke Hall, 2441 6th Street, NW; Washington; DC; 20059; USA"]),
    # a trailing institution without an address is an affiliation of its own; an e-mail label tail is not
    ("Inserm U1138, Paris, France; and Sorbonne Université", ["Inserm U1138, Paris, France", "and Sorbonne Université"]),
    ("Department of Oceanography, Dalhousie University, Halifax, Nova Scotia B3H 4R2, Canada; email: eric.oliver@dal.ca.",
     ["Department of Oceanography, Dalhousie University, Halifax, Nova Scotia B3H 4R2, Canada"]),
    # real (PubMed 2016): ", and the" and ", the" between full addresses; initials in brackets are no part
    ("From Aurelios Augenzentrum, Recklinghausen, Germany, and the Department of Ophthalmology, University of Szeged, "
     "Szeged, Hungary.",
     ["From Aurelios Augenzentrum, Recklinghausen, Germany", "the Department of Ophthalmology, University of Szeged, Szeged, Hungary"]),
    ("Pontificia Universidad Católica de Chile, 8331150 Santiago, Chile, the Centre for Healthy Brain Ageing, University of "
     "New South Wales, Sydney, 2031 New South Wales, Australia",
     ["Pontificia Universidad Católica de Chile, 8331150 Santiago, Chile",
      "the Centre for Healthy Brain Ageing, University of New South Wales, Sydney, 2031 New South Wales, Australia"]),
    ("University of Cape Town, Cape Town, South Africa (E.D.B.); Imperial College, London (P.J.B.); Guangzhou Medical "
     "University, Guangzhou, China (N.Z.)",
     ["University of Cape Town, Cape Town, South Africa (E.D.B.)",
      "Imperial College, London (P.J.B.); Guangzhou Medical University, Guangzhou, China (N.Z.)"]),
    # "No. 1" is no numbered marker
    ("Institute of Process Engineering, Chinese Academy of Sciences, No. 1 Beiertiao, Haidian District, Beijing, 100190 China",
     ["Institute of Process Engineering, Chinese Academy of Sciences, No. 1 Beiertiao, Haidian District, Beijing, 100190 China"]),
]


@pytest.mark.parametrize(("text", "expected"), SPLITS, ids=[t[:50] for t, _ in SPLITS])
def test_split_affiliations(text, expected):
    assert split_affiliations(text) == expected


def test_split_missing_and_empty():
    assert split_affiliations(None) == []
    assert split_affiliations("") == []
    assert parse_affiliations("  ") == ()


# ---------------------------------------------------------------- country of a PubMed author
COUNTRIES = [
    # the first listed affiliation decides (not the rightmost country of the string)
    ("Department of Molecular and Cellular Oncology, University of Texas MD Anderson Cancer Center, Houston, TX 77030, USA; "
     "Graduate Institute of Biomedical Sciences, China Medical University, Taichung 404, Taiwan", "US", "country_variant"),
    ("Department of Geography and Environment, University of Southampton, Southampton SO17 1BJ, UK. Fogarty International "
     "Center, National Institutes of Health, Bethesda, MD 20892, USA. Flowminder Foundation, 17177 Stockholm, Sweden.",
     "GB", "country_variant"),
    ("Oregon Reproductive Medicine, Portland, Oregon; School of Biosciences, University of Kent, Canterbury, Kent, United Kingdom.",
     "US", "us_state"),
    # Australian state codes with a 4-digit postcode; the e-mail label does not hide the country
    ("Crawley WA 6009, Australia e-mail:", "AU", "country_name"),
    ("School of Population Health, The University of Western Australia, Crawley WA 6009", "AU", "subdivision"),
    ("Monash University, Clayton, VIC 3800", "AU", "subdivision"),
    ("University of Sydney, Sydney NSW", "AU", "subdivision"),
    ("Perth, WA", "AU", "subdivision"),  # Perth is a city of Western Australia, not of Washington
    ("Microsoft Research, Redmond, WA", "US", "us_state"),
    ("Department of Botany, University of British Columbia, Vancouver, BC V6T 1Z4", "CA", "subdivision"),
    ("Alberta Machine Intelligence Institute, University of Alberta, Edmonton, AB", "CA", "subdivision"),
    # Georgia decided by context
    ("From the Department of Microbiology, University of Georgia, Athens, Georgia 30602 and.", "US", "us_state"),
    ("Tbilisi State University, Tbilisi, Georgia", "GE", "country_name"),
    # Korea
    ("Korea", "KR", "country_variant"),
    ("Kim Il Sung University, Pyongyang, Democratic People's Republic of Korea", "KP", "country_name"),
    # subdivisions of Japan and India; old US abbreviations
    ("Hyogo Cancer Center, Hyogo.", "JP", "subdivision"),
    ("Department of Cancer Cell Biology, Graduate School of Medicine, University of Toyama.", "JP", "subdivision"),
    ("Department of Veterinary Microbiology, GADVASU, Ludhiana, Punjab 141004 India", "IN", "country_name"),
    ("Amrita Institute of Medical Sciences, Kochi, Kerala", "IN", "subdivision"),
    ("Armstrong Atlantic State University\u2028 Savannah, Ga", "US", "us_state"),
    # HTML entities decoded before matching
    ("Institut f&#x00FC;r Informatik, K&#x00F6;ln", "DE", "city"),
    ("Bucyrus, KS", "US", "us_state"),
    ("Arthur A. Small", None, "none"),
]


@pytest.mark.parametrize(("text", "code", "rule"), COUNTRIES, ids=[t[:50] for t, _, _ in COUNTRIES])
def test_resolve_affiliation(text, code, rule):
    assert resolve_affiliation(text) == (code, rule)


def test_affiliation_countries_is_resolve_affiliation_per_string():
    texts = pd.Series([t for t, _, _ in COUNTRIES] + [None], index=range(10, 11 + len(COUNTRIES)))
    out = affiliation_countries(texts)
    assert out.index.equals(texts.index)
    for (text, code, rule), (_, row) in zip(COUNTRIES, out.iterrows()):
        assert (None if pd.isna(row["country_code"]) else row["country_code"], row["country_rule"]) == (code, rule), text
    assert out["country_rule"].iloc[-1] == "none"


# real (PubMed 2016/2018): one string for every author, institutions attributed by surname or initials
ATTRIBUTED = (
    "From the Ophthalmology Department, Tel Aviv Sourasky Medical Center (Smadja), Tel Aviv, Israel; the National "
    "Reference Center for Keratoconus (Smadja, Tellouck, De Castro, Touboul), Bordeaux Hospital University, Bordeaux, "
    "France; and the Woolcock Institute of Medical Research, University of Sydney, Sydney (H.K.R.)"
)


def test_attribution_to_authors():
    assert resolve_affiliation(ATTRIBUTED) == ("IL", "country_name")  # no name: the first listed
    assert resolve_affiliation(ATTRIBUTED, "Touboul", "David") == ("FR", "country_name")
    assert resolve_affiliation(ATTRIBUTED, "De Castro", "Ana") == ("FR", "country_name")
    assert resolve_affiliation(ATTRIBUTED, "Smadja", "David") == ("IL", "country_name")  # the first naming him
    assert resolve_affiliation(ATTRIBUTED, "Reddel", "Helen K") == ("AU", "city")  # by initials H.K.R.
    assert resolve_affiliation(ATTRIBUTED, "Nobody", "Else") == ("IL", "country_name")
    names = pd.Series(["Touboul", "Reddel", None, "Touboul"])
    fores = pd.Series(["David", "Helen K", None, None])
    texts = pd.Series([ATTRIBUTED, ATTRIBUTED, ATTRIBUTED, "Paris, France"])
    out = affiliation_countries(texts, names, fores)
    assert out["country_code"].tolist() == ["FR", "AU", "IL", "FR"]


# ---------------------------------------------------------------- cities (OpenAlex raw affiliation strings)
CITIES = [
    # (text, hint, expected (name, country) or None, expected country_code)
    ("Crawley WA 6009, Australia e-mail:", None, ("Crawley", "AU"), "AU"),  # was the US town "Earth"
    ("Nara Institute of Science and Technology, Ikoma, Nara, Japan", None, ("Ikoma", "JP"), "JP"),  # not Nara
    ("Nara Women's University, Nara, Japan", None, ("Nara-shi", "JP"), "JP"),
    ("From the Department of Microbiology, University of Georgia, Athens, Georgia 30602 and.", None, ("Athens", "US"), "US"),
    ("Arthur A. Small", "US", None, "US"),  # a person's name is no city
    ("Arthur A. Small", None, None, None),
    ("Shanghai Jiao Tong University", "CN", ("Shanghai", "CN"), "CN"),  # not "Jiao"
    ("International Digital Economy Academy (IDEA)", None, None, None),  # not "Economy", Texas
    ("Carnegie Mellon University", None, None, None),
    ("IBM T.J. Watson Research", None, None, None),
    ("MIT-IBM Watson AI Lab", "US", None, "US"),
    ("Research Center for Social Computing and Information Retrieval Harbin Institute of Technology, China", "CN", ("Harbin", "CN"), "CN"),
    ("School of Library and Information Science Indiana University  1320 East 10th Street, LI 011 Bloomington IN 47405\u20103907",
     "US", ("Bloomington", "US"), "US"),
    ("Science\u2010Metrix Inc.  1335 Avenue du Mont\u2010Royal E Montréal Québec H2J 1Y6 Canada", None, ("Montréal", "CA"), "CA"),
    ("Department of Ecology, Evolution, and Environmental Biology Columbia University 1200 Amsterdam Avenue New York New York 10027 USA",
     "US", ("New York City", "US"), "US"),
    ("University of Wisconsin\u2014Madison. E-mail:", "US", ("Madison", "US"), "US"),
    ("Clova AI Research, Naver Corp , Seong-Nam 13561, Korea", "KR", ("Seongnam-si", "KR"), "KR"),
    ("Renaissance Computing Institute, University of North Carolina at Chapel Hill", "US", ("Chapel Hill", "US"), "US"),
    ("Information Systems Security CIISE, Concordia University Montreal, Quebec, Canada", "CA", ("Montréal", "CA"), "CA"),
    ("Department of English, Howard University, Washington, DC, 20059, USA. E-mail: x@howard.edu", "US", ("Washington", "US"), "US"),
    ("TNO, Zeist 3700 AJ, The Netherlands", "NL", ("Zeist", "NL"), "NL"),  # Dutch postcode letters dropped
    ("Department of Psychology, Stanford University", "US", ("Stanford", "US"), "US"),  # "X University": the town X
    ("Stanford University", None, None, None),  # ... but only when the record states the country
    ("Institute of Software, Chinese Academy of Sciences, China", "US", None, "CN"),  # not the US town "China"
    ("Paul S. Dickinson College of Business, Oklahoma Baptist University, Shawnee, Oklahoma, USA", "US", ("Shawnee", "US"), "US"),
    ("Aerospace Science &#x0026; Industry Shenzhen (Group) Co., Ltd,Shenzhen,China", None, ("Shenzhen", "CN"), "CN"),
    ("Research &#x0026; Development Center, Vak&#x0131;f Participation,Istanbul,Turkey", None, ("Istanbul", "TR"), "TR"),
    # a country named without a city is still returned
    ("CSIRO's Data61 &amp; Australian National University, Australia", "AU", None, "AU"),
    ("University of Science and Technology of China, China", None, None, "CN"),
]


@pytest.mark.parametrize(("text", "hint", "city", "country"), CITIES, ids=[t[:50] for t, *_ in CITIES])
def test_matcher_real_strings(matcher, gaz, text, hint, city, country):
    m = matcher.match(text, hint)
    got = _city(gaz, m)
    assert (got[:2] if got else None) == city, text
    assert m.country_code == country


def test_matcher_city_agrees_with_stated_country(matcher, gaz):
    # the text names France, the record states the US: Paris, France is the text's own and is kept
    assert _city(gaz, matcher.match("Sorbonne Université, Paris, France", "US"))[:2] == ("Paris", "FR")
    # no country in the text: only a city of the stated country
    assert _city(gaz, matcher.match("Laboratoire d'Informatique, Paris", "US"))[1] == "US"
    assert matcher.match("Normal University", "CN").geonames_id is None
    # a city in neither the text's nor the stated country is never returned
    m = matcher.match("Department of Physics, Cambridge, Japan", "DE")
    assert m.geonames_id is None and m.country_code == "JP"


def test_matcher_each_affiliation_on_its_own(matcher, gaz):
    text = ("Shanghai AI Laboratory, Shanghai 200232, China; Department of Computer Science and Technology, "
            "Nanjing University, Nanjing 210023, China")
    each = matcher.match_each(text, "CN")
    assert [_city(gaz, m)[0] for m in each] == ["Shanghai", "Nanjing"]
    # the institution's name picks its affiliation
    assert _city(gaz, matcher.match(text, "CN", institution="Nanjing University"))[0] == "Nanjing"
    assert _city(gaz, matcher.match(text, "CN", institution="Shanghai Artificial Intelligence Laboratory"))[0] == "Shanghai"
    assert _city(gaz, matcher.match(text, "CN"))[0] == "Shanghai"
    # the hint picks the affiliation in the stated country
    text2 = ("School of Computer Science and Communication Engineering, Jiangsu University, Zhenjiang, China and "
             "School of Electrical Engineering, National University of Science and Technology, Islamabad, Pakistan.")
    assert _city(gaz, matcher.match(text2, "PK"))[:2] == ("Islamabad", "PK")
    assert _city(gaz, matcher.match(text2, "CN"))[:2] == ("Zhenjiang", "CN")


def test_matcher_country_rule(matcher):
    assert matcher.match("Some Lab, Republic of Korea").country_rule == "country_name"
    assert matcher.match("Microsoft Research, Redmond, WA").country_rule == "us_state"
    assert matcher.match("Fudan University, Shanghai").country_rule == "city"
    assert matcher.match("Tencent AI Lab", "CN").country_rule == "hint"
    assert matcher.match("Lab X, a@charite.de").country_rule == "email_domain"
    assert matcher.match("Nowhere").country_rule == "none"


# ---------------------------------------------------------------- every real string of the shared samples
def _sample_strings() -> list[str]:
    root = shared_samples_dir()
    if not root.exists():
        pytest.skip(f"the shared sample records are not at {root}")
    from aigeo_assets.ingest.records_folder import iter_record_file
    from aigeo_assets.lifesci.pubmed import PubmedRecord, iter_pubmed_records

    texts: list[str] = []
    for path in sorted((root / "pubmed").rglob("*.xml*")):
        for item in iter_pubmed_records(path):
            if isinstance(item, PubmedRecord):
                texts.extend(aff for a in item.authors for aff in a.affiliations)
    for name in ("justin21523/works_sample.json", "works_english_africa_api_page.json"):
        for work in iter_record_file(root / "openalex" / name):
            for a in work.get("authorships") or ():
                texts.extend(a.get("raw_affiliation_strings") or ())
    return texts


def test_every_sample_string_parses_and_most_resolve():
    texts = _sample_strings()
    assert len(texts) > 1000
    out = affiliation_countries(pd.Series(texts, dtype=object))
    assert out["country_code"].notna().mean() > 0.9
    matcher = GazetteerMatcher()
    for t in set(texts):
        parse_affiliations(t)
        matcher.match(t)


# ---------------------------------------------------------------- the subdivisions table
def test_subdivisions_table():
    sd = pd.read_csv(at.SUBDIVISIONS_PATH, dtype="string", keep_default_na=False, na_values=[""])
    assert list(sd.columns) == ["variant", "country_code", "subdivision", "admin1", "kind", "note"]
    assert set(sd["kind"]) == {"name", "whole", "code"}
    assert set(sd["country_code"]) == {"AU", "CA", "JP", "IN"}
    per_country = sd.groupby("country_code")["subdivision"].nunique().to_dict()
    assert per_country["JP"] == 47 and per_country["AU"] == 8 and per_country["CA"] == 13
    # codes carry the GeoNames admin1 code the matcher checks cities against
    codes = sd[sd["kind"] == "code"]
    assert codes["admin1"].notna().all()
    assert not sd["variant"].duplicated().any()
    # names are looked up normalised (accents stripped): "Hyōgo" beside "Hyogo" would never be read
    assert not sd.loc[sd["kind"] != "code", "variant"].map(normalize).duplicated().any()
    # Punjab is also a province of Pakistan
    assert "Punjab" not in set(sd["variant"])


@pytest.mark.parametrize(
    ("text", "hint", "expected_id"),
    [
        # Princeton, FL (39k) and Princeton, NJ (30k): nothing tells them apart -> country only
        ("Princeton University", "US", None),
        ("Bryn Mawr College", "US", None),
        # a state named anywhere in the affiliation decides, also inside the country's part
        ("COMPUTER SCIENCE DEPARTMENT PRINCETON UNIVERSITY PRINCETON, NEW JERSEY 08540 USA", "US", 5102922),
        ("Princeton University, Princeton, NJ 08544", None, 5102922),
        # one namesake much larger than the others is not ambiguous
        ("MIT, Cambridge, USA", None, 4931972),
        ("Athens, Georgia 30602", None, 4180386),
    ],
)
def test_namesakes_of_one_country_place_no_city_unless_told_apart(matcher, text, hint, expected_id):
    m = matcher.match(text, hint)
    assert m.geonames_id == expected_id
    assert m.country_code == "US"


def test_namesakes_in_one_country_still_give_the_country_of_a_pubmed_string():
    assert resolve_affiliation("Rochester") == ("US", "city")
