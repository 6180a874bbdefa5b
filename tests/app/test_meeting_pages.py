"""The meeting in the browser (``/meetings``): sign-in by key, CSRF, roles, forms that
store exactly what the JSON API stores, and the whole cycle in headless Chromium (open
the meeting, add an action, record an update by keyboard, download the pack), each
step checked against the JSON API."""

from __future__ import annotations

import re
import secrets
import shutil
import subprocess
import threading
import time

import pandas as pd
import pytest
import uvicorn
from fastapi.testclient import TestClient

import app.mapping as mapping
from app.demo import load_demo
from app.main import create_app
from app.security import create_key
from geo.demo import generate_demo
from tests.app.test_maps_browser import MISSING, Browser, free_port, shots_dir
from tests.conftest import ADMIN_KEY, make_service

FIRES = ["deliberate_fire", "deliberate_secondary_fire"]
PNG = b"\x89PNG\r\n\x1a\n" + b"fake-map-for-the-test"


def _setup(client, service, boundaries) -> dict:
    """Two WEST meetings around the demo's Boghall operation; one action due at the second."""
    load_demo(service)
    op = generate_demo(
        boundaries.datazones, boundaries.wards, seed=service.settings.demo_seed
    ).operation
    h = {"X-API-Key": ADMIN_KEY}
    m1 = client.post(
        "/api/v1/tasking/meetings",
        headers=h,
        json={"group": "west", "date": op["start"], "period_from": op["before_start"], "period_to": op["start"]},
    ).json()
    a = client.post(
        f"/api/v1/tasking/meetings/{m1['id']}/actions",
        headers=h,
        json={
            "title": "Boghall patrols",
            "area": {"datazones": op["datazones"]},
            "categories": FIRES,
            "owner": {"name": "Sgt Smith", "organisation": "Police Scotland"},
        },
    ).json()
    m2 = client.post(
        "/api/v1/tasking/meetings",
        headers=h,
        json={"group": "west", "date": op["end"], "period_from": op["start"], "period_to": op["end"], "title": "August"},
    ).json()
    return {"m1": m1, "m2": m2, "action": a, "op": op}


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf" value="([0-9a-f]{64})"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


@pytest.fixture
def fake_map(monkeypatch):
    monkeypatch.setattr(mapping, "tasking_map_png", lambda *a, **k: PNG)


