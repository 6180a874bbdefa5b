"""Exact null distributions of the global and local CLQ by enumeration (tiny N)."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from geo.errors import TooLargeError
from geo.hotspots.colocation._base import (
    CMP_RTOL,
    LCLQ_K,
    MAX_EXACT,
    TIE_RTOL,
    check_k,
    check_labels,
    check_xy,
    codes_of,
    expected_share,
    local_weights,
    require_defined,
)
from geo.hotspots.colocation.results import ExactGlobalClq, ExactLocalClq

__all__ = ["exact_global_clq", "exact_local_clq"]


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
    pts = check_xy(xy)
    n = pts.shape[0]
    lab = check_labels(labels, n)
    same = a == b
    codes = codes_of(lab, a, b)
    n_a = int(np.count_nonzero(codes == 1))
    n_b = n_a if same else int(np.count_nonzero(codes == 2))
    require_defined(n, n_a, n_b, a, b, same)
    total = _n_arrangements(n, n_a, n_b, same)
    if total > MAX_EXACT:
        msg = f"exact enumeration of {total} arrangements is too large"
        raise TooLargeError(msg, param="xy")
    # a direct dense computation (independent of the collapsed-location code path)
    d = np.sqrt(((pts[:, None, :] - pts[None, :, :]) ** 2).sum(axis=2))
    np.fill_diagonal(d, np.inf)
    tied = d <= d.min(axis=1, keepdims=True) * (1.0 + TIE_RTOL)
    w_nn = tied / tied.sum(axis=1, keepdims=True)
    scale = n_a * expected_share(n, n_a, n_b, same)
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
    tol = CMP_RTOL * max(abs(obs), 1e-300)
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
    pts = check_xy(xy)
    n = pts.shape[0]
    lab = check_labels(labels, n)
    same = a == b
    codes = codes_of(lab, a, b)
    n_a = int(np.count_nonzero(codes == 1))
    n_b = n_a if same else int(np.count_nonzero(codes == 2))
    require_defined(n, n_a, n_b, a, b, same)
    k = check_k(k, n)
    focal = np.flatnonzero(codes == 1).astype(np.int64)
    w, _, _ = local_weights(pts, focal, k)
    share = expected_share(n, n_a, n_b, same)
    f = (codes == (1 if same else 2)).astype(np.float64)
    lclq = np.asarray(w @ f, dtype=np.float64) / share
    n_b_others = n_a - 1 if same else n_b  # B labels among the other points
    # ways to place the remaining labels once the B positions are fixed
    rest_ways = 1 if same else math.comb(n - 1 - n_b, n_a - 1)
    total = math.comb(n - 1, n_b_others) * rest_ways
    if total > MAX_EXACT:
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
        tol = CMP_RTOL * max(abs(obs), 1e-300)
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
