"""Planted time patterns: a new hotspot, an intensifying one, a near-repeat series.

All SYNTHETIC; the definitions (where, how many, when) are in :mod:`geo.demo.scenario`.
Each pattern has its own random generator, and none changes the background or the
other planted places: they are added on top of them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo.demo.clock import Clock, add_months
from geo.demo.places import Place
from geo.demo.plant import planted_frame
from geo.demo.scenario import (
    BURGLARY_AREA_M,
    BURGLARY_REPEAT_HOURS,
    BURGLARY_REPEAT_M,
    BURGLARY_REPEATS,
    BURGLARY_SERIES,
    INTENSIFYING_FIRST,
    INTENSIFYING_LAST,
    LINLITHGOW_CROSS_NGR,
    LINLITHGOW_WARD,
    LONDON,
    NEW_HOTSPOT_MONTHS,
    NEW_HOTSPOT_PER_MONTH,
)
from geo.demo.space import MAX_ROUNDS
from geo.errors import BoundaryError

__all__ = ["describe_patterns", "months_of", "plant_patterns", "points_in_disc"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
WardGeoms = dict[str, shapely.Geometry]
SERIES_PLACE = "linlithgow_burglary"


def months_of(clock: Clock) -> Iterator[tuple[int, int]]:
    """Grid-index bounds [lo, hi) of each calendar month of the period, in order."""
    month = clock.utc[0].tz_convert(LONDON).date()
    stop = clock.utc[-1].tz_convert(LONDON).date()
    while month <= stop:
        nxt = add_months(month, 1)
        yield clock.index_of(month), clock.index_of(nxt)
        month = nxt


def _monthly(
    rng: np.random.Generator,
    place: Place,
    clock: Clock,
    intensity: dict[str, FloatArray],
    counts: Sequence[int],
) -> pd.DataFrame:
    """``counts[i]`` records of the place's one category in month ``i``."""
    cat = place.categories[0]
    bounds = list(months_of(clock))
    hours = [
        clock.sample(rng, intensity[cat], int(k), lo, hi)
        for (lo, hi), k in zip(bounds, counts, strict=True)
    ]
    h = np.concatenate(hours)
    return planted_frame(place, rng, np.full(h.size, cat, dtype=object), h)


def new_counts(n_months: int) -> list[int]:
    """Monthly counts of the new hotspot: none, then the last months at full rate."""
    k = min(NEW_HOTSPOT_MONTHS, n_months)
    return [0] * (n_months - k) + [NEW_HOTSPOT_PER_MONTH] * k


def intensifying_counts(n_months: int) -> list[int]:
    """Monthly counts of the intensifying hotspot: a linear rise, first to last."""
    step = (INTENSIFYING_LAST - INTENSIFYING_FIRST) / max(n_months - 1, 1)
    return [round(INTENSIFYING_FIRST + step * i) for i in range(n_months)]


def points_in_disc(
    rng: np.random.Generator,
    centre: tuple[float, float],
    radius: float,
    n: int,
    zones: pd.DataFrame,
    within: shapely.Geometry,
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.object_]]:
    """``n`` whole-metre points uniform in the disc, each inside ``within`` and exactly
    one data zone (returned with its code)."""
    geoms = zones["geometry"].to_numpy()
    codes = zones["code"].to_numpy().astype(object)
    xs, ys, zs = [], [], []
    need = n
    for _ in range(MAX_ROUNDS):
        if need <= 0:
            break
        m = max(16, 4 * need)
        r = radius * np.sqrt(rng.random(m))
        t = rng.uniform(0.0, 2.0 * np.pi, m)
        cx = np.round(centre[0] + r * np.cos(t))
        cy = np.round(centre[1] + r * np.sin(t))
        ok = np.hypot(cx - centre[0], cy - centre[1]) <= radius
        ok &= shapely.contains_xy(within, cx, cy)
        hits = shapely.contains_xy(geoms[:, None], cx[None, :], cy[None, :])
        ok &= hits.sum(axis=0) == 1
        keep = np.flatnonzero(ok)[:need]
        xs.append(cx[keep])
        ys.append(cy[keep])
        zs.append(codes[hits[:, keep].argmax(axis=0)])
        need -= keep.size
    if need > 0:
        msg = "could not place the planted near-repeat series"
        raise BoundaryError(msg, param="datazones")
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(zs)


def _unambiguous(clock: Clock, hours: IntArray) -> IntArray:
    """Each hour moved on to the next one that exists once on the local clock."""
    out = hours.copy()
    for _ in range(3):
        bad = ~clock.unambiguous[out]
        out[bad] += 1
    return out


