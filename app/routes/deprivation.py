"""Deprivation concentration for planners (JSON, CSV, PNG; optional trend by period)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from app.deprivation_view import concentration_view, decile_csv
from app.deps import PrincipalDep, ServiceDep
from app.params import FilterDep
from geo.deprivation import concentration_chart_png

router = APIRouter(prefix="/deprivation", tags=["deprivation"])


@router.get("/concentration")
def deprivation_concentration(
    svc: ServiceDep,
    who: PrincipalDep,
    q: FilterDep,
    most_deprived_pct: Annotated[float, Query(gt=0, le=100)] = 15,
    by: Literal["quarter", "month", "year"] | None = None,
    format: Literal["json", "csv", "png"] = "json",
    n_boot: Annotated[int, Query(ge=0, le=10_000)] = 2000,
) -> Any:
    """Share of incidents in the N% most deprived data zones against their population share."""
    f = q.resolve(svc)
    view = concentration_view(
        svc, who, f, group=q.group, wards=q.ward, most_deprived_pct=most_deprived_pct, by=by, n_boot=n_boot
    )
    if format == "png":
        return Response(concentration_chart_png(view.result), media_type="image/png")
    if format == "csv":
        return Response(
            decile_csv(view.doc),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="deprivation_by_decile.csv"'},
        )
    return view.doc
