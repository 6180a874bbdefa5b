"""The ArcGIS default search radius (a robust spatial Silverman rule) and point checks."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from geo.errors import EmptyInputError, ParameterError, TooFewIncidentsError
from geo.kde._types import FloatArray

SQRT_INV_LN2 = math.sqrt(1.0 / math.log(2.0))


def as_points(
    easting: npt.ArrayLike, northing: npt.ArrayLike, weights: npt.ArrayLike | None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    x = np.asarray(easting, dtype=np.float64).ravel()
    y = np.asarray(northing, dtype=np.float64).ravel()
    if x.size != y.size:
        msg = f"`easting` has {x.size} values but `northing` has {y.size}"
        raise ParameterError(msg, param="northing")
    if weights is None:
        w = np.ones_like(x)
    else:
        w = np.asarray(weights, dtype=np.float64).ravel()
        if w.size != x.size:
            msg = f"`weights` has {w.size} values for {x.size} points"
            raise ParameterError(msg, param="weights")
        if not np.isfinite(w).all() or (w < 0).any():
            msg = "`weights` must be finite and non-negative"
            raise ParameterError(msg, param="weights")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        msg = "`easting`/`northing` must be finite"
        raise ParameterError(msg, param="easting")
    keep = w > 0
    x, y, w = x[keep], y[keep], w[keep]
    if x.size == 0:
        msg = "no points (with positive weight) to smooth"
        raise EmptyInputError(msg, param="easting")
    return x, y, w


def _weighted_median(values: FloatArray, weights: FloatArray) -> float:
    """Median of the data expanded by (integer) weights; the natural extension else.

    With ``W = Σ w``, take the first sorted value whose cumulative weight reaches
    ``W/2``; if the cumulative weight equals ``W/2`` exactly there, average it with
    the next value (the mean of the two middle values of an even expansion).
    """
    order = np.argsort(values, kind="stable")
    v, cw = values[order], np.cumsum(weights[order])
    half = cw[-1] / 2.0
    tol = 1e-12 * cw[-1]
    i = int(np.searchsorted(cw, half - tol, side="left"))
    if abs(cw[i] - half) <= tol and i + 1 < v.size:
        return float((v[i] + v[i + 1]) / 2.0)
    return float(v[i])


def default_bandwidth(
    easting: npt.ArrayLike,
    northing: npt.ArrayLike,
    *,
    weights: npt.ArrayLike | None = None,
) -> float:
    """ArcGIS default search radius ``h = 0.9·min(SD, √(1/ln2)·Dm)·n^(−0.2)``.

    Parameters
    ----------
    easting, northing
        Point coordinates, metres.
    weights
        Optional non-negative weights (e.g. duplicate counts); ``n = Σ w``. Integer
        weights give exactly the bandwidth of the expanded data.

    Returns
    -------
    float
        The bandwidth in metres.

    Raises
    ------
    TooFewIncidentsError
        If ``h`` would be 0 (one point, or all points coincide): give an explicit
        ``bandwidth_m`` instead.

    Examples
    --------
    >>> round(default_bandwidth([0, 2, 0, 2, 6], [0, 0, 2, 2, 1]), 5)
    1.54363
    """
    x, y, w = as_points(easting, northing, weights)
    total = float(w.sum())
    mx, my = float(np.dot(w, x) / total), float(np.dot(w, y) / total)
    dx, dy = x - mx, y - my
    sd = math.sqrt(float(np.dot(w, dx * dx) + np.dot(w, dy * dy)) / total)
    dm = _weighted_median(np.hypot(dx, dy), w)
    h = 0.9 * min(sd, SQRT_INV_LN2 * dm) * total**-0.2
    if not h > 0.0:
        msg = (
            "the default bandwidth is 0 (a single location, or most points at one "
            "place): give `bandwidth_m` explicitly"
        )
        raise TooFewIncidentsError(msg, param="bandwidth_m")
    return h
