"""POST /evaluations with police.uk month records (issue 12, item 5): a record dated only
to a month counts in a window only when the window holds its whole month, and the
response says how many were left out. Checked against an independent count (zoneinfo
months, geopandas zones) on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import pandas as pd
import sqlalchemy as sa

from app.db import incidents
from geo.ingest import to_wgs84

LONDON = ZoneInfo("Europe/London")
TARGET_WARD = "S13002827"  # Bathgate, WEST tasking group
HEAD = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
        "Crime type,Last outcome category,Context\n")
PERIODS = ("before", "after", "last_year", "last_year_before", "long_run")


def _points(boundaries) -> pd.DataFrame:
    """Representative points of data zones in the target ward and in the rest of its group."""
    w = boundaries.wards
    group = w.loc[w["code"] == TARGET_WARD, "tasking_group"].iloc[0]
    pts = gpd.GeoDataFrame(geometry=boundaries.datazones.geometry.representative_point(), crs=27700)
    joined = gpd.sjoin(pts, w[w["tasking_group"] == group][["code", "geometry"]], predicate="within")
    target = joined[joined["code"] == TARGET_WARD].head(8)
    control = joined[joined["code"] != TARGET_WARD].head(8)
    both = pd.concat([target, control])
    return pd.DataFrame({"x": both.geometry.x.to_numpy(), "y": both.geometry.y.to_numpy()})


def _load(client, boundaries) -> None:
    """police.uk month records Jan 2023..Jun 2024 and full-datetime records (seeded)."""
    rng = np.random.default_rng(12)
    pts = _points(boundaries)
    lon, lat = to_wgs84(pts["x"].to_numpy(), pts["y"].to_numpy())
    lines, native = [], []
    for month in pd.period_range("2023-01", "2024-06", freq="M"):
        for i in range(len(pts)):
            for k in range(int(rng.poisson(1.5))):
                lines.append(f"PUK-{month}-{i}-{k},{month},Police Scotland,Police Scotland,{lon[i]:.6f},{lat[i]:.6f},"
                             "On or near Z,,,Anti-social behaviour,,\n")
            for k in range(int(rng.poisson(0.6))):
                day, hour = int(rng.integers(1, month.days_in_month + 1)), int(rng.integers(0, 24))
                native.append({"source_id": f"N-{month}-{i}-{k}", "agency": "police", "category": "antisocial_behaviour",
                               "occurred_at": f"{month}-{day:02d}T{hour:02d}:30:00", "easting": float(pts["x"][i]),
                               "northing": float(pts["y"][i])})
    up = client.post("/api/v1/incidents/upload", params={"format": "police-uk"},
                     files={"file": ("wl.csv", (HEAD + "".join(lines)).encode(), "text/csv")})
    assert up.status_code == 200 and up.json()["accepted"] == len(lines), up.text
    r = client.post("/api/v1/incidents", json={"incidents": native})
    assert r.status_code == 200 and r.json()["accepted"] == len(native), r.text


def _stored(service, boundaries) -> pd.DataFrame:
    """The stored records with their zone (geopandas) and local month (zoneinfo)."""
    c = incidents.c
    with service.engine.connect() as conn:
        df = pd.read_sql(sa.select(c.occurred_at, c.easting, c.northing, c.date_precision), conn)
    w = boundaries.wards
    group = w.loc[w["code"] == TARGET_WARD, "tasking_group"].iloc[0]
    target = w.loc[w["code"] == TARGET_WARD].geometry.iloc[0]
    control = w[(w["tasking_group"] == group) & (w["code"] != TARGET_WARD)].union_all()
    pts = gpd.GeoSeries(gpd.points_from_xy(df["easting"], df["northing"]), crs=27700)
    df["zone"] = np.where(pts.within(target), "target", np.where(pts.within(control), "control", "none"))
    df["when"] = [pd.Timestamp(t).to_pydatetime().replace(tzinfo=UTC) for t in df["occurred_at"]]
    local = [t.astimezone(LONDON) for t in df["when"]]
    df["m0"] = [datetime(t.year, t.month, 1, tzinfo=LONDON) for t in local]
    df["m1"] = [datetime(t.year + t.month // 12, t.month % 12 + 1, 1, tzinfo=LONDON) for t in local]
    return df


def _spans(doc: dict) -> dict[str, tuple[datetime, datetime] | None]:
    w, bw = doc["windows"], doc["background_windows"]
    raw = {"before": w["before"], "after": w["after"], "last_year": w["last_year"],
           "last_year_before": bw["last_year_before"], "long_run": bw["long_run"]}
    return {p: None if v is None else (datetime.fromisoformat(v["from"]), datetime.fromisoformat(v["to"]))
            for p, v in raw.items()}


def _independent(df: pd.DataFrame, span: tuple[datetime, datetime]) -> tuple[pd.Series, pd.Series]:
    """Counted and left-out masks of a window, by the rule written out again."""
    a, b = span
    inside = pd.Series([a <= t < b for t in df["when"]], index=df.index)
    whole = pd.Series([a <= m0 and m1 <= b for m0, m1 in zip(df["m0"], df["m1"], strict=True)], index=df.index)
    month = df["date_precision"] == "month"
    return inside & (~month | whole), inside & month & ~whole


def _evaluate(client, start: str, end: str) -> dict:
    body = {"target": {"ward": TARGET_WARD}, "start": start, "end": end, "categories": ["antisocial_behaviour"],
            "buffer_m": 0}
    r = client.post("/api/v1/evaluations", json=body)
    assert r.status_code == 201, r.text
    doc = r.json()
    assert client.get(f"/api/v1/evaluations/{doc['id']}").json()["excluded"] == doc["excluded"]
    return doc


def _check(doc: dict, df: pd.DataFrame) -> dict[str, int | None]:
    """Counts and exclusions of every window against the independent count."""
    zoned = df["zone"] != "none"
    counts = doc["all_selected"]["counts"]
    left_any = pd.Series(False, index=df.index)
    by = {}
    for p, span in _spans(doc).items():
        if span is None:
            assert doc["excluded"]["by_period"][p] is None
            by[p] = None
            continue
        keep, left = _independent(df, span)
        left_any |= left & zoned
        by[p] = int((left & zoned).sum())
        assert doc["excluded"]["by_period"][p] == by[p], p
        if p in ("before", "after", "last_year"):
            for zone in ("target", "control"):
                assert counts[zone][p] == int((keep & (df["zone"] == zone)).sum()), (p, zone)
    assert doc["excluded"]["date_precision_month"] == int(left_any.sum())
    return by


def test_mid_month_operation_counts_the_month_in_neither_period(client, service, boundaries) -> None:
    _load(client, boundaries)
    df = _stored(service, boundaries)
    doc = _evaluate(client, "2024-03-15", "2024-04-15")
    by = _check(doc, df)
    month = df["date_precision"] == "month"
    zoned = df["zone"] != "none"
    stamp = pd.to_datetime(df["occurred_at"])
    march = int((month & zoned & (df["m0"] == datetime(2024, 3, 1, tzinfo=LONDON))).sum())
    april = int((month & zoned & (df["m0"] == datetime(2024, 4, 1, tzinfo=LONDON))).sum())
    assert march > 0 and april > 0
    assert by["before"] == march and by["after"] == april  # March in neither period, nor April
    # what is counted is the full-datetime records only (Feb's and March's stamps lie outside)
    timed = ~month & (df["zone"] == "target")
    for p, (a, b) in (("before", ("2024-02-13", "2024-03-15")), ("after", ("2024-03-15", "2024-04-15"))):
        lo, hi = (pd.Timestamp(x).tz_localize("Europe/London").tz_convert("UTC").tz_localize(None) for x in (a, b))
        assert doc["all_selected"]["counts"]["target"][p] == int((timed & (stamp >= lo) & (stamp < hi)).sum())
    assert doc["excluded"]["date_precision_month"] > march + april


def test_whole_month_operation_excludes_none_from_its_periods(client, service, boundaries) -> None:
    _load(client, boundaries)
    df = _stored(service, boundaries)
    doc = _evaluate(client, "2024-03-01", "2024-05-01")
    by = _check(doc, df)
    assert by["before"] == by["after"] == by["last_year"] == 0
    month_target = (df["date_precision"] == "month") & (df["zone"] == "target")
    jan_feb = int((month_target & df["m0"].isin([datetime(2024, 1, 1, tzinfo=LONDON), datetime(2024, 2, 1, tzinfo=LONDON)])).sum())
    assert jan_feb > 0 and doc["all_selected"]["counts"]["target"]["before"] >= jan_feb  # whole months counted
    # the 12-month long run ends on 31 December 2023, so it (only) leaves December out
    december = int(((df["date_precision"] == "month") & (df["zone"] != "none")
                    & (df["m0"] == datetime(2023, 12, 1, tzinfo=LONDON))).sum())
    assert by["long_run"] == december and doc["excluded"]["date_precision_month"] == december
