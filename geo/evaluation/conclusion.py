"""The machine-readable conclusion: ``reduction``, ``increase`` or ``no_evidence``.

Rule (no wording here; :mod:`geo.evaluation.verdict` says it in words):

1. A category is *tested* only when the target passes the "too few to conclude" rule
   (:func:`geo.evaluation.change.enough_counts`) and the comparison with the control
   is estimable. Otherwise its conclusion is ``no_evidence``.
2. The test is the exact conditional one-sided test of the ratio of rate ratios,
   target against control (:func:`geo.evaluation.background.compare_rate_ratios`), in
   the direction the data point: ``p = min(p_decrease, p_increase)``.
3. *Regression to the mean*: when a longer-run level is known and the target's before
   level was significantly above it (relative to the control; "elevated at
   selection"), a fall must also be a fall from the usual level, so the fall's p is
   ``max(p_decrease, after_vs_usual.p_decrease)`` (an intersection-union test, still
   at level 5%); symmetrically for a rise after a depressed before level.
4. *Several categories*: the p-values of the distinct tests made (each category and,
   when it differs from them, all selected categories together) are adjusted by
   Holm's step-down method, which keeps the chance of any false conclusion in a
   direction at 5%.
5. The conclusion is that direction when the adjusted p is below 0.05, else
   ``no_evidence``.

References
----------
Holm, S. (1979). A simple sequentially rejective multiple test procedure.
*Scandinavian Journal of Statistics* 6(2), 65-70.

Berger, R.L. (1982). Multiparameter hypothesis testing and acceptance sampling.
*Technometrics* 24(4), 295-300 (intersection-union tests).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from geo.evaluation.background import RatioComparison, RegressionToMean

__all__ = [
    "ALPHA",
    "INCREASE",
    "NO_EVIDENCE",
    "REDUCTION",
    "DirectionalTest",
    "MultipleTesting",
    "directional_test",
    "holm",
]

ALPHA = 0.05
REDUCTION, INCREASE, NO_EVIDENCE = "reduction", "increase", "no_evidence"


@dataclass(frozen=True)
class DirectionalTest:
    """The one-sided test behind a conclusion, before and after adjustment.

    Attributes
    ----------
    tested
        False when the counts are too few or the comparison not estimable.
    direction
        ``"reduction"`` or ``"increase"``: the direction the data point (None if
        untested).
    p_value
        One-sided p in that direction (with the regression-to-the-mean guard).
    p_adjusted
        Holm-adjusted p over the tests of the evaluation (None if untested).
    guarded
        True when the regression-to-the-mean guard applied.
    reason
        ``"too_few"``, ``"not_estimable"``, ``"not_significant"``,
        ``"regression_to_mean"`` (significant against the before period but not
        against the usual level) or ``"significant"``.
    conclusion
        ``"reduction"``, ``"increase"`` or ``"no_evidence"``.
    """

    tested: bool
    direction: str | None
    p_value: float | None
    p_adjusted: float | None
    guarded: bool
    reason: str
    conclusion: str

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON dict."""
        return {
            "conclusion": self.conclusion,
            "direction": self.direction,
            "p_one_sided": self.p_value,
            "p_adjusted": self.p_adjusted,
            "regression_to_mean_guard": self.guarded,
            "reason": self.reason,
        }


def directional_test(
    background: RatioComparison, rtm: RegressionToMean | None, *, enough: bool
) -> DirectionalTest:
    """Steps 1-3 of the rule (unadjusted); :func:`adjust` does steps 4-5."""
    if not enough:
        return DirectionalTest(False, None, None, None, False, "too_few", NO_EVIDENCE)
    if not background.estimable:
        return DirectionalTest(
            False, None, None, None, False, "not_estimable", NO_EVIDENCE
        )
    p_dec, p_inc = background.p_decrease, background.p_increase
    guarded = False
    raw_dec, raw_inc = p_dec, p_inc
    if rtm is not None and rtm.after_vs_usual.estimable:
        if rtm.elevated:
            p_dec, guarded = max(p_dec, rtm.after_vs_usual.p_decrease), True
        if rtm.depressed:
            p_inc, guarded = max(p_inc, rtm.after_vs_usual.p_increase), True
    if raw_dec <= raw_inc:
        direction, p, raw = REDUCTION, p_dec, raw_dec
    else:
        direction, p, raw = INCREASE, p_inc, raw_inc
    reason = "regression_to_mean" if raw < ALPHA <= p else "not_significant"
    return DirectionalTest(True, direction, p, None, guarded, reason, NO_EVIDENCE)


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the input order.

    Examples
    --------
    >>> [round(p, 3) for p in holm([0.01, 0.04, 0.03])]
    [0.03, 0.06, 0.06]
    """
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    out = [1.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * pvalues[i]))
        out[i] = running
    return out


@dataclass(frozen=True)
class MultipleTesting:
    """How the conclusions were corrected for testing several categories.

    Attributes
    ----------
    method
        ``"holm"``.
    alpha
        Level of each direction, 0.05.
    tests
        The labels of the distinct tests made (categories, ``all_selected``); an
        ``all_selected`` identical to its only category counts once.
    """

    method: str
    alpha: float
    tests: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON dict."""
        return {
            "method": self.method,
            "alpha": self.alpha,
            "n_tests": len(self.tests),
            "tests": list(self.tests),
            "description": "Holm step-down adjustment of the one-sided p-values of "
            "the background comparisons made; a conclusion needs an adjusted p "
            f"below {self.alpha:g}",
        }


def adjust(
    tests: dict[str, DirectionalTest], keys: dict[str, tuple[int, ...]]
) -> tuple[dict[str, DirectionalTest], MultipleTesting]:
    """Holm over the distinct tested tables (``keys``: label -> its counts)."""
    first: dict[tuple[int, ...], str] = {}
    family: list[str] = []
    for label, t in tests.items():
        if t.tested and t.p_value is not None and keys[label] not in first:
            first[keys[label]] = label
            family.append(label)
    adjusted = dict(
        zip(family, holm([tests[lb].p_value or 1.0 for lb in family]), strict=True)
    )
    out: dict[str, DirectionalTest] = {}
    for label, t in tests.items():
        if not t.tested:
            out[label] = t
            continue
        p_adj = adjusted[first[keys[label]]]
        significant = p_adj < ALPHA
        out[label] = DirectionalTest(
            tested=True,
            direction=t.direction,
            p_value=t.p_value,
            p_adjusted=p_adj,
            guarded=t.guarded,
            reason="significant" if significant else t.reason,
            conclusion=(t.direction or NO_EVIDENCE) if significant else NO_EVIDENCE,
        )
    return out, MultipleTesting("holm", ALPHA, tuple(family))
