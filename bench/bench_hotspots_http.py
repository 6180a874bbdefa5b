"""End-to-end hotspot endpoints (issue 4) against a real server in a second process:
N incidents in a 90-day window, then the cold (first) and warm median latency of
``/hotspots`` (default DBSCAN), ``/hotspots/overlap`` and ``/hotspots/gistar`` on
data zones and a 100 m grid. Baselines in the same run: ``/health``, and for the cold
default ``/hotspots`` the plain libraries doing its two heaviest steps: reading the
window's rows with ``sqlite3`` + ``pandas.read_sql`` and one scikit-learn ``DBSCAN`` on
their points with the eps and min_samples the response chose (``plain_s``, and the ratio
``cold_s / plain_s``). The service does more than that (parameter choice, places,
significance, the overlap test, polygons, linking, disclosure), so a ratio near 1 is the
target, not a floor.

    python bench/bench_hotspots_http.py --n 100000
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def plain_baseline(db: Path, doc: dict[str, Any]) -> tuple[float, float]:
    """Seconds for plain sqlite3 + pandas to read the response's window and for one
    scikit-learn DBSCAN (the response's eps_m, min_samples) on those points."""
    import pandas as pd
    from sklearn.cluster import DBSCAN

    from app.analysis import ANALYSIS_COLUMNS

    def utc(iso: str) -> str:
        return pd.Timestamp(iso).tz_convert("UTC").strftime("%Y-%m-%d %H:%M:%S.%f")

    t = time.perf_counter()
    with sqlite3.connect(db) as con:
        df = pd.read_sql(f"SELECT {', '.join(ANALYSIS_COLUMNS)} FROM incidents WHERE occurred_at >= ? AND occurred_at < ? "
                         "ORDER BY id", con, params=(utc(doc["period"]["from"]), utc(doc["period"]["to"])))
    read_s = time.perf_counter() - t
    p = doc["parameters"]
    t = time.perf_counter()
    DBSCAN(eps=p["eps_m"], min_samples=p["min_samples"]).fit(df[["easting", "northing"]].to_numpy())
    return read_s, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=5)
    args = ap.parse_args()
    from app.config import Settings
    from app.service import Service
    from bench.bench_stats import _serve
    from bench.common import BOUNDARIES, boundaries, synthetic
    from geo.ingest import parse_native_file

    with tempfile.TemporaryDirectory() as tmpd:
        tmp = Path(tmpd)
        url = f"sqlite:///{tmp / 'hot.db'}"
        b = boundaries()
        svc = Service(Settings(database_url=url, boundaries_dir=BOUNDARIES, data_dir=tmp), boundaries=b)
        df = synthetic(b, args.n, months=3)
        svc.store(svc.validate(parse_native_file(df.to_csv(index=False).encode())), fmt="native", filename="b", key_name="b")
        svc.engine.dispose()
        proc, base = _serve(url, tmp)
        try:
            with httpx.Client(base_url=base, timeout=600, trust_env=False) as c:
                for name, path, params in (
                    ("health", "/api/v1/health", {}),
                    ("hotspots_default", "/api/v1/hotspots", {}),
                    ("hotspots_overlap", "/api/v1/hotspots/overlap", {}),
                    ("gistar_datazone", "/api/v1/hotspots/gistar", {"unit": "datazone", "from": "2000-01-01"}),
                    ("gistar_grid_100m", "/api/v1/hotspots/gistar", {"unit": "grid", "cell_m": 100, "from": "2000-01-01"}),
                ):
                    t = time.perf_counter()
                    r = c.get(path, params=params)
                    cold = time.perf_counter() - t
                    r.raise_for_status()
                    warm = []
                    for _ in range(args.requests):
                        t = time.perf_counter()
                        c.get(path, params=params).raise_for_status()
                        warm.append(time.perf_counter() - t)
                    extra = f" features={len(r.json()['features'])}" if "features" in r.json() else ""
                    if name == "hotspots_default":
                        read_s, dbscan_s = plain_baseline(tmp / "hot.db", r.json())
                        plain = read_s + dbscan_s
                        extra += (f" plain_read_s={read_s:.2f} plain_sklearn_dbscan_s={dbscan_s:.2f} plain_s={plain:.2f}"
                                  f" ratio_cold_vs_plain={cold / plain:.2f}")
                    print(f"{name}: n={args.n} cold_s={cold:.2f} warm_median_s={statistics.median(warm):.3f}{extra}", flush=True)
        finally:
            proc.terminate()
            proc.wait(20)


if __name__ == "__main__":
    main()
