"""Default DBSCAN eps on a sample of the k-distance curve (geo.hotspots.params).

Below ``EPS_SAMPLE`` incidents the default eps must be exactly the elbow of the full
curve, checked here against an independent brute-force k-distance (a KD-tree over the
incidents themselves, duplicates as separate points, no collapsing). Above it, the
sampled eps must be near-optimal for the full curve's elbow rule within the DKW bound
stated in ``choose_dbscan_eps``, and the planted hotspots must be the same.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd
import pytest
from scipy.spatial import cKDTree

from geo.boundaries import Boundaries
from geo.hotspots import find_hotspots, params
from geo.hotspots._common import collapse_locations
from geo.planted import ClusterSpec, PlantedCluster, plant_incidents

DKW_ALPHA = 1e-6


def brute_k_distances(xy: np.ndarray, min_samples: int) -> np.ndarray:
    """Each incident's distance to its (min_samples - 1)-th nearest other incident."""
    # the first column is the incident itself (or a twin at distance 0)
    d, _ = cKDTree(xy).query(xy, k=min_samples)
    return np.asarray(d, dtype=np.float64).reshape(len(xy), min_samples)[:, -1]


def direct_elbow(s: np.ndarray) -> int:
    """argmax(u - v) of METHODS §4, first index on ties, written out directly."""
    u = np.arange(s.size) / (s.size - 1)
    v = (s - s[0]) / (s[-1] - s[0])
    return int(np.argmax(u - v))


def objective(s: np.ndarray) -> np.ndarray:
    """u - v of the elbow rule at each point of the ascending curve s."""
    return np.arange(s.size) / (s.size - 1) - (s - s[0]) / (s[-1] - s[0])


