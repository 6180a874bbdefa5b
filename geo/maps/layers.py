"""Area layers: wards with names, the council-area land, SIMD deciles, Gi* data zones."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import shapely
from folium.utilities import JsCode

from geo.areas import AreaPack
from geo.boundaries import BNG, WGS84
from geo.maps.helpers import (
    collection,
    esc,
    fmt_count,
    suppress_count,
    table,
    wgs84_geoms,
)
from geo.maps.style import GISTAR_BINS, LAYER_NAMES, SIMD_COLOURS

__all__ = [
    "POPUP_JS",
    "geojson_layer",
    "gistar_layer",
    "gistar_method",
    "land_layer",
    "simd_layer",
    "ward_layer",
]


POPUP_JS = JsCode(
    """function (feature, layer) {
        var p = feature.properties;
        if (p.popup) { layer.bindPopup(p.popup, {maxWidth: 380}); }
        if (p.label) {
            layer.bindTooltip(p.label, {permanent: true, direction: 'center',
                                        className: p.label_class || ''});
        }
    }"""
)


def geojson_layer(
    data: dict[str, Any], *, name: str, show: bool, pane: str
) -> folium.GeoJson:
    """A GeoJSON layer whose features carry their own style, popup and label."""
    return folium.GeoJson(
        data, name=name, show=show, on_each_feature=POPUP_JS, pane=pane
    )


def ward_layer(
    wards: gpd.GeoDataFrame, focus: set[str], *, simplify_m: float, show: bool
) -> folium.FeatureGroup:
    """Ward outlines (focus solid, context dashed) with name labels."""
    geoms = wgs84_geoms(wards, simplify_m)
    props = []
    for r in wards.itertuples():
        inside = r.code in focus
        rows = [("Code", esc(r.code))]
        if "tasking_group" in wards.columns:
            rows.append(("Tasking group", esc(r.tasking_group)))
        if "population" in wards.columns:
            rows.append(("Population", fmt_count(int(r.population))))
        props.append(
            {
                "style": {
                    "color": "#222" if inside else "#888",
                    "weight": 2.5 if inside else 1.2,
                    "fill": False,
                    "dashArray": None if inside else "4 4",
                },
                "popup": f"<div class='tm-pop-h'>{esc(r.name)} ward</div>"
                + table(rows),
            }
        )
    fg = folium.FeatureGroup(name=f"{LAYER_NAMES['wards']} ({len(focus)})", show=show)
    geojson_layer(
        collection(geoms, props), name="wards", show=True, pane="wards"
    ).add_to(fg)
    pts = wards.geometry.to_crs(BNG).representative_point().to_crs(WGS84)
    for r, p in zip(wards.itertuples(), pts, strict=True):
        cls = "tm-ward-label" + ("" if r.code in focus else " tm-context")
        folium.Marker(
            [round(p.y, 5), round(p.x, 5)],
            icon=folium.DivIcon(
                html=f"<div class='{cls}'>{esc(r.name)}</div>",
                icon_size=(160, 16),
                icon_anchor=(80, 8),
                class_name="tm-ward-icon",
            ),
            interactive=False,
            keyboard=False,
        ).add_to(fg)
    return fg


def land_layer(wards: gpd.GeoDataFrame, *, simplify_m: float) -> folium.GeoJson:
    """The council area as a plain light background (no tiles)."""
    area = gpd.GeoDataFrame(
        geometry=[shapely.union_all(wards.geometry.to_crs(BNG).to_numpy())], crs=BNG
    )
    style = {
        "stroke": False,
        "fillColor": "#fbfaf6",
        "fillOpacity": 1.0,
        "interactive": False,
    }
    data = collection(wgs84_geoms(area, simplify_m), [{"style": style}])
    return folium.GeoJson(
        data, name="land", control=False, pane="land", interactive=False
    )


def simd_layer(
    dz: gpd.GeoDataFrame, *, simplify_m: float, show: bool, area: AreaPack | None = None
) -> folium.GeoJson:
    """Data zones shaded by SIMD 2020v2 decile (or by the ``area`` pack's index)."""
    index, short, national = "SIMD 2020v2", "SIMD", 6976
    if area is not None:
        dep = area.deprivation
        index, short, national = dep.index, dep.short, dep.national_count
    geoms = wgs84_geoms(dz, simplify_m)
    props = []
    for r in dz.itertuples():
        dec = int(r.simd_decile)
        rows = [
            ("Code", esc(r.code)),
            (f"{index} decile", f"{dec} (1 = most deprived 10%)"),
        ]
        if "simd_rank" in dz.columns:
            rows.append((f"{short} rank", f"{int(r.simd_rank):,} of {national:,}"))
        if "population" in dz.columns:
            rows.append(("Population", fmt_count(int(r.population))))
        props.append(
            {
                "style": {
                    "color": "#555",
                    "weight": 0.4,
                    "fillColor": SIMD_COLOURS[dec - 1],
                    "fillOpacity": 0.55,
                },
                "popup": f"<div class='tm-pop-h'>{esc(r.name)}</div>" + table(rows),
            }
        )
    name = f"{LAYER_NAMES['simd']} ({len(props)})"
    if area is not None:
        plural = area.small_areas.plural
        name = f"{plural[:1].upper() + plural[1:]} by {index} decile ({len(props)})"
    return geojson_layer(collection(geoms, props), name=name, show=show, pane="simd")


def gistar_method(parameters: Mapping[str, Any] | None) -> str:
    """How the Gi* bins were made, for people, from ``attrs["parameters"]`` of
    :func:`geo.gistar.gistar_datazones` (empty when unknown).

    Examples
    --------
    >>> gistar_method({"permutations": 999, "permutation_type": "conditional", "seed": 0})
    '999 conditional permutations (seed 0), Benjamini–Hochberg FDR'
    >>> gistar_method({"permutations": 0})
    'analytic (normal) p, Benjamini–Hochberg FDR'
    """
    if not parameters:
        return ""
    reps = int(parameters.get("permutations") or 0)
    if reps <= 0:
        return "analytic (normal) p, Benjamini–Hochberg FDR"
    kind = parameters.get("permutation_type") or "conditional"
    return f"{reps:,} {kind} permutations (seed {parameters.get('seed')}), Benjamini–Hochberg FDR"


def _stat(v: Any, fmt: str) -> str:
    """A z or p formatted, or ``withheld`` where disclosure removed it (None/NaN)."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "withheld" if v is None else "n/a"
    return format(float(v), fmt)


def gistar_layer(
    gi: gpd.GeoDataFrame,
    *,
    simplify_m: float,
    show: bool,
    suppress_small: bool,
    period_label: str | None,
    area: AreaPack | None = None,
) -> folium.GeoJson:
    """Data zones (the ``area`` pack's small areas) with a non-zero Gi* confidence bin, coloured by bin.

    Each feature carries ``code`` and ``confidence``; the popup names the method
    (:func:`gistar_method` of ``gi.attrs["parameters"]``). A z or p of ``None`` (withheld
    by the disclosure rules) shows as "withheld".
    """
    sig = gi[gi["confidence"].astype(int) != 0]
    geoms = wgs84_geoms(sig, simplify_m) if len(sig) else np.array([], dtype=object)
    method = gistar_method(gi.attrs.get("parameters"))
    p_label = "p_sim (FDR q)" if "p_sim" in sig.columns else "p (FDR q)"
    props = []
    for r in sig.to_dict(orient="records"):
        conf = int(r["confidence"])
        colour, label = GISTAR_BINS[conf]
        count = int(r["count"]) if not isinstance(r["count"], str) else r["count"]
        p = r["p_sim"] if "p_sim" in r else r["p_value"]
        rows = [
            ("Code", esc(r["code"])),
            ("Result", esc(label)),
            ("Incidents", fmt_count(suppress_count(count) if suppress_small else count)),
            ("Gi* z", _stat(r["gi_z"], ".2f")),
            (p_label, f"{_stat(p, '.3g')} ({_stat(r['p_fdr'], '.3g')})"),
        ]
        if method:
            rows.append(("Method", esc(method)))
        if period_label:
            rows.append(("Period", esc(period_label)))
        props.append(
            {
                "code": str(r["code"]),
                "confidence": conf,
                "style": {"color": colour, "weight": 0.8, "fillColor": colour, "fillOpacity": 0.5},
                "popup": f"<div class='tm-pop-h'>{esc(r['name'])}</div>" + table(rows),
            }
        )
    hot = int((sig["confidence"].astype(int) > 0).sum())
    label = LAYER_NAMES["gistar"] if area is None else f"Gi* hot and cold {area.small_areas.plural} (FDR)"
    name = f"{label} ({hot} hot, {len(props) - hot} cold)"
    return geojson_layer(collection(geoms, props), name=name, show=show, pane="gistar")
