"""The city networks of AlShebli et al. 2022 (Fig. 3, Methods): impact, migration, collaboration and the
normalized-impact network (Supplementary Fig. 10), between the top cities.

A network is two tables: ``nodes`` (city_geonames_id, city_name, bloc) and ``edges`` (source,
target, weight) with weight a count (> 0). Directions: impact i -> j = citations from i's papers to
j's papers; migration i -> j = AI scientists moving from i to j; collaboration i -> j = papers with
the last author in i and a co-author in j. Self-loops are left out (Methods: the diagonal is not a
flow between cities).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from aigeo_assets.metrics.matrices import collaboration_matrix, impact_matrix, migration_matrix
from aigeo_assets.metrics.top import matrix_order
from aigeo_assets.networks.graph import EXACT_WEIGHT_COLUMNS

NETWORKS = ("impact", "migration", "collaboration", "normalized_impact")


def network_from_matrix(matrix: pd.DataFrame, top_n: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Nodes and edges of an ``out_city_matrix`` for ``top_n`` (may be omitted when the table holds
    one N): the N cities East first, and the cells > 0 off the diagonal (source = row city)."""
    if top_n is None:
        ns = sorted(matrix["top_n"].dropna().unique().tolist())
        if len(ns) != 1:
            raise ValueError(f"the matrix holds several top_n {ns}: pass top_n")
        top_n = int(ns[0])
    m = matrix[matrix["top_n"] == top_n]
    if m.empty:
        raise ValueError(f"the matrix has no top_n={top_n}; available: {sorted(matrix['top_n'].unique())}")
    nodes = (
        m.drop_duplicates("row_city_geonames_id")
        .sort_values("row_order")[["row_city_geonames_id", "row_city_name", "row_bloc"]]
        .rename(columns={"row_city_geonames_id": "city_geonames_id", "row_city_name": "city_name", "row_bloc": "bloc"})
        .reset_index(drop=True)
    )
    e = m[(m["value"] > 0) & (m["row_city_geonames_id"] != m["col_city_geonames_id"])]
    edges = pd.DataFrame(
        {
            "source": e["row_city_geonames_id"].astype("int64").to_numpy(),
            "target": e["col_city_geonames_id"].astype("int64").to_numpy(),
            "weight": e["value"].astype(float).to_numpy(),
        }
    )
    return nodes, edges


def normalized_impact_edges(
    pairs: pd.DataFrame, metrics: pd.DataFrame, world: pd.DataFrame, top_ids: Sequence[int]
) -> pd.DataFrame:
    """Supplementary Fig. 10: weight(i, j) = (share of the citations to j's papers that came from
    i's papers) / (j's share of the world's papers), over the window's years.

    Citations to j count every citing city, located or not (the denominator of the share); j's
    share of the world's papers is its AI papers over all AI papers of the window's years. Only
    pairs of top cities with a positive weight are kept, self-loops left out. When every count is
    whole, the weight is also given exactly as ``weight_numerator`` / ``weight_denominator`` (flow x
    world papers over received x papers of j), which betweenness uses to tell ties exactly.
    """
    top_ids = list(top_ids)
    to_top = pairs[pairs["col_city_geonames_id"].isin(top_ids)]
    received = to_top.groupby("col_city_geonames_id")["value"].sum()
    flows = (
        to_top[to_top["row_city_geonames_id"].isin(top_ids)]
        .groupby(["row_city_geonames_id", "col_city_geonames_id"])["value"]
        .sum()
        .reset_index()
    )
    years = sorted(pairs["year"].unique())
    papers = metrics[metrics["year"].isin(years)].groupby("city_geonames_id")["productivity"].sum()
    world_papers = float(world.loc[world["year"].isin(years), "productivity"].sum())
    received_j = flows["col_city_geonames_id"].map(received)
    papers_j = flows["col_city_geonames_id"].map(papers).fillna(0)
    citation_share = flows["value"] / received_j
    paper_share = papers_j / world_papers if world_papers else 0.0
    weight = citation_share / paper_share
    out = pd.DataFrame(
        {
            "source": flows["row_city_geonames_id"].astype("int64"),
            "target": flows["col_city_geonames_id"].astype("int64"),
            "weight": weight.astype(float),
        }
    )
    counts = (flows["value"], received_j, papers_j, pd.Series([world_papers]))
    if all(((c == c.round()) & c.notna()).all() for c in counts):
        # the ratio of counts, exactly: flow * world / (received_j * papers_j) (exact betweenness ties)
        out["weight_numerator"] = flows["value"].astype("int64") * int(world_papers)
        out["weight_denominator"] = received_j.astype("int64") * papers_j.astype("int64")
    out = out[(out["source"] != out["target"]) & (out["weight"] > 0) & out["weight"].notna() & (out["weight"] != float("inf"))]
    return out.reset_index(drop=True)


