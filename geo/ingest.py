"""Parse and validate incident records (native CSV/JSON/GeoJSON, data.police.uk, SFRS).

Every parser turns its input into a *raw frame* with one row per input row (``row`` is
the 1-based position in the batch; for files, the data row with the header excluded)
and the columns of :data:`RAW_COLUMNS`. :func:`validate` then checks the raw frame
vectorised and returns the accepted incidents (joined to data zone, ward, tasking group
and SIMD fields) plus one error ``{row, field, message}`` per rejected row.

Rejection reasons (one per row, the first that applies, in this order): missing field,
over-long string, unknown agency, bad category, unparseable date, date in the future,
date before 2000, coordinates missing / not a number / not finite, lon/lat or
easting/northing swapped, coordinates outside the West Lothian council area.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from pyproj import Transformer

from geo.errors import ParameterError
from geo.join import AreaIndex

AGENCIES = ("police", "fire")
MAX_ID_LEN = 64
MAX_CATEGORY_LEN = 64
MAX_TEXT_LEN = 200
TZ = "Europe/London"
EARLIEST = pd.Timestamp("2000-01-01", tz="UTC")
FORMATS = ("native", "police-uk", "sfrs")

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
)

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
SFRS_REQUIRED = ("IncidentNumber", "DateTimeOfCall", "IncidentType")

_TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
_TO_WGS = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
_OFFSET = re.compile(r"(?:Z|[+-]\d\d:?\d\d)$", re.IGNORECASE)
_SNAKE = re.compile(r"[^a-z0-9]+")


def to_snake(value: str) -> str:
    """Normalise a category label to snake_case (``'Anti-social Behaviour'`` ->
    ``'anti_social_behaviour'``)."""
    return _SNAKE.sub("_", value.strip().lower()).strip("_")


def to_bng(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 lon/lat to British National Grid easting/northing (pyproj)."""
    x, y = _TO_BNG.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x), np.asarray(y)


def to_wgs84(easting: Any, northing: Any) -> tuple[np.ndarray, np.ndarray]:
    """British National Grid to WGS84 lon/lat (pyproj)."""
    lon, lat = _TO_WGS.transform(
        np.asarray(easting, dtype=float), np.asarray(northing, dtype=float)
    )
    return np.asarray(lon), np.asarray(lat)


def _frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    df = pd.DataFrame.from_records(records) if records else pd.DataFrame()
    for col in RAW_COLUMNS:
        if col not in df.columns:
            df[col] = None
    df["row"] = np.arange(1, len(df) + 1)
    return df[RAW_COLUMNS].copy()


def parse_native_records(records: list[Any]) -> pd.DataFrame:
    """Raw frame from a list of native record objects (JSON body)."""
    rows: list[dict[str, Any]] = []
    for rec in records:
        if not isinstance(rec, dict):
            rows.append({"_not_object": True})
            continue
        row = dict(rec)
        for k in (
            "easting",
            "northing",
            "lon",
            "lat",
        ):  # keep an explicit NaN distinct from "missing"
            v = row.get(k)
            if isinstance(v, float) and v != v:
                row[k] = "NaN"
        rows.append(row)
    df = _frame(rows)
    df["_not_object"] = [r.get("_not_object", False) for r in rows] if rows else []
    df["location_precision"] = df["location_precision"].fillna("exact")
    df["date_precision"] = df["date_precision"].fillna("datetime")
    return df


def _read_csv(data: bytes) -> pd.DataFrame:
    try:
        text = data.decode("utf-8-sig")
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        msg = f"file is not a readable UTF-8 CSV ({type(exc).__name__}: {str(exc)[:120]})"
        raise ParameterError(msg, param="file") from exc


def parse_native_file(
    data: bytes, *, filename: str = "", agency: str | None = None
) -> pd.DataFrame:
    """Raw frame from a native CSV, JSON or GeoJSON file (chosen by content)."""
    head = data.lstrip()[:1]
    recs: Any
    if head in (b"{", b"["):
        try:
            doc = json.loads(data)
        except ValueError as exc:
            msg = f"file {filename or ''} is not valid JSON: {exc}"
            raise ParameterError(msg, param="file") from exc
        if isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
            recs = []
            for feat in doc.get("features") or []:
                props = dict((feat or {}).get("properties") or {})
                geom = (feat or {}).get("geometry") or {}
                if geom.get("type") == "Point" and isinstance(
                    geom.get("coordinates"), list
                ):
                    c = geom["coordinates"]
                    props.setdefault("lon", c[0] if len(c) > 0 else None)
                    props.setdefault("lat", c[1] if len(c) > 1 else None)
                recs.append(props)
        elif isinstance(doc, dict):
            recs = doc.get("incidents")
            if not isinstance(recs, list):
                msg = "JSON file must be a list of records or an object with an `incidents` list"
                raise ParameterError(msg, param="file")
        elif isinstance(doc, list):
            recs = doc
        else:
            msg = "JSON file must hold records"
            raise ParameterError(msg, param="file")
        df = parse_native_records(recs)
    else:
        try:
            table = _read_csv(data)
        except (UnicodeDecodeError, pd.errors.ParserError) as exc:
            msg = f"file is not a readable UTF-8 CSV: {exc}"
            raise ParameterError(msg, param="file") from exc
        table.columns = [str(c).strip() for c in table.columns]
        df = pd.DataFrame(
            {c: (table[c].to_numpy(dtype=object) if c in table.columns else None) for c in RAW_COLUMNS[1:]},
            index=pd.RangeIndex(len(table)),
        )
        df.insert(0, "row", np.arange(1, len(table) + 1))
        df["location_precision"] = df["location_precision"].fillna("exact")
        df["date_precision"] = df["date_precision"].fillna("datetime")
    if agency:
        df["agency"] = df["agency"].where(
            df["agency"].notna() & (df["agency"] != ""), agency
        )
    return df


