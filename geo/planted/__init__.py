"""Seeded synthetic incidents with planted hotspots (ground truth for tests and benchmarks).

:func:`plant_incidents` draws uniform background noise over the council area plus
clusters of a known kind, centre, radius and police/fire mix, and returns an incident
frame in the service's schema (``source_id, agency, category, occurred_at, easting,
northing, datazone, ward, tasking_group, simd_rank, simd_decile``) with the data zone and
the ward each found by point-in-polygon (:func:`geopandas.sjoin`) against their own
polygons.

Cluster centres are the representative points of randomly chosen real data zones
(``GeoSeries.representative_point``: always inside the zone), kept at least
``min_separation_m`` apart. Cluster points are uniform in the disc of radius
``radius_m`` around the centre (points that fall outside the council area are drawn
again). The police/fire mix of a cluster is exact: ``round(n * police_share)`` police
incidents, the rest fire.

Duplicate locations (address geocoding, anonymised map points) are simulated with
``location_pool``: background incidents are then drawn with replacement from that many
uniform locations, and each cluster's incidents from ``max(3, n // 3)`` locations in its
disc.

Everything is a function of ``seed`` (NumPy ``default_rng``), so the same call returns
the same frame.
"""

from __future__ import annotations

from geo.planted.generator import plant_incidents
from geo.planted.spec import (
    DEFAULT_CLUSTERS,
    FIRE_CATEGORIES,
    POLICE_CATEGORIES,
    ClusterSpec,
    PlantedCluster,
)

__all__ = [
    "DEFAULT_CLUSTERS",
    "FIRE_CATEGORIES",
    "POLICE_CATEGORIES",
    "ClusterSpec",
    "PlantedCluster",
    "plant_incidents",
]
