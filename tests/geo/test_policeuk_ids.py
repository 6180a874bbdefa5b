"""One id rule for police.uk records without a Crime ID, from the file and from the API.

police.uk leaves ``Crime ID`` blank for anti-social behaviour (1,074 of the 5,671 rows of
the real Lincolnshire month). :func:`geo.ingest.police_uk.derived_ids` documents the rule;
here it is recomputed by hand (csv + hashlib, following the docstring), and the same
records served as the API's JSON (https://data.police.uk/docs/method/crime-street/, through
:func:`geo.policeuk_api.fetch_month` on an ``httpx.MockTransport``) must get the ids the
file gives them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
from collections import Counter
from typing import Any
from urllib.parse import parse_qs

import httpx
import shapely

from geo.ingest import parse_police_uk
from geo.policeuk_api import API_CATEGORIES, fetch_month, records_to_csv
from tests.conftest import shared_data

LINCS = "incidents/lincolnshire/2024-03-lincolnshire-street.csv"
HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
          "Crime type,Last outcome category,Context\n")  # fmt: skip
SLUG = {v: k for k, v in API_CATEGORIES.items()}


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def by_hand(rows: list[dict[str, str]]) -> list[str]:
    """The documented rule, written out again: Crime ID where present, else "PUK-" + 20 hex
    of SHA-1("month|lon|lat|location|crime type#k"), k the ordinal among equal keys."""
    seen: Counter[str] = Counter()
    out = []
    for r in rows:
        lon, lat = (f"{float(r[c]):.6f}" if r[c].strip() else "" for c in ("Longitude", "Latitude"))
        key = "|".join([r["Month"].strip(), lon, lat, r["Location"].strip(), r["Crime type"].strip().lower()])
        k = seen[key]
        seen[key] += 1
        derived = "PUK-" + hashlib.sha1(f"{key}#{k}".encode()).hexdigest()[:20]
        out.append(r["Crime ID"].strip() or derived)
    return out


def api_records(rows: list[dict[str, str]], seed: int) -> list[dict[str, Any]]:
    """The rows as the API returns them: persistent_id blank where the Crime ID is, an API
    record id of its own, no LSOA, in a shuffled order."""
    recs = [{
        "category": SLUG[r["Crime type"]], "location_type": "Force",
        "location": {"latitude": r["Latitude"], "longitude": r["Longitude"], "street": {"id": 7, "name": r["Location"]}},
        "context": "", "outcome_status": None, "persistent_id": r["Crime ID"], "id": 115_000_000 + i,
        "location_subtype": "", "month": r["Month"],
    } for i, r in enumerate(rows) if r["Longitude"] and r["Latitude"]]  # fmt: skip
    random.Random(seed).shuffle(recs)
    return recs


def test_file_ids_follow_the_documented_rule() -> None:
    data = shared_data(LINCS).read_bytes()
    rows = _rows(data)
    raw = parse_police_uk(data)
    assert raw["source_id"].tolist() == by_hand(rows)
    blank = [r["Crime ID"] == "" for r in rows]
    assert sum(blank) == 1074 and raw["source_id"].is_unique
    # the key leaves out the LSOA code, outcome and force, and reads coordinates as numbers
    line = ",2024-03,P,P,-0.5392,53.2,On or near X,{lsoa},,Anti-social behaviour,{outcome},\n"
    a = parse_police_uk((HEADER + line.format(lsoa="E01026007", outcome="")).encode())
    b = parse_police_uk((HEADER + line.format(lsoa="", outcome="x").replace("-0.5392,53.2", "-0.539200,53.200000")).encode())
    assert a["source_id"].tolist() == b["source_id"].tolist()
    other = parse_police_uk((HEADER + line.format(lsoa="", outcome="").replace("Anti-social", "anti-social")).encode())
    assert other["source_id"].tolist() == a["source_id"].tolist()
    moved = parse_police_uk((HEADER + line.format(lsoa="", outcome="").replace("53.2", "53.200001")).encode())
    assert moved["source_id"].tolist() != a["source_id"].tolist()


def test_two_identical_reports_stay_two_and_reloading_gives_the_same_ids() -> None:
    line = ",2024-03,P,P,-0.5392,53.2,On or near X,,,Anti-social behaviour,,\n"
    raw = parse_police_uk((HEADER + line * 3).encode())
    ids = raw["source_id"].tolist()
    assert len(set(ids)) == 3
    assert parse_police_uk((HEADER + line * 3).encode())["source_id"].tolist() == ids
    # the same three from the API (shuffled) get the same three ids
    recs = api_records(_rows((HEADER + line * 3).encode()), seed=1)
    assert sorted(parse_police_uk(records_to_csv(recs))["source_id"]) == sorted(ids)


def _mock_api(records: list[dict[str, Any]], cap: int) -> httpx.Client:
    """The API on a MockTransport: the records inside ``poly``, 503 past ``cap`` of them."""

    def handle(request: httpx.Request) -> httpx.Response:
        form = parse_qs(request.content.decode())
        ring = [tuple(map(float, p.split(","))) for p in form["poly"][0].split(":")]
        shape = shapely.Polygon([(lng, lat) for lat, lng in ring])
        hits = [r for r in records if form["date"][0] == r["month"] and shapely.contains_xy(
            shape, float(r["location"]["longitude"]), float(r["location"]["latitude"]))]
        if len(hits) > cap:
            return httpx.Response(503)
        return httpx.Response(200, content=json.dumps(hits).encode())

    return httpx.Client(transport=httpx.MockTransport(handle))


def test_the_same_records_from_the_api_and_the_file_get_the_same_ids() -> None:
    data = shared_data(LINCS).read_bytes()
    rows = _rows(data)
    file_ids = Counter(parse_police_uk(data)["source_id"])
    recs = api_records(rows, seed=20240301)
    assert len(recs) == len(rows) == 5671
    lon = [float(r["location"]["longitude"]) for r in recs]
    lat = [float(r["location"]["latitude"]) for r in recs]
    whole = shapely.box(min(lon) - 0.01, min(lat) - 0.01, max(lon) + 0.01, max(lat) + 0.01)
    with _mock_api(recs, cap=2000) as client:  # the client splits the box into quarters
        got = fetch_month(client, "http://api.invalid/api", whole, "2024-03")
    assert len(got) == 5671
    api_ids = Counter(parse_police_uk(records_to_csv(got))["source_id"])
    assert api_ids == file_ids
    # and a record whose key is unique gets exactly its own row's id
    want = dict(zip((r["Location"] + r["Longitude"] + r["Latitude"] + r["Crime type"] for r in rows), by_hand(rows), strict=True))
    unique = Counter(r["Location"] + r["Longitude"] + r["Latitude"] + r["Crime type"] for r in rows)
    for rec, sid in zip(got, parse_police_uk(records_to_csv(got))["source_id"], strict=True):
        loc = rec["location"]
        k = loc["street"]["name"] + loc["longitude"] + loc["latitude"] + API_CATEGORIES[str(rec["category"])]
        if unique[k] == 1:
            assert sid == want[k]
