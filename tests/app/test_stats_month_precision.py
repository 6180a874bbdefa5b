"""Ward statistics with police.uk month records (issue 12, item 5): a month-precision
record counts in a period only when the period holds its whole month (zoneinfo oracle)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from app.db import incidents
from geo.ingest import to_wgs84

LONDON = ZoneInfo("Europe/London")
HEAD = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
        "Crime type,Last outcome category,Context\n")


def _load(client, boundaries) -> None:
    rng = np.random.default_rng(5)
    pts = boundaries.datazones.geometry.representative_point().iloc[::12]
    lon, lat = to_wgs84(pts.x.to_numpy(), pts.y.to_numpy())
    lines, native = [], []
    for month in pd.period_range("2023-01", "2024-06", freq="M"):
        for i in range(len(pts)):
            lines += [f"PUK-{month}-{i}-{k},{month},Police Scotland,Police Scotland,{lon[i]:.6f},{lat[i]:.6f},On or near Z,,,"
                      "Anti-social behaviour,,\n" for k in range(int(rng.poisson(1.2)))]
            for k in range(int(rng.poisson(0.5))):
                day = int(rng.integers(1, month.days_in_month + 1))
                native.append({"source_id": f"N-{month}-{i}-{k}", "agency": "police", "category": "antisocial_behaviour",
                               "occurred_at": f"{month}-{day:02d}T12:00:00", "easting": float(pts.x.iloc[i]),
                               "northing": float(pts.y.iloc[i])})
    up = client.post("/api/v1/incidents/upload", params={"format": "police-uk"},
                     files={"file": ("wl.csv", (HEAD + "".join(lines)).encode(), "text/csv")})
    assert up.json()["accepted"] == len(lines), up.text
    assert client.post("/api/v1/incidents", json={"incidents": native}).json()["accepted"] == len(native)


def _stored(service, boundaries) -> pd.DataFrame:
    c = incidents.c
    with service.engine.connect() as conn:
        df = pd.read_sql(sa.select(c.occurred_at, c.easting, c.northing, c.date_precision), conn)
    g = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.easting, df.northing), crs=27700)
    df["ward"] = gpd.sjoin(g, boundaries.wards[["code", "geometry"]], predicate="within")["code"]
    df["when"] = [pd.Timestamp(t).to_pydatetime().replace(tzinfo=UTC) for t in df["occurred_at"]]
    local = [t.astimezone(LONDON) for t in df["when"]]
    df["m0"] = [datetime(t.year, t.month, 1, tzinfo=LONDON) for t in local]
    df["m1"] = [datetime(t.year + t.month // 12, t.month % 12 + 1, 1, tzinfo=LONDON) for t in local]
    return df


def _oracle(df: pd.DataFrame, period: dict) -> tuple[pd.Series, int]:
    a, b = datetime.fromisoformat(period["from"]), datetime.fromisoformat(period["to"])
    inside = pd.Series([a <= t < b for t in df["when"]], index=df.index)
    whole = pd.Series([a <= m0 and m1 <= b for m0, m1 in zip(df["m0"], df["m1"], strict=True)], index=df.index)
    month = df["date_precision"] == "month"
    keep = inside & (~month | whole)
    return df[keep].groupby("ward").size(), int((inside & month & ~whole).sum())


@pytest.mark.parametrize(("start", "end", "cut"), [("2024-03-15", "2024-04-15", True), ("2024-03-01", "2024-05-01", False)])
def test_ward_stats_count_only_whole_months(client, service, boundaries, start, end, cut) -> None:
    _load(client, boundaries)
    df = _stored(service, boundaries)
    doc = client.get("/api/v1/stats/wards", params={"from": start, "to": end}).json()
    for key, period, field in (("current", "period", "count"), ("previous", "previous_period", "previous_count"),
                               ("last_year", "last_year_period", "last_year_count")):
        want, left = _oracle(df, doc[period])
        got = {r["ward_code"]: r[field] for r in doc["rows"]}
        assert got == {w: int(want.get(w, 0)) for w in got}, key
        assert doc["excluded"]["by_period"][key] == left, key
    assert (doc["excluded"]["date_precision_month"] > 0) == cut
