"""Hostile upload files for every ingest format (used by tests/app/test_edges.py and the fuzzer)."""

from __future__ import annotations

NATIVE_HEADER = "source_id,agency,category,occurred_at,easting,northing\n"
HEADERS = {
    "police-uk": "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
                 "Crime type,Last outcome category,Context\n",
    "sfrs": "IncidentNumber,DateTimeOfCall,IncidentType,FireMotive,PropertyType,Easting,Northing\n",
    "native": NATIVE_HEADER,
}


def hostile_files(fmt: str) -> list[tuple[str, str, bytes]]:
    """(what, file name, bytes) of hostile uploads for one format."""
    h = HEADERS.get(fmt, NATIVE_HEADER)
    return [
        ("header only", "a.csv", h.encode()),
        ("header only, BOM and CRLF", "a.csv", ("\ufeff" + h.replace("\n", "\r\n")).encode()),
        ("empty", "a.csv", b""),
        ("BOM only", "a.csv", "\ufeff".encode()),
        ("wrong delimiter", "a.csv", h.replace(",", ";").encode() + b"1;2;3;4;5;6\n"),
        ("tab delimited", "a.tsv", h.replace(",", "\t").encode() + b"1\t2\t3\t4\t5\t6\n"),
        ("binary", "a.bin", bytes(range(256)) * 64),
        ("gzip magic", "a.csv.gz", b"\x1f\x8b\x08\x00" + bytes(200)),
        ("huge line", "a.csv", h.encode() + b"Z" * 2_000_000 + b"\n"),
        ("huge header", "a.csv", b",".join([b"c"] * 100_000) + b"\n1\n"),
        ("path-like name", "../../etc/passwd", h.encode()),
        ("windows path name", "C:\\Windows\\system32\\x.csv", h.encode()),
        ("control characters in name", "a\r\nb\x00.csv", h.encode()),
        ("NUL bytes", "a.csv", h.encode() + b"\x00,\x00\n"),
        ("unbalanced quotes", "a.csv", b'"""""\n'),
        ("latin-1", "a.csv", h.encode() + "caf\xe9,x\n".encode("latin-1")),
        ("ragged rows", "a.csv", h.encode() + b"1\n1,2,3,4,5,6,7,8,9,10,11,12,13,14\n"),
        ("header repeated as data", "a.csv", (h + h).encode()),
        ("JSON, empty list", "a.json", b"[]"),
        ("JSON, not records", "a.json", b'[1, "a", null, [], {"source_id": 5}]'),
        ("JSON, broken", "a.json", b"{nope"),
        ("JSON, deep nesting", "a.json", b"[" * 5_000 + b"]" * 5_000),
        ("JSON, huge numbers", "a.json", b'[{"source_id": "x", "easting": 1e999, "northing": -1e999, "occurred_at": 1e300}]'),
        ("GeoJSON, junk features", "a.geojson", b'{"type":"FeatureCollection","features":[1,{"geometry":7,"properties":3}]}'),
        ("GeoJSON, features not a list", "a.geojson", b'{"type":"FeatureCollection","features":5}'),
        ("GeoJSON, bad coordinates", "a.geojson",
         b'{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":["a",{}]},"properties":{}}]}'),
    ]


CASES = [(fmt, what, name, data) for fmt in HEADERS for what, name, data in hostile_files(fmt)]
