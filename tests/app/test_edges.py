"""Hardened edges (issue 11): body limits, bounded Chromium renders, CSV injection,
audit entry in the batch's transaction, bad ids and hostile uploads never a 500."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from app import chromium, csvsafe
from app.db import audit_log, batches, incidents
from app.main import create_app
from app.security import create_key
from tests.conftest import ADMIN_KEY, make_service
from tests.fuzz.hostile import CASES, HEADERS, NATIVE_HEADER

PROBLEM = "application/problem+json"
GOOD = [
    {"source_id": f"E-{i}", "agency": "police", "category": "vandalism", "occurred_at": f"2021-03-1{i}T14:30:00",
     "easting": 299300 + i, "northing": 668300}
    for i in range(3)
]


def _count(svc, table) -> int:
    with svc.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def _ingest_audits(svc) -> int:
    with svc.engine.connect() as conn:
        q = sa.select(sa.func.count()).where(audit_log.c.action == "incidents.ingest")
        return int(conn.execute(q).scalar_one())


# ------------------------------------------------------------------ body limits


def _asgi_upload(svc, chunks: list[bytes], *, content_length: int | None) -> tuple[int, int]:
    """POST the chunks straight to the ASGI app; returns (status, chunks the app pulled)."""
    app = create_app(service=svc)
    app.state.service = svc
    pulled = 0

    async def receive():
        nonlocal pulled
        if pulled < len(chunks):
            pulled += 1
            return {"type": "http.request", "body": chunks[pulled - 1], "more_body": pulled < len(chunks)}
        return {"type": "http.disconnect"}

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    headers = [(b"host", b"127.0.0.1"), (b"x-api-key", ADMIN_KEY.encode()),
               (b"content-type", b"multipart/form-data; boundary=XyZ")]
    if content_length is not None:
        headers.append((b"content-length", str(content_length).encode()))
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/api/v1/incidents/upload", "raw_path": b"/api/v1/incidents/upload", "query_string": b"format=native",
             "headers": headers, "client": ("127.0.0.1", 1234), "server": ("127.0.0.1", 80), "root_path": ""}
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    return int(start["status"]), pulled


def test_upload_beyond_declared_length_is_413_before_any_byte_is_read(tmp_path, boundaries) -> None:
    svc = make_service("sqlite", tmp_path, boundaries, max_upload_bytes=10_000)
    chunks = [b"x" * 65_536] * 40
    status, pulled = _asgi_upload(svc, chunks, content_length=65_536 * 40)
    assert (status, pulled) == (413, 0)


def test_streamed_upload_without_length_stops_at_the_limit(tmp_path, boundaries) -> None:
    """A chunked body is counted as it arrives: refused once past the limit, the rest unread."""
    svc = make_service("sqlite", tmp_path, boundaries, max_upload_bytes=10_000)
    head = b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'
    chunks = [head] + [b"y" * 16_384] * 200
    status, pulled = _asgi_upload(svc, chunks, content_length=None)
    limit = 10_000 + 64 * 1024  # file limit plus the multipart allowance (app.edges)
    assert status == 413
    assert pulled <= limit // 16_384 + 2 < len(chunks)


def test_file_over_the_limit_inside_the_allowance_is_still_413(tmp_path, boundaries) -> None:
    svc = make_service("sqlite", tmp_path, boundaries, max_upload_bytes=1_000)
    with TestClient(create_app(service=svc)) as c:
        r = c.post("/api/v1/incidents/upload", files={"file": ("a.csv", b"a" * 1_001)}, headers={"X-API-Key": ADMIN_KEY})
        assert r.status_code == 413 and r.headers["content-type"] == PROBLEM
        ok = c.post("/api/v1/incidents/upload", files={"file": ("a.csv", NATIVE_HEADER.encode())},
                    headers={"X-API-Key": ADMIN_KEY})
        assert ok.status_code == 200 and ok.json()["received"] == 0


def test_json_body_limit(tmp_path, boundaries) -> None:
    svc = make_service("sqlite", tmp_path, boundaries, max_json_bytes=2_000)
    with TestClient(create_app(service=svc)) as c:
        c.headers["X-API-Key"] = ADMIN_KEY
        small = c.post("/api/v1/incidents", json={"incidents": GOOD[:1]})
        assert small.status_code == 200
        big = c.post("/api/v1/incidents", json={"incidents": GOOD * 20})
        assert big.status_code == 413 and big.headers["content-type"] == PROBLEM and "2000 bytes" in big.json()["detail"]
        bad = c.post("/api/v1/incidents", content=b"{}", headers={"content-length": "abc", "content-type": "application/json"})
        assert bad.status_code in (400, 422)
    assert _count(svc, incidents) == 1


# ------------------------------------------------------------------ Chromium renders


def _fake_chromium(tmp_path: Path, body: str) -> str:
    exe = tmp_path / "fake-chromium"
    exe.write_text("#!/bin/sh\n" + body + "\n")
    exe.chmod(0o755)
    return str(exe)


SECRET = "DB_PASSWORD=hunter2-s3cr3t at /srv/hotspots/private"


def test_chromium_messages_go_to_the_log_not_the_response(tmp_path, boundaries, caplog) -> None:
    exe = _fake_chromium(tmp_path, f"echo '{SECRET}' >&2\nexit 3")
    svc = make_service("sqlite", tmp_path, boundaries, chromium=exe, tile_url="none")
    caplog.set_level(logging.INFO, logger="hotspots")
    with TestClient(create_app(service=svc), raise_server_exceptions=False) as c:
        r = c.get("/api/v1/maps/tasking/west.png", headers={"X-API-Key": ADMIN_KEY})
    if r.status_code == 503 and "node_modules" in r.text:  # map assets missing outside CI
        import os

        assert not os.environ.get("CI")
        pytest.skip("map assets (npm ci) missing")
    assert r.status_code == 503 and r.headers["content-type"] == PROBLEM
    assert r.json()["detail"] == "rendering failed; the server log has the details"
    assert "hunter2" not in r.text and "/srv/hotspots" not in r.text
    assert any("hunter2" in rec.getMessage() for rec in caplog.records)


def test_chromium_run_never_returns_its_messages(tmp_path) -> None:
    exe = _fake_chromium(tmp_path, f"echo '{SECRET}' >&2\nexit 0")
    assert chromium.run([exe], timeout=10) == (0, b"")
    bad = _fake_chromium(tmp_path, f"echo '{SECRET}' >&2\nexit 7")
    with pytest.raises(chromium.ChromiumFailed) as info:
        chromium.run([bad], timeout=10)
    assert "hunter2" not in str(info.value) and info.value.returncode == 7


def test_renders_beyond_the_limit_wait_then_429(tmp_path, boundaries) -> None:
    """max_renders=1: while one (sleeping) render runs, a second waits render_wait_s and
    is refused with 429 and Retry-After; once the first is done the next one runs."""
    exe = _fake_chromium(tmp_path, "sleep 2\nexit 1")
    svc = make_service("sqlite", tmp_path, boundaries, chromium=exe, tile_url="none", max_renders=1, render_wait_s=0.3)
    with TestClient(create_app(service=svc), raise_server_exceptions=False) as c:
        c.headers["X-API-Key"] = ADMIN_KEY
        probe = c.get("/api/v1/maps/tasking/west.png")
        if probe.status_code == 503 and "node_modules" in probe.text:
            import os

            assert not os.environ.get("CI")
            pytest.skip("map assets (npm ci) missing")
        assert probe.status_code == 503  # the fake fails after its sleep: "rendering failed"
        first: dict[str, int] = {}
        t = threading.Thread(target=lambda: first.setdefault("status", c.get("/api/v1/maps/tasking/west.png").status_code))
        t.start()
        time.sleep(0.8)  # the first render holds the only slot (sleeping)
        t0 = time.monotonic()
        r = c.get("/api/v1/maps/tasking/west.png")
        waited = time.monotonic() - t0
        t.join()
    assert r.status_code == 429 and r.headers["content-type"] == PROBLEM and int(r.headers["retry-after"]) >= 1
    assert waited >= 0.3 and "renders are already running" in r.json()["detail"]
    assert first["status"] == 503


def test_render_slots_bound_concurrency(tmp_path) -> None:
    """Planted truth: 6 renders of 0.4 s through 2 slots never overlap by more than 2."""
    marker = tmp_path / "running"
    marker.mkdir()
    exe = _fake_chromium(tmp_path, f'f={marker}/$$; touch $f; ls {marker} | wc -l >> {tmp_path}/peaks; sleep 0.4; rm $f')
    chromium.configure(2, 10.0)
    try:
        threads = [threading.Thread(target=chromium.run, args=([exe],), kwargs={"timeout": 10}) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        chromium.configure(2, 5.0)
    peaks = [int(x) for x in (tmp_path / "peaks").read_text().split()]
    assert len(peaks) == 6 and max(peaks) == 2


# ------------------------------------------------------------------ CSV injection


@pytest.mark.parametrize(("value", "out"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1+1", "'+1+1"), ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("-12.5", "-12.5"), ("+3", "+3"),
    ("plain", "plain"), ("", ""), (-4, -4), (1.5, 1.5), (None, None),
])
def test_csv_cell(value, out) -> None:
    assert csvsafe.cell(value) == out


def test_audit_csv_escapes_formula_cells(client, service) -> None:
    key = create_key(service.engine, role="admin", name="=cmd|' /C calc'!A0")
    assert client.get("/api/v1/keys", headers={"X-API-Key": key}).status_code == 200
    client.post("/api/v1/keys", json={"role": "viewer", "name": "@SUM(1+1)"}, headers={"X-API-Key": key})
    text = client.get("/api/v1/audit", params={"format": "csv"}).text
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    actors = {r["actor"] for r in rows}
    assert "'=cmd|' /C calc'!A0" in actors and "=cmd|' /C calc'!A0" not in actors
    for r in rows:
        for v in r.values():
            assert not (v or "x").startswith(csvsafe.TRIGGERS) or csvsafe._NUMBER.match(v)


# ------------------------------------------------------------------ audit in the batch's transaction


def test_failed_batch_leaves_neither_incidents_nor_audit_entry(client, service, monkeypatch) -> None:
    import app.audit as audit_mod

    real = audit_mod.record

    def failing(db, who, action, **kw):
        if action == "incidents.ingest":
            real(db, who, action, **kw)  # written on the batch's connection, then the batch fails
            raise RuntimeError("audit store unavailable")
        return real(db, who, action, **kw)

    monkeypatch.setattr(audit_mod, "record", failing)
    r = client.post("/api/v1/incidents", json={"incidents": GOOD})
    assert r.status_code == 500 and r.headers["content-type"] == PROBLEM
    assert "audit store" not in r.text
    assert (_count(service, incidents), _count(service, batches), _ingest_audits(service)) == (0, 0, 0)
    monkeypatch.setattr(audit_mod, "record", real)
    r = client.post("/api/v1/incidents", json={"incidents": GOOD})
    assert r.status_code == 200 and r.json()["accepted"] == 3
    assert (_count(service, incidents), _count(service, batches), _ingest_audits(service)) == (3, 1, 1)


def test_failed_insert_leaves_no_audit_entry(client, service, monkeypatch) -> None:
    import app.service as svc_mod

    real = svc_mod.Service._insert

    def failing(self, conn, df, batch_id):
        real(self, conn, df.iloc[:1], batch_id)
        raise RuntimeError("disk full")

    monkeypatch.setattr(svc_mod.Service, "_insert", failing)
    assert client.post("/api/v1/incidents/upload", files={"file": ("a.csv", (NATIVE_HEADER + "A,police,theft,"
                       "2021-01-01T10:00:00,299300,668300\n").encode())}).status_code == 500
    assert (_count(service, incidents), _count(service, batches), _ingest_audits(service)) == (0, 0, 0)


# ------------------------------------------------------------------ ids beyond 64 bits


@pytest.mark.parametrize("key_id", ["18446744073709551616", "9223372036854775807", "2147483648", "0", "-1", "1e3", "x"])
def test_key_ids_out_of_range_are_422(client, key_id) -> None:
    r = client.delete(f"/api/v1/keys/{key_id}")
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM and r.json()["param"] == "key_id"


def test_largest_key_id_is_404(client) -> None:
    r = client.delete(f"/api/v1/keys/{2**31 - 1}")
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM


# ------------------------------------------------------------------ hostile uploads

def test_hostile_uploads_are_never_a_500(tmp_path, boundaries) -> None:
    svc = make_service("sqlite", tmp_path, boundaries)
    seen = {}
    with TestClient(create_app(service=svc), raise_server_exceptions=False) as c:
        c.headers["X-API-Key"] = ADMIN_KEY
        for fmt, what, name, data in CASES:
            r = c.post("/api/v1/incidents/upload", params={"format": fmt}, files={"file": (name, data, "text/csv")})
            assert r.status_code in (200, 413, 422), (fmt, what, r.status_code, r.text[:300])
            if r.status_code != 200:
                assert r.headers["content-type"] == PROBLEM and r.json()["detail"]
            seen[(fmt, what)] = r
    for fmt in HEADERS:  # a header and no rows: an empty batch report
        doc = seen[(fmt, "header only")].json()
        assert (doc["received"], doc["accepted"], doc["rejected"], doc["errors"]) == (0, 0, 0, [])
        assert seen[(fmt, "header only, BOM and CRLF")].json()["received"] == 0
        assert seen[(fmt, "empty")].status_code == 422 and seen[(fmt, "BOM only")].status_code == 422
    with svc.engine.connect() as conn:  # path-like names are stored as their last part only
        names = {r[0] for r in conn.execute(sa.select(batches.c.filename))}
    assert "passwd" in names and "x.csv" in names and not any("/" in (n or "") or "\\" in (n or "") for n in names)
    assert _count(svc, incidents) == 0
