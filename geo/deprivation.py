"""Concentration of incidents in deprived data zones (SIMD 2020v2).

Answers the planners' question "how concentrated are incidents in deprived areas,
relative to where people live?" (METHODS.md §9).

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

from __future__ import annotations

import io
import math
import numbers
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.boundaries import N_DATAZONES_SCOTLAND
from geo.errors import ParameterError
from geo.periods import to_local

__all__ = [
    "DEFAULT_N_BOOT",
    "STANDARD_PCTS",
    "ConcentrationResult",
    "DeprivationGroup",
    "GiniResult",
    "PeriodConcentration",
    "ThresholdShare",
    "concentration",
    "concentration_by_period",
    "concentration_chart_png",
    "gini_coefficients",
    "most_deprived_threshold",
]

#: Thresholds always reported in ``by_threshold`` (plus the requested one).
STANDARD_PCTS: tuple[int, ...] = (5, 10, 15, 20)
#: METHODS §9 asks for B >= 2000 bootstrap resamples.
DEFAULT_N_BOOT = 2000
LOCAL_TZ = "Europe/London"
CI_METHOD = (
    "percentile bootstrap: incidents resampled with replacement (each keeping its data "
    "zone), populations fixed; 95% = 2.5th-97.5th percentiles"
)
_DZ_COLUMNS = ("code", "population", "simd_rank", "simd_decile", "simd_quintile")
_FREQS = {"month": "M", "quarter": "Q", "year": "Y"}

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class DeprivationGroup:
    """Incidents and population of one SIMD decile or quintile.

    Attributes
    ----------
    group
        Decile (1-10) or quintile (1-5); 1 is the most deprived.
    incidents, population, n_datazones
        Totals over the data zones of the analysed area in this group (0 if none).
    rate_per_1000
        ``1000 * incidents / population``; None when the population is 0.
    share_incidents, share_population
        Fractions of the area totals; None when the total is 0.
    """

    group: int
    incidents: int
    population: int
    n_datazones: int
    rate_per_1000: float | None
    share_incidents: float | None
    share_population: float | None

    def to_dict(self, key: str) -> dict[str, Any]:
        """Plain JSON dict, naming the group field ``key`` (``decile``/``quintile``)."""
        return {
            key: self.group,
            "incidents": self.incidents,
            "population": self.population,
            "rate_per_1000": self.rate_per_1000,
            "n_datazones": self.n_datazones,
            "share_incidents": self.share_incidents,
            "share_population": self.share_population,
        }


@dataclass(frozen=True)
class ThresholdShare:
    """The share statistic for one "N% most deprived" threshold.

    Attributes
    ----------
    pct, rank_threshold
        N and ``floor(N/100 * 6976)``; zones with rank <= the threshold count.
    n_datazones, incidents, population
        Totals over those zones.
    share_incidents, share_population, concentration_ratio
        As in the module docstring; None when undefined.
    share_ci, ratio_ci
        95% bootstrap CIs (None without incidents, or when ``n_boot=0``).
    share_incidents_by_population, ratio_by_population
        The *by population* reading: the curve's incident share at population share
        ``pct/100`` and that share divided by ``pct/100``.
    """

    pct: float
    rank_threshold: int
    n_datazones: int
    incidents: int
    population: int
    share_incidents: float | None
    share_population: float | None
    concentration_ratio: float | None
    share_ci: tuple[float, float] | None
    ratio_ci: tuple[float, float] | None
    share_incidents_by_population: float | None
    ratio_by_population: float | None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON dict."""
        return {
            "most_deprived_pct": _num(self.pct),
            "rank_threshold": self.rank_threshold,
            "n_datazones": self.n_datazones,
            "incidents": self.incidents,
            "population": self.population,
            "share_incidents": self.share_incidents,
            "share_population": self.share_population,
            "concentration_ratio": self.concentration_ratio,
            "share_ci": _pair(self.share_ci),
            "ratio_ci": _pair(self.ratio_ci),
            "share_incidents_by_population": self.share_incidents_by_population,
            "ratio_by_population": self.ratio_by_population,
        }


