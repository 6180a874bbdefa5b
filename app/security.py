"""API keys: stored only as SHA-256 hashes; roles viewer < partner < analyst < admin.

A partner key is tied to one agency (police or fire): it reads incident-level records
of that agency only, and sees aggregates (all agencies) with small counts suppressed.
Keys can expire (``expires_at``) and be revoked; both take effect on the next request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from app import audit
from app.db import api_keys

ROLES = ("viewer", "partner", "analyst", "admin")
RANK = {r: i for i, r in enumerate(ROLES)}
AGENCIES = ("police", "fire")
BOOTSTRAP_NAME = "bootstrap-admin"


@dataclass(frozen=True)
class Principal:
    """Who is calling.

    ``agency`` is the agency a partner key is tied to (None for other roles and for
    partner keys created before keys had agencies); ``key_id`` the key's row id (None
    when auth is off).
    """

    name: str
    role: str
    agency: str | None = None
    key_id: int | None = None

    def at_least(self, role: str) -> bool:
        """True when this principal's role is ``role`` or stronger."""
        return RANK[self.role] >= RANK[role]

    @property
    def records_agency(self) -> str | None:
        """The only agency whose incident-level records this principal may read (None = any)."""
        return self.agency if self.role == "partner" else None

    @property
    def sees_records(self) -> bool:
        """Whether small counts in aggregates are shown unsuppressed.

        Analyst and admin: yes. Viewer: no. A partner tied to an agency: no, because an
        aggregate that includes another agency's incidents would reveal that agency's
        records through small cells (its own records it reads at incident level
        instead). A partner key without an agency (created before keys had agencies)
        keeps the old behaviour: yes.
        """
        return self.at_least("partner") and self.records_agency is None


def hash_key(key: str) -> str:
    """SHA-256 hex digest of a key (keys are long random tokens, so no salt/KDF needed)."""
    return hashlib.sha256(key.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _naive_utc(ts: datetime) -> datetime:
    return ts.astimezone(UTC).replace(tzinfo=None) if ts.tzinfo is not None else ts


class KeyFieldError(ValueError):
    """A bad field of a new key; ``field`` names it."""

    def __init__(self, msg: str, *, field: str) -> None:
        super().__init__(msg)
        self.field = field


def check_key_fields(*, role: str, name: str, agency: str | None, expires_at: datetime | None) -> None:
    """Validate the fields of a new key (raises :class:`KeyFieldError` naming the field)."""
    if role not in ROLES:
        msg = f"unknown role {role!r}: expected one of {', '.join(ROLES)}"
        raise KeyFieldError(msg, field="role")
    if not name.strip():
        msg = "a key needs a non-empty name"
        raise KeyFieldError(msg, field="name")
    if agency is not None:
        if agency not in AGENCIES:
            msg = f"agency must be one of {', '.join(AGENCIES)}, got {agency!r}"
            raise KeyFieldError(msg, field="agency")
        if role != "partner":
            msg = "agency applies to partner keys only (analysts and admins see every agency)"
            raise KeyFieldError(msg, field="agency")
    if expires_at is not None and _naive_utc(expires_at) <= _now():
        msg = "expires_at must be in the future"
        raise KeyFieldError(msg, field="expires_at")


def issue_key(
    engine: Engine, *, role: str, name: str, agency: str | None = None, expires_at: datetime | None = None
) -> tuple[int, str]:
    """Create a key, store its hash; returns ``(id, key)`` (the key is shown once)."""
    check_key_fields(role=role, name=name, agency=agency, expires_at=expires_at)
    key = "hs_" + secrets.token_urlsafe(32)
    with engine.begin() as conn:
        res = conn.execute(
            api_keys.insert().values(
                name=name.strip()[:100], role=role, key_hash=hash_key(key), created_at=_now(), agency=agency,
                expires_at=None if expires_at is None else _naive_utc(expires_at),
            )
        )
        key_id = int(res.inserted_primary_key[0])  # type: ignore[index]
    return key_id, key


def create_key(
    engine: Engine, *, role: str, name: str, agency: str | None = None, expires_at: datetime | None = None
) -> str:
    """Create a key, store its hash and return the key (shown once)."""
    return issue_key(engine, role=role, name=name, agency=agency, expires_at=expires_at)[1]


def ensure_admin_key(engine: Engine, key: str) -> list[int]:
    """Make sure an admin key with this value exists (HOTSPOTS_ADMIN_KEY), and revoke
    every earlier bootstrap key: rotating the setting retires the old value.

    Returns the ids of the bootstrap keys revoked now.
    """
    h, c = hash_key(key), api_keys.c
    with engine.begin() as conn:
        row = conn.execute(sa.select(c.id).where(c.key_hash == h)).first()
        if row is None:
            conn.execute(api_keys.insert().values(name=BOOTSTRAP_NAME, role="admin", key_hash=h, created_at=_now()))
        old = sa.and_(c.name == BOOTSTRAP_NAME, c.key_hash != h, c.revoked_at.is_(None))
        ids = [int(r[0]) for r in conn.execute(sa.select(c.id).where(old))]
        if ids:
            conn.execute(api_keys.update().where(c.id.in_(ids)).values(revoked_at=_now()))
        for key_id in ids:  # in the same transaction: a retired key is never unaccounted for
            audit.record(conn, audit.SystemActor("system:bootstrap", role="system"), "keys.revoke",
                         target=key_id, params={"reason": "HOTSPOTS_ADMIN_KEY changed"})
    return ids


def lookup(engine: Engine, key: str) -> Principal | None:
    """The principal for a presented key, or None when unknown, revoked or expired."""
    h = hash_key(key)
    c = api_keys.c
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(c.id, c.name, c.role, c.key_hash, c.revoked_at, c.agency, c.expires_at).where(c.key_hash == h)
        ).first()
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.key_hash, h):
        return None
    if row.expires_at is not None and row.expires_at <= _now():
        return None
    return Principal(name=row.name, role=row.role, agency=row.agency, key_id=int(row.id))


