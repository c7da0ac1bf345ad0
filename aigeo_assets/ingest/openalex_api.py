"""Fetching works and institutions from the OpenAlex API into an OpenAlex *snapshot* directory.

The point of this module is that nothing downstream needs to know where works came from: the
API client writes exactly the layout of an OpenAlex snapshot (conventions.md), so the one
snapshot reader (:mod:`aigeo_assets.ingest.snapshot`) reads it::

    <root>/data/works/updated_date=YYYY-MM-DD/part_<year>_<NNN>.gz   gzip JSON Lines, one work a line
    <root>/data/works/manifest                                        every part under data/works
    <root>/data/institutions/updated_date=YYYY-MM-DD/part_<NNN>.gz
    <root>/data/institutions/manifest

The manifest has the shape of OpenAlex's own::

    {"entries": [{"url": "s3://openalex/data/works/updated_date=.../part_2019_000.gz",
                  "meta": {"content_length": <bytes>, "record_count": <n>}}, ...],
     "meta": {"content_length": <total bytes>, "record_count": <total records>}}

Requests
    Works of one year are requested with ``filter=publication_year:YYYY,concepts.id:C1|C2`` (and/or
    ``primary_topic.subfield.id:1702|...``; when both concepts and subfields are configured both
    filters are fetched and works are de-duplicated by id). For the life-science atlas (Schmallenbach et al. 2024),
    the OpenAlex twins of PubMed records are requested by identifier, whatever their concepts
    (``filter=pmid:1|2|...`` and ``doi:...``, 50 values a request: :func:`fetch_works_by_ids`), and
    the works citing them by ``cites:W1|W2|...`` (:func:`fetch_citing_works`). Every request is
    paged with ``cursor=*`` then ``meta.next_cursor`` until it is null, a page is empty, or
    ``meta.count`` works have arrived.
    ``per-page`` and ``mailto`` (the polite pool) are sent with every request. HTTP 429, 5xx,
    connection errors, timeouts and unreadable bodies are retried with exponential backoff
    (``backoff_seconds * 2**attempt``), or after ``Retry-After`` seconds when the server sends it;
    any other 4xx fails at once. Failures raise :class:`OpenAlexApiError` naming the URL and status.

Secrets
    OpenAlex takes its API key only as the ``api_key=`` query parameter (developers.openalex.org,
    "Authentication"), so the key is part of every request URL. No URL, error body or exception
    text leaves this module with it: :func:`redact` replaces the value of any ``api_key`` parameter,
    and the configured key wherever it appears, by ``***`` in every log line, exception message and
    ``OpenAlexApiError.url``; transport exceptions (whose text may hold the full URL, e.g.
    ``http.client.InvalidURL``) are reported by their redacted text and not chained.
    ``repr(ApiFetchConfig)`` shows ``api_key='***'``.

Writes
    Every write is atomic: parts of a fetch are written into a hidden staging folder beside the
    entity folder, and only once the whole fetch has succeeded are they moved (``os.replace``) into
    ``updated_date=<today>/``; then the year's earlier parts (``part_<year>_*.gz`` in any
    ``updated_date=`` folder) are removed and the manifest is rewritten (temp file + ``os.replace``).
    A fetch that fails or is interrupted before that point leaves the previous files of the year
    untouched and removes its staging folder. The swap holds an ``fcntl`` lock on the entity
    folder so two fetches of different years do not write the manifest over each other.
    (A hard kill *during* the few renames of the swap can leave both the old and the new parts of
    that one year on disk; fetching the year again repairs it.)

Only the standard library is used for HTTP (``urllib``); records are (de)serialised with orjson.
No dagster import: the Dagster resource (``resources/sources.py``) calls these functions.

CLI::

    python -m aigeo_assets.ingest.openalex_api --year 2019 --out data/sources/openalex-api --mailto me@x.org
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import email.utils
import fcntl
import gzip
import hashlib
import http.client
import json
import logging
import os
import re
import shutil
import socket
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import orjson

from aigeo_assets.atomic_files import write_files_atomic
from aigeo_assets.ingest.snapshot import is_gzip

__all__ = [
    "ApiFetchConfig",
    "FetchStats",
    "OpenAlexApiError",
    "REDACTED",
    "fetch_institutions",
    "fetch_works_year",
    "redact",
    "write_manifest",
    "works_filters",
    "main",
]

log = logging.getLogger(__name__)

USER_AGENT = "aigeo-openalex-client/0.1 (+https://github.com/; python urllib)"
INSTITUTION_BATCH = 50
"""OpenAlex accepts at most 50 values OR-ed in one filter."""
ID_BATCH = INSTITUTION_BATCH
"""Identifiers OR-ed in one ``filter=`` value when works are fetched by PMID, DOI or cited work."""

_RETRYABLE_STATUS = frozenset({429}) | frozenset(range(500, 600))
_CONCEPT_RE = re.compile(r"^C\d+$")
_INSTITUTION_RE = re.compile(r"^I\d+$")
_SUBFIELD_RE = re.compile(r"^\d+$")
REDACTED = "***"
"""What a secret is replaced by in logs, errors and reprs."""
_KEY_PARAMETER = re.compile(r"(?i)(api[_-]?key(?:=|%3D))(?:[^&\s'\"#<>;)%]|%(?!26)[0-9A-F]{2})+")

Sleep = Callable[[float], None]
Clock = Callable[[], _dt.date]


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with the value of every ``api_key=`` parameter (also ``api-key``, ``apikey``,
    percent-encoded ``api_key%3D``) and every non-empty string of ``secrets`` replaced by ``***``.

    Used for every URL, error body and exception text this module logs or raises, so an OpenAlex
    key never reaches a log, the Dagster event log or a file.
    """
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
            quoted = urllib.parse.quote(secret, safe="")
            if quoted != secret:
                text = text.replace(quoted, REDACTED)
    return _KEY_PARAMETER.sub(rf"\g<1>{REDACTED}", text)


