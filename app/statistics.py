"""Ward and data-zone statistics documents (JSON) and their CSV form."""

from __future__ import annotations

import dataclasses
import io
from typing import Any

import pandas as pd

from app import csvsafe, disclosure
from app.security import Principal
from app.service import Filters, Service
from geo.areas import AreaPack
from geo.events import link_events
from geo.periods import Window
from geo.precision import cut_month_slices
from geo.stats import area_rows, summary_rows, suppress


def _population_note(pack: AreaPack) -> str:
    """The note on the rate denominators (West Lothian's wording unchanged)."""
    if pack.name == "west-lothian":
        return "rate_per_1000 uses SIMD 2020v2 populations (mid-2017); ward populations by areal apportionment of data zones"
    sa, ru = pack.small_areas, pack.reporting_units
    return f"rate_per_1000 uses {sa.population_source}; {ru.noun} populations by areal apportionment of {sa.plural}"


def _period(w: Window) -> dict[str, str]:
    return {"from": w.start.tz_convert("Europe/London").isoformat(), "to": w.end.tz_convert("Europe/London").isoformat(), "label": w.label()}


def dz_main_group(svc: Service) -> pd.Series:
    """Tasking group of each data zone: that of the ward holding most of its area."""
    s = svc.boundaries.dz_ward_share.sort_values(["datazone", "share"], ascending=[True, False]).drop_duplicates("datazone")
    groups = svc.boundaries.wards.set_index("code")["tasking_group"]
    return s.set_index("datazone")["ward"].map(groups)


LINK_COLUMNS = ["agency", "occurred_at", "easting", "northing", "location_precision", "date_precision"]


def linking_on(svc: Service, f: Filters) -> bool:
    """Whether joint attendances are linked for these filters (both agencies, limits > 0)."""
    s = svc.settings
    return f.agency is None and s.event_link_metres > 0 and s.event_link_minutes > 0


def linked_pairs(svc: Service, f: Filters, unit: str, windows: dict[str, Window]) -> dict[str, pd.Series]:
    """Linked police/fire pairs (:mod:`geo.events`) of the filtered records in each window,
    per ``unit`` of the pair's fire record (one cache entry for all the windows)."""
    from app.analysis import cached

    s = svc.settings

    def one(w: Window) -> pd.Series:
        df = svc.frame(dataclasses.replace(f, window=w), columns=[unit, *LINK_COLUMNS])
        df = df[df["agency"].isin(("police", "fire"))].reset_index(drop=True)
        links = link_events(df, metres=s.event_link_metres, minutes=s.event_link_minutes)
        return df.loc[links.second, unit].value_counts()

    params = {"unit": unit, "metres": s.event_link_metres, "minutes": s.event_link_minutes,
              "windows": {k: [w.start.isoformat(), w.end.isoformat()] for k, w in windows.items()}}
    return cached(svc, "linked_events", f, params, lambda: {k: one(w) for k, w in windows.items()})


def whole_month_counts(svc: Service, f: Filters, by: list[str], w: Window) -> tuple[pd.DataFrame, int]:
    """``svc.counts`` of ``w`` less the records dated only to a month that ``w`` cuts
    (:mod:`geo.precision`: only the slices of ``w`` in a cut month are read), and how many."""
    counts = svc.counts(f, by, window=w)
    parts = [svc.frame(dataclasses.replace(f, window=Window(a, b)), columns=by, month_dated_only=True)
             for a, b in cut_month_slices(w.start, w.end)]  # only the month-dated rows, in SQL
    cut = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=by)
    if cut.empty:
        return counts, 0
    drop = cut.groupby(by, as_index=False).size()
    out = counts.merge(drop, on=by, how="left")
    out["count"] = (out["count"] - out["size"].fillna(0)).astype(int)
    return out.loc[out["count"] > 0, [*by, "count"]].reset_index(drop=True), len(cut)


def _month_excluded(cut: dict[str, int], suppressed: bool) -> dict[str, Any]:
    """The month-precision records left out of each period (1-4 as '<5' when suppressed)."""
    shown: dict[str, Any] = {k: disclosure.small(v) if suppressed else v for k, v in cut.items()}
    return {"date_precision_month": shown["current"], "by_period": shown,
            "note": "records dated only to a month (data.police.uk) count only in periods holding their whole month"}


