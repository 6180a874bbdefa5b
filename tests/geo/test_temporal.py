"""Temporal profiles against pandas groupby on the raw records."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest

from geo.errors import ParameterError
from geo.patterns.temporal import last_year_window, temporal_profile

START = pd.Timestamp("2024-01-01", tz="Europe/London").tz_convert("UTC")
END = pd.Timestamp("2025-01-01", tz="Europe/London").tz_convert("UTC")


def frame(n: int, seed: int, start: pd.Timestamp = START, end: pd.Timestamp = END) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    secs = rng.integers(0, int((end - start).total_seconds()), n)
    when = start + pd.to_timedelta(secs, unit="s")
    prec = np.where(rng.random(n) < 0.1, "month", "datetime")
    return pd.DataFrame({"occurred_at": when, "date_precision": prec})


def test_hour_weekday_month_and_exclusions_match_pandas() -> None:
    df = frame(3000, 1)
    prof = temporal_profile(df, START, END)
    local = df["occurred_at"].dt.tz_convert("Europe/London")
    timed = local[df["date_precision"] != "month"]
    ref = timed.groupby([timed.dt.weekday, timed.dt.hour]).size().unstack(fill_value=0)
    ref = ref.reindex(index=range(7), columns=range(24), fill_value=0)
    np.testing.assert_array_equal(prof.by_hour_weekday, ref.to_numpy())
    assert prof.excluded_month_precision == int((df["date_precision"] == "month").sum())
    assert prof.by_hour_weekday.sum() + prof.excluded_month_precision == len(df)
    by_month = local.dt.strftime("%Y-%m").value_counts().sort_index()
    assert [str(m) for m in prof.by_month.index] == [f"2024-{m:02d}" for m in range(1, 13)]
    assert prof.by_month.to_numpy().tolist() == by_month.to_numpy().tolist()


def test_monday_first_local_time_across_clock_change() -> None:
    # 2024-03-31 is the Sunday the clocks go forward: 01:30 UTC is 02:30 BST; 2024-04-01 Monday 08:00 BST
    df = pd.DataFrame({"occurred_at": pd.to_datetime(["2024-03-31T01:30:00Z", "2024-04-01T07:00:00Z"]),
                       "date_precision": ["datetime", "datetime"]})
    prof = temporal_profile(df, START, END)
    assert prof.by_hour_weekday[6, 2] == 1 and prof.by_hour_weekday[0, 8] == 1


def test_bonfire_period_against_rest_and_last_year() -> None:
    df = frame(2000, 2)
    rng = np.random.default_rng(3)
    spike = pd.Timestamp("2024-10-15", tz="Europe/London") + pd.to_timedelta(rng.integers(0, 27 * 86400, 400), unit="s")
    df = pd.concat([df, pd.DataFrame({"occurred_at": spike.tz_convert("UTC"), "date_precision": "datetime"})],
                   ignore_index=True)
    prev_start, prev_end = last_year_window(START, END)
    prev = frame(1500, 4, prev_start, prev_end)
    prof = temporal_profile(df, START, END, previous=prev)
    (season,) = prof.bonfire
    local = df["occurred_at"].dt.tz_convert("Europe/London").dt.tz_localize(None)
    timed = df["date_precision"] != "month"
    in_b = (local >= "2024-10-15") & (local < "2024-11-11")
    n_b, n_rest = int((in_b & timed).sum()), int((~in_b & timed).sum())
    c = season.vs_rest
    assert (c.count, c.days, c.other_count, c.other_days) == (n_b, 27, n_rest, 366 - 27)
    assert c.ratio == pytest.approx((n_b / 27) / (n_rest / 339))
    assert c.ratio > 2 and c.p_value < 1e-6
    assert c.p_value == pytest.approx(binomtest(n_b, n_b + n_rest, 27 / 366).pvalue)
    pl = prev["occurred_at"].dt.tz_convert("Europe/London").dt.tz_localize(None)
    n_last = int(((pl >= "2023-10-15") & (pl < "2023-11-11") & (prev["date_precision"] != "month")).sum())
    assert season.vs_last_year is not None and season.vs_last_year.other_count == n_last
    assert season.vs_last_year.change_pct == pytest.approx(100 * (n_b - n_last) / n_last)  # equal lengths
    assert c.change_pct == pytest.approx(100 * (c.ratio - 1))


def test_bad_window() -> None:
    with pytest.raises(ParameterError):
        temporal_profile(frame(3, 1), END, START)
