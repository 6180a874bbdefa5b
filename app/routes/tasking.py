"""Joint tasking: meetings, actions and their updates, the meeting view and the tasking pack.

A meeting belongs to a group (``east``, ``west``, ``tactical``, ``strategic``; their
area, cadence and membership are configuration, ``geo/data/tasking_config.json``) and
analyses a period. Actions set at a meeting name a place (a hotspot id, a ward or data
zones), an owner (a person and a member organisation of the group), a due date and a
status; updates record what was reported and every change. A meeting's view lists the
group's actions due for review with the before/after change in each action's area since
it was set (the evaluation engine, :func:`geo.evaluation.evaluate_operation`), and the
hotspots of the meeting's period that are new against the previous meeting's period.
The pack is one HTML document (or PDF via headless Chromium) for the meeting.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import logging
import shutil
import tempfile
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
import shapely
import sqlalchemy as sa
from fastapi import APIRouter, Query
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from shapely.geometry import shape
from shapely.ops import transform

import geo
from app import audit
from app import chromium as chromium_cli
from app.db import (
    batches,
    incidents,
    tasking_actions,
    tasking_meetings,
    tasking_updates,
)
from app.deps import AnalystDep, PartnerDep, PrincipalDep, ServiceDep
from app.errors import ApiError
from app.params import default_end, filters_from, group_wards
from app.routes.evaluations import Area, _area, _default_control
from app.security import Principal
from app.service import Filters, Service
from geo.evaluation import evaluate_operation
from geo.ingest import to_bng
from geo.periods import TZ, Window, parse_instant

log = logging.getLogger("hotspots")
router = APIRouter(prefix="/tasking", tags=["tasking"])

CONFIG_FILE = Path(geo.__file__).parent / "data" / "tasking_config.json"
AREAS = ("east", "west", "all")
STATUSES = ("open", "in_progress", "done", "dropped")
OPEN = ("open", "in_progress")
Status = Literal["open", "in_progress", "done", "dropped"]
DEMO_PREFIX = "DEMO-"
SMALL = "<5"
SECTION_TITLES = (
    "Hotspot map",
    "Top hotspots",
    "Ward statistics",
    "Deprivation concentration",
    "Actions due",
    "New hotspots since the last meeting",
    "Data sources and period",
)


# --------------------------------------------------------------------------- configuration
@dataclass(frozen=True)
class GroupConfig:
    """One tasking group: its area (``east``/``west``/``all``), cadence and members."""

    code: str
    name: str
    area: str
    cadence_months: int
    period_months: int
    members: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON dict."""
        return {
            "code": self.code,
            "name": self.name,
            "area": self.area,
            "cadence_months": self.cadence_months,
            "period_months": self.period_months,
            "members": list(self.members),
        }


@dataclass(frozen=True)
class TaskingConfig:
    """The groups, the partner organisations and the pack options."""

    groups: dict[str, GroupConfig]
    organisations: tuple[str, ...]
    hotspot_method: str
    top_hotspots: int
    source: str

    def group(self, code: str, *, param: str = "group") -> GroupConfig:
        """The group ``code`` (case-insensitive) or a 422 naming ``param``."""
        g = self.groups.get(code.strip().lower())
        if g is None:
            raise ApiError(
                422,
                f"`{param}` must be one of {', '.join(self.groups)}, got {code!r}",
                param=param,
            )
        return g


def load_tasking_config(path: Path = CONFIG_FILE) -> TaskingConfig:
    """Read and check the tasking configuration file (ValueError naming the field)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        msg = f"{path}: cannot read the tasking configuration: {exc}"
        raise ValueError(msg) from exc
    orgs = tuple(str(o) for o in doc.get("partner_organisations", []))
    if not orgs:
        msg = f"{path}: `partner_organisations` must list at least one organisation"
        raise ValueError(msg)
    groups: dict[str, GroupConfig] = {}
    for code, g in (doc.get("groups") or {}).items():
        where = f"{path}: groups.{code}"
        area = str(g.get("area", "")).lower()
        if area not in AREAS:
            msg = (
                f"{where}.area must be one of {', '.join(AREAS)}, got {g.get('area')!r}"
            )
            raise ValueError(msg)
        members = tuple(str(m) for m in g.get("members", []))
        unknown = [m for m in members if m not in orgs]
        if not members or unknown:
            msg = f"{where}.members must be a non-empty list of partner_organisations; unknown: {unknown}"
            raise ValueError(msg)
        months = {}
        for k in ("cadence_months", "period_months"):
            v = g.get(k)
            if not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= 24:
                msg = f"{where}.{k} must be an integer 1-24, got {v!r}"
                raise ValueError(msg)
            months[k] = v
        groups[code.lower()] = GroupConfig(
            code=code.lower(),
            name=str(g.get("name") or code),
            area=area,
            members=members,
            **months,
        )
    if not groups:
        msg = f"{path}: `groups` must define at least one group"
        raise ValueError(msg)
    pack = doc.get("pack") or {}
    method = str(pack.get("hotspot_method", "dbscan"))
    if method not in ("dbscan", "hdbscan"):
        msg = f"{path}: pack.hotspot_method must be dbscan or hdbscan"
        raise ValueError(msg)
    top = pack.get("top_hotspots", 10)
    if not isinstance(top, int) or not 1 <= top <= 100:
        msg = f"{path}: pack.top_hotspots must be an integer 1-100"
        raise ValueError(msg)
    return TaskingConfig(
        groups=groups,
        organisations=orgs,
        hotspot_method=method,
        top_hotspots=top,
        source=str(path),
    )


_config_lock = threading.Lock()
_configs: dict[tuple[str, float], TaskingConfig] = {}


def tasking_config(svc: Service) -> TaskingConfig:
    """The service's tasking configuration (re-read when the file changes)."""
    path = Path(svc.settings.tasking_config or CONFIG_FILE)
    try:
        key = (str(path.resolve()), path.stat().st_mtime)
    except OSError as exc:
        raise ApiError(
            503,
            f"the tasking configuration {path} is missing (HOTSPOTS_TASKING_CONFIG)",
        ) from exc
    with _config_lock:
        if key not in _configs:
            try:
                _configs[key] = load_tasking_config(path)
            except ValueError as exc:
                raise ApiError(503, str(exc)) from exc
        return _configs[key]


# --------------------------------------------------------------------------- helpers
def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _iso_utc(ts: datetime | None) -> str | None:
    return None if ts is None else ts.replace(tzinfo=UTC).isoformat()


def _naive(ts: pd.Timestamp) -> datetime:
    return ts.tz_convert("UTC").tz_localize(None).to_pydatetime()


def _utc(ts: datetime) -> pd.Timestamp:
    return pd.Timestamp(ts).tz_localize("UTC")


