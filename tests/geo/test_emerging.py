"""Tests for geo.emerging: space-time Gi*, Mann-Kendall and the ArcGIS patterns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.stats import kendalltau

from geo.boundaries import Boundaries
from geo.emerging import (
    PATTERNS,
    classify_patterns,
    emerging_datazones,
    emerging_from_cube,
    emerging_grid,
    mann_kendall,
    spacetime_gi_star,
    time_steps,
)
from geo.errors import ParameterError

esda = pytest.importorskip("esda")
libpysal = pytest.importorskip("libpysal")
from libpysal.weights import WSP, lat2W  # noqa: E402


def esda_z(y: np.ndarray, w: object) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        g = esda.G_Local(y, w, transform="B", star=True, permutations=0)
    return np.asarray(g.Zs, dtype=float)


def test_purely_spatial_case_is_esda_per_slice() -> None:
    w = lat2W(5, 5)  # queen
    cube = np.random.default_rng(1).poisson(3.0, (25, 6)).astype(float)
    gi = spacetime_gi_star(cube, w.sparse, time_window=0, global_window="slice")
    for t in range(6):
        np.testing.assert_allclose(gi.z[:, t], esda_z(cube[:, t], w), rtol=1e-9, atol=1e-12)


def test_space_time_neighbourhood_is_esda_on_the_stacked_cube() -> None:
    """Bin (i, t) has the spatial neighbours of i (and i) at t and t − 1."""
    w = lat2W(4, 4)
    n, steps, k = 16, 7, 1
    cube = np.random.default_rng(2).poisson(2.0, (n, steps)).astype(float)
    a = w.sparse.toarray() + np.eye(n)
    big = np.zeros((n * steps, n * steps))  # bin index t * n + i
    for t in range(steps):
        for s in range(max(0, t - k), t + 1):
            big[t * n : (t + 1) * n, s * n : (s + 1) * n] = a
    np.fill_diagonal(big, 0.0)  # esda's star=True puts the self-weight back
    wst = WSP(sp.csr_matrix(big)).to_W(silence_warnings=True)
    ref = esda_z(cube.T.ravel(), wst).reshape(steps, n).T
    gi = spacetime_gi_star(cube, w.sparse, time_window=k)
    np.testing.assert_allclose(gi.z, ref, rtol=1e-9, atol=1e-12)
    assert gi.weight_sum[0, 0] == a[0].sum() and gi.weight_sum[0, 3] == 2 * a[0].sum()


def test_bad_parameters() -> None:
    with pytest.raises(ParameterError, match="global_window"):
        spacetime_gi_star(np.ones((4, 5)), np.eye(4), time_window=1, global_window="slice")
    with pytest.raises(ParameterError, match="time_window"):
        spacetime_gi_star(np.ones((4, 5)), np.eye(4), time_window=-1)
    with pytest.raises(ParameterError, match="interval"):
        time_steps(pd.Timestamp("2024-01-01", tz="UTC"), pd.Timestamp("2025-01-01", tz="UTC"), "day")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="whole month"):
        time_steps(pd.Timestamp("2024-01-15", tz="UTC"), pd.Timestamp("2024-03-20", tz="UTC"), "month")


def test_time_steps_are_whole_local_months_and_weeks() -> None:
    s = time_steps(pd.Timestamp("2024-01-15", tz="UTC"), pd.Timestamp("2024-07-10", tz="UTC"), "month")
    assert s.labels == ["2024-02", "2024-03", "2024-04", "2024-05", "2024-06"]
    assert s.starts[2] == pd.Timestamp("2024-03-31T23:00", tz="UTC")  # BST midnight
    w = time_steps(pd.Timestamp("2024-01-03", tz="UTC"), pd.Timestamp("2024-02-01", tz="UTC"), "week")
    assert w.labels == ["2024-01-08", "2024-01-15", "2024-01-22"]
    when = pd.Series(pd.to_datetime(["2024-01-07T23:59", "2024-01-08T00:00", "2024-01-28T23:59", "2024-01-29T00:00"], utc=True))
    assert w.locate(when).tolist() == [-1, 0, 2, -1]


def test_mann_kendall_is_kendall_tau_against_time() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(30, 14)) + np.linspace(0, 2, 14) * rng.integers(-1, 2, (30, 1))
    mk = mann_kendall(x)
    for i in range(30):
        ref = kendalltau(np.arange(14), x[i], method="asymptotic")
        assert mk.s[i] == pytest.approx(ref.statistic * 14 * 13 / 2, abs=1e-9)
        assert mk.p[i] == pytest.approx(ref.pvalue, rel=1e-9)
        assert np.sign(mk.z[i]) == np.sign(ref.statistic)
    # ties in the values: the tie-corrected variance equals scipy's tau-b test
    y = np.array([[1, 2, 2, 3, 3, 3, 5, 4, 6, 6]], dtype=float)
    ref = kendalltau(np.arange(10), y[0], method="asymptotic")
    assert mann_kendall(y).p[0] == pytest.approx(ref.pvalue, rel=1e-9)


# ------------------------------------------------------------------ the categories

H, C = "h", "c"
PLANTED = {  # series of bins (oldest first), trend (+1 up, −1 down, 0 none) -> pattern
    "new_hot": ("........." + H, 0),
    "consecutive_hot": (".......HHH".replace("H", H), 0),
    "intensifying_hot": (H * 10, +1),
    "persistent_hot": ("." + H * 9, 0),
    "diminishing_hot": (H * 10, -1),
    "sporadic_hot": ("..h..h...h", 0),
    "oscillating_hot": ("cc.....h.h", 0),
    "historical_hot": (H * 9 + ".", 0),
    "new_cold": ("........." + C, 0),
    "consecutive_cold": ("........cc", 0),
    "intensifying_cold": (C * 10, -1),
    "persistent_cold": (C * 10, 0),
    "diminishing_cold": ("." + C * 9, +1),
    "sporadic_cold": (".c..c....c", 0),
    "oscillating_cold": ("h...h....c", 0),
    "historical_cold": (C * 9 + ".", 0),
    "no_pattern": ("..h..h....", 0),
}


def test_each_category_planted_once_by_hand() -> None:
    names = list(PLANTED)
    hot = np.array([[ch == H for ch in PLANTED[k][0]] for k in names])
    cold = np.array([[ch == C for ch in PLANTED[k][0]] for k in names])
    trend_z = np.array([3.0 * PLANTED[k][1] for k in names])
    trend_p = np.where(trend_z != 0, 0.001, 0.6)
    got = classify_patterns(hot, cold, trend_z, trend_p)
    assert list(got) == names
    assert set(names) == set(PATTERNS)


def test_ninety_percent_boundary_and_trend_level() -> None:
    # 9 of 10 hot is "90 percent"; 8 of 10 is not (then: sporadic, as final is hot)
    hot = np.array([[True] * 9 + [True], [False] + [True] * 9, [False, False] + [True] * 8])
    hot[2, 4] = False
    got = classify_patterns(hot, np.zeros_like(hot), [0, 0, 0], [1, 1, 1])
    assert list(got) == ["persistent_hot", "persistent_hot", "sporadic_hot"]
    # a trend at p = 0.06 is not significant at the default 0.05
    got = classify_patterns(hot[:1], np.zeros_like(hot[:1]), [2.0], [0.06])
    assert list(got) == ["persistent_hot"]


def test_planted_count_cube_end_to_end() -> None:
    """Isolated locations (no spatial neighbours, no time window): each bin's Gi* is the
    standardised count, so planted counts set the hot and cold bins exactly."""
    rng = np.random.default_rng(4)
    n_bg, steps = 200, 12
    cube = 30.0 + rng.integers(-1, 2, (n_bg + 5, steps)).astype(float)
    cube[n_bg + 0, -1] = 60  # new hot
    cube[n_bg + 1, -3:] = 60  # consecutive hot
    cube[n_bg + 2] = np.linspace(50, 80, steps)  # intensifying hot
    cube[n_bg + 3, :-1] = 60  # historical hot
    cube[n_bg + 4, -1] = 0  # new cold
    gi, trend, pattern = emerging_from_cube(cube, sp.csr_matrix((n_bg + 5, n_bg + 5)), time_window=0)
    xbar, s = cube.mean(), cube.std()
    np.testing.assert_allclose(gi.z, (cube - xbar) / s, rtol=1e-9)  # W = 1: z = (x − x̄)/S
    assert list(pattern[n_bg:]) == ["new_hot", "consecutive_hot", "intensifying_hot", "historical_hot", "new_cold"]
    assert (pattern[:n_bg] == "no_pattern").mean() > 0.95
    assert trend.z[n_bg + 2] > 0 and trend.p[n_bg + 2] < 0.05


def test_emerging_datazones_planted_new_hot_spot(boundaries: Boundaries) -> None:
    dz = boundaries.datazones
    rng = np.random.default_rng(6)
    months = pd.date_range("2023-01-01", periods=24, freq="MS", tz="Europe/London")
    rows = []
    for m in months:
        zones = rng.choice(dz["code"].to_numpy(), 300)
        rows += [(z, m + pd.Timedelta(days=3)) for z in zones]
        if m >= months[-1]:
            rows += [(dz["code"].iloc[50], m + pd.Timedelta(days=5))] * 60
    inc = pd.DataFrame(rows, columns=["datazone", "occurred_at"])
    inc["occurred_at"] = pd.to_datetime(inc["occurred_at"], utc=True)
    inc["date_precision"] = "datetime"
    res = emerging_datazones(inc, boundaries, start=months[0].tz_convert("UTC"),
                             end=(months[-1] + pd.DateOffset(months=1)).tz_convert("UTC"))
    u = res.units.set_index("code")
    assert len(res.steps) == 24 and res.counts.shape == (239, 24)
    assert res.counts.sum() == len(inc) == u["count"].sum()
    assert u.loc[dz["code"].iloc[50], "pattern"] == "new_hot"
    assert (u["pattern"] == "no_pattern").mean() > 0.8
    assert res.parameters["excluded"]["outside_whole_steps"] == 0
    # weekly steps leave month-dated records out, and say how many
    inc.loc[:99, "date_precision"] = "month"
    wk = emerging_datazones(inc, boundaries, start=pd.Timestamp("2024-06-03", tz="UTC"),
                            end=pd.Timestamp("2025-01-06", tz="UTC"), interval="week")
    assert wk.steps.interval == "week"
    assert wk.parameters["excluded"]["month_precision_dates"] == int(
        (inc.loc[:99, "occurred_at"] >= pd.Timestamp("2024-06-03", tz="UTC")).sum())


def test_emerging_grid_leaves_out_datazone_precision(boundaries: Boundaries) -> None:
    rng = np.random.default_rng(8)
    x0, y0, x1, y1 = boundaries.area.bounds
    n = 3000
    inc = pd.DataFrame({
        "easting": rng.uniform(x0, x1, n), "northing": rng.uniform(y0, y1, n),
        "occurred_at": pd.to_datetime("2024-01-01", utc=True) + pd.to_timedelta(rng.uniform(0, 365, n), unit="D"),
        "location_precision": np.where(np.arange(n) < 50, "datazone", "exact"),
    })
    res = emerging_grid(inc, boundaries, start=pd.Timestamp("2024-01-01", tz="UTC"),
                        end=pd.Timestamp("2025-01-01", tz="UTC"), cell_m=1000)
    ex = res.parameters["excluded"]
    assert ex["datazone_precision_locations"] == 50
    assert res.counts.sum() + ex["datazone_precision_locations"] + ex["outside_study_area"] + ex["outside_whole_steps"] == n
    assert set(res.units["pattern"]) <= set(PATTERNS)
