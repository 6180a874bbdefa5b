"""geo.maps: render the folium map and check layers, legend, bounds, popups and assets
(folium's own testing style: render, look for snippets, check bounds; no browser)."""

from __future__ import annotations

import json
import re
import time

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from jinja2.utils import htmlsafe_json_dumps
from pyproj import Transformer
from scipy.spatial import cKDTree

from geo import maps
from geo.errors import ParameterError
from geo.hotspots import find_hotspots, to_geojson
from geo.kde import kde_surface
from geo.planted import plant_incidents

TO_WGS = Transformer.from_crs(27700, 4326, always_xy=True)
WINDOW = ("2024-01-01", "2024-07-01")


def js(s: str) -> str:
    """How a string appears inside the page's scripts (folium/jinja ``tojson``)."""
    return str(htmlsafe_json_dumps(s))


def geojson_payloads(html: str) -> list[dict]:
    """Every GeoJSON object embedded by folium.GeoJson (``<name>_add({...});``)."""
    return [
        json.loads(m)
        for m in re.findall(r"geo_json_[0-9a-f]+_add\((\{.*?\})\);\n", html)
    ]


def _hotspot(
    hid: str,
    rank: int,
    x: float,
    y: float,
    *,
    n_police: int,
    n_fire: int,
    overlap: bool,
    ward: str,
) -> dict:
    poly = shapely.Point(x, y).buffer(120)
    lon, lat = TO_WGS.transform(*np.asarray(poly.exterior.coords).T)
    return {
        "type": "Feature",
        "id": hid,
        "geometry": {"type": "Polygon", "coordinates": [list(zip(lon.tolist(), lat.tolist(), strict=True))]},
        "properties": {
            "id": hid, "rank": rank, "n": n_police + n_fire, "n_police": n_police, "n_fire": n_fire,
            "categories": {"vandalism": n_police, "deliberate_secondary_fire": n_fire},
            "wards": [ward], "datazones": ["S01012345"], "overlap": overlap, "worst_simd_decile": 2,
            "trend": {"first_half": 12, "second_half": 6, "change_pct": -50.0},
        },
    }  # fmt: skip


@pytest.fixture(scope="module")
def west(boundaries):
    codes = boundaries.group_wards("west")
    return boundaries.wards, codes


@pytest.fixture(scope="module")
def handmade(boundaries, west):
    _wards, codes = west
    pts = boundaries.wards.set_index("code").loc[codes].geometry.representative_point()
    (x1, y1), (x2, y2), (x3, y3) = [(p.x, p.y) for p in pts.iloc[:3]]
    return {
        "type": "FeatureCollection",
        "features": [
            _hotspot(
                "H-aaaaaaaaaaaa",
                1,
                x1,
                y1,
                n_police=30,
                n_fire=12,
                overlap=True,
                ward=codes[0],
            ),
            _hotspot(
                "H-bbbbbbbbbbbb",
                2,
                x2,
                y2,
                n_police=25,
                n_fire=1,
                overlap=False,
                ward=codes[1],
            ),
            _hotspot(
                "H-cccccccccccc",
                3,
                x3,
                y3,
                n_police=0,
                n_fire=9,
                overlap=False,
                ward=codes[2],
            ),
        ],
    }


@pytest.fixture(scope="module")
def gistar_frame(boundaries):
    dz = boundaries.datazones.iloc[:4][["code", "name", "geometry"]].copy()
    dz["count"] = [3, 7, 0, 12]
    dz["gi_z"] = [3.1, 2.2, -2.0, 0.3]
    dz["p_value"] = [0.002, 0.03, 0.045, 0.76]
    dz["p_fdr"] = [0.005, 0.04, 0.05, 0.76]
    dz["confidence"] = [3, 2, -2, 0]
    return gpd.GeoDataFrame(dz, geometry="geometry", crs=boundaries.datazones.crs)


@pytest.fixture(scope="module")
def planted(boundaries):
    inc, truth = plant_incidents(boundaries, seed=3, start=WINDOW[0], end=WINDOW[1])
    res = find_hotspots(inc, boundaries, eps_m=150, min_samples=8, period=WINDOW)
    return inc, truth, to_geojson(res)


