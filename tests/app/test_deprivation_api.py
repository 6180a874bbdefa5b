"""Deprivation concentration over HTTP against a pandas oracle on the real SIMD ranks."""

import csv
import io

import numpy as np
import pandas as pd
import pytest

from app.security import create_key
from geo.ingest import parse_native_records


@pytest.fixture
def loaded(service, boundaries):
    rng = np.random.default_rng(11)
    dz = boundaries.datazones
    weights = np.where(dz["simd_rank"] <= 1046, 4.0, 1.0)
    n = rng.poisson(weights * 3)
    pts = dz.sample_points(size=np.maximum(n, 1), rng=rng).explode(index_parts=False)
    recs = [{"source_id": f"D{i}", "agency": "police" if i % 3 else "fire", "category": "vandalism",
             "occurred_at": f"2024-0{1 + i % 9}-10T12:00:00", "easting": float(p.x), "northing": float(p.y)} for i, p in enumerate(pts)]
    rep = service.store(service.validate(parse_native_records(recs)), fmt="native", filename=None, key_name="t")
    assert rep["rejected"] == 0
    return len(recs)


def _oracle(client, boundaries, pct):
    rows = pd.DataFrame(client.get("/api/v1/incidents", params={"limit": 10000}).json()["rows"])
    dz = boundaries.datazones.set_index("code")
    thr = int(np.floor(pct / 100 * 6976))
    deprived = dz.index[dz["simd_rank"] <= thr]
    n_in = int(rows["datazone"].isin(deprived).sum())
    share_inc = n_in / len(rows)
    share_pop = dz.loc[deprived, "population"].sum() / dz["population"].sum()
    return rows, n_in, share_inc, share_pop


@pytest.mark.parametrize("pct", [5, 10, 15, 20])
def test_concentration_equals_pandas_oracle(client, loaded, boundaries, pct) -> None:
    doc = client.get("/api/v1/deprivation/concentration", params={"most_deprived_pct": pct, "from": "2024-01-01", "to": "2025-01-01"}).json()
    rows, n_in, share_inc, share_pop = _oracle(client, boundaries, pct)
    assert doc["incidents_total"] == len(rows) == loaded and doc["incidents_in_most_deprived"] == n_in
    assert doc["share_incidents"] == pytest.approx(share_inc) and doc["share_population"] == pytest.approx(share_pop)
    assert doc["concentration_ratio"] == pytest.approx(share_inc / share_pop)
    lo, hi = doc["share_ci"]
    assert lo <= doc["share_incidents"] <= hi
    dec = rows["datazone"].map(boundaries.datazones.set_index("code")["simd_decile"]).value_counts()
    pops = boundaries.datazones.groupby("simd_decile")["population"].sum()
    for g in doc["by_decile"]:
        assert g["incidents"] == int(dec.get(g["decile"], 0))
        if g["decile"] in pops.index:
            assert g["rate_per_1000"] == pytest.approx(1000 * dec.get(g["decile"], 0) / pops[g["decile"]])
    assert len(doc["by_decile"]) == 10


def test_trend_csv_png_and_viewer(client, service, loaded) -> None:
    params = {"from": "2024-01-01", "to": "2025-01-01"}
    doc = client.get("/api/v1/deprivation/concentration", params=params | {"by": "quarter"}).json()
    assert [p["period"] for p in doc["trend"]] == ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"]
    assert sum(p["incidents_total"] for p in doc["trend"]) == doc["incidents_total"]
    r = client.get("/api/v1/deprivation/concentration", params=params | {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert r.headers["content-type"].startswith("text/csv") and len(rows) == 10
    assert sum(int(x["incidents"]) for x in rows) == doc["incidents_total"]
    r = client.get("/api/v1/deprivation/concentration", params=params | {"format": "png"})
    assert r.status_code == 200 and r.content[:8] == b"\x89PNG\r\n\x1a\n"
    r = client.get("/api/v1/deprivation/concentration", params={"most_deprived_pct": 0})
    assert r.status_code == 422 and r.json()["param"] == "most_deprived_pct"
    key = create_key(service.engine, role="viewer", name="v")
    v = client.get("/api/v1/deprivation/concentration", params={"from": "2024-01-01", "to": "2024-01-20"}, headers={"X-API-Key": key}).json()
    assert v["suppressed"] is True
    assert not any(isinstance(g["incidents"], int) and 1 <= g["incidents"] <= 4 for g in v["by_decile"])
    assert sum(1 for g in v["by_decile"] if g["incidents"] in ("<5", "c")) != 1


def test_group_uses_its_own_datazones_as_base(client, loaded, boundaries) -> None:
    doc = client.get("/api/v1/deprivation/concentration", params={"group": "west", "from": "2024-01-01", "to": "2025-01-01"}).json()
    shares = boundaries.dz_ward_share.sort_values("share", ascending=False).drop_duplicates("datazone")
    groups = boundaries.wards.set_index("code")["tasking_group"]
    west = set(shares.loc[shares["ward"].map(groups) == "WEST", "datazone"])
    dz = boundaries.datazones[boundaries.datazones["code"].isin(west)]
    rows = pd.DataFrame(client.get("/api/v1/incidents", params={"limit": 10000}).json()["rows"])
    rows = rows[rows["datazone"].isin(west)]
    deprived = set(dz.loc[dz["simd_rank"] <= 1046, "code"])
    assert doc["incidents_total"] == len(rows)
    assert doc["incidents_in_most_deprived"] == int(rows["datazone"].isin(deprived).sum())
    assert doc["share_population"] == pytest.approx(dz.loc[dz["code"].isin(deprived), "population"].sum() / dz["population"].sum())
