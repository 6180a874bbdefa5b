"""Optional layers of the tasking map: emerging-hot-spot patterns and KSI road collisions.

:class:`ExtraLayers` carries what the caller may show: the emerging pattern of each
data zone (as :func:`geo.emerging.emerging_datazones` gives it) and the KSI (killed or
seriously injured: fatal or serious) road collisions. As for incident points, the
caller decides who may see what: ``ksi=None`` with a ``ksi_count`` draws no points but
keeps the legend entry (a count already suppressed where needed).
"""

from __future__ import annotations

import dataclasses

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from geo.errors import ParameterError
from geo.ingest import to_wgs84
from geo.maps.helpers import check_gdf, collection, esc, fmt_count, table, wgs84_geoms
from geo.maps.layers import POPUP_JS, geojson_layer
from geo.maps.style import EMERGING_COLOURS, KSI_COLOUR, LAYER_NAMES

__all__ = ["ExtraLayers", "emerging_layer", "ksi_layer", "overlay_legend"]

_EMERGING_COLUMNS = ["code", "name", "pattern", "trend_z", "trend_p", "n_hot_steps", "n_cold_steps"]
_KSI_COLUMNS = ["source_id", "category", "occurred_at", "easting", "northing"]
SEVERITY = {"collision_fatal": "Fatal", "collision_serious": "Serious"}


@dataclasses.dataclass(frozen=True)
class ExtraLayers:
    """Emerging hot spots and KSI collisions for :func:`geo.maps.build_tasking_map`.

    Attributes
    ----------
    emerging, emerging_note
        Data zones with ``code, name, pattern, trend_z, trend_p, n_hot_steps,
        n_cold_steps`` (zones with ``no_pattern`` are not drawn) and a legend line (the
        time steps and method).
    ksi, ksi_count, ksi_note
        KSI collisions to draw (``source_id, category, occurred_at, easting,
        northing``; ``None``: no points may be shown), their number for the legend
        (``None``: no KSI entry; may be a suppressed ``"<5"``) and a legend line.
    """

    emerging: gpd.GeoDataFrame | None = None
    emerging_note: str | None = None
    ksi: pd.DataFrame | None = None
    ksi_count: int | str | None = None
    ksi_note: str | None = None


def _pattern_label(pattern: str) -> str:
    return pattern.replace("_", " ").capitalize()


def emerging_layer(
    zones: gpd.GeoDataFrame, *, simplify_m: float, show: bool, small_areas: str = "data zones"
) -> folium.GeoJson:
    """Data zones with an emerging-hot-spot pattern (not ``no_pattern``), coloured by it.

    Each feature carries ``code`` and ``pattern``; the popup gives the pattern in words,
    the Mann-Kendall trend and the number of hot and cold time steps (no counts).
    """
    from geo.emerging import describe

    check_gdf(zones, "emerging", _EMERGING_COLUMNS)
    unknown = sorted(set(zones["pattern"]) - set(EMERGING_COLOURS) - {"no_pattern"})
    if unknown:
        msg = f"`emerging` has unknown patterns: {', '.join(unknown)}"
        raise ParameterError(msg, param="emerging")
    drawn = zones[zones["pattern"] != "no_pattern"]
    geoms = wgs84_geoms(drawn, simplify_m) if len(drawn) else np.array([], dtype=object)
    props = []
    for r in drawn[_EMERGING_COLUMNS].to_dict(orient="records"):
        colour = EMERGING_COLOURS[r["pattern"]]
        z, p = r["trend_z"], r["trend_p"]
        trend = "n/a" if z is None or p is None or z != z else f"z {float(z):.2f}, p {float(p):.3g}"
        rows = [
            ("Code", esc(r["code"])),
            ("Pattern", esc(_pattern_label(r["pattern"]))),
            ("Meaning", esc(describe(r["pattern"]))),
            ("Trend (Mann–Kendall)", trend),
            ("Hot / cold steps", f"{int(r['n_hot_steps'])} / {int(r['n_cold_steps'])}"),
        ]
        props.append(
            {
                "code": str(r["code"]),
                "pattern": str(r["pattern"]),
                "style": {"color": colour, "weight": 1.0, "fillColor": colour, "fillOpacity": 0.55},
                "popup": f"<div class='tm-pop-h'>{esc(r['name'])}</div>" + table(rows),
            }
        )
    hot = int(drawn["pattern"].str.endswith("_hot").sum())
    label = LAYER_NAMES["emerging"] if small_areas == "data zones" else f"Emerging hot and cold {small_areas}"
    name = f"{label} ({hot} hot, {len(props) - hot} cold)"
    return geojson_layer(collection(geoms, props), name=name, show=show, pane="emerging")


