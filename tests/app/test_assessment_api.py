"""GET /api/v1/assessments/strategic: every JSON figure against a pandas oracle computed
from the planted raw records, the trend against statsmodels, viewer suppression, the
year's operations, HTML and PDF (pdftotext: section titles and page numbers), and the
demo end to end — on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from datetime import datetime
from html import unescape

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

import app.assessment as assessment_module
from app.assessment import SECTION_TITLES
from app.db import evaluations
from app.demo import load_demo
from app.security import create_key
from geo.ingest import parse_native_records

URL = "/api/v1/assessments/strategic"
PNG = b"\x89PNG\r\n\x1a\n" + b"fake-map-for-the-test"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
#: category -> (agency, counts 2021..2025 per planted zone group)
PLAN = {
    "antisocial_behaviour": ("police", [40, 50, 62, 75, 95]),
    "assault": ("police", [30, 31, 29, 30, 30]),
    "deliberate_secondary_fire": ("fire", [20, 18, 15, 12, 10]),
    "collision_serious": ("road", [6, 5, 7, 6, 8]),
    "collision_fatal": ("road", [1, 0, 1, 0, 2]),
    "weapons": ("police", [0, 0, 0, 3, 2]),
}


def _need(tool: str | None, what: str) -> None:
    if tool is None:
        if os.environ.get("CI"):
            raise AssertionError(f"CI must have {what}")
        pytest.skip(f"{what} not installed")


@pytest.fixture
def fake_map(monkeypatch):
    monkeypatch.setattr(assessment_module, "print_map_png", lambda svc, who, group, window: PNG)


def _records(boundaries) -> pd.DataFrame:
    """The planted records: every category's yearly count spread over seeded data zones."""
    rng = np.random.default_rng(15)
    dz = boundaries.datazones
    pts = dz.geometry.representative_point()
    rows = []
    for cat, (agency, counts) in PLAN.items():
        for i, n in enumerate(counts):
            year = 2021 + i
            for _ in range(n):
                k = int(rng.integers(len(dz)))
                day = pd.Timestamp(f"{year}-01-01") + pd.Timedelta(days=int(rng.integers(365)))
                rows.append({"category": cat, "agency": agency, "datazone": dz["code"].iloc[k],
                             "easting": float(pts.iloc[k].x), "northing": float(pts.iloc[k].y),
                             "occurred_at": f"{day.date()}T12:00:00"})
    # the first and last days, so that 2021 and 2025 are covered completely
    for d in ("2021-01-01T09:00:00", "2025-12-31T12:00:00"):
        rows.append(rows[0] | {"occurred_at": d, "category": "theft", "agency": "police"})
    df = pd.DataFrame(rows)
    df["source_id"] = [f"P{i}" for i in range(len(df))]
    wards = gpd.sjoin(gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.easting, df.northing), crs=dz.crs),
                      boundaries.wards[["code", "tasking_group", "geometry"]].rename(columns={"code": "ward"}),
                      predicate="within", how="left")
    df["ward"] = wards["ward"].to_numpy()
    df["tasking_group"] = wards["tasking_group"].to_numpy()
    df["year"] = df["occurred_at"].str[:4].astype(int)
    return df


@pytest.fixture
def planted(service, boundaries) -> pd.DataFrame:
    df = _records(boundaries)
    cols = ["source_id", "agency", "category", "occurred_at", "easting", "northing"]
    raw = parse_native_records(df[cols].to_dict(orient="records"))
    report = service.store(service.validate(raw), fmt="native", filename="planted", key_name="test")
    assert report["accepted"] == len(df)
    return df


def _rows(doc: dict, table: str) -> dict:
    return {r["key"]: r for r in doc["tables"][table]["rows"]}


def _check_table(doc: dict, table: str, oracle: pd.DataFrame, pop) -> None:
    got = _rows(doc, table)
    years = list(range(2021, 2026))
    for key, series in oracle.iterrows():
        r = got[str(key)]
        assert r["counts"] == [int(series.get(y, 0)) for y in years], (table, key)
        p = pop[key] if isinstance(pop, dict) else pop
        assert r["rates_per_1000"][-1] == pytest.approx(round(1000 * series.get(2025, 0) / p, 3))
        prev = series.get(2024, 0)
        if prev:
            assert r["change_pct"] == pytest.approx(round(100 * (series.get(2025, 0) - prev) / prev, 1))
    assert sum(sum(r["counts"]) for r in got.values()) == int(oracle.sum().sum())


