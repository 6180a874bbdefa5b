"""Emerging hot spots: Gi* on a space-time cube, Mann-Kendall trends, ArcGIS patterns.

A cube of incident counts over locations (data zones or grid cells) × whole months or
weeks (:mod:`~geo.emerging.cube`); the Gi* of every bin with spatial neighbours within a
window of time steps (:mod:`~geo.emerging.spacetime`, as ArcGIS's Emerging Hot Spot
Analysis); the Mann-Kendall trend of each location's z series
(:mod:`~geo.emerging.trend`); and the ArcGIS pattern categories
(:mod:`~geo.emerging.patterns`, wording in :mod:`~geo.emerging.wording`).
:mod:`~geo.emerging.analysis` ties them together for data zones and grids.

References
----------
Esri, "How Emerging Hot Spot Analysis works" (ArcGIS Pro, Space Time Pattern Mining).
Mann (1945); Kendall (1975); Getis & Ord (1992).
"""

from geo.emerging.analysis import (
    DEFAULT_ALPHA,
    EmergingResult,
    emerging_datazones,
    emerging_from_cube,
    emerging_grid,
)
from geo.emerging.cube import MIN_STEPS, TimeSteps, cube_counts, time_steps
from geo.emerging.patterns import (
    COLD_PATTERNS,
    HOT_PATTERNS,
    PATTERNS,
    classify_patterns,
)
from geo.emerging.spacetime import SpaceTimeGiStar, spacetime_gi_star
from geo.emerging.trend import MannKendallResult, mann_kendall
from geo.emerging.wording import PATTERN_TEXT, describe

__all__ = [
    "COLD_PATTERNS",
    "DEFAULT_ALPHA",
    "HOT_PATTERNS",
    "MIN_STEPS",
    "PATTERNS",
    "PATTERN_TEXT",
    "EmergingResult",
    "MannKendallResult",
    "SpaceTimeGiStar",
    "TimeSteps",
    "classify_patterns",
    "cube_counts",
    "describe",
    "emerging_datazones",
    "emerging_from_cube",
    "emerging_grid",
    "mann_kendall",
    "spacetime_gi_star",
    "time_steps",
]
