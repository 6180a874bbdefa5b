"""Joint-attendance linking benchmark (issue 12 item 6): :func:`geo.events.link_events`
on N synthetic records over West Lothian and a year (80% police, 20% fire, and a fire
twin within 14 m and 15 minutes for 5% of the police records).

    python bench/bench_events.py --n 1000000 [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def frame(n: int, seed: int = 0) -> tuple[pd.DataFrame, int]:
    rng = np.random.default_rng(seed)
    k = n // 20
    m = n - k
    x = rng.uniform(295_000, 310_000, m)
    y = rng.uniform(660_000, 675_000, m)
    t = rng.uniform(0, 365 * 24 * 60, m)
    ag = np.where(rng.random(m) < 0.8, "police", "fire")
    pol = np.flatnonzero(ag == "police")
    src = rng.choice(pol, k, replace=False)
    df = pd.DataFrame({
        "agency": np.concatenate([ag, np.full(k, "fire")]),
        "easting": np.concatenate([x, x[src] + rng.uniform(0, 10, k)]),
        "northing": np.concatenate([y, y[src] + rng.uniform(0, 10, k)]),
        "occurred_at": pd.Timestamp("2025-01-01", tz="UTC")
        + pd.to_timedelta(np.concatenate([t, t[src] + rng.uniform(0, 15, k)]), unit="min"),
    })
    return df, k


def main() -> None:
    from geo.events import link_events

    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    df, k = frame(a.n)
    times = []
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        r = link_events(df, metres=50, minutes=30)
        times.append(time.perf_counter() - t0)
    print(f"n={a.n} planted={k} linked={r.n_pairs} best={min(times):.2f}s median={sorted(times)[len(times) // 2]:.2f}s")


if __name__ == "__main__":
    main()
