"""``hotspots pull police-uk`` against a local server replaying recorded API responses.

The recorded responses are built from the real Lincolnshire month (2024-03) in the API's JSON
shape (https://data.police.uk/docs/method/crime-street/): 1,500 of its records, spread over
January to March 2024, their points moved by one affine map from Lincolnshire's bounding box
onto West Lothian's (so that some fall inside the study area). The server answers each
``POST /crimes-street/all-crime`` with the month's records inside the polygon, and 503 when
there are more than 150 (as the real API does past 10,000), so the client must split. The
expected counts come from the planted records themselves (shapely point-in-polygon on the
council area, distinct ids), not from the service.
"""

from __future__ import annotations

import csv
import http.server
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs

import httpx
import numpy as np
import pandas as pd
import pytest
import shapely
import sqlalchemy as sa

from app.pull import pull_police_uk
from geo.errors import ParameterError
from geo.ingest import to_bng, to_wgs84
from geo.policeuk_api import API_CATEGORIES
from tests.conftest import BOUNDARIES, shared_data

EXE = str(Path(sys.executable).parent / "hotspots")
MONTHS = ("2024-01", "2024-02", "2024-03")
CAP = 150
SLUG = {v: k for k, v in API_CATEGORIES.items()}


def recorded(boundaries) -> dict[str, list[dict[str, object]]]:
    text = shared_data("incidents/lincolnshire/2024-03-lincolnshire-street.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    rows = [r for r in rows if r["Longitude"] and r["Latitude"]][:1500]
    lon = np.array([float(r["Longitude"]) for r in rows])
    lat = np.array([float(r["Latitude"]) for r in rows])
    x0, y0, x1, y1 = boundaries.area.bounds
    wl_lon, wl_lat = to_wgs84([x0, x1], [y0, y1])
    nlon = wl_lon[0] + (lon - lon.min()) / np.ptp(lon) * (wl_lon[1] - wl_lon[0])
    nlat = wl_lat[0] + (lat - lat.min()) / np.ptp(lat) * (wl_lat[1] - wl_lat[0])
    out: dict[str, list[dict[str, object]]] = {m: [] for m in MONTHS}
    for i, r in enumerate(rows):
        month = MONTHS[i % 3]
        out[month].append({
            "category": SLUG[r["Crime type"]],
            "location_type": "Force",
            "location": {"latitude": f"{nlat[i]:.6f}", "longitude": f"{nlon[i]:.6f}",
                         "street": {"id": 1000 + i, "name": r["Location"]}},
            "context": "",
            "outcome_status": {"category": r["Last outcome category"], "date": month} if r["Last outcome category"] else None,
            "persistent_id": r["Crime ID"],
            "id": 90_000_000 + i,
            "location_subtype": "",
            "month": month,
        })  # fmt: skip
    return out


def expected_inside(boundaries, data) -> dict[str, int]:
    """Distinct records per month whose point lies in the council area (independent of
    the service: shapely on the area outline, ids as the API client derives them)."""
    out = {}
    for month, recs in data.items():
        lon = [float(r["location"]["longitude"]) for r in recs]  # type: ignore[index]
        lat = [float(r["location"]["latitude"]) for r in recs]  # type: ignore[index]
        x, y = to_bng(lon, lat)
        # the documented rule (geo/join.py): inside, or within 50 m of, the council area
        inside = shapely.dwithin(boundaries.area, shapely.points(x, y), 50.0)
        ids = {r["persistent_id"] or ("no crime id", r["id"]) for r, ok in zip(recs, inside, strict=True) if ok}
        out[month] = len(ids)
    return out


class Replay(http.server.BaseHTTPRequestHandler):
    data: ClassVar[dict[str, list[dict[str, object]]]] = {}
    log: ClassVar[list[str]] = []
    fail_on: tuple[str, int] | None = None  # (month, n-th request of that month) -> 500
    hang_on: str | None = None  # month whose first request never returns
    hung = threading.Event()

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        month, poly = form["date"][0], form["poly"][0]
        type(self).log.append(month)
        n = type(self).log.count(month)
        if self.path != "/api/crimes-street/all-crime":
            return self._send(404, b"[]")
        if self.fail_on == (month, n):
            return self._send(500, b"internal error")
        if self.hang_on == month:
            type(self).hung.set()
            time.sleep(600)
        ring = [tuple(map(float, p.split(","))) for p in poly.split(":")]
        shape = shapely.Polygon([(lng, lat) for lat, lng in ring])
        recs = self.data.get(month, [])
        lon = np.array([float(r["location"]["longitude"]) for r in recs])  # type: ignore[index]
        lat = np.array([float(r["location"]["latitude"]) for r in recs])  # type: ignore[index]
        hits = [r for r, ok in zip(recs, shapely.contains_xy(shape, lon, lat), strict=True) if ok]
        if len(hits) > CAP:
            return self._send(503, b"")
        return self._send(200, json.dumps(hits).encode())

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def api(boundaries):
    data = recorded(boundaries)
    handler = type("H", (Replay,), {"data": data, "log": [], "fail_on": None, "hang_on": None, "hung": threading.Event()})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield handler, f"http://127.0.0.1:{httpd.server_address[1]}/api", expected_inside(boundaries, data)
    httpd.shutdown()


def _env(tmp_path: Path, url: str) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("HOTSPOTS_")}
    return e | {"HOTSPOTS_DATA_DIR": str(tmp_path / "data"), "HOTSPOTS_BOUNDARIES_DIR": str(BOUNDARIES),
                "HOTSPOTS_POLICE_UK_URL": url}  # fmt: skip


