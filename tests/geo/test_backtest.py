"""Backtest: a persistent planted hotspot is predictable (PAI >> 1), uniform noise is not."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.errors import ParameterError
from geo.patterns.backtest import backtest, prefix_mask, summarise

MONTHS = pd.period_range("2024-01", "2024-07", freq="M")


def uniform(rng, area, n):
    x0, y0, x1, y1 = area.bounds
    out = np.empty((0, 2))
    while len(out) < n:
        p = np.column_stack([rng.uniform(x0, x1, 2 * n), rng.uniform(y0, y1, 2 * n)])
        out = np.vstack([out, p[shapely.contains_xy(area, p[:, 0], p[:, 1])]])
    return out[:n]


def incidents(boundaries, *, planted: bool, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    centre = boundaries.datazones.geometry.iloc[50].representative_point()
    parts = []
    for m in MONTHS:
        xy = uniform(rng, boundaries.area, 400)
        if planted:
            hot = np.column_stack([centre.x + rng.normal(0, 60, 120), centre.y + rng.normal(0, 60, 120)])
            xy = np.vstack([xy, hot])
        start = m.to_timestamp().tz_localize("Europe/London").tz_convert("UTC")
        secs = rng.integers(0, 27 * 86400, len(xy))
        parts.append(pd.DataFrame({"easting": xy[:, 0], "northing": xy[:, 1],
                                   "occurred_at": start + pd.to_timedelta(secs, unit="s")}))
    df = pd.concat(parts, ignore_index=True)
    pts = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.easting, df.northing), crs=27700)
    joined = gpd.sjoin(pts, boundaries.datazones[["code", "geometry"]], how="left", predicate="within")
    df["datazone"] = joined.groupby(level=0)["code"].first()
    df["source_id"] = [f"S{i}" for i in range(len(df))]
    df["agency"] = np.where(np.arange(len(df)) % 5 == 0, "fire", "police")
    df["category"], df["ward"] = "vandalism", None
    return df


METHODS = ("gistar", "kde", "last_month", "dbscan")


def test_persistent_hotspot_is_predictable(boundaries) -> None:
    scores = backtest(incidents(boundaries, planted=True), boundaries, end_month=pd.Period("2024-08", "M"),
                      months=3, train_months=3, methods=METHODS)
    assert len(scores) == len(METHODS) * 3 and {s.month for s in scores} == {"2024-05", "2024-06", "2024-07"}
    for s in scores:
        assert s.pai is not None and s.pai > 3, s
        assert s.pai == pytest.approx((s.n / s.N) / s.area_share)
        assert s.rri == pytest.approx((s.n / s.N) / (s.n_train / s.N_train))
        assert s.pai_low <= s.pai <= s.pai_high
        if s.method != "dbscan":
            assert 0.04 <= s.area_share <= 0.05 + 1e-9
    summary = summarise(scores)
    fair = [r for r in summary if r["comparable"]]
    assert summary[: len(fair)] == fair and {r["method"] for r in fair} >= {"gistar", "kde", "last_month"}
    assert [r["mean_pai"] for r in fair] == sorted((r["mean_pai"] for r in fair), reverse=True)


def test_uniform_background_is_not_predictable(boundaries) -> None:
    scores = backtest(incidents(boundaries, planted=False, seed=1), boundaries, end_month=pd.Period("2024-08", "M"),
                      months=4, train_months=3, methods=("gistar", "kde", "last_month"))
    for m in ("gistar", "kde", "last_month"):
        mine = [s for s in scores if s.method == m]
        n = sum(s.n for s in mine)
        expected = sum(s.N * s.area_share for s in mine)
        # n ~ Poisson(expected) under no predictability: 4 standard deviations
        assert abs(n - expected) < 4 * np.sqrt(expected) + 1, (m, n, expected)
        assert 0.5 < np.mean([s.pai for s in mine]) < 1.6


def test_prefix_mask_and_errors(boundaries) -> None:
    m = prefix_mask(np.array([1.0, 5.0, 3.0, 0.0]), np.array([10.0, 10.0, 10.0, 10.0]), 15.0)
    assert m.tolist() == [False, True, False, False]
    m = prefix_mask(np.array([1.0, 5.0, 3.0]), np.array([4.0, 20.0, 10.0]), 15.0)
    assert m.tolist() == [True, False, True]  # the top unit is too big: skipped
    assert prefix_mask(np.array([0.0, 2.0]), np.array([1.0, 1.0]), 5.0, positive_only=True).tolist() == [False, True]
    with pytest.raises(ParameterError):
        backtest(incidents(boundaries, planted=False).head(10), boundaries, end_month=pd.Period("2024-08", "M"),
                 methods=("nearest",))
