"""A data.police.uk file stores the same rows whichever way it arrives.

The real Lincolnshire month (data.police.uk, 2024-03, 5,671 rows) on the ``lincolnshire``
pack: uploaded over HTTP (``POST /incidents/upload?format=police-uk``, as a CSV and as a
zip archive) and loaded with the CLI (``hotspots ingest FILE --format police-uk``) into
fresh databases, the stored rows and the batch reports are identical, and every record's
small area is the file's own ``LSOA code`` (checked against the file with pandas, not the
service). The same month served as the API's JSON (``hotspots pull police-uk`` on an
``httpx.MockTransport``) and then uploaded as the file is stored once.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pandas as pd
import pytest
import shapely
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import cli
from app.config import Settings
from app.feeds import Watcher, scan_once
from app.main import create_app
from app.pull import pull_police_uk
from app.service import Service
from geo.boundaries import Boundaries
from geo.policeuk_api import API_CATEGORIES
from tests.app.conftest import LINCS_CSV
from tests.conftest import ADMIN_KEY, PG_URL, _clean_pg, shared_data

COLUMNS = ["source_id", "agency", "category", "raw_category", "occurred_at", "easting", "northing", "datazone", "ward",
           "tasking_group", "simd_rank", "simd_decile", "location_precision", "date_precision"]  # fmt: skip
REPORT = ["received", "accepted", "duplicates", "rejected"]


@pytest.fixture(scope="module")
def street() -> tuple[Path, pd.DataFrame]:
    path = shared_data(LINCS_CSV)
    return path, pd.read_csv(path, dtype=str, keep_default_na=False)


def fresh_url(backend: str, folder: Path) -> str:
    """A fresh database: a new SQLite file, or the test PostgreSQL database emptied."""
    if backend == "sqlite":
        folder.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{folder / 'db.sqlite'}"
    assert PG_URL
    _clean_pg(PG_URL)
    return PG_URL


def lincs_service(url: str, folder: Path, lincs: Boundaries, **extra: object) -> Service:
    settings = Settings(area="lincolnshire", database_url=url, admin_key=ADMIN_KEY, data_dir=folder, **extra)  # type: ignore[arg-type]
    return Service(settings, boundaries=lincs)


def stored(engine: sa.Engine) -> tuple[pd.DataFrame, list[dict[str, object]]]:
    """The stored incidents (sorted by source id) and the batches (without id, time, key)."""
    with engine.connect() as c:
        rows = pd.DataFrame(c.execute(sa.text(f"select {', '.join(COLUMNS)} from incidents")).mappings().all())
        b = c.execute(sa.text("select format, filename, received, accepted, duplicates, rejected from batches")).mappings()
        found = [dict(r) for r in b]
    rows = rows.sort_values("source_id").reset_index(drop=True)
    rows["occurred_at"] = pd.to_datetime(rows["occurred_at"]).astype(str)
    return rows, found


def upload(client: TestClient, name: str, data: bytes) -> dict[str, Any]:
    r = client.post("/api/v1/incidents/upload", params={"format": "police-uk"}, files={"file": (name, data, "text/csv")})
    assert r.status_code == 200, r.text
    doc: dict[str, Any] = r.json()
    return doc


def test_http_upload_stores_what_the_cli_stores(backend, tmp_path, lincs, street, monkeypatch) -> None:
    path, raw = street
    # HTTP into one fresh database
    svc = lincs_service(fresh_url(backend, tmp_path / "http"), tmp_path / "http", lincs)
    with TestClient(create_app(service=svc), raise_server_exceptions=False) as client:
        client.headers["X-API-Key"] = ADMIN_KEY
        doc = upload(client, path.name, path.read_bytes())
    via_http, http_batches = stored(svc.engine)
    svc.engine.dispose()
    # the CLI into another
    url = fresh_url(backend, tmp_path / "cli")
    monkeypatch.delenv("HOTSPOTS_BOUNDARIES_DIR", raising=False)
    env = {"HOTSPOTS_AREA": "lincolnshire", "HOTSPOTS_DATABASE_URL": url, "HOTSPOTS_DATA_DIR": str(tmp_path / "cli"),
           "HOTSPOTS_ADMIN_KEY": ADMIN_KEY}  # fmt: skip
    res = CliRunner().invoke(cli, ["ingest", str(path), "--format", "police-uk"], env=env)
    assert res.exit_code == 1, res.output  # rows were rejected
    via_cli, cli_batches = stored(sa.create_engine(url))
    pd.testing.assert_frame_equal(via_http, via_cli)
    # and the watched folder (`hotspots watch DIR`) into a third
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / path.name).write_bytes(path.read_bytes())
    svc = lincs_service(fresh_url(backend, tmp_path / "watch"), tmp_path / "watch", lincs)
    [watched] = scan_once(svc, Watcher(inbox), settle=False)
    via_watch, watch_batches = stored(svc.engine)
    svc.engine.dispose()
    assert watched["status"] == "done" and watched["format"] == "police-uk"
    pd.testing.assert_frame_equal(via_http, via_watch)
    assert watch_batches == http_batches
    assert http_batches == cli_batches == [{"format": "police-uk", "filename": path.name, **{k: doc[k] for k in REPORT}}]
    m = re.search(r"received (\d+), accepted (\d+), duplicates (\d+), rejected (\d+)", res.output)
    assert m and [int(g) for g in m.groups()] == [doc[k] for k in REPORT] == [5671, 5665, 0, 6]
    printed = re.findall(r"row (\d+): (\w+): (.+)", res.output)
    assert printed == [(str(e["row"]), e["field"], e["message"]) for e in doc["errors"]]
    # independent of the service: each record's small area is its row's LSOA code
    codes = set(lincs.datazones["code"])
    inside = raw[raw["LSOA code"].isin(codes)]
    assert len(via_http) == len(inside) == 5665
    with_id = inside[inside["Crime ID"] != ""].set_index("Crime ID")["LSOA code"]
    got = via_http.set_index("source_id")["datazone"]
    assert got.reindex(with_id.index).tolist() == with_id.tolist()
    pd.testing.assert_series_equal(got.value_counts().sort_index(), inside["LSOA code"].value_counts().sort_index(),
                                   check_names=False)  # fmt: skip
    # the rejected rows are those whose LSOA lies outside the seven districts
    outside = [i + 1 for i in range(len(raw)) if raw["LSOA code"].iloc[i] not in codes]
    assert [e["row"] for e in doc["errors"]] == outside


def test_zip_upload_and_reupload_add_nothing(backend, tmp_path, lincs, street) -> None:
    path, _ = street
    svc = lincs_service(fresh_url(backend, tmp_path), tmp_path, lincs)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(path, f"2024-03/{path.name}")
        z.writestr("2024-03/2024-03-lincolnshire-outcomes.csv", "Crime ID,Month\nx,2024-03\n")
    with TestClient(create_app(service=svc), raise_server_exceptions=False) as client:
        client.headers["X-API-Key"] = ADMIN_KEY
        first = upload(client, "archive.zip", buf.getvalue())
        rows, _ = stored(svc.engine)
        again = upload(client, path.name, path.read_bytes())
        assert [first[k] for k in REPORT] == [5671, 5665, 0, 6]
        assert [again[k] for k in REPORT] == [5671, 0, 5665, 6] and again["errors"] == first["errors"]
        after, _ = stored(svc.engine)
        pd.testing.assert_frame_equal(rows, after)
        # a zip whose street files unpack past the upload limit is refused (413), nothing stored
        object.__setattr__(svc.settings, "max_upload_bytes", len(buf.getvalue()) + 10)
        r = client.post("/api/v1/incidents/upload", params={"format": "police-uk"},
                        files={"file": ("archive.zip", buf.getvalue(), "application/zip")})  # fmt: skip
        assert r.status_code == 413 and r.headers["content-type"].startswith("application/problem+json")
        assert "uncompressed" in r.json()["detail"]
        bad = client.post("/api/v1/incidents/upload", params={"format": "police-uk"},
                          files={"file": ("a.zip", b"PK\x03\x04 not really", "application/zip")})  # fmt: skip
        assert bad.status_code == 422 and "not a readable zip" in bad.json()["detail"]
    assert len(stored(svc.engine)[0]) == 5665
    svc.engine.dispose()


def api_transport(raw: pd.DataFrame) -> httpx.MockTransport:
    """The API answering with the file's records in its JSON shape (no LSOA code, blank
    persistent_id where the file has no Crime ID), in reverse file order."""
    slug = {v: k for k, v in API_CATEGORIES.items()}
    recs = [{
        "category": slug[r["Crime type"]], "location_type": "Force", "context": "", "outcome_status": None,
        "location": {"latitude": r["Latitude"], "longitude": r["Longitude"], "street": {"id": 1, "name": r["Location"]}},
        "persistent_id": r["Crime ID"], "id": 120_000_000 + i, "location_subtype": "", "month": r["Month"],
    } for i, r in enumerate(raw.to_dict("records"))][::-1]  # fmt: skip
    lon = [float(r["location"]["longitude"]) for r in recs]
    lat = [float(r["location"]["latitude"]) for r in recs]

    def handle(request: httpx.Request) -> httpx.Response:
        form = parse_qs(request.content.decode())
        ring = [tuple(map(float, p.split(","))) for p in form["poly"][0].split(":")]
        inside = shapely.contains_xy(shapely.Polygon([(x, y) for y, x in ring]), lon, lat)
        hits = [r for r, ok in zip(recs, inside, strict=True) if ok and form["date"][0] == r["month"]]
        return httpx.Response(200, content=json.dumps(hits).encode())

    return httpx.MockTransport(handle)


def test_a_crime_pulled_from_the_api_and_read_from_the_file_is_stored_once(backend, tmp_path, lincs, street) -> None:
    path, raw = street
    in_area = int(raw["LSOA code"].isin(set(lincs.datazones["code"])).sum())
    for order in ("api first", "file first"):
        folder = tmp_path / order.replace(" ", "-")
        svc = lincs_service(fresh_url(backend, folder), folder, lincs, police_uk_url="http://api.invalid/api")
        with TestClient(create_app(service=svc), raise_server_exceptions=False) as client, \
                httpx.Client(transport=api_transport(raw)) as http:  # fmt: skip
            client.headers["X-API-Key"] = ADMIN_KEY
            if order == "api first":
                pulled = pull_police_uk(svc, "2024-03", "2024-03", client=http)
                doc = upload(client, path.name, path.read_bytes())
                assert doc["accepted"] == 0 and doc["duplicates"] == in_area == 5665 and doc["rejected"] == 6
            else:
                doc = upload(client, path.name, path.read_bytes())
                pulled = pull_police_uk(svc, "2024-03", "2024-03", client=http)
                assert doc["accepted"] == in_area
            (m,) = pulled.months
            assert pulled.error is None and m.accepted + m.duplicates == in_area and m.rejected == 0
            assert m.accepted == (in_area if order == "api first" else 0)
            with svc.engine.connect() as c:
                n, distinct = c.execute(sa.text("select count(*), count(distinct source_id) from incidents")).one()
            assert n == distinct == in_area
        svc.engine.dispose()
