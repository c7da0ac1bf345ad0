"""A local OpenAlex API for tests (never the internet): ``/works`` and ``/institutions`` with the
filters aigeo's client sends (``publication_year``, ``concepts.id``, ``primary_topic.subfield.id``,
and the identifier filters ``openalex``, ``pmid``/``ids.pmid``, ``doi``, ``cites``, OR-ed with
``|``), cursor paging, a record of every request, and scripted failures."""

from __future__ import annotations

import base64
import threading
import time
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson

ID_KEYS = ("openalex", "pmid", "ids.pmid", "doi", "cites")


def tail_id(value: str) -> str:
    return value.rstrip("/").rsplit("/", 1)[-1]


def _matches(record: dict, filter_value: str) -> bool:
    for clause in filter_value.split(","):
        key, _, value = clause.partition(":")
        wanted = set(value.split("|"))
        if key == "publication_year":
            ok = str(record.get("publication_year")) in wanted
        elif key == "concepts.id":
            ok = bool({tail_id(c["id"]) for c in record.get("concepts") or []} & wanted)
        elif key == "primary_topic.subfield.id":
            sub = ((record.get("primary_topic") or {}).get("subfield") or {}).get("id")
            ok = sub is not None and tail_id(sub) in wanted
        elif key in ID_KEYS:
            ok = bool(set(_ids(record, key)) & {w.lower() for w in wanted})
        else:
            raise ValueError(f"fake server: unknown filter {key}")
        if not ok:
            return False
    return True


def page_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset={offset}".encode()).decode()  # has '=' padding, like real ones


def _offset(cursor: str) -> int:
    return 0 if cursor == "*" else int(base64.urlsafe_b64decode(cursor.encode()).decode().split("=")[1])


# ---------------------------------------------------------------------------------------------
# the fake server


class FakeOpenAlex:
    """A local OpenAlex: ``/works`` and ``/institutions`` with filter + cursor paging."""

    def __init__(self, entities: dict[str, list[dict]]) -> None:
        self.entities = entities
        self.requests: list[dict] = []  # {"path", "query" (parse_qs), "raw", "headers"}
        self.script: list[tuple[int, dict, bytes]] = []  # next responses to force (status, headers, body)
        self.fail_when: Callable | None = None  # (path, query) -> (status, headers, body) | None
        self.cursor_on_last_page = False  # like the real API: a cursor even when nothing follows
        self.hide_count = False  # meta.count = null
        self.delay_first = 0.0
        self.lock = threading.Lock()
        self._cache: dict[tuple, list[dict]] = {}
        self._indexes: dict[tuple, dict[str, list[int]]] = {}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802
                fake.handle(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _send(self, h: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict | None = None) -> None:
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        parsed = urllib.parse.urlsplit(h.path)
        query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
        with self.lock:
            self.requests.append({"path": parsed.path, "query": query, "raw": parsed.query, "headers": dict(h.headers)})
            first = len(self.requests) == 1
            scripted = self.script.pop(0) if self.script else None
        if first and self.delay_first:
            time.sleep(self.delay_first)
        if scripted is None and self.fail_when is not None:
            scripted = self.fail_when(parsed.path, query)
        if scripted is not None:
            status, headers, body = scripted
            self._send(h, status, body, headers)
            return
        entity = parsed.path.strip("/")
        if entity not in self.entities:
            self._send(h, 404, b'{"error": "not found"}')
            return
        filter_value = query.get("filter", [""])[0]
        per_page = int(query.get("per-page", ["25"])[0])
        offset = _offset(query.get("cursor", ["*"])[0])
        hits = self._hits(entity, filter_value)
        page = hits[offset : offset + per_page]
        more = offset + per_page < len(hits)
        next_cursor = page_cursor(offset + per_page) if (more or (self.cursor_on_last_page and page)) else None
        doc = {
            "meta": {"count": None if self.hide_count else len(hits), "db_response_time_ms": 1, "page": None, "per_page": per_page,
                     "next_cursor": next_cursor, "groups_count": None},
            "results": page,
            "group_by": [],
        }
        self._send(h, 200, orjson.dumps(doc))

    def _hits(self, entity: str, filter_value: str) -> list[dict]:
        """The records matching ``filter_value``: one OR-ed identifier filter looked up in an index,
        anything else scanned; kept per filter while the entity's list is the same object."""
        records = self.entities[entity]
        key = (entity, filter_value, id(records), len(records))
        with self.lock:
            if key not in self._cache:
                name, _, value = filter_value.partition(":")
                if "," not in filter_value and name in ID_KEYS:
                    index = self._indexes.get((entity, name, id(records), len(records)))
                    if index is None:
                        index = self._indexes[(entity, name, id(records), len(records))] = _index(records, name)
                    self._cache[key] = [records[i] for i in sorted({i for v in value.split("|") for i in index.get(v.lower(), ())})]
                else:
                    self._cache[key] = [r for r in records if _matches(r, filter_value)]
            return self._cache[key]

    # helpers for assertions
    def queries(self, path: str = "/works") -> list[dict]:
        return [r["query"] for r in self.requests if r["path"] == path]


def _ids(record: dict, key: str) -> list[str]:
    """The values of identifier filter ``key`` a record answers to (lower case, short forms)."""
    if key == "openalex":
        return [tail_id(record["id"]).lower()]
    if key in ("pmid", "ids.pmid"):
        pmid = (record.get("ids") or {}).get("pmid")
        return [tail_id(str(pmid)).lower()] if pmid else []
    if key == "doi":
        doi = record.get("doi")
        return [str(doi).lower().removeprefix("https://doi.org/")] if doi else []
    return [tail_id(w).lower() for w in record.get("referenced_works") or []]


def _index(records: list[dict], key: str) -> dict[str, list[int]]:
    index: dict[str, list[int]] = {}
    for i, r in enumerate(records):
        for v in _ids(r, key):
            index.setdefault(v, []).append(i)
    return index
