"""Settings: environment variables for the deployment, a resource for the analysis choices.

Every environment variable, its default and its meaning is listed in ``ENVIRONMENT`` (the README
shows the same table).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import dagster as dg

REPO_ROOT = Path(__file__).resolve().parents[2]

ENVIRONMENT: dict[str, tuple[str, str]] = {
    "AIGEO_DATA_DIR": ("<repo>/data", "where sources/, warehouse/ and reports/ live"),
    "AIGEO_SOURCE": ("sample", "sample (generated world), snapshot (an OpenAlex snapshot directory) or api (OpenAlex API)"),
    "AIGEO_SNAPSHOT_DIR": ("", "the OpenAlex snapshot directory when AIGEO_SOURCE=snapshot"),
    "AIGEO_SAMPLE_SCALE": ("demo", "tiny, demo or paper: size of the generated sample world"),
    "AIGEO_SAMPLE_SEED": ("20221121", "seed of the sample world"),
    "AIGEO_START_YEAR": ("1990", "first publication year partition"),
    "AIGEO_END_YEAR": ("2019", "last publication year partition"),
    "AIGEO_API_BASE_URL": ("https://api.openalex.org", "OpenAlex API root when AIGEO_SOURCE=api"),
    "AIGEO_API_MAILTO": ("", "e-mail for OpenAlex's polite pool"),
    "AIGEO_API_KEY": ("", "OpenAlex API key (OpenAlex asks for a free key since 2026); OPENALEX_API_KEY also works"),
    "AIGEO_REFERENCE_YEAR": ("2017", "the year whose most impactful cities are the top cities (seed 000: 2017)"),
    "AIGEO_TOP_N": ("20,50,100", "sizes of the top-city sets (Fig. 2 and Supplementary Figs. 6-9)"),
    "AIGEO_IMPACT_WINDOW": ("2", "impact counts citations from years y..y+W (seed 000: two years post publication)"),
    "AIGEO_LONG_IMPACT_WINDOW": ("5", "the long impact window (Supplementary Fig. 1: five years)"),
    "AIGEO_IMPACT_MATRIX_YEARS": ("2013-2017", "years summed in the impact and over-impact matrices (Fig. 2a-b)"),
    "AIGEO_COLLABORATION_YEARS": ("2015-2019", "years of the collaboration matrix (Fig. 2d)"),
    "AIGEO_MIGRATION_YEARS": ("2015-2019", "years of the migration matrix (Fig. 2c)"),
    "AIGEO_API_CONCEPTS": ("C154945302", "'|'-separated concept ids the API download filters on"),
    "AIGEO_API_SUBFIELDS": ("", "'|'-separated topic subfield ids the API download filters on (e.g. 1702)"),
    "AIGEO_PUBMED_DIR": ("", "folder (or one file) of PubMed baseline/update files, e.g. pubmedYYnNNNN.xml.gz (default: the sample world's)"),
    "AIGEO_PUBMED_PATTERN": ("*.xml|*.xml.gz", "'|'-separated globs of the file names read under AIGEO_PUBMED_DIR, subfolders included (a glob with '/' matches the relative path)"),
    "AIGEO_RANKINGS_DIR": ("", "folder with journal_ranking.csv and conference_ranking.csv (default: the sample world's)"),
    "AIGEO_LIFESCI_START_YEAR": ("2000", "first year of the life-science atlas (seed 004: 2000)"),
    "AIGEO_MIN_LOCATED_SHARE": ("0.6", "geocoding coverage check of core_papers: the share of a year's corpus papers placed in a city below which the year is held back (blocking)"),
    "AIGEO_THIN_YEAR_PAPERS": ("50", "a year whose corpus holds fewer papers is thin: its coverage checks warn instead of blocking the run"),
}


def _env(name: str) -> str:
    return os.environ.get(name, "") or ENVIRONMENT[name][0]


def _year_range(text: str) -> tuple[int, int]:
    lo, _, hi = text.partition("-")
    return int(lo), int(hi or lo)


@dataclass(frozen=True)
class Settings:
    """Deployment settings read once from the environment when the code location loads."""

    data_dir: Path
    source: Literal["sample", "snapshot", "api"]
    snapshot_dir: Path | None
    sample_scale: str
    sample_seed: int
    start_year: int
    end_year: int
    api_base_url: str
    api_mailto: str | None
    api_key: str | None
    api_concepts: tuple[str, ...]
    api_subfields: tuple[str, ...]
    reference_year: int = 2017
    top_ns: tuple[int, ...] = (20, 50, 100)
    impact_window: int = 2
    long_impact_window: int = 5
    impact_matrix_years: tuple[int, int] = (2013, 2017)
    collaboration_years: tuple[int, int] = (2015, 2019)
    migration_years: tuple[int, int] = (2015, 2019)
    pubmed_dir: Path | None = None
    pubmed_pattern: str = "*.xml|*.xml.gz"
    rankings_dir: Path | None = None
    lifesci_start_year: int = 2000
    min_located_share: float = 0.6
    thin_year_papers: int = 50

    @staticmethod
    def from_env() -> "Settings":
        data_dir = Path(os.environ.get("AIGEO_DATA_DIR") or REPO_ROOT / "data")
        source = _env("AIGEO_SOURCE")
        if source not in ("sample", "snapshot", "api"):
            raise ValueError(f"AIGEO_SOURCE={source!r}: use sample, snapshot or api")
        snapshot = os.environ.get("AIGEO_SNAPSHOT_DIR") or None
        if source == "snapshot" and not snapshot:
            raise ValueError("AIGEO_SOURCE=snapshot needs AIGEO_SNAPSHOT_DIR, the OpenAlex snapshot directory")
        return Settings(
            data_dir=data_dir,
            source=source,  # type: ignore[arg-type]
            snapshot_dir=Path(snapshot) if snapshot else None,
            sample_scale=_env("AIGEO_SAMPLE_SCALE"),
            sample_seed=int(_env("AIGEO_SAMPLE_SEED")),
            start_year=int(_env("AIGEO_START_YEAR")),
            end_year=int(_env("AIGEO_END_YEAR")),
            api_base_url=_env("AIGEO_API_BASE_URL"),
            api_mailto=os.environ.get("AIGEO_API_MAILTO") or None,
            api_key=os.environ.get("AIGEO_API_KEY") or os.environ.get("OPENALEX_API_KEY") or None,
            api_concepts=tuple(c for c in _env("AIGEO_API_CONCEPTS").split("|") if c),
            api_subfields=tuple(c for c in os.environ.get("AIGEO_API_SUBFIELDS", "").split("|") if c),
            reference_year=int(_env("AIGEO_REFERENCE_YEAR")),
            top_ns=tuple(sorted(int(n) for n in _env("AIGEO_TOP_N").split(",") if n.strip())),
            impact_window=int(_env("AIGEO_IMPACT_WINDOW")),
            long_impact_window=int(_env("AIGEO_LONG_IMPACT_WINDOW")),
            impact_matrix_years=_year_range(_env("AIGEO_IMPACT_MATRIX_YEARS")),
            collaboration_years=_year_range(_env("AIGEO_COLLABORATION_YEARS")),
            migration_years=_year_range(_env("AIGEO_MIGRATION_YEARS")),
            pubmed_dir=Path(os.environ["AIGEO_PUBMED_DIR"]) if os.environ.get("AIGEO_PUBMED_DIR") else None,
            pubmed_pattern=_env("AIGEO_PUBMED_PATTERN"),
            rankings_dir=Path(os.environ["AIGEO_RANKINGS_DIR"]) if os.environ.get("AIGEO_RANKINGS_DIR") else None,
            lifesci_start_year=int(_env("AIGEO_LIFESCI_START_YEAR")),
            min_located_share=float(_env("AIGEO_MIN_LOCATED_SHARE")),
            thin_year_papers=int(_env("AIGEO_THIN_YEAR_PAPERS")),
        )

    def clamp(self, years: tuple[int, int]) -> tuple[int, int]:
        """A window cut to the configured partitions (a tiny world or an early end year)."""
        lo, hi = max(years[0], self.start_year), min(years[1], self.end_year)
        if lo > hi:
            raise ValueError(f"window {years[0]}-{years[1]} lies outside the years {self.start_year}-{self.end_year}")
        return lo, hi

    @property
    def warehouse_dir(self) -> Path:
        return self.data_dir / "warehouse"

    @property
    def sources_dir(self) -> Path:
        return self.data_dir / "sources"


class AnalysisSettings(dg.ConfigurableResource):
    """The choices where the papers leave room (docs/methods.md); each default is the paper's reading."""

    ai_rule: str = "concept"
    """concept (AI concept C154945302 at score >= ai_min_score), subfield (primary topic 1702) or either."""
    ai_min_score: float = 0.3
    bloc_definition: str = "paper"
    """paper: U.S. and Europe are West (seed 000); wider: also Canada, Australia, New Zealand."""
    ai_scientist_min_papers: int = 3
    ai_scientist_min_ai_share: float = 0.5
    impact_citing: str = "any"
    """any: every citing work of the snapshot counts toward impact (MAG's citations); corpus: only AI papers."""
    focal_city_geonames_id: int = 1816670
    """The city whose pull on the centre of mass is measured (seed 000: Beijing, GeoNames 1816670)."""
    over_impact_universe: str = "world"
    """world: n = all AI papers of the year, m_i = all of i's citations (seed 000's words);
    top: the baseline restricted to the top cities (rows then sum to zero)."""
    lifesci_keywords_csv: str = ""
    """AI keyword list of the life-science atlas (default: data/reference/ai_keywords.csv; the
    official Baruffaldi et al. 2020 list can be supplied in the same format)."""
    lifesci_weak_keywords: str = "context"
    """context: the list's weak keywords (acronyms such as NLP, CNN, AI; phrases such as "neural
    network", "data mining") count only in AI context (docs/methods.md); alone: every keyword counts
    on its own (the behaviour before weak keywords)."""
    lifesci_clinical_csv: str = ""
    """Clinical filter terms (default: data/reference/clinical_queries.csv, Haynes et al.)."""
    min_located_share: float = 0.6
    """The geocoding coverage check of core_papers: the share of a year's corpus papers placed in a
    city below which the year is held back (a blocking check; default from AIGEO_MIN_LOCATED_SHARE)."""
    thin_year_papers: int = 50
    """A year whose corpus holds fewer papers is thin: its coverage checks (geocoding of core_papers,
    lead countries of the life-science corpus) warn instead of blocking (AIGEO_THIN_YEAR_PAPERS)."""
    gravity_cov_type: str = "HC1"
    """Standard errors of the gravity models: HC1 (robust, the default), HC0, nonrobust, or
    cluster (one-way, by ordered city pair across years)."""

    def lifesci_keywords_path(self) -> Path:
        from aigeo_assets.lifesci.keywords import AI_KEYWORDS_PATH

        return Path(self.lifesci_keywords_csv) if self.lifesci_keywords_csv else Path(AI_KEYWORDS_PATH)

    def lifesci_clinical_path(self) -> Path:
        from aigeo_assets.lifesci.keywords import CLINICAL_QUERIES_PATH

        return Path(self.lifesci_clinical_csv) if self.lifesci_clinical_csv else Path(CLINICAL_QUERIES_PATH)
