"""Background intensity: the window's own incident rate around each place (~2 km scale).

Incidents are counted on a 250 m grid and smoothed with a moving (2h+1)² box of cells
(h = 4, about 2.25 km across); the intensity of a cell is the smoothed count divided by
the smoothed area of the cells that lie in the study area (the council area when
boundaries are given, else every cell of the incidents' bounding box, plus any cell that
holds an incident). This is the "surroundings" a hotspot is compared with: it includes
the hotspot itself, so under the null of no local concentration it is unbiased, and a
real hotspot raises its own background a little (the test is then conservative).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy.stats import poisson

from geo.boundaries import Boundaries
from geo.hotspots._common import FloatArray, IntArray

__all__ = ["BACKGROUND_CELL_M", "BACKGROUND_HALF_WIDTH", "Background", "background", "study_area"]

BACKGROUND_CELL_M = 250.0
BACKGROUND_HALF_WIDTH = 4  # cells each side of the box window


@dataclass(frozen=True, eq=False)
class Background:
    """Smoothed incident intensity on a grid.

    Attributes
    ----------
    intensity
        Incidents per m² of each cell (shape (nx, ny)).
    in_area
        1.0 for cells in the study area, else 0.0.
    origin
        (x0, y0) of the grid's lower-left corner, EPSG:27700 metres.
    cell_m
        Cell size in metres.
    """

    intensity: FloatArray
    in_area: FloatArray
    origin: tuple[float, float]
    cell_m: float

    def at(self, xy: FloatArray) -> FloatArray:
        """Intensity (per m²) at the points ``xy`` (n, 2)."""
        ix, iy = self._cells(xy)
        return self.intensity[ix, iy]

    def _cells(self, xy: FloatArray) -> tuple[IntArray, IntArray]:
        nx, ny = self.intensity.shape
        ix = np.clip(
            ((xy[:, 0] - self.origin[0]) // self.cell_m).astype(np.int64), 0, nx - 1
        )
        iy = np.clip(
            ((xy[:, 1] - self.origin[1]) // self.cell_m).astype(np.int64), 0, ny - 1
        )
        return ix, iy

    def expected_exceedances(self, counts: IntArray, radius_m: float) -> FloatArray:
        """Expected number of incidents in the area with at least ``c - 1`` others within
        ``radius_m``, for each ``c`` in ``counts``, if incidents were a Poisson process
        of this intensity (constant at the scale of ``radius_m``).

        Each cell contributes ``λ · cell area · P(Poisson(λ π r²) ≥ c - 1)``; the sum
        bounds the chance that such a dense spot appears anywhere by chance.
        """
        lam = self.intensity[self.in_area > 0]
        weight = lam * self.cell_m**2
        mu = lam * np.pi * radius_m**2
        values, inverse = np.unique(
            np.asarray(counts, dtype=np.int64), return_inverse=True
        )
        per_value = np.array(
            [float(np.sum(weight * poisson.sf(v - 2.0, mu))) for v in values.tolist()]
        )
        return per_value[inverse.reshape(-1)] if values.size else np.zeros(0)


_AREAS: dict[int, tuple[Boundaries, shapely.Geometry]] = {}


def study_area(boundaries: Boundaries) -> shapely.Geometry:
    """Union of the data zones (cached per Boundaries object)."""
    hit = _AREAS.get(id(boundaries))
    if hit is None or hit[0] is not boundaries:
        geom = shapely.union_all(boundaries.datazones.geometry.to_numpy())
        shapely.prepare(geom)
        hit = (boundaries, geom)
        _AREAS[id(boundaries)] = hit
    return hit[1]


def _box(a: FloatArray, h: int) -> FloatArray:
    """Sum over the (2h+1)² box around every cell (zero outside the grid)."""
    k = 2 * h + 1
    c = np.pad(a, ((h + 1, h), (h + 1, h))).cumsum(0).cumsum(1)
    return c[k:, k:] - c[:-k, k:] - c[k:, :-k] + c[:-k, :-k]


def background(
    xy: FloatArray,
    boundaries: Boundaries | None,
    *,
    cell_m: float = BACKGROUND_CELL_M,
    half_width: int = BACKGROUND_HALF_WIDTH,
) -> Background:
    """Background intensity of the window's incidents ``xy`` (module notes).

    Parameters
    ----------
    xy
        Incident coordinates (n, 2), EPSG:27700 metres.
    boundaries
        Study area (the union of the data zones); ``None``: the bounding box.
    cell_m, half_width
        Grid cell (default 250 m) and the box half-width in cells (default 4).

    Returns
    -------
    Background
    """
    pad = cell_m * (half_width + 1)
    x0, y0 = xy.min(axis=0) - pad
    x1, y1 = xy.max(axis=0) + pad
    nx, ny = int((x1 - x0) // cell_m) + 1, int((y1 - y0) // cell_m) + 1
    ix = ((xy[:, 0] - x0) // cell_m).astype(np.int64)
    iy = ((xy[:, 1] - y0) // cell_m).astype(np.int64)
    counts = np.zeros((nx, ny), dtype=np.float64)
    np.add.at(counts, (ix, iy), 1.0)
    if boundaries is not None:
        cx = x0 + (np.arange(nx) + 0.5) * cell_m
        cy = y0 + (np.arange(ny) + 0.5) * cell_m
        gx, gy = np.meshgrid(cx, cy, indexing="ij")
        area = study_area(boundaries)
        in_area = shapely.contains_xy(area, gx, gy).astype(np.float64)
    else:
        in_area = np.ones((nx, ny), dtype=np.float64)
    in_area[counts > 0] = 1.0
    smoothed_area = _box(in_area, half_width) * cell_m**2
    intensity = _box(counts, half_width) / np.maximum(smoothed_area, cell_m**2)
    return Background(
        intensity=intensity,
        in_area=in_area,
        origin=(float(x0), float(y0)),
        cell_m=cell_m,
    )
