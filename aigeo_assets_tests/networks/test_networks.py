"""City networks from the matrices, and the normalized-impact network (Supplementary Fig. 10)."""

from __future__ import annotations

import pandas as pd
import pytest

from aigeo_assets.networks.city_networks import network_from_matrix, normalized_impact_edges

A, B, C = 1, 2, 3


def test_network_from_matrix_drops_the_diagonal_and_empty_cells():
    rows = []
    values = {(A, A): 5, (A, B): 2, (B, A): 0, (B, B): 1}
    for (i, j), v in values.items():
        rows.append({"top_n": 2, "row_order": i - 1, "col_order": j - 1, "row_city_geonames_id": i, "col_city_geonames_id": j,
                     "row_city_name": f"c{i}", "col_city_name": f"c{j}", "row_bloc": "East" if i == A else "West",
                     "col_bloc": "East" if j == A else "West", "value": float(v)})
    nodes, edges = network_from_matrix(pd.DataFrame(rows), 2)
    assert nodes["city_geonames_id"].tolist() == [A, B] and nodes["bloc"].tolist() == ["East", "West"]
    assert edges.values.tolist() == [[A, B, 2.0]]
    with pytest.raises(ValueError, match="no top_n=20"):
        network_from_matrix(pd.DataFrame(rows), 20)


def test_normalized_impact_by_hand():
    pairs = pd.DataFrame({
        "year": 2015,
        "row_city_geonames_id": pd.array([A, C, None, B, A], dtype="Int64"),
        "col_city_geonames_id": pd.array([B, B, B, A, A], dtype="Int64"),
        "value": [4, 4, 2, 3, 5],
    })
    metrics = pd.DataFrame({"year": 2015, "city_geonames_id": [A, B, C], "productivity": [2, 1, 1]})
    world = pd.DataFrame({"year": [2015], "productivity": [8]})
    e = normalized_impact_edges(pairs, metrics, world, [A, B, C]).set_index(["source", "target"])["weight"]
    # B received 10 citations, 4 from A; B holds 1 of the world's 8 papers: (4/10) / (1/8) = 3.2
    assert e[(A, B)] == pytest.approx(3.2) and e[(C, B)] == pytest.approx(3.2)
    # A received 8 (3 from B, 5 from itself); A holds 2 of 8 papers: (3/8) / (2/8) = 1.5
    assert e[(B, A)] == pytest.approx(1.5)
    assert (A, A) not in e.index, "self-loops are left out"
