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
    """
    codes = list(units["code"])
    tot = {}
    for name, table in (
        ("count", current),
        ("previous_count", previous),
        ("last_year_count", last_year),
    ):
        s = (
            table.groupby(unit)["count"].sum()
            if not table.empty
            else pd.Series(dtype=int)
        )
        tot[name] = s.reindex(codes, fill_value=0).astype(int)
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
        c, p, ly = (
            int(tot["count"].iloc[i]),
            int(tot["previous_count"].iloc[i]),
            int(tot["last_year_count"].iloc[i]),
        )
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


def suppress(
    rows: list[dict[str, Any]],
    summary: list[dict[str, Any]],
    groups: dict[str, list[str]],
) -> None:
    """Apply primary and secondary suppression in place (see the module docstring)."""
    for r in [*rows, *summary]:
        for k in (*COUNT_KEYS, "ksi_count"):
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
            changed |= _protect([(r["by_agency"], a) for a in r["by_agency"]])
            changed |= _protect([(r["by_category"], k) for k in r["by_category"]])
            changed |= _protect_ksi(r)
            # if the row's own count is withheld, its breakdown must not reveal it
            if r["count"] in (PRIMARY, SECONDARY):
                for part in ("by_agency", "by_category"):
                    if (
                        sum(1 for v in r[part].values() if v in (PRIMARY, SECONDARY))
                        == 0
                    ):
                        vis = [
                            k
                            for k, v in r[part].items()
                            if isinstance(v, int) and v > 0
                        ]
                        if vis:
                            r[part][min(vis, key=lambda k: r[part][k])] = SECONDARY
                            changed = True
        for members in groups.values():
            for k in COUNT_KEYS:
                changed |= _protect([(by_code[m], k) for m in members if m in by_code])
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
