"""Yearly tables: counts per key (category, agency, ward, group) and year, rates, change,
trend; the deprivation concentration of each year.

Rates are per 1,000 residents of the key's population (a ward's own population for
wards, the assessed area's population otherwise), the same population every year (the
boundary pack's mid-year estimate). ``change`` compares the assessed (last) year with the
year before: ``change = n_last - n_prev`` and ``change_pct = 100 * change / n_prev``
(None when ``n_prev`` is 0).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from geo.assessment.periods import AssessmentPeriod, period_index
from geo.assessment.trend import TrendResult, count_trend
from geo.deprivation import concentration
from geo.errors import ParameterError

KSI_CATEGORIES = ("collision_fatal", "collision_serious")


@dataclass(frozen=True)
class YearRow:
    """One key's yearly figures (oldest year first)."""

    key: str
    counts: tuple[int, ...]
    rates_per_1000: tuple[float | None, ...]
    change: int | None
    change_pct: float | None
    trend: TrendResult


@dataclass(frozen=True)
class YearTable:
    """Counts of one dimension by year.

    Attributes
    ----------
    dimension
        The incident column the keys come from (``category``, ``agency``, ``ward``, ...).
    years
        The period labels, oldest first (the last is the assessed year).
    rows
        One :class:`YearRow` per key, largest count in the assessed year first.
    totals
        The total of each year (over all keys of the table).
    """

    dimension: str
    years: tuple[str, ...]
    rows: tuple[YearRow, ...]
    totals: tuple[int, ...]

    def row(self, key: str) -> YearRow:
        """The row of ``key`` (KeyError when absent)."""
        for r in self.rows:
            if r.key == key:
                return r
        raise KeyError(key)


def _change(counts: Sequence[int]) -> tuple[int | None, float | None]:
    if len(counts) < 2:
        return None, None
    d = int(counts[-1] - counts[-2])
    return d, (None if counts[-2] == 0 else 100.0 * d / counts[-2])


def yearly_table(
    incidents: pd.DataFrame,
    periods: tuple[AssessmentPeriod, ...],
    dimension: str,
    *,
    population: float | Mapping[str, float] | None = None,
    keys: Sequence[str] | None = None,
    alpha: float = 0.05,
) -> YearTable:
    """Counts of ``incidents`` per value of ``dimension`` and period.

    Parameters
    ----------
    incidents
        Needs ``occurred_at`` (UTC) and the ``dimension`` column.
    periods
        From :func:`~geo.assessment.periods.assessment_periods`.
    dimension
        The column to count by.
    population
        One population for every key, or one per key (missing keys get no rate).
    keys
        Keys to show even with no incidents (default: those present).
    alpha
        Significance level of the trend tests.

    Returns
    -------
    YearTable
    """
    if dimension not in incidents.columns or "occurred_at" not in incidents.columns:
        raise ParameterError(f"`incidents` needs columns occurred_at and {dimension}", param="incidents")
    idx = period_index(incidents["occurred_at"], periods)
    df = pd.DataFrame({"key": incidents[dimension].astype(str).to_numpy(), "p": idx.to_numpy()})
    df = df[df["p"] >= 0]
    table = df.groupby(["key", "p"]).size().unstack(fill_value=0)
    table = table.reindex(columns=range(len(periods)), fill_value=0)
    wanted = list(dict.fromkeys([*(keys or []), *table.index]))
    table = table.reindex(wanted, fill_value=0)
    rows = []
    for key, vals in table.iterrows():
        counts = tuple(int(v) for v in vals)
        pop = population.get(str(key)) if isinstance(population, Mapping) else population
        rates = tuple(None if not pop else 1000.0 * c / float(pop) for c in counts)
        change, pct = _change(counts)
        rows.append(YearRow(str(key), counts, rates, change, pct, count_trend(counts, alpha=alpha)))
    rows.sort(key=lambda r: (-r.counts[-1] if r.counts else 0, r.key))
    totals = tuple(int(v) for v in table.sum(axis=0)) if len(table) else (0,) * len(periods)
    return YearTable(dimension, tuple(p.label for p in periods), tuple(rows), totals)


@dataclass(frozen=True)
class DeprivationYear:
    """The concentration of one year's incidents in the most deprived data zones."""

    label: str
    incidents: int
    in_most_deprived: int
    share_incidents: float | None
    share_population: float | None
    concentration_ratio: float | None


def deprivation_by_year(
    incidents: pd.DataFrame,
    datazones: pd.DataFrame,
    periods: tuple[AssessmentPeriod, ...],
    *,
    most_deprived_pct: float = 15,
    index: object | None = None,
) -> tuple[DeprivationYear, ...]:
    """:func:`geo.deprivation.concentration` of each period's incidents (no bootstrap).

    Parameters
    ----------
    incidents
        Needs ``occurred_at`` and ``datazone``.
    datazones
        The analysed data zones (``code, population, simd_rank, ...``).
    periods
        The assessment periods.
    most_deprived_pct
        N of "the N % most deprived" (default 15).
    index
        The area pack's deprivation index (default SIMD 2020v2).

    Returns
    -------
    tuple of DeprivationYear
    """
    idx = period_index(incidents["occurred_at"], periods)
    out = []
    for i, p in enumerate(periods):
        sub = incidents.loc[idx.to_numpy() == i, ["datazone"]]
        r = concentration(sub, datazones, most_deprived_pct=most_deprived_pct, n_boot=0, index=index)  # type: ignore[arg-type]
        out.append(DeprivationYear(p.label, r.incidents_total, r.incidents_in_most_deprived, r.share_incidents,
                                   r.share_population, r.concentration_ratio))
    return tuple(out)
