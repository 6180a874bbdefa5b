"""Global nearest-neighbour co-location quotient (Leslie & Kronenfeld 2011)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.spatial import cKDTree

from geo.errors import ParameterError
from geo.hotspots._common import collapse_locations
from geo.hotspots.colocation._base import (
    PERMUTATIONS,
    FloatArray,
    IntArray,
    check_labels,
    check_permutations,
    check_xy,
    codes_of,
    expected_share,
    p_values,
    require_defined,
    tied_nearest,
)
from geo.hotspots.colocation.results import ClqResult

__all__ = ["global_clq", "global_clq_pair"]


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
        indptr, indices, _ = tied_nearest(tree, loc, single, 1)
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
        elif n_a <= n_b:  # a uniform subset; its order does not matter here
            pos = rng.choice(n, size=n_a, replace=False, shuffle=False)
            a_u = np.bincount(st.inv[pos], minlength=n_loc).astype(np.float64)
            b_u = mult - a_u
        else:
            pos = rng.choice(n, size=n_b, replace=False, shuffle=False)
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
    pts = check_xy(xy)
    n = pts.shape[0]
    lab = check_labels(labels, n)
    permutations = check_permutations(permutations)
    same = a == b
    codes = codes_of(lab, a, b)
    n_a = int(np.count_nonzero(codes == 1))
    n_b = n_a if same else int(np.count_nonzero(codes == 2))
    require_defined(n, n_a, n_b, a, b, same)
    st = _global_structure(pts)
    scale_ab = n_a * expected_share(n, n_a, n_b, same)
    scale_ba = n_b * expected_share(n, n_b, n_a, same)
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
    p_att, p_avo = p_values(obs_ab, sims_ab, permutations)
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
    p_att, p_avo = p_values(obs_ba, sims_ba, permutations)
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
