"""Checks of the demo generator's arguments (errors name the parameter at fault)."""

from __future__ import annotations

from datetime import date, datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.demo.scenario import BNG_EPSG, LONDON, MIN_MONTHS, REQUIRED_WARDS
from geo.errors import BoundaryError, ParameterError

__all__ = ["validate_boundaries", "validate_end", "validate_sizes"]


def validate_sizes(
    seed: object, months: object, n_police: object, n_fire: object
) -> None:
    """Raise :class:`ParameterError` for a bad ``seed``, ``months`` or target count."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        msg = f"`seed` must be a non-negative integer, got {seed!r}"
        raise ParameterError(msg, param="seed")
    if isinstance(months, bool) or not isinstance(months, int) or months < MIN_MONTHS:
        msg = f"`months` must be an integer >= {MIN_MONTHS}, got {months!r}"
        raise ParameterError(msg, param="months")
    for name, value in (("n_police", n_police), ("n_fire", n_fire)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            msg = f"`{name}` must be a positive integer, got {value!r}"
            raise ParameterError(msg, param=name)


def validate_end(end: date | str | None) -> date:
    """The end date (exclusive): default the first of this month, never in the future."""
    today = datetime.now(LONDON).date()
    if end is None:
        return today.replace(day=1)
    if isinstance(end, str):
        try:
            end = date.fromisoformat(end.strip()[:10])
        except ValueError as exc:
            msg = f"`end` must be an ISO date (YYYY-MM-DD), got {end!r}"
            raise ParameterError(msg, param="end") from exc
    elif isinstance(end, datetime):
        end = end.date()
    elif not isinstance(end, date):
        msg = f"`end` must be a date or an ISO date string, got {end!r}"
        raise ParameterError(msg, param="end")
    if end > today:
        msg = f"`end` {end.isoformat()} is in the future (today is {today.isoformat()})"
        raise ParameterError(msg, param="end")
    return end


def validate_boundaries(
    datazones: gpd.GeoDataFrame, wards: gpd.GeoDataFrame
) -> tuple[pd.DataFrame, dict[str, shapely.Geometry]]:
    """Private copies of the data zones (a frame) and ward code -> polygon, checked."""
    for arg, gdf, cols in (
        ("datazones", datazones, ("code", "name", "population", "simd_rank")),
        ("wards", wards, ("code",)),
    ):
        if not isinstance(gdf, gpd.GeoDataFrame):
            msg = f"`{arg}` must be a GeoDataFrame, got {type(gdf).__name__}"
            raise ParameterError(msg, param=arg)
        missing = [c for c in cols if c not in gdf.columns]
        if missing:
            msg = f"`{arg}` lacks the columns {', '.join(missing)}"
            raise BoundaryError(msg, param=arg)
        if gdf.crs is None or gdf.crs.to_epsg() != BNG_EPSG:
            msg = f"`{arg}` must be in EPSG:{BNG_EPSG}, got {gdf.crs}"
            raise ParameterError(msg, param=arg)
        if len(gdf) == 0:
            msg = f"`{arg}` is empty"
            raise BoundaryError(msg, param=arg)
    missing_wards = sorted(REQUIRED_WARDS - set(wards["code"]))
    if missing_wards:
        msg = f"`wards` lacks the wards {', '.join(missing_wards)} the demo plants in"
        raise BoundaryError(msg, param="wards")
    # Private copies of the geometries: preparing them must not touch the caller's.
    geoms = shapely.from_wkb(shapely.to_wkb(np.asarray(datazones.geometry.values)))
    shapely.prepare(geoms)
    zones = pd.DataFrame(
        {
            "code": datazones["code"].astype(str).to_numpy(),
            "name": datazones["name"].astype(str).to_numpy(),
            "population": datazones["population"].to_numpy(dtype=np.float64),
            "simd_rank": datazones["simd_rank"].to_numpy(dtype=np.float64),
            "geometry": geoms,
        }
    )
    ward_geoms = dict(
        zip(
            wards["code"].astype(str),
            shapely.from_wkb(shapely.to_wkb(np.asarray(wards.geometry.values))),
            strict=True,
        )
    )
    return zones, ward_geoms
