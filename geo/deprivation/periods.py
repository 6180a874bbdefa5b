"""The concentration figures for each calendar month, quarter or year."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from geo.areas import Deprivation
from geo.deprivation._common import DEFAULT_N_BOOT, LOCAL_TZ
from geo.deprivation.concentration import concentration
from geo.deprivation.results import PeriodConcentration
from geo.errors import ParameterError
from geo.periods import to_local

__all__ = ["concentration_by_period"]

_FREQS = {"month": "M", "quarter": "Q", "year": "Y"}


def _period_label(p: pd.Period, freq: str) -> str:
    if freq == "month":
        return f"{p.year:04d}-{p.month:02d}"
    if freq == "quarter":
        return f"{p.year:04d}-Q{p.quarter}"
    return f"{p.year:04d}"


def _in_range(
    incidents: pd.DataFrame, lo: pd.Timestamp | None, hi: pd.Timestamp | None
) -> tuple[pd.DataFrame, pd.Series]:
    """The incidents in ``[lo, hi)`` and their local times (checks ``lo < hi``)."""
    when = pd.to_datetime(incidents["occurred_at"], utc=True).dt.tz_convert(LOCAL_TZ)
    keep = np.ones(len(incidents), dtype=bool)
    if lo is not None:
        keep &= (when >= lo).to_numpy()
    if hi is not None:
        keep &= (when < hi).to_numpy()
    if lo is not None and hi is not None and not lo < hi:
        msg = f"`start` ({lo}) must be before `end` ({hi})"
        raise ParameterError(msg, param="start")
    return incidents.loc[keep], when[keep]


def _period_bounds(
    p: pd.Period, lo: pd.Timestamp | None, hi: pd.Timestamp | None
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``[start, end)`` of period ``p`` in Europe/London, clipped to ``[lo, hi)``."""
    p_start = pd.Timestamp(p.start_time).tz_localize(LOCAL_TZ, ambiguous=True)
    p_end = pd.Timestamp((p + 1).start_time).tz_localize(LOCAL_TZ, ambiguous=True)
    if lo is not None:
        p_start = max(p_start, lo)
    if hi is not None:
        p_end = min(p_end, hi)
    return p_start, p_end


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
    index: Deprivation | None = None,
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
    most_deprived_pct, n_boot, seed, index
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
    lo = to_local(start, "start") if start is not None else None
    hi = to_local(end, "end") if end is not None else None
    inc, when = _in_range(incidents, lo, hi)
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
        p_start, p_end = _period_bounds(p, lo, hi)
        res = concentration(
            inc.loc[pvals == p],
            datazones,
            most_deprived_pct=most_deprived_pct,
            n_boot=n_boot,
            seed=seed,
            index=index,
        )
        out.append(PeriodConcentration(_period_label(p, freq), p_start, p_end, res))
    return out
