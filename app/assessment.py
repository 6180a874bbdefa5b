"""The Partnership Strategic Assessment: the year's evidence for next year's priorities.

:func:`assessment_document` reads the store and calls :mod:`geo.assessment` (yearly
tables, trend tests, priority matrix), :mod:`geo.deprivation` (concentration per year) and
:mod:`geo.emerging` (places that stayed hot); the result is the JSON form
(``format=json``). :func:`render_assessment` lays it out with the Jinja2 template
``templates/assessment.html.j2`` (stylesheet ``assessment.css`` inlined), and
:func:`strategic_assessment` prints it to PDF through the meeting pack's renderer
(:func:`app.tasking.pack.render_pdf`, headless Chromium).

A restricted audience (``Principal.sees_records`` false) gets the disclosure-controlled
view (docs/disclosure.md): every year's set of counts (categories, agencies, wards,
groups, KSI wards) passes through :func:`app.disclosure.protect_parts`, so counts 1-4 are
``"<5"`` and one more is withheld (``"c"``) when a single one is suppressed; the rate,
change and trend of a row with a withheld count are withheld; the map shows no exact
points; an evaluation's verdict is shown only when it quotes no figure.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
import sqlalchemy as sa

from app import audit, disclosure, mapping
from app.db import evaluations, incidents
from app.errors import ApiError
from app.mapping import PRINT_CSS
from app.security import Principal
from app.service import Filters, Service
from app.statistics import dz_main_group
from app.tasking.pack import PackFile, fmt_num, fmt_share, render_pdf, verdict_parts
from geo import assessment as ga
from geo.emerging import emerging_datazones
from geo.errors import GeoError
from geo.periods import TZ, Window

log = logging.getLogger("hotspots")
TEMPLATES = Path(__file__).parent / "templates"
DEMO_PREFIX = "DEMO-"
COLUMNS = ["source_id", "agency", "category", "occurred_at", "ward", "datazone", "tasking_group", "date_precision"]
SECTION_TITLES = (
    "Summary and priorities for next year",
    "The year against previous years",
    "Road safety: killed or seriously injured",
    "Deprivation concentration over the years",
    "Places that stayed hot all year",
    "The year's operations and their outcomes",
    "Priority matrix",
    "Method, data and limits",
)
HOT_RULE = ("a data zone stayed hot when its Emerging Hot Spot pattern over the year's months "
            "(Gi* of each data zone and month, queen neighbours and the month before, FDR 5 %) is "
            + ", ".join(ga.STAYED_HOT))

ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
ENV.filters["num"] = fmt_num
ENV.filters["share"] = fmt_share


# --------------------------------------------------------------------------- the year
def data_span(svc: Service) -> tuple[pd.Timestamp, pd.Timestamp]:
    """(first, latest) stored incident, UTC; 404 on an empty store."""
    c = incidents.c
    with svc.engine.connect() as conn:
        lo, hi = conn.execute(sa.select(sa.func.min(c.occurred_at), sa.func.max(c.occurred_at))).one()
    if lo is None:
        raise ApiError(404, "no incidents are stored: there is nothing to assess")
    return pd.Timestamp(lo).tz_localize("UTC"), pd.Timestamp(hi).tz_localize("UTC")


def default_year(data_end: pd.Timestamp, year_start_month: int) -> int:
    """The latest year the data cover completely, else the year of the latest incident."""
    until = ga.covered_until(data_end)
    local = pd.Timestamp(data_end).tz_convert(TZ)
    year = local.year if local.month >= year_start_month else local.year - 1
    start = pd.Timestamp(year=year, month=year_start_month, day=1).tz_localize(TZ)
    return year if start + pd.DateOffset(years=1) <= until else year - 1


def _periods(svc: Service, year: int | None, year_start_month: int) -> tuple[ga.AssessmentPeriod, ...]:
    lo, hi = data_span(svc)
    y = default_year(hi, year_start_month) if year is None else year
    try:
        return ga.assessment_periods(y, data_start=lo, data_end=hi, year_start_month=year_start_month)
    except GeoError:
        if year is not None:
            raise
        # no complete year stored: the latest year with any whole month
        return ga.assessment_periods(y + 1, data_start=lo, data_end=hi, year_start_month=year_start_month)


# --------------------------------------------------------------------------- JSON form
def _trend(t: ga.TrendResult) -> dict[str, Any]:
    return asdict(t) | {"text": ga.trend_text(t)}


def _table(t: ga.YearTable, names: dict[str, str] | None = None) -> dict[str, Any]:
    rows = [{"key": r.key, "label": (names or {}).get(r.key, r.key.replace("_", " ")), "counts": list(r.counts),
             "rates_per_1000": [None if v is None else round(v, 3) for v in r.rates_per_1000],
             "change": r.change, "change_pct": None if r.change_pct is None else round(r.change_pct, 1),
             "trend": _trend(r.trend)} for r in t.rows]
    return {"dimension": t.dimension, "years": list(t.years), "rows": rows, "totals": list(t.totals)}


def _protect_table(doc: dict[str, Any]) -> None:
    """Suppression of a year table: each year's counts are an additive set with the total."""
    rows = doc["rows"]
    for j in range(len(doc["years"])):
        safe = disclosure.protect_parts({str(i): r["counts"][j] for i, r in enumerate(rows)})
        for i, r in enumerate(rows):
            r["counts"][j] = safe[str(i)]
    doc["totals"] = [disclosure.small(v) for v in doc["totals"]]
    for r in rows:
        if any(isinstance(v, str) for v in r["counts"]):
            r["rates_per_1000"] = [None] * len(r["counts"])
            r["change"] = r["change_pct"] = None
            r["trend"] = {"tested": False, "direction": "withheld", "text": "withheld (small counts)"}


