"""Square grids over the study area, and the data-driven default cell size."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.spatial import cKDTree

from geo.boundaries import BNG
from geo.errors import ParameterError, TooLargeError
from geo.gistar._types import IntArray
from geo.gistar.weights import grid_weights

#: Largest number of grid cells :func:`make_grid` builds unless told otherwise.
DEFAULT_MAX_CELLS = 200_000
#: Clamp of the data-driven grid cell size, metres.
MIN_CELL_M = 100.0
MAX_CELL_M = 2000.0
#: ArcGIS Optimized Hot Spot Analysis: the fishnet cell is at least this many NN
#: distances.
NN_SCALE = 2.0
_NICE_STEPS = (1.0, 2.0, 2.5, 5.0)


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


def check_cell_m(cell_m: float) -> float:
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
    cell = check_cell_m(cell_m)
    if area_geometry is None or shapely.is_empty(area_geometry):
        msg = "`area_geometry` is empty"
        raise ParameterError(msg, param="area_geometry")
    minx, miny, maxx, maxy = shapely.bounds(area_geometry).tolist()
    x0 = math.floor(minx / cell) * cell
    y0 = math.floor(miny / cell) * cell
    ncols = max(1, math.ceil((maxx - x0) / cell))
    nrows = max(1, math.ceil((maxy - y0) / cell))
    _check_lattice_size(area_geometry, cell, nrows * ncols, max_cells)
    rows, cols = np.divmod(np.arange(nrows * ncols, dtype=np.int64), ncols)
    xmin = x0 + cols * cell
    ymin = y0 + rows * cell
    boxes = shapely.box(xmin, ymin, xmin + cell, ymin + cell)
    keep = _cells_in_area(area_geometry, boxes)
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


def _check_lattice_size(
    area_geometry: shapely.Geometry, cell: float, lattice: int, max_cells: int
) -> None:
    """Refuse, before building any box, a grid that would be far too large."""
    estimate = shapely.area(area_geometry) / (cell * cell)
    if estimate > max_cells or lattice > 20 * max_cells:
        msg = (
            f"`cell_m`={cell:g} gives about {max(estimate, 1):,.0f} cells over the area "
            f"({lattice:,} in its bounding box), over the limit of {max_cells:,}: "
            "use a larger cell"
        )
        raise TooLargeError(msg, param="cell_m")


def _cells_in_area(area_geometry: shapely.Geometry, boxes: np.ndarray) -> np.ndarray:
    """True for boxes whose interior meets the area (touching the boundary is not enough)."""
    shapely.prepare(area_geometry)
    keep = shapely.intersects(area_geometry, boxes)
    edge = keep & ~shapely.contains_properly(area_geometry, boxes)
    if edge.any():  # drop cells that only touch the boundary
        keep[edge] = ~shapely.touches(area_geometry, boxes[edge])
    return np.asarray(keep, dtype=bool)


def _nice_round(value: float) -> float:
    """Nearest (in log scale) of 1, 2, 2.5, 5 × 10^k."""
    exp = math.floor(math.log10(value))
    candidates = [s * 10.0**e for e in (exp - 1, exp, exp + 1) for s in _NICE_STEPS]
    return min(candidates, key=lambda c: abs(math.log(c / value)))


def default_cell_details(
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
    return default_cell_details(easting, northing, area, max_cells=max_cells)[0]
