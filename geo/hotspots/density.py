"""Density clustering: DBSCAN on distinct locations weighted by multiplicity, HDBSCAN.

Duplicate locations. DBSCAN runs on the unique locations in first-occurrence order with
``sample_weight`` = multiplicity, and the labels are mapped back; this equals a plain run
on every row, label numbers included (METHODS §4), so a million incidents with many
duplicates cost what their distinct locations cost; no dense distance matrix is built.
HDBSCAN has no ``sample_weight``, so it gets every row. It runs on the ``hdbscan``
library's Boruvka KD-tree (McInnes & Healy 2017) when installed, else on scikit-learn's
``HDBSCAN``; windows above ``HDBSCAN_MAX_INCIDENTS`` are refused. HDBSCAN labels a
cluster's members down to the density level at which the cluster is born, so over thin
background noise each cluster carries a halo of background incidents with membership
probabilities near 0; members below ``hdbscan_min_probability`` (default 0.5) are noise.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.cluster import HDBSCAN

from geo.errors import TooFewIncidentsError, TooLargeError
from geo.hotspots._common import NOISE, FloatArray, IntArray
from geo.hotspots._grid import ball_weights, min_label_within, radius_components

__all__ = [
    "HDBSCAN_MAX_INCIDENTS",
    "HDBSCAN_MIN_PROBABILITY",
    "check_hdbscan_size",
    "dbscan_labels",
    "hdbscan_labels",
]

HDBSCAN_MAX_INCIDENTS = 200_000
HDBSCAN_MIN_PROBABILITY = 0.5


def _hdbscan_model(
    min_cluster_size: int, min_samples: int | None, selection_eps: float
) -> Any:
    """HDBSCAN: the ``hdbscan`` library's Boruvka KD-tree when installed (several times
    faster than scikit-learn's at 100k points; bench/bench_hotspots.py), else
    scikit-learn's. scikit-learn counts the point itself in ``min_samples`` and the
    library does not, so the library gets ``min_samples - 1`` for the same core distance.
    Both implement Campello et al. (2013) with excess-of-mass selection; they can split
    ties differently, so the planted-truth tests run on whichever is in use."""
    try:
        import hdbscan as hdbscan_lib
    except ImportError:
        return HDBSCAN(
            min_cluster_size=min_cluster_size,
            min_samples=min_samples,
            cluster_selection_epsilon=selection_eps,
            copy=True,
        )
    ms = (min_samples if min_samples is not None else min_cluster_size) - 1
    return hdbscan_lib.HDBSCAN(
        min_cluster_size=min_cluster_size,
        min_samples=max(1, ms),
        cluster_selection_epsilon=selection_eps,
        algorithm="boruvka_kdtree",
        core_dist_n_jobs=1,
    )


def dbscan_labels(
    uniq: FloatArray, inv: IntArray, mult: IntArray, *, eps_m: float, min_samples: int
) -> IntArray:
    """DBSCAN labels of every incident, computed on the distinct locations.

    Parameters
    ----------
    uniq, inv, mult
        Distinct locations, each incident's location and each location's multiplicity
        (:func:`geo.hotspots.colocation.collapse_locations`).
    eps_m, min_samples
        DBSCAN's ``eps`` (metres) and ``min_samples`` (incidents, itself included).

    Returns
    -------
    ndarray of shape (n_incidents,)
        scikit-learn's labels (``-1`` noise), equal to a plain run on every row.

    Notes
    -----
    The same algorithm as scikit-learn's ``dbscan_inner`` without its per-point
    neighbour lists (the neighbourhoods are walked on a grid, :mod:`._grid`, in O(N)
    memory): a location is core when the incidents within ``eps`` (itself and
    its duplicates included) number at least ``min_samples``; clusters are the
    connected groups of core locations, numbered in order of their first location;
    a border location takes the lowest label among its core neighbours (the cluster
    scikit-learn's breadth-first search reaches first). The tests compare the labels
    with ``sklearn.cluster.DBSCAN`` on every row.
    """
    n_loc = uniq.shape[0]
    weight = ball_weights(uniq, mult.astype(np.float64), eps_m)
    core = weight >= min_samples
    comp = radius_components(uniq, eps_m, core)
    labels_u = np.full(n_loc, NOISE, dtype=np.int64)
    core_idx = np.flatnonzero(core)
    if core_idx.size:
        # a component's id is its smallest index, so numbering the distinct ids in
        # increasing order numbers the clusters in order of their first location
        ids, inverse = np.unique(comp[core_idx], return_inverse=True)
        labels_u[core_idx] = np.arange(ids.size, dtype=np.int64)[inverse.reshape(-1)]
        border = min_label_within(uniq, labels_u, ~core, eps_m)
        labels_u[~core] = border[~core]
    return labels_u[inv]


def check_hdbscan_size(n: int, min_cluster_size: int, min_samples: int | None) -> None:
    """Refuse windows HDBSCAN cannot take (too few or more than the size limit)."""
    if n < min_cluster_size:
        msg = (
            f"{n} incidents in the window are too few for HDBSCAN with "
            f"min_cluster_size = {min_cluster_size}"
        )
        raise TooFewIncidentsError(msg, param="min_cluster_size")
    if n > HDBSCAN_MAX_INCIDENTS:
        msg = (
            f"HDBSCAN is limited to {HDBSCAN_MAX_INCIDENTS} incidents (its cost "
            f"grows with the square of N); this window has {n}: use method=dbscan "
            "or a shorter period"
        )
        raise TooLargeError(msg, param="method")
    if min_samples is not None and min_samples > n:
        msg = f"`min_samples` = {min_samples} exceeds the {n} incidents"
        raise TooFewIncidentsError(msg, param="min_samples")


def hdbscan_labels(
    xy: FloatArray,
    *,
    min_cluster_size: int,
    min_samples: int | None,
    selection_eps: float,
    min_probability: float,
) -> tuple[IntArray, IntArray, str]:
    """HDBSCAN labels with the low-membership halo removed.

    Returns
    -------
    trimmed, renumbered, implementation
        The model's labels with members below ``min_probability`` set to noise; the same
        renumbered 0..n_clusters-1 (no empty cluster); the library that ran.
    """
    hdb = _hdbscan_model(min_cluster_size, min_samples, selection_eps)
    hdb.fit(xy)
    implementation = type(hdb).__module__.split(".")[0]
    trimmed = hdb.labels_.astype(np.int64)
    trimmed[hdb.probabilities_ < min_probability] = NOISE
    kept = np.unique(trimmed[trimmed >= 0])
    remap = np.full(int(trimmed.max()) + 2, NOISE, dtype=np.int64)
    remap[kept] = np.arange(kept.size)
    renumbered = np.where(trimmed >= 0, remap[trimmed], NOISE)
    return trimmed, renumbered, implementation
