"""The study area's boundaries, read through its area pack (:mod:`geo.areas`).

The default pack, ``west-lothian``, holds SIMD 2020v2 data zones 2011 and multi-member
wards 2017; ``lincolnshire`` holds LSOA 2021 with English IoD 2025 and the seven districts.
Whatever the pack, the small areas come as :attr:`Boundaries.datazones` (deprivation rank
and decile in the columns ``simd_rank``/``simd_decile``) and the reporting units as
:attr:`Boundaries.wards`. Everything is returned in British National Grid (EPSG:27700,
metres).

Ward population rule
--------------------
Data zones do not nest exactly in wards (PROVENANCE.md §5), so a ward's population is
derived by **areal apportionment**: each data zone's population is split
between the wards it overlaps in proportion to the share of its area that lies in each
ward (shares renormalised over the ward-covered part of the data zone, so that no
population is lost where simplified ward edges leave slivers of a data zone uncovered).
The result is rounded to whole people with the largest-remainder method so that the
ward populations add up exactly to the council total (181,310). Lincolnshire's LSOAs nest
in its districts, so there the rule gives each district the sum of its LSOAs (789,502 in all).

Quintile and vigintile
----------------------
Where a pack's file has no quintile or vigintile (English IoD 2025 publishes deciles), they
are derived: quintile = ceil(decile / 2), vigintile = ceil(20 * rank / national count).
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.areas import DEFAULT_AREA, AreaPack, load_pack
from geo.errors import BoundaryError

BNG = "EPSG:27700"
WGS84 = "EPSG:4326"
DATAZONES_FILE = "west_lothian_datazones_2011.geojson"
WARDS_FILE = "west_lothian_wards_2017.geojson"
#: West Lothian's figures (the default pack); other areas read theirs from the pack.
N_DATAZONES = 239
N_WARDS = 9
N_DATAZONES_SCOTLAND = 6976
TASKING_GROUPS_FILE = Path(__file__).parent / "data" / "tasking_groups.csv"
#: The source tree's copy (editable installs, a checkout); wheels carry geo/data/boundaries.
SOURCE_BOUNDARIES = Path(__file__).resolve().parent.parent / "data" / "boundaries"

_GENERIC = {
    "code": "code",
    "name": "name",
    "population": "population",
    "deprivation_rank": "simd_rank",
    "deprivation_decile": "simd_decile",
    "deprivation_quintile": "simd_quintile",
    "deprivation_vigintile": "simd_vigintile",
}


def _columns(fields: dict[str, str]) -> dict[str, str]:
    """Source field -> loaded column, from a pack's ``fields`` block."""
    return {src: _GENERIC[key] for key, src in fields.items() if key in _GENERIC}


@dataclass(frozen=True)
class Boundaries:
    """The loaded geography.

    Attributes
    ----------
    datazones
        One row per data zone: ``code, name, population, simd_rank, simd_decile,
        simd_quintile, simd_vigintile, geometry`` (EPSG:27700), sorted by code.
    wards
        One row per ward: ``code, name, tasking_group, population, geometry``.
    area
        The council area (union of the data zones), EPSG:27700.
    dz_ward_share
        Area share of each data zone in each ward (``datazone, ward, share``).
    version
        A short hash of the boundary files' bytes and the tasking-group file.
    source_dir
        The folder the boundary files were read from.
    pack
        The area pack (label, nouns, deprivation index and national count).
    """

    datazones: gpd.GeoDataFrame
    wards: gpd.GeoDataFrame
    area: shapely.Geometry
    dz_ward_share: pd.DataFrame
    version: str
    source_dir: Path = field(default=Path("."))
    pack: AreaPack = field(default_factory=load_pack)

    def group_wards(self, group: str) -> list[str]:
        """Ward codes of tasking group ``east``, ``west`` or ``all``."""
        g = group.upper()
        if g == "ALL":
            return list(self.wards["code"])
        return list(self.wards.loc[self.wards["tasking_group"] == g, "code"])


