"""Parse and validate incident records (native CSV/JSON/GeoJSON, data.police.uk, SFRS).

Every parser turns its input into a *raw frame* with one row per input row (``row`` is
the 1-based position in the batch; for files, the data row with the header excluded)
and the columns of :data:`RAW_COLUMNS`. :func:`validate` then checks the raw frame
vectorised and returns the accepted incidents (joined to data zone, ward, tasking group
and SIMD fields) plus one error ``{row, field, message}`` per rejected row.

Modules: :mod:`~geo.ingest.schema` (column names, limits, categories),
:mod:`~geo.ingest.coords` (BNG <-> WGS84), :mod:`~geo.ingest.rawio` (CSV reading),
one module per format (:mod:`~geo.ingest.native`, :mod:`~geo.ingest.police_uk`,
:mod:`~geo.ingest.sfrs`) with the dispatch in :mod:`~geo.ingest.formats`, and
:mod:`~geo.ingest.validation` (rejection rules, in :mod:`~geo.ingest.values` the
parsing of text, numbers and dates).

Rejection reasons (one per row, the first that applies, in this order): missing field,
over-long string, unknown agency, bad category, unparseable date, date in the future,
date before 2000, coordinates missing / not a number / not finite, lon/lat or
easting/northing swapped, coordinates outside the West Lothian council area.
"""

from geo.ingest.coords import to_bng, to_wgs84
from geo.ingest.formats import FORMATS, parse
from geo.ingest.native import parse_native_file, parse_native_records
from geo.ingest.police_uk import (
    POLICE_UK_CATEGORIES,
    POLICE_UK_COLUMNS,
    parse_police_uk,
)
from geo.ingest.schema import (
    AGENCIES,
    EARLIEST,
    KNOWN_CATEGORIES,
    MAX_CATEGORY_LEN,
    MAX_ID_LEN,
    MAX_TEXT_LEN,
    RAW_COLUMNS,
    TZ,
    to_snake,
)
from geo.ingest.sfrs import SFRS_REQUIRED, parse_sfrs
from geo.ingest.validation import ValidationResult, drop_batch_duplicates, validate
from geo.ingest.values import parse_datetimes

__all__ = [
    "AGENCIES",
    "EARLIEST",
    "FORMATS",
    "KNOWN_CATEGORIES",
    "MAX_CATEGORY_LEN",
    "MAX_ID_LEN",
    "MAX_TEXT_LEN",
    "POLICE_UK_CATEGORIES",
    "POLICE_UK_COLUMNS",
    "RAW_COLUMNS",
    "SFRS_REQUIRED",
    "TZ",
    "ValidationResult",
    "drop_batch_duplicates",
    "parse",
    "parse_datetimes",
    "parse_native_file",
    "parse_native_records",
    "parse_police_uk",
    "parse_sfrs",
    "to_bng",
    "to_snake",
    "to_wgs84",
    "validate",
]
