"""Conditional-permutation inference for Gi* (Anselin 1995), seeded and vectorised."""

from __future__ import annotations

import numpy as np

from geo.gistar._types import BoolArray, FloatArray, IntArray


def _sample_subsets(
    rng: np.random.Generator, n_items: int, size: int, reps: int
) -> IntArray:
    """``reps`` uniform random ordered ``size``-subsets of ``range(n_items)``.

    Every prefix ``[:, :k]`` of the result is itself a uniform random ``k``-subset.
    """
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
) -> tuple[FloatArray, IntArray]:
    """Two-sided conditional-permutation p of each unit's neighbour sum, and its tail.

    For unit i the value ``y_i`` is held fixed and ``k_i`` of the other ``n − 1``
    values are drawn without replacement as its neighbours (Anselin 1995). Because
    ``xbar``, ``S`` and ``W_i`` do not change, comparing neighbour sums is comparing
    z-scores. As in esda, one set of random subsets is shared by all units (each
    unit's marginal null distribution is still exact).

    Returns
    -------
    (p, tail)
        ``p = min(1, 2·(min(#{sim >= obs}, #{sim <= obs}) + 1)/(R + 1))`` (NaN where
        not ``valid``) and the tail the observation lies in: +1 when fewer draws reach
        it from above than from below (a high neighbourhood), −1 for the opposite, 0
        when the two counts are equal.
    """
    n = y.size
    kmax = int(k[valid].max()) if valid.any() else 0
    rids = _sample_subsets(rng, n - 1, kmax, permutations)
    ge, le = _tail_counts(y, lag_others, k, valid, rids)
    p = np.full(n, np.nan)
    p[valid] = np.minimum(1.0, 2.0 * (np.minimum(ge, le)[valid] + 1.0) / (permutations + 1.0))
    p[valid & (k == 0)] = 1.0  # an island: every draw equals the observation
    tail = np.where(valid & (k > 0), np.sign(le - ge), 0).astype(np.int64)
    return p, tail


def _tail_counts(
    y: FloatArray, lag_others: FloatArray, k: IntArray, valid: BoolArray, rids: IntArray
) -> tuple[IntArray, IntArray]:
    """(#{sim >= obs}, #{sim <= obs}) of each unit over the shared random subsets.

    Unit i's "others" are ``y`` without ``y_i``: ``others_i[j] = y[j] + [j >= i]·d[j]``
    with ``d[j] = y[j+1] − y[j]``. So a draw's neighbour sum is
    ``Σ_m y[s_m] + Σ_{m: s_m >= i} d[s_m]``: a common part plus a suffix sum over the
    drawn indices, computed for every unit at once (``O(R·n)`` per neighbour count
    rather than ``O(R·n·k)`` gathers). Subsets for ``k`` are the first ``k`` columns
    of ``rids``, so each larger ``k`` adds columns to the previous one.
    """
    n = y.size
    reps = rids.shape[0]
    d = np.diff(y)
    tol = 1e-9 * float(np.abs(y).max()) * max(rids.shape[1], 1)
    ge = np.zeros(n, dtype=np.int64)
    le = np.zeros(n, dtype=np.int64)
    groups = [kk for kk in np.unique(k[valid]).tolist() if kk > 0]
    rows = max(1, 4_000_000 // max(n, 1))
    for r0 in range(0, reps, rows):
        sub = rids[r0 : r0 + rows]
        c = sub.shape[0]
        # column n − 1 − j holds d[j] where j is drawn (column 0, for i = n − 1, is 0),
        # so a running sum along the row is the suffix sum of each unit
        drawn = np.zeros((c, n), dtype=np.float64)
        base = np.zeros(c, dtype=np.float64)
        done = 0
        rr = np.arange(c)[:, None]
        for kk in groups:
            cols = sub[:, done:kk]
            drawn[rr, n - 1 - cols] = d[cols]
            base += y[cols].sum(axis=1)
            done = kk
            cells = np.flatnonzero(valid & (k == kk))
            if cells.size * kk < n:  # few units: gather their draws directly
                pick = sub[:, None, :kk] + (sub[:, None, :kk] >= cells[None, :, None])
                sims = y[pick].sum(axis=2)
            else:
                suffix = np.cumsum(drawn[:, : n - cells.min()], axis=1)
                sims = base[:, None] + suffix[:, n - 1 - cells]
            obs = lag_others[cells][None, :]
            ge[cells] += (sims >= obs - tol).sum(axis=0)
            le[cells] += (sims <= obs + tol).sum(axis=0)
    return ge, le


def total_permutation_p(
    y: FloatArray,
    lag: FloatArray,
    w_i: IntArray,
    valid: BoolArray,
    permutations: int,
    rng: np.random.Generator,
) -> tuple[FloatArray, IntArray]:
    """Two-sided *total* (unconditional) permutation p of each neighbourhood sum.

    All ``n`` values, the unit's own included, are shuffled: the null of unit i's
    neighbourhood sum (itself and its neighbours, ``W_i`` values) is the sum of ``W_i``
    values drawn without replacement from all ``n``. This is the randomisation under
    which Getis & Ord (1992) derive the moments of Gi*, so it is the permutation
    counterpart of the analytic z; unlike the conditional scheme it does not hold the
    unit's own count fixed (a lone very high zone can be a hot spot). One set of random
    subsets serves every unit, so a draw's sums for each ``W`` are prefix sums.
    """
    n = y.size
    p = np.full(n, np.nan)
    tail = np.zeros(n, dtype=np.int64)
    if not valid.any():
        return p, tail
    wmax = int(w_i[valid].max())
    rids = _sample_subsets(rng, n, wmax, permutations)
    prefix = np.cumsum(y[rids], axis=1)  # prefix[:, m - 1]: a random m-subset's sum
    tol = 1e-9 * float(np.abs(y).max()) * max(wmax, 1)
    for ww in np.unique(w_i[valid]).tolist():
        cells = np.flatnonzero(valid & (w_i == ww))
        sims = np.sort(prefix[:, ww - 1])
        obs = lag[cells]
        ge = permutations - np.searchsorted(sims, obs - tol, side="left")
        le = np.searchsorted(sims, obs + tol, side="right")
        p[cells] = np.minimum(1.0, 2.0 * (np.minimum(ge, le) + 1.0) / (permutations + 1.0))
        tail[cells] = np.sign(le - ge)
    return p, tail
