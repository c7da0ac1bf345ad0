"""A city network in index form, validated once, and its graph-tool graph (shared by every
centrality: East-West betweenness and the robustness measures)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

BLOCS = ("East", "West")
EXACT_WEIGHT_COLUMNS = ("weight_numerator", "weight_denominator")
"""Optional integer edge columns giving a ratio weight exactly (``centrality.betweenness.prepare_exact``)."""


@dataclass(frozen=True)
class Network:
    """A city network in index form: node i is ``ids[i]``; edges aggregated, no self-loops."""

    ids: np.ndarray  # int64 city ids, in the order of ``nodes``
    bloc: np.ndarray  # object array of "East"/"West"
    east: np.ndarray  # bool
    source: np.ndarray  # int64 node indices
    target: np.ndarray  # int64 node indices
    weight: np.ndarray  # float64, summed over parallel rows, > 0

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def length(self) -> np.ndarray:
        return 1.0 / self.weight


def prepare_network(nodes: pd.DataFrame, edges: pd.DataFrame) -> Network:
    """Validate ``nodes``/``edges`` and put them in index form (self-loops dropped, parallel rows
    summed, weight-0 rows dropped). Raises ``ValueError`` on unknown blocs, duplicate nodes, edges
    to unknown nodes, or negative / non-finite weights."""
    for col in ("city_geonames_id", "bloc"):
        if col not in nodes.columns:
            raise ValueError(f"nodes lacks column {col!r}")
    for col in ("source", "target", "weight"):
        if col not in edges.columns:
            raise ValueError(f"edges lacks column {col!r}")
    ids = nodes["city_geonames_id"].to_numpy(dtype=np.int64)
    index = pd.Index(ids)
    if not index.is_unique:
        raise ValueError(f"nodes has duplicate city_geonames_id: {sorted(index[index.duplicated()].unique())[:5]}")
    bloc = nodes["bloc"].astype(object).to_numpy()
    bad = ~np.isin(bloc, BLOCS)
    if bad.any():
        raise ValueError(f"bloc must be one of {BLOCS}; got {sorted(set(map(str, bloc[bad])))[:5]}")
    w = edges["weight"].to_numpy(dtype=np.float64)
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("edge weights must be finite counts >= 0")
    src = index.get_indexer(edges["source"].to_numpy(dtype=np.int64))
    dst = index.get_indexer(edges["target"].to_numpy(dtype=np.int64))
    if (src < 0).any() or (dst < 0).any():
        missing = np.r_[edges["source"].to_numpy()[src < 0], edges["target"].to_numpy()[dst < 0]]
        raise ValueError(f"edges refer to cities not in nodes: {sorted(set(missing.tolist()))[:5]}")
    keep = (src != dst) & (w > 0)
    src, dst, w = src[keep].astype(np.int64), dst[keep].astype(np.int64), w[keep]
    n = len(ids)
    key, inverse = np.unique(src * n + dst, return_inverse=True)
    weight = np.bincount(inverse.ravel(), weights=w, minlength=len(key)) if len(key) else np.zeros(0)
    return Network(ids, bloc, bloc == "East", key // n, key % n, weight)


def graph_tool_graph(net: Network, *, reverse: bool = False):
    """A directed graph-tool graph of ``net`` with edge property ``length`` (1 / weight) and, as
    ``g.ep["weight"]``, the weight; ``reverse`` flips every edge."""
    import graph_tool as gt

    g = gt.Graph(directed=True)
    g.add_vertex(net.n)
    weight = g.new_edge_property("double")
    length = g.new_edge_property("double")
    s, t = (net.target, net.source) if reverse else (net.source, net.target)
    if len(s):
        el = np.column_stack([s, t, net.weight, 1.0 / net.weight]).astype(np.float64)
        g.add_edge_list(el, eprops=[weight, length])
    g.ep["weight"] = weight
    return g, length
