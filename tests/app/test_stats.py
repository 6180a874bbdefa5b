"""Ward and data-zone statistics against an independent pandas computation."""

import csv
import io

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from app.security import create_key
from geo.ingest import parse_native_records

CATS = {"police": ["vandalism", "antisocial_behaviour", "theft"], "fire": ["deliberate_secondary_fire", "deliberate_fire"]}


def make_records(boundaries, n=3000, seed=1):
    rng = np.random.default_rng(seed)
    pts = boundaries.datazones.sample_points(size=12, rng=rng).explode(index_parts=False)
    pts = pts.sample(n=n, replace=True, random_state=seed)
    agency = np.where(rng.random(n) < 0.7, "police", "fire")
    cat = [rng.choice(CATS[a]) for a in agency]
    start = pd.Timestamp("2023-01-01", tz="Europe/London")
    seconds = rng.integers(0, 3 * 365 * 86400, n)
    local = (start + pd.to_timedelta(seconds, unit="s")).tz_localize(None)
    return pd.DataFrame({
        "source_id": [f"R{i}" for i in range(n)], "agency": agency, "category": cat,
        "occurred_at": [t.strftime("%Y-%m-%dT%H:%M:%S") for t in local],
        "easting": np.round(pts.x.to_numpy(), 1), "northing": np.round(pts.y.to_numpy(), 1),
    })


@pytest.fixture
def loaded(service, boundaries):
    df = make_records(boundaries)
    rep = service.store(service.validate(parse_native_records(df.to_dict(orient="records"))), fmt="native", filename=None, key_name="t")
    assert rep["accepted"] == len(df)
    # the oracle: independent point-in-polygon and time handling
    g = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.easting, df.northing), crs=27700)
    g["ward"] = gpd.sjoin(g, boundaries.wards[["code", "geometry"]], predicate="within")["code"]
    g["datazone"] = gpd.sjoin(g, boundaries.datazones[["code", "geometry"]], predicate="within")["code"]
    g["t"] = pd.to_datetime(g["occurred_at"]).dt.tz_localize("Europe/London", ambiguous=True, nonexistent="shift_forward").dt.tz_convert("UTC")
    return pd.DataFrame(g.drop(columns="geometry"))


def oracle(df, start, end, unit, agency=None, cats=None):
    s = pd.Timestamp(start, tz="Europe/London").tz_convert("UTC")
    e = pd.Timestamp(end, tz="Europe/London").tz_convert("UTC")
    m = (df.t >= s) & (df.t < e)
    if agency:
        m &= df.agency == agency
    if cats:
        m &= df.category.isin(cats)
    return df[m].groupby(unit).size()


WINDOWS = [("2024-01-01", "2024-04-01"), ("2024-03-31", "2024-10-27"), ("2025-06-15T06:00", "2025-07-01")]


@pytest.mark.parametrize(("start", "end"), WINDOWS)
@pytest.mark.parametrize(("agency", "cats"), [(None, None), ("fire", None), (None, ["vandalism", "theft"])])
def test_ward_stats_equal_pandas_oracle(client, loaded, boundaries, start, end, agency, cats) -> None:
    params = {"from": start, "to": end} | ({"agency": agency} if agency else {}) | ({"category": cats} if cats else {})
    r = client.get("/api/v1/stats/wards", params=params)
    assert r.status_code == 200, r.text
    doc = r.json()
    rows = {row["ward_code"]: row for row in doc["rows"]}
    assert len(rows) == 9
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    length = e - s
    cur = oracle(loaded, s, e, "ward", agency, cats)
    prev = oracle(loaded, s - length, s, "ward", agency, cats)
    ly = oracle(loaded, s - pd.DateOffset(years=1), e - pd.DateOffset(years=1), "ward", agency, cats)
    pop = boundaries.wards.set_index("code")["population"]
    for code, row in rows.items():
        c, p, y = int(cur.get(code, 0)), int(prev.get(code, 0)), int(ly.get(code, 0))
        assert (row["count"], row["previous_count"], row["last_year_count"]) == (c, p, y)
        assert row["rate_per_1000"] == pytest.approx(1000 * c / pop[code], abs=1e-3)
        assert row["change_pct"] == (None if p == 0 else pytest.approx(100 * (c - p) / p, abs=0.01))
        assert sum(row["by_agency"].values()) == c
        if cats:
            assert set(row["by_category"]) == set(cats) and sum(row["by_category"].values()) == c
    total = next(x for x in doc["summary"] if x["group"] == "ALL")
    assert total["count"] == int(cur.sum())
    east = next(x for x in doc["summary"] if x["group"] == "EAST")
    east_codes = set(boundaries.wards.loc[boundaries.wards.tasking_group == "EAST", "code"])
    assert east["count"] == int(cur[cur.index.isin(east_codes)].sum())


