"""Power of the background comparison: could counts this size show a change this size?

A non-significant result on small counts is not evidence that nothing happened, and a
significant one on small counts usually overstates the effect. For the comparison of
:func:`geo.evaluation.background.compare_rate_ratios` this module computes

* the **power** to detect a given ratio of rate ratios θ: the chance that the one-sided
  5% test concludes a change in that direction, when the before levels are those
  observed in the target (T0) and the control (C0) and the control's after level is
  the one observed (C1, so the season is the observed one);
* the **minimum detectable change**: the smallest fall (and rise) relative to the
  background detected 8 times in 10 (power 0.8).

Method. Conditional on each area's total, the after share of the target,
``p_T = T1/(T0 + T1)``, and of the control, ``p_C = C1/(C0 + C1)``, are binomial, and
θ ≠ 1 is ``p_T ≠ p_C``. The power is the normal approximation for comparing two
proportions with a continuity correction (Fleiss, Levin & Paik 2003, §4.2), with the
expected counts ``T1 = T0·(C1/C0)·θ``:

    power = Φ((|p_C − p_T| − ½(1/n_T + 1/n_C) − z₀.₉₅·√(p̄(1−p̄)(1/n_T + 1/n_C)))
              / √(p_T(1−p_T)/n_T + p_C(1−p_C)/n_C))

The continuity correction brings it close to the exact (Fisher) test actually used:
the tests check it against a seeded simulation of the exact test within ±0.05.

References
----------
Fleiss, J.L., Levin, B. & Paik, M.C. (2003). *Statistical Methods for Rates and
Proportions*, 3rd ed., §4.2. Wiley.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from scipy import optimize
from scipy.stats import norm

from geo.evaluation._common import _finite

__all__ = ["POWER_TARGET", "PowerResult", "comparison_power", "power_of_ratio"]

#: Power a comparison needs before a "no evidence" can be read as "no large change".
POWER_TARGET = 0.8
ALPHA = 0.05
_Z = float(norm.ppf(1.0 - ALPHA))
_FAR = 1e-3  # search θ in [1e-3, 1e3]


@dataclass(frozen=True)
class PowerResult:
    """Power of the one-sided 5% background comparison.

    Attributes
    ----------
    assumed_ratio
        The ratio of rate ratios the power is for (the observed one by default).
    power
        Chance of concluding a change in that direction if it were the true effect;
        None when the counts give no basis (a zero count) or θ is 0, 1 or ∞.
    minimum_detectable_fall_pct, minimum_detectable_rise_pct
        The smallest fall and rise relative to the background (in %) detected with
        power 0.8; None if even a 99.9% fall (or a 1000-fold rise) is not.
    adequate
        ``power >= 0.8`` (None when ``power`` is None).
    """

    assumed_ratio: float | None
    power: float | None
    minimum_detectable_fall_pct: float | None
    minimum_detectable_rise_pct: float | None
    adequate: bool | None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON dict."""
        return {
            "assumed_ratio": _finite(self.assumed_ratio),
            "power": _finite(self.power),
            "minimum_detectable_fall_pct": _finite(self.minimum_detectable_fall_pct),
            "minimum_detectable_rise_pct": _finite(self.minimum_detectable_rise_pct),
            "adequate": self.adequate,
            "method": "normal approximation with continuity correction to the "
            f"one-sided {ALPHA:g} comparison of after shares (Fleiss); power target "
            f"{POWER_TARGET:g}",
        }


def power_of_ratio(
    target_before: float, control_before: float, control_after: float, ratio: float
) -> float:
    """Approximate power of the one-sided 5% test for a true ratio ``ratio``.

    Parameters
    ----------
    target_before, control_before, control_after
        Expected T0, C0, C1 (all > 0).
    ratio
        The true ratio of rate ratios θ (> 0).

    Returns
    -------
    float
        The power, in [0, 1] (the module docstring gives the formula).
    """
    t1 = target_before * control_after / control_before * ratio
    n_t, n_c = target_before + t1, control_before + control_after
    p_t, p_c = t1 / n_t, control_after / n_c
    pooled = (t1 + control_after) / (n_t + n_c)
    inv = 1.0 / n_t + 1.0 / n_c
    spread = math.sqrt(p_t * (1 - p_t) / n_t + p_c * (1 - p_c) / n_c)
    if spread == 0:
        return 1.0
    gap = abs(p_c - p_t) - 0.5 * inv - _Z * math.sqrt(pooled * (1 - pooled) * inv)
    return 0.5 * math.erfc(-gap / spread / math.sqrt(2.0))  # Φ(gap / spread)


def _detectable(t0: int, c0: int, c1: int, *, fall: bool) -> float | None:
    """The θ nearest 1 with power 0.8 in one direction."""
    far = math.log(_FAR) if fall else -math.log(_FAR)

    def f(log_theta: float) -> float:
        return power_of_ratio(t0, c0, c1, math.exp(log_theta)) - POWER_TARGET

    if f(far) < 0:
        return None
    near = -1e-9 if fall else 1e-9
    return math.exp(optimize.brentq(f, far, near, xtol=1e-6))


def comparison_power(
    target_before: int,
    control_before: int,
    control_after: int,
    *,
    ratio: float | None,
) -> PowerResult:
    """Power of the background comparison, and the minimum detectable change.

    Parameters
    ----------
    target_before, control_before, control_after
        T0, C0 and C1, taken as the expected counts (the season is the control's).
    ratio
        The ratio of rate ratios to find the power for (normally the observed one);
        no power is given when it is None, 0, 1 or ∞.

    Returns
    -------
    PowerResult

    Examples
    --------
    >>> r = comparison_power(26, 260, 182, ratio=0.3)
    >>> r.adequate, round(r.minimum_detectable_fall_pct)
    (True, 67)
    """
    if min(target_before, control_before, control_after) <= 0:
        return PowerResult(ratio, None, None, None, None)
    fall = _detectable(target_before, control_before, control_after, fall=True)
    rise = _detectable(target_before, control_before, control_after, fall=False)
    power = None
    if ratio is not None and math.isfinite(ratio) and ratio > 0 and ratio != 1:
        power = power_of_ratio(target_before, control_before, control_after, ratio)
    return PowerResult(
        assumed_ratio=ratio,
        power=power,
        minimum_detectable_fall_pct=None if fall is None else 100.0 * (1.0 - fall),
        minimum_detectable_rise_pct=None if rise is None else 100.0 * (rise - 1.0),
        adequate=None if power is None else power >= POWER_TARGET,
    )
