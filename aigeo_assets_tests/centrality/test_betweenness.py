"""East–West betweenness (AlShebli et al. 2022, Definitions 1 and 2) against networkx, graph-tool and hand counts."""

from __future__ import annotations

import itertools
from fractions import Fraction

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from aigeo_assets.centrality.betweenness import east_west_betweenness, standard_betweenness
from aigeo_assets.networks.city_networks import network_from_matrix


def _frames(blocs: dict, rows: list[tuple]) -> tuple[pd.DataFrame, pd.DataFrame]:
    nodes = pd.DataFrame({"city_geonames_id": list(blocs), "bloc": list(blocs.values())})
    edges = pd.DataFrame(rows, columns=["source", "target", "weight"]) if rows else pd.DataFrame(
        {"source": pd.Series([], dtype="int64"), "target": pd.Series([], dtype="int64"), "weight": pd.Series([], dtype=float)}
    )
    return nodes, edges


def _by_id(result: pd.DataFrame, col: str) -> dict:
    return dict(zip(result["city_geonames_id"].tolist(), result[col].tolist()))


def _random_network(n: int, p: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Directed G(n, p) with weights in {1, 2, 4}: lengths 1, 1/2, 1/4 are dyadic, so every sum is
    exact in floating point and ties such as 1/2 + 1/2 = 1/1 or 1/4 + 1/4 = 1/2 are frequent and exact
    (networkx, which compares lengths with ==, sees the same ties as we do)."""
    rng = np.random.default_rng(seed)
    ids = np.arange(10, 10 + n) * 7  # ids that are not 0..n-1
    pairs = [(u, v) for u, v in itertools.permutations(ids.tolist(), 2) if rng.random() < p]
    weights = rng.choice([1.0, 2.0, 4.0], size=len(pairs))
    bloc = rng.permutation(np.where(np.arange(n) < n // 2, "East", "West"))
    nodes = pd.DataFrame({"city_geonames_id": ids, "bloc": bloc})
    edges = pd.DataFrame({"source": [u for u, _ in pairs], "target": [v for _, v in pairs], "weight": weights})
    return nodes, edges


def _exact_length(w) -> Fraction:
    return 1 / Fraction(w)  # Fraction(2.0) == 2: an integer count stays an integer


def _nx_graph(nodes: pd.DataFrame, edges: pd.DataFrame) -> nx.DiGraph:
    """The oracle's graph: lengths are exact ``Fraction`` 1/weight (parallel rows summed exactly,
    self-loops and weight-0 rows dropped), so networkx's Dijkstra sums and compares them exactly."""
    G = nx.DiGraph()
    G.add_nodes_from(nodes["city_geonames_id"].tolist())
    total: dict = {}
    for u, v, w in edges.itertuples(index=False):
        if u != v and w > 0:
            total[u, v] = total.get((u, v), 0) + Fraction(w)
    for (u, v), w in total.items():
        G.add_edge(u, v, length=1 / w)
    return G


def _nx_east_west(nodes: pd.DataFrame, edges: pd.DataFrame) -> tuple[dict, dict]:
    G = _nx_graph(nodes, edges)
    east = nodes.loc[nodes["bloc"] == "East", "city_geonames_id"].tolist()
    west = nodes.loc[nodes["bloc"] == "West", "city_geonames_id"].tolist()
    # For a *directed* graph, networkx's subset betweenness with normalized=False is the plain sum
    # over ordered (s, t) of sigma_st(v)/sigma_st (its _rescale uses N/(K*correction) with
    # correction=1 when directed, = 1 here); the halving applies to undirected graphs only.
    # So East->West plus West->East is exactly Definition 2, like with like.
    a = nx.betweenness_centrality_subset(G, sources=east, targets=west, weight="length", normalized=False)
    b = nx.betweenness_centrality_subset(G, sources=west, targets=east, weight="length", normalized=False)
    return {v: a[v] + b[v] for v in G}, nx.betweenness_centrality(G, weight="length", normalized=False)


