"""GET /maps/tasking/{group} over HTTP (in-process) on the demo data: the page, its
local assets, viewer suppression, reuse of the hotspot results, errors."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from app import assets
from app.analysis import incidents
from app.config import Settings
from app.demo import load_demo
from app.main import create_app
from app.security import create_key
from app.service import Filters
from geo import maps
from geo.kde import kde_surface
from geo.periods import Window
from tests.conftest import ADMIN_KEY, _backends, make_service

ROOT = Path(__file__).resolve().parents[2]
# skipped only outside CI (CI runs `npm ci`, so there a missing node_modules fails)
needs_assets = pytest.mark.skipif(
    not (ROOT / "node_modules" / "leaflet").is_dir() and not os.environ.get("CI"),
    reason="node_modules missing: run `npm ci`",
)


def geojson_payloads(html: str) -> list[dict]:
    return [
        json.loads(m)
        for m in re.findall(r"geo_json_[0-9a-f]+_add\((\{.*?\})\);\n", html)
    ]


def heat_points(html: str) -> list[list[float]]:
    m = re.search(r"L\.heatLayer\(\s*(\[\[.*?\]\]),\s*\{", html, re.S)
    return json.loads(m.group(1)) if m else []


def asset_refs(html: str) -> list[str]:
    return [
        a or b
        for a, b in re.findall(
            r'<script src="([^"]+)"|<link rel="stylesheet" href="([^"]+)"', html
        )
    ]


@pytest.fixture(scope="module", params=_backends())
def demo(request, tmp_path_factory, boundaries):
    svc = make_service(
        str(request.param), tmp_path_factory.mktemp("maps"), boundaries, tile_url="none"
    )
    load_demo(svc)
    end = (
        svc.latest_incident().tz_convert("Europe/London") + pd.Timedelta(days=1)
    ).normalize()
    window = {
        "from": (end - pd.Timedelta(days=91)).strftime("%Y-%m-%d"),
        "to": end.strftime("%Y-%m-%d"),
    }
    with TestClient(create_app(service=svc), raise_server_exceptions=False) as c:
        c.headers["X-API-Key"] = ADMIN_KEY
        yield svc, c, window
    svc.engine.dispose()


@needs_assets
def test_map_page_layers_assets_and_reuse(demo, monkeypatch) -> None:
    svc, client, window = demo
    import geo.hotspots

    calls = []
    real = geo.hotspots.find_hotspots
    monkeypatch.setattr(
        geo.hotspots, "find_hotspots", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    hs = client.get("/api/v1/hotspots", params=window | {"group": "west"})
    assert hs.status_code == 200
    n_calls = len(calls)
    r = client.get("/api/v1/maps/tasking/west", params=window)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert len(calls) == n_calls  # the map reused the cached hotspot result
    html = r.text
    # the hotspot layers hold exactly the served (and stored, citable) hotspots
    served = {f["properties"]["id"]: f["properties"] for f in hs.json()["features"]}
    drawn = {
        f["properties"]["id"]: f["properties"]
        for p in geojson_payloads(html)
        for f in p["features"]
        if "kind" in f["properties"]
    }
    assert drawn.keys() == served.keys() and served
    for hid, p in drawn.items():
        assert p["kind"] == maps.hotspot_kind(served[hid])
        assert hid in p["popup"]
    # layers, legend, title, attribution, synthetic label
    for key in (
        "wards",
        "simd",
        "overlap",
        "police_hotspots",
        "fire_hotspots",
        "gistar",
        "heat",
        "police",
        "fire",
    ):
        assert maps.LAYER_NAMES[key] in html, key
    assert "WEST tasking group" in html and "SYNTHETIC DEMO DATA" in html
    assert "Boundaries: Contains National Records of Scotland" in html
    # every JS/CSS asset is the service's own, and each is served with the installed bytes
    refs = asset_refs(html)
    assert refs and all(u.startswith("/static/vendor/") for u in refs)
    assert not re.search(r'(src|href)="(https?:)?//', html)
    for url in refs:
        got = client.get(url, headers={"X-API-Key": ""})
        assert got.status_code == 200, url
        rel = url.removeprefix("/static/vendor/")
        local = (
            assets.folium_dir() / rel.removeprefix("folium/")
            if rel.startswith("folium/")
            else ROOT / "node_modules" / rel
        )
        assert got.content == local.read_bytes()
    assert (
        client.get("/static/vendor/leaflet/dist/images/layers.png").headers[
            "content-type"
        ]
        == "image/png"
    )
    # points: the analyst sees the group's incidents, all of them
    inc = incidents(
        svc, Filters(window=_window(window), wards=svc.boundaries.group_wards("west"))
    )
    assert (
        f"{maps.LAYER_NAMES['police']} ({int((inc['agency'] == 'police').sum()):,})"
        in html
    )
    assert "DEMO-P-" in html


def _window(w: dict[str, str]) -> Window:
    return Window(
        pd.Timestamp(w["from"], tz="Europe/London").tz_convert("UTC"),
        pd.Timestamp(w["to"], tz="Europe/London").tz_convert("UTC"),
    )


@needs_assets
def test_viewer_map_has_no_points_and_suppressed_counts(demo) -> None:
    svc, client, window = demo
    key = create_key(svc.engine, role="viewer", name="viewer")
    r = client.get(
        "/api/v1/maps/tasking/all", params=window, headers={"X-API-Key": key}
    )
    assert r.status_code == 200
    html = r.text
    assert (
        maps.LAYER_NAMES["police"] not in html
        and "DEMO-P-" not in html
        and "DEMO-F-" not in html
    )
    assert "L.markerClusterGroup" not in html
    assert "SYNTHETIC DEMO DATA" in html and "Viewer role" in html
    pops = [
        f["properties"].get("popup", "")
        for p in geojson_payloads(html)
        for f in p["features"]
    ]
    cells = [
        c
        for p in pops
        for c in re.findall(r"<th>(?:Incidents|Categories|Trend)</th><td>(.*?)</td>", p)
    ]
    assert len(cells) > 20 and any("&lt;5" in c for c in cells)
    counts = [
        int(n)
        for c in cells
        for n in re.findall(r"(?<![\d.,+-])\d+(?![\d.,%]| more)", c.replace(",", ""))
    ]
    assert counts and not [n for n in counts if 1 <= n <= 4]
    # heat (a rare category: sparse): exactly the top cells that at least 5 incidents
    # contribute to, recomputed here from the same incidents with geo.kde
    fire = window | {"agency": "fire", "category": "deliberate_fire"}
    got = heat_points(
        client.get(
            "/api/v1/maps/tasking/all", params=fire, headers={"X-API-Key": key}
        ).text
    )
    got_full = heat_points(client.get("/api/v1/maps/tasking/all", params=fire).text)
    inc = incidents(
        svc,
        Filters(window=_window(window), agency="fire", categories=["deliberate_fire"]),
    )
    kde = kde_surface(inc["easting"].to_numpy(), inc["northing"].to_numpy())
    top = kde.to_heat_points(top_n=4000)
    keep = [p for p in top if p[2] >= maps.heat_floor(kde.bandwidth_m) * (1 - 1e-9)]
    assert len(got_full) == len(top) and 0 < len(got) == len(keep) < len(top)
    np.testing.assert_allclose([p[:2] for p in got], [p[:2] for p in keep])
    np.testing.assert_allclose(
        [p[2] for p in got], [p[2] / keep[0][2] for p in keep], atol=1e-4
    )


@needs_assets
def test_standalone_inlines_everything(demo) -> None:
    _, client, window = demo
    r = client.get("/api/v1/maps/tasking/east", params=window | {"standalone": "true"})
    assert r.status_code == 200
    assert r.headers["content-disposition"].startswith(
        'attachment; filename="tasking-east-'
    )
    html = r.text
    assert asset_refs(html) == []
    assert "/static/vendor" not in html
    assert not re.search(
        r"""src=["']?(https?:)?//""", html
    )  # nothing loads from the network
    assert not re.search(r"""<link[^>]+href=["']?(https?:)?//""", html)
    assert not re.search(
        r"url\(\s*(?![\"']?(?:data:|#))",
        re.sub(r"<script>.*?</script>", "", html, flags=re.S),
    )
    assert (
        "L.map(" in html
        and "L.markerClusterGroup" in html
        and "data:image/png;base64," in html
    )


