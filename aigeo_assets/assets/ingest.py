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

import functools
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import pandas as pd
import pyarrow as pa

from aigeo_assets.assets.metadata import check_result, partitions_label, table_metadata, table_out
from aigeo_assets.assets.ranges import YEARLY_RANGES
from aigeo_assets.ingest.institutions import parse_institutions
from aigeo_assets.ingest.parquet_snapshot import extract_parquet_part
from aigeo_assets.ingest.part_extract import ensure_part_extract, extract_json_part
from aigeo_assets.ingest.snapshot import list_entity_files, read_merged_ids
from aigeo_assets.ingest.works import WORK_TABLES, MergedIds, WorksTables, accounting_problems
from aigeo_assets.progress import log_progress
from aigeo_assets.resources.io import LazyPartitions
from aigeo_assets.resources.sources import WorksSource
from aigeo_assets.schemas import TableFile

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


@dataclass
class YearChecks:
    """What the two checks of ``raw_works`` found in one year's scan."""

    unique_ids: bool
    duplicate_lines: int
    problems: list[str]
    totals: dict[str, int]
    outside_years: dict[str, int]

    def results(self, partition: str):
        """The two results of a one-year run."""
        yield check_result("no_duplicate_work_ids", self.unique_ids,
                           f"each work once; {self.duplicate_lines} duplicate lines quarantined" if self.unique_ids
                           else "a work id appears twice in the year's table", partition=partition, asset_key="raw_works",
                           duplicate_lines_quarantined=self.duplicate_lines)
        yield check_result("lines_accounted_for", not self.problems,
                           f"all {self.totals['lines_read']:,} lines read are parsed, quarantined or counted in another year"
                           if not self.problems else self.problems[0], partition=partition, asset_key="raw_works",
                           **{**self.totals, "outside_years": dg.MetadataValue.json(self.outside_years)},
                           problems="\n".join(self.problems[:20]))


def range_check_results(found: dict[str, YearChecks], partition: str):
    """The two results of a run over several years: one each, naming the years that fail
    (``years_failing``), with each year's figures (``*_by_year``)."""
    years = sorted(found)
    duplicated = [y for y in years if not found[y].unique_ids]
    lines = sum(found[y].duplicate_lines for y in years)
    yield check_result("no_duplicate_work_ids", not duplicated,
                       f"each work once in every year; {lines} duplicate lines quarantined" if not duplicated
                       else f"a work id appears twice in the table of {', '.join(duplicated)}", partition=partition,
                       asset_key="raw_works", years_failing=duplicated, duplicate_lines_quarantined=lines,
                       duplicate_lines_by_year=dg.MetadataValue.json({y: found[y].duplicate_lines for y in years}))
    failing = [y for y in years if found[y].problems]
    read = sum(found[y].totals["lines_read"] for y in years)
    problems = [f"{y}: {p}" for y in failing for p in found[y].problems]
    yield check_result("lines_accounted_for", not failing,
                       f"all {read:,} lines read in {len(years)} years are parsed, quarantined or counted in another year"
                       if not failing else f"lines not accounted for in {', '.join(failing)}; {problems[0]}",
                       partition=partition, asset_key="raw_works", years_failing=failing,
                       lines_by_year=dg.MetadataValue.json({y: found[y].totals for y in years}),
                       outside_years_by_year=dg.MetadataValue.json({y: found[y].outside_years for y in years}),
                       problems="\n".join(problems[:20]))


def year_outputs(tables: WorksTables, year: int, source: dict, listing: dict, fetched: dict
                 ) -> tuple[dict[str, pd.DataFrame], dict[str, dict], YearChecks]:
    """One year's scan as the step writes it: its seven tables (``raw_quarantine`` last), each one's
    materialization metadata (``raw_works``: the line accounting, the snapshot's listing, what the
    source fetched) and what its checks found."""
    quarantine = tables.quarantine
    q_counts = quarantine["reason"].value_counts().to_dict()
    totals = tables.accounting_totals()
    checks = YearChecks(tables.distinct_work_ids(), int(q_counts.get("duplicate_work", 0)),
                        accounting_problems(tables), totals, tables.outside_years())
    out = {**tables.tables(), "raw_quarantine": quarantine}
    metadata = {}
    for name, df in tables.tables().items():
        extra = {"year": year, "source": source}
        if name == "raw_works":
            extra.update(
                lines_scanned=tables.lines_scanned,
                lines=totals,
                outside_years=dg.MetadataValue.json(checks.outside_years),
                line_accounting=dg.MetadataValue.json([a.as_dict() for a in tables.accounts]),
                files=listing["files"],
                manifest_missing_parts=listing["manifest_missing_parts"],
                parts_not_in_manifest=listing["parts_not_in_manifest"],
                quarantined=q_counts,
                merged_ids_applied=listing["merged_ids_applied"],
                **tables.parts_made.as_metadata(),
                **fetched,
            )
        metadata[name] = table_metadata(df, name, **extra)
    metadata["raw_quarantine"] = table_metadata(quarantine, "quarantine", by_reason=q_counts, year=year)
    return out, metadata, checks


