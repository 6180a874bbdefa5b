"""Tests of the SYNTHETIC demo dataset generator (geo/demo/).

Every statistic is recomputed here from the generated records alone (coordinates and
times), with geopandas/pandas/scikit-learn, and compared with what the generator was
asked to plant. The boundaries come from the shared ``boundaries`` fixture
(tests/conftest.py), so the tests never skip.
"""

from __future__ import annotations

import json
import re
import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geo.boundaries import Boundaries
from geo.demo import DEMO_LABEL, DemoData, generate_demo
from geo.errors import BoundaryError, ParameterError

END = date(2026, 11, 1)
LONDON = ZoneInfo("Europe/London")
DEPRIVED_RANK = 1046  # floor(0.15 * 6976), DESIGN.md
POLICE = {
    "antisocial_behaviour",
    "vandalism",
    "theft",
    "shoplifting",
    "assault",
    "threatening_behaviour",
    "drugs",
    "housebreaking",
    "vehicle_crime",
    "burglary",  # the planted near-repeat series (issue 14)
}
FIRE = {
    "deliberate_secondary_fire",
    "deliberate_fire",
    "accidental_dwelling_fire",
    "accidental_other_fire",
    "grass_fire",
    "false_alarm",
}


@pytest.fixture(scope="module")
def demo(boundaries: Boundaries) -> DemoData:
    return generate_demo(boundaries.datazones, boundaries.wards, end=END)


@pytest.fixture(scope="module")
def when(demo: DemoData) -> pd.Series:
    """occurred_at parsed as naive Europe/London wall-clock time."""
    return pd.to_datetime(demo.incidents["occurred_at"], format="%Y-%m-%dT%H:%M:%S")


@pytest.fixture(scope="module")
def joined(demo: DemoData, boundaries: Boundaries) -> pd.DataFrame:
    """Each incident with the data zone and ward found by an independent sjoin."""
    inc = demo.incidents
    pts = gpd.GeoDataFrame(
        inc[["source_id"]],
        geometry=gpd.points_from_xy(inc["easting"], inc["northing"]),
        crs="EPSG:27700",
    )
    dz = boundaries.datazones[["code", "simd_rank", "geometry"]]
    j = gpd.sjoin(pts, dz, how="left", predicate="within")
    wards = boundaries.wards[["code", "geometry"]].rename(columns={"code": "ward"})
    jw = gpd.sjoin(pts, wards, how="left", predicate="within")
    assert j.index.is_unique, "a point fell in two data zones"
    assert not jw.index.duplicated().any(), "a point fell in two wards"
    return pd.DataFrame(
        {
            "datazone": j["code"].reindex(inc.index),
            "simd_rank": j["simd_rank"].reindex(inc.index),
            "ward": jw.groupby(level=0)["ward"].first().reindex(inc.index),
        }
    )


# ------------------------------------------------------------------ shape and labels


def test_labelled_synthetic(demo: DemoData) -> None:
    import geo.demo

    assert DEMO_LABEL == "SYNTHETIC DEMO DATA — not real police or fire records"
    assert demo.label == DEMO_LABEL
    assert "SYNTHETIC" in (geo.demo.__doc__ or "")
    inc = demo.incidents
    assert list(inc.columns) == [
        "source_id",
        "agency",
        "category",
        "raw_category",
        "occurred_at",
        "easting",
        "northing",
        "synthetic",
    ]
    assert inc["synthetic"].dtype == bool
    assert inc["synthetic"].all()
    assert inc["source_id"].is_unique
    police = inc["agency"] == "police"
    assert inc.loc[police, "source_id"].str.fullmatch(r"DEMO-P-\d{6}").all()
    assert inc.loc[~police, "source_id"].str.fullmatch(r"DEMO-F-\d{6}").all()
    assert set(inc["agency"]) == {"police", "fire"}


def test_counts_within_ten_percent(demo: DemoData) -> None:
    counts = demo.incidents["agency"].value_counts()
    assert abs(counts["police"] - 25_000) <= 2_500
    assert abs(counts["fire"] - 3_000) <= 300


