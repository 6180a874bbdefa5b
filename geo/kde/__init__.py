"""Quartic (biweight) kernel density surface on a regular BNG grid (METHODS.md §5).

``λ(s) = Σ_i w_i·K(d_i)`` with ``K(d) = 3/(π h²)·(1 − (d/h)²)²`` for ``d < h``, the
kernel of Silverman (1986, eq. 4.5) used by ArcGIS Kernel Density. ``K`` integrates to
1, so ``λ`` is an intensity (incidents per unit area) that integrates to ``Σ w_i``.
Surfaces here are reported in **incidents per km²** (``λ`` per m² × 10⁶) at the
centre of each grid cell. There is no edge correction, as in ArcGIS.

The default bandwidth is the ArcGIS (10.2.1 and later) rule, a robust, spatial
Silverman rule of thumb::

    h = 0.9 · min(SD, sqrt(1/ln 2)·Dm) · n^(−0.2)

with ``SD`` the (weighted) standard distance, ``Dm`` the (weighted) median distance to
the (weighted) mean centre and ``n = Σ w``.

The package: :mod:`~geo.kde.kernel` (the kernel and its exact / binned sums),
:mod:`~geo.kde.bandwidth` (the default radius), :mod:`~geo.kde.result`
(:class:`KdeResult`) and :mod:`~geo.kde.surface` (:func:`kde_surface`: grid choice and
evaluation).

References
----------
Silverman, B.W. (1986). *Density Estimation for Statistics and Data Analysis*.
Chapman & Hall.

Esri, "How Kernel Density works" (ArcGIS Pro / ArcMap 10.2.1+ help).
"""

from geo.kde.bandwidth import SQRT_INV_LN2, default_bandwidth
from geo.kde.kernel import quartic_kernel
from geo.kde.result import KdeResult
from geo.kde.surface import (
    CELLS_PER_BANDWIDTH,
    DEFAULT_MAX_CELLS,
    EXACT_WORK_LIMIT,
    EXTENT_DIVISOR,
    kde_surface,
)

__all__ = [
    "CELLS_PER_BANDWIDTH",
    "DEFAULT_MAX_CELLS",
    "EXACT_WORK_LIMIT",
    "EXTENT_DIVISOR",
    "SQRT_INV_LN2",
    "KdeResult",
    "default_bandwidth",
    "kde_surface",
    "quartic_kernel",
]