def _tables(svc: Service, inc: pd.DataFrame, periods: tuple[ga.AssessmentPeriod, ...], wards: list[str],
            alpha: float) -> tuple[dict[str, dict[str, Any]], float]:
    bnd = svc.boundaries
    wpop = bnd.wards.set_index("code")["population"].astype(float)
    wnames = dict(zip(bnd.wards["code"], bnd.wards["name"], strict=True))
    area_pop = float(wpop.reindex(wards).sum())
    gpop = bnd.wards[bnd.wards["code"].isin(wards)].groupby("tasking_group")["population"].sum()
    ksi = inc[inc["category"].isin(ga.KSI_CATEGORIES)]
    kw: dict[str, Any] = {"alpha": alpha}
    return {
        "category": _table(ga.yearly_table(inc, periods, "category", population=area_pop, **kw)),
        "agency": _table(ga.yearly_table(inc, periods, "agency", population=area_pop, **kw)),
        "ward": _table(ga.yearly_table(inc, periods, "ward", population=wpop.to_dict(), keys=wards, **kw), wnames),
        "tasking_group": _table(ga.yearly_table(inc, periods, "tasking_group",
                                                population={str(k): float(v) for k, v in gpop.items()}, **kw)),
        "ksi_ward": _table(ga.yearly_table(ksi, periods, "ward", population=wpop.to_dict(), keys=wards, **kw),
                           wnames),
    }, area_pop


def _deprivation(svc: Service, inc: pd.DataFrame, dz: pd.DataFrame, periods: tuple[ga.AssessmentPeriod, ...],
                 restricted: bool) -> list[dict[str, Any]]:
    rows = [asdict(d) for d in ga.deprivation_by_year(inc, dz, periods, index=svc.boundaries.pack.deprivation)]
    if restricted:
        for r in rows:
            safe = disclosure.protect_parts({"in": r["in_most_deprived"], "out": r["incidents"] - r["in_most_deprived"]})
            r["in_most_deprived"], r["incidents"] = safe["in"], disclosure.small(r["incidents"])
            if isinstance(r["in_most_deprived"], str):
                r["share_incidents"] = r["concentration_ratio"] = None
    return rows


def _hot_places(svc: Service, inc: pd.DataFrame, year: ga.AssessmentPeriod, dz_codes: set[str]) -> dict[str, Any]:
    sub = inc[(inc["occurred_at"] >= year.start) & (inc["occurred_at"] < year.end)]
    try:
        res = emerging_datazones(sub, svc.boundaries, start=year.start, end=year.end, interval="month")
    except GeoError as exc:
        return {"rule": HOT_RULE, "places": [], "note": f"emerging hot spots not available: {exc}"}
    places = [asdict(p) for p in ga.stayed_hot(res.units, len(res.steps.starts)) if p.code in dz_codes]
    return {"rule": HOT_RULE, "places": places, "note": None}


