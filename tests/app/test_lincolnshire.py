"""Real data through the whole service: Lincolnshire Police, March 2024 (data.police.uk).

The ``lincolnshire`` area pack (LSOA 2021 + English IoD 2025, seven districts) and the real
street-level month (5,671 records). The month is loaded with the CLI
(``HOTSPOTS_AREA=lincolnshire hotspots ingest FILE --format police-uk``) on SQLite and on
PostgreSQL; every figure is checked against an independent computation from the file and
the LSOA attributes (pandas, geopandas.sjoin, esda).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import cli
from app.config import Settings
from app.main import create_app
from app.service import Service
from geo.boundaries import Boundaries
from tests.app.conftest import LINCS_CSV
from tests.conftest import ADMIN_KEY, PG_URL, _clean_pg, shared_data

MONTH = {"from": "2024-03-01", "to": "2024-04-01"}


@pytest.fixture(scope="module")
def street() -> tuple[Path, pd.DataFrame]:
    path = shared_data(LINCS_CSV)
    return path, pd.read_csv(path, dtype=str)


def _url(backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'lincs.db'}"
    assert PG_URL
    _clean_pg(PG_URL)
    return PG_URL


@pytest.fixture
def loaded(backend: str, tmp_path: Path, lincs: Boundaries, street, monkeypatch) -> Iterator[tuple[TestClient, str]]:
    """The CLI ingest (its output returned) and a client of a service on the same database."""
    path, _ = street
    url = _url(backend, tmp_path)
    env = {"HOTSPOTS_AREA": "lincolnshire", "HOTSPOTS_DATABASE_URL": url, "HOTSPOTS_DATA_DIR": str(tmp_path),
           "HOTSPOTS_ADMIN_KEY": ADMIN_KEY}
    for k in ("HOTSPOTS_BOUNDARIES_DIR",):
        monkeypatch.delenv(k, raising=False)
    res = CliRunner().invoke(cli, ["ingest", str(path), "--format", "police-uk"], env=env)
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    settings = Settings(area="lincolnshire", database_url=url, admin_key=ADMIN_KEY, data_dir=tmp_path)
    svc = Service(settings, boundaries=lincs)
    with TestClient(create_app(service=svc), raise_server_exceptions=False) as c:
        c.headers["X-API-Key"] = ADMIN_KEY
        yield c, res.output
    svc.engine.dispose()


def _rows(client: TestClient) -> pd.DataFrame:
    rows = client.get("/api/v1/incidents", params={"limit": 10000}).json()["rows"]
    return pd.DataFrame(rows)


def test_ingest_accepts_the_in_area_rows(loaded, street, lincs) -> None:
    client, out = loaded
    _, raw = street
    codes = set(lincs.datazones["code"])
    in_area = raw["LSOA code"].isin(codes)
    assert len(raw) == 5671 and int(in_area.sum()) == 5665
    assert "received 5671, accepted 5665, duplicates 0, rejected 6" in out
    # the rejected rows are exactly those whose published LSOA lies outside the 7 districts
    rejected = sorted(int(m) for m in re.findall(r"row (\d+): lon: coordinates outside the Lincolnshire area", out))
    assert rejected == sorted(int(i) + 1 for i in np.flatnonzero(~in_area.to_numpy()))
    health = client.get("/api/v1/health").json()
    assert health["area"] == "lincolnshire" and health["area_label"] == "Lincolnshire"
    assert (health["small_areas"], health["reporting_units"]) == (435, 7)
    assert (health["datazones"], health["wards"]) == (435, 7) and health["incidents"] == 5665


def test_counts_per_lsoa_equal_the_files_codes(loaded, street, lincs) -> None:
    client, out = loaded
    _, raw = street
    stored = _rows(client)
    assert len(stored) == 5665
    mine = stored["datazone"].value_counts().sort_index()
    theirs = raw.loc[raw["LSOA code"].isin(set(lincs.datazones["code"])), "LSOA code"].value_counts().sort_index()
    pd.testing.assert_series_equal(mine, theirs, check_names=False)
    # the point-in-polygon LSOA agrees with the published code: recount with geopandas.sjoin
    pts = gpd.GeoDataFrame(
        {"code": raw["LSOA code"]},
        geometry=gpd.points_from_xy(raw["Longitude"].astype(float), raw["Latitude"].astype(float)),
        crs=4326,
    ).to_crs(27700)
    pts = pts[pts["code"].isin(set(lincs.datazones["code"]))]
    j = gpd.sjoin(pts, lincs.datazones[["code", "geometry"]].rename(columns={"code": "pip"}), how="left",
                  predicate="intersects")
    first = j.sort_values("pip").groupby(level=0)["pip"].first().reindex(pts.index)
    strict_agree = int((first == pts["code"]).sum())
    m = re.search(r"for (\d+) of (\d+) accepted records, point-in-polygon agrees for (\d+)", out)
    assert m and (int(m.group(1)), int(m.group(2))) == (5665, 5665)
    reported = int(m.group(3))
    # points within the 50 m tolerance but in no polygon are snapped: they may add agreement only
    unmatched = int(first.isna().sum())
    assert strict_agree <= reported <= strict_agree + unmatched
    assert 0.97 < reported / 5665 < 0.98


def _oracle_share(raw: pd.DataFrame, lsoa: gpd.GeoDataFrame, pct: float) -> tuple[float, float, int]:
    """Share of crime and of population in the pct% most deprived LSOAs, by pandas from the files."""
    thr = math.floor(pct / 100 * 33755)
    attrs = pd.DataFrame(lsoa.drop(columns="geometry")).set_index("lsoa21_code")
    inside = raw[raw["LSOA code"].isin(attrs.index)]
    deprived = attrs["IoD2025_IMD_rank"].astype(int) <= thr
    share_crime = float(inside["LSOA code"].map(deprived).mean())
    pop = attrs["population_mid2024"].astype(int)
    return share_crime, float(pop[deprived].sum() / pop.sum()), int(deprived.sum())


def test_share_in_the_most_deprived_tenth_matches_pandas(loaded, street) -> None:
    client, _ = loaded
    _, raw = street
    lsoa = gpd.read_file(Path(__file__).resolve().parents[2] / "data" / "areas" / "lincolnshire"
                         / "lincolnshire_lsoa2021_bgc_iod2025_pop.geojson")
    crime, pop, n = _oracle_share(raw, lsoa, 10)
    doc = client.get("/api/v1/deprivation/concentration", params={**MONTH, "most_deprived_pct": 10}).json()
    assert doc["rank_threshold"] == 3375  # floor(10/100 * 33,755): English IoD 2025 national count
    assert doc["incidents_total"] == 5665
    assert doc["n_datazones_most_deprived"] == n == 39  # PROVENANCE: 39 LSOAs in IMD decile 1
    assert doc["share_incidents"] == pytest.approx(crime, abs=1e-12)
    assert doc["share_population"] == pytest.approx(pop, abs=1e-12)
    assert "English IoD 2025 national rank <= floor(10/100 * 33755) = 3375" in doc["definition"]
    assert doc["share_incidents"] > 1.5 * doc["share_population"]


def test_hotspots_gistar_and_map_on_real_data(loaded, lincs) -> None:
    esda = pytest.importorskip("esda")
    from libpysal.weights import Queen

    client, _ = loaded
    hs = client.get("/api/v1/hotspots", params=MONTH).json()
    assert hs["type"] == "FeatureCollection" and len(hs["features"]) >= 5
    for f in hs["features"]:
        assert f["geometry"]["type"] in ("Polygon", "MultiPolygon")
        lon, lat = np.asarray(f["geometry"]["coordinates"][0] if f["geometry"]["type"] == "Polygon"
                              else f["geometry"]["coordinates"][0][0])[0]
        assert -1.0 < lon < 0.5 and 52.6 < lat < 53.7  # Lincolnshire
        assert f["properties"]["n"] >= 2
    assert sum(f["properties"]["n"] for f in hs["features"]) <= 5665
    doc = client.get("/api/v1/hotspots/gistar", params={"unit": "datazone", **MONTH}).json()
    assert len(doc["features"]) == 435
    props = pd.DataFrame([f["properties"] for f in doc["features"]]).set_index("code")
    dz = lincs.datazones
    y = _rows(client)["datazone"].value_counts().reindex(dz["code"], fill_value=0).to_numpy().astype(float)
    assert (props.loc[dz["code"], "count"].to_numpy() == y).all()
    w = Queen.from_dataframe(dz, use_index=False)
    g = esda.G_Local(y, w, transform="B", star=True, permutations=0)
    np.testing.assert_allclose(props.loc[dz["code"], "gi_z"].to_numpy(dtype=float), g.Zs, rtol=0, atol=1e-6)
    assert (props["label"] == "hot").sum() >= 3
    html = client.get("/api/v1/maps/tasking/all", params=MONTH)
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "Lincolnshire (EAST + WEST)" in html.text and "West Lothian" not in html.text
    assert "English IoD 2025 decile" in html.text and "LSOAs by English IoD 2025 decile" in html.text
    for word in ("SIMD", "6,976", "data zone", "Data zone", "Police Scotland"):
        assert word not in html.text
    east = client.get("/api/v1/maps/tasking/east", params=MONTH)
    assert east.status_code == 200 and "Boston" in east.text
