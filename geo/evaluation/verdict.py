"""Wording for people: the plain-English verdict and the method notes of an evaluation.

The arithmetic lives in :mod:`geo.evaluation.change`, :mod:`~geo.evaluation.did` and
:mod:`~geo.evaluation.displacement`; this module only turns their results into
sentences a tasking meeting reads.
"""

from __future__ import annotations

from typing import Any

from geo.evaluation.change import MIN_EXPECTED, MIN_TOTAL, ChangeTestResult
from geo.evaluation.did import DiDResult
from geo.evaluation.displacement import WDQResult

__all__ = ["NOTES", "format_p", "verdict"]


def format_p(p: float) -> str:
    """A p-value as the verdict prints it (``< 0.001``, ``= 0.012``, ``= 0.35``)."""
    return "< 0.001" if p < 0.001 else f"= {p:.3f}" if p < 0.1 else f"= {p:.2f}"


def verdict(label: str, ev: dict[str, Any]) -> str:
    """The verdict sentence of one category from its change tests, DiD and WDQ."""
    t: ChangeTestResult = ev["target_change"]
    if not ev["enough_data"]:
        return (
            f"{label}: too few incidents to conclude ({t.before} before, {t.after} "
            f"after in the target area). The rule needs at least {MIN_TOTAL} in total "
            f"and at least {MIN_EXPECTED:g} expected in each window; report the counts, "
            "not a percentage change."
        )
    parts: list[str] = []
    if t.pct_change is None:
        parts.append(f"{label} rose from 0 to {t.after} in the target area.")
    elif t.pct_change < 0:
        parts.append(
            f"{label} fell {abs(t.pct_change):.0f}% in the target area "
            f"({t.before} before, {t.after} after)."
        )
    elif t.pct_change > 0:
        parts.append(
            f"{label} rose {t.pct_change:.0f}% in the target area "
            f"({t.before} before, {t.after} after)."
        )
    else:
        parts.append(f"{label} did not change in the target area ({t.before} each).")
    if t.significant:
        parts.append(
            f"The change is statistically significant (exact test p {format_p(t.p_value)})."
        )
    else:
        parts.append(
            f"A change this size could be chance (exact test p {format_p(t.p_value)}); "
            "it is not significant at the 5% level."
        )
    c: ChangeTestResult = ev["control_change"]
    did: DiDResult = ev["did"]
    if c.pct_change is not None:
        ctext = f"The control area changed {c.pct_change:+.0f}%"
        if did.rate_ratio is not None and did.ci is not None:
            lo, hi = did.ci
            rel = 100.0 * (did.rate_ratio - 1.0)
            ctext += (
                f"; relative to it the target changed {rel:+.0f}% (rate ratio "
                f"{did.rate_ratio:.2f}, 95% CI {lo:.2f} to {hi:.2f})"
            )
            if hi < 1:
                ctext += ", a larger fall than the background trend."
            elif lo > 1:
                ctext += ", worse than the background trend."
            else:
                ctext += ", not clearly different from the background trend."
        else:
            ctext += "."
        parts.append(ctext)
    q: WDQResult | None = ev["wdq"]
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
    f"{MIN_EXPECTED:g} expected in either window under no change.",
    "WDD: the control counts are scaled to the target (and buffer) before-level, "
    "k = (T0 + D0)/C0, treated as known; WDD = -(WDQ total net effect).",
    "All tests assume independent Poisson counts: repeat incidents and seasonality make "
    "p-values too small; compare with the same period last year.",
)
