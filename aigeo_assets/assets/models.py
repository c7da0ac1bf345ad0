"""Group ``models``: the gravity models of citations and migration (AlShebli et al. 2022, Table 1,
Supplementary Tables 1-3), fitted with the count-regression engine of ``aigeo_assets.models``."""

import functools
from collections.abc import Mapping

import dagster as dg
import pandas as pd

from aigeo_assets.automation import all_years_automation, refresh_tags, yearly_automation
from aigeo_assets.assets.metadata import (
    LARGE_MEMORY_POOL,
    OWNERS,
    check_result,
    migration_author_years,
    num,
    partitions_label,
    preview_markdown,
    table_asset_args,
    table_metadata,
    table_out,
)
from aigeo_assets.assets.ranges import YEARLY_RANGES
from aigeo_assets.models.gravity import (
    CITATION_FIT_COLUMNS,
    CITATION_SPECS,
    citation_gravity_frame,
    city_attributes,
    coefficient_frame,
    fit_citation_gravity,
    fit_loglinear_gravity,
    fit_migration_gravity,
    fit_structural_gravity,
    gravity_table,
    language_source,
    migration_gravity_frame,
    pooled_citation_pairs,
    table_wide,
)
from aigeo_assets.models.results import NotEstimable, estimate, not_estimable
from aigeo_assets.resources.io import LOAD_ON_ACCESS, LazyPartitions, by_partition, concat_partitions
from aigeo_assets.resources.analysis import AnalysisSettings
from aigeo_assets.resources.settings import Settings
from aigeo_assets.schemas import SCHEMAS

GROUP = "models"
MODEL_KINDS = {"python", "statsmodels"}

TABLE_1_CONTROLS = {
    "Number of AI Scientists": {"(1)": False, "(2)": True, "(3)": True, "(4)": True},
    "Distance": {"(1)": False, "(2)": False, "(3)": True, "(4)": True},
    "Cultural & Geographic": {"(1)": False, "(2)": False, "(3)": False, "(4)": True},
}


def _complete_years(world: pd.DataFrame) -> list[int]:
    """Years whose impact window (y..y+2) was read in full: the only ones a gravity model uses."""
    ok = world["impact_window_complete"].fillna(False).to_numpy(bool)
    return sorted(int(y) for y in world.loc[ok, "year"])


def _md_table(long: pd.DataFrame) -> dg.MetadataValue:
    wide = table_wide(long)
    return dg.MetadataValue.md(preview_markdown(wide, rows=len(wide)))


def _cov(analysis: AnalysisSettings) -> str:
    if analysis.gravity_cov_type not in ("HC0", "HC1", "nonrobust", "cluster"):
        raise ValueError(f"gravity_cov_type {analysis.gravity_cov_type!r}: use HC0, HC1, nonrobust or cluster")
    return analysis.gravity_cov_type


