"""How concentrated incidents are in the most deprived data zones (METHODS §9)."""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from geo.areas import Deprivation
from geo.deprivation._common import DEFAULT_N_BOOT, STANDARD_PCTS, IntArray
from geo.deprivation.curve import decile_index, gini_coefficients, rank_curve
from geo.deprivation.results import ConcentrationResult
from geo.deprivation.shares import (
    _check_datazones,
    _groups_table,
    _zone_counts,
    most_deprived_threshold,
    threshold_share,
)
from geo.errors import ParameterError

#: The default index: SIMD 2020v2 over Scotland's 6,976 data zones (West Lothian's pack).
SIMD_2020V2 = Deprivation(index="SIMD 2020v2", short="SIMD", nation="Scotland", national_count=6976)

__all__ = ["concentration"]


def _check_n_boot(n_boot: object) -> int:
    if (
        isinstance(n_boot, bool)
        or not isinstance(n_boot, numbers.Integral)
        or n_boot < 0
    ):
        msg = f"`n_boot` must be a non-negative integer, got {n_boot!r}"
        raise ParameterError(msg, param="n_boot")
    return int(n_boot)


def _bootstrap_counts(
    counts: IntArray, n_boot: int, seed: int | None
) -> IntArray | None:
    """Bootstrap zone counts ``(n_boot, n_zones)``: the incidents resampled exactly."""
    m = int(counts.sum())
    if n_boot <= 0 or m <= 0:
        return None
    rng = np.random.default_rng(seed)
    nonzero = np.flatnonzero(counts)
    draws = rng.multinomial(m, counts[nonzero] / m, size=n_boot)
    boot = np.zeros((n_boot, len(counts)), dtype=np.int64)
    boot[:, nonzero] = draws
    return boot


def _summarise(
    dz: pd.DataFrame,
    counts: IntArray,
    boot: IntArray | None,
    *,
    most_deprived_pct: float,
    threshold: int,
    unmatched: int,
    n_boot: int,
    seed: int | None,
    index: Deprivation,
) -> ConcentrationResult:
    """Every figure of :func:`concentration` from the zone counts and bootstrap."""
    pop = dz["population"].to_numpy(dtype=np.int64)
    rank = dz["simd_rank"].to_numpy(dtype=np.int64)
    decile = dz["simd_decile"].to_numpy(dtype=np.int64)
    quintile = dz["simd_quintile"].to_numpy(dtype=np.int64)
    m = int(counts.sum())
    total_pop = int(pop.sum())
    curve = rank_curve(rank, pop, counts, boot)
    pcts = sorted({float(p) for p in (*STANDARD_PCTS, most_deprived_pct)})
    by_threshold = tuple(
        threshold_share(
            p,
            rank=rank,
            pop=pop,
            counts=counts,
            boot=boot,
            p_cum=None if curve is None else curve.p_cum,
            l_cum=None if curve is None else curve.l_cum,
            national_count=index.national_count,
        )
        for p in pcts
    )
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
        by_quintile=_groups_table(quintile, counts, pop, 5),
        by_threshold=by_threshold,
        curve=() if curve is None else curve.points,
        concentration_index=None if curve is None else curve.index,
        concentration_index_ci=None if curve is None else curve.index_ci,
        concentration_index_decile=decile_index(decile, pop, counts),
        gini=gini.gini,
        gini_generalised=gini.gini_generalised,
        n_boot=n_boot,
        seed=seed,
        national_count=index.national_count,
        index_name=index.index,
        index_short=index.short,
    )


def concentration(
    incidents: pd.DataFrame,
    datazones: pd.DataFrame,
    *,
    most_deprived_pct: float = 15,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int | None = 0,
    index: Deprivation | None = None,
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
    index
        The deprivation index of the area pack (name and national number of areas);
        default SIMD 2020v2 (6,976 data zones).

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
    See :mod:`geo.deprivation` for every definition and choice (METHODS.md §9).

    References
    ----------
    Kakwani, Wagstaff & van Doorslaer (1997); Bernasco & Steenbeek (2017).
    """
    index = SIMD_2020V2 if index is None else index
    threshold = most_deprived_threshold(most_deprived_pct, index.national_count)
    n_boot = _check_n_boot(n_boot)
    dz = _check_datazones(datazones)
    counts, unmatched = _zone_counts(incidents, dz["code"])
    boot = _bootstrap_counts(counts, n_boot, seed)
    return _summarise(
        dz,
        counts,
        boot,
        most_deprived_pct=most_deprived_pct,
        threshold=threshold,
        unmatched=unmatched,
        n_boot=n_boot,
        seed=seed,
        index=index,
    )
