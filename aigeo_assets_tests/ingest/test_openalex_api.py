"""The OpenAlex API client, against a local fake OpenAlex server (never the internet).

The fake server (``openalex_fake.FakeOpenAlex``) holds a small generated corpus of works and institutions of the
real shape, evaluates the few filters the client uses, pages by cursor, records every request it
saw, and can be told to answer the next requests with scripted failures.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from aigeo_assets.ingest import openalex_api as api
from aigeo_assets.ingest.openalex_api import ApiFetchConfig, FetchStats, OpenAlexApiError
from aigeo_assets.ingest.quarantine import Quarantine
from aigeo_assets.ingest.snapshot import iter_records, list_entity_files
from aigeo_assets_tests.support.openalex_corpus import AI, CS, make_corpus, make_institutions
from aigeo_assets_tests.support.openalex_fake import FakeOpenAlex, page_cursor, tail_id

D1 = dt.date(2024, 5, 1)
D2 = dt.date(2024, 6, 2)


# ---------------------------------------------------------------------------------------------
# the fake server, serving the corpus of support/openalex_corpus.py


@pytest.fixture
def server() -> Iterator[FakeOpenAlex]:
    fake = FakeOpenAlex({"works": make_corpus(), "institutions": make_institutions(130)})
    try:
        yield fake
    finally:
        fake.close()


class Sleeps(list):
    """A fake ``sleep`` that records the delays instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def cfg(server: FakeOpenAlex, **kw) -> ApiFetchConfig:
    base = dict(base_url=server.url, mailto="me@example.org", per_page=2, max_retries=3, backoff_seconds=0.5,
                timeout_seconds=5.0)
    base.update(kw)
    return ApiFetchConfig(**base)


def read_snapshot(root: Path, entity: str = "works") -> list[dict]:
    q = Quarantine()
    records = [rec for part in list_entity_files(root, entity).parts for _, rec in iter_records(part, q)]
    assert len(q) == 0, q.counts()
    return records


def ids_of(records: list[dict]) -> list[str]:
    return [tail_id(r["id"]) for r in records]


def fetch(server, root, year=2019, *, sleep=None, today=D1, **kw) -> FetchStats:
    return api.fetch_works_year(cfg(server, **kw), year, root, sleep=Sleeps() if sleep is None else sleep, today=lambda: today)


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and p.name != ".lock"}


# ---------------------------------------------------------------------------------------------
# paging and request shape


def test_all_works_of_the_year_arrive_exactly_once(server, tmp_path):
    stats = fetch(server, tmp_path)
    got = ids_of(read_snapshot(tmp_path))
    assert sorted(got, key=lambda s: int(s[1:])) == [f"W{n}" for n in range(1, 8)]
    assert len(got) == len(set(got))
    assert stats.records == 7 and stats.expected_records == 7
    assert stats.pages == 4  # 2+2+2+1 with per_page=2
    assert stats.retries == 0 and stats.duplicates == 0 and not stats.capped
    assert len(server.requests) == 4


def test_query_parameters_reach_the_server(server, tmp_path):
    fetch(server, tmp_path, concepts=(AI, f"https://openalex.org/{CS.lower()}"))
    qs = server.queries()
    assert len(qs) == 4  # W1..W8 (W8 is CS) => 8 works, per_page 2
    for q in qs:
        assert q["filter"] == [f"publication_year:2019,concepts.id:{AI}|{CS}"]
        assert q["mailto"] == ["me@example.org"]
        assert q["per-page"] == ["2"]
        assert "api_key" not in q
    assert [q["cursor"][0] for q in qs] == ["*", page_cursor(2), page_cursor(4), page_cursor(6)]
    # the filter's separators are sent literally, the cursor's '=' padding is escaped
    raw = server.requests[0]["raw"]
    assert f"filter=publication_year:2019,concepts.id:{AI}|{CS}" in raw
    assert "%3D" in server.requests[1]["raw"]
    assert "me@example.org" in server.requests[0]["headers"]["User-Agent"]


