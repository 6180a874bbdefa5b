"""Tasking workflow: meeting -> action -> update -> the next meeting's view, on the demo's
Boghall operation, checked against independent point-in-polygon counts."""

import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import shape

from app.demo import load_demo
from app.security import create_key
from app.tasking import CONFIG_FILE, load_tasking_config
from geo.demo import generate_demo

FIRES = ["deliberate_fire", "deliberate_secondary_fire"]
PROBLEM = "application/problem+json"


@pytest.fixture
def demo(service, boundaries):
    load_demo(service)
    return generate_demo(
        boundaries.datazones, boundaries.wards, seed=service.settings.demo_seed
    )


def _count(inc, area, cats, start, end):
    g = gpd.GeoSeries(gpd.points_from_xy(inc.easting, inc.northing), crs=27700)
    t = pd.to_datetime(inc.occurred_at).dt.tz_localize("Europe/London")
    s, e = (
        pd.Timestamp(start).tz_localize("Europe/London"),
        pd.Timestamp(end).tz_localize("Europe/London"),
    )
    m = (
        g.intersects(area).to_numpy()
        & inc.category.isin(cats).to_numpy()
        & ((t >= s) & (t < e)).to_numpy()
    )
    return int(m.sum())


def _meeting(client, group, date, period=None, **kw):
    body = {"group": group, "date": date, **kw}
    if period:
        body |= {"period_from": period[0], "period_to": period[1]}
    r = client.post("/api/v1/tasking/meetings", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def test_config_file_drives_groups(client) -> None:
    cfg = load_tasking_config(CONFIG_FILE)
    r = client.get("/api/v1/tasking/groups")
    assert r.status_code == 200
    rows = {g["code"]: g for g in r.json()["rows"]}
    assert set(rows) == {"east", "west", "tactical", "strategic"} == set(cfg.groups)
    assert (
        rows["strategic"]["cadence_months"] == 3 and rows["tactical"]["area"] == "all"
    )
    raw = json.loads(CONFIG_FILE.read_text())
    assert rows["west"]["members"] == raw["groups"]["west"]["members"]


def test_config_can_be_replaced_by_a_setting(tmp_path, boundaries) -> None:
    from fastapi.testclient import TestClient

    from app.main import create_app
    from tests.conftest import ADMIN_KEY, make_service

    doc = json.loads(CONFIG_FILE.read_text())
    doc["groups"] = {
        "north": doc["groups"]["west"] | {"name": "North group", "cadence_months": 2}
    }
    path = tmp_path / "tasking.json"
    path.write_text(json.dumps(doc))
    svc = make_service("sqlite", tmp_path, boundaries, tasking_config=path)
    with TestClient(create_app(service=svc), headers={"X-API-Key": ADMIN_KEY}) as c:
        assert [g["code"] for g in c.get("/api/v1/tasking/groups").json()["rows"]] == [
            "north"
        ]
        m = c.post(
            "/api/v1/tasking/meetings", json={"group": "north", "date": "2024-05-14"}
        )
        assert m.status_code == 201
        # default period: the group's period_months whole months before the meeting's month
        assert m.json()["period"]["from"].startswith("2024-04-01") and m.json()[
            "period"
        ]["to"].startswith("2024-05-01")
        r = c.post(
            "/api/v1/tasking/meetings", json={"group": "west", "date": "2024-05-14"}
        )
        assert r.status_code == 422 and r.json()["param"] == "group"
    orig = json.loads(CONFIG_FILE.read_text())
    bad = orig | {"groups": {"x": orig["groups"]["west"] | {"members": ["Acme Ltd"]}}}
    path.write_text(json.dumps(bad))
    with pytest.raises(ValueError, match="members"):
        load_tasking_config(path)


def test_workflow_meeting_action_update_next_meeting(client, demo, boundaries) -> None:
    op = demo.operation
    m1 = _meeting(
        client,
        "west",
        op["start"],
        (op["before_start"], op["start"]),
        title="June JTCG",
    )
    assert m1["group"] == "west" and m1["period"]["from"].startswith(op["before_start"])
    first_view = client.get(f"/api/v1/tasking/meetings/{m1['id']}").json()
    assert first_view["previous_meeting"] is None and first_view["actions_due"] == []
    assert first_view["hotspots"]["new"], "the first meeting lists its hotspots as new"

    # an action on the Boghall data zones, and one on the top hotspot of the period
    body = {
        "title": "Boghall high-visibility patrols",
        "area": {"datazones": op["datazones"]},
        "categories": FIRES,
        "owner": {"name": "Sgt A. Smith", "organisation": "police scotland"},
        "due_date": op["end"],
    }
    r = client.post(f"/api/v1/tasking/meetings/{m1['id']}/actions", json=body)
    assert r.status_code == 201, r.text
    act = r.json()
    assert (
        act["status"] == "open" and act["owner"]["organisation"] == "Police Scotland"
    )  # normalised to the config
    hid = first_view["hotspots"]["new"][0]["id"]
    r = client.post(
        f"/api/v1/tasking/meetings/{m1['id']}/actions",
        json={
            "title": "Fire safety visits",
            "area": {"hotspot_id": hid},
            "owner": {
                "name": "WM B. Jones",
                "organisation": "Scottish Fire and Rescue Service",
            },
        },
    )
    assert r.status_code == 201, r.text
    hot_act = r.json()
    # no due date given: the next meeting by the group's cadence (monthly)
    assert (
        hot_act["due_date"]
        == (pd.Timestamp(op["start"]) + pd.DateOffset(months=1)).date().isoformat()
    )

    # updates: progress report, then a status change by PATCH; each is kept in order
    r = client.post(
        f"/api/v1/tasking/actions/{act['id']}/updates",
        json={"note": "Patrols started", "status": "in_progress"},
    )
    assert r.status_code == 201 and r.json()["status"] == "in_progress"
    r = client.patch(
        f"/api/v1/tasking/actions/{hot_act['id']}",
        json={"status": "done", "note": "42 visits made"},
    )
    assert r.status_code == 200
    ups = r.json()["updates"]
    assert [(u["status_from"], u["status_to"], u["note"]) for u in ups] == [
        ("open", "done", "42 visits made")
    ]

    # the next meeting's view: both actions are due for review, with before/after counts
    m2 = _meeting(client, "west", op["end"], (op["start"], op["end"]))
    view = client.get(f"/api/v1/tasking/meetings/{m2['id']}").json()
    assert view["previous_meeting"]["id"] == m1["id"]
    due = {a["id"]: a for a in view["actions_due"]}
    assert set(due) == {act["id"], hot_act["id"]}
    a = due[act["id"]]
    assert (
        a["status"] == "in_progress"
        and a["due_status"] == "due"
        and a["updates"][0]["note"] == "Patrols started"
    )
    area = boundaries.datazones[
        boundaries.datazones.code.isin(op["datazones"])
    ].union_all()
    before = _count(demo.incidents, area, FIRES, op["before_start"], op["start"])
    after = _count(demo.incidents, area, FIRES, op["start"], op["end"])
    ch = a["change"]
    assert (ch["before"]["count"], ch["after"]["count"]) == (before, after)
    assert ch["pct_change"] == pytest.approx(100 * (after - before) / before, abs=0.05)
    assert (
        ch["pct_change"] < -50 and ch["p_value"] < 0.05
    )  # the planted ~70% fall in deliberate fires
    assert sum(c["before"] for c in ch["by_category"]) == before
    # the hotspot action is counted inside its stored polygon, all categories
    h = due[hot_act["id"]]
    assert h["status"] == "done" and h["due_status"] == "done"
    poly = shapely.from_wkt(_hotspot_wkt(client, hid))
    cats = sorted(demo.incidents.category.unique())
    assert h["change"]["before"]["count"] == _count(
        demo.incidents, poly, cats, op["before_start"], op["start"]
    )
    assert h["change"]["after"]["count"] == _count(
        demo.incidents, poly, cats, op["start"], op["end"]
    )
    assert view["actions_set"] == []
    assert (
        len(client.get(f"/api/v1/tasking/meetings/{m1['id']}").json()["actions_set"])
        == 2
    )
    lst = client.get(
        "/api/v1/tasking/actions", params={"group": "west", "status": "in_progress"}
    ).json()
    assert [x["id"] for x in lst["rows"]] == [act["id"]]
    assert (
        client.get("/api/v1/tasking/actions", params={"group": "east"}).json()["rows"]
        == []
    )


def _hotspot_wkt(client, hid):
    from app.db import hotspots

    svc = client.app.state.service
    import sqlalchemy as sa

    with svc.engine.connect() as conn:
        return conn.execute(
            sa.select(hotspots.c.geometry_wkt).where(hotspots.c.id == hid)
        ).scalar_one()


def test_new_hotspots_compared_with_previous_meeting(client, demo) -> None:
    op = demo.operation
    p1, p2 = (op["before_start"], op["start"]), (op["start"], op["end"])
    m1 = _meeting(client, "west", op["start"], p1)
    m2 = _meeting(client, "west", op["end"], p2)
    view = client.get(f"/api/v1/tasking/meetings/{m2['id']}").json()["hotspots"]
    assert view["previous_meeting_id"] == m1["id"]

    def polys(period):
        doc = client.get(
            "/api/v1/hotspots",
            params={"from": period[0], "to": period[1], "group": "west"},
        ).json()
        return gpd.GeoDataFrame(
            {"id": [f["properties"]["id"] for f in doc["features"]]},
            geometry=[shape(f["geometry"]) for f in doc["features"]],
            crs=4326,
        ).to_crs(27700)

    cur, prev = polys(p2), polys(p1)
    hits = gpd.sjoin(cur, prev, predicate="intersects", how="left")
    matched = hits.dropna(subset=["id_right"]).groupby("id_left")["id_right"].apply(set)
    expect_new = set(cur["id"]) - set(matched.index)
    assert {h["id"] for h in view["new"]} == expect_new
    assert {h["id"] for h in view["continuing"]} == set(matched.index)
    for h in view["continuing"]:
        assert set(h["previous_ids"]) == matched[h["id"]]
    assert set(view["no_longer"]) == set(prev["id"]) - set(hits["id_right"].dropna())
    assert view["total"] == len(cur)


def test_validation_errors_and_roles(client, service, demo) -> None:
    op = demo.operation
    m = _meeting(client, "east", "2026-06-09")
    url = f"/api/v1/tasking/meetings/{m['id']}/actions"
    base = {
        "title": "x",
        "area": {"ward": "S13002822"},
        "owner": {"name": "A", "organisation": "West Lothian Council"},
    }
    for change, param in (
        ({"area": {}}, "area"),
        ({"area": {"ward": "S13000001"}}, "area.ward"),
        ({"area": {"hotspot_id": "H-nope"}}, "area.hotspot_id"),
        ({"area": {"ward": "S13002822", "datazones": op["datazones"]}}, "area"),
        ({"owner": {"name": "A", "organisation": "Acme"}}, "owner.organisation"),
        ({"categories": ["unicorns"]}, "category"),
        ({"due_date": "2026-01-01"}, "due_date"),
        ({"status": "finished"}, "status"),
    ):
        r = client.post(url, json=base | change)
        assert r.status_code == 422, (change, r.text)
        assert r.headers["content-type"] == PROBLEM and r.json()["param"] == param, (
            change,
            r.json(),
        )
    assert (
        client.post("/api/v1/tasking/meetings/999/actions", json=base).status_code
        == 404
    )
    dup = client.post(
        "/api/v1/tasking/meetings", json={"group": "east", "date": "2026-06-09"}
    )
    assert dup.status_code == 409 and dup.headers["content-type"] == PROBLEM
    bad = client.post(
        "/api/v1/tasking/meetings",
        json={"group": "east", "date": "2026-07-01", "period_from": "2026-06-01"},
    )
    assert bad.status_code == 422 and bad.json()["param"] == "period_from"
    a = client.post(url, json=base).json()
    assert (
        client.patch(f"/api/v1/tasking/actions/{a['id']}", json={}).status_code == 422
    )
    assert client.get("/api/v1/tasking/actions/999").status_code == 404
    # roles: viewers read, partners report progress, analysts set meetings and actions
    viewer = {"X-API-Key": create_key(service.engine, role="viewer", name="screen")}
    partner = {
        "X-API-Key": create_key(
            service.engine, role="partner", name="pc", agency="police"
        )
    }
    assert client.get("/api/v1/tasking/meetings", headers=viewer).status_code == 200
    assert client.post(url, json=base, headers=partner).status_code == 403
    assert (
        client.post(
            "/api/v1/tasking/meetings",
            json={"group": "east", "date": "2026-08-01"},
            headers=partner,
        ).status_code
        == 403
    )
    r = client.post(
        f"/api/v1/tasking/actions/{a['id']}/updates",
        json={"note": "done it"},
        headers=viewer,
    )
    assert r.status_code == 403
    # per object (issue 11): a police partner reports on Police Scotland's actions only
    r = client.post(
        f"/api/v1/tasking/actions/{a['id']}/updates",
        json={"note": "on it"},
        headers=partner,
    )
    assert r.status_code == 403 and "West Lothian Council" in r.json()["detail"]
    r = client.patch(f"/api/v1/tasking/actions/{a['id']}", json={"status": "done"}, headers=partner)
    assert r.status_code == 403
    assert client.get(f"/api/v1/tasking/actions/{a['id']}").json()["status"] == "open"
    denied = client.get("/api/v1/audit", params={"action": "tasking.action.update"}).json()["rows"]
    assert sum(1 for e in denied if e["outcome"] == "denied" and e["actor"] == "pc") == 2
    own = client.post(url, json=base | {"owner": {"name": "B", "organisation": "Police Scotland"}}).json()
    r = client.post(
        f"/api/v1/tasking/actions/{own['id']}/updates",
        json={"note": "on it"},
        headers=partner,
    )
    assert r.status_code == 201 and r.json()["updates"][-1]["by"] == "pc"
    fire = {"X-API-Key": create_key(service.engine, role="partner", name="ff", agency="fire")}
    r = client.patch(f"/api/v1/tasking/actions/{own['id']}", json={"status": "done"}, headers=fire)
    assert r.status_code == 403


def test_viewer_view_is_suppressed(client, service, demo) -> None:
    op = demo.operation
    m1 = _meeting(client, "west", op["start"], (op["before_start"], op["start"]))
    # a single small data zone and one category: small counts
    small = client.post(
        f"/api/v1/tasking/meetings/{m1['id']}/actions",
        json={
            "title": "small",
            "area": {"datazones": [op["datazones"][0]]},
            "categories": ["deliberate_fire"],
            "owner": {"name": "A", "organisation": "NHS Lothian"},
        },
    ).json()
    m2 = _meeting(client, "west", op["end"], (op["start"], op["end"]))
    full = client.get(f"/api/v1/tasking/meetings/{m2['id']}").json()["actions_due"][0][
        "change"
    ]
    viewer = {"X-API-Key": create_key(service.engine, role="viewer", name="screen")}
    vis = client.get(f"/api/v1/tasking/meetings/{m2['id']}", headers=viewer).json()
    assert vis["suppressed"] is True
    ch = vis["actions_due"][0]["change"]
    assert vis["actions_due"][0]["id"] == small["id"]
    assert 1 <= full["before"]["count"] <= 4, "the chosen area must give a small cell"
    for k in ("before", "after"):
        n = full[k]["count"]
        assert ch[k]["count"] == ("<5" if 1 <= n <= 4 else n)
    assert (
        ch["pct_change"] is None
        and ch["p_value"] is None
        and "before" not in ch["verdict"]
    )
    assert full["verdict"] and "before" in full["verdict"]
    assert ch["by_category"] == []
    for h in vis["hotspots"]["new"] + vis["hotspots"]["continuing"]:
        assert not (isinstance(h["n"], int) and 1 <= h["n"] <= 4)
