"""Short country names (``aigeo_assets.reports.names``): every country of the UN M49 table
(``data/reference/un_m49.csv``, read here independently of the reports) is shown in figures under
a name of at most ``SHORT_NAME_MAX`` characters, and no short name is longer than the country's M49
name (some are listed for the other spellings a table may carry: "Czech Republic"). Cheap: one small CSV."""

from __future__ import annotations


import pandas as pd

from aigeo_assets.reports.names import SHORT_COUNTRY_NAMES, SHORT_NAME_MAX, short_country_name
from aigeo_assets.resources.settings import REPO_ROOT

M49 = REPO_ROOT / "data" / "reference" / "un_m49.csv"


def test_every_m49_country_has_a_short_enough_name():
    m49 = pd.read_csv(M49, keep_default_na=False, dtype=str)  # "NA" is Namibia
    assert len(m49) > 240
    shown = {code: short_country_name(code, name) for code, name in zip(m49["country_code"], m49["country_name"])}
    assert {c: n for c, n in shown.items() if len(n) > SHORT_NAME_MAX} == {}
    assert shown["GS"] == "South Georgia" and shown["NA"] == "Namibia" and shown["DE"] == "Germany"
    names = dict(zip(m49["country_code"], m49["country_name"]))
    # a short name is a country of the table, never longer than its M49 name
    assert {c: s for c, s in SHORT_COUNTRY_NAMES.items() if c not in names or len(s) > len(names[c])} == {}
