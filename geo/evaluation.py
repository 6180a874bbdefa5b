"""Before/after evaluation of an operation: change tests, displacement and verdicts.

Implements METHODS.md §6 (exact conditional test of a change in a count), §7 (weighted
displacement quotient, WDQ), §8 (weighted displacement difference test, WDD) and §10
(difference-in-differences rate ratio), and :func:`evaluate_operation`, which applies
them to the incidents of a target area, its displacement buffer and a control area.

Zones
-----
The caller builds the geometries (EPSG:27700): the *target* (a ward, data zones, a
hotspot polygon or a drawn polygon), the *buffer* (normally :func:`buffer_ring`, a ring
of ``buffer_m`` metres around the target) and the *control* (normally the rest of the
tasking group outside target and buffer). A point is assigned with the vectorised
shapely 2 predicate ``intersects_xy`` (so a point exactly on an edge is not lost) in the
order target, buffer, control: each point is counted in at most one zone, the first
that holds it, even if the geometries overlap.

Windows
-------
All windows are half-open ``[start, end)``; naive datetimes are Europe/London. The
*after* window is the operation period; the *before* window has the same wall-clock
length in Europe/London and ends at ``start`` (or is ``[before_start, start)``), so a
window starting at midnight is matched by one starting at midnight; *last year* is the
operation period shifted back one calendar year (local time). Window lengths are
measured in elapsed days and used as exposures in the exact test, so unequal windows
(including the hour a clock change adds or removes) are handled correctly.

Too few to conclude
-------------------
The verdict refuses to interpret a change in the target when the target's
``before + after < 10`` **or** the count expected under "no change" in either window,
``n * t_after / (t_before + t_after)`` or ``n * t_before / (t_before + t_after)``
(rounded to one decimal), is below 5. All figures are still returned (never NaN).

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

Caveats
-------
Every test treats incidents as independent Poisson counts. Repeat incidents
(overdispersion) and seasonality make p-values too small and CIs too narrow; the
same-period-last-year comparison helps judge seasonality.

References
----------
Przyborowski, J. & Wilenski, H. (1940). Homogeneity of results in testing samples from
Poisson series. *Biometrika* 31(3/4), 313-323.

Clopper, C.J. & Pearson, E.S. (1934). The use of confidence or fiducial limits
illustrated in the case of the binomial. *Biometrika* 26(4), 404-413.

Bowers, K.J. & Johnson, S.D. (2003). Measuring the geographical displacement and
diffusion of benefit effects of crime prevention activity. *Journal of Quantitative
Criminology* 19(3), 275-301.

Wheeler, A.P. & Ratcliffe, J.H. (2018). A simple weighted displacement difference test
to evaluate place based crime interventions. *Crime Science* 7, Article 11.

Altman, D.G. & Bland, J.M. (2003). Interaction revisited: the difference between two
estimates. *BMJ* 326, 219.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
import shapely
from scipy import stats

from geo.errors import ParameterError
from geo.periods import to_local

__all__ = [
    "MIN_EXPECTED",
    "MIN_TOTAL",
    "Z975",
    "CategoryEvaluation",
    "ChangeTestResult",
    "DiDResult",
    "EvaluationResult",
    "WDDResult",
    "WDQResult",
    "ZoneCounts",
    "buffer_ring",
    "did_rate_ratio",
    "evaluate_operation",
    "exact_change_test",
    "wdd",
    "wdq",
]

#: Two-sided 95% normal quantile, ``scipy.stats.norm.ppf(0.975)``.
Z975 = 1.959963984540054
#: Verdict rule: at least this many target incidents before + after ...
MIN_TOTAL = 10
#: ... and at least this many expected in each window under "no change".
MIN_EXPECTED = 5.0
ALL_SELECTED = "all_selected"
LOCAL_TZ = "Europe/London"
_PMF_RTOL = 1e-7
_DAY_S = 86400.0

Timeish: TypeAlias = str | datetime | pd.Timestamp


def _finite(x: float | None) -> float | None:
    """JSON-safe float: None for None, NaN or ±inf."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _pair(ci: tuple[float, float] | None) -> list[float | None] | None:
    return None if ci is None else [_finite(ci[0]), _finite(ci[1])]


