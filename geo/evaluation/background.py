"""Change in a target against its background: the exact ratio of two rate ratios.

The question a meeting asks of an operation is not "did the count fall?" but "did it
fall more than it would have anyway?". Season and trend move the target and the
control area together, so the operation's effect is the ratio of their rate ratios

    θ = (T1/T0) / (C1/C0) = T1·C0 / (T0·C1)

(a difference in differences on the log scale, METHODS §10). With T0, T1, C0, C1
independent Poisson counts and the same before and after windows for target and
control, the exposures cancel and, conditional on all four margins of the 2×2 table
``[[T1, T0], [C1, C0]]``, ``T1`` follows Fisher's noncentral hypergeometric
distribution with odds ratio θ (the conditional binomial argument: ``T1 | T0 + T1`` and
``C1 | C0 + C1`` are binomial, and the ratio of their odds is θ). Inference is exact:

* one-sided p-values ``P(X <= T1)`` (a fall) and ``P(X >= T1)`` (a rise) at θ = 1,
  which is Fisher's exact test;
* the two-sided p by the minimum-likelihood rule (as ``scipy.stats.fisher_exact``);
* a central exact CI obtained by inverting the two one-sided tests (as R's
  ``fisher.test`` and ``scipy.stats.contingency.odds_ratio(kind="conditional")``),
  and the one-sided 95% bounds that match the one-sided 5% tests.

The same comparison serves the *seasonal check* (this year's before → after change in
the target against the same months last year) and the *regression to the mean* check
(the target's before level and its after level against its longer-run level, each
relative to the control).

References
----------
Fisher, R.A. (1935). The logic of inductive inference. *JRSS* 98(1), 39-82.

Breslow, N.E. & Day, N.E. (1980). *Statistical Methods in Cancer Research, Vol. I*,
§4.2 (exact conditional inference on the odds ratio). IARC.

Barnett, A.G., van der Pols, J.C. & Dobson, A.J. (2005). Regression to the mean: what
it is and how to deal with it. *International Journal of Epidemiology* 34(1), 215-220.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import optimize, special

from geo.evaluation._common import _count, _finite, _pair

__all__ = [
    "RatioComparison",
    "RegressionToMean",
    "compare_rate_ratios",
    "regression_to_mean",
]

_PMF_RTOL = 1e-7
_LOG_BOUND = 50.0  # |log θ| searched for CI limits (θ in e^±50)
#: One-sided level of the conclusion tests and of the one-sided bounds.
ALPHA = 0.05


@dataclass(frozen=True)
class RatioComparison:
    """Exact conditional comparison of a target's change with a reference's change.

    Attributes
    ----------
    target_before, target_after, reference_before, reference_after
        The four counts (the reference is the control area, or last year).
    rate_ratio
        ``(target_after/target_before) / (reference_after/reference_before)``; < 1
        means the target fell more (or rose less) than the reference. ``0`` or
        ``inf`` at a zero count; None when not estimable.
    pct_change
        ``100 * (rate_ratio - 1)``: the target's change relative to the reference.
    p_value
        Two-sided exact p (Fisher, minimum likelihood).
    p_decrease, p_increase
        One-sided exact p for "the target fell relative to the reference" and for
        "it rose".
    ci
        Central exact 95% CI for θ (each tail 2.5%); None when not estimable.
    upper_95, lower_95
        One-sided exact 95% bounds: θ is below ``upper_95`` (and above
        ``lower_95``) with 95% confidence; they match the one-sided 5% tests.
    reason
        Why θ is not estimable (a whole row or column of the table is 0), else None.
    """

    target_before: int
    target_after: int
    reference_before: int
    reference_after: int
    rate_ratio: float | None
    pct_change: float | None
    p_value: float
    p_decrease: float
    p_increase: float
    ci: tuple[float, float] | None
    upper_95: float | None
    lower_95: float | None
    reason: str | None = None

    @property
    def estimable(self) -> bool:
        """Whether the table carries information about θ."""
        return self.reason is None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON dict; infinite limits are None."""
        return {
            "counts": {
                "target_before": self.target_before,
                "target_after": self.target_after,
                "reference_before": self.reference_before,
                "reference_after": self.reference_after,
            },
            "rate_ratio": _finite(self.rate_ratio),
            "pct_change": _finite(self.pct_change),
            "p_value": self.p_value,
            "p_decrease": self.p_decrease,
            "p_increase": self.p_increase,
            "ci": _pair(self.ci),
            "upper_95": _finite(self.upper_95),
            "lower_95": _finite(self.lower_95),
            "method": "exact conditional (Fisher noncentral hypergeometric) test and CI "
            "of the ratio of rate ratios",
            "reason": self.reason,
        }


