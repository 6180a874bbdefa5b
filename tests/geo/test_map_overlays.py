"""geo.maps overlays: the Gi* method in popup and legend (and the statement when no zone
is significant), the emerging-hot-spot layer, the KSI collision layer (render, look for
snippets, no browser)."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

from geo import maps
from geo.errors import ParameterError
from geo.gistar import gistar_datazones
from geo.planted import plant_incidents

TO_WGS = Transformer.from_crs(27700, 4326, always_xy=True)


def features(html: str) -> list[dict]:
    return [f for m in re.findall(r"geo_json_[0-9a-f]+_add\((\{.*?\})\);\n", html) for f in json.loads(m)["features"]]


def legend(html: str) -> str:
    m = re.search(r"""box\('tm-legend', ("(?:[^"\\]|\\.)*")""", html)
    assert m
    return str(json.loads(m.group(1)))


@pytest.fixture(scope="module")
def west(boundaries):
    codes = boundaries.group_wards("west")
    return boundaries.wards, codes


def test_gistar_method_named_and_none_significant_said(boundaries, west) -> None:
    wards, codes = west
    inc, _ = plant_incidents(boundaries, seed=5, start="2024-01-01", end="2024-04-01")
    for reps in (0, 999):
        gi = gistar_datazones(inc, boundaries, permutations=reps, seed=0)
        html = maps.render_html(maps.build_tasking_map(wards, title=maps.MapTitle("x"), focus=codes, gistar=gi))
        key = legend(html)
        sig = int((gi["confidence"] != 0).sum())
        assert (maps.gistar_method(gi.attrs["parameters"]) in key) and (
            ("999 conditional permutations (seed 0)" in key) is (reps == 999)
        )
        assert ("No data zone significant after FDR" in key) is (sig == 0)
        drawn = {f["properties"]["code"]: f["properties"]["confidence"] for f in features(html)
                 if "confidence" in f["properties"]}
        assert drawn == {c: int(v) for c, v in zip(gi["code"], gi["confidence"], strict=True) if v}
        if drawn:
            pop = next(f for f in features(html) if "confidence" in f["properties"])["properties"]["popup"]
            assert ("p_sim (FDR q)" in pop) is (reps > 0) and "<th>Method</th>" in pop
        if reps == 0:
            assert sig > 0  # the planted places are significant analytically
    none = gi.assign(confidence=0)
    html = maps.render_html(maps.build_tasking_map(wards, title=maps.MapTitle("x"), gistar=none))
    assert "No data zone significant after FDR" in legend(html)
    assert f"{maps.LAYER_NAMES['gistar']} (0 hot, 0 cold)" in html


def test_gistar_withheld_statistics_show_as_withheld(boundaries, west) -> None:
    wards, _ = west
    dz = boundaries.datazones.iloc[:2][["code", "name", "geometry"]].copy()
    gi = gpd.GeoDataFrame(dz.assign(count=["<5", 9], gi_z=[None, None], p_value=[None, None],
                                    p_fdr=[None, None], confidence=[2, -1]), crs=boundaries.datazones.crs)
    pops = [f["properties"]["popup"] for f in features(maps.render_html(
        maps.build_tasking_map(wards, title=maps.MapTitle("x"), gistar=gi, suppress_small=True)))
        if "confidence" in f["properties"]]
    assert len(pops) == 2 and all("<th>Gi* z</th><td>withheld</td>" in p for p in pops)
    assert "<th>Incidents</th><td>&lt;5</td>" in pops[0]


def emerging_frame(boundaries) -> gpd.GeoDataFrame:
    dz = boundaries.datazones.iloc[:5][["code", "name", "geometry"]].copy()
    return gpd.GeoDataFrame(dz.assign(
        pattern=["new_hot", "persistent_hot", "no_pattern", "sporadic_cold", "new_hot"],
        trend_z=[1.2, 0.1, np.nan, -2.5, 0.0], trend_p=[0.2, 0.9, np.nan, 0.01, 1.0],
        n_hot_steps=[1, 23, 0, 0, 1], n_cold_steps=[0, 0, 0, 5, 0],
    ), crs=boundaries.datazones.crs)


