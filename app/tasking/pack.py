"""The tasking pack of a meeting: one self-contained HTML document (Jinja2 templates with
autoescaping and one stylesheet, ``templates/pack.html`` and ``templates/pack.css``),
or a PDF printed by headless Chromium.

:func:`pack_context` gathers the figures (the same services as the API: meeting view,
hotspots, ward statistics, deprivation, map snapshot, loaded batches); the template only
lays them out.
"""

from __future__ import annotations

import base64
import logging
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
import sqlalchemy as sa

from app import audit, mapping
from app import chromium as chromium_cli
from app.db import batches, incidents
from app.deprivation_view import group_concentration
from app.errors import ApiError
from app.feeds import rejected_warning
from app.security import Principal
from app.service import Filters, Service
from app.statistics import compute
from app.tasking.config import GroupConfig, tasking_config
from app.tasking.dates import small
from app.tasking.docs import meeting_window
from app.tasking.profiles import hotspot_profiles
from app.tasking.review import group_filters, group_hotspots, meeting_view
from app.tasking.store import meeting_row
from geo.areas import AreaPack
from geo.periods import Window

log = logging.getLogger("hotspots")
DEMO_PREFIX = "DEMO-"
TEMPLATES = Path(__file__).parent / "templates"
SECTION_TITLES = (
    "Hotspot map",
    "Top hotspots",
    "Hotspot timing and emerging patterns",
    "Ward statistics",
    "Deprivation concentration",
    "Actions due",
    "New hotspots since the last meeting",
    "Data sources and period",
)


# --------------------------------------------------------------------------- formatting
def fmt_num(v: Any, pct: bool = False, digits: int = 1) -> str:
    """A figure as shown in the pack: thousands separators, signed percentages, ``–``
    for none, text (e.g. ``"<5"``) unchanged."""
    if v is None or v == "":
        return "–"
    if isinstance(v, str):
        return v
    if isinstance(v, float):
        return f"{v:+.{digits}f}%" if pct else f"{v:,.{digits}f}"
    if pct:
        return f"{v:+d}%"
    return f"{v:,}" if isinstance(v, int) else str(v)


def fmt_share(v: Any) -> str:
    """A fraction 0-1 as a percentage with one decimal (``–`` for none or withheld)."""
    return "–" if v is None or isinstance(v, str) else f"{100 * v:.1f}%"


ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
ENV.filters["num"] = fmt_num
ENV.filters["share"] = fmt_share


def verdict_parts(text: str | None) -> tuple[str, str]:
    """(headline, the rest) of an evaluation verdict: its first sentence goes in the
    narrow Assessment column, the explanation in a full-width row below the action."""
    text = (text or "").strip()
    head, sep, rest = text.partition(". ")
    return (head + "." if sep else text), rest.strip()


ENV.filters["verdict_parts"] = verdict_parts


# --------------------------------------------------------------------------- sections
def _map_image(svc: Service, who: Principal, g: GroupConfig, window: Window) -> dict[str, str]:
    """``{"png": base64}`` of the group's map snapshot, or ``{"error": kind}``."""
    try:
        png = mapping.tasking_map_png(svc, who, g.area, window)
        if not isinstance(png, bytes | bytearray) or not bytes(png).startswith(
            b"\x89PNG"
        ):
            msg = "the map renderer did not return a PNG image"
            raise ValueError(msg)
        return {"png": base64.b64encode(bytes(png)).decode()}
    except Exception as exc:  # a missing or failing map must not stop the pack
        log.warning("tasking pack: map unavailable: %s: %s", type(exc).__name__, exc)
        return {"error": type(exc).__name__}