@pytest.mark.parametrize(
    "n, p, seed",
    [(10, 0.3, 1), (10, 0.6, 2), (25, 0.1, 3), (25, 0.35, 4), (40, 0.05, 5), (60, 0.08, 6), (60, 0.25, 7)],
)
def test_matches_networkx_subset_betweenness(n, p, seed):
    nodes, edges = _random_network(n, p, seed)
    got = east_west_betweenness(nodes, edges)
    want_ew, want_std = _nx_east_west(nodes, edges)
    ids = got["city_geonames_id"].tolist()
    assert got["east_west_betweenness"].tolist() == pytest.approx([want_ew[v] for v in ids], rel=1e-9, abs=1e-9)
    assert got["betweenness"].tolist() == pytest.approx([want_std[v] for v in ids], rel=1e-9, abs=1e-9)
    assert got["east_west_betweenness"].max() > 0  # the comparison is not vacuous
    # the share's denominator: connected ordered East-West pairs, both directions
    G = _nx_graph(nodes, edges)
    bloc = dict(zip(nodes["city_geonames_id"], nodes["bloc"]))
    reach = dict(nx.all_pairs_shortest_path_length(G))
    pairs = sum(1 for s in G for t in reach[s] if bloc[s] != bloc[t])
    assert got["east_west_path_share"].tolist() == pytest.approx([want_ew[v] / pairs for v in ids], rel=1e-9, abs=1e-12)


def test_ties_are_frequent_in_the_random_graphs():
    """Guard for the test above: the dyadic weights do create nodes with fractional (tied) credit."""
    nodes, edges = _random_network(25, 0.35, 4)
    ew = east_west_betweenness(nodes, edges)["east_west_betweenness"].to_numpy()
    assert (np.abs(ew - np.round(ew)) > 1e-6).any()


def test_definition_1_is_graph_tools_unnormalised_betweenness():
    import graph_tool as gt
    from graph_tool.centrality import betweenness

    nodes, edges = _random_network(40, 0.2, 11)
    index = {v: i for i, v in enumerate(nodes["city_geonames_id"])}
    g = gt.Graph(directed=True)
    g.add_vertex(len(index))
    g.add_edge_list([(index[u], index[v]) for u, v in zip(edges["source"], edges["target"])])
    length = g.new_edge_property("double")
    length.a = 1.0 / edges["weight"].to_numpy()
    full, _ = betweenness(g, weight=length, norm=False)  # on all edges, not the pruned graph
    normed, _ = betweenness(g, weight=length, norm=True)
    n = len(index)
    ours = standard_betweenness(nodes, edges)
    assert ours.to_numpy() == pytest.approx(np.array(full.a), rel=1e-9, abs=1e-9)
    # graph-tool's norm=True divides by (n-1)(n-2) for directed graphs; norm=False undoes nothing else
    assert ours.to_numpy() / ((n - 1) * (n - 2)) == pytest.approx(np.array(normed.a), rel=1e-9, abs=1e-12)
    want = nx.betweenness_centrality(_nx_graph(nodes, edges), weight="length", normalized=False)
    assert ours.to_dict() == pytest.approx(want, rel=1e-9, abs=1e-9)
    assert east_west_betweenness(nodes, edges)["betweenness"].tolist() == pytest.approx(ours.tolist())


# Hand-drawn example. East: a, b, x; West: c, d. Lengths are 1/weight.
#   a -> x (w 2, length 1/2)   x -> c (w 2, 1/2)
#   a -> b (w 2, 1/2)          b -> c (two rows of w 1, summed to 2: length 1/2)
#   a -> c (w 1, 1)            c -> d (w 1, 1)         d -> a (w 4, 1/4)
#   a -> a (w 100: a self-loop, dropped)
A, B, X, C, D = 1, 2, 3, 4, 5
HAND_BLOCS = {A: "East", B: "East", X: "East", C: "West", D: "West"}
HAND_EDGES = [(A, X, 2), (X, C, 2), (A, B, 2), (B, C, 1), (B, C, 1), (A, C, 1), (C, D, 1), (D, A, 4), (A, A, 100)]


