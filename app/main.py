"""Application factory: routers, problem+json handlers, lifespan that loads the geography."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import APIRoute

from app import assets, chromium, docs_assets, edges
from app.config import Settings, get_settings
from app.errors import add_problem_handlers
from app.routes import (
    assessments,
    audit,
    backtest,
    deprivation,
    emerging,
    evaluations,
    feeds,
    health,
    home,
    hotspots,
    incidents,
    keys,
    maps,
    meeting_pages,
    patterns,
    stats,
    tasking,
    wards,
)
from app.service import Service
from geo.hotspots._grid import warm_up
from geo.hotspots.background import study_area

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
        chromium.configure(svc.settings.max_renders, svc.settings.render_wait_s)
        warm_up()  # the hotspot kernels' first (numba) call, paid at start rather than by the first request
        study_area(svc.boundaries)  # the union of the data zones (hotspot background), built once at start
        if svc.settings.auth == "off":
            log.warning("!!! HOTSPOTS_AUTH=off: NO AUTHENTICATION — every caller is admin. Local demo only. !!!")
        yield

    app = FastAPI(
        title="West Lothian joint tasking hotspots",
        version="0.1.0",
        lifespan=lifespan,
        generate_unique_id_function=_unique_id,
        docs_url=None,  # /docs and /redoc: app/docs_assets.py (local Swagger UI / ReDoc files)
        redoc_url=None,
    )
    add_problem_handlers(app)
    edges.install(app)  # body limits; Host check when auth is off
    # backtest (and emerging) before hotspots: /hotspots/backtest must not be read as a hotspot route
    for module in (health, incidents, wards, stats, backtest, emerging, hotspots, patterns, deprivation, evaluations, tasking, audit,
                   keys, maps, feeds, assessments):
        app.include_router(module.router, prefix=API)
    app.include_router(assets.router)  # /static/vendor/...: the map JS/CSS from node_modules
    app.include_router(docs_assets.router)
    app.include_router(home.router)  # GET /: the home page
    app.include_router(meeting_pages.router)  # /meetings: the meeting in the browser
    return app