@pytest.mark.parametrize(("start", "end"), WINDOWS[:2])
def test_datazone_stats_equal_pandas_oracle(client, loaded, boundaries, start, end) -> None:
    doc = client.get("/api/v1/stats/datazones", params={"from": start, "to": end}).json()
    assert len(doc["rows"]) == 239
    cur = oracle(loaded, pd.Timestamp(start), pd.Timestamp(end), "datazone")
    dz = boundaries.datazones.set_index("code")
    for row in doc["rows"]:
        code = row["datazone_code"]
        assert row["count"] == int(cur.get(code, 0))
        assert row["simd_rank"] == int(dz.loc[code, "simd_rank"]) and row["simd_decile"] == int(dz.loc[code, "simd_decile"])
        assert row["population"] == int(dz.loc[code, "population"])


def test_group_filter(client, loaded, boundaries) -> None:
    doc = client.get("/api/v1/stats/wards", params={"from": "2024-01-01", "to": "2025-01-01", "group": "west"}).json()
    west = set(boundaries.wards.loc[boundaries.wards.tasking_group == "WEST", "code"])
    assert {r["ward_code"] for r in doc["rows"]} == west
    cur = oracle(loaded, pd.Timestamp("2024-01-01"), pd.Timestamp("2025-01-01"), "ward")
    assert sum(r["count"] for r in doc["rows"]) == int(cur[cur.index.isin(west)].sum())