def test_hand_drawn_five_nodes():
    # East -> West pairs:
    #   a->c: a-x-c (1/2+1/2), a-b-c (1/2+1/2), a-c (1): a three-way tie, sigma = 3: x 1/3, b 1/3
    #   a->d: the same three, then c-d (length 2):  x 1/3, b 1/3, c 1
    #   b->c, x->c: direct. b->d: b-c-d: c 1.  x->d: x-c-d: c 1
    # West -> East pairs:
    #   c->a: c-d-a: d 1.  c->b: c-d-a-b: d 1, a 1.  c->x: c-d-a-x: d 1, a 1
    #   d->a: direct.  d->b: d-a-b: a 1.  d->x: d-a-x: a 1
    # Totals: a 4, b 2/3, x 2/3, c 3, d 3; all 3*2*2 = 12 ordered East-West pairs are connected.
    nodes, edges = _frames(HAND_BLOCS, HAND_EDGES)
    got = east_west_betweenness(nodes, edges)
    assert got.columns.tolist() == [
        "city_geonames_id", "bloc", "east_west_betweenness", "east_west_path_share", "betweenness", "rank_east_west"
    ]
    assert _by_id(got, "east_west_betweenness") == pytest.approx({A: 4, B: 2 / 3, X: 2 / 3, C: 3, D: 3})
    assert _by_id(got, "east_west_path_share") == pytest.approx({A: 4 / 12, B: 2 / 36, X: 2 / 36, C: 3 / 12, D: 3 / 12})
    # ties share the best rank: c and d both 2nd, b and x both 4th
    assert _by_id(got, "rank_east_west") == {A: 1, C: 2, D: 2, B: 4, X: 4}
    # Definition 1 adds the within-bloc pairs:
    #   b->x: b-c-d-a-x (c, d, a).  x->b: x-c-d-a-b (c, d, a).  b->a: b-c-d-a (c, d).  x->a: x-c-d-a (c, d)
    #   d->c: d-a-x-c, d-a-b-c, d-a-c (all 5/4): a 1, x 1/3, b 1/3.  a->x, a->b, c->d: direct.
    # Totals: a 4+1+1+1 = 7, b 2/3+1/3 = 1, x 1, c 3+4 = 7, d 3+4 = 7.
    assert _by_id(got, "betweenness") == pytest.approx({A: 7, B: 1, X: 1, C: 7, D: 7})
    assert got["bloc"].tolist() == list(HAND_BLOCS.values())


@pytest.mark.parametrize("chain", [10, 9, 6, 3])
def test_ties_that_floating_point_breaks_are_ties(chain):
    """s (East) -> t (West) directly with weight 1 (length 1) and through a chain of `chain` edges of
    weight `chain` (lengths 1/chain). In exact arithmetic both paths have length 1, so sigma_st = 2
    and each chain node m_k (East) gets 1/2 for (s, t), plus 1 for each (m_i, t) with i < k.
    In IEEE doubles the chain sums to 0.9999999999999999 (10, 6 edges), 1.0000000000000002 (9 edges)
    or exactly 1.0 (3 edges): all are ties."""
    s, t = 100, 200
    chain_nodes = list(range(1, chain))  # chain - 1 intermediate nodes
    blocs = {s: "East", **{m: "East" for m in chain_nodes}, t: "West"}
    hops = [s, *chain_nodes, t]
    rows = [(s, t, 1.0)] + [(u, v, float(chain)) for u, v in zip(hops[:-1], hops[1:])]
    nodes, edges = _frames(blocs, rows)
    want = {m: 0.5 + k for k, m in enumerate(chain_nodes)}
    got = _by_id(east_west_betweenness(nodes, edges), "east_west_betweenness")
    assert {m: got[m] for m in chain_nodes} == pytest.approx(want, rel=1e-12)
    assert got[s] == 0 and got[t] == 0


def _four_edges(k: int):
    """Issue 15 item 2, scaled by k: 1 -> 2 (w 2k), 2 -> 3 (3k), 3 -> 4 (6k), 1 -> 4 (k). The paths
    1-2-3-4 and 1-4 tie exactly (1/2 + 1/3 + 1/6 = 1, over k); in doubles the first sums to
    0.9999999999999999 at k = 1."""
    return _frames({1: "East", 2: "East", 3: "West", 4: "West"}, [(1, 2, 2 * k), (2, 3, 3 * k), (3, 4, 6 * k), (1, 4, k)])


@pytest.mark.parametrize("k", [1, 7, 16_666_656])  # 6k = 99,999,936: weights up to 10^8
def test_issue_15_four_edge_tie_both_definitions(k):
    nodes, edges = _four_edges(k)
    # floating point breaks the tie at k = 1 and 16,666,656 (not at 7, the control)
    assert (1 / (2 * k) + 1 / (3 * k) + 1 / (6 * k) == 1 / k) == (k == 7)
    got = east_west_betweenness(nodes, edges)
    # (1, 4): two shortest paths, 2 and 3 on one: 1/2 each. (1, 3) via 2: 2 gets 1. (2, 4) via 3: 3 gets 1.
    assert _by_id(got, "betweenness") == {1: 0, 2: 1.5, 3: 1.5, 4: 0}
    # East-West pairs: (1,3): 2 gets 1; (1,4): 1/2 each; (2,4) via 3: 3 gets 1; (2,3) direct.
    assert _by_id(got, "east_west_betweenness") == {1: 0, 2: 1.5, 3: 1.5, 4: 0}
    want_ew, want_std = _nx_east_west(nodes, edges)
    assert _by_id(got, "betweenness") == pytest.approx(want_std, abs=1e-12)
    assert _by_id(got, "east_west_betweenness") == pytest.approx(want_ew, abs=1e-12)
    assert standard_betweenness(nodes, edges).to_dict() == {1: 0, 2: 1.5, 3: 1.5, 4: 0}