def test_layers_legend_title_and_attribution(
    boundaries, west, handmade, gistar_frame, planted
) -> None:
    wards, codes = west
    inc = planted[0]
    title = maps.MapTitle(
        "WEST tasking group",
        ("Period: 2024-01-01 to 2024-07-01",),
        synthetic=True,
        notices=("a notice",),
    )
    m = maps.build_tasking_map(
        wards,
        title=title,
        focus=codes,
        datazones=boundaries.datazones,
        hotspots=handmade,
        gistar=gistar_frame,
        heat=[[55.9, -3.6, 1.0]],
        heat_note="KDE",
        incidents=inc,
        period_label="2024-01-01 to 2024-07-01",
    )
    html = maps.render_html(m)
    n_police, n_fire = (
        int((inc["agency"] == "police").sum()),
        int((inc["agency"] == "fire").sum()),
    )
    expected = [
        f"{maps.LAYER_NAMES['wards']} ({len(codes)})",
        f"{maps.LAYER_NAMES['simd']} ({len(boundaries.datazones)})",
        f"{maps.LAYER_NAMES['overlap']} (1)",
        f"{maps.LAYER_NAMES['police_hotspots']} (1)",
        f"{maps.LAYER_NAMES['fire_hotspots']} (1)",
        f"{maps.LAYER_NAMES['gistar']} (2 hot, 1 cold)",
        f"{maps.LAYER_NAMES['heat']} (1 cells)",
        f"{maps.LAYER_NAMES['police']} ({n_police:,})",
        f"{maps.LAYER_NAMES['fire']} ({n_fire:,})",
    ]
    for name in expected:
        assert js(name) in html, name
    # the layer control lists them in this order (most important first), wards last
    control = html[html.index("overlays :") :]
    positions = [control.index(js(n)) for n in expected]
    assert positions[2] < positions[3] < positions[4] < positions[5] < positions[0]
    assert "L.control.layers" in html and '"collapsed": false' in html
    assert "L.control.scale()" in html
    # title block, synthetic banner, legend and the OGL boundary attribution
    assert (
        "WEST tasking group" in html
        and "SYNTHETIC DEMO DATA" in html
        and "a notice" in html
    )
    assert (
        "Overlap: police + fire" in html
        and "Hot spot, 99% confidence" in html
        and "1 most deprived" in html
    )
    assert js("Boundaries: " + maps.BOUNDARY_ATTRIBUTION) in html
    assert maps.BOUNDARY_ATTRIBUTION.startswith(
        "Contains National Records of Scotland and Scottish Government data"
    )
    # SIMD layer off when the map opens; hotspots on (folium adds only shown layers to the map)
    simd_var = re.search(
        r"var (geo_json_[0-9a-f]+) = L\.geoJson\(null, \{[^}]*pane\": \"simd\"", html
    )
    assert simd_var is not None
    assert f"{simd_var.group(1)}.addTo(" not in html
    assert html.count(".addTo(map_") >= 4


def test_map_fitted_to_the_group_wards(west) -> None:
    wards, codes = west
    m = maps.build_tasking_map(wards, title=maps.MapTitle("WEST"), focus=codes)
    fits = [c for c in m._children.values() if isinstance(c, folium.map.FitBounds)]
    assert len(fits) == 1
    (s, w), (n, e) = fits[0].bounds
    # independent: every vertex of the group's wards through pyproj
    xy = np.vstack(
        [
            shapely.get_coordinates(g)
            for g in wards.set_index("code").loc[codes].geometry
        ]
    )
    lon, lat = TO_WGS.transform(xy[:, 0], xy[:, 1])
    np.testing.assert_allclose(
        [s, w, n, e], [lat.min(), lon.min(), lat.max(), lon.max()], rtol=1e-5
    )
    # the other wards are drawn as dashed context; ward names are labelled
    payload = geojson_payloads(maps.render_html(m))
    ward_feats = next(p for p in payload if len(p["features"]) == len(wards))[
        "features"
    ]
    dashed = [f for f in ward_feats if f["properties"]["style"]["dashArray"]]
    assert len(dashed) == len(wards) - len(codes)
    html = maps.render_html(m)
    for name in wards["name"]:
        assert "tm-ward-label" in html and name in html


