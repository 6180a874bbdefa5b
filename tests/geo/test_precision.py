"""Month-precision records in windows that cut a month (issue 12, item 5): hand-worked
windows, DST months, and the evaluation's before/after windows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from geo.evaluation import evaluate_operation
from geo.evaluation.windows import PERIODS
from geo.precision import cut_month_slices, keep_whole_months, month_bounds, window_mask

LONDON = "Europe/London"


def _frame(stamps: list[str], precision: list[str | None], *, tz: str | None = LONDON) -> pd.DataFrame:
    when = pd.to_datetime(pd.Series(stamps), format="ISO8601")
    if tz is not None:
        when = when.dt.tz_localize(tz)
    return pd.DataFrame({"occurred_at": when, "date_precision": precision})


# police.uk months Feb..May 2024 (00:00 local on the 1st) and two full datetimes
MONTHS = _frame(
    ["2024-02-01T00:00", "2024-03-01T00:00", "2024-04-01T00:00", "2024-05-01T00:00", "2024-03-20T10:00", "2024-04-02T09:00"],
    ["month", "month", "month", "month", "datetime", None],
)


def test_window_cutting_a_month_at_its_end() -> None:
    # [15 Mar, 15 Apr): March's stamp (1 Mar) is before the window; April's is inside
    # but April runs to 1 May, so April is left out; the datetimes count
    m = window_mask(MONTHS, "2024-03-15", "2024-04-15")
    assert m.keep.tolist() == [False, False, False, False, True, True]
    assert m.dropped.tolist() == [False, False, True, False, False, False]
    assert m.excluded == 1


def test_window_cutting_a_month_at_its_start() -> None:
    # a native month record stamped mid-month (10 March): a window from 5 March holds
    # its stamp but not the start of March
    f = _frame(["2024-03-10T00:00", "2024-03-10T00:00"], ["month", "datetime"])
    m = window_mask(f, "2024-03-05", "2024-04-01")
    assert m.keep.tolist() == [False, True] and m.excluded == 1
    assert window_mask(f, "2024-03-01", "2024-04-01").excluded == 0


def test_before_window_of_a_mid_month_operation_loses_the_month() -> None:
    # [13 Feb, 15 Mar): February's stamp is outside, March's inside but March is cut
    m = window_mask(MONTHS, "2024-02-13", "2024-03-15")
    assert m.keep.tolist() == [False, False, False, False, False, False]
    assert m.excluded == 1


def test_whole_month_windows_exclude_nothing() -> None:
    m = window_mask(MONTHS, "2024-02-01", "2024-05-01")
    assert m.keep.tolist() == [True, True, True, False, True, True] and m.excluded == 0
    m = window_mask(MONTHS, "2024-03-01", "2024-04-01")
    assert m.keep.tolist() == [False, True, False, False, True, False] and m.excluded == 0
    # a window wider than whole months on both sides
    assert window_mask(MONTHS, "2024-01-20", "2024-06-10").excluded == 0


def test_march_clock_change() -> None:
    # March 2024 in UTC is [1 Mar 00:00Z, 31 Mar 23:00Z): the clocks go forward on 31 March
    f = _frame(["2024-03-01T00:00"], ["month"])
    first, nxt = month_bounds(f["occurred_at"])
    assert first.iloc[0] == pd.Timestamp("2024-03-01T00:00Z")
    assert nxt.iloc[0] == pd.Timestamp("2024-03-31T23:00Z")
    assert window_mask(f, pd.Timestamp("2024-03-01T00:00Z"), pd.Timestamp("2024-03-31T23:00Z")).keep.tolist() == [True]
    cut = window_mask(f, pd.Timestamp("2024-03-01T00:00Z"), pd.Timestamp("2024-03-31T22:59Z"))
    assert cut.keep.tolist() == [False] and cut.excluded == 1


def test_october_clock_change_and_naive_stamps_are_utc() -> None:
    # October 2024 starts at 00:00 BST = 30 Sep 23:00Z and ends at 1 Nov 00:00 GMT = 00:00Z;
    # the service stores naive UTC, so the naive stamp 30 Sep 23:00 is 1 October local
    f = _frame(["2024-09-30T23:00", "2024-10-15T12:00"], ["month", "month"], tz=None)
    first, nxt = month_bounds(f["occurred_at"])
    assert first.tolist() == [pd.Timestamp("2024-09-30T23:00Z")] * 2
    assert nxt.tolist() == [pd.Timestamp("2024-11-01T00:00Z")] * 2
    assert window_mask(f, "2024-10-01", "2024-11-01").excluded == 0  # local bounds: whole October
    end_cut = window_mask(f, pd.Timestamp("2024-09-30T23:00Z"), pd.Timestamp("2024-10-31T23:59Z"))
    assert end_cut.excluded == 2
    # from 00:00Z on 1 October, an hour after the month began: the mid-month stamp is in, cut
    start_cut = window_mask(f, pd.Timestamp("2024-10-01T00:00Z"), pd.Timestamp("2024-12-01T00:00Z"))
    assert start_cut.keep.tolist() == [False, False] and start_cut.dropped.tolist() == [False, True]


def test_missing_precision_is_a_datetime() -> None:
    no_column = MONTHS.drop(columns="date_precision")
    m = window_mask(no_column, "2024-03-15", "2024-04-15")
    assert m.excluded == 0 and m.keep.tolist() == [False, False, True, False, True, True]
    nones = MONTHS.assign(date_precision=None)
    assert window_mask(nones, "2024-03-15", "2024-04-15").excluded == 0


def test_keep_whole_months_returns_the_kept_rows() -> None:
    kept, n = keep_whole_months(MONTHS, "2024-03-15", "2024-04-15")
    assert n == 1 and kept.index.tolist() == [4, 5]


# ---------------------------------------------------------------- evaluations

TARGET = shapely.box(0, 0, 1000, 1000)
CONTROL = shapely.box(5000, 0, 9000, 4000)


def _evaluation_frame() -> pd.DataFrame:
    """Month records in target and control for every month Jan 2023..Jun 2024 (month
    m holds m % 5 + 1 records in the target, 3 in the control), and one full-datetime
    record in the target on the 20th of each month."""
    rows = []
    for month in pd.period_range("2023-01", "2024-06", freq="M"):
        stamp = f"{month}-01T00:00"
        rows += [("vandalism", stamp, "month", 500.0, 500.0)] * (month.month % 5 + 1)
        rows += [("vandalism", stamp, "month", 7000.0, 2000.0)] * 3
        rows.append(("vandalism", f"{month}-20T12:00", "datetime", 400.0, 400.0))
    f = pd.DataFrame(rows, columns=["category", "stamp", "date_precision", "easting", "northing"])
    f["occurred_at"] = pd.to_datetime(f.pop("stamp")).dt.tz_localize(LONDON)
    return f


def _target_month(n_month: int) -> int:
    return n_month % 5 + 1


def test_mid_month_operation_puts_the_month_in_neither_window() -> None:
    inc = _evaluation_frame()
    e = evaluate_operation(inc, target=TARGET, buffer=None, control=CONTROL, start="2024-03-15", end="2024-04-15",
                           categories=None, data_from="2023-01-01")
    a = e.all_selected
    # before [13 Feb, 15 Mar): Feb stamp outside, March cut; one datetime (20 Feb)
    # after [15 Mar, 15 Apr): March stamp outside, April cut; one datetime (20 Mar)
    assert (a.target.before, a.target.after) == (1, 1)
    assert (a.control.before, a.control.after) == (0, 0)
    # last year [15 Mar 2023, 15 Apr 2023): April 2023 cut; datetime 20 Mar 2023
    assert a.target.last_year == 1
    by = dict(zip(PERIODS, e.excluded_month, strict=False))
    march, april = _target_month(3) + 3, _target_month(4) + 3  # target + control
    assert by["before"] == march and by["after"] == april and by["last_year"] == april
    # last year's before [13 Feb 2023, 15 Mar 2023): March 2023 cut
    assert by["last_year_before"] == march
    # long run [13 Feb 2023, 13 Feb 2024): Feb 2023's stamp is outside, Feb 2024's inside
    # but cut; Mar 2023..Jan 2024 whole and counted (11 months), datetimes 20 Feb 2023..20 Jan 2024
    feb = _target_month(2) + 3
    assert by["long_run"] == feb
    assert a.regression_to_mean is not None
    assert a.regression_to_mean.target_long_run == sum(_target_month(m) for m in [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 1]) + 12
    # distinct records: March 2024, April 2024, April 2023, March 2023 (counted in the
    # long run but cut by last year's before window), February 2024
    assert e.excluded_month[len(PERIODS)] == 2 * march + 2 * april + feb
    doc = e.to_dict()["excluded"]
    assert doc["date_precision_month"] == 2 * march + 2 * april + feb and doc["by_period"]["before"] == march


def test_whole_month_operation_excludes_none_from_its_windows() -> None:
    inc = _evaluation_frame()
    e = evaluate_operation(inc, target=TARGET, buffer=None, control=CONTROL, start="2024-03-01", end="2024-05-01",
                           categories=None, data_from="2023-01-01")
    a = e.all_selected
    # before [31 Dec 2023, 1 Mar 2024): Jan and Feb whole; after: Mar and Apr
    assert a.target.before == _target_month(1) + _target_month(2) + 2
    assert a.target.after == _target_month(3) + _target_month(4) + 2
    assert (a.control.before, a.control.after) == (6, 6)
    assert a.target.last_year == _target_month(3) + _target_month(4) + 2
    by = dict(zip(PERIODS, e.excluded_month, strict=False))
    assert [by[p] for p in ("before", "after", "last_year", "last_year_before")] == [0, 0, 0, 0]
    # last year's before window would start 31 Dec 2022, before the data: not available
    assert e.to_dict()["excluded"]["by_period"]["last_year_before"] is None
    # the long run [1 Jan 2023, 31 Dec 2023) ends inside December 2023, which it leaves out
    assert by["long_run"] == _target_month(12) + 3


def test_evaluation_without_precision_column_is_unchanged() -> None:
    inc = _evaluation_frame().drop(columns="date_precision")
    e = evaluate_operation(inc, target=TARGET, buffer=None, control=CONTROL, start="2024-03-15", end="2024-04-15",
                           categories=None)
    a = e.all_selected
    assert (a.target.before, a.target.after) == (_target_month(3) + 1, _target_month(4) + 1)
    assert sum(e.excluded_month) == 0


@pytest.mark.parametrize("start", ["2024-03-15", "2024-03-01"])
def test_counted_plus_excluded_is_the_timestamp_count(start: str) -> None:
    inc = _evaluation_frame()
    end = (pd.Timestamp(start) + pd.DateOffset(months=1)).strftime("%Y-%m-%d")
    e = evaluate_operation(inc, target=TARGET, buffer=None, control=CONTROL, start=start, end=end, categories=None)
    plain = evaluate_operation(inc.drop(columns="date_precision"), target=TARGET, buffer=None, control=CONTROL,
                               start=start, end=end, categories=None)
    a, p = e.all_selected, plain.all_selected
    by = dict(zip(PERIODS, e.excluded_month, strict=False))
    assert a.target.before + a.control.before + by["before"] == p.target.before + p.control.before
    assert a.target.after + a.control.after + by["after"] == p.target.after + p.control.after


@pytest.mark.parametrize(
    ("start", "end"),
    [("2024-03-15", "2024-04-15"), ("2024-03-01", "2024-05-01"), ("2024-03-05", "2024-03-20"),
     ("2024-03-01", "2024-03-20"), ("2024-03-10", "2024-04-01"), ("2024-03-01", "2024-04-01"),
     ("2024-10-01T00:30", "2025-01-01"), ("2024-02-13", "2024-03-15")],
)
def test_cut_month_slices_hold_exactly_the_left_out_records(start: str, end: str) -> None:
    # every hour of Feb..Jan as a month-precision record: those window_mask leaves out
    # are exactly those stamped in the slices
    stamps = pd.date_range("2024-02-01", "2025-02-01", freq="h", tz="UTC", inclusive="left")
    f = pd.DataFrame({"occurred_at": stamps, "date_precision": "month"})
    m = window_mask(f, start, end)
    in_slices = np.zeros(len(f), dtype=bool)
    for a, b in cut_month_slices(start, end):
        in_slices |= ((stamps >= a) & (stamps < b))
    assert (in_slices == m.dropped).all()
    # hand-worked: [15 Mar, 15 Apr) is cut at both ends, [1 Mar, 1 May) nowhere
    assert cut_month_slices("2024-03-01", "2024-05-01") == []
    assert cut_month_slices("2024-03-15", "2024-04-15") == [
        (pd.Timestamp("2024-03-15T00:00Z"), pd.Timestamp("2024-03-31T23:00Z")),
        (pd.Timestamp("2024-03-31T23:00Z"), pd.Timestamp("2024-04-14T23:00Z")),
    ]
