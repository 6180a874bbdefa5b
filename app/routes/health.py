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
    """Service status, stored incidents and loaded geography (no key needed)."""
    return {
        "status": "ok",
        "incidents": svc.count_incidents(),
        "datazones": len(svc.boundaries.datazones),
        "wards": len(svc.boundaries.wards),
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
