"""The service as real processes: `hotspots db upgrade`, `serve` refusing what it must,
a large upload not stalling other requests, a rate limit shared by two workers on
PostgreSQL, and a server killed (SIGKILL) in the middle of an upload storing all or none."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np
import pytest
import sqlalchemy as sa

from app.migrate import head_revision
from tests.conftest import BOUNDARIES, PG_URL, _clean_pg

HEAD = head_revision()  # the newest migration


EXE = str(Path(sys.executable).parent / "hotspots")
ADMIN = "workers-admin-key-1"
POINTS = [(299300, 668300), (306500, 668800), (293200, 666000)]
pg_only = pytest.mark.postgres


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("HOTSPOTS_")}
    e |= {"HOTSPOTS_DATA_DIR": str(tmp_path / "data"), "HOTSPOTS_BOUNDARIES_DIR": str(BOUNDARIES),
          "HOTSPOTS_ADMIN_KEY": ADMIN}
    return e | extra


def cli(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([EXE, *args], capture_output=True, text=True, env=_env(tmp_path, **env), cwd=tmp_path,
                          timeout=120, check=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A `hotspots serve` subprocess on 127.0.0.1 (stderr captured to a file)."""

    def __init__(self, tmp_path: Path, args: list[str], **env: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = tmp_path / f"server-{self.port}.log"
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen([EXE, "serve", "--port", str(self.port), *args], env=_env(tmp_path, **env),
                                         cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, *, workers: int = 1, timeout: float = 90.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            assert self.proc.poll() is None, self.text()
            if self.text().count("Application startup complete") >= workers:
                try:
                    if httpx.get(self.base + "/api/v1/health", timeout=2).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
            time.sleep(0.2)
        raise AssertionError("server did not start:\n" + self.text())

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


@contextmanager
def server(tmp_path: Path, args: list[str], *, workers: int = 1, **env: str) -> Iterator[Server]:
    s = Server(tmp_path, args, **env)
    try:
        s.wait_ready(workers=workers)
        yield s
    finally:
        s.stop()


def big_csv(n: int, *, seed: int = 7, prefix: str = "BIG") -> bytes:
    """``n`` valid native rows inside West Lothian (seeded)."""
    rng = np.random.default_rng(seed)
    pts = np.array(POINTS)[rng.integers(0, len(POINTS), n)] + rng.integers(-60, 60, (n, 2))
    days = rng.integers(0, 700, n)
    cats = np.array(["vandalism", "theft", "antisocial_behaviour"])[rng.integers(0, 3, n)]
    start = np.datetime64("2021-01-01T10:00:00")
    when = (start + days.astype("timedelta64[D]")).astype(str)
    lines = [f"{prefix}-{i},police,{c},{t},{x},{y}" for i, (c, t, (x, y)) in enumerate(zip(cats, when, pts, strict=True))]
    return ("source_id,agency,category,occurred_at,easting,northing\n" + "\n".join(lines) + "\n").encode()


# ------------------------------------------------------------------ CLI: migrations and refusals


def test_db_upgrade_is_explicit_and_serve_refuses_an_unmigrated_database(tmp_path) -> None:
    r = cli(["db", "status"], tmp_path)
    assert r.returncode == 1 and "never migrated" in r.stdout
    # `serve` migrates by default (the contract's `hotspots serve` on a fresh database);
    # with --no-migrate it refuses a database whose schema is behind
    r = cli(["serve", "--no-migrate", "--port", str(free_port())], tmp_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr.strip().count("\n") == 0 and "hotspots db upgrade" in r.stderr
    r = cli(["db", "upgrade"], tmp_path)
    assert r.returncode == 0 and f"database schema at {HEAD} (was empty)" in r.stdout, r.stdout + r.stderr
    r = cli(["db", "upgrade"], tmp_path)
    assert r.returncode == 0 and r.stdout.strip() == f"database schema at {HEAD}"
    r = cli(["db", "status"], tmp_path)
    assert r.returncode == 0 and "up to date" in r.stdout


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::", "example.org"])
def test_auth_off_refuses_a_non_loopback_bind(tmp_path, host) -> None:
    for cmd in (["serve", "--migrate"], ["demo"]):
        r = cli([*cmd, "--host", host, "--port", str(free_port())], tmp_path, HOTSPOTS_AUTH="off")
        assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
        assert "loopback" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_auth_off_cli_refuses_key_creation(tmp_path) -> None:
    r = cli(["keys", "create", "--role", "admin", "--name", "x"], tmp_path, HOTSPOTS_AUTH="off")
    assert r.returncode == 2 and "HOTSPOTS_AUTH=off" in r.stderr and "hs_" not in r.stdout


def test_workers_need_postgresql(tmp_path) -> None:
    r = cli(["serve", "--migrate", "--workers", "2", "--port", str(free_port())], tmp_path)
    assert r.returncode == 1 and "PostgreSQL" in r.stderr


# ------------------------------------------------------------------ a large upload off the event loop


def test_large_upload_does_not_stall_health(tmp_path) -> None:
    data = big_csv(120_000)
    with server(tmp_path, ["--migrate"]) as s:
        done: dict[str, object] = {}

        def post() -> None:
            t0 = time.monotonic()
            r = httpx.post(s.base + "/api/v1/incidents/upload", files={"file": ("big.csv", data)},
                           headers={"X-API-Key": ADMIN}, timeout=300)
            done.update(status=r.status_code, seconds=time.monotonic() - t0, doc=r.json())

        t = threading.Thread(target=post)
        t.start()
        worst, probes = 0.0, 0
        time.sleep(0.3)
        while t.is_alive():
            t0 = time.monotonic()
            assert httpx.get(s.base + "/api/v1/health", timeout=30).status_code == 200
            worst, probes = max(worst, time.monotonic() - t0), probes + 1
            time.sleep(0.05)
        t.join()
    assert done["status"] == 200 and done["doc"]["accepted"] == 120_000  # type: ignore[index]
    assert float(done["seconds"]) > 2.0 and probes >= 10  # type: ignore[arg-type]
    assert worst < 1.0, f"/health took {worst:.2f} s during a {done['seconds']:.1f} s upload"


# ------------------------------------------------------------------ two workers, one rate limit


@pg_only
@pytest.mark.skipif(not PG_URL, reason="HOTSPOTS_TEST_PG_URL not set")
def test_two_workers_share_one_rate_limit(tmp_path) -> None:
    assert PG_URL
    _clean_pg(PG_URL)
    limit = 12
    env = {"HOTSPOTS_DATABASE_URL": PG_URL, "HOTSPOTS_RATE_LIMIT_PER_MINUTE": "1", "HOTSPOTS_RATE_LIMIT_BURST": str(limit)}
    codes: list[int] = []
    with server(tmp_path, ["--migrate", "--workers", "2"], workers=2, **env) as s:
        def one() -> None:
            with httpx.Client(headers={"X-API-Key": ADMIN, "Connection": "close"}) as c:
                codes.append(c.get(s.base + "/api/v1/wards", timeout=30).status_code)

        for _ in range(4):  # 4 rounds of 8 concurrent requests on fresh connections
            threads = [threading.Thread(target=one) for _ in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        log = s.text()
    pids = set(re.findall(r"\[(\d+)\] 127\.0\.0\.1:\d+ - \"GET /api/v1/wards", log))
    assert len(pids) == 2, f"requests were not spread over both workers: {pids}"
    assert len(codes) == 32 and codes.count(200) == limit and codes.count(429) == 32 - limit, sorted(codes)


# ------------------------------------------------------------------ SIGKILL in the middle of an upload


def _stored(url: str) -> tuple[int, int, int]:
    eng = sa.create_engine(url)
    with eng.connect() as conn:
        n = conn.execute(sa.text("SELECT count(*) FROM incidents")).scalar_one()
        b = conn.execute(sa.text("SELECT count(*) FROM batches")).scalar_one()
        a = conn.execute(sa.text("SELECT count(*) FROM audit_log WHERE action = 'incidents.ingest'")).scalar_one()
    eng.dispose()
    return int(n), int(b), int(a)


def _inserting(url: str, wal: Path) -> bool:
    """Whether the server is inside the batch's insert (WAL growing / COPY running)."""
    if url.startswith("sqlite"):
        return wal.exists() and wal.stat().st_size > 4_000_000
    eng = sa.create_engine(url)
    with eng.connect() as conn:
        q = "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query ILIKE 'COPY incidents%'"
        busy = conn.execute(sa.text(q)).scalar_one()
    eng.dispose()
    return bool(busy)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pg_only)])
def test_sigkill_during_upload_stores_all_or_nothing(tmp_path, backend) -> None:
    if backend == "postgres":
        if not PG_URL:
            pytest.skip("HOTSPOTS_TEST_PG_URL not set")
        _clean_pg(PG_URL)
        url = PG_URL
    else:
        url = f"sqlite:///{tmp_path / 'data' / 'hotspots.db'}"
    n = 150_000
    data = big_csv(n, seed=11, prefix="KILL")
    s = Server(tmp_path, ["--migrate"], HOTSPOTS_DATABASE_URL=url)
    try:
        s.wait_ready()
        result: dict[str, object] = {}

        def post() -> None:
            try:
                r = httpx.post(s.base + "/api/v1/incidents/upload", files={"file": ("kill.csv", data)},
                               headers={"X-API-Key": ADMIN}, timeout=300)
                result["status"] = r.status_code
            except httpx.HTTPError as exc:
                result["error"] = type(exc).__name__

        t = threading.Thread(target=post)
        t.start()
        wal = tmp_path / "data" / "hotspots.db-wal"
        end = time.monotonic() + 120
        while t.is_alive() and time.monotonic() < end and not _inserting(url, wal):
            time.sleep(0.02)
        killed_mid_insert = t.is_alive()
        os.killpg(s.proc.pid, signal.SIGKILL)
        s.proc.wait()
        t.join(timeout=30)
    finally:
        s.stop()
    assert killed_mid_insert and "status" not in result, result  # the response never came
    stored = _stored(url)
    assert stored in ((0, 0, 0), (n, 1, 1)), stored
    assert stored == (0, 0, 0)  # killed inside the transaction: nothing of it survives