@dataclass(frozen=True)
class GiniResult:
    """Standard and generalised Gini of counts over spatial units.

    Attributes
    ----------
    gini
        ``G = sum_i (2i - N - 1) x_(i) / (N C)`` with counts sorted ascending.
    gini_generalised
        ``G' = 1 - max(1, N/C) (1 - G)`` (Bernasco & Steenbeek 2017); equals ``G`` when
        ``C >= N``.
    n_units, n_incidents
        N and C. Both Ginis are None when N = 0 or C = 0.
    """

    gini: float | None
    gini_generalised: float | None
    n_units: int
    n_incidents: float


@dataclass(frozen=True)
class ConcentrationResult:
    """Concentration of incidents in deprived data zones (see the module docstring).

    Attributes
    ----------
    most_deprived_pct, rank_threshold
        The requested N and its SIMD rank threshold.
    incidents_total
        Incidents attributed to a data zone of the analysed area (M).
    incidents_unmatched
        Incidents whose ``datazone`` is not in the analysed area (excluded).
    incidents_in_most_deprived, population_total, population_in_most_deprived
        Counts behind the shares.
    n_datazones, n_datazones_most_deprived
        Number of data zones analysed, and how many are in the N% most deprived.
    share_incidents, share_population, concentration_ratio
        Headline figures for ``most_deprived_pct`` (None when undefined).
    share_ci, ratio_ci
        Their 95% bootstrap CIs.
    overall_rate_per_1000
        ``1000 * incidents_total / population_total``.
    by_decile, by_quintile
        One :class:`DeprivationGroup` per decile 1-10 / quintile 1-5, always all of them.
    by_threshold
        :class:`ThresholdShare` for 5, 10, 15, 20 % and the requested N.
    curve
        ``(simd_rank, cum_population_share, cum_incident_share)`` points from most to
        least deprived; the first is the origin with rank None. Empty without incidents
        or population.
    concentration_index, concentration_index_ci
        Kakwani C over data zones ranked by SIMD rank (C < 0: concentrated in deprived
        zones) and its bootstrap CI.
    concentration_index_decile
        C computed on decile groups instead of data zones.
    gini, gini_generalised
        Over data zones ranked by their own counts (:func:`gini_coefficients`).
    n_boot, seed, ci_method
        How the CIs were drawn.
    """

    most_deprived_pct: float
    rank_threshold: int
    incidents_total: int
    incidents_unmatched: int
    incidents_in_most_deprived: int
    population_total: int
    population_in_most_deprived: int
    n_datazones: int
    n_datazones_most_deprived: int
    share_incidents: float | None
    share_population: float | None
    concentration_ratio: float | None
    share_ci: tuple[float, float] | None
    ratio_ci: tuple[float, float] | None
    overall_rate_per_1000: float | None
    by_decile: tuple[DeprivationGroup, ...]
    by_quintile: tuple[DeprivationGroup, ...]
    by_threshold: tuple[ThresholdShare, ...]
    curve: tuple[tuple[int | None, float, float], ...]
    concentration_index: float | None
    concentration_index_ci: tuple[float, float] | None
    concentration_index_decile: float | None
    gini: float | None
    gini_generalised: float | None
    n_boot: int
    seed: int | None
    ci_method: str = CI_METHOD

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON dict (the ``/deprivation/concentration`` body); no NaN."""
        return {
            "most_deprived_pct": _num(self.most_deprived_pct),
            "rank_threshold": self.rank_threshold,
            "incidents_total": self.incidents_total,
            "incidents_unmatched": self.incidents_unmatched,
            "incidents_in_most_deprived": self.incidents_in_most_deprived,
            "share_incidents": self.share_incidents,
            "share_population": self.share_population,
            "concentration_ratio": self.concentration_ratio,
            "share_ci": _pair(self.share_ci),
            "ratio_ci": _pair(self.ratio_ci),
            "population_total": self.population_total,
            "population_in_most_deprived": self.population_in_most_deprived,
            "n_datazones": self.n_datazones,
            "n_datazones_most_deprived": self.n_datazones_most_deprived,
            "overall_rate_per_1000": self.overall_rate_per_1000,
            "by_decile": [g.to_dict("decile") for g in self.by_decile],
            "by_quintile": [g.to_dict("quintile") for g in self.by_quintile],
            "by_threshold": [t.to_dict() for t in self.by_threshold],
            "curve": [
                {
                    "simd_rank": r,
                    "cum_population_share": p,
                    "cum_incident_share": s,
                }
                for r, p, s in self.curve
            ],
            "concentration_index": self.concentration_index,
            "concentration_index_ci": _pair(self.concentration_index_ci),
            "concentration_index_decile": self.concentration_index_decile,
            "concentration_index_convention": (
                "Kakwani, ranked most deprived first: negative = incidents "
                "concentrated in deprived data zones, 0 = equal rates"
            ),
            "gini": self.gini,
            "gini_generalised": self.gini_generalised,
            "bootstrap": {
                "n_boot": self.n_boot,
                "seed": self.seed,
                "method": self.ci_method,
            },
            "definition": (
                "most deprived = SIMD 2020v2 national rank <= "
                f"floor({_num(self.most_deprived_pct)}/100 * {N_DATAZONES_SCOTLAND}) "
                f"= {self.rank_threshold} (by zone rank)"
            ),
        }


@dataclass(frozen=True)
class PeriodConcentration:
    """The concentration figures of one calendar period.

    Attributes
    ----------
    period
        Label: ``2024-03`` (month), ``2024-Q1`` (quarter) or ``2024`` (year).
    start, end
        The half-open interval ``[start, end)`` it covers, Europe/London.
    result
        :func:`concentration` on the incidents of that interval.
    """

    period: str
    start: pd.Timestamp
    end: pd.Timestamp
    result: ConcentrationResult

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON dict with the headline figures of the period."""
        r = self.result
        return {
            "period": self.period,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "incidents_total": r.incidents_total,
            "incidents_in_most_deprived": r.incidents_in_most_deprived,
            "share_incidents": r.share_incidents,
            "share_population": r.share_population,
            "concentration_ratio": r.concentration_ratio,
            "share_ci": _pair(r.share_ci),
            "ratio_ci": _pair(r.ratio_ci),
            "concentration_index": r.concentration_index,
            "gini_generalised": r.gini_generalised,
        }


