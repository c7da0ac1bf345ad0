"""IO managers: one file per asset partition, written atomically (parquet tables, pickled models).

The tables a step writes together (a multi-asset partition) are published together, as one
version of their group; see ``warehouse_files`` for the layout and the clean-up of leftovers.
A step may cover a range of partitions (a single-run backfill: ``dg.BackfillPolicy``); its output
is then ``{partition_key: table}`` and each partition goes to its own file, as a one-partition run
would write it, so readers of one partition never see the difference.
``base_dir`` is a local folder or a URL (``s3://``, ``gs://``, ``file://``, ``memory://``) read through
fsspec, for workers on several machines (a group's version is then named by a pointer object).

CSV copies (``ParquetIOManager.csv_copies``): a table may also be written as CSV beside its parquet
(``<asset>/<partition>.csv``), for spreadsheets, R (bibliometrix) and Gephi's spreadsheet import.
**Choice**: done here, where the table is written, so a CSV is never older than its parquet by more
than the one step that writes both (a failed step fails its run), and a table of a multi-asset gets
its CSV in the same version folder, published with it. By default only the ``out_*`` tables (the
results) get one, and only up to ``CSV_MAX_ROWS`` rows: a spreadsheet opens no more (Excel's sheet
holds 1,048,576 rows), and the ``raw_*``/``core_*`` tables of a real snapshot would double the
warehouse; nor do the ``out_*`` tables declared without one (``TableSchema.csv_copy``: the gravity
models' observations, every ordered city pair of a year: 1.4 GB of CSV at the paper's scale).
``all`` writes every table, ``none`` none; a table over the limit or outside the choice has no CSV
(one left by an earlier run is removed). ``aigeo export --format csv`` writes them for any table
afterwards.

Schemas: a table asset declaring its table of ``aigeo_assets.schemas`` (definition metadata
``TABLE_METADATA_KEY``, which ``assets.metadata.table_asset_args`` sets for every table asset) is
conformed on every write: exactly its declared columns, in order, cast to their dtypes, each coded
column's values among its field's allowed values (and no null where the field allows none), or a
``SchemaError`` naming the asset, the table, the column (and for values: how many rows, the first
few values), before anything is written. This is the one place a table's schema is enforced; assets
and the core functions they call return frames holding at least the declared columns."""

from __future__ import annotations

import errno
import functools
import os
import pickle
import shutil
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import nullcontext
from pathlib import Path

import dagster as dg
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pydantic import Field, PrivateAttr

from aigeo_assets.schemas import SCHEMAS, SchemaError, TableBatches, TableFile, concat_partitions, conform, write_parquet
from aigeo_assets.resources.warehouse_files import (
    Link,
    current_version,
    SweepReport,
    group_dir,
    group_locator,
    is_url,
    new_version_name,
    publish,
    publish_objects,
    resolve_object_table,
    resolve_table,
    resolve_tables,
    staged_names,
    staging_dir,
    sweep,
    sweep_group,
    table_file_name,
    warehouse_root,
    write_atomic,
    write_object_atomic,
)

__all__ = [
    "CSV_COPIES",
    "CSV_MAX_ROWS",
    "IN_BATCHES",
    "LOAD_ON_ACCESS",
    "LazyPartitions",
    "TABLE_METADATA_KEY",
    "ParquetIOManager",
    "PickleIOManager",
    "by_partition",
    "concat_partitions",
    "partition_batches",
    "declared_table",
    "current_table_paths",
    "table_path",
    "wants_csv",
    "write_atomic",
    "write_csv",
    "write_parquet_atomic",
]

_handled_outputs: dict[tuple[str, str, int], set[str]] = {}
"""Outputs of a multi-output step handled so far, by (group folder, run id, attempt): all of one
step's outputs are handled in the step's process, so memory is enough to know when the last
selected one arrives. A step that leaves a selected optional output out publishes nothing (its
staged tables are swept later): to keep a table as it is, yield ``Output(None)`` for it."""

_object_versions: dict[tuple[str, str, int], str] = {}
"""On object storage: the version folder a step's outputs go to, by (group, run id, attempt)."""

SWEEP_EVERY_SECONDS = 300.0
"""A process that executes many runs (``aigeo run``'s workers) sweeps a warehouse at most this often:
the sweep walks every file, and leftovers of a killed writer harm nobody until the next one."""
_last_sweep: dict[str, float] = {}

