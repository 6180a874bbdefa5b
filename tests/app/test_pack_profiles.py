"""The pack's hotspot timing and emerging patterns (issue 14 item 6, "In the meeting"):
the grid and the busiest band against pandas over the incidents inside each hotspot's
stored polygon, the patterns against GET /hotspots/emerging, a planted Friday/Saturday
night hotspot and an all-month-dated one, and the viewer's suppression."""

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa

from app.db import hotspots as hotspots_table
from app.security import create_key
from app.tasking.profiles import (
    HOURS,
    MIN_TIMED,
    Band,
    _bands_safe,
    busiest_bands,
)
from tests.app.test_pack import fake_map, meeting  # noqa: F401  (fixtures)

TITLE = "Hotspot timing and emerging patterns"
PACK = "/api/v1/tasking/meetings/{}/pack"
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


# --------------------------------------------------------------------------- parsing
def _section(doc: str) -> str:
    i = doc.index(f"<h2>{TITLE}</h2>")
    return doc[i : doc.index("<h2>", i + 4)]


def _profiles(doc: str) -> dict[str, dict]:
    """Per hotspot id: grid (7 × 24, "" = 0), bands [(words, count, n)], total, excluded,
    zones {code: label}, whole text."""
    out = {}
    for block in re.findall(r'<div class="profile">(.*?)</div>', _section(doc), flags=re.S):
        hid = re.search(r"Hotspot (H-[0-9a-f]+)</h3>", block).group(1)
        rows = re.findall(r"<tr><th>(\w{3})</th>(.*?)</tr>", block, flags=re.S)
        grid = [re.findall(r"<td[^>]*>(.*?)</td>", r) for _, r in rows]
        text = re.sub(r"<[^>]+>", "", block)
        bands = re.findall(r"<strong>([^<]+)</strong>: (?:(\d+)% of incidents \(([\d,]+) of ([\d,]+)\)|share withheld)", block)
        m = re.search(r"Incidents inside the outline: ([^;]+); dated only to the month \(left out of the grid\): ([^.]+)\.", text)
        zones = dict(re.findall(r'<span class="zone">(S\d+)[^:<]*: <strong>([^<]+)</strong>', block))
        out[hid] = {"grid": grid, "days": [d for d, _ in rows], "bands": bands, "total": m.group(1),
                    "excluded": m.group(2), "zones": zones, "text": " ".join(text.split())}
    return out


def _in_band(local: pd.Series, words: str) -> pd.Series:
    """Whether each local time lies in a band given in words (an independent reading:
    shift the clock back by the start hour, then test the day and the hour)."""
    m = re.fullmatch(r"(Every day|\w{3}(?:–\w{3})?) (?:(\d\d):00–(\d\d):00|all day)", words)
    assert m, words
    days, h0, h1 = m.groups()
    start = int(h0) if h0 else 0
    length = 24 if h0 is None else (int(h1) - start) % 24 or 24
    if days == "Every day":
        wanted = set(range(7))
    else:
        a, _, b = days.partition("–")
        i, j = DAYS.index(a), DAYS.index(b or a)
        wanted = {(i + k) % 7 for k in range((j - i) % 7 + 1)}
    shifted = local - pd.Timedelta(hours=start)
    return shifted.dt.weekday.isin(wanted) & (shifted.dt.hour < length)


def _polygons(service) -> dict[str, shapely.Geometry]:
    with service.engine.connect() as conn:
        rows = conn.execute(sa.select(hotspots_table.c.id, hotspots_table.c.geometry_wkt)).all()
    return {r.id: shapely.from_wkt(r.geometry_wkt) for r in rows}


# --------------------------------------------------------------------------- the band
def test_band_words_and_cells() -> None:
    assert Band(4, 2, 20, 6).words() == "Fri–Sat 20:00–02:00"
    assert sorted(Band(4, 2, 20, 6).cells()) == [*range(116, 122), *range(140, 146)]  # Fri 20 … Sun 02
    assert Band(0, 7, 18, 5).words() == "Every day 18:00–23:00"
    assert Band(5, 1, 0, 24).words() == "Sat all day"
    assert Band(6, 2, 22, 3).words() == "Sun–Mon 22:00–01:00"
    assert 0 in Band(6, 1, 23, 2).cells()  # Sunday 23:00 into Monday 00:00 wraps the week


