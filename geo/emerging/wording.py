"""Plain-language descriptions of the emerging-hot-spot patterns (for maps and packs)."""

from __future__ import annotations

PATTERN_TEXT: dict[str, str] = {
    "new_hot": "Newly hot: a hot spot in the latest period, never before",
    "consecutive_hot": "Hot for the latest run of periods, not before",
    "intensifying_hot": "Hot almost throughout and getting hotter",
    "persistent_hot": "Hot almost throughout, with no clear trend",
    "diminishing_hot": "Hot almost throughout but cooling",
    "sporadic_hot": "Hot now, and on and off before",
    "oscillating_hot": "Hot now, but a cold spot at some earlier time",
    "historical_hot": "Was hot almost throughout, but not in the latest period",
    "new_cold": "Newly cold: a cold spot in the latest period, never before",
    "consecutive_cold": "Cold for the latest run of periods, not before",
    "intensifying_cold": "Cold almost throughout and getting colder",
    "persistent_cold": "Cold almost throughout, with no clear trend",
    "diminishing_cold": "Cold almost throughout but warming",
    "sporadic_cold": "Cold now, and on and off before",
    "oscillating_cold": "Cold now, but a hot spot at some earlier time",
    "historical_cold": "Was cold almost throughout, but not in the latest period",
    "no_pattern": "No hot or cold pattern",
}


def describe(pattern: str) -> str:
    """The sentence for ``pattern`` (the name itself if unknown)."""
    return PATTERN_TEXT.get(pattern, pattern)
