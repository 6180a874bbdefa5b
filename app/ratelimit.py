"""Rate limiting: token buckets per API key, and per client address for wrong keys.

Each bucket holds up to ``burst`` tokens (default: the per-minute limit), refilled at
``per_minute / 60`` tokens a second; a request takes one token, and a request that finds
the bucket empty is refused with the seconds until a token is back (HTTP 429 with
``Retry-After``). So one client cannot starve the service while a meeting is using it,
and normal interactive use (well under the limit) never notices.

The service keeps its buckets in the database (:class:`DbRateLimiter`, table
``rate_buckets``), so every worker process of ``hotspots serve --workers N`` enforces one
shared limit: on PostgreSQL the bucket row is locked (``SELECT … FOR UPDATE``) while it is
refilled and taken from; on SQLite one conditional ``UPDATE`` refills and takes in a
single statement (SQLite runs one writer at a time). :class:`RateLimiter` is the same
arithmetic in process memory.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine

from app.db import rate_buckets

MAX_BUCKETS = 10_000
PRUNE_EVERY = 500  # on average, one request in this many forgets full buckets


def refill(tokens: float, last: float, now: float, *, capacity: float, rate: float) -> float:
    """Tokens in a bucket at ``now`` that held ``tokens`` at ``last``."""
    return min(capacity, tokens + max(0.0, now - last) * rate)


def wait_for_token(tokens: float, rate: float) -> int:
    """Whole seconds until a bucket holding ``tokens`` (< 1) has one token (>= 1)."""
    return max(1, math.ceil((1.0 - tokens) / rate))


class RateLimiter:
    """Token buckets keyed by an arbitrary string, in process memory.

    Parameters
    ----------
    per_minute
        Sustained requests per minute per key; 0 or less disables limiting.
    burst
        Bucket size (requests allowed at once after a quiet spell); default
        ``per_minute``.
    clock
        Monotonic clock in seconds (injectable for tests).
    """

    def __init__(
        self,
        per_minute: int,
        *,
        burst: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_minute = per_minute
        self.capacity = float(burst if burst is not None and burst > 0 else max(per_minute, 1))
        self.rate = per_minute / 60.0
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}

    @property
    def enabled(self) -> bool:
        """Whether limiting is on."""
        return self.per_minute > 0

    def hit(self, key: str) -> int:
        """Take one token for ``key``: 0 when allowed, else the whole seconds to wait (>= 1)."""
        if not self.enabled:
            return 0
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.capacity, now))
            tokens = refill(tokens, last, now, capacity=self.capacity, rate=self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                if len(self._buckets) > MAX_BUCKETS:
                    self._prune(now)
                return 0
            self._buckets[key] = (tokens, now)
            return wait_for_token(tokens, self.rate)

    def peek(self, key: str) -> int:
        """0 when ``key`` has a token left, else the seconds to wait (takes nothing)."""
        if not self.enabled:
            return 0
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.capacity, now))
        tokens = refill(tokens, last, now, capacity=self.capacity, rate=self.rate)
        return 0 if tokens >= 1.0 else wait_for_token(tokens, self.rate)

    def _prune(self, now: float) -> None:
        """Forget buckets that have refilled completely (they equal a fresh bucket)."""
        full = [k for k, (t, last) in self._buckets.items() if t + (now - last) * self.rate >= self.capacity]
        for k in full:
            del self._buckets[k]


class DbRateLimiter:
    """Token buckets in the ``rate_buckets`` table, shared by every process using ``engine``.

    Parameters as :class:`RateLimiter`; ``prefix`` keeps this limiter's buckets apart from
    another's (``key:``, ``fail:``), and ``clock`` is wall-clock seconds (the same in
    every process).
    """

    def __init__(
        self,
        engine: Engine,
        per_minute: int,
        *,
        burst: int | None = None,
        prefix: str = "",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.engine = engine
        self.per_minute = per_minute
        self.capacity = float(burst if burst is not None and burst > 0 else max(per_minute, 1))
        self.rate = per_minute / 60.0
        self.prefix = prefix
        self._clock = clock

    @property
    def enabled(self) -> bool:
        """Whether limiting is on."""
        return self.per_minute > 0

    def hit(self, key: str) -> int:
        """Take one token for ``key``: 0 when allowed, else the whole seconds to wait (>= 1)."""
        if not self.enabled:
            return 0
        bucket, now = (self.prefix + key)[:120], self._clock()
        if self.engine.dialect.name == "postgresql":
            wait = self._hit_locked(bucket, now)
        else:
            wait = self._hit_update(bucket, now)
        if random.random() < 1.0 / PRUNE_EVERY:
            self._prune(now)
        return wait

    def _hit_locked(self, bucket: str, now: float) -> int:
        """PostgreSQL: lock the bucket's row, refill, take."""
        c = rate_buckets.c
        with self.engine.begin() as conn:
            conn.execute(pg_insert(rate_buckets).values(bucket=bucket, tokens=self.capacity, updated_at=now)
                         .on_conflict_do_nothing(index_elements=["bucket"]))
            row = conn.execute(sa.select(c.tokens, c.updated_at).where(c.bucket == bucket).with_for_update()).one()
            tokens = refill(row.tokens, row.updated_at, now, capacity=self.capacity, rate=self.rate)
            allowed = tokens >= 1.0
            conn.execute(rate_buckets.update().where(c.bucket == bucket)
                         .values(tokens=tokens - 1.0 if allowed else tokens, updated_at=max(now, row.updated_at)))
        return 0 if allowed else wait_for_token(tokens, self.rate)

    def _hit_update(self, bucket: str, now: float) -> int:
        """SQLite: one UPDATE refills and takes a token only when one is there."""
        c = rate_buckets.c
        level = sa.func.min(self.capacity, c.tokens + sa.func.max(0.0, now - c.updated_at) * self.rate)
        with self.engine.begin() as conn:
            res = conn.execute(rate_buckets.update().where(c.bucket == bucket, level >= 1.0)
                               .values(tokens=level - 1.0, updated_at=now))
            if res.rowcount == 1:
                return 0
            ins = conn.execute(sqlite_insert(rate_buckets).values(bucket=bucket, tokens=self.capacity - 1.0, updated_at=now)
                               .on_conflict_do_nothing(index_elements=["bucket"]))
            if ins.rowcount == 1:
                return 0
            row = conn.execute(sa.select(c.tokens, c.updated_at).where(c.bucket == bucket)).one()
        return wait_for_token(refill(row.tokens, row.updated_at, now, capacity=self.capacity, rate=self.rate), self.rate)

    def peek(self, key: str) -> int:
        """0 when ``key`` has a token left, else the seconds to wait (takes nothing)."""
        if not self.enabled:
            return 0
        c = rate_buckets.c
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(c.tokens, c.updated_at).where(c.bucket == (self.prefix + key)[:120])).first()
        if row is None:
            return 0
        tokens = refill(row.tokens, row.updated_at, self._clock(), capacity=self.capacity, rate=self.rate)
        return 0 if tokens >= 1.0 else wait_for_token(tokens, self.rate)

    def _prune(self, now: float) -> None:
        """Forget this limiter's buckets that have refilled completely."""
        c = rate_buckets.c
        with self.engine.begin() as conn:
            conn.execute(rate_buckets.delete().where(
                c.bucket.startswith(self.prefix, autoescape=True),
                c.tokens + (now - c.updated_at) * self.rate >= self.capacity,
            ))


_lock = threading.Lock()


def _cached(svc: Any, name: str, build: Callable[[], Any]) -> Any:
    existing = svc.__dict__.get(name)
    if existing is not None:
        return existing
    with _lock:
        if name not in svc.__dict__:
            svc.__dict__[name] = build()
        return svc.__dict__[name]


def limiter_for(svc: Any) -> DbRateLimiter:
    """The service's per-key limiter (in the database, shared by its workers)."""
    s = svc.settings
    lim: DbRateLimiter = _cached(
        svc, "_rate_limiter", lambda: DbRateLimiter(svc.engine, s.rate_limit_per_minute, burst=s.rate_limit_burst)
    )
    return lim


def failure_limiter_for(svc: Any) -> DbRateLimiter:
    """The limiter of wrong-key attempts per client address (``auth_failures_per_minute``)."""
    s = svc.settings
    lim: DbRateLimiter = _cached(
        svc, "_failure_limiter", lambda: DbRateLimiter(svc.engine, s.auth_failures_per_minute, prefix="fail:")
    )
    return lim
