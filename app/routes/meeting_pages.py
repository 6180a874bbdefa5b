"""The meeting in the browser: ``/meetings`` (HTML pages and forms, no script, no CDN).

A chair lists the meetings, opens one (its map, hotspots, actions due with their
before/after change), adds an action, records an update and downloads the pack. The
forms post here and call the same :mod:`app.tasking` functions as ``/api/v1/tasking``;
sign-in, CSRF and the pages' contexts are in :mod:`app.tasking.pages`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.deps import ServiceDep, lookup_limited
from app.errors import ApiError
from app.mapping import tasking_map_html
from app.params import RowId
from app.service import Filters
from app.tasking import pages, store
from app.tasking.config import tasking_config
from app.tasking.docs import meeting_window
from app.tasking.pack import meeting_pack

router = APIRouter(prefix="/meetings", tags=["meeting pages"], include_in_schema=False)
MeetingId = RowId
ActionId = RowId
NO_STORE = {"Cache-Control": "private, no-store"}


async def form_data(request: Request) -> dict[str, str]:
    """The posted form's text fields."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


FormDep = Annotated[dict[str, str], Depends(form_data)]


def _cookie_args(request: Request) -> dict[str, object]:
    return {
        "httponly": True,
        "samesite": "strict",
        "secure": request.url.scheme == "https",
        "path": "/",
    }


def _html(request: Request, name: str, status: int = 200, **context: object) -> Response:
    """A page with a CSRF token for this session and key (the seed cookie set if new)."""
    seed, new = pages.session_seed(request)
    token = pages.csrf_token(seed, pages.page_key(request))
    resp = HTMLResponse(
        pages.render(
            name, csrf=token, done=request.query_params.get("done"), **context
        ),
        status_code=status,
        headers=NO_STORE,
    )
    if new:
        resp.set_cookie(pages.CSRF_COOKIE, seed, **_cookie_args(request))  # type: ignore[arg-type]
    return resp


def _sign_in(request: Request, message: str, status: int = 401) -> Response:
    return _html(request, "sign_in.html", status, message=message, next=request.url.path)


def _page(request: Request, svc: ServiceDep, name: str, build: Callable[..., dict], *args: object) -> Response:
    try:
        who = pages.page_principal(request, svc)
    except pages.SignInRequired as exc:
        return _sign_in(request, exc.message, exc.status)
    try:
        return _html(request, name, **build(svc, who, *args))
    except ApiError as exc:
        return _html(request, "error.html", exc.status, who=who, message=exc.detail)


@router.get("", response_class=HTMLResponse)
def meetings(request: Request, svc: ServiceDep) -> Response:
    """The tasking meetings, newest first."""
    return _page(request, svc, "meetings.html", pages.meetings_context)


@router.post("/sign-in")
def sign_in(request: Request, svc: ServiceDep, form: FormDep) -> Response:
    """Check the key and keep it in the ``key`` cookie (HttpOnly, SameSite=Strict)."""
    key = (form.get("key") or "").strip()
    nxt = form.get("next") or "/meetings"
    nxt = nxt if nxt.startswith("/meetings") else "/meetings"  # no open redirect
    try:
        pages.check_csrf(request, form.get("csrf"), pages.page_key(request))
        if not key:
            raise ApiError(401, "enter your API key")
        lookup_limited(svc, request, key)
    except ApiError as exc:
        return _sign_in(request, exc.detail, exc.status)
    resp = RedirectResponse(nxt, status_code=303)
    resp.set_cookie(pages.KEY_COOKIE, key, **_cookie_args(request))  # type: ignore[arg-type]
    return resp


@router.post("/sign-out")
def sign_out(request: Request, form: FormDep) -> Response:
    """Forget the key cookie."""
    pages.check_csrf(request, form.get("csrf"), pages.page_key(request))
    resp = RedirectResponse("/meetings", status_code=303)
    resp.delete_cookie(pages.KEY_COOKIE, path="/")
    return resp


@router.get("/{meeting_id}", response_class=HTMLResponse)
def meeting(request: Request, svc: ServiceDep, meeting_id: MeetingId) -> Response:
    """One meeting: map, hotspots, actions due with their change, forms, pack."""
    return _page(request, svc, "meeting.html", pages.meeting_context, meeting_id)


def _post(
    request: Request, svc: ServiceDep, form: dict[str, str], meeting_id: int, role: str,
    act: Callable[..., dict],
) -> Response:
    """Check sign-in, CSRF and role, run ``act(who)``, then back to the meeting (303);
    a refused change shows the meeting page again with the reason."""
    try:
        who = pages.page_principal(request, svc)
    except pages.SignInRequired as exc:
        return _sign_in(request, exc.message, exc.status)
    try:
        pages.check_csrf(request, form.get("csrf"), pages.page_key(request))
        pages.require_role(who, role)
        doc = act(who)
    except ApiError as exc:
        try:
            ctx = pages.meeting_context(svc, who, meeting_id)
        except ApiError:
            return _html(request, "error.html", exc.status, who=who, message=exc.detail)
        return _html(request, "meeting.html", exc.status, error=exc.detail, form=form, **ctx)
    return RedirectResponse(f"/meetings/{meeting_id}?done={doc['id']}#action-{doc['id']}", status_code=303)


@router.post("/{meeting_id}/actions")
def add_action(request: Request, svc: ServiceDep, meeting_id: MeetingId, form: FormDep) -> Response:
    """The add-action form: :func:`app.tasking.store.create_action`."""
    return _post(
        request, svc, form, meeting_id, "analyst",
        lambda who: store.create_action(svc, who, meeting_id, pages.action_from_form(form)),
    )


@router.post("/{meeting_id}/actions/{action_id}/updates")
def add_update(
    request: Request, svc: ServiceDep, meeting_id: MeetingId, action_id: ActionId, form: FormDep
) -> Response:
    """The record-an-update form: :func:`app.tasking.store.add_update`."""
    return _post(
        request, svc, form, meeting_id, "partner",
        lambda who: store.add_update(svc, who, action_id, pages.update_from_form(form)),
    )


@router.get("/{meeting_id}/map", response_class=HTMLResponse)
def meeting_map(request: Request, svc: ServiceDep, meeting_id: MeetingId) -> Response:
    """The tasking map of the meeting's group and period (as ``/api/v1/maps/tasking``)."""
    try:
        who = pages.page_principal(request, svc)
    except pages.SignInRequired as exc:
        return _sign_in(request, exc.message, exc.status)
    row = store.meeting_row(svc, meeting_id)
    area = tasking_config(svc).group(row.group_code).area
    page = tasking_map_html(
        svc, who, area, Filters(window=meeting_window(row)),
        root_path=str(request.scope.get("root_path") or ""),
    )
    return HTMLResponse(page, headers=NO_STORE)


@router.get("/{meeting_id}/pack")
def pack(
    request: Request, svc: ServiceDep, meeting_id: MeetingId, format: Literal["html", "pdf"] = "pdf"
) -> Response:
    """The meeting's pack (PDF by default; ``format=html`` opens it in the browser)."""
    try:
        who = pages.page_principal(request, svc)
    except pages.SignInRequired as exc:
        return _sign_in(request, exc.message, exc.status)
    p = meeting_pack(svc, who, meeting_id, format)
    headers = NO_STORE | {"Content-Disposition": p.disposition}
    return Response(p.content, media_type=p.media_type, headers=headers)
