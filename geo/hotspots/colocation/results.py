"""Result objects of the co-location quotients (global, local, mean local, exact)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "ClqResult",
    "ExactGlobalClq",
    "ExactLocalClq",
    "LocalClqResult",
    "MeanLocalClqResult",
]

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


def _finite_or_none(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None
