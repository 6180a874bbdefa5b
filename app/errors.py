"""RFC 9457 problem+json for every error, one table from domain errors to statuses."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import chromium
from geo import errors as ge

log = logging.getLogger("hotspots")
PROBLEM = "application/problem+json"

STATUS_BY_ERROR: dict[type[Exception], int] = {
    ge.UnknownAreaError: 404,
    ge.TooLargeError: 413,
    ge.BoundaryError: 503,
    ge.ParameterError: 422,
    ge.EmptyInputError: 422,
    ge.TooFewIncidentsError: 422,
    ge.GeoError: 422,
}
TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    421: "Misdirected request",
    422: "Unprocessable content",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


class ApiError(Exception):
    """An HTTP error raised by the app layer itself."""

    def __init__(self, status: int, detail: str, *, param: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.detail, self.param, self.extra = status, detail, param, extra


def problem(request: Request, status: int, detail: str, **extra: Any) -> JSONResponse:
    """Build a problem+json response."""
    body = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": str(request.url.path),
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    headers = {"WWW-Authenticate": "X-API-Key"} if status == 401 else None
    if status == 429 and extra.get("retry_after") is not None:
        headers = {"Retry-After": str(max(1, round(float(extra["retry_after"]))))}
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _status_for(exc: Exception) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 422


def add_problem_handlers(app: FastAPI) -> None:
    """Register handlers so that every error body is problem+json."""

    @app.exception_handler(ApiError)
    def _api(request: Request, exc: ApiError) -> JSONResponse:
        return problem(request, exc.status, exc.detail, param=exc.param, **exc.extra)

    @app.exception_handler(ge.GeoError)
    def _geo(request: Request, exc: ge.GeoError) -> JSONResponse:
        return problem(request, _status_for(exc), str(exc), param=exc.param)

    @app.exception_handler(chromium.RenderBusy)
    def _busy(request: Request, exc: chromium.RenderBusy) -> JSONResponse:
        detail = f"{exc.limit} map or pack renders are already running; retry in {exc.retry_after} s"
        return problem(request, 429, detail, retry_after=exc.retry_after)

    @app.exception_handler(chromium.ChromiumFailed)
    def _render_failed(request: Request, exc: chromium.ChromiumFailed) -> JSONResponse:
        return problem(request, 503, "rendering failed; the server log has the details")

    @app.exception_handler(StarletteHTTPException)
    def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errs = []
        for e in exc.errors():
            loc = [str(p) for p in e.get("loc", ()) if p not in ("query", "body", "path")]
            errs.append({"param": ".".join(loc), "message": str(e.get("msg"))})
        first = errs[0] if errs else {"param": "", "message": "invalid request"}
        detail = f"{first['param'] or 'request'}: {first['message']}"
        return problem(request, 422, detail, param=first["param"] or None, errors=errs)

    @app.exception_handler(Exception)
    def _other(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path)
        return problem(request, 500, "internal error; the server log has the details")
