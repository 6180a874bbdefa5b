"""The disclosure layer: every response for a restricted audience passes through here.

A *restricted* audience is a ``viewer`` key, or a partner key tied to one agency when it
looks at aggregates that include another agency's incidents (``Principal.sees_records``
is false). The policy, its sources (Scottish Government and ONS guidance on small counts)
and its known limits are written down in ``docs/disclosure.md``; in short:

1. *Primary suppression*: counts 1–4 are shown as ``"<5"`` and the matching rates withheld.
2. *Secondary suppression*: in every additive set shown with its total (police + fire =
   all, categories of a hotspot, the two halves of a trend), when exactly one part is
   suppressed, the next smallest part is withheld as ``"c"`` so the first cannot be
   recovered by subtraction.
3. *No small hotspots*: no hotspot of fewer than 5 incidents is served, and the cluster
   parameters that define one have floors (:data:`FLOORS`); a request below a floor is a
   422 naming the parameter.
4. *No pin-pointing*: centroids are rounded to a 100 m grid, polygons are coarsened to a
   100 m grid, incident times to the month; the rank score (a function of ``n``) is
   withheld; heat values are shown only where at least 5 incidents lie within the
   bandwidth, rounded to two significant figures.
5. *No recomputation*: Gi* z-scores and p-values are withheld (the confidence bin is
   shown), because with visible neighbour counts they give back suppressed cells.
6. *No differencing in time*: analysis windows are widened to whole calendar months, so
   two windows a day apart do not give back a single incident's day.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry import mapping, shape

from app.errors import ApiError
from app.security import Principal
from geo.periods import TZ, Window

SMALL = 5  # counts 1..SMALL-1 are suppressed
GRID_M = 100.0  # centroid and polygon coarsening grid (metres, BNG)
# Floors on the parameters that set how small a hotspot or a heat peak can be.
FLOORS: dict[str, float] = {"min_samples": 5, "min_cluster_size": 5, "eps_m": 100.0, "bandwidth_m": 300.0, "cell_m": 100.0}
GRID_CELL_FLOOR_M = 250.0  # Gi* grid cells for restricted audiences
_TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
_TO_WGS = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
NOTE = "counts 1-4 shown as '<5' ('c' = withheld so that a small count cannot be recovered by subtraction); see docs/disclosure.md"


def restricted(who: Principal) -> bool:
    """Whether ``who`` gets the disclosure-controlled view."""
    return not who.sees_records


def small(v: Any) -> Any:
    """A count 1..4 becomes ``"<5"``; everything else is unchanged."""
    return "<5" if isinstance(v, int) and not isinstance(v, bool) and 1 <= v < SMALL else v


def suppress_counts(obj: Any) -> Any:
    """Counts 1-4 under any ``n``/``n_*``/``count`` key, at any depth, become ``"<5"``."""
    if isinstance(obj, dict):
        return {k: (small(v) if (k in ("n", "count") or k.startswith("n_")) and isinstance(v, int) else suppress_counts(v))
                for k, v in obj.items()}
    if isinstance(obj, list):
        return [suppress_counts(v) for v in obj]
    return obj


def protect_parts(parts: dict[str, Any]) -> dict[str, Any]:
    """Primary and secondary suppression of an additive set shown with its total.

    Parts 1-4 become ``"<5"``; if exactly one part is then suppressed, the smallest other
    positive part is withheld as ``"c"`` (the total minus the shown parts would otherwise
    give the suppressed one back).
    """
    out = {k: small(v) for k, v in parts.items()}
    hidden = [k for k, v in out.items() if v == "<5"]
    if len(hidden) == 1:
        shown = [(v, k) for k, v in out.items() if isinstance(v, int) and not isinstance(v, bool) and v > 0]
        if shown:
            out[min(shown)[1]] = "c"
    return out


def check_floors(who: Principal, **params: float | None) -> None:
    """422 naming the parameter when a restricted audience asks below a floor."""
    if not restricted(who):
        return
    for name, value in params.items():
        floor = GRID_CELL_FLOOR_M if name == "grid_cell_m" else FLOORS[name]
        if value is not None and value < floor:
            label = "cell_m" if name == "grid_cell_m" else name
            raise ApiError(422, f"`{label}` must be at least {floor:g} for this key (disclosure rule: no hotspot or "
                           "heat peak small enough to pin down a few incidents)", param=label)


def window(who: Principal, w: Window) -> Window:
    """The window a restricted audience gets: widened to whole calendar months (local time)."""
    if not restricted(who):
        return w
    start = w.start.tz_convert(TZ)
    first = start.normalize().replace(day=1)
    end = w.end.tz_convert(TZ)
    last = end.normalize().replace(day=1)
    if last < end:
        last = last + pd.DateOffset(months=1)
    return Window(pd.Timestamp(first).tz_convert("UTC"), pd.Timestamp(last).tz_convert("UTC"))


def _month(v: Any) -> Any:
    return str(v)[:7] if isinstance(v, str) and len(v) >= 7 else None


def _round_to(v: Any, step: float) -> Any:
    return round(float(v) / step) * step if isinstance(v, int | float) and math.isfinite(v) else None


def coarsen_polygon(geometry: dict[str, Any]) -> dict[str, Any]:
    """A WGS84 GeoJSON polygon coarsened to the :data:`GRID_M` grid (in BNG)."""
    g = shapely.transform(shape(geometry), lambda xy: _xy(xy, _TO_BNG))
    c = shapely.set_precision(g.buffer(GRID_M / 2), GRID_M)
    if c.is_empty:
        c = shapely.box(*[_round_to(b, GRID_M) for b in g.bounds]).buffer(GRID_M / 2)
    return dict(mapping(shapely.transform(c, lambda xy: _xy(xy, _TO_WGS))))


def _xy(xy: Any, t: Transformer) -> Any:
    import numpy as np

    x, y = t.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def hotspot_feature(feat: dict[str, Any]) -> dict[str, Any] | None:
    """The restricted view of one hotspot feature, or None when it must not be shown."""
    p = feat["properties"]
    n = p.get("n")
    if not isinstance(n, int) or n < SMALL:
        return None
    p.update(protect_parts({"n_police": p.get("n_police"), "n_fire": p.get("n_fire")}))
    if isinstance(p.get("categories"), dict):
        p["categories"] = protect_parts(p["categories"])
    if "colocation" in p:
        p["colocation"] = suppress_counts(p["colocation"])
    tr = p.get("trend")
    if isinstance(tr, dict):
        halves = protect_parts({k: tr[k] for k in ("first_half", "second_half") if k in tr})
        tr.update(halves)
        if any(not isinstance(v, int) for v in halves.values()):
            tr["change_pct"] = None
    p.pop("score", None)
    if "peak_count" in p:  # the densest spot's count: a small one is hidden, with the p-value made from it
        p["peak_count"] = small(p["peak_count"])
        if p["peak_count"] == "<5":
            p["p_value"] = None
    for k in ("first_occurred_at", "last_occurred_at"):
        if k in p:
            p[k] = _month(p[k])
    if isinstance(p.get("centroid"), dict):
        p["centroid"] = {k: _round_to(v, GRID_M) for k, v in p["centroid"].items()}
    if "area_m2" in p:
        p["area_m2"] = _round_to(p["area_m2"], 10_000)
    if feat.get("geometry"):
        feat["geometry"] = coarsen_polygon(feat["geometry"])
    p["disclosure"] = "restricted"
    return feat


def hotspot_collection(fc: dict[str, Any], who: Principal) -> dict[str, Any]:
    """Apply the rules to a hotspot FeatureCollection (no-op for unrestricted callers)."""
    if not restricted(who):
        return fc
    kept = [f for f in (hotspot_feature(feat) for feat in fc["features"]) if f is not None]
    dropped = len(fc["features"]) - len(kept)
    fc["features"] = kept
    fc["disclosure"] = {"restricted": True, "hotspots_withheld": dropped, "note": NOTE}
    return fc


def gistar_frame(gdf: Any, who: Principal) -> Any:
    """Restricted Gi*: counts 1-4 suppressed; z-scores and p-values withheld (bins kept)."""
    if not restricted(who):
        return gdf
    gdf = gdf.copy()
    gdf["count"] = [small(int(v)) for v in gdf["count"]]
    for col in ("gi_z", "p_value", "p_fdr", "p_sim"):
        if col in gdf.columns:
            gdf[col] = None
    return gdf


def _sig2(v: float) -> float:
    return float(f"{v:.2g}") if v else 0.0


def kde_doc(doc: dict[str, Any], who: Principal, support: list[int]) -> dict[str, Any]:
    """Restricted heat surface: only cells with >= 5 incidents within the bandwidth,
    values to two significant figures, totals 1-4 suppressed.

    ``support`` gives, for each of ``doc["points"]``, the number of incidents within the
    bandwidth of that cell's centre.
    """
    if not restricted(who):
        return doc
    doc["points"] = [[lat, lon, _sig2(v)] for (lat, lon, v), s in zip(doc["points"], support, strict=True) if s >= SMALL]
    for k in ("n_points", "weight_total"):
        v = doc.get(k)
        doc[k] = small(int(v)) if isinstance(v, int | float) and float(v).is_integer() else v
    doc["max_value"] = _sig2(max((p[2] for p in doc["points"]), default=0.0))
    doc["n_nonzero"] = len(doc["points"])
    doc["disclosure"] = {"restricted": True, "rule": "cells with fewer than 5 incidents within the bandwidth withheld; values to 2 significant figures"}
    return doc
