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


def _suppress_counts(obj: Any) -> Any:
    """Counts 1-4 under any ``n``/``n_*`` key, at any depth, become "<5"."""
    if isinstance(obj, dict):
        return {k: (_small(v) if (k == "n" or k.startswith("n_")) and isinstance(v, int) else _suppress_counts(v))
                for k, v in obj.items()}
    if isinstance(obj, list):
        return [_suppress_counts(v) for v in obj]
    return obj


def _suppress_hotspot(props: dict[str, Any]) -> None:
    for k in ("n", "n_police", "n_fire"):
        props[k] = _small(props.get(k))
    if "colocation" in props:
        props["colocation"] = _suppress_counts(props["colocation"])
    if isinstance(props.get("categories"), dict):
        props["categories"] = {c: _small(v) for c, v in props["categories"].items()}
    tr = props.get("trend")
    if isinstance(tr, dict):
        for k in ("first_half", "second_half"):
            if k in tr:
                tr[k] = _small(tr[k])
        if any(tr.get(k) == "<5" for k in ("first_half", "second_half")):
            tr["change_pct"] = None


def _hotspot_result(svc: Any, f: Any, method: str, eps_m: float | None, min_samples: int | None,
                    min_cluster_size: int | None, hull: str) -> Any:
    from app.analysis import cached, incidents
    from geo.clusters import find_hotspots

    params = {"method": method, "eps_m": eps_m, "min_samples": min_samples, "min_cluster_size": min_cluster_size, "hull": hull}
    inc = incidents(svc, f)
    period = (f.window.start, f.window.end)
    return inc, cached(svc, "hotspots", f, params, lambda: find_hotspots(
        inc, svc.boundaries, method=method, eps_m=eps_m, min_samples=min_samples,  # type: ignore[arg-type]
        min_cluster_size=min_cluster_size, period=period, hull=hull))  # type: ignore[arg-type]


def hotspot_collection(svc: Any, who: Any, f: Any, *, method: str = "dbscan", eps_m: float | None = None,
                       min_samples: int | None = None, min_cluster_size: int | None = None, hull: str = "convex",
                       overlap_only: bool = False, permutations: int = 199, seed: int = 0) -> dict[str, Any]:
    """The hotspot FeatureCollection for these filters (shared by the API and the maps)."""
    from app.analysis import cached, remember_hotspots
    from geo.clusters import overlap_hotspots, to_geojson
    from geo.errors import EmptyInputError, TooFewIncidentsError

    period = {"from": f.window.start.isoformat(), "to": f.window.end.isoformat(), "label": f.window.label()}
    try:
        inc, res = _hotspot_result(svc, f, method, eps_m, min_samples, min_cluster_size, hull)
    except (TooFewIncidentsError, EmptyInputError) as exc:
        # not an error for a map or a meeting: nothing to show, and why
        return {"type": "FeatureCollection", "features": [], "period": period, "warnings": [str(exc)],
                "parameters": {"method": method, "eps_m": eps_m, "min_samples": min_samples,
                               "min_cluster_size": min_cluster_size}}
    if overlap_only:
        key = {"method": method, "eps_m": eps_m, "min_samples": min_samples, "min_cluster_size": min_cluster_size,
               "hull": hull, "permutations": permutations, "seed": seed}
        res = cached(svc, "overlap", f, key, lambda: overlap_hotspots(res, inc, permutations=permutations, seed=seed))
    fc = to_geojson(res)
    remember_hotspots(svc, fc, res)
    for feat in fc["features"]:
        feat["properties"].setdefault("id", feat.get("id"))
        if not who.sees_records:
            _suppress_hotspot(feat["properties"])
    fc["period"] = period
    return fc


HotspotMethod = Literal["dbscan", "hdbscan"]


@router.get("")
def get_hotspots(
    svc: ServiceDep,
    who: PrincipalDep,
    method: HotspotMethod = "dbscan",
    eps_m: Annotated[float | None, Query(gt=0, le=5000)] = None,
    min_samples: Annotated[int | None, Query(ge=2, le=10_000)] = None,
    min_cluster_size: Annotated[int | None, Query(ge=2, le=100_000)] = None,
    agency: str | None = None,
    category: Annotated[list[str] | None, Query()] = None,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: str | None = None,
    group: str | None = None,
    hull: Literal["convex", "concave"] = "convex",
) -> dict[str, Any]:
    """Density-cluster hotspots (DBSCAN/HDBSCAN) as ranked GeoJSON polygons (default: last 90 days)."""
    f = filters_from(svc, from_=from_, to=to, agency=agency, category=category, group=group, default_days=90)
    return hotspot_collection(svc, who, f, method=method, eps_m=eps_m, min_samples=min_samples,
                              min_cluster_size=min_cluster_size, hull=hull)


@router.get("/overlap")
def get_overlap(
    svc: ServiceDep,
    who: PrincipalDep,
    method: HotspotMethod = "dbscan",
    eps_m: Annotated[float | None, Query(gt=0, le=5000)] = None,
    min_samples: Annotated[int | None, Query(ge=2, le=10_000)] = None,
    min_cluster_size: Annotated[int | None, Query(ge=2, le=100_000)] = None,
    agency: str | None = None,
    category: Annotated[list[str] | None, Query()] = None,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: str | None = None,
    group: str | None = None,
    hull: Literal["convex", "concave"] = "convex",
    permutations: Annotated[int, Query(ge=0, le=9999)] = 199,
    seed: int = 0,
) -> dict[str, Any]:
    """Police/fire overlap hotspots only, each with co-location quotients and permutation p-values."""
    if agency is not None:
        raise ApiError(422, "overlap needs both agencies: leave `agency` out", param="agency")
    f = filters_from(svc, from_=from_, to=to, category=category, group=group, default_days=90)
    return hotspot_collection(svc, who, f, method=method, eps_m=eps_m, min_samples=min_samples,
                              min_cluster_size=min_cluster_size, hull=hull, overlap_only=True,
                              permutations=permutations, seed=seed)
