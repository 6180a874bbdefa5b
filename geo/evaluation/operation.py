"""Evaluate an operation: before/after change in a target, its buffer and a control.

:func:`evaluate_operation` assigns incidents to zones (:mod:`geo.evaluation.zones`)
and windows (:mod:`geo.evaluation.windows`), tabulates them per category and applies
the tests of :mod:`~geo.evaluation.change` (§6), :mod:`~geo.evaluation.displacement`
(§7, §8) and :mod:`~geo.evaluation.did` (§10). The sentences come from
:mod:`geo.evaluation.verdict`.

WDD with one shared control
---------------------------
METHODS §8 subtracts raw count changes of controls of comparable size. Here the
control is normally much larger than the target, so its counts are scaled to the
target and buffer before the subtraction, with ``k_T = T0/C0`` and ``k_D = D0/C0``:
``WDD = ΔT + ΔD − (k_T + k_D)·ΔC``, ``Var = T0 + T1 + D0 + D1 + (k_T + k_D)²(C0 + C1)``
(METHODS §8: "scale a count by a known factor k; k·X has variance k²·X"). The one
control serves both T and D, so its coefficients are added before squaring. Treating
k as known ignores its own sampling error, which is small when C0 is much larger than
T0 + D0. This scaled WDD equals minus the WDQ's total net effect.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo.errors import ParameterError
from geo.evaluation.background import compare_rate_ratios, regression_to_mean
from geo.evaluation.change import ChangeTestResult, enough_counts, exact_change_test
from geo.evaluation.conclusion import (
    DirectionalTest,
    MultipleTesting,
    adjust,
    directional_test,
)
from geo.evaluation.did import did_rate_ratio
from geo.evaluation.displacement import WDDResult, _wdd_terms, wdq
from geo.evaluation.power import comparison_power
from geo.evaluation.results import (
    ALL_SELECTED,
    CategoryEvaluation,
    EvaluationResult,
    ZoneCounts,
)
from geo.evaluation.verdict import NOTES, verdict
from geo.evaluation.windows import EvaluationWindows, Timeish, evaluation_windows
from geo.evaluation.zones import _check_polygonal, assign_zones

__all__ = ["evaluate_operation", "evaluate_table"]

_NEED = ("category", "occurred_at", "easting", "northing")


def _scaled_wdd(
    t: tuple[int, int], d: tuple[int, int], c: tuple[int, int], *, has_buffer: bool
) -> tuple[WDDResult | None, WDDResult | None]:
    """Control-scaled WDD of target + buffer and of the target alone (module doc)."""
    (t0, t1), (d0, d1), (c0, c1) = t, d, c
    if c0 <= 0:
        return None, None
    k_t = t0 / c0
    k_d = d0 / c0 if has_buffer else 0.0
    wdd_loc = _wdd_terms([(t0, t1, 1.0), (c0, c1, -k_t)], local_only=True)
    if not has_buffer:
        return wdd_loc, wdd_loc
    wdd_all = _wdd_terms(
        [(t0, t1, 1.0), (d0, d1, 1.0), (c0, c1, -(k_t + k_d))], local_only=False
    )
    return wdd_all, wdd_loc


def _background_checks(
    cnt: list[list[int]], win: EvaluationWindows, *, enough: bool
) -> dict[str, Any]:
    """Target vs control, the seasonal and regression-to-the-mean checks, power."""
    (t0, t1, _, tlb, tlr), _, (c0, c1, _, _, clr) = cnt
    tl = cnt[0][2]
    background = compare_rate_ratios(t0, t1, c0, c1)
    seasonal = None
    if win.last_year_before_start is not None:  # this year against last year
        seasonal = compare_rate_ratios(t0, t1, tlb, tl)
    rtm = None
    t_long = win.t_long_run
    if t_long is not None:
        rtm = regression_to_mean(
            (tlr, t0, t1), (clr, c0, c1), t_before=win.t_before, t_long_run=t_long
        )
    power = comparison_power(t0, c0, c1, ratio=background.rate_ratio)
    return {
        "background": background,
        "seasonal": seasonal,
        "regression_to_mean": rtm,
        "power": power,
        "test": directional_test(background, rtm, enough=enough),
    }


def _evaluate_counts(
    category: str,
    counts: npt.NDArray[np.int64],
    *,
    has_buffer: bool,
    win: EvaluationWindows,
) -> CategoryEvaluation:
    """``counts[zone, window]``: zones target/buffer/control, windows before/after/
    last year/last year's before/long run. The verdict is added by :func:`_finish`."""
    cnt = [[int(v) for v in row] for row in counts]
    (t0, t1, tl, _, _), (d0, d1, dl, _, _), (c0, c1, cl, _, _) = cnt
    t_before, t_after, t_last = win.t_before, win.t_after, win.t_last_year
    has_last = t_last is not None

    def zc(b: int, a: int, last: int) -> ZoneCounts:
        return ZoneCounts(b, a, last if has_last else None)

    def chg(b: int, a: int) -> ChangeTestResult:
        return exact_change_test(b, a, t_before=t_before, t_after=t_after)

    target_change = chg(t0, t1)
    tl_test = cl_test = None
    if t_last is not None:
        tl_test = exact_change_test(tl, t1, t_before=t_last, t_after=t_after)
        cl_test = exact_change_test(cl, c1, t_before=t_last, t_after=t_after)
    wdd_all, wdd_loc = _scaled_wdd((t0, t1), (d0, d1), (c0, c1), has_buffer=has_buffer)
    enough = enough_counts(target_change)
    return CategoryEvaluation(
        category=category,
        target=zc(t0, t1, tl),
        buffer=zc(d0, d1, dl) if has_buffer else None,
        control=zc(c0, c1, cl),
        target_change=target_change,
        buffer_change=chg(d0, d1) if has_buffer else None,
        control_change=chg(c0, c1),
        did=did_rate_ratio(t0, t1, c0, c1),
        did_buffer=did_rate_ratio(d0, d1, c0, c1) if has_buffer else None,
        wdq=wdq(t0, t1, d0, d1, c0, c1) if has_buffer else None,
        wdd=wdd_all,
        wdd_local=wdd_loc,
        target_vs_last_year=tl_test,
        control_vs_last_year=cl_test,
        enough_data=enough,
        verdict="",
        **_background_checks(cnt, win, enough=enough),
    )


