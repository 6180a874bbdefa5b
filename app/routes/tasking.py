"""Joint tasking API: groups, meetings, actions and their updates, the meeting view and
the pack. The domain lives in :mod:`app.tasking`; these routes parse, call one service
function and send the result."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from app.deps import AnalystDep, PartnerDep, PrincipalDep, ServiceDep
from app.params import MAX_ID, RowId
from app.tasking import store
from app.tasking.pack import meeting_pack as build_pack
from app.tasking.review import meeting_view
from app.tasking.schemas import ActionIn, ActionPatch, MeetingIn, Status, UpdateIn

router = APIRouter(prefix="/tasking", tags=["tasking"])
MeetingId = RowId
ActionId = RowId


@router.get("/groups")
def list_groups(svc: ServiceDep, who: PrincipalDep) -> dict[str, Any]:
    """The tasking groups with their area, cadence and member organisations (configuration)."""
    return store.list_groups(svc)


@router.post("/meetings", status_code=201)
def create_meeting(body: MeetingIn, svc: ServiceDep, who: AnalystDep) -> dict[str, Any]:
    """Record a tasking meeting (group, date, analysed period)."""
    return store.create_meeting(svc, who, body)


@router.get("/meetings")
def list_meetings(
    svc: ServiceDep, who: PrincipalDep, group: str | None = None
) -> dict[str, Any]:
    """Meetings, newest first (optionally of one group)."""
    return store.list_meetings(svc, group)


@router.get("/meetings/{meeting_id}")
def get_meeting(
    meeting_id: MeetingId, svc: ServiceDep, who: PrincipalDep
) -> dict[str, Any]:
    """The meeting view: actions set, actions due with the change in their areas, new hotspots."""
    return meeting_view(svc, who, meeting_id)


@router.post("/meetings/{meeting_id}/actions", status_code=201)
def create_action(
    meeting_id: MeetingId, body: ActionIn, svc: ServiceDep, who: AnalystDep
) -> dict[str, Any]:
    """Set an action at a meeting: place, owner, due date, status."""
    return store.create_action(svc, who, meeting_id, body)


@router.get("/actions")
def list_actions(
    svc: ServiceDep,
    who: PrincipalDep,
    group: str | None = None,
    status: Annotated[list[Status] | None, Query()] = None,
    meeting_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    organisation: str | None = None,
) -> dict[str, Any]:
    """Actions (oldest meeting first), filtered by group, status, meeting or owner organisation."""
    return store.list_actions(
        svc,
        group=group,
        status=list(status) if status else None,
        meeting_id=meeting_id,
        organisation=organisation,
    )


@router.get("/actions/{action_id}")
def get_action(
    action_id: ActionId, svc: ServiceDep, who: PrincipalDep
) -> dict[str, Any]:
    """One action with its updates."""
    return store.get_action(svc, action_id)


@router.patch("/actions/{action_id}")
def update_action(
    action_id: ActionId, body: ActionPatch, svc: ServiceDep, who: PartnerDep
) -> dict[str, Any]:
    """Change an action's status, owner, due date, title or description (recorded as an update)."""
    return store.update_action(svc, who, action_id, body)


@router.post("/actions/{action_id}/updates", status_code=201)
def add_update(
    action_id: ActionId, body: UpdateIn, svc: ServiceDep, who: PartnerDep
) -> dict[str, Any]:
    """Report progress on an action (optionally changing its status)."""
    return store.add_update(svc, who, action_id, body)


@router.get("/meetings/{meeting_id}/pack")
def meeting_pack(
    meeting_id: MeetingId,
    svc: ServiceDep,
    who: PrincipalDep,
    format: Literal["html", "pdf"] = "html",
) -> Response:
    """The meeting's tasking pack: map, hotspots, ward statistics, deprivation, actions due, sources."""
    pack = build_pack(svc, who, meeting_id, format)
    headers = {"Content-Disposition": pack.disposition}
    if format == "pdf":
        return Response(pack.content, media_type=pack.media_type, headers=headers)
    return HTMLResponse(pack.content, headers=headers)