def test_no_mailto_means_no_mailto_parameter(server, tmp_path):
    fetch(server, tmp_path, mailto=None)
    assert all("mailto" not in q for q in server.queries())


def test_api_key_is_sent_when_set(server, tmp_path):
    fetch(server, tmp_path, api_key="k-123", per_page=200)
    assert server.queries()[0]["api_key"] == ["k-123"]


def test_401_without_a_key_says_a_key_is_needed(server, tmp_path):
    server.script = [(401, {}, b'{"error": "API key required"}')]
    with pytest.raises(OpenAlexApiError, match="API key") as info:
        fetch(server, tmp_path)
    assert info.value.status == 401 and len(server.requests) == 1


def test_concepts_and_subfields_are_both_fetched_and_deduplicated(server, tmp_path):
    stats = fetch(server, tmp_path, concepts=(AI,), subfields=("subfields/1702",), per_page=200)
    filters = [q["filter"][0] for q in server.queries()]
    assert filters == [f"publication_year:2019,concepts.id:{AI}", "publication_year:2019,primary_topic.subfield.id:1702"]
    got = ids_of(read_snapshot(tmp_path))
    assert sorted(got) == sorted([f"W{n}" for n in range(1, 8)] + ["W9"])
    assert stats.records == 8 and stats.duplicates == 2  # W6, W7 matched both
    assert stats.expected_records == 7 + 3


def test_only_subfields(server, tmp_path):
    fetch(server, tmp_path, concepts=(), subfields=("1702",))
    assert sorted(ids_of(read_snapshot(tmp_path))) == ["W6", "W7", "W9"]


def test_stops_on_count_even_when_the_server_sends_a_last_cursor(server, tmp_path):
    server.cursor_on_last_page = True
    stats = fetch(server, tmp_path, per_page=200)
    assert stats.pages == 1 and len(server.requests) == 1 and stats.records == 7


def test_stops_on_empty_page(server, tmp_path):
    # a server that sends no count and a cursor on its last page: paging ends on the empty page
    server.cursor_on_last_page = True
    server.hide_count = True
    stats = fetch(server, tmp_path, per_page=4)
    assert stats.records == 7 and stats.expected_records == 0
    assert [q["cursor"][0] for q in server.queries()] == ["*", page_cursor(4), page_cursor(8)]  # the third is empty
    assert stats.pages == 3


def test_max_pages_caps_the_fetch(server, tmp_path):
    stats = fetch(server, tmp_path, max_pages=2)
    assert stats.capped and stats.pages == 2 and stats.records == 4
    assert len(server.requests) == 2


# ---------------------------------------------------------------------------------------------
# retries and errors


def test_429_with_retry_after_then_503_then_success_is_retried(server, tmp_path):
    server.script = [
        (429, {"Retry-After": "7"}, b'{"error": "slow down"}'),
        (503, {}, b"unavailable"),
    ]
    sleeps = Sleeps()
    stats = fetch(server, tmp_path, sleep=sleeps, backoff_seconds=0.5)
    assert sleeps == [7.0, 1.0]  # Retry-After honoured; then backoff * 2**1
    assert stats.retries == 2
    assert stats.requests == 4 + 2
    assert len(server.requests) == 6
    assert stats.records == 7
    # the retried request was the same first page
    assert [q["cursor"][0] for q in server.queries()[:3]] == ["*", "*", "*"]


def test_backoff_is_exponential_without_retry_after(server, tmp_path):
    server.script = [(500, {}, b"x"), (502, {}, b"x"), (504, {}, b"x")]
    sleeps = Sleeps()
    stats = fetch(server, tmp_path, sleep=sleeps, backoff_seconds=1.0, max_retries=3)
    assert sleeps == [1.0, 2.0, 4.0]
    assert stats.retries == 3 and stats.records == 7


