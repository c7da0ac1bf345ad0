"""The city networks as files other tools open: GEXF 1.3 (Gephi, networkx, igraph) and VOSviewer's
map and network files (VOSviewer, and bibliometrix through it). Pure: tables in, bytes out; no
Dagster.

A network here is ``nodes`` (one row per city, in the order of Fig. 2: East first, then West, by
reference rank) and ``edges`` (source, target, weight; optionally the exact ratio
``weight_numerator``/``weight_denominator`` of the normalized-impact network), as
``networks.city_networks.networks_from_edges`` gives them, with node attributes joined by
``node_attributes``: name, country, bloc, latitude/longitude, reference rank and impact, and the
city's East-West betweenness, its path share and standard betweenness on that network.

GEXF (https://gexf.net/1.3): directed, ``mode="static"``; node id = GeoNames id, label = city name;
node attributes typed (string, double, long); ``viz:position`` x = longitude, y = latitude (a world
map layout Gephi can start from) and ``viz:color`` by bloc (East red, West blue, as the figures)
when the coordinates are known; edge ``weight`` the flow, edge attribute ``length`` = 1 / weight
(the path length of the betweenness) and the exact ratio where there is one. Written by hand, so
networkx's reader is an independent check.

Timeline (``to_timeline_gexf``, ``timeline_files``): each network's evolution over the years of
``out_network_edges_by_year`` as one dynamic GEXF 1.3 file (``mode="dynamic"``,
``timeformat="integer"``), which Gephi plays on its timeline and networkx reads: year Y holds the
network of the five-year window ending with Y. **Choices**: a year is the closed interval [Y, Y];
a city exists from its first year with an edge to its last (a city never linked is left out); an
edge exists in spells of consecutive years and carries its weight of each year as the dynamic
attribute ``weight`` (Gephi's dynamic edge weight) and again as ``yearly_weight`` (networkx's reader
takes an attribute with id ``weight`` for a static one); cities keep their static attributes
(country, bloc, coordinates, reference rank and impact), position and colour, and carry per year
their out- and in-strength (sums of their edges' weights; 0 in a year of their span without an
edge) and, where known, their East-West and standard betweenness on that year's window.

VOSviewer (https://app.vosviewer.com/docs/file-types/map-and-network-file-type): a map file,
tab-separated with a header line (``id label description url [x y] cluster weight<Links>
weight<Total link strength> [score<...>]``), and a network file of ``id1 id2 strength`` lines
without a header. **Choices**: VOSviewer's links are undirected, so the strength of a pair is the sum
of the flows both ways (the direction stays in the GEXF); item ids are 1..n in the order of the
nodes (VOSviewer's older versions want positive integers; the GeoNames id is in the url);
cluster = bloc (1 East, 2 West), which VOSviewer's own clustering can replace; no x/y by default,
so VOSviewer lays the map out itself (``positions=True`` writes longitude/latitude instead); a
label or description holding a comma, semicolon or double quote is enclosed in double quotes, as
the format requires.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
import pandas as pd

from aigeo_assets.corpus.lookup import run_starts
from aigeo_assets.metrics.top import matrix_order
from aigeo_assets.networks.city_networks import NETWORKS, networks_from_edges
from aigeo_assets.networks.graph import EXACT_WEIGHT_COLUMNS

FORMATS = ("gexf", "vosviewer")
NETWORKS_DIR = ("reports", "networks")
BRIDGE_WINDOW_YEARS = 5
"""The yearly networks' window: five years ending with the year, as ``out_east_west_betweenness_by_year``."""
GEXF_NS = "http://gexf.net/1.3"
GEXF_VIZ_NS = "http://gexf.net/1.3/viz"
BLOC_CLUSTER = {"East": 1, "West": 2}
BLOC_COLOR = {"East": (214, 39, 40), "West": (31, 119, 180)}  # plotly's red and blue, as the figures

DIRECTIONS = {
    "impact": "citations from papers whose last author is in the source city to papers whose last author is in the target city",
    "migration": "AI scientists moving from the source city to the target city",
    "collaboration": "papers with the last author in the source city and a co-author in the target city",
    "normalized_impact": "the share of the citations to the target city's papers that come from the source city's papers, "
    "over the target city's share of the world's AI papers (Supplementary Fig. 10)",
}
"""What an edge source -> target and its weight mean, per network (``networks.city_networks``)."""

