"""The demo generator: background plus planted clusters, finished as native records.

Reads the scenario (:mod:`geo.demo.scenario`, :mod:`geo.demo.categories`) and draws
every SYNTHETIC record from seeded generators, one per stage, so the same seed and
inputs give the identical frame. See :mod:`geo.demo` for the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo.demo.background import draw_background, thin_operation
from geo.demo.categories import AGENCIES, BY_NAME, CATEGORY_TABLE
from geo.demo.clock import Clock, add_months
from geo.demo.places import Place, planted_places
from geo.demo.plant import OperationWindow, plant_scenario
from geo.demo.scenario import DEFAULT_SEED, DEMO_LABEL, operation_summary
from geo.demo.space import sample_in_polygons
from geo.demo.validate import validate_boundaries, validate_end, validate_sizes
from geo.errors import ParameterError

__all__ = ["DemoData", "generate_demo"]

FloatArray = npt.NDArray[np.float64]
WardGeoms = dict[str, shapely.Geometry]


@dataclass(frozen=True)
class DemoData:
    """A generated synthetic demo dataset.

    Attributes
    ----------
    incidents
        Native incident records, one row each, sorted by time: ``source_id``
        (``DEMO-P-000001`` / ``DEMO-F-000001``, numbered in time order per agency),
        ``agency``, ``category``, ``raw_category``, ``occurred_at`` (ISO 8601
        Europe/London wall-clock time, no offset), ``easting``, ``northing``
        (EPSG:27700, whole metres) and ``synthetic`` (always True).
    planted
        The planted places (plain JSON-ready dicts): ``id, name, kind``
        (``overlap`` / ``police_only`` / ``fire_only``), ``centre_easting,
        centre_northing, radius_m, sigma_m, datazones, ward, agencies, categories,
        period {from, to}, n, n_police, n_fire``; the Boghall entry also names the
        operation (``operation``: its name).
    operation
        The Boghall operation: ``name, place, agencies, ward, datazones, start, end``
        (the half-open interval [start, end), ISO dates), ``before_start, before_end``,
        ``categories`` (``deliberate_fires`` / ``vandalism`` -> category lists),
        ``expected_fall`` (fractions), ``planted_counts`` (``before`` / ``during``).
    truth
        Ground truth aligned row by row with ``incidents``: ``source_id``,
        ``datazone`` (the data zone the point was generated in) and ``place`` (the
        planted place id, or ``""`` for background).
    seed, start, end
        The seed and the covered half-open date interval [start, end).
    label
        :data:`DEMO_LABEL`.
    """

    incidents: pd.DataFrame
    planted: list[dict[str, Any]]
    operation: dict[str, Any]
    truth: pd.DataFrame
    seed: int
    start: date
    end: date
    label: str = field(default=DEMO_LABEL)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (no incident rows)."""
        counts = self.incidents.groupby("agency").size()
        return {
            "label": self.label,
            "synthetic": True,
            "seed": self.seed,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "incidents": len(self.incidents),
            "by_agency": {str(k): int(v) for k, v in counts.items()},
            "planted": self.planted,
            "operation": self.operation,
        }


