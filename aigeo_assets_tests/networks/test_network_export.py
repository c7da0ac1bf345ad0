"""The city networks as GEXF and VOSviewer files, the tables as CSV (issue 16): files read back by
networkx's GEXF reader and by VOSviewer's documented column layout, on a hand-built three-city
network whose every number is worked out below; the assets and ``aigeo export`` on a tiny
hand-written warehouse; the IO manager's CSV copies read back equal to their parquet."""

import csv
import io
import os
from fractions import Fraction
from pathlib import Path

import dagster as dg
import networkx as nx
import pandas as pd
import pytest

from aigeo_assets.cli import main
from aigeo_assets.atomic_files import write_files_atomic
from aigeo_assets.networks.export import (
    city_networks,
    network_files,
    to_gexf,
    to_vosviewer_map,
    to_vosviewer_network,
    undirected_strengths,
)
from aigeo_assets.resources.io import CSV_MAX_ROWS, TABLE_METADATA_KEY, ParquetIOManager, PickleIOManager, table_path, wants_csv
from aigeo_assets.resources.settings import ENVIRONMENT
from aigeo_assets.schemas import SCHEMAS, conform

# Three cities: Beijing (East), London and "Washington, D.C." (West: a comma, so VOSviewer wants
# its label quoted). Flows: Beijing -> London 3, London -> Beijing 2, Washington -> Beijing 0.5.
BEIJING, LONDON, WASHINGTON = 1816670, 2643743, 4140963
NODES = pd.DataFrame(
    {
        "city_geonames_id": [BEIJING, LONDON, WASHINGTON],
        "city_name": ["Beijing", "London", "Washington, D.C."],
        "bloc": ["East", "West", "West"],
        "country_code": ["CN", "GB", "US"],
        "latitude": [39.9075, 51.50853, 38.89511],
        "longitude": [116.39723, -0.12574, -77.03637],
        "reference_rank": [1, 2, 3],
        "east_west_betweenness": [2.0, 0.0, 0.5],
        "betweenness": [2.0, 0.0, 1.0],
    }
)
EDGES = pd.DataFrame(
    {"source": [BEIJING, LONDON, WASHINGTON], "target": [LONDON, BEIJING, BEIJING], "weight": [3.0, 2.0, 0.5],
     "weight_numerator": [3, 2, 1], "weight_denominator": [1, 1, 2]}
)


# ------------------------------------------------------------------------------------------ GEXF


def test_gexf_reads_back_in_networkx_with_every_node_edge_weight_and_attribute():
    graph = nx.read_gexf(io.BytesIO(to_gexf(NODES, EDGES, description="three cities")))
    assert isinstance(graph, nx.DiGraph), "the networks are directed"
    assert set(graph.nodes) == {str(BEIJING), str(LONDON), str(WASHINGTON)}
    assert {(u, v): d["weight"] for u, v, d in graph.edges(data=True)} == {
        (str(BEIJING), str(LONDON)): 3.0, (str(LONDON), str(BEIJING)): 2.0, (str(WASHINGTON), str(BEIJING)): 0.5,
    }
    beijing = graph.nodes[str(BEIJING)]
    assert beijing["label"] == "Beijing" and beijing["bloc"] == "East" and beijing["country"] == "CN"
    assert beijing["latitude"] == 39.9075 and beijing["longitude"] == 116.39723
    assert beijing["reference_rank"] == 1 and beijing["east_west_betweenness"] == 2.0 and beijing["betweenness"] == 2.0
    assert beijing["viz"]["position"]["x"] == 116.39723 and beijing["viz"]["position"]["y"] == 39.9075
    assert graph.nodes[str(WASHINGTON)]["label"] == "Washington, D.C."
    # length = 1 / weight, and the exact ratio of the normalized-impact network
    washington_beijing = graph.edges[str(WASHINGTON), str(BEIJING)]
    assert washington_beijing["length"] == 2.0
    assert Fraction(washington_beijing["weight_numerator"], washington_beijing["weight_denominator"]) == Fraction(1, 2)


