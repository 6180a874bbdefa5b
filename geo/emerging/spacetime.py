"""Gi* on a space-time cube: spatial neighbours within a window of time steps.

The neighbourhood of bin ``(i, t)`` is every bin ``(j, s)`` with ``j`` a spatial
neighbour of ``i`` or ``i`` itself and ``t − time_window <= s <= t`` (ArcGIS
"Neighborhood Time Step": the step itself and the ``time_window`` steps before it).
Weights are binary. With ``global_window="cube"`` (ArcGIS "Entire cube", the default)
the mean and standard deviation are those of all ``N·T`` bins and the Gi* z is the
formula of METHODS §1 with ``n = N·T``; with ``"slice"`` (``time_window=0`` only) each
time step is an ordinary spatial Gi* on its own slice. The Benjamini-Hochberg FDR runs
over all bins of the cube, and the bins are the ±3/±2/±1 of :mod:`geo.gistar.bins`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy.special import erfc

from geo.errors import ParameterError
from geo.gistar.bins import confidence_bins, fdr_bh
from geo.gistar.weights import binary_self_weights

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class SpaceTimeGiStar:
    """Gi* of every bin of an ``N × T`` cube.

    Attributes
    ----------
    z, p_value, p_fdr
        ``N × T`` analytic z, two-sided normal p and BH q over all bins (NaN where z
        is undefined).
    confidence
        ``N × T`` bins in −3..3 (:func:`geo.gistar.confidence_bins` on the cube).
    weight_sum
        ``N × T`` number of bins in each neighbourhood (``W``).
    time_window, global_window
        The neighbourhood time step and the reference set of the mean.
    """

    z: FloatArray
    p_value: FloatArray
    p_fdr: FloatArray
    confidence: npt.NDArray[np.int64]
    weight_sum: FloatArray
    time_window: int
    global_window: str


def _window_sum(a: FloatArray, k: int) -> FloatArray:
    """``out[:, t] = Σ_{s = max(0, t − k)}^{t} a[:, s]``."""
    c = np.cumsum(a, axis=1)
    out = c.copy()
    if k + 1 < a.shape[1]:
        out[:, k + 1 :] -= c[:, : a.shape[1] - k - 1]
    return out


def _standardise(lag: FloatArray, wsum: FloatArray, ref: FloatArray, axis: Any) -> FloatArray:
    """Gi* z from neighbourhood sums against the mean and SD of ``ref`` (over ``axis``)."""
    n = ref.size if axis is None else ref.shape[0]
    xbar = ref.mean(axis=axis)
    s = ref.std(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (lag - xbar * wsum) / (s * np.sqrt((n * wsum - wsum * wsum) / (n - 1)))
    z = np.where(np.isfinite(z), z, np.nan)
    z[np.broadcast_to(s == 0, z.shape)] = np.nan
    return np.asarray(z, dtype=np.float64)


def spacetime_gi_star(
    counts: npt.ArrayLike,
    w: Any,
    *,
    time_window: int = 1,
    global_window: Literal["cube", "slice"] = "cube",
) -> SpaceTimeGiStar:
    """Space-time Gi* z, p, FDR q and confidence bins of every bin.

    Parameters
    ----------
    counts
        ``N × T`` values (locations × time steps, oldest step first).
    w
        Spatial weights among the ``N`` locations (sparse, W/Graph or dense); any
        nonzero is a neighbour, the diagonal is set to 1.
    time_window
        Earlier steps in each neighbourhood (ArcGIS "Neighborhood Time Step"; 1).
    global_window
        ``"cube"``: compare with all bins (default); ``"slice"``: with the bin's own
        time step (needs ``time_window=0``; then each step equals esda's
        ``G_Local(y_t, w, transform="B", star=True)``).

    Returns
    -------
    SpaceTimeGiStar

    Raises
    ------
    ParameterError
        For a non-2-d or non-finite cube, a negative window or a bad combination.
    """
    y = np.asarray(counts, dtype=np.float64)
    if y.ndim != 2 or y.size == 0 or not np.isfinite(y).all():
        msg = "`counts` must be a finite, non-empty locations × steps array"
        raise ParameterError(msg, param="counts")
    if int(time_window) != time_window or time_window < 0:
        msg = f"`time_window` must be a non-negative integer, got {time_window!r}"
        raise ParameterError(msg, param="time_window")
    if global_window not in ("cube", "slice") or (global_window == "slice" and time_window):
        msg = "`global_window` must be cube, or slice with time_window=0"
        raise ParameterError(msg, param="global_window")
    n_loc, n_steps = y.shape
    b = binary_self_weights(w, n_loc)
    spatial_lag = np.asarray(b @ y)
    ws = np.asarray(b.sum(axis=1), dtype=np.float64).reshape(-1, 1)
    depth = np.minimum(np.arange(n_steps), time_window) + 1.0
    lag = _window_sum(spatial_lag, int(time_window))
    wsum = ws * depth[None, :]
    z = _standardise(lag, wsum, y, None if global_window == "cube" else 0)
    p = erfc(np.abs(z) / math.sqrt(2.0))
    q = np.where(np.isnan(z), np.nan, fdr_bh(p))
    conf = confidence_bins(z.ravel(), p.ravel()).reshape(z.shape)
    return SpaceTimeGiStar(
        z=z, p_value=p, p_fdr=q, confidence=conf, weight_sum=wsum,
        time_window=int(time_window), global_window=global_window,
    )
