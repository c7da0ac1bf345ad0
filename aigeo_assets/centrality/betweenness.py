"""East–West betweenness of the city networks (AlShebli et al. 2022, Fig. 3; Methods, Definitions 1 and 2).

Input: ``nodes`` (``city_geonames_id``, ``bloc`` in {"East", "West"}) and ``edges`` (``source``,
``target``, ``weight``): directed, ``weight`` a count > 0 (e.g. citations from source to target).
Self-loops are dropped, parallel rows summed, rows of weight 0 dropped (no flow), and each edge's
length is ``1 / weight`` (Methods: heavy flows are short).

Definition 2 (East–West betweenness) of v is the sum, over ordered pairs (s, t) with s and t in
different blocs, v not in {s, t} and t reachable from s, of sigma_st(v) / sigma_st, where sigma
counts shortest s -> t paths. Definition 1 (standard directed betweenness) is the same sum over all
ordered pairs. Both come from ONE accumulation (``_accumulate``) on ONE shortest-path DAG per source.

Exact ties
----------
Path lengths are sums of reciprocals, so exact ties are common (1/2 + 1/3 + 1/6 = 1/1) while
floating point breaks them (that sum is 0.9999999999999999), and near-ties are real differences
that a relative tolerance would merge (1/(m-1) + 1/(m+1) - 2/m = 2/(m(m^2-1)), relative 1e-16 at
m = 10^8). Lengths are therefore compared **exactly**: the length of an edge is the exact rational
1/w of its weight, and a path's length the exact sum. The weight is an integer count, or any float
read as the exact binary rational it is, or - when ``edges`` has the integer columns
``weight_numerator`` and ``weight_denominator`` - their ratio (``prepare_exact``): a weight that is a
ratio of counts, like the normalized-impact network's, keeps its ties only that way, since the
float quotient is rounded. Two stages keep this fast:

  1. float all-pairs distances D~ from graph-tool (Johnson's algorithm: with lengths >= 0 its
     potentials are 0, so one Dijkstra per source, C++). Error bound: with u = 2^-53, each float
     length is 1/w within two roundings (one for 1/w; one more for a ratio weight, see
     ``prepare_exact``), and Dijkstra relaxes with one rounded addition, which is monotone and never
     decreases its operand, so D~[s, v] is the left-to-right float sum along its tree path (at most
     n - 1 edges) and at most the float sum along a true shortest path. A float sum of k <= n - 1
     positive terms, each within two roundings, is within gamma_{k+1} of the exact sum (Higham,
     Accuracy and Stability of Numerical Algorithms, §3.1 and §4.2; gamma_m = m u / (1 - m u)), hence
     |D~ - D| <= g D with g = gamma_{2n} (``test_float_distances_are_within_the_proved_bound``
     checks this premise on graph-tool's own output).
     For an edge (x, y) on a shortest s-path, D[s, x] + l = D[s, y] = X, so
     a = fl(D~[s, x] + fl(1/w)) and d = D~[s, y] both lie in X (1 +- (g + u + g u)) and
     a - d <= 3 g X <= 4 g d (a and d are within a factor 2, so a - d is computed exactly,
     Sterbenz). ``_float_slack(n)`` = 5 g (covers the rounding of 5 g * d): every edge with
     a - d > 5 g d is **proved** not on a shortest s-path; the others are *candidates*.
  2. the candidates of (s, y) contain all of y's true shortest-path predecessors (at least one when
     y is reachable and y != s). A node with one candidate in-edge keeps it. A node with two or
     more is decided exactly: D[s, y] = min over its candidates of D[s, x] + 1/w (exact
     ``fractions.Fraction``), the exact distances of the tails computed the same way, lazily and
     only for the ancestors needed; candidates equal to the minimum are the DAG's edges. If the
     candidates form a cycle (possible only when 5 g D exceeds an edge length: weights far above
     10^8 on long paths), that source falls back to an exact Dijkstra in ``Fraction``.
  So no two lengths that differ are merged and no two equal lengths are split, for any positive
  weights (the float stage only filters; every decision it makes is proved). ``_float_slack`` at
  n = 3,000 is 3e-12. On the benchmark networks (``benchmarks/betweenness.py``) the exact stage
  decides 141 of 9,900 (source, node) pairs at 100 cities, 159 of 10^6 at 1,000, 181 of 9 * 10^6
  at 3,000, and the whole computation stays within 1.1x of graph-tool's float betweenness.

How the rest is computed (all exact counts, no sampling):
  * edges that cannot lie on any shortest path (a = fl(1/w) vs d = D~[x, y], the same test with
    s = x) are dropped first: on gravity-like city networks almost every edge (300,000 -> about
    7,000 on the 3,000-city benchmark graph);
  * for a block of sources at once, path counts sigma_s and Brandes' dependencies
    delta_s(v) = sigma_sv * sum_{paths v -> t in the DAG} 1[t target] / sigma_st are propagated hop
    by hop with numpy (one ``bincount`` per hop, all sources of the block together), with the
    targets of Definition 2 (the other bloc) and of Definition 1 (every node) side by side.
  Path counts are float64, exact up to 2^53 shortest paths per pair.
"""

