"""The audit trail: who did what, when, with which parameters and how big the result was.

Every write (ingest batch, tasking meeting/action/update, key created/revoked) and every
read of incident-level data (``GET /incidents``, including refused ones) is recorded in
``audit_log``. The log is append-only: this module has no update or delete path, and the
database rejects UPDATE and DELETE on the table with triggers (migration 0004).
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from app import csvsafe
from app.db import audit_log

MAX_PARAMS_CHARS = 8_000
CSV_COLUMNS = [
    "id",
    "at",
    "actor",
    "role",
    "action",
    "target",
    "outcome",
    "result_size",
    "params",
]


class Actor(Protocol):
    """Anything with a name and a role (a :class:`app.security.Principal`)."""

    @property
    def name(self) -> str: ...

    @property
    def role(self) -> str: ...


@dataclass(frozen=True)
class SystemActor:
    """A non-HTTP actor, e.g. the command line (``cli:<user>``, role ``cli``)."""

    name: str
    role: str = "cli"


def _params_json(params: Mapping[str, Any] | None) -> str:
    clean = {k: v for k, v in (params or {}).items() if v is not None and v != []}
    text = json.dumps(clean, sort_keys=True, default=str, ensure_ascii=False)
    if len(text) > MAX_PARAMS_CHARS:
        text = json.dumps({"truncated": True, "head": text[:MAX_PARAMS_CHARS]})
    return text


def record(
    db: Engine | Connection,
    who: Actor,
    action: str,
    *,
    target: str | int | None = None,
    params: Mapping[str, Any] | None = None,
    result_size: int | None = None,
    outcome: str = "ok",
) -> int:
    """Append one audit entry; returns its id.

    Pass a ``Connection`` to write inside the caller's transaction (the entry then
    commits or rolls back with the change it describes).
    """
    values = {
        "at": datetime.now(UTC).replace(tzinfo=None),
        "actor": str(who.name)[:100],
        "role": str(who.role)[:16],
        "action": action[:64],
        "target": None if target is None else str(target)[:200],
        "params": _params_json(params),
        "result_size": None if result_size is None else int(result_size),
        "outcome": outcome[:16],
    }
    if isinstance(db, Connection):
        res = db.execute(audit_log.insert().values(**values))
    else:
        with db.begin() as conn:
            res = conn.execute(audit_log.insert().values(**values))
    return int(res.inserted_primary_key[0])  # type: ignore[index]


def _row(r: Any) -> dict[str, Any]:
    return {
        "id": int(r.id),
        "at": r.at.replace(tzinfo=UTC).isoformat(),
        "actor": r.actor,
        "role": r.role,
        "action": r.action,
        "target": r.target,
        "outcome": r.outcome,
        "result_size": r.result_size,
        "params": json.loads(r.params) if r.params else {},
    }


def query(
    engine: Engine,
    *,
    actor: str | None = None,
    action: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    after_id: int | None = None,
    limit: int = 1000,
) -> list[dict[str, Any]]:
    """Entries in id (= time) order; ``action`` ending in ``*`` matches a prefix.

    ``start``/``end`` are naive UTC bounds of the half-open interval ``[start, end)``.
    Returns up to ``limit + 1`` rows so that callers can tell whether more follow.
    """
    c = audit_log.c
    q = sa.select(audit_log)
    if actor:
        q = q.where(c.actor == actor)
    if action:
        q = q.where(
            c.action.startswith(action[:-1], autoescape=True)
            if action.endswith("*")
            else c.action == action
        )
    if start is not None:
        q = q.where(c.at >= start)
    if end is not None:
        q = q.where(c.at < end)
    if after_id is not None:
        q = q.where(c.id > after_id)
    q = q.order_by(c.id).limit(limit + 1)
    with engine.connect() as conn:
        return [_row(r) for r in conn.execute(q)]


def to_csv(rows: list[dict[str, Any]]) -> str:
    """Entries as CSV (``params`` as a JSON string; formula-like cells escaped, :mod:`app.csvsafe`)."""
    buf = io.StringIO()
    w = csvsafe.writer(buf)
    w.writerow(CSV_COLUMNS)
    for r in rows:
        w.writerow(
            [
                ""
                if r[k] is None
                else (json.dumps(r[k], sort_keys=True) if k == "params" else r[k])
                for k in CSV_COLUMNS
            ]
        )
    return buf.getvalue()
