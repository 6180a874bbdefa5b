"""Deprivation concentration for planners (JSON, CSV, PNG; optional trend by period)."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from app.deps import PrincipalDep, ServiceDep
from app.params import filters_from
from app.routes.stats import dz_main_group
from geo.deprivation import (
    concentration,
    concentration_by_period,
    concentration_chart_png,
)

router = APIRouter(prefix="/deprivation", tags=["deprivation"])


def _suppress_groups(groups: list[dict[str, Any]]) -> None:
    for g in groups:
        if isinstance(g.get("incidents"), int) and 1 <= g["incidents"] <= 4:
            g["incidents"] = "<5"
            g["rate_per_1000"] = None
            g["share_incidents"] = None
    hidden = [g for g in groups if g.get("incidents") in ("<5", "c")]
    if len(hidden) == 1:  # secondary: the total would reveal a lone hidden group
        vis = [g for g in groups if isinstance(g.get("incidents"), int) and g["incidents"] > 0]
        if vis:
            g = min(vis, key=lambda g: g["incidents"])
            g["incidents"], g["rate_per_1000"], g["share_incidents"] = "c", None, None


@router.get("/concentration")
def deprivation_concentration(
    svc: ServiceDep,
    who: PrincipalDep,
    most_deprived_pct: Annotated[float, Query(gt=0, le=100)] = 15,
    agency: str | None = None,
    category: Annotated[list[str] | None, Query()] = None,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: str | None = None,
    group: str | None = None,
    by: Literal["quarter", "month", "year"] | None = None,
    format: Literal["json", "csv", "png"] = "json",
    n_boot: Annotated[int, Query(ge=0, le=10_000)] = 2000,
) -> Any:
    """Share of incidents in the N% most deprived data zones against their population share."""
    f = filters_from(svc, from_=from_, to=to, agency=agency, category=category, group=group)
    assert f.window is not None
    dz = svc.boundaries.datazones
    if group and group.lower() != "all":
        # a group's base is its own data zones (each in the group of the ward holding most
        # of its area), and its incidents are those in them: shares then use one base
        main = dz_main_group(svc)
        dz = dz[dz["code"].map(main) == group.upper()]
        f.wards = None
        f.datazones = list(dz["code"])
    inc = svc.frame(f, columns=["datazone", "occurred_at", "agency", "category"])
    res = concentration(inc, dz, most_deprived_pct=most_deprived_pct, n_boot=n_boot, seed=0)
    if format == "png":
        return Response(concentration_chart_png(res), media_type="image/png")
    doc = res.to_dict()
    doc["period"] = {"from": f.window.start.isoformat(), "to": f.window.end.isoformat(), "label": f.window.label()}
    doc["filters"] = {"agency": agency, "category": f.categories, "group": group or "all"}
    if by:
        periods = concentration_by_period(inc, dz, freq=by, start=f.window.start, end=f.window.end,
                                          most_deprived_pct=most_deprived_pct, n_boot=min(n_boot, 500), seed=0)
        doc["trend"] = [p.to_dict() for p in periods]
    if not who.sees_records:
        _suppress_groups(doc["by_decile"])
        _suppress_groups(doc["by_quintile"])
        doc.pop("curve", None)
        doc["suppressed"] = True
    if format == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(["simd_decile", "incidents", "population", "rate_per_1000", "n_datazones", "share_incidents", "share_population"])
        for g in doc["by_decile"]:
            w.writerow([g["decile"], g["incidents"], g["population"], "" if g["rate_per_1000"] is None else g["rate_per_1000"],
                        g["n_datazones"], "" if g["share_incidents"] is None else g["share_incidents"], g["share_population"]])
        return Response("\ufeff" + buf.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="deprivation_by_decile.csv"'})
    return doc
