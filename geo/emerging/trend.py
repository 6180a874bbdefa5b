"""The Mann-Kendall trend test of each location's series (vectorised over locations)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import erfc

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class MannKendallResult:
    """Mann-Kendall trend statistics, one per series.

    Attributes
    ----------
    s
        ``S = Σ_{i<j} sign(x_j − x_i)``.
    var_s
        ``Var S = [n(n−1)(2n+5) − Σ_g t_g(t_g−1)(2t_g+5)]/18`` (ties in the values).
    z
        ``S / sqrt(Var S)`` (no continuity correction, as scipy's asymptotic Kendall
        tau test); 0 where ``Var S = 0``; NaN where the series has a NaN.
    p
        Two-sided normal p of ``z``.
    tau
        Kendall's tau-a ``S / (n(n−1)/2)``.
    """

    s: FloatArray
    var_s: FloatArray
    z: FloatArray
    p: FloatArray
    tau: FloatArray


def mann_kendall(series: npt.ArrayLike) -> MannKendallResult:
    """Mann-Kendall test of a monotonic trend in each row of ``series``.

    Parameters
    ----------
    series
        ``N × T`` (or a single length-``T`` series), oldest first.

    Returns
    -------
    MannKendallResult
        Arrays of length ``N``. With no ties, ``z`` and ``p`` equal
        ``scipy.stats.kendalltau(range(T), x, method="asymptotic")``.

    References
    ----------
    Mann, H.B. (1945). Nonparametric tests against trend. *Econometrica* 13, 245-259.
    Kendall, M.G. (1975). *Rank Correlation Methods*. Griffin.
    """
    x = np.atleast_2d(np.asarray(series, dtype=np.float64))
    rows = max(1, 2_000_000 // max(x.shape[1] ** 2, 1))
    if x.shape[0] > rows:  # bound the N × T × T work arrays
        parts = [mann_kendall(x[i : i + rows]) for i in range(0, x.shape[0], rows)]
        return MannKendallResult(
            *(np.concatenate([getattr(r, f) for r in parts]) for f in ("s", "var_s", "z", "p", "tau"))
        )
    n = x.shape[1]
    bad = np.isnan(x).any(axis=1)
    xf = np.where(np.isnan(x), 0.0, x)
    diff = xf[:, None, :] - xf[:, :, None]  # [.., i, j] = x_j − x_i
    upper = np.triu(np.ones((n, n), dtype=bool), k=1)
    s = np.sign(diff[:, upper]).sum(axis=1)
    same = (xf[:, :, None] == xf[:, None, :]).sum(axis=2).astype(np.float64)  # group size
    ties = ((same - 1.0) * (2.0 * same + 5.0)).sum(axis=1)  # Σ_g t(t−1)(2t+5)
    var_s = (n * (n - 1) * (2 * n + 5) - ties) / 18.0
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(var_s > 0, s / np.sqrt(var_s), 0.0)
    z = np.where(bad, np.nan, z)
    p = erfc(np.abs(z) / math.sqrt(2.0))
    tau = np.where(bad, np.nan, s / (n * (n - 1) / 2.0)) if n > 1 else np.full(len(s), np.nan)
    return MannKendallResult(
        s=np.where(bad, np.nan, s), var_s=var_s, z=z, p=p, tau=tau
    )
