"""Analysis results shared by endpoints and maps, cached by data version + parameters.

A map reuses the hotspot engine's results for the same parameters instead of computing
each layer again; any stored change (a new batch) changes the data version and so the key.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TypeVar

import pandas as pd
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.db import hotspots as hotspots_table
from app.service import Filters, Service

T = TypeVar("T")
MAX_ENTRIES = 64
ANALYSIS_COLUMNS = [
    "source_id", "agency", "category", "occurred_at", "easting", "northing", "datazone", "ward",
    "tasking_group", "simd_rank", "simd_decile", "location_precision",
]  # fmt: skip

_lock = threading.Lock()
_pinned: ContextVar[tuple[int, str] | None] = ContextVar("analysis_data_version", default=None)


@contextmanager
def one_version(svc: Service) -> Iterator[None]:
    """Inside the block every cache key of ``svc`` uses the data version read once at its
    start (one ``count``/``max`` query per request instead of one per cached step). A batch
    stored meanwhile is still caught where two reads must agree (``events_input``)."""
    if (p := _pinned.get()) is not None and p[0] == id(svc):
        yield
        return
    token = _pinned.set((id(svc), svc.data_version()))
    try:
        yield
    finally:
        _pinned.reset(token)


def _version(svc: Service) -> str:
    p = _pinned.get()
    return p[1] if p is not None and p[0] == id(svc) else svc.data_version()


def _key(svc: Service, kind: str, f: Filters, params: dict[str, Any]) -> str:
    w = f.window
    parts = {
        "v": _version(svc),
        "kind": kind,
        "from": None if w is None else w.start.isoformat(),
        "to": None if w is None else w.end.isoformat(),
        "agency": f.agency,
        "cats": sorted(f.categories),
        "wards": None if f.wards is None else sorted(f.wards),
        "dz": None if f.datazones is None else sorted(f.datazones),
        **params,
    }
    return json.dumps(parts, sort_keys=True, default=str)


def cached(svc: Service, kind: str, f: Filters, params: dict[str, Any], compute: Callable[[], T]) -> T:
    """Return the cached result for this data version and parameters, or compute it."""
    cache: OrderedDict[str, Any] = svc.__dict__.setdefault("_analysis_cache", OrderedDict())
    key = _key(svc, kind, f, params)
    with _lock:
        if key in cache:
            cache.move_to_end(key)
            return cache[key]  # type: ignore[no-any-return]
    value = compute()
    with _lock:
        cache[key] = value
        while len(cache) > MAX_ENTRIES:
            cache.popitem(last=False)
    return value


def dated_incidents(svc: Service, f: Filters) -> pd.DataFrame:
    """:func:`incidents` plus ``date_precision`` (what event linking needs): one read of
    the database serves both (cached)."""
    return cached(svc, "frame_dated", f, {}, lambda: svc.frame(f, columns=[*ANALYSIS_COLUMNS, "date_precision"]))


def incidents(svc: Service, f: Filters) -> pd.DataFrame:
    """The incident frame for these filters (cached)."""
    return cached(svc, "frame", f, {}, lambda: dated_incidents(svc, f)[ANALYSIS_COLUMNS])


def remember_hotspots(svc: Service, fc: dict[str, Any], result: Any) -> None:
    """Store served hotspots (id, BNG geometry, properties) so that tasking notes and
    evaluations can cite a hotspot by id."""
    rows = []
    for h in getattr(result, "hotspots", []):
        hs = getattr(h, "hotspot", h)
        rows.append({"id": hs.id, "geometry_wkt": hs.geometry.wkt, "properties": json.dumps(hs.properties(), default=str)})
    if not rows:
        return
    now = datetime.now(UTC).replace(tzinfo=None)
    values = [r | {"created_at": now} for r in rows]
    with svc.engine.begin() as conn:  # idempotent: a hotspot id is stored once, concurrent GETs do not conflict
        ins = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(hotspots_table)
        conn.execute(ins.on_conflict_do_nothing(index_elements=["id"]), values)