def _finish(
    ev: CategoryEvaluation, test: DirectionalTest, label: str, n_tests: int
) -> CategoryEvaluation:
    """The evaluation with its adjusted test, conclusion and verdict."""
    ev = replace(ev, test=test, conclusion=test.conclusion)
    return replace(ev, verdict=verdict(label, ev, n_tests=n_tests))


def _categories(
    incidents: pd.DataFrame, categories: Sequence[str] | str | None
) -> list[str]:
    """The categories to evaluate, de-duplicated in order (None: all present)."""
    cats: list[str] | None = None
    if categories is not None:
        if isinstance(categories, str):
            categories = [categories]
        cats = list(dict.fromkeys(str(c) for c in categories))
        if not cats:
            msg = "`categories` must name at least one category (or be None for all)"
            raise ParameterError(msg, param="categories")
    if not isinstance(incidents, pd.DataFrame) or any(
        c not in incidents.columns for c in _NEED
    ):
        msg = f"`incidents` must be a DataFrame with columns {', '.join(_NEED)}"
        raise ParameterError(msg, param="incidents")
    if cats is None:
        cats = sorted({str(c) for c in incidents["category"].dropna().unique()})
    return cats


def evaluate_table(
    table: npt.NDArray[np.int64],
    cats: list[str],
    win: EvaluationWindows,
    *,
    has_buffer: bool,
) -> tuple[tuple[CategoryEvaluation, ...], CategoryEvaluation, MultipleTesting]:
    """Evaluate a table of counts: each category and all of them together.

    Parameters
    ----------
    table
        Counts ``[category, zone, window]``: zones target, buffer, control; windows
        before, after, last year, last year's before window, long run (a window
        that is not available holds zeros and is ignored through ``win``).
    cats
        The category names, in the order of the table's first axis.
    win
        The windows (:func:`~geo.evaluation.windows.evaluation_windows`); their
        lengths are the exposures, and a None window switches its check off.
    has_buffer
        Whether the buffer row is a real displacement zone.

    Returns
    -------
    tuple
        The per-category :class:`CategoryEvaluation` objects, the one for all
        selected categories, and the :class:`MultipleTesting` used (Holm).
    """
    total = table.sum(axis=0)
    keys = {c: tuple(int(v) for v in table[i].ravel()) for i, c in enumerate(cats)}
    keys[ALL_SELECTED] = tuple(int(v) for v in total.ravel())
    rows = {**{c: table[i] for i, c in enumerate(cats)}, ALL_SELECTED: total}
    seen: dict[tuple[int, ...], CategoryEvaluation] = {}
    evs: dict[str, CategoryEvaluation] = {}
    for label, row in rows.items():  # identical tables (one category) computed once
        if keys[label] in seen:
            evs[label] = replace(seen[keys[label]], category=label)
        else:
            evs[label] = _evaluate_counts(label, row, has_buffer=has_buffer, win=win)
            seen[keys[label]] = evs[label]
    tests, mt = adjust({k: e.test for k, e in evs.items() if e.test}, keys)
    labels = {c: c.replace("_", " ").capitalize() for c in cats}
    labels[ALL_SELECTED] = "All selected categories"
    done = {k: _finish(e, tests[k], labels[k], len(mt.tests)) for k, e in evs.items()}
    overall = done.pop(ALL_SELECTED)
    return tuple(done[c] for c in cats), overall, mt


