"""The pattern categories of ArcGIS Emerging Hot Spot Analysis, applied to bin series.

A bin is a *hot* (*cold*) bin when its space-time Gi* is significant after FDR at the
chosen level with z > 0 (z < 0). With ``T`` steps, ``share`` = 0.9 and the final step
``T``, for each location (ArcGIS definitions; cold mirrors hot):

- ``new_hot``: hot in the final step and never hot before.
- ``consecutive_hot``: a single uninterrupted run of at least two hot bins ending in
  the final step, never hot before that run, and less than 90% of the bins hot.
- ``intensifying_hot``: hot in at least 90% of the steps, including the final one, with a
  significant upward Mann-Kendall trend of its z series.
- ``persistent_hot``: hot in at least 90% of the steps (the final one included; see
  historical) with no significant trend.
- ``diminishing_hot``: as intensifying, with a significant downward trend.
- ``sporadic_hot``: hot in the final step, on-and-off before, less than 90% of the bins
  hot and never a cold bin.
- ``oscillating_hot``: hot in the final step, cold in at least one earlier step, less
  than 90% of the bins hot.
- ``historical_hot``: not hot in the final step, but hot in at least 90% of the steps.
- ``no_pattern``: none of these.

Where ArcGIS's wording lets two categories apply, this order decides: a location whose
final bin is significant takes the pattern of that direction (so a history of cold bins
makes a newly hot place ``oscillating_hot``, not ``new_hot``); ``historical`` applies
only when the final bin is not significant in the other direction.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

HOT_PATTERNS = (
    "new_hot",
    "consecutive_hot",
    "intensifying_hot",
    "persistent_hot",
    "diminishing_hot",
    "sporadic_hot",
    "oscillating_hot",
    "historical_hot",
)
COLD_PATTERNS = tuple(p.replace("_hot", "_cold") for p in HOT_PATTERNS)
PATTERNS = (*HOT_PATTERNS, *COLD_PATTERNS, "no_pattern")

BoolArray = npt.NDArray[np.bool_]


def _final_run(flags: BoolArray) -> npt.NDArray[np.int64]:
    """Length of the run of True ending at the last step, per row."""
    rev = flags[:, ::-1]
    first_false = np.where(~rev.any(axis=1) | rev.all(axis=1), 0, np.argmin(rev, axis=1))
    return np.where(rev.all(axis=1), flags.shape[1], first_false).astype(np.int64)


def _one_direction(
    same: BoolArray,
    other: BoolArray,
    up: BoolArray,
    down: BoolArray,
    share: float,
    suffix: str,
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """(pattern decided by the final step, historical pattern) for one direction."""
    n_steps = same.shape[1]
    count = same.sum(axis=1)
    final = same[:, -1]
    most = count >= share * n_steps - 1e-9
    other_before = other[:, :-1].any(axis=1)
    run = _final_run(same)
    out = np.full(same.shape[0], None, dtype=object)
    choices = [
        (most & final & up, "intensifying"),
        (most & final & down, "diminishing"),
        (most & final, "persistent"),
        (~most & final & other_before, "oscillating"),
        (~most & final & (count == 1), "new"),
        (~most & final & (run == count) & (run >= 2), "consecutive"),
        (~most & final, "sporadic"),
    ]
    for mask, name in reversed(choices):  # earlier entries win
        out[mask] = f"{name}_{suffix}"
    hist = np.full(same.shape[0], None, dtype=object)
    hist[most & ~final] = f"historical_{suffix}"
    return out, hist


def classify_patterns(
    hot: npt.ArrayLike,
    cold: npt.ArrayLike,
    trend_z: npt.ArrayLike,
    trend_p: npt.ArrayLike,
    *,
    trend_alpha: float = 0.05,
    share: float = 0.9,
) -> npt.NDArray[np.object_]:
    """The emerging pattern of each location (see the module docstring).

    Parameters
    ----------
    hot, cold
        ``N × T`` booleans: significant hot / cold bins, oldest step first.
    trend_z, trend_p
        Mann-Kendall z and two-sided p of each location's Gi* z series.
    trend_alpha
        A trend is significant when ``trend_p <= trend_alpha``.
    share
        The "90 percent of the time-step intervals" of ArcGIS.

    Returns
    -------
    numpy.ndarray
        One of :data:`PATTERNS` per location.
    """
    h = np.asarray(hot, dtype=bool)
    c = np.asarray(cold, dtype=bool)
    tz = np.asarray(trend_z, dtype=np.float64)
    sig = np.asarray(trend_p, dtype=np.float64) <= trend_alpha
    up, down = sig & (tz > 0), sig & (tz < 0)
    hot_final, hot_hist = _one_direction(h, c, up, down, share, "hot")
    cold_final, cold_hist = _one_direction(c, h, down, up, share, "cold")
    out = np.full(h.shape[0], "no_pattern", dtype=object)
    for layer in (hot_hist, cold_hist, cold_final, hot_final):  # later layers win
        keep = layer != None  # noqa: E711 - object array comparison
        out[keep] = layer[keep]
    return out
