"""API documentation pages served with the service's own Swagger UI and ReDoc files.

FastAPI's default ``/docs`` and ``/redoc`` load their JavaScript, CSS, favicon and (ReDoc)
Google fonts from public CDNs, so without internet they are blank. Here both pages link
only to the service's own files (the ``swagger-ui-dist`` and ``redoc`` npm packages pinned
in ``package-lock.json``, served by :mod:`app.assets` like the map files), Swagger UI's
online validator badge is off, and ReDoc uses the system fonts.

ReDoc's bundle also loads the Redocly logo of its "API docs by Redocly" sidebar link from
``cdn.redoc.ly`` (no option turns it off), so ``/static/docs/redoc.standalone.js`` serves
the bundle with that one URL blanked: the logo then hides itself (its ``onError``), the
text link stays. ``create_app`` passes ``docs_url=None, redoc_url=None`` and includes
:data:`router` instead.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse, Response

from app.assets import STATIC_PREFIX, vendor_dir
from app.deps import ServiceDep
from app.errors import ApiError

#: docs asset name -> file under node_modules (package.json pins the versions).
DOCS_FILES: dict[str, str] = {
    "swagger_js": "swagger-ui-dist/swagger-ui-bundle.js",
    "swagger_css": "swagger-ui-dist/swagger-ui.css",
    "swagger_favicon": "swagger-ui-dist/favicon-32x32.png",
    "redoc_js": "redoc/bundles/redoc.standalone.js",
}
DOCS_URL, REDOC_URL, OAUTH2_REDIRECT_URL = "/docs", "/redoc", "/docs/oauth2-redirect"
REDOC_JS_URL = "/static/docs/redoc.standalone.js"
REDOC_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"

router = APIRouter(include_in_schema=False)


def docs_urls(root_path: str = "") -> dict[str, str]:
    """Docs asset name -> the service's own URL for it."""
    base = f"{root_path.rstrip('/')}{STATIC_PREFIX}/"
    urls = {name: base + rel for name, rel in DOCS_FILES.items()}
    urls["redoc_js"] = root_path.rstrip("/") + REDOC_JS_URL
    return urls


@lru_cache(maxsize=4)
def _redoc_js(path: Path, mtime: float) -> bytes:
    """The ReDoc bundle with the Redocly logo's CDN URL blanked (see the module doc)."""
    return path.read_bytes().replace(REDOC_LOGO, b"")


def _require(svc: ServiceDep, *names: str) -> None:
    base = vendor_dir(svc.settings)
    missing = [DOCS_FILES[n] for n in names if not (base / DOCS_FILES[n]).is_file()]
    if missing:
        raise ApiError(
            503,
            f"the API documentation assets are not installed ({missing[0]} under {base}): "
            "run `npm ci --ignore-scripts` in the project folder, or install the wheel built by "
            "`pip install .`; the OpenAPI document itself is at /openapi.json",
        )


@router.get(DOCS_URL)
def swagger_ui(request: Request, svc: ServiceDep) -> HTMLResponse:
    """Swagger UI for the OpenAPI document, from local files only."""
    _require(svc, "swagger_js", "swagger_css")
    root = request.scope.get("root_path", "")
    urls = docs_urls(root)
    return get_swagger_ui_html(
        openapi_url=f"{root}{request.app.openapi_url}",
        title=f"{request.app.title} — API docs",
        swagger_js_url=urls["swagger_js"],
        swagger_css_url=urls["swagger_css"],
        swagger_favicon_url=urls["swagger_favicon"],
        oauth2_redirect_url=f"{root}{OAUTH2_REDIRECT_URL}",
        swagger_ui_parameters={"validatorUrl": None},
    )


@router.get(OAUTH2_REDIRECT_URL)
def swagger_ui_redirect() -> HTMLResponse:
    """Swagger UI's OAuth2 redirect helper page (no external resources)."""
    return get_swagger_ui_oauth2_redirect_html()


@router.get(REDOC_JS_URL)
def redoc_js(svc: ServiceDep) -> Response:
    """ReDoc's standalone bundle, with no request to a CDN left in it."""
    _require(svc, "redoc_js")
    path = vendor_dir(svc.settings) / DOCS_FILES["redoc_js"]
    return Response(
        _redoc_js(path, path.stat().st_mtime),
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@router.get(REDOC_URL)
def redoc(request: Request, svc: ServiceDep) -> HTMLResponse:
    """ReDoc for the OpenAPI document, from local files only (system fonts)."""
    _require(svc, "redoc_js")
    root = request.scope.get("root_path", "")
    urls = docs_urls(root)
    return get_redoc_html(
        openapi_url=f"{root}{request.app.openapi_url}",
        title=f"{request.app.title} — API reference",
        redoc_js_url=urls["redoc_js"],
        redoc_favicon_url=urls["swagger_favicon"],
        with_google_fonts=False,
    )