from __future__ import annotations

import heapq
from dataclasses import replace
from fractions import Fraction

import numpy as np
import pandas as pd

from aigeo_assets.networks.graph import EXACT_WEIGHT_COLUMNS, Network, graph_tool_graph, prepare_network

OUTPUT_COLUMNS = (
    "city_geonames_id",
    "bloc",
    "east_west_betweenness",
    "east_west_path_share",
    "betweenness",
    "rank_east_west",
)
# Elements (sources x edges) handled per block of sources: bounds memory to a few hundred MB.
_BLOCK_ELEMENTS = 4_000_000
_UNIT_ROUNDOFF = 2.0**-53


def _float_slack(n: int) -> float:
    """5 gamma_{2n}: the relative slack within which a float comparison of shortest-path lengths on
    an n-node graph cannot decide (see the module docstring for the proof)."""
    k = 2 * max(int(n), 1)
    if k * _UNIT_ROUNDOFF >= 0.5:
        raise ValueError(f"graph too large for the float error bound (n = {n})")
    return 5.0 * k * _UNIT_ROUNDOFF / (1.0 - k * _UNIT_ROUNDOFF)


def prepare_exact(nodes: pd.DataFrame, edges: pd.DataFrame) -> tuple[Network, list[Fraction]]:
    """``prepare_network`` plus the exact weight of each of its edges.

    By default the exact weight is the float ``weight`` itself, read as the exact binary rational it
    is (an integer count is exactly that integer). When ``edges`` also has the integer columns
    ``weight_numerator`` and ``weight_denominator`` (a weight that is a ratio of counts, such as
    the normalized-impact network's), the exact weight is their ratio, summed exactly over parallel
    rows; ``weight`` must then agree with it to 1e-9 relative (else ``ValueError``), and the float
    weight used for the float filter becomes the correctly rounded ratio (so each float length is
    within two roundings of 1/w, which the error bound allows)."""
    net = prepare_network(nodes, edges)
    if not set(EXACT_WEIGHT_COLUMNS) <= set(edges.columns):
        return net, [Fraction(w) for w in net.weight.tolist()]
    num = pd.to_numeric(edges["weight_numerator"], errors="coerce").to_numpy(dtype=np.float64)
    den = pd.to_numeric(edges["weight_denominator"], errors="coerce").to_numpy(dtype=np.float64)
    if not (np.isfinite(num).all() and np.isfinite(den).all()) or (num < 0).any() or (den <= 0).any() \
            or (num != np.round(num)).any() or (den != np.round(den)).any():
        raise ValueError("weight_numerator must be integers >= 0 and weight_denominator integers > 0")
    index = pd.Index(net.ids)
    src = index.get_indexer(edges["source"].to_numpy(dtype=np.int64))
    dst = index.get_indexer(edges["target"].to_numpy(dtype=np.int64))
    total: dict[int, Fraction] = {}
    for a, b, p, q in zip(src.tolist(), dst.tolist(), edges["weight_numerator"].tolist(), edges["weight_denominator"].tolist()):
        if a != b and p:
            key = a * net.n + b
            total[key] = total.get(key, 0) + Fraction(int(p), int(q))
    keys = (net.source * net.n + net.target).tolist()
    if len(total) != len(keys) or any(k not in total for k in keys):
        raise ValueError("weight_numerator is 0 where weight > 0, or > 0 where weight is 0")
    exact = [total[k] for k in keys]
    rounded = np.array([float(w) for w in exact], dtype=np.float64)
    off = np.abs(rounded - net.weight) > 1e-9 * rounded
    if off.any():
        i = int(np.flatnonzero(off)[0])
        raise ValueError(f"weight {net.weight[i]!r} is not weight_numerator / weight_denominator = {exact[i]} "
                         f"(edge {net.ids[net.source[i]]} -> {net.ids[net.target[i]]})")
    return replace(net, weight=rounded), exact


