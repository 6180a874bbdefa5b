"""Quartic (biweight) kernel density surface on a regular BNG grid (METHODS.md §5).

``λ(s) = Σ_i w_i·K(d_i)`` with ``K(d) = 3/(π h²)·(1 − (d/h)²)²`` for ``d < h``, the
kernel of Silverman (1986, eq. 4.5) used by ArcGIS Kernel Density. ``K`` integrates to
1, so ``λ`` is an intensity (incidents per unit area) that integrates to ``Σ w_i``.
Surfaces here are reported in **incidents per km²** (``λ`` per m² × 10⁶) at the
centre of each grid cell. There is no edge correction, as in ArcGIS.

The default bandwidth is the ArcGIS (10.2.1 and later) rule, a robust, spatial
Silverman rule of thumb::

    h = 0.9 · min(SD, sqrt(1/ln 2)·Dm) · n^(−0.2)

with ``SD`` the (weighted) standard distance, ``Dm`` the (weighted) median distance to
the (weighted) mean centre and ``n = Σ w``.

References
----------
Silverman, B.W. (1986). *Density Estimation for Statistics and Data Analysis*.
Chapman & Hall.

Esri, "How Kernel Density works" (ArcGIS Pro / ArcMap 10.2.1+ help).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from pyproj import Transformer
from scipy.signal import fftconvolve

from geo.boundaries import BNG, WGS84
from geo.errors import (
    EmptyInputError,
    ParameterError,
    TooFewIncidentsError,
    TooLargeError,
)

__all__ = [
    "DEFAULT_MAX_CELLS",
    "KdeResult",
    "default_bandwidth",
    "kde_surface",
    "quartic_kernel",
]

FloatArray = npt.NDArray[np.float64]

#: Largest grid :func:`kde_surface` builds unless told otherwise.
DEFAULT_MAX_CELLS = 1_000_000
#: ArcGIS default output cell: the shorter side of the extent divided by this.
EXTENT_DIVISOR = 250.0
#: The default cell is never coarser than ``h / CELLS_PER_BANDWIDTH``.
CELLS_PER_BANDWIDTH = 4.0
#: ``auto`` evaluates exactly while ``points × kernel cells`` stays below this.
EXACT_WORK_LIMIT = 20_000_000
SQRT_INV_LN2 = math.sqrt(1.0 / math.log(2.0))
_TO_WGS84 = Transformer.from_crs(BNG, WGS84, always_xy=True)


def quartic_kernel(d: npt.ArrayLike, h: float) -> FloatArray:
    """The quartic kernel ``3/(π h²)·(1 − (d/h)²)²`` for ``d < h``, else 0 (per m²)."""
    dist = np.asarray(d, dtype=np.float64)
    u2 = (dist / h) ** 2
    return np.where(u2 < 1.0, 3.0 / (math.pi * h * h) * (1.0 - u2) ** 2, 0.0)


def _as_points(
    easting: npt.ArrayLike, northing: npt.ArrayLike, weights: npt.ArrayLike | None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    x = np.asarray(easting, dtype=np.float64).ravel()
    y = np.asarray(northing, dtype=np.float64).ravel()
    if x.size != y.size:
        msg = f"`easting` has {x.size} values but `northing` has {y.size}"
        raise ParameterError(msg, param="northing")
    if weights is None:
        w = np.ones_like(x)
    else:
        w = np.asarray(weights, dtype=np.float64).ravel()
        if w.size != x.size:
            msg = f"`weights` has {w.size} values for {x.size} points"
            raise ParameterError(msg, param="weights")
        if not np.isfinite(w).all() or (w < 0).any():
            msg = "`weights` must be finite and non-negative"
            raise ParameterError(msg, param="weights")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        msg = "`easting`/`northing` must be finite"
        raise ParameterError(msg, param="easting")
    keep = w > 0
    x, y, w = x[keep], y[keep], w[keep]
    if x.size == 0:
        msg = "no points (with positive weight) to smooth"
        raise EmptyInputError(msg, param="easting")
    return x, y, w


def _weighted_median(values: FloatArray, weights: FloatArray) -> float:
    """Median of the data expanded by (integer) weights; the natural extension else.

    With ``W = Σ w``, take the first sorted value whose cumulative weight reaches
    ``W/2``; if the cumulative weight equals ``W/2`` exactly there, average it with
    the next value (the mean of the two middle values of an even expansion).
    """
    order = np.argsort(values, kind="stable")
    v, cw = values[order], np.cumsum(weights[order])
    half = cw[-1] / 2.0
    tol = 1e-12 * cw[-1]
    i = int(np.searchsorted(cw, half - tol, side="left"))
    if abs(cw[i] - half) <= tol and i + 1 < v.size:
        return float((v[i] + v[i + 1]) / 2.0)
    return float(v[i])


def default_bandwidth(
    easting: npt.ArrayLike,
    northing: npt.ArrayLike,
    *,
    weights: npt.ArrayLike | None = None,
) -> float:
    """ArcGIS default search radius ``h = 0.9·min(SD, √(1/ln2)·Dm)·n^(−0.2)``.

    Parameters
    ----------
    easting, northing
        Point coordinates, metres.
    weights
        Optional non-negative weights (e.g. duplicate counts); ``n = Σ w``. Integer
        weights give exactly the bandwidth of the expanded data.

    Returns
    -------
    float
        The bandwidth in metres.

    Raises
    ------
    TooFewIncidentsError
        If ``h`` would be 0 (one point, or all points coincide): give an explicit
        ``bandwidth_m`` instead.

    Examples
    --------
    >>> round(default_bandwidth([0, 2, 0, 2, 6], [0, 0, 2, 2, 1]), 5)
    1.54363
    """
    x, y, w = _as_points(easting, northing, weights)
    total = float(w.sum())
    mx, my = float(np.dot(w, x) / total), float(np.dot(w, y) / total)
    dx, dy = x - mx, y - my
    sd = math.sqrt(float(np.dot(w, dx * dx) + np.dot(w, dy * dy)) / total)
    dm = _weighted_median(np.hypot(dx, dy), w)
    h = 0.9 * min(sd, SQRT_INV_LN2 * dm) * total**-0.2
    if not h > 0.0:
        msg = (
            "the default bandwidth is 0 (a single location, or most points at one "
            "place): give `bandwidth_m` explicitly"
        )
        raise TooFewIncidentsError(msg, param="bandwidth_m")
    return h


@dataclass(frozen=True)
class KdeResult:
    """A kernel density surface on a regular grid in British National Grid.

    Attributes
    ----------
    values
        Array of shape ``(nrows, ncols)``: intensity at each cell centre in
        **incidents per km²**. Row 0 is the southernmost row, column 0 the western;
        the centre of cell ``(r, c)`` is ``(x0 + (c + ½)·cell_m, y0 + (r + ½)·cell_m)``.
    x0, y0
        South-west corner of the grid, EPSG:27700 metres.
    cell_m
        Cell side, metres.
    bandwidth_m
        Kernel radius ``h`` used, metres.
    bandwidth_rule
        ``"user"`` or ``"arcgis_default"`` (:func:`default_bandwidth`).
    cell_rule
        How ``cell_m`` was chosen (``"user"``, ``"extent/250"``, ``"bandwidth/4"`` or
        ``"max_cells"``).
    n_points
        Number of points with positive weight.
    weight_total
        ``Σ w`` (the number of incidents when unweighted).
    method
        ``"exact"`` (every point's kernel evaluated at the cell centres) or
        ``"binned"`` (points binned to cells, then FFT convolution with the
        discretised kernel; positions are rounded to the cell centre).
    bounds_wgs84
        ``(min_lon, min_lat, max_lon, max_lat)`` of the grid.
    notes
        Caveats (e.g. points outside the grid).
    """

    values: FloatArray
    x0: float
    y0: float
    cell_m: float
    bandwidth_m: float
    bandwidth_rule: str
    cell_rule: str
    n_points: int
    weight_total: float
    method: str
    bounds_wgs84: tuple[float, float, float, float]
    notes: list[str] = field(default_factory=list)

    units = "incidents per km²"

    @property
    def shape(self) -> tuple[int, int]:
        """``(nrows, ncols)``."""
        nrows, ncols = self.values.shape
        return int(nrows), int(ncols)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(minx, miny, maxx, maxy)`` of the grid in EPSG:27700."""
        nrows, ncols = self.shape
        return (
            self.x0,
            self.y0,
            self.x0 + ncols * self.cell_m,
            self.y0 + nrows * self.cell_m,
        )

    def cell_centres(self) -> tuple[FloatArray, FloatArray]:
        """Easting of each column centre and northing of each row centre."""
        nrows, ncols = self.shape
        xs = self.x0 + (np.arange(ncols, dtype=np.float64) + 0.5) * self.cell_m
        ys = self.y0 + (np.arange(nrows, dtype=np.float64) + 0.5) * self.cell_m
        return np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)

    def integral(self) -> float:
        """Riemann sum of the surface (incidents); ``≈ weight_total`` if it covers all
        kernels."""
        return float(self.values.sum() * (self.cell_m / 1000.0) ** 2)

    def to_heat_points(
        self, *, top_n: int = 5000, normalize: bool = False
    ) -> list[list[float]]:
        """``[lat, lon, value]`` of the nonzero cells, highest first, at most ``top_n``.

        Suitable for a Leaflet/folium heat layer. ``value`` is per km², or divided by
        the maximum when ``normalize`` is true.
        """
        flat = self.values.ravel()
        nz = np.flatnonzero(flat > 0)
        if nz.size == 0 or top_n <= 0:
            return []
        order = nz[np.argsort(-flat[nz], kind="stable")][:top_n]
        ncols = self.shape[1]
        r, c = np.divmod(order, ncols)
        xs = self.x0 + (c + 0.5) * self.cell_m
        ys = self.y0 + (r + 0.5) * self.cell_m
        lon, lat = _TO_WGS84.transform(xs, ys)
        vals = flat[order]
        if normalize:
            vals = vals / flat[order[0]]
        return [
            [round(float(a), 6), round(float(b), 6), float(v)]
            for a, b, v in zip(np.asarray(lat), np.asarray(lon), vals, strict=True)
        ]

    def to_dict(self, *, top_n: int = 5000, normalize: bool = False) -> dict[str, Any]:
        """JSON-safe description plus the heat-layer points (:meth:`to_heat_points`)."""
        points = self.to_heat_points(top_n=top_n, normalize=normalize)
        n_nonzero = int((self.values > 0).sum())
        return {
            "units": self.units,
            "normalized": bool(normalize),
            "cell_m": self.cell_m,
            "cell_rule": self.cell_rule,
            "bandwidth_m": self.bandwidth_m,
            "bandwidth_rule": self.bandwidth_rule,
            "kernel": "quartic",
            "method": self.method,
            "shape": list(self.shape),
            "origin_bng": [self.x0, self.y0],
            "bounds_bng": list(self.bounds),
            "bounds_wgs84": list(self.bounds_wgs84),
            "crs": BNG,
            "n_points": self.n_points,
            "weight_total": self.weight_total,
            "max_value": float(self.values.max()) if self.values.size else 0.0,
            "n_nonzero": n_nonzero,
            "truncated": n_nonzero > len(points),
            "points": points,
            "notes": list(self.notes),
        }


