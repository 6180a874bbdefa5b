"""The `hotspots` command line, run as a real subprocess."""

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import BOUNDARIES, SHARED

EXE = str(Path(sys.executable).parent / "hotspots")


def run(args, tmp_path, **env):
    e = {k: v for k, v in os.environ.items() if not k.startswith("HOTSPOTS_")}
    e |= {"HOTSPOTS_DATA_DIR": str(tmp_path / "data"), "HOTSPOTS_BOUNDARIES_DIR": str(BOUNDARIES)} | env
    return subprocess.run([EXE, *args], capture_output=True, text=True, env=e, cwd=tmp_path, timeout=300, check=False)


def test_ingest_summary_and_exit_code(tmp_path) -> None:
    good = tmp_path / "good.csv"
    good.write_text("source_id,agency,category,occurred_at,easting,northing\nA,police,theft,2021-01-01T10:00:00,299300,668300\n")
    r = run(["ingest", str(good), "--format", "native"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "received 1, accepted 1, duplicates 0, rejected 0" in r.stdout
    r = run(["ingest", str(good)], tmp_path)
    assert r.returncode == 0 and "accepted 0, duplicates 1" in r.stdout
    lincs = SHARED / "data" / "incidents" / "lincolnshire" / "2024-03-lincolnshire-street.csv"
    r = run(["ingest", str(lincs), "--format", "police-uk"], tmp_path)
    assert r.returncode == 1
    assert "received 5671, accepted 0, duplicates 0, rejected 5671" in r.stdout
    assert "row 1: lon: coordinates outside the West Lothian council area" in r.stderr
    assert "Traceback" not in r.stderr


def test_cli_errors_are_one_line(tmp_path) -> None:
    r = run(["ingest", str(tmp_path / "missing.csv")], tmp_path)
    assert r.returncode == 2 and r.stderr.strip().startswith("error:") and "Traceback" not in r.stderr
    r = run(["boundaries", "check"], tmp_path, HOTSPOTS_BOUNDARIES_DIR=str(tmp_path / "none"))
    assert r.returncode == 1 and "HOTSPOTS_BOUNDARIES_DIR" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = run(["serve"], tmp_path, HOTSPOTS_BOUNDARIES_DIR=str(tmp_path / "none"))
    assert r.returncode == 1 and "boundaries folder" in r.stderr and "Traceback" not in r.stderr
    r = run(["keys", "create", "--role", "king", "--name", "x"], tmp_path)
    assert r.returncode == 2 and "--role must be one of" in r.stderr
    # a bad setting names its variable and what is wrong, in one line
    for var, value, says in (("HOTSPOTS_EVENT_LINK_METRES", "-5", "greater than or equal to 0"),
                             ("HOTSPOTS_EVENT_LINK_MINUTES", "soon", "a valid number")):
        r = run(["db", "upgrade"], tmp_path, **{var: value})
        line = r.stderr.strip()
        assert r.returncode == 1 and len(line.splitlines()) == 1 and "Traceback" not in line
        assert line.startswith(f"error: bad configuration: {var}: ") and says in line, line


def test_boundaries_check_reports(tmp_path) -> None:
    r = run(["boundaries", "check"], tmp_path)
    assert r.returncode == 0
    assert "data zones: 239, population 181,310" in r.stdout and "wards: 9" in r.stdout


def test_keys_create_prints_key_once_and_it_works(tmp_path, boundaries) -> None:
    r = run(["keys", "create", "--role", "viewer", "--name", "meeting screen"], tmp_path)
    assert r.returncode == 0
    key = r.stdout.strip()
    assert key.startswith("hs_") and len(key) > 30
    from app.config import Settings
    from app.db import make_engine
    from app.security import lookup

    eng = make_engine(Settings(data_dir=tmp_path / "data").effective_database_url)
    p = lookup(eng, key)
    assert p is not None and p.role == "viewer" and p.name == "meeting screen"


@pytest.fixture
def file_server(tmp_path):
    root = tmp_path / "mirror"
    root.mkdir()
    for name in ("west_lothian_datazones_2011.geojson", "west_lothian_wards_2017.geojson", "simd2020v2_scotland.csv"):
        shutil.copy(BOUNDARIES / name, root / name)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


def test_boundaries_fetch_from_local_server_verifies_checksums(tmp_path, file_server) -> None:
    root, url = file_server
    cache = tmp_path / "cache"
    env = {"HOTSPOTS_BOUNDARIES_DIR": str(cache), "HOTSPOTS_BOUNDARIES_BASE_URL": url}
    r = run(["boundaries", "fetch"], tmp_path, **env)
    assert r.returncode == 0, r.stderr
    assert "3 files verified" in r.stdout
    assert (cache / "west_lothian_datazones_2011.geojson").read_bytes() == (BOUNDARIES / "west_lothian_datazones_2011.geojson").read_bytes()
    r = run(["boundaries", "check"], tmp_path, **env)
    assert r.returncode == 0 and "data zones: 239" in r.stdout
    # a tampered file on the server is refused and not kept
    (root / "west_lothian_wards_2017.geojson").write_text("{}")
    cache2 = tmp_path / "cache2"
    r = run(["boundaries", "fetch"], tmp_path, HOTSPOTS_BOUNDARIES_DIR=str(cache2), HOTSPOTS_BOUNDARIES_BASE_URL=url)
    assert r.returncode == 1 and "SHA-256" in r.stderr
    assert not (cache2 / "west_lothian_wards_2017.geojson").exists()


def test_boundaries_fetch_unreachable(tmp_path) -> None:
    r = run(["boundaries", "fetch"], tmp_path, HOTSPOTS_BOUNDARIES_DIR=str(tmp_path / "c"), HOTSPOTS_BOUNDARIES_BASE_URL="http://127.0.0.1:9/")
    assert r.returncode == 1 and "HOTSPOTS_BOUNDARIES_DIR" in r.stderr and "Traceback" not in r.stderr


def test_boundaries_fetch_without_location_says_what_to_do(tmp_path) -> None:
    r = run(["boundaries", "fetch"], tmp_path, HOTSPOTS_BOUNDARIES_DIR=str(tmp_path / "c"))
    assert r.returncode == 1 and "HOTSPOTS_BOUNDARIES_BASE_URL" in r.stderr and "Traceback" not in r.stderr


def test_default_boundaries_are_the_shipped_copy_from_any_folder(tmp_path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    r = run(["boundaries", "check"], elsewhere, HOTSPOTS_BOUNDARIES_DIR="")  # empty = unset
    assert r.returncode == 0, r.stderr
    shipped = Path(__file__).resolve().parents[2] / "data" / "boundaries"
    assert f"boundaries in {shipped} (shipped with the package;" in r.stdout
    assert "data zones: 239, population 181,310" in r.stdout


def test_fetch_without_override_fills_the_cache_which_is_then_used(tmp_path, file_server) -> None:
    _, url = file_server
    env = {"HOTSPOTS_BOUNDARIES_DIR": "", "HOTSPOTS_BOUNDARIES_BASE_URL": url}
    r = run(["boundaries", "fetch"], tmp_path, **env)
    assert r.returncode == 0, r.stderr
    cache = tmp_path / "data" / "boundaries"
    assert "3 files verified in " + str(cache) in r.stdout and "delete the folder to go back" in r.stdout
    r = run(["boundaries", "check"], tmp_path, **env)
    assert r.returncode == 0 and f"boundaries in {cache} (fetched by `hotspots boundaries fetch`;" in r.stdout
    # an incomplete cache is not used: back to the shipped copy
    (cache / "west_lothian_wards_2017.geojson").unlink()
    r = run(["boundaries", "check"], tmp_path, **env)
    assert r.returncode == 0 and "(shipped with the package;" in r.stdout


def test_fetch_without_location_says_nothing_is_needed_to_run(tmp_path) -> None:
    r = run(["boundaries", "fetch"], tmp_path, HOTSPOTS_BOUNDARIES_DIR="")
    assert r.returncode == 1 and "the package ships the boundary files" in r.stderr


def test_ingest_police_uk_archive_zip_reports_small_area_agreement(tmp_path) -> None:
    import zipfile

    lincs = SHARED / "data" / "incidents" / "lincolnshire" / "2024-03-lincolnshire-street.csv"
    if not lincs.exists():
        pytest.skip(f"{lincs} not found")
    z = tmp_path / "police-uk-archive.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(lincs, "2024-03/2024-03-lincolnshire-street.csv")
        zf.writestr("2024-03/2024-03-lincolnshire-outcomes.csv", "Crime ID,Month\n")
    r = run(["ingest", str(z), "--format", "police-uk"], tmp_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "received 5671, accepted 0, duplicates 0, rejected 5671" in r.stdout
    assert "1 street-level file(s); small area from the file's LSOA code for 0 of 0 accepted records" in r.stdout