def test_exhausted_retries_raise_with_the_url(server, tmp_path):
    server.fail_when = lambda path, q: (503, {}, b"down for maintenance")
    sleeps = Sleeps()
    with pytest.raises(OpenAlexApiError) as info:
        fetch(server, tmp_path, sleep=sleeps, max_retries=2)
    err = info.value
    assert err.status == 503 and err.attempts == 3
    assert len(server.requests) == 3 and len(sleeps) == 2
    assert server.url + "/works?" in str(err) and "503" in str(err)
    assert err.url.startswith(server.url + "/works?") and "cursor=*" in err.url
    assert not (tmp_path / "data" / "works" / "manifest").exists()
    assert list(tmp_path.rglob("part_*")) == []


def test_400_raises_at_once_without_retries(server, tmp_path):
    server.script = [(400, {}, b'{"error": "Invalid query parameters error."}')]
    sleeps = Sleeps()
    with pytest.raises(OpenAlexApiError, match=r"HTTP 400.*Invalid query") as info:
        fetch(server, tmp_path, sleep=sleeps)
    assert info.value.status == 400 and info.value.attempts == 1
    assert len(server.requests) == 1 and sleeps == []


def test_404_is_not_retried(server, tmp_path):
    cfg_ = cfg(server, base_url=server.url + "/nope")
    with pytest.raises(OpenAlexApiError, match="404"):
        api.fetch_works_year(cfg_, 2019, tmp_path, sleep=Sleeps())
    assert len(server.requests) == 1


def test_connection_refused_is_retried_then_raises(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sleeps = Sleeps()
    config = ApiFetchConfig(base_url=f"http://127.0.0.1:{port}", max_retries=2, backoff_seconds=0.25)
    with pytest.raises(OpenAlexApiError, match=rf"after 3 attempts: GET http://127.0.0.1:{port}/works") as info:
        api.fetch_works_year(config, 2019, tmp_path, sleep=sleeps)
    assert info.value.status is None
    assert sleeps == [0.25, 0.5]


def test_timeout_is_retried(server, tmp_path):
    server.delay_first = 1.0
    sleeps = Sleeps()
    stats = fetch(server, tmp_path, sleep=sleeps, timeout_seconds=0.2, per_page=200)
    assert stats.retries == 1 and len(sleeps) == 1 and stats.records == 7


def test_garbled_body_is_retried(server, tmp_path):
    server.script = [(200, {}, b'{"meta": {"count": 7, "next_cur')]
    stats = fetch(server, tmp_path, per_page=200)
    assert stats.retries == 1 and stats.records == 7


def test_an_overlong_retry_after_fails_instead_of_hanging(server, tmp_path):
    server.script = [(429, {"Retry-After": "86400"}, b"daily limit")]
    sleeps = Sleeps()
    with pytest.raises(OpenAlexApiError, match="86400"):
        fetch(server, tmp_path, sleep=sleeps)
    assert sleeps == []


def test_parse_retry_after():
    assert api.parse_retry_after("12") == 12.0
    assert api.parse_retry_after(None) is None
    assert api.parse_retry_after("soon") is None
    assert api.parse_retry_after("-3") == 0.0
    now = dt.datetime(2024, 1, 1, 12, 0, 0, tzinfo=dt.timezone.utc).timestamp()
    assert api.parse_retry_after("Mon, 01 Jan 2024 12:00:30 GMT", now=now) == pytest.approx(30.0)


# ---------------------------------------------------------------------------------------------
# files: layout, manifest, replacement, atomicity


def check_manifest(entity_dir: Path, entity: str) -> dict:
    manifest = json.loads((entity_dir / "manifest").read_text())
    parts = sorted(p for p in entity_dir.glob("updated_date=*/part_*") if p.is_file())
    urls = [e["url"] for e in manifest["entries"]]
    assert urls == [f"s3://openalex/data/{entity}/{p.parent.name}/{p.name}" for p in parts]
    for entry, part in zip(manifest["entries"], parts):
        with gzip.open(part, "rb") as fh:
            lines = [line for line in fh if line.strip()]
        assert entry["meta"]["record_count"] == len(lines)
        assert entry["meta"]["content_length"] == part.stat().st_size
    assert manifest["meta"]["record_count"] == sum(e["meta"]["record_count"] for e in manifest["entries"])
    assert manifest["meta"]["content_length"] == sum(e["meta"]["content_length"] for e in manifest["entries"])
    return manifest


def test_written_directory_has_the_snapshot_layout(server, tmp_path):
    stats = fetch(server, tmp_path, records_per_part=3)
    works = tmp_path / "data" / "works"
    files = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file() and p.name != ".lock")
    assert files == [
        "data/works/manifest",
        "data/works/updated_date=2024-05-01/part_2019_000.gz",
        "data/works/updated_date=2024-05-01/part_2019_001.gz",
        "data/works/updated_date=2024-05-01/part_2019_002.gz",
    ]
    assert [p.is_dir() for p in works.iterdir() if p.name.startswith(".fetch")] == []  # no staging left
    assert stats.files_written == 3 and stats.files == [str(works / f) for f in (
        "updated_date=2024-05-01/part_2019_000.gz", "updated_date=2024-05-01/part_2019_001.gz",
        "updated_date=2024-05-01/part_2019_002.gz")]
    manifest = check_manifest(works, "works")
    assert [e["meta"]["record_count"] for e in manifest["entries"]] == [3, 3, 1]
    assert manifest["meta"]["record_count"] == 7
    # every line is one full work, as received
    with gzip.open(works / "updated_date=2024-05-01/part_2019_000.gz", "rt") as fh:
        first = json.loads(fh.readline())
    assert first == next(w for w in make_corpus() if w["id"] == first["id"])
    # the project's snapshot reader reads it through the manifest, nothing missing or unlisted
    ef = list_entity_files(tmp_path, "works")
    assert ef.manifest is not None and ef.missing == [] and ef.unlisted == []
    assert len(ef.parts) == 3


