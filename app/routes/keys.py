"""API keys for admins: create (shown once), list, revoke."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app import audit
from app.deps import AdminDep, ServiceDep
from app.errors import ApiError
from app.params import RowId
from app.security import KeyFieldError, get_key, issue_key, list_keys, revoke_key
from geo.periods import parse_instant

router = APIRouter(prefix="/keys", tags=["keys"])


class KeyIn(BaseModel):
    """A new key: a partner key needs its agency; ``expires_at`` is an ISO date/datetime
    (naive = Europe/London) in the future."""

    role: Literal["viewer", "partner", "analyst", "admin"]
    name: str = Field(min_length=1, max_length=100)
    agency: Literal["police", "fire"] | None = None
    expires_at: str | None = None


@router.post("", status_code=201)
def create_api_key(body: KeyIn, svc: ServiceDep, who: AdminDep) -> dict[str, Any]:
    """Create a key; the response holds the key itself, shown this once only.

    Refused (403) with ``HOTSPOTS_AUTH=off``: every caller is admin then, and a key made
    that way would keep working once auth is back on.
    """
    if svc.settings.auth == "off":
        raise ApiError(403, "no key can be created while HOTSPOTS_AUTH=off (every caller is admin); "
                            "switch auth on and use an admin key or `hotspots keys create`")
    if body.role == "partner" and body.agency is None:
        raise ApiError(
            422,
            "a partner key is tied to one agency: give `agency` (police or fire)",
            param="agency",
        )
    expires = None
    if body.expires_at:
        expires = parse_instant(body.expires_at, param="expires_at").to_pydatetime()
    try:
        key_id, key = issue_key(
            svc.engine,
            role=body.role,
            name=body.name,
            agency=body.agency,
            expires_at=expires,
        )
    except KeyFieldError as exc:
        raise ApiError(422, str(exc), param=exc.field) from exc
    rec = get_key(svc.engine, key_id)
    assert rec is not None
    audit.record(
        svc.engine,
        who,
        "keys.create",
        target=key_id,
        params={
            "role": body.role,
            "name": rec["name"],
            "agency": body.agency,
            "expires_at": rec["expires_at"],
        },
    )
    return rec | {"key": key, "note": "store the key now: it is not shown again"}


@router.get("")
def get_api_keys(svc: ServiceDep, who: AdminDep) -> dict[str, Any]:
    """Every key with its status (active, expired, revoked); never the key or its hash."""
    rows = list_keys(svc.engine)
    return {"rows": rows, "count": len(rows)}


@router.delete("/{key_id}")
def revoke_api_key(
    key_id: RowId, svc: ServiceDep, who: AdminDep
) -> dict[str, Any]:
    """Revoke a key (effective immediately; revoking twice keeps the first time)."""
    if who.key_id is not None and key_id == who.key_id:
        raise ApiError(
            409,
            "you cannot revoke the key you are using; revoke it with another admin key or the CLI",
        )
    res = revoke_key(svc.engine, key_id)
    if res is None:
        raise ApiError(404, f"no API key {key_id}")
    rec, newly = res
    audit.record(
        svc.engine,
        who,
        "keys.revoke",
        target=key_id,
        params={"name": rec["name"], "role": rec["role"], "already_revoked": not newly},
    )
    return rec | {"already_revoked": not newly}
