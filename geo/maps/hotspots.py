"""Hotspot layers: overlap, police-only and fire-only polygons with rank labels."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import folium

from geo.areas import AreaPack
from geo.maps.helpers import esc, fmt_count, hotspot_kind, pretty, table
from geo.maps.layers import geojson_layer
from geo.maps.style import AGENCY_COLOURS, LAYER_NAMES, OVERLAP_COLOUR

__all__ = ["hotspot_layers", "hotspot_popup"]


def hotspot_popup(
    p: Mapping[str, Any],
    kind: str,
    ward_names: Mapping[str, str],
    simd: Mapping[str, int],
    period_label: str | None,
    area: AreaPack | None = None,
) -> str:
    """The popup HTML of one hotspot (every value escaped); ``area`` names the small
    areas and the deprivation index (default: data zones, SIMD)."""
    plural, noun, short = "Data zones", "data zone", "SIMD"
    if area is not None:
        sa = area.small_areas
        plural, noun, short = sa.plural[:1].upper() + sa.plural[1:], sa.noun, area.deprivation.short
    title = {
        "overlap": "Overlap hotspot (police + fire)",
        "police": "Police-only hotspot",
        "fire": "Fire-only hotspot",
    }[kind]
    cats = p.get("categories") or {}
    cat_txt = ", ".join(
        f"{esc(pretty(str(c)))} {fmt_count(n)}" for c, n in list(cats.items())[:8]
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
        trend = f"{fmt_count(tr.get('first_half'))} → {fmt_count(tr.get('second_half'))}{ch_txt} (first → second half)"
    rows = [
        ("Hotspot id", f"<span class='tm-id'>{esc(p.get('id'))}</span>"),
        ("Rank", esc(p.get("rank"))),
        (
            "Incidents",
            f"{fmt_count(p.get('n'))} (police {fmt_count(p.get('n_police'))}, fire {fmt_count(p.get('n_fire'))})",
        ),
        ("Categories", cat_txt or "–"),
        ("Wards", esc("; ".join(wards)) or "–"),
        (
            plural,
            esc(", ".join(dzs[:6]) + (f" … ({len(dzs)})" if len(dzs) > 6 else ""))
            or "–",
        ),
        (
            short,
            "–"
            if worst is None
            else f"most deprived {noun} in decile {int(worst)} (1 = most deprived 10%)",
        ),
        ("Trend", trend),
    ]
    if period_label:
        rows.append(("Period", esc(period_label)))
    return f"<div class='tm-pop-h'>{esc(title)} #{esc(p.get('rank'))}</div>" + table(
        rows
    )


def hotspot_layers(
    fc: Mapping[str, Any],
    *,
    ward_names: Mapping[str, str],
    simd: Mapping[str, int],
    period_label: str | None,
    show: Mapping[str, bool],
    area: AreaPack | None = None,
) -> list[folium.GeoJson]:
    """The overlap, police-only and fire-only hotspot layers, in that order."""
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
            "popup": hotspot_popup(p, kind, ward_names, simd, period_label, area),
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
            geojson_layer(
                data,
                name=f"{LAYER_NAMES[key]} ({len(groups[kind])})",
                show=show[key],
                pane=pane,
            )
        )
    return out
