"""What the modules of AlShebli et al. 2022's sample world share: OpenAlex ids (works, and the
PMIDs of its life-science works), the random stream of a year, interpolation over the years,
the quirk counters, and the writers of whole gzip files and of an entity's manifest."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np
import orjson


OA = "https://openalex.org/"
P_WORK = 999_999_937  # prime: work ids are a bijection of the generation index
P_AUTH = 899_999_963
P_PMID = 69_999_989

DISRUPTIVE_OWN_OUT = 0.8
"""Share of the disruptive city's in-corpus references sent outside the corpus (few works then share
its papers' references)."""
DEVELOPMENTAL_FOLLOW = 0.9
"""Chance that a work citing a paper of the developmental city also cites one or two of its references."""


def work_num(k: int) -> int:
    return 2_000_000_000 + (k * 48_271 + 12_345) % P_WORK


def alshebli2022_pmid(k: int) -> int:
    """The PMID of the AlShebli et al. 2022 world's life-science work ``k``: the w-th integer from 10,000,000 on
    that is not 3 mod 8 (w a bijection of ``k``), so it never is a PMID of the life-science world
    (all 3 mod 8) and two works never share one."""
    w = (k * 7_001 + 3) % P_PMID
    q, s = divmod(w, 7)
    return 10_000_000 + 8 * q + (s if s < 3 else s + 1)


def lerp(pair: tuple[float, float], year: int) -> float:
    f = min(max((year - 1990) / 29.0, 0.0), 1.0)
    return pair[0] + (pair[1] - pair[0]) * f


def write_gzip_bytes(path: Path, data: bytes, inner_name: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh, gzip.GzipFile(filename=inner_name, mode="wb", fileobj=fh, mtime=0) as gz:
        gz.write(data)


def write_manifest(entity_dir: Path, entity: str, parts: list[tuple[str, int]]) -> None:
    entries = []
    for rel, count in parts:
        size = (entity_dir / rel).stat().st_size
        entries.append({"url": f"s3://openalex/data/{entity}/{rel}", "meta": {"content_length": size, "record_count": count}})
    doc = {"entries": entries, "meta": {"content_length": sum(e["meta"]["content_length"] for e in entries),
                                        "record_count": sum(e["meta"]["record_count"] for e in entries)}}
    (entity_dir / "manifest").write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n")



Q_KEYS = ("authorships_without_institution", "authorships_without_institution_raw_city",
           "authorships_with_merged_institution_id", "references_to_merged_work_ids",
           "references_out_of_corpus", "references_in_corpus", "duplicate_lines",
           "works_without_primary_source", "noncorpus_type_works", "works_with_pmid",
           "works_without_abstract", "works_without_doi", "works_without_type_crossref")
KINDS = ("ai", "lifesci", "cs", "other")


def year_seed(seed: int, year: int, stream: bytes) -> np.random.SeedSequence:
    """The random stream of one year's rendering: a function of (seed, year) only, so the world does
    not depend on how many workers render it or in which order they finish."""
    return np.random.SeedSequence([abs(int(seed)) % (1 << 63), zlib.crc32(stream), int(year)])
