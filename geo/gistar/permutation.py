"""Conditional-permutation inference for Gi* (Anselin 1995), seeded and vectorised."""

from __future__ import annotations

import numpy as np

from geo.gistar._types import BoolArray, FloatArray, IntArray


def _sample_subsets(
    rng: np.random.Generator, n_items: int, size: int, reps: int
) -> IntArray:
    """``reps`` uniform random ordered ``size``-subsets of ``range(n_items)``."""
    if size == 0:
        return np.empty((reps, 0), dtype=np.int64)
    if size * 4 > n_items:
        keys = rng.random((reps, n_items))
        return np.argsort(keys, axis=1)[:, :size].astype(np.int64)
    out = rng.integers(0, n_items, size=(reps, size), dtype=np.int64)
    while True:  # rejection: rows with a repeated index are redrawn (rare here)
        srt = np.sort(out, axis=1)
        bad = (np.diff(srt, axis=1) == 0).any(axis=1)
        if not bad.any():
            return out
        out[bad] = rng.integers(0, n_items, size=(int(bad.sum()), size), dtype=np.int64)


def permutation_p(
    y: FloatArray,
    lag_others: FloatArray,
    k: IntArray,
    valid: BoolArray,
    permutations: int,
    rng: np.random.Generator,
) -> FloatArray:
    """Two-sided conditional-permutation p of each unit's neighbour sum.

    For unit i the value ``y_i`` is held fixed and ``k_i`` of the other ``n − 1``
    values are drawn without replacement as its neighbours (Anselin 1995). Because
    ``xbar``, ``S`` and ``W_i`` do not change, comparing neighbour sums is comparing
    z-scores. As in esda, one set of random subsets is shared by all units (each
    unit's marginal null distribution is still exact).
    """
    n = y.size
    p = np.full(n, np.nan)
    kmax = int(k[valid].max()) if valid.any() else 0
    rids = _sample_subsets(rng, n - 1, kmax, permutations)
    scale = float(np.abs(y).max()) * max(kmax, 1)
    tol = 1e-9 * scale
    for kk in np.unique(k[valid]).tolist():
        cells = np.flatnonzero(valid & (k == kk))
        if kk == 0:  # an island: every draw equals the observation
            p[cells] = 1.0
            continue
        sub = rids[:, :kk]
        chunk = max(1, 4_000_000 // (permutations * kk))
        for start in range(0, cells.size, chunk):
            idx_i = cells[start : start + chunk]
            pick = sub[None, :, :] + (sub[None, :, :] >= idx_i[:, None, None])
            sims = y[pick].sum(axis=2)
            obs = lag_others[idx_i][:, None]
            ge = (sims >= obs - tol).sum(axis=1)
            le = (sims <= obs + tol).sum(axis=1)
            p[idx_i] = np.minimum(
                1.0, 2.0 * (np.minimum(ge, le) + 1.0) / (permutations + 1.0)
            )
    return p
