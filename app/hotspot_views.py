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


def events_input(svc: Any, f: Any) -> tuple[pd.DataFrame, int]:
    """The window's incidents with the fire record of each joint attendance dropped, and
    how many were dropped (docs/methods.md "Joint attendances"): a police and a fire
    record of one event (:func:`geo.events.link_events`, limits from the settings) count
    once, as the police record, in all-agency hotspots and their co-location; so a joint
    attendance is not fire beside police. With an agency filter nothing is linked."""
    from app.analysis import ANALYSIS_COLUMNS, cached, dated_incidents, incidents
    from app.statistics import LINK_COLUMNS, linking_on
    from geo.events import link_events

    inc = incidents(svc, f)
    if not linking_on(svc, f):
        return inc, 0
    s = svc.settings

    def second(df: pd.DataFrame) -> Any:
        return link_events(df, metres=s.event_link_metres, minutes=s.event_link_minutes).second

    def links() -> pd.DataFrame:  # from the frame `inc` was cut from (one read of the database)
        d = dated_incidents(svc, f)
        return pd.DataFrame({"source_id": d["source_id"], "second": second(d[list(dict.fromkeys(["source_id", *LINK_COLUMNS]))])})

    aux = cached(svc, "event_links", f, {"metres": s.event_link_metres, "minutes": s.event_link_minutes}, links)
    if len(aux) != len(inc) or not (aux["source_id"].to_numpy() == inc["source_id"].to_numpy()).all():
        # a batch was stored between the two reads: link one fresh frame instead
        fresh = svc.frame(f, columns=list(dict.fromkeys([*ANALYSIS_COLUMNS, "date_precision"])))
        drop = second(fresh)
        return fresh.loc[~drop, ANALYSIS_COLUMNS].reset_index(drop=True), int(drop.sum())
    drop = aux["second"].to_numpy(dtype=bool)
    return inc.loc[~drop].reset_index(drop=True), int(drop.sum())


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
    from app.analysis import cached
    from geo.hotspots import find_hotspots

    s = svc.settings
    params = {"method": method, "eps_m": eps_m, "min_samples": min_samples, "min_cluster_size": min_cluster_size, "hull": hull,
              "link": [s.event_link_metres, s.event_link_minutes]}
    linked, n_linked = events_input(svc, f)
    inc = point_records(linked, f.agency)
    period = (f.window.start, f.window.end)
    return inc, n_linked, cached(svc, "hotspots", f, params, lambda: find_hotspots(
        inc, svc.boundaries, method=method, eps_m=eps_m, min_samples=min_samples,  # type: ignore[arg-type]
        min_cluster_size=min_cluster_size, period=period, hull=hull))  # type: ignore[arg-type]


def hotspot_collection(svc: Any, who: Any, f: Any, *, method: str = "dbscan", eps_m: float | None = None,
                       min_samples: int | None = None, min_cluster_size: int | None = None, hull: str = "convex",
                       overlap_only: bool = False, permutations: int = 199, seed: int = 0) -> dict[str, Any]:
    """The hotspot FeatureCollection for these filters (shared by the API and the maps)."""
    from app.analysis import one_version

    with one_version(svc):  # one data-version query for all the cached steps
        return _collection(svc, who, f, method=method, eps_m=eps_m, min_samples=min_samples,
                           min_cluster_size=min_cluster_size, hull=hull, overlap_only=overlap_only,
                           permutations=permutations, seed=seed)


def _collection(svc: Any, who: Any, f: Any, *, method: str, eps_m: float | None, min_samples: int | None,
                min_cluster_size: int | None, hull: str, overlap_only: bool, permutations: int,
                seed: int) -> dict[str, Any]:
    from app.analysis import cached, remember_hotspots
    from geo.errors import EmptyInputError, TooFewIncidentsError
    from geo.hotspots import overlap_hotspots, to_geojson

    disclosure.check_floors(who, eps_m=eps_m, min_samples=min_samples, min_cluster_size=min_cluster_size)
    period = {"from": f.window.start.isoformat(), "to": f.window.end.isoformat(), "label": f.window.label()}
    try:
        inc, n_linked, res = _hotspot_result(svc, f, method, eps_m, min_samples, min_cluster_size, hull)
    except (TooFewIncidentsError, EmptyInputError) as exc:
        # not an error for a map or a meeting: nothing to show, and why
        return {"type": "FeatureCollection", "features": [], "period": period, "warnings": [str(exc)], "excluded": excluded_with_links(svc, f, who),
                "parameters": {"method": method, "eps_m": eps_m, "min_samples": min_samples,
                               "min_cluster_size": min_cluster_size}}
    if overlap_only:
        key = {"method": method, "eps_m": eps_m, "min_samples": min_samples, "min_cluster_size": min_cluster_size,
               "hull": hull, "permutations": permutations, "seed": seed,
               "link": [svc.settings.event_link_metres, svc.settings.event_link_minutes]}
        res = cached(svc, "overlap", f, key, lambda: overlap_hotspots(res, inc, permutations=permutations, seed=seed))
    fc = to_geojson(res)
    remember_hotspots(svc, fc, res)
    for feat in fc["features"]:
        feat["properties"].setdefault("id", feat.get("id"))
    fc["period"] = period
    fc["excluded"] = excluded_with_links(svc, f, who, n_linked)
    return disclosure.hotspot_collection(fc, who)


def excluded_with_links(svc: Any, f: Any, who: Any, n_linked: int | None = None) -> dict[str, Any]:
    """:func:`excluded_note` plus the joint attendances counted once (hotspot methods);
    for a restricted audience a count of 1-4 is ``"<5"``."""
    note = excluded_note(svc, f)
    n = events_input(svc, f)[1] if n_linked is None else n_linked
    note["linked_events"] = disclosure.small(n) if disclosure.restricted(who) else n
    m, mins = svc.settings.event_link_metres, svc.settings.event_link_minutes
    note["note"] += (f"; a fire record within {m:g} m and {mins:g} minutes of a police record is one joint attendance "
                     "(linked_events) and counts once, as the police record")
    return note
