"""Robustness centralities of AlShebli et al. 2022 (Supplementary Note 4, Supplementary Tables 4-8).

The paper checks Beijing's East-West betweenness against five other measures on the impact,
migration and collaboration networks of the top 100 cities: (i) degree, (ii) closeness,
(iii) PageRank, (iv) influence under the independent cascade model, (v) influence under the
linear threshold model. Supplementary Note 4 (the formal definitions) is not in our copy of the
paper, so every definition below is a stated choice.

Input convention (shared with the East-West betweenness module)
-----------------------------------------------------------------
``nodes``: DataFrame[city_geonames_id (int), bloc, ...]; ``edges``: DataFrame[source, target,
weight], directed, weight = a count > 0. Self-loops are dropped, parallel rows are summed, rows of
weight 0 are dropped (no flow), negative / non-finite weights and edges to unknown cities raise
``ValueError``. Where a distance is needed the edge length is the reciprocal of the count,
``length = 1 / weight`` (Methods: a heavier flow is a shorter path).

Every function returns a ranked table: ``city_geonames_id``, ``bloc``, the score column(s),
``rank`` (1 = largest score; ties share the best rank, ``method="min"``; scores are compared at
10 significant digits relative to the largest so that floating-point noise does not break ties),
sorted by rank then ``city_geonames_id``. Definitions and options are also kept in ``df.attrs``.

Directions (network semantics from ``aigeo_assets.networks.city_networks``)
---------------------------------------------------------------------------
impact i -> j = i's papers cite j's; migration i -> j = scientists move from i to j;
collaboration i -> j = last author in i, co-author in j. Degree, closeness and PageRank are
computed on the edges as given (PageRank of j = prestige of being cited in the impact network).
Cascades take ``direction``: ``"along"`` (influence flows source -> target) or ``"against"``
(influence flows target -> source; j influences i when i cites j). Defaults per network are in
``DEFAULT_CASCADE_DIRECTION``: impact / normalized_impact -> "against"; migration,
collaboration -> "along".

graph-tool is the engine for weighted degree, closeness, PageRank and strong connectivity; the
Monte Carlo cascades are vectorised numpy (graph-tool has no cascade primitive).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from aigeo_assets.cores import one_blas_thread, within
from aigeo_assets.networks.graph import Network, graph_tool_graph, prepare_network

Direction = Literal["along", "against"]
CascadeModel = Literal["independent_cascade", "linear_threshold"]
ClosenessKind = Literal["harmonic", "standard", "auto"]
ICProbability = Literal["weighted_cascade", "max"]

DEFAULT_RUNS = 1000
DEFAULT_SEED = 20170101
DEFAULT_DAMPING = 0.85
# Influence direction of the cascade models per network (see module docstring).
DEFAULT_CASCADE_DIRECTION: dict[str, Direction] = {
    "impact": "against",
    "normalized_impact": "against",
    "migration": "along",
    "collaboration": "along",
}
_RUN_CHUNK = 100  # runs simulated together; random draws are consumed in run order either way
_RANK_DIGITS = 10


# --------------------------------------------------------------------------------------------
# input
# --------------------------------------------------------------------------------------------


def _graph(net: Network, reverse: bool = False):
    """A graph-tool digraph with ``weight`` (count) and ``length`` (1 / count) edge properties."""
    g, length = graph_tool_graph(net, reverse=reverse)
    return g, g.ep["weight"], length


def _values(prop) -> np.ndarray:
    """A copy of a vertex property map's values (``prop.a`` is a view into memory the map owns)."""
    return np.array(prop.a, dtype=np.float64, copy=True)


def _rank(score: np.ndarray) -> np.ndarray:
    score = np.asarray(score, dtype=np.float64)
    scale = np.nanmax(np.abs(score)) if len(score) and np.any(np.isfinite(score)) else 0.0
    key = np.round(score / scale, _RANK_DIGITS) if scale > 0 else score
    return pd.Series(key).rank(method="min", ascending=False).astype("int64").to_numpy()