def test_categories_realistic(demo: DemoData) -> None:
    inc = demo.incidents
    assert set(inc.loc[inc["agency"] == "police", "category"]) == POLICE
    assert set(inc.loc[inc["agency"] == "fire", "category"]) == FIRE
    assert inc["category"].str.fullmatch(r"[a-z]+(_[a-z]+)*").all()
    assert (inc["raw_category"].str.len() > 3).all()
    # a source wording belongs to one category only
    assert inc.groupby("raw_category")["category"].nunique().max() == 1
    shares = inc.loc[inc["agency"] == "police", "category"].value_counts(normalize=True)
    assert shares.idxmax() == "antisocial_behaviour"


def test_times_iso_local_and_in_period(demo: DemoData, when: pd.Series) -> None:
    iso = demo.incidents["occurred_at"]
    assert iso.str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d").all()
    assert when.min() >= pd.Timestamp(demo.start)
    assert when.max() < pd.Timestamp(demo.end)
    assert demo.start == date(2024, 11, 1)
    # every wall-clock time exists and is unambiguous in Europe/London
    aware = when.dt.tz_localize(LONDON, ambiguous="raise", nonexistent="raise")
    assert aware.is_monotonic_increasing  # records are sorted by time


def test_to_dict_json(demo: DemoData) -> None:
    d = demo.to_dict()
    assert json.loads(json.dumps(d, allow_nan=False))["label"] == DEMO_LABEL
    assert d["incidents"] == len(demo.incidents)
    assert sum(d["by_agency"].values()) == len(demo.incidents)


# ------------------------------------------------------------------------- space


def test_points_inside_their_datazone(
    demo: DemoData, joined: pd.DataFrame, boundaries: Boundaries
) -> None:
    inc = demo.incidents
    assert (inc["easting"] == inc["easting"].round()).all()
    assert (inc["northing"] == inc["northing"].round()).all()
    pts = gpd.GeoSeries(gpd.points_from_xy(inc["easting"], inc["northing"]))
    assert pts.within(boundaries.area).all()
    assert joined["datazone"].notna().all()
    assert (joined["datazone"].to_numpy() == demo.truth["datazone"].to_numpy()).all()
    assert (demo.truth["source_id"].to_numpy() == inc["source_id"].to_numpy()).all()
    # ... and in exactly one ward (ingest finds the ward by point-in-polygon)
    assert joined["ward"].notna().all()


def test_concentration_in_most_deprived(
    demo: DemoData, joined: pd.DataFrame, boundaries: Boundaries
) -> None:
    dz = boundaries.datazones
    pop_share = (
        dz.loc[dz["simd_rank"] <= DEPRIVED_RANK, "population"].sum()
        / dz["population"].sum()
    )
    frame = pd.DataFrame(
        {"agency": demo.incidents["agency"], "deprived": joined["simd_rank"] <= 1046}
    )
    ratios = frame.groupby("agency")["deprived"].mean() / pop_share
    overall = frame["deprived"].mean() / pop_share
    assert 1.8 <= overall <= 3.5
    assert ratios.between(1.8, 3.5).all(), ratios
    # and the rate per 1000 rises with deprivation decile (1 = most deprived)
    per_dz = joined.groupby("datazone").size().reindex(dz["code"], fill_value=0)
    rate = (
        pd.DataFrame({"n": per_dz.to_numpy(), "pop": dz["population"].to_numpy()})
        .groupby(dz["simd_decile"].to_numpy())
        .sum()
    )
    r = rate["n"] / rate["pop"]
    assert r.loc[1] > 2 * r.loc[10]


def test_planted_places_in_stated_ward_and_zones(
    demo: DemoData, joined: pd.DataFrame
) -> None:
    inc = demo.incidents
    assert [p["kind"] for p in demo.planted] == ["overlap", "police_only", "fire_only"]
    for p in demo.planted:
        mine = demo.truth["place"] == p["id"]
        assert mine.sum() == p["n"] > 0
        d = np.hypot(
            inc.loc[mine, "easting"] - p["centre_easting"],
            inc.loc[mine, "northing"] - p["centre_northing"],
        )
        assert d.max() <= p["radius_m"] + 1e-9
        assert (joined.loc[mine, "ward"] == p["ward"]).all()
        assert set(joined.loc[mine, "datazone"]) == set(p["datazones"])
        assert set(inc.loc[mine, "category"]) == set(p["categories"])
        assert set(inc.loc[mine, "agency"]) == set(p["agencies"])
        json.dumps(p, allow_nan=False)
    wards = {p["id"]: p["ward"] for p in demo.planted}
    assert wards == {
        "boghall": "S13002827",
        "livingston_centre": "S13002823",
        "breich_valley_grass": "S13002825",
    }


