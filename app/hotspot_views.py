"""Hotspot collections for the API, the maps and the tasking pack (cached, stored once)."""

from __future__ import annotations

from typing import Any

from app import disclosure


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

    disclosure.check_floors(who, eps_m=eps_m, min_samples=min_samples, min_cluster_size=min_cluster_size)
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
    fc["period"] = period
    return disclosure.hotspot_collection(fc, who)
