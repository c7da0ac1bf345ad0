"""Centres of mass, focal pull and trajectories (AlShebli et al. 2022, Fig. 4) against hand-computed values.

Only one PNG is rendered (one chromium start).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from aigeo_assets.metrics.centres import (
    BEIJING_GEONAMES_ID,
    EARTH_RADIUS_KM,
    centre_trajectory,
    centres_of_mass,
    focal_pull,
    haversine_km,
)
from aigeo_assets.reports.centre_figures import fig_centre_trajectories, fig_focal_pull
from aigeo_assets_tests.support.city_points import weighted_city_metrics

KM_PER_DEG = math.pi / 180.0 * EARTH_RADIUS_KM  # one degree of a great circle


def one(df: pd.DataFrame, metric: str = "impact", year: int | None = None) -> pd.Series:
    r = df[df["metric"] == metric]
    if year is not None:
        r = r[r["year"] == year]
    assert len(r) == 1, r
    return r.iloc[0]


# ---------------------------------------------------------------- haversine


def test_haversine_known_distances():
    # Beijing - London: about 8,140 km.
    d = haversine_km(39.9042, 116.4074, 51.5074, -0.1278)
    assert d == pytest.approx(8140.0, rel=0.01)
    # A quarter meridian (equator to pole) and half the equator.
    assert haversine_km(0.0, 0.0, 90.0, 0.0) == pytest.approx(EARTH_RADIUS_KM * math.pi / 2, rel=1e-12)
    assert haversine_km(0.0, 0.0, 0.0, 180.0) == pytest.approx(EARTH_RADIUS_KM * math.pi, rel=1e-12)
    # Across the date line: 2 degrees, not 358.
    assert haversine_km(0.0, 179.0, 0.0, -179.0) == pytest.approx(2 * KM_PER_DEG, rel=1e-9)
    assert haversine_km(10.0, 20.0, 10.0, 20.0) == 0.0


def test_haversine_is_vectorised_and_propagates_nan():
    d = haversine_km(np.array([0.0, 0.0, np.nan]), np.zeros(3), np.array([1.0, 0.0, 0.0]), np.array([0.0, 2.0, 0.0]))
    assert d.shape == (3,)
    assert d[0] == pytest.approx(KM_PER_DEG) and d[1] == pytest.approx(2 * KM_PER_DEG)
    assert np.isnan(d[2])


# ---------------------------------------------------------------- centres of mass


def test_planar_centre_is_three_quarters_of_the_way_with_weights_1_and_3():
    m = weighted_city_metrics([(2000, 1, 10.0, 0.0, 1), (2000, 2, 30.0, 40.0, 3)])
    c = centres_of_mass(m)
    r = one(c)
    assert (r["latitude"], r["longitude"]) == pytest.approx((25.0, 30.0))  # 10 + 3/4*20, 0 + 3/4*40
    assert r["total_weight"] == 4.0 and r["method"] == "planar" and r["n_cities"] == 2
    assert one(c, "ai_scientists")["total_weight"] == 8.0
    assert set(c["metric"]) == {"impact", "productivity", "ai_scientists"}
    assert list(c.columns[:6]) == ["year", "metric", "method", "latitude", "longitude", "total_weight"]


def test_date_line_world_planar_lands_at_0_spherical_at_180():
    m = weighted_city_metrics([(2000, 1, 0.0, 179.0, 1), (2000, 2, 0.0, -179.0, 1)])
    p = one(centres_of_mass(m, method="planar"))
    s = one(centres_of_mass(m, method="spherical"))
    assert (p["latitude"], p["longitude"]) == pytest.approx((0.0, 0.0), abs=1e-9)
    assert s["latitude"] == pytest.approx(0.0, abs=1e-9)
    assert abs(s["longitude"]) == pytest.approx(180.0, abs=1e-9)
    # The planar centre is on the far side of the globe from both cities; the spherical one is between them.
    assert haversine_km(p["latitude"], p["longitude"], 0.0, 179.0) > 19_000
    assert haversine_km(s["latitude"], s["longitude"], 0.0, 179.0) == pytest.approx(KM_PER_DEG, rel=1e-6)


def test_pole_and_equator():
    # North pole + a point on the equator, equal weights: both methods give latitude 45.
    m = weighted_city_metrics([(2000, 1, 90.0, 0.0, 1), (2000, 2, 0.0, 0.0, 1)])
    for method in ("planar", "spherical"):
        r = one(centres_of_mass(m, method=method))
        assert (r["latitude"], r["longitude"]) == pytest.approx((45.0, 0.0), abs=1e-9), method
    # The pole's longitude is arbitrary: it moves the planar mean, not the spherical one.
    m = weighted_city_metrics([(2000, 1, 90.0, 120.0, 1), (2000, 2, 0.0, 0.0, 1)])
    assert one(centres_of_mass(m, method="planar"))["longitude"] == pytest.approx(60.0)
    s = one(centres_of_mass(m, method="spherical"))
    assert (s["latitude"], s["longitude"]) == pytest.approx((45.0, 0.0), abs=1e-9)
    # Two cities facing each other across the pole: the spherical centre is the pole itself.
    m = weighted_city_metrics([(2000, 1, 80.0, 0.0, 1), (2000, 2, 80.0, 180.0, 1)])
    assert one(centres_of_mass(m, method="spherical"))["latitude"] == pytest.approx(90.0, abs=1e-9)
    assert one(centres_of_mass(m, method="planar"))["latitude"] == pytest.approx(80.0)


def test_spherical_centre_is_nan_when_the_vectors_cancel():
    m = weighted_city_metrics([(2000, 1, 0.0, 0.0, 1), (2000, 2, 0.0, 180.0, 1), (2001, 1, 0.0, 0.0, 1), (2001, 2, 0.0, 90.0, 1)])
    s = centres_of_mass(m, method="spherical")
    r0, r1 = one(s, year=2000), one(s, year=2001)
    assert np.isnan(r0["latitude"]) and np.isnan(r0["longitude"])
    assert r0["resultant_length"] == pytest.approx(0.0, abs=1e-12)
    assert (r1["latitude"], r1["longitude"]) == pytest.approx((0.0, 45.0), abs=1e-9)
    # The planar centre of the antipodes is defined (and meaningless): (0, 90).
    p = one(centres_of_mass(m, method="planar"), year=2000)
    assert (p["latitude"], p["longitude"]) == pytest.approx((0.0, 90.0))


def test_zero_weight_year_gives_nan_centre():
    m = weighted_city_metrics([(2000, 1, 10.0, 10.0, 0), (2000, 2, 20.0, 20.0, 0)])
    r = one(centres_of_mass(m))
    assert np.isnan(r["latitude"]) and r["total_weight"] == 0.0 and r["n_cities"] == 0


def test_cities_without_coordinates_are_left_out_and_counted():
    m = weighted_city_metrics([(2000, 1, 10.0, 0.0, 1), (2000, 2, 30.0, 40.0, 3), (2000, 3, None, None, 100),
               (2000, 4, None, 5.0, 7), (2000, 5, None, None, 0)])
    r = one(centres_of_mass(m))
    assert (r["latitude"], r["longitude"]) == pytest.approx((25.0, 30.0))
    assert r["total_weight"] == 4.0
    assert r["cities_without_coordinates"] == 2  # city 5 weighs nothing: nothing was lost


def test_incomplete_impact_years_are_flagged():
    m = weighted_city_metrics([(2000, 1, 0.0, 0.0, 1), (2000, 2, 0.0, 10.0, 1), (2001, 1, 0.0, 0.0, 1), (2001, 2, 0.0, 10.0, 1)],
              incomplete_years={2001})
    c = centres_of_mass(m, metrics_=("impact", "impact_long", "productivity", "ai_scientists"))
    assert bool(one(c, "impact", 2000)["window_complete"])
    assert not bool(one(c, "impact", 2001)["window_complete"])
    assert bool(one(c, "impact_long", 2001)["window_complete"])
    assert bool(one(c, "productivity", 2001)["window_complete"])
    assert bool(one(c, "ai_scientists", 2001)["window_complete"])
    # ... and the flag travels into the pull and the trajectory.
    assert not bool(one(focal_pull(m, 2), "impact", 2001)["window_complete"])
    assert not bool(one(centre_trajectory(c), "impact", 2001)["window_complete"])


def test_bad_input_is_refused():
    m = weighted_city_metrics([(2000, 1, 0.0, 0.0, 1)])
    with pytest.raises(ValueError, match="method"):
        centres_of_mass(m, method="mercator")
    with pytest.raises(ValueError, match="negative"):
        centres_of_mass(weighted_city_metrics([(2000, 1, 0.0, 0.0, -1)]))
    with pytest.raises(ValueError, match="one row per city"):
        centres_of_mass(pd.concat([m, m], ignore_index=True))
    with pytest.raises(ValueError, match="latitude"):
        centres_of_mass(weighted_city_metrics([(2000, 1, 95.0, 0.0, 1)]))
    with pytest.raises(TypeError):
        centres_of_mass(m, metrics_="impact")


# ---------------------------------------------------------------- focal pull


def test_pull_is_zero_when_the_focal_city_weighs_nothing():
    m = weighted_city_metrics([(2000, 1, 10.0, 0.0, 1), (2000, 2, 30.0, 40.0, 3), (2000, BEIJING_GEONAMES_ID, 39.9, 116.4, 0),
               (2001, 1, 10.0, 0.0, 1), (2001, 2, 30.0, 40.0, 3)])  # 2001: Beijing absent
    for method in ("planar", "spherical"):
        p = focal_pull(m, method=method)  # default focal city: Beijing
        assert (p["focal_city_geonames_id"] == BEIJING_GEONAMES_ID).all()
        assert (p["pull_km"] == 0.0).all(), method
        assert (p["focal_weight"] == 0.0).all()


def test_pull_along_a_meridian_equals_the_hand_haversine():
    # Cities on the prime meridian at latitudes 0 (w 1), 30 (focal, w 1), 60 (w 2).
    m = weighted_city_metrics([(2000, 1, 0.0, 0.0, 1), (2000, 9, 30.0, 0.0, 1), (2000, 3, 60.0, 0.0, 2)])
    r = one(focal_pull(m, 9))
    assert (r["lat_with"], r["lon_with"]) == pytest.approx((37.5, 0.0))  # (0 + 30 + 120) / 4
    assert (r["lat_without"], r["lon_without"]) == pytest.approx((40.0, 0.0))  # (0 + 120) / 3
    assert r["pull_km"] == pytest.approx(2.5 * KM_PER_DEG, rel=1e-9)  # ~278 km
    assert r["focal_share"] == pytest.approx(0.25) and r["focal_city_name"] == "c9"


def test_beijing_pulls_the_centre_east_and_its_pull_grows():
    rows = []
    for k, y in enumerate([2000, 2001, 2002]):
        rows += [(y, 1, 40.0, -100.0, 10), (y, 2, 50.0, 0.0, 10), (y, BEIJING_GEONAMES_ID, 39.9, 116.4, 1 + 5 * k)]
    p = focal_pull(weighted_city_metrics(rows))
    i = p[p["metric"] == "impact"].sort_values("year")
    assert (i["lon_with"] > i["lon_without"]).all()
    assert i["pull_km"].is_monotonic_increasing and i["pull_km"].iloc[0] > 0
    expected = haversine_km(i["lat_with"], i["lon_with"], i["lat_without"], i["lon_without"])
    np.testing.assert_allclose(i["pull_km"], expected)
    assert (i["focal_city_bloc"] == "East").all()


def test_pull_undefined_when_the_focal_city_holds_all_the_weight_and_refused_without_coordinates():
    p = focal_pull(weighted_city_metrics([(2000, 1, 0.0, 0.0, 0), (2000, 9, 30.0, 0.0, 5)]), 9)
    assert p["pull_km"].isna().all() and np.isnan(one(p)["lat_without"])
    with pytest.raises(ValueError, match="no coordinates"):
        focal_pull(weighted_city_metrics([(2000, 1, 0.0, 0.0, 1), (2000, 9, None, None, 5)]), 9)


# ---------------------------------------------------------------- trajectory


def _centres(path, method="planar") -> pd.DataFrame:
    return pd.DataFrame([dict(year=y, metric="impact", method=method, latitude=la, longitude=lo, window_complete=True)
                         for y, la, lo in path])


def test_trajectory_on_a_straight_path_along_the_equator():
    t = centre_trajectory(_centres([(2000, 0.0, 0.0), (2001, 0.0, 1.0), (2002, 0.0, 2.0), (2003, 0.0, 3.0)]))
    np.testing.assert_allclose(t["step_km"], [0, KM_PER_DEG, KM_PER_DEG, KM_PER_DEG], rtol=1e-9)
    np.testing.assert_allclose(t["distance_from_first_km"], np.array([0, 1, 2, 3]) * KM_PER_DEG, rtol=1e-9)
    np.testing.assert_allclose(t["cumulative_km"], t["distance_from_first_km"], rtol=1e-9)
    assert np.isnan(t["mean_speed_km_per_year"].iloc[0])
    np.testing.assert_allclose(t["mean_speed_km_per_year"].iloc[1:], KM_PER_DEG, rtol=1e-9)  # ~111.2 km/yr
    np.testing.assert_allclose(t["net_speed_km_per_year"].iloc[1:], KM_PER_DEG, rtol=1e-9)


def test_trajectory_path_speed_versus_straight_line_speed_with_a_gap_year():
    # 2000 (0,0) -> 2002 (0,2) -> 2004 (0,1): path 3 degrees, net 1 degree, 4 years; 2003 undefined.
    t = centre_trajectory(_centres([(2000, 0.0, 0.0), (2002, 0.0, 2.0), (2003, np.nan, np.nan), (2004, 0.0, 1.0)]))
    last = one(t, year=2004)
    assert last["cumulative_km"] == pytest.approx(3 * KM_PER_DEG)
    assert last["distance_from_first_km"] == pytest.approx(KM_PER_DEG)
    assert last["mean_speed_km_per_year"] == pytest.approx(0.75 * KM_PER_DEG)
    assert last["net_speed_km_per_year"] == pytest.approx(0.25 * KM_PER_DEG)
    assert last["step_km"] == pytest.approx(KM_PER_DEG)  # from 2002, skipping the undefined 2003
    assert np.isnan(one(t, year=2003)["cumulative_km"])


def test_trajectory_groups_by_metric_and_method():
    m = weighted_city_metrics([(y, 1, 0.0, 0.0, 1) for y in (2000, 2001)] + [(2000, 2, 0.0, 10.0, 1), (2001, 2, 0.0, 10.0, 3)])
    c = pd.concat([centres_of_mass(m, method="planar"), centres_of_mass(m, method="spherical")])
    t = centre_trajectory(c)
    assert len(t) == 12 and t.groupby(["metric", "method"]).size().eq(2).all()
    r = t[(t["metric"] == "impact") & (t["method"] == "planar") & (t["year"] == 2001)].iloc[0]
    assert r["step_km"] == pytest.approx(2.5 * KM_PER_DEG)  # 5 -> 7.5 degrees east


# ---------------------------------------------------------------- figures


def _fig_world() -> pd.DataFrame:
    rows = []
    for k, y in enumerate(range(1990, 1996)):
        rows += [(y, 5128581, 40.7, -74.0, 50), (y, 2643743, 51.5, -0.13, 20),
                 (y, BEIJING_GEONAMES_ID, 39.9, 116.4, 2 + 10 * k)]
    return weighted_city_metrics(rows, incomplete_years={1995})


def test_figures_build_and_the_map_renders(tmp_path):
    from aigeo_assets.reports.figures import write_figure

    m = _fig_world()
    c = pd.concat([centres_of_mass(m), centres_of_mass(m, method="spherical")], ignore_index=True)
    fig = fig_centre_trajectories(c)
    assert isinstance(fig, go.Figure)
    assert [t.type for t in fig.data] == ["scattergeo"] * 3  # one trace per metric, planar only
    tr = fig.data[0]
    assert list(tr.text) == ["1990", "", "", "", "", "1995"]  # first and last years labelled
    assert list(tr.marker.color) == list(range(1990, 1996)) and tr.marker.showscale
    assert fig.layout.geo.projection.type == "natural earth"
    impact = next(t for t in fig.data if "impact" in t.name.lower())
    assert impact.marker.symbol[-1].endswith("-open") and not impact.marker.symbol[0].endswith("-open")
    assert len(fig_centre_trajectories(c, method="spherical").data) == 3

    p = fig_focal_pull(focal_pull(m))
    assert [t.type for t in p.data] == ["scatter"] * 3
    assert list(p.data[0].x) == list(range(1990, 1996))
    assert "c1816670" in p.layout.title.text and "#d62728" in p.layout.title.text  # East red

    files = write_figure(fig, tmp_path, "centres", width=700, height=400)
    assert files.png.is_file() and files.png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert files.html.is_file()