class OpenAlexApiError(RuntimeError):
    """The OpenAlex API could not be used: a 4xx other than 429, or retries exhausted.

    ``url`` is the request that failed (its API key redacted), ``status`` its last HTTP status
    (``None`` for a connection error or timeout) and ``attempts`` how many times it was tried.
    """

    def __init__(self, message: str, *, url: str, status: int | None = None, attempts: int = 1) -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        self.attempts = attempts


@dataclass(frozen=True)
class ApiFetchConfig:
    """How to talk to the OpenAlex API and which works to fetch.

    ``concepts`` are concept ids (``C154945302`` or ``https://openalex.org/C154945302``) OR-ed in a
    ``concepts.id`` filter; ``subfields`` are topic subfield ids (``1702``, ``subfields/1702`` or the
    URL form) OR-ed in a ``primary_topic.subfield.id`` filter. With both, both filters are fetched
    and works de-duplicated by id; with neither, every work of the year is fetched.
    """

    base_url: str = "https://api.openalex.org"
    mailto: str | None = None
    """Polite pool: sent as the ``mailto=`` query parameter (and in the User-Agent)."""
    concepts: tuple[str, ...] = ("C154945302",)
    subfields: tuple[str, ...] = ()
    per_page: int = 200
    max_retries: int = 6
    """Retries after the first attempt (so at most ``max_retries + 1`` requests per page)."""
    backoff_seconds: float = 1.0
    """Exponential backoff: wait ``backoff_seconds * 2**attempt`` unless ``Retry-After`` is sent."""
    timeout_seconds: float = 60.0
    max_pages: int | None = None
    """Safety cap on pages per fetch call; a capped fetch sets ``FetchStats.capped``."""
    records_per_part: int = 100_000
    """Works per part file (``part_<year>_000.gz``, ``_001`` ...)."""
    max_retry_after_seconds: float = 3600.0
    """A ``Retry-After`` longer than this (e.g. a daily quota) fails at once instead of waiting."""
    pmid_filter: str = "pmid"
    """The works filter that selects by PubMed id: ``pmid`` (openalexR's) or ``ids.pmid`` (the form
    in OpenAlex's forum posts); OpenAlex has answered each with 400 at times (ourresearch/OpenAlex#8)."""
    api_key: str | None = None
    """OpenAlex API key, sent as ``api_key=`` when set. OpenAlex's docs say a (free) key is required
    since 2026-02-13; without one only a tiny daily allowance is served."""

    def __repr__(self) -> str:
        shown = {f.name: getattr(self, f.name) for f in fields(self)}
        if self.api_key:
            shown["api_key"] = REDACTED
        return f"{type(self).__name__}(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"

    def __post_init__(self) -> None:
        if not 1 <= self.per_page <= 200:
            raise ValueError(f"per_page must be within 1..200 (OpenAlex's limit), got {self.per_page}")
        if self.max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {self.max_retries}")
        if self.records_per_part < 1:
            raise ValueError(f"records_per_part must be >= 1, got {self.records_per_part}")
        if self.max_pages is not None and self.max_pages < 1:
            raise ValueError(f"max_pages must be >= 1 or None, got {self.max_pages}")


