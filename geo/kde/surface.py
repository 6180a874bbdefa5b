"""The kernel density surface: grid choice (extent, cell, bandwidth) and evaluation."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from geo.errors import ParameterError, TooLargeError
from geo.kde._types import FloatArray
from geo.kde.bandwidth import as_points, default_bandwidth
from geo.kde.kernel import kernel_offsets, surface_binned, surface_exact
from geo.kde.result import TO_WGS84, KdeResult

#: Largest grid :func:`kde_surface` builds unless told otherwise.
DEFAULT_MAX_CELLS = 1_000_000
#: ArcGIS default output cell: the shorter side of the extent divided by this.
EXTENT_DIVISOR = 250.0
#: The default cell is never coarser than ``h / CELLS_PER_BANDWIDTH``.
CELLS_PER_BANDWIDTH = 4.0
#: ``auto`` evaluates exactly while ``points × kernel cells`` stays below this.
EXACT_WORK_LIMIT = 20_000_000


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


def _bandwidth(
    x: FloatArray, y: FloatArray, w: FloatArray, bandwidth_m: float | None
) -> tuple[float, str]:
    """(h, rule): the user's radius, checked, or :func:`default_bandwidth`."""
    if bandwidth_m is None:
        return default_bandwidth(x, y, weights=w), "arcgis_default"
    h = float(bandwidth_m)
    if not math.isfinite(h) or h <= 0:
        msg = f"`bandwidth_m` must be a positive number of metres, got {bandwidth_m!r}"
        raise ParameterError(msg, param="bandwidth_m")
    return h, "user"


def _extent(
    x: FloatArray,
    y: FloatArray,
    h: float,
    bounds: tuple[float, float, float, float] | None,
) -> tuple[float, float, float, float]:
    """The grid's extent: ``bounds`` checked, or the points' box grown by ``h``."""
    if bounds is None:
        return (
            float(x.min() - h),
            float(y.min() - h),
            float(x.max() + h),
            float(y.max() + h),
        )
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
    return (vals[0], vals[1], vals[2], vals[3])


def _cell_size(
    ext: tuple[float, float, float, float],
    h: float,
    cell_m: float | None,
    max_cells: int,
    notes: list[str],
) -> tuple[float, str]:
    """(cell, rule): the user's cell, checked, or the default rule (see kde_surface)."""
    width, height = ext[2] - ext[0], ext[3] - ext[1]
    if cell_m is not None:
        cell = float(cell_m)
        if not math.isfinite(cell) or cell <= 0:
            msg = f"`cell_m` must be a positive number of metres, got {cell_m!r}"
            raise ParameterError(msg, param="cell_m")
        return cell, "user"
    cell = min(width, height) / EXTENT_DIVISOR
    cell_rule = "extent/250"
    if cell > h / CELLS_PER_BANDWIDTH:
        cell, cell_rule = h / CELLS_PER_BANDWIDTH, "bandwidth/4"
    cell = _round_sig(cell, up=False)
    if (width / cell + 2) * (height / cell + 2) > max_cells:
        cell = _round_sig(_cell_for_budget(width, height, max_cells), up=True)
        cell_rule = "max_cells"
        notes.append(f"cell enlarged to {cell:.4g} m to stay within {max_cells:,} cells")
    return cell, cell_rule


@dataclass(frozen=True)
class _Grid:
    x0: float
    y0: float
    cell: float
    nrows: int
    ncols: int
    h: float

    @property
    def xmax(self) -> float:
        return self.x0 + self.ncols * self.cell

    @property
    def ymax(self) -> float:
        return self.y0 + self.nrows * self.cell

    def kwargs(self) -> dict[str, Any]:
        return {
            "x0": self.x0,
            "y0": self.y0,
            "cell": self.cell,
            "nrows": self.nrows,
            "ncols": self.ncols,
            "h": self.h,
        }


def _lattice(
    ext: tuple[float, float, float, float],
    cell: float,
    h: float,
    *,
    snap: bool,
    max_cells: int,
    notes: list[str],
) -> _Grid:
    """Whole cells over ``ext`` (origin snapped to a multiple of ``cell`` if ``snap``)."""
    if snap:
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
    return _Grid(x0=x0, y0=y0, cell=cell, nrows=nrows, ncols=ncols, h=h)


