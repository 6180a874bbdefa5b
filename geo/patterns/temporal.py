"""Temporal profiles: hour × weekday, month, and the bonfire period.

Definitions
-----------
- Times are local (Europe/London) wall-clock times of ``occurred_at``.
- ``by_hour_weekday[w][h]``: incidents on weekday ``w`` (0 = Monday … 6 = Sunday) in
  hour ``h`` (0–23). Records whose ``date_precision`` is ``"month"`` (e.g. data.police.uk,
  which gives only the month) carry no day or hour: they are left out of the hour,
  weekday and bonfire figures and counted in ``excluded_month_precision``.
- ``by_month``: incidents per calendar month of the window, every month listed (zeros
  included); month-precision records count here.
- Bonfire period: 15 October – 10 November inclusive of each year (local dates), the
  weeks around Bonfire Night when deliberate secondary fires and antisocial behaviour
  peak. For each bonfire period that meets the window: its incidents, days and daily
  rate against the rest of the window (days outside every bonfire period), the rate
  ratio, and an exact test of equal daily rates (conditional binomial: given both
  counts' sum, the bonfire share is Binomial(n, bonfire days / all days) under the
  null); and against the same period a year earlier (counts, change, the same test
  with the two periods' lengths).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import binomtest

from geo.errors import ParameterError

TZ = "Europe/London"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
BONFIRE_START = (10, 15)  # month, day
BONFIRE_END = (11, 10)  # inclusive


def bonfire_dates(year: int) -> tuple[date, date]:
    """The bonfire period of ``year`` as the half-open local-date interval [start, end)."""
    return date(year, *BONFIRE_START), date(year, *BONFIRE_END) + timedelta(days=1)


@dataclass(frozen=True)
class RateComparison:
    """Incidents and daily rates of a period against another, with an exact test.

    ``p_value`` is two-sided (conditional binomial); ``ratio`` is the rate ratio and
    ``change_pct`` the change of the daily rate from the other period (``None`` when the
    other rate is 0).
    """

    count: int
    days: int
    per_day: float | None
    other_count: int
    other_days: int
    other_per_day: float | None
    ratio: float | None
    change_pct: float | None
    p_value: float | None


@dataclass(frozen=True)
class BonfireSeason:
    """One year's bonfire period (clipped to the window) against the rest and last year."""

    year: int
    start: date
    end: date
    vs_rest: RateComparison
    vs_last_year: RateComparison | None
    last_year_start: date
    last_year_end: date


@dataclass(frozen=True)
class TemporalProfile:
    """Result of :func:`temporal_profile` (see the module notes)."""

    by_hour_weekday: np.ndarray
    by_month: pd.Series
    n_incidents: int
    n_timed: int
    excluded_month_precision: int
    bonfire: tuple[BonfireSeason, ...] = field(default=())


def compare_rates(count: int, days: int, other_count: int, other_days: int) -> RateComparison:
    """Daily rates of two periods with the conditional binomial test of equal rates."""
    per = count / days if days else None
    oper = other_count / other_days if other_days else None
    ratio = (per / oper) if (per is not None and oper) else None
    change = 100.0 * (per - oper) / oper if (per is not None and oper) else None
    n = count + other_count
    p = None
    if n and days and other_days:
        p = float(binomtest(count, n, days / (days + other_days)).pvalue)
    return RateComparison(count=count, days=days, per_day=per, other_count=other_count, other_days=other_days,
                          other_per_day=oper, ratio=ratio, change_pct=change, p_value=p)


def _local(occurred_at: pd.Series) -> pd.Series:
    s = pd.to_datetime(occurred_at)
    if s.dt.tz is None:
        s = s.dt.tz_localize("UTC")
    return s.dt.tz_convert(TZ)


def _months(start: pd.Timestamp, end: pd.Timestamp) -> pd.PeriodIndex:
    last = (end - pd.Timedelta(microseconds=1)).tz_convert(TZ)
    return pd.period_range(start.tz_convert(TZ).tz_localize(None).to_period("M"),
                           last.tz_localize(None).to_period("M"), freq="M")


def _days_between(a: date, b: date) -> int:
    return max(0, (b - a).days)


