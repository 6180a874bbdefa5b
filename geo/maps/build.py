"""The tasking map: base map and panes, the data layers in order, the page around them.

Layers, bottom to top (custom Leaflet panes keep this order however layers are
toggled): data zones by SIMD decile (off by default), Gi* hot and cold data zones,
emerging hot and cold data zones, the KDE heat surface, ward boundaries with names,
police-only and fire-only hotspots, overlap hotspots, KSI road collisions, then the
police and fire incident clusters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import branca.element as be
import folium
import folium.plugins
import geopandas as gpd
import pandas as pd

from geo.areas import AreaPack
from geo.boundaries import WGS84
from geo.errors import ParameterError
from geo.maps.assets import set_asset_urls
from geo.maps.helpers import check_gdf
from geo.maps.hotspots import hotspot_layers
from geo.maps.incidents import incident_layers
from geo.maps.layers import (
    gistar_layer,
    gistar_method,
    land_layer,
    simd_layer,
    ward_layer,
)
from geo.maps.legend import legend_html
from geo.maps.overlays import ExtraLayers, emerging_layer, ksi_layer, overlay_legend
from geo.maps.page import MapChrome, MapTitle
from geo.maps.style import BOUNDARY_ATTRIBUTION, DEFAULT_SHOW, LAYER_NAMES, PANES

__all__ = ["build_tasking_map"]

_GISTAR_COLUMNS = ["code", "name", "count", "gi_z", "p_value", "p_fdr", "confidence"]


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
    area: AreaPack | None = None,
    extra: ExtraLayers | None = None,
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
        Gi* per data zone (``code, name, count, gi_z, p_value, p_fdr, confidence``;
        ``attrs["parameters"]`` names the method); zones with a non-zero bin are drawn.
    heat, heat_note
        ``[lat, lon, weight]`` heat points (e.g. ``KdeResult.to_heat_points``) and a
        line for the legend describing them.
    incidents
        Incident frame (``source_id, agency, category, occurred_at, easting,
        northing``) drawn as clustered police and fire points; ``None`` for none.
    period_label, suppress_small
        Period shown in popups; show Gi* counts 1-4 as ``"<5"``.
    tile_url, tile_attribution, asset_urls
        Base-map tile URL template and its attribution (``None``/``"none"``: a plain
        background); folium asset name -> URL (:func:`set_asset_urls`; ``None``: CDNs).
    show, simplify_m, area, extra
        Overrides of :data:`DEFAULT_SHOW`; boundary simplification in metres (0: none);
        the area pack for labels and attribution (default: West Lothian's wording);
        emerging hot spots and KSI collisions (:class:`~geo.maps.overlays.ExtraLayers`).

    Returns folium.Map.

    Raises
    ------
    ParameterError
        For inputs without CRS or required columns, unknown ``focus`` codes or an
        unknown key in ``show``.
    """
    focus_set, shown = _check_inputs(wards, focus, show)
    plain = tile_url is None or tile_url.strip().lower() in ("", "none")
    m = _base_map(wards, focus_set, tile_url, tile_attribution, plain, simplify_m)
    present, ordered = _layers(
        wards, focus_set, shown, datazones, hotspots, gistar, heat, incidents,
        period_label=period_label, suppress_small=suppress_small, simplify_m=simplify_m, area=area,
        extra=extra or ExtraLayers(),
    )  # fmt: skip
    for layer in ordered:
        layer.add_to(m)
    _finish(m, wards, focus_set, title, present, heat_note, plain, asset_urls, area, extra or ExtraLayers(),
            gistar)  # fmt: skip
    return m


def _check_inputs(
    wards: gpd.GeoDataFrame,
    focus: Sequence[str] | None,
    show: Mapping[str, bool] | None,
) -> tuple[set[str], dict[str, bool]]:
    """The focus wards and the visibility of every layer, checked."""
    check_gdf(wards, "wards", ["code", "name"])
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
    return focus_set, shown


def _focus_bounds(
    wards: gpd.GeoDataFrame, focus_set: set[str]
) -> tuple[float, float, float, float]:
    focus_gdf = wards[wards["code"].isin(focus_set)]
    minx, miny, maxx, maxy = focus_gdf.to_crs(WGS84).total_bounds
    return float(minx), float(miny), float(maxx), float(maxy)


def _base_map(
    wards: gpd.GeoDataFrame,
    focus_set: set[str],
    tile_url: str | None,
    tile_attribution: str | None,
    plain: bool,
    simplify_m: float,
) -> folium.Map:
    """The map centred on the focus wards, with its base tiles (or land) and panes."""
    minx, miny, maxx, maxy = _focus_bounds(wards, focus_set)
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
        land_layer(wards, simplify_m=simplify_m).add_to(m)
    return m


