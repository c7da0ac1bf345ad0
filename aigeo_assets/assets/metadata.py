"""Asset metadata shared by every table asset: row count, column schema, preview."""

from __future__ import annotations

import dagster as dg
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
        meta[k] = dg.MetadataValue.json(v) if isinstance(v, (dict, list)) else v
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
