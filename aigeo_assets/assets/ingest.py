"""Group ``ingest``: works and institutions read from the configured source.

The snapshot's own problems (a manifest that cannot be read, a listed part missing on disk, a
``merged_ids`` file or row that cannot be used) go into the quarantine of every scan that reads the
snapshot: each yearly ``raw_quarantine`` and ``raw_institutions_quarantine``. ``raw_works`` carries
the year's line accounting (per part: lines read, parsed, quarantined, other configured years,
outside years by year, unattributed) and the blocking check ``lines_accounted_for``: a scan that
lost a line stops the run before anything downstream reads the year.

The yearly assets are partitioned on both studies' years (``Settings.openalex_years``:
AIGEO_START_YEAR..max(AIGEO_END_YEAR, AIGEO_LIFESCI_END_YEAR)), so "other configured years" in the
accounting are those years: a line of 2021 read by the scan of 2015 is another configured year, not
an outside one, when the life-science atlas runs to 2022.
"""

import shutil
from pathlib import Path

import dagster as dg

from aigeo_assets.assets.metadata import check_result, table_metadata, table_out
from aigeo_assets.ingest.institutions import parse_institutions
from aigeo_assets.ingest.parquet_snapshot import extract_parquet_part
from aigeo_assets.ingest.part_extract import ensure_part_extract, extract_json_part
from aigeo_assets.ingest.snapshot import list_entity_files, read_merged_ids
from aigeo_assets.ingest.works import WORK_TABLES, MergedIds, accounting_problems
from aigeo_assets.progress import log_progress
from aigeo_assets.resources.sources import WorksSource

PART_EXTRACTS = "_part_extracts"


def part_extracts_dir(split_cache_dir: str | None) -> Path | None:
    """The per-part extract cache (``ingest.part_extract``), beside the configured cache folder.

    The folder the resource names (``split_cache_dir``, ``<warehouse>/_part_extracts``); older
    versions named ``<warehouse>/_year_split`` there, a JSON year-split copy that the extracts
    replace, so a leftover ``_year_split`` folder beside it (our own cache, never user data) is removed."""
    if not split_cache_dir:
        return None
    configured = Path(split_cache_dir)
    legacy = configured.with_name("_year_split")
    if legacy.is_dir():
        shutil.rmtree(legacy, ignore_errors=True)
    return configured.with_name(PART_EXTRACTS) if configured.name == "_year_split" else configured


