"""Hotspots: Getis-Ord Gi* (data zones or grid), KDE heat surface, density clusters."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from app import disclosure
from app.deps import PrincipalDep, ServiceDep
from app.errors import ApiError
from app.geojson import feature_collection
from app.hotspot_views import (
    events_input,
    excluded_with_links,
    hotspot_collection,
    point_records,
)
from app.params import FilterDep
from geo.gistar import gistar_datazones, gistar_grid
from geo.kde import kde_surface

router = APIRouter(prefix="/hotspots", tags=["hotspots"])


@router.get("/gistar")
def gistar(
    svc: ServiceDep,
    who: PrincipalDep,
    q: FilterDep,
    unit: Literal["datazone", "grid"] = "datazone",
    cell_m: Annotated[float | None, Query(gt=0)] = None,
    permutations: Annotated[int | None, Query(ge=0, description="Monte Carlo permutations (conditional, seeded); "
                                               "bins then come from the permutation p after FDR. Default: "
                                               "HOTSPOTS_DEFAULT_PERMUTATIONS (999) for data zones; grids "
                                               "finer than ~500 m use the analytic p. 0 = analytic only.")] = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Getis-Ord Gi* z, p, FDR-corrected p and ±3/±2/±1 confidence per data zone or grid cell."""
    if permutations is not None and permutations > svc.settings.max_permutations:
        raise ApiError(422, f"`permutations` must be at most {svc.settings.max_permutations}", param="permutations")
    disclosure.check_floors(who, grid_cell_m=cell_m if unit == "grid" else None)
    if unit == "grid" and cell_m is None and disclosure.restricted(who):
        cell_m = disclosure.GRID_CELL_FLOOR_M
    f = q.resolve(svc, who=who)
    inc = svc.frame(f, columns=["source_id", "agency", "category", "occurred_at", "easting", "northing", "datazone", "ward"])
    if unit == "datazone":
        gdf = gistar_datazones(inc, svc.boundaries, permutations=permutations, seed=seed,
                               default_permutations=svc.settings.default_permutations)
        id_cols = ["code", "name"]
    else:
        gdf = gistar_grid(inc, svc.boundaries, cell_m=cell_m, permutations=permutations, seed=seed,
                          default_permutations=svc.settings.default_permutations)
        id_cols = ["cell_id"]
    params = dict(gdf.attrs.get("parameters", {}))
    gdf = gdf.copy()
    gdf["count"] = gdf["count"].astype(int)
    gdf["label"] = gdf["confidence"].map(lambda c: "hot" if c > 0 else "cold" if c < 0 else "not-significant")
    cols = [*id_cols, "count", "gi_z", "p_value", "p_fdr", "confidence", "label", "n_neighbours"]
    if "p_sim" in gdf.columns:
        cols.append("p_sim")
    gdf = disclosure.gistar_frame(gdf, who)
    assert f.window is not None
    return feature_collection(
        gdf, cols,
        parameters=params | {"from": f.window.start.isoformat(), "to": f.window.end.isoformat(), "agency": f.agency, "category": f.categories},
        method="Getis-Ord Gi* (binary weights incl. self, Queen contiguity), Benjamini-Hochberg FDR over all units",
    )


@router.get("/kde")
def kde(
    svc: ServiceDep,
    who: PrincipalDep,
    q: FilterDep,
    bandwidth_m: Annotated[float | None, Query(gt=0)] = None,
    cell_m: Annotated[float | None, Query(gt=0)] = None,
    top_n: Annotated[int, Query(ge=1, le=50_000)] = 5000,
) -> dict[str, Any]:
    """Quartic-kernel density surface (incidents per km²) for a heat layer."""
    disclosure.check_floors(who, bandwidth_m=bandwidth_m, cell_m=cell_m)
    f = q.resolve(svc, who=who)
    linked, n_linked = events_input(svc, f)  # a joint attendance is one event: one point of heat
    inc = point_records(linked, f.agency)
    if inc.empty:
        raise ApiError(422, "no incidents in this window and filter: nothing to smooth", param="from")
    x, y = inc["easting"].to_numpy(), inc["northing"].to_numpy()
    if disclosure.restricted(who) and bandwidth_m is None:
        bandwidth_m = max(disclosure.FLOORS["bandwidth_m"], kde_surface(x, y).bandwidth_m)
    res = kde_surface(x, y, bandwidth_m=bandwidth_m, cell_m=cell_m)
    doc = res.to_dict(top_n=top_n) | {"excluded": excluded_with_links(svc, f, who, n_linked)}
    if disclosure.restricted(who):
        doc = disclosure.kde_doc(doc, who, _support(doc, x, y, res.bandwidth_m))
    return doc


def _support(doc: dict[str, Any], x: Any, y: Any, radius: float) -> list[int]:
    """Incidents within ``radius`` of each heat point (for the disclosure rule)."""
    import numpy as np
    from pyproj import Transformer
    from scipy.spatial import cKDTree

    if not doc["points"]:
        return []
    pts = np.asarray(doc["points"], dtype=float)
    ex, ny = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True).transform(pts[:, 1], pts[:, 0])
    counts = cKDTree(np.column_stack([x, y])).query_ball_point(np.column_stack([ex, ny]), r=radius, return_length=True)
    return [int(c) for c in counts]


HotspotMethod = Literal["dbscan", "hdbscan"]


@router.get("")
def get_hotspots(
    svc: ServiceDep,
    who: PrincipalDep,
    q: FilterDep,
    method: HotspotMethod = "dbscan",
    eps_m: Annotated[float | None, Query(gt=0, le=5000)] = None,
    min_samples: Annotated[int | None, Query(ge=2, le=10_000)] = None,
    min_cluster_size: Annotated[int | None, Query(ge=2, le=100_000)] = None,
    hull: Literal["convex", "concave"] = "convex",
) -> dict[str, Any]:
    """Density-cluster hotspots (DBSCAN/HDBSCAN) as ranked GeoJSON polygons (default: last 90 days)."""
    f = q.resolve(svc, who=who, default_days=90)
    return hotspot_collection(svc, who, f, method=method, eps_m=eps_m, min_samples=min_samples,
                              min_cluster_size=min_cluster_size, hull=hull)


@router.get("/overlap")
def get_overlap(
    svc: ServiceDep,
    who: PrincipalDep,
    q: FilterDep,
    method: HotspotMethod = "dbscan",
    eps_m: Annotated[float | None, Query(gt=0, le=5000)] = None,
    min_samples: Annotated[int | None, Query(ge=2, le=10_000)] = None,
    min_cluster_size: Annotated[int | None, Query(ge=2, le=100_000)] = None,
    hull: Literal["convex", "concave"] = "convex",
    permutations: Annotated[int, Query(ge=0, le=9999)] = 199,
    seed: int = 0,
) -> dict[str, Any]:
    """Police/fire overlap hotspots only, each with co-location quotients and permutation p-values."""
    if q.agency is not None:
        raise ApiError(422, "overlap needs both agencies: leave `agency` out", param="agency")
    f = q.resolve(svc, who=who, default_days=90)
    return hotspot_collection(svc, who, f, method=method, eps_m=eps_m, min_samples=min_samples,
                              min_cluster_size=min_cluster_size, hull=hull, overlap_only=True,
                              permutations=permutations, seed=seed)
