"""``GET /``: the home page for the tasking groups (HTML, no CDN, no script).

Links to each tasking group's map for its current period, the recent meetings with their
packs, the API documentation and the meetings pages, and says what data is loaded (how
many incidents, from when to when, from which agencies and sources, synthetic or real).
Any key (viewer and up) may open it: it shows aggregates and meeting titles only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.db import batches, incidents
from app.deps import ServiceDep
from app.errors import ApiError
from app.feeds import rejected_warning
from app.service import Service
from app.tasking.config import tasking_config
from app.tasking.dates import add_months
from app.tasking.pages import SignInRequired, page_principal
from app.tasking.store import list_meetings

router = APIRouter(tags=["home"], include_in_schema=False)
API = "/api/v1"
UK = ZoneInfo("Europe/London")
RECENT_MEETINGS = 8
TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent.parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


@dataclass(frozen=True)
class Loaded:
    """What incident data is stored: counts, dates, agencies, sources."""

    total: int
    synthetic: int
    first: datetime | None
    last: datetime | None
    by_agency: dict[str, int]
    sources: list[dict[str, Any]]

    @property
    def label(self) -> str:
        """``synthetic``, ``real``, ``mixed`` or ``none`` (for people: see the template)."""
        if self.total == 0:
            return "none"
        if self.synthetic == self.total:
            return "synthetic"
        return "real" if self.synthetic == 0 else "mixed"


def _is_synthetic(key_name: str | None, filename: str | None) -> bool:
    """The demo loader's batches (``app.demo``: key ``demo``, file ``demo (synthetic)``)."""
    return key_name == "demo" or "synthetic" in (filename or "").lower()


def loaded_data(svc: Service) -> Loaded:
    """Counts of stored incidents by agency and by source batch, with their date range."""
    i, b = incidents, batches
    with svc.engine.connect() as conn:
        total, first, last = conn.execute(
            sa.select(sa.func.count(), sa.func.min(i.c.occurred_at), sa.func.max(i.c.occurred_at))
        ).one()
        by_agency: dict[str, int] = {
            str(a): int(n) for a, n in conn.execute(sa.select(i.c.agency, sa.func.count()).group_by(i.c.agency)).all()
        }
        per_batch = conn.execute(
            sa.select(b.c.format, b.c.filename, b.c.key_name, sa.func.count(i.c.id))
            .select_from(b.join(i, i.c.batch_id == b.c.id))
            .group_by(b.c.format, b.c.filename, b.c.key_name)
        ).all()
    sources: dict[tuple[str, str, bool], int] = {}
    for fmt, filename, key_name, n in per_batch:
        k = (str(fmt), str(filename or "(posted records)"), _is_synthetic(key_name, filename))
        sources[k] = sources.get(k, 0) + int(n)
    ordered = sorted(sources.items(), key=lambda kv: -kv[1])
    rows: list[dict[str, Any]] = [
        {"format": f, "name": name, "synthetic": syn, "incidents": n} for (f, name, syn), n in ordered
    ]
    return Loaded(
        total=int(total),
        synthetic=sum(n for (_, _, syn), n in ordered if syn),
        first=first,
        last=last,
        by_agency=dict(sorted(by_agency.items())),
        sources=rows,
    )


def group_maps(svc: Service, today: date) -> list[dict[str, Any]]:
    """Each tasking group with its current period (the last full months) and map link."""
    month = today.replace(day=1)
    out = []
    for g in tasking_config(svc).groups.values():
        start = add_months(month, -g.period_months)
        out.append({
            "code": g.code,
            "name": g.name,
            "area": g.area,
            "from": start.isoformat(),
            "to": month.isoformat(),
            "map": f"{API}/maps/tasking/{g.area}?from={start.isoformat()}&to={month.isoformat()}",
            "meetings": f"/meetings?group={g.code}",
        })  # fmt: skip
    return out


def recent_meetings(svc: Service) -> list[dict[str, Any]]:
    """The newest meetings (all groups) with their pages and pack links."""
    rows = list_meetings(svc)["rows"][:RECENT_MEETINGS]
    for m in rows:
        m["page"] = f"/meetings/{m['id']}"
        m["pack_html"] = f"{API}/tasking/meetings/{m['id']}/pack"
        m["pack_pdf"] = f"{API}/tasking/meetings/{m['id']}/pack?format=pdf"
    return rows


def _date(ts: datetime | None) -> str:
    """A stored naive-UTC time as its Europe/London date."""
    return ts.replace(tzinfo=UTC).astimezone(UK).date().isoformat() if ts is not None else "—"


@router.get("/", response_class=HTMLResponse)
def home(request: Request, svc: ServiceDep) -> HTMLResponse:
    """The home page (any key, in the ``X-API-Key`` header or the meeting pages' sign-in
    cookie; with ``HOTSPOTS_AUTH=off`` anyone on this machine)."""
    try:
        who = page_principal(request, svc)
    except SignInRequired as exc:
        raise ApiError(exc.status, exc.message) from exc
    today = datetime.now(UK).date()
    data = loaded_data(svc)
    b = svc.boundaries
    page = TEMPLATES.get_template("home.html.j2").render(
        root=request.scope.get("root_path", "").rstrip("/"),
        api=API,
        title=request.app.title,
        today=today.isoformat(),
        auth_off=svc.settings.auth == "off",
        feeds_warning=rejected_warning(svc),
        role=who.role,
        groups=group_maps(svc, today),
        meetings=recent_meetings(svc),
        data=data,
        first=_date(data.first),
        last=_date(data.last),
        datazones=len(b.datazones),
        wards=len(b.wards),
        boundaries_version=b.version,
        database=svc.engine.dialect.name,
    )
    return HTMLResponse(page)
