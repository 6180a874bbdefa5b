"""The concentration curve and index (Kakwani et al. 1997) and the generalised Gini.

References
----------
Kakwani, N., Wagstaff, A. & van Doorslaer, E. (1997). Socioeconomic inequalities in
health: measurement, computation, and statistical inference. *Journal of Econometrics*
77(1), 87-103.

Bernasco, W. & Steenbeek, W. (2017). More places than crimes: implications for
evaluating the law of crime concentration at place. *Journal of Quantitative
Criminology* 33(3), 451-467.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from geo.deprivation._common import FloatArray, IntArray, _percentile_ci
from geo.deprivation.results import GiniResult
from geo.errors import ParameterError

__all__ = ["RankCurve", "decile_index", "gini_coefficients", "rank_curve"]


def gini_coefficients(counts: npt.ArrayLike) -> GiniResult:
    """Standard and generalised (Bernasco & Steenbeek 2017) Gini of unit counts.

    Parameters
    ----------
    counts
        Non-negative incident counts, one per spatial unit (zeros included: they are
        units without incidents).

    Returns
    -------
    GiniResult
        Both coefficients are None when there are no units or no incidents.

    Raises
    ------
    ParameterError
        If a count is negative or not finite.

    Notes
    -----
    With counts sorted ascending, ``G = sum_i (2i - N - 1) x_(i) / (N C)`` (the mean
    absolute difference over twice the mean). When there are fewer incidents than
    units (C < N) even a perfectly even spread leaves N - C units at zero, so the
    generalised Gini measures against the line of maximal equality:
    ``G' = 1 - max(1, N/C) (1 - G)``. The optional small-sample factor
    ``min(N, C)/(min(N, C) - 1)`` of the authors' R package is not applied.

    References
    ----------
    Bernasco, W. & Steenbeek, W. (2017). More places than crimes. *Journal of
    Quantitative Criminology* 33(3), 451-467.

    Examples
    --------
    >>> g = gini_coefficients([5, 2, 1, 0, 0, 0, 0, 0, 0, 0])
    >>> round(g.gini, 6), round(g.gini_generalised, 6)
    (0.8, 0.75)
    """
    x = np.sort(np.asarray(counts, dtype=np.float64).ravel())
    if x.size and (not np.isfinite(x).all() or (x < 0).any()):
        msg = "`counts` must be finite and non-negative"
        raise ParameterError(msg, param="counts")
    n = int(x.size)
    total = float(x.sum())
    if n == 0 or total <= 0:
        return GiniResult(None, None, n, total)
    i = np.arange(1, n + 1, dtype=np.float64)
    g = float(np.sum((2 * i - n - 1) * x) / (n * total))
    g_prime = 1.0 - max(1.0, n / total) * (1.0 - g)
    return GiniResult(g, g_prime, n, total)


def _curve_groups(key: IntArray, pop: IntArray) -> tuple[IntArray, IntArray]:
    """Curve-group id of each zone (ordered most deprived first) and each group's key.

    Zones with equal ``key`` form one group; zero-population groups are merged into
    the adjacent more deprived group (the next one if they lead).
    """
    ukeys, inv = np.unique(key, return_inverse=True)
    gpop = np.bincount(inv, weights=pop, minlength=len(ukeys))
    gid = np.cumsum(gpop > 0) - 1
    gid[gid < 0] = 0
    zone_gid = gid[inv].astype(np.int64)
    n_groups = int(gid.max()) + 1 if len(gid) else 0
    # representative key of a merged group: the largest (least deprived) key in it
    rep = np.zeros(n_groups, dtype=np.int64)
    np.maximum.at(rep, gid, ukeys.astype(np.int64))
    return zone_gid, rep


def _index_from_shares(p_cum: FloatArray, l_cum: FloatArray) -> FloatArray:
    """``1 - sum (P_t - P_{t-1})(L_t + L_{t-1})`` along the last axis (origin included)."""
    dp = np.diff(p_cum)
    ls = l_cum[..., 1:] + l_cum[..., :-1]
    return np.asarray(1.0 - np.sum(dp * ls, axis=-1), dtype=np.float64)


@dataclass(frozen=True)
class RankCurve:
    """The concentration curve over data zones ranked by SIMD rank.

    Attributes
    ----------
    points
        ``(simd_rank, cum_population_share, cum_incident_share)`` from most to least
        deprived; the first is the origin with rank None.
    p_cum, l_cum
        The cumulative shares as arrays (origin included).
    index, index_ci
        Kakwani C (C < 0: concentrated in deprived zones) and its bootstrap CI.
    """

    points: tuple[tuple[int | None, float, float], ...]
    p_cum: FloatArray
    l_cum: FloatArray
    index: float
    index_ci: tuple[float, float] | None


def rank_curve(
    rank: IntArray, pop: IntArray, counts: IntArray, boot: IntArray | None
) -> RankCurve | None:
    """The curve and index of ``counts`` over zones ranked by ``rank``.

    Parameters
    ----------
    rank, pop, counts
        SIMD rank, population and incident count of each data zone.
    boot
        Bootstrap zone counts ``(n_boot, n_zones)`` for the index CI, or None.

    Returns
    -------
    RankCurve or None
        None without incidents or population.
    """
    m = int(counts.sum())
    total_pop = int(pop.sum())
    if m <= 0 or total_pop <= 0:
        return None
    gid, rep = _curve_groups(rank, pop)
    n_g = len(rep)
    p_cum = np.r_[0.0, np.cumsum(np.bincount(gid, weights=pop, minlength=n_g))]
    p_cum /= total_pop
    l_cum = np.r_[0.0, np.cumsum(np.bincount(gid, weights=counts, minlength=n_g))]
    l_cum /= m
    p_cum[-1] = l_cum[-1] = 1.0
    c_index = float(_index_from_shares(p_cum, l_cum))
    points = zip(rep, p_cum[1:], l_cum[1:], strict=True)
    curve = (
        (None, 0.0, 0.0),
        *((int(r), float(p), float(s)) for r, p, s in points),
    )
    c_ci = None
    if boot is not None:
        n_boot = boot.shape[0]
        order = np.argsort(gid, kind="stable")
        starts = np.searchsorted(gid[order], np.arange(n_g))
        gboot = np.add.reduceat(boot[:, order], starts, axis=1)
        lb = np.cumsum(gboot, axis=1) / m
        lb = np.concatenate([np.zeros((n_boot, 1)), lb], axis=1)
        c_ci = _percentile_ci(_index_from_shares(p_cum, lb))
    return RankCurve(curve, p_cum, l_cum, c_index, c_ci)


def decile_index(decile: IntArray, pop: IntArray, counts: IntArray) -> float | None:
    """Kakwani C computed on decile groups instead of data zones (None if undefined)."""
    m = int(counts.sum())
    total_pop = int(pop.sum())
    if m <= 0 or total_pop <= 0:
        return None
    gid_d, rep_d = _curve_groups(decile, pop)
    n_d = len(rep_d)
    pd_cum = np.r_[0.0, np.cumsum(np.bincount(gid_d, weights=pop, minlength=n_d))]
    ld_cum = np.r_[0.0, np.cumsum(np.bincount(gid_d, weights=counts, minlength=n_d))]
    return float(_index_from_shares(pd_cum / total_pop, ld_cum / m))