def _two_sided_normal_p(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2.0))


def _count(value: object, name: str) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not float(value).is_integer()
        or value < 0
    ):
        msg = f"`{name}` must be a non-negative whole count, got {value!r}"
        raise ParameterError(msg, param=name)
    return int(float(value))


def _positive(value: object, name: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(float(value))
        or value <= 0
    ):
        msg = f"`{name}` must be a positive number, got {value!r}"
        raise ParameterError(msg, param=name)
    return float(value)


# --------------------------------------------------------------------------- §6
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
    k = np.arange(n + 1)
    pmf = stats.binom.pmf(k, n, pi0)
    p_two = float(min(1.0, pmf[pmf <= pmf[xa] * (1.0 + _PMF_RTOL)].sum()))
    p_dec = float(min(1.0, stats.binom.cdf(xa, n, pi0)))
    p_inc = float(min(1.0, stats.binom.sf(xa - 1, n, pi0)))
    lo = 0.0 if xa == 0 else float(stats.beta.ppf(0.025, xa, n - xa + 1))
    hi = 1.0 if xa == n else float(stats.beta.ppf(0.975, xa + 1, n - xa))
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


# --------------------------------------------------------------------------- §7
@dataclass(frozen=True)
class WDQResult:
    """Weighted displacement quotient (Bowers & Johnson 2003; METHODS §7).

    Attributes
    ----------
    success_measure
        ``SM = Ra/Ca − Rb/Cb`` (< 0: the target improved relative to the control).
    buffer_measure
        ``BM = Da/Ca − Db/Cb`` (> 0: possible displacement; < 0: possible diffusion).
    wdq
        ``BM / SM``, only when SM < 0; otherwise None (see ``reason``).
    total_net_effect
        ``[Rb·Ca/Cb − Ra] + [Db·Ca/Cb − Da]``: net incidents prevented (> 0 good).
    interpretation
        The reading of the WDQ (Guerette 2009, Appendix C), or why there is none.
    reason
        None when the WDQ is defined, else "not applicable" / "undefined" and why.
    """

    success_measure: float | None
    buffer_measure: float | None
    wdq: float | None
    total_net_effect: float | None
    interpretation: str
    reason: str | None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON dict."""
        return {
            "success_measure": _finite(self.success_measure),
            "buffer_measure": _finite(self.buffer_measure),
            "wdq": _finite(self.wdq),
            "total_net_effect": _finite(self.total_net_effect),
            "interpretation": self.interpretation,
            "reason": self.reason,
        }


def _wdq_reading(q: Fraction) -> str:
    if q > 1:
        return "diffusion of benefit larger than the direct effect"
    if q > 0:
        return "diffusion of benefit, no larger than the direct effect"
    if q == 0:
        return "no displacement and no diffusion of benefit"
    if q >= -1:
        return "displacement smaller than the direct effect (a net benefit remains)"
    return "displacement exceeds the direct effect (the scheme is net harmful)"


def wdq(
    target_before: float,
    target_after: float,
    buffer_before: float,
    buffer_after: float,
    control_before: float,
    control_after: float,
) -> WDQResult:
    """Weighted displacement quotient of a target, its buffer and a control.

    Parameters
    ----------
    target_before, target_after
        Rb and Ra: counts in the treated (response) area.
    buffer_before, buffer_after
        Db and Da: counts in the displacement buffer (excluding the target).
    control_before, control_after
        Cb and Ca: counts in the control area (excluding target and buffer).

    Returns
    -------
    WDQResult
        SM, BM, WDQ, total net effect and their reading; computed in exact rational
        arithmetic, so a WDQ of exactly 0 is recognised.

    Raises
    ------
    ParameterError
        If a count is negative or not finite.

    Notes
    -----
    ``WDQ = (Da/Ca − Db/Cb) / (Ra/Ca − Rb/Cb)``. It is read only when SM < 0 (the
    scheme "succeeded"); otherwise it is None with the reason "not applicable". If
    Ca = 0 or Cb = 0 every measure is undefined (use a larger control). The WDQ has no
    sampling distribution: pair it with :func:`wdd`. Each measure is a ratio within
    one window, so the WDQ does not depend on the window lengths.

    References
    ----------
    Bowers & Johnson (2003); Guerette (2009), Appendices B and C.

    Examples
    --------
    >>> round(wdq(120, 72, 90, 81, 400, 380).wdq, 6)
    0.107143
    """
    vals: list[Fraction] = []
    for v, name in (
        (target_before, "target_before"),
        (target_after, "target_after"),
        (buffer_before, "buffer_before"),
        (buffer_after, "buffer_after"),
        (control_before, "control_before"),
        (control_after, "control_after"),
    ):
        if (
            isinstance(v, bool)
            or not isinstance(v, numbers.Real)
            or not math.isfinite(float(v))
            or v < 0
        ):
            msg = f"`{name}` must be a non-negative count, got {v!r}"
            raise ParameterError(msg, param=name)
        vals.append(Fraction(float(v)) if isinstance(v, float) else Fraction(int(v)))
    rb, ra, db, da, cb, ca = vals
    if cb == 0 or ca == 0:
        return WDQResult(
            None,
            None,
            None,
            None,
            "undefined: the control area has no incidents in a window",
            "undefined: the control area has no incidents in a window; use a larger "
            "control",
        )
    sm = ra / ca - rb / cb
    bm = da / ca - db / cb
    tne = (rb * ca / cb - ra) + (db * ca / cb - da)
    if sm >= 0:
        text = (
            "not applicable: the target did not improve relative to the control "
            "(success measure >= 0)"
        )
        return WDQResult(float(sm), float(bm), None, float(tne), text, text)
    q = bm / sm
    return WDQResult(float(sm), float(bm), float(q), float(tne), _wdq_reading(q), None)


# --------------------------------------------------------------------------- §8
@dataclass(frozen=True)
class WDDResult:
    """Weighted displacement difference test (Wheeler & Ratcliffe 2018; METHODS §8).

    Attributes
    ----------
    wdd
        The weighted displacement difference; < 0 is a net reduction and −WDD the
        number of incidents prevented.
    variance, se
        Poisson variance of the WDD and its square root.
    z, p_value, p_reduction
        ``z = WDD/SE``, two-sided ``2(1 − Φ(|z|))`` and one-sided ``Φ(z)``; None when
        the variance is 0.
    ci
        ``WDD ± 1.95996·SE``; None when the variance is 0.
    local_only
        True when no displacement area was included (``WDD = ΔT − ΔC``).
    reason
        Why the test is missing, else None.
    """

    wdd: float
    variance: float
    se: float
    z: float | None
    p_value: float | None
    p_reduction: float | None
    ci: tuple[float, float] | None
    local_only: bool
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON dict."""
        return {
            "wdd": _finite(self.wdd),
            "variance": _finite(self.variance),
            "se": _finite(self.se),
            "z": _finite(self.z),
            "p_value": _finite(self.p_value),
            "p_reduction": _finite(self.p_reduction),
            "ci": _pair(self.ci),
            "local_only": self.local_only,
            "reason": self.reason,
        }