NODE_ATTRIBUTES: tuple[tuple[str, str, str], ...] = (
    ("country", "country_code", "string"),
    ("bloc", "bloc", "string"),
    ("latitude", "latitude", "double"),
    ("longitude", "longitude", "double"),
    ("reference_rank", "reference_rank", "long"),
    ("reference_impact", "reference_impact", "long"),
    ("east_west_betweenness", "east_west_betweenness", "double"),
    ("east_west_path_share", "east_west_path_share", "double"),
    ("betweenness", "betweenness", "double"),
    ("east_west_rank", "east_west_rank", "long"),
)
"""GEXF node attributes: (title, column of ``nodes``, GEXF type). A column missing from ``nodes``
is left out; a missing value leaves the node without that attribute."""


@dataclass(frozen=True)
class CityNetwork:
    """One network of one window, ready to write."""

    name: str  # impact, migration, collaboration, normalized_impact
    window: tuple[int, int]  # first and last year the network covers
    nodes: pd.DataFrame  # city_geonames_id, city_name, bloc, + node_attributes' columns
    edges: pd.DataFrame  # source, target, weight [, weight_numerator, weight_denominator]

    @property
    def description(self) -> str:
        lo, hi = self.window
        years = f"{lo}-{hi}" if lo != hi else str(lo)
        return (
            f"aigeo: the {self.name.replace('_', '-')} network between the top {len(self.nodes)} cities, {years}. "
            f"Edge source -> target: {DIRECTIONS.get(self.name, self.name)}; length = 1 / weight."
        )


def networks_dir(data_dir: Path) -> Path:
    """Where the network files go: ``<data>/reports/networks`` (beside ``reports/figures``); the
    yearly windows' in ``by_year/<year>/`` under it."""
    return Path(data_dir).joinpath(*NETWORKS_DIR)


def paper_windows(settings) -> dict[str, tuple[int, int]]:
    """The years each network of ``out_network_edges`` covers, from ``Settings`` (as the centrality
    assets read them: the impact matrix's years, the collaboration and migration windows, clamped to
    the partitions)."""
    impact = settings.clamp(settings.impact_matrix_years)
    return {
        "impact": impact,
        "normalized_impact": impact,
        "collaboration": settings.clamp(settings.collaboration_years),
        "migration": settings.clamp(settings.migration_years),
    }


# ------------------------------------------------------------------------------------------ nodes


def node_attributes(
    nodes: pd.DataFrame,
    top: pd.DataFrame,
    coordinates: pd.DataFrame | None = None,
    betweenness: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """``nodes`` (city_geonames_id, city_name, bloc) with their attributes, in the same order.

    ``top``: ``out_top_cities`` (country, reference rank and impact); ``coordinates``: any table with
    city_geonames_id, latitude, longitude (``out_city_year_metrics`` of the reference year), first
    row per city; ``betweenness``: ``out_east_west_betweenness`` rows of this network.
    """
    out = nodes[["city_geonames_id", "city_name", "bloc"]].copy()
    out["city_geonames_id"] = out["city_geonames_id"].astype("int64")
    extra = top[["city_geonames_id", "country_code", "reference_rank", "reference_impact"]].drop_duplicates("city_geonames_id")
    out = out.merge(extra.astype({"city_geonames_id": "int64"}), on="city_geonames_id", how="left")
    if coordinates is not None and not coordinates.empty:
        coords = coordinates[["city_geonames_id", "latitude", "longitude"]].dropna(subset=["city_geonames_id"])
        coords = coords.drop_duplicates("city_geonames_id").astype({"city_geonames_id": "int64"})
        out = out.merge(coords, on="city_geonames_id", how="left")
    if betweenness is not None and not betweenness.empty:
        b = betweenness[["city_geonames_id", "east_west_betweenness", "east_west_path_share", "betweenness", "rank"]]
        b = b.rename(columns={"rank": "east_west_rank"}).drop_duplicates("city_geonames_id").astype({"city_geonames_id": "int64"})
        out = out.merge(b, on="city_geonames_id", how="left")
    return out.reset_index(drop=True)


def city_networks(
    edges: pd.DataFrame,
    top: pd.DataFrame,
    top_n: int,
    windows: Mapping[str, tuple[int, int]],
    coordinates: pd.DataFrame | None = None,
    betweenness: pd.DataFrame | None = None,
) -> dict[str, CityNetwork]:
    """Every network of ``NETWORKS`` from an ``out_network_edges``-shaped table (a network without an
    edge has its nodes and no edge), the nodes with their attributes. ``windows``: the years each
    network covers; ``betweenness``: ``out_east_west_betweenness`` (all networks)."""
    built = networks_from_edges(edges, top, top_n) if not edges.empty else {}

    base = matrix_order(top, top_n)[["city_geonames_id", "city_name", "bloc"]].reset_index(drop=True)
    empty = pd.DataFrame({"source": pd.Series([], dtype="int64"), "target": pd.Series([], dtype="int64"),
                          "weight": pd.Series([], dtype=float)})
    out = {}
    for name in (*NETWORKS, *sorted(set(built) - set(NETWORKS))):
        nodes, e = built.get(name, (base, empty))
        b = None
        if betweenness is not None and not betweenness.empty:
            b = betweenness[betweenness["network"] == name]
        out[name] = CityNetwork(name, tuple(windows.get(name, (0, 0))), node_attributes(nodes, top, coordinates, b), e)
    return out


# ------------------------------------------------------------------------------------------ GEXF


def _number(value) -> str:
    """A number as text: whole floats without ``.0`` (counts), others with every digit (``repr``)."""
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"not a finite number: {value!r}")
    return str(int(v)) if v.is_integer() and abs(v) < 2**53 else repr(v)


