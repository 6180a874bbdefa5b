"""The tasking pack: one HTML document (and PDF via headless Chromium) with the map, top
hotspots, ward statistics, deprivation, actions due, sources; demo label; suppression."""

import base64
import os
import re
import shutil
import subprocess

import pandas as pd
import pytest

import app.mapping as maps_module
from app.demo import load_demo
from app.security import create_key
from app.statistics import dz_main_group
from app.tasking import SECTION_TITLES
from geo.demo import generate_demo

FIRES = ["deliberate_fire", "deliberate_secondary_fire"]
PNG = b"\x89PNG\r\n\x1a\n" + b"fake-map-for-the-test"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _need_chromium() -> None:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            raise AssertionError("CI must have headless Chromium for the PDF pack")
        pytest.skip("headless Chromium not installed")


@pytest.fixture
def fake_map(monkeypatch):
    calls = []

    def fake(svc, who, group, window):
        calls.append((who.role, group, window))
        return PNG

    monkeypatch.setattr(maps_module, "tasking_map_png", fake)
    return calls


@pytest.fixture
def meeting(client, service, boundaries):
    """Two WEST meetings around the demo's Boghall operation; one action due at the second."""
    load_demo(service)
    demo = generate_demo(
        boundaries.datazones, boundaries.wards, seed=service.settings.demo_seed
    )
    op = demo.operation
    m1 = client.post(
        "/api/v1/tasking/meetings",
        json={
            "group": "west",
            "date": op["start"],
            "period_from": op["before_start"],
            "period_to": op["start"],
        },
    ).json()
    for title, dzs, cats in (
        ("Boghall patrols", op["datazones"], FIRES),
        ("Small area", op["datazones"][:1], ["deliberate_fire"]),
    ):
        r = client.post(
            f"/api/v1/tasking/meetings/{m1['id']}/actions",
            json={
                "title": title,
                "area": {"datazones": dzs},
                "categories": cats,
                "owner": {
                    "name": "Sgt <Smith> & Co",
                    "organisation": "Police Scotland",
                },
            },
        )
        assert r.status_code == 201
    m2 = client.post(
        "/api/v1/tasking/meetings",
        json={
            "group": "west",
            "date": op["end"],
            "period_from": op["start"],
            "period_to": op["end"],
            "title": "August",
        },
    ).json()
    return {"id": m2["id"], "demo": demo, "op": op}


def _section(doc: str, title: str) -> str:
    i = doc.index(f"<h2>{title}</h2>")
    j = doc.find("<h2>", i + 4)
    return doc[i : j if j > 0 else None]


def _cells(section: str) -> list[list[str]]:
    rows = re.findall(r"<tr>(.*?)</tr>", section, flags=re.S)
    cells = [
        [
            re.sub(r"<[^>]+>", " ", c).strip()
            for c in re.findall(r"<td>(.*?)</td>", r, flags=re.S)
        ]
        for r in rows
    ]
    return [c for c in cells if c]  # the header row has no <td>


