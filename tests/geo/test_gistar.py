"""Tests for geo.gistar: METHODS.md §1 (Gi*) and §2 (BH FDR and bins)."""

from __future__ import annotations

import itertools
import json
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import false_discovery_control

from geo.boundaries import Boundaries
from geo.errors import EmptyInputError, ParameterError, TooLargeError
from geo.gistar import (
    confidence_bins,
    datazone_weights,
    default_cell_m,
    fdr_bh,
    gi_star,
    gistar_datazones,
    gistar_grid,
    grid_weights,
    make_grid,
)

esda = pytest.importorskip("esda")
libpysal = pytest.importorskip("libpysal")
from libpysal.weights import Queen, lat2W  # noqa: E402

RTOL = 1e-5
# the session fixture `boundaries` (tests/conftest.py) loads the real boundary files


def esda_z(y: np.ndarray, w: object) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):  # esda's NaN when W_i = n
        g = esda.G_Local(y, w, transform="B", star=True, permutations=0)
    return np.asarray(g.Zs, dtype=float)


# --------------------------------------------------------------------------- §1

Y33 = np.array([0, 1, 2, 1, 6, 8, 2, 7, 9], dtype=float)
# METHODS §1 table: (W_i, Σwx, z, two-sided p) for rook and queen
ROOK = [
    (3, 2, -2.04124, 0.0412268),
    (4, 9, -1.35554, 0.175244),
    (3, 11, -0.204124, 0.838256),
    (4, 9, -1.35554, 0.175244),
    (5, 23, 0.580948, 0.561276),
    (4, 25, 1.74284, 0.0813611),
    (3, 10, -0.408248, 0.683091),
    (4, 24, 1.54919, 0.121335),
    (3, 24, 2.44949, 0.0143059),
]
QUEEN = [
    (4, 8, -1.54919, 0.121335),
    (6, 18, -1.22474, 0.220671),
    (4, 17, 0.193649, 0.846451),
    (6, 17, -1.42887, 0.153042),
    (9, 36, math.nan, math.nan),
    (6, 33, 1.83712, 0.0661926),
    (4, 16, 0.0, 1.0),
    (6, 33, 1.83712, 0.0661926),
    (4, 30, 2.71109, 0.00670628),
]


@pytest.mark.parametrize(
    ("rook", "table"), [(True, ROOK), (False, QUEEN)], ids=["rook", "queen"]
)
def test_worked_example_3x3(rook: bool, table: list[tuple[float, ...]]) -> None:
    w = lat2W(3, 3, rook=rook)
    res = gi_star(Y33, w)
    wi, swx, z, p = (np.array(col, dtype=float) for col in zip(*table, strict=True))
    np.testing.assert_array_equal(res.n_neighbours + 1, wi)
    # Σ_j w_ij x_j of the table, from the binary weights with self included
    b = w.sparse.toarray() + np.eye(9)
    np.testing.assert_allclose(b @ Y33, swx)
    np.testing.assert_allclose(res.z, z, rtol=RTOL, atol=1e-12, equal_nan=True)
    np.testing.assert_allclose(res.p_value, p, rtol=RTOL, equal_nan=True)
    np.testing.assert_allclose(
        res.z, esda_z(Y33, w), rtol=1e-12, atol=1e-12, equal_nan=True
    )
    assert res.n == 9 and res.p_sim is None
    if rook:  # closed forms
        assert res.z[8] == pytest.approx(math.sqrt(6), rel=1e-12)
        assert res.z[0] == pytest.approx(-5 / math.sqrt(6), rel=1e-12)
    else:
        assert (
            np.isnan(res.z[4]) and np.isnan(res.p_value[4]) and np.isnan(res.p_fdr[4])
        )
        assert res.confidence[4] == 0
        assert any("W_i = n" in note for note in res.notes)


