"""Tests for geo.kde: quartic kernel density, METHODS.md §5."""

from __future__ import annotations

import json
import math
from typing import Any, Literal

import numpy as np
import pytest
from pyproj import Transformer
from scipy import integrate

from geo.errors import (
    EmptyInputError,
    ParameterError,
    TooFewIncidentsError,
    TooLargeError,
)
from geo.kde import default_bandwidth, kde_surface, quartic_kernel

RTOL = 1e-5
PX = np.array([0.0, 2.0, 0.0, 2.0, 6.0])
PY = np.array([0.0, 0.0, 2.0, 2.0, 1.0])
W = np.array([1.0, 1.0, 1.0, 1.0, 3.0])
# the worked-example grid: 1 m cells centred on integer coordinates 0..6 × 0..2
UNIT_BOUNDS = (-0.5, -0.5, 6.5, 2.5)


def analytic(
    x: float,
    y: float,
    px: np.ndarray,
    py: np.ndarray,
    h: float,
    w: np.ndarray | None = None,
) -> float:
    """λ(s) straight from the definition, pure Python (per m²)."""
    w = np.ones(px.size) if w is None else w
    total = 0.0
    for xi, yi, wi in zip(px.tolist(), py.tolist(), w.tolist(), strict=True):
        d = math.hypot(x - xi, y - yi)
        if d < h:
            total += wi * 3 / (math.pi * h * h) * (1 - (d / h) ** 2) ** 2
    return total


def test_kernel_integrates_to_one() -> None:
    h = 1.7
    val, _ = integrate.dblquad(
        lambda r, t: float(quartic_kernel(r, h)) * r, 0, 2 * math.pi, 0, h
    )
    assert val == pytest.approx(1.0, rel=1e-9)


def test_bandwidth_worked_example() -> None:
    assert default_bandwidth(PX, PY) == pytest.approx(1.54363, rel=RTOL)
    assert default_bandwidth(PX, PY, weights=W) == pytest.approx(1.64380, rel=RTOL)
    # integer weights = the expanded data
    ex, ey = np.repeat(PX, W.astype(int)), np.repeat(PY, W.astype(int))
    assert default_bandwidth(PX, PY, weights=W) == pytest.approx(
        default_bandwidth(ex, ey), rel=1e-12
    )


def test_bandwidth_even_count_median_and_min_rule() -> None:
    # 6 points: Dm is the mean of the two middle distances; an outlier makes SD the
    # larger term, so h uses sqrt(1/ln 2)·Dm
    x = np.array([0.0, 1.0, 0.0, 1.0, 0.5, 40.0])
    y = np.array([0.0, 0.0, 1.0, 1.0, 0.5, 0.0])
    mx, my = x.mean(), y.mean()
    d = np.sort(np.hypot(x - mx, y - my))
    dm = (d[2] + d[3]) / 2
    sd = math.sqrt(((x - mx) ** 2).mean() + ((y - my) ** 2).mean())
    expected = 0.9 * min(sd, math.sqrt(1 / math.log(2)) * dm) * 6**-0.2
    assert sd > math.sqrt(1 / math.log(2)) * dm
    assert default_bandwidth(x, y) == pytest.approx(expected, rel=1e-12)


def test_surface_worked_example() -> None:
    res = kde_surface(PX, PY, cell_m=1.0, bounds=UNIT_BOUNDS)
    assert res.shape == (3, 7) and res.bandwidth_rule == "arcgis_default"
    per_m2 = res.values / 1e6  # values are per km²
    # (row, col) = (y, x) on this grid
    expected = {(0, 0): 0.400762, (1, 1): 0.0413703, (1, 2): 0.269933, (1, 4): 0.0}
    for (r, c), lam in expected.items():
        assert per_m2[r, c] == pytest.approx(lam, rel=RTOL, abs=1e-12)
    assert per_m2[0, 0] / 5 == pytest.approx(0.0801524, rel=RTOL)
    assert per_m2[1, 1] / 5 == pytest.approx(0.00827405, rel=RTOL)
    assert per_m2[1, 2] / 5 == pytest.approx(0.0539866, rel=RTOL)
    h = res.bandwidth_m
    for r in range(3):
        for c in range(7):
            assert per_m2[r, c] == pytest.approx(
                analytic(c, r, PX, PY, h), rel=1e-12, abs=1e-15
            )


