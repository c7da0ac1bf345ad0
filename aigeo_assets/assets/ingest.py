"""Group ``ingest``: works and institutions read from the configured source."""

from pathlib import Path

import dagster as dg

from aigeo_assets.assets.metadata import table_metadata, table_out
from aigeo_assets.ingest.institutions import parse_institutions
from aigeo_assets.ingest.snapshot import list_entity_files, read_merged_ids
from aigeo_assets.ingest.works import WORK_TABLES, MergedIds, parse_works_year
from aigeo_assets.progress import log_progress
from aigeo_assets.resources.sources import WorksSource

def build_ingest_assets(partitions: dg.PartitionsDefinition) -> list:
    @dg.multi_asset(
        outs={
            **{name: table_out(name, "ingest") for name in WORK_TABLES},
            "raw_quarantine": table_out(
                "quarantine", "ingest", "Lines of the year's scan that could not be used, with file, line and reason."
            ),
        },
        partitions_def=partitions,
        check_specs=[dg.AssetCheckSpec("no_duplicate_work_ids", asset="raw_works", description="each work id once in the year")],
    )
    def raw_works(context: dg.AssetExecutionContext, source: WorksSource):
        """OpenAlex works of one publication year, parsed into normalized tables (seed 000: MAG papers;
        here OpenAlex, MAG's successor). Input that cannot be used goes to ``raw_quarantine``."""
        year = int(context.partition_key)
        fetched = source.prepare_year(year)
        root = source.snapshot_root()
        files = list_entity_files(root, "works")
        merged = MergedIds(
            works=read_merged_ids(root, "works"),
            institutions=read_merged_ids(root, "institutions"),
            authors=read_merged_ids(root, "authors"),
        )
        cache = Path(source.split_cache_dir) if source.split_cache_dir else None
        tables = parse_works_year(files.parts, year, merged, split_cache_dir=cache, progress=log_progress(context.log, f"works {year}"))
        quarantine = tables.quarantine
        q_counts = quarantine["reason"].value_counts().to_dict()
        works = tables.works
        yield dg.AssetCheckResult(
            asset_key="raw_works",
            check_name="no_duplicate_work_ids",
            passed=bool(works["work_id"].is_unique),
            metadata={"duplicate_lines_quarantined": int(q_counts.get("duplicate_work", 0))},
        )
        common = {"year": year, "source": source.describe()}
        for name, df in tables.tables().items():
            extra = dict(common)
            if name == "raw_works":
                extra.update(
                    lines_scanned=tables.lines_scanned,
                    files=len(files.parts),
                    manifest_missing_parts=len(files.missing),
                    parts_not_in_manifest=len(files.unlisted),
                    quarantined=q_counts,
                    merged_ids_applied={k: len(v) for k, v in vars(merged).items()},
                    **fetched,
                )
            yield dg.Output(df, output_name=name, metadata=table_metadata(df, name, **extra))
        yield dg.Output(
            quarantine,
            output_name="raw_quarantine",
            metadata=table_metadata(quarantine, "quarantine", by_reason=q_counts, year=year),
        )

    @dg.multi_asset(
        outs={
            "raw_institutions": table_out("raw_institutions", "ingest"),
            "raw_institutions_quarantine": table_out(
                "quarantine", "ingest", "Institution lines that could not be used, with file, line and reason."
            ),
        }
    )
    def raw_institutions(source: WorksSource):
        """OpenAlex institution records of the source (merged ids applied)."""
        fetched = source.prepare_institutions()
        root = source.snapshot_root()
        files = list_entity_files(root, "institutions")
        df, q = parse_institutions(files.parts, read_merged_ids(root, "institutions"))
        qdf = q.frame()
        with_geo = int(df["geo_latitude"].notna().sum())
        yield dg.Output(
            df,
            output_name="raw_institutions",
            metadata=table_metadata(
                df, "raw_institutions", files=len(files.parts), with_geo=with_geo, quarantined=q.counts(), **fetched
            ),
        )
        yield dg.Output(qdf, output_name="raw_institutions_quarantine", metadata=table_metadata(qdf, "quarantine", by_reason=q.counts()))

    return [raw_works, raw_institutions]