def test_sign_in_csrf_roles_and_forms_match_the_api(client, service, boundaries, fake_map) -> None:
    s = _setup(client, service, boundaries)
    mid = s["m2"]["id"]
    with TestClient(create_app(service=service), raise_server_exceptions=False) as web:
        # no key: the sign-in form, and no meeting data
        r = web.get(f"/meetings/{mid}")
        assert r.status_code == 401 and 'name="key"' in r.text and "Boghall" not in r.text
        token = _csrf(r.text)
        bad = web.post("/meetings/sign-in", data={"key": "wrong", "csrf": token}, follow_redirects=False)
        assert bad.status_code == 401 and "unknown" in bad.text
        assert "key" not in web.cookies
        # a sign-in without this session's token is refused (login CSRF)
        forged = web.post("/meetings/sign-in", data={"key": ADMIN_KEY, "csrf": "0" * 64}, follow_redirects=False)
        assert forged.status_code in (401, 403) and "key" not in web.cookies
        ok = web.post("/meetings/sign-in", data={"key": ADMIN_KEY, "csrf": token, "next": f"/meetings/{mid}"},
                      follow_redirects=False)
        assert ok.status_code == 303 and ok.headers["location"] == f"/meetings/{mid}"
        cookie = ok.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        listing = web.get("/meetings")
        assert listing.status_code == 200 and f'href="/meetings/{mid}"' in listing.text

        page = web.get(f"/meetings/{mid}")
        assert page.status_code == 200 and "Boghall patrols" in page.text
        token = _csrf(page.text)
        form = {"title": "Bonfire <night> patrols", "ward": s["action"]["area"].get("ward") or "",
                "datazones": ", ".join(s["op"]["datazones"][:2]), "owner_name": "PC Jones",
                "owner_organisation": "Police Scotland", "categories": "deliberate_fire"}
        # no token, or a token of another session: 403 and nothing stored
        before = client.get("/api/v1/tasking/actions").json()["count"]
        assert web.post(f"/meetings/{mid}/actions", data=form).status_code == 403
        other = secrets.token_hex(32)
        assert web.post(f"/meetings/{mid}/actions", data=form | {"csrf": other}).status_code == 403
        assert client.get("/api/v1/tasking/actions").json()["count"] == before
        # a refused form (two areas) shows the API's reason and stores nothing
        two = web.post(f"/meetings/{mid}/actions", data=form | {"csrf": token, "ward": "S13002830"})
        assert two.status_code == 422 and "exactly one" in two.text
        assert client.get("/api/v1/tasking/actions").json()["count"] == before
        # the form stores what the JSON API stores
        r = web.post(f"/meetings/{mid}/actions", data=form | {"csrf": token}, follow_redirects=False)
        assert r.status_code == 303, r.text
        aid = int(re.search(r"done=(\d+)", r.headers["location"]).group(1))
        a = client.get(f"/api/v1/tasking/actions/{aid}").json()
        assert a["meeting_id"] == mid and a["title"] == "Bonfire <night> patrols"
        assert a["area"]["datazones"] == sorted(s["op"]["datazones"][:2]) and a["categories"] == ["deliberate_fire"]
        assert a["owner"] == {"name": "PC Jones", "organisation": "Police Scotland"} and a["status"] == "open"
        assert a["due_date"] == (pd.Timestamp(s["op"]["end"]) + pd.DateOffset(months=1)).date().isoformat()
        shown = web.get(f"/meetings/{mid}").text
        assert "Bonfire &lt;night&gt; patrols" in shown and "<night>" not in shown  # escaped
        r = web.post(f"/meetings/{mid}/actions/{aid}/updates",
                     data={"note": "Two patrols done", "status": "in_progress", "csrf": token}, follow_redirects=False)
        assert r.status_code == 303
        u = client.get(f"/api/v1/tasking/actions/{aid}").json()
        assert u["status"] == "in_progress" and u["updates"][-1]["note"] == "Two patrols done"
        assert u["updates"][-1]["by"] == a["created_by"]
        pdf_html = web.get(f"/meetings/{mid}/pack", params={"format": "html"})
        assert pdf_html.status_code == 200 and "<h2>Actions due</h2>" in pdf_html.text

        # a viewer sees the meeting (suppressed) without forms, and cannot post
        viewer = create_key(service.engine, role="viewer", name="screen")
        web.cookies.clear()
        v = web.get(f"/meetings/{mid}", headers={"X-API-Key": viewer})
        assert v.status_code == 200 and "withheld for your role" in v.text
        assert "Add an action" not in v.text and "Record an update" not in v.text
        vt = _csrf(v.text)  # the sign-out form's token: valid for this session and key
        r = web.post(f"/meetings/{mid}/actions/{aid}/updates", data={"note": "x", "csrf": vt},
                     headers={"X-API-Key": viewer})
        assert r.status_code == 403
        assert len(client.get(f"/api/v1/tasking/actions/{aid}").json()["updates"]) == 1

        # partners: a form only on their own organisation's actions (the store's per-object rule)
        fire = create_key(service.engine, role="partner", name="sfrs", agency="fire")
        police = create_key(service.engine, role="partner", name="ps", agency="police")
        f_page = web.get(f"/meetings/{mid}", headers={"X-API-Key": fire})
        assert f_page.status_code == 200 and f'action="/meetings/{mid}/actions/{aid}/updates"' not in f_page.text
        r = web.post(f"/meetings/{mid}/actions/{aid}/updates", data={"note": "not ours", "csrf": _csrf(f_page.text)},
                     headers={"X-API-Key": fire})
        assert r.status_code == 403 and "owned by Police Scotland" in r.text
        p_page = web.get(f"/meetings/{mid}", headers={"X-API-Key": police})
        assert f'action="/meetings/{mid}/actions/{aid}/updates"' in p_page.text
        r = web.post(f"/meetings/{mid}/actions/{aid}/updates", data={"note": "ours", "csrf": _csrf(p_page.text)},
                     headers={"X-API-Key": police}, follow_redirects=False)
        assert r.status_code == 303
        ups = client.get(f"/api/v1/tasking/actions/{aid}").json()["updates"]
        assert [u["note"] for u in ups] == ["Two patrols done", "ours"] and ups[-1]["by"] == "ps"


