"""Getis-Ord Gi* hot spots on data zones or a square grid, with FDR-corrected bins.

The statistic, its edge cases and the confidence bins follow METHODS.md §1 and §2:

- binary weights with each unit its own neighbour (``w_ii = 1``), the form of ArcGIS
  "Hot Spot Analysis" and of ``esda.G_Local(y, w, transform="B", star=True)``;
- the analytic z, its two-sided normal p ``erfc(|z|/√2)`` (never FDR-corrected, as in
  ArcGIS), the Benjamini-Hochberg q over **all** tested units, and the bin
  ``sign(z)·{3, 2, 1, 0}`` for ``q <= 0.01 / 0.05 / 0.10``;
- optionally a seeded conditional-permutation pseudo p.

Zero counts are data: every data zone (or every grid cell that overlaps the council
area) is a unit, whether or not an incident fell in it.

References
----------
Getis, A. & Ord, J.K. (1992). The analysis of spatial association by use of distance
statistics. *Geographical Analysis* 24(3), 189-206.

Ord, J.K. & Getis, A. (1995). Local spatial autocorrelation statistics: distributional
issues and an application. *Geographical Analysis* 27(4), 286-306.

Benjamini, Y. & Hochberg, Y. (1995). Controlling the false discovery rate: a practical
and powerful approach to multiple testing. *JRSS B* 57(1), 289-300.

Anselin, L. (1995). Local indicators of spatial association - LISA. *Geographical
Analysis* 27(2), 93-115 (conditional randomisation).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.spatial import cKDTree
from scipy.special import erfc

from geo.boundaries import BNG, Boundaries
from geo.errors import (
    EmptyInputError,
    ParameterError,
    TooLargeError,
    UnknownAreaError,
)

__all__ = [
    "DEFAULT_MAX_CELLS",
    "DEFAULT_MAX_PERMUTATION_WORK",
    "GiStarResult",
    "Grid",
    "confidence_bins",
    "datazone_weights",
    "default_cell_m",
    "fdr_bh",
    "gi_star",
    "gistar_datazones",
    "gistar_grid",
    "grid_weights",
    "make_grid",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Largest number of grid cells :func:`make_grid` builds unless told otherwise.
DEFAULT_MAX_CELLS = 200_000
#: Cap on ``permutations × Σ_i (number of neighbours of i)`` (about 2 s of work here).
DEFAULT_MAX_PERMUTATION_WORK = 400_000_000
#: Confidence levels of the ±3/±2/±1 bins (99/95/90 %).
BIN_ALPHAS = (0.01, 0.05, 0.10)
#: Relative tolerance of the inclusive ``q <= alpha`` comparisons (METHODS §2).
BIN_RTOL = 1e-12
#: Clamp of the data-driven grid cell size, metres.
MIN_CELL_M = 100.0
MAX_CELL_M = 2000.0
#: ArcGIS Optimized Hot Spot Analysis: the fishnet cell is at least this many NN
#: distances.
NN_SCALE = 2.0
_NICE_STEPS = (1.0, 2.0, 2.5, 5.0)
_WEIGHTS_DESC = "queen contiguity, binary, self included (w_ii = 1)"


# ---------------------------------------------------------------------------
# FDR and bins (METHODS §2)
# ---------------------------------------------------------------------------


def fdr_bh(p: npt.ArrayLike) -> FloatArray:
    """Benjamini-Hochberg adjusted p-values (q-values).

    ``q_(i) = min_{j >= i} min(1, m·p_(j)/j)`` over the sorted p-values of all ``m``
    tests. A unit is significant at FDR level ``alpha`` iff ``q <= alpha``.

    Parameters
    ----------
    p
        P-values in [0, 1], any shape. NaN counts as a test with ``p = 1`` (it stays
        in ``m``), as METHODS §2 requires for a NaN z.

    Returns
    -------
    numpy.ndarray
        q-values, same shape as ``p``. Tied p-values get identical q-values and the
        result does not depend on the input order.

    Raises
    ------
    ParameterError
        If a p-value lies outside [0, 1].

    References
    ----------
    Benjamini & Hochberg (1995); equals ``scipy.stats.false_discovery_control(p,
    method="bh")`` and statsmodels ``multipletests(p, method="fdr_bh")[1]``.
    """
    arr = np.asarray(p, dtype=np.float64)
    flat = np.where(np.isnan(arr), 1.0, arr).ravel()
    if flat.size and (flat.min() < 0.0 or flat.max() > 1.0 + 1e-12):
        msg = "`p` must hold p-values in [0, 1]"
        raise ParameterError(msg, param="p")
    m = flat.size
    if m == 0:
        return flat.reshape(arr.shape)
    order = np.argsort(flat, kind="stable")
    ranked = flat[order] * m / np.arange(1, m + 1, dtype=np.float64)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty(m, dtype=np.float64)
    q[order] = np.minimum(ranked, 1.0)
    return q.reshape(arr.shape)


def confidence_bins(
    z: npt.ArrayLike, p: npt.ArrayLike, *, fdr: bool = True
) -> IntArray:
    """ArcGIS-style ``Gi_Bin``: ``sign(z)·{3, 2, 1, 0}`` at 99/95/90 % confidence.

    Parameters
    ----------
    z
        z-scores (NaN allowed: bin 0).
    p
        Two-sided p-values of the same shape (NaN counts as 1).
    fdr
        If true (default) bin by the Benjamini-Hochberg q of :func:`fdr_bh` over all
        units, else by the raw p.

    Returns
    -------
    numpy.ndarray
        Integers in -3..3. The comparisons ``q <= alpha`` are inclusive with a relative
        tolerance of 1e-12, so a p exactly on a threshold is not lost to rounding.
    """
    z_arr = np.asarray(z, dtype=np.float64)
    p_arr = np.asarray(p, dtype=np.float64)
    if z_arr.shape != p_arr.shape:
        msg = f"`z` has shape {z_arr.shape} but `p` has shape {p_arr.shape}"
        raise ParameterError(msg, param="p")
    q = fdr_bh(p_arr) if fdr else np.where(np.isnan(p_arr), 1.0, p_arr)
    a1, a2, a3 = (a * (1.0 + BIN_RTOL) for a in BIN_ALPHAS)
    level = np.select([q <= a1, q <= a2, q <= a3], [3, 2, 1], default=0)
    sign = np.nan_to_num(np.sign(z_arr), nan=0.0).astype(np.int64)
    return (sign * level).astype(np.int64)


# ---------------------------------------------------------------------------
# Gi* (METHODS §1)
# ---------------------------------------------------------------------------


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
        Benjamini-Hochberg q over all ``n`` units, NaN units counted with ``p = 1``
        (reported as NaN).
    confidence
        ``sign(z)·{3,2,1,0}`` by ``p_fdr`` at 0.01/0.05/0.10 (:func:`confidence_bins`).
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
    islands: npt.NDArray[np.bool_]
    permutations: int = 0
    notes: list[str] = field(default_factory=list)

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
            "notes": list(self.notes),
        }


def _binary_self_weights(w: Any, n: int) -> sp.csr_matrix:
    """Binary CSR weights with a unit diagonal from a sparse matrix, W, Graph or array."""
    mat = getattr(w, "sparse", w)  # libpysal W and Graph expose .sparse
    if not sp.issparse(mat):
        try:
            mat = np.asarray(mat, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            msg = "`w` must be a scipy.sparse matrix, a libpysal W/Graph or an array"
            raise ParameterError(msg, param="w") from exc
        if mat.ndim != 2:
            msg = "`w` must be a square 2-d weights matrix"
            raise ParameterError(msg, param="w")
    if mat.shape != (n, n):
        msg = f"`w` has shape {mat.shape} but `y` has {n} values"
        raise ParameterError(msg, param="w")
    csr = sp.csr_matrix(mat, dtype=np.float64)
    csr.eliminate_zeros()
    csr.data[:] = 1.0
    csr.setdiag(1.0)
    csr.sum_duplicates()
    csr.data[:] = 1.0
    return csr


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


def _permutation_p(
    y: FloatArray,
    lag_others: FloatArray,
    k: IntArray,
    valid: npt.NDArray[np.bool_],
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


def gi_star(
    y: npt.ArrayLike,
    w: Any,
    *,
    permutations: int = 0,
    seed: int | np.random.Generator | None = None,
    max_permutation_work: int = DEFAULT_MAX_PERMUTATION_WORK,
) -> GiStarResult:
    """Getis-Ord Gi* z-scores, p-values, FDR q-values and confidence bins.

    With binary weights that include the unit itself (``w_ii = 1``)::

        z_i = (Σ_j w_ij x_j − xbar·W_i) / (S·sqrt((n·W_i − W_i²)/(n − 1)))

    where ``W_i = Σ_j w_ij`` and ``S`` is the standard deviation with divisor ``n``.

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
        Number of conditional permutations for ``p_sim``; 0 (default) for none.
    seed
        Seed or generator for the permutations (deterministic for a given seed).
    max_permutation_work
        Refuse permutations when ``permutations × Σ_i (W_i − 1)`` exceeds this.

    Returns
    -------
    GiStarResult

    Raises
    ------
    EmptyInputError
        If ``y`` is empty.
    ParameterError
        For non-finite ``y``, weights of the wrong shape or negative ``permutations``.
    TooLargeError
        If the permutation work would exceed ``max_permutation_work``.

    Notes
    -----
    ``S = 0`` (all values equal) gives NaN everywhere and the note "no variation";
    ``W_i = n`` gives NaN for that unit (METHODS §1). The z agrees with
    ``esda.G_Local(y, w, transform="B", star=True, permutations=0).Zs``.

    References
    ----------
    Getis & Ord (1992); Ord & Getis (1995).

    Examples
    --------
    >>> from libpysal.weights import lat2W
    >>> y = [0, 1, 2, 1, 6, 8, 2, 7, 9]
    >>> r = gi_star(y, lat2W(3, 3, rook=True))
    >>> round(float(r.z[8]), 5)
    2.44949
    """
    values = np.asarray(y, dtype=np.float64).ravel()
    n = values.size
    if n == 0:
        msg = "`y` is empty: there are no units to analyse"
        raise EmptyInputError(msg, param="y")
    if not np.isfinite(values).all():
        msg = "`y` must be finite (no NaN or infinite values)"
        raise ParameterError(msg, param="y")
    if int(permutations) != permutations or permutations < 0:
        msg = f"`permutations` must be a non-negative integer, got {permutations!r}"
        raise ParameterError(msg, param="permutations")
    permutations = int(permutations)
    b = _binary_self_weights(w, n)
    w_i = np.asarray(b.sum(axis=1), dtype=np.float64).ravel()
    k = (w_i - 1.0).astype(np.int64)
    islands = k == 0
    notes: list[str] = []
    if islands.any():
        notes.append(
            f"{int(islands.sum())} unit(s) have no neighbour (islands): their z "
            "compares the unit with the mean alone"
        )

    z = np.full(n, np.nan)
    no_variation = bool(np.ptp(values) == 0.0)
    full = w_i == n
    if no_variation:
        notes.append("no variation: every unit has the same value, so z is undefined")
    else:
        xbar = values.mean()
        dev = values - xbar
        s = math.sqrt(float(np.mean(dev * dev)))
        num = b @ dev  # Σ_j w_ij (x_j − xbar) = Σ_j w_ij x_j − xbar·W_i
        var_term = (n * w_i - w_i * w_i) / (n - 1)
        ok = ~full
        z[ok] = num[ok] / (s * np.sqrt(var_term[ok]))
        if full.any():
            notes.append(
                f"{int(full.sum())} unit(s) neighbour every unit (W_i = n): z undefined"
            )
    p_value = erfc(np.abs(z) / math.sqrt(2.0))
    q = fdr_bh(p_value)
    q[np.isnan(z)] = np.nan
    confidence = confidence_bins(z, p_value, fdr=True)

    p_sim: FloatArray | None = None
    if permutations > 0:
        valid = ~np.isnan(z)
        work = permutations * int(k[valid].sum())
        if work > max_permutation_work:
            msg = (
                f"`permutations`={permutations} over {n} units with "
                f"{int(k[valid].sum())} neighbour links needs {work:,} draws, over the "
                f"limit of {max_permutation_work:,}: use fewer permutations"
            )
            raise TooLargeError(msg, param="permutations")
        rng = np.random.default_rng(seed)
        lag_others = np.asarray(b @ values).ravel() - values
        p_sim = _permutation_p(values, lag_others, k, valid, permutations, rng)
    return GiStarResult(
        z=z,
        p_value=p_value,
        p_fdr=q,
        confidence=confidence,
        p_sim=p_sim,
        n=n,
        n_neighbours=k,
        islands=islands,
        permutations=permutations,
        notes=notes,
    )


# ---------------------------------------------------------------------------
# Weights and grids
# ---------------------------------------------------------------------------


def datazone_weights(datazones_gdf: gpd.GeoDataFrame) -> sp.csr_matrix:
    """Queen contiguity of polygons as a binary sparse matrix (zero diagonal).

    Two polygons are neighbours when they share at least one vertex
    (``libpysal.weights.Queen.from_dataframe``); the 2011 data zones share vertices
    exactly, so this equals "boundaries intersect". Row/column order is the row order
    of ``datazones_gdf``.

    Parameters
    ----------
    datazones_gdf
        Polygons in a projected CRS, one row per unit.

    Returns
    -------
    scipy.sparse.csr_matrix
        ``n × n``, entries 1.0 for neighbours.
    """
    from libpysal.weights import Queen

    if len(datazones_gdf) == 0:
        msg = "`datazones_gdf` has no polygons"
        raise EmptyInputError(msg, param="datazones_gdf")
    frame = gpd.GeoDataFrame(
        geometry=datazones_gdf.geometry.to_numpy(), crs=datazones_gdf.crs
    )
    with warnings.catch_warnings():
        # islands are reported by gi_star itself
        warnings.filterwarnings("ignore", message=".*not fully connected.*")
        warnings.filterwarnings("ignore", message=".*islands.*")
        queen = Queen.from_dataframe(frame, use_index=False, silence_warnings=True)
    mat = sp.csr_matrix(queen.sparse, dtype=np.float64)
    mat.setdiag(0.0)
    mat.eliminate_zeros()
    mat.data[:] = 1.0
    return mat


def grid_weights(
    row: npt.ArrayLike, col: npt.ArrayLike, *, rook: bool = False
) -> sp.csr_matrix:
    """Queen (or rook) contiguity among grid cells from their integer indices.

    Cells ``(r, c)`` and ``(r', c')`` are queen neighbours when
    ``max(|r − r'|, |c − c'|) = 1`` (rook: ``|r − r'| + |c − c'| = 1``). No geometry
    operation is involved, so shared corners are never lost to floating point.

    Parameters
    ----------
    row, col
        Integer row and column of each cell (any order, no duplicates).
    rook
        Use the four edge neighbours only.

    Returns
    -------
    scipy.sparse.csr_matrix
        Binary, symmetric, zero diagonal, in the order of ``row``/``col``.
    """
    r = np.asarray(row, dtype=np.int64).ravel()
    c = np.asarray(col, dtype=np.int64).ravel()
    n = r.size
    if n == 0:
        return sp.csr_matrix((0, 0), dtype=np.float64)
    r0, c0 = r - r.min(), c - c.min()
    lookup = np.full((int(r0.max()) + 3, int(c0.max()) + 3), -1, dtype=np.int64)
    lookup[r0 + 1, c0 + 1] = np.arange(n)
    if (lookup >= 0).sum() != n:
        msg = "`row`/`col` hold duplicate cells"
        raise ParameterError(msg, param="row")
    offsets = [(-1, 0), (1, 0), (0, -1), (0, 1)]
    if not rook:
        offsets += [(-1, -1), (-1, 1), (1, -1), (1, 1)]
    src, dst = [], []
    for dr, dc in offsets:  # 8 vectorised look-ups, not a loop over cells
        nb = lookup[r0 + 1 + dr, c0 + 1 + dc]
        keep = nb >= 0
        src.append(np.flatnonzero(keep))
        dst.append(nb[keep])
    i, j = np.concatenate(src), np.concatenate(dst)
    return sp.csr_matrix((np.ones(i.size), (i, j)), shape=(n, n))


@dataclass(frozen=True)
class Grid:
    """Square cells covering an area, and their queen weights.

    Attributes
    ----------
    cells
        GeoDataFrame (EPSG:27700): ``cell_id`` (``"{cell}m_E{x}_N{y}"`` from the cell's
        south-west corner), ``row``, ``col`` and the square ``geometry``; only the
        cells whose interior meets the area, ordered by row then column.
    weights
        Queen contiguity among the kept cells (binary, zero diagonal).
    x0, y0
        South-west corner of cell ``(row 0, col 0)``, a multiple of ``cell_m`` so
        that grids of one cell size line up across requests.
    cell_m
        Cell side, metres.
    nrows, ncols
        Size of the bounding lattice (before cells outside the area are dropped).
    """

    cells: gpd.GeoDataFrame
    weights: sp.csr_matrix
    x0: float
    y0: float
    cell_m: float
    nrows: int
    ncols: int

    def locate(self, easting: npt.ArrayLike, northing: npt.ArrayLike) -> IntArray:
        """Position in :attr:`cells` of the cell holding each point (−1: none).

        A point belongs to cell ``(floor((y − y0)/cell), floor((x − x0)/cell))``.
        """
        x = np.asarray(easting, dtype=np.float64).ravel()
        yy = np.asarray(northing, dtype=np.float64).ravel()
        col = np.floor((x - self.x0) / self.cell_m)
        row = np.floor((yy - self.y0) / self.cell_m)
        inside = (
            np.isfinite(col)
            & np.isfinite(row)
            & (col >= 0)
            & (col < self.ncols)
            & (row >= 0)
            & (row < self.nrows)
        )
        lookup = np.full(self.nrows * self.ncols, -1, dtype=np.int64)
        flat = self.cells["row"].to_numpy() * self.ncols + self.cells["col"].to_numpy()
        lookup[flat] = np.arange(len(self.cells))
        out = np.full(x.size, -1, dtype=np.int64)
        idx = row[inside].astype(np.int64) * self.ncols + col[inside].astype(np.int64)
        out[inside] = lookup[idx]
        return out


def _fmt_coord(v: npt.NDArray[np.float64]) -> pd.Series:
    if np.all(v == np.round(v)):
        return pd.Series(np.round(v).astype(np.int64)).astype(str)
    return pd.Series(np.round(v, 3)).map(lambda t: f"{t:.3f}".rstrip("0").rstrip("."))


def _check_cell_m(cell_m: float) -> float:
    try:
        value = float(cell_m)
    except (TypeError, ValueError) as exc:
        msg = f"`cell_m` must be a number of metres, got {cell_m!r}"
        raise ParameterError(msg, param="cell_m") from exc
    if not math.isfinite(value) or value <= 0:
        msg = f"`cell_m` must be a positive number of metres, got {cell_m!r}"
        raise ParameterError(msg, param="cell_m")
    return value


def make_grid(
    area_geometry: shapely.Geometry,
    *,
    cell_m: float,
    max_cells: int = DEFAULT_MAX_CELLS,
) -> Grid:
    """Square cells of side ``cell_m`` whose interior meets ``area_geometry``.

    The lattice origin is the area's south-west bound rounded down to a multiple of
    ``cell_m``. Cells wholly outside the area, including those that only touch its
    boundary, are excluded. Queen weights come from the integer cell indices
    (:func:`grid_weights`).

    Parameters
    ----------
    area_geometry
        The study area (e.g. ``Boundaries.area``), EPSG:27700 metres.
    cell_m
        Cell side in metres.
    max_cells
        Refuse grids with more kept cells than this.

    Returns
    -------
    Grid

    Raises
    ------
    ParameterError
        For a non-positive ``cell_m`` or an empty area.
    TooLargeError
        If the grid would exceed ``max_cells`` cells.
    """
    cell = _check_cell_m(cell_m)
    if area_geometry is None or shapely.is_empty(area_geometry):
        msg = "`area_geometry` is empty"
        raise ParameterError(msg, param="area_geometry")
    minx, miny, maxx, maxy = shapely.bounds(area_geometry).tolist()
    x0 = math.floor(minx / cell) * cell
    y0 = math.floor(miny / cell) * cell
    ncols = max(1, math.ceil((maxx - x0) / cell))
    nrows = max(1, math.ceil((maxy - y0) / cell))
    estimate = shapely.area(area_geometry) / (cell * cell)
    lattice = ncols * nrows
    if estimate > max_cells or lattice > 20 * max_cells:
        msg = (
            f"`cell_m`={cell:g} gives about {max(estimate, 1):,.0f} cells over the area "
            f"({lattice:,} in its bounding box), over the limit of {max_cells:,}: "
            "use a larger cell"
        )
        raise TooLargeError(msg, param="cell_m")
    rows, cols = np.divmod(np.arange(lattice, dtype=np.int64), ncols)
    xmin = x0 + cols * cell
    ymin = y0 + rows * cell
    boxes = shapely.box(xmin, ymin, xmin + cell, ymin + cell)
    shapely.prepare(area_geometry)
    keep = shapely.intersects(area_geometry, boxes)
    edge = keep & ~shapely.contains_properly(area_geometry, boxes)
    if edge.any():  # drop cells that only touch the boundary
        keep[edge] = ~shapely.touches(area_geometry, boxes[edge])
    n_keep = int(keep.sum())
    if n_keep > max_cells:
        msg = (
            f"`cell_m`={cell:g} gives {n_keep:,} cells, over the limit of "
            f"{max_cells:,}: use a larger cell"
        )
        raise TooLargeError(msg, param="cell_m")
    rows, cols, xmin, ymin = rows[keep], cols[keep], xmin[keep], ymin[keep]
    cell_ids = (f"{cell:g}m_E" + _fmt_coord(xmin) + "_N" + _fmt_coord(ymin)).to_numpy()
    cells = gpd.GeoDataFrame(
        {"cell_id": cell_ids, "row": rows, "col": cols},
        geometry=boxes[keep],
        crs=BNG,
    )
    return Grid(
        cells=cells,
        weights=grid_weights(rows, cols),
        x0=float(x0),
        y0=float(y0),
        cell_m=cell,
        nrows=int(nrows),
        ncols=int(ncols),
    )


def _nice_round(value: float) -> float:
    """Nearest (in log scale) of 1, 2, 2.5, 5 × 10^k."""
    exp = math.floor(math.log10(value))
    candidates = [s * 10.0**e for e in (exp - 1, exp, exp + 1) for s in _NICE_STEPS]
    return min(candidates, key=lambda c: abs(math.log(c / value)))


def _default_cell_details(
    easting: npt.ArrayLike,
    northing: npt.ArrayLike,
    area: shapely.Geometry | float,
    *,
    max_cells: int = DEFAULT_MAX_CELLS,
) -> tuple[float, dict[str, Any]]:
    x = np.asarray(easting, dtype=np.float64).ravel()
    yv = np.asarray(northing, dtype=np.float64).ravel()
    ok = np.isfinite(x) & np.isfinite(yv)
    area_m2 = float(area) if isinstance(area, int | float) else shapely.area(area)
    xy = np.unique(np.column_stack([x[ok], yv[ok]]), axis=0)
    info: dict[str, Any] = {"n_locations": int(xy.shape[0])}
    if xy.shape[0] >= 2:
        dist, _ = cKDTree(xy).query(xy, k=2)
        nn = dist[:, 1]
        # locational outliers (ArcGIS: > 3 standard deviations) do not set the scale
        cut = nn.mean() + 3.0 * nn.std()
        inl = nn[nn <= cut]
        avg, med = float(inl.mean()), float(np.median(inl))
        big, small = max(avg, med), min(avg, med)
        scale = max(NN_SCALE, big / small) if small > 0 else NN_SCALE
        raw = big * scale
        info |= {
            "rule": "arcgis_optimized_hot_spot",
            "nn_mean_m": avg,
            "nn_median_m": med,
            "nn_scale": scale,
            "n_outliers": int(nn.size - inl.size),
        }
    else:
        raw = math.sqrt(area_m2) / 20.0 if area_m2 > 0 else MAX_CELL_M
        info["rule"] = "area_fallback"
    nice = _nice_round(raw) if raw > 0 else MIN_CELL_M
    floor_m = max(MIN_CELL_M, math.sqrt(area_m2 / max_cells) if area_m2 > 0 else 0.0)
    cell = min(max(nice, floor_m), MAX_CELL_M)
    if floor_m > MAX_CELL_M:
        cell = _nice_round(floor_m * 1.25)
    info |= {"raw_m": raw, "clamped": cell != nice}
    return float(cell), info


def default_cell_m(
    easting: npt.ArrayLike,
    northing: npt.ArrayLike,
    area: shapely.Geometry | float,
    *,
    max_cells: int = DEFAULT_MAX_CELLS,
) -> float:
    """A data-driven grid cell size, after ArcGIS Optimized Hot Spot Analysis.

    The rule, on the distinct incident locations:

    1. nearest-neighbour distance of each location to the nearest other one;
       locational outliers (more than mean + 3 SD) are set aside;
    2. ``big = max(mean, median)`` of those distances and
       ``cell = big × max(2, big / min(mean, median))`` (ArcGIS ``scaleDecision``);
    3. rounded to the nearest of 1, 2, 2.5, 5 × 10^k and clamped to 100..2000 m (never
       so small that the area needs more than ``max_cells`` cells).

    With fewer than two distinct locations it falls back to ``sqrt(area)/20`` (about
    a 20 × 20 grid), rounded and clamped the same way.

    Parameters
    ----------
    easting, northing
        Incident coordinates, EPSG:27700 metres.
    area
        The study area geometry (or its area in m²).
    max_cells
        Cell budget used for the lower bound.

    Returns
    -------
    float
        Cell side in metres.

    References
    ----------
    Esri, "How Optimized Hot Spot Analysis works" (incident aggregation into fishnet
    cells); ArcGIS 10.1.2 ``OptimizedHotSpotAnalysis.py``.
    """
    return _default_cell_details(easting, northing, area, max_cells=max_cells)[0]


# ---------------------------------------------------------------------------
# Service-level wrappers
# ---------------------------------------------------------------------------

_OUT_COLUMNS = ["count", "gi_z", "p_value", "p_fdr", "confidence"]


def _check_incidents(incidents: pd.DataFrame, columns: Sequence[str]) -> None:
    if not isinstance(incidents, pd.DataFrame):
        msg = "`incidents` must be a pandas DataFrame"
        raise ParameterError(msg, param="incidents")
    missing = [c for c in columns if c not in incidents.columns]
    if missing:
        msg = f"`incidents` lacks the columns {', '.join(missing)}"
        raise ParameterError(msg, param="incidents")
    if len(incidents) == 0:
        msg = "`incidents` is empty: no incidents match the request"
        raise EmptyInputError(msg, param="incidents")


def _attach(frame: pd.DataFrame, counts: FloatArray, res: GiStarResult) -> pd.DataFrame:
    frame = frame.copy()
    frame["count"] = counts.astype(np.int64) if np.all(counts % 1 == 0) else counts
    frame["gi_z"] = res.z
    frame["p_value"] = res.p_value
    frame["p_fdr"] = res.p_fdr
    frame["confidence"] = res.confidence
    frame["n_neighbours"] = res.n_neighbours
    if res.p_sim is not None:
        frame["p_sim"] = res.p_sim
    return frame


_datazone_w_cache: dict[tuple[str, tuple[str, ...]], sp.csr_matrix] = {}


def gistar_datazones(
    incidents: pd.DataFrame,
    boundaries: Boundaries,
    *,
    permutations: int = 0,
    seed: int | None = 0,
    codes: Sequence[str] | None = None,
) -> gpd.GeoDataFrame:
    """Gi* hot spots of incident counts per data zone (queen contiguity).

    Every data zone is a unit (a zone with no incident has count 0). Counts use the
    incident frame's ``datazone`` column (point-in-polygon at ingest).

    Parameters
    ----------
    incidents
        The incident frame (needs ``datazone``).
    boundaries
        Loaded boundaries.
    permutations, seed
        Conditional permutations for ``p_sim`` (0: none) and their seed.
    codes
        Restrict the study area to these data zones (default: all 239). Weights are
        rebuilt on the subset.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:27700, one row per data zone: ``code, name, count, gi_z, p_value, p_fdr,
        confidence, n_neighbours`` (+ ``p_sim``) and ``geometry``.
        ``attrs["parameters"]`` holds a JSON-safe description of the run
        (weights, units, incidents used, notes; ``fdr`` is True).

    Raises
    ------
    EmptyInputError
        If ``incidents`` is empty.
    """
    _check_incidents(incidents, ["datazone"])
    dz = boundaries.datazones
    if codes is not None:
        wanted = list(dict.fromkeys(codes))
        unknown = sorted(set(wanted) - set(dz["code"]))
        if unknown:
            msg = f"`codes` holds unknown data zones: {', '.join(unknown[:5])}"
            raise UnknownAreaError(msg, param="codes")
        dz = dz[dz["code"].isin(wanted)].reset_index(drop=True)
    key = (boundaries.version, tuple(dz["code"]))
    w = _datazone_w_cache.get(key)
    if w is None:
        w = datazone_weights(dz)
        if len(_datazone_w_cache) > 16:
            _datazone_w_cache.clear()
        _datazone_w_cache[key] = w
    zone = incidents["datazone"].astype("string")
    counted = zone.value_counts()
    counts: FloatArray = np.asarray(
        counted.reindex(dz["code"]).fillna(0), dtype=np.float64
    )
    n_used = int(counts.sum())
    res = gi_star(counts, w, permutations=permutations, seed=seed)
    out = _attach(dz[["code", "name"]], counts, res)
    gdf = gpd.GeoDataFrame(out, geometry=dz.geometry.to_numpy(), crs=BNG)
    gdf.attrs["parameters"] = {
        "unit": "datazone",
        "n_units": len(dz),
        "n_incidents": len(incidents),
        "n_incidents_used": n_used,
        "n_incidents_outside": len(incidents) - n_used,
        "weights": _WEIGHTS_DESC,
        "fdr": True,
        "fdr_method": "benjamini_hochberg",
        "confidence_levels": [0.99, 0.95, 0.90],
        "permutations": res.permutations,
        "seed": seed if permutations else None,
        "notes": list(res.notes),
    }
    return gdf


def gistar_grid(
    incidents: pd.DataFrame,
    boundaries: Boundaries,
    *,
    cell_m: float | None = None,
    permutations: int = 0,
    seed: int | None = 0,
    max_cells: int = DEFAULT_MAX_CELLS,
    area: shapely.Geometry | None = None,
) -> gpd.GeoDataFrame:
    """Gi* hot spots of incident counts on a square grid over the council area.

    The grid holds every cell whose interior meets the area (zero counts included);
    an incident at ``(x, y)`` counts in cell ``(floor((y − y0)/cell),
    floor((x − x0)/cell))``. Weights are queen contiguity from the cell indices.

    Parameters
    ----------
    incidents
        The incident frame (needs ``easting``, ``northing``).
    boundaries
        Loaded boundaries (``area`` is the study area).
    cell_m
        Cell side in metres; ``None`` (default) picks it with :func:`default_cell_m`.
    permutations, seed
        Conditional permutations for ``p_sim`` (0: none) and their seed.
    max_cells
        Refuse grids with more cells than this (:class:`TooLargeError`).
    area
        Study area override (default ``boundaries.area``).

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:27700, one row per cell: ``cell_id, row, col, count, gi_z, p_value,
        p_fdr, confidence, n_neighbours`` (+ ``p_sim``) and ``geometry``.
        ``attrs["parameters"]`` records ``cell_m`` and how it was chosen, cells,
        incidents used, weights and notes (``fdr`` is True).

    Raises
    ------
    EmptyInputError
        If ``incidents`` is empty.
    TooLargeError
        If the grid would exceed ``max_cells``.
    """
    _check_incidents(incidents, ["easting", "northing"])
    study = boundaries.area if area is None else area
    x = incidents["easting"].to_numpy(dtype=np.float64)
    yv = incidents["northing"].to_numpy(dtype=np.float64)
    if cell_m is None:
        cell, how = _default_cell_details(x, yv, study, max_cells=max_cells)
        cell_source = "default"
    else:
        cell, how = _check_cell_m(cell_m), {"rule": "user"}
        cell_source = "user"
    grid = make_grid(study, cell_m=cell, max_cells=max_cells)
    where = grid.locate(x, yv)
    inside = where >= 0
    counts = np.bincount(where[inside], minlength=len(grid.cells)).astype(np.float64)
    res = gi_star(counts, grid.weights, permutations=permutations, seed=seed)
    out = _attach(grid.cells[["cell_id", "row", "col"]], counts, res)
    gdf = gpd.GeoDataFrame(out, geometry=grid.cells.geometry.to_numpy(), crs=BNG)
    gdf.attrs["parameters"] = {
        "unit": "grid",
        "cell_m": grid.cell_m,
        "cell_m_source": cell_source,
        "cell_m_choice": {
            k: (float(v) if isinstance(v, float) else v) for k, v in how.items()
        },
        "origin_bng": [grid.x0, grid.y0],
        "n_cells": len(grid.cells),
        "n_incidents": len(incidents),
        "n_incidents_used": int(inside.sum()),
        "n_incidents_outside": int((~inside).sum()),
        "weights": _WEIGHTS_DESC + " (rook + diagonal cells, from grid indices)",
        "fdr": True,
        "fdr_method": "benjamini_hochberg",
        "confidence_levels": [0.99, 0.95, 0.90],
        "permutations": res.permutations,
        "seed": seed if permutations else None,
        "notes": list(res.notes),
    }
    return gdf