def _operations(svc: Service, who: Principal, year: ga.AssessmentPeriod) -> list[dict[str, Any]]:
    """Stored evaluations whose intervention starts in the year (a partner: its agency's)."""
    with svc.engine.connect() as conn:
        stored = conn.execute(sa.select(evaluations.c.id, evaluations.c.result)).all()
    out = []
    for row in stored:
        res = json.loads(row.result)
        after = (res.get("windows") or {}).get("after") or {}
        start = pd.Timestamp(after["from"]) if after.get("from") else None
        if start is None or not year.start <= start.tz_convert("UTC") < year.end:
            continue
        if who.records_agency is not None and res.get("agency") != who.records_agency:
            continue
        allsel = res.get("all_selected") or {}
        head, _ = verdict_parts(allsel.get("verdict"))
        if disclosure.restricted(who) and re.search(r"\d", head):
            head = "(verdict withheld: it quotes counts)"
        out.append({"id": row.id, "name": res.get("name") or "(unnamed)", "from": after.get("from"),
                    "to": after.get("to"), "categories": res.get("categories", []),
                    "conclusion": allsel.get("conclusion", "no_evidence"), "verdict": head})
    return sorted(out, key=lambda o: (o["from"] or "", o["name"]))


def _priorities(svc: Service, inc: pd.DataFrame, dz: pd.DataFrame, periods: tuple[ga.AssessmentPeriod, ...],
                crit: ga.PriorityCriteria, restricted: bool) -> list[dict[str, Any]]:
    ranked = ga.priority_matrix(inc, periods, dz, crit, index=svc.boundaries.pack.deprivation)
    rows = []
    for p in ranked:
        r: dict[str, Any] = {"rank": p.rank, "name": p.name, "categories": list(p.categories), "count": p.counts[-1],
             "counts": list(p.counts), "change_pct": None if p.change_pct is None else round(p.change_pct, 1),
             "trend": _trend(p.trend), "harm": p.harm, "deprivation_ratio": p.deprivation_ratio,
             "agencies": dict(p.agencies), "multi_agency": p.multi_agency,
             "scores": {k: round(v, 4) for k, v in p.scores.items()}, "total": round(p.total, 4),
             "reason": ga.priority_reason(p, crit, len(ranked))}
        if restricted:
            r["agencies"] = disclosure.protect_parts(r["agencies"])
            r["counts"] = [disclosure.small(v) for v in r["counts"]]
        rows.append(r)
    return rows


def _demo_count(inc: pd.DataFrame) -> int:
    return int(inc["source_id"].astype(str).str.startswith(DEMO_PREFIX).sum())