def pull(tmp_path: Path, url: str) -> subprocess.CompletedProcess[str]:
    args = [EXE, "pull", "police-uk", "--from", "2024-01", "--to", "2024-03"]
    return subprocess.run(args, capture_output=True, text=True, env=_env(tmp_path, url), cwd=tmp_path, timeout=300, check=False)


def stored(engine: sa.Engine) -> dict[str, int]:
    """Stored incidents per month (Europe/London), checking no source id is there twice."""
    with engine.connect() as c:
        rows = c.execute(sa.text("select occurred_at, source_id, date_precision from incidents")).all()
    df = pd.DataFrame(rows, columns=["at", "id", "dp"])
    assert not df["id"].duplicated().any() and set(df["dp"]) <= {"month"}
    months = pd.to_datetime(df["at"]).dt.tz_localize("UTC").dt.tz_convert("Europe/London").dt.strftime("%Y-%m")
    return {str(k): int(v) for k, v in months.value_counts().sort_index().items()}


def sqlite_engine(tmp_path: Path) -> sa.Engine:
    return sa.create_engine(f"sqlite:///{tmp_path / 'data' / 'hotspots.db'}")


def test_pull_splits_fails_midway_resumes_and_never_stores_twice(service, api) -> None:
    handler, url, want = api
    assert all(n > CAP for n in want.values())  # each month needs a split
    svc = make_service_with_url(service, url)
    handler.fail_on = ("2024-02", 3)  # the third request of February fails
    rep = pull_police_uk(svc, "2024-01", "2024-03")
    assert rep.error and rep.error.startswith("2024-02:") and "run the same command again" in rep.error
    (jan,) = rep.months
    assert (jan.month, jan.status, jan.accepted, jan.duplicates, jan.rejected) == ("2024-01", "stored", want["2024-01"], 0, 0)
    assert jan.received == jan.accepted + jan.outside and jan.outside > 0  # the margin's records
    assert stored(svc.engine) == {"2024-01": want["2024-01"]}  # February: nothing of it stored
    handler.fail_on, handler.log[:] = None, []
    rep = pull_police_uk(svc, "2024-01", "2024-03")
    assert rep.error is None and [m.status for m in rep.months] == ["skipped", "stored", "stored"]
    assert "2024-01" not in handler.log
    assert stored(svc.engine) == want
    handler.log[:] = []
    rep = pull_police_uk(svc, "2024-01", "2024-03")  # a third run asks for nothing
    assert [m.status for m in rep.months] == ["skipped"] * 3 and handler.log == []
    assert stored(svc.engine) == want
    # the same records again under another batch name are all duplicates
    from app.pull import _month_records, _store_month
    from geo.policeuk_api import area_polygons

    with httpx.Client() as http:
        recs = _month_records(http, url, area_polygons(svc.boundaries.area), "2024-03")
    again = _store_month(svc, "again", recs, None)
    assert again.accepted == 0 and again.duplicates == want["2024-03"]
    assert stored(svc.engine) == want


