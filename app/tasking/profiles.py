"""The pack's "In the meeting" profiles: when each top hotspot's incidents happen, and the
emerging pattern of the data zones it covers.

Definitions
-----------
- A hotspot's incidents are the point records of the pack's filters (the group's wards,
  the meeting's period; no road collisions, no records placed on a data zone's point:
  :func:`app.hotspot_views.point_records`, as the hotspots themselves) inside its stored
  polygon (boundary included).
- Their hour × weekday grid is :func:`geo.patterns.temporal.temporal_profile` (local
  time, Monday first); records dated only to the month are left out of it and counted.
  A restricted audience gets the grid after :func:`geo.patterns.views.suppress_temporal`
  (1-4 as ``<5``, secondary ``c``), as ``GET /patterns/temporal`` serves it.
- A *band* is a block of consecutive weekdays × a run of consecutive hours starting on
  each of them ("Fri–Sat 20:00–02:00" is Friday 20:00 to Saturday 02:00 and Saturday
  20:00 to Sunday 02:00). The busiest band is the one with the largest excess of its
  share of the timed incidents over its share of the week's 168 hours (ties: the
  smaller band, then the earliest start); a second band, disjoint from the first, is
  named when its excess is at least :data:`SECOND_EXCESS`. No band is named under
  :data:`MIN_TIMED` timed incidents. For a restricted audience the bands' counts and
  shares follow the rule of an additive set shown with its total (``docs/disclosure.md``
  rule 2): they are withheld when a band, or the rest of the week, holds exactly one
  withheld cell (its count would give that cell back), or when a band's count or the
  rest's is 1-4.
- Emerging patterns: :func:`geo.emerging.emerging_datazones` over the
  :data:`EMERGING_MONTHS` whole months before the month of the period's end, all
  records (police, fire and road) of the whole area: the same as
  ``GET /hotspots/emerging?from=…&to=…``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
import sqlalchemy as sa

from app.analysis import cached
from app.db import hotspots as hotspots_table
from app.hotspot_views import point_records
from app.security import Principal
from app.service import Filters, Service
from geo.emerging import emerging_datazones
from geo.errors import EmptyInputError, ParameterError
from geo.patterns.disclosure import is_small, withheld
from geo.patterns.temporal import temporal_profile
from geo.patterns.views import suppress_temporal, temporal_doc
from geo.periods import TZ, Window

log = logging.getLogger("hotspots")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
HOURS = 168
MIN_TIMED = 20  # fewer timed incidents: no busiest band is named
SECOND_EXCESS = 0.10  # a second band needs this excess (share minus share of the week)
SHADES = 5  # shading levels of the grid (0 = none)
EMERGING_MONTHS = 24
COLUMNS = ["occurred_at", "date_precision", "location_precision", "agency", "easting", "northing"]
EMERGING_COLUMNS = ["occurred_at", "easting", "northing", "datazone", "date_precision", "location_precision"]


@dataclass(frozen=True)
class Band:
    """Consecutive weekdays ``day`` … ``day + days - 1`` (0 = Monday, cyclic), each from
    hour ``hour`` for ``hours`` hours (past midnight into the next day)."""

    day: int
    days: int
    hour: int
    hours: int

    def cells(self) -> npt.NDArray[np.int64]:
        """Indices ``24 * weekday + hour`` of the band's week hours."""
        starts = 24 * ((self.day + np.arange(self.days)) % 7) + self.hour
        return ((starts[:, None] + np.arange(self.hours)[None, :]) % HOURS).ravel()

    def words(self) -> str:
        """E.g. ``Fri–Sat 20:00–02:00``, ``Every day 18:00–23:00``, ``Sat all day``."""
        if self.days == 7:
            d = "Every day"
        elif self.days == 1:
            d = DAYS[self.day]
        else:
            d = f"{DAYS[self.day]}–{DAYS[(self.day + self.days - 1) % 7]}"
        if self.hours == 24:
            return f"{d} all day"
        return f"{d} {self.hour:02d}:00–{(self.hour + self.hours) % 24:02d}:00"