def _kernel_offsets(h: float, cell: float) -> tuple[npt.NDArray[np.int64], ...]:
    """Cell offsets ``(dr, dc)`` whose centre can lie within ``h`` of a point."""
    r = math.ceil(h / cell + 0.5)
    dr, dc = np.meshgrid(np.arange(-r, r + 1), np.arange(-r, r + 1), indexing="ij")
    gap_r = np.maximum(np.abs(dr) - 0.5, 0.0) * cell
    gap_c = np.maximum(np.abs(dc) - 0.5, 0.0) * cell
    keep = gap_r**2 + gap_c**2 < h * h
    return dr[keep].astype(np.int64), dc[keep].astype(np.int64)


def _surface_exact(
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
    dr, dc = _kernel_offsets(h, cell)
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


def _surface_binned(
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


def _round_sig(value: float, *, up: bool) -> float:
    """Round to two significant figures, down (or up)."""
    exp = math.floor(math.log10(value)) - 1
    k = value / 10.0**exp
    k = math.ceil(k - 1e-9) if up else math.floor(k + 1e-9)
    return float(f"{k}e{exp}")


def _cell_for_budget(width: float, height: float, max_cells: int) -> float:
    """Smallest cell with ``(width/cell + 2)·(height/cell + 2) <= max_cells``."""
    a, b, c = width * height, 2.0 * (width + height), 4.0 - max_cells
    t = (-b + math.sqrt(b * b - 4.0 * a * c)) / (2.0 * a)  # t = 1/cell
    return (1.0 / t) * (1.0 + 1e-9)


def kde_surface(
    easting: npt.ArrayLike,
    northing: npt.ArrayLike,
    *,
    cell_m: float | None = None,
    bandwidth_m: float | None = None,
    bounds: tuple[float, float, float, float] | None = None,
    weights: npt.ArrayLike | None = None,
    max_cells: int = DEFAULT_MAX_CELLS,
    method: Literal["auto", "exact", "binned"] = "auto",
) -> KdeResult:
    """Quartic kernel density of points on a regular grid (incidents per km²).

    Parameters
    ----------
    easting, northing
        Point coordinates, EPSG:27700 metres.
    cell_m
        Cell side in metres. Default: the shorter side of the extent / 250 (ArcGIS),
        but no coarser than ``h/4``, rounded down to two significant figures, and
        enlarged (rounded up) if the grid would exceed ``max_cells``.
    bandwidth_m
        Kernel radius ``h`` in metres. Default: :func:`default_bandwidth`.
    bounds
        ``(minx, miny, maxx, maxy)`` of the grid in EPSG:27700; the grid starts at
        ``(minx, miny)`` and covers the box with whole cells. Default: the points'
        bounding box grown by ``h`` (so every kernel lies inside), snapped outwards to
        multiples of ``cell_m``. Points outside the grid still contribute to the cells
        within ``h`` of them.
    weights
        Optional non-negative point weights (e.g. duplicate counts).
    max_cells
        Refuse (explicit ``cell_m``) or coarsen (default cell) grids larger than this.
    method
        ``"exact"`` evaluates each point's kernel at the cell centres; ``"binned"``
        bins points to cell centres and convolves (FFT) with the discretised kernel,
        fast for very many points; ``"auto"`` (default) is exact unless
        ``points × kernel cells`` exceeds 2·10⁷. Exact duplicates are always merged
        into weights first, which changes nothing.

    Returns
    -------
    KdeResult

    Raises
    ------
    EmptyInputError
        If there are no points.
    ParameterError
        For a non-positive ``cell_m``/``bandwidth_m``, bad ``bounds`` or weights.
    TooFewIncidentsError
        If the default bandwidth is 0 (give ``bandwidth_m``).
    TooLargeError
        If an explicit ``cell_m`` gives more than ``max_cells`` cells.

    References
    ----------
    Silverman (1986), eq. 4.5; Esri, "How Kernel Density works".

    Examples
    --------
    >>> r = kde_surface([0, 2, 0, 2, 6], [0, 0, 2, 2, 1], cell_m=1.0,
    ...                 bounds=(-0.5, -0.5, 6.5, 2.5))
    >>> round(float(r.values[0, 0]) / 1e6, 6)  # cell centred on (0, 0), per m²
    0.400762
    """
    x, y, w = _as_points(easting, northing, weights)
    notes: list[str] = []
    if bandwidth_m is None:
        h = default_bandwidth(x, y, weights=w)
        bw_rule = "arcgis_default"
    else:
        h = float(bandwidth_m)
        if not math.isfinite(h) or h <= 0:
            msg = f"`bandwidth_m` must be a positive number of metres, got {bandwidth_m!r}"
            raise ParameterError(msg, param="bandwidth_m")
        bw_rule = "user"

    ext: tuple[float, float, float, float]
    if bounds is None:
        ext = (
            float(x.min() - h),
            float(y.min() - h),
            float(x.max() + h),
            float(y.max() + h),
        )
    else:
        try:
            vals = [float(v) for v in bounds]
        except (TypeError, ValueError) as exc:
            msg = "`bounds` must be (minx, miny, maxx, maxy)"
            raise ParameterError(msg, param="bounds") from exc
        if (
            len(vals) != 4
            or not all(map(math.isfinite, vals))
            or not (vals[2] > vals[0] and vals[3] > vals[1])
        ):
            msg = (
                "`bounds` must be (minx, miny, maxx, maxy) with max > min, "
                f"got {bounds!r}"
            )
            raise ParameterError(msg, param="bounds")
        ext = (vals[0], vals[1], vals[2], vals[3])
    width, height = ext[2] - ext[0], ext[3] - ext[1]

    if cell_m is None:
        cell = min(width, height) / EXTENT_DIVISOR
        cell_rule = "extent/250"
        if cell > h / CELLS_PER_BANDWIDTH:
            cell, cell_rule = h / CELLS_PER_BANDWIDTH, "bandwidth/4"
        cell = _round_sig(cell, up=False)
        if (width / cell + 2) * (height / cell + 2) > max_cells:
            cell = _round_sig(_cell_for_budget(width, height, max_cells), up=True)
            cell_rule = "max_cells"
            notes.append(
                f"cell enlarged to {cell:.4g} m to stay within {max_cells:,} cells"
            )
    else:
        cell = float(cell_m)
        if not math.isfinite(cell) or cell <= 0:
            msg = f"`cell_m` must be a positive number of metres, got {cell_m!r}"
            raise ParameterError(msg, param="cell_m")
        cell_rule = "user"

    if bounds is None:
        x0 = math.floor(ext[0] / cell) * cell
        y0 = math.floor(ext[1] / cell) * cell
    else:
        x0, y0 = ext[0], ext[1]
    ncols = max(1, math.ceil((ext[2] - x0) / cell - 1e-9))
    nrows = max(1, math.ceil((ext[3] - y0) / cell - 1e-9))
    if nrows * ncols > max_cells:
        msg = (
            f"`cell_m`={cell:g} gives {nrows * ncols:,} cells ({nrows} × {ncols}), over "
            f"the limit of {max_cells:,}: use a larger cell or smaller bounds"
        )
        raise TooLargeError(msg, param="cell_m")
    if h < cell:
        notes.append(
            f"bandwidth {h:.4g} m is smaller than the cell ({cell:.4g} m): the surface "
            "under-samples the kernels"
        )

    # exact duplicates become weights: identical result, less work
    xy, inverse = np.unique(np.column_stack([x, y]), axis=0, return_inverse=True)
    wu: FloatArray = np.bincount(
        inverse.ravel(), weights=w, minlength=xy.shape[0]
    ).astype(np.float64)
    ux, uy = xy[:, 0].copy(), xy[:, 1].copy()
    xmax, ymax = x0 + ncols * cell, y0 + nrows * cell
    outside = (ux < x0) | (ux >= xmax) | (uy < y0) | (uy >= ymax)
    if outside.any():
        notes.append(
            f"{int(outside.sum())} location(s) lie outside the grid; they add to the "
            "cells within the bandwidth only"
        )
    near = (ux > x0 - h) & (ux < xmax + h) & (uy > y0 - h) & (uy < ymax + h)
    ux, uy, wu = ux[near], uy[near], wu[near]

    if method not in ("auto", "exact", "binned"):
        msg = f"`method` was {method!r} but is expected to be auto, exact or binned"
        raise ParameterError(msg, param="method")
    n_offsets = _kernel_offsets(h, cell)[0].size
    use = method
    if method == "auto":
        use = "exact" if ux.size * n_offsets <= EXACT_WORK_LIMIT else "binned"
    grid_kw: dict[str, Any] = {
        "x0": x0,
        "y0": y0,
        "cell": cell,
        "nrows": nrows,
        "ncols": ncols,
        "h": h,
    }
    if ux.size == 0:
        dens = np.zeros((nrows, ncols))
    elif use == "exact":
        dens = _surface_exact(ux, uy, wu, **grid_kw)
    else:
        dens = _surface_binned(ux, uy, wu, **grid_kw)
        notes.append("binned: point positions rounded to cell centres")

    west, south, east, north = _TO_WGS84.transform_bounds(
        x0, y0, xmax, ymax, densify_pts=21
    )
    return KdeResult(
        values=dens * 1e6,
        x0=float(x0),
        y0=float(y0),
        cell_m=float(cell),
        bandwidth_m=float(h),
        bandwidth_rule=bw_rule,
        cell_rule=cell_rule,
        n_points=int(x.size),
        weight_total=float(w.sum()),
        method=use,
        bounds_wgs84=(float(west), float(south), float(east), float(north)),
        notes=notes,
    )
