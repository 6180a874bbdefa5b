"""End-to-end hotspot endpoints (issue 4) against a real server in a second process:
N incidents in a 90-day window, then the cold (first) and warm median latency of
``/hotspots`` (default DBSCAN), ``/hotspots/overlap`` and ``/hotspots/gistar`` on
data zones and a 100 m grid. Baseline in the same run: ``/health``.

    python bench/bench_hotspots_http.py --n 100000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


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
                    print(f"{name}: n={args.n} cold_s={cold:.2f} warm_median_s={statistics.median(warm):.3f}{extra}", flush=True)
        finally:
            proc.terminate()
            proc.wait(20)


if __name__ == "__main__":
    main()
