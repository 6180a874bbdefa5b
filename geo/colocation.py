"""Co-location quotients (CLQ): global nearest-neighbour CLQ and local CLQ.

The co-location quotient measures whether points of category A (e.g. fire incidents)
have points of category B (e.g. police incidents) nearby more often than a random
labelling of the same locations would give. CLQ > 1 means attraction, CLQ < 1
avoidance; it is asymmetric (A→B ≠ B→A). Formulas, choices and worked examples are in
METHODS.md §3.

Global CLQ (Leslie & Kronenfeld 2011)::

    CLQ_A→B = (C_A→B / N_A) / (N'_B / (N - 1)),  N'_B = N_B if A != B else N_A - 1
    C_A→B   = sum_{i in A} sum_j f_ij / nn_i

where ``nn_i`` is the number of points tied at i's nearest-neighbour distance (j != i)
and ``f_ij = 1`` if tied neighbour j is in B: tied neighbours share i's single vote.

Local CLQ (Wang et al. 2017)::

    LCLQ_Ai→B = N_Ai→B / (N'_B / (N - 1)),  N_Ai→B = sum_{j!=i} w_ij f_j / sum_{j!=i} w_ij
    w_ij = exp(-0.5 d_ij^2 / b_i^2) for j among i's neighbours, else 0

The neighbours of i are its ``k`` nearest OTHER points plus every point tied at the k-th
distance; the adaptive bandwidth ``b_i`` is the k-th nearest distance; the point itself
is excluded. If ``b_i = 0`` (k or more coincident points) every neighbour (all at
distance 0) gets weight 1.

Choices
-------
- Distance ties use a relative tolerance of ``1e-9`` (``d <= d_ref * (1 + 1e-9)``).
  Coincident points (distance 0) are ordinary ties. Police and fire records at one
  address inflate the CLQ, so results report how many points are coincident.
- Only the labels ``a`` and ``b`` matter; every other label is "other" but still counts
  in N and in the neighbourhoods, so fix the category set per request.
- Significance is by permutation, conditional on the locations. Global: shuffle all
  labels over the fixed locations (category counts kept). Local: fix point i and its
  label and shuffle the other N - 1 labels (conditional randomisation; as in esda the
  same random draws are reused for every focal point, which keeps each point's test
  exact but correlates the p-values of different points). Attraction
  ``p = (#{CLQ* >= obs} + 1) / (R + 1)``, avoidance counts ``<=``; comparisons allow a
  relative 1e-9 so float round-off never decides a tie.
- :func:`mean_local_clq` summarises a set of points (a hotspot) by the mean LCLQ of its
  A points; its null relabels ALL points at random (as for the global CLQ), so the
  dependence between overlapping neighbourhoods stays in the null and the mean has
  expectation 1 under it.
- The default ``k = 10`` for the local CLQ is our choice (a neighbourhood of about ten
  incidents, local at the scale of a street-level hotspot); it is a request parameter.
- Exact enumeration (:func:`exact_global_clq`, :func:`exact_local_clq`) runs over the
  distinct arrangements of the labels A / B / other, for tiny N (tests).

Implementation: :class:`scipy.spatial.cKDTree`. The global statistic works on unique
locations (duplicates collapsed with multiplicities), so thousands of records at one
address cost nothing extra; permutations are vectorised in chunks.

References
----------
Leslie, T.F. & Kronenfeld, B.J. (2011). The colocation quotient: a new measure of
spatial association between categorical subsets of points. *Geographical Analysis*
43(3), 306-326.

Cromley, R.G., Hanink, D.M. & Bentlage, G.C. (2014). Geographically weighted colocation
quotients: specification and application. *The Professional Geographer* 66(1), 138-148.

Wang, F., Hu, Y., Wang, S. & Li, X. (2017). Local indicator of colocation quotient with
a statistical significance test: examining spatial association of crime and facilities.
*The Professional Geographer* 69(1), 22-31.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
from scipy.spatial import cKDTree

from geo.errors import ParameterError, TooFewIncidentsError, TooLargeError

__all__ = [
    "LCLQ_K",
    "PERMUTATIONS",
    "TIE_RTOL",
    "ClqResult",
    "ExactGlobalClq",
    "ExactLocalClq",
    "LocalClqResult",
    "MeanLocalClqResult",
    "exact_global_clq",
    "exact_local_clq",
    "global_clq",
    "global_clq_pair",
    "local_clq",
    "mean_local_clq",
    "mean_local_clq_sets",
]

PERMUTATIONS = 999
TIE_RTOL = 1e-9
LCLQ_K = 10
_CMP_RTOL = 1e-9  # tolerance when comparing permuted statistics with the observed one
_CHUNK_CELLS = 4_000_000  # permutation work is done in chunks of about this many cells
_MAX_EXACT = 200_000  # arrangements allowed in exact enumeration

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ClqResult:
    """Global co-location quotient A→B with permutation p-values.

    Attributes
    ----------
    a, b
        The category labels (A→B).
    clq
        The observed global CLQ.
    p_attraction
        ``(#{CLQ* >= clq} + 1) / (R + 1)``; ``None`` when ``permutations == 0``.
    p_avoidance
        ``(#{CLQ* <= clq} + 1) / (R + 1)``; ``None`` when ``permutations == 0``.
    n, n_a, n_b
        Number of points in total, of category A and of category B.
    n_coincident
        Points sharing their exact location with at least one other point.
    n_coincident_ab
        Points of A or B at a location that holds both an A and a (different) B point;
        such records (e.g. police and fire at one address) inflate the CLQ.
    permutations
        R, the number of random relabellings.
    """

    a: str
    b: str
    clq: float
    p_attraction: float | None
    p_avoidance: float | None
    n: int
    n_a: int
    n_b: int
    n_coincident: int
    n_coincident_ab: int
    permutations: int

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable dictionary."""
        return {
            "a": self.a,
            "b": self.b,
            "clq": _finite_or_none(self.clq),
            "p_attraction": self.p_attraction,
            "p_avoidance": self.p_avoidance,
            "n": self.n,
            "n_a": self.n_a,
            "n_b": self.n_b,
            "n_coincident": self.n_coincident,
            "n_coincident_ab": self.n_coincident_ab,
            "permutations": self.permutations,
        }


@dataclass(frozen=True, eq=False)
class LocalClqResult:
    """Local co-location quotients LCLQ_Ai→B of every point of category A.

    Attributes
    ----------
    a, b, k
        Categories and the number of nearest neighbours.
    index
        Positions (0-based, into the input) of the A points, ascending.
    lclq
        LCLQ of each A point.
    bandwidth
        The adaptive bandwidth b_i (distance to the k-th nearest other point).
    n_neighbours
        Neighbours of each point (k, or more when there are ties at the k-th distance).
    p_attraction, p_avoidance
        Conditional permutation p-values (``None`` when ``permutations == 0``).
    n, n_a, n_b, permutations
        Counts and R.
    """

    a: str
    b: str
    k: int
    index: IntArray
    lclq: FloatArray
    bandwidth: FloatArray
    n_neighbours: IntArray
    p_attraction: FloatArray | None
    p_avoidance: FloatArray | None
    n: int
    n_a: int
    n_b: int
    permutations: int


@dataclass(frozen=True)
class MeanLocalClqResult:
    """Mean local CLQ A→B over a set of A points (e.g. the A incidents of a hotspot).

    Attributes
    ----------
    a, b, k
        Categories and the number of nearest neighbours of the local CLQ.
    mean_lclq
        Mean of LCLQ_Ai→B over the focal points.
    p_attraction, p_avoidance
        Permutation p-values: the focal points keep their labels and the other
        N - |S| labels are shuffled (``None`` when ``permutations == 0``).
    n_focal
        Number of focal points |S|.
    n, n_a, n_b, permutations
        Counts over the whole point set, and R.
    """

    a: str
    b: str
    k: int
    mean_lclq: float
    p_attraction: float | None
    p_avoidance: float | None
    n_focal: int
    n: int
    n_a: int
    n_b: int
    permutations: int

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable dictionary."""
        return {
            "a": self.a,
            "b": self.b,
            "k": self.k,
            "mean_lclq": _finite_or_none(self.mean_lclq),
            "p_attraction": self.p_attraction,
            "p_avoidance": self.p_avoidance,
            "n_focal": self.n_focal,
            "n": self.n,
            "n_a": self.n_a,
            "n_b": self.n_b,
            "permutations": self.permutations,
        }


@dataclass(frozen=True)
class ExactGlobalClq:
    """Exact null distribution of the global CLQ A→B over all distinct labellings.

    Attributes
    ----------
    clq
        The observed CLQ.
    n_arrangements
        Number of distinct arrangements of the labels A / B / other.
    counts
        ``{clq value (rounded to 12 decimals): number of arrangements}``, sorted.
    p_attraction, p_avoidance
        Exact ``P(CLQ >= obs)`` and ``P(CLQ <= obs)`` as fractions.
    """

    clq: float
    n_arrangements: int
    counts: dict[float, int]
    p_attraction: Fraction
    p_avoidance: Fraction


@dataclass(frozen=True)
class ExactLocalClq:
    """Exact conditional test of the local CLQ of every A point.

    Attributes
    ----------
    index, lclq
        As in :class:`LocalClqResult`.
    n_arrangements
        Arrangements of the other N - 1 labels (A / B / other) per point.
    count_ge, count_le
        Arrangements with LCLQ >= (<=) the observed value, per point.
    p_attraction, p_avoidance
        ``count_ge / n_arrangements`` and ``count_le / n_arrangements`` as fractions.
    """

    index: tuple[int, ...]
    lclq: tuple[float, ...]
    n_arrangements: int
    count_ge: tuple[int, ...]
    count_le: tuple[int, ...]
    p_attraction: tuple[Fraction, ...]
    p_avoidance: tuple[Fraction, ...]


# ----------------------------------------------------------------------------- helpers


def _finite_or_none(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _check_xy(xy: npt.ArrayLike) -> FloatArray:
    arr = np.asarray(xy, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 2:
        msg = f"`xy` must have shape (n, 2), got {arr.shape}"
        raise ParameterError(msg, param="xy")
    if not np.isfinite(arr).all():
        msg = "`xy` has missing or infinite coordinates"
        raise ParameterError(msg, param="xy")
    return arr


def _check_labels(labels: npt.ArrayLike | Sequence[Any], n: int) -> npt.NDArray[Any]:
    lab = np.asarray(labels, dtype=object)
    if lab.shape != (n,):
        msg = f"`labels` must have one label per point ({n}), got shape {lab.shape}"
        raise ParameterError(msg, param="labels")
    return lab


def _check_permutations(permutations: int) -> int:
    if isinstance(permutations, bool) or not isinstance(permutations, int | np.integer):
        msg = f"`permutations` must be an integer, got {permutations!r}"
        raise ParameterError(msg, param="permutations")
    if permutations < 0:
        msg = f"`permutations` must be >= 0, got {permutations}"
        raise ParameterError(msg, param="permutations")
    return int(permutations)


def _codes(lab: npt.NDArray[Any], a: Any, b: Any) -> npt.NDArray[np.int8]:
    """0 = other, 1 = A, 2 = B (when A == B every A point is coded 1)."""
    fac, uniques = pd.factorize(lab, use_na_sentinel=False)  # hashing, not == per item
    table = np.zeros(len(uniques), dtype=np.int8)
    for u, value in enumerate(uniques):
        if value == a:
            table[u] = 1
        elif value == b:
            table[u] = 2
    return table[fac]


def _expected_share(n: int, n_a: int, n_b: int, same: bool) -> float:
    """N'_B / (N - 1)."""
    nb_prime = n_a - 1 if same else n_b
    return nb_prime / (n - 1)


def _require_defined(n: int, n_a: int, n_b: int, a: Any, b: Any, same: bool) -> None:
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


def _p_values(
    obs: float, sims: FloatArray, permutations: int
) -> tuple[float | None, float | None]:
    if permutations == 0:
        return None, None
    tol = _CMP_RTOL * max(abs(obs), 1e-300)
    ge = int(np.count_nonzero(sims >= obs - tol))
    le = int(np.count_nonzero(sims <= obs + tol))
    return (ge + 1) / (permutations + 1), (le + 1) / (permutations + 1)


def collapse_locations(xy: FloatArray) -> tuple[FloatArray, IntArray, IntArray]:
    """Collapse exactly identical coordinates to unique locations.

    Returns ``(unique_xy, inverse, multiplicity)`` with the unique locations in
    first-occurrence order (not sorted), so ``unique_xy[inverse]`` equals ``xy`` and a
    location's number is the rank of its first appearance. Near-duplicates (any
    difference at all) stay separate.
    """
    frame = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1]})
    inv = frame.groupby(["x", "y"], sort=False).ngroup().to_numpy(np.int64)
    _, first = np.unique(inv, return_index=True)
    mult = np.bincount(inv, minlength=first.size).astype(np.int64)
    return xy[first], inv, mult


