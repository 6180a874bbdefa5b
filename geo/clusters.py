"""Density-cluster hotspots (DBSCAN / HDBSCAN), police/fire overlap and ranking.

:func:`find_hotspots` clusters the incidents of a window with DBSCAN or HDBSCAN and
turns every cluster into a hotspot polygon with the properties a tasking meeting needs;
:func:`overlap_hotspots` keeps the police/fire overlap hotspots and measures their
co-location; :func:`to_geojson` writes either as an RFC 7946 FeatureCollection (WGS84).
METHODS.md §4 gives the parameter rules and the duplicate-location argument.

Parameters and how defaults are chosen
--------------------------------------
``min_samples`` (DBSCAN; a point is core when at least this many incidents, itself
included, lie within ``eps``). Default ``max(4, ceil(N / 2500), ceil(2 N / U))`` for N
incidents at U distinct locations. 4 = 2·dim is the rule of Sander et al. (1998) kept
by Schubert et al. (2017), who advise raising it for large, noisy or heavily duplicated
data; the two other terms are our documented way to do so: one more per 2,500
incidents (so 40 at 100,000 and 400 at 1,000,000), and at least twice the mean number
of incidents per location, so that a single address of typical multiplicity is never a
core point on its own (street-snapped data such as data.police.uk's).

``eps_m`` (DBSCAN radius, metres). Default: the k-distance elbow of METHODS §4
(:func:`choose_eps`): each incident's distance to its (min_samples - 1)-th nearest other
incident, sorted; the elbow is the point farthest below the chord of the normalised
curve (first on ties), and eps = elbow value × (1 + 1e-9). If that gives less than 1 m
(e.g. almost every incident shares its location) the 1 m floor is used, with a warning.
Caveat: with a large share of thinly spread background incidents the elbow sits in the
background's distribution and can be hundreds of metres; pass ``eps_m`` for street-level
hotspots.

``min_cluster_size`` (HDBSCAN; smallest group that counts as a cluster). Default
``max(10, ceil(N / 1000))``: ten incidents, or 0.1 % of the window, whichever is larger.
HDBSCAN's ``min_samples`` defaults to scikit-learn's default (= min_cluster_size).
``eps_m``, if given with HDBSCAN, is passed as ``cluster_selection_epsilon`` (clusters
closer than that are not split). HDBSCAN labels a cluster's members down to the density
level at which the cluster is born, so over thin background noise each cluster carries a
halo of background incidents reaching hundreds of metres out, with membership
probabilities (``probabilities_``) near 0. Hotspots keep only members with probability
>= ``hdbscan_min_probability`` (default 0.5; the others count as noise). On planted test
data (geo.planted; 2,000 and 100,000 background incidents) this strips the halo, which
otherwise extends a planted fire-only cluster by up to 1.5 km and gives it enough
background police incidents to pass the overlap rule, while keeping every planted
incident.

Duplicate locations. DBSCAN runs on the unique locations in first-occurrence order with
``sample_weight`` = multiplicity, and the labels are mapped back; this equals a plain run
on every row, label numbers included (METHODS §4), so a million incidents with many
duplicates cost what their distinct locations cost; no dense distance matrix is built.
HDBSCAN has no ``sample_weight``, so it gets every row. It runs on the ``hdbscan``
library's Boruvka KD-tree (McInnes & Healy 2017): 4.7 s at 100,000 incidents on a
2-core machine, against 36 s for scikit-learn's ``HDBSCAN`` (Prim's algorithm, O(N²)
time) on the same points (bench/bench_hotspots.py). scikit-learn's is the fallback when
the library is missing; the two agree closely (adjusted Rand index > 0.9 in the tests)
but may split ties differently. HDBSCAN refuses windows above ``HDBSCAN_MAX_INCIDENTS``
(200,000) with :class:`~geo.errors.TooLargeError`; use DBSCAN for larger windows.

Hotspot polygons
----------------
The convex hull of the cluster's incidents (``hull="convex"``, default) or a concave
hull (``hull="concave"``: :func:`shapely.concave_hull` with ``ratio=0.5``, no holes),
buffered by ``max(eps_m / 2, 25 m)`` (25 m for HDBSCAN without eps_m). A buffer of a
hull is always a single valid, non-self-intersecting polygon, so one or two distinct
locations still give a polygon. Polygons are in EPSG:27700; GeoJSON is reprojected to
WGS84 with coordinates [lon, lat] rounded to 1e-7 degrees (about 1 cm).

Overlap rule
------------
A hotspot is a police/fire **overlap** hotspot when it holds at least
``min_agency_count`` (default 3) incidents of EACH agency and each agency's share of the
hotspot's incidents is at least ``min(min_agency_share, 0.5 x that agency's share of the
whole window)`` (``min_agency_share`` default 0.2). The relative part matters because the
agencies' volumes differ: fire is about a tenth of all incidents, so a place where fire
makes up 14% of incidents holds more fire than the area as a whole and is a joint
problem, while a fixed 20% bar would call it police-only. A purely police or purely fire
cluster is never an overlap hotspot (fewer than 3 of the other agency, or a share below
half of its usual share).

Properties, id and rank
-----------------------
``id`` is ``"H-"`` + the first 12 hex digits of the SHA-1 of the method parameters and
the sorted ``agency:source_id`` keys of the members: the same data and parameters give
the same id, whatever the row order. ``trend`` splits the period [start, end) at its
midpoint (the window's first and last incident when no period is given) and reports the
counts before and after and ``change_pct = 100 (second - first) / first`` (``None`` when
first is 0). The rank score is::

    score = n × (1.5 if overlap else 1) × clip(sqrt((second_half + 1) / (first_half + 1)), 0.5, 2)

so the number of incidents counts most, joint police/fire problems weigh half as much
again and a rising (falling) trend raises (lowers) the score by at most a factor 2.
Rank 1 is the highest score (ties: more incidents, then id).

References
----------
Ester, M., Kriegel, H.-P., Sander, J. & Xu, X. (1996). A density-based algorithm for
discovering clusters in large spatial databases with noise. *Proc. KDD-96*, 226-231.

Sander, J., Ester, M., Kriegel, H.-P. & Xu, X. (1998). Density-based clustering in spatial
databases: the algorithm GDBSCAN and its applications. *Data Mining and Knowledge
Discovery* 2(2), 169-194.

Schubert, E., Sander, J., Ester, M., Kriegel, H.-P. & Xu, X. (2017). DBSCAN revisited,
revisited: why and how you should (still) use DBSCAN. *ACM TODS* 42(3), 19.

Campello, R.J.G.B., Moulavi, D. & Sander, J. (2013). Density-based clustering based on
hierarchical density estimates. *PAKDD 2013*, LNCS 7819, 160-172.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy.spatial import cKDTree
from sklearn.cluster import DBSCAN, HDBSCAN

from geo.boundaries import BNG, WGS84, Boundaries
from geo.colocation import (
    LCLQ_K,
    PERMUTATIONS,
    ClqResult,
    MeanLocalClqResult,
    collapse_locations,
    global_clq_pair,
    mean_local_clq_sets,
)
from geo.errors import (
    EmptyInputError,
    ParameterError,
    TooFewIncidentsError,
    TooLargeError,
)

__all__ = [
    "CONCAVE_RATIO",
    "DEFAULT_MAX_EPS_M",
    "DEFAULT_MIN_AGENCY_COUNT",
    "DEFAULT_MIN_AGENCY_SHARE",
    "HDBSCAN_MAX_INCIDENTS",
    "HDBSCAN_MIN_PROBABILITY",
    "MIN_BUFFER_M",
    "MIN_EPS_M",
    "Hotspot",
    "HotspotResult",
    "OverlapHotspot",
    "OverlapResult",
    "Trend",
    "choose_eps",
    "default_min_cluster_size",
    "default_min_samples",
    "elbow_index",
    "find_hotspots",
    "is_overlap",
    "k_distances",
    "overlap_hotspots",
    "to_geojson",
]

Method = Literal["dbscan", "hdbscan"]
METHODS = ("dbscan", "hdbscan")
HULLS = ("convex", "concave")
DEFAULT_MAX_EPS_M = 150.0
DEFAULT_MIN_AGENCY_COUNT = 3
DEFAULT_MIN_AGENCY_SHARE = 0.2
DEFAULT_MIN_RELATIVE_SHARE = 0.5
MIN_EPS_M = 1.0
MIN_BUFFER_M = 25.0
CONCAVE_RATIO = 0.5
HDBSCAN_MAX_INCIDENTS = 200_000
HDBSCAN_MIN_PROBABILITY = 0.5
OVERLAP_WEIGHT = 1.5
ELBOW_NUDGE = 1e-9
NOISE = -1
OUTSIDE = -2  # label of rows outside the period
_AGENCIES = ("police", "fire")
_REQUIRED = ("source_id", "agency", "category", "occurred_at", "easting", "northing")
_KNN_CELLS = 2_000_000

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Trend:
    """Counts in the first and second half of the period.

    Attributes
    ----------
    first_half, second_half
        Incidents in [start, mid) and [mid, end).
    change_pct
        ``100 (second_half - first_half) / first_half``; ``None`` if first_half is 0.
    """

    first_half: int
    second_half: int
    change_pct: float | None

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary."""
        return {
            "first_half": self.first_half,
            "second_half": self.second_half,
            "change_pct": self.change_pct,
        }


