"""Is a hotspot more than its background would give by chance? (Poisson scan bound, BH-FDR)

For a hotspot, ``peak`` is the largest number of incidents within the place radius r
(75 m by default) of any of its locations. If incidents were a Poisson process with the
window's own background intensity λ(x) (:mod:`.background`, ~2 km scale), the expected
number of incidents anywhere in the study area with at least ``peak - 1`` others within
r is

    E(peak) = Σ_cells λ · cell area · P(Poisson(λ π r²) >= peak - 1).

By Markov's inequality this bounds the chance that a spot as dense as the hotspot's
densest spot appears *anywhere* in the window by chance, so ``p_value = min(1, E)``
already accounts for the hotspot having been picked out of the whole window (a scan
statistic); ``p_fdr`` adds the Benjamini-Hochberg correction across the hotspots, and a
hotspot is ``significant`` when ``p_fdr <= 0.05``. Descriptively, ``expected`` is the
background's count in the hotspot's polygon (λ at the centroid × area), to compare with
``n``.

Limits: the bound is conservative (a true hotspot raises its own background; Markov is
loose), so small real hotspots can be "not significant"; records snapped to a few map
points (police.uk) pile up at one location and are read as concentration; repeated
records of one event count as several incidents.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from geo.hotspots._common import FloatArray, IntArray
from geo.hotspots.background import Background

__all__ = ["ALPHA", "Significance", "fdr_bh", "hotspot_significance"]

ALPHA = 0.05


@dataclass(frozen=True, eq=False)
class Significance:
    """Significance of each hotspot against the background.

    Attributes
    ----------
    peak
        Largest count of incidents within ``radius_m`` of one of its locations.
    expected
        Background expectation of incidents in the hotspot's polygon.
    p_value
        Scan bound ``min(1, E(peak))`` (module notes).
    p_fdr
        Benjamini-Hochberg adjusted p-value across the hotspots.
    significant
        ``p_fdr <= alpha``.
    radius_m, alpha
        The place radius and the FDR level.
    """

    peak: IntArray
    expected: FloatArray
    p_value: FloatArray
    p_fdr: FloatArray
    significant: npt.NDArray[np.bool_]
    radius_m: float
    alpha: float


def fdr_bh(p_values: npt.ArrayLike) -> FloatArray:
    """Benjamini-Hochberg adjusted p-values (step-up, monotone, capped at 1).

    Examples
    --------
    >>> [round(float(x), 4) for x in fdr_bh([0.01, 0.04, 0.03, 0.2])]
    [0.04, 0.0533, 0.0533, 0.2]
    """
    p = np.asarray(p_values, dtype=np.float64)
    m = p.size
    if m == 0:
        return p.copy()
    order = np.argsort(p, kind="stable")
    scaled = p[order] * m / np.arange(1, m + 1)
    adj = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty(m, dtype=np.float64)
    out[order] = np.minimum(adj, 1.0)
    return out


def hotspot_significance(
    peak: IntArray,
    areas_m2: FloatArray,
    centroids: FloatArray,
    bg: Background,
    *,
    radius_m: float,
    alpha: float = ALPHA,
) -> Significance:
    """Scan-bound p-values, BH-FDR and background expectation of each hotspot.

    Parameters
    ----------
    peak
        Per hotspot, the largest count within ``radius_m`` of one of its locations.
    areas_m2, centroids
        Polygon areas (m²) and centroids (n, 2) of the hotspots.
    bg
        Background intensity of the window.
    radius_m
        Place radius r.
    alpha
        FDR level (default 0.05).

    Returns
    -------
    Significance
    """
    peak = np.asarray(peak, dtype=np.int64)
    p = np.minimum(1.0, bg.expected_exceedances(peak, radius_m))
    q = fdr_bh(p)
    expected = bg.at(centroids) * np.asarray(areas_m2, dtype=np.float64)
    return Significance(
        peak=peak,
        expected=expected,
        p_value=p,
        p_fdr=q,
        significant=q <= alpha,
        radius_m=radius_m,
        alpha=alpha,
    )
