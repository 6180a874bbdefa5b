"""Folium (Leaflet) tasking maps built from plain inputs.

:func:`build_tasking_map` draws one tasking group's map from GeoDataFrames, a hotspot
FeatureCollection, heat points and an incident frame, with a layer control, a legend,
a title block, a scale bar and the boundary attribution. It never decides who may see
what: the caller passes only what the viewer may see (no ``incidents`` for the viewer
role, counts already suppressed in ``hotspots``) and sets ``suppress_small`` so that
the counts drawn here (Gi* data zones, the title block) are suppressed too.

Layers, bottom to top (custom Leaflet panes keep this order however layers are
toggled): data zones by SIMD decile (off by default), Gi* hot and cold data zones,
the KDE heat surface, ward boundaries with names, police-only and fire-only
hotspots, overlap hotspots, then the police and fire incident clusters.

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

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import branca.element as be
import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from folium.template import Template
from folium.utilities import JsCode

from geo.boundaries import BNG, WGS84
from geo.errors import ParameterError
from geo.ingest import to_wgs84

__all__ = [
    "BOUNDARY_ATTRIBUTION",
    "DEFAULT_SHOW",
    "LAYER_NAMES",
    "SYNTHETIC_PREFIX",
    "UNUSED_ASSETS",
    "IncidentCluster",
    "MapTitle",
    "asset_names",
    "build_tasking_map",
    "heat_floor",
    "hotspot_kind",
    "is_synthetic",
    "render_html",
    "set_asset_urls",
    "suppress_count",
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
    "heat": "Heat (KDE surface)",
    "police": "Police incidents",
    "fire": "Fire incidents",
}
#: Whether each layer is ticked when the map opens.
DEFAULT_SHOW: dict[str, bool] = {
    "wards": True,
    "simd": False,
    "overlap": True,
    "police_hotspots": True,
    "fire_hotspots": True,
    "gistar": True,
    "heat": False,
    "police": False,
    "fire": False,
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
PANES = {
    "land": 250,
    "simd": 350,
    "gistar": 360,
    "wards": 410,
    "hotspots": 420,
    "overlap": 430,
}
COORD_GRID = 1e-5  # degrees, about 1 m


# ----------------------------------------------------------------------------- helpers


def suppress_count(value: Any, *, threshold: int = SUPPRESS_BELOW) -> Any:
    """``"<5"`` for an integer count 1-4 (statistical disclosure control), else ``value``.

    Examples
    --------
    >>> [suppress_count(v) for v in (0, 3, 5, "<5", None)]
    [0, '<5', 5, '<5', None]
    """
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        return value
    return f"<{threshold}" if 1 <= int(value) < threshold else int(value)


def is_synthetic(source_ids: Iterable[Any]) -> bool:
    """Whether any source id carries the demo prefix ``DEMO-`` (synthetic records).

    Examples
    --------
    >>> is_synthetic(["DEMO-P-000001", "PS-1"]), is_synthetic(["PS-1"]), is_synthetic([])
    (True, False, False)
    """
    s = pd.Series(list(source_ids), dtype="string")
    return bool(s.str.startswith(SYNTHETIC_PREFIX).fillna(False).any())


def _as_number(v: Any) -> float:
    if isinstance(v, str) and v.startswith("<"):
        return 2.5  # a suppressed 1-4
    try:
        return float(v or 0)
    except (TypeError, ValueError):
        return 0.0


def hotspot_kind(properties: Mapping[str, Any]) -> Literal["overlap", "police", "fire"]:
    """Which layer a hotspot belongs to: ``overlap`` when its ``overlap`` property is
    true, else the agency with more incidents in it (``police`` on a tie).

    Examples
    --------
    >>> hotspot_kind({"overlap": True}), hotspot_kind({"n_police": "<5", "n_fire": 9})
    ('overlap', 'fire')
    """
    if properties.get("overlap"):
        return "overlap"
    police = _as_number(properties.get("n_police"))
    fire = _as_number(properties.get("n_fire"))
    return "fire" if fire > police else "police"


def heat_floor(bandwidth_m: float, *, min_count: int = SUPPRESS_BELOW) -> float:
    """Smallest quartic-KDE value (incidents per km²) that needs ``min_count`` incidents.

    One incident adds at most the kernel's peak ``3 / (π h²)`` (per m²) to any cell
    (geo.kde, Silverman 1986 eq. 4.5), so a cell at or above ``min_count`` times the
    peak has at least ``min_count`` incidents within the bandwidth. Keeping only such
    cells makes a heat layer an aggregate that no single incident can show through.

    Examples
    --------
    >>> round(heat_floor(300.0), 3)  # 5 * 3e6 / (pi * 300**2)
    53.052
    """
    if not (
        isinstance(bandwidth_m, int | float)
        and math.isfinite(bandwidth_m)
        and bandwidth_m > 0
    ):
        msg = f"`bandwidth_m` must be a positive number of metres, got {bandwidth_m!r}"
        raise ParameterError(msg, param="bandwidth_m")
    return float(min_count) * 3.0e6 / (math.pi * bandwidth_m * bandwidth_m)


def _esc(v: Any) -> str:
    return html.escape("" if v is None else str(v))


def _fmt_count(v: Any) -> str:
    if isinstance(v, int | np.integer) and not isinstance(v, bool):
        return f"{int(v):,}"
    return _esc(v)


def _pretty(category: str) -> str:
    return category.replace("_", " ")


def _check_gdf(gdf: Any, name: str, columns: Sequence[str]) -> gpd.GeoDataFrame:
    if not isinstance(gdf, gpd.GeoDataFrame):
        msg = f"`{name}` must be a GeoDataFrame, got {type(gdf).__name__}"
        raise ParameterError(msg, param=name)
    if gdf.crs is None:
        msg = f"`{name}` has no CRS: set one (EPSG:27700 or EPSG:4326)"
        raise ParameterError(msg, param=name)
    missing = [c for c in columns if c not in gdf.columns]
    if missing:
        msg = f"`{name}` lacks the column(s) {', '.join(missing)}"
        raise ParameterError(msg, param=name)
    return gdf


def _wgs84_geoms(gdf: gpd.GeoDataFrame, simplify_m: float) -> np.ndarray:
    """Simplified (in metres, BNG) and rounded (about 1 m) WGS84 geometries."""
    geo = gdf.geometry
    if simplify_m > 0:
        geo = geo.to_crs(BNG).simplify(simplify_m, preserve_topology=True)
    geo = geo.to_crs(WGS84)
    return np.asarray(shapely.set_precision(geo.to_numpy(), COORD_GRID))


def _collection(geoms: np.ndarray, props: list[dict[str, Any]]) -> dict[str, Any]:
    feats = [
        {"type": "Feature", "geometry": shapely.geometry.mapping(g), "properties": p}
        for g, p in zip(geoms, props, strict=True)
        if g is not None and not shapely.is_empty(g)
    ]
    return {"type": "FeatureCollection", "features": feats}


def _table(rows: Sequence[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{_esc(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return f"<table class='tm-pop'>{body}</table>"


# ----------------------------------------------------------------------------- elements


@dataclass(frozen=True)
class MapTitle:
    """The title block of a map.

    Attributes
    ----------
    heading
        First line, e.g. ``"WEST tasking group"``.
    lines
        Further lines (period, filters, data sources, generated time...), plain text.
    synthetic
        Show the ``SYNTHETIC DEMO DATA`` banner.
    notices
        Highlighted plain-text notes (suppression, warnings).
    """

    heading: str
    lines: tuple[str, ...] = ()
    synthetic: bool = False
    notices: tuple[str, ...] = field(default=())

    def to_html(self) -> str:
        """The block's HTML (every text escaped)."""
        parts = [f"<div class='tm-heading'>{_esc(self.heading)}</div>"]
        if self.synthetic:
            parts.append(
                "<div class='tm-synthetic'>SYNTHETIC DEMO DATA — not real police or fire records</div>"
            )
        parts += [f"<div class='tm-line'>{_esc(line)}</div>" for line in self.lines]
        parts += [f"<div class='tm-notice'>{_esc(n)}</div>" for n in self.notices]
        return "".join(parts)


