"""Tasking-map benchmark (issue 5): payload size and latency of
``GET /api/v1/maps/tasking/all`` over HTTP (in-process client), cold (first request:
hotspots, Gi* and KDE computed) and warm (analysis cached, page rendered again), for

- the demo dataset's last 12 months, and
- 50,000 synthetic incidents over 12 months (bench.common.synthetic),

plus the standalone (assets inlined) page and the PNG snapshot (headless Chromium, if
installed).

    python bench/bench_maps.py [--n 50000] [--repeat 3] [--no-png]

Targets: demo 12 months, group all < 5 MB; 50,000 incidents < 10 MB; warm < 3 s.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _measure(
    client: Any, path: str, params: dict[str, str], repeat: int
) -> dict[str, float]:
    t0 = time.perf_counter()
    r = client.get(path, params=params)
    cold = time.perf_counter() - t0
    assert r.status_code == 200, r.text[:500]
    warm = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        r2 = client.get(path, params=params)
        warm.append(time.perf_counter() - t0)
        assert r2.status_code == 200
    return {
        "mb": len(r.content) / 1e6,
        "cold_s": cold,
        "warm_s": statistics.median(warm),
        "warm_max_s": max(warm),
    }


def run(n_synthetic: int, repeat: int, png: bool) -> list[dict[str, Any]]:
    import pandas as pd
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.demo import load_demo
    from app.main import create_app
    from app.service import Service
    from bench.common import BOUNDARIES, boundaries, synthetic
    from geo.ingest import parse_native_records

    b = boundaries()
    out = []
    key = "bench-admin-key-1"
    with tempfile.TemporaryDirectory() as tmp:
        for label in ("demo", f"synthetic {n_synthetic:,}"):
            folder = Path(tmp) / label.split()[0]
            folder.mkdir()
            settings = Settings(
                database_url=f"sqlite:///{folder}/bench.db",
                boundaries_dir=BOUNDARIES,
                data_dir=folder,
                admin_key=key,
                tile_url="none",
            )
            svc = Service(settings, boundaries=b)
            if label == "demo":
                load_demo(svc)
            else:
                recs = synthetic(b, n_synthetic, months=12).to_dict(orient="records")
                rep = svc.store(
                    svc.validate(parse_native_records(recs)),
                    fmt="native",
                    filename="bench",
                    key_name="bench",
                )
                assert rep["accepted"] == n_synthetic, rep["rejected"]
            end = (
                svc.latest_incident().tz_convert("Europe/London") + pd.Timedelta(days=1)
            ).normalize()
            window = {
                "from": (end - pd.DateOffset(months=12)).strftime("%Y-%m-%d"),
                "to": end.strftime("%Y-%m-%d"),
            }
            n = len(svc.frame(svc_filters(svc, window), columns=["id"]))
            with TestClient(create_app(service=svc)) as client:
                client.headers["X-API-Key"] = key
                page = _measure(client, "/api/v1/maps/tasking/all", window, repeat)
                alone = _measure(
                    client,
                    "/api/v1/maps/tasking/all",
                    window | {"standalone": "true"},
                    1,
                )
                row: dict[str, Any] = {
                    "data": label,
                    "incidents_in_window": n,
                    "window": window,
                    "page": page,
                    "standalone": alone,
                }
                if png and shutil.which(settings.chromium):
                    t0 = time.perf_counter()
                    r = client.get("/api/v1/maps/tasking/all.png", params=window)
                    assert r.status_code == 200, r.text[:300]
                    row["png"] = {
                        "kb": len(r.content) / 1e3,
                        "s": time.perf_counter() - t0,
                    }
            svc.engine.dispose()
            out.append(row)
    return out


def svc_filters(svc: Any, window: dict[str, str]) -> Any:
    from app.params import filters_from

    return filters_from(svc, from_=window["from"], to=window["to"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--n", type=int, default=50_000, help="synthetic incidents (default 50,000)"
    )
    ap.add_argument(
        "--repeat", type=int, default=3, help="warm requests per page (median reported)"
    )
    ap.add_argument("--no-png", action="store_true", help="skip the PNG snapshot")
    args = ap.parse_args()
    rows = run(args.n, args.repeat, not args.no_png)
    for r in rows:
        p, s = r["page"], r["standalone"]
        line = (
            f"{r['data']:>18}: {r['incidents_in_window']:>6} incidents in {r['window']['from']}..{r['window']['to']}; "
            f"page {p['mb']:.2f} MB, cold {p['cold_s']:.2f} s, warm {p['warm_s']:.2f} s (max {p['warm_max_s']:.2f}); "
            f"standalone {s['mb']:.2f} MB"
        )
        if "png" in r:
            line += f"; PNG {r['png']['kb']:.0f} kB in {r['png']['s']:.1f} s"
        print(line)
    print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
