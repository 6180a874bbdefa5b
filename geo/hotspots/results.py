"""Result objects of the hotspot engine (hotspots, overlap hotspots)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import shapely

from geo.hotspots._common import IntArray
from geo.hotspots.colocation import ClqResult, MeanLocalClqResult
from geo.hotspots.overlap_significance import OverlapTest

__all__ = ["Hotspot", "HotspotResult", "OverlapHotspot", "OverlapResult", "Trend"]


@dataclass(frozen=True)
class Trend:
    """Counts in the first and second half of the period.

    Attributes
    ----------
    first_half, second_half
        Incidents in [start, mid) and [mid, end).
    change_pct
        ``100 (second_half - first_half) / first_half``; ``None`` if first_half is 0.
    """

    first_half: int
    second_half: int
    change_pct: float | None

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary."""
        return {
            "first_half": self.first_half,
            "second_half": self.second_half,
            "change_pct": self.change_pct,
        }


@dataclass(frozen=True, eq=False)
class Hotspot:
    """One density-cluster hotspot.

    Attributes
    ----------
    id
        Stable id (``"H-"`` + 12 hex digits), see the module notes.
    rank, score
        Rank (1 = most important) and the rank score.
    label
        The clustering's own label of the cluster (as in ``HotspotResult.labels``).
    n, n_police, n_fire
        Incidents in the hotspot, in total and per agency.
    categories
        ``{category: count}``, most frequent first.
    wards, datazones
        Codes of the members' wards / data zones, most incidents first.
    worst_simd_decile
        Lowest (most deprived) SIMD 2020v2 decile among the members' data zones.
    first_occurred_at, last_occurred_at
        First and last incident time (ISO 8601, UTC).
    trend
        :class:`Trend` over the period.
    overlap
        Police/fire overlap hotspot: passes the count rule AND its co-location is
        significant in the select-and-test permutation test (:mod:`.overlap_significance`).
    centroid_easting, centroid_northing
        Mean position of the members (EPSG:27700).
    area_m2, area_km2
        Area of the polygon (m², km²).
    peak_count
        Most incidents within the place radius of one of its locations.
    expected_n
        Background expectation of incidents in the polygon (:mod:`.significance`).
    p_value, p_fdr, significant
        Scan-bound p-value against the background, BH-adjusted across the hotspots,
        and ``p_fdr <= 0.05``.
    overlap_p
        Adjusted p-value of the co-location test (``None`` when not a candidate or
        untested; :mod:`.overlap_significance`).
    geometry
        The polygon (EPSG:27700).
    members
        Positions (0-based) of the member incidents in the input frame.
    """

    id: str
    rank: int
    score: float
    label: int
    n: int
    n_police: int
    n_fire: int
    categories: dict[str, int]
    wards: list[str]
    datazones: list[str]
    worst_simd_decile: int | None
    first_occurred_at: str
    last_occurred_at: str
    trend: Trend
    overlap: bool
    centroid_easting: float
    centroid_northing: float
    area_m2: float
    geometry: shapely.Geometry = field(repr=False)
    members: IntArray = field(repr=False)
    area_km2: float = 0.0
    peak_count: int = 0
    expected_n: float = 0.0
    p_value: float = 1.0
    p_fdr: float = 1.0
    significant: bool = False
    overlap_p: float | None = None

    def properties(self) -> dict[str, Any]:
        """JSON-serialisable properties (no geometry, no member list)."""
        return {
            "id": self.id,
            "rank": self.rank,
            "score": self.score,
            "n": self.n,
            "n_police": self.n_police,
            "n_fire": self.n_fire,
            "categories": dict(self.categories),
            "wards": list(self.wards),
            "datazones": list(self.datazones),
            "worst_simd_decile": self.worst_simd_decile,
            "first_occurred_at": self.first_occurred_at,
            "last_occurred_at": self.last_occurred_at,
            "trend": self.trend.to_dict(),
            "overlap": self.overlap,
            "centroid": {
                "easting": self.centroid_easting,
                "northing": self.centroid_northing,
            },
            "area_m2": self.area_m2,
            "area_km2": self.area_km2,
            "peak_count": self.peak_count,
            "expected_n": self.expected_n,
            "p_value": self.p_value,
            "p_fdr": self.p_fdr,
            "significant": self.significant,
            "overlap_p": self.overlap_p,
        }


@dataclass(frozen=True, eq=False)
class HotspotResult:
    """Result of :func:`find_hotspots`.

    Attributes
    ----------
    hotspots
        The hotspots, rank 1 first.
    labels
        One label per input row: the cluster label, ``-1`` for noise, ``-2`` for rows
        outside the period. For DBSCAN these are scikit-learn's labels.
    hotspot_labels
        One label per input row: ``Hotspot.label`` of its hotspot, ``-1`` none, ``-2``
        outside the period. Equals ``labels`` unless the clusters were reduced to
        places (default DBSCAN parameters, :mod:`.place`).
    overlap_test
        The co-location test behind ``Hotspot.overlap`` (``None`` without hotspots).
    parameters
        Method, parameter values and how each was chosen, counts (JSON-serialisable).
    warnings
        Plain-language warnings (e.g. eps below the data's precision).
    """

    hotspots: tuple[Hotspot, ...]
    labels: IntArray = field(repr=False)
    parameters: dict[str, Any]
    warnings: tuple[str, ...]
    hotspot_labels: IntArray | None = field(default=None, repr=False)
    overlap_test: OverlapTest | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Parameters, warnings and every hotspot's properties."""
        return {
            "parameters": dict(self.parameters),
            "warnings": list(self.warnings),
            "hotspots": [h.properties() for h in self.hotspots],
        }


@dataclass(frozen=True, eq=False)
class OverlapHotspot:
    """An overlap hotspot with its co-location measures.

    Attributes
    ----------
    hotspot
        The hotspot.
    fire_to_police, police_to_fire
        Mean local CLQ of the hotspot's fire (police) incidents towards police (fire),
        with permutation p-values (:func:`geo.hotspots.colocation.mean_local_clq`).
    """

    hotspot: Hotspot
    fire_to_police: MeanLocalClqResult
    police_to_fire: MeanLocalClqResult


@dataclass(frozen=True, eq=False)
class OverlapResult:
    """Result of :func:`overlap_hotspots`.

    Attributes
    ----------
    hotspots
        Overlap hotspots only, in rank order.
    global_fire_to_police, global_police_to_fire
        Global CLQ of the whole window in both directions (``None`` when the window
        lacks one of the agencies).
    parameters, warnings
        From the hotspot result, plus the co-location settings.
    """

    hotspots: tuple[OverlapHotspot, ...]
    global_fire_to_police: ClqResult | None
    global_police_to_fire: ClqResult | None
    parameters: dict[str, Any]
    warnings: tuple[str, ...]