def test_refetching_a_year_replaces_its_parts(server, tmp_path):
    works = tmp_path / "data" / "works"
    fetch(server, tmp_path, 2019, today=D1, records_per_part=2)  # 4 parts of 2019 on D1
    fetch(server, tmp_path, 2018, today=D1)
    assert len(list(works.glob("updated_date=2024-05-01/part_2019_*.gz"))) == 4
    # the corpus changes: W1 is gone from 2019
    server.entities["works"] = [w for w in server.entities["works"] if w["id"] != "https://openalex.org/W1"]
    stats = fetch(server, tmp_path, 2019, today=D2, records_per_part=5)
    assert stats.records == 6
    assert sorted(p.relative_to(works).as_posix() for p in works.glob("updated_date=*/part_*")) == [
        "updated_date=2024-05-01/part_2018_000.gz",
        "updated_date=2024-06-02/part_2019_000.gz",
        "updated_date=2024-06-02/part_2019_001.gz",
    ]
    manifest = check_manifest(works, "works")
    assert manifest["meta"]["record_count"] == 6 + 3
    got = ids_of(read_snapshot(tmp_path))
    assert len(got) == len(set(got)) == 9 and "W1" not in got
    # same day again, fewer parts: leftovers of the same folder are removed too
    fetch(server, tmp_path, 2019, today=D2, records_per_part=100)
    assert sorted(p.name for p in works.glob("updated_date=2024-06-02/part_*")) == ["part_2019_000.gz"]
    assert check_manifest(works, "works")["meta"]["record_count"] == 9


def test_empty_date_folders_are_removed(server, tmp_path):
    fetch(server, tmp_path, 2019, today=D1)
    fetch(server, tmp_path, 2019, today=D2)
    assert [p.name for p in (tmp_path / "data" / "works").glob("updated_date=*")] == ["updated_date=2024-06-02"]


def test_a_failed_refetch_leaves_the_previous_year_intact(server, tmp_path):
    fetch(server, tmp_path, 2019, today=D1)
    fetch(server, tmp_path, 2018, today=D1)
    before = tree(tmp_path)
    # fail on the third page of the re-fetch, after two pages were already staged
    server.fail_when = lambda path, q: (400, {}, b"bad") if q.get("cursor") == [page_cursor(4)] else None
    with pytest.raises(OpenAlexApiError):
        fetch(server, tmp_path, 2019, today=D2, records_per_part=1)
    assert tree(tmp_path) == before
    assert not any(p.name.startswith(".fetch") for p in (tmp_path / "data" / "works").iterdir())