def test_weights_inputs_equivalent_and_not_mutated() -> None:
    w = lat2W(3, 3, rook=False)
    before = w.sparse.toarray().copy()
    dense = gi_star(Y33, before).z
    with_diag = gi_star(Y33, sp.csr_matrix(before + np.eye(9) * 0.5)).z
    np.testing.assert_array_equal(gi_star(Y33, w).z, dense)
    np.testing.assert_array_equal(with_diag, dense)
    np.testing.assert_array_equal(w.sparse.toarray(), before)


def test_no_variation_gives_nan_and_note() -> None:
    res = gi_star(np.full(9, 3.0), lat2W(3, 3))
    assert np.isnan(res.z).all()
    assert (res.confidence == 0).all()
    assert any("no variation" in note for note in res.notes)
    json.dumps(res.to_dict(), allow_nan=False)


def test_island_flagged_and_defined() -> None:
    # 4-cell chain plus an isolated cell (index 4)
    w = sp.csr_matrix(
        (np.ones(6), ([0, 1, 1, 2, 2, 3], [1, 0, 2, 1, 3, 2])), shape=(5, 5)
    )
    y = np.array([1.0, 4.0, 2.0, 0.0, 9.0])
    res = gi_star(y, w)
    assert res.islands.tolist() == [False, False, False, False, True]
    s = y.std()  # divisor n
    assert res.z[4] == pytest.approx((y[4] - y.mean()) / s, rel=1e-12)
    assert any("island" in note for note in res.notes)


def test_bad_input() -> None:
    with pytest.raises(EmptyInputError):
        gi_star([], sp.csr_matrix((0, 0)))
    with pytest.raises(ParameterError, match="`w`"):
        gi_star(Y33, lat2W(2, 2))
    with pytest.raises(ParameterError, match="`y`"):
        gi_star([1.0, np.nan, 2.0, 3.0], lat2W(2, 2))
    with pytest.raises(ParameterError, match="permutations"):
        gi_star(Y33, lat2W(3, 3), permutations=-1)