@cache
def _candidates() -> tuple[tuple[Band, ...], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Every band (whole-day runs start at 00:00; not the whole week), its 0/1 mask over
    the 168 week hours, and its size in hours."""
    bands = [
        Band(d, m, h, n)
        for m in range(1, 8)
        for d in (range(7) if m < 7 else (0,))
        for n in range(1, 25)
        for h in (range(24) if n < 24 else (0,))
        if (m, n) != (7, 24)
    ]
    mask = np.zeros((len(bands), HOURS), dtype=np.int64)
    for i, b in enumerate(bands):
        mask[i, b.cells()] = 1
    return tuple(bands), mask, mask.sum(axis=1)


def busiest_bands(grid: npt.NDArray[np.int64]) -> list[tuple[Band, int]]:
    """The busiest band of a 7 × 24 grid and, if there is one, a disjoint second (see the
    module notes), each with its count; ``[]`` under :data:`MIN_TIMED` incidents."""
    week = np.asarray(grid, dtype=np.int64).reshape(HOURS)
    n = int(week.sum())
    if n < MIN_TIMED:
        return []
    bands, mask, size = _candidates()
    counts = mask @ week
    score = HOURS * counts - n * size  # excess × 168 n, exact in integers
    order = np.lexsort((np.arange(len(bands)), size, -score))  # best first, ties as documented
    first = int(order[0])
    out = [(bands[first], int(counts[first]))]
    disjoint = (mask @ mask[first]) == 0
    rest = [int(i) for i in order if disjoint[i]]
    if rest and score[rest[0]] >= SECOND_EXCESS * HOURS * n:
        out.append((bands[rest[0]], int(counts[rest[0]])))
    return out


def _shade(v: Any, top: int) -> str:
    if withheld(v):
        return "hw"
    if not isinstance(v, int) or v <= 0 or top <= 0:
        return "h0"
    return f"h{min(SHADES, -(-SHADES * v // top))}"


def _grid_rows(cells: list[list[Any]], marked: set[int]) -> list[dict[str, Any]]:
    top = max((v for row in cells for v in row if isinstance(v, int)), default=0)
    return [
        {
            "day": DAYS[d],
            "cells": [
                {"v": v, "cls": _shade(v, top) + (" b" if 24 * d + h in marked else "")}
                for h, v in enumerate(row)
            ],
        }
        for d, row in enumerate(cells)
    ]


def _bands_safe(cells: list[list[Any]], n_timed: Any, found: list[tuple[Band, int]]) -> bool:
    """Whether a restricted audience may see the bands' counts: the suppression rule of
    an additive set shown with its total (never exactly one part withheld), applied to
    each band and to the rest of the week, whose totals the counts would give."""
    counts = [count for _, count in found]
    if withheld(n_timed) or any(is_small(v) for v in [*counts, int(n_timed) - sum(counts)]):
        return False
    hidden = np.array([withheld(v) for row in cells for v in row])
    rest = np.ones(HOURS, dtype=bool)
    for band, _ in found:
        idx = band.cells()
        rest[idx] = False
        if int(hidden[idx].sum()) == 1:
            return False
    return int(hidden[rest].sum()) != 1


def hotspot_profile(inc: pd.DataFrame, window: Window, restricted: bool) -> dict[str, Any]:
    """The profile of one hotspot's incidents (``occurred_at``, ``date_precision``) for
    the pack: totals, busiest bands in words, the shaded grid (suppressed when
    ``restricted``)."""
    prof = temporal_profile(inc, window.start, window.end)
    doc = temporal_doc(prof, window)
    if restricted:
        suppress_temporal(doc)
    cells = doc["by_hour_weekday"]
    found = busiest_bands(prof.by_hour_weekday)
    shown = not restricted or _bands_safe(cells, doc["n_timed"], found)
    bands: list[dict[str, Any]] = [
        {"words": band.words(), "band": band, "count": count if shown else None,
         "share": count / prof.n_timed if shown else None, "week_share": band.days * band.hours / HOURS}
        for band, count in found
    ]
    marked = {int(i) for band, _ in found for i in band.cells()}
    return {
        "n_incidents": doc["n_incidents"],
        "n_timed": doc["n_timed"],
        "excluded_month_precision": doc["excluded_month_precision"],
        "all_month": prof.n_incidents > 0 and prof.n_timed == 0,
        "few": 0 < prof.n_timed < MIN_TIMED,
        "bands": bands,
        "grid": _grid_rows(cells, marked) if prof.n_timed else [],
    }


def emerging_window(end: pd.Timestamp) -> Window:
    """The :data:`EMERGING_MONTHS` whole local months before the month holding ``end``
    (``end`` itself when it is a month's first instant)."""
    e = pd.Timestamp(end).tz_convert(TZ)
    last = e.tz_localize(None).normalize().replace(day=1)
    first = last - pd.DateOffset(months=EMERGING_MONTHS)
    loc = lambda t: pd.Timestamp(t).tz_localize(TZ).tz_convert("UTC")  # noqa: E731
    return Window(loc(first), loc(last))


def emerging_patterns(svc: Service, window: Window) -> dict[str, str] | str:
    """``{data zone code: pattern}`` over ``window`` (as ``GET /hotspots/emerging``), or
    the reason there is none."""
    f = Filters(window=window)

    def run() -> dict[str, str] | str:
        try:
            inc = svc.frame(f, columns=EMERGING_COLUMNS)
            res = emerging_datazones(inc, svc.boundaries, start=window.start, end=window.end)
        except (EmptyInputError, ParameterError) as exc:
            return str(exc)
        return dict(zip(res.units["code"].astype(str), res.units["pattern"].astype(str), strict=True))

    return cached(svc, "pack-emerging", f, {}, run)


def pattern_label(pattern: str) -> str:
    """``intensifying_hot`` → ``intensifying hot spot``; ``no_pattern`` → ``no pattern``."""
    words = pattern.replace("_", " ")
    return words + " spot" if pattern.endswith(("_hot", "_cold")) else words


def _polygons(svc: Service, ids: list[str]) -> dict[str, shapely.Geometry]:
    if not ids:
        return {}
    q = sa.select(hotspots_table.c.id, hotspots_table.c.geometry_wkt).where(hotspots_table.c.id.in_(ids))
    with svc.engine.connect() as conn:
        return {r.id: shapely.from_wkt(r.geometry_wkt) for r in conn.execute(q)}


def hotspot_profiles(
    svc: Service, who: Principal, f: Filters, top: list[dict[str, Any]]
) -> dict[str, Any]:
    """The profiles of the pack's top hotspots (their properties ``top``) under the pack's
    filters ``f``, with the emerging pattern of each one's data zones."""
    assert f.window is not None
    ew = emerging_window(f.window.end)
    patterns = emerging_patterns(svc, ew)
    names = svc.boundaries.datazones.set_index("code")["name"]
    polys = _polygons(svc, [str(p["id"]) for p in top])
    inc = point_records(svc.frame(f, columns=COLUMNS)) if top else pd.DataFrame(columns=COLUMNS)
    x, y = inc["easting"].to_numpy(dtype=float), inc["northing"].to_numpy(dtype=float)
    rows = []
    for p in top:
        poly = polys.get(str(p["id"]))
        inside = inc[shapely.intersects_xy(poly, x, y)] if poly is not None else inc.iloc[:0]
        zones = [
            {"code": c, "name": str(names.get(c, "")),
             "pattern": patterns.get(c) if isinstance(patterns, dict) else None}
            for c in p.get("datazones") or []
        ]
        for z in zones:
            z["label"] = pattern_label(z["pattern"]) if z["pattern"] else "–"
        rows.append({"id": p["id"], "rank": p.get("rank"), "zones": zones}
                    | hotspot_profile(inside, f.window, not who.sees_records))
    last_month = (ew.end.tz_convert(TZ) - pd.Timedelta(days=1)).strftime("%Y-%m")
    return {
        "rows": rows,
        "emerging": {"from": ew.start.tz_convert(TZ).strftime("%Y-%m"), "to": last_month,
                     "months": EMERGING_MONTHS, "unavailable": patterns if isinstance(patterns, str) else None},
        "min_timed": MIN_TIMED,
    }
