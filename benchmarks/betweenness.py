"""East–West betweenness speed: ours beside networkx and graph-tool, on the same graphs.

Runs, in one process and on the same random but real-shaped city networks (heavy-tailed city
sizes, gravity-like citation counts, half East half West) of 100, 1,000 and 3,000 cities:
  * aigeo_east_west     - ``east_west_betweenness(nodes, edges)`` from the DataFrames: Definition 2
                          (exact, ties within rel_tol) plus Definition 1 (graph-tool) and ranks;
  * networkx_subset     - ``betweenness_centrality_subset`` East->West plus West->East on a prebuilt
                          DiGraph (the test oracle). At 3,000 cities it is timed on a stratified
                          sample of sources (equal East and West) and extrapolated linearly in the
                          number of sources (each source costs one Dijkstra + accumulation);
  * graph_tool_full     - graph-tool's full ``betweenness(weight=..., norm=False)`` on a prebuilt
                          graph of all edges (the floor: every source, every target, in C++ with OpenMP);
  * graph_tool_from_frames - the same including building the graph-tool graph from the DataFrames.
Goals: aigeo_east_west >= 50x faster than networkx at 1,000 cities, and within 3x of
graph_tool_full at every size. Writes benchmarks/results/betweenness.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from results_file import timed as _timed, write_results  # noqa: E402

from aigeo_assets.centrality.betweenness import east_west_betweenness  # noqa: E402

SIZES = ((100, 2_500), (1_000, 60_000), (3_000, 300_000))


def make_network(n: int, m: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """n cities (first half East) and m directed edges. City sizes are Pareto (heavy tail); the two
    blocs sit in two clouds on a plane; an edge i -> j is drawn with probability ~ size_i size_j /
    distance^1.5 (Gumbel top-m, without replacement) and carries a count 1 + Poisson(gravity), so
    most counts are small integers (exact ties under 1/weight) and a few are in the thousands."""
    rng = np.random.default_rng(seed)
    size = rng.pareto(1.2, n) + 1.0
    east = np.arange(n) < n // 2
    x = np.where(east, rng.normal(2.0, 1.0, n), rng.normal(-2.0, 1.0, n))
    y = rng.normal(0.0, 1.0, n)
    ii, jj = np.divmod(np.arange(n * n), n)
    off = ii != jj
    ii, jj = ii[off], jj[off]
    logp = np.log(size[ii]) + np.log(size[jj]) - 1.5 * np.log(np.hypot(x[ii] - x[jj], y[ii] - y[jj]) + 0.1)
    m = min(m, len(ii))
    top = np.argpartition(-(logp + rng.gumbel(size=len(ii))), m - 1)[:m]
    gravity = np.exp(logp[top])
    counts = 1 + rng.poisson(gravity / np.median(gravity))
    ids = 1_000_000 + np.arange(n, dtype=np.int64)
    nodes = pd.DataFrame({"city_geonames_id": ids, "bloc": np.where(east, "East", "West")})
    edges = pd.DataFrame({"source": ids[ii[top]], "target": ids[jj[top]], "weight": counts.astype(float)})
    return nodes, edges




def graph_tool_graph(nodes: pd.DataFrame, edges: pd.DataFrame):
    import graph_tool as gt

    index = pd.Index(nodes["city_geonames_id"].to_numpy())
    g = gt.Graph(directed=True)
    g.add_vertex(len(index))
    g.add_edge_list(np.column_stack([index.get_indexer(edges["source"]), index.get_indexer(edges["target"])]))
    length = g.new_edge_property("double")
    length.a = 1.0 / edges["weight"].to_numpy(dtype=float)
    return g, length


def graph_tool_full(g, length) -> np.ndarray:
    from graph_tool.centrality import betweenness

    vb, _ = betweenness(g, weight=length, norm=False)
    return np.array(vb.a)


def networkx_subset(nodes: pd.DataFrame, edges: pd.DataFrame, max_sources: int | None, seed: int = 0):
    """Seconds for networkx's East->West + West->East subset betweenness, measured on all sources or
    on ``max_sources`` of them (half East, half West) and extrapolated; returns (values, seconds,
    sources_timed, extrapolated)."""
    import networkx as nx

    G = nx.DiGraph()
    G.add_nodes_from(nodes["city_geonames_id"].tolist())
    G.add_weighted_edges_from(
        zip(edges["source"].tolist(), edges["target"].tolist(), (1.0 / edges["weight"]).tolist()), weight="length"
    )
    east = nodes.loc[nodes["bloc"] == "East", "city_geonames_id"].tolist()
    west = nodes.loc[nodes["bloc"] == "West", "city_geonames_id"].tolist()
    n_sources = len(east) + len(west)
    src_e, src_w = east, west
    if max_sources is not None and max_sources < n_sources:
        rng = np.random.default_rng(seed)
        src_e = rng.choice(east, max_sources // 2, replace=False).tolist()
        src_w = rng.choice(west, max_sources - max_sources // 2, replace=False).tolist()
    t = time.perf_counter()
    a = nx.betweenness_centrality_subset(G, src_e, west, weight="length", normalized=False)
    b = nx.betweenness_centrality_subset(G, src_w, east, weight="length", normalized=False)
    secs = time.perf_counter() - t
    timed = len(src_e) + len(src_w)
    values = np.array([a[v] + b[v] for v in nodes["city_geonames_id"]])
    return values, secs * n_sources / timed, timed, timed < n_sources


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default=",".join(str(n) for n, _ in SIZES), help="comma-separated city counts")
    ap.add_argument("--nx-max-sources", type=int, default=200,
                    help="time networkx on at most this many sources above 1,000 cities, then extrapolate")
    ap.add_argument("--threads", type=int, default=None, help="graph-tool OpenMP threads (default: all cores)")
    args = ap.parse_args()
    if args.threads:
        import graph_tool

        graph_tool.openmp_set_num_threads(args.threads)
    wanted = {int(s) for s in args.sizes.split(",")}
    rows = []
    print(f"{'cities':>7} {'edges':>8} {'kept':>6} {'aigeo s':>9} {'gt full s':>9} {'gt+build s':>10} "
          f"{'networkx s':>11} {'vs nx':>7} {'vs gt':>6}  notes")
    for n, m in SIZES:
        if n not in wanted:
            continue
        nodes, edges = make_network(n, m, seed=n)
        east_west_betweenness(nodes.head(10), edges.head(0))  # warm imports
        repeat = 3 if n <= 1_000 else 1
        ours, t_ours = _timed(lambda: east_west_betweenness(nodes, edges), repeat)
        g, length = graph_tool_graph(nodes, edges)
        full, t_gt = _timed(lambda: graph_tool_full(g, length), repeat)
        _, t_gt_build = _timed(lambda: graph_tool_full(*graph_tool_graph(nodes, edges)), repeat)
        max_src = None if n <= 1_000 else args.nx_max_sources
        nx_vals, t_nx, nx_timed, extrapolated = networkx_subset(nodes, edges, max_src)
        agree = None  # networkx compares path lengths exactly: compare with ours at rel_tol=0
        if not extrapolated:
            exact = east_west_betweenness(nodes, edges, rel_tol=0.0)["east_west_betweenness"]
            agree = bool(np.allclose(nx_vals, exact, rtol=1e-9, atol=1e-9))
        std_agree = bool(np.allclose(full, ours["betweenness"], rtol=1e-9, atol=1e-9))
        from aigeo_assets.centrality.betweenness import all_pairs_distances, prepare_network, shortest_path_edges

        net = prepare_network(nodes, edges)
        kept = int(shortest_path_edges(net, all_pairs_distances(net), 1e-9).sum())
        row = {
            "cities": n, "edges": len(edges), "edges_on_some_shortest_path": kept,
            "aigeo_east_west_seconds": round(t_ours, 4),
            "graph_tool_full_seconds": round(t_gt, 4),
            "graph_tool_from_frames_seconds": round(t_gt_build, 4),
            "networkx_subset_seconds": round(t_nx, 3),
            "networkx_sources_timed": nx_timed, "networkx_extrapolated": extrapolated,
            "speedup_vs_networkx": round(t_nx / t_ours, 1),
            "ratio_to_graph_tool_full": round(t_ours / t_gt, 2),
            "ratio_to_graph_tool_from_frames": round(t_ours / t_gt_build, 2),
            "agrees_with_networkx_at_rel_tol_0": agree, "definition1_agrees_with_graph_tool_full": std_agree,
            "timing": f"best of {repeat}",
        }
        rows.append(row)
        note = f"networkx on {nx_timed} of {n} sources, extrapolated" if extrapolated else f"networkx agrees (rel_tol=0): {agree}"
        print(f"{n:>7,} {len(edges):>8,} {kept:>6,} {t_ours:>9.3f} {t_gt:>9.3f} {t_gt_build:>10.3f} {t_nx:>11.2f} "
              f"{t_nx / t_ours:>6.0f}x {t_ours / t_gt:>5.2f}x  {note}; Definition 1 = graph-tool full: {std_agree}", flush=True)
    by_n = {r["cities"]: r for r in rows}
    summary = {
        "goal_50x_networkx_at_1000": by_n[1_000]["speedup_vs_networkx"] >= 50 if 1_000 in by_n else None,
        "goal_within_3x_graph_tool_full_every_size": all(r["ratio_to_graph_tool_full"] <= 3 for r in rows),
    }
    print(json.dumps(summary))
    import graph_tool

    write_results("betweenness", {"graph_tool": graph_tool.__version__.split()[0], "openmp_threads": graph_tool.openmp_get_num_threads(),
               "results": rows, "summary": summary})


if __name__ == "__main__":
    main()
