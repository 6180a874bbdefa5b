"""Hotspots: Getis-Ord Gi* (data zones or grid), KDE heat surface, density clusters."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from app.deps import PrincipalDep, ServiceDep
from app.errors import ApiError
from app.geojson import feature_collection
from app.params import filters_from
from geo.gistar import gistar_datazones, gistar_grid
from geo.kde import kde_surface

router = APIRouter(prefix="/hotspots", tags=["hotspots"])
SYNTHETIC_NOTE = "counts 1-4 shown as '<5' for the viewer role"


def _small(v: Any) -> Any:
    return "<5" if isinstance(v, int) and 1 <= v <= 4 else v


@router.get("/gistar")
def gistar(
    svc: ServiceDep,
    who: PrincipalDep,
    unit: Literal["datazone", "grid"] = "datazone",
    cell_m: Annotated[float | None, Query(gt=0)] = None,
    agency: str | None = None,
    category: Annotated[list[str] | None, Query()] = None,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: str | None = None,
    permutations: Annotated[int, Query(ge=0)] = 0,
    seed: int = 0,
) -> dict[str, Any]:
    """Getis-Ord Gi* z, p, FDR-corrected p and ±3/±2/±1 confidence per data zone or grid cell."""
    if permutations > svc.settings.max_permutations:
        raise ApiError(422, f"`permutations` must be at most {svc.settings.max_permutations}", param="permutations")
    f = filters_from(svc, from_=from_, to=to, agency=agency, category=category)
    inc = svc.frame(f, columns=["source_id", "agency", "category", "occurred_at", "easting", "northing", "datazone", "ward"])
    if unit == "datazone":
        gdf = gistar_datazones(inc, svc.boundaries, permutations=permutations, seed=seed)
        id_cols = ["code", "name"]
    else:
        gdf = gistar_grid(inc, svc.boundaries, cell_m=cell_m, permutations=permutations, seed=seed)
        id_cols = ["cell_id"]
    params = dict(gdf.attrs.get("parameters", {}))
    gdf = gdf.copy()
    gdf["count"] = gdf["count"].astype(int)
    gdf["label"] = gdf["confidence"].map(lambda c: "hot" if c > 0 else "cold" if c < 0 else "not-significant")
    cols = [*id_cols, "count", "gi_z", "p_value", "p_fdr", "confidence", "label", "n_neighbours"]
    if "p_sim" in gdf.columns:
        cols.append("p_sim")
    if not who.sees_records:
        gdf["count"] = gdf["count"].map(lambda v: _small(int(v)))
    assert f.window is not None
    return feature_collection(
        gdf, cols,
        parameters=params | {"from": f.window.start.isoformat(), "to": f.window.end.isoformat(), "agency": agency, "category": f.categories},
        method="Getis-Ord Gi* (binary weights incl. self, Queen contiguity), Benjamini-Hochberg FDR over all units",
    )


@router.get("/kde")
def kde(
    svc: ServiceDep,
    who: PrincipalDep,
    agency: str | None = None,
    category: Annotated[list[str] | None, Query()] = None,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: str | None = None,
    group: str | None = None,
    bandwidth_m: Annotated[float | None, Query(gt=0)] = None,
    cell_m: Annotated[float | None, Query(gt=0)] = None,
    top_n: Annotated[int, Query(ge=1, le=50_000)] = 5000,
) -> dict[str, Any]:
    """Quartic-kernel density surface (incidents per km²) for a heat layer."""
    f = filters_from(svc, from_=from_, to=to, agency=agency, category=category, group=group)
    inc = svc.frame(f, columns=["easting", "northing"])
    if inc.empty:
        raise ApiError(422, "no incidents in this window and filter: nothing to smooth", param="from")
    res = kde_surface(inc["easting"].to_numpy(), inc["northing"].to_numpy(), bandwidth_m=bandwidth_m, cell_m=cell_m)
    return res.to_dict(top_n=top_n)