@dataclass
class FetchStats:
    """What one fetch call did."""

    entity: str = "works"
    pages: int = 0
    """Pages (successful responses) received."""
    records: int = 0
    """Distinct records written."""
    retries: int = 0
    """Requests repeated after a 429/5xx/connection error/timeout."""
    requests: int = 0
    """HTTP attempts made, retries included."""
    files_written: int = 0
    elapsed_seconds: float = 0.0
    expected_records: int = 0
    """Sum of ``meta.count`` over the queries made (overlapping filters count twice here)."""
    duplicates: int = 0
    """Records received again (same id) and dropped."""
    capped: bool = False
    """``max_pages`` stopped the fetch before the API ran out of results."""
    refused_ids: int = 0
    """Identifiers that cannot be put in a filter (a DOI holding ``|`` or ``,``) and were not asked for."""
    files: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """A plain dict (for logs, Dagster metadata, the CLI's JSON output)."""
        return asdict(self)


# --------------------------------------------------------------------------------------------
# ids and filters


def _tail(value: str) -> str:
    value = value.strip().rstrip("/")
    return value[value.rfind("/") + 1 :]


def normalize_concept_id(value: str) -> str:
    """``https://openalex.org/C154945302`` or ``c154945302`` -> ``C154945302``."""
    cid = _tail(value).upper()
    if not _CONCEPT_RE.match(cid):
        raise ValueError(f"not an OpenAlex concept id: {value!r} (expected C<digits>)")
    return cid


def normalize_subfield_id(value: str) -> str:
    """``1702``, ``subfields/1702`` or ``https://openalex.org/subfields/1702`` -> ``1702``."""
    sid = _tail(str(value))
    if not _SUBFIELD_RE.match(sid):
        raise ValueError(f"not an OpenAlex subfield id: {value!r} (expected digits, e.g. 1702)")
    return sid


def normalize_institution_id(value: str) -> str:
    """``I123``, ``i123`` or ``https://openalex.org/I123`` -> ``I123``."""
    iid = _tail(value).upper()
    if not _INSTITUTION_RE.match(iid):
        raise ValueError(f"not an OpenAlex institution id: {value!r} (expected I<digits> or its URL)")
    return iid


def works_filters(config: ApiFetchConfig, year: int) -> list[str]:
    """The ``filter=`` values to fetch for ``year``: one per configured id family."""
    base = f"publication_year:{int(year)}"
    filters = []
    if config.concepts:
        filters.append(f"{base},concepts.id:" + "|".join(_dedupe(normalize_concept_id(c) for c in config.concepts)))
    if config.subfields:
        filters.append(
            f"{base},primary_topic.subfield.id:" + "|".join(_dedupe(normalize_subfield_id(s) for s in config.subfields))
        )
    return filters or [base]


def _dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


# --------------------------------------------------------------------------------------------
# HTTP


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date); None if absent/bad."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.timezone.utc)
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