_CSS = """
<style>
.leaflet-container { font-family: "Helvetica Neue", Arial, Helvetica, sans-serif; }
.leaflet-container.tm-plain { background: #dde3e7; }
.leaflet-control-layers { font-size: 13px; line-height: 1.5; }
.leaflet-control-layers label { margin-bottom: 0; }
.tm-box { background: rgba(255,255,255,0.94); padding: 7px 10px; border-radius: 5px;
  box-shadow: 0 1px 5px rgba(0,0,0,0.4); font-size: 12px; line-height: 1.35; color: #222; }
.tm-title { max-width: 420px; }
.tm-heading { font-size: 16px; font-weight: 700; margin-bottom: 2px; }
.tm-synthetic { background: #b30000; color: #fff; font-weight: 700; padding: 2px 6px;
  margin: 3px 0; border-radius: 3px; letter-spacing: .03em; }
.tm-notice { color: #7a4d00; font-style: italic; }
.tm-legend { max-width: 270px; }
.tm-legend h4 { font-size: 12px; font-weight: 700; margin: 5px 0 2px; }
.tm-legend h4:first-child { margin-top: 0; }
.tm-key { display: flex; align-items: center; margin: 1px 0; }
.tm-sw { display: inline-block; width: 18px; height: 12px; margin-right: 6px; flex: none;
  border: 1px solid rgba(0,0,0,.35); }
.tm-ramp { display: flex; margin: 2px 0 0; }
.tm-ramp span { flex: 1; height: 10px; }
.tm-ramp-lab { display: flex; justify-content: space-between; font-size: 10px; }
.tm-ward-label { font-weight: 700; font-size: 12px; color: #222; white-space: nowrap;
  text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff; text-align: center;
  pointer-events: none; }
.tm-ward-label.tm-context { color: #777; font-weight: 400; }
.tm-rank { background: rgba(255,255,255,.92); border: 2px solid #333; border-radius: 10px;
  font-weight: 700; font-size: 11px; padding: 0 5px; box-shadow: none; }
.tm-rank-overlap { border-color: @OVERLAP@; color: @OVERLAP@; }
.tm-rank-police { border-color: @POLICE@; color: @POLICE@; }
.tm-rank-fire { border-color: @FIRE@; color: @FIRE@; }
.tm-rank:before { display: none; }
.tm-pt { box-sizing: border-box; border: 1.5px solid #fff; box-shadow: 0 0 1px #000; }
.tm-pt-police { background: @POLICE@; border-radius: 50%; }
.tm-pt-fire { background: @FIRE@; border-radius: 1px; }
.tm-cl div { width: 100%; height: 100%; display: flex; align-items: center;
  justify-content: center; color: #fff; font-weight: 700; font-size: 11px;
  border: 2px solid rgba(255,255,255,.9); box-sizing: border-box; }
.tm-cl-police div { background: rgba(31,78,156,.85); border-radius: 50%; }
.tm-cl-fire div { background: rgba(230,85,13,.88); border-radius: 5px; }
table.tm-pop { border-collapse: collapse; font-size: 12px; }
table.tm-pop th { text-align: left; padding: 1px 8px 1px 0; vertical-align: top;
  white-space: nowrap; color: #555; font-weight: 600; }
table.tm-pop td { padding: 1px 0; }
.tm-pop-h { font-weight: 700; font-size: 13px; margin-bottom: 3px; }
.tm-id { font-family: monospace; font-size: 12px; background: #f2f2f2; padding: 0 3px; }
</style>
"""
_CSS = (
    _CSS.replace("@OVERLAP@", OVERLAP_COLOUR)
    .replace("@POLICE@", AGENCY_COLOURS["police"])
    .replace("@FIRE@", AGENCY_COLOURS["fire"])
)


