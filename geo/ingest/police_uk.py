"""The data.police.uk street-level crime CSV."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from geo.errors import ParameterError
from geo.ingest.rawio import read_csv_text
from geo.ingest.schema import RAW_COLUMNS, to_snake

POLICE_UK_CATEGORIES = {
    "anti-social behaviour": "antisocial_behaviour",
    "criminal damage and arson": "vandalism",
    "violence and sexual offences": "violence_sexual_offences",
    "drugs": "drugs",
    "shoplifting": "shoplifting",
    "bicycle theft": "bicycle_theft",
    "theft from the person": "theft_from_person",
    "other theft": "theft",
    "burglary": "housebreaking",
    "vehicle crime": "vehicle_crime",
    "robbery": "robbery",
    "public order": "public_order",
    "possession of weapons": "weapons",
    "other crime": "other_crime",
}
POLICE_UK_COLUMNS = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
)
POLICE_UK_REQUIRED = ("Crime ID", "Month", "Longitude", "Latitude", "Crime type")


def _police_uk_id(table: pd.DataFrame) -> pd.Series:
    """Stable ids for rows without a Crime ID: a hash of the row's content plus its
    occurrence number among identical rows of the file (so two identical ASB reports in
    one month stay two incidents, and re-loading the file adds nothing)."""
    if table.empty:  # a header and no rows
        return pd.Series([], index=table.index, dtype=object)
    key = table[
        ["Month", "Longitude", "Latitude", "Location", "LSOA code", "Crime type"]
    ]
    key = key.fillna("").astype(str).agg("|".join, axis=1)
    occurrence = key.groupby(key).cumcount().astype(str)
    joined = key + "#" + occurrence
    return joined.map(lambda s: "PUK-" + hashlib.sha1(s.encode()).hexdigest()[:20])


def parse_police_uk(data: bytes) -> pd.DataFrame:
    """Raw frame from a data.police.uk street-level crime CSV.

    The month becomes the first day of the month at 00:00 Europe/London
    (``date_precision='month'``); coordinates are WGS84 and ``location_precision`` is
    ``'street'`` (police.uk snaps points to anonymous map points).

    Raises
    ------
    ParameterError
        If the file is not a readable CSV or lacks a police.uk column.
    """
    table = read_csv_text(data)
    missing = [c for c in POLICE_UK_REQUIRED if c not in table.columns]
    if missing:
        msg = f"not a data.police.uk street-level CSV: columns {', '.join(missing)} missing"
        raise ParameterError(msg, param="format")
    for c in POLICE_UK_COLUMNS:
        if c not in table.columns:
            table[c] = None
    crime_id = table["Crime ID"].fillna("").str.strip()
    derived = _police_uk_id(table)
    source_id = crime_id.where(crime_id != "", derived)
    month = table["Month"].fillna("").str.strip()
    occurred = month.where(~month.str.fullmatch(r"\d{4}-\d{2}"), month + "-01T00:00:00")
    raw_cat = table["Crime type"].fillna("").str.strip()
    cat = raw_cat.str.lower().map(POLICE_UK_CATEGORIES)
    cat = cat.where(cat.notna(), raw_cat.map(to_snake))
    df = pd.DataFrame(
        {
            "row": np.arange(1, len(table) + 1),
            "source_id": source_id,
            "agency": "police",
            "category": cat.where(raw_cat != "", None),
            "raw_category": raw_cat.where(raw_cat != "", None),
            "occurred_at": occurred.where(month != "", None),
            "easting": None,
            "northing": None,
            "lon": table["Longitude"],
            "lat": table["Latitude"],
            "location_precision": "street",
            "date_precision": "month",
        }
    )
    return df[RAW_COLUMNS]
