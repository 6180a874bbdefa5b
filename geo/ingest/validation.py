"""Validation of a raw frame, and its join to data zone, ward, tasking group and SIMD.

Rejection reasons (one per row, the first that applies, in this order): record not an
object, missing field, over-long string, unknown agency, bad category, unparseable date,
date in the future, date before 2000, coordinates missing / not a number / not finite,
lon/lat or easting/northing swapped, coordinates outside the West Lothian council area.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from geo.ingest.coords import to_bng
from geo.ingest.schema import (
    AGENCIES,
    EARLIEST,
    MAX_CATEGORY_LEN,
    MAX_ID_LEN,
    MAX_TEXT_LEN,
    to_snake,
)
from geo.ingest.values import blank, numbers, parse_datetimes, text
from geo.join import AreaIndex

_BLANK_CHECKED = (
    "source_id", "agency", "category", "occurred_at",
    "easting", "northing", "lon", "lat", "raw_category",
)


@dataclass
class ValidationResult:
    """Outcome of :func:`validate`.

    Attributes
    ----------
    accepted : pandas.DataFrame
        The accepted incidents, joined to the geography.
    errors : list of dict
        One ``{row, field, message}`` per rejected row.
    received : int
        Rows in the raw frame.
    """

    accepted: pd.DataFrame
    errors: list[dict[str, Any]] = field(default_factory=list)
    received: int = 0


class _Rejections:
    """The first rejection reason of each row (``field`` None while a row is good)."""

    def __init__(self, n: int) -> None:
        self.field = pd.Series([None] * n, dtype=object)
        self.message = pd.Series([None] * n, dtype=object)

    def reject(self, mask: pd.Series, fld: str | pd.Series, msg: Any) -> None:
        """Reject rows in ``mask`` not yet rejected; ``msg`` may be a function of the
        rows' mask (evaluated only for the rejected rows)."""
        m = (mask.fillna(False).astype(bool) & self.field.isna()).to_numpy()
        if not m.any():
            return
        self.field[m] = fld[m] if isinstance(fld, pd.Series) else fld
        self.message[m] = msg(m) if callable(msg) else msg

    def good(self) -> pd.Series:
        """True for rows not rejected so far."""
        return self.field.isna()


@dataclass
class _Fields:
    source_id: pd.Series
    agency: pd.Series
    raw_category: pd.Series
    category: pd.Series


def _too_long(lengths: pd.Series, fld: str, limit: int) -> Callable[[Any], list[str]]:
    return lambda m: [f"`{fld}` is too long ({v} > {limit} characters)" for v in lengths[m]]


def _check_fields(
    df: pd.DataFrame, blanks: dict[str, pd.Series], rj: _Rejections
) -> _Fields:
    """Object, missing-field, length, agency and category checks."""
    if "_not_object" in df.columns:
        rj.reject(
            df["_not_object"].fillna(False).astype(bool),
            "record",
            "record is not a JSON object",
        )
    for fld in ("source_id", "agency", "category", "occurred_at"):
        rj.reject(blanks[fld], fld, f"missing field `{fld}`")
    limits = {
        "source_id": MAX_ID_LEN,
        "category": MAX_CATEGORY_LEN,
        "raw_category": MAX_TEXT_LEN,
        "agency": MAX_ID_LEN,
    }
    for fld, limit in limits.items():
        lengths = text(df[fld]).str.len()
        rj.reject(lengths > limit, fld, _too_long(lengths, fld, limit))
    agency = text(df["agency"]).str.strip().str.lower()
    rj.reject(
        ~agency.isin(AGENCIES),
        "agency",
        lambda m: [f"unknown agency {a!r} (expected {', '.join(AGENCIES[:-1])} or {AGENCIES[-1]})" for a in agency[m]],
    )
    raw_cat = text(df["category"])
    category = raw_cat.map(to_snake)
    rj.reject(category == "", "category", "category has no letters or digits")
    src = text(df["source_id"]).str.strip()
    return _Fields(source_id=src, agency=agency, raw_category=raw_cat, category=category)


