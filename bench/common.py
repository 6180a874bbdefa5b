"""Shared helpers for the benchmarks: synthetic incidents inside the real data zones."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from geo.boundaries import Boundaries, load_boundaries

ROOT = Path(__file__).resolve().parent.parent
BOUNDARIES = Path(os.environ.get("HOTSPOTS_BOUNDARIES_DIR", ROOT.parent / "shared" / "data" / "boundaries"))
CATS = ["vandalism", "antisocial_behaviour", "theft", "assault", "deliberate_secondary_fire", "deliberate_fire"]


def boundaries() -> Boundaries:
    return load_boundaries(BOUNDARIES)


def synthetic(b: Boundaries, n: int, *, seed: int = 0, months: int = 24) -> pd.DataFrame:
    """n native records at random points inside random data zones over ``months`` months."""
    rng = np.random.default_rng(seed)
    per = max(1, n // len(b.datazones) + 1)
    pts = b.datazones.sample_points(size=per, rng=rng).explode(index_parts=False)
    x = pts.x.to_numpy()[:n]
    y = pts.y.to_numpy()[:n]
    if len(x) < n:
        idx = rng.integers(0, len(x), n - len(x))
        x, y = np.r_[x, x[idx]], np.r_[y, y[idx]]
    order = rng.permutation(n)
    x, y = x[order], y[order]
    agency = np.where(rng.random(n) < 0.88, "police", "fire")
    cat = np.array(CATS)[np.where(agency == "police", rng.integers(0, 4, n), rng.integers(4, 6, n))]
    end = pd.Timestamp.now().normalize()
    secs = rng.integers(0, months * 30 * 86400, n)
    when = (end - pd.to_timedelta(secs, unit="s")).strftime("%Y-%m-%dT%H:%M:%S")
    return pd.DataFrame({"source_id": [f"B{i}" for i in range(n)], "agency": agency, "category": cat,
                         "occurred_at": when, "easting": np.round(x, 1), "northing": np.round(y, 1)})