def _table(net: Network, columns: dict[str, np.ndarray], rank_by: str, attrs: dict) -> pd.DataFrame:
    df = pd.DataFrame({"city_geonames_id": net.ids, "bloc": net.bloc, **columns})
    df["rank"] = _rank(df[rank_by].to_numpy(dtype=np.float64))
    df = df.sort_values(["rank", "city_geonames_id"], kind="mergesort").reset_index(drop=True)
    df.attrs.update(attrs)
    df.attrs["rank_by"] = rank_by
    return df


# --------------------------------------------------------------------------------------------
# (i) degree, (ii) closeness, (iii) PageRank
# --------------------------------------------------------------------------------------------


def degree_centrality(nodes: pd.DataFrame, edges: pd.DataFrame) -> pd.DataFrame:
    """Weighted degree (strength): ``in_degree`` = Σ incoming counts, ``out_degree`` = Σ outgoing
    counts, ``total_degree`` = their sum. Ranked by ``total_degree``."""
    net = prepare_network(nodes, edges)
    g, weight, _ = _graph(net)
    vs = g.get_vertices()
    ind = np.asarray(g.get_in_degrees(vs, eweight=weight), dtype=np.float64)
    outd = np.asarray(g.get_out_degrees(vs, eweight=weight), dtype=np.float64)
    return _table(
        net,
        {"in_degree": ind, "out_degree": outd, "total_degree": ind + outd},
        "total_degree",
        {"measure": "degree", "definition": "weighted in/out/total degree = sums of edge counts"},
    )


def is_strongly_connected(nodes: pd.DataFrame, edges: pd.DataFrame) -> bool:
    """Whether the directed network (all nodes, positive edges) is strongly connected."""
    from graph_tool.topology import label_components

    net = prepare_network(nodes, edges)
    if net.n <= 1:
        return True
    g, _, _ = _graph(net)
    comp, _ = label_components(g, directed=True)
    return bool(len(np.unique(comp.a)) == 1)


def closeness_centrality(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    kind: ClosenessKind = "harmonic",
    direction: Literal["out", "in"] = "out",
) -> pd.DataFrame:
    """Closeness on reciprocal lengths (length = 1 / count).

    ``kind="harmonic"`` (default): ``closeness(v) = Σ_{t≠v} 1/d(v,t) / (n-1)`` with unreachable t
    contributing 0 (graph-tool ``closeness(harmonic=True, norm=True)``, which divides by V-1).
    ``kind="standard"``: ``(n-1) / Σ_{t≠v} d(v,t)``; only defined here on a strongly connected
    network (raises otherwise). ``kind="auto"``: standard if strongly connected, else harmonic.
    ``direction="out"`` (default) uses outgoing distances d(v,t); ``"in"`` uses d(t,v).
    The table carries ``harmonic_sum`` (Σ 1/d, unnormalised), ``closeness`` and ``closeness_kind``.
    """
    from graph_tool.centrality import closeness
    from graph_tool.topology import label_components

    if direction not in ("out", "in"):
        raise ValueError(f"direction must be 'out' or 'in', not {direction!r}")
    if kind not in ("harmonic", "standard", "auto"):
        raise ValueError(f"unknown closeness kind {kind!r}")
    net = prepare_network(nodes, edges)
    g, _, length = _graph(net, reverse=direction == "in")
    n = net.n
    if n > 1:
        comp, _ = label_components(g, directed=True)
        strong = bool(len(np.unique(comp.a)) == 1)
    else:
        strong = True
    if kind == "standard" and not strong:
        raise ValueError("standard closeness needs a strongly connected network; use kind='harmonic'")
    used = "standard" if kind == "standard" or (kind == "auto" and strong) else "harmonic"
    if n > 1:
        h = _values(closeness(g, weight=length, harmonic=True, norm=False))
    else:
        h = np.zeros(n)
    if used == "harmonic":
        c = h / (n - 1) if n > 1 else np.zeros(n)
    else:
        c = (
            _values(closeness(g, weight=length, harmonic=False, norm=True))
            if n > 1
            else np.zeros(n)
        )
    return _table(
        net,
        {"harmonic_sum": h, "closeness": c, "closeness_kind": np.full(n, used, dtype=object)},
        "closeness",
        {
            "measure": "closeness",
            "closeness_kind": used,
            "strongly_connected": strong,
            "direction": direction,
            "definition": (
                "harmonic: sum_{t!=v} 1/d(v,t) / (n-1), unreachable t -> 0"
                if used == "harmonic"
                else "standard: (n-1) / sum_{t!=v} d(v,t)"
            )
            + "; d = shortest path with length 1/count",
        },
    )