def local_midnight(d: date) -> pd.Timestamp:
    """Start of local (Europe/London) day ``d`` as a UTC timestamp."""
    return (
        pd.Timestamp(d.isoformat())
        .tz_localize(TZ, ambiguous=True, nonexistent="shift_forward")
        .tz_convert("UTC")
    )


def add_months(d: date, months: int) -> date:
    """``d`` plus ``months`` calendar months (clipped to the month's last day)."""
    return (pd.Timestamp(d) + pd.DateOffset(months=months)).date()


def _period(w: Window) -> dict[str, str]:
    return {
        "from": w.start.tz_convert(TZ).isoformat(),
        "to": w.end.tz_convert(TZ).isoformat(),
        "label": w.label(),
    }


def _small(v: Any) -> Any:
    return (
        SMALL if isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 4 else v
    )


def _group_filters(svc: Service, g: GroupConfig, window: Window) -> Filters:
    return Filters(window=window, wards=group_wards(svc, g.area))


# --------------------------------------------------------------------------- rows -> JSON
def _meeting_window(r: Any) -> Window:
    return Window(_utc(r.period_start), _utc(r.period_end))


def meeting_doc(r: Any, cfg: TaskingConfig) -> dict[str, Any]:
    """A meeting row as JSON."""
    g = cfg.groups.get(r.group_code)
    return {
        "id": int(r.id),
        "group": r.group_code,
        "group_name": g.name if g else r.group_code,
        "area": g.area if g else None,
        "date": r.meeting_date.isoformat(),
        "period": _period(_meeting_window(r)),
        "title": r.title,
        "notes": r.notes,
        "created_at": _iso_utc(r.created_at),
        "created_by": r.created_by,
    }


def _area_spec(kind: str, ref: str) -> dict[str, Any]:
    if kind == "datazones":
        return {"datazones": json.loads(ref)}
    return {"hotspot_id" if kind == "hotspot" else "ward": ref}


def _area_label(svc: Service, kind: str, ref: str) -> str:
    b = svc.boundaries
    if kind == "ward":
        names = b.wards.loc[b.wards["code"] == ref, "name"]
        return f"{names.iloc[0]} ward ({ref})" if len(names) else ref
    if kind == "datazones":
        codes = json.loads(ref)
        names = b.datazones.set_index("code")["name"].reindex(codes).fillna("").tolist()
        shown = [f"{n} ({c})" if n else c for c, n in zip(codes, names, strict=True)]
        more = f" and {len(shown) - 3} more" if len(shown) > 3 else ""
        return (
            f"{len(codes)} data zone{'s' if len(codes) != 1 else ''}: "
            + ", ".join(shown[:3])
            + more
        )
    return f"hotspot {ref}"


def _update_doc(u: Any) -> dict[str, Any]:
    return {
        "id": int(u.id),
        "at": _iso_utc(u.created_at),
        "by": u.created_by,
        "note": u.note,
        "status_from": u.status_from,
        "status_to": u.status_to,
        "changes": json.loads(u.changes) if u.changes else {},
    }


def action_doc(
    svc: Service, r: Any, updates: list[Any], group: str | None = None
) -> dict[str, Any]:
    """An action row (with its updates, oldest first) as JSON."""
    return {
        "id": int(r.id),
        "meeting_id": int(r.meeting_id),
        "group": group,
        "title": r.title,
        "description": r.description,
        "area": {
            "kind": r.area_kind,
            **_area_spec(r.area_kind, r.area_ref),
            "label": _area_label(svc, r.area_kind, r.area_ref),
        },
        "categories": json.loads(r.categories) if r.categories else None,
        "owner": {"name": r.owner_name, "organisation": r.owner_org},
        "due_date": r.due_date.isoformat(),
        "status": r.status,
        "status_changed_at": _iso_utc(r.status_changed_at),
        "created_at": _iso_utc(r.created_at),
        "created_by": r.created_by,
        "updated_at": _iso_utc(r.updated_at),
        "updates": [_update_doc(u) for u in updates],
    }


def _get_meeting(conn: sa.Connection, meeting_id: int) -> Any:
    r = conn.execute(
        sa.select(tasking_meetings).where(tasking_meetings.c.id == meeting_id)
    ).first()
    if r is None:
        raise ApiError(404, f"no tasking meeting {meeting_id}")
    return r


def _updates_by_action(conn: sa.Connection, ids: list[int]) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = {i: [] for i in ids}
    if ids:
        q = (
            sa.select(tasking_updates)
            .where(tasking_updates.c.action_id.in_(ids))
            .order_by(tasking_updates.c.id)
        )
        for u in conn.execute(q):
            out[int(u.action_id)].append(u)
    return out


def _actions(
    svc: Service, where: list[sa.ColumnElement[bool]]
) -> list[tuple[Any, Any]]:
    """(action row, meeting row) pairs matching ``where``, oldest first, with updates."""
    a, m = tasking_actions, tasking_meetings
    q = (
        sa.select(a, m.c.group_code, m.c.meeting_date)
        .join(m, m.c.id == a.c.meeting_id)
        .where(*where)
        .order_by(m.c.meeting_date, a.c.id)
    )
    with svc.engine.connect() as conn:
        rows = conn.execute(q).all()
    return [
        (r, r) for r in rows
    ]  # one row carries both the action and its meeting's group and date


def _action_docs(svc: Service, pairs: list[tuple[Any, Any]]) -> list[dict[str, Any]]:
    with svc.engine.connect() as conn:
        ups = _updates_by_action(conn, [int(r.id) for r, _ in pairs])
    return [
        action_doc(svc, r, ups[int(r.id)], group=m.group_code)
        | {"meeting_date": m.meeting_date.isoformat()}
        for r, m in pairs
    ]


# --------------------------------------------------------------------------- request bodies
class MeetingIn(BaseModel):
    """A tasking meeting; the analysed period defaults to the group's ``period_months``
    whole calendar months before the meeting's month."""

    group: str = Field(
        description="east, west, tactical or strategic (see GET /tasking/groups)"
    )
    date: dt.date
    period_from: str | None = Field(
        default=None, description="ISO date/datetime, Europe/London"
    )
    period_to: str | None = Field(default=None, description="exclusive")
    title: str | None = Field(default=None, max_length=200)
    notes: str | None = Field(default=None, max_length=20_000)


class Owner(BaseModel):
    """Who carries out an action: a person and a member organisation of the group."""

    name: str = Field(min_length=1, max_length=100)
    organisation: str = Field(min_length=1, max_length=100)


class ActionArea(BaseModel):
    """Exactly one of a hotspot id (as served by /hotspots), a ward code or data-zone codes."""

    hotspot_id: str | None = Field(default=None, max_length=40)
    ward: str | None = Field(default=None, max_length=9)
    datazones: list[str] | None = Field(default=None, max_length=239)


