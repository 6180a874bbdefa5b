"""Tasking maps as a service: the Folium page of a group and its PNG snapshot.

The map reuses the analysis results the API serves for the same parameters: hotspots
through :func:`app.hotspot_views.hotspot_collection` (the same cache entries and
stored, citable hotspot ids), the incident frame through :func:`app.analysis.incidents`,
and the KDE surface through :func:`app.analysis.cached`; Gi*, emerging hot spots and
KSI collisions come from :mod:`app.map_layers` with the API's defaults.

Gi* (999 seeded permutations, FDR bins, as ``GET /hotspots/gistar``) and emerging hot
spots are computed over all 239 data zones (the whole council area is the study area,
so a group's edge zones keep their real neighbours) and the group's zones are drawn.
The viewer role gets no incident points, counts 1-4 as ``"<5"`` and a heat layer
restricted to cells that at least five incidents contribute to (:func:`geo.maps.heat_floor`).
Routes (``app/routes/maps.py``), the CLI and the tasking pack call these functions.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import pandas as pd

from app import assets, chromium
from app.analysis import cached, incidents
from app.config import Settings
from app.errors import ApiError
from app.hotspot_views import events_input, hotspot_collection
from app.map_layers import (
    GISTAR_SEED,
    emerging_frame,
    gistar_frame,
    ksi_layer_parts,
    visible_points,
)
from app.params import window_from
from app.security import Principal
from app.service import Filters, Service
from geo.errors import GeoError
from geo.kde import kde_surface
from geo.maps import (
    ExtraLayers,
    MapTitle,
    build_tasking_map,
    heat_floor,
    is_synthetic,
    render_html,
    suppress_count,
)
from geo.periods import TZ, Window

log = logging.getLogger("hotspots")
GROUPS = ("east", "west", "all")
DEFAULT_DAYS = 90  # as GET /hotspots, so that both share cached results
HEAT_CELLS = 4000
HotspotMethod = Literal["dbscan", "hdbscan"]


@dataclasses.dataclass(frozen=True)
class HotspotParams:
    """Hotspot engine parameters of a map (as for ``GET /hotspots``)."""

    method: str = "dbscan"
    eps_m: float | None = None
    min_samples: int | None = None
    min_cluster_size: int | None = None


def check_group(group: str) -> str:
    """``east``, ``west`` or ``all`` (any case); otherwise a 404 problem."""
    g = str(group).strip().lower()
    if g not in GROUPS:
        raise ApiError(
            404,
            f"no tasking map for group {group!r}: expected east, west or all",
            param="group",
        )
    return g


def _group_datazones(svc: Service, ward_codes: list[str]) -> list[str]:
    """Data zones whose largest area share lies in one of these wards."""
    s = svc.boundaries.dz_ward_share.sort_values(
        ["datazone", "share"], ascending=[True, False]
    )
    main = s.drop_duplicates("datazone")
    return sorted(main.loc[main["ward"].isin(ward_codes), "datazone"])


def local_day(ts: pd.Timestamp, fmt: str = "%Y-%m-%d") -> str:
    """``ts`` formatted in UK time (a date by default)."""
    return str(ts.tz_convert(TZ).strftime(fmt))


def _title(
    svc: Service,
    who: Principal,
    g: str,
    f: Filters,
    window: Window,
    inc: pd.DataFrame,
    synthetic: bool,
    fc: dict[str, Any],
    wards: list[str],
) -> MapTitle:
    b = svc.boundaries
    names = dict(zip(b.wards["code"], b.wards["name"], strict=True))
    heading = (
        f"{b.pack.label} (EAST + WEST)" if g == "all" else f"{g.upper()} tasking group"
    ) + " — hotspot map"
    small = not who.sees_records
    n_police = int((inc["agency"] == "police").sum())
    n_fire = int((inc["agency"] == "fire").sum())

    def cnt(n: int) -> str:
        v = suppress_count(n) if small else n
        return f"{v:,}" if isinstance(v, int) else str(v)

    lines = [f"Period: {window.label()}"]
    if g != "all":
        lines.append("Wards: " + "; ".join(names.get(w, w) for w in wards))
    lines.append(
        f"Filters: {f.agency or 'police + fire'}; categories: "
        + (", ".join(c.replace("_", " ") for c in f.categories) or "all")
    )
    lines.append(
        f"Data: {b.pack.agency_name('police')} {cnt(n_police)} and {b.pack.agency_name('fire')} {cnt(n_fire)} "
        "incident records (partnership hotspots database)"
    )
    lines.append(
        f"Boundaries: {b.pack.boundaries_line(b.version)}"
    )
    p = fc.get("parameters") or {}
    if p.get("method"):
        bits = [str(p["method"]).upper()]
        if p.get("eps_m") is not None:
            bits.append(f"eps {float(p['eps_m']):.0f} m")
        if p.get("min_samples") is not None:
            bits.append(f"min_samples {p['min_samples']}")
        if p.get("min_cluster_size") is not None:
            bits.append(f"min_cluster_size {p['min_cluster_size']}")
        lines.append(
            "Hotspots: "
            + ", ".join(bits)
            + f"; Gi* over all {len(b.datazones)} {b.pack.small_areas.plural}, "
            f"{svc.settings.default_permutations:,} permutations (seed {GISTAR_SEED}), FDR-corrected"
        )
    lines.append(
        f"Generated {local_day(pd.Timestamp.now(tz='UTC'), '%Y-%m-%d %H:%M')} (UK time)"
    )
    notices = []
    if small:
        own = getattr(who, "records_agency", None)
        points = (
            f"{own} incident points only"
            if own and who.at_least("partner")
            else "no incident points"
        )
        notices.append(
            f'{who.role.capitalize()} role: counts 1–4 shown as "<5"; {points}; '
            "heat only where 5 or more incidents contribute"
        )
    if svc.settings.auth == "off":
        notices.insert(0, "AUTHENTICATION IS OFF (HOTSPOTS_AUTH=off): local demo only, anyone can read everything")
    notices += [str(w) for w in (fc.get("warnings") or [])[:2]]
    return MapTitle(
        heading=heading, lines=tuple(lines), synthetic=synthetic, notices=tuple(notices)
    )


def _heat(
    svc: Service, who: Principal, f: Filters, inc: pd.DataFrame
) -> tuple[list[list[float]] | None, str | None]:
    if len(inc) < 2:
        return None, None
    try:
        kde = cached(
            svc,
            "map-kde",
            f,
            {},
            lambda: kde_surface(inc["easting"].to_numpy(), inc["northing"].to_numpy()),
        )
    except GeoError as exc:
        log.info("no heat layer: %s", exc)
        return None, None
    pts = kde.to_heat_points(top_n=HEAT_CELLS)
    note = f"Quartic KDE, bandwidth {kde.bandwidth_m:.0f} m, {kde.cell_m:.0f} m cells (densest {HEAT_CELLS:,} shown)"
    if not who.sees_records:
        floor = heat_floor(kde.bandwidth_m) * (1 - 1e-9)
        pts = [p for p in pts if p[2] >= floor]
        note += "; cells with fewer than 5 contributing incidents hidden"
    top = max((p[2] for p in pts), default=0.0)
    if top <= 0:
        return [], note
    return [[p[0], p[1], round(p[2] / top, 4)] for p in pts], note


def _asset_urls(
    settings: Settings, standalone: bool, root_path: str
) -> dict[str, str] | None:
    """Links for the page: the service's own files (inlined later when standalone), or
    ``None`` for folium's CDNs (``HOTSPOTS_ASSETS=cdn``)."""
    if not standalone:
        return assets.asset_urls(settings, root_path=root_path)
    if settings.assets == "cdn" and assets.missing_assets(settings):
        log.warning(
            "standalone map keeps CDN links: the asset files are not installed (%s)",
            assets.NPM_HINT,
        )
        return None
    assets.require_assets(settings)
    return assets.local_urls()


