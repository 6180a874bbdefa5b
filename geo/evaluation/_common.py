"""Private helpers shared by the evaluation modules: validation and JSON-safe floats."""

from __future__ import annotations

import math
import numbers

from geo.errors import ParameterError

#: Two-sided 95% normal quantile, ``scipy.stats.norm.ppf(0.975)``.
Z975 = 1.959963984540054


def _finite(x: float | None) -> float | None:
    """JSON-safe float: None for None, NaN or ±inf."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _pair(ci: tuple[float, float] | None) -> list[float | None] | None:
    return None if ci is None else [_finite(ci[0]), _finite(ci[1])]


def _two_sided_normal_p(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2.0))


def _count(value: object, name: str) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not float(value).is_integer()
        or value < 0
    ):
        msg = f"`{name}` must be a non-negative whole count, got {value!r}"
        raise ParameterError(msg, param=name)
    return int(float(value))


def _positive(value: object, name: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(float(value))
        or value <= 0
    ):
        msg = f"`{name}` must be a positive number, got {value!r}"
        raise ParameterError(msg, param=name)
    return float(value)