def plant_near_repeat(
    rng: np.random.Generator,
    zones: pd.DataFrame,
    ward_geoms: WardGeoms,
    clock: Clock,
    intensity: dict[str, FloatArray],
) -> pd.DataFrame:
    """Burglary series: an initial burglary, then 2-4 more close in space and time."""
    ward = ward_geoms[LINLITHGOW_WARD]
    latest = len(clock) - BURGLARY_REPEAT_HOURS[1] - 2
    rows: list[pd.DataFrame] = []
    for _ in range(BURGLARY_SERIES):
        start = clock.sample(rng, intensity["burglary"], 1, 0, latest)
        x0, y0, z0 = points_in_disc(
            rng, LINLITHGOW_CROSS_NGR, BURGLARY_AREA_M, 1, zones, ward
        )
        k = int(rng.integers(BURGLARY_REPEATS[0], BURGLARY_REPEATS[1] + 1))
        lag = rng.integers(BURGLARY_REPEAT_HOURS[0], BURGLARY_REPEAT_HOURS[1] + 1, k)
        x, y, z = points_in_disc(
            rng, (float(x0[0]), float(y0[0])), BURGLARY_REPEAT_M, k, zones, ward
        )
        hours = _unambiguous(clock, np.concatenate([start, start[0] + lag]))
        rows.append(
            pd.DataFrame(
                {
                    "agency": "police",
                    "category": "burglary",
                    "hour": hours.astype(np.int64),
                    "easting": np.concatenate([x0, x]),
                    "northing": np.concatenate([y0, y]),
                    "datazone": np.concatenate([z0, z]),
                    "place": SERIES_PLACE,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def plant_patterns(
    rngs: Sequence[np.random.Generator],
    places: dict[str, Place],
    zones: pd.DataFrame,
    ward_geoms: WardGeoms,
    clock: Clock,
    intensity: dict[str, FloatArray],
) -> pd.DataFrame:
    """The three planted time patterns, one generator each (``rngs[0:3]``).

    Parameters
    ----------
    rngs
        Random generators, in the order new hotspot, intensifying, near-repeat.
    places
        The located pattern places (``livingston_north_new``,
        ``armadale_intensifying``).
    zones, ward_geoms
        Validated data zones and ward polygons.
    clock, intensity
        The hourly grid and each category's relative intensity on it.

    Returns
    -------
    pandas.DataFrame
        ``agency, category, hour, easting, northing, datazone, place``.
    """
    n_months = len(list(months_of(clock)))
    parts = [
        _monthly(
            rngs[0],
            places["livingston_north_new"],
            clock,
            intensity,
            new_counts(n_months),
        ),
        _monthly(
            rngs[1],
            places["armadale_intensifying"],
            clock,
            intensity,
            intensifying_counts(n_months),
        ),
        plant_near_repeat(rngs[2], zones, ward_geoms, clock, intensity),
    ]
    return pd.concat(parts, ignore_index=True)


def describe_patterns(
    places: dict[str, Place],
    truth: pd.DataFrame,
    incidents: pd.DataFrame,
    period: dict[str, str],
) -> list[dict[str, Any]]:
    """The planted time patterns as JSON-ready dicts (:attr:`DemoData.patterns`)."""
    n_months = (
        sum(1 for _ in pd.period_range(period["from"], period["to"], freq="M")) - 1
    )
    new = places["livingston_north_new"].describe(truth, incidents, period)
    new["monthly_counts"] = new_counts(n_months)
    new["appears_from"] = str(pd.Period(period["to"], freq="M") - NEW_HOTSPOT_MONTHS)
    grow = places["armadale_intensifying"].describe(truth, incidents, period)
    grow["monthly_counts"] = intensifying_counts(n_months)
    mine = truth["place"].to_numpy() == SERIES_PLACE
    series = {
        "id": SERIES_PLACE,
        "name": "Linlithgow: near-repeat burglary series",
        "kind": "near_repeat",
        "centre_easting": LINLITHGOW_CROSS_NGR[0],
        "centre_northing": LINLITHGOW_CROSS_NGR[1],
        "radius_m": BURGLARY_AREA_M + BURGLARY_REPEAT_M,
        "ward": LINLITHGOW_WARD,
        "agencies": ["police"],
        "categories": ["burglary"],
        "period": dict(period),
        "series": BURGLARY_SERIES,
        "n": int(mine.sum()),
        "repeat_within_m": 2 * BURGLARY_REPEAT_M,
        "repeat_within_days": 7,
    }
    bonfire = {
        "id": "bonfire_night",
        "name": "Bonfire night: deliberate secondary fires around 5 November",
        "kind": "seasonal",
        "agencies": ["fire", "police"],
        "categories": [
            "deliberate_secondary_fire",
            "deliberate_fire",
            "antisocial_behaviour",
            "vandalism",
        ],
        "peak": "11-05T20:00",
        "peak_factor": {"deliberate_secondary_fire": 16.0},
        "period": dict(period),
        "note": "Part of the background intensity; nothing extra is planted.",
    }
    return [new, grow, series, bonfire]
