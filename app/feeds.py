"""Automatic data feeds: a watched folder that ingests every file dropped into it.

``hotspots watch DIR`` calls :func:`scan_once` every few seconds. For each file in DIR
(not hidden, not a ``.part`` or sidecar file, and unchanged in size since the previous
look, so a file still being copied is left for the next pass):

1. its SHA-256 is looked up in the ``feeds`` table; a file already taken in is only moved
   to ``done/`` (a crash between the commit and the move never stores it twice);
2. otherwise the format comes from a sidecar or the header (:mod:`geo.ingest.detect`), the
   rows are validated and stored in **one transaction** with their audit entry and the
   ``feeds`` row — killed at any moment, the batch is either wholly stored or not at all;
3. the file moves to ``done/`` (or ``failed/`` when it could not be read as any format),
   with ``<name>.report.json`` (the batch report) beside it.

Re-sending rows that are already stored counts them as duplicates, as any ingest does.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from app import audit
from app.db import feeds
from app.pull import validate_street_files
from app.service import Service
from geo.errors import GeoError
from geo.ingest import parse
from geo.ingest.detect import SIDECAR_SUFFIX, detect_format
from geo.policeuk import street_files_in

log = logging.getLogger("hotspots.feeds")
ACTOR = audit.SystemActor(name="feed:watch", role="feed")
SKIP_SUFFIXES = (".part", ".tmp", SIDECAR_SUFFIX, ".report.json")


@dataclass
class Watcher:
    """State of one watched folder between passes (sizes seen, to skip files being written)."""

    folder: Path
    seen_sizes: dict[str, int] = field(default_factory=dict)

    def ready(self, path: Path) -> bool:
        """True when ``path`` has the same size as at the previous pass."""
        size = path.stat().st_size
        before = self.seen_sizes.get(path.name)
        self.seen_sizes[path.name] = size
        return before == size


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _candidates(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and not p.name.startswith(".") and not p.name.endswith(SKIP_SUFFIXES))


def _move(path: Path, to: str, report: dict[str, Any]) -> Path:
    dest_dir = path.parent / to
    dest_dir.mkdir(exist_ok=True)
    dest = dest_dir / path.name
    if dest.exists():  # the same name again (a new file): keep both
        dest = dest_dir / f"{path.stem}.{_now():%Y%m%dT%H%M%S%f}{path.suffix}"
    (dest_dir / f"{dest.name}.report.json").write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    if sidecar.exists():
        shutil.move(str(sidecar), str(dest_dir / (dest.name + SIDECAR_SUFFIX)))
    shutil.move(str(path), str(dest))
    return dest


def _done_before(svc: Service, digest: str) -> dict[str, Any] | None:
    with svc.engine.connect() as conn:
        row = conn.execute(sa.select(feeds).where(feeds.c.kind == "file", feeds.c.sha256 == digest)).mappings().first()
    return dict(row) if row is not None else None


def _fail(svc: Service, path: Path, digest: str, message: str) -> dict[str, Any]:
    report = {"file": path.name, "status": "failed", "message": message}
    with svc.engine.begin() as conn:
        conn.execute(feeds.insert().values(kind="file", name=path.name[:255], sha256=digest, status="failed",
                                           message=message, created_at=_now()))
        audit.record(conn, ACTOR, "feeds.file", target=path.name[:200], params={"status": "failed"}, result_size=0)
    return report


def ingest_file(svc: Service, path: Path) -> tuple[str, dict[str, Any]]:
    """Take one file in; returns (``"done"`` or ``"failed"``, its report). Idempotent."""
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    before = _done_before(svc, digest)
    if before is not None:  # stored by an earlier pass that stopped before the move
        status = str(before["status"])
        return status, {"file": path.name, "status": status, "note": "already taken in", "batch_id": before["batch_id"]}
    if len(data) > svc.settings.max_upload_bytes:
        return "failed", _fail(svc, path, digest, f"larger than the limit of {svc.settings.max_upload_bytes} bytes")
    try:
        found = detect_format(data, sidecar=path.with_name(path.name + SIDECAR_SUFFIX))
        if found.format == "police-uk":  # as the upload and the CLI: the file's own LSOA codes
            files = street_files_in(data, path.name, max_bytes=svc.settings.max_upload_bytes)
            result, _ = validate_street_files(svc, files)
        else:
            result = svc.validate(parse(data, found.format, agency=found.agency, filename=path.name,
                                        datazone_points=svc.datazone_points))
    except GeoError as exc:
        return "failed", _fail(svc, path, digest, str(exc))

    def _record(conn: sa.Connection, report: dict[str, Any]) -> None:  # in the batch's transaction
        counts = {k: report[k] for k in ("received", "accepted", "duplicates", "rejected")}
        conn.execute(feeds.insert().values(kind="file", name=path.name[:255], sha256=digest, format=found.format,
                                           status="done", batch_id=report["batch_id"], created_at=_now(), **counts))
        audit.record(conn, ACTOR, "incidents.ingest", target=report["batch_id"],
                     params={"format": found.format, "filename": path.name, "via": "watch", **counts},
                     result_size=report["accepted"])

    report = svc.store(result, fmt=found.format, filename=path.name, key_name=ACTOR.name, audit=_record)
    return "done", {"file": path.name, "status": "done", "format": found.format, "format_from": found.how, **report}


def scan_once(svc: Service, watcher: Watcher, *, settle: bool = True) -> list[dict[str, Any]]:
    """One pass over the folder; returns the reports of the files it moved."""
    out = []
    for path in _candidates(watcher.folder):
        if settle and not watcher.ready(path):
            continue
        status, report = ingest_file(svc, path)
        dest = _move(path, "done" if status == "done" else "failed", report)
        watcher.seen_sizes.pop(path.name, None)
        log.info("%s -> %s (%s)", path.name, dest.parent.name, report.get("message") or f"accepted {report.get('accepted')}")
        out.append(report)
    return out


def list_feeds(svc: Service, *, limit: int = 100) -> list[dict[str, Any]]:
    """The newest feed entries first."""
    with svc.engine.connect() as conn:
        rows = conn.execute(sa.select(feeds).order_by(feeds.c.id.desc()).limit(limit)).mappings().all()
    return [{k: (v.isoformat() + "Z" if isinstance(v, datetime) else v) for k, v in r.items() if k != "sha256"} for r in rows]


def rejected_warning(svc: Service, *, last: int = 20) -> str | None:
    """A one-line warning when recent feeds rejected rows or failed (home page, pack)."""
    rows = list_feeds(svc, limit=last)
    failed = [r for r in rows if r["status"] == "failed"]
    rejected = sum(int(r["rejected"] or 0) for r in rows)
    if not failed and not rejected:
        return None
    parts = []
    if rejected:
        parts.append(f"{rejected} rejected row{'s' if rejected != 1 else ''}")
    if failed:
        parts.append(f"{len(failed)} file{'s' if len(failed) != 1 else ''} that could not be read")
    return f"Automatic feeds: {' and '.join(parts)} in the last {len(rows)} feed entries — see /api/v1/feeds."


def scheduled_pull(svc: Service, first: str, last: str, *, client: Any = None) -> list[dict[str, Any]]:
    """A scheduled police.uk pull of the months ``first``..``last`` (``YYYY-MM``): months
    already stored are skipped (so every run resumes), each stored month and a failure
    are recorded in ``feeds`` (kind ``pull``) and so listed by ``GET /feeds``."""
    from app.pull import pull_police_uk

    rep = pull_police_uk(svc, first, last, client=client, actor=ACTOR)
    rows = []
    for m in rep.months:
        if m.status != "stored":
            continue
        rows.append({"kind": "pull", "name": f"police.uk API {m.month}", "format": "police-uk", "status": "done",
                     "received": m.received, "accepted": m.accepted, "duplicates": m.duplicates,
                     "rejected": m.rejected, "message": None, "created_at": _now()})
    if rep.error:
        rows.append({"kind": "pull", "name": f"police.uk API {first}..{last}", "format": "police-uk",
                     "status": "failed", "received": None, "accepted": None, "duplicates": None, "rejected": None,
                     "message": rep.error[:2000], "created_at": _now()})
    if rows:
        with svc.engine.begin() as conn:
            conn.execute(feeds.insert(), rows)
    return rows


def last_complete_month(today: datetime | None = None) -> str:
    """``YYYY-MM`` of the month before ``today`` (police.uk publishes a month after it ends)."""
    d = (today or datetime.now(UTC)).replace(day=1)
    prev = (d.replace(year=d.year - 1, month=12) if d.month == 1 else d.replace(month=d.month - 1))
    return f"{prev:%Y-%m}"
