"""Health and version information."""

from __future__ import annotations

from typing import Any

import geopandas
import pyproj
import shapely
from fastapi import APIRouter

from app.deps import ServiceDep

router = APIRouter(tags=["health"])


@router.get("/health")
def health(svc: ServiceDep) -> dict[str, Any]:
    """Service status, stored incidents and loaded geography (no key needed).

    ``datazones`` and ``wards`` count the area pack's small areas and reporting units
    (for ``lincolnshire``: LSOAs and districts), repeated as ``small_areas`` and
    ``reporting_units`` beside the pack's ``area`` name and ``area_label``.
    """
    b = svc.boundaries
    pack = b.pack
    return {
        "status": "ok",
        "incidents": svc.count_incidents(),
        "area": pack.name,
        "area_label": pack.label,
        "small_areas": len(b.datazones),
        "reporting_units": len(b.wards),
        "small_area_kind": pack.small_areas.plural,
        "reporting_unit_kind": pack.reporting_units.plural,
        "deprivation_index": pack.deprivation.index,
        "datazones": len(b.datazones),
        "wards": len(b.wards),
        "auth": svc.settings.auth,
        "database": svc.engine.dialect.name,
        "boundaries_version": svc.boundaries.version,
        "versions": {
            "geopandas": geopandas.__version__,
            "shapely": shapely.__version__,
            "geos": shapely.geos_version_string,
            "pyproj": pyproj.__version__,
            "proj": pyproj.proj_version_str,
        },
    }
