"""Shared checks, label coding and neighbourhoods of the co-location quotients."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
from scipy.spatial import cKDTree

from geo.errors import ParameterError, TooFewIncidentsError

PERMUTATIONS = 999
TIE_RTOL = 1e-9
LCLQ_K = 10
CMP_RTOL = 1e-9  # tolerance when comparing permuted statistics with the observed one
CHUNK_CELLS = 4_000_000  # permutation work is done in chunks of about this many cells
MAX_EXACT = 200_000  # arrangements allowed in exact enumeration

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def check_xy(xy: npt.ArrayLike) -> FloatArray:
    arr = np.asarray(xy, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 2:
        msg = f"`xy` must have shape (n, 2), got {arr.shape}"
        raise ParameterError(msg, param="xy")
    if not np.isfinite(arr).all():
        msg = "`xy` has missing or infinite coordinates"
        raise ParameterError(msg, param="xy")
    return arr


def check_labels(labels: npt.ArrayLike | Sequence[Any], n: int) -> npt.NDArray[Any]:
    lab = np.asarray(labels, dtype=object)
    if lab.shape != (n,):
        msg = f"`labels` must have one label per point ({n}), got shape {lab.shape}"
        raise ParameterError(msg, param="labels")
    return lab


def check_permutations(permutations: int) -> int:
    if isinstance(permutations, bool) or not isinstance(permutations, int | np.integer):
        msg = f"`permutations` must be an integer, got {permutations!r}"
        raise ParameterError(msg, param="permutations")
    if permutations < 0:
        msg = f"`permutations` must be >= 0, got {permutations}"
        raise ParameterError(msg, param="permutations")
    return int(permutations)


def codes_of(lab: npt.NDArray[Any], a: Any, b: Any) -> npt.NDArray[np.int8]:
    """0 = other, 1 = A, 2 = B (when A == B every A point is coded 1)."""
    fac, uniques = pd.factorize(lab, use_na_sentinel=False)  # hashing, not == per item
    table = np.zeros(len(uniques), dtype=np.int8)
    for u, value in enumerate(uniques):
        if value == a:
            table[u] = 1
        elif value == b:
            table[u] = 2
    return table[fac]


def expected_share(n: int, n_a: int, n_b: int, same: bool) -> float:
    """N'_B / (N - 1)."""
    nb_prime = n_a - 1 if same else n_b
    return nb_prime / (n - 1)


def require_defined(n: int, n_a: int, n_b: int, a: Any, b: Any, same: bool) -> None:
    if n < 2:
        msg = f"the CLQ needs at least 2 points, got {n}"
        raise TooFewIncidentsError(msg, param="xy")
    if n_a == 0:
        msg = f"the CLQ is undefined: no point has label `a` = {a!r}"
        raise TooFewIncidentsError(msg, param="a")
    if same and n_a < 2:
        msg = f"the CLQ {a!r}→{a!r} needs at least 2 points of that label"
        raise TooFewIncidentsError(msg, param="a")
    if not same and n_b == 0:
        msg = f"the CLQ is undefined: no point has label `b` = {b!r}"
        raise TooFewIncidentsError(msg, param="b")


def p_values(
    obs: float, sims: FloatArray, permutations: int
) -> tuple[float | None, float | None]:
    if permutations == 0:
        return None, None
    tol = CMP_RTOL * max(abs(obs), 1e-300)
    ge = int(np.count_nonzero(sims >= obs - tol))
    le = int(np.count_nonzero(sims <= obs + tol))
    return (ge + 1) / (permutations + 1), (le + 1) / (permutations + 1)


