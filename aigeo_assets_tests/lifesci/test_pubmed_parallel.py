"""PubMed files parsed in parallel (``pubmed_files.parse_all``): the manifest, the quarantine and
every cache folder's tables are the same with one worker and with two, in file order, damaged
files included; a file listed twice is parsed once; the workers start from a daemonic process
(where the assets run, and where ``multiprocessing`` forbids children); a worker's failure is
raised; the worker count follows the cores this process may use, capped by the files left."""

from __future__ import annotations

import concurrent.futures
import gzip
import multiprocessing

import pytest

import pandas as pd

from aigeo_assets import cores
from aigeo_assets.lifesci import pubmed_files as pf
from aigeo_assets_tests.support.pubmed_xml import article, write


def _files(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    files = [
        write(src, *(article(str(100 * k + i)) for i in range(1 + k)), name=f"pubmed25n000{k}.xml.gz")
        for k in range(1, 5)
    ]
    broken = write(src, article("901"), article("902"), name="pubmed25n0005.xml.gz")
    data = broken.read_bytes()
    broken.write_bytes(data[: len(data) - 40])  # truncated gzip: a truncated_gzip row
    bad_xml = src / "pubmed25n0006.xml.gz"
    text = gzip.decompress(write(src, article("903"), article("904"), name="tmp.xml.gz").read_bytes())
    bad_xml.write_bytes(gzip.compress(text.replace(b"<ArticleTitle>", b"<ArticleTitle><<", 1)))  # an xml_syntax_error row
    (src / "tmp.xml.gz").unlink()
    return [*files, broken, bad_xml, files[1]]  # the second file listed twice


def _folder_tables(folder):
    return {p.name: pd.read_parquet(p) for p in sorted(folder.glob("*.parquet"))}


def test_two_workers_give_what_one_gives_in_file_order(tmp_path, monkeypatch):
    files = _files(tmp_path)
    pools = []
    real = concurrent.futures.ThreadPoolExecutor

    def recording(*args, **kwargs):
        pools.append(kwargs.get("max_workers"))
        return real(*args, **kwargs)

    monkeypatch.setattr(concurrent.futures, "ThreadPoolExecutor", recording)
    one_m, one_q = pf.file_manifest(files, tmp_path / "cache1", workers=1)
    assert pools == []  # one worker: in this process
    two_m, two_q = pf.file_manifest(files, tmp_path / "cache2", workers=2)
    assert pools == [2]
    pd.testing.assert_frame_equal(one_m, two_m)
    pd.testing.assert_frame_equal(one_q, two_q)
    assert list(two_m["file"]) == [f.name for f in files]
    assert list(two_m["parsed_now"]) == [True] * 6 + [False]  # the repeated file was parsed once
    assert list(two_m["records"]) == [2, 3, 4, 5, 1, 1, 3]  # the truncated file keeps its first record
    # quarantine rows in file order: the truncated gzip's, then the syntax error's
    assert list(two_q["reason"]) == ["truncated_gzip", "xml_syntax_error"]
    assert list(two_q["file"]) == [str(files[4]), str(files[5])]
    for f in files:
        key = pf.cache_key(f)
        a, b = _folder_tables(tmp_path / "cache1" / key), _folder_tables(tmp_path / "cache2" / key)
        assert a.keys() == b.keys() and len(a) == 6
        for name in a:
            pd.testing.assert_frame_equal(a[name], b[name])
    again_m, again_q = pf.file_manifest(files, tmp_path / "cache2")  # all cached: no pool, nothing parsed
    assert pools == [2] and not again_m["parsed_now"].any()
    pd.testing.assert_frame_equal(again_q, two_q)


def test_year_tables_read_the_same_after_a_parallel_parse(tmp_path):
    files = _files(tmp_path)
    pf.file_manifest(files, tmp_path / "cache1", workers=1)
    pf.file_manifest(files, tmp_path / "cache2", workers=2)
    pf._winners_memo.clear()
    one = pf.pubmed_year_tables(files, tmp_path / "cache1", 2019)
    pf._winners_memo.clear()
    two = pf.pubmed_year_tables(files, tmp_path / "cache2", 2019)
    assert len(one.articles) == 16
    for a, b in ((one.articles, two.articles), (one.authors, two.authors), (one.references, two.references)):
        pd.testing.assert_frame_equal(a, b)
    # a year read from files not parsed yet parses them first, with the workers it is given
    pf._winners_memo.clear()
    fresh = pf.pubmed_year_tables(files, tmp_path / "cache3", 2019, workers=2)
    for a, b in ((one.articles, fresh.articles), (one.authors, fresh.authors), (one.references, fresh.references)):
        pd.testing.assert_frame_equal(a, b)


def test_worker_count_follows_the_cores_allowed_and_the_files_left(monkeypatch):
    monkeypatch.setattr(cores.os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    assert [pf.parse_workers(n) for n in (0, 1, 2, 3, 10)] == [1, 1, 2, 3, 3]
    monkeypatch.setattr(cores.os, "sched_getaffinity", lambda pid: {5}, raising=False)
    assert pf.parse_workers(10) == 1


def _manifest_in_daemon(files, cache, queue):
    try:
        manifest, quarantine = pf.file_manifest(files, cache, workers=2)
        queue.put((list(manifest["records"]), list(quarantine["reason"])))
    except BaseException as exc:  # reported to the test
        queue.put(repr(exc))


def test_workers_start_from_a_daemonic_process(tmp_path):
    files = _files(tmp_path)
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_manifest_in_daemon, args=(files, tmp_path / "cache", queue), daemon=True)
    proc.start()
    got = queue.get(timeout=120)
    proc.join(30)
    assert got == ([2, 3, 4, 5, 1, 1, 3], ["truncated_gzip", "xml_syntax_error"])


def test_a_worker_failure_is_raised(tmp_path, monkeypatch):
    files = _files(tmp_path)
    monkeypatch.setattr(pf.sys, "executable", "false")  # every worker exits with status 1
    with pytest.raises(RuntimeError, match="in a worker process failed"):
        pf.parse_all(files, tmp_path / "cache", workers=2)