def generate_demo(
    datazones: gpd.GeoDataFrame,
    wards: gpd.GeoDataFrame,
    *,
    seed: int = DEFAULT_SEED,
    end: date | str | None = None,
    months: int = 24,
    n_police: int = 25_000,
    n_fire: int = 3_000,
) -> DemoData:
    """Generate the seeded SYNTHETIC West Lothian demo dataset.

    Parameters
    ----------
    datazones
        Data zones as loaded by :func:`geo.boundaries.load_boundaries` (EPSG:27700;
        columns ``code, name, population, simd_rank, geometry``).
    wards
        Wards (EPSG:27700; columns ``code, geometry``); must include the Bathgate,
        Livingston South and Fauldhouse and the Breich Valley wards.
    seed
        Seed of the random generator, default 20261202. Same seed, same inputs -> the
        identical frame.
    end
        End (exclusive) of the covered period as a date or ISO date string, default
        the first day of the current month in Europe/London. Must not be in the future.
    months
        Number of calendar months covered, default 24, at least 8 (the operation, the
        two months before it and the four after it must fit).
    n_police, n_fire
        Target numbers of police and fire incidents (planted ones included), default
        25,000 and 3,000; each must be at least twice its planted count.

    Returns
    -------
    DemoData
        The records, the planted ground truth and the operation.

    Raises
    ------
    ParameterError
        For a bad ``seed``, ``end``, ``months``, ``n_police``, ``n_fire`` or CRS.
    BoundaryError
        If a required column, ward or the Boghall data zones are missing.

    Notes
    -----
    See the module docstring for the model. Runs in well under a second on the real
    West Lothian boundaries.

    Examples
    --------
    >>> from geo.boundaries import load_boundaries  # doctest: +SKIP
    >>> b = load_boundaries("/path/to/boundaries")  # doctest: +SKIP
    >>> demo = generate_demo(b.datazones, b.wards, end="2026-12-01")  # doctest: +SKIP
    >>> demo.incidents.loc[0, "source_id"]  # doctest: +SKIP
    'DEMO-P-000001'
    """
    end_date = validate_end(end)
    validate_sizes(seed, months, n_police, n_fire)
    zones, ward_geoms = validate_boundaries(datazones, wards)
    n_target = {"police": n_police, "fire": n_fire}
    return _generate(zones, ward_geoms, int(seed), end_date, months, n_target)


def _generate(
    zones: pd.DataFrame,
    ward_geoms: WardGeoms,
    seed: int,
    end_date: date,
    months: int,
    n_target: dict[str, int],
) -> DemoData:
    start_date = add_months(end_date, -months)
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(6)]
    clock = Clock(start_date, end_date)
    intensity = {c.name: clock.intensity(c) for c in CATEGORY_TABLE}
    window = OperationWindow.ending_before(end_date)
    places = planted_places(zones, ward_geoms)
    planted = plant_scenario(rngs, places, clock, intensity, window, months)
    _check_targets(planted, n_target)
    background = _located_background(
        rngs[3:6],
        zones,
        ward_geoms,
        (clock, intensity),
        n_target,
        planted,
        (places["boghall"], window),
    )
    records = pd.concat([background, planted], ignore_index=True)
    incidents, truth = finish(records, clock, rngs[5])
    period = {"from": start_date.isoformat(), "to": end_date.isoformat()}
    planted_meta = [p.describe(truth, incidents, period) for p in places.values()]
    operation = describe_operation(places["boghall"], window)
    planted_meta[0]["operation"] = operation["name"]
    return DemoData(
        incidents=incidents,
        planted=planted_meta,
        operation=operation,
        truth=truth,
        seed=seed,
        start=start_date,
        end=end_date,
    )


def _check_targets(planted: pd.DataFrame, n_target: dict[str, int]) -> None:
    n_planted = planted["agency"].value_counts().to_dict()
    for agency in AGENCIES:
        have = int(n_planted.get(agency, 0))
        if n_target[agency] < 2 * have:
            name = f"n_{agency}"
            msg = (
                f"`{name}` must be at least {2 * have} "
                f"(twice the planted {agency} incidents)"
            )
            raise ParameterError(msg, param=name)


def _located_background(
    rngs: Sequence[np.random.Generator],
    zones: pd.DataFrame,
    ward_geoms: WardGeoms,
    timing: tuple[Clock, dict[str, FloatArray]],
    n_target: dict[str, int],
    planted: pd.DataFrame,
    operation: tuple[Place, OperationWindow],
) -> pd.DataFrame:
    """Background records drawn (``rngs[0]``), thinned by the operation (``rngs[1]``)
    and placed in their data zones (``rngs[2]``), in the planted records' columns."""
    clock, intensity = timing
    place, window = operation
    planted_zone = (
        planted["datazone"]
        .map(pd.Series(np.arange(len(zones)), index=zones["code"]))
        .to_numpy()
    )
    bg = draw_background(
        rngs[0], zones, clock, intensity, n_target, planted, planted_zone
    )
    op_zone_idx = np.flatnonzero(zones["code"].isin(place.datazones))
    bg = thin_operation(
        rngs[1],
        bg,
        op_zone_idx,
        clock.index_of(window.start),
        clock.index_of(window.end),
    )
    # Also inside some ward: simplified ward edges leave slivers of data zones
    # (about 16 ha in all) in no ward, and ingest derives the ward by
    # point-in-polygon, so demo points avoid them.
    ward_union = shapely.union_all(list(ward_geoms.values()))
    shapely.prepare(ward_union)
    xy = sample_in_polygons(rngs[2], zones["geometry"], bg["zone"], within=ward_union)
    bg = bg.assign(
        easting=xy[0],
        northing=xy[1],
        datazone=zones["code"].to_numpy()[bg["zone"]],
    )
    return bg.drop(columns="zone").assign(place="")


