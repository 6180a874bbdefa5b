"""Issue 12: hotspots at street scale, significance against the background, honest overlap.

Planted truth and seeded simulations (independent of the code under test: the planted
clusters, uniform backgrounds and exchangeable police/fire labels are drawn here).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import false_discovery_control, poisson

from geo.boundaries import Boundaries
from geo.hotspots import find_hotspots, overlap_hotspots
from geo.hotspots.background import background
from geo.hotspots.place import core_thresholds, local_counts
from geo.hotspots.significance import fdr_bh
from geo.planted import ClusterSpec, plant_incidents

DISC_150 = np.pi * 150.0**2 / 1e6  # km²


def _frame(xy: np.ndarray, agency: np.ndarray) -> pd.DataFrame:
    n = xy.shape[0]
    return pd.DataFrame(
        {
            "source_id": [f"S{i}" for i in range(n)],
            "agency": agency,
            "category": np.where(agency == "police", "vandalism", "deliberate_fire"),
            "occurred_at": pd.date_range("2024-01-01", periods=n, freq="15min", tz="UTC"),
            "easting": xy[:, 0],
            "northing": xy[:, 1],
        }
    )


def _at(res, centre) -> list:  # type: ignore[no-untyped-def]
    return [h for h in res.hotspots if h.geometry.contains(centre)]


# ----------------------------------------------------------------- building blocks


def test_fdr_bh_matches_scipy() -> None:
    rng = np.random.default_rng(0)
    p = np.concatenate([rng.uniform(size=40), rng.uniform(0, 1e-3, size=5)])
    np.testing.assert_allclose(fdr_bh(p), false_discovery_control(p, method="bh"))


def test_local_counts_and_thresholds_brute_force() -> None:
    rng = np.random.default_rng(1)
    xy = np.round(rng.uniform(0, 500, size=(300, 2)), -1)  # many duplicates
    uniq, inv = np.unique(xy, axis=0, return_inverse=True)
    mult = np.bincount(inv.ravel())
    rows = np.arange(0, uniq.shape[0], 3)
    d = np.sqrt(((uniq[rows, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    np.testing.assert_array_equal(
        local_counts(uniq, mult, rows, 40.0), (d <= 40.0).sum(axis=1)
    )
    lam = np.array([1e-5, 1e-4, 1e-3])
    m = core_thresholds(lam, 75.0, 1000, 4)
    mu = lam * np.pi * 75.0**2
    for mi, mui in zip(m, mu, strict=True):  # smallest m with P(X >= m - 1) <= 1/N
        assert poisson.sf(mi - 2, mui) <= 1e-3 or mi == 4
        assert mi == 4 or poisson.sf(mi - 3, mui) > 1e-3
    # repeated intensities (a raster) in any order give each point its own threshold
    rep = np.array([1e-3, 1e-5, 1e-3, 1e-4, 1e-5])
    np.testing.assert_array_equal(core_thresholds(rep, 75.0, 1000, 4), m[[2, 0, 2, 1, 0]])


def test_background_recovers_uniform_rate(boundaries: Boundaries) -> None:
    df, _ = plant_incidents(boundaries, seed=3, n_background=20_000, clusters=[])
    xy = df[["easting", "northing"]].to_numpy(float)
    bg = background(xy, boundaries)
    area = boundaries.datazones.geometry.area.sum()
    # the typical estimate is the true rate within sampling and edge error
    ratio = np.median(bg.at(xy)) * area / len(xy)
    assert 0.85 < ratio < 1.15


# ----------------------------------------------------------------- hotspot scale


@pytest.mark.parametrize("n_background", [2000, 20_000])
@pytest.mark.parametrize("seed", [0, 1])
def test_planted_150m_hotspots_recovered_at_their_size(
    boundaries: Boundaries, seed: int, n_background: int
) -> None:
    specs = [
        ClusterSpec("overlap", n=80, radius_m=150.0),
        ClusterSpec("police", n=80, radius_m=150.0),
        ClusterSpec("fire", n=60, radius_m=150.0),
    ]
    df, truth = plant_incidents(
        boundaries, seed=seed, n_background=n_background, clusters=specs
    )
    res = find_hotspots(df, boundaries)
    for p in truth:
        found = _at(res, p.centre)
        assert len(found) == 1, p.name
        h = found[0]
        assert DISC_150 / 2 <= h.area_km2 <= 2 * DISC_150, (p.name, h.area_km2)
        assert h.significant and h.p_fdr < 1e-6
        ids = set(df["source_id"].to_numpy()[h.members])
        assert len(ids & set(p.source_ids)) >= 0.85 * p.n
        assert h.overlap == (p.kind == "overlap")
        props = h.properties()
        for key in ("area_km2", "p_value", "p_fdr", "significant", "overlap"):
            assert key in props


def test_no_town_sized_hotspot_on_planted_data(boundaries: Boundaries) -> None:
    specs = [ClusterSpec("police", n=n, radius_m=r) for n, r in ((150, 200.0), (60, 100.0))]
    specs += [ClusterSpec("overlap", n=200, radius_m=200.0), ClusterSpec("fire", n=40)]
    for seed in (0, 1):
        df, _ = plant_incidents(boundaries, seed=seed, n_background=30_000, clusters=specs)
        res = find_hotspots(df, boundaries)
        assert res.hotspots
        assert max(h.area_km2 for h in res.hotspots) <= 1.0
        assert "places" in res.parameters["chosen_by"]["hotspot_scale"]


@pytest.mark.parametrize(
    ("n_sim", "kw"),
    [(20, {}), (12, {"eps_m": 150.0, "min_samples": 4})],
    ids=["default-places", "dbscan-150m-4"],
)
def test_uniform_background_false_positive_rate(
    boundaries: Boundaries, n_sim: int, kw: dict
) -> None:
    # seeded windows of pure uniform background: a window with any significant hotspot
    # is a false positive; the method promises at most 5% of windows. With eps 150 m and
    # min_samples 4 DBSCAN finds dozens of chance clusters per window, each far above
    # the background expectation of its own polygon (a naive Poisson test calls them
    # all significant): the scan bound must not.
    hits = naive = tested = 0
    for seed in range(n_sim):
        df, _ = plant_incidents(
            boundaries, seed=100 + seed, n_background=3000, clusters=[]
        )
        res = find_hotspots(df, boundaries, overlap_permutations=0, **kw)
        tested += len(res.hotspots)
        hits += any(h.significant for h in res.hotspots)
        naive += sum(poisson.sf(h.n - 1, h.expected_n) <= 0.05 for h in res.hotspots)
    if kw:
        assert tested > 20 * n_sim and naive > 0.9 * tested
    # P(Binomial(n_sim, 0.05) >= 3) is about 0.08 (20) and 0.02 (12)
    assert hits <= 2, (hits, tested)


# ----------------------------------------------------------------- overlap


def _population_window(rng: np.random.Generator, n: int) -> np.ndarray:
    """Incident locations that follow a 'population': towns, streets with dense spots."""
    towns = rng.uniform(0, 20_000, size=(6, 2))
    spots = towns[rng.integers(0, 6, size=12)] + rng.normal(0, 800, size=(12, 2))
    kind = rng.choice(3, size=n, p=[0.45, 0.4, 0.15])
    xy = np.empty((n, 2))
    i_t, i_s, i_b = (kind == 0), (kind == 1), (kind == 2)
    xy[i_t] = towns[rng.integers(0, 6, i_t.sum())] + rng.normal(0, 1200, (i_t.sum(), 2))
    xy[i_s] = spots[rng.integers(0, 12, i_s.sum())] + rng.normal(0, 60, (i_s.sum(), 2))
    xy[i_b] = rng.uniform(0, 20_000, size=(i_b.sum(), 2))
    return np.round(xy, 0)


def test_independent_agencies_give_overlap_at_nominal_rate() -> None:
    # police and fire both follow the same population but are independent at street
    # scale (labels drawn independently of place): overlap must be rare (<= 5% of
    # windows, allowing Monte Carlo error)
    n_sim, windows_with_overlap, candidates = 25, 0, 0
    for seed in range(n_sim):
        rng = np.random.default_rng(500 + seed)
        xy = _population_window(rng, 4000)
        agency = np.where(rng.uniform(size=len(xy)) < 0.8, "police", "fire")
        res = find_hotspots(_frame(xy, agency), None)
        assert res.parameters["overlap_test"]["permutations"] == 199
        candidates += res.parameters["overlap_test"]["candidates"]
        windows_with_overlap += any(h.overlap for h in res.hotspots)
    assert candidates >= n_sim  # the count rule alone would call many overlaps
    assert windows_with_overlap <= 3, (windows_with_overlap, candidates)


def test_true_overlaps_found_and_reported(boundaries: Boundaries) -> None:
    specs = [
        ClusterSpec("overlap", n=80, radius_m=120.0),
        ClusterSpec("overlap", n=60, radius_m=100.0, police_share=0.6),
        ClusterSpec("police", n=80),
    ]
    df, truth = plant_incidents(boundaries, seed=7, n_background=8000, clusters=specs)
    res = find_hotspots(df, boundaries)
    ov = overlap_hotspots(res, df, permutations=199, seed=0)
    assert ov.parameters["colocation"]["test"].startswith("max-T")
    found = {o.hotspot.id for o in ov.hotspots}
    for p in truth:
        (h,) = _at(res, p.centre)
        assert (h.id in found) == (p.kind == "overlap") == h.overlap, p.name
        if h.overlap:
            assert h.overlap_p is not None and h.overlap_p <= 0.05
    assert all(o.hotspot.overlap for o in ov.hotspots)


# ----------------------------------------------------------------- fast DBSCAN


@pytest.mark.parametrize("seed", range(6))
def test_weighted_dbscan_equals_sklearn_on_every_row(seed: int) -> None:
    from sklearn.cluster import DBSCAN

    from geo.hotspots._common import collapse_locations
    from geo.hotspots.density import dbscan_labels

    rng = np.random.default_rng(seed)
    n = int(rng.integers(200, 3000))
    xy = np.round(rng.uniform(0, 1500, size=(n, 2)), int(rng.integers(-1, 2)))
    eps, ms = float(rng.uniform(15, 90)), int(rng.integers(2, 15))
    uniq, inv, mult = collapse_locations(xy)
    np.testing.assert_array_equal(
        dbscan_labels(uniq, inv, mult, eps_m=eps, min_samples=ms),
        DBSCAN(eps=eps, min_samples=ms).fit(xy).labels_,
    )


def test_tied_neighbourhoods_of_coincident_points_brute_force() -> None:
    # many incidents per location: every tie set outruns the k-nearest query
    from scipy.spatial import cKDTree

    from geo.hotspots.colocation._base import TIE_RTOL, tied_nearest

    rng = np.random.default_rng(4)
    xy = np.repeat(rng.uniform(0, 300, size=(60, 2)), rng.integers(1, 25, 60), axis=0)
    q = np.arange(0, len(xy), 7, dtype=np.int64)
    indptr, indices, _radius = tied_nearest(cKDTree(xy), xy, q, 10)
    d = np.sqrt(((xy[q, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    for r, i in enumerate(q):
        others = np.delete(np.arange(len(xy)), i)
        kth = np.sort(d[r, others])[9]
        expect = others[d[r, others] <= kth * (1 + TIE_RTOL)]
        np.testing.assert_array_equal(np.sort(indices[indptr[r] : indptr[r + 1]]), expect)
