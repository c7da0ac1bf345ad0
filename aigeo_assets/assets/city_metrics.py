"""Group ``city_metrics``: cities compared by year, the top cities, and the Fig. 2 matrices (AlShebli et al. 2022).

The yearly tables that read a citation window (``out_city_year_metrics``, ``out_world_year_totals``,
``out_impact_pairs``) have a single-run backfill policy: one run may cover a range of years, reading
each citation partition once for the whole range instead of once per year whose window holds it, and
writing one table per year (the functions of ``metrics.cities`` stay per year)."""

from collections import defaultdict
from collections.abc import Iterator, Mapping

import dagster as dg
import numpy as np
import pandas as pd

from aigeo_assets.automation import all_years_automation, refresh_tags, yearly_automation
from aigeo_assets.assets.metadata import check_result, migration_author_years, partitions_label, table_asset_args, table_metadata, table_out
from aigeo_assets.corpus.papers import city_table
from aigeo_assets.metrics.cities import (
    AI_SCIENTIST_ROWS,
    AUTHOR_YEAR_COLUMNS,
    COLLABORATION_INPUT_COLUMNS,
    CORPUS_CITATION_ROWS,
    CORPUS_PAPER_ROWS,
    METRIC_PAPER_COLUMNS,
    WINDOW_INPUT_COLUMNS,
    ImpactWindows,
    city_year_metrics,
    collaboration_pairs,
    impact_pairs,
    scientists_by_year,
)
from aigeo_assets.metrics.matrices import collaboration_matrix, impact_matrix, migration_matrix, over_impact_matrix
from aigeo_assets.metrics.top import city_ranks, top_cities, top_city_shares
from aigeo_assets.metrics.venues import VENUE_INPUT_COLUMNS, venue_east_west
from aigeo_assets.partitions import only_years, year_keys
from aigeo_assets.resources.io import LOAD_ON_ACCESS, ROWS, by_partition, concat_partitions
from aigeo_assets.resources.analysis import AnalysisSettings
from aigeo_assets.resources.settings import Settings
from aigeo_assets.schemas import SCHEMAS

GROUP = "city_metrics"


def windows_by_cited_year(
    citations: Mapping[str, pd.DataFrame], years: list[int], reach: int
) -> Iterator[tuple[int, pd.DataFrame, list[int]]]:
    """For each of ``years`` (ascending): the citations of papers of that year made in year..year+reach,
    and the citing years among ``citations`` (``{citing year: core_citations}``) in that window.

    The rows are those a one-year run reads (the window's partitions, concatenated in order) that cite
    the year's papers, in the same order, so ``window_citations`` and the functions after it give the
    same result. Each partition is read once (``LazyPartitions``: when the first window reaching it
    comes), split by cited year, and only the pieces of years still ahead are kept, so memory holds
    about one window."""
    citing = sorted(int(k) for k in citations)
    pending: dict[int, list[pd.DataFrame]] = defaultdict(list)
    ahead = sorted(years)
    loaded = 0  # citing[:loaded] have been read and split
    for year in ahead:
        window = [k for k in citing if year <= k <= year + reach]
        while loaded < len(citing) and citing[loaded] <= year + reach:
            k = citing[loaded]
            frame = citations[str(k)]
            cited = frame["cited_year"].to_numpy(dtype="float64", na_value=np.nan)
            for y in ahead:
                if y >= year and y <= k <= y + reach:
                    pending[y].append(frame.iloc[np.flatnonzero(cited == y)])
            loaded += 1
        pieces = pending.pop(year, [])
        yield year, pd.concat(pieces, ignore_index=True) if pieces else pd.DataFrame(), window


def _matrix_metadata(df: pd.DataFrame, settings: Settings, years: tuple[int, int] | None) -> dict:
    extra = {"top_ns": list(settings.top_ns), "reference_year": settings.reference_year}
    if years:
        extra["window"] = f"{years[0]}-{years[1]}"
    return table_metadata(df, "out_city_matrix", **extra)