class ActionIn(BaseModel):
    """An action set at a meeting (due date default: the next meeting by the group's cadence)."""

    title: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    area: ActionArea
    categories: list[str] | None = None
    owner: Owner
    due_date: dt.date | None = None
    status: Status = "open"


class ActionPatch(BaseModel):
    """Changes to an action; each change is recorded as an update (``note`` optional)."""

    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    owner: Owner | None = None
    due_date: dt.date | None = None
    status: Status | None = None
    note: str | None = Field(default=None, max_length=5000)


class UpdateIn(BaseModel):
    """A progress report on an action, optionally changing its status."""

    note: str = Field(min_length=1, max_length=5000)
    status: Status | None = None


def _org(g: GroupConfig, org: str) -> str:
    for m in g.members:
        if m.casefold() == org.strip().casefold():
            return m
    raise ApiError(
        422,
        f"`owner.organisation` must be a member of the {g.name}: {', '.join(g.members)}",
        param="owner.organisation",
    )


def _categories(svc: Service, cats: list[str] | None) -> list[str] | None:
    if not cats:
        return None
    return filters_from(svc, category=cats, require_window=False).categories or None


# --------------------------------------------------------------------------- endpoints: groups, meetings
@router.get("/groups")
def list_groups(svc: ServiceDep, who: PrincipalDep) -> dict[str, Any]:
    """The tasking groups with their area, cadence and member organisations (configuration)."""
    cfg = tasking_config(svc)
    return {
        "rows": [g.to_dict() for g in cfg.groups.values()],
        "partner_organisations": list(cfg.organisations),
        "source": Path(cfg.source).name,
    }


@router.post("/meetings", status_code=201)
def create_meeting(body: MeetingIn, svc: ServiceDep, who: AnalystDep) -> dict[str, Any]:
    """Record a tasking meeting (group, date, analysed period)."""
    cfg = tasking_config(svc)
    g = cfg.group(body.group)
    if body.period_from or body.period_to:
        if not (body.period_from and body.period_to):
            raise ApiError(
                422,
                "give both `period_from` and `period_to`, or neither",
                param="period_from",
            )
        start = parse_instant(body.period_from, param="period_from")
        end = parse_instant(body.period_to, param="period_to")
        if end <= start:
            raise ApiError(
                422, "`period_to` must be after `period_from`", param="period_to"
            )
    else:
        month_start = body.date.replace(day=1)
        start, end = (
            local_midnight(add_months(month_start, -g.period_months)),
            local_midnight(month_start),
        )
    m = tasking_meetings
    with svc.engine.begin() as conn:
        dup = conn.execute(
            sa.select(m.c.id).where(
                m.c.group_code == g.code, m.c.meeting_date == body.date
            )
        ).scalar()
        if dup is not None:
            raise ApiError(
                409,
                f"the {g.code} group already has meeting {dup} on {body.date.isoformat()}",
                param="date",
            )
        res = conn.execute(
            m.insert().values(
                group_code=g.code,
                meeting_date=body.date,
                period_start=_naive(start),
                period_end=_naive(end),
                title=body.title,
                notes=body.notes,
                created_at=_now(),
                created_by=who.name,
            )
        )
        mid = int(res.inserted_primary_key[0])  # type: ignore[index]
        audit.record(
            conn,
            who,
            "tasking.meeting.create",
            target=mid,
            params={
                "group": g.code,
                "date": body.date.isoformat(),
                "period_from": start.isoformat(),
                "period_to": end.isoformat(),
                "title": body.title,
            },
        )
        row = _get_meeting(conn, mid)
    return meeting_doc(row, cfg)


@router.get("/meetings")
def list_meetings(
    svc: ServiceDep, who: PrincipalDep, group: str | None = None
) -> dict[str, Any]:
    """Meetings, newest first (optionally of one group)."""
    cfg = tasking_config(svc)
    m = tasking_meetings
    q = sa.select(m).order_by(m.c.meeting_date.desc(), m.c.id.desc())
    if group:
        q = q.where(m.c.group_code == cfg.group(group).code)
    with svc.engine.connect() as conn:
        rows = conn.execute(q).all()
    return {"rows": [meeting_doc(r, cfg) for r in rows], "count": len(rows)}


MeetingId = Annotated[int, PathParam(ge=1)]
ActionId = Annotated[int, PathParam(ge=1)]


@router.get("/meetings/{meeting_id}")
def get_meeting(
    meeting_id: MeetingId, svc: ServiceDep, who: PrincipalDep
) -> dict[str, Any]:
    """The meeting view: actions set, actions due with the change in their areas, new hotspots."""
    return meeting_view(svc, who, meeting_id)


# --------------------------------------------------------------------------- endpoints: actions
@router.post("/meetings/{meeting_id}/actions", status_code=201)
def create_action(
    meeting_id: MeetingId, body: ActionIn, svc: ServiceDep, who: AnalystDep
) -> dict[str, Any]:
    """Set an action at a meeting: place, owner, due date, status."""
    cfg = tasking_config(svc)
    with svc.engine.connect() as conn:
        meeting = _get_meeting(conn, meeting_id)
    g = cfg.group(meeting.group_code)
    spec = body.area.model_dump(exclude_none=True)
    area = Area(**spec)
    # checks the area exists; a 422 names area.ward, area.datazones or area.hotspot_id
    _area(svc, area, param="area")
    kind = next(
        k
        for k in ("hotspot_id", "ward", "datazones")
        if getattr(area, k) not in (None, [])
    )
    ref = (
        json.dumps(sorted(set(area.datazones or [])))
        if kind == "datazones"
        else str(getattr(area, kind))
    )
    kind = "hotspot" if kind == "hotspot_id" else kind
    org = _org(g, body.owner.organisation)
    cats = _categories(svc, body.categories)
    due = body.due_date or add_months(meeting.meeting_date, g.cadence_months)
    if due < meeting.meeting_date:
        raise ApiError(
            422,
            "`due_date` cannot be before the meeting that sets the action",
            param="due_date",
        )
    now = _now()
    with svc.engine.begin() as conn:
        res = conn.execute(
            tasking_actions.insert().values(
                meeting_id=meeting_id,
                title=body.title.strip(),
                description=body.description,
                area_kind=kind,
                area_ref=ref,
                categories=None if cats is None else json.dumps(cats),
                owner_name=body.owner.name.strip(),
                owner_org=org,
                due_date=due,
                status=body.status,
                status_changed_at=now,
                created_at=now,
                created_by=who.name,
                updated_at=now,
            )
        )
        aid = int(res.inserted_primary_key[0])  # type: ignore[index]
        audit.record(
            conn,
            who,
            "tasking.action.create",
            target=aid,
            params={
                "meeting_id": meeting_id,
                "title": body.title,
                "area": {kind: ref},
                "categories": cats,
                "owner": body.owner.name,
                "organisation": org,
                "due_date": due.isoformat(),
                "status": body.status,
            },
        )
    return _one_action(svc, aid)


