"""Group ``centrality``: the city networks, East-West betweenness and the robustness centralities
(AlShebli et al. 2022, Fig. 3, Methods Definitions 1-2, Supplementary Fig. 10 and Tables 4-8)."""

import functools

import dagster as dg
import pandas as pd

from aigeo_assets.automation import refresh_tags, yearly_automation
from aigeo_assets.assets.metadata import migration_author_years, table_asset_args, table_metadata
from aigeo_assets.assets.ranges import YEARLY_RANGES
from aigeo_assets.centrality.betweenness import east_west_betweenness
from aigeo_assets.centrality.robustness import robustness_tables
from aigeo_assets.centrality.tables import betweenness_long, robustness_long
from aigeo_assets.networks.city_networks import build_networks, edges_frame, networks_from_edges
from aigeo_assets.partitions import year_keys
from aigeo_assets.reports.glossary import BLOCS, first_use
from aigeo_assets.resources.io import LOAD_ON_ACCESS, LazyPartitions, by_partition, concat_partitions
from aigeo_assets.resources.settings import Settings
from aigeo_assets.schemas import SCHEMAS

GROUP = "centrality"
BRIDGE_WINDOW_YEARS = 5


def _concat(frames: list[pd.DataFrame], table: str) -> pd.DataFrame:
    """The networks' tables stacked; the declared empty table when there is no network (a thin
    snapshot: fewer than two top cities, no edge)."""
    return pd.concat(frames, ignore_index=True) if frames else SCHEMAS[table].empty()


def _too_few(top: pd.DataFrame) -> str:
    return f"{len(top)} top cit{'y' if len(top) == 1 else 'ies'} in the reference year: a network needs at least two"


def _top_by_network(df: pd.DataFrame, k: int = 3) -> dict:
    return {str(n): g.nsmallest(k, "rank")["city_name"].tolist() for n, g in df.groupby("network")}


