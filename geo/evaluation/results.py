"""Result objects of :func:`geo.evaluation.evaluate_operation` and their JSON form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from geo.evaluation._common import _finite
from geo.evaluation.background import RatioComparison, RegressionToMean
from geo.evaluation.change import ChangeTestResult
from geo.evaluation.conclusion import NO_EVIDENCE, DirectionalTest, MultipleTesting
from geo.evaluation.did import DiDResult
from geo.evaluation.displacement import WDDResult, WDQResult
from geo.evaluation.power import PowerResult
from geo.evaluation.windows import PERIODS, EvaluationWindows

__all__ = ["ALL_SELECTED", "CategoryEvaluation", "EvaluationResult", "ZoneCounts"]

ALL_SELECTED = "all_selected"


@dataclass(frozen=True)
class ZoneCounts:
    """Incidents of one zone in each window (``last_year`` None when not asked)."""

    before: int
    after: int
    last_year: int | None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON dict."""
        return {"before": self.before, "after": self.after, "last_year": self.last_year}


@dataclass(frozen=True)
class CategoryEvaluation:
    """Evaluation of one category (or ``all_selected``) for an operation.

    Attributes
    ----------
    category
        The category, or ``"all_selected"`` for the sum over the selected ones.
    target, buffer, control
        :class:`ZoneCounts`; ``buffer`` is None without a buffer.
    target_change, buffer_change, control_change
        :func:`exact_change_test` after vs before in each zone (window lengths in
        days as exposures).
    did
        :func:`did_rate_ratio` of target vs control.
    did_buffer
        The same for buffer vs control (None without a buffer).
    wdq
        :func:`wdq` (None without a buffer).
    wdd
        Control-scaled WDD of target + buffer (see the module docstring); local-only
        without a buffer.
    wdd_local
        Control-scaled WDD of the target alone.
    target_vs_last_year, control_vs_last_year
        :func:`exact_change_test` of the operation period against the same period last
        year (None when not asked).
    enough_data
        Whether the target counts pass the "too few to conclude" rule.
    verdict
        Plain-English summary, leading with the comparison against the background.
    background
        :func:`~geo.evaluation.background.compare_rate_ratios` of the target against
        the control over the same windows: the headline comparison.
    seasonal
        The same comparison of this year's before → after change in the target
        against the same months last year (None where the data do not allow it).
    regression_to_mean
        :func:`~geo.evaluation.background.regression_to_mean` (None without a
        long-run window).
    power
        :func:`~geo.evaluation.power.comparison_power` for the observed ratio.
    test
        The one-sided test behind the conclusion, Holm-adjusted.
    conclusion
        ``"reduction"``, ``"increase"`` or ``"no_evidence"``
        (:mod:`geo.evaluation.conclusion`).
    """

    category: str
    target: ZoneCounts
    buffer: ZoneCounts | None
    control: ZoneCounts
    target_change: ChangeTestResult
    buffer_change: ChangeTestResult | None
    control_change: ChangeTestResult
    did: DiDResult
    did_buffer: DiDResult | None
    wdq: WDQResult | None
    wdd: WDDResult | None
    wdd_local: WDDResult | None
    target_vs_last_year: ChangeTestResult | None
    control_vs_last_year: ChangeTestResult | None
    enough_data: bool
    verdict: str
    background: RatioComparison | None = None
    seasonal: RatioComparison | None = None
    regression_to_mean: RegressionToMean | None = None
    power: PowerResult | None = None
    test: DirectionalTest | None = None
    conclusion: str = NO_EVIDENCE

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON dict."""

        def opt(x: Any) -> Any:
            return None if x is None else x.to_dict()

        return {
            "category": self.category,
            "counts": {
                "target": self.target.to_dict(),
                "buffer": opt(self.buffer),
                "control": self.control.to_dict(),
            },
            "pct_change": _finite(self.target_change.pct_change),
            "p_value": self.target_change.p_value,
            "control_pct_change": _finite(self.control_change.pct_change),
            "wdq": None if self.wdq is None else _finite(self.wdq.wdq),
            "target_change": self.target_change.to_dict(),
            "buffer_change": opt(self.buffer_change),
            "control_change": self.control_change.to_dict(),
            "did": self.did.to_dict(),
            "did_buffer": opt(self.did_buffer),
            "wdq_detail": opt(self.wdq),
            "wdd": opt(self.wdd),
            "wdd_local": opt(self.wdd_local),
            "target_vs_last_year": opt(self.target_vs_last_year),
            "control_vs_last_year": opt(self.control_vs_last_year),
            "enough_data": self.enough_data,
            "verdict": self.verdict,
            "conclusion": self.conclusion,
            "conclusion_test": opt(self.test),
            "background": opt(self.background),
            "seasonal_check": opt(self.seasonal),
            "regression_to_mean": opt(self.regression_to_mean),
            "power": opt(self.power),
        }


@dataclass(frozen=True)
class EvaluationResult:
    """Before/after evaluation of an operation (see :func:`evaluate_operation`).

    Attributes
    ----------
    start, end
        The operation ("after") window ``[start, end)``, Europe/London.
    before_start, before_end
        The before window (``before_end == start``).
    last_year_start, last_year_end
        The same period last year, or None.
    t_before_days, t_after_days, t_last_year_days
        Window lengths in days.
    categories
        The categories evaluated, in request order.
    results
        One :class:`CategoryEvaluation` per category.
    all_selected
        The evaluation of all selected categories together.
    zone_areas_m2
        Areas of target, buffer and control.
    incidents_outside
        Selected incidents in the windows that fell in no zone.
    notes
        Method notes and caveats.
    multiple_testing
        How the conclusions were corrected for several categories.
    windows
        All windows, including the last-year-before and long-run ones.
    excluded_month
        Month-precision records (selected categories, in a zone) left out of each
        window because it cuts their month, in the order of
        :data:`~geo.evaluation.windows.PERIODS`, then the distinct records left out
        of at least one window; None when not computed.
    """

    start: pd.Timestamp
    end: pd.Timestamp
    before_start: pd.Timestamp
    before_end: pd.Timestamp
    last_year_start: pd.Timestamp | None
    last_year_end: pd.Timestamp | None
    t_before_days: float
    t_after_days: float
    t_last_year_days: float | None
    categories: tuple[str, ...]
    results: tuple[CategoryEvaluation, ...]
    all_selected: CategoryEvaluation
    zone_areas_m2: dict[str, float]
    incidents_outside: int
    notes: tuple[str, ...]
    multiple_testing: MultipleTesting | None = None
    windows: EvaluationWindows | None = None
    excluded_month: tuple[int, ...] | None = None

    def category(self, name: str) -> CategoryEvaluation:
        """The evaluation of category ``name`` (or ``"all_selected"``)."""
        if name == ALL_SELECTED:
            return self.all_selected
        for r in self.results:
            if r.category == name:
                return r
        msg = f"`name` {name!r} was not evaluated; evaluated: {list(self.categories)}"
        raise KeyError(msg)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON dict (the ``POST /evaluations`` body); no NaN."""

        def iso(t: pd.Timestamp | None) -> str | None:
            return None if t is None else t.isoformat()

        return {
            "windows": {
                "before": {
                    "from": iso(self.before_start),
                    "to": iso(self.before_end),
                    "days": self.t_before_days,
                },
                "after": {
                    "from": iso(self.start),
                    "to": iso(self.end),
                    "days": self.t_after_days,
                },
                "last_year": None
                if self.last_year_start is None
                else {
                    "from": iso(self.last_year_start),
                    "to": iso(self.last_year_end),
                    "days": self.t_last_year_days,
                },
            },
            "categories": list(self.categories),
            "results": [r.to_dict() for r in self.results],
            "all_selected": self.all_selected.to_dict(),
            "zone_areas_m2": {k: float(v) for k, v in self.zone_areas_m2.items()},
            "incidents_outside": self.incidents_outside,
            "notes": list(self.notes),
            "multiple_testing": None
            if self.multiple_testing is None
            else self.multiple_testing.to_dict(),
            "background_windows": _background_windows(self.windows),
            "excluded": _excluded(self.excluded_month, self.windows),
        }


