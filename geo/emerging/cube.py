"""The space-time cube: whole calendar months or weeks (Europe/London) × locations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.errors import ParameterError

TZ = "Europe/London"
Interval = Literal["month", "week"]
#: Fewer whole steps than this and the analysis is refused.
MIN_STEPS = 3


@dataclass(frozen=True)
class TimeSteps:
    """Whole time steps inside a window.

    Attributes
    ----------
    starts, ends
        UTC start (inclusive) and end (exclusive) of each step.
    interval
        ``"month"`` (calendar months) or ``"week"`` (Monday to Sunday).
    labels
        ``"2024-06"`` for a month, ``"2024-06-03"`` (its Monday) for a week.
    """

    starts: pd.DatetimeIndex
    ends: pd.DatetimeIndex
    interval: str
    labels: list[str]

    def __len__(self) -> int:
        return len(self.starts)

    def locate(self, occurred_at: pd.Series) -> npt.NDArray[np.int64]:
        """The step of each time (−1: outside every whole step)."""
        t = pd.to_datetime(occurred_at, utc=True)
        vals = t.to_numpy(dtype="datetime64[ns]")
        starts = self.starts.tz_convert("UTC").tz_localize(None).to_numpy(dtype="datetime64[ns]")
        end = self.ends[-1].tz_convert("UTC").tz_localize(None).to_datetime64()
        pos = np.searchsorted(starts, vals, side="right") - 1
        ok = (pos >= 0) & (vals < end) & ~pd.isna(t).to_numpy()
        return np.where(ok, pos, -1).astype(np.int64)


def time_steps(start: pd.Timestamp, end: pd.Timestamp, interval: Interval) -> TimeSteps:
    """The whole months or weeks (local time) inside ``[start, end)``.

    Partial steps at either edge are left out, so every step has the same kind of
    length (a partial month would look like a fall).

    Raises
    ------
    ParameterError
        For an unknown ``interval`` or fewer than :data:`MIN_STEPS` whole steps.
    """
    if interval not in ("month", "week"):
        msg = f"`interval` must be month or week, got {interval!r}"
        raise ParameterError(msg, param="interval")
    s = pd.Timestamp(start).tz_convert(TZ)
    e = pd.Timestamp(end).tz_convert(TZ)
    naive_s, naive_e = s.tz_localize(None), e.tz_localize(None)
    if interval == "month":
        first = naive_s.normalize().replace(day=1)
        if first < naive_s:
            first = first + pd.DateOffset(months=1)
        edges = pd.date_range(first, naive_e, freq="MS")
        fmt = "%Y-%m"
    else:
        first = naive_s.normalize() - pd.Timedelta(days=naive_s.weekday())
        if first < naive_s:
            first = first + pd.Timedelta(days=7)
        edges = pd.date_range(first, naive_e, freq="7D")
        fmt = "%Y-%m-%d"
    if len(edges) - 1 < MIN_STEPS:
        msg = (
            f"the window holds {max(len(edges) - 1, 0)} whole {interval}(s); emerging "
            f"hot spots need at least {MIN_STEPS} (ArcGIS recommends 10 or more)"
        )
        raise ParameterError(msg, param="from")
    local = edges.tz_localize(TZ, ambiguous=True, nonexistent="shift_forward")
    utc = local.tz_convert("UTC")
    return TimeSteps(
        starts=utc[:-1], ends=utc[1:], interval=interval,
        labels=[d.strftime(fmt) for d in edges[:-1]],
    )


def cube_counts(
    location: npt.NDArray[np.int64], step: npt.NDArray[np.int64], n_locations: int, n_steps: int
) -> npt.NDArray[np.float64]:
    """Counts per (location, step); pairs with a −1 are left out."""
    ok = (location >= 0) & (step >= 0)
    flat = location[ok] * n_steps + step[ok]
    counts = np.bincount(flat, minlength=n_locations * n_steps).astype(np.float64)
    return counts.reshape(n_locations, n_steps)