def pagerank_centrality(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    damping: float = DEFAULT_DAMPING,
    direction: Direction = "along",
    epsilon: float = 1e-12,
) -> pd.DataFrame:
    """Weighted PageRank (graph-tool ``pagerank``): a surfer at u follows edge u->v with
    probability w(u,v) / Σ_x w(u,x), teleports uniformly with probability 1 - damping, and
    dangling nodes (no out-edges) jump uniformly (same as networkx). With ``direction="along"``
    (default) in the impact network (i -> j = i cites j), the PageRank of j is the prestige of
    being cited; ``"against"`` runs it on the reversed graph. Scores sum to 1."""
    from graph_tool.centrality import pagerank

    if not 0.0 <= damping < 1.0:
        raise ValueError("damping must be in [0, 1)")
    if direction not in ("along", "against"):
        raise ValueError(f"direction must be 'along' or 'against', not {direction!r}")
    net = prepare_network(nodes, edges)
    g, weight, _ = _graph(net, reverse=direction == "against")
    if net.n:
        pr = _values(pagerank(g, damping=damping, weight=weight, epsilon=epsilon))
    else:
        pr = np.zeros(0)
    return _table(
        net,
        {"pagerank": pr},
        "pagerank",
        {
            "measure": "pagerank",
            "damping": damping,
            "direction": direction,
            "definition": "weighted PageRank, transition u->v proportional to count w(u,v)",
        },
    )


# --------------------------------------------------------------------------------------------
# (iv) independent cascade, (v) linear threshold
# --------------------------------------------------------------------------------------------


def influence_matrix(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    model: CascadeModel = "independent_cascade",
    direction: Direction = "along",
    ic_probability: ICProbability = "weighted_cascade",
) -> np.ndarray:
    """The n x n matrix M[u, v] of influence u -> v (node order of ``nodes``).

    The influence graph has the edges as given (``"along"``) or reversed (``"against"``); with
    w(u,v) its counts:
    - IC, ``"weighted_cascade"``: p(u,v) = w(u,v) / Σ_x w(x,v) (v's incoming influence sums to 1);
    - IC, ``"max"``: p(u,v) = w(u,v) / max w (the heaviest edge has p = 1);
    - LT: b(u,v) = w(u,v) / Σ_x w(x,v) (incoming influence weights of every v sum to 1).
    """
    if direction not in ("along", "against"):
        raise ValueError(f"direction must be 'along' or 'against', not {direction!r}")
    if model not in ("independent_cascade", "linear_threshold"):
        raise ValueError(f"unknown cascade model {model!r}")
    net = prepare_network(nodes, edges)
    return _influence_matrix(net, model, direction, ic_probability)


def _influence_matrix(net: Network, model: str, direction: str, ic_probability: str) -> np.ndarray:
    s, t = (net.source, net.target) if direction == "along" else (net.target, net.source)
    w = np.zeros((net.n, net.n), dtype=np.float64)
    np.add.at(w, (s, t), net.weight)
    if model == "independent_cascade" and ic_probability == "max":
        m = w.max() if w.size else 0.0
        return w / m if m > 0 else w
    if model == "independent_cascade" and ic_probability != "weighted_cascade":
        raise ValueError(f"unknown ic_probability {ic_probability!r}")
    col = w.sum(axis=0)
    return np.divide(w, col[None, :], out=np.zeros_like(w), where=col[None, :] > 0)