# --------------------------------------------------------------------------- helpers
def _num(x: float) -> float | int:
    """An integral float as int (15.0 -> 15) for tidy JSON."""
    return int(x) if float(x).is_integer() else float(x)


def _pair(ci: tuple[float, float] | None) -> list[float] | None:
    return None if ci is None else [float(ci[0]), float(ci[1])]


def _div(a: float, b: float) -> float | None:
    return float(a) / float(b) if b > 0 else None


def _percentile_ci(x: FloatArray) -> tuple[float, float]:
    lo, hi = np.percentile(x, [2.5, 97.5])
    return float(lo), float(hi)


def most_deprived_threshold(pct: float) -> int:
    """SIMD rank threshold of "the ``pct``% most deprived" data zones.

    Parameters
    ----------
    pct
        A percentage in (0, 100].

    Returns
    -------
    int
        ``floor(pct/100 * 6976)``, computed in exact decimal arithmetic.

    Raises
    ------
    ParameterError
        If ``pct`` is not a number in (0, 100].

    Examples
    --------
    >>> most_deprived_threshold(15), most_deprived_threshold(20)
    (1046, 1395)
    """
    if (
        isinstance(pct, bool)
        or not isinstance(pct, numbers.Real)
        or not math.isfinite(float(pct))
        or not 0 < float(pct) <= 100
    ):
        msg = f"`most_deprived_pct` must be a number in (0, 100], got {pct!r}"
        raise ParameterError(msg, param="most_deprived_pct")
    return math.floor(Fraction(str(float(pct))) * N_DATAZONES_SCOTLAND / 100)


