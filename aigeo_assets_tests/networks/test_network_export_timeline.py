"""The dynamic (timeline) GEXF of the city networks: a hand-worked three-city, two-year example whose
every line is written out below, and a planted by-year table (six cities, four networks, five years
with one missing) read back with networkx's ``read_gexf`` and checked, year by year and edge by edge,
against the table it came from."""

import io
import xml.etree.ElementTree as ET

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from aigeo_assets.networks.city_networks import NETWORKS
from aigeo_assets.networks.export import timeline_files, to_gexf, to_timeline_gexf

BEIJING, LONDON, WASHINGTON = 1816670, 2643743, 4140963
NODES = pd.DataFrame(
    {
        "city_geonames_id": [BEIJING, LONDON, WASHINGTON],
        "city_name": ["Beijing", "London", 'Washington, "D.C." & <co>'],
        "bloc": ["East", "West", "West"],
        "country_code": ["CN", "GB", "US"],
        "latitude": [39.9075, 51.50853, None],
        "longitude": [116.39723, -0.12574, None],
    }
)
# 2016: Beijing -> London 3, London -> Beijing 2; 2017: Beijing -> London 4, Washington -> Beijing 0.5.
EDGES = pd.DataFrame({"year": [2016, 2016, 2017, 2017], "source": [BEIJING, LONDON, BEIJING, WASHINGTON],
                      "target": [LONDON, BEIJING, LONDON, BEIJING], "weight": [3.0, 2.0, 4.0, 0.5]})


def _lines(data: bytes) -> list[str]:
    return [line.strip() for line in data.decode("utf-8").splitlines()]


def _contains(lines: list[str], fragment: str) -> bool:
    """``fragment``'s lines appear one after the other in ``lines`` (indentation aside)."""
    want = [line.strip() for line in fragment.strip().splitlines()]
    return any(lines[i:i + len(want)] == want for i in range(len(lines) - len(want) + 1))


def test_the_hand_worked_three_cities_in_two_years_line_by_line():
    data = to_timeline_gexf(NODES, EDGES, description="three cities & two years")
    lines = _lines(data)
    # Beijing: an edge in both years, so [2016, 2017]; out 3 in 2 in 2016, out 4 in 0.5 in 2017
    assert _contains(lines, """
        <node id="1816670" label="Beijing" start="2016" end="2017">
        <attvalues>
        <attvalue for="country" value="CN"/>
        <attvalue for="bloc" value="East"/>
        <attvalue for="latitude" value="39.9075"/>
        <attvalue for="longitude" value="116.39723"/>
        <attvalue for="out_strength" value="3.0" start="2016" end="2016"/>
        <attvalue for="in_strength" value="2.0" start="2016" end="2016"/>
        <attvalue for="out_strength" value="4.0" start="2017" end="2017"/>
        <attvalue for="in_strength" value="0.5" start="2017" end="2017"/>
        </attvalues>
        <viz:position x="116.39723" y="39.9075" z="0.0"/>
        <viz:color r="214" g="39" b="40" a="1.0"/>
        </node>
    """)
    # London sends nothing in 2017: a known 0, not a missing value
    assert _contains(lines, """
        <attvalue for="out_strength" value="0.0" start="2017" end="2017"/>
        <attvalue for="in_strength" value="4.0" start="2017" end="2017"/>
    """)
    # Washington: 2017 only; its name escaped as the static writer escapes it; no coordinates, no viz
    assert _contains(lines, """
        <node id="4140963" label='Washington, "D.C." &amp; &lt;co&gt;' start="2017" end="2017">
        <attvalues>
        <attvalue for="country" value="US"/>
        <attvalue for="bloc" value="West"/>
        <attvalue for="out_strength" value="0.5" start="2017" end="2017"/>
        <attvalue for="in_strength" value="0.0" start="2017" end="2017"/>
        </attvalues>
        </node>
    """)
    # Beijing -> London in both years: one spell, a weight per year; London -> Beijing 2016 only
    assert _contains(lines, """
        <edge id="0" source="1816670" target="2643743">
        <attvalues>
        <attvalue for="weight" value="3.0" start="2016" end="2016"/>
        <attvalue for="yearly_weight" value="3.0" start="2016" end="2016"/>
        <attvalue for="weight" value="4.0" start="2017" end="2017"/>
        <attvalue for="yearly_weight" value="4.0" start="2017" end="2017"/>
        </attvalues>
        <spells>
        <spell start="2016" end="2017"/>
        </spells>
        </edge>
        <edge id="1" source="2643743" target="1816670">
        <attvalues>
        <attvalue for="weight" value="2.0" start="2016" end="2016"/>
        <attvalue for="yearly_weight" value="2.0" start="2016" end="2016"/>
        </attvalues>
        <spells>
        <spell start="2016" end="2016"/>
        </spells>
        </edge>
    """)
    static_label = next(x for x in _lines(to_gexf(NODES, EDGES.iloc[:0])) if x.startswith('<node id="4140963"'))
    assert static_label == """<node id="4140963" label='Washington, "D.C." &amp; &lt;co&gt;'>""", "escaped as the static file"
    assert '<graph defaultedgetype="directed" mode="dynamic" timeformat="integer">' in lines
    assert "<description>three cities &amp; two years</description>" in lines
    assert sum(line.startswith("<edge ") for line in lines) == 3 and sum(line.startswith("<node ") for line in lines) == 3


