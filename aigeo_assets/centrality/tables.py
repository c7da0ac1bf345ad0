"""Long tables of the centrality scores of several networks (the assets' outputs)."""

from __future__ import annotations

import pandas as pd


SCORE_COLUMN = {
    "degree": "total_degree",
    "closeness": "closeness",
    "pagerank": "pagerank",
    "independent_cascade": "mean_spread",
    "linear_threshold": "mean_spread",
}


def robustness_long(network: str, tables: dict[str, pd.DataFrame], nodes: pd.DataFrame) -> pd.DataFrame:
    """``out_robustness_centralities`` rows of one network from ``robustness_tables``."""
    names = nodes.set_index("city_geonames_id")["city_name"]
    frames = []
    for measure, t in tables.items():
        frames.append(
            pd.DataFrame(
                {
                    "network": network,
                    "measure": measure,
                    "city_geonames_id": t["city_geonames_id"].to_numpy(),
                    "city_name": t["city_geonames_id"].map(names).to_numpy(),
                    "bloc": t["bloc"].to_numpy(),
                    "score": t[SCORE_COLUMN[measure]].astype(float).to_numpy(),
                    "stderr": t["stderr"].to_numpy() if "stderr" in t else None,
                    "rank": t["rank"].to_numpy(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def betweenness_long(network: str, window_end: int, scores: pd.DataFrame, nodes: pd.DataFrame) -> pd.DataFrame:
    """``out_east_west_betweenness`` rows of one network from ``east_west_betweenness``."""
    names = nodes.set_index("city_geonames_id")["city_name"]
    out = pd.DataFrame(
        {
            "window_end": window_end,
            "network": network,
            "city_geonames_id": scores["city_geonames_id"].to_numpy(),
            "city_name": scores["city_geonames_id"].map(names).to_numpy(),
            "bloc": scores["bloc"].to_numpy(),
            "east_west_betweenness": scores["east_west_betweenness"].to_numpy(),
            "east_west_path_share": scores["east_west_path_share"].to_numpy(),
            "betweenness": scores["betweenness"].to_numpy(),
            "rank": scores["rank_east_west"].to_numpy(),
        }
    )
    return out.sort_values(["rank", "city_geonames_id"], ignore_index=True)
