"""Trend test of yearly counts: quasi-Poisson regression of count on year.

``log E[y_t] = a + b t`` fitted by maximum likelihood (statsmodels GLM, Poisson family,
log link), years equally long so no offset. The standard error of ``b`` is scaled by
``sqrt(phi)`` with ``phi = max(1, X2 / (n - 2))`` (Pearson chi-square over the residual
degrees of freedom): over-dispersed counts widen the test, under-dispersion never
narrows it. ``p`` is the two-sided Wald p of ``b`` on the normal. The yearly rate ratio
is ``exp(b)``. The test needs at least :data:`MIN_YEARS` years and some incidents.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

MIN_YEARS = 3
METHOD = "quasi-Poisson GLM of yearly counts on year (log link; Wald test, dispersion max(1, X2/df))"


@dataclass(frozen=True)
class TrendResult:
    """The trend of a series of yearly counts.

    Attributes
    ----------
    n_years
        Years in the series.
    tested
        False when there were too few years or no incidents (the figures are None).
    rate_ratio, rate_ratio_ci
        ``exp(b)``: the estimated change per year (1.10 = +10 % a year) and its 95 % CI.
    z, p_value
        The Wald statistic and its two-sided p.
    dispersion
        ``phi`` used to scale the standard error.
    direction
        ``"increase"``, ``"decrease"`` or ``"none"`` (p >= ``alpha``) or ``"untested"``.
    """

    n_years: int
    tested: bool
    rate_ratio: float | None
    rate_ratio_ci: tuple[float, float] | None
    z: float | None
    p_value: float | None
    dispersion: float | None
    direction: str


def count_trend(counts: npt.ArrayLike, *, alpha: float = 0.05) -> TrendResult:
    """Quasi-Poisson trend test of equally long yearly ``counts`` (oldest first).

    Parameters
    ----------
    counts
        Non-negative counts, one per year.
    alpha
        Significance level that decides ``direction``.

    Returns
    -------
    TrendResult
    """
    import statsmodels.api as sm

    y = np.asarray(counts, dtype=float)
    n = len(y)
    if n < MIN_YEARS or y.sum() <= 0 or np.count_nonzero(y) < 2:
        return TrendResult(n, False, None, None, None, None, None, "untested")
    x = sm.add_constant(np.arange(n, dtype=float))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = sm.GLM(y, x, family=sm.families.Poisson()).fit()
    b, se = float(fit.params[1]), float(fit.bse[1])
    phi = max(1.0, float(fit.pearson_chi2) / (n - 2)) if n > 2 else 1.0
    se *= float(np.sqrt(phi))
    if not np.isfinite(se) or se <= 0:
        return TrendResult(n, False, None, None, None, None, None, "untested")
    z = b / se
    p = float(2 * stats.norm.sf(abs(z)))
    q = float(stats.norm.ppf(0.975))
    direction = "none" if p >= alpha else ("increase" if b > 0 else "decrease")
    ci = (float(np.exp(b - q * se)), float(np.exp(b + q * se)))
    return TrendResult(n, True, float(np.exp(b)), ci, float(z), p, phi, direction)
