"""API keys: stored only as SHA-256 hashes; roles viewer < partner < analyst < admin."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from app.db import api_keys

ROLES = ("viewer", "partner", "analyst", "admin")
RANK = {r: i for i, r in enumerate(ROLES)}
BOOTSTRAP_NAME = "bootstrap-admin"


@dataclass(frozen=True)
class Principal:
    """Who is calling."""

    name: str
    role: str

    def at_least(self, role: str) -> bool:
        """True when this principal's role is ``role`` or stronger."""
        return RANK[self.role] >= RANK[role]

    @property
    def sees_records(self) -> bool:
        """Partner, analyst and admin see incident-level records."""
        return self.at_least("partner")


def hash_key(key: str) -> str:
    """SHA-256 hex digest of a key (keys are long random tokens, so no salt/KDF needed)."""
    return hashlib.sha256(key.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def create_key(engine: Engine, *, role: str, name: str) -> str:
    """Create a key, store its hash and return the key (shown once)."""
    if role not in ROLES:
        msg = f"unknown role {role!r}: expected one of {', '.join(ROLES)}"
        raise ValueError(msg)
    if not name.strip():
        msg = "a key needs a non-empty name"
        raise ValueError(msg)
    key = "hs_" + secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(api_keys.insert().values(name=name.strip()[:100], role=role, key_hash=hash_key(key), created_at=_now()))
    return key


def ensure_admin_key(engine: Engine, key: str) -> None:
    """Make sure an admin key with this value exists (HOTSPOTS_ADMIN_KEY)."""
    h = hash_key(key)
    with engine.begin() as conn:
        row = conn.execute(sa.select(api_keys.c.id).where(api_keys.c.key_hash == h)).first()
        if row is None:
            conn.execute(api_keys.insert().values(name=BOOTSTRAP_NAME, role="admin", key_hash=h, created_at=_now()))


def lookup(engine: Engine, key: str) -> Principal | None:
    """The principal for a presented key, or None when unknown or revoked."""
    h = hash_key(key)
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(api_keys.c.name, api_keys.c.role, api_keys.c.key_hash, api_keys.c.revoked_at).where(api_keys.c.key_hash == h)
        ).first()
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.key_hash, h):
        return None
    return Principal(name=row.name, role=row.role)
