"""Spatial weights for Gi*: data-zone queen contiguity, grid contiguity, ``w_ii = 1``."""

from __future__ import annotations

import warnings
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from geo.errors import EmptyInputError, ParameterError


def binary_self_weights(w: Any, n: int) -> sp.csr_matrix:
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

