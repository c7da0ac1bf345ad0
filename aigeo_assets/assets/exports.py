"""Group ``exports`` (and one ``centrality`` table): the city networks as files for Gephi, VOSviewer
and bibliometrix (issue 16), written under ``data/reports/networks/``.

* ``out_network_edges_by_year[year]`` (group ``centrality``): the four networks rebuilt on the
  five-year window ending each year, as ``out_east_west_betweenness_by_year`` rebuilds them (same
  builder, same windows), kept as a table so the yearly files and a user's own analysis read one
  thing.
* ``out_network_files``: the networks of the paper's windows (impact 2013-2017, collaboration and
  migration 2015-2019; ``out_network_edges``) as GEXF and VOSviewer map/network files in
  ``reports/networks/``, the cities' East-West betweenness on each network as node attributes.
* ``out_network_files_by_year[year]``: the same for each five-year window, in
  ``reports/networks/by_year/<year>/``, with the betweenness on that window.
* ``out_network_timeline``: every network's evolution over all the years of
  ``out_network_edges_by_year`` as one dynamic GEXF (Gephi's timeline),
  ``reports/networks/by_year/<network>_timeline.gexf``. **Choice:** an asset of its own, not part of
  ``out_network_files_by_year``: the timeline reads every year, so as a yearly partition it would be
  rewritten by each year's run (and by parallel runs at once); unpartitioned, it is written once,
  after the years it reads (``all_years_automation``).

Cities' coordinates come from ``out_city_year_metrics`` of the reference year (the year the top
cities are chosen in: every node is in it), as the network maps of Fig. 3 take them.
"""

import functools
from pathlib import Path

import dagster as dg
import pandas as pd

from aigeo_assets.atomic_files import write_files_atomic
from aigeo_assets.assets.metadata import OWNERS, migration_author_years, table_asset_args, table_metadata
from aigeo_assets.assets.ranges import YEARLY_RANGES, SlidingPartitions
from aigeo_assets.automation import all_years_automation, refresh_tags, yearly_automation
from aigeo_assets.networks.city_networks import NETWORKS, build_networks, edges_frame
from aigeo_assets.networks.export import (
    BRIDGE_WINDOW_YEARS,
    FORMATS,
    city_networks,
    network_files,
    networks_dir,
    paper_windows,
    timeline_files,
)
from aigeo_assets.reports.glossary import BLOCS, first_use
from aigeo_assets.resources.io import LOAD_ON_ACCESS, LazyPartitions, by_partition, concat_partitions
from aigeo_assets.resources.settings import Settings
from aigeo_assets.schemas import SCHEMAS

GROUP = "exports"
GEXF = first_use("GEXF")
EW_BETWEENNESS = first_use("East\u2013West betweenness")
COORDINATE_COLUMNS = ["city_geonames_id", "latitude", "longitude"]


def yearly_edges(networks: dict, window: tuple[int, int]) -> pd.DataFrame:
    """``out_network_edges_by_year`` from ``build_networks`` on one window."""
    df = edges_frame(networks)
    df.insert(0, "window_end", window[1])
    df.insert(0, "window_start", window[0])
    return df


def _files_result(paths: list[Path], out_dir: Path, networks: dict, **extra) -> dg.MaterializeResult:
    return dg.MaterializeResult(
        metadata={
            "folder": dg.MetadataValue.path(str(out_dir)),
            "files": dg.MetadataValue.json([p.name for p in paths]),
            "edges_per_network": dg.MetadataValue.json({n: len(net.edges) for n, net in networks.items()}),
            "cities": len(next(iter(networks.values())).nodes) if networks else 0,
            "how_to_open": dg.MetadataValue.md(
                "Gephi: File > Open the `.gexf` (nodes placed by longitude/latitude, East red, West blue). "
                "VOSviewer: Create > *Create a map based on network data* > the `_vosviewer_map.txt` and "
                "`_vosviewer_network.txt` files. networkx: `nx.read_gexf(path)`."
            ),
            **extra,
        }
    )