def build_centrality_assets(partitions: dg.PartitionsDefinition, settings: Settings) -> list:
    n = max(settings.top_ns)
    matrix_years = settings.clamp(settings.impact_matrix_years)
    collab_years = settings.clamp(settings.collaboration_years)
    migration_years = settings.clamp(settings.migration_years)
    impact_window = dg.SpecificPartitionsPartitionMapping(year_keys(*matrix_years))
    collab_window = dg.SpecificPartitionsPartitionMapping(year_keys(*collab_years))
    author_years = migration_author_years()  # the migration network's

    def _networks(impact_pairs, collaboration_pairs, metrics, world, author_years, top, migration: tuple[int, int]):
        """The four networks between the top ``n`` cities from the loaded (possibly multi-partition) inputs."""
        return build_networks(
            concat_partitions(impact_pairs),
            concat_partitions(collaboration_pairs),
            author_years,
            concat_partitions(metrics),
            concat_partitions(world),
            top,
            n,
            migration,
        )

    @dg.asset(
        **table_asset_args("out_network_edges", GROUP),
        ins={
            "out_impact_pairs": dg.AssetIn(partition_mapping=impact_window),
            "out_city_year_metrics": dg.AssetIn(partition_mapping=impact_window),
            "out_world_year_totals": dg.AssetIn(partition_mapping=impact_window),
            "out_collaboration_pairs": dg.AssetIn(partition_mapping=collab_window),
            "core_author_years": author_years,
        },
    )
    def out_network_edges(
        out_impact_pairs, out_city_year_metrics, out_world_year_totals, out_collaboration_pairs, core_author_years: pd.DataFrame, out_top_cities: pd.DataFrame
    ) -> dg.Output:
        """The impact (2013-2017), migration and collaboration (2015-2019) networks between the top
        100 cities, and the normalized-impact network (Supplementary Fig. 10); directed, weighted,
        self-loops left out, edge length = 1 / weight (Methods). Fewer than two top cities (thin
        data) make no network: the table is empty and the metadata says why."""
        if len(out_top_cities) < 2:
            df = SCHEMAS["out_network_edges"].empty()
            return dg.Output(df, metadata=table_metadata(df, "out_network_edges", top_n=n, note=_too_few(out_top_cities)))
        networks = _networks(
            out_impact_pairs, out_collaboration_pairs, out_city_year_metrics, out_world_year_totals, core_author_years, out_top_cities, migration_years
        )
        df = edges_frame(networks)
        return dg.Output(df, metadata=table_metadata(df, "out_network_edges", edges_per_network=df["network"].value_counts().to_dict(), top_n=n))

    @dg.asset(**table_asset_args("out_east_west_betweenness", GROUP, kinds={"graph-tool"}))
    def out_east_west_betweenness(out_network_edges: pd.DataFrame, out_top_cities: pd.DataFrame) -> dg.Output:
        """East-West betweenness (AlShebli et al. 2022, Definition 2) of the top cities on each network, with the
        standard betweenness (Definition 1) beside it: how much a city sits on the shortest paths
        between Eastern and Western cities."""
        frames = []
        for name, (nodes, edges) in networks_from_edges(out_network_edges, out_top_cities, n).items():
            frames.append(betweenness_long(name, matrix_years[1], east_west_betweenness(nodes, edges), nodes))
        df = _concat(frames, "out_east_west_betweenness")
        return dg.Output(df, metadata=table_metadata(df, "out_east_west_betweenness", top_bridges=_top_by_network(df)))

    @dg.asset(**table_asset_args("out_robustness_centralities", GROUP, kinds={"graph-tool"}))
    def out_robustness_centralities(out_network_edges: pd.DataFrame, out_top_cities: pd.DataFrame) -> dg.Output:
        """Degree, harmonic closeness, PageRank, and independent-cascade and linear-threshold
        influence (1,000 Monte Carlo runs, fixed seed) of the top cities on each network
        (Supplementary Tables 4-8)."""
        frames = [
            robustness_long(name, robustness_tables(nodes, edges, network=name), nodes)
            for name, (nodes, edges) in networks_from_edges(out_network_edges, out_top_cities, n).items()
        ]
        df = _concat(frames, "out_robustness_centralities")
        leaders = {f"{net}/{m}": g.nsmallest(1, "rank")["city_name"].iloc[0] for (net, m), g in df.groupby(["network", "measure"])}
        return dg.Output(df, metadata=table_metadata(df, "out_robustness_centralities", leaders=leaders))

    @dg.asset(
        **table_asset_args(
            "out_east_west_betweenness",
            GROUP,
            first_use("East\u2013West betweenness") + f" on the {BRIDGE_WINDOW_YEARS}-year window ending each year "
            f"(beyond the paper; {BLOCS}).",
        ),
        name="out_east_west_betweenness_by_year",
        partitions_def=partitions,
        backfill_policy=YEARLY_RANGES,
        automation_condition=yearly_automation(), tags=refresh_tags("yearly"),
        ins={"out_network_edges_by_year": dg.AssetIn(metadata={LOAD_ON_ACCESS: True})},
    )
    def out_east_west_betweenness_by_year(context: dg.AssetExecutionContext, out_network_edges_by_year, out_top_cities: pd.DataFrame) -> dg.Output:
        """Every top city's East-West betweenness on each network of the five years ending with the
        partition's year (``out_network_edges_by_year``, shorter at the start of the series), so a
        user sees how a city's bridging role grows. A run may cover a range of years, each computed
        from its own year's networks when the IO manager writes it."""
        keys = list(context.partition_keys)
        edges_by_year = by_partition(out_network_edges_by_year, keys)

        def year_table(key: str) -> pd.DataFrame:
            year = int(key)
            edges = edges_by_year[key]
            window = f"{int(edges['window_start'].iloc[0])}-{year}" if len(edges) else str(year)
            if len(out_top_cities) < 2:
                df = SCHEMAS["out_east_west_betweenness"].empty()
                context.add_asset_metadata(table_metadata(df, "out_east_west_betweenness", window=window, note=_too_few(out_top_cities)),
                                           partition_key=key)
                return df
            networks = networks_from_edges(edges, out_top_cities, n)
            frames = [betweenness_long(name, year, east_west_betweenness(nodes, edges_), nodes) for name, (nodes, edges_) in networks.items()]
            df = _concat(frames, "out_east_west_betweenness")
            context.add_asset_metadata(table_metadata(df, "out_east_west_betweenness", window=window, top_bridges=_top_by_network(df)),
                                       partition_key=key)
            return df

        return dg.Output(LazyPartitions({k: functools.partial(year_table, k) for k in keys}))

    return [out_network_edges, out_east_west_betweenness, out_robustness_centralities, out_east_west_betweenness_by_year]
