"""Countries -> UN M49 regions, Schmallenbach et al. 2024's six world regions, and AlShebli et al. 2022's East/West bloc.

The table is ``data/reference/un_m49.csv`` (UN Statistics Division, M49; see its README).

* ``world_region`` is one of the six UN world regions Schmallenbach et al. 2024 uses (Methods: "Africa, Asia,
  Europe, Latin America (including the Caribbean), Northern America, and Oceania"): the M49
  region, except that the Americas are split into the M49 sub-regions Northern America and
  Latin America and the Caribbean.
* The bloc follows AlShebli et al. 2022: "We classify the cities in the U.S. or Europe as 'Western', and
  classify the remaining cities as 'Eastern'." ``definition="paper"`` reads "Europe" as the M49
  region Europe (so Russia, Ukraine and Belarus are West; Türkiye, Cyprus and the Caucasus,
  which M49 puts in Western Asia, are East). ``definition="wider"`` also counts Canada,
  Australia and New Zealand as West.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import pandas as pd

M49_PATH = Path(__file__).resolve().parents[2] / "data" / "reference" / "un_m49.csv"

WORLD_REGIONS = (
    "Africa",
    "Asia",
    "Europe",
    "Latin America and the Caribbean",
    "Northern America",
    "Oceania",
)

BlocDefinition = Literal["paper", "wider"]
_WIDER_EXTRA = frozenset({"CA", "AU", "NZ"})


@lru_cache(maxsize=1)
def _m49() -> pd.DataFrame:
    # keep_default_na=False: Namibia's code is "NA"; only empty cells are missing.
    df = pd.read_csv(M49_PATH, dtype="string", keep_default_na=False, na_values=[""])
    return df


def country_regions() -> pd.DataFrame:
    """The M49 table: ``country_code, iso3, country_name, region, sub_region, world_region`` (a copy)."""
    return _m49().copy()


@lru_cache(maxsize=1)
def _region_of() -> dict[str, str | None]:
    df = _m49()
    return {c: (None if pd.isna(r) else str(r)) for c, r in zip(df["country_code"], df["region"])}


def _check_definition(definition: str) -> None:
    if definition not in ("paper", "wider"):
        raise ValueError(f"bloc definition must be 'paper' or 'wider', not {definition!r}")


def bloc_of_country(country_code: str | None, definition: BlocDefinition = "paper") -> str | None:
    """East/West bloc of a country (AlShebli et al. 2022); None when the code is missing or unknown.

    ``paper``: the U.S. or a country of the M49 region Europe is "West", every other known
    country "East". ``wider``: Canada, Australia and New Zealand are West as well.
    """
    _check_definition(definition)
    if country_code is None or (not isinstance(country_code, str) and pd.isna(country_code)):
        return None
    code = str(country_code).upper()
    regions = _region_of()
    if code not in regions:
        return None
    if code == "US" or regions[code] == "Europe":
        return "West"
    if definition == "wider" and code in _WIDER_EXTRA:
        return "West"
    return "East"


def bloc_of_countries(codes: pd.Series, definition: BlocDefinition = "paper") -> pd.Series:
    """Vectorised :func:`bloc_of_country` (same index, dtype ``string``, <NA> when unknown)."""
    _check_definition(definition)
    df = _m49()
    west = (df["country_code"] == "US") | (df["region"] == "Europe").fillna(False)
    if definition == "wider":
        west = west | df["country_code"].isin(_WIDER_EXTRA)
    mapping = dict(zip(df["country_code"], west.map({True: "West", False: "East"})))
    upper = codes.astype("string").str.upper()
    return upper.map(mapping).astype("string")


def regions_of_countries(codes: pd.Series) -> pd.DataFrame:
    """``region, sub_region, world_region`` for each code (same index; <NA> when unknown)."""
    df = _m49().set_index("country_code")
    upper = codes.astype("string").str.upper()
    return pd.DataFrame(
        {col: upper.map(df[col]).astype("string") for col in ("region", "sub_region", "world_region")},
        index=codes.index,
    )
