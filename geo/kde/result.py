"""The kernel density result object: values on a BNG grid, its bounds and heat points."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pyproj import Transformer

from geo.boundaries import BNG, WGS84
from geo.kde._types import FloatArray

TO_WGS84 = Transformer.from_crs(BNG, WGS84, always_xy=True)


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
        lon, lat = TO_WGS84.transform(xs, ys)
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
