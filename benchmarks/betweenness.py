"""East–West betweenness speed and exactness: ours beside networkx and graph-tool, on the same graphs.

Runs, in one process and on the same random but real-shaped city networks (heavy-tailed city
sizes, gravity-like citation counts, half East half West) of 100, 1,000 and 3,000 cities:
  * aigeo_east_west     - ``east_west_betweenness(nodes, edges)`` from the DataFrames: Definitions 2
                          and 1 with exact shortest-path ties (float filter + exact Fraction
                          decisions), path share and ranks;
  * networkx_subset     - ``betweenness_centrality_subset`` East->West plus West->East on a prebuilt
                          DiGraph with float lengths 1.0/w (speed reference). At 3,000 cities it is
                          timed on a stratified sample of sources (equal East and West) and
                          extrapolated linearly in the number of sources;
  * networkx_fraction   - the exact oracle: networkx's subset betweenness (Definition 2) and full
                          betweenness (Definition 1) with ``Fraction`` lengths 1/w, at the sizes
                          where it finishes in minutes (default 100 cities); ours must equal it;
  * graph_tool_full     - graph-tool's full ``betweenness(weight=..., norm=False)`` on a prebuilt
                          graph of all edges, float lengths (the floor: every source, every target,
                          in C++ with OpenMP); the nodes where it differs from our exact Definition 1
                          are ties that floating point breaks;
  * graph_tool_from_frames - the same including building the graph-tool graph from the DataFrames.
Also recorded: edges that may lie on a shortest path, and how many (source, node) pairs the exact
stage had to decide. Goals: aigeo_east_west >= 50x faster than networkx at 1,000 cities, within 3x
of graph_tool_full at every size, equal to the Fraction oracle. Writes
benchmarks/results/betweenness.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from results_file import timed as _timed, write_results  # noqa: E402

from aigeo_assets.centrality import betweenness as bw  # noqa: E402
from aigeo_assets.centrality.betweenness import east_west_betweenness  # noqa: E402

SIZES = ((100, 2_500), (1_000, 60_000), (3_000, 300_000))
# the same shapes with counts around 10^6 (up to ~10^8): near-ties below a double's resolution
LARGE_COUNT_SCALE = 1e6


def make_network(n: int, m: int, seed: int = 0, count_scale: float = 1.0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """n cities (first half East) and m directed edges. City sizes are Pareto (heavy tail); the two
    blocs sit in two clouds on a plane; an edge i -> j is drawn with probability ~ size_i size_j /
    distance^1.5 (Gumbel top-m, without replacement) and carries a count 1 + Poisson(count_scale *
    gravity / median gravity): at count_scale 1 most counts are small integers (exact ties under
    1/weight) and a few are in the thousands; at 10^6 they are around 10^6, the largest ~10^8."""
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
    counts = 1 + rng.poisson(count_scale * gravity / np.median(gravity))
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


def networkx_fraction(nodes: pd.DataFrame, edges: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, float]:
    """The exact oracle: (Definition 2, Definition 1, seconds) from networkx on Fraction lengths 1/w."""
    import networkx as nx

    G = nx.DiGraph()
    G.add_nodes_from(nodes["city_geonames_id"].tolist())
    G.add_weighted_edges_from(
        ((u, v, 1 / Fraction(w)) for u, v, w in zip(edges["source"].tolist(), edges["target"].tolist(), edges["weight"].tolist())),
        weight="length",
    )
    east = nodes.loc[nodes["bloc"] == "East", "city_geonames_id"].tolist()
    west = nodes.loc[nodes["bloc"] == "West", "city_geonames_id"].tolist()
    t = time.perf_counter()
    a = nx.betweenness_centrality_subset(G, east, west, weight="length", normalized=False)
    b = nx.betweenness_centrality_subset(G, west, east, weight="length", normalized=False)
    full = nx.betweenness_centrality(G, weight="length", normalized=False)
    secs = time.perf_counter() - t
    ids = nodes["city_geonames_id"].tolist()
    return np.array([float(a[v] + b[v]) for v in ids]), np.array([float(full[v]) for v in ids]), secs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default=",".join(str(n) for n, _ in SIZES), help="comma-separated city counts")
    ap.add_argument("--large-sizes", default="1000",
                    help=f"comma-separated city counts also run with counts x {LARGE_COUNT_SCALE:g} ('' for none)")
    ap.add_argument("--nx-max-sources", type=int, default=200,
                    help="time networkx on at most this many sources above 1,000 cities, then extrapolate")
    ap.add_argument("--fraction-oracle-max", type=int, default=100,
                    help="run the exact networkx Fraction oracle up to this many cities")
    ap.add_argument("--threads", type=int, default=None, help="graph-tool OpenMP threads (default: all cores)")
    args = ap.parse_args()
    if args.threads:
        import graph_tool

        graph_tool.openmp_set_num_threads(args.threads)
    wanted = {int(s) for s in args.sizes.split(",") if s}
    large = {int(s) for s in args.large_sizes.split(",") if s}
    scenarios = [(n, m, 1.0) for n, m in SIZES if n in wanted] + [(n, m, LARGE_COUNT_SCALE) for n, m in SIZES if n in large]
    rows = []
    print(f"{'cities':>7} {'edges':>8} {'kept':>6} {'exact':>6} {'aigeo s':>9} {'gt full s':>9} {'gt+build s':>10} "
          f"{'networkx s':>11} {'vs nx':>7} {'vs gt':>6}  notes")
    for n, m, scale in scenarios:
        nodes, edges = make_network(n, m, seed=n, count_scale=scale)
        east_west_betweenness(nodes.head(10), edges.head(0))  # warm imports
        repeat = 3 if n <= 1_000 else 1
        ours, t_ours = _timed(lambda: east_west_betweenness(nodes, edges), repeat)
        g, length = graph_tool_graph(nodes, edges)
        full, t_gt = _timed(lambda: graph_tool_full(g, length), repeat)
        _, t_gt_build = _timed(lambda: graph_tool_full(*graph_tool_graph(nodes, edges)), repeat)
        max_src = None if n <= 1_000 else args.nx_max_sources
        nx_vals, t_nx, nx_timed, extrapolated = networkx_subset(nodes, edges, max_src)
        net, exact_weight = bw.prepare_exact(nodes, edges)
        stats: dict = {}
        bw._accumulate(net, bw.all_pairs_distances(net), exact_weight, stats=stats)
        ew, std = ours["east_west_betweenness"].to_numpy(), ours["betweenness"].to_numpy()
        close = dict(rtol=1e-9, atol=1e-9)
        oracle = None
        if n <= args.fraction_oracle_max:
            want_ew, want_std, t_frac = networkx_fraction(nodes, edges)
            oracle = {"seconds": round(t_frac, 2), "definition2_equal": bool(np.allclose(ew, want_ew, **close)),
                      "definition1_equal": bool(np.allclose(std, want_std, **close))}
        float_nx_differs = None if extrapolated else int((~np.isclose(ew, nx_vals, **close)).sum())
        row = {
            "cities": n, "edges": len(edges), "count_scale": scale, "max_count": int(edges["weight"].max()),
            "edges_on_some_shortest_path": stats.get("edges_kept", 0),
            "source_node_pairs_reached": stats.get("candidate_heads", 0),
            "source_node_pairs_decided_exactly": stats.get("heads_decided_exactly", 0),
            "exact_dijkstra_fallbacks": stats.get("exact_dijkstra_fallbacks", 0),
            "aigeo_east_west_seconds": round(t_ours, 4),
            "graph_tool_full_seconds": round(t_gt, 4),
            "graph_tool_from_frames_seconds": round(t_gt_build, 4),
            "networkx_subset_seconds": round(t_nx, 3),
            "networkx_sources_timed": nx_timed, "networkx_extrapolated": extrapolated,
            "speedup_vs_networkx": round(t_nx / t_ours, 1),
            "ratio_to_graph_tool_full": round(t_ours / t_gt, 2),
            "ratio_to_graph_tool_from_frames": round(t_ours / t_gt_build, 2),
            "networkx_fraction_oracle": oracle,
            "nodes_where_float_networkx_definition2_differs": float_nx_differs,
            "nodes_where_float_graph_tool_definition1_differs": int((~np.isclose(std, full, **close)).sum()),
            "timing": f"best of {repeat}",
        }
        rows.append(row)
        note = f"networkx on {nx_timed} of {n} sources, extrapolated" if extrapolated else "networkx on all sources"
        if oracle:
            note += f"; Fraction oracle equal: Def 2 {oracle['definition2_equal']}, Def 1 {oracle['definition1_equal']}"
        print(f"{n:>7,}{'L' if scale != 1 else ' '}{len(edges):>8,} {row['edges_on_some_shortest_path']:>6,} {row['source_node_pairs_decided_exactly']:>6,} "
              f"{t_ours:>9.3f} {t_gt:>9.3f} {t_gt_build:>10.3f} {t_nx:>11.2f} "
              f"{t_nx / t_ours:>6.0f}x {t_ours / t_gt:>5.2f}x  {note}; float graph-tool Def 1 differs at "
              f"{row['nodes_where_float_graph_tool_definition1_differs']} nodes", flush=True)
    by_n = {r["cities"]: r for r in rows if r["count_scale"] == 1}
    summary = {
        "goal_50x_networkx_at_1000": by_n[1_000]["speedup_vs_networkx"] >= 50 if 1_000 in by_n else None,
        "goal_within_3x_graph_tool_full_every_size": all(r["ratio_to_graph_tool_full"] <= 3 for r in rows),
        "float_breaks_ties_here": any(r["nodes_where_float_graph_tool_definition1_differs"] for r in rows),
        "equal_to_fraction_oracle": all(
            r["networkx_fraction_oracle"]["definition1_equal"] and r["networkx_fraction_oracle"]["definition2_equal"]
            for r in rows if r["networkx_fraction_oracle"]
        ),
    }
    print(json.dumps(summary))
    import graph_tool

    write_results("betweenness", {"graph_tool": graph_tool.__version__.split()[0], "openmp_threads": graph_tool.openmp_get_num_threads(),
               "results": rows, "summary": summary})


if __name__ == "__main__":
    main()
