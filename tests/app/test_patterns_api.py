"""Patterns and backtest endpoints on SQLite and PostgreSQL, against oracles in the test."""

import numpy as np
import pandas as pd
import pytest

from app.routes import backtest as backtest_routes
from app.routes import patterns as pattern_routes
from app.security import create_key

API = "/api/v1"
WINDOW = {"from": "2024-01-01", "to": "2025-01-01"}


@pytest.fixture
def api(client):
    """The client with the pattern routers (registered here until app/main.py has them)."""
    paths = {getattr(r, "path", "") for r in client.app.routes}
    if f"{API}/patterns/near-repeat" not in paths:
        client.app.include_router(pattern_routes.router, prefix=API)
    if f"{API}/hotspots/backtest" not in paths:
        n = len(client.app.router.routes)
        client.app.include_router(backtest_routes.router, prefix=API)
        added = client.app.router.routes[n:]
        del client.app.router.routes[n:]
        client.app.router.routes[0:0] = added  # before /hotspots/{…} routes, as main.py must do
    return client


@pytest.fixture
def loaded(api, boundaries):
    rng = np.random.default_rng(11)
    pts = boundaries.datazones.geometry.representative_point()
    recs = []

    def add(x, y, when, agency="police", cat="vandalism", prec="datetime"):
        recs.append({"source_id": f"P{len(recs)}", "agency": agency, "category": cat, "occurred_at": when,
                     "easting": round(float(x), 1), "northing": round(float(y), 1), "date_precision": prec})

    base = pd.Timestamp("2024-01-01")
    for k in range(160):  # background
        p = pts.iloc[int(rng.integers(0, len(pts)))]
        add(p.x + rng.normal(0, 20), p.y + rng.normal(0, 20), (base + pd.Timedelta(minutes=int(rng.integers(0, 525_000)))).isoformat(),
            agency="fire" if k % 4 == 0 else "police")
    for s in range(25):  # near-repeat series: seed plus two within 30 m and 1-4 days
        p = pts.iloc[s * 9]
        t = base + pd.Timedelta(days=int(rng.integers(0, 330)), hours=int(rng.integers(0, 24)))
        for r in range(3):
            add(p.x + 300 + rng.uniform(-15, 15), p.y + rng.uniform(-15, 15), (t + pd.Timedelta(days=r * 2)).isoformat(),
                cat="theft")
    hot = pts.iloc[40]
    for k in range(8):  # a repeat location
        add(hot.x + k, hot.y, f"2024-0{3 + k % 3}-1{k}T2{k % 4}:15:00", agency="fire" if k < 2 else "police")
    small = pts.iloc[120]
    for k in range(4):  # a place of four: never shown to a viewer
        add(small.x, small.y + k, f"2024-06-0{k + 1}T12:00:00")
    for _ in range(40):  # bonfire spike
        add(pts.iloc[60].x + rng.normal(0, 200), pts.iloc[60].y + rng.normal(0, 200),
            (pd.Timestamp("2024-10-16") + pd.Timedelta(hours=int(rng.integers(0, 24 * 25)))).isoformat(),
            agency="fire", cat="deliberate_secondary_fire")
    for k in range(10):
        add(pts.iloc[70].x, pts.iloc[70].y + 10 * k, f"2024-0{1 + k % 9}-01T00:00:00", prec="month")
    r = api.post(f"{API}/incidents", json={"incidents": recs})
    assert r.status_code == 200 and r.json()["rejected"] == 0, r.text
    rows = api.get(f"{API}/incidents", params={"limit": 10000}).json()["rows"]
    df = pd.DataFrame(rows)
    df["local"] = pd.to_datetime(df["occurred_at"].str[:19])
    return df, (hot.x, hot.y)


def viewer(service):
    return {"X-API-Key": create_key(service.engine, role="viewer", name="v")}


def no_small(values) -> bool:
    return not any(isinstance(v, int) and 1 <= v <= 4 for v in values)


def test_near_repeat_matches_brute_force_and_finds_the_series(api, loaded, service) -> None:
    df, _ = loaded
    doc = api.get(f"{API}/patterns/near-repeat", params={**WINDOW, "distance_bands_m": "0,100,400",
                                                        "time_bands_days": "0,7,28", "permutations": 199}).json()
    assert len(doc["rows"]) == 4 and doc["excluded_month_precision"] == 10
    timed = df[df["date_precision"] != "month"]
    x, y = timed["easting"].to_numpy(float), timed["northing"].to_numpy(float)
    day = timed["local"].dt.normalize().to_numpy().astype("datetime64[D]").astype(int)
    iu = np.triu_indices(len(x), 1)
    d = np.hypot(x[:, None] - x, y[:, None] - y)[iu]
    g = np.abs(day[:, None] - day)[iu]
    for r in doc["rows"]:
        want = ((d >= r["distance_from_m"]) & (d < r["distance_to_m"]) & (g >= r["days_from"]) & (g < r["days_to"])).sum()
        assert r["observed"] == want
    first = doc["rows"][0]
    assert first["ratio"] > 3 and first["p_value"] <= 0.01
    v = api.get(f"{API}/patterns/near-repeat", params={**WINDOW, "permutations": 19}, headers=viewer(service)).json()
    assert no_small(r["observed"] for r in v["rows"])
    assert all(r["ratio"] is None for r in v["rows"] if r["observed"] == "<5")
    bad = api.get(f"{API}/patterns/near-repeat", params={**WINDOW, "distance_bands_m": "100,50"})
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"


