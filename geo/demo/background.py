"""Background incidents: how many of each category fall in each data zone (SYNTHETIC).

Background incidents of category *c* fall in data zone *z* with probability
proportional to ``population_z * exp(beta * g_c * d_z)``, where
``d_z = 1 - (rank_z - 1) / 6975`` is the SIMD 2020v2 national rank scaled to [0, 1]
(1 = most deprived), ``g_c`` a per-category gradient (strong for deliberate fires,
antisocial behaviour and drugs, weak for false alarms) and ``beta`` is solved per agency
(Brent's method) so that the expected share of incidents in the 15% most deprived data
zones (rank <= 1046) is :data:`~geo.demo.scenario.TARGET_CONCENTRATION` (2.5) times
their population share (nationally "44% of crime is in the 15% most deprived areas",
DESIGN.md, a ratio of about 2.9). Grass fires use ``sqrt(area_ha * population)``
instead of the population, so they lean rural.

The Boghall operation thins the background deliberate fires and vandalism inside its
data zones during the operation by the expected falls (records removed at random).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy.optimize import brentq

from geo.demo.categories import AGENCIES, CATEGORY_TABLE, Category
from geo.demo.clock import Clock
from geo.demo.scenario import (
    DELIBERATE_FIRES,
    EXPECTED_FALL,
    MOST_DEPRIVED_RANK,
    N_DATAZONES_SCOTLAND,
    TARGET_CONCENTRATION,
)

__all__ = ["draw_background", "solve_beta", "thin_operation", "zone_base", "zone_probs"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def zone_base(zones: pd.DataFrame, cat: Category) -> FloatArray:
    """Base weight of each data zone for ``cat``: population, or ``sqrt(ha * pop)``."""
    pop = zones["population"].to_numpy(dtype=np.float64)
    if cat.rural:
        area_ha = shapely.area(zones["geometry"].to_numpy()) / 1e4
        return np.sqrt(area_ha * pop)
    return pop


def zone_probs(
    bases: list[FloatArray], gradients: list[float], dep: FloatArray, beta: float
) -> list[FloatArray]:
    """Per-category data-zone probabilities ∝ base * exp(beta * g_c * d)."""
    out = []
    for base, g in zip(bases, gradients, strict=True):
        w = base * np.exp(beta * g * dep)
        out.append(w / w.sum())
    return out


def solve_beta(
    bases: list[FloatArray],
    gradients: list[float],
    shares: FloatArray,
    dep: FloatArray,
    deprived: npt.NDArray[np.bool_],
    *,
    n_bg: int,
    planted_in: float,
    n_total: int,
    target_share: float,
) -> float:
    """The deprivation gradient giving the target expected share in ``deprived``."""

    def excess(beta: float) -> float:
        probs = zone_probs(bases, gradients, dep, beta)
        in_dep = sum(s * p[deprived].sum() for s, p in zip(shares, probs, strict=True))
        return float((planted_in + n_bg * in_dep) / n_total - target_share)

    if deprived.any() and excess(0.0) < 0.0 < excess(12.0):
        return float(brentq(excess, 0.0, 12.0, xtol=1e-6))
    return 2.0  # no deprived zones in the input, or the target is out of reach


def draw_background(
    rng: np.random.Generator,
    zones: pd.DataFrame,
    clock: Clock,
    intensity: dict[str, FloatArray],
    n_target: dict[str, int],
    planted: pd.DataFrame,
    planted_zone: IntArray,
) -> pd.DataFrame:
    """Background records per agency: category counts, data zones and grid hours.

    Parameters
    ----------
    rng
        Random generator.
    zones
        Validated data zones (``population, simd_rank, geometry``).
    clock, intensity
        The hourly grid and each category's relative intensity on it.
    n_target
        Agency -> total wanted (planted included).
    planted, planted_zone
        The planted records and the index of each one's data zone in ``zones``.

    Returns
    -------
    pandas.DataFrame
        ``agency, category, hour, zone`` (``zone``: row index into ``zones``).
    """
    rank = zones["simd_rank"].to_numpy()
    dep = 1.0 - (rank - 1.0) / (N_DATAZONES_SCOTLAND - 1.0)
    deprived = rank <= MOST_DEPRIVED_RANK
    pop = zones["population"].to_numpy()
    pop_share = pop[deprived].sum() / pop.sum()
    parts: list[pd.DataFrame] = []
    for agency in AGENCIES:
        cats = [c for c in CATEGORY_TABLE if c.agency == agency]
        mine = planted["agency"].to_numpy() == agency
        n_bg = n_target[agency] - int(mine.sum())
        planted_in = float(deprived[planted_zone[mine]].sum())
        shares = np.array([c.share for c in cats])
        shares = shares / shares.sum()
        bases = [zone_base(zones, c) for c in cats]
        gradients = [c.gradient for c in cats]
        beta = solve_beta(
            bases,
            gradients,
            shares,
            dep,
            deprived,
            n_bg=n_bg,
            planted_in=planted_in,
            n_total=n_target[agency],
            target_share=TARGET_CONCENTRATION * pop_share,
        )
        probs = zone_probs(bases, gradients, dep, beta)
        counts = rng.multinomial(n_bg, shares)
        for c, p, k in zip(cats, probs, counts, strict=True):
            zone = rng.choice(len(zones), size=int(k), p=p)
            parts.append(
                pd.DataFrame(
                    {
                        "agency": agency,
                        "category": c.name,
                        "hour": clock.sample(rng, intensity[c.name], int(k)),
                        "zone": zone.astype(np.int64),
                    }
                )
            )
    return pd.concat(parts, ignore_index=True)


def thin_operation(
    rng: np.random.Generator,
    background: pd.DataFrame,
    op_zones: IntArray,
    lo: int,
    hi: int,
) -> pd.DataFrame:
    """Remove the background fires/vandalism the operation prevented in its area."""
    fall = np.zeros(len(background))
    cat = background["category"].to_numpy()
    fall[np.isin(cat, DELIBERATE_FIRES)] = EXPECTED_FALL["deliberate_fires"]
    fall[cat == "vandalism"] = EXPECTED_FALL["vandalism"]
    hour = background["hour"].to_numpy()
    target = (
        np.isin(background["zone"].to_numpy(), op_zones) & (hour >= lo) & (hour < hi)
    )
    drop = target & (rng.random(len(background)) < fall)
    return background.loc[~drop].reset_index(drop=True)