LOAD_ON_ACCESS = "load_on_access"
"""Input metadata flag (``dg.AssetIn(metadata={LOAD_ON_ACCESS: True})``): several partitions come as a
``LazyPartitions`` that reads a partition when it is looked up, so a step over a range of years can
hold one year's input at a time instead of every year's at once."""


IN_BATCHES = "in_batches"
"""Input metadata flag (``dg.AssetIn(metadata={IN_BATCHES: True})``): as ``LOAD_ON_ACCESS``, one
partition too comes as a ``LazyPartitions``, and :func:`partition_batches` reads a partition's file a
batch of rows at a time (issue 13: a recent year of the real snapshot's references, about 200 M rows,
is never held whole)."""


ROWS = "rows"
"""Input metadata (``dg.AssetIn(metadata={ROWS: [(column, op, value), ...]})``): only the rows that
meet every condition are read (pyarrow's ``filters``; a null never meets one), so an asset that uses
a small share of a large table does not hold the rest (issue 13: the migration assets read the
AI scientists' rows of ``core_author_years``, a quarter of its 14.6 M rows at the paper's scale).
Rows chosen by values known only when the step runs (the citations of its articles) are given at
the read: :func:`partition_rows`."""


TABLE_METADATA_KEY = "aigeo/table"
"""Definition metadata naming the declared table (``schemas.SCHEMAS``) an asset holds, when its name
is not the table's (e.g. ``raw_quarantine`` holds a ``quarantine`` table)."""


def declared_table(asset_key: dg.AssetKey, metadata: Mapping | None) -> str | None:
    """The declared table an output holds: its metadata's ``TABLE_METADATA_KEY``; None for an asset
    that declares none (written as given: a test's stand-in for an upstream table, a free-form frame)."""
    table = (metadata or {}).get(TABLE_METADATA_KEY)
    if table is None:
        return None
    table = getattr(table, "value", table)  # a MetadataValue.text once Dagster has normalized it
    if table not in SCHEMAS:
        raise KeyError(f"{asset_key.to_user_string()}: metadata {TABLE_METADATA_KEY}={table!r} is not a declared table")
    return table


def write_parquet_atomic(df: pd.DataFrame, path: Path) -> None:
    write_atomic(path, lambda tmp: write_parquet(df, tmp))


CSV_COPIES = ("out", "all", "none")
"""Which tables get a CSV copy beside their parquet: the ``out_*`` tables (default), every table, none."""
CSV_MAX_ROWS = 1_048_575
"""Rows of the largest table copied as CSV by default: what one spreadsheet sheet holds below its header."""


def wants_csv(asset: str | dg.AssetKey, rows: int, copies: str = "out", max_rows: int | None = CSV_MAX_ROWS,
              table: str | None = None) -> bool:
    """Whether a table ``asset`` of ``rows`` rows (holding the declared table ``table``, if any) gets a
    CSV copy under the choice ``copies``: ``out`` leaves out the tables declared without one
    (``TableSchema.csv_copy``: a model's observations, every ordered city pair of a year)."""
    if copies not in CSV_COPIES:
        raise ValueError(f"csv_copies={copies!r}: choose from {list(CSV_COPIES)}")
    name = asset.path[-1] if isinstance(asset, dg.AssetKey) else str(asset).rsplit("/", 1)[-1]
    result = name.startswith("out_") and (table is None or SCHEMAS[table].csv_copy)
    chosen = copies == "all" or (copies == "out" and result)
    return chosen and (max_rows is None or rows <= max_rows)


def write_csv(df: pd.DataFrame, fh_or_path) -> None:
    """A table as CSV: a header line, comma-separated, no index, UTF-8, missing values empty, strings,
    booleans (``"True"``/``"False"``), floats and names quoted, a float in the fewest digits that read
    back as the same number and with ``.0`` when whole (as ``repr``). Written by Arrow's CSV writer: pandas' took ten times the CPU (issue
    13: the paper world's copies, 360 MB; ``out_lifesci_articles`` 2.68 -> 0.17 CPU-s)."""
    import pyarrow.csv as pcsv  # here: only the CSV copies need it

    # one chunk a column: Arrow 23's writer repeats a row where the columns' chunks do not line up and
    # one is empty (a table concatenated from per-model pieces, one of them empty, on the real records)
    table = pa.Table.from_pandas(df, preserve_index=False).combine_chunks()
    for i, column in enumerate(table.schema):
        values = table.column(i)
        if pa.types.is_boolean(column.type):  # as pandas writes them (Arrow: true/false); null stays empty
            table = table.set_column(i, column.name, pc.if_else(values, "True", "False"))
        elif pa.types.is_floating(column.type):
            # a whole number with its ".0", as pandas writes it (Arrow: "1"), so that a column of whole
            # numbers reads back as floats, not integers (seen on the real records' shares and matrices)
            text = pc.cast(values, pa.string())
            whole = pc.fill_null(pc.match_substring_regex(text, r"^-?[0-9]+$"), False)
            table = table.set_column(i, column.name, pc.if_else(whole, pc.binary_join_element_wise(text, ".0", ""), text))
    pcsv.write_csv(table, fh_or_path)


