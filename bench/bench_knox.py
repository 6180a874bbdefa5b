"""Knox near-repeat benchmark (issue 14): 20,000 incidents, 999 permutations, < 5 s.

    python bench/bench_knox.py [--n 20000] [--permutations 999]

Incidents: a sample of the seeded demo (real West Lothian spatial structure, towns
dense). Default bands 0-400 m by 100 m and 0-28 days by 7 days. The baseline in the same
run is the plain all-pairs method in numpy (every pair's distance and permuted time gap,
then ``bincount``) timed on a 2,000-incident subsample and scaled by the pair count
(``n(n-1)/2``) and the permutations; it is also checked to give the same observed table
on that subsample.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import boundaries  # noqa: E402
from geo.demo import generate_demo  # noqa: E402
from geo.patterns.knox import (  # noqa: E402
    DEFAULT_DISTANCE_BANDS_M,
    DEFAULT_TIME_BANDS_DAYS,
    knox_test,
)


def brute_numpy(x: np.ndarray, y: np.ndarray, t: np.ndarray, perms: int, seed: int = 0) -> tuple[np.ndarray, float]:
    """All pairs in numpy: observed table and seconds for ``perms`` permutations."""
    d_e, t_e = np.asarray(DEFAULT_DISTANCE_BANDS_M), np.asarray(DEFAULT_TIME_BANDS_DAYS)
    nd, nt = len(d_e) - 1, len(t_e) - 1
    iu = np.triu_indices(len(x), 1)
    dband = np.digitize(np.hypot(x[iu[0]] - x[iu[1]], y[iu[0]] - y[iu[1]]), d_e) - 1

    def table(tt: np.ndarray) -> np.ndarray:
        tb = np.digitize(np.abs(tt[iu[0]] - tt[iu[1]]), t_e) - 1
        ok = (dband < nd) & (tb < nt)
        return np.bincount(dband[ok] * nt + tb[ok], minlength=nd * nt).reshape(nd, nt)

    obs = table(t)
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    for _ in range(perms):
        table(t[rng.permutation(len(t))])
    return obs, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--permutations", type=int, default=999)
    args = ap.parse_args()
    b = boundaries()
    demo = generate_demo(b.datazones, b.wards, end="2026-12-01").incidents
    inc = demo.sample(args.n, random_state=1)
    x, y = inc["easting"].to_numpy(float), inc["northing"].to_numpy(float)
    days = pd.to_datetime(inc["occurred_at"]).dt.normalize().map(pd.Timestamp.toordinal).to_numpy()
    knox_test(x[:300], y[:300], days[:300], permutations=9)  # compile (numba caches it on disk)
    t0 = time.perf_counter()
    res = knox_test(x, y, days, permutations=args.permutations, seed=0)
    fast = time.perf_counter() - t0
    m = 2000
    small = knox_test(x[:m], y[:m], days[:m], permutations=0)
    obs, secs = brute_numpy(x[:m], y[:m], days[:m], perms=20)
    assert (obs == small.observed).all(), "baseline and KD-tree disagree"
    scale = (args.n * (args.n - 1)) / (m * (m - 1)) * (args.permutations / 20)
    print(f"incidents {args.n}, permutations {args.permutations}, close pairs {res.n_pairs_close:,} "
          f"of {res.n_pairs_total:,}")
    print(f"knox_test (KD-tree pairs + compiled permutation loop): {fast:.2f} s  (target < 5 s)")
    print(f"baseline all-pairs numpy: {secs:.2f} s for 20 permutations of {m} incidents -> "
          f"~{secs * scale:.0f} s scaled to {args.n} incidents x {args.permutations} (x{secs * scale / fast:.0f})")


if __name__ == "__main__":
    main()
