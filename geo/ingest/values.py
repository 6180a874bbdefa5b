"""Reading the values of raw-frame columns: text, numbers and ISO 8601 dates."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from geo.ingest.schema import TZ

_OFFSET = re.compile(r"(?:Z|[+-]\d\d:?\d\d)$", re.IGNORECASE)


def text(s: pd.Series) -> pd.Series:
    """Strings for a column that may hold None/NaN/numbers (missing -> "")."""
    obj = s.astype(object)
    return obj.where(obj.notna(), "").astype(str).astype(object)


def blank(s: pd.Series) -> pd.Series:
    """True where a value is missing or only whitespace."""
    return text(s).str.strip() == ""


def parse_datetimes(values: pd.Series) -> pd.Series:
    """Parse ISO 8601 strings to UTC; naive times are Europe/London (DST-ambiguous
    times take the first, summer-time occurrence; non-existent ones shift forward)."""
    s = text(values).str.strip()
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


def numbers(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(float values, non-numeric mask) for a column that may hold strings.

    A value spelled ``NaN`` is a number (NaN), not a non-numeric value.
    """
    given = ~blank(s)
    try:  # fast path: already numeric or all parseable
        v = pd.to_numeric(s.where(given, None)).astype(float)
    except (ValueError, TypeError):
        v = pd.to_numeric(s.where(given, None), errors="coerce").astype(float)
    bad = given & v.isna()
    if bad.any():
        spelled_nan = text(s[bad]).str.strip().str.lower().isin(("nan", "+nan", "-nan"))
        bad[bad] = ~spelled_nan.to_numpy()
    return v, bad
