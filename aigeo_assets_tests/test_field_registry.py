"""The field registry (issue 17): each column defined once, tables listing their fields and primary
key, the IO manager enforcing the schema on every write, and the generated blocking primary-key check."""

from collections import Counter

import dagster as dg
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from aigeo_assets.assets.metadata import PRIMARY_KEY_CHECK, primary_key_checks, table_asset_args
from aigeo_assets.fields import FIELDS, TYPE_BY_TABLE
from aigeo_assets.resources.io import TABLE_METADATA_KEY, ParquetIOManager, declared_table
from aigeo_assets.schemas import KEY_EXAMPLES, SCHEMAS, SchemaError, key_violations


def test_every_column_is_a_field_every_key_a_column_and_every_field_used():
    used: set[str] = set()
    for name, schema in SCHEMAS.items():
        assert schema.name == name
        assert len(set(schema.names)) == len(schema.names), f"{name}: a column twice"
        for col in schema.columns:
            assert col.name in FIELDS, f"{name}.{col.name} is not a field"
            assert col.dtype == TYPE_BY_TABLE.get((name, col.name), FIELDS[col.name].type), f"{name}.{col.name}: not the field's dtype"
            used.add(col.name)
        assert set(schema.primary_key) <= set(schema.names), f"{name}: key {schema.primary_key} not among its columns"
        assert len(set(schema.primary_key)) == len(schema.primary_key)
    assert set(FIELDS) - used == set(), "fields no table uses"
    assert set(t for t, _ in TYPE_BY_TABLE) <= set(SCHEMAS) and all(c in SCHEMAS[t].names for t, c in TYPE_BY_TABLE)
    # one dtype per name across tables, but for the declared exceptions
    dtypes: dict[str, set[str]] = {}
    for name, schema in SCHEMAS.items():
        for col in schema.columns:
            if (name, col.name) not in TYPE_BY_TABLE:
                dtypes.setdefault(col.name, set()).add(col.dtype)
    assert {n: d for n, d in dtypes.items() if len(d) > 1} == {}
    assert SCHEMAS["out_lifesci_yearly_counts"].columns[0].dtype == SCHEMAS["out_city_year_metrics"].columns[0].dtype == "Int16"


def test_every_table_asset_names_its_table_and_every_keyed_table_gets_a_blocking_check():
    from aigeo_assets.definitions import defs

    keyed = set()
    for a in defs.assets or []:
        if not isinstance(a, dg.AssetsDefinition):
            continue
        for key, spec in a.specs_by_key.items():
            if key.path[-1] in SCHEMAS and a.get_io_manager_key_for_asset_key(key) == "io_manager":
                assert spec.metadata.get(TABLE_METADATA_KEY) is not None, f"{key.to_user_string()} does not declare its table"
            table = declared_table(key, spec.metadata)
            if table is not None:
                if SCHEMAS[table].primary_key:
                    keyed.add(key)
    assert len(keyed) > 40
    checks = {spec.key: spec for c in defs.asset_checks or [] for spec in c.check_specs}
    for key in keyed:
        check = dg.AssetCheckKey(key, PRIMARY_KEY_CHECK.format(table=key.path[-1]))
        assert check in checks and checks[check].blocking, f"{key.to_user_string()} has no blocking primary-key check"


YEARS = dg.StaticPartitionsDefinition(["2014", "2015"])


def _venues(planted: dict[str, pd.DataFrame]):
    """A partitioned table asset holding ``raw_venues`` under another name (the metadata says which
    table), a downstream asset, and the generated checks."""

    @dg.asset(name="some_venues", partitions_def=YEARS, backfill_policy=dg.BackfillPolicy.single_run(),
              **{k: v for k, v in table_asset_args("raw_venues", "test").items() if k != "group_name"})
    def some_venues(context: dg.AssetExecutionContext) -> dict:
        return {k: planted[k] for k in context.partition_keys}

    @dg.asset(deps=[some_venues], partitions_def=YEARS, backfill_policy=dg.BackfillPolicy.single_run())
    def downstream() -> dict:
        return {}

    return [some_venues, downstream, *primary_key_checks([some_venues])]


def _venue_frame(ids: list) -> pd.DataFrame:
    return pd.DataFrame({"venue_type": ["journal"] * len(ids), "venue_id": ids, "display_name": "J", "issn_l": None,
                         "extra": 1})


def _run(defs_list, tmp_path):
    return dg.materialize(
        defs_list, resources={"io_manager": ParquetIOManager(base_dir=str(tmp_path))}, instance=dg.DagsterInstance.ephemeral(),
        tags={"dagster/asset_partition_range_start": "2014", "dagster/asset_partition_range_end": "2015"}, raise_on_error=False,
        selection=[dg.AssetKey("some_venues")],
    )


