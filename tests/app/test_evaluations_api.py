"""POST /evaluations on the demo's Boghall operation, against an independent count."""

import geopandas as gpd
import pandas as pd
import pytest

from app.demo import load_demo
from geo.demo import generate_demo

FIRES = ["deliberate_secondary_fire", "deliberate_fire"]


@pytest.fixture
def demo(service, boundaries):
    load_demo(service)
    d = generate_demo(boundaries.datazones, boundaries.wards, seed=service.settings.demo_seed, end=service.settings.demo_end)
    return d


def _count(inc, boundaries, dzs, cats, start, end):
    g = gpd.GeoDataFrame(inc, geometry=gpd.points_from_xy(inc.easting, inc.northing), crs=27700)
    area = boundaries.datazones[boundaries.datazones.code.isin(dzs)].union_all()
    t = pd.to_datetime(inc.occurred_at)
    m = g.intersects(area) & inc.category.isin(cats) & (t >= pd.Timestamp(start)) & (t < pd.Timestamp(end))
    return int(m.sum())


def test_boghall_operation_evaluation(client, demo, boundaries) -> None:
    op = demo.operation
    body = {"name": "Boghall", "target": {"datazones": op["datazones"]}, "start": op["start"], "end": op["end"],
            "categories": FIRES, "buffer_m": 500}
    r = client.post("/api/v1/evaluations", json=body)
    assert r.status_code == 201, r.text
    doc = r.json()
    allsel = doc["all_selected"]
    before = _count(demo.incidents, boundaries, op["datazones"], FIRES, op["before_start"], op["start"])
    after = _count(demo.incidents, boundaries, op["datazones"], FIRES, op["start"], op["end"])
    assert allsel["counts"]["target"]["before"] == before and allsel["counts"]["target"]["after"] == after
    assert allsel["pct_change"] == pytest.approx(100 * (after - before) / before, abs=0.5)
    assert allsel["pct_change"] < -50 and allsel["p_value"] < 0.05
    assert "wdq" in allsel and allsel["verdict"]
    from scipy.stats import binomtest

    # the exact conditional test on equal windows is a binomial test of after | before+after
    assert allsel["p_value"] == pytest.approx(binomtest(after, before + after, 0.5).pvalue, rel=1e-3)
    assert doc["control_area"] == "WEST"
    again = client.get(f"/api/v1/evaluations/{doc['id']}")
    assert again.status_code == 200 and again.json() == doc


def test_evaluation_errors(client, demo) -> None:
    op = demo.operation
    base = {"target": {"datazones": op["datazones"]}, "start": op["start"], "end": op["end"], "categories": ["vandalism"]}
    for change, param in (({"end": op["start"], "start": op["end"]}, "end"), ({"target": {}}, "target"),
                          ({"target": {"ward": "S13000001"}}, "target.ward"), ({"target": {"hotspot_id": "H-nope"}}, "target.hotspot_id"),
                          ({"categories": ["unicorns"]}, "category"), ({"start": "soon"}, "start"),
                          ({"target": {"geometry": {"type": "Point", "coordinates": [-3.6, 55.9]}}}, "target.geometry")):
        r = client.post("/api/v1/evaluations", json=base | change)
        assert r.status_code == 422, (change, r.text)
        assert r.headers["content-type"] == "application/problem+json" and r.json()["param"] == param
    assert client.get("/api/v1/evaluations/nope").status_code == 404


def test_geojson_polygon_target(client, demo, boundaries) -> None:
    op = demo.operation
    area = boundaries.datazones[boundaries.datazones.code.isin(op["datazones"])].to_crs(4326).union_all()
    from shapely.geometry import mapping

    body = {"target": {"geometry": mapping(area)}, "start": op["start"], "end": op["end"], "categories": ["vandalism"]}
    r = client.post("/api/v1/evaluations", json=body)
    assert r.status_code == 201, r.text
    by_dz = client.post("/api/v1/evaluations", json=body | {"target": {"datazones": op["datazones"]}}).json()
    assert r.json()["all_selected"]["counts"]["target"] == by_dz["all_selected"]["counts"]["target"]


def test_partner_evaluates_own_agency_only_and_is_audited(client, service, demo) -> None:
    from app.security import create_key

    op = demo.operation
    key = create_key(service.engine, role="partner", name="fire officer", agency="fire")
    body = {"target": {"datazones": op["datazones"]}, "start": op["start"], "end": op["end"], "categories": ["vandalism", "deliberate_fire"]}
    r = client.post("/api/v1/evaluations", json=body | {"agency": "police"}, headers={"X-API-Key": key})
    assert r.status_code == 403 and r.json()["param"] == "agency"
    doc = client.post("/api/v1/evaluations", json=body, headers={"X-API-Key": key}).json()
    assert doc["agency"] == "fire"
    assert doc["results"][0]["counts"]["target"]["before"] == 0  # vandalism is police-only
    audit = client.get("/api/v1/audit", params={"action": "evaluations.create"}).json()["rows"]
    assert any(a["actor"] == "fire officer" and a["target"] == doc["id"] for a in audit)