def _police_uk_id(table: pd.DataFrame) -> pd.Series:
    """Stable ids for rows without a Crime ID: a hash of the row's content plus its
    occurrence number among identical rows of the file (so two identical ASB reports in
    one month stay two incidents, and re-loading the file adds nothing)."""
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
    """
    try:
        table = _read_csv(data)
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        msg = f"file is not a readable UTF-8 CSV: {exc}"
        raise ParameterError(msg, param="file") from exc
    missing = [
        c
        for c in ("Crime ID", "Month", "Longitude", "Latitude", "Crime type")
        if c not in table.columns
    ]
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
    """
    try:
        table = _read_csv(data)
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        msg = f"file is not a readable UTF-8 CSV: {exc}"
        raise ParameterError(msg, param="file") from exc
    missing = [c for c in SFRS_REQUIRED if c not in table.columns]
    if missing:
        msg = f"not an SFRS incident extract: columns {', '.join(missing)} missing"
        raise ParameterError(msg, param="format")
    n = len(table)
    def col(name: str) -> pd.Series:
        return table[name] if name in table.columns else pd.Series([None] * n, dtype=object)
    motive = col("FireMotive").where(col("FireMotive").notna(), col("Motive"))
    when = col("DateTimeOfCall").fillna("").str.strip()
    dmy = when.str.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}( \d{1,2}:\d{2}(:\d{2})?)?")
    parsed = pd.to_datetime(
        when.where(dmy, None), format="mixed", dayfirst=True, errors="coerce"
    )
    iso = parsed.dt.strftime("%Y-%m-%dT%H:%M:%S")
    occurred = when.where(~dmy, iso.where(parsed.notna(), when))
    easting, northing = col("Easting"), col("Northing")
    precision = pd.Series("exact", index=table.index, dtype=object)
    if datazone_points and "DataZone" in table.columns:
        no_xy = easting.isna() & northing.isna() & col("Longitude").isna()
        dzp = table["DataZone"].map(datazone_points)
        use = no_xy & dzp.notna()
        easting = easting.where(
            ~use, dzp.map(lambda p: p[0] if isinstance(p, tuple) else None)
        )
        northing = northing.where(
            ~use, dzp.map(lambda p: p[1] if isinstance(p, tuple) else None)
        )
        precision[use] = "datazone"
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
            "category": _sfrs_category(
                col("IncidentType"), motive, col("PropertyType")
            ),
            "raw_category": raw_cat.where(raw_cat != "", None),
            "occurred_at": occurred.where(when != "", None),
            "easting": easting,
            "northing": northing,
            "lon": col("Longitude"),
            "lat": col("Latitude"),
            "location_precision": precision,
            "date_precision": "datetime",
        }
    )
    return df[RAW_COLUMNS]


@dataclass
class ValidationResult:
    """Outcome of :func:`validate`."""

    accepted: pd.DataFrame
    errors: list[dict[str, Any]] = field(default_factory=list)
    received: int = 0


def _text(s: pd.Series) -> pd.Series:
    """Strings for a column that may hold None/NaN/numbers (missing -> "")."""
    obj = s.astype(object)
    return obj.where(obj.notna(), "").astype(str).astype(object)


def _blank(s: pd.Series) -> pd.Series:
    return _text(s).str.strip() == ""