EXCLUDED_NOTE = (
    "records dated only to a month (data.police.uk) count in a window only when their whole "
    "calendar month lies inside it; these were left out of windows that cut their month "
    "(window lengths are unchanged)"
)


def _excluded(n: tuple[int, ...] | None, w: EvaluationWindows | None) -> dict[str, Any] | None:
    """The month-precision records left out, in total and per window (JSON); a window
    that is not available is None."""
    if n is None:
        return None
    spans = w.spans() if w is not None else [(None, None)] * len(PERIODS)
    by_period = {
        p: (None if a is None or b is None else n[i])
        for i, (p, (a, b)) in enumerate(zip(PERIODS, spans, strict=True))
    }
    return {"date_precision_month": n[len(PERIODS)], "by_period": by_period, "note": EXCLUDED_NOTE}


def _background_windows(w: EvaluationWindows | None) -> dict[str, Any] | None:
    """The windows of the seasonal and regression-to-the-mean checks (JSON)."""
    if w is None:
        return None

    def window(a: pd.Timestamp | None, b: pd.Timestamp | None) -> Any:
        if a is None or b is None:
            return None
        return {"from": a.isoformat(), "to": b.isoformat()}

    return {
        "data_from": None if w.data_from is None else w.data_from.isoformat(),
        "last_year_before": window(w.last_year_before_start, w.last_year_start),
        "long_run": window(w.long_run_start, w.before_start),
        "long_run_days": w.t_long_run,
    }
