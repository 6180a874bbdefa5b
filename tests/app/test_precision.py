"""Location precision: records placed only on a data zone are counted by area methods
and left out of point methods (issue 12, item 5)."""

from __future__ import annotations

import pytest

from geo.ingest import parse_native_records

WINDOW = {"from": "2024-03-01", "to": "2024-04-01"}


def _store(service, boundaries, precision: str) -> str:
    dz = boundaries.datazones.iloc[40]
    p = dz.geometry.representative_point()
    rows = [{"source_id": f"P{i}", "agency": "fire", "category": "deliberate_secondary_fire", "easting": p.x, "northing": p.y,
             "occurred_at": f"2024-03-{1 + i % 28:02d}T12:00:00", "location_precision": precision} for i in range(30)]
    rep = service.store(service.validate(parse_native_records(rows)), fmt="native", filename=None, key_name="t")
    assert rep["accepted"] == 30
    return str(dz["code"])


@pytest.mark.parametrize("precision", ["datazone", "exact"])
def test_datazone_points_make_no_hotspot_but_count_in_stats(client, service, boundaries, precision) -> None:
    code = _store(service, boundaries, precision)
    doc = client.get("/api/v1/hotspots", params=WINDOW | {"eps_m": 100, "min_samples": 5}).json()
    kde = client.get("/api/v1/hotspots/kde", params=WINDOW)
    stats = client.get("/api/v1/stats/datazones", params=WINDOW).json()
    row = next(r for r in stats["rows"] if r["datazone_code"] == code)
    assert row["count"] == 30  # area methods count every record
    if precision == "datazone":
        assert doc["features"] == [] and doc["excluded"]["location_precision_datazone"] == 30
        assert kde.status_code == 422  # nothing left to smooth
    else:
        assert len(doc["features"]) == 1 and doc["features"][0]["properties"]["n"] == 30
        assert doc["excluded"]["location_precision_datazone"] == 0
        assert kde.status_code == 200 and kde.json()["n_points"] == 30