def test_html_pack_sections_and_figures(client, service, meeting, fake_map) -> None:
    r = client.get(f"/api/v1/tasking/meetings/{meeting['id']}/pack")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    doc = r.text
    positions = [doc.index(f"<h2>{t}</h2>") for t in SECTION_TITLES]
    assert positions == sorted(positions)
    assert "SYNTHETIC DEMO DATA" in doc
    assert (
        "Sgt &lt;Smith&gt; &amp; Co" in doc and "<Smith>" not in doc
    )  # user text is escaped
    # the map is the group's snapshot for the meeting's period
    assert f"data:image/png;base64,{base64.b64encode(PNG).decode()}" in doc
    (role, group, window), *_ = fake_map
    assert (role, group) == ("admin", "west") and window.start.tz_convert(
        "Europe/London"
    ).strftime("%Y-%m-%d") == meeting["op"]["start"]

    # ward statistics: the same figures as GET /stats/wards for the period and group
    op = meeting["op"]
    stats = client.get(
        "/api/v1/stats/wards",
        params={"from": op["start"], "to": op["end"], "group": "west"},
    ).json()
    cells = {c[0]: c for c in _cells(_section(doc, "Ward statistics"))}
    for row in stats["rows"]:
        assert cells[row["ward_name"]][2] == f"{row['count']:,}"
        assert cells[row["ward_name"]][4] == f"{row['previous_count']:,}"
    assert cells["WEST total"][2] == f"{stats['summary'][0]['count']:,}"

    # deprivation: incidents in the WEST data zones and in the 15% most deprived of them
    inc = meeting["demo"].all_records  # everything the demo stores (police, fire, road)
    t = pd.to_datetime(inc.occurred_at)
    in_period = inc[(t >= op["start"]) & (t < op["end"])]
    main = dz_main_group(service)
    dz = service.boundaries.datazones.set_index("code")
    frame = service.frame(_filters(op), columns=["datazone", "simd_rank"])
    west = frame[frame.datazone.map(main) == "WEST"]
    assert len(frame) == len(in_period)
    m = re.search(r"\(([\d,]+) of ([\d,]+)\) were in the 15% most deprived", doc)
    assert m is not None
    assert int(m.group(2).replace(",", "")) == len(west)
    assert int(m.group(1).replace(",", "")) == int(
        (west.datazone.map(dz["simd_rank"]) <= 1046).sum()
    )

    # actions due with their before/after figures (as in the meeting view)
    view = client.get(f"/api/v1/tasking/meetings/{meeting['id']}").json()
    rows = _cells(_section(doc, "Actions due"))
    assert len(rows) == len(view["actions_due"]) == 2
    for row, a in zip(rows, view["actions_due"], strict=True):
        assert a["title"] in row[0]
        assert (
            row[5] == f"{a['change']['before']['count']:,}"
            and row[6] == f"{a['change']['after']['count']:,}"
        )
    # top hotspots: ranked, the first is rank 1 of GET /hotspots for the period
    hot = client.get(
        "/api/v1/hotspots",
        params={"from": op["start"], "to": op["end"], "group": "west"},
    ).json()
    top = _cells(_section(doc, "Top hotspots"))
    assert top[0][:3] == [
        "1",
        hot["features"][0]["properties"]["id"],
        f"{hot['features'][0]['properties']['n']:,}",
    ]
    assert (
        "Period analysed" in _section(doc, "Data sources and period")
        and "demo (synthetic)" in doc
    )


def _filters(op):
    from app.service import Filters
    from geo.periods import Window, parse_instant

    return Filters(
        window=Window(
            parse_instant(op["start"], param="s"), parse_instant(op["end"], param="e")
        )
    )


