"""Tasking configuration: the groups (area, cadence, members), partner organisations and
pack options, read from ``geo/data/tasking_config.json`` (or ``HOTSPOTS_TASKING_CONFIG``)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geo
from app.errors import ApiError
from app.service import Service

CONFIG_FILE = Path(geo.__file__).parent / "data" / "tasking_config.json"
AREAS = ("east", "west", "all")

@dataclass(frozen=True)
class GroupConfig:
    """One tasking group: its area (``east``/``west``/``all``), cadence and members."""

    code: str
    name: str
    area: str
    cadence_months: int
    period_months: int
    members: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON dict."""
        return {
            "code": self.code,
            "name": self.name,
            "area": self.area,
            "cadence_months": self.cadence_months,
            "period_months": self.period_months,
            "members": list(self.members),
        }


@dataclass(frozen=True)
class TaskingConfig:
    """The groups, the partner organisations and the pack options."""

    groups: dict[str, GroupConfig]
    organisations: tuple[str, ...]
    hotspot_method: str
    top_hotspots: int
    source: str
    agency_organisations: dict[str, str] = field(default_factory=dict)  # partner key's agency -> its organisation

    def group(self, code: str, *, param: str = "group") -> GroupConfig:
        """The group ``code`` (case-insensitive) or a 422 naming ``param``."""
        g = self.groups.get(code.strip().lower())
        if g is None:
            raise ApiError(
                422,
                f"`{param}` must be one of {', '.join(self.groups)}, got {code!r}",
                param=param,
            )
        return g


def load_tasking_config(path: Path = CONFIG_FILE) -> TaskingConfig:
    """Read and check the tasking configuration file (ValueError naming the field)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        msg = f"{path}: cannot read the tasking configuration: {exc}"
        raise ValueError(msg) from exc
    orgs = tuple(str(o) for o in doc.get("partner_organisations", []))
    if not orgs:
        msg = f"{path}: `partner_organisations` must list at least one organisation"
        raise ValueError(msg)
    groups: dict[str, GroupConfig] = {}
    for code, g in (doc.get("groups") or {}).items():
        where = f"{path}: groups.{code}"
        area = str(g.get("area", "")).lower()
        if area not in AREAS:
            msg = (
                f"{where}.area must be one of {', '.join(AREAS)}, got {g.get('area')!r}"
            )
            raise ValueError(msg)
        members = tuple(str(m) for m in g.get("members", []))
        unknown = [m for m in members if m not in orgs]
        if not members or unknown:
            msg = f"{where}.members must be a non-empty list of partner_organisations; unknown: {unknown}"
            raise ValueError(msg)
        months = {}
        for k in ("cadence_months", "period_months"):
            v = g.get(k)
            if not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= 24:
                msg = f"{where}.{k} must be an integer 1-24, got {v!r}"
                raise ValueError(msg)
            months[k] = v
        groups[code.lower()] = GroupConfig(
            code=code.lower(),
            name=str(g.get("name") or code),
            area=area,
            members=members,
            **months,
        )
    if not groups:
        msg = f"{path}: `groups` must define at least one group"
        raise ValueError(msg)
    pack = doc.get("pack") or {}
    method = str(pack.get("hotspot_method", "dbscan"))
    if method not in ("dbscan", "hdbscan"):
        msg = f"{path}: pack.hotspot_method must be dbscan or hdbscan"
        raise ValueError(msg)
    top = pack.get("top_hotspots", 10)
    if not isinstance(top, int) or not 1 <= top <= 100:
        msg = f"{path}: pack.top_hotspots must be an integer 1-100"
        raise ValueError(msg)
    agency_orgs = {str(k): str(v) for k, v in (doc.get("agency_organisations") or {}).items()}
    unknown_orgs = sorted(set(agency_orgs.values()) - set(orgs))
    if unknown_orgs:
        msg = f"{path}: agency_organisations names organisations not in partner_organisations: {unknown_orgs}"
        raise ValueError(msg)
    return TaskingConfig(
        groups=groups,
        organisations=orgs,
        hotspot_method=method,
        top_hotspots=top,
        source=str(path),
        agency_organisations=agency_orgs,
    )


_config_lock = threading.Lock()
_configs: dict[tuple[str, float], TaskingConfig] = {}


def tasking_config(svc: Service) -> TaskingConfig:
    """The service's tasking configuration (re-read when the file changes)."""
    path = Path(svc.settings.tasking_config or CONFIG_FILE)
    try:
        key = (str(path.resolve()), path.stat().st_mtime)
    except OSError as exc:
        raise ApiError(
            503,
            f"the tasking configuration {path} is missing (HOTSPOTS_TASKING_CONFIG)",
        ) from exc
    with _config_lock:
        if key not in _configs:
            try:
                _configs[key] = load_tasking_config(path)
            except ValueError as exc:
                raise ApiError(503, str(exc)) from exc
        return _configs[key]