def compute(svc: Service, f: Filters, unit: str, group: str | None, who: Principal) -> dict[str, Any]:
    """Statistics document for ``unit`` (``ward`` or ``datazone``)."""
    assert f.window is not None
    windows = {"current": f.window, "previous": f.window.previous(), "last_year": f.window.last_year()}
    by = [unit, "agency", "category"]
    counts, month_cut = {}, {}
    for k, w in windows.items():
        counts[k], month_cut[k] = whole_month_counts(svc, f, by, w)
    b = svc.boundaries
    g = (group or "all").lower()
    if unit == "ward":
        units = b.wards[["code", "name", "tasking_group", "population"]]
        main_group = units.set_index("code")["tasking_group"]
    else:
        main_group = dz_main_group(svc)
        units = b.datazones[["code", "name", "population", "simd_rank", "simd_decile"]].copy()
        units["tasking_group"] = units["code"].map(main_group)
    if g != "all":
        units = units[units["tasking_group"] == g.upper()]
    cats = f.categories or sorted(set().union(*[set(c["category"]) for c in counts.values()]))
    linked = None
    if linking_on(svc, f):
        names = {"count": "current", "previous_count": "previous", "last_year_count": "last_year"}
        linked = linked_pairs(svc, f, unit, {k: windows[w] for k, w in names.items()})
    rows = area_rows(units, counts["current"], counts["previous"], counts["last_year"], unit=unit, categories=cats,
                     linked=linked)
    groups: dict[str, list[str]] = {}
    for label in ("EAST", "WEST"):
        members = [c for c in units["code"] if main_group.get(c) == label]
        if members:
            groups[label] = members
    groups["ALL"] = list(units["code"])
    pops = {k: float(units.set_index("code").loc[v, "population"].sum()) for k, v in groups.items()}
    summary = summary_rows(rows, groups, pops)
    suppressed = not who.sees_records
    if suppressed:
        suppress(rows, summary, groups)
    key = "ward" if unit == "ward" else "datazone"
    for r in rows:
        r[f"{key}_code"] = r.pop("code")
        r[f"{key}_name"] = r.pop("name")
    return {
        "rows": rows,
        "summary": summary,
        "period": _period(windows["current"]),
        "previous_period": _period(windows["previous"]),
        "last_year_period": _period(windows["last_year"]),
        "filters": {"agency": f.agency, "category": f.categories, "group": g},
        "suppressed": suppressed,
        "excluded": _month_excluded(month_cut, suppressed),
        "notes": [
            _population_note(b.pack),
            "change_pct is null when the comparison count is 0",
        ] + ([f"count counts events: a police and a fire record within {svc.settings.event_link_metres:g} m and "
              f"{svc.settings.event_link_minutes:g} minutes of each other are one joint attendance (linked_events, "
              "placed at the fire record), so count = sum(by_agency) - linked_events; see docs/methods.md"]
             if linked is not None else []) + (["counts 1-4 shown as '<5'; 'c' = withheld so that a small cell cannot be recovered by subtraction"] if suppressed else []),
    }


CSV_FIRST = {
    "ward": ["ward_code", "ward_name", "tasking_group"],
    "datazone": ["datazone_code", "datazone_name", "tasking_group", "simd_rank", "simd_decile"],
}
CSV_NUM = ["population", "count", "rate_per_1000", "previous_count", "change_pct", "last_year_count", "last_year_change_pct"]


def to_csv(doc: dict[str, Any], unit: str) -> str:
    """Flat CSV: one row per unit, then the group totals (wards only)."""
    cats = sorted({k for r in doc["rows"] for k in r["by_category"]})
    agencies = list(doc["rows"][0]["by_agency"]) if doc["rows"] else ["police", "fire"]
    linked = [k for k in ("linked_events",) if doc["rows"] and k in doc["rows"][0]]
    header = [*CSV_FIRST[unit], *CSV_NUM, *[f"{a}_count" for a in agencies], *linked, "ksi_count",
              *[f"count_{c}" for c in cats], "period_from", "period_to"]
    buf = io.StringIO()
    w = csvsafe.writer(buf)  # formula-like cells escaped (CSV injection)
    w.writerow(header)
    p = doc["period"]

    def emit(r: dict[str, Any], first: list[Any]) -> None:
        vals = [*first, *[("" if r[k] is None else r[k]) for k in CSV_NUM], *[r["by_agency"][a] for a in agencies],
                *[r[k] for k in linked], r.get("ksi_count", 0), *[r["by_category"].get(c, 0) for c in cats], p["from"], p["to"]]
        w.writerow(vals)

    for r in doc["rows"]:
        emit(r, [r.get(k, "") for k in CSV_FIRST[unit]])
    if unit == "ward":
        for s in doc["summary"]:
            emit(s, [f"{s['group']} total", f"{s['group']} ({s['units']} wards)", s["group"] if s["group"] != "ALL" else ""])
    return buf.getvalue()