def _oracle(grid: np.ndarray) -> tuple[int, int]:
    """Best (excess score, count) by brute force: roll the week to each start hour,
    sum the first L hours of each day, then runs of m days."""
    week = grid.reshape(HOURS)
    n = int(week.sum())
    best = None
    for h0 in range(24):
        days = np.roll(week, -h0).reshape(7, 24)
        for length in range(1, 25):
            if length == 24 and h0:
                continue
            per_day = days[:, :length].sum(axis=1)
            for m in range(1, 8):
                if (m, length) == (7, 24):
                    continue
                for d0 in range(7 if m < 7 else 1):
                    c = int(sum(per_day[(d0 + j) % 7] for j in range(m)))
                    s = HOURS * c - n * m * length
                    if best is None or s > best[0]:
                        best = (s, c)
    assert best is not None
    return best


def test_busiest_band_is_the_brute_force_best_and_finds_a_planted_night() -> None:
    rng = np.random.default_rng(3)
    for _ in range(3):
        grid = rng.poisson(rng.uniform(0.2, 3.0, size=(7, 24)))
        (band, count), *_ = busiest_bands(grid)
        n = int(grid.sum())
        assert (HOURS * count - n * band.days * band.hours, count) == _oracle(grid)
        assert count == int(grid.reshape(HOURS)[band.cells()].sum())
    planted = rng.poisson(0.3, size=(7, 24))
    for d in (4, 5):  # Friday and Saturday nights, 20:00 to 02:00
        planted[d, 20:] += 9
        planted[d + 1, :2] += 9
    (band, _), *_rest = busiest_bands(planted)
    assert band.words() == "Fri–Sat 20:00–02:00"
    assert busiest_bands(np.eye(7, 24, dtype=np.int64) * 2) == []  # 14 < MIN_TIMED: no band


def test_a_band_total_that_would_give_back_one_cell_is_withheld() -> None:
    band = Band(4, 1, 20, 2)  # Fri 20:00-22:00: cells 116, 117
    cells = [[0] * 24 for _ in range(7)]
    cells[4][20], cells[4][21] = 30, "<5"
    cells[0][3], cells[1][3] = "<5", "c"  # two hidden outside the band
    assert not _bands_safe(cells, 60, [(band, 33)])  # 33 - 30 gives the Friday 21:00 cell
    cells[4][21] = 12
    assert _bands_safe(cells, 60, [(band, 42)])
    cells[1][3] = 7  # one hidden cell left outside: 60 - 42 - 7 would give it back
    assert not _bands_safe(cells, 60, [(band, 42)])
    cells[1][3] = "c"
    assert not _bands_safe(cells, 45, [(band, 42)])  # the rest (3) is a small count
    assert not _bands_safe(cells, "c", [(band, 42)])


