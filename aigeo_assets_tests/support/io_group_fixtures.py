"""A multi-asset shaped like ``raw_works`` for the IO manager's tests: several tables of one year
(and a pickled model through the second manager), each row tagged with the generation (run) that
wrote it. ``die_after`` yields that many outputs then kills the process (``os._exit``),
``raise_after`` raises instead. A module, so a test can run it in a process it kills."""

import os
from collections.abc import Callable

import dagster as dg
import pandas as pd

YEARS = dg.TimeWindowPartitionsDefinition(start="2014", end="2017", cron_schedule="0 0 1 1 *", fmt="%Y")
TABLES = ("works", "authorships", "references")


class Generation(dg.Config):
    generation: int
    die_after: int = -1
    raise_after: int = -1


@dg.multi_asset(
    outs={
        **{t: dg.AssetOut(is_required=False) for t in TABLES},
        "model": dg.AssetOut(io_manager_key="model_io_manager", is_required=False),
    },
    partitions_def=YEARS,
    can_subset=True,
)
def year_tables(context: dg.AssetExecutionContext, config: Generation):
    selected = [t for t in (*TABLES, "model") if t in context.op_execution_context.selected_output_names]
    for i, name in enumerate(reversed(selected)):
        if i == config.die_after:
            os._exit(9)
        if i == config.raise_after:
            raise RuntimeError("killed between two outputs")
        value = {"generation": config.generation} if name == "model" else pd.DataFrame({"generation": [config.generation] * (i + 1)})
        yield dg.Output(value, output_name=name)


@dg.asset(partitions_def=YEARS)
def joined(works: pd.DataFrame, authorships: pd.DataFrame, references: pd.DataFrame) -> pd.DataFrame:
    """The generation of each table as one downstream step loaded it."""
    return pd.DataFrame({"table": list(TABLES), "generation": [int(f["generation"].iloc[0]) for f in (works, authorships, references)]})


def write_generation(base: str, generation: int, instance=None, selection=None, **config) -> dg.ExecuteInProcessResult:
    """Materialize ``year_tables[2015]`` as generation ``generation`` into the warehouse ``base``."""
    from aigeo_assets.resources.io import ParquetIOManager, PickleIOManager

    return dg.materialize(
        [year_tables],
        selection=selection,
        partition_key="2015",
        resources={"io_manager": ParquetIOManager(base_dir=str(base)), "model_io_manager": PickleIOManager(base_dir=str(base))},
        instance=instance or dg.DagsterInstance.ephemeral(),
        run_config={"ops": {"year_tables": {"config": {"generation": generation, **config}}}},
        raise_on_error=False,
    )


def generations_seen(base: str) -> dict[str, int]:
    """The generation of each table of ``year_tables[2015]`` as a user sees it: the usual path opened
    with pandas (a local folder or object storage), and the pickled model."""
    import pickle

    from aigeo_assets.resources.io import table_path

    seen = {t: int(pd.read_parquet(table_path(base, t, "2015").open("rb"))["generation"].iloc[0]) for t in TABLES}
    with table_path(base, "model", "2015", ".pkl").open("rb") as fh:
        seen["model"] = pickle.load(fh)["generation"]
    return seen


def joined_while_publishing(base: str, publish_generation_2: Callable[[], object]) -> dg.ExecuteInProcessResult:
    """Materialize ``joined[2015]`` from the warehouse ``base`` with an IO manager that calls
    ``publish_generation_2`` right after the first input is read: a concurrent run publishing the
    whole group between a step's inputs."""
    from aigeo_assets.resources.io import ParquetIOManager, PickleIOManager

    published = []

    class PublishingMidLoad(ParquetIOManager):
        def _load(self, path, columns=None, rows=None):
            frame = super()._load(path, columns, rows)
            if not published:
                published.append(publish_generation_2())
            return frame

    return dg.materialize(
        [year_tables, joined], selection=[joined], partition_key="2015",
        resources={"io_manager": PublishingMidLoad(base_dir=str(base)), "model_io_manager": PickleIOManager(base_dir=str(base))},
    )
