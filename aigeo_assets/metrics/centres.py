"""Centres of mass of AI research, their trajectories, and a focal city's pull (AlShebli et al. 2022, Fig. 4).

AlShebli et al. 2022, Methods, "Center of mass": "We take into consideration three different metrics: impact,
productivity, and number of AI scientists. For each metric, and for each year starting from 1990,
we compute the center of mass—a weighted average of each city's geographic location (latitude and
longitude) weighted by the metric's value in that city."

Fig. 4 caption: "Beijing's influence, measured each year as the distance (in kilometers) between
the center of mass that accounts for all cities (including Beijing) and the one that accounts for
all cities except Beijing."

Two ways of averaging positions on a sphere are offered:

* ``"planar"`` (the paper's method): the weighted mean of the latitudes and, separately, of the
  longitudes, as if (longitude, latitude) were a flat plane (an equirectangular map). Simple and
  what the paper reports, but the longitude is cut at the antimeridian: two cities at longitudes
  179 and -179 (a few hundred km apart across the date line) average to longitude 0, on the
  other side of the globe; and a pole's longitude, which is arbitrary, moves the mean.
* ``"spherical"``: each city becomes a 3-D unit vector (x = cos(lat) cos(lon), y = cos(lat) sin(lon),
  z = sin(lat)); the weighted mean vector is projected back to latitude/longitude (its direction;
  its length, ``resultant_length`` in 0..1, measures how concentrated the weight is). This is the
  centre of mass of the weights in 3-D seen from the Earth's centre: invariant under rotation,
  with no seam at the date line (179 and -179 average to 180). It is undefined when the mean
  vector is ~0 (weights that cancel out, e.g. two equal cities at antipodes): the centre is then
  NaN. For a compact cloud of cities (a few hundred km) the two agree closely; they differ most
  when the weight is spread over many longitudes, as in the real East-West world: the shortest
  way between two northern cities runs poleward of their parallel, so the spherical centre sits
  at a higher latitude than the planar one (cities at (40, -100) and (40, 100): planar (40, 0),
  spherical (about 78, 180), over the Arctic). The planar mean follows the map; the spherical
  mean follows the globe. Only the planar one reproduces the paper's numbers.

Cities without coordinates cannot be placed: they are left out of every centre and counted
(``cities_without_coordinates``, only those carrying weight > 0 for the metric).

Pure functions (no dagster import). Distances are great-circle distances on a sphere of the mean
Earth radius (``EARTH_RADIUS_KM``, IUGG 6371.0088 km).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

EARTH_RADIUS_KM = 6371.0088
BEIJING_GEONAMES_ID = 1816670
DEFAULT_METRICS: tuple[str, ...] = ("impact", "productivity", "ai_scientists")
METHODS = ("planar", "spherical")
RESULTANT_EPS = 1e-9
"""A spherical centre whose mean unit vector is shorter than this is undefined (NaN)."""

Method = Literal["planar", "spherical"]

# Which completeness flag of out_city_year_metrics applies to which metric.
WINDOW_FLAGS = {"impact": "impact_window_complete", "impact_long": "impact_long_window_complete"}

CENTRE_COLUMNS = [
    "year", "metric", "method", "latitude", "longitude", "total_weight", "resultant_length",
    "n_cities", "cities_without_coordinates", "window_complete",
]
PULL_COLUMNS = [
    "year", "metric", "method", "focal_city_geonames_id", "focal_city_name", "focal_city_bloc", "focal_weight",
    "focal_share", "pull_km", "lat_with", "lon_with", "lat_without", "lon_without", "window_complete",
]
TRAJECTORY_COLUMNS = [
    "year", "metric", "method", "latitude", "longitude", "window_complete", "step_km",
    "distance_from_first_km", "cumulative_km", "years_elapsed", "mean_speed_km_per_year",
    "net_speed_km_per_year",
]


# ---------------------------------------------------------------- distance


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray | float:
    """Great-circle distance in km between (lat1, lon1) and (lat2, lon2), in degrees (vectorised;
    broadcasts like numpy; NaN in, NaN out). Haversine formula on a sphere of radius
    ``EARTH_RADIUS_KM`` (the mean Earth radius, 6371.0088 km; the ellipsoid differs by < 0.5%)."""
    p1, p2 = np.radians(np.asarray(lat1, dtype="float64")), np.radians(np.asarray(lat2, dtype="float64"))
    dp = p2 - p1
    dl = np.radians(np.asarray(lon2, dtype="float64") - np.asarray(lon1, dtype="float64"))
    a = np.sin(dp / 2.0) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2.0) ** 2
    d = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return float(d) if np.ndim(d) == 0 else d


# ---------------------------------------------------------------- helpers


def float_values(s: pd.Series) -> np.ndarray:
    """A column (or any sequence) as float64 with NaN for missing: nullable ``Float64``/``Int64`` values
    and ``pd.NA`` become NaN, so numpy arithmetic works (used by the centre metrics and the city and
    centre figures)."""
    return pd.Series(s).astype("Float64").to_numpy(dtype="float64", na_value=np.nan)


def _metric_names(metrics_: Sequence[str]) -> list[str]:
    if isinstance(metrics_, str):
        raise TypeError("metrics_ is a sequence of metric names, not a single string")
    return list(metrics_)


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise ValueError(f"centre-of-mass method {method!r}: use one of {METHODS}")


def _check_table(metrics: pd.DataFrame, metric_names: Sequence[str]) -> None:
    needed = ["year", "city_geonames_id", "latitude", "longitude", *metric_names]
    missing = [c for c in needed if c not in metrics.columns]
    if missing:
        raise ValueError(f"out_city_year_metrics: missing column(s) {missing}")
    if metrics.duplicated(["year", "city_geonames_id"]).any():
        raise ValueError("out_city_year_metrics must have one row per city and year (duplicates found)")
    lat, lon = float_values(metrics["latitude"]), float_values(metrics["longitude"])
    if np.any(np.abs(lat[~np.isnan(lat)]) > 90.0) or np.any(np.abs(lon[~np.isnan(lon)]) > 180.0):
        raise ValueError("latitude must lie in [-90, 90] and longitude in [-180, 180] degrees")


def _weights(metrics: pd.DataFrame, metric: str) -> np.ndarray:
    """The metric as weights: nulls count as 0; negative weights are an error."""
    w = np.nan_to_num(float_values(metrics[metric]), nan=0.0)
    if np.any(w < 0):
        raise ValueError(f"{metric}: negative values cannot weigh a centre of mass")
    return w


def _window_complete(metrics: pd.DataFrame, metric: str) -> pd.Series:
    """year -> whether the metric's citation window is complete for every city of the year.

    Metrics without a window (productivity, AI scientists) are always complete; a missing flag
    (null) counts as complete; a missing flag *column* for a windowed metric gives <NA> (unknown).
    """
    years = pd.Index(sorted(metrics["year"].astype("int64").unique()), name="year")
    flag = WINDOW_FLAGS.get(metric)
    if flag is None:
        return pd.Series(True, index=years, dtype="boolean")
    if flag not in metrics.columns:
        return pd.Series(pd.NA, index=years, dtype="boolean")
    f = metrics[flag].astype("boolean").fillna(True).astype(bool)
    return f.groupby(metrics["year"].astype("int64").to_numpy()).all().reindex(years).astype("boolean")


def _sums(metrics: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per year: total weight, weighted sums of lat, lon and of the unit vector, city counts."""
    w = _weights(metrics, metric)
    lat, lon = float_values(metrics["latitude"]), float_values(metrics["longitude"])
    located = ~(np.isnan(lat) | np.isnan(lon))
    wl = np.where(located, w, 0.0)
    la, lo = np.where(located, lat, 0.0), np.where(located, lon, 0.0)
    phi, lam = np.radians(la), np.radians(lo)
    df = pd.DataFrame(
        {
            "year": metrics["year"].astype("int64").to_numpy(),
            "w": wl,
            "wlat": wl * la,
            "wlon": wl * lo,
            "wx": wl * np.cos(phi) * np.cos(lam),
            "wy": wl * np.cos(phi) * np.sin(lam),
            "wz": wl * np.sin(phi),
            "n": (located & (w > 0)).astype("int64"),
            "unlocated": (~located & (w > 0)).astype("int64"),
        }
    )
    return df.groupby("year", sort=True).sum()