def _write_pickle(obj, tmp: Path) -> None:
    with open(tmp, "wb") as fh:
        pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)


def table_path(base_dir: Path | str, asset: str | dg.AssetKey, partition: str | None = None, suffix: str = ".parquet") -> Path:
    """The user-facing path of a table: ``<base_dir>/<asset>/<partition><suffix>`` or ``<base_dir>/<asset><suffix>``
    (a symlink into the current version when the table belongs to a multi-asset)."""
    key = asset if isinstance(asset, dg.AssetKey) else dg.AssetKey.from_user_string(asset)
    base = warehouse_root(base_dir).joinpath(*key.path)
    return base / f"{partition}{suffix}" if partition is not None else base.with_name(base.name + suffix)


def current_table_paths(base_dir: Path | str, assets: list[str], partition: str | None = None, suffix: str = ".parquet") -> dict[str, Path]:
    """The files holding the current version of ``assets`` (one partition), resolved together:
    tables written by one step come from the same version even if a run publishes a new one
    meanwhile. Read them with ``pd.read_parquet`` or DuckDB."""
    return resolve_tables({a: table_path(base_dir, a, partition, suffix) for a in assets})


class ParquetIOManager(dg.ConfigurableIOManager):
    """Stores DataFrames as ``<base_dir>/<asset>/<partition>.parquet`` (``<asset>.parquet`` unpartitioned).

    A step with several outputs stored here (or by another manager of this family on the same
    ``base_dir``) stages them and publishes them as one version when its last output arrives, so
    a kill between two outputs leaves every table of the partition as it was. Loading reads the
    group's current version once per step. At start-up, leftovers of killed writers are removed.

    Loading several upstream partitions gives a ``{partition_key: DataFrame}`` dict
    (``concat_partitions`` turns either form into one frame).
    """

    base_dir: str = Field(description=(
        "The warehouse: a local folder or an fsspec URL such as s3://bucket/aigeo (AIGEO_WAREHOUSE_URL, default "
        "<data>/warehouse)"))
    keep_superseded_seconds: float = Field(
        default=600.0,
        description="how long a version replaced by a newer one stays on disk for readers that resolved it just before",
    )
    csv_copies: str = Field(
        default="out",
        description="which tables also get a CSV beside their parquet: out (the out_* tables, up to csv_max_rows rows), all, none",
    )
    csv_max_rows: int = Field(default=CSV_MAX_ROWS, description="tables with more rows get no CSV copy (what a spreadsheet sheet holds)")

    _pins: dict = PrivateAttr(default_factory=dict)
    _group_ops: dict = PrivateAttr(default_factory=dict)

    @property
    def suffix(self) -> str:
        return ".parquet"

    @property
    def stores_any_value(self) -> bool:
        """False: only tables, so a dict output is always ``{partition: table}``."""
        return False

    @property
    def on_object_storage(self) -> bool:
        """Whether ``base_dir`` is a URL (fsspec) rather than a local folder."""
        return is_url(self.base_dir)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        if self.on_object_storage:  # no pids to tell abandoned writes from live ones: versions are swept by age on publish
            return
        now = time.monotonic()
        if now - _last_sweep.get(self._location(), -SWEEP_EVERY_SECONDS) < SWEEP_EVERY_SECONDS:
            return
        _last_sweep[self._location()] = now
        report = sweep(Path(self.base_dir), self.keep_superseded_seconds)
        if report.removed() and context.log is not None:
            context.log.info(
                f"warehouse clean-up: removed {len(report.temp_files)} temporary files and {len(report.staging)} "
                f"staging folders left by killed writers, {len(report.superseded)} superseded versions"
            )

    def _path(self, asset_key: dg.AssetKey, partition: str | None, suffix: str | None = None) -> Path:
        return table_path(self.base_dir, asset_key, partition, suffix or self.suffix)

    def _write(self, obj, path: Path, context: dg.OutputContext):
        """Store ``obj`` at ``path`` atomically; returns what is stored there (a ``TableBatches``
        becomes the ``TableFile`` it was written to)."""
        if isinstance(obj, TableFile):
            self._adopt(obj, path, context)
            return obj
        if isinstance(obj, TableBatches):
            return self._write_batches(obj, path, context)
        if not isinstance(obj, pd.DataFrame):
            raise TypeError(f"{context.asset_key.to_user_string()}: ParquetIOManager stores DataFrames, got {type(obj).__name__}")
        if self.on_object_storage:
            write_object_atomic(path, lambda fh: write_parquet(obj, fh))
        else:
            write_parquet_atomic(obj, path)
        return obj

    def _write_batches(self, obj: TableBatches, path: Path, context: dg.OutputContext) -> TableFile:
        """A table given in pieces (``schemas.TableBatches``), written a piece at a time into the
        temporary file that becomes ``path``."""
        table = declared_table(context.asset_key, context.definition_metadata)
        if table is not None and table != obj.table:
            raise SchemaError(f"{context.asset_key.to_user_string()}: declared {table!r}, given pieces of {obj.table!r}")
        done: list[TableFile] = []
        if self.on_object_storage:
            write_object_atomic(path, lambda fh: done.append(obj.write(fh)))
        else:
            write_atomic(path, lambda tmp: done.append(obj.write(tmp)))
        written = done[0]
        written.path = path
        if obj.written is not None:
            obj.written(written)
        return written

    def _adopt(self, obj: TableFile, path: Path, context: dg.OutputContext) -> None:
        """A table the asset wrote itself, a piece at a time (``schemas.TableFileWriter``): its file
        is moved into place (renamed on the same file system, else copied and renamed), after its
        schema is checked against the declared table's."""
        table = declared_table(context.asset_key, context.definition_metadata)
        if table is not None and table != obj.table:
            raise SchemaError(f"{context.asset_key.to_user_string()}: declared {table!r}, given a file of {obj.table!r}")
        stored = pq.read_schema(obj.path)
        want = pa.Schema.from_pandas(obj.head, preserve_index=False)
        if not stored.equals(want, check_metadata=False):
            raise SchemaError(f"{context.asset_key.to_user_string()}: {obj.path.name} holds {stored}, not {obj.table}'s {want}")
        if self.on_object_storage:  # the local file stays where the asset wrote it (its CSV copy reads it) until the asset removes it
            with obj.path.open("rb") as src:
                write_object_atomic(path, lambda fh: shutil.copyfileobj(src, fh, 1 << 22))
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(obj.path, path)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            write_atomic(path, lambda tmp: shutil.copyfile(obj.path, tmp))
            obj.path.unlink()
        obj.path = path

    def _load(self, path: Path, columns: list[str] | None = None, rows: list[tuple] | None = None):
        filters = [tuple(r) for r in rows] if rows else None
        if self.on_object_storage:
            with path.open("rb") as fh:
                return pd.read_parquet(fh, columns=columns, filters=filters)
        return pd.read_parquet(path, columns=columns, filters=filters)

    def _frame(self, obj: pd.DataFrame | TableFile) -> pd.DataFrame:
        """A table as a DataFrame: a table written to its file is read back (local or on object storage)."""
        return self._load(obj.path) if isinstance(obj, TableFile) else obj

    def _wants_csv(self, context: dg.OutputContext, obj) -> bool:
        table = declared_table(context.asset_key, context.definition_metadata)
        return (self.suffix == ".parquet" and isinstance(obj, (pd.DataFrame, TableFile))
                and wants_csv(context.asset_key, len(obj), self.csv_copies, self.csv_max_rows, table))

    def _write_csv_copy(self, obj, path: Path, context: dg.OutputContext) -> bool:
        """The CSV copy of a table written at ``path`` (atomically), if ``csv_copies`` wants one; else
        an older copy there is removed, so no CSV ever disagrees with its parquet. Returns whether one
        was written."""
        if not self._wants_csv(context, obj):
            if self.suffix == ".parquet" and path.exists():
                path.unlink()
            return False
        if self.on_object_storage:
            write_object_atomic(path, lambda fh: write_csv(self._frame(obj), fh))
        else:
            write_atomic(path, lambda tmp: write_csv(self._frame(obj), tmp))
        return True

    def _group_members(self, context: dg.OutputContext) -> dict[str, tuple[dg.AssetKey, str]] | None:
        """The step's asset outputs stored by managers of this family on this ``base_dir``
        (output name -> asset key, suffix); None for a single-output step."""
        try:
            step = context.step_context
            keys = step.assets_def.node_keys_by_output_name  # every output of the op, selected in this run or not
        except Exception:  # built outside a step (tests, load_asset_value) or an op that is not an asset
            return None
        mine = self._location()
        members = {}
        for out in context.op_def.output_defs:
            key = keys.get(out.name)
            if key is None:
                continue
            try:
                manager = getattr(step.resources, out.io_manager_key)
            except Exception:
                continue
            if isinstance(manager, ParquetIOManager) and manager._location() == mine:
                members[out.name] = (key, manager.suffix)
        return members if len(members) > 1 else None

    def _location(self) -> str:
        return self.base_dir.rstrip("/") if self.on_object_storage else str(Path(self.base_dir).resolve())

    def _partitions_of_output(self, context: dg.OutputContext, obj) -> list[str | None] | None:
        """The partitions ``obj`` holds one value each of (None: ``obj`` is the one partition's value).
        A step over several partitions gives a mapping keyed by exactly those partitions (a
        ``LazyPartitions`` computes each value when it is written, so the step holds one at a time);
        a one-partition step gives the value, or (tables only) a one-key mapping as well, which is
        what a range-aware asset returns for a range of one."""
        if not context.has_asset_partitions:
            return None
        keys = list(context.asset_partition_keys)
        name = context.asset_key.to_user_string()
        several = len(keys) > 1
        if isinstance(obj, LazyPartitions) or (isinstance(obj, Mapping) and (several or not self.stores_any_value)):
            if sorted(obj) != sorted(keys):
                raise ValueError(
                    f"{name}: a run over partitions {keys[0]}..{keys[-1]} must give one value per partition, "
                    f"got keys {sorted(obj)[:5]}{'...' if len(obj) > 5 else ''} (missing: {sorted(set(keys) - set(obj))[:5]}, "
                    f"extra: {sorted(set(obj) - set(keys))[:5]})"
                )
            return keys
        if several:
            raise TypeError(
                f"{name}: a run over {len(keys)} partitions ({keys[0]}..{keys[-1]}) must give {{partition_key: value}}, "
                f"got {type(obj).__name__}"
            )
        return None

    def handle_output(self, context: dg.OutputContext, obj) -> None:
        split = self._partitions_of_output(context, obj)
        members = self._group_members(context)
        for partition in split or [context.asset_partition_key if context.has_asset_partitions else None]:
            value = self._conform(context, obj if split is None else obj[partition])  # one partition's value at a time
            if members is None:
                if value is not None:
                    value = self._write(value, self._path(context.asset_key, partition), context)
                    self._write_csv_copy(value, self._path(context.asset_key, partition, ".csv"), context)
            else:
                self._handle_group_output(context, value, partition, members)
            del value

    def _conform(self, context: dg.OutputContext, value):
        """``value`` conformed to its declared table (``declared_table``); other values as they are."""
        if not isinstance(value, pd.DataFrame) or self.suffix != ".parquet":
            return value
        table = declared_table(context.asset_key, context.definition_metadata)
        if table is None:
            return value
        try:
            return conform(value, table)
        except SchemaError as exc:
            raise SchemaError(f"{context.asset_key.to_user_string()}: {exc}") from exc

    def _handle_group_output(self, context: dg.OutputContext, obj, partition: str | None, members: dict) -> None:
        """One partition of one output of a multi-output step: staged, and the partition's group
        published when the step's last selected output has arrived."""
        step = context.step_context
        group = group_dir(warehouse_root(self.base_dir), context.op_def.name, partition)
        attempt = step.previous_attempt_count
        links = {
            name: Link(self._path(key, partition, suffix), table_file_name(key.path, suffix).as_posix())
            for name, (key, suffix) in members.items()
        }
        csv_links = {  # a parquet member's CSV copy: part of the group's version like its parquet
            name: Link(self._path(key, partition, ".csv"), table_file_name(key.path, ".csv").as_posix())
            for name, (key, suffix) in members.items()
            if suffix == ".parquet"
        }
        if self.on_object_storage:
            self._handle_object_group_output(context, obj, group, attempt, links, members, csv_links)
            return
        staging = staging_dir(group, context.run_id, attempt)
        if obj is not None:
            obj = self._write(obj, staging / links[context.name].table, context)
            if context.name in csv_links and self._wants_csv(context, obj):
                write_atomic(staging / csv_links[context.name].table, lambda tmp: write_csv(self._frame(obj), tmp))
            if isinstance(obj, TableFile):  # the step's output value names the table where readers find it once published
                obj.path = links[context.name].path
        handled = _handled_outputs.setdefault((str(group), context.run_id, attempt), set())
        handled.add(context.name)
        if set(members) & set(step.selected_output_names) <= handled:
            del _handled_outputs[(str(group), context.run_id, attempt)]
            version = publish(group, staging, [*links.values(), *self._csv_links_to_publish(group, staging, csv_links)], context.run_id)
            sweep_group(group, Path(self.base_dir), SweepReport(), time.time(), self.keep_superseded_seconds)
            context.log.debug(f"{context.op_def.name}: published {sorted(staged_names(version))} together as {version.name}")

    def _csv_links_to_publish(self, group: Path, staging: Path, csv_links: dict[str, Link]) -> list[Link]:
        """The CSV copies the new version holds: those staged now, and those of tables not written by
        this step (carried over by ``publish`` with their parquet). A table staged without its CSV
        (over the limit, or not chosen) loses the copy its previous version had: its user-facing
        ``.csv`` link is removed."""
        staged = staged_names(staging)
        keep = []
        for name, link in csv_links.items():
            parquet = link.table[: -len(".csv")] + ".parquet"
            if link.table in staged or parquet not in staged:
                keep.append(link)
            elif os.path.lexists(link.path):
                link.path.unlink()
        previous = current_version(group)
        return [link for link in keep if link.table in staged or (previous is not None and (previous / link.table).exists())]

    def _handle_object_group_output(
        self, context: dg.OutputContext, obj, group, attempt: int, links: dict, members: dict, csv_links: dict
    ) -> None:
        """A multi-output step on object storage: its tables go straight into a new version folder
        (no rename there), published by one write of the group's pointer when the last arrives."""
        scope = (str(group), context.run_id, attempt)
        version = group / _object_versions.setdefault(scope, new_version_name(context.run_id))
        if obj is not None:
            obj = self._write(obj, version / links[context.name].table, context)
            if context.name in csv_links and self._wants_csv(context, obj):
                write_object_atomic(version / csv_links[context.name].table, lambda fh: write_csv(self._frame(obj), fh))
        handled = _handled_outputs.setdefault(scope, set())
        handled.add(context.name)
        if set(members) & set(context.step_context.selected_output_names) <= handled:
            del _handled_outputs[scope], _object_versions[scope]
            copies = []
            for link in csv_links.values():  # as _csv_links_to_publish: a table written without its CSV loses the old one
                if (version / link.table).exists() or not (version / (link.table[: -len(".csv")] + ".parquet")).exists():
                    copies.append(link)
                elif link.path.exists():
                    link.path.unlink()
            publish_objects(group, version, [*links.values(), *copies])
            context.log.debug(f"{context.op_def.name}: published {sorted(links)} together as {version.name}")

    def load_input(self, context: dg.InputContext):
        """The table (or ``{partition: table}`` for several partitions, a ``LazyPartitions`` when the
        input's metadata sets ``LOAD_ON_ACCESS``); an input whose metadata names ``columns``
        (``dg.AssetIn(metadata={"columns": [...]})``) reads only those, one that sets ``ROWS`` only
        the rows that meet it."""
        key = context.asset_key
        pins = self._pins_for(context)
        group_op = self._group_op(key) if self.on_object_storage else None
        columns = (context.definition_metadata or {}).get("columns")
        declared = list((context.definition_metadata or {}).get(ROWS) or [])

        def read(path: Path, key: dg.AssetKey, partition: str | None = None, where: Sequence[tuple] = (),
                 batch_rows: int | None = None, batch_columns: Sequence[str] | None = None):
            rows = [*declared, *where]
            wanted = list(batch_columns) if batch_columns is not None else list(columns) if columns else None
            return self._read(path, key, partition, pins=pins, group_op=group_op, columns=wanted, rows=rows or None,
                              batch_rows=batch_rows)

        if not context.has_asset_partitions:
            return read(self._path(key, None), key)
        keys = context.asset_partition_keys
        in_batches = bool((context.definition_metadata or {}).get(IN_BATCHES))
        if len(keys) == 1 and not in_batches:
            return read(self._path(key, keys[0]), key, keys[0])
        if in_batches or (context.definition_metadata or {}).get(LOAD_ON_ACCESS):
            return LazyPartitions({k: functools.partial(read, self._path(key, k), key, k) for k in keys})
        return {k: read(self._path(key, k), key, k) for k in keys}

    def read_table(self, asset_key: dg.AssetKey, partition: str | None = None, columns: list[str] | None = None):
        """The current version of one stored table (one partition), only ``columns`` if given: what a
        check reads after the step that wrote it. ``FileNotFoundError`` when it was never written."""
        group_op = self._group_op(asset_key) if self.on_object_storage else None
        return self._read(self._path(asset_key, partition), asset_key, partition, pins={}, group_op=group_op, columns=columns)

    def _group_op(self, key: dg.AssetKey) -> str | None:
        """On object storage, the op whose group holds the table ``key`` (None: a single-output table)."""
        table = table_file_name(key.path, self.suffix).as_posix()
        if table not in self._group_ops:
            locator = group_locator(warehouse_root(self.base_dir), table)
            self._group_ops[table] = locator.read_text() if locator.exists() else None
        return self._group_ops[table]

    def _pins_for(self, context: dg.InputContext) -> dict:
        """Versions already chosen by this step: its inputs from one group come from one version."""
        try:
            step = context.step_context
            scope = (step.run_id, step.step.key)
        except Exception:
            return {}
        return self._pins.setdefault(scope, {})

    def _read(
        self, path: Path, key: dg.AssetKey, partition: str | None = None, pins: dict | None = None,
        group_op: str | None = None, columns: list[str] | None = None, rows: list[tuple] | None = None,
        batch_rows: int | None = None,
    ):
        if not path.exists():
            where = f" partition {partition}" if partition else ""
            raise FileNotFoundError(f"{key.to_user_string()}{where} has not been materialized ({path} is missing)")
        if self.on_object_storage:
            if group_op is not None:
                group = group_dir(warehouse_root(self.base_dir), group_op, partition)
                path = resolve_object_table(path, group, table_file_name(key.path, self.suffix).as_posix(), pins)
        else:
            path = resolve_table(path, pins)
        if batch_rows is not None:
            if rows:
                raise ValueError(f"{key.to_user_string()}: an input read in batches takes no row conditions")
            return self._load_batches(path, columns, batch_rows)
        return self._load(path, columns, rows)

    def _load_batches(self, path: Path, columns: list[str] | None, batch_rows: int) -> Iterator[pd.DataFrame]:
        """The table at ``path`` about ``batch_rows`` rows at a time, in row order, each as ``_load``
        gives the whole (the same dtypes: pandas' metadata is in the file's schema)."""
        with (path.open("rb") if self.on_object_storage else nullcontext(path)) as source:
            yield from parquet_batches(pq.ParquetFile(source), columns, batch_rows)


