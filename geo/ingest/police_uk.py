"""The data.police.uk street-level crime CSV (and the id rule for records without a Crime ID)."""

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


ID_PREFIX = "PUK-"


def _coord_text(col: pd.Series) -> pd.Series:
    """Coordinates as ``%.6f`` text (police.uk's own precision) where they are numbers,
    else the stripped text, so ``-0.5392`` and ``-0.539200`` give the same key."""
    text = col.fillna("").astype(str).str.strip()
    num = pd.to_numeric(text, errors="coerce")
    ok = np.isfinite(num.to_numpy(dtype=float))
    out = text.copy()
    out[ok] = [f"{v:.6f}" for v in num[ok]]
    return out


def derived_ids(table: pd.DataFrame) -> pd.Series:
    """Deterministic ids for records without a Crime ID (police.uk leaves it blank for
    anti-social behaviour), one rule for the street-level file and the API.

    The key of a row is ``Month | Longitude | Latitude | Location | Crime type`` (month and
    location stripped, coordinates as ``%.6f``, crime type stripped and lower-cased) and its
    ordinal ``k`` (0, 1, …) among the rows of ``table`` with the same key, in table order;
    the id is ``"PUK-"`` + the first 20 hex digits of SHA-1 of ``"<key>#<k>"``. So two
    identical reports in one month stay two incidents, re-loading a file adds nothing, and
    the API record (:func:`geo.policeuk_api.records_to_csv`) gets the id of the same row
    read from the file. The ``LSOA code`` is not part of the key: the API does not return
    it. Identical rows get the same *set* of ids from both sources whatever their order.
    The ordinal counts within one table: one street file (one force, one month) or one
    month of an API pull; so two forces' files of one month holding an identical row (same
    snap point, street, type) would give both the same id and the second would count as a
    duplicate.
    """
    if table.empty:  # a header and no rows
        return pd.Series([], index=table.index, dtype=object)
    parts = [
        table["Month"].fillna("").astype(str).str.strip(),
        _coord_text(table["Longitude"]),
        _coord_text(table["Latitude"]),
        table["Location"].fillna("").astype(str).str.strip(),
        table["Crime type"].fillna("").astype(str).str.strip().str.lower(),
    ]
    key = parts[0].str.cat(parts[1:], sep="|")
    occurrence = key.groupby(key).cumcount().astype(str)
    joined = key + "#" + occurrence
    return joined.map(lambda s: ID_PREFIX + hashlib.sha1(s.encode()).hexdigest()[:20])


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
    crime_id = table["Crime ID"].fillna("").astype(str).str.strip()
    derived = derived_ids(table)
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
