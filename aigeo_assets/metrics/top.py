"""Top cities, their ranks over time, and their share of the world (AlShebli et al. 2022, Fig. 1, Supp. Fig. 2)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd


RANKED_METRICS = ("impact", "impact_long", "productivity", "ai_scientists")


def top_cities(metrics: pd.DataFrame, reference_year: int, n_max: int) -> pd.DataFrame:
    """``out_top_cities``: the ``n_max`` most impactful cities of ``reference_year`` (AlShebli et al. 2022: "the
    20 cities that were most impactful in AI in 2017"). Ties are broken by productivity, then by
    the smaller GeoNames id."""
    ref = metrics[metrics["year"] == reference_year]
    if ref.empty:
        raise ValueError(f"no city metrics for the reference year {reference_year}")
    ref = ref.sort_values(["impact", "productivity", "city_geonames_id"], ascending=[False, False, True]).head(n_max)
    out = pd.DataFrame(
        {
            "city_geonames_id": ref["city_geonames_id"].to_numpy(),
            "city_name": ref["city_name"].to_numpy(),
            "country_code": ref["country_code"].to_numpy(),
            "bloc": ref["bloc"].to_numpy(),
            "reference_year": reference_year,
            "reference_impact": ref["impact"].to_numpy(),
            "reference_rank": range(1, len(ref) + 1),
        }
    )
    return out


def matrix_order(top: pd.DataFrame, n: int) -> pd.DataFrame:
    """The first ``n`` top cities ordered as in Fig. 2: East first, then West; by rank within a bloc."""
    sel = top[top["reference_rank"] <= n].copy()
    sel["_west"] = (sel["bloc"] == "West").astype(int)
    sel = sel.sort_values(["_west", "reference_rank"]).drop(columns="_west").reset_index(drop=True)
    sel["order"] = range(len(sel))
    return sel


def city_ranks(metrics: pd.DataFrame) -> pd.DataFrame:
    """``out_city_ranks``: every city's value, per-year relative value and rank for each metric.

    Relative (Fig. 1, right-hand panels): the value divided by the year's largest value among the
    cities. Rank 1 is the largest; ties share the best rank ("min").
    """
    frames = []
    for metric in RANKED_METRICS:
        complete = (
            metrics["impact_window_complete"]
            if metric == "impact"
            else metrics["impact_long_window_complete"] if metric == "impact_long" else pd.Series(True, index=metrics.index)
        )
        df = pd.DataFrame(
            {
                "year": metrics["year"],
                "city_geonames_id": metrics["city_geonames_id"],
                "metric": metric,
                "value": metrics[metric],
                "window_complete": complete.astype("boolean"),
            }
        )
        grouped = df.groupby("year")["value"]
        top_value = grouped.transform("max")
        df["relative"] = (df["value"] / top_value.where(top_value > 0)).fillna(0.0)
        df["rank"] = grouped.rank(method="min", ascending=False).astype("int32")
        frames.append(df)
    out = pd.concat(frames, ignore_index=True).sort_values(["metric", "year", "rank", "city_geonames_id"], ignore_index=True)
    return out


def top_city_shares(metrics: pd.DataFrame, world: pd.DataFrame, top: pd.DataFrame, top_ns: Sequence[int]) -> pd.DataFrame:
    """``out_top_city_shares`` (Supplementary Fig. 2): the top-N cities' share of world impact,
    productivity and AI scientists, per year."""
    rows = []
    world = world.set_index("year")
    for n in top_ns:
        ids = set(top.loc[top["reference_rank"] <= n, "city_geonames_id"])
        sub = metrics[metrics["city_geonames_id"].isin(ids)].groupby("year")[["impact", "productivity", "ai_scientists"]].sum()
        for year in world.index:
            for metric in ("impact", "productivity", "ai_scientists"):
                total = int(world.loc[year, metric])
                value = int(sub.loc[year, metric]) if year in sub.index else 0
                rows.append(
                    {
                        "year": year,
                        "top_n": n,
                        "metric": metric,
                        "top_value": value,
                        "world_value": total,
                        "share": value / total if total else 0.0,
                        "window_complete": bool(world.loc[year, "impact_window_complete"]) if metric == "impact" else True,
                    }
                )
    return pd.DataFrame(rows)