def build_city_metric_assets(partitions: dg.PartitionsDefinition, settings: Settings) -> list:
    window = dg.TimeWindowPartitionMapping(start_offset=0, end_offset=max(settings.impact_window, settings.long_impact_window))
    impact_window = dg.TimeWindowPartitionMapping(start_offset=0, end_offset=settings.impact_window)
    matrix_years = settings.clamp(settings.impact_matrix_years)
    collab_years = settings.clamp(settings.collaboration_years)
    migration_years = settings.clamp(settings.migration_years)
    reference = dg.SpecificPartitionsPartitionMapping([str(settings.reference_year)])
    in_matrix_window = dg.SpecificPartitionsPartitionMapping(year_keys(*matrix_years))

    reach = max(settings.impact_window, settings.long_impact_window)
    one_pass = dg.BackfillPolicy.single_run()

    @dg.multi_asset(
        outs={
            "out_city_year_metrics": table_out("out_city_year_metrics", GROUP, automation_condition=yearly_automation(), tags=refresh_tags("yearly")),
            "out_world_year_totals": table_out("out_world_year_totals", GROUP, automation_condition=yearly_automation(), tags=refresh_tags("yearly")),
        },
        partitions_def=partitions,
        backfill_policy=one_pass,
        ins={
            "core_papers": dg.AssetIn(metadata={"columns": METRIC_PAPER_COLUMNS, ROWS: CORPUS_PAPER_ROWS}),
            "core_citations": dg.AssetIn(partition_mapping=window, metadata={"columns": WINDOW_INPUT_COLUMNS, ROWS: CORPUS_CITATION_ROWS,
                                                                             LOAD_ON_ACCESS: True}),
            "core_author_years": dg.AssetIn(metadata={"columns": AUTHOR_YEAR_COLUMNS, ROWS: AI_SCIENTIST_ROWS}),
        },
        check_specs=[
            dg.AssetCheckSpec(
                "impact_window_complete",
                asset="out_city_year_metrics",
                description=f"every citing year y..y+{settings.impact_window} was read, for every year of the run "
                "(warns for the newest years)",
            )
        ],
    )
    def out_city_year_metrics(
        context: dg.AssetExecutionContext,
        core_papers,
        core_citations,
        core_author_years: pd.DataFrame,
        core_institutions: pd.DataFrame,
        analysis: AnalysisSettings,
    ):
        """Impact, productivity and AI scientists of every city in the year (AlShebli et al. 2022, Fig. 1 and
        Supplementary Fig. 1), with the world totals. Impact reads the citations made in y..y+2 (and
        y..y+5 for the long window); Dagster maps those citing years, clamped at the newest partition,
        and a window that is cut short is flagged, never reported as complete.

        A run may cover a range of years (single-run backfill policy): the citation partitions are read
        once for the range (``windows_by_cited_year``) and each year is computed, stored and described
        (metadata) as a one-year run would. **Choice:** the check ``impact_window_complete`` is one
        result per run (Dagster checks are not per partition here): it passes when every year of the
        run has its window, and its metadata lists the years that do not."""
        keys = list(context.partition_keys)
        papers = by_partition(core_papers, keys)
        windows = ImpactWindows(settings.impact_window, settings.long_impact_window, analysis.impact_citing)  # type: ignore[arg-type]
        cities = city_table(core_institutions)
        metrics_by_year, world_by_year, read_by_year, incomplete = {}, {}, {}, []
        citing = by_partition(core_citations, context.asset_partition_keys_for_input("core_citations"))
        scientists = scientists_by_year(core_author_years)
        no_scientists = core_author_years.iloc[:0]
        for year, citations, available in windows_by_cited_year(citing, [int(k) for k in keys], reach):
            key = str(year)
            metrics, world = city_year_metrics(year, papers[key], citations, scientists.get(year, no_scientists), cities, available, windows)
            complete = bool(world.loc[0, "impact_window_complete"])
            if not complete:
                incomplete.append(year)
            context.add_asset_metadata(
                table_metadata(
                    metrics,
                    "out_city_year_metrics",
                    year=year,
                    impact_window_complete=complete,
                    impact_long_window_complete=bool(world.loc[0, "impact_long_window_complete"]),
                    citing_years_read=available,
                    most_impactful=metrics.head(5)[["city_name", "impact", "productivity"]].to_dict("records"),
                ),
                asset_key="out_city_year_metrics",
                partition_key=key,
            )
            context.add_asset_metadata(
                table_metadata(world, "out_world_year_totals", **world.iloc[0].to_dict()), asset_key="out_world_year_totals", partition_key=key
            )
            metrics_by_year[key], world_by_year[key], read_by_year[key] = metrics, world, available
        if len(keys) == 1:
            check_meta = {"citing_years_read": read_by_year[keys[0]], "window": f"{keys[0]}-{int(keys[0]) + settings.impact_window}"}
        else:
            check_meta = {"years": f"{keys[0]}-{keys[-1]}", "years_incomplete": incomplete, "citing_years_read": read_by_year}
        reason = ("every citing year of the impact window is observed" if not incomplete else
                  f"citations after the last year are not observed: the window of {', '.join(map(str, incomplete))} is cut short")
        yield check_result("impact_window_complete", not incomplete, reason, partition=partitions_label(keys),
                           asset_key="out_city_year_metrics", severity=dg.AssetCheckSeverity.WARN, **check_meta)
        yield dg.Output(metrics_by_year, output_name="out_city_year_metrics")
        yield dg.Output(world_by_year, output_name="out_world_year_totals")

    @dg.asset(
        **table_asset_args(
            "out_city_pairs", GROUP, "Citations from city to city for the papers of the year y, made in y..y+2 (the year and the two after it)."
        ),
        partitions_def=partitions,
        backfill_policy=one_pass,
        automation_condition=yearly_automation(), tags=refresh_tags("yearly"),
        ins={"core_citations": dg.AssetIn(partition_mapping=impact_window,
                                          metadata={"columns": WINDOW_INPUT_COLUMNS, ROWS: CORPUS_CITATION_ROWS, LOAD_ON_ACCESS: True})},
    )
    def out_impact_pairs(context: dg.AssetExecutionContext, core_citations, analysis: AnalysisSettings) -> dg.Output:
        """Fig. 2a's yearly counts: citations from papers of city i to papers of city j published in
        the year, made in y..y+2; the window matrix sums them over its years. A run may cover a range
        of years, reading each citation partition once (as ``out_city_year_metrics``)."""
        windows = ImpactWindows(settings.impact_window, settings.long_impact_window, analysis.impact_citing)  # type: ignore[arg-type]
        out = {}
        citing = by_partition(core_citations, context.asset_partition_keys_for_input("core_citations"))
        for year, citations, available in windows_by_cited_year(citing, [int(k) for k in context.partition_keys], settings.impact_window):
            df = impact_pairs(year, citations, windows)
            context.add_asset_metadata(table_metadata(df, "out_city_pairs", year=year, citing_years_read=available), partition_key=str(year))
            out[str(year)] = df
        return dg.Output(out)

    @dg.asset(
        **table_asset_args("out_city_pairs", GROUP, "Papers of the year by last author's city and co-author's city."),
        partitions_def=partitions,
        automation_condition=yearly_automation(), tags=refresh_tags("yearly"),
        ins={
            "core_papers": dg.AssetIn(metadata={"columns": list(COLLABORATION_INPUT_COLUMNS["core_papers"]), ROWS: CORPUS_PAPER_ROWS}),
            "core_affiliations": dg.AssetIn(metadata={"columns": list(COLLABORATION_INPUT_COLUMNS["core_affiliations"])}),
        },
    )
    def out_collaboration_pairs(context: dg.AssetExecutionContext, core_papers: pd.DataFrame, core_affiliations: pd.DataFrame) -> dg.Output:
        """Fig. 2d's yearly counts: papers whose last author is in city i and a co-author in city j."""
        df = collaboration_pairs(int(context.partition_key), core_papers, core_affiliations)
        return dg.Output(df, metadata=table_metadata(df, "out_city_pairs", year=int(context.partition_key)))

    @dg.asset(
        **table_asset_args("out_top_cities", GROUP),
        ins={"out_city_year_metrics": dg.AssetIn(partition_mapping=reference)},
    )
    def out_top_cities(out_city_year_metrics: pd.DataFrame) -> dg.Output:
        """The most impactful cities of the reference year (AlShebli et al. 2022: "the 20 cities that were most
        impactful in AI in 2017"); the largest N of AIGEO_TOP_N are kept, ranked. A reference year
        without any located city (thin data) gives no top city, and the metadata says so."""
        if out_city_year_metrics.empty:
            df = SCHEMAS["out_top_cities"].empty()
            note = f"no city has metrics in the reference year {settings.reference_year} (AIGEO_REFERENCE_YEAR)"
            return dg.Output(df, metadata=table_metadata(df, "out_top_cities", top_20=[], note=note))
        df = top_cities(out_city_year_metrics, settings.reference_year, max(settings.top_ns))
        return dg.Output(df, metadata=table_metadata(df, "out_top_cities", top_20=df["city_name"].head(20).tolist()))

    eager = all_years_automation()

    @dg.asset(**table_asset_args("out_city_ranks", GROUP), automation_condition=eager, tags=refresh_tags("all_years"))
    def out_city_ranks(out_city_year_metrics) -> dg.Output:
        """Every city's value, relative value and rank per year (Fig. 1, right-hand sides)."""
        df = city_ranks(concat_partitions(out_city_year_metrics))
        return dg.Output(df, metadata=table_metadata(df, "out_city_ranks"))

    @dg.asset(**table_asset_args("out_top_city_shares", GROUP), automation_condition=eager, tags=refresh_tags("all_years"))
    def out_top_city_shares(out_city_year_metrics, out_world_year_totals, out_top_cities: pd.DataFrame) -> dg.Output:
        """The top cities' share of world impact, productivity and AI scientists (Supplementary Fig. 2);
        empty, saying why, when there is no top city (thin data)."""
        if out_top_cities.empty:
            df = SCHEMAS["out_top_city_shares"].empty()
            return dg.Output(df, metadata=table_metadata(df, "out_top_city_shares", note="no top city in the reference year"))
        df = top_city_shares(
            concat_partitions(out_city_year_metrics), concat_partitions(out_world_year_totals), out_top_cities, settings.top_ns
        )
        return dg.Output(df, metadata=table_metadata(df, "out_top_city_shares"))

    matrix_ins = {
        "out_impact_pairs": dg.AssetIn(partition_mapping=in_matrix_window),
        "out_city_year_metrics": dg.AssetIn(partition_mapping=in_matrix_window),
        "out_world_year_totals": dg.AssetIn(partition_mapping=in_matrix_window),
    }

    @dg.asset(
        **table_asset_args("out_city_matrix", GROUP, f"Fig. 2a: citations between the top cities, {matrix_years[0]}-{matrix_years[1]}."),
        ins={"out_impact_pairs": matrix_ins["out_impact_pairs"]},
    )
    def out_impact_matrix(out_impact_pairs, out_top_cities: pd.DataFrame) -> dg.Output:
        """Fig. 2a: cell (i, j) = citations from city i to city j's papers of each window year y,
        counted over y..y+2, summed over the window (default 2013-2017)."""
        df = impact_matrix(concat_partitions(out_impact_pairs), out_top_cities, settings.top_ns)
        return dg.Output(df, metadata=_matrix_metadata(df, settings, matrix_years))

    @dg.asset(
        **table_asset_args("out_city_matrix", GROUP, f"Fig. 2b: observed minus expected citations, {matrix_years[0]}-{matrix_years[1]}."),
        ins=matrix_ins,
    )
    def out_over_impact_matrix(
        out_impact_pairs, out_city_year_metrics, out_world_year_totals, out_top_cities: pd.DataFrame, analysis: AnalysisSettings
    ) -> dg.Output:
        """Fig. 2b: observed minus expected citations under the baseline where the chance of citing
        city j is its share of papers, expected(i, j) = (n_j / n) x m_i, computed year by year and
        summed over the window."""
        df = over_impact_matrix(
            concat_partitions(out_impact_pairs),
            concat_partitions(out_city_year_metrics),
            concat_partitions(out_world_year_totals),
            out_top_cities,
            settings.top_ns,
            analysis.over_impact_universe,  # type: ignore[arg-type]
        )
        meta = _matrix_metadata(df, settings, matrix_years)
        meta["universe"] = analysis.over_impact_universe
        return dg.Output(df, metadata=meta)

    @dg.asset(
        **table_asset_args("out_city_matrix", GROUP, f"Fig. 2d: collaborations between the top cities, {collab_years[0]}-{collab_years[1]}."),
        ins={"out_collaboration_pairs": dg.AssetIn(partition_mapping=dg.SpecificPartitionsPartitionMapping(year_keys(*collab_years)))},
    )
    def out_collaboration_matrix(out_collaboration_pairs, out_top_cities: pd.DataFrame) -> dg.Output:
        """Fig. 2d: papers of the window whose last author is in i and at least one co-author in j."""
        df = collaboration_matrix(concat_partitions(out_collaboration_pairs), out_top_cities, settings.top_ns)
        return dg.Output(df, metadata=_matrix_metadata(df, settings, collab_years))

    @dg.asset(
        **table_asset_args("out_city_matrix", GROUP, f"Fig. 2c: AI scientists' moves between the top cities, {migration_years[0]}-{migration_years[1]}."),
        ins={"core_author_years": migration_author_years()},
    )
    def out_migration_matrix(core_author_years: pd.DataFrame, out_top_cities: pd.DataFrame) -> dg.Output:
        """Fig. 2c: AI scientists who moved from i to j in the window; the diagonal counts those whose
        city at the window's start equals their city at its end."""
        df = migration_matrix(core_author_years, out_top_cities, settings.top_ns, *migration_years)
        return dg.Output(df, metadata=_matrix_metadata(df, settings, migration_years))

    @dg.asset(
        **table_asset_args("out_venue_east_west", GROUP),
        ins={"core_papers": dg.AssetIn(partition_mapping=dg.AllPartitionMapping(), metadata={"columns": VENUE_INPUT_COLUMNS, ROWS: CORPUS_PAPER_ROWS}),
             # AlShebli et al. 2022's years only: the OpenAlex tables also run on the atlas's later years
             "raw_venues": dg.AssetIn(partition_mapping=only_years(settings.start_year, settings.end_year),
                                      metadata={"columns": ["venue_id", "display_name"]})},
        automation_condition=all_years_automation(), tags=refresh_tags("all_years"),
    )
    def out_venue_east_west(core_papers, raw_venues) -> dg.Output:
        """AlShebli et al. 2022 Supplementary Fig. 4: the yearly Eastern and Western AI papers in each of the top
        20 AI venues (:func:`venue_east_west`: the venues with the most corpus papers, the paper's
        external list not being available)."""
        df = venue_east_west(concat_partitions(core_papers), concat_partitions(raw_venues))
        last = df[df["year"] == df["year"].max()] if len(df) else df
        return dg.Output(df, metadata=table_metadata(
            df, "out_venue_east_west", venues=df["venue_name"].drop_duplicates().tolist(),
            mostly_east_in_last_year=last.loc[last["east_share"] > 0.5, "venue_name"].tolist()))

    return [
        out_venue_east_west,
        out_city_year_metrics,
        out_impact_pairs,
        out_collaboration_pairs,
        out_top_cities,
        out_city_ranks,
        out_top_city_shares,
        out_impact_matrix,
        out_over_impact_matrix,
        out_collaboration_matrix,
        out_migration_matrix,
    ]