# --------------------------------------------------------------------------- the pack
def test_pack_profiles_match_pandas_and_emerging(client, service, meeting, fake_map) -> None:  # noqa: F811
    doc = client.get(PACK.format(meeting["id"])).text
    profiles = _profiles(doc)
    op = meeting["op"]
    hot = client.get("/api/v1/hotspots", params={"from": op["start"], "to": op["end"], "group": "west"}).json()
    top = [f["properties"] for f in hot["features"][:10]]
    assert list(profiles) == [p["id"] for p in top]  # the pack's top hotspots, in rank order
    # independent: the demo's police and fire records of the period in the WEST wards
    rec = meeting["demo"].all_records
    local = pd.to_datetime(rec["occurred_at"])
    rec = rec[(local >= op["start"]) & (local < op["end"]) & (rec["agency"] != "road")].copy()
    b = service.boundaries
    west = b.wards[b.wards["code"].isin(b.group_wards("west"))].to_crs(27700)
    pts = gpd.GeoDataFrame(rec, geometry=gpd.points_from_xy(rec.easting, rec.northing), crs=27700)
    rec = rec.loc[gpd.sjoin(pts, west[["geometry"]], predicate="intersects").index.unique()]
    polys = _polygons(service)
    checked_bands = 0
    for hid, prof in profiles.items():
        poly = polys[hid]
        inside = rec[[poly.intersects(shapely.Point(x, y)) for x, y in zip(rec.easting, rec.northing, strict=True)]]
        t = pd.to_datetime(inside["occurred_at"])
        want = pd.crosstab(t.dt.weekday, t.dt.hour).reindex(index=range(7), columns=range(24), fill_value=0)
        got = [[int(v) if v else 0 for v in row] for row in prof["grid"]]
        assert prof["days"] == list(DAYS) and got == want.to_numpy().tolist(), hid
        assert prof["total"] == f"{len(inside):,}" and prof["excluded"] == "0"
        assert len(inside) >= next(p["n"] for p in top if p["id"] == hid)  # the members lie inside
        for words, pct, count, n in prof["bands"]:
            k = int(_in_band(t, words).sum())
            assert (int(count), int(n)) == (k, len(inside)) and int(pct) == round(100 * k / len(inside))
            checked_bands += 1
        if len(inside) < MIN_TIMED:
            assert "no busiest band is named" in prof["text"]
    assert checked_bands >= 2
    # the emerging window is stated; each zone's pattern is GET /hotspots/emerging's
    m = re.search(r"the 24 whole months (\d{4}-\d\d) to (\d{4}-\d\d)", _section(doc))
    assert m is not None and m.groups() == ("2024-08", "2026-07")  # ending with the period
    em = client.get("/api/v1/hotspots/emerging", params={"from": "2024-08-01", "to": "2026-08-01"}).json()
    assert em["steps"][0] == "2024-08" and em["steps"][-1] == "2026-07"
    pattern = {f["properties"]["code"]: f["properties"]["pattern"] for f in em["features"]}
    shown = 0
    for p in top:
        zones = profiles[p["id"]]["zones"]
        assert list(zones) == p["datazones"]
        for code, label in zones.items():
            words = pattern[code].replace("_", " ")
            assert label == (words + " spot" if pattern[code] != "no_pattern" else words)
            shown += 1
    assert shown >= len(top)


def test_viewer_profiles_are_suppressed(client, service, meeting, fake_map) -> None:  # noqa: F811
    viewer = {"X-API-Key": create_key(service.engine, role="viewer", name="screen")}
    r = client.get(PACK.format(meeting["id"]), headers=viewer)
    assert r.status_code == 200  # the pack is served to viewers: suppressed, not refused
    admin = _profiles(client.get(PACK.format(meeting["id"])).text)
    seen = _profiles(r.text)
    both = [h for h in seen if h in admin]  # (the viewer's top ten has no hotspot under 5)
    assert both
    cells = 0
    for hid in both:
        prof = seen[hid]
        flat = [v for row in prof["grid"] for v in row]
        assert not any(re.fullmatch(r"[1-4]", v) for v in flat), hid
        exact = [int(v) if v else 0 for row in admin[hid]["grid"] for v in row]
        for v, a in zip(flat, exact, strict=True):
            assert v == ("" if a == 0 else str(a)) or v in ("&lt;5", "c")  # shown cells are exact
            cells += 1
        for (words, _pct, count, n), theirs in zip(prof["bands"], admin[hid]["bands"], strict=True):
            assert words == theirs[0]
            assert count == "" or (count, n) == (theirs[2], theirs[3])
            assert not re.fullmatch(r"[1-4]", count)
        assert not re.fullmatch(r"[1-4]", prof["total"]) and not re.fullmatch(r"[1-4]", prof["excluded"])
    assert cells >= 168
    assert any("share withheld" in p["text"] for p in seen.values())


