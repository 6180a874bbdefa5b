"""Emerging hot spots: space-time Gi* per data zone or grid cell × month or week.

``GET /hotspots/emerging`` (DESIGN.md, "Contract added with the time-analysis work"):
GeoJSON (WGS84) with ``pattern``, ``trend_z`` and ``trend_p`` per location. Register this
router before the hotspots router so that ``/hotspots/emerging`` is not shadowed.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from app import disclosure
from app.deps import PrincipalDep, ServiceDep
from app.geojson import feature_collection
from app.params import FilterDep
from geo.emerging import EmergingResult, describe, emerging_datazones, emerging_grid

router = APIRouter(prefix="/hotspots", tags=["hotspots"])

COLUMNS = ["occurred_at", "easting", "northing", "datazone", "date_precision", "location_precision"]
#: Default window when ``from`` is not given: two years, so the trend has 24 months.
DEFAULT_DAYS = 730
METHOD = (
    "Emerging Hot Spot Analysis (as ArcGIS): Getis-Ord Gi* of each location × time step with "
    "queen neighbours in the step and the time_window steps before it, Benjamini-Hochberg FDR over "
    "all bins, Mann-Kendall trend of each location's z series, ArcGIS pattern categories"
)


def _properties(res: EmergingResult, restricted: bool) -> tuple[Any, list[str]]:
    """The feature table and the columns this audience may see (viewers: no counts, no z per step)."""
    gdf = res.units.copy()
    gdf["pattern_text"] = gdf["pattern"].map(describe)
    ids = ["code", "name"] if "code" in gdf.columns else ["cell_id"]
    cols = [*ids, "pattern", "pattern_text", "trend_z", "trend_p", "n_hot_steps", "n_cold_steps"]
    if restricted:
        return gdf, cols
    gdf["z_series"] = [[None if v != v else round(float(v), 4) for v in row] for row in res.gi.z]
    gdf["confidence_series"] = [[int(v) for v in row] for row in res.gi.confidence]
    return gdf, [*cols, "count", "final_z", "final_confidence", "z_series", "confidence_series"]


@router.get("/emerging")
def emerging(
    svc: ServiceDep,
    who: PrincipalDep,
    q: FilterDep,
    unit: Literal["datazone", "grid"] = "datazone",
    interval: Literal["month", "week"] = "month",
    cell_m: Annotated[float | None, Query(gt=0, description="Grid cell side (m); default data-driven.")] = None,
    time_window: Annotated[int, Query(ge=0, le=12, description="Earlier time steps in each neighbourhood.")] = 1,
    pattern: Annotated[list[str] | None, Query(description="Only features with these patterns.")] = None,
) -> dict[str, Any]:
    """Emerging hot spots: the ArcGIS pattern of each data zone or grid cell, with its trend.

    Only whole months (or Monday-to-Sunday weeks) inside [from, to) are time steps; the
    default window is the last two years. Viewers get patterns and trends only (no counts,
    no per-step z-scores), and grid cells of at least the disclosure floor.
    """
    disclosure.check_floors(who, grid_cell_m=cell_m if unit == "grid" else None)
    if unit == "grid" and cell_m is None and disclosure.restricted(who):
        cell_m = disclosure.GRID_CELL_FLOOR_M
    f = q.resolve(svc, who=who, default_days=DEFAULT_DAYS)
    assert f.window is not None
    inc = svc.frame(f, columns=COLUMNS)
    kw: dict[str, Any] = {"start": f.window.start, "end": f.window.end, "interval": interval, "time_window": time_window}
    if unit == "datazone":
        res = emerging_datazones(inc, svc.boundaries, **kw)
    else:
        res = emerging_grid(inc, svc.boundaries, cell_m=cell_m, **kw)
    restricted = disclosure.restricted(who)
    gdf, cols = _properties(res, restricted)
    if pattern:
        wanted = {p.strip() for raw in pattern for p in raw.split(",") if p.strip()}
        gdf = gdf[gdf["pattern"].isin(wanted)]
    params = dict(res.parameters)
    if restricted:
        params = {k: v for k, v in params.items() if k not in ("n_incidents", "n_incidents_used", "excluded")}
    summary = res.units["pattern"].value_counts().to_dict()
    return feature_collection(
        gdf, cols,
        parameters=params | {"from": f.window.start.isoformat(), "to": f.window.end.isoformat(),
                             "agency": f.agency, "category": f.categories},
        steps=res.steps.labels,
        patterns=summary,
        method=METHOD,
        disclosure={"restricted": True, "note": "patterns and trends only: counts and per-step z-scores withheld"}
        if restricted else {"restricted": False},
    )
