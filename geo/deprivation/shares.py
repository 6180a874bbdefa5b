"""The share statistic: incidents and population in the "N% most deprived" data zones.

Also the data-zone input checks and the decile / quintile tables (METHODS §9).
"""

from __future__ import annotations

import math
import numbers
from fractions import Fraction

import numpy as np
import pandas as pd

from geo.boundaries import N_DATAZONES_SCOTLAND
from geo.deprivation._common import FloatArray, IntArray, _div, _percentile_ci
from geo.deprivation.results import DeprivationGroup, ThresholdShare
from geo.errors import ParameterError

__all__ = ["most_deprived_threshold", "threshold_share"]

_DZ_COLUMNS = ("code", "population", "simd_rank", "simd_decile", "simd_quintile")


def most_deprived_threshold(pct: float, national_count: int = N_DATAZONES_SCOTLAND) -> int:
    """National rank threshold of "the ``pct``% most deprived" small areas.

    Parameters
    ----------
    pct
        A percentage in (0, 100].
    national_count
        Small areas ranked nationally (default SIMD 2020v2's 6,976 data zones; the area
        pack's figure, e.g. 33,755 LSOAs for English IoD 2025).

    Returns
    -------
    int
        ``floor(pct/100 * national_count)``, computed in exact decimal arithmetic.

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
    return math.floor(Fraction(str(float(pct))) * national_count / 100)


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


def threshold_share(
    pct: float,
    *,
    rank: IntArray,
    pop: IntArray,
    counts: IntArray,
    boot: IntArray | None,
    p_cum: FloatArray | None,
    l_cum: FloatArray | None,
    national_count: int = N_DATAZONES_SCOTLAND,
) -> ThresholdShare:
    """The share statistic of "the ``pct``% most deprived" data zones.

    Parameters
    ----------
    pct
        N of "the N% most deprived" (zones with national rank <= the threshold).
    rank, pop, counts
        SIMD rank, population and incident count of each data zone.
    boot
        Bootstrap zone counts ``(n_boot, n_zones)`` or None (no CIs).
    p_cum, l_cum
        The concentration curve (cumulative population and incident shares, origin
        included) for the *by population* reading, or None.
    national_count
        Small areas ranked nationally (see :func:`most_deprived_threshold`).

    Returns
    -------
    ThresholdShare
    """
    thr = most_deprived_threshold(pct, national_count)
    m = int(counts.sum())
    total_pop = int(pop.sum())
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
