"""First contact with the UI (issue 16, "Faster first contact"): how long the code location takes to
load, how long the webserver takes to its first page and to a loaded location, and what the asset
catalog costs to fetch, for aigeo beside a one-asset Dagster location (the floor that is Dagster's,
not ours) on the same machine, in one run.

``benchmarks/ui_startup.py [--home DIR --data DIR] [--repeat 3]``

1. **Definitions**: a fresh interpreter imports ``aigeo_assets.definitions`` (which builds the
   ``Definitions``), best of ``--repeat``; the peer imports dagster and pandas and builds a one-asset
   ``Definitions``. Also: the modules aigeo's import pulls in that no asset needs at load time.
2. **Webserver**: ``dagster-webserver -w workspace.yaml`` on a free port, seconds until
   ``/server_info`` answers and until the code location is LOADED; the peer the same on a workspace
   holding the one-asset location.
3. **Catalog**: with the webserver up, the GraphQL queries the asset catalog and an asset's page make:
   every asset node (key, group, kinds, description), and every asset's latest materialization with
   its metadata: seconds and bytes of each answer, and the largest metadata entries.

The instance measured is ``--home`` (a ``$DAGSTER_HOME`` after ``make demo``: ``data/dagster_home``,
with ``--data data``); without it the tiny sample world is run by ``aigeo run`` into a temporary
folder first, so the catalog holds real materializations. Writes ``results/ui_startup.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from results_file import repo_path, write_results  # noqa: E402

TINY_ENV = {"AIGEO_SOURCE": "sample", "AIGEO_SAMPLE_SCALE": "tiny", "AIGEO_SAMPLE_SEED": "7",
            "AIGEO_START_YEAR": "2012", "AIGEO_END_YEAR": "2018"}
PEER_LOCATION = textwrap.dedent('''
    import dagster as dg
    import pandas as pd


    @dg.asset(description="one table")
    def one() -> pd.DataFrame:
        return pd.DataFrame({"a": [1]})


    defs = dg.Definitions(assets=[one])
''')
ASSET_NODES = "{ assetNodes { assetKey { path } groupName kinds description } }"
LATEST_METADATA = (
    "{ assetNodes { assetKey { path } assetMaterializations(limit: 1) { timestamp metadataEntries { label "
    "__typename ... on MarkdownMetadataEntry { mdStr } ... on TextMetadataEntry { text } "
    "... on JsonMetadataEntry { jsonString } ... on TableMetadataEntry { table { records } } } } } }"
)
SERVER_TIMEOUT_S = 300


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIGEO_", "DAGSTER_"))}
    env.update(extra)
    return env


def time_import(code: str, env: dict[str, str], cwd: Path, repeat: int) -> float:
    """Best wall seconds of ``code`` run in a fresh interpreter (its own clock, not process start)."""
    best = float("inf")
    wrapped = f"import time; t0 = time.perf_counter()\n{code}\nprint(time.perf_counter() - t0)"
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", wrapped], env=env, cwd=cwd, capture_output=True, text=True, check=True)
        best = min(best, float(out.stdout.strip().splitlines()[-1]))
    return round(best, 3)


def heavy_modules(env: dict[str, str]) -> list[str]:
    """Top-level packages that importing aigeo's definitions loads, among those no load needs."""
    code = ("import sys, aigeo_assets.definitions; "
            "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True, check=True)
    loaded = set(out.stdout.split())
    candidates = {"graph_tool", "statsmodels", "scipy", "plotly", "linearmodels", "duckdb", "lxml", "networkx",
                  "playwright", "kaleido", "matplotlib", "sklearn", "formulaic", "PIL"}
    return sorted(loaded & candidates)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(url: str, query: str, timeout: float = 300) -> bytes | None:
    req = urllib.request.Request(f"{url}/graphql", data=json.dumps({"query": query}).encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.read() if r.status == 200 else None
    except (urllib.error.URLError, OSError):
        return None


def _loaded(url: str, location: str) -> bool:
    body = _post(url, "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus } } } }", timeout=5)
    if not body:
        return False
    entries = json.loads(body).get("data", {}).get("workspaceOrError", {}).get("locationEntries") or []
    return any(e["name"] == location and e["loadStatus"] == "LOADED" for e in entries)


def measure_webserver(workspace: Path, location: str, env: dict[str, str], cwd: Path, catalog: bool) -> dict:
    """Seconds to the first page and to a loaded location; with ``catalog``, the catalog's queries."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tempfile.NamedTemporaryFile(prefix="webserver-", suffix=".log", delete=False)
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "dagster_webserver", "-w", str(workspace), "-h", "127.0.0.1", "-p", str(port)],
                            cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    out: dict = {}
    try:
        while "first_page_s" not in out or "location_loaded_s" not in out:
            if proc.poll() is not None or time.perf_counter() - t0 > SERVER_TIMEOUT_S:
                raise SystemExit(f"the webserver did not come up (see {log.name})")
            if "first_page_s" not in out:
                try:
                    with urllib.request.urlopen(f"{url}/server_info", timeout=2) as r:
                        if r.status == 200:
                            out["first_page_s"] = round(time.perf_counter() - t0, 2)
                except (urllib.error.URLError, OSError):
                    pass
            elif _loaded(url, location):
                out["location_loaded_s"] = round(time.perf_counter() - t0, 2)
            time.sleep(0.2)
        if catalog:
            out.update(measure_catalog(url))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
        os.unlink(log.name)
    return out


def measure_catalog(url: str) -> dict:
    """The catalog's two queries, each the best of two (the first warms the location's caches)."""
    out: dict = {}
    for name, query in (("asset_nodes", ASSET_NODES), ("latest_metadata", LATEST_METADATA)):
        best, body = float("inf"), b""
        for _ in range(2):
            t0 = time.perf_counter()
            body = _post(url, query) or b""
            best = min(best, time.perf_counter() - t0)
        out[f"{name}_s"] = round(best, 3)
        out[f"{name}_bytes"] = len(body)
    nodes = json.loads(body)["data"]["assetNodes"]
    sizes = []
    for node in nodes:
        for m in node["assetMaterializations"]:
            for e in m["metadataEntries"]:
                sizes.append((len(json.dumps(e)), "/".join(node["assetKey"]["path"]), e["label"]))
    sizes.sort(reverse=True)
    out["assets"] = len(nodes)
    out["metadata_bytes"] = sum(s for s, _, _ in sizes)
    out["largest_metadata_entries"] = [{"asset": a, "label": lab, "bytes": s} for s, a, lab in sizes[:8]]
    return out


def prepare_tiny(folder: Path) -> tuple[Path, Path]:
    """A tiny sample world run by ``aigeo run`` into ``folder``: (dagster home, data dir)."""
    data, home = folder / "data", folder / "data" / "dagster_home"
    env = _clean_env(**TINY_ENV, AIGEO_DATA_DIR=str(data), DAGSTER_HOME=str(home))
    print("running the tiny sample world (aigeo run) for a populated catalog ...", flush=True)
    subprocess.run([sys.executable, "-m", "aigeo_assets.cli", "run"], env=env, cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    return home, data


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--home", type=Path, help="a $DAGSTER_HOME to measure the catalog on (with --data)")
    ap.add_argument("--data", type=Path, help="the AIGEO_DATA_DIR of --home")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if args.home:
            home, data, extra = args.home, args.data or REPO / "data", {}
        else:
            home, data = prepare_tiny(tmp)
            extra = TINY_ENV
        env = _clean_env(**extra, AIGEO_DATA_DIR=str(data), DAGSTER_HOME=str(home))
        peer_dir = tmp / "peer"
        peer_dir.mkdir()
        (peer_dir / "one_asset.py").write_text(PEER_LOCATION)
        (peer_dir / "workspace.yaml").write_text("load_from:\n  - python_file:\n      relative_path: one_asset.py\n      location_name: peer\n")
        peer_home = tmp / "peer_home"
        peer_home.mkdir()
        peer_env = _clean_env(DAGSTER_HOME=str(peer_home))

        results: dict = {"instance": repo_path(home) if args.home else "tiny sample world (aigeo run, seed 7, 2012-2018)"}
        results["definitions_s"] = {
            "aigeo": time_import("import aigeo_assets.definitions", env, REPO, args.repeat),
            "peer_one_asset": time_import(PEER_LOCATION, peer_env, peer_dir, args.repeat),
        }
        results["definitions_heavy_modules"] = heavy_modules(env)
        print(f"definitions: aigeo {results['definitions_s']['aigeo']} s, one-asset peer {results['definitions_s']['peer_one_asset']} s; "
              f"heavy modules at load: {', '.join(results['definitions_heavy_modules']) or 'none'}", flush=True)
        results["webserver"] = {
            "aigeo": measure_webserver(REPO / "workspace.yaml", "aigeo", env, REPO, catalog=True),
            "peer_one_asset": measure_webserver(peer_dir / "workspace.yaml", "peer", peer_env, peer_dir, catalog=True),
        }
        for who, r in results["webserver"].items():
            print(f"webserver {who}: first page {r['first_page_s']} s, location loaded {r['location_loaded_s']} s; catalog "
                  f"{r['assets']} assets: nodes {r['asset_nodes_s']} s ({r['asset_nodes_bytes']:,} B), latest metadata "
                  f"{r['latest_metadata_s']} s ({r['latest_metadata_bytes']:,} B)", flush=True)
        for e in results["webserver"]["aigeo"]["largest_metadata_entries"]:
            print(f"  {e['bytes']:>9,} B  {e['asset']}: {e['label']}")
        if not args.home:
            shutil.rmtree(tmp / "data", ignore_errors=True)
    write_results("ui_startup", results)


if __name__ == "__main__":
    main()