def tasking_map_html(
    svc: Service,
    who: Principal,
    group: str,
    filters: Filters,
    *,
    standalone: bool = False,
    hotspot_params: HotspotParams | None = None,
    root_path: str = "",
) -> str:
    """The tasking map of ``group`` (east, west or all) as one HTML page.

    ``filters`` gives the window (default: the last 90 days), agency and categories;
    the group's wards are applied on top of its ward filter. ``standalone`` inlines
    every asset so that the file opens offline. Viewer suppression follows ``who``.
    """
    g = check_group(group)
    settings = svc.settings
    urls = _asset_urls(settings, standalone, root_path)
    b = svc.boundaries
    codes = b.group_wards(g)
    wards_filter = (
        filters.wards
        if g == "all"
        else [w for w in (filters.wards or codes) if w in codes]
    )
    window = filters.window or window_from(None, None, default_days=DEFAULT_DAYS)
    f = dataclasses.replace(filters, window=window, wards=wards_filter)
    hp = hotspot_params or HotspotParams()
    fc = hotspot_collection(
        svc,
        who,
        f,
        method=hp.method,
        eps_m=hp.eps_m,
        min_samples=hp.min_samples,
        min_cluster_size=hp.min_cluster_size,
    )
    inc = incidents(svc, f)
    focus = codes if wards_filter is None else [w for w in codes if w in wards_filter]
    dz_codes = _group_datazones(svc, focus)
    gi = gistar_frame(svc, who, f, dz_codes)
    heat, heat_note = _heat(svc, who, f, events_input(svc, f)[0])  # joint attendances once, as /hotspots/kde
    inc_all = incidents(svc, dataclasses.replace(f, wards=None, datazones=None))
    emerging, emerging_note = emerging_frame(svc, who, f, dz_codes)
    extra = ExtraLayers(emerging=emerging, emerging_note=emerging_note, **(ksi_layer_parts(who, f, inc, inc_all) or {}))
    synthetic = (
        is_synthetic(inc_all["source_id"]) if "source_id" in inc_all.columns else False
    )
    title = _title(svc, who, g, f, window, inc, synthetic, fc, focus)
    m = build_tasking_map(
        b.wards,
        title=title,
        focus=focus,
        datazones=b.datazones[b.datazones["code"].isin(dz_codes)],
        hotspots=fc,
        gistar=gi,
        heat=heat,
        heat_note=heat_note,
        incidents=visible_points(who, inc),
        period_label=window.label(),
        suppress_small=not who.sees_records,
        tile_url=settings.tile_url,
        tile_attribution=settings.tile_attribution,
        asset_urls=urls,
        area=b.pack,
        extra=extra,
    )
    page = render_html(m)
    if standalone and urls is not None:
        page = assets.inline_assets(page, settings)
    return page