def test_errors_are_problems(demo, tmp_path) -> None:
    svc, client, window = demo
    r = client.get("/api/v1/maps/tasking/north")
    assert (
        r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    )
    assert r.json()["param"] == "group"
    r = client.get("/api/v1/maps/tasking/west", params={"from": "yesterday-ish"})
    assert r.status_code == 422 and r.json()["param"] == "from"
    r = client.get("/api/v1/maps/tasking/west", headers={"X-API-Key": ""})
    assert r.status_code == 401
    assert client.get("/static/vendor/leaflet/package.json").status_code in (404, 503)
    assert client.get("/static/vendor/../package.json").status_code in (404, 503)
    assert client.get("/static/vendor/folium/leaflet_heat.min.js").status_code in (
        200,
        503,
    )
    # no node_modules: a clear 503 (never a 500), unless the CDN is chosen
    empty = dict(svc.settings.model_dump(), vendor_dir=tmp_path / "none")
    svc2 = _clone(svc, Settings(**empty))
    with TestClient(create_app(service=svc2), raise_server_exceptions=False) as c:
        r = c.get(
            "/api/v1/maps/tasking/west", params=window, headers={"X-API-Key": ADMIN_KEY}
        )
        assert (
            r.status_code == 503
            and r.headers["content-type"] == "application/problem+json"
        )
        assert "npm ci" in r.json()["detail"]
        assert c.get("/static/vendor/leaflet/dist/leaflet.js").status_code == 503
    svc3 = _clone(svc, Settings(**(empty | {"assets": "cdn"})))
    with TestClient(create_app(service=svc3), raise_server_exceptions=False) as c:
        r = c.get(
            "/api/v1/maps/tasking/west", params=window, headers={"X-API-Key": ADMIN_KEY}
        )
        assert r.status_code == 200
        assert (
            "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js" in r.text
            and "/static/vendor" not in r.text
        )


def _clone(svc, settings):
    from app.service import Service

    return Service(settings, boundaries=svc.boundaries)


def test_auth_off_is_announced_on_the_map(tmp_path, boundaries) -> None:
    from fastapi.testclient import TestClient

    from app.main import create_app
    from tests.conftest import make_service

    svc = make_service("sqlite", tmp_path, boundaries, auth="off", tile_url="none")
    with TestClient(create_app(service=svc), base_url="http://127.0.0.1") as c:
        r = c.get("/api/v1/maps/tasking/west")
    if r.status_code == 503:  # node_modules missing outside CI
        import os

        assert not os.environ.get("CI")
        return
    assert r.status_code == 200 and "AUTHENTICATION IS OFF" in r.text
