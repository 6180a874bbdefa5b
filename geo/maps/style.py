"""Map styling: layer names and defaults, colours, panes and the boundary attribution."""

from __future__ import annotations

__all__ = [
    "AGENCY_COLOURS",
    "BOUNDARY_ATTRIBUTION",
    "COORD_GRID",
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
]

#: Open Government Licence attribution for the data zone, ward and SIMD boundaries.
BOUNDARY_ATTRIBUTION = (
    "Contains National Records of Scotland and Scottish Government data © Crown "
    "copyright and database right. Contains OS data © Crown copyright and database "
    "right."
)
#: The built-in demo dataset's source ids start with this.
SYNTHETIC_PREFIX = "DEMO-"
#: Counts 1 to ``SUPPRESS_BELOW - 1`` are shown as ``"<5"`` when suppressing.
SUPPRESS_BELOW = 5

#: Layer key -> name in the layer control (a count in brackets is appended).
LAYER_NAMES: dict[str, str] = {
    "wards": "Ward boundaries",
    "simd": "Data zones by SIMD 2020v2 decile",
    "overlap": "Overlap hotspots (police + fire)",
    "police_hotspots": "Police-only hotspots",
    "fire_hotspots": "Fire-only hotspots",
    "gistar": "Gi* hot and cold data zones (FDR)",
    "emerging": "Emerging hot and cold data zones",
    "heat": "Heat (KDE surface)",
    "police": "Police incidents",
    "fire": "Fire incidents",
    "ksi": "KSI road collisions (fatal or serious)",
}
#: Whether each layer is ticked when the map opens.
DEFAULT_SHOW: dict[str, bool] = {
    "wards": True,
    "simd": False,
    "overlap": True,
    "police_hotspots": True,
    "fire_hotspots": True,
    "gistar": True,
    "emerging": False,
    "heat": False,
    "police": False,
    "fire": False,
    "ksi": False,
}
#: folium default assets a tasking map does not use (and that have no npm package of
#: the same files): the Bootstrap 3 glyphicon font and folium's rotate CSS for
#: awesome-marker icons.
UNUSED_ASSETS = frozenset({"glyphicons_css", "awesome_rotate_css"})

AGENCY_COLOURS = {"police": "#1f4e9c", "fire": "#e6550d"}
OVERLAP_COLOUR = "#7b2d8e"
#: ColorBrewer PRGn (10 classes): decile 1 (most deprived) purple ... 10 green.
SIMD_COLOURS = (
    "#40004b", "#762a83", "#9970ab", "#c2a5cf", "#e7d4e8",
    "#d9f0d3", "#a6dba0", "#5aae61", "#1b7837", "#00441b",
)  # fmt: skip
#: Gi* confidence bin -> (fill colour, label); ColorBrewer RdBu.
GISTAR_BINS: dict[int, tuple[str, str]] = {
    3: ("#b2182b", "Hot spot, 99% confidence"),
    2: ("#ef8a62", "Hot spot, 95% confidence"),
    1: ("#fddbc7", "Hot spot, 90% confidence"),
    -1: ("#d1e5f0", "Cold spot, 90% confidence"),
    -2: ("#67a9cf", "Cold spot, 95% confidence"),
    -3: ("#2166ac", "Cold spot, 99% confidence"),
}
#: Emerging-hot-spot pattern -> fill colour (reds hot, blues cold; darker = more
#: established; oscillating in magenta/teal, historical pale). "no_pattern" is not drawn.
EMERGING_COLOURS: dict[str, str] = {
    "intensifying_hot": "#99000d",
    "persistent_hot": "#cb181d",
    "diminishing_hot": "#ef3b2c",
    "consecutive_hot": "#fb6a4a",
    "new_hot": "#fc9272",
    "sporadic_hot": "#fcbba1",
    "oscillating_hot": "#e7298a",
    "historical_hot": "#d4b9da",
    "intensifying_cold": "#08306b",
    "persistent_cold": "#08519c",
    "diminishing_cold": "#2171b5",
    "consecutive_cold": "#4292c6",
    "new_cold": "#6baed6",
    "sporadic_cold": "#9ecae1",
    "oscillating_cold": "#41b6c4",
    "historical_cold": "#c6dbef",
}
#: KSI (killed or seriously injured) road collision points.
KSI_COLOUR = "#111111"
PANES = {
    "land": 250,
    "simd": 350,
    "gistar": 360,
    "emerging": 365,
    "wards": 410,
    "hotspots": 420,
    "overlap": 430,
    "ksi": 610,  # above the incident clusters (markerPane, 600): few, and what matters
}
COORD_GRID = 1e-5  # degrees, about 1 m
