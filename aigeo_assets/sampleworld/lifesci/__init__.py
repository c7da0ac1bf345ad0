"""The life-science part of the sample world (Schmallenbach et al. 2024): a PubMed baseline, outlet rankings, truth.

``generate_lifesci(root, scale, seed, start, end)`` writes, into the sample-world folder ``root``
(``generate_world`` passes ``start`` = 2000 and ``end`` = its ``lifesci_end_year``, by default
``LIFESCI_END_YEAR`` = 2022, the years of Schmallenbach et al. 2024, whatever AlShebli et al. 2022's years are; a scale's
``ai_articles`` are those of 2000-2022, so fewer years give fewer articles):

* ``pubmed/baseline/pubmed26nNNNN.xml.gz``: the PubMed baseline files (``pubmed_records``);
* ``data/works/updated_date=.../part_lsNNN.gz`` and ``data/institutions/updated_date=.../part_ls000.gz``:
  the OpenAlex twins, OpenAlex-only citers and conference papers, and their institutions
  (``openalex_records``);
* ``rankings/journal_ranking.csv`` and ``rankings/conference_ranking.csv`` (``rankings``);
* ``truth_lifesci.json``: what was planted (``truth``).

The modules, by what they make:

``params``
    scales, the planted signal (with its description), id ranges, quirk rates.
``vocabulary``
    words: AI terms, clinical markers, conditions, MeSH, affiliation pieces, journal categories
    and names, and the string helpers that render them.
``outlets``
    the journals and conferences (quality, ranks, citation effects).
``world``
    ``LifesciWorld``: the geography, the citation model, and each year's draws (articles, their
    authors' countries, citations, PMIDs, files), handed to the renderers as jobs.
``texts``
    titles and abstracts.
``pubmed_records``
    the PubMed XML records and the gzip members of the baseline files.
``openalex_records``
    the OpenAlex works and institutions.
``render``
    the run: years in order, records rendered in chunks (here or in worker processes), the files.
``truth``
    ``truth_lifesci.json``.

The world is a pure function of (scale, seed, years): the bytes of every file do not depend on the
number of worker processes.
"""
from __future__ import annotations

import json
from pathlib import Path

from aigeo_assets.sampleworld.lifesci.params import FIRST_YEAR, LIFESCI_END_YEAR, LS_SCALES, RENDER_CHUNK
from aigeo_assets.sampleworld.lifesci.rankings import CONFERENCE_COLUMNS, JOURNAL_COLUMNS
from aigeo_assets.sampleworld.lifesci.vocabulary import AI_TERMS, CLINICAL_PATTERN, NONAI_FORBIDDEN
from aigeo_assets.sampleworld.lifesci.world import LifesciWorld

__all__ = ["AI_TERMS", "CLINICAL_PATTERN", "CONFERENCE_COLUMNS", "FIRST_YEAR", "JOURNAL_COLUMNS", "LIFESCI_END_YEAR",
           "LS_SCALES", "NONAI_FORBIDDEN", "RENDER_CHUNK", "LifesciWorld", "generate_lifesci"]


def generate_lifesci(root: Path, scale: str, seed: int, start: int, end: int, workers: int = 1,
                     chunk_records: int = RENDER_CHUNK) -> dict:
    """Write the PubMed baseline, the rankings and ``truth_lifesci.json`` into ``root``; return the truth.
    ``workers`` processes render the records (here when 1); the bytes are the same for any number.
    ``chunk_records`` (records per render job) is part of the bytes: each job draws from its own
    stream and adds one gzip member to each file it writes to."""
    if scale not in LS_SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {sorted(LS_SCALES)}")
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    world = LifesciWorld(root, scale, int(seed), int(start), int(end))
    truth = world.run(workers, chunk_records)
    (root / "truth_lifesci.json").write_text(json.dumps(truth, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return json.loads(json.dumps(truth))