class _MapChrome(be.MacroElement):  # type: ignore[misc]
    """Title block, zoom control, legend, attribution and page CSS."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <title>{{ this.page_title|e }}</title>
        {{ this.css }}
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function (map) {
            function box(cls, inner, pos) {
                var c = L.control({position: pos});
                c.onAdd = function () {
                    var d = L.DomUtil.create('div', 'tm-box ' + cls);
                    d.innerHTML = inner;
                    L.DomEvent.disableClickPropagation(d);
                    L.DomEvent.disableScrollPropagation(d);
                    return d;
                };
                return c.addTo(map);
            }
            box('tm-title', {{ this.title_html|tojson }}, 'topleft');
            L.control.zoom({position: 'topleft'}).addTo(map);
            box('tm-legend', {{ this.legend_html|tojson }}, 'bottomright');
            {%- for a in this.attributions %}
            map.attributionControl.addAttribution({{ a|tojson }});
            {%- endfor %}
            {%- if this.plain %}
            L.DomUtil.addClass(map.getContainer(), 'tm-plain');
            {%- endif %}
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        *,
        page_title: str,
        title_html: str,
        legend_html: str,
        attributions: Sequence[str],
        plain: bool,
    ) -> None:
        super().__init__()
        self._name = "MapChrome"
        self.page_title = page_title
        self.css = _CSS
        self.title_html = title_html
        self.legend_html = legend_html
        self.attributions = list(attributions)
        self.plain = plain


class IncidentCluster(folium.plugins.MarkerCluster):  # type: ignore[misc]
    """Clustered incident points of one agency, rendered in the browser.

    Like :class:`folium.plugins.FastMarkerCluster` (markers made in JavaScript from a
    data array, never one folium element per point) but with compact column arrays,
    ``addLayers`` with chunked loading (so 50,000 points stay responsive), an agency's
    own marker shape and cluster icon, and a popup built on click.

    Parameters
    ----------
    data
        ``{"lat": [...], "lon": [...], "c": [...], "d": [...], "id": [...]}``: position,
        index into ``categories``, index into ``days``, source id.
    categories, days
        Look-up lists for the popup.
    agency
        ``"police"`` or ``"fire"`` (marker shape, colour and popup label).
    name, show
        Layer control name and initial visibility.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var d = {{ this.data|tojson }};
            var cats = {{ this.categories|tojson }}, days = {{ this.days|tojson }};
            var label = {{ this.label|tojson }};
            var icon = L.divIcon({className: 'tm-pt tm-pt-{{ this.agency }}', iconSize: [10, 10]});
            var cluster = L.markerClusterGroup({{ this.options|tojavascript }});
            cluster.options.iconCreateFunction = function (c) {
                var n = c.getChildCount();
                var s = n < 10 ? 26 : n < 100 ? 32 : n < 1000 ? 38 : 46;
                return L.divIcon({html: '<div>' + n + '</div>',
                                  className: 'tm-cl tm-cl-{{ this.agency }}',
                                  iconSize: L.point(s, s)});
            };
            var markers = new Array(d.lat.length);
            for (var i = 0; i < d.lat.length; i++) {
                var m = L.marker([d.lat[i], d.lon[i]], {icon: icon, keyboard: false});
                m._tm = i;
                markers[i] = m;
            }
            cluster.on('click', function (e) {
                var i = e.layer._tm;
                if (i === undefined || e.layer.getPopup()) { return; }
                e.layer.bindPopup('<div class="tm-pop-h">' + label + ' · '
                    + cats[d.c[i]].replace(/_/g, ' ') + '</div>' + days[d.d[i]]
                    + '<br><span class="tm-id">' + d.id[i] + '</span>').openPopup();
            });
            cluster.addLayers(markers);
            return cluster;
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        data: Mapping[str, list[Any]],
        *,
        categories: Sequence[str],
        days: Sequence[str],
        agency: str,
        name: str,
        show: bool = True,
    ) -> None:
        super().__init__(
            name=name,
            show=show,
            chunkedLoading=True,
            showCoverageOnHover=False,
            maxClusterRadius=45,
            disableClusteringAtZoom=18,
        )
        if agency not in AGENCY_COLOURS:
            msg = f"`agency` must be police or fire, got {agency!r}"
            raise ParameterError(msg, param="agency")
        self._name = "IncidentCluster"
        self.data = {k: list(v) for k, v in data.items()}
        self.categories = [html.escape(c) for c in categories]
        self.days = list(days)
        self.data["id"] = [html.escape(str(s)) for s in self.data.get("id", [])]
        self.agency = agency
        self.label = "Police" if agency == "police" else "Fire"