@pytest.mark.parametrize("m", [100_000, 10**8])
def test_issue_15_near_tie_is_not_merged(m):
    """s -> a (w m-1) -> t (w m+1) against s -> b (w m) -> t (w m): 1/(m-1) + 1/(m+1) - 2/m =
    2/(m(m^2-1)) > 0, relatively ~1/m^2 (1e-10 at m = 10^5, merged by a 1e-9 tolerance; 1e-16 at
    10^8, under a double's resolution). Exactly, only the path through b is shortest."""
    s, a, b, t = 1, 2, 3, 4
    nodes, edges = _frames({s: "East", a: "East", b: "West", t: "West"}, [(s, a, m - 1), (a, t, m + 1), (s, b, m), (b, t, m)])
    got = east_west_betweenness(nodes, edges)
    assert _by_id(got, "east_west_betweenness") == {s: 0, a: 0, b: 1, t: 0}
    assert _by_id(got, "betweenness") == {s: 0, a: 0, b: 1, t: 0}
    want_ew, want_std = _nx_east_west(nodes, edges)
    assert _by_id(got, "east_west_betweenness") == want_ew and _by_id(got, "betweenness") == want_std
    # and the mirror image: a's path shortest when its weights are the larger ones, (m, m) vs (m-1, m+1)
    nodes, edges = _frames({s: "East", a: "East", b: "West", t: "West"}, [(s, a, m), (a, t, m), (s, b, m - 1), (b, t, m + 1)])
    assert _by_id(east_west_betweenness(nodes, edges), "betweenness") == {s: 0, a: 1, b: 0, t: 0}


@pytest.mark.parametrize("m", [33_331, 33_333_332])  # 3m = 99,993 and 99,999,996
def test_exact_ties_at_large_weights_are_not_split(m):
    """Three edges of weight 3m against one of weight m: 3 * 1/(3m) = 1/m exactly, but not in
    doubles at these m."""
    assert 1 / (3 * m) + 1 / (3 * m) + 1 / (3 * m) != 1 / m
    s, x, y, t = 1, 2, 3, 4
    nodes, edges = _frames({s: "East", x: "East", y: "West", t: "West"}, [(s, x, 3 * m), (x, y, 3 * m), (y, t, 3 * m), (s, t, m)])
    got = east_west_betweenness(nodes, edges)
    # (s, t): two paths, x and y on one: 1/2 each; (s, y) via x: x 1; (x, t) via y: y 1
    assert _by_id(got, "betweenness") == {s: 0, x: 1.5, y: 1.5, t: 0}
    want_ew, want_std = _nx_east_west(nodes, edges)
    assert _by_id(got, "betweenness") == pytest.approx(want_std, abs=1e-12)
    assert _by_id(got, "east_west_betweenness") == pytest.approx(want_ew, abs=1e-12)


def _random_small_integer_network(seed: int):
    """7-12 nodes, edge probability 0.25-0.55, weights in {1, 2, 3, 4, 6, 12} (lengths whose sums
    tie exactly in many ways, 1/2 + 1/3 + 1/6 = 1, 1/4 + 1/12 = 1/3, 1/6 + 1/6 = 1/3, and floating
    point breaks many of them)."""
    rng = np.random.default_rng(1000 + seed)
    n = int(rng.integers(7, 13))
    ids = (np.arange(n) + 1) * 3
    p = rng.uniform(0.25, 0.55)
    pairs = [(u, v) for u, v in itertools.permutations(ids.tolist(), 2) if rng.random() < p]
    weights = rng.choice([1, 2, 3, 4, 6, 12], size=len(pairs))
    bloc = np.where(rng.random(n) < 0.5, "East", "West")
    nodes = pd.DataFrame({"city_geonames_id": ids, "bloc": bloc})
    edges = pd.DataFrame({"source": [u for u, _ in pairs], "target": [v for _, v in pairs], "weight": weights.astype(float)})
    return nodes, edges


def _enumerated_east_west(nodes: pd.DataFrame, edges: pd.DataFrame) -> dict:
    """Definition 2 by brute force: every shortest s -> t path listed by networkx's
    ``all_shortest_paths`` on exact Fraction lengths, for every ordered cross-bloc pair; each
    interior node gets (paths through it) / (paths) as an exact Fraction."""
    G = _nx_graph(nodes, edges)
    bloc = dict(zip(nodes["city_geonames_id"], nodes["bloc"]))
    out = {v: Fraction(0) for v in G}
    for s in G:
        reach = nx.single_source_dijkstra_path_length(G, s, weight="length")
        for t in reach:
            if t == s or bloc[s] == bloc[t]:
                continue
            paths = list(nx.all_shortest_paths(G, s, t, weight="length"))
            for path in paths:
                for v in path[1:-1]:
                    out[v] += Fraction(1, len(paths))
    return out


