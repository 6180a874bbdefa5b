"""Area packs: the study area's geography as data, not code.

An *area pack* is a folder ``geo/data/areas/<name>/`` holding a manifest ``area.json`` and
the tasking-group file; the boundary files it names live in a files folder shipped as
package data (``data/<files>/`` of the source tree, ``geo/data/<files>/`` of a wheel). The
manifest gives:

- ``name`` (``west-lothian``), ``label`` (``West Lothian``) and ``area_phrase`` (``the West
  Lothian council area``, used in messages such as "coordinates outside …");
- ``small_areas``: file, expected count, field names (code, name, population, deprivation
  rank and decile, optionally quintile and vigintile), the deprivation index (name, short
  name, nation and the national number of areas), nouns and the code pattern;
- ``reporting_units``: file, expected count, code/name fields, nouns and code pattern;
- ``tasking_groups``: the CSV mapping each reporting unit to ``EAST`` or ``WEST``.

Two packs ship: ``west-lothian`` (the default; data zones 2011, SIMD 2020v2 of 6,976, wards
2017) and ``lincolnshire`` (LSOA 2021, English IoD 2025 of 33,755, the seven districts as
reporting units; EAST = Boston, East Lindsey, South Holland, WEST = Lincoln, North
Kesteven, South Kesteven, West Lindsey).

The loaded frames keep their historical column names: small areas in
``Boundaries.datazones`` with ``simd_rank``/``simd_decile`` meaning *the pack's deprivation
rank/decile*, reporting units in ``Boundaries.wards``.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from geo.errors import BoundaryError

__all__ = [
    "DEFAULT_AREA",
    "AreaPack",
    "Deprivation",
    "ReportingUnits",
    "SmallAreas",
    "area_names",
    "load_pack",
    "packs_dir",
]

DEFAULT_AREA = "west-lothian"
_SOURCE_DATA = Path(__file__).resolve().parent.parent.parent / "data"


def packs_dir() -> Path:
    """The folder holding one sub-folder (with ``area.json``) per area pack."""
    return Path(str(resources.files("geo").joinpath("data", "areas")))


@dataclass(frozen=True)
class Deprivation:
    """The deprivation index of the small areas.

    Attributes
    ----------
    index
        Full name, e.g. ``SIMD 2020v2`` or ``English IoD 2025``.
    short
        Short name for tight labels, e.g. ``SIMD`` or ``IMD``.
    nation
        Where the national ranks run over (``Scotland``, ``England``).
    national_count
        Number of small areas ranked nationally (6,976 data zones; 33,755 LSOAs).
    """

    index: str
    short: str
    nation: str
    national_count: int

    def most_deprived_rank(self, pct: float) -> int:
        """``floor(pct/100 * national_count)`` in exact decimal arithmetic."""
        return math.floor(Fraction(str(float(pct))) * self.national_count / 100)


def _prefix(pattern: str) -> str:
    m = re.match(r"\^([A-Za-z0-9]+)", pattern)
    return m.group(1) if m else ""


@dataclass(frozen=True)
class SmallAreas:
    """The small areas (data zones, LSOAs) of a pack."""

    file: str
    count: int
    edition: str
    noun: str
    plural: str
    code_pattern: str
    fields: dict[str, str]
    population_source: str
    deprivation: Deprivation

    @property
    def code_prefix(self) -> str:
        """The fixed start of every code (``S01``, ``E01``)."""
        return _prefix(self.code_pattern)


@dataclass(frozen=True)
class ReportingUnits:
    """The reporting units (wards, districts) of a pack."""

    file: str
    count: int
    edition: str
    noun: str
    plural: str
    code_pattern: str
    fields: dict[str, str]

    @property
    def code_prefix(self) -> str:
        """The fixed start of every code (``S13``, ``E07``)."""
        return _prefix(self.code_pattern)


@dataclass(frozen=True)
class AreaPack:
    """One study area: its manifest, resolved.

    Attributes
    ----------
    name, label, area_phrase, description, attribution, outline
        Identity and wording (see the module docstring).
    files
        The files folder, relative to the package data (``boundaries``,
        ``areas/lincolnshire``).
    small_areas, reporting_units
        What the two boundary files hold.
    tasking_groups, tasking_code_field
        The tasking-group CSV and its reporting-unit code column.
    manifest
        Path of ``area.json``.
    """

    name: str
    label: str
    area_phrase: str
    description: str
    attribution: str
    outline: str
    files: str
    small_areas: SmallAreas
    reporting_units: ReportingUnits
    tasking_groups: Path
    tasking_code_field: str
    manifest: Path
    source_credit: str = ""
    agencies: tuple[tuple[str, str], ...] = ()

    def agency_name(self, agency: str) -> str:
        """The publishing organisation of ``police``/``fire`` records in this area."""
        return dict(self.agencies).get(agency, agency)

    def boundaries_line(self, version: str) -> str:
        """``data zones 2011, multi-member wards 2017, SIMD 2020v2 (credit; version v)``."""
        sa, ru = self.small_areas, self.reporting_units
        return f"{sa.edition}, {ru.edition}, {self.deprivation.index} ({self.source_credit}; version {version})"

    @property
    def deprivation(self) -> Deprivation:
        """The small areas' deprivation index."""
        return self.small_areas.deprivation

    def files_dir(self) -> Path:
        """The shipped folder of the boundary files (wheel first, then the source tree)."""
        installed = Path(str(resources.files("geo").joinpath("data", *self.files.split("/"))))
        for cand in (installed, _SOURCE_DATA / self.files):
            if (cand / self.small_areas.file).is_file():
                return cand
        return installed

    def small_area_code_ok(self, code: str) -> bool:
        """Whether ``code`` has the form of a small-area code of this pack."""
        return re.fullmatch(self.small_areas.code_pattern, code) is not None

    def unit_code_ok(self, code: str) -> bool:
        """Whether ``code`` has the form of a reporting-unit code of this pack."""
        return re.fullmatch(self.reporting_units.code_pattern, code) is not None

    def summary(self) -> dict[str, Any]:
        """Plain figures for ``hotspots areas list`` and ``/health``."""
        return {
            "name": self.name,
            "label": self.label,
            "small_areas": f"{self.small_areas.count} {self.small_areas.plural} ({self.small_areas.edition})",
            "reporting_units": f"{self.reporting_units.count} {self.reporting_units.plural} "
            f"({self.reporting_units.edition})",
            "deprivation": f"{self.deprivation.index}, ranks out of {self.deprivation.national_count:,} "
            f"({self.deprivation.nation})",
            "files": str(self.files_dir()),
        }


