"""The audit trail for admins (JSON or CSV), filtered by actor, action and time."""

from __future__ import annotations

import base64
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from app import audit
from app.deps import AdminDep, ServiceDep
from app.errors import ApiError
from geo.periods import parse_instant

router = APIRouter(prefix="/audit", tags=["audit"])


def _cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"audit:{last_id}".encode()).decode().rstrip("=")


def _after(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not text.startswith("audit:"):
            raise ValueError
        return int(text[6:])
    except ValueError as exc:
        raise ApiError(
            422, "`cursor` is not a cursor this service issued", param="cursor"
        ) from exc


@router.get("")
def get_audit(
    svc: ServiceDep,
    who: AdminDep,
    actor: str | None = None,
    action: Annotated[
        str | None,
        Query(description="exact action, or a prefix ending in * (e.g. tasking.*)"),
    ] = None,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: str | None = None,
    limit: Annotated[int | None, Query(ge=1)] = None,
    cursor: str | None = None,
    format: Literal["json", "csv"] = "json",
) -> Any:
    """Audit entries in time order: who (key name, role), when, what, parameters, result size."""
    start = parse_instant(from_, param="from") if from_ else None
    end = parse_instant(to, param="to") if to else None
    if start is not None and end is not None and end <= start:
        raise ApiError(
            422, "`to` must be after `from` (the window is [from, to))", param="to"
        )
    size = min(
        limit or (svc.settings.max_page_size if format == "csv" else 1000),
        svc.settings.max_page_size,
    )
    rows = audit.query(
        svc.engine,
        actor=actor,
        action=action,
        start=None
        if start is None
        else start.tz_convert("UTC").tz_localize(None).to_pydatetime(),
        end=None
        if end is None
        else end.tz_convert("UTC").tz_localize(None).to_pydatetime(),
        after_id=_after(cursor),
        limit=size,
    )
    more = len(rows) > size
    rows = rows[:size]
    nxt = _cursor(rows[-1]["id"]) if more and rows else None
    if format == "csv":
        headers = {"Content-Disposition": 'attachment; filename="audit.csv"'}
        if nxt:
            headers["X-Next-Cursor"] = nxt
        return Response(
            "\ufeff" + audit.to_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers=headers,
        )
    return {
        "rows": rows,
        "count": len(rows),
        "limit": size,
        "next_cursor": nxt,
        "filters": {"actor": actor, "action": action, "from": from_, "to": to},
    }
