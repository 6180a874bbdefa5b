"""Incident ingestion and listing."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, UploadFile
from pydantic import BaseModel
from sqlalchemy.engine import Connection

from app import audit
from app.deps import AnalystDep, PartnerDep, ServiceDep
from app.errors import ApiError
from app.params import filters_from
from app.pull import ingest_police_uk_bytes
from app.service import record_json
from geo.ingest import FORMATS, parse, parse_native_records

router = APIRouter(prefix="/incidents", tags=["incidents"])


class IncidentBatch(BaseModel):
    """Body of ``POST /incidents``: records as in DESIGN.md (validated row by row)."""

    incidents: list[Any]


def audit_ingest(
    svc: Any, who: audit.Actor, report: dict[str, Any], *, fmt: str, filename: str | None, agency: str | None,
    conn: Connection | None = None,
) -> None:
    """Record a stored ingest batch in the audit trail (also used by the CLI); with
    ``conn``, inside the batch's own transaction."""
    summary = {k: report[k] for k in ("received", "accepted", "duplicates", "rejected")}
    audit.record(conn if conn is not None else svc.engine, who, "incidents.ingest", target=report["batch_id"],
                 params={"format": fmt, "filename": filename, "agency": agency, **summary}, result_size=report["accepted"])


def ingest(svc: Any, who: audit.Actor, raw: Any, *, fmt: str, filename: str | None, agency: str | None) -> dict[str, Any]:
    """Validate and store a parsed batch, its audit entry in the same transaction."""

    def _audit(conn: Connection, report: dict[str, Any]) -> None:
        audit_ingest(svc, who, report, fmt=fmt, filename=filename, agency=agency, conn=conn)

    report: dict[str, Any] = svc.store(svc.validate(raw), fmt=fmt, filename=filename, key_name=who.name, audit=_audit)
    return report


@router.post("")
def post_incidents(batch: IncidentBatch, svc: ServiceDep, who: AnalystDep) -> dict[str, Any]:
    """Ingest a batch of native records; bad rows are reported, good rows stored."""
    if len(batch.incidents) > svc.settings.max_batch_rows:
        raise ApiError(413, f"a batch holds at most {svc.settings.max_batch_rows} rows")
    return ingest(svc, who, parse_native_records(batch.incidents), fmt="native", filename=None, agency=None)


@router.post("/upload")
def upload(
    svc: ServiceDep,
    who: AnalystDep,
    file: UploadFile,
    format: Annotated[str, Query(description="native, police-uk or sfrs")] = "native",
    agency: Annotated[str | None, Query(description="agency for rows that lack one")] = None,
) -> dict[str, Any]:
    """Ingest a file (native CSV/JSON/GeoJSON, data.police.uk CSV or zip archive, SFRS extract).

    A data.police.uk file is loaded as ``hotspots ingest FILE --format police-uk`` loads it
    (:func:`app.pull.ingest_police_uk_bytes`): where its ``LSOA code`` is one of the area's
    small areas, that code is the record's small area.

    The body is counted as it streams in (413 past ``max_upload_bytes``, see
    :mod:`app.edges`) into a spooled temporary file; parsing and storing run in a worker
    thread, off the event loop (a plain ``def`` route).
    """
    if format not in FORMATS:
        raise ApiError(422, f"`format` must be one of {', '.join(FORMATS)}", param="format")
    if agency is not None and agency not in ("police", "fire"):
        raise ApiError(422, "`agency` must be police or fire", param="agency")
    limit = svc.settings.max_upload_bytes
    file.file.seek(0)
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise ApiError(413, f"the file is larger than the limit of {limit} bytes")
    name = safe_filename(file.filename)
    if format == "police-uk":  # the CLI's path: CSV or zip archive, the file's own LSOA / data-zone codes
        return ingest_police_uk_bytes(svc, data, name, actor=who, agency=agency).report
    raw = parse(data, format, agency=agency, filename=name, datazone_points=svc.datazone_points)
    return ingest(svc, who, raw, fmt=format, filename=name or None, agency=agency)


def safe_filename(name: str | None) -> str:
    """The last part of an uploaded file's name, printable and at most 255 characters
    (a client may send ``../../etc/passwd`` or control characters)."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in base if ch.isprintable())[:255]


def _cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def _after(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not text.startswith("id:"):
            raise ValueError
        return int(text[3:])
    except ValueError as exc:
        raise ApiError(422, "`cursor` is not a cursor this service issued", param="cursor") from exc


@router.get("")
def list_incidents(
    request: Request,
    svc: ServiceDep,
    who: PartnerDep,
    ward: Annotated[list[str] | None, Query()] = None,
    datazone: Annotated[list[str] | None, Query()] = None,
    agency: str | None = None,
    category: Annotated[list[str] | None, Query()] = None,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: str | None = None,
    limit: Annotated[int | None, Query(ge=1)] = None,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Incident-level records (partner: own agency only; analyst, admin), paged by cursor."""
    params = {"ward": ward, "datazone": datazone, "agency": agency, "category": category, "from": from_, "to": to,
              "limit": limit, "cursor": cursor}
    own = who.records_agency
    if own is not None:
        if agency is not None and agency != own:
            audit.record(svc.engine, who, "incidents.read", params=params, result_size=0, outcome="denied")
            raise ApiError(403, f"your partner key reads {own} records only: ask for agency={own} or leave `agency` out",
                           param="agency")
        agency = own
    f = filters_from(svc, from_=from_, to=to, agency=agency, category=category, ward=ward, datazone=datazone, require_window=False)
    size = min(limit or svc.settings.default_page_size, svc.settings.max_page_size)
    df = svc.page(f, limit=size, after_id=_after(cursor))
    more = len(df) > size
    df = df.iloc[:size]
    nxt = _cursor(int(df["id"].iloc[-1])) if more and not df.empty else None
    audit.record(svc.engine, who, "incidents.read", params=params | {"agency_applied": agency}, result_size=len(df))
    return {"rows": record_json(df), "limit": size, "next_cursor": nxt, "count": len(df), "agency": agency}
