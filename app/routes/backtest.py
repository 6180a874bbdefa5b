"""How well do the maps predict? Rolling backtest of the hotspot methods (PAI and RRI)."""

from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Query

from app.deps import PrincipalDep, ServiceDep
from app.errors import ApiError
from app.params import FilterDep
from geo.patterns.backtest import (
    DEFAULT_AREA_SHARE,
    METHODS,
    MonthScore,
    backtest,
    summarise,
)
from geo.patterns.disclosure import PRIMARY, is_small
from geo.periods import TZ, Window

router = APIRouter(prefix="/hotspots", tags=["hotspots"])
COLS = ["source_id", "agency", "category", "occurred_at", "easting", "northing", "datazone", "ward", "simd_decile"]


def _row(s: MonthScore, exact: bool) -> dict[str, Any]:
    r: dict[str, Any] = {"method": s.method, "month": s.month, "pai": s.pai, "pai_low": s.pai_low,
                         "pai_high": s.pai_high, "rri": s.rri, "hit_rate": s.hit_rate, "area_share": s.area_share,
                         "n": s.n, "N": s.N, "n_train": s.n_train, "N_train": s.N_train, "note": s.note}
    if not exact and any(is_small(v) for v in (s.n, s.N, s.N - s.n, s.n_train, s.N_train, s.N_train - s.n_train)):
        for k in ("n", "N", "n_train", "N_train"):
            r[k] = PRIMARY if is_small(r[k]) else None
        r.update(pai=None, pai_low=None, pai_high=None, rri=None, hit_rate=None,
                 note="withheld: a count of 1-4 would be revealed")
    return r


@router.get("/backtest")
def get_backtest(
    svc: ServiceDep,
    who: PrincipalDep,
    q: FilterDep,
    months: Annotated[int, Query(ge=1, le=24, description="Test months (the last complete months before `to`).")] = 6,
    method: Annotated[list[str] | None, Query(description=f"Methods (repeatable): {', '.join(METHODS)}; default all.")] = None,
    train_months: Annotated[int, Query(ge=1, le=12)] = 3,
    area_share: Annotated[float, Query(gt=0, lt=0.5)] = DEFAULT_AREA_SHARE,
) -> dict[str, Any]:
    """For each method and test month: PAI, its 95% interval, RRI, hit rate and area share."""
    if q.group or q.ward or q.datazone:
        raise ApiError(422, "the backtest scores the whole service area: leave out group, ward and datazone",
                       param="group" if q.group else "ward" if q.ward else "datazone")
    methods = [m.strip().lower() for raw in (method or list(METHODS)) for m in raw.split(",") if m.strip()]
    bad = [m for m in methods if m not in METHODS]
    if bad:
        raise ApiError(422, f"unknown `method` {', '.join(bad)}; expected {', '.join(METHODS)}", param="method")
    f = q.resolve(svc, require_window=False)
    to = f.window.end if f.window else pd.Timestamp.now(tz=TZ)
    end_month = to.tz_convert(TZ).tz_localize(None).to_period("M")  # a partial last month is not tested
    first = end_month - months - train_months
    window = Window(first.to_timestamp().tz_localize(TZ).tz_convert("UTC"),
                    end_month.to_timestamp().tz_localize(TZ).tz_convert("UTC"))
    inc = svc.frame(f, window=window, columns=COLS)
    scores = backtest(inc, svc.boundaries, end_month=end_month, months=months, train_months=train_months,
                      methods=methods, area_share=area_share)
    exact = who.sees_records
    rows = [_row(s, exact) for s in scores]
    summary = summarise([s for s, r in zip(scores, rows, strict=True) if r["pai"] is not None or exact],
                        area_share=area_share)
    return {
        "rows": rows,
        "summary": summary,
        "best_method": summary[0]["method"] if summary and summary[0]["comparable"] else None,
        "test_months": [str(end_month - k) for k in range(months, 0, -1)],
        "train_months": train_months,
        "area_share_target": area_share,
        "suppressed": not exact,
        "method": ("hotspots from months t-k..t-1 scored on month t; PAI = (n/N)/(a/A) (Chainey, Tompson & Uhlig "
                   "2008), RRI = (n/N)/(n_train/N_train) (Levine 2008); each method's top areas up to the target "
                   "share of the service area; best_method: highest mean PAI among methods whose hotspots covered at "
                   "least 90% of that share (PAI favours small areas)"),
    }
