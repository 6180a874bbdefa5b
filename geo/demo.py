"""SYNTHETIC demo dataset: invented police and fire incidents for West Lothian.

**Every record made here is synthetic** (:data:`DEMO_LABEL`): source ids start with
``DEMO-``, every row carries ``synthetic=True``, and nothing is drawn from real police
or fire records. The dataset exists so that ``hotspots demo``, the notebooks and the
tests have realistic-looking data with a *known ground truth* to find.

What the generator models
-------------------------
*Volume.* ``n_police`` (default 25,000) police and ``n_fire`` (default 3,000) fire
incidents over the ``months`` (default 24) calendar months before ``end``. The totals
are exact except for the few background records the Boghall operation "prevented"
(see below).

*Categories.* Police: ``antisocial_behaviour, vandalism, theft, shoplifting, assault,
threatening_behaviour, drugs, housebreaking, vehicle_crime``. Fire (SFRS incident
types): ``deliberate_secondary_fire`` (refuse, bins, derelict buildings),
``deliberate_fire`` (deliberate primary fires), ``accidental_dwelling_fire``,
``accidental_other_fire``, ``grass_fire`` (grassland/heath/scrub, any motive) and
``false_alarm``. Each record also carries a plausible source wording
(``raw_category``). Category shares are round, plausible figures, not published ones.

*Where.* Background incidents of category *c* fall in data zone *z* with probability
proportional to ``population_z * exp(beta * g_c * d_z)``, where
``d_z = 1 - (rank_z - 1) / 6975`` is the SIMD 2020v2 national rank scaled to [0, 1]
(1 = most deprived), ``g_c`` a per-category gradient (strong for deliberate fires,
antisocial behaviour and drugs, weak for false alarms) and ``beta`` is solved per agency
(Brent's method) so that the expected share of incidents in the 15% most deprived data
zones (rank <= 1046) is :data:`TARGET_CONCENTRATION` (2.5) times their population
share (nationally "44% of crime is in the 15% most deprived areas", DESIGN.md, a
ratio of about 2.9). Grass fires use ``sqrt(area_ha * population)`` instead of the
population, so they lean rural. Points are uniform inside the data-zone polygon (a
vectorised rejection sampler, rounded to whole metres *before* the containment test so
the published coordinates are inside; points in the ~16 ha of data-zone slivers that
the simplified ward polygons leave in no ward are rejected too, so every point has a
ward).

*When.* The intensity of category *c* at each hour of the window is the product of a
day-of-year season (monthly factors, linearly interpolated), an hour-of-day profile (a
sum of circular Gaussians, e.g. antisocial behaviour peaking at 20:30, dwelling fires at
18:00 cooking time, assaults at 23:00), a day-of-week factor applied to the "night-out
day" (a day runs 06:00-05:59, so Saturday 01:00 counts as Friday night) and a
bonfire-night spike (a Gaussian of 1.2 days' width centred on 5 November 20:00, peak x16
for deliberate secondary fires, smaller for antisocial behaviour, vandalism and
deliberate primary fires). Times are drawn in UTC hours and published as Europe/London
wall-clock ISO 8601 strings without offset; the hour repeated when clocks go back is
never used, so every published local time converts back to exactly one instant.

Planted ground truth
--------------------
Three tight clusters (Gaussian, truncated at ``radius_m``, clipped to their data zones
and ward) are added to the background, each described in :attr:`DemoData.planted`:

``boghall`` (overlap, Bathgate ward S13002827)
    Deliberate fires (80% secondary, 20% primary) and vandalism around the pole of
    inaccessibility of the union of the data zones whose name contains "Boghall"
    ("Bathgate and Boghall - 01" to "- 06"): normally 10 fires and 20 vandalisms a
    month.
``livingston_centre`` (police only, Livingston South ward S13002823)
    Antisocial behaviour in data zone "Howden - 01" (S01013309), which holds the
    Livingston town-centre reference point NT 05099 67345 (Canmore site NT06NE 33,
    "Livingston, General"), beside The Centre / Almondvale. About 13 a month.
``breich_valley_grass`` (fire only, Fauldhouse and the Breich Valley ward S13002825)
    Grass fires at the pole of inaccessibility of the largest data zone in that ward
    ("Breich Valley - 01", open moorland), 5 a month on average with a strong spring
    peak.

The Boghall operation
---------------------
A two-month joint police + fire high-visibility operation in the Boghall data zones
ends four months before ``end``. Against the two months before it, planted Boghall
deliberate fires fall from 20 to 6 (-70%) and planted vandalism from 40 to 28 (-30%)
(exact counts), and the background deliberate fires and vandalism inside the Boghall
data zones are thinned by the same fractions (records removed at random), so the whole
target area shows the intended effect. After the operation the planted rates recover
part way (5 fires and 17 vandalisms a month). :attr:`DemoData.operation` describes it.

References
----------
Scottish Government (2020). *Scottish Index of Multiple Deprivation 2020v2*.
Scottish Fire and Rescue Service. *Incident statistics* (incident type definitions:
primary, secondary, deliberate, false alarm).
Historic Environment Scotland, Canmore site NT06NE 33 "Livingston, General".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy.optimize import brentq

from geo.errors import BoundaryError, ParameterError

__all__ = [
    "CATEGORIES",
    "DEFAULT_SEED",
    "DEMO_LABEL",
    "MOST_DEPRIVED_RANK",
    "TARGET_CONCENTRATION",
    "DemoData",
    "generate_demo",
]

DEMO_LABEL = "SYNTHETIC DEMO DATA — not real police or fire records"
DEFAULT_SEED = 20261202
LONDON = ZoneInfo("Europe/London")
BNG_EPSG = 27700
N_DATAZONES_SCOTLAND = 6976
MOST_DEPRIVED_RANK = 1046  # floor(0.15 * 6976): the 15% most deprived data zones
TARGET_CONCENTRATION = 2.5  # incident share / population share in those data zones

BATHGATE_WARD = "S13002827"
LIVINGSTON_SOUTH_WARD = "S13002823"
FAULDHOUSE_WARD = "S13002825"
# Canmore NT06NE 33 "Livingston, General": NGR NT 05099 67345 (town centre).
LIVINGSTON_CENTRE_NGR = (305099.0, 667345.0)

OPERATION_MONTHS = 2
OPERATION_GAP_MONTHS = 4  # the operation ends this many months before `end`
MIN_MONTHS = 2 * OPERATION_MONTHS + OPERATION_GAP_MONTHS
DELIBERATE_FIRES = ("deliberate_secondary_fire", "deliberate_fire")
EXPECTED_FALL = {"deliberate_fires": 0.70, "vandalism": 0.30}

# Planted monthly counts for Boghall: normal, during the operation, after it.
_BOGHALL_FIRES = (10, 3, 5)
_BOGHALL_VANDALISM = (20, 14, 17)
_BOGHALL_PRIMARY_SHARE = 0.2
_LIVINGSTON_ASB_PER_MONTH = 13
_GRASS_PER_MONTH = 5

_MAX_ROUNDS = 500

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class _Category:
    """How one incident category behaves in space and time."""

    agency: str
    name: str
    share: float  # share of the agency's background incidents
    gradient: float  # relative deprivation gradient g_c
    peaks: tuple[tuple[float, float, float], ...]  # (hour, sd hours, weight)
    floor: float  # constant part of the hourly profile
    dow: tuple[float, float, float, float, float, float, float]  # Mon..Sun nights
    months: tuple[float, ...]  # Jan..Dec
    bonfire: float  # extra multiplier at the 5 November peak
    raw: tuple[tuple[str, float], ...]  # source wordings and their weights
    rural: bool = False


_FLAT_MONTHS = (1.0,) * 12
# Fields in order: agency, name, share, gradient, peaks (hour, sd, weight), floor,
# night-of-week factors Mon..Sun, month factors Jan..Dec, bonfire extra, raw wordings.
# fmt: off
_CATEGORIES: tuple[_Category, ...] = (
    # ---- police -------------------------------------------------------------
    _Category(
        "police", "antisocial_behaviour", 0.30, 1.0,
        ((20.5, 2.5, 1.0), (16.0, 2.0, 0.3)), 0.05,
        (1.0, 1.0, 1.0, 1.05, 1.35, 1.45, 1.1),
        (0.85, 0.85, 0.95, 1.0, 1.1, 1.15, 1.2, 1.15, 1.0, 1.05, 1.0, 0.8),
        1.5,
        (
            ("Antisocial behaviour - youths causing annoyance", 0.5),
            ("Antisocial behaviour - noise / disturbance", 0.3),
            ("Antisocial behaviour - nuisance neighbour", 0.2),
        ),
    ),
    _Category(
        "police", "vandalism", 0.12, 1.1,
        ((21.0, 3.0, 1.0), (15.0, 2.5, 0.25)), 0.08,
        (1.0, 1.0, 1.0, 1.0, 1.25, 1.35, 1.05),
        (0.9, 0.9, 1.0, 1.05, 1.05, 1.05, 1.1, 1.05, 1.0, 1.1, 1.05, 0.8),
        1.0,
        (
            ("Vandalism (incl. reckless damage)", 0.6),
            ("Malicious mischief", 0.2),
            ("Vandalism - motor vehicle", 0.2),
        ),
    ),
    _Category(
        "police", "theft", 0.14, 0.6,
        ((13.0, 4.0, 1.0),), 0.15,
        (1.0, 1.0, 1.0, 1.0, 1.05, 1.05, 0.85),
        (0.95, 0.9, 0.95, 1.0, 1.0, 1.05, 1.1, 1.1, 1.0, 1.0, 1.0, 1.05),
        0.0,
        (("Theft - other", 0.6), ("Pedal cycle theft", 0.2), ("Theft by finding", 0.2)),
    ),
    _Category(
        "police", "shoplifting", 0.08, 0.5,
        ((14.0, 3.0, 1.0),), 0.01,
        (1.0, 1.0, 1.0, 1.0, 1.1, 1.2, 0.9),
        (0.95, 0.9, 0.95, 0.95, 1.0, 1.0, 1.0, 1.0, 1.0, 1.05, 1.15, 1.3),
        0.0,
        (("Shoplifting", 1.0),),
    ),
    _Category(
        "police", "assault", 0.11, 1.0,
        ((23.0, 3.0, 1.0), (16.0, 3.0, 0.35)), 0.1,
        (0.85, 0.8, 0.85, 0.9, 1.3, 1.6, 1.1),
        (0.95, 0.9, 0.95, 1.0, 1.0, 1.05, 1.05, 1.0, 0.95, 1.0, 1.0, 1.15),
        0.0,
        (
            ("Common assault", 0.75),
            ("Common assault - emergency worker", 0.15),
            ("Serious assault", 0.1),
        ),
    ),
    _Category(
        "police", "threatening_behaviour", 0.08, 1.0,
        ((21.0, 3.5, 1.0),), 0.1,
        (1.0, 1.0, 1.0, 1.0, 1.2, 1.3, 1.05),
        _FLAT_MONTHS,
        0.0,
        (("Threatening or abusive behaviour", 0.7), ("Breach of the peace", 0.3)),
    ),
    _Category(
        "police", "drugs", 0.07, 1.3,
        ((17.0, 4.0, 1.0),), 0.1,
        (1.0, 1.05, 1.05, 1.05, 1.1, 1.0, 0.8),
        _FLAT_MONTHS,
        0.0,
        (("Possession of drugs", 0.8), ("Supply of drugs", 0.2)),
    ),
    _Category(
        "police", "housebreaking", 0.04, 0.5,
        ((11.0, 3.0, 1.0), (2.0, 2.5, 0.7)), 0.15,
        (1.05, 1.05, 1.05, 1.0, 1.0, 0.95, 0.9),
        (1.2, 1.1, 1.0, 0.9, 0.85, 0.85, 0.9, 0.9, 0.95, 1.05, 1.15, 1.2),
        0.0,
        (
            ("Housebreaking - dwelling", 0.6),
            ("Housebreaking - non-dwelling", 0.25),
            ("Attempted housebreaking", 0.15),
        ),
    ),
    _Category(
        "police", "vehicle_crime", 0.06, 0.7,
        ((2.0, 3.0, 1.0), (20.0, 3.0, 0.4)), 0.1,
        (1.0, 1.0, 1.0, 1.0, 1.1, 1.15, 1.0),
        (1.1, 1.05, 1.0, 0.95, 0.95, 0.95, 0.95, 0.95, 1.0, 1.0, 1.05, 1.1),
        0.0,
        (
            ("Theft of a motor vehicle", 0.35),
            ("Theft from a motor vehicle", 0.45),
            ("Attempted theft of a motor vehicle", 0.2),
        ),
    ),
    # ---- fire ---------------------------------------------------------------
    _Category(
        "fire", "deliberate_secondary_fire", 0.30, 1.6,
        ((20.0, 2.5, 1.0), (16.0, 2.5, 0.4)), 0.04,
        (1.0, 1.0, 1.0, 1.0, 1.2, 1.3, 1.15),
        (0.8, 0.9, 1.4, 1.6, 1.4, 1.1, 1.0, 0.9, 0.8, 0.9, 1.0, 0.7),
        15.0,
        (
            ("Secondary fire - deliberate - refuse / wheelie bin", 0.5),
            ("Secondary fire - deliberate - loose refuse", 0.35),
            ("Secondary fire - deliberate - derelict building", 0.15),
        ),
    ),
    _Category(
        "fire", "deliberate_fire", 0.07, 1.4,
        ((23.0, 3.0, 1.0),), 0.1,
        (1.0, 1.0, 1.0, 1.0, 1.2, 1.3, 1.1),
        (1.0, 1.0, 1.1, 1.1, 1.0, 0.95, 0.95, 0.95, 0.95, 1.0, 1.05, 1.0),
        2.0,
        (
            ("Primary fire - deliberate - car", 0.55),
            ("Primary fire - deliberate - dwelling", 0.2),
            ("Primary fire - deliberate - other building", 0.25),
        ),
    ),
    _Category(
        "fire", "accidental_dwelling_fire", 0.11, 0.9,
        ((18.0, 2.5, 1.0), (12.0, 3.0, 0.4)), 0.12,
        (1.0, 1.0, 1.0, 1.0, 1.0, 1.05, 1.05),
        (1.2, 1.15, 1.05, 1.0, 0.9, 0.85, 0.85, 0.85, 0.9, 1.0, 1.1, 1.25),
        0.0,
        (
            ("Primary fire - accidental - dwelling - cooking", 0.6),
            ("Primary fire - accidental - dwelling - electrical", 0.25),
            ("Primary fire - accidental - dwelling - smoking materials", 0.15),
        ),
    ),
    _Category(
        "fire", "accidental_other_fire", 0.08, 0.5,
        ((15.0, 4.0, 1.0),), 0.15,
        (1.0, 1.0, 1.0, 1.0, 1.05, 1.05, 1.05),
        (1.0, 1.0, 1.05, 1.05, 1.05, 1.05, 1.05, 1.05, 1.0, 0.95, 0.9, 0.95),
        0.0,
        (
            ("Primary fire - accidental - vehicle", 0.6),
            ("Secondary fire - accidental - outdoor structure", 0.4),
        ),
    ),
    _Category(
        "fire", "grass_fire", 0.10, 0.3,
        ((16.0, 3.0, 1.0),), 0.03,
        (1.0, 1.0, 1.0, 1.0, 1.1, 1.25, 1.2),
        (0.3, 0.6, 2.0, 2.8, 2.2, 1.0, 0.8, 0.7, 0.4, 0.3, 0.3, 0.2),
        0.0,
        (
            ("Secondary fire - grassland / heathland", 0.7),
            ("Secondary fire - scrub / woodland", 0.3),
        ),
        rural=True,
    ),
    _Category(
        "fire", "false_alarm", 0.34, 0.3,
        ((12.0, 4.0, 1.0), (20.0, 3.0, 0.3)), 0.15,
        (1.1, 1.1, 1.1, 1.1, 1.0, 0.8, 0.8),
        (1.05, 1.0, 1.0, 1.0, 0.95, 0.95, 0.95, 0.95, 1.0, 1.0, 1.05, 1.1),
        0.0,
        (
            ("False alarm - UFAS (automatic fire alarm)", 0.55),
            ("False alarm - good intent", 0.3),
            ("False alarm - malicious", 0.15),
        ),
    ),
)
# fmt: on
_BY_NAME = {c.name: c for c in _CATEGORIES}
CATEGORIES: dict[str, tuple[str, ...]] = {
    a: tuple(c.name for c in _CATEGORIES if c.agency == a) for a in ("police", "fire")
}


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


# ----------------------------------------------------------------------------------
# public entry point
# ----------------------------------------------------------------------------------


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
    end_date = _validate_end(end)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        msg = f"`seed` must be a non-negative integer, got {seed!r}"
        raise ParameterError(msg, param="seed")
    if isinstance(months, bool) or not isinstance(months, int) or months < MIN_MONTHS:
        msg = f"`months` must be an integer >= {MIN_MONTHS}, got {months!r}"
        raise ParameterError(msg, param="months")
    for name, value in (("n_police", n_police), ("n_fire", n_fire)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            msg = f"`{name}` must be a positive integer, got {value!r}"
            raise ParameterError(msg, param=name)
    zones, ward_geoms = _validate_boundaries(datazones, wards)

    start_date = _add_months(end_date, -months)
    rngs = [
        np.random.default_rng(s) for s in np.random.SeedSequence(int(seed)).spawn(6)
    ]
    clock = _Clock(start_date, end_date)
    intensity = {c.name: clock.intensity(c) for c in _CATEGORIES}

    # -- planted places -------------------------------------------------------------
    op_end = _add_months(end_date, -OPERATION_GAP_MONTHS)
    op_start = _add_months(op_end, -OPERATION_MONTHS)
    before_start = _add_months(op_start, -OPERATION_MONTHS)
    places = _planted_places(zones, ward_geoms)
    planted_parts = [
        _plant_boghall(rngs[0], places["boghall"], clock, intensity, op_start, op_end),
        _plant_poisson(
            rngs[1],
            places["livingston_centre"],
            clock,
            intensity,
            "antisocial_behaviour",
            _LIVINGSTON_ASB_PER_MONTH * months,
        ),
        _plant_poisson(
            rngs[2],
            places["breich_valley_grass"],
            clock,
            intensity,
            "grass_fire",
            _GRASS_PER_MONTH * months,
        ),
    ]
    planted = pd.concat(planted_parts, ignore_index=True)
    planted_zone = (
        planted["datazone"]
        .map(pd.Series(np.arange(len(zones)), index=zones["code"]))
        .to_numpy()
    )

    # -- background -----------------------------------------------------------------
    n_target = {"police": n_police, "fire": n_fire}
    n_planted = planted["agency"].value_counts().to_dict()
    for agency in ("police", "fire"):
        have = int(n_planted.get(agency, 0))
        if n_target[agency] < 2 * have:
            name = f"n_{agency}"
            msg = (
                f"`{name}` must be at least {2 * have} "
                f"(twice the planted {agency} incidents)"
            )
            raise ParameterError(msg, param=name)
    background = _background(
        rngs[3], zones, clock, intensity, n_target, planted, planted_zone
    )
    op_zone_idx = np.flatnonzero(zones["code"].isin(places["boghall"].datazones))
    background = _thin_operation(
        rngs[4],
        background,
        op_zone_idx,
        clock.index_of(op_start),
        clock.index_of(op_end),
    )
    # Also inside some ward: simplified ward edges leave slivers of data zones
    # (about 16 ha in all) in no ward, and ingest derives the ward by
    # point-in-polygon, so demo points avoid them.
    ward_union = shapely.union_all(list(ward_geoms.values()))
    shapely.prepare(ward_union)
    xy = _sample_in_polygons(
        rngs[5], zones["geometry"], background["zone"], within=ward_union
    )
    background = background.assign(
        easting=xy[0],
        northing=xy[1],
        datazone=zones["code"].to_numpy()[background["zone"]],
    )
    records = pd.concat(
        [background.drop(columns="zone").assign(place=""), planted], ignore_index=True
    )
    incidents, truth = _finish(records, clock, rngs[5])

    period = {"from": start_date.isoformat(), "to": end_date.isoformat()}
    planted_meta = [places[k].describe(truth, incidents, period) for k in places]
    operation = _describe_operation(places["boghall"], before_start, op_start, op_end)
    planted_meta[0]["operation"] = operation["name"]
    return DemoData(
        incidents=incidents,
        planted=planted_meta,
        operation=operation,
        truth=truth,
        seed=int(seed),
        start=start_date,
        end=end_date,
    )


# ----------------------------------------------------------------------------------
# validation
# ----------------------------------------------------------------------------------


def _validate_end(end: date | str | None) -> date:
    today = datetime.now(LONDON).date()
    if end is None:
        return today.replace(day=1)
    if isinstance(end, str):
        try:
            end = date.fromisoformat(end.strip()[:10])
        except ValueError as exc:
            msg = f"`end` must be an ISO date (YYYY-MM-DD), got {end!r}"
            raise ParameterError(msg, param="end") from exc
    elif isinstance(end, datetime):
        end = end.date()
    elif not isinstance(end, date):
        msg = f"`end` must be a date or an ISO date string, got {end!r}"
        raise ParameterError(msg, param="end")
    if end > today:
        msg = f"`end` {end.isoformat()} is in the future (today is {today.isoformat()})"
        raise ParameterError(msg, param="end")
    return end


def _validate_boundaries(
    datazones: gpd.GeoDataFrame, wards: gpd.GeoDataFrame
) -> tuple[pd.DataFrame, dict[str, shapely.Geometry]]:
    for arg, gdf, cols in (
        ("datazones", datazones, ("code", "name", "population", "simd_rank")),
        ("wards", wards, ("code",)),
    ):
        if not isinstance(gdf, gpd.GeoDataFrame):
            msg = f"`{arg}` must be a GeoDataFrame, got {type(gdf).__name__}"
            raise ParameterError(msg, param=arg)
        missing = [c for c in cols if c not in gdf.columns]
        if missing:
            msg = f"`{arg}` lacks the columns {', '.join(missing)}"
            raise BoundaryError(msg, param=arg)
        if gdf.crs is None or gdf.crs.to_epsg() != BNG_EPSG:
            msg = f"`{arg}` must be in EPSG:{BNG_EPSG}, got {gdf.crs}"
            raise ParameterError(msg, param=arg)
        if len(gdf) == 0:
            msg = f"`{arg}` is empty"
            raise BoundaryError(msg, param=arg)
    needed = {BATHGATE_WARD, LIVINGSTON_SOUTH_WARD, FAULDHOUSE_WARD}
    missing_wards = sorted(needed - set(wards["code"]))
    if missing_wards:
        msg = f"`wards` lacks the wards {', '.join(missing_wards)} the demo plants in"
        raise BoundaryError(msg, param="wards")
    # Private copies of the geometries: preparing them must not touch the caller's.
    geoms = shapely.from_wkb(shapely.to_wkb(np.asarray(datazones.geometry.values)))
    shapely.prepare(geoms)
    zones = pd.DataFrame(
        {
            "code": datazones["code"].astype(str).to_numpy(),
            "name": datazones["name"].astype(str).to_numpy(),
            "population": datazones["population"].to_numpy(dtype=np.float64),
            "simd_rank": datazones["simd_rank"].to_numpy(dtype=np.float64),
            "geometry": geoms,
        }
    )
    ward_geoms = dict(
        zip(
            wards["code"].astype(str),
            shapely.from_wkb(shapely.to_wkb(np.asarray(wards.geometry.values))),
            strict=True,
        )
    )
    return zones, ward_geoms


def _add_months(d: date, months: int) -> date:
    """``d`` shifted by whole months (day clipped to the month's length)."""
    out = pd.Timestamp(d) + pd.DateOffset(months=months)
    return date(out.year, out.month, out.day)


# ----------------------------------------------------------------------------------
# time
# ----------------------------------------------------------------------------------


class _Clock:
    """The hourly UTC grid of the covered period with its local-time features."""

    def __init__(self, start: date, end: date) -> None:
        t0 = pd.Timestamp(start).tz_localize(LONDON).tz_convert("UTC")
        t1 = pd.Timestamp(end).tz_localize(LONDON).tz_convert("UTC")
        self.utc = pd.date_range(t0, t1, freq="h", inclusive="left")
        local = self.utc.tz_convert(LONDON)
        naive = local.tz_localize(None)
        self.offset_s = ((naive - self.utc.tz_localize(None)).total_seconds()).to_numpy(
            dtype=np.int64
        )
        self.utc_s = self.utc.as_unit("s").asi8.astype(np.int64)
        self.hour = naive.hour.to_numpy()
        night = naive - pd.Timedelta(hours=6)
        self.night_dow = night.dayofweek.to_numpy()
        doy = naive.dayofyear.to_numpy() - 1 + naive.hour.to_numpy() / 24.0
        self.month_pos = (doy / 365.25) * 12.0 - 0.5  # 0 = mid-January
        bonfire = pd.to_datetime(
            pd.Series(naive.year).astype(str) + "-11-05T20:00:00"
        ).to_numpy()
        self.days_from_bonfire = (naive.to_numpy() - bonfire) / np.timedelta64(1, "D")
        # The hour repeated when clocks go back would make naive local times
        # ambiguous: never place an incident there.
        self.unambiguous = ~pd.Index(naive).duplicated(keep=False)

    def __len__(self) -> int:
        return len(self.utc)

    def index_of(self, d: date) -> int:
        """Grid index of local midnight starting ``d`` (clipped to the grid)."""
        t = pd.Timestamp(d).tz_localize(LONDON).tz_convert("UTC")
        return int(self.utc.searchsorted(t))

    def intensity(self, cat: _Category) -> FloatArray:
        """Relative intensity of ``cat`` at each grid hour."""
        months = np.asarray(cat.months, dtype=np.float64)
        pos = self.month_pos % 12.0
        lo = np.floor(pos).astype(np.int64)
        frac = pos - lo
        season = months[lo % 12] * (1 - frac) + months[(lo + 1) % 12] * frac
        hours = np.arange(24) + 0.5
        profile = np.full(24, cat.floor)
        for mu, sd, w in cat.peaks:
            d = np.abs(hours - mu)
            d = np.minimum(d, 24.0 - d)
            profile += w * np.exp(-0.5 * (d / sd) ** 2)
        dow = np.asarray(cat.dow, dtype=np.float64)[self.night_dow]
        spike = 1.0 + cat.bonfire * np.exp(-0.5 * (self.days_from_bonfire / 1.2) ** 2)
        out = season * profile[self.hour] * dow * spike * self.unambiguous
        return out.astype(np.float64)

    def sample(
        self,
        rng: np.random.Generator,
        weights: FloatArray,
        n: int,
        lo: int = 0,
        hi: int | None = None,
    ) -> IntArray:
        """``n`` grid-hour indices in [lo, hi) drawn with probability ∝ ``weights``."""
        hi = len(self) if hi is None else hi
        if n == 0 or hi <= lo:
            return np.zeros(0, dtype=np.int64)
        w = weights[lo:hi]
        idx = rng.choice(hi - lo, size=n, p=w / w.sum())
        return (idx + lo).astype(np.int64)


# ----------------------------------------------------------------------------------
# space
# ----------------------------------------------------------------------------------


def _sample_in_polygons(
    rng: np.random.Generator,
    geoms: pd.Series,
    which: pd.Series | IntArray,
    *,
    within: shapely.Geometry | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Uniform whole-metre points inside polygon ``geoms[which[i]]`` for each i.

    Vectorised rejection sampling: every round draws four candidates per unplaced
    point in its polygon's bounding box, rounds them to whole metres, keeps the first
    that ``shapely.contains_xy`` accepts (inside the polygon and, if given, inside
    ``within``), and repeats for the rest.
    """
    which = np.asarray(which, dtype=np.int64)
    garr = np.asarray(geoms, dtype=object)
    bounds = shapely.bounds(garr)
    x = np.full(len(which), np.nan)
    y = np.full(len(which), np.nan)
    todo = np.arange(len(which))
    k = 4
    for _ in range(_MAX_ROUNDS):
        if todo.size == 0:
            break
        b = bounds[which[todo]]
        cx = np.round(rng.uniform(b[:, 0, None], b[:, 2, None], (todo.size, k)))
        cy = np.round(rng.uniform(b[:, 1, None], b[:, 3, None], (todo.size, k)))
        ok = shapely.contains_xy(garr[which[todo]][:, None], cx, cy)
        if within is not None:
            ok &= shapely.contains_xy(within, cx, cy)
        hit = ok.any(axis=1)
        first = ok.argmax(axis=1)
        rows = np.flatnonzero(hit)
        x[todo[rows]] = cx[rows, first[rows]]
        y[todo[rows]] = cy[rows, first[rows]]
        todo = todo[~hit]
    if todo.size:
        msg = f"could not place {todo.size} points inside their data zones"
        raise BoundaryError(msg, param="datazones")
    return x, y


@dataclass(frozen=True)
class _Place:
    """A planted cluster: where it is and which polygons clip it."""

    id: str
    name: str
    kind: str
    centre: tuple[float, float]
    sigma_m: float
    radius_m: float
    ward: str
    datazones: tuple[str, ...]  # the data zones points may fall in
    zone_geoms: tuple[shapely.Geometry, ...]
    ward_geom: shapely.Geometry
    agencies: tuple[str, ...]
    categories: tuple[str, ...]

    def sample_points(
        self, rng: np.random.Generator, n: int
    ) -> tuple[FloatArray, FloatArray, npt.NDArray[np.object_]]:
        """``n`` whole-metre points: Gaussian around the centre, truncated, clipped."""
        xs: list[FloatArray] = []
        ys: list[FloatArray] = []
        zs: list[npt.NDArray[np.object_]] = []
        need = n
        codes = np.asarray(self.datazones, dtype=object)
        for _ in range(_MAX_ROUNDS):
            if need <= 0:
                break
            m = max(16, 3 * need)
            cx = np.round(self.centre[0] + self.sigma_m * rng.standard_normal(m))
            cy = np.round(self.centre[1] + self.sigma_m * rng.standard_normal(m))
            inside = np.hypot(cx - self.centre[0], cy - self.centre[1]) <= self.radius_m
            inside &= shapely.contains_xy(self.ward_geom, cx, cy)
            hits = np.stack([shapely.contains_xy(g, cx, cy) for g in self.zone_geoms])
            inside &= hits.sum(axis=0) == 1
            keep = np.flatnonzero(inside)[:need]
            xs.append(cx[keep])
            ys.append(cy[keep])
            zs.append(codes[hits[:, keep].argmax(axis=0)])
            need -= keep.size
        if need > 0:
            msg = f"could not place the planted cluster {self.id!r}"
            raise BoundaryError(msg, param="datazones")
        return np.concatenate(xs), np.concatenate(ys), np.concatenate(zs)

    def describe(
        self, truth: pd.DataFrame, incidents: pd.DataFrame, period: dict[str, str]
    ) -> dict[str, Any]:
        mine = truth["place"].to_numpy() == self.id
        agency = incidents["agency"].to_numpy()[mine]
        zones = sorted(set(truth["datazone"].to_numpy()[mine]))
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "centre_easting": float(self.centre[0]),
            "centre_northing": float(self.centre[1]),
            "radius_m": float(self.radius_m),
            "sigma_m": float(self.sigma_m),
            "datazones": [str(z) for z in zones],
            "ward": self.ward,
            "agencies": list(self.agencies),
            "categories": list(self.categories),
            "period": dict(period),
            "n": int(mine.sum()),
            "n_police": int((agency == "police").sum()),
            "n_fire": int((agency == "fire").sum()),
        }


def _pole(geom: shapely.Geometry) -> tuple[float, float]:
    """Whole-metre pole of inaccessibility of the largest part of ``geom``."""
    parts = shapely.get_parts(geom)
    big = max(parts, key=lambda g: g.area)
    p = shapely.ops.polylabel(big, tolerance=1.0)
    return float(round(p.x)), float(round(p.y))


def _planted_places(
    zones: pd.DataFrame, ward_geoms: dict[str, shapely.Geometry]
) -> dict[str, _Place]:
    geoms = zones["geometry"].to_numpy()

    # (a) Boghall, Bathgate: every data zone whose name contains "Boghall".
    bog = np.flatnonzero(zones["name"].str.contains("Boghall", case=False).to_numpy())
    if bog.size == 0:
        msg = "`datazones` has no data zone whose name contains 'Boghall'"
        raise BoundaryError(msg, param="datazones")
    bathgate = ward_geoms[BATHGATE_WARD]
    bog_area = shapely.intersection(shapely.union_all(geoms[bog]), bathgate)
    boghall = _Place(
        id="boghall",
        name="Boghall, Bathgate: deliberate fires and vandalism",
        kind="overlap",
        centre=_pole(bog_area),
        sigma_m=90.0,
        radius_m=250.0,
        ward=BATHGATE_WARD,
        datazones=tuple(zones["code"].iloc[bog]),
        zone_geoms=tuple(geoms[bog]),
        ward_geom=bathgate,
        agencies=("police", "fire"),
        categories=("vandalism", *DELIBERATE_FIRES),
    )

    # (b) Livingston town centre: the data zone holding the Canmore reference point,
    # with the cluster centred at the most interior point within 400 m of it.
    livs = ward_geoms[LIVINGSTON_SOUTH_WARD]
    ngr = shapely.Point(*LIVINGSTON_CENTRE_NGR)
    holder = np.flatnonzero(shapely.contains(geoms, ngr))
    if holder.size != 1:
        msg = "`datazones` has no data zone holding the Livingston town centre"
        raise BoundaryError(msg, param="datazones")
    z = int(holder[0])
    area = shapely.intersection(shapely.intersection(geoms[z], livs), ngr.buffer(400.0))
    livingston = _Place(
        id="livingston_centre",
        name="Livingston town centre: antisocial behaviour",
        kind="police_only",
        centre=_pole(area),
        sigma_m=70.0,
        radius_m=200.0,
        ward=LIVINGSTON_SOUTH_WARD,
        datazones=(str(zones["code"].iloc[z]),),
        zone_geoms=(geoms[z],),
        ward_geom=livs,
        agencies=("police",),
        categories=("antisocial_behaviour",),
    )

    # (c) Rural grass fires: the data zone with the largest area in the Fauldhouse and
    # the Breich Valley ward, centred at the pole of its part in the ward.
    fauld = ward_geoms[FAULDHOUSE_WARD]
    in_ward = shapely.area(shapely.intersection(geoms, fauld))
    g = int(np.argmax(in_ward))
    grass = _Place(
        id="breich_valley_grass",
        name="Breich Valley moorland: grass fires",
        kind="fire_only",
        centre=_pole(shapely.intersection(geoms[g], fauld)),
        sigma_m=110.0,
        radius_m=300.0,
        ward=FAULDHOUSE_WARD,
        datazones=(str(zones["code"].iloc[g]),),
        zone_geoms=(geoms[g],),
        ward_geom=fauld,
        agencies=("fire",),
        categories=("grass_fire",),
    )
    return {p.id: p for p in (boghall, livingston, grass)}


# ----------------------------------------------------------------------------------
# planted incidents
# ----------------------------------------------------------------------------------


def _planted_frame(
    place: _Place,
    rng: np.random.Generator,
    categories: npt.NDArray[np.object_],
    hours: IntArray,
) -> pd.DataFrame:
    x, y, zone = place.sample_points(rng, len(categories))
    agency = np.array([_BY_NAME[c].agency for c in categories], dtype=object)
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


def _plant_boghall(
    rng: np.random.Generator,
    place: _Place,
    clock: _Clock,
    intensity: dict[str, FloatArray],
    op_start: date,
    op_end: date,
) -> pd.DataFrame:
    """Exact monthly counts of planted fires and vandalism (lower during/after op)."""
    cats: list[npt.NDArray[np.object_]] = []
    hours: list[IntArray] = []
    month = clock.utc[0].tz_convert(LONDON).date()
    stop = clock.utc[-1].tz_convert(LONDON).date()
    while month <= stop:
        nxt = _add_months(month, 1)
        phase = 0 if month < op_start else (1 if month < op_end else 2)
        lo, hi = clock.index_of(month), clock.index_of(nxt)
        n_fire, n_vand = _BOGHALL_FIRES[phase], _BOGHALL_VANDALISM[phase]
        primary = rng.random(n_fire) < _BOGHALL_PRIMARY_SHARE
        fire_cats = np.where(primary, "deliberate_fire", "deliberate_secondary_fire")
        for cat in ("deliberate_secondary_fire", "deliberate_fire"):
            k = int((fire_cats == cat).sum())
            cats.append(np.full(k, cat, dtype=object))
            hours.append(clock.sample(rng, intensity[cat], k, lo, hi))
        cats.append(np.full(n_vand, "vandalism", dtype=object))
        hours.append(clock.sample(rng, intensity["vandalism"], n_vand, lo, hi))
        month = nxt
    return _planted_frame(place, rng, np.concatenate(cats), np.concatenate(hours))


def _plant_poisson(
    rng: np.random.Generator,
    place: _Place,
    clock: _Clock,
    intensity: dict[str, FloatArray],
    category: str,
    n: int,
) -> pd.DataFrame:
    """``n`` planted incidents of one category, timed like the background."""
    hours = clock.sample(rng, intensity[category], n)
    return _planted_frame(place, rng, np.full(n, category, dtype=object), hours)


# ----------------------------------------------------------------------------------
# background incidents
# ----------------------------------------------------------------------------------


def _zone_base(zones: pd.DataFrame, cat: _Category) -> FloatArray:
    pop = zones["population"].to_numpy(dtype=np.float64)
    if cat.rural:
        area_ha = shapely.area(zones["geometry"].to_numpy()) / 1e4
        return np.sqrt(area_ha * pop)
    return pop


def _zone_probs(
    bases: list[FloatArray], gradients: list[float], dep: FloatArray, beta: float
) -> list[FloatArray]:
    """Per-category data-zone probabilities ∝ base * exp(beta * g_c * d)."""
    out = []
    for base, g in zip(bases, gradients, strict=True):
        w = base * np.exp(beta * g * dep)
        out.append(w / w.sum())
    return out


def _solve_beta(
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
        probs = _zone_probs(bases, gradients, dep, beta)
        in_dep = sum(s * p[deprived].sum() for s, p in zip(shares, probs, strict=True))
        return float((planted_in + n_bg * in_dep) / n_total - target_share)

    if deprived.any() and excess(0.0) < 0.0 < excess(12.0):
        return float(brentq(excess, 0.0, 12.0, xtol=1e-6))
    return 2.0  # no deprived zones in the input, or the target is out of reach


def _background(
    rng: np.random.Generator,
    zones: pd.DataFrame,
    clock: _Clock,
    intensity: dict[str, FloatArray],
    n_target: dict[str, int],
    planted: pd.DataFrame,
    planted_zone: IntArray,
) -> pd.DataFrame:
    rank = zones["simd_rank"].to_numpy()
    dep = 1.0 - (rank - 1.0) / (N_DATAZONES_SCOTLAND - 1.0)
    deprived = rank <= MOST_DEPRIVED_RANK
    pop = zones["population"].to_numpy()
    pop_share = pop[deprived].sum() / pop.sum()
    parts: list[pd.DataFrame] = []
    for agency in ("police", "fire"):
        cats = [c for c in _CATEGORIES if c.agency == agency]
        mine = planted["agency"].to_numpy() == agency
        n_bg = n_target[agency] - int(mine.sum())
        planted_in = float(deprived[planted_zone[mine]].sum())
        shares = np.array([c.share for c in cats])
        shares = shares / shares.sum()
        bases = [_zone_base(zones, c) for c in cats]
        gradients = [c.gradient for c in cats]
        beta = _solve_beta(
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
        probs = _zone_probs(bases, gradients, dep, beta)
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


def _thin_operation(
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


# ----------------------------------------------------------------------------------
# assembly
# ----------------------------------------------------------------------------------


def _finish(
    records: pd.DataFrame, clock: _Clock, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    hour = records["hour"].to_numpy(dtype=np.int64)
    utc_s = clock.utc_s[hour] + rng.integers(0, 3600, size=len(records))
    local = (utc_s + clock.offset_s[hour]).astype("datetime64[s]")
    # raw wordings: one draw per record, mapped through each category's weights
    u = rng.random(len(records))
    raw = np.empty(len(records), dtype=object)
    cat = records["category"].to_numpy()
    for name, c in _BY_NAME.items():
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
    for a in ("police", "fire"):
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


def _describe_operation(
    place: _Place, before_start: date, op_start: date, op_end: date
) -> dict[str, Any]:
    before = {
        "deliberate_fires": 2 * _BOGHALL_FIRES[0],
        "vandalism": 2 * _BOGHALL_VANDALISM[0],
    }
    during = {
        "deliberate_fires": 2 * _BOGHALL_FIRES[1],
        "vandalism": 2 * _BOGHALL_VANDALISM[1],
    }
    return {
        "name": "Boghall joint police and fire high-visibility operation",
        "place": place.id,
        "agencies": ["police", "fire"],
        "ward": place.ward,
        "datazones": list(place.datazones),
        "centre_easting": float(place.centre[0]),
        "centre_northing": float(place.centre[1]),
        "radius_m": float(place.radius_m),
        "start": op_start.isoformat(),
        "end": op_end.isoformat(),
        "before_start": before_start.isoformat(),
        "before_end": op_start.isoformat(),
        "categories": {
            "deliberate_fires": list(DELIBERATE_FIRES),
            "vandalism": ["vandalism"],
        },
        "expected_fall": dict(EXPECTED_FALL),
        "planted_counts": {"before": before, "during": during},
        "note": (
            "Planted counts are exact; background deliberate fires and vandalism in "
            "the operation's data zones are thinned by the same fractions."
        ),
    }
