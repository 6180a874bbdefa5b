"""Ward and data-zone statistics (JSON and CSV)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import Response

from app.deps import PrincipalDep, ServiceDep
from app.params import FilterDep
from app.statistics import compute, to_csv

router = APIRouter(prefix="/stats", tags=["stats"])
Fmt = Literal["json", "csv"]


def _respond(doc: dict[str, Any], unit: str, fmt: Fmt) -> Any:
    if fmt == "csv":
        name = f"{unit}_statistics.csv"
        return Response("\ufeff" + to_csv(doc, unit), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return doc


@router.get("/wards")
def ward_stats(svc: ServiceDep, who: PrincipalDep, q: FilterDep, format: Fmt = "json") -> Any:
    """One row per ward: counts, rates per 1,000, previous period and last year, breakdowns."""
    f = q.resolve(svc, who=who)
    doc = compute(svc, f, "ward", q.group, who)
    if q.ward:
        doc["rows"] = [r for r in doc["rows"] if r["ward_code"] in set(q.ward)]
    return _respond(doc, "ward", format)


@router.get("/datazones")
def datazone_stats(svc: ServiceDep, who: PrincipalDep, q: FilterDep, format: Fmt = "json") -> Any:
    """One row per data zone, with SIMD rank and decile."""
    f = q.resolve(svc, who=who)
    doc = compute(svc, f, "datazone", q.group, who)
    if q.datazone:
        doc["rows"] = [r for r in doc["rows"] if r["datazone_code"] in set(q.datazone)]
    return _respond(doc, "datazone", format)