def _centre_from_sums(s: pd.DataFrame, method: str) -> pd.DataFrame:
    """latitude, longitude, resultant_length from the per-year sums (NaN where total weight is 0,
    and for the spherical centre where the mean unit vector is ~0)."""
    w = s["w"].to_numpy(dtype="float64")
    ok = w > 0
    safe = np.where(ok, w, 1.0)
    x, y, z = (s[c].to_numpy(dtype="float64") / safe for c in ("wx", "wy", "wz"))
    r = np.where(ok, np.sqrt(x * x + y * y + z * z), np.nan)
    if method == "planar":
        lat = np.where(ok, s["wlat"].to_numpy(dtype="float64") / safe, np.nan)
        lon = np.where(ok, s["wlon"].to_numpy(dtype="float64") / safe, np.nan)
    else:
        defined = ok & (r > RESULTANT_EPS)
        h = np.hypot(x, y)
        lat = np.where(defined, np.degrees(np.arctan2(z, h)), np.nan)
        # At a pole the longitude is undefined: 0 by convention.
        lon = np.where(defined, np.where(h > RESULTANT_EPS, np.degrees(np.arctan2(y, x)), 0.0), np.nan)
    return pd.DataFrame({"latitude": lat, "longitude": lon, "resultant_length": r}, index=s.index)