# ----------------------------------------------------------------------------- layers


_POPUP_JS = JsCode(
    """function (feature, layer) {
        var p = feature.properties;
        if (p.popup) { layer.bindPopup(p.popup, {maxWidth: 380}); }
        if (p.label) {
            layer.bindTooltip(p.label, {permanent: true, direction: 'center',
                                        className: p.label_class || ''});
        }
    }"""
)


def _geojson_layer(
    data: dict[str, Any], *, name: str, show: bool, pane: str
) -> folium.GeoJson:
    return folium.GeoJson(
        data, name=name, show=show, on_each_feature=_POPUP_JS, pane=pane
    )


def _ward_layer(
    wards: gpd.GeoDataFrame, focus: set[str], *, simplify_m: float, show: bool
) -> folium.FeatureGroup:
    geoms = _wgs84_geoms(wards, simplify_m)
    props = []
    for r in wards.itertuples():
        inside = r.code in focus
        rows = [("Code", _esc(r.code))]
        if "tasking_group" in wards.columns:
            rows.append(("Tasking group", _esc(r.tasking_group)))
        if "population" in wards.columns:
            rows.append(("Population", _fmt_count(int(r.population))))
        props.append(
            {
                "style": {
                    "color": "#222" if inside else "#888",
                    "weight": 2.5 if inside else 1.2,
                    "fill": False,
                    "dashArray": None if inside else "4 4",
                },
                "popup": f"<div class='tm-pop-h'>{_esc(r.name)} ward</div>"
                + _table(rows),
            }
        )
    fg = folium.FeatureGroup(name=f"{LAYER_NAMES['wards']} ({len(focus)})", show=show)
    _geojson_layer(
        _collection(geoms, props), name="wards", show=True, pane="wards"
    ).add_to(fg)
    pts = wards.geometry.to_crs(BNG).representative_point().to_crs(WGS84)
    for r, p in zip(wards.itertuples(), pts, strict=True):
        cls = "tm-ward-label" + ("" if r.code in focus else " tm-context")
        folium.Marker(
            [round(p.y, 5), round(p.x, 5)],
            icon=folium.DivIcon(
                html=f"<div class='{cls}'>{_esc(r.name)}</div>",
                icon_size=(160, 16),
                icon_anchor=(80, 8),
                class_name="tm-ward-icon",
            ),
            interactive=False,
            keyboard=False,
        ).add_to(fg)
    return fg


def _land_layer(wards: gpd.GeoDataFrame, *, simplify_m: float) -> folium.GeoJson:
    area = gpd.GeoDataFrame(
        geometry=[shapely.union_all(wards.geometry.to_crs(BNG).to_numpy())], crs=BNG
    )
    style = {
        "stroke": False,
        "fillColor": "#fbfaf6",
        "fillOpacity": 1.0,
        "interactive": False,
    }
    data = _collection(_wgs84_geoms(area, simplify_m), [{"style": style}])
    return folium.GeoJson(
        data, name="land", control=False, pane="land", interactive=False
    )


