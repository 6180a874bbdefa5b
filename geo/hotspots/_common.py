"""Shared types, constants and input checks of the hotspot engine."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.errors import ParameterError

NOISE = -1
OUTSIDE = -2  # label of rows outside the period
AGENCIES = ("police", "fire")
REQUIRED = ("source_id", "agency", "category", "occurred_at", "easting", "northing")

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def check_int(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        msg = f"`{name}` must be an integer, got {value!r}"
        raise ParameterError(msg, param=name)
    if value < minimum:
        msg = f"`{name}` must be >= {minimum}, got {value}"
        raise ParameterError(msg, param=name)
    return int(value)


def check_xy(xy: npt.ArrayLike, name: str = "xy") -> FloatArray:
    pts = np.asarray(xy, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2:
        msg = f"`{name}` must have shape (n, 2), got {pts.shape}"
        raise ParameterError(msg, param=name)
    if not np.isfinite(pts).all():
        msg = f"`{name}` has missing or infinite coordinates"
        raise ParameterError(msg, param=name)
    return pts


def to_utc(value: Any, name: str) -> pd.Timestamp | None:
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


def iso(ts: pd.Timestamp) -> str:
    return ts.tz_convert("UTC").isoformat().replace("+00:00", "Z")


def check_incidents(incidents: pd.DataFrame) -> None:
    if not isinstance(incidents, pd.DataFrame):
        msg = f"`incidents` must be a pandas DataFrame, got {type(incidents).__name__}"
        raise ParameterError(msg, param="incidents")
    missing = [c for c in REQUIRED if c not in incidents.columns]
    if missing:
        msg = f"`incidents` lacks the columns {', '.join(missing)}"
        raise ParameterError(msg, param="incidents")


def collapse_locations(xy: FloatArray) -> tuple[FloatArray, IntArray, IntArray]:
    """Collapse exactly identical coordinates to unique locations.

    Returns ``(unique_xy, inverse, multiplicity)`` with the unique locations in
    first-occurrence order (not sorted), so ``unique_xy[inverse]`` equals ``xy`` and a
    location's number is the rank of its first appearance. Near-duplicates (any
    difference at all) stay separate.
    """
    frame = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1]})
    inv = frame.groupby(["x", "y"], sort=False).ngroup().to_numpy(np.int64)
    _, first = np.unique(inv, return_index=True)
    mult = np.bincount(inv, minlength=first.size).astype(np.int64)
    return xy[first], inv, mult