def gini_coefficients(counts: npt.ArrayLike) -> GiniResult:
    """Standard and generalised (Bernasco & Steenbeek 2017) Gini of unit counts.

    Parameters
    ----------
    counts
        Non-negative incident counts, one per spatial unit (zeros included: they are
        units without incidents).

    Returns
    -------
    GiniResult
        Both coefficients are None when there are no units or no incidents.

    Raises
    ------
    ParameterError
        If a count is negative or not finite.

    Notes
    -----
    With counts sorted ascending, ``G = sum_i (2i - N - 1) x_(i) / (N C)`` (the mean
    absolute difference over twice the mean). When there are fewer incidents than
    units (C < N) even a perfectly even spread leaves N - C units at zero, so the
    generalised Gini measures against the line of maximal equality:
    ``G' = 1 - max(1, N/C) (1 - G)``. The optional small-sample factor
    ``min(N, C)/(min(N, C) - 1)`` of the authors' R package is not applied.

    References
    ----------
    Bernasco, W. & Steenbeek, W. (2017). More places than crimes. *Journal of
    Quantitative Criminology* 33(3), 451-467.

    Examples
    --------
    >>> g = gini_coefficients([5, 2, 1, 0, 0, 0, 0, 0, 0, 0])
    >>> round(g.gini, 6), round(g.gini_generalised, 6)
    (0.8, 0.75)
    """
    x = np.sort(np.asarray(counts, dtype=np.float64).ravel())
    if x.size and (not np.isfinite(x).all() or (x < 0).any()):
        msg = "`counts` must be finite and non-negative"
        raise ParameterError(msg, param="counts")
    n = int(x.size)
    total = float(x.sum())
    if n == 0 or total <= 0:
        return GiniResult(None, None, n, total)
    i = np.arange(1, n + 1, dtype=np.float64)
    g = float(np.sum((2 * i - n - 1) * x) / (n * total))
    g_prime = 1.0 - max(1.0, n / total) * (1.0 - g)
    return GiniResult(g, g_prime, n, total)