@dataclass
class SetAsideTables:
    """The folder a run's scans write their years' tables into (``schemas.TableFile``: the IO manager
    moves them into the warehouse), and where a range run keeps a year's other tables on disk until
    the IO manager writes them (``put`` a year's, ``take`` one back, which removes it), so the run
    holds at most one year's tables in memory. A table written by the scan stays where it is; a
    DataFrame (the quarantine; the tables of a scan without the extract cache) is kept as an Arrow
    IPC file with pandas' metadata: read back exactly as it was (dtypes, index), memory-mapped
    instead of copied (pickle wrote a copy of every buffer and read another: on the paper-scale
    2018 authorships, 1.50 CPU-s against 0.57). The folder, beside the extract cache
    (``.ingest-range-<random>.<pid>.tmp``, which the warehouse sweep removes once its process is gone),
    is removed when the run leaves the ``with`` block."""

    near: Path | None
    folder: Path = field(init=False)
    files: dict[tuple[str, str], TableFile] = field(init=False, default_factory=dict)
    """Tables the scan wrote into ``folder`` itself (``TableFile``): kept as they are, not copied."""

    def __enter__(self) -> "SetAsideTables":
        if self.near is not None:
            self.near.mkdir(parents=True, exist_ok=True)
        self.folder = Path(tempfile.mkdtemp(prefix=".ingest-range-", suffix=f".{os.getpid()}.tmp", dir=self.near))
        return self

    def __exit__(self, *exc) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def put(self, key: str, tables: dict[str, pd.DataFrame | TableFile]) -> None:
        for name, df in tables.items():
            if isinstance(df, TableFile):
                self.files[key, name] = df
                continue
            table = pa.Table.from_pandas(df)
            with pa.OSFile(str(self.folder / f"{key}-{name}.arrow"), "wb") as fh, pa.ipc.new_file(fh, table.schema) as out:
                out.write_table(table)

    def take(self, key: str, name: str) -> pd.DataFrame | TableFile:
        if (key, name) in self.files:
            return self.files.pop((key, name))
        path = self.folder / f"{key}-{name}.arrow"
        with pa.memory_map(str(path)) as source:
            df = pa.ipc.open_file(source).read_all().to_pandas()
        path.unlink()  # the mapping stays readable until the frame is gone
        return df


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
        backfill_policy=YEARLY_RANGES,
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
        here OpenAlex, MAG's successor). Input that cannot be used goes to ``raw_quarantine``.

        A run may cover a range of years (``YEARLY_RANGES``, fifteen at most, as the other per-year assets:
        the 33 years of both studies are three runs, 15 + 15 + 3, the first two side by side on two
        workers, each followed by ``core_affiliations`` over the same years). The years are prepared (the API downloads them) and the snapshot
        listed and its merged ids read once for the range; each year is then scanned (assembled from the
        per-part extracts, a batch of parts at a time, and written into its six files as it is
        assembled: ``part_extract.assemble_year``) when the IO manager writes its ``raw_works``, with
        the metadata a one-year run gives it, and its five other tables and its quarantine are set
        aside on disk (``SetAsideTables``) until their outputs are written, so the run never holds a
        year's tables whole. **Choice:** the two checks give one result per run, naming the years that fail
        (``years_failing``) with each year's line totals; a failing ``lines_accounted_for`` fails the
        run after its years are written (as a one-year run does), so nothing that reads any year of the
        range runs. A one-year run is as before: its checks first, then its tables."""
        keys = list(context.partition_keys)
        fetched = {key: source.prepare_year(int(key)) for key in keys}  # before the listing: the API writes the parts listed
        root = source.snapshot_root()
        files = source.works_files(root)  # JSON Lines parts, or the Parquet copy's (source.works_format)
        snapshot_q = files.problems  # the listing's rows (manifest, missing parts); merged-id rows join them
        merged = MergedIds(
            works=read_merged_ids(root, "works", quarantine=snapshot_q),
            institutions=read_merged_ids(root, "institutions", quarantine=snapshot_q),
            authors=read_merged_ids(root, "authors", quarantine=snapshot_q),
        )
        cache = part_extracts_dir(source.split_cache_dir)
        listing = {"files": len(files.parts), "manifest_missing_parts": len(files.missing), "parts_not_in_manifest": len(files.unlisted),
                   "merged_ids_applied": {k: len(v) for k, v in vars(merged).items()}}

        def scan(key: str, folder: Path) -> tuple[dict[str, pd.DataFrame | TableFile], dict[str, dict], YearChecks]:
            """The year's seven tables (the six written into ``folder`` as they are assembled, when
            read from the extracts), their materialization metadata and what its checks found."""
            year = int(key)
            tables = source.parse_works_year(
                root, files.parts, year, merged, split_cache_dir=cache, progress=log_progress(context.log, f"works {year}"),
                years=configured_years, quarantine=snapshot_q, write_to=folder,
            )
            return year_outputs(tables, year, source.describe(), listing, fetched[key])

        if len(keys) == 1:
            key = keys[0]
            with SetAsideTables(cache) as aside:
                tables, metadata, checks = scan(key, aside.folder)
                yield from checks.results(key)
                for name, df in tables.items():
                    yield dg.Output(df, output_name=name, metadata=metadata[name])
            return

        found: dict[str, YearChecks] = {}
        with SetAsideTables(cache) as aside:

            def year_works(key: str) -> pd.DataFrame | TableFile:
                tables, metadata, found[key] = scan(key, aside.folder)
                for name, meta in metadata.items():
                    context.add_asset_metadata(meta, asset_key=name, partition_key=key)
                aside.put(key, {name: df for name, df in tables.items() if name != "raw_works"})
                return tables["raw_works"]

            # each year is scanned when its raw_works is written (in year order); its other tables wait on disk for theirs
            yield dg.Output(LazyPartitions({k: functools.partial(year_works, k) for k in keys}), output_name="raw_works")
            for name in [*WORK_TABLES[1:], "raw_quarantine"]:
                yield dg.Output(LazyPartitions({k: functools.partial(aside.take, k, name) for k in keys}), output_name=name)
        yield from range_check_results(found, partitions_label(keys))

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
