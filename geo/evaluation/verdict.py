"""Wording for people: the plain-English verdict and the method notes of an evaluation.

The arithmetic lives in :mod:`geo.evaluation.background`, :mod:`~geo.evaluation.change`,
:mod:`~geo.evaluation.power`, :mod:`~geo.evaluation.conclusion` and
:mod:`~geo.evaluation.displacement`; this module only turns their results into
sentences a tasking meeting reads. The verdict leads with the conclusion and the
comparison against the background (the control area over the same weeks), then the
seasonal and regression-to-the-mean checks and the power, and gives the target's own
before/after change last, as supporting detail.
"""

from __future__ import annotations

from geo.evaluation.background import RatioComparison, RegressionToMean
from geo.evaluation.change import MIN_EXPECTED, MIN_TOTAL, ChangeTestResult
from geo.evaluation.conclusion import INCREASE, REDUCTION
from geo.evaluation.power import PowerResult
from geo.evaluation.results import CategoryEvaluation

__all__ = ["NOTES", "format_p", "verdict"]

_LEAD = {
    REDUCTION: "evidence of a reduction beyond the background",
    INCREASE: "evidence of an increase beyond the background",
}


def format_p(p: float) -> str:
    """A p-value as the verdict prints it (``< 0.001``, ``= 0.012``, ``= 0.35``)."""
    return "< 0.001" if p < 0.001 else f"= {p:.3f}" if p < 0.1 else f"= {p:.2f}"


def _ratio(x: float) -> str:
    return "unbounded" if x == float("inf") else f"{x:.2f}"


def _too_few(label: str, t: ChangeTestResult) -> str:
    return (
        f"{label}: too few incidents to conclude ({t.before} before, {t.after} "
        f"after in the target area). The rule needs at least {MIN_TOTAL} in total "
        f"and at least {MIN_EXPECTED:g} expected in each window; report the counts, "
        "not a percentage change."
    )


def _background(ev: CategoryEvaluation, b: RatioComparison, n_tests: int) -> str:
    c = ev.control_change
    ctext = "" if c.pct_change is None else f", which changed {c.pct_change:+.0f}%"
    rel = (
        " rose from a zero base"
        if b.pct_change is None
        else f" changed {b.pct_change:+.0f}%"
    )
    text = (
        f"Relative to the control area over the same weeks{ctext}, the target{rel} "
        f"(ratio of rate ratios {_ratio(b.rate_ratio or 0.0)}"
    )
    if b.ci is not None:
        text += f", exact 95% CI {_ratio(b.ci[0])} to {_ratio(b.ci[1])}"
    test = ev.test
    if test is not None and test.p_value is not None:
        text += f"; one-sided p {format_p(test.p_value)}"
        if n_tests > 1 and test.p_adjusted is not None:
            text += (
                f", adjusted p {format_p(test.p_adjusted)} by Holm's correction for "
                f"{n_tests} tests"
            )
    text += ")"
    if ev.conclusion == REDUCTION:
        text += ", a larger fall than the background trend."
        if b.upper_95 is not None and b.upper_95 < 1:
            text += (
                " With 95% confidence the fall beyond the background is at least "
                f"{100 * (1 - b.upper_95):.0f}%."
            )
    elif ev.conclusion == INCREASE:
        text += ", worse than the background trend."
    else:
        text += ", not clearly different from the background trend."
    return text


def _seasonal(s: RatioComparison | None) -> str | None:
    if s is None or not s.estimable or s.pct_change is None:
        return None
    text = (
        "Seasonal check: relative to its own change over the same months last year, "
        f"the target changed {s.pct_change:+.0f}% (ratio {_ratio(s.rate_ratio or 0.0)}"
    )
    if s.ci is not None:
        text += f", exact 95% CI {_ratio(s.ci[0])} to {_ratio(s.ci[1])}"
    return text + ")."


def _rtm(r: RegressionToMean | None, ev: CategoryEvaluation) -> str | None:
    if r is None:
        if ev.conclusion == REDUCTION:
            return (
                "The target's longer-run level was not available, so a fall back "
                "from an unusually high period (regression to the mean) could not be "
                "ruled out."
            )
        return None
    if not (r.elevated or r.depressed) or r.before_vs_usual is None:
        if ev.conclusion == REDUCTION:
            return (
                "Regression to the mean checked: the before period was not unusually "
                "high against the target's longer-run level."
            )
        return None
    high = "above" if r.elevated else "below"
    months = round(r.t_long_run_days / 30.44)
    text = (
        f"Caution, regression to the mean: the before period ran at "
        f"{r.before_vs_usual:.1f} times the target's usual level over the previous "
        f"{months} months, further {high} it than the control explains, so part of "
        "the change is expected anyway."
    )
    u = r.after_vs_usual
    if u.pct_change is not None:
        text += (
            f" Against its usual level the target changed {u.pct_change:+.0f}% "
            "relative to the control."
        )
    if ev.test is not None and ev.test.reason == "regression_to_mean":
        text += " That is not clear evidence, so no change is concluded."
    return text