@dataclass(frozen=True, eq=False)
class Hotspot:
    """One density-cluster hotspot.

    Attributes
    ----------
    id
        Stable id (``"H-"`` + 12 hex digits), see the module notes.
    rank, score
        Rank (1 = most important) and the rank score.
    label
        The clustering's own label of the cluster (as in ``HotspotResult.labels``).
    n, n_police, n_fire
        Incidents in the hotspot, in total and per agency.
    categories
        ``{category: count}``, most frequent first.
    wards, datazones
        Codes of the members' wards / data zones, most incidents first.
    worst_simd_decile
        Lowest (most deprived) SIMD 2020v2 decile among the members' data zones.
    first_occurred_at, last_occurred_at
        First and last incident time (ISO 8601, UTC).
    trend
        :class:`Trend` over the period.
    overlap
        Police/fire overlap hotspot (module notes).
    centroid_easting, centroid_northing
        Mean position of the members (EPSG:27700).
    area_m2
        Area of the polygon.
    geometry
        The polygon (EPSG:27700).
    members
        Positions (0-based) of the member incidents in the input frame.
    """

    id: str
    rank: int
    score: float
    label: int
    n: int
    n_police: int
    n_fire: int
    categories: dict[str, int]
    wards: list[str]
    datazones: list[str]
    worst_simd_decile: int | None
    first_occurred_at: str
    last_occurred_at: str
    trend: Trend
    overlap: bool
    centroid_easting: float
    centroid_northing: float
    area_m2: float
    geometry: shapely.Geometry = field(repr=False)
    members: IntArray = field(repr=False)

    def properties(self) -> dict[str, Any]:
        """JSON-serialisable properties (no geometry, no member list)."""
        return {
            "id": self.id,
            "rank": self.rank,
            "score": self.score,
            "n": self.n,
            "n_police": self.n_police,
            "n_fire": self.n_fire,
            "categories": dict(self.categories),
            "wards": list(self.wards),
            "datazones": list(self.datazones),
            "worst_simd_decile": self.worst_simd_decile,
            "first_occurred_at": self.first_occurred_at,
            "last_occurred_at": self.last_occurred_at,
            "trend": self.trend.to_dict(),
            "overlap": self.overlap,
            "centroid": {
                "easting": self.centroid_easting,
                "northing": self.centroid_northing,
            },
            "area_m2": self.area_m2,
        }