def _float_tie_losses(nodes: pd.DataFrame, edges: pd.DataFrame) -> bool:
    """Whether networkx with float lengths 1.0/w disagrees with the exact oracle (a broken tie)."""
    G = nx.DiGraph()
    G.add_nodes_from(nodes["city_geonames_id"].tolist())
    G.add_weighted_edges_from(zip(edges["source"], edges["target"], 1.0 / edges["weight"]), weight="length")
    fl = nx.betweenness_centrality(G, weight="length", normalized=False)
    ex = nx.betweenness_centrality(_nx_graph(nodes, edges), weight="length", normalized=False)
    return any(abs(fl[v] - ex[v]) > 1e-9 for v in G)


def test_both_definitions_equal_exact_oracles_on_240_random_tied_graphs():
    """Definition 1 against networkx's betweenness on Fraction lengths, Definition 2 against
    enumeration of all shortest paths (Fraction lengths), on 240 random small-integer graphs."""
    broken, fractional = 0, 0
    for seed in range(240):
        nodes, edges = _random_small_integer_network(seed)
        got = east_west_betweenness(nodes, edges)
        ids = got["city_geonames_id"].tolist()
        want_std = nx.betweenness_centrality(_nx_graph(nodes, edges), weight="length", normalized=False)
        want_ew = _enumerated_east_west(nodes, edges)
        assert got["betweenness"].tolist() == pytest.approx([float(want_std[v]) for v in ids], rel=1e-12, abs=1e-12), seed
        assert got["east_west_betweenness"].tolist() == pytest.approx([float(want_ew[v]) for v in ids], rel=1e-12, abs=1e-12), seed
        broken += _float_tie_losses(nodes, edges)
        fractional += any(x.denominator > 1 for x in want_ew.values())
    # the comparison is not vacuous: floating point breaks ties in many of these graphs, and
    # many have shared (fractional) credit
    assert broken >= 100 and fractional >= 150, (broken, fractional)  # 117 and 176


def test_near_ties_at_weights_near_10_8():
    """Weights 10^8 + k, k in -3..3: 1/(N + k) = (1 - k/N + k^2/N^2 - ...)/N, so paths with the same
    number of hops and the same sum of k differ only by about sum k^2 / N^2 (1e-15 relative and
    less, at or below a double's resolution), and paths with the same multiset of k tie exactly.
    Both definitions against networkx on Fraction lengths; the exact stage must have decided many
    (source, node) pairs."""
    import aigeo_assets.centrality.betweenness as module

    decided = 0
    for seed in range(40):
        rng = np.random.default_rng(5000 + seed)
        nodes, edges = _random_small_integer_network(seed)
        edges = edges.assign(weight=(10**8 + rng.integers(-3, 4, size=len(edges))).astype(float))
        got = east_west_betweenness(nodes, edges)
        want_ew, want_std = _nx_east_west(nodes, edges)
        assert _by_id(got, "betweenness") == pytest.approx({v: float(x) for v, x in want_std.items()}, rel=1e-12, abs=1e-12), seed
        assert _by_id(got, "east_west_betweenness") == pytest.approx({v: float(x) for v, x in want_ew.items()}, rel=1e-12, abs=1e-12), seed
        stats: dict = {}
        net, exact_weight = module.prepare_exact(nodes, edges)
        module._accumulate(net, module.all_pairs_distances(net), exact_weight, stats=stats)
        decided += stats.get("heads_decided_exactly", 0)
    assert decided >= 50, decided  # 90; the float-tolerance version got 16 of these 40 graphs wrong (Definition 2)


def test_float_distances_are_within_the_proved_bound():
    """The premise of the float filter: graph-tool's distances are within gamma_{2n} (relative) of
    the exact ones, here on graphs with weights 1..12 and near 10^8 (exact distances from networkx
    on Fraction lengths)."""
    import aigeo_assets.centrality.betweenness as module

    for seed in range(30):
        nodes, edges = _random_small_integer_network(seed)
        if seed % 2:
            edges = edges.assign(weight=(10**8 - np.arange(len(edges)) % 37).astype(float))
        net, _ = module.prepare_exact(nodes, edges)
        approx = module.all_pairs_distances(net)
        G = nx.DiGraph()
        G.add_nodes_from(range(net.n))
        for u, v, w in zip(net.source.tolist(), net.target.tolist(), net.weight.tolist()):
            G.add_edge(u, v, length=1 / Fraction(w))
        gamma = module._float_slack(net.n) / 5
        for s, lengths in nx.all_pairs_dijkstra_path_length(G, weight="length"):
            for t, exact in lengths.items():
                assert abs(Fraction(approx[s, t]) - exact) <= Fraction(gamma) * exact
            assert np.isinf(approx[s, [t for t in range(net.n) if t not in lengths]]).all()


