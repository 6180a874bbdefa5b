"""Places: the street-scale cores of density clusters, judged against their background.

DBSCAN with a window-wide ``min_samples`` over incidents whose density varies tenfold
between countryside and town centre chains whole towns together (the demo's rank-1
DBSCAN hotspot covered 4.4 km²). With default parameters each DBSCAN cluster is therefore
reduced to its **places**:

1. the place radius is ``r = min(eps, 75 m)`` (half the 150 m street scale);
2. each distinct location in a cluster counts the incidents within ``r`` (itself and
   duplicates included); it is a *core* when that count ``c`` is improbable under the
   background intensity λ around it (:mod:`.background`): the smallest ``m`` with
   ``P(Poisson(λ π r²) >= m - 1) <= 1/N`` (N = incidents in the window), and at least
   ``max(4, ceil(2 N / U))`` (U distinct locations; so that one address of typical
   multiplicity is not a place on its own);
3. a place is a connected group of core locations (links shorter than ``r``), keeping
   only the core locations (DBSCAN*, Campello et al. 2013: no border points), with at
   least that floor of incidents.

So in a town centre a core needs many more incidents within 75 m than in a village, and
a hotspot is the few streets where incidents are concentrated beyond the local rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import poisson

from geo.hotspots._common import NOISE, FloatArray, IntArray
from geo.hotspots._grid import ball_weights, radius_components
from geo.hotspots.background import Background

__all__ = ["PLACE_RADIUS_M", "Places", "find_places", "place_floor"]

PLACE_RADIUS_M = 75.0


@dataclass(frozen=True, eq=False)
class Places:
    """Places found in the clusters of a window.

    Attributes
    ----------
    labels
        Place label of every window incident (0..n_places-1, ``-1`` not in a place).
    radius_m
        The place radius r.
    counts
        Incidents within r of each distinct location (NaN-free; 0 where not computed).
    peak
        Per place, the largest count within r among its locations.
    min_samples_range
        (min, median, max) of the local core thresholds over the clustered locations.
    """

    labels: IntArray
    radius_m: float
    counts: IntArray
    peak: IntArray
    min_samples_range: tuple[int, int, int]


def place_floor(n_incidents: int, n_locations: int) -> int:
    """Smallest core threshold and place size: ``max(4, ceil(2 N / U))``."""
    return max(4, math.ceil(2 * n_incidents / max(1, n_locations)))


def local_counts(
    uniq: FloatArray, mult: IntArray, rows: IntArray, radius_m: float
) -> IntArray:
    """Incidents within ``radius_m`` of the locations ``rows`` (weighted by ``mult``)."""
    query = np.zeros(uniq.shape[0], dtype=bool)
    query[rows] = True
    w = ball_weights(uniq, mult.astype(np.float64), radius_m, query)
    return np.rint(w[rows]).astype(np.int64)


def core_thresholds(
    lam: FloatArray, radius_m: float, n_incidents: int, floor: int
) -> IntArray:
    """Smallest m with ``P(Poisson(λ π r²) >= m - 1) <= 1 / N``, at least ``floor``."""
    mu = lam * np.pi * radius_m**2
    # the background is a raster: few distinct intensities, each inverted once (same values)
    vals, back = np.unique(mu, return_inverse=True)
    k = poisson.isf(1.0 / max(n_incidents, 1), vals)[back.reshape(-1)]  # sf(k) <= alpha
    k = np.where(np.isfinite(k), k, 0.0)
    return np.maximum(k + 2.0, floor).astype(np.int64)


def find_places(
    uniq: FloatArray,
    inv: IntArray,
    mult: IntArray,
    cluster_labels: IntArray,
    *,
    eps_m: float,
    bg: Background,
) -> Places:
    """Reduce the clusters ``cluster_labels`` (one per window incident) to places.

    Returns
    -------
    Places
    """
    n = int(mult.sum())
    radius = min(eps_m, PLACE_RADIUS_M)
    lab_u = np.full(uniq.shape[0], NOISE, dtype=np.int64)
    lab_u[inv] = cluster_labels
    cand = np.flatnonzero(lab_u >= 0)
    counts = np.zeros(uniq.shape[0], dtype=np.int64)
    labels = np.full(inv.size, NOISE, dtype=np.int64)
    if cand.size == 0:
        return Places(labels, radius, counts, np.zeros(0, np.int64), (0, 0, 0))
    floor = place_floor(n, uniq.shape[0])
    counts[cand] = local_counts(uniq, mult, cand, radius)
    m = core_thresholds(bg.at(uniq[cand]), radius, n, floor)
    core = cand[counts[cand] >= m]
    place_u = np.full(uniq.shape[0], NOISE, dtype=np.int64)
    if core.size:
        _, comp = np.unique(radius_components(uniq[core], radius), return_inverse=True)
        comp = comp.reshape(-1)
        size = np.bincount(comp, weights=mult[core])
        keep = size >= floor
        # number the kept places in order of their first location (as DBSCAN does)
        first = np.full(comp.max() + 1, np.iinfo(np.int64).max)
        np.minimum.at(first, comp, core)
        kept = np.flatnonzero(keep)
        order = kept[np.argsort(first[kept])]
        remap = np.full(comp.max() + 1, NOISE, dtype=np.int64)
        remap[order] = np.arange(order.size)
        place_u[core] = remap[comp]
    labels = place_u[inv]
    n_places = int(labels.max()) + 1 if labels.size else 0
    peak = np.zeros(max(n_places, 0), dtype=np.int64)
    in_place = place_u >= 0
    np.maximum.at(peak, place_u[in_place], counts[in_place])
    ms = (int(m.min()), int(np.median(m)), int(m.max()))
    return Places(labels, radius, counts, peak, ms)
