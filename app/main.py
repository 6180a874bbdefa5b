"""Application factory: routers, problem+json handlers, lifespan that loads the geography."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import APIRoute

from app import assets
from app.config import Settings, get_settings
from app.errors import add_problem_handlers
from app.routes import (
    audit,
    deprivation,
    evaluations,
    health,
    hotspots,
    incidents,
    keys,
    maps,
    stats,
    tasking,
    wards,
)
from app.service import Service

log = logging.getLogger("hotspots")
API = "/api/v1"


def _unique_id(route: APIRoute) -> str:
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def create_app(settings: Settings | None = None, *, service: Service | None = None) -> FastAPI:
    """Build the FastAPI app (``service`` may be injected by tests)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        svc = service or Service(settings or get_settings())
        app.state.service = svc
        if svc.settings.auth == "off":
            log.warning("!!! HOTSPOTS_AUTH=off: NO AUTHENTICATION — every caller is admin. Local demo only. !!!")
        yield

    app = FastAPI(
        title="West Lothian joint tasking hotspots",
        version="0.1.0",
        lifespan=lifespan,
        generate_unique_id_function=_unique_id,
        docs_url="/docs",
    )
    add_problem_handlers(app)
    for module in (health, incidents, wards, stats, hotspots, deprivation, evaluations, tasking, audit, keys, maps):
        app.include_router(module.router, prefix=API)
    app.include_router(assets.router)  # /static/vendor/...: the map JS/CSS from node_modules
    return app