def _one_action(svc: Service, action_id: int) -> dict[str, Any]:
    pairs = _actions(svc, [tasking_actions.c.id == action_id])
    if not pairs:
        raise ApiError(404, f"no tasking action {action_id}")
    return _action_docs(svc, pairs)[0]


@router.get("/actions")
def list_actions(
    svc: ServiceDep,
    who: PrincipalDep,
    group: str | None = None,
    status: Annotated[list[Status] | None, Query()] = None,
    meeting_id: Annotated[int | None, Query(ge=1)] = None,
    organisation: str | None = None,
) -> dict[str, Any]:
    """Actions (oldest meeting first), filtered by group, status, meeting or owner organisation."""
    where: list[sa.ColumnElement[bool]] = []
    if group:
        where.append(
            tasking_meetings.c.group_code == tasking_config(svc).group(group).code
        )
    if status:
        where.append(tasking_actions.c.status.in_(status))
    if meeting_id is not None:
        where.append(tasking_actions.c.meeting_id == meeting_id)
    if organisation:
        where.append(
            sa.func.lower(tasking_actions.c.owner_org) == organisation.strip().lower()
        )
    rows = _action_docs(svc, _actions(svc, where))
    return {"rows": rows, "count": len(rows)}


@router.get("/actions/{action_id}")
def get_action(
    action_id: ActionId, svc: ServiceDep, who: PrincipalDep
) -> dict[str, Any]:
    """One action with its updates."""
    return _one_action(svc, action_id)


def _apply(
    svc: Service,
    who: Principal,
    action_id: int,
    changes_in: dict[str, Any],
    note: str | None,
    *,
    verb: str,
) -> dict[str, Any]:
    """Change an action and record an update + an audit entry in one transaction."""
    cfg = tasking_config(svc)
    a = tasking_actions
    now = _now()
    with svc.engine.begin() as conn:
        row = conn.execute(
            sa.select(a, tasking_meetings.c.group_code, tasking_meetings.c.meeting_date)
            .join(tasking_meetings, tasking_meetings.c.id == a.c.meeting_id)
            .where(a.c.id == action_id)
        ).first()
        if row is None:
            raise ApiError(404, f"no tasking action {action_id}")
        values: dict[str, Any] = {}
        changes: dict[str, list[Any]] = {}

        def change(col: str, new: Any, shown: Any = None) -> None:
            old = getattr(row, col)
            if new != old:
                values[col] = new
                changes[col] = [
                    old.isoformat() if isinstance(old, date) else old,
                    shown
                    if shown is not None
                    else (new.isoformat() if isinstance(new, date) else new),
                ]

        if changes_in.get("title") is not None:
            change("title", changes_in["title"].strip())
        if "description" in changes_in:
            change("description", changes_in["description"])
        if changes_in.get("owner") is not None:
            change("owner_name", changes_in["owner"]["name"].strip())
            change(
                "owner_org",
                _org(cfg.group(row.group_code), changes_in["owner"]["organisation"]),
            )
        if changes_in.get("due_date") is not None:
            due = changes_in["due_date"]
            if due < row.meeting_date:
                raise ApiError(
                    422,
                    "`due_date` cannot be before the meeting that set the action",
                    param="due_date",
                )
            change("due_date", due)
        if changes_in.get("status") is not None:
            change("status", changes_in["status"])
        if not changes and not (note and note.strip()):
            raise ApiError(
                422, "nothing to change: give a new value or a `note`", param="note"
            )
        if "status" in values:
            values["status_changed_at"] = now
        values["updated_at"] = now
        conn.execute(a.update().where(a.c.id == action_id).values(**values))
        st = changes.get("status")
        conn.execute(
            tasking_updates.insert().values(
                action_id=action_id,
                created_at=now,
                created_by=who.name,
                note=(note or "").strip() or None,
                status_from=st[0] if st else None,
                status_to=st[1] if st else None,
                changes=json.dumps(changes, default=str) if changes else None,
            )
        )
        audit.record(
            conn,
            who,
            f"tasking.action.{verb}",
            target=action_id,
            params={"changes": changes, "note": (note or "").strip()[:500] or None},
        )
    return _one_action(svc, action_id)


@router.patch("/actions/{action_id}")
def update_action(
    action_id: ActionId, body: ActionPatch, svc: ServiceDep, who: PartnerDep
) -> dict[str, Any]:
    """Change an action's status, owner, due date, title or description (recorded as an update)."""
    fields = body.model_dump(exclude_unset=True)
    note = fields.pop("note", None)
    return _apply(svc, who, action_id, fields, note, verb="update")


@router.post("/actions/{action_id}/updates", status_code=201)
def add_update(
    action_id: ActionId, body: UpdateIn, svc: ServiceDep, who: PartnerDep
) -> dict[str, Any]:
    """Report progress on an action (optionally changing its status)."""
    return _apply(
        svc, who, action_id, {"status": body.status}, body.note, verb="update"
    )


# --------------------------------------------------------------------------- the meeting view
def _previous_meeting(conn: sa.Connection, meeting: Any) -> Any:
    m = tasking_meetings
    return conn.execute(
        sa.select(m)
        .where(
            m.c.group_code == meeting.group_code,
            m.c.meeting_date < meeting.meeting_date,
        )
        .order_by(m.c.meeting_date.desc())
        .limit(1)
    ).first()


def _due_status(status: str, due: date, on: date) -> str:
    if status not in OPEN:
        return status
    return "overdue" if due < on else "due" if due == on else "not yet due"


def due_actions(svc: Service, meeting: Any, previous: Any) -> list[dict[str, Any]]:
    """The group's actions for review at ``meeting``: set at earlier meetings and still open
    or in progress, or closed (done/dropped) since the previous meeting."""
    pairs = _actions(
        svc,
        [
            tasking_meetings.c.group_code == meeting.group_code,
            tasking_meetings.c.meeting_date < meeting.meeting_date,
        ],
    )
    since = None if previous is None else _naive(local_midnight(previous.meeting_date))
    keep = [
        (r, m)
        for r, m in pairs
        if r.status in OPEN
        or since is None
        or r.status_changed_at >= since
        or (previous is not None and r.meeting_id == previous.id)
    ]
    docs = _action_docs(svc, keep)
    for d in docs:
        d["due_status"] = _due_status(
            d["status"], date.fromisoformat(d["due_date"]), meeting.meeting_date
        )
    return docs


