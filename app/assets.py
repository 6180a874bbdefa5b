"""Map JS/CSS assets served by the service itself, never fetched at run time.

folium's pages link Leaflet, jQuery, Bootstrap, Font Awesome and the Leaflet plugins
from public CDNs. Here every file a tasking map uses comes from the service: the npm
packages pinned in ``package.json``/``package-lock.json`` (installed by ``npm ci``
into ``node_modules/``, which is never committed) and, for the heat layer, the
``leaflet_heat.min.js`` that the folium wheel itself ships (Leaflet.heat with the
weights patch, the very file folium's CDN link points to).

Where the files are read from: ``HOTSPOTS_VENDOR_DIR`` if set; else ``app/static/vendor/``
inside an installed wheel (``setup.py`` copies the files of ``static/vendor_files.json``
there from ``node_modules/`` at build time, with their licences); else ``node_modules/``
of the source tree (editable install) or of the working directory.

``HOTSPOTS_ASSETS=local`` (default) links them at ``/static/vendor/...``;
``HOTSPOTS_ASSETS=cdn`` keeps folium's public CDN links. A standalone export inlines
every file (CSS images and fonts as data: URIs) so that it opens offline.
"""

from __future__ import annotations

import base64
import logging
import mimetypes
import re
from pathlib import Path
from typing import Annotated

import folium
from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.responses import FileResponse

from app.config import Settings
from app.deps import ServiceDep
from app.errors import ApiError

log = logging.getLogger("hotspots")
ROOT = Path(__file__).resolve().parent.parent
PACKAGED = Path(__file__).resolve().parent / "static" / "vendor"  # in a wheel only
STATIC_PREFIX = "/static/vendor"
FOLIUM_PREFIX = "folium/"

#: folium asset name -> file under node_modules (versions pinned in package.json).
NPM_FILES: dict[str, str] = {
    "leaflet": "leaflet/dist/leaflet.js",
    "leaflet_css": "leaflet/dist/leaflet.css",
    "jquery": "jquery/dist/jquery.min.js",
    "bootstrap": "bootstrap/dist/js/bootstrap.bundle.min.js",
    "bootstrap_css": "bootstrap/dist/css/bootstrap.min.css",
    "awesome_markers": "leaflet.awesome-markers/dist/leaflet.awesome-markers.min.js",
    "awesome_markers_css": "leaflet.awesome-markers/dist/leaflet.awesome-markers.css",
    "awesome_markers_font_css": "@fortawesome/fontawesome-free/css/all.min.css",
    "markerclusterjs": "leaflet.markercluster/dist/leaflet.markercluster.js",
    "markerclustercss": "leaflet.markercluster/dist/MarkerCluster.css",
    "markerclusterdefaultcss": "leaflet.markercluster/dist/MarkerCluster.Default.css",
}
#: folium asset name -> file in the installed folium package's ``templates`` folder.
FOLIUM_FILES: dict[str, str] = {"leaflet-heat.js": "leaflet_heat.min.js"}
#: Folders under node_modules that /static/vendor serves (the files above and the
#: images and fonts their CSS refers to); nothing else in node_modules is served.
SERVED_DIRS = (
    "leaflet/dist", "jquery/dist", "bootstrap/dist/js", "bootstrap/dist/css",
    "leaflet.awesome-markers/dist", "leaflet.markercluster/dist",
    "@fortawesome/fontawesome-free/css", "@fortawesome/fontawesome-free/webfonts",
    "swagger-ui-dist", "redoc/bundles",
)  # fmt: skip
NPM_HINT = (
    "run `npm ci --ignore-scripts` in the project folder, or install the wheel built by "
    "`pip install .` (it carries them), or set HOTSPOTS_VENDOR_DIR (HOTSPOTS_ASSETS=cdn uses public CDNs)"
)

router = APIRouter(tags=["assets"])


def folium_dir() -> Path:
    """The installed folium package's ``templates`` folder."""
    return Path(folium.__file__).resolve().parent / "templates"


def vendor_dir(settings: Settings) -> Path:
    """The folder to serve from: ``HOTSPOTS_VENDOR_DIR``, the wheel's copy, or ``node_modules``."""
    if settings.vendor_dir is not None:
        return Path(settings.vendor_dir)
    if (PACKAGED / NPM_FILES["leaflet"]).is_file():
        return PACKAGED
    for cand in (ROOT / "node_modules", Path.cwd() / "node_modules"):
        if cand.is_dir():
            return cand
    return ROOT / "node_modules"


def missing_assets(settings: Settings) -> list[str]:
    """Relative paths of the asset files that are not installed."""
    base = vendor_dir(settings)
    out = [p for p in NPM_FILES.values() if not (base / p).is_file()]
    out += [
        FOLIUM_PREFIX + f
        for f in FOLIUM_FILES.values()
        if not (folium_dir() / f).is_file()
    ]
    return out


def require_assets(settings: Settings) -> None:
    """Raise a 503 problem naming the fix when the asset files are not installed."""
    missing = missing_assets(settings)
    if missing:
        raise ApiError(
            503,
            f"map assets are not installed ({len(missing)} missing, e.g. {missing[0]} under "
            f"{vendor_dir(settings)}): {NPM_HINT}",
        )


