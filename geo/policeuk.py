"""data.police.uk street-level crime: single CSVs, monthly archives, the file's small areas.

data.police.uk publishes, for every force in England, Wales and Northern Ireland, one CSV a
month (``YYYY-MM-<force>-street.csv``); its bulk archive is a zip (or, unpacked, a folder) of
``YYYY-MM/YYYY-MM-<force>-street.csv`` files next to the outcomes and stop-and-search files.
:func:`street_files` finds the street files of a CSV, a zip or a folder (optionally only some
forces and months); :func:`parse_street_files` turns them into one raw frame for
:func:`geo.ingest.validate` (rows numbered through the whole batch; every date is the first
of its month with ``date_precision='month'``) together with the file's own small-area code of
each row (column ``LSOA code``).

police.uk assigns that code *before* it snaps the point to an anonymous map point, so where
the code is one of the study area's small areas it is the better small area of the record:
:func:`use_file_small_areas` puts it on the accepted records and counts how often the
point-in-polygon join of the snapped point agrees (:class:`SmallAreaAgreement`). For West
Lothian the column is empty (Police Scotland does not publish there) or English, so every
record keeps its point-in-polygon data zone.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from geo.errors import ParameterError, TooLargeError
from geo.ingest.police_uk import parse_police_uk
from geo.ingest.rawio import read_csv_text

STREET_FILE = re.compile(r"(?:^|/)(\d{4}-\d{2})-([a-z0-9-]+?)-street\.csv$")


@dataclass(frozen=True)
class StreetFile:
    """One monthly street-level file: its month, force slug, name and bytes."""

    month: str
    force: str
    name: str
    data: bytes


@dataclass(frozen=True)
class SmallAreaAgreement:
    """How the file's small-area codes compare with the point-in-polygon join.

    Attributes
    ----------
    accepted
        Accepted records.
    with_area_code
        Accepted records whose file carries a small-area code of the study area (these
        records get that code as their small area).
    agree
        Of those, records whose snapped point lies in that same small area.
    """

    accepted: int
    with_area_code: int
    agree: int

    @property
    def disagree(self) -> int:
        """Records whose file code and point-in-polygon small area differ."""
        return self.with_area_code - self.agree

    @property
    def share_agree(self) -> float | None:
        """``agree / with_area_code`` (None when no record carries an area code)."""
        return self.agree / self.with_area_code if self.with_area_code else None

    def to_dict(self) -> dict[str, int | float | None]:
        """Plain JSON dict."""
        return {
            "accepted": self.accepted,
            "with_area_code": self.with_area_code,
            "agree": self.agree,
            "disagree": self.disagree,
            "share_agree": self.share_agree,
        }


def _wanted(month: str, force: str, forces: set[str] | None, months: tuple[str, str] | None) -> bool:
    if forces is not None and force not in forces:
        return False
    return months is None or months[0] <= month <= months[1]


def street_files(
    path: Path | str,
    *,
    forces: list[str] | None = None,
    months: tuple[str, str] | None = None,
) -> list[StreetFile]:
    """The street-level files of a CSV, a zip archive or a folder, by month then force.

    Parameters
    ----------
    path
        A ``*.csv`` file (any name), a ``*.zip`` or a folder (searched recursively for
        ``YYYY-MM-<force>-street.csv``; other files of the archive are ignored).
    forces
        Force slugs to keep (e.g. ``["lincolnshire"]``); default all.
    months
        ``(first, last)`` as ``YYYY-MM``, inclusive; default all.

    Raises
    ------
    ParameterError
        If the path does not exist, the zip is unreadable, or no street file matches.
    """
    p = Path(path)
    found: list[StreetFile] = []
    if p.is_dir():
        wanted = {f.lower() for f in forces} if forces else None
        for f in sorted(p.rglob("*-street.csv")):
            m = STREET_FILE.search(f.as_posix())
            if m and _wanted(m.group(1), m.group(2), wanted, months):
                found.append(StreetFile(m.group(1), m.group(2), f.name, f.read_bytes()))
    elif p.is_file() and p.suffix.lower() == ".zip":
        return _zip_files(p, p.name, forces=forces, months=months, max_bytes=None)
    elif p.is_file():
        return street_files_in(p.read_bytes(), p.name, forces=forces, months=months)
    else:
        msg = f"{p}: no such file or folder"
        raise ParameterError(msg, param="file")
    if not found:
        msg = f"{p}: no data.police.uk street-level file (YYYY-MM-<force>-street.csv) matches"
        raise ParameterError(msg, param="file")
    return sorted(found, key=lambda f: (f.month, f.force, f.name))


def street_files_in(
    data: bytes,
    name: str,
    *,
    forces: list[str] | None = None,
    months: tuple[str, str] | None = None,
    max_bytes: int | None = None,
) -> list[StreetFile]:
    """The street-level files of one file's bytes: a zip archive (by its signature) or a CSV.

    The same as :func:`street_files` for a file, for bytes that arrived without a path (an
    HTTP upload). ``max_bytes`` bounds the uncompressed size of the street files taken
    from a zip (:class:`~geo.errors.TooLargeError` past it).

    Raises
    ------
    ParameterError
        If the zip is unreadable or no street file matches.
    TooLargeError
        If the zip's street files hold more than ``max_bytes`` uncompressed.
    """
    if data[:4] == b"PK\x03\x04" or name.lower().endswith(".zip"):
        return _zip_files(io.BytesIO(data), name, forces=forces, months=months, max_bytes=max_bytes)
    m = STREET_FILE.search(name)
    month, force = (m.group(1), m.group(2)) if m else ("", "")
    if m and not _wanted(month, force, {f.lower() for f in forces} if forces else None, months):
        msg = f"{name}: no data.police.uk street-level file (YYYY-MM-<force>-street.csv) matches"
        raise ParameterError(msg, param="file")
    return [StreetFile(month, force, name, data)]


def _zip_files(
    src: Path | io.BytesIO, name: str, *, forces: list[str] | None, months: tuple[str, str] | None, max_bytes: int | None
) -> list[StreetFile]:
    """The matching street files of a zip archive (read from ``src``, named ``name``)."""
    wanted = {f.lower() for f in forces} if forces else None
    try:
        with zipfile.ZipFile(src) as z:
            infos = sorted(z.infolist(), key=lambda i: i.filename)
            keep = [(i, m) for i in infos if (m := STREET_FILE.search(i.filename))
                    and _wanted(m.group(1), m.group(2), wanted, months)]  # fmt: skip
            size = sum(i.file_size for i, _ in keep)
            if max_bytes is not None and size > max_bytes:
                msg = f"{name}: its street-level files hold {size} bytes uncompressed, more than the limit of {max_bytes}"
                raise TooLargeError(msg, param="file")
            found = [StreetFile(m.group(1), m.group(2), i.filename.rsplit("/", 1)[-1], z.read(i)) for i, m in keep]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as exc:
        msg = f"{name} is not a readable zip archive: {exc}"
        raise ParameterError(msg, param="file") from exc
    if not found:
        msg = f"{name}: no data.police.uk street-level file (YYYY-MM-<force>-street.csv) matches"
        raise ParameterError(msg, param="file")
    return sorted(found, key=lambda f: (f.month, f.force, f.name))


def parse_street_files(files: list[StreetFile]) -> tuple[pd.DataFrame, pd.Series]:
    """One raw frame for all ``files`` and the file's small-area code of each row.

    Returns
    -------
    tuple of (pandas.DataFrame, pandas.Series)
        The raw frame (``row`` 1..N through the batch, in file order) and, with the same
        index, the ``LSOA code`` column (stripped; None where empty or absent).
    """
    frames, codes = [], []
    for f in files:
        raw = parse_police_uk(f.data)
        table = read_csv_text(f.data)
        col = table["LSOA code"] if "LSOA code" in table.columns else pd.Series([None] * len(table))
        code = col.fillna("").astype(str).str.strip()
        frames.append(raw)
        codes.append(code.where(code != "", None).reset_index(drop=True))
    raw = pd.concat(frames, ignore_index=True)
    raw["row"] = np.arange(1, len(raw) + 1)
    return raw, pd.concat(codes, ignore_index=True).astype(object)


def accepted_codes(raw: pd.DataFrame, codes: pd.Series, errors: list[dict[str, object]]) -> pd.Series:
    """The file codes of the accepted rows, in the order :func:`geo.ingest.validate` keeps."""
    rejected = {int(e["row"]) for e in errors}  # type: ignore[call-overload]
    keep = ~raw["row"].isin(rejected).to_numpy()
    return codes[keep].reset_index(drop=True)


def use_file_small_areas(
    accepted: pd.DataFrame, codes: pd.Series, small_areas: pd.DataFrame
) -> tuple[pd.DataFrame, SmallAreaAgreement]:
    """Give each accepted record its file's small area where that is one of the area's.

    Parameters
    ----------
    accepted
        :attr:`geo.ingest.ValidationResult.accepted` (column ``datazone`` from the
        point-in-polygon join, plus ``simd_rank``/``simd_decile``).
    codes
        :func:`accepted_codes`: the file code of each accepted row (same order).
    small_areas
        The area's small areas with ``code``, ``simd_rank``, ``simd_decile``.

    Returns
    -------
    tuple of (pandas.DataFrame, SmallAreaAgreement)
        The records (``datazone`` and the deprivation fields replaced where the file code
        is an area code) and the agreement counts of the two assignments.
    """
    if len(codes) != len(accepted):
        msg = f"{len(codes)} file codes for {len(accepted)} accepted records"
        raise ValueError(msg)
    out = accepted.reset_index(drop=True).copy()
    info = small_areas.set_index("code")
    c = codes.reset_index(drop=True)
    known = c.isin(info.index).to_numpy()
    agree = int((c[known].to_numpy() == out.loc[known, "datazone"].to_numpy()).sum())
    if known.any():
        use = c[known]
        out.loc[known, "datazone"] = use.to_numpy()
        for col in ("simd_rank", "simd_decile"):
            if col in out.columns and col in info.columns:
                out.loc[known, col] = use.map(info[col]).to_numpy()
    return out, SmallAreaAgreement(accepted=len(out), with_area_code=int(known.sum()), agree=agree)