def packaged_boundaries_dir() -> Path:
    """The folder of boundary files shipped with the package.

    A wheel (``pip install .``) carries them as ``geo/data/boundaries/`` (found with
    :mod:`importlib.resources`); an editable install or a source checkout reads
    ``data/boundaries/`` of the project. Neither depends on the working directory.

    Returns
    -------
    Path
        The first of the two that holds the data-zone file, else the package location
        (so that an error message names where the files were expected).
    """
    installed = Path(str(resources.files("geo").joinpath("data", "boundaries")))
    for cand in (installed, SOURCE_BOUNDARIES):
        if (cand / DATAZONES_FILE).is_file():
            return cand
    return installed


def read_tasking_groups(path: Path = TASKING_GROUPS_FILE, code_field: str = "ward_code") -> dict[str, str]:
    """Read the reporting unit -> EAST/WEST mapping from its CSV file."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if rows and (code_field not in rows[0] or "tasking_group" not in rows[0]):
        msg = f"{path}: needs the columns {code_field} and tasking_group"
        raise BoundaryError(msg)
    mapping = {r[code_field].strip(): r["tasking_group"].strip().upper() for r in rows}
    bad = {k: v for k, v in mapping.items() if v not in ("EAST", "WEST")}
    if bad:
        msg = f"{path}: tasking_group must be EAST or WEST, got {bad}"
        raise BoundaryError(msg)
    return mapping


def _read(path: Path, columns: dict[str, str], expected: int) -> gpd.GeoDataFrame:
    if not path.is_file():
        msg = (
            f"boundary file {path} not found: set HOTSPOTS_BOUNDARIES_DIR to a folder "
            "holding it (or unset it to use the copy shipped with the package), or fill "
            "the folder from a mirror with `hotspots boundaries fetch`"
        )
        raise BoundaryError(msg)
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types for a bad file
        msg = f"boundary file {path} could not be read: {exc}"
        raise BoundaryError(msg) from exc
    missing = [c for c in columns if c not in gdf.columns]
    if missing:
        msg = f"boundary file {path} lacks the fields {', '.join(missing)}"
        raise BoundaryError(msg)
    if gdf.crs is None:
        msg = f"boundary file {path} has no CRS"
        raise BoundaryError(msg)
    if len(gdf) != expected:
        msg = f"boundary file {path} has {len(gdf)} features, expected {expected}"
        raise BoundaryError(msg)
    gdf = gdf[[*columns, "geometry"]].rename(columns=columns).to_crs(BNG)
    if gdf.geometry.isna().any() or gdf.geometry.is_empty.any():
        msg = f"boundary file {path} has features with no geometry"
        raise BoundaryError(msg)
    invalid = ~gdf.geometry.is_valid
    if invalid.any():
        gdf.loc[invalid, "geometry"] = shapely.make_valid(gdf.geometry[invalid].values)
    if gdf["code"].duplicated().any():
        msg = f"boundary file {path} has duplicate codes"
        raise BoundaryError(msg)
    return gdf.sort_values("code").reset_index(drop=True)


def largest_remainder(values: np.ndarray, total: int) -> np.ndarray:
    """Round non-negative ``values`` to integers that add up to ``total``."""
    floor = np.floor(values).astype(np.int64)
    short = int(total - floor.sum())
    if short > 0:
        order = np.argsort(-(values - floor), kind="stable")
        floor[order[:short]] += 1
    return floor


def apportion_population(
    datazones: gpd.GeoDataFrame, wards: gpd.GeoDataFrame
) -> tuple[pd.Series, pd.DataFrame]:
    """Ward populations by areal apportionment of data-zone populations.

    Returns the ward populations (indexed by ward code) and the share table.
    """
    pieces = gpd.overlay(
        datazones[["code", "geometry"]].rename(columns={"code": "datazone"}),
        wards[["code", "geometry"]].rename(columns={"code": "ward"}),
        how="intersection",
        keep_geom_type=True,
    )
    pieces["a"] = pieces.geometry.area
    pieces = pieces.groupby(["datazone", "ward"], as_index=False)["a"].sum()
    pieces["share"] = pieces["a"] / pieces.groupby("datazone")["a"].transform("sum")
    pieces = pieces[pieces["share"] > 1e-9]
    uncovered = set(datazones["code"]) - set(pieces["datazone"])
    if uncovered:
        msg = f"data zones {sorted(uncovered)} overlap no ward"
        raise BoundaryError(msg)
    pop = datazones.set_index("code")["population"]
    pieces["population"] = pieces["share"] * pieces["datazone"].map(pop)
    raw = pieces.groupby("ward")["population"].sum().reindex(wards["code"]).fillna(0.0)
    rounded = largest_remainder(raw.to_numpy(), int(pop.sum()))
    return (
        pd.Series(rounded, index=raw.index, name="population"),
        pieces[["datazone", "ward", "share"]].reset_index(drop=True),
    )


def _version(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


def _deprivation_fields(dz: gpd.GeoDataFrame, dz_path: Path, pack: AreaPack) -> gpd.GeoDataFrame:
    """Integer population and deprivation columns; quintile/vigintile derived if absent."""
    national = pack.deprivation.national_count
    for col in ("population", "simd_rank", "simd_decile", "simd_quintile", "simd_vigintile"):
        if col not in dz.columns:
            continue
        values = pd.to_numeric(dz[col], errors="coerce")
        if values.isna().any():
            msg = f"boundary file {dz_path}: field {col} has missing values"
            raise BoundaryError(msg)
        dz[col] = values.astype(np.int64)
    if not dz["simd_rank"].between(1, national).all():
        msg = f"boundary file {dz_path}: {pack.deprivation.short} ranks outside 1..{national}"
        raise BoundaryError(msg)
    if "simd_quintile" not in dz.columns:
        dz["simd_quintile"] = ((dz["simd_decile"] + 1) // 2).astype(np.int64)
    if "simd_vigintile" not in dz.columns:
        dz["simd_vigintile"] = np.ceil(dz["simd_rank"] * 20 / national).astype(np.int64)
    cols = ["code", "name", "population", "simd_rank", "simd_decile", "simd_quintile", "simd_vigintile"]
    return gpd.GeoDataFrame(dz[[*cols, "geometry"]], geometry="geometry", crs=BNG)


def load_boundaries(
    data_dir: Path | str | None = None,
    *,
    tasking_groups: Path | None = None,
    area: str | AreaPack = DEFAULT_AREA,
) -> Boundaries:
    """Load and validate the small areas and reporting units of an area pack.

    Parameters
    ----------
    data_dir
        Folder of the boundary files; default: the pack's shipped folder.
    tasking_groups
        The tasking-group CSV; default: the pack's.
    area
        The area pack or its name (default ``west-lothian``).

    Raises
    ------
    BoundaryError
        With one message naming the missing or bad file (or the unknown area).
    """
    pack = area if isinstance(area, AreaPack) else load_pack(area)
    data_dir = pack.files_dir() if data_dir is None else Path(data_dir)
    groups_path = pack.tasking_groups if tasking_groups is None else Path(tasking_groups)
    if not data_dir.is_dir():
        msg = (
            f"boundaries folder {data_dir} not found: point HOTSPOTS_BOUNDARIES_DIR at a "
            "folder holding the boundary files, or unset it to use the copy shipped with "
            f"the package ({pack.files_dir()})"
        )
        raise BoundaryError(msg)
    sa, ru = pack.small_areas, pack.reporting_units
    dz_path, ward_path = data_dir / sa.file, data_dir / ru.file
    dz = _deprivation_fields(_read(dz_path, _columns(sa.fields), sa.count), dz_path, pack)
    wards = _read(ward_path, _columns(ru.fields), ru.count)
    groups = read_tasking_groups(groups_path, pack.tasking_code_field)
    missing = sorted(set(wards["code"]) - set(groups))
    if missing:
        msg = f"{groups_path} has no tasking group for {ru.plural} {missing}"
        raise BoundaryError(msg)
    wards["tasking_group"] = wards["code"].map(groups)
    ward_pop, shares = apportion_population(dz, wards)
    wards["population"] = wards["code"].map(ward_pop).astype(np.int64)
    wards = wards[["code", "name", "tasking_group", "population", "geometry"]]
    area_geom = shapely.union_all(dz.geometry.values)
    return Boundaries(
        datazones=dz,
        wards=gpd.GeoDataFrame(wards, geometry="geometry", crs=BNG),
        area=area_geom,
        dz_ward_share=shares,
        version=_version([dz_path, ward_path, groups_path]),
        source_dir=data_dir,
        pack=pack,
    )