def all_pairs_distances(net: Network) -> np.ndarray:
    """D~[s, t]: float shortest-path length from s to t under lengths 1/weight (inf when
    unreachable), from graph-tool's all-pairs ``shortest_distance`` (one Dijkstra per source, in
    C++). Within relative ``gamma_{2n}`` of the exact distance (module docstring)."""
    if net.n == 0:
        return np.zeros((0, 0))
    from graph_tool.topology import shortest_distance

    g, length = graph_tool_graph(net)
    dist = shortest_distance(g, weights=length, dense=False)
    d = np.vstack([dist[v].a for v in range(net.n)]).astype(np.float64)  # get_2d_array is ~50x slower
    d[d >= np.finfo(np.float64).max / 2] = np.inf
    return d


def _candidates(a: np.ndarray, d: np.ndarray, slack: float) -> np.ndarray:
    """a = float length of a path to y through an edge, d = float distance to y: False where the
    float error bound proves the edge is not on a shortest path (a - d > slack * d)."""
    with np.errstate(invalid="ignore"):
        return (a - d) <= slack * d  # inf - inf = nan -> False (tail unreachable)


def shortest_path_edges(net: Network, dist: np.ndarray) -> np.ndarray:
    """Mask of the edges that may lie on a shortest path (a superset, by the float error bound: an
    edge (x, y) is on one only if 1/w == D[x, y] exactly). Dropped edges change no distance and no
    shortest path."""
    if len(net.source) == 0:
        return np.zeros(0, dtype=bool)
    return _candidates(net.length, dist[net.source, net.target], _float_slack(net.n))


class _CandidateCycle(Exception):
    pass


def _resolve_source(
    s: int, row_heads: np.ndarray, row_edges: np.ndarray, tail: np.ndarray, exact: list[Fraction], need: np.ndarray
) -> np.ndarray:
    """Exact verdicts for the candidates of one source s. ``row_heads``/``row_edges`` are the
    candidate edges of s sorted by head; ``need`` are the heads with two or more candidates. Returns
    a bool per candidate (True = on a shortest s-path). Exact distances are computed lazily from
    D[s, y] = min over y's candidates (x, y) of D[s, x] + 1/w, only for the heads needed and their
    ancestors; raises ``_CandidateCycle`` if the candidates of the ancestors form a cycle."""
    lo = np.searchsorted(row_heads, need, side="left")
    starts = dict(zip(need.tolist(), lo.tolist()))
    heads_list = row_heads.tolist()
    edges_list = row_edges.tolist()

    def span(y: int) -> range:
        i = starts.get(y)
        if i is None:
            i = int(np.searchsorted(row_heads, y, side="left"))
            starts[y] = i
        j = i
        while j < len(heads_list) and heads_list[j] == y:
            j += 1
        return range(i, j)

    dist: dict[int, Fraction] = {s: Fraction(0)}
    state: dict[int, int] = {}  # 1 = expanding
    for y0 in need.tolist():
        stack = [y0]
        while stack:
            y = stack[-1]
            if y in dist:
                stack.pop()
                continue
            idx = span(y)
            tails = [int(tail[edges_list[i]]) for i in idx]
            if state.get(y) != 1:
                state[y] = 1
                pending = [x for x in tails if x not in dist]
                for x in pending:
                    if state.get(x) == 1:
                        raise _CandidateCycle
                if pending:
                    stack.extend(pending)
                    continue
            best = min(dist[x] + exact[edges_list[i]] for i, x in zip(idx, tails))
            dist[y] = best
            stack.pop()
    verdict = np.ones(len(heads_list), dtype=bool)
    for y in need.tolist():
        dy = dist[y]
        for i in span(y):
            e = edges_list[i]
            verdict[i] = dist[int(tail[e])] + exact[e] == dy
    return verdict


