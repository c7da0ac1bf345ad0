"""The parquet IO manager's atomic writes and partition loading; the missing-institution quarantine."""


import dagster as dg
import pandas as pd
import pytest

from aigeo_assets.geo.geocode import unknown_institutions
from aigeo_assets.resources.io import ParquetIOManager, concat_partitions, write_parquet_atomic
from aigeo_assets.schemas import SCHEMAS, SchemaError, conform


def test_interrupted_write_keeps_the_previous_partition(tmp_path, monkeypatch):
    path = tmp_path / "core_papers" / "2015.parquet"
    write_parquet_atomic(pd.DataFrame({"a": [1, 2]}), path)

    def broken(self, target, **kwargs):
        with open(target, "wb") as fh:
            fh.write(b"PAR1 half a file")
        raise KeyboardInterrupt("killed mid-write")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", broken)
    with pytest.raises(KeyboardInterrupt):
        write_parquet_atomic(pd.DataFrame({"a": [3]}), path)
    monkeypatch.undo()
    assert pd.read_parquet(path)["a"].tolist() == [1, 2]
    assert [p.name for p in path.parent.iterdir()] == ["2015.parquet"], "no temporary file left behind"


def test_io_manager_round_trips_partitions_and_names_what_is_missing(tmp_path):
    years = dg.TimeWindowPartitionsDefinition(start="2014", end="2017", cron_schedule="0 0 1 1 *", fmt="%Y")

    @dg.asset(partitions_def=years)
    def numbers(context: dg.AssetExecutionContext) -> pd.DataFrame:
        return pd.DataFrame({"year": [int(context.partition_key)]})

    @dg.asset
    def total(numbers) -> pd.DataFrame:
        assert isinstance(numbers, dict) and sorted(numbers) == ["2014", "2015", "2016"]
        return concat_partitions(numbers)

    io = ParquetIOManager(base_dir=str(tmp_path))
    instance = dg.DagsterInstance.ephemeral()
    for y in ("2014", "2015"):
        dg.materialize([numbers], partition_key=y, resources={"io_manager": io}, instance=instance)
    with pytest.raises(Exception, match="numbers partition 2016 has not been materialized"):
        dg.materialize([numbers, total], selection=[total], resources={"io_manager": io}, instance=instance)
    dg.materialize([numbers], partition_key="2016", resources={"io_manager": io}, instance=instance)
    result = dg.materialize([numbers, total], selection=[total], resources={"io_manager": io}, instance=instance)
    assert result.output_for_node("total")["year"].tolist() == [2014, 2015, 2016]
    assert (tmp_path / "total.parquet").exists() and (tmp_path / "numbers" / "2015.parquet").exists()


def test_schema_errors_name_the_table_and_column():
    with pytest.raises(SchemaError, match="quarantine: missing column"):
        conform(pd.DataFrame({"file": ["x"]}), "quarantine")
    bad = pd.DataFrame({"file": ["f"], "line": ["seven"], "reason": ["r"], "detail": ["d"]})
    with pytest.raises(SchemaError, match=r"quarantine\.line"):
        conform(bad, "quarantine")


def test_authorships_naming_unknown_institutions_are_quarantined_not_dropped():
    auth = conform(
        pd.DataFrame(
            {
                "work_id": ["W1", "W1", "W2"],
                "author_seq": [0, 1, 0],
                "institution_id": ["I1", "I404", None],
            }
        ).reindex(columns=SCHEMAS["raw_authorships"].names),
        "raw_authorships",
    )
    inst = conform(pd.DataFrame({"institution_id": ["I1"]}).reindex(columns=SCHEMAS["core_institutions"].names), "core_institutions")
    q = unknown_institutions(auth, inst, "raw_authorships[2015]")
    assert q[["file", "line", "reason"]].values.tolist() == [["raw_authorships[2015]", 2, "institution_missing"]]
    assert "I404" in q.loc[0, "detail"]
