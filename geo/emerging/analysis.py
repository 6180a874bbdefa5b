"""Emerging hot spots of incident counts per data zone or grid cell × month or week."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo.boundaries import BNG, Boundaries
from geo.emerging.cube import Interval, TimeSteps, cube_counts, time_steps
from geo.emerging.patterns import classify_patterns
from geo.emerging.spacetime import SpaceTimeGiStar, spacetime_gi_star
from geo.emerging.trend import MannKendallResult, mann_kendall
from geo.errors import EmptyInputError, ParameterError
from geo.gistar import default_cell_m, make_grid
from geo.gistar.analysis import datazone_units

#: Significance of a hot/cold bin (BH q) and of a trend (Mann-Kendall p).
DEFAULT_ALPHA = 0.05


@dataclass(frozen=True)
class EmergingResult:
    """Emerging hot spots of every location.

    Attributes
    ----------
    units
        GeoDataFrame (EPSG:27700), one row per location: its id columns, ``count``
        (incidents over all steps), ``pattern``, ``trend_z``, ``trend_p``,
        ``n_hot_steps``, ``n_cold_steps``, ``final_z``, ``final_confidence``.
    steps
        The time steps (columns of the cube).
    counts
        ``N × T`` cube of counts.
    gi
        The space-time Gi* of every bin.
    trend
        Mann-Kendall of each location's z series.
    parameters
        JSON-safe description of the run (exclusions, thresholds, neighbourhood).
    """

    units: gpd.GeoDataFrame
    steps: TimeSteps
    counts: npt.NDArray[np.float64]
    gi: SpaceTimeGiStar
    trend: MannKendallResult
    parameters: dict[str, Any] = field(default_factory=dict)


def emerging_from_cube(
    counts: npt.NDArray[np.float64],
    w: Any,
    *,
    time_window: int = 1,
    alpha: float = DEFAULT_ALPHA,
    trend_alpha: float = DEFAULT_ALPHA,
) -> tuple[SpaceTimeGiStar, MannKendallResult, npt.NDArray[np.object_]]:
    """(space-time Gi*, Mann-Kendall of its z series, pattern) of an ``N × T`` cube.

    A bin is hot (cold) when its BH q over the cube is at most ``alpha`` and z > 0
    (z < 0); a trend is significant when its p is at most ``trend_alpha``.
    """
    for name, a in (("alpha", alpha), ("trend_alpha", trend_alpha)):
        if not 0.0 < a < 1.0:
            msg = f"`{name}` must lie strictly between 0 and 1, got {a!r}"
            raise ParameterError(msg, param=name)
    gi = spacetime_gi_star(counts, w, time_window=time_window)
    sig = np.nan_to_num(gi.p_fdr, nan=1.0) <= alpha * (1 + 1e-12)
    hot, cold = sig & (gi.z > 0), sig & (gi.z < 0)
    trend = mann_kendall(gi.z)
    pattern = classify_patterns(hot, cold, trend.z, trend.p, trend_alpha=trend_alpha)
    return gi, trend, pattern


def _incident_steps(
    incidents: pd.DataFrame, steps: TimeSteps, exclusions: dict[str, int]
) -> npt.NDArray[np.int64]:
    """Step of each incident; month-dated records are left out of weekly steps."""
    step = steps.locate(incidents["occurred_at"])
    if steps.interval == "week" and "date_precision" in incidents.columns:
        month_dated = (incidents["date_precision"] == "month").to_numpy()
        exclusions["month_precision_dates"] = int((month_dated & (step >= 0)).sum())
        step = np.where(month_dated, -1, step)
    exclusions["outside_whole_steps"] = int((step < 0).sum()) - exclusions.get(
        "month_precision_dates", 0
    )
    return step


def _check(incidents: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in incidents.columns]
    if missing:
        msg = f"`incidents` lacks the columns {', '.join(missing)}"
        raise ParameterError(msg, param="incidents")
    if len(incidents) == 0:
        msg = "`incidents` is empty: no incidents match the request"
        raise EmptyInputError(msg, param="incidents")


def _result(
    frame: gpd.GeoDataFrame,
    counts: npt.NDArray[np.float64],
    steps: TimeSteps,
    w: Any,
    params: dict[str, Any],
    time_window: int,
    alpha: float,
) -> EmergingResult:
    gi, trend, pattern = emerging_from_cube(
        counts, w, time_window=time_window, alpha=alpha, trend_alpha=alpha
    )
    sig = np.nan_to_num(gi.p_fdr, nan=1.0) <= alpha * (1 + 1e-12)
    units = frame.copy()
    units["count"] = counts.sum(axis=1).astype(np.int64)
    units["pattern"] = pattern
    units["trend_z"] = trend.z
    units["trend_p"] = trend.p
    units["n_hot_steps"] = (sig & (gi.z > 0)).sum(axis=1)
    units["n_cold_steps"] = (sig & (gi.z < 0)).sum(axis=1)
    units["final_z"] = gi.z[:, -1]
    units["final_confidence"] = gi.confidence[:, -1]
    params = params | {
        "interval": steps.interval,
        "n_steps": len(steps),
        "first_step": steps.labels[0],
        "last_step": steps.labels[-1],
        "neighbourhood": "queen contiguity, self included, binary",
        "time_window_steps": time_window,
        "global_window": "entire cube",
        "bin_significance": f"Benjamini-Hochberg q <= {alpha} over all bins of the cube",
        "trend_test": f"Mann-Kendall on each location's Gi* z series, p <= {alpha}",
        "share_for_persistent": 0.9,
        "inference": "analytic (normal) Gi* p, as ArcGIS Emerging Hot Spot Analysis",
        "notes": (["fewer than 10 time steps: the trend test has little power"] if len(steps) < 10 else []),
    }
    return EmergingResult(units, steps, counts, gi, trend, params)


def emerging_datazones(
    incidents: pd.DataFrame,
    boundaries: Boundaries,
    *,
    start: pd.Timestamp,
    end: pd.Timestamp,
    interval: Interval = "month",
    time_window: int = 1,
    alpha: float = DEFAULT_ALPHA,
) -> EmergingResult:
    """Emerging hot spots per data zone (queen contiguity) over ``[start, end)``.

    Parameters
    ----------
    incidents
        Needs ``datazone`` and ``occurred_at`` (``date_precision`` if present).
    boundaries
        Loaded boundaries (all 239 data zones are locations, zero counts included).
    start, end
        The window; only whole months or weeks inside it are steps.
    interval
        ``"month"`` or ``"week"`` (month-dated records are left out of weeks).
    time_window, alpha
        Earlier steps in each space-time neighbourhood; significance of bins and
        trends.

    Returns
    -------
    EmergingResult
    """
    _check(incidents, ["datazone", "occurred_at"])
    steps = time_steps(start, end, interval)
    dz, w = datazone_units(boundaries, None)  # weights cached across calls
    exclusions: dict[str, int] = {}
    step = _incident_steps(incidents, steps, exclusions)
    index = pd.Index(dz["code"])
    loc = index.get_indexer(incidents["datazone"].astype(object)).astype(np.int64)
    exclusions["outside_study_area"] = int(((loc < 0) & (step >= 0)).sum())
    counts = cube_counts(loc, step, len(dz), len(steps))
    frame = gpd.GeoDataFrame(dz[["code", "name"]].copy(), geometry=dz.geometry.to_numpy(), crs=BNG)
    params = {"unit": "datazone", "n_units": len(dz), "n_incidents": len(incidents),
              "n_incidents_used": int(counts.sum()), "excluded": exclusions}
    return _result(frame, counts, steps, w, params, time_window, alpha)


def emerging_grid(
    incidents: pd.DataFrame,
    boundaries: Boundaries,
    *,
    start: pd.Timestamp,
    end: pd.Timestamp,
    interval: Interval = "month",
    cell_m: float | None = None,
    time_window: int = 1,
    alpha: float = DEFAULT_ALPHA,
    area: shapely.Geometry | None = None,
) -> EmergingResult:
    """Emerging hot spots on a square grid (queen contiguity) over ``[start, end)``.

    Records located only to a data zone are left out (a point method), and counted in
    ``parameters["excluded"]``. ``cell_m`` defaults to :func:`geo.gistar.default_cell_m`
    of the incidents. Other parameters as :func:`emerging_datazones`.
    """
    _check(incidents, ["easting", "northing", "occurred_at"])
    study = boundaries.area if area is None else area
    exclusions: dict[str, int] = {}
    steps = time_steps(start, end, interval)
    step = _incident_steps(incidents, steps, exclusions)
    if "location_precision" in incidents.columns:
        coarse = (incidents["location_precision"] == "datazone").to_numpy()
        exclusions["datazone_precision_locations"] = int((coarse & (step >= 0)).sum())
        step = np.where(coarse, -1, step)
    x = incidents["easting"].to_numpy(dtype=np.float64)
    y = incidents["northing"].to_numpy(dtype=np.float64)
    cell = float(cell_m) if cell_m is not None else default_cell_m(x[step >= 0], y[step >= 0], study)
    grid = make_grid(study, cell_m=cell)
    loc = grid.locate(x, y)
    exclusions["outside_study_area"] = int(((loc < 0) & (step >= 0)).sum())
    counts = cube_counts(loc, step, len(grid.cells), len(steps))
    frame = grid.cells[["cell_id", "row", "col", "geometry"]].copy()
    params = {"unit": "grid", "cell_m": grid.cell_m, "cell_m_source": "user" if cell_m else "default",
              "n_units": len(grid.cells), "n_incidents": len(incidents),
              "n_incidents_used": int(counts.sum()), "excluded": exclusions}
    return _result(frame, counts, steps, grid.weights, params, time_window, alpha)
