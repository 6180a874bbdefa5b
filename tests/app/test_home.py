"""The home page ``GET /`` and the local API docs (``/docs``, ``/redoc``).

First with the test client on planted data (counts, dates, sources and the synthetic label
checked against the planted rows), then in headless Chromium against the real HTTP server on
the demo data: the page, Swagger UI and ReDoc render, no request fails or leaves 127.0.0.1,
and every link on the home page answers 200.
"""

from __future__ import annotations

import re
import threading
import time
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx
import pandas as pd
import pytest
import uvicorn
from fastapi.testclient import TestClient

from app.demo import load_demo
from app.main import create_app
from app.security import issue_key
from geo.ingest import parse_native_records
from tests.app.test_maps_browser import MISSING, Browser, free_port
from tests.conftest import ADMIN_KEY, make_service

# planted: (agency, source_id, category, occurred_at UK time, easting, northing), in Bathgate
PLANTED = [
    ("police", "P1", "vandalism", "2026-03-01T10:00:00", 297500, 668700),
    ("police", "P2", "theft", "2026-03-15T23:30:00", 297600, 668800),
    ("fire", "F1", "deliberate_fire", "2026-04-02T18:00:00", 297700, 668900),
]


def _store(svc, rows, *, key_name: str, filename: str) -> None:
    cols = ["agency", "source_id", "category", "occurred_at", "easting", "northing"]
    recs = pd.DataFrame(rows, columns=cols).to_dict(orient="records")
    report = svc.store(svc.validate(parse_native_records(recs)), fmt="native", filename=filename, key_name=key_name)
    assert report["accepted"] == len(rows), report


