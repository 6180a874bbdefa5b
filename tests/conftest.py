"""Shared fixtures: real boundaries, a service on SQLite and on PostgreSQL/PostGIS."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.service import Service
from geo.boundaries import Boundaries, load_boundaries

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("HOTSPOTS_TEST_SHARED", ROOT.parent / "shared"))
# The boundaries the package ships (data/boundaries/); HOTSPOTS_TEST_BOUNDARIES overrides them.
BOUNDARIES = Path(os.environ.get("HOTSPOTS_TEST_BOUNDARIES", ROOT / "data" / "boundaries"))


def shared_data(relpath: str) -> Path:
    """A real open-data file from ``shared/data`` (HOTSPOTS_TEST_SHARED).

    In CI a missing file fails the test; on a machine with only the clone it skips, with
    the path it looked for.
    """
    path = SHARED / "data" / relpath
    if not path.exists():
        msg = f"real data file {path} not found (set HOTSPOTS_TEST_SHARED)"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return path
PG_URL = os.environ.get("HOTSPOTS_TEST_PG_URL")
ADMIN_KEY = "test-admin-key-123"


@pytest.fixture(scope="session")
def boundaries() -> Boundaries:
    return load_boundaries(BOUNDARIES)


def _backends() -> list[object]:
    params: list[object] = ["sqlite"]
    if PG_URL:
        params.append(pytest.param("postgres", marks=pytest.mark.postgres))
    elif os.environ.get("CI"):
        raise RuntimeError("CI must run the PostgreSQL tests: set HOTSPOTS_TEST_PG_URL")
    else:
        params.append(pytest.param("postgres", marks=[pytest.mark.postgres, pytest.mark.skip(reason="HOTSPOTS_TEST_PG_URL not set")]))
    return params


def _clean_pg(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        names = ("incidents", "batches", "api_keys", "evaluations", "hotspots", "daily_counts", "daily_ward_counts",
                 "tasking_updates", "tasking_actions", "tasking_meetings", "audit_log", "rate_buckets", "feeds")
        present = [n for n in names if conn.execute(sa.text(f"select to_regclass('public.{n}')")).scalar()]
        if present:
            conn.execute(sa.text(f"TRUNCATE {', '.join(present)} RESTART IDENTITY"))
    engine.dispose()


def make_service(backend: str, tmp_path: Path, boundaries: Boundaries, **overrides: object) -> Service:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
    else:
        assert PG_URL
        _clean_pg(PG_URL)
        url = PG_URL
    settings = Settings(
        database_url=url, boundaries_dir=BOUNDARIES, admin_key=ADMIN_KEY, data_dir=tmp_path, **overrides  # type: ignore[arg-type]
    )
    return Service(settings, boundaries=boundaries)


@pytest.fixture(params=_backends())
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def service(backend: str, tmp_path: Path, boundaries: Boundaries) -> Iterator[Service]:
    svc = make_service(backend, tmp_path, boundaries)
    yield svc
    svc.engine.dispose()


@pytest.fixture
def client(service: Service) -> Iterator[TestClient]:
    with TestClient(create_app(service=service), raise_server_exceptions=False) as c:
        c.headers["X-API-Key"] = ADMIN_KEY
        yield c
