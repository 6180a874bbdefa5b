"""Meetings, actions and updates in the database: create, read, change (each change
recorded as an update and an audit entry in the same transaction)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from app import audit
from app.db import tasking_actions, tasking_meetings, tasking_updates
from app.errors import ApiError
from app.evaluation_service import Area, area_from
from app.params import filters_from
from app.security import Principal
from app.service import Service
from app.tasking.config import GroupConfig, TaskingConfig, tasking_config
from app.tasking.dates import add_months, local_midnight, naive, now_utc
from app.tasking.docs import action_doc, meeting_doc
from app.tasking.schemas import ActionIn, ActionPatch, MeetingIn, UpdateIn
from geo.periods import parse_instant


# --------------------------------------------------------------------------- reading
def get_meeting(conn: sa.Connection, meeting_id: int) -> Any:
    """The meeting row ``meeting_id`` or a 404."""
    r = conn.execute(
        sa.select(tasking_meetings).where(tasking_meetings.c.id == meeting_id)
    ).first()
    if r is None:
        raise ApiError(404, f"no tasking meeting {meeting_id}")
    return r


def meeting_row(svc: Service, meeting_id: int) -> Any:
    """The meeting row ``meeting_id`` (own connection) or a 404."""
    with svc.engine.connect() as conn:
        return get_meeting(conn, meeting_id)


def previous_meeting(conn: sa.Connection, meeting: Any) -> Any:
    """The group's latest meeting before ``meeting`` (or ``None``)."""
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


def action_rows(svc: Service, where: list[sa.ColumnElement[bool]]) -> list[Any]:
    """Action rows matching ``where`` (oldest meeting first), each carrying its
    meeting's ``group_code`` and ``meeting_date``."""
    a, m = tasking_actions, tasking_meetings
    q = (
        sa.select(a, m.c.group_code, m.c.meeting_date)
        .join(m, m.c.id == a.c.meeting_id)
        .where(*where)
        .order_by(m.c.meeting_date, a.c.id)
    )
    with svc.engine.connect() as conn:
        return list(conn.execute(q).all())


def action_docs(svc: Service, rows: list[Any]) -> list[dict[str, Any]]:
    """Action rows (from :func:`action_rows`) as JSON with their updates."""
    with svc.engine.connect() as conn:
        ups = _updates_by_action(conn, [int(r.id) for r in rows])
    return [
        action_doc(svc, r, ups[int(r.id)], group=r.group_code)
        | {"meeting_date": r.meeting_date.isoformat()}
        for r in rows
    ]


def get_action(svc: Service, action_id: int) -> dict[str, Any]:
    """One action with its updates, or a 404."""
    rows = action_rows(svc, [tasking_actions.c.id == action_id])
    if not rows:
        raise ApiError(404, f"no tasking action {action_id}")
    return action_docs(svc, rows)[0]


def list_groups(svc: Service) -> dict[str, Any]:
    """The tasking groups with their area, cadence and members (configuration)."""
    cfg = tasking_config(svc)
    return {
        "rows": [g.to_dict() for g in cfg.groups.values()],
        "partner_organisations": list(cfg.organisations),
        "source": Path(cfg.source).name,
    }


def list_meetings(svc: Service, group: str | None = None) -> dict[str, Any]:
    """Meetings, newest first (optionally of one group)."""
    cfg = tasking_config(svc)
    m = tasking_meetings
    q = sa.select(m).order_by(m.c.meeting_date.desc(), m.c.id.desc())
    if group:
        q = q.where(m.c.group_code == cfg.group(group).code)
    with svc.engine.connect() as conn:
        rows = conn.execute(q).all()
    return {"rows": [meeting_doc(r, cfg) for r in rows], "count": len(rows)}


def list_actions(
    svc: Service,
    *,
    group: str | None = None,
    status: list[str] | None = None,
    meeting_id: int | None = None,
    organisation: str | None = None,
) -> dict[str, Any]:
    """Actions (oldest meeting first), filtered by group, status, meeting or organisation."""
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
    rows = action_docs(svc, action_rows(svc, where))
    return {"rows": rows, "count": len(rows)}


# --------------------------------------------------------------------------- meetings
def _meeting_period(body: MeetingIn, g: GroupConfig) -> tuple[Any, Any]:
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
        return start, end
    month_start = body.date.replace(day=1)
    return (
        local_midnight(add_months(month_start, -g.period_months)),
        local_midnight(month_start),
    )


def create_meeting(svc: Service, who: Principal, body: MeetingIn) -> dict[str, Any]:
    """Record a tasking meeting (409 when the group already meets that day)."""
    cfg = tasking_config(svc)
    g = cfg.group(body.group)
    start, end = _meeting_period(body, g)
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
                period_start=naive(start),
                period_end=naive(end),
                title=body.title,
                notes=body.notes,
                created_at=now_utc(),
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
        row = get_meeting(conn, mid)
    return meeting_doc(row, cfg)


# --------------------------------------------------------------------------- actions
def member_org(g: GroupConfig, org: str) -> str:
    """The group's member organisation spelled as configured, or a 422."""
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


