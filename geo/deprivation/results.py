"""Result objects of the deprivation statistics and their JSON form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from geo.boundaries import N_DATAZONES_SCOTLAND
from geo.deprivation._common import CI_METHOD, _num, _pair

__all__ = [
    "ConcentrationResult",
    "DeprivationGroup",
    "GiniResult",
    "PeriodConcentration",
    "ThresholdShare",
]


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
    national_count: int = N_DATAZONES_SCOTLAND
    index_name: str = "SIMD 2020v2"
    index_short: str = "SIMD"

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
                f"most deprived = {self.index_name} national rank <= "
                f"floor({_num(self.most_deprived_pct)}/100 * {self.national_count}) "
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
