"""The service's outer edge: request body limits and, with auth off, a Host check.

One ASGI middleware (:class:`EdgeMiddleware`, installed by :func:`install`):

* **Body limits.** ``POST /incidents/upload`` may carry ``max_upload_bytes`` of file (plus
  a little multipart framing), every other body ``max_json_bytes``. A declared
  ``Content-Length`` beyond the limit is refused with 413 before any of the body is read;
  a body without a length (chunked) is counted as it streams in and refused with 413 as
  soon as it passes the limit, so no request is ever read whole before it is checked.
* **Host check with auth off** (against DNS rebinding: a web page on another site whose
  name is made to resolve to 127.0.0.1 must not reach the unauthenticated service). With
  ``HOTSPOTS_AUTH=off`` only the Host names ``127.0.0.1``, ``localhost`` and ``[::1]``
  (any port) are served; anything else is 421 problem+json.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PROBLEM = "application/problem+json"
MULTIPART_SLACK = 64 * 1024  # boundaries and part headers around the uploaded file
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")
_HOST = re.compile(r"^(127\.0\.0\.1|localhost|\[::1\])(:\d{1,5})?$", re.IGNORECASE)


class BodyTooLarge(HTTPException):
    """A request body passed its limit while streaming in (413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than the limit of {limit} bytes")


def host_is_local(host: str | None) -> bool:
    """Whether a Host header names the loopback interface (``127.0.0.1``, ``localhost``,
    ``[::1]``, each with any port)."""
    return bool(host) and _HOST.match(host.strip()) is not None  # type: ignore[union-attr]


def body_limit(path: str, settings: Any) -> int:
    """The byte limit for a request body on ``path``."""
    if path.rstrip("/").endswith("/incidents/upload"):
        return int(settings.max_upload_bytes) + MULTIPART_SLACK
    return int(settings.max_json_bytes)


async def _problem(send: Send, path: str, status: int, title: str, detail: str) -> None:
    body = json.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail,
                       "instance": path}).encode()
    headers = [(b"content-type", PROBLEM.encode()), (b"content-length", str(len(body)).encode()),
               (b"connection", b"close")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class EdgeMiddleware:
    """Body limits for every request, the Host check when auth is off (module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        svc = getattr(getattr(scope.get("app"), "state", None), "service", None)
        if scope["type"] != "http" or svc is None:
            await self.app(scope, receive, send)
            return
        settings = svc.settings
        path = str(scope.get("path", ""))
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if settings.auth == "off" and not host_is_local(headers.get("host")):
            await _problem(send, path, 421, "Misdirected request",
                           "with HOTSPOTS_AUTH=off the service answers only to the Host 127.0.0.1, "
                           "localhost or [::1]")
            return
        limit = body_limit(path, settings)
        declared = headers.get("content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                await _problem(send, path, 400, "Bad request", "Content-Length is not a number")
                return
            if int(declared) > limit:
                await _problem(send, path, 413, "Payload too large",
                               f"the request body is larger than the limit of {limit} bytes")
                return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted, send)


def install(app: Any) -> None:
    """Add :class:`EdgeMiddleware` to a FastAPI app."""
    app.add_middleware(EdgeMiddleware)