def test_the_exact_stage_alone_decides(monkeypatch):
    """With the float filter made useless (every edge a candidate of every node, so the candidates
    form cycles and every source takes the exact Dijkstra fallback) and with the lazy exact
    resolution forced to give up, the answers are unchanged: the float stage only filters."""
    import aigeo_assets.centrality.betweenness as module

    cases = [_random_small_integer_network(seed) for seed in range(20)] + [_four_edges(16_666_666)]
    want = [east_west_betweenness(*c) for c in cases]
    monkeypatch.setattr(module, "_float_slack", lambda n: 1e300)
    for c, w in zip(cases, want):
        pd.testing.assert_frame_equal(east_west_betweenness(*c), w, check_exact=False, rtol=1e-12)

    def give_up(*args, **kwargs):
        raise module._CandidateCycle

    monkeypatch.undo()
    monkeypatch.setattr(module, "_resolve_source", give_up)
    for c, w in zip(cases, want):
        pd.testing.assert_frame_equal(east_west_betweenness(*c), w, check_exact=False, rtol=1e-12)


def test_candidate_cycle_at_huge_weights_falls_back_to_exact_dijkstra():
    """a <-> b with weight 10^16 (length 1e-16, below a double's resolution at distance 1): from s
    the float distances of a and b are both 1.0, so both edges between them are candidates and
    form a cycle; a has two candidates (s -> a and s -> c -> a, an exact tie at 1), so the source
    needs the exact stage and takes the exact Dijkstra. Exactly, b lies 1e-16 behind a."""
    s, a, b, c = 1, 2, 3, 4
    big = 10**16
    nodes, edges = _frames({s: "East", a: "West", b: "West", c: "East"},
                           [(s, a, 1), (s, c, 2), (c, a, 2), (a, b, big), (b, a, big)])
    stats: dict = {}
    import aigeo_assets.centrality.betweenness as module

    net, exact_weight = module.prepare_exact(nodes, edges)
    module._accumulate(net, module.all_pairs_distances(net), exact_weight, stats=stats)
    assert stats.get("exact_dijkstra_fallbacks", 0) >= 1
    got = east_west_betweenness(nodes, edges)
    want_ew, want_std = _nx_east_west(nodes, edges)
    assert _by_id(got, "east_west_betweenness") == pytest.approx(want_ew, abs=1e-12)
    assert _by_id(got, "betweenness") == pytest.approx(want_std, abs=1e-12)


