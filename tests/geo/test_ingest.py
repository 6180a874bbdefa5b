from datetime import UTC, datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geo import ingest
from geo.join import AreaIndex
from tests.conftest import SHARED

LINCS = (
    SHARED / "data" / "incidents" / "lincolnshire" / "2024-03-lincolnshire-street.csv"
)
GOOD = {
    "source_id": "G1",
    "agency": "police",
    "category": "vandalism",
    "occurred_at": "2020-03-11T14:30:00",
    "easting": 299300,
    "northing": 668300,
}
NOW = datetime(2026, 12, 2, tzinfo=UTC)


@pytest.fixture(scope="module")
def index(boundaries) -> AreaIndex:
    return AreaIndex(boundaries)


def check(index, records):
    return ingest.validate(ingest.parse_native_records(records), index, now=NOW)


def only_error(index, record):
    r = check(index, [record])
    assert len(r.accepted) == 0 and len(r.errors) == 1
    return r.errors[0]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"agency": None}, "agency", "missing field `agency`"),
        ({"source_id": ""}, "source_id", "missing field `source_id`"),
        ({"category": None}, "category", "missing field `category`"),
        ({"occurred_at": None}, "occurred_at", "missing field `occurred_at`"),
        (
            {"occurred_at": "11th of March"},
            "occurred_at",
            "unparseable date '11th of March' (expected ISO 8601)",
        ),
        (
            {"occurred_at": "2027-06-15T12:00:00"},
            "occurred_at",
            "date 2027-06-15T12:00:00 is in the future",
        ),
        (
            {"occurred_at": "1999-12-31T23:00:00Z"},
            "occurred_at",
            "date 1999-12-31T23:00:00Z is before 2000-01-01",
        ),
        (
            {"agency": "council"},
            "agency",
            "unknown agency 'council' (expected police, fire or road)",  # road since issue 15
        ),
        (
            {"source_id": "x" * 65},
            "source_id",
            "`source_id` is too long (65 > 64 characters)",
        ),
        (
            {"category": "c" * 65},
            "category",
            "`category` is too long (65 > 64 characters)",
        ),
        (
            {"easting": 530000, "northing": 180000},
            "easting",
            "coordinates outside the West Lothian council area",
        ),
        (
            {"easting": float("nan")},
            "easting",
            "`easting` is not a finite number (NaN or infinity)",
        ),
        (
            {"northing": float("inf")},
            "northing",
            "`northing` is not a finite number (NaN or infinity)",
        ),
        ({"easting": "abc"}, "easting", "`easting` is not a number"),
        (
            {"easting": 668300, "northing": 299300},
            "easting",
            "easting/northing look swapped",
        ),
        (
            {"easting": None, "northing": None},
            "easting",
            "missing coordinates: give easting and northing, or lon and lat",
        ),
        (
            {"easting": None, "northing": None, "lon": 55.9, "lat": -3.6},
            "lon",
            "lon/lat look swapped (lon is a latitude, lat a longitude)",
        ),
        (
            {"easting": None, "northing": None, "lon": -0.5, "lat": 53.2},
            "lon",
            "coordinates outside the West Lothian council area",
        ),
        (
            {"easting": 299300, "northing": None},
            "easting",
            "give both easting and northing",
        ),
    ],
)
def test_each_bad_input_has_its_reason(index, change, field, message) -> None:
    err = only_error(index, GOOD | change)
    assert err == {"row": 1, "field": field, "message": message}


def test_record_that_is_not_an_object(index) -> None:
    r = ingest.validate(ingest.parse_native_records([GOOD, "oops"]), index, now=NOW)
    assert r.errors == [
        {"row": 2, "field": "record", "message": "record is not a JSON object"}
    ]
    assert len(r.accepted) == 1


def test_mixed_batch_keeps_good_rows_and_numbers_rows_from_one(index) -> None:
    batch = [
        GOOD,
        GOOD | {"source_id": "B", "agency": None},
        GOOD | {"source_id": "G2"},
        GOOD | {"source_id": "C", "occurred_at": "2099-01-01"},
        GOOD | {"source_id": "G3", "lon": None},
    ]
    r = check(index, batch)
    assert list(r.accepted["source_id"]) == ["G1", "G2", "G3"]
    assert [e["row"] for e in r.errors] == [2, 4]
    assert list(r.accepted["row"]) == [1, 3, 5]


