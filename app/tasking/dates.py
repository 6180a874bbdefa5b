"""Small helpers of the tasking domain: times as stored (naive UTC) and shown, months,
and the small-count rule."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pandas as pd

from geo.periods import TZ, Window

SMALL = "<5"


def now_utc() -> datetime:
    """The current time as stored: naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def iso_utc(ts: datetime | None) -> str | None:
    """A stored (naive UTC) time as ISO 8601 with its offset."""
    return None if ts is None else ts.replace(tzinfo=UTC).isoformat()


def naive(ts: pd.Timestamp) -> datetime:
    """An aware timestamp as stored: naive UTC."""
    return ts.tz_convert("UTC").tz_localize(None).to_pydatetime()


def utc(ts: datetime) -> pd.Timestamp:
    """A stored (naive UTC) time as an aware timestamp."""
    return pd.Timestamp(ts).tz_localize("UTC")


def local_midnight(d: date) -> pd.Timestamp:
    """Start of local (Europe/London) day ``d`` as a UTC timestamp."""
    return (
        pd.Timestamp(d.isoformat())
        .tz_localize(TZ, ambiguous=True, nonexistent="shift_forward")
        .tz_convert("UTC")
    )


def add_months(d: date, months: int) -> date:
    """``d`` plus ``months`` calendar months (clipped to the month's last day)."""
    return (pd.Timestamp(d) + pd.DateOffset(months=months)).date()


def period_doc(w: Window) -> dict[str, str]:
    """A window as JSON: local ISO bounds and its label."""
    return {
        "from": w.start.tz_convert(TZ).isoformat(),
        "to": w.end.tz_convert(TZ).isoformat(),
        "label": w.label(),
    }


def small(v: Any) -> Any:
    """``"<5"`` for a count of 1 to 4, anything else unchanged."""
    return (
        SMALL if isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 4 else v
    )