def test_boghall_zones_found_by_name(demo: DemoData, boundaries: Boundaries) -> None:
    dz = boundaries.datazones
    expected = sorted(dz.loc[dz["name"].str.contains("Boghall"), "code"])
    assert len(expected) == 6
    assert demo.operation["datazones"] == expected
    assert set(demo.planted[0]["datazones"]) <= set(expected)


def _near(inc: pd.DataFrame, p: dict, radius: float | None = None) -> pd.Series:
    r = p["radius_m"] if radius is None else radius
    d = np.hypot(
        inc["easting"] - p["centre_easting"], inc["northing"] - p["centre_northing"]
    )
    return d <= r


def test_planted_kinds_from_records(demo: DemoData) -> None:
    """Overlap has both agencies; the single-agency places have next to no other."""
    inc = demo.incidents
    by = {p["id"]: p for p in demo.planted}
    bog = inc[_near(inc, by["boghall"])]
    assert (bog["category"] == "vandalism").sum() >= 300
    assert (
        bog["category"].isin(["deliberate_fire", "deliberate_secondary_fire"]).sum()
        >= 150
    )
    liv = inc[_near(inc, by["livingston_centre"])]
    assert (liv["agency"] == "fire").sum() <= 0.1 * (liv["agency"] == "police").sum()
    assert (liv["category"] == "antisocial_behaviour").sum() >= 250
    grass = inc[_near(inc, by["breich_valley_grass"])]
    assert (grass["agency"] == "police").sum() <= 0.1 * (
        grass["agency"] == "fire"
    ).sum()
    assert (grass["category"] == "grass_fire").sum() >= 100


@pytest.mark.parametrize(
    ("place", "categories", "start"),
    [
        (
            "boghall",
            ["vandalism", "deliberate_fire", "deliberate_secondary_fire"],
            None,
        ),
        ("livingston_centre", ["antisocial_behaviour"], "2026-08-01"),
        ("breich_valley_grass", ["grass_fire"], "2025-11-01"),
    ],
)
def test_dbscan_finds_planted_cluster(
    demo: DemoData,
    when: pd.Series,
    place: str,
    categories: list[str],
    start: str | None,
) -> None:
    from sklearn.cluster import DBSCAN

    p = next(p for p in demo.planted if p["id"] == place)
    lo = pd.Timestamp(start or demo.operation["before_start"])
    hi = pd.Timestamp(demo.operation["before_end"] if start is None else demo.end)
    sel = demo.incidents["category"].isin(categories) & (when >= lo) & (when < hi)
    xy = demo.incidents.loc[sel, ["easting", "northing"]].to_numpy()
    labels = DBSCAN(eps=200, min_samples=5).fit_predict(xy)
    planted = (demo.truth.loc[sel, "place"] == place).to_numpy()
    assert planted.sum() >= 20
    found, n = np.unique(labels[planted], return_counts=True)
    best = found[np.argmax(n)]
    assert best != -1
    assert n.max() >= 0.9 * planted.sum()  # recall of the planted points
    centre = xy[labels == best].mean(axis=0)
    assert np.hypot(*(centre - [p["centre_easting"], p["centre_northing"]])) < 150


# -------------------------------------------------------------------------- time


