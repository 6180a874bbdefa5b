"""The demo generator: background plus planted clusters, finished as native records.

Reads the scenario (:mod:`geo.demo.scenario`, :mod:`geo.demo.categories`) and draws
every SYNTHETIC record from seeded generators, one per stage, so the same seed and
inputs give the identical frame. See :mod:`geo.demo` for the model.
"""

from __future__ import annotations

import dataclasses
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
from geo.demo.categories import AGENCIES, CATEGORY_TABLE, PATTERN_CATEGORIES
from geo.demo.clock import Clock, add_months
from geo.demo.collisions import plant_collisions
from geo.demo.patterns import describe_patterns, plant_patterns
from geo.demo.places import Place, planted_places
from geo.demo.plant import OperationWindow, plant_scenario
from geo.demo.records import finish
from geo.demo.scenario import (
    DEFAULT_SEED,
    DEMO_LABEL,
    PATTERN_PLACES,
    operation_summary,
)
from geo.demo.space import sample_in_polygons
from geo.demo.validate import validate_boundaries, validate_end, validate_sizes
from geo.errors import ParameterError

__all__ = ["DemoData", "generate_demo"]

FloatArray = npt.NDArray[np.float64]
WardGeoms = dict[str, shapely.Geometry]
_COLUMNS = ["source_id", "agency", "category", "raw_category", "occurred_at"]
_EMPTY = pd.DataFrame(
    {
        **{c: pd.Series([], dtype=object) for c in _COLUMNS},
        "easting": pd.Series([], dtype=np.float64),
        "northing": pd.Series([], dtype=np.float64),
        "synthetic": pd.Series([], dtype=bool),
    }
)


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
    patterns
        The planted time patterns (JSON-ready dicts, see :mod:`geo.demo.scenario`):
        ``livingston_north_new`` (kind ``new``), ``armadale_intensifying``
        (``intensifying``), ``linlithgow_burglary`` (``near_repeat``) and
        ``bonfire_night`` (``seasonal``). Their records are in ``incidents`` (with
        ``truth.place`` the pattern id).
    collisions
        SYNTHETIC road collisions in the columns of ``incidents`` (agency ``road``,
        ``DEMO-RTC-000001`` ... in time order, categories ``collision_fatal``,
        ``collision_serious``, ``collision_slight``); empty without
        ``include_collisions``.
    """

    incidents: pd.DataFrame
    planted: list[dict[str, Any]]
    operation: dict[str, Any]
    truth: pd.DataFrame
    seed: int
    start: date
    end: date
    label: str = field(default=DEMO_LABEL)
    patterns: list[dict[str, Any]] = field(default_factory=list)
    collisions: pd.DataFrame = field(default_factory=lambda: _EMPTY.copy())

    @property
    def all_records(self) -> pd.DataFrame:
        """``incidents`` and ``collisions`` together, sorted by time (for storing)."""
        both = pd.concat([self.incidents, self.collisions], ignore_index=True)
        return both.sort_values("occurred_at", kind="stable").reset_index(drop=True)

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
            "patterns": self.patterns,
            "collisions": len(self.collisions),
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
    include_collisions: bool = True,
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
        Target numbers of police and fire incidents (planted places included, the
        few hundred records of the time patterns added on top), default 25,000 and
        3,000; each must be at least twice its planted count.
    include_collisions
        Also generate the synthetic road collisions (:attr:`DemoData.collisions`).

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
    demo = _generate(zones, ward_geoms, int(seed), end_date, months, n_target)
    if not include_collisions:
        demo = dataclasses.replace(demo, collisions=_EMPTY.copy())
    return demo


def _generate(
    zones: pd.DataFrame,
    ward_geoms: WardGeoms,
    seed: int,
    end_date: date,
    months: int,
    n_target: dict[str, int],
) -> DemoData:
    start_date = add_months(end_date, -months)
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(12)]
    clock = Clock(start_date, end_date)
    intensity = {
        c.name: clock.intensity(c) for c in (*CATEGORY_TABLE, *PATTERN_CATEGORIES)
    }
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
    # Added on top, each from generators of its own: the records above stay as they
    # were without them.
    pattern_places = planted_places(zones, ward_geoms, PATTERN_PLACES)
    patterns = plant_patterns(
        rngs[6:9], pattern_places, zones, ward_geoms, clock, intensity
    )
    base = pd.concat([background, planted], ignore_index=True)
    incidents, truth = finish([(base, rngs[5]), (patterns, rngs[9])], clock)
    ward_union = shapely.union_all(list(ward_geoms.values()))
    road = plant_collisions(rngs[10], zones, ward_union, clock, intensity, months)
    collisions, _ = finish([(road, rngs[11])], clock)
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
        patterns=describe_patterns(pattern_places, truth, incidents, period),
        collisions=collisions,
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
