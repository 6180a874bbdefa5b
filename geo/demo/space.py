"""Where demo points go: uniform whole-metre points in polygons, and polygon centres.

Background points are uniform inside their data-zone polygon (a vectorised rejection
sampler, rounded to whole metres *before* the containment test so the published
coordinates are inside; points in the ~16 ha of data-zone slivers that the simplified
ward polygons leave in no ward are rejected too, so every point has a ward).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo.errors import BoundaryError

__all__ = ["MAX_ROUNDS", "pole", "sample_in_polygons"]

MAX_ROUNDS = 500

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def sample_in_polygons(
    rng: np.random.Generator,
    geoms: pd.Series,
    which: pd.Series | IntArray,
    *,
    within: shapely.Geometry | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Uniform whole-metre points inside polygon ``geoms[which[i]]`` for each i.

    Vectorised rejection sampling: every round draws four candidates per unplaced
    point in its polygon's bounding box, rounds them to whole metres, keeps the first
    that ``shapely.contains_xy`` accepts (inside the polygon and, if given, inside
    ``within``), and repeats for the rest.
    """
    which = np.asarray(which, dtype=np.int64)
    garr = np.asarray(geoms, dtype=object)
    bounds = shapely.bounds(garr)
    x = np.full(len(which), np.nan)
    y = np.full(len(which), np.nan)
    todo = np.arange(len(which))
    k = 4
    for _ in range(MAX_ROUNDS):
        if todo.size == 0:
            break
        b = bounds[which[todo]]
        cx = np.round(rng.uniform(b[:, 0, None], b[:, 2, None], (todo.size, k)))
        cy = np.round(rng.uniform(b[:, 1, None], b[:, 3, None], (todo.size, k)))
        ok = shapely.contains_xy(garr[which[todo]][:, None], cx, cy)
        if within is not None:
            ok &= shapely.contains_xy(within, cx, cy)
        hit = ok.any(axis=1)
        first = ok.argmax(axis=1)
        rows = np.flatnonzero(hit)
        x[todo[rows]] = cx[rows, first[rows]]
        y[todo[rows]] = cy[rows, first[rows]]
        todo = todo[~hit]
    if todo.size:
        msg = f"could not place {todo.size} points inside their data zones"
        raise BoundaryError(msg, param="datazones")
    return x, y


def pole(geom: shapely.Geometry) -> tuple[float, float]:
    """Whole-metre pole of inaccessibility of the largest part of ``geom``."""
    parts = shapely.get_parts(geom)
    big = max(parts, key=lambda g: g.area)
    p = shapely.ops.polylabel(big, tolerance=1.0)
    return float(round(p.x)), float(round(p.y))
