"""The planted-data generator: background noise plus clusters, in the service schema."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo.boundaries import Boundaries
from geo.errors import ParameterError
from geo.planted.sampling import (
    as_utc,
    draw_times,
    join_areas,
    uniform_in_area,
    uniform_in_disc,
)
from geo.planted.spec import (
    DEFAULT_CLUSTERS,
    FIRE_CATEGORIES,
    POLICE_CATEGORIES,
    ClusterSpec,
    PlantedCluster,
    as_spec,
)

__all__ = ["plant_incidents"]


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
    specs = [as_spec(s) for s in clusters]
    t_start, t_end = _check_args(n_background, fire_share, location_pool, start, end)
    rng = np.random.default_rng(seed)
    dz = boundaries.datazones
    rep_xy, chosen = _choose_centres(rng, dz, len(specs), min_separation_m)
    centres = [(float(rep_xy[i, 0]), float(rep_xy[i, 1])) for i in chosen]
    xy, agency, times = _draw(
        rng,
        boundaries.area,
        specs,
        centres,
        n_background=n_background,
        fire_share=fire_share,
        location_pool=location_pool,
        period=(t_start, t_end),
    )
    group = np.repeat(
        np.arange(-1, len(specs)),
        [n_background, *[s.n for s in specs]],
    )
    frame, group, agency = _frame(rng, boundaries, xy, agency, times, group)
    codes = [str(dz["code"].iloc[i]) for i in chosen]
    return frame, _truth(frame, specs, centres, codes, group, agency)


def _truth(
    frame: pd.DataFrame,
    specs: Sequence[ClusterSpec],
    centres: Sequence[tuple[float, float]],
    datazones: Sequence[str],
    group: npt.NDArray[np.int64],
    agency: npt.NDArray[np.object_],
) -> list[PlantedCluster]:
    """The planted clusters with their exact counts and source ids."""
    planted: list[PlantedCluster] = []
    for c, (spec, code, centre) in enumerate(
        zip(specs, datazones, centres, strict=True)
    ):
        rows = np.flatnonzero(group == c)
        n_pol = int((agency[rows] == "police").sum())
        planted.append(
            PlantedCluster(
                name=f"P{c + 1}",
                kind=spec.kind,
                easting=centre[0],
                northing=centre[1],
                radius_m=spec.radius_m,
                datazone=code,
                n=spec.n,
                n_police=n_pol,
                n_fire=spec.n - n_pol,
                source_ids=tuple(frame["source_id"].to_numpy()[rows].tolist()),
            )
        )
    return planted


def _check_args(
    n_background: int,
    fire_share: float,
    location_pool: int | None,
    start: Any,
    end: Any,
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The period as UTC timestamps, after checking the sizes and shares."""
    if n_background < 0:
        msg = f"`n_background` must be >= 0, got {n_background}"
        raise ParameterError(msg, param="n_background")
    if not 0.0 <= fire_share <= 1.0:
        msg = f"`fire_share` must be in [0, 1], got {fire_share}"
        raise ParameterError(msg, param="fire_share")
    if location_pool is not None and location_pool < 1:
        msg = f"`location_pool` must be >= 1, got {location_pool}"
        raise ParameterError(msg, param="location_pool")
    t_start, t_end = as_utc(start, "start"), as_utc(end, "end")
    if t_end <= t_start:
        msg = "`end` must be after `start`"
        raise ParameterError(msg, param="end")
    return t_start, t_end