def test_hotspot_layers_popups_ids_and_kinds(west, handmade) -> None:
    wards, codes = west
    m = maps.build_tasking_map(
        wards,
        title=maps.MapTitle("WEST"),
        focus=codes,
        hotspots=handmade,
        period_label="2024-01-01 to 2024-07-01 (end exclusive)",
    )
    feats = {
        f["properties"]["id"]: f["properties"]
        for p in geojson_payloads(maps.render_html(m))
        for f in p["features"]
        if "kind" in f["properties"]
    }
    assert {k: v["kind"] for k, v in feats.items()} == {
        "H-aaaaaaaaaaaa": "overlap",
        "H-bbbbbbbbbbbb": "police",
        "H-cccccccccccc": "fire",
    }
    names = dict(zip(wards["code"], wards["name"], strict=True))
    pop = feats["H-aaaaaaaaaaaa"]["popup"]
    assert "<span class='tm-id'>H-aaaaaaaaaaaa</span>" in pop
    assert "42 (police 30, fire 12)" in pop
    assert "vandalism 30" in pop and "deliberate secondary fire 12" in pop
    assert names[codes[0]] in pop
    assert "decile 2" in pop
    assert "12 → 6 (-50%)" in pop
    assert "2024-01-01 to 2024-07-01 (end exclusive)" in pop
    assert (
        feats["H-aaaaaaaaaaaa"]["label"] == "1"
        and "tm-rank-overlap" in feats["H-aaaaaaaaaaaa"]["label_class"]
    )
    assert (
        feats["H-aaaaaaaaaaaa"]["style"]["weight"]
        > feats["H-bbbbbbbbbbbb"]["style"]["weight"]
    )  # prominent
    # the input collection is not changed (it may be a cached result)
    assert "popup" not in handmade["features"][0]["properties"]


def test_planted_hotspots_land_in_their_kind_layer(boundaries, planted) -> None:
    _inc, truth, fc = planted
    m = maps.build_tasking_map(
        boundaries.wards, title=maps.MapTitle("ALL"), hotspots=fc
    )
    feats = [
        (f["properties"], shapely.geometry.shape(f["geometry"]))
        for p in geojson_payloads(maps.render_html(m))
        for f in p["features"]
        if "kind" in f["properties"]
    ]
    assert len(feats) == len(fc["features"])
    for c in truth:
        lon, lat = TO_WGS.transform(c.easting, c.northing)
        hits = [props for props, g in feats if g.contains(shapely.Point(lon, lat))]
        assert hits, c.name
        assert hits[0]["kind"] == c.kind


def test_gistar_layer_draws_significant_zones_and_suppresses(
    west, gistar_frame
) -> None:
    wards, _ = west
    for suppress, shown in ((False, "3"), (True, "&lt;5")):
        m = maps.build_tasking_map(
            wards,
            title=maps.MapTitle("x"),
            gistar=gistar_frame,
            suppress_small=suppress,
        )
        payload = [
            p
            for p in geojson_payloads(maps.render_html(m))
            if p["features"]
            and "Gi* z" in p["features"][0]["properties"].get("popup", "")
        ]
        assert len(payload) == 1
        feats = payload[0]["features"]
        assert len(feats) == 3  # the non-significant zone is not drawn
        pops = [f["properties"]["popup"] for f in feats]
        assert f"<th>Incidents</th><td>{shown}</td>" in pops[0]
        assert "<th>Incidents</th><td>7</td>" in pops[1]
        assert [f["properties"]["style"]["fillColor"] for f in feats] == [
            maps.GISTAR_BINS[c][0] for c in (3, 2, -2)
        ]