def _suppress_change(ch: dict[str, Any]) -> None:
    hidden = False
    for key in ("before", "after"):
        v = ch[key]["count"]
        ch[key]["count"] = _small(v)
        hidden |= ch[key]["count"] == SMALL
    for key in ("before", "after"):
        ch["control"][key] = _small(ch["control"][key])
    if hidden:
        ch["pct_change"] = ch["p_value"] = None
        ch["verdict"] = (
            "Counts under 5 are withheld for your role, so no change is shown."
        )
    if SMALL in (ch["control"]["before"], ch["control"]["after"]):
        ch["control"]["pct_change"] = None
    ch["by_category"] = []  # breakdowns of a small area would reveal small cells
    ch["suppressed"] = True


def action_change(
    svc: Service,
    who: Principal,
    action: dict[str, Any],
    until: pd.Timestamp,
    frame: pd.DataFrame,
) -> dict[str, Any] | None:
    """Before/after counts in an action's area: after = [set, until), before = the same
    length immediately before it was set (the evaluation engine, no buffer, the rest of
    the tasking group as control)."""
    set_at = local_midnight(date.fromisoformat(action["meeting_date"]))
    if until <= set_at:
        return None
    spec = {
        k: v
        for k, v in action["area"].items()
        if k in ("hotspot_id", "ward", "datazones")
    }
    target = _area(svc, Area(**spec), param="area")
    control, control_group = _default_control(svc, target, None)
    res = evaluate_operation(
        frame,
        target=target,
        buffer=None,
        control=control,
        start=set_at,
        end=until,
        categories=action["categories"],
        last_year=False,
    )
    ev = res.all_selected
    ch: dict[str, Any] = {
        "before": {
            "from": res.before_start.isoformat(),
            "to": res.before_end.isoformat(),
            "count": ev.target.before,
        },
        "after": {
            "from": res.start.isoformat(),
            "to": res.end.isoformat(),
            "count": ev.target.after,
        },
        "categories": list(res.categories) if action["categories"] else None,
        "pct_change": None
        if ev.target_change.pct_change is None
        else round(float(ev.target_change.pct_change), 1),
        "p_value": ev.target_change.p_value,
        "enough_data": ev.enough_data,
        "verdict": ev.verdict,
        "control": {
            "area": f"rest of {control_group}",
            "before": ev.control.before,
            "after": ev.control.after,
            "pct_change": None
            if ev.control_change.pct_change is None
            else round(float(ev.control_change.pct_change), 1),
        },
        "by_category": [
            {
                "category": r.category,
                "before": r.target.before,
                "after": r.target.after,
                "pct_change": None
                if r.target_change.pct_change is None
                else round(float(r.target_change.pct_change), 1),
            }
            for r in res.results
            if r.target.before or r.target.after
        ],
        "suppressed": False,
    }
    if not who.sees_records:
        _suppress_change(ch)
    return ch


def _review(
    svc: Service, who: Principal, actions: list[dict[str, Any]], until: pd.Timestamp
) -> None:
    if not actions:
        return
    first = min(local_midnight(date.fromisoformat(a["meeting_date"])) for a in actions)
    start = first - 2 * (until - first) - pd.Timedelta(days=2)
    frame = svc.frame(
        Filters(window=Window(start, until)),
        columns=["category", "occurred_at", "easting", "northing", "agency"],
    )
    for a in actions:
        a["change"] = action_change(svc, who, a, until, frame)


def _bng(geom: dict[str, Any]) -> shapely.Geometry:
    return transform(lambda x, y, z=None: to_bng(x, y), shape(geom))


def _hotspots(
    svc: Service, who: Principal, g: GroupConfig, window: Window, method: str
) -> dict[str, Any]:
    from app.routes.hotspots import hotspot_collection

    return hotspot_collection(svc, who, _group_filters(svc, g, window), method=method)


def hotspot_changes(
    svc: Service,
    who: Principal,
    g: GroupConfig,
    meeting: Any,
    previous: Any,
    method: str,
) -> dict[str, Any]:
    """Hotspots of the meeting's period compared by location with the previous meeting's:
    ``new`` (touching none of the previous ones), ``continuing`` (with the ids they
    overlap) and ``no_longer`` (previous ones touching none of the current)."""
    cur = _hotspots(svc, who, g, _meeting_window(meeting), method)
    out: dict[str, Any] = {
        "period": cur["period"],
        "method": method,
        "warnings": cur.get("warnings", []),
        "previous_meeting_id": None,
        "previous_period": None,
        "total": len(cur["features"]),
    }
    cur_geoms = [(f["properties"], _bng(f["geometry"])) for f in cur["features"]]
    if previous is None:
        out |= {
            "new": [p | {"new": True, "previous_ids": []} for p, _ in cur_geoms],
            "continuing": [],
            "no_longer": [],
            "note": "no earlier meeting of this group: every hotspot is listed as new",
        }
        return out
    prev = _hotspots(svc, who, g, _meeting_window(previous), method)
    prev_geoms = [
        (f["properties"]["id"], _bng(f["geometry"])) for f in prev["features"]
    ]
    new: list[dict[str, Any]] = []
    cont: list[dict[str, Any]] = []
    touched: set[str] = set()
    for props, geom in cur_geoms:
        ids = [pid for pid, pg in prev_geoms if geom.intersects(pg)]
        touched.update(ids)
        (cont if ids else new).append(props | {"new": not ids, "previous_ids": ids})
    out |= {
        "previous_meeting_id": int(previous.id),
        "previous_period": prev["period"],
        "new": new,
        "continuing": cont,
        "no_longer": [pid for pid, _ in prev_geoms if pid not in touched],
    }
    return out


def meeting_view(svc: Service, who: Principal, meeting_id: int) -> dict[str, Any]:
    """The meeting document used by ``GET /tasking/meetings/{id}`` and by the pack."""
    cfg = tasking_config(svc)
    with svc.engine.connect() as conn:
        meeting = _get_meeting(conn, meeting_id)
        previous = _previous_meeting(conn, meeting)
    g = cfg.group(meeting.group_code)
    until = min(local_midnight(meeting.meeting_date), default_end())
    set_here = _action_docs(
        svc, _actions(svc, [tasking_actions.c.meeting_id == meeting_id])
    )
    due = due_actions(svc, meeting, previous)
    _review(svc, who, due, until)
    return {
        "meeting": meeting_doc(meeting, cfg),
        "group": g.to_dict(),
        "previous_meeting": None if previous is None else meeting_doc(previous, cfg),
        "actions_set": set_here,
        "actions_due": due,
        "hotspots": hotspot_changes(svc, who, g, meeting, previous, cfg.hotspot_method),
        "suppressed": not who.sees_records,
        "notes": [
            "an action's change compares [meeting that set it, this meeting) with the same length before it was set",
            "hotspots are compared by location: a hotspot is new when it touches none of the previous meeting's",
        ]
        + (
            ["counts 1-4 shown as '<5'; breakdowns withheld"]
            if not who.sees_records
            else []
        ),
    }