def _present(value) -> bool:
    return value is not None and not (not isinstance(value, str) and pd.isna(value))


def _attvalue_lines(column: pd.Series, title: str, kind: str) -> list[str | None]:
    """Each row's ``<attvalue>`` line of attribute ``title`` of GEXF type ``kind`` (None where the value
    is missing): a string escaped, a long as its integer, a double with every digit (``repr``), the
    column at once (only a string needs escaping: a number's text is the same in quotes)."""
    head = f"          <attvalue for={quoteattr(title)} value="
    present = column.notna().to_numpy(bool)
    values = column.astype(object).tolist()
    if kind == "string":
        return [f"{head}{quoteattr(str(v))}/>" if ok else None for v, ok in zip(values, present)]
    text = (lambda v: str(int(v))) if kind == "long" else (lambda v: repr(float(v)))
    return [f'{head}"{text(v)}"/>' if ok else None for v, ok in zip(values, present)]


def _row_attvalues(table: pd.DataFrame, attributes: Sequence[tuple[str, str, str]]) -> list[list[str]]:
    """Per row of ``table`` (nodes, or edges), the ``<attvalue>`` lines of its ``attributes`` (title,
    column, GEXF type) that have a value, in the order of ``attributes``."""
    columns = [_attvalue_lines(table[col], title, kind) for title, col, kind in attributes]
    return [[v for v in row if v is not None] for row in zip(*columns)] if columns else [[] for _ in range(len(table))]


