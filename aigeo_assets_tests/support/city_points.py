"""Cities as weighted points on the globe, written as ``out_city_year_metrics`` rows: the input of the
centres of mass and the focal pull (AlShebli et al. 2022, Fig. 4) in tests worked by hand."""

from __future__ import annotations

import pandas as pd

from aigeo_assets.metrics.centres import BEIJING_GEONAMES_ID
from aigeo_assets.schemas import conform


def weighted_city_metrics(cities, *, incomplete_years=()) -> pd.DataFrame:
    """out_city_year_metrics from (year, id, lat, lon, weight) rows: every metric = weight
    (ai_scientists = 2 * weight, so a metric mix-up shows only in total_weight)."""
    rows = []
    for year, cid, lat, lon, w in cities:
        rows.append(dict(
            year=year, city_geonames_id=cid, city_name=f"c{cid}", country_code="XX",
            bloc="East" if cid == BEIJING_GEONAMES_ID else "West", latitude=lat, longitude=lon,
            productivity=w, impact=w, impact_long=w, ai_scientists=2 * w,
            share_productivity=0.0, share_impact=0.0, share_impact_long=0.0, share_ai_scientists=0.0,
            impact_window_complete=year not in incomplete_years, impact_long_window_complete=True,
        ))
    return conform(pd.DataFrame(rows), "out_city_year_metrics")