def _tied_nearest(
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
    extra: dict[int, IntArray] = {}
    if incomplete.size:
        balls = tree.query_ball_point(q[incomplete], r=radius[incomplete])
        for r, ball in zip(incomplete.tolist(), balls, strict=True):
            arr = np.asarray(ball, dtype=np.int64)
            arr = np.sort(arr[arr != query_idx[r]])
            extra[r] = arr
            row_len[r] = arr.size
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
    for r, arr in extra.items():
        indices[indptr[r] : indptr[r + 1]] = arr
    return indptr, indices, radius


# ----------------------------------------------------------------------------- global


@dataclass(frozen=True)
class _GlobalStructure:
    inv: IntArray  # point -> location
    mult: IntArray  # multiplicity per location
    dup: npt.NDArray[np.bool_]  # location holds >= 2 points
    inv_m1: FloatArray  # 1 / (m - 1) for those locations
    # singleton location u -> each tied nearest other location v, weight 1 / nn_u
    # (nn_u = number of points at the tied locations)
    s_matrix: sp.csr_matrix


def _global_structure(xy: FloatArray) -> _GlobalStructure:
    loc, inv, mult = collapse_locations(xy)
    n_loc = loc.shape[0]
    dup = mult >= 2
    single = np.flatnonzero(~dup).astype(np.int64)
    if single.size and n_loc >= 2:
        tree = cKDTree(loc)
        indptr, indices, _ = _tied_nearest(tree, loc, single, 1)
        lens = np.diff(indptr)
        nn = np.add.reduceat(mult[indices], indptr[:-1]) if indices.size else lens
        nn = nn.astype(np.float64)
        data = np.repeat(1.0 / nn, lens)
        rows = np.repeat(single, lens)
        s_matrix = sp.csr_matrix((data, (rows, indices)), shape=(n_loc, n_loc))
    else:
        s_matrix = sp.csr_matrix((n_loc, n_loc), dtype=np.float64)
    inv_m1 = 1.0 / (mult[dup] - 1).astype(np.float64)
    return _GlobalStructure(
        inv=inv, mult=mult, dup=dup, inv_m1=inv_m1, s_matrix=s_matrix
    )


def _location_counts(
    st: _GlobalStructure, codes: npt.NDArray[np.int8]
) -> tuple[FloatArray, FloatArray]:
    """Per-location counts of A (code 1) and B (code 2)."""
    n_loc = st.mult.shape[0]
    a_u = np.bincount(st.inv[codes == 1], minlength=n_loc).astype(np.float64)
    b_u = np.bincount(st.inv[codes == 2], minlength=n_loc).astype(np.float64)
    return a_u, b_u


def _dot(x: FloatArray, y: FloatArray) -> float:
    # einsum, not BLAS: a threaded BLAS dot is erratic on a loaded 2-core machine
    return float(np.einsum("i,i->", x, y))


def _clq_counts(
    st: _GlobalStructure, a_u: FloatArray, b_u: FloatArray, same: bool
) -> tuple[float, float]:
    """C_A→B and C_B→A from per-location counts.

    A point at a location holding m >= 2 points has the other m - 1 points there as its
    tied nearest neighbours; a point alone at its location shares its vote among the
    points at the tied nearest other locations (``s_matrix``). When ``same`` the B
    counts are the A counts and a point never counts itself.
    """
    dup = st.dup
    c_ab = c_ba = 0.0
    if st.inv_m1.size:
        a_d = a_u[dup]
        if same:
            c_ab += _dot(a_d * (a_d - 1.0), st.inv_m1)
        else:
            both = _dot(a_d * b_u[dup], st.inv_m1)
            c_ab += both
            c_ba += both
    if st.s_matrix.nnz:
        if same:
            c_ab += _dot(a_u, st.s_matrix @ a_u)
        else:
            c_ab += _dot(a_u, st.s_matrix @ b_u)
            c_ba += _dot(b_u, st.s_matrix @ a_u)
    return c_ab, c_ba


def _permuted_stats(
    rng: np.random.Generator,
    st: _GlobalStructure,
    n_a: int,
    n_b: int,
    same: bool,
    permutations: int,
) -> tuple[FloatArray, FloatArray]:
    """C_A→B and C_B→A under ``permutations`` random relabellings.

    A random relabelling that keeps the category counts puts the A labels on a
    uniformly random set of n_a points and the B labels on a random n_b of the rest, so
    only those positions are drawn (or only the smaller set when there is no third
    category, the other set then being its complement).
    """
    n = st.inv.shape[0]
    n_loc = st.mult.shape[0]
    mult = st.mult.astype(np.float64)
    n_sets = n_a if same else n_a + n_b
    out_ab = np.empty(permutations, dtype=np.float64)
    out_ba = np.empty(permutations, dtype=np.float64)
    for q in range(permutations):
        if same or n_sets < n:
            pos = rng.choice(n, size=n_sets, replace=False)
            a_u = np.bincount(st.inv[pos[:n_a]], minlength=n_loc).astype(np.float64)
            b_u = (
                a_u
                if same
                else np.bincount(st.inv[pos[n_a:]], minlength=n_loc).astype(np.float64)
            )
        elif n_a <= n_b:
            pos = rng.choice(n, size=n_a, replace=False)
            a_u = np.bincount(st.inv[pos], minlength=n_loc).astype(np.float64)
            b_u = mult - a_u
        else:
            pos = rng.choice(n, size=n_b, replace=False)
            b_u = np.bincount(st.inv[pos], minlength=n_loc).astype(np.float64)
            a_u = mult - b_u
        out_ab[q], out_ba[q] = _clq_counts(st, a_u, b_u, same)
    return out_ab, out_ba


def _coincidence(st: _GlobalStructure, codes: npt.NDArray[np.int8]) -> tuple[int, int]:
    n_loc = st.mult.shape[0]
    n_coincident = int(st.mult[st.dup].sum())
    a_u = np.bincount(st.inv[codes == 1], minlength=n_loc)
    b_u = np.bincount(st.inv[codes == 2], minlength=n_loc)
    both = (a_u > 0) & (b_u > 0)
    return n_coincident, int((a_u + b_u)[both].sum())


def _global_pair(
    xy: npt.ArrayLike,
    labels: npt.ArrayLike | Sequence[Any],
    a: Any,
    b: Any,
    permutations: int,
    seed: int | None,
) -> tuple[ClqResult, ClqResult | None]:
    pts = _check_xy(xy)
    n = pts.shape[0]
    lab = _check_labels(labels, n)
    permutations = _check_permutations(permutations)
    same = a == b
    codes = _codes(lab, a, b)
    n_a = int(np.count_nonzero(codes == 1))
    n_b = n_a if same else int(np.count_nonzero(codes == 2))
    _require_defined(n, n_a, n_b, a, b, same)
    st = _global_structure(pts)
    scale_ab = n_a * _expected_share(n, n_a, n_b, same)
    scale_ba = n_b * _expected_share(n, n_b, n_a, same)
    a_u, b_u = _location_counts(st, codes)
    c_ab, c_ba = _clq_counts(st, a_u, a_u if same else b_u, same)
    obs_ab, obs_ba = c_ab / scale_ab, c_ba / scale_ba
    sims_ab = np.empty(0, dtype=np.float64)
    sims_ba = np.empty(0, dtype=np.float64)
    if permutations:
        rng = np.random.default_rng(seed)
        sims_ab, sims_ba = _permuted_stats(rng, st, n_a, n_b, same, permutations)
        sims_ab /= scale_ab
        sims_ba /= scale_ba
    n_coincident, n_coincident_ab = _coincidence(st, codes)
    if same:
        n_coincident_ab = 0
    p_att, p_avo = _p_values(obs_ab, sims_ab, permutations)
    ab = ClqResult(
        a=str(a),
        b=str(b),
        clq=obs_ab,
        p_attraction=p_att,
        p_avoidance=p_avo,
        n=n,
        n_a=n_a,
        n_b=n_b,
        n_coincident=n_coincident,
        n_coincident_ab=n_coincident_ab,
        permutations=permutations,
    )
    if same:
        return ab, None
    p_att, p_avo = _p_values(obs_ba, sims_ba, permutations)
    ba = ClqResult(
        a=str(b),
        b=str(a),
        clq=obs_ba,
        p_attraction=p_att,
        p_avoidance=p_avo,
        n=n,
        n_a=n_b,
        n_b=n_a,
        n_coincident=n_coincident,
        n_coincident_ab=n_coincident_ab,
        permutations=permutations,
    )
    return ab, ba


def global_clq(
    xy: npt.ArrayLike,
    labels: npt.ArrayLike | Sequence[Any],
    a: Any,
    b: Any,
    *,
    permutations: int = PERMUTATIONS,
    seed: int | None = 0,
) -> ClqResult:
    """Global nearest-neighbour co-location quotient CLQ_A→B with permutation tests.

    Parameters
    ----------
    xy
        Point coordinates, shape (n, 2), planar metres.
    labels
        One category label per point (any hashable values).
    a, b
        The categories: CLQ_A→B asks whether A points have B points as nearest
        neighbours more often than chance. ``a == b`` gives the self CLQ.
    permutations
        R, the number of random relabellings (all labels shuffled over the fixed
        locations, category counts kept); 0 skips the test. Default 999.
    seed
        Seed of the random generator (deterministic by default).

    Returns
    -------
    ClqResult

    Raises
    ------
    TooFewIncidentsError
        When the CLQ is undefined (N < 2, N_A = 0, N_B = 0, or A == B with N_A < 2).
    ParameterError
        For malformed ``xy``, ``labels`` or ``permutations``.

    See Also
    --------
    global_clq_pair : both directions from the same permutations.

    Notes
    -----
    Ties at the nearest-neighbour distance (relative tolerance 1e-9, coincident points
    included) share the focal point's vote. The statistic is computed on the unique
    locations with multiplicities, which is exact. See METHODS.md §3.

    References
    ----------
    Leslie & Kronenfeld (2011), *Geographical Analysis* 43(3), 306-326.

    Examples
    --------
    >>> xy = [[x, 0.0] for x in (0, 1, 2, 4, 5, 6, 9, 10, 12, 14)]
    >>> labels = list("ABABABACBA")
    >>> round(global_clq(xy, labels, "A", "B", permutations=0).clq, 6)
    1.8
    """
    return _global_pair(xy, labels, a, b, permutations, seed)[0]


def global_clq_pair(
    xy: npt.ArrayLike,
    labels: npt.ArrayLike | Sequence[Any],
    a: Any,
    b: Any,
    *,
    permutations: int = PERMUTATIONS,
    seed: int | None = 0,
) -> tuple[ClqResult, ClqResult]:
    """Global CLQ in both directions, A→B and B→A, from the same relabellings.

    Parameters are as in :func:`global_clq`; ``a`` must differ from ``b``. The A→B
    result equals ``global_clq(xy, labels, a, b, ...)`` with the same seed.

    Returns
    -------
    tuple of ClqResult
        ``(A→B, B→A)``.
    """
    if a == b:
        msg = "`a` and `b` must differ for global_clq_pair"
        raise ParameterError(msg, param="b")
    ab, ba = _global_pair(xy, labels, a, b, permutations, seed)
    assert ba is not None
    return ab, ba


# ----------------------------------------------------------------------------- local


def _check_k(k: int, n: int) -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        msg = f"`k` must be a positive integer, got {k!r}"
        raise ParameterError(msg, param="k")
    if k > n - 1:
        msg = f"`k` = {k} needs at least k + 1 = {k + 1} points, got {n}"
        raise TooFewIncidentsError(msg, param="k")
    return int(k)


def _local_weights(
    pts: FloatArray, focal: IntArray, k: int, tree: cKDTree | None = None
) -> tuple[sp.csr_matrix, FloatArray, IntArray]:
    """Row-normalised Gaussian adaptive weights (|focal| x N), bandwidths, sizes."""
    if tree is None:
        tree = cKDTree(pts)
    indptr, indices, radius = _tied_nearest(tree, pts, focal, k)
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
    xy
        Point coordinates, shape (n, 2), planar metres.
    labels
        One category label per point.
    a, b
        Categories (A→B); ``a == b`` is allowed.
    k
        Number of nearest OTHER points in each neighbourhood (ties at the k-th distance
        are added); the k-th distance is the Gaussian kernel's adaptive bandwidth.
        Default 10 (our choice; see the module notes).
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
    pts = _check_xy(xy)
    n = pts.shape[0]
    lab = _check_labels(labels, n)
    permutations = _check_permutations(permutations)
    same = a == b
    codes = _codes(lab, a, b)
    n_a = int(np.count_nonzero(codes == 1))
    n_b = n_a if same else int(np.count_nonzero(codes == 2))
    _require_defined(n, n_a, n_b, a, b, same)
    k = _check_k(k, n)
    focal = np.flatnonzero(codes == 1).astype(np.int64)
    w, bandwidth, sizes = _local_weights(pts, focal, k)
    f = (codes == (1 if same else 2)).astype(np.float64)
    share = _expected_share(n, n_a, n_b, same)
    lclq = np.asarray(w @ f, dtype=np.float64) / share
    p_att: FloatArray | None = None
    p_avo: FloatArray | None = None
    if permutations:
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
            step = max(1, _CHUNK_CELLS // max(1, permutations * size))
            for s0 in range(0, rows.size, step):
                sub = rows[s0 : s0 + step]
                pos = draws[None, :, :size]  # (1, R, size)
                j = pos + (pos >= focal[sub][:, None, None])  # skip the focal point
                sim = (f[j] * wt[s0 : s0 + step][:, None, :]).sum(axis=2) / share
                obs = lclq[sub][:, None]
                tol = _CMP_RTOL * np.maximum(np.abs(obs), 1e-300)
                ge[sub] = np.count_nonzero(sim >= obs - tol, axis=1)
                le[sub] = np.count_nonzero(sim <= obs + tol, axis=1)
        p_att = (ge + 1) / (permutations + 1)
        p_avo = (le + 1) / (permutations + 1)
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
    pts = _check_xy(xy)
    n = pts.shape[0]
    lab = _check_labels(labels, n)
    permutations = _check_permutations(permutations)
    same = a == b
    codes = _codes(lab, a, b)
    n_a = int(np.count_nonzero(codes == 1))
    n_b = n_a if same else int(np.count_nonzero(codes == 2))
    _require_defined(n, n_a, n_b, a, b, same)
    k = _check_k(k, n)
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
    w, _, _ = _local_weights(pts, mem, k, tree)
    share = _expected_share(n, n_a, n_b, same)
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
        chunk = max(1, _CHUNK_CELLS // max(1, used.size + mem.size))
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
            p_att, p_avo = _p_values(obs, valid, int(valid.size))
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


# ----------------------------------------------------------------------------- exact


def _n_arrangements(n: int, n_a: int, n_b: int, same: bool) -> int:
    if same:
        return math.comb(n, n_a)
    return math.comb(n, n_a) * math.comb(n - n_a, n_b)


def exact_global_clq(
    xy: npt.ArrayLike, labels: npt.ArrayLike | Sequence[Any], a: Any, b: Any
) -> ExactGlobalClq:
    """Exact null distribution of the global CLQ_A→B by enumeration (tiny N only).

    Every distinct arrangement of the labels A / B / other over the fixed locations is
    enumerated (``N! / (N_A! N_B! N_other!)`` of them), each equally likely under random
    labelling. All non-A, non-B labels are pooled as "other", which does not change the
    statistic or the p-values.

    Raises
    ------
    TooLargeError
        When there are more than 200,000 arrangements.
    """
    pts = _check_xy(xy)
    n = pts.shape[0]
    lab = _check_labels(labels, n)
    same = a == b
    codes = _codes(lab, a, b)
    n_a = int(np.count_nonzero(codes == 1))
    n_b = n_a if same else int(np.count_nonzero(codes == 2))
    _require_defined(n, n_a, n_b, a, b, same)
    total = _n_arrangements(n, n_a, n_b, same)
    if total > _MAX_EXACT:
        msg = f"exact enumeration of {total} arrangements is too large"
        raise TooLargeError(msg, param="xy")
    # a direct dense computation (independent of the collapsed-location code path)
    d = np.sqrt(((pts[:, None, :] - pts[None, :, :]) ** 2).sum(axis=2))
    np.fill_diagonal(d, np.inf)
    tied = d <= d.min(axis=1, keepdims=True) * (1.0 + TIE_RTOL)
    w_nn = tied / tied.sum(axis=1, keepdims=True)
    scale = n_a * _expected_share(n, n_a, n_b, same)
    arrangements = []
    positions = range(n)
    for a_pos in itertools.combinations(positions, n_a):
        taken = set(a_pos)
        rest = [p for p in positions if p not in taken]
        b_choices = [()] if same else itertools.combinations(rest, n_b)
        for b_pos in b_choices:
            c = np.zeros(n, dtype=np.int8)
            c[list(a_pos)] = 1
            c[list(b_pos)] = 2
            arrangements.append(c)
    arr = np.stack([codes, *arrangements])
    in_a = (arr == 1).astype(np.float64)
    in_b = in_a if same else (arr == 2).astype(np.float64)
    values_all = np.einsum("ri,ij,rj->r", in_a, w_nn, in_b) / scale
    obs, values = float(values_all[0]), values_all[1:]
    tol = _CMP_RTOL * max(abs(obs), 1e-300)
    ge = int(np.count_nonzero(values >= obs - tol))
    le = int(np.count_nonzero(values <= obs + tol))
    counts = Counter(round(float(v), 12) for v in values)
    return ExactGlobalClq(
        clq=obs,
        n_arrangements=total,
        counts=dict(sorted(counts.items())),
        p_attraction=Fraction(ge, total),
        p_avoidance=Fraction(le, total),
    )


def exact_local_clq(
    xy: npt.ArrayLike,
    labels: npt.ArrayLike | Sequence[Any],
    a: Any,
    b: Any,
    *,
    k: int = LCLQ_K,
) -> ExactLocalClq:
    """Exact conditional test of the local CLQ_Ai→B of every A point (tiny N only).

    For each A point the other N - 1 labels are arranged in every distinct way
    (A / B / other), ``(N-1)! / ((N_A-1)! N_B! N_other!)`` arrangements when A != B.
    The LCLQ only depends on where the B labels go, so each placement of the B labels
    is counted with the number of ways to place the remaining A labels.

    Raises
    ------
    TooLargeError
        When there are more than 200,000 arrangements.
    """
    pts = _check_xy(xy)
    n = pts.shape[0]
    lab = _check_labels(labels, n)
    same = a == b
    codes = _codes(lab, a, b)
    n_a = int(np.count_nonzero(codes == 1))
    n_b = n_a if same else int(np.count_nonzero(codes == 2))
    _require_defined(n, n_a, n_b, a, b, same)
    k = _check_k(k, n)
    focal = np.flatnonzero(codes == 1).astype(np.int64)
    w, _, _ = _local_weights(pts, focal, k)
    share = _expected_share(n, n_a, n_b, same)
    f = (codes == (1 if same else 2)).astype(np.float64)
    lclq = np.asarray(w @ f, dtype=np.float64) / share
    n_b_others = n_a - 1 if same else n_b  # B labels among the other points
    # ways to place the remaining labels once the B positions are fixed
    rest_ways = 1 if same else math.comb(n - 1 - n_b, n_a - 1)
    total = math.comb(n - 1, n_b_others) * rest_ways
    if total > _MAX_EXACT:
        msg = f"exact enumeration of {total} arrangements is too large"
        raise TooLargeError(msg, param="xy")
    count_ge: list[int] = []
    count_le: list[int] = []
    dense = w.toarray()
    for row, i in enumerate(focal.tolist()):
        others = [j for j in range(n) if j != i]
        vals = []
        for b_pos in itertools.combinations(others, n_b_others):
            fb = np.zeros(n)
            fb[list(b_pos)] = 1.0
            vals.append(float(dense[row] @ fb) / share)
        v = np.asarray(vals)
        obs = float(lclq[row])
        tol = _CMP_RTOL * max(abs(obs), 1e-300)
        count_ge.append(int(np.count_nonzero(v >= obs - tol)) * rest_ways)
        count_le.append(int(np.count_nonzero(v <= obs + tol)) * rest_ways)
    return ExactLocalClq(
        index=tuple(focal.tolist()),
        lclq=tuple(float(x) for x in lclq),
        n_arrangements=total,
        count_ge=tuple(count_ge),
        count_le=tuple(count_le),
        p_attraction=tuple(Fraction(c, total) for c in count_ge),
        p_avoidance=tuple(Fraction(c, total) for c in count_le),
    )
