"""The window of a hotspot request: argument checks and the incidents in the period."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from geo.errors import EmptyInputError, ParameterError
from geo.hotspots._common import (
    FloatArray,
    IntArray,
    check_int,
    check_xy,
    collapse_locations,
    to_utc,
)
from geo.hotspots.polygons import HULLS

__all__ = ["METHODS", "Window", "check_args", "select_window"]

METHODS = ("dbscan", "hdbscan")


@dataclass
class Window:
    """The incidents inside the period, with their distinct locations."""

    win: IntArray
    xy: FloatArray
    uniq: FloatArray
    inv: IntArray
    mult: IntArray
    times: pd.Series
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    fire_share: float | None


def check_args(
    method: str,
    hull: str,
    eps_m: Any,
    min_samples: Any,
    min_cluster_size: Any,
    min_agency_count: Any,
    min_agency_share: float,
    hdbscan_min_probability: float,
) -> tuple[float | None, int | None, int | None, int]:
    """Validate the arguments of :func:`geo.hotspots.find_hotspots`; return them typed."""
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
        min_samples = check_int(min_samples, "min_samples", 1)
    if min_cluster_size is not None:
        min_cluster_size = check_int(min_cluster_size, "min_cluster_size", 2)
    min_agency_count = check_int(min_agency_count, "min_agency_count", 1)
    if not 0.0 <= hdbscan_min_probability <= 1.0:
        msg = (
            "`hdbscan_min_probability` must be in [0, 1], got "
            f"{hdbscan_min_probability}"
        )
        raise ParameterError(msg, param="hdbscan_min_probability")
    if not 0.0 <= min_agency_share <= 1.0:
        msg = f"`min_agency_share` must be in [0, 1], got {min_agency_share}"
        raise ParameterError(msg, param="min_agency_share")
    return eps_m, min_samples, min_cluster_size, min_agency_count


def select_window(incidents: pd.DataFrame, period: tuple[Any, Any] | None) -> Window:
    """The incidents with start <= occurred_at < end, and their distinct locations."""
    start = end = None
    if period is not None:
        if len(period) != 2:
            msg = "`period` must be a (start, end) pair"
            raise ParameterError(msg, param="period")
        start, end = to_utc(period[0], "from"), to_utc(period[1], "to")
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
    fire_share = float(np.mean(win_agency == "fire")) if len(win_agency) else None
    if win.size == 0:
        msg = "no incidents in the window: widen the period or the filters"
        raise EmptyInputError(msg)
    sub = incidents.iloc[win]
    xy = check_xy(sub[["easting", "northing"]].to_numpy(np.float64), "incidents")
    uniq, inv, mult = collapse_locations(xy)
    return Window(win, xy, uniq, inv, mult, times, start, end, fire_share)
