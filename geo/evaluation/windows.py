"""The time windows of an evaluation: before, after (the operation) and last year.

All windows are half-open ``[start, end)``; naive datetimes are Europe/London. The
*after* window is the operation period; the *before* window has the same wall-clock
length in Europe/London and ends at ``start`` (or is ``[before_start, start)``), so a
window starting at midnight is matched by one starting at midnight; *last year* is the
operation period shifted back one calendar year (local time). Window lengths are
measured in elapsed days and used as exposures in the exact test, so unequal windows
(including the hour a clock change adds or removes) are handled correctly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.errors import ParameterError
from geo.periods import to_local

__all__ = ["LOCAL_TZ", "EvaluationWindows", "Timeish", "evaluation_windows"]

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
    t_before, t_after, t_last_year
        Their lengths in elapsed days (``t_last_year`` None without last year).
    """

    before_start: pd.Timestamp
    start: pd.Timestamp
    end: pd.Timestamp
    last_year_start: pd.Timestamp | None
    last_year_end: pd.Timestamp | None

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

    def masks(self, occurred_at: pd.Series) -> list[npt.NDArray[np.bool_]]:
        """Boolean masks of ``occurred_at`` in before, after and last year."""
        when = pd.to_datetime(occurred_at, utc=True)
        out = [
            ((when >= self.before_start) & (when < self.start)).to_numpy(),
            ((when >= self.start) & (when < self.end)).to_numpy(),
        ]
        if self.last_year_start is not None and self.last_year_end is not None:
            ly = (when >= self.last_year_start) & (when < self.last_year_end)
            out.append(ly.to_numpy())
        else:
            out.append(np.zeros(len(when), dtype=bool))
        return out


def evaluation_windows(
    start: Timeish,
    end: Timeish,
    *,
    before_start: Timeish | None = None,
    last_year: bool = True,
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
    return EvaluationWindows(b_start, t_start, t_end, ly_start, ly_end)
