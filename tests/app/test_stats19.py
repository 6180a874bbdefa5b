"""Road safety: STATS19 collisions (agency ``road``, KSI) from file to ward statistics."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd

from app.security import create_key
from geo.ingest import parse
from geo.ingest.stats19 import KSI_CATEGORIES
from tests.conftest import shared_data

STATS19 = "incidents/stats19/edinburgh_stats19_collisions_2013_2018.csv"


def test_real_edinburgh_file_parses_and_is_rejected_only_as_outside_the_area(service) -> None:
    data = shared_data(STATS19).read_bytes()
    raw = parse(data, "stats19")
    table = pd.read_csv(io.BytesIO(data), dtype=str)
    assert len(raw) == len(table) == 6830
    assert (raw["agency"] == "road").all()
    expected = table["accident_severity"].map({"1": "collision_fatal", "2": "collision_serious", "3": "collision_slight"})
    assert raw["category"].value_counts().to_dict() == expected.value_counts().to_dict() == {
        "collision_slight": 5942, "collision_serious": 851, "collision_fatal": 37}
    first = table.iloc[0]
    d, m, y = first["date"].split("/")
    assert raw["occurred_at"].iloc[0] == f"{y}-{m}-{d}T{first['time']}:00"
    result = service.validate(raw)
    assert result.accepted.empty and len(result.errors) == 6830
    assert {e["message"] for e in result.errors} == {"coordinates outside the West Lothian council area"}


def _collisions(boundaries, n: int, seed: int = 4) -> bytes:
    rng = np.random.default_rng(seed)
    pts = boundaries.datazones.geometry.representative_point()
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["accident_index", "accident_year", "location_easting_osgr", "location_northing_osgr", "longitude",
                "latitude", "accident_severity", "date", "time"])
    for i in range(n):
        p = pts.iloc[int(rng.integers(len(pts)))]
        sev = rng.choice(["1", "2", "3"], p=[0.05, 0.25, 0.7])
        w.writerow([f"2024WL{i:05d}", 2024, round(p.x, 0), round(p.y, 0), "", "", sev, f"{1 + i % 28:02d}/03/2024",
                    f"{i % 24:02d}:{i % 60:02d}"])
    return buf.getvalue().encode()


def test_ksi_counts_in_ward_statistics_match_an_independent_count(client, service, boundaries) -> None:
    data = _collisions(boundaries, 400)
    r = client.post("/api/v1/incidents/upload", params={"format": "stats19"}, files={"file": ("rtc.csv", data, "text/csv")})
    assert r.status_code == 200 and r.json()["accepted"] == 400, r.text
    doc = client.get("/api/v1/stats/wards", params={"from": "2024-03-01", "to": "2024-04-01"}).json()
    truth = pd.DataFrame(client.get("/api/v1/incidents", params={"agency": "road", "limit": 1000}).json()["rows"])
    ksi = truth[truth["category"].isin(KSI_CATEGORIES)].groupby("ward").size()
    road = truth.groupby("ward").size()
    for row in doc["rows"]:
        assert row["ksi_count"] == int(ksi.get(row["ward_code"], 0))
        assert row["by_agency"]["road"] == int(road.get(row["ward_code"], 0))
    assert sum(r["ksi_count"] for r in doc["rows"]) == int(truth["category"].isin(KSI_CATEGORIES).sum())
    csv_text = client.get("/api/v1/stats/wards", params={"from": "2024-03-01", "to": "2024-04-01", "format": "csv"}).content
    rows = list(csv.DictReader(io.StringIO(csv_text.decode("utf-8-sig"))))
    assert {"road_count", "ksi_count"} <= set(rows[0])
    # a viewer never sees KSI that would give back a hidden fatal/serious count
    key = create_key(service.engine, role="viewer", name="v")
    vdoc = client.get("/api/v1/stats/wards", params={"from": "2024-03-01", "to": "2024-04-01"}, headers={"X-API-Key": key}).json()
    hidden = ("<5", "c")
    for row in vdoc["rows"]:
        cat = row["by_category"]
        parts = [cat.get("collision_fatal", 0), cat.get("collision_serious", 0)]
        if row["ksi_count"] not in hidden:
            assert sum(p in hidden for p in parts) != 1
        else:
            assert any(p in hidden for p in parts) or all(p == 0 for p in parts)