def parse_datetimes(values: pd.Series) -> pd.Series:
    """Parse ISO 8601 strings to UTC; naive times are Europe/London (DST-ambiguous
    times take the first, summer-time occurrence; non-existent ones shift forward)."""
    s = _text(values).str.strip()
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns, UTC]")
    aware = s.str.contains(_OFFSET) & s.str.contains(r"\d{2}:\d{2}")
    if aware.any():
        out[aware] = pd.to_datetime(
            s[aware], format="ISO8601", utc=True, errors="coerce"
        )
    naive = ~aware
    if naive.any():
        parsed = pd.to_datetime(s[naive], format="ISO8601", errors="coerce")
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):  # pragma: no cover - defensive
            out[naive] = parsed.dt.tz_convert("UTC")
        else:
            local = parsed.dt.tz_localize(
                TZ,
                ambiguous=np.ones(len(parsed), dtype=bool),
                nonexistent="shift_forward",
            )
            out[naive] = local.dt.tz_convert("UTC")
    return out


def _num(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(float values, non-numeric mask) for a column that may hold strings."""
    given = ~_blank(s)
    try:  # fast path: already numeric or all parseable
        v = pd.to_numeric(s.where(given, None)).astype(float)
    except (ValueError, TypeError):
        v = pd.to_numeric(s.where(given, None), errors="coerce").astype(float)
    bad = given & v.isna()
    if bad.any():
        spelled_nan = _text(s[bad]).str.strip().str.lower().isin(("nan", "+nan", "-nan"))
        bad[bad] = ~spelled_nan.to_numpy()
    return v, bad


def validate(
    raw: pd.DataFrame, index: AreaIndex, *, now: datetime | None = None
) -> ValidationResult:
    """Validate a raw frame and join it to the geography. See the module docstring."""
    now_ts = pd.Timestamp(now or datetime.now(UTC))
    if now_ts.tzinfo is None:
        now_ts = now_ts.tz_localize("UTC")
    n = len(raw)
    df = raw.reset_index(drop=True)
    blank = {c: _blank(df[c]) for c in ("source_id", "agency", "category", "occurred_at", "easting", "northing", "lon", "lat", "raw_category")}
    field_ = pd.Series([None] * n, dtype=object)
    message = pd.Series([None] * n, dtype=object)

    def reject(mask: pd.Series, fld: str | pd.Series, msg: Any) -> None:
        """Reject rows in ``mask`` not yet rejected; ``msg`` may be a function of the
        rows' index (evaluated only for the rejected rows)."""
        m = (mask.fillna(False).astype(bool) & field_.isna()).to_numpy()
        if not m.any():
            return
        field_[m] = fld[m] if isinstance(fld, pd.Series) else fld
        message[m] = msg(m) if callable(msg) else msg

    if "_not_object" in df.columns:
        reject(
            df["_not_object"].fillna(False).astype(bool),
            "record",
            "record is not a JSON object",
        )
    for fld in ("source_id", "agency", "category", "occurred_at"):
        reject(blank[fld], fld, f"missing field `{fld}`")
    src = _text(df["source_id"]).str.strip()
    limits = {
        "source_id": MAX_ID_LEN,
        "category": MAX_CATEGORY_LEN,
        "raw_category": MAX_TEXT_LEN,
        "agency": MAX_ID_LEN,
    }
    for fld, limit in limits.items():
        lengths = _text(df[fld]).str.len()
        reject(
            lengths > limit,
            fld,
            lambda m, f=fld, lim=limit, ln=lengths: [
                f"`{f}` is too long ({v} > {lim} characters)" for v in ln[m]
            ],
        )
    agency = _text(df["agency"]).str.strip().str.lower()
    reject(
        ~agency.isin(AGENCIES),
        "agency",
        lambda m: [
            f"unknown agency {a!r} (expected police or fire)" for a in agency[m]
        ],
    )
    raw_cat = _text(df["category"])
    category = raw_cat.map(to_snake)
    reject(category == "", "category", "category has no letters or digits")
    text = _text(df["occurred_at"]).str.strip()
    when = parse_datetimes(text)
    reject(
        when.isna(),
        "occurred_at",
        lambda m: [f"unparseable date {t[:40]!r} (expected ISO 8601)" for t in text[m]],
    )
    reject(
        when > now_ts + pd.Timedelta(minutes=5),
        "occurred_at",
        lambda m: [f"date {t[:40]} is in the future" for t in text[m]],
    )
    reject(
        when < EARLIEST,
        "occurred_at",
        lambda m: [f"date {t[:40]} is before 2000-01-01" for t in text[m]],
    )

    e, e_bad = _num(df["easting"])
    no, n_bad = _num(df["northing"])
    lo, lo_bad = _num(df["lon"])
    la, la_bad = _num(df["lat"])
    for fld, bad in (
        ("easting", e_bad),
        ("northing", n_bad),
        ("lon", lo_bad),
        ("lat", la_bad),
    ):
        reject(bad, fld, f"`{fld}` is not a number")
    has_en = ~blank["easting"] | ~blank["northing"]
    has_ll = ~blank["lon"] | ~blank["lat"]
    reject(
        ~has_en & ~has_ll,
        "easting",
        "missing coordinates: give easting and northing, or lon and lat",
    )
    reject(
        has_en & (blank["easting"] | blank["northing"]),
        "easting",
        "give both easting and northing",
    )
    reject(
        ~has_en & has_ll & (blank["lon"] | blank["lat"]),
        "lon",
        "give both lon and lat",
    )
    use_en = has_en
    x = e.where(use_en, np.nan)
    y = no.where(use_en, np.nan)
    reject(
        use_en & ~np.isfinite(x),
        "easting",
        "`easting` is not a finite number (NaN or infinity)",
    )
    reject(
        use_en & ~np.isfinite(y),
        "northing",
        "`northing` is not a finite number (NaN or infinity)",
    )
    reject(
        ~use_en & has_ll & ~(np.isfinite(lo) & np.isfinite(la)),
        "lon",
        "coordinates are not finite numbers (NaN or infinity)",
    )
    swapped_ll = ~use_en & lo.between(54.0, 61.0) & la.between(-9.0, 0.0)
    reject(
        swapped_ll, "lon", "lon/lat look swapped (lon is a latitude, lat a longitude)"
    )
    swapped_en = use_en & x.between(600_000, 700_000) & y.between(250_000, 350_000)
    reject(swapped_en, "easting", "easting/northing look swapped")
    reject(
        ~use_en & has_ll & ~(lo.between(-180, 180) & la.between(-90, 90)),
        "lon",
        "lon/lat out of range for WGS84",
    )

    ok_ll = ~use_en & field_.isna()
    if ok_ll.any():
        bx, by = to_bng(lo[ok_ll].to_numpy(), la[ok_ll].to_numpy())
        x[ok_ll] = bx
        y[ok_ll] = by
    candidates = field_.isna().to_numpy()
    dz = np.full(n, None, dtype=object)
    ward = np.full(n, None, dtype=object)
    if candidates.any():
        cdz, cwd, inside = index.assign(
            x.to_numpy()[candidates], y.to_numpy()[candidates]
        )
        pos = np.flatnonzero(candidates)
        dz[pos], ward[pos] = cdz, cwd
        outside = np.zeros(n, dtype=bool)
        outside[pos[~inside]] = True
        coord_field = pd.Series(np.where(use_en, "easting", "lon"), dtype=object)
        reject(
            pd.Series(outside),
            coord_field,
            "coordinates outside the West Lothian council area",
        )

    good = field_.isna().to_numpy()
    errors = [
        {"row": int(r), "field": str(f), "message": str(m)}
        for r, f, m in zip(df["row"][~good], field_[~good], message[~good], strict=True)
    ]
    b = index.boundaries
    dzinfo = b.datazones.set_index("code")
    groups = b.wards.set_index("code")["tasking_group"]
    acc = pd.DataFrame(
        {
            "row": df["row"][good].to_numpy(),
            "source_id": src[good].to_numpy(),
            "agency": agency[good].to_numpy(),
            "category": category[good].to_numpy(),
            "raw_category": df["raw_category"]
            .where(~blank["raw_category"], raw_cat)[good]
            .to_numpy(),
            "occurred_at": when[good].to_numpy(),
            "easting": x[good].round(2).to_numpy(),
            "northing": y[good].round(2).to_numpy(),
            "datazone": dz[good],
            "ward": ward[good],
            "location_precision": df["location_precision"]
            .fillna("exact")[good]
            .to_numpy(),
            "date_precision": df["date_precision"].fillna("datetime")[good].to_numpy(),
        }
    )
    acc["occurred_at"] = pd.to_datetime(acc["occurred_at"], utc=True)
    acc["tasking_group"] = acc["ward"].map(groups)
    acc["simd_rank"] = acc["datazone"].map(dzinfo["simd_rank"]).astype("Int64")
    acc["simd_decile"] = acc["datazone"].map(dzinfo["simd_decile"]).astype("Int64")
    return ValidationResult(accepted=acc, errors=errors, received=n)


def drop_batch_duplicates(accepted: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Remove repeats of ``(agency, source_id)`` inside one batch (first kept)."""
    dup = accepted.duplicated(["agency", "source_id"], keep="first")
    return accepted[~dup].reset_index(drop=True), int(dup.sum())


def parse(
    data: bytes,
    fmt: str,
    *,
    agency: str | None = None,
    filename: str = "",
    datazone_points: dict[str, tuple[float, float]] | None = None,
) -> pd.DataFrame:
    """Dispatch to the parser for ``fmt`` (native, police-uk or sfrs)."""
    if fmt == "native":
        return parse_native_file(data, filename=filename, agency=agency)
    if fmt == "police-uk":
        return parse_police_uk(data)
    if fmt == "sfrs":
        return parse_sfrs(data, datazone_points=datazone_points)
    msg = f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}"
    raise ParameterError(msg, param="format")
