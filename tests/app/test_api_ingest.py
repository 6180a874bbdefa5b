"""Ingest and listing over HTTP, on SQLite and PostgreSQL/PostGIS."""

import io

import geopandas as gpd
import numpy as np
import pandas as pd
import sqlalchemy as sa

from geo.ingest import to_wgs84
from tests.conftest import SHARED

PROBLEM = "application/problem+json"
POINTS = [(299300, 668300), (306500, 668800), (293200, 666000)]
GOOD = [
    {"source_id": f"S-{i}", "agency": a, "category": c, "occurred_at": f"2020-03-1{i}T14:30:00", "easting": x, "northing": y}
    for i, ((x, y), (a, c)) in enumerate(zip(POINTS, [("police", "vandalism"), ("fire", "deliberate_secondary_fire"), ("police", "antisocial_behaviour")], strict=True), start=1)
]
BAD = [
    {k: v for k, v in GOOD[0].items() if k != "agency"} | {"source_id": "BAD-1"},
    GOOD[0] | {"source_id": "BAD-2", "occurred_at": "2099-06-15T12:00:00"},
    GOOD[0] | {"source_id": "BAD-3", "easting": 530000, "northing": 180000},
]
BATCH = [GOOD[0], BAD[0], GOOD[1], BAD[1], GOOD[2], BAD[2]]


def test_health(client) -> None:
    r = client.get("/api/v1/health", headers={"X-API-Key": ""})
    assert r.status_code == 200
    assert r.json()["datazones"] == 239 and r.json()["wards"] == 9 and r.json()["incidents"] == 0


def test_ingest_reports_rows_and_resend_is_duplicates(client) -> None:
    r = client.post("/api/v1/incidents", json={"incidents": BATCH})
    assert r.status_code == 200
    doc = r.json()
    assert (doc["received"], doc["accepted"], doc["duplicates"], doc["rejected"]) == (6, 3, 0, 3)
    assert [(e["row"], e["field"]) for e in doc["errors"]] == [(2, "agency"), (4, "occurred_at"), (6, "easting")]
    again = client.post("/api/v1/incidents", json={"incidents": BATCH}).json()
    assert (again["accepted"], again["duplicates"], again["rejected"]) == (0, 3, 3)
    assert client.get("/api/v1/health").json()["incidents"] == 3


def test_duplicates_inside_one_batch_counted_once(client) -> None:
    doc = client.post("/api/v1/incidents", json={"incidents": [GOOD[0], GOOD[0], GOOD[1]]}).json()
    assert (doc["accepted"], doc["duplicates"]) == (2, 1)
    # same source_id for another agency is a different incident
    doc = client.post("/api/v1/incidents", json={"incidents": [GOOD[0] | {"agency": "fire"}]}).json()
    assert doc["accepted"] == 1


def test_batch_is_atomic(client, service, monkeypatch) -> None:
    import app.service as svc_mod

    calls = {"n": 0}
    real = svc_mod.Service._insert

    def failing(self, conn, df, batch_id):
        real(self, conn, df.iloc[:1], batch_id)
        calls["n"] += 1
        raise RuntimeError("disk full")

    monkeypatch.setattr(svc_mod.Service, "_insert", failing)
    r = client.post("/api/v1/incidents", json={"incidents": GOOD})
    assert r.status_code == 500 and r.headers["content-type"] == PROBLEM
    assert calls["n"] == 1
    monkeypatch.setattr(svc_mod.Service, "_insert", real)
    assert client.get("/api/v1/health").json()["incidents"] == 0  # the partial insert was rolled back
    # /health counts from the daily aggregates: check the incidents table itself too
    from app.db import batches, incidents

    with service.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(incidents)).scalar_one() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(batches)).scalar_one() == 0


