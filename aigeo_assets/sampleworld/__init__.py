"""A deterministic generated OpenAlex snapshot ("sample world") with planted, recorded truth.

``generate_world(root, scale, seed)`` writes ``root/data/works/...``, ``root/data/institutions/...``,
``root/data/merged_ids/...`` in the real snapshot layout and ``root/truth.json`` with what was
planted; its life-science part (Schmallenbach et al. 2024, 2000-2022) writes a PubMed baseline (``root/pubmed/``),
the outlet rankings (``root/rankings/``), the records' OpenAlex twins, their citing works and the
atlas's conference papers as ``part_lsNNN.gz`` parts of the works (their institutions in
``part_ls000.gz``), and ``root/truth_lifesci.json``. Pure Python (no dagster).

Where each part is made: ``generator`` (``generate_world``: runs both parts, merges their manifests),
``alshebli`` (AlShebli et al. 2022's works, institutions, merged ids, ``truth.json``), ``lifesci``
(Schmallenbach et al. 2024's part), and what both read: ``config`` (scales, planted parameters),
``geography`` (cities, institutions), ``vocab`` (words, venues, concepts), ``rng``, ``claims``.
"""

from aigeo_assets.sampleworld.config import GENERATOR_VERSION, SCALES
from aigeo_assets.sampleworld.generator import generate_world

__all__ = ["GENERATOR_VERSION", "SCALES", "generate_world"]