def scene(seed: int, n: int, pool: int | None) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0, 4000, size=(5, 2))
    blobs = centres[rng.integers(0, 5, n // 4)] + rng.normal(0, 60, (n // 4, 2))
    xy = np.vstack([rng.uniform(0, 4000, (n - n // 4, 2)), blobs]).round(1)
    if pool is not None:
        xy = xy[rng.permutation(n)[:pool]][rng.integers(0, pool, n)]
    return xy


class TestExactBelowSample:
    @pytest.mark.parametrize(
        ("seed", "n", "pool"), [(0, 3000, None), (1, 6000, 900), (2, 4000, 60)]
    )
    def test_default_eps_is_the_full_curve_elbow(
        self, seed: int, n: int, pool: int | None
    ) -> None:
        xy = scene(seed, n, pool)
        uniq, _, mult = collapse_locations(xy)
        ms = params.default_min_samples(n, uniq.shape[0])
        s = np.sort(brute_k_distances(xy, ms))
        want = s[direct_elbow(s)] * (1 + params.ELBOW_NUDGE)
        assert n <= params.EPS_SAMPLE
        got, how, _ = params.choose_dbscan_eps(uniq, mult, ms, max_default_eps_m=None)
        assert got == pytest.approx(max(want, params.MIN_EPS_M), rel=1e-12)
        assert "sample" not in how
        # sample = N is still the full curve, bit for bit
        again = params.choose_dbscan_eps(
            uniq, mult, ms, max_default_eps_m=None, sample=n
        )
        assert again[0] == got

    @pytest.mark.parametrize("min_samples", [2, 5, 40])
    def test_k_distances_match_brute_force_with_duplicates(
        self, min_samples: int
    ) -> None:
        # mean multiplicity ~3 but some locations hold 60: the first, short query must
        # be widened for some rows and not others
        rng = np.random.default_rng(7)
        base = rng.uniform(0, 800, size=(300, 2)).round(1)
        idx = np.r_[rng.integers(0, 300, 700), np.repeat([0, 1, 2], 60)]
        xy = base[idx]
        uniq, inv, mult = collapse_locations(xy)
        got = params._weighted_k_distances(uniq, mult, min_samples)[inv]
        np.testing.assert_allclose(got, brute_k_distances(xy, min_samples), rtol=1e-12)


class TestSampledCurve:
    @pytest.mark.parametrize("seed", range(3))
    def test_sampled_points_exact_and_last_point_is_the_true_maximum(
        self, seed: int
    ) -> None:
        xy = scene(seed, 12_000, 5000 if seed else None)
        uniq, _, mult = collapse_locations(xy)
        ms = 12
        full = np.sort(brute_k_distances(xy, ms))
        curve = params._k_distance_curve(uniq, mult, ms, 400)
        assert curve.size == 401
        assert curve[-1] == pytest.approx(full[-1], rel=1e-12)  # the exact maximum
        # every sampled k-distance is one of the full curve's (exact, not approximate)
        pos = np.clip(np.searchsorted(full, curve[:-1]), 1, full.size - 1)
        near = np.minimum(abs(full[pos] - curve[:-1]), abs(full[pos - 1] - curve[:-1]))
        assert near.max() <= 1e-9 * full[-1]

    def test_sample_is_of_incidents_not_locations(self) -> None:
        # 10 locations with 2,000 incidents each (k-distance 0) and 20,000 singles:
        # half of the incidents are at k-distance 0, but only 0.05% of the locations
        rng = np.random.default_rng(3)
        heavy = rng.uniform(0, 5000, (10, 2))
        xy = np.vstack(
            [np.repeat(heavy, 2000, axis=0), rng.uniform(0, 5000, (20_000, 2))]
        )
        uniq, _, mult = collapse_locations(xy)
        curve = params._k_distance_curve(uniq, mult, 8, 4000)
        share0 = float(np.mean(curve[:-1] == 0.0))
        # binomial(4000, 0.5) share: sd 0.008
        assert abs(share0 - 0.5) < 0.04


SPECS = [
    ClusterSpec("overlap", n=400, radius_m=150),
    ClusterSpec("police", n=400),
    ClusterSpec("fire", n=300),
    ClusterSpec("overlap", n=300, radius_m=120),
]


@pytest.fixture(scope="module")
def big(boundaries: Boundaries) -> tuple[pd.DataFrame, list[PlantedCluster]]:
    return plant_incidents(boundaries, seed=0, n_background=200_000, clusters=SPECS)


@pytest.mark.slow
class TestLargePlantedScene:
    def test_sampled_eps_is_near_optimal_for_the_full_curve(self, big: tuple) -> None:
        df, _ = big
        uniq, _, mult = collapse_locations(df[["easting", "northing"]].to_numpy())
        n, m = int(mult.sum()), params.EPS_SAMPLE
        assert n > 4 * m
        ms = params.default_min_samples(n, uniq.shape[0])
        full = params._k_distance_curve(uniq, mult, ms, None)  # the exact path
        curve = params._k_distance_curve(uniq, mult, ms, m)
        assert curve[-1] == full[-1]
        got = params.choose_dbscan_eps(uniq, mult, ms, max_default_eps_m=None)[0]
        s_hat = curve[params.elbow_index(curve)]
        assert got == s_hat * (1 + params.ELBOW_NUDGE)
        # Tolerance: with the chord's upper end exact, the sampled rule maximises
        # F_hat(s) - v(s); DKW: |F_hat - F| <= e everywhere w.p. 1 - a, so the full
        # curve's u - v at s_hat is within 2e of its maximum, plus twice the shift of
        # v by the sample's higher lower end, plus O(1/m) for u's discretisation.
        e = math.sqrt(math.log(2 / DKW_ALPHA) / (2 * m))
        shift = (curve[0] - full[0]) / (full[-1] - full[0])
        tol = 2 * e + 2 * shift + 4 / m
        g = objective(full)
        at = int(np.searchsorted(full, s_hat, side="right")) - 1
        assert full[at] == s_hat
        assert g[at] >= g.max() - tol
        # in metres: the band of radii the full rule cannot tell apart at this tolerance
        band = full[g >= g.max() - tol]
        exact = full[direct_elbow(full)]
        assert band.min() <= s_hat <= band.max()
        assert band.min() <= exact <= band.max()
        assert abs(s_hat - exact) <= band.max() - band.min()

    def test_same_planted_hotspots_as_the_exact_curve(
        self, big: tuple, boundaries: Boundaries, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        df, truth = big
        kw = {"max_default_eps_m": None}  # uncapped, so eps itself is used
        sampled = find_hotspots(df, boundaries, **kw)
        assert "sample" in sampled.parameters["chosen_by"]["eps_m"]
        exact_eps = functools.partial(params.choose_dbscan_eps, sample=None)
        monkeypatch.setattr(params, "choose_dbscan_eps", exact_eps)
        exact = find_hotspots(df, boundaries, **kw)
        assert "sample" not in exact.parameters["chosen_by"]["eps_m"]
        assert sampled.parameters["eps_m"] != exact.parameters["eps_m"]
        ids = df["source_id"].to_numpy()
        for p in truth:
            per = []
            for res in (sampled, exact):
                found = [h for h in res.hotspots if h.geometry.contains(p.centre)]
                assert len(found) == 1, p.name
                (h,) = found
                assert h.overlap == (p.kind == "overlap"), p.name
                assert len(set(ids[h.members]) & set(p.source_ids)) >= 0.9 * p.n
                per.append(set(ids[h.members]))
            assert per[0] == per[1], p.name
