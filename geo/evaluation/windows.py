"""The time windows of an evaluation: before, after (the operation) and last year.

All windows are half-open ``[start, end)``; naive datetimes are Europe/London. The
*after* window is the operation period; the *before* window has the same wall-clock
length in Europe/London and ends at ``start`` (or is ``[before_start, start)``), so a
window starting at midnight is matched by one starting at midnight; *last year* is the
operation period shifted back one calendar year (local time). Window lengths are
measured in elapsed days and used as exposures in the exact test, so unequal windows
(including the hour a clock change adds or removes) are handled correctly.

Two more windows serve the background checks, each only "where the data allow", that
is when the incident data cover it (``data_from``, the first instant covered):

* *last year before*: the before window one calendar year earlier, so that this
  year's before → after change can be set against last year's (the seasonal check);
* *long run*: the 12 months before the before window (clipped to ``data_from``; kept
  only if at least twice as long as the before window), the target's usual level for
  the regression-to-the-mean check.

Records dated only to a month (``date_precision='month'``, data.police.uk) count in a
window only when their whole calendar month lies inside it (:mod:`geo.precision`): an
operation from 15 March puts March's police.uk crimes in neither its before nor its
after window. :meth:`EvaluationWindows.counted` gives the masks and the records left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.errors import ParameterError
from geo.periods import to_local
from geo.precision import window_mask

__all__ = ["LOCAL_TZ", "PERIODS", "EvaluationWindows", "Timeish", "evaluation_windows"]

#: The windows an evaluation counts, in the order of its count tables.
PERIODS = ("before", "after", "last_year", "last_year_before", "long_run")

LOCAL_TZ = "Europe/London"
_DAY_S = 86400.0

Timeish: TypeAlias = str | datetime | pd.Timestamp


def _days(a: pd.Timestamp, b: pd.Timestamp) -> float:
    return (b - a).total_seconds() / _DAY_S


def _local_wall(t: pd.Timestamp) -> pd.Timestamp:
    """A naive wall-clock time placed in Europe/London (DST gaps shift forward)."""
    return t.tz_localize(LOCAL_TZ, ambiguous=True, nonexistent="shift_forward")


@dataclass(frozen=True)
class EvaluationWindows:
    """The before, after and (optional) last-year windows, tz-aware Europe/London.

    Attributes
    ----------
    before_start, start, end
        The before window is ``[before_start, start)``, the after window
        ``[start, end)``.
    last_year_start, last_year_end
        The operation period one calendar year earlier, or None.
    last_year_before_start
        Start of the before window one year earlier (it ends at
        ``last_year_start``); None when not asked or not covered by the data.
    long_run_start
        Start of the long-run window (it ends at ``before_start``), or None.
    data_from
        The first instant the incident data cover, if known.
    t_before, t_after, t_last_year
        Their lengths in elapsed days (``t_last_year`` None without last year).
    """

    before_start: pd.Timestamp
    start: pd.Timestamp
    end: pd.Timestamp
    last_year_start: pd.Timestamp | None
    last_year_end: pd.Timestamp | None
    last_year_before_start: pd.Timestamp | None = None
    long_run_start: pd.Timestamp | None = None
    data_from: pd.Timestamp | None = None

    @property
    def t_long_run(self) -> float | None:
        """Length of the long-run window in days, or None when not available."""
        if self.long_run_start is None:
            return None
        return _days(self.long_run_start, self.before_start)

    @property
    def t_before(self) -> float:
        """Length of the before window in days."""
        return _days(self.before_start, self.start)

    @property
    def t_after(self) -> float:
        """Length of the after window in days."""
        return _days(self.start, self.end)

    @property
    def t_last_year(self) -> float | None:
        """Length of the last-year window in days, or None."""
        if self.last_year_start is None or self.last_year_end is None:
            return None
        return _days(self.last_year_start, self.last_year_end)

    def spans(self) -> list[tuple[pd.Timestamp | None, pd.Timestamp | None]]:
        """``(start, end)`` of the windows in :data:`PERIODS` order (None: not available)."""
        return [
            (self.before_start, self.start),
            (self.start, self.end),
            (self.last_year_start, self.last_year_end),
            (self.last_year_before_start, self.last_year_start),
            (self.long_run_start, self.before_start),
        ]

    def counted(
        self, incidents: pd.DataFrame
    ) -> tuple[list[npt.NDArray[np.bool_]], list[npt.NDArray[np.bool_]]]:
        """Per window (:data:`PERIODS` order), the records it counts and the
        month-precision records it leaves out because it cuts their month
        (:func:`geo.precision.window_mask`); all False for a window not available."""
        none = np.zeros(len(incidents), dtype=bool)
        keep, dropped = [], []
        for a, b in self.spans():
            if a is None or b is None:
                keep.append(none)
                dropped.append(none)
                continue
            m = window_mask(incidents, a, b)
            keep.append(m.keep)
            dropped.append(m.dropped)
        return keep, dropped

    def masks(self, occurred_at: pd.Series) -> list[npt.NDArray[np.bool_]]:
        """Masks of ``occurred_at`` in before, after, last year, last year's before
        window and the long run (all False for a window that is not available)."""
        when = pd.to_datetime(occurred_at, utc=True)
        none = np.zeros(len(when), dtype=bool)

        def within(a: pd.Timestamp | None, b: pd.Timestamp | None) -> Any:
            return (
                none
                if a is None or b is None
                else ((when >= a) & (when < b)).to_numpy()
            )

        return [
            within(self.before_start, self.start),
            within(self.start, self.end),
            within(self.last_year_start, self.last_year_end),
            within(self.last_year_before_start, self.last_year_start),
            within(self.long_run_start, self.before_start),
        ]


def evaluation_windows(
    start: Timeish,
    end: Timeish,
    *,
    before_start: Timeish | None = None,
    last_year: bool = True,
    data_from: Timeish | None = None,
) -> EvaluationWindows:
    """The windows of an evaluation of the operation period ``[start, end)``.

    Parameters
    ----------
    start, end
        The operation period; naive = Europe/London.
    before_start
        Start of the before window ``[before_start, start)``; default the same
        wall-clock length as the operation, immediately before ``start``.
    last_year
        Also give the same period one calendar year earlier (default True).
    data_from
        The first instant the incident data cover; None = unknown, and then the
        last-year-before and long-run windows are not given.

    Returns
    -------
    EvaluationWindows

    Raises
    ------
    ParameterError
        For unparseable or inverted dates.
    """
    t_start = to_local(start, "start")
    t_end = to_local(end, "end")
    if not t_start < t_end:
        msg = f"`start` ({t_start}) must be before `end` ({t_end})"
        raise ParameterError(msg, param="start")
    if before_start is None:
        # same wall-clock length in local time, so midnight stays midnight; a DST
        # change inside a window only alters its exposure, which the tests use
        wall = t_end.tz_localize(None) - t_start.tz_localize(None)
        b_start = _local_wall(t_start.tz_localize(None) - wall)
    else:
        b_start = to_local(before_start, "before_start")
        if not b_start < t_start:
            msg = f"`before_start` ({b_start}) must be before `start` ({t_start})"
            raise ParameterError(msg, param="before_start")
    ly_start = ly_end = None
    if last_year:
        year = pd.DateOffset(years=1)
        ly_start = _local_wall(t_start.tz_localize(None) - year)
        ly_end = _local_wall(t_end.tz_localize(None) - year)
    covered = None if data_from is None else to_local(data_from, "data_from")
    return EvaluationWindows(
        b_start,
        t_start,
        t_end,
        ly_start,
        ly_end,
        last_year_before_start=_last_year_before(b_start, ly_start, covered),
        long_run_start=_long_run_start(b_start, t_start, covered),
        data_from=covered,
    )


def _last_year_before(
    b_start: pd.Timestamp, ly_start: pd.Timestamp | None, covered: pd.Timestamp | None
) -> pd.Timestamp | None:
    if ly_start is None or covered is None:
        return None
    start = _local_wall(b_start.tz_localize(None) - pd.DateOffset(years=1))
    return start if covered <= start else None


def _long_run_start(
    b_start: pd.Timestamp, t_start: pd.Timestamp, covered: pd.Timestamp | None
) -> pd.Timestamp | None:
    if covered is None:
        return None
    start = max(
        _local_wall(b_start.tz_localize(None) - pd.DateOffset(years=1)), covered
    )
    long_enough = _days(start, b_start) >= 2.0 * _days(b_start, t_start)
    return start if long_enough else None