class Links(HTMLParser):
    """Every href/src of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v for k, v in attrs if k in ("href", "src") and v]


def links(html: str) -> list[str]:
    p = Links()
    p.feed(html)
    return p.urls


def test_home_counts_dates_sources_and_synthetic_label(client: TestClient, service) -> None:
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "No incidents stored yet" in r.text and 'id="synthetic"' not in r.text
    _store(service, PLANTED[:2], key_name="demo", filename="demo (synthetic)")
    page = client.get("/").text
    assert 'id="synthetic"' in page and "SYNTHETIC DEMO DATA" in page
    assert re.search(r'<strong id="total">2</strong>', page)
    _store(service, PLANTED[2:], key_name="analyst", filename="fire-april.csv")
    page = client.get("/").text
    # independent: the planted rows by agency and by source, dates in Europe/London
    df = pd.DataFrame(PLANTED, columns=["agency", "id", "cat", "at", "e", "n"])
    assert re.search(rf'<strong id="total">{len(df)}</strong>', page)
    assert f'<span id="first">{min(df["at"])[:10]}</span>' in page
    assert f'<span id="last">{max(df["at"])[:10]}</span>' in page
    for agency, n in df.groupby("agency").size().items():
        assert f"<td>{agency}</td><td class=\"n\">{n}</td>" in page
    assert "<td>demo (synthetic)</td><td>native</td><td>yes</td><td class=\"n\">2</td>" in page
    assert "<td>fire-april.csv</td><td>native</td><td>no</td><td class=\"n\">1</td>" in page
    assert "2 of the 3 stored incidents are SYNTHETIC" in page


def test_home_links_are_local_and_groups_have_current_period(client: TestClient) -> None:
    page = client.get("/").text
    urls = links(page)
    assert urls and all(not urlsplit(u).netloc for u in urls), urls  # no CDN, no other host
    maps = [u for u in urls if u.startswith("/api/v1/maps/tasking/")]
    assert {urlsplit(u).path.rsplit("/", 1)[1] for u in maps} == {"east", "west", "all"}
    today = pd.Timestamp.now(tz="Europe/London").date()
    month = today.replace(day=1)
    assert f"/api/v1/maps/tasking/west?from={(pd.Timestamp(month) - pd.DateOffset(months=1)).date()}&amp;to={month}" in page
    assert f"from={(pd.Timestamp(month) - pd.DateOffset(months=3)).date()}" in page  # strategic: 3 months
    for u in ("/docs", "/redoc", "/meetings", "/openapi.json"):
        assert u in urls


def test_home_needs_a_key_and_viewer_may_open_it(client: TestClient, service) -> None:
    r = client.get("/", headers={"X-API-Key": ""})
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")
    # a browser signed in on the meeting pages (key cookie) opens the home page too
    r = client.get("/", headers={"X-API-Key": ""}, cookies={"key": ADMIN_KEY})
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    _, key = issue_key(service.engine, role="viewer", name="screen")
    r = client.get("/", headers={"X-API-Key": key})
    assert r.status_code == 200 and "you are signed in as viewer" in r.text


def test_docs_pages_use_only_local_assets(client: TestClient) -> None:
    for path, needed in (("/docs", ("swagger-ui-bundle.js", "swagger-ui.css")), ("/redoc", ("redoc.standalone.js",))):
        r = client.get(path, headers={"X-API-Key": ""})  # public, like the OpenAPI document
        assert r.status_code == 200, path
        assert not re.search(r"(?:src|href)=[\"']?(?:https?:)?//", r.text), r.text
        assert "fonts.googleapis" not in r.text and "cdn.jsdelivr" not in r.text
        for name in needed:
            (url,) = [u for u in links(r.text) if u.endswith(name)]
            a = client.get(url)
            assert a.status_code == 200 and len(a.content) > 10_000, url
    assert '"validatorUrl": null' in client.get("/docs").text
    assert client.get("/docs/oauth2-redirect").status_code == 200


def test_docs_answer_503_naming_the_fix_without_assets(backend, tmp_path, boundaries) -> None:
    svc = make_service(backend, tmp_path, boundaries, vendor_dir=tmp_path / "nothing")
    with TestClient(create_app(service=svc), raise_server_exceptions=False) as c:
        r = c.get("/docs")
        assert r.status_code == 503 and "npm ci" in r.json()["detail"] and "/openapi.json" in r.json()["detail"]
    svc.engine.dispose()


# --------------------------------------------------------------------------- in Chromium
browser_needed = pytest.mark.skipif(
    bool(MISSING) and not __import__("os").environ.get("CI"), reason=f"needs {', '.join(MISSING)}"
)


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory, boundaries):
    if MISSING:
        pytest.fail(f"CI must run the browser tests: missing {', '.join(MISSING)}")
    svc = make_service("sqlite", tmp_path_factory.mktemp("home"), boundaries, tile_url="none")
    load_demo(svc)
    app = create_app(service=svc)
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    h = {"X-API-Key": ADMIN_KEY}
    r = httpx.post(f"{base}/api/v1/tasking/meetings", headers=h, timeout=60,
                   json={"group": "west", "date": "2026-06-01", "title": "June WEST"})
    assert r.status_code == 201, r.text
    yield base, app
    srv.should_exit = True
    thread.join(15)
    svc.engine.dispose()


@pytest.fixture
def browser(tmp_path):
    b = Browser(tmp_path / "profile")
    yield b
    b.close()


def _open(browser: Browser, url: str, ready: str) -> str:
    s = browser.page(headers={"X-API-Key": ADMIN_KEY})
    browser.send("Page.navigate", {"url": url}, session=s)
    browser.wait_event("Page.loadEventFired", timeout=60)
    browser.wait_js(s, ready, timeout=60)
    return s


def _only_local(browser: Browser, base: str) -> None:
    reqs = browser.requests()
    assert reqs
    outside = [u for u in reqs if not (u.startswith(base + "/") or u.startswith(("data:", "blob:", "about:")))]
    assert not outside, outside
    assert not browser.failures(), browser.failures()
    assert not browser.exceptions(), browser.exceptions()


@browser_needed
def test_home_page_in_chromium_renders_offline_and_every_link_resolves(demo_server, browser) -> None:
    base, app = demo_server
    s = _open(browser, base + "/", "document.querySelectorAll('a.map-link').length")
    state = browser.eval(s, "JSON.stringify({maps: document.querySelectorAll('a.map-link').length,"
                            " packs: [...document.querySelectorAll('a.pack-link')].map(a => a.href),"
                            " total: document.getElementById('total').textContent,"
                            " synthetic: !!document.getElementById('synthetic'),"
                            " hrefs: [...document.querySelectorAll('a[href]')].map(a => a.href)})")
    import json

    st = json.loads(state)
    n = httpx.get(f"{base}/api/v1/health", timeout=30).json()["incidents"]
    assert st["maps"] == 4 and st["synthetic"] and st["total"].replace(",", "") == str(n)
    assert st["packs"] == [f"{base}/api/v1/tasking/meetings/1/pack"]
    _only_local(browser, base)
    paths = {r.path for r in app.routes if hasattr(r, "path")}
    pages = any(p == "/meetings" or p.startswith("/meetings/") for p in paths)  # helper-a's pages
    checked = 0
    for href in dict.fromkeys(st["hrefs"]):
        assert href.startswith(base + "/"), href
        if urlsplit(href).path.startswith("/meetings") and not pages:
            continue  # the meetings pages are registered by their own router
        r = httpx.get(href, headers={"X-API-Key": ADMIN_KEY}, timeout=120)
        assert r.status_code == 200, (href, r.status_code, r.text[:300])
        checked += 1
    assert checked >= 10


@browser_needed
def test_swagger_ui_and_redoc_render_offline_in_chromium(demo_server, browser) -> None:
    base, _ = demo_server
    s = _open(browser, base + "/docs", "document.querySelectorAll('.opblock').length > 10")
    title = browser.eval(s, "document.querySelector('.info .title').textContent")
    assert "West Lothian" in title
    s = _open(browser, base + "/redoc", "document.querySelectorAll('[role=menuitem], li[data-item-id]').length > 10")
    assert "West Lothian" in browser.eval(s, "document.body.innerText")
    _only_local(browser, base)
    assert urljoin(base, "/openapi.json") in browser.requests()
