"""Disruption (AlShebli et al. 2022, Supplementary Fig. 3): the CD index of every AI paper, by year, and the
cities ranked by their papers among each year's most disruptive and most developmental 10 %.

``out_disruption[year]`` reads the year's papers and citations (the focal papers' references) and
the citations of y+1..y+W (W = ``AIGEO_DISRUPTION_WINDOW``, default 5). Dagster clamps that window at
the newest partition (conventions: upstream issue 26935), so a year whose window is cut short is
flagged in every row (``window_complete``), in the metadata and by the WARN check
``disruption_window_complete``, as ``out_city_year_metrics`` does for impact. The functions are
``aigeo_assets.metrics.disruption``."""

import functools

import dagster as dg
import pandas as pd

from aigeo_assets.automation import all_years_automation, refresh_tags, yearly_automation
from aigeo_assets.assets.metadata import check_result, partitions_label, table_asset_args, table_metadata
from aigeo_assets.assets.ranges import YEARLY_RANGES
from aigeo_assets.corpus.papers import city_table
from aigeo_assets.corpus.lookup import WorkCodes
from aigeo_assets.metrics.cities import CORPUS_PAPER_ROWS
from aigeo_assets.metrics.disruption import (
    CITATION_BATCH_ROWS, CITATION_COLUMNS, PAPER_COLUMNS, WindowLinks, disruption_city_ranks, year_disruption,
)
from aigeo_assets.resources.io import IN_BATCHES, LOAD_ON_ACCESS, ROWS, LazyPartitions, by_partition, concat_partitions, partition_batches
from aigeo_assets.resources.settings import Settings

GROUP = "city_metrics"


def build_disruption_assets(partitions: dg.PartitionsDefinition, settings: Settings) -> list:
    window = settings.disruption_window
    citing = settings.disruption_citing

    @dg.asset(
        **table_asset_args("out_disruption", GROUP),
        partitions_def=partitions,
        backfill_policy=YEARLY_RANGES,
        automation_condition=yearly_automation(), tags=refresh_tags("yearly"),
        ins={
            "core_papers": dg.AssetIn(metadata={"columns": PAPER_COLUMNS, ROWS: CORPUS_PAPER_ROWS, LOAD_ON_ACCESS: True}),
            "core_citations": dg.AssetIn(
                partition_mapping=dg.TimeWindowPartitionMapping(start_offset=0, end_offset=window),
                metadata={"columns": CITATION_COLUMNS, IN_BATCHES: True},
            ),
        },
        check_specs=[
            dg.AssetCheckSpec(
                "disruption_window_complete",
                asset="out_disruption",
                description=f"every citing year y+1..y+{window} after the paper's year y was read, for every year of the run "
                "(warns for the newest years, whose consolidation\u2013disruption (CD) index counts fewer citers)",
            )
        ],
    )
    def out_disruption(context: dg.AssetExecutionContext, core_papers, core_citations):
        """AlShebli et al. 2022 Supplementary Fig. 3's measure: the CD index (Funk & Owen-Smith 2017; Wu, Wang &
        Evans 2019) of each AI corpus paper of the year over y+1..y+W, from every citer
        (``AIGEO_DISRUPTION_CITING``) and, beyond the paper, from Eastern and from Western citers only.

        A run may cover a range of years: each year is computed when the IO manager writes it, from
        the citation partitions y..y+W a one-year run reads (``WindowLinks``: each read once for the
        range, a batch at a time, and coded: integer work ids, 20 bytes a link, only the links that can
        count for a focal year of the run; at most W + 1 years held). **Choice:** the check is one
        result per run, passed when every year of the run has its whole window, its metadata naming the
        years that do not."""
        keys = list(context.partition_keys)
        papers = by_partition(core_papers, keys)
        read = sorted(int(k) for k in context.asset_partition_keys_for_input("core_citations"))
        codes = WorkCodes()
        links = WindowLinks(lambda y: partition_batches(core_citations, str(y), CITATION_BATCH_ROWS, CITATION_COLUMNS),
                            read, papers, window, codes)
        read_by_year: dict[str, list[int]] = {}
        complete_by_year: dict[str, bool] = {}

        def year_table(key: str) -> pd.DataFrame:
            year = int(key)
            focal_links, later, read_by_year[key] = links.window(year)
            complete = complete_by_year[key] = all(y in read_by_year[key] for y in range(year + 1, year + window + 1))
            df = year_disruption(papers[key], focal_links, later, codes, window, citing, window_complete=complete)  # type: ignore[arg-type]
            cd = df["cd"].astype("float64")
            context.add_asset_metadata(table_metadata(
                df, "out_disruption", year=year, window=window, citing=citing, window_complete=complete,
                citing_years_read=read_by_year[key],
                papers_without_cd=int(cd.isna().sum()),
                cd_mean=round(float(cd.mean()), 4) if cd.notna().any() else None,
                cd_east_mean=round(float(df["cd_east"].astype("float64").mean()), 4) if df["cd_east"].notna().any() else None,
                cd_west_mean=round(float(df["cd_west"].astype("float64").mean()), 4) if df["cd_west"].notna().any() else None,
            ), partition_key=key)
            return df

        # each year is computed when the IO manager writes it (in partition order): one year's table at a time
        yield dg.Output(LazyPartitions({k: functools.partial(year_table, k) for k in keys}))
        cut = [k for k in keys if not complete_by_year[k]]
        first = int(keys[0])
        if len(keys) == 1:
            meta = {"citing_years_read": read_by_year[keys[0]], "window": f"{first + 1}-{first + window}"}
            reason = (f"every citing year {first + 1}-{first + window} is observed" if not cut
                      else f"citations after the last year are not observed: the window {first + 1}-{first + window} is cut short")
        else:
            meta = {"years_incomplete": cut, "citing_years_read": read_by_year}
            reason = ("every citing year of every window is observed" if not cut
                      else f"citations after the last year are not observed: the window of {', '.join(cut)} is cut short")
        yield check_result("disruption_window_complete", not cut, reason, partition=partitions_label(keys), asset_key="out_disruption",
                           severity=dg.AssetCheckSeverity.WARN, **meta)

    @dg.asset(
        **table_asset_args("out_disruption_city_ranks", GROUP),
        automation_condition=all_years_automation(), tags=refresh_tags("all_years"),
    )
    def out_disruption_city_ranks(out_disruption, core_institutions: pd.DataFrame) -> dg.Output:
        """Supplementary Fig. 3a/3b: per year, every city's AI papers among the year's 10 % most
        disruptive and 10 % most developmental papers, and its rank by each count."""
        cities = city_table(core_institutions).reset_index()[["city_geonames_id", "city_name"]]
        df = disruption_city_ranks(concat_partitions(out_disruption), cities)
        top = df[df["rank_disruptive"] == 1] if len(df) else df
        bottom = df[df["rank_developmental"] == 1] if len(df) else df
        return dg.Output(df, metadata=table_metadata(
            df, "out_disruption_city_ranks",
            most_disruptive_city_by_year={str(y): g["city_name"].tolist() for y, g in top.groupby("year")},
            most_developmental_city_by_year={str(y): g["city_name"].tolist() for y, g in bottom.groupby("year")},
            years_with_incomplete_window=sorted({int(y) for y in df.loc[~df["window_complete"].fillna(False).astype(bool), "year"]}),
        ))

    return [out_disruption, out_disruption_city_ranks]
