"""Geospatial core of the West Lothian hotspot service (no web framework here)."""

from geo import errors as errors
from geo.boundaries import Boundaries, load_boundaries

__all__ = ["Boundaries", "errors", "load_boundaries"]
