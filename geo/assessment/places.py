"""Places that stayed hot all year, from the emerging-hot-spot analysis.

Rule: a data zone *stayed hot* when its Emerging Hot Spot pattern over the assessed
year's months is one of :data:`STAYED_HOT` (``persistent_hot``: hot in at least 90 % of
the months, no trend; ``intensifying_hot``: the same, getting hotter;
``consecutive_hot``: an unbroken run of hot final months) — see
:mod:`geo.emerging.patterns` for the ArcGIS definitions.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

STAYED_HOT = ("persistent_hot", "intensifying_hot", "consecutive_hot")


@dataclass(frozen=True)
class HotPlace:
    """A data zone that stayed hot (``n_hot_steps`` of ``n_steps`` months hot)."""

    code: str
    name: str
    pattern: str
    n_hot_steps: int
    n_steps: int
    trend_p: float | None


def stayed_hot(units: pd.DataFrame, n_steps: int, patterns: tuple[str, ...] = STAYED_HOT) -> tuple[HotPlace, ...]:
    """The units of an :class:`~geo.emerging.EmergingResult` whose pattern is in ``patterns``.

    Parameters
    ----------
    units
        ``EmergingResult.units`` (``code, name, pattern, n_hot_steps, trend_p``).
    n_steps
        The number of time steps analysed.
    patterns
        The patterns that count as "stayed hot".

    Returns
    -------
    tuple of HotPlace
        Most hot months first, then by code.
    """
    sub = units[units["pattern"].isin(patterns)]
    out = [HotPlace(str(r.code), str(r.name), str(r.pattern), int(r.n_hot_steps), int(n_steps),
                    None if pd.isna(r.trend_p) else float(r.trend_p)) for r in sub.itertuples()]
    return tuple(sorted(out, key=lambda h: (-h.n_hot_steps, h.code)))