@dataclass(frozen=True, eq=False)
class HotspotResult:
    """Result of :func:`find_hotspots`.

    Attributes
    ----------
    hotspots
        The hotspots, rank 1 first.
    labels
        One label per input row: the cluster label, ``-1`` for noise, ``-2`` for rows
        outside the period. For DBSCAN these are scikit-learn's labels.
    parameters
        Method, parameter values and how each was chosen, counts (JSON-serialisable).
    warnings
        Plain-language warnings (e.g. eps below the data's precision).
    """

    hotspots: tuple[Hotspot, ...]
    labels: IntArray = field(repr=False)
    parameters: dict[str, Any]
    warnings: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """Parameters, warnings and every hotspot's properties."""
        return {
            "parameters": dict(self.parameters),
            "warnings": list(self.warnings),
            "hotspots": [h.properties() for h in self.hotspots],
        }


@dataclass(frozen=True, eq=False)
class OverlapHotspot:
    """An overlap hotspot with its co-location measures.

    Attributes
    ----------
    hotspot
        The hotspot.
    fire_to_police, police_to_fire
        Mean local CLQ of the hotspot's fire (police) incidents towards police (fire),
        with permutation p-values (:func:`geo.colocation.mean_local_clq`).
    """

    hotspot: Hotspot
    fire_to_police: MeanLocalClqResult
    police_to_fire: MeanLocalClqResult


@dataclass(frozen=True, eq=False)
class OverlapResult:
    """Result of :func:`overlap_hotspots`.

    Attributes
    ----------
    hotspots
        Overlap hotspots only, in rank order.
    global_fire_to_police, global_police_to_fire
        Global CLQ of the whole window in both directions (``None`` when the window
        lacks one of the agencies).
    parameters, warnings
        From the hotspot result, plus the co-location settings.
    """

    hotspots: tuple[OverlapHotspot, ...]
    global_fire_to_police: ClqResult | None
    global_police_to_fire: ClqResult | None
    parameters: dict[str, Any]
    warnings: tuple[str, ...]


# ----------------------------------------------------------------------------- rules


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


def is_overlap(
    n_police: int,
    n_fire: int,
    n: int,
    *,
    min_agency_count: int = DEFAULT_MIN_AGENCY_COUNT,
    min_agency_share: float = DEFAULT_MIN_AGENCY_SHARE,
    window_fire_share: float | None = None,
    min_relative_share: float = DEFAULT_MIN_RELATIVE_SHARE,
) -> bool:
    """Whether a cluster is a police/fire overlap hotspot (module notes).

    Examples
    --------
    >>> is_overlap(10, 3, 13), is_overlap(20, 3, 23), is_overlap(40, 0, 40)
    (True, False, False)
    >>> is_overlap(159, 26, 185, window_fire_share=0.107)  # fire is 11% of the window
    True
    """
    if n <= 0:
        return False
    need_police = need_fire = min_agency_share
    if window_fire_share is not None:
        need_fire = min(min_agency_share, min_relative_share * window_fire_share)
        need_police = min(min_agency_share, min_relative_share * (1.0 - window_fire_share))
    return (
        n_police >= min_agency_count
        and n_fire >= min_agency_count
        and n_police / n >= need_police
        and n_fire / n >= need_fire
    )


