"""Domain errors raised by :mod:`geo`.

They derive from built-ins (osmnx style) and carry no HTTP knowledge; ``app`` maps
each class to a status code in one table (``app.errors.STATUS_BY_ERROR``).
"""

from __future__ import annotations


class GeoError(ValueError):
    """Base class of every error :mod:`geo` raises for bad input or data."""

    def __init__(self, msg: str, *, param: str | None = None) -> None:
        super().__init__(msg)
        self.param = param


class BoundaryError(GeoError):
    """A boundary file is missing, unreadable or fails validation."""


class ParameterError(GeoError):
    """A request parameter is invalid (``param`` names it)."""


class EmptyInputError(GeoError):
    """There is nothing to analyse (e.g. a window with no incidents)."""


class TooFewIncidentsError(GeoError):
    """Too few incidents for the method asked for."""


class TooLargeError(GeoError):
    """The request would exceed a size limit (grid too large, file too big)."""


class UnknownAreaError(GeoError):
    """A ward, data zone or hotspot id that does not exist."""
