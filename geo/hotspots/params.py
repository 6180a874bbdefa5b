"""Parameter choice: default min_samples / min_cluster_size and the k-distance elbow eps.

``min_samples`` (DBSCAN; a point is core when at least this many incidents, itself
included, lie within ``eps``). Default ``max(4, ceil(N / 2500), ceil(2 N / U))`` for N
incidents at U distinct locations. 4 = 2·dim is the rule of Sander et al. (1998) kept
by Schubert et al. (2017), who advise raising it for large, noisy or heavily duplicated
data; the two other terms are our documented way to do so: one more per 2,500
incidents (so 40 at 100,000 and 400 at 1,000,000), and at least twice the mean number
of incidents per location, so that a single address of typical multiplicity is never a
core point on its own (street-snapped data such as data.police.uk's).

``eps_m`` (DBSCAN radius, metres). Default: the k-distance elbow of METHODS §4
(:func:`choose_eps`), capped at ``DEFAULT_MAX_EPS_M`` (150 m, street scale) and floored
at 1 m (:func:`choose_dbscan_eps`). Above ``EPS_SAMPLE`` (50,000) incidents the curve
is that of a seeded simple random sample of 50,000 incidents (each k-distance exact
against all incidents) with the exact largest k-distance appended.

``min_cluster_size`` (HDBSCAN). Default ``max(10, ceil(N / 1000))``.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from geo.errors import EmptyInputError, TooFewIncidentsError
from geo.hotspots._common import (
    FloatArray,
    IntArray,
    check_int,
    check_xy,
    collapse_locations,
)

__all__ = [
    "DEFAULT_MAX_EPS_M",
    "MIN_EPS_M",
    "choose_dbscan_eps",
    "choose_eps",
    "default_min_cluster_size",
    "default_min_samples",
    "elbow_index",
    "k_distances",
    "precision_warnings",
]

DEFAULT_MAX_EPS_M = 150.0
MIN_EPS_M = 1.0
ELBOW_NUDGE = 1e-9
_KNN_CELLS = 2_000_000
EPS_SAMPLE = 50_000
EPS_SAMPLE_SEED = 0


def default_min_samples(n_incidents: int, n_locations: int) -> int:
    """Default DBSCAN ``min_samples``: ``max(4, ceil(N / 2500), ceil(2 N / U))``.

    Parameters
    ----------
    n_incidents
        N, incidents in the window.
    n_locations
        U, distinct locations among them.

    Examples
    --------
    >>> default_min_samples(1_000, 1_000), default_min_samples(100_000, 90_000)
    (4, 40)
    """
    if n_locations <= 0:
        return 4
    return max(
        4, math.ceil(n_incidents / 2500), math.ceil(2 * n_incidents / n_locations)
    )


def default_min_cluster_size(n_incidents: int) -> int:
    """Default HDBSCAN ``min_cluster_size``: ``max(10, ceil(N / 1000))``.

    Examples
    --------
    >>> default_min_cluster_size(2_000), default_min_cluster_size(100_000)
    (10, 100)
    """
    return max(10, math.ceil(n_incidents / 1000))


def _weighted_k_distances(
    uniq: FloatArray,
    mult: IntArray,
    min_samples: int,
    locs: IntArray | None = None,
    tree: cKDTree | None = None,
) -> FloatArray:
    """k-distance of each unique location (all its incidents share it), or of ``locs``.

    The k-distance of an incident is the distance to its (min_samples - 1)-th nearest
    OTHER incident; an incident's m - 1 duplicates are at distance 0, and every other
    location counts with its multiplicity. Each value is exact against all locations.
    """
    need = min_samples - 1
    n_loc = uniq.shape[0]
    locs = np.arange(n_loc) if locs is None else locs
    out = np.zeros(locs.size, dtype=np.float64)
    todo = np.flatnonzero(mult[locs] - 1 < need)
    if todo.size == 0:
        return out
    tree = cKDTree(uniq) if tree is None else tree
    # most locations reach `need` incidents within far fewer than `need` locations when
    # locations repeat: query a few neighbours first, more only for the rows not done;
    # need + 1 locations (itself and need others, each >= 1 incident) always suffice
    kq = min(n_loc, need + 1, max(2, math.ceil(1.5 * need / float(mult.mean())) + 1))
    while todo.size:
        val = _kth_weighted(tree, uniq, mult, locs[todo], kq, need)
        ok = ~np.isnan(val)
        out[todo[ok]] = val[ok]
        todo = todo[~ok]
        if kq >= n_loc:
            break
        kq = min(n_loc, 2 * kq)
    return out


def _kth_weighted(
    tree: cKDTree,
    uniq: FloatArray,
    mult: IntArray,
    locs: IntArray,
    kq: int,
    need: int,
) -> FloatArray:
    """k-distances of ``locs`` from their ``kq`` nearest (NaN where these hold too few)."""
    val = np.full(locs.size, np.nan)
    step = max(1, _KNN_CELLS // kq)
    last = kq >= uniq.shape[0]
    for s in range(0, locs.size, step):
        rows = locs[s : s + step]
        dist, idx = tree.query(uniq[rows], k=kq, workers=-1)
        dist = np.asarray(dist, dtype=np.float64).reshape(rows.size, kq)
        idx = np.asarray(idx, dtype=np.int64).reshape(rows.size, kq)
        w = mult[idx]
        self_col = idx == rows[:, None]
        w = np.where(self_col, mult[rows][:, None] - 1, w)
        cum = np.cumsum(w, axis=1)
        ok = (cum[:, -1] >= need) | last
        col = np.argmax(cum >= need, axis=1)
        val[s : s + rows.size] = np.where(ok, dist[np.arange(rows.size), col], np.nan)
    return val


def _exact_max(
    uniq: FloatArray,
    mult: IntArray,
    min_samples: int,
    tree: cKDTree,
    locs: IntArray,
    kd: FloatArray,
) -> float:
    """Exact largest k-distance over all locations, given those of the sample ``locs``.

    The k-distance is 1-Lipschitz, k(i) <= k(j) + d(i, j), since the ball of radius
    d(i, j) + k(j) about i holds the one of radius k(j) about j. So, with j the
    nearest sampled location, only locations with k(j) + d above the sample's largest
    can exceed it; those (a few dozen at 1M incidents) are computed exactly.
    """
    d, j = cKDTree(uniq[locs]).query(uniq, k=1, workers=-1)
    cand = np.flatnonzero(kd[np.asarray(j, dtype=np.int64)] + d > kd.max())
    if cand.size == 0:
        return float(kd.max())
    rest = _weighted_k_distances(uniq, mult, min_samples, cand, tree)
    return float(max(kd.max(), rest.max()))


def _k_distance_curve(
    uniq: FloatArray, mult: IntArray, min_samples: int, sample: int | None
) -> FloatArray:
    """The incidents' sorted k-distances, or a seeded sample of them (see choose_dbscan_eps)."""
    n = int(mult.sum())
    if sample is None or n <= sample:
        return np.sort(np.repeat(_weighted_k_distances(uniq, mult, min_samples), mult))
    rng = np.random.default_rng(EPS_SAMPLE_SEED)
    pick = rng.choice(n, size=sample, replace=False)
    locs, cnt = np.unique(
        np.searchsorted(np.cumsum(mult), pick, side="right"), return_counts=True
    )
    tree = cKDTree(uniq)
    kd = _weighted_k_distances(uniq, mult, min_samples, locs, tree)
    hi = _exact_max(uniq, mult, min_samples, tree, locs, kd)
    return np.r_[np.sort(np.repeat(kd, cnt)), hi]