def test_a_planted_duplicate_or_null_key_fails_the_generated_check(tmp_path):
    good = {"2014": _venue_frame(["S1", "S2"]), "2015": _venue_frame(["S1", "S3"])}  # a key may recur in another partition
    result = _run(_venues(good), tmp_path)
    [evaluation] = result.get_asset_check_evaluations()
    assert evaluation.passed and evaluation.check_name == "some_venues_primary_key_unique"
    stored = pd.read_parquet(tmp_path / "some_venues" / "2015.parquet")
    assert list(stored.columns) == SCHEMAS["raw_venues"].names, "the IO manager wrote the declared columns in order"
    assert str(stored["venue_id"].dtype) == "string"

    bad = {"2014": _venue_frame(["S1", "S2"]), "2015": _venue_frame(["S1", "S3", "S3", None])}
    result = _run(_venues(bad), tmp_path / "bad")
    [evaluation] = result.get_asset_check_evaluations()
    meta = {k: v.value for k, v in evaluation.metadata.items()}
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert meta["duplicate_key_rows"] == 2 and meta["null_key_rows"] == 1 and meta["rows"] == 6
    assert meta["failing_partitions"] == ["2015"] and meta["partition"] == "2014-2015"
    assert {"partition": "2015", "venue_id": "S3"} in meta["examples"] and {"partition": "2015", "venue_id": None} in meta["examples"]


def test_the_check_blocks_downstream_assets(tmp_path):
    bad = {k: _venue_frame(["S1", "S1"]) for k in ("2014", "2015")}
    assets = _venues(bad)
    result = dg.materialize(
        assets, resources={"io_manager": ParquetIOManager(base_dir=str(tmp_path))}, instance=dg.DagsterInstance.ephemeral(),
        tags={"dagster/asset_partition_range_start": "2014", "dagster/asset_partition_range_end": "2015"}, raise_on_error=False,
    )
    assert not result.get_asset_check_evaluations()[0].passed
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert materialized == {"some_venues"}, "downstream of a failed blocking check does not run"


def test_a_wrong_dtype_written_through_the_io_manager_names_the_table_and_column(tmp_path):
    declared = {k: v for k, v in table_asset_args("out_lifesci_yearly_counts", "test").items() if k != "group_name"}

    @dg.asset(name="yearly_counts", **declared)
    def counts() -> pd.DataFrame:
        return pd.DataFrame({"year": ["2015", "twenty"], "articles": 1, "pubmed": 1, "openalex": 0, "both": 0})

    io = ParquetIOManager(base_dir=str(tmp_path))
    with pytest.raises(SchemaError, match=r"yearly_counts: out_lifesci_yearly_counts\.year: cannot cast to Int16"):
        dg.materialize([counts], resources={"io_manager": io}, instance=dg.DagsterInstance.ephemeral())
    assert not (tmp_path / "yearly_counts.parquet").exists(), "nothing written"

    @dg.asset(name="yearly_counts", **declared)
    def short() -> pd.DataFrame:
        return pd.DataFrame({"year": [2015], "articles": [1]})

    with pytest.raises(SchemaError, match=r"yearly_counts: out_lifesci_yearly_counts: missing column\(s\) \['pubmed', 'openalex', 'both'\]"):
        dg.materialize([short], resources={"io_manager": io}, instance=dg.DagsterInstance.ephemeral())

    @dg.asset(name="out_lifesci_yearly_counts")
    def stand_in() -> pd.DataFrame:  # a test's stand-in named like a table, declaring none: written as given
        return pd.DataFrame({"anything": ["goes"]})

    dg.materialize([stand_in], resources={"io_manager": io}, instance=dg.DagsterInstance.ephemeral())
    assert pd.read_parquet(tmp_path / "out_lifesci_yearly_counts.parquet")["anything"].tolist() == ["goes"]


def _counter_oracle(rows: list[tuple]) -> tuple[int, int, list[tuple]]:
    """Null-key rows, duplicated-key rows and the examples, counted by hand with a Counter."""
    null_rows = [r for r in rows if any(v is None for v in r)]
    counts = Counter(r for r in rows if all(v is not None for v in r))
    repeated = list(dict.fromkeys(r for r in rows if counts.get(r, 0) > 1))
    return len(null_rows), sum(counts[k] for k in repeated), (null_rows + repeated)[:KEY_EXAMPLES]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_key_violations_agree_with_a_counter(seed):
    rng = np.random.default_rng(seed)
    n = 400
    ids = [None if rng.random() < 0.02 else f"W{v}" for v in rng.integers(0, 150, n)]
    seqs = [None if rng.random() < 0.01 else int(v) for v in rng.integers(0, 4, n)]
    df = pd.DataFrame({"work_id": pd.array(ids, dtype="string"), "seq": pd.array(seqs, dtype="Int16"), "other": range(n)})
    for key in (["work_id"], ["work_id", "seq"]):
        rows = list(zip(*(df[c].astype(object).where(df[c].notna(), None) for c in key)))
        nulls, dups, examples = key_violations(df, key)
        want_nulls, want_dups, want_examples = _counter_oracle(rows)
        assert (nulls, dups) == (want_nulls, want_dups) and dups > 0
        assert [tuple(e[c] for c in key) for e in examples] == want_examples
    unique = df.drop_duplicates("other")
    assert key_violations(unique, ["other"]) == (0, 0, [])
    assert key_violations(pa.Table.from_pandas(df, preserve_index=False), ["work_id", "seq"]) == key_violations(df, ["work_id", "seq"])