def to_gexf(nodes: pd.DataFrame, edges: pd.DataFrame, *, description: str = "", positions: bool = True,
            last_modified: str | None = None) -> bytes:
    """A directed GEXF 1.3 graph: one node per row of ``nodes`` (id = GeoNames id, label = city name,
    the ``NODE_ATTRIBUTES`` present as typed attributes), one edge per row of ``edges`` (weight; length
    = 1 / weight; the exact ratio where given). ``positions``: ``viz:position`` x = longitude,
    y = latitude for nodes with coordinates, and ``viz:color`` by bloc. ``last_modified``
    (YYYY-MM-DD) goes into ``meta``; without it the file depends only on the tables.
    Raises ``ValueError`` for an edge to an unknown node or a weight that is not a finite number > 0.

    The edges' and attributes' texts are made a column at a time (issue 13: per edge, one
    ``quoteattr`` per value was most of the yearly network files' cost)."""
    ids = nodes["city_geonames_id"].astype("int64").tolist()
    known = set(ids)
    if len(known) != len(ids):
        raise ValueError("nodes has duplicate city_geonames_id")
    sources = edges["source"].astype("int64").tolist()
    targets = edges["target"].astype("int64").tolist()
    bad = [(s, t) for s, t in zip(sources, targets) if s not in known or t not in known]
    if bad:
        raise ValueError(f"{len(bad)} edges name cities that are not nodes, e.g. {bad[0]}")
    w = edges["weight"].astype(float)
    if len(w) and (~w.map(math.isfinite) | (w <= 0)).any():
        raise ValueError("edge weights must be finite numbers > 0")
    attributes = [(title, col, kind) for title, col, kind in NODE_ATTRIBUTES if col in nodes.columns]
    exact = all(c in edges.columns for c in EXACT_WEIGHT_COLUMNS) and len(edges) and edges[list(EXACT_WEIGHT_COLUMNS)].notna().all().all()
    edge_attributes = [("length", "double")] + ([(c, "long") for c in EXACT_WEIGHT_COLUMNS] if exact else [])

    lines = [
        *_gexf_head(description, last_modified),
        '  <graph defaultedgetype="directed" mode="static">',
        '    <attributes class="node" mode="static">',
        *(f'      <attribute id={quoteattr(title)} title={quoteattr(title)} type="{kind}"/>' for title, _, kind in attributes),
        "    </attributes>",
        '    <attributes class="edge" mode="static">',
        *(f'      <attribute id={quoteattr(title)} title={quoteattr(title)} type="{kind}"/>' for title, kind in edge_attributes),
        "    </attributes>",
        "    <nodes>",
    ]
    names = nodes["city_name"].astype(object).tolist()
    records = nodes.to_dict("records") if positions else [None] * len(ids)
    for city, name, values, r in zip(ids, names, _row_attvalues(nodes, attributes), records):
        lines.append(f"      <node id=\"{city}\" label={quoteattr(str(name))}>")
        if values:
            lines.append("        <attvalues>")
            lines.extend(values)
            lines.append("        </attvalues>")
        if positions:
            lines.extend(_gexf_viz(r))
        lines.append("      </node>")
    lines += ["    </nodes>", "    <edges>"]
    weights = w.to_numpy()
    values = pd.DataFrame({"length": 1.0 / weights, **({c: edges[c].to_numpy() for c in EXACT_WEIGHT_COLUMNS} if exact else {})})
    for i, (s, t, weight, attvalues) in enumerate(zip(sources, targets, weights.tolist(),
                                                      _row_attvalues(values, [(title, title, kind) for title, kind in edge_attributes]))):
        lines.append(f'      <edge id="{i}" source="{s}" target="{t}" weight="{weight!r}">')
        lines.append("        <attvalues>")
        lines.extend(attvalues)
        lines.append("        </attvalues>")
        lines.append("      </edge>")
    lines += ["    </edges>", "  </graph>", "</gexf>", ""]
    return "\n".join(lines).encode("utf-8")


def _gexf_head(description: str, last_modified: str | None) -> list[str]:
    """The lines every GEXF file of ours starts with: XML declaration, GEXF 1.3 root, meta."""
    return [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<gexf xmlns="{GEXF_NS}" xmlns:viz="{GEXF_VIZ_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{GEXF_NS} {GEXF_NS}/gexf.xsd" version="1.3">',
        f"  <meta{f' lastmodifieddate={quoteattr(last_modified)}' if last_modified else ''}>",
        "    <creator>aigeo</creator>",
        f"    <description>{_text(description)}</description>",
        "  </meta>",
    ]


def _gexf_viz(r: Mapping) -> list[str]:
    """A node's position (longitude, latitude) and its bloc's colour, when the city is placed."""
    if not (_present(r.get("latitude")) and _present(r.get("longitude"))):
        return []
    out = [f'        <viz:position x="{repr(float(r["longitude"]))}" y="{repr(float(r["latitude"]))}" z="0.0"/>']
    if r.get("bloc") in BLOC_COLOR:
        red, green, blue = BLOC_COLOR[r["bloc"]]
        out.append(f'        <viz:color r="{red}" g="{green}" b="{blue}" a="1.0"/>')
    return out