def test_surface_weighted_equals_expanded() -> None:
    res = kde_surface(PX, PY, cell_m=1.0, bounds=UNIT_BOUNDS, weights=W)
    assert res.bandwidth_m == pytest.approx(1.64380, rel=RTOL)
    assert res.values[1, 6] / 1e6 == pytest.approx(1.06021, rel=RTOL)
    assert res.weight_total == 7 and res.n_points == 5
    ex, ey = np.repeat(PX, W.astype(int)), np.repeat(PY, W.astype(int))
    expanded = kde_surface(ex, ey, cell_m=1.0, bounds=UNIT_BOUNDS)
    np.testing.assert_allclose(res.values, expanded.values, rtol=1e-12)


def test_single_point_matches_analytic_kernel() -> None:
    px, py, h, cell = 300123.4, 665432.1, 500.0, 50.0
    res = kde_surface([px], [py], bandwidth_m=h, cell_m=cell)
    assert res.bandwidth_rule == "user" and res.method == "exact"
    xs, ys = res.cell_centres()
    rng = np.random.default_rng(0)
    rows = rng.integers(0, res.shape[0], 30)
    cols = rng.integers(0, res.shape[1], 30)
    for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
        d = math.hypot(xs[c] - px, ys[r] - py)
        k = 3 / (math.pi * h * h) * (1 - (d / h) ** 2) ** 2 if d < h else 0.0
        assert res.values[r, c] == pytest.approx(k * 1e6, rel=1e-12, abs=1e-12)
    # the peak is in the cell holding the point
    r0, c0 = np.unravel_index(np.argmax(res.values), res.shape)
    assert xs[c0] - cell / 2 <= px < xs[c0] + cell / 2
    assert ys[r0] - cell / 2 <= py < ys[r0] + cell / 2


@pytest.mark.parametrize("method", ["exact", "binned"])
def test_integral_equals_number_of_points(method: Literal["exact", "binned"]) -> None:
    rng = np.random.default_rng(1)
    x = np.r_[rng.normal(301000, 800, 400), rng.uniform(290000, 310000, 100)]
    y = np.r_[rng.normal(668000, 800, 400), rng.uniform(660000, 675000, 100)]
    res = kde_surface(x, y, method=method)  # default bounds cover every kernel
    assert res.method == method
    assert res.integral() == pytest.approx(500, rel=5e-3)
    assert res.cell_m <= res.bandwidth_m / 4
    fine = kde_surface(x, y, method=method, cell_m=res.bandwidth_m / 10)
    assert fine.integral() == pytest.approx(500, rel=1e-3)


def test_binned_matches_exact() -> None:
    rng = np.random.default_rng(2)
    # points at cell centres: binning is exact
    cx = 300000 + (rng.integers(0, 80, 300) + 0.5) * 25.0
    cy = 660000 + (rng.integers(0, 60, 300) + 0.5) * 25.0
    kw: dict[str, Any] = {
        "cell_m": 25.0,
        "bandwidth_m": 180.0,
        "bounds": (299000.0, 659000.0, 303000.0, 662500.0),
    }
    exact = kde_surface(cx, cy, method="exact", **kw)
    binned = kde_surface(cx, cy, method="binned", **kw)
    np.testing.assert_allclose(
        binned.values, exact.values, rtol=1e-9, atol=1e-9 * exact.values.max()
    )
    # arbitrary positions: close, and both integrate to n
    x, y = cx + rng.uniform(-12, 12, 300), cy + rng.uniform(-12, 12, 300)
    exact = kde_surface(x, y, method="exact", **kw)
    binned = kde_surface(x, y, method="binned", **kw)
    rel_l1 = np.abs(binned.values - exact.values).sum() / exact.values.sum()
    assert rel_l1 < 0.05
    assert binned.integral() == pytest.approx(exact.integral(), rel=1e-3)