# --------------------------------------------------------------------------- the pack
def _e(v: Any) -> str:
    return html.escape("" if v is None else str(v))


def _num(v: Any, *, pct: bool = False, digits: int = 1) -> str:
    if v is None or v == "":
        return "–"
    if isinstance(v, str):
        return _e(v)
    if isinstance(v, float):
        return f"{v:+.{digits}f}%" if pct else f"{v:,.{digits}f}"
    if pct:
        return f"{v:+d}%"
    return f"{v:,}" if isinstance(v, int) else _e(v)


def _table(headers: list[str], rows: list[list[str]], *, empty: str = "None.") -> str:
    if not rows:
        return f"<p class='muted'>{_e(empty)}</p>"
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _map_section(svc: Service, who: Principal, g: GroupConfig, window: Window) -> str:
    try:
        from app.routes.maps import tasking_map_png  # written separately; optional here

        png = tasking_map_png(svc, who, g.area, window)
        if not isinstance(png, bytes | bytearray) or not bytes(png).startswith(
            b"\x89PNG"
        ):
            msg = "the map renderer did not return a PNG image"
            raise ValueError(msg)
        b64 = base64.b64encode(bytes(png)).decode()
        return f"<img class='map' alt='Tasking map of the {_e(g.area)} area' src='data:image/png;base64,{b64}'>"
    except Exception as exc:  # a missing or failing map must not stop the pack
        log.warning("tasking pack: map unavailable: %s: %s", type(exc).__name__, exc)
        return (
            "<div class='placeholder'><strong>Map unavailable</strong> — the map snapshot could not be produced "
            f"({_e(type(exc).__name__)}). Open the live map at /api/v1/maps/tasking/{_e(g.area)}.</div>"
        )


def _ward_names(svc: Service, codes: list[str]) -> str:
    names = svc.boundaries.wards.set_index("code")["name"]
    return ", ".join(str(names.get(c, c)) for c in codes)


def _hotspot_rows(
    svc: Service, feats: list[dict[str, Any]], *, with_new: bool = False
) -> list[list[str]]:
    rows = []
    for p in feats:
        cats = p.get("categories") or {}
        top = sorted(
            ((k, v) for k, v in cats.items()),
            key=lambda kv: -(kv[1] if isinstance(kv[1], int) else 0),
        )[:3]
        trend = p.get("trend") or {}
        row = [
            _num(p.get("rank")),
            _e(p.get("id")),
            _num(p.get("n")),
            _num(p.get("n_police")),
            _num(p.get("n_fire")),
            "yes" if p.get("overlap") else "no",
            _e(_ward_names(svc, p.get("wards") or [])),
            _e(", ".join(f"{k.replace('_', ' ')} {v}" for k, v in top)),
            _num(trend.get("change_pct"), pct=True),
            _num(p.get("worst_simd_decile")),
        ]
        if with_new:
            row.append(_e(", ".join(p.get("previous_ids") or [])) or "new")
        rows.append(row)
    return rows


def _stats_section(doc: dict[str, Any]) -> str:
    rows = [
        [
            _e(r["ward_name"]),
            _num(r["population"]),
            _num(r["count"]),
            _num(r["rate_per_1000"]),
            _num(r["previous_count"]),
            _num(r["change_pct"], pct=True),
            _num(r["last_year_count"]),
            _num(r["last_year_change_pct"], pct=True),
            _num(r["by_agency"]["police"]),
            _num(r["by_agency"]["fire"]),
        ]
        for r in doc["rows"]
    ]
    for s in doc["summary"]:
        rows.append(
            [
                f"<strong>{_e(s['group'])} total</strong>",
                _num(s["population"]),
                _num(s["count"]),
                _num(s["rate_per_1000"]),
                _num(s["previous_count"]),
                _num(s["change_pct"], pct=True),
                _num(s["last_year_count"]),
                _num(s["last_year_change_pct"], pct=True),
                _num(s["by_agency"]["police"]),
                _num(s["by_agency"]["fire"]),
            ]
        )
    head = [
        "Ward",
        "Population",
        "Incidents",
        "Rate per 1,000",
        "Previous period",
        "Change",
        "Same period last year",
        "Change on last year",
        "Police",
        "Fire",
    ]
    notes = "".join(f"<li>{_e(n)}</li>" for n in doc.get("notes", []))
    return (
        f"<p>Period {_e(doc['period']['label'])}; previous period {_e(doc['previous_period']['label'])}.</p>"
        + _table(head, rows)
        + f"<ul class='notes'>{notes}</ul>"
    )


def _deprivation_doc(
    svc: Service, who: Principal, g: GroupConfig, window: Window
) -> dict[str, Any]:
    from app.routes.deprivation import _suppress_groups
    from app.routes.stats import dz_main_group
    from geo.deprivation import concentration

    dz = svc.boundaries.datazones
    if g.area != "all":
        main = dz_main_group(svc)
        dz = dz[dz["code"].map(main) == g.area.upper()]
    frame = svc.frame(
        Filters(window=window, datazones=list(dz["code"])), columns=["datazone"]
    )
    doc = concentration(frame, dz, n_boot=2000, seed=0).to_dict()
    if not who.sees_records:
        _suppress_groups(doc["by_decile"])
        _suppress_groups(doc["by_quintile"])
        doc.pop("curve", None)
        doc["suppressed"] = True
    return doc


def _deprivation_section(doc: dict[str, Any], g: GroupConfig) -> str:
    def share(v: Any) -> str:
        return "–" if v is None else f"{100 * v:.1f}%"

    ci = doc.get("ratio_ci")
    ratio = _num(doc["concentration_ratio"], digits=2) + (
        f" (95% CI {ci[0]:.2f} to {ci[1]:.2f})" if ci else ""
    )
    area = "West Lothian" if g.area == "all" else f"the {g.area.upper()} data zones"
    lead = (
        f"<p>In {_e(area)}, {share(doc['share_incidents'])} of incidents ({_num(doc['incidents_in_most_deprived'])} of "
        f"{_num(doc['incidents_total'])}) were in the {_num(doc['most_deprived_pct'])}% most deprived data zones "
        f"(SIMD 2020v2), which hold {share(doc['share_population'])} of the population: concentration ratio "
        f"{ratio}.</p>"
    )
    rows = [
        [
            _num(r["decile"]),
            _num(r["incidents"]),
            _num(r["population"]),
            _num(r["rate_per_1000"]),
            _num(r["n_datazones"]),
            share(r["share_incidents"])
            if not isinstance(r["share_incidents"], str)
            else "–",
        ]
        for r in doc["by_decile"]
    ]
    return (
        lead
        + _table(
            [
                "SIMD decile (1 = most deprived)",
                "Incidents",
                "Population",
                "Rate per 1,000",
                "Data zones",
                "Share of incidents",
            ],
            rows,
        )
        + f"<p class='muted'>{_e(doc['definition'])}</p>"
    )


