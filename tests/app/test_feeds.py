"""Automatic data feeds: format detection, the watched folder, /feeds, and a kill test."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

from app.db import feeds, incidents
from app.feeds import Watcher, scan_once
from geo.errors import ParameterError
from geo.ingest.detect import detect_format
from tests.conftest import BOUNDARIES, shared_data


def _rows(boundaries, n: int, *, prefix: str = "W", bad: int = 0, seed: int = 0) -> list[dict]:
    rng = np.random.default_rng(seed)
    pts = boundaries.datazones.geometry.representative_point()
    rows = []
    for i in range(n):
        p = pts.iloc[int(rng.integers(len(pts)))]
        rows.append({"source_id": f"{prefix}{i}", "agency": "police" if i % 3 else "fire",
                     "category": "vandalism" if i % 3 else "deliberate_fire", "occurred_at": f"2024-0{1 + i % 9}-1{i % 9}T12:30:00",
                     "easting": round(p.x + rng.normal(0, 20), 1), "northing": round(p.y + rng.normal(0, 20), 1)})
    for i in range(bad):  # in London: rejected as outside the area
        rows[i]["easting"], rows[i]["northing"] = 530000, 180000
    return rows


def _write_csv(path: Path, rows: list[dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def _count(svc) -> int:
    with svc.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(incidents)).scalar_one())


def test_format_from_header_and_sidecar(tmp_path) -> None:
    police = shared_data("incidents/lincolnshire/2024-03-lincolnshire-street.csv").read_bytes()
    stats19 = shared_data("incidents/stats19/edinburgh_stats19_collisions_2013_2018.csv").read_bytes()
    assert detect_format(police).format == "police-uk"
    assert detect_format(stats19).format == "stats19"
    assert detect_format(b"IncidentNumber,DateTimeOfCall,IncidentType\r\n1,2024-01-01,x\r\n").format == "sfrs"
    assert detect_format(b"\xef\xbb\xbfsource_id,agency,category,occurred_at,easting,northing\n").format == "native"
    assert detect_format(b'  {"type": "FeatureCollection", "features": []}').format == "native"
    side = tmp_path / "x.csv.meta.json"
    side.write_text(json.dumps({"format": "sfrs", "agency": "fire"}))
    d = detect_format(police, sidecar=side)
    assert (d.format, d.agency, d.how) == ("sfrs", "fire", "sidecar")
    with pytest.raises(ParameterError, match="cannot tell the format"):
        detect_format(b"a,b,c\n1,2,3\n")


def test_watched_folder_ingests_moves_and_reports(client, service, boundaries, tmp_path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rows = _rows(boundaries, 50, bad=2)
    _write_csv(inbox / "police-jan.csv", rows)
    (inbox / "garbage.bin").write_bytes(b"\x00\x01 not a table \xff" * 10)
    watcher = Watcher(inbox)
    assert scan_once(service, watcher) == []  # first look: sizes recorded, nothing taken (may still be copying)
    reports = {r["file"]: r for r in scan_once(service, watcher)}
    assert reports["police-jan.csv"]["accepted"] == 48 and reports["police-jan.csv"]["rejected"] == 2
    assert reports["garbage.bin"]["status"] == "failed" and "format" in reports["garbage.bin"]["message"]
    assert _count(service) == 48
    assert (inbox / "done" / "police-jan.csv").is_file() and (inbox / "failed" / "garbage.bin").is_file()
    saved = json.loads((inbox / "done" / "police-jan.csv.report.json").read_text())
    assert saved["accepted"] == 48 and len(saved["errors"]) == 2 and saved["errors"][0]["field"]
    # the same bytes again under another name: moved, never stored twice
    _write_csv(inbox / "police-jan-again.csv", rows)
    again = scan_once(service, watcher, settle=False)
    assert again[0]["note"] == "already taken in" and _count(service) == 48
    # the same rows in a different file: counted as duplicates, not stored twice
    _write_csv(inbox / "police-jan-edited.csv", [*rows, *_rows(boundaries, 1, prefix="NEW")])
    third = scan_once(service, watcher, settle=False)
    assert third[0]["accepted"] == 1 and third[0]["duplicates"] == 48 and _count(service) == 49
    doc = client.get("/api/v1/feeds").json()
    names = [r["name"] for r in doc["rows"]]
    assert {"police-jan.csv", "garbage.bin", "police-jan-edited.csv"} <= set(names)
    assert "4 rejected rows" in doc["warning"] and "1 file" in doc["warning"]  # 2 + the same 2 again
    home = client.get("/")
    assert home.status_code == 200 and 'id="feeds-warning"' in home.text and "4 rejected rows" in home.text


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTSPOTS_")}
    return env | {"HOTSPOTS_DATA_DIR": str(tmp_path / "data"), "HOTSPOTS_BOUNDARIES_DIR": str(BOUNDARIES),
                  "HOTSPOTS_DATABASE_URL": f"sqlite:///{tmp_path / 'watch.db'}"}


@pytest.mark.slow
def test_killed_in_the_middle_of_a_file_loses_and_doubles_nothing(boundaries, tmp_path) -> None:
    """SIGKILL the watcher at several moments while it ingests a large file; afterwards a
    single pass finishes the job, and the store holds every accepted row exactly once."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rows = _rows(boundaries, 60_000, bad=7, seed=5)
    _write_csv(inbox / "big.csv", rows)
    env = _env(tmp_path)
    cmd = [str(Path(sys.executable).parent / "hotspots"), "watch", str(inbox), "--interval", "0.1"]
    engine = sa.create_engine(env["HOTSPOTS_DATABASE_URL"])
    counts_seen = set()
    for delay in (1.0, 2.5, 4.0):
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        if (inbox / "done" / "big.csv").exists():
            break
        try:
            with engine.connect() as conn:
                counts_seen.add(int(conn.execute(sa.text("select count(*) from incidents")).scalar_one()))
        except sa.exc.OperationalError:  # killed before the schema existed
            counts_seen.add(0)
    assert counts_seen, "the watcher finished before the first kill: make the file larger"
    assert counts_seen <= {0, 60_000 - 7}, counts_seen  # never a part of the batch
    r = subprocess.run([*cmd[:-2], "--once"], env=env, capture_output=True, text=True, timeout=300, check=False)
    assert r.returncode == 0, r.stderr
    with engine.connect() as conn:
        n = int(conn.execute(sa.text("select count(*) from incidents")).scalar_one())
        done = conn.execute(sa.select(feeds.c.accepted, feeds.c.status).where(feeds.c.name == "big.csv")).all()
        distinct = int(conn.execute(sa.text("select count(distinct source_id) from incidents")).scalar_one())
    engine.dispose()
    assert n == distinct == 60_000 - 7
    assert [d.status for d in done] == ["done"]
    assert (inbox / "done" / "big.csv").is_file() and not (inbox / "big.csv").exists()
