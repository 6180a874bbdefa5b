"""Difference-in-differences rate ratio of a target against a control (METHODS §10).

References
----------
Altman, D.G. & Bland, J.M. (2003). Interaction revisited: the difference between two
estimates. *BMJ* 326, 219.

Woolf, B. (1955). On estimating the relation between blood group and disease.
*Annals of Human Genetics* 19(4), 251-253.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from geo.evaluation._common import Z975, _count, _finite, _pair, _two_sided_normal_p

__all__ = ["DiDResult", "did_rate_ratio"]


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
    names = ("target_before", "target_after", "control_before", "control_after")
    values = (target_before, target_after, control_before, control_after)
    counts = [float(_count(v, nm)) for v, nm in zip(values, names, strict=True)]
    corrected = False
    if min(counts) == 0:
        if not zero_correction:
            return DiDResult(
                rate_ratio=None,
                log_rate_ratio=None,
                se_log=None,
                ci=None,
                z=None,
                p_value=None,
                haldane_corrected=False,
                reason="not estimable: a count is 0 (zero_correction=True adds 0.5 "
                "to all four counts)",
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
