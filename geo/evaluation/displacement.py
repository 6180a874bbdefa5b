"""Displacement of an operation's effect: WDQ (METHODS §7) and the WDD test (§8).

References
----------
Bowers, K.J. & Johnson, S.D. (2003). Measuring the geographical displacement and
diffusion of benefit effects of crime prevention activity. *Journal of Quantitative
Criminology* 19(3), 275-301.

Guerette, R.T. (2009). *Analyzing Crime Displacement and Diffusion*. Problem-Oriented
Guides for Police, Problem-Solving Tools Series No. 10.

Wheeler, A.P. & Ratcliffe, J.H. (2018). A simple weighted displacement difference test
to evaluate place based crime interventions. *Crime Science* 7, Article 11.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from geo.errors import ParameterError
from geo.evaluation._common import (
    Z975,
    _count,
    _finite,
    _pair,
    _positive,
    _two_sided_normal_p,
)

__all__ = ["WDDResult", "WDQResult", "wdd", "wdq"]


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


def _fractions(*named: tuple[float, str]) -> list[Fraction]:
    """Validated non-negative finite counts as exact fractions."""
    vals: list[Fraction] = []
    for v, name in named:
        if (
            isinstance(v, bool)
            or not isinstance(v, numbers.Real)
            or not math.isfinite(float(v))
            or v < 0
        ):
            msg = f"`{name}` must be a non-negative count, got {v!r}"
            raise ParameterError(msg, param=name)
        vals.append(Fraction(float(v)) if isinstance(v, float) else Fraction(int(v)))
    return vals


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
    vals = _fractions(
        (target_before, "target_before"),
        (target_after, "target_after"),
        (buffer_before, "buffer_before"),
        (buffer_after, "buffer_after"),
        (control_before, "control_before"),
        (control_after, "control_after"),
    )
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


_DISP_NAMES = (
    "displacement_before",
    "displacement_after",
    "displacement_control_before",
    "displacement_control_after",
)


def _displacement_counts(disp: Sequence[int | None]) -> list[int]:
    """D0, D1, Dc0, Dc1 validated: all four given, or an error."""
    if any(v is None for v in disp):
        msg = (
            "give all four of `displacement_before`, `displacement_after`, "
            "`displacement_control_before`, `displacement_control_after`, or none"
        )
        raise ParameterError(msg, param="displacement_before")
    return [_count(v, nm) for v, nm in zip(disp, _DISP_NAMES, strict=True)]


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
    d0, d1, dc0, dc1 = _displacement_counts(disp)
    kdc = _positive(displacement_control_scale, "displacement_control_scale")
    terms += [(d0, d1, 1.0), (dc0, dc1, -kdc)]
    return _wdd_terms(terms, local_only=False)
