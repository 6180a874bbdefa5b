"""The native format: JSON record lists, JSON/GeoJSON files and CSV files (DESIGN.md)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from geo.errors import ParameterError
from geo.ingest.rawio import frame_from_records, read_csv_text
from geo.ingest.schema import RAW_COLUMNS

_COORDS = ("easting", "northing", "lon", "lat")


def parse_native_records(records: list[Any]) -> pd.DataFrame:
    """Raw frame from a list of native record objects (JSON body).

    Parameters
    ----------
    records : list
        Decoded JSON values; a value that is not an object becomes a row that
        :func:`geo.ingest.validate` rejects (``field='record'``).

    Returns
    -------
    pandas.DataFrame
        The raw frame (columns ``RAW_COLUMNS`` plus ``_not_object``).
    """
    rows: list[dict[str, Any]] = []
    for rec in records:
        if not isinstance(rec, dict):
            rows.append({"_not_object": True})
            continue
        row = dict(rec)
        for k in _COORDS:  # keep an explicit NaN distinct from "missing"
            v = row.get(k)
            if isinstance(v, float) and v != v:
                row[k] = "NaN"
        rows.append(row)
    df = frame_from_records(rows)
    df["_not_object"] = [r.get("_not_object", False) for r in rows] if rows else []
    df["location_precision"] = df["location_precision"].fillna("exact")
    df["date_precision"] = df["date_precision"].fillna("datetime")
    return df


def _geojson_records(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Feature properties, with a Point geometry's coordinates as ``lon``/``lat``."""
    recs = []
    feats = doc.get("features")
    for feat in feats if isinstance(feats, list) else []:
        feat = feat if isinstance(feat, dict) else {}
        props = dict(feat["properties"]) if isinstance(feat.get("properties"), dict) else {}
        geom = feat["geometry"] if isinstance(feat.get("geometry"), dict) else {}
        if geom.get("type") == "Point" and isinstance(geom.get("coordinates"), list):
            c = geom["coordinates"]
            props.setdefault("lon", c[0] if len(c) > 0 else None)
            props.setdefault("lat", c[1] if len(c) > 1 else None)
        recs.append(props)
    return recs


def _json_records(data: bytes, filename: str) -> Any:
    """The records of a JSON list, ``{"incidents": [...]}`` or a GeoJSON FeatureCollection."""
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError) as exc:  # RecursionError: nesting too deep
        msg = f"file {filename or ''} is not valid JSON: {exc}"
        raise ParameterError(msg, param="file") from exc
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        return _geojson_records(doc)
    if isinstance(doc, dict):
        recs = doc.get("incidents")
        if not isinstance(recs, list):
            msg = "JSON file must be a list of records or an object with an `incidents` list"
            raise ParameterError(msg, param="file")
        return recs
    if isinstance(doc, list):
        return doc
    msg = "JSON file must hold records"
    raise ParameterError(msg, param="file")


def _csv_frame(data: bytes) -> pd.DataFrame:
    """Raw frame from a native CSV (columns named as in the native record)."""
    table = read_csv_text(data)
    table.columns = [str(c).strip() for c in table.columns]
    df = pd.DataFrame(
        {
            c: (table[c].to_numpy(dtype=object) if c in table.columns else None)
            for c in RAW_COLUMNS[1:]
        },
        index=pd.RangeIndex(len(table)),
    )
    df.insert(0, "row", np.arange(1, len(table) + 1))
    df["location_precision"] = df["location_precision"].fillna("exact")
    df["date_precision"] = df["date_precision"].fillna("datetime")
    return df


def parse_native_file(
    data: bytes, *, filename: str = "", agency: str | None = None
) -> pd.DataFrame:
    """Raw frame from a native CSV, JSON or GeoJSON file (chosen by content).

    Parameters
    ----------
    data : bytes
        The file's content.
    filename : str
        Used in error messages only.
    agency : str, optional
        Agency for rows that give none.

    Raises
    ------
    ParameterError
        If the file is not readable JSON/CSV or its JSON holds no records.
    """
    head = data.lstrip()[:1]
    if head in (b"{", b"["):
        df = parse_native_records(_json_records(data, filename))
    else:
        df = _csv_frame(data)
    if agency:
        df["agency"] = df["agency"].where(
            df["agency"].notna() & (df["agency"] != ""), agency
        )
    return df
