"""Hotspot id and rank score.

``id`` is ``"H-"`` + the first 12 hex digits of the SHA-1 of the method parameters and
the sorted ``agency:source_id`` keys of the members. The rank score is::

    score = n × (1.5 if overlap else 1) × clip(sqrt((second_half + 1) / (first_half + 1)), 0.5, 2)
              × (1 if significant else 0.25)

so the number of incidents counts most, joint police/fire problems (significant
co-location, :mod:`.overlap_significance`) weigh half as much again, a rising (falling)
trend raises (lowers) the score by at most a factor 2, and a hotspot that is not
significantly above its background (:mod:`.significance`) counts a quarter. Rank 1 is
the highest score (ties: more incidents, then id).
"""

from __future__ import annotations

import hashlib
import math

__all__ = ["NOT_SIGNIFICANT_WEIGHT", "OVERLAP_WEIGHT", "hotspot_id", "score"]

OVERLAP_WEIGHT = 1.5
NOT_SIGNIFICANT_WEIGHT = 0.25


def hotspot_id(params_key: str, keys: list[str]) -> str:
    h = hashlib.sha1(usedforsecurity=False)
    h.update(params_key.encode())
    if keys:  # the bytes of "\n" + key for every key in sorted order, hashed in one update
        h.update(("\n" + "\n".join(sorted(keys))).encode())
    return "H-" + h.hexdigest()[:12]


def score(
    n: int, overlap: bool, first: int, second: int, significant: bool = True
) -> float:
    """Rank score (module notes)."""
    trend_w = min(2.0, max(0.5, math.sqrt((second + 1) / (first + 1))))
    sig_w = 1.0 if significant else NOT_SIGNIFICANT_WEIGHT
    return round(n * (OVERLAP_WEIGHT if overlap else 1.0) * trend_w * sig_w, 6)
