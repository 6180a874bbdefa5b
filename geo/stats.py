"""Ward and data-zone statistics from incident counts, with small-cell suppression.

Inputs are *count tables*: one row per ``(unit, agency, category)`` with ``count``, for
the current window, the same-length window immediately before it ("previous") and the
same calendar window a year earlier ("last year"). Every unit of the geography gets a
row, zeros included.

Definitions
-----------
- ``rate_per_1000 = 1000 * count / population`` (population from the boundary data;
  ward populations by areal apportionment, see :mod:`geo.boundaries`).
- ``change_pct = 100 * (count - previous_count) / previous_count``; ``None`` when the
  previous count is 0 (never a division error). ``last_year_change_pct`` likewise.

Suppression (viewer role)
-------------------------
Primary: a count of 1–4 is shown as ``"<5"`` and its rate withheld (``None``).
Secondary: wherever shown cells must add up to a shown total — the units of a tasking
group against the group's summary row, police + fire against a row's count, and the
categories against a row's count — a lone suppressed cell could be recovered by
subtraction. Then the smallest other non-zero cell of that set is withheld too and shown
as ``"c"`` (confidential), repeatedly until no set has exactly one withheld cell.

Joint attendances (:mod:`geo.events`)
-------------------------------------
When ``linked`` counts are given, ``count`` (and ``previous_count``, ``last_year_count``)
counts *events*: a police and a fire record linked as one event count once, while
``by_agency`` and ``by_category`` keep both records. ``linked_events`` reports the linked
pairs, placed in the unit of the pair's fire record, so that in every row
``count = sum(by_agency) - linked_events`` (and ``sum(by_category) - linked_events``).
``linked_events`` is a cell of those two additive sets and of the units of a group for
suppression: a count 1-4 is ``"<5"``, and a set never has exactly one withheld cell
(the row's ``count`` counting as a cell of both).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from geo.ingest.schema import AGENCIES
from geo.ingest.stats19 import KSI_CATEGORIES

PRIMARY = "<5"
SECONDARY = "c"
CORE_AGENCIES = ("police", "fire")  # always in ``by_agency``; others (road) when stored


def shown_agencies(*tables: pd.DataFrame) -> list[str]:
    """The agencies a statistics document lists: police and fire always, any other
    (road collisions) when the count tables hold it."""
    present = set().union(*[set(t["agency"]) for t in tables if "agency" in t.columns])
    return [a for a in AGENCIES if a in CORE_AGENCIES or a in present]


COUNT_KEYS = ("count", "previous_count", "last_year_count")


def _pct(now: int, before: int) -> float | None:
    return None if before == 0 else round(100.0 * (now - before) / before, 2)


def _rate(count: int, population: float) -> float | None:
    return None if population <= 0 else round(1000.0 * count / population, 3)


def _pivot(counts: pd.DataFrame, unit: str, codes: list[str], by: str) -> pd.DataFrame:
    if counts.empty:
        return pd.DataFrame(index=pd.Index(codes, name=unit))
    t = counts.pivot_table(
        index=unit, columns=by, values="count", aggfunc="sum", fill_value=0
    )
    return t.reindex(codes, fill_value=0).astype(int)


def area_rows(
    units: pd.DataFrame,
    current: pd.DataFrame,
    previous: pd.DataFrame,
    last_year: pd.DataFrame,
    *,
    unit: str,
    categories: list[str] | None = None,
    linked: dict[str, pd.Series] | None = None,
) -> list[dict[str, Any]]:
    """One row per unit with counts, rates, changes and breakdowns.

    Parameters
    ----------
    units
        ``code, name, population`` plus any descriptive columns to carry (e.g.
        ``tasking_group``, ``simd_rank``, ``simd_decile``), one row per unit.
    current, previous, last_year
        Count tables with columns ``unit, agency, category, count``.
    unit
        Name of the unit column in the count tables (``ward`` or ``datazone``).
    categories
        Categories to report in ``by_category`` (default: those present now).
    linked
        Linked police/fire pairs per unit (index: unit code) for ``count``,
        ``previous_count`` and ``last_year_count`` (module notes); ``None``: no linking
        and no ``linked_events`` field.
    """
    codes = list(units["code"])
    tot = {}
    for name, table in zip(COUNT_KEYS, (current, previous, last_year), strict=True):
        s = table.groupby(unit)["count"].sum() if not table.empty else pd.Series(dtype=int)
        tot[name] = s.reindex(codes, fill_value=0).astype(int)
    pairs = {k: (linked or {}).get(k, pd.Series(dtype=int)).reindex(codes, fill_value=0).astype(int) for k in COUNT_KEYS}
    agencies = _pivot(current, unit, codes, "agency")
    shown = shown_agencies(current, previous, last_year)
    cats = (
        categories
        if categories is not None
        else sorted(current["category"].unique())
        if not current.empty
        else []
    )
    bycat = _pivot(current, unit, codes, "category")
    extra = [
        c for c in units.columns if c not in ("code", "name", "population", "geometry")
    ]
    rows = []
    for i, r in enumerate(units.itertuples(index=False)):
        code = r.code
        c, p, ly = (int(tot[k].iloc[i]) - int(pairs[k].iloc[i]) for k in COUNT_KEYS)
        row: dict[str, Any] = {"code": code, "name": r.name}
        for col in extra:
            v = getattr(r, col)
            row[col] = v.item() if isinstance(v, np.generic) else v
        row |= {
            "population": int(r.population),
            "count": c,
            "rate_per_1000": _rate(c, float(r.population)),
            "previous_count": p,
            "change_pct": _pct(c, p),
            "last_year_count": ly,
            "last_year_change_pct": _pct(c, ly),
            "by_agency": {
                a: int(agencies[a].iloc[i]) if a in agencies.columns else 0
                for a in shown
            },
            "by_category": {
                k: int(bycat[k].iloc[i]) if k in bycat.columns else 0 for k in cats
            },
        }
        row["ksi_count"] = sum(row["by_category"].get(k, 0) for k in KSI_CATEGORIES)
        if linked is not None:
            row["linked_events"] = int(pairs["count"].iloc[i])
        rows.append(row)
    return rows


def summary_rows(
    rows: list[dict[str, Any]],
    groups: dict[str, list[str]],
    populations: dict[str, float],
) -> list[dict[str, Any]]:
    """Totals over sets of units (e.g. EAST / WEST / ALL) with the same fields."""
    out = []
    for label, members in groups.items():
        sel = [r for r in rows if r["code"] in set(members)]
        c = sum(r["count"] for r in sel)
        p = sum(r["previous_count"] for r in sel)
        ly = sum(r["last_year_count"] for r in sel)
        pop = populations[label]
        cats = sorted({k for r in sel for k in r["by_category"]})
        out.append(
            {
                "group": label,
                "units": len(sel),
                "population": round(pop),
                "count": c,
                "rate_per_1000": _rate(c, pop),
                "previous_count": p,
                "change_pct": _pct(c, p),
                "last_year_count": ly,
                "last_year_change_pct": _pct(c, ly),
                "by_agency": {
                    a: sum(r["by_agency"][a] for r in sel) for a in (sel[0]["by_agency"] if sel else CORE_AGENCIES)
                },
                "by_category": {
                    k: sum(r["by_category"].get(k, 0) for r in sel) for k in cats
                },
                "ksi_count": sum(r["ksi_count"] for r in sel),
            }
            | ({"linked_events": sum(r["linked_events"] for r in sel)} if any("linked_events" in r for r in rows) else {})
        )
    return out


def _is_small(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 4


def _protect(cells: list[tuple[dict[str, Any], str]]) -> bool:
    """Secondary suppression on one additive set of (container, key) cells.

    Returns True when it withheld something."""
    hidden = [c for c in cells if c[0][c[1]] in (PRIMARY, SECONDARY)]
    if len(hidden) != 1:
        return False
    visible = [c for c in cells if isinstance(c[0][c[1]], int) and c[0][c[1]] > 0]
    if not visible:
        return False
    d, k = min(visible, key=lambda c: c[0][c[1]])
    d[k] = SECONDARY
    return True


def _protect_with_total(total: tuple[dict[str, Any], str], parts: list[tuple[dict[str, Any], str]]) -> bool:
    """Secondary suppression of ``parts`` that add up to ``total`` (shown elsewhere):
    never exactly one part hidden while the total is shown, and never the total hidden
    while every part is shown. Returns True when it withheld something."""
    parts = [c for c in parts if c[1] in c[0]]
    if not parts:
        return False
    hidden = [c for c in parts if c[0][c[1]] in (PRIMARY, SECONDARY)]
    total_hidden = total[0][total[1]] in (PRIMARY, SECONDARY)
    if not total_hidden and len(hidden) != 1:
        return False
    if total_hidden and hidden:
        return False
    visible = [c for c in parts if isinstance(c[0][c[1]], int) and c[0][c[1]] > 0]
    if not visible:
        return False
    d, k = min(visible, key=lambda c: c[0][c[1]])
    d[k] = SECONDARY
    return True


def _protect_ksi(r: dict[str, Any]) -> bool:
    """KSI = fatal + serious, and KSI + slight = road: both sums protected."""
    if "ksi_count" not in r:
        return False
    cat = r["by_category"]
    changed = _protect_with_total((r, "ksi_count"), [(cat, k) for k in KSI_CATEGORIES])
    road = (r["by_agency"], "road") if "road" in r["by_agency"] else None
    if road is not None:
        changed |= _protect_with_total(road, [(r, "ksi_count"), (cat, "collision_slight")])
    return changed


def _breakdowns(r: dict[str, Any]) -> list[list[tuple[dict[str, Any], str]]]:
    """The row's additive sets shown with its ``count``: agencies and categories, each
    with ``linked_events`` (count = sum of parts - linked_events) when the row has it."""
    linked = [(r, "linked_events")] if "linked_events" in r else []
    return [[(r[part], k) for k in r[part]] + linked for part in ("by_agency", "by_category")]


def _hide_one(cells: list[tuple[dict[str, Any], str]]) -> bool:
    """With the total withheld, withhold the smallest positive cell of a fully shown set."""
    if any(d[k] in (PRIMARY, SECONDARY) for d, k in cells):
        return False
    vis = [(d, k) for d, k in cells if isinstance(d[k], int) and d[k] > 0]
    if not vis:
        return False
    d, k = min(vis, key=lambda c: c[0][c[1]])
    d[k] = SECONDARY
    return True


def _protect_across(members: list[dict[str, Any]]) -> bool:
    """The areas of a group are shown with the group's totals, per count and also per
    agency and per category (the group's own ``by_agency`` / ``by_category``): in each of
    those sets across the areas, never exactly one cell hidden."""
    changed = False
    for k in (*COUNT_KEYS, "ksi_count", "linked_events"):
        changed |= _protect([(r, k) for r in members if k in r])
    for part in ("by_agency", "by_category"):
        for k in sorted({k for r in members for k in r[part]}):
            changed |= _protect([(r[part], k) for r in members if k in r[part]])
    return changed


def suppress(
    rows: list[dict[str, Any]],
    summary: list[dict[str, Any]],
    groups: dict[str, list[str]],
) -> None:
    """Apply primary and secondary suppression in place (see the module docstring)."""
    for r in [*rows, *summary]:
        for k in (*COUNT_KEYS, "ksi_count", "linked_events"):
            if _is_small(r.get(k)):
                r[k] = PRIMARY
        for part in ("by_agency", "by_category"):
            for k, v in r[part].items():
                if _is_small(v):
                    r[part][k] = PRIMARY
    by_code = {r["code"]: r for r in rows}
    for _ in range(50):  # iterate to a fixed point
        changed = False
        for r in [*rows, *summary]:
            for cells in _breakdowns(r):
                changed |= _protect(cells)
                # if the row's own count is withheld, its breakdown must not reveal it
                changed |= r["count"] in (PRIMARY, SECONDARY) and _hide_one(cells)
            changed |= _protect_ksi(r)
        for members in groups.values():
            changed |= _protect_across([by_code[m] for m in members if m in by_code])
        if not changed:
            break
    for r in [*rows, *summary]:
        if r["count"] in (PRIMARY, SECONDARY):
            r["rate_per_1000"] = None
        if r["count"] in (PRIMARY, SECONDARY) or r["previous_count"] in (
            PRIMARY,
            SECONDARY,
        ):
            r["change_pct"] = None
        if r["count"] in (PRIMARY, SECONDARY) or r["last_year_count"] in (
            PRIMARY,
            SECONDARY,
        ):
            r["last_year_change_pct"] = None
