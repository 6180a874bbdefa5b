"""The tasking map's analysis layers, computed as the API computes them.

- Gi* per data zone: :func:`geo.gistar.gistar_datazones` with the defaults of
  ``GET /hotspots/gistar`` (``HOTSPOTS_DEFAULT_PERMUTATIONS`` seeded conditional
  permutations, seed 0, bins from the permutation p after Benjamini–Hochberg FDR),
  over all data zones, then the group's zones; restricted callers get
  :func:`app.disclosure.gistar_frame` (no z, no p) as from the API.
- Emerging hot spots: :func:`geo.emerging.emerging_datazones` with the defaults of
  ``GET /hotspots/emerging`` (whole months of the two years up to the map's end,
  ``time_window`` 1), over all data zones, then the group's zones.
- KSI road collisions (fatal or serious) of the map's window and wards: points only for
  callers who may see road records (:func:`visible_points`), a count for everyone
  (1-4 as ``"<5"`` for restricted callers).
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any, Literal

import geopandas as gpd
import pandas as pd

from app import disclosure
from app.analysis import cached, incidents
from app.security import Principal
from app.service import Filters, Service
from geo.emerging import emerging_datazones
from geo.errors import GeoError
from geo.gistar import gistar_datazones
from geo.ingest.stats19 import KSI_CATEGORIES
from geo.maps import suppress_count
from geo.periods import Window

log = logging.getLogger("hotspots")
GISTAR_SEED = 0  # as GET /hotspots/gistar's default `seed`
EMERGING_DAYS = 730  # as GET /hotspots/emerging's default window
EMERGING_INTERVAL: Literal["month"] = "month"
EMERGING_TIME_WINDOW = 1
EMERGING_COLUMNS = ["occurred_at", "easting", "northing", "datazone", "date_precision", "location_precision"]
POINT_EXCLUDED = "datazone"  # location_precision of records placed on a data zone's point


def _whole_area(f: Filters) -> Filters:
    return dataclasses.replace(f, wards=None, datazones=None)


def gistar_frame(svc: Service, who: Principal, f: Filters, dz_codes: list[str]) -> gpd.GeoDataFrame | None:
    """Gi* of the group's data zones, as ``GET /hotspots/gistar`` gives them for the same
    window, agency and categories (``attrs["parameters"]`` kept); ``None`` if Gi* fails."""
    f_all = _whole_area(f)
    inc_all = incidents(svc, f_all)
    reps = svc.settings.default_permutations
    try:
        gi = cached(
            svc, "map-gistar", f_all, {"unit": "datazone", "permutations": reps, "seed": GISTAR_SEED},
            lambda: gistar_datazones(inc_all, svc.boundaries, permutations=None, seed=GISTAR_SEED,
                                     default_permutations=reps),
        )  # fmt: skip
    except GeoError as exc:
        log.info("no Gi* layer: %s", exc)
        return None
    params = dict(gi.attrs.get("parameters", {}))
    out = disclosure.gistar_frame(gi[gi["code"].isin(dz_codes)].copy(), who)
    out.attrs["parameters"] = params
    return out


def emerging_window(who: Principal, end: pd.Timestamp) -> Window:
    """The emerging-hot-spot window of a map ending at ``end``: the two years before it
    (``GET /hotspots/emerging`` without ``from``), widened for restricted callers."""
    return disclosure.window(who, Window(end - pd.Timedelta(days=EMERGING_DAYS), end))


def emerging_frame(
    svc: Service, who: Principal, f: Filters, dz_codes: list[str]
) -> tuple[gpd.GeoDataFrame | None, str | None]:
    """The group's data zones with their emerging pattern (as ``GET /hotspots/emerging``
    for the two years to the map's end) and a legend line; ``(None, None)`` if it fails."""
    assert f.window is not None
    w = emerging_window(who, f.window.end)
    f_all = dataclasses.replace(_whole_area(f), window=w)
    try:
        res = cached(
            svc, "map-emerging", f_all, {"interval": EMERGING_INTERVAL, "time_window": EMERGING_TIME_WINDOW},
            lambda: emerging_datazones(svc.frame(f_all, columns=EMERGING_COLUMNS), svc.boundaries,
                                       start=w.start, end=w.end, interval=EMERGING_INTERVAL,
                                       time_window=EMERGING_TIME_WINDOW),
        )  # fmt: skip
    except GeoError as exc:
        log.info("no emerging-hot-spot layer: %s", exc)
        return None, None
    labels = list(res.steps.labels)
    units = res.units[res.units["code"].isin(dz_codes)]
    note = (
        f"{len(labels)} whole months, {labels[0]} to {labels[-1]}: space-time Gi* (queen neighbours, "
        f"{EMERGING_TIME_WINDOW} earlier month), FDR, Mann–Kendall trend; ArcGIS pattern categories; "
        "places with no pattern not drawn"
    )
    return units, note


def visible_points(who: Principal, inc: pd.DataFrame) -> pd.DataFrame | None:
    """The incident points the caller may see: all for analysts and admins, a partner
    key's own agency for a partner tied to one, none for viewers."""
    if who.sees_records:
        return inc
    own = getattr(who, "records_agency", None)
    if own is not None and who.at_least("partner"):
        return inc[inc["agency"] == own]
    return None


def ksi_layer_parts(
    who: Principal, f: Filters, inc: pd.DataFrame, inc_all: pd.DataFrame
) -> dict[str, Any] | None:
    """``ExtraLayers`` fields of the KSI entry: the points the caller may see (or
    ``None``), the count of the map's window and wards and a note; ``None`` when the
    filters leave road collisions out or the window holds none in the whole area."""
    if f.agency not in (None, "road") or (f.categories and not set(f.categories) & set(KSI_CATEGORIES)):
        return None
    if not (inc_all["agency"] == "road").any():
        return None
    ksi = inc[(inc["agency"] == "road") & inc["category"].isin(KSI_CATEGORIES)]
    # the incident-point rule (visible_points) applied to road records: analysts and
    # admins, and a partner key tied to road; nobody else gets a collision's place
    own_road = getattr(who, "records_agency", None) == "road" and who.at_least("partner")
    seen = visible_points(who, ksi) if who.sees_records or own_road else None
    notes = []
    count: int | str = len(ksi) if who.sees_records else suppress_count(len(ksi))
    if seen is None:
        notes.append(f"{who.role} role: no collision points")
    else:
        located = seen[seen["location_precision"] != POINT_EXCLUDED] if "location_precision" in seen else seen
        if len(located) < len(seen):
            notes.append(f"{len(seen) - len(located)} located only to a data zone, not drawn")
        seen = located
    return {"ksi": seen, "ksi_count": count, "ksi_note": "; ".join(notes) or None}
