"""Where works come from. Every source ends as an OpenAlex snapshot directory read by one reader.

* ``SampleWorldSource``: generates the bundled sample world (a snapshot directory) on first use.
* ``SnapshotSource``: a user's OpenAlex snapshot (any layout in conventions.md).
* ``OpenAlexApiSource``: downloads works year by year from the API into snapshot layout.

* ``LifeSciSource``: the PubMed baseline/update files and the outlet rankings of the life-science
  atlas (Schmallenbach et al. 2024), the user's or the sample world's; it feeds the ``raw_pubmed_*`` assets.
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
from pydantic import Field

from aigeo_assets.ingest.openalex_api import (
    ApiFetchConfig,
    fetch_citing_works,
    fetch_institutions,
    fetch_once,
    fetch_works_by_ids,
    fetch_works_year,
)
from aigeo_assets.ingest.parquet_snapshot import has_parquet_works, list_parquet_parts, parse_parquet_works_year
from aigeo_assets.ingest.quarantine import Quarantine
from aigeo_assets.ingest.snapshot import entity_folder, iter_records, list_entity_files, short_id
from aigeo_assets.ingest.works import parse_works_year
from aigeo_assets.lifesci.pubmed_files import discover_pubmed_files
from aigeo_assets.progress import log_progress
from aigeo_assets.resources.settings import API_KEY_VARIABLES, RANKING_FILES
from aigeo_assets.sampleworld import generate_world


class WorksSource(dg.ConfigurableResource):
    """Interface: a snapshot directory to read, prepared for a given year."""

    split_cache_dir: str | None = Field(default=None, description=(
        "The per-part extract cache (<warehouse>/_part_extracts): each works part of the snapshot is read once into "
        "columnar tables by publication year, so only the first year to read a part decodes it (empty: every year scans "
        "every part)."))
    snapshot_format: str = Field(default="auto", description=(
        "Which copy of the works is read (AIGEO_SNAPSHOT_FORMAT): jsonl, parquet (OpenAlex's Parquet copy, "
        "data/parquet/works/) or auto (parquet when that folder is present)."))

    def snapshot_root(self) -> Path:
        raise NotImplementedError

    def prepare_year(self, year: int) -> dict:
        """Make the works of ``year`` available under ``snapshot_root()``; returns metadata."""
        return {}

    def prepare_institutions(self) -> dict:
        """Make institution records available under ``snapshot_root()``; returns metadata."""
        return {}

    def linked_works_root(self, name: str, pmids: list[str], dois: list[str]) -> tuple[Path | None, dict]:
        """A snapshot root holding the OpenAlex works that carry these PubMed ids or DOIs when the
        works ``raw_works`` reads may lack them (the API downloads only the configured concepts),
        with metadata; None for a snapshot or the sample world, which hold every work."""
        return None, {}

    def citing_works_root(self, name: str, work_ids: list[str]) -> tuple[Path | None, dict]:
        """A snapshot root holding every work citing one of ``work_ids`` when ``raw_works`` may lack
        them (see :meth:`linked_works_root`); None when the snapshot holds every work."""
        return None, {}

    def describe(self) -> dict:
        return {"source": type(self).__name__, "snapshot_root": str(self.snapshot_root())}

    def works_format(self, root: Path) -> str:
        """``jsonl`` or ``parquet``: the copy of the works under ``root`` that is read."""
        if self.snapshot_format not in ("auto", "jsonl", "parquet"):
            raise ValueError(f"snapshot_format={self.snapshot_format!r}: one of auto, jsonl, parquet")
        if self.snapshot_format == "auto":
            return "parquet" if has_parquet_works(root) else "jsonl"
        return self.snapshot_format

    def works_files(self, root: Path):
        """The works parts under ``root`` in the chosen format, with the listing's quarantine rows
        (``snapshot.EntityFiles``: ``.parts``, ``.problems``)."""
        return list_parquet_parts(root) if self.works_format(root) == "parquet" else list_entity_files(root, "works")

    def parse_works_year(self, root: Path, files, year, merged, **kwargs):
        """``works.parse_works_year`` for the chosen format (``parquet_snapshot.parse_parquet_works_year``
        for the Parquet copy: same arguments, same tables)."""
        parse = parse_parquet_works_year if self.works_format(root) == "parquet" else parse_works_year
        return parse(files, year, merged, **kwargs)


class SnapshotSource(WorksSource):
    """An OpenAlex snapshot directory on disk."""

    snapshot_dir: str = Field(description="The OpenAlex snapshot folder (AIGEO_SNAPSHOT_DIR), holding data/works/ and data/institutions/.")

    def snapshot_root(self) -> Path:
        root = Path(self.snapshot_dir)
        if self.works_format(root) == "parquet":
            list_parquet_parts(root)  # raises SnapshotLayoutError when there is no Parquet works folder
        else:
            entity_folder(root, "works")
        return root


class SampleWorldSource(WorksSource):
    """The generated sample world, written as a snapshot directory under ``sources_dir``.

    Its years are the scale's own (demo: 1990-2019, tiny: 2012-2019; the life-science part to the
    generator's last atlas year, 2022), not the partitions': raising the last partition year
    (AIGEO_END_YEAR or AIGEO_LIFESCI_END_YEAR) must not regenerate, and so change, the years already
    materialized. **Choice:** so the code location leaves ``lifesci_end_year`` unset (the generator's
    default) whatever AIGEO_LIFESCI_END_YEAR says; a year the world does not hold is an empty
    partition. ``lifesci_end_year`` reaches ``generate_world`` only when it takes that keyword.
    """

    sources_dir: str = Field(description="Where the generated world is written (<data>/sources/).")
    scale: str = Field(default="demo", description="The size of the world (AIGEO_SAMPLE_SCALE): tiny (tests), demo or paper.")
    seed: int = Field(default=20221121, description="The seed of the world's random draws (AIGEO_SAMPLE_SEED): the same seed, the same world.")
    start_year: int | None = Field(default=None, description="The world's first year (empty: the scale's own).")
    end_year: int | None = Field(default=None, description="The world's last year of AI papers (empty: the scale's own).")
    lifesci_end_year: int | None = Field(default=None, description=(
        "The world's last life-science year (generate_world(lifesci_end_year=...); empty: the generator's default)."))

    def snapshot_root(self) -> Path:
        root = Path(self.sources_dir) / f"sample-{self.scale}-{self.seed}"
        extra = world_keywords(generate_world, lifesci_end_year=self.lifesci_end_year)
        return generate_world(root, scale=self.scale, seed=self.seed, start_year=self.start_year, end_year=self.end_year,
                              progress=log_progress(dg.get_dagster_logger(), "sample world"), **extra)


def world_keywords(generate, **values) -> dict:
    """The ``values`` that are set (not None) and that ``generate`` takes as keywords; a set value it
    does not take is an error (a world without the years asked for would pass unnoticed)."""
    import inspect

    params = inspect.signature(generate).parameters
    given = {k: v for k, v in values.items() if v is not None}
    missing = [k for k in given if k not in params]
    if missing:
        raise TypeError(f"{getattr(generate, '__name__', generate)} takes no {', '.join(missing)}: this sample world generator cannot make it")
    return given


def api_key_env_var(api_key: str | None) -> dg.EnvVar | None:
    """The OpenAlex API key as a Dagster secret: an ``EnvVar`` naming the variable that holds it.

    Dagster then keeps the variable's name in the resource's configuration (the UI's Resources page,
    GraphQL ``configuredValues``, the job snapshot stored with each run) and reads the value only
    when a run starts. A key that no variable holds would have to be configured in clear, so it is
    refused.
    """
    if not api_key:
        return None
    name = next((n for n in API_KEY_VARIABLES if os.environ.get(n)), None)
    if name is None or os.environ[name] != api_key:
        raise ValueError(
            f"the OpenAlex API key must come from the environment ({' or '.join(API_KEY_VARIABLES)}), "
            "so that Dagster shows the variable's name and never the key"
        )
    return dg.EnvVar(name)


class OpenAlexApiSource(WorksSource):
    """Works fetched from the OpenAlex API, one year at a time, written in snapshot layout."""

    download_dir: str = Field(description="Where the downloaded works are written, in the snapshot's layout.")
    base_url: str = Field(default="https://api.openalex.org", description="The OpenAlex API root (AIGEO_API_BASE_URL).")
    mailto: str | None = Field(default=None, description="The e-mail address sent to OpenAlex's polite pool (AIGEO_API_MAILTO).")
    api_key: str | None = Field(default=None, repr=False, json_schema_extra={"dagster__is_secret": True})
    """The OpenAlex key, configured as ``api_key_env_var(...)`` (a ``dg.EnvVar``: the UI shows the
    variable's name); also marked secret for Dagster's UI (masked if ever set in clear) and left out
    of the resource's repr."""
    concepts: list[str] = Field(default=["C154945302"], description=(
        "The OpenAlex concept ids the download filters on (AIGEO_API_CONCEPTS; C154945302: Artificial intelligence)."))
    subfields: list[str] = Field(default=[], description=(
        "The OpenAlex topic subfields the download filters on (AIGEO_API_SUBFIELDS; 1702: Artificial Intelligence)."))
    refetch: bool = Field(default=False, description=(
        "Fetch a year (or the atlas's OpenAlex twins and citing works) again even when downloaded before."))
    pmid_filter: str = Field(default="pmid", description=(
        "The works filter by PubMed identifier (PMID) the twins of PubMed records are fetched with "
        "(AIGEO_API_PMID_FILTER): pmid or ids.pmid."))

    def _config(self):
        return ApiFetchConfig(
            base_url=self.base_url, mailto=self.mailto, api_key=self.api_key, concepts=tuple(self.concepts), subfields=tuple(self.subfields),
            pmid_filter=self.pmid_filter,
        )

    def snapshot_root(self) -> Path:
        return Path(self.download_dir)

    def prepare_year(self, year: int) -> dict:
        root = self.snapshot_root()
        done = list(root.glob(f"data/works/updated_date=*/part_{year}_*.gz"))
        if done and not self.refetch:
            return {"api_fetch": "reused earlier download", "api_parts": len(done)}
        stats = fetch_works_year(self._config(), year, root)
        return {"api_pages": stats.pages, "api_records": stats.records, "api_retries": stats.retries}

    def links_root(self) -> Path:
        """Where the life-science atlas's own downloads go (a snapshot root of its own, so that
        ``raw_works`` never reads them): the twins of PubMed records and their citing works."""
        return Path(self.download_dir) / "pubmed-links"

    def linked_works_root(self, name: str, pmids: list[str], dois: list[str]) -> tuple[Path | None, dict]:
        """Fetch the works carrying ``pmids`` or ``dois`` (``openalex_api.fetch_works_by_ids``)."""
        root, pmids, dois = self.links_root(), sorted(set(pmids)), sorted(set(dois))
        return root, fetch_once(root, name, {"pmids": pmids, "dois": dois}, self.refetch,
                                lambda: fetch_works_by_ids(self._config(), root, name, pmids=pmids, dois=dois))

    def citing_works_root(self, name: str, work_ids: list[str]) -> tuple[Path | None, dict]:
        """Fetch every work citing one of ``work_ids`` (``openalex_api.fetch_citing_works``)."""
        root, ids = self.links_root(), sorted(set(work_ids))
        return root, fetch_once(root, name, {"cites": ids}, self.refetch, lambda: fetch_citing_works(self._config(), root, name, ids))

    def prepare_institutions(self) -> dict:
        """Fetch the institutions named in every downloaded works part."""
        root = self.snapshot_root()
        ids: set[str] = set()
        q = Quarantine()
        for part in list_entity_files(root, "works").parts:
            for _, work in iter_records(part, q):
                for a in work.get("authorships") or []:
                    for inst in a.get("institutions") or []:
                        if inst.get("id"):
                            ids.add(short_id(inst["id"]))
        stats = fetch_institutions(self._config(), sorted(ids), root)
        return {"api_institutions_requested": len(ids), "api_records": stats.records}


class LifeSciSource(dg.ConfigurableResource):
    """PubMed files (any name matching ``pubmed_pattern`` under ``pubmed_dir``, subfolders
    included, in name order: baseline then updates) and the outlet ranking tables
    (``journal_ranking.csv``, ``conference_ranking.csv``) of the life-science atlas.
    Unset folders fall back to the sample world's (``sample_*`` fields), generated on first use."""

    pubmed_dir: str | None = Field(default=None, description=(
        "The folder of PubMed baseline and update files, or one file (AIGEO_PUBMED_DIR; empty: the sample world's)."))
    pubmed_pattern: str = Field(default="*.xml|*.xml.gz", description=(
        "'|'-separated globs of the file names read under pubmed_dir, subfolders included (AIGEO_PUBMED_PATTERN)."))
    rankings_dir: str | None = Field(default=None, description=(
        "The folder with journal_ranking.csv and conference_ranking.csv (AIGEO_RANKINGS_DIR; empty: the sample world's)."))
    pubmed_workers: int = Field(default=0, description=(
        "Processes parsing the files not yet cached (AIGEO_PUBMED_WORKERS; 0: one per core, 1: this process)."))
    parse_cache_dir: str = Field(description=(
        "Each PubMed file is parsed once into parquet here (keyed by name, full path, size, modification time and the "
        "reader's version: lifesci.pubmed_files.cache_key)."))
    sample_sources_dir: str | None = Field(default=None, description="Where the sample world is, for the folders left empty.")
    sample_scale: str = Field(default="demo", description="The sample world's size (AIGEO_SAMPLE_SCALE).")
    sample_seed: int = Field(default=20221121, description="The sample world's seed (AIGEO_SAMPLE_SEED).")

    def _sample_root(self) -> Path:
        if not self.sample_sources_dir:
            raise FileNotFoundError("no PubMed folder configured: set AIGEO_PUBMED_DIR (and AIGEO_RANKINGS_DIR)")
        return SampleWorldSource(sources_dir=self.sample_sources_dir, scale=self.sample_scale, seed=self.sample_seed).snapshot_root()

    def cache_path(self) -> Path:
        return Path(self.parse_cache_dir)

    def configured(self) -> dict:
        """What the atlas reads: folders, or why a part is missing (for asset metadata)."""
        return {
            "pubmed": self.pubmed_dir or ("sample world" if self.sample_sources_dir else "none: OpenAlex conference papers only"),
            "rankings": self.rankings_dir or ("sample world" if self.sample_sources_dir else "none: every outlet unranked"),
        }

    def pubmed_files(self) -> list[Path]:
        """The PubMed files in name order (``lifesci.pubmed_files.discover_pubmed_files``: every
        name matching ``pubmed_pattern``, subfolders included; ``pubmed_dir`` may be one file);
        none when no folder is configured outside the sample world (the atlas then rests on
        OpenAlex conference papers, and says so)."""
        if not self.pubmed_dir and not self.sample_sources_dir:
            return []
        root = Path(self.pubmed_dir) if self.pubmed_dir else self._sample_root() / "pubmed"
        return discover_pubmed_files(root, self.pubmed_pattern)

    def ranking_files(self) -> tuple[Path, Path] | None:
        """The two ranking tables; None when no folder is configured outside the sample world."""
        if not self.rankings_dir and not self.sample_sources_dir:
            return None
        root = Path(self.rankings_dir) if self.rankings_dir else self._sample_root() / "rankings"
        journals, conferences = (root / name for name in RANKING_FILES)
        for f in (journals, conferences):
            if not f.exists():
                raise FileNotFoundError(f"outlet ranking {f} is missing (AIGEO_RANKINGS_DIR; README: 'Outlet rankings')")
        return journals, conferences