def _ratio_frames(rows: list[tuple]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Edges whose weight is a ratio of counts p / q, given as the float and as integer columns."""
    nodes = pd.DataFrame({"city_geonames_id": [1, 2, 3, 4], "bloc": ["East", "East", "West", "West"]})
    edges = pd.DataFrame(rows, columns=["source", "target", "weight_numerator", "weight_denominator"])
    edges["weight"] = edges["weight_numerator"] / edges["weight_denominator"]
    return nodes, edges


def test_ratio_weights_are_exact_from_their_counts():
    """Weights that are ratios of counts (like the normalized-impact network's): 1 -> 2 (3/10),
    2 -> 4 (3/7), 1 -> 4 (3/17), 1 -> 3 (1/10), 3 -> 4 (1/3). Lengths q/p: 1 -> 2 -> 4 is
    10/3 + 7/3 = 17/3, exactly 1 -> 4's length, and 1 -> 3 -> 4 is 13. The float weights do not
    keep that tie; the integer columns do."""
    nodes, edges = _ratio_frames([(1, 2, 3, 10), (2, 4, 3, 7), (1, 3, 1, 10), (3, 4, 1, 3), (1, 4, 3, 17)])
    assert 1 / (3 / 10) + 1 / (3 / 7) != 1 / (3 / 17)  # floating point splits the tie
    got = east_west_betweenness(nodes, edges)
    # (1, 4): two shortest paths (via 2, and direct): 2 gets 1/2. (1, 3) direct; (2, 3) unreachable;
    # (2, 4) direct. Definition 1 adds (3, ...) nothing and (1, 2) direct.
    assert _by_id(got, "betweenness") == {1: 0, 2: 0.5, 3: 0, 4: 0}
    assert _by_id(got, "east_west_betweenness") == {1: 0, 2: 0.5, 3: 0, 4: 0}
    # the oracle: networkx on the exact Fractions p/q
    G = nx.DiGraph()
    G.add_nodes_from([1, 2, 3, 4])
    for u, v, p, q in edges[["source", "target", "weight_numerator", "weight_denominator"]].itertuples(index=False):
        G.add_edge(u, v, length=Fraction(q, p))
    assert _by_id(got, "betweenness") == pytest.approx(nx.betweenness_centrality(G, weight="length", normalized=False))
    # without the integer columns the float weights are taken as they are: the tie is lost
    floats = east_west_betweenness(nodes, edges[["source", "target", "weight"]])
    assert _by_id(floats, "betweenness")[2] in (0.0, 1.0)


def test_ratio_weights_are_checked():
    nodes, edges = _ratio_frames([(1, 2, 3, 10), (2, 4, 3, 7)])
    with pytest.raises(ValueError, match="is not weight_numerator"):
        east_west_betweenness(nodes, edges.assign(weight=[0.3, 0.5]))
    with pytest.raises(ValueError, match="integers"):
        east_west_betweenness(nodes, edges.assign(weight_denominator=[10, 0]))
    with pytest.raises(ValueError, match="integers"):
        east_west_betweenness(nodes, edges.assign(weight_numerator=[3.5, 3]))
    with pytest.raises(ValueError, match="weight_numerator is 0"):
        east_west_betweenness(nodes, edges.assign(weight_numerator=[3, 0]))
    # parallel rows are summed exactly: 3/20 + 3/20 = 3/10
    split = pd.concat([edges.iloc[:1].assign(weight_denominator=20, weight=0.15)] * 2 + [edges.iloc[1:]], ignore_index=True)
    pd.testing.assert_frame_equal(east_west_betweenness(nodes, split), east_west_betweenness(nodes, edges))


def test_self_loops_and_parallel_rows():
    nodes, edges = _random_network(20, 0.2, 21)
    base = east_west_betweenness(nodes, edges)
    ids = nodes["city_geonames_id"].to_numpy()
    loops = pd.DataFrame({"source": ids, "target": ids, "weight": 1000.0})
    # split every edge into two parallel rows: weight = w/2 + w/2 (summed, not two edges)
    halves = pd.concat([edges.assign(weight=edges["weight"] / 2)] * 2, ignore_index=True)
    other = east_west_betweenness(nodes, pd.concat([halves, loops], ignore_index=True).sample(frac=1, random_state=0))
    pd.testing.assert_frame_equal(base, other, check_exact=False, rtol=1e-12)


def test_disconnected_pairs_contribute_nothing_and_endpoints_score_zero():
    # e1 -> m -> w1 (m West) and a separate component e2 -> w2; w3 isolated; e3 only sends (to m).
    e1, e2, e3, m, w1, w2, w3 = 1, 2, 3, 10, 11, 12, 13
    blocs = {e1: "East", e2: "East", e3: "East", m: "West", w1: "West", w2: "West", w3: "West"}
    nodes, edges = _frames(blocs, [(e1, m, 1), (m, w1, 1), (e2, w2, 3), (e3, m, 2)])
    got = east_west_betweenness(nodes, edges)
    ew = _by_id(got, "east_west_betweenness")
    # m is on e1->w1 and e3->w1 (the only cross pairs through anything); all else are endpoints only
    assert ew == {e1: 0, e2: 0, e3: 0, m: 2, w1: 0, w2: 0, w3: 0}
    # connected East-West ordered pairs: e1->m, e1->w1, e3->m, e3->w1, e2->w2 (nothing West -> East)
    assert _by_id(got, "east_west_path_share")[m] == pytest.approx(2 / 5)
    assert _by_id(got, "rank_east_west") == {m: 1, e1: 2, e2: 2, e3: 2, w1: 2, w2: 2, w3: 2}


def test_no_edges_and_one_bloc():
    nodes, edges = _frames({1: "East", 2: "West"}, [])
    got = east_west_betweenness(nodes, edges)
    assert got["east_west_betweenness"].tolist() == [0, 0]
    assert got["east_west_path_share"].tolist() == [0, 0]
    nodes, edges = _frames({1: "East", 2: "East", 3: "East"}, [(1, 2, 1), (2, 3, 1)])
    got = east_west_betweenness(nodes, edges)
    assert got["east_west_betweenness"].tolist() == [0, 0, 0]
    assert got["betweenness"].tolist() == [0, 1, 0]


def test_bad_input_is_refused():
    nodes, edges = _frames({1: "East", 2: "North"}, [(1, 2, 1)])
    with pytest.raises(ValueError, match="bloc"):
        east_west_betweenness(nodes, edges)
    nodes, edges = _frames({1: "East", 2: "West"}, [(1, 3, 1)])
    with pytest.raises(ValueError, match="not in nodes"):
        east_west_betweenness(nodes, edges)
    nodes, edges = _frames({1: "East", 2: "West"}, [(1, 2, -1)])
    with pytest.raises(ValueError, match="weights"):
        east_west_betweenness(nodes, edges)


def test_network_from_matrix():
    ids, blocs = [7, 8, 9], ["East", "East", "West"]
    values = np.array([[5, 1, 0], [0, 0, 2], [4, 0, 3]], dtype=float)  # diagonal 5 and 3 are self-flows
    r, c = np.divmod(np.arange(9), 3)
    matrix = pd.DataFrame({
        "top_n": 3, "row_order": r, "col_order": c,
        "row_city_geonames_id": np.array(ids)[r], "col_city_geonames_id": np.array(ids)[c],
        "row_city_name": "x", "col_city_name": "y",
        "row_bloc": np.array(blocs)[r], "col_bloc": np.array(blocs)[c], "value": values.ravel(),
    })
    nodes, edges = network_from_matrix(matrix)
    assert nodes["city_geonames_id"].tolist() == ids and nodes["bloc"].tolist() == blocs
    assert sorted(map(tuple, edges[["source", "target", "weight"]].to_numpy().tolist())) == [(7, 8, 1), (8, 9, 2), (9, 7, 4)]
    # 9 (West) -> 7 -> 8 -> 9: 7 is on 9->8, 8 is on 7->9; all cross pairs are connected
    got = _by_id(east_west_betweenness(nodes, edges), "east_west_betweenness")
    assert got == {7: 1, 8: 1, 9: 0}
    with pytest.raises(ValueError, match="top_n"):
        network_from_matrix(pd.concat([matrix, matrix.assign(top_n=2)]))


def test_graph_tool_distances_and_source_blocks(monkeypatch):
    """graph-tool's all-pairs distances equal networkx's; one source per block gives the same answer."""
    import networkx as nx

    import aigeo_assets.centrality.betweenness as module

    nodes, edges = _random_network(60, 0.25, 7)
    net = module.prepare_network(nodes, edges)
    g = nx.DiGraph()
    g.add_nodes_from(range(net.n))
    g.add_weighted_edges_from(zip(net.source.tolist(), net.target.tolist(), net.length.tolist()), weight="length")
    want = dict(nx.all_pairs_dijkstra_path_length(g, weight="length"))
    got = module.all_pairs_distances(net)
    for s in range(net.n):
        for t in range(net.n):
            assert got[s, t] == pytest.approx(want[s].get(t, float("inf")), rel=1e-12)
    whole = east_west_betweenness(nodes, edges)
    monkeypatch.setattr(module, "_BLOCK_ELEMENTS", 1)
    pd.testing.assert_frame_equal(whole, east_west_betweenness(nodes, edges), check_exact=False, rtol=1e-12)


def test_path_share_is_the_mean_over_pairs_of_each_pairs_share_through_the_city():
    """Hand-worked (issue 15, item 4): East e1, e2; West v, a, w; edges e1->v, v->w, e2->v, e2->a,
    a->w, all weight 1. Connected East-West ordered pairs: (e1,v), (e1,w), (e2,v), (e2,a), (e2,w).
    v lies on e1->w's one shortest path (1) and on one of e2->w's two (1/2): Definition 2 gives 1.5,
    the path share 1.5 / 5 pairs = 0.3, each pair weighing the same. (The share of all East-West
    shortest paths, 2 of 6, would be 1/3: the pairs with more shortest paths would weigh more.)"""
    e1, e2, v, a, w = 1, 2, 5, 6, 9
    nodes, edges = _frames({e1: "East", e2: "East", v: "West", a: "West", w: "West"},
                           [(e1, v, 1.0), (v, w, 1.0), (e2, v, 1.0), (e2, a, 1.0), (a, w, 1.0)])
    got = east_west_betweenness(nodes, edges)
    assert _by_id(got, "east_west_betweenness")[v] == pytest.approx(1.5)
    assert _by_id(got, "east_west_path_share")[v] == pytest.approx(0.3)
    assert _by_id(got, "east_west_path_share")[a] == pytest.approx(0.5 / 5)
