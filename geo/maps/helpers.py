"""Small pure helpers of the map: disclosure, hotspot kind, heat floor, HTML, GeoJSON."""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.boundaries import BNG, WGS84
from geo.errors import ParameterError
from geo.maps.style import COORD_GRID, SUPPRESS_BELOW, SYNTHETIC_PREFIX

__all__ = [
    "as_number",
    "check_gdf",
    "collection",
    "esc",
    "fmt_count",
    "heat_floor",
    "hotspot_kind",
    "is_synthetic",
    "pretty",
    "suppress_count",
    "table",
    "wgs84_geoms",
]


def suppress_count(value: Any, *, threshold: int = SUPPRESS_BELOW) -> Any:
    """``"<5"`` for an integer count 1-4 (statistical disclosure control), else ``value``.

    Examples
    --------
    >>> [suppress_count(v) for v in (0, 3, 5, "<5", None)]
    [0, '<5', 5, '<5', None]
    """
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        return value
    return f"<{threshold}" if 1 <= int(value) < threshold else int(value)


def is_synthetic(source_ids: Iterable[Any]) -> bool:
    """Whether any source id carries the demo prefix ``DEMO-`` (synthetic records).

    Examples
    --------
    >>> is_synthetic(["DEMO-P-000001", "PS-1"]), is_synthetic(["PS-1"]), is_synthetic([])
    (True, False, False)
    """
    s = pd.Series(list(source_ids), dtype="string")
    return bool(s.str.startswith(SYNTHETIC_PREFIX).fillna(False).any())


def as_number(v: Any) -> float:
    """A count as a number for comparisons: a suppressed ``"<5"`` counts as 2.5."""
    if isinstance(v, str) and v.startswith("<"):
        return 2.5  # a suppressed 1-4
    try:
        return float(v or 0)
    except (TypeError, ValueError):
        return 0.0


def hotspot_kind(properties: Mapping[str, Any]) -> Literal["overlap", "police", "fire"]:
    """Which layer a hotspot belongs to: ``overlap`` when its ``overlap`` property is
    true, else the agency with more incidents in it (``police`` on a tie).

    Examples
    --------
    >>> hotspot_kind({"overlap": True}), hotspot_kind({"n_police": "<5", "n_fire": 9})
    ('overlap', 'fire')
    """
    if properties.get("overlap"):
        return "overlap"
    police = as_number(properties.get("n_police"))
    fire = as_number(properties.get("n_fire"))
    return "fire" if fire > police else "police"


def heat_floor(bandwidth_m: float, *, min_count: int = SUPPRESS_BELOW) -> float:
    """Smallest quartic-KDE value (incidents per km²) that needs ``min_count`` incidents.

    One incident adds at most the kernel's peak ``3 / (π h²)`` (per m²) to any cell
    (geo.kde, Silverman 1986 eq. 4.5), so a cell at or above ``min_count`` times the
    peak has at least ``min_count`` incidents within the bandwidth. Keeping only such
    cells makes a heat layer an aggregate that no single incident can show through.

    Examples
    --------
    >>> round(heat_floor(300.0), 3)  # 5 * 3e6 / (pi * 300**2)
    53.052
    """
    if not (
        isinstance(bandwidth_m, int | float)
        and math.isfinite(bandwidth_m)
        and bandwidth_m > 0
    ):
        msg = f"`bandwidth_m` must be a positive number of metres, got {bandwidth_m!r}"
        raise ParameterError(msg, param="bandwidth_m")
    return float(min_count) * 3.0e6 / (math.pi * bandwidth_m * bandwidth_m)


def esc(v: Any) -> str:
    """HTML-escaped text of ``v`` (``None`` -> empty)."""
    return html.escape("" if v is None else str(v))


def fmt_count(v: Any) -> str:
    """An integer count with thousands separators, anything else escaped."""
    if isinstance(v, int | np.integer) and not isinstance(v, bool):
        return f"{int(v):,}"
    return esc(v)


def pretty(category: str) -> str:
    """A category code for people: underscores as spaces."""
    return category.replace("_", " ")


def check_gdf(gdf: Any, name: str, columns: Sequence[str]) -> gpd.GeoDataFrame:
    """``gdf`` if it is a GeoDataFrame with a CRS and ``columns``, else raise."""
    if not isinstance(gdf, gpd.GeoDataFrame):
        msg = f"`{name}` must be a GeoDataFrame, got {type(gdf).__name__}"
        raise ParameterError(msg, param=name)
    if gdf.crs is None:
        msg = f"`{name}` has no CRS: set one (EPSG:27700 or EPSG:4326)"
        raise ParameterError(msg, param=name)
    missing = [c for c in columns if c not in gdf.columns]
    if missing:
        msg = f"`{name}` lacks the column(s) {', '.join(missing)}"
        raise ParameterError(msg, param=name)
    return gdf


def wgs84_geoms(gdf: gpd.GeoDataFrame, simplify_m: float) -> np.ndarray:
    """Simplified (in metres, BNG) and rounded (about 1 m) WGS84 geometries."""
    geo = gdf.geometry
    if simplify_m > 0:
        geo = geo.to_crs(BNG).simplify(simplify_m, preserve_topology=True)
    geo = geo.to_crs(WGS84)
    return np.asarray(shapely.set_precision(geo.to_numpy(), COORD_GRID))


def collection(geoms: np.ndarray, props: list[dict[str, Any]]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the non-empty geometries and their properties."""
    feats = [
        {"type": "Feature", "geometry": shapely.geometry.mapping(g), "properties": p}
        for g, p in zip(geoms, props, strict=True)
        if g is not None and not shapely.is_empty(g)
    ]
    return {"type": "FeatureCollection", "features": feats}


def table(rows: Sequence[tuple[str, str]]) -> str:
    """A popup table of (label, HTML value) rows; labels are escaped."""
    body = "".join(f"<tr><th>{esc(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return f"<table class='tm-pop'>{body}</table>"