def assessment_document(svc: Service, who: Principal, *, year: int | None = None, group: str = "all",
                        year_start_month: int = 1, criteria: ga.PriorityCriteria | None = None) -> dict[str, Any]:
    """The strategic assessment's JSON form for ``who`` (see the module docstring)."""
    group = mapping.check_group(group)
    crit = criteria or ga.load_criteria()
    periods = _periods(svc, year, year_start_month)
    bnd = svc.boundaries
    wards = bnd.group_wards(group)
    everywhere = svc.frame(Filters(window=Window(periods[0].start, periods[-1].end)), columns=COLUMNS)
    inc = everywhere[everywhere["ward"].isin(wards)].reset_index(drop=True)
    dz = bnd.datazones if group == "all" else bnd.datazones[bnd.datazones["code"].map(dz_main_group(svc)) == group.upper()]
    dz_inc = everywhere[everywhere["datazone"].isin(set(dz["code"]))]
    restricted = disclosure.restricted(who)
    tables, area_pop = _tables(svc, inc, periods, wards, crit.trend_alpha)
    if restricted:
        for t in tables.values():
            _protect_table(t)
    this = periods[-1]
    return {
        "title": "Partnership Strategic Assessment",
        "year": asdict(this) | {"start": this.start.isoformat(), "end": this.end.isoformat(),
                                "year_start_month": year_start_month},
        "periods": [{"label": p.label, "from": p.start.isoformat(), "to": p.end.isoformat()} for p in periods],
        "group": group,
        "area_label": bnd.pack.label if group == "all" else f"{group.upper()} tasking group",
        "population": round(area_pop),
        "trend_method": ga.TREND_METHOD,
        "tables": tables,
        "deprivation": {"pct": crit.deprivation_pct, "rows": _deprivation(svc, dz_inc, dz, periods, restricted)},
        "hot_places": _hot_places(svc, everywhere, this, set(dz["code"])),
        "operations": _operations(svc, who, this),
        "priorities": {"criteria": asdict(crit), "rows": _priorities(svc, inc, dz, periods, crit, restricted)},
        "disclosure": {"restricted": restricted, "note": disclosure.NOTE if restricted else None},
        "demo": {"demo": _demo_count(inc), "total": disclosure.small(len(inc)) if restricted else len(inc)},
        "prepared": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


# --------------------------------------------------------------------------- printing


def print_map_png(svc: Service, who: Principal, group: str, window: Window) -> bytes:
    """PNG of the group's tasking map for ``window`` without interactive controls
    (:func:`app.mapping.tasking_map_html` standalone, shot by :func:`app.mapping.screenshot_html`)."""
    page = mapping.tasking_map_html(svc, who, group, Filters(window=window), standalone=True)
    return mapping.screenshot_html(svc.settings, page.replace("</head>", PRINT_CSS + "</head>", 1))


def _map_image(svc: Service, who: Principal, group: str, window: Window) -> dict[str, str]:
    """``{"png": base64}`` of the group's map for the year, or ``{"error": kind}``."""
    try:
        png = print_map_png(svc, who, group, window)
        if not bytes(png).startswith(b"\x89PNG"):
            raise ValueError("the map renderer did not return a PNG image")
        return {"png": base64.b64encode(bytes(png)).decode()}
    except Exception as exc:  # a missing map must not stop the assessment
        log.warning("strategic assessment: map unavailable: %s: %s", type(exc).__name__, exc)
        return {"error": type(exc).__name__}


def render_assessment(doc: dict[str, Any], map_image: dict[str, str] | None = None) -> str:
    """The assessment as one self-contained HTML document (stylesheet inlined)."""
    css = (TEMPLATES / "assessment.css").read_text(encoding="utf-8")
    return ENV.get_template("assessment.html.j2").render(
        doc=doc, css=css, titles=SECTION_TITLES, map=map_image or {"error": "not rendered"},
        top=doc["priorities"]["rows"][: int(doc["priorities"]["criteria"]["top"])])


def strategic_assessment(svc: Service, who: Principal, *, year: int | None = None, group: str = "all",
                         year_start_month: int = 1, fmt: str = "html") -> PackFile | dict[str, Any]:
    """The assessment as JSON (a dict), HTML or PDF, audited as ``assessments.strategic``."""
    doc = assessment_document(svc, who, year=year, group=group, year_start_month=year_start_month)
    name = f"strategic-assessment-{doc['group']}-{doc['year']['label'].replace('/', '-')}"
    content: bytes | str | dict[str, Any] = doc
    if fmt != "json":
        y = doc["year"]
        window = Window(pd.Timestamp(y["start"]), pd.Timestamp(y["end"]))
        content = render_assessment(doc, _map_image(svc, who, doc["group"], window))
        if fmt == "pdf":
            content = render_pdf(content, chromium=svc.settings.chromium, timeout=svc.settings.pdf_timeout_s)
    size = len(content) if not isinstance(content, dict) else len(doc["priorities"]["rows"])
    audit.record(svc.engine, who, "assessments.strategic", target=doc["year"]["label"],
                 params={"group": doc["group"], "format": fmt, "year_start": year_start_month}, result_size=size)
    if isinstance(content, dict):
        return content
    if fmt == "pdf":
        assert isinstance(content, bytes)
        return PackFile(content, "application/pdf", f"{name}.pdf")
    return PackFile(content, "text/html", f"{name}.html")