def test_asb_evening_profile(demo: DemoData, when: pd.Series) -> None:
    cat = demo.incidents["category"]
    hour = when.dt.hour
    asb = cat == "antisocial_behaviour"
    assert (hour[asb] >= 18).mean() > 0.40
    # ASB: Friday and Saturday evenings busier than Monday-Thursday evenings
    evening = asb & (hour >= 18)
    dow = when.dt.dayofweek[evening]
    assert dow.isin([4, 5]).sum() / 2 > 1.2 * dow.isin([0, 1, 2, 3]).sum() / 4
    # dwelling fires peak in the evening, false alarms in working hours, assaults late
    adf = when[cat == "accidental_dwelling_fire"].dt.hour
    assert adf.between(16, 20).mean() > 5 / 24 * 1.5
    fa = when[cat == "false_alarm"].dt.hour
    assert fa.between(8, 17).mean() > 0.5
    night = when[cat == "assault"].dt.hour
    assert (night.isin([22, 23, 0, 1, 2])).mean() > 5 / 24 * 1.5


def test_bonfire_night_spike(demo: DemoData, when: pd.Series) -> None:
    dsf = when[demo.incidents["category"] == "deliberate_secondary_fire"]
    weeks = (pd.Timestamp(demo.end) - pd.Timestamp(demo.start)) / pd.Timedelta(days=7)
    average_week = len(dsf) / weeks
    bonfire = (dsf.dt.month == 11) & dsf.dt.day.between(2, 8)  # 5 Nov +- 3 days
    years = dsf[bonfire].dt.year.nunique()
    assert years == 2
    assert bonfire.sum() / years > 3 * average_week


def test_grass_fires_seasonal(demo: DemoData, when: pd.Series) -> None:
    grass = when[demo.incidents["category"] == "grass_fire"].dt.month
    assert grass.isin([3, 4, 5]).sum() > 2.5 * grass.isin([10, 11, 12]).sum()


# --------------------------------------------------------------------- operation


def test_operation_windows(demo: DemoData) -> None:
    op = demo.operation
    assert op["end"] == "2026-07-01"  # four months before END
    assert op["start"] == "2026-05-01"  # two months long
    assert op["before_start"] == "2026-03-01"
    assert op["before_end"] == op["start"]
    assert op["expected_fall"] == {"deliberate_fires": 0.7, "vandalism": 0.3}
    assert op["ward"] == "S13002827"
    assert set(op["agencies"]) == {"police", "fire"}
    json.dumps(op, allow_nan=False)


@pytest.mark.parametrize("area", ["circle", "datazones"])
def test_operation_falls(
    demo: DemoData, when: pd.Series, joined: pd.DataFrame, area: str
) -> None:
    """Before/during counts from the records show the planted -70% / -30%."""
    op = demo.operation
    inc = demo.incidents
    if area == "circle":
        inside = _near(inc, op)
    else:
        inside = joined["datazone"].isin(op["datazones"])
    before = (when >= op["before_start"]) & (when < op["before_end"])
    during = (when >= op["start"]) & (when < op["end"])
    tol = {"circle": 0.12, "datazones": 0.15}[area]
    for key, cats in op["categories"].items():
        sel = inside & inc["category"].isin(cats)
        n_before, n_during = int((sel & before).sum()), int((sel & during).sum())
        planted = op["planted_counts"]
        assert n_before >= planted["before"][key]
        assert n_during >= planted["during"][key]
        fall = 1 - n_during / n_before
        assert abs(fall - op["expected_fall"][key]) <= tol, (key, n_before, n_during)


# ------------------------------------------------------------ determinism, speed


def test_deterministic(demo: DemoData, boundaries: Boundaries) -> None:
    again = generate_demo(boundaries.datazones, boundaries.wards, end=END)
    pd.testing.assert_frame_equal(again.incidents, demo.incidents)
    pd.testing.assert_frame_equal(again.truth, demo.truth)
    assert again.planted == demo.planted
    assert again.operation == demo.operation


def test_different_seed_differs(demo: DemoData, boundaries: Boundaries) -> None:
    other = generate_demo(boundaries.datazones, boundaries.wards, end=END, seed=7)
    a, b = demo.incidents, other.incidents
    n = min(len(a), len(b))
    assert not np.array_equal(a["easting"].to_numpy()[:n], b["easting"].to_numpy()[:n])
    assert not a["occurred_at"].head(100).equals(b["occurred_at"].head(100))
    # ... but the planted places are the same places
    assert [p["centre_easting"] for p in other.planted] == [
        p["centre_easting"] for p in demo.planted
    ]