def _simd_layer(
    dz: gpd.GeoDataFrame, *, simplify_m: float, show: bool
) -> folium.GeoJson:
    geoms = _wgs84_geoms(dz, simplify_m)
    props = []
    for r in dz.itertuples():
        dec = int(r.simd_decile)
        rows = [
            ("Code", _esc(r.code)),
            ("SIMD 2020v2 decile", f"{dec} (1 = most deprived 10%)"),
        ]
        if "simd_rank" in dz.columns:
            rows.append(("SIMD rank", f"{int(r.simd_rank):,} of 6,976"))
        if "population" in dz.columns:
            rows.append(("Population", _fmt_count(int(r.population))))
        props.append(
            {
                "style": {
                    "color": "#555",
                    "weight": 0.4,
                    "fillColor": SIMD_COLOURS[dec - 1],
                    "fillOpacity": 0.55,
                },
                "popup": f"<div class='tm-pop-h'>{_esc(r.name)}</div>" + _table(rows),
            }
        )
    name = f"{LAYER_NAMES['simd']} ({len(props)})"
    return _geojson_layer(_collection(geoms, props), name=name, show=show, pane="simd")


def _gistar_layer(
    gi: gpd.GeoDataFrame,
    *,
    simplify_m: float,
    show: bool,
    suppress_small: bool,
    period_label: str | None,
) -> folium.GeoJson:
    sig = gi[gi["confidence"].astype(int) != 0]
    geoms = _wgs84_geoms(sig, simplify_m) if len(sig) else np.array([], dtype=object)
    props = []
    records = sig[
        ["code", "name", "count", "gi_z", "p_value", "p_fdr", "confidence"]
    ].to_dict(orient="records")
    for r in records:
        colour, label = GISTAR_BINS[int(r["confidence"])]
        count = int(r["count"])
        rows = [
            ("Code", _esc(r["code"])),
            ("Result", _esc(label)),
            (
                "Incidents",
                _fmt_count(suppress_count(count) if suppress_small else count),
            ),
            ("Gi* z", f"{float(r['gi_z']):.2f}"),
            ("p (FDR q)", f"{float(r['p_value']):.3g} ({float(r['p_fdr']):.3g})"),
        ]
        if period_label:
            rows.append(("Period", _esc(period_label)))
        props.append(
            {
                "style": {
                    "color": colour,
                    "weight": 0.8,
                    "fillColor": colour,
                    "fillOpacity": 0.5,
                },
                "popup": f"<div class='tm-pop-h'>{_esc(r['name'])}</div>"
                + _table(rows),
            }
        )
    hot = int((sig["confidence"].astype(int) > 0).sum())
    name = f"{LAYER_NAMES['gistar']} ({hot} hot, {len(props) - hot} cold)"
    return _geojson_layer(
        _collection(geoms, props), name=name, show=show, pane="gistar"
    )


def _hotspot_popup(
    p: Mapping[str, Any],
    kind: str,
    ward_names: Mapping[str, str],
    simd: Mapping[str, int],
    period_label: str | None,
) -> str:
    title = {
        "overlap": "Overlap hotspot (police + fire)",
        "police": "Police-only hotspot",
        "fire": "Fire-only hotspot",
    }[kind]
    cats = p.get("categories") or {}
    cat_txt = ", ".join(
        f"{_esc(_pretty(str(c)))} {_fmt_count(n)}" for c, n in list(cats.items())[:8]
    )
    if len(cats) > 8:
        cat_txt += f", … {len(cats) - 8} more"
    wards = [ward_names.get(w, w) for w in p.get("wards") or []]
    dzs = list(p.get("datazones") or [])
    worst = p.get("worst_simd_decile")
    if worst is None and dzs:
        known = [simd[d] for d in dzs if d in simd]
        worst = min(known) if known else None
    tr = p.get("trend") or {}
    trend = "n/a"
    if tr:
        ch = tr.get("change_pct")
        ch_txt = "" if ch is None else f" ({ch:+.0f}%)"
        trend = f"{_fmt_count(tr.get('first_half'))} → {_fmt_count(tr.get('second_half'))}{ch_txt} (first → second half)"
    rows = [
        ("Hotspot id", f"<span class='tm-id'>{_esc(p.get('id'))}</span>"),
        ("Rank", _esc(p.get("rank"))),
        (
            "Incidents",
            f"{_fmt_count(p.get('n'))} (police {_fmt_count(p.get('n_police'))}, fire {_fmt_count(p.get('n_fire'))})",
        ),
        ("Categories", cat_txt or "–"),
        ("Wards", _esc("; ".join(wards)) or "–"),
        (
            "Data zones",
            _esc(", ".join(dzs[:6]) + (f" … ({len(dzs)})" if len(dzs) > 6 else ""))
            or "–",
        ),
        (
            "SIMD",
            "–"
            if worst is None
            else f"most deprived data zone in decile {int(worst)} (1 = most deprived 10%)",
        ),
        ("Trend", trend),
    ]
    if period_label:
        rows.append(("Period", _esc(period_label)))
    return f"<div class='tm-pop-h'>{_esc(title)} #{_esc(p.get('rank'))}</div>" + _table(
        rows
    )


