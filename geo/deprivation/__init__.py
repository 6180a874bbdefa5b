"""Concentration of incidents in deprived data zones (SIMD 2020v2).

Answers the planners' question "how concentrated are incidents in deprived areas,
relative to where people live?" (METHODS.md §9).

Modules, one question each:

* :mod:`~geo.deprivation.shares` — the share in "the N% most deprived" zones
* :mod:`~geo.deprivation.curve` — the concentration curve and index, the Gini
* :mod:`~geo.deprivation.concentration` — all figures of one set of incidents
* :mod:`~geo.deprivation.periods` — the same for each month, quarter or year
* :mod:`~geo.deprivation.chart` — the PNG chart
* :mod:`~geo.deprivation.results` — the result objects and their JSON form

Definitions
-----------
* **The N% most deprived** data zones are those with national SIMD 2020v2 rank
  ``<= floor(N/100 * 6976)`` (15 % -> rank 1046, 20 % -> rank 1395); rank 1 is the most
  deprived of Scotland's 6,976 data zones. This is the *by zone rank* reading.
* ``share_incidents = incidents in those zones / all incidents`` and
  ``share_population = population of those zones / all population``, both within the
  analysed area (the data zones passed in); ``concentration_ratio`` is their quotient,
  which equals the rate in those zones divided by the overall rate.
* The **concentration curve** orders data zones from most to least deprived (by SIMD
  rank) and joins the points (cumulative population share, cumulative incident share),
  starting at (0, 0). The **concentration index** is
  ``C = 1 - sum_t (P_t - P_{t-1}) (L_t + L_{t-1})`` (Kakwani et al. 1997), ranked
  poorest first, so **C < 0 means incidents are concentrated in deprived zones**;
  ``C = 0`` means equal rates everywhere.
* The *by population* reading of "top N %" reads the curve at ``P = N/100`` by linear
  interpolation (``share_incidents_by_population``); it is always labelled as such.
* The **generalised Gini** (Bernasco & Steenbeek 2017) ranks data zones by their own
  counts (not by deprivation): ``G = sum_i (2i - N - 1) x_(i) / (N C)`` and
  ``G' = 1 - max(1, N/C) (1 - G)``. No small-sample factor is applied.

Choices
-------
* Incidents are attributed to data zones through the incident frame's ``datazone`` code;
  SIMD fields come from ``datazones`` (not from the incident rows). Incidents whose code
  is not in ``datazones`` are left out of every figure and counted in
  ``incidents_unmatched``.
* Data zones with equal SIMD rank form one group on the curve (national ranks are
  unique, so this only matters for deciles). A group with zero population is merged
  with the adjacent more deprived group (or, if it is the most deprived, with the next
  one), so the curve never has a vertical segment.
* **Bootstrap CI** (METHODS §9): the M incidents are resampled with replacement, each
  keeping its data zone, populations fixed; this is drawn exactly as a multinomial
  ``(M, counts / M)`` over data zones, ``n_boot`` times with ``numpy.random.
  default_rng(seed)``. The 2.5th and 97.5th percentiles (linear interpolation) of the
  resampled share give the share CI; dividing by ``share_population`` gives the ratio
  CI. The same draws give the CI of every threshold and of the concentration index.
  The bootstrap treats incidents as independent, so repeat addresses make it too
  narrow.
* The result depends on the zoning (MAUP): compare like with like.

References
----------
Kakwani, N., Wagstaff, A. & van Doorslaer, E. (1997). Socioeconomic inequalities in
health: measurement, computation, and statistical inference. *Journal of Econometrics*
77(1), 87-103.

Bernasco, W. & Steenbeek, W. (2017). More places than crimes: implications for
evaluating the law of crime concentration at place. *Journal of Quantitative
Criminology* 33(3), 451-467.
"""

from geo.deprivation._common import (
    CI_METHOD,
    DEFAULT_N_BOOT,
    LOCAL_TZ,
    STANDARD_PCTS,
)
from geo.deprivation.chart import concentration_chart_png
from geo.deprivation.concentration import concentration
from geo.deprivation.curve import RankCurve, decile_index, gini_coefficients, rank_curve
from geo.deprivation.periods import concentration_by_period
from geo.deprivation.results import (
    ConcentrationResult,
    DeprivationGroup,
    GiniResult,
    PeriodConcentration,
    ThresholdShare,
)
from geo.deprivation.shares import most_deprived_threshold, threshold_share

__all__ = [
    "CI_METHOD",
    "DEFAULT_N_BOOT",
    "LOCAL_TZ",
    "STANDARD_PCTS",
    "ConcentrationResult",
    "DeprivationGroup",
    "GiniResult",
    "PeriodConcentration",
    "RankCurve",
    "ThresholdShare",
    "concentration",
    "concentration_by_period",
    "concentration_chart_png",
    "decile_index",
    "gini_coefficients",
    "most_deprived_threshold",
    "rank_curve",
    "threshold_share",
]
