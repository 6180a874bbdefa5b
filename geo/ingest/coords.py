"""Coordinate conversion between WGS84 and British National Grid (pyproj)."""

from __future__ import annotations

from typing import Any

import numpy as np
from pyproj import Transformer

_TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
_TO_WGS = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


def to_bng(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 lon/lat to British National Grid easting/northing (pyproj)."""
    x, y = _TO_BNG.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x), np.asarray(y)


def to_wgs84(easting: Any, northing: Any) -> tuple[np.ndarray, np.ndarray]:
    """British National Grid to WGS84 lon/lat (pyproj)."""
    lon, lat = _TO_WGS.transform(
        np.asarray(easting, dtype=float), np.asarray(northing, dtype=float)
    )
    return np.asarray(lon), np.asarray(lat)