def _planted(service, boundaries) -> list[dict]:
    """A background, a Friday/Saturday-night cluster with six month-only records, and a
    cluster dated only to the month (police.uk style), all in March 2024."""
    rng = np.random.default_rng(5)
    pts = boundaries.datazones.geometry.representative_point()
    recs = []

    def add(x, y, when, prec="datetime", cat="vandalism"):
        recs.append({"source_id": f"R{len(recs)}", "agency": "police", "category": cat, "occurred_at": when,
                     "easting": round(float(x), 1), "northing": round(float(y), 1), "date_precision": prec})

    others = [i for i in range(len(pts)) if i not in (10, 150)]  # the clusters' zones: no background
    for _ in range(150):
        p = pts.iloc[others[int(rng.integers(0, len(others)))]]
        add(p.x + rng.normal(0, 60), p.y + rng.normal(0, 60),
            (pd.Timestamp("2024-03-01") + pd.Timedelta(minutes=int(rng.integers(0, 30 * 1440)))).isoformat())
    night, monthly = pts.iloc[10], pts.iloc[150]
    fridays = pd.date_range("2024-03-01", "2024-03-22", freq="W-FRI")  # not 30/31 March (clocks change)
    for k in range(30):  # Fri or Sat, 20:00-01:59
        day = fridays[k % len(fridays)] + pd.Timedelta(days=k % 2)
        t = day + pd.Timedelta(hours=20 + k % 6, minutes=int(rng.integers(0, 60)))
        add(night.x + rng.normal(0, 8), night.y + rng.normal(0, 8), t.isoformat(), cat="antisocial_behaviour")
    for _ in range(6):
        add(night.x + rng.normal(0, 8), night.y + rng.normal(0, 8), "2024-03-01T00:00:00", prec="month")
    for _ in range(25):
        add(monthly.x + rng.normal(0, 8), monthly.y + rng.normal(0, 8), "2024-03-01T00:00:00", prec="month")
    return recs


def test_planted_night_hotspot_and_an_all_month_one(client, service, boundaries, fake_map) -> None:  # noqa: F811
    r = client.post("/api/v1/incidents", json={"incidents": _planted(service, boundaries)})
    assert r.status_code == 200 and r.json()["rejected"] == 0, r.text
    m = client.post("/api/v1/tasking/meetings", json={"group": "tactical", "date": "2024-04-09",
                                                        "period_from": "2024-03-01", "period_to": "2024-04-01"}).json()
    doc = client.get(PACK.format(m["id"])).text
    profiles = _profiles(doc)
    night = [p for p in profiles.values() if p["bands"] and p["bands"][0][0] == "Fri–Sat 20:00–02:00"]
    assert len(night) == 1, [p["text"][:120] for p in profiles.values()]
    _words, pct, count, n = night[0]["bands"][0]
    assert night[0]["excluded"] == "6" and int(n) == 30 and int(count) == 30 and pct == "100"
    assert night[0]["total"] == "36"
    monthly = [p for p in profiles.values() if "dated only to the month: no weekday or hour profile" in p["text"]]
    assert len(monthly) == 1 and monthly[0]["grid"] == [] and monthly[0]["excluded"] == "25"
    assert "All 25 incidents inside this hotspot" in monthly[0]["text"]
    # the emerging window ends with the period: March 2024 is its last month
    assert "the 24 whole months 2022-04 to 2024-03" in " ".join(_section(doc).split())


def test_pack_profiles_do_not_fail_without_hotspots(client, service, fake_map) -> None:  # noqa: F811
    m = client.post("/api/v1/tasking/meetings", json={"group": "east", "date": "2024-04-09"}).json()
    key = {"X-API-Key": create_key(service.engine, role="viewer", name="v")}
    doc = client.get(PACK.format(m["id"]), headers=key).text
    sec = _section(doc)
    assert "No hotspots found in this period." in sec
    assert "Emerging patterns unavailable" in sec  # no incidents at all in the 24 months
