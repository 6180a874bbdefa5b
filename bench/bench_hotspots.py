"""Hotspot engine benchmark (issue 4). Every figure is reported with a ratio against plain
scikit-learn run on the same points in the same process.

    python bench/bench_hotspots.py --n 100000 1000000

Per N (in a fresh subprocess, for peak memory): the /hotspots default (find_hotspots with
default parameters, places, significance and the 199-relabelling overlap test, then
GeoJSON) as the process's first call ("cold"); overlap hotspots with their permutation
tests (find_hotspots default + overlap_hotspots, 199 relabellings) against the plain
libraries doing the least comparable work (scikit-learn DBSCAN on every row + 199 NumPy
label permutations of the window); find_hotspots DBSCAN with eps 60 m vs sklearn DBSCAN;
HDBSCAN (N <= 100k) vs sklearn HDBSCAN; overlap hotspots of the eps-60 result; Gi* on data zones and on a 100 m grid; the first
Gi* call in the process (no numba compile: the service's Gi* is its own vectorised
implementation, esda is only the test oracle).
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


def one(n: int, hdbscan: bool) -> dict[str, object]:
    import numpy as np
    from sklearn.cluster import DBSCAN, HDBSCAN

    from bench.common import boundaries
    from geo.gistar import gistar_datazones, gistar_grid
    from geo.hotspots import find_hotspots, overlap_hotspots, to_geojson
    from geo.planted import ClusterSpec, plant_incidents

    b = boundaries()
    specs = [ClusterSpec("overlap", n=400, radius_m=150), ClusterSpec("police", n=400),
             ClusterSpec("fire", n=300), ClusterSpec("overlap", n=300, radius_m=120)]
    df, _ = plant_incidents(b, seed=0, n_background=n, clusters=specs, location_pool=min(n, 50_000))
    xy = df[["easting", "northing"]].to_numpy()
    out: dict[str, object] = {"n": len(df), "unique_locations": len(np.unique(xy, axis=0))}
    r, out["hotspots_default_cold_s"] = _t(lambda: to_geojson(find_hotspots(df, b)))
    r, out["find_hotspots_default_s"] = _t(lambda: find_hotspots(df, b))
    o, out["overlap_hotspots_199perm_s"] = _t(lambda: overlap_hotspots(r, df, permutations=199))
    out["overlap_total_s"] = out["find_hotspots_default_s"] + out["overlap_hotspots_199perm_s"]  # type: ignore[operator]
    out["hotspots"], out["overlap_hotspots"] = len(r.hotspots), len(o.hotspots)
    out["significant_hotspots"] = sum(h.significant for h in r.hotspots)
    out["max_area_km2"] = max((h.area_km2 for h in r.hotspots), default=0.0)
    rng = np.random.default_rng(0)
    codes = df["agency"].to_numpy()
    _, out["numpy_199_label_permutations_s"] = _t(lambda: [rng.permutation(codes) for _ in range(199)])
    _, t = _t(lambda: gistar_datazones(df, b))
    out["gistar_datazones_first_call_s"] = t
    _, out["gistar_datazones_s"] = _t(lambda: gistar_datazones(df, b))
    _, out["gistar_grid_100m_s"] = _t(lambda: gistar_grid(df, b, cell_m=100))
    r, out["dbscan_default_s"] = _t(lambda: find_hotspots(df, b, overlap_permutations=0))
    out["dbscan_default_eps_m"] = r.parameters["eps_m"]
    # peak so far: data + Gi* + our DBSCAN, before any scikit-learn baseline has run
    out["peak_rss_before_baselines_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ms = int(r.parameters["min_samples"])
    lab, out["sklearn_dbscan_same_params_s"] = _t(lambda: DBSCAN(eps=r.parameters["eps_m"], min_samples=ms).fit(xy).labels_)
    out["dbscan_labels_equal_sklearn"] = bool((lab == r.labels).all())
    out["dbscan_default_ratio_vs_sklearn"] = out["dbscan_default_s"] / out["sklearn_dbscan_same_params_s"]  # type: ignore[operator]
    # plain-library baseline of the overlap pipeline: sklearn DBSCAN on every row plus
    # 199 NumPy permutations of the labels (no co-location statistic at all)
    base = out["sklearn_dbscan_same_params_s"] + out["numpy_199_label_permutations_s"]  # type: ignore[operator]
    out["baseline_sklearn_dbscan_plus_199_permutations_s"] = base
    out["overlap_ratio_vs_baseline"] = out["overlap_total_s"] / base  # type: ignore[operator]
    out["hotspots_default_cold_ratio_vs_sklearn_dbscan"] = out["hotspots_default_cold_s"] / out["sklearn_dbscan_same_params_s"]  # type: ignore[operator]
    r60, out["dbscan_eps60_ms20_s"] = _t(lambda: find_hotspots(df, b, eps_m=60.0, min_samples=20))
    _, out["sklearn_dbscan_eps60_ms20_s"] = _t(lambda: DBSCAN(eps=60.0, min_samples=20).fit(xy))
    out["dbscan_eps60_ratio_vs_sklearn"] = out["dbscan_eps60_ms20_s"] / out["sklearn_dbscan_eps60_ms20_s"]  # type: ignore[operator]
    _, out["overlap_eps60_199perm_s"] = _t(lambda: overlap_hotspots(r60, df, permutations=199))
    if hdbscan:
        h, out["hdbscan_default_s"] = _t(lambda: find_hotspots(df, b, method="hdbscan"))
        mcs = int(h.parameters["min_cluster_size"])
        _, out["sklearn_hdbscan_s"] = _t(lambda: HDBSCAN(min_cluster_size=mcs).fit(xy))
        out["hdbscan_ratio_vs_sklearn"] = out["hdbscan_default_s"] / out["sklearn_hdbscan_s"]  # type: ignore[operator]
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, nargs="+", default=[100_000])
    ap.add_argument("--child", type=int)
    ap.add_argument("--hdbscan-max", type=int, default=100_000)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(one(args.child, args.child <= args.hdbscan_max)))
        return
    for n in args.n:
        r = subprocess.run([sys.executable, __file__, "--child", str(n), "--hdbscan-max", str(args.hdbscan_max)],
                           capture_output=True, text=True, check=True)
        doc = json.loads(r.stdout.strip().splitlines()[-1])
        print(" ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in doc.items()), flush=True)


if __name__ == "__main__":
    main()
