"""Temporal profile as a document for people: JSON members, viewer suppression, heat grid PNG."""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from geo.patterns.disclosure import PRIMARY, SECONDARY, is_small, suppress_set, withheld
from geo.patterns.temporal import WEEKDAYS, TemporalProfile, comparison_dict
from geo.periods import TZ, Window


def temporal_doc(prof: TemporalProfile, window: Window) -> dict[str, Any]:
    """JSON document of a :class:`TemporalProfile`."""
    seasons = []
    for s in prof.bonfire:
        seasons.append({
            "year": s.year,
            "period": {"from": s.start.isoformat(), "to": s.end.isoformat()},
            "vs_rest_of_year": comparison_dict(s.vs_rest, this="bonfire", other="rest"),
            "last_year_period": {"from": s.last_year_start.isoformat(), "to": s.last_year_end.isoformat()},
            "vs_last_year": None if s.vs_last_year is None else comparison_dict(s.vs_last_year, this="this_year",
                                                                                  other="last_year"),
        })
    return {
        "period": {"from": window.start.tz_convert(TZ).isoformat(), "to": window.end.tz_convert(TZ).isoformat()},
        "weekdays": list(WEEKDAYS),
        "by_hour_weekday": prof.by_hour_weekday.astype(int).tolist(),
        "by_month": [{"month": str(m), "count": int(v)} for m, v in prof.by_month.items()],
        "n_incidents": prof.n_incidents,
        "n_timed": prof.n_timed,
        "excluded_month_precision": prof.excluded_month_precision,
        "bonfire": seasons[-1] if seasons else None,
        "bonfire_by_year": seasons,
        "notes": [
            "hour and weekday in Europe/London local time, Monday first; records with month-only dates are left out "
            "of hour, weekday and bonfire figures (excluded_month_precision) but counted by month",
            "bonfire period: 15 October - 10 November inclusive; rates per day; p_value: exact test of equal daily "
            "rates (conditional binomial)",
        ],
    }


def _hide_comparison(c: dict[str, Any], a: str, b: str) -> None:
    vals = suppress_set([c[f"{a}_count"], c[f"{b}_count"]])
    c[f"{a}_count"], c[f"{b}_count"] = vals
    for side, v in ((a, vals[0]), (b, vals[1])):
        if withheld(v):
            c[f"{side}_per_day"] = None
    if any(withheld(v) for v in vals):
        c["rate_ratio"] = c["change_pct"] = c["p_value"] = None


def suppress_temporal(doc: dict[str, Any]) -> None:
    """Viewer rules in place: 1-4 as "<5", secondary "c" within each table against its total."""
    flat = suppress_set([v for row in doc["by_hour_weekday"] for v in row])
    doc["by_hour_weekday"] = [flat[i * 24 : (i + 1) * 24] for i in range(7)]
    months = suppress_set([r["count"] for r in doc["by_month"]])
    for r, v in zip(doc["by_month"], months, strict=True):
        r["count"] = v
    for key in ("n_incidents", "n_timed", "excluded_month_precision"):
        if is_small(doc[key]):
            doc[key] = PRIMARY
    if withheld(doc["excluded_month_precision"]):  # total - timed would give it back
        doc["n_timed"] = SECONDARY if not withheld(doc["n_timed"]) else doc["n_timed"]
    for s in doc["bonfire_by_year"]:
        _hide_comparison(s["vs_rest_of_year"], "bonfire", "rest")
        if s["vs_last_year"] is not None:
            _hide_comparison(s["vs_last_year"], "this_year", "last_year")
    doc["bonfire"] = doc["bonfire_by_year"][-1] if doc["bonfire_by_year"] else None


def heat_png(doc: dict[str, Any]) -> bytes:
    """Weekday × hour heat grid (PNG) with the count in each cell; withheld cells grey."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grid = doc["by_hour_weekday"]
    vals = np.array([[v if isinstance(v, int) else np.nan for v in row] for row in grid], dtype=float)
    fig, ax = plt.subplots(figsize=(13, 4.2), dpi=110)
    cmap = matplotlib.colormaps["YlOrRd"].copy()
    cmap.set_bad("#d9d9d9")
    im = ax.imshow(np.ma.masked_invalid(vals), cmap=cmap, aspect="auto")
    top = np.nanmax(vals) if np.isfinite(vals).any() else 1.0
    for r in range(7):
        for c in range(24):
            v = grid[r][c]
            dark = isinstance(v, int) and v > 0.6 * top
            ax.text(c, r, str(v), ha="center", va="center", fontsize=7, color="white" if dark else "black")
    ax.set_xticks(range(24), [f"{h:02d}" for h in range(24)])
    ax.set_yticks(range(7), doc["weekdays"])
    ax.set_xlabel("hour of day (local time)")
    p = doc["period"]
    ax.set_title(f"Incidents by weekday and hour, {p['from'][:10]} to {p['to'][:10]} "
                 f"({doc['excluded_month_precision']} month-only records left out)", fontsize=10)
    fig.colorbar(im, ax=ax, label="incidents", fraction=0.025)
    if doc.get("suppressed"):
        fig.text(0.01, 0.01, "grey: withheld ('<5' = 1-4 incidents; 'c' = withheld so that it cannot be worked out)",
                 fontsize=7)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()
