"""The meeting in the browser: sign-in by key, CSRF tokens, the pages' contexts and the
forms turned into the same request bodies the JSON API takes.

The pages (``app/routes/meeting_pages.py``) call the same :mod:`app.tasking` service
functions as ``/api/v1/tasking``; this module only adds what a browser needs.

Sign-in: the key comes from the ``X-API-Key`` header or the ``key`` cookie set by the
sign-in form (HttpOnly, SameSite=Strict); with ``HOTSPOTS_AUTH=off`` no sign-in.
CSRF: a random ``csrf`` cookie (HttpOnly, SameSite=Strict) is the session; every form
carries ``HMAC-SHA256(session, key)``, so a token is valid for one browser session and
one key only, and a page on another site can neither read nor forge it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request

from app.deps import get_principal
from app.errors import ApiError
from app.security import Principal
from app.service import Service
from app.tasking.config import tasking_config
from app.tasking.pack import fmt_num, verdict_parts
from app.tasking.review import meeting_view
from app.tasking.schemas import STATUSES, ActionIn, UpdateIn
from app.tasking.store import list_meetings, may_change

KEY_COOKIE = "key"
CSRF_COOKIE = "csrf"
TEMPLATES = Path(__file__).parent / "templates"
ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
ENV.filters["num"] = fmt_num
ENV.filters["verdict_parts"] = verdict_parts


class SignInRequired(Exception):
    """No usable key: the page shows the sign-in form instead (``message`` says why)."""

    def __init__(self, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.message, self.status = message, status


# --------------------------------------------------------------------------- who and CSRF
def page_key(request: Request) -> str | None:
    """The key of a page request: the ``X-API-Key`` header, else the ``key`` cookie."""
    return request.headers.get("x-api-key") or request.cookies.get(KEY_COOKIE) or None


def page_principal(request: Request, svc: Service) -> Principal:
    """The caller of a page (the API's own key check and rate limit), or
    :class:`SignInRequired` when there is no key or it is refused."""
    key = page_key(request)
    if svc.settings.auth != "off" and not key:
        raise SignInRequired("Sign in with your API key to open the meetings.")
    try:
        return get_principal(request, svc, key)
    except ApiError as exc:
        if exc.status in (401, 429):
            raise SignInRequired(exc.detail, exc.status) from exc
        raise


def session_seed(request: Request) -> tuple[str, bool]:
    """(the browser session's CSRF seed, whether it is new and must be set as a cookie)."""
    seed = request.cookies.get(CSRF_COOKIE)
    if seed and len(seed) >= 32:
        return seed, False
    return secrets.token_urlsafe(32), True


def csrf_token(seed: str, key: str | None) -> str:
    """The form token of a session seed and a key (empty key with auth off)."""
    return hmac.new(seed.encode(), (key or "").encode(), hashlib.sha256).hexdigest()


def check_csrf(request: Request, token: str | None, key: str | None) -> None:
    """403 unless ``token`` is the token of this browser session and this key."""
    seed = request.cookies.get(CSRF_COOKIE)
    if not seed or not token or not hmac.compare_digest(csrf_token(seed, key), token):
        raise ApiError(
            403,
            "the form has expired or did not come from this service: reload the page and try again",
            param="csrf",
        )


def require_role(who: Principal, role: str) -> None:
    """403 unless ``who`` has ``role`` or a stronger one (as the API's role checks)."""
    if not who.at_least(role):
        raise ApiError(403, f"this needs the {role} role or higher; your key is {who.role}")


# --------------------------------------------------------------------------- forms
def _blank(v: str | None) -> str | None:
    v = (v or "").strip()
    return v or None


def _codes(v: str | None) -> list[str] | None:
    parts = [p.strip() for p in (v or "").replace(";", ",").replace("\n", ",").split(",")]
    return [p for p in parts if p] or None


def action_from_form(form: dict[str, str]) -> ActionIn:
    """The add-action form as the API's :class:`ActionIn` (422 naming the field)."""
    area = {
        "hotspot_id": _blank(form.get("hotspot_id")),
        "ward": _blank(form.get("ward")),
        "datazones": _codes(form.get("datazones")),
    }
    try:
        return ActionIn.model_validate(
            {
                "title": (form.get("title") or "").strip(),
                "description": _blank(form.get("description")),
                "area": {k: v for k, v in area.items() if v is not None},
                "categories": _codes(form.get("categories")),
                "owner": {
                    "name": (form.get("owner_name") or "").strip(),
                    "organisation": (form.get("owner_organisation") or "").strip(),
                },
                "due_date": _blank(form.get("due_date")),
                "status": _blank(form.get("status")) or "open",
            }
        )
    except ValueError as exc:
        raise ApiError(422, _first_error(exc)) from exc


def update_from_form(form: dict[str, str]) -> UpdateIn:
    """The record-an-update form as the API's :class:`UpdateIn`."""
    try:
        return UpdateIn.model_validate(
            {"note": (form.get("note") or "").strip(), "status": _blank(form.get("status"))}
        )
    except ValueError as exc:
        raise ApiError(422, _first_error(exc)) from exc


def _first_error(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        e = errors()[0]
        where = ".".join(str(p) for p in e.get("loc", ()))
        return f"`{where}`: {e.get('msg', 'invalid')}"
    return str(exc)


# --------------------------------------------------------------------------- pages
def render(name: str, **context: Any) -> str:
    """A page from ``templates/<name>`` with the pages' stylesheet inlined."""
    css = (TEMPLATES / "pages.css").read_text(encoding="utf-8")
    return ENV.get_template(name).render(context, css=css)


def meetings_context(svc: Service, who: Principal) -> dict[str, Any]:
    """The meetings list: every meeting, newest first, with its group."""
    return {"who": who, "meetings": list_meetings(svc)["rows"], "auth": svc.settings.auth}


def meeting_context(svc: Service, who: Principal, meeting_id: int) -> dict[str, Any]:
    """The meeting page: the meeting view plus what the forms offer (wards, members)."""
    view = meeting_view(svc, who, meeting_id)
    cfg = tasking_config(svc)
    g = cfg.group(view["meeting"]["group"])
    wards = svc.boundaries.wards
    if g.area != "all":
        wards = wards[wards["code"].isin(svc.boundaries.group_wards(g.area))]
    hc = view["hotspots"]
    return {
        "who": who,
        "auth": svc.settings.auth,
        "view": view,
        "hotspots": [p | {"state": "new"} for p in hc["new"]]
        + [p | {"state": "continuing"} for p in hc["continuing"]],
        "wards": list(zip(wards["code"], wards["name"], strict=True)),
        "ward_names": dict(
            zip(svc.boundaries.wards["code"], svc.boundaries.wards["name"], strict=True)
        ),
        "members": list(g.members),
        "statuses": STATUSES,
        "can_add": who.at_least("analyst"),
        "can_update": who.at_least("partner"),
        "changeable": {
            a["id"]
            for a in view["actions_due"] + view["actions_set"]
            if who.at_least("partner") and may_change(cfg, who, a["owner"]["organisation"])
        },
    }