def build_ingest_assets(partitions: dg.PartitionsDefinition) -> list:
    """``partitions``: the OpenAlex tables' years, both studies' (``Settings.openalex_years``)."""
    configured_years = [int(k) for k in partitions.get_partition_keys()]

    @dg.multi_asset(
        outs={
            **{name: table_out(name, "ingest") for name in WORK_TABLES},
            "raw_quarantine": table_out(
                "quarantine", "ingest", "Lines of the year's scan that could not be used, with file, line and reason."
            ),
        },
        partitions_def=partitions,
        check_specs=[
            dg.AssetCheckSpec("no_duplicate_work_ids", asset="raw_works", description="each work id once in the year"),
            dg.AssetCheckSpec(
                "lines_accounted_for",
                asset="raw_works",
                blocking=True,
                description="per part: lines read = parsed + quarantined + other configured years + outside years + "
                "unattributed, and the counts agree with raw_works and raw_quarantine",
            ),
        ],
    )
    def raw_works(context: dg.AssetExecutionContext, source: WorksSource):
        """OpenAlex works of one publication year, parsed into normalized tables (AlShebli et al. 2022: MAG papers;
        here OpenAlex, MAG's successor). Input that cannot be used goes to ``raw_quarantine``."""
        year = int(context.partition_key)
        fetched = source.prepare_year(year)
        root = source.snapshot_root()
        files = source.works_files(root)  # JSON Lines parts, or the Parquet copy's (source.works_format)
        snapshot_q = files.problems  # the listing's rows (manifest, missing parts); merged-id rows join them
        merged = MergedIds(
            works=read_merged_ids(root, "works", quarantine=snapshot_q),
            institutions=read_merged_ids(root, "institutions", quarantine=snapshot_q),
            authors=read_merged_ids(root, "authors", quarantine=snapshot_q),
        )
        cache = part_extracts_dir(source.split_cache_dir)
        tables = source.parse_works_year(
            root,
            files.parts,
            year,
            merged,
            split_cache_dir=cache,
            progress=log_progress(context.log, f"works {year}"),
            years=configured_years,
            quarantine=snapshot_q,
        )
        quarantine = tables.quarantine
        q_counts = quarantine["reason"].value_counts().to_dict()
        works = tables.works
        duplicates = int(q_counts.get("duplicate_work", 0))
        yield check_result("no_duplicate_work_ids", bool(works["work_id"].is_unique),
                           f"each work once; {duplicates} duplicate lines quarantined" if works["work_id"].is_unique
                           else "a work id appears twice in the year's table", partition=str(year), asset_key="raw_works",
                           duplicate_lines_quarantined=duplicates)
        problems = accounting_problems(tables)
        totals = tables.accounting_totals()
        yield check_result("lines_accounted_for", not problems,
                           f"all {totals['lines_read']:,} lines read are parsed, quarantined or counted in another year" if not problems
                           else problems[0], partition=str(year), asset_key="raw_works",
                           **{**totals, "outside_years": dg.MetadataValue.json(tables.outside_years())}, problems="\n".join(problems[:20]))
        common = {"year": year, "source": source.describe()}
        for name, df in tables.tables().items():
            extra = dict(common)
            if name == "raw_works":
                extra.update(
                    lines_scanned=tables.lines_scanned,
                    lines=totals,
                    outside_years=dg.MetadataValue.json(tables.outside_years()),
                    line_accounting=dg.MetadataValue.json([a.as_dict() for a in tables.accounts]),
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
        q = files.problems
        df, q = parse_institutions(files.parts, read_merged_ids(root, "institutions", quarantine=q), q)
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


SNAPSHOT_PARTS = dg.DynamicPartitionsDefinition(name="snapshot_parts")
"""One partition per works part of the snapshot (key: ``part_key``), added by whoever spreads the
extracts over workers (a sensor or ``instance.add_dynamic_partitions``)."""


def part_key(root: Path, path: Path) -> str:
    """A filesystem- and Dagster-safe key naming one works part: its path under the snapshot root,
    ``/`` written as ``__`` (``data__works__updated_date=2023-05-16__part_000.gz``)."""
    return Path(path).relative_to(root).as_posix().replace("/", "__")


def build_part_extract_asset() -> dg.AssetsDefinition:
    """``raw_works_parts``: one snapshot part's extract (``ingest.part_extract``) written into the
    extract cache that ``raw_works`` reads, so a cluster can pre-warm the cache over many workers.
    It has no partition mapping to ``raw_works``: a ``raw_works`` year extracts any part still
    missing itself, so the asset is an accelerator, never a prerequisite."""

    @dg.asset(partitions_def=SNAPSHOT_PARTS, group_name="ingest", kinds={"parquet"})
    def raw_works_parts(context: dg.AssetExecutionContext, source: WorksSource) -> dg.MaterializeResult:
        """One works part of the snapshot read once into its per-year columnar extract."""
        root = source.snapshot_root()
        files = source.works_files(root)
        by_key = {part_key(root, p): p for p in files.parts}
        path = by_key.get(context.partition_key)
        if path is None:
            raise dg.Failure(f"snapshot_parts: no works part {context.partition_key!r} under {root} ({len(by_key)} parts listed)")
        cache = part_extracts_dir(source.split_cache_dir)
        if cache is None:
            raise dg.Failure("raw_works_parts needs the extract cache folder (the source's split_cache_dir)")
        extract = extract_parquet_part if source.works_format(root) == "parquet" else extract_json_part
        got = ensure_part_extract(path, cache, extract=extract)
        return dg.MaterializeResult(
            metadata={
                "part": str(path),
                "lines_read": got.lines_read,
                "works": len(got.tables["raw_works"]),
                "years": dg.MetadataValue.json({str(y): n for y, n in got.year_lines.items()}),
                "quarantined": len(got.quarantine),
            }
        )

    return raw_works_parts
