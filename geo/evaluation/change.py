"""Exact conditional (binomial) test of a before/after change in a count (METHODS §6).

References
----------
Przyborowski, J. & Wilenski, H. (1940). Homogeneity of results in testing samples from
Poisson series. *Biometrika* 31(3/4), 313-323.

Clopper, C.J. & Pearson, E.S. (1934). The use of confidence or fiducial limits
illustrated in the case of the binomial. *Biometrika* 26(4), 404-413.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from geo.evaluation._common import _count, _finite, _pair, _positive

__all__ = [
    "MIN_EXPECTED",
    "MIN_TOTAL",
    "ChangeTestResult",
    "enough_counts",
    "exact_change_test",
]

#: "Too few to conclude" rule: at least this many incidents before + after ...
MIN_TOTAL = 10
#: ... and at least this many expected in each window under "no change".
MIN_EXPECTED = 5.0
_PMF_RTOL = 1e-7


def _binom_pvalues(x: int, n: int, pi0: float) -> tuple[float, float, float]:
    """Two-sided (minimum likelihood), lower and upper exact binomial p of ``x``."""
    pmf = stats.binom.pmf(np.arange(n + 1), n, pi0)
    p_two = float(min(1.0, pmf[pmf <= pmf[x] * (1.0 + _PMF_RTOL)].sum()))
    p_dec = float(min(1.0, stats.binom.cdf(x, n, pi0)))
    p_inc = float(min(1.0, stats.binom.sf(x - 1, n, pi0)))
    return p_two, p_dec, p_inc


def _clopper_pearson(x: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Central Clopper-Pearson interval for a binomial proportion (``n > 0``)."""
    a = round((1.0 - level) / 2.0, 12)  # 0.025 exactly for 95%
    lo = 0.0 if x == 0 else float(stats.beta.ppf(a, x, n - x + 1))
    hi = 1.0 if x == n else float(stats.beta.ppf(1.0 - a, x + 1, n - x))
    return lo, hi