def test_fast_and_default_end(boundaries: Boundaries) -> None:
    t0 = time.perf_counter()
    d = generate_demo(boundaries.datazones, boundaries.wards)
    elapsed = time.perf_counter() - t0
    assert elapsed < 5.0
    today = datetime.now(LONDON).date()
    assert d.end == today.replace(day=1)
    assert d.start.day == 1
    assert (d.end.year - d.start.year) * 12 + d.end.month - d.start.month == 24
    assert d.incidents["occurred_at"].max() < d.end.isoformat()


# ------------------------------------------------------------------------ errors


def test_bad_parameters(boundaries: Boundaries) -> None:
    dz, wards = boundaries.datazones, boundaries.wards
    with pytest.raises(ParameterError, match="`months`") as e:
        generate_demo(dz, wards, end=END, months=5)
    assert e.value.param == "months"
    with pytest.raises(ParameterError, match="future") as e:
        generate_demo(dz, wards, end=date(2999, 1, 1))
    assert e.value.param == "end"
    with pytest.raises(ParameterError, match="ISO date"):
        generate_demo(dz, wards, end="first of May")
    with pytest.raises(ParameterError, match="`n_fire`"):
        generate_demo(dz, wards, end=END, n_fire=100)
    with pytest.raises(ParameterError, match="`seed`"):
        generate_demo(dz, wards, end=END, seed=-1)
    with pytest.raises(ParameterError, match="EPSG:27700"):
        generate_demo(dz.to_crs("EPSG:4326"), wards, end=END)
    with pytest.raises(BoundaryError, match="Boghall"):
        generate_demo(dz.assign(name="Somewhere"), wards, end=END)
    with pytest.raises(BoundaryError, match="S13002827"):
        generate_demo(dz, wards[wards["code"] != "S13002827"], end=END)


def test_smaller_dataset_scales(boundaries: Boundaries) -> None:
    d = generate_demo(
        boundaries.datazones,
        boundaries.wards,
        end=END,
        months=12,
        n_police=5_000,
        n_fire=1_000,
    )
    counts = d.incidents["agency"].value_counts()
    assert abs(counts["police"] - 5_000) <= 500
    assert abs(counts["fire"] - 1_000) <= 100
    assert d.start == date(2025, 11, 1)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", d.operation["start"])


# ------------------------------------------------------------ time patterns (issue 14)


def _pattern(demo: DemoData, pid: str) -> dict:
    return next(p for p in demo.patterns if p["id"] == pid)


def _monthly(when: pd.Series, sel: pd.Series, demo: DemoData) -> np.ndarray:
    months = pd.period_range(demo.start, demo.end, freq="M")[:-1]
    counts = when[sel].dt.to_period("M").value_counts()
    return counts.reindex(months, fill_value=0).to_numpy()


def test_patterns_described_and_labelled(demo: DemoData) -> None:
    import geo.demo.scenario

    kinds = {p["id"]: p["kind"] for p in demo.patterns}
    assert kinds == {
        "livingston_north_new": "new",
        "armadale_intensifying": "intensifying",
        "linlithgow_burglary": "near_repeat",
        "bonfire_night": "seasonal",
    }
    doc = geo.demo.scenario.__doc__ or ""
    assert "SYNTHETIC" in doc
    for pid in kinds:
        assert pid in doc
    json.dumps(demo.to_dict(), allow_nan=False)
    # the Boghall scenario is untouched: still three planted places
    assert [p["id"] for p in demo.planted] == [
        "boghall",
        "livingston_centre",
        "breich_valley_grass",
    ]


def test_new_hotspot_in_last_three_months(demo: DemoData, when: pd.Series) -> None:
    p = _pattern(demo, "livingston_north_new")
    inc = demo.incidents
    sel = _near(inc, p) & (inc["category"] == "vehicle_crime")
    counts = _monthly(when, sel, demo)
    last, before = counts[-3:].sum(), counts[:-3]
    assert last >= 40
    # every earlier three months together hold a small fraction of the last three
    rolling = np.convolve(before, np.ones(3), mode="valid")
    assert rolling.max() < 0.25 * last, (rolling.max(), last)