def _actions_section(actions: list[dict[str, Any]]) -> str:
    rows = []
    for a in actions:
        ch = a.get("change")
        last = a["updates"][-1] if a["updates"] else None
        rows.append(
            [
                f"<strong>{_e(a['title'])}</strong><br><span class='muted'>set {_e(a['meeting_date'])}</span>",
                _e(a["area"]["label"])
                + (
                    f"<br><span class='muted'>{_e(', '.join(a['categories']))}</span>"
                    if a["categories"]
                    else ""
                ),
                f"{_e(a['owner']['name'])}<br><span class='muted'>{_e(a['owner']['organisation'])}</span>",
                f"{_e(a['due_date'])}<br><span class='muted'>{_e(a['due_status'])}</span>",
                _e(a["status"].replace("_", " ")),
                "–" if ch is None else _num(ch["before"]["count"]),
                "–" if ch is None else _num(ch["after"]["count"]),
                "–" if ch is None else _num(ch["pct_change"], pct=True),
                "–" if ch is None else _e(ch["verdict"]),
                "–"
                if last is None
                else f"{_e(last['note'] or '')}<br><span class='muted'>{_e(last['by'])}, {_e((last['at'] or '')[:10])}</span>",
            ]
        )
    return _table(
        [
            "Action",
            "Area",
            "Owner",
            "Due",
            "Status",
            "Before",
            "After",
            "Change",
            "Assessment",
            "Latest update",
        ],
        rows,
        empty="No actions are due for review at this meeting.",
    )


def _demo_share(svc: Service, window: Window) -> tuple[int, int]:
    c = incidents.c
    w = [c.occurred_at >= _naive(window.start), c.occurred_at < _naive(window.end)]
    with svc.engine.connect() as conn:
        total = int(
            conn.execute(
                sa.select(sa.func.count()).select_from(incidents).where(*w)
            ).scalar_one()
        )
        demo = int(
            conn.execute(
                sa.select(sa.func.count())
                .select_from(incidents)
                .where(*w, c.source_id.startswith(DEMO_PREFIX))
            ).scalar_one()
        )
        if (
            total == 0
        ):  # nothing in the period: say so if the store holds demo data at all
            demo = int(
                conn.execute(
                    sa.select(sa.func.count())
                    .select_from(incidents)
                    .where(c.source_id.startswith(DEMO_PREFIX))
                ).scalar_one()
            )
    return demo, total


def _sources_section(svc: Service, who: Principal, f: Filters, window: Window) -> str:
    c = incidents.c
    q = (
        sa.select(c.batch_id, c.agency, sa.func.count().label("n"))
        .where(*f.clauses())
        .group_by(c.batch_id, c.agency)
    )
    with svc.engine.connect() as conn:
        counts = conn.execute(q).all()
        ids = sorted({r.batch_id for r in counts})
        info = (
            {
                b.id: b
                for b in conn.execute(sa.select(batches).where(batches.c.id.in_(ids)))
            }
            if ids
            else {}
        )
    per: dict[str, dict[str, int]] = {}
    for r in counts:
        per.setdefault(r.batch_id, {})[r.agency] = int(r.n)
    rows = []
    for bid in sorted(
        per, key=lambda b: info[b].created_at if b in info else datetime.min
    ):
        b = info.get(bid)
        rows.append(
            [
                _e(b.filename or "(API batch)") if b else "?",
                _e(b.format) if b else "?",
                _e(b.created_at.strftime("%Y-%m-%d %H:%M") + " UTC") if b else "?",
                _e(b.key_name) if b else "?",
                _num(
                    _small(per[bid].get("police", 0))
                    if not who.sees_records
                    else per[bid].get("police", 0)
                ),
                _num(
                    _small(per[bid].get("fire", 0))
                    if not who.sees_records
                    else per[bid].get("fire", 0)
                ),
            ]
        )
    bnd = svc.boundaries
    return (
        f"<p>Period analysed: <strong>{_e(window.label())}</strong> (Europe/London, end exclusive). "
        "Incidents are police and fire records loaded into the service; each row below is a loaded batch with "
        "its incidents in this period and area.</p>"
        + _table(
            ["File", "Format", "Loaded", "Loaded by", "Police", "Fire"],
            rows,
            empty="No incidents in this period.",
        )
        + f"<p>Geography: {len(bnd.datazones)} data zones 2011 with SIMD 2020v2 ranks and populations, {len(bnd.wards)} "
        f"multi-member wards (boundary version {_e(bnd.version)}); Open Government Licence. "
        "Hotspots: density clustering (DBSCAN/HDBSCAN) of incident locations in British National Grid. "
        "Action changes: exact conditional test of before/after counts, rest of the tasking group as control.</p>"
    )


CSS = """
@page { size: A4; margin: 14mm 12mm; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10pt; color: #111; }
h1 { font-size: 17pt; margin: 0 0 4px; } h2 { font-size: 13pt; margin: 18px 0 6px; border-bottom: 2px solid #1d4f91;
  color: #1d4f91; page-break-after: avoid; }
table { border-collapse: collapse; width: 100%; margin: 4px 0 8px; font-size: 8.5pt; page-break-inside: auto; }
th, td { border: 1px solid #bbb; padding: 3px 4px; vertical-align: top; text-align: left; }
th { background: #eef2f8; } tr { page-break-inside: avoid; }
.muted { color: #555; font-size: 8pt; } .notes { font-size: 8pt; color: #444; }
.banner { background: #b00020; color: #fff; font-weight: bold; padding: 6px 10px; margin: 6px 0; font-size: 12pt; }
.suppressed { background: #fff4d6; border: 1px solid #e0b000; padding: 4px 8px; margin: 6px 0; }
.placeholder { border: 2px dashed #999; padding: 30px; text-align: center; color: #444; background: #f6f6f6; }
img.map { width: 100%; border: 1px solid #999; }
"""


