"""Ingest benchmark (issue 2): parse + validate + join + store into SQLite, and the join
alone against a plain ``geopandas.sjoin`` of the same points in the same process.

    python bench/bench_ingest.py --n 100000 1000000

Each N runs in a fresh subprocess so that peak memory (ru_maxrss) is per run.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def one(n: int) -> dict[str, float]:
    import geopandas as gpd

    from app.config import Settings
    from app.service import Service
    from bench.common import BOUNDARIES, boundaries, synthetic
    from geo.ingest import parse_native_file

    b = boundaries()
    df = synthetic(b, n)
    csv_bytes = df.to_csv(index=False).encode()
    del df
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{tmp}/bench.db", boundaries_dir=BOUNDARIES, data_dir=Path(tmp))
        t0 = time.perf_counter()
        svc = Service(settings, boundaries=b)
        t_start = time.perf_counter() - t0
        t0 = time.perf_counter()
        raw = parse_native_file(csv_bytes)
        t_parse = time.perf_counter() - t0
        t0 = time.perf_counter()
        res = svc.validate(raw)
        t_validate = time.perf_counter() - t0
        t0 = time.perf_counter()
        rep = svc.store(res, fmt="native", filename="bench", key_name="bench")
        t_store = time.perf_counter() - t0
        assert rep["accepted"] == n, rep["rejected"]
        x, y = res.accepted["easting"].to_numpy(), res.accepted["northing"].to_numpy()
        t0 = time.perf_counter()
        svc.index.assign(x, y)
        t_join = time.perf_counter() - t0
        t0 = time.perf_counter()
        pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=27700)
        gpd.sjoin(pts, b.datazones[["code", "geometry"]], how="left", predicate="intersects")
        gpd.sjoin(pts, b.wards[["code", "geometry"]], how="left", predicate="intersects")
        t_sjoin = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"n": n, "service_start_s": t_start, "parse_s": t_parse, "validate_join_s": t_validate, "store_s": t_store,
            "ingest_total_s": t_parse + t_validate + t_store, "join_s": t_join, "geopandas_sjoin_s": t_sjoin,
            "join_speedup_vs_sjoin": t_sjoin / t_join, "peak_rss_mb": peak_mb}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, nargs="+", default=[100_000])
    ap.add_argument("--child", type=int)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(one(args.child)))
        return
    for n in args.n:
        out = subprocess.run([sys.executable, __file__, "--child", str(n)], capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(" ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in r.items()), flush=True)


if __name__ == "__main__":
    main()