def test_bad_bodies_are_problem_json(client) -> None:
    r = client.post("/api/v1/incidents", json={"nope": []})
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    assert r.json()["errors"][0]["param"] == "incidents"
    r = client.post("/api/v1/incidents", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    r = client.get("/api/v1/incidents", params={"from": "yesterday"})
    assert r.status_code == 422 and r.json()["param"] == "from"
    r = client.get("/api/v1/incidents", params={"limit": 0})
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    r = client.get("/api/v1/nowhere")
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM


def test_upload_native_csv_counts_match_independent_join(client, boundaries) -> None:
    rng = np.random.default_rng(3)
    dz = boundaries.datazones
    pts = dz.sample_points(4, rng=rng).explode(index_parts=False)
    x, y = pts.x.to_numpy(), pts.y.to_numpy()
    n = len(x)
    df = pd.DataFrame({
        "source_id": [f"N{i}" for i in range(n)], "agency": np.where(np.arange(n) % 3 == 0, "fire", "police"),
        "category": "vandalism", "occurred_at": "2021-05-05T10:00:00", "easting": np.round(x, 1), "northing": np.round(y, 1),
    })
    r = client.post("/api/v1/incidents/upload", params={"format": "native"},
                    files={"file": ("x.csv", df.to_csv(index=False).encode(), "text/csv")})
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == n
    got = pd.DataFrame(client.get("/api/v1/incidents", params={"limit": 10_000}).json()["rows"])
    gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.easting, df.northing), crs=27700)
    wd = gpd.sjoin(gdf, boundaries.wards[["code", "geometry"]], predicate="within")
    dzj = gpd.sjoin(gdf, boundaries.datazones[["code", "geometry"]], predicate="within")
    assert got.groupby("ward").size().sort_index().to_dict() == wd.groupby("code").size().sort_index().to_dict()
    assert got.groupby("datazone").size().sort_index().to_dict() == dzj.groupby("code").size().sort_index().to_dict()


def test_upload_police_uk_real_file_all_rejected_outside(client) -> None:
    data = (SHARED / "data" / "incidents" / "lincolnshire" / "2024-03-lincolnshire-street.csv").read_bytes()
    r = client.post("/api/v1/incidents/upload", params={"format": "police-uk"}, files={"file": ("lincs.csv", data, "text/csv")})
    assert r.status_code == 200
    doc = r.json()
    assert doc["received"] == 5671 and doc["rejected"] == 5671 and doc["accepted"] == 0
    assert {e["message"] for e in doc["errors"]} == {"coordinates outside the West Lothian council area"}


def test_upload_police_uk_west_lothian_and_reload_adds_nothing(client) -> None:
    lon, lat = to_wgs84(np.array([299300.0]), np.array([668300.0]))
    head = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context\n"
    body = "".join(f",2024-0{m},Police Scotland,Police Scotland,{lon[0]:.6f},{lat[0]:.6f},On or near Z,,,Anti-social behaviour,,\n" for m in (1, 2, 2))
    files = {"file": ("wl.csv", (head + body).encode(), "text/csv")}
    first = client.post("/api/v1/incidents/upload", params={"format": "police-uk"}, files=files).json()
    assert first["accepted"] == 3
    second = client.post("/api/v1/incidents/upload", params={"format": "police-uk"}, files=files).json()
    assert (second["accepted"], second["duplicates"]) == (0, 3)
    rows = client.get("/api/v1/incidents").json()["rows"]
    assert {r["location_precision"] for r in rows} == {"street"}


def test_upload_limits_and_bad_format(client, service, tmp_path, boundaries) -> None:

    r = client.post("/api/v1/incidents/upload", params={"format": "xml"}, files={"file": ("a", b"x", "text/plain")})
    assert r.status_code == 422 and r.json()["param"] == "format"
    r = client.post("/api/v1/incidents/upload", params={"format": "police-uk"}, files={"file": ("a.csv", b"a,b\n1,2\n", "text/csv")})
    assert r.status_code == 422 and "police.uk" in r.json()["detail"]
    object.__setattr__(service.settings, "max_upload_bytes", 100)
    r = client.post("/api/v1/incidents/upload", files={"file": ("big.csv", b"x" * 500, "text/csv")})
    assert r.status_code == 413 and r.headers["content-type"] == PROBLEM


