"""The meeting review: the group's actions due with the before/after change in each
action's area (the evaluation engine, :func:`geo.evaluation.evaluate_operation`), and
the hotspots of the meeting's period against the previous meeting's (new, continuing,
no longer)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import shapely
from shapely.geometry import shape
from shapely.ops import transform

from app.db import tasking_actions, tasking_meetings
from app.evaluation_service import Area, area_from, default_control
from app.hotspot_views import hotspot_collection
from app.params import default_end, group_wards
from app.security import Principal
from app.service import Filters, Service
from app.tasking.config import GroupConfig, tasking_config
from app.tasking.dates import SMALL, local_midnight, naive, small
from app.tasking.docs import meeting_doc, meeting_window
from app.tasking.schemas import OPEN
from app.tasking.store import (
    action_docs,
    action_rows,
    meeting_row,
    previous_meeting,
)
from geo.evaluation import evaluate_operation
from geo.ingest import to_bng
from geo.periods import Window

NOTES = [
    "an action's change compares [meeting that set it, this meeting) with the same length before it was set",
    "hotspots are compared by location: a hotspot is new when it touches none of the previous meeting's",
]


def group_filters(svc: Service, g: GroupConfig, window: Window) -> Filters:
    """Filters of a group's area for ``window`` (police + fire, all categories)."""
    return Filters(window=window, wards=group_wards(svc, g.area))


def due_status(status: str, due: date, on: date) -> str:
    """``overdue``, ``due`` or ``not yet due`` on ``on`` for an open action, else its status."""
    if status not in OPEN:
        return status
    return "overdue" if due < on else "due" if due == on else "not yet due"


def due_actions(svc: Service, meeting: Any, previous: Any) -> list[dict[str, Any]]:
    """The group's actions for review at ``meeting``: set at earlier meetings and still open
    or in progress, or closed (done/dropped) since the previous meeting."""
    rows = action_rows(
        svc,
        [
            tasking_meetings.c.group_code == meeting.group_code,
            tasking_meetings.c.meeting_date < meeting.meeting_date,
        ],
    )
    since = None if previous is None else naive(local_midnight(previous.meeting_date))
    keep = [
        r
        for r in rows
        if r.status in OPEN
        or since is None
        or r.status_changed_at >= since
        or (previous is not None and r.meeting_id == previous.id)
    ]
    docs = action_docs(svc, keep)
    for d in docs:
        d["due_status"] = due_status(
            d["status"], date.fromisoformat(d["due_date"]), meeting.meeting_date
        )
    return docs


def _suppress_change(ch: dict[str, Any]) -> None:
    hidden = False
    for key in ("before", "after"):
        v = ch[key]["count"]
        ch[key]["count"] = small(v)
        hidden |= ch[key]["count"] == SMALL
    for key in ("before", "after"):
        ch["control"][key] = small(ch["control"][key])
    if hidden:
        ch["pct_change"] = ch["p_value"] = None
        ch["verdict"] = (
            "Counts under 5 are withheld for your role, so no change is shown."
        )
    if SMALL in (ch["control"]["before"], ch["control"]["after"]):
        ch["control"]["pct_change"] = None
    ch["by_category"] = []  # breakdowns of a small area would reveal small cells
    ch["suppressed"] = True


def _pct(v: float | None) -> float | None:
    return None if v is None else round(float(v), 1)


def _change_doc(res: Any, categories: Any, control_group: str) -> dict[str, Any]:
    ev = res.all_selected
    return {
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
        "categories": list(res.categories) if categories else None,
        "pct_change": _pct(ev.target_change.pct_change),
        "p_value": ev.target_change.p_value,
        "enough_data": ev.enough_data,
        "verdict": ev.verdict,
        "control": {
            "area": f"rest of {control_group}",
            "before": ev.control.before,
            "after": ev.control.after,
            "pct_change": _pct(ev.control_change.pct_change),
        },
        "by_category": [
            {
                "category": r.category,
                "before": r.target.before,
                "after": r.target.after,
                "pct_change": _pct(r.target_change.pct_change),
            }
            for r in res.results
            if r.target.before or r.target.after
        ],
        "suppressed": False,
    }


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
    target = area_from(svc, Area(**spec), param="area")
    control, control_group = default_control(svc, target, None)
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
    ch = _change_doc(res, action["categories"], control_group)
    if not who.sees_records:
        _suppress_change(ch)
    return ch


def review_actions(
    svc: Service, who: Principal, actions: list[dict[str, Any]], until: pd.Timestamp
) -> None:
    """Add each action's ``change`` up to ``until`` (in place)."""
    if not actions:
        return
    first = min(local_midnight(date.fromisoformat(a["meeting_date"])) for a in actions)
    start = first - 2 * (until - first) - pd.Timedelta(days=2)
    frame = svc.frame(
        Filters(window=Window(start, until)),
        columns=["category", "occurred_at", "easting", "northing", "agency", "date_precision"],
    )
    for a in actions:
        a["change"] = action_change(svc, who, a, until, frame)


def _bng(geom: dict[str, Any]) -> shapely.Geometry:
    return transform(lambda x, y, z=None: to_bng(x, y), shape(geom))


def group_hotspots(
    svc: Service, who: Principal, g: GroupConfig, window: Window, method: str
) -> dict[str, Any]:
    """The hotspots of a group's area for ``window`` (as ``GET /hotspots`` serves them)."""
    return hotspot_collection(svc, who, group_filters(svc, g, window), method=method)


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
    cur = group_hotspots(svc, who, g, meeting_window(meeting), method)
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
    prev = group_hotspots(svc, who, g, meeting_window(previous), method)
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
    """The meeting document used by ``GET /tasking/meetings/{id}``, the pack and the
    meeting page: actions set, actions due with their change, hotspot changes."""
    cfg = tasking_config(svc)
    meeting = meeting_row(svc, meeting_id)
    with svc.engine.connect() as conn:
        previous = previous_meeting(conn, meeting)
    g = cfg.group(meeting.group_code)
    until = min(local_midnight(meeting.meeting_date), default_end())
    set_here = action_docs(
        svc, action_rows(svc, [tasking_actions.c.meeting_id == meeting_id])
    )
    due = due_actions(svc, meeting, previous)
    review_actions(svc, who, due, until)
    return {
        "meeting": meeting_doc(meeting, cfg),
        "group": g.to_dict(),
        "previous_meeting": None if previous is None else meeting_doc(previous, cfg),
        "actions_set": set_here,
        "actions_due": due,
        "hotspots": hotspot_changes(svc, who, g, meeting, previous, cfg.hotspot_method),
        "suppressed": not who.sees_records,
        "notes": NOTES
        + (
            ["counts 1-4 shown as '<5'; breakdowns withheld"]
            if not who.sees_records
            else []
        ),
    }
