"""Planted incidents: the scenario's clusters drawn in space and time (SYNTHETIC).

Boghall gets exact monthly counts (normal, lower during the operation, part-way
recovered after it); the single-agency places get a fixed total timed like the
background. Definitions: :mod:`geo.demo.scenario`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.demo.categories import BY_NAME
from geo.demo.clock import Clock, add_months
from geo.demo.places import Place
from geo.demo.scenario import (
    BOGHALL_FIRES,
    BOGHALL_PRIMARY_SHARE,
    BOGHALL_VANDALISM,
    GRASS_PER_MONTH,
    LIVINGSTON_ASB_PER_MONTH,
    LONDON,
    OPERATION_GAP_MONTHS,
    OPERATION_MONTHS,
)

__all__ = ["OperationWindow", "plant_scenario"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class OperationWindow:
    """The Boghall operation [start, end) and the equally long period before it."""

    before_start: date
    start: date
    end: date

    @classmethod
    def ending_before(cls, end: date) -> OperationWindow:
        """The window that ends :data:`OPERATION_GAP_MONTHS` months before ``end``."""
        op_end = add_months(end, -OPERATION_GAP_MONTHS)
        op_start = add_months(op_end, -OPERATION_MONTHS)
        return cls(add_months(op_start, -OPERATION_MONTHS), op_start, op_end)


def planted_frame(
    place: Place,
    rng: np.random.Generator,
    categories: npt.NDArray[np.object_],
    hours: IntArray,
) -> pd.DataFrame:
    """Records of ``place`` with the given categories and grid hours, points drawn."""
    x, y, zone = place.sample_points(rng, len(categories))
    agency = np.array([BY_NAME[c].agency for c in categories], dtype=object)
    return pd.DataFrame(
        {
            "agency": agency,
            "category": categories,
            "hour": hours,
            "easting": x,
            "northing": y,
            "datazone": zone,
            "place": place.id,
        }
    )


def plant_boghall(
    rng: np.random.Generator,
    place: Place,
    clock: Clock,
    intensity: dict[str, FloatArray],
    window: OperationWindow,
) -> pd.DataFrame:
    """Exact monthly counts of planted fires and vandalism (lower during/after op)."""
    cats: list[npt.NDArray[np.object_]] = []
    hours: list[IntArray] = []
    month = clock.utc[0].tz_convert(LONDON).date()
    stop = clock.utc[-1].tz_convert(LONDON).date()
    while month <= stop:
        nxt = add_months(month, 1)
        phase = 0 if month < window.start else (1 if month < window.end else 2)
        lo, hi = clock.index_of(month), clock.index_of(nxt)
        n_fire, n_vand = BOGHALL_FIRES[phase], BOGHALL_VANDALISM[phase]
        primary = rng.random(n_fire) < BOGHALL_PRIMARY_SHARE
        fire_cats = np.where(primary, "deliberate_fire", "deliberate_secondary_fire")
        for cat in ("deliberate_secondary_fire", "deliberate_fire"):
            k = int((fire_cats == cat).sum())
            cats.append(np.full(k, cat, dtype=object))
            hours.append(clock.sample(rng, intensity[cat], k, lo, hi))
        cats.append(np.full(n_vand, "vandalism", dtype=object))
        hours.append(clock.sample(rng, intensity["vandalism"], n_vand, lo, hi))
        month = nxt
    return planted_frame(place, rng, np.concatenate(cats), np.concatenate(hours))


def plant_poisson(
    rng: np.random.Generator,
    place: Place,
    clock: Clock,
    intensity: dict[str, FloatArray],
    category: str,
    n: int,
) -> pd.DataFrame:
    """``n`` planted incidents of one category, timed like the background."""
    hours = clock.sample(rng, intensity[category], n)
    return planted_frame(place, rng, np.full(n, category, dtype=object), hours)


def plant_scenario(
    rngs: Sequence[np.random.Generator],
    places: dict[str, Place],
    clock: Clock,
    intensity: dict[str, FloatArray],
    window: OperationWindow,
    months: int,
) -> pd.DataFrame:
    """All planted clusters of the scenario, one generator each (``rngs[0:3]``).

    Parameters
    ----------
    rngs
        Random generators; the first three are used, in the order of the places.
    places
        The located places (:func:`geo.demo.places.planted_places`).
    clock, intensity
        The hourly grid and each category's relative intensity on it.
    window
        The Boghall operation.
    months
        Length of the covered period (the single-agency totals scale with it).

    Returns
    -------
    pandas.DataFrame
        ``agency, category, hour, easting, northing, datazone, place``.
    """
    parts = [
        plant_boghall(rngs[0], places["boghall"], clock, intensity, window),
        plant_poisson(
            rngs[1],
            places["livingston_centre"],
            clock,
            intensity,
            "antisocial_behaviour",
            LIVINGSTON_ASB_PER_MONTH * months,
        ),
        plant_poisson(
            rngs[2],
            places["breich_valley_grass"],
            clock,
            intensity,
            "grass_fire",
            GRASS_PER_MONTH * months,
        ),
    ]
    return pd.concat(parts, ignore_index=True)
