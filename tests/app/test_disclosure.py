"""Adversarial disclosure tests: a viewer tries to rebuild what the rules hide.

Each test plays a determined viewer (docs/disclosure.md): it sends the parameters that
would expose a small cluster, a single incident's place or time, or a suppressed count,
and fails if it can. The analyst's unrestricted answers (and the raw records) are the
independent ground truth.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer
from scipy.spatial import cKDTree
from shapely.geometry import shape

from app.security import create_key
from geo.ingest import parse_native_records

TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
WINDOW = {"from": "2024-01-01", "to": "2024-07-01"}


@pytest.fixture
def small_clusters(service, boundaries):
    """Pairs and triples of incidents at exact points (the attack targets), plus a
    large cluster of 40 and a thin background."""
    rng = np.random.default_rng(11)
    dz = boundaries.datazones.to_crs(27700) if boundaries.datazones.crs.to_epsg() != 27700 else boundaries.datazones
    pts = dz.geometry.representative_point()
    rows = []

    def add(x: float, y: float, agency: str, i: int, day: int) -> None:
        rows.append({"source_id": f"D{len(rows)}", "agency": agency, "category": "vandalism" if agency == "police" else "deliberate_fire",
                     "easting": x, "northing": y, "occurred_at": f"2024-03-{day:02d}T{10 + i % 10:02d}:15:00"})

    for k in range(12):  # 12 tiny clusters of 2-4 incidents, 3 m apart
        p = pts.iloc[k * 17]
        for i in range(2 + k % 3):
            add(p.x + 3 * i, p.y, "police" if i % 2 else "fire", i, 1 + (k + i) % 27)
    big = pts.iloc[100]
    for i in range(40):
        add(big.x + rng.normal(0, 30), big.y + rng.normal(0, 30), "police" if i % 5 else "fire", i, 1 + i % 27)
    for i in range(150):
        p = pts.iloc[int(rng.integers(len(pts)))]
        add(p.x + rng.normal(0, 200), p.y + rng.normal(0, 200), "police", i, 1 + i % 31)
    rep = service.store(service.validate(parse_native_records(rows)), fmt="native", filename=None, key_name="t")
    assert rep["accepted"] == len(rows)
    return pd.DataFrame(rows)


@pytest.fixture
def viewer(service):
    return {"X-API-Key": create_key(service.engine, role="viewer", name="curious viewer")}


def _hidden_parts(parts: dict) -> int:
    return sum(v in ("<5", "c") for v in parts.values())


def test_parameters_that_would_expose_tiny_clusters_are_refused(client, small_clusters, viewer) -> None:
    for params, bad in (({"eps_m": 5, "min_samples": 2}, "eps_m"), ({"eps_m": 150, "min_samples": 2}, "min_samples"),
                        ({"method": "hdbscan", "min_cluster_size": 2}, "min_cluster_size")):
        r = client.get("/api/v1/hotspots", params=WINDOW | params, headers=viewer)
        assert r.status_code == 422 and r.json()["param"] == bad, r.text
    # the analyst sees the tiny clusters with the same request: the refusal is the rule, not a lack of data
    doc = client.get("/api/v1/hotspots", params=WINDOW | {"eps_m": 5, "min_samples": 2}).json()
    assert any(f["properties"]["n"] < 5 for f in doc["features"])


@pytest.mark.parametrize("params", [{"eps_m": 100, "min_samples": 5}, {"eps_m": 400, "min_samples": 5}, {},
                                    {"method": "hdbscan", "min_cluster_size": 5}])
def test_no_small_hotspot_and_nothing_pins_down_an_incident(client, small_clusters, viewer, params) -> None:
    doc = client.get("/api/v1/hotspots", params=WINDOW | params, headers=viewer).json()
    exact = small_clusters[["easting", "northing"]].to_numpy()
    tree = cKDTree(exact)
    assert doc["features"], doc.get("warnings")  # the cluster of 40 is served
    for f in doc["features"]:
        p = f["properties"]
        assert isinstance(p["n"], int) and p["n"] >= 5
        assert "score" not in p
        for k in ("first_occurred_at", "last_occurred_at"):
            assert p.get(k) is None or len(p[k]) == 7  # a month, never an instant
        c = p["centroid"]
        assert c["easting"] % 100 == 0 and c["northing"] % 100 == 0
        # additive sets: never exactly one part hidden, so no subtraction gives it back
        assert _hidden_parts({"a": p["n_police"], "b": p["n_fire"]}) != 1
        assert _hidden_parts(p["categories"]) != 1
        # the polygon's vertices lie on the 100 m grid, not on incidents
        xy = np.asarray(shape(f["geometry"]).exterior.coords if f["geometry"]["type"] == "Polygon"
                        else shape(f["geometry"]).geoms[0].exterior.coords)
        ex, ny = TO_BNG.transform(xy[:, 0], xy[:, 1])
        assert np.allclose(np.asarray(ex) / 100, np.round(np.asarray(ex) / 100), atol=1e-3)
        d, _ = tree.query(np.column_stack([ex, ny]))
        assert (d > 0.5).all()


def test_heat_surface_hides_cells_of_fewer_than_five(client, small_clusters, viewer) -> None:
    r = client.get("/api/v1/hotspots/kde", params=WINDOW | {"bandwidth_m": 50}, headers=viewer)
    assert r.status_code == 422 and r.json()["param"] == "bandwidth_m"
    doc = client.get("/api/v1/hotspots/kde", params=WINDOW | {"top_n": 50000}, headers=viewer).json()
    assert doc["bandwidth_m"] >= 300
    tree = cKDTree(small_clusters[["easting", "northing"]].to_numpy())
    pts = np.asarray(doc["points"])
    ex, ny = TO_BNG.transform(pts[:, 1], pts[:, 0])
    support = tree.query_ball_point(np.column_stack([ex, ny]), r=doc["bandwidth_m"], return_length=True)
    assert (support >= 5).all()  # independent count from the raw records
    assert all(float(f"{v:.2g}") == v for v in pts[:, 2])
    full = client.get("/api/v1/hotspots/kde", params=WINDOW | {"top_n": 50000, "bandwidth_m": doc["bandwidth_m"]}).json()
    assert len(full["points"]) > len(doc["points"])  # the analyst sees the thin cells


def test_gistar_gives_no_z_that_rebuilds_a_cell(client, small_clusters, viewer) -> None:
    doc = client.get("/api/v1/hotspots/gistar", params=WINDOW, headers=viewer).json()
    props = [f["properties"] for f in doc["features"]]
    assert all(p["gi_z"] is None and p["p_value"] is None and p["p_fdr"] is None for p in props)
    assert "<5" in [p["count"] for p in props]
    assert {p["confidence"] for p in props} <= {-3, -2, -1, 0, 1, 2, 3}
    r = client.get("/api/v1/hotspots/gistar", params=WINDOW | {"unit": "grid", "cell_m": 100}, headers=viewer)
    assert r.status_code == 422 and r.json()["param"] == "cell_m"


def test_differencing_two_windows_a_day_apart_gives_nothing(client, small_clusters, viewer) -> None:
    a = client.get("/api/v1/stats/wards", params={"from": "2024-03-01", "to": "2024-03-31"}, headers=viewer).json()
    b = client.get("/api/v1/stats/wards", params={"from": "2024-03-01", "to": "2024-04-01"}, headers=viewer).json()
    assert a["rows"] == b["rows"]
    # the analyst's two windows differ (there are incidents on 31 March), so the test could fail
    aa = client.get("/api/v1/stats/wards", params={"from": "2024-03-01", "to": "2024-03-31"}).json()
    bb = client.get("/api/v1/stats/wards", params={"from": "2024-03-01", "to": "2024-04-01"}).json()
    assert aa["rows"] != bb["rows"]
    h1 = client.get("/api/v1/hotspots", params={"from": "2024-03-02", "to": "2024-03-30"}, headers=viewer).json()
    h2 = client.get("/api/v1/hotspots", params={"from": "2024-03-01", "to": "2024-04-01"}, headers=viewer).json()
    assert [f["properties"]["n"] for f in h1["features"]] == [f["properties"]["n"] for f in h2["features"]]