def test_gexf_leaves_out_missing_values_and_names_bad_edges():
    nodes = NODES.assign(latitude=[39.9075, None, 38.89511], east_west_betweenness=[2.0, None, 0.5])
    graph = nx.read_gexf(io.BytesIO(to_gexf(nodes, EDGES[["source", "target", "weight"]])))
    london = graph.nodes[str(LONDON)]
    assert "east_west_betweenness" not in london and "viz" not in london, "no value and no position where none is known"
    assert "weight_numerator" not in graph.edges[str(BEIJING), str(LONDON)], "count networks carry no ratio"
    with pytest.raises(ValueError, match="not nodes"):
        to_gexf(NODES, pd.DataFrame({"source": [BEIJING], "target": [1], "weight": [1.0]}))
    with pytest.raises(ValueError, match="finite numbers > 0"):
        to_gexf(NODES, pd.DataFrame({"source": [BEIJING], "target": [LONDON], "weight": [0.0]}))


# ------------------------------------------------------------------------------------------ VOSviewer


def _vosviewer_map(data: bytes) -> list[dict[str, str]]:
    """A map file read as VOSviewer's manual lays it out: a header line naming the columns, then one
    tab-separated line per item; a label with a comma or semicolon is enclosed in double quotes."""
    text = data.decode("utf-8")
    assert text.endswith("\n") and "\r" not in text
    return list(csv.DictReader(io.StringIO(text), delimiter="\t", quotechar='"'))


def test_vosviewer_map_and_network_files_match_the_hand_worked_example():
    rows = _vosviewer_map(to_vosviewer_map(NODES, EDGES))
    assert list(rows[0]) == ["id", "label", "description", "url", "cluster", "weight<Links>", "weight<Total link strength>",
                             "score<East-West betweenness>", "score<Betweenness>"]
    # undirected strengths: Beijing-London 3 + 2 = 5, Beijing-Washington 0.5
    assert rows == [
        {"id": "1", "label": "Beijing", "description": "CN (East)", "url": f"https://www.geonames.org/{BEIJING}", "cluster": "1",
         "weight<Links>": "2", "weight<Total link strength>": "5.5", "score<East-West betweenness>": "2", "score<Betweenness>": "2"},
        {"id": "2", "label": "London", "description": "GB (West)", "url": f"https://www.geonames.org/{LONDON}", "cluster": "2",
         "weight<Links>": "1", "weight<Total link strength>": "5", "score<East-West betweenness>": "0", "score<Betweenness>": "0"},
        {"id": "3", "label": "Washington, D.C.", "description": "US (West)", "url": f"https://www.geonames.org/{WASHINGTON}",
         "cluster": "2", "weight<Links>": "1", "weight<Total link strength>": "0.5", "score<East-West betweenness>": "0.5",
         "score<Betweenness>": "1"},
    ]
    assert '\t"Washington, D.C."\t' in to_vosviewer_map(NODES, EDGES).decode(), "the manual: a label with a comma is quoted"
    # the network file: three tab-separated columns, no header
    assert to_vosviewer_network(NODES, EDGES) == b"1\t2\t5\n1\t3\t0.5\n"


def test_vosviewer_positions_are_longitude_and_latitude_when_asked_and_every_city_has_them():
    rows = _vosviewer_map(to_vosviewer_map(NODES, EDGES, positions=True))
    assert [(float(r["x"]), float(r["y"])) for r in rows] == list(zip(NODES["longitude"], NODES["latitude"]))
    partial = NODES.assign(latitude=[1.0, None, 2.0])
    assert "x" not in _vosviewer_map(to_vosviewer_map(partial, EDGES, positions=True))[0], "VOSviewer lays them out itself"