class PickleIOManager(ParquetIOManager):
    """Stores any Python value (fitted models: ``CountResult`` and friends, which keep estimates,
    not data) as ``<base_dir>/<asset>[/<partition>].pkl``, atomically. Read them back with
    ``pickle.load`` or Dagster's ``load_asset_value``."""

    @property
    def suffix(self) -> str:
        return ".pkl"

    @property
    def stores_any_value(self) -> bool:
        """True: a dict is a value like any other, read as ``{partition: value}`` only when the step
        covers several partitions."""
        return True

    def _write(self, obj, path: Path, context: dg.OutputContext):
        if self.on_object_storage:
            write_object_atomic(path, lambda fh: pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL))
        else:
            write_atomic(path, lambda tmp: _write_pickle(obj, tmp))
        return obj

    def _load(self, path: Path, columns: list[str] | None = None, rows: list[tuple] | None = None):
        with path.open("rb") as fh:
            return pickle.load(fh)


class LazyPartitions(Mapping):
    """``{partition: value}`` whose values are made when looked up (each lookup makes it again: take
    each once). As an input (``LOAD_ON_ACCESS``) it reads the partition's file, the version current
    when looked up, resolved with the step's other inputs of the same group (``ParquetIOManager``'s
    pins); as an output of a range run it computes each partition's table when the IO manager writes
    it, so the step holds one partition's table at a time."""

    def __init__(self, loaders: Mapping[str, Callable[..., object]]):
        self._loaders = dict(loaders)

    def __getitem__(self, partition: str):
        return self._loaders[partition]()

    def batches(self, partition: str, rows: int, columns: Sequence[str] | None = None) -> Iterator[pd.DataFrame]:
        """An input's partition read a batch of ``rows`` rows at a time (``columns`` only, if given)."""
        return self._loaders[partition](batch_rows=rows, batch_columns=columns)

    def where(self, partition: str, rows: Sequence[tuple]):
        """An input's partition read with only the rows that also meet ``rows`` (as ``ROWS``, given
        when reading: a value set known only then): the file is filtered as it is read, so memory
        holds the rows kept, not the partition."""
        return self._loaders[partition](where=rows)

    def __contains__(self, partition: object) -> bool:  # Mapping's would read the partition to find out
        return partition in self._loaders

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaders)

    def __len__(self) -> int:
        return len(self._loaders)

    def __repr__(self) -> str:
        keys = list(self._loaders)
        return f"LazyPartitions({keys[0]}..{keys[-1]}, {len(keys)} partitions)" if keys else "LazyPartitions()"