def test_map_unavailable_placeholder(client, meeting, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("renderer exploded")

    monkeypatch.setattr(maps_module, "tasking_map_png", broken)
    doc = client.get(f"/api/v1/tasking/meetings/{meeting['id']}/pack").text
    assert (
        "Map unavailable" in _section(doc, "Hotspot map")
        and "data:image/png" not in doc
    )
    monkeypatch.delattr(
        maps_module, "tasking_map_png"
    )  # module without the function yet
    doc = client.get(f"/api/v1/tasking/meetings/{meeting['id']}/pack").text
    assert "Map unavailable" in doc and "Top hotspots" in doc


def test_viewer_pack_is_suppressed(client, service, meeting, fake_map) -> None:
    admin = client.get(f"/api/v1/tasking/meetings/{meeting['id']}/pack").text
    viewer = {"X-API-Key": create_key(service.engine, role="viewer", name="screen")}
    doc = client.get(
        f"/api/v1/tasking/meetings/{meeting['id']}/pack", headers=viewer
    ).text
    assert "viewer-level pack" in doc and "viewer-level pack" not in admin
    small_admin = _cells(_section(admin, "Actions due"))[1]
    small_viewer = _cells(_section(doc, "Actions due"))[1]
    assert 1 <= int(small_admin[5]) <= 4  # the small area really has a small cell
    assert small_viewer[5] == "&lt;5" and small_viewer[7] == "–"
    count_columns = {
        "Top hotspots": (2, 3, 4),
        "Ward statistics": (2, 4, 6, 8, 9),
        "Deprivation concentration": (1,),
        "Actions due": (5, 6),
        "New hotspots since the last meeting": (2, 3, 4),
        "Data sources and period": (4, 5),
    }
    checked = 0
    for title, cols in count_columns.items():
        for row in _cells(_section(doc, title)):
            for i in cols:
                assert not re.fullmatch(r"[1-4]", row[i]), (title, row)
                checked += 1
    assert checked > 50
    assert fake_map[-1][0] == "viewer"  # the map is asked for with the viewer's role


def test_pack_without_demo_data_has_no_demo_label(client, fake_map) -> None:
    rec = {
        "source_id": "REAL-1",
        "agency": "police",
        "category": "theft",
        "occurred_at": "2024-03-05T10:00:00",
        "easting": 299300,
        "northing": 668300,
    }
    client.post("/api/v1/incidents", json={"incidents": [rec]})
    m = client.post(
        "/api/v1/tasking/meetings", json={"group": "tactical", "date": "2024-04-09"}
    ).json()
    doc = client.get(f"/api/v1/tasking/meetings/{m['id']}/pack").text
    assert "SYNTHETIC DEMO DATA" not in doc and "<h2>Actions due</h2>" in doc
    assert "No actions are due" in doc
    assert client.get("/api/v1/tasking/meetings/999/pack").status_code == 404
    assert (
        client.get(
            f"/api/v1/tasking/meetings/{m['id']}/pack", params={"format": "docx"}
        ).status_code
        == 422
    )


def test_pdf_pack_in_headless_chromium(client, meeting, fake_map, tmp_path) -> None:
    _need_chromium()
    r = client.get(
        f"/api/v1/tasking/meetings/{meeting['id']}/pack", params={"format": "pdf"}
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf" and r.content.startswith(
        b"%PDF"
    )
    assert (
        "attachment" in r.headers["content-disposition"]
        and ".pdf" in r.headers["content-disposition"]
    )
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        if os.environ.get("CI"):
            raise AssertionError(
                "CI must have pdftotext (poppler-utils) to check the PDF text"
            )
        pytest.skip("pdftotext not installed: PDF text not checked")
    pdf = tmp_path / "pack.pdf"
    pdf.write_bytes(r.content)
    text = subprocess.run(
        [pdftotext, "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    for title in SECTION_TITLES:
        assert title in text, title
    assert (
        "SYNTHETIC DEMO DATA" in text and "Boghall" in text
    )  # (a table cell may wrap)
    timing = text[text.index("Hotspot timing and emerging patterns") :]
    assert "Busiest:" in timing and "Emerging pattern (2024-08 to 2026-07)" in timing
    assert re.search(r"Mon\s.*\n.*Tue", timing)  # the weekday x hour grid prints as rows


def test_pdf_without_chromium_is_a_clear_503(
    backend, tmp_path, boundaries, fake_map
) -> None:
    from fastapi.testclient import TestClient

    from app.main import create_app
    from tests.conftest import ADMIN_KEY, make_service

    svc = make_service(
        backend, tmp_path, boundaries, chromium=str(tmp_path / "no-such-chromium")
    )
    try:
        with TestClient(
            create_app(service=svc),
            headers={"X-API-Key": ADMIN_KEY},
            raise_server_exceptions=False,
        ) as c:
            m = c.post(
                "/api/v1/tasking/meetings", json={"group": "east", "date": "2024-04-09"}
            ).json()
            r = c.get(
                f"/api/v1/tasking/meetings/{m['id']}/pack", params={"format": "pdf"}
            )
            assert (
                r.status_code == 503
                and r.headers["content-type"] == "application/problem+json"
            )
            assert "Chromium" in r.json()["detail"]
            assert c.get(f"/api/v1/tasking/meetings/{m['id']}/pack").status_code == 200
    finally:
        svc.engine.dispose()


def test_real_map_snapshot_in_pack(tmp_path, boundaries) -> None:
    """The pack embeds the map developer's PNG snapshot (SQLite only: it is slow)."""
    _need_chromium()
    from fastapi.testclient import TestClient

    from app.main import create_app
    from tests.conftest import ADMIN_KEY, make_service

    svc = make_service("sqlite", tmp_path, boundaries, tile_url="none")
    try:
        load_demo(svc)
        with TestClient(create_app(service=svc), headers={"X-API-Key": ADMIN_KEY}) as c:
            m = c.post(
                "/api/v1/tasking/meetings",
                json={
                    "group": "east",
                    "date": "2026-06-09",
                    "period_from": "2026-05-01",
                    "period_to": "2026-06-01",
                },
            ).json()
            doc = c.get(f"/api/v1/tasking/meetings/{m['id']}/pack").text
        sec = _section(doc, "Hotspot map")
        assert (
            "data:image/png;base64,iVBORw0KGgo" in sec and "Map unavailable" not in sec
        )
    finally:
        svc.engine.dispose()


def test_banner_counts_the_groups_own_incidents(client, service, meeting, fake_map) -> None:
    """Issue 15: the SYNTHETIC banner counts the WEST group's incidents of the period,
    not the whole council area's (it once said "2,311 of the 2,311" for 1,138)."""
    import geopandas as gpd

    doc = client.get(f"/api/v1/tasking/meetings/{meeting['id']}/pack").text
    m = re.search(r"SYNTHETIC DEMO DATA — ([\d,]+) of the ([\d,]+) incidents of this group", doc)
    assert m is not None
    demo_n, total = (int(g.replace(",", "")) for g in m.groups())
    # independent count: demo points of the period inside the WEST wards' polygons
    op = meeting["op"]
    period = service.frame(_filters(op), columns=["easting", "northing", "source_id"])
    assert period["source_id"].str.startswith("DEMO-").all()
    b = service.boundaries
    west = b.wards[b.wards["code"].isin(b.group_wards("west"))].to_crs(27700)
    pts = gpd.GeoDataFrame(period, geometry=gpd.points_from_xy(period.easting, period.northing), crs=27700)
    inside = gpd.sjoin(pts, west[["geometry"]], predicate="within")
    assert total == demo_n == inside.index.nunique()
    assert total < len(period)  # the whole area's count would be wrong
    stats = client.get("/api/v1/stats/wards", params={"from": op["start"], "to": op["end"], "group": "west"}).json()
    assert total == stats["summary"][0]["count"]


def test_pdf_keeps_hotspot_ids_whole_and_the_verdict_readable(client, meeting, fake_map, tmp_path) -> None:
    """Issue 15: hotspot ids never wrap (CSS ``white-space: nowrap`` on the id column) and
    the assessment's explanation reads as one paragraph across the page."""
    _need_chromium()
    doc = client.get(f"/api/v1/tasking/meetings/{meeting['id']}/pack").text
    assert re.search(r"table\.hotspots td:nth-child\(2\)[^{]*\{ white-space: nowrap; \}", doc)
    assert "<th>Rank</th><th>Id</th>" in _section(doc, "Top hotspots")  # the id is column 2
    r = client.get(f"/api/v1/tasking/meetings/{meeting['id']}/pack", params={"format": "pdf"})
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        if os.environ.get("CI"):
            raise AssertionError("CI must have pdftotext (poppler-utils)")
        pytest.skip("pdftotext not installed")
    pdf = tmp_path / "pack.pdf"
    pdf.write_bytes(r.content)
    layout = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True,
                            check=True, timeout=60).stdout
    ids = [row[1] for row in _cells(_section(doc, "Top hotspots"))]
    assert ids and all(i in layout for i in ids), [i for i in ids if i not in layout]
    flow = subprocess.run([pdftotext, str(pdf), "-"], capture_output=True, text=True,
                          check=True, timeout=60).stdout
    words = " ".join(flow.split())
    view = client.get(f"/api/v1/tasking/meetings/{meeting['id']}").json()
    verdict = view["actions_due"][0]["change"]["verdict"]
    _head, _, rest = verdict.partition(". ")
    assert len(rest) > 200  # a long explanation: the case that was unreadable in a narrow column
    assert " ".join(rest.split()) in words
