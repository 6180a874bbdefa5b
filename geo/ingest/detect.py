"""Which source format a file is in, from a sidecar or from its header.

Used by the watched folder (``hotspots watch``), where nobody names the format. Rules,
first match wins:

1. A sidecar ``<file>.meta.json`` beside the file with ``{"format": …, "agency": …}``.
2. JSON or GeoJSON (the first non-blank byte is ``{`` or ``[``): ``native``.
3. A CSV header with ``Crime ID``, ``Month`` and ``Crime type``: ``police-uk``.
4. A CSV header with ``IncidentNumber``: ``sfrs``.
5. A CSV header with ``accident_index`` or ``collision_index``: ``stats19``.
6. A CSV header with ``agency`` or ``source_id`` and ``occurred_at``: ``native``.

Anything else is a :class:`~geo.errors.ParameterError` naming the header it saw.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

from geo.errors import ParameterError

SIDECAR_SUFFIX = ".meta.json"


@dataclass(frozen=True)
class Detected:
    """The format of a file and, from a sidecar, the agency for rows that lack one."""

    format: str
    agency: str | None = None
    how: str = "header"


def _header(data: bytes) -> list[str]:
    text = data[:65536].decode("utf-8-sig", errors="replace")
    first = text.splitlines()[0] if text.strip() else ""
    try:
        row = next(csv.reader(io.StringIO(first)))
    except (StopIteration, csv.Error):
        return []
    return [c.strip() for c in row]


def detect_format(data: bytes, *, sidecar: Path | None = None) -> Detected:
    """The format of ``data`` (the file's bytes), a sidecar's word first.

    Raises
    ------
    ParameterError
        When neither a sidecar nor the header says which format the file is in.
    """
    if sidecar is not None and sidecar.is_file():
        try:
            meta = json.loads(sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            msg = f"sidecar {sidecar.name} is not a JSON object: {exc}"
            raise ParameterError(msg, param="format") from exc
        if not isinstance(meta, dict) or not isinstance(meta.get("format"), str):
            msg = f'sidecar {sidecar.name} needs a "format" member'
            raise ParameterError(msg, param="format")
        agency = meta.get("agency")
        return Detected(meta["format"], agency if isinstance(agency, str) else None, "sidecar")
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head in (b"{", b"["):
        return Detected("native")
    cols = {c.lower() for c in _header(data)}
    if {"crime id", "month", "crime type"} <= cols:
        return Detected("police-uk")
    if "incidentnumber" in cols:
        return Detected("sfrs")
    if cols & {"accident_index", "collision_index"}:
        return Detected("stats19")
    if cols & {"agency", "source_id"} and "occurred_at" in cols:
        return Detected("native")
    shown = "".join(ch for ch in ", ".join(sorted(cols)) if ch.isprintable())[:200] or "no header"
    msg = f"cannot tell the format from the header ({shown}); add a sidecar {SIDECAR_SUFFIX} with a \"format\""
    raise ParameterError(msg, param="format")