def _check_datazones(datazones: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(datazones, pd.DataFrame):
        msg = "`datazones` must be a DataFrame of data zones"
        raise ParameterError(msg, param="datazones")
    missing = [c for c in _DZ_COLUMNS if c not in datazones.columns]
    if missing:
        msg = f"`datazones` lacks the columns {', '.join(missing)}"
        raise ParameterError(msg, param="datazones")
    dz = pd.DataFrame({c: datazones[c].to_numpy() for c in _DZ_COLUMNS})
    if dz["code"].duplicated().any():
        msg = "`datazones` has duplicate codes"
        raise ParameterError(msg, param="datazones")
    for col, hi in (("simd_decile", 10), ("simd_quintile", 5)):
        v = pd.to_numeric(dz[col], errors="coerce")
        if v.isna().any() or not v.between(1, hi).all() or (v % 1 != 0).any():
            msg = f"`datazones.{col}` must hold integers 1..{hi}"
            raise ParameterError(msg, param="datazones")
    pop = pd.to_numeric(dz["population"], errors="coerce")
    rank = pd.to_numeric(dz["simd_rank"], errors="coerce")
    if pop.isna().any() or (pop < 0).any():
        msg = "`datazones.population` must be non-negative numbers"
        raise ParameterError(msg, param="datazones")
    if rank.isna().any() or (rank < 1).any():
        msg = "`datazones.simd_rank` must be positive numbers"
        raise ParameterError(msg, param="datazones")
    dz["population"] = pop.to_numpy(dtype=np.int64)
    dz["simd_rank"] = rank.to_numpy(dtype=np.int64)
    dz["simd_decile"] = dz["simd_decile"].astype(np.int64)
    dz["simd_quintile"] = dz["simd_quintile"].astype(np.int64)
    return dz


def _zone_counts(incidents: pd.DataFrame, codes: pd.Series) -> tuple[IntArray, int]:
    """Incidents per data zone (aligned with ``codes``) and the unmatched count."""
    if not isinstance(incidents, pd.DataFrame) or "datazone" not in incidents.columns:
        msg = "`incidents` must be a DataFrame with a `datazone` column"
        raise ParameterError(msg, param="incidents")
    idx = pd.Index(codes).get_indexer(incidents["datazone"].to_numpy())
    matched = idx[idx >= 0]
    counts = np.bincount(matched, minlength=len(codes)).astype(np.int64)
    return counts, int((idx < 0).sum())


def _curve_groups(key: IntArray, pop: IntArray) -> tuple[IntArray, IntArray]:
    """Curve-group id of each zone (ordered most deprived first) and each group's key.

    Zones with equal ``key`` form one group; zero-population groups are merged into
    the adjacent more deprived group (the next one if they lead).
    """
    ukeys, inv = np.unique(key, return_inverse=True)
    gpop = np.bincount(inv, weights=pop, minlength=len(ukeys))
    gid = np.cumsum(gpop > 0) - 1
    gid[gid < 0] = 0
    zone_gid = gid[inv].astype(np.int64)
    n_groups = int(gid.max()) + 1 if len(gid) else 0
    # representative key of a merged group: the largest (least deprived) key in it
    rep = np.zeros(n_groups, dtype=np.int64)
    np.maximum.at(rep, gid, ukeys.astype(np.int64))
    return zone_gid, rep


def _index_from_shares(p_cum: FloatArray, l_cum: FloatArray) -> FloatArray:
    """``1 - sum (P_t - P_{t-1})(L_t + L_{t-1})`` along the last axis (origin included)."""
    dp = np.diff(p_cum)
    ls = l_cum[..., 1:] + l_cum[..., :-1]
    return np.asarray(1.0 - np.sum(dp * ls, axis=-1), dtype=np.float64)


def _groups_table(
    group: IntArray, counts: IntArray, pop: IntArray, n_groups: int
) -> tuple[DeprivationGroup, ...]:
    m = int(counts.sum())
    total_pop = int(pop.sum())
    inc = np.bincount(group, weights=counts, minlength=n_groups + 1)
    gp = np.bincount(group, weights=pop, minlength=n_groups + 1)
    nz = np.bincount(group, minlength=n_groups + 1)
    rows = []
    for g in range(1, n_groups + 1):
        i, p = int(inc[g]), int(gp[g])
        rows.append(
            DeprivationGroup(
                group=g,
                incidents=i,
                population=p,
                n_datazones=int(nz[g]),
                rate_per_1000=1000.0 * i / p if p > 0 else None,
                share_incidents=_div(i, m),
                share_population=_div(p, total_pop),
            )
        )
    return tuple(rows)


# --------------------------------------------------------------------------- main API
def concentration(
    incidents: pd.DataFrame,
    datazones: pd.DataFrame,
    *,
    most_deprived_pct: float = 15,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int | None = 0,
) -> ConcentrationResult:
    """How concentrated incidents are in the most deprived data zones.

    Parameters
    ----------
    incidents
        The incident frame (already filtered by agency, category and period); only
        its ``datazone`` column is used. May be empty.
    datazones
        The data zones of the analysed area with ``code, population, simd_rank,
        simd_decile, simd_quintile`` (e.g. ``Boundaries.datazones``).
    most_deprived_pct
        N of "the N% most deprived", default 15 (national rank <= 1046).
    n_boot
        Bootstrap resamples for the CIs, default 2000 (METHODS §9: B >= 2000); 0 skips
        the CIs.
    seed
        Seed of ``numpy.random.default_rng``, default 0.

    Returns
    -------
    ConcentrationResult
        Shares, ratio, CIs, decile/quintile tables, thresholds 5/10/15/20 %, the
        concentration curve and index and the generalised Gini; undefined figures are
        None (never NaN).

    Raises
    ------
    ParameterError
        For a bad ``most_deprived_pct``, ``n_boot`` or malformed frames.

    Notes
    -----
    See the module docstring for every definition and choice (METHODS.md §9).

    References
    ----------
    Kakwani, Wagstaff & van Doorslaer (1997); Bernasco & Steenbeek (2017).
    """
    threshold = most_deprived_threshold(most_deprived_pct)
    if (
        isinstance(n_boot, bool)
        or not isinstance(n_boot, numbers.Integral)
        or n_boot < 0
    ):
        msg = f"`n_boot` must be a non-negative integer, got {n_boot!r}"
        raise ParameterError(msg, param="n_boot")
    n_boot = int(n_boot)
    dz = _check_datazones(datazones)
    counts, unmatched = _zone_counts(incidents, dz["code"])
    pop = dz["population"].to_numpy(dtype=np.int64)
    rank = dz["simd_rank"].to_numpy(dtype=np.int64)
    m = int(counts.sum())
    total_pop = int(pop.sum())

    # bootstrap zone counts, shape (n_boot, n_zones): resampling incidents exactly
    boot: IntArray | None = None
    if n_boot > 0 and m > 0:
        rng = np.random.default_rng(seed)
        nonzero = np.flatnonzero(counts)
        draws = rng.multinomial(m, counts[nonzero] / m, size=n_boot)
        boot = np.zeros((n_boot, len(counts)), dtype=np.int64)
        boot[:, nonzero] = draws

    # concentration curve over data zones ranked by SIMD rank (most deprived first)
    curve: tuple[tuple[int | None, float, float], ...] = ()
    c_index: float | None = None
    c_ci: tuple[float, float] | None = None
    p_cum: FloatArray | None = None
    l_cum: FloatArray | None = None
    if m > 0 and total_pop > 0:
        gid, rep = _curve_groups(rank, pop)
        n_g = len(rep)
        p_cum = np.r_[0.0, np.cumsum(np.bincount(gid, weights=pop, minlength=n_g))]
        p_cum /= total_pop
        l_cum = np.r_[0.0, np.cumsum(np.bincount(gid, weights=counts, minlength=n_g))]
        l_cum /= m
        p_cum[-1] = l_cum[-1] = 1.0
        c_index = float(_index_from_shares(p_cum, l_cum))
        points = zip(rep, p_cum[1:], l_cum[1:], strict=True)
        curve = (
            (None, 0.0, 0.0),
            *((int(r), float(p), float(s)) for r, p, s in points),
        )
        if boot is not None:
            order = np.argsort(gid, kind="stable")
            starts = np.searchsorted(gid[order], np.arange(n_g))
            gboot = np.add.reduceat(boot[:, order], starts, axis=1)
            lb = np.cumsum(gboot, axis=1) / m
            lb = np.concatenate([np.zeros((n_boot, 1)), lb], axis=1)
            c_ci = _percentile_ci(_index_from_shares(p_cum, lb))

    c_decile: float | None = None
    decile = dz["simd_decile"].to_numpy(dtype=np.int64)
    if m > 0 and total_pop > 0:
        gid_d, rep_d = _curve_groups(decile, pop)
        n_d = len(rep_d)
        pd_cum = np.r_[0.0, np.cumsum(np.bincount(gid_d, weights=pop, minlength=n_d))]
        ld_cum = np.r_[
            0.0, np.cumsum(np.bincount(gid_d, weights=counts, minlength=n_d))
        ]
        c_decile = float(_index_from_shares(pd_cum / total_pop, ld_cum / m))

    def threshold_share(pct: float) -> ThresholdShare:
        thr = most_deprived_threshold(pct)
        mask = rank <= thr
        inc = int(counts[mask].sum())
        p_md = int(pop[mask].sum())
        s_inc = _div(inc, m)
        s_pop = _div(p_md, total_pop)
        ratio = s_inc / s_pop if s_inc is not None and s_pop else None
        share_ci = ratio_ci = None
        if boot is not None:
            share_ci = _percentile_ci(boot[:, mask].sum(axis=1) / m)
            if s_pop:
                ratio_ci = (share_ci[0] / s_pop, share_ci[1] / s_pop)
        s_by_pop = r_by_pop = None
        if p_cum is not None and l_cum is not None:
            x = float(pct) / 100.0
            s_by_pop = float(np.interp(x, p_cum, l_cum))
            r_by_pop = s_by_pop / x
        return ThresholdShare(
            pct=float(pct),
            rank_threshold=thr,
            n_datazones=int(mask.sum()),
            incidents=inc,
            population=p_md,
            share_incidents=s_inc,
            share_population=s_pop,
            concentration_ratio=ratio,
            share_ci=share_ci,
            ratio_ci=ratio_ci,
            share_incidents_by_population=s_by_pop,
            ratio_by_population=r_by_pop,
        )

    pcts = sorted({float(p) for p in (*STANDARD_PCTS, most_deprived_pct)})
    by_threshold = tuple(threshold_share(p) for p in pcts)
    head = next(t for t in by_threshold if t.pct == float(most_deprived_pct))
    gini = gini_coefficients(counts)

    return ConcentrationResult(
        most_deprived_pct=float(most_deprived_pct),
        rank_threshold=threshold,
        incidents_total=m,
        incidents_unmatched=unmatched,
        incidents_in_most_deprived=head.incidents,
        population_total=total_pop,
        population_in_most_deprived=head.population,
        n_datazones=len(dz),
        n_datazones_most_deprived=head.n_datazones,
        share_incidents=head.share_incidents,
        share_population=head.share_population,
        concentration_ratio=head.concentration_ratio,
        share_ci=head.share_ci,
        ratio_ci=head.ratio_ci,
        overall_rate_per_1000=None if total_pop == 0 else 1000.0 * m / total_pop,
        by_decile=_groups_table(decile, counts, pop, 10),
        by_quintile=_groups_table(
            dz["simd_quintile"].to_numpy(dtype=np.int64), counts, pop, 5
        ),
        by_threshold=by_threshold,
        curve=curve,
        concentration_index=c_index,
        concentration_index_ci=c_ci,
        concentration_index_decile=c_decile,
        gini=gini.gini,
        gini_generalised=gini.gini_generalised,
        n_boot=n_boot,
        seed=seed,
    )


def _period_label(p: pd.Period, freq: str) -> str:
    if freq == "month":
        return f"{p.year:04d}-{p.month:02d}"
    if freq == "quarter":
        return f"{p.year:04d}-Q{p.quarter}"
    return f"{p.year:04d}"


def concentration_by_period(
    incidents: pd.DataFrame,
    datazones: pd.DataFrame,
    *,
    freq: str = "quarter",
    start: str | datetime | pd.Timestamp | None = None,
    end: str | datetime | pd.Timestamp | None = None,
    most_deprived_pct: float = 15,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int | None = 0,
) -> list[PeriodConcentration]:
    """:func:`concentration` for each calendar month, quarter or year.

    Parameters
    ----------
    incidents
        The incident frame; uses ``datazone`` and ``occurred_at``.
    datazones
        As for :func:`concentration`.
    freq
        ``"month"``, ``"quarter"`` (default) or ``"year"``, in Europe/London time.
    start, end
        Optional half-open range ``[start, end)`` (naive = Europe/London). Incidents
        outside it are dropped and the first/last period is clipped to it. Without
        them the range runs from the period of the first incident to that of the last.
    most_deprived_pct, n_boot, seed
        Passed to :func:`concentration`; every period uses the same ``seed``, so a
        period's figures equal :func:`concentration` on its incidents alone.

    Returns
    -------
    list of PeriodConcentration
        One per period in time order, empty periods included (their shares are None).
        Empty if there are no incidents and no ``start``/``end``.

    Raises
    ------
    ParameterError
        For an unknown ``freq``, an unparseable or empty range, or bad frames.
    """
    if freq not in _FREQS:
        msg = f"`freq` was {freq!r} but is expected to be in {sorted(_FREQS)}"
        raise ParameterError(msg, param="freq")
    if not isinstance(incidents, pd.DataFrame) or "occurred_at" not in incidents:
        msg = "`incidents` must be a DataFrame with an `occurred_at` column"
        raise ParameterError(msg, param="incidents")
    when = pd.to_datetime(incidents["occurred_at"], utc=True).dt.tz_convert(LOCAL_TZ)
    keep = np.ones(len(incidents), dtype=bool)
    lo = to_local(start, "start") if start is not None else None
    hi = to_local(end, "end") if end is not None else None
    if lo is not None:
        keep &= (when >= lo).to_numpy()
    if hi is not None:
        keep &= (when < hi).to_numpy()
    if lo is not None and hi is not None and not lo < hi:
        msg = f"`start` ({lo}) must be before `end` ({hi})"
        raise ParameterError(msg, param="start")
    inc = incidents.loc[keep]
    when = when[keep]
    code = _FREQS[freq]
    periods = when.dt.tz_localize(None).dt.to_period(code)
    first = lo.tz_localize(None).to_period(code) if lo is not None else None
    last = None
    if hi is not None:
        last = (hi - pd.Timedelta(1, "ns")).tz_localize(None).to_period(code)
    if len(periods):
        first = first if first is not None else periods.min()
        last = last if last is not None else periods.max()
    if first is None or last is None:
        return []
    out: list[PeriodConcentration] = []
    pvals = periods.to_numpy()
    for p in pd.period_range(first, last, freq=code):
        p_start = pd.Timestamp(p.start_time).tz_localize(LOCAL_TZ, ambiguous=True)
        p_end = pd.Timestamp((p + 1).start_time).tz_localize(LOCAL_TZ, ambiguous=True)
        if lo is not None:
            p_start = max(p_start, lo)
        if hi is not None:
            p_end = min(p_end, hi)
        res = concentration(
            inc.loc[pvals == p],
            datazones,
            most_deprived_pct=most_deprived_pct,
            n_boot=n_boot,
            seed=seed,
        )
        out.append(PeriodConcentration(_period_label(p, freq), p_start, p_end, res))
    return out


def concentration_chart_png(
    result: ConcentrationResult,
    *,
    title: str | None = None,
    dpi: int = 100,
) -> bytes:
    """PNG chart: the concentration curve and the rate per 1,000 by SIMD decile.

    Parameters
    ----------
    result
        From :func:`concentration`.
    title
        Figure title; default states the share in the N% most deprived zones.
    dpi
        Resolution, default 100 (the figure is 11 x 4.5 inches).

    Returns
    -------
    bytes
        A PNG image. Drawn with matplotlib's Agg canvas (no GUI backend, no pyplot
        global state), so it is safe in a server thread.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 4.5), dpi=dpi)
    FigureCanvasAgg(fig)
    ax_curve, ax_bar = fig.subplots(1, 2)
    pct = _num(result.most_deprived_pct)
    if title is None:
        if result.share_incidents is not None and result.share_population is not None:
            title = (
                f"{result.share_incidents:.0%} of {result.incidents_total:,} incidents in "
                f"the {pct}% most deprived data zones ({result.share_population:.0%} "
                "of population)"
            )
            if result.concentration_ratio is not None:
                title += f": concentration ratio {result.concentration_ratio:.2f}"
        else:
            title = f"Incidents by deprivation (SIMD 2020v2): {result.incidents_total} incidents"
    fig.suptitle(title)

    ax_curve.plot([0, 1], [0, 1], color="0.6", linestyle="--", label="equal rates")
    if result.curve:
        xs = [p for _, p, _ in result.curve]
        ys = [s for _, _, s in result.curve]
        label = "incidents"
        if result.concentration_index is not None:
            label = f"incidents (C = {result.concentration_index:.3f})"
        ax_curve.plot(xs, ys, color="#b2182b", linewidth=2, label=label)
    else:
        ax_curve.text(0.5, 0.5, "no incidents", ha="center", va="center")
    ax_curve.set_xlim(0, 1)
    ax_curve.set_ylim(0, 1)
    ax_curve.set_xlabel("cumulative population share (most deprived first)")
    ax_curve.set_ylabel("cumulative incident share")
    ax_curve.set_title("Concentration curve (SIMD rank)")
    ax_curve.legend(loc="lower right")

    deciles = [g.group for g in result.by_decile]
    rates = [
        g.rate_per_1000 if g.rate_per_1000 is not None else 0.0
        for g in result.by_decile
    ]
    ax_bar.bar(deciles, rates, color="#2166ac")
    for g in result.by_decile:  # deciles with no data zone in the area
        if g.rate_per_1000 is None:
            ax_bar.text(g.group, 0, "n/a", ha="center", va="bottom", fontsize=8)
    if result.overall_rate_per_1000 is not None:
        ax_bar.axhline(
            result.overall_rate_per_1000,
            color="0.3",
            linestyle=":",
            label=f"overall {result.overall_rate_per_1000:.1f}",
        )
        ax_bar.legend(loc="upper right")
    top = max([*rates, result.overall_rate_per_1000 or 0.0])
    ax_bar.set_ylim(0, top * 1.2 if top > 0 else 1.0)  # headroom for the legend
    ax_bar.set_xticks(deciles)
    ax_bar.set_xlabel("SIMD 2020v2 decile (1 = most deprived)")
    ax_bar.set_ylabel("incidents per 1,000 population")
    ax_bar.set_title("Rate by decile")
    fig.tight_layout()

    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
