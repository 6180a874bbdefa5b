"""Starting the HTTP service: bind checks, schema checks, one or several workers.

``hotspots serve`` (see :mod:`app.cli`) goes through :func:`prepare` then :func:`run`:

* with ``HOTSPOTS_AUTH=off`` only a loopback address may be bound (:func:`bind_error`);
* the database is migrated first, under a PostgreSQL advisory lock (:mod:`app.migrate`), so
  replicas may start together; with ``--no-migrate`` it must already be at the code's
  revision; workers never migrate;
* ``--workers N`` (N > 1, PostgreSQL only) runs N uvicorn worker processes, each building
  its app with :func:`worker_app`; the parent has already checked the schema, created the
  bootstrap admin key and built the daily counts, so the workers only read at start-up.
  The rate limit lives in the database (:mod:`app.ratelimit`), shared by the workers.
"""

from __future__ import annotations

import copy
import ipaddress
from typing import Any

from app.config import Settings
from app.service import Service

LOOPBACK_NAMES = ("localhost",)


class ServeError(Exception):
    """The service cannot start; the message is one line for people."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (``127.0.0.0/8``, ``::1``) or ``localhost``."""
    h = host.strip().strip("[]").lower()
    if h in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


def bind_error(settings: Settings, host: str) -> str | None:
    """Why ``host`` may not be bound with these settings (None: it may)."""
    if settings.auth == "off" and not is_loopback(host):
        return (f"HOTSPOTS_AUTH=off serves every caller as admin, so it listens on loopback only: "
                f"--host {host} refused (use 127.0.0.1, or switch auth on)")
    return None


def prepare(settings: Settings, *, host: str, workers: int = 1, migrate: bool = False) -> Service:
    """Check the bind address and the schema (migrating when asked); the parent's service.

    Raises :class:`ServeError` (one line) when the service must not start.
    """
    from app.db import make_engine, upgrade
    from app.migrate import state
    from geo.boundaries import load_boundaries

    msg = bind_error(settings, host)
    if msg:
        raise ServeError(msg)
    if workers < 1:
        raise ServeError("--workers must be 1 or more")
    url = settings.effective_database_url
    if workers > 1 and not url.startswith("postgresql"):
        raise ServeError("--workers N > 1 needs PostgreSQL (HOTSPOTS_DATABASE_URL=postgresql+psycopg://…)")
    boundaries = load_boundaries(settings.effective_boundaries_dir, area=settings.area)  # BoundaryError: the caller's one line
    engine = make_engine(url)
    try:
        st = state(engine)
        if not st.up_to_date:
            if not migrate:
                raise ServeError(f"{st.describe()}: run `hotspots db upgrade` first (or `hotspots serve` without --no-migrate)")
            upgrade(engine)
    finally:
        engine.dispose()
    return Service(settings, boundaries=boundaries, migrate=False)


def log_config() -> dict[str, Any]:
    """uvicorn's logging configuration with the worker's process id on every line."""
    from uvicorn.config import LOGGING_CONFIG

    cfg = copy.deepcopy(LOGGING_CONFIG)
    cfg["formatters"]["default"]["fmt"] = "%(levelprefix)s [%(process)d] %(message)s"
    cfg["formatters"]["access"]["fmt"] = '%(levelprefix)s [%(process)d] %(client_addr)s - "%(request_line)s" %(status_code)s'
    return cfg


def run(settings: Settings, svc: Service, *, host: str, port: int, workers: int = 1) -> None:
    """Serve until interrupted: in this process, or in ``workers`` worker processes."""
    import uvicorn

    from app.main import create_app

    if workers == 1:
        uvicorn.run(create_app(settings, service=svc), host=host, port=port, log_level="info", log_config=log_config())
        return
    svc.engine.dispose()  # the workers open their own connections
    uvicorn.run("app.serving:worker_app", factory=True, host=host, port=port, workers=workers,
                log_level="info", log_config=log_config())


def worker_app() -> Any:
    """App factory of one worker process of ``hotspots serve --workers N`` (never migrates)."""
    from app.main import create_app

    settings = Settings()
    return create_app(settings, service=Service(settings, migrate=False))
