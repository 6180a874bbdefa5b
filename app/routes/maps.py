"""Tasking maps: ``GET /maps/tasking/{east|west|all}`` (Folium HTML) and ``.png``.

The maps themselves are built by :mod:`app.mapping`; these routes parse the query,
call it and send the page or the snapshot.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.deps import PrincipalDep, ServiceDep
from app.errors import ApiError
from app.mapping import (
    DEFAULT_DAYS,
    HotspotMethod,
    HotspotParams,
    check_group,
    local_day,
    print_page,
    screenshot_html,
    tasking_map_html,
)
from app.params import FilterQuery, PlaceFilterDep
from app.security import Principal
from app.service import Filters, Service
from geo.periods import Window

router = APIRouter(prefix="/maps", tags=["maps"])
NO_STORE = {"Cache-Control": "private, no-store"}


def _filename(g: str, window: Window, ext: str) -> str:
    return f"tasking-{g}-{local_day(window.start)}-to-{local_day(window.end)}.{ext}"


def _filters(svc: Service, who: Principal, g: str, q: FilterQuery) -> Filters:
    """The map's filters: the path names the group, so a `group` query must agree.
    A restricted caller's window is widened to whole months, as for every analysis
    endpoint (disclosure rule 7), so that the map's layers equal the API's."""
    if q.group is not None and q.group.strip().lower() != g:
        raise ApiError(
            422,
            f"`group` is given by the path ({g}); got {q.group!r} as well",
            param="group",
        )
    return dataclasses.replace(q, group=None).resolve(svc, who=who, default_days=DEFAULT_DAYS)


@router.get(
    "/tasking/{group}.png",
    response_class=Response,
    responses={
        200: {"content": {"image/png": {}}, "description": "PNG snapshot of the map"}
    },
)
def tasking_png(
    svc: ServiceDep,
    who: PrincipalDep,
    group: str,
    q: PlaceFilterDep,
    method: HotspotMethod = "dbscan",
    eps_m: Annotated[float | None, Query(gt=0, le=5000)] = None,
    min_samples: Annotated[int | None, Query(ge=2, le=10_000)] = None,
    width: Annotated[int | None, Query(ge=400, le=4000)] = None,
    height: Annotated[int | None, Query(ge=300, le=4000)] = None,
) -> Response:
    """PNG snapshot (headless Chromium) of the tasking map, for meeting packs: without
    the zoom and layer controls (a picture has no buttons)."""
    g = check_group(group)
    f = _filters(svc, who, g, q)
    page = tasking_map_html(
        svc,
        who,
        g,
        f,
        standalone=True,
        hotspot_params=HotspotParams(
            method=method, eps_m=eps_m, min_samples=min_samples
        ),
    )
    png = screenshot_html(svc.settings, print_page(page), width=width, height=height)
    assert f.window is not None
    headers = NO_STORE | {
        "Content-Disposition": f'inline; filename="{_filename(g, f.window, "png")}"'
    }
    return Response(png, media_type="image/png", headers=headers)


@router.get("/tasking/{group}", response_class=HTMLResponse)
def tasking(
    request: Request,
    svc: ServiceDep,
    who: PrincipalDep,
    group: str,
    q: PlaceFilterDep,
    method: HotspotMethod = "dbscan",
    eps_m: Annotated[float | None, Query(gt=0, le=5000)] = None,
    min_samples: Annotated[int | None, Query(ge=2, le=10_000)] = None,
    min_cluster_size: Annotated[int | None, Query(ge=2, le=100_000)] = None,
    standalone: bool = False,
) -> HTMLResponse:
    """Folium tasking map of the group (text/html); ``standalone=true`` downloads one
    offline file with every asset inlined (default window: the last 90 days)."""
    g = check_group(group)
    f = _filters(svc, who, g, q)
    hp = HotspotParams(
        method=method,
        eps_m=eps_m,
        min_samples=min_samples,
        min_cluster_size=min_cluster_size,
    )
    page = tasking_map_html(
        svc,
        who,
        g,
        f,
        standalone=standalone,
        hotspot_params=hp,
        root_path=str(request.scope.get("root_path") or ""),
    )
    headers = dict(NO_STORE)
    if standalone:
        assert f.window is not None
        headers["Content-Disposition"] = (
            f'attachment; filename="{_filename(g, f.window, "html")}"'
        )
    return HTMLResponse(page, headers=headers)