def tied_nearest(
    tree: cKDTree, pts: FloatArray, query_idx: IntArray, k_first: int
) -> tuple[IntArray, IntArray, FloatArray]:
    """All tree points within the tie radius of ``query_idx``'s k-th nearest OTHER point.

    Returns CSR-like ``(indptr, indices, radius)`` over the queried rows; the queried
    point itself is excluded. Requires the tree's points to be unique when ``k_first``
    is counted in points (the caller handles multiplicities).
    """
    n_tree = tree.n
    q = pts[query_idx]
    kq = min(n_tree, k_first + 4)
    dist, idx = tree.query(q, k=kq)
    dist = np.asarray(dist, dtype=np.float64).reshape(len(query_idx), kq)
    idx = np.asarray(idx, dtype=np.int64).reshape(len(query_idx), kq)
    # the k-th nearest other point is the (k+1)-th smallest distance including self
    radius = dist[:, k_first] * (1.0 + TIE_RTOL)
    within = dist <= radius[:, None]
    complete = within.sum(axis=1) < kq  # the tie set ended inside the query
    if kq == n_tree:
        complete[:] = True
    row_len = np.zeros(len(query_idx), dtype=np.int64)
    keep = within & (idx != query_idx[:, None])
    c_rows = np.flatnonzero(complete)
    row_len[c_rows] = keep[c_rows].sum(axis=1)
    incomplete = np.flatnonzero(~complete)
    extra = _tie_balls(tree, q, query_idx, radius, incomplete)
    if incomplete.size:
        row_len[incomplete] = extra[0]
    indptr = np.zeros(len(query_idx) + 1, dtype=np.int64)
    np.cumsum(row_len, out=indptr[1:])
    indices = np.empty(int(indptr[-1]), dtype=np.int64)
    if c_rows.size:
        sub_keep = keep[c_rows]
        sub_idx = idx[c_rows]
        # row-major flattening keeps the rows in order
        flat = sub_idx[sub_keep]
        starts = indptr[c_rows]
        lens = row_len[c_rows]
        pos = np.repeat(starts - np.concatenate(([0], np.cumsum(lens)[:-1])), lens)
        indices[pos + np.arange(flat.size)] = flat
    if incomplete.size:
        lens = extra[0]
        offs = np.arange(extra[1].size) - np.repeat(np.cumsum(lens) - lens, lens)
        indices[np.repeat(indptr[incomplete], lens) + offs] = extra[1]
    return indptr, indices, radius


def _tie_balls(
    tree: cKDTree,
    q: FloatArray,
    query_idx: IntArray,
    radius: FloatArray,
    rows: IntArray,
) -> tuple[IntArray, IntArray]:
    """For ``rows`` whose tie set outran the k-nearest query: the sorted ball members
    (self excluded), as per-row lengths and the concatenated members. Rows at the same
    location share one ball query (coincident points have the same tie radius)."""
    if rows.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    uq, first, uinv = np.unique(q[rows], axis=0, return_index=True, return_inverse=True)
    uinv = uinv.reshape(-1)
    balls = tree.query_ball_point(uq, r=radius[rows][first], return_sorted=True)
    lens_u = np.fromiter((len(b) for b in balls), dtype=np.int64, count=len(balls))
    flat_u = np.concatenate([np.asarray(b, dtype=np.int64) for b in balls])
    starts_u = np.cumsum(lens_u) - lens_u
    full = lens_u[uinv]
    gather = np.repeat(starts_u[uinv], full) + (
        np.arange(int(full.sum())) - np.repeat(np.cumsum(full) - full, full)
    )
    vals = flat_u[gather]
    keep = vals != np.repeat(query_idx[rows], full)
    lens = np.bincount(np.repeat(np.arange(rows.size), full)[keep], minlength=rows.size)
    return lens.astype(np.int64), vals[keep]


def check_k(k: int, n: int) -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        msg = f"`k` must be a positive integer, got {k!r}"
        raise ParameterError(msg, param="k")
    if k > n - 1:
        msg = f"`k` = {k} needs at least k + 1 = {k + 1} points, got {n}"
        raise TooFewIncidentsError(msg, param="k")
    return int(k)


def local_weights(
    pts: FloatArray, focal: IntArray, k: int, tree: cKDTree | None = None
) -> tuple[sp.csr_matrix, FloatArray, IntArray]:
    """Row-normalised Gaussian adaptive weights (|focal| x N), bandwidths, sizes."""
    if tree is None:
        tree = cKDTree(pts)
    indptr, indices, radius = tied_nearest(tree, pts, focal, k)
    bandwidth = radius / (1.0 + TIE_RTOL)
    lens = np.diff(indptr)
    rows = np.repeat(np.arange(focal.size, dtype=np.int64), lens)
    d2 = ((pts[indices] - pts[focal[rows]]) ** 2).sum(axis=1)
    b2 = np.repeat(bandwidth, lens) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(b2 > 0, np.exp(-0.5 * d2 / np.where(b2 > 0, b2, 1.0)), 1.0)
    sums = np.add.reduceat(w, indptr[:-1]) if w.size else np.zeros(focal.size)
    w = w / np.repeat(sums, lens)
    mat = sp.csr_matrix((w, indices, indptr), shape=(focal.size, pts.shape[0]))
    return mat, bandwidth, lens.astype(np.int64)


def prepare(
    xy: npt.ArrayLike, labels: npt.ArrayLike | Sequence[Any], a: Any, b: Any
) -> tuple[FloatArray, npt.NDArray[np.int8], int, int, bool]:
    """Checked points, label codes, N_A, N_B and whether A == B (CLQ defined)."""
    pts = check_xy(xy)
    n = pts.shape[0]
    codes = codes_of(check_labels(labels, n), a, b)
    same = a == b
    n_a = int(np.count_nonzero(codes == 1))
    n_b = n_a if same else int(np.count_nonzero(codes == 2))
    require_defined(n, n_a, n_b, a, b, same)
    return pts, codes, n_a, n_b, same
