"""The Partnership Strategic Assessment: ``GET /assessments/strategic``.

DESIGN.md, "Contract added with the time-analysis and partnership-cycle work": the
year's evidence for next year's priorities, as HTML (default), PDF (printed by headless
Chromium like the meeting pack) or JSON (every figure, for analysts and tests). The
domain lives in :mod:`app.assessment`; this route parses and calls it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, JSONResponse, Response

from app.assessment import strategic_assessment as build_assessment
from app.deps import PrincipalDep, ServiceDep

router = APIRouter(prefix="/assessments", tags=["assessments"])


@router.get("/strategic", response_model=None)
def strategic_assessment(
    svc: ServiceDep,
    who: PrincipalDep,
    year: Annotated[int | None, Query(ge=1990, le=2200, description=(
        "The assessed year: a calendar year by default (`2026` = 1 January to 31 December 2026); with "
        "`year_start=4`, the fiscal year starting 1 April of that year. Default: the latest year the "
        "stored data cover completely."))] = None,
    group: Annotated[Literal["east", "west", "all"], Query(description="Tasking group (its wards), or `all`.")] = "all",
    year_start: Annotated[int, Query(ge=1, le=12, description=(
        "First month of the year: 1 (calendar year, default) or e.g. 4 (April-March fiscal year)."))] = 1,
    format: Literal["html", "pdf", "json"] = "html",
) -> Any:
    """The Partnership Strategic Assessment: the year against up to 4 previous years (by category,
    agency, ward and group: counts, rates per 1,000, change, trend test), KSI collisions per ward,
    deprivation concentration per year, places that stayed hot, the year's evaluated operations and
    the priority matrix ranking next year's candidate problems (criteria in
    `geo/data/priority_criteria.json`). Viewers get the disclosure-controlled view."""
    out = build_assessment(svc, who, year=year, group=group, year_start_month=year_start, fmt=format)
    if isinstance(out, dict):
        return JSONResponse(out)
    headers = {"Content-Disposition": out.disposition}
    if format == "pdf":
        return Response(out.content, media_type=out.media_type, headers=headers)
    return HTMLResponse(out.content, headers=headers)