def build_model_assets(partitions: dg.PartitionsDefinition, settings: Settings) -> list:
    migration_years = settings.clamp(settings.migration_years)
    every_year = dg.AllPartitionMapping()
    one_pass = YEARLY_RANGES  # the yearly pairs and fits: a run may cover a range of years
    eager = all_years_automation()

    @dg.asset(**table_asset_args("out_gravity_citation_pairs", GROUP), partitions_def=partitions, backfill_policy=one_pass,
              automation_condition=yearly_automation(), tags=refresh_tags("yearly"),
              ins={"out_impact_pairs": dg.AssetIn(metadata={LOAD_ON_ACCESS: True}), "out_city_year_metrics": dg.AssetIn(metadata={LOAD_ON_ACCESS: True})})
    def out_gravity_citation_pairs(
        context: dg.AssetExecutionContext,
        out_impact_pairs,
        out_city_year_metrics,
        core_institutions: pd.DataFrame,
    ) -> dg.Output:
        """The observations of Table 1 for one year: every ordered pair (citing city i, cited city
        j) with m_i > 0 and n_j > 0, zeros included, with the size variables and the distance and
        cultural-geographic controls. A run may cover a range of years: each year is built from its
        own pairs and metrics when it is written (one year's tables held at a time)."""
        keys = list(context.partition_keys)
        pairs, metrics = by_partition(out_impact_pairs, keys), by_partition(out_city_year_metrics, keys)
        cities = city_attributes(core_institutions)

        def year_table(key: str) -> pd.DataFrame:
            year = int(key)
            df = citation_gravity_frame(year, pairs[key], metrics[key], cities)
            positive = int((df["citations"] > 0).sum())
            context.add_asset_metadata(table_metadata(
                df,
                "out_gravity_citation_pairs",
                year=year,
                citing_cities=int(df["citing_city_geonames_id"].nunique()),
                cited_cities=int(df["cited_city_geonames_id"].nunique()),
                pairs_with_citations=positive,
                zero_share=round(1 - positive / len(df), 4) if len(df) else 0.0,
                language_source=language_source(),
            ), partition_key=key)
            return df

        return dg.Output(LazyPartitions({k: functools.partial(year_table, k) for k in keys}))

    @dg.asset(
        group_name=GROUP,
        kinds=MODEL_KINDS,
        owners=OWNERS,
        io_manager_key="model_io_manager",
        ins={
            # read one year at a time, only the columns the fits use (issue 13: memory)
            "out_gravity_citation_pairs": dg.AssetIn(
                partition_mapping=every_year, metadata={"columns": list(CITATION_FIT_COLUMNS), LOAD_ON_ACCESS: True}
            ),
            "out_world_year_totals": dg.AssetIn(partition_mapping=every_year),
        },
        check_specs=[dg.AssetCheckSpec("models_converged", asset="out_gravity_citations", blocking=True,
                                       description="every specification's iteratively reweighted least squares (IRLS) fit converged")],
        automation_condition=eager, tags=refresh_tags("all_years"),
        pool=LARGE_MEMORY_POOL,  # every city pair of every year in one design: the largest run at the paper's scale
    )
    def out_gravity_citations(
        context: dg.AssetExecutionContext, out_gravity_citation_pairs, out_world_year_totals, analysis: AnalysisSettings
    ):
        """AlShebli et al. 2022, Table 1 (and Supplementary Table 2): the gravity model of citations by Poisson pseudo-maximum likelihood (PPML) on
        the pooled pair-years whose citation window is complete, specifications (1)-(4); beyond the
        paper, the structural form with citing-city-year and cited-city-year effects absorbed
        (``structural``) and its log-linear ordinary least squares (OLS) counterpart (``loglinear``). The value is a dict
        of fitted models (``.params``, ``.bse``, ``.summary()``); a specification the data cannot
        identify (no complete year, no positive count) is a ``NotEstimable`` value with its reason,
        listed in the metadata and the convergence check, and the run goes on."""
        world = concat_partitions(out_world_year_totals)
        years = _complete_years(world)
        pairs = out_gravity_citation_pairs
        frame = pooled_citation_pairs(pairs if isinstance(pairs, Mapping) else {"all": pairs}, years)
        cov = _cov(analysis)
        names = [*CITATION_SPECS, "structural", "loglinear"]
        if frame.empty:
            why = "no city pair in a year with a complete citation window" if years else "no year has a complete citation window"
            fits: dict = {k: NotEstimable(why, family="poisson", outcome="citations") for k in names}
        else:
            fits = {spec: estimate(fit_citation_gravity, frame, spec, cov) for spec in CITATION_SPECS}
            fits["structural"] = estimate(fit_structural_gravity, frame, cov)
            fits["loglinear"] = estimate(fit_loglinear_gravity, frame)
        skipped = not_estimable(fits)
        converged = {k: bool(getattr(f, "converged", True)) for k, f in fits.items() if f.estimable}
        stuck = [k for k, ok in converged.items() if not ok]
        yield check_result("models_converged", not stuck,
                           "every estimable model converged" if not stuck else f"not converged: {', '.join(stuck)}",
                           converged=converged, not_estimable=skipped)
        spec4 = fits["(4)"]
        yield dg.Output(
            fits,
            metadata={
                "years": f"{years[0]}-{years[-1]}" if years else "none",
                "pair_years": len(frame),
                "elasticity_papers_cited_spec4": num(spec4.params.get("ln_papers_cited")),
                "elasticity_citations_made_spec4": num(spec4.params.get("ln_citations_made")),
                "cov_type": cov,
                "not_estimable": dg.MetadataValue.json(skipped),
                "summary_spec4": dg.MetadataValue.md(f"```\n{spec4.summary()}\n```"),
                "summary_structural": dg.MetadataValue.md(f"```\n{fits['structural'].summary()}\n```"),
            },
        )

    @dg.multi_asset(
        outs={
            "out_gravity_citations_table": table_out(
                "out_model_table", GROUP,
                "Table 1 laid out as in AlShebli et al. 2022, and Poisson pseudo-maximum likelihood (PPML) beside its structural "
                "and log-linear forms.",
                kinds={"statsmodels"}, automation_condition=eager, tags=refresh_tags("all_years"),
            ),
            "out_gravity_citations_coefficients": table_out(
                "out_model_coefficients", GROUP, "Every coefficient of the pooled citation gravity models, tidy.",
                kinds={"statsmodels"}, automation_condition=eager, tags=refresh_tags("all_years"),
            ),
        },
    )
    def out_gravity_citations_table(out_gravity_citations: dict):
        """AlShebli et al. 2022's Table 1 (coefficients, standard errors in parentheses, stars at 0.05, 0.01,
        0.001, N, pseudo R-squared, p-values of "coefficient = 1") and the structural comparison."""
        fits = out_gravity_citations
        table_1 = gravity_table("table_1", {s: fits[s] for s in CITATION_SPECS}, controls=TABLE_1_CONTROLS)
        structural = gravity_table(
            "structural",
            {"PPML (4)": fits["(4)"], "PPML city-year effects": fits["structural"], "OLS ln(1+y) city-year effects": fits["loglinear"]},
            unit_tests=(),
        )
        tables = pd.concat([table_1, structural], ignore_index=True)
        coefs = pd.concat([coefficient_frame("gravity_citations", k, f) for k, f in fits.items()], ignore_index=True)
        yield dg.Output(
            tables,
            output_name="out_gravity_citations_table",
            metadata={**table_metadata(tables, "out_model_table"), "table_1": _md_table(table_1), "structural": _md_table(structural)},
        )
        yield dg.Output(coefs, output_name="out_gravity_citations_coefficients", metadata=table_metadata(coefs, "out_model_coefficients"))

    @dg.asset(
        **table_asset_args("out_model_coefficients", GROUP, "Table 1's specification (4) and the structural model, fitted on one year.",
                           kinds={"statsmodels"}),
        partitions_def=partitions,
        backfill_policy=one_pass,
        automation_condition=yearly_automation(), tags=refresh_tags("yearly"),
        ins={"out_gravity_citation_pairs": dg.AssetIn(metadata={LOAD_ON_ACCESS: True})},
        check_specs=[dg.AssetCheckSpec("impact_window_complete", asset="out_gravity_citations_by_year",
                                       description="the year's citation window is complete, for every year of the run (warns for the newest years)")],
    )
    def out_gravity_citations_by_year(
        context: dg.AssetExecutionContext, out_gravity_citation_pairs, out_world_year_totals, analysis: AnalysisSettings
    ):
        """Beyond AlShebli et al. 2022: the gravity model year by year, so that a drift in the size elasticities
        shows. A year the model cannot be fitted on (too few pairs, no citation) gives its
        "not estimable: <reason>" row and says why in the metadata.

        A run may cover a range of years, each fitted on its own year's pairs when it is written.
        **Choice:** the check ``impact_window_complete`` is one result per run (as
        ``out_city_year_metrics``'s): passed when every year of the run has its window, its metadata
        naming the years that do not."""
        keys = list(context.partition_keys)
        pairs, world = by_partition(out_gravity_citation_pairs, keys), by_partition(out_world_year_totals, keys)
        cov = _cov(analysis)
        complete_by_year: dict[str, bool] = {}

        def year_table(key: str) -> pd.DataFrame:
            year = int(key)
            complete = complete_by_year[key] = bool(_complete_years(world[key]))
            year_pairs = pairs[key]
            frames, meta = [], {"year": year, "window_complete": complete}
            for spec, fit in (("(4)", estimate(fit_citation_gravity, year_pairs, "(4)", cov)),
                              ("structural", estimate(fit_structural_gravity, year_pairs, cov))):
                frames.append(coefficient_frame("gravity_citations", spec, fit, year))
                if not fit.estimable:
                    meta[f"not_estimable_{spec}"] = str(fit)
                elif spec == "(4)":
                    meta["elasticity_papers_cited"] = num(fit.params.get("ln_papers_cited"))
                    meta["elasticity_citations_made"] = num(fit.params.get("ln_citations_made"))
                    meta["distance_elasticity"] = num(fit.params.get("ln_distance"))
            df = pd.concat(frames, ignore_index=True) if frames else SCHEMAS["out_model_coefficients"].empty()
            context.add_asset_metadata(table_metadata(df, "out_model_coefficients", **meta), partition_key=key)
            return df

        # each year is fitted when the IO manager writes it: a range holds one year's pairs at a time
        yield dg.Output(LazyPartitions({k: functools.partial(year_table, k) for k in keys}))
        incomplete = [k for k in keys if not complete_by_year[k]]
        yield check_result("impact_window_complete", not incomplete,
                           "every citing year of the impact window is observed" if not incomplete
                           else "citations after the last year are not observed: the cited side's window is cut short"
                           + ("" if len(keys) == 1 else f" in {', '.join(incomplete)}"),
                           partition=partitions_label(keys), severity=dg.AssetCheckSeverity.WARN,
                           **({} if len(keys) == 1 else {"years_incomplete": incomplete}))

    @dg.multi_asset(
        outs={
            "out_gravity_migration_pairs": table_out("out_gravity_migration_pairs", GROUP, automation_condition=eager, tags=refresh_tags("all_years")),
            "out_gravity_migration": table_out(
                "out_model_coefficients", GROUP,
                f"Supplementary Table 3: gravity model of AI scientists' moves by Poisson pseudo-maximum likelihood (PPML), "
                f"{migration_years[0]}-{migration_years[1]} and year by year.",
                automation_condition=eager, tags=refresh_tags("all_years"),
            ),
        },
        ins={"core_author_years": migration_author_years()},
    )
    def out_gravity_migration(core_author_years: pd.DataFrame, core_institutions: pd.DataFrame, analysis: AnalysisSettings):
        """AlShebli et al. 2022, Supplementary Table 3: moves of AI scientists between different cities on ln AI
        scientists at origin and destination, ln distance and the cultural-geographic controls, by
        Poisson pseudo-maximum likelihood (PPML): over the migration window (default 2015-2019, sizes in its first year), pooled over
        its yearly steps (one effect per year, absorbed), and one fit per year."""
        cities = city_attributes(core_institutions)
        start, end = migration_years
        cov = _cov(analysis)
        window = migration_gravity_frame(core_author_years, start, end, cities)
        yearly = [migration_gravity_frame(core_author_years, y - 1, y, cities) for y in range(start + 1, end + 1)]
        pairs = pd.concat([window, *yearly], ignore_index=True)
        fits = {f"window {start}-{end}": estimate(fit_migration_gravity, window, cov)}
        fits["yearly steps, pooled"] = estimate(fit_migration_gravity, pd.concat(yearly, ignore_index=True), cov)
        rows = [coefficient_frame("gravity_migration", k, f) for k, f in fits.items()]
        skipped = not_estimable(fits)
        for y, frame in zip(range(start + 1, end + 1), yearly):
            fit = estimate(fit_migration_gravity, frame, cov)
            rows.append(coefficient_frame("gravity_migration", "yearly", fit, y))
            if not fit.estimable:
                skipped[str(y)] = fit.reason
        coefs = pd.concat(rows, ignore_index=True)
        table = gravity_table("supplementary_table_3", fits, unit_tests=("ln_scientists_origin", "ln_scientists_destination"))
        yield dg.Output(pairs, output_name="out_gravity_migration_pairs",
                        metadata=table_metadata(pairs, "out_gravity_migration_pairs", moves_in_window=int(window["moves"].sum())))
        yield dg.Output(
            coefs,
            output_name="out_gravity_migration",
            metadata={**table_metadata(coefs, "out_model_coefficients", not_estimable=skipped), "supplementary_table_3": _md_table(table)},
        )

    return [out_gravity_citation_pairs, out_gravity_citations, out_gravity_citations_table, out_gravity_citations_by_year, out_gravity_migration]
