"""Names and limits shared by every incident parser and by :func:`geo.ingest.validate`."""

from __future__ import annotations

import re

import pandas as pd

AGENCIES = ("police", "fire", "road")  # road: collisions (STATS19)
MAX_ID_LEN = 64
MAX_CATEGORY_LEN = 64
MAX_TEXT_LEN = 200
TZ = "Europe/London"
EARLIEST = pd.Timestamp("2000-01-01", tz="UTC")

RAW_COLUMNS = [
    "row",
    "source_id",
    "agency",
    "category",
    "raw_category",
    "occurred_at",
    "easting",
    "northing",
    "lon",
    "lat",
    "location_precision",
    "date_precision",
]

KNOWN_CATEGORIES = (
    "antisocial_behaviour",
    "vandalism",
    "assault",
    "violence_sexual_offences",
    "theft",
    "shoplifting",
    "bicycle_theft",
    "theft_from_person",
    "vehicle_crime",
    "housebreaking",
    "robbery",
    "drugs",
    "public_order",
    "weapons",
    "other_crime",
    "deliberate_fire",
    "deliberate_secondary_fire",
    "accidental_dwelling_fire",
    "accidental_fire",
    "secondary_fire",
    "grass_fire",
    "false_alarm",
    "special_service",
    "fire_other",
    "burglary",
    "collision_fatal",
    "collision_serious",
    "collision_slight",
)

_SNAKE = re.compile(r"[^a-z0-9]+")


def to_snake(value: str) -> str:
    """Normalise a category label to snake_case (``'Anti-social Behaviour'`` ->
    ``'anti_social_behaviour'``)."""
    return _SNAKE.sub("_", value.strip().lower()).strip("_")