def _tabulate(
    incidents: pd.DataFrame,
    cats: list[str],
    windows: EvaluationWindows,
    zones: tuple[shapely.Geometry, shapely.Geometry | None, shapely.Geometry],
) -> tuple[npt.NDArray[np.int64], int, npt.NDArray[np.int64]]:
    """Counts ``[category, zone, window]``, the incidents that fell in no zone, and
    the month-precision records left out of each window because it cuts their month
    (selected categories, in a zone), with the distinct records left out last."""
    masks, dropped = windows.counted(incidents)
    cat_code = pd.Index(cats).get_indexer(
        pd.Index(incidents["category"].astype(object))
    )
    relevant = (cat_code >= 0) & np.logical_or.reduce(masks + dropped)
    idx = np.flatnonzero(relevant)
    target, buffer, control = zones
    zone = assign_zones(
        incidents["easting"].to_numpy(dtype=np.float64)[idx],
        incidents["northing"].to_numpy(dtype=np.float64)[idx],
        target=target,
        buffer=buffer,
        control=control,
    )
    in_zone = zone >= 0
    n_cat = len(cats)
    table = np.zeros((n_cat, 3, len(masks)), dtype=np.int64)  # category, zone, window
    for w, mask in enumerate(masks):
        sel = in_zone & mask[idx]
        flat = cat_code[idx][sel] * 3 + zone[sel].astype(np.int64)
        table[:, :, w] = np.bincount(flat, minlength=n_cat * 3).reshape(n_cat, 3)
    left_out = [in_zone & d[idx] for d in dropped]
    excluded = np.array(
        [int(m.sum()) for m in left_out] + [int(np.logical_or.reduce(left_out).sum())],
        dtype=np.int64,
    )
    main = masks[0][idx] | masks[1][idx] | masks[2][idx]  # before, after, last year
    return table, int((~in_zone & main).sum()), excluded