def test_intensifying_hotspot(demo: DemoData, when: pd.Series) -> None:
    from scipy.stats import kendalltau

    p = _pattern(demo, "armadale_intensifying")
    inc = demo.incidents
    sel = _near(inc, p) & (inc["category"] == "antisocial_behaviour")
    counts = _monthly(when, sel, demo)
    tau, pval = kendalltau(np.arange(len(counts)), counts)
    assert tau > 0.6 and pval < 1e-3, (tau, pval)
    assert counts[-6:].sum() > 2.5 * counts[:6].sum()


def _close_pairs(xy: np.ndarray, t_days: np.ndarray) -> int:
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    dt = np.abs(t_days[:, None] - t_days[None, :])
    close = (d <= 200.0) & (dt <= 7.0)
    return int(np.triu(close, k=1).sum())


def test_near_repeat_burglary_series(
    demo: DemoData, when: pd.Series, joined: pd.DataFrame
) -> None:
    inc = demo.incidents
    sel = (inc["category"] == "burglary").to_numpy()
    assert 24 <= sel.sum() <= 60  # "a few dozen"
    xy = inc.loc[sel, ["easting", "northing"]].to_numpy()
    t = ((when[sel] - when[sel].min()) / pd.Timedelta(days=1)).to_numpy()
    observed = _close_pairs(xy, t)
    rng = np.random.default_rng(1)
    shuffled = np.array([_close_pairs(xy, rng.permutation(t)) for _ in range(199)])
    p_value = (1 + (shuffled >= observed).sum()) / (1 + shuffled.size)
    assert observed > 5 * shuffled.mean(), (observed, shuffled.mean())
    assert p_value <= 0.01
    # each burglary has another within 200 m and 7 days
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    dt = np.abs(t[:, None] - t[None, :])
    close = (d <= 200.0) & (dt <= 7.0)
    np.fill_diagonal(close, False)
    assert close.any(axis=1).all()
    # all in the Linlithgow ward (found by point-in-polygon)
    assert _pattern(demo, "linlithgow_burglary")["ward"] == "S13002820"
    assert (joined.loc[sel, "ward"] == "S13002820").all()


# ----------------------------------------------------- road collisions (issue 15)


def test_collisions_synthetic_on_main_roads(
    demo: DemoData, boundaries: Boundaries
) -> None:
    import shapely

    from geo.demo.scenario import ROADS, TOWNS

    col = demo.collisions
    assert 250 <= len(col) <= 350  # 150 a year over 24 months
    assert (col["agency"] == "road").all()
    assert col["synthetic"].all()
    assert col["source_id"].str.fullmatch(r"DEMO-RTC-\d{6}").all()
    assert col["source_id"].is_unique
    assert set(col["category"]) <= {
        "collision_fatal",
        "collision_serious",
        "collision_slight",
    }
    ksi = col["category"].isin(["collision_fatal", "collision_serious"]).mean()
    assert 0.1 <= ksi <= 0.32
    lines = shapely.MultiLineString([[TOWNS[a], TOWNS[b]] for _, a, b in ROADS])
    pts = shapely.points(col[["easting", "northing"]].to_numpy())
    assert (shapely.distance(pts, lines) <= 80.0).all()
    assert shapely.contains(boundaries.area, pts).all()
    when = pd.to_datetime(col["occurred_at"])
    assert when.min() >= pd.Timestamp(demo.start)
    assert when.max() < pd.Timestamp(demo.end)
    rush = when.dt.hour.isin([7, 8, 16, 17]).mean()
    assert rush > 2 * 4 / 24
    # stored with the rest (for the service), sorted by time
    both = demo.all_records
    assert len(both) == len(demo.incidents) + len(col)
    assert both["occurred_at"].is_monotonic_increasing


def test_collisions_can_be_left_out(demo: DemoData, boundaries: Boundaries) -> None:
    d = generate_demo(
        boundaries.datazones, boundaries.wards, end=END, include_collisions=False
    )
    assert len(d.collisions) == 0
    pd.testing.assert_frame_equal(d.incidents, demo.incidents)
