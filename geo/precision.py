"""Records dated only to a month in windows that cut a month.

data.police.uk gives only the month of a crime; such a record is stored at 00:00
Europe/London on the 1st with ``date_precision='month'``. Counted by its timestamp it
would fall in any window holding the 1st, so a window that starts or ends inside a
month (an operation from 15 March, the halves of a trend, a before window) would
take or miss the whole month's crimes. The rule here: a month-precision record counts
in a window ``[start, end)`` only if its whole calendar month (Europe/London, from
00:00 on the 1st to 00:00 on the 1st of the next month) lies inside the window. The
records left out are counted, so a response can say how many.

"Excluded" means a month-precision record whose timestamp is in the window but whose
month is not wholly inside it: those the timestamp rule would have counted. Records
without ``date_precision`` (the column or the value missing) are full datetimes.
Naive ``occurred_at`` values are UTC (as the service stores them); naive window
bounds are Europe/London (as :func:`geo.periods.parse_instant`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.periods import TZ, to_local

__all__ = ["MONTH", "WindowMask", "cut_month_slices", "keep_whole_months", "month_bounds", "month_dated", "window_mask"]

#: The ``date_precision`` of a record dated only to its month.
MONTH = "month"


@dataclass(frozen=True)
class WindowMask:
    """Which records count in a window.

    Attributes
    ----------
    keep
        True for a record whose timestamp is in ``[start, end)`` and which is either
        not month-precision or whose whole month lies inside the window.
    dropped
        True for a month-precision record whose timestamp is in the window but whose
        month the window cuts (left out of ``keep``).
    """

    keep: npt.NDArray[np.bool_]
    dropped: npt.NDArray[np.bool_]

    @property
    def excluded(self) -> int:
        """How many records the month rule left out of the window."""
        return int(self.dropped.sum())


def _utc(occurred_at: pd.Series) -> pd.Series:
    return pd.Series(pd.to_datetime(occurred_at, utc=True), index=occurred_at.index)


def month_bounds(occurred_at: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The Europe/London calendar month holding each timestamp, as UTC instants
    ``[first, next)`` (00:00 local on the 1st; never a DST gap in the UK)."""
    when = _utc(occurred_at)
    local = when.dt.tz_convert(TZ).dt.tz_localize(None)
    first = local.dt.to_period("M").dt.start_time
    nxt = first + pd.DateOffset(months=1)

    def place(s: pd.Series) -> pd.Series:
        return s.dt.tz_localize(TZ, ambiguous=True, nonexistent="shift_forward").dt.tz_convert("UTC")

    return place(first), place(nxt)


def month_dated(frame: pd.DataFrame) -> npt.NDArray[np.bool_]:
    """True for the records whose ``date_precision`` is ``'month'`` (missing: not)."""
    if "date_precision" not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    return (frame["date_precision"].astype(object).fillna("datetime") == MONTH).to_numpy(dtype=bool)


def window_mask(frame: pd.DataFrame, start: object, end: object) -> WindowMask:
    """The records of ``frame`` that count in ``[start, end)`` under the month rule.

    Parameters
    ----------
    frame
        Needs ``occurred_at``; ``date_precision`` if present.
    start, end
        The window; tz-aware instants (naive = Europe/London).

    Returns
    -------
    WindowMask
        ``keep`` and ``dropped`` (aligned with the frame's rows) and the
        ``excluded`` count.
    """
    a = to_local(start, "start").tz_convert("UTC")
    b = to_local(end, "end").tz_convert("UTC")
    when = _utc(frame["occurred_at"])
    inside = ((when >= a) & (when < b)).to_numpy(dtype=bool)
    month = month_dated(frame) & inside
    dropped = np.zeros(len(frame), dtype=bool)
    if month.any():
        first, nxt = month_bounds(frame["occurred_at"][month])
        whole = ((first >= a) & (nxt <= b)).to_numpy(dtype=bool)
        dropped[np.flatnonzero(month)[~whole]] = True
    return WindowMask(inside & ~dropped, dropped)


def keep_whole_months(frame: pd.DataFrame, start: object, end: object) -> tuple[pd.DataFrame, int]:
    """The rows of ``frame`` in ``[start, end)`` that count under the month rule, and
    how many month-precision rows in the window were left out (see :func:`window_mask`)."""
    m = window_mask(frame, start, end)
    return frame[m.keep], m.excluded


def _month_start(t: pd.Timestamp) -> pd.Timestamp:
    local = t.tz_convert(TZ).tz_localize(None)
    return pd.Timestamp(local.year, local.month, 1).tz_localize(TZ).tz_convert("UTC")


def cut_month_slices(start: object, end: object) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """The parts of ``[start, end)`` (UTC, disjoint, in time order) that lie in a
    calendar month the window cuts: every month-precision record stamped there is left
    out by :func:`window_mask`, and none stamped elsewhere in the window is. Lets a
    caller with pre-aggregated counts fetch only these slices and subtract."""
    a = to_local(start, "start").tz_convert("UTC")
    b = to_local(end, "end").tz_convert("UTC")
    if b <= a:
        return []
    first_a = _month_start(a)
    after_a = (first_a.tz_convert(TZ).tz_localize(None) + pd.DateOffset(months=1)).tz_localize(TZ).tz_convert("UTC")
    first_b = _month_start(b)
    if b <= after_a:  # one month holds the whole window: all of it is cut unless it is that month
        return [] if (a == first_a and b == after_a) else [(a, b)]
    out = []
    if a != first_a:
        out.append((a, after_a))
    if b != first_b:
        out.append((max(first_b, a), b))
    return out
