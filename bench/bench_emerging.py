"""Emerging hot spots benchmark (issue 14): 239 data zones × 24 months, and a 100 m grid
× 24 months, each with the plain-library baseline (esda ``G_Local`` per monthly slice,
``permutations=0``, on the same counts and weights) run in the same process.

    python bench/bench_emerging.py [--n 100000]

Targets: data zones under 1 s, 100 m grid under 10 s. Our figure is the whole analysis
(cube, space-time Gi* with a one-step time window, FDR, Mann-Kendall, patterns); the
baseline is the spatial Gi* alone, slice by slice (no time window, no trend, no patterns).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _t(f):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    r = f()
    return r, time.perf_counter() - t


def main(n: int) -> dict[str, object]:
    import numpy as np
    import pandas as pd

    from bench.common import boundaries
    from geo.emerging import emerging_datazones, emerging_grid
    from geo.gistar import datazone_weights, make_grid

    b = boundaries()
    rng = np.random.default_rng(0)
    start, end = pd.Timestamp("2023-01-01", tz="UTC"), pd.Timestamp("2025-01-01", tz="UTC")
    when = start + pd.to_timedelta(rng.uniform(0, (end - start).days - 1, n), unit="D")
    x0, y0, x1, y1 = b.area.bounds
    inc = pd.DataFrame({
        "datazone": rng.choice(b.datazones["code"].to_numpy(), n),
        "occurred_at": when,
        "easting": rng.uniform(x0, x1, n),
        "northing": rng.uniform(y0, y1, n),
    })
    out: dict[str, object] = {"n_incidents": n, "months": 24}
    res, out["emerging_datazones_first_call_s"] = _t(lambda: emerging_datazones(inc, b, start=start, end=end))
    _, out["emerging_datazones_s"] = _t(lambda: emerging_datazones(inc, b, start=start, end=end))
    g, out["emerging_grid_100m_s"] = _t(lambda: emerging_grid(inc, b, start=start, end=end, cell_m=100))
    out["grid_cells"] = len(g.units)

    import esda
    from libpysal.weights import WSP

    def esda_slices(counts: np.ndarray, w: object) -> None:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            for t in range(counts.shape[1]):
                esda.G_Local(counts[:, t], w, transform="B", star=True, permutations=0)

    wdz = WSP(datazone_weights(b.datazones)).to_W(silence_warnings=True)
    _, out["esda_per_slice_datazones_s"] = _t(lambda: esda_slices(res.counts, wdz))
    wg, out["libpysal_grid_weights_build_s"] = _t(
        lambda: WSP(make_grid(b.area, cell_m=100).weights).to_W(silence_warnings=True))
    _, out["esda_per_slice_grid_100m_s"] = _t(lambda: esda_slices(g.counts, wg))
    out["ratio_datazones_vs_esda"] = round(out["emerging_datazones_s"] / out["esda_per_slice_datazones_s"], 3)  # type: ignore[operator]
    out["ratio_grid_vs_esda"] = round(out["emerging_grid_100m_s"] / out["esda_per_slice_grid_100m_s"], 3)  # type: ignore[operator]
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=100_000)
    print(json.dumps(main(ap.parse_args().n), indent=2))
