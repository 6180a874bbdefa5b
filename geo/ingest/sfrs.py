"""The Scottish Fire and Rescue Service incident extract."""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.errors import ParameterError
from geo.ingest.rawio import read_csv_text
from geo.ingest.schema import RAW_COLUMNS

SFRS_REQUIRED = ("IncidentNumber", "DateTimeOfCall", "IncidentType")
_DMY = r"\d{1,2}/\d{1,2}/\d{4}( \d{1,2}:\d{2}(:\d{2})?)?"


def _sfrs_category(
    inc_type: pd.Series, motive: pd.Series, prop: pd.Series
) -> pd.Series:
    t = inc_type.fillna("").str.lower()
    m = motive.fillna("").str.lower()
    p = prop.fillna("").str.lower()
    deliberate = m.str.contains("deliberate")
    dwelling = (
        p.str.contains("dwelling") | p.str.contains("house") | p.str.contains("flat")
    )
    grass = (
        p.str.contains("grass") | p.str.contains("heath") | p.str.contains("woodland")
    )
    out = pd.Series("fire_other", index=t.index, dtype=object)
    out[t.str.contains("special")] = "special_service"
    out[t.str.contains("false")] = "false_alarm"
    secondary = t.str.contains("secondary")
    primary = t.str.contains("primary") | (
        t.str.contains("fire") & ~secondary & ~t.str.contains("false")
    )
    out[secondary] = "secondary_fire"
    out[secondary & grass] = "grass_fire"
    out[secondary & deliberate] = "deliberate_secondary_fire"
    out[primary & ~deliberate] = "accidental_fire"
    out[primary & ~deliberate & dwelling] = "accidental_dwelling_fire"
    out[primary & deliberate] = "deliberate_fire"
    out[t == ""] = None
    return out


def _call_times(when: pd.Series) -> pd.Series:
    """``dd/mm/yyyy HH:MM[:SS]`` call times as ISO 8601 text; other text unchanged."""
    dmy = when.str.fullmatch(_DMY)
    parsed = pd.to_datetime(
        when.where(dmy, None), format="mixed", dayfirst=True, errors="coerce"
    )
    iso = parsed.dt.strftime("%Y-%m-%dT%H:%M:%S")
    return when.where(~dmy, iso.where(parsed.notna(), when))


def _datazone_fallback(
    table: pd.DataFrame,
    easting: pd.Series,
    northing: pd.Series,
    lon: pd.Series,
    datazone_points: dict[str, tuple[float, float]] | None,
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(easting, northing, location_precision): rows with only a ``DataZone`` get the
    data zone's representative point and ``location_precision='datazone'``."""
    precision = pd.Series("exact", index=table.index, dtype=object)
    if datazone_points and "DataZone" in table.columns:
        no_xy = easting.isna() & northing.isna() & lon.isna()
        dzp = table["DataZone"].map(datazone_points)
        use = no_xy & dzp.notna()
        easting = easting.where(
            ~use, dzp.map(lambda p: p[0] if isinstance(p, tuple) else None)
        )
        northing = northing.where(
            ~use, dzp.map(lambda p: p[1] if isinstance(p, tuple) else None)
        )
        precision[use] = "datazone"
    return easting, northing, precision


def parse_sfrs(
    data: bytes, *, datazone_points: dict[str, tuple[float, float]] | None = None
) -> pd.DataFrame:
    """Raw frame from a Scottish Fire and Rescue Service incident extract.

    Columns (as SFRS incident extracts are laid out): ``IncidentNumber``,
    ``DateTimeOfCall`` (``dd/mm/yyyy HH:MM[:SS]`` or ISO 8601), ``IncidentType``
    (Primary Fire / Secondary Fire / False Alarm / Special Service ...), optional
    ``FireMotive`` or ``Motive`` (Deliberate / Accidental / Not known), optional
    ``PropertyType``, and a location: ``Easting``/``Northing`` (BNG), or
    ``Longitude``/``Latitude``, or only ``DataZone`` (then the data zone's
    representative point is used, ``location_precision='datazone'``).

    Raises
    ------
    ParameterError
        If the file is not a readable CSV or lacks a required SFRS column.
    """
    table = read_csv_text(data)
    missing = [c for c in SFRS_REQUIRED if c not in table.columns]
    if missing:
        msg = f"not an SFRS incident extract: columns {', '.join(missing)} missing"
        raise ParameterError(msg, param="format")
    n = len(table)

    def col(name: str) -> pd.Series:
        return table[name] if name in table.columns else pd.Series([None] * n, dtype=object)

    motive = col("FireMotive").where(col("FireMotive").notna(), col("Motive"))
    when = col("DateTimeOfCall").fillna("").str.strip()
    easting, northing, precision = _datazone_fallback(
        table, col("Easting"), col("Northing"), col("Longitude"), datazone_points
    )
    raw_cat = (
        col("IncidentType").fillna("")
        + " / "
        + motive.fillna("")
        + " / "
        + col("PropertyType").fillna("")
    ).str.strip(" /")
    df = pd.DataFrame(
        {
            "row": np.arange(1, n + 1),
            "source_id": col("IncidentNumber"),
            "agency": "fire",
            "category": _sfrs_category(col("IncidentType"), motive, col("PropertyType")),
            "raw_category": raw_cat.where(raw_cat != "", None),
            "occurred_at": _call_times(when).where(when != "", None),
            "easting": easting,
            "northing": northing,
            "lon": col("Longitude"),
            "lat": col("Latitude"),
            "location_precision": precision,
            "date_precision": "datetime",
        }
    )
    return df[RAW_COLUMNS]
