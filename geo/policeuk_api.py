"""The data.police.uk API: street-level crimes inside the study area, one month at a time.

``POST {base}/crimes-street/all-crime`` with ``poly=lat,lng:lat,lng:…`` and ``date=YYYY-MM``
returns the month's crimes inside the polygon (JSON list; see
https://data.police.uk/docs/method/crime-street/). The API answers 503 when a polygon holds
more than 10,000 crimes: :func:`fetch_month` then splits the polygon into its four bounding-box
quarters and asks again (to a fixed depth). The study area is sent as simplified outlines
a little larger than the area (:func:`area_polygons`): the records then go through the
ordinary validation, which keeps only those inside the area.

:func:`records_to_csv` writes the records in the street-level CSV shape, so that they are
parsed by :func:`geo.ingest.parse_police_uk` exactly like a downloaded file (the API's
``persistent_id`` is the CSV's ``Crime ID``; records without one, such as anti-social
behaviour, get the id :func:`geo.ingest.police_uk.derived_ids` gives the same row of the
downloaded file, so a crime pulled from the API and read from the file is stored once).
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import httpx
import shapely
from shapely.geometry import Polygon, box

from geo.errors import GeoError, ParameterError
from geo.ingest.coords import to_wgs84
from geo.ingest.police_uk import POLICE_UK_COLUMNS

#: API category slug -> the street-level CSV's "Crime type".
API_CATEGORIES = {
    "anti-social-behaviour": "Anti-social behaviour",
    "bicycle-theft": "Bicycle theft",
    "burglary": "Burglary",
    "criminal-damage-arson": "Criminal damage and arson",
    "drugs": "Drugs",
    "other-theft": "Other theft",
    "possession-of-weapons": "Possession of weapons",
    "public-order": "Public order",
    "robbery": "Robbery",
    "shoplifting": "Shoplifting",
    "theft-from-the-person": "Theft from the person",
    "vehicle-crime": "Vehicle crime",
    "violent-crime": "Violence and sexual offences",
    "other-crime": "Other crime",
}
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
MAX_SPLIT_DEPTH = 6  # up to 4**6 pieces where the crimes are densest


class PoliceUkApiError(GeoError):
    """The API could not be reached or answered with an error."""


def months_between(first: str, last: str) -> list[str]:
    """``YYYY-MM`` months from ``first`` to ``last`` inclusive (ParameterError if bad)."""
    for name, v in (("from", first), ("to", last)):
        if not MONTH.match(v):
            msg = f"--{name} must be a month YYYY-MM, got {v!r}"
            raise ParameterError(msg, param=name)
    if last < first:
        msg = f"--to ({last}) is before --from ({first})"
        raise ParameterError(msg, param="to")
    out, (y, m) = [], map(int, first.split("-"))
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def area_polygons(area_bng: shapely.Geometry, *, margin_m: float = 250.0, tolerance_m: float = 150.0) -> list[Polygon]:
    """The study area as a few simple WGS84 polygons covering it (lon/lat order).

    Each part is grown by ``margin_m`` and simplified with ``tolerance_m`` (< margin, so the
    outline still covers the area), holes dropped.
    """
    grown = shapely.simplify(shapely.buffer(area_bng, margin_m), tolerance_m)
    parts = list(getattr(grown, "geoms", [grown]))
    out = []
    for p in parts:
        xs, ys = p.exterior.coords.xy
        lon, lat = to_wgs84(list(xs), list(ys))
        out.append(Polygon(zip(lon, lat, strict=True)))
    return out


def poly_param(poly: Polygon) -> str:
    """The API's ``poly`` parameter: ``lat,lng`` pairs joined by ``:``."""
    pts = list(poly.exterior.coords)[:-1]
    return ":".join(f"{lat:.6f},{lon:.6f}" for lon, lat in pts)


def _quarters(poly: Polygon) -> list[Polygon]:
    x0, y0, x1, y1 = poly.bounds
    xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
    out = []
    for b in (box(x0, y0, xm, ym), box(xm, y0, x1, ym), box(x0, ym, xm, y1), box(xm, ym, x1, y1)):
        piece = poly.intersection(b)
        out += [g for g in getattr(piece, "geoms", [piece]) if isinstance(g, Polygon) and not g.is_empty]
    return out


def fetch_month(
    client: httpx.Client, base_url: str, poly: Polygon, month: str, *, depth: int = 0
) -> list[dict[str, Any]]:
    """The month's street-level crimes inside ``poly`` (split while the API says 503).

    Raises
    ------
    PoliceUkApiError
        If the API is unreachable, answers another error, or still says 503 at the
        maximum split depth.
    """
    url = base_url.rstrip("/") + "/crimes-street/all-crime"
    try:
        r = client.post(url, data={"poly": poly_param(poly), "date": month})
    except httpx.HTTPError as exc:
        msg = f"data.police.uk API at {base_url} unreachable for {month} ({type(exc).__name__})"
        raise PoliceUkApiError(msg) from exc
    if r.status_code == 503 and depth < MAX_SPLIT_DEPTH:
        seen: dict[Any, dict[str, Any]] = {}
        for q in _quarters(poly):
            for rec in fetch_month(client, base_url, q, month, depth=depth + 1):
                seen.setdefault(rec.get("id"), rec)  # a point on a quarter's edge comes twice
        return list(seen.values())
    if r.status_code != 200:
        msg = f"data.police.uk API answered {r.status_code} for {month} ({r.text[:120].strip()})"
        raise PoliceUkApiError(msg)
    try:
        data = r.json()
    except ValueError as exc:
        msg = f"data.police.uk API sent no JSON for {month}"
        raise PoliceUkApiError(msg) from exc
    if not isinstance(data, list):
        msg = f"data.police.uk API sent {type(data).__name__}, not a list, for {month}"
        raise PoliceUkApiError(msg)
    return data


def records_to_csv(records: list[dict[str, Any]]) -> bytes:
    """API records in the street-level CSV shape (UTF-8, header first), in their order.

    The API sends no LSOA code, force or LSOA name: those cells stay empty."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(POLICE_UK_COLUMNS)
    for rec in records:
        loc = rec.get("location") or {}
        street = (loc.get("street") or {}).get("name", "")
        outcome = (rec.get("outcome_status") or {}).get("category", "")
        crime_id = rec.get("persistent_id") or ""  # blank: derived as for the file (derived_ids)
        slug = str(rec.get("category", ""))
        w.writerow([
            crime_id, rec.get("month", ""), "", "", loc.get("longitude", ""), loc.get("latitude", ""),
            street, "", "", API_CATEGORIES.get(slug, slug), outcome, rec.get("context", ""),
        ])  # fmt: skip
    return buf.getvalue().encode("utf-8")