# ----------------------------------------------------------------------------- PNG


def find_chromium(settings: Settings) -> str:
    """Path of the headless Chromium (``HOTSPOTS_CHROMIUM``), or a 503 problem."""
    for name in (settings.chromium, "chromium", "chromium-browser", "google-chrome"):
        exe = shutil.which(name) if name else None
        if exe:
            return exe
    raise ApiError(
        503,
        f"headless Chromium not found ({settings.chromium!r}): install Debian's `chromium` "
        "package or set HOTSPOTS_CHROMIUM to its path",
    )


def resolver_rules(tile_url: str) -> str:
    """Chromium ``--host-resolver-rules`` that resolve no host name except the base-map
    tile server's (none at all with ``tile_url=none``)."""
    plain = tile_url.strip().lower() in ("", "none")
    host = None if plain else urlsplit(tile_url.replace("{s}", "a")).hostname
    if not host:
        return "MAP * ~NOTFOUND"
    pattern = (
        "*." + host.split(".", 1)[1] if "{s}" in tile_url and "." in host else host
    )
    return f"MAP * ~NOTFOUND, EXCLUDE {pattern}"


def screenshot_html(
    settings: Settings,
    page: str,
    *,
    width: int | None = None,
    height: int | None = None,
) -> bytes:
    """PNG screenshot of an HTML page (best a standalone one) in headless Chromium.

    Chromium resolves no host name but the tile server's (:func:`resolver_rules`), so a
    standalone page reaches nothing beyond itself and the base map.
    """
    exe = find_chromium(settings)
    w, h = width or settings.map_png_width, height or settings.map_png_height
    with tempfile.TemporaryDirectory(prefix="hotspots-png-") as tmp:
        src, out = Path(tmp) / "map.html", Path(tmp) / "map.png"
        src.write_text(page, encoding="utf-8")
        args = chromium.command(
            exe,
            Path(tmp) / "profile",
            "--hide-scrollbars",
            "--mute-audio",
            "--force-device-scale-factor=1",
            f"--window-size={w},{h}",
            "--virtual-time-budget=10000",
            f"--screenshot={out}",
        )
        args += [
            f"--host-resolver-rules={resolver_rules(settings.tile_url)}",
            src.as_uri(),
        ]
        try:
            returncode, err = chromium.run(args, timeout=settings.map_png_timeout_s)
        except chromium.ChromiumTimeout:
            raise ApiError(
                503,
                f"headless Chromium took longer than {settings.map_png_timeout_s:g} s "
                "(HOTSPOTS_MAP_PNG_TIMEOUT_S)",
            ) from None
        if not out.is_file() or out.stat().st_size == 0:
            tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [
                "no output"
            ]
            raise ApiError(
                503,
                f"headless Chromium made no screenshot (exit {returncode}): {tail[0][:300]}",
            )
        return out.read_bytes()


#: Paper has no buttons: the zoom and layer controls are hidden in a printed map.
PRINT_CSS = "<style>.leaflet-control-zoom, .leaflet-control-layers { display: none !important; }</style>"


def print_page(page: str) -> str:
    """``page`` with :data:`PRINT_CSS` in its head (for PNGs that go on paper)."""
    return page.replace("</head>", PRINT_CSS + "</head>", 1)


def tasking_map_png(svc: Service, who: Principal, group: str, window: Window) -> bytes:
    """PNG snapshot of the tasking map of ``group`` for ``window`` (police + fire,
    all categories) for the meeting pack: the standalone page without interactive
    controls (:data:`PRINT_CSS`), rendered in headless Chromium."""
    page = tasking_map_html(svc, who, group, Filters(window=window), standalone=True)
    return screenshot_html(svc.settings, print_page(page))