def test_temporal_profile_matches_pandas(api, loaded, service) -> None:
    df, _ = loaded
    doc = api.get(f"{API}/patterns/temporal", params=WINDOW).json()
    timed = df[df["date_precision"] != "month"]
    ref = timed.groupby([timed["local"].dt.weekday, timed["local"].dt.hour]).size().unstack(fill_value=0)
    ref = ref.reindex(index=range(7), columns=range(24), fill_value=0)
    assert doc["by_hour_weekday"] == ref.to_numpy().tolist()
    assert doc["excluded_month_precision"] == 10
    months = df["local"].dt.strftime("%Y-%m").value_counts()
    assert {r["month"]: r["count"] for r in doc["by_month"]} == {f"2024-{m:02d}": int(months.get(f"2024-{m:02d}", 0)) for m in range(1, 13)}
    b = doc["bonfire"]["vs_rest_of_year"]
    in_b = ((timed["local"] >= "2024-10-15") & (timed["local"] < "2024-11-11")).sum()
    assert b["bonfire_count"] == in_b and b["rate_ratio"] > 2
    csv = api.get(f"{API}/patterns/temporal", params={**WINDOW, "format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv") and "hour_weekday,Monday,0" in csv.text
    png = api.get(f"{API}/patterns/temporal", params={**WINDOW, "format": "png"})
    assert png.headers["content-type"] == "image/png" and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    v = api.get(f"{API}/patterns/temporal", params=WINDOW, headers=viewer(service)).json()
    cells = [c for row in v["by_hour_weekday"] for c in row]
    assert no_small(cells) and sum(c in ("<5", "c") for c in cells) != 1
    assert no_small(r["count"] for r in v["by_month"])
    assert api.get(f"{API}/patterns/temporal", params={**WINDOW, "agency": "fire"}).status_code == 200


def test_repeat_locations_exact_and_viewer(api, loaded, service) -> None:
    _df, (hx, hy) = loaded
    doc = api.get(f"{API}/patterns/repeat-locations", params=WINDOW).json()
    assert doc["rows"][0]["n"] == 10  # the ten month-only records 10 m apart: one chained place
    (top,) = [r for r in doc["rows"] if abs(r["easting"] - (hx + 3.5)) < 30 and abs(r["northing"] - hy) < 30]
    assert top["n"] == 8 and top["by_agency"] == {"police": 6, "fire": 2}
    assert any(r["n"] < 5 for r in doc["rows"])  # partners and analysts see small places
    v = api.get(f"{API}/patterns/repeat-locations", params=WINDOW, headers=viewer(service)).json()
    assert v["rows"] and all(r["n"] >= 5 for r in v["rows"])
    for r in v["rows"]:
        assert (r["easting"] / 250 - 0.5) % 1 == 0 and (r["northing"] / 250 - 0.5) % 1 == 0
        assert no_small(r["by_agency"].values()) and no_small(r["by_category"].values())
        assert "first_at" not in r and (r["first_month"] is None or len(r["first_month"]) == 7)
    exact = {(round(r["easting"]), round(r["northing"])) for r in doc["rows"]}
    assert not exact & {(round(r["easting"]), round(r["northing"])) for r in v["rows"]}


def test_backtest_endpoint(api, loaded, service) -> None:
    params = {"to": "2025-01-01", "months": 2, "method": ["kde", "last_month"], "train_months": 2}
    doc = api.get(f"{API}/hotspots/backtest", params=params).json()
    assert [(r["method"], r["month"]) for r in doc["rows"]] == [
        ("kde", "2024-11"), ("kde", "2024-12"), ("last_month", "2024-11"), ("last_month", "2024-12")]
    for r in doc["rows"]:
        assert 0 <= r["area_share"] <= 0.05 + 1e-9
        if r["pai"] is not None:
            assert r["pai"] == pytest.approx((r["n"] / r["N"]) / r["area_share"])
    assert doc["summary"] and doc["test_months"] == ["2024-11", "2024-12"]
    v = api.get(f"{API}/hotspots/backtest", params=params, headers=viewer(service)).json()
    assert no_small(r[k] for r in v["rows"] for k in ("n", "N", "n_train", "N_train"))
    assert api.get(f"{API}/hotspots/backtest", params={"method": "tea-leaves"}).status_code == 422
    assert api.get(f"{API}/hotspots/backtest", params={"group": "east"}).status_code == 422
