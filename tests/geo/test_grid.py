"""The grid neighbourhood kernels (geo/hotspots/_grid.py) against cKDTree pair lists.

Coordinates on a 0.1 m lattice and radii that are lattice multiples put many pairs at
exactly the radius, where ``<=`` against ``<`` or a cell two apart would show.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from sklearn.cluster import DBSCAN

from geo.hotspots._grid import ball_weights, min_label_within, radius_components
from geo.hotspots.density import dbscan_labels
from geo.hotspots.place import local_counts


def _points(seed: int, n: int, span: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.unique(np.round(rng.uniform(0, span, (n, 2)), 1), axis=0)


CASES = [(0, 3000, 100.0, 5.0), (1, 8000, 60.0, 0.7), (2, 500, 1000.0, 50.0)]


@pytest.mark.parametrize(("seed", "n", "span", "r"), CASES)
def test_ball_weights_equal_kdtree_pairs(
    seed: int, n: int, span: float, r: float
) -> None:
    pts = _points(seed, n, span)
    w = np.random.default_rng(seed).integers(1, 6, pts.shape[0]).astype(np.float64)
    pr = cKDTree(pts).query_pairs(r, output_type="ndarray")
    ref = w.copy()
    np.add.at(ref, pr[:, 0], w[pr[:, 1]])
    np.add.at(ref, pr[:, 1], w[pr[:, 0]])
    assert np.array_equal(ball_weights(pts, w, r), ref)
    query = np.random.default_rng(seed + 9).random(pts.shape[0]) < 0.3
    got = ball_weights(pts, w, r, query)
    assert np.array_equal(got[query], ref[query])
    assert not got[~query].any()


@pytest.mark.parametrize(("seed", "n", "span", "r"), CASES)
def test_radius_components_equal_connected_components(
    seed: int, n: int, span: float, r: float
) -> None:
    pts = _points(seed, n, span)
    use = np.random.default_rng(seed).random(pts.shape[0]) < 0.6
    sub = np.flatnonzero(use)
    pr = cKDTree(pts[sub]).query_pairs(r, output_type="ndarray")
    g = coo_matrix((np.ones(len(pr)), (pr[:, 0], pr[:, 1])), shape=(sub.size,) * 2)
    _, ref = connected_components(g, directed=False)
    got = radius_components(pts, r, use)
    # the same partition of the used points, ids = smallest member index
    pairs = np.unique(np.c_[ref, got[sub]], axis=0)
    assert pairs.shape[0] == np.unique(ref).size == np.unique(got[sub]).size
    for c in np.unique(got[sub]):
        assert c == sub[got[sub] == c].min()
    assert np.array_equal(got[~use], np.flatnonzero(~use))  # left out: alone


def test_min_label_within_brute_force() -> None:
    pts = _points(3, 1500, 40.0)
    rng = np.random.default_rng(3)
    labels = np.where(
        rng.random(pts.shape[0]) < 0.4, rng.integers(0, 30, pts.shape[0]), -1
    )
    query = labels < 0
    r = 1.5
    got = min_label_within(pts, labels, query, r)
    d2 = ((pts[:, None, :] - pts[None, :, :]) ** 2).sum(axis=2)
    lab = np.where(labels >= 0, labels, np.iinfo(np.int64).max)
    best = np.where(d2 <= r * r, lab[None, :], np.iinfo(np.int64).max).min(axis=1)
    ref = np.where(query & (best < np.iinfo(np.int64).max), best, -1)
    assert np.array_equal(got, ref)


def test_dense_dbscan_and_local_counts_equal_sklearn_and_kdtree() -> None:
    """Dense locations with multiplicities: labels equal scikit-learn on every row and
    the place counts equal a cKDTree sparse distance matrix."""
    rng = np.random.default_rng(4)
    uniq = _points(4, 6000, 300.0)
    mult = rng.integers(1, 4, uniq.shape[0])
    inv = np.repeat(np.arange(uniq.shape[0]), mult)
    xy = uniq[inv]
    ref = DBSCAN(eps=6.0, min_samples=14).fit(xy).labels_
    got = dbscan_labels(uniq, inv, mult, eps_m=6.0, min_samples=14)
    assert np.array_equal(got, ref)
    assert len(set(ref.tolist())) > 3  # several clusters and noise: a real check
    rows = np.flatnonzero(rng.random(uniq.shape[0]) < 0.5)
    m = cKDTree(uniq).sparse_distance_matrix(
        cKDTree(uniq[rows]), 4.0, output_type="ndarray"
    )
    ref_c = np.bincount(m["j"], weights=mult[m["i"]], minlength=rows.size).astype(
        np.int64
    )
    assert np.array_equal(local_counts(uniq, mult, rows, 4.0), ref_c)


def test_near_label_sums_bit_equal_scipy_float32_products() -> None:
    """The relabellings' neighbour shares equal ``w @ (lab == 1)`` in float32, bit for
    bit (the overlap test's tie rule compares them with the observed value)."""
    import scipy.sparse as sp

    from geo.hotspots._grid import near_label_sums, warm_up

    warm_up()
    rng = np.random.default_rng(5)
    w = sp.random(300, 500, density=0.03, random_state=5, format="csr")
    w = sp.csr_matrix(w.multiply(1.0 / np.maximum(w.sum(axis=1), 1e-9)))
    w32 = w.astype(np.float32)
    lab = rng.integers(0, 3, (500, 17)).astype(np.int8)
    p = np.zeros((300, 17), dtype=np.float32)
    f = np.zeros((300, 17), dtype=np.float32)
    near_label_sums(w32.indptr, w32.indices, w32.data, lab, p, f)
    assert np.array_equal(p, w32 @ (lab == 1).astype(np.float32))
    assert np.array_equal(f, w32 @ (lab == 2).astype(np.float32))
    assert p.any() and f.any()
