"""Per-key rate limiting: a token bucket per API key, in process memory.

Each key has a bucket of ``burst`` tokens (default: the per-minute limit) refilled at
``per_minute / 60`` tokens a second; a request takes one token, and a request that finds
the bucket empty is refused with the seconds until a token is back (HTTP 429 with
``Retry-After``). So one client cannot starve the service while a meeting is using it,
and normal interactive use (well under the limit) never notices. The state is per
process: with several worker processes each enforces its own limit.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any

MAX_BUCKETS = 10_000


class RateLimiter:
    """Token buckets keyed by an arbitrary string (the key id).

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
        self.capacity = float(
            burst if burst is not None and burst > 0 else max(per_minute, 1)
        )
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
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                if len(self._buckets) > MAX_BUCKETS:
                    self._prune(now)
                return 0
            self._buckets[key] = (tokens, now)
            return max(1, math.ceil((1.0 - tokens) / self.rate))

    def _prune(self, now: float) -> None:
        """Forget buckets that have refilled completely (they equal a fresh bucket)."""
        full = [
            k
            for k, (t, last) in self._buckets.items()
            if t + (now - last) * self.rate >= self.capacity
        ]
        for k in full:
            del self._buckets[k]


_lock = threading.Lock()


def limiter_for(svc: Any) -> RateLimiter:
    """The service's limiter (created on first use from its settings)."""
    existing: RateLimiter | None = svc.__dict__.get("_rate_limiter")
    if existing is not None:
        return existing
    with _lock:
        if "_rate_limiter" not in svc.__dict__:
            s = svc.settings
            svc.__dict__["_rate_limiter"] = RateLimiter(
                s.rate_limit_per_minute, burst=s.rate_limit_burst
            )
        limiter: RateLimiter = svc.__dict__["_rate_limiter"]
        return limiter