def _exact_dijkstra_verdict(
    s: int, n: int, row_heads: np.ndarray, row_edges: np.ndarray, tail: np.ndarray, head: np.ndarray,
    exact: list[Fraction],
) -> np.ndarray:
    """Fallback for a source whose candidates form a cycle: exact Dijkstra in ``Fraction`` over the
    kept edges, then each candidate's verdict D[s, x] + 1/w == D[s, y]."""
    out_edges: list[list[int]] = [[] for _ in range(n)]
    for e, x in enumerate(tail.tolist()):
        out_edges[x].append(e)
    dist: dict[int, Fraction] = {}
    heap: list[tuple[Fraction, int]] = [(Fraction(0), s)]
    while heap:
        d, x = heapq.heappop(heap)
        if x in dist:
            continue
        dist[x] = d
        for e in out_edges[x]:
            y = int(head[e])
            if y not in dist:
                heapq.heappush(heap, (d + exact[e], y))
    return np.array(
        [int(tail[e]) in dist and dist[int(tail[e])] + exact[e] == dist.get(y) for y, e in zip(row_heads.tolist(), row_edges.tolist())],
        dtype=bool,
    )


def _dag_edges(
    sources: np.ndarray, n: int, dist: np.ndarray, tail: np.ndarray, head: np.ndarray, length: np.ndarray,
    exact: list[Fraction], slack: float, stats: dict | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(row in the block, edge index) of every edge of each source's exact shortest-path DAG."""
    ds = dist[sources]  # c x n
    tight = _candidates(ds[:, tail] + length, ds[:, head], slack)
    ci, ei = np.nonzero(tight)
    if len(ci) == 0:
        return ci, ei
    key = ci.astype(np.int64) * n + head[ei]
    order = np.argsort(key, kind="stable")
    ci, ei, key = ci[order], ei[order], key[order]
    uniq, first, counts = np.unique(key, return_index=True, return_counts=True)
    multi = uniq[counts >= 2]
    if stats is not None:
        stats["candidate_heads"] = stats.get("candidate_heads", 0) + len(uniq)
        stats["heads_decided_exactly"] = stats.get("heads_decided_exactly", 0) + len(multi)
    if len(multi) == 0:
        return ci, ei
    keep = np.ones(len(ci), dtype=bool)
    rows_with_multi = np.unique(multi // n)
    bounds = np.searchsorted(ci, np.r_[rows_with_multi, rows_with_multi + 1].reshape(2, -1))
    for r, lo, hi in zip(rows_with_multi.tolist(), bounds[0].tolist(), bounds[1].tolist()):
        row_heads, row_edges = head[ei[lo:hi]], ei[lo:hi]
        need = multi[(multi >= r * n) & (multi < (r + 1) * n)] - r * n
        s = int(sources[r])
        try:
            keep[lo:hi] = _resolve_source(s, row_heads, row_edges, tail, exact, need)
        except _CandidateCycle:
            keep[lo:hi] = _exact_dijkstra_verdict(s, n, row_heads, row_edges, tail, head, exact)
            if stats is not None:
                stats["exact_dijkstra_fallbacks"] = stats.get("exact_dijkstra_fallbacks", 0) + 1
    return ci[keep], ei[keep]


def _propagate(x: np.ndarray, frm: np.ndarray, to: np.ndarray, hops: int) -> np.ndarray:
    """Sum over 1..``hops`` hops of ``x`` pushed along the DAG edges ``frm`` -> ``to``: the
    forward path counts (tail -> head) and the backward dependencies (head -> tail) alike."""
    total = np.zeros_like(x)
    for _ in range(hops):
        xv = x[frm]
        live = xv != 0
        if not live.any():
            return total
        x = np.bincount(to[live], weights=xv[live], minlength=len(total))
        total += x
    raise RuntimeError("shortest-path DAG did not settle (a cycle of shortest-path edges)")


def _accumulate(
    net: Network, dist: np.ndarray, exact_weight: list[Fraction], *, stats: dict | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(Definition 2, Definition 1) for every node: Brandes' dependency on the other bloc's targets
    and on all targets, summed over all sources, for blocks of sources at once on each source's
    exact shortest-path DAG (module docstring). ``dist`` is ``all_pairs_distances(net)``,
    ``exact_weight`` the exact weight of each edge of ``net`` (``prepare_exact``)."""
    n = net.n
    ew, std = np.zeros(n), np.zeros(n)
    if n == 0 or len(net.source) == 0:
        return ew, std
    kept = shortest_path_edges(net, dist)
    tail, head, length = net.source[kept], net.target[kept], net.length[kept]
    exact = [1 / exact_weight[i] for i in np.flatnonzero(kept).tolist()]
    slack = _float_slack(n)
    if stats is not None:
        stats["edges_kept"] = int(kept.sum())
    block = max(1, min(n, _BLOCK_ELEMENTS // max(len(tail), n)))
    for first in range(0, n, block):
        sources = np.arange(first, min(n, first + block))
        c = len(sources)
        ci, ei = _dag_edges(sources, n, dist, tail, head, length, exact, slack, stats)
        if len(ci) == 0:
            continue
        base = ci.astype(np.int64) * n
        frm = base + tail[ei]  # flat index (source block row, x)
        to = base + head[ei]  # flat index (source block row, y)
        size = c * n
        origin = np.arange(c, dtype=np.int64) * n + sources
        # forward: sigma[s, v] = number of shortest s -> v paths (counted hop by hop in the DAG)
        start = np.zeros(size)
        start[origin] = 1.0
        sigma = start + _propagate(start, frm, to, n)
        # backward, both definitions side by side (second half = Definition 1):
        # z[s, v] = sum over DAG paths v -> t (>= 1 hop) of 1[t target] / sigma_st
        inv = np.where(sigma > 0, 1.0 / np.where(sigma > 0, sigma, 1.0), 0.0)
        inv[origin] = 0.0  # t != s
        other = (net.east[sources][:, None] != net.east[None, :]).ravel()
        y = np.concatenate([np.where(other, inv, 0.0), inv])
        z = _propagate(y, np.r_[to, to + size], np.r_[frm, frm + size], n)
        delta = np.tile(sigma, 2) * z
        delta[origin] = 0.0  # v != s
        delta[origin + size] = 0.0
        delta = delta.reshape(2, c, n).sum(axis=1)
        ew += delta[0]
        std += delta[1]
    return ew, std


def _rank_desc(values: np.ndarray) -> np.ndarray:
    """1 = largest; equal values (to 12 significant digits, so float noise ties) share the best rank."""
    scale = float(np.abs(values).max()) if len(values) else 0.0
    key = np.round(values / scale, 12) if scale > 0 else values
    return pd.Series(key).rank(method="min", ascending=False).to_numpy(dtype=np.int64)


def east_west_betweenness(nodes: pd.DataFrame, edges: pd.DataFrame) -> pd.DataFrame:
    """One row per node (in the order of ``nodes``): ``city_geonames_id``, ``bloc``,
    ``east_west_betweenness`` (Definition 2, unnormalised), ``east_west_path_share`` (that over the
    number of connected ordered East–West pairs (s, t), both directions: the mean over the pairs of
    the share of each pair's shortest paths through the node, each pair weighing the same; 0 when
    there are none),
    ``betweenness`` (Definition 1, unnormalised, directed, all ordered pairs) and ``rank_east_west``
    (1 = largest East–West betweenness; ties share the best rank). Shortest-path ties are exact
    (module docstring)."""
    net, exact_weight = prepare_exact(nodes, edges)
    dist = all_pairs_distances(net)
    ew, std = _accumulate(net, dist, exact_weight)
    cross = net.east[:, None] != net.east[None, :]
    pairs = int((np.isfinite(dist) & cross).sum()) if net.n else 0
    return pd.DataFrame(
        {
            "city_geonames_id": pd.array(net.ids, dtype="int64"),
            "bloc": pd.array(net.bloc, dtype="string"),
            "east_west_betweenness": ew,
            "east_west_path_share": ew / pairs if pairs else np.zeros(net.n),
            "betweenness": std,
            "rank_east_west": _rank_desc(ew),
        }
    )


def standard_betweenness(nodes: pd.DataFrame, edges: pd.DataFrame) -> pd.Series:
    """Definition 1 (unnormalised directed betweenness over all ordered pairs, lengths 1/weight,
    exact ties: the same accumulation as ``east_west_betweenness``), indexed by ``city_geonames_id``."""
    net, exact_weight = prepare_exact(nodes, edges)
    _, std = _accumulate(net, all_pairs_distances(net), exact_weight)
    return pd.Series(std, index=pd.Index(net.ids, name="city_geonames_id"), name="betweenness")
