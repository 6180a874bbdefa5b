"""Load the SYNTHETIC demo dataset into the database (if it holds no incidents)."""

from __future__ import annotations

from app.service import Service
from geo.ingest import parse_native_records


def load_demo(svc: Service) -> str:
    """Generate and store the demo data unless incidents are already stored."""
    from geo.demo import DEMO_LABEL, generate_demo

    n = svc.count_incidents()
    if n:
        return f"database already holds {n} incidents: demo data not loaded again"
    data = generate_demo(svc.boundaries.datazones, svc.boundaries.wards, seed=svc.settings.demo_seed, end=svc.settings.demo_end)
    raw = parse_native_records(data.all_records.drop(columns=["synthetic"], errors="ignore").to_dict(orient="records"))
    report = svc.store(svc.validate(raw), fmt="native", filename="demo (synthetic)", key_name="demo")
    return f"{DEMO_LABEL}: loaded {report['accepted']} incidents ({report['rejected']} rejected)"
