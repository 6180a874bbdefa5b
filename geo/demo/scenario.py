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
#: Wards the scenario plants in: the input must hold them.
REQUIRED_WARDS = frozenset(p.ward for p in PLACES)


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