def test_wgs84_input_and_london_time(index, boundaries) -> None:
    lon, lat = ingest.to_wgs84([299300.0], [668300.0])
    r = check(
        index,
        [
            GOOD
            | {
                "easting": None,
                "northing": None,
                "lon": float(lon[0]),
                "lat": float(lat[0]),
                "occurred_at": "2020-07-01T12:00:00",
            }
        ],
    )
    row = r.accepted.iloc[0]
    assert abs(row["easting"] - 299300) < 0.01 and abs(row["northing"] - 668300) < 0.01
    # naive time is Europe/London: BST in July, so 11:00 UTC
    assert row["occurred_at"] == pd.Timestamp("2020-07-01T11:00:00Z")
    winter = check(
        index, [GOOD | {"occurred_at": "2020-01-01T12:00:00"}]
    ).accepted.iloc[0]
    assert winter["occurred_at"] == pd.Timestamp("2020-01-01T12:00:00Z")
    aware = check(
        index, [GOOD | {"occurred_at": "2020-07-01T12:00:00+02:00"}]
    ).accepted.iloc[0]
    assert aware["occurred_at"] == pd.Timestamp("2020-07-01T10:00:00Z")


def test_join_fields_match_independent_point_in_polygon(index, boundaries) -> None:
    r = check(index, [GOOD])
    row = r.accepted.iloc[0]
    pt = gpd.GeoDataFrame(geometry=gpd.points_from_xy([299300], [668300]), crs=27700)
    dz = gpd.sjoin(pt, boundaries.datazones, predicate="within").iloc[0]
    wd = gpd.sjoin(pt, boundaries.wards, predicate="within").iloc[0]
    assert row["datazone"] == dz["code"] and row["ward"] == wd["code"]
    assert row["tasking_group"] == wd["tasking_group"]
    assert (
        row["simd_rank"] == dz["simd_rank"] and row["simd_decile"] == dz["simd_decile"]
    )


def test_category_normalised_to_snake_case_raw_kept(index) -> None:
    r = check(index, [GOOD | {"category": "Anti-Social Behaviour"}])
    assert r.accepted.iloc[0]["category"] == "anti_social_behaviour"
    assert r.accepted.iloc[0]["raw_category"] == "Anti-Social Behaviour"


def test_batch_duplicates_dropped() -> None:
    df = pd.DataFrame(
        {"agency": ["police", "police", "fire"], "source_id": ["a", "a", "a"]}
    )
    out, n = ingest.drop_batch_duplicates(df)
    assert n == 1 and len(out) == 2


def test_police_uk_real_file_all_outside_with_reason(index) -> None:
    data = LINCS.read_bytes()
    raw = ingest.parse_police_uk(data)
    assert len(raw) == 5671
    r = ingest.validate(raw, index, now=NOW)
    assert len(r.accepted) == 0 and len(r.errors) == 5671
    assert {e["message"] for e in r.errors} == {
        "coordinates outside the West Lothian council area"
    }
    assert {e["field"] for e in r.errors} == {"lon"}
    assert [e["row"] for e in r.errors] == list(range(1, 5672))


def test_police_uk_parsing_ids_categories_dates() -> None:
    data = LINCS.read_bytes()
    raw = ingest.parse_police_uk(data)
    src = pd.read_csv(LINCS, dtype=str)
    no_id = src["Crime ID"].isna()
    assert no_id.sum() == 1074
    # derived ids: unique, stable across parses, and real ids kept as they are
    again = ingest.parse_police_uk(data)
    assert raw["source_id"].is_unique
    assert (raw["source_id"] == again["source_id"]).all()
    assert (raw.loc[~no_id, "source_id"] == src.loc[~no_id, "Crime ID"]).all()
    assert raw.loc[no_id, "source_id"].str.startswith("PUK-").all()
    assert set(raw.loc[src["Crime type"] == "Anti-social behaviour", "category"]) == {
        "antisocial_behaviour"
    }
    assert set(
        raw.loc[src["Crime type"] == "Criminal damage and arson", "category"]
    ) == {"vandalism"}
    assert set(raw["occurred_at"]) == {"2024-03-01T00:00:00"}
    assert set(raw["location_precision"]) == {"street"} and set(
        raw["date_precision"]
    ) == {"month"}