def _check_dates(df: pd.DataFrame, rj: _Rejections, now_ts: pd.Timestamp) -> pd.Series:
    """Parse ``occurred_at`` (UTC) and reject unparseable, future and pre-2000 dates."""
    txt = text(df["occurred_at"]).str.strip()
    when = parse_datetimes(txt)
    rj.reject(
        when.isna(),
        "occurred_at",
        lambda m: [f"unparseable date {t[:40]!r} (expected ISO 8601)" for t in txt[m]],
    )
    rj.reject(
        when > now_ts + pd.Timedelta(minutes=5),
        "occurred_at",
        lambda m: [f"date {t[:40]} is in the future" for t in txt[m]],
    )
    rj.reject(
        when < EARLIEST,
        "occurred_at",
        lambda m: [f"date {t[:40]} is before 2000-01-01" for t in txt[m]],
    )
    return when


def _check_coordinates(
    df: pd.DataFrame, blanks: dict[str, pd.Series], rj: _Rejections
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(x, y, use_en): BNG coordinates (lon/lat converted for good rows) and whether a
    row gave easting/northing."""
    e, e_bad = numbers(df["easting"])
    no, n_bad = numbers(df["northing"])
    lo, lo_bad = numbers(df["lon"])
    la, la_bad = numbers(df["lat"])
    for fld, bad in (("easting", e_bad), ("northing", n_bad), ("lon", lo_bad), ("lat", la_bad)):
        rj.reject(bad, fld, f"`{fld}` is not a number")
    use_en = ~blanks["easting"] | ~blanks["northing"]
    has_ll = ~blanks["lon"] | ~blanks["lat"]
    rj.reject(
        ~use_en & ~has_ll,
        "easting",
        "missing coordinates: give easting and northing, or lon and lat",
    )
    rj.reject(
        use_en & (blanks["easting"] | blanks["northing"]), "easting", "give both easting and northing"
    )
    rj.reject(~use_en & has_ll & (blanks["lon"] | blanks["lat"]), "lon", "give both lon and lat")
    x = e.where(use_en, np.nan)
    y = no.where(use_en, np.nan)
    rj.reject(use_en & ~np.isfinite(x), "easting", "`easting` is not a finite number (NaN or infinity)")
    rj.reject(use_en & ~np.isfinite(y), "northing", "`northing` is not a finite number (NaN or infinity)")
    rj.reject(
        ~use_en & has_ll & ~(np.isfinite(lo) & np.isfinite(la)),
        "lon",
        "coordinates are not finite numbers (NaN or infinity)",
    )
    swapped_ll = ~use_en & lo.between(54.0, 61.0) & la.between(-9.0, 0.0)
    rj.reject(swapped_ll, "lon", "lon/lat look swapped (lon is a latitude, lat a longitude)")
    swapped_en = use_en & x.between(600_000, 700_000) & y.between(250_000, 350_000)
    rj.reject(swapped_en, "easting", "easting/northing look swapped")
    rj.reject(
        ~use_en & has_ll & ~(lo.between(-180, 180) & la.between(-90, 90)),
        "lon",
        "lon/lat out of range for WGS84",
    )
    ok_ll = ~use_en & rj.good()
    if ok_ll.any():
        bx, by = to_bng(lo[ok_ll].to_numpy(), la[ok_ll].to_numpy())
        x[ok_ll] = bx
        y[ok_ll] = by
    return x, y, use_en


def _assign_areas(
    x: pd.Series, y: pd.Series, use_en: pd.Series, rj: _Rejections, index: AreaIndex
) -> tuple[np.ndarray, np.ndarray]:
    """(datazone, ward) codes of good rows; rows outside the council area are rejected."""
    n = len(x)
    candidates = rj.good().to_numpy()
    dz = np.full(n, None, dtype=object)
    ward = np.full(n, None, dtype=object)
    if candidates.any():
        cdz, cwd, inside = index.assign(x.to_numpy()[candidates], y.to_numpy()[candidates])
        pos = np.flatnonzero(candidates)
        dz[pos], ward[pos] = cdz, cwd
        outside = np.zeros(n, dtype=bool)
        outside[pos[~inside]] = True
        coord_field = pd.Series(np.where(use_en, "easting", "lon"), dtype=object)
        rj.reject(
            pd.Series(outside), coord_field, f"coordinates outside {index.boundaries.pack.area_phrase}"
        )
    return dz, ward


def _accepted_frame(
    df: pd.DataFrame,
    good: np.ndarray,
    f: _Fields,
    raw_text: pd.Series,
    when: pd.Series,
    xy: tuple[pd.Series, pd.Series],
    areas: tuple[np.ndarray, np.ndarray],
    index: AreaIndex,
) -> pd.DataFrame:
    """The accepted rows with their areas, tasking group and SIMD fields."""
    x, y = xy
    dz, ward = areas
    acc = pd.DataFrame(
        {
            "row": df["row"][good].to_numpy(),
            "source_id": f.source_id[good].to_numpy(),
            "agency": f.agency[good].to_numpy(),
            "category": f.category[good].to_numpy(),
            "raw_category": raw_text[good].to_numpy(),
            "occurred_at": when[good].to_numpy(),
            "easting": x[good].round(2).to_numpy(),
            "northing": y[good].round(2).to_numpy(),
            "datazone": dz[good],
            "ward": ward[good],
            "location_precision": df["location_precision"].fillna("exact")[good].to_numpy(),
            "date_precision": df["date_precision"].fillna("datetime")[good].to_numpy(),
        }
    )
    b = index.boundaries
    dzinfo = b.datazones.set_index("code")
    groups = b.wards.set_index("code")["tasking_group"]
    acc["occurred_at"] = pd.to_datetime(acc["occurred_at"], utc=True)
    acc["tasking_group"] = acc["ward"].map(groups)
    acc["simd_rank"] = acc["datazone"].map(dzinfo["simd_rank"]).astype("Int64")
    acc["simd_decile"] = acc["datazone"].map(dzinfo["simd_decile"]).astype("Int64")
    return acc


def validate(
    raw: pd.DataFrame, index: AreaIndex, *, now: datetime | None = None
) -> ValidationResult:
    """Validate a raw frame and join it to the geography.

    Parameters
    ----------
    raw : pandas.DataFrame
        A raw frame from one of the parsers (columns ``RAW_COLUMNS``).
    index : AreaIndex
        The data zone / ward lookup.
    now : datetime, optional
        The present, for the "in the future" check (default: the clock).

    Returns
    -------
    ValidationResult
        Accepted incidents and one error per rejected row (reasons in the module
        docstring, the first that applies).
    """
    now_ts = pd.Timestamp(now or datetime.now(UTC))
    if now_ts.tzinfo is None:
        now_ts = now_ts.tz_localize("UTC")
    df = raw.reset_index(drop=True)
    blanks = {c: blank(df[c]) for c in _BLANK_CHECKED}
    rj = _Rejections(len(df))
    fields = _check_fields(df, blanks, rj)
    when = _check_dates(df, rj, now_ts)
    x, y, use_en = _check_coordinates(df, blanks, rj)
    areas = _assign_areas(x, y, use_en, rj, index)
    good = rj.good().to_numpy()
    errors = [
        {"row": int(r), "field": str(f), "message": str(m)}
        for r, f, m in zip(df["row"][~good], rj.field[~good], rj.message[~good], strict=True)
    ]
    raw_text = df["raw_category"].where(~blanks["raw_category"], fields.raw_category)
    acc = _accepted_frame(df, good, fields, raw_text, when, (x, y), areas, index)
    return ValidationResult(accepted=acc, errors=errors, received=len(df))


def drop_batch_duplicates(accepted: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Remove repeats of ``(agency, source_id)`` inside one batch (first kept).

    Returns
    -------
    tuple of (pandas.DataFrame, int)
        The de-duplicated frame and the number of rows removed.
    """
    dup = accepted.duplicated(["agency", "source_id"], keep="first")
    return accepted[~dup].reset_index(drop=True), int(dup.sum())
