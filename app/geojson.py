"""GeoDataFrame -> RFC 7946 FeatureCollection (WGS84 lon/lat, 6 decimals)."""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
import shapely


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    return v


def feature_collection(gdf: gpd.GeoDataFrame, columns: list[str], **members: Any) -> dict[str, Any]:
    """Features with the given property columns, geometry reprojected to WGS84."""
    wgs = gdf.to_crs(4326) if gdf.crs is not None and gdf.crs.to_epsg() != 4326 else gdf
    geoms = shapely.set_precision(wgs.geometry.values, 1e-6, mode="pointwise") if len(wgs) else []
    feats = []
    records = wgs[columns].to_dict(orient="records") if len(wgs) else []
    for geom, props in zip(geoms, records, strict=True):
        feats.append({"type": "Feature", "geometry": shapely.geometry.mapping(geom), "properties": _plain(props)})
    return {"type": "FeatureCollection", "features": feats, **_plain(members)}
