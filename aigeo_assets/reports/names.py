"""Short country names for figures and the atlas: the one mapping of the reports.

Tables keep the UN M49 names (``data/reference/un_m49.csv``: "United Kingdom of Great Britain and
Northern Ireland", "China, Hong Kong SAR"); a figure's axis or legend shows the short name a
reader expects ("United Kingdom", "Hong Kong"). Countries not listed keep their M49 name.
"""

from __future__ import annotations

import pandas as pd

SHORT_COUNTRY_NAMES: dict[str, str] = {
    "BO": "Bolivia", "BN": "Brunei", "CD": "DR Congo", "CF": "Central African Rep.", "FK": "Falkland Islands",
    "FM": "Micronesia", "GB": "United Kingdom", "HK": "Hong Kong", "IR": "Iran", "KP": "North Korea",
    "KR": "South Korea", "LA": "Laos", "MD": "Moldova", "MO": "Macao", "PS": "Palestine", "RU": "Russia",
    "SY": "Syria", "TW": "Taiwan", "TZ": "Tanzania", "US": "United States", "VE": "Venezuela", "VN": "Vietnam",
    "BA": "Bosnia and Herz.", "AE": "UAE", "DO": "Dominican Rep.", "VI": "US Virgin Islands",
    "UM": "US Minor Outlying Isl.", "VG": "British Virgin Islands", "TR": "Türkiye", "CZ": "Czechia",
    "GS": "South Georgia", "BQ": "Caribbean Netherlands", "HM": "Heard & McDonald Isl.", "VC": "St Vincent & Grenadines",
    "KN": "St Kitts and Nevis", "IO": "Br. Indian Ocean Terr.", "SJ": "Svalbard & Jan Mayen", "CC": "Cocos Islands",
    "MF": "Saint Martin (FR)", "SX": "Sint Maarten (NL)", "PM": "St Pierre & Miquelon", "TF": "French Southern Terr.",
    "WF": "Wallis and Futuna", "TC": "Turks and Caicos", "MP": "N. Mariana Islands",
}
"""ISO 3166-1 alpha-2 code -> the short name figures show: at most ``SHORT_NAME_MAX`` characters
where the M49 name is longer (``aigeo_assets_tests/reports/test_names.py`` checks every M49 country)."""

SHORT_NAME_MAX = 23
"""The longest name a figure's country axis shows ("St Vincent & Grenadines"; the M49 names run to 44
characters, "South Georgia and the South Sandwich Islands", which crowded the tick labels)."""


def short_country_name(code: object, name: object = None) -> str:
    """The short name of a country: ``SHORT_COUNTRY_NAMES[code]``, else its (M49) ``name``, else the
    code, else "unknown"."""
    c = None if code is None or (not isinstance(code, str) and pd.isna(code)) else str(code).upper()
    if c and c in SHORT_COUNTRY_NAMES:
        return SHORT_COUNTRY_NAMES[c]
    if name is not None and not (not isinstance(name, str) and pd.isna(name)) and str(name):
        return str(name)
    return c or "unknown"


def short_country_names(df: pd.DataFrame, code: str = "country_code", name: str = "country_name") -> list[str]:
    """``short_country_name`` of every row of ``df`` (its ``code`` and, when present, ``name`` columns)."""
    names = df[name] if name in df else pd.Series([None] * len(df), index=df.index)
    return [short_country_name(c, n) for c, n in zip(df[code], names)]
