"""Keys and roles completed: admin key API, revocation, expiry, partner keys tied to an
agency, suppression of small cells for them, per-key rate limiting, CLI revoke/--expires."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from fastapi.testclient import TestClient

from app.db import api_keys
from app.main import create_app
from app.ratelimit import RateLimiter
from app.security import create_key, lookup
from tests.app.test_cli import run
from tests.conftest import ADMIN_KEY, make_service

PROBLEM = "application/problem+json"
POLICE = [
    {
        "source_id": f"P{i}",
        "agency": "police",
        "category": "theft",
        "occurred_at": f"2021-01-0{i + 1}T10:00:00",
        "easting": 299300 + 10 * i,
        "northing": 668300,
    }
    for i in range(6)
]
# three fire incidents in one Bathgate data zone: a small cell
FIRE = [
    {
        "source_id": f"F{i}",
        "agency": "fire",
        "category": "deliberate_secondary_fire",
        "occurred_at": f"2021-01-0{i + 1}T12:00:00",
        "easting": 299300 + 10 * i,
        "northing": 668300,
    }
    for i in range(3)
]


def test_admin_creates_lists_and_revokes_keys(client, service) -> None:
    r = client.post(
        "/api/v1/keys",
        json={
            "role": "partner",
            "name": "PC Jones",
            "agency": "police",
            "expires_at": "2099-01-01",
        },
    )
    assert r.status_code == 201, r.text
    doc = r.json()
    key = doc["key"]
    assert (
        key.startswith("hs_")
        and doc["agency"] == "police"
        and doc["status"] == "active"
    )
    assert doc["expires_at"].startswith(
        "2099-01-01T00:00:00"
    )  # midnight UTC = midnight GMT in winter
    assert lookup(service.engine, key).agency == "police"
    listed = client.get("/api/v1/keys").json()["rows"]
    assert {k["name"] for k in listed} == {"bootstrap-admin", "PC Jones"}
    assert all(
        "key" not in k and "key_hash" not in k for k in listed
    ) and key not in str(listed)
    assert client.get("/api/v1/wards", headers={"X-API-Key": key}).status_code == 200

    r = client.delete(f"/api/v1/keys/{doc['id']}")
    assert (
        r.status_code == 200
        and r.json()["status"] == "revoked"
        and r.json()["already_revoked"] is False
    )
    again = client.delete(f"/api/v1/keys/{doc['id']}")
    assert (
        again.json()["already_revoked"] is True
        and again.json()["revoked_at"] == r.json()["revoked_at"]
    )
    w = client.get("/api/v1/wards", headers={"X-API-Key": key})
    assert w.status_code == 401 and w.headers["content-type"] == PROBLEM
    assert client.delete("/api/v1/keys/9999").status_code == 404
    me = next(k for k in listed if k["name"] == "bootstrap-admin")
    assert (
        client.delete(f"/api/v1/keys/{me['id']}").status_code == 409
    )  # not your own key


def test_key_validation_and_admin_only(client, service) -> None:
    for body, param in (
        ({"role": "partner", "name": "x"}, "agency"),
        ({"role": "analyst", "name": "x", "agency": "fire"}, "agency"),
        ({"role": "viewer", "name": "x", "expires_at": "2001-01-01"}, "expires_at"),
        ({"role": "viewer", "name": "x", "expires_at": "soon"}, "expires_at"),
        ({"role": "king", "name": "x"}, "role"),
        ({"role": "viewer", "name": ""}, "name"),
        ({"role": "partner", "name": "x", "agency": "council"}, "agency"),
    ):
        r = client.post("/api/v1/keys", json=body)
        assert r.status_code == 422 and r.headers["content-type"] == PROBLEM, (
            body,
            r.text,
        )
        assert r.json()["param"] == param, (body, r.json())
    analyst = create_key(service.engine, role="analyst", name="a")
    for call in (
        lambda h: client.get("/api/v1/keys", headers=h),
        lambda h: client.post(
            "/api/v1/keys", json={"role": "viewer", "name": "v"}, headers=h
        ),
        lambda h: client.delete("/api/v1/keys/1", headers=h),
    ):
        assert call({"X-API-Key": analyst}).status_code == 403


def test_expired_key_is_rejected(client, service) -> None:
    key = create_key(
        service.engine,
        role="analyst",
        name="temp",
        expires_at=datetime.now(UTC) + timedelta(hours=1),
    )
    assert client.get("/api/v1/wards", headers={"X-API-Key": key}).status_code == 200
    with service.engine.begin() as conn:  # time passes
        conn.execute(
            api_keys.update()
            .where(api_keys.c.name == "temp")
            .values(expires_at=datetime(2020, 1, 1))
        )
    r = client.get("/api/v1/wards", headers={"X-API-Key": key})
    assert r.status_code == 401 and "expired" in r.json()["detail"]
    assert (
        next(
            k for k in client.get("/api/v1/keys").json()["rows"] if k["name"] == "temp"
        )["status"]
        == "expired"
    )


def test_partner_reads_own_agency_only_and_aggregates_are_suppressed(
    client, service
) -> None:
    assert (
        client.post("/api/v1/incidents", json={"incidents": POLICE + FIRE}).json()[
            "accepted"
        ]
        == 9
    )
    police = {
        "X-API-Key": create_key(
            service.engine, role="partner", name="pc", agency="police"
        )
    }
    fire = {
        "X-API-Key": create_key(
            service.engine, role="partner", name="ff", agency="fire"
        )
    }
    r = client.get("/api/v1/incidents", headers=police)
    assert (
        r.status_code == 200
        and {x["agency"] for x in r.json()["rows"]} == {"police"}
        and r.json()["count"] == 6
    )
    r = client.get("/api/v1/incidents", params={"agency": "police"}, headers=police)
    assert r.status_code == 200 and r.json()["count"] == 6
    r = client.get("/api/v1/incidents", params={"agency": "fire"}, headers=police)
    assert (
        r.status_code == 403
        and r.headers["content-type"] == PROBLEM
        and r.json()["param"] == "agency"
    )
    assert {
        x["source_id"]
        for x in client.get("/api/v1/incidents", headers=fire).json()["rows"]
    } == {"F0", "F1", "F2"}
    assert (
        client.get(
            "/api/v1/incidents", params={"agency": "police"}, headers=fire
        ).status_code
        == 403
    )
    # analysts still see both agencies
    assert client.get("/api/v1/incidents").json()["count"] == 9

    # aggregates: a partner sees them, but the 3 fire incidents (a small cell) never show
    params = {"from": "2021-01-01", "to": "2021-02-01"}
    full = client.get("/api/v1/stats/wards", params=params).json()
    bathgate = next(r for r in full["rows"] if r["count"])
    assert bathgate["by_agency"] == {"police": 6, "fire": 3}
    for extra in ({}, {"agency": "fire"}):
        doc = client.get(
            "/api/v1/stats/wards", params=params | extra, headers=police
        ).json()
        assert doc["suppressed"] is True
        row = next(r for r in doc["rows"] if r["ward_code"] == bathgate["ward_code"])
        assert row["by_agency"]["fire"] in ("<5", "c")
        # nor can it be recovered by subtraction from the total
        total, pol = row["count"], row["by_agency"]["police"]
        assert not (
            isinstance(total, int) and isinstance(pol, int) and total - pol == 3
        )
        fire_rows = [
            s for s in doc["summary"] if isinstance(s["by_agency"]["fire"], int)
        ]
        assert all(s["by_agency"]["fire"] != 3 for s in fire_rows)
    dz = client.get(
        "/api/v1/stats/datazones", params=params | {"agency": "fire"}, headers=police
    ).json()
    assert all(
        not (isinstance(r["count"], int) and 1 <= r["count"] <= 4) for r in dz["rows"]
    )
    dep = client.get(
        "/api/v1/deprivation/concentration",
        params=params | {"agency": "fire", "n_boot": 0},
        headers=police,
    ).json()
    assert all(
        g["incidents"] in ("<5", "c", 0) or g["incidents"] >= 5
        for g in dep["by_decile"]
    )


def test_legacy_partner_key_without_agency_keeps_old_behaviour(client, service) -> None:
    client.post("/api/v1/incidents", json={"incidents": POLICE + FIRE})
    legacy = {"X-API-Key": create_key(service.engine, role="partner", name="legacy")}
    assert client.get("/api/v1/incidents", headers=legacy).json()["count"] == 9


def test_rate_limit_per_key_is_429_with_retry_after(
    backend, tmp_path, boundaries
) -> None:
    svc = make_service(backend, tmp_path, boundaries, rate_limit_per_minute=3)
    try:
        with TestClient(create_app(service=svc), raise_server_exceptions=False) as c:
            other = create_key(svc.engine, role="viewer", name="meeting screen")
            h = {"X-API-Key": ADMIN_KEY}
            assert [
                c.get("/api/v1/wards", headers=h).status_code for _ in range(3)
            ] == [200, 200, 200]
            r = c.get("/api/v1/wards", headers=h)
            assert r.status_code == 429 and r.headers["content-type"] == PROBLEM
            body = r.json()
            assert (
                body["status"] == 429
                and body["retry_after"] >= 1
                and "rate limit" in body["detail"]
            )
            # the other key (the meeting's screen) is not starved
            assert (
                c.get("/api/v1/wards", headers={"X-API-Key": other}).status_code == 200
            )
            # health needs no key and is not limited
            assert c.get("/api/v1/health", headers={"X-API-Key": ""}).status_code == 200
            assert int(r.headers["retry-after"]) == max(1, round(body["retry_after"]))
    finally:
        svc.engine.dispose()


def test_token_bucket_refills_at_the_configured_rate() -> None:
    now = [0.0]
    lim = RateLimiter(
        60, burst=2, clock=lambda: now[0]
    )  # 1 token a second, bucket of 2
    assert [lim.hit("k"), lim.hit("k")] == [0, 0]
    assert lim.hit("k") == 1 and lim.hit("other") == 0
    now[0] = 0.5
    assert lim.hit("k") == 1  # half a token back: wait one more (rounded up) second
    now[0] = 1.0
    assert lim.hit("k") == 0 and lim.hit("k") == 1
    now[0] = 100.0
    assert [lim.hit("k"), lim.hit("k"), lim.hit("k")] == [
        0,
        0,
        1,
    ]  # refill capped at the bucket size
    slow = RateLimiter(6, clock=lambda: now[0])  # one token every 10 s
    for _ in range(6):
        assert slow.hit("k") == 0
    assert slow.hit("k") == 10
    assert RateLimiter(0).hit("k") == 0  # 0 disables limiting


def test_cli_keys_create_with_expiry_list_and_revoke(tmp_path) -> None:
    r = run(["keys", "create", "--role", "partner", "--name", "pc"], tmp_path)
    assert r.returncode == 2 and "--agency" in r.stderr
    r = run(
        [
            "keys",
            "create",
            "--role",
            "partner",
            "--name",
            "pc",
            "--agency",
            "fire",
            "--expires",
            "2099-06-30",
        ],
        tmp_path,
    )
    assert r.returncode == 0, r.stderr
    key = r.stdout.strip()
    assert "expires 2099-06-29T23:00:00+00:00" in r.stderr  # local midnight in BST
    from app.config import Settings
    from app.db import make_engine

    eng = make_engine(Settings(data_dir=tmp_path / "data").effective_database_url)
    p = lookup(eng, key)
    assert p is not None and p.role == "partner" and p.agency == "fire"
    listed = run(["keys", "list"], tmp_path)
    assert (
        listed.returncode == 0
        and "active" in listed.stdout
        and "fire" in listed.stdout
        and key not in listed.stdout
    )
    r = run(["keys", "revoke", str(p.key_id)], tmp_path)
    assert r.returncode == 0 and "revoked" in r.stdout
    assert lookup(eng, key) is None
    assert run(["keys", "revoke", "999"], tmp_path).returncode == 1
    r = run(
        [
            "keys",
            "create",
            "--role",
            "viewer",
            "--name",
            "x",
            "--expires",
            "2000-01-01",
        ],
        tmp_path,
    )
    assert r.returncode == 2 and "future" in r.stderr
    with eng.connect() as conn:
        acts = conn.execute(
            sa.text("select action, actor, role from audit_log order by id")
        ).all()
    assert [a[0] for a in acts] == ["keys.create", "keys.revoke"]
    assert all(a[1].startswith("cli:") and a[2] == "cli" for a in acts)
    eng.dispose()
