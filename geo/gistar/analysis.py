"""Gi* of incident counts per data zone or grid cell: the service-level entry points."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

from geo.boundaries import BNG, Boundaries
from geo.errors import EmptyInputError, ParameterError, UnknownAreaError
from geo.gistar._types import FloatArray
from geo.gistar.grid import (
    DEFAULT_MAX_CELLS,
    check_cell_m,
    default_cell_details,
    make_grid,
)
from geo.gistar.statistic import GiStarResult, gi_star
from geo.gistar.weights import datazone_weights

_WEIGHTS_DESC = "queen contiguity, binary, self included (w_ii = 1)"
#: Conditional permutations when the caller asks for the default (``permutations=None``).
DEFAULT_PERMUTATIONS = 999
#: A grid gets the default permutations only while ``R × neighbour links`` stays under
#: this (about 0.5 s here, ~20 ns a draw); finer grids fall back to the analytic p.
GRID_AUTO_PERMUTATION_WORK = 25_000_000


def _resolve_permutations(
    permutations: int | None,
    default_permutations: int,
    links: int,
    *,
    budget: int | None,
) -> tuple[int, str, str | None]:
    """(R, source, note): the caller's R, else the default, else analytic if too big.

    ``budget`` None means the default always applies (data zones); otherwise the
    default applies while ``R × links <= budget`` (grids).
    """
    if permutations is not None:
        return permutations, "user", None
    if budget is None or default_permutations * links <= budget:
        return default_permutations, "default", None
    note = (
        f"{default_permutations} permutations over {links:,} neighbour links would take "
        "too long: bins use the analytic (normal) p; ask for `permutations` explicitly, "
        "or use a larger cell"
    )
    return 0, "default_analytic", note


def _check_incidents(incidents: pd.DataFrame, columns: Sequence[str]) -> None:
    if not isinstance(incidents, pd.DataFrame):
        msg = "`incidents` must be a pandas DataFrame"
        raise ParameterError(msg, param="incidents")
    missing = [c for c in columns if c not in incidents.columns]
    if missing:
        msg = f"`incidents` lacks the columns {', '.join(missing)}"
        raise ParameterError(msg, param="incidents")
    if len(incidents) == 0:
        msg = "`incidents` is empty: no incidents match the request"
        raise EmptyInputError(msg, param="incidents")


def _attach(frame: pd.DataFrame, counts: FloatArray, res: GiStarResult) -> pd.DataFrame:
    frame = frame.copy()
    frame["count"] = counts.astype(np.int64) if np.all(counts % 1 == 0) else counts
    frame["gi_z"] = res.z
    frame["p_value"] = res.p_value
    frame["p_fdr"] = res.p_fdr
    frame["confidence"] = res.confidence
    frame["n_neighbours"] = res.n_neighbours
    if res.p_sim is not None:
        frame["p_sim"] = res.p_sim
    return frame


_datazone_w_cache: dict[tuple[str, tuple[str, ...]], sp.csr_matrix] = {}


def datazone_units(
    boundaries: Boundaries, codes: Sequence[str] | None
) -> tuple[gpd.GeoDataFrame, sp.csr_matrix]:
    """The data zones of the study area (all, or ``codes``) and their cached weights."""
    dz = boundaries.datazones
    if codes is not None:
        wanted = list(dict.fromkeys(codes))
        unknown = sorted(set(wanted) - set(dz["code"]))
        if unknown:
            msg = f"`codes` holds unknown data zones: {', '.join(unknown[:5])}"
            raise UnknownAreaError(msg, param="codes")
        dz = dz[dz["code"].isin(wanted)].reset_index(drop=True)
    key = (boundaries.version, tuple(dz["code"]))
    w = _datazone_w_cache.get(key)
    if w is None:
        w = datazone_weights(dz)
        if len(_datazone_w_cache) > 16:
            _datazone_w_cache.clear()
        _datazone_w_cache[key] = w
    return dz, w


def _inference_parameters(
    res: GiStarResult, seed: int | None, source: str, note: str | None = None
) -> dict[str, Any]:
    """The FDR, bin and permutation part of ``attrs["parameters"]``."""
    return {
        "fdr": True,
        "fdr_method": "benjamini_hochberg",
        "confidence_levels": [0.99, 0.95, 0.90],
        "permutations": res.permutations,
        "permutations_source": source,
        "permutation_type": res.permutation_type if res.permutations else None,
        "bins_from": res.bins_from,
        "seed": seed if res.permutations else None,
        "notes": list(res.notes) + ([note] if note else []),
    }


def gistar_datazones(
    incidents: pd.DataFrame,
    boundaries: Boundaries,
    *,
    permutations: int | None = 0,
    seed: int | None = 0,
    codes: Sequence[str] | None = None,
    default_permutations: int = DEFAULT_PERMUTATIONS,
    permutation_type: str = "conditional",
) -> gpd.GeoDataFrame:
    """Gi* hot spots of incident counts per data zone (queen contiguity).

    Every data zone is a unit (a zone with no incident has count 0). Counts use the
    incident frame's ``datazone`` column (point-in-polygon at ingest).

    Parameters
    ----------
    incidents
        The incident frame (needs ``datazone``).
    boundaries
        Loaded boundaries.
    permutations, seed
        Conditional permutations for ``p_sim`` (0: none; ``None``: the default,
        ``default_permutations``) and their seed. With permutations the confidence
        bins come from ``p_sim`` after BH FDR; the analytic z and p stay reported.
    codes
        Restrict the study area to these data zones (default: all 239). Weights are
        rebuilt on the subset.
    default_permutations, permutation_type
        The number of permutations ``permutations=None`` stands for (999), and
        ``"conditional"`` or ``"total"`` (:func:`geo.gistar.gi_star`).

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:27700, one row per data zone: ``code, name, count, gi_z, p_value, p_fdr,
        confidence, n_neighbours`` (+ ``p_sim``) and ``geometry``.
        ``attrs["parameters"]`` holds a JSON-safe description of the run
        (weights, units, incidents used, notes; ``fdr`` is True).

    Raises
    ------
    EmptyInputError
        If ``incidents`` is empty.
    """
    _check_incidents(incidents, ["datazone"])
    dz, w = datazone_units(boundaries, codes)
    zone = incidents["datazone"].astype("string")
    counted = zone.value_counts()
    counts: FloatArray = np.asarray(
        counted.reindex(dz["code"]).fillna(0), dtype=np.float64
    )
    n_used = int(counts.sum())
    reps, source, _ = _resolve_permutations(permutations, default_permutations, w.nnz, budget=None)
    res = gi_star(counts, w, permutations=reps, seed=seed, permutation_type=permutation_type)
    out = _attach(dz[["code", "name"]], counts, res)
    gdf = gpd.GeoDataFrame(out, geometry=dz.geometry.to_numpy(), crs=BNG)
    gdf.attrs["parameters"] = {
        "unit": "datazone",
        "n_units": len(dz),
        "n_incidents": len(incidents),
        "n_incidents_used": n_used,
        "n_incidents_outside": len(incidents) - n_used,
        "weights": _WEIGHTS_DESC,
        **_inference_parameters(res, seed, source),
    }
    return gdf


def _choose_cell(
    x: FloatArray,
    y: FloatArray,
    study: shapely.Geometry,
    cell_m: float | None,
    max_cells: int,
) -> tuple[float, dict[str, Any], str]:
    """(cell side, how it was chosen, "default" or "user")."""
    if cell_m is None:
        cell, how = default_cell_details(x, y, study, max_cells=max_cells)
        return cell, how, "default"
    return check_cell_m(cell_m), {"rule": "user"}, "user"


def gistar_grid(
    incidents: pd.DataFrame,
    boundaries: Boundaries,
    *,
    cell_m: float | None = None,
    permutations: int | None = 0,
    seed: int | None = 0,
    max_cells: int = DEFAULT_MAX_CELLS,
    area: shapely.Geometry | None = None,
    default_permutations: int = DEFAULT_PERMUTATIONS,
    permutation_type: str = "conditional",
) -> gpd.GeoDataFrame:
    """Gi* hot spots of incident counts on a square grid over the council area.

    The grid holds every cell whose interior meets the area (zero counts included);
    an incident at ``(x, y)`` counts in cell ``(floor((y − y0)/cell),
    floor((x − x0)/cell))``. Weights are queen contiguity from the cell indices.

    Parameters
    ----------
    incidents
        The incident frame (needs ``easting``, ``northing``).
    boundaries
        Loaded boundaries (``area`` is the study area).
    cell_m
        Cell side in metres; ``None`` (default) picks it with :func:`default_cell_m`.
    permutations, seed
        Conditional permutations for ``p_sim`` (0: none) and their seed. ``None``:
        ``default_permutations`` while ``R × links`` stays under
        ``GRID_AUTO_PERMUTATION_WORK`` (coarse grids), else the analytic p, noted.
    max_cells
        Refuse grids with more cells than this (:class:`TooLargeError`).
    area
        Study area override (default ``boundaries.area``).
    default_permutations, permutation_type
        As :func:`gistar_datazones`.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:27700, one row per cell: ``cell_id, row, col, count, gi_z, p_value,
        p_fdr, confidence, n_neighbours`` (+ ``p_sim``) and ``geometry``.
        ``attrs["parameters"]`` records ``cell_m`` and how it was chosen, cells,
        incidents used, weights and notes (``fdr`` is True).

    Raises
    ------
    EmptyInputError, TooLargeError
        If ``incidents`` is empty; if the grid would exceed ``max_cells``.
    """
    _check_incidents(incidents, ["easting", "northing"])
    study = boundaries.area if area is None else area
    x = incidents["easting"].to_numpy(dtype=np.float64)
    yv = incidents["northing"].to_numpy(dtype=np.float64)
    cell, how, cell_source = _choose_cell(x, yv, study, cell_m, max_cells)
    grid = make_grid(study, cell_m=cell, max_cells=max_cells)
    where = grid.locate(x, yv)
    inside = where >= 0
    counts = np.bincount(where[inside], minlength=len(grid.cells)).astype(np.float64)
    budget = GRID_AUTO_PERMUTATION_WORK
    reps, source, note = _resolve_permutations(permutations, default_permutations, grid.weights.nnz, budget=budget)
    res = gi_star(counts, grid.weights, permutations=reps, seed=seed, permutation_type=permutation_type)
    out = _attach(grid.cells[["cell_id", "row", "col"]], counts, res)
    gdf = gpd.GeoDataFrame(out, geometry=grid.cells.geometry.to_numpy(), crs=BNG)
    gdf.attrs["parameters"] = {
        "unit": "grid",
        "cell_m": grid.cell_m,
        "cell_m_source": cell_source,
        "cell_m_choice": {
            k: (float(v) if isinstance(v, float) else v) for k, v in how.items()
        },
        "origin_bng": [grid.x0, grid.y0],
        "n_cells": len(grid.cells),
        "n_incidents": len(incidents),
        "n_incidents_used": int(inside.sum()),
        "n_incidents_outside": int((~inside).sum()),
        "weights": _WEIGHTS_DESC + " (rook + diagonal cells, from grid indices)",
        **_inference_parameters(res, seed, source, note),
    }
    return gdf
