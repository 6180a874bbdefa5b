"""SYNTHETIC road collisions (agency ``road``) along straight main-road segments.

There is no road geometry in the package: each road of
:data:`~geo.demo.scenario.ROADS` is a straight segment between two approximate
town-centre grid references (:data:`~geo.demo.scenario.TOWNS`). Collisions fall
uniformly along the segments (a segment's share is proportional to its length),
scattered :data:`~geo.demo.scenario.COLLISION_SCATTER_M` metres (one sd) either side,
rounded to whole metres, inside a data zone and a ward; severity is drawn per
collision and the time from the collision profile (rush-hour peaks).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo.demo.clock import Clock
from geo.demo.scenario import (
    COLLISION_SCATTER_M,
    COLLISION_SEVERITY,
    COLLISIONS_PER_YEAR,
    ROADS,
    TOWNS,
)
from geo.demo.space import MAX_ROUNDS
from geo.errors import BoundaryError

__all__ = ["plant_collisions", "road_segments"]

FloatArray = npt.NDArray[np.float64]


def road_segments() -> list[tuple[str, tuple[float, float], tuple[float, float]]]:
    """``(name, start, end)`` of every road segment, e.g. ``"A89 Armadale-Bathgate"``."""
    return [(f"{road} {a}-{b}", TOWNS[a], TOWNS[b]) for road, a, b in ROADS]


def _along_roads(
    rng: np.random.Generator, n: int
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.object_]]:
    """``n`` candidate points scattered about the segments, with the road names."""
    segs = road_segments()
    p0 = np.array([s[1] for s in segs])
    p1 = np.array([s[2] for s in segs])
    length = np.hypot(*(p1 - p0).T)
    which = rng.choice(len(segs), size=n, p=length / length.sum())
    t = rng.random(n)
    off = rng.normal(0.0, COLLISION_SCATTER_M, n)
    d = (p1 - p0)[which] / length[which, None]
    x = p0[which, 0] + t * (p1 - p0)[which, 0] - off * d[:, 1]
    y = p0[which, 1] + t * (p1 - p0)[which, 1] + off * d[:, 0]
    names = np.array([s[0] for s in segs], dtype=object)[which]
    return np.round(x), np.round(y), names


def plant_collisions(
    rng: np.random.Generator,
    zones: pd.DataFrame,
    within: shapely.Geometry,
    clock: Clock,
    intensity: dict[str, FloatArray],
    months: int,
) -> pd.DataFrame:
    """``COLLISIONS_PER_YEAR * months / 12`` synthetic collisions.

    Returns
    -------
    pandas.DataFrame
        ``agency`` (``road``), ``category`` (``collision_<severity>``), ``hour``,
        ``easting, northing, datazone`` and ``place`` (the road segment's name).
    """
    n = round(COLLISIONS_PER_YEAR * months / 12)
    geoms = zones["geometry"].to_numpy()
    codes = zones["code"].to_numpy().astype(object)
    parts: list[
        tuple[FloatArray, FloatArray, npt.NDArray[np.object_], npt.NDArray[np.object_]]
    ] = []
    need = n
    for _ in range(MAX_ROUNDS):
        if need <= 0:
            break
        x, y, names = _along_roads(rng, 2 * need)
        hits = shapely.contains_xy(geoms[:, None], x[None, :], y[None, :])
        ok = (hits.sum(axis=0) == 1) & shapely.contains_xy(within, x, y)
        keep = np.flatnonzero(ok)[:need]
        parts.append(
            (x[keep], y[keep], names[keep], codes[hits[:, keep].argmax(axis=0)])
        )
        need -= keep.size
    if need > 0:
        msg = "could not place the synthetic road collisions"
        raise BoundaryError(msg, param="datazones")
    sev = list(COLLISION_SEVERITY)
    p = np.array([COLLISION_SEVERITY[s] for s in sev])
    cat = np.array([f"collision_{s}" for s in sev], dtype=object)[
        rng.choice(len(sev), size=n, p=p / p.sum())
    ]
    return pd.DataFrame(
        {
            "agency": "road",
            "category": cat,
            "hour": clock.sample(rng, intensity["collision_slight"], n),
            "easting": np.concatenate([q[0] for q in parts]),
            "northing": np.concatenate([q[1] for q in parts]),
            "datazone": np.concatenate([q[3] for q in parts]),
            "place": np.concatenate([q[2] for q in parts]),
        }
    )
