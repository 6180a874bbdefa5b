"""Patterns in time: near repeats (Knox), temporal profiles, repeat locations."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Query
from fastapi.responses import Response

from app.deps import PrincipalDep, ServiceDep
from app.errors import ApiError
from app.params import FilterDep
from app.security import Principal
from app.service import Filters
from geo.ingest import to_wgs84
from geo.patterns.disclosure import PRIMARY, is_small
from geo.patterns.knox import knox_test
from geo.patterns.repeats import coarsen, exact_row, repeat_places
from geo.patterns.temporal import last_year_window, temporal_profile
from geo.patterns.views import heat_png, suppress_temporal, temporal_doc
from geo.periods import TZ, Window

router = APIRouter(prefix="/patterns", tags=["patterns"])
COLS = ["source_id", "agency", "category", "occurred_at", "easting", "northing", "datazone", "ward", "date_precision"]


def exact_for(who: Principal, f: Filters) -> bool:
    """Exact small counts: analysts, admins, and a partner looking at its own agency only."""
    return who.sees_records or (who.records_agency is not None and f.agency == who.records_agency)


def _edges(raw: str | None, name: str, default: tuple[float, ...]) -> tuple[float, ...]:
    if raw is None or not raw.strip():
        return default
    try:
        return tuple(float(v) for v in raw.split(",") if v.strip())
    except ValueError:
        raise ApiError(422, f"`{name}` must be comma-separated numbers, got {raw!r}", param=name) from None


@router.get("/near-repeat")
def near_repeat(
    svc: ServiceDep,
    who: PrincipalDep,
    q: FilterDep,
    distance_bands_m: Annotated[str | None, Query(description="Distance band edges in metres, e.g. `0,100,200,300,400`.")] = None,
    time_bands_days: Annotated[str | None, Query(description="Time band edges in whole days, e.g. `0,7,14,21,28`.")] = None,
    permutations: Annotated[int, Query(ge=0)] = 999,
    seed: int = 0,
) -> dict[str, Any]:
    """Knox test of near repeats: observed and expected pairs, Knox ratio and Monte Carlo p per cell."""
    from geo.patterns.knox import DEFAULT_DISTANCE_BANDS_M, DEFAULT_TIME_BANDS_DAYS

    if permutations > svc.settings.max_permutations:
        raise ApiError(422, f"`permutations` must be at most {svc.settings.max_permutations}", param="permutations")
    f = q.resolve(svc)
    inc = svc.frame(f, columns=["easting", "northing", "occurred_at", "date_precision"])
    timed = inc[inc["date_precision"].fillna("datetime") != "month"]
    days = timed["occurred_at"].dt.tz_convert(TZ).dt.tz_localize(None).dt.normalize()
    res = knox_test(
        timed["easting"].to_numpy(float), timed["northing"].to_numpy(float),
        ((days - pd.Timestamp("1970-01-01")) // pd.Timedelta(days=1)).to_numpy(),
        distance_bands_m=_edges(distance_bands_m, "distance_bands_m", DEFAULT_DISTANCE_BANDS_M),
        time_bands_days=_edges(time_bands_days, "time_bands_days", tuple(float(v) for v in DEFAULT_TIME_BANDS_DAYS)),
        permutations=permutations, seed=seed,
    )
    exact = exact_for(who, f)
    rows = [c.to_dict() for c in res.cells]
    if not exact:
        for r in rows:
            if is_small(r["observed"]):
                r["observed"], r["ratio"], r["p_value"] = PRIMARY, None, None
    assert f.window is not None
    return {
        "rows": rows,
        "n_incidents": res.n_incidents,
        "excluded_month_precision": len(inc) - len(timed),
        "n_pairs_total": res.n_pairs_total,
        "permutations": res.permutations,
        "seed": seed,
        "period": {"from": f.window.start.tz_convert(TZ).isoformat(), "to": f.window.end.tz_convert(TZ).isoformat()},
        "suppressed": not exact,
        "method": ("Knox test: pairs of incidents by distance band [from, to) m and gap between local calendar dates "
                   "[from, to) days; expected = exact mean under permutation of the dates; p = (1 + #permuted >= "
                   "observed) / (1 + permutations), one-sided"),
    }


@router.get("/temporal", response_model=None)
def temporal(
    svc: ServiceDep,
    who: PrincipalDep,
    q: FilterDep,
    format: Literal["json", "csv", "png"] = "json",
) -> Any:
    """Hour × weekday (Monday first, local time), monthly counts and the bonfire period (15 Oct – 10 Nov)."""
    f = q.resolve(svc)
    assert f.window is not None
    inc = svc.frame(f, columns=["occurred_at", "date_precision"])
    span = last_year_window(f.window.start, f.window.end)
    prev = svc.frame(f, window=Window(*span), columns=["occurred_at", "date_precision"]) if span else None
    prof = temporal_profile(inc, f.window.start, f.window.end, previous=prev)
    doc = temporal_doc(prof, f.window)
    exact = exact_for(who, f)
    if not exact:
        suppress_temporal(doc)
    doc["suppressed"] = not exact
    if format == "csv":
        return Response("\ufeff" + _temporal_csv(doc), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="temporal_profile.csv"'})
    if format == "png":
        return Response(heat_png(doc), media_type="image/png")
    return doc


def _temporal_csv(doc: dict[str, Any]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["part", "weekday", "hour", "month", "count"])
    for d, row in zip(doc["weekdays"], doc["by_hour_weekday"], strict=True):
        for h, v in enumerate(row):
            w.writerow(["hour_weekday", d, h, "", v])
    for r in doc["by_month"]:
        w.writerow(["month", "", "", r["month"], r["count"]])
    w.writerow(["excluded_month_precision", "", "", "", doc["excluded_month_precision"]])
    return buf.getvalue()


@router.get("/repeat-locations")
def repeat_locations(
    svc: ServiceDep,
    who: PrincipalDep,
    q: FilterDep,
    radius_m: Annotated[float, Query(ge=0, le=200, description="Linkage distance (m); 0 = same coordinates only.")] = 25.0,
    min_incidents: Annotated[int, Query(ge=2, le=10_000)] = 2,
    limit: Annotated[int, Query(ge=1, le=5000)] = 100,
) -> dict[str, Any]:
    """Places with repeated incidents (single linkage within `radius_m`), most incidents first."""
    f = q.resolve(svc)
    assert f.window is not None
    exact = exact_for(who, f)
    if not exact:  # whole months only: differencing two windows reveals at most a month
        start = f.window.start.tz_convert(TZ).tz_localize(None).to_period("M").to_timestamp().tz_localize(TZ)
        end_local = (f.window.end - pd.Timedelta(microseconds=1)).tz_convert(TZ).tz_localize(None)
        end = (end_local.to_period("M") + 1).to_timestamp().tz_localize(TZ)
        f.window = Window(start.tz_convert("UTC"), end.tz_convert("UTC"))
    inc = svc.frame(f, columns=COLS).reset_index(drop=True)
    places = repeat_places(inc, radius_m=radius_m, min_incidents=max(min_incidents, 2 if exact else 5))
    rows = [exact_row(p) for p in places] if exact else coarsen(places, inc)
    rows = rows[:limit]
    if rows:
        lon, lat = to_wgs84(pd.Series([r["easting"] for r in rows]).to_numpy(float),
                            pd.Series([r["northing"] for r in rows]).to_numpy(float))
        for r, a, b in zip(rows, lon, lat, strict=True):
            r["lon"], r["lat"] = round(float(a), 6), round(float(b), 6)
    return {
        "rows": rows,
        "n_places": len(places) if exact else len(rows),
        "radius_m": radius_m,
        "min_incidents": max(min_incidents, 2 if exact else 5),
        "period": {"from": f.window.start.tz_convert(TZ).isoformat(), "to": f.window.end.tz_convert(TZ).isoformat()},
        "suppressed": not exact,
        "rule": (f"incidents within {radius_m:g} m of each other are linked; a place is a chain of links (single "
                 "linkage); places of fewer than min_incidents are left out"
                 + ("" if exact else "; viewer: places of 5 or more only, position at the 250 m grid cell centre, "
                    "whole months, first/last month only when 5 or more incidents fell in it")),
    }
