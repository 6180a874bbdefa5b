"""Statistics latency benchmark (issue 3): with N incidents stored, the median latency of
``GET /api/v1/stats/wards`` for a 3-month window, against a real server in a second
process on 127.0.0.1, on SQLite and (if HOTSPOTS_BENCH_PG_URL is set) PostgreSQL.

    python bench/bench_stats.py --n 1000000 [--requests 30]

The baseline in the same run is ``GET /api/v1/health`` (a trivial query through the same
stack), reported as a ratio.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _load(url: str, n: int, tmp: Path) -> None:
    from app.config import Settings
    from app.service import Service
    from bench.common import BOUNDARIES, boundaries, synthetic
    from geo.ingest import parse_native_file

    b = boundaries()
    svc = Service(Settings(database_url=url, boundaries_dir=BOUNDARIES, data_dir=tmp), boundaries=b)
    if svc.count_incidents() >= n:
        return
    step = 250_000
    for i in range(0, n, step):
        df = synthetic(b, min(step, n - i), seed=i)
        df["source_id"] = [f"B{i + j}" for j in range(len(df))]
        svc.store(svc.validate(parse_native_file(df.to_csv(index=False).encode())), fmt="native", filename="bench", key_name="bench")
    svc.engine.dispose()


def _serve(url: str, tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    from bench.common import BOUNDARIES

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTSPOTS_")}
    env |= {"HOTSPOTS_DATABASE_URL": url, "HOTSPOTS_BOUNDARIES_DIR": str(BOUNDARIES), "HOTSPOTS_AUTH": "off",
            "HOTSPOTS_DATA_DIR": str(tmp)}
    exe = str(Path(sys.executable).parent / "hotspots")
    proc = subprocess.Popen([exe, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            if httpx.get(base + "/api/v1/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    return proc, base


def _median_ms(base: str, path: str, params: dict[str, str], k: int) -> float:
    times = []
    with httpx.Client(base_url=base, timeout=60, trust_env=False) as c:
        c.get(path, params=params).raise_for_status()  # warm
        for _ in range(k):
            t = time.perf_counter()
            c.get(path, params=params).raise_for_status()
            times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--requests", type=int, default=30)
    args = ap.parse_args()
    import pandas as pd

    end = pd.Timestamp.now().normalize()
    params = {"from": (end - pd.DateOffset(months=3)).strftime("%Y-%m-%d"), "to": end.strftime("%Y-%m-%d")}
    targets = []
    with tempfile.TemporaryDirectory() as tmpd:
        tmp = Path(tmpd)
        targets.append(("sqlite", f"sqlite:///{tmp / 'bench.db'}"))
        if os.environ.get("HOTSPOTS_BENCH_PG_URL"):
            targets.append(("postgresql", os.environ["HOTSPOTS_BENCH_PG_URL"]))
        for name, url in targets:
            t = time.perf_counter()
            _load(url, args.n, tmp)
            load_s = time.perf_counter() - t
            proc, base = _serve(url, tmp)
            try:
                stats = _median_ms(base, "/api/v1/stats/wards", params, args.requests)
                dz = _median_ms(base, "/api/v1/stats/datazones", params, args.requests)
                health = _median_ms(base, "/api/v1/health", {}, args.requests)
            finally:
                proc.terminate()
                proc.wait(20)
            print(f"{name}: n={args.n} load_s={load_s:.1f} stats_wards_median_ms={stats:.1f} "
                  f"stats_datazones_median_ms={dz:.1f} health_median_ms={health:.1f} "
                  f"ratio_wards_vs_health={stats / health:.1f}", flush=True)


if __name__ == "__main__":
    main()
