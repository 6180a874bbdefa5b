"""Getis-Ord Gi* hot spots on data zones or a square grid, with FDR-corrected bins.

The statistic, its edge cases and the confidence bins follow METHODS.md §1 and §2:

- binary weights with each unit its own neighbour (``w_ii = 1``), the form of ArcGIS
  "Hot Spot Analysis" and of ``esda.G_Local(y, w, transform="B", star=True)``;
- the analytic z, its two-sided normal p ``erfc(|z|/√2)`` (never FDR-corrected, as in
  ArcGIS), the Benjamini-Hochberg q over **all** tested units, and the bin
  ``sign(z)·{3, 2, 1, 0}`` for ``q <= 0.01 / 0.05 / 0.10``;
- optionally a seeded conditional-permutation pseudo p.

The package: :mod:`~geo.gistar.statistic` (``gi_star`` and ``GiStarResult``),
:mod:`~geo.gistar.bins` (BH FDR and bins), :mod:`~geo.gistar.permutation`
(conditional permutations), :mod:`~geo.gistar.weights` (contiguity weights),
:mod:`~geo.gistar.grid` (grids and the default cell size) and
:mod:`~geo.gistar.analysis` (counts per data zone or grid cell, the service entry
points).

Zero counts are data: every data zone (or every grid cell that overlaps the council
area) is a unit, whether or not an incident fell in it.

References
----------
Getis, A. & Ord, J.K. (1992). The analysis of spatial association by use of distance
statistics. *Geographical Analysis* 24(3), 189-206.

Ord, J.K. & Getis, A. (1995). Local spatial autocorrelation statistics: distributional
issues and an application. *Geographical Analysis* 27(4), 286-306.

Benjamini, Y. & Hochberg, Y. (1995). Controlling the false discovery rate: a practical
and powerful approach to multiple testing. *JRSS B* 57(1), 289-300.

Anselin, L. (1995). Local indicators of spatial association - LISA. *Geographical
Analysis* 27(2), 93-115 (conditional randomisation).
"""

from geo.gistar.analysis import (
    DEFAULT_PERMUTATIONS,
    GRID_AUTO_PERMUTATION_WORK,
    gistar_datazones,
    gistar_grid,
)
from geo.gistar.bins import BIN_ALPHAS, BIN_RTOL, confidence_bins, fdr_bh
from geo.gistar.grid import (
    DEFAULT_MAX_CELLS,
    MAX_CELL_M,
    MIN_CELL_M,
    NN_SCALE,
    Grid,
    default_cell_m,
    make_grid,
)
from geo.gistar.statistic import DEFAULT_MAX_PERMUTATION_WORK, GiStarResult, gi_star
from geo.gistar.weights import datazone_weights, grid_weights

__all__ = [
    "BIN_ALPHAS",
    "BIN_RTOL",
    "DEFAULT_MAX_CELLS",
    "DEFAULT_MAX_PERMUTATION_WORK",
    "DEFAULT_PERMUTATIONS",
    "GRID_AUTO_PERMUTATION_WORK",
    "MAX_CELL_M",
    "MIN_CELL_M",
    "NN_SCALE",
    "GiStarResult",
    "Grid",
    "confidence_bins",
    "datazone_weights",
    "default_cell_m",
    "fdr_bh",
    "gi_star",
    "gistar_datazones",
    "gistar_grid",
    "grid_weights",
    "make_grid",
]