def _check_int(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        msg = f"`{name}` must be an integer, got {value!r}"
        raise ParameterError(msg, param=name)
    if value < minimum:
        msg = f"`{name}` must be >= {minimum}, got {value}"
        raise ParameterError(msg, param=name)
    return int(value)


def _check_xy(xy: npt.ArrayLike, name: str = "xy") -> FloatArray:
    pts = np.asarray(xy, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2:
        msg = f"`{name}` must have shape (n, 2), got {pts.shape}"
        raise ParameterError(msg, param=name)
    if not np.isfinite(pts).all():
        msg = f"`{name}` has missing or infinite coordinates"
        raise ParameterError(msg, param=name)
    return pts


def _weighted_k_distances(
    uniq: FloatArray, mult: IntArray, min_samples: int
) -> FloatArray:
    """k-distance of each unique location (all its incidents share it).

    The k-distance of an incident is the distance to its (min_samples - 1)-th nearest
    OTHER incident; an incident's m - 1 duplicates are at distance 0, and every other
    location counts with its multiplicity.
    """
    need = min_samples - 1
    n_loc = uniq.shape[0]
    out = np.zeros(n_loc, dtype=np.float64)
    todo = np.flatnonzero(mult - 1 < need)
    if todo.size == 0:
        return out
    kq = min(n_loc, need + 1)
    tree = cKDTree(uniq)
    step = max(1, _KNN_CELLS // kq)
    for s in range(0, todo.size, step):
        rows = todo[s : s + step]
        dist, idx = tree.query(uniq[rows], k=kq)
        dist = np.asarray(dist, dtype=np.float64).reshape(rows.size, kq)
        idx = np.asarray(idx, dtype=np.int64).reshape(rows.size, kq)
        w = mult[idx]
        self_col = idx == rows[:, None]
        w = np.where(self_col, mult[rows][:, None] - 1, w)
        cum = np.cumsum(w, axis=1)
        col = np.argmax(cum >= need, axis=1)
        out[rows] = dist[np.arange(rows.size), col]
    return out


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
    pts = _check_xy(xy)
    min_samples = _check_int(min_samples, "min_samples", 1)
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


# ----------------------------------------------------------------------------- helpers


def _to_utc(value: Any, name: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        msg = f"`{name}` must be a date or datetime, got {value!r}"
        raise ParameterError(msg, param=name) from exc
    if ts is pd.NaT:
        msg = f"`{name}` must be a date or datetime, got {value!r}"
        raise ParameterError(msg, param=name)
    if ts.tzinfo is None:  # naive times are Europe/London (DESIGN.md)
        ts = ts.tz_localize(
            "Europe/London", ambiguous=False, nonexistent="shift_forward"
        )
    return ts.tz_convert("UTC")


def _iso(ts: pd.Timestamp) -> str:
    return ts.tz_convert("UTC").isoformat().replace("+00:00", "Z")


def _check_incidents(incidents: pd.DataFrame) -> None:
    if not isinstance(incidents, pd.DataFrame):
        msg = f"`incidents` must be a pandas DataFrame, got {type(incidents).__name__}"
        raise ParameterError(msg, param="incidents")
    missing = [c for c in _REQUIRED if c not in incidents.columns]
    if missing:
        msg = f"`incidents` lacks the columns {', '.join(missing)}"
        raise ParameterError(msg, param="incidents")


def _ranked_codes(
    label: IntArray, values: npt.NDArray[Any], n_labels: int
) -> list[list[str]]:
    """Per label, the distinct values ordered by count (desc), then value."""
    out: list[list[str]] = [[] for _ in range(n_labels)]
    frame = pd.DataFrame({"label": label, "value": values})
    frame = frame[frame["value"].notna()]
    counts = frame.groupby(["label", "value"], sort=True).size().reset_index(name="c")
    counts = counts.sort_values(["label", "c", "value"], ascending=[True, False, True])
    for lab, vals in counts.groupby("label", sort=True)["value"]:
        out[int(lab)] = [str(v) for v in vals]  # type: ignore[call-overload]
    return out


def _counted(
    label: IntArray, values: npt.NDArray[Any], n_labels: int
) -> list[dict[str, int]]:
    out: list[dict[str, int]] = [{} for _ in range(n_labels)]
    frame = pd.DataFrame({"label": label, "value": values})
    counts = frame.groupby(["label", "value"], sort=True).size().reset_index(name="c")
    counts = counts.sort_values(["label", "c", "value"], ascending=[True, False, True])
    for lab, sub in counts.groupby("label", sort=True):
        out[int(lab)] = {  # type: ignore[call-overload]
            str(v): int(c) for v, c in zip(sub["value"], sub["c"], strict=True)
        }
    return out


def _precision_warnings(
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


def _hull_polygons(
    xy: FloatArray, label: IntArray, n_labels: int, hull: str, buffer_m: float
) -> npt.NDArray[np.object_]:
    """Buffered hull polygon per label, from the distinct member locations."""
    frame = pd.DataFrame({"label": label, "x": xy[:, 0], "y": xy[:, 1]})
    frame = frame.drop_duplicates().sort_values(["label", "x", "y"], kind="stable")
    mp = shapely.multipoints(
        frame[["x", "y"]].to_numpy(),
        indices=frame["label"].to_numpy(),
    )
    if hull == "concave":
        base = shapely.concave_hull(mp, ratio=CONCAVE_RATIO, allow_holes=False)
    else:
        base = shapely.convex_hull(mp)
    polys = shapely.buffer(base, buffer_m)
    bad = ~shapely.is_valid(polys)
    if bad.any():  # pragma: no cover - a positive buffer of a hull is valid
        polys[bad] = shapely.make_valid(polys[bad])
    assert polys.shape[0] == n_labels
    return np.asarray(polys, dtype=object)


def _hdbscan_model(min_cluster_size: int, min_samples: int | None, selection_eps: float) -> Any:
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


def _hotspot_id(params_key: str, keys: list[str]) -> str:
    h = hashlib.sha1(usedforsecurity=False)
    h.update(params_key.encode())
    for k in sorted(keys):
        h.update(b"\n")
        h.update(k.encode())
    return "H-" + h.hexdigest()[:12]


def _score(n: int, overlap: bool, first: int, second: int) -> float:
    trend_w = min(2.0, max(0.5, math.sqrt((second + 1) / (first + 1))))
    return round(n * (OVERLAP_WEIGHT if overlap else 1.0) * trend_w, 6)


# ----------------------------------------------------------------------------- main


def find_hotspots(
    incidents: pd.DataFrame,
    boundaries: Boundaries | None,
    *,
    method: Method = "dbscan",
    eps_m: float | None = None,
    min_samples: int | None = None,
    min_cluster_size: int | None = None,
    period: tuple[Any, Any] | None = None,
    hull: Literal["convex", "concave"] = "convex",
    min_agency_count: int = DEFAULT_MIN_AGENCY_COUNT,
    min_agency_share: float = DEFAULT_MIN_AGENCY_SHARE,
    max_default_eps_m: float | None = DEFAULT_MAX_EPS_M,
    hdbscan_min_probability: float = HDBSCAN_MIN_PROBABILITY,
) -> HotspotResult:
    """Density-cluster hotspots of a window of incidents.

    Parameters
    ----------
    incidents
        The incident frame (``source_id, agency, category, occurred_at, easting,
        northing`` and, for the properties, ``datazone, ward, simd_decile``).
    boundaries
        The geography; used to look up the SIMD decile of the members' data zones
        (falls back to the frame's ``simd_decile`` column when ``None``).
    method
        ``"dbscan"`` (default) or ``"hdbscan"``.
    eps_m
        DBSCAN radius in metres; default by the k-distance elbow (module notes). With
        HDBSCAN: ``cluster_selection_epsilon`` (default 0).
    min_samples
        DBSCAN / HDBSCAN ``min_samples``; defaults in the module notes.
    min_cluster_size
        HDBSCAN's smallest cluster; default ``max(10, ceil(N / 1000))``.
    period
        ``(start, end)``: only incidents with start <= occurred_at < end (either may be
        ``None``; naive values are Europe/London). Also the period of the trend.
    hull
        ``"convex"`` (default) or ``"concave"`` hull polygons.
    min_agency_count, min_agency_share
        The overlap rule (module notes).
    max_default_eps_m
        Upper limit on the *default* DBSCAN eps (default 150 m). With mostly thin
        background incidents the k-distance elbow lies in the background's own spacing
        (hundreds of metres) and DBSCAN then returns one town-sized cluster; a tasking
        hotspot is a few streets across, so the default is capped at this street scale
        (reported in ``parameters.chosen_by``). ``None`` disables the cap; an explicit
        ``eps_m`` is never capped.
    hdbscan_min_probability
        HDBSCAN only: members whose membership probability (``probabilities_``) is
        below this are treated as noise (module notes). Default 0.5.

    Returns
    -------
    HotspotResult

    Raises
    ------
    EmptyInputError
        No incident in the window.
    TooFewIncidentsError
        Fewer incidents than ``min_samples`` (DBSCAN) or ``min_cluster_size``
        (HDBSCAN); ``param`` names that parameter.
    TooLargeError
        HDBSCAN on more than ``HDBSCAN_MAX_INCIDENTS`` incidents (``param="method"``).
    ParameterError
        For invalid parameters or incident columns.
    """
    _check_incidents(incidents)
    if method not in METHODS:
        msg = f"`method` was {method!r} but is expected to be in {list(METHODS)}"
        raise ParameterError(msg, param="method")
    if hull not in HULLS:
        msg = f"`hull` was {hull!r} but is expected to be in {list(HULLS)}"
        raise ParameterError(msg, param="hull")
    if eps_m is not None:
        if isinstance(eps_m, bool) or not isinstance(eps_m, int | float | np.number):
            msg = f"`eps_m` must be a number, got {eps_m!r}"
            raise ParameterError(msg, param="eps_m")
        if not math.isfinite(float(eps_m)) or eps_m <= 0:
            msg = f"`eps_m` must be a positive number of metres, got {eps_m}"
            raise ParameterError(msg, param="eps_m")
        eps_m = float(eps_m)
    if min_samples is not None:
        min_samples = _check_int(min_samples, "min_samples", 1)
    if min_cluster_size is not None:
        min_cluster_size = _check_int(min_cluster_size, "min_cluster_size", 2)
    min_agency_count = _check_int(min_agency_count, "min_agency_count", 1)
    if not 0.0 <= hdbscan_min_probability <= 1.0:
        msg = (
            "`hdbscan_min_probability` must be in [0, 1], got "
            f"{hdbscan_min_probability}"
        )
        raise ParameterError(msg, param="hdbscan_min_probability")
    if not 0.0 <= min_agency_share <= 1.0:
        msg = f"`min_agency_share` must be in [0, 1], got {min_agency_share}"
        raise ParameterError(msg, param="min_agency_share")

    # window
    start = end = None
    if period is not None:
        if len(period) != 2:
            msg = "`period` must be a (start, end) pair"
            raise ParameterError(msg, param="period")
        start, end = _to_utc(period[0], "from"), _to_utc(period[1], "to")
        if start is not None and end is not None and end <= start:
            msg = "the period end (`to`) must be after its start (`from`)"
            raise ParameterError(msg, param="to")
    times = pd.to_datetime(incidents["occurred_at"], utc=True)
    in_window = np.ones(len(incidents), dtype=bool)
    if start is not None:
        in_window &= (times >= start).to_numpy()
    if end is not None:
        in_window &= (times < end).to_numpy()
    win = np.flatnonzero(in_window).astype(np.int64)
    win_agency = incidents["agency"].to_numpy()[win]
    window_fire_share = float(np.mean(win_agency == "fire")) if len(win_agency) else None
    if win.size == 0:
        msg = "no incidents in the window: widen the period or the filters"
        raise EmptyInputError(msg)
    sub = incidents.iloc[win]
    xy = _check_xy(sub[["easting", "northing"]].to_numpy(np.float64), "incidents")
    n = xy.shape[0]
    uniq, inv, mult = collapse_locations(xy)
    n_loc = uniq.shape[0]
    warnings: list[str] = []
    chosen_by: dict[str, str] = {}

    buffer_m = MIN_BUFFER_M
    if method == "dbscan":
        if min_samples is None:
            min_samples = default_min_samples(n, n_loc)
            chosen_by["min_samples"] = "default max(4, ceil(N/2500), ceil(2N/U))"
        else:
            chosen_by["min_samples"] = "given"
        if n < min_samples:
            msg = (
                f"{n} incidents in the window are too few for DBSCAN with "
                f"min_samples = {min_samples}"
            )
            raise TooFewIncidentsError(msg, param="min_samples")
        if eps_m is None:
            ks = np.sort(
                np.repeat(_weighted_k_distances(uniq, mult, min_samples), mult)
            )
            eps_m = float(ks[elbow_index(ks)] * (1.0 + ELBOW_NUDGE))
            chosen_by["eps_m"] = "k-distance elbow"
            if max_default_eps_m is not None and eps_m > max_default_eps_m:
                chosen_by["eps_m"] = (
                    f"k-distance elbow ({eps_m:.0f} m) capped at the {max_default_eps_m:g} m "
                    "street scale of a tasking hotspot"
                )
                eps_m = float(max_default_eps_m)
            if eps_m < MIN_EPS_M:
                warnings.append(
                    f"the k-distance elbow gave eps = {eps_m:g} m (most incidents share "
                    f"their location); the {MIN_EPS_M:g} m floor is used instead"
                )
                eps_m = MIN_EPS_M
                chosen_by["eps_m"] = "k-distance elbow, floored at 1 m"
        else:
            chosen_by["eps_m"] = "given"
        warnings.extend(_precision_warnings(eps_m, uniq, mult, n))
        model = DBSCAN(eps=eps_m, min_samples=min_samples)
        labels_u = model.fit(uniq, sample_weight=mult).labels_.astype(np.int64)
        win_labels = labels_u[inv]
        buffer_m = max(eps_m / 2.0, MIN_BUFFER_M)
        chosen_by["min_cluster_size"] = "not used by DBSCAN"
    else:
        if min_cluster_size is None:
            min_cluster_size = default_min_cluster_size(n)
            chosen_by["min_cluster_size"] = "default max(10, ceil(N/1000))"
        else:
            chosen_by["min_cluster_size"] = "given"
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
        if min_samples is None:
            chosen_by["min_samples"] = "scikit-learn default (= min_cluster_size)"
        else:
            chosen_by["min_samples"] = "given"
            if min_samples > n:
                msg = f"`min_samples` = {min_samples} exceeds the {n} incidents"
                raise TooFewIncidentsError(msg, param="min_samples")
        selection_eps = 0.0 if eps_m is None else eps_m
        chosen_by["eps_m"] = (
            "not used (cluster_selection_epsilon = 0)"
            if eps_m is None
            else "given, as cluster_selection_epsilon"
        )
        if eps_m is not None:
            warnings.extend(_precision_warnings(eps_m, uniq, mult, n))
        hdb = _hdbscan_model(min_cluster_size, min_samples, selection_eps)
        hdb.fit(xy)
        chosen_by["hdbscan_implementation"] = type(hdb).__module__.split(".")[0]
        win_labels = hdb.labels_.astype(np.int64)
        # drop the low-membership halo (module notes)
        win_labels[hdb.probabilities_ < hdbscan_min_probability] = NOISE
        chosen_by["hdbscan_min_probability"] = (
            "default" if hdbscan_min_probability == HDBSCAN_MIN_PROBABILITY else "given"
        )
        buffer_m = max(selection_eps / 2.0, MIN_BUFFER_M)
        min_samples_used = min_samples if min_samples is not None else min_cluster_size
        min_samples = min_samples_used

    labels = np.full(len(incidents), OUTSIDE, dtype=np.int64)
    labels[win] = win_labels
    if method == "hdbscan":  # renumber after the trimming (no empty cluster)
        kept = np.unique(win_labels[win_labels >= 0])
        remap = np.full(int(win_labels.max()) + 2, NOISE, dtype=np.int64)
        remap[kept] = np.arange(kept.size)
        win_labels = np.where(win_labels >= 0, remap[win_labels], NOISE)
    n_clusters = int(win_labels.max()) + 1 if win_labels.size else 0
    n_noise = int(np.count_nonzero(win_labels == NOISE))
    parameters: dict[str, Any] = {
        "method": method,
        "eps_m": eps_m,
        "min_samples": min_samples,
        "min_cluster_size": min_cluster_size if method == "hdbscan" else None,
        "chosen_by": chosen_by,
        "hull": hull,
        "buffer_m": buffer_m,
        "min_agency_count": min_agency_count,
        "min_agency_share": min_agency_share,
        "min_relative_share": DEFAULT_MIN_RELATIVE_SHARE,
        "window_fire_share": window_fire_share,
        "hdbscan_min_probability": hdbscan_min_probability
        if method == "hdbscan"
        else None,
        "n_incidents": n,
        "n_unique_locations": n_loc,
        "n_clusters": n_clusters,
        "n_noise": n_noise,
        "period": {
            "start": None if start is None else _iso(start),
            "end": None if end is None else _iso(end),
        },
    }
    if n_clusters:
        biggest = int(np.bincount(win_labels[win_labels >= 0]).max())
        if biggest > n / 2:
            warnings.append(
                f"one cluster holds {biggest} of the {n} incidents "
                f"({100 * biggest / n:.0f}%): the parameters are too coarse for "
                "street-level hotspots; try a smaller eps_m or a larger min_samples"
            )
    if n_clusters == 0:
        warnings.append("no cluster was found with these parameters")
        return HotspotResult(
            hotspots=(), labels=labels, parameters=parameters, warnings=tuple(warnings)
        )

    # ---- properties of every cluster, vectorised over members
    in_cluster = win_labels >= 0
    mem_pos = win[in_cluster]  # positions in the input frame
    lab = win_labels[in_cluster]
    mem = incidents.iloc[mem_pos]
    m_xy = xy[in_cluster]
    agency = mem["agency"].astype(str).to_numpy()
    n_per = np.bincount(lab, minlength=n_clusters)
    n_pol = np.bincount(lab[agency == "police"], minlength=n_clusters)
    n_fire = np.bincount(lab[agency == "fire"], minlength=n_clusters)
    categories = _counted(lab, mem["category"].astype(str).to_numpy(), n_clusters)
    empty_codes: list[list[str]] = [[] for _ in range(n_clusters)]
    wards = (
        _ranked_codes(lab, mem["ward"].to_numpy(dtype=object), n_clusters)
        if "ward" in mem.columns
        else empty_codes
    )
    dzs = (
        _ranked_codes(lab, mem["datazone"].to_numpy(dtype=object), n_clusters)
        if "datazone" in mem.columns
        else empty_codes
    )
    decile = pd.Series(np.nan, index=mem.index, dtype=float)
    if boundaries is not None and "datazone" in mem.columns:
        table = boundaries.datazones.set_index("code")["simd_decile"]
        decile = mem["datazone"].map(table).astype(float)
    if "simd_decile" in mem.columns:
        decile = decile.fillna(pd.to_numeric(mem["simd_decile"], errors="coerce"))
    worst = pd.Series(decile.to_numpy(), index=lab).groupby(level=0).min()
    m_times = times.iloc[mem_pos]
    t_ns = m_times.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    t_first = pd.Series(t_ns).groupby(lab).min().to_numpy()
    t_last = pd.Series(t_ns).groupby(lab).max().to_numpy()
    w_times = times.iloc[win]
    p_start = start if start is not None else w_times.min()
    p_end = end if end is not None else w_times.max() + pd.Timedelta(1, "ns")
    mid = p_start + (p_end - p_start) / 2
    late = (m_times >= mid).to_numpy()
    second = np.bincount(lab[late], minlength=n_clusters)
    first = n_per - second
    cx = np.bincount(lab, weights=m_xy[:, 0], minlength=n_clusters) / n_per
    cy = np.bincount(lab, weights=m_xy[:, 1], minlength=n_clusters) / n_per
    polys = _hull_polygons(m_xy, lab, n_clusters, hull, buffer_m)
    areas = shapely.area(polys)
    params_key = (
        f"{method}|eps={eps_m!r}|min_samples={min_samples}|"
        f"min_cluster_size={min_cluster_size if method == 'hdbscan' else None}"
    )
    keys = (mem["agency"].astype(str) + ":" + mem["source_id"].astype(str)).to_numpy()
    key_lists: list[list[str]] = [[] for _ in range(n_clusters)]
    for c, grp in pd.Series(keys).groupby(lab, sort=True):
        key_lists[int(c)] = grp.tolist()  # type: ignore[call-overload]

    by_label = np.argsort(lab, kind="stable")  # mem_pos ascending within each label
    member_lists = np.split(mem_pos[by_label], np.cumsum(n_per)[:-1])

    drafts: list[dict[str, Any]] = []
    for c in range(n_clusters):
        ov = is_overlap(
            int(n_pol[c]),
            int(n_fire[c]),
            int(n_per[c]),
            min_agency_count=min_agency_count,
            min_agency_share=min_agency_share,
            window_fire_share=window_fire_share,
        )
        f, s = int(first[c]), int(second[c])
        w = worst.get(c, np.nan)
        drafts.append(
            {
                "id": _hotspot_id(params_key, key_lists[c]),
                "score": _score(int(n_per[c]), ov, f, s),
                "label": c,
                "n": int(n_per[c]),
                "n_police": int(n_pol[c]),
                "n_fire": int(n_fire[c]),
                "categories": categories[c],
                "wards": wards[c],
                "datazones": dzs[c],
                "worst_simd_decile": None if pd.isna(w) else int(w),
                "first_occurred_at": _iso(pd.Timestamp(int(t_first[c]), tz="UTC")),
                "last_occurred_at": _iso(pd.Timestamp(int(t_last[c]), tz="UTC")),
                "trend": Trend(
                    first_half=f,
                    second_half=s,
                    change_pct=None if f == 0 else round(100.0 * (s - f) / f, 6),
                ),
                "overlap": ov,
                "centroid_easting": round(float(cx[c]), 2),
                "centroid_northing": round(float(cy[c]), 2),
                "area_m2": round(float(areas[c]), 1),
                "geometry": polys[c],
                "members": member_lists[c],
            }
        )
    drafts.sort(key=lambda d: (-d["score"], -d["n"], d["id"]))
    hotspots = tuple(Hotspot(rank=r + 1, **d) for r, d in enumerate(drafts))
    return HotspotResult(
        hotspots=hotspots,
        labels=labels,
        parameters=parameters,
        warnings=tuple(warnings),
    )


def overlap_hotspots(
    result: HotspotResult,
    incidents: pd.DataFrame,
    *,
    permutations: int = PERMUTATIONS,
    seed: int | None = 0,
    k: int = LCLQ_K,
) -> OverlapResult:
    """The police/fire overlap hotspots of ``result`` with co-location measures.

    For each overlap hotspot: the mean local CLQ (Wang et al. 2017) of its fire
    incidents towards police and of its police incidents towards fire, computed over all
    the window's incidents, each with permutation p-values in which the hotspot's focal
    incidents keep their labels and all other labels are shuffled
    (:func:`geo.colocation.mean_local_clq`). The window's global CLQ in both directions
    (:func:`geo.colocation.global_clq_pair`) is reported once for the whole result.

    Parameters
    ----------
    result
        From :func:`find_hotspots`.
    incidents
        The same frame that was passed to :func:`find_hotspots`.
    permutations
        R for every test (default 999).
    seed
        Seed; each hotspot's tests get a seed derived from ``seed`` and the hotspot id,
        so a hotspot's p-values do not depend on which other hotspots exist.
    k
        Neighbours of the local CLQ (default 10; lowered to N - 1 for tiny windows).

    Returns
    -------
    OverlapResult

    Raises
    ------
    ParameterError
        When ``incidents`` is not the frame the result was computed from.
    """
    _check_incidents(incidents)
    if len(incidents) != result.labels.shape[0]:
        msg = (
            f"`incidents` has {len(incidents)} rows but the hotspot result was "
            f"computed from {result.labels.shape[0]}: pass the same frame"
        )
        raise ParameterError(msg, param="incidents")
    win = np.flatnonzero(result.labels != OUTSIDE)
    xy = incidents[["easting", "northing"]].to_numpy(np.float64)[win]
    agency = incidents["agency"].astype(str).to_numpy(dtype=object)[win]
    n_w = win.size
    has_both = bool((agency == "police").any() and (agency == "fire").any())
    g_fp = g_pf = None
    if has_both and n_w >= 2:
        g_fp, g_pf = global_clq_pair(
            xy, agency, "fire", "police", permutations=permutations, seed=seed
        )
    pos_in_window = np.full(result.labels.shape[0], -1, dtype=np.int64)
    pos_in_window[win] = np.arange(n_w)
    k_used = max(1, min(k, n_w - 1))
    tree = cKDTree(xy) if n_w else None
    overlaps = [h for h in result.hotspots if h.overlap]
    member_sets = [pos_in_window[h.members] for h in overlaps]
    seeds_fp: list[int | None] = []
    seeds_pf: list[int | None] = []
    for h in overlaps:
        ss = np.random.SeedSequence(None if seed is None else [seed, int(h.id[2:], 16)])
        s1, s2 = (int(x) for x in ss.generate_state(2))
        seeds_fp.append(s1)
        seeds_pf.append(s2)
    out: list[OverlapHotspot] = []
    if overlaps:
        fps = mean_local_clq_sets(
            xy,
            agency,
            "fire",
            "police",
            member_sets=member_sets,
            k=k_used,
            permutations=permutations,
            seeds=seeds_fp,
            tree=tree,
        )
        pfs = mean_local_clq_sets(
            xy,
            agency,
            "police",
            "fire",
            member_sets=member_sets,
            k=k_used,
            permutations=permutations,
            seeds=seeds_pf,
            tree=tree,
        )
        out = [
            OverlapHotspot(hotspot=h, fire_to_police=fp, police_to_fire=pf)
            for h, fp, pf in zip(overlaps, fps, pfs, strict=True)
        ]
    parameters = dict(result.parameters)
    parameters["colocation"] = {
        "measure": "mean local co-location quotient (Wang et al. 2017), Gaussian "
        "adaptive kernel; global CLQ (Leslie & Kronenfeld 2011)",
        "k": k_used,
        "permutations": permutations,
        "seed": seed,
    }
    return OverlapResult(
        hotspots=tuple(out),
        global_fire_to_police=g_fp,
        global_police_to_fire=g_pf,
        parameters=parameters,
        warnings=result.warnings,
    )


# ----------------------------------------------------------------------------- GeoJSON


def _listify(obj: Any) -> Any:
    if isinstance(obj, tuple | list):
        return [_listify(o) for o in obj]
    return obj


def _features(
    hotspots: list[Hotspot], extra: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    if not hotspots:
        return []
    geoms = gpd.GeoSeries([h.geometry for h in hotspots], crs=BNG).to_crs(WGS84)
    geoms_arr = shapely.orient_polygons(
        shapely.set_precision(geoms.to_numpy(), 1e-7), exterior_cw=False
    )
    cents = gpd.GeoSeries(
        gpd.points_from_xy(
            [h.centroid_easting for h in hotspots],
            [h.centroid_northing for h in hotspots],
        ),
        crs=BNG,
    ).to_crs(WGS84)
    feats = []
    for i, h in enumerate(hotspots):
        props = h.properties()
        props["centroid"]["lon"] = round(float(cents.iloc[i].x), 7)
        props["centroid"]["lat"] = round(float(cents.iloc[i].y), 7)
        if extra is not None:
            props.update(extra[i])
        feats.append(
            {
                "type": "Feature",
                "id": h.id,
                "geometry": _listify(shapely.geometry.mapping(geoms_arr[i])),
                "properties": props,
            }
        )
    return feats


def to_geojson(result: HotspotResult | OverlapResult) -> dict[str, Any]:
    """RFC 7946 FeatureCollection (WGS84, [lon, lat]) of the hotspots, rank 1 first.

    Each feature's ``id`` is the hotspot id and its properties are
    :meth:`Hotspot.properties` (with the centroid's lon/lat added); for an
    :class:`OverlapResult` they also carry ``colocation`` (the local and the window's
    global CLQ in both directions). The collection carries the foreign members
    ``parameters`` and ``warnings`` (and ``colocation_global`` for overlap results).

    Examples
    --------
    >>> fc = to_geojson(result)  # doctest: +SKIP
    >>> fc["features"][0]["properties"]["rank"]  # doctest: +SKIP
    1
    """
    if isinstance(result, OverlapResult):
        glob = {
            "fire_to_police": None
            if result.global_fire_to_police is None
            else result.global_fire_to_police.to_dict(),
            "police_to_fire": None
            if result.global_police_to_fire is None
            else result.global_police_to_fire.to_dict(),
        }
        ordered = sorted(result.hotspots, key=lambda o: o.hotspot.rank)
        extra = [
            {
                "colocation": {
                    "local_fire_to_police": o.fire_to_police.to_dict(),
                    "local_police_to_fire": o.police_to_fire.to_dict(),
                    "global_fire_to_police": glob["fire_to_police"],
                    "global_police_to_fire": glob["police_to_fire"],
                }
            }
            for o in ordered
        ]
        return {
            "type": "FeatureCollection",
            "features": _features([o.hotspot for o in ordered], extra),
            "parameters": result.parameters,
            "warnings": list(result.warnings),
            "colocation_global": glob,
        }
    ranked = sorted(result.hotspots, key=lambda h: h.rank)
    return {
        "type": "FeatureCollection",
        "features": _features(ranked),
        "parameters": result.parameters,
        "warnings": list(result.warnings),
    }
