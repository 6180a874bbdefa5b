"""numba's ``njit``/``prange`` when installed, else plain Python stand-ins (slow, same results)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

try:
    from numba import get_num_threads, njit, prange
except ImportError:  # pragma: no cover - numba is a dependency; this keeps geo importable without it
    prange = range  # type: ignore[misc]

    def njit(*args: Any, **kwargs: Any) -> Callable[[Any], Any]:  # type: ignore[no-redef]
        """No-op decorator standing in for ``numba.njit``."""
        return lambda f: f

    def get_num_threads() -> int:
        """One thread without numba."""
        return 1

__all__ = ["get_num_threads", "njit", "prange"]