def build_export_assets(partitions: dg.PartitionsDefinition, settings: Settings) -> list:
    n = max(settings.top_ns)
    out_dir = networks_dir(settings.data_dir)
    last_five = dg.TimeWindowPartitionMapping(start_offset=-(BRIDGE_WINDOW_YEARS - 1), end_offset=0)
    reference = dg.AssetIn(
        "out_city_year_metrics",
        partition_mapping=dg.SpecificPartitionsPartitionMapping([str(settings.reference_year)]),
        metadata={"columns": COORDINATE_COLUMNS},
    )
    file_kinds = {"gexf", "vosviewer"}
    one_pass = YEARLY_RANGES  # the yearly networks and their files: a run may cover a range of years

    @dg.asset(
        **table_asset_args(
            "out_network_edges_by_year",
            "centrality",
            f"The impact, migration, collaboration and normalized-impact networks between the top {n} cities on the "
            f"{BRIDGE_WINDOW_YEARS}-year window ending each year (shorter at the start of the series); directed, weighted, "
            "length = 1 / weight (beyond the paper).",
        ),
        partitions_def=partitions,
        backfill_policy=one_pass,
        automation_condition=yearly_automation(), tags=refresh_tags("yearly"),
        ins={
            "out_impact_pairs": dg.AssetIn(partition_mapping=last_five, metadata={LOAD_ON_ACCESS: True}),
            "out_collaboration_pairs": dg.AssetIn(partition_mapping=last_five, metadata={LOAD_ON_ACCESS: True}),
            "out_city_year_metrics": dg.AssetIn(partition_mapping=last_five, metadata={LOAD_ON_ACCESS: True}),
            "out_world_year_totals": dg.AssetIn(partition_mapping=last_five, metadata={LOAD_ON_ACCESS: True}),
            "core_author_years": migration_author_years(),
        },
    )
    def out_network_edges_by_year(
        context: dg.AssetExecutionContext,
        out_impact_pairs,
        out_collaboration_pairs,
        out_city_year_metrics,
        out_world_year_totals,
        core_author_years: pd.DataFrame,
        out_top_cities: pd.DataFrame,
    ) -> dg.Output:
        """The networks of the five years ending with the partition's year, built as
        ``out_east_west_betweenness_by_year`` builds them (``build_networks``); fewer than two top
        cities make no network (an empty table, and the metadata says why). A run may cover a range of
        years: each year's window is read once for the range (``SlidingPartitions``) and each year is
        built when the IO manager writes it."""
        keys = list(context.partition_keys)
        read = [str(y) for y in sorted(int(k) for k in context.asset_partition_keys_for_input("out_impact_pairs"))]
        inputs = {name: SlidingPartitions(by_partition(value, read)) for name, value in (
            ("impact", out_impact_pairs), ("collaboration", out_collaboration_pairs), ("metrics", out_city_year_metrics),
            ("world", out_world_year_totals))}

        def year_table(key: str) -> pd.DataFrame:
            year = int(key)
            first = str(max(int(read[0]), year - BRIDGE_WINDOW_YEARS + 1))
            window = (int(first), year)
            if len(out_top_cities) < 2:
                df = SCHEMAS["out_network_edges_by_year"].empty()
                context.add_asset_metadata(table_metadata(df, "out_network_edges_by_year", window=f"{window[0]}-{year}",
                                                          note=f"{len(out_top_cities)} top cities: a network needs at least two"),
                                           partition_key=key)
                return df
            tables = {name: concat_partitions(frames.window(first, key)) for name, frames in inputs.items()}
            networks = build_networks(tables["impact"], tables["collaboration"], core_author_years, tables["metrics"], tables["world"],
                                      out_top_cities, n, window)
            df = yearly_edges(networks, window)
            context.add_asset_metadata(table_metadata(df, "out_network_edges_by_year", window=f"{window[0]}-{year}",
                                                      edges_per_network=df["network"].value_counts().to_dict(), top_n=n),
                                       partition_key=key)
            return df

        return dg.Output(LazyPartitions({k: functools.partial(year_table, k) for k in keys}))

    @dg.asset(
        name="out_network_files",
        group_name=GROUP,
        kinds=file_kinds,
        owners=OWNERS,
        description=f"The impact, migration, collaboration and normalized-impact networks between the top {n} cities "
        f"(Fig. 3's windows) as {GEXF} 1.3 files (for Gephi, networkx) and VOSviewer map and network files, with each "
        f"city's country, bloc ({BLOCS}), coordinates and {EW_BETWEENNESS}, under data/reports/networks/.",
        ins={"out_network_edges": dg.AssetIn(), "out_top_cities": dg.AssetIn(), "out_east_west_betweenness": dg.AssetIn(),
             "out_city_year_metrics": reference},
    )
    def out_network_files(out_network_edges: pd.DataFrame, out_top_cities: pd.DataFrame, out_east_west_betweenness: pd.DataFrame,
                          out_city_year_metrics: pd.DataFrame) -> dg.MaterializeResult:
        """Every network of ``out_network_edges`` written as ``<network>.gexf``,
        ``<network>_vosviewer_map.txt`` and ``<network>_vosviewer_network.txt`` (all files of one
        materialization replaced together); a thin sample with fewer than two top cities writes none."""
        if len(out_top_cities) < 2:
            return dg.MaterializeResult(metadata={"note": f"{len(out_top_cities)} top cities: no network to write"})
        networks = city_networks(out_network_edges, out_top_cities, n, paper_windows(settings),
                                 coordinates=out_city_year_metrics, betweenness=out_east_west_betweenness)
        paths = write_files_atomic([(out_dir / k, v) for k, v in network_files(networks, FORMATS).items()], skip_unchanged=True)
        return _files_result(paths, out_dir, networks)

    @dg.asset(
        name="out_network_files_by_year",
        group_name=GROUP,
        kinds=file_kinds,
        owners=OWNERS,
        partitions_def=partitions,
        backfill_policy=one_pass,
        automation_condition=yearly_automation(), tags=refresh_tags("yearly"),
        description=f"The networks on the {BRIDGE_WINDOW_YEARS}-year window ending each year as {GEXF} and VOSviewer "
        f"files (data/reports/networks/by_year/<year>/), with each city's {EW_BETWEENNESS} on that window ({BLOCS}).",
        ins={"out_network_edges_by_year": dg.AssetIn(metadata={LOAD_ON_ACCESS: True}), "out_top_cities": dg.AssetIn(),
             "out_east_west_betweenness_by_year": dg.AssetIn(metadata={LOAD_ON_ACCESS: True}), "out_city_year_metrics": reference},
    )
    def out_network_files_by_year(context: dg.AssetExecutionContext, out_network_edges_by_year, out_top_cities: pd.DataFrame,
                                  out_east_west_betweenness_by_year, out_city_year_metrics: pd.DataFrame) -> dg.MaterializeResult:
        """One year window's networks written as ``out_network_files`` writes the paper's; a run may
        cover a range of years, each year's files written and described (metadata) as a one-year run would."""
        keys = list(context.partition_keys)
        edges, betweenness = by_partition(out_network_edges_by_year, keys), by_partition(out_east_west_betweenness_by_year, keys)
        first = int(partitions.get_first_partition_key())
        for year in keys:
            folder = out_dir / "by_year" / year
            if len(out_top_cities) < 2:
                context.add_asset_metadata({"note": f"{len(out_top_cities)} top cities: no network to write", "year": year}, partition_key=year)
                continue
            window = (max(first, int(year) - BRIDGE_WINDOW_YEARS + 1), int(year))
            networks = city_networks(edges[year], out_top_cities, n, {name: window for name in NETWORKS},
                                     coordinates=out_city_year_metrics, betweenness=betweenness[year])
            paths = write_files_atomic([(folder / k, v) for k, v in network_files(networks, FORMATS).items()], skip_unchanged=True)
            context.add_asset_metadata(_files_result(paths, folder, networks, window=f"{window[0]}-{window[1]}", year=year).metadata,
                                       partition_key=year)
        return dg.MaterializeResult()

    @dg.asset(
        name="out_network_timeline",
        group_name=GROUP,
        kinds={"gexf"},
        owners=OWNERS,
        automation_condition=all_years_automation(), tags=refresh_tags("all_years"),
        description=f"Each network's evolution over the years as one dynamic {GEXF} file for Gephi's timeline "
        "(data/reports/networks/by_year/<network>_timeline.gexf): year Y holds the network of the "
        f"{BRIDGE_WINDOW_YEARS}-year window ending with Y, edges with their weight per year, cities with their "
        f"strength and {EW_BETWEENNESS} per year ({BLOCS}).",
        ins={"out_network_edges_by_year": dg.AssetIn(), "out_top_cities": dg.AssetIn(),
             "out_east_west_betweenness_by_year": dg.AssetIn(), "out_city_year_metrics": reference},
    )
    def out_network_timeline(context: dg.AssetExecutionContext, out_network_edges_by_year, out_top_cities: pd.DataFrame,
                             out_east_west_betweenness_by_year, out_city_year_metrics: pd.DataFrame) -> dg.MaterializeResult:
        """``<network>_timeline.gexf`` for every network, over every year of ``out_network_edges_by_year``
        (``timeline_files``; all four replaced together); a thin sample with fewer than two top cities
        writes none."""
        folder = out_dir / "by_year"
        if len(out_top_cities) < 2:
            return dg.MaterializeResult(metadata={"note": f"{len(out_top_cities)} top cities: no network to write"})
        years = sorted(int(k) for k in context.asset_partition_keys_for_input("out_network_edges_by_year"))
        edges = concat_partitions(out_network_edges_by_year)
        files = timeline_files(edges, out_top_cities, n, years=years, coordinates=out_city_year_metrics,
                               betweenness_by_year=concat_partitions(out_east_west_betweenness_by_year))
        paths = write_files_atomic([(folder / k, v) for k, v in files.items()], skip_unchanged=True)
        per_network = edges["network"].value_counts().to_dict() if len(edges) else {}
        return dg.MaterializeResult(
            metadata={
                "folder": dg.MetadataValue.path(str(folder)),
                "files": dg.MetadataValue.json([p.name for p in paths]),
                "years": f"{years[0]}-{years[-1]}" if years else "none",
                "edge_years_per_network": dg.MetadataValue.json({k: int(v) for k, v in per_network.items()}),
                "how_to_open": dg.MetadataValue.md(
                    "Gephi: File > Open a `_timeline.gexf`, then Window > Timeline and play it (nodes placed by "
                    "longitude/latitude; edge weight and city strength change with the year). networkx: "
                    "`nx.read_gexf(path)` gives each edge's `yearly_weight` as (value, year, year) tuples."
                ),
            }
        )

    return [out_network_edges_by_year, out_network_files, out_network_files_by_year, out_network_timeline]
