"""Tests of geo.hotspots (and geo.planted) against METHODS.md §4, scikit-learn and planted truth."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from sklearn.cluster import DBSCAN, HDBSCAN
from sklearn.neighbors import NearestNeighbors

from geo import hotspots as clusters
from geo.boundaries import Boundaries
from geo.errors import (
    EmptyInputError,
    ParameterError,
    TooFewIncidentsError,
    TooLargeError,
)
from geo.hotspots import (
    choose_eps,
    default_min_cluster_size,
    default_min_samples,
    elbow_index,
    find_hotspots,
    is_overlap,
    k_distances,
    overlap_hotspots,
    to_geojson,
)
from geo.hotspots.colocation import global_clq, local_clq
from geo.planted import DEFAULT_CLUSTERS, ClusterSpec, PlantedCluster, plant_incidents

SEEDS = [0, 1, 2, 3]
STREET_EPS = 60.0
RTOL = 1e-5

# METHODS §4 worked example
EX_XY = np.array(
    [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
        [2, 1],
        [6, 6],
        [6, 6],
        [6, 6],
        [6, 7],
        [10, 10],
        [11, 10],
        [10, 11],
        [11, 11.5],
        [3, 9],
        [12, 2],
        [15, 15],
    ],
    dtype=float,
)
EX_KDIST = [1.41421, 1.41421, 1.41421, 1, 2, 1, 1, 1, 1, 1.80278, 1.5, 1.41421]
EX_KDIST += [1.80278, 4.24264, 7.21110, 6.40312]
EX_LABELS = [0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, -1, -1, -1]


@pytest.fixture(scope="module")
def planted(
    boundaries: Boundaries,
) -> dict[int, tuple[pd.DataFrame, list[PlantedCluster]]]:
    return {s: plant_incidents(boundaries, seed=s) for s in SEEDS}


def frame_from_xy(
    xy: np.ndarray, agency: list[str] | None = None, start: str = "2024-01-01"
) -> pd.DataFrame:
    n = xy.shape[0]
    agency = agency or ["police"] * n
    return pd.DataFrame(
        {
            "source_id": [f"X{i}" for i in range(n)],
            "agency": agency,
            "category": [
                "vandalism" if a == "police" else "deliberate_fire" for a in agency
            ],
            "occurred_at": pd.date_range(start, periods=n, freq="h", tz="UTC"),
            "easting": xy[:, 0],
            "northing": xy[:, 1],
            "datazone": ["S01013243"] * n,
            "ward": ["S13002820"] * n,
            "tasking_group": ["EAST"] * n,
            "simd_rank": [100] * n,
            "simd_decile": [1] * n,
        }
    )


def direct_elbow(sorted_vals: np.ndarray) -> int:
    """The elbow rule written out directly from METHODS §4 (1-based formula)."""
    n = len(sorted_vals)
    s1, sn = sorted_vals[0], sorted_vals[-1]
    best, best_i = -np.inf, 0
    for i in range(1, n + 1):
        u = (i - 1) / (n - 1)
        v = (sorted_vals[i - 1] - s1) / (sn - s1)
        if u - v > best:
            best, best_i = u - v, i - 1
    return best_i


# ----------------------------------------------------------------- eps / k-distance


class TestChooseEps:
    def test_worked_example_k_distances(self) -> None:
        np.testing.assert_allclose(
            k_distances(EX_XY, min_samples=4), EX_KDIST, rtol=RTOL
        )

    def test_worked_example_elbow_and_eps(self) -> None:
        s = np.sort(k_distances(EX_XY, min_samples=4))
        assert elbow_index(s) == 12 == direct_elbow(s)
        u_minus_v = 12 / 15 - (s[12] - s[0]) / (s[-1] - s[0])
        np.testing.assert_allclose(u_minus_v, 0.638998, rtol=RTOL)
        assert choose_eps(EX_XY, min_samples=4) == 2.0 * (1 + 1e-9)

    def test_eps_equals_direct_computation_with_sklearn(self) -> None:
        dist = NearestNeighbors(n_neighbors=4).fit(EX_XY).kneighbors(EX_XY)[0][:, -1]
        s = np.sort(dist)
        assert choose_eps(EX_XY, min_samples=4) == s[direct_elbow(s)] * (1 + 1e-9)

    @pytest.mark.parametrize("seed", range(4))
    @pytest.mark.parametrize("min_samples", [2, 4, 9])
    def test_k_distances_match_sklearn_with_duplicates(
        self, seed: int, min_samples: int
    ) -> None:
        rng = np.random.default_rng(seed)
        base = rng.uniform(0, 500, size=(80, 2))
        xy = base[rng.integers(0, 80, 300)]  # many duplicates
        direct = (
            NearestNeighbors(n_neighbors=min_samples).fit(xy).kneighbors(xy)[0][:, -1]
        )
        np.testing.assert_allclose(k_distances(xy, min_samples=min_samples), direct)
        s = np.sort(direct)
        assert choose_eps(xy, min_samples=min_samples) == pytest.approx(
            s[direct_elbow(s)] * (1 + 1e-9), rel=1e-15
        )

    def test_too_few(self) -> None:
        with pytest.raises(TooFewIncidentsError) as err:
            choose_eps(EX_XY[:3], min_samples=4)
        assert err.value.param == "min_samples"

    def test_flat_curve(self) -> None:
        assert elbow_index([3.0, 3.0, 3.0]) == 0


class TestDefaults:
    def test_min_samples_rule(self) -> None:
        assert default_min_samples(500, 500) == 4
        assert default_min_samples(100_000, 100_000) == 40
        assert default_min_samples(1_000_000, 900_000) == 400
        # street-snapped: 2000 incidents on 200 points -> 2 * mean multiplicity = 20
        assert default_min_samples(2000, 200) == 20

    def test_min_cluster_size_rule(self) -> None:
        assert default_min_cluster_size(50) == 10
        assert default_min_cluster_size(100_000) == 100


# ----------------------------------------------------------------- DBSCAN exactness


class TestDbscanDuplicates:
    def test_worked_example_labels(self, boundaries: Boundaries) -> None:
        df = frame_from_xy(EX_XY)
        res = find_hotspots(df, boundaries, eps_m=2 * (1 + 1e-9), min_samples=4)
        assert res.labels.tolist() == EX_LABELS
        assert res.parameters["n_unique_locations"] == 14
        # default eps follows the elbow rule and gives the same labels
        res2 = find_hotspots(df, boundaries, min_samples=4)
        assert res2.parameters["eps_m"] == 2 * (1 + 1e-9)
        assert res2.parameters["chosen_by"]["eps_m"] == "k-distance elbow"
        assert res2.labels.tolist() == EX_LABELS

    @pytest.mark.parametrize("seed", SEEDS)
    def test_labels_equal_plain_sklearn(
        self, boundaries: Boundaries, seed: int
    ) -> None:
        df, _ = plant_incidents(
            boundaries, seed=seed, n_background=3000, location_pool=600
        )
        xy = df[["easting", "northing"]].to_numpy()
        assert len(np.unique(xy, axis=0)) < len(xy) / 2  # heavily duplicated
        for eps, ms in [(STREET_EPS, 4), (120.0, 12)]:
            res = find_hotspots(df, boundaries, eps_m=eps, min_samples=ms)
            plain = DBSCAN(eps=eps, min_samples=ms).fit(xy).labels_
            np.testing.assert_array_equal(res.labels, plain)
            assert res.parameters["n_unique_locations"] == len(np.unique(xy, axis=0))

    def test_default_eps_labels_equal_plain_sklearn(
        self, boundaries: Boundaries
    ) -> None:
        df, _ = plant_incidents(
            boundaries, seed=9, n_background=1500, location_pool=400
        )
        xy = df[["easting", "northing"]].to_numpy()
        res = find_hotspots(df, boundaries, max_default_eps_m=None)
        ms = res.parameters["min_samples"]
        assert ms == default_min_samples(len(df), len(np.unique(xy, axis=0)))
        eps = choose_eps(xy, min_samples=ms)
        assert res.parameters["eps_m"] == eps
        capped = find_hotspots(df, boundaries)
        assert capped.parameters["eps_m"] == min(eps, 150.0)
        if eps > 150.0:
            assert "capped" in capped.parameters["chosen_by"]["eps_m"]
        np.testing.assert_array_equal(
            res.labels, DBSCAN(eps=eps, min_samples=ms).fit(xy).labels_
        )


# ----------------------------------------------------------------- planted ground truth


def hotspots_at(
    res: clusters.HotspotResult, p: PlantedCluster
) -> list[clusters.Hotspot]:
    return [h for h in res.hotspots if h.geometry.contains(p.centre)]


METHOD_KW = [
    pytest.param({"eps_m": STREET_EPS}, id="dbscan-60m"),
    pytest.param({"method": "hdbscan"}, id="hdbscan-default"),
]


class TestPlanted:
    @pytest.mark.parametrize("seed", SEEDS)
    @pytest.mark.parametrize("kw", METHOD_KW)
    def test_overlaps_found_and_single_agency_not(
        self, planted: dict, boundaries: Boundaries, seed: int, kw: dict
    ) -> None:
        df, truth = planted[seed]
        res = find_hotspots(df, boundaries, **kw)
        for p in truth:
            found = hotspots_at(res, p)
            if p.kind == "overlap":
                assert any(h.overlap for h in found), (p.name, kw)
                best = max(found, key=lambda h: h.n)
                members = set(df["source_id"].to_numpy()[best.members])
                # the hotspot is the planted cluster (>= 90 % of it), not a blob
                assert len(members & set(p.source_ids)) >= 0.9 * p.n
            else:
                assert not any(h.overlap for h in found), (p.name, kw)
                assert found, f"planted {p.kind} cluster {p.name} not found"

    @pytest.mark.parametrize("seed", [0, 1])
    @pytest.mark.parametrize("kw", METHOD_KW)
    def test_dense_background(
        self, boundaries: Boundaries, seed: int, kw: dict
    ) -> None:
        # 15,000 background incidents: HDBSCAN's low-probability halo would otherwise
        # pull background police into the fire-only cluster
        specs = [
            ClusterSpec("overlap", n=200),
            ClusterSpec("police", n=200),
            ClusterSpec("fire", n=150),
            ClusterSpec("overlap", n=150, radius_m=120.0),
        ]
        df, truth = plant_incidents(
            boundaries, seed=seed, n_background=15_000, clusters=specs
        )
        res = find_hotspots(df, boundaries, **kw)
        for p in truth:
            found = hotspots_at(res, p)
            assert found, p.name
            assert any(h.overlap for h in found) == (p.kind == "overlap"), p.name
            best = max(found, key=lambda h: h.n)
            ids = set(df["source_id"].to_numpy()[best.members])
            assert len(ids & set(p.source_ids)) >= 0.9 * p.n

    @pytest.mark.parametrize("seed", SEEDS)
    def test_dbscan_recovers_planted_exactly(
        self, planted: dict, boundaries: Boundaries, seed: int
    ) -> None:
        # with a sparse background and eps = 60 m only the planted clusters are dense
        df, truth = planted[seed]
        res = find_hotspots(df, boundaries, eps_m=STREET_EPS)
        for p in truth:
            (h,) = hotspots_at(res, p)
            ids = set(df["source_id"].to_numpy()[h.members])
            assert ids >= set(p.source_ids)
            assert len(ids) - p.n <= 3  # at most a few background incidents
            assert h.overlap == (p.kind == "overlap")

    @pytest.mark.parametrize("seed", SEEDS)
    @pytest.mark.parametrize("kw", METHOD_KW)
    def test_polygons_valid(
        self, planted: dict, boundaries: Boundaries, seed: int, kw: dict
    ) -> None:
        df, _ = planted[seed]
        res = find_hotspots(df, boundaries, **kw)
        geoms = np.array([h.geometry for h in res.hotspots])
        assert len(geoms) > 0
        assert shapely.is_valid(geoms).all()
        assert (shapely.get_type_id(geoms) == 3).all()  # Polygon
        assert shapely.is_simple(shapely.get_exterior_ring(geoms)).all()
        # every member lies inside its polygon
        xy = df[["easting", "northing"]].to_numpy()
        for h in res.hotspots:
            pts = xy[h.members]
            assert shapely.contains_xy(h.geometry, pts[:, 0], pts[:, 1]).all()

    def test_concave_hull_valid_and_smaller(
        self, planted: dict, boundaries: Boundaries
    ) -> None:
        df, _ = planted[0]
        convex = find_hotspots(df, boundaries, eps_m=STREET_EPS)
        concave = find_hotspots(df, boundaries, eps_m=STREET_EPS, hull="concave")
        for a, b in zip(convex.hotspots, concave.hotspots, strict=True):
            assert a.id == b.id
            assert b.geometry.is_valid
            assert b.area_m2 <= a.area_m2 + 1e-6

    @pytest.mark.parametrize("kw", METHOD_KW)
    def test_same_input_identical_geojson(
        self, planted: dict, boundaries: Boundaries, kw: dict
    ) -> None:
        df, _ = planted[1]
        a = json.dumps(to_geojson(find_hotspots(df, boundaries, **kw)), allow_nan=False)
        b = json.dumps(
            to_geojson(find_hotspots(df.copy(), boundaries, **kw)), allow_nan=False
        )
        assert a == b

    def test_ids_independent_of_row_order(
        self, planted: dict, boundaries: Boundaries
    ) -> None:
        df, _ = planted[2]
        res = find_hotspots(df, boundaries, eps_m=STREET_EPS)
        shuffled = df.sample(frac=1.0, random_state=3).reset_index(drop=True)
        res2 = find_hotspots(shuffled, boundaries, eps_m=STREET_EPS)
        assert [h.id for h in res.hotspots] == [h.id for h in res2.hotspots]
        other = find_hotspots(df, boundaries, eps_m=STREET_EPS + 1)
        assert {h.id for h in other.hotspots}.isdisjoint({h.id for h in res.hotspots})

    def test_properties_against_direct_computation(
        self, planted: dict, boundaries: Boundaries
    ) -> None:
        df, _ = planted[3]
        res = find_hotspots(df, boundaries, method="hdbscan")
        dz_decile = boundaries.datazones.set_index("code")["simd_decile"]
        for h in res.hotspots:
            m = df.iloc[h.members]
            assert h.n == len(m) == int((res.labels == h.label).sum())
            assert h.n_police == int((m["agency"] == "police").sum())
            assert h.n_fire == int((m["agency"] == "fire").sum())
            assert h.categories == m["category"].value_counts().to_dict()
            assert list(h.categories.values()) == sorted(
                h.categories.values(), reverse=True
            )
            counts = m["ward"].value_counts()
            assert set(h.wards) == set(counts.index)
            assert [counts[w] for w in h.wards] == sorted(
                counts.to_numpy(), reverse=True
            )
            assert set(h.datazones) == set(m["datazone"])
            assert h.worst_simd_decile == int(m["datazone"].map(dz_decile).min())
            assert h.first_occurred_at == m["occurred_at"].min().isoformat().replace(
                "+00:00", "Z"
            )
            np.testing.assert_allclose(
                h.centroid_easting, m["easting"].mean(), atol=0.01
            )
            fire_share = float((df["agency"] == "fire").mean())
            # issue 12: the count rule is necessary; overlap also needs significant co-location
            rule = is_overlap(h.n_police, h.n_fire, h.n, window_fire_share=fire_share)
            assert h.overlap == (rule and h.overlap_p is not None and h.overlap_p <= 0.05)
            assert (h.overlap_p is not None) == rule
        ranks = [h.rank for h in res.hotspots]
        assert ranks == list(range(1, len(ranks) + 1))
        scores = [h.score for h in res.hotspots]
        assert scores == sorted(scores, reverse=True)

    def test_trend_and_score(self, boundaries: Boundaries) -> None:
        specs = [
            ClusterSpec("police", n=80, second_half_share=0.9),
            ClusterSpec("police", n=80, second_half_share=0.1),
        ]
        df, truth = plant_incidents(boundaries, seed=4, clusters=specs)
        period = ("2024-01-01T00:00:00Z", "2024-07-01T00:00:00Z")
        res = find_hotspots(df, boundaries, eps_m=STREET_EPS, period=period)
        mid = pd.Timestamp("2024-04-01T00:00:00Z")
        (rising,) = hotspots_at(res, truth[0])
        (falling,) = hotspots_at(res, truth[1])
        for h in (rising, falling):
            t = df["occurred_at"].iloc[h.members]
            f, s = int((t < mid).sum()), int((t >= mid).sum())
            assert (h.trend.first_half, h.trend.second_half) == (f, s)
            assert h.trend.change_pct == pytest.approx(100 * (s - f) / f)
            w = min(2.0, max(0.5, np.sqrt((s + 1) / (f + 1))))
            assert h.score == pytest.approx(h.n * w, abs=1e-6)
        assert rising.trend.change_pct is not None and rising.trend.change_pct > 100
        assert falling.trend.change_pct is not None and falling.trend.change_pct < -50
        assert rising.rank < falling.rank

    def test_period_filter(self, planted: dict, boundaries: Boundaries) -> None:
        df, _ = planted[0]
        period = ("2024-02-01", "2024-03-01")  # naive -> Europe/London
        res = find_hotspots(df, boundaries, eps_m=200.0, period=period)
        start = pd.Timestamp("2024-02-01", tz="Europe/London")
        end = pd.Timestamp("2024-03-01", tz="Europe/London")
        inside = ((df["occurred_at"] >= start) & (df["occurred_at"] < end)).to_numpy()
        assert ((res.labels == -2) == ~inside).all()
        assert res.parameters["n_incidents"] == int(inside.sum())
        assert res.parameters["period"]["start"] == "2024-02-01T00:00:00Z"
        for h in res.hotspots:
            assert inside[h.members].all()


class TestOverlapRule:
    @pytest.mark.parametrize(
        ("n_police", "n_fire", "expected"),
        [(40, 40, True), (12, 3, True), (13, 3, False), (2, 2, False), (80, 0, False)],
    )
    def test_rule(self, n_police: int, n_fire: int, expected: bool) -> None:
        assert is_overlap(n_police, n_fire, n_police + n_fire) is expected

    def test_single_agency_never_overlap(self) -> None:
        for n in range(1, 200):
            assert not is_overlap(n, 0, n, min_agency_count=1, min_agency_share=0.0)
            assert not is_overlap(0, n, n, min_agency_count=1, min_agency_share=0.0)


class TestOverlapHotspots:
    def test_only_overlaps_with_colocation(
        self, planted: dict, boundaries: Boundaries
    ) -> None:
        df, truth = planted[0]
        res = find_hotspots(df, boundaries, eps_m=STREET_EPS)
        ov = overlap_hotspots(res, df, permutations=199, seed=1)
        assert len(ov.hotspots) == sum(p.kind == "overlap" for p in truth)
        assert all(o.hotspot.overlap for o in ov.hotspots)
        xy = df[["easting", "northing"]].to_numpy()
        agency = df["agency"].to_numpy()
        g = global_clq(xy, agency, "fire", "police", permutations=199, seed=1)
        assert ov.global_fire_to_police is not None
        assert ov.global_fire_to_police.clq == pytest.approx(g.clq, rel=1e-12)
        assert ov.global_police_to_fire is not None
        gpf = global_clq(xy, agency, "police", "fire", permutations=0)
        assert ov.global_police_to_fire.clq == pytest.approx(gpf.clq, rel=1e-12)
        loc_fp = local_clq(xy, agency, "fire", "police", k=10, permutations=0)
        loc_pf = local_clq(xy, agency, "police", "fire", k=10, permutations=0)
        for o in ov.hotspots:
            fire_m = np.intersect1d(o.hotspot.members, loc_fp.index)
            pol_m = np.intersect1d(o.hotspot.members, loc_pf.index)
            np.testing.assert_allclose(
                o.fire_to_police.mean_lclq,
                loc_fp.lclq[np.searchsorted(loc_fp.index, fire_m)].mean(),
                rtol=1e-10,
            )
            np.testing.assert_allclose(
                o.police_to_fire.mean_lclq,
                loc_pf.lclq[np.searchsorted(loc_pf.index, pol_m)].mean(),
                rtol=1e-10,
            )
            # a 50/50 hotspot in a police-heavy window: fire is concentrated around
            # its police incidents far beyond chance
            assert o.police_to_fire.mean_lclq > 1.5
            assert o.police_to_fire.p_attraction is not None
            assert o.police_to_fire.p_attraction <= 0.01
        fc = to_geojson(ov)
        json.dumps(fc, allow_nan=False)
        assert [f["id"] for f in fc["features"]] == [o.hotspot.id for o in ov.hotspots]
        assert "local_police_to_fire" in fc["features"][0]["properties"]["colocation"]

    def test_needs_same_frame(self, planted: dict, boundaries: Boundaries) -> None:
        df, _ = planted[0]
        res = find_hotspots(df, boundaries, eps_m=STREET_EPS)
        with pytest.raises(ParameterError) as err:
            overlap_hotspots(res, df.iloc[:-1])
        assert err.value.param == "incidents"

    def test_police_only_window(self, boundaries: Boundaries) -> None:
        df, _ = plant_incidents(
            boundaries, seed=5, fire_share=0.0, clusters=[ClusterSpec("police")]
        )
        res = find_hotspots(df, boundaries, eps_m=STREET_EPS)
        ov = overlap_hotspots(res, df, permutations=9)
        assert ov.hotspots == () and ov.global_fire_to_police is None


# ----------------------------------------------------------------- GeoJSON


class TestGeoJSON:
    def test_wgs84_ranked(self, planted: dict, boundaries: Boundaries) -> None:
        df, truth = planted[0]
        res = find_hotspots(df, boundaries, eps_m=STREET_EPS)
        fc = to_geojson(res)
        json.dumps(fc, allow_nan=False)
        assert fc["type"] == "FeatureCollection"
        assert [f["properties"]["rank"] for f in fc["features"]] == list(
            range(1, len(fc["features"]) + 1)
        )
        to_wgs = pyproj.Transformer.from_crs(27700, 4326, always_xy=True)
        for f in fc["features"]:
            assert f["geometry"]["type"] == "Polygon"
            ring = np.asarray(f["geometry"]["coordinates"][0])
            assert ((ring[:, 0] > -4.0) & (ring[:, 0] < -3.2)).all()  # lon first
            assert ((ring[:, 1] > 55.7) & (ring[:, 1] < 56.1)).all()
            poly = shapely.Polygon(ring)
            assert poly.is_valid and poly.exterior.is_ccw  # RFC 7946 winding
        for p in truth:
            lon, lat = to_wgs.transform(p.easting, p.northing)
            hits = [
                f
                for f in fc["features"]
                if shapely.Polygon(f["geometry"]["coordinates"][0]).contains(
                    shapely.Point(lon, lat)
                )
            ]
            assert len(hits) == 1
            assert hits[0]["properties"]["overlap"] == (p.kind == "overlap")
        props = fc["features"][0]["properties"]
        for key in (
            "id",
            "n",
            "n_police",
            "n_fire",
            "categories",
            "wards",
            "datazones",
            "overlap",
            "trend",
            "score",
            "rank",
            "centroid",
            "worst_simd_decile",
        ):
            assert key in props
        assert set(fc["parameters"]["chosen_by"]) >= {"eps_m", "min_samples"}


# ----------------------------------------------------------------- guardrails


class TestGuardrails:
    def test_too_few(self, boundaries: Boundaries) -> None:
        df = frame_from_xy(EX_XY[:3])
        with pytest.raises(TooFewIncidentsError) as err:
            find_hotspots(df, boundaries)
        assert err.value.param == "min_samples"
        with pytest.raises(TooFewIncidentsError) as err:
            find_hotspots(df, boundaries, method="hdbscan")
        assert err.value.param == "min_cluster_size"

    def test_empty_window(self, boundaries: Boundaries) -> None:
        df = frame_from_xy(EX_XY)
        with pytest.raises(EmptyInputError):
            find_hotspots(df, boundaries, period=("2030-01-01", "2030-02-01"))
        with pytest.raises(EmptyInputError):
            find_hotspots(df.iloc[:0], boundaries)

    def test_bad_parameters(self, boundaries: Boundaries) -> None:
        df = frame_from_xy(EX_XY)
        cases: list[tuple[dict[str, Any], str]] = [
            ({"method": "kmeans"}, "method"),
            ({"eps_m": -1.0}, "eps_m"),
            ({"eps_m": float("nan")}, "eps_m"),
            ({"min_samples": 0}, "min_samples"),
            ({"method": "hdbscan", "min_cluster_size": 1}, "min_cluster_size"),
            ({"period": ("2024-02-01", "2024-01-01")}, "to"),
            ({"hull": "alpha"}, "hull"),
        ]
        for kw, param in cases:
            with pytest.raises(ParameterError) as err:
                find_hotspots(df, boundaries, **kw)
            assert err.value.param == param
        with pytest.raises(ParameterError, match="columns"):
            find_hotspots(df.drop(columns=["easting"]), boundaries)

    def test_hdbscan_size_limit(
        self, boundaries: Boundaries, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(clusters.density, "HDBSCAN_MAX_INCIDENTS", 10)
        with pytest.raises(TooLargeError) as err:
            find_hotspots(frame_from_xy(EX_XY), boundaries, method="hdbscan")
        assert err.value.param == "method"

    def test_sub_metre_eps_warns(self, boundaries: Boundaries) -> None:
        res = find_hotspots(frame_from_xy(EX_XY), boundaries, eps_m=0.5, min_samples=2)
        assert any("below 1 m" in w for w in res.warnings)

    def test_snapped_locations_warn(self, boundaries: Boundaries) -> None:
        rng = np.random.default_rng(0)
        grid = rng.uniform(0, 5000, size=(50, 2))
        xy = grid[rng.integers(0, 50, 400)]
        res = find_hotspots(frame_from_xy(xy), boundaries, eps_m=5.0, min_samples=4)
        assert any("median spacing" in w for w in res.warnings)
        res = find_hotspots(frame_from_xy(np.round(xy, -2)), boundaries, eps_m=50.0)
        assert any("rounded to 100 m" in w for w in res.warnings)

    def test_all_coincident_floors_eps(self, boundaries: Boundaries) -> None:
        xy = np.array([[300000.0, 670000.0]] * 12 + [[300500.0, 670000.0]])
        res = find_hotspots(frame_from_xy(xy), boundaries, min_samples=4)
        assert res.parameters["eps_m"] == 1.0
        assert "floored" in res.parameters["chosen_by"]["eps_m"]
        assert res.labels.tolist() == [0] * 12 + [-1]

    def test_coarse_parameters_warn(
        self, planted: dict, boundaries: Boundaries
    ) -> None:
        df, _ = planted[0]
        res = find_hotspots(df, boundaries, eps_m=2000.0)
        assert any("one cluster holds" in w for w in res.warnings)

    def test_hdbscan_matches_sklearn_before_trimming(
        self, planted: dict, boundaries: Boundaries
    ) -> None:
        df, _ = planted[1]
        xy = df[["easting", "northing"]].to_numpy()
        res = find_hotspots(
            df, boundaries, method="hdbscan", hdbscan_min_probability=0.0
        )
        mcs = default_min_cluster_size(len(df))
        if res.parameters["chosen_by"].get("hdbscan_implementation") == "hdbscan":
            import hdbscan as hdbscan_lib

            plain = hdbscan_lib.HDBSCAN(min_cluster_size=mcs, min_samples=mcs - 1, algorithm="boruvka_kdtree").fit(xy)
            np.testing.assert_array_equal(res.labels, plain.labels_)
            # and the library agrees closely with scikit-learn's implementation
            from sklearn.metrics import adjusted_rand_score

            sk = HDBSCAN(min_cluster_size=mcs, copy=True).fit(xy)
            assert adjusted_rand_score(res.labels, sk.labels_) > 0.9
        else:
            plain = HDBSCAN(min_cluster_size=mcs, copy=True).fit(xy)
            np.testing.assert_array_equal(res.labels, plain.labels_)


# ----------------------------------------------------------------- the generator


class TestPlantIncidents:
    def test_deterministic(self, boundaries: Boundaries) -> None:
        a, pa = plant_incidents(boundaries, seed=12, n_background=300)
        b, pb = plant_incidents(boundaries, seed=12, n_background=300)
        pd.testing.assert_frame_equal(a, b)
        assert pa == pb
        c, _ = plant_incidents(boundaries, seed=13, n_background=300)
        assert not a[["easting", "northing"]].equals(c[["easting", "northing"]])

    def test_schema_and_truth(self, boundaries: Boundaries) -> None:
        df, truth = plant_incidents(boundaries, seed=21, n_background=500)
        assert list(df.columns) == [
            "source_id",
            "agency",
            "category",
            "occurred_at",
            "easting",
            "northing",
            "datazone",
            "ward",
            "tasking_group",
            "simd_rank",
            "simd_decile",
        ]
        assert str(df["occurred_at"].dtype) == "datetime64[ns, UTC]"
        assert not df[["agency", "source_id"]].duplicated().any()
        assert len(df) == 500 + sum(p.n for p in truth)
        area = boundaries.area
        assert shapely.contains_xy(area, df["easting"], df["northing"]).all()
        dz = boundaries.datazones.set_index("code")
        ids = df.set_index("source_id")
        for p in truth:
            assert dz.geometry[p.datazone].contains(p.centre)
            members = ids.loc[list(p.source_ids)]
            assert (members["agency"] == "police").sum() == p.n_police
            assert (members["agency"] == "fire").sum() == p.n_fire
            d = np.hypot(
                members["easting"] - p.easting, members["northing"] - p.northing
            )
            assert (d <= p.radius_m + 1e-6).all()
            if p.kind == "police":
                assert p.n_fire == 0
            if p.kind == "fire":
                assert p.n_police == 0
        # data zone and ward by direct point-in-polygon
        sample = df.sample(100, random_state=0)
        for _, row in sample.iterrows():
            pt = shapely.Point(row["easting"], row["northing"])
            assert dz.geometry[row["datazone"]].covers(pt)
            assert row["simd_decile"] == dz["simd_decile"][row["datazone"]]
        wards = boundaries.wards.set_index("code")
        hits = sample.apply(
            lambda r: wards.geometry[r["ward"]].distance(
                shapely.Point(r["easting"], r["northing"])
            ),
            axis=1,
        )
        assert (hits < 1.0).all()

    def test_location_pool_duplicates(self, boundaries: Boundaries) -> None:
        df, _ = plant_incidents(
            boundaries, seed=2, n_background=2000, location_pool=100
        )
        n_unique = len(df[["easting", "northing"]].drop_duplicates())
        assert n_unique <= 100 + sum(max(3, s.n // 3) for s in DEFAULT_CLUSTERS)

    def test_bad_spec(self, boundaries: Boundaries) -> None:
        with pytest.raises(ParameterError):
            plant_incidents(
                boundaries, seed=0, clusters=[{"kind": "police", "police_share": 0.5}]
            )
        with pytest.raises(ParameterError):
            plant_incidents(boundaries, seed=0, clusters=[{"kind": "ambulance"}])
