"""Loading data.police.uk into the service: archives and files, and pulls from the API.

``hotspots pull police-uk --from 2024-01 --to 2024-03`` asks the API
(``HOTSPOTS_POLICE_UK_URL``) for each month's street-level crimes inside the study area and
stores each month as one batch, atomically, named ``police.uk API YYYY-MM``. A month with a
stored batch of that name is not asked for again, so a pull that stopped (network error,
interrupted) resumes at the first month it had not finished, and no record is stored twice
(the ``(agency, source_id)`` key would refuse it anyway). Records the API returns from the
margin around the area (its polygons are simplified outlines a little larger than the area)
are counted as ``outside``, not as rejected rows.

A downloaded street-level file, zip archive or archive folder is loaded by
:func:`ingest_police_uk_path` (``hotspots ingest FILE --format police-uk``) and the same bytes
uploaded by :func:`ingest_police_uk_bytes` (``POST /incidents/upload?format=police-uk``):
both through :func:`validate_street_files`, so each record's small area is the file's own
``LSOA code`` (or data zone) where that is one of the area's, and the same file stores the
same rows either way. Records without a Crime ID get the ids of
:func:`geo.ingest.police_uk.derived_ids`, from the API as from the file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from app.db import batches
from app.service import Service
from geo.ingest import ValidationResult, parse_police_uk
from geo.policeuk import (
    SmallAreaAgreement,
    StreetFile,
    accepted_codes,
    parse_street_files,
    street_files,
    street_files_in,
    use_file_small_areas,
)
from geo.policeuk_api import area_polygons, fetch_month, months_between, records_to_csv

API_BATCH = "police.uk API {month}"
OUTSIDE = "outside"  # validation messages for points outside the area contain this word


@dataclass
class MonthReport:
    """One month of a pull: what came back and what was stored."""

    month: str
    status: str  # stored | skipped (already stored)
    received: int = 0
    accepted: int = 0
    duplicates: int = 0
    outside: int = 0
    rejected: int = 0


@dataclass
class PullReport:
    """A pull: the months stored or skipped, and the first error that stopped it."""

    months: list[MonthReport] = field(default_factory=list)
    error: str | None = None


def _done_months(svc: Service) -> set[str]:
    """Months that already have a stored API batch."""
    prefix = API_BATCH.format(month="")
    with svc.engine.connect() as conn:
        rows = conn.execute(sa.select(batches.c.filename).where(batches.c.filename.like(prefix + "%"))).all()
    return {str(r[0])[len(prefix) :] for r in rows}


def _auditor(
    svc: Service, actor: Any, filename: str | None, agency: str | None = None
) -> Callable[[sa.Connection, dict[str, Any]], None] | None:
    """The audit hook of a stored batch (None without an actor)."""
    if actor is None:
        return None
    from app.routes.incidents import audit_ingest

    def hook(conn: sa.Connection, rep: dict[str, Any]) -> None:
        audit_ingest(svc, actor, rep, fmt="police-uk", filename=filename, agency=agency, conn=conn)

    return hook


def _split_outside(result: ValidationResult) -> tuple[ValidationResult, int]:
    """The result without the rows outside the area, and how many those were."""
    keep = [e for e in result.errors if OUTSIDE not in str(e["message"])]
    return ValidationResult(result.accepted, keep, result.received), len(result.errors) - len(keep)


def pull_police_uk(
    svc: Service,
    first: str,
    last: str,
    *,
    client: httpx.Client | None = None,
    progress: Callable[[MonthReport], None] | None = None,
    actor: Any = None,
) -> PullReport:
    """Pull ``first``..``last`` (``YYYY-MM``, inclusive) from the API, month by month.

    Raises :class:`geo.errors.ParameterError` for bad months; an API failure stops the
    pull and is returned in :attr:`PullReport.error` (months before it stay stored).
    """
    months = months_between(first, last)
    polys = area_polygons(svc.boundaries.area)
    report = PullReport()
    own = client is None
    http = client or httpx.Client(timeout=60, headers={"User-Agent": "wl-hotspots"})
    try:
        for month in months:
            if month in _done_months(svc):
                report.months.append(MonthReport(month, "skipped"))
            else:
                try:
                    records = _month_records(http, svc.settings.police_uk_url, polys, month)
                except Exception as exc:  # PoliceUkApiError and anything unexpected
                    report.error = f"{month}: {exc}; run the same command again to resume from {month}"
                    break
                report.months.append(_store_month(svc, month, records, actor))
            if progress is not None:
                progress(report.months[-1])
    finally:
        if own:
            http.close()
    return report


def _month_records(http: httpx.Client, base: str, polys: list[Any], month: str) -> list[dict[str, Any]]:
    seen: dict[Any, dict[str, Any]] = {}
    for poly in polys:
        for rec in fetch_month(http, base, poly, month):
            seen.setdefault(rec.get("id"), rec)
    return list(seen.values())


def _store_month(svc: Service, month: str, records: list[dict[str, Any]], actor: Any) -> MonthReport:
    result, outside = _split_outside(svc.validate(parse_police_uk(records_to_csv(records))))
    name = API_BATCH.format(month=month)
    rep = svc.store(
        result, fmt="police-uk", filename=name, key_name=getattr(actor, "name", "cli"), audit=_auditor(svc, actor, name)
    )
    return MonthReport(
        month, "stored", received=rep["received"], accepted=rep["accepted"], duplicates=rep["duplicates"],
        outside=outside, rejected=rep["rejected"],
    )  # fmt: skip


@dataclass
class FileLoad:
    """A police.uk file or archive loaded: the store report and the small-area agreement."""

    report: dict[str, Any]
    agreement: SmallAreaAgreement
    files: list[str]


def ingest_police_uk_path(
    svc: Service,
    path: Path,
    *,
    actor: Any = None,
    forces: list[str] | None = None,
    months: tuple[str, str] | None = None,
) -> FileLoad:
    """Validate and store a street-level CSV, zip archive or archive folder as one batch.

    Where a row's ``LSOA code`` is one of the area's small areas, that code becomes the
    record's small area (see :func:`geo.policeuk.use_file_small_areas`). With ``actor``
    (an :mod:`app.audit` actor) the batch is audited in its own transaction.
    """
    files = street_files(path, forces=forces, months=months)
    return _load_files(svc, files, path.name, actor=actor, agency=None)


def ingest_police_uk_bytes(
    svc: Service, data: bytes, filename: str, *, actor: Any = None, agency: str | None = None
) -> FileLoad:
    """:func:`ingest_police_uk_path` for a file's bytes (``POST /incidents/upload``): a CSV
    or a zip archive, so the same file stores the same rows whichever way it arrives.

    A zip's street files may hold at most ``max_upload_bytes`` uncompressed
    (:class:`geo.errors.TooLargeError`); ``agency`` is only recorded in the audit entry
    (police.uk rows are police records).
    """
    files = street_files_in(data, filename, max_bytes=svc.settings.max_upload_bytes)
    return _load_files(svc, files, filename, actor=actor, agency=agency)


def validate_street_files(svc: Service, files: list[StreetFile]) -> tuple[ValidationResult, SmallAreaAgreement]:
    """Parse and validate street files, each accepted record given its file's small area
    where that is one of the area's (the one rule of every police.uk file path)."""
    raw, codes = parse_street_files(files)
    result = svc.validate(raw)
    acc, agreement = use_file_small_areas(
        result.accepted, accepted_codes(raw, codes, result.errors), svc.boundaries.datazones
    )
    return ValidationResult(acc, result.errors, result.received), agreement


def _load_files(svc: Service, files: list[StreetFile], filename: str, *, actor: Any, agency: str | None) -> FileLoad:
    result, agreement = validate_street_files(svc, files)
    report = svc.store(
        result, fmt="police-uk", filename=filename or None, key_name=getattr(actor, "name", "cli"),
        audit=_auditor(svc, actor, filename or None, agency),
    )  # fmt: skip
    return FileLoad(report=report, agreement=agreement, files=[f.name for f in files])
