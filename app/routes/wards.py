"""The geography: wards and data zones."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.deps import PrincipalDep, ServiceDep

router = APIRouter(tags=["geography"])


@router.get("/wards")
def wards(svc: ServiceDep, who: PrincipalDep) -> dict[str, Any]:
    """The nine multi-member wards with tasking group and derived population."""
    w = svc.boundaries.wards
    rows = [
        {"code": r.code, "name": r.name, "tasking_group": r.tasking_group, "population": int(r.population),
         "area_km2": round(float(r.geometry.area) / 1e6, 3)}
        for r in w.itertuples()
    ]
    return {"rows": rows, "population_rule": "areal apportionment of SIMD 2020v2 data-zone populations"}


@router.get("/datazones")
def datazones(svc: ServiceDep, who: PrincipalDep) -> dict[str, Any]:
    """The 239 data zones with population and SIMD 2020v2 fields."""
    d = svc.boundaries.datazones
    cols = ["code", "name", "population", "simd_rank", "simd_decile", "simd_quintile", "simd_vigintile"]
    return {"rows": [{k: (int(v) if k not in ("code", "name") else v) for k, v in r.items()} for r in d[cols].to_dict(orient="records")]}