def make_service_with_url(svc, url: str):
    from app.service import Service

    return Service(svc.settings.model_copy(update={"police_uk_url": url}), boundaries=svc.boundaries)


def test_cli_pull_killed_midway_resumes_with_exact_counts(tmp_path, api) -> None:
    handler, url, want = api
    handler.hang_on = "2024-03"
    args = [EXE, "pull", "police-uk", "--from", "2024-01", "--to", "2024-03"]
    proc = subprocess.Popen(args, env=_env(tmp_path, url), cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)  # fmt: skip
    assert handler.hung.wait(180), "the pull never reached March"
    os.killpg(proc.pid, signal.SIGKILL)  # the pull this test started
    proc.wait(30)
    proc.stdout.close()  # type: ignore[union-attr]
    proc.stderr.close()  # type: ignore[union-attr]
    eng = sqlite_engine(tmp_path)
    assert stored(eng) == {m: want[m] for m in ("2024-01", "2024-02")}
    handler.hang_on = None
    r = pull(tmp_path, url)
    assert r.returncode == 0, r.stderr
    assert "2024-01: already stored, skipped" in r.stdout and "2024-02: already stored, skipped" in r.stdout
    assert re.search(rf"2024-03: received \d+, accepted {want['2024-03']}, duplicates 0, outside the area \d+, rejected 0", r.stdout)
    assert stored(eng) == want
    eng.dispose()


def test_pull_rejects_bad_months_and_unreachable_api(tmp_path, service) -> None:
    args = [EXE, "pull", "police-uk", "--from", "2024-13", "--to", "2024-03"]
    r = subprocess.run(args, capture_output=True, text=True, env=_env(tmp_path, "http://127.0.0.1:9/api"), cwd=tmp_path, timeout=120, check=False)
    assert r.returncode == 2 and "--from must be a month YYYY-MM" in r.stderr and "Traceback" not in r.stderr
    with pytest.raises(ParameterError, match="before --from"):
        pull_police_uk(service, "2024-03", "2024-01")
    rep = pull_police_uk(make_service_with_url(service, "http://127.0.0.1:9/api"), "2024-01", "2024-01")
    assert rep.error and "unreachable" in rep.error and rep.months == []


def test_scheduled_pull_is_listed_in_feeds_and_resumes(service, api) -> None:
    """`hotspots watch --pull-police-uk-from`: each scheduled run records its months (and a
    failure) in the feeds table; a rerun pulls only what is missing."""
    from app.feeds import last_complete_month, list_feeds, scheduled_pull

    handler, url, want = api
    svc = make_service_with_url(service, url)
    handler.fail_on = ("2024-03", 2)
    first = scheduled_pull(svc, "2024-01", "2024-03")
    assert [(r["name"], r["status"]) for r in first] == [
        ("police.uk API 2024-01", "done"), ("police.uk API 2024-02", "done"), ("police.uk API 2024-01..2024-03", "failed")]
    assert [r["accepted"] for r in first[:2]] == [want["2024-01"], want["2024-02"]]
    handler.fail_on = None
    second = scheduled_pull(svc, "2024-01", "2024-03")
    assert [(r["name"], r["accepted"]) for r in second] == [("police.uk API 2024-03", want["2024-03"])]
    assert stored(svc.engine) == want
    listed = [r for r in list_feeds(svc) if r["kind"] == "pull"]
    assert len(listed) == 4 and listed[-1]["name"] == "police.uk API 2024-01"  # newest first
    import datetime as dt

    assert last_complete_month(dt.datetime(2025, 1, 15)) == "2024-12"
    assert last_complete_month(dt.datetime(2025, 3, 1)) == "2025-02"
