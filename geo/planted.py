"""Seeded synthetic incidents with planted hotspots (ground truth for tests and benchmarks).

:func:`plant_incidents` draws uniform background noise over the council area plus
clusters of a known kind, centre, radius and police/fire mix, and returns an incident
frame in the service's schema (``source_id, agency, category, occurred_at, easting,
northing, datazone, ward, tasking_group, simd_rank, simd_decile``) with the data zone and
the ward each found by point-in-polygon (:func:`geopandas.sjoin`) against their own
polygons.

Cluster centres are the representative points of randomly chosen real data zones
(``GeoSeries.representative_point``: always inside the zone), kept at least
``min_separation_m`` apart. Cluster points are uniform in the disc of radius
``radius_m`` around the centre (points that fall outside the council area are drawn
again). The police/fire mix of a cluster is exact: ``round(n * police_share)`` police
incidents, the rest fire.

Duplicate locations (address geocoding, anonymised map points) are simulated with
``location_pool``: background incidents are then drawn with replacement from that many
uniform locations, and each cluster's incidents from ``max(3, n // 3)`` locations in its
disc.

Everything is a function of ``seed`` (NumPy ``default_rng``), so the same call returns
the same frame.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo.boundaries import BNG, Boundaries
from geo.errors import ParameterError

__all__ = [
    "DEFAULT_CLUSTERS",
    "FIRE_CATEGORIES",
    "POLICE_CATEGORIES",
    "ClusterSpec",
    "PlantedCluster",
    "plant_incidents",
]

Kind = Literal["overlap", "police", "fire"]
POLICE_CATEGORIES = ("antisocial_behaviour", "vandalism", "assault", "theft", "drugs")
FIRE_CATEGORIES = (
    "deliberate_secondary_fire",
    "deliberate_fire",
    "accidental_dwelling_fire",
)
_DEFAULT_SHARE = {"overlap": 0.5, "police": 1.0, "fire": 0.0}


@dataclass(frozen=True)
class ClusterSpec:
    """What to plant.

    Attributes
    ----------
    kind
        ``"overlap"`` (both agencies), ``"police"`` or ``"fire"`` (one agency only).
    n
        Number of incidents in the cluster.
    radius_m
        Radius of the disc the incidents are drawn in.
    police_share
        Share of police incidents; defaults to 0.5 (overlap), 1 (police), 0 (fire).
    second_half_share
        Share of the cluster's incidents in the second half of the period (0.5 = flat;
        larger = rising trend).
    """

    kind: Kind
    n: int = 80
    radius_m: float = 150.0
    police_share: float | None = None
    second_half_share: float = 0.5


DEFAULT_CLUSTERS: tuple[ClusterSpec, ...] = (
    ClusterSpec("overlap"),
    ClusterSpec("overlap", n=60, radius_m=120.0, police_share=0.4),
    ClusterSpec("police"),
    ClusterSpec("fire", n=50, radius_m=120.0),
)


@dataclass(frozen=True)
class PlantedCluster:
    """A planted cluster (the ground truth).

    Attributes
    ----------
    name
        ``"P1"``, ``"P2"``, … in the order of the specs.
    kind, radius_m
        From the spec.
    easting, northing
        The centre (a data zone's representative point), EPSG:27700.
    datazone
        Code of the data zone whose representative point is the centre.
    n, n_police, n_fire
        Exact counts.
    source_ids
        ``source_id`` of every incident of the cluster.
    """

    name: str
    kind: Kind
    easting: float
    northing: float
    radius_m: float
    datazone: str
    n: int
    n_police: int
    n_fire: int
    source_ids: tuple[str, ...]

    @property
    def centre(self) -> shapely.Point:
        """The centre as a shapely point (EPSG:27700)."""
        return shapely.Point(self.easting, self.northing)


def _as_spec(spec: ClusterSpec | Mapping[str, Any]) -> ClusterSpec:
    s = spec if isinstance(spec, ClusterSpec) else ClusterSpec(**dict(spec))
    if s.kind not in _DEFAULT_SHARE:
        msg = f"cluster `kind` was {s.kind!r} but is expected to be in {list(_DEFAULT_SHARE)}"
        raise ParameterError(msg, param="clusters")
    if s.n < 1 or s.radius_m <= 0:
        msg = (
            f"cluster needs n >= 1 and radius_m > 0, got n={s.n}, radius_m={s.radius_m}"
        )
        raise ParameterError(msg, param="clusters")
    share = _DEFAULT_SHARE[s.kind] if s.police_share is None else s.police_share
    if not 0.0 <= share <= 1.0 or not 0.0 <= s.second_half_share <= 1.0:
        msg = "cluster `police_share` and `second_half_share` must be in [0, 1]"
        raise ParameterError(msg, param="clusters")
    if (s.kind == "police" and share != 1.0) or (s.kind == "fire" and share != 0.0):
        msg = f"a {s.kind!r} cluster must be single-agency (police_share={share})"
        raise ParameterError(msg, param="clusters")
    return ClusterSpec(s.kind, s.n, float(s.radius_m), share, s.second_half_share)


def _uniform_in_area(
    rng: np.random.Generator, area: shapely.Geometry, n: int
) -> npt.NDArray[np.float64]:
    """``n`` points uniform over ``area`` by rejection from its bounding box."""
    x0, y0, x1, y1 = area.bounds
    out = np.empty((0, 2))
    shapely.prepare(area)
    while out.shape[0] < n:
        m = max(1024, int((n - out.shape[0]) * 1.8))
        cand = np.column_stack([rng.uniform(x0, x1, m), rng.uniform(y0, y1, m)])
        cand = cand[shapely.contains_xy(area, cand[:, 0], cand[:, 1])]
        out = np.vstack([out, cand])
    return out[:n]


def _uniform_in_disc(
    rng: np.random.Generator,
    area: shapely.Geometry,
    centre: tuple[float, float],
    radius: float,
    n: int,
) -> npt.NDArray[np.float64]:
    """``n`` points uniform in the disc, inside ``area`` (rejection)."""
    out = np.empty((0, 2))
    tries = 0
    while out.shape[0] < n:
        m = max(64, 2 * (n - out.shape[0]))
        r = radius * np.sqrt(rng.random(m))
        t = rng.uniform(0.0, 2.0 * np.pi, m)
        cand = np.column_stack([centre[0] + r * np.cos(t), centre[1] + r * np.sin(t)])
        cand = cand[shapely.contains_xy(area, cand[:, 0], cand[:, 1])]
        out = np.vstack([out, cand])
        tries += 1
        if tries > 1000:  # pragma: no cover - a centre is always inside the area
            msg = "could not draw cluster points inside the council area"
            raise ParameterError(msg, param="clusters")
    return out[:n]


def _times(
    rng: np.random.Generator,
    start: pd.Timestamp,
    end: pd.Timestamp,
    n: int,
    second_half_share: float = 0.5,
) -> npt.NDArray[np.int64]:
    """Times (ns since epoch, whole seconds) in [start, end)."""
    t0, t1 = start.value // 10**9, end.value // 10**9
    mid = t0 + (t1 - t0) // 2
    late = rng.random(n) < second_half_share
    secs = np.where(
        late, rng.integers(mid, t1, n), rng.integers(t0, max(mid, t0 + 1), n)
    )
    return secs.astype(np.int64) * 10**9


def _timestamp(value: Any, name: str) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    if ts.tzinfo is None:
        ts = ts.tz_localize("UTC")
    return ts.tz_convert("UTC")


def _join_areas(
    xy: npt.NDArray[np.float64], polygons: gpd.GeoDataFrame
) -> npt.NDArray[np.object_]:
    """Code of the polygon containing each point (nearest polygon for the rare miss)."""
    pts = gpd.GeoDataFrame(
        {"row": np.arange(xy.shape[0])},
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
        crs=BNG,
    )
    poly = polygons[["code", "geometry"]]
    joined = gpd.sjoin(pts, poly, how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    codes = joined["code"].to_numpy(dtype=object)
    miss = pd.isna(codes)
    if miss.any():
        near = gpd.sjoin_nearest(pts[miss], poly, how="left")
        near = near[~near.index.duplicated(keep="first")]
        codes[miss] = near["code"].to_numpy(dtype=object)
    return codes


def plant_incidents(
    boundaries: Boundaries,
    *,
    seed: int,
    n_background: int = 2000,
    clusters: Sequence[ClusterSpec | Mapping[str, Any]] = DEFAULT_CLUSTERS,
    start: Any = "2024-01-01",
    end: Any = "2024-07-01",
    fire_share: float = 0.2,
    location_pool: int | None = None,
    min_separation_m: float = 1500.0,
) -> tuple[pd.DataFrame, list[PlantedCluster]]:
    """Synthetic incidents: uniform background noise plus planted clusters.

    Parameters
    ----------
    boundaries
        The loaded geography (:func:`geo.boundaries.load_boundaries`).
    seed
        Seed of the random generator; the output is a function of the arguments.
    n_background
        Number of background incidents, uniform over the council area.
    clusters
        What to plant (:class:`ClusterSpec` or dicts with the same keys).
    start, end
        The period [start, end) of the incident times (naive values are UTC).
    fire_share
        Share of fire incidents in the background.
    location_pool
        If given, background incidents are drawn with replacement from this many
        uniform locations (and cluster incidents from ``max(3, n // 3)`` locations
        each), giving duplicate coordinates.
    min_separation_m
        Minimum distance between planted centres.

    Returns
    -------
    incidents : pandas.DataFrame
        The incident frame (rows in random order, index 0..n-1).
    planted : list of PlantedCluster
        The ground truth, in the order of ``clusters``.

    Raises
    ------
    ParameterError
        For a bad spec, or when the centres cannot be placed far enough apart.
    """
    specs = [_as_spec(s) for s in clusters]
    if n_background < 0:
        msg = f"`n_background` must be >= 0, got {n_background}"
        raise ParameterError(msg, param="n_background")
    if not 0.0 <= fire_share <= 1.0:
        msg = f"`fire_share` must be in [0, 1], got {fire_share}"
        raise ParameterError(msg, param="fire_share")
    if location_pool is not None and location_pool < 1:
        msg = f"`location_pool` must be >= 1, got {location_pool}"
        raise ParameterError(msg, param="location_pool")
    t_start, t_end = _timestamp(start, "start"), _timestamp(end, "end")
    if t_end <= t_start:
        msg = "`end` must be after `start`"
        raise ParameterError(msg, param="end")
    rng = np.random.default_rng(seed)
    area = boundaries.area
    dz = boundaries.datazones

    # centres: representative points of random data zones, kept apart
    reps = dz.geometry.representative_point()
    rep_xy = np.column_stack([reps.x.to_numpy(), reps.y.to_numpy()])
    order = rng.permutation(len(dz))
    chosen: list[int] = []
    for i in order.tolist():
        if len(chosen) == len(specs):
            break
        if all(np.hypot(*(rep_xy[i] - rep_xy[j])) >= min_separation_m for j in chosen):
            chosen.append(i)
    if len(chosen) < len(specs):
        msg = (
            f"cannot place {len(specs)} cluster centres {min_separation_m} m apart; "
            "lower `min_separation_m`"
        )
        raise ParameterError(msg, param="min_separation_m")

    xy_parts: list[npt.NDArray[np.float64]] = []
    agency_parts: list[npt.NDArray[np.object_]] = []
    time_parts: list[npt.NDArray[np.int64]] = []
    # background
    if location_pool is not None:
        pool = _uniform_in_area(rng, area, location_pool)
        bg_xy = pool[rng.integers(0, location_pool, n_background)]
    else:
        bg_xy = _uniform_in_area(rng, area, n_background)
    n_bg_fire = round(n_background * fire_share)
    bg_agency = np.array(["fire"] * n_bg_fire + ["police"] * (n_background - n_bg_fire))
    xy_parts.append(bg_xy)
    agency_parts.append(rng.permutation(bg_agency).astype(object))
    time_parts.append(_times(rng, t_start, t_end, n_background))
    # clusters
    centres: list[tuple[float, float]] = []
    for spec, i in zip(specs, chosen, strict=True):
        centre = (float(rep_xy[i, 0]), float(rep_xy[i, 1]))
        centres.append(centre)
        if location_pool is not None:
            locs = _uniform_in_disc(
                rng, area, centre, spec.radius_m, max(3, spec.n // 3)
            )
            c_xy = locs[rng.integers(0, locs.shape[0], spec.n)]
        else:
            c_xy = _uniform_in_disc(rng, area, centre, spec.radius_m, spec.n)
        assert spec.police_share is not None
        n_pol = round(spec.n * spec.police_share)
        ag = np.array(["police"] * n_pol + ["fire"] * (spec.n - n_pol), dtype=object)
        xy_parts.append(c_xy)
        agency_parts.append(rng.permutation(ag))
        time_parts.append(_times(rng, t_start, t_end, spec.n, spec.second_half_share))

    xy = np.vstack(xy_parts)
    agency = np.concatenate(agency_parts)
    times = np.concatenate(time_parts)
    n_total = xy.shape[0]
    group = np.repeat(
        np.arange(-1, len(specs)),
        [n_background, *[s.n for s in specs]],
    )
    is_fire = agency == "fire"
    category = np.where(
        is_fire,
        np.asarray(FIRE_CATEGORIES, dtype=object)[
            rng.integers(0, len(FIRE_CATEGORIES), n_total)
        ],
        np.asarray(POLICE_CATEGORIES, dtype=object)[
            rng.integers(0, len(POLICE_CATEGORIES), n_total)
        ],
    )
    # shuffle the rows, then number the records per agency in row order
    perm = rng.permutation(n_total)
    xy, agency, times, group, category = (
        xy[perm],
        agency[perm],
        times[perm],
        group[perm],
        category[perm],
    )
    is_fire = agency == "fire"
    seq = np.empty(n_total, dtype=np.int64)
    seq[is_fire] = np.arange(int(is_fire.sum()))
    seq[~is_fire] = np.arange(int((~is_fire).sum()))
    prefix = np.where(is_fire, "SFRS-", "PS-")
    source_id = np.char.add(prefix, np.char.zfill(seq.astype(str), 7)).astype(object)

    datazone = _join_areas(xy, dz)
    ward = _join_areas(xy, boundaries.wards)
    dz_tab = dz.set_index("code")
    ward_tab = boundaries.wards.set_index("code")
    frame = pd.DataFrame(
        {
            "source_id": source_id,
            "agency": agency,
            "category": category,
            "occurred_at": pd.to_datetime(times, utc=True).astype(
                "datetime64[ns, UTC]"
            ),
            "easting": xy[:, 0],
            "northing": xy[:, 1],
            "datazone": datazone,
            "ward": ward,
        }
    )
    frame["tasking_group"] = frame["ward"].map(ward_tab["tasking_group"])
    frame["simd_rank"] = frame["datazone"].map(dz_tab["simd_rank"]).astype(np.int64)
    frame["simd_decile"] = frame["datazone"].map(dz_tab["simd_decile"]).astype(np.int64)
    for col in ("source_id", "agency", "category", "datazone", "ward", "tasking_group"):
        frame[col] = frame[col].astype(str)

    planted: list[PlantedCluster] = []
    for c, (spec, i, centre) in enumerate(zip(specs, chosen, centres, strict=True)):
        rows = np.flatnonzero(group == c)
        n_pol = int((agency[rows] == "police").sum())
        planted.append(
            PlantedCluster(
                name=f"P{c + 1}",
                kind=spec.kind,
                easting=centre[0],
                northing=centre[1],
                radius_m=spec.radius_m,
                datazone=str(dz["code"].iloc[i]),
                n=spec.n,
                n_police=n_pol,
                n_fire=spec.n - n_pol,
                source_ids=tuple(frame["source_id"].to_numpy()[rows].tolist()),
            )
        )
    return frame, planted
