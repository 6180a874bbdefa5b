"""The demo's clock: the hourly grid of the covered period and each category's intensity.

The intensity of category *c* at each hour of the window is the product of a
day-of-year season (monthly factors, linearly interpolated), an hour-of-day profile (a
sum of circular Gaussians, e.g. antisocial behaviour peaking at 20:30, dwelling fires at
18:00 cooking time, assaults at 23:00), a day-of-week factor applied to the "night-out
day" (a day runs 06:00-05:59, so Saturday 01:00 counts as Friday night) and a
bonfire-night spike (a Gaussian of 1.2 days' width centred on 5 November 20:00, peak x16
for deliberate secondary fires, smaller for antisocial behaviour, vandalism and
deliberate primary fires). Times are drawn in UTC hours and published as Europe/London
wall-clock ISO 8601 strings without offset; the hour repeated when clocks go back is
never used, so every published local time converts back to exactly one instant.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.demo.categories import Category
from geo.demo.scenario import LONDON

__all__ = ["Clock", "add_months"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def add_months(d: date, months: int) -> date:
    """``d`` shifted by whole months (day clipped to the month's length)."""
    out = pd.Timestamp(d) + pd.DateOffset(months=months)
    return date(out.year, out.month, out.day)


class Clock:
    """The hourly UTC grid of the covered period with its local-time features."""

    def __init__(self, start: date, end: date) -> None:
        t0 = pd.Timestamp(start).tz_localize(LONDON).tz_convert("UTC")
        t1 = pd.Timestamp(end).tz_localize(LONDON).tz_convert("UTC")
        self.utc = pd.date_range(t0, t1, freq="h", inclusive="left")
        local = self.utc.tz_convert(LONDON)
        naive = local.tz_localize(None)
        self.offset_s = ((naive - self.utc.tz_localize(None)).total_seconds()).to_numpy(
            dtype=np.int64
        )
        self.utc_s = self.utc.as_unit("s").asi8.astype(np.int64)
        self.hour = naive.hour.to_numpy()
        night = naive - pd.Timedelta(hours=6)
        self.night_dow = night.dayofweek.to_numpy()
        doy = naive.dayofyear.to_numpy() - 1 + naive.hour.to_numpy() / 24.0
        self.month_pos = (doy / 365.25) * 12.0 - 0.5  # 0 = mid-January
        bonfire = pd.to_datetime(
            pd.Series(naive.year).astype(str) + "-11-05T20:00:00"
        ).to_numpy()
        self.days_from_bonfire = (naive.to_numpy() - bonfire) / np.timedelta64(1, "D")
        # The hour repeated when clocks go back would make naive local times
        # ambiguous: never place an incident there.
        self.unambiguous = ~pd.Index(naive).duplicated(keep=False)

    def __len__(self) -> int:
        return len(self.utc)

    def index_of(self, d: date) -> int:
        """Grid index of local midnight starting ``d`` (clipped to the grid)."""
        t = pd.Timestamp(d).tz_localize(LONDON).tz_convert("UTC")
        return int(self.utc.searchsorted(t))

    def intensity(self, cat: Category) -> FloatArray:
        """Relative intensity of ``cat`` at each grid hour."""
        months = np.asarray(cat.months, dtype=np.float64)
        pos = self.month_pos % 12.0
        lo = np.floor(pos).astype(np.int64)
        frac = pos - lo
        season = months[lo % 12] * (1 - frac) + months[(lo + 1) % 12] * frac
        hours = np.arange(24) + 0.5
        profile = np.full(24, cat.floor)
        for mu, sd, w in cat.peaks:
            d = np.abs(hours - mu)
            d = np.minimum(d, 24.0 - d)
            profile += w * np.exp(-0.5 * (d / sd) ** 2)
        dow = np.asarray(cat.dow, dtype=np.float64)[self.night_dow]
        spike = 1.0 + cat.bonfire * np.exp(-0.5 * (self.days_from_bonfire / 1.2) ** 2)
        out = season * profile[self.hour] * dow * spike * self.unambiguous
        return out.astype(np.float64)

    def sample(
        self,
        rng: np.random.Generator,
        weights: FloatArray,
        n: int,
        lo: int = 0,
        hi: int | None = None,
    ) -> IntArray:
        """``n`` grid-hour indices in [lo, hi) drawn with probability ∝ ``weights``."""
        hi = len(self) if hi is None else hi
        if n == 0 or hi <= lo:
            return np.zeros(0, dtype=np.int64)
        w = weights[lo:hi]
        idx = rng.choice(hi - lo, size=n, p=w / w.sum())
        return (idx + lo).astype(np.int64)