def _check_zones(
    target: shapely.Geometry,
    buffer: shapely.Geometry | None,
    control: shapely.Geometry,
) -> shapely.Geometry | None:
    """Validate the zones; the buffer to use (None when absent or empty)."""
    _check_polygonal(target, "target", allow_empty=False)
    _check_polygonal(control, "control", allow_empty=False)
    if buffer is None:
        return None
    _check_polygonal(buffer, "buffer", allow_empty=True)
    return None if buffer.is_empty else buffer


def _result(
    win: EvaluationWindows,
    cats: tuple[str, ...],
    results: tuple[CategoryEvaluation, ...],
    overall: CategoryEvaluation,
    areas: dict[str, float],
    outside: int,
) -> EvaluationResult:
    return EvaluationResult(
        start=win.start,
        end=win.end,
        before_start=win.before_start,
        before_end=win.start,
        last_year_start=win.last_year_start,
        last_year_end=win.last_year_end,
        t_before_days=win.t_before,
        t_after_days=win.t_after,
        t_last_year_days=win.t_last_year,
        categories=cats,
        results=results,
        all_selected=overall,
        zone_areas_m2=areas,
        incidents_outside=outside,
        notes=NOTES,
    )


def evaluate_operation(
    incidents: pd.DataFrame,
    *,
    target: shapely.Geometry,
    buffer: shapely.Geometry | None,
    control: shapely.Geometry,
    start: Timeish,
    end: Timeish,
    categories: Sequence[str] | None,
    before_start: Timeish | None = None,
    last_year: bool = True,
    data_from: Timeish | None = None,
) -> EvaluationResult:
    """Evaluate an operation: before/after change in target, buffer and control.

    Parameters
    ----------
    incidents
        The incident frame (``category``, ``occurred_at``, ``easting``, ``northing``,
        optional ``date_precision``: month-dated records, :mod:`geo.precision`); may be
        empty. Filter by agency beforehand if needed.
    target
        The treated area, Polygon/MultiPolygon in EPSG:27700.
    buffer
        The displacement area (normally :func:`buffer_ring`); None or empty skips the
        displacement measures.
    control
        The control area (normally the rest of the tasking group outside target and
        buffer).
    start, end
        The operation period ``[start, end)``; naive = Europe/London.
    categories
        Categories to evaluate, each separately and all together; None = every
        category present in the incidents.
    before_start
        Start of the before window ``[before_start, start)``; default the same
        wall-clock length as the operation, immediately before ``start``.
    last_year
        Also compare with the same period one calendar year earlier (default True).

    Returns
    -------
    EvaluationResult
        Per category and for all selected: counts, % change, exact test p and rate
        ratio CI, control change, DiD rate ratio, WDQ, WDD with p, last-year
        comparison and a plain-English verdict that says when counts are too few.

    Raises
    ------
    ParameterError
        For a non-polygonal or empty target/control, unparseable or inverted dates,
        an empty ``categories`` list or missing incident columns.

    Notes
    -----
    See :mod:`geo.evaluation` for the zone rule, the windows, the "too few" rule and
    the control-scaled WDD.
    """
    ring = _check_zones(target, buffer, control)
    evaluation_windows(start, end, before_start=before_start)  # dates checked first
    cats = _categories(incidents, categories)
    if data_from is None and len(incidents):
        data_from = pd.to_datetime(incidents["occurred_at"], utc=True).min()
    win = evaluation_windows(
        start, end, before_start=before_start, last_year=last_year, data_from=data_from
    )
    table, outside, excluded = _tabulate(incidents, cats, win, (target, ring, control))
    results, overall, mt = evaluate_table(table, cats, win, has_buffer=ring is not None)
    areas = {
        "target": float(target.area),
        "buffer": float(ring.area) if ring is not None else 0.0,
        "control": float(control.area),
    }
    return replace(
        _result(win, tuple(cats), results, overall, areas, outside),
        multiple_testing=mt,
        windows=win,
        excluded_month=tuple(int(v) for v in excluded),
    )
