"""Hotspot collections for the API, the maps and the tasking pack (cached, stored once)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from app import disclosure

POINT_EXCLUDED = "datazone"  # location_precision of records placed on a data zone's point


def point_records(inc: Any, agency: str | None = None) -> Any:
    """Records usable by point methods (DBSCAN, HDBSCAN, KDE, CLQ): those whose place is
    a point, not a data zone's representative point (which would form false clusters);
    road collisions only when ``agency`` asks for them (all-agency hotspots are the
    community-safety problems of police and fire)."""
    keep = pd.Series(True, index=inc.index)
    if "location_precision" in inc.columns:
        keep &= inc["location_precision"] != POINT_EXCLUDED
    if agency != "road" and "agency" in inc.columns:
        keep &= inc["agency"] != "road"
    return inc[keep].reset_index(drop=True)


def excluded_note(svc: Any, f: Any) -> dict[str, Any]:
    """How many records of the window a point method left out, and why."""
    from app.analysis import incidents

    inc = incidents(svc, f)
    n = int((inc["location_precision"] == POINT_EXCLUDED).sum()) if "location_precision" in inc.columns else 0
    road = int((inc["agency"] == "road").sum()) if f.agency != "road" and "agency" in inc.columns else 0
    return {"location_precision_datazone": n, "road_collisions": road,
            "note": "records located only to a data zone are counted by area methods (stats, Gi* by data zone, "
                    "deprivation) and left out of point methods; road collisions join point methods only with "
                    "agency=road"}


def _hotspot_result(svc: Any, f: Any, method: str, eps_m: float | None, min_samples: int | None,
                    min_cluster_size: int | None, hull: str) -> Any:
    from app.analysis import cached, incidents
    from geo.hotspots import find_hotspots

    params = {"method": method, "eps_m": eps_m, "min_samples": min_samples, "min_cluster_size": min_cluster_size, "hull": hull}
    inc = point_records(incidents(svc, f), f.agency)
    period = (f.window.start, f.window.end)
    return inc, cached(svc, "hotspots", f, params, lambda: find_hotspots(
        inc, svc.boundaries, method=method, eps_m=eps_m, min_samples=min_samples,  # type: ignore[arg-type]
        min_cluster_size=min_cluster_size, period=period, hull=hull))  # type: ignore[arg-type]


def hotspot_collection(svc: Any, who: Any, f: Any, *, method: str = "dbscan", eps_m: float | None = None,
                       min_samples: int | None = None, min_cluster_size: int | None = None, hull: str = "convex",
                       overlap_only: bool = False, permutations: int = 199, seed: int = 0) -> dict[str, Any]:
    """The hotspot FeatureCollection for these filters (shared by the API and the maps)."""
    from app.analysis import cached, remember_hotspots
    from geo.errors import EmptyInputError, TooFewIncidentsError
    from geo.hotspots import overlap_hotspots, to_geojson

    disclosure.check_floors(who, eps_m=eps_m, min_samples=min_samples, min_cluster_size=min_cluster_size)
    period = {"from": f.window.start.isoformat(), "to": f.window.end.isoformat(), "label": f.window.label()}
    try:
        inc, res = _hotspot_result(svc, f, method, eps_m, min_samples, min_cluster_size, hull)
    except (TooFewIncidentsError, EmptyInputError) as exc:
        # not an error for a map or a meeting: nothing to show, and why
        return {"type": "FeatureCollection", "features": [], "period": period, "warnings": [str(exc)], "excluded": excluded_note(svc, f),
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
    fc["excluded"] = excluded_note(svc, f)
    return disclosure.hotspot_collection(fc, who)
