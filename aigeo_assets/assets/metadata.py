"""Asset metadata shared by every table asset: row count, column schema, preview."""

from __future__ import annotations

import dagster as dg
import numpy as np
import pandas as pd

from aigeo_assets.schemas import SCHEMAS


def column_schema(table: str) -> dg.TableSchema:
    """The declared schema of ``table`` as Dagster's ``dagster/column_schema``."""
    return dg.TableSchema(
        columns=[dg.TableColumn(c.name, c.dtype, description=c.description) for c in SCHEMAS[table].columns]
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


def table_metadata(df: pd.DataFrame, table: str, **extra) -> dict:
    """``dagster/row_count``, ``dagster/column_schema``, a preview, plus ``extra`` figures."""
    meta: dict = {
        "dagster/row_count": len(df),
        "dagster/column_schema": column_schema(table),
        "preview": dg.MetadataValue.md(preview_markdown(df)),
    }
    for k, v in extra.items():
        if isinstance(v, (dict, list)):
            meta[k] = dg.MetadataValue.json(v)
        else:  # a missing value (an empty year's share) is shown as null, never a crash
            missing = v is None or (pd.api.types.is_scalar(v) and not isinstance(v, str) and pd.isna(v))
            meta[k] = None if missing else v.item() if isinstance(v, np.generic) else v
    return meta


def table_spec_metadata(table: str) -> dict:
    """Definition-time metadata: the declared column schema shows before the first run."""
    return {"dagster/column_schema": column_schema(table)}


OWNERS = ["team:aigeo"]
"""Who answers for the assets (shown in the UI's asset pages and filters)."""


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