def _power(p: PowerResult | None, ev: CategoryEvaluation) -> str | None:
    if p is None or p.adequate is not False or p.power is None:
        return None
    b = ev.background
    size = "" if b is None or b.pct_change is None else f" ({b.pct_change:+.0f}%)"
    text = (
        f"These counts are too small to detect a change of this size{size} "
        f"reliably: the chance of detecting it is about {p.power:.0%}"
    )
    if p.minimum_detectable_fall_pct is not None:
        text += (
            f"; only a fall of at least {p.minimum_detectable_fall_pct:.0f}% beyond "
            "the background would be detected 8 times in 10"
        )
    text += "."
    if ev.conclusion == REDUCTION:
        text += " The size of the fall may well be overstated."
    return text


def _own_change(label: str, t: ChangeTestResult) -> str:
    lead = "Supporting detail, not allowing for season or trend: "
    if t.pct_change is None:
        text = f"{label} rose from 0 to {t.after} in the target area."
    elif t.pct_change < 0:
        text = (
            f"{label} fell {abs(t.pct_change):.0f}% in the target area "
            f"({t.before} before, {t.after} after)."
        )
    elif t.pct_change > 0:
        text = (
            f"{label} rose {t.pct_change:.0f}% in the target area "
            f"({t.before} before, {t.after} after)."
        )
    else:
        text = f"{label} did not change in the target area ({t.before} each)."
    if t.significant:
        text += f" The change is statistically significant (exact test p {format_p(t.p_value)})."
    else:
        text += (
            f" A change this size could be chance (exact test p {format_p(t.p_value)}); "
            "it is not significant at the 5% level."
        )
    return lead + text


def verdict(label: str, ev: CategoryEvaluation, *, n_tests: int = 1) -> str:
    """The verdict of one category: conclusion first, then the evidence.

    Parameters
    ----------
    label
        How the category is named in the sentences.
    ev
        Its evaluation, with ``test`` and ``conclusion`` set.
    n_tests
        Number of tests the conclusions were corrected for (Holm).
    """
    t = ev.target_change
    if not ev.enough_data:
        return _too_few(label, t)
    b = ev.background
    if b is None or not b.estimable:
        return (
            f"{label}: no evidence either way, because the control area has no "
            "incidents to compare with. " + _own_change(label, t)
        )
    lead = _LEAD.get(ev.conclusion, "no evidence of a change beyond the background")
    parts = [
        f"{label}: {lead} (season and trend allowed for).",
        _background(ev, b, n_tests),
    ]
    for extra in (
        _seasonal(ev.seasonal),
        _rtm(ev.regression_to_mean, ev),
        _power(ev.power, ev),
    ):
        if extra:
            parts.append(extra)
    parts.append(_own_change(label, t))
    q = ev.wdq
    if q is not None and q.wdq is not None:
        parts.append(f"Buffer: {q.interpretation} (WDQ {q.wdq:.2f}).")
    elif q is not None and q.success_measure is not None:
        parts.append("Displacement (WDQ) not assessed: the target did not improve.")
    return " ".join(parts)


NOTES = (
    "Zones: each incident is counted once, in the first of target, buffer, control "
    "that contains it (edges included).",
    "Before window: the same wall-clock length (Europe/London) immediately before the "
    "operation start unless before_start was given; elapsed window lengths are the "
    "exposures of the exact test.",
    f"Too few to conclude: target before + after < {MIN_TOTAL}, or fewer than "
    f"{MIN_EXPECTED:g} expected in each window under no change.",
    "Conclusion: the target's change against the control's over the same weeks (ratio "
    "of rate ratios, exact conditional test and CI), one-sided at 5% in the direction "
    "the data point, Holm-adjusted over the categories tested; the target's own "
    "before/after test is supporting detail only.",
    "Regression to the mean: where 12 months before the before window are covered, a "
    "before level significantly above the usual level (relative to the control) "
    "requires the after level to be below the usual level too.",
    "Seasonal check: where the data cover them, the same months a year earlier.",
    "Power: simulated exact test at the observed before counts; below 0.8 the verdict "
    "says the counts are too small to detect a change of the observed size.",
    "WDD: the control counts are scaled to the target (and buffer) before-level, "
    "k = (T0 + D0)/C0, treated as known; WDD = -(WDQ total net effect).",
    "All tests assume independent Poisson counts: repeat incidents make p-values too "
    "small and CIs too narrow.",
)
