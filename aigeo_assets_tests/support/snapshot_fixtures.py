"""Small OpenAlex snapshot directories written by tests, in the real on-disk shape."""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

from aigeo_assets.ingest.records_folder import shared_samples_dir

SHARED_SAMPLES = shared_samples_dir()


def oa(kind: str, n: int | str) -> str:
    return f"https://openalex.org/{kind}{n}"


def work(
    n: int,
    year: int,
    *,
    authors: list[dict] | None = None,
    refs: list[int] | None = None,
    ai_score: float | None = 0.6,
    venue_type: str = "journal",
    **extra,
) -> dict:
    """A work record of the real shape (fields per conventions.md)."""
    concepts = [{"id": oa("C", 41008148), "display_name": "Computer science", "level": 0, "score": 0.9}]
    if ai_score is not None:
        concepts.append({"id": oa("C", 154945302), "display_name": "Artificial intelligence", "level": 1, "score": ai_score})
    rec = {
        "id": oa("W", n),
        "doi": f"https://doi.org/10.1000/{n}",
        "ids": {"openalex": oa("W", n), "doi": f"https://doi.org/10.1000/{n}"},
        "title": f"Deep learning study {n}",
        "display_name": f"Deep learning study {n}",
        "publication_year": year,
        "publication_date": f"{year}-05-01",
        "type": "article",
        "type_crossref": "journal-article" if venue_type == "journal" else "proceedings-article",
        "primary_location": {
            "source": {"id": oa("S", 100 + (venue_type == "conference")), "display_name": "J. AI", "issn_l": "1234-5678", "type": venue_type}
        },
        "authorships": authors if authors is not None else [],
        "concepts": concepts,
        "primary_topic": {
            "id": oa("T", 10028),
            "display_name": "Neural networks",
            "score": 0.99,
            "subfield": {"id": "https://openalex.org/subfields/1702", "display_name": "Artificial Intelligence"},
            "field": {"id": "https://openalex.org/fields/17", "display_name": "Computer Science"},
            "domain": {"id": "https://openalex.org/domains/3", "display_name": "Physical Sciences"},
        },
        "referenced_works": [oa("W", r) for r in (refs or [])],
        "abstract_inverted_index": {"We": [0], "train": [1], "a": [2], "network": [3]},
        "counts_by_year": [],
    }
    rec.update(extra)
    return rec


def authorship(position: str, author: int | None, insts: list[dict], countries=None, raw=None) -> dict:
    return {
        "author_position": position,
        "author": {"id": oa("A", author) if author is not None else None, "display_name": f"Author {author}"},
        "institutions": insts,
        "countries": countries if countries is not None else sorted({i["country_code"] for i in insts if i.get("country_code")}),
        "raw_affiliation_strings": raw or [],
    }


def inst_ref(n: int, country: str | None = "US", name: str | None = None) -> dict:
    return {"id": oa("I", n), "display_name": name or f"Institution {n}", "country_code": country, "type": "education"}


def institution(n: int, *, city=None, geonames=None, lat=None, lon=None, country="US", name=None, geo=True) -> dict:
    rec = {"id": oa("I", n), "display_name": name or f"Institution {n}", "country_code": country, "type": "education"}
    if geo:
        rec["geo"] = {
            "city": city,
            "geonames_city_id": None if geonames is None else str(geonames),
            "region": None,
            "country_code": country,
            "country": None,
            "latitude": lat,
            "longitude": lon,
        }
    else:
        rec["geo"] = None
    return rec


def _dump(lines: list, gz: bool) -> bytes:
    body = b"".join((x if isinstance(x, bytes) else json.dumps(x).encode()) + b"\n" for x in lines)
    if not gz:
        return body
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as fh:
        fh.write(body)
    return buf.getvalue()


def write_entity(
    root: Path,
    entity: str,
    parts: dict[str, list],
    *,
    layout: str = "classic",
    manifest: str | None = "entries",
    gz: bool = True,
) -> Path:
    """Write ``parts`` ({"updated_date=2024-01-01/part_000": [records or raw bytes]}) as a snapshot entity."""
    base = {"classic": root / "data" / entity, "jsonl": root / "data" / "jsonl" / entity, "bare": root / entity}[layout]
    urls = []
    for rel, lines in parts.items():
        path = base / (rel + (".gz" if gz else ""))
        path.parent.mkdir(parents=True, exist_ok=True)
        data = _dump(lines, gz)
        path.write_bytes(data)
        urls.append({"url": f"s3://openalex/data/{entity}/{rel}{'.gz' if gz else ''}", "meta": {"content_length": len(data), "record_count": len(lines)}})
    if manifest:
        (base / "manifest").write_text(json.dumps({manifest: urls, "meta": {}}))
    return base


def write_merged(root: Path, entity: str, pairs: list[tuple[str, str]]) -> None:
    folder = root / "data" / "merged_ids" / entity
    folder.mkdir(parents=True, exist_ok=True)
    with gzip.open(folder / "2024-01-01.csv.gz", "wt", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["merge_date", "id", "merge_into_id"])
        for old, new in pairs:
            w.writerow(["2024-01-01", old, new])