def _wdd_terms(
    terms: Sequence[tuple[int, int, float]], *, local_only: bool
) -> WDDResult:
    """``WDD = Σ w·(after − before)`` with ``Var = Σ w²·(before + after)``."""
    value = float(sum(w * (a - b) for b, a, w in terms))
    var = float(sum(w * w * (a + b) for b, a, w in terms))
    if var <= 0:
        return WDDResult(
            value,
            0.0,
            0.0,
            None,
            None,
            None,
            None,
            local_only,
            "all counts are 0: no test",
        )
    se = math.sqrt(var)
    z = value / se
    return WDDResult(
        wdd=value,
        variance=var,
        se=se,
        z=z,
        p_value=_two_sided_normal_p(z),
        p_reduction=0.5 * math.erfc(-z / math.sqrt(2.0)),
        ci=(value - Z975 * se, value + Z975 * se),
        local_only=local_only,
    )


def wdd(
    target_before: int,
    target_after: int,
    control_before: int,
    control_after: int,
    displacement_before: int | None = None,
    displacement_after: int | None = None,
    displacement_control_before: int | None = None,
    displacement_control_after: int | None = None,
    *,
    control_scale: float = 1.0,
    displacement_control_scale: float = 1.0,
) -> WDDResult:
    """Weighted displacement difference test.

    Parameters
    ----------
    target_before, target_after
        T0 and T1, counts in the treated area over equal windows.
    control_before, control_after
        C0 and C1, counts in the treated area's control.
    displacement_before, displacement_after, displacement_control_before, displacement_control_after
        D0, D1, Dc0 and Dc1 for the displacement area and its own control; give all
        four or none (none: the local-only test ``ΔT − ΔC``).
    control_scale, displacement_control_scale
        Known factors k multiplying the control counts (k·X has variance k²·X), for a
        control of a different size; default 1 as in the paper.

    Returns
    -------
    WDDResult
        ``WDD = ΔT − ΔC + ΔD − ΔDc`` with ``Var = T0+T1+C0+C1+D0+D1+Dc0+Dc1``, its z,
        two-sided and one-sided ("reduction") p and 95% CI. With every count 0 the
        variance is 0 and the test fields are None.

    Raises
    ------
    ParameterError
        If a count is negative or fractional, only some displacement counts are
        given, or a scale is not positive.

    References
    ----------
    Wheeler & Ratcliffe (2018), *Crime Science* 7:11.

    Examples
    --------
    >>> r = wdd(207, 110, 308, 318, 178, 157, 150, 140)
    >>> r.wdd, round(r.z, 5)
    (-118.0, -2.97995)
    """
    t0 = _count(target_before, "target_before")
    t1 = _count(target_after, "target_after")
    c0 = _count(control_before, "control_before")
    c1 = _count(control_after, "control_after")
    kc = _positive(control_scale, "control_scale")
    disp = (
        displacement_before,
        displacement_after,
        displacement_control_before,
        displacement_control_after,
    )
    terms: list[tuple[int, int, float]] = [(t0, t1, 1.0), (c0, c1, -kc)]
    if all(v is None for v in disp):
        return _wdd_terms(terms, local_only=True)
    if any(v is None for v in disp):
        msg = (
            "give all four of `displacement_before`, `displacement_after`, "
            "`displacement_control_before`, `displacement_control_after`, or none"
        )
        raise ParameterError(msg, param="displacement_before")
    names = (
        "displacement_before",
        "displacement_after",
        "displacement_control_before",
        "displacement_control_after",
    )
    d0, d1, dc0, dc1 = (_count(v, nm) for v, nm in zip(disp, names, strict=True))
    kdc = _positive(displacement_control_scale, "displacement_control_scale")
    terms += [(d0, d1, 1.0), (dc0, dc1, -kdc)]
    return _wdd_terms(terms, local_only=False)