class _Conditional:
    """Fisher's noncentral hypergeometric of ``X`` = target's after count, given margins.

    ``n`` target incidents, ``m`` reference incidents, ``k`` incidents after; the log
    binomial coefficients over the support are computed once and reused for every θ.
    """

    def __init__(self, n: int, m: int, k: int) -> None:
        self.lo, self.hi = max(0, k - m), min(n, k)
        x = np.arange(self.lo, self.hi + 1, dtype=np.float64)
        self.x = x
        self.lc = (
            special.gammaln(n + 1)
            - special.gammaln(x + 1)
            - special.gammaln(n - x + 1)
            + special.gammaln(m + 1)
            - special.gammaln(k - x + 1)
            - special.gammaln(m - k + x + 1)
        )

    def pmf(self, log_theta: float) -> npt.NDArray[np.float64]:
        lp = self.lc + self.x * log_theta
        w = np.exp(lp - lp.max())
        return np.asarray(w / w.sum(), dtype=np.float64)

    def tails(self, x: int, log_theta: float) -> tuple[float, float]:
        """``P(X <= x)`` and ``P(X >= x)`` at θ = e^log_theta."""
        pmf = self.pmf(log_theta)
        i = x - self.lo
        return float(min(1.0, pmf[: i + 1].sum())), float(min(1.0, pmf[i:].sum()))

    def limit(self, x: int, tail: float, *, upper: bool) -> float:
        """θ at which the lower (``upper=True``) or upper tail of ``x`` is ``tail``."""
        if upper and x == self.hi:
            return math.inf
        if not upper and x == self.lo:
            return 0.0

        def f(log_theta: float) -> float:
            below, above = self.tails(x, log_theta)
            return (below if upper else above) - tail

        if f(-_LOG_BOUND) * f(_LOG_BOUND) > 0:  # beyond e^±50: report 0 or ∞
            return math.inf if upper else 0.0
        return math.exp(optimize.brentq(f, -_LOG_BOUND, _LOG_BOUND, xtol=1e-12))


def compare_rate_ratios(
    target_before: int,
    target_after: int,
    reference_before: int,
    reference_after: int,
) -> RatioComparison:
    """Exact test and CI of the ratio of a target's and a reference's rate ratios.

    Parameters
    ----------
    target_before, target_after
        T0 and T1: the target's counts in the before and after windows.
    reference_before, reference_after
        C0 and C1: the reference's counts over the *same* windows as the target (a
        control area), or the target's own counts in the same windows a year
        earlier. Equal windows are not needed: they cancel.

    Returns
    -------
    RatioComparison
        θ = (T1/T0)/(C1/C0), exact one- and two-sided p at θ = 1, the central 95% CI
        and the one-sided 95% bounds.

    Raises
    ------
    ParameterError
        If a count is negative or fractional.

    Notes
    -----
    Conditional on the margins of ``[[T1, T0], [C1, C0]]``, T1 is Fisher's noncentral
    hypergeometric with odds ratio θ (see the module docstring). The p at θ = 1 is
    Fisher's exact test. The limits solve ``P(X >= T1; θ_L) = 0.025`` and
    ``P(X <= T1; θ_U) = 0.025`` (0.05 for the one-sided bounds); θ_L = 0 when T1 is
    the smallest value the margins allow and θ_U = ∞ when it is the largest.

    Examples
    --------
    >>> r = compare_rate_ratios(60, 30, 199, 101)   # the same seasonal 50% fall
    >>> round(r.rate_ratio, 3), r.p_decrease > 0.05
    (0.985, True)
    """
    t0 = _count(target_before, "target_before")
    t1 = _count(target_after, "target_after")
    c0 = _count(reference_before, "reference_before")
    c1 = _count(reference_after, "reference_after")
    n, m, k = t0 + t1, c0 + c1, t1 + c1  # target total, reference total, after total
    if n == 0 or m == 0 or k == 0 or k == n + m:
        return RatioComparison(
            t0, t1, c0, c1, None, None, 1.0, 1.0, 1.0, None, None, None,
            reason="not estimable: no incidents in the target, the reference or a "
            "window",
        )  # fmt: skip
    dist = _Conditional(n, m, k)
    below, above = dist.tails(t1, 0.0)
    pmf = dist.pmf(0.0)
    p_two = float(min(1.0, pmf[pmf <= pmf[t1 - dist.lo] * (1.0 + _PMF_RTOL)].sum()))

    def bound(tail: float, *, upper: bool) -> float:
        return dist.limit(t1, tail, upper=upper)

    num, den = t1 * c0, t0 * c1
    rr = math.inf if den == 0 else num / den
    return RatioComparison(
        target_before=t0,
        target_after=t1,
        reference_before=c0,
        reference_after=c1,
        rate_ratio=rr,
        pct_change=None if math.isinf(rr) else 100.0 * (rr - 1.0),
        p_value=p_two,
        p_decrease=below,
        p_increase=above,
        ci=(bound(0.025, upper=False), bound(0.025, upper=True)),
        upper_95=bound(ALPHA, upper=True),
        lower_95=bound(ALPHA, upper=False),
    )