def test_undirected_strengths_sum_both_ways_and_agree_with_networkx():
    links = undirected_strengths(NODES, EDGES)
    g = nx.DiGraph()
    g.add_weighted_edges_from(EDGES[["source", "target", "weight"]].itertuples(index=False))
    u = nx.Graph()
    for a, b, w in g.edges(data="weight"):
        u.add_edge(a, b, weight=u.get_edge_data(a, b, {"weight": 0})["weight"] + w)
    ids = {c: i + 1 for i, c in enumerate(NODES["city_geonames_id"])}
    assert {(min(ids[a], ids[b]), max(ids[a], ids[b])): w for a, b, w in u.edges(data="weight")} == {
        (int(r.id1), int(r.id2)): r.strength for r in links.itertuples()
    }


# ------------------------------------------------------------------------------------------ files


def _top() -> pd.DataFrame:
    return pd.DataFrame({"city_geonames_id": NODES["city_geonames_id"], "city_name": NODES["city_name"],
                         "country_code": NODES["country_code"], "bloc": NODES["bloc"], "reference_year": 2017,
                         "reference_impact": [30, 20, 10], "reference_rank": [1, 2, 3]})


def _edges_table() -> pd.DataFrame:
    """``out_network_edges`` of the example: impact as EDGES, migration one move, the rest empty."""
    return conform(
        pd.DataFrame({
            "network": ["impact"] * 3 + ["migration"],
            "source_city_geonames_id": [*EDGES["source"], LONDON],
            "target_city_geonames_id": [*EDGES["target"], WASHINGTON],
            "weight": [*EDGES["weight"], 4.0],
            "length": [*(1 / EDGES["weight"]), 0.25],
            "weight_numerator": pd.array([pd.NA] * 4, dtype="Int64"),
            "weight_denominator": pd.array([pd.NA] * 4, dtype="Int64"),
        }),
        "out_network_edges",
    )


def _betweenness() -> pd.DataFrame:
    return pd.DataFrame({"window_end": 2017, "network": "impact", "city_geonames_id": NODES["city_geonames_id"],
                         "city_name": NODES["city_name"], "bloc": NODES["bloc"],
                         "east_west_betweenness": NODES["east_west_betweenness"], "east_west_path_share": [0.5, 0.0, 0.25],
                         "betweenness": NODES["betweenness"], "rank": [1, 3, 2]})


def test_every_network_gets_its_files_even_without_an_edge():
    nets = city_networks(_edges_table(), _top(), 100, {"impact": (2013, 2017)}, coordinates=NODES, betweenness=_betweenness())
    assert list(nets) == ["impact", "migration", "collaboration", "normalized_impact"]
    assert len(nets["collaboration"].edges) == 0 and len(nets["collaboration"].nodes) == 3
    files = network_files(nets)
    assert len(files) == 12
    collab = nx.read_gexf(io.BytesIO(files["collaboration.gexf"]))
    assert collab.number_of_nodes() == 3 and collab.number_of_edges() == 0
    impact = nx.read_gexf(io.BytesIO(files["impact.gexf"]))
    assert impact.nodes[str(BEIJING)]["east_west_path_share"] == 0.5 and impact.nodes[str(LONDON)]["east_west_rank"] == 3
    migration = nx.read_gexf(io.BytesIO(files["migration.gexf"]))
    assert "east_west_betweenness" not in migration.nodes[str(BEIJING)], "betweenness of the impact network stays there"
    assert files["migration_vosviewer_network.txt"] == b"2\t3\t4\n"
    assert "2013-2017" in nets["impact"].description


def test_files_are_replaced_together_or_not_at_all(tmp_path, monkeypatch):
    def files(a: bytes, b: bytes) -> list:
        return [(tmp_path / "a.txt", a), (tmp_path / "b.txt", b)]

    write_files_atomic(files(b"old a", b"old b"))
    real_replace = os.replace
    calls = []

    def replace_then_fail(src, dst):
        calls.append(dst)
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", replace_then_fail)
    with pytest.raises(OSError):
        write_files_atomic(files(b"new a", b"new b"))
    monkeypatch.setattr(os, "replace", real_replace)
    assert (tmp_path / "a.txt").read_bytes() == b"old a" and (tmp_path / "b.txt").read_bytes() == b"old b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"], "no temporary file is left"
    mtime = (tmp_path / "a.txt").stat().st_mtime_ns
    write_files_atomic(files(b"old a", b"new b"), skip_unchanged=True)
    assert (tmp_path / "a.txt").stat().st_mtime_ns == mtime and (tmp_path / "b.txt").read_bytes() == b"new b"