def test_police_uk_west_lothian_rows_accepted(index, boundaries) -> None:
    lon, lat = ingest.to_wgs84(
        np.array([299300.0, 306500.0]), np.array([668300.0, 668800.0])
    )
    text = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context\n"
    text += f",2024-03,Police Scotland,Police Scotland,{lon[0]:.6f},{lat[0]:.6f},On or near X,,,Anti-social behaviour,,\n"
    text += f",2024-03,Police Scotland,Police Scotland,{lon[0]:.6f},{lat[0]:.6f},On or near X,,,Anti-social behaviour,,\n"
    text += f"abc,2024-03,Police Scotland,Police Scotland,{lon[1]:.6f},{lat[1]:.6f},On or near Y,,,Drugs,,\n"
    r = ingest.validate(ingest.parse_police_uk(text.encode()), index, now=NOW)
    assert len(r.accepted) == 3 and r.errors == []
    assert r.accepted[
        "source_id"
    ].is_unique  # two identical ASB rows stay two incidents
    assert r.accepted.iloc[0]["occurred_at"] == pd.Timestamp("2024-03-01T00:00:00Z")


def test_sfrs_extract(index, boundaries) -> None:
    dzp = {"S01013243": (292700.0, 660500.0)}
    text = (
        "IncidentNumber,DateTimeOfCall,IncidentType,FireMotive,PropertyType,Easting,Northing,DataZone\n"
        "F1,05/11/2023 19:45,Secondary Fire,Deliberate,Grassland,299300,668300,\n"
        "F2,2023-11-06T20:00:00,Primary Fire,Accidental,Dwelling - house,299300,668300,\n"
        "F3,06/11/2023 21:10,Secondary Fire,Accidental,Grassland,,,S01013243\n"
        "F4,31/02/2023 21:10,Primary Fire,Deliberate,Car,299300,668300,\n"
    )
    raw = ingest.parse_sfrs(text.encode(), datazone_points=dzp)
    r = ingest.validate(raw, index, now=NOW)
    cats = dict(zip(r.accepted["source_id"], r.accepted["category"], strict=True))
    assert cats == {
        "F1": "deliberate_secondary_fire",
        "F2": "accidental_dwelling_fire",
        "F3": "grass_fire",
    }
    assert r.accepted.set_index("source_id").loc["F1", "occurred_at"] == pd.Timestamp(
        "2023-11-05T19:45:00Z"
    )
    assert (
        r.accepted.set_index("source_id").loc["F3", "location_precision"] == "datazone"
    )
    assert r.errors == [
        {
            "row": 4,
            "field": "occurred_at",
            "message": "unparseable date '31/02/2023 21:10' (expected ISO 8601)",
        }
    ]
    assert set(r.accepted["agency"]) == {"fire"}


def test_wrong_format_is_a_clear_error() -> None:
    from geo.errors import ParameterError

    with pytest.raises(ParameterError, match="not a data.police.uk street-level CSV"):
        ingest.parse_police_uk(b"a,b\n1,2\n")
    with pytest.raises(ParameterError, match="not an SFRS incident extract"):
        ingest.parse_sfrs(b"a,b\n1,2\n")
    with pytest.raises(ParameterError, match="unknown format"):
        ingest.parse(b"", "xml")
    with pytest.raises(ParameterError, match="not valid JSON"):
        ingest.parse_native_file(b"{oops")


def test_native_csv_and_geojson(index) -> None:
    csv_text = "source_id,agency,category,occurred_at,easting,northing\nC1,fire,deliberate_fire,2021-01-02T03:04:05,299300,668300\n"
    r = ingest.validate(ingest.parse_native_file(csv_text.encode()), index, now=NOW)
    assert list(r.accepted["source_id"]) == ["C1"] and r.errors == []
    lon, lat = ingest.to_wgs84([299300.0], [668300.0])
    gj = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [float(lon[0]), float(lat[0])],
                },
                "properties": {
                    "source_id": "J1",
                    "agency": "police",
                    "category": "theft",
                    "occurred_at": "2021-01-02",
                },
            }
        ],
    }
    import json

    r = ingest.validate(
        ingest.parse_native_file(json.dumps(gj).encode()), index, now=NOW
    )
    assert list(r.accepted["source_id"]) == ["J1"]
    assert abs(r.accepted.iloc[0]["easting"] - 299300) < 0.01


def test_previous_window_uses_wall_clock_length() -> None:
    from geo.periods import make_window

    w = make_window("2026-10-01", "2026-11-01", default_end=pd.Timestamp("2027-01-01", tz="UTC"))
    prev = w.previous()
    assert prev.end == w.start
    assert prev.start == pd.Timestamp("2026-08-31T00:00", tz="Europe/London").tz_convert("UTC")
    assert prev.label() == "2026-08-31 to 2026-10-01 (end exclusive)"
