"""Asset metadata shared by every table asset: row count, column schema, preview; and the generated
primary-key checks (``primary_key_checks``)."""

from __future__ import annotations

import dagster as dg
import numpy as np
import pandas as pd

from collections.abc import Iterable

from aigeo_assets.metrics.cities import AI_SCIENTIST_ROWS
from aigeo_assets.metrics.matrices import MIGRATION_INPUT_COLUMNS
from aigeo_assets.resources.io import ROWS, TABLE_METADATA_KEY, declared_table
from aigeo_assets.schemas import KEY_EXAMPLES, SCHEMAS, TableFile, key_violations


def column_schema(table: str) -> dg.TableSchema:
    """The declared schema of ``table`` as Dagster's ``dagster/column_schema``: each column's dtype and
    description (with its unit and allowed values, ``fields.Field.describe``), and the primary key as
    a table constraint."""
    key = SCHEMAS[table].primary_key
    return dg.TableSchema(
        columns=[dg.TableColumn(c.name, c.dtype, description=c.description) for c in SCHEMAS[table].columns],
        constraints=dg.TableConstraints(other=[f"primary key: {', '.join(key)}"]) if key else None,
    )


def preview_markdown(df: pd.DataFrame, rows: int = 5) -> str:
    head = df.head(rows)
    cols = list(head.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in head.itertuples(index=False):
        cells = []
        for v in row:
            text = "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)
            cells.append(text[:40].replace("|", "/").replace("\n", " "))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def table_metadata(df: pd.DataFrame | TableFile, table: str, **extra) -> dict:
    """``dagster/row_count``, ``dagster/column_schema``, a preview, plus ``extra`` figures. ``df``
    may be a table written to its file already (``schemas.TableFile``: its first rows are shown)."""
    meta: dict = {
        "dagster/row_count": len(df),
        "dagster/column_schema": column_schema(table),
        "preview": dg.MetadataValue.md(preview_markdown(df.head if isinstance(df, TableFile) else df)),
    }
    for k, v in extra.items():
        if isinstance(v, (dict, list)):
            meta[k] = dg.MetadataValue.json(v)
        else:  # a missing value (an empty year's share) is shown as null, never a crash
            missing = v is None or (pd.api.types.is_scalar(v) and not isinstance(v, str) and pd.isna(v))
            meta[k] = None if missing else v.item() if isinstance(v, np.generic) else v
    return meta


def table_spec_metadata(table: str) -> dict:
    """Definition-time metadata: the declared column schema shows before the first run, and the
    declared table the IO manager conforms the asset to on write (``TABLE_METADATA_KEY``)."""
    return {"dagster/column_schema": column_schema(table), TABLE_METADATA_KEY: table}


OWNERS = ["team:aigeo"]
"""Who answers for the assets (shown in the UI's asset pages and filters)."""


LARGE_MEMORY_POOL = "aigeo_large_memory"
"""Dagster concurrency pool of the assets whose run holds several GB at the paper's scale (``pool=`` on
the asset): aigeo's instance gives it one slot, so two of them never run at once (``orchestration``,
"Memory")."""


def migration_author_years(**kwargs) -> dg.AssetIn:
    """``core_author_years`` as every migration asset reads it (Fig. 2c, the migration network,
    Supplementary Table 3): the AI scientists' rows of the columns ``migration_cells`` uses."""
    return dg.AssetIn(metadata={"columns": MIGRATION_INPUT_COLUMNS, ROWS: AI_SCIENTIST_ROWS}, **kwargs)


def table_asset_args(table: str, group: str, description: str | None = None, kinds: set[str] | None = None) -> dict:
    """What every table asset declares: description, column schema, kinds, owners and group
    (``kinds``: what computes it besides pandas, e.g. graph-tool or statsmodels)."""
    return {
        "description": description or SCHEMAS[table].description,
        "metadata": table_spec_metadata(table),
        "kinds": {"parquet", *(kinds or {"python"})},
        "owners": OWNERS,
        "group_name": group,
    }


def table_out(table: str, group: str, description: str | None = None, kinds: set[str] | None = None, **kwargs) -> dg.AssetOut:
    """A multi-asset output holding a declared table (``kwargs``: further ``AssetOut`` arguments)."""
    return dg.AssetOut(**table_asset_args(table, group, description, kinds), **kwargs)


def check_result(check_name: str, passed: bool, reason: str, *, partition: str | None = None, asset_key: str | None = None,
                 severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR, **metadata) -> dg.AssetCheckResult:
    """An asset check's result that says why (``reason``, also its description) and, on a
    partitioned asset, for which partition: Dagster keeps one latest result per check, not per
    partition, so without ``partition`` a yearly check's colour and numbers would be those of
    whichever year ran last, with nothing to say which."""
    meta = {"reason": reason, **({"partition": partition} if partition is not None else {}), **metadata}
    return dg.AssetCheckResult(check_name=check_name, asset_key=asset_key, passed=bool(passed), severity=severity,
                               description=(f"{partition}: " if partition is not None else "") + reason, metadata=meta)


def partitions_label(keys) -> str:
    """``2015`` or ``2012-2019``: the partition(s) a step materialized, for ``check_result``."""
    keys = sorted(keys)
    return keys[0] if len(keys) == 1 else f"{keys[0]}-{keys[-1]}"


def coverage_check(check_name: str, share: float, threshold: float, n: int, thin_below: int, *, what: str,
                   asset_key: str | None = None, threshold_setting: str = "AIGEO_MIN_LOCATED_SHARE", partition: str | None = None,
                   **extra) -> dg.AssetCheckResult:
    """A coverage check that never stops a run for thin data: below ``threshold`` it fails with
    ERROR severity (blocking where the spec is blocking) only when the sample holds at least
    ``thin_below`` ``what``; a thinner sample fails with WARN severity and says so. The threshold,
    the thin-sample size and the setting that changes each are in the metadata."""
    thin = n < thin_below
    passed = share >= threshold
    meta = {
        "share": round(float(share), 4),
        "threshold": threshold,
        what: int(n),
        "thin_sample": thin,
        "thin_below": thin_below,
        "settings": f"{threshold_setting} (threshold), AIGEO_THIN_YEAR_PAPERS (thin below)",
        **extra,
    }
    label = what.replace("_", " ")
    if passed:
        reason = f"{share:.0%} of {n:,} {label} covered, at least {threshold:.0%}"
    elif thin:
        reason = meta["note"] = f"only {n} {label} (< {thin_below}): coverage {share:.0%} below {threshold:.0%} is reported, not blocking"
    else:
        reason = f"{share:.0%} of {n:,} {label} covered, below {threshold:.0%} ({threshold_setting})"
    return check_result(check_name, passed, reason, partition=partition, asset_key=asset_key,
                        severity=dg.AssetCheckSeverity.WARN if thin else dg.AssetCheckSeverity.ERROR, **meta)


def num(value, digits: int | None = None) -> float | None:
    """A number for metadata: None for a missing value (pd.NA, NaN, None), else a float, rounded
    to ``digits`` when given (an empty year's centre or speed has no value, and says so)."""
    if value is None or pd.isna(value):
        return None
    return round(float(value), digits) if digits is not None else float(value)


PRIMARY_KEY_CHECK = "{table}_primary_key_unique"
"""Name of the generated blocking check of a table asset with a primary key."""
def primary_key_result(check_name: str, asset_key: str, table: str,
                       frames: Iterable[tuple[str | None, pd.DataFrame | None]]) -> dg.AssetCheckResult:
    """The primary-key check's result over the written partitions ``frames``, ``(partition, table)``
    pairs taken one at a time (partition ``None``: unpartitioned; table ``None``: never written, so
    nothing to check): passes when no key column is null and no key appears twice within a partition."""
    key = list(SCHEMAS[table].primary_key)
    nulls = dups = rows = 0
    examples: list[dict] = []
    bad_partitions = []
    keys, missing = [], []
    for partition, df in frames:
        if partition is not None:
            keys.append(partition)
        if df is None:
            missing.append(partition)
            continue
        n, d, ex = key_violations(df, key)
        rows += len(df)
        nulls, dups = nulls + n, dups + d
        if n or d:
            bad_partitions.append(partition)
            examples += [{**({"partition": partition} if partition is not None else {}), **e} for e in ex]
    label = partitions_label(keys) if keys else None
    key_text = ", ".join(key)
    if nulls or dups:
        reason = f"{nulls:,} row(s) with a null in the key ({key_text}) and {dups:,} row(s) sharing a key, of {rows:,}"
    else:
        reason = f"every one of {rows:,} rows has its own key ({key_text})"
    return check_result(check_name, not (nulls or dups), reason, partition=label, asset_key=asset_key,
                        primary_key=key_text, rows=rows, null_key_rows=nulls, duplicate_key_rows=dups,
                        examples=examples[:KEY_EXAMPLES], failing_partitions=[p for p in bad_partitions if p is not None][:20],
                        **({"not_written": [str(p) for p in missing][:20]} if missing else {}))


def primary_key_checks(assets: list) -> list[dg.AssetChecksDefinition]:
    """A blocking check ``<asset>_primary_key_unique`` for every table asset of ``assets`` whose declared
    table has a primary key, one multi-check per step: it reads the key columns of the partitions the
    run wrote (the files the IO manager published) and fails on a null or a duplicated key, so the
    run's downstream assets do not run on a table whose rows are not what its key says."""
    out = []
    for a in assets:
        if not isinstance(a, dg.AssetsDefinition) or not a.is_executable:
            continue
        specs, tables, managers = [], {}, {}
        for key in a.keys:
            spec = a.specs_by_key[key]
            table = declared_table(key, spec.metadata)  # a table that is not declared fails here, at definition
            if table is None or not SCHEMAS[table].primary_key:
                continue
            name = PRIMARY_KEY_CHECK.format(table=key.path[-1])
            specs.append(dg.AssetCheckSpec(
                name, asset=key, blocking=True,
                description=f"No row of {key.to_user_string()} has an empty key and no two rows share one "
                f"(primary key: {', '.join(SCHEMAS[table].primary_key)}).",
            ))
            tables[key] = table
            managers[key] = a.get_io_manager_key_for_asset_key(key)
        if specs:
            out.append(_primary_key_check(a, specs, tables, managers))
    return out


def _primary_key_check(a: dg.AssetsDefinition, specs: list[dg.AssetCheckSpec], tables: dict, managers: dict) -> dg.AssetChecksDefinition:
    @dg.multi_asset_check(
        name=f"{a.node_def.name}_primary_keys", specs=specs, can_subset=True,
        required_resource_keys=set(managers.values()),
    )
    def _check(context):  # an AssetCheckExecutionContext (a string annotation is refused)
        partitioned = a.partitions_def is not None
        partitions = list(context.partition_keys) if partitioned else [None]
        for spec in specs:
            if spec.key not in context.selected_asset_check_keys:
                continue
            key, table = spec.asset_key, tables[spec.asset_key]
            manager = getattr(context.resources, managers[key])
            columns = list(SCHEMAS[table].primary_key)

            def frames(key=key, manager=manager, columns=columns):  # one partition's key columns at a time, read once
                for p in partitions:
                    try:
                        yield p, manager.read_table(key, p, columns)
                    except FileNotFoundError:
                        yield p, None

            yield primary_key_result(spec.name, key.to_user_string(), table, frames())

    return _check