# ----------------------------------------------------------------------------- the browser
@pytest.fixture(scope="module")
def site(tmp_path_factory, boundaries):
    if MISSING:
        pytest.fail(f"CI must run the browser tests: missing {', '.join(MISSING)}")
    svc = make_service("sqlite", tmp_path_factory.mktemp("pages"), boundaries, tile_url="none")
    mp = pytest.MonkeyPatch()
    mp.setattr(mapping, "tasking_map_png", lambda *a, **k: PNG)
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(service=svc), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    with TestClient(create_app(service=svc), headers={"X-API-Key": ADMIN_KEY}) as api:
        s = _setup(api, svc, boundaries)
        yield base, api, s
    srv.should_exit = True
    thread.join(15)
    mp.undo()
    svc.engine.dispose()


def _type(b: Browser, sess: str, selector: str, text: str) -> None:
    assert b.eval(sess, f"(() => {{ const e = document.querySelector({selector!r}); e.focus(); return !!e; }})()")
    b.send("Input.insertText", {"text": text}, session=sess)


def _key(b: Browser, sess: str, key: str, code: int) -> None:
    for kind in ("rawKeyDown", "keyUp"):
        b.send("Input.dispatchKeyEvent", {"type": kind, "key": key, "code": key,
                                          "windowsVirtualKeyCode": code}, session=sess)
    if key == "Enter":
        b.send("Input.dispatchKeyEvent", {"type": "char", "text": "\r"}, session=sess)


def _click(b: Browser, sess: str, selector: str) -> None:
    xy = b.eval(sess, f"""(() => {{ const e = document.querySelector({selector!r}); e.scrollIntoView({{block: 'center'}});
        const r = e.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; }})()""")
    for kind in ("mousePressed", "mouseReleased"):
        b.send("Input.dispatchMouseEvent", {"type": kind, "x": xy[0], "y": xy[1], "button": "left", "clickCount": 1},
               session=sess)


def _wait_load(b: Browser, sess: str, path_part: str) -> None:
    b.wait_js(sess, f"location.href.includes({path_part!r}) && document.readyState === 'complete'", timeout=90)


