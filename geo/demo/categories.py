"""The demo's incident categories: how each behaves in space and time (a data table).

Police: ``antisocial_behaviour, vandalism, theft, shoplifting, assault,
threatening_behaviour, drugs, housebreaking, vehicle_crime``. Fire (SFRS incident
types): ``deliberate_secondary_fire`` (refuse, bins, derelict buildings),
``deliberate_fire`` (deliberate primary fires), ``accidental_dwelling_fire``,
``accidental_other_fire``, ``grass_fire`` (grassland/heath/scrub, any motive) and
``false_alarm``. Each record also carries a plausible source wording
(``raw_category``). Category shares are round, plausible figures, not published ones.

Every category's hourly intensity is the product of its month factors (interpolated),
its hour-of-day profile (``floor`` plus circular Gaussian ``peaks``), its night-of-week
factor and its bonfire-night extra (see :class:`geo.demo.clock.Clock`). All of it is
SYNTHETIC: invented figures, not real police or fire records.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AGENCIES",
    "BY_NAME",
    "CATEGORIES",
    "CATEGORY_TABLE",
    "PATTERN_CATEGORIES",
    "Category",
]

AGENCIES = ("police", "fire")


@dataclass(frozen=True)
class Category:
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
CATEGORY_TABLE: tuple[Category, ...] = (
    # ---- police -------------------------------------------------------------
    Category(
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
    Category(
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
    Category(
        "police", "theft", 0.14, 0.6,
        ((13.0, 4.0, 1.0),), 0.15,
        (1.0, 1.0, 1.0, 1.0, 1.05, 1.05, 0.85),
        (0.95, 0.9, 0.95, 1.0, 1.0, 1.05, 1.1, 1.1, 1.0, 1.0, 1.0, 1.05),
        0.0,
        (("Theft - other", 0.6), ("Pedal cycle theft", 0.2), ("Theft by finding", 0.2)),
    ),
    Category(
        "police", "shoplifting", 0.08, 0.5,
        ((14.0, 3.0, 1.0),), 0.01,
        (1.0, 1.0, 1.0, 1.0, 1.1, 1.2, 0.9),
        (0.95, 0.9, 0.95, 0.95, 1.0, 1.0, 1.0, 1.0, 1.0, 1.05, 1.15, 1.3),
        0.0,
        (("Shoplifting", 1.0),),
    ),
    Category(
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
    Category(
        "police", "threatening_behaviour", 0.08, 1.0,
        ((21.0, 3.5, 1.0),), 0.1,
        (1.0, 1.0, 1.0, 1.0, 1.2, 1.3, 1.05),
        _FLAT_MONTHS,
        0.0,
        (("Threatening or abusive behaviour", 0.7), ("Breach of the peace", 0.3)),
    ),
    Category(
        "police", "drugs", 0.07, 1.3,
        ((17.0, 4.0, 1.0),), 0.1,
        (1.0, 1.05, 1.05, 1.05, 1.1, 1.0, 0.8),
        _FLAT_MONTHS,
        0.0,
        (("Possession of drugs", 0.8), ("Supply of drugs", 0.2)),
    ),
    Category(
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
    Category(
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
    Category(
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
    Category(
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
    Category(
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
    Category(
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
    Category(
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
    Category(
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


def _collision(severity: str) -> Category:
    """A road-collision category: weekday rush-hour peaks, a little more in winter."""
    return Category(
        "road", f"collision_{severity}", 0.0, 0.0,
        ((8.0, 1.5, 1.0), (17.0, 2.0, 1.2), (13.0, 3.0, 0.4)), 0.08,
        (1.05, 1.05, 1.05, 1.05, 1.1, 0.85, 0.8),
        (1.15, 1.1, 1.0, 0.95, 0.95, 0.9, 0.9, 0.95, 1.0, 1.05, 1.1, 1.2),
        0.0,
        ((severity.capitalize(), 1.0),),
    )  # fmt: skip


#: Categories of the planted time patterns and collisions only (no background share):
#: kept out of :data:`CATEGORY_TABLE` so that the background draws stay as they were.
PATTERN_CATEGORIES: tuple[Category, ...] = (
    Category(
        "police",
        "burglary",
        0.0,
        0.5,
        ((11.0, 3.0, 1.0), (2.0, 2.5, 0.7)),
        0.15,
        (1.05, 1.05, 1.05, 1.0, 1.0, 0.95, 0.9),
        (1.2, 1.1, 1.0, 0.9, 0.85, 0.85, 0.9, 0.9, 0.95, 1.05, 1.15, 1.2),
        0.0,
        (
            ("Housebreaking - dwelling (series)", 0.7),
            ("Attempted housebreaking (series)", 0.3),
        ),
    ),
    _collision("fatal"),
    _collision("serious"),
    _collision("slight"),
)
BY_NAME: dict[str, Category] = {
    c.name: c for c in (*CATEGORY_TABLE, *PATTERN_CATEGORIES)
}
CATEGORIES: dict[str, tuple[str, ...]] = {
    a: tuple(c.name for c in (*CATEGORY_TABLE, *PATTERN_CATEGORIES) if c.agency == a)
    for a in (*AGENCIES, "road")
}
