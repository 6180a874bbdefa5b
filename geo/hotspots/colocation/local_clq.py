"""Local co-location quotient (Wang et al. 2017) and its mean over a set of points."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.spatial import cKDTree

from geo.errors import ParameterError, TooFewIncidentsError
from geo.hotspots.colocation._base import (
    CHUNK_CELLS,
    CMP_RTOL,
    LCLQ_K,
    PERMUTATIONS,
    FloatArray,
    IntArray,
    check_k,
    check_labels,
    check_permutations,
    check_xy,
    codes_of,
    expected_share,
    local_weights,
    p_values,
    prepare,
    require_defined,
)
from geo.hotspots.colocation.results import LocalClqResult, MeanLocalClqResult

__all__ = ["local_clq", "mean_local_clq", "mean_local_clq_sets"]


def local_clq(
    xy: npt.ArrayLike,
    labels: npt.ArrayLike | Sequence[Any],
    a: Any,
    b: Any,
    *,
    k: int = LCLQ_K,
    permutations: int = PERMUTATIONS,
    seed: int | None = 0,
) -> LocalClqResult:
    """Local co-location quotient LCLQ_Ai→B of every point of category A.

    Parameters
    ----------
    xy, labels
        Point coordinates (n, 2) in planar metres, and one category label per point.
    a, b
        Categories (A→B); ``a == b`` is allowed.
    k
        Nearest OTHER points per neighbourhood (plus ties at the k-th distance, which
        is the Gaussian kernel's adaptive bandwidth). Default 10 (module notes).
    permutations
        R conditional permutations per point (point i and its label fixed, the other
        N - 1 labels shuffled); 0 skips the test. Default 999.
    seed
        Random seed.

    Returns
    -------
    LocalClqResult

    Raises
    ------
    TooFewIncidentsError
        When the CLQ is undefined or there are fewer than k + 1 points.

    References
    ----------
    Wang, Hu, Wang & Li (2017), *The Professional Geographer* 69(1), 22-31.

    Examples
    --------
    >>> xy = [[x, 0.0] for x in (0, 1, 2, 4, 5, 6, 9, 10, 12, 14)]
    >>> res = local_clq(xy, list("ABABABACBA"), "A", "B", k=3, permutations=0)
    >>> [round(float(v), 5) for v in res.lclq]
    [1.44227, 1.59877, 1.70378, 1.26418, 0.92074]
    """
    pts, codes, n_a, n_b, same = prepare(xy, labels, a, b)
    n = pts.shape[0]
    permutations = check_permutations(permutations)
    k = check_k(k, n)
    focal = np.flatnonzero(codes == 1).astype(np.int64)
    w, bandwidth, sizes = local_weights(pts, focal, k)
    f = (codes == (1 if same else 2)).astype(np.float64)
    share = expected_share(n, n_a, n_b, same)
    lclq = np.asarray(w @ f, dtype=np.float64) / share
    p_att: FloatArray | None = None
    p_avo: FloatArray | None = None
    if permutations:
        p_att, p_avo = _conditional_p_values(
            w, focal, sizes, f, lclq, share, n, permutations, seed
        )
    return LocalClqResult(
        a=str(a),
        b=str(b),
        k=k,
        index=focal,
        lclq=lclq,
        bandwidth=bandwidth,
        n_neighbours=sizes,
        p_attraction=p_att,
        p_avoidance=p_avo,
        n=n,
        n_a=n_a,
        n_b=n_b,
        permutations=permutations,
    )


def _conditional_p_values(
    w: sp.csr_matrix,
    focal: IntArray,
    sizes: IntArray,
    f: FloatArray,
    lclq: FloatArray,
    share: float,
    n: int,
    permutations: int,
    seed: int | None,
) -> tuple[FloatArray, FloatArray]:
    """Conditional permutation p-values of every focal point (shared draws, as esda)."""
    rng = np.random.default_rng(seed)
    max_n = int(sizes.max())
    # shared draws: for every replicate, max_n distinct positions among N - 1
    draws = np.empty((permutations, max_n), dtype=np.int64)
    for r in range(permutations):
        draws[r] = rng.choice(n - 1, size=max_n, replace=False)
    ge = np.zeros(focal.size, dtype=np.int64)
    le = np.zeros(focal.size, dtype=np.int64)
    indptr = w.indptr
    data = w.data
    # process focal points grouped by neighbourhood size (vectorised per group)
    for size in np.unique(sizes).tolist():
        rows = np.flatnonzero(sizes == size)
        wt = data[indptr[rows][:, None] + np.arange(size)]  # (rows, size)
        step = max(1, CHUNK_CELLS // max(1, permutations * size))
        for s0 in range(0, rows.size, step):
            sub = rows[s0 : s0 + step]
            pos = draws[None, :, :size]  # (1, R, size)
            j = pos + (pos >= focal[sub][:, None, None])  # skip the focal point
            sim = (f[j] * wt[s0 : s0 + step][:, None, :]).sum(axis=2) / share
            obs = lclq[sub][:, None]
            tol = CMP_RTOL * np.maximum(np.abs(obs), 1e-300)
            ge[sub] = np.count_nonzero(sim >= obs - tol, axis=1)
            le[sub] = np.count_nonzero(sim <= obs + tol, axis=1)
    return (ge + 1) / (permutations + 1), (le + 1) / (permutations + 1)


def mean_local_clq(
    xy: npt.ArrayLike,
    labels: npt.ArrayLike | Sequence[Any],
    a: Any,
    b: Any,
    *,
    members: npt.ArrayLike,
    k: int = LCLQ_K,
    permutations: int = PERMUTATIONS,
    seed: int | None = 0,
    tree: cKDTree | None = None,
) -> MeanLocalClqResult:
    """Mean local CLQ A→B over the A points among ``members``, with a permutation test.

    Parameters
    ----------
    xy, labels, a, b, k
        As in :func:`local_clq`; the neighbourhoods use every point of ``xy``.
    members
        Positions of the points of the set (e.g. a hotspot's incidents); those labelled
        A are the focal points.
    permutations
        R random relabellings of ALL points (category counts kept, locations fixed, as
        for the global CLQ); in each, the statistic is the mean LCLQ of the members
        that then carry label A. Relabellings that leave no member with label A are
        skipped (p-values use the number kept). 0 skips the test.
    seed
        Random seed.
    tree
        An optional prebuilt :class:`scipy.spatial.cKDTree` of ``xy`` (reused across
        calls on the same points).

    Returns
    -------
    MeanLocalClqResult

    Raises
    ------
    TooFewIncidentsError
        When the CLQ is undefined, the set has no A point, or N < k + 1.

    Notes
    -----
    Under random labelling every LCLQ has expectation 1, so the mean reads like a CLQ
    (> 1 attraction, < 1 avoidance). The measure is asymmetric: in a hotspot with as
    many fire as police incidents, in a window where police are 80 % of incidents,
    police→fire is high (fire share 0.5 against 0.2) and fire→police below 1 (police
    share 0.5 against 0.8). Relabelling all points (not only the non-members) keeps the
    dependence between the overlapping neighbourhoods of the members in the null.
    Only the labels on the members and their neighbours matter, so each relabelling
    draws just those as a random sample, without replacement, of the N labels.
    """
    return mean_local_clq_sets(
        xy,
        labels,
        a,
        b,
        member_sets=[members],
        k=k,
        permutations=permutations,
        seeds=[seed],
        tree=tree,
    )[0]


def mean_local_clq_sets(
    xy: npt.ArrayLike,
    labels: npt.ArrayLike | Sequence[Any],
    a: Any,
    b: Any,
    *,
    member_sets: Sequence[npt.ArrayLike],
    k: int = LCLQ_K,
    permutations: int = PERMUTATIONS,
    seeds: Sequence[int | None] | None = None,
    tree: cKDTree | None = None,
) -> list[MeanLocalClqResult]:
    """:func:`mean_local_clq` for several member sets (e.g. every hotspot) at once.

    The checks, label coding and k-d tree are shared, which matters with many sets
    over a large window. ``seeds`` gives one seed per set (default 0 for every set);
    result ``i`` equals ``mean_local_clq(..., members=member_sets[i], seed=seeds[i])``.
    """
    pts = check_xy(xy)
    n = pts.shape[0]
    lab = check_labels(labels, n)
    permutations = check_permutations(permutations)
    same = a == b
    codes = codes_of(lab, a, b)
    n_a = int(np.count_nonzero(codes == 1))
    n_b = n_a if same else int(np.count_nonzero(codes == 2))
    require_defined(n, n_a, n_b, a, b, same)
    k = check_k(k, n)
    if seeds is None:
        seeds = [0] * len(member_sets)
    if len(seeds) != len(member_sets):
        msg = "`seeds` must give one seed per member set"
        raise ParameterError(msg, param="seeds")
    if tree is None:
        tree = cKDTree(pts)
    return [
        _mean_local_one(
            pts, codes, a, b, n_a, n_b, members, k, permutations, seed, tree
        )
        for members, seed in zip(member_sets, seeds, strict=True)
    ]


def _mean_local_one(
    pts: FloatArray,
    codes: npt.NDArray[np.int8],
    a: Any,
    b: Any,
    n_a: int,
    n_b: int,
    members: npt.ArrayLike,
    k: int,
    permutations: int,
    seed: int | None,
    tree: cKDTree,
) -> MeanLocalClqResult:
    n = pts.shape[0]
    same = a == b
    mem = np.unique(np.asarray(members, dtype=np.int64))
    if mem.size and (mem[0] < 0 or mem[-1] >= n):
        msg = f"`members` must be positions in 0..{n - 1}"
        raise ParameterError(msg, param="members")
    is_focal = codes[mem] == 1
    if not is_focal.any():
        msg = f"`members` holds no point with label {a!r}"
        raise TooFewIncidentsError(msg, param="members")
    b_code = 1 if same else 2
    w, _, _ = local_weights(pts, mem, k, tree)
    share = expected_share(n, n_a, n_b, same)
    f = (codes == b_code).astype(np.float64)
    lclq = np.asarray(w @ f, dtype=np.float64) / share
    obs = float(lclq[is_focal].mean())
    p_att: float | None = None
    p_avo: float | None = None
    if permutations:
        # the points whose labels matter: members and their neighbours
        used = np.union1d(mem, w.indices)
        local_cols = np.searchsorted(used, w.indices)
        w_loc = sp.csr_matrix(
            (w.data, local_cols, w.indptr), shape=(mem.size, used.size)
        )
        mem_loc = np.searchsorted(used, mem)
        rng = np.random.default_rng(seed)
        sims = np.empty(permutations, dtype=np.float64)
        chunk = max(1, CHUNK_CELLS // max(1, used.size + mem.size))
        for s0 in range(0, permutations, chunk):
            r = min(chunk, permutations - s0)
            pos = np.stack(
                [rng.choice(n, size=used.size, replace=False) for _ in range(r)]
            )
            lab_r = codes[pos]  # (r, |used|): a random sample of the N labels
            fb = (lab_r == b_code).astype(np.float64)
            vals = np.asarray(w_loc @ fb.T).T / share  # (r, |members|)
            focal_r = lab_r[:, mem_loc] == 1
            n_focal_r = focal_r.sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                sims[s0 : s0 + r] = (vals * focal_r).sum(axis=1) / n_focal_r
        valid = sims[np.isfinite(sims)]
        if valid.size:
            p_att, p_avo = p_values(obs, valid, int(valid.size))
    return MeanLocalClqResult(
        a=str(a),
        b=str(b),
        k=k,
        mean_lclq=obs,
        p_attraction=p_att,
        p_avoidance=p_avo,
        n_focal=int(is_focal.sum()),
        n=n,
        n_a=n_a,
        n_b=n_b,
        permutations=permutations,
    )
