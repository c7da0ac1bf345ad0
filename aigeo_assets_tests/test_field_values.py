"""The field registry's allowed values, enforced where a table is written (issue 17): a coded column
holding a value outside its field's ``allowed`` values (or a null where the field allows none) stops
the write with a message naming the asset, the table, the column, how many rows and the first few
values; nothing is written. The coded sets themselves are checked against the code and reference
tables that produce the values (independent oracles), so a new rule or region cannot be forgotten."""

from __future__ import annotations

import re

import dagster as dg
import pandas as pd
import pytest

from aigeo_assets import fields as F
from aigeo_assets.assets.metadata import table_asset_args
from aigeo_assets.geo import affiliation_text, geocode, regions
from aigeo_assets.resources.io import ParquetIOManager
from aigeo_assets.schemas import SCHEMAS, SHOWN_VALUES, SchemaError, check_values, conform


def _declared(table: str) -> dict:
    return {k: v for k, v in table_asset_args(table, "test").items() if k != "group_name"}


def _top_cities(blocs: list) -> pd.DataFrame:
    n = len(blocs)
    return pd.DataFrame({
        "city_geonames_id": range(1, n + 1), "city_name": [f"C{i}" for i in range(n)], "country_code": "CN",
        "bloc": blocs, "latitude": 1.0, "longitude": 2.0, "reference_year": 2017, "reference_impact": 10,
        "reference_rank": range(1, n + 1),
    })


def _write(tmp_path, frame: pd.DataFrame, table: str = "out_top_cities", name: str = "some_cities"):
    @dg.asset(name=name, **_declared(table))
    def cities() -> pd.DataFrame:
        return frame

    return dg.materialize([cities], resources={"io_manager": ParquetIOManager(base_dir=str(tmp_path))},
                          instance=dg.DagsterInstance.ephemeral())


def test_a_value_outside_the_allowed_set_stops_the_write_naming_table_column_count_and_values(tmp_path):
    frame = _top_cities(["East", "Eastern", "West", None, "Eastern", "west"])
    with pytest.raises(SchemaError) as err:
        _write(tmp_path, frame)
    message = str(err.value)
    assert message.startswith("some_cities: out_top_cities.bloc: 3 row(s) with a value the field refuses (allowed: East, West)")
    assert message.endswith(": 'Eastern', 'west'"), "the offending values, distinct, in order of appearance; the null is allowed"
    assert not (tmp_path / "some_cities.parquet").exists(), "nothing written"

    _write(tmp_path, _top_cities(["East", "West", None]))  # nulls are allowed unless the field says otherwise
    stored = pd.read_parquet(tmp_path / "some_cities.parquet")
    assert stored["bloc"].tolist()[:2] == ["East", "West"] and stored["bloc"].isna().tolist() == [False, False, True]


def test_a_null_where_the_field_allows_none_is_refused_and_counted(tmp_path):
    assert not F.FIELDS["resolution"].nullable and F.FIELDS["bloc"].nullable
    citations = pd.DataFrame({c.name: pd.Series([None, None, None], dtype=c.dtype) for c in SCHEMAS["core_citations"].columns})
    citations["citing_work_id"] = ["W1", "W2", "W3"]
    citations["resolution"] = ["in_snapshot", None, None]
    with pytest.raises(SchemaError, match=re.escape(
            "core_citations.resolution: 2 row(s) with a value the field refuses (allowed: in_snapshot, external; no null): None")):
        _write(tmp_path, citations, "core_citations", "citations")
    assert not (tmp_path / "citations.parquet").exists()


def test_many_offending_values_show_the_first_few_and_count_them_all():
    values = [f"rule_{i}" for i in range(12)] * 2 + ["openalex_geo"]
    frame = SCHEMAS["core_institutions"].empty().reindex(range(len(values)))
    frame["geocode_rule"] = values
    with pytest.raises(SchemaError) as err:
        conform(frame, "core_institutions")
    shown = ", ".join(repr(f"rule_{i}") for i in range(SHOWN_VALUES))
    assert str(err.value).endswith(f": {shown}, ...") and "core_institutions.geocode_rule: 24 row(s)" in str(err.value)


def test_every_coded_value_the_code_writes_is_allowed_and_nothing_else_is():
    """Each allowed set against the code or reference table that makes the values."""
    assert F.GEOCODE_RULES == geocode.RULES, "geo.geocode's placing rules"
    assert set(F.AFFILIATION_COUNTRY_RULES) == {*affiliation_text.RULES, "hint"}, "the affiliation-text rules and the author's hint"
    m49 = pd.read_csv(regions.M49_PATH, dtype="string", keep_default_na=False, na_values=[""])
    assert set(F.M49_REGIONS) == set(m49["region"].dropna()), "the UN M49 regions of the reference table"
    assert set(F.FIELDS["world_region"].allowed) - {F.ALL_REGIONS} == set(m49["world_region"].dropna())
    assert set(F.FIELDS["world_region"].allowed) == {*regions.WORLD_REGIONS, F.ALL_REGIONS}
    countries = ["US", "DE", "RU", "CN", "SG", "BR", "AU", "TR", None]
    for definition in ("paper", "wider"):
        blocs = set(regions.bloc_of_countries(pd.Series(countries, dtype="string"), definition).dropna())
        assert blocs == set(F.BLOCS), definition
    every_bloc_column = [n for n, f in F.FIELDS.items() if n.endswith("bloc") and f.type == F.STR]
    assert all(F.FIELDS[n].allowed == F.BLOCS for n in every_bloc_column), every_bloc_column
    # a lead rule is an author, or an author and the country rule that placed that author
    assert {r.split(":")[1] for r in F.LEAD_RULES if ":" in r} == set(F.FIELDS["country_rule"].allowed)


def test_every_allowed_set_is_well_formed_and_a_row_of_allowed_values_or_nulls_passes_every_table():
    for name, field in F.FIELDS.items():
        assert field.nullable or field.allowed, f"{name}: a field that refuses nulls names its values"
        if field.allowed is not None:
            assert field.type == F.STR and field.allowed and len(set(field.allowed)) == len(field.allowed), name
    for table, schema in SCHEMAS.items():
        check_values(schema.empty(), table)
        row = {c.name: c.allowed[-1] if c.allowed else None for c in schema.columns}
        conform(pd.DataFrame([row], dtype="object"), table)  # raises if any allowed value were refused