def finish(
    records: pd.DataFrame, clock: Clock, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Native records (sorted by time, numbered per agency) and their ground truth.

    Each record gets a second within its grid hour, a source wording drawn from its
    category's ``raw`` weights, and a ``DEMO-P-`` / ``DEMO-F-`` source id.
    """
    hour = records["hour"].to_numpy(dtype=np.int64)
    utc_s = clock.utc_s[hour] + rng.integers(0, 3600, size=len(records))
    local = (utc_s + clock.offset_s[hour]).astype("datetime64[s]")
    # raw wordings: one draw per record, mapped through each category's weights
    u = rng.random(len(records))
    raw = np.empty(len(records), dtype=object)
    cat = records["category"].to_numpy()
    for name, c in BY_NAME.items():
        sel = cat == name
        if not sel.any():
            continue
        words = np.array([w for w, _ in c.raw], dtype=object)
        cum = np.cumsum([p for _, p in c.raw])
        raw[sel] = words[
            np.minimum(np.searchsorted(cum / cum[-1], u[sel]), len(words) - 1)
        ]
    agency = records["agency"].to_numpy()
    order = np.lexsort(
        (records["northing"].to_numpy(), records["easting"].to_numpy(), agency, utc_s)
    )
    agency = agency[order]
    seq = np.empty(len(order), dtype=np.int64)
    for a in AGENCIES:
        sel = agency == a
        seq[sel] = np.arange(1, int(sel.sum()) + 1)
    prefix = np.where(agency == "police", "DEMO-P-", "DEMO-F-")
    source_id = np.char.add(prefix.astype(str), np.char.zfill(seq.astype(str), 6))
    incidents = pd.DataFrame(
        {
            "source_id": source_id.astype(object),
            "agency": agency,
            "category": cat[order],
            "raw_category": raw[order],
            "occurred_at": np.datetime_as_string(local[order], unit="s").astype(object),
            "easting": records["easting"].to_numpy(dtype=np.float64)[order],
            "northing": records["northing"].to_numpy(dtype=np.float64)[order],
            "synthetic": np.ones(len(order), dtype=bool),
        }
    )
    truth = pd.DataFrame(
        {
            "source_id": incidents["source_id"].to_numpy(),
            "datazone": records["datazone"].to_numpy()[order],
            "place": records["place"].to_numpy()[order],
        }
    )
    return incidents, truth


def describe_operation(place: Place, window: OperationWindow) -> dict[str, Any]:
    """The operation as a JSON-ready dict (:attr:`DemoData.operation`)."""
    fixed = operation_summary()
    return {
        "name": fixed["name"],
        "place": place.id,
        "agencies": fixed["agencies"],
        "ward": place.ward,
        "datazones": list(place.datazones),
        "centre_easting": float(place.centre[0]),
        "centre_northing": float(place.centre[1]),
        "radius_m": float(place.radius_m),
        "start": window.start.isoformat(),
        "end": window.end.isoformat(),
        "before_start": window.before_start.isoformat(),
        "before_end": window.start.isoformat(),
        "categories": fixed["categories"],
        "expected_fall": fixed["expected_fall"],
        "planted_counts": fixed["planted_counts"],
        "note": (
            "Planted counts are exact; background deliberate fires and vandalism in "
            "the operation's data zones are thinned by the same fractions."
        ),
    }