def local_urls(root_path: str = "") -> dict[str, str]:
    """folium asset name -> the service's own URL for it."""
    base = f"{root_path.rstrip('/')}{STATIC_PREFIX}/"
    urls = {name: base + path for name, path in NPM_FILES.items()}
    urls |= {name: base + FOLIUM_PREFIX + f for name, f in FOLIUM_FILES.items()}
    return urls


def asset_urls(settings: Settings, *, root_path: str = "") -> dict[str, str] | None:
    """The URLs a served map links to: local (checked to exist) or ``None`` for CDNs."""
    if settings.assets == "cdn":
        return None
    require_assets(settings)
    return local_urls(root_path)


def _file_for(settings: Settings, rel: str) -> Path | None:
    """The file served at ``/static/vendor/<rel>``, or None if it is not served."""
    if rel.startswith(FOLIUM_PREFIX):
        name = rel[len(FOLIUM_PREFIX) :]
        return folium_dir() / name if name in FOLIUM_FILES.values() else None
    base = vendor_dir(settings).resolve()
    try:
        path = (base / rel).resolve()
    except (OSError, RuntimeError):
        return None
    if not any(path.is_relative_to(base / d) for d in SERVED_DIRS):
        return None
    return path if path.is_file() else None


@router.get(STATIC_PREFIX + "/{rel:path}", include_in_schema=False)
def vendor_file(svc: ServiceDep, rel: Annotated[str, PathParam()]) -> FileResponse:
    """A vendored JS/CSS/image/font file (no key needed: public third-party code)."""
    path = _file_for(svc.settings, rel)
    if path is None:
        if missing_assets(svc.settings):
            raise ApiError(503, f"map assets are not installed: {NPM_HINT}")
        raise ApiError(404, f"no such asset: {rel}")
    media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix == ".woff2":
        media = "font/woff2"
    return FileResponse(
        path, media_type=media, headers={"Cache-Control": "public, max-age=86400"}
    )


# ----------------------------------------------------------------------------- inlining

_SCRIPT = re.compile(r'<script src="([^"]+)"></script>')
_LINK = re.compile(r'<link rel="stylesheet" href="([^"]+)"\s*/?>')
_CSS_URL = re.compile(r"url\(\s*(['\"]?)([^'\")]+)\1\s*\)")
_TTF_FALLBACK = re.compile(r",\s*url\([^)]*\.ttf\)\s*format\([\"']truetype[\"']\)")
_SOURCE_MAP = re.compile(
    r"^\s*(//[#@] sourceMappingURL=\S+|/\*[#@] sourceMappingURL=[^*]*\*/)\s*$",
    re.MULTILINE,
)


def _data_uri(path: Path) -> str:
    media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix == ".woff2":
        media = "font/woff2"
    return f"data:{media};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _inline_css(path: Path) -> str:
    """The stylesheet with its images and fonts as data: URIs.

    A font file is embedded once: Font Awesome's v4/v5 compatibility ``@font-face``
    rules repeat the same files under other family names, and those repeats get an
    empty font instead (the tasking map uses no icon font; this saves about 1 MB).
    """
    css = _TTF_FALLBACK.sub("", path.read_text(encoding="utf-8"))
    css = _SOURCE_MAP.sub("", css)
    fonts_seen: set[Path] = set()

    def repl(mt: re.Match[str]) -> str:
        ref = mt.group(2).strip()
        if ref.startswith(("data:", "#", "http:", "https:", "//")):
            return mt.group(0)
        target = (path.parent / ref.split("?")[0].split("#")[0]).resolve()
        if not target.is_file():
            log.warning("asset %s refers to missing %s", path.name, ref)
            return mt.group(0)
        if target.suffix in (".woff2", ".woff", ".ttf"):
            if target in fonts_seen:
                return "url(data:font/woff2;base64,)"
            fonts_seen.add(target)
        return f"url({_data_uri(target)})"

    return _CSS_URL.sub(repl, css).replace("</style", "<\\/style")


def inline_assets(html: str, settings: Settings, *, root_path: str = "") -> str:
    """Replace the page's links to the service's assets by the files' contents.

    Every ``<script src>`` and stylesheet ``<link>`` pointing at ``/static/vendor``
    becomes an inline ``<script>``/``<style>``; CSS images and fonts become data: URIs
    (Font Awesome's TrueType fallbacks are dropped: its WOFF2 fonts are inlined).
    Raises a 503 problem if the files are not installed.
    """
    require_assets(settings)
    prefix = f"{root_path.rstrip('/')}{STATIC_PREFIX}/"

    def local(url: str) -> Path | None:
        return (
            _file_for(settings, url[len(prefix) :]) if url.startswith(prefix) else None
        )

    def script(mt: re.Match[str]) -> str:
        path = local(mt.group(1))
        if path is None:
            return mt.group(0)
        js = _SOURCE_MAP.sub("", path.read_text(encoding="utf-8")).replace(
            "</script", "<\\/script"
        )
        return f"<script>/* {path.name} */\n{js}\n</script>"

    def link(mt: re.Match[str]) -> str:
        path = local(mt.group(1))
        if path is None:
            return mt.group(0)
        return f"<style>/* {path.name} */\n{_inline_css(path)}\n</style>"

    return _LINK.sub(link, _SCRIPT.sub(script, html))