def _hotspot_layers(
    fc: Mapping[str, Any],
    *,
    ward_names: Mapping[str, str],
    simd: Mapping[str, int],
    period_label: str | None,
    show: Mapping[str, bool],
) -> list[folium.GeoJson]:
    styles = {
        "overlap": {
            "color": OVERLAP_COLOUR,
            "weight": 4,
            "fillColor": OVERLAP_COLOUR,
            "fillOpacity": 0.35,
        },
        "police": {
            "color": AGENCY_COLOURS["police"],
            "weight": 2,
            "fillColor": AGENCY_COLOURS["police"],
            "fillOpacity": 0.18,
            "dashArray": "6 3",
        },
        "fire": {
            "color": AGENCY_COLOURS["fire"],
            "weight": 2,
            "fillColor": AGENCY_COLOURS["fire"],
            "fillOpacity": 0.18,
            "dashArray": "6 3",
        },
    }
    groups: dict[str, list[dict[str, Any]]] = {"overlap": [], "police": [], "fire": []}
    for feat in fc.get("features") or []:
        p = dict(feat.get("properties") or {})
        p.setdefault("id", feat.get("id"))
        kind = hotspot_kind(p)
        props = {
            "id": p.get("id"),
            "rank": p.get("rank"),
            "kind": kind,
            "style": styles[kind],
            "popup": _hotspot_popup(p, kind, ward_names, simd, period_label),
            "label": str(p.get("rank")),
            "label_class": f"tm-rank tm-rank-{kind}",
        }
        groups[kind].append(
            {
                "type": "Feature",
                "id": p.get("id"),
                "geometry": feat.get("geometry"),
                "properties": props,
            }
        )
    out = []
    for kind, key, pane in (
        ("overlap", "overlap", "overlap"),
        ("police", "police_hotspots", "hotspots"),
        ("fire", "fire_hotspots", "hotspots"),
    ):
        data = {"type": "FeatureCollection", "features": groups[kind]}
        out.append(
            _geojson_layer(
                data,
                name=f"{LAYER_NAMES[key]} ({len(groups[kind])})",
                show=show[key],
                pane=pane,
            )
        )
    return out


def _incident_layers(
    inc: pd.DataFrame, *, show: Mapping[str, bool]
) -> list[IncidentCluster]:
    need = ("source_id", "agency", "category", "occurred_at", "easting", "northing")
    missing = [c for c in need if c not in inc.columns]
    if missing:
        msg = f"`incidents` lacks the column(s) {', '.join(missing)}"
        raise ParameterError(msg, param="incidents")
    out = []
    lon, lat = to_wgs84(inc["easting"].to_numpy(), inc["northing"].to_numpy())
    cats = sorted(inc["category"].astype(str).unique())
    cat_code = pd.Categorical(inc["category"].astype(str), categories=cats).codes
    local = pd.to_datetime(inc["occurred_at"], utc=True).dt.tz_convert("Europe/London")
    day = local.dt.strftime("%Y-%m-%d") if len(inc) else pd.Series([], dtype=str)
    days = sorted(day.unique())
    day_code = pd.Categorical(day, categories=days).codes
    agency = inc["agency"].to_numpy()
    for ag in ("police", "fire"):
        sel = agency == ag
        data = {
            "lat": np.round(lat[sel], 5).tolist(),
            "lon": np.round(lon[sel], 5).tolist(),
            "c": cat_code[sel].tolist(),
            "d": day_code[sel].tolist(),
            "id": inc["source_id"].to_numpy()[sel].astype(str).tolist(),
        }
        n = int(sel.sum())
        out.append(
            IncidentCluster(
                data,
                categories=cats,
                days=days,
                agency=ag,
                name=f"{LAYER_NAMES[ag]} ({n:,})",
                show=show[ag],
            )
        )
    return out


