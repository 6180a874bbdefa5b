"""The assessed year and the comparable previous years (local Europe/London dates).

A *year* starts on 1 January (``year_start_month=1``, the default: ``year=2026`` is the
calendar year 2026) or on the first of another month (``year_start_month=4``: the fiscal
year April 2026 - March 2027 is ``year=2026``). The data may end inside the assessed year:
then every year is cut to the same whole months (like with like), and the assessment says
so (``partial``). A previous year is kept only when the stored data cover all of its
(cut) window; at most ``max_previous`` of them, the most recent ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from geo.errors import EmptyInputError, ParameterError
from geo.periods import TZ

MAX_PREVIOUS = 4


@dataclass(frozen=True)
class AssessmentPeriod:
    """One year of the assessment: ``[start, end)`` in UTC, labelled by its first year.

    Attributes
    ----------
    year
        The year it is called by (``2026`` for the calendar or fiscal year 2026).
    label
        ``"2026"`` for a calendar year, ``"2026/27"`` for a fiscal one.
    start, end
        The window (UTC); ``end`` is earlier than the year's end when ``partial``.
    months
        Whole months in the window.
    partial
        True when the window is shorter than a whole year.
    """

    year: int
    label: str
    start: pd.Timestamp
    end: pd.Timestamp
    months: int
    partial: bool


def _local(year: int, month: int) -> pd.Timestamp:
    return pd.Timestamp(year=year, month=month, day=1).tz_localize(TZ)


def covered_until(data_end: pd.Timestamp) -> pd.Timestamp:
    """The start of the first month the data do not cover (local): a month counts as
    covered when the latest incident falls in its last two days."""
    d = pd.Timestamp(data_end).tz_convert(TZ)
    first = _local(d.year, d.month)
    nxt = first + pd.DateOffset(months=1)
    return pd.Timestamp(nxt) if (d + pd.Timedelta(days=2)).month != d.month else first


def _label(year: int, start_month: int) -> str:
    return str(year) if start_month == 1 else f"{year}/{(year + 1) % 100:02d}"


def assessment_periods(
    year: int,
    *,
    data_start: pd.Timestamp,
    data_end: pd.Timestamp,
    year_start_month: int = 1,
    max_previous: int = MAX_PREVIOUS,
) -> tuple[AssessmentPeriod, ...]:
    """The assessed year and up to ``max_previous`` comparable previous years, oldest first.

    Parameters
    ----------
    year
        The assessed year (its first calendar year).
    data_start, data_end
        The first and latest stored incident (UTC).
    year_start_month
        1 for calendar years, 4 for April-March fiscal years (any 1-12).
    max_previous
        How many previous years at most (0-10).

    Returns
    -------
    tuple of AssessmentPeriod
        The last one is the assessed year.

    Raises
    ------
    ParameterError
        For a month outside 1-12 or a year outside 1990-2200.
    EmptyInputError
        When the data hold no whole month of the assessed year.
    """
    if not 1 <= int(year_start_month) <= 12:
        raise ParameterError("`year_start` must be a month 1-12", param="year_start")
    if not 1990 <= int(year) <= 2200:
        raise ParameterError(f"`year` must be a year 1990-2200, got {year}", param="year")
    if not 0 <= int(max_previous) <= 10:
        raise ParameterError("`max_previous` must be 0-10", param="max_previous")
    start = _local(year, year_start_month)
    full_end = pd.Timestamp(start + pd.DateOffset(years=1))
    end = min(full_end, covered_until(data_end))
    months = (end.year - start.year) * 12 + end.month - start.month
    first_month = _local(pd.Timestamp(data_start).tz_convert(TZ).year, pd.Timestamp(data_start).tz_convert(TZ).month)
    if months <= 0 or end <= first_month:
        msg = f"the stored data hold no whole month of the year {_label(year, year_start_month)}"
        raise EmptyInputError(msg, param="year")
    out = []
    for k in range(max_previous, -1, -1):
        s = pd.Timestamp(start - pd.DateOffset(years=k))
        if s < first_month:
            continue
        e = pd.Timestamp(end - pd.DateOffset(years=k))
        out.append(AssessmentPeriod(year - k, _label(year - k, year_start_month), s.tz_convert("UTC"),
                                    e.tz_convert("UTC"), months, months < 12))
    return tuple(out)


def period_index(occurred_at: pd.Series, periods: tuple[AssessmentPeriod, ...]) -> pd.Series:
    """The index (0 = oldest) of the period each time falls in, -1 for none."""
    t = pd.to_datetime(occurred_at, utc=True)
    out = pd.Series(-1, index=occurred_at.index, dtype="int64")
    for i, p in enumerate(periods):
        out[(t >= p.start) & (t < p.end)] = i
    return out
