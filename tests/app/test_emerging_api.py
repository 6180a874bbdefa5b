"""GET /hotspots/emerging on SQLite and PostgreSQL: planted truth and disclosure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from shapely.geometry import shape

from app.main import API, create_app
from app.security import create_key
from geo.emerging import PATTERNS
from geo.ingest import parse_native_records

FROM, TO = "2023-01-01", "2025-01-01"


@pytest.fixture
def api(service):
    """A client whose app serves the emerging router (ahead of /hotspots/{...})."""
    app = create_app(service=service)
    if not any(getattr(r, "path", "") == f"{API}/hotspots/emerging" for r in app.routes):
        from app.routes import emerging

        n = len(app.router.routes)
        app.include_router(emerging.router, prefix=API)
        added = app.router.routes[n:]
        del app.router.routes[n:]
        app.router.routes[:0] = added
    with TestClient(app, raise_server_exceptions=False) as c:
        c.headers["X-API-Key"] = "test-admin-key-123"
        yield c


@pytest.fixture
def planted(service, boundaries):
    """A background over 24 months and one data zone that turns hot in the last month."""
    rng = np.random.default_rng(11)
    dz = boundaries.datazones
    months = pd.date_range(FROM, periods=24, freq="MS")
    pts = dz.geometry.representative_point()
    recs, per_zone = [], np.zeros(len(dz), dtype=int)
    for mi, m in enumerate(months):
        zones = rng.integers(0, len(dz), 120)
        if mi == 23:
            zones = np.r_[zones, np.full(50, 60)]
        for j, z in enumerate(zones):
            p = pts.iloc[z]
            recs.append({"source_id": f"E{mi}-{j}", "agency": "police", "category": "vandalism",
                         "occurred_at": (m + pd.Timedelta(days=2, hours=12)).isoformat(),
                         "easting": float(p.x), "northing": float(p.y)})
            per_zone[z] += 1
    rep = service.store(service.validate(parse_native_records(recs)), fmt="native", filename=None, key_name="t")
    assert rep["rejected"] == 0
    return dz["code"].to_numpy(), per_zone


def test_datazone_months_find_the_planted_zone(api, planted) -> None:
    codes, per_zone = planted
    r = api.get("/api/v1/hotspots/emerging", params={"unit": "datazone", "interval": "month", "from": FROM, "to": TO})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == 239
    assert len(doc["steps"]) == 24 and doc["steps"][0] == "2023-01"
    props = pd.DataFrame([f["properties"] for f in doc["features"]]).set_index("code")
    assert set(props["pattern"]) <= set(PATTERNS)
    assert props.loc[codes[60], "pattern"] == "new_hot"
    np.testing.assert_array_equal(props.loc[codes, "count"].to_numpy(), per_zone)  # counted independently
    assert {"trend_z", "trend_p", "z_series"} <= set(props.columns)
    assert all(len(s) == 24 for s in props["z_series"])
    minx, miny, maxx, maxy = shape(doc["features"][0]["geometry"]).bounds
    assert -4.5 < minx < maxx < -3.0 and 55.7 < miny < maxy < 56.1  # WGS84
    only = api.get("/api/v1/hotspots/emerging", params={"from": FROM, "to": TO, "pattern": "new_hot"}).json()
    assert {f["properties"]["pattern"] for f in only["features"]} == {"new_hot"}


def test_viewer_sees_patterns_not_counts(api, service, planted) -> None:
    key = create_key(service.engine, role="viewer", name="v")
    r = api.get("/api/v1/hotspots/emerging", params={"from": FROM, "to": TO}, headers={"X-API-Key": key})
    assert r.status_code == 200, r.text
    doc = r.json()
    props = doc["features"][0]["properties"]
    assert {"pattern", "trend_z", "trend_p"} <= set(props)
    assert not {"count", "z_series", "final_z", "confidence_series"} & set(props)
    assert "n_incidents" not in doc["parameters"] and doc["disclosure"]["restricted"] is True
    small = api.get("/api/v1/hotspots/emerging", params={"unit": "grid", "cell_m": 100, "from": FROM, "to": TO},
                    headers={"X-API-Key": key})
    assert small.status_code == 422 and small.json()["param"] == "cell_m"


def test_grid_weeks_and_bad_input(api, planted) -> None:
    r = api.get("/api/v1/hotspots/emerging", params={"unit": "grid", "cell_m": 1000, "interval": "week",
                                                     "from": "2024-09-02", "to": "2025-01-01"})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["parameters"]["unit"] == "grid" and doc["parameters"]["cell_m"] == 1000
    assert doc["parameters"]["interval"] == "week" and len(doc["steps"]) == 17
    bad = api.get("/api/v1/hotspots/emerging", params={"interval": "day"})
    assert bad.status_code == 422
    short = api.get("/api/v1/hotspots/emerging", params={"from": "2024-11-10", "to": "2025-01-01"})
    assert short.status_code == 422 and short.headers["content-type"].startswith("application/problem+json")
