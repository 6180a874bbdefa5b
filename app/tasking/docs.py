"""Stored tasking rows as the JSON documents the API serves."""

from __future__ import annotations

import json
from typing import Any

from app.service import Service
from app.tasking.config import TaskingConfig
from app.tasking.dates import iso_utc, period_doc, utc
from geo.periods import Window


def meeting_window(r: Any) -> Window:
    """The analysed period of a meeting row."""
    return Window(utc(r.period_start), utc(r.period_end))


def meeting_doc(r: Any, cfg: TaskingConfig) -> dict[str, Any]:
    """A meeting row as JSON."""
    g = cfg.groups.get(r.group_code)
    return {
        "id": int(r.id),
        "group": r.group_code,
        "group_name": g.name if g else r.group_code,
        "area": g.area if g else None,
        "date": r.meeting_date.isoformat(),
        "period": period_doc(meeting_window(r)),
        "title": r.title,
        "notes": r.notes,
        "created_at": iso_utc(r.created_at),
        "created_by": r.created_by,
    }


def area_spec(kind: str, ref: str) -> dict[str, Any]:
    """A stored action area (kind, ref) as the API's area object."""
    if kind == "datazones":
        return {"datazones": json.loads(ref)}
    return {"hotspot_id" if kind == "hotspot" else "ward": ref}


def area_label(svc: Service, kind: str, ref: str) -> str:
    """A readable name of an action's area."""
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


def update_doc(u: Any) -> dict[str, Any]:
    """An update row as JSON."""
    return {
        "id": int(u.id),
        "at": iso_utc(u.created_at),
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
            **area_spec(r.area_kind, r.area_ref),
            "label": area_label(svc, r.area_kind, r.area_ref),
        },
        "categories": json.loads(r.categories) if r.categories else None,
        "owner": {"name": r.owner_name, "organisation": r.owner_org},
        "due_date": r.due_date.isoformat(),
        "status": r.status,
        "status_changed_at": iso_utc(r.status_changed_at),
        "created_at": iso_utc(r.created_at),
        "created_by": r.created_by,
        "updated_at": iso_utc(r.updated_at),
        "updates": [update_doc(u) for u in updates],
    }