def pack_html(svc: Service, who: Principal, meeting_id: int) -> str:
    """The tasking pack of a meeting as one self-contained HTML document."""
    from app.routes.stats import compute

    cfg = tasking_config(svc)
    view = meeting_view(svc, who, meeting_id)
    with svc.engine.connect() as conn:
        meeting = _get_meeting(conn, meeting_id)
    g = cfg.group(meeting.group_code)
    window = _meeting_window(meeting)
    f = _group_filters(svc, g, window)
    hot = _hotspots(svc, who, g, window, cfg.hotspot_method)
    stats = compute(svc, f, "ward", g.area, who)
    dep = _deprivation_doc(svc, who, g, window)
    demo, total = _demo_share(svc, window)
    m = view["meeting"]
    suppressed = not who.sees_records
    hc = view["hotspots"]
    prev = view["previous_meeting"]
    parts = [
        "<!DOCTYPE html><html lang='en-GB'><head><meta charset='utf-8'>",
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">",
        f"<title>Tasking pack — {_e(g.name)} — {_e(m['date'])}</title><style>{CSS}</style></head><body>",
        f"<h1>Tasking pack: {_e(g.name)}</h1>",
        f"<p>Meeting {_e(m['date'])}{(' — ' + _e(m['title'])) if m['title'] else ''}. Period analysed: "
        f"<strong>{_e(window.label())}</strong>. Area: {_e('all West Lothian' if g.area == 'all' else g.area.upper() + ' wards')}. "
        f"Prepared {_e(datetime.now(UTC).strftime('%Y-%m-%d %H:%M'))} UTC for {_e(who.name)} ({_e(who.role)}).</p>",
    ]
    if demo:
        parts.append(
            f"<div class='banner'>SYNTHETIC DEMO DATA — {demo:,} of the {total:,} incidents in this period are "
            "generated demo records, not real police or fire records.</div>"
        )
    if suppressed:
        parts.append(
            "<div class='suppressed'>Counts of 1 to 4 are shown as &lt;5 and the matching rates and changes are "
            "withheld (viewer-level pack).</div>"
        )
    parts += [f"<h2>{SECTION_TITLES[0]}</h2>", _map_section(svc, who, g, window)]
    top = [f["properties"] for f in hot["features"][: cfg.top_hotspots]]
    head = [
        "Rank",
        "Id",
        "Incidents",
        "Police",
        "Fire",
        "Overlap",
        "Wards",
        "Main categories",
        "Trend",
        "Worst SIMD decile",
    ]
    warn = "".join(f"<p class='muted'>{_e(w)}</p>" for w in hot.get("warnings", []))
    parts += [
        f"<h2>{SECTION_TITLES[1]}</h2>",
        f"<p>The {len(top)} highest-ranked of {len(hot['features'])} hotspots ({_e(cfg.hotspot_method.upper())}); "
        "overlap = police and fire both present in meaningful numbers; trend = second half of the period against "
        "the first.</p>",
        warn,
        _table(
            head, _hotspot_rows(svc, top), empty="No hotspots found in this period."
        ),
    ]
    parts += [f"<h2>{SECTION_TITLES[2]}</h2>", _stats_section(stats)]
    parts += [f"<h2>{SECTION_TITLES[3]}</h2>", _deprivation_section(dep, g)]
    parts += [
        f"<h2>{SECTION_TITLES[4]}</h2>",
        "<p>Actions set at earlier meetings of this group that are open, in progress or were closed since the last "
        "meeting. Before/after: incidents in the action's area from the meeting that set it to this meeting, "
        "against the same length of time before it was set.</p>",
        _actions_section(view["actions_due"]),
    ]
    if prev is None:
        intro = "<p>No earlier meeting of this group is recorded: all hotspots of this period are listed.</p>"
    else:
        intro = (
            f"<p>Hotspots of {_e(hc['period']['label'])} that touch none of the hotspots of the previous meeting's "
            f"period ({_e(prev['date'])}: {_e(prev['period']['label'])}). {len(hc['continuing'])} continue from "
            f"then; {len(hc['no_longer'])} of the previous ones are no longer hotspots.</p>"
        )
    parts += [
        f"<h2>{SECTION_TITLES[5]}</h2>",
        intro,
        _table(
            [*head, "Previous hotspots"],
            _hotspot_rows(svc, hc["new"], with_new=True),
            empty="No new hotspots.",
        ),
    ]
    parts += [f"<h2>{SECTION_TITLES[6]}</h2>", _sources_section(svc, who, f, window)]
    if demo:
        parts.append(
            "<p><strong>SYNTHETIC DEMO DATA.</strong> Do not use these figures for real tasking decisions.</p>"
        )
    parts.append("</body></html>")
    return "".join(parts)


def render_pdf(
    document: str, *, chromium: str = "chromium", timeout: float = 90.0
) -> bytes:
    """Print an HTML document to PDF with headless Chromium (no network, throw-away profile)."""
    exe = shutil.which(chromium) or (chromium if Path(chromium).is_file() else None)
    if exe is None:
        raise ApiError(
            503,
            f"PDF output needs headless Chromium ({chromium!r} not found; set HOTSPOTS_CHROMIUM); "
            "the HTML pack is available without ?format=pdf",
        )
    with tempfile.TemporaryDirectory(prefix="hotspots-pack-") as tmp:
        src, out = Path(tmp) / "pack.html", Path(tmp) / "pack.pdf"
        src.write_text(document, encoding="utf-8")
        cmd = chromium_cli.command(
            exe,
            Path(tmp) / "profile",
            "--host-resolver-rules=MAP * ~NOTFOUND",  # the pack is self-contained: no network
            "--no-pdf-header-footer",
            f"--print-to-pdf={out}",
            src.as_uri(),
        )
        try:
            returncode, err = chromium_cli.run(cmd, timeout=timeout)
        except chromium_cli.ChromiumTimeout:
            raise ApiError(
                503,
                f"PDF rendering took longer than {timeout:g} s (HOTSPOTS_PDF_TIMEOUT_S)",
            ) from None
        pdf = out.read_bytes() if out.is_file() else b""
        if not pdf.startswith(b"%PDF"):
            tail = err.decode(errors="replace").strip().splitlines()[-1:] or [""]
            log.error(
                "chromium print-to-pdf failed (exit %s): %s", returncode, tail[0]
            )
            raise ApiError(503, "PDF rendering failed; the server log has the details")
        return pdf


@router.get("/meetings/{meeting_id}/pack")
def meeting_pack(
    meeting_id: MeetingId,
    svc: ServiceDep,
    who: PrincipalDep,
    format: Literal["html", "pdf"] = "html",
) -> Response:
    """The meeting's tasking pack: map, hotspots, ward statistics, deprivation, actions due, sources."""
    document = pack_html(svc, who, meeting_id)
    with svc.engine.connect() as conn:
        meeting = _get_meeting(conn, meeting_id)
    name = f"tasking-pack-{meeting.group_code}-{meeting.meeting_date.isoformat()}"
    if format == "pdf":
        pdf = render_pdf(
            document, chromium=svc.settings.chromium, timeout=svc.settings.pdf_timeout_s
        )
        audit.record(
            svc.engine,
            who,
            "tasking.pack",
            target=meeting_id,
            params={"format": "pdf"},
            result_size=len(pdf),
        )
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'},
        )
    audit.record(
        svc.engine,
        who,
        "tasking.pack",
        target=meeting_id,
        params={"format": "html"},
        result_size=len(document),
    )
    return HTMLResponse(
        document, headers={"Content-Disposition": f'inline; filename="{name}.html"'}
    )