def test_the_timeline_is_well_formed_xml_in_the_static_writers_namespace():
    timeline = ET.fromstring(to_timeline_gexf(NODES, EDGES))
    static = ET.fromstring(to_gexf(NODES, EDGES[EDGES["year"] == 2016]))
    assert timeline.tag == static.tag == "{http://gexf.net/1.3}gexf"
    assert timeline.get("version") == static.get("version") == "1.3"
    graph = timeline.find("{http://gexf.net/1.3}graph")
    assert graph.get("mode") == "dynamic" and graph.get("timeformat") == "integer"
    modes = {(a.get("class"), a.get("mode")) for a in graph.findall("{http://gexf.net/1.3}attributes")}
    assert modes == {("node", "static"), ("node", "dynamic"), ("edge", "dynamic")}


def test_the_bytes_depend_only_on_the_tables():
    shuffled = EDGES.sample(frac=1, random_state=3).reset_index(drop=True)
    assert to_timeline_gexf(NODES, shuffled) == to_timeline_gexf(NODES, EDGES)


def test_bad_tables_are_named():
    with pytest.raises(ValueError, match="not nodes"):
        to_timeline_gexf(NODES, pd.DataFrame({"year": [2016], "source": [BEIJING], "target": [1], "weight": [1.0]}))
    with pytest.raises(ValueError, match="finite numbers > 0"):
        to_timeline_gexf(NODES, EDGES.assign(weight=[3.0, 0.0, 4.0, 0.5]))
    with pytest.raises(ValueError, match="twice in 2016"):
        to_timeline_gexf(NODES, pd.concat([EDGES, EDGES.iloc[:1]]))
    with pytest.raises(ValueError, match=r"outside the years given"):
        to_timeline_gexf(NODES, EDGES, years=[2016])


# ------------------------------------------------------------------------------------------ a planted table

CITIES = pd.DataFrame({
    "city_geonames_id": [1, 2, 3, 4, 5, 6],
    "city_name": ["Beijing", "Shanghai", "London", "Boston", "Paris", "Nowhere"],
    "country_code": ["CN", "CN", "GB", "US", "FR", "XX"],
    "bloc": ["East", "East", "West", "West", "West", "West"],
    "reference_rank": [1, 2, 3, 4, 5, 6],
    "reference_impact": [60, 50, 40, 30, 20, 10],
    "reference_year": 2017,
})
YEARS = [2013, 2014, 2015, 2017, 2018]  # 2016 is not materialized
LINKED = [1, 2, 3, 4, 5]  # Nowhere never has an edge


def _planted() -> tuple[pd.DataFrame, pd.DataFrame]:
    """``out_network_edges_by_year`` of YEARS: each directed pair of LINKED present in a year with
    probability 0.4, a random weight (normalized impact: a ratio; the others: counts); and
    ``out_east_west_betweenness_by_year`` for the impact network's cities in each year."""
    rng = np.random.default_rng(20221)
    rows, between = [], []
    for year in YEARS:
        for network in NETWORKS:
            for s in LINKED:
                for t in LINKED:
                    if s != t and rng.random() < 0.4:
                        w = float(rng.integers(1, 9)) if network != "normalized_impact" else float(rng.integers(1, 9)) / 7
                        rows.append((year - 4, year, network, s, t, w))
        between += [(year, "impact", c, float(rng.integers(0, 5)), float(rng.integers(0, 9))) for c in LINKED]
    edges = pd.DataFrame(rows, columns=["window_start", "window_end", "network", "source_city_geonames_id",
                                        "target_city_geonames_id", "weight"])
    b = pd.DataFrame(between, columns=["window_end", "network", "city_geonames_id", "east_west_betweenness", "betweenness"])
    return edges, b