def test_emerging_layer_draws_patterns_not_no_pattern(boundaries, west) -> None:
    wards, _ = west
    em = emerging_frame(boundaries)
    extra = maps.ExtraLayers(emerging=em, emerging_note="24 whole months, 2024-12 to 2026-11")
    html = maps.render_html(maps.build_tasking_map(wards, title=maps.MapTitle("x"), extra=extra))
    drawn = {f["properties"]["code"]: f for f in features(html) if "pattern" in f["properties"]}
    assert {c: f["properties"]["pattern"] for c, f in drawn.items()} == {
        c: p for c, p in zip(em["code"], em["pattern"], strict=True) if p != "no_pattern"}
    for f in drawn.values():
        p = f["properties"]["pattern"]
        assert f["properties"]["style"]["fillColor"] == maps.EMERGING_COLOURS[p]
        assert "Mann–Kendall" in f["properties"]["popup"] and "count" not in f["properties"]
    assert f"{maps.LAYER_NAMES['emerging']} (3 hot, 1 cold)" in html
    key = legend(html)
    assert "New hot (2)" in key and "Persistent hot (1)" in key and "Sporadic cold (1)" in key
    assert "No pattern" not in key and "Intensifying" not in key and "24 whole months" in key
    with pytest.raises(ParameterError) as e:
        maps.build_tasking_map(wards, title=maps.MapTitle("x"), extra=maps.ExtraLayers(
            emerging=em.assign(pattern="warm")))
    assert e.value.param == "emerging"


def test_ksi_layer_points_and_hidden_points(boundaries, west) -> None:
    wards, _ = west
    pts = pd.DataFrame({
        "source_id": ["R-1", "R-2", "R-3"], "category": ["collision_fatal", "collision_serious", "collision_serious"],
        "occurred_at": pd.to_datetime(["2024-01-03 10:00", "2024-02-01 08:00", "2024-03-01 23:30"], utc=True),
        "easting": [299000.0, 300500.0, 301200.5], "northing": [668000.0, 667000.0, 669100.0],
    })
    html = maps.render_html(maps.build_tasking_map(
        wards, title=maps.MapTitle("x"), extra=maps.ExtraLayers(ksi=pts, ksi_count=3)))
    got = [f for f in features(html) if "severity" in f["properties"]]
    lon, lat = TO_WGS.transform(pts["easting"].to_numpy(), pts["northing"].to_numpy())
    assert [f["geometry"]["coordinates"] for f in got] == [[round(x, 5), round(y, 5)] for x, y in zip(lon, lat, strict=True)]
    assert [f["properties"]["severity"] for f in got] == ["fatal", "serious", "serious"]
    assert got[0]["properties"]["style"]["radius"] > got[1]["properties"]["style"]["radius"]
    assert "2024-03-01" in got[2]["properties"]["popup"] and "R-3" in got[2]["properties"]["popup"]
    assert f"{maps.LAYER_NAMES['ksi']} (3)" in html and "(fatal or serious): 3" in legend(html)
    # hidden points: the legend entry with its (suppressed) count, no layer, no point
    html = maps.render_html(maps.build_tasking_map(
        wards, title=maps.MapTitle("x"), extra=maps.ExtraLayers(ksi=None, ksi_count="<5", ksi_note="viewer role")))
    assert "(fatal or serious): &lt;5" in legend(html) and "viewer role" in legend(html)
    assert maps.LAYER_NAMES["ksi"] not in html and "R-1" not in html
    assert not [f for f in features(html) if "severity" in f["properties"]]
    with pytest.raises(ParameterError):
        maps.build_tasking_map(wards, title=maps.MapTitle("x"), extra=maps.ExtraLayers(ksi=pts.drop(columns="category")))
