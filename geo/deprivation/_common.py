"""Private helpers and constants shared by the deprivation modules."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

#: Thresholds always reported in ``by_threshold`` (plus the requested one).
STANDARD_PCTS: tuple[int, ...] = (5, 10, 15, 20)
#: METHODS §9 asks for B >= 2000 bootstrap resamples.
DEFAULT_N_BOOT = 2000
LOCAL_TZ = "Europe/London"
CI_METHOD = (
    "percentile bootstrap: incidents resampled with replacement (each keeping its data "
    "zone), populations fixed; 95% = 2.5th-97.5th percentiles"
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def _num(x: float) -> float | int:
    """An integral float as int (15.0 -> 15) for tidy JSON."""
    return int(x) if float(x).is_integer() else float(x)


def _pair(ci: tuple[float, float] | None) -> list[float] | None:
    return None if ci is None else [float(ci[0]), float(ci[1])]


def _div(a: float, b: float) -> float | None:
    return float(a) / float(b) if b > 0 else None


def _percentile_ci(x: FloatArray) -> tuple[float, float]:
    lo, hi = np.percentile(x, [2.5, 97.5])
    return float(lo), float(hi)