def test_incident_clusters_encode_the_points(west) -> None:
    wards, _ = west
    rng = np.random.default_rng(1)
    n = 200
    inc = pd.DataFrame({
        "source_id": [f"S{i}" for i in range(n)],
        "agency": np.where(rng.random(n) < 0.7, "police", "fire"),
        "category": rng.choice(["vandalism", "theft", "deliberate_fire"], n),
        "occurred_at": pd.Timestamp("2024-03-30T23:30Z") + pd.to_timedelta(rng.integers(0, 3 * 86400, n), unit="s"),
        "easting": rng.uniform(295000, 300000, n), "northing": rng.uniform(665000, 670000, n),
    })  # fmt: skip
    m = maps.build_tasking_map(wards, title=maps.MapTitle("x"), incidents=inc)
    clusters = [c for c in m._children.values() if isinstance(c, maps.IncidentCluster)]
    assert [c.agency for c in clusters] == ["police", "fire"]
    lon, lat = TO_WGS.transform(inc["easting"].to_numpy(), inc["northing"].to_numpy())
    local_day = (
        inc["occurred_at"].dt.tz_convert("Europe/London").dt.strftime("%Y-%m-%d")
    )
    for c in clusters:
        sel = (inc["agency"] == c.agency).to_numpy()
        np.testing.assert_allclose(c.data["lat"], lat[sel], atol=6e-6)
        np.testing.assert_allclose(c.data["lon"], lon[sel], atol=6e-6)
        assert [c.categories[i] for i in c.data["c"]] == inc.loc[
            sel, "category"
        ].tolist()
        assert [c.days[i] for i in c.data["d"]] == local_day[sel].tolist()
        assert c.data["id"] == inc.loc[sel, "source_id"].tolist()
    html = maps.render_html(m)
    assert "L.markerClusterGroup" in html and "addLayers(markers)" in html
    assert "tm-pt-police" in html and "tm-pt-fire" in html


def test_fifty_thousand_points_payload(boundaries) -> None:
    rng = np.random.default_rng(2)
    n = 50_000
    inc = pd.DataFrame({
        "source_id": [f"PS-{i:07d}" for i in range(n)], "agency": np.where(rng.random(n) < 0.85, "police", "fire"),
        "category": rng.choice(["vandalism", "theft", "assault", "deliberate_fire"], n),
        "occurred_at": pd.Timestamp("2024-01-01T00:00Z") + pd.to_timedelta(rng.integers(0, 365 * 86400, n), unit="s"),
        "easting": rng.uniform(290000, 310000, n), "northing": rng.uniform(660000, 675000, n),
    })  # fmt: skip
    t0 = time.perf_counter()
    html = maps.render_html(
        maps.build_tasking_map(
            boundaries.wards, title=maps.MapTitle("x"), incidents=inc
        )
    )
    elapsed = time.perf_counter() - t0
    assert len(html.encode()) < 10_000_000
    assert elapsed < 10


def test_asset_urls_replace_every_cdn_link(west) -> None:
    wards, _ = west
    m = maps.build_tasking_map(
        wards,
        title=maps.MapTitle("x"),
        heat=[[55.9, -3.6, 1.0]],
        incidents=pd.DataFrame(
            columns=[
                "source_id",
                "agency",
                "category",
                "occurred_at",
                "easting",
                "northing",
            ]
        ),
    )
    names = maps.asset_names(m)
    assert {
        "leaflet",
        "leaflet_css",
        "markerclusterjs",
        "leaflet-heat.js",
        "jquery",
        "bootstrap",
    } <= set(names)
    cdn_html = maps.render_html(m)
    assert names["leaflet"] in cdn_html  # no urls: folium's CDN links stay
    folium_css = dict(folium.Map.default_css)
    for dropped in maps.UNUSED_ASSETS:
        assert dropped not in names and folium_css[dropped] not in cdn_html
    urls = {n: f"/static/vendor/{n}.file" for n in names}
    maps.set_asset_urls(m, urls)
    html = maps.render_html(m)
    refs = re.findall(
        r'<script src="([^"]+)"|<link rel="stylesheet" href="([^"]+)"', html
    )
    refs = [a or b for a, b in refs]
    assert refs and all(r.startswith("/static/vendor/") for r in refs)
    assert not re.search(r'(src|href)="https?://', html)
    assert folium.Map.default_js[0][1].startswith(
        "https://"
    )  # class defaults untouched
    with pytest.raises(
        ParameterError, match="no local URL for the folium asset 'leaflet'"
    ):
        maps.set_asset_urls(
            maps.build_tasking_map(wards, title=maps.MapTitle("x")), {"jquery": "/j.js"}
        )