def test_json_figures_against_a_pandas_oracle(client, planted, boundaries) -> None:
    r = client.get(URL, params={"year": 2025, "format": "json"})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert [p["label"] for p in doc["periods"]] == ["2021", "2022", "2023", "2024", "2025"]
    assert doc["year"]["partial"] is False
    wpop = boundaries.wards.set_index("code")["population"].astype(float).to_dict()
    area = sum(wpop.values())
    assert doc["population"] == round(area)
    df = planted
    _check_table(doc, "category", df.groupby(["category", "year"]).size().unstack(fill_value=0), area)
    _check_table(doc, "agency", df.groupby(["agency", "year"]).size().unstack(fill_value=0), area)
    _check_table(doc, "ward", df.groupby(["ward", "year"]).size().unstack(fill_value=0), wpop)
    gpop = boundaries.wards.groupby("tasking_group")["population"].sum().astype(float).to_dict()
    _check_table(doc, "tasking_group", df.groupby(["tasking_group", "year"]).size().unstack(fill_value=0), gpop)
    ksi = df[df["category"].isin(["collision_fatal", "collision_serious"])]
    _check_table(doc, "ksi_ward", ksi.groupby(["ward", "year"]).size().unstack(fill_value=0), wpop)
    # deprivation: incidents in the 15 % most deprived zones (national rank <= 1046) against residents
    dz = boundaries.datazones.set_index("code")
    deprived = set(dz.index[dz["simd_rank"] <= 1046])
    pop_share = dz.loc[list(deprived), "population"].sum() / dz["population"].sum()
    for row, (year, g) in zip(doc["deprivation"]["rows"], df.groupby("year"), strict=True):
        assert row["label"] == str(year) and row["incidents"] == len(g)
        assert row["in_most_deprived"] == int(g["datazone"].isin(deprived).sum())
        assert row["share_incidents"] == pytest.approx(g["datazone"].isin(deprived).mean())
        assert row["share_population"] == pytest.approx(pop_share)


def test_trend_against_statsmodels(client, planted) -> None:
    doc = client.get(URL, params={"year": 2025, "format": "json"}).json()
    for cat in ("antisocial_behaviour", "deliberate_secondary_fire", "assault"):
        y = np.array(PLAN[cat][1], dtype=float)
        fit = sm.GLM(y, sm.add_constant(np.arange(5.0)), family=sm.families.Poisson()).fit()
        phi = max(1.0, fit.pearson_chi2 / fit.df_resid)
        p = 2 * stats.norm.sf(abs(fit.params[1] / (fit.bse[1] * np.sqrt(phi))))
        t = _rows(doc, "category")[cat]["trend"]
        assert t["rate_ratio"] == pytest.approx(np.exp(fit.params[1]), rel=1e-6)
        assert t["p_value"] == pytest.approx(p, rel=1e-6)
    assert _rows(doc, "category")["antisocial_behaviour"]["trend"]["direction"] == "increase"
    assert _rows(doc, "category")["deliberate_secondary_fire"]["trend"]["direction"] == "decrease"
    assert _rows(doc, "category")["assault"]["trend"]["direction"] == "none"


def test_group_west_counts_only_its_wards(client, planted, boundaries) -> None:
    doc = client.get(URL, params={"year": 2025, "group": "west", "format": "json"}).json()
    west = planted[planted["tasking_group"] == "WEST"]
    got = _rows(doc, "category")
    for cat, g in west.groupby("category"):
        assert got[cat]["counts"][-1] == int((g["year"] == 2025).sum())
    assert set(_rows(doc, "ward")) == set(boundaries.group_wards("west"))


def test_priorities_rank_and_reasons(client, planted) -> None:
    rows = client.get(URL, params={"year": 2025, "format": "json"}).json()["priorities"]["rows"]
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    totals = [r["total"] for r in rows]
    assert totals == sorted(totals, reverse=True)
    for r in rows:
        w = {"volume": 0.25, "trend": 0.2, "harm": 0.25, "deprivation": 0.15, "partnership": 0.15}
        assert r["total"] == pytest.approx(sum(w[k] * r["scores"][k] for k in w), abs=1e-3)
        assert r["reason"].startswith(f"Rank {r['rank']} of {len(rows)}")
    names = [r["name"] for r in rows]
    assert "Weapons" not in names  # 2 incidents: below min_count
    asb = next(r for r in rows if r["name"] == "Antisocial behaviour and disorder")
    assert asb["count"] == 95 and asb["trend"]["direction"] == "increase" and asb["scores"]["trend"] == 1.0


def _small_ints(obj) -> list:
    if isinstance(obj, dict):
        return [v for k, x in obj.items() if k in ("counts", "totals", "in_most_deprived") for v in _small_ints(x)] + \
            [v for k, x in obj.items() if k not in ("counts", "totals", "in_most_deprived") and isinstance(x, dict | list)
             for v in _small_ints(x)]
    if isinstance(obj, list):
        return [v for x in obj for v in (_small_ints(x) if isinstance(x, dict | list) else [x])]
    return [obj]


