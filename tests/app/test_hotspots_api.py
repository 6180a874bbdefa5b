"""/hotspots and /hotspots/overlap over HTTP on planted ground truth."""

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import shape

from app.security import create_key
from geo.ingest import parse_native_records
from geo.planted import plant_incidents

WINDOW = {"from": "2024-01-01", "to": "2024-07-01"}


@pytest.fixture
def planted(service, boundaries):
    inc, truth = plant_incidents(boundaries, seed=3)
    recs = inc[["source_id", "agency", "category", "easting", "northing"]].copy()
    recs["occurred_at"] = inc["occurred_at"].dt.tz_convert("Europe/London").dt.strftime("%Y-%m-%dT%H:%M:%S")
    rep = service.store(service.validate(parse_native_records(recs.to_dict(orient="records"))), fmt="native", filename=None, key_name="t")
    assert rep["accepted"] == len(inc)
    return truth


def _polys(doc):
    return [(f["properties"], gpd.GeoSeries([shape(f["geometry"])], crs=4326).to_crs(27700).iloc[0]) for f in doc["features"]]


def test_planted_overlaps_found_and_single_agency_never_overlap(client, planted) -> None:
    params = WINDOW | {"eps_m": 150, "min_samples": 8}
    doc = client.get("/api/v1/hotspots", params=params).json()
    polys = _polys(doc)
    assert polys, doc.get("warnings")
    for p in planted:
        centre = shapely.Point(p.easting, p.northing)
        hits = [props for props, g in polys if g.contains(centre)]
        assert hits, f"planted {p.kind} cluster {p.name} not found"
        assert hits[0]["overlap"] is (p.kind == "overlap")
    ranks = [props["rank"] for props, _ in polys]
    assert ranks == sorted(ranks)
    ov = client.get("/api/v1/hotspots/overlap", params=params).json()
    assert all(f["properties"]["overlap"] is True for f in ov["features"])
    ov_polys = _polys(ov)
    for p in planted:
        inside = any(g.contains(shapely.Point(p.easting, p.northing)) for _, g in ov_polys)
        assert inside is (p.kind == "overlap")
    assert "colocation" in ov["features"][0]["properties"]
    # determinism: the same request twice gives identical output
    assert client.get("/api/v1/hotspots", params=params).json() == doc


def test_hotspot_id_can_be_evaluated(client, planted) -> None:
    doc = client.get("/api/v1/hotspots", params=WINDOW | {"eps_m": 150, "min_samples": 8}).json()
    hid = doc["features"][0]["properties"]["id"]
    body = {"target": {"hotspot_id": hid}, "start": "2024-04-01", "end": "2024-07-01",
            "categories": sorted(doc["features"][0]["properties"]["categories"])}
    r = client.post("/api/v1/evaluations", json=body)
    assert r.status_code == 201, r.text
    counts = r.json()["all_selected"]["counts"]["target"]
    trend = doc["features"][0]["properties"]["trend"]
    assert counts["after"] >= 0 and counts["before"] + counts["after"] >= doc["features"][0]["properties"]["n"] * 0.5
    assert trend is not None


def test_hotspots_viewer_suppressed_and_empty_window(client, service, planted) -> None:
    empty = client.get("/api/v1/hotspots", params={"from": "2010-01-01", "to": "2010-02-01"})
    assert empty.status_code == 200 and empty.json()["features"] == [] and empty.json()["warnings"]
    r = client.get("/api/v1/hotspots", params={"method": "kmeans"})
    assert r.status_code == 422 and r.json()["param"] == "method"
    key = create_key(service.engine, role="viewer", name="v")
    doc = client.get("/api/v1/hotspots", params=WINDOW | {"eps_m": 150, "min_samples": 8}, headers={"X-API-Key": key}).json()
    for f in doc["features"]:
        for k in ("n", "n_police", "n_fire"):
            v = f["properties"][k]
            assert not (isinstance(v, int) and 1 <= v <= 4)
