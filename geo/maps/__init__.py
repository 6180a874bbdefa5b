"""Folium (Leaflet) tasking maps built from plain inputs.

:func:`build_tasking_map` draws one tasking group's map from GeoDataFrames, a hotspot
FeatureCollection, heat points and an incident frame, with a layer control, a legend,
a title block, a scale bar and the boundary attribution. It never decides who may see
what: the caller passes only what the viewer may see (no ``incidents`` for the viewer
role, counts already suppressed in ``hotspots``) and sets ``suppress_small`` so that
the counts drawn here (Gi* data zones, the title block) are suppressed too.

The package, one question per module:

- :mod:`geo.maps.style`: layer names and defaults, colours, panes, attribution;
- :mod:`geo.maps.helpers`: disclosure (``suppress_count``), ``hotspot_kind``,
  ``heat_floor``, HTML escaping and GeoJSON helpers;
- :mod:`geo.maps.layers`: wards, land, SIMD and Gi* layers;
  :mod:`geo.maps.hotspots`: hotspot layers and popups;
  :mod:`geo.maps.incidents`: clustered incident points;
  :mod:`geo.maps.overlays`: emerging-hot-spot patterns and KSI road collisions
  (:class:`ExtraLayers`);
- :mod:`geo.maps.legend`: the legend; :mod:`geo.maps.page`: title block, CSS, page;
- :mod:`geo.maps.assets`: the JS/CSS links (:func:`set_asset_urls`);
- :mod:`geo.maps.build`: :func:`build_tasking_map`, which puts them together.

Layers, bottom to top (custom Leaflet panes keep this order however layers are
toggled): data zones by SIMD decile (off by default), Gi* hot and cold data zones,
emerging hot and cold data zones (off by default), the KDE heat surface, ward
boundaries with names, police-only and fire-only hotspots, overlap hotspots, KSI
road collisions (off by default), then the police and fire incident clusters.

JS/CSS assets. folium's elements link their JavaScript and CSS from public CDNs
(``folium.Map.default_js`` / ``default_css`` and each plugin's). :func:`set_asset_urls`
rewrites those links, by folium's own asset names, to other URLs (for example the
service's own copies) and drops the ones not needed (:data:`UNUSED_ASSETS`).

Examples
--------
>>> m = build_tasking_map(boundaries.wards, title=MapTitle("WEST"))  # doctest: +SKIP
>>> html = render_html(m)  # doctest: +SKIP
"""

from __future__ import annotations

from geo.maps.assets import asset_names, set_asset_urls
from geo.maps.build import build_tasking_map
from geo.maps.helpers import heat_floor, hotspot_kind, is_synthetic, suppress_count
from geo.maps.incidents import IncidentCluster
from geo.maps.layers import gistar_method
from geo.maps.overlays import ExtraLayers
from geo.maps.page import MapTitle, render_html
from geo.maps.style import (
    AGENCY_COLOURS,
    BOUNDARY_ATTRIBUTION,
    DEFAULT_SHOW,
    EMERGING_COLOURS,
    GISTAR_BINS,
    KSI_COLOUR,
    LAYER_NAMES,
    OVERLAP_COLOUR,
    PANES,
    SIMD_COLOURS,
    SUPPRESS_BELOW,
    SYNTHETIC_PREFIX,
    UNUSED_ASSETS,
)

__all__ = [
    "AGENCY_COLOURS",
    "BOUNDARY_ATTRIBUTION",
    "DEFAULT_SHOW",
    "EMERGING_COLOURS",
    "GISTAR_BINS",
    "KSI_COLOUR",
    "LAYER_NAMES",
    "OVERLAP_COLOUR",
    "PANES",
    "SIMD_COLOURS",
    "SUPPRESS_BELOW",
    "SYNTHETIC_PREFIX",
    "UNUSED_ASSETS",
    "ExtraLayers",
    "IncidentCluster",
    "MapTitle",
    "asset_names",
    "build_tasking_map",
    "gistar_method",
    "heat_floor",
    "hotspot_kind",
    "is_synthetic",
    "render_html",
    "set_asset_urls",
    "suppress_count",
]
