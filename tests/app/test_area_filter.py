"""Service.frame(area=...): PostGIS ST_Intersects on PostgreSQL, bbox + exact test on
SQLite; both agree with an independent shapely point-in-polygon count."""

from __future__ import annotations

import numpy as np
import shapely

from app.service import Filters
from geo.ingest import parse_native_records


def test_area_filter_matches_shapely(service, boundaries) -> None:
    rng = np.random.default_rng(9)
    x0, y0, x1, y1 = boundaries.area.bounds
    pts = []
    while len(pts) < 3000:
        x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
        if boundaries.area.contains(shapely.Point(x, y)):
            pts.append((round(x, 1), round(y, 1)))
    rows = [{"source_id": f"A{i}", "agency": "police", "category": "theft", "occurred_at": "2024-05-01T10:00:00",
             "easting": x, "northing": y} for i, (x, y) in enumerate(pts)]
    rep = service.store(service.validate(parse_native_records(rows)), fmt="native", filename=None, key_name="t")
    assert rep["accepted"] == len(rows)
    ward = boundaries.wards.geometry.iloc[2]
    area = shapely.intersection(ward, shapely.box(x0, y0, (x0 + x1) / 2 + 2000, y1))  # an irregular shape
    got = service.frame(Filters(), columns=["source_id", "easting", "northing"], area=area)
    xy = np.array(pts)
    expected = {f"A{i}" for i in np.flatnonzero(shapely.intersects_xy(area, xy[:, 0], xy[:, 1]))}
    assert 0 < len(expected) < len(rows)
    assert set(got["source_id"]) == expected
    assert list(got.columns) == ["source_id", "easting", "northing"]