@dataclass(frozen=True)
class ChangeTestResult:
    """Exact conditional test of a change between two Poisson counts (METHODS §6).

    Attributes
    ----------
    before, after, t_before, t_after
        Counts and window lengths (any common unit).
    n
        ``before + after``.
    pi0
        Null proportion of ``after`` in ``n``: ``t_after / (t_before + t_after)``.
    rate_ratio
        ``(after/t_after) / (before/t_before)``; ``inf`` when before = 0 < after, None
        when n = 0.
    pct_change
        ``100 * (rate_ratio - 1)``, the % change in the rate (= the count change for
        equal windows); None when before = 0.
    p_value
        Two-sided exact p: the sum of Binomial(n, pi0) probabilities not above that of
        ``after`` (times 1 + 1e-7), as ``scipy.stats.binomtest``; 1 when n = 0.
    p_decrease, p_increase
        One-sided ``P(X <= after)`` and ``P(X >= after)``.
    pi_ci
        95% Clopper-Pearson interval for the binomial proportion; None when n = 0.
    rate_ratio_ci
        ``pi/(1 - pi) * t_before/t_after`` at the limits of ``pi_ci``; the upper limit
        is ``inf`` (unbounded) when after = n.
    """

    before: int
    after: int
    t_before: float
    t_after: float
    n: int
    pi0: float
    rate_ratio: float | None
    pct_change: float | None
    p_value: float
    p_decrease: float
    p_increase: float
    pi_ci: tuple[float, float] | None
    rate_ratio_ci: tuple[float, float] | None

    @property
    def significant(self) -> bool:
        """Whether the two-sided p is below 0.05."""
        return self.p_value < 0.05

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON dict; an infinite ratio or limit is None with a flag."""
        rr = self.rate_ratio
        hi = None if self.rate_ratio_ci is None else self.rate_ratio_ci[1]
        return {
            "before": self.before,
            "after": self.after,
            "t_before": self.t_before,
            "t_after": self.t_after,
            "pct_change": _finite(self.pct_change),
            "rate_ratio": _finite(rr),
            "rate_ratio_unbounded": rr is not None and math.isinf(rr),
            "rate_ratio_ci": _pair(self.rate_ratio_ci),
            "rate_ratio_ci_upper_unbounded": hi is not None and math.isinf(hi),
            "p_value": self.p_value,
            "p_decrease": self.p_decrease,
            "p_increase": self.p_increase,
            "pi0": self.pi0,
            "pi_ci": _pair(self.pi_ci),
            "test": "exact conditional binomial (two-sided, minimum likelihood)",
        }


def exact_change_test(
    before: int,
    after: int,
    *,
    t_before: float = 1.0,
    t_after: float = 1.0,
) -> ChangeTestResult:
    """Exact conditional (binomial) test of a before/after change in a count.

    Parameters
    ----------
    before, after
        Incident counts in the two windows.
    t_before, t_after
        Window lengths (exposures), default 1 each. Unequal windows use
        ``pi0 = t_after / (t_before + t_after)``, never 0.5.

    Returns
    -------
    ChangeTestResult
        Rate ratio, % change, exact two-sided and one-sided p-values and the
        Clopper-Pearson based 95% CI for the rate ratio.

    Raises
    ------
    ParameterError
        If a count is negative or fractional, or a window length is not positive.

    Notes
    -----
    Given ``n = before + after``, ``after ~ Binomial(n, pi)`` with
    ``pi = λa·ta / (λa·ta + λb·tb)``, and H0 (equal rates) is ``pi = pi0``
    (Przyborowski & Wilenski 1940). The CI inverts the Clopper-Pearson interval
    ``(beta.ppf(0.025, x, n-x+1), beta.ppf(0.975, x+1, n-x))`` into rate-ratio limits.

    References
    ----------
    Przyborowski & Wilenski (1940); Clopper & Pearson (1934).

    Examples
    --------
    >>> r = exact_change_test(20, 6)
    >>> round(r.p_value, 6), r.pct_change < 0
    (0.009355, True)
    """
    xb = _count(before, "before")
    xa = _count(after, "after")
    tb = _positive(t_before, "t_before")
    ta = _positive(t_after, "t_after")
    n = xa + xb
    pi0 = ta / (ta + tb)
    if n == 0:
        return ChangeTestResult(
            xb, xa, tb, ta, 0, pi0, None, None, 1.0, 1.0, 1.0, None, None
        )
    p_two, p_dec, p_inc = _binom_pvalues(xa, n, pi0)
    lo, hi = _clopper_pearson(xa, n)
    scale = tb / ta
    rr_lo = lo / (1.0 - lo) * scale
    rr_hi = math.inf if hi >= 1.0 else hi / (1.0 - hi) * scale
    rr = math.inf if xb == 0 else (xa / ta) / (xb / tb)
    pct = None if xb == 0 else 100.0 * (rr - 1.0)
    return ChangeTestResult(
        before=xb,
        after=xa,
        t_before=tb,
        t_after=ta,
        n=n,
        pi0=pi0,
        rate_ratio=rr,
        pct_change=pct,
        p_value=p_two,
        p_decrease=p_dec,
        p_increase=p_inc,
        pi_ci=(lo, hi),
        rate_ratio_ci=(rr_lo, rr_hi),
    )


def enough_counts(test: ChangeTestResult) -> bool:
    """Whether a change test passes the "too few to conclude" rule.

    Parameters
    ----------
    test
        From :func:`exact_change_test`.

    Returns
    -------
    bool
        ``n >= MIN_TOTAL`` and at least ``MIN_EXPECTED`` expected in each window
        under "no change" (rounded to 0.1, so that an hour lost to a clock change
        does not flip the rule).
    """
    n = test.n
    expected = round(min(n * test.pi0, n * (1.0 - test.pi0)), 1)
    return n >= MIN_TOTAL and expected >= MIN_EXPECTED