def area_names() -> list[str]:
    """Names of the packs shipped (sorted)."""
    root = packs_dir()
    return sorted(p.name for p in root.iterdir() if (p / "area.json").is_file())


def _need(doc: dict[str, Any], key: str, where: Path) -> Any:
    if key not in doc:
        msg = f"area manifest {where} lacks `{key}`"
        raise BoundaryError(msg)
    return doc[key]


def _parse(path: Path) -> AreaPack:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        msg = f"area manifest {path} could not be read: {exc}"
        raise BoundaryError(msg) from exc
    sa, ru, tg = (_need(doc, k, path) for k in ("small_areas", "reporting_units", "tasking_groups"))
    dep = _need(sa, "deprivation", path)
    fields = dict(_need(sa, "fields", path))
    for key in ("code", "name", "population", "deprivation_rank", "deprivation_decile"):
        _need(fields, key, path)
    return AreaPack(
        name=str(_need(doc, "name", path)),
        label=str(_need(doc, "label", path)),
        area_phrase=str(_need(doc, "area_phrase", path)),
        description=str(doc.get("description", "")),
        attribution=str(doc.get("attribution", "")),
        outline=str(doc.get("outline", "union of the small areas")),
        files=str(_need(doc, "files", path)),
        small_areas=SmallAreas(
            file=str(_need(sa, "file", path)),
            count=int(_need(sa, "count", path)),
            edition=str(sa.get("edition", "")),
            noun=str(sa.get("noun", "small area")),
            plural=str(sa.get("plural", "small areas")),
            code_pattern=str(_need(sa, "code_pattern", path)),
            fields=fields,
            population_source=str(sa.get("population_source", "")),
            deprivation=Deprivation(
                index=str(_need(dep, "index", path)),
                short=str(dep.get("short", dep["index"])),
                nation=str(dep.get("nation", "")),
                national_count=int(_need(dep, "national_count", path)),
            ),
        ),
        reporting_units=ReportingUnits(
            file=str(_need(ru, "file", path)),
            count=int(_need(ru, "count", path)),
            edition=str(ru.get("edition", "")),
            noun=str(ru.get("noun", "reporting unit")),
            plural=str(ru.get("plural", "reporting units")),
            code_pattern=str(_need(ru, "code_pattern", path)),
            fields=dict(_need(ru, "fields", path)),
        ),
        tasking_groups=(path.parent / str(_need(tg, "file", path))).resolve(),
        tasking_code_field=str(tg.get("code_field", "code")),
        manifest=path,
        source_credit=str(doc.get("source_credit", "")),
        agencies=tuple(sorted((str(k), str(v)) for k, v in dict(doc.get("agencies", {})).items())),
    )


@lru_cache(maxsize=16)
def load_pack(name: str = DEFAULT_AREA) -> AreaPack:
    """The area pack called ``name`` (``west-lothian``, ``lincolnshire``).

    Raises
    ------
    BoundaryError
        For an unknown name (the message lists the known ones) or a bad manifest.
    """
    key = str(name).strip().lower()
    path = packs_dir() / key / "area.json"
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", key) or not path.is_file():
        msg = f"unknown area {name!r}: choose one of {', '.join(area_names())} (HOTSPOTS_AREA)"
        raise BoundaryError(msg)
    return _parse(path)
