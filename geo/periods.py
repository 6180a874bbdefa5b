"""Time windows: half-open ``[start, end)`` intervals, naive times in Europe/London."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from geo.errors import ParameterError

TZ = "Europe/London"


def parse_instant(value: str, *, param: str) -> pd.Timestamp:
    """Parse an ISO date or datetime; naive values are Europe/London. Returns UTC.

    Years outside 1900..2200 are refused (they are typing errors, and some lie outside
    what a nanosecond timestamp can hold)."""
    text = (value or "").strip()
    msg = f"`{param}` must be an ISO 8601 date or datetime (years 1900-2200), got {text[:40]!r}"
    try:
        ts = pd.Timestamp(text)
        if ts is pd.NaT or pd.isna(ts) or not 1900 <= ts.year <= 2200:
            raise ParameterError(msg, param=param)
        if ts.tzinfo is None:
            ts = ts.tz_localize(TZ, ambiguous=True, nonexistent="shift_forward")
        return ts.tz_convert("UTC")
    except ParameterError:
        raise
    except (ValueError, TypeError, OverflowError) as exc:  # incl. OutOfBoundsDatetime
        raise ParameterError(msg, param=param) from exc


def to_local(ts: object, name: str) -> pd.Timestamp:
    """A timestamp in Europe/London (naive input is read as Europe/London)."""
    try:
        t = pd.Timestamp(ts)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        msg = f"`{name}` is not a date or datetime: {ts!r}"
        raise ParameterError(msg, param=name) from exc
    if t is pd.NaT:
        msg = f"`{name}` is not a date or datetime: {ts!r}"
        raise ParameterError(msg, param=name)
    if t.tzinfo is None:
        return t.tz_localize(TZ, ambiguous=True, nonexistent="shift_forward")
    return t.tz_convert(TZ)


@dataclass(frozen=True)
class Window:
    """A half-open UTC interval ``[start, end)``."""

    start: pd.Timestamp
    end: pd.Timestamp

    @property
    def length(self) -> pd.Timedelta:
        """Duration of the window."""
        return self.end - self.start

    def previous(self) -> Window:
        """The same-length window immediately before this one.

        The length is measured on the Europe/London wall clock, so the month before
        "1 Oct to 1 Nov" starts at midnight on 31 Aug (31 days), not at 23:00 because
        the clocks went back inside the window."""
        s = self.start.tz_convert(TZ).tz_localize(None)
        e = self.end.tz_convert(TZ).tz_localize(None)
        prev = (s - (e - s)).tz_localize(TZ, ambiguous=True, nonexistent="shift_forward")
        return Window(prev.tz_convert("UTC"), self.start)

    def last_year(self) -> Window:
        """The same calendar period one year earlier (local dates shifted by a year)."""
        s = self.start.tz_convert(TZ) - pd.DateOffset(years=1)
        e = self.end.tz_convert(TZ) - pd.DateOffset(years=1)
        return Window(
            pd.Timestamp(s).tz_convert("UTC"), pd.Timestamp(e).tz_convert("UTC")
        )

    def label(self) -> str:
        """Local-date label such as ``2024-01-01 to 2024-04-01``."""
        fmt = "%Y-%m-%d %H:%M"
        s, e = self.start.tz_convert(TZ), self.end.tz_convert(TZ)
        if s.hour == s.minute == e.hour == e.minute == 0:
            fmt = "%Y-%m-%d"
        return f"{s.strftime(fmt)} to {e.strftime(fmt)} (end exclusive)"


def make_window(
    start: str | None,
    end: str | None,
    *,
    default_end: pd.Timestamp,
    default_days: int = 365,
) -> Window:
    """Build a window from optional ``from``/``to`` parameters.

    Missing ``to`` defaults to ``default_end``; missing ``from`` to ``default_days``
    before ``to``. ``to`` must be after ``from``.
    """
    e = parse_instant(end, param="to") if end else default_end
    s = (
        parse_instant(start, param="from")
        if start
        else e - pd.Timedelta(days=default_days)
    )
    if e <= s:
        msg = "`to` must be after `from` (the window is [from, to))"
        raise ParameterError(msg, param="to")
    return Window(s, e)