def _area_ref(svc: Service, body: ActionIn) -> tuple[str, str]:
    """(kind, ref) of an action's area, checked to exist (422 naming ``area.…``)."""
    area = Area(**body.area.model_dump(exclude_none=True))
    area_from(svc, area, param="area")
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
    return ("hotspot" if kind == "hotspot_id" else kind), ref


def create_action(
    svc: Service, who: Principal, meeting_id: int, body: ActionIn
) -> dict[str, Any]:
    """Set an action at a meeting: place, owner, due date, status."""
    cfg = tasking_config(svc)
    meeting = meeting_row(svc, meeting_id)
    g = cfg.group(meeting.group_code)
    kind, ref = _area_ref(svc, body)
    org = member_org(g, body.owner.organisation)
    cats = _categories(svc, body.categories)
    due = body.due_date or add_months(meeting.meeting_date, g.cadence_months)
    if due < meeting.meeting_date:
        raise ApiError(
            422,
            "`due_date` cannot be before the meeting that sets the action",
            param="due_date",
        )
    now = now_utc()
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
    return get_action(svc, aid)


def _shown(v: Any) -> Any:
    return v.isoformat() if isinstance(v, date) else v


def _diff(
    cfg: TaskingConfig, row: Any, changes_in: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """(new column values, {column: [old, new]}) of a requested change to ``row``."""
    values: dict[str, Any] = {}
    changes: dict[str, list[Any]] = {}

    def change(col: str, new: Any) -> None:
        old = getattr(row, col)
        if new != old:
            values[col] = new
            changes[col] = [_shown(old), _shown(new)]

    if changes_in.get("title") is not None:
        change("title", changes_in["title"].strip())
    if "description" in changes_in:
        change("description", changes_in["description"])
    if changes_in.get("owner") is not None:
        change("owner_name", changes_in["owner"]["name"].strip())
        change(
            "owner_org",
            member_org(cfg.group(row.group_code), changes_in["owner"]["organisation"]),
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
    return values, changes


def may_change(cfg: Any, who: Principal, owner_org: str) -> bool:
    """Per-object rule: analysts and admins change any action; a partner key only the
    actions owned by its own organisation (``agency_organisations`` in the config)."""
    if who.role != "partner":
        return True
    org = cfg.agency_organisations.get(who.agency or "")
    return org is not None and org.strip().lower() == str(owner_org).strip().lower()


def _apply(
    svc: Service,
    who: Principal,
    action_id: int,
    changes_in: dict[str, Any],
    note: str | None,
) -> dict[str, Any]:
    """Change an action and record an update + an audit entry in one transaction.

    A partner key may change only its own organisation's actions (:func:`may_change`);
    a refusal is a 403, audited as ``denied``."""
    cfg = tasking_config(svc)
    note = (note or "").strip() or None
    with svc.engine.begin() as conn:
        row = conn.execute(
            sa.select(tasking_actions, tasking_meetings.c.group_code, tasking_meetings.c.meeting_date)
            .join(tasking_meetings, tasking_meetings.c.id == tasking_actions.c.meeting_id)
            .where(tasking_actions.c.id == action_id)
        ).first()
        if row is None:
            raise ApiError(404, f"no tasking action {action_id}")
        denied = not may_change(cfg, who, row.owner_org)
        if not denied:
            _write_update(conn, cfg, who, row, changes_in, note)
    if denied:  # outside the transaction, which wrote nothing: the refusal itself is audited
        audit.record(svc.engine, who, "tasking.action.update", target=action_id, params={"owner": row.owner_org},
                     outcome="denied")
        raise ApiError(403, f"action {action_id} is owned by {row.owner_org}; a partner key changes only its own "
                            "organisation's actions")
    return get_action(svc, action_id)


def _write_update(conn: sa.Connection, cfg: Any, who: Principal, row: Any, changes_in: dict[str, Any],
                  note: str | None) -> None:
    a = tasking_actions
    now = now_utc()
    values, changes = _diff(cfg, row, changes_in)
    if not changes and not note:
        raise ApiError(422, "nothing to change: give a new value or a `note`", param="note")
    if "status" in values:
        values["status_changed_at"] = now
    values["updated_at"] = now
    conn.execute(a.update().where(a.c.id == row.id).values(**values))
    st = changes.get("status")
    conn.execute(
        tasking_updates.insert().values(
            action_id=row.id,
            created_at=now,
            created_by=who.name,
            note=note,
            status_from=st[0] if st else None,
            status_to=st[1] if st else None,
            changes=json.dumps(changes, default=str) if changes else None,
        )
    )
    audit.record(conn, who, "tasking.action.update", target=row.id,
                 params={"changes": changes, "note": (note or "")[:500] or None})


def update_action(
    svc: Service, who: Principal, action_id: int, body: ActionPatch
) -> dict[str, Any]:
    """Change an action's status, owner, due date, title or description (an update)."""
    fields = body.model_dump(exclude_unset=True)
    note = fields.pop("note", None)
    return _apply(svc, who, action_id, fields, note)


def add_update(
    svc: Service, who: Principal, action_id: int, body: UpdateIn
) -> dict[str, Any]:
    """Report progress on an action (optionally changing its status)."""
    return _apply(svc, who, action_id, {"status": body.status}, body.note)