def _legend_html(*, layers: set[str], heat_note: str | None) -> str:
    def key(swatch_style: str, text: str) -> str:
        return f"<div class='tm-key'><span class='tm-sw' style='{swatch_style}'></span>{_esc(text)}</div>"

    parts = [
        "<h4>Hotspots (number = rank; id in popup)</h4>",
        key(
            f"background:{OVERLAP_COLOUR}55;border:3px solid {OVERLAP_COLOUR}",
            "Overlap: police + fire",
        ),
        key(
            f"background:{AGENCY_COLOURS['police']}30;border:2px dashed {AGENCY_COLOURS['police']}",
            "Police only",
        ),
        key(
            f"background:{AGENCY_COLOURS['fire']}30;border:2px dashed {AGENCY_COLOURS['fire']}",
            "Fire only",
        ),
    ]
    if "gistar" in layers:
        parts.append("<h4>Gi* data zones (FDR-corrected)</h4>")
        parts += [
            key(f"background:{c}", lab)
            for _, (c, lab) in sorted(GISTAR_BINS.items(), reverse=True)
        ]
    if "police" in layers or "fire" in layers:
        parts.append("<h4>Incidents (clustered)</h4>")
        parts.append(
            "<div class='tm-key'><span class='tm-sw' style='border:none'><span class='tm-pt tm-pt-police' "
            "style='display:inline-block;width:10px;height:10px'></span></span>Police</div>"
        )
        parts.append(
            "<div class='tm-key'><span class='tm-sw' style='border:none'><span class='tm-pt tm-pt-fire' "
            "style='display:inline-block;width:9px;height:9px'></span></span>Fire</div>"
        )
    if "heat" in layers and heat_note:
        parts.append(f"<h4>Heat</h4><div>{_esc(heat_note)}</div>")
    if "simd" in layers:
        ramp = "".join(f"<span style='background:{c}'></span>" for c in SIMD_COLOURS)
        parts.append(
            "<h4>SIMD 2020v2 decile (layer off at start)</h4>"
            f"<div class='tm-ramp'>{ramp}</div>"
            "<div class='tm-ramp-lab'><span>1 most deprived</span><span>10 least</span></div>"
        )
    return "".join(parts)


# ----------------------------------------------------------------------------- assets


def _elements(root: be.Element) -> Iterable[be.Element]:
    yield root
    for child in list(root._children.values()):
        yield from _elements(child)


def asset_names(m: folium.Map) -> dict[str, str]:
    """folium's asset name -> default URL for every JS/CSS link the map's elements add."""
    names: dict[str, str] = {}
    for el in _elements(m):
        for n, url in [*getattr(el, "default_js", []), *getattr(el, "default_css", [])]:
            names.setdefault(n, url)
    return names


def set_asset_urls(
    m: folium.Map,
    urls: Mapping[str, str] | None,
    *,
    drop: Iterable[str] = UNUSED_ASSETS,
    strict: bool = True,
) -> folium.Map:
    """Point the map's JS/CSS links at ``urls`` (folium asset name -> URL), in place.

    Parameters
    ----------
    m
        The map (call after every element was added).
    urls
        Replacement URL for each folium asset name; ``None`` keeps folium's CDN links.
    drop
        Asset names to leave out of the page.
    strict
        Raise :class:`~geo.errors.ParameterError` if the map uses an asset that
        ``urls`` does not name (so that no CDN link slips through), else keep its URL.

    Returns
    -------
    folium.Map
        ``m``.
    """
    dropped = set(drop)
    for el in _elements(m):
        for attr in ("default_js", "default_css"):
            links = getattr(el, attr, None)
            if not links:
                continue
            new = []
            for n, url in links:
                if n in dropped:
                    continue
                if urls is not None:
                    if n not in urls and strict:
                        msg = f"no local URL for the folium asset {n!r} ({url})"
                        raise ParameterError(msg, param="urls")
                    url = urls.get(n, url)
                new.append((n, url))
            setattr(
                el, attr, new
            )  # instance attribute: the class keeps folium's defaults
    return m


def render_html(m: folium.Map) -> str:
    """The map as one HTML page (``<!DOCTYPE html>`` ...)."""
    return str(m.get_root().render())


# ----------------------------------------------------------------------------- the map


