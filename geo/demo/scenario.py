"""The demo scenario: what is planted where, and the Boghall operation (data, no code).

Everything described here is SYNTHETIC (:data:`DEMO_LABEL`): invented incidents with a
*known ground truth*, so that ``hotspots demo``, the notebooks and the tests have
something definite to find. The generator (:mod:`geo.demo.generator`) reads these
definitions; the places are located on the real boundaries by :mod:`geo.demo.places`.

Planted ground truth
--------------------
Three tight clusters (Gaussian, truncated at ``radius_m``, clipped to their data zones
and ward) are added to the background, each described in
:attr:`geo.demo.DemoData.planted`:

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
part way (5 fires and 17 vandalisms a month). :attr:`geo.demo.DemoData.operation`
describes it.

Time patterns (SYNTHETIC, planted for the emerging-hotspot, near-repeat and temporal
features; described in :attr:`geo.demo.DemoData.patterns`, kept out of ``planted``)
-------------------------------------------------------------------------------------
``livingston_north_new`` (new hotspot, Livingston North ward S13002822)
    Vehicle crime around the pole of the most populous data zone of the ward:
    nothing planted before, then :data:`NEW_HOTSPOT_PER_MONTH` (15) a month in each of
    the last :data:`NEW_HOTSPOT_MONTHS` (3) months.
``armadale_intensifying`` (intensifying hotspot, Armadale and Blackridge ward
S13002828)
    Antisocial behaviour around the pole of the most populous data zone of the ward,
    rising linearly from 2 a month in the first month to 24 a month in the last.
``linlithgow_burglary`` (near-repeat series, Linlithgow ward S13002820)
    :data:`BURGLARY_SERIES` (10) series of category ``burglary``: an initial
    burglary at a random time and place within 1,200 m of Linlithgow Cross, followed by
    2-4 more, each 12-144 hours later and within 100 m of the first, so every pair of a
    series lies within 200 m and 6 days.
``bonfire_night`` (seasonal spike, whole area)
    The background's bonfire-night spike (deliberate secondary fires x16 at 5
    November 20:00, see :mod:`geo.demo.clock`): nothing extra is planted.

Road collisions (SYNTHETIC, agency ``road``; :attr:`geo.demo.DemoData.collisions`)
-------------------------------------------------------------------------------
:data:`COLLISIONS_PER_YEAR` (150) a year along straight segments between
approximate town-centre grid references on the main roads of :data:`ROADS` (no road
geometry is used: the segments stand in for the A89, A706, A705, A71 and A899),
scattered 15 m either side of the line; severity fatal 2%, serious 18%, slight 80%
(categories ``collision_fatal``, ``collision_serious``, ``collision_slight``; KSI =
fatal or serious); source ids ``DEMO-RTC-000001`` ... in time order.

References
----------
Scottish Government (2020). *Scottish Index of Multiple Deprivation 2020v2*.
Historic Environment Scotland, Canmore site NT06NE 33 "Livingston, General".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

__all__ = [
    "DEFAULT_SEED",
    "DEMO_LABEL",
    "MOST_DEPRIVED_RANK",
    "PLACES",
    "TARGET_CONCENTRATION",
    "PlaceSpec",
    "operation_summary",
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
OPERATION_NAME = "Boghall joint police and fire high-visibility operation"

# Planted monthly counts for Boghall: normal, during the operation, after it.
BOGHALL_FIRES = (10, 3, 5)
BOGHALL_VANDALISM = (20, 14, 17)
BOGHALL_PRIMARY_SHARE = 0.2
LIVINGSTON_ASB_PER_MONTH = 13
GRASS_PER_MONTH = 5


@dataclass(frozen=True)
class PlaceSpec:
    """One planted place: what it is and how tight (where: :mod:`geo.demo.places`)."""

    id: str
    name: str
    kind: str  # overlap / police_only / fire_only
    sigma_m: float  # sd of the Gaussian around the centre
    radius_m: float  # truncation radius
    ward: str
    agencies: tuple[str, ...]
    categories: tuple[str, ...]


PLACES: tuple[PlaceSpec, ...] = (
    PlaceSpec(
        id="boghall",
        name="Boghall, Bathgate: deliberate fires and vandalism",
        kind="overlap",
        sigma_m=90.0,
        radius_m=250.0,
        ward=BATHGATE_WARD,
        agencies=("police", "fire"),
        categories=("vandalism", *DELIBERATE_FIRES),
    ),
    PlaceSpec(
        id="livingston_centre",
        name="Livingston town centre: antisocial behaviour",
        kind="police_only",
        sigma_m=70.0,
        radius_m=200.0,
        ward=LIVINGSTON_SOUTH_WARD,
        agencies=("police",),
        categories=("antisocial_behaviour",),
    ),
    PlaceSpec(
        id="breich_valley_grass",
        name="Breich Valley moorland: grass fires",
        kind="fire_only",
        sigma_m=110.0,
        radius_m=300.0,
        ward=FAULDHOUSE_WARD,
        agencies=("fire",),
        categories=("grass_fire",),
    ),
)

LINLITHGOW_WARD = "S13002820"
LIVINGSTON_NORTH_WARD = "S13002822"
ARMADALE_WARD = "S13002828"
# Approximate town-centre grid references (EPSG:27700), whole 50 m.
LINLITHGOW_CROSS_NGR = (300250.0, 677150.0)
TOWNS: dict[str, tuple[float, float]] = {
    "Livingston": LIVINGSTON_CENTRE_NGR,
    "Bathgate": (297650.0, 668850.0),
    "Linlithgow": LINLITHGOW_CROSS_NGR,
    "Broxburn": (308300.0, 672300.0),
    "Whitburn": (294700.0, 665000.0),
    "Armadale": (293600.0, 668500.0),
    "East Calder": (308600.0, 667700.0),
    "West Calder": (301800.0, 663200.0),
    "Blackburn": (299000.0, 665500.0),
}
#: Main roads as straight segments between towns: (road, from town, to town).
ROADS: tuple[tuple[str, str, str], ...] = (
    ("A89", "Armadale", "Bathgate"),
    ("A89", "Bathgate", "Broxburn"),
    ("A706", "Linlithgow", "Bathgate"),
    ("A705", "Whitburn", "Blackburn"),
    ("A705", "Blackburn", "Livingston"),
    ("A71", "West Calder", "East Calder"),
    ("A899", "Livingston", "Broxburn"),
)
COLLISIONS_PER_YEAR = 150
COLLISION_SCATTER_M = 15.0
COLLISION_SEVERITY = {"fatal": 0.02, "serious": 0.18, "slight": 0.80}

NEW_HOTSPOT_PER_MONTH = 15
NEW_HOTSPOT_MONTHS = 3
INTENSIFYING_FIRST, INTENSIFYING_LAST = 2, 24  # a month
BURGLARY_SERIES = 10
BURGLARY_REPEATS = (2, 4)  # follow-ups per series, inclusive
BURGLARY_AREA_M = 1200.0  # initial burglaries within this of Linlithgow Cross
BURGLARY_REPEAT_M = 100.0  # follow-ups within this of the initial one
BURGLARY_REPEAT_HOURS = (12, 144)  # follow-ups this long after the initial one

#: The planted time patterns located like the places (see :data:`PATTERNS`).
PATTERN_PLACES: tuple[PlaceSpec, ...] = (
    PlaceSpec(
        id="livingston_north_new",
        name="Livingston North: new vehicle-crime hotspot (last three months)",
        kind="new",
        sigma_m=80.0,
        radius_m=220.0,
        ward=LIVINGSTON_NORTH_WARD,
        agencies=("police",),
        categories=("vehicle_crime",),
    ),
    PlaceSpec(
        id="armadale_intensifying",
        name="Armadale: intensifying antisocial behaviour",
        kind="intensifying",
        sigma_m=90.0,
        radius_m=250.0,
        ward=ARMADALE_WARD,
        agencies=("police",),
        categories=("antisocial_behaviour",),
    ),
)
#: Wards the scenario plants in: the input must hold them.
REQUIRED_WARDS = frozenset(
    [p.ward for p in PLACES + PATTERN_PLACES] + [LINLITHGOW_WARD]
)


def operation_summary() -> dict[str, Any]:
    """The operation's fixed facts: name, categories, expected falls, planted counts.

    Returns
    -------
    dict
        ``name``, ``agencies``, ``categories``, ``expected_fall`` and
        ``planted_counts`` (``before`` / ``during``: two months each), JSON-ready.
    """
    before = {
        "deliberate_fires": OPERATION_MONTHS * BOGHALL_FIRES[0],
        "vandalism": OPERATION_MONTHS * BOGHALL_VANDALISM[0],
    }
    during = {
        "deliberate_fires": OPERATION_MONTHS * BOGHALL_FIRES[1],
        "vandalism": OPERATION_MONTHS * BOGHALL_VANDALISM[1],
    }
    return {
        "name": OPERATION_NAME,
        "agencies": ["police", "fire"],
        "categories": {
            "deliberate_fires": list(DELIBERATE_FIRES),
            "vandalism": ["vandalism"],
        },
        "expected_fall": dict(EXPECTED_FALL),
        "planted_counts": {"before": before, "during": during},
    }