def _closure_rows(live: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Reachability (incl. self) in a batch of boolean adjacency matrices live[r, u, v]:
    returns reach[r, i, v] for source nodes ``rows`` by repeated squaring."""
    r_, n, _ = live.shape
    reach = live.astype(np.float32)
    reach[:, np.arange(n), np.arange(n)] = 1.0
    steps = 1
    while steps < n:  # after k squarings reach covers paths of length <= 2^k
        nxt = (np.matmul(reach, reach) > 0).astype(np.float32)
        if np.array_equal(nxt, reach):
            break
        reach = nxt
        steps *= 2
    return reach[:, rows, :] > 0


def simulate_independent_cascade(
    prob: np.ndarray, seeds: np.ndarray, runs: int, rng: np.random.Generator
) -> np.ndarray:
    """Spread (number of active nodes, seed included) of each single seed in ``runs`` IC runs:
    returns an array (runs, len(seeds)). Every run draws one coin per edge, u -> v live with
    probability p(u,v) (the live-edge form of IC: each edge is tried once, when u activates);
    all seeds share the run's coins (common random numbers). Spread = nodes reachable from the
    seed over live edges."""
    n = prob.shape[0]
    seeds = np.asarray(seeds, dtype=np.int64)
    out = np.empty((runs, len(seeds)), dtype=np.float64)
    eu, ev = np.nonzero(prob > 0)
    pe = prob[eu, ev]
    for start in range(0, runs, _RUN_CHUNK):
        k = min(_RUN_CHUNK, runs - start)
        coins = rng.random((k, len(pe))) < pe[None, :]
        live = np.zeros((k, n, n), dtype=bool)
        live[:, eu, ev] = coins
        out[start : start + k] = _closure_rows(live, seeds).sum(axis=2)
    return out


def simulate_linear_threshold(
    influence: np.ndarray, seeds: np.ndarray, thresholds: np.ndarray
) -> np.ndarray:
    """Deterministic LT given thresholds: ``thresholds`` (runs, n), ``influence`` b[u, v].
    A node v activates once Σ_{active u} b(u,v) >= θ_v; iterate to a fixed point. Returns the
    spread (active nodes, seed included) as an array (runs, len(seeds))."""
    thresholds = np.atleast_2d(np.asarray(thresholds, dtype=np.float64))
    seeds = np.asarray(seeds, dtype=np.int64)
    runs, n = thresholds.shape
    s = len(seeds)
    active = np.zeros((runs, s, n), dtype=bool)
    active[:, np.arange(s), seeds] = True
    active = active.reshape(runs * s, n)
    theta = np.repeat(thresholds, s, axis=0)  # row r*s + i: run r, seed i
    b = influence.astype(np.float64)
    tol = 1e-12  # Σ b over all in-neighbours is 1 up to rounding; θ can be exactly 1
    pressure = active.astype(np.float64) @ b
    rows = np.arange(runs * s)  # rows that may still change
    while len(rows):
        a = active[rows]
        fire = ~a & (pressure[rows] + tol >= theta[rows]) & (pressure[rows] > 0)
        changed = fire.any(axis=1)
        rows, fire = rows[changed], fire[changed]
        if not len(rows):
            break
        active[rows] |= fire
        pressure[rows] += fire.astype(np.float64) @ b  # incremental: only the newly active add
    active = active.reshape(runs, s, n)
    return active.sum(axis=2).astype(np.float64)


@within(one_blas_thread)  # batched products of small matrices (cores.one_blas_thread)
def cascade_influence(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    model: CascadeModel = "independent_cascade",
    runs: int = DEFAULT_RUNS,
    seed: int = DEFAULT_SEED,
    direction: Direction = "along",
    ic_probability: ICProbability = "weighted_cascade",
) -> pd.DataFrame:
    """Influence spread of each city as a single seed, Monte Carlo over ``runs`` runs with
    ``numpy.random.default_rng(seed)``.

    Spread = number of cities active at the end, the seed included (so >= 1). ``mean_spread`` is
    the mean over runs, ``stderr`` the standard error of that mean (sample sd, ddof=1, / √runs).
    All seeds share each run's random draws (IC: one coin per edge; LT: one threshold per node,
    θ ~ Uniform(0, 1]), which keeps comparisons between cities low-variance. See
    ``influence_matrix`` for the edge probabilities / weights and ``direction``.
    """
    if runs < 2:
        raise ValueError("runs must be >= 2 (the standard error needs two runs)")
    prob = influence_matrix(nodes, edges, model=model, direction=direction, ic_probability=ic_probability)
    net = prepare_network(nodes, edges)
    rng = np.random.default_rng(seed)
    all_seeds = np.arange(net.n, dtype=np.int64)
    if net.n == 0:
        spread = np.zeros((runs, 0))
    elif model == "independent_cascade":
        spread = simulate_independent_cascade(prob, all_seeds, runs, rng)
    else:
        parts = []
        for start in range(0, runs, _RUN_CHUNK):
            k = min(_RUN_CHUNK, runs - start)
            theta = 1.0 - rng.random((k, net.n))  # Uniform(0, 1]: a node with no influence never fires
            parts.append(simulate_linear_threshold(prob, all_seeds, theta))
        spread = np.concatenate(parts, axis=0)
    mean = spread.mean(axis=0)
    stderr = spread.std(axis=0, ddof=1) / np.sqrt(runs)
    if model == "independent_cascade":
        rule = (
            "p(u,v) = w(u,v) / sum_x w(x,v)"
            if ic_probability == "weighted_cascade"
            else "p(u,v) = w(u,v) / max w"
        )
    else:
        rule = "b(u,v) = w(u,v) / sum_x w(x,v); thresholds ~ Uniform(0,1] per node per run"
    return _table(
        net,
        {"mean_spread": mean, "stderr": stderr},
        "mean_spread",
        {
            "measure": model,
            "runs": runs,
            "seed": seed,
            "direction": direction,
            "ic_probability": ic_probability if model == "independent_cascade" else None,
            "definition": f"{model}, single seed, spread incl. seed; {rule}; influence graph "
            + ("= edges" if direction == "along" else "= reversed edges"),
        },
    )


def robustness_tables(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    *,
    network: str | None = None,
    direction: Direction | None = None,
    damping: float = DEFAULT_DAMPING,
    closeness_kind: ClosenessKind = "harmonic",
    runs: int = DEFAULT_RUNS,
    seed: int = DEFAULT_SEED,
    ic_probability: ICProbability = "weighted_cascade",
) -> dict[str, pd.DataFrame]:
    """The five robustness tables (Supplementary Tables 4-8): keys ``degree``, ``closeness``,
    ``pagerank``, ``independent_cascade``, ``linear_threshold``.

    The cascade ``direction`` is ``direction`` if given, else ``DEFAULT_CASCADE_DIRECTION[network]``
    if ``network`` is given, else ``"along"``. Degree, closeness and PageRank use the edges as given.
    """
    if direction is None:
        if network is not None:
            if network not in DEFAULT_CASCADE_DIRECTION:
                raise ValueError(f"unknown network {network!r}; known: {sorted(DEFAULT_CASCADE_DIRECTION)}")
            direction = DEFAULT_CASCADE_DIRECTION[network]
        else:
            direction = "along"
    out = {
        "degree": degree_centrality(nodes, edges),
        "closeness": closeness_centrality(nodes, edges, kind=closeness_kind),
        "pagerank": pagerank_centrality(nodes, edges, damping=damping),
        "independent_cascade": cascade_influence(
            nodes, edges, "independent_cascade", runs=runs, seed=seed, direction=direction,
            ic_probability=ic_probability,
        ),
        "linear_threshold": cascade_influence(
            nodes, edges, "linear_threshold", runs=runs, seed=seed, direction=direction
        ),
    }
    for df in out.values():
        df.attrs["network"] = network
    return out