def by_partition(loaded, partitions: Sequence[str]) -> Mapping[str, object]:
    """``{partition: table}`` of an input that ``load_input`` gave for ``partitions``: one partition
    comes as the table itself, several as a dict or ``LazyPartitions``."""
    if isinstance(loaded, Mapping):
        return loaded
    if len(partitions) != 1:
        raise ValueError(f"one table for {len(partitions)} partitions ({list(partitions)[:3]}...)")
    return {partitions[0]: loaded}


def partition_rows(loaded, partition: str, rows: Sequence[tuple]) -> pd.DataFrame:
    """The rows of one partition of an input (``load_input``'s table, ``{partition: table}`` or
    ``LazyPartitions``) that meet ``rows`` (pyarrow's filters, as ``ROWS``; a null never meets one).
    An input read on access (``LOAD_ON_ACCESS``) reads only those rows from its file (issue 13: a
    real year's references and texts, GBs, of which a step keeps a few per cent); a table already
    loaded is filtered the same way."""
    if isinstance(loaded, LazyPartitions):
        return loaded.where(partition, rows)
    table = by_partition(loaded, [partition])[partition]
    arrow = pa.Table.from_pandas(table, preserve_index=False)
    return arrow.filter(pq.filters_to_expression([tuple(r) for r in rows])).to_pandas()