def k_distances(xy: npt.ArrayLike, *, min_samples: int) -> FloatArray:
    """Each point's k-distance: distance to its (min_samples - 1)-th nearest OTHER point.

    Equals the last column of
    ``NearestNeighbors(n_neighbors=min_samples).fit(X).kneighbors(X)[0]`` (METHODS §4),
    computed on the distinct locations with multiplicities.

    Raises
    ------
    TooFewIncidentsError
        When there are fewer than ``min_samples`` points.
    """
    pts = check_xy(xy)
    min_samples = check_int(min_samples, "min_samples", 1)
    if pts.shape[0] < min_samples:
        msg = f"{pts.shape[0]} incidents are too few for min_samples = {min_samples}"
        raise TooFewIncidentsError(msg, param="min_samples")
    uniq, inv, mult = collapse_locations(pts)
    return _weighted_k_distances(uniq, mult, min_samples)[inv]


def elbow_index(values: npt.ArrayLike) -> int:
    """Elbow of an ascending curve: the point farthest below its chord (METHODS §4).

    With ``u_i = (i - 1)/(n - 1)`` and ``v_i = (s_i - s_1)/(s_n - s_1)`` the elbow is
    ``argmax(u_i - v_i)``, the first index on ties (0-based). A flat curve (or one
    value) gives index 0.
    """
    s = np.asarray(values, dtype=np.float64)
    n = s.size
    if n == 0:
        msg = "`values` is empty"
        raise EmptyInputError(msg, param="values")
    if n == 1 or s[-1] == s[0]:
        return 0
    u = np.arange(n, dtype=np.float64) / (n - 1)
    v = (s - s[0]) / (s[-1] - s[0])
    return int(np.argmax(u - v))