def test_viewer_gets_the_disclosure_controlled_view(client, service, planted) -> None:
    key = create_key(service.engine, role="viewer", name="screen")
    doc = client.get(URL, params={"year": 2025, "format": "json"}, headers={"X-API-Key": key}).json()
    assert doc["disclosure"]["restricted"] is True
    for name, t in doc["tables"].items():
        for j in range(len(t["years"])):
            col = [r["counts"][j] for r in t["rows"]]
            assert not any(isinstance(v, int) and 1 <= v <= 4 for v in col), name
            if col.count("<5") == 1:
                assert "c" in col, (name, j)  # secondary suppression
    weapons = _rows(doc, "category")["weapons"]
    assert weapons["counts"] == [0, 0, 0, "<5", "<5"] and weapons["trend"]["direction"] == "withheld"
    assert weapons["rates_per_1000"] == [None] * 5


def test_operations_of_the_year(client, service, planted) -> None:
    def store(name: str, start: str, conclusion: str) -> None:
        result = {"name": name, "agency": None, "categories": ["antisocial_behaviour"],
                  "windows": {"after": {"from": start, "to": "2025-09-01T00:00:00+01:00", "days": 30}},
                  "all_selected": {"conclusion": conclusion, "verdict": "Incidents fell by a third. More text here."}}
        with service.engine.begin() as conn:
            conn.execute(evaluations.insert().values(id=str(uuid.uuid4()), created_at=datetime(2025, 9, 2), key_name="t",
                                                     request="{}", result=json.dumps(result)))

    store("Op Summer", "2025-08-01T00:00:00+01:00", "reduction")
    store("Op Old", "2024-08-01T00:00:00+01:00", "increase")
    ops = client.get(URL, params={"year": 2025, "format": "json"}).json()["operations"]
    assert [(o["name"], o["conclusion"], o["verdict"]) for o in ops] == [
        ("Op Summer", "reduction", "Incidents fell by a third.")]


def test_bad_parameters_are_problems(client, planted) -> None:
    for params in ({"year": 1800}, {"group": "north"}, {"year_start": 13}, {"format": "doc"}):
        r = client.get(URL, params=params)
        assert r.status_code == 422, (params, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    r = client.get(URL, params={"year": 2030})
    assert r.status_code == 422 and "no whole month" in r.json()["detail"]


def test_empty_store_is_404(client) -> None:
    assert client.get(URL).status_code == 404


def test_html_and_pdf(client, planted, fake_map, tmp_path) -> None:
    r = client.get(URL, params={"year": 2025})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = unescape(r.text)
    for title in SECTION_TITLES:
        assert title in html
    assert 'src="data:image/png;base64,' in html and "<script" not in html.lower()
    _need(CHROMIUM, "headless Chromium")
    _need(shutil.which("pdftotext"), "pdftotext (poppler-utils)")
    r = client.get(URL, params={"year": 2025, "format": "pdf"})
    assert r.status_code == 200, r.text
    assert r.content.startswith(b"%PDF") and "attachment" in r.headers["content-disposition"]
    (tmp_path / "a.pdf").write_bytes(r.content)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "a.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    for title in SECTION_TITLES:
        assert title in text
    pages = int(subprocess.run(["pdfinfo", str(tmp_path / "a.pdf")], capture_output=True, text=True,
                               check=True).stdout.split("Pages:")[1].split()[0])
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text


def test_demo_end_to_end(client, service, fake_map) -> None:
    load_demo(service)
    r = client.get(URL, params={"format": "json"})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["demo"]["demo"] == doc["demo"]["total"] > 0
    assert doc["priorities"]["rows"] and doc["hot_places"]["places"]
    frame = service.frame(assessment_module.Filters(), columns=["category", "occurred_at"])
    y = doc["periods"][-1]
    t = frame["occurred_at"]
    in_year = frame[(t >= pd.Timestamp(y["from"])) & (t < pd.Timestamp(y["to"]))]
    assert sum(r["counts"][-1] for r in doc["tables"]["category"]["rows"]) == len(in_year)
    html = client.get(URL).text
    assert "SYNTHETIC DEMO DATA" in html


def test_fiscal_year_option(client, planted) -> None:
    doc = client.get(URL, params={"year": 2024, "year_start": 4, "format": "json"}).json()
    assert [p["label"] for p in doc["periods"]] == ["2021/22", "2022/23", "2023/24", "2024/25"]
    df = planted
    t = pd.to_datetime(df["occurred_at"])
    in_year = df[(t >= "2024-04-01") & (t < "2025-04-01")]
    assert doc["tables"]["agency"]["totals"][-1] == len(in_year)


def test_printed_map_has_no_controls(client, planted, monkeypatch) -> None:
    pages: list[str] = []

    def shot(settings, page: str) -> bytes:
        pages.append(page)
        return PNG

    monkeypatch.setattr(assessment_module.mapping, "screenshot_html", shot)
    html = client.get(URL, params={"year": 2025}).text
    assert len(pages) == 1 and assessment_module.PRINT_CSS in pages[0]
    assert 'src="data:image/png;base64,' in html
