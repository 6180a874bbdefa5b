"""Words for people about the assessment's figures (kept apart from the arithmetic)."""

from __future__ import annotations

from geo.assessment.priority import PriorityCriteria, PriorityScore
from geo.assessment.trend import MIN_YEARS, TrendResult

CRITERION_TEXT = {
    "volume": "volume",
    "trend": "trend",
    "harm": "harm",
    "deprivation": "concentration in deprived areas",
    "partnership": "more than one agency",
}


def trend_text(t: TrendResult) -> str:
    """E.g. ``"rising 12% a year (p = 0.003)"`` or ``"fewer than 3 years: not tested"``."""
    if not t.tested or t.rate_ratio is None or t.p_value is None:
        return f"not tested: {t.n_years} of {MIN_YEARS} years" if t.n_years < MIN_YEARS else "not tested: too few incidents"
    pct = 100 * (t.rate_ratio - 1)
    word = {"increase": "rising", "decrease": "falling"}.get(t.direction, "no clear trend")
    return f"{word}: {pct:+.0f}% a year (p = {t.p_value:.3g})"


def priority_reason(p: PriorityScore, c: PriorityCriteria, of: int) -> str:
    """Why a candidate ranks where it does: its strongest weighted criteria, in words."""
    parts = []
    contrib = sorted(((c.weights.get(k, 0.0) * v, k) for k, v in p.scores.items()), reverse=True)
    strong = {k for v, k in contrib[:2] if v > 0}
    if "volume" in strong:
        parts.append(f"high volume ({p.counts[-1]:,} this year)")
    if "trend" in strong or p.trend.direction in ("increase", "decrease"):
        parts.append(trend_text(p.trend) if p.trend.tested else
                     ("no change on last year" if p.change_pct is None else f"{p.change_pct:+.0f}% on last year"))
    if "harm" in strong:
        parts.append(f"harm weight {p.harm:.2f}")
    if p.deprivation_ratio is not None and p.deprivation_ratio > 1.2:
        parts.append(f"{p.deprivation_ratio:.1f}× over-represented in the {c.deprivation_pct:g}% most deprived data zones")
    agencies = ", ".join(sorted(p.agencies))
    parts.append(f"partnership issue ({agencies})" if p.multi_agency else f"single agency issue ({agencies or 'none'})")
    return f"Rank {p.rank} of {of}: " + "; ".join(parts) + "."
