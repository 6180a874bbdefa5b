"""Deprivation concentration as a service: the base of data zones, the result document,
small-count suppression and the CSV table.

Routes (``app/routes/deprivation.py``) and the tasking pack (``app/tasking/pack.py``)
call these; the statistic itself is :func:`geo.deprivation.concentration`.
"""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass
from typing import Any

import pandas as pd

from app import csvsafe
from app.security import Principal
from app.service import Filters, Service
from app.statistics import dz_main_group
from geo.deprivation import ConcentrationResult, concentration, concentration_by_period
from geo.periods import Window

CSV_HEADER = (
    "simd_decile",
    "incidents",
    "population",
    "rate_per_1000",
    "n_datazones",
    "share_incidents",
    "share_population",
)


def suppress_groups(groups: list[dict[str, Any]]) -> None:
    """Show counts 1-4 of decile/quintile rows as ``"<5"`` (rate and share withheld), and
    hide the smallest visible row as ``"c"`` when a lone hidden row could be worked out
    from the total (secondary suppression). Changes ``groups`` in place."""
    for g in groups:
        if isinstance(g.get("incidents"), int) and 1 <= g["incidents"] <= 4:
            g["incidents"] = "<5"
            g["rate_per_1000"] = None
            g["share_incidents"] = None
    hidden = [g for g in groups if g.get("incidents") in ("<5", "c")]
    if len(hidden) == 1:  # secondary: the total would reveal a lone hidden group
        vis = [
            g
            for g in groups
            if isinstance(g.get("incidents"), int) and g["incidents"] > 0
        ]
        if vis:
            g = min(vis, key=lambda g: g["incidents"])
            g["incidents"], g["rate_per_1000"], g["share_incidents"] = "c", None, None


def _suppress_doc(doc: dict[str, Any]) -> None:
    suppress_groups(doc["by_decile"])
    suppress_groups(doc["by_quintile"])
    doc.pop("curve", None)
    doc["suppressed"] = True


def base_datazones(
    svc: Service,
    group: str | None,
    wards: list[str] | None = None,
    datazones: list[str] | None = None,
) -> pd.DataFrame | None:
    """The data zones a concentration is measured over, or ``None`` for all of them.

    A group's base is its own data zones (each in the group of the ward holding most of
    its area); ``wards`` keeps the zones whose largest share lies in those wards and
    ``datazones`` those codes. Incidents are then those in the base, so shares use one base.
    """
    dz = svc.boundaries.datazones
    restricted = False
    if group and group.strip().lower() != "all":
        main = dz_main_group(svc)
        dz = dz[dz["code"].map(main) == group.strip().upper()]
        restricted = True
    if wards:
        s = svc.boundaries.dz_ward_share.sort_values(
            ["datazone", "share"], ascending=[True, False]
        ).drop_duplicates("datazone")
        keep = set(s.loc[s["ward"].isin(wards), "datazone"])
        dz = dz[dz["code"].isin(keep)]
        restricted = True
    if datazones:
        dz = dz[dz["code"].isin(set(datazones))]
        restricted = True
    return dz if restricted else None


@dataclass(frozen=True)
class ConcentrationView:
    """A concentration result with its JSON document (suppressed for the caller)."""

    result: ConcentrationResult
    doc: dict[str, Any]


def concentration_view(
    svc: Service,
    who: Principal,
    f: Filters,
    *,
    group: str | None,
    wards: list[str] | None = None,
    most_deprived_pct: float,
    by: str | None,
    n_boot: int,
) -> ConcentrationView:
    """Deprivation concentration for ``GET /deprivation/concentration``.

    Parameters
    ----------
    svc, who
        The service and the caller (viewers get suppressed counts, no curve).
    f
        The resolved filters (window required); ward/data zone filters narrow the base.
    group, wards
        ``east``, ``west``, ``all`` or ``None``, and the ward codes, as sent.
    most_deprived_pct, by, n_boot
        The share of most deprived zones, an optional trend period and bootstrap size.

    Returns
    -------
    ConcentrationView
    """
    assert f.window is not None
    window = f.window
    dz = base_datazones(svc, group, wards, f.datazones)
    if dz is not None:
        f = dataclasses.replace(f, wards=None, datazones=list(dz["code"]))
    else:
        dz = svc.boundaries.datazones
    inc = svc.frame(f, columns=["datazone", "occurred_at", "agency", "category"])
    res = concentration(
        inc, dz, most_deprived_pct=most_deprived_pct, n_boot=n_boot, seed=0,
        index=svc.boundaries.pack.deprivation,
    )
    doc = res.to_dict()
    doc["period"] = {
        "from": window.start.isoformat(),
        "to": window.end.isoformat(),
        "label": window.label(),
    }
    doc["filters"] = {
        "agency": f.agency,
        "category": f.categories,
        "group": group or "all",
    }
    if by:
        periods = concentration_by_period(
            inc,
            dz,
            freq=by,
            start=window.start,
            end=window.end,
            most_deprived_pct=most_deprived_pct,
            n_boot=min(n_boot, 500),
            seed=0,
            index=svc.boundaries.pack.deprivation,
        )
        doc["trend"] = [p.to_dict() for p in periods]
    if not who.sees_records:
        _suppress_doc(doc)
    return ConcentrationView(result=res, doc=doc)


def group_concentration(
    svc: Service, who: Principal, area: str, window: Window
) -> dict[str, Any]:
    """Concentration in a tasking area (``east``/``west``/``all``) for ``window``: the
    document of the meeting pack (police + fire, all categories, 15% most deprived)."""
    dz = svc.boundaries.datazones
    if area != "all":
        main = dz_main_group(svc)
        dz = dz[dz["code"].map(main) == area.upper()]
    frame = svc.frame(
        Filters(window=window, datazones=list(dz["code"])), columns=["datazone"]
    )
    doc = concentration(frame, dz, n_boot=2000, seed=0, index=svc.boundaries.pack.deprivation).to_dict()
    if not who.sees_records:
        _suppress_doc(doc)
    return doc


def decile_csv(doc: dict[str, Any]) -> str:
    """The by-decile table of a concentration document as CSV (with a BOM for Excel)."""
    buf = io.StringIO()
    w = csvsafe.writer(buf)  # formula-like cells escaped (CSV injection)
    w.writerow(CSV_HEADER)
    for g in doc["by_decile"]:
        w.writerow(
            [
                g["decile"],
                g["incidents"],
                g["population"],
                "" if g["rate_per_1000"] is None else g["rate_per_1000"],
                g["n_datazones"],
                "" if g["share_incidents"] is None else g["share_incidents"],
                g["share_population"],
            ]
        )
    return "\ufeff" + buf.getvalue()
