"""The zones of an evaluation: target, displacement buffer and control.

A point is assigned with the vectorised shapely 2 predicate ``intersects_xy`` (so a
point exactly on an edge is not lost) in the order target, buffer, control: each point
is counted in at most one zone, the first that holds it, even if the geometries overlap.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import shapely

from geo.errors import ParameterError

__all__ = ["assign_zones", "buffer_ring"]


def _check_polygonal(geom: object, name: str, *, allow_empty: bool) -> shapely.Geometry:
    if not isinstance(geom, shapely.Geometry):
        msg = f"`{name}` must be a shapely geometry in EPSG:27700, got {type(geom).__name__}"
        raise ParameterError(msg, param=name)
    if geom.is_empty:
        if allow_empty:
            return geom
        msg = f"`{name}` is an empty geometry"
        raise ParameterError(msg, param=name)
    if geom.geom_type not in ("Polygon", "MultiPolygon", "GeometryCollection"):
        msg = f"`{name}` must be a Polygon or MultiPolygon, got {geom.geom_type}"
        raise ParameterError(msg, param=name)
    if geom.area <= 0:
        msg = f"`{name}` has no area"
        raise ParameterError(msg, param=name)
    return geom


def buffer_ring(target: shapely.Geometry, buffer_m: float) -> shapely.Geometry:
    """The ring of ``buffer_m`` metres around ``target``, excluding the target.

    Parameters
    ----------
    target
        Polygon or MultiPolygon in EPSG:27700.
    buffer_m
        Ring width in metres, >= 0 (0 gives an empty geometry: no buffer).

    Returns
    -------
    shapely.Geometry
        ``target.buffer(buffer_m) − target`` (holes of the target within reach are
        part of the ring).

    Raises
    ------
    ParameterError
        If ``target`` is not polygonal or ``buffer_m`` is negative or not finite.

    Examples
    --------
    >>> ring = buffer_ring(shapely.box(0, 0, 100, 100), 10)
    >>> ring.intersects(shapely.Point(50, 50)), ring.intersects(shapely.Point(105, 50))
    (False, True)
    """
    _check_polygonal(target, "target", allow_empty=False)
    if (
        isinstance(buffer_m, bool)
        or not isinstance(buffer_m, numbers.Real)
        or not math.isfinite(float(buffer_m))
        or buffer_m < 0
    ):
        msg = f"`buffer_m` must be a non-negative number of metres, got {buffer_m!r}"
        raise ParameterError(msg, param="buffer_m")
    if buffer_m == 0:
        return shapely.Polygon()
    return shapely.difference(shapely.buffer(target, float(buffer_m)), target)


def assign_zones(
    x: np.ndarray,
    y: np.ndarray,
    *,
    target: shapely.Geometry,
    buffer: shapely.Geometry | None,
    control: shapely.Geometry,
) -> np.ndarray:
    """Zone of each point: 0 target, 1 buffer, 2 control, −1 none (target first).

    Parameters
    ----------
    x, y
        Easting and northing arrays (EPSG:27700).
    target, buffer, control
        The zone geometries; ``buffer`` may be None or empty.

    Returns
    -------
    numpy.ndarray
        int8 zone codes. Uses ``shapely.intersects_xy`` (edges included); a point is
        given to the first zone holding it.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    zone = np.full(x.shape, -1, dtype=np.int8)
    todo = np.isfinite(x) & np.isfinite(y)
    for code, geom in enumerate((target, buffer, control)):
        if geom is None or geom.is_empty or not todo.any():
            continue
        shapely.prepare(geom)
        idx = np.flatnonzero(todo)
        hit = shapely.intersects_xy(geom, x[idx], y[idx])
        zone[idx[hit]] = code
        todo[idx[hit]] = False
    return zone
