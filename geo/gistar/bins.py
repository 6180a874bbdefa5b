"""Benjamini-Hochberg FDR and the ArcGIS-style ±1/2/3 confidence bins (METHODS §2)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from geo.errors import ParameterError
from geo.gistar._types import FloatArray, IntArray

#: Confidence levels of the ±3/±2/±1 bins (99/95/90 %).
BIN_ALPHAS = (0.01, 0.05, 0.10)
#: Relative tolerance of the inclusive ``q <= alpha`` comparisons (METHODS §2).
BIN_RTOL = 1e-12


def fdr_bh(p: npt.ArrayLike) -> FloatArray:
    """Benjamini-Hochberg adjusted p-values (q-values).

    ``q_(i) = min_{j >= i} min(1, m·p_(j)/j)`` over the sorted p-values of all ``m``
    tests. A unit is significant at FDR level ``alpha`` iff ``q <= alpha``.

    Parameters
    ----------
    p
        P-values in [0, 1], any shape. NaN counts as a test with ``p = 1`` (it stays
        in ``m``), as METHODS §2 requires for a NaN z.

    Returns
    -------
    numpy.ndarray
        q-values, same shape as ``p``. Tied p-values get identical q-values and the
        result does not depend on the input order.

    Raises
    ------
    ParameterError
        If a p-value lies outside [0, 1].

    References
    ----------
    Benjamini & Hochberg (1995); equals ``scipy.stats.false_discovery_control(p,
    method="bh")`` and statsmodels ``multipletests(p, method="fdr_bh")[1]``.
    """
    arr = np.asarray(p, dtype=np.float64)
    flat = np.where(np.isnan(arr), 1.0, arr).ravel()
    if flat.size and (flat.min() < 0.0 or flat.max() > 1.0 + 1e-12):
        msg = "`p` must hold p-values in [0, 1]"
        raise ParameterError(msg, param="p")
    m = flat.size
    if m == 0:
        return flat.reshape(arr.shape)
    order = np.argsort(flat, kind="stable")
    ranked = flat[order] * m / np.arange(1, m + 1, dtype=np.float64)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty(m, dtype=np.float64)
    q[order] = np.minimum(ranked, 1.0)
    return q.reshape(arr.shape)


def confidence_bins(
    z: npt.ArrayLike, p: npt.ArrayLike, *, fdr: bool = True
) -> IntArray:
    """ArcGIS-style ``Gi_Bin``: ``sign(z)·{3, 2, 1, 0}`` at 99/95/90 % confidence.

    Parameters
    ----------
    z
        z-scores (NaN allowed: bin 0).
    p
        Two-sided p-values of the same shape (NaN counts as 1).
    fdr
        If true (default) bin by the Benjamini-Hochberg q of :func:`fdr_bh` over all
        units, else by the raw p.

    Returns
    -------
    numpy.ndarray
        Integers in -3..3. The comparisons ``q <= alpha`` are inclusive with a relative
        tolerance of 1e-12, so a p exactly on a threshold is not lost to rounding.
    """
    z_arr = np.asarray(z, dtype=np.float64)
    p_arr = np.asarray(p, dtype=np.float64)
    if z_arr.shape != p_arr.shape:
        msg = f"`z` has shape {z_arr.shape} but `p` has shape {p_arr.shape}"
        raise ParameterError(msg, param="p")
    q = fdr_bh(p_arr) if fdr else np.where(np.isnan(p_arr), 1.0, p_arr)
    a1, a2, a3 = (a * (1.0 + BIN_RTOL) for a in BIN_ALPHAS)
    level = np.select([q <= a1, q <= a2, q <= a3], [3, 2, 1], default=0)
    sign = np.nan_to_num(np.sign(z_arr), nan=0.0).astype(np.int64)
    return (sign * level).astype(np.int64)
