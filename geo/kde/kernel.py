"""The quartic (biweight) kernel and the two ways of summing it on a grid.

``"exact"`` evaluates each point's kernel at the surrounding cell centres;
``"binned"`` bins points to cell centres and convolves (FFT) with the discretised kernel.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from scipy.signal import fftconvolve

from geo.kde._types import FloatArray


def quartic_kernel(d: npt.ArrayLike, h: float) -> FloatArray:
    """The quartic kernel ``3/(π h²)·(1 − (d/h)²)²`` for ``d < h``, else 0 (per m²)."""
    dist = np.asarray(d, dtype=np.float64)
    u2 = (dist / h) ** 2
    return np.where(u2 < 1.0, 3.0 / (math.pi * h * h) * (1.0 - u2) ** 2, 0.0)


def kernel_offsets(h: float, cell: float) -> tuple[npt.NDArray[np.int64], ...]:
    """Cell offsets ``(dr, dc)`` whose centre can lie within ``h`` of a point."""
    r = math.ceil(h / cell + 0.5)
    dr, dc = np.meshgrid(np.arange(-r, r + 1), np.arange(-r, r + 1), indexing="ij")
    gap_r = np.maximum(np.abs(dr) - 0.5, 0.0) * cell
    gap_c = np.maximum(np.abs(dc) - 0.5, 0.0) * cell
    keep = gap_r**2 + gap_c**2 < h * h
    return dr[keep].astype(np.int64), dc[keep].astype(np.int64)


def surface_exact(
    x: FloatArray,
    y: FloatArray,
    w: FloatArray,
    *,
    x0: float,
    y0: float,
    cell: float,
    nrows: int,
    ncols: int,
    h: float,
) -> FloatArray:
    """Evaluate every point's kernel at the surrounding cell centres (per m²)."""
    dr, dc = kernel_offsets(h, cell)
    col = np.floor((x - x0) / cell).astype(np.int64)
    row = np.floor((y - y0) / cell).astype(np.int64)
    acc = np.zeros(nrows * ncols, dtype=np.float64)
    c0 = 3.0 / (math.pi * h * h)
    chunk = max(1, 1_000_000 // max(x.size, 1))
    for s in range(
        0, dr.size, chunk
    ):  # loop over kernel offsets, vectorised over points
        rr = row[:, None] + dr[None, s : s + chunk]
        cc = col[:, None] + dc[None, s : s + chunk]
        u2 = (
            (x0 + (cc + 0.5) * cell - x[:, None]) ** 2
            + (y0 + (rr + 0.5) * cell - y[:, None]) ** 2
        ) / (h * h)
        ok = (u2 < 1.0) & (rr >= 0) & (rr < nrows) & (cc >= 0) & (cc < ncols)
        vals = (w[:, None] * c0) * (1.0 - u2) ** 2
        acc += np.bincount((rr * ncols + cc)[ok], vals[ok], minlength=acc.size)
    return acc.reshape(nrows, ncols)


def surface_binned(
    x: FloatArray,
    y: FloatArray,
    w: FloatArray,
    *,
    x0: float,
    y0: float,
    cell: float,
    nrows: int,
    ncols: int,
    h: float,
) -> FloatArray:
    """Bin points to cell centres, then convolve with the discretised kernel (per m²)."""
    r = math.ceil(h / cell)
    off = np.arange(-r, r + 1) * cell
    kern = quartic_kernel(np.hypot(off[:, None], off[None, :]), h)
    col = np.floor((x - x0) / cell).astype(np.int64) + r
    row = np.floor((y - y0) / cell).astype(np.int64) + r
    pr, pc = nrows + 2 * r, ncols + 2 * r
    ok = (row >= 0) & (row < pr) & (col >= 0) & (col < pc)
    binned = np.bincount(row[ok] * pc + col[ok], w[ok], minlength=pr * pc)
    dens = fftconvolve(binned.reshape(pr, pc), kern, mode="same")[
        r : r + nrows, r : r + ncols
    ]
    dens[dens < 1e-12 * kern[r, r] * float(w.min())] = 0.0  # FFT round-off, not data
    return np.asarray(dens, dtype=np.float64)