@dataclass(frozen=True)
class RegressionToMean:
    """Was the target unusually high (or low) when it was chosen?

    Attributes
    ----------
    target_long_run, control_long_run
        Counts over the longer-run window (normally the 12 months before the before
        window).
    t_long_run_days, t_before_days
        Lengths of the longer-run and before windows.
    before_vs_usual
        The target's before rate over its longer-run rate (``(T0/t_b)/(L/t_L)``):
        2 means the before period ran at twice its usual level.
    selection
        :func:`compare_rate_ratios` of (before vs longer run) in the target against
        the same in the control: is the target's before level above its usual level
        more than the season explains?
    elevated, depressed
        ``selection.p_increase < 0.05`` / ``selection.p_decrease < 0.05``.
    after_vs_usual
        :func:`compare_rate_ratios` of (after vs longer run), target against
        control: the effect measured from the usual level instead of the before
        period, which a regression to the mean cannot produce.
    """

    target_long_run: int
    control_long_run: int
    t_long_run_days: float
    t_before_days: float
    before_vs_usual: float | None
    selection: RatioComparison
    elevated: bool
    depressed: bool
    after_vs_usual: RatioComparison

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON dict."""
        return {
            "long_run_counts": {
                "target": self.target_long_run,
                "control": self.control_long_run,
            },
            "long_run_days": self.t_long_run_days,
            "before_vs_usual": _finite(self.before_vs_usual),
            "elevated_at_selection": self.elevated,
            "depressed_at_selection": self.depressed,
            "selection_test": self.selection.to_dict(),
            "after_vs_usual": self.after_vs_usual.to_dict(),
        }


def regression_to_mean(
    target: tuple[int, int, int],
    control: tuple[int, int, int],
    *,
    t_before: float,
    t_long_run: float,
) -> RegressionToMean:
    """Compare the target's before level with its longer-run level.

    Parameters
    ----------
    target, control
        ``(long_run, before, after)`` counts of the target and the control.
    t_before, t_long_run
        Lengths of the before and longer-run windows (days).

    Returns
    -------
    RegressionToMean
        The before level against the usual level (relative to the control, so the
        season is allowed for) and the after level against the usual level.

    Notes
    -----
    An area picked because its counts were high is expected to fall back towards
    its usual level even if nothing is done (Barnett et al. 2005). When the before
    period was significantly above the longer-run level relative to the control, a
    "reduction" needs the after level to be below the *usual* level too.
    """
    tl, t0, t1 = (_count(v, "target") for v in target)
    cl, c0, c1 = (_count(v, "control") for v in control)
    sel = compare_rate_ratios(tl, t0, cl, c0)
    usual = None
    if tl > 0 and t_before > 0:
        usual = (t0 / t_before) / (tl / t_long_run)
    return RegressionToMean(
        target_long_run=tl,
        control_long_run=cl,
        t_long_run_days=float(t_long_run),
        t_before_days=float(t_before),
        before_vs_usual=usual,
        selection=sel,
        elevated=sel.estimable and sel.p_increase < ALPHA,
        depressed=sel.estimable and sel.p_decrease < ALPHA,
        after_vs_usual=compare_rate_ratios(tl, t1, cl, c1),
    )
