"""Evaluations as a service: areas from requests, the default control, run and store.

Routes (``app/routes/evaluations.py``) and the tasking domain (``app/tasking``) call these;
the statistics themselves live in :mod:`geo.evaluation`.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import shapely
import sqlalchemy as sa
from pydantic import BaseModel, Field
from shapely.geometry import shape
from shapely.ops import transform

from app import audit
from app.db import evaluations, hotspots, incidents
from app.errors import ApiError
from app.params import filters_from
from app.security import Principal
from app.service import Service
from geo.evaluation import buffer_ring, evaluate_operation
from geo.ingest import to_bng
from geo.periods import Window, parse_instant


class Area(BaseModel):
    """An area: exactly one of a ward code, data-zone codes, a hotspot id or a GeoJSON
    Polygon/MultiPolygon (WGS84 lon/lat, RFC 7946)."""

    ward: str | None = None
    datazones: list[str] | None = None
    hotspot_id: str | None = None
    geometry: dict[str, Any] | None = None


class EvaluationRequest(BaseModel):
    """What to evaluate."""

    name: str | None = Field(default=None, max_length=200)
    target: Area
    start: str = Field(description="intervention start (ISO date/datetime, Europe/London)")
    end: str = Field(description="intervention end, exclusive")
    categories: list[str] = Field(min_length=1)
    agency: str | None = None
    buffer_m: float = Field(default=500, ge=0, le=5000)
    control: Area | None = None
    before_start: str | None = None


def area_from(svc: Service, a: Area, *, param: str) -> shapely.Geometry:
    given = [k for k in ("ward", "datazones", "hotspot_id", "geometry") if getattr(a, k) not in (None, [])]
    if len(given) != 1:
        raise ApiError(422, f"`{param}` needs exactly one of ward, datazones, hotspot_id, geometry", param=param)
    b = svc.boundaries
    if a.ward is not None:
        w = b.wards[b.wards["code"] == a.ward]
        if w.empty:
            raise ApiError(422, f"unknown ward {a.ward!r}", param=f"{param}.ward")
        return w.geometry.iloc[0]
    if a.datazones:
        d = b.datazones[b.datazones["code"].isin(a.datazones)]
        missing = sorted(set(a.datazones) - set(d["code"]))
        if missing:
            raise ApiError(422, f"unknown data zones {', '.join(missing)}", param=f"{param}.datazones")
        return shapely.union_all(d.geometry.values)
    if a.hotspot_id is not None:
        with svc.engine.connect() as conn:
            wkt = conn.execute(sa.select(hotspots.c.geometry_wkt).where(hotspots.c.id == a.hotspot_id)).scalar()
        if wkt is None:
            raise ApiError(422, f"unknown hotspot id {a.hotspot_id!r} (ids are those served by /hotspots)", param=f"{param}.hotspot_id")
        return shapely.from_wkt(wkt)
    try:
        g = shape(a.geometry)
    except Exception as exc:
        raise ApiError(422, f"`{param}.geometry` is not a GeoJSON geometry", param=f"{param}.geometry") from exc
    if g.geom_type not in ("Polygon", "MultiPolygon") or g.is_empty:
        raise ApiError(422, f"`{param}.geometry` must be a Polygon or MultiPolygon", param=f"{param}.geometry")
    g = transform(lambda x, y, z=None: to_bng(x, y), g)
    g = shapely.make_valid(g) if not g.is_valid else g
    if not g.intersects(b.area):
        raise ApiError(422, f"`{param}.geometry` lies outside {b.pack.label} (give WGS84 lon/lat)", param=f"{param}.geometry")
    return g


def default_control(svc: Service, target: shapely.Geometry, buffer: shapely.Geometry | None) -> tuple[shapely.Geometry, str]:
    w = svc.boundaries.wards
    overlap = w.geometry.intersection(target).area
    group = str(w.loc[overlap.idxmax(), "tasking_group"])
    area = shapely.union_all(w.loc[w["tasking_group"] == group].geometry.values)
    exclude = target if buffer is None or buffer.is_empty else shapely.union(target, buffer)
    return shapely.difference(area, exclude), group



def _data_from(svc: Service, earliest: pd.Timestamp) -> pd.Timestamp:
    """The first instant the stored data cover within the fetched window."""
    with svc.engine.connect() as conn:
        first = conn.execute(sa.select(sa.func.min(incidents.c.occurred_at))).scalar()
    if first is None:
        return earliest
    return max(pd.Timestamp(earliest), pd.Timestamp(first).tz_localize("UTC"))


def run_evaluation(svc: Service, who: Principal, req: EvaluationRequest) -> dict[str, Any]:
    """Evaluate an operation, store the result and audit it (one transaction)."""
    start = parse_instant(req.start, param="start")
    end = parse_instant(req.end, param="end")
    if end <= start:
        raise ApiError(422, "`end` must be after `start`", param="end")
    before = parse_instant(req.before_start, param="before_start") if req.before_start else None
    if before is not None and before >= start:
        raise ApiError(422, "`before_start` must be before `start`", param="before_start")
    agency = req.agency
    if who.records_agency is not None:  # a partner evaluates its own agency's incidents only
        if agency not in (None, who.records_agency):
            raise ApiError(403, f"this key sees {who.records_agency} records only", param="agency")
        agency = who.records_agency
    f = filters_from(svc, from_=None, to=None, agency=agency, category=req.categories, require_window=False)
    target = area_from(svc, req.target, param="target")
    buffer = buffer_ring(target, req.buffer_m) if req.buffer_m > 0 else None
    if req.control is not None:
        exclude = shapely.union(target, buffer) if buffer is not None else target
        control = shapely.difference(area_from(svc, req.control, param="control"), exclude)
        group = "custom"
    else:
        control, group = default_control(svc, target, buffer)
    length = end - start
    # a year before the before window: the seasonal check and the regression-to-the-mean baseline need it
    earliest = pd.Timestamp(before or (start - length)) - pd.DateOffset(years=1)
    study = shapely.union_all([g for g in (target, buffer, control) if g is not None and not g.is_empty])
    # date_precision: a record dated only to a month counts only in windows holding its whole month
    cols = ["category", "occurred_at", "easting", "northing", "agency", "date_precision"]
    inc = svc.frame(f, window=Window(pd.Timestamp(earliest), end), columns=cols, area=study)
    res = evaluate_operation(inc, target=target, buffer=buffer, control=control, start=start, end=end,
                             categories=f.categories, before_start=before, data_from=_data_from(svc, earliest))
    eid = str(uuid.uuid4())
    out = {"id": eid, "name": req.name, "control_area": group, "buffer_m": req.buffer_m, "agency": agency, **res.to_dict()}
    with svc.engine.begin() as conn:
        conn.execute(evaluations.insert().values(id=eid, created_at=datetime.now(UTC).replace(tzinfo=None), key_name=who.name,
                                                 request=req.model_dump_json(), result=json.dumps(out)))
        audit.record(conn, who, "evaluations.create", target=eid, params=json.loads(req.model_dump_json()), result_size=1)
    return out


def read_evaluation(svc: Service, who: Principal, evaluation_id: str) -> dict[str, Any]:
    """A stored evaluation; a partner reads only its own agency's (else 404, audited)."""
    with svc.engine.connect() as conn:
        row = conn.execute(sa.select(evaluations.c.result).where(evaluations.c.id == evaluation_id)).scalar()
    if row is None:
        raise ApiError(404, f"no evaluation {evaluation_id}")
    result: dict[str, Any] = json.loads(row)
    if who.records_agency is not None and result.get("agency") != who.records_agency:
        with svc.engine.begin() as conn:
            audit.record(conn, who, "evaluations.read.denied", target=evaluation_id, params={}, result_size=0)
        raise ApiError(404, f"no evaluation {evaluation_id}")
    return result
