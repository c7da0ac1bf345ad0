"""Robustness centralities (Supplementary Tables 4-8): degree, closeness, PageRank, cascades."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from aigeo_assets.centrality.robustness import (
    DEFAULT_CASCADE_DIRECTION,
    cascade_influence,
    closeness_centrality,
    degree_centrality,
    influence_matrix,
    is_strongly_connected,
    pagerank_centrality,
    robustness_tables,
    simulate_linear_threshold,
)


def _nodes(ids, blocs=None) -> pd.DataFrame:
    ids = list(ids)
    return pd.DataFrame({"city_geonames_id": ids, "bloc": blocs or ["East" if i % 2 else "West" for i in ids]})


def _edges(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["source", "target", "weight"])


def _by_id(df: pd.DataFrame, col: str) -> dict[int, float]:
    return dict(zip(df["city_geonames_id"].astype(int), df[col].astype(float)))


def _random_network(n=12, p=0.25, seed=3, strongly_connected=False):
    rng = np.random.default_rng(seed)
    ids = list(range(100, 100 + n))
    rows = []
    for i, j in itertools.permutations(range(n), 2):
        if rng.random() < p:
            rows.append((ids[i], ids[j], float(rng.integers(1, 50))))
    if strongly_connected:  # add a directed ring
        rows += [(ids[i], ids[(i + 1) % n], 1.0) for i in range(n)]
    return _nodes(ids), _edges(rows)


def _nx_graph(nodes, edges) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(nodes["city_geonames_id"].astype(int))
    for s, t, w in edges.itertuples(index=False):
        if s == t:
            continue
        if g.has_edge(s, t):
            g[s][t]["weight"] += w
        else:
            g.add_edge(int(s), int(t), weight=float(w))
    for _, _, d in g.edges(data=True):
        d["length"] = 1.0 / d["weight"]
    return g


# ---------------------------------------------------------------- input, ranking


def test_input_validation():
    nodes = _nodes([1, 2])
    with pytest.raises(ValueError, match="not in nodes"):
        degree_centrality(nodes, _edges([(1, 3, 1.0)]))
    with pytest.raises(ValueError, match="counts"):
        degree_centrality(nodes, _edges([(1, 2, -1.0)]))
    with pytest.raises(ValueError, match="duplicate"):
        degree_centrality(_nodes([1, 1]), _edges([(1, 2, 1.0)]))


def test_degree_hand_sums_selfloops_parallel_rows_and_ties():
    nodes = _nodes([1, 2, 3, 4])
    edges = _edges(
        [
            (1, 2, 2.0),
            (1, 2, 3.0),  # parallel row: summed -> 5
            (2, 3, 4.0),
            (3, 1, 1.0),
            (3, 3, 100.0),  # self-loop: dropped
            (4, 1, 0.0),  # zero count: no edge
        ]
    )
    d = degree_centrality(nodes, edges)
    assert list(d.columns) == ["city_geonames_id", "bloc", "in_degree", "out_degree", "total_degree", "rank"]
    assert _by_id(d, "in_degree") == {1: 1.0, 2: 5.0, 3: 4.0, 4: 0.0}
    assert _by_id(d, "out_degree") == {1: 5.0, 2: 4.0, 3: 1.0, 4: 0.0}
    assert _by_id(d, "total_degree") == {1: 6.0, 2: 9.0, 3: 5.0, 4: 0.0}
    assert list(d["city_geonames_id"]) == [2, 1, 3, 4]
    assert list(d["rank"]) == [1, 2, 3, 4]
    # ties share the best rank, table sorted by rank
    tied = degree_centrality(_nodes([1, 2, 3]), _edges([(1, 2, 1.0), (2, 3, 1.0)]))
    assert _by_id(tied, "rank") == {2: 1, 1: 2, 3: 2}
    assert list(tied["rank"]) == sorted(tied["rank"])


# ---------------------------------------------------------------- closeness


def test_harmonic_closeness_matches_networkx_outgoing_and_incoming():
    nodes, edges = _random_network(n=12, p=0.2, seed=5)
    assert not is_strongly_connected(nodes, edges)
    g = _nx_graph(nodes, edges)
    n = g.number_of_nodes()
    c = closeness_centrality(nodes, edges)  # default harmonic, outgoing
    assert c.attrs["closeness_kind"] == "harmonic" and set(c["closeness_kind"]) == {"harmonic"}
    # networkx's harmonic_centrality sums 1/d(u, v) over sources u (incoming); reverse for outgoing
    ref_out = nx.harmonic_centrality(g.reverse(), distance="length")
    for v, val in _by_id(c, "harmonic_sum").items():
        assert val == pytest.approx(ref_out[v], rel=1e-9)
    for v, val in _by_id(c, "closeness").items():
        assert val == pytest.approx(ref_out[v] / (n - 1), rel=1e-9)
    c_in = closeness_centrality(nodes, edges, direction="in")
    ref_in = nx.harmonic_centrality(g, distance="length")
    for v, val in _by_id(c_in, "harmonic_sum").items():
        assert val == pytest.approx(ref_in[v], rel=1e-9)
    # the two directions differ on this graph: the comparison can tell them apart
    assert any(abs(ref_in[v] - ref_out[v]) > 1e-6 for v in g)


def test_standard_closeness_on_strongly_connected_matches_networkx():
    nodes, edges = _random_network(n=10, p=0.2, seed=7, strongly_connected=True)
    assert is_strongly_connected(nodes, edges)
    g = _nx_graph(nodes, edges)
    c = closeness_centrality(nodes, edges, kind="auto")
    assert c.attrs["closeness_kind"] == "standard"
    # networkx closeness uses incoming distances; reverse the graph for outgoing d(v, t)
    ref = nx.closeness_centrality(g.reverse(), distance="length")
    for v, val in _by_id(c, "closeness").items():
        assert val == pytest.approx(ref[v], rel=1e-9)
    # and "standard" refuses a network that is not strongly connected; "auto" falls back
    nodes2, edges2 = _random_network(n=10, p=0.2, seed=5)
    with pytest.raises(ValueError, match="strongly connected"):
        closeness_centrality(nodes2, edges2, kind="standard")
    assert closeness_centrality(nodes2, edges2, kind="auto").attrs["closeness_kind"] == "harmonic"


def test_closeness_uses_reciprocal_weights():
    # 1 -> 2 heavy (length 1/10), 1 -> 3 light (length 1): harmonic sum of 1 = 10 + 1
    c = closeness_centrality(_nodes([1, 2, 3]), _edges([(1, 2, 10.0), (1, 3, 1.0)]))
    assert _by_id(c, "harmonic_sum") == pytest.approx({1: 11.0, 2: 0.0, 3: 0.0})
    assert _by_id(c, "closeness")[1] == pytest.approx(11.0 / 2)


# ---------------------------------------------------------------- PageRank


def test_pagerank_matches_networkx_with_dangling_nodes():
    nodes, edges = _random_network(n=15, p=0.15, seed=11)
    g = _nx_graph(nodes, edges)
    assert any(g.out_degree(v) == 0 for v in g)  # a dangling node is exercised
    for damping in (0.85, 0.5):
        pr = pagerank_centrality(nodes, edges, damping=damping)
        ref = nx.pagerank(g, alpha=damping, weight="weight", tol=1e-13)
        got = _by_id(pr, "pagerank")
        assert sum(got.values()) == pytest.approx(1.0, abs=1e-9)
        for v in g:
            assert got[v] == pytest.approx(ref[v], abs=1e-8)
    pr_rev = pagerank_centrality(nodes, edges, direction="against")
    ref_rev = nx.pagerank(g.reverse(), weight="weight", tol=1e-13)
    for v, val in _by_id(pr_rev, "pagerank").items():
        assert val == pytest.approx(ref_rev[v], abs=1e-8)


def test_pagerank_is_weighted_and_directed():
    # everyone cites 1 (i -> j = i cites j): 1 has the highest prestige
    cites = _edges([(2, 1, 1.0), (3, 1, 1.0), (4, 1, 1.0), (1, 2, 1.0), (1, 3, 9.0)])
    pr = pagerank_centrality(_nodes([1, 2, 3, 4]), cites)
    assert pr["city_geonames_id"].iloc[0] == 1
    got = _by_id(pr, "pagerank")
    assert got[3] > got[2]  # 1 sends 9/10 of its walk to 3: weights are transition weights


# ---------------------------------------------------------------- cascades: exact hand cases

CHAIN = _edges([(1, 2, 3.0), (2, 3, 5.0), (3, 4, 7.0)])  # each node has one in-edge -> p = b = 1


@pytest.mark.parametrize("model", ["independent_cascade", "linear_threshold"])
def test_chain_with_probability_one(model):
    nodes = _nodes([1, 2, 3, 4])
    along = cascade_influence(nodes, CHAIN, model, runs=50, seed=1, direction="along")
    assert _by_id(along, "mean_spread") == {1: 4.0, 2: 3.0, 3: 2.0, 4: 1.0}
    assert _by_id(along, "stderr") == {1: 0.0, 2: 0.0, 3: 0.0, 4: 0.0}
    assert list(along["rank"]) == [1, 2, 3, 4]
    against = cascade_influence(nodes, CHAIN, model, runs=50, seed=1, direction="against")
    assert _by_id(against, "mean_spread") == {1: 1.0, 2: 2.0, 3: 3.0, 4: 4.0}


@pytest.mark.parametrize("model", ["independent_cascade", "linear_threshold"])
def test_star(model):
    nodes = _nodes([0, 1, 2, 3, 4, 5])
    star = _edges([(0, k, float(k)) for k in range(1, 6)])  # hub 0 -> leaves
    s = cascade_influence(nodes, star, model, runs=20, seed=2, direction="along")
    assert _by_id(s, "mean_spread") == {0: 6.0, 1: 1.0, 2: 1.0, 3: 1.0, 4: 1.0, 5: 1.0}
    assert _by_id(s, "rank") == {0: 1, 1: 2, 2: 2, 3: 2, 4: 2, 5: 2}
    # against: each leaf reaches the hub (whose incoming influence is split over 5 leaves)
    s2 = cascade_influence(nodes, star, model, runs=4000, seed=2, direction="against")
    got = _by_id(s2, "mean_spread")
    assert got[0] == 1.0
    for k in range(1, 6):
        # IC weighted cascade and LT both: P(leaf k activates hub) = k / 15
        assert got[k] == pytest.approx(1 + k / 15, abs=5 * _by_id(s2, "stderr")[k] + 1e-9)


def test_ic_max_normalisation():
    nodes = _nodes([1, 2, 3])
    edges = _edges([(1, 2, 4.0), (1, 3, 1.0)])
    p = influence_matrix(nodes, edges, "independent_cascade", ic_probability="max")
    assert p[0, 1] == 1.0 and p[0, 2] == 0.25
    p_wc = influence_matrix(nodes, edges, "independent_cascade")
    assert p_wc[0, 1] == 1.0 and p_wc[0, 2] == 1.0  # each target has one in-edge


# ---------------------------------------------------------------- cascades: exact enumeration

SMALL = _edges(
    [
        (1, 2, 2.0),
        (3, 2, 1.0),
        (2, 4, 3.0),
        (3, 4, 1.0),
        (4, 5, 1.0),
        (1, 5, 3.0),
        (5, 1, 1.0),
        (2, 3, 1.0),
    ]
)


def _ic_exact(ids, probs: dict[tuple[int, int], float]) -> dict[int, float]:
    """Expected IC spread per single seed by enumerating all 2^E live-edge worlds."""
    edges = list(probs)
    exact = {v: 0.0 for v in ids}
    for live in itertools.product([False, True], repeat=len(edges)):
        pr = 1.0
        g = nx.DiGraph()
        g.add_nodes_from(ids)
        for on, e in zip(live, edges):
            pr *= probs[e] if on else 1 - probs[e]
            if on:
                g.add_edge(*e)
        for v in ids:
            exact[v] += pr * (1 + len(nx.descendants(g, v)))
    return exact


def _lt_exact(ids, b: dict[tuple[int, int], float]) -> dict[int, float]:
    """Expected LT spread per seed via Kempe et al.'s live-edge equivalence: every node picks at
    most one incoming edge, (u, v) with probability b(u, v), none with 1 - Σ_u b(u, v)."""
    choices = []
    for v in ids:
        ins = [(u, vv) for (u, vv) in b if vv == v]
        opts = [(None, 1 - sum(b[e] for e in ins))] + [(e, b[e]) for e in ins]
        choices.append([o for o in opts if o[1] > 1e-15])
    exact = {v: 0.0 for v in ids}
    for pick in itertools.product(*choices):
        pr = float(np.prod([p for _, p in pick]))
        g = nx.DiGraph()
        g.add_nodes_from(ids)
        g.add_edges_from(e for e, _ in pick if e is not None)
        for v in ids:
            exact[v] += pr * (1 + len(nx.descendants(g, v)))
    return exact


def _in_normalised(rows: pd.DataFrame, reverse: bool) -> dict[tuple[int, int], float]:
    w = {}
    for s, t, x in rows.itertuples(index=False):
        e = (t, s) if reverse else (s, t)
        w[e] = w.get(e, 0.0) + x
    into = {}
    for (u, v), x in w.items():
        into[v] = into.get(v, 0.0) + x
    return {(u, v): x / into[v] for (u, v), x in w.items()}


@pytest.mark.parametrize("direction", ["along", "against"])
def test_ic_against_exact_enumeration(direction):
    ids = [1, 2, 3, 4, 5]
    probs = _in_normalised(SMALL, reverse=direction == "against")
    exact = _ic_exact(ids, probs)
    mc = cascade_influence(_nodes(ids), SMALL, "independent_cascade", runs=20000, seed=7, direction=direction)
    got, se = _by_id(mc, "mean_spread"), _by_id(mc, "stderr")
    for v in ids:
        assert 0 < se[v] < 0.02
        assert got[v] == pytest.approx(exact[v], abs=4 * se[v])


def test_ic_max_normalisation_against_exact_enumeration():
    ids = [1, 2, 3, 4, 5]
    mx = SMALL["weight"].max()
    probs = {(s, t): w / mx for s, t, w in SMALL.itertuples(index=False)}
    exact = _ic_exact(ids, probs)
    mc = cascade_influence(_nodes(ids), SMALL, "independent_cascade", runs=20000, seed=8, ic_probability="max")
    got, se = _by_id(mc, "mean_spread"), _by_id(mc, "stderr")
    for v in ids:
        assert got[v] == pytest.approx(exact[v], abs=4 * se[v])


def test_lt_against_exact_live_edge_enumeration():
    ids = [1, 2, 3, 4, 5]
    b = _in_normalised(SMALL, reverse=False)
    exact = _lt_exact(ids, b)
    mc = cascade_influence(_nodes(ids), SMALL, "linear_threshold", runs=20000, seed=9)
    got, se = _by_id(mc, "mean_spread"), _by_id(mc, "stderr")
    for v in ids:
        assert got[v] == pytest.approx(exact[v], abs=4 * se[v])
    # LT and IC differ on this graph: the two models are not mixed up
    ic_exact = _ic_exact(ids, b)
    assert max(abs(ic_exact[v] - exact[v]) for v in ids) > 0.05


def test_lt_thresholds_by_hand():
    # nodes 0=a, 1=b, 2=v, 3=w; a -> v (1), b -> v (3), v -> w (1): b(a,v)=.25, b(b,v)=.75, b(v,w)=1
    nodes = _nodes([10, 11, 12, 13])
    edges = _edges([(10, 12, 1.0), (11, 12, 3.0), (12, 13, 1.0)])
    bm = influence_matrix(nodes, edges, "linear_threshold")
    assert bm[0, 2] == 0.25 and bm[1, 2] == 0.75 and bm[2, 3] == 1.0
    theta = np.array([[0.5, 0.5, 0.25, 0.9], [0.5, 0.5, 0.26, 0.9], [0.5, 0.5, 0.75, 1.0], [0.5, 0.5, 0.8, 0.1]])
    spread = simulate_linear_threshold(bm, np.array([0, 1, 2, 3]), theta)
    # seed a: fires v iff θ_v <= 0.25; seed b: iff θ_v <= 0.75; then v fires w (b = 1 >= θ_w)
    np.testing.assert_array_equal(spread[:, 0], [3, 1, 1, 1])
    np.testing.assert_array_equal(spread[:, 1], [3, 3, 3, 1])
    np.testing.assert_array_equal(spread[:, 2], [2, 2, 2, 2])
    np.testing.assert_array_equal(spread[:, 3], [1, 1, 1, 1])
    # accumulation over rounds: a -> x, a -> v, x -> v; v needs both a and x (θ_v = 0.9)
    nodes2 = _nodes([1, 2, 3])
    bm2 = influence_matrix(nodes2, _edges([(1, 2, 1.0), (1, 3, 1.0), (2, 3, 1.0)]), "linear_threshold")
    assert bm2[0, 2] == 0.5 and bm2[1, 2] == 0.5
    np.testing.assert_array_equal(simulate_linear_threshold(bm2, np.array([0, 1]), np.array([[0.5, 1.0, 0.9]])), [[3, 1]])
    np.testing.assert_array_equal(simulate_linear_threshold(bm2, np.array([0, 1]), np.array([[0.5, 1.0, 0.5]])), [[3, 2]])
    # Monte Carlo with uniform thresholds: spread of a = 1 + P(θ_v <= .25) * 2 = 1.5
    mc = cascade_influence(nodes, edges, "linear_threshold", runs=20000, seed=3)
    assert _by_id(mc, "mean_spread")[10] == pytest.approx(1.5, abs=4 * _by_id(mc, "stderr")[10])


# ---------------------------------------------------------------- cascades: Monte Carlo properties


@pytest.mark.parametrize("model", ["independent_cascade", "linear_threshold"])
def test_cascade_determinism_with_fixed_seed(model):
    nodes, edges = _random_network(n=15, p=0.2, seed=13)
    a = cascade_influence(nodes, edges, model, runs=300, seed=123)
    b = cascade_influence(nodes, edges, model, runs=300, seed=123)
    pd.testing.assert_frame_equal(a, b)
    c = cascade_influence(nodes, edges, model, runs=300, seed=124)
    assert not np.allclose(_sorted(a)["mean_spread"], _sorted(c)["mean_spread"])
    assert a.attrs["runs"] == 300 and a.attrs["seed"] == 123


@pytest.mark.parametrize("model", ["independent_cascade", "linear_threshold"])
def test_cascades_run_on_one_blas_thread_with_the_unlimited_results(model, monkeypatch):
    """The cascades' matrix products run with BLAS on one thread (its second thread only spun
    beside them: ``cores.one_blas_thread``), the process's limit is back afterwards, and the table
    is the one two threads give, to the last bit (a big enough network for OpenBLAS to split its
    products: 120 cities)."""
    from threadpoolctl import threadpool_info, threadpool_limits

    from aigeo_assets.centrality import robustness

    def blas_threads() -> set[int]:
        return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}

    seen = []
    closure, threshold = robustness._closure_rows, robustness.simulate_linear_threshold

    def spy(real):
        def call(*args, **kwargs):
            seen.append(blas_threads())
            return real(*args, **kwargs)
        return call

    nodes, edges = _random_network(n=120, p=0.05, seed=21)
    with threadpool_limits(2, user_api="blas"):
        before = blas_threads()
        unlimited = cascade_influence.__wrapped__(nodes, edges, model, runs=64, seed=9)
        monkeypatch.setattr(robustness, "_closure_rows", spy(closure))
        monkeypatch.setattr(robustness, "simulate_linear_threshold", spy(threshold))
        limited = cascade_influence(nodes, edges, model, runs=64, seed=9)
        after = blas_threads()
    assert before == after == {2} and seen and all(s == {1} for s in seen)
    pd.testing.assert_frame_equal(limited, unlimited)


def _sorted(df):
    return df.sort_values("city_geonames_id").reset_index(drop=True)


@pytest.mark.parametrize("model", ["independent_cascade", "linear_threshold"])
def test_stderr_shrinks_with_more_runs(model):
    nodes, edges = _random_network(n=15, p=0.2, seed=13)
    small = _sorted(cascade_influence(nodes, edges, model, runs=250, seed=5))
    big = _sorted(cascade_influence(nodes, edges, model, runs=4000, seed=5))
    varying = small["stderr"] > 0
    assert varying.sum() >= 5
    ratio = (small["stderr"][varying] / big["stderr"][varying]).median()
    assert 3.0 < ratio < 5.3  # √(4000 / 250) = 4


# ---------------------------------------------------------------- bundle


def test_robustness_tables_bundle_and_direction_defaults():
    nodes, edges = _random_network(n=10, p=0.3, seed=17)
    t = robustness_tables(nodes, edges, network="impact", runs=200, seed=1)
    assert set(t) == {"degree", "closeness", "pagerank", "independent_cascade", "linear_threshold"}
    for name, df in t.items():
        assert list(df.columns[:2]) == ["city_geonames_id", "bloc"] and df.columns[-1] == "rank"
        assert len(df) == 10 and list(df["rank"]) == sorted(df["rank"]) and df["rank"].iloc[0] == 1
        assert df.attrs["network"] == "impact"
    assert DEFAULT_CASCADE_DIRECTION["impact"] == "against"
    assert t["independent_cascade"].attrs["direction"] == "against"
    assert t["linear_threshold"].attrs["direction"] == "against"
    m = robustness_tables(nodes, edges, network="migration", runs=200, seed=1)
    assert m["independent_cascade"].attrs["direction"] == "along"
    ref = cascade_influence(nodes, edges, "independent_cascade", runs=200, seed=1, direction="against")
    pd.testing.assert_frame_equal(t["independent_cascade"], ref, check_like=False)
    with pytest.raises(ValueError, match="unknown network"):
        robustness_tables(nodes, edges, network="nope")