# ---------------------------------------------------------------- centres of mass


def centres_of_mass(
    metrics: pd.DataFrame,
    *,
    method: Method = "planar",
    metrics_: Sequence[str] = DEFAULT_METRICS,
) -> pd.DataFrame:
    """The centre of mass of every year and metric of ``out_city_year_metrics`` (AlShebli et al. 2022, Fig. 4).

    AlShebli et al. 2022: "For each metric, and for each year starting from 1990, we compute the center of
    mass—a weighted average of each city's geographic location (latitude and longitude) weighted
    by the metric's value in that city."

    ``method="planar"`` is that definition: latitude = sum(w * lat) / sum(w), longitude =
    sum(w * lon) / sum(w), longitudes in [-180, 180]. ``method="spherical"`` averages the cities'
    3-D unit vectors with the same weights and projects the mean vector back to latitude/longitude:
    no date-line seam (cities at longitudes 179 and -179 average to 180, where the planar mean
    says 0), no dependence on a pole's arbitrary longitude. The spherical centre is undefined (NaN)
    when the mean vector is shorter than ``RESULTANT_EPS`` (the weights cancel out, e.g. two equal
    cities at antipodes); ``resultant_length`` (0..1) reports that length for both methods.

    Returns one row per (year, metric): ``year, metric, method, latitude, longitude,
    total_weight`` (sum of the metric over the located cities), ``resultant_length``,
    ``n_cities`` (located cities with weight > 0), ``cities_without_coordinates`` (cities with
    weight > 0 but no latitude/longitude: left out, counted here), ``window_complete`` (false
    for impact / impact_long years whose citation window is incomplete, from
    ``impact_window_complete`` / ``impact_long_window_complete``; always true for the others).
    A year whose total located weight is 0 has a NaN centre. Null metric values weigh 0;
    negative values, coordinates out of range and duplicate (year, city) rows raise ValueError.
    """
    _check_method(method)
    metric_names = _metric_names(metrics_)
    _check_table(metrics, metric_names)
    frames = []
    for metric in metric_names:
        if metrics.empty:
            continue
        s = _sums(metrics, metric)
        c = _centre_from_sums(s, method)
        frames.append(
            pd.DataFrame(
                {
                    "year": s.index.to_numpy(dtype="int64"),
                    "metric": metric,
                    "method": method,
                    "latitude": c["latitude"].to_numpy(),
                    "longitude": c["longitude"].to_numpy(),
                    "total_weight": s["w"].to_numpy(dtype="float64"),
                    "resultant_length": c["resultant_length"].to_numpy(),
                    "n_cities": s["n"].to_numpy(dtype="int64"),
                    "cities_without_coordinates": s["unlocated"].to_numpy(dtype="int64"),
                    "window_complete": _window_complete(metrics, metric).reindex(s.index).to_numpy(),
                }
            )
        )
    if not frames:
        return _empty(CENTRE_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    out["window_complete"] = out["window_complete"].astype("boolean")
    return out.sort_values(["metric", "year"], ignore_index=True)[CENTRE_COLUMNS]


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})