def parquet_batches(source: pq.ParquetFile, columns: list[str] | None, batch_rows: int) -> Iterator[pd.DataFrame]:
    """A parquet file's rows in order, about ``batch_rows`` at a time: whole row groups gathered until
    they hold ``batch_rows`` rows (read as they are stored: cutting the rows at other places copies
    every string, about 40 % more CPU on a year of citations), and a row group of more than twice
    ``batch_rows`` rows cut into batches of ``batch_rows``."""

    def read(groups: list[int]) -> pd.DataFrame:
        return source.read_row_groups(groups, columns=columns, use_threads=False).to_pandas()

    groups: list[int] = []
    gathered = 0
    for i in range(source.metadata.num_row_groups):
        rows = source.metadata.row_group(i).num_rows
        if rows > 2 * batch_rows:
            if groups:
                yield read(groups)
                groups, gathered = [], 0
            for batch in source.iter_batches(batch_size=batch_rows, row_groups=[i], columns=columns, use_threads=False):
                yield pa.Table.from_batches([batch]).to_pandas()
            continue
        groups.append(i)
        gathered += rows
        if gathered >= batch_rows:
            yield read(groups)
            groups, gathered = [], 0
    if groups:
        yield read(groups)


def partition_batches(loaded, partition: str, rows: int, columns: Sequence[str] | None) -> Iterator[pd.DataFrame]:
    """One partition of an input, ``columns`` only (None: the input's), about ``rows`` rows at a time
    in row order: read from its file batch by batch when the input is read on access
    (``IN_BATCHES``: ``parquet_batches``), else sliced from the table already loaded."""
    if isinstance(loaded, LazyPartitions):
        yield from loaded.batches(partition, rows, columns)
        return
    table = by_partition(loaded, [partition])[partition]
    if columns is not None:
        table = table[list(columns)]
    for lo in range(0, len(table), rows):
        yield table.iloc[lo:lo + rows]


def iter_partitions(loaded: pd.DataFrame | Mapping[str, pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """The tables of what ``load_input`` gave for one or several partitions, one at a time in
    partition order (with ``LOAD_ON_ACCESS`` each is read when reached)."""
    if isinstance(loaded, pd.DataFrame):
        yield loaded
        return
    for k in sorted(loaded):
        yield loaded[k]