def test_csv_matches_json(client, loaded) -> None:
    params = {"from": "2024-01-01", "to": "2024-04-01"}
    js = client.get("/api/v1/stats/wards", params=params).json()
    r = client.get("/api/v1/stats/wards", params=params | {"format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    by = {x["ward_code"]: x for x in rows}
    for row in js["rows"]:
        assert int(by[row["ward_code"]]["count"]) == row["count"]
        assert int(by[row["ward_code"]]["police_count"]) == row["by_agency"]["police"]
    assert int(by["ALL total"]["count"]) == next(s["count"] for s in js["summary"] if s["group"] == "ALL")
    r = client.get("/api/v1/stats/datazones", params=params | {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert len(rows) == 239 and all(x["datazone_code"].startswith("S01") for x in rows)


@pytest.mark.parametrize(
    ("params", "param"),
    [({"from": "2024-02-01", "to": "2024-01-01"}, "to"), ({"from": "not-a-date"}, "from"), ({"category": "unicorns"}, "category"),
     ({"ward": "S13000000"}, "ward"), ({"group": "north"}, "group"), ({"agency": "council"}, "agency"), ({"format": "xml"}, "format")],
)
def test_parameter_errors_name_the_parameter(client, params, param) -> None:
    r = client.get("/api/v1/stats/wards", params=params)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["param"] == param


def _hidden(v):
    return v in ("<5", "c")


def test_viewer_suppression_primary_and_secondary(client, service, loaded) -> None:
    key = create_key(service.engine, role="viewer", name="screen")
    # whole months: a restricted window is widened to calendar months (docs/disclosure.md)
    params = {"from": "2024-05-01", "to": "2024-06-01", "agency": "fire"}  # one month of fire: many small cells
    full = client.get("/api/v1/stats/wards", params=params).json()
    doc = client.get("/api/v1/stats/wards", params=params, headers={"X-API-Key": key}).json()
    assert doc["suppressed"] is True
    truth = {r["ward_code"]: r for r in full["rows"]}
    n_primary = 0
    for r in doc["rows"]:
        t = truth[r["ward_code"]]
        for k in ("count", "previous_count", "last_year_count"):
            if 1 <= t[k] <= 4:
                assert r[k] == "<5"
                n_primary += 1
            elif r[k] == "c":
                assert t[k] == 0 or t[k] >= 5
            else:
                assert r[k] == t[k]
        if _hidden(r["count"]):
            assert r["rate_per_1000"] is None and r["change_pct"] is None
        for part in ("by_agency", "by_category"):
            hidden = [k for k, v in r[part].items() if _hidden(v)]
            # a lone hidden cell in a shown total could be recovered by subtraction
            assert len(hidden) != 1 or _hidden(r["count"])
            for k, v in r[part].items():
                if 1 <= t[part][k] <= 4:
                    assert v == "<5"
    assert n_primary > 0
    for grp in ("EAST", "WEST"):
        codes = [c for c, t in truth.items() if t["tasking_group"] == grp]
        for k in ("count", "previous_count", "last_year_count"):
            hidden = [c for c in codes if _hidden(next(r for r in doc["rows"] if r["ward_code"] == c)[k])]
            assert len(hidden) != 1
    # the CSV carries the same suppression
    r = client.get("/api/v1/stats/wards", params=params | {"format": "csv"}, headers={"X-API-Key": key})
    rows = {x["ward_code"]: x for x in csv.DictReader(io.StringIO(r.content.decode("utf-8-sig")))}
    for x in doc["rows"]:
        assert rows[x["ward_code"]]["count"] == str(x["count"])


def test_secondary_suppression_unit() -> None:
    from geo.stats import suppress

    def row(code, c):
        return {"code": code, "count": c, "previous_count": 10, "last_year_count": 10, "rate_per_1000": 1.0, "change_pct": 0.0,
                "last_year_change_pct": 0.0, "by_agency": {"police": c, "fire": 0}, "by_category": {"x": c}}

    rows = [row("A", 3), row("B", 50), row("C", 7), row("D", 0)]
    summary = [{"code": "G", "group": "G", **{k: v for k, v in row("G", 60).items() if k != "code"}}]
    suppress(rows, summary, {"G": ["A", "B", "C", "D"]})
    assert rows[0]["count"] == "<5" and rows[2]["count"] == "c"  # the next smallest non-zero cell
    assert rows[1]["count"] == 50 and rows[3]["count"] == 0
    assert rows[0]["rate_per_1000"] is None and rows[2]["rate_per_1000"] is None


def test_daily_counts_equal_raw_counts_and_rebuild(service, loaded, boundaries, tmp_path) -> None:
    from app.aggregates import daily_counts, daily_ward_counts
    from app.params import filters_from
    from app.service import Service

    cases = [("2024-01-01", "2024-04-01"), ("2024-03-30T13:00", "2024-10-27T01:30"), ("2025-02-01T00:00:01", "2025-02-02")]
    for s, e in cases:
        f = filters_from(service, from_=s, to=e)
        for by in (["ward", "agency", "category"], ["datazone", "agency", "category"]):
            fast = service.counts(f, by).sort_values(by).reset_index(drop=True)
            raw = service._raw_counts(f, by, f.window).sort_values(by).reset_index(drop=True)
            assert fast.astype(str).equals(raw.astype(str)), (s, e, by)
    with service.engine.begin() as conn:  # a database from before the counts existed
        conn.execute(daily_counts.delete())
        conn.execute(daily_ward_counts.delete())
    again = Service(service.settings, boundaries=boundaries)
    f = filters_from(again, from_="2024-01-01", to="2025-01-01")
    assert again.counts(f, ["ward"])["count"].sum() == service._raw_counts(f, ["ward"], f.window)["count"].sum() > 0


@pytest.mark.parametrize("bad", ["-1", "0", "99999", "1899-12-31", "2024-02-30", "🙂"])
def test_out_of_range_dates_are_422(client, bad) -> None:
    for path in ("/api/v1/stats/wards", "/api/v1/hotspots", "/api/v1/incidents"):
        r = client.get(path, params={"from": bad})
        assert r.status_code == 422 and r.json()["param"] == "from", (path, bad, r.text)