# ------------------------------------------------------------------------------------------ a tiny warehouse


def _write(path: Path, df: pd.DataFrame) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_parquet(path, index=False)


def _metrics() -> pd.DataFrame:
    return pd.DataFrame({"year": 2017, "city_geonames_id": NODES["city_geonames_id"], "latitude": NODES["latitude"],
                         "longitude": NODES["longitude"]})


@pytest.fixture
def warehouse(tmp_path, monkeypatch) -> Path:
    """The tables the exports read, written by hand (a network needs no pipeline run)."""
    for name in [*ENVIRONMENT, "DAGSTER_HOME"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AIGEO_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("AIGEO_START_YEAR", "2012")
    monkeypatch.setenv("AIGEO_END_YEAR", "2019")
    wh = tmp_path / "warehouse"
    _write(wh / "out_network_edges.parquet", _edges_table())
    _write(wh / "out_top_cities.parquet", _top())
    _write(wh / "out_east_west_betweenness.parquet", _betweenness())
    _write(wh / "out_city_year_metrics" / "2017.parquet", _metrics())
    yearly = _edges_table().iloc[:2].assign(window_start=2012, window_end=2016)
    _write(wh / "out_network_edges_by_year" / "2016.parquet", conform(yearly, "out_network_edges_by_year"))
    return tmp_path


def test_aigeo_export_writes_the_networks_that_networkx_reads_back(warehouse, capsys):
    assert main(["export"]) == 0
    out = warehouse / "reports" / "networks"
    impact = nx.read_gexf(out / "impact.gexf")
    assert impact.number_of_edges() == 3 and impact.edges[str(LONDON), str(BEIJING)]["weight"] == 2.0
    assert impact.nodes[str(BEIJING)]["latitude"] == 39.9075, "coordinates of the reference year"
    assert (out / "impact_vosviewer_network.txt").read_bytes() == b"1\t2\t5\n1\t3\t0.5\n"
    yearly = nx.read_gexf(out / "by_year" / "2016" / "impact.gexf")
    assert yearly.number_of_edges() == 2 and "2012-2016" in (out / "by_year" / "2016" / "impact.gexf").read_text()
    assert not (out / "by_year" / "2016" / "impact.csv").exists()
    printed = capsys.readouterr().out
    assert "12 files of 4 networks" in printed and "2016" in printed
    timeline = nx.read_gexf(out / "by_year" / "impact_timeline.gexf")
    assert timeline.graph["mode"] == "dynamic" and timeline.edges[str(LONDON), str(BEIJING)]["yearly_weight"] == [(2.0, 2016, 2016)]
    assert "4 timelines over 2016" in printed


def test_aigeo_export_csv_beside_the_parquet_and_into_a_folder(warehouse, tmp_path_factory):
    assert main(["export", "--format", "csv", "--tables", "out_network_*"]) == 0
    wh = warehouse / "warehouse"
    beside = pd.read_csv(wh / "out_network_edges.csv")
    pd.testing.assert_frame_equal(conform(beside, "out_network_edges"), pd.read_parquet(wh / "out_network_edges.parquet"))
    assert (wh / "out_network_edges_by_year" / "2016.csv").is_file() and not (wh / "out_top_cities.csv").exists()
    other = tmp_path_factory.mktemp("out")
    assert main(["export", "--format", "csv", "--format", "gexf", "--out", str(other)]) == 0
    assert (other / "tables" / "out_city_year_metrics" / "2017.csv").is_file() and (other / "impact.gexf").is_file()
    assert not (other / "impact_vosviewer_map.txt").exists()


def test_aigeo_export_before_the_networks_exist_is_one_line_and_exit_2(warehouse, capsys):
    (warehouse / "warehouse" / "out_network_edges.parquet").unlink()
    assert main(["export"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("aigeo: error: out_network_edges has not been materialized yet")
    assert main(["export", "--format", "csv", "--tables", "nothing_*"]) == 2


def test_the_network_file_assets_write_the_same_files_as_the_command(warehouse):
    from aigeo_assets.assets.exports import build_export_assets
    from aigeo_assets.partitions import yearly_partitions
    from aigeo_assets.resources.settings import Settings

    settings = Settings.from_env()
    partitions = yearly_partitions(*settings.alshebli2022_years)
    edges_by_year, files, files_by_year, _ = build_export_assets(partitions, settings)
    wh = warehouse / "warehouse"
    _write(wh / "out_east_west_betweenness_by_year" / "2016.parquet", _betweenness().assign(window_end=2016))
    specs = [dg.AssetSpec(k) for k in ("out_network_edges", "out_top_cities", "out_east_west_betweenness")]
    specs += [dg.AssetSpec(k, partitions_def=partitions) for k in ("out_city_year_metrics", "out_east_west_betweenness_by_year")]
    io = {"io_manager": ParquetIOManager(base_dir=str(wh))}
    result = dg.materialize([*specs, files], selection=[files], resources=io)
    assert result.success
    meta = result.asset_materializations_for_node(files.op.name)[0].metadata
    assert meta["files"].value[0] == "impact.gexf" and meta["edges_per_network"].value["impact"] == 3
    out = warehouse / "reports" / "networks"
    by_asset = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert main(["export"]) == 0
    assert by_asset == {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}, "the command writes the same bytes"

    yearly_io = {"io_manager": ParquetIOManager(base_dir=str(wh))}
    assert dg.materialize([*specs, dg.AssetSpec("out_network_edges_by_year", partitions_def=partitions), files_by_year],
                          selection=[files_by_year], partition_key="2016", resources=yearly_io).success
    g = nx.read_gexf(out / "by_year" / "2016" / "impact.gexf")
    assert g.nodes[str(BEIJING)]["east_west_betweenness"] == 2.0 and g.number_of_edges() == 2


# ------------------------------------------------------------------------------------------ CSV copies


def test_wants_csv_by_name_and_size():
    assert wants_csv("out_network_edges", 10) and not wants_csv("core_papers", 10)
    assert wants_csv("core_papers", 10, "all") and not wants_csv("out_network_edges", 10, "none")
    assert wants_csv("out_x", CSV_MAX_ROWS) and not wants_csv("out_x", CSV_MAX_ROWS + 1)
    with pytest.raises(ValueError, match="csv_copies"):
        wants_csv("out_x", 1, "some")
    pairs = "out_gravity_citation_pairs"  # a model's observations: declared without a copy
    assert not wants_csv(pairs, 10, table=pairs) and wants_csv(pairs, 10, "all", table=pairs)
    assert wants_csv("out_network_edges", 10, table="out_network_edges")


def test_a_table_declared_without_a_copy_gets_none_unless_all_are_asked_for(tmp_path):
    @dg.asset(metadata={TABLE_METADATA_KEY: "out_gravity_citation_pairs"})
    def out_gravity_citation_pairs() -> pd.DataFrame:
        return SCHEMAS["out_gravity_citation_pairs"].empty()

    assert dg.materialize([out_gravity_citation_pairs], resources={"io_manager": ParquetIOManager(base_dir=str(tmp_path))}).success
    assert (tmp_path / "out_gravity_citation_pairs.parquet").exists() and not (tmp_path / "out_gravity_citation_pairs.csv").exists()
    every = ParquetIOManager(base_dir=str(tmp_path), csv_copies="all")
    assert dg.materialize([out_gravity_citation_pairs], resources={"io_manager": every}).success
    assert (tmp_path / "out_gravity_citation_pairs.csv").exists()


def test_the_io_manager_writes_a_csv_beside_each_out_table_that_reads_back_equal(tmp_path):
    years = dg.TimeWindowPartitionsDefinition(start="2015", end="2017", cron_schedule="0 0 1 1 *", fmt="%Y")

    @dg.asset(partitions_def=years)
    def out_network_edges_by_year(context: dg.AssetExecutionContext) -> pd.DataFrame:
        df = _edges_table().assign(window_start=int(context.partition_key) - 4, window_end=int(context.partition_key))
        df.loc[0, "weight"] = 1 / 3  # every digit must survive
        return conform(df, "out_network_edges_by_year")

    @dg.asset
    def core_things() -> pd.DataFrame:
        return pd.DataFrame({"a": [1]})

    manager = ParquetIOManager(base_dir=str(tmp_path))
    assert dg.materialize([out_network_edges_by_year], partition_key="2016", resources={"io_manager": manager}).success
    assert dg.materialize([core_things], resources={"io_manager": manager}).success
    parquet = pd.read_parquet(tmp_path / "out_network_edges_by_year" / "2016.parquet")
    copy = conform(pd.read_csv(tmp_path / "out_network_edges_by_year" / "2016.csv"), "out_network_edges_by_year")
    pd.testing.assert_frame_equal(copy, parquet, check_exact=True)
    assert not (tmp_path / "core_things.csv").exists(), "raw and core tables: no copy by default"
    assert not [p for p in tmp_path.rglob("*.tmp")]

    capped = ParquetIOManager(base_dir=str(tmp_path), csv_max_rows=2)
    assert dg.materialize([out_network_edges_by_year], partition_key="2016", resources={"io_manager": capped}).success
    assert not (tmp_path / "out_network_edges_by_year" / "2016.csv").exists(), "a copy that would be stale is removed"
    every = ParquetIOManager(base_dir=str(tmp_path), csv_copies="all")
    assert dg.materialize([core_things], resources={"io_manager": every}).success
    assert pd.read_csv(tmp_path / "core_things.csv")["a"].tolist() == [1]


class _Gen(dg.Config):
    g: int


def test_a_multi_asset_publishes_its_csv_copies_with_its_tables(tmp_path):
    @dg.multi_asset(
        outs={"out_a": dg.AssetOut(is_required=False), "out_b": dg.AssetOut(is_required=False),
              "model": dg.AssetOut(io_manager_key="model_io_manager", is_required=False)},
        can_subset=True,
    )
    def pair(context: dg.AssetExecutionContext, config: _Gen):
        for name in context.op_execution_context.selected_output_names:
            value = {"g": config.g} if name == "model" else pd.DataFrame({"g": [config.g] * (3 if name == "out_b" else 1)})
            yield dg.Output(value, output_name=name)

    def run(g: int, selection=None, max_rows: int = CSV_MAX_ROWS):
        res = {"io_manager": ParquetIOManager(base_dir=str(tmp_path), csv_max_rows=max_rows),
               "model_io_manager": PickleIOManager(base_dir=str(tmp_path))}
        assert dg.materialize([pair], selection=selection, resources=res,
                              run_config={"ops": {"pair": {"config": {"g": g}}}}).success

    def seen() -> dict:
        out = {}
        for name in ("out_a", "out_b"):
            csv_path = table_path(tmp_path, name, suffix=".csv")
            out[name] = (int(pd.read_parquet(table_path(tmp_path, name))["g"].iloc[0]),
                         int(pd.read_csv(csv_path)["g"].iloc[0]) if csv_path.exists() else None)
        return out

    run(1)
    assert table_path(tmp_path, "out_a", suffix=".csv").is_symlink(), "the copy lives in the group's version"
    assert seen() == {"out_a": (1, 1), "out_b": (1, 1)}
    run(2, selection=["out_a"])
    assert seen() == {"out_a": (2, 2), "out_b": (1, 1)}, "the table not written keeps its copy, carried over"
    run(3, max_rows=2)
    assert seen() == {"out_a": (3, 3), "out_b": (3, None)}, "over the limit: no copy, the old one gone"
    assert not os.path.lexists(table_path(tmp_path, "out_b", suffix=".csv")), "no dangling link either"
    assert not (tmp_path / "model.csv").exists()


# ------------------------------------------------------------------------------------------ the yearly networks


def test_the_yearly_networks_cover_the_five_years_ending_with_the_year_as_out_network_edges_would(warehouse, monkeypatch):
    """Planted flows: every year 2014-2019 Beijing cites London once and London Beijing twice, Beijing's
    last authors write one paper with Washington; 2014 alone has 100 citations Washington -> Beijing
    (outside the window 2015-2019); one AI scientist moves Beijing -> London in 2016. On 2015-2019:
    impact B->L 5, L->B 10, no W->B; collaboration B->W 5; migration B->L 1; normalized impact of
    L->B = (10 / 10) / (50 / 150) = 3, exactly 1500/500. ``out_network_edges`` on the same window
    (the paper's windows set to 2015-2019) must agree edge for edge."""
    for name in ("AIGEO_IMPACT_MATRIX_YEARS", "AIGEO_COLLABORATION_YEARS", "AIGEO_MIGRATION_YEARS"):
        monkeypatch.setenv(name, "2015-2019")
    from aigeo_assets.assets.centrality import build_centrality_assets
    from aigeo_assets.assets.exports import build_export_assets
    from aigeo_assets.partitions import yearly_partitions
    from aigeo_assets.resources.settings import Settings

    settings = Settings.from_env()
    partitions = yearly_partitions(*settings.alshebli2022_years)
    wh = warehouse / "warehouse"
    for y in range(2012, 2020):
        impact = [(BEIJING, LONDON, 1), (LONDON, BEIJING, 2)] + ([(WASHINGTON, BEIJING, 100)] if y == 2014 else [])
        _write(wh / "out_impact_pairs" / f"{y}.parquet", pd.DataFrame(impact, columns=["row_city_geonames_id", "col_city_geonames_id", "value"]).assign(year=y))
        _write(wh / "out_collaboration_pairs" / f"{y}.parquet",
               pd.DataFrame({"year": [y], "row_city_geonames_id": [BEIJING], "col_city_geonames_id": [WASHINGTON], "value": [1]}))
        _write(wh / "out_city_year_metrics" / f"{y}.parquet", _metrics().assign(year=y, productivity=10))
        _write(wh / "out_world_year_totals" / f"{y}.parquet", pd.DataFrame({"year": [y], "productivity": [30]}))
    _write(wh / "core_author_years.parquet",
           pd.DataFrame({"author_id": ["a1", "a1"], "year": [2015, 2016], "city_geonames_id": [BEIJING, LONDON], "is_ai_scientist": [True, True]}))
    yearly_in = ("out_impact_pairs", "out_collaboration_pairs", "out_city_year_metrics", "out_world_year_totals")
    specs = [dg.AssetSpec(k, partitions_def=partitions) for k in yearly_in] + [dg.AssetSpec(k) for k in ("core_author_years", "out_top_cities")]
    io = {"io_manager": ParquetIOManager(base_dir=str(wh))}
    by_year = build_export_assets(partitions, settings)[0]
    paper = build_centrality_assets(partitions, settings)[0]
    assert dg.materialize([*specs, by_year], selection=[by_year], partition_key="2019", resources=io).success
    assert dg.materialize([*specs, paper], selection=[paper], resources=io).success

    yearly = pd.read_parquet(wh / "out_network_edges_by_year" / "2019.parquet")
    assert set(zip(yearly["window_start"], yearly["window_end"])) == {(2015, 2019)}
    weights = {(r.network, r.source_city_geonames_id, r.target_city_geonames_id): r.weight for r in yearly.itertuples()}
    assert weights == {
        ("impact", BEIJING, LONDON): 5.0, ("impact", LONDON, BEIJING): 10.0, ("collaboration", BEIJING, WASHINGTON): 5.0,
        ("migration", BEIJING, LONDON): 1.0, ("normalized_impact", BEIJING, LONDON): 3.0, ("normalized_impact", LONDON, BEIJING): 3.0,
    }
    ni = yearly[(yearly["network"] == "normalized_impact") & (yearly["source_city_geonames_id"] == LONDON)].iloc[0]
    assert (ni["weight_numerator"], ni["weight_denominator"]) == (1500, 500)
    key = ["network", "source_city_geonames_id", "target_city_geonames_id"]
    pd.testing.assert_frame_equal(
        yearly.drop(columns=["window_start", "window_end"]).sort_values(key).reset_index(drop=True),
        pd.read_parquet(wh / "out_network_edges.parquet").sort_values(key).reset_index(drop=True),
    )
    early = build_export_assets(partitions, settings)[0]
    assert dg.materialize([*specs, early], selection=[early], partition_key="2013", resources=io).success
    assert set(pd.read_parquet(wh / "out_network_edges_by_year" / "2013.parquet")["window_start"]) == {2012}, "shorter at the start"


# ------------------------------------------------------------------------------------------ the timeline


def test_the_timeline_asset_and_the_command_write_the_same_dynamic_gexf(warehouse, tmp_path_factory, capsys):
    """Three materialized years (2015-2017): the asset ``out_network_timeline`` and ``aigeo export``
    write the same bytes; London -> Beijing has its weight of each year (2, 6, 7), Beijing -> London
    only 2016's; ``--format vosviewer`` writes no timeline."""
    from aigeo_assets.assets.exports import build_export_assets
    from aigeo_assets.partitions import yearly_partitions
    from aigeo_assets.resources.settings import Settings

    wh = warehouse / "warehouse"
    for year, weights in ((2015, [6.0]), (2017, [7.0])):
        rows = _edges_table().iloc[[1]].assign(weight=weights, length=[1 / w for w in weights], window_start=year - 4,
                                                window_end=year)
        _write(wh / "out_network_edges_by_year" / f"{year}.parquet", conform(rows, "out_network_edges_by_year"))
    for year in (2015, 2016, 2017):
        _write(wh / "out_east_west_betweenness_by_year" / f"{year}.parquet", _betweenness().assign(window_end=year))
    settings = Settings.from_env()
    partitions = yearly_partitions(2015, 2017)
    timeline = build_export_assets(partitions, settings)[3]
    specs = [dg.AssetSpec("out_top_cities")]
    specs += [dg.AssetSpec(k, partitions_def=partitions)
              for k in ("out_network_edges_by_year", "out_east_west_betweenness_by_year", "out_city_year_metrics")]
    result = dg.materialize([*specs, timeline], selection=[timeline], resources={"io_manager": ParquetIOManager(base_dir=str(wh))})
    assert result.success
    assert result.asset_materializations_for_node(timeline.op.name)[0].metadata["years"].value == "2015-2017"
    folder = warehouse / "reports" / "networks" / "by_year"
    by_asset = {p.name: p.read_bytes() for p in folder.glob("*_timeline.gexf")}
    assert sorted(by_asset) == sorted(f"{n}_timeline.gexf" for n in ("impact", "migration", "collaboration", "normalized_impact"))
    g = nx.read_gexf(io.BytesIO(by_asset["impact_timeline.gexf"]))
    assert g.edges[str(LONDON), str(BEIJING)]["yearly_weight"] == [(6.0, 2015, 2015), (2.0, 2016, 2016), (7.0, 2017, 2017)]
    assert g.edges[str(BEIJING), str(LONDON)]["spells"] == [(2016, 2016)]
    assert g.nodes[str(BEIJING)]["east_west_betweenness"] == [(2.0, 2015, 2015), (2.0, 2016, 2016), (2.0, 2017, 2017)]
    for p in folder.glob("*_timeline.gexf"):
        p.unlink()
    assert main(["export", "--format", "gexf"]) == 0
    assert by_asset == {p.name: p.read_bytes() for p in folder.glob("*_timeline.gexf")}, "the command writes the same bytes"
    other = tmp_path_factory.mktemp("vos")
    capsys.readouterr()
    assert main(["export", "--format", "vosviewer", "--out", str(other)]) == 0
    assert "no yearly networks" not in capsys.readouterr().out
    assert not list(other.rglob("*_timeline.gexf")) and (other / "by_year" / "2016" / "impact_vosviewer_map.txt").is_file()
