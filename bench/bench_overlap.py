"""Issue 12 item 7: overlap hotspots with their permutation tests, and the /hotspots
default cold, each against plain-library baselines run in the same process.

    python bench/bench_overlap.py --n 100000 1000000 --workload pooled unique

Each (N, workload) runs in a fresh subprocess (so "cold" is the process's first call,
numba's cached machine code loaded, and the peak memory is its own) under an
address-space limit (``--max-gb``, default 14) so that a runaway run fails alone.

Workloads: ``pooled`` is the planted scene of bench_hotspots.py (N background incidents
on a pool of 50k addresses, with planted overlap / police / fire clusters); ``unique``
is bench.common.synthetic (N incidents at distinct points spread over the data zones,
12% fire, the data of bench_hotspots_http.py), the hard case for fixed-radius steps.

Figures:
- ``hotspots_default_cold_s``: ``to_geojson(find_hotspots(df, b))``, first call.
- ``params_eps_s``: the default-eps step alone (``params.choose_dbscan_eps``), warm.
- ``overlap_s``: ``find_hotspots`` (with its select-and-test overlap test, 199
  relabellings) + ``overlap_hotspots`` (its mean local CLQs and the global CLQ pair,
  199 relabellings).
- baseline ``sklearn_dbscan_s``: ``sklearn.cluster.DBSCAN`` with the same eps and
  min_samples on every row (skipped, with the memory it would need, when its
  neighbourhood lists would exceed a third of the limit); ``numpy_199_permutations_s``:
  199 x (``rng.permutation`` of the agency codes + ``np.bincount`` of fire per hotspot),
  the least a permutation test does; ``baseline_s`` their sum.
- ``overlap_ratio`` = overlap_s / baseline_s, ``cold_ratio`` = cold / sklearn DBSCAN.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _t(f):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    r = f()
    return r, time.perf_counter() - t


def _frame(n: int, workload: str):  # type: ignore[no-untyped-def]
    from bench.common import boundaries, synthetic
    from geo.planted import ClusterSpec, plant_incidents

    b = boundaries()
    if workload == "unique":
        return b, synthetic(b, n)
    specs = [ClusterSpec("overlap", n=400, radius_m=150), ClusterSpec("police", n=400),
             ClusterSpec("fire", n=300), ClusterSpec("overlap", n=300, radius_m=120)]
    df, _ = plant_incidents(b, seed=0, n_background=n, clusters=specs, location_pool=min(n, 50_000))
    return b, df


def one(n: int, workload: str, max_gb: float) -> dict[str, object]:
    import numpy as np
    from scipy.spatial import cKDTree
    from sklearn.cluster import DBSCAN

    from geo.hotspots import find_hotspots, overlap_hotspots, params, to_geojson
    from geo.hotspots._common import collapse_locations

    b, df = _frame(n, workload)
    xy = df[["easting", "northing"]].to_numpy()
    out: dict[str, object] = {"workload": workload, "n": len(df), "unique_locations": len(np.unique(xy, axis=0))}
    r, out["hotspots_default_cold_s"] = _t(lambda: to_geojson(find_hotspots(df, b)))
    t0 = time.perf_counter()
    r = find_hotspots(df, b)
    out["find_hotspots_s"] = time.perf_counter() - t0
    o = overlap_hotspots(r, df, permutations=199)
    out["overlap_s"] = time.perf_counter() - t0
    out["hotspots"], out["overlap_hotspots"] = len(r.hotspots), len(o.hotspots)
    out["peak_rss_service_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    eps, ms = float(r.parameters["eps_m"]), int(r.parameters["min_samples"])
    out["eps_m"], out["min_samples"] = eps, ms
    # scikit-learn keeps every row's neighbour list (8 bytes an entry, and a copy):
    # estimated from every 50th distinct location
    uniq, _, mult = collapse_locations(xy)
    # the default-eps step alone (k-distance elbow, geo.hotspots.params), warm
    ms0 = params.default_min_samples(len(xy), uniq.shape[0])
    _, out["params_eps_s"] = _t(lambda: params.choose_dbscan_eps(uniq, mult, ms0))
    rows = np.arange(0, uniq.shape[0], 50)
    balls = cKDTree(uniq).query_ball_point(uniq[rows], eps)
    per_loc = np.array([mult[bl].sum() for bl in balls], dtype=np.float64)
    need_gb = 16 * 50 * float((per_loc * mult[rows]).sum()) / 1e9
    out["sklearn_dbscan_needs_gb"] = need_gb
    if need_gb < max_gb / 3:
        lab, out["sklearn_dbscan_s"] = _t(lambda: DBSCAN(eps=eps, min_samples=ms).fit(xy).labels_)
        out["dbscan_labels_equal_sklearn"] = bool((lab == r.labels).all())
    rng = np.random.default_rng(0)
    codes = (df["agency"].to_numpy() == "fire").astype(np.int64)
    hot = r.hotspot_labels if r.hotspot_labels is not None else r.labels
    inside = hot >= 0

    def perms() -> None:
        for _ in range(199):
            p = rng.permutation(codes)
            np.bincount(hot[inside], weights=p[inside])

    _, out["numpy_199_permutations_s"] = _t(perms)
    if "sklearn_dbscan_s" in out:
        base = out["sklearn_dbscan_s"] + out["numpy_199_permutations_s"]  # type: ignore[operator]
        out["baseline_s"] = base
        out["overlap_ratio"] = out["overlap_s"] / base  # type: ignore[operator]
        out["cold_ratio"] = out["hotspots_default_cold_s"] / out["sklearn_dbscan_s"]  # type: ignore[operator]
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, nargs="+", default=[100_000])
    ap.add_argument("--workload", nargs="+", default=["pooled", "unique"], choices=["pooled", "unique"])
    ap.add_argument("--max-gb", type=float, default=14.0)
    ap.add_argument("--child", nargs=2)
    args = ap.parse_args()
    if args.child:
        lim = int(args.max_gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
        print(json.dumps(one(int(args.child[0]), args.child[1], args.max_gb)))
        return
    for n in args.n:
        for wl in args.workload:
            r = subprocess.run([sys.executable, __file__, "--child", str(n), wl, "--max-gb", str(args.max_gb)],
                               capture_output=True, text=True)
            if r.returncode:
                print(f"workload={wl} n={n} FAILED rc={r.returncode}: {r.stderr.strip().splitlines()[-1:]}", flush=True)
                continue
            doc = json.loads(r.stdout.strip().splitlines()[-1])
            print(" ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in doc.items()), flush=True)


if __name__ == "__main__":
    main()