def test_an_interrupt_leaves_the_previous_year_intact(server, tmp_path):
    fetch(server, tmp_path, 2019, today=D1)
    before = tree(tmp_path)
    calls = []

    def interrupting_sleep(seconds):
        calls.append(seconds)
        raise KeyboardInterrupt

    server.fail_when = lambda path, q: (503, {}, b"x") if q.get("cursor") == [page_cursor(4)] else None
    with pytest.raises(KeyboardInterrupt):
        fetch(server, tmp_path, 2019, today=D2, sleep=interrupting_sleep)
    assert calls and tree(tmp_path) == before


def test_manifest_keeps_parts_it_did_not_write(server, tmp_path):
    """Parts already present (e.g. copied from a real snapshot) are listed and counted too."""
    other = tmp_path / "data" / "works" / "updated_date=2023-01-01" / "part_000.gz"
    other.parent.mkdir(parents=True)
    with gzip.open(other, "wb") as fh:
        fh.write(b'{"id": "https://openalex.org/W99"}\n{"id": "https://openalex.org/W98"}\n')
    fetch(server, tmp_path, 2019)
    manifest = check_manifest(tmp_path / "data" / "works", "works")
    assert manifest["entries"][0]["url"].endswith("updated_date=2023-01-01/part_000.gz")
    assert manifest["meta"]["record_count"] == 2 + 7


def test_a_year_without_works_removes_old_parts_and_writes_none(server, tmp_path):
    fetch(server, tmp_path, 2019)
    server.entities["works"] = [w for w in server.entities["works"] if w["publication_year"] != 2019]
    stats = fetch(server, tmp_path, 2019, today=D2)
    assert stats.records == 0 and stats.files_written == 0
    assert list(tmp_path.rglob("part_*")) == []
    assert json.loads((tmp_path / "data/works/manifest").read_text())["meta"]["record_count"] == 0


# ---------------------------------------------------------------------------------------------
# institutions


def test_institutions_are_fetched_in_batches_of_50(server, tmp_path):
    ids = [f"I{100 + i}" for i in range(120)]
    ids[5] = "https://openalex.org/" + ids[5]  # URL form accepted
    ids.append("I100")  # duplicates dropped
    stats = api.fetch_institutions(cfg(server, per_page=200), ids, tmp_path, sleep=Sleeps(), today=lambda: D1)
    qs = server.queries("/institutions")
    assert len(qs) == 3 and len(server.requests) == 3
    batches = [q["filter"][0].removeprefix("openalex:").split("|") for q in qs]
    assert [len(b) for b in batches] == [50, 50, 20]
    assert all(q["filter"][0].startswith("openalex:I") for q in qs)
    assert [i for b in batches for i in b] == [f"I{100 + i}" for i in range(120)]
    assert all(q["mailto"] == ["me@example.org"] for q in qs)
    assert stats.records == 120 and stats.pages == 3
    inst = tmp_path / "data" / "institutions"
    assert [p.relative_to(inst).as_posix() for p in inst.glob("updated_date=*/part_*")] == [
        "updated_date=2024-05-01/part_000.gz"
    ]
    assert check_manifest(inst, "institutions")["meta"]["record_count"] == 120
    got = read_snapshot(tmp_path, "institutions")
    assert sorted(ids_of(got)) == sorted(f"I{100 + i}" for i in range(120))
    assert got[0]["geo"]["city"] == "Paris"


def test_institutions_page_within_a_batch(server, tmp_path):
    stats = api.fetch_institutions(cfg(server, per_page=20), [f"I{100 + i}" for i in range(60)], tmp_path,
                                   sleep=Sleeps(), today=lambda: D1)
    assert [len(q["filter"][0].split("|")) for q in server.queries("/institutions")] == [50, 50, 50, 10]
    assert stats.records == 60