def _layers(
    wards: gpd.GeoDataFrame,
    focus_set: set[str],
    shown: dict[str, bool],
    datazones: gpd.GeoDataFrame | None,
    hotspots: Mapping[str, Any] | None,
    gistar: gpd.GeoDataFrame | None,
    heat: Sequence[Sequence[float]] | None,
    incidents: pd.DataFrame | None,
    *,
    period_label: str | None,
    suppress_small: bool,
    simplify_m: float,
    area: AreaPack | None = None,
    extra: ExtraLayers,
) -> tuple[set[str], list[be.Element]]:
    """The layers present and the data layers in layer-control order."""
    # Layer-control order (most important first); the panes, not this order, stack them.
    present: set[str] = {"wards", "overlap", "police_hotspots", "fire_hotspots"}
    simd: dict[str, int] = {}
    if datazones is not None:
        check_gdf(datazones, "datazones", ["code", "name", "simd_decile"])
        simd = dict(
            zip(datazones["code"], datazones["simd_decile"].astype(int), strict=True)
        )
    ward_names = dict(zip(wards["code"], wards["name"], strict=True))
    ordered: list[be.Element] = list(
        hotspot_layers(
            hotspots or {"features": []},
            ward_names=ward_names,
            simd=simd,
            period_label=period_label,
            show=shown,
            area=area,
        )
    )
    if gistar is not None:
        check_gdf(gistar, "gistar", _GISTAR_COLUMNS)
        ordered.append(
            gistar_layer(
                gistar,
                simplify_m=simplify_m,
                show=shown["gistar"],
                suppress_small=suppress_small,
                period_label=period_label,
                area=area,
            )
        )
        present.add("gistar")
    if extra.emerging is not None:
        plural = "data zones" if area is None else area.small_areas.plural
        ordered.append(emerging_layer(extra.emerging, simplify_m=simplify_m, show=shown["emerging"], small_areas=plural))
        present.add("emerging")
    if heat is not None:
        ordered.append(_heat_layer(heat, show=shown["heat"]))
        present.add("heat")
    if incidents is not None:
        ordered += incident_layers(incidents, show=shown)
        present |= {"police", "fire"}
    if extra.ksi is not None:
        ordered.append(ksi_layer(extra.ksi, show=shown["ksi"]))
        present.add("ksi")
    if datazones is not None:
        ordered.append(simd_layer(datazones, simplify_m=simplify_m, show=shown["simd"], area=area))
        present.add("simd")
    ordered.append(
        ward_layer(wards, focus_set, simplify_m=simplify_m, show=shown["wards"])
    )
    return present, ordered


def _heat_layer(
    heat: Sequence[Sequence[float]], *, show: bool
) -> folium.plugins.HeatMap:
    pts = [[float(p[0]), float(p[1]), float(p[2])] for p in heat]
    return folium.plugins.HeatMap(
        pts,
        name=f"{LAYER_NAMES['heat']} ({len(pts):,} cells)",
        show=show,
        radius=14,
        blur=16,
        min_opacity=0.25,
        max_zoom=14,
    )


def _finish(
    m: folium.Map,
    wards: gpd.GeoDataFrame,
    focus_set: set[str],
    title: MapTitle,
    present: set[str],
    heat_note: str | None,
    plain: bool,
    asset_urls: Mapping[str, str] | None,
    area: AreaPack | None,
    extra: ExtraLayers,
    gistar: gpd.GeoDataFrame | None,
) -> None:
    """Title, legend, attribution, layer control, fitted bounds and asset links."""
    own = area is not None and area.name != "west-lothian"
    attributions = [f"Boundaries: {area.attribution if own and area is not None else BOUNDARY_ATTRIBUTION}"]
    MapChrome(
        page_title=title.heading,
        title_html=title.to_html(),
        legend_html=legend_html(
            layers=present,
            heat_note=heat_note,
            index="SIMD 2020v2" if area is None else area.deprivation.index,
            small_areas="data zones" if area is None else area.small_areas.plural,
            gistar_method=None if gistar is None else gistar_method(gistar.attrs.get("parameters")),
            gistar_none=gistar is not None and not bool((gistar["confidence"].astype(int) != 0).any()),
        )
        + overlay_legend(extra, present, "data zones" if area is None else area.small_areas.plural),
        attributions=attributions,
        plain=plain,
    ).add_to(m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    minx, miny, maxx, maxy = _focus_bounds(wards, focus_set)
    m.fit_bounds([[miny, minx], [maxy, maxx]], padding=(12, 12))
    set_asset_urls(m, asset_urls)
