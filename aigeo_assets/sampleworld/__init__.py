"""A deterministic generated OpenAlex snapshot ("sample world") with planted, recorded truth.

``generate_world(root, scale, seed)`` writes ``root/data/works/...``, ``root/data/institutions/...``,
``root/data/merged_ids/...`` in the real snapshot layout and ``root/truth.json`` with what was
planted. Pure Python (no dagster).
"""

from aigeo_assets.sampleworld.config import GENERATOR_VERSION, SCALES
from aigeo_assets.sampleworld.generator import generate_world

__all__ = ["GENERATOR_VERSION", "SCALES", "generate_world"]
