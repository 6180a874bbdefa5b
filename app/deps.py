"""Dependencies: the service, the caller's principal and role checks."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from app.errors import ApiError
from app.ratelimit import failure_limiter_for, limiter_for
from app.security import Principal, lookup
from app.service import Service


def get_service(request: Request) -> Service:
    """The process's :class:`Service` (built in the lifespan)."""
    svc: Service | None = getattr(request.app.state, "service", None)
    if svc is None:  # pragma: no cover - lifespan always sets it
        raise ApiError(503, "service is starting")
    return svc


ServiceDep = Annotated[Service, Depends(get_service)]


def get_principal(request: Request, svc: ServiceDep, x_api_key: Annotated[str | None, Header()] = None) -> Principal:
    """Authenticate the ``X-API-Key`` header (or the demo principal when auth is off),
    then take one request from the key's rate limit (429 with Retry-After when spent)."""
    if svc.settings.auth == "off":
        p = Principal(name="demo (auth off)", role="admin")
        bucket = f"client:{request.client.host if request.client else '?'}"
    else:
        if not x_api_key:
            raise ApiError(401, "an API key is required in the X-API-Key header")
        found = lookup_limited(svc, request, x_api_key)
        p, bucket = found, f"key:{found.key_id}"
    wait = limiter_for(svc).hit(bucket)
    if wait:
        raise ApiError(
            429,
            f"rate limit of {svc.settings.rate_limit_per_minute} requests a minute for this key reached; retry in {wait} s",
            retry_after=wait,
        )
    return p


def lookup_limited(svc: Service, request: Request, key: str) -> Principal:
    """The principal of ``key``; wrong keys are limited per client address
    (``auth_failures_per_minute``): past the limit every key, right or wrong, gets 429."""
    fails, client = failure_limiter_for(svc), request.client.host if request.client else "?"
    wait = fails.peek(client)
    if not wait:
        found = lookup(svc.engine, key)
        if found is not None:
            return found
        wait = fails.hit(client)
        if not wait:
            raise ApiError(401, "the API key is unknown, revoked or expired")
    raise ApiError(429, f"too many wrong API keys from this address; retry in {wait} s", retry_after=wait)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require(role: str):  # type: ignore[no-untyped-def]
    """Dependency factory: the caller must have ``role`` or a stronger one."""

    def _check(p: PrincipalDep) -> Principal:
        if not p.at_least(role):
            raise ApiError(403, f"this needs the {role} role or higher; your key is {p.role}")
        return p

    return _check


AnalystDep = Annotated[Principal, Depends(require("analyst"))]
PartnerDep = Annotated[Principal, Depends(require("partner"))]
AdminDep = Annotated[Principal, Depends(require("admin"))]
