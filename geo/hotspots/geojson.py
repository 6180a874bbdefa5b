"""RFC 7946 GeoJSON (WGS84, [lon, lat], 1e-7 degrees) of hotspot results."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import shapely

from geo.boundaries import BNG, WGS84
from geo.hotspots.results import Hotspot, HotspotResult, OverlapResult

__all__ = ["to_geojson"]


def _listify(obj: Any) -> Any:
    if isinstance(obj, tuple | list):
        return [_listify(o) for o in obj]
    return obj


def _features(
    hotspots: list[Hotspot], extra: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    if not hotspots:
        return []
    geoms = gpd.GeoSeries([h.geometry for h in hotspots], crs=BNG).to_crs(WGS84)
    geoms_arr = shapely.orient_polygons(
        shapely.set_precision(geoms.to_numpy(), 1e-7), exterior_cw=False
    )
    cents = gpd.GeoSeries(
        gpd.points_from_xy(
            [h.centroid_easting for h in hotspots],
            [h.centroid_northing for h in hotspots],
        ),
        crs=BNG,
    ).to_crs(WGS84)
    feats = []
    for i, h in enumerate(hotspots):
        props = h.properties()
        props["centroid"]["lon"] = round(float(cents.iloc[i].x), 7)
        props["centroid"]["lat"] = round(float(cents.iloc[i].y), 7)
        if extra is not None:
            props.update(extra[i])
        feats.append(
            {
                "type": "Feature",
                "id": h.id,
                "geometry": _listify(shapely.geometry.mapping(geoms_arr[i])),
                "properties": props,
            }
        )
    return feats


def to_geojson(result: HotspotResult | OverlapResult) -> dict[str, Any]:
    """RFC 7946 FeatureCollection (WGS84, [lon, lat]) of the hotspots, rank 1 first.

    Each feature's ``id`` is the hotspot id and its properties are
    :meth:`Hotspot.properties` (with the centroid's lon/lat added); for an
    :class:`OverlapResult` they also carry ``colocation`` (the local and the window's
    global CLQ in both directions). The collection carries the foreign members
    ``parameters`` and ``warnings`` (and ``colocation_global`` for overlap results).

    Examples
    --------
    >>> fc = to_geojson(result)  # doctest: +SKIP
    >>> fc["features"][0]["properties"]["rank"]  # doctest: +SKIP
    1
    """
    if isinstance(result, OverlapResult):
        glob = {
            "fire_to_police": None
            if result.global_fire_to_police is None
            else result.global_fire_to_police.to_dict(),
            "police_to_fire": None
            if result.global_police_to_fire is None
            else result.global_police_to_fire.to_dict(),
        }
        ordered = sorted(result.hotspots, key=lambda o: o.hotspot.rank)
        extra = [
            {
                "colocation": {
                    "local_fire_to_police": o.fire_to_police.to_dict(),
                    "local_police_to_fire": o.police_to_fire.to_dict(),
                    "global_fire_to_police": glob["fire_to_police"],
                    "global_police_to_fire": glob["police_to_fire"],
                }
            }
            for o in ordered
        ]
        return {
            "type": "FeatureCollection",
            "features": _features([o.hotspot for o in ordered], extra),
            "parameters": result.parameters,
            "warnings": list(result.warnings),
            "colocation_global": glob,
        }
    ranked = sorted(result.hotspots, key=lambda h: h.rank)
    return {
        "type": "FeatureCollection",
        "features": _features(ranked),
        "parameters": result.parameters,
        "warnings": list(result.warnings),
    }