# --------------------------------------------------------------------------- §10
@dataclass(frozen=True)
class DiDResult:
    """Difference-in-differences rate ratio, target vs control (METHODS §10).

    Attributes
    ----------
    rate_ratio
        ``(T1/T0) / (C1/C0)``; < 1 means the target fell more than the control.
    log_rate_ratio, se_log
        Its log and ``sqrt(1/T0 + 1/T1 + 1/C0 + 1/C1)``.
    ci, z, p_value
        ``exp(log RR ± 1.95996·SE)``, ``log RR / SE`` and the two-sided normal p.
    haldane_corrected
        True when 0.5 was added to all four counts (``zero_correction=True``).
    reason
        Why the ratio is not estimable (a zero count without correction), else None.
    """

    rate_ratio: float | None
    log_rate_ratio: float | None
    se_log: float | None
    ci: tuple[float, float] | None
    z: float | None
    p_value: float | None
    haldane_corrected: bool
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON dict."""
        return {
            "rate_ratio": _finite(self.rate_ratio),
            "log_rate_ratio": _finite(self.log_rate_ratio),
            "se_log": _finite(self.se_log),
            "ci": _pair(self.ci),
            "z": _finite(self.z),
            "p_value": _finite(self.p_value),
            "haldane_corrected": self.haldane_corrected,
            "reason": self.reason,
        }


def did_rate_ratio(
    target_before: int,
    target_after: int,
    control_before: int,
    control_after: int,
    *,
    zero_correction: bool = False,
) -> DiDResult:
    """Difference-in-differences rate ratio of a target against a control.

    Parameters
    ----------
    target_before, target_after, control_before, control_after
        T0, T1, C0, C1. With the same before and after windows for target and
        control the window lengths cancel, so raw counts give the exposure-adjusted
        ratio for unequal windows too (METHODS §10's second example).
    zero_correction
        If True and a count is 0, add 0.5 to all four counts (Haldane-Anscombe) and
        flag it; default False returns "not estimable".

    Returns
    -------
    DiDResult
        RR, log RR, SE, Woolf 95% CI, z and two-sided p.

    Raises
    ------
    ParameterError
        If a count is negative or fractional.

    Notes
    -----
    The interaction term of a saturated Poisson log-linear model on the four counts,
    numerically the sample odds ratio of ``[[T1, T0], [C1, C0]]``. Overdispersion is
    ignored, so the CI is too narrow for clustered incidents.

    References
    ----------
    Altman & Bland (2003); Woolf (1955).

    Examples
    --------
    >>> round(did_rate_ratio(80, 52, 400, 380).rate_ratio, 6)
    0.684211
    """
    counts = [
        float(_count(v, nm))
        for v, nm in (
            (target_before, "target_before"),
            (target_after, "target_after"),
            (control_before, "control_before"),
            (control_after, "control_after"),
        )
    ]
    corrected = False
    if min(counts) == 0:
        if not zero_correction:
            return DiDResult(
                None,
                None,
                None,
                None,
                None,
                None,
                False,
                "not estimable: a count is 0 (zero_correction=True adds 0.5 to all "
                "four counts)",
            )
        counts = [c + 0.5 for c in counts]
        corrected = True
    t0, t1, c0, c1 = counts
    log_rr = math.log(t1) + math.log(c0) - math.log(t0) - math.log(c1)
    se = math.sqrt(1 / t0 + 1 / t1 + 1 / c0 + 1 / c1)
    z = log_rr / se
    return DiDResult(
        rate_ratio=math.exp(log_rr),
        log_rate_ratio=log_rr,
        se_log=se,
        ci=(math.exp(log_rr - Z975 * se), math.exp(log_rr + Z975 * se)),
        z=z,
        p_value=_two_sided_normal_p(z),
        haldane_corrected=corrected,
    )


# --------------------------------------------------------------------------- zones
def _check_polygonal(geom: object, name: str, *, allow_empty: bool) -> shapely.Geometry:
    if not isinstance(geom, shapely.Geometry):
        msg = f"`{name}` must be a shapely geometry in EPSG:27700, got {type(geom).__name__}"
        raise ParameterError(msg, param=name)
    if geom.is_empty:
        if allow_empty:
            return geom
        msg = f"`{name}` is an empty geometry"
        raise ParameterError(msg, param=name)
    if geom.geom_type not in ("Polygon", "MultiPolygon", "GeometryCollection"):
        msg = f"`{name}` must be a Polygon or MultiPolygon, got {geom.geom_type}"
        raise ParameterError(msg, param=name)
    if geom.area <= 0:
        msg = f"`{name}` has no area"
        raise ParameterError(msg, param=name)
    return geom


def buffer_ring(target: shapely.Geometry, buffer_m: float) -> shapely.Geometry:
    """The ring of ``buffer_m`` metres around ``target``, excluding the target.

    Parameters
    ----------
    target
        Polygon or MultiPolygon in EPSG:27700.
    buffer_m
        Ring width in metres, >= 0 (0 gives an empty geometry: no buffer).

    Returns
    -------
    shapely.Geometry
        ``target.buffer(buffer_m) − target`` (holes of the target within reach are
        part of the ring).

    Raises
    ------
    ParameterError
        If ``target`` is not polygonal or ``buffer_m`` is negative or not finite.

    Examples
    --------
    >>> ring = buffer_ring(shapely.box(0, 0, 100, 100), 10)
    >>> ring.intersects(shapely.Point(50, 50)), ring.intersects(shapely.Point(105, 50))
    (False, True)
    """
    _check_polygonal(target, "target", allow_empty=False)
    if (
        isinstance(buffer_m, bool)
        or not isinstance(buffer_m, numbers.Real)
        or not math.isfinite(float(buffer_m))
        or buffer_m < 0
    ):
        msg = f"`buffer_m` must be a non-negative number of metres, got {buffer_m!r}"
        raise ParameterError(msg, param="buffer_m")
    if buffer_m == 0:
        return shapely.Polygon()
    return shapely.difference(shapely.buffer(target, float(buffer_m)), target)


def assign_zones(
    x: np.ndarray,
    y: np.ndarray,
    *,
    target: shapely.Geometry,
    buffer: shapely.Geometry | None,
    control: shapely.Geometry,
) -> np.ndarray:
    """Zone of each point: 0 target, 1 buffer, 2 control, −1 none (target first).

    Parameters
    ----------
    x, y
        Easting and northing arrays (EPSG:27700).
    target, buffer, control
        The zone geometries; ``buffer`` may be None or empty.

    Returns
    -------
    numpy.ndarray
        int8 zone codes. Uses ``shapely.intersects_xy`` (edges included); a point is
        given to the first zone holding it.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    zone = np.full(x.shape, -1, dtype=np.int8)
    todo = np.isfinite(x) & np.isfinite(y)
    for code, geom in enumerate((target, buffer, control)):
        if geom is None or geom.is_empty or not todo.any():
            continue
        shapely.prepare(geom)
        idx = np.flatnonzero(todo)
        hit = shapely.intersects_xy(geom, x[idx], y[idx])
        zone[idx[hit]] = code
        todo[idx[hit]] = False
    return zone


# --------------------------------------------------------------------------- operation
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
        Plain-English summary.
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
        }


