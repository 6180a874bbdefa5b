"""Joint attendances through the API: statistics count events once, agencies keep both
records, hotspots and co-location drop the linked fire record, and a viewer cannot
rebuild a suppressed cell from ``count`` and ``linked_events``.

Ground truth is the planted data (which fire record is whose twin) and an independent
point-in-polygon (geopandas ``sjoin``) for the ward of each record.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.security import create_key
from geo.ingest import parse_native_records
from tests.conftest import ADMIN_KEY, make_service

START, END = pd.Timestamp("2024-01-01", tz="Europe/London"), pd.Timestamp("2024-04-01", tz="Europe/London")


def plant(boundaries, seed: int = 3, n_pol: int = 400, n_twin: int = 90, n_fire: int = 60,
          first: str = "2023-09-01", days: int = 213) -> pd.DataFrame:
    """Police at data-zone points (jittered), fire twins 8 m east and 12 minutes later for
    ``n_twin`` of them (every 6th twin dated to the month only: never linked), a second,
    later twin for every 10th (one-to-one: it stays single) and independent fire."""
    rng = np.random.default_rng(seed)
    pts = boundaries.datazones.geometry.representative_point()
    start = pd.Timestamp(first)
    rows = []

    def add(agency: str, x: float, y: float, t: pd.Timestamp, twin_of: int = -1, dp: str = "datetime") -> None:
        cat = "vandalism" if agency == "police" else "deliberate_fire"
        rows.append({"source_id": f"E{len(rows)}", "agency": agency, "category": cat, "easting": round(x, 1),
                     "northing": round(y, 1), "occurred_at": t.strftime("%Y-%m-%dT%H:%M:%S"), "date_precision": dp,
                     "twin_of": twin_of})

    for _ in range(n_pol):
        p = pts.iloc[int(rng.integers(len(pts)))]
        add("police", p.x + rng.normal(0, 15), p.y + rng.normal(0, 15),
            start + pd.Timedelta(minutes=int(rng.integers(0, days * 1440))))
    police = list(rows)
    for k, i in enumerate(rng.choice(n_pol, n_twin, replace=False)):
        r = police[int(i)]
        t = pd.Timestamp(r["occurred_at"])
        month = k % 6 == 5
        when = t.normalize().replace(day=1) if month else t + pd.Timedelta(minutes=12)  # police.uk style
        add("fire", r["easting"] + 8, r["northing"], when, -1 if month else int(i), "month" if month else "datetime")
        if k % 10 == 0:
            add("fire", r["easting"] - 5, r["northing"], t + pd.Timedelta(minutes=20))
    for _ in range(n_fire):
        p = pts.iloc[int(rng.integers(len(pts)))]
        add("fire", p.x + rng.normal(0, 30), p.y + rng.normal(0, 30),
            start + pd.Timedelta(minutes=int(rng.integers(0, days * 1440))))
    df = pd.DataFrame(rows)
    g = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.easting, df.northing), crs=27700)
    df["ward"] = gpd.sjoin(g, boundaries.wards[["code", "geometry"]], predicate="within")["code"]
    df["t"] = pd.to_datetime(df["occurred_at"]).dt.tz_localize("Europe/London")
    return df


def store(svc, df: pd.DataFrame) -> None:
    recs = df[["source_id", "agency", "category", "easting", "northing", "occurred_at", "date_precision"]]
    rep = svc.store(svc.validate(parse_native_records(recs.to_dict(orient="records"))), fmt="native", filename=None,
                    key_name="t")
    assert rep["accepted"] == len(df)


def truth(df: pd.DataFrame, s: pd.Timestamp, e: pd.Timestamp) -> tuple[pd.Series, pd.Series]:
    """Records and linked twins per ward (the twin's ward) in [s, e): a pair links when
    both of its records are in the window."""
    inw = (df.t >= s) & (df.t < e)
    # a record dated only to its month counts only when the window holds the whole month
    month_end = (df.t.dt.tz_localize(None) + pd.offsets.MonthBegin(1)).dt.tz_localize("Europe/London")
    inw &= (df.date_precision != "month") | (month_end <= e)
    records = df[inw].groupby("ward").size()
    tw = df[inw & (df.twin_of >= 0)]
    tw = tw[tw.twin_of.map(inw)]
    return records, tw.groupby("ward").size()


@pytest.fixture
def planted(service, boundaries):
    df = plant(boundaries)
    store(service, df)
    return df


def test_ward_counts_are_events_and_agencies_keep_both(client, planted) -> None:
    doc = client.get("/api/v1/stats/wards", params={"from": "2024-01-01", "to": "2024-04-01"}).json()
    rec, lk = truth(planted, START, END)
    length = END - START
    prec, plk = truth(planted, START - length, START)
    assert lk.sum() > 20  # the world has joint attendances in the window
    for row in doc["rows"]:
        w = row["ward_code"]
        assert row["linked_events"] == int(lk.get(w, 0))
        assert row["count"] == int(rec.get(w, 0)) - int(lk.get(w, 0))
        assert row["count"] == sum(row["by_agency"].values()) - row["linked_events"]
        assert row["count"] == sum(row["by_category"].values()) - row["linked_events"]
        assert row["previous_count"] == int(prec.get(w, 0)) - int(plk.get(w, 0))
        inw = planted[(planted.ward == w) & (planted.t >= START) & (planted.t < END)]
        assert row["by_agency"]["fire"] == int((inw.agency == "fire").sum())  # both records kept
    total = next(s for s in doc["summary"] if s["group"] == "ALL")
    assert total["linked_events"] == int(lk.sum())
    assert total["count"] == sum(total["by_agency"].values()) - total["linked_events"]
    # one agency: nothing links, counts are that agency's records
    fire = client.get("/api/v1/stats/wards", params={"from": "2024-01-01", "to": "2024-04-01", "agency": "fire"}).json()
    for row in fire["rows"]:
        assert "linked_events" not in row and row["count"] == row["by_agency"]["fire"]
    # the CSV carries linked_events too
    csv = client.get("/api/v1/stats/wards", params={"from": "2024-01-01", "to": "2024-04-01", "format": "csv"}).text
    assert "linked_events" in csv.splitlines()[0]


def test_zero_switches_linking_off(backend, tmp_path, boundaries) -> None:
    svc = make_service(backend, tmp_path, boundaries, event_link_minutes=0)
    df = plant(boundaries, n_pol=120, n_twin=40, n_fire=10)
    store(svc, df)
    with TestClient(create_app(service=svc), raise_server_exceptions=False) as c:
        doc = c.get("/api/v1/stats/wards", params={"from": "2024-01-01", "to": "2024-04-01"},
                    headers={"X-API-Key": ADMIN_KEY}).json()
    svc.engine.dispose()
    rec, _ = truth(df, START, END)
    for row in doc["rows"]:
        assert "linked_events" not in row and row["count"] == int(rec.get(row["ward_code"], 0))


# ----------------------------------------------------------------- disclosure


def _hidden(v: object) -> bool:
    return v in ("<5", "c")


def attack(doc: dict) -> dict[tuple, int]:
    """A viewer's differencing: solve every published equation with exactly one withheld
    cell, substitute, repeat. Returns what it recovered."""
    rows = {r["ward_code"]: r for r in doc["rows"]}
    summ = {s["group"]: s for s in doc["summary"]}
    cells: dict[tuple, object] = {}
    eqs: list[list[tuple[int, tuple]]] = []  # sum(coef * cell) == 0
    for name, r in [*rows.items(), *summ.items()]:
        cells[(name, "count")] = r["count"]
        cells[(name, "linked")] = r["linked_events"]
        for part in ("by_agency", "by_category"):
            for k, v in r[part].items():
                cells[(name, part, k)] = v
            eqs.append([(1, (name, "count")), (1, (name, "linked"))] + [(-1, (name, part, k)) for k in r[part]])
    for grp in summ:
        members = [w for w, r in rows.items() if grp == "ALL" or r["tasking_group"] == grp]
        for key in ("count", "linked"):
            eqs.append([(1, (grp, key))] + [(-1, (w, key)) for w in members])
        for part in ("by_agency", "by_category"):  # a group's agency / category totals too
            for k in summ[grp][part]:
                eqs.append([(1, (grp, part, k))] + [(-1, (w, part, k)) for w in members if k in rows[w][part]])
    known = {c: v for c, v in cells.items() if isinstance(v, int)}
    found: dict[tuple, int] = {}
    progress = True
    while progress:
        progress = False
        for eq in eqs:
            unknown = [(a, c) for a, c in eq if c not in known]
            if len(unknown) == 1:
                a, c = unknown[0]
                val = -sum(b * known[d] for b, d in eq if d != c) // a
                known[c] = found[c] = val
                progress = True
    return found


def test_viewer_cannot_recover_a_suppressed_cell_from_total_and_linked(client, service, boundaries) -> None:
    # one month, few fire records: small fire and linked cells in most wards
    df = plant(boundaries, seed=5, n_pol=260, n_twin=40, n_fire=12, first="2024-05-01", days=31)
    store(service, df)
    params = {"from": "2024-05-01", "to": "2024-06-01"}
    full = client.get("/api/v1/stats/wards", params=params).json()
    key = create_key(service.engine, role="viewer", name="differencer")
    doc = client.get("/api/v1/stats/wards", params=params, headers={"X-API-Key": key}).json()
    truth_rows = {r["ward_code"]: r for r in full["rows"]}
    small_linked = sum(1 <= r["linked_events"] <= 4 for r in truth_rows.values())
    small_fire = sum(1 <= r["by_agency"]["fire"] <= 4 for r in truth_rows.values())
    assert small_linked > 0 and small_fire > 0  # the attack has targets
    for r in doc["rows"]:
        t = truth_rows[r["ward_code"]]
        if 1 <= t["linked_events"] <= 4:
            assert r["linked_events"] == "<5"
        for a, v in t["by_agency"].items():
            if 1 <= v <= 4:
                assert r["by_agency"][a] == "<5"
    assert attack(doc) == {}  # nothing withheld comes back
    # the attacker is able: on the unsuppressed view with one cell blanked it recovers it
    w = next(c for c, r in truth_rows.items() if 1 <= r["by_agency"]["fire"] <= 4)
    blank = {**full, "rows": [dict(r, by_agency=dict(r["by_agency"], fire="<5")) if r["ward_code"] == w else r
                              for r in full["rows"]]}
    assert attack(blank) == {(w, "by_agency", "fire"): truth_rows[w]["by_agency"]["fire"]}


def test_suppress_hides_a_partner_of_a_lone_small_linked_count() -> None:
    """police 20, fire 5, linked 3 -> count 22: '<5' linked alone would be 20 + 5 - 22."""
    from geo.stats import suppress

    def row(code: str, police: int, fire: int, linked: int) -> dict:
        c = police + fire - linked
        return {"code": code, "count": c, "previous_count": 30, "last_year_count": 30, "rate_per_1000": 1.0,
                "change_pct": 0.0, "last_year_change_pct": 0.0, "linked_events": linked,
                "by_agency": {"police": police, "fire": fire}, "by_category": {"vandalism": police, "fire": fire}}

    rows = [row("A", 20, 5, 3), row("B", 40, 9, 0), row("C", 30, 8, 0)]
    summary = [{"group": "G", **{k: v for k, v in row("G", 90, 22, 3).items() if k != "code"}}]
    suppress(rows, summary, {"G": ["A", "B", "C"]})
    a = rows[0]
    assert a["linked_events"] == "<5" and a["by_agency"]["fire"] == "c" and a["by_category"]["fire"] == "c"
    assert a["count"] == 22
    # across the group's wards, each agency's cells are shown with the group's total for that
    # agency: never exactly one of them hidden (A's fire hidden => another ward's fire too)
    for agency in ("police", "fire"):
        assert sum(r["by_agency"][agency] in ("<5", "c") for r in rows) != 1, agency
    # across the group: A's linked is hidden, so another unit's is too (B and C are 0: none to hide)
    assert [r["linked_events"] for r in rows[1:]] == [0, 0]


# ----------------------------------------------------------------- hotspots / co-location


def _cluster_world(boundaries) -> pd.DataFrame:
    """A police cluster of 40 whose 15 joint attendances are recorded by fire too (same
    place, 5 minutes later), and a thin police background."""
    rng = np.random.default_rng(8)
    pts = boundaries.datazones.geometry.representative_point()
    c = pts.iloc[120]
    rows = []
    for i in range(40):
        x, y = c.x + rng.normal(0, 20), c.y + rng.normal(0, 20)
        t = pd.Timestamp("2024-02-01 08:00") + pd.Timedelta(hours=int(rng.integers(0, 24 * 50)))
        rows.append(("police", x, y, t, "vandalism"))
        if i < 15:
            rows.append(("fire", x, y, t + pd.Timedelta(minutes=5), "deliberate_fire"))
    for _ in range(120):
        p = pts.iloc[int(rng.integers(len(pts)))]
        rows.append(("police", p.x, p.y, pd.Timestamp("2024-02-01") + pd.Timedelta(hours=int(rng.integers(0, 24 * 50))),
                     "theft"))
    return pd.DataFrame({"source_id": [f"H{i}" for i in range(len(rows))], "agency": [r[0] for r in rows],
                         "easting": [round(r[1], 1) for r in rows], "northing": [round(r[2], 1) for r in rows],
                         "occurred_at": [r[3].strftime("%Y-%m-%dT%H:%M:%S") for r in rows],
                         "category": [r[4] for r in rows], "date_precision": "datetime"})


@pytest.mark.parametrize("link", [True, False])
def test_hotspots_count_a_joint_attendance_once(backend, tmp_path, boundaries, link) -> None:
    svc = make_service(backend, tmp_path, boundaries, **({} if link else {"event_link_metres": 0}))
    store(svc, _cluster_world(boundaries))
    params = {"from": "2024-02-01", "to": "2024-04-01", "eps_m": 100, "min_samples": 5}
    with TestClient(create_app(service=svc), raise_server_exceptions=False) as c:
        c.headers["X-API-Key"] = ADMIN_KEY
        hs = c.get("/api/v1/hotspots", params=params).json()
        ov = c.get("/api/v1/hotspots/overlap", params=params | {"permutations": 99}).json()
        heat = c.get("/api/v1/hotspots/kde", params={"from": "2024-02-01", "to": "2024-04-01"}).json()
    svc.engine.dispose()
    # the heat surface smooths events too: 160 police records, plus the 15 fire copies unlinked
    assert heat["n_points"] == (160 if link else 175)
    assert heat["excluded"]["linked_events"] == (15 if link else 0)
    top = max(hs["features"], key=lambda f: f["properties"]["n"])["properties"]
    assert top["n_police"] >= 38
    assert hs["excluded"]["linked_events"] == ov["excluded"]["linked_events"] == (15 if link else 0)
    if link:  # fire beside police only through joint attendances: no fire, no overlap
        assert top["n_fire"] == 0 and ov["features"] == []
    else:  # counted twice, the joint attendances look like a police/fire overlap
        assert top["n_fire"] == 15 and len(ov["features"]) >= 1


def test_a_wards_small_agency_count_does_not_come_back_from_the_groups_agency_total() -> None:
    """Ward A's 3 fire records are '<5'; the group's fire total (3 + 40 + 50) is shown, so
    another ward's fire count must be withheld too, or 93 - 40 - 50 gives A's back."""
    from geo.stats import suppress

    def row(code: str, police: int, fire: int) -> dict:
        return {"code": code, "ward_code": code, "tasking_group": "G", "count": police + fire, "previous_count": 30,
                "last_year_count": 30, "rate_per_1000": 1.0, "change_pct": 0.0, "last_year_change_pct": 0.0,
                "linked_events": 0, "by_agency": {"police": police, "fire": fire},
                "by_category": {"vandalism": police, "fire": fire}}

    rows = [row("A", 60, 3), row("B", 70, 40), row("C", 80, 50)]
    summary = [{"group": "G", **{k: v for k, v in row("G", 210, 93).items() if k != "code"}}]
    suppress(rows, summary, {"G": ["A", "B", "C"]})
    assert rows[0]["by_agency"]["fire"] == "<5"
    assert attack({"rows": rows, "summary": summary}) == {}