def build_tasking_map(
    wards: gpd.GeoDataFrame,
    *,
    title: MapTitle,
    focus: Sequence[str] | None = None,
    datazones: gpd.GeoDataFrame | None = None,
    hotspots: Mapping[str, Any] | None = None,
    gistar: gpd.GeoDataFrame | None = None,
    heat: Sequence[Sequence[float]] | None = None,
    heat_note: str | None = None,
    incidents: pd.DataFrame | None = None,
    period_label: str | None = None,
    suppress_small: bool = False,
    tile_url: str | None = None,
    tile_attribution: str | None = None,
    asset_urls: Mapping[str, str] | None = None,
    show: Mapping[str, bool] | None = None,
    simplify_m: float = 5.0,
) -> folium.Map:
    """A tasking map for one group of wards.

    Parameters
    ----------
    wards
        Wards to draw (``code, name`` and geometry; ``tasking_group``, ``population``
        used in popups if present), any CRS.
    title
        The title block.
    focus
        Codes of the group's wards: the map is fitted to them and the others are
        drawn as dashed context. Default: every ward in ``wards``.
    datazones
        Data zones to shade by SIMD decile (``code, name, simd_decile``; ``simd_rank``,
        ``population`` if present). Also gives the SIMD decile of hotspot data zones.
    hotspots
        Hotspot FeatureCollection (WGS84; properties ``id, rank, n, n_police, n_fire,
        categories, wards, datazones, overlap, trend, worst_simd_decile``), as served by
        the hotspot engine, with counts already suppressed where the viewer needs it.
    gistar
        Gi* per data zone (``code, name, count, gi_z, p_value, p_fdr, confidence``);
        only zones with a non-zero confidence bin are drawn.
    heat, heat_note
        ``[lat, lon, weight]`` heat points (e.g. ``KdeResult.to_heat_points``) and a
        line for the legend describing them.
    incidents
        Incident frame (``source_id, agency, category, occurred_at, easting,
        northing``) drawn as clustered police and fire points; ``None`` for none.
    period_label
        Period shown in popups.
    suppress_small
        Show Gi* counts 1-4 as ``"<5"``.
    tile_url, tile_attribution
        Base-map tile URL template and its attribution; ``None`` or ``"none"`` draws
        a plain background with the council area.
    asset_urls
        folium asset name -> URL (:func:`set_asset_urls`); ``None`` keeps the CDNs.
    show
        Overrides of :data:`DEFAULT_SHOW`.
    simplify_m
        Boundary simplification tolerance in metres (0: none).

    Returns
    -------
    folium.Map

    Raises
    ------
    ParameterError
        For inputs without CRS or required columns, unknown ``focus`` codes or an
        unknown key in ``show``.
    """
    _check_gdf(wards, "wards", ["code", "name"])
    if len(wards) == 0:
        msg = "`wards` is empty: nothing to fit the map to"
        raise ParameterError(msg, param="wards")
    codes = list(wards["code"])
    focus_set = set(codes if focus is None else focus)
    unknown = sorted(focus_set - set(codes))
    if unknown:
        msg = f"`focus` names wards not in `wards`: {', '.join(unknown)}"
        raise ParameterError(msg, param="focus")
    shown = dict(DEFAULT_SHOW)
    for k, v in (show or {}).items():
        if k not in shown:
            msg = f"`show` has the unknown layer {k!r}; expected one of {', '.join(shown)}"
            raise ParameterError(msg, param="show")
        shown[k] = bool(v)
    plain = tile_url is None or tile_url.strip().lower() in ("", "none")

    focus_gdf = wards[wards["code"].isin(focus_set)]
    minx, miny, maxx, maxy = focus_gdf.to_crs(WGS84).total_bounds
    m = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=11,
        tiles=None,
        control_scale=True,
        zoom_control=False,
        zoomSnap=0.25,
        maxZoom=18,
        minZoom=7,
        zoomDelta=0.5,
    )
    if not plain:
        folium.TileLayer(
            tiles=tile_url, attr=tile_attribution or "", name="Base map", control=False
        ).add_to(m)
    for pane, z in PANES.items():
        folium.map.CustomPane(
            pane, z_index=z, pointer_events=pane not in ("land",)
        ).add_to(m)
    if plain:
        _land_layer(wards, simplify_m=simplify_m).add_to(m)

    # Layer-control order (most important first); the panes, not this order, stack them.
    present: set[str] = {"wards", "overlap", "police_hotspots", "fire_hotspots"}
    simd: dict[str, int] = {}
    if datazones is not None:
        _check_gdf(datazones, "datazones", ["code", "name", "simd_decile"])
        simd = dict(
            zip(datazones["code"], datazones["simd_decile"].astype(int), strict=True)
        )
    ward_names = dict(zip(wards["code"], wards["name"], strict=True))
    ordered: list[be.Element] = list(
        _hotspot_layers(
            hotspots or {"features": []},
            ward_names=ward_names,
            simd=simd,
            period_label=period_label,
            show=shown,
        )
    )
    if gistar is not None:
        _check_gdf(
            gistar,
            "gistar",
            ["code", "name", "count", "gi_z", "p_value", "p_fdr", "confidence"],
        )
        ordered.append(
            _gistar_layer(
                gistar,
                simplify_m=simplify_m,
                show=shown["gistar"],
                suppress_small=suppress_small,
                period_label=period_label,
            )
        )
        present.add("gistar")
    if heat is not None:
        pts = [[float(p[0]), float(p[1]), float(p[2])] for p in heat]
        ordered.append(
            folium.plugins.HeatMap(
                pts,
                name=f"{LAYER_NAMES['heat']} ({len(pts):,} cells)",
                show=shown["heat"],
                radius=14,
                blur=16,
                min_opacity=0.25,
                max_zoom=14,
            )
        )
        present.add("heat")
    if incidents is not None:
        ordered += _incident_layers(incidents, show=shown)
        present |= {"police", "fire"}
    if datazones is not None:
        ordered.append(
            _simd_layer(datazones, simplify_m=simplify_m, show=shown["simd"])
        )
        present.add("simd")
    ordered.append(
        _ward_layer(wards, focus_set, simplify_m=simplify_m, show=shown["wards"])
    )
    for layer in ordered:
        layer.add_to(m)

    attributions = [f"Boundaries: {BOUNDARY_ATTRIBUTION}"]
    _MapChrome(
        page_title=title.heading,
        title_html=title.to_html(),
        legend_html=_legend_html(layers=present, heat_note=heat_note),
        attributions=attributions,
        plain=plain,
    ).add_to(m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    m.fit_bounds([[miny, minx], [maxy, maxx]], padding=(12, 12))
    set_asset_urls(m, asset_urls)
    return m
