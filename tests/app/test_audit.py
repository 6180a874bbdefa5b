"""The audit trail: one entry per write and per incident-level read, with the right actor;
append-only in the database (UPDATE/DELETE rejected by triggers on SQLite and PostgreSQL)."""

import csv
import io

import pytest
import sqlalchemy as sa

from app import audit
from app.audit import SystemActor
from app.db import audit_log
from app.security import create_key

REC = {
    "source_id": "A1",
    "agency": "police",
    "category": "theft",
    "occurred_at": "2021-01-01T10:00:00",
    "easting": 299300,
    "northing": 668300,
}
FIRE = REC | {
    "source_id": "F1",
    "agency": "fire",
    "category": "deliberate_secondary_fire",
}


def _entries(service, **where):
    rows = audit.query(service.engine, limit=10_000)
    return [r for r in rows if all(r[k] == v for k, v in where.items())]


def test_each_operation_is_recorded_with_its_actor(client, service) -> None:
    analyst = create_key(service.engine, role="analyst", name="alice (analyst)")
    partner = create_key(service.engine, role="partner", name="pc bob", agency="police")
    r = client.post(
        "/api/v1/incidents",
        json={"incidents": [REC, FIRE, REC | {"source_id": "bad", "easting": 1}]},
        headers={"X-API-Key": analyst},
    )
    assert r.status_code == 200
    (ing,) = _entries(service, action="incidents.ingest")
    assert (ing["actor"], ing["role"], ing["target"], ing["result_size"]) == (
        "alice (analyst)",
        "analyst",
        r.json()["batch_id"],
        2,
    )
    assert (
        ing["params"]["received"] == 3
        and ing["params"]["rejected"] == 1
        and ing["params"]["format"] == "native"
    )

    upload = client.post(
        "/api/v1/incidents/upload",
        params={"format": "native"},
        files={
            "file": (
                "more.csv",
                b"source_id,agency,category,occurred_at,easting,northing\n"
                b"U1,police,theft,2021-01-02T10:00:00,299300,668300\n",
                "text/csv",
            )
        },
        headers={"X-API-Key": analyst},
    )
    assert upload.status_code == 200
    ups = _entries(service, action="incidents.ingest")
    assert (
        len(ups) == 2
        and ups[1]["params"]["filename"] == "more.csv"
        and ups[1]["result_size"] == 1
    )

    # incident-level reads: who, parameters, how many rows went out (also the refused ones)
    got = client.get(
        "/api/v1/incidents",
        params={"ward": "S13002827", "limit": 1},
        headers={"X-API-Key": partner},
    )
    assert got.status_code == 200
    denied = client.get(
        "/api/v1/incidents", params={"agency": "fire"}, headers={"X-API-Key": partner}
    )
    assert denied.status_code == 403
    reads = _entries(service, action="incidents.read")
    assert [(e["actor"], e["role"], e["outcome"], e["result_size"]) for e in reads] == [
        ("pc bob", "partner", "ok", got.json()["count"]),
        ("pc bob", "partner", "denied", 0),
    ]
    assert (
        reads[0]["params"]["ward"] == ["S13002827"] and reads[0]["params"]["limit"] == 1
    )
    assert (
        reads[0]["params"]["agency_applied"] == "police"
        and reads[1]["params"]["agency"] == "fire"
    )

    # tasking writes
    m = client.post(
        "/api/v1/tasking/meetings",
        json={"group": "west", "date": "2021-02-02"},
        headers={"X-API-Key": analyst},
    ).json()
    a = client.post(
        f"/api/v1/tasking/meetings/{m['id']}/actions",
        headers={"X-API-Key": analyst},
        json={
            "title": "patrol",
            "area": {"ward": "S13002827"},
            "owner": {"name": "X", "organisation": "Police Scotland"},
        },
    ).json()
    client.post(
        f"/api/v1/tasking/actions/{a['id']}/updates",
        json={"note": "ok", "status": "done"},
        headers={"X-API-Key": partner},
    )
    acts = [
        (e["action"], e["actor"], e["target"])
        for e in _entries(service)
        if e["action"].startswith("tasking.")
    ]
    assert acts == [
        ("tasking.meeting.create", "alice (analyst)", str(m["id"])),
        ("tasking.action.create", "alice (analyst)", str(a["id"])),
        ("tasking.action.update", "pc bob", str(a["id"])),
    ]
    assert _entries(service, action="tasking.action.update")[0]["params"][
        "changes"
    ] == {"status": ["open", "done"]}

    # keys: created and revoked by the admin (the bootstrap key of the client fixture)
    k = client.post("/api/v1/keys", json={"role": "viewer", "name": "screen"}).json()
    client.delete(f"/api/v1/keys/{k['id']}")
    keys = [
        (e["action"], e["actor"], e["role"], e["target"])
        for e in _entries(service)
        if e["action"].startswith("keys.")
    ]
    assert keys == [
        ("keys.create", "bootstrap-admin", "admin", str(k["id"])),
        ("keys.revoke", "bootstrap-admin", "admin", str(k["id"])),
    ]
    assert k["key"] not in str(_entries(service))  # the key itself is never logged

    # aggregates are not incident-level reads: no entry
    n = len(_entries(service))
    assert client.get("/api/v1/stats/wards").status_code == 200
    assert len(_entries(service)) == n