def _merged_points(
    x: FloatArray, y: FloatArray, w: FloatArray, grid: _Grid, notes: list[str]
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Distinct locations with summed weights, only those within ``h`` of the grid.

    Exact duplicates become weights: identical result, less work.
    """
    h = grid.h
    xy, inverse = np.unique(np.column_stack([x, y]), axis=0, return_inverse=True)
    wu: FloatArray = np.bincount(
        inverse.ravel(), weights=w, minlength=xy.shape[0]
    ).astype(np.float64)
    ux, uy = xy[:, 0].copy(), xy[:, 1].copy()
    x0, y0, xmax, ymax = grid.x0, grid.y0, grid.xmax, grid.ymax
    outside = (ux < x0) | (ux >= xmax) | (uy < y0) | (uy >= ymax)
    if outside.any():
        notes.append(
            f"{int(outside.sum())} location(s) lie outside the grid; they add to the "
            "cells within the bandwidth only"
        )
    near = (ux > x0 - h) & (ux < xmax + h) & (uy > y0 - h) & (uy < ymax + h)
    return ux[near], uy[near], wu[near]


def _evaluate(
    ux: FloatArray,
    uy: FloatArray,
    wu: FloatArray,
    grid: _Grid,
    method: str,
    notes: list[str],
) -> tuple[FloatArray, str]:
    """(density per m², method used): exact or binned, ``auto`` chosen by the work."""
    if method not in ("auto", "exact", "binned"):
        msg = f"`method` was {method!r} but is expected to be auto, exact or binned"
        raise ParameterError(msg, param="method")
    n_offsets = kernel_offsets(grid.h, grid.cell)[0].size
    use = method
    if method == "auto":
        use = "exact" if ux.size * n_offsets <= EXACT_WORK_LIMIT else "binned"
    if ux.size == 0:
        return np.zeros((grid.nrows, grid.ncols)), use
    if use == "exact":
        return surface_exact(ux, uy, wu, **grid.kwargs()), use
    notes.append("binned: point positions rounded to cell centres")
    return surface_binned(ux, uy, wu, **grid.kwargs()), use


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
        ``(minx, miny, maxx, maxy)`` (EPSG:27700), covered from ``(minx, miny)`` by
        whole cells. Default: the points' box grown by ``h``, snapped outwards to
        multiples of ``cell_m``. Points outside still add to cells within ``h``.
    weights
        Optional non-negative point weights (e.g. duplicate counts).
    max_cells
        Refuse (explicit ``cell_m``) or coarsen (default cell) grids larger than this.
    method
        ``"exact"`` or ``"binned"`` (FFT convolution, :mod:`geo.kde.kernel`);
        ``"auto"`` (default) is exact unless ``points × kernel cells`` exceeds 2·10⁷.
        Exact duplicates are always merged into weights first (changes nothing).

    Returns
    -------
    KdeResult

    Raises
    ------
    EmptyInputError
        If there are no points.
    ParameterError
        For a non-positive ``cell_m``/``bandwidth_m``, bad ``bounds`` or weights.
    TooFewIncidentsError, TooLargeError
        If the default bandwidth is 0 (give ``bandwidth_m``); if an explicit
        ``cell_m`` gives more than ``max_cells`` cells.

    Examples
    --------
    >>> r = kde_surface([0, 2, 0, 2, 6], [0, 0, 2, 2, 1], cell_m=1.0,
    ...                 bounds=(-0.5, -0.5, 6.5, 2.5))
    >>> round(float(r.values[0, 0]) / 1e6, 6)  # cell centred on (0, 0), per m²
    0.400762
    """
    x, y, w = as_points(easting, northing, weights)
    notes: list[str] = []  # caveats, in the order the steps find them
    h, bw_rule = _bandwidth(x, y, w, bandwidth_m)
    ext = _extent(x, y, h, bounds)
    cell, cell_rule = _cell_size(ext, h, cell_m, max_cells, notes)
    grid = _lattice(ext, cell, h, snap=bounds is None, max_cells=max_cells, notes=notes)
    ux, uy, wu = _merged_points(x, y, w, grid, notes)
    dens, use = _evaluate(ux, uy, wu, grid, method, notes)
    wgs = TO_WGS84.transform_bounds(grid.x0, grid.y0, grid.xmax, grid.ymax, densify_pts=21)
    return KdeResult(
        values=dens * 1e6,
        x0=float(grid.x0),
        y0=float(grid.y0),
        cell_m=float(cell),
        bandwidth_m=float(h),
        bandwidth_rule=bw_rule,
        cell_rule=cell_rule,
        n_points=int(x.size),
        weight_total=float(w.sum()),
        method=use,
        bounds_wgs84=(float(wgs[0]), float(wgs[1]), float(wgs[2]), float(wgs[3])),
        notes=notes,
    )