def temporal_profile(
    incidents: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    *,
    previous: pd.DataFrame | None = None,
) -> TemporalProfile:
    """Hour × weekday, monthly and bonfire-period profile of a window of incidents.

    Parameters
    ----------
    incidents
        Incidents with ``occurred_at`` (UTC or tz-aware) and ``date_precision`` (missing
        means a full date and time), all in [start, end).
    start, end
        The window, tz-aware instants.
    previous
        Incidents of the year before the window's bonfire periods (any superset of
        them; only those in a year-earlier bonfire period are used). ``None``: the
        comparisons with last year are left out.

    Returns
    -------
    TemporalProfile

    Raises
    ------
    ParameterError
        If ``end`` is not after ``start``.
    """
    if end <= start:
        raise ParameterError("`to` must be after `from`", param="to")
    local = _local(incidents["occurred_at"])
    prec = incidents["date_precision"] if "date_precision" in incidents else pd.Series("datetime", index=incidents.index)
    timed = (prec.fillna("datetime") != "month").to_numpy()
    lt = local[timed]
    grid = np.zeros((7, 24), dtype=np.int64)
    np.add.at(grid, (lt.dt.weekday.to_numpy(), lt.dt.hour.to_numpy()), 1)
    months = _months(start, end)
    by_month = local.dt.tz_localize(None).dt.to_period("M").value_counts().reindex(months, fill_value=0).astype(int)
    seasons = _bonfire_seasons(lt, start, end, previous)
    return TemporalProfile(by_hour_weekday=grid, by_month=by_month, n_incidents=len(incidents), n_timed=int(timed.sum()),
                           excluded_month_precision=int((~timed).sum()), bonfire=tuple(seasons))


def _count_dates(dates: np.ndarray, a: date, b: date) -> int:
    return int(((dates >= np.datetime64(a)) & (dates < np.datetime64(b))).sum())


def _bonfire_seasons(lt: pd.Series, start: pd.Timestamp, end: pd.Timestamp,
                     previous: pd.DataFrame | None) -> list[BonfireSeason]:
    """Each bonfire period meeting the window, against the rest of it and last year."""
    w0 = start.tz_convert(TZ).date()
    w1 = (end - pd.Timedelta(microseconds=1)).tz_convert(TZ).date() + timedelta(days=1)
    dates = lt.dt.tz_localize(None).dt.normalize().to_numpy().astype("datetime64[D]")
    total_days = _days_between(w0, w1)
    periods = []
    for year in range(w0.year, w1.year + 1):
        a, b = bonfire_dates(year)
        a, b = max(a, w0), min(b, w1)
        if a < b:
            periods.append((year, a, b))
    in_bonfire = sum(_count_dates(dates, a, b) for _, a, b in periods)
    bonfire_days = sum(_days_between(a, b) for _, a, b in periods)
    rest_count, rest_days = len(dates) - in_bonfire, total_days - bonfire_days
    prev_dates = None
    if previous is not None:
        prev_local = _local(previous["occurred_at"])
        pp = previous["date_precision"].fillna("datetime") if "date_precision" in previous else None
        if pp is not None:
            prev_local = prev_local[(pp != "month").to_numpy()]
        prev_dates = prev_local.dt.tz_localize(None).dt.normalize().to_numpy().astype("datetime64[D]")
    out = []
    for year, a, b in periods:
        n = _count_dates(dates, a, b)
        la, lb = a.replace(year=year - 1), b.replace(year=year - 1)
        vs_last = None
        if prev_dates is not None:
            vs_last = compare_rates(n, _days_between(a, b), _count_dates(prev_dates, la, lb), _days_between(la, lb))
        out.append(BonfireSeason(year=year, start=a, end=b, last_year_start=la, last_year_end=lb,
                                 vs_rest=compare_rates(n, _days_between(a, b), rest_count, rest_days),
                                 vs_last_year=vs_last))
    return out


def last_year_window(start: pd.Timestamp, end: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The instants spanning the year-earlier bonfire periods of the window's seasons."""
    w0 = start.tz_convert(TZ).date()
    w1 = (end - pd.Timedelta(microseconds=1)).tz_convert(TZ).date()
    a, _ = bonfire_dates(w0.year - 1)
    _, b = bonfire_dates(w1.year - 1)
    return pd.Timestamp(a, tz=TZ).tz_convert("UTC"), pd.Timestamp(b, tz=TZ).tz_convert("UTC")


def comparison_dict(c: RateComparison, *, this: str, other: str) -> dict[str, Any]:
    """JSON members of a :class:`RateComparison` with named sides."""
    return {
        f"{this}_count": c.count, f"{this}_days": c.days, f"{this}_per_day": c.per_day,
        f"{other}_count": c.other_count, f"{other}_days": c.other_days, f"{other}_per_day": c.other_per_day,
        "rate_ratio": c.ratio, "change_pct": c.change_pct, "p_value": c.p_value,
    }