def _days(a: pd.Timestamp, b: pd.Timestamp) -> float:
    return (b - a).total_seconds() / _DAY_S


def _enough(test: ChangeTestResult) -> bool:
    n = test.n
    # rounded to 0.1 so that an hour lost to a clock change does not flip the rule
    expected = round(min(n * test.pi0, n * (1.0 - test.pi0)), 1)
    return n >= MIN_TOTAL and expected >= MIN_EXPECTED


def _fmt_p(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"= {p:.3f}" if p < 0.1 else f"= {p:.2f}"


def _verdict(label: str, ev: dict[str, Any]) -> str:
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
            f"The change is statistically significant (exact test p {_fmt_p(t.p_value)})."
        )
    else:
        parts.append(
            f"A change this size could be chance (exact test p {_fmt_p(t.p_value)}); "
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


def _evaluate_counts(
    label: str,
    category: str,
    counts: np.ndarray,
    *,
    has_buffer: bool,
    t_before: float,
    t_after: float,
    t_last: float | None,
) -> CategoryEvaluation:
    """``counts[zone, window]``: zones target/buffer/control, windows before/after/last."""
    cnt = [[int(v) for v in row] for row in counts]
    (t0, t1, tl), (d0, d1, dl), (c0, c1, cl) = cnt
    has_last = t_last is not None

    def zc(b: int, a: int, last: int) -> ZoneCounts:
        return ZoneCounts(b, a, last if has_last else None)

    def chg(b: int, a: int) -> ChangeTestResult:
        return exact_change_test(b, a, t_before=t_before, t_after=t_after)

    target_change = chg(t0, t1)
    control_change = chg(c0, c1)
    buffer_change = chg(d0, d1) if has_buffer else None
    did = did_rate_ratio(t0, t1, c0, c1)
    did_buffer = did_rate_ratio(d0, d1, c0, c1) if has_buffer else None
    q = wdq(t0, t1, d0, d1, c0, c1) if has_buffer else None
    wdd_all: WDDResult | None
    wdd_loc: WDDResult | None
    if c0 > 0:
        k_t = t0 / c0
        k_d = d0 / c0 if has_buffer else 0.0
        wdd_loc = _wdd_terms([(t0, t1, 1.0), (c0, c1, -k_t)], local_only=True)
        if has_buffer:
            wdd_all = _wdd_terms(
                [(t0, t1, 1.0), (d0, d1, 1.0), (c0, c1, -(k_t + k_d))],
                local_only=False,
            )
        else:
            wdd_all = wdd_loc
    else:
        wdd_all = wdd_loc = None
    tl_test = cl_test = None
    if t_last is not None:
        tl_test = exact_change_test(tl, t1, t_before=t_last, t_after=t_after)
        cl_test = exact_change_test(cl, c1, t_before=t_last, t_after=t_after)
    enough = _enough(target_change)
    parts = {
        "target_change": target_change,
        "control_change": control_change,
        "did": did,
        "wdq": q,
        "enough_data": enough,
    }
    return CategoryEvaluation(
        category=category,
        target=zc(t0, t1, tl),
        buffer=zc(d0, d1, dl) if has_buffer else None,
        control=zc(c0, c1, cl),
        target_change=target_change,
        buffer_change=buffer_change,
        control_change=control_change,
        did=did,
        did_buffer=did_buffer,
        wdq=q,
        wdd=wdd_all,
        wdd_local=wdd_loc,
        target_vs_last_year=tl_test,
        control_vs_last_year=cl_test,
        enough_data=enough,
        verdict=_verdict(label, parts),
    )


_NOTES = (
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
) -> EvaluationResult:
    """Evaluate an operation: before/after change in target, buffer and control.

    Parameters
    ----------
    incidents
        The incident frame (``category``, ``occurred_at``, ``easting``,
        ``northing``); may be empty. Filter by agency beforehand if needed.
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
    See the module docstring for the zone rule, the windows, the "too few" rule and
    the control-scaled WDD.
    """
    _check_polygonal(target, "target", allow_empty=False)
    _check_polygonal(control, "control", allow_empty=False)
    if buffer is not None:
        _check_polygonal(buffer, "buffer", allow_empty=True)
    has_buffer = buffer is not None and not buffer.is_empty

    t_start = to_local(start, "start")
    t_end = to_local(end, "end")
    if not t_start < t_end:
        msg = f"`start` ({t_start}) must be before `end` ({t_end})"
        raise ParameterError(msg, param="start")
    if before_start is None:
        # same wall-clock length in local time, so midnight stays midnight; a DST
        # change inside a window only alters its exposure, which the tests use
        wall = t_end.tz_localize(None) - t_start.tz_localize(None)
        b_start = (t_start.tz_localize(None) - wall).tz_localize(
            LOCAL_TZ, ambiguous=True, nonexistent="shift_forward"
        )
    else:
        b_start = to_local(before_start, "before_start")
        if not b_start < t_start:
            msg = f"`before_start` ({b_start}) must be before `start` ({t_start})"
            raise ParameterError(msg, param="before_start")
    ly_start = ly_end = None
    if last_year:
        ly_start = (t_start.tz_localize(None) - pd.DateOffset(years=1)).tz_localize(
            LOCAL_TZ, ambiguous=True, nonexistent="shift_forward"
        )
        ly_end = (t_end.tz_localize(None) - pd.DateOffset(years=1)).tz_localize(
            LOCAL_TZ, ambiguous=True, nonexistent="shift_forward"
        )

    if categories is not None:
        if isinstance(categories, str):
            categories = [categories]
        cats = list(dict.fromkeys(str(c) for c in categories))
        if not cats:
            msg = "`categories` must name at least one category (or be None for all)"
            raise ParameterError(msg, param="categories")
    else:
        cats = []
    need = ("category", "occurred_at", "easting", "northing")
    if not isinstance(incidents, pd.DataFrame) or any(
        c not in incidents.columns for c in need
    ):
        msg = f"`incidents` must be a DataFrame with columns {', '.join(need)}"
        raise ParameterError(msg, param="incidents")
    if categories is None:
        cats = sorted({str(c) for c in incidents["category"].dropna().unique()})

    when = pd.to_datetime(incidents["occurred_at"], utc=True)
    windows = [
        ((when >= b_start) & (when < t_start)).to_numpy(),
        ((when >= t_start) & (when < t_end)).to_numpy(),
    ]
    if ly_start is not None and ly_end is not None:
        windows.append(((when >= ly_start) & (when < ly_end)).to_numpy())
    else:
        windows.append(np.zeros(len(incidents), dtype=bool))
    cat_code = pd.Index(cats).get_indexer(
        pd.Index(incidents["category"].astype(object))
    )
    relevant = (cat_code >= 0) & (windows[0] | windows[1] | windows[2])
    idx = np.flatnonzero(relevant)
    zone = assign_zones(
        incidents["easting"].to_numpy(dtype=np.float64)[idx],
        incidents["northing"].to_numpy(dtype=np.float64)[idx],
        target=target,
        buffer=buffer if has_buffer else None,
        control=control,
    )
    in_zone = zone >= 0
    n_cat = len(cats)
    table = np.zeros((n_cat, 3, 3), dtype=np.int64)  # category, zone, window
    for w, mask in enumerate(windows):
        sel = in_zone & mask[idx]
        flat = cat_code[idx][sel] * 3 + zone[sel].astype(np.int64)
        table[:, :, w] = np.bincount(flat, minlength=n_cat * 3).reshape(n_cat, 3)

    t_b = _days(b_start, t_start)
    t_a = _days(t_start, t_end)
    t_l = (
        _days(ly_start, ly_end) if ly_start is not None and ly_end is not None else None
    )

    def run(label: str, category: str, counts: np.ndarray) -> CategoryEvaluation:
        return _evaluate_counts(
            label,
            category,
            counts,
            has_buffer=has_buffer,
            t_before=t_b,
            t_after=t_a,
            t_last=t_l,
        )

    results = tuple(
        run(c.replace("_", " ").capitalize(), c, table[i]) for i, c in enumerate(cats)
    )
    overall = run("All selected categories", ALL_SELECTED, table.sum(axis=0))
    return EvaluationResult(
        start=t_start,
        end=t_end,
        before_start=b_start,
        before_end=t_start,
        last_year_start=ly_start,
        last_year_end=ly_end,
        t_before_days=t_b,
        t_after_days=t_a,
        t_last_year_days=t_l,
        categories=tuple(cats),
        results=results,
        all_selected=overall,
        zone_areas_m2={
            "target": float(target.area),
            "buffer": float(buffer.area) if has_buffer and buffer is not None else 0.0,
            "control": float(control.area),
        },
        incidents_outside=int((~in_zone).sum()),
        notes=_NOTES,
    )