class _Client:
    """GET JSON from the API with retries; counts requests, retries and pages into ``stats``."""

    def __init__(self, config: ApiFetchConfig, stats: FetchStats, sleep: Sleep) -> None:
        self.config = config
        self.stats = stats
        self.sleep = sleep
        agent = USER_AGENT + (f" mailto:{config.mailto}" if config.mailto else "")
        self.headers = {"User-Agent": agent, "Accept": "application/json", "Accept-Encoding": "gzip"}

    def url(self, path: str, params: dict[str, Any]) -> str:
        query = dict(params)
        if self.config.mailto:
            query["mailto"] = self.config.mailto
        if self.config.api_key:
            query["api_key"] = self.config.api_key
        encoded = urllib.parse.urlencode(query, safe=":|,*", quote_via=urllib.parse.quote)
        return f"{self.config.base_url.rstrip('/')}/{path.lstrip('/')}?{encoded}"

    def redact(self, text: str) -> str:
        """``text`` without the configured API key (:func:`redact`)."""
        return redact(text, (self.config.api_key,))

    def get_json(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        """One API response as a dict, retrying transient failures; raises OpenAlexApiError."""
        url = self.url(path, params)
        shown = self.redact(url)
        cfg = self.config
        attempts = 0
        while True:
            attempts += 1
            self.stats.requests += 1
            status: int | None = None
            retry_after: float | None = None
            try:
                request = urllib.request.Request(url, headers=self.headers)
                with urllib.request.urlopen(request, timeout=cfg.timeout_seconds) as response:
                    status = response.status
                    body = response.read()
                    encoding = (response.headers.get("Content-Encoding") or "").lower()
                if encoding == "gzip" or body[:2] == b"\x1f\x8b":
                    body = gzip.decompress(body)
                doc = orjson.loads(body)
                if not isinstance(doc, dict):
                    raise OpenAlexApiError(
                        f"OpenAlex API returned {type(doc).__name__}, not a JSON object: GET {shown}",
                        url=shown,
                        status=status,
                        attempts=attempts,
                    )
                return doc
            except urllib.error.HTTPError as exc:
                status = exc.code
                detail = _error_body(exc, (cfg.api_key,))
                exc.close()
                if status not in _RETRYABLE_STATUS:
                    hint = ""
                    if status in (401, 403) and not cfg.api_key:
                        hint = " (OpenAlex requires a free API key since 2026-02-13: set ApiFetchConfig.api_key / OPENALEX_API_KEY)"
                    raise OpenAlexApiError(
                        f"OpenAlex API request failed: GET {shown} -> HTTP {status}{detail}{hint}",
                        url=shown,
                        status=status,
                        attempts=attempts,
                    ) from None
                retry_after = parse_retry_after(exc.headers.get("Retry-After") if exc.headers else None)
                reason = f"HTTP {status}{detail}"
            except (
                urllib.error.URLError,
                http.client.HTTPException,
                ConnectionError,
                TimeoutError,
                socket.timeout,
                orjson.JSONDecodeError,
                EOFError,
                OSError,
            ) as exc:
                reason = self.redact(f"{type(exc).__name__}: {getattr(exc, 'reason', None) or exc}")
            if retry_after is not None and retry_after > cfg.max_retry_after_seconds:
                raise OpenAlexApiError(
                    f"OpenAlex API asks to wait {retry_after:.0f}s (more than max_retry_after_seconds="
                    f"{cfg.max_retry_after_seconds:.0f}; a daily quota?): GET {shown} -> {reason}",
                    url=shown,
                    status=status,
                    attempts=attempts,
                ) from None
            if attempts > cfg.max_retries:
                raise OpenAlexApiError(
                    f"OpenAlex API request failed after {attempts} attempts: GET {shown} -> {reason}",
                    url=shown,
                    status=status,
                    attempts=attempts,
                ) from None
            delay = retry_after if retry_after is not None else cfg.backoff_seconds * 2 ** (attempts - 1)
            self.stats.retries += 1
            log.warning("OpenAlex %s for %s; retry %d/%d in %.1fs", reason, shown, attempts, cfg.max_retries, delay)
            self.sleep(delay)

    def iter_results(self, path: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Every result of one query, following ``meta.next_cursor`` (cursor paging)."""
        cursor: str = "*"
        received = 0
        first = True
        while True:
            if self.config.max_pages is not None and self.stats.pages >= self.config.max_pages:
                self.stats.capped = True
                log.warning("max_pages=%d reached: stopping %s %s early", self.config.max_pages, path, params)
                return
            doc = self.get_json(path, {**params, "per-page": self.config.per_page, "cursor": cursor})
            self.stats.pages += 1
            meta = doc.get("meta") or {}
            results = doc.get("results")
            if not isinstance(results, list):
                shown = self.redact(self.url(path, params))
                raise OpenAlexApiError(f"OpenAlex API response has no 'results' list: GET {shown}", url=shown)
            count = meta.get("count")
            if first and isinstance(count, int):
                self.stats.expected_records += count
            first = False
            for item in results:
                if isinstance(item, dict):
                    yield item
            received += len(results)
            next_cursor = meta.get("next_cursor")
            if not results or not next_cursor:
                return
            if isinstance(count, int) and received >= count:
                return
            cursor = str(next_cursor)


def _error_body(exc: urllib.error.HTTPError, secrets: Iterable[str | None]) -> str:
    """The start of an error response's body for the message, secrets redacted before it is cut
    (a server that echoes the request must not leave half a key at the cut)."""
    try:
        raw = exc.read(4096)
    except Exception:  # noqa: BLE001 - a body we cannot read adds nothing to the message
        return ""
    text = redact(raw.decode("utf-8", "replace"), secrets).strip().replace("\n", " ")
    return f" ({text[:300]})" if text else ""


# --------------------------------------------------------------------------------------------
# files


class PartWriter:
    """Writes records as gzip JSON Lines into ``folder``, rolling to a new part every ``limit``."""

    def __init__(self, folder: Path, name: Callable[[int], str], limit: int, first_index: int = 0) -> None:
        self.folder = folder
        self.name = name
        self.limit = limit
        self.index = first_index
        self.parts: list[tuple[Path, int]] = []
        self._raw: Any = None
        self._gz: gzip.GzipFile | None = None
        self._count = 0

    def write(self, record: dict[str, Any]) -> None:
        if self._gz is None or self._count >= self.limit:
            self._finish()
            path = self.folder / self.name(self.index)
            self.index += 1
            self._raw = open(path, "wb")
            # mtime=0 and no file name in the header: the same records give the same bytes
            self._gz = gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, mtime=0)
            self.parts.append((path, 0))
            self._count = 0
        self._gz.write(orjson.dumps(record) + b"\n")
        self._count += 1
        path, _ = self.parts[-1]
        self.parts[-1] = (path, self._count)

    def _finish(self) -> None:
        if self._gz is not None:
            self._gz.close()
            self._raw.flush()
            os.fsync(self._raw.fileno())
            self._raw.close()
            self._gz = self._raw = None

    def close(self) -> list[tuple[Path, int]]:
        """Close the open part; returns [(staged path, record count)]."""
        self._finish()
        return self.parts

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            if self._gz is not None:
                self._gz.close()
        with contextlib.suppress(Exception):
            if self._raw is not None:
                self._raw.close()
        self._gz = self._raw = None


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """An exclusive advisory lock on ``folder`` (its ``.lock`` file) for the swap + manifest."""
    with open(folder / ".lock", "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _part_files(entity_dir: Path) -> list[Path]:
    """Part files under ``updated_date=*/`` (temp and hidden files excluded), sorted."""
    return sorted(
        p
        for p in entity_dir.glob("updated_date=*/part_*")
        if p.is_file() and not p.name.endswith(".tmp") and not p.name.startswith(".")
    )


def _count_records(path: Path) -> int:
    """Non-blank lines of a part, read as the snapshot reader reads them (a broken gzip part counts
    the lines it gives, instead of stopping the manifest with an EOFError)."""
    from aigeo_assets.ingest.quarantine import Quarantine  # here: it loads pandas and the schemas, needed only to count
    from aigeo_assets.ingest.snapshot import iter_lines

    return sum(1 for _ in iter_lines(path, Quarantine()))


def _manifest_url(entity: str, part: Path) -> str:
    return f"s3://openalex/data/{entity}/{part.parent.name}/{part.name}"


def write_manifest(entity_dir: Path, entity: str, known_counts: dict[Path, int] | None = None) -> dict[str, Any]:
    """(Re)write ``entity_dir/manifest`` listing every part file under it; returns the manifest.

    Record counts come from ``known_counts`` (parts just written), else from the previous manifest
    when the file size is unchanged, else by counting the file's lines.
    """
    known = {Path(p).resolve(): n for p, n in (known_counts or {}).items()}
    previous: dict[str, tuple[int, int]] = {}
    manifest_path = entity_dir / "manifest"
    if manifest_path.is_file():
        with contextlib.suppress(Exception):
            old = orjson.loads(manifest_path.read_bytes())
            for item in old.get("entries") or []:
                meta = item.get("meta") or {}
                previous[item["url"]] = (int(meta["content_length"]), int(meta["record_count"]))
    entries = []
    total_bytes = total_records = 0
    for part in _part_files(entity_dir):
        size = part.stat().st_size
        url = _manifest_url(entity, part)
        resolved = part.resolve()
        if resolved in known:
            n = known[resolved]
        elif url in previous and previous[url][0] == size:
            n = previous[url][1]
        else:
            n = _count_records(part)
        entries.append({"url": url, "meta": {"content_length": size, "record_count": n}})
        total_bytes += size
        total_records += n
    manifest = {"entries": entries, "meta": {"content_length": total_bytes, "record_count": total_records}}
    write_files_atomic([(manifest_path, orjson.dumps(manifest, option=orjson.OPT_INDENT_2) + b"\n")])
    return manifest


def _swap_in(
    entity_dir: Path,
    entity: str,
    staged: list[tuple[Path, int]],
    dest: Path,
    old_parts: Callable[[], list[Path]],
) -> list[Path]:
    """Move staged parts into ``dest``, delete the superseded ``old_parts()``, rewrite the manifest."""
    with _locked(entity_dir):
        dest.mkdir(parents=True, exist_ok=True)
        superseded = old_parts()
        final: list[Path] = []
        counts: dict[Path, int] = {}
        for path, n in staged:
            target = dest / path.name
            os.replace(path, target)
            final.append(target)
            counts[target] = n
        keep = {p.resolve() for p in final}
        for part in superseded:
            if part.resolve() not in keep:
                with contextlib.suppress(FileNotFoundError):
                    part.unlink()
        for folder in entity_dir.glob("updated_date=*"):
            if folder.is_dir() and not any(folder.iterdir()):
                with contextlib.suppress(OSError):
                    folder.rmdir()
        write_manifest(entity_dir, entity, counts)
    return final


def _fetch_to_parts(
    client: _Client,
    queries: Iterable[tuple[str, dict[str, Any]]],
    entity_dir: Path,
    entity: str,
    label: str,
    *,
    part_name: Callable[[int], str],
    old_parts: Callable[[], list[Path]],
    today: Clock,
    first_index: int = 0,
) -> None:
    """The fetchers' common tail: every result of each ``(path, params)`` query (read lazily, so a
    query generator may log as it goes), de-duplicated by id (``client.stats.duplicates``), written
    as parts ``part_name(i)`` staged in ``entity_dir/.fetch_<label>_*``, then swapped into
    ``entity_dir/updated_date=<today>`` with ``old_parts()`` deleted and the manifest rewritten
    (``_swap_in``). Any error drops the staged parts and leaves the earlier files intact. Fills
    ``stats.records``, ``stats.files`` and ``stats.files_written``."""
    stats = client.stats
    entity_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=entity_dir, prefix=f".fetch_{label}_"))
    writer = PartWriter(staging, part_name, client.config.records_per_part, first_index)
    try:
        seen: set[str] = set()
        for path, params in queries:
            for record in client.iter_results(path, params):
                rid = record.get("id")
                if rid is not None:
                    if rid in seen:
                        stats.duplicates += 1
                        continue
                    seen.add(rid)
                writer.write(record)
                stats.records += 1
        staged = writer.close()
        final = _swap_in(entity_dir, entity, staged, entity_dir / f"updated_date={today().isoformat()}", old_parts)
    except BaseException:
        writer.abort()
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    stats.files = [str(p) for p in final]
    stats.files_written = len(final)


# --------------------------------------------------------------------------------------------
# public fetchers


def fetch_works_year(
    config: ApiFetchConfig,
    year: int,
    snapshot_root: Path,
    *,
    sleep: Sleep = time.sleep,
    today: Clock = _dt.date.today,
) -> FetchStats:
    """Fetch every work of ``year`` matching the configured concepts/subfields into snapshot layout.

    Writes ``snapshot_root/data/works/updated_date=<today>/part_<year>_<NNN>.gz`` (replacing the
    year's earlier parts wherever they are) and rewrites ``data/works/manifest``. Raises
    :class:`OpenAlexApiError` when the API cannot be used; the year's previous files are then intact.
    """
    return fetch_works_matching(config, works_filters(config, year), snapshot_root, str(int(year)), sleep=sleep, today=today)


def id_filters(key: str, values: Iterable[str], batch: int = ID_BATCH) -> tuple[list[str], list[str]]:
    """``filter=`` values OR-ing ``values`` of attribute ``key`` (e.g. ``pmid``, ``doi``, ``cites``),
    ``batch`` values per request (OpenAlex's limit on values OR-ed in one filter is 50 in its older
    documentation, 100 in its current one), and the values refused: one holding the filter
    language's separators (``|`` or ``,``, which some DOIs do) cannot be sent. Duplicates dropped."""
    ids = _dedupe(str(v).strip() for v in values if str(v).strip())
    refused = [v for v in ids if "|" in v or "," in v]
    ids = [v for v in ids if "|" not in v and "," not in v]
    return [f"{key}:" + "|".join(ids[i : i + batch]) for i in range(0, len(ids), batch)], refused


def fetch_works_by_ids(
    config: ApiFetchConfig,
    snapshot_root: Path,
    name: str,
    *,
    pmids: Iterable[str] = (),
    dois: Iterable[str] = (),
    sleep: Sleep = time.sleep,
    today: Clock = _dt.date.today,
) -> FetchStats:
    """Fetch the works carrying any of ``pmids`` (filter ``config.pmid_filter``) or ``dois``
    (``doi:``, without the ``https://doi.org/`` prefix), whatever their concepts: the OpenAlex
    twins of PubMed records (Schmallenbach et al. 2024's link). Written as the parts ``part_<name>_NNN.gz``,
    replacing that name's earlier parts."""
    by_pmid, refused_pmids = id_filters(config.pmid_filter, pmids)
    by_doi, refused_dois = id_filters("doi", dois)
    stats = fetch_works_matching(config, by_pmid + by_doi, snapshot_root, name, sleep=sleep, today=today)
    stats.refused_ids = len(refused_pmids) + len(refused_dois)
    return stats


def fetch_citing_works(
    config: ApiFetchConfig,
    snapshot_root: Path,
    name: str,
    work_ids: Iterable[str],
    *,
    sleep: Sleep = time.sleep,
    today: Clock = _dt.date.today,
) -> FetchStats:
    """Fetch every work citing one of ``work_ids`` (``cites:W1|W2...``), whatever its concepts:
    Schmallenbach et al. 2024's forward citations "accruing from any type of publication". Written as the parts
    ``part_<name>_NNN.gz``, replacing that name's earlier parts."""
    filters, refused = id_filters("cites", (_tail(w) for w in work_ids))
    stats = fetch_works_matching(config, filters, snapshot_root, name, sleep=sleep, today=today)
    stats.refused_ids = len(refused)
    return stats


def fetch_once(snapshot_root: Path, name: str, request: dict, refetch: bool, fetch: Callable[[], FetchStats]) -> dict:
    """Run ``fetch()`` (which writes the parts ``part_<name>_*``) unless the same ``request`` (the
    ids asked for) already landed under ``name``, as recorded in
    ``snapshot_root/requests/<name>.json`` after each successful fetch; ``refetch`` fetches anyway.
    Returns metadata: what was fetched, or that the earlier download was reused."""
    digest = hashlib.sha256(orjson.dumps(request, option=orjson.OPT_SORT_KEYS)).hexdigest()
    record = Path(snapshot_root) / "requests" / f"{name}.json"
    if record.exists() and not refetch:
        with contextlib.suppress(orjson.JSONDecodeError, KeyError):
            earlier = orjson.loads(record.read_bytes())
            if earlier["sha256"] == digest:
                return {"api_fetch": "reused earlier download", "api_records": earlier["records"]}
    stats = fetch()
    record.parent.mkdir(parents=True, exist_ok=True)
    write_files_atomic([(record, orjson.dumps({"sha256": digest, "records": stats.records}))])
    return {"api_requests": stats.requests, "api_records": stats.records, "api_retries": stats.retries,
            "api_refused_ids": stats.refused_ids}


def downloaded_parts(snapshot_root: Path, name: str) -> list[Path]:
    """The parts a fetch under ``name`` wrote (``part_<name>_NNN.gz``), in name order."""
    works_dir = Path(snapshot_root) / "data" / "works"
    return sorted(works_dir.glob(f"updated_date=*/part_{name}_*.gz"), key=lambda p: p.name)


def fetch_works_matching(
    config: ApiFetchConfig,
    filters: Sequence[str],
    snapshot_root: Path,
    name: str,
    *,
    sleep: Sleep = time.sleep,
    today: Clock = _dt.date.today,
) -> FetchStats:
    """Fetch the works of every ``filters`` value (de-duplicated by id) into snapshot layout:
    ``snapshot_root/data/works/updated_date=<today>/part_<name>_<NNN>.gz``, replacing the earlier
    ``part_<name>_*.gz`` wherever they are, and the manifest rewritten. No filter: no request, and
    the earlier parts of ``name`` are removed. Raises :class:`OpenAlexApiError` when the API cannot
    be used; the earlier files are then intact."""
    started = time.monotonic()
    stats = FetchStats(entity="works")

    def queries() -> Iterator[tuple[str, dict[str, Any]]]:
        for filter_value in filters:
            log.info("OpenAlex works %s: filter=%s", name, filter_value[:200])
            yield "works", {"filter": filter_value}

    _fetch_to_parts(
        _Client(config, stats, sleep),
        queries(),
        Path(snapshot_root) / "data" / "works",
        "works",
        name,
        part_name=lambda i: f"part_{name}_{i:03d}.gz",
        old_parts=lambda: downloaded_parts(snapshot_root, name),
        today=today,
    )
    stats.elapsed_seconds = time.monotonic() - started
    log.info(
        "OpenAlex works %s: %d records in %d pages, %d retries, %d files (%.1fs)%s",
        name,
        stats.records,
        stats.pages,
        stats.retries,
        stats.files_written,
        stats.elapsed_seconds,
        " [CAPPED by max_pages]" if stats.capped else "",
    )
    return stats


def _existing_ids(parts: Sequence[Path]) -> set[str]:
    ids: set[str] = set()
    for part in parts:
        opener = gzip.open if is_gzip(part) else open
        with opener(part, "rb") as fh:
            for line in fh:
                if line.strip():
                    with contextlib.suppress(orjson.JSONDecodeError, AttributeError, ValueError):
                        rid = orjson.loads(line).get("id")
                        if rid:
                            ids.add(normalize_institution_id(rid))
    return ids


def fetch_institutions(
    config: ApiFetchConfig,
    institution_ids: Iterable[str],
    snapshot_root: Path,
    *,
    sleep: Sleep = time.sleep,
    today: Clock = _dt.date.today,
    replace: bool = True,
) -> FetchStats:
    """Fetch institutions by id (batches of 50, ``filter=openalex:I1|I2|...``) into snapshot layout.

    Ids may be short (``I123``) or URLs; duplicates are dropped. Writes
    ``snapshot_root/data/institutions/updated_date=<today>/part_<NNN>.gz`` and the manifest.
    With ``replace=True`` (default) the given ids are the complete set and earlier institution
    parts are removed; with ``replace=False`` earlier parts are kept, ids already present in them
    are not fetched again and new parts are numbered after the existing ones. An empty id list
    changes nothing. Ids the API does not return (e.g. merged ones) are simply absent:
    ``stats.records`` vs ``stats.expected_records`` shows the gap.
    """
    started = time.monotonic()
    stats = FetchStats(entity="institutions")
    ids = _dedupe(normalize_institution_id(i) for i in institution_ids)
    inst_dir = Path(snapshot_root) / "data" / "institutions"
    first_index = 0
    if not replace and inst_dir.is_dir():
        existing = _part_files(inst_dir)
        have = _existing_ids(existing)
        ids = [i for i in ids if i not in have]
        numbers = [int(m.group(1)) for p in existing if (m := re.match(r"part_(\d+)", p.name))]
        first_index = max(numbers, default=-1) + 1
    if not ids:
        stats.elapsed_seconds = time.monotonic() - started
        log.info("OpenAlex institutions: nothing to fetch")
        return stats
    _fetch_to_parts(
        _Client(config, stats, sleep),
        (("institutions", {"filter": "openalex:" + "|".join(ids[i : i + INSTITUTION_BATCH])}) for i in range(0, len(ids), INSTITUTION_BATCH)),
        inst_dir,
        "institutions",
        "institutions",
        part_name=lambda i: f"part_{i:03d}.gz",
        old_parts=(lambda: _part_files(inst_dir)) if replace else (lambda: []),
        today=today,
        first_index=first_index,
    )
    stats.elapsed_seconds = time.monotonic() - started
    log.info(
        "OpenAlex institutions: %d of %d ids in %d pages, %d retries (%.1fs)",
        stats.records,
        len(ids),
        stats.pages,
        stats.retries,
        stats.elapsed_seconds,
    )
    return stats


# --------------------------------------------------------------------------------------------
# CLI


def _years(value: str) -> list[int]:
    """``2019`` or ``2015-2019`` -> list of years."""
    m = re.fullmatch(r"\s*(\d{4})\s*(?:-\s*(\d{4})\s*)?", value)
    if not m:
        raise argparse.ArgumentTypeError(f"not a year or range of years: {value!r}")
    lo = int(m.group(1))
    hi = int(m.group(2) or lo)
    if hi < lo:
        raise argparse.ArgumentTypeError(f"empty range of years: {value!r}")
    return list(range(lo, hi + 1))


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: fetch works of one or more years (and optionally institutions) from the API."""
    parser = argparse.ArgumentParser(
        prog="python -m aigeo_assets.ingest.openalex_api",
        description="Fetch OpenAlex works by year into an OpenAlex snapshot-shaped directory.",
    )
    parser.add_argument("--year", type=_years, action="append", required=True, help="2019 or 2015-2019; repeatable")
    parser.add_argument("--out", type=Path, required=True, help="snapshot root (data/works/... is written under it)")
    parser.add_argument("--mailto", default=os.environ.get("OPENALEX_MAILTO"), help="polite-pool e-mail")
    parser.add_argument("--api-key", default=os.environ.get("OPENALEX_API_KEY"), help="optional OpenAlex API key")
    parser.add_argument("--base-url", default=ApiFetchConfig.base_url)
    parser.add_argument("--concept", action="append", help="concept id (repeatable); default C154945302")
    parser.add_argument("--subfield", action="append", default=[], help="topic subfield id, e.g. 1702 (repeatable)")
    parser.add_argument("--no-concepts", action="store_true", help="no concept filter (use with --subfield)")
    parser.add_argument("--per-page", type=int, default=ApiFetchConfig.per_page)
    parser.add_argument("--max-pages", type=int, default=None)
    parser.add_argument("--max-retries", type=int, default=ApiFetchConfig.max_retries)
    parser.add_argument("--institutions", action="store_true", help="then fetch every institution the works name")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(message)s")

    concepts: tuple[str, ...] = () if args.no_concepts else tuple(args.concept or ApiFetchConfig.concepts)
    config = ApiFetchConfig(
        base_url=args.base_url,
        mailto=args.mailto,
        api_key=args.api_key,
        concepts=concepts,
        subfields=tuple(args.subfield),
        per_page=args.per_page,
        max_pages=args.max_pages,
        max_retries=args.max_retries,
    )
    report: dict[str, Any] = {"years": {}}
    try:
        for year in sorted({y for group in args.year for y in group}):
            report["years"][str(year)] = fetch_works_year(config, year, args.out).as_dict()
        if args.institutions:
            ids: set[str] = set()
            for part in _part_files(args.out / "data" / "works"):
                with gzip.open(part, "rb") as fh:
                    for line in fh:
                        for a in orjson.loads(line).get("authorships") or []:
                            for inst in a.get("institutions") or []:
                                if inst.get("id"):
                                    ids.add(normalize_institution_id(inst["id"]))
            report["institutions"] = fetch_institutions(config, sorted(ids), args.out).as_dict()
    except OpenAlexApiError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