def test_institutions_refetch_replaces_or_appends(server, tmp_path):
    c = cfg(server, per_page=200)
    api.fetch_institutions(c, ["I100", "I101"], tmp_path, sleep=Sleeps(), today=lambda: D1)
    api.fetch_institutions(c, ["I101", "I102"], tmp_path, sleep=Sleeps(), today=lambda: D2)
    assert sorted(ids_of(read_snapshot(tmp_path, "institutions"))) == ["I101", "I102"]
    n = len(server.requests)
    stats = api.fetch_institutions(c, ["I102", "I103"], tmp_path, sleep=Sleeps(), today=lambda: D2, replace=False)
    assert server.queries("/institutions")[n:] == [
        {"filter": ["openalex:I103"], "per-page": ["200"], "cursor": ["*"], "mailto": ["me@example.org"]}
    ]
    assert stats.records == 1
    inst = tmp_path / "data" / "institutions"
    assert sorted(p.name for p in inst.glob("updated_date=*/part_*")) == ["part_000.gz", "part_001.gz"]
    assert sorted(ids_of(read_snapshot(tmp_path, "institutions"))) == ["I101", "I102", "I103"]
    check_manifest(inst, "institutions")


def test_bad_ids_are_rejected_before_any_request(server, tmp_path):
    with pytest.raises(ValueError, match="institution id"):
        api.fetch_institutions(cfg(server), ["I1", "W2"], tmp_path, sleep=Sleeps())
    with pytest.raises(ValueError, match="concept id"):
        fetch(server, tmp_path, concepts=("AI",))
    assert server.requests == []


def test_empty_institution_list_changes_nothing(server, tmp_path):
    stats = api.fetch_institutions(cfg(server), [], tmp_path, sleep=Sleeps())
    assert stats.records == 0 and server.requests == [] and not (tmp_path / "data").exists()


# ---------------------------------------------------------------------------------------------
# config and CLI


def test_config_validation():
    with pytest.raises(ValueError):
        ApiFetchConfig(per_page=500)
    with pytest.raises(ValueError):
        ApiFetchConfig(max_retries=-1)
    assert api.works_filters(ApiFetchConfig(concepts=(), subfields=()), 2020) == ["publication_year:2020"]


def test_cli(server, tmp_path, capsys):
    out = tmp_path / "snap"
    rc = api.main(["--year", "2018-2019", "--out", str(out), "--mailto", "me@x.org", "--base-url", server.url,
                   "--per-page", "200", "--institutions"])
    assert rc == 0
    report = json.loads(capsys.readouterr().out)
    assert report["years"]["2018"]["records"] == 3 and report["years"]["2019"]["records"] == 7
    assert report["institutions"]["records"] == 0  # the fake institutions are I100.., works name I1000..
    assert [q["mailto"] for q in server.queries()] == [["me@x.org"]] * 2
    assert check_manifest(out / "data" / "works", "works")["meta"]["record_count"] == 10
    assert len(server.queries("/institutions")) == 1
    assert server.queries("/institutions")[0]["filter"] == ["openalex:I1000|I1001|I1002|I1003"]


def test_cli_reports_api_errors(server, tmp_path, capsys):
    server.fail_when = lambda path, q: (403, {}, b"forbidden")
    rc = api.main(["--year", "2019", "--out", str(tmp_path), "--base-url", server.url, "--max-retries", "0"])
    assert rc == 2
    assert "HTTP 403" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------
# the life-science atlas's fetches by identifier (Schmallenbach et al. 2024's link of PubMed records to OpenAlex)