def _value_at(values: list[tuple], year: int):
    """The value of a dynamic attribute valid in ``year`` (networkx gives (value, start, end) tuples;
    GEXF intervals are closed); None where none is; an error if two are."""
    valid = [v for v, start, end in values if start <= year <= end]
    assert len(valid) <= 1, f"two values at {year}: {valid}"
    return valid[0] if valid else None


def test_every_network_over_the_years_reads_back_equal_to_the_by_year_table():
    edges, betweenness = _planted()
    coordinates = pd.DataFrame({"city_geonames_id": CITIES["city_geonames_id"], "latitude": np.arange(6) * 10.0,
                                "longitude": np.arange(6) * -20.0})
    files = timeline_files(edges, CITIES, 6, years=YEARS, coordinates=coordinates, betweenness_by_year=betweenness)
    assert list(files) == [f"{n}_timeline.gexf" for n in NETWORKS]
    for network in NETWORKS:
        g = nx.read_gexf(io.BytesIO(files[f"{network}_timeline.gexf"]))
        assert isinstance(g, nx.DiGraph) and g.graph["mode"] == "dynamic"
        table = edges[edges["network"] == network]
        weight = {(int(r.window_end), str(r.source_city_geonames_id), str(r.target_city_geonames_id)): r.weight
                  for r in table.itertuples()}
        pairs = {(s, t) for _, s, t in weight}
        assert set(g.edges) == pairs
        # every year (2016 too) and every pair: the value valid that year is the table's, or none
        for year in range(2013, 2019):
            for s, t in pairs:
                assert _value_at(g.edges[s, t]["yearly_weight"], year) == weight.get((year, s, t)), (network, year, s, t)
        # spells cover exactly the years of the edge
        for s, t in pairs:
            covered = {y for a, b in g.edges[s, t]["spells"] for y in range(a, b + 1)}
            assert covered == {y for y, ss, tt in weight if (ss, tt) == (s, t)}
        # nodes: from the first year with an edge to the last; strengths summed from the table
        for city in LINKED:
            years = sorted({y for y, s, t in weight if str(city) in (s, t)})
            if not years:
                assert str(city) not in g
                continue
            node = g.nodes[str(city)]
            assert (node["start"], node["end"]) == (years[0], years[-1])
            for year in YEARS:
                out = sum(w for (y, s, _), w in weight.items() if y == year and s == str(city))
                into = sum(w for (y, _, t), w in weight.items() if y == year and t == str(city))
                expected = (out, into) if years[0] <= year <= years[-1] else (None, None)
                got = (_value_at(node["out_strength"], year), _value_at(node["in_strength"], year))
                assert got == pytest.approx(expected) if expected[0] is not None else got == expected
            assert node["country"] == CITIES.set_index("city_geonames_id").loc[city, "country_code"]
            assert node["viz"]["position"]["x"] == (city - 1) * -20.0
        assert "6" not in g, "a city never linked is not in the timeline"
        b = betweenness[betweenness["network"] == network]
        for r in b.itertuples():
            node = g.nodes[str(r.city_geonames_id)] if str(r.city_geonames_id) in g else None
            if node is not None and node["start"] <= r.window_end <= node["end"]:
                assert _value_at(node["east_west_betweenness"], r.window_end) == r.east_west_betweenness
                assert _value_at(node["betweenness"], r.window_end) == r.betweenness
        if b.empty:
            assert all("east_west_betweenness" not in d for _, d in g.nodes(data=True))


def test_a_network_without_an_edge_in_any_year_still_gets_its_file():
    edges, _ = _planted()
    files = timeline_files(edges[edges["network"] == "impact"], CITIES, 6, years=YEARS)
    migration = nx.read_gexf(io.BytesIO(files["migration_timeline.gexf"]))
    assert migration.number_of_nodes() == 0 and migration.number_of_edges() == 0