def choose_eps(xy: npt.ArrayLike, *, min_samples: int) -> float:
    """DBSCAN ``eps`` by the deterministic k-distance elbow rule (METHODS §4).

    The k-distances (:func:`k_distances`) are sorted ascending and
    ``eps = s_elbow × (1 + 1e-9)`` with the elbow of :func:`elbow_index`; the nudge keeps
    the elbow point's own neighbour (at exactly s_elbow) inside eps.

    Parameters
    ----------
    xy
        Incident coordinates (n, 2), metres; duplicates count with their multiplicity.
    min_samples
        DBSCAN's ``min_samples``.

    Returns
    -------
    float
        eps in metres (0 when the elbow point has min_samples - 1 coincident
        neighbours; :func:`find_hotspots` then floors it at 1 m).

    Examples
    --------
    >>> xy = [[0, 0], [1, 0], [0, 1], [1, 1], [2, 1], [6, 6], [6, 6], [6, 6], [6, 7],
    ...       [10, 10], [11, 10], [10, 11], [11, 11.5], [3, 9], [12, 2], [15, 15]]
    >>> choose_eps(xy, min_samples=4)
    2.000000002
    """
    s = np.sort(k_distances(xy, min_samples=min_samples))
    return float(s[elbow_index(s)] * (1.0 + ELBOW_NUDGE))


def precision_warnings(
    eps: float, uniq: FloatArray, mult: IntArray, n: int
) -> list[str]:
    """Warnings when eps is finer than the data's positional precision."""
    warnings: list[str] = []
    if eps < MIN_EPS_M:
        warnings.append(
            f"eps_m = {eps:g} m is below 1 m, finer than the positional precision of "
            "incident records; clusters will mostly be single addresses"
        )
    for grid in (1000.0, 100.0, 10.0):
        if np.all(np.mod(uniq, grid) == 0):
            if eps < grid:
                warnings.append(
                    f"incident coordinates are rounded to {grid:g} m but eps_m = "
                    f"{eps:g} m is smaller; clusters can only be single grid points"
                )
            break
    dup_share = float(mult[mult > 1].sum()) / n if n else 0.0
    if dup_share >= 0.5 and uniq.shape[0] >= 2:
        d, _ = cKDTree(uniq).query(uniq, k=2)
        spacing = float(np.median(d[:, 1]))
        if eps < spacing:
            warnings.append(
                f"{100 * dup_share:.0f}% of incidents share their location with another "
                f"(street-snapped or geocoded to addresses) and eps_m = {eps:g} m is "
                f"below the median spacing of distinct locations ({spacing:.1f} m)"
            )
    return warnings


def choose_dbscan_eps(
    uniq: FloatArray,
    mult: IntArray,
    min_samples: int,
    *,
    max_default_eps_m: float | None = DEFAULT_MAX_EPS_M,
    sample: int | None = EPS_SAMPLE,
) -> tuple[float, str, list[str]]:
    """Default DBSCAN eps: the k-distance elbow, capped at street scale, floored at 1 m.

    Parameters
    ----------
    uniq, mult
        Distinct locations and their multiplicities.
    min_samples
        DBSCAN's ``min_samples``.
    max_default_eps_m
        Cap on the elbow (default 150 m); ``None`` disables it.
    sample
        With more than ``sample`` incidents (default ``EPS_SAMPLE`` = 50,000) the
        elbow is taken on the k-distances of a seeded simple random sample of
        ``sample`` incidents, with the exact largest k-distance (:func:`_exact_max`)
        appended as its last point; ``None`` always uses all N, and N <= ``sample``
        gives exactly the full curve. Each sampled k-distance is exact against all
        incidents, so the sorted sample is an unbiased sample of the curve, and the
        chord's upper end is the full curve's. What is estimated: ``u`` (the
        empirical distribution) is within ``e = sqrt(ln(2/a) / (2 sample))`` of the
        full curve's everywhere with probability 1 - a (DKW inequality; e = 0.012
        for a = 1e-6), and the lower end is the sample's smallest k-distance, at or
        above the full curve's, moving ``v`` by at most that gap over the curve's
        range. The chosen point's ``u - v`` on the full curve is therefore within
        2 e (plus that gap) of the full curve's maximum. This makes the step
        O(sample x min_samples) instead of O(N x min_samples): for 1M distinct
        locations (min_samples 400) about 3 s instead of about 100 s.

    Returns
    -------
    eps_m, chosen_by, warnings
        The radius, how it was chosen (for ``parameters.chosen_by``) and warnings.
    """
    ks = _k_distance_curve(uniq, mult, min_samples, sample)
    eps_m = float(ks[elbow_index(ks)] * (1.0 + ELBOW_NUDGE))
    sampled = sample is not None and int(mult.sum()) > sample
    of = f" of a {sample:,}-incident sample" if sampled else ""
    chosen_by = f"k-distance elbow{of}"
    warnings: list[str] = []
    if max_default_eps_m is not None and eps_m > max_default_eps_m:
        chosen_by = (
            f"k-distance elbow{of} ({eps_m:.0f} m) capped at the "
            f"{max_default_eps_m:g} m street scale of a tasking hotspot"
        )
        eps_m = float(max_default_eps_m)
    if eps_m < MIN_EPS_M:
        warnings.append(
            f"the k-distance elbow gave eps = {eps_m:g} m (most incidents share "
            f"their location); the {MIN_EPS_M:g} m floor is used instead"
        )
        eps_m = MIN_EPS_M
        chosen_by = f"k-distance elbow{of}, floored at 1 m"
    return eps_m, chosen_by, warnings