def test_twins_are_fetched_by_pmid_and_doi_whatever_their_concepts(server, tmp_path):
    """W10 (medicine only, PMID 9010) and W9 (DOI 10.1/9, no PMID) are not AI works: the concept
    download of 2019 misses them, the fetch by identifier finds them, and W4 twice (both ids)."""
    fetch(server, tmp_path)
    assert not {"W9", "W10"} & set(ids_of(read_snapshot(tmp_path)))
    stats = api.fetch_works_by_ids(cfg(server), tmp_path / "links", "pmid2019", pmids=["9010", "9004"],
                                   dois=["10.1/9", "10.1/4"], sleep=Sleeps(), today=lambda: D1)
    assert sorted(ids_of(read_snapshot(tmp_path / "links"))) == ["W10", "W4", "W9"]
    assert stats.records == 3 and stats.duplicates == 1
    assert [p.name for p in api.downloaded_parts(tmp_path / "links", "pmid2019")] == ["part_pmid2019_000.gz"]
    sent = [q["filter"][0] for q in server.queries()[-2:]]
    assert sent == ["pmid:9010|9004", "doi:10.1/9|10.1/4"]


def test_ids_are_sent_fifty_a_request_and_unsendable_ones_are_counted(server, tmp_path):
    pmids = [str(9000 + n) for n in range(120)]
    stats = api.fetch_works_by_ids(cfg(server, per_page=200), tmp_path, "x", pmids=pmids + pmids[:3],
                                   dois=["10.1/a|b", "10.1/c,d"], sleep=Sleeps(), today=lambda: D1)
    sent = [q["filter"][0] for q in server.queries()]
    assert [len(f.removeprefix("pmid:").split("|")) for f in sent] == [50, 50, 20]
    assert stats.refused_ids == 2 and not any(f.startswith("doi:") for f in sent)
    assert sorted(ids_of(read_snapshot(tmp_path))) == sorted(f"W{n}" for n in range(2, 14, 2))


def test_the_pmid_filter_name_is_configurable(server, tmp_path):
    api.fetch_works_by_ids(cfg(server, pmid_filter="ids.pmid"), tmp_path, "x", pmids=["9002"], sleep=Sleeps(), today=lambda: D1)
    assert server.queries()[-1]["filter"] == ["ids.pmid:9002"]
    assert ids_of(read_snapshot(tmp_path)) == ["W2"]


def test_citing_works_are_fetched_by_cites(server, tmp_path):
    """W3 is cited by every later work (each cites the first five multiples of three below it),
    W12 by W13 only: the citing works of any concept and year arrive once."""
    stats = api.fetch_citing_works(cfg(server), tmp_path, "citing", ["https://openalex.org/W3", "W12"], sleep=Sleeps(), today=lambda: D1)
    assert sorted(ids_of(read_snapshot(tmp_path)), key=lambda w: int(w[1:])) == [f"W{n}" for n in range(4, 14)]
    assert stats.records == 10 and server.queries()[-1]["filter"] == ["cites:W3|W12"]


def test_a_named_fetch_replaces_only_its_own_parts(server, tmp_path):
    fetch(server, tmp_path)
    for name, pmid in (("pmid2018", "9012"), ("pmid2019", "9002"), ("pmid2019", "9004")):
        api.fetch_works_by_ids(cfg(server), tmp_path, name, pmids=[pmid], sleep=Sleeps(), today=lambda: D2)
    names = sorted(p.name for p in (tmp_path / "data" / "works").glob("updated_date=*/part_*.gz"))
    assert names == ["part_2019_000.gz", "part_pmid2018_000.gz", "part_pmid2019_000.gz"]
    assert ids_of(read_snapshot(tmp_path))[-2:] in (["W12", "W4"], ["W4", "W12"])
    check_manifest(tmp_path / "data" / "works", "works")


def test_fetch_once_reuses_a_download_of_the_same_ids(server, tmp_path):
    def twins(pmids, refetch=False):
        return api.fetch_once(tmp_path, "pmid2019", {"pmids": pmids}, refetch,
                              lambda: api.fetch_works_by_ids(cfg(server), tmp_path, "pmid2019", pmids=pmids, sleep=Sleeps(), today=lambda: D1))

    assert twins(["9002"])["api_records"] == 1 and len(server.requests) == 1
    assert twins(["9002"]) == {"api_fetch": "reused earlier download", "api_records": 1} and len(server.requests) == 1
    assert twins(["9002", "9004"])["api_records"] == 2 and len(server.requests) == 2
    twins(["9002", "9004"], refetch=True)
    assert len(server.requests) == 3
