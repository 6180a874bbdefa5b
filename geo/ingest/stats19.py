"""Road collisions in the DfT STATS19 shape (the accident / collision table).

Columns used: ``accident_index`` (or ``collision_index``), ``date`` (dd/mm/yyyy), ``time``
(HH:MM), ``accident_severity`` (or ``collision_severity``: 1 fatal, 2 serious, 3 slight;
the words are accepted too), ``location_easting_osgr``/``location_northing_osgr`` (BNG),
else ``longitude``/``latitude``. Each collision becomes an incident of agency ``road``
with category ``collision_fatal``, ``collision_serious`` or ``collision_slight`` (the
severity is kept in the category; :data:`KSI_CATEGORIES` are the killed-or-seriously-
injured ones).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.errors import ParameterError
from geo.ingest.rawio import read_csv_text
from geo.ingest.schema import RAW_COLUMNS

SEVERITY = {"1": "fatal", "2": "serious", "3": "slight", "fatal": "fatal", "serious": "serious", "slight": "slight"}
KSI_CATEGORIES = ("collision_fatal", "collision_serious")
STATS19_CATEGORIES = ("collision_fatal", "collision_serious", "collision_slight")


def _first(table: pd.DataFrame, *names: str) -> pd.Series | None:
    for name in names:
        if name in table.columns:
            return table[name]
    return None


def _or(col: pd.Series | None, default: pd.Series) -> pd.Series:
    return default if col is None else col


def _when(date: pd.Series, time: pd.Series) -> pd.Series:
    """``dd/mm/yyyy`` + ``HH:MM`` as ISO 8601 text; unparseable rows keep their text (the
    validator then rejects them with the row and field)."""
    text = date.fillna("").str.strip() + " " + time.fillna("00:00").str.strip()
    parsed = pd.to_datetime(text, format="%d/%m/%Y %H:%M", errors="coerce")
    iso = parsed.dt.strftime("%Y-%m-%dT%H:%M:00")
    return iso.where(parsed.notna(), date.where(date.fillna("").str.strip() != "", None))


def parse_stats19(data: bytes) -> pd.DataFrame:
    """Raw frame (agency ``road``) from a STATS19 collision CSV.

    Raises
    ------
    ParameterError
        If the file is not a readable CSV or lacks the index, date or severity column.
    """
    table = read_csv_text(data)
    n = len(table)
    index = _first(table, "accident_index", "collision_index", "Accident_Index")
    date = _first(table, "date", "Date")
    severity = _first(table, "accident_severity", "collision_severity", "Accident_Severity")
    missing = [name for name, col in (("accident_index", index), ("date", date), ("accident_severity", severity)) if col is None]
    if missing:
        msg = f"not a STATS19 collision file: columns {', '.join(missing)} missing"
        raise ParameterError(msg, param="format")
    assert index is not None and date is not None and severity is not None
    none = pd.Series([None] * n, dtype=object)
    time = _first(table, "time", "Time")
    sev = severity.fillna("").str.strip().str.lower().map(SEVERITY)
    df = pd.DataFrame({
        "row": np.arange(1, n + 1),
        "source_id": index,
        "agency": "road",
        "category": ("collision_" + sev).where(sev.notna(), None),
        "raw_category": severity,
        "occurred_at": _when(date, _or(time, none)),
        "easting": _or(_first(table, "location_easting_osgr", "Location_Easting_OSGR"), none),
        "northing": _or(_first(table, "location_northing_osgr", "Location_Northing_OSGR"), none),
        "lon": _or(_first(table, "longitude", "Longitude"), none),
        "lat": _or(_first(table, "latitude", "Latitude"), none),
        "location_precision": "exact",
        "date_precision": "datetime",
    })
    return df[RAW_COLUMNS]