# ---------------------------------------------------------------- focal city's pull


def focal_pull(
    metrics: pd.DataFrame,
    focal_city_geonames_id: int = BEIJING_GEONAMES_ID,
    *,
    method: Method = "planar",
    metrics_: Sequence[str] = DEFAULT_METRICS,
) -> pd.DataFrame:
    """A city's pull on the centre of mass, per year and metric (AlShebli et al. 2022, Fig. 4, right panels).

    AlShebli et al. 2022: "Beijing's influence, measured each year as the distance (in kilometers) between
    the center of mass that accounts for all cities (including Beijing) and the one that accounts
    for all cities except Beijing." Default city: Beijing (GeoNames 1816670); any city works.

    ``pull_km`` is the great-circle (haversine) distance between the two centres, both computed
    with ``method``. It is 0 in years where the city weighs 0 or is absent, and NaN where the
    centre without it is undefined (it holds all the weight). ``focal_weight`` and
    ``focal_share`` (its share of the located weight) say how much there was to pull with;
    ``focal_city_name`` / ``focal_city_bloc`` come from the table (null when it lacks them);
    ``lat_with, lon_with`` / ``lat_without, lon_without`` are the two centres; ``window_complete``
    as in :func:`centres_of_mass`.
    Raises ValueError when the focal city has weight but no coordinates (its pull cannot be
    placed on the map).
    """
    _check_method(method)
    metric_names = _metric_names(metrics_)
    _check_table(metrics, metric_names)
    ids = metrics["city_geonames_id"].astype("Int64")
    is_focal = (ids == int(focal_city_geonames_id)).fillna(False).to_numpy(dtype=bool)
    focal_rows = metrics[is_focal]

    def _label(col: str) -> str | None:
        if col not in metrics.columns or not len(focal_rows):
            return None
        v = focal_rows[col].dropna()
        return str(v.iloc[0]) if len(v) else None

    name, bloc = _label("city_name"), _label("bloc")
    rest = metrics[~is_focal]
    frames = []
    for metric in metric_names:
        if metrics.empty:
            continue
        fw = np.nan_to_num(float_values(focal_rows[metric]), nan=0.0)
        unplaced = (np.isnan(float_values(focal_rows["latitude"])) | np.isnan(float_values(focal_rows["longitude"]))) & (fw > 0)
        if unplaced.any():
            raise ValueError(
                f"focal city {focal_city_geonames_id} has {metric} > 0 but no coordinates: its pull cannot be measured"
            )
        s_all = _sums(metrics, metric)
        years = s_all.index
        s_rest = _sums(rest, metric).reindex(years, fill_value=0.0) if len(rest) else s_all * 0.0
        c_all, c_rest = _centre_from_sums(s_all, method), _centre_from_sums(s_rest, method)
        focal_w = _sums(focal_rows, metric)["w"].reindex(years, fill_value=0.0) if len(focal_rows) else s_all["w"] * 0.0
        pull = haversine_km(c_all["latitude"], c_all["longitude"], c_rest["latitude"], c_rest["longitude"])
        total = s_all["w"].to_numpy(dtype="float64")
        frames.append(
            pd.DataFrame(
                {
                    "year": years.to_numpy(dtype="int64"),
                    "metric": metric,
                    "method": method,
                    "focal_city_geonames_id": int(focal_city_geonames_id),
                    "focal_city_name": name,
                    "focal_city_bloc": bloc,
                    "focal_weight": focal_w.to_numpy(dtype="float64"),
                    "focal_share": np.where(total > 0, focal_w.to_numpy() / np.where(total > 0, total, 1.0), np.nan),
                    "pull_km": pull,
                    "lat_with": c_all["latitude"].to_numpy(),
                    "lon_with": c_all["longitude"].to_numpy(),
                    "lat_without": c_rest["latitude"].to_numpy(),
                    "lon_without": c_rest["longitude"].to_numpy(),
                    "window_complete": _window_complete(metrics, metric).reindex(years).to_numpy(),
                }
            )
        )
    if not frames:
        return _empty(PULL_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    out["window_complete"] = out["window_complete"].astype("boolean")
    out["focal_city_name"] = out["focal_city_name"].astype("string")
    out["focal_city_bloc"] = out["focal_city_bloc"].astype("string")
    return out.sort_values(["metric", "year"], ignore_index=True)[PULL_COLUMNS]


# ---------------------------------------------------------------- trajectory


def centre_trajectory(centres: pd.DataFrame) -> pd.DataFrame:
    """How far and how fast each centre of mass moves (AlShebli et al. 2022: "the center of mass of AI
    impact ... has moved about 6,500 kilometers eastward"; "crossing about 8,000 kilometers
    between 1990 and 2019, with an average speed of about 270 kilometers per year").

    Takes the output of :func:`centres_of_mass` (one or several metrics and methods). Per
    (metric, method), years in order, over the years whose centre is defined (others get NaN):

    * ``step_km``: great-circle distance from the previous defined year's centre (0 the first year);
    * ``distance_from_first_km``: straight (great-circle) distance from the first year's centre;
    * ``cumulative_km``: path length, the sum of the steps so far;
    * ``years_elapsed``: year minus the first defined year;
    * ``mean_speed_km_per_year``: ``cumulative_km / years_elapsed`` (path-length speed: every
      zig-zag counts; NaN the first year);
    * ``net_speed_km_per_year``: ``distance_from_first_km / years_elapsed`` (straight-line
      speed, the displacement rate; always <= the path-length speed).

    The paper's "8,000 km ... about 270 km per year" (8,000 / 29 = 276) fits a displacement
    divided by the years elapsed; it does not say whether its 8,000 km is the path or the net
    displacement, so both are given.
    """
    missing = [c for c in ["year", "metric", "method", "latitude", "longitude"] if c not in centres.columns]
    if missing:
        raise ValueError(f"centres: missing column(s) {missing}")
    frames = []
    for (metric, method), g in centres.groupby(["metric", "method"], sort=True):
        g = g.sort_values("year")
        if g["year"].duplicated().any():
            raise ValueError(f"centres: several rows for one year ({metric}, {method})")
        year = g["year"].astype("int64").to_numpy()
        lat, lon = float_values(g["latitude"]), float_values(g["longitude"])
        ok = ~(np.isnan(lat) | np.isnan(lon))
        n = len(g)
        step = np.full(n, np.nan)
        dist = np.full(n, np.nan)
        cum = np.full(n, np.nan)
        elapsed = np.full(n, np.nan)
        idx = np.flatnonzero(ok)
        if len(idx):
            la, lo, yr = lat[idx], lon[idx], year[idx]
            st = np.zeros(len(idx))
            if len(idx) > 1:
                st[1:] = haversine_km(la[:-1], lo[:-1], la[1:], lo[1:])
            step[idx] = st
            cum[idx] = np.cumsum(st)
            dist[idx] = haversine_km(la[0], lo[0], la, lo)
            elapsed[idx] = (yr - yr[0]).astype("float64")
        with np.errstate(divide="ignore", invalid="ignore"):
            mean_speed = np.where(elapsed > 0, cum / elapsed, np.nan)
            net_speed = np.where(elapsed > 0, dist / elapsed, np.nan)
        wc = g["window_complete"].astype("boolean").to_numpy() if "window_complete" in g.columns else pd.NA
        frames.append(
            pd.DataFrame(
                {
                    "year": year,
                    "metric": metric,
                    "method": method,
                    "latitude": lat,
                    "longitude": lon,
                    "window_complete": wc,
                    "step_km": step,
                    "distance_from_first_km": dist,
                    "cumulative_km": cum,
                    "years_elapsed": elapsed,
                    "mean_speed_km_per_year": mean_speed,
                    "net_speed_km_per_year": net_speed,
                }
            )
        )
    if not frames:
        return _empty(TRAJECTORY_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    out["window_complete"] = out["window_complete"].astype("boolean")
    return out[TRAJECTORY_COLUMNS]