def _choose_centres(
    rng: np.random.Generator,
    dz: gpd.GeoDataFrame,
    n: int,
    min_separation_m: float,
) -> tuple[npt.NDArray[np.float64], list[int]]:
    """Representative points of ``n`` random data zones, kept apart (their rows)."""
    reps = dz.geometry.representative_point()
    rep_xy = np.column_stack([reps.x.to_numpy(), reps.y.to_numpy()])
    order = rng.permutation(len(dz))
    chosen: list[int] = []
    for i in order.tolist():
        if len(chosen) == n:
            break
        if all(np.hypot(*(rep_xy[i] - rep_xy[j])) >= min_separation_m for j in chosen):
            chosen.append(i)
    if len(chosen) < n:
        msg = (
            f"cannot place {n} cluster centres {min_separation_m} m apart; "
            "lower `min_separation_m`"
        )
        raise ParameterError(msg, param="min_separation_m")
    return rep_xy, chosen


def _draw(
    rng: np.random.Generator,
    area: shapely.Geometry,
    specs: Sequence[ClusterSpec],
    centres: Sequence[tuple[float, float]],
    *,
    n_background: int,
    fire_share: float,
    location_pool: int | None,
    period: tuple[pd.Timestamp, pd.Timestamp],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.object_], npt.NDArray[np.int64]]:
    """Points, agencies and times of the background, then of each cluster in turn."""
    t_start, t_end = period
    xy_parts: list[npt.NDArray[np.float64]] = []
    agency_parts: list[npt.NDArray[np.object_]] = []
    time_parts: list[npt.NDArray[np.int64]] = []
    # background
    if location_pool is not None:
        pool = uniform_in_area(rng, area, location_pool)
        bg_xy = pool[rng.integers(0, location_pool, n_background)]
    else:
        bg_xy = uniform_in_area(rng, area, n_background)
    n_bg_fire = round(n_background * fire_share)
    bg_agency = np.array(["fire"] * n_bg_fire + ["police"] * (n_background - n_bg_fire))
    xy_parts.append(bg_xy)
    agency_parts.append(rng.permutation(bg_agency).astype(object))
    time_parts.append(draw_times(rng, t_start, t_end, n_background))
    # clusters
    for spec, centre in zip(specs, centres, strict=True):
        if location_pool is not None:
            locs = uniform_in_disc(
                rng, area, centre, spec.radius_m, max(3, spec.n // 3)
            )
            c_xy = locs[rng.integers(0, locs.shape[0], spec.n)]
        else:
            c_xy = uniform_in_disc(rng, area, centre, spec.radius_m, spec.n)
        assert spec.police_share is not None
        n_pol = round(spec.n * spec.police_share)
        ag = np.array(["police"] * n_pol + ["fire"] * (spec.n - n_pol), dtype=object)
        xy_parts.append(c_xy)
        agency_parts.append(rng.permutation(ag))
        time_parts.append(
            draw_times(rng, t_start, t_end, spec.n, spec.second_half_share)
        )
    return np.vstack(xy_parts), np.concatenate(agency_parts), np.concatenate(time_parts)


def _frame(
    rng: np.random.Generator,
    boundaries: Boundaries,
    xy: npt.NDArray[np.float64],
    agency: npt.NDArray[np.object_],
    times: npt.NDArray[np.int64],
    group: npt.NDArray[np.int64],
) -> tuple[pd.DataFrame, npt.NDArray[np.int64], npt.NDArray[np.object_]]:
    """Categories drawn, rows shuffled and numbered per agency, areas joined.

    Returns the frame and the shuffled ``group`` (-1 background, else the cluster)
    and ``agency`` arrays, aligned with its rows.
    """
    n_total = xy.shape[0]
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
    frame = _with_areas(boundaries, source_id, agency, category, times, xy)
    return frame, group, agency


def _with_areas(
    boundaries: Boundaries,
    source_id: npt.NDArray[np.object_],
    agency: npt.NDArray[np.object_],
    category: npt.NDArray[np.object_],
    times: npt.NDArray[np.int64],
    xy: npt.NDArray[np.float64],
) -> pd.DataFrame:
    """The incident frame in the service's schema, areas by point-in-polygon."""
    dz = boundaries.datazones
    datazone = join_areas(xy, dz)
    ward = join_areas(xy, boundaries.wards)
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
    return frame
