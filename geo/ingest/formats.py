"""The file formats an upload may declare, and the dispatch to their parsers.

To add a format: write ``geo/ingest/<format>.py`` with a ``parse_<format>(data) ->
raw frame`` (columns :data:`geo.ingest.schema.RAW_COLUMNS`), add its name to
:data:`FORMATS` and a branch to :func:`parse`.
"""

from __future__ import annotations

import pandas as pd

from geo.errors import ParameterError
from geo.ingest.native import parse_native_file
from geo.ingest.police_uk import parse_police_uk
from geo.ingest.sfrs import parse_sfrs
from geo.ingest.stats19 import parse_stats19

FORMATS = ("native", "police-uk", "sfrs", "stats19")


def parse(
    data: bytes,
    fmt: str,
    *,
    agency: str | None = None,
    filename: str = "",
    datazone_points: dict[str, tuple[float, float]] | None = None,
) -> pd.DataFrame:
    """Dispatch to the parser for ``fmt`` (native, police-uk, sfrs or stats19).

    Raises
    ------
    ParameterError
        If ``fmt`` is not one of :data:`FORMATS`, or the parser rejects the file.
    """
    if fmt == "native":
        return parse_native_file(data, filename=filename, agency=agency)
    if fmt == "police-uk":
        return parse_police_uk(data)
    if fmt == "sfrs":
        return parse_sfrs(data, datazone_points=datazone_points)
    if fmt == "stats19":
        return parse_stats19(data)
    msg = f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}"
    raise ParameterError(msg, param="format")