def test_meeting_cycle_in_headless_chromium(site, tmp_path) -> None:
    base, api, s = site
    mid, due = s["m2"]["id"], s["action"]["id"]
    b = Browser(tmp_path / "profile")
    try:
        sess = b.page()
        b.send("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 800, "deviceScaleFactor": 1,
                                                      "mobile": False}, session=sess)
        downloads = tmp_path / "downloads"
        downloads.mkdir()
        b.send("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
        # sign in as a user would: type the key, press Enter
        b.send("Page.navigate", {"url": f"{base}/meetings"}, session=sess)
        _wait_load(b, sess, "/meetings")
        assert b.eval(sess, "!!document.querySelector('input[name=key]')")
        _type(b, sess, "#key", ADMIN_KEY)
        _key(b, sess, "Enter", 13)
        b.wait_js(sess, f"!!document.querySelector('a[href=\"/meetings/{mid}\"]')", timeout=60)
        _click(b, sess, f'a[href="/meetings/{mid}"]')
        _wait_load(b, sess, f"/meetings/{mid}")
        b.wait_js(sess, f"!!document.querySelector('#action-{due}')", timeout=90)
        # the page: readable at 1280x800 (no sideways scrolling), before/after as the API
        assert b.eval(sess, "document.documentElement.scrollWidth") <= 1280
        view = api.get(f"/api/v1/tasking/meetings/{mid}").json()
        ch = view["actions_due"][0]["change"]
        cells = b.eval(sess, f"[...document.querySelectorAll('#action-{due} td.num')].map(e => e.textContent.trim())")
        assert cells[:2] == [f"{ch['before']['count']:,}", f"{ch['after']['count']:,}"]
        hot_ids = b.eval(sess, "[...document.querySelectorAll('td.id')].map(e => e.textContent)")
        assert sorted(hot_ids) == sorted(p["id"] for p in view["hotspots"]["new"] + view["hotspots"]["continuing"])
        assert b.eval(sess, "document.querySelector('iframe.map').getAttribute('src')") == f"/meetings/{mid}/map"
        # the embedded map is the tasking map of the meeting's group and period
        b.wait_js(sess, "(() => { const d = document.querySelector('iframe.map').contentDocument;"
                        " return !!(d && d.querySelector('.leaflet-container .leaflet-hotspots-pane path, "
                        ".leaflet-container .leaflet-overlap-pane path')); })()", timeout=120)
        title = b.eval(sess, "document.querySelector('iframe.map').contentDocument.querySelector('.tm-title').innerText")
        assert "WEST tasking group" in title and s["m2"]["period"]["label"].split(" (")[0] in title
        b.screenshot(sess, shots_dir(tmp_path) / "meeting-1280x800.png")
        b.eval(sess, "document.querySelector('#hotspots').scrollIntoView()")
        b.screenshot(sess, shots_dir(tmp_path) / "meeting-actions-1280x800.png")

        # add an action through the form
        _type(b, sess, "#title", "Youth diversion at the Boghall park")
        ward = b.eval(sess, "document.querySelector('#ward option:nth-child(2)').value")
        b.eval(sess, f"document.querySelector('#ward').value = {ward!r}")
        _type(b, sess, "#owner_name", "A. Youthworker")
        b.eval(sess, "document.querySelector('#owner_organisation').value = 'West Lothian Council'")
        _click(b, sess, "#add-action")
        b.wait_js(sess, "location.search.includes('done=')", timeout=90)
        _wait_load(b, sess, "done=")
        new_id = int(b.eval(sess, "new URLSearchParams(location.search).get('done')"))
        a = api.get(f"/api/v1/tasking/actions/{new_id}").json()
        assert a["meeting_id"] == mid and a["title"] == "Youth diversion at the Boghall park"
        assert a["area"]["ward"] == ward and a["owner"]["organisation"] == "West Lothian Council"
        assert b.eval(sess, f"!!document.querySelector('#action-{new_id}')")

        # record an update on the due action with the keyboard only
        assert b.eval(sess, f"(() => {{ const s = document.querySelector('#action-{due} summary'); s.focus();"
                            " return document.activeElement === s; })()")
        _key(b, sess, "Enter", 13)  # opens the details
        _key(b, sess, "Tab", 9)
        b.send("Input.insertText", {"text": "Patrols done nightly; fewer fires reported"}, session=sess)
        _key(b, sess, "Tab", 9)
        assert b.eval(sess, "document.activeElement.name") == "status"
        b.eval(sess, "document.activeElement.value = 'done'")
        _key(b, sess, "Tab", 9)
        assert b.eval(sess, "document.activeElement.tagName") == "BUTTON"
        _key(b, sess, "Enter", 13)
        b.wait_js(sess, f"location.search.includes('done={due}')", timeout=90)
        u = api.get(f"/api/v1/tasking/actions/{due}").json()
        assert u["status"] == "done" and u["updates"][-1]["note"] == "Patrols done nightly; fewer fires reported"

        # download the pack
        _wait_load(b, sess, f"done={due}")
        _click(b, sess, "#pack-pdf")
        deadline = time.monotonic() + 120
        while not list(downloads.glob("*.pdf")) and time.monotonic() < deadline:
            time.sleep(0.25)
        pdfs = list(downloads.glob("*.pdf"))
        assert pdfs, "the pack was not downloaded"
        pdf = pdfs[0]
        assert pdf.name == f"tasking-pack-west-{s['op']['end']}.pdf" and pdf.read_bytes().startswith(b"%PDF")
        pdftotext = shutil.which("pdftotext")
        assert pdftotext, "pdftotext (poppler-utils) is needed to read the pack"
        text = subprocess.run([pdftotext, str(pdf), "-"], capture_output=True, text=True,
                              check=True, timeout=60).stdout  # reading order: a cell's lines together
        words = " ".join(text.split())
        assert "Actions due" in words and "Boghall" in words  # (a table cell may wrap)
        assert all(w in words.split() for w in ["Patrols", "done", "nightly;", "fewer", "fires", "reported"])
        requests = b.requests()
        assert all(r.startswith((base, "data:", "about:")) for r in requests), requests
    finally:
        b.close()