def _text(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# ------------------------------------------------------------------------------------------ VOSviewer


def _vos_text(s: str) -> str:
    """A label or description as a map file holds it: no tab or line break, enclosed in double quotes
    (inner quotes doubled) when it holds a comma, semicolon or double quote."""
    s = " ".join(str(s).split())
    return '"' + s.replace('"', '""') + '"' if any(c in s for c in ',;"') else s


def undirected_strengths(nodes: pd.DataFrame, edges: pd.DataFrame) -> pd.DataFrame:
    """VOSviewer's links: one row per unordered pair of item ids (``id1`` < ``id2``, ids 1..n in the
    order of ``nodes``) with ``strength`` = the sum of the weights both ways."""
    index = {int(c): i + 1 for i, c in enumerate(nodes["city_geonames_id"].astype("int64"))}
    if edges.empty:
        return pd.DataFrame({"id1": pd.Series([], dtype="int64"), "id2": pd.Series([], dtype="int64"),
                             "strength": pd.Series([], dtype=float)})
    a = edges["source"].astype("int64").map(index)
    b = edges["target"].astype("int64").map(index)
    if a.isna().any() or b.isna().any():
        raise ValueError("edges name cities that are not nodes")
    a, b = a.to_numpy(np.int64), b.to_numpy(np.int64)
    pairs = pd.DataFrame({"id1": np.minimum(a, b), "id2": np.maximum(a, b), "strength": edges["weight"].astype(float).to_numpy()})
    pairs = pairs[pairs["id1"] != pairs["id2"]]
    return pairs.groupby(["id1", "id2"], as_index=False)["strength"].sum().sort_values(["id1", "id2"]).reset_index(drop=True)


def to_vosviewer_map(nodes: pd.DataFrame, edges: pd.DataFrame, *, positions: bool = False) -> bytes:
    """VOSviewer's map file: a header line, then one tab-separated line per city: id (1..n), label,
    description (country and bloc, "CN (East)"), url (the GeoNames page), x/y (longitude/latitude; only with
    ``positions`` and when every city has them), cluster (1 East, 2 West), weight<Links> (distinct
    cities linked either way), weight<Total link strength> (sum of the undirected strengths), and
    score<East-West betweenness>, score<Betweenness> when known for every city."""
    links = undirected_strengths(nodes, edges)
    n = len(nodes)
    degree = [0] * (n + 1)
    total = [0.0] * (n + 1)
    for i, j, s in zip(links["id1"].tolist(), links["id2"].tolist(), links["strength"].tolist()):
        degree[i] += 1
        degree[j] += 1
        total[i] += s
        total[j] += s
    xy = positions and {"latitude", "longitude"} <= set(nodes.columns) and nodes[["latitude", "longitude"]].notna().all().all()
    scores = [(title, col) for title, col in (("East-West betweenness", "east_west_betweenness"), ("Betweenness", "betweenness"))
              if col in nodes.columns and nodes[col].notna().all()]
    header = ["id", "label", "description", "url", *(["x", "y"] if xy else []), "cluster", "weight<Links>",
              "weight<Total link strength>", *(f"score<{t}>" for t, _ in scores)]
    lines = ["\t".join(header)]
    for i, row in enumerate(nodes.to_dict("records"), start=1):
        country, bloc = row.get("country_code"), row.get("bloc")
        where = " ".join(([str(country)] if _present(country) else []) + ([f"({bloc})"] if _present(bloc) else []))
        cells = [str(i), _vos_text(row["city_name"]), _vos_text(where), f"https://www.geonames.org/{int(row['city_geonames_id'])}"]
        if xy:
            cells += [_number(row["longitude"]), _number(row["latitude"])]
        cells += [str(BLOC_CLUSTER.get(row.get("bloc"), 3)), str(degree[i]), _number(total[i])]
        cells += [_number(row[col]) for _, col in scores]
        lines.append("\t".join(cells))
    return ("\n".join(lines) + "\n").encode("utf-8")


def to_vosviewer_network(nodes: pd.DataFrame, edges: pd.DataFrame) -> bytes:
    """VOSviewer's network file: one ``id1<TAB>id2<TAB>strength`` line per linked pair, no header."""
    links = undirected_strengths(nodes, edges)
    return "".join(f"{i}\t{j}\t{_number(s)}\n"
                   for i, j, s in zip(links["id1"].tolist(), links["id2"].tolist(), links["strength"].tolist())).encode("utf-8")


# ------------------------------------------------------------------------------------------ files


def network_files(networks: Mapping[str, CityNetwork], formats: Iterable[str] = FORMATS, *,
                  gexf_positions: bool = True, vosviewer_positions: bool = False) -> dict[str, bytes]:
    """``{file name: bytes}`` for every network: ``<name>.gexf``, ``<name>_vosviewer_map.txt`` and
    ``<name>_vosviewer_network.txt``."""
    formats = list(formats)
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise ValueError(f"unknown network format(s) {unknown}: choose from {list(FORMATS)}")
    files: dict[str, bytes] = {}
    for name, net in networks.items():
        if "gexf" in formats:
            files[f"{name}.gexf"] = to_gexf(net.nodes, net.edges, description=net.description, positions=gexf_positions)
        if "vosviewer" in formats:
            files[f"{name}_vosviewer_map.txt"] = to_vosviewer_map(net.nodes, net.edges, positions=vosviewer_positions)
            files[f"{name}_vosviewer_network.txt"] = to_vosviewer_network(net.nodes, net.edges)
    return files




# ------------------------------------------------------------------------------------------ timeline (dynamic GEXF)

TIMELINE_NODE_ATTRIBUTES = tuple(a for a in NODE_ATTRIBUTES if a[0] in
                                 ("country", "bloc", "latitude", "longitude", "reference_rank", "reference_impact"))
"""The timeline's static node attributes: the city's own, not a window's (its betweenness varies by year)."""
TIMELINE_NODE_DYNAMIC: tuple[tuple[str, str], ...] = (
    ("out_strength", "double"),
    ("in_strength", "double"),
    ("east_west_betweenness", "double"),
    ("betweenness", "double"),
)
"""The timeline's dynamic node attributes (title, GEXF type): per year, the sum of the weights of the
city's outgoing and incoming edges, and (where ``out_east_west_betweenness_by_year`` is given) its
East-West and standard betweenness on that year's window."""
TIMELINE_EDGE_DYNAMIC: tuple[tuple[str, str], ...] = (("weight", "double"), ("yearly_weight", "double"))
"""The timeline's dynamic edge attributes: ``weight`` (id ``weight``: Gephi makes it the edge's weight
over time, so the edges thicken and thin along the timeline) and ``yearly_weight``, the same values
under a name networkx's ``read_gexf`` keeps dynamic (it reads an attribute with id ``weight`` as a
static value: the last year's)."""
TIMELINE_SUFFIX = "_timeline.gexf"


def _runs(years: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive calendar years as closed (first, last) runs: 2015, 2016, 2018 -> (2015, 2016), (2018, 2018)."""
    runs: list[list[int]] = []
    for y in sorted(set(int(y) for y in years)):
        if runs and y == runs[-1][1] + 1:
            runs[-1][1] = y
        else:
            runs.append([y, y])
    return [(a, b) for a, b in runs]


def to_timeline_gexf(nodes: pd.DataFrame, edges: pd.DataFrame, *, years: Iterable[int] | None = None,
                     betweenness: pd.DataFrame | None = None, description: str = "", positions: bool = True,
                     last_modified: str | None = None) -> bytes:
    """One network's evolution as a dynamic GEXF 1.3 graph (``mode="dynamic"``,
    ``timeformat="integer"``): Gephi's timeline, networkx's ``read_gexf``.

    ``edges``: year, source, target, weight, one row per year and directed pair (the network of the
    window ending that year); ``nodes``: as ``to_gexf`` takes them (``node_attributes``), in the order
    to write; ``years``: the years the table covers (default: those of ``edges``), so that a year in
    a node's span without an edge is known to be 0 rather than missing; ``betweenness``: optional
    rows (year, city_geonames_id, east_west_betweenness, betweenness).

    **Choices.** A year is the closed interval [year, year] (GEXF intervals are closed; Gephi warns
    about open ones), so years never overlap and the value valid at a year is that year's alone. A
    node exists from its first year with an edge to its last (``start``/``end``; a city that never has
    an edge is left out); an edge exists in ``<spells>`` of consecutive calendar years (a year missing
    from ``years`` breaks a spell: nothing is known of it); its weight is a dynamic attribute valued in
    each year it exists and nowhere else. Nodes keep the static attributes of ``TIMELINE_NODE_ATTRIBUTES``
    and the position (longitude, latitude) and colour of ``to_gexf``; per year they carry
    ``TIMELINE_NODE_DYNAMIC`` (strengths in every year of ``years`` within their span, 0 where they
    have no edge that year). Nodes in the order of ``nodes``, edges by their source's then target's
    place in it, so the bytes depend only on the tables.

    Raises ``ValueError`` for an edge to an unknown node, a weight that is not a finite number > 0, a
    pair twice in one year, or a year outside ``years``."""
    ids = nodes["city_geonames_id"].astype("int64").tolist()
    place = {c: i for i, c in enumerate(ids)}
    if len(place) != len(ids):
        raise ValueError("nodes has duplicate city_geonames_id")
    e = pd.DataFrame({"year": edges["year"].astype("int64"), "source": edges["source"].astype("int64"),
                      "target": edges["target"].astype("int64"), "weight": edges["weight"].astype(float)})
    bad = e[~e["source"].isin(place) | ~e["target"].isin(place)]
    if len(bad):
        raise ValueError(f"{len(bad)} edges name cities that are not nodes, e.g. {(int(bad['source'].iloc[0]), int(bad['target'].iloc[0]))}")
    if len(e) and (~e["weight"].map(math.isfinite) | (e["weight"] <= 0)).any():
        raise ValueError("edge weights must be finite numbers > 0")
    dup = e.duplicated(["year", "source", "target"])
    if dup.any():
        r = e[dup].iloc[0]
        raise ValueError(f"the edge {int(r['source'])} -> {int(r['target'])} is given twice in {int(r['year'])}")
    all_years = sorted(set(int(y) for y in years)) if years is not None else sorted(set(e["year"].tolist()))
    outside = sorted(set(e["year"].tolist()) - set(all_years))
    if outside:
        raise ValueError(f"edges in years {outside} outside the years given {all_years}")

    e = e.assign(_s=e["source"].map(place), _t=e["target"].map(place)).sort_values(["_s", "_t", "year"], kind="stable")
    out_strength = e.groupby(["source", "year"])["weight"].sum().to_dict()
    in_strength = e.groupby(["target", "year"])["weight"].sum().to_dict()
    active = pd.concat([e[["source", "year"]].set_axis(["city", "year"], axis=1), e[["target", "year"]].set_axis(["city", "year"], axis=1)])
    span = active.groupby("city")["year"].agg(["min", "max"]).to_dict("index") if len(active) else {}
    between: dict[tuple[int, int], dict] = {}
    if betweenness is not None and len(betweenness):
        for r in betweenness.to_dict("records"):
            between[(int(r["city_geonames_id"]), int(r["year"]))] = r

    attributes = [(title, col, kind) for title, col, kind in TIMELINE_NODE_ATTRIBUTES if col in nodes.columns]
    dynamic = [(t, k) for t, k in TIMELINE_NODE_DYNAMIC if "strength" in t or between]

    def when(y: int) -> str:
        return f' start="{y}" end="{y}"'

    lines = [
        *_gexf_head(description, last_modified),
        '  <graph defaultedgetype="directed" mode="dynamic" timeformat="integer">',
        '    <attributes class="node" mode="static">',
        *(f'      <attribute id={quoteattr(title)} title={quoteattr(title)} type="{kind}"/>' for title, _, kind in attributes),
        "    </attributes>",
        '    <attributes class="node" mode="dynamic">',
        *(f'      <attribute id={quoteattr(title)} title={quoteattr(title)} type="{kind}"/>' for title, kind in dynamic),
        "    </attributes>",
        '    <attributes class="edge" mode="dynamic">',
        *(f'      <attribute id={quoteattr(title)} title={quoteattr(title)} type="{kind}"/>' for title, kind in TIMELINE_EDGE_DYNAMIC),
        "    </attributes>",
        "    <nodes>",
    ]
    for r, values in zip(nodes.to_dict("records"), _row_attvalues(nodes, attributes)):
        city = int(r["city_geonames_id"])
        if city not in span:
            continue
        first, last = int(span[city]["min"]), int(span[city]["max"])
        lines.append(f'      <node id="{city}" label={quoteattr(str(r["city_name"]))} start="{first}" end="{last}">')
        for y in (y for y in all_years if first <= y <= last):
            for title, _ in dynamic:
                if title == "out_strength":
                    v = out_strength.get((city, y), 0.0)
                elif title == "in_strength":
                    v = in_strength.get((city, y), 0.0)
                else:
                    v = between.get((city, y), {}).get(title)
                    if not _present(v):
                        continue
                values.append(f'          <attvalue for="{title}" value="{repr(float(v))}"{when(y)}/>')
        lines += ["        <attvalues>", *values, "        </attvalues>"]
        if positions:
            lines.extend(_gexf_viz(r))
        lines.append("      </node>")
    lines += ["    </nodes>", "    <edges>"]
    # e is sorted by pair, then year: each pair's rows are one stretch (plain lists: a frame per pair cost ~0.3 ms)
    pair_s, pair_t = e["_s"].to_numpy(), e["_t"].to_numpy()
    starts = np.flatnonzero(run_starts(pair_s, pair_t))
    edge_years, edge_weights = e["year"].tolist(), e["weight"].astype(float).tolist()
    for i, (lo, hi) in enumerate(zip(starts.tolist(), [*starts[1:].tolist(), len(e)])):
        source, target = ids[int(pair_s[lo])], ids[int(pair_t[lo])]
        lines.append(f'      <edge id="{i}" source="{source}" target="{target}">')
        lines.append("        <attvalues>")
        for y, w in zip(edge_years[lo:hi], edge_weights[lo:hi]):
            lines.extend(f'          <attvalue for="{title}" value="{repr(w)}"{when(y)}/>' for title, _ in TIMELINE_EDGE_DYNAMIC)
        lines.append("        </attvalues>")
        lines.append("        <spells>")
        lines.extend(f'          <spell start="{a}" end="{b}"/>' for a, b in _runs(edge_years[lo:hi]))
        lines.append("        </spells>")
        lines.append("      </edge>")
    lines += ["    </edges>", "  </graph>", "</gexf>", ""]
    return "\n".join(lines).encode("utf-8")


def timeline_description(name: str, cities: int, years: list[int]) -> str:
    span = f"{years[0]}-{years[-1]}" if years else "no year"
    return (
        f"aigeo: the {name.replace('_', '-')} network between the top {cities} cities over time, {span}: the network at year Y "
        f"is the one of the {BRIDGE_WINDOW_YEARS}-year window ending with Y (shorter at the start of the series). "
        f"Edge source -> target: {DIRECTIONS.get(name, name)}; weight (and yearly_weight) per year."
    )


def timeline_files(edges_by_year: pd.DataFrame, top: pd.DataFrame, top_n: int, *, years: Iterable[int] | None = None,
                   coordinates: pd.DataFrame | None = None, betweenness_by_year: pd.DataFrame | None = None,
                   positions: bool = True) -> dict[str, bytes]:
    """``{<network>_timeline.gexf: bytes}`` for every network of ``NETWORKS`` (and any other the table
    holds) from ``out_network_edges_by_year`` of several years (year = ``window_end``); ``years``: the
    years read (default: the table's); ``betweenness_by_year``: ``out_east_west_betweenness_by_year``
    of those years (all networks). A network without an edge in any year gets a file without nodes."""
    base = matrix_order(top, top_n)[["city_geonames_id", "city_name", "bloc"]].reset_index(drop=True)
    nodes = node_attributes(base, top, coordinates)
    table = edges_by_year if edges_by_year is not None else pd.DataFrame()
    all_years = sorted(set(int(y) for y in years) if years is not None
                       else set(table["window_end"].astype(int).tolist()) if len(table) else set())
    names = [*NETWORKS, *sorted(set(table["network"]) - set(NETWORKS))] if len(table) else list(NETWORKS)
    files: dict[str, bytes] = {}
    for name in names:
        rows = table[table["network"] == name] if len(table) else table
        edges = pd.DataFrame({
            "year": rows["window_end"] if len(rows) else pd.Series([], dtype="int64"),
            "source": rows["source_city_geonames_id"] if len(rows) else pd.Series([], dtype="int64"),
            "target": rows["target_city_geonames_id"] if len(rows) else pd.Series([], dtype="int64"),
            "weight": rows["weight"] if len(rows) else pd.Series([], dtype=float),
        })
        b = None
        if betweenness_by_year is not None and len(betweenness_by_year):
            b = betweenness_by_year[betweenness_by_year["network"] == name].rename(columns={"window_end": "year"})
        files[f"{name}{TIMELINE_SUFFIX}"] = to_timeline_gexf(
            nodes, edges, years=all_years, betweenness=b, positions=positions,
            description=timeline_description(name, len(nodes), all_years))
    return files