def ksi_layer(points: pd.DataFrame, *, show: bool) -> folium.GeoJson:
    """KSI road collisions as circle markers (fatal larger), with severity, day and id."""
    missing = [c for c in _KSI_COLUMNS if c not in points.columns]
    if missing:
        msg = f"`ksi` lacks the column(s) {', '.join(missing)}"
        raise ParameterError(msg, param="ksi")
    lon, lat = to_wgs84(points["easting"].to_numpy(), points["northing"].to_numpy())
    day = pd.to_datetime(points["occurred_at"], utc=True).dt.tz_convert("Europe/London").dt.strftime("%Y-%m-%d")
    feats = []
    for x, y, cat, d, sid in zip(lon, lat, points["category"], day, points["source_id"], strict=True):
        sev = SEVERITY.get(str(cat), str(cat))
        feats.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(float(x), 5), round(float(y), 5)]},
                "properties": {
                    "severity": sev.lower(),
                    "style": {"radius": 7 if sev == "Fatal" else 5, "color": "#fff", "weight": 1.5, "fill": True,
                              "fillColor": KSI_COLOUR, "fillOpacity": 0.9},
                    "popup": f"<div class='tm-pop-h'>{esc(sev)} road collision</div>{esc(d)}"
                    f"<br><span class='tm-id'>{esc(sid)}</span>",
                },
            }
        )
    marker = folium.CircleMarker(radius=5)
    marker.options["pane"] = "ksi"
    layer = folium.GeoJson(
        {"type": "FeatureCollection", "features": feats},
        name=f"{LAYER_NAMES['ksi']} ({len(feats):,})",
        show=show,
        marker=marker,
        pane="ksi",
        on_each_feature=POPUP_JS,
    )
    return layer


def overlay_legend(extra: ExtraLayers, present: set[str], small_areas: str = "data zones") -> str:
    """Legend HTML for the emerging and KSI entries of ``extra``."""

    def key(style: str, text: str) -> str:
        return f"<div class='tm-key'><span class='tm-sw' style='{style}'></span>{esc(text)}</div>"

    parts = []
    if "emerging" in present and extra.emerging is not None:
        counts = extra.emerging["pattern"].value_counts()
        parts.append("<h4>Emerging hot spots (layer off at start)</h4>")
        if extra.emerging_note:
            parts.append(f"<div>{esc(extra.emerging_note)}</div>")
        shown = [p for p in EMERGING_COLOURS if counts.get(p, 0)]
        parts += [key(f"background:{EMERGING_COLOURS[p]}", f"{_pattern_label(p)} ({int(counts[p])})") for p in shown]
        if not shown:
            one = small_areas[:-1] if small_areas.endswith("s") else small_areas
            parts.append(f"<div><b>No {esc(one)} has an emerging pattern</b></div>")
    if extra.ksi_count is not None:
        parts.append("<h4>KSI road collisions (layer off at start)</h4>")
        text = f"Killed or seriously injured (fatal or serious): {fmt_count(extra.ksi_count)}"
        if "ksi" in present:
            parts.append(
                f"<div class='tm-key'><span class='tm-sw' style='border:none'><span style='display:inline-block;"
                f"width:10px;height:10px;border-radius:50%;background:{KSI_COLOUR}'></span></span>{text}</div>"
            )
        else:
            parts.append(f"<div>{text}</div>")
        if extra.ksi_note:
            parts.append(f"<div>{esc(extra.ksi_note)}</div>")
    return "".join(parts)