def test_duplicates_and_points_outside_bounds() -> None:
    x = np.array([1000.0, 1000.0, 1000.0, 1300.0, 880.0])
    y = np.array([2000.0, 2000.0, 2000.0, 2100.0, 2000.0])
    big = kde_surface(
        x, y, cell_m=10.0, bandwidth_m=150.0, bounds=(700.0, 1800.0, 1500.0, 2300.0)
    )
    weighted = kde_surface(
        x[2:],
        y[2:],
        weights=[3, 1, 1],
        cell_m=10.0,
        bandwidth_m=150.0,
        bounds=(700.0, 1800.0, 1500.0, 2300.0),
    )
    np.testing.assert_allclose(weighted.values, big.values, rtol=1e-12)
    # a sub-window: the point at x=880 lies outside it but still contributes
    sub = kde_surface(
        x, y, cell_m=10.0, bandwidth_m=150.0, bounds=(900.0, 1900.0, 1200.0, 2200.0)
    )
    np.testing.assert_allclose(sub.values, big.values[10:40, 20:50], rtol=1e-12)
    assert any("outside the grid" in note for note in sub.notes)


def test_heat_points_and_dict() -> None:
    rng = np.random.default_rng(4)
    x, y = rng.normal(301000, 500, 200), rng.normal(668000, 500, 200)
    res = kde_surface(x, y)
    pts = res.to_heat_points(top_n=50)
    assert len(pts) == 50
    vals = [p[2] for p in pts]
    assert (
        vals == sorted(vals, reverse=True)
        and vals[0] == res.values.max()
        and min(vals) > 0
    )
    back = Transformer.from_crs(4326, 27700, always_xy=True)
    xs, ys = res.cell_centres()
    lat, lon = pts[0][0], pts[0][1]
    e, n = back.transform(lon, lat)
    r0, c0 = np.unravel_index(np.argmax(res.values), res.shape)
    assert e == pytest.approx(xs[c0], abs=0.5) and n == pytest.approx(ys[r0], abs=0.5)
    west, south, east, north = res.bounds_wgs84
    assert all(south <= p[0] <= north and west <= p[1] <= east for p in pts)
    assert res.to_heat_points(top_n=10, normalize=True)[0][2] == 1.0
    d = res.to_dict(top_n=20)
    json.dumps(d, allow_nan=False)
    assert d["units"] == "incidents per km²" and d["truncated"] is True
    assert d["shape"] == list(res.values.shape) and len(d["points"]) == 20
    assert d["n_nonzero"] == int((res.values > 0).sum())


def test_default_cell_rules_and_limits() -> None:
    rng = np.random.default_rng(5)
    x, y = rng.uniform(290000, 310000, 300), rng.uniform(660000, 675000, 300)
    res = kde_surface(x, y)
    bx0, by0, bx1, by1 = res.bounds
    assert bx0 <= x.min() - res.bandwidth_m and bx1 >= x.max() + res.bandwidth_m
    assert by0 <= y.min() - res.bandwidth_m and by1 >= y.max() + res.bandwidth_m
    short = min(x.max() - x.min(), y.max() - y.min()) + 2 * res.bandwidth_m
    assert res.cell_m <= short / 250 and res.cell_m > short / 250 * 0.9
    small = kde_surface(x, y, max_cells=5000)
    assert small.cell_rule == "max_cells" and small.values.size <= 5000
    with pytest.raises(TooLargeError, match="cell_m"):
        kde_surface(x, y, cell_m=1.0)


def test_errors() -> None:
    with pytest.raises(EmptyInputError):
        kde_surface([], [])
    with pytest.raises(TooFewIncidentsError, match="bandwidth_m"):
        kde_surface([1.0], [2.0])
    with pytest.raises(TooFewIncidentsError):
        default_bandwidth([5.0, 5.0, 5.0], [1.0, 1.0, 1.0])
    one = kde_surface([1.0], [2.0], bandwidth_m=10.0, cell_m=1.0)
    assert one.integral() == pytest.approx(1.0, rel=1e-2)
    with pytest.raises(ParameterError, match="bandwidth_m"):
        kde_surface(PX, PY, bandwidth_m=-1.0)
    with pytest.raises(ParameterError, match="bounds"):
        kde_surface(PX, PY, bounds=(0.0, 0.0, -1.0, 1.0))
    with pytest.raises(ParameterError, match="weights"):
        kde_surface(PX, PY, weights=[1, 1, 1, 1, -1])
    with pytest.raises(ParameterError, match="method"):
        kde_surface(PX, PY, method="fast")  # type: ignore[arg-type]
