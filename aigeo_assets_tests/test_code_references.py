"""Every asset links to its source (issue 17, "Code references"): a line of the local file, or of the
repository at ``AIGEO_CODE_URL``; and the code location's asset keys are a snapshot
(``asset_keys.txt``), so renaming or removing an asset is a conscious change."""

from __future__ import annotations

import os
import re
from pathlib import Path

import dagster as dg
import pytest

from aigeo_assets.code_location import build_definitions
from aigeo_assets.resources.settings import Settings
from aigeo_assets.resources.settings import REPO_ROOT

PACKAGE = REPO_ROOT / "aigeo_assets"
KEYS_FILE = Path(__file__).with_name("asset_keys.txt")


def _references(defs: dg.Definitions) -> dict[str, list]:
    graph = defs.resolve_asset_graph()
    return {k.to_user_string(): list(getattr(graph.get(k).metadata.get("dagster/code_references"), "code_references", []))
            for k in graph.get_all_asset_keys()}


def test_every_asset_links_to_the_line_that_defines_it(monkeypatch, tmp_path):
    monkeypatch.setenv("AIGEO_DATA_DIR", str(tmp_path))
    refs = _references(build_definitions(Settings.from_env()))
    assert refs and all(refs.values()), f"assets without a code reference: {[k for k, v in refs.items() if not v][:5]}"
    for key, (ref, *_) in refs.items():
        path = Path(ref.file_path)
        assert path.is_relative_to(PACKAGE) and path.is_file(), (key, ref)
        line = path.read_text().splitlines()[ref.line_number - 1]
        assert re.match(r"\s*(@|def |async def )", line), f"{key}: line {ref.line_number} of {path.name} is {line!r}"


def test_with_a_repository_url_the_references_point_at_the_same_lines_there(monkeypatch, tmp_path):
    monkeypatch.setenv("AIGEO_DATA_DIR", str(tmp_path))
    local = _references(build_definitions(Settings.from_env()))
    monkeypatch.setenv("AIGEO_CODE_URL", "https://github.com/example/aigeo")
    monkeypatch.setenv("AIGEO_CODE_BRANCH", "v0.1")
    remote = _references(build_definitions(Settings.from_env()))
    assert remote.keys() == local.keys()
    for key, (ref, *_) in remote.items():
        here = local[key][0]
        rel = Path(here.file_path).relative_to(PACKAGE.parent).as_posix()
        assert ref.url == f"https://github.com/example/aigeo/tree/v0.1/{rel}#L{here.line_number}", (key, ref.url)


def test_the_asset_keys_are_the_snapshot(monkeypatch, tmp_path):
    monkeypatch.setenv("AIGEO_DATA_DIR", str(tmp_path))
    keys = sorted(_references(build_definitions(Settings.from_env())))
    if os.environ.get("AIGEO_UPDATE_ASSET_KEYS") == "1":
        head = [ln for ln in KEYS_FILE.read_text().splitlines() if ln.startswith("#")]
        KEYS_FILE.write_text("\n".join(head + keys) + "\n")
        pytest.skip("asset_keys.txt rewritten")
    saved = [ln for ln in KEYS_FILE.read_text().splitlines() if ln and not ln.startswith("#")]
    added, removed = sorted(set(keys) - set(saved)), sorted(set(saved) - set(keys))
    assert not added and not removed, (
        f"asset keys changed: added {added}, removed {removed}; if meant, update {KEYS_FILE.name} "
        "(AIGEO_UPDATE_ASSET_KEYS=1) and say so in the commit"
    )
