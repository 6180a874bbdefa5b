"""Random draws of the planted data: uniform points, times, and the area of a point."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo.boundaries import BNG
from geo.errors import ParameterError

__all__ = ["as_utc", "draw_times", "join_areas", "uniform_in_area", "uniform_in_disc"]


def uniform_in_area(
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


def uniform_in_disc(
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


def draw_times(
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


def as_utc(value: Any, name: str) -> pd.Timestamp:
    """``value`` as a UTC timestamp (naive values are taken as UTC)."""
    ts = pd.Timestamp(value)
    if ts.tzinfo is None:
        ts = ts.tz_localize("UTC")
    return ts.tz_convert("UTC")


def join_areas(
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