def test_listing_filters_and_cursor_pages(client) -> None:
    recs = [GOOD[0] | {"source_id": f"P{i}", "occurred_at": f"2021-01-{1 + i % 28:02d}T12:00:00",
                       "agency": "police" if i % 2 else "fire"} for i in range(25)]
    assert client.post("/api/v1/incidents", json={"incidents": recs}).json()["accepted"] == 25
    seen, cursor = [], None
    while True:
        params = {"limit": 10} | ({"cursor": cursor} if cursor else {})
        doc = client.get("/api/v1/incidents", params=params).json()
        seen += [r["source_id"] for r in doc["rows"]]
        cursor = doc["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(r["source_id"] for r in recs) and len(seen) == 25
    fire = client.get("/api/v1/incidents", params={"agency": "fire", "limit": 100}).json()["rows"]
    assert len(fire) == 13 and {r["agency"] for r in fire} == {"fire"}
    win = client.get("/api/v1/incidents", params={"from": "2021-01-05", "to": "2021-01-10"}).json()["rows"]
    assert sorted(r["occurred_at"][:10] for r in win) == sorted(r["occurred_at"][:10] for r in recs if "2021-01-05" <= r["occurred_at"][:10] < "2021-01-10")
    r = client.get("/api/v1/incidents", params={"cursor": "garbage!"})
    assert r.status_code == 422 and r.json()["param"] == "cursor"
    r = client.get("/api/v1/incidents", params={"ward": "S13999999"})
    assert r.status_code == 422 and r.json()["param"] == "ward"


def test_postgis_geometry_column(service, backend) -> None:
    if backend != "postgres":
        return
    with service.engine.connect() as conn:
        idx = conn.execute(sa.text("select indexdef from pg_indexes where indexname='ix_incidents_geom'")).scalar()
    assert idx is not None and "gist" in idx.lower()
    from app.service import Filters
    from geo.ingest import parse_native_records

    service.store(service.validate(parse_native_records(GOOD)), fmt="native", filename=None, key_name="t")
    with service.engine.connect() as conn:
        rows = conn.execute(sa.text("select source_id, ST_X(geom), ST_Y(geom), ST_SRID(geom) from incidents order by source_id")).all()
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [(g["source_id"], g["easting"], g["northing"], 27700) for g in GOOD]
    assert len(service.frame(Filters())) == 3


def test_io_roundtrip_of_record_fields(client) -> None:
    client.post("/api/v1/incidents", json={"incidents": [GOOD[0] | {"category": "Vandalism & Graffiti"}]})
    row = client.get("/api/v1/incidents").json()["rows"][0]
    assert row["category"] == "vandalism_graffiti" and row["raw_category"] == "Vandalism & Graffiti"
    assert row["occurred_at"] == "2020-03-11T14:30:00+00:00"
    assert row["ward"].startswith("S13") and row["datazone"].startswith("S01")
    assert abs(row["lon"] - (-3.63)) < 0.1 and abs(row["lat"] - 55.9) < 0.1
    _ = io


def test_unreadable_uploads_are_422_not_500(client) -> None:
    for fmt in ("native", "police-uk", "sfrs"):
        for data in (b"", b"\xff\xfe\x00\x01", b'a,b\n1,2,3,4\n"x'):
            r = client.post("/api/v1/incidents/upload", params={"format": fmt}, files={"file": ("f.csv", data, "text/csv")})
            assert r.status_code == 422, (fmt, data, r.text)
            assert r.headers["content-type"] == PROBLEM and r.json()["param"] == "file"


def test_health_count_equals_table_count(client, service) -> None:
    client.post("/api/v1/incidents", json={"incidents": BATCH})
    with service.engine.connect() as conn:
        n = conn.execute(sa.text("select count(*) from incidents")).scalar()
    assert client.get("/api/v1/health").json()["incidents"] == n == 3


def test_wards_endpoint_matches_boundaries(client, boundaries) -> None:
    rows = client.get("/api/v1/wards").json()["rows"]
    assert len(rows) == 9 and sum(r["population"] for r in rows) == 181_310
    # PROVENANCE.md: the ward polygons cover 431.577 km² (OS hectares 43,159)
    assert abs(sum(r["area_km2"] for r in rows) - 431.577) < 0.05
