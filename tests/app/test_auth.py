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
    with TestClient(create_app(service=svc)) as c:
        assert c.get("/api/v1/incidents").status_code == 200
        assert c.get("/api/v1/health").json()["auth"] == "off"