def _hotspot_rows(svc: Service, feats: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names = svc.boundaries.wards.set_index("code")["name"]
    rows = []
    for p in feats:
        cats = p.get("categories") or {}
        top = sorted(
            cats.items(), key=lambda kv: -(kv[1] if isinstance(kv[1], int) else 0)
        )[:3]
        rows.append(
            p
            | {
                "ward_names": ", ".join(
                    str(names.get(c, c)) for c in p.get("wards") or []
                ),
                "main_categories": ", ".join(
                    f"{k.replace('_', ' ')} {v}" for k, v in top
                ),
                "trend_pct": (p.get("trend") or {}).get("change_pct"),
                "previous": ", ".join(p.get("previous_ids") or []) or "new",
            }
        )
    return rows


def demo_share(svc: Service, f: Filters) -> tuple[int, int]:
    """(demo incidents, all incidents) under ``f`` (the group's own area and period);
    with none there, the demo count is that of the whole store (so that an empty demo
    pack is still labelled)."""
    demo_rows = incidents.c.source_id.startswith(DEMO_PREFIX)
    count = sa.select(sa.func.count()).select_from(incidents)
    with svc.engine.connect() as conn:
        total = int(conn.execute(count.where(*f.clauses())).scalar_one())
        demo = int(conn.execute(count.where(*f.clauses(), demo_rows)).scalar_one())
        if total == 0:
            demo = int(conn.execute(count.where(demo_rows)).scalar_one())
    return demo, total


def _sources(svc: Service, who: Principal, f: Filters) -> list[dict[str, Any]]:
    """One row per loaded batch with its police and fire incidents under ``f``."""
    c = incidents.c
    q = (
        sa.select(c.batch_id, c.agency, sa.func.count().label("n"))
        .where(*f.clauses())
        .group_by(c.batch_id, c.agency)
    )
    with svc.engine.connect() as conn:
        counts = conn.execute(q).all()
        ids = sorted({r.batch_id for r in counts})
        info = (
            {
                b.id: b
                for b in conn.execute(sa.select(batches).where(batches.c.id.in_(ids)))
            }
            if ids
            else {}
        )
    per: dict[str, dict[str, int]] = {}
    for r in counts:
        per.setdefault(r.batch_id, {})[r.agency] = int(r.n)
    shown = (lambda v: v) if who.sees_records else small
    rows = []
    for bid in sorted(
        per, key=lambda b: info[b].created_at if b in info else datetime.min
    ):
        b = info.get(bid)
        rows.append(
            {
                "file": (b.filename or "(API batch)") if b else "?",
                "format": b.format if b else "?",
                "loaded": b.created_at.strftime("%Y-%m-%d %H:%M") + " UTC" if b else "?",
                "by": b.key_name if b else "?",
                "police": shown(per[bid].get("police", 0)),
                "fire": shown(per[bid].get("fire", 0)),
            }
        )
    return rows


# --------------------------------------------------------------------------- the pack
def pack_context(svc: Service, who: Principal, meeting_id: int) -> dict[str, Any]:
    """Everything the pack template shows for a meeting, for the caller's role."""
    cfg = tasking_config(svc)
    view = meeting_view(svc, who, meeting_id)
    meeting = meeting_row(svc, meeting_id)
    g = cfg.group(meeting.group_code)
    window = meeting_window(meeting)
    f = group_filters(svc, g, window)
    hot = group_hotspots(svc, who, g, window, cfg.hotspot_method)
    demo, total = demo_share(svc, f)
    bnd = svc.boundaries
    top = [x["properties"] for x in hot["features"][: cfg.top_hotspots]]
    return {
        "titles": SECTION_TITLES,
        "group": g,
        "meeting": view["meeting"],
        "window_label": window.label(),
        "area_label": f"all {bnd.pack.label}" if g.area == "all" else g.area.upper() + f" {bnd.pack.reporting_units.plural}",
        "dep_area": bnd.pack.label if g.area == "all" else f"the {g.area.upper()} {bnd.pack.small_areas.plural}",
        "prepared": datetime.now(UTC).strftime("%Y-%m-%d %H:%M"),
        "who": who,
        "demo": demo,
        "total": total,
        "suppressed": not who.sees_records,
        "map": _map_image(svc, who, g, window),
        "feeds_warning": rejected_warning(svc),
        "method": cfg.hotspot_method.upper(),
        "hotspot_total": len(hot["features"]),
        "hotspot_warnings": hot.get("warnings", []),
        "top": _hotspot_rows(svc, top),
        "profiles": hotspot_profiles(svc, who, f, top),
        "stats": compute(svc, f, "ward", g.area, who),
        "dep": group_concentration(svc, who, g.area, window),
        "actions": view["actions_due"],
        "changes": view["hotspots"],
        "new_rows": _hotspot_rows(svc, view["hotspots"]["new"]),
        "previous": view["previous_meeting"],
        "sources": _sources(svc, who, f),
        "boundaries": {
            "datazones": len(bnd.datazones),
            "wards": len(bnd.wards),
            "version": bnd.version,
        },
        "words": _area_words(bnd.pack),
    }


def _area_words(pack: AreaPack) -> dict[str, str]:
    """The area pack's words for the pack's labels (West Lothian: data zones, SIMD 2020v2)."""
    sa, ru = pack.small_areas, pack.reporting_units
    return {
        "index": pack.deprivation.index,
        "short": pack.deprivation.short,
        "small": sa.plural,
        "one": sa.noun,
        "Small": sa.plural[:1].upper() + sa.plural[1:],
        "small_edition": sa.edition,
        "units": re.sub(r"\s+\d{4}$", "", ru.edition),
    }


def render_pack(context: dict[str, Any]) -> str:
    """The pack document from :func:`pack_context` (stylesheet inlined)."""
    css = (TEMPLATES / "pack.css").read_text(encoding="utf-8")
    return ENV.get_template("pack.html").render(context, css=css)


def pack_html(svc: Service, who: Principal, meeting_id: int) -> str:
    """The tasking pack of a meeting as one self-contained HTML document."""
    return render_pack(pack_context(svc, who, meeting_id))


def render_pdf(
    document: str, *, chromium: str = "chromium", timeout: float = 90.0
) -> bytes:
    """Print an HTML document to PDF with headless Chromium (no network, throw-away profile)."""
    exe = shutil.which(chromium) or (chromium if Path(chromium).is_file() else None)
    if exe is None:
        raise ApiError(
            503,
            f"PDF output needs headless Chromium ({chromium!r} not found; set HOTSPOTS_CHROMIUM); "
            "the HTML pack is available without ?format=pdf",
        )
    with tempfile.TemporaryDirectory(prefix="hotspots-pack-") as tmp:
        src, out = Path(tmp) / "pack.html", Path(tmp) / "pack.pdf"
        src.write_text(document, encoding="utf-8")
        cmd = chromium_cli.command(
            exe,
            Path(tmp) / "profile",
            "--host-resolver-rules=MAP * ~NOTFOUND",  # the pack is self-contained: no network
            "--no-pdf-header-footer",
            f"--print-to-pdf={out}",
            src.as_uri(),
        )
        try:
            returncode, err = chromium_cli.run(cmd, timeout=timeout)
        except chromium_cli.ChromiumTimeout:
            raise ApiError(
                503,
                f"PDF rendering took longer than {timeout:g} s (HOTSPOTS_PDF_TIMEOUT_S)",
            ) from None
        pdf = out.read_bytes() if out.is_file() else b""
        if not pdf.startswith(b"%PDF"):
            tail = err.decode(errors="replace").strip().splitlines()[-1:] or [""]
            log.error(
                "chromium print-to-pdf failed (exit %s): %s", returncode, tail[0]
            )
            raise ApiError(503, "PDF rendering failed; the server log has the details")
        return pdf


@dataclass(frozen=True)
class PackFile:
    """A rendered pack: its bytes or text, media type and file name."""

    content: bytes | str
    media_type: str
    filename: str

    @property
    def disposition(self) -> str:
        """``Content-Disposition``: PDFs download, HTML opens inline."""
        kind = "attachment" if self.media_type == "application/pdf" else "inline"
        return f'{kind}; filename="{self.filename}"'


def meeting_pack(
    svc: Service, who: Principal, meeting_id: int, fmt: str = "html"
) -> PackFile:
    """The meeting's pack as HTML or PDF, audited as ``tasking.pack``."""
    document = pack_html(svc, who, meeting_id)
    meeting = meeting_row(svc, meeting_id)
    name = f"tasking-pack-{meeting.group_code}-{meeting.meeting_date.isoformat()}"
    content: bytes | str = document
    if fmt == "pdf":
        content = render_pdf(
            document, chromium=svc.settings.chromium, timeout=svc.settings.pdf_timeout_s
        )
    audit.record(
        svc.engine,
        who,
        "tasking.pack",
        target=meeting_id,
        params={"format": fmt},
        result_size=len(content),
    )
    if fmt == "pdf":
        return PackFile(content, "application/pdf", f"{name}.pdf")
    return PackFile(content, "text/html", f"{name}.html")
