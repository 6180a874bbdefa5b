"""Hotspot trend halves with month-precision records (issue 12, item 5)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.hotspots import find_hotspots
from geo.planted import ClusterSpec, plant_incidents


def test_month_straddling_the_midpoint_is_in_neither_half(boundaries) -> None:
    df, _ = plant_incidents(boundaries, seed=4, clusters=[ClusterSpec("police", n=80, second_half_share=0.5)])
    period = ("2024-01-01T00:00:00Z", "2024-07-01T00:00:00Z")  # midpoint 1 April 00:00Z = 01:00 BST
    rng = np.random.default_rng(3)
    # as police.uk: 00:00 local on the 1st of March (whole in the first half) or April
    # (stamped 31 March 23:00Z, before the midpoint, but April runs past it)
    month = rng.choice(["2024-03-01T00:00:00Z", "2024-03-31T23:00:00Z"], size=len(df))
    is_month = rng.random(len(df)) < 0.3
    df = df.assign(date_precision=np.where(is_month, "month", "datetime"))
    df.loc[is_month, "occurred_at"] = pd.to_datetime(month[is_month], utc=True)
    res = find_hotspots(df, boundaries, eps_m=150, period=period)
    assert res.hotspots
    mid = pd.Timestamp("2024-04-01T00:00:00Z")
    for h in [max(res.hotspots, key=lambda h: h.n)]:  # the planted cluster
        m = df.iloc[h.members]
        t = pd.to_datetime(m["occurred_at"], utc=True)
        april = (m["date_precision"] == "month") & (t == pd.Timestamp("2024-03-31T23:00:00Z"))
        assert april.sum() > 0
        assert h.trend.first_half == int(((t < mid) & ~april).sum())
        assert h.trend.second_half == int((t >= mid).sum())
