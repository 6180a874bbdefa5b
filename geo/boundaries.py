"""West Lothian boundaries: SIMD 2020v2 data zones 2011 and multi-member wards 2017.

Everything is returned in British National Grid (EPSG:27700, metres).

Ward population rule
--------------------
Data zones do not nest exactly in wards (PROVENANCE.md §5), so a ward's population is
derived by **areal apportionment**: each data zone's SIMD 2020v2 population is split
between the wards it overlaps in proportion to the share of its area that lies in each
ward (shares renormalised over the ward-covered part of the data zone, so that no
population is lost where simplified ward edges leave slivers of a data zone uncovered).
The result is rounded to whole people with the largest-remainder method so that the
ward populations add up exactly to the council total (181,310).
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.errors import BoundaryError

BNG = "EPSG:27700"
WGS84 = "EPSG:4326"
DATAZONES_FILE = "west_lothian_datazones_2011.geojson"
WARDS_FILE = "west_lothian_wards_2017.geojson"
N_DATAZONES = 239
N_WARDS = 9
N_DATAZONES_SCOTLAND = 6976
TASKING_GROUPS_FILE = Path(__file__).parent / "data" / "tasking_groups.csv"

_DZ_COLUMNS = {
    "DataZone": "code",
    "Name": "name",
    "Total_population": "population",
    "SIMD2020v2_Rank": "simd_rank",
    "SIMD2020v2_Decile": "simd_decile",
    "SIMD2020v2_Quintile": "simd_quintile",
    "SIMD2020v2_Vigintile": "simd_vigintile",
}
_WARD_COLUMNS = {"ward_code": "code", "ward_name": "name"}


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
    """

    datazones: gpd.GeoDataFrame
    wards: gpd.GeoDataFrame
    area: shapely.Geometry
    dz_ward_share: pd.DataFrame
    version: str
    source_dir: Path = field(default=Path("."))

    def group_wards(self, group: str) -> list[str]:
        """Ward codes of tasking group ``east``, ``west`` or ``all``."""
        g = group.upper()
        if g == "ALL":
            return list(self.wards["code"])
        return list(self.wards.loc[self.wards["tasking_group"] == g, "code"])


def read_tasking_groups(path: Path = TASKING_GROUPS_FILE) -> dict[str, str]:
    """Read the ward -> EAST/WEST mapping from its CSV file."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    mapping = {r["ward_code"].strip(): r["tasking_group"].strip().upper() for r in rows}
    bad = {k: v for k, v in mapping.items() if v not in ("EAST", "WEST")}
    if bad:
        msg = f"{path}: tasking_group must be EAST or WEST, got {bad}"
        raise BoundaryError(msg)
    return mapping


def _read(path: Path, columns: dict[str, str], expected: int) -> gpd.GeoDataFrame:
    if not path.is_file():
        msg = (
            f"boundary file {path} not found: set HOTSPOTS_BOUNDARIES_DIR to the folder "
            "holding it, or run `hotspots boundaries fetch`"
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


def load_boundaries(
    data_dir: Path | str, *, tasking_groups: Path = TASKING_GROUPS_FILE
) -> Boundaries:
    """Load and validate the West Lothian data zones and wards from ``data_dir``.

    Raises
    ------
    BoundaryError
        With one message naming the missing or bad file.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        msg = (
            f"boundaries folder {data_dir} not found: set HOTSPOTS_BOUNDARIES_DIR, "
            "or run `hotspots boundaries fetch`"
        )
        raise BoundaryError(msg)
    dz_path, ward_path = data_dir / DATAZONES_FILE, data_dir / WARDS_FILE
    dz = _read(dz_path, _DZ_COLUMNS, N_DATAZONES)
    for col in (
        "population",
        "simd_rank",
        "simd_decile",
        "simd_quintile",
        "simd_vigintile",
    ):
        values = pd.to_numeric(dz[col], errors="coerce")
        if values.isna().any():
            msg = f"boundary file {dz_path}: field {col} has missing values"
            raise BoundaryError(msg)
        dz[col] = values.astype(np.int64)
    if not dz["simd_rank"].between(1, N_DATAZONES_SCOTLAND).all():
        msg = f"boundary file {dz_path}: SIMD ranks outside 1..{N_DATAZONES_SCOTLAND}"
        raise BoundaryError(msg)
    wards = _read(ward_path, _WARD_COLUMNS, N_WARDS)
    groups = read_tasking_groups(tasking_groups)
    missing = sorted(set(wards["code"]) - set(groups))
    if missing:
        msg = f"{tasking_groups} has no tasking group for wards {missing}"
        raise BoundaryError(msg)
    wards["tasking_group"] = wards["code"].map(groups)
    ward_pop, shares = apportion_population(dz, wards)
    wards["population"] = wards["code"].map(ward_pop).astype(np.int64)
    wards = wards[["code", "name", "tasking_group", "population", "geometry"]]
    area = shapely.union_all(dz.geometry.values)
    return Boundaries(
        datazones=dz,
        wards=gpd.GeoDataFrame(wards, geometry="geometry", crs=BNG),
        area=area,
        dz_ward_share=shares,
        version=_version([dz_path, ward_path, tasking_groups]),
        source_dir=data_dir,
    )