def build_networks(
    impact_pairs: pd.DataFrame,
    collaboration_pairs: pd.DataFrame,
    author_years: pd.DataFrame,
    metrics: pd.DataFrame,
    world: pd.DataFrame,
    top: pd.DataFrame,
    top_n: int,
    migration_years: tuple[int, int],
) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """The four networks between the ``top_n`` cities: ``{name: (nodes, edges)}``.

    ``impact_pairs``, ``metrics`` and ``world`` cover the impact window's years,
    ``collaboration_pairs`` the collaboration window's; migration reads ``author_years`` over
    ``migration_years``. Built through the same matrices as Fig. 2, so the networks are exactly
    the off-diagonal cells of those matrices.
    """
    order = matrix_order(top, top_n)
    nodes = order[["city_geonames_id", "city_name", "bloc"]].reset_index(drop=True)
    networks = {
        "impact": network_from_matrix(impact_matrix(impact_pairs, top, [top_n]), top_n),
        "migration": network_from_matrix(migration_matrix(author_years, top, [top_n], *migration_years), top_n),
        "collaboration": network_from_matrix(collaboration_matrix(collaboration_pairs, top, [top_n]), top_n),
        "normalized_impact": (nodes, normalized_impact_edges(impact_pairs, metrics, world, nodes["city_geonames_id"].tolist())),
    }
    return networks


def edges_frame(networks: dict[str, tuple[pd.DataFrame, pd.DataFrame]]) -> pd.DataFrame:
    """``out_network_edges`` from ``build_networks``."""
    frames = [
        pd.DataFrame(
            {
                "network": name,
                "source_city_geonames_id": edges["source"],
                "target_city_geonames_id": edges["target"],
                "weight": edges["weight"],
                "length": 1.0 / edges["weight"],
                **{c: edges[c] if c in edges else pd.NA for c in EXACT_WEIGHT_COLUMNS},
            }
        )
        for name, (_, edges) in networks.items()
    ]
    return pd.concat(frames, ignore_index=True)


def networks_from_edges(edges: pd.DataFrame, top: pd.DataFrame, top_n: int) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """The inverse of ``edges_frame``: ``{name: (nodes, edges)}`` with the top cities as nodes."""
    nodes = matrix_order(top, top_n)[["city_geonames_id", "city_name", "bloc"]].reset_index(drop=True)
    out = {}
    for name, e in edges.groupby("network", sort=False):
        frame = pd.DataFrame(
            {
                "source": e["source_city_geonames_id"].astype("int64").to_numpy(),
                "target": e["target_city_geonames_id"].astype("int64").to_numpy(),
                "weight": e["weight"].astype(float).to_numpy(),
            }
        )
        exact = [c for c in EXACT_WEIGHT_COLUMNS if c in e]
        if len(exact) == len(EXACT_WEIGHT_COLUMNS) and len(e) and e[exact].notna().all().all():
            for c in exact:
                frame[c] = e[c].astype("int64").to_numpy()
        out[str(name)] = (nodes, frame)
    return out
