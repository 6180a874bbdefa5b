"""The geography: wards and data zones."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.deps import PrincipalDep, ServiceDep

router = APIRouter(tags=["geography"])


@router.get("/wards")
def wards(svc: ServiceDep, who: PrincipalDep) -> dict[str, Any]:
    """The reporting units (West Lothian's nine wards) with tasking group and derived population."""
    w = svc.boundaries.wards
    rows = [
        {"code": r.code, "name": r.name, "tasking_group": r.tasking_group, "population": int(r.population),
         "area_km2": round(float(r.geometry.area) / 1e6, 3)}
        for r in w.itertuples()
    ]
    pack = svc.boundaries.pack
    sa = pack.small_areas
    rule = f"areal apportionment of {sa.noun} populations ({sa.population_source})"
    if pack.name == "west-lothian":
        rule = "areal apportionment of SIMD 2020v2 data-zone populations"
    return {"rows": rows, "population_rule": rule}


@router.get("/datazones")
def datazones(svc: ServiceDep, who: PrincipalDep) -> dict[str, Any]:
    """The small areas (West Lothian's 239 data zones) with population and deprivation fields.

    ``simd_rank``/``simd_decile``/… hold the pack's deprivation index (SIMD 2020v2 or
    English IoD 2025; quintile and vigintile derived where the index has none).
    """
    d = svc.boundaries.datazones
    cols = ["code", "name", "population", "simd_rank", "simd_decile", "simd_quintile", "simd_vigintile"]
    return {"rows": [{k: (int(v) if k not in ("code", "name") else v) for k, v in r.items()} for r in d[cols].to_dict(orient="records")]}
