"""Fixed-radius neighbourhoods on a grid, in compiled loops, without pair lists.

The density steps (DBSCAN's core counts, the places' local counts, the links between
core locations) need, for every location, the points within a radius ``r``. Listing the
pairs (``cKDTree.query_pairs``) costs 16 bytes a pair: a million distinct locations at a
150 m radius are some 600 million pairs, more memory than the service has. Here the
points are sorted into square cells of side ``r`` (so every point within ``r`` is in one
of the 3 x 3 cells around), and each kernel walks those cells, keeping O(N) memory.

A pair is within ``r`` when ``dx * dx + dy * dy <= r * r``, the comparison of
``cKDTree`` with ``eps = 0``; the tests compare the results with ``cKDTree`` and
scikit-learn.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from geo.hotspots._common import FloatArray, IntArray
from geo.patterns._jit import njit

__all__ = [
    "ball_weights",
    "min_label_within",
    "near_label_sums",
    "radius_components",
    "warm_up",
]

_PAD = 1.0 + 1e-9  # cell side a hair above r: a pair within r is never two cells apart


class _Grid:
    """Points sorted by cell; per occupied cell its 3 x 3 neighbourhood of cells."""

    def __init__(self, pts: FloatArray, r: float) -> None:
        side = max(float(r), 1e-9) * _PAD
        lo = pts.min(axis=0) if pts.shape[0] else np.zeros(2)
        c = np.floor((pts - lo) / side).astype(np.int64)
        ny = int(c[:, 1].max()) + 3 if pts.shape[0] else 3
        key = (c[:, 0] + 1) * ny + (c[:, 1] + 1)
        self.order = np.argsort(key, kind="stable")
        skey = key[self.order]
        self.keys, self.start = np.unique(skey, return_index=True)
        self.start = np.append(self.start, skey.size).astype(np.int64)
        offs = np.array([dx * ny + dy for dx in (-1, 0, 1) for dy in (-1, 0, 1)])
        want = self.keys[:, None] + offs[None, :]
        pos = np.searchsorted(self.keys, want)
        pos_c = np.minimum(pos, max(self.keys.size - 1, 0))
        hit = (pos < self.keys.size) & (self.keys[pos_c] == want)
        self.nbr = np.where(hit, pos_c, -1).astype(np.int64)
        self.pts = np.ascontiguousarray(pts[self.order], dtype=np.float64)

    def back(self, sorted_values: FloatArray | IntArray) -> FloatArray | IntArray:
        """Values in the grid's order back in the points' order."""
        out = np.empty_like(sorted_values)
        out[self.order] = sorted_values
        return out


@njit(cache=True, nogil=True)  # type: ignore[misc]
def _weights_kernel(pts, w, query, start, nbr, r2, out):  # type: ignore[no-untyped-def]
    n_cells = start.size - 1
    for c in range(n_cells):
        for i in range(start[c], start[c + 1]):
            if not query[i]:
                continue
            xi, yi = pts[i, 0], pts[i, 1]
            s = 0.0
            for t in range(9):
                d = nbr[c, t]
                if d < 0:
                    continue
                for j in range(start[d], start[d + 1]):
                    dx = xi - pts[j, 0]
                    dy = yi - pts[j, 1]
                    if dx * dx + dy * dy <= r2:
                        s += w[j]
            out[i] = s


def ball_weights(
    pts: FloatArray,
    weights: FloatArray,
    r: float,
    query: npt.NDArray[np.bool_] | None = None,
) -> FloatArray:
    """Per point, the sum of ``weights`` over the points within ``r`` (itself included);
    only for the ``query`` points when given (0 elsewhere).

    Examples
    --------
    >>> ball_weights(np.array([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0]]), np.ones(3), 1.0)
    array([2., 2., 1.])
    """
    g = _Grid(pts, r)
    n = pts.shape[0]
    out = np.zeros(n, dtype=np.float64)
    w = np.ascontiguousarray(np.asarray(weights, dtype=np.float64)[g.order])
    q = np.ones(n, dtype=np.bool_) if query is None else np.asarray(query, np.bool_)
    _weights_kernel(g.pts, w, q[g.order], g.start, g.nbr, float(r) ** 2, out)
    return np.asarray(g.back(out), dtype=np.float64)


@njit(cache=True, nogil=True)  # type: ignore[misc]
def _find(parent, i):  # type: ignore[no-untyped-def]
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


@njit(cache=True, nogil=True)  # type: ignore[misc]
def _components_kernel(pts, use, start, nbr, r2, parent):  # type: ignore[no-untyped-def]
    n_cells = start.size - 1
    for c in range(n_cells):
        for i in range(start[c], start[c + 1]):
            if not use[i]:
                continue
            xi, yi = pts[i, 0], pts[i, 1]
            for t in range(4, 9):  # this cell and the cells after it: each pair once
                d = nbr[c, t]
                if d < 0:
                    continue
                j0 = i + 1 if d == c else start[d]
                for j in range(j0, start[d + 1]):
                    if not use[j]:
                        continue
                    dx = xi - pts[j, 0]
                    dy = yi - pts[j, 1]
                    if dx * dx + dy * dy <= r2:
                        a = _find(parent, i)
                        b = _find(parent, j)
                        if a != b:
                            if a < b:
                                parent[b] = a
                            else:
                                parent[a] = b
    for i in range(parent.size):
        parent[i] = _find(parent, i)


def radius_components(
    pts: FloatArray, r: float, use: npt.NDArray[np.bool_] | None = None
) -> IntArray:
    """Connected components of the points (``use`` only) linked when within ``r``.

    Returns a component id per point: the smallest index of a point in its component
    (every point left out by ``use`` is its own component).

    Examples
    --------
    >>> radius_components(np.array([[0.0, 0.0], [5.0, 0.0], [1.0, 0.0]]), 1.0)
    array([0, 1, 0])
    """
    n = pts.shape[0]
    g = _Grid(pts, r)
    mask = (
        np.ones(n, dtype=np.bool_) if use is None else np.asarray(use, dtype=np.bool_)
    )
    parent = np.arange(n, dtype=np.int64)
    # `nbr` columns run over (dx, dy) in (-1, 0, 1)^2: column 4 is the cell itself and
    # 5..8 are the mirror images of 0..3, so walking 4..8 meets every pair once
    _components_kernel(g.pts, mask[g.order], g.start, g.nbr, float(r) ** 2, parent)
    comp = np.empty(n, dtype=np.int64)
    comp[g.order] = g.order[parent]  # each point's root, as an original index
    smallest = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(smallest, comp, np.arange(n, dtype=np.int64))
    return smallest[comp]


@njit(cache=True, nogil=True)  # type: ignore[misc]
def _min_label_kernel(pts, lab, query, start, nbr, r2, out):  # type: ignore[no-untyped-def]
    n_cells = start.size - 1
    for c in range(n_cells):
        for i in range(start[c], start[c + 1]):
            if not query[i]:
                continue
            xi, yi = pts[i, 0], pts[i, 1]
            best = out[i]
            for t in range(9):
                d = nbr[c, t]
                if d < 0:
                    continue
                for j in range(start[d], start[d + 1]):
                    if lab[j] >= best:
                        continue
                    dx = xi - pts[j, 0]
                    dy = yi - pts[j, 1]
                    if dx * dx + dy * dy <= r2:
                        best = lab[j]
            out[i] = best


def min_label_within(
    pts: FloatArray, labels: IntArray, query: npt.NDArray[np.bool_], r: float
) -> IntArray:
    """For each ``query`` point, the smallest ``labels`` value (``>= 0``) of a point
    within ``r`` (itself included); ``-1`` where none (and for non-query points).

    Examples
    --------
    >>> pts = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, 0.0], [9.0, 0.0]])
    >>> min_label_within(pts, np.array([3, 1, -1, -1]), np.array([0, 0, 1, 1], bool), 1.0)
    array([-1, -1,  1, -1])
    """
    big = np.iinfo(np.int64).max
    g = _Grid(pts, r)
    lab = np.where(labels >= 0, labels, big).astype(np.int64)[g.order]
    out = np.full(pts.shape[0], big, dtype=np.int64)
    q = np.asarray(query, dtype=np.bool_)[g.order]
    _min_label_kernel(g.pts, lab, q, g.start, g.nbr, float(r) ** 2, out)
    res = np.asarray(g.back(out))
    return np.where(np.asarray(query, dtype=np.bool_) & (res < big), res, -1)


@njit(cache=True, nogil=True)  # type: ignore[misc]
def near_label_sums(indptr, indices, data, lab, p_out, f_out):  # type: ignore[no-untyped-def]
    """Add each CSR row's weights over the columns labelled 1 (to ``p_out``) and 2
    (to ``f_out``), for every labelling (column of ``lab``), in the order of the row."""
    reps = lab.shape[1]
    zero = np.float32(0.0)
    for i in range(indptr.size - 1):
        p_row = p_out[i]
        f_row = f_out[i]
        for jj in range(indptr[i], indptr[i + 1]):
            row = lab[indices[jj]]
            a = data[jj]
            for r in range(reps):  # adding 0 where the label differs: same bits
                c = row[r]
                p_row[r] += a if c == 1 else zero
                f_row[r] += a if c == 2 else zero


def warm_up() -> None:
    """Load the compiled kernels (numba's first call in a process costs ~0.5 s): for a
    server to call at start so that the first request does not pay it."""
    pts = np.array([[0.0, 0.0], [1.0, 0.0], [5.0, 0.0]])
    ball_weights(pts, np.ones(3), 1.0)
    radius_components(pts, 1.0)
    min_label_within(pts, np.array([0, -1, -1]), np.ones(3, dtype=bool), 1.0)
    out = np.zeros((1, 1), dtype=np.float32)
    one = np.zeros(2, dtype=np.int64)
    one[1] = 1
    near_label_sums(
        one,
        np.zeros(1, np.int64),
        np.ones(1, np.float32),
        np.ones((1, 1), np.int8),
        out,
        out.copy(),
    )

