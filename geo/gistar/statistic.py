"""The Getis-Ord Gi* statistic (METHODS §1) and its result object."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.special import erfc

from geo.errors import EmptyInputError, ParameterError, TooLargeError
from geo.gistar._types import BoolArray, FloatArray, IntArray
from geo.gistar.bins import confidence_bins, fdr_bh
from geo.gistar.permutation import permutation_p, total_permutation_p
from geo.gistar.weights import binary_self_weights

#: Cap on ``permutations × Σ_i (number of neighbours of i)`` (about 2 s of work here).
DEFAULT_MAX_PERMUTATION_WORK = 400_000_000


def _nan_list(a: FloatArray) -> list[float | None]:
    return [None if not math.isfinite(v) else float(v) for v in a.tolist()]


@dataclass(frozen=True)
class GiStarResult:
    """Getis-Ord Gi* for every unit.

    Attributes
    ----------
    z
        Analytic z-scores (NaN where undefined: no variation, or ``W_i = n``).
    p_value
        Two-sided normal p ``erfc(|z|/√2)``, not corrected (NaN where z is NaN).
    p_fdr
        Benjamini-Hochberg q over all ``n`` units of the p the bins are taken from
        (:attr:`bins_from`): ``p_value`` without permutations, ``p_sim`` with them.
        NaN units are counted with ``p = 1`` (reported as NaN).
    confidence
        ``sign(z)·{3,2,1,0}`` by ``p_fdr`` at 0.01/0.05/0.10 (:func:`confidence_bins`).
        With permutations a unit whose permutation tail disagrees with the sign of
        its z (possible with skewed counts) is given bin 0 (its ``p`` counted as 1).
    p_sim
        Two-sided conditional-permutation pseudo p (``None`` without permutations):
        ``min(1, 2·(min(#{sim >= obs}, #{sim <= obs}) + 1)/(R + 1))``. Note that
        esda's ``p_sim`` is the folded *one-sided* value, about half of this.
    n
        Number of units.
    n_neighbours
        Neighbours of each unit, itself excluded (``W_i − 1``).
    islands
        Units with no neighbour (``W_i = 1``); their z is defined but flagged.
    permutations
        Number of permutations used (0: none).
    bins_from
        ``"analytic"`` (normal p of z) or ``"permutation"`` (``p_sim``).
    tail_sim
        With permutations, the tail each observation lies in (+1 high, −1 low, 0).
    permutation_type
        ``"conditional"`` (own value fixed, as esda) or ``"total"``.
    notes
        Plain-language caveats, e.g. ``"no variation"``.
    """

    z: FloatArray
    p_value: FloatArray
    p_fdr: FloatArray
    confidence: IntArray
    p_sim: FloatArray | None
    n: int
    n_neighbours: IntArray
    islands: BoolArray
    permutations: int = 0
    notes: list[str] = field(default_factory=list)
    bins_from: str = "analytic"
    tail_sim: IntArray | None = None
    permutation_type: str = "conditional"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable lists (NaN becomes ``None``)."""
        return {
            "n": self.n,
            "gi_z": _nan_list(self.z),
            "p_value": _nan_list(self.p_value),
            "p_fdr": _nan_list(self.p_fdr),
            "confidence": [int(v) for v in self.confidence],
            "p_sim": None if self.p_sim is None else _nan_list(self.p_sim),
            "n_neighbours": [int(v) for v in self.n_neighbours],
            "island": [bool(v) for v in self.islands],
            "permutations": self.permutations,
            "bins_from": self.bins_from,
            "notes": list(self.notes),
        }



def _check_values(y: npt.ArrayLike, permutations: int, kind: str) -> tuple[FloatArray, int]:
    """(values as a flat float array, permutations as an int), or a ParameterError."""
    if kind not in ("conditional", "total"):
        msg = f"`permutation_type` must be conditional or total, got {kind!r}"
        raise ParameterError(msg, param="permutation_type")
    values = np.asarray(y, dtype=np.float64).ravel()
    if values.size == 0:
        msg = "`y` is empty: there are no units to analyse"
        raise EmptyInputError(msg, param="y")
    if not np.isfinite(values).all():
        msg = "`y` must be finite (no NaN or infinite values)"
        raise ParameterError(msg, param="y")
    if int(permutations) != permutations or permutations < 0:
        msg = f"`permutations` must be a non-negative integer, got {permutations!r}"
        raise ParameterError(msg, param="permutations")
    return values, int(permutations)


def _island_notes(islands: BoolArray) -> list[str]:
    """The caveat for units with no neighbour (none if there are none)."""
    if not islands.any():
        return []
    return [
        f"{int(islands.sum())} unit(s) have no neighbour (islands): their z "
        "compares the unit with the mean alone"
    ]


def _analytic_z(
    values: FloatArray, b: sp.csr_matrix, w_i: FloatArray, notes: list[str]
) -> FloatArray:
    """The Gi* z of every unit (NaN without variation or where ``W_i = n``)."""
    n = values.size
    z = np.full(n, np.nan)
    full = w_i == n
    if bool(np.ptp(values) == 0.0):
        notes.append("no variation: every unit has the same value, so z is undefined")
        return z
    xbar = values.mean()
    dev = values - xbar
    s = math.sqrt(float(np.mean(dev * dev)))
    num = b @ dev  # Σ_j w_ij (x_j − xbar) = Σ_j w_ij x_j − xbar·W_i
    var_term = (n * w_i - w_i * w_i) / (n - 1)
    ok = ~full
    z[ok] = num[ok] / (s * np.sqrt(var_term[ok]))
    if full.any():
        notes.append(f"{int(full.sum())} unit(s) neighbour every unit (W_i = n): z undefined")
    return z


def _simulated_p(
    values: FloatArray,
    b: sp.csr_matrix,
    k: IntArray,
    z: FloatArray,
    permutations: int,
    seed: int | np.random.Generator | None,
    max_work: int,
    kind: str = "conditional",
) -> tuple[FloatArray, IntArray]:
    """Conditional-permutation p and tail of every unit, after the work cap is checked."""
    valid = ~np.isnan(z)
    links = int(k[valid].sum())
    work = permutations * links
    if work > max_work:
        msg = (
            f"`permutations`={permutations} over {values.size} units with "
            f"{links} neighbour links needs {work:,} draws, over the "
            f"limit of {max_work:,}: use fewer permutations"
        )
        raise TooLargeError(msg, param="permutations")
    rng = np.random.default_rng(seed)
    lag = np.asarray(b @ values).ravel()
    if kind == "total":
        return total_permutation_p(values, lag, k + 1, valid, permutations, rng)
    return permutation_p(values, lag - values, k, valid, permutations, rng)


def gi_star(
    y: npt.ArrayLike,
    w: Any,
    *,
    permutations: int = 0,
    seed: int | np.random.Generator | None = None,
    max_permutation_work: int = DEFAULT_MAX_PERMUTATION_WORK,
    permutation_type: str = "conditional",
) -> GiStarResult:
    """Getis-Ord Gi* z-scores, p-values, FDR q-values and confidence bins.

    With binary weights that include the unit itself (``w_ii = 1``)::

        z_i = (Σ_j w_ij x_j − xbar·W_i) / (S·sqrt((n·W_i − W_i²)/(n − 1)))

    with ``W_i = Σ_j w_ij``, ``S`` the SD (divisor ``n``); NaN if ``S = 0`` or ``W_i = n``
    (METHODS §1). Equals esda ``G_Local(y, w, transform="B", star=True).Zs``.

    Parameters
    ----------
    y
        One value per unit (counts); zeros are data.
    w
        Spatial weights: a scipy.sparse matrix, a libpysal ``W`` or ``Graph`` (its
        ``.sparse``, in its ``id_order``) or a dense array. Any nonzero is a
        neighbour; the diagonal is set to 1 (on a copy), like esda's
        ``transform="B", star=True``.
    permutations
        Conditional permutations for ``p_sim``; 0 (default) for none. With
        permutations the bins come from ``p_sim`` after BH, the z stays analytic.
    seed
        Seed or generator for the permutations.
    max_permutation_work, permutation_type
        Cap on the permutation work; ``"conditional"`` (esda: own value fixed) or
        ``"total"`` (all values shuffled, the null of the analytic z).

    Returns
    -------
    GiStarResult
    Raises
    ------
    EmptyInputError, ParameterError, TooLargeError
        Empty ``y``; non-finite ``y``, bad weights or ``permutations``; too much work.

    Examples
    --------
    >>> from libpysal.weights import lat2W
    >>> y = [0, 1, 2, 1, 6, 8, 2, 7, 9]
    >>> r = gi_star(y, lat2W(3, 3, rook=True))
    >>> round(float(r.z[8]), 5)
    2.44949
    """
    values, permutations = _check_values(y, permutations, permutation_type)
    b = binary_self_weights(w, values.size)
    w_i = np.asarray(b.sum(axis=1), dtype=np.float64).ravel()
    k = (w_i - 1.0).astype(np.int64)
    islands = k == 0
    notes = _island_notes(islands)
    z = _analytic_z(values, b, w_i, notes)
    p_value = erfc(np.abs(z) / math.sqrt(2.0))
    p_sim, p_bins, tail = None, p_value, None
    if permutations > 0:
        p_sim, tail = _simulated_p(values, b, k, z, permutations, seed, max_permutation_work, permutation_type)
        p_bins = np.where(tail * np.sign(np.nan_to_num(z)) > 0, p_sim, 1.0)
    q = np.where(np.isnan(z), np.nan, fdr_bh(p_bins))
    return GiStarResult(
        z=z,
        p_value=p_value,
        p_fdr=q,
        confidence=confidence_bins(z, p_bins, fdr=True),
        p_sim=p_sim,
        n=values.size,
        n_neighbours=k,
        islands=islands,
        permutations=permutations,
        notes=notes,
        bins_from="permutation" if permutations > 0 else "analytic",
        tail_sim=tail,
        permutation_type=permutation_type,
    )