def test_tiles_or_plain_background(west) -> None:
    wards, _ = west
    plain = maps.render_html(
        maps.build_tasking_map(wards, title=maps.MapTitle("x"), tile_url="none")
    )
    assert "L.tileLayer" not in plain and "tm-plain" in plain
    tiled = maps.render_html(
        maps.build_tasking_map(
            wards,
            title=maps.MapTitle("x"),
            tile_url="http://127.0.0.1:9/{z}/{x}/{y}.png",
            tile_attribution="Test tiles ©",
        )
    )
    assert "L.tileLayer" in tiled and "http://127.0.0.1:9/{z}/{x}/{y}.png" in tiled
    assert "Test tiles" in tiled


def test_html_is_escaped(boundaries) -> None:
    wards = boundaries.wards.iloc[:2].copy()
    wards["name"] = ["<script>alert(1)</script>", "A & B"]
    html = maps.render_html(
        maps.build_tasking_map(wards, title=maps.MapTitle("<b>x</b>"))
    )
    assert "<script>alert(1)</script>" not in html
    assert (
        js("&lt;script&gt;alert(1)&lt;/script&gt;")[1:-1] in html
    )  # escaped, inside the script's JSON
    assert "<b>x</b>" not in html and js("&lt;b&gt;x&lt;/b&gt;")[1:-1] in html


def test_bad_inputs_name_the_argument(west) -> None:
    wards, _ = west
    with pytest.raises(ParameterError, match="`wards` has no CRS"):
        maps.build_tasking_map(
            wards.set_crs(None, allow_override=True), title=maps.MapTitle("x")
        )
    with pytest.raises(
        ParameterError, match="`focus` names wards not in `wards`: S13999999"
    ):
        maps.build_tasking_map(wards, title=maps.MapTitle("x"), focus=["S13999999"])
    with pytest.raises(ParameterError, match="`show` has the unknown layer 'roads'"):
        maps.build_tasking_map(wards, title=maps.MapTitle("x"), show={"roads": True})
    with pytest.raises(ParameterError, match="`incidents` lacks the column"):
        maps.build_tasking_map(
            wards, title=maps.MapTitle("x"), incidents=pd.DataFrame({"agency": []})
        )
    with pytest.raises(ParameterError, match="`agency` must be police or fire"):
        maps.IncidentCluster(
            {"lat": []}, categories=[], days=[], agency="council", name="x"
        )
    with pytest.raises(ParameterError, match="bandwidth_m"):
        maps.heat_floor(0)


def test_heat_floor_needs_five_incidents() -> None:
    x, y, h = 300000.0, 668000.0, 300.0
    bounds = (x - 525, y - 525, x + 525, y + 525)  # a cell centre falls on (x, y)
    five = kde_surface([x] * 5, [y] * 5, bandwidth_m=h, cell_m=50, bounds=bounds)
    four = kde_surface([x] * 4, [y] * 4, bandwidth_m=h, cell_m=50, bounds=bounds)
    floor = maps.heat_floor(h)
    np.testing.assert_allclose(five.values.max(), floor, rtol=1e-9)
    assert four.values.max() < floor
    # a random cloud: every cell at or above the floor has >= 5 incidents within h
    rng = np.random.default_rng(4)
    px, py = rng.normal(x, 400, 300), rng.normal(y, 400, 300)
    kde = kde_surface(px, py, bandwidth_m=h, cell_m=40)
    cx, cy = kde.cell_centres()
    gx, gy = np.meshgrid(cx, cy)
    above = kde.values >= floor * (1 - 1e-9)
    assert above.any() and not above.all()
    counts = np.array(
        [
            len(ix)
            for ix in cKDTree(np.c_[px, py]).query_ball_point(
                np.c_[gx[above], gy[above]], h
            )
        ]
    )
    assert counts.min() >= 5


def test_small_helpers() -> None:
    assert [maps.suppress_count(v) for v in (0, 1, 4, 5, np.int64(2), True)] == [
        0,
        "<5",
        "<5",
        5,
        "<5",
        True,
    ]
    assert maps.is_synthetic(pd.Series(["PS-1", "DEMO-F-000003"]))
    assert not maps.is_synthetic(["PS-1", "demo-1", None])
    assert maps.hotspot_kind({"overlap": False, "n_police": 3, "n_fire": 3}) == "police"
    assert (
        maps.hotspot_kind({"overlap": False, "n_police": "<5", "n_fire": 6}) == "fire"
    )
    assert (
        maps.hotspot_kind({"overlap": False, "n_police": 6, "n_fire": "<5"}) == "police"
    )