@settings(max_examples=40, deadline=None)
@given(
    y=st.lists(st.integers(0, 50), min_size=16, max_size=16).filter(
        lambda v: len(set(v)) > 1
    ),
    c=st.floats(1e-3, 1e4),
)
def test_scale_invariance(y: list[int], c: float) -> None:
    w = lat2W(4, 4, rook=False)
    base = gi_star(np.array(y, float), w)
    scaled = gi_star(np.array(y, float) * c, w)
    np.testing.assert_allclose(scaled.z, base.z, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(scaled.confidence, base.confidence)


# --------------------------------------------------------------------------- §2

FDR_P = np.array(
    [0.0004, 0.0011, 0.0032, 0.0038, 0.012, 0.024, 0.038, 0.047, 0.31, 0.82]
)
FDR_SIGN = np.array([1, 1, -1, 1, 1, -1, 1, 1, -1, 1])
FDR_Z = np.array(
    [
        3.54008,
        3.26362,
        -2.94784,
        2.89430,
        2.51214,
        -2.25713,
        2.07485,
        1.98630,
        -1.01522,
        0.227545,
    ]
)
FDR_Q = np.array(
    [0.004, 0.0055, 0.0095, 0.0095, 0.024, 0.04, 0.0542857, 0.05875, 0.344444, 0.82]
)
FDR_BIN = np.array([3, 3, -3, 3, 2, -2, 1, 1, 0, 0])
RAW_BIN = np.array([3, 3, -3, 3, 2, -2, 2, 2, 0, 0])


def test_fdr_worked_example() -> None:
    np.testing.assert_allclose(fdr_bh(FDR_P), FDR_Q, rtol=RTOL)
    np.testing.assert_allclose(
        fdr_bh(FDR_P), false_discovery_control(FDR_P), rtol=1e-12
    )
    np.testing.assert_array_equal(confidence_bins(FDR_Z, FDR_P), FDR_BIN)
    np.testing.assert_array_equal(confidence_bins(FDR_Z, FDR_P, fdr=False), RAW_BIN)
    assert (np.sign(FDR_Z) == FDR_SIGN).all()
    # z of the table reproduces p (two-sided)
    from scipy.special import erfc

    np.testing.assert_allclose(erfc(np.abs(FDR_Z) / math.sqrt(2)), FDR_P, rtol=1e-4)


@pytest.mark.parametrize("seed", range(5))
def test_fdr_order_independent(seed: int) -> None:
    perm = np.random.default_rng(seed).permutation(FDR_P.size)
    np.testing.assert_array_equal(fdr_bh(FDR_P[perm]), fdr_bh(FDR_P)[perm])
    np.testing.assert_array_equal(
        confidence_bins(FDR_Z[perm], FDR_P[perm]), confidence_bins(FDR_Z, FDR_P)[perm]
    )


def test_fdr_nan_ties_and_random_against_scipy() -> None:
    p = np.array([0.01, np.nan, 0.02, 0.02, 0.5])
    np.testing.assert_array_equal(fdr_bh(p), fdr_bh(np.where(np.isnan(p), 1.0, p)))
    q = fdr_bh(p)
    assert q[2] == q[3]
    rand = np.random.default_rng(3).uniform(0, 0.2, 500) ** 2
    rand[::7] = rand[3]  # ties
    np.testing.assert_allclose(fdr_bh(rand), false_discovery_control(rand), rtol=1e-12)
    assert fdr_bh([]).size == 0
    with pytest.raises(ParameterError):
        fdr_bh([0.5, 1.5])


def test_bins_inclusive_at_thresholds() -> None:
    # p exactly on the BH line i·alpha/m must pass at that alpha despite rounding
    for m in range(2, 40):
        for i in range(1, m + 1):
            for alpha, level in ((0.01, 3), (0.05, 2), (0.10, 1)):
                p = np.ones(m)
                p[: i - 1] = 1e-9
                p[i - 1] = i * alpha / m
                bins = confidence_bins(np.ones(m), p)
                assert bins[i - 1] >= level, (m, i, alpha)
    assert confidence_bins([-1.0], [0.05]).tolist() == [-2]
    assert confidence_bins([np.nan, 0.0], [0.001, 1.0]).tolist() == [0, 0]


# --------------------------------------------------------------------------- permutations


def exact_conditional_p(y: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Enumerate every neighbour set of size k_i drawn from the other values."""
    n = y.size
    out = np.empty(n)
    for i in range(n):
        k = int(b[i].sum()) - 1
        others = np.delete(y, i)
        obs = b[i] @ y - y[i]
        sums = np.array([sum(c) for c in itertools.combinations(others, k)])
        ge, le = np.mean(sums >= obs - 1e-9), np.mean(sums <= obs + 1e-9)
        out[i] = min(1.0, 2 * min(ge, le))
    return out


def test_permutation_p_matches_enumeration() -> None:
    y = np.array([0, 3, 1, 0, 2, 8, 6, 1, 0, 7, 9, 2, 1, 0, 3, 1], dtype=float)
    w = lat2W(4, 4, rook=True)
    res = gi_star(y, w, permutations=9999, seed=11)
    exact = exact_conditional_p(y, w.sparse.toarray() + np.eye(16))
    assert res.p_sim is not None
    np.testing.assert_allclose(res.p_sim, exact, atol=0.03)
    again = gi_star(y, w, permutations=9999, seed=11)
    assert again.p_sim is not None
    np.testing.assert_array_equal(again.p_sim, res.p_sim)
    # the analytic part does not depend on the permutations
    np.testing.assert_array_equal(res.z, gi_star(y, w).z)


def test_permutation_work_cap() -> None:
    with pytest.raises(TooLargeError, match="permutations"):
        gi_star(Y33, lat2W(3, 3), permutations=999, max_permutation_work=1000)


# --------------------------------------------------------------------------- real data zones


def test_datazone_weights_match_geometry(boundaries: Boundaries) -> None:
    w = datazone_weights(boundaries.datazones)
    g = boundaries.datazones.geometry.to_numpy()
    i, j = shapely.STRtree(g).query(g, predicate="intersects")
    keep = i != j
    ref = sp.csr_matrix((np.ones(keep.sum()), (i[keep], j[keep])), shape=w.shape)
    assert w.shape == (239, 239)
    assert (w != ref).nnz == 0
    assert w.diagonal().sum() == 0


def test_esda_agreement_real_datazones(boundaries: Boundaries) -> None:
    wq = Queen.from_dataframe(boundaries.datazones, use_index=False)
    w = datazone_weights(boundaries.datazones)
    for seed in range(3):
        y = np.random.default_rng(seed).poisson(4.0, 239).astype(float)
        res = gi_star(y, w)
        g = esda.G_Local(y, wq, transform="B", star=True, permutations=0)
        np.testing.assert_allclose(res.z, g.Zs, rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(res.p_value, 2 * g.p_norm, rtol=1e-6, atol=1e-12)


def incidents_from_counts(codes: np.ndarray, counts: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"datazone": np.repeat(codes, counts.astype(int))})


def test_planted_hot_spot(boundaries: Boundaries) -> None:
    dz = boundaries.datazones
    w = datazone_weights(dz)
    centre = int(
        np.argmax(np.asarray(w.sum(axis=1)).ravel() == 6)
    )  # a zone with 6 neighbours
    planted = np.r_[centre, w[centre].indices]
    y = np.random.default_rng(7).poisson(2.0, len(dz)).astype(float)
    y[planted] = 40.0
    inc = incidents_from_counts(dz["code"].to_numpy(), y)
    inc = inc.sample(frac=1.0, random_state=1).reset_index(
        drop=True
    )  # order is irrelevant
    out = gistar_datazones(inc, boundaries)
    assert list(out["code"]) == list(dz["code"])
    np.testing.assert_array_equal(out["count"].to_numpy(), y)
    wq = Queen.from_dataframe(dz, use_index=False)
    np.testing.assert_allclose(out["gi_z"], esda_z(y, wq), rtol=1e-6)
    assert (out["confidence"].to_numpy()[planted] == 3).all()
    assert out.crs.to_epsg() == 27700
    params = out.attrs["parameters"]
    assert params["fdr"] is True and params["n_units"] == 239
    assert params["n_incidents"] == params["n_incidents_used"] == int(y.sum())
    json.dumps(params, allow_nan=False)
    # q is BH over all 239 data zones
    np.testing.assert_allclose(
        out["p_fdr"], false_discovery_control(out["p_value"]), rtol=1e-12
    )


def test_datazones_zero_counts_are_units_and_unmatched_reported(
    boundaries: Boundaries,
) -> None:
    codes = boundaries.datazones["code"].to_numpy()
    inc = pd.DataFrame(
        {"datazone": [codes[0]] * 5 + [codes[10]] * 2 + [None, "S01999999"]}
    )
    out = gistar_datazones(inc, boundaries, permutations=99, seed=3)
    assert len(out) == 239 and int((out["count"] == 0).sum()) == 237
    assert out.attrs["parameters"]["n_incidents_outside"] == 2
    assert out["p_sim"].between(0, 1).all()
    sub = gistar_datazones(inc, boundaries, codes=list(codes[:40]))
    assert len(sub) == 40 and sub["count"].sum() == 7


def test_empty_incidents(boundaries: Boundaries) -> None:
    empty = pd.DataFrame({"datazone": [], "easting": [], "northing": []})
    with pytest.raises(EmptyInputError):
        gistar_datazones(empty, boundaries)
    with pytest.raises(EmptyInputError):
        gistar_grid(empty, boundaries, cell_m=1000)


# --------------------------------------------------------------------------- grids


def brute_force_keep(area: shapely.Geometry, grid_boxes: np.ndarray) -> np.ndarray:
    return shapely.area(shapely.intersection(grid_boxes, area)) > 0


def lattice_boxes(
    x0: float, y0: float, cell: float, nrows: int, ncols: int
) -> np.ndarray:
    r, c = np.divmod(np.arange(nrows * ncols), ncols)
    return shapely.box(
        x0 + c * cell, y0 + r * cell, x0 + (c + 1) * cell, y0 + (r + 1) * cell
    )


def test_grid_excludes_cells_outside_and_touching() -> None:
    # a right triangle whose hypotenuse runs through cell corners: cells above the
    # diagonal touch the area at one point only and must be excluded
    area = shapely.Polygon([(0, 0), (1000, 0), (1000, 1000)])
    grid = make_grid(area, cell_m=100)
    assert (grid.x0, grid.y0, grid.nrows, grid.ncols) == (0, 0, 10, 10)
    keep = brute_force_keep(area, lattice_boxes(0, 0, 100, 10, 10))
    kept = set(zip(grid.cells["row"], grid.cells["col"], strict=True))
    assert kept == {divmod(int(k), 10) for k in np.flatnonzero(keep)}
    assert len(kept) == 55  # 10 + 9 + ... + 1 cells on or below the diagonal
    assert grid.cells["cell_id"].is_unique
    assert grid.cells.crs.to_epsg() == 27700


def test_grid_queen_weights_match_libpysal() -> None:
    area = shapely.Point(5230, 4170).buffer(900)
    grid = make_grid(area, cell_m=150)
    ref = Queen.from_dataframe(grid.cells, use_index=False).sparse
    assert (grid.weights != ref).nnz == 0
    rook = grid_weights(grid.cells["row"], grid.cells["col"], rook=True)
    ref_rook = libpysal.weights.Rook.from_dataframe(grid.cells, use_index=False).sparse
    assert (rook != ref_rook).nnz == 0


def test_grid_real_area(boundaries: Boundaries) -> None:
    grid = make_grid(boundaries.area, cell_m=1000)
    boxes = lattice_boxes(grid.x0, grid.y0, 1000, grid.nrows, grid.ncols)
    keep = brute_force_keep(boundaries.area, boxes)
    flat = grid.cells["row"].to_numpy() * grid.ncols + grid.cells["col"].to_numpy()
    np.testing.assert_array_equal(np.sort(flat), np.flatnonzero(keep))
    assert grid.x0 % 1000 == 0 and grid.y0 % 1000 == 0
    pts = boundaries.datazones.geometry.representative_point()
    assert (grid.locate(pts.x, pts.y) >= 0).all()


def test_grid_too_large(boundaries: Boundaries) -> None:
    with pytest.raises(TooLargeError, match="cell_m"):
        make_grid(boundaries.area, cell_m=10)
    with pytest.raises(ParameterError, match="cell_m"):
        make_grid(boundaries.area, cell_m=-5)
    inc = pd.DataFrame({"easting": [300000.0], "northing": [668000.0]})
    with pytest.raises(TooLargeError):
        gistar_grid(inc, boundaries, cell_m=500, max_cells=100)


def test_gistar_grid_counts_and_esda(boundaries: Boundaries) -> None:
    rng = np.random.default_rng(5)
    dz = boundaries.datazones
    pts = dz.sample_points(size=4, rng=rng).explode(index_parts=False)
    hot = rng.normal([301750, 668750], 150, size=(300, 2))
    x = np.r_[pts.x.to_numpy(), hot[:, 0], 250000.0]  # last one is far outside
    y = np.r_[pts.y.to_numpy(), hot[:, 1], 668000.0]
    inc = pd.DataFrame({"easting": x, "northing": y})
    out = gistar_grid(inc, boundaries, cell_m=500)
    # counts by geometry: points strictly inside each cell (none lie on an edge here)
    points = gpd.GeoSeries(gpd.points_from_xy(x, y), crs=27700)
    left, right = shapely.STRtree(points.to_numpy()).query(
        out.geometry.to_numpy(), predicate="contains_properly"
    )
    ref = np.bincount(left, minlength=len(out))
    assert right.size == x.size - 1
    np.testing.assert_array_equal(out["count"].to_numpy(), ref)
    wq = Queen.from_dataframe(out, use_index=False)
    np.testing.assert_allclose(out["gi_z"], esda_z(ref.astype(float), wq), rtol=1e-6)
    hot_cell = out.geometry.contains(shapely.Point(301750, 668750)).to_numpy()
    assert out.loc[hot_cell, "confidence"].item() == 3
    params = out.attrs["parameters"]
    assert params["cell_m"] == 500 and params["cell_m_source"] == "user"
    assert params["n_cells"] == len(out) and params["n_incidents_outside"] == 1
    assert params["fdr"] is True
    json.dumps(params, allow_nan=False)
    wgs = out.to_crs(4326)
    assert wgs.attrs["parameters"] == params


def test_gistar_grid_default_cell(boundaries: Boundaries) -> None:
    rng = np.random.default_rng(2)
    pts = boundaries.datazones.sample_points(size=3, rng=rng).explode(index_parts=False)
    inc = pd.DataFrame({"easting": pts.x.to_numpy(), "northing": pts.y.to_numpy()})
    out = gistar_grid(inc, boundaries)
    params = out.attrs["parameters"]
    expected = default_cell_m(inc["easting"], inc["northing"], boundaries.area)
    assert params["cell_m"] == expected and params["cell_m_source"] == "default"
    assert 100 <= expected <= 2000
    assert params["cell_m_choice"]["rule"] == "arcgis_optimized_hot_spot"


@pytest.mark.parametrize(
    ("spacing", "expected"), [(150.0, 250.0), (5.0, 100.0), (5000.0, 2000.0)]
)
def test_default_cell_regular_lattice(spacing: float, expected: float) -> None:
    # every nearest-neighbour distance equals `spacing`: mean = median, so the raw
    # cell is 2·spacing, then rounded to 1/2/2.5/5·10^k and clamped to 100..2000 m
    g = np.arange(12) * spacing
    xx, yy = np.meshgrid(g + 300000, g + 660000)
    d = np.hypot(xx.ravel()[:, None] - xx.ravel(), yy.ravel()[:, None] - yy.ravel())
    np.fill_diagonal(d, np.inf)
    assert np.allclose(d.min(axis=1), spacing)
    assert default_cell_m(xx.ravel(), yy.ravel(), 4.0e8) == expected


# ------------------------------------------------------ permutation bins (issue 12.4)


@pytest.mark.slow
def test_permutation_p_agrees_with_esda_p_sim(boundaries: Boundaries) -> None:
    """Our two-sided p_sim is twice esda's folded one-sided p_sim, within MC error.

    Continuous values, so that no simulated sum ties the observation: esda's folded p
    counts ties on the upper side only, ours on both (as the exact enumeration above).
    esda's numba compilation makes this test slow (about a minute under load).
    """
    wq = Queen.from_dataframe(boundaries.datazones, use_index=False)
    w = datazone_weights(boundaries.datazones)
    y = np.random.default_rng(5).gamma(0.7, 3.0, 239)  # skewed, no ties
    reps = 9999
    res = gi_star(y, w, permutations=reps, seed=1)
    g = esda.G_Local(y, wq, transform="B", star=True, permutations=reps, seed=2, n_jobs=1)
    assert res.p_sim is not None
    one = np.asarray(g.p_sim, dtype=float)
    ref = np.minimum(1.0, 2.0 * one)
    # two independent estimates of 2·p1, each with sd 2·sqrt(p1(1 − p1)/R)
    sd = 2.0 * np.sqrt(np.maximum(one * (1 - one), 1.0 / reps) / reps) * np.sqrt(2.0)
    tol = 4.5 * sd + 4.0 / (reps + 1)
    assert (np.abs(res.p_sim - ref) <= tol).all()
    # the comparison can fail: esda's one-sided value is far off somewhere
    assert (np.abs(res.p_sim - one) > tol).any()


def test_bins_come_from_permutation_p_after_bh(boundaries: Boundaries) -> None:
    w = datazone_weights(boundaries.datazones)
    dense = w.toarray()
    rng = np.random.default_rng(9)
    y = rng.poisson(1.0, 239).astype(float)
    hot = [17, *w[17].indices.tolist()]
    for i in hot:  # a hot neighbourhood of several zones
        y[i] += 12.0
    res = gi_star(y, w, permutations=9999, seed=4)
    assert res.p_sim is not None and res.tail_sim is not None
    assert res.bins_from == "permutation"
    # the tail, by hand: above or below the conditional null mean of the neighbour sum
    k = dense.sum(axis=1)
    lag = dense @ y
    cond_mean = k * (y.sum() - y) / 238.0
    clear = res.p_sim < 0.05
    np.testing.assert_array_equal(res.tail_sim[clear], np.sign(lag - cond_mean)[clear])
    # bins by hand: BH (scipy) of p_sim, a unit whose tail disagrees with z counted as
    # p = 1; bins at q <= 0.01/0.05/0.10, signed by z
    p = np.where(res.tail_sim * np.sign(res.z) > 0, res.p_sim, 1.0)
    q = false_discovery_control(p)
    level = np.select([q <= 0.01, q <= 0.05, q <= 0.10], [3, 2, 1], 0)
    np.testing.assert_array_equal(res.confidence, np.sign(res.z).astype(int) * level)
    np.testing.assert_allclose(res.p_fdr, q, rtol=1e-12)
    assert (res.confidence[hot] > 0).all()
    analytic = gi_star(y, w)
    np.testing.assert_array_equal(res.z, analytic.z)  # the z is still analytic
    np.testing.assert_array_equal(res.p_value, analytic.p_value)
    assert analytic.bins_from == "analytic" and analytic.tail_sim is None


def test_default_permutations_datazones_and_grid(boundaries: Boundaries) -> None:
    codes = boundaries.datazones["code"].to_numpy()
    rng = np.random.default_rng(2)
    inc = pd.DataFrame({"datazone": rng.choice(codes, 800)})
    out = gistar_datazones(inc, boundaries, permutations=None, seed=5)
    params = out.attrs["parameters"]
    assert params["permutations"] == 999 and params["permutations_source"] == "default"
    assert params["bins_from"] == "permutation" and params["seed"] == 5
    assert "p_sim" in out.columns
    explicit = gistar_datazones(inc, boundaries, permutations=999, seed=5)
    np.testing.assert_array_equal(out["confidence"], explicit["confidence"])
    assert explicit.attrs["parameters"]["permutations_source"] == "user"
    x0, y0, x1, y1 = boundaries.area.bounds
    pts = pd.DataFrame(
        {"easting": rng.uniform(x0, x1, 3000), "northing": rng.uniform(y0, y1, 3000)}
    )
    coarse = gistar_grid(pts, boundaries, cell_m=1000, permutations=None)
    assert coarse.attrs["parameters"]["permutations"] == 999
    fine = gistar_grid(pts, boundaries, cell_m=100, permutations=None)
    fp = fine.attrs["parameters"]
    assert fp["permutations"] == 0 and fp["permutations_source"] == "default_analytic"
    assert fp["bins_from"] == "analytic" and any("analytic" in n for n in fp["notes"])


def test_total_permutation_matches_enumeration() -> None:
    """'total': the neighbourhood sum (self included) against every W_i-subset of all n."""
    y = np.array([0, 3, 1, 0, 2, 8, 6, 1, 0, 7, 9, 2, 1, 0, 3, 1], dtype=float)
    w = lat2W(4, 4, rook=True)
    b = w.sparse.toarray() + np.eye(16)
    exact = np.empty(16)
    for i in range(16):
        sums = np.array([sum(c) for c in itertools.combinations(y, int(b[i].sum()))])
        obs = b[i] @ y
        exact[i] = min(1.0, 2 * min(np.mean(sums >= obs - 1e-9), np.mean(sums <= obs + 1e-9)))
    res = gi_star(y, w, permutations=9999, seed=3, permutation_type="total")
    assert res.p_sim is not None and res.permutation_type == "total"
    np.testing.assert_allclose(res.p_sim, exact, atol=0.03)
    with pytest.raises(ParameterError, match="permutation_type"):
        gi_star(y, w, permutations=9, permutation_type="other")