def test_get_audit_filters_csv_and_admin_only(client, service) -> None:
    eng = service.engine
    for i in range(5):
        audit.record(
            eng,
            SystemActor(name=f"user{i % 2}", role="analyst"),
            "tasking.action.create" if i % 2 else "incidents.read",
            target=i,
            params={"i": i},
            result_size=i,
        )
    rows = client.get("/api/v1/audit").json()["rows"]
    assert [r["target"] for r in rows] == ["0", "1", "2", "3", "4"]
    assert [
        r["target"]
        for r in client.get("/api/v1/audit", params={"actor": "user1"}).json()["rows"]
    ] == ["1", "3"]
    assert [
        r["target"]
        for r in client.get(
            "/api/v1/audit", params={"action": "incidents.read"}
        ).json()["rows"]
    ] == ["0", "2", "4"]
    assert [
        r["target"]
        for r in client.get("/api/v1/audit", params={"action": "tasking.*"}).json()[
            "rows"
        ]
    ] == ["1", "3"]
    # time window: everything is from today; a window in the past is empty
    assert client.get("/api/v1/audit", params={"to": "2020-01-01"}).json()["rows"] == []
    assert (
        len(client.get("/api/v1/audit", params={"from": "2020-01-01"}).json()["rows"])
        == 5
    )
    r = client.get("/api/v1/audit", params={"from": "2021-01-02", "to": "2021-01-01"})
    assert r.status_code == 422 and r.json()["param"] == "to"
    # paging
    page = client.get("/api/v1/audit", params={"limit": 2}).json()
    assert [x["target"] for x in page["rows"]] == ["0", "1"] and page["next_cursor"]
    nxt = client.get(
        "/api/v1/audit", params={"limit": 2, "cursor": page["next_cursor"]}
    ).json()
    assert [x["target"] for x in nxt["rows"]] == ["2", "3"]
    # CSV
    c = client.get("/api/v1/audit", params={"format": "csv", "actor": "user0"})
    assert c.status_code == 200 and c.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(c.text.lstrip("\ufeff"))))
    assert [t["target"] for t in table] == ["0", "2", "4"] and table[1][
        "params"
    ] == '{"i": 2}'
    assert table[2]["result_size"] == "4" and table[0]["actor"] == "user0"
    # admin only
    for role in ("viewer", "partner", "analyst"):
        k = create_key(
            service.engine,
            role=role,
            name=role,
            agency="police" if role == "partner" else None,
        )
        assert client.get("/api/v1/audit", headers={"X-API-Key": k}).status_code == 403


def test_audit_table_rejects_update_and_delete(service) -> None:
    """Tamper test on both backends: the database itself refuses UPDATE and DELETE."""
    eid = audit.record(
        service.engine,
        SystemActor(name="cli:test"),
        "keys.create",
        target=1,
        params={"a": 1},
    )
    attempts = [
        audit_log.update().where(audit_log.c.id == eid).values(actor="someone else"),
        audit_log.delete().where(audit_log.c.id == eid),
        sa.text("UPDATE audit_log SET result_size = 99"),
        sa.text("DELETE FROM audit_log"),
    ]
    for stmt in attempts:
        with (
            pytest.raises(sa.exc.DBAPIError, match="append-only"),
            service.engine.begin() as conn,
        ):
            conn.execute(stmt)
    (row,) = audit.query(service.engine)
    assert (row["id"], row["actor"], row["result_size"], row["params"]) == (
        eid,
        "cli:test",
        None,
        {"a": 1},
    )
    # appending still works
    audit.record(service.engine, SystemActor(name="cli:test"), "keys.revoke", target=1)
    assert len(audit.query(service.engine)) == 2


def test_cli_ingest_is_recorded(tmp_path) -> None:
    import getpass

    from tests.app.test_cli import run

    f = tmp_path / "batch.csv"
    f.write_text(
        "source_id,agency,category,occurred_at,easting,northing\nC1,police,theft,2021-01-01T10:00:00,299300,668300\n"
    )
    r = run(["ingest", str(f)], tmp_path)
    assert r.returncode == 0, r.stderr
    from app.config import Settings
    from app.db import make_engine

    eng = make_engine(Settings(data_dir=tmp_path / "data").effective_database_url)
    (e,) = audit.query(eng, action="incidents.ingest")
    assert (e["actor"], e["role"], e["result_size"]) == (
        f"cli:{getpass.getuser()}",
        "cli",
        1,
    )
    assert e["params"]["filename"] == "batch.csv" and e["params"]["received"] == 1
    eng.dispose()