def key_status(row: Any, *, now: datetime | None = None) -> str:
    """``active``, ``revoked`` or ``expired`` for a row of ``api_keys``."""
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at is not None and row.expires_at <= (now or _now()):
        return "expired"
    return "active"


def _iso(ts: datetime | None) -> str | None:
    return None if ts is None else ts.replace(tzinfo=UTC).isoformat()


def key_record(row: Any) -> dict[str, Any]:
    """A key as JSON (never the key or its hash)."""
    return {
        "id": int(row.id),
        "name": row.name,
        "role": row.role,
        "agency": row.agency,
        "created_at": _iso(row.created_at),
        "expires_at": _iso(row.expires_at),
        "revoked_at": _iso(row.revoked_at),
        "status": key_status(row),
    }


_RECORD_COLS = ("id", "name", "role", "agency", "created_at", "expires_at", "revoked_at")


def list_keys(engine: Engine) -> list[dict[str, Any]]:
    """Every key (active, expired and revoked), oldest first."""
    cols = [api_keys.c[n] for n in _RECORD_COLS]
    with engine.connect() as conn:
        rows = conn.execute(sa.select(*cols).order_by(api_keys.c.id)).all()
    return [key_record(r) for r in rows]


def get_key(engine: Engine, key_id: int) -> dict[str, Any] | None:
    """One key's record, or None."""
    cols = [api_keys.c[n] for n in _RECORD_COLS]
    with engine.connect() as conn:
        row = conn.execute(sa.select(*cols).where(api_keys.c.id == key_id)).first()
    return None if row is None else key_record(row)


def revoke_key(engine: Engine, key_id: int) -> tuple[dict[str, Any], bool] | None:
    """Revoke a key: ``(record, newly_revoked)``, or None for an unknown id.

    Revoking an already revoked key changes nothing (the first revocation time stays).
    """
    with engine.begin() as conn:
        res = conn.execute(
            api_keys.update().where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None)).values(revoked_at=_now())
        )
        newly = res.rowcount == 1
    rec = get_key(engine, key_id)
    if rec is None:
        return None
    return rec, newly
