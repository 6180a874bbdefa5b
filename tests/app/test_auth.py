"""Keys and roles."""

import pytest
import sqlalchemy as sa

from app.db import api_keys
from app.security import create_key, hash_key

PROBLEM = "application/problem+json"
REC = {"source_id": "A1", "agency": "police", "category": "theft", "occurred_at": "2021-01-01T10:00:00", "easting": 299300, "northing": 668300}


def test_no_key_and_wrong_key_are_401(client) -> None:
    for headers in ({"X-API-Key": ""}, {"X-API-Key": "wrong-key"}):
        r = client.post("/api/v1/incidents", json={"incidents": [REC]}, headers=headers)
        assert r.status_code == 401 and r.headers["content-type"] == PROBLEM


@pytest.mark.parametrize(("role", "can_list", "can_ingest"), [("viewer", False, False), ("partner", True, False), ("analyst", True, True), ("admin", True, True)])
def test_roles(client, service, role, can_list, can_ingest) -> None:
    key = create_key(service.engine, role=role, name=f"t-{role}")
    h = {"X-API-Key": key}
    assert client.get("/api/v1/wards", headers=h).status_code == 200
    r = client.get("/api/v1/incidents", headers=h)
    assert r.status_code == (200 if can_list else 403)
    if not can_list:
        assert r.headers["content-type"] == PROBLEM and "partner" in r.json()["detail"]
    r = client.post("/api/v1/incidents", json={"incidents": [REC]}, headers=h)
    assert r.status_code == (200 if can_ingest else 403)


def test_keys_stored_only_as_hashes(service) -> None:
    key = create_key(service.engine, role="analyst", name="hash-check")
    with service.engine.connect() as conn:
        stored = [r[0] for r in conn.execute(sa.select(api_keys.c.key_hash))]
    assert hash_key(key) in stored and key not in stored


def test_revoked_key_rejected(client, service) -> None:
    key = create_key(service.engine, role="analyst", name="old")
    with service.engine.begin() as conn:
        conn.execute(api_keys.update().where(api_keys.c.key_hash == hash_key(key)).values(revoked_at=sa.func.now()))
    assert client.get("/api/v1/wards", headers={"X-API-Key": key}).status_code == 401


def test_auth_off_lets_demo_through(tmp_path, boundaries) -> None:
    from fastapi.testclient import TestClient

    from app.main import create_app
    from tests.conftest import make_service

    svc = make_service("sqlite", tmp_path, boundaries, auth="off")
    with TestClient(create_app(service=svc), base_url="http://127.0.0.1:8000") as c:
        assert c.get("/api/v1/incidents").status_code == 200
        assert c.get("/api/v1/health").json()["auth"] == "off"


# ---------------------------------------------------------------- auth off is local only


@pytest.mark.parametrize(
    ("host", "ok"),
    [("127.0.0.1", True), ("127.0.0.1:8000", True), ("localhost", True), ("LOCALHOST:1", True),
     ("[::1]", True), ("[::1]:8080", True), ("evil.example", False), ("evil.example:8000", False),
     ("127.0.0.1.evil.example", False), ("localhost.evil.example", False), ("10.0.0.5:8000", False),
     ("127.0.0.1:80:80", False), ("", False)],
)
def test_auth_off_serves_only_loopback_host_names(tmp_path, boundaries, host, ok) -> None:
    """DNS rebinding: with auth off a request naming any other Host is refused (421)."""
    from fastapi.testclient import TestClient

    from app.main import create_app
    from tests.conftest import make_service

    svc = make_service("sqlite", tmp_path, boundaries, auth="off")
    with TestClient(create_app(service=svc)) as c:
        r = c.get("/api/v1/wards", headers={"host": host})
    if ok:
        assert r.status_code == 200, r.text
    else:
        assert r.status_code == 421 and r.headers["content-type"] == PROBLEM
        assert "127.0.0.1" in r.json()["detail"]


def test_host_check_applies_only_with_auth_off(client) -> None:
    assert client.get("/api/v1/wards", headers={"host": "hotspots.example.org"}).status_code == 200


def test_auth_off_refuses_key_creation_over_http(tmp_path, boundaries) -> None:
    from fastapi.testclient import TestClient

    from app.main import create_app
    from tests.conftest import make_service

    svc = make_service("sqlite", tmp_path, boundaries, auth="off")
    with TestClient(create_app(service=svc), base_url="http://localhost") as c:
        r = c.post("/api/v1/keys", json={"role": "admin", "name": "sneaky"})
        assert r.status_code == 403 and r.headers["content-type"] == PROBLEM
        assert "HOTSPOTS_AUTH=off" in r.json()["detail"]
    with svc.engine.connect() as conn:  # nothing was stored but the bootstrap key
        assert [r[0] for r in conn.execute(sa.select(api_keys.c.name))] == ["bootstrap-admin"]


def test_wrong_keys_are_rate_limited_per_client_address(service) -> None:
    """Brute force: after ``auth_failures_per_minute`` wrong keys from one address every
    key from it (even the right one) gets 429 with Retry-After; other addresses do not."""
    from fastapi.testclient import TestClient

    from app.main import create_app
    from tests.conftest import ADMIN_KEY

    limit = service.settings.auth_failures_per_minute
    assert limit == 10
    with TestClient(create_app(service=service), client=("203.0.113.7", 5000)) as c:
        codes = [c.get("/api/v1/wards", headers={"X-API-Key": f"guess-{i}"}).status_code for i in range(limit + 5)]
        assert codes == [401] * limit + [429] * 5
        r = c.get("/api/v1/wards", headers={"X-API-Key": ADMIN_KEY})
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1 and r.headers["content-type"] == PROBLEM
        assert c.get("/api/v1/wards", headers={"X-API-Key": ""}).status_code == 401  # no key: not a guess
    with TestClient(create_app(service=service), client=("198.51.100.9", 5000)) as c:
        assert c.get("/api/v1/wards", headers={"X-API-Key": ADMIN_KEY}).status_code == 200


def test_rotating_the_admin_key_revokes_the_previous_bootstrap_key(tmp_path, boundaries) -> None:
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.main import create_app
    from app.service import Service

    url = f"sqlite:///{tmp_path / 'rot.db'}"
    first = Service(Settings(database_url=url, admin_key="first-admin-key", data_dir=tmp_path), boundaries=boundaries)
    kept = create_key(first.engine, role="analyst", name="ordinary")
    first.engine.dispose()
    second = Service(Settings(database_url=url, admin_key="second-admin-key", data_dir=tmp_path), boundaries=boundaries)
    with TestClient(create_app(service=second)) as c:
        assert c.get("/api/v1/keys", headers={"X-API-Key": "first-admin-key"}).status_code == 401
        rows = c.get("/api/v1/keys", headers={"X-API-Key": "second-admin-key"}).json()["rows"]
        assert c.get("/api/v1/wards", headers={"X-API-Key": kept}).status_code == 200  # other keys untouched
        log = c.get("/api/v1/audit", headers={"X-API-Key": "second-admin-key"}, params={"action": "keys.revoke"}).json()
    status = [(r["name"], r["status"]) for r in rows]
    assert status == [("bootstrap-admin", "revoked"), ("ordinary", "active"), ("bootstrap-admin", "active")]
    revoked = [r for r in log["rows"] if r["action"] == "keys.revoke"]
    assert [(r["actor"], r["target"]) for r in revoked] == [("system:bootstrap", str(rows[0]["id"]))]
    second.engine.dispose()
